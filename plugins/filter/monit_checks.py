# -*- coding: utf-8 -*-
# Copyright: (c) 2026, sre.remediation contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import annotations

DOCUMENTATION = r"""
name: monit_checks
version_added: 1.0.0
short_description: Parse a monit control file into a list of checks
description:
  - Parses the text of a monit control file (C(monitrc) or a file under C(/etc/monit/conf.d/)) and
    returns its C(check) blocks with their start/stop/restart programs, rules, dependencies, groups and mode.
  - Start/stop/restart programs that are only present as a commented-out line inside a check block are
    returned with C(commented=true).
  - Raises an error naming the line when the text is not valid monit syntax.
options:
  _input:
    description: Text of a monit control file.
    type: str
    required: true
  source:
    description: Name of the file, used in error messages and in the C(source) key of each check.
    type: str
author: sre.remediation contributors (@sre-remediation)
"""

EXAMPLES = r"""
- name: List the monit checks of a file
  ansible.builtin.debug:
    msg: "{{ lookup('ansible.builtin.file', '/etc/monit/conf.d/nginx') | sre.remediation.monit_checks }}"

- name: Names of process checks without a usable start program
  ansible.builtin.debug:
    msg: >-
      {{ monitrc_text | sre.remediation.monit_checks(source='/etc/monit/monitrc')
         | selectattr('type', 'equalto', 'process')
         | rejectattr('start_program') | map(attribute='name') | list }}
"""

RETURN = r"""
_value:
  description:
    - One dict per check with the keys C(type), C(name), C(path), C(path_kind), C(start_program),
      C(stop_program), C(restart_program) (each C(command), C(timeout), C(commented), C(line) or null),
      C(rules) (each C(condition), C(action), C(action_name), C(command), C(else_action), C(raw), C(line)),
      C(depends_on), C(group), C(mode), C(every), C(other), C(source), C(line) and C(raw).
  type: list
  elements: dict
"""

from ansible.errors import AnsibleFilterError

from ansible_collections.sre.remediation.plugins.module_utils.findings import ParseError
from ansible_collections.sre.remediation.plugins.module_utils.monit import parse_monit


def monit_checks(text, source=None):
    """Parse monit control file text into a list of checks."""
    try:
        return parse_monit(text, source=source)
    except (ParseError, TypeError) as exc:
        raise AnsibleFilterError(str(exc)) from exc


class FilterModule:
    def filters(self):
        return {"monit_checks": monit_checks}
