# -*- coding: utf-8 -*-
# Copyright: (c) 2026, sre.remediation contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import annotations

DOCUMENTATION = r"""
name: nomad_nodes
short_description: Parse C(nomad node status) / C(node-status) output
version_added: 1.0.0
description:
  - Parses the node list of every Nomad version (0.3 to 2.0), with or without C(-allocs), C(-verbose), C(-os).
  - Finds the header line (noise such as C(sudo) warnings before it, ANSI colour, carriage returns and C(==>)
    hints are ignored) and slices rows at the header's column offsets.
  - Also accepts C(nomad node-status -json) and the C(/v1/nodes) API response (string or parsed list).
  - Empty output and C(No nodes registered) give an empty list; an unknown header is an error.
options:
  _input:
    description: Output of C(nomad node status -allocs -no-color) (or C(-json)).
    type: raw
    required: true
author: sre.remediation contributors (@sre-remediation)
"""

EXAMPLES = r"""
- name: Builders that are draining
  ansible.builtin.debug:
    msg: "{{ (out.stdout | sre.remediation.nomad_nodes) | selectattr('drain') | map(attribute='name') | list }}"

- name: Count ready builders
  ansible.builtin.set_fact:
    ready_builders: "{{ out.stdout | sre.remediation.nomad_nodes
                        | selectattr('status', 'equalto', 'ready') | list | length }}"
"""

RETURN = r"""
_value:
  description: List of nodes with keys C(id), C(node_pool), C(datacenter), C(name), C(class), C(address), C(version),
    C(os), C(drain) (bool), C(eligibility), C(status), C(running_allocs) (int), C(raw) (the table row); null for
    columns the output lacks.
  type: list
"""

from ansible.errors import AnsibleFilterError
from ansible_collections.sre.remediation.plugins.module_utils.findings import ParseError
from ansible_collections.sre.remediation.plugins.module_utils.nomad import parse_nodes


def nomad_nodes(data):
    """Parse nomad node status output into a list of node dicts."""
    if not isinstance(data, (str, bytes, list, dict)):
        raise AnsibleFilterError("nomad_nodes: expected the command output as a string, got %s"
                                 % type(data).__name__)
    try:
        return parse_nodes(data)
    except (ParseError, TypeError) as exc:
        raise AnsibleFilterError("nomad_nodes: %s" % exc) from exc


class FilterModule:
    def filters(self):
        return {"nomad_nodes": nomad_nodes}
