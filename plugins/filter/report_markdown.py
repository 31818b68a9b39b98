# -*- coding: utf-8 -*-
# Copyright: (c) 2026, sre.remediation contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import annotations

DOCUMENTATION = r"""
name: report_markdown
version_added: 1.0.0
short_description: Render an sre.remediation report as Markdown
description:
  - Renders the output of P(sre.remediation.findings_report#filter) as a Markdown document.
author: sre.remediation contributors (@sre-remediation)
options:
  _input:
    description: A report built by P(sre.remediation.findings_report#filter).
    type: dict
    required: true
"""

EXAMPLES = r"""
- name: Print the report
  ansible.builtin.debug:
    msg: "{{ report | sre.remediation.report_markdown }}"
"""

RETURN = r"""
_value:
  description: The Markdown text.
  type: str
"""

from ansible.errors import AnsibleFilterError

from ansible_collections.sre.remediation.plugins.module_utils.report import render_markdown


def report_markdown(report):
    try:
        return render_markdown(report)
    except (KeyError, TypeError, AttributeError) as exc:
        raise AnsibleFilterError("report_markdown: input is not a findings_report report (%s)" % exc) from exc


class FilterModule:
    def filters(self):
        return {"report_markdown": report_markdown}
