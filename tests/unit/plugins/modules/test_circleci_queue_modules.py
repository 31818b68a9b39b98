# -*- coding: utf-8 -*-
# Copyright: (c) 2026, sre.remediation contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""circleci_queue_info / circleci_queue_fix run as modules (main()) against the CircleCI test doubles."""

from __future__ import annotations

import importlib.util
import json
import os

import pytest
from ansible.module_utils.testing import patch_module_args

from ansible_collections.sre.remediation.plugins.modules import circleci_queue_fix, circleci_queue_info

DOUBLE = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..", "..", "lab", "doubles", "circleci")
DOCKER = os.path.abspath(os.path.join(DOUBLE, "docker"))

_spec = importlib.util.spec_from_file_location("circleci_scenario_mod", os.path.join(DOUBLE, "scenario.py"))
scenario = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(scenario)


def run_module(mod, args, capsys, check_mode=False):
    if check_mode:
        args = dict(args, _ansible_check_mode=True)
    with patch_module_args(args):
        with pytest.raises(SystemExit):
            mod.main()
    return json.loads(capsys.readouterr().out)


@pytest.fixture()
def state(tmp_path, monkeypatch):
    path = str(tmp_path / "state.json")
    monkeypatch.setenv("CIRCLECI_DOUBLE_STATE", path)
    return path


BASE = {"docker_command": DOCKER, "nomad_command": [DOCKER, "exec", "nomad", "nomad"]}


def test_info_module_reports_drained_builder_and_fix_module_undrains(state, capsys):
    scenario.write("drained_builder", "0.9.3", state)
    info = run_module(circleci_queue_info, dict(BASE), capsys, check_mode=True)
    assert info["changed"] is False and info["nomad_version"] == "0.9.3"
    assert {f["id"] for f in info["findings"]} == {"builder_draining", "jobs_pending"}
    assert info["pending_jobs"][0]["status"]["placement_failures"][0]["reasons"][0]["kind"] == "no_nodes_eligible"
    assert any(c.endswith("node status -allocs -no-color") for c in info["commands"])
    assert not any(" -t" in c or "-it" in c for c in info["commands"])
    drained = [f for f in info["findings"] if f["id"] == "builder_draining"][0]["data"]["names"]

    plan = run_module(circleci_queue_fix, dict(BASE, disable_drain=drained), capsys, check_mode=True)
    assert plan["changed"] is True and "node drain -disable -yes" in plan["commands"][0]
    fixed = run_module(circleci_queue_fix, dict(BASE, disable_drain=drained), capsys)
    assert fixed["changed"] is True and fixed["commands"] == plan["commands"]
    again = run_module(circleci_queue_fix, dict(BASE, disable_drain=drained), capsys)
    assert again["changed"] is False and again["not_applied"] == ["%s: not draining" % drained[0]]
    after = run_module(circleci_queue_info, dict(BASE), capsys)
    assert after["findings"] == []


def test_info_module_pre_2_19_server(state, capsys):
    scenario.write("healthy", "0.5.6", state)
    info = run_module(circleci_queue_info, dict(BASE, expected_datacenter="us-east-1", log_lines=50), capsys)
    assert info["findings"] == [] and info["nomad_version"] == "0.5.6"
    assert any(c.endswith("node-status -allocs -no-color") for c in info["commands"])
    assert any("logs --tail 50 dispatcher" in c for c in info["commands"])


def test_info_module_parse_error_fails_cleanly(state, capsys, tmp_path):
    scenario.write("healthy", "0.9.3", state)
    fake = tmp_path / "fakenomad"
    fake.write_text("#!/bin/sh\nif [ \"$1\" = version ]; then echo 'Nomad v0.9.3'; exit 0; fi\n"
                    "printf 'ID  Colour  Status\\nx   red     ready\\n'\n")
    fake.chmod(0o755)
    result = run_module(circleci_queue_info, dict(BASE, nomad_command=[str(fake)]), capsys)
    assert result["failed"] is True and "unknown column 'Colour'" in result["msg"]


def test_fix_module_reports_failed_command(state, capsys):
    scenario.write("healthy", "0.9.3", state)
    result = run_module(circleci_queue_fix, dict(BASE, start_containers=["no-such-container"]), capsys)
    assert result["failed"] is True and "does not exist" in result["msg"]
