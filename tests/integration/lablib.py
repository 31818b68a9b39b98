"""Helpers for integration tests against the running lab (tests/lab/lab up)."""

from __future__ import annotations

import json
import os
import re
import subprocess

import yaml

ROOT = os.path.abspath(os.path.join(os.path.dirname(__file__), "..", ".."))
BIN = os.path.join(ROOT, ".venv", "bin")
INVENTORY = os.path.join(ROOT, "inventories", "lab", "hosts.yml")
KEY = os.path.join(ROOT, ".lab", "ssh", "id_ed25519")
REPORTS = os.path.join(ROOT, "reports")
RECAP = re.compile(r"^(\S+)\s+:\s+ok=(\d+)\s+changed=(\d+)\s+unreachable=(\d+)\s+failed=(\d+)\s+skipped=(\d+)", re.M)


def env():
    return dict(os.environ, ANSIBLE_CONFIG=os.path.join(ROOT, "ansible.cfg"), ANSIBLE_FORCE_COLOR="false",
                ANSIBLE_NOCOLOR="1", PATH=BIN + os.pathsep + os.environ.get("PATH", ""))


class Run:
    def __init__(self, proc):
        self.rc = proc.returncode
        self.stdout = proc.stdout
        self.recap = {m.group(1): {"ok": int(m.group(2)), "changed": int(m.group(3)), "unreachable": int(m.group(4)),
                                   "failed": int(m.group(5))} for m in RECAP.finditer(proc.stdout)}

    def changed(self, host):
        return self.recap[host]["changed"]

    def __repr__(self):
        return "Run(rc=%s)\n%s" % (self.rc, self.stdout[-6000:])


def playbook(path, *args, extra_vars=None, limit=None, check=False, diff=False, timeout=900):
    cmd = [os.path.join(BIN, "ansible-playbook"), os.path.join(ROOT, path)]
    if limit:
        cmd += ["--limit", limit]
    if extra_vars:
        cmd += ["--extra-vars", json.dumps(extra_vars)]
    if check:
        cmd.append("--check")
    if diff:
        cmd.append("--diff")
    cmd += list(args)
    proc = subprocess.run(cmd, cwd=ROOT, env=env(), text=True, stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                          timeout=timeout, check=False)
    return Run(proc)


def adhoc(pattern, module, args="", become=False, timeout=300):
    cmd = [os.path.join(BIN, "ansible"), pattern, "-m", module, "-o"]
    if args:
        cmd += ["-a", args]
    if become:
        cmd.append("--become")
    return subprocess.run(cmd, cwd=ROOT, env=env(), text=True, stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                          timeout=timeout, check=False)


def inventory_hosts():
    with open(INVENTORY, encoding="utf-8") as handle:
        return yaml.safe_load(handle)["all"]["hosts"]


def sh(host, command, become=True, timeout=120, check=True, stdin=None):
    """Run a shell command on a lab host over real SSH (as ops, with sudo when become)."""
    port = inventory_hosts()[host]["ansible_port"]
    remote = "sudo -n sh -c %s" % _quote(command) if become else command
    proc = subprocess.run(["ssh", "-q", "-i", KEY, "-p", str(port), "-o", "BatchMode=yes", "-o", "StrictHostKeyChecking=no",
                           "-o", "UserKnownHostsFile=/dev/null", "ops@127.0.0.1", remote],
                          text=True, input=stdin, stdout=subprocess.PIPE, stderr=subprocess.PIPE, timeout=timeout,
                          check=False)
    if check and proc.returncode != 0:
        raise AssertionError("%s: %r failed rc=%d\n%s\n%s" % (host, command, proc.returncode, proc.stdout, proc.stderr))
    return proc


def _quote(text):
    return "'" + text.replace("'", "'\"'\"'") + "'"


def latest_report(name):
    with open(os.path.join(REPORTS, "latest-%s.json" % name), encoding="utf-8") as handle:
        return json.load(handle)


def host_report(report, host):
    return next(h for h in report["hosts"] if h["host"] == host)
