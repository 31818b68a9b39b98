#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright: (c) 2026, sre.remediation contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import annotations

DOCUMENTATION = r"""
module: sigdump_info
short_description: Take sigdump thread dumps of td-agent / fluentd and find hung flushes
version_added: 1.0.0
description:
  - Finds the fluentd (td-agent, fluent-package) supervisor from a pid file, the systemd C(MainPID) of a
    service or explicit pids, and its worker children (C(--under-supervisor) on fluentd v1, forked
    children on v0.12).
  - Sends the sigdump signal (default C(SIGCONT)) to the supervisor B(and) every worker, because fluentd
    only dumps the process that receives the signal, waits until each dump file is complete and parses it.
  - Optionally takes a second dump a few seconds later, so that a thread showing the same frames twice is
    reported as C(confirmed_stuck).
  - Returns findings such as C(blocked_network_io), C(shutdown_waiting), C(confirmed_stuck) and
    C(untimed_wait).
  - Dump B(before) stopping the service. fluentd 1.16 and later ignore C(SIGCONT) once they got C(TERM),
    so a dump of a stop that already hangs is usually impossible.
  - Sigdump appends to its file. A file that existed before is left in place and only the bytes this
    module caused are read; files this module caused to be created are removed when O(cleanup=true).
author: sre.remediation contributors (@sre-remediation)
extends_documentation_fragment:
  - sre.remediation.attributes
  - sre.remediation.attributes.INFO_MODULE
  - sre.remediation.attributes.PLATFORM
attributes:
  platform:
    platforms: posix
options:
  service:
    description:
      - systemd service whose C(MainPID) is the fluentd supervisor, for example C(td-agent) or C(fluentd).
      - Ignored when O(pid_file) is set.
    type: str
  pid_file:
    description:
      - Pid file of the supervisor, for example C(/var/run/td-agent/td-agent.pid) or C(/var/run/fluent/fluentd.pid).
    type: path
  pids:
    description:
      - Extra processes to dump as given (no child discovery for them).
    type: list
    elements: int
  signal:
    description:
      - Signal that makes the processes dump (C(SIGDUMP_SIGNAL) of the service).
    type: str
    default: SIGCONT
  dump_dir:
    description:
      - Directory of the C(sigdump-<pid>.log) files when the process has no C(SIGDUMP_PATH) in its environment.
    type: path
    default: /tmp
  dump_path:
    description:
      - Explicit dump file (the service's C(SIGDUMP_PATH)); all processes append to it.
    type: path
  second_dump_after:
    description:
      - Seconds to wait before a second round of dumps. V(0) disables the second dump.
    type: float
    default: 3
  timeout:
    description:
      - Seconds to wait, per process and round, for its dump to be complete (file grown, thread sections and
        the object sections written, size stable).
    type: float
    default: 10
  include_dumps:
    description:
      - Return the full parsed dumps in RV(dumps). When false, return the compact RV(dump_summary) instead.
    type: bool
    default: false
  cleanup:
    description:
      - Remove the dump files this module caused to be created. Files that existed before are never removed.
    type: bool
    default: true
notes:
  - Needs permission to signal the processes (root or the service user) and to read their C(/proc) entries.
seealso:
  - name: fluentd trouble shooting
    description: Dump supervisor and workers with SIGCONT to see where a flush hangs.
    link: https://docs.fluentd.org/deployment/trouble-shooting
"""

EXAMPLES = r"""
- name: Dump td-agent twice, 5 s apart, before restarting it
  sre.remediation.sigdump_info:
    service: td-agent
    second_dump_after: 5
  register: dump

- name: Stop only when no flush is stuck
  ansible.builtin.debug:
    msg: "{{ dump.findings | selectattr('severity', 'equalto', 'critical') | map(attribute='summary') | list }}"

- name: fluent-package 5 by pid file, keep the full dumps
  sre.remediation.sigdump_info:
    pid_file: /var/run/fluent/fluentd.pid
    include_dumps: true
"""

RETURN = r"""
processes:
  description: Processes that were signalled.
  returned: success
  type: list
  elements: dict
  sample: [{"pid": 2340, "ppid": 1, "role": "supervisor", "cmdline": "/opt/fluent/bin/ruby /opt/fluent/bin/fluentd"}]
dump_files:
  description: One entry per dump request (pid, path, round, pre_existed, offset, bytes, complete, removed, error).
  returned: success
  type: list
  elements: dict
dumps:
  description: Parsed dumps (see the parse_sigdump filter), with the role of the process.
  returned: when include_dumps=true
  type: list
  elements: dict
dump_summary:
  description: Per dump counts, thread names and states, top frames.
  returned: when include_dumps=false
  type: list
  elements: dict
findings:
  description: Findings (id, severity, summary, evidence, remedy, fixable, fixed, data).
  returned: success
  type: list
  elements: dict
warnings_list:
  description: Problems met while dumping (missing dump, incomplete dump, SIGDUMP_PATH of a process).
  returned: success
  type: list
  elements: str
"""

from ansible.module_utils.basic import AnsibleModule

from ansible_collections.sre.remediation.plugins.module_utils.sigdump_proc import (
    SigdumpProcError,
    collect,
    discover,
    signal_number,
)


def main():
    module = AnsibleModule(
        argument_spec=dict(
            service=dict(type="str"),
            pid_file=dict(type="path"),
            pids=dict(type="list", elements="int"),
            signal=dict(type="str", default="SIGCONT"),
            dump_dir=dict(type="path", default="/tmp"),
            dump_path=dict(type="path"),
            second_dump_after=dict(type="float", default=3),
            timeout=dict(type="float", default=10),
            include_dumps=dict(type="bool", default=False),
            cleanup=dict(type="bool", default=True),
        ),
        required_one_of=[("service", "pid_file", "pids")],
        supports_check_mode=True,
    )
    p = module.params

    def run(cmd):
        return module.run_command(cmd)

    try:
        signal_number(p["signal"])
        processes = discover(service=p["service"], pid_file=p["pid_file"], pids=p["pids"], run_command=run)
        result = collect(processes, signal_name=p["signal"], dump_dir=p["dump_dir"], dump_path=p["dump_path"],
                         second_dump_after=p["second_dump_after"], timeout=p["timeout"],
                         include_dumps=p["include_dumps"], cleanup=p["cleanup"])
    except SigdumpProcError as exc:
        module.fail_json(msg=str(exc))
    result["warnings_list"] = result.pop("warnings")
    for text in result["warnings_list"]:
        module.warn(text)
    module.exit_json(changed=False, **result)


if __name__ == "__main__":
    main()
