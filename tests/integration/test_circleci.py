"""CircleCI Server 2.x queued builds (issue 7) on cisvc1: the docker/nomad test doubles
(tests/lab/doubles/circleci, installed by tests/lab/provision.d/circleci.yml) imitate the Services
box for a chosen Nomad version; playbooks/diagnose-circleci-queue.yml diagnoses over real SSH,
applies the opt-in fixes and writes reports/latest-diagnose-circleci-queue.json."""

import pytest

from lablib import host_report, latest_report, playbook, sh

HOST = "cisvc1"
PLAYBOOK = "playbooks/diagnose-circleci-queue.yml"
REPORT = "diagnose-circleci-queue"
STATE = "/var/lib/circleci-double/state.json"
BUILDER = "i-070fdad5f0edef4c8"  # name of the first builder of every scenario (scenario.py)
OPEN = ("warning", "critical")


def load(scenario, version, then=""):
    """Put the Services box double into a scenario (fresh state every test)."""
    sh(HOST, "python3 /usr/local/lib/circleci-double/scenario.py %s --version %s >/dev/null%s"
       % (scenario, version, " && " + then if then else ""))


def state_hash():
    return sh(HOST, "sha256sum %s" % STATE).stdout.split()[0]


def nomad(args):
    return sh(HOST, "docker exec nomad nomad %s" % args).stdout


def run(version, check=False, **fixes):
    extra = {"circleci_queue_expected_datacenter": "us-east-1" if version.startswith("0.5") else "default"}
    extra.update(("circleci_queue_" + key, value) for key, value in fixes.items())
    result = playbook(PLAYBOOK, limit=HOST, extra_vars=extra, check=check)
    return result, (host_report(latest_report(REPORT), HOST) if result.rc == 0 else None)


def found(host, severities=OPEN):
    return {f["id"]: f for f in host["findings"] if f["severity"] in severities}


@pytest.fixture(scope="module", autouse=True)
def leave_healthy():
    yield
    load("healthy", "0.9.3")


def test_healthy_services_box_yields_no_warning():
    load("healthy", "0.9.3")
    result, host = run("0.9.3")
    assert result.rc == 0 and result.changed(HOST) == 0, result
    assert host["status"] == "ok" and found(host, ("info", "warning", "critical")) == {}, host
    assert host["data"]["nomad_version"] == "0.9.3"
    assert host["data"]["builders"] == "2 registered, 2 ready and schedulable"
    assert host["changes"] == []


# Each fault is diagnosed through the playbook and the report JSON; fixes are off (diagnosis only, nothing
# changes), except for the faults nothing can fix here: with every fix enabled they still change nothing.
# The drained builder is diagnosed in test_check_mode_plans_the_fixes_and_changes_nothing.
@pytest.mark.parametrize("scenario,version,expected,fixes", [
    ("down_builder", "0.5.6", {"builder_not_ready"},
     {"start_containers": True, "restart_dispatchers": True, "disable_drain": [BUILDER]}),
    ("capacity_exhausted", "1.6.3", {"capacity_exhausted", "jobs_pending"},
     {"start_containers": True, "restart_dispatchers": True, "disable_drain": [BUILDER],
      "enable_eligibility": [BUILDER]}),
    ("dispatcher_stopped", "0.5.6", {"dispatcher_down"}, {}),
    ("lost_builds", "0.9.3", {"builds_lost_between_dispatchers"}, {}),
])
def test_fault_is_diagnosed(scenario, version, expected, fixes):
    load(scenario, version)
    before = state_hash()
    result, host = run(version, **fixes)
    assert result.rc == 0 and result.changed(HOST) == 0, result
    assert state_hash() == before
    findings = found(host)
    assert set(findings) == expected, host["findings"]
    assert host["status"] == "attention" and host["changes"] == []
    assert not any(f["fixed"] for f in host["findings"])
    assert host["data"]["nomad_version"] == version
    if scenario == "down_builder":
        assert findings["builder_not_ready"]["data"]["statuses"] == ["down"]
        assert findings["builder_not_ready"]["severity"] == "warning"  # the other builder is still ready
        assert host["data"]["fixes_not_applied"] == ["%s: not draining" % BUILDER]
    elif scenario == "capacity_exhausted":
        evidence = "\n".join(findings["capacity_exhausted"]["evidence"])
        assert "Resources exhausted on 2 nodes" in evidence and "1.6.3" not in evidence
        assert findings["capacity_exhausted"]["fixable"] is False
        assert findings["capacity_exhausted"]["data"]["pending_jobs"] == 1
    elif scenario == "dispatcher_stopped":
        assert findings["dispatcher_down"]["data"]["containers"] == ["dispatcher"]
        assert findings["dispatcher_down"]["severity"] == "critical"
        assert host["data"]["containers_not_running"] == ["dispatcher"]
    elif scenario == "lost_builds":
        assert findings["builds_lost_between_dispatchers"]["data"]["builds"] == ["acme/api/1212", "acme/web/78"]


FIXES = {"start_containers": True, "disable_drain": [BUILDER]}


def test_check_mode_plans_the_fixes_and_changes_nothing():
    load("drained_builder", "0.9.3", then="docker stop dispatcher >/dev/null")
    before = state_hash()
    result, host = run("0.9.3", check=True, **FIXES)
    assert result.rc == 0, result
    assert state_hash() == before
    assert host["changes"] == [
        "would run: /usr/local/bin/docker start dispatcher",
        "would run: /usr/local/bin/docker exec nomad nomad node drain -disable -yes "
        "0cf07b07-0000-4000-a000-5a4b3c2d1e0f"]
    findings = found(host)
    assert set(findings) == {"dispatcher_down", "builder_draining", "jobs_pending"}
    assert findings["builder_draining"]["data"]["names"] == [BUILDER]
    assert findings["builder_draining"]["evidence"][0].split()[4:7] == ["true", "ineligible", "ready"]
    assert "No nodes were eligible for evaluation" in "\n".join(findings["jobs_pending"]["evidence"])
    assert not any(f["fixed"] for f in host["findings"]) and host["status"] == "attention"
    assert latest_report(REPORT)["meta"]["check_mode"] in (True, "True", "true")


def test_fixes_clear_drained_builder_and_stopped_dispatcher_then_nothing_to_do():
    load("drained_builder", "0.9.3", then="docker stop dispatcher >/dev/null")
    result, host = run("0.9.3", **FIXES)
    assert result.rc == 0 and result.changed(HOST) == 1, result
    assert host["status"] == "ok", host
    assert {f["id"]: f["fixed"] for f in host["findings"]} == {
        "dispatcher_down": True, "builder_draining": True, "jobs_pending": True}
    assert [c.split(" ", 1)[0] for c in host["changes"]] == ["ran:", "ran:"]
    assert not any("-force" in c for c in host["changes"])
    nodes = nomad("node status -allocs -no-color").splitlines()
    assert nodes[1].split()[4:8] == ["false", "eligible", "ready", "1"]  # the queued build now runs there
    assert "pending" not in nomad("status -no-color")
    again, host = run("0.9.3", **FIXES)
    assert again.rc == 0 and again.changed(HOST) == 0, again
    assert host["findings"] == [] and host["changes"] == [] and host["status"] == "ok"


def test_old_nomad_undrain_uses_node_drain_command():
    load("drained_builder", "0.5.6")
    result, host = run("0.5.6", disable_drain=["0cf07b07"])
    assert result.rc == 0 and result.changed(HOST) == 1, result
    assert host["changes"] == [
        "ran: /usr/local/bin/docker exec nomad nomad node-drain -disable -yes 0cf07b07-0000-4000-a000-5a4b3c2d1e0f"]
    assert host["status"] == "ok" and all(f["fixed"] for f in host["findings"]), host
    assert nomad("node-status -no-color").splitlines()[1].split()[4:6] == ["false", "ready"]


def test_restart_dispatchers_and_enable_eligibility_on_nomad_1_6():
    load("lost_builds", "1.6.3", then="docker exec nomad nomad node eligibility -disable 0cf07b07 >/dev/null")
    result, host = run("1.6.3", restart_dispatchers=True, enable_eligibility=[BUILDER])
    assert result.rc == 0 and result.changed(HOST) == 1, result
    assert host["changes"] == [
        "ran: /usr/local/bin/docker restart dispatcher picard-dispatcher",
        "ran: /usr/local/bin/docker exec nomad nomad node eligibility -enable 0cf07b07-0000-4000-a000-5a4b3c2d1e0f"]
    assert {f["id"]: f["fixed"] for f in host["findings"]} == {
        "builds_lost_between_dispatchers": True, "builder_ineligible": True}
    assert host["status"] == "ok"
    assert "taking build=acme/web/78" in sh(HOST, "docker logs picard-dispatcher").stdout
    assert nomad("node status -no-color").splitlines()[1].split()[6:8] == ["eligible", "ready"]


def test_unknown_builder_name_fails_before_touching_anything():
    load("dispatcher_stopped", "0.9.3")
    before = state_hash()
    result, _host = run("0.9.3", start_containers=True, disable_drain=["i-doesnotexist"])
    assert result.rc != 0 and "match no Nomad node: i-doesnotexist" in result.stdout, result
    assert state_hash() == before


def test_failed_fix_is_reported_then_the_play_fails():
    load("dispatcher_stopped", "0.9.3")
    wrapper = "/usr/local/sbin/circleci-failing-docker"
    sh(HOST, "printf '#!/bin/sh\\n[ \"$1\" = start ] && { echo \"Error response from daemon: cgroup busy\" >&2; exit 1; }"
             "\\nexec /usr/local/bin/docker \"$@\"\\n' > %s && chmod 755 %s" % (wrapper, wrapper))
    try:
        result, _host = run("0.9.3", start_containers=True, docker_command=wrapper,
                            nomad_command=[wrapper, "exec", "nomad", "nomad"])
    finally:
        sh(HOST, "rm -f %s" % wrapper)
    assert result.rc != 0 and "A fix failed on cisvc1" in result.stdout, result
    host = host_report(latest_report(REPORT), HOST)  # the report was written before the play failed
    assert {f["id"]: f["fixed"] for f in host["findings"]} == {"fix_failed": False, "dispatcher_down": False}
    assert host["changes"] == ["failed: %s start dispatcher" % wrapper]
    assert "cgroup busy" in found(host)["fix_failed"]["summary"]
