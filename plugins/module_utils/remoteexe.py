# -*- coding: utf-8 -*-
# Copyright: (c) 2026, sre.remediation contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Parse and summarise the logs of ``remoteexe``, the ssh wrapper a central crontab runs.

``remoteexe <host> "<script> [args]"`` appends to ``/tmp/YYYYMMDD_remoteexe.log``::

    [2019-06-25 13:21:01][913] START,-,host_sum_batch02 /path/to/sum.sh
    [2019-06-25 13:21:01][913] command,ssh host_sum_batch02 /path/to/sum.sh
    [2019-06-25 13:21:02][913] <every output line of the remote script>
    [2019-06-25 13:21:05][913] END,0,host_sum_batch02 /path/to/sum.sh

Every line starts with ``[time][pid]`` (pid of the wrapper).  ``START,-,<args>`` and
``END,<rc>,<args>`` bracket one run; ``<args>`` is ``<host> <script> [args]``.  Exit codes:
0 ok, 1 lock_busy (remote ``flock --timeout=0`` found the previous run still active),
10 usage_error (the wrapper's own usage error), 255 ssh_error (ssh failed), anything else failed;
a run without END is ``unfinished``.

Pairing rule (runs of different PIDs interleave; PIDs are reused during a day):

1. A live process owns its PID, so **at most one run is open per PID**.
2. ``START`` for a PID that still has an open run closes that run as ``unfinished`` (its wrapper
   died without writing END: killed, host rebooted, disk full) and opens the new run.
3. ``END`` pairs with the open run of its PID when the arguments are identical (key = pid +
   arguments).  Otherwise it is an *END-only* run (its START is not in this log, e.g. the run
   crossed midnight into the next day's file): it is reported with ``started=None`` and its status
   from the exit code; an open run with other arguments stays open.
4. Any other line with a header is output of the open run of its PID (the ``command,`` line right
   after START is stored as ``remote_command``).  Output lines of a PID with no open run are kept
   for a following END-only run of that PID, dropped otherwise.
5. At the end of the text, runs still open are ``unfinished``.

Malformed lines (no ``[YYYY-MM-DD HH:MM:SS][pid]`` header, START/END lines without their fields,
an END whose exit code is not a number) are counted and reported, never fatal; blank lines are
ignored.  :class:`ParseError` is raised only for input that is not a remoteexe log at all (not
text, or not a single line with a header).

Two paths compute the same summary:

* :func:`parse_runs` + :func:`summarize`: every run with its output lines.
* :func:`summarize_text` / :func:`summarize_file`: the fast path.  One regular-expression scan
  finds only ``][pid] START,`` / ``][pid] END,`` lines (bytes, read in chunks, no decoding of
  output lines) and pairs them with the same rule.  It validates the control lines only, so its
  ``malformed`` count covers malformed START/END lines (``malformed.scope == "control"``), while
  the full parser also counts lines without a header (``scope == "all"``).

Speed (bench/bench_remoteexe.py, 1,000,000 lines / 76 MB): the fast path takes about 5x the time of
``grep -o "END,255.*$" log | sort | uniq -c``.  The benchmark also times a *floor* -- reading the file and
finding every ``] START,`` and ``] END,`` once with literal-prefix patterns, without pairing or line-start
checks -- which alone takes about 2.5x the grep pipeline: every control line becomes a Python object, and
``re`` pays per match what grep does not.  The complete, exactly paired summary cannot reach grep's time in
pure Python; it is a one-pass scan that stays within a small constant of the floor.

Pure Python 3.8+, standard library only.
"""

from __future__ import annotations

import collections
import datetime
import os
import re

from ansible_collections.sre.remediation.plugins.module_utils.findings import ParseError, finding

STATUSES = ("ok", "failed", "ssh_error", "lock_busy", "usage_error", "unfinished")
RC_STATUS = {0: "ok", 1: "lock_busy", 10: "usage_error", 255: "ssh_error"}
MAX_EXAMPLES = 10

_TS_RE = re.compile(r"[0-9]{4}-[0-9]{2}-[0-9]{2} [0-9]{2}:[0-9]{2}:[0-9]{2}\Z")
_ANY_HEADER_RE = re.compile(r"(?m)^\[[0-9]{4}-[0-9]{2}-[0-9]{2} [0-9]{2}:[0-9]{2}:[0-9]{2}\]\[[0-9]+\](?: |\r?$)")
_ANY_HEADER_RE_B = re.compile(_ANY_HEADER_RE.pattern.encode("ascii"), re.M)
# fast path: only START/END lines; groups = pid, START args, END "rc,args", malformed START/END rest.
# [^\n] (not [^\r\n]) is markedly faster in the re module; a trailing \r is removed when decoding.
# Anchored at the line start with the full [time][pid] header: an output line that quotes a remoteexe
# line ("[..][913] [2019-06-25 13:00:00][5] END,0,x", e.g. a job that cats these logs) is output, not an event.
# The scan pattern starts with the literal "\n[" rather than "(?m)^": the re module then jumps from
# newline to newline instead of trying every position (about 40% less time); the first line of a
# buffer, which has no newline before it, is matched with the anchored pattern.
_EVENT_TAIL = (r"\[[0-9]{4}-[0-9]{2}-[0-9]{2} [0-9]{2}:[0-9]{2}:[0-9]{2}\]\[([0-9]+)\] "
               r"(?:START,[^,\n]*,([^\n]*)|END,([0-9]+,[^\n]*)|((?:START|END),[^\n]*))")
_EVENT_RE = re.compile("\n" + _EVENT_TAIL)
_EVENT_RE_B = re.compile(("\n" + _EVENT_TAIL).encode("ascii"))
_FIRST_RE = re.compile(_EVENT_TAIL)
_FIRST_RE_B = re.compile(_EVENT_TAIL.encode("ascii"))
_HEAD = r"\[([0-9]{4}-[0-9]{2}-[0-9]{2} [0-9]{2}:[0-9]{2}:[0-9]{2})\]\[[0-9]+\] "
_STRICT_START = re.compile(_HEAD + r"START,[^,\r\n]*,")
_STRICT_END = re.compile(_HEAD + r"END,[0-9]+,")
_STRICT_START_B = re.compile(_STRICT_START.pattern.encode("ascii"))
_STRICT_END_B = re.compile(_STRICT_END.pattern.encode("ascii"))
CHUNK = 1 << 18


def status_of(rc):
    """Status name for an exit code (None = no END line)."""
    if rc is None:
        return "unfinished"
    return RC_STATUS.get(rc, "failed")


def _split_args(args):
    parts = args.strip().split(None, 1)
    if not parts:
        return "", ""
    return parts[0], parts[1] if len(parts) > 1 else ""


def _norm_date(date):
    if date is None:
        return None
    if isinstance(date, (datetime.date, datetime.datetime)):
        return date.strftime("%Y-%m-%d")
    if isinstance(date, str):
        d = date.strip()
        if re.match(r"\d{8}\Z", d):
            d = "%s-%s-%s" % (d[:4], d[4:6], d[6:])
        if re.match(r"\d{4}-\d\d-\d\d\Z", d):
            try:
                datetime.date(int(d[:4]), int(d[5:7]), int(d[8:]))
                return d
            except ValueError:
                pass
    raise ParseError("date must be YYYY-MM-DD or YYYYMMDD, got %r" % (date,))


def _to_text(text):
    if isinstance(text, (bytes, bytearray)):
        return bytes(text).decode("utf-8", "replace")
    if not isinstance(text, str):
        raise ParseError("remoteexe log must be text, got %s" % type(text).__name__)
    return text


class _Clock(object):
    """Validate 'YYYY-MM-DD HH:MM:SS' once per distinct value (cached: timestamps repeat)."""

    def __init__(self):
        self.cache = {}

    def parse(self, ts):
        got = self.cache.get(ts, False)
        if got is not False:
            return got
        value = None
        if _TS_RE.match(ts):
            try:
                value = datetime.datetime(int(ts[:4]), int(ts[5:7]), int(ts[8:10]),
                                          int(ts[11:13]), int(ts[14:16]), int(ts[17:19]))
            except ValueError:
                value = None
        if len(self.cache) > 100000:
            self.cache.clear()
        self.cache[ts] = value
        return value


def _duration(start, end):
    if start is None or end is None:
        return None
    secs = (end - start).total_seconds()
    return int(secs) if secs == int(secs) else secs


def parse_runs(text, date=None, keep_output=True, errors=None):
    """Parse a remoteexe log into runs (see the module docstring for the pairing rule).

    Each run: ``{pid, host, command, args, started, ended, rc, duration_s, output, status,
    remote_command, start_line, end_line}``; times are ISO strings (``2019-06-25T13:21:01``),
    ``started``/``start_line`` are None for an END-only run, ``ended``/``rc``/``duration_s`` None
    for an unfinished one.  Runs are in order of their START (END-only runs at their END).

    ``date`` (``YYYY-MM-DD``, ``YYYYMMDD`` or a date) keeps only runs that started that day (END-only
    runs: that ended that day).  ``keep_output=False`` leaves ``output`` empty (less memory).
    ``errors``: optional list that receives one dict ``{line, text, reason}`` per malformed line.
    """
    text = _to_text(text)
    day = _norm_date(date)
    if errors is None:
        errors = []
    clock = _Clock()
    runs = []
    opened = {}  # pid -> run
    pending = {}  # pid -> output lines seen while the pid had no open run
    headers = 0
    nonblank = 0
    lineno = 0
    for line in text.split("\n"):
        lineno += 1
        if line.endswith("\r"):
            line = line[:-1]
        if not line.strip():
            continue
        nonblank += 1
        close = line.find("]", 22)
        pid_s = line[22:close]
        if line[:1] != "[" or line[20:22] != "][" or close < 0 or not pid_s.isdigit() or not pid_s.isascii():
            errors.append({"line": lineno, "text": line[:300], "reason": "no [time][pid] header"})
            continue
        msg = line[close + 1:]
        if msg[:1] == " ":
            msg = msg[1:]
        elif msg:
            errors.append({"line": lineno, "text": line[:300], "reason": "no space after [time][pid] header"})
            continue
        when = clock.parse(line[1:20])
        if when is None:
            errors.append({"line": lineno, "text": line[:300], "reason": "bad time in header"})
            continue
        headers += 1
        pid = pid_s  # pairing key: the pid exactly as written (the fast path does the same)
        if msg.startswith("START,"):
            comma = msg.find(",", 6)
            if comma < 0:
                errors.append({"line": lineno, "text": line[:300], "reason": "START line without arguments field"})
                continue
            prev = opened.pop(pid, None)
            if prev is not None:
                runs.append(prev)  # rule 2: closed as unfinished
            pending.pop(pid, None)
            args = msg[comma + 1:]
            host, command = _split_args(args)
            opened[pid] = {
                "pid": int(pid), "host": host, "command": command, "args": args,
                "started": when.isoformat(), "ended": None, "rc": None, "duration_s": None,
                "output": [], "status": "unfinished", "remote_command": None,
                "start_line": lineno, "end_line": None, "_t": when,
            }
        elif msg.startswith("END,"):
            comma = msg.find(",", 4)
            rc_s = msg[4:comma]
            if comma < 0 or not rc_s.isdigit() or not rc_s.isascii():
                errors.append({"line": lineno, "text": line[:300], "reason": "END line without numeric exit code"})
                continue
            rc = int(rc_s)
            args = msg[comma + 1:]
            run = opened.get(pid)
            if run is not None and run["args"] == args:
                del opened[pid]
            else:  # rule 3: END-only run
                host, command = _split_args(args)
                run = {
                    "pid": int(pid), "host": host, "command": command, "args": args,
                    "started": None, "ended": None, "rc": None, "duration_s": None,
                    "output": pending.pop(pid, []) if keep_output else [], "status": None,
                    "remote_command": None, "start_line": None, "end_line": None, "_t": None,
                }
            run["ended"] = when.isoformat()
            run["rc"] = rc
            run["status"] = status_of(rc)
            run["end_line"] = lineno
            run["duration_s"] = _duration(run["_t"], when)
            runs.append(run)
        else:
            run = opened.get(pid)
            if run is None:
                if keep_output:
                    pending.setdefault(pid, []).append(msg)
            elif msg.startswith("command,") and run["remote_command"] is None and not run["output"]:
                run["remote_command"] = msg[8:]
            elif keep_output:
                run["output"].append(msg)
    if nonblank and not headers:
        raise ParseError("not a remoteexe log: no line starts with [YYYY-MM-DD HH:MM:SS][pid]")
    runs.extend(opened.values())
    runs.sort(key=lambda r: r["start_line"] or r["end_line"])
    out = []
    for run in runs:
        del run["_t"]
        if day is None or (run["started"] or run["ended"] or "")[:10] == day:
            out.append(run)
    return out


def _empty_summary():
    return {
        "total": 0,
        "by_status": {s: 0 for s in STATUSES},
        "by_key": [],
        "hosts": {},
        "first_start": None,
        "last_end": None,
        "malformed": {"count": 0, "scope": "all", "examples": []},
    }


def _build_summary(key_counts, first_start, last_end, malformed_count, examples, scope):
    """key_counts: {(rc, host, command): count}."""
    summary = _empty_summary()
    by_status = summary["by_status"]
    hosts = summary["hosts"]
    total = 0
    by_key = []
    for (rc, host, command), count in key_counts.items():
        status = status_of(rc)
        total += count
        by_status[status] += count
        per = hosts.get(host)
        if per is None:
            per = hosts[host] = dict({s: 0 for s in STATUSES}, total=0)
        per[status] += count
        per["total"] += count
        by_key.append({"rc": rc, "host": host, "command": command, "count": count, "status": status})
    by_key.sort(key=lambda k: (-k["count"], k["rc"] is None, k["rc"] or 0, k["host"], k["command"]))
    summary["by_key"] = by_key
    summary["total"] = total
    summary["hosts"] = dict(sorted(hosts.items()))
    summary["first_start"] = first_start
    summary["last_end"] = last_end
    summary["malformed"] = {"count": malformed_count, "scope": scope, "examples": examples[:MAX_EXAMPLES]}
    return summary


def summarize(runs, errors=None):
    """Summarise runs from :func:`parse_runs`.

    Returns ``{total, by_status: {status: n}, by_key: [{rc, host, command, count, status}] (count
    desc, like ``sort | uniq -c`` over every END line plus the unfinished runs), hosts: {host:
    {total, <status>: n}}, first_start, last_end, malformed: {count, scope, examples}}``.
    ``first_start`` is the start of the first run in the log, ``last_end`` the end of the last
    END line.  ``errors``: the list filled by ``parse_runs(..., errors=...)``.
    """
    if not isinstance(runs, (list, tuple)):
        raise ParseError("runs must be a list of runs, got %s" % type(runs).__name__)
    counts = {}
    first_start = None
    last_end = None
    last_end_line = -1
    first_line = None
    for run in runs:
        if not isinstance(run, dict):
            raise ParseError("each run must be a dict, got %s" % type(run).__name__)
        key = (run.get("rc"), run.get("host", ""), run.get("command", ""))
        counts[key] = counts.get(key, 0) + 1
        sl = run.get("start_line")
        if run.get("started") is not None and (first_line is None or (sl or 0) < first_line):
            first_line = sl or 0
            first_start = run["started"]
        el = run.get("end_line") or 0
        if run.get("ended") is not None and el >= last_end_line:
            last_end_line = el
            last_end = run["ended"]
    errors = list(errors or [])
    return _build_summary(counts, first_start, last_end, len(errors), errors, "all")


def _iso(ts):
    if isinstance(ts, bytes):
        ts = ts.decode("ascii", "replace")
    return ts.replace(" ", "T", 1) if ts else None


class _Scanner(object):
    """State of the fast path; feed() whole lines (str or bytes) in order, then result()."""

    def __init__(self, binary):
        self.binary = binary
        self.opened = {}
        self.ends = []
        self.unfinished = []
        self.bad = []
        self.events = 0
        self.first_start = None
        self.last_end = None
        if binary:
            self.rx, self.start_tag, self.end_tag, self.nl = _EVENT_RE_B, b"] START,", b"] END,", b"\n"
            self.first = _FIRST_RE_B
            self.strict_start, self.strict_end = _STRICT_START_B, _STRICT_END_B
            self.comma = b","
            self.empty = b""
        else:
            self.rx, self.start_tag, self.end_tag, self.nl = _EVENT_RE, "] START,", "] END,", "\n"
            self.first = _FIRST_RE
            self.strict_start, self.strict_end = _STRICT_START, _STRICT_END
            self.comma = ","
            self.empty = ""

    def _line_ts(self, buf, pos, strict):
        """Timestamp of the line containing buf[pos] if it is a well-formed START/END line."""
        begin = buf.rfind(self.nl, 0, pos) + 1
        m = strict.match(buf, begin)
        if m is None:
            return None
        return m.group(1).decode("ascii") if self.binary else m.group(1)

    def feed(self, buf, end=None):
        """Scan buf[:end]; buf starts at the beginning of a line."""
        if end is None:
            end = len(buf)
        found = self.rx.findall(buf, 0, end)
        head = self.first.match(buf, 0, end)
        if head is not None:
            found.insert(0, head.groups(self.empty))
        if not found:
            return
        self.events += len(found)
        opened = self.opened
        get = opened.get
        ends = self.ends.append
        unfinished = self.unfinished.append
        comma = self.comma
        for pid, sargs, rc_args, bad in found:
            if rc_args:  # END: pairs with the open run of its pid when the arguments are the same
                ends(rc_args)
                if get(pid) == rc_args[rc_args.find(comma) + 1:]:
                    del opened[pid]
            elif bad:
                self.bad.append(bad if len(self.bad) < MAX_EXAMPLES else None)
            else:  # START: a run still open for this pid never ended
                prev = get(pid)
                if prev is not None:
                    unfinished(prev)
                opened[pid] = sargs
        if self.first_start is None:
            pos = buf.find(self.start_tag, 0, end)
            while pos >= 0 and self.first_start is None:
                ts = self._line_ts(buf, pos, self.strict_start)
                if ts is not None:
                    self.first_start = _iso(ts)
                pos = buf.find(self.start_tag, pos + 1, end)
        pos = buf.rfind(self.end_tag, 0, end)
        while pos >= 0:
            ts = self._line_ts(buf, pos, self.strict_end)
            if ts is not None:
                self.last_end = _iso(ts)
                break
            pos = buf.rfind(self.end_tag, 0, pos)

    def result(self):
        if self.binary:
            def dec(raw):
                return raw.decode("utf-8", "replace").rstrip("\r")
        else:
            def dec(raw):
                return raw.rstrip("\r")
        counts = {}
        for rc_args, n in collections.Counter(self.ends).items():
            rc, _sep, args = dec(rc_args).partition(",")
            key = (int(rc),) + _split_args(args)
            counts[key] = counts.get(key, 0) + n
        for args, n in collections.Counter(self.unfinished + list(self.opened.values())).items():
            key = (None,) + _split_args(dec(args))
            counts[key] = counts.get(key, 0) + n
        examples = [
            {"line": None, "text": dec(b)[:300], "reason": "START/END line without its fields or numeric exit code"}
            for b in self.bad if b is not None
        ]
        return _build_summary(counts, self.first_start, self.last_end, len(self.bad), examples, "control")


def _check_not_log(sample, binary):
    rx = _ANY_HEADER_RE_B if binary else _ANY_HEADER_RE
    if sample.strip() and not rx.search(sample):
        raise ParseError("not a remoteexe log: no line starts with [YYYY-MM-DD HH:MM:SS][pid]")


def summarize_text(text, date=None):
    """Fast summary of a remoteexe log given as text (str or bytes); same result as
    ``summarize(parse_runs(text))`` for well-formed logs (see the module docstring)."""
    if date is not None:
        errors = []
        return summarize(parse_runs(text, date=date, keep_output=False, errors=errors), errors)
    if not isinstance(text, (str, bytes, bytearray)):
        raise ParseError("remoteexe log must be text, got %s" % type(text).__name__)
    binary = not isinstance(text, str)
    if isinstance(text, bytearray):
        text = bytes(text)
    scanner = _Scanner(binary)
    scanner.feed(text)
    if not scanner.events:
        _check_not_log(text, binary)
    return scanner.result()


def summarize_file(path, date=None, chunk_size=CHUNK):
    """Fast summary of a remoteexe log file, read in binary chunks of whole lines."""
    if date is not None:
        with open(path, "rb") as handle:
            return summarize_text(handle.read(), date=date)
    scanner = _Scanner(True)
    carry = b""
    head = None
    with open(path, "rb", buffering=0) as handle:
        while True:
            chunk = handle.read(chunk_size)
            if not chunk:
                break
            buf = carry + chunk if carry else chunk
            if head is None:
                head = buf[:65536]
            cut = buf.rfind(b"\n") + 1
            if cut:
                scanner.feed(buf, cut)
                carry = buf[cut:]
            else:
                carry = buf
    if carry:
        scanner.feed(carry)
    if not scanner.events:
        with open(path, "rb") as handle:
            _check_not_log(handle.read(), True)
    return scanner.result()


def findings_from_summary(summary, source="remoteexe"):
    """Findings for a summary: failures worth a human look (empty list when all runs were ok)."""
    by_status = summary.get("by_status", {})
    result = []

    def keys(status):
        return ["%dx rc=%s %s %s" % (k["count"], k["rc"], k["host"], k["command"])
                for k in summary.get("by_key", []) if k.get("status") == status][:20]

    specs = (
        ("ssh_error", "remoteexe_ssh_errors", "warning",
         "%d run(s) of %s failed in ssh (exit 255), e.g. ssh_exchange_identification: Connection closed",
         "Check sshd MaxStartups/MaxSessions and the host's reachability; stagger the crontab entries."),
        ("failed", "remoteexe_script_failures", "critical",
         "%d run(s) of %s ended with a script failure (exit code other than 0/1/10/255)",
         "Read the run's output lines (remoteexe_runs filter) and fix the remote script."),
        ("lock_busy", "remoteexe_lock_busy", "warning",
         "%d run(s) of %s found the previous run still holding the flock (exit 1)",
         "The script runs longer than its cron interval: lengthen the interval or speed up the script."),
        ("usage_error", "remoteexe_usage_errors", "critical",
         "%d run(s) of %s were rejected by remoteexe itself (exit 10: usage error)",
         "Fix the crontab line: remoteexe <host> \"<script> [args]\"."),
        ("unfinished", "remoteexe_unfinished_runs", "warning",
         "%d run(s) of %s have a START but no END line (killed, still running or log cut)",
         "Check whether the wrapper was killed (OOM, reboot) or the run is still active."),
    )
    for status, fid, severity, text, remedy in specs:
        count = by_status.get(status, 0)
        if count:
            result.append(finding(fid, severity, text % (count, source), keys(status), remedy,
                                  fixable=False, data={"count": count, "status": status}))
    malformed = summary.get("malformed", {}).get("count", 0)
    if malformed:
        result.append(finding("remoteexe_malformed_lines", "info",
                              "%d malformed line(s) in %s" % (malformed, source),
                              [e.get("text", "") for e in summary["malformed"].get("examples", [])],
                              "Check for interleaved writes or a truncated log.", data={"count": malformed}))
    return result


def merge_summaries(summaries):
    """One summary for several (for example one per day): counts add up per (rc, host, command),
    ``first_start`` is the earliest, ``last_end`` the latest, malformed counts add up."""
    if not isinstance(summaries, (list, tuple)):
        raise ParseError("summaries must be a list, got %s" % type(summaries).__name__)
    counts = {}
    starts, ends, examples, scopes = [], [], [], set()
    malformed = 0
    for summary in summaries:
        if not isinstance(summary, dict) or "by_key" not in summary:
            raise ParseError("each summary must be a dict from summarize*, got %r" % (summary,))
        for k in summary["by_key"]:
            key = (k.get("rc"), k.get("host", ""), k.get("command", ""))
            counts[key] = counts.get(key, 0) + int(k.get("count", 0))
        if summary.get("first_start"):
            starts.append(summary["first_start"])
        if summary.get("last_end"):
            ends.append(summary["last_end"])
        bad = summary.get("malformed") or {}
        malformed += int(bad.get("count", 0))
        examples.extend(bad.get("examples") or [])
        if bad.get("scope"):
            scopes.add(bad["scope"])
    scope = scopes.pop() if len(scopes) == 1 else ("mixed" if scopes else "all")
    return _build_summary(counts, min(starts) if starts else None, max(ends) if ends else None, malformed, examples,
                          scope)


def date_range(date_from, date_to=None, max_days=366):
    """Dates (datetime.date) from ``date_from`` to ``date_to`` inclusive (YYYY-MM-DD or YYYYMMDD)."""
    first = _norm_date(date_from)
    last = _norm_date(date_to if date_to not in (None, "") else date_from)
    if first is None or last is None:
        raise ParseError("date range needs a start date")
    a = datetime.date(int(first[:4]), int(first[5:7]), int(first[8:]))
    b = datetime.date(int(last[:4]), int(last[5:7]), int(last[8:]))
    if b < a:
        raise ParseError("date range is reversed: %s > %s" % (first, last))
    days = (b - a).days + 1
    if days > max_days:
        raise ParseError("date range %s..%s has %d days, more than %d" % (first, last, days, max_days))
    return [a + datetime.timedelta(days=i) for i in range(days)]


def summarize_days(directory, date_from, date_to=None, name_format="%Y%m%d_remoteexe.log", max_days=366):
    """Summaries of the daily logs ``<directory>/<name_format of each day>`` (the fast path, per file).

    Returns ``{days: [{date, path, exists, size, summary}], missing: [path], summary: merged}``;
    missing files are listed, not fatal; a file that is not a remoteexe log raises ParseError naming it.
    """
    if not isinstance(name_format, str) or "/" in name_format or "%" not in name_format:
        raise ParseError("name_format must be a file name with strftime fields such as %%Y%%m%%d, got %r"
                         % (name_format,))
    days = []
    missing = []
    for day in date_range(date_from, date_to, max_days):
        path = "%s/%s" % (directory.rstrip("/") or "", day.strftime(name_format))
        entry = {"date": day.isoformat(), "path": path, "exists": False, "size": None, "summary": None}
        try:
            entry["size"] = os.path.getsize(path)
            entry["exists"] = True
        except OSError:
            missing.append(path)
        if entry["exists"]:
            try:
                entry["summary"] = summarize_file(path)
            except ParseError as exc:
                raise ParseError("%s: %s" % (path, exc)) from None
            except OSError as exc:
                raise ParseError("%s: cannot read: %s" % (path, exc)) from None
        days.append(entry)
    merged = merge_summaries([d["summary"] for d in days if d["summary"] is not None])
    return {"days": days, "missing": missing, "summary": merged}
