"""Scheduled remote batch jobs (issue 8) on the lab's batch_targets (batch1, batch2; batch1 is also the
legacy scheduler with remoteexe logs in /tmp, see tests/lab/provision.d/batch.yml).

run-batch.yml: success, script failure, lock busy (a second run while the first holds the flock),
timeout, unreachable host, usage error and check mode each give the right status, record and message.
report-batch-logs.yml agrees with the remoteexe_summary filter on the same logs; the AWX plan is
validated offline (RRULEs fire when croniter says cron fires); ansible-runner carries the report as
artifact.
"""

from __future__ import annotations

import datetime
import glob
import json
import os
import subprocess
import sys
import time

import pytest

from lablib import BIN, INVENTORY, REPORTS, ROOT, env, host_report, latest_report, playbook, sh

sys.path.insert(0, os.path.join(ROOT, ".collections"))

from ansible_collections.sre.remediation.plugins.filter.remoteexe_summary import remoteexe_summary  # noqa: E402
from ansible_collections.sre.remediation.plugins.module_utils.remoteexe import merge_summaries  # noqa: E402

RECORDS = os.path.join(REPORTS, "batch")
SUM = "/usr/local/bin/sum.sh"
LAB_INVENTORY = os.path.dirname(INVENTORY)


@pytest.fixture(scope="module", autouse=True)
def provisioned():
    """The sample script and the legacy logs are in place (idempotent, a few seconds)."""
    run = playbook("tests/lab/provision.d/batch.yml")
    assert run.rc == 0, run
    sh("batch1", "pkill -f 'sum.sh 3[0-9] ' || true; rm -f /tmp/sre-batch-check-marker")


def run_batch(name, argv, hosts="batch1", extra=None, args=(), check=False, background=False):
    extra_vars = {"batch_job_name": name, "batch_hosts": hosts}
    if argv is not None:
        extra_vars["batch_job_argv"] = argv
    extra_vars.update(extra or {})
    if background:
        cmd = [os.path.join(BIN, "ansible-playbook"), os.path.join(ROOT, "playbooks/run-batch.yml"),
               "--extra-vars", json.dumps(extra_vars)]
        return subprocess.Popen(cmd, cwd=ROOT, env=env(), text=True, stdout=subprocess.PIPE, stderr=subprocess.STDOUT)
    return playbook("playbooks/run-batch.yml", *args, extra_vars=extra_vars, check=check)


def new_records(name, before):
    found = {}
    for path in sorted(set(glob.glob(os.path.join(RECORDS, name, "2*.json"))) - before):
        with open(path, encoding="utf-8") as handle:
            rec = json.load(handle)
        found[rec["host"]] = rec
    return found


def existing(name):
    return set(glob.glob(os.path.join(RECORDS, name, "2*.json")))


def test_success_on_two_hosts_keeps_arguments_intact():
    before = existing("it-ok")
    run = run_batch("it-ok", [SUM, "0", "0", "2", "two words; $(id)"], hosts="batch_targets")
    assert run.rc == 0, run
    assert run.changed("batch1") == 1 and run.changed("batch2") == 1
    recs = new_records("it-ok", before)
    assert sorted(recs) == ["batch1", "batch2"]
    for rec in recs.values():
        assert rec["status"] == "ok" and rec["rc"] == 0 and rec["ran"], rec
        # one argv element stays one argument: no shell, no re-splitting, no expansion
        assert "sum: arg [two words; $(id)]" in rec["stdout"], rec["stdout"]
        assert "flock:" not in rec["stdout"] and rec["stderr"] == ""
        assert rec["started"] <= rec["ended"] and rec["duration_s"] is not None and rec["duration_s"] < 10
        assert rec["argv"] == [SUM, "0", "0", "2", "two words; $(id)"]
        assert rec["lock_file"] == "/tmp/sre-batch-it-ok.lock"
    report = latest_report("run-batch-it-ok")
    assert report["status"] == "ok"
    reported = host_report(report, "batch1")["data"]["batch_run"]
    assert reported["status"] == "ok" and reported["stdout"] == recs["batch1"]["stdout"]
    with open(reported["record_file"], encoding="utf-8") as handle:
        assert json.load(handle) == recs["batch1"]


def test_script_failure_is_failed_with_its_output():
    """Also: become_user and chdir (the job runs as root in /var/tmp)."""
    before = existing("it-fail")
    run = run_batch("it-fail", [SUM, "0", "3", "1"],
                    extra={"batch_job_become": True, "batch_job_become_user": "root", "batch_job_chdir": "/var/tmp"})
    assert run.rc != 0, run
    assert "batch job it-fail on batch1: FAILED (exited 3)" in run.stdout, run
    rec = new_records("it-fail", before)["batch1"]
    assert rec["status"] == "failed" and rec["rc"] == 3
    assert "user=root cwd=/var/tmp" in rec["stdout"] and rec["become_user"] == "root" and rec["chdir"] == "/var/tmp"
    assert rec["stderr"] == "sum: ERROR exiting with 3" and "sum: record 1" in rec["stdout"]
    findings = host_report(latest_report("run-batch-it-fail"), "batch1")["findings"]
    assert [f["id"] for f in findings] == ["batch_job_failed"]
    assert "sum: ERROR exiting with 3" in findings[0]["evidence"]


def test_overlapping_run_is_lock_busy_and_the_first_run_completes():
    before = existing("it-lock")
    lock = "/tmp/sre-batch-it-lock.lock"
    release = "/tmp/sre-batch-it-release"
    sh("batch1", "rm -f %s" % release)
    # the first run holds the lock until the test releases it (at most 60 s), so the overlap is certain
    hold = "i=0; while [ ! -e %s ] && [ $i -lt 300 ]; do sleep 0.2; i=$((i+1)); done; echo released" % release
    first = run_batch("it-lock", ["/bin/sh", "-c", hold], background=True)
    try:
        deadline = time.monotonic() + 30
        while sh("batch1", "flock -n %s true" % lock, become=False, check=False).returncode == 0:
            assert time.monotonic() < deadline, "the first run never took the lock"
            assert first.poll() is None, first.stdout.read()
            time.sleep(0.3)
        second = run_batch("it-lock", [SUM, "0", "0", "1"])
        assert second.rc != 0, second
        assert "batch job it-lock on batch1: LOCK_BUSY" in second.stdout, second
        assert second.changed("batch1") == 0
        sh("batch1", "touch %s" % release, become=False)
        out, _ = first.communicate(timeout=120)
    finally:
        sh("batch1", "touch %s" % release, become=False, check=False)
        if first.poll() is None:
            first.kill()
        sh("batch1", "rm -f %s" % release, check=False)
    assert first.returncode == 0, out[-4000:]
    recs = []
    for path in sorted(set(glob.glob(os.path.join(RECORDS, "it-lock", "2*.json"))) - before):
        with open(path, encoding="utf-8") as handle:
            recs.append(json.load(handle))
    by_status = {r["status"]: r for r in recs}
    assert sorted(by_status) == ["lock_busy", "ok"] and len(recs) == 2, recs
    assert by_status["ok"]["stdout"] == "released"
    busy = by_status["lock_busy"]
    assert busy["rc"] == 75 and not busy["ran"] and busy["stdout"] == ""
    assert "flock: failed to get lock" in busy["wrapper_messages"]
    assert busy["controller_started"] > by_status["ok"]["controller_started"]


def test_timeout_kills_the_job_and_is_reported_as_timeout():
    before = existing("it-timeout")
    start = time.monotonic()
    # as an async task (batch_job_async): the result polled back is classified the same way
    run = run_batch("it-timeout", [SUM, "30", "0", "1"],
                    extra={"batch_job_timeout": 2, "batch_job_kill_after": 1, "batch_job_async": True, "batch_job_poll": 1})
    assert time.monotonic() - start < 25
    assert run.rc != 0 and "batch job it-timeout on batch1: TIMEOUT" in run.stdout, run
    rec = new_records("it-timeout", before)["batch1"]
    assert rec["status"] == "timeout" and rec["rc"] == 124 and rec["timeout_s"] == 2
    assert 1.5 < rec["duration_s"] < 8, rec
    assert "sum: record 1" in rec["stdout"]
    assert sh("batch1", "pgrep -f '[s]um.sh 30 0 1'", check=False).returncode == 1, "the job survived its timeout"
    assert host_report(latest_report("run-batch-it-timeout"), "batch1")["findings"][0]["id"] == "batch_job_timeout"


def test_unreachable_host_still_gets_a_record(tmp_path):
    extra_inv = tmp_path / "ghost.yml"
    extra_inv.write_text("all:\n  hosts:\n    batch-ghost:\n      ansible_host: 127.0.0.1\n      ansible_port: 1\n")
    before = existing("it-unreach")
    # arguments as an AWX survey passes them: text, one argument per line
    run = run_batch("it-unreach", None, hosts="batch1,batch-ghost", extra={"batch_job_argv_lines": SUM + "\n0\n0\n1\n"},
                    args=("-i", LAB_INVENTORY, "-i", str(extra_inv)))
    assert run.rc != 0, run
    assert "batch job it-unreach on batch-ghost: UNREACHABLE" in run.stdout, run
    recs = new_records("it-unreach", before)
    assert recs["batch1"]["status"] == "ok" and recs["batch1"]["argv"] == [SUM, "0", "0", "1"]
    ghost = recs["batch-ghost"]
    assert ghost["status"] == "unreachable" and ghost["rc"] is None and not ghost["ran"]
    assert ghost["controller_started"] and ghost["controller_ended"]
    assert "Connection refused" in ghost["message"] or "connect" in ghost["message"].lower(), ghost
    report = latest_report("run-batch-it-unreach")
    assert [f["id"] for f in host_report(report, "batch-ghost")["findings"]] == ["batch_job_unreachable"]
    assert host_report(report, "batch1")["status"] == "ok"


def test_usage_error_and_check_mode_run_nothing():
    before = existing("it-usage")
    run = run_batch("it-usage", ["/nonexistent/prog", "x"])
    assert run.rc != 0 and "batch job it-usage on batch1: USAGE_ERROR" in run.stdout, run
    rec = new_records("it-usage", before)["batch1"]
    assert rec["status"] == "usage_error" and "/nonexistent/prog" in rec["message"]

    before = existing("it-check")
    run = run_batch("it-check", ["/usr/bin/touch", "/tmp/sre-batch-check-marker"], check=True)
    assert run.rc == 0 and run.changed("batch1") == 0, run
    rec = new_records("it-check", before)["batch1"]
    assert rec["status"] == "check_mode" and rec["check_mode"] and not rec["ran"]
    assert sh("batch1", "test -e /tmp/sre-batch-check-marker", check=False).returncode == 1
    assert host_report(latest_report("run-batch-it-check"), "batch1")["changes"] == [
        "would run /usr/bin/touch /tmp/sre-batch-check-marker"]


def test_report_batch_logs_matches_the_filter_on_the_same_logs():
    run = playbook("playbooks/report-batch-logs.yml",
                   extra_vars={"batch_logs_from": "2019-06-23", "batch_logs_to": "2019-06-26"})
    assert run.rc == 0, run
    data = host_report(latest_report("report-batch-logs"), "batch1")["data"]
    summaries = []
    for day in ("20190624", "20190625", "20190626"):
        text = sh("batch1", "cat /tmp/%s_remoteexe.log" % day, become=False).stdout
        summary = remoteexe_summary(text)
        summaries.append(summary)
        row = next(d for d in data["days"] if d["date"] == "%s-%s-%s" % (day[:4], day[4:6], day[6:]))
        assert row["total"] == summary["total"] and row["by_status"] == summary["by_status"]
    merged = merge_summaries(summaries)
    assert data["by_key"] == merged["by_key"]
    assert data["by_status"] == merged["by_status"] and data["total"] == merged["total"]
    assert data["missing"] == ["/tmp/20190623_remoteexe.log"]
    ids = {f["id"] for f in host_report(latest_report("report-batch-logs"), "batch1")["findings"]}
    assert {"remoteexe_ssh_errors", "remoteexe_script_failures", "remoteexe_lock_busy", "remoteexe_usage_errors",
            "remoteexe_unfinished_runs", "remoteexe_logs_missing"} <= ids


def test_awx_plan_is_rendered_and_validated_offline():
    croniter = pytest.importorskip("croniter").croniter
    from dateutil.rrule import rrulestr
    from zoneinfo import ZoneInfo

    run = playbook("playbooks/awx-schedules-from-crontab.yml",
                   extra_vars={"batch_crontab_file": "tests/samples/remoteexe/crontab",
                               "batch_awx_timezone": "Asia/Tokyo", "batch_awx_dtstart": "2019-06-25"})
    assert run.rc == 0, run
    with open(os.path.join(REPORTS, "awx", "latest-plan.json"), encoding="utf-8") as handle:
        plan = json.load(handle)
    assert plan["validation"] == {"ok": True, "problems": [], "rrule_checked": True}
    assert [e["lineno"] for e in plan["errors"]] == [10, 11, 12, 13]
    assert len(plan["job_templates"]) == 5 and len(plan["schedules"]) == 5
    sync = next(j for j in plan["job_templates"] if j["name"] == "host_sync_batch01-sync_master")
    assert sync["argv"] == ["/opt/batch/bin/sync_master.sh", "--source", "master db"]
    assert sync["survey_spec"]["spec"][0]["default"] == "/opt/batch/bin/sync_master.sh\n--source\nmaster db"
    assert sync["playbook"] == "playbooks/run-batch.yml" and sync["survey_enabled"]
    with open(host_report(latest_report("awx-schedules-from-crontab"), "localhost")["data"]["plan_file"],
              encoding="utf-8") as handle:
        assert json.load(handle)["schedules"] == plan["schedules"]
    zone = ZoneInfo("Asia/Tokyo")
    start = datetime.datetime(2019, 6, 25, tzinfo=zone)
    for sc in plan["schedules"]:
        rule = rrulestr(sc["rrule"], forceset=True)
        fires = rule.xafter(start - datetime.timedelta(seconds=1), count=30)
        ours = [d.replace(tzinfo=zone) if d.tzinfo is None else d for d in fires]
        it = croniter(sc["cron"], start - datetime.timedelta(seconds=1))
        cron = [it.get_next(datetime.datetime) for _ in range(30)]
        assert [d.timestamp() for d in ours] == [d.timestamp() for d in cron], sc
    ids = [f["id"] for f in host_report(latest_report("awx-schedules-from-crontab"), "localhost")["findings"]]
    assert ids == ["crontab_line_unsupported"] * 4

    applied = playbook("playbooks/awx-schedules-from-crontab.yml",
                       extra_vars={"batch_crontab_file": "tests/samples/remoteexe/crontab", "batch_awx_apply": True,
                                   "batch_awx_controller_host": ""})
    assert applied.rc != 0 and "needs an AWX host" in applied.stdout, applied
    # with an AWX host that does not answer, the first AWX request (reading its schedules) fails clearly
    # (test_awx_apply.py applies the plan to the AWX API double)
    applied = playbook("playbooks/awx-schedules-from-crontab.yml",
                       extra_vars={"batch_crontab_file": "tests/samples/remoteexe/crontab", "batch_awx_apply": True,
                                   "batch_awx_controller_host": "https://127.0.0.1:1"})
    assert applied.rc != 0 and "Connection refused" in applied.stdout, applied
    assert "TASK [Read the schedules already in AWX" in applied.stdout and "TASK [Job templates]" not in applied.stdout


def test_ansible_runner_artifacts_carry_the_report(tmp_path):
    ansible_runner = pytest.importorskip("ansible_runner")
    pdd = tmp_path / "runner"
    pdd.mkdir()
    os.symlink(ROOT, pdd / "project")
    result = ansible_runner.run(
        private_data_dir=str(pdd), playbook="playbooks/report-batch-logs.yml", inventory=LAB_INVENTORY,
        extravars={"batch_logs_from": "2019-06-25", "report_print": False},
        envvars={"ANSIBLE_CONFIG": os.path.join(ROOT, "ansible.cfg"), "PATH": env()["PATH"]},
        quiet=True, timeout=300)
    assert result.status == "successful" and result.rc == 0, result.stdout.read()[-4000:]
    stats = [e for e in result.events if e["event"] == "playbook_on_stats"]
    assert len(stats) == 1
    artifact = stats[0]["event_data"]["artifact_data"]["sre_remediation_report"]
    assert artifact["status"] == "attention"
    events = glob.glob(str(pdd / "artifacts" / "*" / "job_events" / "*.json"))
    assert events and (pdd / "artifacts" / result.config.ident / "status").read_text() == "successful"
    assert "sre_remediation_report" in json.dumps(artifact_of(result))
    summary = json.dumps(artifact)
    assert "batch1" in summary and "remoteexe_ssh_errors" in summary


def artifact_of(result):
    """The artifact as ansible-runner's own stats give it (runner.stats, when it carries artifact_data)."""
    stats = result.stats or {}
    return stats.get("artifact_data") or next(e["event_data"] for e in result.events
                                                if e["event"] == "playbook_on_stats")["artifact_data"]
