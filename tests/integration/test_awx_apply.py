"""awx-schedules-from-crontab.yml with batch_awx_apply=true, through the real awx.awx modules, against the AWX API
double (tests/lab/doubles/awx_api/fake_awx.py: AWX 24.6.1's endpoints, its playbook discovery, survey and RRULE
validation). AWX itself needs Kubernetes and cannot run here; the double runs on loopback."""

from __future__ import annotations

import json
import os
import subprocess
import sys

import pytest

from lablib import ROOT, host_report, latest_report, playbook

FAKE = os.path.join(ROOT, "tests", "lab", "doubles", "awx_api", "fake_awx.py")
CRONTAB = os.path.join(ROOT, "tests", "samples", "remoteexe", "crontab")


@pytest.fixture()
def awx(tmp_path, monkeypatch):
    state = tmp_path / "awx.json"
    proc = subprocess.Popen([sys.executable, FAKE, "--port", "0", "--project-dir", ROOT, "--state", str(state)],
                            stdout=subprocess.PIPE, text=True)
    line = proc.stdout.readline()
    assert line.startswith("LISTENING "), line
    monkeypatch.setenv("CONTROLLER_USERNAME", "admin")
    monkeypatch.setenv("CONTROLLER_PASSWORD", "sre-lab-password")
    monkeypatch.delenv("CONTROLLER_OAUTH_TOKEN", raising=False)

    class Awx:
        url = "http://127.0.0.1:%s" % line.split()[1]

        @staticmethod
        def state():
            with open(state, encoding="utf-8") as handle:
                return json.load(handle)

    yield Awx
    proc.terminate()
    proc.wait(timeout=10)


def apply(awx, crontab=CRONTAB, **extra):
    return playbook("playbooks/awx-schedules-from-crontab.yml",
                    extra_vars=dict({"batch_crontab_file": crontab, "batch_awx_apply": True,
                                     "batch_awx_controller_host": awx.url, "report_print": False}, **extra))


def writes(state, since=0):
    """The requests that change something in AWX (token requests aside)."""
    return [r for r in state["requests"][since:] if r.split()[0] in ("POST", "PATCH", "DELETE") and "/tokens/" not in r]


def report():
    return host_report(latest_report("awx-schedules-from-crontab"), "localhost")


def test_apply_creates_templates_and_schedules_then_changes_nothing(awx, tmp_path):
    run = apply(awx, batch_awx_timezone="Asia/Tokyo", batch_awx_dtstart="2019-06-25")
    assert run.rc == 0, run
    with open(os.path.join(ROOT, "reports", "awx", "latest-plan.json"), encoding="utf-8") as handle:
        plan = json.load(handle)
    state = awx.state()
    jts = {jt["name"]: jt for jt in state["job_templates"]}
    assert sorted(jts) == sorted(jt["name"] for jt in plan["job_templates"]) and len(jts) == 5
    for want in plan["job_templates"]:
        got = jts[want["name"]]
        assert (got["playbook"], got["limit"], got["inventory"], got["project"], got["organization"]) == \
            ("playbooks/run-batch.yml", want["limit"], 1, 1, 1)
        assert got["survey_enabled"] is True and got["allow_simultaneous"] is False
        assert json.loads(got["extra_vars"]) == want["extra_vars"]
        assert state["surveys"][str(got["id"])] == want["survey_spec"]  # stored exactly as AWX validated it
    schedules = {sc["name"]: sc for sc in state["schedules"]}
    assert len(schedules) == 5
    for want in plan["schedules"]:
        got = schedules[want["name"]]
        assert got["rrule"] == want["rrule"] and got["rrule"].startswith("DTSTART;TZID=Asia/Tokyo:20190625T000000 ")
        assert got["unified_job_template"] == jts[want["unified_job_template"]]["id"] and got["enabled"]
    assert len(report()["changes"]) == 10

    # the same crontab again, another start date (the default is today): AWX is not touched
    before = len(state["requests"])
    again = apply(awx, batch_awx_timezone="Asia/Tokyo")
    assert again.rc == 0 and again.changed("localhost") == 0, again
    assert writes(awx.state(), before) == []
    assert report()["changes"] == [] and report()["status"] == "attention"  # the 4 unsupported lines stay findings

    # one line changed from every 5 to every 10 minutes: a new schedule; the old one is reported, then pruned
    edited = tmp_path / "crontab"
    with open(CRONTAB, encoding="utf-8") as handle:
        text = handle.read()
    edited.write_text(text.replace("*/5 * * * * /usr/local/bin/remoteexe host_sum_batch02",
                                   "*/10 * * * * /usr/local/bin/remoteexe host_sum_batch02"))
    moved = apply(awx, crontab=str(edited), batch_awx_timezone="Asia/Tokyo")
    assert moved.rc == 0, moved
    assert report()["changes"] == ["schedule host_sum_batch02-sum @ */10 * * * *"]
    stale = [f for f in report()["findings"] if f["id"] == "awx_schedule_stale"]
    assert [f["data"]["name"] for f in stale] == ["host_sum_batch02-sum @ */5 * * * *"] and not stale[0]["fixed"]
    assert len(awx.state()["schedules"]) == 6  # both fire until the old one is deleted

    pruned = apply(awx, crontab=str(edited), batch_awx_timezone="Asia/Tokyo", batch_awx_prune=True)
    assert pruned.rc == 0, pruned
    assert report()["changes"] == ["deleted schedule host_sum_batch02-sum @ */5 * * * *"]
    assert [f["fixed"] for f in report()["findings"] if f["id"] == "awx_schedule_stale"] == [True]
    names = sorted(sc["name"] for sc in awx.state()["schedules"])
    assert len(names) == 5 and "host_sum_batch02-sum @ */10 * * * *" in names
    assert "host_sum_batch02-sum @ */5 * * * *" not in names


def test_apply_fails_clearly_when_awx_rejects_the_objects(awx):
    missing = apply(awx, batch_awx_project="no-such-project")
    assert missing.rc != 0 and "The project no-such-project in organization Default was not found" in missing.stdout
    assert writes(awx.state()) == []
    wrong = apply(awx, batch_awx_inventory="staging")
    assert wrong.rc != 0 and "staging" in wrong.stdout and writes(awx.state()) == []
