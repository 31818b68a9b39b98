# -*- coding: utf-8 -*-
# Copyright: (c) 2026, sre.remediation contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import annotations

DOCUMENTATION = r"""
name: logtail_app_info
version_added: 1.0.0
short_description: Parse the Logtail/LoongCollector record file app_info.json
description:
  - Parses C(app_info.json), the read-only record the agent rewrites on every start (JsonCpp styled JSON).
  - Returns the reported C(ip) (null when empty or missing), hostname, UUID, version, agent flavour and
    C(update_time).
  - A leading UTF-8 BOM is accepted and reported in C(warnings) and C(bom); malformed JSON or a top level
    that is not an object is an error.
author: sre.remediation contributors (@sre-remediation)
options:
  _input:
    description: Content of C(app_info.json) (for example from C(ansible.builtin.slurp) after C(b64decode)).
    type: str
    required: true
"""

EXAMPLES = r"""
- name: Read the IP the agent reports
  ansible.builtin.slurp:
    src: /usr/local/ilogtail/app_info.json
  register: __app_info

- name: Show it
  ansible.builtin.debug:
    msg: "{{ (__app_info.content | b64decode | sre.remediation.logtail_app_info).ip }}"
"""

RETURN = r"""
_value:
  description:
    - Dict with C(ip) (null when empty), C(hostname), C(uuid), C(version), C(agent) (logtail or loongcollector),
      C(community), C(update_time), C(update_epoch), C(instance_id), C(os), C(compiler), C(host_id), C(bom),
      C(warnings) and C(raw) (the whole object).
  type: dict
"""

from ansible.errors import AnsibleFilterError

from ansible_collections.sre.remediation.plugins.module_utils.findings import ParseError
from ansible_collections.sre.remediation.plugins.module_utils.logtail import parse_app_info


def logtail_app_info(text):
    try:
        return parse_app_info(text)
    except (ParseError, TypeError) as exc:
        raise AnsibleFilterError("logtail_app_info: %s" % exc) from exc


class FilterModule:
    def filters(self):
        return {"logtail_app_info": logtail_app_info}
