# -*- coding: utf-8 -*-
# Copyright: (c) 2026, sre.remediation contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Tests of the remoteexe log parser and summariser."""

from __future__ import annotations

import collections
import os
import random
import re

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from ansible_collections.sre.remediation.plugins.module_utils import remoteexe
from ansible_collections.sre.remediation.plugins.module_utils.findings import ParseError, validate

SAMPLES = os.path.join(os.path.dirname(__file__), "..", "..", "..", "samples", "remoteexe")
SAMPLE = os.path.join(SAMPLES, "20190625_remoteexe.log")

BRIEF_LINES = (
    "[2019-06-25 13:21:01][913] START,-,host_sum_batch02 /path/to/sum.sh\n"
    "[2019-06-25 13:21:01][913] command,ssh host_sum_batch02 /path/to/sum.sh\n"
    "[2019-06-25 13:21:03][913] sum: 42 records\n"
    "[2019-06-25 13:21:05][913] END,0,host_sum_batch02 /path/to/sum.sh\n"
)


def read_sample():
    with open(SAMPLE) as handle:
        return handle.read()


def comparable(summary):
    """Summary without the fields where the fast path legitimately differs (malformed scope)."""
    result = dict(summary)
    result["malformed"] = dict(summary["malformed"], scope=None, examples=len(summary["malformed"]["examples"]))
    return result


def test_brief_lines_parse_to_one_run():
    runs = remoteexe.parse_runs(BRIEF_LINES)
    assert runs == [{
        "pid": 913, "host": "host_sum_batch02", "command": "/path/to/sum.sh",
        "args": "host_sum_batch02 /path/to/sum.sh",
        "started": "2019-06-25T13:21:01", "ended": "2019-06-25T13:21:05", "rc": 0, "duration_s": 4,
        "output": ["sum: 42 records"], "status": "ok",
        "remote_command": "ssh host_sum_batch02 /path/to/sum.sh", "start_line": 1, "end_line": 4,
    }]


@pytest.mark.parametrize("rc,status", [(0, "ok"), (1, "lock_busy"), (10, "usage_error"), (255, "ssh_error"),
                                       (2, "failed"), (127, "failed")])
def test_status_from_exit_code(rc, status):
    text = BRIEF_LINES.replace("END,0,", "END,%d," % rc)
    assert remoteexe.parse_runs(text)[0]["status"] == status
    assert remoteexe.summarize_text(text)["by_status"][status] == 1


def test_sample_runs():
    errors = []
    runs = remoteexe.parse_runs(read_sample(), errors=errors)
    got = [(r["pid"], r["host"], r["command"], r["rc"], r["status"], r["duration_s"]) for r in runs]
    assert got == [
        (31877, "host_sum_batch07", "/opt/batch/bin/sum.sh", 0, "ok", None),  # END-only (crossed midnight)
        (901, "host_sum_batch01", "/opt/batch/bin/sum.sh", 0, "ok", 3),
        (902, "host_sum_batch02", "/opt/batch/bin/sum.sh", 255, "ssh_error", 1),
        (913, "host_sum_batch02", "/path/to/sum.sh", 0, "ok", 4),
        (914, "host_rotate_batch01", "/opt/batch/bin/rotate.sh --keep 7", 1, "lock_busy", 1),
        (920, "host_sum_batch03", "", 10, "usage_error", 0),
        (921, "host_sync_batch01", "/opt/batch/bin/sync_master.sh", 3, "failed", 62),
        (913, "host_sum_batch02", "/path/to/sum.sh", 255, "ssh_error", 1),  # PID reuse
        (930, "host_sum_batch01", "/opt/batch/bin/sum.sh", None, "unfinished", None),  # closed by a new START
        (930, "host_sum_batch01", "/opt/batch/bin/sum.sh", 0, "ok", 4),
        (931, "host_sum_batch02", "/path/to/sum.sh", 255, "ssh_error", 1),
        (950, "host_sum_batch01", "/opt/batch/bin/sum.sh", None, "unfinished", None),  # no END at all
    ]
    assert runs[0]["started"] is None and runs[0]["output"] == ["sum: total=88123"]
    assert runs[1]["output"] == ["sum: reading /data/in/0625.csv", "sum: 1200 records"]
    assert runs[2]["output"] == ["ssh_exchange_identification: Connection closed by remote host"]
    assert runs[5]["output"] == ['usage: remoteexe <host> "<script> [args]"'] and runs[5]["remote_command"] is None
    assert runs[6]["output"] == ["rsync: sent 1024 bytes  received 88 bytes",
                                 "sync_master.sh: ERROR cannot open /data/out/master.db"]
    assert runs[8]["output"] == ["sum: reading /data/in/0625.csv"] and runs[8]["ended"] is None
    assert [e["line"] for e in errors] == [43, 44]


def test_sample_summary_matches_shell_pipeline_and_fast_path():
    text = read_sample()
    errors = []
    summary = remoteexe.summarize(remoteexe.parse_runs(text, errors=errors), errors)
    assert summary["total"] == 12
    assert summary["by_status"] == {"ok": 4, "failed": 1, "ssh_error": 3, "lock_busy": 1, "usage_error": 1,
                                    "unfinished": 2}
    assert summary["first_start"] == "2019-06-25T13:20:01"
    assert summary["last_end"] == "2019-06-25T13:25:05"
    assert summary["malformed"]["count"] == 2
    assert summary["hosts"]["host_sum_batch02"]["ssh_error"] == 3
    assert summary["hosts"]["host_sum_batch01"] == {"total": 4, "ok": 2, "failed": 0, "ssh_error": 0,
                                                    "lock_busy": 0, "usage_error": 0, "unfinished": 2}
    assert summary["by_key"][0]["count"] == 2
    # `grep -o "END,255.*$" log | sort | uniq -c`, done with the re module
    shell = collections.Counter(m.group(0) for m in re.finditer(r"END,255.*$", text, re.M))
    ours = {"END,255,%s %s" % (k["host"], k["command"]): k["count"] for k in summary["by_key"] if k["rc"] == 255}
    assert ours == dict(shell)
    fast = remoteexe.summarize_text(text)
    assert fast["malformed"]["count"] == 1  # END,x; the cut line has no START/END keyword
    assert fast["malformed"]["scope"] == "control"
    slow = dict(summary, malformed=None)
    assert dict(fast, malformed=None) == slow
    assert dict(remoteexe.summarize_file(SAMPLE), malformed=None) == slow
    assert dict(remoteexe.summarize_file(SAMPLE, chunk_size=64), malformed=None) == slow


def test_date_filter():
    text = read_sample()
    assert len(remoteexe.parse_runs(text, date="20190625")) == 12
    assert remoteexe.parse_runs(text, date="2019-06-26") == []
    assert remoteexe.summarize_text(text, date="2019-06-25")["total"] == 12
    with pytest.raises(ParseError):
        remoteexe.parse_runs(text, date="yesterday")


def test_keep_output_false():
    runs = remoteexe.parse_runs(read_sample(), keep_output=False)
    assert all(r["output"] == [] for r in runs)
    assert len(runs) == 12


def test_crlf_and_bytes():
    text = BRIEF_LINES.replace("\n", "\r\n")
    assert remoteexe.parse_runs(text)[0]["args"] == "host_sum_batch02 /path/to/sum.sh"
    assert remoteexe.parse_runs(text.encode())[0]["status"] == "ok"
    assert remoteexe.summarize_text(text.encode())["by_status"]["ok"] == 1


@pytest.mark.parametrize("text", ["hello\nworld\n", "Jun 25 13:21:01 host sshd[913]: Accepted\n", "{}", 42, None,
                                  ["[2019-06-25 13:21:01][913] START,-,h /x"]])
def test_not_a_log(text):
    with pytest.raises(ParseError):
        remoteexe.parse_runs(text)
    with pytest.raises(ParseError):
        remoteexe.summarize_text(text)


def test_empty_log():
    assert remoteexe.parse_runs("") == []
    assert remoteexe.summarize_text("\n")["total"] == 0
    assert remoteexe.summarize([])["by_status"]["ok"] == 0


def test_end_with_other_args_keeps_open_run():
    text = (
        "[2019-06-25 01:00:00][5] START,-,h1 /a.sh\n"
        "[2019-06-25 01:00:01][5] END,0,h2 /b.sh\n"
        "[2019-06-25 01:00:02][5] END,0,h1 /a.sh\n"
    )
    runs = remoteexe.parse_runs(text)
    assert [(r["host"], r["started"] is None, r["status"]) for r in runs] == [("h1", False, "ok"), ("h2", True, "ok")]
    assert comparable(remoteexe.summarize_text(text)) == comparable(remoteexe.summarize(runs))


# --- generated logs: interleaving, PID reuse, unfinished runs --------------------------------------------

def generate(seed, runs=400):
    """A log plus the ground truth of every run, written the way remoteexe does (appends in time order)."""
    rnd = random.Random(seed)
    events = []
    truth = []
    pids = [rnd.randint(100, 140) for _unused in range(runs)]  # few PIDs: heavy reuse
    t = 0
    busy_until = {}
    for i in range(runs):
        t += rnd.randint(0, 20)
        pid = pids[i]
        start = max(t, busy_until.get(pid, -1) + 1)  # a PID is only reused after its previous owner is gone
        host = "host%02d" % rnd.randint(1, 6)
        cmd = rnd.choice(["/opt/sum.sh", "/opt/rotate.sh --keep 7", ""])
        args = ("%s %s" % (host, cmd)).strip()
        rc = rnd.choice([0, 0, 0, 1, 255, 10, 3, None])
        dur = rnd.randint(0, 300)
        busy_until[pid] = start + dur
        events.append((start, len(events), pid, "START,-,%s" % args))
        events.append((start, len(events), pid, "command,ssh %s" % args))
        for j in range(rnd.randint(0, 3)):
            events.append((start + dur * (j + 1) // 5, len(events), pid, "line %d of run %d" % (j, i)))
        if rc is not None:
            events.append((start + dur, len(events), pid, "END,%d,%s" % (rc, args)))
        truth.append((rc, host, cmd))
    events.sort()
    lines = []
    for sec, _n, pid, msg in events:
        lines.append("[2019-06-25 %02d:%02d:%02d][%d] %s" % (sec // 3600 % 24, sec // 60 % 60, sec % 60, pid, msg))
    return "\n".join(lines) + "\n", truth


@pytest.mark.parametrize("seed", [1, 2, 3, 4, 5])
def test_generated_log_against_ground_truth_and_hand_count(seed):
    text, truth = generate(seed)
    summary = remoteexe.summarize(remoteexe.parse_runs(text))
    got = {(k["rc"], k["host"], k["command"]): k["count"] for k in summary["by_key"]}
    assert got == dict(collections.Counter(truth))
    assert summary["total"] == len(truth)
    # independent hand count: count END lines per exit code with a regex, and START lines minus END lines
    ends = collections.Counter(int(m) for m in re.findall(r"\] END,(\d+),", text))
    starts = len(re.findall(r"\] START,", text))
    assert summary["by_status"]["ok"] == ends[0]
    assert summary["by_status"]["ssh_error"] == ends[255]
    assert summary["by_status"]["lock_busy"] == ends[1]
    assert summary["by_status"]["usage_error"] == ends[10]
    assert summary["by_status"]["failed"] == ends[3]
    assert summary["by_status"]["unfinished"] == starts - sum(ends.values())
    assert comparable(remoteexe.summarize_text(text)) == comparable(summary)
    assert comparable(remoteexe.summarize_text(text.encode())) == comparable(summary)


def test_generated_log_runs_match_truth_in_order():
    text, truth = generate(7, runs=200)
    runs = remoteexe.parse_runs(text)
    assert collections.Counter((r["rc"], r["host"], r["command"]) for r in runs) == collections.Counter(truth)
    for run in runs:
        if run["status"] != "unfinished":
            assert run["duration_s"] >= 0
            assert all(line.startswith("line ") for line in run["output"])


def test_summarize_file_chunk_boundaries(tmp_path):
    text, truth = generate(11)
    path = tmp_path / "20190625_remoteexe.log"
    path.write_text(text)
    expected = comparable(remoteexe.summarize(remoteexe.parse_runs(text)))
    for size in (7, 100, 4096, 1 << 20):
        assert comparable(remoteexe.summarize_file(str(path), chunk_size=size)) == expected


def test_findings():
    summary = remoteexe.summarize_text(read_sample())
    found = remoteexe.findings_from_summary(summary, "central01:/tmp/20190625_remoteexe.log")
    ids = sorted(f["id"] for f in found)
    assert ids == ["remoteexe_lock_busy", "remoteexe_malformed_lines", "remoteexe_script_failures",
                   "remoteexe_ssh_errors", "remoteexe_unfinished_runs", "remoteexe_usage_errors"]
    assert all(validate(f) == [] for f in found)
    ssh = [f for f in found if f["id"] == "remoteexe_ssh_errors"][0]
    assert ssh["data"]["count"] == 3 and "2x rc=255 host_sum_batch02 /path/to/sum.sh" in ssh["evidence"]
    assert remoteexe.findings_from_summary(remoteexe.summarize_text(BRIEF_LINES)) == []


# --- hypothesis: nothing but ParseError escapes -----------------------------------------------------------

_line = st.one_of(
    st.text(max_size=40),
    st.builds(lambda ts, pid, kind, rest: "[%s][%s] %s%s" % (ts, pid, kind, rest),
              st.sampled_from(["2019-06-25 13:21:01", "2019-13-45 99:99:99", "2019-06-25", ""]),
              st.sampled_from(["913", "0", "", "x", "12a"]),
              st.sampled_from(["START,", "END,", "command,", "", "START,-,", "END,255,", "END,x,"]),
              st.text(max_size=20)),
)


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(_line, max_size=12), st.sampled_from(["\n", "\r\n"]))
def test_never_raises_anything_but_parse_error(lines, nl):
    text = nl.join(lines)
    for fn in (remoteexe.parse_runs, remoteexe.summarize_text):
        try:
            fn(text)
        except ParseError:
            pass
    try:
        remoteexe.summarize_text(text.encode("utf-8", "surrogatepass"))
    except ParseError:
        pass


_good_line = st.builds(
    lambda sec, pid, kind, host, rc: "[2019-06-25 13:%02d:%02d][%d] %s" % (
        sec // 60, sec % 60, pid,
        {"S": "START,-,%s /x.sh" % host, "E": "END,%d,%s /x.sh" % (rc, host), "O": "output of %s" % host}[kind]),
    st.integers(0, 3599), st.integers(1, 4), st.sampled_from("SEO"), st.sampled_from(["h1", "h2"]),
    st.sampled_from([0, 1, 10, 255, 3]))


@settings(max_examples=300, deadline=None)
@given(st.lists(_good_line, max_size=30))
def test_fast_path_equals_full_parse_on_well_formed_logs(lines):
    text = "\n".join(lines)
    assert comparable(remoteexe.summarize_text(text)) == comparable(remoteexe.summarize(remoteexe.parse_runs(text)))
