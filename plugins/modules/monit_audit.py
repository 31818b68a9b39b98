#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright: (c) 2026, sre.remediation contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import annotations

DOCUMENTATION = r"""
module: monit_audit
short_description: Audit whether monit brings a stopped service back
version_added: 1.0.0
description:
  - Reads the monit control files (following C(include) globs), parses their checks, asks systemd whether
    monit is active and how the units behind the checks restart, and returns findings.
  - Flags services that monit only watches through log content or C(systemctl is-enabled), process checks
    without a usable (for example commented-out) start program, C(if N restarts within M cycles then
    unmonitor) rules, a stopped monit and units with C(Restart=no).
  - Read-only; runs the same in check mode.
author: sre.remediation contributors (@sre-remediation)
options:
  paths:
    description:
      - Monit control files or globs to read. C(include) statements found in them are followed.
      - Missing files are reported in RV(files) and are not an error.
    type: list
    elements: str
    default:
      - /etc/monitrc
      - /etc/monit/monitrc
      - /etc/monit.d/*
      - /etc/monit/conf.d/*
      - /etc/monit/conf-enabled/*
  services:
    description:
      - Systemd unit names to audit even when no monit check mentions them (a service without any monit
        check is reported as not recovered by monit).
    type: list
    elements: str
    default: []
extends_documentation_fragment:
  - sre.remediation.attributes
  - sre.remediation.attributes.info_module
notes:
  - Needs C(systemctl) for RV(monit_active) and RV(units); without it both are empty and the related findings
    are skipped.
"""

EXAMPLES = r"""
- name: Audit monit recovery for nginx
  sre.remediation.monit_audit:
    services: [nginx]
  register: __monit

- name: Hand the findings to the report role
  ansible.builtin.include_role:
    name: sre.remediation.report
  vars:
    report_findings: "{{ __monit.findings }}"
"""

RETURN = r"""
checks:
  description: Parsed monit checks of all files (see the P(sre.remediation.monit_checks#filter) filter).
  type: list
  elements: dict
  returned: always
files:
  description: Files and globs looked at, with C(exists), C(readable), C(checks) and C(error).
  type: list
  elements: dict
  returned: always
  sample: [{"path": "/etc/monit/monitrc", "exists": true, "readable": true, "checks": 0, "error": null}]
monit_active:
  description: Whether C(systemctl is-active monit) says active; null when systemctl is missing or systemd
    does not run.
  type: bool
  returned: always
units:
  description: C(systemctl show) properties (Id, Restart, ActiveState, LoadState, Type) per unit, without C(.service).
  type: dict
  returned: always
  sample: {"nginx": {"Id": "nginx.service", "Restart": "no", "ActiveState": "inactive", "LoadState": "loaded"}}
findings:
  description: Findings (ids no_recovery_for_stopped_service, restart_loop_then_unmonitor, monit_not_running,
    systemd_restart_missing, monit_config_unreadable, monit_config_unparseable), most severe first.
  type: list
  elements: dict
  returned: always
"""

import glob
import os

from ansible.module_utils.basic import AnsibleModule

from ansible_collections.sre.remediation.plugins.module_utils.findings import ParseError, finding, sort_findings
from ansible_collections.sre.remediation.plugins.module_utils.monit import (
    audit,
    check_unit,
    parse_monit_config,
    parse_systemctl_show,
)

DEFAULT_PATHS = ["/etc/monitrc", "/etc/monit/monitrc", "/etc/monit.d/*", "/etc/monit/conf.d/*",
                 "/etc/monit/conf-enabled/*"]
SHOW_PROPERTIES = "Id,Restart,ActiveState,LoadState,Type"


def read_configs(paths):
    """Read and parse monit files, following include globs. Returns (checks, files, findings)."""
    checks, files, findings, seen = [], [], [], set()
    queue = [(p, None) for p in paths]
    while queue:
        pattern, base = queue.pop(0)
        if base and not os.path.isabs(pattern):
            pattern = os.path.join(base, pattern)
        is_glob = any(ch in pattern for ch in "*?[")
        matches = sorted(p for p in glob.glob(pattern) if os.path.isfile(p)) if is_glob else [pattern]
        if is_glob and not matches:
            files.append({"path": pattern, "exists": False, "readable": False, "checks": 0, "error": None})
            continue
        for path in matches:
            real = os.path.realpath(path)
            if real in seen:
                continue
            seen.add(real)
            entry = {"path": path, "exists": os.path.exists(path), "readable": False, "checks": 0, "error": None}
            files.append(entry)
            if not entry["exists"]:
                continue
            try:
                with open(path, encoding="utf-8", errors="replace") as handle:
                    text = handle.read()
            except (IOError, OSError) as exc:
                entry["error"] = "cannot read %s: %s" % (path, exc)
                findings.append(finding(
                    "monit_config_unreadable", "warning", "cannot read monit file %s" % path,
                    evidence=[entry["error"]], remedy="run the audit as root (become: true)", data={"path": path}))
                continue
            entry["readable"] = True
            try:
                cfg = parse_monit_config(text, source=path)
            except ParseError as exc:
                entry["error"] = str(exc)
                findings.append(finding(
                    "monit_config_unparseable", "warning",
                    "cannot parse monit file %s, its checks are not audited" % path,
                    evidence=[str(exc)], remedy="fix the file; 'monit -t' shows whether monit itself accepts it",
                    data={"path": path, "line": exc.line}))
                continue
            entry["checks"] = len(cfg["checks"])
            checks.extend(cfg["checks"])
            queue.extend((inc, os.path.dirname(path)) for inc in cfg["includes"])
    return checks, files, findings


UNIT_SUFFIXES = (".service", ".socket", ".target", ".timer", ".mount", ".automount", ".path", ".scope",
                 ".slice", ".swap", ".device")


def unit_name(unit):
    return unit if unit.endswith(UNIT_SUFFIXES) else unit + ".service"


def systemd_state(run_command, systemctl, units):
    """Ask systemd once for monit and once for all units. Returns (monit_active, {unit: props})."""
    if not systemctl:
        return None, {}
    rc, out, _err = run_command([systemctl, "is-active", "monit"])
    state = out.strip()
    # no state at all: systemd is not running here ("System has not been booted with systemd")
    monit_active = (rc == 0 and state == "active") if state else None
    if not units:
        return monit_active, {}
    rc, out, err = run_command([systemctl, "show", "-p", SHOW_PROPERTIES, "--"] + [unit_name(u) for u in units])
    if rc != 0:
        return monit_active, {}
    return monit_active, parse_systemctl_show(out)


def run_audit(module):
    checks, files, findings = read_configs(module.params["paths"])
    services = list(module.params["services"] or [])
    units = sorted({u for u in (check_unit(c) for c in checks) if u} | set(services))
    monit_active, unit_props = systemd_state(module.run_command, module.get_bin_path("systemctl"), units)
    findings.extend(audit(
        checks, monit_active,
        unit_restart={u: p.get("Restart") for u, p in unit_props.items() if "Restart" in p},
        unit_active={u: p.get("ActiveState") for u, p in unit_props.items() if "ActiveState" in p},
        services=services))
    return {"changed": False, "checks": checks, "files": files, "monit_active": monit_active,
            "units": unit_props, "findings": sort_findings(findings)}


def main():
    module = AnsibleModule(
        argument_spec=dict(
            paths=dict(type="list", elements="str", default=list(DEFAULT_PATHS)),
            services=dict(type="list", elements="str", default=[]),
        ),
        supports_check_mode=True,
    )
    module.exit_json(**run_audit(module))


if __name__ == "__main__":
    main()
