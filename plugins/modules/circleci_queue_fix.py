#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright: (c) 2026, sre.remediation contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import annotations

DOCUMENTATION = r"""
module: circleci_queue_fix
short_description: Opt-in fixes for queued CircleCI Server 2.x builds (Services box)
version_added: 1.0.0
description:
  - Applies only the fixes it is asked for, with the command line of the Nomad version found on the server.
  - Starts stopped CircleCI containers, restarts the dispatcher pair, disables a builder's drain
    (C(nomad node drain -disable -yes) on 0.8+, C(nomad node-drain -disable -yes) on 0.7 and older) and marks
    builders eligible (C(nomad node eligibility -enable), 0.8+).
  - Never forces a drain and never uses the legacy drain API, so running builds are never stopped.
  - Only acts on what needs it (a running container is not started, a builder that is not draining is left
    alone); O(restart_dispatchers) always restarts.
  - In check mode it returns the planned commands and changes nothing.
author: sre.remediation contributors (@sre-remediation)
extends_documentation_fragment:
  - sre.remediation.attributes
  - sre.remediation.attributes.PLATFORM
attributes:
  check_mode:
    support: full
  diff_mode:
    support: none
  platform:
    platforms: posix
options:
  start_containers:
    description: Containers to C(docker start) when they are not running.
    type: list
    elements: str
    default: []
  enable_eligibility:
    description: Builders (node IDs, ID prefixes or names) to mark eligible for scheduling (Nomad 0.8+).
    type: list
    elements: str
    default: []
  disable_drain:
    description: Builders (node IDs, ID prefixes or names) whose drain mode is disabled.
    type: list
    elements: str
    default: []
  restart_dispatchers:
    description: Restart the dispatcher pair (O(dispatcher_containers)), the fix for builds lost between them.
    type: bool
    default: false
  dispatcher_containers:
    description: The containers restarted by O(restart_dispatchers).
    type: list
    elements: str
    default: [dispatcher, picard-dispatcher]
  docker_command:
    description: The docker client to run.
    type: str
    default: docker
  nomad_command:
    description: Command line that runs the Nomad CLI; the Nomad arguments are appended to it.
    type: list
    elements: str
    default: [docker, exec, nomad, nomad]
  nomad_version:
    description:
      - Nomad version to build the commands for (for example C(0.9.3)).
      - Read from C(nomad version) when not set.
    type: str
seealso:
  - module: sre.remediation.circleci_queue_info
"""

EXAMPLES = r"""
- name: Diagnose
  sre.remediation.circleci_queue_info:
  become: true
  register: queue

- name: Undrain the builders found draining, start stopped containers
  sre.remediation.circleci_queue_fix:
    disable_drain: "{{ queue.findings | selectattr('id', 'equalto', 'builder_draining')
                       | map(attribute='data.nodes') | flatten }}"
    start_containers: "{{ queue.findings | selectattr('id', 'equalto', 'dispatcher_down')
                          | map(attribute='data.containers') | flatten }}"
  become: true

- name: Restart the dispatcher pair (builds lost between dispatchers)
  sre.remediation.circleci_queue_fix:
    restart_dispatchers: true
  become: true
"""

RETURN = r"""
commands:
  description: Commands run (or, in check mode, planned).
  returned: always
  type: list
  elements: str
  sample: ["docker exec nomad nomad node drain -disable -yes 0cf07b07-4c1d-8e2f-a1b3-9d8c7e6f5a4b"]
not_applied:
  description:
    - Requested fixes that were not needed or not possible, with the reason.
    - Not called C(skipped), which Ansible reads as "the task was skipped".
  returned: always
  type: list
  elements: str
  sample: ["i-070fdad5f0edef4c8: not draining"]
"""

from ansible.module_utils.basic import AnsibleModule
from ansible_collections.sre.remediation.plugins.module_utils.findings import ParseError
from ansible_collections.sre.remediation.plugins.module_utils.nomad import (
    DISPATCHER_CONTAINERS,
    CommandError,
    apply_fixes,
)


def main():
    module = AnsibleModule(
        argument_spec=dict(
            start_containers=dict(type="list", elements="str", default=[]),
            enable_eligibility=dict(type="list", elements="str", default=[]),
            disable_drain=dict(type="list", elements="str", default=[]),
            restart_dispatchers=dict(type="bool", default=False),
            dispatcher_containers=dict(type="list", elements="str", default=list(DISPATCHER_CONTAINERS)),
            docker_command=dict(type="str", default="docker"),
            nomad_command=dict(type="list", elements="str", default=["docker", "exec", "nomad", "nomad"]),
            nomad_version=dict(type="str"),
        ),
        supports_check_mode=True,
    )
    params = module.params
    docker = [module.get_bin_path(params["docker_command"], required=True)]
    nomad = list(params["nomad_command"])
    if nomad and nomad[0] == params["docker_command"]:
        nomad[0] = docker[0]

    def run(args):
        return module.run_command(args)

    try:
        result = apply_fixes(
            run, docker_command=docker, nomad_command=nomad, start_containers=params["start_containers"],
            enable_eligibility=params["enable_eligibility"], disable_drain=params["disable_drain"],
            restart_dispatchers=params["restart_dispatchers"], dispatcher_containers=params["dispatcher_containers"],
            nomad_version=params["nomad_version"], check_mode=module.check_mode)
    except (ParseError, CommandError) as exc:
        module.fail_json(msg=str(exc), commands=getattr(exc, "commands", []))
    module.exit_json(changed=result["changed"], commands=result["commands"], not_applied=result["skipped"])


if __name__ == "__main__":
    main()
