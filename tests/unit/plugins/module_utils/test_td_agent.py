"""td_agent module_utils: flavour detection, gem requirements and the known-fixes plan, and the safe-restart
state machine driven against a fake /proc tree (processes exit only when the fake kernel says so)."""

import os
import signal

import pytest
from hypothesis import given
from hypothesis import strategies as st

from ansible_collections.sre.remediation.plugins.module_utils import td_agent as ta

KNOWN = [{"gem": "mackerel-client", "bad_versions": "< 0.1.1", "fixed_version": "0.1.1",
          "requirement": ">= 0.1.1, < 0.9.0", "why": "no timeouts"}]


def blocked(gem="mackerel-client", ver="0.1.0", pid=42):
    return {"id": "blocked_network_io", "data": {"gem": gem, "gem_version": ver, "pid": pid}}


# ---------------------------------------------------------------------------------------------
# versions, requirements, plan
# ---------------------------------------------------------------------------------------------

def test_versions_and_requirements():
    assert ta.version_key("0.1.10") > ta.version_key("0.1.9")
    assert ta.version_key("1.0") == ta.version_key("1.0.0")
    assert ta.version_key("1.0.0.rc1") < ta.version_key("1.0.0")
    reqs = ta.parse_requirement(">=0.1.1,<0.9")
    assert reqs == [(">=", "0.1.1"), ("<", "0.9")]
    assert ta.satisfies("0.1.1", reqs) and ta.satisfies("0.8.9", reqs)
    assert not ta.satisfies("0.9.0", reqs) and not ta.satisfies("0.1.0", reqs)
    assert ta.satisfies("0.1.5", ta.parse_requirement("~> 0.1.1"))
    assert not ta.satisfies("0.2.0", ta.parse_requirement("~> 0.1.1"))
    assert ta.satisfies("0.1.1", ta.parse_requirement("0.1.1"))


@pytest.mark.parametrize("bad", ["", "  ", ">= ", "=> 1.0", "1.0 or 2.0", None, ">=1.0,,<2"])
def test_bad_requirements_fail_clearly(bad):
    with pytest.raises(ta.TdAgentError):
        ta.parse_requirement(bad)


@given(st.text(max_size=30))
def test_parse_requirement_raises_only_tdagenterror(text):
    try:
        ta.parse_requirement(text)
    except ta.TdAgentError:
        pass


def test_parse_gem_list():
    out = "\n*** LOCAL GEMS ***\n\nmackerel-client (0.1.1, 0.1.0)\nmackerel-client-x (9.9)\njson (default: 2.6.1)\n"
    assert ta.parse_gem_list(out, "mackerel-client") == ["0.1.1", "0.1.0"]
    assert ta.parse_gem_list(out, "json") == ["2.6.1"]
    assert ta.parse_gem_list(out, "missing") == []


def test_plan_updates_known_bad_gem_to_newest_allowed_version():
    plan = ta.plan_gem_fixes([blocked()], KNOWN, {"mackerel-client": ["0.1.0"]},
                             {"mackerel-client": ["0.9.2", "0.1.3", "0.1.1", "0.1.0"]})
    assert len(plan) == 1
    entry = plan[0]
    assert entry["action"] == "update" and entry["target"] == "0.1.3" and entry["running_version"] == "0.1.0"
    assert entry["pids"] == [42]


def test_plan_honours_constraints_and_reports_unavailable():
    plan = ta.plan_gem_fixes([blocked()], KNOWN, {"mackerel-client": ["0.1.0"]},
                             {"mackerel-client": ["0.1.3", "0.1.1"]}, {"mackerel-client": "= 0.1.1"})
    assert plan[0]["target"] == "0.1.1"
    plan = ta.plan_gem_fixes([blocked()], KNOWN, {"mackerel-client": ["0.1.0"]}, {"mackerel-client": ["0.1.0"]})
    assert plan[0]["action"] == "unavailable" and "0.1.0" in plan[0]["reason"]


def test_plan_restart_only_when_fixed_version_already_installed():
    plan = ta.plan_gem_fixes([blocked()], KNOWN, {"mackerel-client": ["0.1.1", "0.1.0"]}, {})
    assert plan[0]["action"] == "restart" and plan[0]["target"] == "0.1.1"


def test_plan_ignores_fixed_versions_unknown_gems_and_other_findings():
    assert ta.plan_gem_fixes([blocked(ver="0.1.1")], KNOWN, {}, {}) == []
    assert ta.plan_gem_fixes([blocked(gem="httpclient")], KNOWN, {}, {}) == []
    assert ta.plan_gem_fixes([{"id": "confirmed_stuck", "data": {"gem": "mackerel-client",
                                                                 "gem_version": "0.1.0"}}], KNOWN, {}, {}) == []
    with pytest.raises(ta.TdAgentError):
        ta.plan_gem_fixes([blocked()], [{"gem": "x"}], {}, {})


# ---------------------------------------------------------------------------------------------
# detection
# ---------------------------------------------------------------------------------------------

def fake_systemctl(units):
    def run(cmd):
        if cmd[:2] == ["systemctl", "show"]:
            unit = cmd[-1]
            props = units.get(unit)
            if props is None:
                return 0, "LoadState=not-found\nFragmentPath=\nSourcePath=\n", ""
            return 0, "".join("%s=%s\n" % kv for kv in props.items()), ""
        return 1, "", "unexpected %s" % cmd
    return run


def test_detect_prefers_native_units_and_skips_generated_ones():
    exists = {"/run/systemd/system", "/etc/init.d/td-agent", "/usr/sbin/td-agent-gem"}.__contains__
    gen = {"td-agent.service": {"LoadState": "loaded", "FragmentPath": "/run/systemd/generator.late/td-agent.service",
                                "SourcePath": "/etc/init.d/td-agent"}}
    info = ta.detect(run=fake_systemctl(gen), exists=exists)
    assert info["flavour"] == "td-agent-init" and info["control"] == "init"
    assert info["gem_executable"] == "/usr/sbin/td-agent-gem"
    native = {"td-agent.service": {"LoadState": "loaded", "FragmentPath": "/lib/systemd/system/td-agent.service"}}
    assert ta.detect(run=fake_systemctl(native), exists=exists)["flavour"] == "td-agent4"
    both = dict(native, **{"fluentd.service": {"LoadState": "loaded",
                                               "FragmentPath": "/lib/systemd/system/fluentd.service"}})
    info = ta.detect(run=fake_systemctl(both), exists={"/run/systemd/system", "/usr/sbin/fluent-gem"}.__contains__)
    assert info["flavour"] == "fluent-package5" and info["pid_file"] == "/var/run/fluent/fluentd.pid"
    assert info["gem_executable"] == "/usr/sbin/fluent-gem"


def test_detect_fails_clearly_without_installation_or_with_bad_flavour():
    with pytest.raises(ta.TdAgentError, match="no td-agent"):
        ta.detect(run=fake_systemctl({}), exists=lambda p: False)
    with pytest.raises(ta.TdAgentError, match="unknown flavour"):
        ta.detect("td-agent9")


def test_buffer_dirs_and_chunk_files(tmp_path):
    conf = tmp_path / "td-agent.conf"
    buf = tmp_path / "buf"
    (buf / "worker0").mkdir(parents=True)
    conf.write_text("<match a>\n  <buffer>\n    path %s/logs\n  </buffer>\n</match>\n"
                    "<match b>\n  buffer_path %s/old.*.buffer\n</match>\n" % (buf, buf))
    info = dict(ta.FLAVOURS["td-agent-init"], config_file=str(conf))
    assert ta.buffer_dirs(info) == ["/var/log/td-agent/buffer", str(buf)]
    for name in ("logs.b5a1f00d1e2c3b4a5.log", "logs.q5a1f00d1e2c3b4a6.log", "logs.q5a1f00d1e2c3b4a6.log.meta",
                 "worker0/x.b0123456789abcdef.log", "notes.txt"):
        (buf / name).write_text("x")
    found = [os.path.relpath(p, buf) for p in ta.chunk_files([str(buf)])]
    assert found == ["logs.b5a1f00d1e2c3b4a5.log", "logs.q5a1f00d1e2c3b4a6.log", "worker0/x.b0123456789abcdef.log"]


def test_validate_rejects_bad_bounds():
    assert ta.validate({"stop_timeout": "5"})["stop_timeout"] == 5.0
    with pytest.raises(ta.TdAgentError, match="stop_timeout"):
        ta.validate({"stop_timeout": "soon"})
    with pytest.raises(ta.TdAgentError):
        ta.validate({"flush_timeout": -1})
    with pytest.raises(ta.TdAgentError):
        ta.validate({"start_timeout": 0})


# ---------------------------------------------------------------------------------------------
# the restart state machine against a fake /proc
# ---------------------------------------------------------------------------------------------

class FakeHost(object):
    """A fake kernel: processes in <root>/proc, a pid file, a log; behaviour per scenario."""

    def __init__(self, tmp_path, worker_stuck=False, worker_ignores_term=False):
        self.proc = tmp_path / "proc"
        self.proc.mkdir()
        self.pid_file = tmp_path / "td-agent.pid"
        self.log = tmp_path / "td-agent.log"
        self.log.write_text("")
        self.buf = tmp_path / "buf"
        self.buf.mkdir()
        self.worker_stuck = worker_stuck
        self.worker_ignores_term = worker_ignores_term
        self.signals = []
        self.commands = []
        self.now = 0.0
        self.next_pid = 100
        self.sup, self.worker = self.spawn()

    def add(self, pid, ppid, cmd):
        d = self.proc / str(pid)
        d.mkdir()
        (d / "stat").write_text("%d (ruby) S %d 0 0\n" % (pid, ppid))
        (d / "cmdline").write_bytes(b"\0".join(c.encode() for c in cmd) + b"\0")

    def spawn(self):
        sup, worker = self.next_pid, self.next_pid + 1
        self.next_pid += 2
        self.add(sup, 1, ["/usr/bin/ruby", "/opt/td-agent/embedded/bin/fluentd"])
        self.add(worker, sup, ["/usr/bin/ruby", "/opt/td-agent/embedded/bin/fluentd", "--under-supervisor"])
        self.pid_file.write_text("%d\n" % sup)
        return sup, worker

    def exit(self, pid):
        d = self.proc / str(pid)
        for f in d.iterdir():
            f.unlink()
        d.rmdir()

    def is_alive(self, pid):
        return (self.proc / str(pid)).exists()

    def kill(self, pid, sig):
        if not self.is_alive(pid):
            raise ProcessLookupError(pid)
        self.signals.append((pid, sig))
        if sig == signal.SIGCONT:
            return
        if sig == signal.SIGUSR1:
            if not self.worker_stuck:
                for f in self.buf.iterdir():
                    f.unlink()
            return
        if sig == signal.SIGKILL:
            self.exit(pid)
            if pid == self.worker and self.is_alive(self.sup):
                self.exit(self.sup)  # the supervisor exits once its worker is gone during a stop
                self.pid_file.unlink()
            return
        if sig == signal.SIGTERM and pid == self.sup:
            if not (self.worker_stuck or self.worker_ignores_term):
                self.exit(self.worker)
                self.exit(self.sup)
                self.pid_file.unlink()

    def run(self, cmd):
        self.commands.append(cmd)
        if "start" in cmd:
            if self.is_alive(self.sup):
                return 0, "already running", ""
            self.worker_stuck = self.worker_ignores_term = False
            self.sup, self.worker = self.spawn()
            with open(str(self.log), "a") as fh:
                fh.write("[info]: #0 fluentd worker is now running worker=0\n")
            return 0, "Starting td-agent", ""
        return 0, "", ""

    def sleep(self, seconds):
        self.now += seconds

    def clock(self):
        return self.now

    def restarter(self, check_mode=False, **params):
        info = dict(ta.FLAVOURS["td-agent-init"], pid_file=str(self.pid_file), log_file=str(self.log),
                    config_file="/nonexistent")
        p = ta.validate(dict({"flush_timeout": 5, "stop_timeout": 8, "worker_timeout": 3, "kill_timeout": 5,
                              "start_timeout": 10}, **params))
        p["buffer_dirs"] = [str(self.buf)]

        def collect(procs, **kw):
            for proc in procs:
                self.kill(proc["pid"], signal.SIGCONT)
            return {"findings": [{"id": "blocked_network_io"}] if self.worker_stuck else [],
                    "dump_files": [{"path": "/tmp/sigdump-%d.log" % proc["pid"]} for proc in procs]}

        return ta.Restarter(info, p, check_mode=check_mode, run=self.run, kill=self.kill, sleep=self.sleep,
                            clock=self.clock, proc_root=str(self.proc), collect_fn=collect)


def names(result):
    return [(s["name"], s["status"]) for s in result["steps"]]


def test_healthy_worker_restarts_gracefully_without_kill(tmp_path):
    host = FakeHost(tmp_path)
    (host.buf / "logs.b0123456789abcdef.log").write_text("1\n")
    old = (host.sup, host.worker)
    res = host.restarter().restart()
    assert names(res) == [("discover", "done"), ("sigdump", "done"), ("flush", "done"), ("stop", "done"),
                          ("pid_file", "skipped"), ("start", "done"), ("verify", "done")]
    assert not res["escalated"] and res["killed"] == [] and res["changed"]
    assert signal.SIGKILL not in [s for _p, s in host.signals]
    assert host.is_alive(host.sup) and (host.sup, host.worker) != old


def test_stuck_worker_is_escalated_kill_only_after_timeouts(tmp_path):
    host = FakeHost(tmp_path, worker_stuck=True)
    (host.buf / "logs.q0123456789abcdef.log").write_text("1\n")
    sup, worker = host.sup, host.worker
    res = host.restarter().restart()
    assert names(res) == [("discover", "done"), ("sigdump", "done"), ("flush", "timeout"), ("stop", "timeout"),
                          ("stop_worker", "done"), ("stop_supervisor", "done"), ("pid_file", "skipped"),
                          ("start", "done"), ("verify", "done")]
    assert res["escalated"] and res["killed"] == [worker]
    order = [(p, s) for p, s in host.signals if s != signal.SIGCONT]
    assert order == [(sup, signal.SIGUSR1), (sup, signal.SIGTERM), (worker, signal.SIGTERM), (worker, signal.SIGKILL)]
    steps = {s["name"]: s for s in res["steps"]}
    assert steps["stop_worker"]["at"] >= 8 + 3  # stop_timeout + worker_timeout before SIGKILL
    assert (host.buf / "logs.q0123456789abcdef.log").exists(), "file chunks are never removed"


def test_check_mode_sends_only_the_dump_signal(tmp_path):
    host = FakeHost(tmp_path, worker_stuck=True)
    sup, worker = host.sup, host.worker
    res = host.restarter(check_mode=True).restart()
    assert {s for _p, s in host.signals} == {signal.SIGCONT}
    assert host.commands == []
    assert host.is_alive(sup) and host.is_alive(worker)
    assert [s["status"] for s in res["steps"]][2:] == ["planned"] * 4


def test_stale_pid_file_removed_only_when_no_process_owns_it(tmp_path):
    host = FakeHost(tmp_path)
    host.exit(host.worker)
    host.exit(host.sup)
    host.pid_file.write_text("%d\n" % host.sup)  # stale
    res = host.restarter().restart()
    assert ("pid_file", "done") in names(res) and ("start", "done") in names(res)
    assert not any(n == "stop" and s == "done" for n, s in names(res))


def test_not_running_and_start_if_stopped_false_changes_nothing(tmp_path):
    host = FakeHost(tmp_path)
    host.exit(host.worker)
    host.exit(host.sup)
    host.pid_file.unlink()
    res = host.restarter(start_if_stopped=False).restart()
    assert not res["changed"] and host.commands == []


def test_process_surviving_kill_stops_before_a_second_instance(tmp_path):
    host = FakeHost(tmp_path, worker_stuck=True)
    real_kill = host.kill

    def unkillable(pid, sig):
        if sig == signal.SIGKILL:
            host.signals.append((pid, sig))
            return
        real_kill(pid, sig)

    host.kill = unkillable
    r = host.restarter()
    r.kill = unkillable
    with pytest.raises(ta.TdAgentError, match="survived SIGKILL"):
        r.restart()
    assert not any(c[-1] == "start" for c in host.commands)


def test_orphaned_worker_is_stopped_before_start(tmp_path):
    host = FakeHost(tmp_path)
    host.exit(host.sup)
    host.pid_file.unlink()
    orphan = host.worker
    (host.proc / str(orphan) / "stat").write_text("%d (ruby) S 1 0 0\n" % orphan)  # re-parented to init
    real_kill = host.kill

    def kill(pid, sig):
        if pid == orphan and sig == signal.SIGTERM:
            host.signals.append((pid, sig))
            host.exit(pid)
            return
        real_kill(pid, sig)

    r = host.restarter()
    r.kill = kill
    res = r.restart()
    assert ("stop_orphans", "done") in names(res)
    assert (orphan, signal.SIGTERM) in host.signals and not host.is_alive(orphan)
    assert ("start", "done") in names(res) and ("verify", "done") in names(res)


def test_systemd_flavour_stops_through_systemctl_and_escalates(tmp_path):
    host = FakeHost(tmp_path, worker_stuck=True)
    real_run = host.run

    def run(cmd):
        if cmd[:3] == ["systemctl", "show", "-p"]:
            host.commands.append(cmd)
            return 0, "%d\n" % host.sup if host.is_alive(host.sup) else "0\n", ""
        if cmd[:3] == ["systemctl", "stop", "--no-block"]:
            host.commands.append(cmd)
            host.kill(host.sup, signal.SIGTERM)  # ExecStop=/bin/kill -TERM ${MAINPID}
            return 0, "", ""
        return real_run(cmd)

    r = host.restarter()
    r.info = dict(r.info, **{k: ta.FLAVOURS["td-agent4"][k] for k in ("control", "service", "init_script")})
    r.run = run
    worker = host.worker
    res = r.restart()
    assert ["systemctl", "stop", "--no-block", "td-agent.service"] in host.commands
    assert ["systemctl", "start", "td-agent.service"] in host.commands
    assert res["killed"] == [worker] and ("verify", "done") in names(res)


def test_systemd_killing_the_unit_at_its_stop_timeout_is_not_a_graceful_stop(tmp_path):
    """fluentd.service / td-agent.service: TimeoutStopSec (120 s) shorter than stop_timeout: systemd SIGKILLs
    every process of the unit itself; the step log must say so instead of 'stopped gracefully'."""
    host = FakeHost(tmp_path, worker_stuck=True)
    real_run = host.run
    state = {"result": "success"}

    def run(cmd):
        if cmd[:4] == ["systemctl", "show", "-p", "Result"]:
            host.commands.append(cmd)
            return 0, "Result=%s\n" % state["result"], ""
        if cmd[:3] == ["systemctl", "show", "-p"]:
            host.commands.append(cmd)
            return 0, "%d\n" % host.sup if host.is_alive(host.sup) else "0\n", ""
        if cmd[:3] == ["systemctl", "stop", "--no-block"]:
            host.commands.append(cmd)
            for pid in (host.worker, host.sup):  # systemd's final SIGKILL of the control group
                host.exit(pid)
            state["result"] = "timeout"
            return 0, "", ""
        return real_run(cmd)

    r = host.restarter()
    r.info = dict(r.info, **{k: ta.FLAVOURS["fluent-package5"][k] for k in ("control", "service", "init_script")})
    r.run = run
    res = r.restart()
    stop = next(s for s in res["steps"] if s["name"] == "stop")
    assert stop["status"] == "timeout" and "Result=timeout" in stop["detail"], stop
    assert res["escalated"] is True and res["killed"] == []
    assert ["systemctl", "start", "fluentd.service"] in host.commands and ("verify", "done") in names(res)
