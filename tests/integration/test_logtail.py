"""fix-logtail.yml against the Logtail double on logtail1/logtail2 (issue 5).

Each test puts both hosts into a fault with /usr/local/sbin/logtail-lab-fault (tests/lab/doubles/logtail), runs the
playbook once for both hosts, and checks the report, the files and the heartbeats that reach the config-server sink
on each host's 127.0.0.1:8080. The "NIC not named eth0" fault needs CAP_NET_ADMIN, which lab hosts lack: the test
renames eth0 -> ens3 in the container's network namespace from the controller (nsenter) and always renames it back.
"""

import json
import os
import subprocess
import time

import pytest
from lablib import ROOT, host_report, inventory_hosts, latest_report, playbook, sh

PLAYBOOK = "playbooks/fix-logtail.yml"
HOSTS = ("logtail1", "logtail2")
USER_ID = "1234567890123456"
CFG = "/usr/local/ilogtail/ilogtail_config.json"
HASH = "find /usr/local/ilogtail /etc/ilogtail -xdev | sort | while read -r f; do" \
       " if [ -f \"$f\" ]; then sha256sum \"$f\"; else stat -c '%F %n' \"$f\"; fi; done"


# the sink on each host also fakes the SLS API (GetMachineGroup/ListMachines of project lab, group lab-group, signed
# with this lab-only key); with logtail_machine_group_ips empty the role takes the group's IPs from the API
SLS = {"logtail_machine_group_ips": [], "logtail_sls_endpoint": "http://127.0.0.1:8080", "logtail_sls_project": "lab",
       "logtail_sls_machine_group": "lab-group", "logtail_sls_access_key_id": "LTAIlabonly",
       "logtail_sls_access_key_secret": "lab-secret-not-real"}


def lab_ip(host):
    return inventory_hosts()[host]["lab_ip"]


def fault(host, name):
    sh(host, "logtail-lab-fault %s" % name)  # the autouse fixture made the host healthy


def app_info(host):
    return json.loads(sh(host, "cat /usr/local/ilogtail/app_info.json").stdout)


def fingerprint(host):
    """Hash of every byte under /usr/local/ilogtail and /etc/ilogtail (the run log and app_info included)."""
    return sh(host, HASH).stdout


def fresh_heartbeats(hosts=HOSTS, wait=12):
    """Forget every heartbeat on each host's sink, then return {host: heartbeats received afterwards}.

    The double beats every 5 s, so one wait covers both hosts."""
    for host in hosts:
        sh(host, "curl -s -o /dev/null -X POST http://127.0.0.1:8080/reset")
    deadline = time.time() + wait
    beats = {}
    for host in hosts:
        while True:
            beats[host] = json.loads(sh(host, "curl -s http://127.0.0.1:8080/heartbeats").stdout)
            if beats[host] or time.time() > deadline:
                break
            time.sleep(1)
    return beats


def assert_heartbeats_from_lab_ips(hosts=HOSTS):
    beats = fresh_heartbeats(hosts)
    for host in hosts:
        assert set(beats[host]) == {lab_ip(host)}, beats
    return beats


def _netns(host, script):
    env = dict(os.environ, CONTAINERS_CONF=os.path.join(ROOT, "tests", "lab", "containers.conf"))
    name = "%s-%s" % (os.environ.get("LAB_INSTANCE", "sre-lab"), host)  # tests/lab/lab.py container()
    pid = subprocess.run(["podman", "inspect", name, "--format", "{{.State.Pid}}"], env=env,
                         text=True, capture_output=True, check=True).stdout.strip()
    return subprocess.run(["nsenter", "-t", pid, "-n", "sh", "-c", script], text=True, capture_output=True,
                          check=True).stdout


def rename_nic(host, old, new):
    """Rename the lab NIC inside the host's network namespace and restore the default route."""
    if _netns(host, "ip link show dev %s >/dev/null 2>&1 && echo present || true" % old).strip() != "present":
        return
    _netns(host, "gw=$(ip route show default | awk '{{print $3; exit}}'); ip link set {o} down && "
                 "ip link set {o} name {n} && ip link set {n} up && "
                 "ip route replace default via ${{gw:-10.89.7.1}} dev {n} proto static metric 100".format(o=old, n=new))


def _restore():
    for host in HOSTS:
        rename_nic(host, "ens3", "eth0")
        sh(host, "logtail-lab-fault healthy")


@pytest.fixture(scope="module", autouse=True)
def healthy_at_the_end():
    yield
    _restore()


@pytest.fixture(autouse=True)
def healthy_hosts():
    _restore()


def findings(report, host):
    return {f["id"]: f for f in host_report(report, host)["findings"]}


def assert_fixed(report, host, ids):
    found = findings(report, host)
    assert set(ids) <= set(found), found.keys()
    assert all(found[i]["fixed"] for i in ids), found
    assert host_report(report, host)["status"] == "ok"
    assert app_info(host)["ip"] == lab_ip(host)


def test_healthy_hosts_are_left_alone():
    before = {h: fingerprint(h) for h in HOSTS}
    run = playbook(PLAYBOOK)
    assert run.rc == 0, run
    assert all(run.changed(h) == 0 for h in HOSTS), run
    report = latest_report("fix-logtail")
    for host in HOSTS:
        assert host_report(report, host)["status"] == "ok" and host_report(report, host)["findings"] == []
        assert host_report(report, host)["data"]["ip_before"] == lab_ip(host)
        assert fingerprint(host) == before[host]
    assert_heartbeats_from_lab_ips()


def test_stale_ip_and_loopback_without_eth0_check_then_fix_then_idempotent():
    fault("logtail1", "stale_ip")
    rename_nic("logtail2", "eth0", "ens3")
    fault("logtail2", "loopback")
    assert app_info("logtail1")["ip"] == "10.9.9.99"
    before = {h: fingerprint(h) for h in HOSTS}
    check = playbook(PLAYBOOK, check=True, diff=True)
    assert check.rc == 0, check
    for host in HOSTS:
        assert fingerprint(host) == before[host], "--check changed a byte on %s" % host
        assert '+    "working_ip" : "%s"' % lab_ip(host) in check.stdout
    report = latest_report("fix-logtail")
    assert report["meta"]["check_mode"] in (True, "True")
    assert any(c.startswith("would set working_ip") for c in host_report(report, "logtail1")["changes"])
    assert {"hostname_bound_to_stale_ip", "app_info_ip_not_local", "ip_not_in_machine_group"} <= set(
        findings(report, "logtail1"))

    run = playbook(PLAYBOOK)
    assert run.rc == 0, run
    report = latest_report("fix-logtail")
    assert_fixed(report, "logtail1", ["hostname_bound_to_stale_ip", "app_info_ip_not_local",
                                                     "ip_not_in_machine_group"])
    assert_fixed(report, "logtail2", ["hostname_bound_to_loopback"])
    data = host_report(report, "logtail1")["data"]
    assert (data["ip_before"], data["ip_after"], data["working_ip_after"]) == ("10.9.9.99", lab_ip("logtail1"),
                                                                               lab_ip("logtail1"))
    for host in HOSTS:
        cfg = json.loads(sh(host, "cat %s" % CFG).stdout)
        assert cfg["working_ip"] == lab_ip(host) and cfg["config_server_address"] == "http://127.0.0.1:8080"
        assert cfg["data_server_list"][0]["cluster"] == "cn-hangzhou" and cfg["mem_usage_limit"] == 100
        assert sh(host, "ls %s.*~ | wc -l" % CFG).stdout.strip() == "1"  # the backup
        assert "is running" in sh(host, "/etc/init.d/ilogtaild status").stdout

    assert_heartbeats_from_lab_ips()
    again = playbook(PLAYBOOK)
    assert again.rc == 0 and all(again.changed(h) == 0 for h in HOSTS), again


def test_wrong_working_ip_and_config_edited_without_restart_with_the_sls_api():
    fault("logtail1", "wrong_working_ip")
    fault("logtail2", "not_restarted")
    run = playbook(PLAYBOOK, "-v", extra_vars=SLS)
    assert run.rc == 0, run
    report = latest_report("fix-logtail")
    assert "lab-secret-not-real" not in run.stdout and "lab-secret-not-real" not in json.dumps(report)
    assert_fixed(report, "logtail1", ["working_ip_not_local", "app_info_ip_not_local", "ip_not_in_machine_group"])
    assert_fixed(report, "logtail2", ["config_changed_not_restarted"])
    assert json.loads(sh("logtail1", "cat %s" % CFG).stdout)["working_ip"] == lab_ip("logtail1")
    # only a restart was justified on logtail2: the edited config is kept as it is, without working_ip
    cfg2 = json.loads(sh("logtail2", "cat %s" % CFG).stdout)
    assert cfg2["mem_usage_limit"] == 200 and "working_ip" not in cfg2
    assert any(c.startswith("restarted the agent") for c in host_report(report, "logtail2")["changes"])
    for host in HOSTS:  # the group came from GetMachineGroup, the fresh heartbeat from ListMachines
        data = host_report(report, host)["data"]
        assert data["machine_group_source"] == "SLS GetMachineGroup" and data["machine_group_ips"] == [lab_ip(host)]
        hb = data["sls_heartbeat"]
        assert hb["ip"] == lab_ip(host) and hb["age"] < 30 and "stale_after_restart" not in hb, hb
        assert not any(f["id"].startswith("sls_") for f in host_report(report, host)["findings"])
    assert_heartbeats_from_lab_ips()


def test_missing_account_id_file_and_mistaken_directory():
    fault("logtail1", "no_user_id")
    fault("logtail2", "user_id_dir")
    # a wrong API secret is reported, and does not stop the host-side fix
    sh("logtail1", "echo kept-id > /etc/ilogtail/user_defined_id")
    run = playbook(PLAYBOOK, extra_vars=dict(SLS, logtail_machine_group_ips=["{{ lab_ip }}"],
                                             logtail_sls_access_key_secret="wrong",
                                             logtail_user_defined_ids=["lab-custom-id"]))
    assert run.rc == 0, run
    report = latest_report("fix-logtail")
    for host in HOSTS:
        error = findings(report, host)["sls_api_error"]
        assert error["severity"] == "warning" and "SignatureNotMatch" in error["evidence"][0], error
    beats = assert_heartbeats_from_lab_ips()
    for host in HOSTS:
        assert findings(report, host)["user_id_missing"]["fixed"] is True
        assert sh(host, "stat -c %%F /etc/ilogtail/users/%s" % USER_ID).stdout.strip() == "regular empty file"
        assert beats[host][lab_ip(host)]["user_ids"] == [USER_ID]
        assert findings(report, host)["user_defined_id_missing"]["fixed"] is True
    assert beats["logtail1"][lab_ip("logtail1")]["user_defined_id"] == ["kept-id", "lab-custom-id"]
    assert beats["logtail2"][lab_ip("logtail2")]["user_defined_id"] == ["lab-custom-id"]
    assert any("removed the mistaken directory" in c for c in host_report(report, "logtail2")["changes"])


def test_wrong_region_is_reported_with_the_exact_remedy_and_a_dead_agent_is_started():
    fault("logtail1", "region")
    fault("logtail2", "dead")
    assert "active" == sh("logtail2", "systemctl is-active ilogtaild", check=False).stdout.strip()  # the pitfall
    cfg_before = sh("logtail1", "sha256sum %s" % CFG).stdout
    run = playbook(PLAYBOOK)
    assert run.rc == 0, run
    report = latest_report("fix-logtail")
    region = findings(report, "logtail1")["region_mismatch"]
    assert region["fixed"] is False and region["fixable"] is False
    assert region["remedy"] == ("Use config server http://logtail.cn-hangzhou-intranet.log.aliyuncs.com and data "
                                "endpoint cn-hangzhou-intranet.log.aliyuncs.com (region cn-hangzhou), e.g. reinstall "
                                "with parameter cn-hangzhou, then restart")
    assert host_report(report, "logtail1")["status"] == "attention"
    assert sh("logtail1", "sha256sum %s" % CFG).stdout == cfg_before
    assert_fixed(report, "logtail2", ["agent_not_running"])
    assert_heartbeats_from_lab_ips(["logtail2"])


def test_invalid_or_foreign_working_ip_fails_before_touching_anything():
    fault("logtail1", "stale_ip")
    before = fingerprint("logtail1")
    run = playbook(PLAYBOOK, extra_vars={"logtail_working_ip": "999.1.1.1"}, limit="logtail1")
    assert run.rc != 0 and run.recap["logtail1"]["failed"] == 1, run
    assert "logtail_working_ip=\"999.1.1.1\" must be a usable IPv4 host address" in run.stdout, run
    assert "Gather everything" not in run.stdout  # failed before even diagnosing
    run = playbook(PLAYBOOK, extra_vars={"logtail_working_ip": "10.1.2.3"}, limit="logtail1")
    assert run.rc != 0 and "logtail_working_ip 10.1.2.3 is not configured on logtail1" in run.stdout, run
    assert fingerprint("logtail1") == before


def test_rollback_when_the_agent_does_not_come_back():
    fault("logtail1", "stale_ip")
    cfg_before = sh("logtail1", "cat %s" % CFG).stdout
    # an agent build that exits at once: the restart cannot bring it back
    sh("logtail1", "cd /usr/local/ilogtail && printf '#!/bin/sh\\nexit 1\\n' > ilogtail_9.9.9 && chmod 0755 ilogtail_9.9.9"
                   " && ln -sfn ilogtail_9.9.9 ilogtail")
    try:
        run = playbook(PLAYBOOK, extra_vars={"logtail_restart_timeout": 4}, limit="logtail1")
        assert run.rc == 0 and run.recap["logtail1"]["failed"] == 0, run
        report = latest_report("fix-logtail")
        found = findings(report, "logtail1")
        assert found["fix_rolled_back"]["fixed"] is False and not found["hostname_bound_to_stale_ip"]["fixed"]
        assert sh("logtail1", "cat %s" % CFG).stdout == cfg_before
        assert any(c.startswith("rolled back") for c in host_report(report, "logtail1")["changes"])
    finally:
        sh("logtail1", "cd /usr/local/ilogtail && ln -sfn ilogtail_2.0.8 ilogtail && rm -f ilogtail_9.9.9")

