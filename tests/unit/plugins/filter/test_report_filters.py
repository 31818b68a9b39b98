"""The report filters wrap the core and turn bad input into AnsibleFilterError."""

import pytest
from ansible.errors import AnsibleFilterError

from ansible_collections.sre.remediation.plugins.filter.findings_report import FilterModule as ReportFilters
from ansible_collections.sre.remediation.plugins.filter.report_markdown import FilterModule as MarkdownFilters

findings_report = ReportFilters().filters()["findings_report"]
report_markdown = MarkdownFilters().filters()["report_markdown"]


def test_filters_round_trip():
    report = findings_report({"h1": {"findings": [], "changes": [], "data": {}}}, meta={"title": "T"})
    assert report["status"] == "ok"
    assert report_markdown(report).startswith("# T\n")
    assert findings_report({"h1": None}, summary=True)["status"] == "attention"


def test_filters_reject_bad_input_clearly():
    with pytest.raises(AnsibleFilterError, match="findings_report: .*findings schema"):
        findings_report({"h1": {"findings": [{"id": "x"}]}})
    with pytest.raises(AnsibleFilterError, match="report_markdown: input is not a findings_report report"):
        report_markdown({"foo": 1})
