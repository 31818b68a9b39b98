# -*- coding: utf-8 -*-
# Copyright: (c) 2026, sre.remediation contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import annotations

DOCUMENTATION = r"""
name: remoteexe_runs
version_added: 1.0.0
short_description: Parse a remoteexe log into runs
description:
  - Parses the text of a C(/tmp/YYYYMMDD_remoteexe.log) written by the C(remoteexe) ssh wrapper
    (C([time][pid] START,-,<host> <script>), C(command,...), output lines, C(END,<rc>,<host> <script>)) into runs.
  - START and END are paired per PID and arguments under interleaving and PID reuse; a START without END
    is C(unfinished), an END without START is reported with C(started=None).
  - Malformed lines are skipped, never fatal; input that is not a remoteexe log at all is an error.
options:
  _input:
    description: The log text (for example from C(ansible.builtin.slurp) decoded with C(b64decode)).
    type: str
    required: true
  date:
    description: Keep only runs that started on this day (C(YYYY-MM-DD) or C(YYYYMMDD)).
    type: str
  keep_output:
    description: Keep the output lines of every run (set to C(false) for big logs).
    type: bool
    default: true
author: sre.remediation contributors (@sre-remediation)
"""

EXAMPLES = r"""
- name: Runs that failed in ssh
  ansible.builtin.debug:
    msg: "{{ log_text | sre.remediation.remoteexe_runs | selectattr('status', 'eq', 'ssh_error') | list }}"

- name: Today's runs without their output
  ansible.builtin.set_fact:
    __runs: "{{ log_text | sre.remediation.remoteexe_runs(date='2019-06-25', keep_output=false) }}"
"""

RETURN = r"""
_value:
  description:
    - One dict per run, in log order, with C(pid), C(host), C(command), C(args),
      C(started), C(ended) (ISO times or null), C(rc) (null when unfinished), C(duration_s),
      C(output) (list of lines), C(status)
      (ok, failed, ssh_error, lock_busy, usage_error or unfinished), C(remote_command), C(start_line), C(end_line).
  type: list
  elements: dict
"""

from ansible.errors import AnsibleFilterError

from ansible_collections.sre.remediation.plugins.module_utils.findings import ParseError
from ansible_collections.sre.remediation.plugins.module_utils.remoteexe import parse_runs


def remoteexe_runs(text, date=None, keep_output=True):
    try:
        return parse_runs(text, date=date, keep_output=bool(keep_output))
    except (ParseError, TypeError) as exc:
        raise AnsibleFilterError(str(exc)) from exc


class FilterModule:
    def filters(self):
        return {"remoteexe_runs": remoteexe_runs}
