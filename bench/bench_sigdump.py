#!/usr/bin/env python3
# -*- coding: utf-8 -*-
# Copyright: (c) 2026, sre.remediation contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Benchmark: parse a ~50 MB multi-dump sigdump file (built from the test samples) and analyse it.

Prints one line: BENCH sigdump size_mb=.. seconds=.. mb_per_s=.. ratio_to_2s_goal=.. (ratio < 1 is faster
than the 2 s goal). No pass/fail threshold.
"""

from __future__ import annotations

import glob
import os
import sys
import tempfile
import time

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(HERE)
sys.path.insert(0, os.path.join(ROOT, ".collections"))

from ansible_collections.sre.remediation.plugins.module_utils.sigdump import analyse, parse_sigdump  # noqa: E402

TARGET_MB = float(os.environ.get("BENCH_SIGDUMP_MB", "50"))
SAMPLES = ("ruby32_fluentd116_two_dumps.log", "ruby34_fluentd119_blocked_faraday.log",
           "ruby21_td_agent2_mackerel.log", "ruby27_td_agent4_shutdown_hang.log",
           "ruby32_fluentd116_worker_idle_two_dumps.log")


def build(path, target_bytes):
    sample_dir = os.path.join(ROOT, "tests", "samples", "sigdump")
    texts = [open(os.path.join(sample_dir, name)).read() for name in SAMPLES]
    extra = sorted(glob.glob(os.path.join(sample_dir, "*.log")))
    assert texts and extra
    written = 0
    i = 0
    with open(path, "w") as out:
        while written < target_bytes:
            text = texts[i % len(texts)]
            # vary the pid and the thread addresses a little so dumps are not byte-identical
            chunk = text.replace(" process ", " process 1", 1).replace("0x00007f", "0x00007%x" % (i % 16), 3)
            out.write(chunk)
            written += len(chunk)
            i += 1
    return written


def main():
    with tempfile.TemporaryDirectory() as tmp:
        path = os.path.join(tmp, "sigdump-bench.log")
        size = build(path, int(TARGET_MB * 1024 * 1024))
        with open(path) as fh:
            text = fh.read()
        t0 = time.perf_counter()
        c0 = time.process_time()
        dumps = parse_sigdump(text, path)
        t1 = time.perf_counter()
        cpu = time.process_time() - c0
        findings = analyse(dumps)
        t2 = time.perf_counter()
    size_mb = size / 1024.0 / 1024.0
    secs = t1 - t0
    print("BENCH sigdump size_mb=%.1f seconds=%.3f mb_per_s=%.1f ratio_to_2s_goal=%.3f dumps=%d "
          "threads=%d cpu_seconds=%.3f analyse_seconds=%.3f findings=%d" % (
              size_mb, secs, size_mb / secs if secs else 0.0, secs / 2.0, len(dumps),
              sum(len(d["threads"]) for d in dumps), cpu, t2 - t1, len(findings)))


if __name__ == "__main__":
    main()
