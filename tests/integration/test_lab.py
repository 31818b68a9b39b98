"""The lab itself: real systemd hosts over real SSH, become via sudo, own bridge IPs."""

import os
import subprocess

from lablib import ROOT, adhoc, host_report, inventory_hosts, latest_report, playbook, sh


def test_status_lists_every_spec_host_running():
    proc = subprocess.run([os.path.join(ROOT, "tests", "lab", "lab"), "status"], text=True, capture_output=True,
                          check=False)
    assert proc.returncode == 0, proc.stdout + proc.stderr
    for host in inventory_hosts():
        assert any(line.split()[:2] == [host, "running"] for line in proc.stdout.splitlines()), proc.stdout


def test_ping_over_ssh_with_become():
    hosts = inventory_hosts()
    proc = adhoc("all", "ansible.builtin.command", "id -un", become=True)
    assert proc.returncode == 0, proc.stdout
    for host in hosts:
        assert "%s | CHANGED | rc=0 | (stdout) root" % host in proc.stdout
    proc = adhoc("all", "ansible.builtin.command", "id -un")
    for host in hosts:
        assert "%s | CHANGED | rc=0 | (stdout) ops" % host in proc.stdout


def test_hosts_run_systemd_as_pid1_and_have_their_own_bridge_ip():
    hosts = inventory_hosts()
    ips = set()
    for name, hvars in hosts.items():
        assert sh(name, "cat /proc/1/comm").stdout.strip() == "systemd"
        assert hvars["lab_ip"] and hvars["lab_ip"] in sh(name, "ip -4 -o addr show").stdout
        ips.add(hvars["lab_ip"])
    assert len(ips) == len(hosts)


def test_diagnose_host_reports_a_failed_unit_and_writes_the_report():
    sh("web2", "printf '[Service]\\nType=oneshot\\nExecStart=/bin/false\\n' > /etc/systemd/system/lab-broken.service"
               " && systemctl daemon-reload && (systemctl start lab-broken.service || true)")
    try:
        run = playbook("playbooks/diagnose-host.yml")
        assert run.rc == 0, run
        report = latest_report("diagnose-host")
        assert host_report(report, "web1")["status"] == "ok"
        web2 = host_report(report, "web2")
        assert [f["data"]["unit"] for f in web2["findings"]] == ["lab-broken.service"]
        assert report["status"] == "attention" and "sre_remediation_report" not in report
        check = playbook("playbooks/diagnose-host.yml", check=True)
        assert check.rc == 0 and all(r["changed"] == 0 for r in check.recap.values()), check
    finally:
        sh("web2", "systemctl reset-failed lab-broken.service; rm -f /etc/systemd/system/lab-broken.service;"
                   " systemctl daemon-reload")
