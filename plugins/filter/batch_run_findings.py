# -*- coding: utf-8 -*-
# Copyright: (c) 2026, sre.remediation contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import annotations

DOCUMENTATION = r"""
name: batch_run_findings
version_added: 1.0.0
short_description: Findings for a batch run record (one per failure class)
description:
  - Returns C(batch_job_failed), C(batch_job_lock_busy), C(batch_job_timeout), C(batch_job_unreachable) or
    C(batch_job_usage_error) for a run record from P(sre.remediation.batch_run_record#filter); an empty list for
    C(ok) and C(check_mode).
options:
  _input:
    description: A run record.
    type: dict
    required: true
author: sre.remediation contributors (@sre-remediation)
"""

EXAMPLES = r"""
- name: Findings for the report
  ansible.builtin.set_fact:
    __findings: "{{ __record | sre.remediation.batch_run_findings }}"
"""

RETURN = r"""
_value:
  description: List of findings (the sre.remediation findings schema).
  type: list
  elements: dict
"""

from ansible.errors import AnsibleFilterError

from ansible_collections.sre.remediation.plugins.module_utils.batch_run import findings
from ansible_collections.sre.remediation.plugins.module_utils.findings import ParseError


def batch_run_findings(run):
    try:
        return findings(run)
    except ParseError as exc:
        raise AnsibleFilterError(str(exc)) from exc


class FilterModule:
    def filters(self):
        return {"batch_run_findings": batch_run_findings}
