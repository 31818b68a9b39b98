# -*- coding: utf-8 -*-
# Copyright: (c) 2026, sre.remediation contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import annotations

DOCUMENTATION = r"""
name: nomad_jobs
short_description: Parse the C(nomad status) / C(nomad job status) job list
version_added: 1.0.0
description:
  - Parses the job list of every Nomad version (C(ID Type Priority Status), plus C(Submit Date) from 0.6 and
    C(Namespace) with C(-namespace=*)).
  - C(dead (stopped)) becomes status C(dead) with C(stopped=true); dates with spaces (0.6, 0.7) are kept whole.
  - Also accepts the C(/v1/jobs) API response. C(No running jobs) gives an empty list.
options:
  _input:
    description: Output of C(nomad status -no-color).
    type: raw
    required: true
author: sre.remediation contributors (@sre-remediation)
"""

EXAMPLES = r"""
- name: Pending (queued) builds
  ansible.builtin.debug:
    msg: "{{ (out.stdout | sre.remediation.nomad_jobs) | selectattr('status', 'equalto', 'pending')
              | map(attribute='id') | list }}"
"""

RETURN = r"""
_value:
  description: List of jobs with keys C(id), C(namespace), C(type), C(priority) (int), C(status), C(stopped) (bool),
    C(submit_date), C(raw).
  type: list
"""

from ansible.errors import AnsibleFilterError
from ansible_collections.sre.remediation.plugins.module_utils.findings import ParseError
from ansible_collections.sre.remediation.plugins.module_utils.nomad import parse_jobs


def nomad_jobs(data):
    """Parse nomad job list output into a list of job dicts."""
    if not isinstance(data, (str, bytes, list, dict)):
        raise AnsibleFilterError("nomad_jobs: expected the command output as a string, got %s"
                                 % type(data).__name__)
    try:
        return parse_jobs(data)
    except (ParseError, TypeError) as exc:
        raise AnsibleFilterError("nomad_jobs: %s" % exc) from exc


class FilterModule:
    def filters(self):
        return {"nomad_jobs": nomad_jobs}
