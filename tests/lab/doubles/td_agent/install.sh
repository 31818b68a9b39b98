#!/bin/sh
# THIS IS A TEST DOUBLE installer: td-agent lab double (supervisor + worker in the system Ruby with the
# real sigdump gem), mackerel-client 0.1.0/0.1.1 test-double gems built with `gem build` and served from
# a local gem source (http://127.0.0.1:8808/), the Mackerel sink double. Idempotent: prints CHANGED
# lines for what it changed. Usage: install.sh [--control init|systemd]
# Copyright: (c) 2026, sre.remediation contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
set -eu
HERE=$(cd "$(dirname "$0")" && pwd)
CONTROL=init
while [ $# -gt 0 ]; do
    case "$1" in
        --control) CONTROL=$2; shift 2 ;;
        *) echo "unknown option $1" >&2; exit 2 ;;
    esac
done
GEM_HOME=/opt/td-agent/embedded/lib/ruby/gems/3.1.0
LIB=$GEM_HOME/gems/fluentd-1.16.2.double/lib
SRC=/var/lib/td-agent-gemsrc
UNITS_CHANGED=no

put() {  # put SRC DEST MODE
    if ! cmp -s "$1" "$2"; then
        mkdir -p "$(dirname "$2")"
        cp "$1" "$2.tmp.$$" && chmod "$3" "$2.tmp.$$" && mv "$2.tmp.$$" "$2"
        echo "CHANGED $2"
        case "$2" in *.service) UNITS_CHANGED=yes ;; esac
    fi
}

getent passwd td-agent >/dev/null || { useradd -r -U -M -d /var/lib/td-agent -s /usr/sbin/nologin td-agent; echo "CHANGED user td-agent"; }
mkdir -p /etc/td-agent /var/log/td-agent/buffer /var/lib/td-agent /var/lib/mackerel-sink "$SRC/gems" "$GEM_HOME" \
    /usr/local/lib/td-agent-double /opt/td-agent/embedded/bin
chown td-agent:td-agent /var/log/td-agent /var/log/td-agent/buffer /var/lib/td-agent

for f in $(cd "$HERE/lib" && find . -name '*.rb'); do put "$HERE/lib/$f" "$LIB/$f" 0644; done
put "$HERE/bin/fluentd" /opt/td-agent/embedded/bin/fluentd 0755
put "$HERE/bin/gem" /opt/td-agent/embedded/bin/gem 0755
put "$HERE/bin/td-agent" /usr/sbin/td-agent 0755
[ -L /usr/sbin/td-agent-gem ] || { ln -sfn /opt/td-agent/embedded/bin/gem /usr/sbin/td-agent-gem; echo "CHANGED /usr/sbin/td-agent-gem"; }
put "$HERE/sink/mackerel_sink.py" /usr/local/lib/td-agent-double/mackerel_sink.py 0755
put "$HERE/feed.py" /usr/local/lib/td-agent-double/feed.py 0755
put "$HERE/fault.sh" /usr/local/lib/td-agent-double/fault.sh 0755
put "$HERE/sink/mackerel-sink.service" /etc/systemd/system/mackerel-sink.service 0644
put "$HERE/sink/td-agent-gemsrc.service" /etc/systemd/system/td-agent-gemsrc.service 0644
put "$HERE/etc/td-agent.conf" /etc/td-agent/td-agent.conf 0644
[ -f /etc/default/td-agent ] || put "$HERE/etc/default-td-agent" /etc/default/td-agent 0644
[ -f /var/log/td-agent/td-agent.log ] || { touch /var/log/td-agent/td-agent.log; chown td-agent:td-agent /var/log/td-agent/td-agent.log; }

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
if ! /opt/td-agent/embedded/bin/gem list -i mackerel-client >/dev/null 2>&1; then
    /opt/td-agent/embedded/bin/gem install --local --no-document "$SRC/gems/mackerel-client-0.1.0.gem" >/dev/null
    echo "CHANGED installed mackerel-client 0.1.0"
fi

if [ "$CONTROL" = systemd ]; then
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
    systemctl is-enabled -q td-agent.service 2>/dev/null || { systemctl enable -q td-agent.service; echo "CHANGED enabled td-agent.service"; }
    systemctl is-active -q td-agent.service || { systemctl start td-agent.service; echo "CHANGED started td-agent.service"; }
else
    /etc/init.d/td-agent status >/dev/null 2>&1 || { /etc/init.d/td-agent start >/dev/null; echo "CHANGED started td-agent"; }
fi
