# -*- coding: utf-8 -*-
# Copyright: (c) 2026, sre.remediation contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import annotations

DOCUMENTATION = r"""
name: sigdump_findings
version_added: 1.0.0
short_description: Find hung flushes and shutdowns in parsed sigdump dumps
description:
  - Analyses dumps returned by P(sre.remediation.parse_sigdump#filter) and returns findings.
  - C(blocked_network_io) (critical) a thread is in socket connect, Net::HTTP / net/protocol reads, C(IO.select),
    SSL connect/read or C(timeout.rb) under a write path; data names the thread, pid, the gem owning the call,
    the HTTP library, the plugin and the fluentd version.
  - C(shutdown_waiting) (warning, critical when a blocked thread exists) a thread joins others in the shutdown path.
  - C(confirmed_stuck) (critical) the same thread of the same pid shows the same top frames in two dumps taken apart.
  - C(untimed_wait) (warning) a C(sleep_forever) thread waits on a lock, queue or join in plugin code.
  - C(sigdump_truncated) (info) a dump is incomplete.
  - Idle flush threads, the engine sleep, write_guard back-off and the Ruby 3.2+ Timeout thread are not reported.
options:
  _input:
    description: List of dumps (or one dump) from P(sre.remediation.parse_sigdump#filter).
    type: list
    elements: dict
    required: true
  pid:
    description: Only analyse dumps of this process.
    type: int
author: sre.remediation contributors (@sre-remediation)
"""

EXAMPLES = r"""
- name: Findings of two dumps taken 5 s apart
  ansible.builtin.set_fact:
    findings: "{{ lookup('ansible.builtin.file', 'sigdump-2351.log') | sre.remediation.parse_sigdump
                  | sre.remediation.sigdump_findings }}"

- name: Gem to upgrade
  ansible.builtin.debug:
    msg: "{{ findings | selectattr('id', 'equalto', 'blocked_network_io') | map(attribute='data.gem') | list }}"
"""

RETURN = r"""
_value:
  description: Findings (id, severity, summary, evidence, remedy, fixable, fixed, data), most severe first.
  type: list
  elements: dict
"""

from ansible.errors import AnsibleFilterError

from ansible_collections.sre.remediation.plugins.module_utils.findings import ParseError
from ansible_collections.sre.remediation.plugins.module_utils.sigdump import analyse


def sigdump_findings(dumps, pid=None):
    try:
        return analyse(dumps, pid=pid)
    except (ParseError, TypeError, ValueError, AttributeError) as exc:
        raise AnsibleFilterError("sigdump_findings: %s" % exc) from exc


class FilterModule:
    def filters(self):
        return {"sigdump_findings": sigdump_findings}
