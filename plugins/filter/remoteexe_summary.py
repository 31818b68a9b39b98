# -*- coding: utf-8 -*-
# Copyright: (c) 2026, sre.remediation contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import annotations

DOCUMENTATION = r"""
name: remoteexe_summary
version_added: 1.0.0
short_description: Summarise remoteexe runs (a complete C(sort | uniq -c) of exit codes)
description:
  - Summarises the runs produced by P(sre.remediation.remoteexe_runs#filter), or directly the text of a remoteexe log
    (then the fast path is used, which does not keep output lines).
  - Counts every run by exit code, host and command (unfinished runs with a null exit code), by status and by host.
options:
  _input:
    description: A list of runs from P(sre.remediation.remoteexe_runs#filter), or the log text itself.
    type: raw
    required: true
author: sre.remediation contributors (@sre-remediation)
"""

EXAMPLES = r"""
- name: What went wrong today
  ansible.builtin.debug:
    msg: "{{ log_text | sre.remediation.remoteexe_runs | sre.remediation.remoteexe_summary }}"

- name: Big log, fast path
  ansible.builtin.set_fact:
    __summary: "{{ log_text | sre.remediation.remoteexe_summary }}"
"""

RETURN = r"""
_value:
  description:
    - C(total) runs, C(by_status) (counts for ok, failed, ssh_error, lock_busy, usage_error, unfinished),
      C(by_key) (list of C(rc), C(host), C(command), C(status), C(count), most frequent first),
      C(hosts) (per host C(total) and counts per status), C(first_start), C(last_end),
      C(malformed) (C(count), C(scope), C(examples)).
  type: dict
"""

from ansible.errors import AnsibleFilterError

from ansible_collections.sre.remediation.plugins.module_utils.findings import ParseError
from ansible_collections.sre.remediation.plugins.module_utils.remoteexe import summarize, summarize_text


def remoteexe_summary(data):
    try:
        if isinstance(data, (str, bytes)):
            return summarize_text(data)
        if not isinstance(data, (list, tuple)):
            raise TypeError("remoteexe_summary expects a list of runs or the log text, got %s" % type(data).__name__)
        return summarize(list(data))
    except (ParseError, TypeError) as exc:
        raise AnsibleFilterError(str(exc)) from exc


class FilterModule:
    def filters(self):
        return {"remoteexe_summary": remoteexe_summary}
