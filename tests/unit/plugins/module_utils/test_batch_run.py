# -*- coding: utf-8 -*-
# Copyright: (c) 2026, sre.remediation contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""batch_run: plan (validation, flock + timeout argv), classification, records and findings.

The command results below are the shapes ansible.builtin.command registers (real flock/timeout
messages of util-linux 2.38 / coreutils 9.1 as seen on the lab hosts)."""

from __future__ import annotations

import shutil
import subprocess

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from ansible_collections.sre.remediation.plugins.module_utils import batch_run
from ansible_collections.sre.remediation.plugins.module_utils.findings import ParseError, validate

ARGV = ["/usr/local/bin/sum.sh", "2", "two words"]


def plan(**kw):
    args = dict(name="sum", argv=ARGV, timeout=60, kill_after=5, lock=True, lock_dir="/tmp")
    args.update(kw)
    return batch_run.plan(**args)


def result(rc, stdout="", stderr="", **kw):
    res = {"rc": rc, "stdout": stdout, "stderr": stderr, "start": "2026-11-22 07:00:00.100000",
           "end": "2026-11-22 07:00:02.600000", "delta": "0:00:02.500000", "changed": True}
    res.update(kw)
    return res


def record(res, job_plan=None, **ctx):
    context = {"plan": job_plan or plan(), "job": "sum", "host": "batch1", "run_id": "42"}
    context.update(ctx)
    return batch_run.record(res, context)


def test_plan_wraps_argv_in_flock_and_timeout_without_a_shell():
    p = plan()
    assert p["error"] is None
    assert p["command"] == ["flock", "--verbose", "--nonblock", "--conflict-exit-code", "75", "/tmp/sre-batch-sum.lock",
                            "timeout", "--verbose", "--kill-after=5", "60"] + ARGV
    assert p["command_line"] == "/usr/local/bin/sum.sh 2 'two words'"
    assert plan(lock=False, timeout=0)["command"] == ARGV
    assert plan(lock_dir="/")["lock_file"] == "/sre-batch-sum.lock"


@pytest.mark.parametrize("kw, message", [
    (dict(name="bad name"), "batch_job_name"),
    (dict(name="../etc"), "batch_job_name"),
    (dict(name=""), "batch_job_name"),
    (dict(argv=[]), "non-empty list"),
    (dict(argv="/bin/echo a b"), "non-empty list"),
    (dict(argv=["/bin/echo", 3]), "batch_job_argv[1] must be a string"),
    (dict(argv=[" "]), "the program) is empty"),
    (dict(argv=["a\x00b"]), "NUL"),
    (dict(timeout=-1), "batch_job_timeout must be >= 0"),
    (dict(timeout="soon"), "batch_job_timeout must be an integer"),
    (dict(timeout=True), "batch_job_timeout must be an integer"),
    (dict(kill_after=0), "batch_job_kill_after must be >= 1"),
    (dict(lock_dir="tmp"), "absolute path"),
])
def test_plan_reports_usage_errors_instead_of_raising(kw, message):
    p = plan(**kw)
    assert message in p["error"] and p["command"] == []
    rec = record({"skipped": True, "changed": False}, p)
    assert rec["status"] == "usage_error" and rec["message"] == p["error"] and rec["rc"] is None


def test_timeout_given_as_digits_is_accepted():
    assert plan(timeout="30")["command"][9] == "30"


def test_ok_record_strips_flock_stdout_lines_and_keeps_timestamps():
    out = "sum: arg [two words]\nsum: total=2\nflock: getting lock took 0.000004 seconds\nflock: executing timeout"
    rec = record(result(0, stdout=out))
    assert rec["status"] == "ok" and rec["rc"] == 0 and rec["ran"]
    assert rec["stdout"] == "sum: arg [two words]\nsum: total=2"
    assert rec["wrapper_messages"] == ["flock: getting lock took 0.000004 seconds", "flock: executing timeout"]
    assert rec["started"] == "2026-11-22T07:00:00.100000" and rec["ended"] == "2026-11-22T07:00:02.600000"
    assert rec["duration_s"] == 2.5
    assert rec["schema"] == batch_run.SCHEMA and rec["job"] == "sum" and rec["host"] == "batch1"
    assert batch_run.findings(rec) == []


def test_failed_script_keeps_its_stderr():
    rec = record(result(3, stdout="sum: record 1", stderr="sum: ERROR exiting with 3"))
    assert rec["status"] == "failed" and rec["rc"] == 3 and rec["message"] == "exited 3"
    found = batch_run.findings(rec)
    assert [f["id"] for f in found] == ["batch_job_failed"] and found[0]["severity"] == "critical"
    assert "sum: ERROR exiting with 3" in found[0]["evidence"]
    for f in found:
        validate(f)


def test_lock_busy_needs_the_flock_message():
    busy = record(result(75, stderr="flock: failed to get lock"))
    assert busy["status"] == "lock_busy" and not busy["ran"] and busy["started"] is None
    assert busy["stderr"] == "" and busy["wrapper_messages"] == ["flock: failed to get lock"]
    assert batch_run.findings(busy)[0]["id"] == "batch_job_lock_busy"
    # the script itself exiting 75 is a failure, not a busy lock
    assert record(result(75, stderr="sum: EX_TEMPFAIL"))["status"] == "failed"
    # without a lock there is no lock_busy
    assert record(result(75, stderr="flock: failed to get lock"), plan(lock=False))["status"] == "failed"


def test_timeout_needs_the_timeout_message():
    term = record(result(124, stderr="timeout: sending signal TERM to command \u2018sum.sh\u2019"))
    assert term["status"] == "timeout" and term["message"] == "killed after the timeout of 60s"
    kill = record(result(137, stderr="timeout: sending signal TERM to command 'x'\ntimeout: sending signal KILL to command 'x'"))
    assert kill["status"] == "timeout" and kill["rc"] == 137
    assert record(result(124, stderr="my own 124"))["status"] == "failed"
    assert record(result(124, stderr="timeout: sending signal TERM to command 'x'"), plan(timeout=0))["status"] == "failed"
    assert batch_run.findings(term)[0]["id"] == "batch_job_timeout"


@pytest.mark.parametrize("res", [
    result(127, stderr="timeout: failed to run command \u2018/nope\u2019: No such file or directory"),
    result(126, stderr="timeout: failed to run command '/etc/passwd': Permission denied"),
    result(69, stderr="flock: failed to execute /nope: No such file or directory"),
    result(66, stderr="flock: cannot open lock file /run/lock/sre-batch-sum.lock: Permission denied"),
    {"rc": None, "failed": True, "msg": "Unable to change directory before execution: [Errno 2] No such file"},
    result(64, stderr="flock: unrecognized option '--verbose'\nTry 'flock --help' for more information."),
])
def test_program_or_directory_problems_are_usage_errors(res):
    rec = record(res)
    assert rec["status"] == "usage_error" and not rec["ran"], rec
    assert batch_run.findings(rec)[0]["id"] == "batch_job_usage_error"


def test_missing_program_without_wrappers_is_a_usage_error():
    res = {"rc": 2, "failed": True, "msg": "[Errno 2] No such file or directory: b'/nope'", "cmd": "/nope"}
    assert record(res, plan(lock=False, timeout=0))["status"] == "usage_error"


def test_unreachable_and_check_mode_run_nothing():
    unreachable = record({"unreachable": True, "msg": "Failed to connect to the host via ssh: Connection refused",
                          "changed": False})
    assert unreachable["status"] == "unreachable" and unreachable["rc"] is None and not unreachable["ran"]
    assert "Connection refused" in unreachable["message"]
    assert batch_run.findings(unreachable)[0]["id"] == "batch_job_unreachable"
    skipped = {"skipped": True, "changed": False, "false_condition": "not ansible_check_mode"}
    check = record(skipped, check_mode=True)
    assert check["status"] == "check_mode" and check["check_mode"] and check["message"].startswith("check mode: would run")
    assert batch_run.findings(check) == []


def test_output_is_clipped_to_its_tail():
    rec = record(result(0, stdout="x" * 100 + "END"), output_limit=10)
    assert rec["stdout"] == "xxxxxxxEND" and rec["stdout_truncated"]


def test_bad_inputs_raise_parse_error():
    with pytest.raises(ParseError):
        batch_run.record({}, {"no": "plan"})
    with pytest.raises(ParseError):
        batch_run.classify([], plan())
    with pytest.raises(ParseError):
        batch_run.findings({"no": "status"})


@settings(max_examples=200, deadline=None)
@given(st.dictionaries(st.sampled_from(["rc", "stdout", "stderr", "msg", "start", "end", "delta", "unreachable",
                                        "skipped"]),
                       st.one_of(st.none(), st.integers(-5, 300), st.text(max_size=40), st.booleans())),
       st.booleans(), st.integers(0, 100))
def test_record_never_crashes_and_status_is_known(res, check_mode, timeout):
    for key in ("stdout", "stderr", "msg", "start", "end", "delta"):
        if key in res and not isinstance(res[key], str):
            res[key] = str(res[key])
    if "rc" in res and not isinstance(res["rc"], int):
        res["rc"] = None
    rec = record(res, plan(timeout=timeout), check_mode=check_mode)
    assert rec["status"] in batch_run.STATUSES
    for f in batch_run.findings(rec):
        validate(f)


@pytest.mark.skipif(not (shutil.which("flock") and shutil.which("timeout")), reason="needs util-linux flock + coreutils")
def test_real_flock_and_timeout_are_classified(tmp_path):
    def run(p):
        proc = subprocess.run(p["command"], capture_output=True, text=True, check=False)
        return record({"rc": proc.returncode, "stdout": proc.stdout, "stderr": proc.stderr}, p)

    lock_dir = str(tmp_path)
    assert run(plan(argv=["sh", "-c", "echo hi"], lock_dir=lock_dir))["stdout"] == "hi"
    assert run(plan(argv=["sh", "-c", "exit 75"], lock_dir=lock_dir))["status"] == "failed"
    assert run(plan(argv=["sleep", "5"], timeout=1, kill_after=1, lock_dir=lock_dir))["status"] == "timeout"
    assert run(plan(argv=["/nonexistent"], lock_dir=lock_dir))["status"] == "usage_error"
    holder = subprocess.Popen(["flock", str(tmp_path / "sre-batch-sum.lock"), "sleep", "5"])
    try:
        import time
        time.sleep(0.3)
        assert run(plan(argv=["true"], lock_dir=lock_dir))["status"] == "lock_busy"
    finally:
        holder.kill()
        holder.wait()
