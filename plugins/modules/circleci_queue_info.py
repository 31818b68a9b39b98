#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright: (c) 2026, sre.remediation contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import annotations

DOCUMENTATION = r"""
module: circleci_queue_info
short_description: Explain why CircleCI Server 2.x builds are queued (Services box)
version_added: 1.0.0
description:
  - Runs on the CircleCI Server 2.x Services box and follows CircleCI's "Debugging Queuing Builds" steps.
  - Reads C(docker ps -a), the last O(log_lines) lines of the dispatcher, picard-dispatcher, picard-scheduler and
    picard-output-processor logs, and through C(docker exec nomad nomad) the Nomad version, the node list with
    running allocations, the job list and the details (placement failures) of pending jobs.
  - Parses the Nomad CLI output of every version from 0.3 to 2.0 (Server 2.x ships 0.5.6, 0.9.3 and 0.11.3
    builders) and returns findings such as drained, ineligible or down builders, exhausted capacity, a
    datacenter mismatch, stopped containers and builds lost between the two dispatchers.
  - Commands run without a shell and without C(-t), with C(-no-color). Read-only.
author: sre.remediation contributors (@sre-remediation)
extends_documentation_fragment:
  - sre.remediation.attributes
  - sre.remediation.attributes.INFO_MODULE
  - sre.remediation.attributes.PLATFORM
attributes:
  platform:
    platforms: posix
options:
  docker_command:
    description: The docker client to run (a path or a name on E(PATH)); prefix it with C(sudo) via become.
    type: str
    default: docker
  nomad_command:
    description:
      - Command line that runs the Nomad CLI; the Nomad arguments are appended to it.
      - When it is C(<docker_command> exec <container> ...), that container is checked too and Nomad is not
        queried while it is not running.
    type: list
    elements: str
    default: [docker, exec, nomad, nomad]
  containers:
    description: CircleCI containers whose state and logs are checked.
    type: list
    elements: str
    default: [dispatcher, picard-dispatcher, picard-scheduler, picard-output-processor]
  log_lines:
    description: How many log lines per container to read (C(docker logs --tail)).
    type: int
    default: 200
  expected_datacenter:
    description:
      - Datacenter the CircleCI scheduler places builds in.
      - C(default) for Server 2.19.0 and later, C(us-east-1) before.
    type: str
    default: default
  max_job_details:
    description: At most this many pending jobs are inspected with C(nomad job status <job>).
    type: int
    default: 10
notes:
  - Use O(nomad_command) when the Nomad CLI runs elsewhere, for example C([nomad]) on a host with NOMAD_ADDR set.
seealso:
  - module: sre.remediation.circleci_queue_fix
"""

EXAMPLES = r"""
- name: Diagnose queued builds on the Services box
  sre.remediation.circleci_queue_info:
  become: true
  register: queue

- name: Pre-2.19 server (builders in us-east-1), larger log window
  sre.remediation.circleci_queue_info:
    expected_datacenter: us-east-1
    log_lines: 1000
  become: true
  register: queue

- name: Show what is wrong
  ansible.builtin.debug:
    msg: "{{ queue.findings | map(attribute='summary') | list }}"
"""

RETURN = r"""
nomad_version:
  description: Nomad version of the server CLI (null when Nomad could not be queried).
  returned: always
  type: str
  sample: 0.9.3
nodes:
  description: Parsed C(nomad node status -allocs) rows (null when Nomad could not be queried).
  returned: always
  type: list
  elements: dict
  sample:
    - {id: 0cf07b07, datacenter: default, name: i-070fdad5f0edef4c8, class: linux-64bit, drain: false,
       eligibility: eligible, status: ready, running_allocs: 1, node_pool: null, address: null, version: null,
       os: null, raw: "0cf07b07  default  i-070fdad5f0edef4c8  linux-64bit  false  eligible     ready   1"}
jobs:
  description: Parsed C(nomad status) rows (null when Nomad could not be queried).
  returned: always
  type: list
  elements: dict
pending_jobs:
  description: Details (fields, summary, placement_failures, allocations) of the inspected pending jobs.
  returned: always
  type: list
  elements: dict
containers:
  description: State of each checked container, by name (state C(missing) when absent).
  returned: always
  type: dict
  sample: {dispatcher: {name: dispatcher, state: running, status: Up 2 hours, image: circleci/dispatcher, id: a1b2c3}}
findings:
  description: Findings (sre.remediation schema); ids no_builders, builder_draining, builder_ineligible,
    builder_not_ready, capacity_exhausted, jobs_pending, datacenter_mismatch, dispatcher_down, dispatcher_errors,
    builds_lost_between_dispatchers, output_processor_errors, nomad_unreachable.
  returned: always
  type: list
  elements: dict
commands:
  description: The commands that were run.
  returned: always
  type: list
  elements: str
"""

from ansible.module_utils.basic import AnsibleModule
from ansible_collections.sre.remediation.plugins.module_utils.findings import ParseError
from ansible_collections.sre.remediation.plugins.module_utils.nomad import (
    DEFAULT_CONTAINERS,
    CommandError,
    collect,
)


def main():
    module = AnsibleModule(
        argument_spec=dict(
            docker_command=dict(type="str", default="docker"),
            nomad_command=dict(type="list", elements="str", default=["docker", "exec", "nomad", "nomad"]),
            containers=dict(type="list", elements="str", default=list(DEFAULT_CONTAINERS)),
            log_lines=dict(type="int", default=200),
            expected_datacenter=dict(type="str", default="default"),
            max_job_details=dict(type="int", default=10),
        ),
        supports_check_mode=True,
    )
    params = module.params
    if params["log_lines"] < 1 or params["max_job_details"] < 0:
        module.fail_json(msg="log_lines must be >= 1 and max_job_details >= 0")
    docker = [module.get_bin_path(params["docker_command"], required=True)]
    nomad = list(params["nomad_command"])
    if nomad and nomad[0] == params["docker_command"]:
        nomad[0] = docker[0]

    def run(args):
        return module.run_command(args)

    try:
        result = collect(run, docker_command=docker, nomad_command=nomad, containers=params["containers"],
                         log_lines=params["log_lines"], expected_datacenter=params["expected_datacenter"],
                         max_job_details=params["max_job_details"])
    except (ParseError, CommandError) as exc:
        module.fail_json(msg=str(exc))
    module.exit_json(changed=False, **result)


if __name__ == "__main__":
    main()
