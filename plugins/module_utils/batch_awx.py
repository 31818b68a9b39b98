# -*- coding: utf-8 -*-
# Copyright: (c) 2026, sre.remediation contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Turn a crontab of ``remoteexe`` lines into AWX job templates and schedules (config as code).

A legacy line::

    */5 * * * * /usr/local/bin/remoteexe host_sum_batch02 "/opt/batch/bin/sum.sh --keep 7" >/dev/null 2>&1

becomes one job template (``playbooks/run-batch.yml`` limited to the host, ``batch_job_argv`` from the quoted
script string split like a shell would, a survey for the arguments and the timeout) and one schedule
(``rrule`` from :func:`cron_rrule.cron_to_rrule`).  Lines that cannot be converted exactly are listed in
``errors`` with their line number and the reason - never an exception for one bad line.

Supported: comments, blank lines, ``NAME=value`` lines (``CRON_TZ``/``TZ`` change the time zone of the
lines after them), 5-field schedules and ``@hourly``-style macros, optional user field (system crontab),
output redirections at the end of the command.  Rejected per line: anything that is not
``[path/]remoteexe <host> "<script> [args]"`` (pipes, ``;``, ``&&``, cron's ``%``), schedules
:func:`cron_to_rrule` rejects, and remoteexe usage errors (missing or extra arguments).

Pure Python 3.8+, standard library only (the controller-side filter adds the python-dateutil check).
"""

from __future__ import annotations

import re
import shlex

from ansible_collections.sre.remediation.plugins.module_utils.cron_rrule import cron_to_rrule
from ansible_collections.sre.remediation.plugins.module_utils.findings import ParseError, finding

_ENV = re.compile(r"([A-Za-z_][A-Za-z0-9_]*)\s*=\s*(.*)\Z")
_REDIRECT = re.compile(r"[0-9]*(>>?|<)|&>>?")
_REDIRECT_OP = re.compile(r"([0-9]*(>>?|<)|&>>?)\Z")
_SHELL_OPS = ("|", "||", "&&", ";", "&")
_NAME_BAD = re.compile(r"[^A-Za-z0-9_.-]+")
_DTSTART = re.compile(r"DTSTART;TZID=([^:]+):([0-9]{8})T([0-9]{6}) (.*)\Z")
JT_REQUIRED = ("name", "job_type", "inventory", "project", "playbook")
SCHEDULE_REQUIRED = ("name", "unified_job_template", "rrule")


def _unquote_env(value):
    value = value.strip()
    if len(value) >= 2 and value[0] == value[-1] and value[0] in "'\"":
        return value[1:-1]
    return value


def _strip_redirections(tokens):
    """Tokens of the command without its redirections; ParseError for shell operators."""
    out = []
    target_next = False
    for tok in tokens:
        if target_next:
            target_next = False
            continue
        if tok in _SHELL_OPS:
            raise ParseError("shell operator %r: only a plain remoteexe command can become a job template" % tok)
        if _REDIRECT_OP.match(tok):
            target_next = True  # "> file": the target is the next token
            continue
        if _REDIRECT.match(tok):
            continue  # ">file", "2>&1", "2>/dev/null"
        out.append(tok)
    if target_next:
        raise ParseError("redirection without a target at the end of the command")
    return out


def parse_line(line, system=False):
    """Parse one crontab line.  Returns None (comment/blank), ``{'env': (name, value)}`` or
    ``{'cron', 'user', 'command', 'tokens'}``; raises ParseError with the reason."""
    text = line.strip()
    if not text or text.startswith("#"):
        return None
    m = _ENV.match(text)
    if m and not text.startswith("@") and not text[:1].isdigit() and not text.startswith("*"):
        return {"env": (m.group(1), _unquote_env(m.group(2)))}
    parts = text.split(None, 1 if text.startswith("@") else 5)
    nfields = 1 if text.startswith("@") else 5
    if len(parts) <= nfields:
        raise ParseError("no command after the schedule")
    cron = " ".join(parts[:nfields])
    rest = parts[nfields]
    user = None
    if system:
        user_cmd = rest.split(None, 1)
        if len(user_cmd) < 2:
            raise ParseError("system crontab line without user or command")
        user, rest = user_cmd
    if re.search(r"(?<!\\)%", rest):
        raise ParseError("cron turns an unescaped %% into a newline (stdin of the command): not supported")
    try:
        tokens = shlex.split(rest.replace("\\%", "%"), posix=True)
    except ValueError as exc:
        raise ParseError("cannot split the command like a shell: %s" % exc) from None
    return {"cron": cron, "user": user, "command": rest, "tokens": _strip_redirections(tokens)}


def remoteexe_job(tokens, wrappers=("remoteexe",)):
    """(host, argv) of a ``remoteexe <host> "<script> [args]"`` command; ParseError otherwise."""
    if not tokens or tokens[0].rsplit("/", 1)[-1] not in wrappers:
        got = tokens[0] if tokens else ""
        raise ParseError("not a remoteexe command (%s expected, got %r)" % ("/".join(wrappers), got))
    args = tokens[1:]
    if len(args) != 2:
        raise ParseError("remoteexe takes exactly 2 arguments, <host> \"<script> [args]\", got %d (%s): the legacy "
                         "wrapper exits 10 (usage error) for this line" % (len(args), " ".join(args) or "none"))
    host, script = args
    try:
        argv = shlex.split(script, posix=True)
    except ValueError as exc:
        raise ParseError("cannot split the script string %r: %s" % (script, exc)) from None
    if not host.strip() or not argv:
        raise ParseError("remoteexe needs a host and a script: the legacy wrapper exits 10 (usage error)")
    if "" in argv:
        raise ParseError("empty argument in %r: the survey passes one argument per line and cannot carry it" % script)
    return host, argv


def job_name(host, argv, prefix=""):
    script = argv[0].rsplit("/", 1)[-1]
    script = script.rsplit(".", 1)[0] if "." in script[1:] else script
    return _NAME_BAD.sub("_", "%s%s-%s" % (prefix, host, script)).strip("._-")[:100] or "batch"


def plan(text, tz="UTC", dtstart=None, options=None):
    """The AWX objects for a crontab text.  ``options``: ``project``, ``inventory``, ``playbook``
    (default ``playbooks/run-batch.yml``), ``organization``, ``execution_environment``, ``timeout`` (default
    job timeout, 3600), ``host_map`` (legacy host -> inventory host), ``prefix`` (of names), ``system``
    (system crontab with a user field), ``source`` (file name, for descriptions), ``wrappers``,
    ``existing_schedules`` (the schedules already in AWX, ``[{name, rrule}]``: see :func:`keep_start_date`).
    Returns ``{source, timezone, job_templates, schedules, errors, lines}``."""
    if isinstance(text, bytes):
        text = text.decode("utf-8", "replace")
    if not isinstance(text, str):
        raise ParseError("crontab must be text, got %s" % type(text).__name__)
    opts = dict(options or {})
    playbook = opts.get("playbook") or "playbooks/run-batch.yml"
    timeout = opts.get("timeout", 3600)
    host_map = opts.get("host_map") or {}
    prefix = opts.get("prefix") or ""
    source = opts.get("source") or "crontab"
    wrappers = tuple(opts.get("wrappers") or ("remoteexe",))
    current = [sc for sc in opts.get("existing_schedules") or []
               if isinstance(sc, dict) and isinstance(sc.get("name"), str) and isinstance(sc.get("rrule"), str)]
    current_rrules = {sc["name"]: sc["rrule"] for sc in current}
    templates = {}
    schedules = []
    errors = []
    lines = 0
    zone = tz
    for lineno, raw in enumerate(text.splitlines(), 1):
        try:
            parsed = parse_line(raw, system=bool(opts.get("system")))
            if parsed is None:
                continue
            if "env" in parsed:
                name, value = parsed["env"]
                if name in ("CRON_TZ", "TZ"):
                    zone = value or tz
                continue
            lines += 1
            rrule = cron_to_rrule(parsed["cron"], zone, dtstart)
            host, argv = remoteexe_job(parsed["tokens"], wrappers)
        except ParseError as exc:
            errors.append({"lineno": lineno, "line": raw.strip(), "error": str(exc)})
            continue
        target = host_map.get(host, host)
        name = job_name(target, argv, prefix)
        existing = templates.get(name)
        if existing is not None and existing["argv"] != argv:
            name = "%s-l%d" % (name, lineno)
            existing = None
        if existing is None:
            templates[name] = {
                "name": name,
                "description": "Batch job %s on %s (from %s line %d, was remoteexe)" % (
                    " ".join(shlex.quote(a) for a in argv), target, source, lineno),
                "job_type": "run",
                "organization": opts.get("organization"),
                "inventory": opts.get("inventory"),
                "project": opts.get("project"),
                "playbook": playbook,
                "execution_environment": opts.get("execution_environment"),
                "limit": target,
                # argv and timeout come from the survey (its defaults when a schedule launches the job): an
                # extra var batch_job_argv would override what the survey answers
                "extra_vars": {"batch_hosts": target, "batch_job_name": name},
                "argv": argv,
                "allow_simultaneous": False,
                "ask_variables_on_launch": False,
                "survey_enabled": True,
                "survey_spec": survey(name, argv, timeout),
            }
        sched_name = "%s @ %s" % (name, parsed["cron"]) if len(parsed["cron"]) <= 40 else "%s line %d" % (name, lineno)
        schedules.append({
            "name": sched_name,
            "unified_job_template": name,
            "rrule": keep_start_date(rrule, current_rrules.get(sched_name)),
            "enabled": True,
            "description": "%s line %d: %s" % (source, lineno, raw.strip())[:512],
            "cron": parsed["cron"],
            "timezone": zone,
            "lineno": lineno,
        })
    return {"source": source, "timezone": tz, "job_templates": list(templates.values()), "schedules": schedules,
            "errors": errors, "lines": lines, "stale_schedules": stale_schedules(current, templates, schedules)}


def stale_schedules(current, templates, schedules):
    """Schedules in AWX that belong to a planned job template but are no longer planned (the crontab line was
    changed or removed): ``[{name, unified_job_template}]``.  Schedules of other templates are not ours."""
    planned = set(sc["name"] for sc in schedules)
    out = []
    for sc in current:
        owner = ((sc.get("summary_fields") or {}).get("unified_job_template") or {}).get("name")
        if owner in templates and sc["name"] not in planned:
            out.append({"name": sc["name"], "unified_job_template": owner})
    return sorted(out, key=lambda sc: (sc["unified_job_template"], sc["name"]))


def keep_start_date(rrule, current):
    """``current`` (the schedule's rrule in AWX) when it differs from ``rrule`` only in DTSTART's date, else ``rrule``.

    Without an explicit start date the plan starts today; re-applying it on another day would otherwise rewrite
    every schedule although none fires differently (the rules fix the time of day, the date only says from when).
    """
    if not current or current == rrule:
        return rrule
    ours, theirs = _DTSTART.match(rrule), _DTSTART.match(current)
    if ours and theirs and ours.group(1, 3, 4) == theirs.group(1, 3, 4):
        return current
    return rrule


def survey(name, argv, timeout):
    """AWX survey: the arguments (one per line, so no shell splitting) and the timeout."""
    return {
        "name": "Batch job %s" % name,
        "description": "Arguments and timeout of the batch job",
        "spec": [
            {"question_name": "Program and arguments, one per line", "variable": "batch_job_argv_lines",
             "type": "textarea", "required": True, "default": "\n".join(argv),
             "question_description": "Passed as argv (no shell): each line is exactly one argument.",
             "min": 1, "max": 4096},
            {"question_name": "Timeout in seconds (0 = none)", "variable": "batch_job_timeout",
             "type": "integer", "required": True, "default": timeout, "min": 0, "max": 604800,
             "question_description": "timeout(1) sends TERM after this many seconds, KILL 10 s later."},
        ],
    }


def validate(the_plan, rrule_check=None):
    """Problems of a plan (list of str, empty when it is fine): required fields, unique names, every
    schedule's template exists, survey variables; ``rrule_check(rrule)`` raises for a bad rule."""
    problems = []
    if not isinstance(the_plan, dict):
        return ["plan must be a dict"]
    names = set()
    for jt in the_plan.get("job_templates", []):
        for key in JT_REQUIRED:
            if not jt.get(key):
                problems.append("job template %r: %s is required" % (jt.get("name"), key))
        if jt.get("name") in names:
            problems.append("job template %r: duplicate name" % jt.get("name"))
        names.add(jt.get("name"))
        argv = jt.get("argv")
        if not isinstance(argv, list) or not argv or not all(isinstance(a, str) and a and "\n" not in a for a in argv):
            problems.append("job template %r: argv must be a non-empty list of non-empty one-line strings"
                            % jt.get("name"))
        extra = jt.get("extra_vars") or {}
        if "batch_job_argv" in extra or not extra.get("batch_job_name"):
            problems.append("job template %r: extra_vars must name the job (batch_job_name) and leave batch_job_argv "
                            "to the survey" % jt.get("name"))
        questions = {q.get("variable"): q for q in (jt.get("survey_spec") or {}).get("spec", [])}
        if not jt.get("survey_enabled") or sorted(questions) != ["batch_job_argv_lines", "batch_job_timeout"]:
            problems.append("job template %r: an enabled survey must ask batch_job_argv_lines and batch_job_timeout"
                            % jt.get("name"))
        elif isinstance(argv, list) and questions["batch_job_argv_lines"].get("default") != "\n".join(argv):
            problems.append("job template %r: the survey default of batch_job_argv_lines is not the argv"
                            % jt.get("name"))
    schedule_names = set()
    for sc in the_plan.get("schedules", []):
        for key in SCHEDULE_REQUIRED:
            if not sc.get(key):
                problems.append("schedule %r: %s is required" % (sc.get("name"), key))
        if sc.get("name") in schedule_names:
            problems.append("schedule %r: duplicate name" % sc.get("name"))
        schedule_names.add(sc.get("name"))
        if sc.get("unified_job_template") not in names:
            problems.append("schedule %r: job template %r is not in the plan"
                            % (sc.get("name"), sc.get("unified_job_template")))
        if rrule_check is not None and sc.get("rrule"):
            try:
                rrule_check(sc["rrule"])
            except Exception as exc:  # noqa: BLE001 - any rejection of the rule is a problem to report
                problems.append("schedule %r: rrule %r does not parse: %s" % (sc.get("name"), sc["rrule"], exc))
    return problems


def plan_findings(the_plan):
    """Findings for a plan: one warning per unsupported crontab line, one critical per validation problem."""
    out = []
    for err in the_plan.get("errors", []):
        out.append(finding("crontab_line_unsupported", "warning",
                           "crontab line %d cannot become an AWX schedule: %s" % (err["lineno"], err["error"]),
                           [err["line"]], "Rewrite the line as the error says, or schedule it by hand in AWX.",
                           data={"lineno": err["lineno"]}))
    for stale in the_plan.get("stale_schedules", []):
        out.append(finding("awx_schedule_stale", "warning",
                           "AWX schedule %r of job template %r is not in the crontab any more: it still fires"
                           % (stale["name"], stale["unified_job_template"]),
                           ["schedule %r on %r" % (stale["name"], stale["unified_job_template"])],
                           "Re-run with batch_awx_prune=true to delete it, or delete it in AWX by hand.",
                           fixable=True, data=dict(stale)))
    for problem in (the_plan.get("validation") or {}).get("problems", []):
        out.append(finding("awx_plan_invalid", "critical", problem, [problem],
                           "The planned AWX objects are inconsistent: fix the crontab or the batch_awx_* variables.",
                           data={}))
    return out
