# -*- coding: utf-8 -*-
# Copyright: (c) 2026, sre.remediation contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import annotations

DOCUMENTATION = r"""
name: findings_verified
version_added: 1.0.0
short_description: Merge a diagnosis and its re-diagnosis, marking resolved findings as fixed
description:
  - The verify step shared by every role of the collection. Returns the findings of the re-diagnosis plus every
    finding of the first diagnosis that the re-diagnosis no longer shows, with C(fixed=true).
  - Two findings are the same when their C(id) and subject (C(data.unit), C(data.service), C(data.thread), ...) match.
  - When the re-diagnosis is null (check mode, where nothing was fixed), the first diagnosis is returned unchanged.
author: sre.remediation contributors (@sre-remediation)
options:
  _input:
    description: Findings of the diagnosis before the fix.
    type: list
    elements: dict
    required: true
  after:
    description: Findings of the re-diagnosis after the fix, or null when nothing was re-checked.
    type: list
    elements: dict
"""

EXAMPLES = r"""
- name: Findings for the report
  ansible.builtin.set_fact:
    mine_findings: "{{ before.findings | sre.remediation.findings_verified(none if ansible_check_mode else after.findings) }}"
"""

RETURN = r"""
_value:
  description: Findings, most severe first; resolved ones carry C(fixed=true).
  type: list
  elements: dict
"""

from ansible.errors import AnsibleFilterError

from ansible_collections.sre.remediation.plugins.module_utils.findings import merge_verified


def findings_verified(before, after=None):
    if not isinstance(before, list) or (after is not None and not isinstance(after, list)):
        raise AnsibleFilterError("findings_verified: expects two lists of findings (the second may be null)")
    if not all(isinstance(item, dict) for item in before + (after or [])):
        raise AnsibleFilterError("findings_verified: every finding must be a dict")
    return merge_verified(before, after)


class FilterModule:
    def filters(self):
        return {"findings_verified": findings_verified}
