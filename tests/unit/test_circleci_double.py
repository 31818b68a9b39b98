# -*- coding: utf-8 -*-
# Copyright: (c) 2026, sre.remediation contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""The CircleCI Server test doubles (tests/lab/doubles/circleci: `docker`, `nomad`, scenario.py) run
locally, read through the real collection code (module_utils.nomad.collect / apply_fixes, the same
functions the circleci_queue_info / circleci_queue_fix modules call): diagnose -> fix -> re-diagnose."""

from __future__ import annotations

import importlib.util
import os
import subprocess
import sys

import pytest

from ansible_collections.sre.remediation.plugins.module_utils import nomad
from ansible_collections.sre.remediation.plugins.module_utils.findings import validate

HERE = os.path.dirname(os.path.abspath(__file__))
DOUBLE = os.path.join(HERE, "..", "lab", "doubles", "circleci")
DOCKER = os.path.join(DOUBLE, "docker")

_spec = importlib.util.spec_from_file_location("circleci_scenario", os.path.join(DOUBLE, "scenario.py"))
scenario = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(scenario)

VERSIONS = ("0.5.6", "0.9.3", "0.11.3", "1.6.3")
EXPECTED = {
    "healthy": set(),
    "drained_builder": {"builder_draining", "jobs_pending"},
    "ineligible_builder": {"builder_ineligible", "jobs_pending"},
    "down_builder": {"builder_not_ready"},
    "capacity_exhausted": {"capacity_exhausted", "jobs_pending"},
    "dispatcher_stopped": {"dispatcher_down"},
    "lost_builds": {"builds_lost_between_dispatchers"},
    "datacenter_mismatch": {"datacenter_mismatch", "jobs_pending", "builder_not_ready"},
}


@pytest.fixture()
def state(tmp_path, monkeypatch):
    path = str(tmp_path / "state.json")
    monkeypatch.setenv("CIRCLECI_DOUBLE_STATE", path)
    return path


def run(args):
    """Run like module.run_command: argv list, no shell; `docker` is the double."""
    if args[0] == "docker":
        args = [sys.executable, DOCKER] + list(args[1:])
    proc = subprocess.run(args, capture_output=True, text=True, timeout=60, check=False)
    return proc.returncode, proc.stdout, proc.stderr


def diagnose(version):
    return nomad.collect(run, expected_datacenter=scenario.expected_datacenter(version))


def problem_ids(result):
    return {f["id"] for f in result["findings"] if f["severity"] in ("warning", "critical")}


def load(name, version, state):
    scenario.write(name, version, state)
    if name == "ineligible_builder" and version == "0.5.6":
        return {"builder_draining", "jobs_pending"}  # no eligibility before 0.8: the scenario drains instead
    return EXPECTED[name]


@pytest.mark.parametrize("version", VERSIONS)
@pytest.mark.parametrize("name", scenario.SCENARIOS)
def test_scenario_gives_expected_findings(name, version, state):
    expected = load(name, version, state)
    result = diagnose(version)
    assert problem_ids(result) == expected
    assert result["nomad_version"] == version
    for item in result["findings"]:
        assert validate(item) == []
        assert item["evidence"], item["id"]
    if name != "dispatcher_stopped":
        assert len(result["nodes"]) >= 1 and result["jobs"]


@pytest.mark.parametrize("version", VERSIONS)
def test_healthy_scenario_has_no_warning(version, state):
    scenario.write("healthy", version, state)
    result = diagnose(version)
    assert [f for f in result["findings"] if f["severity"] != "info"] == []
    assert all(c["state"] == "running" for c in result["containers"].values())
    assert result["pending_jobs"] == []


def fix_args(result):
    """Build the opt-in fix arguments from the findings, like a role would."""
    kwargs = {}
    for item in result["findings"]:
        if item["id"] == "builder_draining":
            kwargs["disable_drain"] = item["data"]["names"]
        elif item["id"] == "builder_ineligible":
            kwargs["enable_eligibility"] = item["data"]["nodes"]
        elif item["id"] == "dispatcher_down":
            kwargs["start_containers"] = item["data"]["containers"]
        elif item["id"] == "builds_lost_between_dispatchers":
            kwargs["restart_dispatchers"] = True
    return kwargs


FIXABLE = ("drained_builder", "ineligible_builder", "dispatcher_stopped", "lost_builds")


@pytest.mark.parametrize("version", VERSIONS)
@pytest.mark.parametrize("name", FIXABLE)
def test_diagnose_fix_rediagnose(name, version, state):
    load(name, version, state)
    before = diagnose(version)
    kwargs = fix_args(before)
    assert kwargs
    with open(state) as handle:
        snapshot = handle.read()
    plan = nomad.apply_fixes(run, check_mode=True, **kwargs)
    with open(state) as handle:
        assert handle.read() == snapshot, "check mode changed the double's state"
    assert plan["changed"] and plan["commands"]
    done = nomad.apply_fixes(run, **kwargs)
    assert done["commands"] == plan["commands"]
    for command in done["commands"]:
        assert "-force" not in command
    after = diagnose(version)
    assert problem_ids(after) == set(), after["findings"]
    rest = dict((k, v) for k, v in kwargs.items() if k != "restart_dispatchers")
    if rest:  # idempotent: nothing left to do, each request explained in `skipped`
        again = nomad.apply_fixes(run, **rest)
        assert again["changed"] is False and len(again["skipped"]) == sum(len(v) for v in rest.values())


@pytest.mark.parametrize("version,expected", [
    ("0.5.6", "node-drain -disable -yes "), ("0.9.3", "node drain -disable -yes "),
    ("0.11.3", "node drain -disable -yes "), ("1.6.3", "node drain -disable -yes ")])
def test_drain_command_per_version(version, expected, state):
    scenario.write("drained_builder", version, state)
    plan = nomad.apply_fixes(run, disable_drain=["0cf07b07"], check_mode=True)
    assert len(plan["commands"]) == 1 and expected in plan["commands"][0]


def test_eligibility_not_possible_before_0_8(state):
    scenario.write("healthy", "0.5.6", state)
    result = nomad.apply_fixes(run, enable_eligibility=["0cf07b07"], check_mode=True)
    assert result["commands"] == [] and "no scheduling eligibility" in result["skipped"][0]


def test_eligibility_refused_while_draining(state):
    scenario.write("drained_builder", "0.9.3", state)
    result = nomad.apply_fixes(run, enable_eligibility=["0cf07b07"])
    assert result["commands"] == [] and "draining" in result["skipped"][0]
    rc, _out, err = run(["docker", "exec", "nomad", "nomad", "node", "eligibility", "-enable", "0cf07b07"])
    assert rc == 1 and "while it is draining" in err


def test_nomad_container_stopped(state):
    scenario.write("healthy", "0.9.3", state)
    assert run(["docker", "stop", "nomad"])[0] == 0
    result = diagnose("0.9.3")
    assert result["nodes"] is None and result["nomad_version"] is None
    down = [f for f in result["findings"] if f["id"] == "dispatcher_down"][0]
    assert down["data"]["containers"] == ["nomad"]
    nomad.apply_fixes(run, start_containers=["nomad"])
    assert problem_ids(diagnose("0.9.3")) == set()


def test_docker_exec_with_tty_fails_without_terminal(state):
    scenario.write("healthy", "0.9.3", state)
    rc, _out, err = run(["docker", "exec", "-it", "nomad", "nomad", "status"])
    assert rc == 1 and "not a TTY" in err


def test_old_nomad_colours_without_no_color(state):
    scenario.write("capacity_exhausted", "0.5.6", state)
    job = [j for j in nomad.parse_jobs(run(["docker", "exec", "nomad", "nomad", "status"])[1])
           if j["status"] == "pending"][0]
    rc, out, _err = run(["docker", "exec", "nomad", "nomad", "status", job["id"]])
    assert rc == 0 and "\x1b[1mSummary" in out
    status = nomad.parse_job_status(out)
    assert status["placement_failures"][0]["reasons"][-1]["text"] == 'Dimension "memory exhausted" exhausted on 2 nodes'


def test_json_node_list_from_double(state):
    scenario.write("drained_builder", "1.6.3", state)
    rc, out, _err = run(["docker", "exec", "nomad", "nomad", "node", "status", "-json"])
    nodes = nomad.parse_nodes(out)
    assert rc == 0 and nodes[0]["drain"] is True and nodes[0]["node_pool"] == "default"


def test_unknown_node_fails_with_message(state):
    scenario.write("healthy", "0.9.3", state)
    with pytest.raises(nomad.CommandError, match="not found"):
        nomad.apply_fixes(run, disable_drain=["i-doesnotexist"])
