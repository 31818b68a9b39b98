# -*- coding: utf-8 -*-
# Copyright: (c) 2026, sre.remediation contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
from __future__ import annotations

import json
import os

import pytest
from ansible.errors import AnsibleFilterError

from ansible_collections.sre.remediation.plugins.filter import logtail_app_info, logtail_config

SAMPLES = os.path.join(os.path.dirname(__file__), "..", "..", "..", "samples", "logtail")


def sample(name):
    with open(os.path.join(SAMPLES, name)) as fh:
        return fh.read()


def test_app_info_filter():
    flt = logtail_app_info.FilterModule().filters()["logtail_app_info"]
    assert flt(sample("app_info_logtail_2.0.8.json"))["ip"] == "172.16.0.75"
    assert flt(sample("app_info_ip_empty.json"))["ip"] is None
    with pytest.raises(AnsibleFilterError, match="logtail_app_info: .*invalid JSON"):
        flt("{oops")
    with pytest.raises(AnsibleFilterError):
        flt(42)


def test_config_filter_parse_and_set():
    flt = logtail_config.FilterModule().filters()["logtail_config"]
    assert flt(sample("ilogtail_config_new.json"))["format"] == "new"
    out = flt(sample("ilogtail_config_old.json"), set_working_ip="172.16.0.75")
    assert json.loads(out)["working_ip"] == "172.16.0.75"
    with pytest.raises(AnsibleFilterError, match="999.1.1.1"):
        flt(sample("ilogtail_config_old.json"), set_working_ip="999.1.1.1")
    with pytest.raises(AnsibleFilterError, match="invalid JSON"):
        flt(sample("ilogtail_config_doc_with_comments.json"))
