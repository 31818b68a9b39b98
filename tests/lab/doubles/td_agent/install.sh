#!/bin/sh
# THIS IS A TEST DOUBLE installer: td-agent lab double (supervisor + worker in the system Ruby with the
# real sigdump gem), mackerel-client 0.1.0/0.1.1 test-double gems built with `gem build` and served from
# a local gem source (http://127.0.0.1:8808/), the Mackerel sink double. Idempotent: prints CHANGED
# lines for what it changed.
# Usage: install.sh [--flavor td-agent|fluent-package5] [--control init|systemd]
#   td-agent (default): td-agent layout (/opt/td-agent/embedded, user td-agent), --control init (default)
#     = /etc/init.d/td-agent, --control systemd = native td-agent.service
#   fluent-package5: fluent-package 5 layout (/opt/fluent, user _fluentd, /etc/fluent/fluentd.conf,
#     /var/log/fluent, /var/run/fluent/fluentd.pid), native fluentd.service with Alias=td-agent.service
# Copyright: (c) 2026, sre.remediation contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
set -eu
HERE=$(cd "$(dirname "$0")" && pwd)
FLAVOR=td-agent
CONTROL=
while [ $# -gt 0 ]; do
    case "$1" in
        --flavor) FLAVOR=$2; shift 2 ;;
        --control) CONTROL=$2; shift 2 ;;
        *) echo "unknown option $1" >&2; exit 2 ;;
    esac
done
case "$FLAVOR" in
    td-agent)
        CONTROL=${CONTROL:-init}
        PREFIX=/opt/td-agent/embedded
        GEM_CMD=gem
        GEM_LINK=/usr/sbin/td-agent-gem
        WRAPPER=/usr/sbin/td-agent
        DAEMON_USER=td-agent
        ETC=/etc/td-agent
        CONF=/etc/td-agent/td-agent.conf
        LOGDIR=/var/log/td-agent
        LOG=/var/log/td-agent/td-agent.log
        BUFDIR=/var/log/td-agent/buffer
        LIBDIR=/var/lib/td-agent
        PIDFILE=/var/run/td-agent/td-agent.pid
        UNIT=td-agent.service
        ;;
    fluent-package5)
        [ "${CONTROL:-systemd}" = systemd ] || { echo "fluent-package5 has only the systemd unit fluentd.service" >&2; exit 2; }
        CONTROL=systemd
        PREFIX=/opt/fluent
        GEM_CMD=fluent-gem
        GEM_LINK=/usr/sbin/fluent-gem
        WRAPPER=/usr/sbin/fluentd
        DAEMON_USER=_fluentd
        ETC=/etc/fluent
        CONF=/etc/fluent/fluentd.conf
        LOGDIR=/var/log/fluent
        LOG=/var/log/fluent/fluentd.log
        BUFDIR=/var/log/fluent/buf
        LIBDIR=/var/lib/fluent
        PIDFILE=/var/run/fluent/fluentd.pid
        UNIT=fluentd.service
        ;;
    *) echo "unknown flavor $FLAVOR (td-agent, fluent-package5)" >&2; exit 2 ;;
esac
GEM_HOME=$PREFIX/lib/ruby/gems/3.1.0
LIB=$GEM_HOME/gems/fluentd-1.16.2.double/lib
GEM=$PREFIX/bin/$GEM_CMD
SRC=/var/lib/td-agent-gemsrc
DOUBLE=/usr/local/lib/td-agent-double
UNITS_CHANGED=no
# td-agent paths in the shared double files -> this flavor's paths
PATHS="s#/opt/td-agent/embedded#$PREFIX#g; s#/etc/td-agent/td-agent.conf#$CONF#g; s#/var/log/td-agent/buffer#$BUFDIR#g; s#/var/log/td-agent/td-agent.log#$LOG#g"

put() {  # put SRC DEST MODE [SED-SCRIPT applied to SRC]
    src=$1
    if [ -n "${4:-}" ]; then
        src=$(mktemp); sed "$4" "$1" > "$src"
    fi
    if ! cmp -s "$src" "$2"; then
        mkdir -p "$(dirname "$2")"
        cp "$src" "$2.tmp.$$" && chmod "$3" "$2.tmp.$$" && mv "$2.tmp.$$" "$2"
        echo "CHANGED $2"
        case "$2" in *.service) UNITS_CHANGED=yes ;; esac
    fi
    [ "$src" = "$1" ] || rm -f "$src"
}

getent passwd "$DAEMON_USER" >/dev/null || {
    useradd -r -U -M -d "$LIBDIR" -s /usr/sbin/nologin "$DAEMON_USER"; echo "CHANGED user $DAEMON_USER"; }
mkdir -p "$ETC" "$BUFDIR" "$LIBDIR" /var/lib/mackerel-sink "$SRC/gems" "$GEM_HOME" "$DOUBLE" "$PREFIX/bin"
chown "$DAEMON_USER:$DAEMON_USER" "$LOGDIR" "$BUFDIR" "$LIBDIR"

for f in $(cd "$HERE/lib" && find . -name '*.rb'); do put "$HERE/lib/$f" "$LIB/$f" 0644; done
put "$HERE/bin/fluentd" "$PREFIX/bin/fluentd" 0755
put "$HERE/bin/gem" "$GEM" 0755
put "$HERE/bin/td-agent" "$WRAPPER" 0755 "$PATHS"
[ -L "$GEM_LINK" ] || { ln -sfn "$GEM" "$GEM_LINK"; echo "CHANGED $GEM_LINK"; }
put "$HERE/sink/mackerel_sink.py" "$DOUBLE/mackerel_sink.py" 0755
put "$HERE/feed.py" "$DOUBLE/feed.py" 0755
put "$HERE/fault.sh" "$DOUBLE/fault.sh" 0755
put "$HERE/sink/mackerel-sink.service" /etc/systemd/system/mackerel-sink.service 0644
put "$HERE/sink/td-agent-gemsrc.service" /etc/systemd/system/td-agent-gemsrc.service 0644
put "$HERE/etc/td-agent.conf" "$CONF" 0644 "$PATHS"
if [ "$FLAVOR" = td-agent ]; then
    [ -f /etc/default/td-agent ] || put "$HERE/etc/default-td-agent" /etc/default/td-agent 0644
fi
[ -f "$LOG" ] || { touch "$LOG"; chown "$DAEMON_USER:$DAEMON_USER" "$LOG"; }
# what fault.sh needs to know about this host's flavor
flavor_env=$(mktemp)
cat > "$flavor_env" <<ENV
# THIS IS A TEST DOUBLE setting: written by install.sh, read by fault.sh
FLAVOR=$FLAVOR
CONTROL=$CONTROL
UNIT=$UNIT
FLUENTD=$PREFIX/bin/fluentd
GEM=$GEM
PIDFILE=$PIDFILE
LOG=$LOG
BUFDIR=$BUFDIR
DAEMON_USER=$DAEMON_USER
IGNORE=$ETC/double-fault-ignore-term
ENV
put "$flavor_env" "$DOUBLE/flavor.env" 0644
rm -f "$flavor_env"

# mackerel-client test-double gems: built with `gem build`, indexed with `gem generate_index`
NEWGEM=no
for v in 0.1.0 0.1.1; do
    if [ ! -f "$SRC/gems/mackerel-client-$v.gem" ]; then
        tmp=$(mktemp -d)
        cp -r "$HERE/gems/mackerel-client-$v/." "$tmp/"
        (cd "$tmp" && SOURCE_DATE_EPOCH=1467849600 gem build mackerel-client.gemspec >/dev/null 2>&1)
        mv "$tmp/mackerel-client-$v.gem" "$SRC/gems/"
        rm -rf "$tmp"
        NEWGEM=yes
        echo "CHANGED built mackerel-client-$v.gem"
    fi
done
if [ "$NEWGEM" = yes ] || [ ! -f "$SRC/specs.4.8.gz" ]; then
    gem generate_index --directory "$SRC" >/dev/null 2>&1
    echo "CHANGED gem index $SRC"
fi
if ! "$GEM" list -i mackerel-client >/dev/null 2>&1; then
    "$GEM" install --local --no-document "$SRC/gems/mackerel-client-0.1.0.gem" >/dev/null
    echo "CHANGED installed mackerel-client 0.1.0"
fi

if [ "$FLAVOR" = fluent-package5 ]; then
    put "$HERE/etc/fluentd.service" /etc/systemd/system/fluentd.service 0644
elif [ "$CONTROL" = systemd ]; then
    put "$HERE/etc/td-agent.service" /etc/systemd/system/td-agent.service 0644
    rm -f /etc/init.d/td-agent
else
    put "$HERE/etc/init.d-td-agent" /etc/init.d/td-agent 0755
    if [ -f /etc/systemd/system/td-agent.service ]; then rm -f /etc/systemd/system/td-agent.service; UNITS_CHANGED=yes; fi
fi
[ "$UNITS_CHANGED" = yes ] && systemctl daemon-reload
for u in mackerel-sink.service td-agent-gemsrc.service; do
    systemctl is-enabled -q "$u" 2>/dev/null || { systemctl enable -q "$u"; echo "CHANGED enabled $u"; }
    systemctl is-active -q "$u" || { systemctl start "$u"; echo "CHANGED started $u"; }
done
if [ "$CONTROL" = systemd ]; then
    systemctl is-enabled -q "$UNIT" 2>/dev/null || { systemctl enable -q "$UNIT"; echo "CHANGED enabled $UNIT"; }
    systemctl is-active -q "$UNIT" || { systemctl start "$UNIT"; echo "CHANGED started $UNIT"; }
else
    /etc/init.d/td-agent status >/dev/null 2>&1 || { /etc/init.d/td-agent start >/dev/null; echo "CHANGED started td-agent"; }
fi
