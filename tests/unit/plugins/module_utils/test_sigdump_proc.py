# -*- coding: utf-8 -*-
# Copyright: (c) 2026, sre.remediation contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Process discovery, signalling and dump waiting against real local processes.

Ruby is not available here: a small python3 program plays fluentd. It traps SIGCONT and appends a
real-format sigdump text (a sample of tests/samples/sigdump with its own pid in the header) to
<dump dir>/sigdump-<pid>.log, in two writes with a pause, like sigdump's per-section flushes.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time

import pytest

from ansible_collections.sre.remediation.plugins.module_utils import sigdump_proc as sp

SAMPLES = os.path.join(os.path.dirname(__file__), "..", "..", "..", "samples", "sigdump")

FAKE = r'''
import os, signal, subprocess, sys, time
sample_path, dump_dir, mode = sys.argv[1], sys.argv[2], sys.argv[3]
with open(sample_path) as fh:
    sample = fh.read()
first = sample.split("\nSigdump at ")[0] + "\n"
header, body = first.split("\n", 1)
def handler(signum, frame):
    path = os.environ.get("SIGDUMP_PATH") or os.path.join(dump_dir, "sigdump-%d.log" % os.getpid())
    now = time.strftime("%Y-%m-%d %H:%M:%S %z")  # Ruby Time#to_s
    text = "Sigdump at %s process %d (%s)\n" % (now, os.getpid(), "/opt/fluent/bin/fluentd") + body
    cut = text.index("  GC stat:")
    with open(path, "a") as out:
        out.write(text[:cut]); out.flush()
        time.sleep(0.3)
        out.write(text[cut:])
if mode == "ignore":
    signal.signal(signal.SIGCONT, signal.SIG_IGN)
else:
    signal.signal(signal.SIGCONT, handler)
child = None
if mode == "supervisor":
    child = subprocess.Popen([sys.executable, __file__, sample_path, dump_dir, "worker", "--under-supervisor"])
    other = subprocess.Popen(["sleep", "60"])
print("ready", flush=True)
try:
    while True:
        time.sleep(0.05)
finally:
    pass
'''


@pytest.fixture
def fake(tmp_path):
    script = tmp_path / "fake_fluentd.py"
    script.write_text(FAKE)
    dump_dir = tmp_path / "dumps"
    dump_dir.mkdir()
    procs = []

    def start(mode, sample="ruby32_fluentd116_blocked_read.log", env=None):
        e = dict(os.environ)
        e.pop("SIGDUMP_PATH", None)
        e.update(env or {})
        p = subprocess.Popen([sys.executable, str(script), os.path.join(SAMPLES, sample), str(dump_dir), mode],
                             stdout=subprocess.PIPE, env=e, start_new_session=True)
        assert p.stdout.readline().strip() == b"ready"
        procs.append(p)
        return p

    yield start, dump_dir, tmp_path
    for p in procs:
        try:
            os.killpg(p.pid, signal.SIGKILL)  # our own session: the fake and the children it started
        except ProcessLookupError:
            pass
        p.wait()


def wait_children(pid, n, timeout=5.0):
    end = time.time() + timeout
    while time.time() < end:
        kids = sp.children(pid)
        if len(kids) >= n:
            return kids
        time.sleep(0.05)
    return sp.children(pid)


def test_discover_supervisor_and_worker_from_pid_file(fake):
    start, dump_dir, tmp = fake
    sup = start("supervisor")
    kids = wait_children(sup.pid, 2)
    assert len(kids) == 2
    pid_file = tmp / "fluentd.pid"
    pid_file.write_text("%d\n" % sup.pid)
    procs = sp.discover(pid_file=str(pid_file))
    roles = {p["role"]: p for p in procs}
    assert [p["pid"] for p in procs][0] == sup.pid
    assert roles["supervisor"]["pid"] == sup.pid
    assert roles["worker"]["ppid"] == sup.pid
    assert "--under-supervisor" in roles["worker"]["cmdline"]
    assert len(procs) == 2  # the plain `sleep` child is not a fluentd worker


def test_children_fallback_scan_matches_children_file(fake):
    start, _dump_dir, _tmp = fake
    sup = start("supervisor")
    kids = wait_children(sup.pid, 2)
    # scanning /proc/*/stat gives the same answer as /proc/<pid>/task/*/children
    scanned = sorted(int(e) for e in os.listdir("/proc") if e.isdigit() and _ppid(e) == sup.pid)
    assert kids == scanned


def _ppid(pid):
    try:
        return sp.proc_stat(pid)[2]
    except sp.SigdumpProcError:
        return None


def test_collect_signals_waits_parses_and_cleans_up(fake):
    start, dump_dir, tmp = fake
    sup = start("supervisor")
    wait_children(sup.pid, 2)
    pid_file = tmp / "fluentd.pid"
    pid_file.write_text("%d\n" % sup.pid)
    procs = sp.discover(pid_file=str(pid_file))
    result = sp.collect(procs, dump_dir=str(dump_dir), second_dump_after=1, timeout=10)
    pids = sorted(p["pid"] for p in procs)
    assert sorted(s["pid"] for s in result["dump_summary"]) == sorted(pids * 2)
    assert all(f["complete"] and f["removed"] and not f["pre_existed"] for f in result["dump_files"])
    assert not any(os.path.exists(os.path.join(str(dump_dir), "sigdump-%d.log" % p)) for p in pids)
    ids = sorted({f["id"] for f in result["findings"]})
    assert ids == ["blocked_network_io", "confirmed_stuck"]
    stuck = [f for f in result["findings"] if f["id"] == "confirmed_stuck"]
    assert sorted(f["data"]["pid"] for f in stuck) == pids
    assert all(f["data"]["seconds_between"] >= 1 for f in stuck)
    assert result["warnings"] == []


def test_preexisting_file_is_kept_and_only_new_bytes_read(fake):
    start, dump_dir, _tmp = fake
    p = start("worker", sample="ruby32_fluentd116_worker_idle_two_dumps.log")
    path = os.path.join(str(dump_dir), "sigdump-%d.log" % p.pid)
    old = open(os.path.join(SAMPLES, "ruby21_td_agent2_mackerel.log")).read()
    old = old.replace("process 7846", "process %d" % p.pid)
    with open(path, "w") as fh:
        fh.write(old)
    procs = [{"pid": p.pid, "ppid": os.getpid(), "role": "worker", "cmdline": ""}]
    result = sp.collect(procs, dump_dir=str(dump_dir), second_dump_after=0, timeout=10, include_dumps=True)
    assert os.path.exists(path)
    assert open(path).read().startswith(old)
    (info,) = result["dump_files"]
    assert info["pre_existed"] is True and info["removed"] is False and info["offset"] == len(old.encode())
    (dump,) = result["dumps"]
    assert dump["pid"] == p.pid and dump["time"] == time.strftime("%Y-%m-%d", time.localtime()) + dump["time"][10:]
    assert len(dump["threads"]) == 7 and not dump["truncated"]
    assert result["findings"] == []  # the old mackerel dump in the file was not re-read


def test_sigdump_path_from_environment(fake):
    start, _dump_dir, tmp = fake
    target = tmp / "shared.log"
    p = start("worker", env={"SIGDUMP_PATH": str(target)})
    path, note = sp.dump_path_for(p.pid, "/nonexistent")
    assert path == str(target) and "SIGDUMP_PATH" in note
    result = sp.collect([{"pid": p.pid, "ppid": 1, "role": "worker", "cmdline": ""}], dump_dir="/nonexistent",
                        second_dump_after=0, timeout=10)
    assert result["dump_files"][0]["path"] == str(target) and result["dump_files"][0]["complete"]
    assert not target.exists()


def test_process_that_does_not_dump_is_reported_within_timeout(fake):
    start, dump_dir, _tmp = fake
    p = start("ignore")
    t0 = time.monotonic()
    result = sp.collect([{"pid": p.pid, "ppid": 1, "role": "worker", "cmdline": ""}], dump_dir=str(dump_dir),
                        second_dump_after=0, timeout=1)
    assert time.monotonic() - t0 < 5
    assert [f["id"] for f in result["findings"]] == ["sigdump_not_written"]
    assert "before stopping" in result["findings"][0]["remedy"]
    assert result["dump_files"][0]["complete"] is False


def test_wait_for_dump_times_out_on_incomplete_file(tmp_path):
    path = tmp_path / "sigdump-1.log"
    text = open(os.path.join(SAMPLES, "ruby27_td_agent4_truncated.log")).read().replace("process 30211", "process 1")
    path.write_text(text)
    got, complete = sp.wait_for_dump(str(path), 0, 1, timeout=0.5, poll=0.05)
    assert got == text and complete is False
    full = open(os.path.join(SAMPLES, "ruby21_td_agent2_mackerel.log")).read().replace("process 7846", "process 1")
    path.write_text(full)
    got, complete = sp.wait_for_dump(str(path), 0, 1, timeout=5, poll=0.05, settle=0.1)
    assert complete is True


def test_read_pid_file_and_errors(tmp_path):
    good = tmp_path / "a.pid"
    good.write_text("1234\n")
    assert sp.read_pid_file(str(good)) == 1234
    bad = tmp_path / "b.pid"
    bad.write_text("nope")
    with pytest.raises(sp.SigdumpProcError, match="does not hold a pid"):
        sp.read_pid_file(str(bad))
    with pytest.raises(sp.SigdumpProcError, match="cannot read pid file"):
        sp.read_pid_file(str(tmp_path / "missing.pid"))
    with pytest.raises(sp.SigdumpProcError, match="not found"):
        sp.discover(pids=[2 ** 22 + 12345])
    with pytest.raises(sp.SigdumpProcError, match="nothing to dump"):
        sp.discover()


def test_systemd_main_pid_with_runner():
    assert sp.systemd_main_pid("td-agent", lambda cmd: (0, "4321\n", "")) == 4321
    calls = []
    sp.systemd_main_pid("fluentd", lambda cmd: calls.append(cmd) or (0, "7\n", ""))
    assert calls == [["systemctl", "show", "-p", "MainPID", "--value", "fluentd"]]
    with pytest.raises(sp.SigdumpProcError, match="no running main process"):
        sp.systemd_main_pid("td-agent", lambda cmd: (0, "0\n", ""))
    with pytest.raises(sp.SigdumpProcError, match="failed"):
        sp.systemd_main_pid("td-agent", lambda cmd: (1, "", "Unit not found"))


def test_signal_number():
    assert sp.signal_number("SIGCONT") == signal.SIGCONT
    assert sp.signal_number("cont") == signal.SIGCONT
    assert sp.signal_number("12") == 12
    with pytest.raises(sp.SigdumpProcError):
        sp.signal_number("SIGNOPE")
    with pytest.raises(sp.SigdumpProcError):
        sp.signal_number("SIG_IGN")


def test_stdout_dump_path_is_reported(fake):
    start, _dump_dir, _tmp = fake
    p = start("ignore", env={"SIGDUMP_PATH": "-"})
    path, note = sp.dump_path_for(p.pid)
    assert path is None and "STDOUT" in note
