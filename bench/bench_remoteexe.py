#!/usr/bin/env python3
# -*- coding: utf-8 -*-
# Copyright: (c) 2026, sre.remediation contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Benchmark: summarise a 1,000,000-line remoteexe log vs. the shell pipeline people use today.

Generates a realistic ``/tmp/YYYYMMDD_remoteexe.log`` (a central crontab starting ``remoteexe`` every
minute for 50 hosts x 3 scripts, runs overlapping and interleaving, PIDs wrapping at 32768 so they
repeat within the day, ~5% ssh failures, lock-busy runs, script failures, usage errors, a few runs
killed without END), then times

* ``grep -o "END,255.*$" log | sort | uniq -c`` (bash, subprocess, output discarded), and
* ``remoteexe.summarize_file(path)`` (reads the file and computes the complete summary), and
* a *floor*: the least any complete summary has to do in Python's ``re`` module -- read the file and find
  every ``] START,`` and every ``] END,`` once with literal-prefix patterns, counting the captured
  arguments with ``collections.Counter`` (no line-start check, no pairing, so not a correct summary).
  If the floor alone takes longer than the grep pipeline, no pure-Python summary can meet the goal.

Prints ``BENCH remoteexe lines=... grep_s=... ours_s=... ratio=... floor_s=... floor_ratio=...`` (ratios
= time / grep time; wall time, best of N runs alternating them; CPU seconds too, as the host may be shared).
"""

from __future__ import annotations

import collections
import heapq
import os
import random
import re
import resource
import subprocess
import sys
import tempfile
import time

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(os.path.dirname(HERE), ".collections"))

from ansible_collections.sre.remediation.plugins.module_utils import remoteexe  # noqa: E402

SCRIPTS = (
    ("/opt/batch/bin/sum.sh", ["sum: reading /data/in/%(n)d.csv", "sum: %(n)d records", "sum: total=%(m)d"]),
    ("/opt/batch/bin/rotate.sh --keep 7", ["rotate: /var/log/app/app.log -> app.log.1"]),
    ("/opt/batch/bin/sync_master.sh", ["rsync: sent %(n)d bytes  received %(m)d bytes", "sync: done"]),
)


def _fmt(t):
    return time.strftime("%Y-%m-%d %H:%M:%S", time.gmtime(t))


def generate(path, lines=1000000, seed=20190625, hosts=50):
    """Write a remoteexe log of exactly `lines` lines; return the number of runs started."""
    rnd = random.Random(seed)
    day0 = 1561420800  # 2019-06-25 00:00:00 (written as wall-clock time, as the wrapper does)
    events = []  # heap of (time, seq, pid, text)
    seq = 0
    pid = 300
    t = day0
    written = 0
    runs = 0
    buf = []
    out = open(path, "w")
    while written < lines:
        # one cron tick: every host x script
        for h in range(hosts):
            for script, outputs in SCRIPTS:
                pid += rnd.randint(1, 7)
                if pid > 32768:
                    pid = 300 + pid % 97
                host = "host_%s_batch%02d" % (script.split("/")[-1].split(".")[0], h)
                args = "%s %s" % (host, script)
                start = t + rnd.random() * 2
                roll = rnd.random()
                body = []
                if roll < 0.01:
                    args = host
                    body = ["usage: remoteexe <host> \"<script> [args]\""]
                    rc = 10
                    dur = 0
                else:
                    body = ["command,ssh %s" % args]
                    if roll < 0.06:
                        body.append("ssh_exchange_identification: Connection closed by remote host")
                        rc, dur = 255, rnd.random() * 3
                    elif roll < 0.16:
                        rc, dur = 1, rnd.random()
                    elif roll < 0.20:
                        body.append("%s: ERROR cannot open /data/in/%d.csv" % (script.split()[0], rnd.randint(1, 999)))
                        rc, dur = rnd.choice((2, 3, 127)), rnd.random() * 20
                    elif roll < 0.203:
                        body += [o % {"n": rnd.randint(1, 9999), "m": rnd.randint(1, 99999)} for o in outputs[:1]]
                        rc, dur = None, rnd.random() * 50  # killed: no END line
                    else:
                        body += [o % {"n": rnd.randint(1, 9999), "m": rnd.randint(1, 99999)} for o in outputs]
                        rc, dur = 0, rnd.random() * 200
                runs += 1
                seq += 1
                heapq.heappush(events, (start, seq, pid, "START,-,%s" % args))
                step = dur / (len(body) + 1)
                for i, b in enumerate(body):
                    seq += 1
                    heapq.heappush(events, (start + step * (i + 1) * 0.999, seq, pid, b))
                if rc is not None:
                    seq += 1
                    heapq.heappush(events, (start + dur, seq, pid, "END,%d,%s" % (rc, args)))
        t += 60
        while events and events[0][0] < t and written < lines:
            et, _s, epid, text = heapq.heappop(events)
            buf.append("[%s][%d] %s\n" % (_fmt(et), epid, text))
            written += 1
        if len(buf) > 10000:
            out.write("".join(buf))
            buf = []
    out.write("".join(buf))
    out.close()
    return runs


_FLOOR_START = re.compile(rb"\] START,([^\n]*)")
_FLOOR_END = re.compile(rb"\] END,([^\n]*)")


def floor(path):
    """Read + one literal-prefix scan per marker + Counter: a lower bound, not a summary."""
    with open(path, "rb") as handle:
        data = handle.read()
    return collections.Counter(_FLOOR_START.findall(data)), collections.Counter(_FLOOR_END.findall(data))


def _cpu():
    me = resource.getrusage(resource.RUSAGE_SELF)
    kids = resource.getrusage(resource.RUSAGE_CHILDREN)
    return me.ru_utime + me.ru_stime, kids.ru_utime + kids.ru_stime


def main():
    lines = int(os.environ.get("BENCH_LINES", "1000000"))
    repeat = int(os.environ.get("BENCH_REPEAT", "7"))
    with tempfile.TemporaryDirectory() as tmp:
        path = os.path.join(tmp, "20190625_remoteexe.log")
        generate(path, lines)
        size = os.path.getsize(path)
        cmd = 'grep -o "END,255.*$" %s | sort | uniq -c > /dev/null' % path
        subprocess.run(["bash", "-c", cmd], check=True)  # warm the page cache
        remoteexe.summarize_file(path)
        # alternate the two so that load from other processes hits both alike; best of `repeat`
        wall = {"grep": [], "ours": [], "floor": []}
        cpu = {"grep": [], "ours": []}
        for _ in range(repeat):
            c0 = _cpu()
            t0 = time.perf_counter()
            subprocess.run(["bash", "-c", cmd], check=True)
            wall["grep"].append(time.perf_counter() - t0)
            c1 = _cpu()
            cpu["grep"].append(c1[1] - c0[1])
            t0 = time.perf_counter()
            summary = remoteexe.summarize_file(path)
            wall["ours"].append(time.perf_counter() - t0)
            cpu["ours"].append(_cpu()[0] - c1[0])
            t0 = time.perf_counter()
            floor(path)
            wall["floor"].append(time.perf_counter() - t0)
        grep_s, ours_s, floor_s = min(wall["grep"]), min(wall["ours"]), min(wall["floor"])
        print(
            "BENCH remoteexe lines=%d bytes=%d runs=%d grep_s=%.3f ours_s=%.3f ratio=%.2f "
            "grep_cpu_s=%.3f ours_cpu_s=%.3f floor_s=%.3f floor_ratio=%.2f"
            % (lines, size, summary["total"], grep_s, ours_s, ours_s / grep_s, min(cpu["grep"]), min(cpu["ours"]),
               floor_s, floor_s / grep_s)
        )


if __name__ == "__main__":
    main()
