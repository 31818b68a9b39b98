#!/usr/bin/python3
# THIS IS A TEST DOUBLE of the Alibaba Cloud Logtail agent (not the real ilogtail binary).
# Copyright: (c) 2026, sre.remediation contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Installed as /usr/local/ilogtail/ilogtail_<version> with the symlink ilogtail -> ilogtail_<version>.

Behaves like the agent where the heartbeat diagnosis looks:
- `ilogtail` starts a daemon (PPID 1 after a double fork) and its worker child: two processes;
- the worker loads ilogtail_config.json (invalid JSON: logs the error and exits, nothing rewritten),
  logs `load logtail config file` / `load parameter from ...` lines to ilogtail.LOG,
  decides the IP like the agent (MachineInfoUtil.cpp / Application.cpp, written independently of the
  collection's module_utils), rewrites app_info.json (JsonCpp styled: tab indent, " : ", sorted keys),
- then POSTs a heartbeat JSON {ip, hostname, user_ids, user_defined_id, region, ...} every few seconds to
  <config server>/heartbeat (re-reading /etc/ilogtail/users and user_defined_id each time); no heartbeat
  while the ip is empty.

Environment overrides (so it runs unprivileged in unit tests):
  LOGTAIL_DOUBLE_ROOT       path prefix for /usr/local/ilogtail and /etc/ilogtail (default: none)
  LOGTAIL_DOUBLE_HOSTNAME   hostname instead of gethostname()
  LOGTAIL_DOUBLE_RESOLVE    comma list of IPv4 the hostname resolves to ("" = resolution fails)
  LOGTAIL_DOUBLE_IFACES     "lo=127.0.0.1;ens3=10.0.0.5,10.0.0.6" instead of `ip -4 -o addr`
  LOGTAIL_DOUBLE_HEARTBEAT_INTERVAL  seconds between heartbeats (default 5)
  LOGTAIL_DOUBLE_UUID       value of "UUID" (default: /sys/class/dmi/id/product_uuid or "")
"""

import datetime
import json
import os
import signal
import socket
import subprocess
import sys
import time
import urllib.request
import uuid

ROOT = os.environ.get("LOGTAIL_DOUBLE_ROOT", "").rstrip("/")
DIR = ROOT + "/usr/local/ilogtail"
CONFIG = DIR + "/ilogtail_config.json"
APP_INFO = DIR + "/app_info.json"
LOG = DIR + "/ilogtail.LOG"
PIDFILE = DIR + "/ilogtail.double.pid"
WORKER_PIDFILE = DIR + "/ilogtail.double.worker.pid"
SYS_CONF = ROOT + "/etc/ilogtail"


def version():
    name = os.path.basename(os.path.realpath(sys.argv[0]))
    return name.split("_", 1)[1] if "_" in name else "0.0.0"


def log(level, msg, src="core/logtail.cpp:100"):
    now = datetime.datetime.now().strftime("%Y-%m-%d %H:%M:%S.%f")
    with open(LOG, "a") as fh:
        fh.write("[%s]\t[%s]\t[%d]\t/build/%s\t\t%s\n" % (now, level, os.getpid(), src, msg))


# ------------------------------------------------------------------ the agent's IP logic
def hostname():
    return os.environ.get("LOGTAIL_DOUBLE_HOSTNAME") or socket.gethostname()


def interfaces():
    """[(name, ip)] in getifaddrs-like order."""
    spec = os.environ.get("LOGTAIL_DOUBLE_IFACES")
    out = []
    if spec is not None:
        for part in spec.split(";"):
            if "=" in part:
                name, ips = part.split("=", 1)
                out.extend((name.strip(), ip.strip()) for ip in ips.split(",") if ip.strip())
        return out
    try:
        text = subprocess.run(["ip", "-4", "-o", "addr"], stdout=subprocess.PIPE, universal_newlines=True,
                              check=False).stdout
    except OSError:
        text = ""
    for line in text.splitlines():
        f = line.split()
        if len(f) > 3 and f[2] == "inet":
            out.append((f[1], f[3].split("/")[0]))
    return out


def nic_ip_set():
    return [ip for name, ip in interfaces() if name != "lo" and not ip.startswith("127.")]


def ip_of(intf):
    for name, ip in interfaces():
        if name == intf:
            return ip
    return ""


def numeric_hostname(h):
    """glibc digits-dots check: a hostname that is itself a numeric address is not resolved."""
    if not h:
        return True
    parts = h.split(".")
    if len(parts) > 4 or not all(p.isdigit() for p in parts):
        return False
    try:
        vals = [int(p, 8) if len(p) > 1 and p.startswith("0") else int(p) for p in parts]
    except ValueError:
        return False
    limit = 32
    for v in vals[:-1]:
        if v > 255:
            return False
        limit -= 8
    return vals[-1] < (1 << limit)


def resolve(h):
    spec = os.environ.get("LOGTAIL_DOUBLE_RESOLVE")
    if spec is not None:
        return [x.strip() for x in spec.split(",") if x.strip()]
    try:
        infos = socket.getaddrinfo(h, None, socket.AF_INET)
    except (OSError, UnicodeError) as exc:
        log("warning", "failed get address info:will use other methods to obtain ip\terrMsg:%s" % exc,
            "core/common/MachineInfoUtil.cpp:240")
        return []
    seen = []
    for info in infos:
        if info[4][0] not in seen:
            seen.append(info[4][0])
    return seen


def ip_by_hostname():
    h = hostname()
    if numeric_hostname(h):
        log("info", "invalid hostname:will use other methods to obtain ip\thostname:%s" % h,
            "core/common/MachineInfoUtil.cpp:230")
        return ""
    addrs = resolve(h)
    if not addrs:
        return ""
    nics = nic_ip_set()
    for a in addrs:
        if a in nics:
            return a
    return addrs[0]


def host_ip(intf=""):
    ip = ip_by_hostname()
    if not ip or ip.startswith("127."):
        if not intf:
            ip = ip_of("eth0")
            if not ip or ip.startswith("127."):
                ip = ip_of("bond0")
            return ip
        return ip_of(intf)
    return ip


def load_param(cfg, name, env_name):
    value = None
    if name in os.environ:
        value = os.environ[name]
        log("info", "load parameter from env:%s\tvalue:%s" % (name, value), "core/common/JsonUtil.cpp:100")
    if env_name and env_name in os.environ:
        value = os.environ[env_name]
        log("info", "load parameter from env:%s\tvalue:%s" % (env_name, value), "core/common/JsonUtil.cpp:104")
    if isinstance(cfg.get(name), str):
        value = cfg[name]
        log("info", "load parameter from JSON:%s\tvalue:%s" % (name, value), "core/common/JsonUtil.cpp:108")
    return value or ""


def decide_ip(cfg):
    working_ip = load_param(cfg, "working_ip", "ALIYUN_LOGTAIL_WORKING_IP")
    bind = cfg.get("bind_interface") if isinstance(cfg.get("bind_interface"), str) else ""
    if bind == "default":
        bind = ""
    ip = host_ip()
    if working_ip:
        ip = working_ip
    elif bind:
        ip = host_ip(bind)
        if not ip:
            log("warning", "failed to get ip from interface:try to get any available ip\tinterface:%s" % bind)
    elif not ip:
        log("warning", "failed to get ip from hostname or eth0 or bond0:try to get any available ip")
    if not ip:
        nics = nic_ip_set()
        ip = nics[0] if nics else ""
        log("info", "get available ip succeeded:%s" % ip)
    return ip


# ------------------------------------------------------------------ record file, heartbeats
def styled(obj):
    lines = ["{"]
    keys = sorted(obj)
    for i, k in enumerate(keys):
        lines.append("\t%s : %s%s" % (json.dumps(k), json.dumps(obj[k]), "," if i < len(keys) - 1 else ""))
    lines.append("}")
    return "\n".join(lines) + "\n"


def machine_uuid():
    if "LOGTAIL_DOUBLE_UUID" in os.environ:
        return os.environ["LOGTAIL_DOUBLE_UUID"]
    try:
        with open("/sys/class/dmi/id/product_uuid") as fh:
            return fh.read().strip().upper()
    except OSError:
        return ""


def user_ids():
    d = SYS_CONF + "/users"
    try:
        return sorted(n for n in os.listdir(d) if os.path.isfile(os.path.join(d, n)))
    except OSError:
        return []


def user_defined_id():
    try:
        with open(SYS_CONF + "/user_defined_id") as fh:
            return [x.strip() for x in fh.read().strip().split("\n") if x.strip()]
    except OSError:
        return []


def region_of(cfg):
    for item in cfg.get("data_server_list") or []:
        if isinstance(item, dict) and item.get("cluster"):
            return item["cluster"]
    if cfg.get("primary_region"):
        return cfg["primary_region"]
    for item in cfg.get("data_servers") or []:
        if isinstance(item, dict) and item.get("region"):
            return item["region"]
    return ""


def config_servers(cfg):
    if isinstance(cfg.get("config_server_address"), str):
        return [cfg["config_server_address"]]
    return [x for x in cfg.get("config_servers") or [] if isinstance(x, str)]


def worker():
    with open(WORKER_PIDFILE, "w") as fh:
        fh.write("%d\n" % os.getpid())
    log("info", "load logtail config file, path:%s" % CONFIG, "core/app_config/AppConfigBase.cpp:391")
    try:
        with open(CONFIG, "rb") as fh:
            raw = fh.read()
        cfg = json.loads(raw.decode("utf-8"))
        if not isinstance(cfg, dict):
            raise ValueError("not an object")
    except (OSError, ValueError) as exc:
        log("error", "load config file fail, path:%s\terror:%s" % (CONFIG, exc),
            "core/app_config/AppConfigBase.cpp:380")
        return 1
    log("info", "load logtail config file, detail:%s" % json.dumps(cfg, indent=3, sort_keys=True,
                                                                  separators=(",", " : ")),
        "core/app_config/AppConfigBase.cpp:392")
    ip = decide_ip(cfg)
    host = load_param(cfg, "working_hostname", "ALIYUN_LOGTAIL_WORKING_HOSTNAME") or hostname()
    start = int(time.time())
    uname = os.uname()
    info = {
        "UUID": machine_uuid(),
        "compiler": "GCC 9.3.1",
        "hostname": host,
        "instance_id": "%s_%s_%d" % (str(uuid.uuid4()).upper(), ip, start),
        "ip": ip,
        "logtail_version": version(),
        "os": "%s; %s; %s; %s" % (uname.sysname, uname.release, uname.version, uname.machine),
        "update_time": time.strftime("%Y-%m-%d %H:%M:%S", time.localtime(start)),
    }
    with open(APP_INFO + ".tmp", "w") as fh:
        fh.write(styled(info))
    os.rename(APP_INFO + ".tmp", APP_INFO)
    log("info", "app info:%s" % json.dumps(info, sort_keys=True), "core/logtail.cpp:301")
    interval = float(os.environ.get("LOGTAIL_DOUBLE_HEARTBEAT_INTERVAL", "5"))
    servers = config_servers(cfg)
    while True:
        if not ip:
            log("error", "ip is empty, heartbeat skipped")
        for url in servers[:1]:
            if not ip:
                break
            body = json.dumps({"ip": ip, "hostname": host, "user_ids": user_ids(),
                               "user_defined_id": user_defined_id(), "region": region_of(cfg),
                               "instance_id": info["instance_id"], "version": version()}).encode()
            req = urllib.request.Request(url.rstrip("/") + "/heartbeat", data=body, method="POST",
                                         headers={"Content-Type": "application/json"})
            try:
                opener = urllib.request.build_opener(urllib.request.ProxyHandler({}))
                opener.open(req, timeout=2).read()
            except Exception as exc:  # noqa: BLE001 - a double keeps running like the agent
                log("warning", "send heartbeat fail:%s\terror:%s" % (url, exc))
        time.sleep(interval)


def daemon():
    with open(PIDFILE, "w") as fh:
        fh.write("%d\n" % os.getpid())
    child = os.fork()
    if child == 0:
        signal.signal(signal.SIGTERM, signal.SIG_DFL)
        os._exit(worker() or 0)

    def stop(_sig, _frm):
        try:
            os.kill(child, signal.SIGTERM)
        except OSError:
            pass
        for path in (PIDFILE, WORKER_PIDFILE):
            try:
                if open(path).read().strip() in (str(os.getpid()), str(child)):
                    os.unlink(path)
            except OSError:
                pass
        os._exit(0)

    signal.signal(signal.SIGTERM, stop)
    signal.signal(signal.SIGINT, stop)
    os.waitpid(child, 0)
    stop(None, None)


def main():
    os.makedirs(DIR, exist_ok=True)
    if len(sys.argv) > 1 and sys.argv[1] in ("-h", "--help"):
        print("Usage: %s [-h]  (THIS IS A TEST DOUBLE: starts the daemon and worker)" % sys.argv[0])
        return 0
    try:
        os.unlink(WORKER_PIDFILE)
    except OSError:
        pass
    pid = os.fork()
    if pid > 0:
        os.waitpid(pid, 0)  # the intermediate exits at once: reap it
        deadline = time.time() + 5
        while time.time() < deadline and not os.path.exists(WORKER_PIDFILE):
            time.sleep(0.05)
        return 0
    os.setsid()
    if os.fork() > 0:
        os._exit(0)
    devnull = os.open(os.devnull, os.O_RDWR)
    for fd in (0, 1, 2):
        os.dup2(devnull, fd)
    daemon()
    return 0


if __name__ == "__main__":
    sys.exit(main())
