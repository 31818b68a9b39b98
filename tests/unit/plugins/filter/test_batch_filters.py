# -*- coding: utf-8 -*-
# Copyright: (c) 2026, sre.remediation contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Filters batch_run_plan, batch_run_record, batch_run_findings and batch_awx_plan."""

from __future__ import annotations

import pytest
from ansible.errors import AnsibleFilterError

from ansible_collections.sre.remediation.plugins.filter import batch_awx_plan as awx_filter
from ansible_collections.sre.remediation.plugins.filter import batch_run_findings as findings_filter
from ansible_collections.sre.remediation.plugins.filter import batch_run_plan as plan_filter
from ansible_collections.sre.remediation.plugins.filter import batch_run_record as record_filter


def test_filter_modules_expose_their_filter():
    assert plan_filter.FilterModule().filters() == {"batch_run_plan": plan_filter.batch_run_plan}
    assert record_filter.FilterModule().filters() == {"batch_run_record": record_filter.batch_run_record}
    assert findings_filter.FilterModule().filters() == {"batch_run_findings": findings_filter.batch_run_findings}
    assert awx_filter.FilterModule().filters() == {"batch_awx_plan": awx_filter.batch_awx_plan}


def test_plan_record_findings_chain():
    plan = plan_filter.batch_run_plan("sum", argv=["/bin/false"], timeout=5)
    rec = record_filter.batch_run_record({"rc": 1, "stdout": "", "stderr": "boom"}, {"plan": plan, "job": "sum",
                                                                                     "host": "h"})
    assert rec["status"] == "failed"
    assert [f["id"] for f in findings_filter.batch_run_findings(rec)] == ["batch_job_failed"]
    # no result at all (the task never registered one) is a failure, never ok
    assert record_filter.batch_run_record(None, {"plan": plan})["status"] == "failed"


def test_filter_errors_are_ansible_filter_errors():
    with pytest.raises(AnsibleFilterError):
        plan_filter.batch_run_plan("sum", argv=["x"], lock="yes")
    with pytest.raises(AnsibleFilterError):
        record_filter.batch_run_record("text", {"plan": {}})
    with pytest.raises(AnsibleFilterError):
        record_filter.batch_run_record({}, None)
    with pytest.raises(AnsibleFilterError):
        findings_filter.batch_run_findings({})
    with pytest.raises(AnsibleFilterError):
        awx_filter.batch_awx_plan(42)
    with pytest.raises(AnsibleFilterError):
        awx_filter.batch_awx_plan("", options="x")


def test_awx_plan_filter_checks_rules_with_dateutil():
    plan = awx_filter.batch_awx_plan("*/5 * * * * remoteexe h /a.sh\n", options={"project": "p", "inventory": "i"})
    assert plan["validation"] == {"ok": True, "problems": [], "rrule_checked": True}
    with pytest.raises(ValueError):
        awx_filter.check_rrule("DTSTART:20190625T000000 RRULE:FREQ=YEARLY;BYMONTH=2;BYMONTHDAY=30")
