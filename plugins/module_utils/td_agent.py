# -*- coding: utf-8 -*-
# Copyright: (c) 2026, sre.remediation contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Detect a td-agent / fluent-package installation and restart it safely (bounded waits, step log).

Pure Python 3.8+, standard library only, no Ansible imports (the td_agent_restart module is a thin wrapper).

Safe restart, every step bounded and logged:
  1. discover supervisor (pid file / systemd MainPID) and workers (``--under-supervisor`` children)
  2. sigdump of supervisor and workers (evidence; fluentd >= 1.16 ignores SIGCONT after TERM)
  3. SIGUSR1 (flush) and wait for file-buffer chunks to drain, up to ``flush_timeout``
  4. graceful stop: TERM to the supervisor (systemd: ``systemctl stop --no-block``), up to ``stop_timeout``
  5. still alive: TERM the stuck worker(s), then KILL them after ``worker_timeout``; then the supervisor,
     TERM and KILL after ``kill_timeout`` -- SIGKILL only after the timeouts
  6. remove a stale pid file, only when no live process owns it
  7. start (init script or systemctl) -- never while an old process is still alive
  8. verify: supervisor + worker up, the log shows a clean start
"""

from __future__ import annotations

import glob
import os
import re
import signal
import time

from ansible_collections.sre.remediation.plugins.module_utils.sigdump_proc import (
    SigdumpProcError,
    children,
    collect,
    default_run as _default_run,
    proc_cmdline,
    proc_stat,
    read_pid_file,
)

FLAVOURS = {
    "td-agent-init": {
        "description": "td-agent 2/3 (init script)",
        "control": "init",
        "service": "td-agent",
        "init_script": "/etc/init.d/td-agent",
        "pid_file": "/var/run/td-agent/td-agent.pid",
        "log_file": "/var/log/td-agent/td-agent.log",
        "config_file": "/etc/td-agent/td-agent.conf",
        "prefix": "/opt/td-agent/",
        "buffer_dirs": ["/var/log/td-agent/buffer"],
        "gem_executables": ["/usr/sbin/td-agent-gem", "/opt/td-agent/embedded/bin/fluent-gem",
                            "/opt/td-agent/embedded/bin/gem"],
    },
    "td-agent4": {
        "description": "td-agent 4 (td-agent.service)",
        "control": "systemd",
        "service": "td-agent.service",
        "init_script": None,
        "pid_file": "/var/run/td-agent/td-agent.pid",
        "log_file": "/var/log/td-agent/td-agent.log",
        "config_file": "/etc/td-agent/td-agent.conf",
        "prefix": "/opt/td-agent/",
        "buffer_dirs": ["/var/log/td-agent/buffer"],
        "gem_executables": ["/usr/sbin/td-agent-gem", "/opt/td-agent/bin/fluent-gem",
                            "/opt/td-agent/embedded/bin/gem"],
    },
    "fluent-package5": {
        "description": "fluent-package 5 (fluentd.service)",
        "control": "systemd",
        "service": "fluentd.service",
        "init_script": None,
        "pid_file": "/var/run/fluent/fluentd.pid",
        "log_file": "/var/log/fluent/fluentd.log",
        "config_file": "/etc/fluent/fluentd.conf",
        "prefix": "/opt/fluent/",
        "buffer_dirs": ["/var/log/fluent/buf"],
        "gem_executables": ["/usr/sbin/fluent-gem", "/opt/fluent/bin/fluent-gem"],
    },
}

CLEAN_START_RE = re.compile(r"fluentd worker is now running")
LOG_ERROR_RE = re.compile(r"\[(?:error|fatal)\]")
CHUNK_RE = re.compile(r"\.[bq][0-9a-f]{8,}(?:\.[A-Za-z0-9]+)?$")
_BUFFER_PATH_RE = re.compile(r"^\s*(?:buffer_)?path\s+(\S+)", re.MULTILINE)


class TdAgentError(Exception):
    """Bad input or an unusable host; raised before anything was changed."""


def _systemd_unit(run, unit):
    rc, out, _err = run(["systemctl", "show", "-p", "LoadState", "-p", "FragmentPath", "-p", "SourcePath",
                         "-p", "MainPID", "-p", "ActiveState", unit])
    if rc != 0:
        return None
    props = {}
    for line in (out or "").splitlines():
        key, _sep, val = line.partition("=")
        props[key.strip()] = val.strip()
    if props.get("LoadState") != "loaded":
        return None
    frag = props.get("FragmentPath", "")
    src = props.get("SourcePath", "")
    if not frag or frag.startswith("/run/systemd/generator") or src.startswith("/etc/init.d/"):
        return None  # generated from an init script: not a native unit
    return props


def detect(flavour="auto", run=None, exists=os.path.exists, systemd_running=None):
    """The installation: flavour name plus its control path, service, pid file, log, buffer dirs, gem command."""
    run = run or _default_run
    if flavour not in ("auto",) + tuple(FLAVOURS):
        raise TdAgentError("unknown flavour %r (auto, %s)" % (flavour, ", ".join(sorted(FLAVOURS))))
    if systemd_running is None:
        systemd_running = exists("/run/systemd/system")
    evidence = []
    chosen = None
    if flavour != "auto":
        chosen = flavour
        evidence.append("flavour given: %s" % flavour)
    else:
        if systemd_running:
            for name, unit in (("fluent-package5", "fluentd.service"), ("td-agent4", "td-agent.service")):
                props = _systemd_unit(run, unit)
                if props is not None:
                    chosen = name
                    evidence.append("native systemd unit %s (%s)" % (unit, props.get("FragmentPath")))
                    break
        if chosen is None and exists("/etc/init.d/td-agent"):
            chosen = "td-agent-init"
            evidence.append("init script /etc/init.d/td-agent and no native td-agent/fluentd unit")
    if chosen is None:
        raise TdAgentError("no td-agent / fluentd installation found (no native fluentd.service or td-agent.service "
                           "unit, no /etc/init.d/td-agent)")
    info = dict(FLAVOURS[chosen])
    info["flavour"] = chosen
    info["evidence"] = evidence
    info["gem_executable"] = next((g for g in info["gem_executables"] if exists(g)), None)
    return info


def buffer_dirs(info, read=None):
    """Buffer directories: the flavour default plus the dirname of every buffer ``path`` in the config."""
    dirs = list(info.get("buffer_dirs") or [])
    try:
        text = read(info["config_file"]) if read else open(info["config_file"]).read()
    except (IOError, OSError, TypeError):
        text = ""
    for m in _BUFFER_PATH_RE.finditer(text or ""):
        path = m.group(1)
        d = path if path.endswith("/") else os.path.dirname(path)
        if d and d not in dirs:
            dirs.append(d.rstrip("/") or "/")
    return dirs


def chunk_files(dirs):
    """File-buffer chunks (``*.b<id>*`` staged, ``*.q<id>*`` queued) under dirs, without .meta files."""
    found = []
    for d in dirs:
        for path in glob.glob(os.path.join(d, "**", "*"), recursive=True):
            if path.endswith(".meta") or not os.path.isfile(path):
                continue
            if CHUNK_RE.search(os.path.basename(path)):
                found.append(path)
    return sorted(found)


def alive(pid, proc_root="/proc"):
    """True when pid exists and is not a zombie."""
    try:
        _comm, state, _ppid = proc_stat(pid, proc_root)
    except SigdumpProcError:
        return False
    return state not in ("Z", "X")


def processes(info, run=None, proc_root="/proc"):
    """Supervisor and worker pids now: (supervisor pid or None, [worker pids], note)."""
    run = run or _default_run
    pid = None
    note = None
    if info["control"] == "systemd":
        rc, out, _err = run(["systemctl", "show", "-p", "MainPID", "--value", info["service"]])
        val = (out or "").strip()
        if rc == 0 and val.isdigit() and int(val) > 0:
            pid = int(val)
    if pid is None and os.path.exists(info["pid_file"]):
        try:
            pid = read_pid_file(info["pid_file"])
        except SigdumpProcError as exc:
            note = str(exc)
        if pid is not None and not alive(pid, proc_root):
            note = "pid file %s names pid %s, which is not running (stale)" % (info["pid_file"], pid)
            pid = None
    if pid is None:
        return None, [], note
    workers = [k for k in children(pid, proc_root) if "--under-supervisor" in proc_cmdline(k, proc_root)
               or proc_cmdline(k, proc_root) == proc_cmdline(pid, proc_root)]
    return pid, workers, note


def orphan_workers(prefix, proc_root="/proc"):
    """fluentd workers (``--under-supervisor``) of the installation under prefix whose supervisor is gone."""
    found = []
    try:
        entries = os.listdir(proc_root)
    except OSError:
        return found
    for entry in entries:
        if not entry.isdigit():
            continue
        cmd = proc_cmdline(int(entry), proc_root)
        if "--under-supervisor" not in cmd or not any(prefix in a for a in cmd):
            continue
        try:
            _comm, state, ppid = proc_stat(int(entry), proc_root)
        except SigdumpProcError:
            continue
        if ppid in (0, 1) and state not in ("Z", "X"):
            found.append(int(entry))
    return sorted(found)


class Restarter(object):
    """One safe restart. All side effects go through run/kill/sleep/clock so that tests can drive it."""

    def __init__(self, info, params, check_mode=False, run=None, kill=os.kill, sleep=time.sleep,
                 clock=time.monotonic, proc_root="/proc", collect_fn=collect):
        self.info = info
        self.p = params
        self.check = check_mode
        self.run = run or _default_run
        self.kill = kill
        self.sleep = sleep
        self.clock = clock
        self.proc_root = proc_root
        self.collect = collect_fn
        self.steps = []
        self.escalated = False
        self.killed = []
        self.findings = []
        self.t0 = clock()

    # -- helpers ---------------------------------------------------------------------------------
    def step(self, name, status, detail, **data):
        entry = {"step": len(self.steps) + 1, "name": name, "status": status, "detail": detail,
                 "at": round(self.clock() - self.t0, 2)}
        entry.update(data)
        self.steps.append(entry)
        return entry

    def signal(self, pid, sig):
        try:
            self.kill(pid, sig)
            return True
        except ProcessLookupError:
            return False

    def wait_gone(self, pids, timeout):
        deadline = self.clock() + max(float(timeout), 0.0)
        while True:
            left = [p for p in pids if alive(p, self.proc_root)]
            if not left or self.clock() >= deadline:
                return left
            self.sleep(0.2)

    def chunks(self):
        return chunk_files(self.p["buffer_dirs"])

    # -- the sequence ----------------------------------------------------------------------------
    def restart(self):
        sup, workers, note = processes(self.info, self.run, self.proc_root)
        orphans = [o for o in orphan_workers(self.info.get("prefix") or "/opt/", self.proc_root) if o not in workers]
        before = {"supervisor": sup, "workers": workers, "orphans": orphans, "chunks": len(self.chunks())}
        self.step("discover", "done", "supervisor %s, workers %s%s%s" % (
            sup, workers or "none", ("; orphaned workers %s" % orphans) if orphans else "",
            ("; " + note) if note else ""), supervisor=sup, workers=workers, orphans=orphans,
            chunks=before["chunks"])
        was_running = sup is not None
        if not was_running and not self.p["start_if_stopped"]:
            self.step("start", "skipped", "not running and start_if_stopped=false")
            return self.result(before, changed=False)
        if was_running:
            self.dump([sup] + workers)
            self.flush(sup)
            self.stop(sup, workers)
        else:
            self.step("stop", "skipped", "not running")
        if orphans:
            self.stop_orphans(orphans)
        self.stale_pid_file()
        self.start(before)
        return self.result(before, changed=True)

    def dump(self, pids):
        if not self.p["dump"]:
            self.step("sigdump", "skipped", "dump=false")
            return
        procs = [{"pid": p, "ppid": None, "role": "supervisor" if i == 0 else "worker", "cmdline": ""}
                 for i, p in enumerate(pids)]
        try:
            res = self.collect(procs, signal_name=self.p["dump_signal"], dump_dir=self.p["dump_dir"],
                               second_dump_after=self.p["second_dump_after"], timeout=self.p["dump_timeout"])
        except SigdumpProcError as exc:
            self.step("sigdump", "failed", str(exc))
            return
        self.findings = res.get("findings") or []
        ids = sorted({f["id"] for f in self.findings})
        self.step("sigdump", "done", "dumped pids %s; findings: %s" % (pids, ", ".join(ids) or "none"),
                  findings=ids, dump_files=[f["path"] for f in res.get("dump_files") or []])

    def flush(self, sup):
        before = self.chunks()
        if self.check:
            self.step("flush", "planned", "would send SIGUSR1 to %s and wait up to %ss for %d file-buffer chunks "
                      "to drain" % (sup, self.p["flush_timeout"], len(before)), chunks=len(before))
            return
        self.signal(sup, signal.SIGUSR1)
        deadline = self.clock() + float(self.p["flush_timeout"])
        left = before
        # USR1 enqueues staged chunks; give the worker a moment before counting
        self.sleep(min(1.0, float(self.p["flush_timeout"])))
        while True:
            left = self.chunks()
            if not left or self.clock() >= deadline:
                break
            self.sleep(0.5)
        status = "done" if not left else "timeout"
        self.step("flush", status, "SIGUSR1 to %s; file-buffer chunks %d -> %d%s" % (
            sup, len(before), len(left),
            "" if not left else " after %ss (kept on disk, re-sent at start)" % self.p["flush_timeout"]),
            chunks_before=len(before), chunks_after=len(left))

    def stop(self, sup, workers):
        allp = [sup] + workers
        if self.check:
            how = ("systemctl stop --no-block %s" % self.info["service"] if self.info["control"] == "systemd"
                   else "SIGTERM to supervisor %s" % sup)
            self.step("stop", "planned", "would stop gracefully (%s), wait up to %ss; if still alive SIGTERM then "
                      "SIGKILL the stuck worker(s) %s after %ss, then the supervisor after %ss" % (
                          how, self.p["stop_timeout"], workers, self.p["worker_timeout"], self.p["kill_timeout"]))
            return
        if self.info["control"] == "systemd":
            rc, out, err = self.run(["systemctl", "stop", "--no-block", self.info["service"]])
            how = "systemctl stop --no-block %s (rc=%s%s)" % (self.info["service"], rc,
                                                              (": " + (err or out).strip()) if rc else "")
        else:
            self.signal(sup, signal.SIGTERM)
            how = "SIGTERM to supervisor %s" % sup
        left = self.wait_gone(allp, self.p["stop_timeout"])
        if not left:
            result = self.systemd_result() if self.info["control"] == "systemd" else None
            if result == "timeout":
                # fluentd.service / td-agent.service: TimeoutStopSec (120 s) ran out before stop_timeout, and
                # systemd SIGKILLed every process of the unit (KillMode=control-group): not a graceful stop.
                self.escalated = True
                self.step("stop", "timeout", "%s: systemd killed the processes itself (Result=timeout: its "
                          "TimeoutStopSec ran out before stop_timeout %ss); memory buffers may be lost"
                          % (how, self.p["stop_timeout"]), systemd_result=result)
                return
            self.step("stop", "done", "%s: stopped gracefully" % how)
            return
        self.step("stop", "timeout", "%s: still alive after %ss: %s" % (how, self.p["stop_timeout"], left),
                  alive=left)
        self.escalated = True
        stuck = [w for w in workers if w in left]
        if stuck:
            for w in stuck:
                self.signal(w, signal.SIGTERM)
            left_w = self.wait_gone(stuck, self.p["worker_timeout"])
            if left_w:
                for w in left_w:
                    self.signal(w, signal.SIGKILL)
                    self.killed.append(w)
                left_w = self.wait_gone(left_w, self.p["kill_timeout"])
                self.step("stop_worker", "failed" if left_w else "done",
                          "worker(s) %s still alive %ss after their own SIGTERM: SIGKILL sent to %s%s" % (
                              stuck, self.p["worker_timeout"], [w for w in stuck if w in self.killed],
                              "; still alive: %s" % left_w if left_w else ""), killed=list(self.killed))
            else:
                self.step("stop_worker", "done", "worker(s) %s exited after a second SIGTERM" % stuck)
        if alive(sup, self.proc_root):
            # the supervisor normally exits once its worker is gone
            if self.wait_gone([sup], min(5.0, float(self.p["kill_timeout"]))):
                self.signal(sup, signal.SIGTERM)
                if self.wait_gone([sup], self.p["kill_timeout"]):
                    self.signal(sup, signal.SIGKILL)
                    self.killed.append(sup)
                    self.wait_gone([sup], self.p["kill_timeout"])
        left = [p for p in allp if alive(p, self.proc_root)]
        if left:
            self.step("stop_supervisor", "failed", "processes %s survived SIGKILL: not starting a second instance"
                      % left)
            raise TdAgentError("td-agent processes %s survived SIGKILL; nothing was started (no second instance)"
                               % left)
        self.step("stop_supervisor", "done", "supervisor %s is gone%s" % (
            sup, " (SIGKILL)" if sup in self.killed else ""))

    def systemd_result(self):
        """The unit's Result property (success, timeout, signal, ...) or None."""
        rc, out, _err = self.run(["systemctl", "show", "-p", "Result", self.info["service"]])
        for line in (out or "").splitlines() if rc == 0 else []:
            key, sep, val = line.partition("=")
            if sep and key.strip() == "Result":
                return val.strip()
        return None

    def stop_orphans(self, orphans):
        """Workers left without a supervisor would hold the input ports: a second instance otherwise."""
        if self.check:
            self.step("stop_orphans", "planned", "would SIGTERM orphaned workers %s, SIGKILL after %ss" % (
                orphans, self.p["worker_timeout"]))
            return
        for pid in orphans:
            self.signal(pid, signal.SIGTERM)
        left = self.wait_gone(orphans, self.p["worker_timeout"])
        for pid in left:
            self.signal(pid, signal.SIGKILL)
            self.killed.append(pid)
            self.escalated = True
        left = self.wait_gone(left, self.p["kill_timeout"])
        if left:
            self.step("stop_orphans", "failed", "orphaned workers %s survived SIGKILL" % left)
            raise TdAgentError("orphaned td-agent workers %s survived SIGKILL; nothing was started" % left)
        self.step("stop_orphans", "done", "orphaned workers %s stopped%s" % (
            orphans, " (SIGKILL)" if any(p in self.killed for p in orphans) else ""))

    def stale_pid_file(self):
        path = self.info["pid_file"]
        if not os.path.exists(path):
            self.step("pid_file", "skipped", "no pid file %s" % path)
            return
        try:
            pid = read_pid_file(path)
        except SigdumpProcError:
            pid = None
        if pid is not None and alive(pid, self.proc_root):
            if self.check:
                self.step("pid_file", "planned", "pid file %s names the running pid %s; the stop removes it"
                          % (path, pid))
                return
            raise TdAgentError("pid file %s names pid %s, which is still alive: not starting a second instance"
                               % (path, pid))
        if self.check:
            self.step("pid_file", "planned", "would remove stale pid file %s (pid %s not running)" % (path, pid))
            return
        os.unlink(path)
        self.step("pid_file", "done", "removed stale pid file %s (pid %s not running)" % (path, pid))

    def start(self, before):
        if self.info["control"] == "systemd":
            cmd = ["systemctl", "start", self.info["service"]]
        else:
            cmd = [self.info["init_script"], "start"]
        if self.check:
            self.step("start", "planned", "would run %s and verify supervisor + worker and a clean start in %s "
                      "within %ss" % (" ".join(cmd), self.info["log_file"], self.p["start_timeout"]))
            return
        log = self.info["log_file"]
        offset = os.path.getsize(log) if os.path.exists(log) else 0
        if self.info["control"] == "systemd":
            self.run(["systemctl", "reset-failed", self.info["service"]])
        rc, out, err = self.run(cmd)
        detail = "%s: rc=%s %s" % (" ".join(cmd), rc, (out + err).strip()[:300])
        self.step("start", "done" if rc == 0 else "failed", detail)
        if rc != 0:
            raise TdAgentError("start failed: %s rc=%s: %s" % (" ".join(cmd), rc, (err or out).strip()))
        deadline = self.clock() + float(self.p["start_timeout"])
        while True:
            sup, workers, _note = processes(self.info, self.run, self.proc_root)
            text = ""
            if os.path.exists(log):
                with open(log, "rb") as fh:
                    fh.seek(offset if os.path.getsize(log) >= offset else 0)
                    text = fh.read().decode("utf-8", "replace")
            clean = bool(CLEAN_START_RE.search(text))
            if (sup and workers and clean) or self.clock() >= deadline:
                break
            self.sleep(0.3)
        errors = [line for line in text.splitlines() if LOG_ERROR_RE.search(line)][:5]
        ok = bool(sup and workers and clean and not errors)
        self.step("verify", "done" if ok else "failed",
                  "supervisor %s, workers %s, clean start in log: %s%s" % (
                      sup, workers or "none", "yes" if clean else "no",
                      "; errors: %s" % errors if errors else ""),
                  supervisor=sup, workers=workers, log_errors=errors, chunks=len(self.chunks()))
        if not ok:
            raise TdAgentError("td-agent did not come back cleanly within %ss (supervisor %s, workers %s, clean "
                               "start %s, errors %s)" % (self.p["start_timeout"], sup, workers, clean, errors))

    def result(self, before, changed):
        return {"changed": changed, "steps": self.steps, "escalated": self.escalated, "killed": self.killed,
                "before": before, "findings": self.findings,
                "seconds": round(self.clock() - self.t0, 2)}


DEFAULTS = {
    "dump": True, "dump_signal": "SIGCONT", "dump_dir": "/tmp", "second_dump_after": 0.0, "dump_timeout": 10.0,
    "flush_timeout": 30.0, "stop_timeout": 60.0, "worker_timeout": 10.0, "kill_timeout": 10.0,
    "start_timeout": 60.0, "start_if_stopped": True, "buffer_dirs": None,
}


def validate(params):
    """Fill defaults and check the numbers (bad input fails before anything is signalled)."""
    p = dict(DEFAULTS)
    p.update({k: v for k, v in (params or {}).items() if v is not None})
    for key in ("flush_timeout", "stop_timeout", "worker_timeout", "kill_timeout", "start_timeout", "dump_timeout",
                "second_dump_after"):
        try:
            p[key] = float(p[key])
        except (TypeError, ValueError):
            raise TdAgentError("%s must be a number of seconds, got %r" % (key, p[key])) from None
        if p[key] < 0 or p[key] > 3600:
            raise TdAgentError("%s must be between 0 and 3600 seconds, got %s" % (key, p[key]))
    if p["start_timeout"] <= 0 or p["kill_timeout"] <= 0:
        raise TdAgentError("start_timeout and kill_timeout must be > 0")
    return p


# ------------------------------------------------------------------------------------------------
# Gem versions and the known-fixes plan
# ------------------------------------------------------------------------------------------------

_REQ_RE = re.compile(r"^\s*(>=|<=|!=|~>|>|<|=)?\s*([0-9][0-9A-Za-z.\-]*)\s*$")


def version_key(ver):
    """'0.1.10' -> comparable key; trailing zeros ignored, pre-releases ('1.0.0.rc1') sort before the release."""
    release = []
    pre = []
    for part in re.split(r"[.\-]", str(ver)):
        if not pre and part.isdigit():
            release.append(int(part))
        else:
            pre.append((0, int(part), "") if part.isdigit() else (1, 0, part))
    while release and release[-1] == 0:
        release.pop()
    return (tuple(release), 0 if pre else 1, tuple(pre))


def parse_requirement(text):
    """'>= 0.1.1, < 0.9.0' -> [('>=', '0.1.1'), ('<', '0.9.0')]; raises TdAgentError when malformed."""
    if not isinstance(text, str) or not text.strip():
        raise TdAgentError("empty gem requirement %r" % (text,))
    reqs = []
    for part in text.split(","):
        m = _REQ_RE.match(part)
        if not m:
            raise TdAgentError("bad gem requirement %r (use e.g. '>= 0.1.1, < 0.9.0')" % text)
        reqs.append((m.group(1) or "=", m.group(2)))
    return reqs


def satisfies(ver, reqs):
    v = version_key(ver)
    for op, want in reqs:
        w = version_key(want)
        if op == "~>":
            parts = want.split(".")
            upper = parts[:-1] if len(parts) > 1 else parts
            upper = ".".join(upper[:-1] + [str(int(upper[-1]) + 1)]) if len(parts) > 1 else str(int(parts[0]) + 1)
            if not (v >= w and v < version_key(upper)):
                return False
            continue
        ok = {">=": v >= w, ">": v > w, "<=": v <= w, "<": v < w, "=": v == w, "!=": v != w}[op]
        if not ok:
            return False
    return True


def parse_gem_list(text, name):
    """Versions of name in ``gem list`` output ('name (1.2.0, default: 1.1.0)'), newest first."""
    for line in (text or "").splitlines():
        m = re.match(r"^(\S+) \((.*)\)\s*$", line.strip())
        if m and m.group(1) == name:
            vers = [v.strip().replace("default: ", "").split()[0] for v in m.group(2).split(",") if v.strip()]
            return sorted(set(vers), key=version_key, reverse=True)
    return []


def plan_gem_fixes(findings, known_fixes, installed, available, constraints=None):
    """Which gem to update to which version, from blocked_network_io findings and the known-fixes table.

    known_fixes: [{gem, bad_versions (requirement), fixed_version, requirement (optional pin), why}]
    installed / available: {gem: [versions]}. constraints: {gem: requirement} overriding the table's pin.
    Returns a list of {gem, running_version, installed, target, requirement, why, action, pids, reason}.
    """
    constraints = constraints or {}
    table = {}
    for fix in known_fixes or []:
        if not isinstance(fix, dict) or not fix.get("gem") or not fix.get("fixed_version"):
            raise TdAgentError("known fix entries need gem and fixed_version, got %r" % (fix,))
        table[fix["gem"]] = fix
    plan = {}
    for f in findings or []:
        if f.get("id") != "blocked_network_io":
            continue
        data = f.get("data") or {}
        gem = data.get("gem")
        ver = data.get("gem_version")
        fix = table.get(gem)
        if not fix or not ver:
            continue
        if not satisfies(ver, parse_requirement(fix.get("bad_versions") or "< %s" % fix["fixed_version"])):
            continue
        req_text = constraints.get(gem) or fix.get("requirement") or ">= %s" % fix["fixed_version"]
        reqs = parse_requirement(req_text) + [(">=", fix["fixed_version"])]
        have = [v for v in installed.get(gem, []) if satisfies(v, reqs)]
        cands = [v for v in available.get(gem, []) if satisfies(v, reqs)]
        entry = plan.setdefault(gem, {"gem": gem, "running_version": ver, "installed": installed.get(gem, []),
                                      "requirement": req_text, "why": fix.get("why", ""), "pids": [],
                                      "fixed_version": fix["fixed_version"]})
        entry["pids"] = sorted(set(entry["pids"] + [data.get("pid")]) - {None})
        if have:
            entry.update(target=sorted(have, key=version_key)[-1], action="restart",
                         reason="%s %s is installed; the running process still uses %s" % (
                             gem, sorted(have, key=version_key)[-1], ver))
        elif cands:
            entry.update(target=sorted(cands, key=version_key)[-1], action="update",
                         reason="update %s %s -> %s (%s)" % (gem, ver, sorted(cands, key=version_key)[-1], req_text))
        else:
            entry.update(target=None, action="unavailable",
                         reason="no version of %s matching %s in the gem source (available: %s)" % (
                             gem, req_text, ", ".join(available.get(gem, [])) or "none"))
    return list(plan.values())
