#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright: (c) 2026, sre.remediation contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import annotations

DOCUMENTATION = r"""
module: td_agent_restart
short_description: Detect td-agent / fluent-package and restart it safely with bounded waits
version_added: 1.0.0
description:
  - Detects the installation from the host (O(flavour=auto)) - td-agent 2/3 driven by C(/etc/init.d/td-agent),
    td-agent 4 (native C(td-agent.service)) or fluent-package 5 (native C(fluentd.service)) - and returns its
    service, pid file, log, buffer directories, gem executable and the installed versions of O(gems).
  - With O(action=restart), restarts it in one call, every step bounded and logged in RV(steps) -
    sigdump of supervisor and workers (evidence), C(SIGUSR1) flush and a wait for file-buffer chunks to drain,
    a graceful stop (C(SIGTERM) to the supervisor, or C(systemctl stop --no-block)), then, if processes are
    still alive, C(SIGTERM) and after O(worker_timeout) C(SIGKILL) to the stuck worker, then the supervisor
    (C(SIGKILL) only after O(kill_timeout)), removal of a stale pid file (only when no live process owns it),
    start, and a check that supervisor and worker run and the log shows a clean start.
  - Never starts a second instance - nothing is started while an old process is alive - and fails clearly
    when the service does not come back.
  - In check mode it sends only the dump signal and returns the exact steps it would take.
author: sre.remediation contributors (@sre-remediation)
extends_documentation_fragment:
  - sre.remediation.attributes
  - sre.remediation.attributes.PLATFORM
attributes:
  check_mode:
    support: full
    details:
      - Sends only the dump signal (C(SIGCONT)); the stop, kill and start steps are returned as C(planned).
  diff_mode:
    support: none
  platform:
    platforms: posix
options:
  action:
    description:
      - V(detect) only reports the installation (read-only); V(restart) restarts it.
    type: str
    choices: [detect, restart]
    default: detect
  flavour:
    description:
      - Installation flavour; V(auto) detects it from the host.
    type: str
    choices: [auto, td-agent-init, td-agent4, fluent-package5]
    default: auto
  pid_file:
    description: Supervisor pid file (default from the flavour).
    type: path
  log_file:
    description: td-agent log that must show a clean start (default from the flavour).
    type: path
  buffer_dirs:
    description: Directories of file-buffer chunks (default - the flavour's and every buffer C(path) of the config).
    type: list
    elements: path
  gems:
    description: Gems whose installed versions are returned in RV(gem_versions).
    type: list
    elements: str
    default: []
  findings:
    description:
      - Findings of M(sre.remediation.sigdump_info). With O(known_fixes), RV(gem_plan) says which gem to update
        to which version.
    type: list
    elements: dict
    default: []
  known_fixes:
    description:
      - Known-fixes table - list of C(gem), C(bad_versions) (requirement), C(fixed_version), C(requirement)
        (pin for the update), C(why).
    type: list
    elements: dict
    default: []
  gem_source:
    description: Gem source URL for the remote version query (C(--clear-sources --source)).
    type: str
  gem_constraints:
    description: 'Requirement per gem that overrides the pin of the table, for example C({"mackerel-client": ">=0.1.1,<0.9"}).'
    type: dict
    default: {}
  dump:
    description: Take a sigdump of supervisor and workers before anything else.
    type: bool
    default: true
  second_dump_after:
    description: Seconds before a second dump round (V(0) = one round).
    type: float
    default: 0
  flush_timeout:
    description: Seconds to wait for file-buffer chunks to drain after C(SIGUSR1).
    type: float
    default: 30
  stop_timeout:
    description: Seconds to wait for the graceful stop.
    type: float
    default: 60
  worker_timeout:
    description: Seconds a stuck worker gets after its own C(SIGTERM) before C(SIGKILL).
    type: float
    default: 10
  kill_timeout:
    description: Seconds to wait after C(SIGKILL), and for the supervisor after its C(SIGTERM).
    type: float
    default: 10
  start_timeout:
    description: Seconds to wait for supervisor, worker and the clean-start log line.
    type: float
    default: 60
  start_if_stopped:
    description: Start the service when it was not running.
    type: bool
    default: true
notes:
  - Run as root.
seealso:
  - module: sre.remediation.sigdump_info
"""

EXAMPLES = r"""
- name: Which td-agent is this and which mackerel-client does it carry
  sre.remediation.td_agent_restart:
    gems: [mackerel-client]
  register: td

- name: Safe restart with short bounds
  sre.remediation.td_agent_restart:
    action: restart
    flush_timeout: 10
    stop_timeout: 20
  register: restart
"""

RETURN = r"""
flavour:
  description: Detected flavour.
  returned: always
  type: str
  sample: td-agent-init
installation:
  description: Control path, service, init script, pid file, log file, config, buffer dirs, gem executable.
  returned: always
  type: dict
gem_versions:
  description: Installed versions per gem of O(gems), newest first.
  returned: always
  type: dict
  sample: {"mackerel-client": ["0.1.1", "0.1.0"]}
running:
  description: Supervisor and worker pids now (after a restart - the new ones).
  returned: always
  type: dict
steps:
  description: The step log of the restart (step, name, status done|planned|skipped|timeout|failed, detail, at).
  returned: when action=restart
  type: list
  elements: dict
escalated:
  description: The graceful stop timed out and processes were stopped by escalation.
  returned: when action=restart
  type: bool
killed:
  description: Pids that got SIGKILL.
  returned: when action=restart
  type: list
  elements: int
gem_plan:
  description: Per gem of a known fix - running, installed and target version, action (update, restart, unavailable).
  returned: always
  type: list
  elements: dict
findings:
  description: Findings of the sigdump taken before the restart.
  returned: when action=restart
  type: list
  elements: dict
"""

import re

from ansible.module_utils.basic import AnsibleModule

from ansible_collections.sre.remediation.plugins.module_utils.td_agent import (
    Restarter,
    TdAgentError,
    buffer_dirs,
    detect,
    parse_gem_list,
    plan_gem_fixes,
    processes,
    validate,
)


def gem_versions(module, exe, names, remote=False, source=None):
    out = {}
    for name in names:
        if not exe:
            out[name] = []
            continue
        cmd = [exe, "list", "--norc"]
        cmd += ["--remote", "--all"] + (["--clear-sources", "--source", source] if source else []) if remote \
            else ["--local"]
        rc, stdout, stderr = module.run_command(cmd + ["^%s$" % re.escape(name)])
        if rc != 0:
            module.fail_json(msg="%s failed: %s" % (" ".join(cmd), stderr or stdout))
        out[name] = parse_gem_list(stdout, name)
    return out


def main():
    module = AnsibleModule(
        argument_spec=dict(
            action=dict(type="str", choices=["detect", "restart"], default="detect"),
            flavour=dict(type="str", choices=["auto", "td-agent-init", "td-agent4", "fluent-package5"],
                         default="auto"),
            pid_file=dict(type="path"),
            log_file=dict(type="path"),
            buffer_dirs=dict(type="list", elements="path"),
            gems=dict(type="list", elements="str", default=[]),
            findings=dict(type="list", elements="dict", default=[]),
            known_fixes=dict(type="list", elements="dict", default=[]),
            gem_source=dict(type="str"),
            gem_constraints=dict(type="dict", default={}),
            dump=dict(type="bool", default=True),
            second_dump_after=dict(type="float", default=0),
            flush_timeout=dict(type="float", default=30),
            stop_timeout=dict(type="float", default=60),
            worker_timeout=dict(type="float", default=10),
            kill_timeout=dict(type="float", default=10),
            start_timeout=dict(type="float", default=60),
            start_if_stopped=dict(type="bool", default=True),
        ),
        supports_check_mode=True,
    )
    p = module.params

    def run(cmd):
        return module.run_command(cmd)

    try:
        info = detect(p["flavour"], run=run)
        for key in ("pid_file", "log_file"):
            if p[key]:
                info[key] = p[key]
        info["buffer_dirs"] = p["buffer_dirs"] or buffer_dirs(info)
        params = validate({k: p[k] for k in ("dump", "second_dump_after", "flush_timeout", "stop_timeout",
                                             "worker_timeout", "kill_timeout", "start_timeout",
                                             "start_if_stopped")})
        params["buffer_dirs"] = info["buffer_dirs"]
    except TdAgentError as exc:
        module.fail_json(msg=str(exc))
    names = list(p["gems"]) + [f.get("gem") for f in p["known_fixes"] if f.get("gem") not in p["gems"]]
    installed = gem_versions(module, info["gem_executable"], names)
    result = {"flavour": info["flavour"], "installation": info, "gem_versions": installed, "gem_plan": []}
    try:
        plan = plan_gem_fixes(p["findings"], p["known_fixes"], installed, {}, p["gem_constraints"])
        wanted = [e["gem"] for e in plan if e["action"] != "restart"]
        if wanted:
            available = gem_versions(module, info["gem_executable"], wanted, remote=True, source=p["gem_source"])
            plan = plan_gem_fixes(p["findings"], p["known_fixes"], installed, available, p["gem_constraints"])
        result["gem_plan"] = plan
    except TdAgentError as exc:
        module.fail_json(msg=str(exc))
    if p["action"] == "restart":
        r = Restarter(info, params, check_mode=module.check_mode, run=run)
        try:
            out = r.restart()
        except TdAgentError as exc:
            sup, workers, _note = processes(info, run)
            module.fail_json(msg=str(exc), steps=r.steps, escalated=r.escalated, killed=r.killed,
                             findings=r.findings, running={"supervisor": sup, "workers": workers}, **result)
        result.update(out)
    sup, workers, note = processes(info, run)
    result["running"] = {"supervisor": sup, "workers": workers, "note": note}
    result.setdefault("changed", False)
    module.exit_json(**result)


if __name__ == "__main__":
    main()
