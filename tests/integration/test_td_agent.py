"""td-agent hangs (issues 3 and 4) against the td-agent lab double on fluent1/fluent2.

The double (tests/lab/doubles/td_agent, THIS IS A TEST DOUBLE) runs a fluentd-like supervisor + worker with
the real sigdump gem; mackerel-client 0.1.0 has no HTTP timeouts. The fault is a Mackerel API that accepts
and never answers: after `heal` new connections are answered again, but the connection the old client is
blocked on stays hung (half-open), exactly as in mackerel-client-ruby PR #24 - only a restart with a fixed
client recovers. Every test starts from `fault.sh baseline` (healthy, mackerel-client 0.1.0 only, empty
buffers, empty sink).
"""

import json
import time

from lablib import host_report, latest_report, playbook, sh

F = "/usr/local/lib/td-agent-double"
HOSTS = ("fluent1", "fluent2")


def baseline(host, ignore_term=False):
    sh(host, "%s%s/fault.sh baseline" % ("IGNORE_TERM=1 " if ignore_term else "", F), timeout=120)


def feed(host, prefix, count, tag="logs.app"):
    out = sh(host, "python3 %s/feed.py feed --tag %s --prefix %s --count %d" % (F, tag, prefix, count),
             timeout=300).stdout
    assert json.loads(out)["sent"] == count, out


def check(host, prefix, count):
    return json.loads(sh(host, "python3 %s/feed.py check --prefix %s --count %d" % (F, prefix, count)).stdout)


def wait_delivered(host, prefix, count, timeout=60):
    deadline = time.time() + timeout
    while True:
        got = check(host, prefix, count)
        if got["distinct"] == count or time.time() > deadline:
            return got
        time.sleep(1)


def pids(host):
    out = sh(host, "ps -eo pid=,args= | awk '/\\/opt\\/td-agent\\/embedded\\/bin\\/fluentd/ && !/awk/ {print $1}'")
    return sorted(int(p) for p in out.stdout.split())


def gems(host):
    return sh(host, "td-agent-gem list --local mackerel-client").stdout.strip()


def chunks(host):
    return sorted(sh(host, "ls /var/log/td-agent/buffer/ 2>/dev/null || true").stdout.split())


def stuck_setup(host, run, logs=9500, metrics=500):
    """Sink hangs, events arrive (file-buffered logs + memory-buffered metrics), the API recovers for new
    connections but the flush thread of mackerel-client 0.1.0 stays blocked on its hung connection."""
    baseline(host)
    sh(host, "%s/fault.sh hang" % F)
    feed(host, run + "L", logs, "logs.app")
    feed(host, run + "M", metrics, "metrics.app")
    time.sleep(2)
    sh(host, "%s/fault.sh heal" % F)
    time.sleep(3)
    assert check(host, run + "L", logs)["distinct"] == 0, "the old client must stay stuck after heal"


def ids(findings):
    return sorted(f["id"] for f in findings)


def test_diagnose_reports_blocked_mackerel_client_on_hung_host_only():
    for host in HOSTS:
        baseline(host)
    sh("fluent1", "%s/fault.sh hang" % F)
    feed("fluent1", "D1", 1000)
    run = playbook("playbooks/diagnose-td-agent.yml", extra_vars={"report_print": False})
    assert run.rc == 0, run
    assert run.changed("fluent1") == 0 and run.changed("fluent2") == 0, run
    report = latest_report("diagnose-td-agent")
    sick = host_report(report, "fluent1")
    assert sick["status"] == "attention"
    blocked = [f for f in sick["findings"] if f["id"] == "blocked_network_io"]
    assert blocked and "mackerel-client 0.1.0" in blocked[0]["summary"], sick["findings"]
    assert blocked[0]["data"]["gem"] == "mackerel-client" and blocked[0]["data"]["gem_version"] == "0.1.0"
    assert blocked[0]["data"]["thread"] == "flush_thread_0" and blocked[0]["fixable"] is True
    assert "confirmed_stuck" in ids(sick["findings"])
    assert sick["data"]["flavour"] == "td-agent-init"
    healthy = host_report(report, "fluent2")
    assert healthy["status"] == "ok"
    assert not {"blocked_network_io", "confirmed_stuck"} & set(ids(healthy["findings"]))


def test_init_script_stop_times_out_and_restart_starts_nothing():
    """The incident: `/etc/init.d/td-agent restart` gives up after STOPTIMEOUT (lab: 5 s), keeps the pid file,
    sends no KILL and starts nothing - the hung processes keep running."""
    baseline("fluent1")
    before = pids("fluent1")
    pid_file = sh("fluent1", "cat /var/run/td-agent/td-agent.pid").stdout.strip()
    sh("fluent1", "%s/fault.sh hang" % F)
    feed("fluent1", "I1", 600)
    time.sleep(1)
    t0 = time.time()
    proc = sh("fluent1", "/etc/init.d/td-agent restart", check=False, timeout=60)
    took = time.time() - t0
    assert proc.returncode == 1, proc
    assert "Timeout error occurred trying to stop td-agent..." in proc.stdout.splitlines(), proc.stdout
    assert 5 <= took < 30
    assert pids("fluent1") == before, "no KILL, no second instance"
    assert sh("fluent1", "cat /var/run/td-agent/td-agent.pid").stdout.strip() == pid_file
    log = sh("fluent1", "cat /var/log/td-agent/td-agent.log").stdout
    assert "shutting down output plugin" in log and "Worker 0 finished" not in log


def test_fix_updates_gem_restarts_safely_without_losing_events():
    """Zero loss: 10,000 events (9,500 file-buffered, 500 memory-buffered) while the sink hangs; --check
    changes nothing; fix-td-agent updates mackerel-client 0.1.0 -> 0.1.1, restarts safely (USR1 flush, TERM,
    escalation to SIGKILL of the stuck worker), the file chunks are re-sent: the sink gets exactly 10,000
    distinct events. A second run changes nothing."""
    baseline("fluent2")
    stuck_setup("fluent1", "Z1")
    before = (pids("fluent1"), gems("fluent1"), chunks("fluent1"))
    dry = playbook("playbooks/fix-td-agent.yml", check=True, limit="fluent1",
                   extra_vars={"report_print": False})
    assert dry.rc == 0, dry
    assert (pids("fluent1"), gems("fluent1"), chunks("fluent1")) == before, "--check must not change anything"
    assert "fluentd worker is now stopping" not in sh("fluent1", "cat /var/log/td-agent/td-agent.log").stdout
    dry_host = host_report(latest_report("fix-td-agent"), "fluent1")
    assert "would update gem mackerel-client 0.1.0 -> 0.1.1" in dry_host["changes"]
    planned = [s["status"] for s in dry_host["data"]["restart_steps"]]
    assert "planned" in planned and "done" in planned  # discover + dump done, the rest planned

    run = playbook("playbooks/fix-td-agent.yml", extra_vars={"report_print": False, "td_agent_serial": 2})
    assert run.rc == 0, run
    host = host_report(latest_report("fix-td-agent"), "fluent1")
    assert "updated gem mackerel-client 0.1.0 -> 0.1.1" in host["changes"], host["changes"]
    fixed = {f["id"]: f["fixed"] for f in host["findings"]}
    assert fixed["blocked_network_io"] is True and fixed["confirmed_stuck"] is True, host["findings"]
    assert "restart_escalated" in fixed
    steps = {s["name"]: s for s in host["data"]["restart_steps"]}
    assert steps["sigdump"]["status"] == "done" and steps["flush"]["status"] == "timeout"
    assert steps["stop"]["status"] == "timeout" and steps["stop_worker"]["status"] == "done"
    assert steps["verify"]["status"] == "done"
    assert host["data"]["gem_versions_after"]["mackerel-client"][0] == "0.1.1"
    assert host_report(latest_report("fix-td-agent"), "fluent2")["changes"] == []

    logs = wait_delivered("fluent1", "Z1L", 9500)
    metrics = wait_delivered("fluent1", "Z1M", 500)
    print("zero-loss: logs %s metrics %s" % (logs, metrics))
    assert logs["distinct"] == 9500 and logs["missing"] == 0, logs
    assert metrics["distinct"] == 500 and metrics["missing"] == 0, metrics
    assert logs["unexpected"] == 0 and metrics["unexpected"] == 0

    again = playbook("playbooks/fix-td-agent.yml", limit="fluent1", extra_vars={"report_print": False})
    assert again.rc == 0 and again.changed("fluent1") == 0, again


def test_unsafe_kill_loses_memory_buffered_events():
    """Same setup, unsafe path: kill -9 of supervisor and worker, stale pid file removed, start. File chunks
    are re-sent, the memory-buffered events are gone."""
    stuck_setup("fluent1", "U1")
    for pid in pids("fluent1"):
        sh("fluent1", "kill -9 %d" % pid)
    time.sleep(1)
    sh("fluent1", "rm -f /var/run/td-agent/td-agent.pid && /etc/init.d/td-agent start")
    logs = wait_delivered("fluent1", "U1L", 9500)
    time.sleep(2)
    metrics = check("fluent1", "U1M", 500)
    print("unsafe: logs %s metrics %s" % (logs, metrics))
    assert logs["distinct"] == 9500
    assert metrics["missing"] == 500, metrics


def test_worker_ignoring_term_is_recovered_by_escalation_without_loss():
    """A worker that ignores SIGTERM: USR1 flushes the memory buffer first, the graceful stop times out, the
    worker gets SIGKILL after its own SIGTERM timeout, the service comes back; the report says so."""
    baseline("fluent2", ignore_term=True)
    feed("fluent2", "E1", 400, "metrics.app")  # memory buffer, 60 s flush interval: still in memory
    old = pids("fluent2")
    run = playbook("playbooks/fix-td-agent.yml", limit="fluent2",
                   extra_vars={"report_print": False, "td_agent_force_restart": True})
    assert run.rc == 0, run
    host = host_report(latest_report("fix-td-agent"), "fluent2")
    steps = {s["name"]: s for s in host["data"]["restart_steps"]}
    assert steps["stop"]["status"] == "timeout" and "SIGKILL" in steps["stop_worker"]["detail"]
    assert host["data"]["restart_escalated"] is True
    assert any("escalated" in c for c in host["changes"]), host["changes"]
    assert "restart_escalated" in ids(host["findings"])
    new = pids("fluent2")
    assert len(new) == 2 and not set(new) & set(old)
    got = check("fluent2", "E1", 400)
    assert got["distinct"] == 400, got
    sh("fluent2", "%s/fault.sh ignore-term off" % F)
    baseline("fluent2")


# ---------------------------------------------------------------------------------------------------------
# fluent-package 5 layout on fluent3 (group td_agent_fp5, not td_agent): install.sh --flavor fluent-package5
# (/opt/fluent, /usr/sbin/fluent-gem, user _fluentd, /etc/fluent/fluentd.conf, /var/log/fluent/buf, pid file
# /var/run/fluent/fluentd.pid, native fluentd.service with Alias=td-agent.service). Same double, same fault.
# ---------------------------------------------------------------------------------------------------------

FP5 = "fluent3"
FP5_VARS = {"report_print": False, "target_hosts": "td_agent_fp5"}


def fp5_pids():
    out = sh(FP5, "ps -eo pid=,args= | awk '/\\/opt\\/fluent\\/bin\\/fluentd/ && !/awk/ {print $1}'")
    return sorted(int(p) for p in out.stdout.split())


def fp5_state():
    return (fp5_pids(), sh(FP5, "fluent-gem list --local mackerel-client").stdout.strip(),
            sorted(sh(FP5, "ls /var/log/fluent/buf/").stdout.split()))


def test_fp5_diagnose_names_blocked_mackerel_client_under_opt_fluent():
    baseline(FP5)
    sh(FP5, "%s/fault.sh hang" % F)
    feed(FP5, "P0", 1000)
    run = playbook("playbooks/diagnose-td-agent.yml", extra_vars=FP5_VARS)
    assert run.rc == 0, run
    assert set(run.recap) == {FP5} and run.changed(FP5) == 0, run
    host = host_report(latest_report("diagnose-td-agent"), FP5)
    assert host["status"] == "attention"
    assert host["data"]["flavour"] == "fluent-package5"
    assert host["data"]["gem_executable"] == "/usr/sbin/fluent-gem"
    blocked = [f for f in host["findings"] if f["id"] == "blocked_network_io"]
    assert blocked and "mackerel-client 0.1.0" in blocked[0]["summary"], host["findings"]
    data = blocked[0]["data"]
    assert (data["gem"], data["gem_version"], data["thread"]) == ("mackerel-client", "0.1.0", "flush_thread_0")
    assert data["pid"] in fp5_pids() and blocked[0]["fixable"] is True
    evidence = "\n".join(blocked[0]["evidence"])
    assert "/opt/fluent/lib/ruby/gems/3.1.0/gems/mackerel-client-0.1.0/lib/mackerel/client.rb" in evidence
    assert "(/opt/fluent/bin/fluentd)" in evidence and "/opt/td-agent" not in evidence
    assert "confirmed_stuck" in ids(host["findings"])


def test_fp5_fix_updates_gem_with_fluent_gem_restarts_fluentd_service_without_loss():
    """fluent3 hung with 9,500 file-buffered + 500 memory-buffered events: --check changes nothing; the fix
    updates mackerel-client 0.1.0 -> 0.1.1 with /usr/sbin/fluent-gem into /opt/fluent's gem dir, stops
    through fluentd.service (escalating to SIGKILL of the stuck worker), starts it again: every event
    delivered once, no stale pid file, no orphan worker; a second run changes nothing."""
    stuck_setup(FP5, "P1")
    before = fp5_state()
    old = before[0]
    assert len(old) == 2 and before[2], before
    dry = playbook("playbooks/fix-td-agent.yml", check=True, extra_vars=FP5_VARS)
    assert dry.rc == 0, dry
    assert fp5_state() == before, "--check must not change anything"
    assert "fluentd worker is now stopping" not in sh(FP5, "cat /var/log/fluent/fluentd.log").stdout
    dry_host = host_report(latest_report("fix-td-agent"), FP5)
    assert "would update gem mackerel-client 0.1.0 -> 0.1.1" in dry_host["changes"]
    dry_steps = {s["name"]: s for s in dry_host["data"]["restart_steps"]}
    assert dry_steps["stop"]["status"] == "planned"
    assert "systemctl stop --no-block fluentd.service" in dry_steps["stop"]["detail"]

    run = playbook("playbooks/fix-td-agent.yml", extra_vars=FP5_VARS)
    assert run.rc == 0, run
    host = host_report(latest_report("fix-td-agent"), FP5)
    assert host["status"] == "ok", host["findings"]
    assert "updated gem mackerel-client 0.1.0 -> 0.1.1" in host["changes"], host["changes"]
    fixed = {f["id"]: f["fixed"] for f in host["findings"]}
    assert fixed["blocked_network_io"] is True and fixed["confirmed_stuck"] is True, host["findings"]
    steps = {s["name"]: s for s in host["data"]["restart_steps"]}
    assert "systemctl stop --no-block fluentd.service" in steps["stop"]["detail"]
    assert steps["stop"]["status"] == "timeout" and steps["stop_worker"]["status"] == "done"
    assert steps["start"]["detail"].startswith("systemctl start fluentd.service: rc=0")
    assert steps["verify"]["status"] == "done"
    assert host["data"]["gem_versions_after"]["mackerel-client"][0] == "0.1.1"
    # the gem went into fluent-package's gem dir through its gem command, not into the system Ruby
    sh(FP5, "test -d /opt/fluent/lib/ruby/gems/3.1.0/gems/mackerel-client-0.1.1")
    assert "mackerel-client" not in sh(FP5, "env -u GEM_HOME -u GEM_PATH gem list --local").stdout
    # the service: active under systemd, its MainPID = the pid file, new supervisor + worker, nothing orphaned
    new = fp5_pids()
    assert len(new) == 2 and not set(new) & set(old), (old, new)
    main = sh(FP5, "systemctl show -p MainPID --value fluentd.service").stdout.strip()
    assert sh(FP5, "systemctl is-active fluentd.service").stdout.strip() == "active"
    assert sh(FP5, "cat /var/run/fluent/fluentd.pid").stdout.strip() == main and int(main) in new
    orphans = sh(FP5, "ps -eo ppid=,args= | awk '$1 == 1 && /--under-supervisor/ && !/awk/'").stdout.strip()
    assert orphans == "", orphans
    assert "using mackerel-client 0.1.1" in sh(FP5, "cat /var/log/fluent/fluentd.log").stdout

    logs = wait_delivered(FP5, "P1L", 9500)
    metrics = wait_delivered(FP5, "P1M", 500)
    print("fp5 zero-loss: logs %s metrics %s" % (logs, metrics))
    for got, count in ((logs, 9500), (metrics, 500)):
        assert got["distinct"] == count and got["missing"] == 0, got
        assert got["duplicates"] == 0 and got["unexpected"] == 0, got

    again = playbook("playbooks/fix-td-agent.yml", extra_vars=FP5_VARS)
    assert again.rc == 0 and again.changed(FP5) == 0, again
    baseline(FP5)  # leave fluent3 re-runnable: healthy, mackerel-client 0.1.0 only
