# -*- coding: utf-8 -*-
# Copyright: (c) 2026, sre.remediation contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""systemd helpers shared by the restart-policy and monit code: `systemctl show` output, time spans,
and the restart-policy analysis. Pure Python, no Ansible imports."""

from __future__ import annotations

import re

from ansible_collections.sre.remediation.plugins.module_utils.findings import ParseError, finding

# Restart= values systemd accepts (systemd.service(5)).
RESTART_VALUES = ("no", "on-success", "on-failure", "on-abnormal", "on-watchdog", "on-abort", "always")
# Type=oneshot units only accept Restart=no or on-failure; we refuse them altogether (see the role docs).
SHOW_PROPERTIES = ("Id", "LoadState", "ActiveState", "SubState", "Type", "Restart", "RestartUSec",
                   "StartLimitBurst", "StartLimitIntervalUSec", "MainPID", "FragmentPath", "DropInPaths")

_UNITS = {"us": 1e-6, "usec": 1e-6, "ms": 1e-3, "msec": 1e-3, "s": 1.0, "sec": 1.0, "second": 1.0, "seconds": 1.0,
          "m": 60.0, "min": 60.0, "minute": 60.0, "minutes": 60.0, "h": 3600.0, "hr": 3600.0, "hour": 3600.0,
          "hours": 3600.0, "d": 86400.0, "day": 86400.0, "days": 86400.0, "w": 604800.0, "week": 604800.0,
          "weeks": 604800.0}
_SPAN = re.compile(r"\s*(\d+(?:\.\d+)?)\s*([a-z]*)")


def norm_unit(name):
    """nginx -> nginx.service; units with a known suffix stay as they are."""
    name = (name or "").strip()
    if re.search(r"\.(service|socket|timer|mount|target|path|slice|scope)$", name):
        return name
    return name + ".service"


def parse_systemctl_show(text):
    """Parse ``systemctl show -p Id,... unit...`` output (blocks separated by blank lines).

    Returns ``{unit id: {property: value}}``, keyed by the block's ``Id`` (``nginx.service``).
    """
    units, block = {}, {}
    for line in (text or "").splitlines() + [""]:
        if not line.strip():
            if block:
                units[block.get("Id") or "unit%d" % len(units)] = block
            block = {}
        elif "=" in line:
            key, value = line.split("=", 1)
            block[key.strip()] = value.strip()
    return units


def parse_timespan(value):
    """systemd time span ("5s", "1min 30s", "100ms", "infinity", "5") -> seconds (float or None for infinity)."""
    text = str(value).strip().lower()
    if text in ("infinity", "inf"):
        return None
    if not text:
        raise ParseError("empty time span")
    pos, total = 0, 0.0
    while pos < len(text):
        match = _SPAN.match(text, pos)
        if not match or match.end() == pos:
            raise ParseError("not a systemd time span: %r" % value)
        number, unit = match.groups()
        if unit and unit not in _UNITS:
            raise ParseError("unknown time unit %r in %r" % (unit, value))
        total += float(number) * _UNITS[unit or "s"]
        pos = match.end()
    return total


def normalise_spec(spec):
    """Validate one restart_policy_services entry and fill defaults. Raises ParseError with a clear message."""
    if not isinstance(spec, dict) or not spec.get("name"):
        raise ParseError("every service needs a name, got %r" % (spec,))
    restart = spec.get("restart", "on-failure")
    if restart not in RESTART_VALUES:
        raise ParseError("service %s: Restart=%s is not a value systemd accepts (%s)"
                         % (spec["name"], restart, ", ".join(RESTART_VALUES)))
    out = {"name": spec["name"], "unit": norm_unit(spec["name"]), "restart": restart,
           "state": spec.get("state", "present")}
    if out["state"] not in ("present", "absent"):
        raise ParseError("service %s: state must be present or absent, got %r" % (spec["name"], out["state"]))
    for key, default in (("restart_sec", "5s"), ("start_limit_interval_sec", "300s")):
        raw = spec.get(key, default)
        seconds = parse_timespan(raw)
        if seconds is None and key == "restart_sec":
            raise ParseError("service %s: %s cannot be infinity" % (spec["name"], key))
        out[key] = raw if isinstance(raw, str) else "%ss" % raw
        out[key + "_seconds"] = seconds
    burst = spec.get("start_limit_burst", 5)
    if not isinstance(burst, int) or isinstance(burst, bool) or burst < 0:
        raise ParseError("service %s: start_limit_burst must be a non-negative integer, got %r" % (spec["name"], burst))
    out["start_limit_burst"] = burst
    return out


def _effective(props):
    try:
        restart_sec = parse_timespan(props.get("RestartUSec", "0"))
        interval = parse_timespan(props.get("StartLimitIntervalUSec", "0"))
    except ParseError:
        restart_sec = interval = None
    return {"restart": props.get("Restart"), "restart_sec": restart_sec, "start_limit_interval_sec": interval,
            "start_limit_burst": int(props["StartLimitBurst"]) if props.get("StartLimitBurst", "").isdigit() else None}


def analyse_restart_policies(specs, units, dropin_name, applied=False):
    """Findings for the wanted policies against ``systemctl show`` data.

    ``blocking`` findings (unit_not_found, oneshot_refused) mean nothing may be changed for that unit.
    With ``applied`` the drop-ins are expected to be in effect: a difference is ``restart_policy_not_effective``.
    """
    findings = []
    for spec in specs:
        unit = spec["unit"]
        props = units.get(unit, {})
        subject = {"unit": unit, "service": spec["name"]}
        if props.get("LoadState") != "loaded":
            findings.append(finding(
                "unit_not_found", "critical", "%s does not exist on this host (LoadState=%s)"
                % (unit, props.get("LoadState", "unknown")),
                evidence=["LoadState=%s" % props.get("LoadState", "")], remedy="install the service or remove it from "
                "restart_policy_services; drop-ins are never written for units that do not exist",
                data=dict(subject, blocking=True)))
            continue
        if spec["state"] == "absent":
            continue
        if props.get("Type") == "oneshot":
            findings.append(finding(
                "oneshot_refused", "critical", "%s is Type=oneshot: a Restart= policy is refused (systemd rejects "
                "Restart=%s for oneshot units, and a oneshot unit has no long-running process to bring back)"
                % (unit, spec["restart"]), evidence=["Type=oneshot", "FragmentPath=%s" % props.get("FragmentPath", "")],
                remedy="supervise the real daemon instead (its own service unit), not the oneshot wrapper",
                data=dict(subject, blocking=True)))
            continue
        eff = _effective(props)
        wanted = {"restart": spec["restart"], "restart_sec": spec["restart_sec_seconds"],
                  "start_limit_interval_sec": spec["start_limit_interval_sec_seconds"],
                  "start_limit_burst": spec["start_limit_burst"]}
        diffs = ["%s: effective %r, wanted %r" % (k, eff[k], v) for k, v in wanted.items() if eff[k] != v]
        shown = ("Restart", "RestartUSec", "StartLimitBurst", "StartLimitIntervalUSec", "DropInPaths")
        evidence = ["%s=%s" % (k, props.get(k, "")) for k in shown]
        if not diffs:
            continue
        if applied:
            findings.append(finding(
                "restart_policy_not_effective", "critical", "%s: the drop-in %s is written but systemd does not "
                "apply it (%s)" % (unit, dropin_name, "; ".join(diffs)), evidence=evidence,
                remedy="systemctl daemon-reload; systemd-analyze verify %s; check for a later drop-in overriding it"
                % unit, data=dict(subject, differences=diffs)))
        elif eff["restart"] == "no":
            findings.append(finding(
                "systemd_restart_missing", "warning", "%s has Restart=no: if its main process dies it stays down"
                % unit, evidence=evidence, remedy="restart_policy_services: [{name: %s, restart: %s}]"
                % (spec["name"], spec["restart"]), fixable=True, data=dict(subject, differences=diffs)))
        else:
            findings.append(finding(
                "restart_policy_differs", "info", "%s restart policy differs from the wanted one (%s)"
                % (unit, "; ".join(diffs)), evidence=evidence, remedy="apply the restart_policy role",
                fixable=True, data=dict(subject, differences=diffs)))
    return findings
