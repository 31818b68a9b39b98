# -*- coding: utf-8 -*-
# Copyright: (c) 2026, sre.remediation contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Run a batch job the way a scheduler does, and classify what happened.

The ``batch_job`` role runs ``batch_job_argv`` through ``ansible.builtin.command`` with ``argv:``
(no shell, no re-splitting of user strings), wrapped as::

    flock --verbose --nonblock --conflict-exit-code 75 <lock_file> \\
        timeout --verbose --kill-after=<k> <timeout> <argv...>

:func:`plan` validates the job and builds that argv; :func:`record` turns the registered command
result into one structured run record; :func:`findings` gives one finding per failure class.

Classes (``status``):

* ``ok`` - exit code 0.
* ``failed`` - the script ran and exited non-zero (or the command module failed for another reason).
* ``lock_busy`` - ``flock`` could not take the lock (exit 75 *and* ``flock: failed to get lock`` on stderr):
  the previous run is still active; nothing ran.
* ``timeout`` - ``timeout`` killed the script (exit 124/137 *and* ``timeout: sending signal`` on stderr).
* ``unreachable`` - the host could not be reached over ssh; nothing ran.
* ``usage_error`` - the job itself is wrong: bad name/argv/timeout, the program does not exist or is not
  executable, the working directory does not exist; nothing ran.
* ``check_mode`` - check mode: nothing ran, the record says what would have run.

Needs on the target: util-linux ``flock`` with ``--verbose`` and ``--conflict-exit-code`` and coreutils ``timeout``
(Debian 10+, EL8+); an older flock/timeout rejecting an option is reported as ``usage_error``.  ``started`` and
``ended`` are the target's local clock as ``ansible.builtin.command`` reports it; ``controller_started`` and
``controller_ended`` are UTC on the controller (also for runs that never reached the host).

The wrapper messages ``flock``/``timeout`` print with ``--verbose`` are removed from ``stderr`` and kept
in ``wrapper_messages``, so the script's own stderr stays clean and the classification does not depend
on exit codes alone (a script may itself exit 75 or 124).

Pure Python 3.8+, standard library only.
"""

from __future__ import annotations

import re
import shlex

from ansible_collections.sre.remediation.plugins.module_utils.findings import ParseError, finding

STATUSES = ("ok", "failed", "lock_busy", "timeout", "unreachable", "usage_error", "check_mode")
FAILURE_STATUSES = ("failed", "lock_busy", "timeout", "unreachable", "usage_error")
LOCK_BUSY_RC = 75
TIMEOUT_RCS = (124, 137)
SCHEMA = "sre.remediation/batch_run/v1"
_NAME = re.compile(r"[A-Za-z0-9][A-Za-z0-9_.-]{0,99}\Z")
_WRAPPER_LINE = re.compile(r"^(flock: (getting lock took|executing |failed to get lock|failed to execute|cannot open lock file"
                           r"|unrecognized option|invalid option)"
                           r"|timeout: (sending signal|failed to run command|unrecognized option|invalid option))")
_FLOCK_STDOUT = re.compile(r"^flock: (getting lock took [0-9.]+ seconds|executing \S+)$")
_DELTA = re.compile(r"^(?:(\d+) days?, )?(\d+):(\d\d):(\d\d(?:\.\d+)?)$")


def _int(value, what, minimum):
    if isinstance(value, bool):
        raise ParseError("%s must be an integer, got %r" % (what, value))
    if isinstance(value, str) and value.strip().isdigit():
        value = int(value.strip())
    if not isinstance(value, int):
        raise ParseError("%s must be an integer, got %r" % (what, value))
    if value < minimum:
        raise ParseError("%s must be >= %d, got %d" % (what, minimum, value))
    return value


def plan(name, argv, timeout=3600, kill_after=10, lock=True, lock_dir="/tmp"):
    """Validate a job and build the command line.

    Returns ``{error, name, argv, command, lock_file, timeout_s, kill_after_s, command_line}``; ``error``
    is None or the reason the job is a usage error (then ``command`` is empty).  Never raises for bad
    values: a bad job must still produce a run record.
    """
    result = {"error": None, "name": name, "argv": argv, "command": [], "lock_file": None,
              "timeout_s": timeout, "kill_after_s": kill_after, "command_line": ""}
    try:
        if not isinstance(name, str) or not _NAME.match(name):
            raise ParseError("batch_job_name must be 1-100 characters of A-Z a-z 0-9 _ . - (starting with a letter "
                             "or digit), got %r" % (name,))
        if isinstance(argv, (str, bytes)) or not isinstance(argv, (list, tuple)) or not argv:
            raise ParseError("batch_job_argv must be a non-empty list of strings (program first), got %r" % (argv,))
        for i, arg in enumerate(argv):
            if not isinstance(arg, str):
                raise ParseError("batch_job_argv[%d] must be a string, got %r" % (i, arg))
            if "\x00" in arg:
                raise ParseError("batch_job_argv[%d] contains a NUL byte" % i)
        if not argv[0].strip():
            raise ParseError("batch_job_argv[0] (the program) is empty")
        timeout = _int(timeout, "batch_job_timeout", 0)
        kill_after = _int(kill_after, "batch_job_kill_after", 1)
        if lock:
            if not isinstance(lock_dir, str) or not lock_dir.startswith("/"):
                raise ParseError("batch_job_lock_dir must be an absolute path, got %r" % (lock_dir,))
            result["lock_file"] = "%s/sre-batch-%s.lock" % (lock_dir.rstrip("/") or "", name)
    except ParseError as exc:
        result["error"] = str(exc)
        return result
    command = []
    if lock:
        command += ["flock", "--verbose", "--nonblock", "--conflict-exit-code", str(LOCK_BUSY_RC),
                    result["lock_file"]]
    if timeout:
        command += ["timeout", "--verbose", "--kill-after=%d" % kill_after, str(timeout)]
    command += list(argv)
    result.update(argv=list(argv), command=command, timeout_s=timeout, kill_after_s=kill_after,
                  command_line=" ".join(shlex.quote(a) for a in argv))
    return result


def _seconds(delta):
    if not isinstance(delta, str):
        return None
    m = _DELTA.match(delta.strip())
    if not m:
        return None
    days = int(m.group(1) or 0)
    return round(days * 86400 + int(m.group(2)) * 3600 + int(m.group(3)) * 60 + float(m.group(4)), 3)


def _iso(stamp):
    if not isinstance(stamp, str) or not stamp:
        return None
    return stamp.replace(" ", "T", 1)


def _clip(text, limit):
    if text is None:
        return "", False
    text = str(text)
    if limit and len(text) > limit:
        return text[-limit:], True
    return text, False


def split_wrapper_messages(text, stream="stderr"):
    """Split ``text`` into (the script's own lines, the flock/timeout --verbose lines).

    On stdout only flock's two success lines are recognised (``flock: getting lock took N seconds``,
    ``flock: executing PROG``): flock prints them with stdio buffering, so they arrive when flock exits.
    """
    own, wrapper = [], []
    rx = _FLOCK_STDOUT if stream == "stdout" else _WRAPPER_LINE
    for line in (text or "").splitlines():
        (wrapper if rx.match(line) else own).append(line)
    return "\n".join(own), wrapper


def classify(result, job_plan, check_mode=False):
    """Status of one run (see the module docstring) from the registered command result."""
    if job_plan.get("error"):
        return "usage_error"
    if not isinstance(result, dict):
        raise ParseError("the command result must be a dict, got %s" % type(result).__name__)
    if result.get("unreachable"):
        return "unreachable"
    if check_mode or (result.get("skipped") and result.get("rc") is None):
        return "check_mode"
    rc = result.get("rc")
    _own, wrapper = split_wrapper_messages(result.get("stderr"))
    wrapped = "\n".join(wrapper)
    msg = str(result.get("msg") or "")
    if rc is None:
        if re.search(r"No such file or directory|Permission denied|Unable to change directory|chdir", msg):
            return "usage_error"
        return "failed"
    if rc == 0:
        return "ok"
    if job_plan.get("lock_file") and rc == LOCK_BUSY_RC and "flock: failed to get lock" in wrapped:
        return "lock_busy"
    if job_plan.get("timeout_s") and rc in TIMEOUT_RCS and "timeout: sending signal" in wrapped:
        return "timeout"
    if re.search(r"^(timeout: failed to run command|flock: failed to execute|flock: cannot open lock file"
                 r"|(flock|timeout): (unrecognized|invalid) option)", wrapped, re.M):
        return "usage_error"
    if not job_plan.get("lock_file") and not job_plan.get("timeout_s") and rc == 2 and \
            "No such file or directory" in msg:
        return "usage_error"  # the command module could not exec the program itself
    return "failed"


def record(result, context):
    """One structured run record.

    ``context``: ``{plan, job, host, run_id, check_mode, chdir, become_user, output_limit,
    controller_started, controller_ended}`` (``plan`` from :func:`plan`).
    """
    if not isinstance(context, dict) or not isinstance(context.get("plan"), dict):
        raise ParseError("context must be a dict with the job plan under 'plan'")
    job_plan = context["plan"]
    if result is None:
        result = {}
    check_mode = bool(context.get("check_mode"))
    status = classify(result, job_plan, check_mode)
    limit = context.get("output_limit", 65536)
    limit = limit if isinstance(limit, int) and not isinstance(limit, bool) else 65536
    own_stderr, wrapper = split_wrapper_messages(result.get("stderr"))
    own_stdout, wrapper_out = split_wrapper_messages(result.get("stdout"), "stdout") if job_plan.get("lock_file") \
        else (result.get("stdout"), [])
    wrapper = wrapper_out + wrapper
    stdout, out_cut = _clip(own_stdout, limit)
    stderr, err_cut = _clip(own_stderr, limit)
    ran = status in ("ok", "failed", "timeout")
    started = _iso(result.get("start")) if ran else None
    ended = _iso(result.get("end")) if ran else None
    duration = _seconds(result.get("delta")) if ran else None
    rc = result.get("rc") if status not in ("unreachable", "check_mode") else None
    if status == "usage_error" and job_plan.get("error"):
        rc = None
    messages = {
        "ok": "exited 0",
        "failed": "exited %s" % rc if rc is not None else "the command failed: %s" % (result.get("msg") or "?"),
        "lock_busy": "the previous run still holds %s: nothing ran" % job_plan.get("lock_file"),
        "timeout": "killed after the timeout of %ss" % job_plan.get("timeout_s"),
        "unreachable": "host unreachable: %s" % str(result.get("msg") or "").strip(),
        "usage_error": job_plan.get("error") or "cannot run %s: %s" % (
            (job_plan.get("argv") or ["?"])[0],
            "; ".join(w for w in wrapper if re.search("failed to|cannot open|option", w)) or result.get("msg") or "?"),
        "check_mode": "check mode: would run %s" % job_plan.get("command_line"),
    }
    return {
        "schema": SCHEMA,
        "job": context.get("job"),
        "host": context.get("host"),
        "run_id": context.get("run_id"),
        "status": status,
        "ran": ran,
        "rc": rc,
        "message": messages[status],
        "argv": job_plan.get("argv"),
        "command": job_plan.get("command"),
        "command_line": job_plan.get("command_line"),
        "lock_file": job_plan.get("lock_file"),
        "timeout_s": job_plan.get("timeout_s"),
        "chdir": context.get("chdir") or None,
        "become_user": context.get("become_user") or None,
        "check_mode": check_mode,
        "started": started,
        "ended": ended,
        "duration_s": duration,
        "controller_started": context.get("controller_started"),
        "controller_ended": context.get("controller_ended"),
        "stdout": stdout,
        "stderr": stderr,
        "stdout_truncated": out_cut,
        "stderr_truncated": err_cut,
        "wrapper_messages": wrapper,
    }


_SPECS = {
    "failed": ("batch_job_failed", "critical", "Batch job %(job)s on %(host)s failed: %(message)s",
               "Read stdout/stderr in the run record and fix the script or its input, then re-run the job."),
    "lock_busy": ("batch_job_lock_busy", "warning",
                  "Batch job %(job)s on %(host)s did not start: the previous run still holds its lock",
                  "The job runs longer than its schedule interval: lengthen the interval, speed up the job, "
                  "or check for a hung previous run (fuser -v <lock file>)."),
    "timeout": ("batch_job_timeout", "critical", "Batch job %(job)s on %(host)s was killed: %(message)s",
                "Find out why the job is slow (stdout/stderr, host load) or raise batch_job_timeout."),
    "unreachable": ("batch_job_unreachable", "critical", "Batch job %(job)s did not run: %(host)s is unreachable",
                    "Check the host's sshd, network and credentials (ansible -m ansible.builtin.ping)."),
    "usage_error": ("batch_job_usage_error", "critical", "Batch job %(job)s on %(host)s is misconfigured: "
                    "%(message)s", "Fix batch_job_argv / batch_job_chdir / batch_job_name of the job."),
}


def findings(run):
    """One finding for a failed run (failure class = finding id), none for ok or check mode."""
    if not isinstance(run, dict) or "status" not in run:
        raise ParseError("expected a batch run record (with a status), got %r" % (run,))
    spec = _SPECS.get(run["status"])
    if spec is None:
        return []
    fid, severity, summary, remedy = spec
    values = {"job": run.get("job"), "host": run.get("host"), "message": run.get("message")}
    evidence = [run.get("message") or ""]
    tail = [line for line in (run.get("stderr") or "").splitlines() + (run.get("stdout") or "").splitlines()
            if line.strip()][-10:]
    evidence += tail
    return [finding(fid, severity, summary % values, evidence, remedy, fixable=False,
                    data={"status": run["status"], "rc": run.get("rc"), "job": run.get("job"),
                          "lock_file": run.get("lock_file"), "run_id": run.get("run_id")})]
