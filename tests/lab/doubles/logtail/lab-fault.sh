#!/bin/sh
# THIS IS A TEST DOUBLE helper: puts a lab host with the Logtail double into a known fault state.
# Copyright: (c) 2026, sre.remediation contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# Installed as /usr/local/sbin/logtail-lab-fault by provision-tasks.yml. Run as root:
#   logtail-lab-fault healthy        pristine config, /etc/hosts, account ID file; agent (re)started; sink reset
#   logtail-lab-fault loopback       /etc/hosts: "127.0.1.1 <hostname>" (Debian default); agent restarted.
#                                    The NIC rename (eth0 -> ens3) needs CAP_NET_ADMIN, which lab hosts lack:
#                                    the integration test does it from the controller (nsenter).
#   logtail-lab-fault stale_ip       /etc/hosts: "10.9.9.99 <hostname>" (not local); agent restarted
#   logtail-lab-fault wrong_working_ip  working_ip 10.9.9.98 (not local) in the config; agent restarted
#   logtail-lab-fault region         endpoints of cn-beijing instead of cn-hangzhou; agent restarted
#   logtail-lab-fault no_user_id     /etc/ilogtail/users/<id> removed
#   logtail-lab-fault user_id_dir    /etc/ilogtail/users/<id> is a directory (mkdir by mistake)
#   logtail-lab-fault not_restarted  config edited (mem_usage_limit) while the agent runs, no restart
#   logtail-lab-fault dead           agent killed with SIGKILL (the oneshot unit still says active)
set -eu
D=/opt/logtail-double
CFG=/usr/local/ilogtail/ilogtail_config.json
S=/etc/init.d/ilogtaild
UID_FILE_ID=$(cat "$D/user_id")
H=$(hostname)

write_hosts() {  # /etc/hosts is a bind mount in containers: rewrite in place, never rename
    { grep -v -w -e "$H" "$D/hosts.healthy" || true; [ -z "${1:-}" ] || printf '%s\t%s\n' "$1" "$H"; } > "$D/hosts.new"
    cat "$D/hosts.new" > /etc/hosts
    rm -f "$D/hosts.new"
}

restart() { "$S" stop >/dev/null; "$S" start >/dev/null; }

case "${1:-}" in
    healthy)
        "$S" stop >/dev/null
        cp "$D/ilogtail_config.healthy.json" "$CFG"
        rm -f /usr/local/ilogtail/ilogtail_config.json.*~
        cat "$D/hosts.healthy" > /etc/hosts
        rm -rf "/etc/ilogtail/users/$UID_FILE_ID"
        mkdir -p /etc/ilogtail/users
        : > "/etc/ilogtail/users/$UID_FILE_ID"
        rm -f /etc/ilogtail/user_defined_id
        "$S" start >/dev/null
        curl -s -o /dev/null -X POST http://127.0.0.1:8080/reset || true
        ;;
    loopback) write_hosts 127.0.1.1; restart ;;
    stale_ip) write_hosts 10.9.9.99; restart ;;
    wrong_working_ip)
        sed 's/^}$/    ,"working_ip" : "10.9.9.98"\n}/' "$D/ilogtail_config.healthy.json" > "$CFG"; restart ;;
    region) sed 's/cn-hangzhou/cn-beijing/g' "$D/ilogtail_config.healthy.json" > "$CFG"; restart ;;
    no_user_id) rm -rf "/etc/ilogtail/users/$UID_FILE_ID" ;;
    user_id_dir) rm -rf "/etc/ilogtail/users/$UID_FILE_ID"; mkdir -p "/etc/ilogtail/users/$UID_FILE_ID" ;;
    not_restarted) sleep 2; sed -i 's/"mem_usage_limit" : 100/"mem_usage_limit" : 200/' "$CFG" ;;
    dead) "$S" force-stop >/dev/null ;;
    *) echo "usage: $0 healthy|loopback|stale_ip|wrong_working_ip|region|no_user_id|user_id_dir|not_restarted|dead" >&2
       exit 2 ;;
esac
echo "logtail lab fault: $1"
