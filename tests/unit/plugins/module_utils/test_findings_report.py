"""Unit tests for the findings schema helper and the common report."""

import json

import pytest

from ansible_collections.sre.remediation.plugins.module_utils import findings as F
from ansible_collections.sre.remediation.plugins.module_utils.report import (
    build_report,
    render_markdown,
    stats_summary,
)


def test_finding_normalises_and_validates():
    item = F.finding("app_info_ip_empty", "critical", "ip is empty", evidence='"ip" : ""', remedy="set working_ip",
                     fixable=True, data={"ip": ""})
    assert item["evidence"] == ['"ip" : ""']
    assert F.validate(item) == []
    assert list(item) == list(F.KEYS)
    json.dumps(item)  # JSON-serialisable


@pytest.mark.parametrize("fid,severity", [("Bad-Id", "info"), ("", "info"), ("ok_id", "fatal")])
def test_finding_rejects_bad_id_or_severity(fid, severity):
    with pytest.raises(ValueError):
        F.finding(fid, severity, "x")


def test_parse_error_names_source_and_line():
    err = F.ParseError("unknown header 'FOO  BAR'", source="nomad node status", line=3)
    assert str(err) == "nomad node status: line 3: unknown header 'FOO  BAR'"
    assert isinstance(err, ValueError)


def test_sorting_and_worst():
    items = [F.finding("b_info", "info", "x"), F.finding("a_crit", "critical", "x"), F.finding("c_warn", "warning", "x")]
    assert [f["id"] for f in F.sort_findings(items)] == ["a_crit", "c_warn", "b_info"]
    assert F.worst(items) == "critical"
    assert F.worst([]) is None
    assert F.count_by_severity(items) == {"info": 1, "warning": 1, "critical": 1}


def _results():
    crit = F.finding("blocked_network_io", "critical", "stuck", evidence=["frame"], fixable=True)
    fixed = dict(F.finding("app_info_ip_empty", "critical", "empty ip", fixable=True), fixed=True)
    return {
        "web2": {"findings": [F.finding("note", "info", "fyi")], "changes": [], "data": {}},
        "web1": {"findings": [crit, fixed], "changes": ["set working_ip"], "data": {"ip_before": "", "ip_after": "10.0.0.5"}},
        "gone": None,
    }


def test_build_report_totals_and_status():
    report = build_report(_results(), {"title": "t"})
    assert [h["host"] for h in report["hosts"]] == ["gone", "web1", "web2"]
    by_host = {h["host"]: h for h in report["hosts"]}
    assert by_host["web1"]["status"] == "attention" and by_host["web1"]["open"] == 1 and by_host["web1"]["fixed"] == 1
    assert by_host["web2"]["status"] == "ok"  # info findings are not open problems
    assert by_host["gone"]["status"] == "no_result"
    totals = report["totals"]
    assert totals["findings"] == 3 and totals["open"] == 1 and totals["fixed"] == 1 and totals["changes"] == 1
    assert totals["by_id"] == {"blocked_network_io": 1, "app_info_ip_empty": 1, "note": 1}
    assert report["status"] == "attention"


def test_build_report_rejects_findings_that_break_the_schema():
    with pytest.raises(ValueError, match="does not follow the findings schema"):
        build_report({"h": {"findings": [{"id": "x"}]}})
    with pytest.raises(TypeError):
        build_report(["not", "a", "dict"])


def test_markdown_and_summary():
    report = build_report(_results(), {"title": "fix-logtail", "playbook": "fix-logtail"})
    text = render_markdown(report)
    assert text.startswith("# fix-logtail\n")
    assert "| web1 | attention | 1 | 1 | critical |" in text
    assert "### [critical] blocked_network_io (fixable)" in text
    assert "### [critical] app_info_ip_empty (fixed)" in text
    assert "- ip_after: 10.0.0.5" in text
    summary = stats_summary(report)
    assert summary["hosts"]["web1"]["findings"] == ["app_info_ip_empty", "blocked_network_io"]  # severity, then id
    json.dumps(summary)


def test_merge_verified_marks_only_resolved_findings_fixed():
    before = [F.finding("systemd_restart_missing", "warning", "x", data={"unit": "nginx.service"}),
              F.finding("systemd_restart_missing", "warning", "x", data={"unit": "php-fpm.service"}),
              F.finding("monit_not_running", "critical", "x")]
    after = [F.finding("systemd_restart_missing", "warning", "x", data={"unit": "php-fpm.service"}),
             F.finding("monit_not_running", "critical", "x")]
    merged = F.merge_verified(before, after)
    fixed = [(f["id"], f["data"].get("unit")) for f in merged if f["fixed"]]
    assert fixed == [("systemd_restart_missing", "nginx.service")]
    assert len(merged) == 3
    # check mode: nothing re-checked, nothing claimed fixed
    assert not any(f["fixed"] for f in F.merge_verified(before, None))
