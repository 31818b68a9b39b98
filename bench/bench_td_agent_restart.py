#!/usr/bin/env python3
# -*- coding: utf-8 -*-
# Copyright: (c) 2026, sre.remediation contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Benchmark (needs the running lab): safe restart of the td-agent double, hung and healthy.

Hung (fluent1): the Mackerel sink double hangs, 2,000 file-buffered events arrive, the sink heals (the old
connection stays hung). Then ``sre.remediation.td_agent_restart action=restart`` runs with the lab bounds
(flush 5 s, stop 8 s, worker 3 s, kill 5 s). Measured: hung -> healthy (the module's own clock until its
verify step), hung -> every event delivered, vs the configured bound before SIGKILL
(flush + stop + worker timeouts) and vs systemd's TimeoutStopSec=120 of td-agent.service (which then
SIGKILLs everything, memory buffers included). Healthy (fluent2): the same call on a healthy worker.

Prints one ``BENCH td_agent_restart ...`` line (ratios, no thresholds).
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(HERE)
sys.path.insert(0, os.path.join(ROOT, "tests", "integration"))

import lablib  # noqa: E402

F = "/usr/local/lib/td-agent-double"
BOUNDS = {"flush_timeout": 5, "stop_timeout": 8, "worker_timeout": 3, "kill_timeout": 5, "start_timeout": 30}
SYSTEMD_TIMEOUT_STOP = 120.0


def restart(host):
    args = " ".join("%s=%s" % kv for kv in BOUNDS.items())
    env = dict(lablib.env(), ANSIBLE_STDOUT_CALLBACK="json", ANSIBLE_LOAD_CALLBACK_PLUGINS="1")
    t0 = time.monotonic()
    proc = subprocess.run([os.path.join(lablib.BIN, "ansible"), host, "-b", "-m", "sre.remediation.td_agent_restart",
                           "-a", "action=restart " + args], cwd=ROOT, env=env, text=True, capture_output=True,
                          check=False)
    wall = time.monotonic() - t0
    out = json.loads(proc.stdout)
    res = out["plays"][0]["tasks"][0]["hosts"][host]
    if res.get("failed"):
        raise SystemExit("restart failed on %s: %s" % (host, res.get("msg")))
    return res, wall


def delivered(host, prefix, count, timeout=60):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        got = json.loads(lablib.sh(host, "python3 %s/feed.py check --prefix %s --count %d" % (F, prefix, count)).stdout)
        if got["distinct"] == count:
            return got
        time.sleep(0.5)
    return got


def main():
    if not os.path.exists(lablib.INVENTORY):
        print("BENCH td_agent_restart skipped=lab_not_up")
        return
    prefix = "B%d" % int(time.time())
    lablib.sh("fluent1", "%s/fault.sh baseline && %s/fault.sh hang" % (F, F), timeout=120)
    lablib.sh("fluent1", "python3 %s/feed.py feed --prefix %s --count 2000" % (F, prefix), timeout=120)
    time.sleep(1)
    lablib.sh("fluent1", "%s/fault.sh heal" % F)
    t0 = time.monotonic()
    res, wall = restart("fluent1")
    got = delivered("fluent1", prefix, 2000)
    to_data = time.monotonic() - t0
    steps = {s["name"]: s for s in res["steps"]}
    healthy_at = steps["verify"]["at"]
    bound = BOUNDS["flush_timeout"] + BOUNDS["stop_timeout"] + BOUNDS["worker_timeout"]
    lablib.sh("fluent2", "%s/fault.sh baseline" % F, timeout=120)
    res2, _wall2 = restart("fluent2")
    healthy = {s["name"]: s for s in res2["steps"]}["verify"]["at"]
    print("BENCH td_agent_restart hung_to_healthy_s=%.2f hung_to_delivered_s=%.2f call_wall_s=%.2f kill_bound_s=%d "
          "ratio_to_bound=%.2f ratio_to_systemd_120s=%.3f escalated=%s lost=%d duplicates=%d healthy_restart_s=%.2f "
          "ratio_healthy_to_hung=%.2f" % (
              healthy_at, to_data, wall, bound, healthy_at / bound, healthy_at / SYSTEMD_TIMEOUT_STOP,
              res["escalated"], got["missing"], got["duplicates"], healthy, healthy / healthy_at))
    lablib.sh("fluent1", "%s/fault.sh baseline" % F, timeout=120)


if __name__ == "__main__":
    main()
