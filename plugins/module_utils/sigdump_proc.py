# -*- coding: utf-8 -*-
# Copyright: (c) 2026, sre.remediation contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Find td-agent / fluentd processes in /proc, make them write sigdump files and read those files.

Pure Python 3.8+, standard library only, no Ansible imports (the sigdump_info module is a thin wrapper).

fluentd dumps only the process that receives the signal, so the supervisor and every worker are
signalled. fluentd >= 1.16 ignores SIGCONT after it got TERM: dump *before* stopping.
"""

from __future__ import annotations

import os
import signal as _signal
import subprocess
import time

from ansible_collections.sre.remediation.plugins.module_utils.findings import ParseError, finding
from ansible_collections.sre.remediation.plugins.module_utils.sigdump import analyse, parse_sigdump, summarize


class SigdumpProcError(Exception):
    """A process could not be found or signalled; the message says which and why."""


DUMP_BEFORE_STOP = ("fluentd >= 1.16 ignores SIGCONT once it received TERM (and SIGDUMP_PATH may point "
                    "elsewhere): dump supervisor and workers before stopping the service")


def _read(path, mode="r"):
    with open(path, mode) as fh:
        return fh.read()


def read_pid_file(path):
    """The pid written in a pid file."""
    try:
        text = _read(path).strip()
    except (IOError, OSError) as exc:
        raise SigdumpProcError("cannot read pid file %s: %s" % (path, exc)) from exc
    first = text.split()[0] if text.split() else ""
    if not first.isdigit() or int(first) <= 0:
        raise SigdumpProcError("pid file %s does not hold a pid (content %r)" % (path, text[:40]))
    return int(first)


def default_run(cmd):
    """Run a command without a shell: (rc, stdout, stderr); rc 127 when it cannot start."""
    try:
        proc = subprocess.run(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE, universal_newlines=True,
                              check=False)
    except OSError as exc:
        return 127, "", str(exc)
    return proc.returncode, proc.stdout, proc.stderr


def systemd_main_pid(service, run_command=None):
    """MainPID of a systemd service (``systemctl show -p MainPID --value <service>``)."""
    run = run_command or default_run
    rc, out, err = run(["systemctl", "show", "-p", "MainPID", "--value", service])
    if rc != 0:
        raise SigdumpProcError("systemctl show %s failed (rc=%s): %s" % (service, rc, (err or out).strip()))
    value = (out or "").strip()
    if value.startswith("MainPID="):
        value = value.split("=", 1)[1]
    if not value.isdigit() or int(value) == 0:
        raise SigdumpProcError("service %s has no running main process (MainPID=%s); is it started?"
                               % (service, value or "?"))
    return int(value)


def proc_stat(pid, proc_root="/proc"):
    """(comm, state, ppid) from /proc/<pid>/stat; comm may hold spaces and parentheses."""
    try:
        text = _read(os.path.join(proc_root, str(pid), "stat"))
    except (IOError, OSError) as exc:
        raise SigdumpProcError("process %s not found: %s" % (pid, exc)) from exc
    head, _sep, rest = text.rpartition(")")
    comm = head.partition("(")[2]
    fields = rest.split()
    if len(fields) < 2 or not fields[1].lstrip("-").isdigit():
        raise SigdumpProcError("cannot read /proc/%s/stat" % pid)
    return comm, fields[0], int(fields[1])


def proc_cmdline(pid, proc_root="/proc"):
    try:
        raw = _read(os.path.join(proc_root, str(pid), "cmdline"), "rb")
    except (IOError, OSError):
        return []
    return [a.decode("utf-8", "replace") for a in raw.split(b"\0") if a]


def proc_environ(pid, proc_root="/proc"):
    """The environment of a process (empty when not readable)."""
    try:
        raw = _read(os.path.join(proc_root, str(pid), "environ"), "rb")
    except (IOError, OSError):
        return {}
    env = {}
    for item in raw.split(b"\0"):
        key, sep, val = item.partition(b"=")
        if sep:
            env[key.decode("utf-8", "replace")] = val.decode("utf-8", "replace")
    return env


def children(pid, proc_root="/proc"):
    """Direct children of pid: /proc/<pid>/task/*/children when the kernel has it, else a scan of /proc."""
    kids = set()
    task_dir = os.path.join(proc_root, str(pid), "task")
    found_file = False
    try:
        for tid in os.listdir(task_dir):
            path = os.path.join(task_dir, tid, "children")
            try:
                text = _read(path)
            except (IOError, OSError):
                continue
            found_file = True
            kids.update(int(x) for x in text.split() if x.isdigit())
    except OSError:
        pass
    if found_file:
        return sorted(kids)
    try:
        entries = os.listdir(proc_root)
    except OSError:
        return []
    for entry in entries:
        if not entry.isdigit():
            continue
        try:
            _comm, _state, ppid = proc_stat(entry, proc_root)
        except SigdumpProcError:
            continue
        if ppid == pid:
            kids.add(int(entry))
    return sorted(kids)


def _looks_like_worker(cmdline, parent_cmdline):
    joined = " ".join(cmdline)
    if "--under-supervisor" in cmdline:
        return True
    if parent_cmdline and cmdline == parent_cmdline:
        return True  # fluentd v0.12 forks its worker: same command line
    return "fluentd" in joined or "td-agent" in joined


def discover(service=None, pid_file=None, pids=None, run_command=None, proc_root="/proc"):
    """Processes to dump: the supervisor (pid file / MainPID / given pids) and its worker children.

    Returns a list of {pid, ppid, role, cmdline}. Raises SigdumpProcError when nothing is found.
    """
    roots = []
    if pid_file:
        roots.append(read_pid_file(pid_file))
    elif service:
        roots.append(systemd_main_pid(service, run_command))
    explicit = [int(p) for p in (pids or [])]
    if not roots and not explicit:
        raise SigdumpProcError("nothing to dump: give service, pid_file or pids")
    result = []
    seen = set()

    def add(pid, role):
        if pid in seen:
            return
        _comm, _state, ppid = proc_stat(pid, proc_root)
        cmd = proc_cmdline(pid, proc_root)
        if role is None:
            role = "worker" if "--under-supervisor" in cmd else "supervisor"
        seen.add(pid)
        result.append({"pid": pid, "ppid": ppid, "role": role, "cmdline": " ".join(cmd)})

    for root in roots + explicit:
        add(root, None)
    for root in roots:
        root_cmd = proc_cmdline(root, proc_root)
        if "--under-supervisor" in root_cmd:
            continue  # a worker was named: it has no fluentd children
        for kid in children(root, proc_root):
            cmd = proc_cmdline(kid, proc_root)
            if _looks_like_worker(cmd, root_cmd):
                try:
                    add(kid, "worker")
                except SigdumpProcError:
                    continue  # exited meanwhile
    return result


def signal_number(name):
    """'SIGCONT', 'CONT', 'cont' or '18' -> signal number."""
    text = str(name).strip().upper()
    if text.isdigit():
        return int(text)
    if not text.startswith("SIG"):
        text = "SIG" + text
    num = getattr(_signal, text, None)
    if not isinstance(num, int) or text.startswith("SIG_"):
        raise SigdumpProcError("unknown signal %r" % name)
    return int(num)


def dump_path_for(pid, dump_dir="/tmp", dump_path=None, proc_root="/proc"):
    """Where the process writes its dump: explicit path, its SIGDUMP_PATH, or <dump_dir>/sigdump-<pid>.log.

    Returns (path, note); path None when the process dumps to STDOUT/STDERR.
    """
    if dump_path:
        return dump_path, None
    env = proc_environ(pid, proc_root)
    value = env.get("SIGDUMP_PATH")
    if value in ("-", "+"):
        return None, "process %s has SIGDUMP_PATH=%s: the dump goes to %s, not to a file" % (
            pid, value, "STDOUT" if value == "-" else "STDERR")
    if value:
        return value, "process %s has SIGDUMP_PATH=%s" % (pid, value)
    return os.path.join(dump_dir or "/tmp", "sigdump-%d.log" % pid), None


def _size(path):
    try:
        return os.path.getsize(path)
    except OSError:
        return None


def _read_from(path, offset):
    try:
        with open(path, "rb") as fh:
            fh.seek(offset)
            return fh.read().decode("utf-8", "replace")
    except (IOError, OSError):
        return ""


def dump_complete(text, pid):
    """True when text holds a dump of pid that is not truncated (threads and the sections that follow)."""
    if "Sigdump at " not in text:
        return False
    try:
        dumps = parse_sigdump(text)
    except ParseError:
        return False
    mine = [d for d in dumps if d["pid"] == pid]
    return bool(mine) and not mine[-1]["truncated"]


def wait_for_dump(path, offset, pid, timeout=10.0, poll=0.1, settle=0.3, clock=time.monotonic, sleep=time.sleep):
    """Wait (bounded by timeout) until the bytes after offset hold a complete dump of pid and stop growing.

    Returns (text after offset, complete flag).
    """
    deadline = clock() + max(float(timeout), 0.0)
    last_size = None
    stable_since = None
    text = ""
    while True:
        size = _size(path)
        now = clock()
        if size is not None and size > offset:
            if size != last_size:
                last_size = size
                stable_since = now
                text = _read_from(path, offset)
            elif now - stable_since >= settle and dump_complete(text, pid):
                return text, True
        if now >= deadline:
            if size is not None and size > offset:
                text = _read_from(path, offset)
                return text, dump_complete(text, pid)
            return text, False
        sleep(poll)


def take_dump(proc, signum, dump_dir="/tmp", dump_path=None, timeout=10.0, proc_root="/proc", offsets=None,
              created=None, kill=os.kill):
    """Signal one process and collect the dump it appends. Returns a dict describing the attempt."""
    pid = proc["pid"]
    path, note = dump_path_for(pid, dump_dir, dump_path, proc_root)
    info = {"pid": pid, "path": path, "pre_existed": None, "offset": 0, "bytes": 0, "complete": False,
            "note": note, "error": None, "text": ""}
    if path is None:
        info["error"] = note
        return info
    offsets = offsets if offsets is not None else {}
    created = created if created is not None else set()
    if path in offsets:
        offset = offsets[path]
        info["pre_existed"] = path not in created
    else:
        size = _size(path)
        info["pre_existed"] = size is not None
        offset = size or 0
        if size is None:
            created.add(path)
    info["offset"] = offset
    try:
        kill(pid, signum)
    except ProcessLookupError:
        info["error"] = "process %s is gone" % pid
        return info
    except PermissionError as exc:
        info["error"] = "not allowed to signal process %s: %s (run as root or the service user)" % (pid, exc)
        return info
    text, complete = wait_for_dump(path, offset, pid, timeout=timeout)
    info["text"] = text
    info["bytes"] = len(text.encode("utf-8", "replace"))
    info["complete"] = complete
    offsets[path] = offset + info["bytes"]
    if not text:
        info["error"] = "no dump from process %s in %s within %ss; %s" % (pid, path, timeout, DUMP_BEFORE_STOP)
    elif not complete:
        info["error"] = "the dump of process %s in %s is incomplete after %ss" % (pid, path, timeout)
    return info


def collect(processes, signal_name="SIGCONT", dump_dir="/tmp", dump_path=None, second_dump_after=3.0,
            timeout=10.0, include_dumps=False, cleanup=True, proc_root="/proc", kill=os.kill, sleep=time.sleep):
    """Dump every process (twice when second_dump_after > 0), parse, analyse. Returns the module result."""
    signum = signal_number(signal_name)
    offsets = {}
    created = set()
    rounds = [0] if not second_dump_after or float(second_dump_after) <= 0 else [0, 1]
    attempts = []
    warnings = []
    dumps = []
    for rnd in rounds:
        if rnd:
            sleep(float(second_dump_after))
        for proc in processes:
            info = take_dump(proc, signum, dump_dir, dump_path, timeout, proc_root, offsets, created, kill)
            info["round"] = rnd + 1
            attempts.append(info)
            if info["note"] and info["note"] not in warnings and info["path"] is not None:
                warnings.append(info["note"])
            if info["error"]:
                warnings.append(info["error"])
            if info["text"]:
                try:
                    parsed = parse_sigdump(info["text"], info["path"])
                except ParseError as exc:
                    warnings.append("cannot parse the dump of process %s: %s" % (proc["pid"], exc))
                    continue
                for d in parsed:
                    if d["pid"] == proc["pid"]:
                        d["role"] = proc.get("role")
                        dumps.append(d)
    removed = set()
    if cleanup:
        for path in sorted(created):
            try:
                os.unlink(path)
                removed.add(path)
            except OSError as exc:
                if os.path.exists(path):
                    warnings.append("cannot remove %s: %s" % (path, exc))
    files = []
    for info in attempts:
        files.append({"pid": info["pid"], "path": info["path"], "round": info["round"],
                      "pre_existed": info["pre_existed"], "offset": info["offset"], "bytes": info["bytes"],
                      "complete": info["complete"], "removed": info["path"] in removed, "error": info["error"]})
    findings = analyse(dumps)
    missing = [a for a in attempts if not a["text"]]
    if missing:
        findings.append(finding(
            "sigdump_not_written", "warning",
            "%d of %d dump requests produced no dump" % (len(missing), len(attempts)),
            [a["error"] or "pid %s: no dump" % a["pid"] for a in missing],
            remedy="Check SIGDUMP_PATH/SIGDUMP_SIGNAL of the service and the dump directory permissions; "
                   + DUMP_BEFORE_STOP + ".",
            data={"pids": sorted({a["pid"] for a in missing})}))
    result = {"processes": processes, "dump_files": files, "findings": findings, "warnings": warnings}
    if include_dumps:
        result["dumps"] = dumps
    else:
        result["dump_summary"] = summarize(dumps)
    return result
