# -*- coding: utf-8 -*-
# Copyright: (c) 2026, sre.remediation contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import annotations

DOCUMENTATION = r"""
name: nomad_job_status
short_description: Parse C(nomad status <job>) / C(nomad job status <job>)
version_added: 1.0.0
description:
  - Parses the KV block, the C(Summary), C(Evaluations), C(Placement Failure) and C(Allocations) sections of
    one job's status, for every Nomad version; other sections are kept as raw lines.
  - Placement-failure bullets of all versions are normalised to a C(kind) (C(no_nodes_eligible),
    C(datacenter_unavailable), C(class_filtered), C(constraint_filtered), C(resources_exhausted),
    C(class_exhausted), C(dimension_exhausted), C(quota_limit), C(unknown)) with C(count) and C(subject).
  - Also accepts C(nomad job status -json <job>) (1.7.6+).
options:
  _input:
    description: Output of C(nomad job status -no-color <job>).
    type: raw
    required: true
author: sre.remediation contributors (@sre-remediation)
"""

EXAMPLES = r"""
- name: Why is this build queued?
  ansible.builtin.debug:
    msg: "{{ (out.stdout | sre.remediation.nomad_job_status).placement_failures }}"
"""

RETURN = r"""
_value:
  description: Dict with C(fields) (KV block), C(summary) (per task group counts), C(placement_failures) (list of
    C(task_group), C(reasons)), C(placement_failures_truncated), C(allocations), C(sections) and, when present,
    C(evaluations).
  type: dict
"""

from ansible.errors import AnsibleFilterError
from ansible_collections.sre.remediation.plugins.module_utils.findings import ParseError
from ansible_collections.sre.remediation.plugins.module_utils.nomad import parse_job_status


def nomad_job_status(data):
    """Parse one job's nomad status output into a dict."""
    if not isinstance(data, (str, bytes, list, dict)):
        raise AnsibleFilterError("nomad_job_status: expected the command output as a string, got %s"
                                 % type(data).__name__)
    try:
        return parse_job_status(data)
    except (ParseError, TypeError) as exc:
        raise AnsibleFilterError("nomad_job_status: %s" % exc) from exc


class FilterModule:
    def filters(self):
        return {"nomad_job_status": nomad_job_status}
