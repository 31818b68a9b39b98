#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright: (c) 2026, sre.remediation contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import annotations

DOCUMENTATION = r"""
module: logtail_sls_info
version_added: 1.0.0
short_description: Read a Logtail machine group and its heartbeats from the SLS API
description:
  - Calls the two SLS API operations that prove a machine group heartbeat, C(GetMachineGroup) (the group's
    identify type and IP list) and C(ListMachines) (C(lastHeartbeatTime) per machine), signed with an AccessKey
    (signature version 1), and returns findings for this host (C(sls_ip_not_in_machine_group), C(sls_no_heartbeat)).
  - Standard library only; the aliyun-log-python-sdk is not needed on the managed host.
  - Read-only.
author: sre.remediation contributors (@sre-remediation)
extends_documentation_fragment:
  - sre.remediation.attributes
  - sre.remediation.attributes.INFO_MODULE
  - sre.remediation.attributes.PLATFORM
attributes:
  platform:
    support: full
    platforms: posix
options:
  endpoint:
    description:
      - SLS endpoint of the project's region, for example C(cn-hangzhou.log.aliyuncs.com), optionally with
        C(http://) or C(https://) (default). The request goes to C(<project>.<endpoint>); an endpoint URL whose host
        is an IP address or C(localhost) is used as is (test fakes).
    type: str
    required: true
  project:
    description: SLS project that owns the machine group.
    type: str
    required: true
  machine_group:
    description: Machine group name.
    type: str
    required: true
  access_key_id:
    description: AccessKey ID.
    type: str
    required: true
  access_key_secret:
    description: AccessKey secret (never logged).
    type: str
    required: true
  ip:
    description: IP this host reports (app_info.json C(ip)); its heartbeat is looked up.
    type: str
  user_defined_ids:
    description: Custom IDs of this host, for custom-ID machine groups.
    type: list
    elements: str
    default: []
  max_heartbeat_age:
    description: A heartbeat older than this many seconds counts as missing.
    type: int
    default: 120
  heartbeat_after:
    description: Wait (up to O(wait_timeout)) for a heartbeat newer than this Unix time, for example the restart time.
    type: float
  wait_timeout:
    description: Seconds to wait for a heartbeat newer than O(heartbeat_after).
    type: int
    default: 0
  timeout:
    description: Timeout in seconds of each HTTP request.
    type: float
    default: 10
"""

EXAMPLES = r"""
- name: Check the heartbeat in SLS
  sre.remediation.logtail_sls_info:
    endpoint: cn-hangzhou.log.aliyuncs.com
    project: my-project
    machine_group: web-servers
    access_key_id: "{{ vault_sls_ak_id }}"
    access_key_secret: "{{ vault_sls_ak_secret }}"
    ip: 172.16.0.75
  register: __sls
"""

RETURN = r"""
group:
  description: The machine group (C(name), C(type) ip or userdefined, C(members)).
  returned: always
  type: dict
machines:
  description: Machines of C(ListMachines) (C(ip), C(uniqueid), C(userdefined_id), C(last_heartbeat) Unix time).
  returned: always
  type: list
  elements: dict
heartbeat:
  description: This host's heartbeat (C(last_heartbeat), C(age) in seconds, C(members), C(ip)).
  returned: always
  type: dict
findings:
  description: Findings in the sre.remediation schema.
  returned: always
  type: list
  elements: dict
"""

import time
import urllib.request

from ansible.module_utils.basic import AnsibleModule

from ansible_collections.sre.remediation.plugins.module_utils.findings import ParseError, sort_findings
from ansible_collections.sre.remediation.plugins.module_utils.logtail_sls import (
    analyse_heartbeat, fetch, parse_machine_group, parse_machines, request_for)


def main():
    module = AnsibleModule(
        argument_spec=dict(
            endpoint=dict(type="str", required=True),
            project=dict(type="str", required=True),
            machine_group=dict(type="str", required=True),
            access_key_id=dict(type="str", required=True),
            access_key_secret=dict(type="str", required=True, no_log=True),
            ip=dict(type="str"),
            user_defined_ids=dict(type="list", elements="str", default=[]),
            max_heartbeat_age=dict(type="int", default=120),
            heartbeat_after=dict(type="float"),
            wait_timeout=dict(type="int", default=0),
            timeout=dict(type="float", default=10),
        ),
        supports_check_mode=True,
    )
    p = module.params
    opener = urllib.request.build_opener(urllib.request.ProxyHandler({}))
    base = "/machinegroups/%s" % p["machine_group"]

    def call(path, params):
        url, headers = request_for(p["endpoint"], p["project"], path, params, p["access_key_id"],
                                   p["access_key_secret"])
        return fetch(opener, url, headers, p["timeout"])

    try:
        group = parse_machine_group(call(base, None))
        deadline = time.time() + max(p["wait_timeout"], 0)
        while True:
            machines = parse_machines(call(base + "/machines", {"offset": "0", "size": "500"}))
            now = time.time()
            findings, heartbeat = analyse_heartbeat(group, machines, p["ip"], now, p["max_heartbeat_age"],
                                                    p["user_defined_ids"])
            fresh = p["heartbeat_after"] is None or (heartbeat.get("last_heartbeat") or 0) >= int(p["heartbeat_after"])
            if fresh or time.time() >= deadline:
                break
            time.sleep(2)
        if not fresh:
            heartbeat["stale_after_restart"] = True
    except ParseError as exc:
        module.fail_json(msg="logtail_sls_info: %s" % exc)
    module.exit_json(changed=False, group=group, machines=machines, heartbeat=heartbeat,
                     findings=sort_findings(findings))


if __name__ == "__main__":
    main()
