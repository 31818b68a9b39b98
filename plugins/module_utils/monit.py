# -*- coding: utf-8 -*-
# Copyright: (c) 2026, sre.remediation contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Parse monit control files and audit whether monit actually brings a stopped service back.

Pure Python (no Ansible imports). Entry points:

* ``parse_monit(text, source=None)`` -> list of checks (dicts)
* ``parse_monit_config(text, source=None)`` -> ``{"checks", "settings", "includes"}``
* ``check_unit(check)`` -> systemd unit name behind a check (without ``.service``) or None
* ``parse_systemctl_show(text)`` -> ``{unit: {property: value}}``
* ``audit(checks, monit_running, unit_restart=None, unit_active=None, services=None)`` -> findings

Grammar handled (monit 5.x): keywords are case-insensitive, ``#`` starts a comment outside
quoted strings, and a statement runs over as many lines as needed, until the next statement
keyword (``check``, ``set``, ``include`` at top level; ``if``, ``start``/``stop``/``restart
program``, ``depends``, ``group``, ``mode``, ``every``, ``alert``, ... inside a check).
"""

from __future__ import annotations

import bisect
import re

from ansible_collections.sre.remediation.plugins.module_utils.systemd import parse_systemctl_show as _parse_show
from ansible_collections.sre.remediation.plugins.module_utils.findings import ParseError, finding

CHECK_TYPES = ("process", "file", "fifo", "filesystem", "directory", "host", "system", "program", "network")
TOP_KEYWORDS = ("check", "set", "include")
CHECK_KEYWORDS = ("if", "start", "stop", "restart", "depends", "group", "mode", "every", "not",
                  "alert", "noalert", "onreboot")
ACTIONS = ("alert", "restart", "start", "stop", "exec", "unmonitor", "monitor", "timeout")
NOISE = ("with", "and", "has", "using", "program", "programs", "the", "is", "as", "are", "on", "use")
PATH_KINDS = ("pidfile", "matching", "path", "address", "interface")
# words that may follow an if-rule's action (exec "cmd" as uid x and gid y repeat every 3 cycles)
_IF_TAIL = ("as", "uid", "gid", "and", "repeat", "every", "cycle", "cycles", "else", "with", "timeout",
            "second", "seconds")

_TOKEN_RE = re.compile(r"""(?P<ws>[^\S\n]+)|(?P<nl>\n)|(?P<comment>\#[^\n]*)|(?P<quote>["'])"""
                       r"""|(?P<punct>[{},])|(?P<op>!=|<>|<=|>=|==|=|<|>|!)|(?P<word>[^\s"'#{},=!<>]+)""")
_COMMENTED_PROGRAM_RE = re.compile(
    r"""^\#+\s*(start|stop|restart)(?:\s+program)?\s*=?\s*(?:"([^"]*)"|'([^']*)'|(\S+))(.*)$""", re.I)
_COMMENTED_TOP_RE = re.compile(r"^\#+\s*(check|set|include)\b", re.I)
_TIMEOUT_RE = re.compile(r"\btimeout\s+(\d+)\s*(seconds?|cycles?)?", re.I)
_UNIT_RES = (
    re.compile(r"\bsystemctl\s+(?:-\S+\s+)*(?:start|restart|try-restart|reload-or-restart|stop|reload|"
               r"is-enabled|is-active|is-failed|status)\s+(?:-\S+\s+)*([\w@.:-]+)"),
    re.compile(r"(?:^|[\s/])service\s+([\w@.-]+)\s+(?:start|restart|stop|reload|status)\b"),
    re.compile(r"/etc/(?:rc\.d/)?init\.d/([\w@.-]+)\s+(?:start|restart|stop|reload|status)\b"),
)
_RESTART_LOOP_RE = re.compile(r"(\d+)\s+restarts?\s+within\s+(\d+)\s+cycles?", re.I)


class _Tok:
    __slots__ = ("value", "kind", "line")

    def __init__(self, value, kind, line):
        self.value = value
        self.kind = kind  # word | string | op | punct | block
        self.line = line

    @property
    def low(self):
        return self.value.lower() if self.kind == "word" else None

    def render(self):
        if self.kind == "string":
            return '"%s"' % self.value.replace('"', '\\"')
        if self.kind == "block":
            return "{%s}" % self.value
        return self.value


def _tokenize(text, source):
    """Return (tokens, comments); comments are (line, text) pairs."""
    tokens, comments = [], []
    pos, line, n = 0, 1, len(text)
    while pos < n:
        m = _TOKEN_RE.match(text, pos)
        if m is None:  # cannot happen (the word pattern takes any other character); kept as a guard
            raise ParseError("unexpected character %r" % text[pos], source, line)
        kind = m.lastgroup
        if kind == "nl":
            line += 1
        elif kind == "comment":
            comments.append((line, m.group()))
        elif kind == "quote":
            quote, start_line, buf, i = m.group(), line, [], m.end()
            while True:
                if i >= n:
                    raise ParseError("unterminated %s string" % quote, source, start_line)
                ch = text[i]
                if ch == "\\" and i + 1 < n and text[i + 1] == quote:
                    buf.append(quote)
                    i += 2
                    continue
                if ch == quote:
                    break
                if ch == "\n":
                    line += 1
                buf.append(ch)
                i += 1
            tokens.append(_Tok("".join(buf), "string", start_line))
            pos = i + 1
            continue
        elif kind == "punct" and m.group() == "{" and tokens and tokens[-1].low == "mail-format":
            end = text.find("}", m.end())
            if end < 0:
                raise ParseError("unterminated mail-format { block", source, line)
            body = text[m.end():end]
            tokens.append(_Tok(body, "block", line))
            line += body.count("\n")
            pos = end + 1
            continue
        elif kind != "ws":
            tokens.append(_Tok(m.group(), kind, line))
        pos = m.end()
    return tokens, comments


def _statements(tokens, source):
    """Split tokens into statements (lists of tokens)."""
    stmts, cur, depth, phase = [], None, 0, None  # phase of an if: cond | action | after
    for i, tok in enumerate(tokens):
        low = tok.low
        nxt = tokens[i + 1].low if i + 1 < len(tokens) else None
        nxt_val = tokens[i + 1].value if i + 1 < len(tokens) else None
        prev = cur[-1].low if cur else None
        starts = False
        if depth == 0 and low is not None:
            if low in TOP_KEYWORDS:
                starts = True
            elif phase not in ("cond", "action") and prev not in ("repeat", "not", "else", "set", "then"):
                if low in ("start", "stop", "restart"):
                    starts = nxt == "program" or nxt_val == "="
                elif low == "not":
                    starts = nxt == "every"
                elif low in CHECK_KEYWORDS:
                    starts = True
                elif phase == "after" and low not in _IF_TAIL and tok.line > cur[-1].line:
                    starts = True  # unknown statement on a new line after a complete rule: kept as `other`
        if starts:
            if phase in ("cond", "action"):
                raise ParseError("rule 'if %s' has no action before %r" % (
                    " ".join(t.render() for t in cur[1:]), tok.value), source, cur[0].line)
            cur = [tok]
            stmts.append(cur)
            phase = "cond" if low == "if" else None
            continue
        if cur is None:
            raise ParseError("unexpected %r before any statement" % tok.value, source, tok.line)
        cur.append(tok)
        if tok.kind == "punct" and tok.value == "{":
            depth += 1
        elif tok.kind == "punct" and tok.value == "}":
            depth -= 1
            if depth < 0:
                raise ParseError("unbalanced '}'", source, tok.line)
        elif phase is not None and depth == 0:
            if low == "then" and phase == "cond":
                phase = "action"
            elif phase == "action":
                phase = "after"
            elif low == "if" and prev == "else":
                phase = "cond"
    if depth > 0:
        raise ParseError("unterminated '{' block", source, tokens[-1].line)
    if phase in ("cond", "action"):
        raise ParseError("rule without action at end of input", source, cur[0].line)
    return stmts


def _text(toks):
    return " ".join(t.render() for t in toks)


def _words(toks):
    """Tokens without noise words."""
    return [t for t in toks if t.low not in NOISE]


def _timeout(toks):
    return _timeout_from_text(_text(toks))


def _program(stmt, source):
    rest = [t for t in stmt[1:] if t.low != "program" and t.value != "="]
    if not rest or rest[0].kind not in ("string", "word"):
        raise ParseError("%s program without a command" % stmt[0].value.lower(), source, stmt[0].line)
    return {"command": rest[0].value, "timeout": _timeout(rest[1:]), "commented": False, "line": stmt[0].line}


def _rule(stmt, source):
    toks = stmt[1:]
    lows = [t.low for t in toks]
    if "then" not in lows:
        raise ParseError("rule without 'then': %s" % _text(stmt), source, stmt[0].line)
    then = lows.index("then")
    cond, after = toks[:then], toks[then + 1:]
    if not cond:
        raise ParseError("rule without a condition", source, stmt[0].line)
    if not after or after[0].low not in ACTIONS:
        raise ParseError("unknown action %r in rule" % (after[0].value if after else ""), source, stmt[0].line)
    alows = [t.low for t in after]
    else_action = None
    if "else" in alows:
        e = alows.index("else")
        else_part, after = after[e:], after[:e]
        else_lows = [t.low for t in else_part]
        if "then" in else_lows:
            else_action = _text(else_part[else_lows.index("then") + 1:]) or None
    action_name = after[0].low
    command = None
    if action_name == "exec":
        if len(after) < 2 or after[1].kind not in ("string", "word"):
            raise ParseError("exec action without a command", source, stmt[0].line)
        command = after[1].value
    return {"condition": _text(cond), "action": _text(after), "action_name": action_name, "command": command,
            "else_action": else_action, "raw": _text(stmt), "line": stmt[0].line}


def _new_check(stmt, source):
    if len(stmt) < 3 and not (len(stmt) == 2 and stmt[1].low == "system"):
        raise ParseError("incomplete check statement: %s" % _text(stmt), source, stmt[0].line)
    ctype = stmt[1].low
    if ctype == "device":
        ctype = "filesystem"
    if ctype not in CHECK_TYPES:
        raise ParseError("unknown check type %r" % stmt[1].value, source, stmt[0].line)
    name = stmt[2].value if len(stmt) > 2 else "$HOST"
    rest = _words(stmt[3:])
    path, kind = None, None
    for i, tok in enumerate(rest):
        if tok.low in PATH_KINDS:
            if i + 1 >= len(rest) or rest[i + 1].kind not in ("string", "word"):
                raise ParseError("check %s %r: %s without a value" % (ctype, name, tok.low), source, stmt[0].line)
            path, kind = rest[i + 1].value, tok.low
            break
    needs = {"process": "pidfile or matching", "host": "address", "network": "address or interface"}
    if path is None and ctype != "system":
        raise ParseError("check %s %r needs %s" % (ctype, name, needs.get(ctype, "path")), source, stmt[0].line)
    return {"type": ctype, "name": name, "path": path, "path_kind": kind,
            "start_program": None, "stop_program": None, "restart_program": None,
            "rules": [], "depends_on": [], "group": [], "mode": "active", "every": None, "other": [],
            "source": source, "line": stmt[0].line, "raw": _text(stmt)}


def _set(stmt, settings, source):
    if len(stmt) < 2:
        raise ParseError("'set' without a setting", source, stmt[0].line)
    what = stmt[1].low or stmt[1].value
    args = _words(stmt[2:])
    settings["set"].append({"keyword": what, "raw": _text(stmt), "line": stmt[0].line})
    if what == "daemon":
        if not args or not args[0].value.isdigit():
            raise ParseError("'set daemon' needs an interval in seconds", source, stmt[0].line)
        settings["daemon_interval"] = int(args[0].value)
        lows = [t.low for t in args]
        if "delay" in lows and lows.index("delay") + 1 < len(args) and args[lows.index("delay") + 1].value.isdigit():
            settings["start_delay"] = int(args[lows.index("delay") + 1].value)
    elif what in ("log", "logfile") and args:
        settings["log"] = args[0].value
    elif what == "httpd":
        httpd = {"port": None, "address": None, "unixsocket": None, "allow": []}
        for i, tok in enumerate(args[:-1]):
            if tok.low == "port" and args[i + 1].value.isdigit():
                httpd["port"] = int(args[i + 1].value)
            elif tok.low in ("address", "unixsocket"):
                httpd[tok.low] = args[i + 1].value
            elif tok.low == "allow":
                httpd["allow"].append(args[i + 1].value)
        settings["httpd"] = httpd


def parse_monit_config(text, source=None):
    """Parse a monit control file: ``{"checks": [...], "settings": {...}, "includes": [...]}``."""
    if not isinstance(text, str):
        raise ParseError("monit config must be a string, got %s" % type(text).__name__, source)
    tokens, comments = _tokenize(text, source)
    settings = {"daemon_interval": None, "start_delay": None, "log": None, "httpd": None, "set": []}
    checks, includes, check = [], [], None
    top_lines = []  # lines of top-level statements: they end a check's block
    for stmt in _statements(tokens, source):
        head = stmt[0].low
        if head in TOP_KEYWORDS:
            top_lines.append(stmt[0].line)
            check = None
            if head == "check":
                check = _new_check(stmt, source)
                checks.append(check)
            elif head == "set":
                _set(stmt, settings, source)
            else:
                if len(stmt) < 2 or stmt[1].kind not in ("word", "string"):
                    raise ParseError("include without a file or glob", source, stmt[0].line)
                includes.append(stmt[1].value)
            continue
        if check is None:
            raise ParseError("%r statement outside a check block" % stmt[0].value, source, stmt[0].line)
        _check_statement(check, stmt, source)
    _attach_commented_programs(checks, comments, top_lines)
    for check in checks:
        check.pop("_end", None)
    return {"checks": checks, "settings": settings, "includes": includes}


def _check_statement(check, stmt, source):
    head = stmt[0].low
    if head == "if":
        check["rules"].append(_rule(stmt, source))
    elif head in ("start", "stop", "restart"):
        check["%s_program" % head] = _program(stmt, source)
    elif head == "depends":
        check["depends_on"].extend(t.value for t in _words(stmt[1:]) if t.kind in ("word", "string"))
    elif head == "group" and len(stmt) > 1:
        check["group"].append(stmt[1].value)
    elif head == "mode" and len(stmt) > 1:
        check["mode"] = stmt[1].value.lower()
    elif head in ("every", "not"):
        args = stmt[2:] if head == "not" else stmt[1:]
        if args and args[0].kind == "string":
            check["every"] = {"cron": args[0].value, "not": head == "not"}
        elif args and args[0].value.isdigit():
            check["every"] = {"cycles": int(args[0].value)}
        else:
            raise ParseError("'every' needs a number of cycles or a cron string", source, stmt[0].line)
    else:
        check["other"].append({"raw": _text(stmt), "line": stmt[0].line})


def _attach_commented_programs(checks, comments, top_lines):
    """Record ``#start program = "..."`` lines commented out inside a check's block."""
    comment_lines = [line for line, _text in comments]  # ascending, like top_lines
    for check in checks:
        nxt = bisect.bisect_right(top_lines, check["line"])
        end = top_lines[nxt] if nxt < len(top_lines) else float("inf")
        for line, text in comments[bisect.bisect_right(comment_lines, check["line"]):]:
            if line >= end:
                break
            if _COMMENTED_TOP_RE.match(text):
                break  # a commented-out example check starts here: the block is over
            m = _COMMENTED_PROGRAM_RE.match(text)
            if not m:
                continue
            slot = "%s_program" % m.group(1).lower()
            if check[slot] is None:
                command = next(g for g in m.group(2, 3, 4) if g is not None)
                check[slot] = {"command": command, "timeout": _timeout_from_text(m.group(5)), "commented": True,
                               "line": line}


def _timeout_from_text(text):
    m = _TIMEOUT_RE.search(text or "")
    if not m:
        return None
    if (m.group(2) or "seconds").lower().startswith("cycle"):
        return "%s cycles" % m.group(1)
    return int(m.group(1))


def parse_monit(text, source=None):
    """Parse monit control file text into a list of checks."""
    return parse_monit_config(text, source)["checks"]


# --------------------------------------------------------------------------- systemd helpers

def unit_of_command(command):
    """Unit started/queried by a shell command (``systemctl restart nginx`` -> ``nginx``), or None."""
    for regex in _UNIT_RES:
        m = regex.search(command or "")
        if m:
            unit = m.group(1)
            return unit[:-len(".service")] if unit.endswith(".service") else unit
    return None


def check_unit(check):
    """The systemd unit (without ``.service``) a check watches or acts on, or None."""
    commands = []
    for slot in ("start_program", "restart_program", "stop_program"):
        if check.get(slot):
            commands.append(check[slot]["command"])
    if check.get("type") == "program":
        commands.append(check.get("path"))
    commands.extend(r["command"] for r in check.get("rules", []) if r.get("command"))
    for command in commands:
        unit = unit_of_command(command)
        if unit:
            return unit
    if check.get("type") == "process":
        return check.get("name")
    return None


def _norm_unit(unit):
    unit = str(unit)
    return unit[:-len(".service")] if unit.endswith(".service") else unit


def parse_systemctl_show(text):
    """``systemctl show`` blocks keyed by unit name without ``.service`` (see systemd.parse_systemctl_show)."""
    return {_norm_unit(unit): props for unit, props in _parse_show(text).items()}


# --------------------------------------------------------------------------- audit

def _usable(program):
    return bool(program) and not program.get("commented")


def _where(check, line=None):
    return "%s:%s" % (check.get("source") or "monitrc", line if line is not None else check.get("line"))


def _recovery(check):
    """(recovers, reason): can this check start its service again once it has stopped?"""
    mode = check.get("mode") or "active"
    start = check.get("start_program")
    can_start = _usable(start) or _usable(check.get("restart_program"))
    no_start = "start program commented out" if start and start.get("commented") else "no start program"
    if check["type"] == "process":
        if mode in ("passive", "manual"):
            return False, "mode %s: monit never starts it" % mode
        return (True, "") if _usable(start) else (False, no_start)
    if check["type"] == "program" and "is-enabled" in (check.get("path") or ""):
        return False, "'systemctl is-enabled' only says whether it starts at boot, not whether it runs"
    if check["type"] in ("program", "host", "network"):
        down_word = "status" if check["type"] == "program" else "failed"
        reason = "no rule fires when it is down"
        for rule in check.get("rules", []):
            if down_word not in rule["condition"].lower():
                continue
            if rule["action_name"] == "exec":
                return True, ""
            if rule["action_name"] in ("restart", "start"):
                if can_start and mode == "active":
                    return True, ""
                reason = "rule '%s' restarts but %s" % (rule["raw"], no_start)
        return False, reason
    return False, "%s check: a stopped service writes nothing, so no %s rule fires" % (check["type"], check["type"])


def audit(checks, monit_running, unit_restart=None, unit_active=None, services=None):
    """Audit parsed checks: will monit bring a stopped service back? Returns findings."""
    findings = []
    unit_restart = {_norm_unit(k): v for k, v in (unit_restart or {}).items()}
    unit_active = {_norm_unit(k): v for k, v in (unit_active or {}).items()}
    by_unit = {}
    for check in checks or []:
        unit = check_unit(check)
        if unit:
            by_unit.setdefault(_norm_unit(unit), []).append(check)
    for service in services or []:
        by_unit.setdefault(_norm_unit(service), [])

    for unit in sorted(by_unit):
        unit_checks = by_unit[unit]
        verdicts = [(c, _recovery(c)) for c in unit_checks]
        if any(ok for _c, (ok, _r) in verdicts):
            continue
        evidence, reasons = [], []
        for check, (_ok, reason) in verdicts:
            evidence.append("%s: %s" % (_where(check), check["raw"]))
            for slot in ("start_program", "restart_program"):
                prog = check.get(slot)
                if prog and prog.get("commented"):
                    evidence.append("%s: # %s program = \"%s\" (commented out)" % (
                        _where(check, prog["line"]), slot.split("_", 1)[0], prog["command"]))
            evidence.extend("%s: %s" % (_where(check, r["line"]), r["raw"]) for r in check.get("rules", []))
            reasons.append("%s: %s" % (check["name"], reason))
        if not unit_checks:
            reasons.append("no monit check watches it")
        if unit in unit_active:
            evidence.append("%s.service: ActiveState=%s" % (unit, unit_active[unit]))
        restart = unit_restart.get(unit)
        covered = restart not in (None, "no")  # systemd restarts it when its process dies
        findings.append(finding(
            "no_recovery_for_stopped_service", "warning" if covered else "critical",
            "monit never starts %s again once it has stopped (%s)%s" % (
                unit, "; ".join(reasons),
                "; systemd Restart=%s brings it back after a crash, not after a stop or failed start" % restart
                if covered else ""),
            evidence=evidence,
            remedy='add "check process %s with pidfile /run/%s.pid" with start program = "/bin/systemctl start %s" '
                   'and stop program = "/bin/systemctl stop %s", and set Restart=on-failure in the unit' % (
                       unit, unit, unit, unit),
            fixable=not covered,
            data={"service": unit, "checks": [c["name"] for c in unit_checks], "reasons": reasons,
                  "active_state": unit_active.get(unit), "systemd_restart": restart}))

    for check in checks or []:
        for rule in check.get("rules", []):
            m = _RESTART_LOOP_RE.search(rule["condition"])
            if m and rule["action_name"] in ("unmonitor", "timeout"):
                findings.append(finding(
                    "restart_loop_then_unmonitor", "warning",
                    "monit stops watching %s for good after %s restarts within %s cycles" % (
                        check["name"], m.group(1), m.group(2)),
                    evidence=["%s: %s" % (_where(check, rule["line"]), rule["raw"])],
                    remedy="replace '%s' with 'then alert' (or remove it) so monit keeps restarting %s; "
                           "re-enable now with 'monit monitor %s'" % (rule["action"], check["name"], check["name"]),
                    fixable=True,
                    data={"service": check_unit(check) or check["name"], "check": check["name"],
                          "restarts": int(m.group(1)), "cycles": int(m.group(2)), "action": rule["action_name"]}))

    if checks and monit_running is False:
        acting = [c["name"] for c in checks if _recovery(c)[0]]
        findings.append(finding(
            "monit_not_running", "critical" if acting else "warning",
            "monit is not running, so none of its %d checks is evaluated%s" % (
                len(checks), " (it was the recovery path for %s)" % ", ".join(acting) if acting else ""),
            evidence=["systemctl is-active monit: not active"] + ["%s: %s" % (_where(c), c["raw"]) for c in checks],
            remedy="systemctl enable --now monit",
            fixable=True,
            data={"checks": [c["name"] for c in checks], "recovering_checks": acting}))

    for unit in sorted(by_unit):
        if unit_restart.get(unit) == "no":
            findings.append(finding(
                "systemd_restart_missing", "warning",
                "%s.service has Restart=no: systemd does not restart it when it dies" % unit,
                evidence=["%s.service: Restart=no" % unit]
                + ["%s: %s" % (_where(c), c["raw"]) for c in by_unit[unit]],
                remedy="add a drop-in /etc/systemd/system/%s.service.d/restart.conf with [Service] "
                       "Restart=on-failure and RestartSec=5s, then systemctl daemon-reload" % unit,
                fixable=True,
                data={"service": unit, "restart": "no"}))
    return findings
