#!/bin/sh
# THIS IS A TEST DOUBLE fault switch for the td-agent lab double and its Mackerel sink.
#   fault.sh hang          sink accepts requests and never answers (records nothing)
#   fault.sh heal          sink answers new requests; connections hung before stay hung (half-open)
#   fault.sh reset-sink    restart the sink: hung connections are closed, events.log emptied
#   fault.sh ignore-term on|off   the next td-agent worker ignores SIGTERM
#   [IGNORE_TERM=1] fault.sh baseline   healthy start state: td-agent (double) restarted hard with mackerel-client
#                          0.1.0 only, empty buffers, healthy empty sink, no faults
#   fault.sh status
# Works for both flavours of install.sh: the paths come from /usr/local/lib/td-agent-double/flavor.env
# (td-agent defaults below; fluent-package5: /opt/fluent, fluentd.service, /var/log/fluent, _fluentd).
# Copyright: (c) 2026, sre.remediation contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
set -eu
STATE=/var/lib/mackerel-sink
FLAVOR=td-agent
CONTROL=
UNIT=td-agent.service
FLUENTD=/opt/td-agent/embedded/bin/fluentd
PIDFILE=/var/run/td-agent/td-agent.pid
GEM=/opt/td-agent/embedded/bin/gem
LOG=/var/log/td-agent/td-agent.log
BUFDIR=/var/log/td-agent/buffer
DAEMON_USER=td-agent
IGNORE=/etc/td-agent/double-fault-ignore-term
FLAVOR_ENV=/usr/local/lib/td-agent-double/flavor.env
# shellcheck disable=SC1090
[ -f "$FLAVOR_ENV" ] && . "$FLAVOR_ENV"

double_pids() {
    ps -eo pid=,args= | awk -v exe="$FLUENTD" 'index($0, exe) && !/awk/ {print $1}'
}

control() {
    if [ "$FLAVOR" = fluent-package5 ] || [ -f /etc/systemd/system/td-agent.service ]; then echo systemd; else echo init; fi
}

wait_running() {
    i=0
    while [ $i -lt 100 ]; do
        if [ -f "$PIDFILE" ] && tail -n 50 "$LOG" 2>/dev/null | grep -q "fluentd worker is now running"; then
            return 0
        fi
        i=$((i + 1)); sleep 0.2
    done
    echo "$FLAVOR double did not start" >&2; return 1
}

case "${1:-}" in
    hang) mkdir -p "$STATE"; touch "$STATE/hang" ;;
    heal) rm -f "$STATE/hang" ;;
    reset-sink)
        rm -f "$STATE/hang"; : > "$STATE/events.log"
        systemctl restart mackerel-sink.service
        i=0; until curl -fsS http://127.0.0.1:8090/stats >/dev/null 2>&1; do i=$((i+1)); [ $i -gt 50 ] && exit 1; sleep 0.1; done
        ;;
    ignore-term)
        case "${2:-}" in on) touch "$IGNORE" ;; off) rm -f "$IGNORE" ;; *) echo "ignore-term on|off" >&2; exit 2 ;; esac ;;
    baseline)
        rm -f "$IGNORE" "$STATE/hang"
        if [ "$(control)" = systemd ]; then systemctl stop --no-block "$UNIT" || true; fi
        # workers first, then the supervisor: systemd in the lab container (cgroup v1, no release agent) only
        # notices an emptied unit cgroup on the main process's SIGCHLD; a worker dying last would leave the
        # stop job (and the next start) waiting for TimeoutStopSec (120 s)
        for p in $(double_pids | while read -r q; do grep -qa -- --under-supervisor "/proc/$q/cmdline" 2>/dev/null && echo "$q"; done); do
            kill -KILL "$p" 2>/dev/null || true
        done
        sleep 0.3
        for p in $(double_pids); do kill -KILL "$p" 2>/dev/null || true; done
        if [ "$(control)" = systemd ]; then systemctl reset-failed "$UNIT" 2>/dev/null || true; fi
        rm -f "$PIDFILE" "$BUFDIR"/*.log
        "$GEM" uninstall mackerel-client -v 0.1.1 -x >/dev/null 2>&1 || true
        "$GEM" list -i mackerel-client -v 0.1.0 >/dev/null || "$GEM" install --local --no-document /var/lib/td-agent-gemsrc/gems/mackerel-client-0.1.0.gem >/dev/null
        rm -f /tmp/sigdump-*.log
        [ "${IGNORE_TERM:-0}" = 1 ] && touch "$IGNORE"
        "$0" reset-sink
        : > "$LOG"; chown "$DAEMON_USER:$DAEMON_USER" "$LOG"
        if [ "$(control)" = systemd ]; then systemctl start "$UNIT"; else /etc/init.d/td-agent start >/dev/null; fi
        wait_running
        ;;
    status)
        echo "flavor=$FLAVOR control=$(control) sink=$(curl -fsS http://127.0.0.1:8090/stats 2>/dev/null || echo down)"
        echo "pids=$(double_pids | tr '\n' ' ') pidfile=$(cat "$PIDFILE" 2>/dev/null || echo none)"
        echo "gems=$($GEM list mackerel-client 2>/dev/null | grep mackerel || true)"
        echo "chunks=$(ls "$BUFDIR" 2>/dev/null | wc -l) ignore_term=$([ -f $IGNORE ] && echo on || echo off)"
        ;;
    *) echo "usage: $0 hang|heal|reset-sink|ignore-term on|off|baseline|status" >&2; exit 2 ;;
esac
