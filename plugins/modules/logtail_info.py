#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright: (c) 2026, sre.remediation contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import annotations

DOCUMENTATION = r"""
module: logtail_info
version_added: 1.0.0
short_description: Diagnose "machine group has no heartbeat" for Logtail / LoongCollector
description:
  - Gathers, in one call, everything needed to explain a missing machine-group heartbeat of the Alibaba Cloud
    Logtail / LoongCollector agent and returns it with findings.
  - Flavour and install paths, init script C(status) (rc and text; C(systemctl is-active) is meaningless for the
    oneshot unit), agent processes from C(/proc), C(ilogtail_config.json) and C(app_info.json) (parsed, with
    mtimes), the run log, hostname and its IPv4 resolution, C(/etc/hosts) lines, local IPv4 addresses
    (C(ip -4 -o addr), else C(/proc/net/fib_trie)), the agent's working_ip environment, account ID and custom ID
    files, an iptables DROP rule on 443, endpoint reachability and the IP the agent would pick at its next start.
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
  root:
    description: Path prefix for every file (tests and chroots). C(/proc) is always the real one.
    type: path
    default: /
  expected_region:
    description: Region of the SLS project (for example C(cn-hangzhou)); enables the C(region_mismatch) check.
    type: str
  expected_network:
    description: Expected network type of the endpoints; enables the C(network_mismatch) check.
    type: str
    choices: [intranet, internet, acceleration, internal]
  machine_group_ips:
    description: IPs of the IP-based machine group; enables the C(ip_not_in_machine_group) check.
    type: list
    elements: str
    default: []
  user_ids:
    description: Account IDs (AliUid) that must exist as files in C(/etc/ilogtail/users/).
    type: list
    elements: str
    default: []
  user_defined_ids:
    description: Custom machine-group IDs expected in C(/etc/ilogtail/user_defined_id).
    type: list
    elements: str
    default: []
  probe_endpoints:
    description: Probe the config server and data endpoints with an HTTP GET (any HTTP answer means reachable).
    type: bool
    default: true
  probe_timeout:
    description: Timeout in seconds of each endpoint probe.
    type: float
    default: 3
  endpoint_overrides:
    description: Map of endpoint host (or full endpoint) to the URL to probe instead (labs).
    type: dict
    default: {}
"""

EXAMPLES = r"""
- name: Diagnose the Logtail heartbeat
  sre.remediation.logtail_info:
    expected_region: cn-hangzhou
    expected_network: intranet
    machine_group_ips: ["172.16.0.75"]
    user_ids: ["1234567890123456"]
  register: __logtail

- name: Show the findings
  ansible.builtin.debug:
    var: __logtail.findings
"""

RETURN = r"""
facts:
  description: Everything gathered (layout, status, processes, config, app_info, hostname, resolved_addrs,
    hosts_lines, local_addrs, default_ipv4, agent_env, users, user_defined_id, iptables_443, endpoints, would_pick,
    log).
  returned: always
  type: dict
findings:
  description: Findings following the sre.remediation findings schema (id, severity, summary, evidence, remedy,
    fixable, fixed, data).
  returned: always
  type: list
  elements: dict
would_pick:
  description: The IP the agent would report at its next start and why (C(ip), C(source), C(reason), C(steps)).
  returned: always
  type: dict
"""

import os

from ansible.module_utils.basic import AnsibleModule

from ansible_collections.sre.remediation.plugins.module_utils.findings import ParseError, sort_findings
from ansible_collections.sre.remediation.plugins.module_utils.logtail import analyse, gather


def main():
    module = AnsibleModule(
        argument_spec=dict(
            root=dict(type="path", default="/"),
            expected_region=dict(type="str"),
            expected_network=dict(type="str", choices=["intranet", "internet", "acceleration", "internal"]),
            machine_group_ips=dict(type="list", elements="str", default=[]),
            user_ids=dict(type="list", elements="str", default=[]),
            user_defined_ids=dict(type="list", elements="str", default=[]),
            probe_endpoints=dict(type="bool", default=True),
            probe_timeout=dict(type="float", default=3),
            endpoint_overrides=dict(type="dict", default={}),
        ),
        supports_check_mode=True,
    )
    p = module.params

    def run(argv):
        argv = list(argv)
        if argv[0].startswith("/"):
            if not os.access(argv[0], os.X_OK):
                argv = [module.get_bin_path("sh", required=True)] + argv
        else:
            exe = module.get_bin_path(argv[0], opt_dirs=["/usr/sbin", "/sbin"])
            if not exe:
                return 127, "", "%s not found" % argv[0]
            argv[0] = exe
        return module.run_command(argv, environ_update={"LC_ALL": "C"})

    try:
        facts = gather(root=p["root"], run=run, probe=p["probe_endpoints"], probe_timeout=p["probe_timeout"],
                       endpoint_overrides=p["endpoint_overrides"])
        facts.update(expected_region=p["expected_region"], expected_network=p["expected_network"],
                     machine_group_ips=p["machine_group_ips"], user_ids=p["user_ids"],
                     user_defined_ids=p["user_defined_ids"])
        findings = sort_findings(analyse(facts))
    except (ParseError, OSError, ValueError) as exc:
        module.fail_json(msg="logtail_info: %s" % exc)
    module.exit_json(changed=False, facts=facts, findings=findings, would_pick=facts.get("would_pick"))


if __name__ == "__main__":
    main()
