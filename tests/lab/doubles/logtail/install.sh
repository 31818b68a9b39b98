#!/bin/sh
# THIS IS A TEST DOUBLE installer for the Logtail lab double (not logtail.sh).
# Copyright: (c) 2026, sre.remediation contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# Usage: install.sh [--root DIR] [--version 2.0.8] [--python /usr/bin/python3]
#                   [--config-server http://10.0.0.2:8080] [--region cn-hangzhou] [--no-config]
set -eu
HERE=$(cd "$(dirname "$0")" && pwd)
ROOT=""; VERSION=2.0.8; PY=/usr/bin/python3; CS=http://127.0.0.1:8080; REGION=cn-hangzhou; CONFIG=yes
while [ $# -gt 0 ]; do
    case "$1" in
        --root) ROOT=${2%/}; shift 2 ;;
        --version) VERSION=$2; shift 2 ;;
        --python) PY=$2; shift 2 ;;
        --config-server) CS=$2; shift 2 ;;
        --region) REGION=$2; shift 2 ;;
        --no-config) CONFIG=no; shift ;;
        *) echo "unknown option $1" >&2; exit 2 ;;
    esac
done
DIR="$ROOT/usr/local/ilogtail"
mkdir -p "$DIR" "$ROOT/etc/init.d" "$ROOT/etc/ilogtail/users"
sed "1s|^#!.*|#!$PY|" "$HERE/ilogtail.py" > "$DIR/ilogtail_$VERSION"
chmod 0755 "$DIR/ilogtail_$VERSION"
ln -sfn "ilogtail_$VERSION" "$DIR/ilogtail"
cp "$HERE/ilogtaild" "$ROOT/etc/init.d/ilogtaild"
chmod 0755 "$ROOT/etc/init.d/ilogtaild"
if [ "$CONFIG" = yes ] && [ ! -f "$DIR/ilogtail_config.json" ]; then
    cat > "$DIR/ilogtail_config.json" <<JSON
{
    "config_server_address" : "$CS",
    "data_server_list" : [ { "cluster" : "$REGION", "endpoint" : "$REGION-intranet.log.aliyuncs.com" } ],
    "cpu_usage_limit" : 0.4,
    "mem_usage_limit" : 100,
    "max_bytes_per_sec" : 2097152,
    "process_thread_count" : 1,
    "send_request_concurrency" : 4,
    "streamlog_open" : false
}
JSON
fi
echo "installed Logtail test double $VERSION into $DIR"
