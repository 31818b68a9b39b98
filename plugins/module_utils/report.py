# -*- coding: utf-8 -*-
# Copyright: (c) 2026, sre.remediation contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Build the end-of-play report (JSON-able dict and Markdown) from per-host results.

Pure Python, no Ansible imports. Used by the filters findings_report and report_markdown,
which the sre.remediation.report role runs on the controller.
"""

from __future__ import annotations

from ansible_collections.sre.remediation.plugins.module_utils.findings import (
    SEVERITIES,
    count_by_severity,
    sort_findings,
    validate,
    worst,
)

REPORT_VERSION = 1


def _host_entry(name, result):
    if not isinstance(result, dict):
        return {"host": name, "status": "no_result", "findings": [], "changes": [], "data": {},
                "worst": None, "open": 0, "fixed": 0}
    findings = sort_findings(result.get("findings") or [])
    for item in findings:
        problems = validate(item)
        if problems:
            raise ValueError("host %s: finding %r does not follow the findings schema: %s"
                             % (name, item.get("id") if isinstance(item, dict) else item, "; ".join(problems)))
    open_findings = [f for f in findings if not f.get("fixed") and f.get("severity") != "info"]
    return {
        "host": name,
        "status": "attention" if open_findings else "ok",
        "worst": worst(open_findings),
        "open": len(open_findings),
        "fixed": sum(1 for f in findings if f.get("fixed")),
        "findings": findings,
        "changes": list(result.get("changes") or []),
        "data": dict(result.get("data") or {}),
    }


def build_report(results, meta=None):
    """results: {host: {"findings": [...], "changes": [...], "data": {...}} or None (no result)}."""
    if not isinstance(results, dict):
        raise TypeError("findings_report expects a dict of host -> result, got %s" % type(results).__name__)
    hosts = [_host_entry(name, results[name]) for name in sorted(results)]
    every = [f for h in hosts for f in h["findings"]]
    open_findings = [f for f in every if not f.get("fixed") and f.get("severity") != "info"]
    totals = {
        "hosts": len(hosts),
        "hosts_ok": sum(1 for h in hosts if h["status"] == "ok"),
        "hosts_attention": sum(1 for h in hosts if h["status"] == "attention"),
        "hosts_no_result": sum(1 for h in hosts if h["status"] == "no_result"),
        "findings": len(every),
        "open": len(open_findings),
        "fixed": sum(1 for f in every if f.get("fixed")),
        "changes": sum(len(h["changes"]) for h in hosts),
        "by_severity": count_by_severity(every),
        "open_by_severity": count_by_severity(open_findings),
        "by_id": {},
    }
    for item in every:
        totals["by_id"][item["id"]] = totals["by_id"].get(item["id"], 0) + 1
    return {
        "report_version": REPORT_VERSION,
        "meta": dict(meta or {}),
        "status": "ok" if not open_findings and not totals["hosts_no_result"] else "attention",
        "totals": totals,
        "hosts": hosts,
    }


def _cell(text):
    return str(text).replace("|", "\\|").replace("\n", " ")


def render_markdown(report):
    meta = report.get("meta", {})
    totals = report["totals"]
    lines = ["# %s" % meta.get("title", "sre.remediation report"), ""]
    for key in ("playbook", "started", "check_mode", "run_id"):
        if key in meta:
            lines.append("- **%s**: %s" % (key.replace("_", " "), meta[key]))
    lines.append("- **status**: %s — %d host(s), %d ok, %d need attention, %d without result"
                 % (report["status"], totals["hosts"], totals["hosts_ok"], totals["hosts_attention"],
                    totals["hosts_no_result"]))
    lines.append("- **findings**: %d (%s); %d fixed, %d open; %d change(s)"
                 % (totals["findings"], ", ".join("%s %d" % (s, totals["by_severity"][s]) for s in SEVERITIES),
                    totals["fixed"], totals["open"], totals["changes"]))
    lines += ["", "| host | status | open | fixed | worst open |", "|---|---|---|---|---|"]
    for host in report["hosts"]:
        row = (host["host"], host["status"], host["open"], host["fixed"], host["worst"] or "-")
        lines.append("| %s | %s | %d | %d | %s |" % row)
    for host in report["hosts"]:
        lines += ["", "## %s" % host["host"]]
        if host["status"] == "no_result":
            lines.append("No result: the host failed or was unreachable before the report.")
            continue
        for key, value in sorted(host["data"].items()):
            lines.append("- %s: %s" % (key, value))
        if host["changes"]:
            lines += ["", "Changes:"] + ["- %s" % c for c in host["changes"]]
        if not host["findings"]:
            lines.append("No findings.")
        for item in host["findings"]:
            state = "fixed" if item.get("fixed") else ("fixable" if item.get("fixable") else "manual")
            lines += ["", "### [%s] %s (%s)" % (item["severity"], item["id"], state), "", _cell(item["summary"])]
            if item.get("remedy"):
                lines += ["", "Remedy: %s" % item["remedy"]]
            if item.get("evidence"):
                lines += ["", "```"] + [str(e) for e in item["evidence"][:20]] + ["```"]
    return "\n".join(lines) + "\n"


def stats_summary(report):
    """The compact summary AWX keeps as job artifacts (set_stats)."""
    return {
        "status": report["status"],
        "meta": report["meta"],
        "totals": report["totals"],
        "hosts": {h["host"]: {"status": h["status"], "open": h["open"], "fixed": h["fixed"],
                              "findings": [f["id"] for f in h["findings"]], "data": h["data"]}
                  for h in report["hosts"]},
    }
