"""Start, stop and describe the lab of real Debian 12 systemd hosts (podman, runc).

    lab build   build the image if it is not cached (tests/lab/build-image.sh)
    lab up      start every host of the spec (idempotent), write the inventory, provision
    lab down    remove every lab container and the lab network (idempotent)
    lab status  one line per spec host: container state, ssh port, bridge IP
    lab ssh H   open a shell on host H as the ops user

Several labs can run side by side (for example CI in a second checkout): LAB_INSTANCE names the
containers, the network and their label (default sre-lab), LAB_PORT_OFFSET shifts every ssh port and
LAB_SUBNET replaces the network's subnet.

Everything podman does here uses tests/lab/containers.conf (runc, lowered ulimits) through
CONTAINERS_CONF, so no system file is changed.
"""

from __future__ import annotations

import argparse
import json
import os
import socket
import subprocess
import sys
import time

import yaml

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.abspath(os.path.join(HERE, "..", ".."))
STATE_DIR = os.path.join(ROOT, ".lab")
KEY = os.path.join(STATE_DIR, "ssh", "id_ed25519")
INVENTORY = os.path.join(ROOT, "inventories", "lab", "hosts.yml")
LABEL = "sre-remediation-lab"
INSTANCE = os.environ.get("LAB_INSTANCE", "sre-lab")
PORT_OFFSET = int(os.environ.get("LAB_PORT_OFFSET", "0"))
ENV = dict(os.environ, CONTAINERS_CONF=os.environ.get("CONTAINERS_CONF", os.path.join(HERE, "containers.conf")))


def log(msg):
    print("lab: %s" % msg, flush=True)


def podman(*args, check=True, capture=True):
    proc = subprocess.run(["podman", *args], env=ENV, text=True,
                          stdout=subprocess.PIPE if capture else None,
                          stderr=subprocess.PIPE if capture else None)
    if check and proc.returncode != 0:
        raise SystemExit("lab: podman %s failed (rc=%d): %s" % (" ".join(args), proc.returncode,
                                                                  (proc.stderr or "").strip()))
    return proc


def load_spec(path):
    with open(path, encoding="utf-8") as handle:
        spec = yaml.safe_load(handle)
    names = [h["name"] for h in spec["hosts"]]
    if len(set(names)) != len(names):
        raise SystemExit("lab: duplicate host names in %s" % path)
    spec["network"]["name"] = INSTANCE
    spec["network"]["subnet"] = os.environ.get("LAB_SUBNET", spec["network"]["subnet"])
    for host in spec["hosts"]:
        host["ssh_port"] += PORT_OFFSET
    return spec


def container(name):
    return "%s-%s" % (INSTANCE, name)


def label():
    return "%s=%s" % (LABEL, INSTANCE)


def ensure_key():
    if not os.path.exists(KEY):
        os.makedirs(os.path.dirname(KEY), mode=0o700, exist_ok=True)
        subprocess.run(["ssh-keygen", "-q", "-t", "ed25519", "-N", "", "-C", "sre-lab", "-f", KEY], check=True)
        log("generated lab ssh key %s" % KEY)


def ensure_image(spec):
    if podman("image", "exists", spec["image"], check=False).returncode != 0:
        subprocess.run([os.path.join(HERE, "build-image.sh")], env=dict(ENV, LAB_IMAGE=spec["image"]), check=True)


def ensure_network(spec):
    net = spec["network"]
    if podman("network", "exists", net["name"], check=False).returncode != 0:
        podman("network", "create", "--subnet", net["subnet"], "--label", label(), net["name"])


def state_of(name):
    proc = podman("inspect", "--type", "container", container(name), check=False)
    if proc.returncode != 0:
        return None
    return json.loads(proc.stdout)[0]


def bridge_ip(info, network):
    nets = (info.get("NetworkSettings") or {}).get("Networks") or {}
    return (nets.get(network) or {}).get("IPAddress") or ""


def start_host(spec, host):
    info = state_of(host["name"])
    if info and info["State"]["Running"]:
        return False
    if info:
        podman("rm", "-f", container(host["name"]))
    podman("run", "--detach", "--name", container(host["name"]), "--hostname", host["name"],
           "--label", label(), "--systemd=always", "--network", spec["network"]["name"],
           "--publish", "127.0.0.1:%d:22" % host["ssh_port"],
           "--volume", "%s.pub:/etc/ssh/authorized_keys/ops:ro" % KEY,
           "--tmpfs", "/tmp:rw,exec,mode=1777",
           *host.get("podman_args", []), spec["image"], "/sbin/init")
    return True


def wait_ssh(host, deadline):
    cmd = ["ssh", "-q", "-i", KEY, "-p", str(host["ssh_port"]), "-o", "BatchMode=yes",
           "-o", "StrictHostKeyChecking=no", "-o", "UserKnownHostsFile=/dev/null", "-o", "ConnectTimeout=3",
           "ops@127.0.0.1", "sudo -n true && systemctl is-system-running --wait >/dev/null; true"]
    while time.time() < deadline:
        try:
            with socket.create_connection(("127.0.0.1", host["ssh_port"]), timeout=2):
                pass
            if subprocess.run(cmd, stdin=subprocess.DEVNULL, capture_output=True, timeout=60).returncode == 0:
                return True
        except (OSError, subprocess.TimeoutExpired):
            pass
        time.sleep(1)
    return False


def write_inventory(spec):
    groups = {}
    hosts = {}
    for host in spec["hosts"]:
        info = state_of(host["name"]) or {}
        hosts[host["name"]] = dict(
            ansible_host="127.0.0.1",
            ansible_port=host["ssh_port"],
            lab_ip=bridge_ip(info, spec["network"]["name"]),
            **host.get("vars", {}),
        )
        for group in host.get("groups", []):
            groups.setdefault(group, {"hosts": {}})["hosts"][host["name"]] = None
    inventory = {"all": {"hosts": hosts, "children": {"lab": {"children": {g: {} for g in groups}}, **groups}}}
    os.makedirs(os.path.dirname(INVENTORY), exist_ok=True)
    with open(INVENTORY, "w", encoding="utf-8") as handle:
        handle.write("# Written by tests/lab/lab up from tests/lab/lab.yml -- do not edit.\n")
        yaml.safe_dump(inventory, handle, default_flow_style=False, sort_keys=False)


def provision(names):
    playbook = os.path.join(HERE, "provision.yml")
    if not names or not os.path.exists(playbook):
        return
    log("provisioning %s" % ", ".join(names))
    ansible = os.path.join(ROOT, ".venv", "bin", "ansible-playbook")
    subprocess.run([ansible if os.path.exists(ansible) else "ansible-playbook", playbook,
                    "--limit", ",".join(names)], cwd=ROOT, check=True)


def cmd_up(spec, args):
    ensure_key()
    ensure_image(spec)
    ensure_network(spec)
    started = [h for h in spec["hosts"] if start_host(spec, h)]
    deadline = time.time() + args.timeout
    for host in spec["hosts"]:
        if not wait_ssh(host, deadline):
            raise SystemExit("lab: %s did not answer on ssh port %d within %ds"
                             % (host["name"], host["ssh_port"], args.timeout))
    write_inventory(spec)
    provision([h["name"] for h in started] if not args.provision_all else [h["name"] for h in spec["hosts"]])
    log("up: %d host(s), %d started now; inventory %s" % (len(spec["hosts"]), len(started),
                                                          os.path.relpath(INVENTORY, ROOT)))


def lab_containers(spec):
    """Containers of this lab: by label, and by the names the spec gives (whatever their label)."""
    names = set(podman("ps", "-a", "--filter", "label=%s" % label(), "--format", "{{.Names}}").stdout.split())
    names.update(container(h["name"]) for h in spec["hosts"] if state_of(h["name"]))
    return sorted(names)


def cmd_down(spec, args):
    names = lab_containers(spec)
    for name in names:
        # podman can lose a race between its stop signal and SIGKILL ("container state improper");
        # the container is stopped by then, and a second rm removes it.
        for attempt in range(3):
            if podman("rm", "-f", "-t", "2", name, check=attempt == 2).returncode == 0:
                break
            time.sleep(1)
    if podman("network", "exists", spec["network"]["name"], check=False).returncode == 0:
        podman("network", "rm", "-f", spec["network"]["name"])
    left = lab_containers(spec)
    if left:
        raise SystemExit("lab: down left containers behind: %s" % ", ".join(left))
    log("down: removed %d container(s); nothing of lab %s is left" % (len(names), INSTANCE))


def cmd_status(spec, args):
    rc = 0
    for host in spec["hosts"]:
        info = state_of(host["name"])
        state = info["State"]["Status"] if info else "absent"
        if state != "running":
            rc = 3
        print("%-10s %-8s ssh=127.0.0.1:%d ip=%s" % (host["name"], state, host["ssh_port"],
                                                     bridge_ip(info or {}, spec["network"]["name"]) or "-"))
    return rc


def cmd_build(spec, args):
    extra = ["--force"] if args.force else []
    subprocess.run([os.path.join(HERE, "build-image.sh"), *extra], env=dict(ENV, LAB_IMAGE=spec["image"]),
                   check=True)


def cmd_ssh(spec, args):
    host = next((h for h in spec["hosts"] if h["name"] == args.host), None)
    if not host:
        raise SystemExit("lab: no host %r in the spec" % args.host)
    os.execvp("ssh", ["ssh", "-i", KEY, "-p", str(host["ssh_port"]), "-o", "StrictHostKeyChecking=no",
                      "-o", "UserKnownHostsFile=/dev/null", "ops@127.0.0.1", *args.command])


def main(argv=None):
    parser = argparse.ArgumentParser(prog="lab", description=__doc__.split("\n")[0])
    parser.add_argument("--spec", default=os.path.join(HERE, "lab.yml"))
    sub = parser.add_subparsers(dest="cmd", required=True)
    up = sub.add_parser("up")
    up.add_argument("--timeout", type=int, default=120)
    up.add_argument("--provision-all", action="store_true", help="re-run provisioning on running hosts too")
    sub.add_parser("down")
    sub.add_parser("status")
    build = sub.add_parser("build")
    build.add_argument("--force", action="store_true")
    ssh = sub.add_parser("ssh")
    ssh.add_argument("host")
    ssh.add_argument("command", nargs="*")
    args = parser.parse_args(argv)
    spec = load_spec(args.spec)
    handler = {"up": cmd_up, "down": cmd_down, "status": cmd_status, "build": cmd_build, "ssh": cmd_ssh}[args.cmd]
    return handler(spec, args) or 0


if __name__ == "__main__":
    sys.exit(main())
