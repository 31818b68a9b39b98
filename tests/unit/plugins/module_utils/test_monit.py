# -*- coding: utf-8 -*-
# Copyright: (c) 2026, sre.remediation contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import annotations

import os

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from ansible_collections.sre.remediation.plugins.module_utils.findings import ParseError, validate
from ansible_collections.sre.remediation.plugins.module_utils.monit import (
    audit,
    check_unit,
    parse_monit,
    parse_monit_config,
    parse_systemctl_show,
    unit_of_command,
)

SAMPLES = os.path.join(os.path.dirname(__file__), "..", "..", "..", "samples", "monit")


def sample(name):
    with open(os.path.join(SAMPLES, name), encoding="utf-8") as handle:
        return handle.read()


def load(name):
    return parse_monit(sample(name), source=name)


def by_name(checks):
    return {c["name"]: c for c in checks}


def ids(findings):
    return sorted(f["id"] for f in findings)


# ------------------------------------------------------------------ parser: samples

def test_debian_default_monitrc_settings_and_no_checks():
    cfg = parse_monit_config(sample("debian12_monitrc"), source="/etc/monit/monitrc")
    assert cfg["checks"] == []  # the commented examples must not become checks
    assert cfg["settings"]["daemon_interval"] == 120
    assert cfg["settings"]["log"] == "/var/log/monit.log"
    assert cfg["settings"]["httpd"] is None  # commented out on Debian
    assert cfg["includes"] == ["/etc/monit/conf.d/*", "/etc/monit/conf-enabled/*"]
    keywords = [s["keyword"] for s in cfg["settings"]["set"]]
    assert keywords == ["daemon", "log", "idfile", "statefile", "eventqueue"]
    eventqueue = cfg["settings"]["set"][-1]
    assert eventqueue["raw"] == "set eventqueue basedir /var/lib/monit/events slots 100"


def test_kusanagi_nginx_checks():
    checks = by_name(load("kusanagi_nginx.conf"))
    assert sorted(checks) == ["nginx_access_log", "nginx_enabled", "nginx_ssl_access_log"]
    log = checks["nginx_access_log"]
    assert (log["type"], log["path"], log["path_kind"], log["line"]) == (
        "file", "/var/log/nginx/access.log", "path", 4)
    first = log["rules"][0]
    assert first["condition"] == 'content = "\\" 50[0-9] "'  # quoting normalised
    assert first["action_name"] == "exec"
    assert first["command"] == "/bin/systemctl restart nginx"
    assert first["line"] == 5
    # multi-line rule: the action is on the next line
    second = log["rules"][1]
    assert second["condition"] == 'match "upstream timed out"'
    assert second["command"] == "/bin/systemctl restart php-fpm"
    assert second["line"] == 6

    prog = checks["nginx_enabled"]
    assert prog["type"] == "program"
    assert prog["path"] == "/bin/systemctl is-enabled nginx"
    assert prog["start_program"] == {"command": "/bin/systemctl start nginx", "timeout": None,
                                     "commented": True, "line": 14}
    assert prog["stop_program"]["commented"] is True
    assert prog["rules"][0]["condition"] == "status != 0"
    assert prog["rules"][0]["action_name"] == "restart"
    assert prog["group"] == ["kusanagi"]


def test_kusanagi_httpd_uppercase_keywords_and_commented_timeout():
    checks = by_name(load("kusanagi_httpd.conf"))
    assert checks["httpd_access_log"]["type"] == "file"
    assert checks["httpd_access_log"]["rules"][0]["command"] == "/bin/systemctl restart httpd"
    start = checks["httpd_enabled"]["start_program"]
    assert start["commented"] is True and start["timeout"] == 60
    assert checks["httpd_enabled"]["rules"][0]["action_name"] == "alert"


def test_healthy_nginx_process_check():
    (check,) = load("healthy_nginx.conf")
    assert (check["type"], check["name"], check["path"], check["path_kind"]) == (
        "process", "nginx", "/run/nginx.pid", "pidfile")
    assert check["start_program"] == {"command": "/bin/systemctl start nginx", "timeout": 60,
                                      "commented": False, "line": 3}
    assert check["stop_program"]["command"] == "/bin/systemctl stop nginx"
    rule = check["rules"][0]
    assert rule["condition"] == 'failed port 80 protocol http request "/" with timeout 10 seconds'
    assert rule["action"] == "restart" and rule["line"] == 5
    assert check["group"] == ["www"]
    assert check["mode"] == "active"


def test_restart_loop_sample_matching_else_and_depends():
    checks = by_name(load("restart_loop.conf"))
    fpm = checks["php-fpm"]
    assert fpm["path_kind"] == "matching" and fpm["path"] == "php-fpm: master process"
    assert fpm["depends_on"] == ["php_fpm_bin"]
    mem = fpm["rules"][1]
    assert mem["action"] == "restart" and mem["else_action"] == "alert"
    assert fpm["rules"][2]["condition"] == "5 restarts within 5 cycles"
    assert fpm["rules"][2]["action_name"] == "unmonitor"
    assert check_unit(fpm) == "php8.2-fpm"
    assert check_unit(checks["php_fpm_bin"]) is None


# ------------------------------------------------------------------ parser: grammar details

def test_grammar_details():
    text = """
set daemon 60 with start delay 30
set httpd port 2812 and
    use address localhost
    allow admin:secret
set alert ops@example.com not on { instance, action }
set mail-format { from: monit@$HOST
  subject: $SERVICE $EVENT }
Check Host web With Address 127.0.0.1
  if failed port 443 protocol https for 3 cycles then exec "/usr/bin/systemctl restart nginx.service"
     as uid root and gid root repeat every 2 cycles
  mode passive
  every "* 8-19 * * 1-5"
  onreboot nostart
check system $HOST
  if loadavg (5min) > 4 then alert
  not every "0 2 * * *"
check filesystem rootfs path /
  if space usage > 90% then alert
check network eth0 with interface eth0
  if link down then alert
check fifo pipe with path /run/pipe
check directory spool with path /var/spool
  restart program = '/bin/true' with timeout 2 cycles
  every 5 cycles
"""
    cfg = parse_monit_config(text)
    assert cfg["settings"]["daemon_interval"] == 60 and cfg["settings"]["start_delay"] == 30
    assert cfg["settings"]["httpd"] == {"port": 2812, "address": "localhost", "unixsocket": None,
                                        "allow": ["admin:secret"]}
    checks = by_name(cfg["checks"])
    web = checks["web"]
    assert (web["type"], web["path"], web["path_kind"], web["mode"]) == ("host", "127.0.0.1", "address", "passive")
    assert web["rules"][0]["action"].endswith("repeat every 2 cycles")
    assert web["every"] == {"cron": "* 8-19 * * 1-5", "not": False}
    assert web["other"] == [{"raw": "onreboot nostart", "line": 14}]
    assert check_unit(web) == "nginx"
    assert checks["$HOST"]["type"] == "system"
    assert checks["$HOST"]["every"] == {"cron": "0 2 * * *", "not": True}
    assert checks["rootfs"]["path"] == "/"
    assert checks["eth0"]["path_kind"] == "interface"
    assert checks["pipe"]["type"] == "fifo"
    spool = checks["spool"]
    assert spool["restart_program"] == {"command": "/bin/true", "timeout": "2 cycles", "commented": False,
                                        "line": 24}
    assert spool["every"] == {"cycles": 5}


def test_rule_spanning_lines_with_then_alone():
    text = 'check process a with pidfile /run/a.pid\n  if failed\n     port 80\n  then\n     restart\n  group x\n'
    (check,) = parse_monit(text)
    assert check["rules"][0]["condition"] == "failed port 80"
    assert check["rules"][0]["action"] == "restart"
    assert check["group"] == ["x"]


def test_unknown_statement_inside_check_is_kept_as_other():
    text = 'check process a with pidfile /run/a.pid\n  if failed port 80 then alert\n  frobnicate 3\n'
    (check,) = parse_monit(text)
    assert check["other"] == [{"raw": "frobnicate 3", "line": 3}]


def test_commented_example_check_after_block_is_not_attached():
    text = ('check process a with pidfile /run/a.pid\n  start program = "/bin/a"\n'
            '# check process b with pidfile /run/b.pid\n#   stop program = "/bin/b stop"\n')
    (check,) = parse_monit(text)
    assert check["stop_program"] is None


@pytest.mark.parametrize("text, line, words", [
    ("check process nginx with pidfile /run/n.pid\n  if failed port 80\n", 2, "without action"),
    ("check bogus x with path /x\n", 1, "unknown check type"),
    ("check process x\n", 1, "pidfile or matching"),
    ('check file f with path "/x\n', 1, "unterminated"),
    ("if failed port 80 then alert\n", 1, "outside a check block"),
    ("check file f with path /x\n  if changed checksum then explode\n", 2, "unknown action"),
    ("set daemon soon\n", 1, "interval"),
    ("check file f with path /x\n  start program =\n", 2, "without a command"),
    ("check file f with path /x\n  alert x on { a, b\n", 2, "unterminated '{'"),
])
def test_parse_errors_name_line_and_problem(text, line, words):
    with pytest.raises(ParseError) as err:
        parse_monit(text, source="/etc/monit/conf.d/x")
    assert err.value.line == line
    assert words in str(err.value)
    assert str(err.value).startswith("/etc/monit/conf.d/x: line %d" % line)


@settings(max_examples=300, deadline=None)
@given(st.text(alphabet=st.sampled_from(list('checkprosfilathmnwid "#{}=,!\n\\if then alert 0123456789/'))
               | st.characters(), max_size=200))
def test_never_raises_anything_but_parse_error(text):
    try:
        cfg = parse_monit_config(text)
    except ParseError:
        return
    assert isinstance(cfg["checks"], list)
    audit(cfg["checks"], False)


@settings(max_examples=200, deadline=None)
@given(st.lists(st.sampled_from(sample("restart_loop.conf").splitlines() + sample("kusanagi_nginx.conf").splitlines()
                                + ["then", "else if succeeded then alert", "{", "}", "start program"]), max_size=30))
def test_line_shuffles_never_raise_anything_but_parse_error(lines):
    try:
        checks = parse_monit("\n".join(lines))
    except ParseError:
        return
    audit(checks, True, {"nginx": "no"}, {"nginx": "inactive"}, ["nginx"])


# ------------------------------------------------------------------ systemd helpers

def test_unit_of_command():
    assert unit_of_command("/bin/systemctl restart nginx") == "nginx"
    assert unit_of_command("/usr/bin/systemctl --no-block start nginx.service") == "nginx"
    assert unit_of_command("/bin/systemctl is-enabled httpd") == "httpd"
    assert unit_of_command("/usr/sbin/service php8.2-fpm start") == "php8.2-fpm"
    assert unit_of_command("/etc/init.d/apache2 restart") == "apache2"
    assert unit_of_command("/usr/local/bin/cleanup.sh") is None


def test_parse_systemctl_show_multiple_units():
    out = ("Type=forking\nRestart=no\nId=nginx.service\nLoadState=loaded\nActiveState=inactive\n\n"
           "Type=notify\nRestart=on-failure\nId=monit.service\nLoadState=loaded\nActiveState=active\n\n"
           "Restart=no\nId=httpd.service\nLoadState=not-found\nActiveState=inactive\n")
    units = parse_systemctl_show(out)
    assert sorted(units) == ["httpd", "monit", "nginx"]
    assert units["nginx"]["Restart"] == "no" and units["nginx"]["ActiveState"] == "inactive"
    assert units["httpd"]["LoadState"] == "not-found"
    assert units["monit"]["Type"] == "notify"


# ------------------------------------------------------------------ audit

def test_audit_kusanagi_no_recovery_for_nginx():
    checks = load("kusanagi_nginx.conf")
    findings = audit(checks, True, unit_restart={"nginx.service": "no"}, unit_active={"nginx": "inactive"})
    assert all(validate(f) == [] for f in findings)
    assert ids(findings) == ["no_recovery_for_stopped_service", "systemd_restart_missing"]
    (nr,) = [f for f in findings if f["id"] == "no_recovery_for_stopped_service"]
    assert nr["severity"] == "critical"
    assert nr["data"]["service"] == "nginx"
    assert nr["data"]["checks"] == ["nginx_access_log", "nginx_ssl_access_log", "nginx_enabled"]
    assert nr["data"]["active_state"] == "inactive"
    ev = "\n".join(nr["evidence"])
    assert "kusanagi_nginx.conf:4: check file nginx_access_log with path /var/log/nginx/access.log" in ev
    assert 'kusanagi_nginx.conf:14: # start program = "/bin/systemctl start nginx" (commented out)' in ev
    assert 'kusanagi_nginx.conf:13: check program nginx_enabled with path "/bin/systemctl is-enabled nginx"' in ev
    (sr,) = [f for f in findings if f["id"] == "systemd_restart_missing"]
    assert sr["severity"] == "warning" and sr["data"]["service"] == "nginx"


def test_audit_kusanagi_httpd_and_nginx_together():
    checks = load("kusanagi_nginx.conf") + load("kusanagi_httpd.conf")
    findings = audit(checks, True)
    services = sorted(f["data"]["service"] for f in findings if f["id"] == "no_recovery_for_stopped_service")
    assert services == ["httpd", "nginx"]


def test_audit_healthy_config_has_no_warning_or_critical():
    checks = load("healthy_nginx.conf")
    findings = audit(checks, True, unit_restart={"nginx": "on-failure"}, unit_active={"nginx": "active"})
    assert [f for f in findings if f["severity"] in ("warning", "critical")] == []


def test_audit_healthy_process_check_covers_log_checks_of_the_same_service():
    checks = load("healthy_nginx.conf") + load("kusanagi_nginx.conf")
    assert ids(audit(checks, True)) == []


def test_audit_process_check_with_commented_start_program():
    text = ('check process nginx with pidfile /run/nginx.pid\n'
            '#  start program = "/bin/systemctl start nginx"\n'
            '   stop program = "/bin/systemctl stop nginx"\n'
            '   if failed port 80 protocol http then restart\n')
    findings = audit(parse_monit(text, "/etc/monit/conf.d/nginx"), True)
    assert ids(findings) == ["no_recovery_for_stopped_service"]
    assert "start program commented out" in findings[0]["summary"]


def test_audit_passive_process_check_does_not_recover():
    text = ('check process nginx with pidfile /run/nginx.pid\n'
            ' start program = "/bin/systemctl start nginx"\n mode passive\n')
    assert ids(audit(parse_monit(text), True)) == ["no_recovery_for_stopped_service"]


def test_audit_program_check_on_is_active_with_exec_recovers():
    text = ('check program nginx_alive with path "/bin/systemctl is-active nginx"\n'
            '  if status != 0 then exec "/bin/systemctl restart nginx"\n')
    assert ids(audit(parse_monit(text), True)) == []


def test_audit_restart_loop_then_unmonitor():
    findings = audit(load("restart_loop.conf"), True)
    assert ids(findings) == ["restart_loop_then_unmonitor"]
    f = findings[0]
    assert f["severity"] == "warning"
    assert f["evidence"] == ["restart_loop.conf:8: if 5 restarts within 5 cycles then unmonitor"]
    assert f["data"] == {"service": "php8.2-fpm", "check": "php-fpm", "restarts": 5, "cycles": 5,
                         "action": "unmonitor"}


def test_audit_old_timeout_action_counts_as_giving_up():
    text = ('check process a with pidfile /run/a.pid\n start program = "/bin/systemctl start a"\n'
            ' if 3 restarts within 5 cycles then timeout\n')
    assert ids(audit(parse_monit(text), True)) == ["restart_loop_then_unmonitor"]


def test_audit_monit_not_running():
    healthy = load("healthy_nginx.conf")
    (f,) = audit(healthy, False)
    assert f["id"] == "monit_not_running" and f["severity"] == "critical"
    assert f["data"]["recovering_checks"] == ["nginx"]
    alert_only = parse_monit("check filesystem rootfs with path /\n  if space usage > 90% then alert\n")
    (f,) = audit(alert_only, False)
    assert f["severity"] == "warning"
    assert audit([], False) == []
    assert audit(healthy, None) == []  # unknown: no finding


def test_audit_service_without_any_check():
    findings = audit([], True, unit_restart={"nginx": "no"}, services=["nginx.service"])
    assert ids(findings) == ["no_recovery_for_stopped_service", "systemd_restart_missing"]
    assert "no monit check watches it" in findings[0]["data"]["reasons"]
