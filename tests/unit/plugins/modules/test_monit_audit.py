# -*- coding: utf-8 -*-
# Copyright: (c) 2026, sre.remediation contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import annotations

import os
import shutil

from ansible_collections.sre.remediation.plugins.modules import monit_audit

SAMPLES = os.path.join(os.path.dirname(__file__), "..", "..", "..", "samples", "monit")


class FakeModule:
    """Just what run_audit needs: params, get_bin_path and a scripted run_command."""

    def __init__(self, params, replies, systemctl="/usr/bin/systemctl"):
        self.params = params
        self.replies = replies
        self.systemctl = systemctl
        self.commands = []

    def get_bin_path(self, name):
        return self.systemctl if name == "systemctl" else None

    def run_command(self, args):
        self.commands.append(args)
        return self.replies[args[1]]


def etc_tree(tmp_path, conf_files):
    """/etc/monit/monitrc (Debian default, includes rewritten into tmp_path) + conf.d files."""
    monit_dir = tmp_path / "monit"
    (monit_dir / "conf.d").mkdir(parents=True)
    (monit_dir / "conf-enabled").mkdir()
    with open(os.path.join(SAMPLES, "debian12_monitrc"), encoding="utf-8") as handle:
        text = handle.read().replace("/etc/monit/", str(monit_dir) + "/")
    (monit_dir / "monitrc").write_text(text)
    for name in conf_files:
        shutil.copy(os.path.join(SAMPLES, name), str(monit_dir / "conf.d" / name))
    return monit_dir


SHOW_NGINX = "Type=forking\nRestart=no\nId=nginx.service\nLoadState=loaded\nActiveState=inactive\n"


def test_read_configs_follows_includes_and_reports_missing(tmp_path):
    monit_dir = etc_tree(tmp_path, ["kusanagi_nginx.conf"])
    checks, files, findings = monit_audit.read_configs([str(tmp_path / "monitrc"), str(monit_dir / "monitrc")])
    assert findings == []
    assert [c["name"] for c in checks] == ["nginx_access_log", "nginx_ssl_access_log", "nginx_enabled"]
    assert checks[0]["source"] == str(monit_dir / "conf.d" / "kusanagi_nginx.conf")
    by_path = {f["path"]: f for f in files}
    assert by_path[str(tmp_path / "monitrc")]["exists"] is False
    assert by_path[str(monit_dir / "monitrc")]["checks"] == 0
    assert by_path[str(monit_dir / "conf-enabled" / "*")]["exists"] is False  # empty glob


def test_read_configs_does_not_read_a_file_twice(tmp_path):
    monit_dir = etc_tree(tmp_path, ["healthy_nginx.conf"])
    checks, files, _f = monit_audit.read_configs([str(monit_dir / "monitrc"), str(monit_dir / "conf.d" / "*")])
    assert [c["name"] for c in checks] == ["nginx"]
    assert len(files) == 3  # monitrc, conf.d/healthy_nginx.conf, empty conf-enabled glob


def test_read_configs_unparseable_file_is_a_finding(tmp_path):
    bad = tmp_path / "bad.conf"
    bad.write_text("check process nginx with pidfile /run/nginx.pid\n  if failed port 80\n")
    checks, files, findings = monit_audit.read_configs([str(bad)])
    assert checks == []
    assert files[0]["error"] == "%s: line 2: rule without action at end of input" % bad
    assert [f["id"] for f in findings] == ["monit_config_unparseable"]
    assert findings[0]["data"] == {"path": str(bad), "line": 2}


def test_run_audit_kusanagi(tmp_path):
    monit_dir = etc_tree(tmp_path, ["kusanagi_nginx.conf"])
    module = FakeModule({"paths": [str(monit_dir / "monitrc")], "services": []},
                        {"is-active": (3, "inactive\n", ""), "show": (0, SHOW_NGINX, "")})
    result = monit_audit.run_audit(module)
    assert module.commands == [
        ["/usr/bin/systemctl", "is-active", "monit"],
        ["/usr/bin/systemctl", "show", "-p", "Id,Restart,ActiveState,LoadState,Type", "--", "nginx.service"],
    ]
    assert result["changed"] is False
    assert result["monit_active"] is False
    assert result["units"]["nginx"]["Restart"] == "no"
    assert [(f["id"], f["severity"]) for f in result["findings"]] == [
        ("no_recovery_for_stopped_service", "critical"),
        ("monit_not_running", "warning"),  # warning only: none of these checks would restart anything
        ("systemd_restart_missing", "warning")]


def test_run_audit_healthy_with_extra_service_in_one_show_call(tmp_path):
    monit_dir = etc_tree(tmp_path, ["healthy_nginx.conf"])
    show = ("Type=forking\nRestart=on-failure\nId=nginx.service\nLoadState=loaded\nActiveState=active\n\n"
            "Type=notify\nRestart=on-failure\nId=php8.2-fpm.service\nLoadState=loaded\nActiveState=active\n")
    module = FakeModule({"paths": [str(monit_dir / "monitrc")], "services": ["php8.2-fpm"]},
                        {"is-active": (0, "active\n", ""), "show": (0, show, "")})
    result = monit_audit.run_audit(module)
    assert module.commands[1][-2:] == ["nginx.service", "php8.2-fpm.service"]
    assert result["monit_active"] is True
    ids = [(f["id"], f["data"]["service"]) for f in result["findings"]]
    assert ids == [("no_recovery_for_stopped_service", "php8.2-fpm")]


def test_run_audit_without_systemctl(tmp_path):
    monit_dir = etc_tree(tmp_path, ["healthy_nginx.conf"])
    module = FakeModule({"paths": [str(monit_dir / "monitrc")], "services": []}, {}, systemctl=None)
    result = monit_audit.run_audit(module)
    assert result["monit_active"] is None and result["units"] == {}
    assert result["findings"] == []
    assert module.commands == []


def test_run_audit_systemd_not_booted(tmp_path):
    monit_dir = etc_tree(tmp_path, ["healthy_nginx.conf"])
    no_systemd = (1, "", "System has not been booted with systemd as init system (PID 1). Can't operate.\n")
    module = FakeModule({"paths": [str(monit_dir / "monitrc")], "services": []},
                        {"is-active": no_systemd, "show": no_systemd})
    result = monit_audit.run_audit(module)
    assert result["monit_active"] is None and result["units"] == {}
    assert result["findings"] == []
