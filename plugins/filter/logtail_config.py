# -*- coding: utf-8 -*-
# Copyright: (c) 2026, sre.remediation contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import annotations

DOCUMENTATION = r"""
name: logtail_config
version_added: 1.0.0
short_description: Parse (or set working_ip in) the Logtail/LoongCollector startup config
description:
  - Parses C(ilogtail_config.json) in the old Logtail schema (C(config_server_address), C(data_server_list[].cluster))
    or the new LoongCollector schema (C(primary_region), C(config_servers), C(data_servers)). The old schema is
    recognised by a C(cluster) key, as the official installers do.
  - Returns the region, config servers, data endpoints, network type (intranet, internet, acceleration, internal)
    and the heartbeat-relevant keys C(working_ip), C(working_hostname), C(bind_interface).
  - With O(set_working_ip) it instead returns the config text with C(working_ip) set; every other key and the key
    order are kept. Only the C(working_ip) line changes (added as the last key in the file's own layout, or its
    value replaced), so a diff shows one line; when that is not possible the object is rewritten (JSON, 4-space indent).
    No BOM. The IP must be a valid IPv4 host address (empty string = automatic).
  - A leading UTF-8 BOM is accepted and reported; malformed JSON (for example the doc samples' C(//) comments)
    is an error.
author: sre.remediation contributors (@sre-remediation)
options:
  _input:
    description: Content of C(ilogtail_config.json).
    type: str
    required: true
  set_working_ip:
    description: When given, return the rewritten config text with this C(working_ip) instead of the parsed dict.
    type: str
"""

EXAMPLES = r"""
- name: Parse the startup config
  ansible.builtin.set_fact:
    __cfg: "{{ __slurped.content | b64decode | sre.remediation.logtail_config }}"

- name: Write working_ip (then restart the agent)
  ansible.builtin.copy:
    dest: /usr/local/ilogtail/ilogtail_config.json
    content: "{{ __slurped.content | b64decode | sre.remediation.logtail_config(set_working_ip='172.16.0.75') }}"
    backup: true
    mode: "0644"
"""

RETURN = r"""
_value:
  description:
    - Without O(set_working_ip), a dict with C(format) (old or new), C(region), C(config_servers) (list),
      C(data_endpoints) (list), C(network), C(working_ip) (null when the key is absent), C(working_hostname),
      C(bind_interface), C(endpoint_regions), C(bom), C(warnings) and C(raw).
    - With O(set_working_ip), the new file content (str).
  type: raw
"""

from ansible.errors import AnsibleFilterError

from ansible_collections.sre.remediation.plugins.module_utils.findings import ParseError
from ansible_collections.sre.remediation.plugins.module_utils.logtail import parse_config
from ansible_collections.sre.remediation.plugins.module_utils.logtail import set_working_ip as _set_working_ip


def logtail_config(text, set_working_ip=None):
    try:
        if set_working_ip is not None:
            return _set_working_ip(text, set_working_ip)
        return parse_config(text)
    except (ParseError, TypeError) as exc:
        raise AnsibleFilterError("logtail_config: %s" % exc) from exc


class FilterModule:
    def filters(self):
        return {"logtail_config": logtail_config}
