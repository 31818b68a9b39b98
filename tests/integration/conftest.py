import os
import sys

import pytest

sys.path.insert(0, os.path.dirname(__file__))

import lablib  # noqa: E402


def pytest_collection_modifyitems(items):
    for item in items:
        item.add_marker(pytest.mark.lab)


@pytest.fixture(scope="session", autouse=True)
def lab_running():
    if not os.path.exists(lablib.INVENTORY):
        pytest.fail("the lab is not up: run `make lab-up` (or tests/lab/lab up) first")
