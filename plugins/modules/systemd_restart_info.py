#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright: (c) 2026, sre.remediation contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import annotations

DOCUMENTATION = r"""
module: systemd_restart_info
short_description: Compare systemd units' effective restart policy with the wanted one
version_added: 1.0.0
description:
  - Validates wanted C(Restart=) policies, reads the effective settings of every unit with a single
    C(systemctl show) call, and returns findings.
  - Findings C(unit_not_found) and C(oneshot_refused) are I(blocking) (RV(blocking)); C(systemd_restart_missing)
    means the unit has C(Restart=no); with O(applied=true), any difference is C(restart_policy_not_effective).
  - Read-only; runs the same in check mode.
author: sre.remediation contributors (@sre-remediation)
options:
  services:
    description: Wanted policies, as in the C(restart_policy_services) variable of the C(sre.remediation.restart_policy) role.
    type: list
    elements: dict
    required: true
    suboptions:
      name:
        description: Unit name; C(.service) is added when no unit suffix is given.
        type: str
        required: true
      restart:
        description: The C(Restart=) value.
        type: str
        default: on-failure
        choices: ["no", on-success, on-failure, on-abnormal, on-watchdog, on-abort, always]
      restart_sec:
        description: C(RestartSec=), a systemd time span (C(5s), C(1min)) or seconds.
        type: str
        default: 5s
      start_limit_interval_sec:
        description: C(StartLimitIntervalSec=) of the unit's restart rate limit.
        type: str
        default: 300s
      start_limit_burst:
        description: C(StartLimitBurst=), starts allowed within the interval before systemd gives up.
        type: int
        default: 5
      state:
        description: C(absent) means the policy drop-in is to be removed.
        type: str
        default: present
        choices: [present, absent]
  dropin_name:
    description: File name of the drop-in that carries the policy (used in messages).
    type: str
    default: 50-sre-restart-policy.conf
  applied:
    description: The drop-ins are expected to be in effect; differences become C(restart_policy_not_effective).
    type: bool
    default: false
extends_documentation_fragment:
  - sre.remediation.attributes
  - sre.remediation.attributes.info_module
"""

EXAMPLES = r"""
- name: What would a Restart=on-failure policy change for nginx?
  sre.remediation.systemd_restart_info:
    services:
      - name: nginx
        restart: on-failure
        restart_sec: 5s
  register: __restart_info
"""

RETURN = r"""
services:
  description: The wanted policies, validated and normalised (C(unit), seconds values).
  type: list
  elements: dict
  returned: always
units:
  description: C(systemctl show) properties per unit id.
  type: dict
  returned: always
  sample: {"nginx.service": {"LoadState": "loaded", "Type": "forking", "Restart": "no", "RestartUSec": "100ms"}}
findings:
  description: Findings (unit_not_found, oneshot_refused, systemd_restart_missing, restart_policy_differs,
    restart_policy_not_effective).
  type: list
  elements: dict
  returned: always
blocking:
  description: Units for which nothing may be changed, with the reason.
  type: list
  elements: dict
  returned: always
  sample: [{"unit": "ghost.service", "id": "unit_not_found"}]
"""

from ansible.module_utils.basic import AnsibleModule

from ansible_collections.sre.remediation.plugins.module_utils.findings import ParseError, sort_findings
from ansible_collections.sre.remediation.plugins.module_utils.systemd import (
    RESTART_VALUES,
    SHOW_PROPERTIES,
    analyse_restart_policies,
    normalise_spec,
    parse_systemctl_show,
)


def main():
    module = AnsibleModule(
        argument_spec=dict(
            services=dict(type="list", elements="dict", required=True, options=dict(
                name=dict(type="str", required=True),
                restart=dict(type="str", default="on-failure", choices=list(RESTART_VALUES)),
                restart_sec=dict(type="str", default="5s"),
                start_limit_interval_sec=dict(type="str", default="300s"),
                start_limit_burst=dict(type="int", default=5),
                state=dict(type="str", default="present", choices=["present", "absent"]),
            )),
            dropin_name=dict(type="str", default="50-sre-restart-policy.conf"),
            applied=dict(type="bool", default=False),
        ),
        supports_check_mode=True,
    )
    try:
        specs = [normalise_spec(spec) for spec in module.params["services"]]
    except ParseError as exc:
        module.fail_json(msg="restart policy: %s" % exc)
    units = {}
    if specs:
        systemctl = module.get_bin_path("systemctl", required=True)
        cmd = [systemctl, "show", "-p", ",".join(SHOW_PROPERTIES), "--"] + [s["unit"] for s in specs]
        rc, out, err = module.run_command(cmd)
        if rc != 0:
            module.fail_json(msg="systemctl show failed (rc=%d): %s" % (rc, err.strip()), cmd=cmd)
        units = parse_systemctl_show(out)
    findings = sort_findings(analyse_restart_policies(specs, units, module.params["dropin_name"],
                                                      applied=module.params["applied"]))
    blocking = [{"unit": f["data"]["unit"], "id": f["id"], "summary": f["summary"]}
                for f in findings if f["data"].get("blocking")]
    module.exit_json(changed=False, services=specs, units=units, findings=findings, blocking=blocking)


if __name__ == "__main__":
    main()
