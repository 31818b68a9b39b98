# -*- coding: utf-8 -*-
# Copyright: (c) 2026, sre.remediation contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""The Logtail test double (tests/lab/doubles/logtail) run unprivileged in a temp root, and the
logtail module_utils gathering (gather + analyse) pointed at that root."""

from __future__ import annotations

import json
import os
import socket
import subprocess
import sys
import time
import urllib.request

import pytest

from ansible_collections.sre.remediation.plugins.module_utils import logtail as L

HERE = os.path.dirname(os.path.abspath(__file__))
DOUBLE = os.path.join(HERE, "..", "lab", "doubles", "logtail")

pytestmark = pytest.mark.skipif(not sys.platform.startswith("linux"), reason="needs /proc")


def free_port():
    s = socket.socket()
    s.bind(("127.0.0.1", 0))
    port = s.getsockname()[1]
    s.close()
    return port


def get(url):
    try:
        with urllib.request.build_opener(urllib.request.ProxyHandler({})).open(url, timeout=3) as r:
            return r.status, r.read().decode()
    except urllib.error.HTTPError as exc:
        return exc.code, exc.read().decode()


@pytest.fixture()
def server():
    port = free_port()
    proc = subprocess.Popen([sys.executable, os.path.join(DOUBLE, "config_server.py"), "--host", "127.0.0.1",
                             "--port", str(port), "--group", "grp=10.9.9.9"])
    url = "http://127.0.0.1:%d" % port
    for _attempt in range(50):
        try:
            get(url + "/heartbeats")
            break
        except OSError:
            time.sleep(0.1)
    yield url
    proc.terminate()
    proc.wait(5)


@pytest.fixture()
def lab(tmp_path, server):
    root = str(tmp_path / "root")
    subprocess.run(["sh", os.path.join(DOUBLE, "install.sh"), "--root", root, "--python", sys.executable,
                    "--config-server", server], check=True, stdout=subprocess.PIPE)
    env = dict(os.environ, LOGTAIL_DOUBLE_ROOT=root, LOGTAIL_DOUBLE_HOSTNAME="web-01",
               LOGTAIL_DOUBLE_RESOLVE="127.0.1.1", LOGTAIL_DOUBLE_IFACES="lo=127.0.0.1;ens5=10.9.9.9",
               LOGTAIL_DOUBLE_HEARTBEAT_INTERVAL="0.3")
    init = os.path.join(root, "etc/init.d/ilogtaild")

    def ctl(*args, **extra):
        e = dict(env, **extra)
        return subprocess.run(["sh", init] + list(args), env=e, stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                              universal_newlines=True, timeout=30, check=False)

    lab = {"root": root, "env": env, "ctl": ctl, "server": server,
           "dir": os.path.join(root, "usr/local/ilogtail")}
    yield lab
    ctl("stop")


def run_factory(env):
    def run(argv):
        if argv[0] == "ip":
            return 0, "1: lo    inet 127.0.0.1/8 scope host lo\n2: ens5    inet 10.9.9.9/24 scope global ens5\n", ""
        if argv[0] == "iptables":
            return 127, "", "not found"
        p = subprocess.run(["sh"] + list(argv), env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                           universal_newlines=True, check=False)
        return p.returncode, p.stdout, p.stderr
    return run


def read_app_info(lab):
    with open(os.path.join(lab["dir"], "app_info.json")) as fh:
        return fh.read()


def wait_heartbeat(url, ip, timeout=5):
    deadline = time.time() + timeout
    while time.time() < deadline:
        beats = json.loads(get(url + "/heartbeats")[1])
        if ip in beats:
            return beats[ip]
        time.sleep(0.1)
    return None


def test_init_script_and_processes(lab):
    assert lab["ctl"]("status").returncode != 0
    r = lab["ctl"]("start")
    assert r.returncode == 0 and "ilogtail is running" in r.stdout
    r = lab["ctl"]("status")
    assert r.returncode == 0 and r.stdout.strip() == "ilogtail is running"
    procs = L.list_agent_processes(L.LOGTAIL_DIR, lab["root"])
    assert len(procs) == 2
    daemon = [p for p in procs if p["ppid"] not in {q["pid"] for q in procs}]
    assert len(daemon) == 1 and daemon[0]["comm"] == "ilogtail"
    assert "Usage: ./ilogtaild { start | stop" in lab["ctl"]("-h").stdout
    lab["ctl"]("stop")
    r = lab["ctl"]("status")
    assert r.returncode != 0 and "is running" not in r.stdout
    assert L.list_agent_processes(L.LOGTAIL_DIR, lab["root"]) == []


def test_app_info_format_log_and_heartbeat(lab):
    lab["ctl"]("start")
    text = read_app_info(lab)
    assert text.startswith('{\n\t"UUID" : ') and '\t"ip" : "10.9.9.9",' in text
    info = L.parse_app_info(text)
    # Debian-style 127.0.1.1 + no eth0/bond0: the agent takes ANY NIC, as pick_ip predicts
    assert info["ip"] == L.pick_ip("web-01", ["127.0.1.1"], {"lo": ["127.0.0.1"], "ens5": ["10.9.9.9"]})["ip"]
    with open(os.path.join(lab["dir"], "ilogtail.LOG")) as fh:
        log = L.parse_agent_log(fh.read())
    assert log["loaded_config"]["config_server_address"] == lab["server"]
    assert any("get available ip succeeded:10.9.9.9" in x for x in log["ip_lines"])
    beat = wait_heartbeat(lab["server"], "10.9.9.9")
    assert beat and beat["hostname"] == "web-01" and beat["region"] == "cn-hangzhou" and beat["user_ids"] == []
    machines = json.loads(get(lab["server"] + "/machinegroups/grp/machines")[1])["machines"]
    assert machines[0]["ip"] == "10.9.9.9" and machines[0]["lastHeartbeatTime"] > 0
    code, body = get(lab["server"] + "/")
    assert "OLSInvalidMethod" in body and code == 400


def test_working_ip_env_and_json_precedence_and_update_time(lab):
    lab["ctl"]("start", ALIYUN_LOGTAIL_WORKING_IP="10.7.7.7")
    assert L.parse_app_info(read_app_info(lab))["ip"] == "10.7.7.7"
    lab["ctl"]("stop")
    cfg_path = os.path.join(lab["dir"], "ilogtail_config.json")
    with open(cfg_path) as fh:
        new = L.set_working_ip(fh.read(), "10.8.8.8")
    with open(cfg_path, "w") as fh:
        fh.write(new)
    before = L.parse_app_info(read_app_info(lab))["instance_id"]
    time.sleep(1.1)
    lab["ctl"]("start", ALIYUN_LOGTAIL_WORKING_IP="10.7.7.7")
    info = L.parse_app_info(read_app_info(lab))
    assert info["ip"] == "10.8.8.8" and info["instance_id"] != before  # JSON wins over env
    assert wait_heartbeat(lab["server"], "10.8.8.8")


def test_empty_ip_no_heartbeat(lab):
    lab["ctl"]("start", LOGTAIL_DOUBLE_IFACES="lo=127.0.0.1")
    assert L.parse_app_info(read_app_info(lab))["ip"] is None
    time.sleep(0.8)
    assert json.loads(get(lab["server"] + "/heartbeats")[1]) == {}


def test_user_ids_read_each_heartbeat_files_only(lab):
    users = os.path.join(lab["root"], "etc/ilogtail/users")
    open(os.path.join(users, "1234567890"), "w").close()
    os.mkdir(os.path.join(users, "999"))  # mkdir by mistake: not counted
    with open(os.path.join(lab["root"], "etc/ilogtail/user_defined_id"), "w") as fh:
        fh.write("grp-a\ngrp-b\n")
    lab["ctl"]("start")
    beat = wait_heartbeat(lab["server"], "10.9.9.9")
    assert beat["user_ids"] == ["1234567890"] and beat["user_defined_id"] == ["grp-a", "grp-b"]


def test_invalid_config_agent_does_not_start(lab):
    with open(os.path.join(lab["dir"], "ilogtail_config.json"), "w") as fh:
        fh.write('{ "config_server_address" : "x", // comment\n}')
    r = lab["ctl"]("start")
    assert r.returncode != 0
    assert lab["ctl"]("status").returncode != 0


def test_gather_and_analyse_against_the_double(lab):
    env = lab["env"]
    os.mkdir(os.path.join(lab["root"], "etc/ilogtail/users/1234"))
    lab["ctl"]("start")
    # multiple instances: run the binary once more
    subprocess.run([os.path.join(lab["dir"], "ilogtail")], env=env, check=True)
    with open(os.path.join(lab["root"], "etc/hosts"), "w") as fh:
        fh.write("127.0.0.1 localhost\n127.0.1.1 web-01\n")
    facts = L.gather(lab["root"], run=run_factory(env), hostname="web-01", resolve=lambda h: ["127.0.1.1"],
                     endpoint_overrides={"cn-hangzhou-intranet.log.aliyuncs.com": lab["server"] + "/"},
                     probe_timeout=2)
    assert facts["layout"]["flavour"] == "logtail" and facts["layout"]["binary_target"] == "ilogtail_2.0.8"
    assert facts["status"]["rc"] == 0 and len(facts["processes"]) == 4
    assert facts["app_info"]["ip"] == "10.9.9.9" and facts["would_pick"]["source"] == "any"
    assert facts["hosts_lines"] == ["127.0.1.1 web-01"]
    assert all(e["reachable"] for e in facts["endpoints"]) and facts["endpoints"][1]["ols"]
    assert facts["users"]["entries"] == [{"name": "1234", "type": "directory"}]
    facts.update(expected_region="cn-beijing", user_ids=["1234"], machine_group_ips=["10.9.9.9"])
    found = {f["id"]: f for f in L.analyse(facts)}
    assert set(found) >= {"agent_multiple_instances", "hostname_bound_to_loopback", "region_mismatch",
                          "user_id_missing"}
    assert "app_info_ip_empty" not in found and "ip_not_in_machine_group" not in found
    # fix: stop + start, then edit the config without restart
    lab["ctl"]("stop")
    lab["ctl"]("start")
    time.sleep(1.1)
    cfg_path = os.path.join(lab["dir"], "ilogtail_config.json")
    with open(cfg_path) as fh:
        text = fh.read()
    with open(cfg_path, "w") as fh:
        fh.write(L.set_working_ip(text, "10.9.9.9"))
    facts = L.gather(lab["root"], run=run_factory(env), hostname="web-01", resolve=lambda h: ["127.0.1.1"],
                     probe=False)
    found = {f["id"]: f for f in L.analyse(facts)}
    assert len(facts["processes"]) == 2 and "agent_multiple_instances" not in found
    assert found["config_changed_not_restarted"]["data"]["differing_keys"] == ["working_ip"]
    lab["ctl"]("restart")
    facts = L.gather(lab["root"], run=run_factory(env), hostname="web-01", resolve=lambda h: ["127.0.1.1"],
                     probe=False)
    assert "config_changed_not_restarted" not in {f["id"] for f in L.analyse(facts)}


def test_gather_not_installed(tmp_path):
    facts = L.gather(str(tmp_path), run=None, hostname="h", resolve=lambda h: [], probe=False)
    assert [f["id"] for f in L.analyse(facts)] == ["agent_not_installed"]


def test_gather_stale_ip_from_hosts(tmp_path, lab):
    env = dict(lab["env"], LOGTAIL_DOUBLE_RESOLVE="10.9.9.99")
    lab["ctl"]("start", LOGTAIL_DOUBLE_RESOLVE="10.9.9.99")
    assert L.parse_app_info(read_app_info(lab))["ip"] == "10.9.9.99"  # foreign address taken anyway
    facts = L.gather(lab["root"], run=run_factory(env), hostname="web-01", resolve=lambda h: ["10.9.9.99"],
                     probe=False)
    ids = {f["id"] for f in L.analyse(facts)}
    assert {"hostname_bound_to_stale_ip", "app_info_ip_not_local"} <= ids
