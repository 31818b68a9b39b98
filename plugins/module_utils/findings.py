# -*- coding: utf-8 -*-
# Copyright: (c) 2026, sre.remediation contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""The findings schema shared by every role, module and filter of sre.remediation.

A *finding* is a plain dict (JSON-serialisable, stable keys)::

    {
      "id": "blocked_network_io",       # stable snake_case identifier, never reworded
      "severity": "critical",           # one of info | warning | critical
      "summary": "one sentence a human reads first",
      "evidence": ["lines, rows or frames that prove it", ...],
      "remedy": "what fixes it (exact command or variable)",
      "fixable": True,                  # this collection can fix it (given the right variables)
      "fixed": False,                   # set to True by a role after a verified fix
      "data": {...},                    # optional machine-readable details (gem, version, ip...)
    }

Pure Python: no Ansible imports, so parsers and analysers can use it anywhere.
"""

from __future__ import annotations

SEVERITIES = ("info", "warning", "critical")
_RANK = {name: rank for rank, name in enumerate(SEVERITIES)}
KEYS = ("id", "severity", "summary", "evidence", "remedy", "fixable", "fixed", "data")


class ParseError(ValueError):
    """Raised by every parser of the collection for input it cannot understand.

    The message always names what was wrong (and, when known, the source and line), so a
    wrapper can show it to the user as is.
    """

    def __init__(self, message, source=None, line=None):
        self.source = source
        self.line = line
        where = ""
        if source:
            where += "%s" % source
        if line is not None:
            where += "%sline %d" % (": " if where else "", line)
        super().__init__("%s: %s" % (where, message) if where else message)


def finding(fid, severity, summary, evidence=None, remedy="", fixable=False, fixed=False, data=None):
    """Build one finding, validating the id and severity."""
    if not fid or not isinstance(fid, str) or not fid.replace("_", "").isalnum() or fid.lower() != fid:
        raise ValueError("finding id must be snake_case, got %r" % (fid,))
    if severity not in _RANK:
        raise ValueError("finding severity must be one of %s, got %r" % (", ".join(SEVERITIES), severity))
    if evidence is None:
        evidence = []
    elif isinstance(evidence, str):
        evidence = [evidence]
    return {
        "id": fid,
        "severity": severity,
        "summary": summary,
        "evidence": [str(e) for e in evidence],
        "remedy": remedy or "",
        "fixable": bool(fixable),
        "fixed": bool(fixed),
        "data": dict(data or {}),
    }


def validate(item):
    """Return a list of problems with a finding dict (empty when it follows the schema)."""
    problems = []
    if not isinstance(item, dict):
        return ["finding is not a dict: %r" % (item,)]
    for key in KEYS:
        if key not in item:
            problems.append("missing key %r" % key)
    if item.get("severity") not in _RANK:
        problems.append("bad severity %r" % (item.get("severity"),))
    if not isinstance(item.get("evidence", []), list):
        problems.append("evidence must be a list")
    return problems


def severity_rank(severity):
    return _RANK.get(severity, -1)


def worst(findings):
    """The highest severity among findings, or None for an empty list."""
    best = None
    for item in findings or []:
        if best is None or severity_rank(item.get("severity")) > severity_rank(best):
            best = item.get("severity")
    return best


def sort_findings(findings):
    """Most severe first, then by id (stable, deterministic output for reports)."""
    return sorted(findings or [], key=lambda f: (-severity_rank(f.get("severity")), f.get("id", "")))


def count_by_severity(findings):
    counts = {name: 0 for name in SEVERITIES}
    for item in findings or []:
        if item.get("severity") in counts:
            counts[item["severity"]] += 1
    return counts


def ids(findings):
    return sorted({f.get("id") for f in findings or []})


_SUBJECT_KEYS = ("subject", "unit", "service", "thread", "node", "container", "job", "name")


def subject_of(item):
    """What a finding is about, for matching the same finding across two diagnoses."""
    data = item.get("data") or {}
    for key in _SUBJECT_KEYS:
        if data.get(key) not in (None, ""):
            return "%s=%s" % (key, data[key])
    return ""


def merge_verified(before, after):
    """The verify step shared by every role.

    ``before``: findings of the diagnosis; ``after``: findings of the re-diagnosis after the fix, or None
    when nothing was re-checked (check mode). Returns ``after`` plus every ``before`` finding that the
    re-diagnosis no longer shows, marked ``fixed: True``. A finding counts as the same when its ``id`` and
    its subject (``data.unit``, ``data.service``, ... see ``subject_of``) are equal.
    """
    if after is None:
        return sort_findings([dict(item) for item in before or []])
    seen = {(item.get("id"), subject_of(item)) for item in after}
    fixed = [dict(item, fixed=True) for item in before or [] if (item.get("id"), subject_of(item)) not in seen]
    return sort_findings(list(after) + fixed)
