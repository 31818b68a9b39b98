# -*- coding: utf-8 -*-
# Copyright: (c) 2026, sre.remediation contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import annotations

DOCUMENTATION = r"""
name: findings_report
version_added: 1.0.0
short_description: Build the common sre.remediation report from per-host findings
description:
  - Aggregates per-host findings, changes and data into one report with totals per severity and per host.
  - Validates every finding against the collection's findings schema.
author: sre.remediation contributors (@sre-remediation)
options:
  _input:
    description: Dictionary of host name to C({findings, changes, data}), or null for a host without result.
    type: dict
    required: true
  meta:
    description: Free-form metadata stored under C(meta) (title, playbook, run id, check mode, ...).
    type: dict
    default: {}
  summary:
    description: Return the compact summary used for C(set_stats) instead of the full report.
    type: bool
    default: false
"""

EXAMPLES = r"""
- name: Build the report on the controller
  ansible.builtin.set_fact:
    report: "{{ results | sre.remediation.findings_report(meta={'title': 'fix-logtail'}) }}"
  vars:
    results:
      web1:
        findings: []
        changes: []
"""

RETURN = r"""
_value:
  description: The report, with keys C(report_version), C(meta), C(status) (ok or attention), C(totals) and C(hosts).
  type: dict
"""

from ansible.errors import AnsibleFilterError

from ansible_collections.sre.remediation.plugins.module_utils.report import build_report, stats_summary


def findings_report(results, meta=None, summary=False):
    try:
        report = build_report(results, meta or {})
    except (TypeError, ValueError) as exc:
        raise AnsibleFilterError("findings_report: %s" % exc) from exc
    return stats_summary(report) if summary else report


class FilterModule:
    def filters(self):
        return {"findings_report": findings_report}
