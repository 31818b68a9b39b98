# -*- coding: utf-8 -*-
# Copyright: (c) 2026, sre.remediation contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import annotations

DOCUMENTATION = r"""
name: parse_sigdump
version_added: 1.0.0
short_description: Parse Ruby sigdump files (td-agent / fluentd thread dumps)
description:
  - Parses the text of a sigdump file (C(/tmp/sigdump-<pid>.log)) into a list of dumps; a file may hold
    several appended dumps.
  - Reads every thread line form of Ruby 2.1 to 3.4 (names, locations, C(sleep_forever), Ruby 3.4 quoting),
    JRuby C(In Java) blocks, GC stat, object counts, totals and the GC profiling section.
  - Fails on text without a C(Sigdump at <time> process <pid> (<program>)) header.
options:
  _input:
    description: Text of a sigdump file.
    type: str
    required: true
  source:
    description: Name of the file, used in error messages and stored in each dump.
    type: str
author: sre.remediation contributors (@sre-remediation)
"""

EXAMPLES = r"""
- name: Parse a dump fetched from the host
  ansible.builtin.set_fact:
    dumps: "{{ lookup('ansible.builtin.file', 'sigdump-2351.log')
               | sre.remediation.parse_sigdump(source='sigdump-2351.log') }}"

- name: Names of sleeping-forever threads
  ansible.builtin.debug:
    msg: "{{ dumps[-1].threads | selectattr('state', 'equalto', 'sleep_forever') | map(attribute='name') | list }}"
"""

RETURN = r"""
_value:
  description:
    - One dict per dump with C(time), C(pid), C(program), C(threads) (each with C(id), C(class), C(name),
      C(location), C(state), C(status), C(priority), C(frames) of C(path)/C(line)/C(label), C(header)),
      C(gc_stat), C(objects), C(all_objects), C(totals), C(gc_profile), C(truncated) and C(unparsed).
  type: list
  elements: dict
"""

from ansible.errors import AnsibleFilterError

from ansible_collections.sre.remediation.plugins.module_utils.findings import ParseError
from ansible_collections.sre.remediation.plugins.module_utils.sigdump import parse_sigdump as _parse


def parse_sigdump(text, source=None):
    try:
        return _parse(text, source)
    except (ParseError, TypeError) as exc:
        raise AnsibleFilterError(str(exc)) from exc


class FilterModule:
    def filters(self):
        return {"parse_sigdump": parse_sigdump}
