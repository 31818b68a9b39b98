# -*- coding: utf-8 -*-
# Copyright: (c) 2026, sre.remediation contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Logtail / LoongCollector: "machine group has no heartbeat" diagnosis (pure Python, stdlib only).

Parsers
    parse_app_info(text)      app_info.json (record file written by the agent on every start)
    parse_config(text)        ilogtail_config.json / loongcollector_config.json (old and new schema)
    set_working_ip(text, ip)  rewrite the config with "working_ip" set, every other key kept in order
Model of the agent
    pick_ip(...)              the IP the agent would report (MachineInfoUtil.cpp/Application.cpp logic)
    expected_endpoints(...)   install parameter -> config server / data endpoint table
Gathering (used by the logtail_info module; every function takes a path ``root`` for tests)
    gather(root, ...)         one dict of facts
Analysis
    analyse(facts)            list of findings (findings.finding)

UTF-8 BOM decision: the agent parses its JSON files with JsonCpp and refuses to start on invalid
JSON; whether a leading BOM is accepted depends on the JsonCpp build. We *accept* a BOM so that the
host can still be diagnosed, and report it: the parse result carries ``bom: True`` and a text in
``warnings``; ``analyse`` turns a BOM in the config into the finding ``config_has_bom`` and
``set_working_ip`` writes the file back without it. Anything else that is not a JSON object
(malformed JSON, an array, bad UTF-8, a missing file passed as None) raises ParseError.
"""

from __future__ import annotations

import ipaddress
import json
import os
import re
import socket
import time

from ansible_collections.sre.remediation.plugins.module_utils.findings import ParseError, finding

BOM = "\ufeff"
LOGTAIL_DIR = "/usr/local/ilogtail"
COMMUNITY_DIR = "/opt/loongcollector"
COMMUNITY_CONTAINER_DIR = "/usr/local/loongcollector"
SYS_CONF_DIR = "/etc/ilogtail"
WORKING_IP_ENV = ("working_ip", "ALIYUN_LOGTAIL_WORKING_IP")
WORKING_HOSTNAME_ENV = ("working_hostname", "ALIYUN_LOGTAIL_WORKING_HOSTNAME")
ENV_KEYS = WORKING_IP_ENV + WORKING_HOSTNAME_ENV + ("ALIYUN_LOGTAIL_USER_ID", "ALIYUN_LOGTAIL_USER_DEFINED_ID")
NETWORKS = ("intranet", "internet", "acceleration", "internal")
RUNNING_TEXT = "is running"
_UPDATE_TIME_FMT = "%Y-%m-%d %H:%M:%S"
_AGENT_COMM = re.compile(r"^(ilogtail|loongcollector)(_[0-9][0-9A-Za-z._-]*)?$")


# --------------------------------------------------------------------------- helpers
def _decode(text, source):
    """str or bytes -> (str without BOM, had_bom). None means the file does not exist."""
    if text is None:
        raise ParseError("file is missing (nothing to parse)", source)
    if isinstance(text, (bytes, bytearray)):
        try:
            text = bytes(text).decode("utf-8")
        except UnicodeDecodeError as exc:
            raise ParseError("not valid UTF-8 (%s)" % exc.reason, source) from None
    if not isinstance(text, str):
        raise ParseError("expected text, got %s" % type(text).__name__, source)
    bom = text.startswith(BOM)
    if bom:
        text = text[len(BOM):]
    return text, bom


def _load_object(text, source):
    text, bom = _decode(text, source)
    if not text.strip():
        raise ParseError("file is empty (the agent needs a JSON object)", source)
    try:
        obj = json.loads(text)
    except ValueError as exc:  # json.JSONDecodeError, also RecursionError-free for normal input
        lineno = getattr(exc, "lineno", None)
        msg = getattr(exc, "msg", str(exc))
        raise ParseError("invalid JSON (%s); the agent refuses a config that is not valid JSON" % msg,
                         source, lineno) from None
    except RecursionError:
        raise ParseError("invalid JSON (nested too deeply)", source) from None
    if not isinstance(obj, dict):
        raise ParseError("top level must be a JSON object, got %s" % type(obj).__name__, source)
    warnings = []
    if bom:
        warnings.append("file starts with a UTF-8 BOM; remove it (the agent's JSON parser may reject it)")
    return obj, bom, warnings


def _opt_str(obj, key, source, warnings):
    """Value of a string key: None when absent; non-strings are ignored like the agent does (isString())."""
    if key not in obj:
        return None
    value = obj[key]
    if isinstance(value, str):
        return value
    warnings.append("%s: key %r is %s, not a string; the agent ignores it" % (source, key, type(value).__name__))
    return None


def is_ipv4(value):
    if not isinstance(value, str):
        return False
    try:
        ipaddress.IPv4Address(value)
    except ValueError:
        return False
    return True


def _is_loopback(ip):
    return isinstance(ip, str) and ip.startswith("127.")


def _strtoul0(text, pos):
    """strtoul(text+pos, &end, 0) for the digits-dots check: returns (value, end)."""
    n = len(text)
    i = pos
    while i < n and text[i] in " \t\n\v\f\r":
        i += 1
    if i < n and text[i] in "+-":
        i += 1
    base = 10
    if i < n and text[i] == "0":
        if i + 1 < n and text[i + 1] in "xX" and i + 2 < n and text[i + 2] in "0123456789abcdefABCDEF":
            base, i = 16, i + 2
        else:
            base = 8
    digits = "0123456789abcdef"[:base]
    start = i
    value = 0
    while i < n and text[i].lower() in digits:
        value = value * base + int(text[i], 16)
        i += 1
    if i == start:
        return 0, pos
    return value, i


def hostname_is_numeric(hostname):
    """True when glibc would treat the hostname as a numeric address (IsDigitsDotsHostname() false).

    The agent then skips hostname resolution ("invalid hostname") and goes straight to eth0/bond0.
    """
    if not hostname:
        return True  # empty hostname: the agent also skips resolution
    cp = 0
    digits = 32
    while cp < len(hostname) and digits > 0:
        total, end = _strtoul0(hostname, cp)
        if total >= (1 << digits):
            break
        cp = end
        if cp < len(hostname) and hostname[cp] == "." and total <= 255:
            digits -= 8
            cp += 1
        else:
            break
    return cp >= len(hostname) and cp > 0 and hostname[cp - 1] != "."


# --------------------------------------------------------------------------- app_info.json
def parse_app_info(text, source="app_info.json"):
    """Parse app_info.json (JsonCpp styled output). Returns a dict; ``ip`` is None when empty/missing."""
    obj, bom, warnings = _load_object(text, source)
    vals = {}
    for key in ("UUID", "hostname", "ip", "instance_id", "logtail_version", "loongcollector_version",
                "update_time", "compiler", "os", "host_id", "git_hash", "build_date"):
        if key in obj and obj[key] is not None and not isinstance(obj[key], str):
            raise ParseError("key %r must be a string, got %s" % (key, type(obj[key]).__name__), source)
        vals[key] = obj.get(key)
    if vals["loongcollector_version"] is not None:
        agent, version = "loongcollector", vals["loongcollector_version"]
    else:
        agent, version = "logtail", vals["logtail_version"]
        if version is None:
            warnings.append("%s: neither logtail_version nor loongcollector_version is present" % source)
    update_epoch = None
    if vals["update_time"]:
        try:
            update_epoch = time.mktime(time.strptime(vals["update_time"], _UPDATE_TIME_FMT))
        except (ValueError, OverflowError):
            warnings.append("%s: update_time %r is not YYYY-MM-DD HH:MM:SS" % (source, vals["update_time"]))
    ip = vals["ip"].strip() if vals["ip"] else ""
    return {
        "ip": ip or None,
        "hostname": vals["hostname"],
        "uuid": vals["UUID"],
        "version": version,
        "agent": agent,
        "community": bool(version and "Community" in version),
        "update_time": vals["update_time"],
        "update_epoch": update_epoch,
        "instance_id": vals["instance_id"],
        "os": vals["os"],
        "compiler": vals["compiler"],
        "host_id": vals["host_id"],
        "bom": bom,
        "warnings": warnings,
        "raw": obj,
    }


# --------------------------------------------------------------------------- ilogtail_config.json
def url_host(url):
    """'http://logtail.cn-hangzhou.log.aliyuncs.com:80/x' -> 'logtail.cn-hangzhou.log.aliyuncs.com'."""
    if not isinstance(url, str):
        return ""
    rest = url.strip()
    if "://" in rest:
        rest = rest.split("://", 1)[1]
    rest = rest.split("/", 1)[0].split("?", 1)[0]
    if "@" in rest:
        rest = rest.rsplit("@", 1)[1]
    if rest.startswith("["):
        return rest.split("]", 1)[0] + "]"
    return rest.split(":", 1)[0].lower()


def _sls_label(host):
    host = host.lower()
    if not host.endswith(".aliyuncs.com"):
        return None
    labels = host.split(".")
    if labels[0] == "logtail" and len(labels) > 1:
        return labels[1]
    return labels[0]


def endpoint_region(url_or_host):
    """Region named by an SLS endpoint host, None for log-global / non-SLS hosts (labs)."""
    label = _sls_label(url_host(url_or_host))
    if not label or label == "log-global":
        return None
    for suffix in ("-intranet", "-internal", "-vpc", "-share"):
        if label.endswith(suffix):
            return label[: -len(suffix)]
    return label


def endpoint_network(url_or_host):
    host = url_host(url_or_host)
    if host.startswith("log-global."):
        return "acceleration"
    label = _sls_label(host)
    if not label:
        return None
    if label.endswith("-intranet") or label.endswith("-vpc"):
        return "intranet"
    if label.endswith("-internal") or label.endswith("-share"):
        return "internal"
    return "internet"


def normalise_region(region):
    if not isinstance(region, str):
        return region
    region = region.strip().replace("_", "-")
    if region.endswith("-vpc"):
        region = region[:-4]
    return region


def expected_endpoints(region, network="intranet"):
    """Config server / data endpoint / install parameter for a region and network type (reference table)."""
    region = normalise_region(region)
    if network not in NETWORKS:
        raise ParseError("network must be one of %s, got %r" % (", ".join(NETWORKS), network))
    if network == "intranet":
        cs, data, param = "logtail.%s-intranet" % region, "%s-intranet.log.aliyuncs.com" % region, region
    elif network == "internet":
        cs, data, param = "logtail.%s" % region, "%s.log.aliyuncs.com" % region, "%s-internet" % region
    elif network == "acceleration":
        cs, data, param = "logtail.%s" % region, "log-global.aliyuncs.com", "%s-acceleration" % region
    else:
        cs, data = "logtail.%s-internal" % region, "%s-internal.log.aliyuncs.com" % region
        param = "%s-internal" % region
    return {"region": region, "network": network, "config_server": "http://%s.log.aliyuncs.com" % cs,
            "data_endpoint": data, "install_param": param}


def _has_cluster(obj):
    dsl = obj.get("data_server_list")
    if isinstance(dsl, list):
        return any(isinstance(d, dict) and "cluster" in d for d in dsl)
    return "cluster" in obj


def parse_config(text, source="ilogtail_config.json"):
    """Parse the startup parameter file, old (Logtail) or new (LoongCollector) schema.

    Old format = a ``cluster`` key is present (as the official installers decide); else new.
    """
    obj, bom, warnings = _load_object(text, source)
    config_servers, data_endpoints, regions = [], [], []
    if _has_cluster(obj) or ("config_server_address" in obj and "config_servers" not in obj):
        fmt = "old"
        csa = obj.get("config_server_address")
        if csa is not None:
            if not isinstance(csa, str):
                raise ParseError("config_server_address must be a string", source)
            config_servers.append(csa)
        dsl = obj.get("data_server_list", [])
        if not isinstance(dsl, list):
            raise ParseError("data_server_list must be a list", source)
        for i, item in enumerate(dsl):
            if not isinstance(item, dict):
                raise ParseError("data_server_list[%d] must be an object" % i, source)
            if isinstance(item.get("endpoint"), str):
                data_endpoints.append(item["endpoint"])
            if isinstance(item.get("cluster"), str):
                regions.append(item["cluster"])
        region = regions[0] if regions else None
    else:
        fmt = "new"
        cs = obj.get("config_servers", [])
        if isinstance(cs, str):
            cs = [cs]
        if not isinstance(cs, list) or not all(isinstance(x, str) for x in cs):
            raise ParseError("config_servers must be a list of strings", source)
        config_servers.extend(cs)
        ds = obj.get("data_servers", [])
        if not isinstance(ds, list):
            raise ParseError("data_servers must be a list", source)
        for i, item in enumerate(ds):
            if not isinstance(item, dict):
                raise ParseError("data_servers[%d] must be an object" % i, source)
            if isinstance(item.get("region"), str):
                regions.append(item["region"])
            el = item.get("endpoint_list", [])
            if isinstance(el, str):
                el = [el]
            if not isinstance(el, list):
                raise ParseError("data_servers[%d].endpoint_list must be a list" % i, source)
            data_endpoints.extend(x for x in el if isinstance(x, str))
        primary = _opt_str(obj, "primary_region", source, warnings)
        region = primary or (regions[0] if regions else None)
    network = None
    if any(endpoint_network(e) == "acceleration" for e in data_endpoints):
        network = "acceleration"
    else:
        for url in config_servers + data_endpoints:
            network = endpoint_network(url)
            if network:
                break
    endpoint_regions = sorted({r for r in (endpoint_region(u) for u in config_servers + data_endpoints) if r})
    bind = _opt_str(obj, "bind_interface", source, warnings)
    return {
        "format": fmt,
        "region": region,
        "regions": regions,
        "endpoint_regions": endpoint_regions,
        "config_servers": config_servers,
        "data_endpoints": data_endpoints,
        "network": network,
        "working_ip": _opt_str(obj, "working_ip", source, warnings),
        "working_hostname": _opt_str(obj, "working_hostname", source, warnings),
        "bind_interface": bind,
        "logtail_sys_conf_dir": _opt_str(obj, "logtail_sys_conf_dir", source, warnings),
        "data_server_port": obj.get("data_server_port"),
        "enable_log_time_auto_adjust": obj.get("enable_log_time_auto_adjust"),
        "bom": bom,
        "warnings": warnings,
        "raw": obj,
    }


def validate_working_ip(ip):
    """Return the IP as a string or raise ParseError (IPv4 only, a usable unicast host address)."""
    if not isinstance(ip, str):
        raise ParseError("working_ip must be a string, got %s" % type(ip).__name__)
    try:
        addr = ipaddress.IPv4Address(ip.strip())
    except ValueError:
        raise ParseError("working_ip %r is not a valid IPv4 address" % (ip,)) from None
    if addr.is_loopback or addr.is_unspecified or addr.is_multicast or str(addr) == "255.255.255.255":
        raise ParseError("working_ip %s is not a usable host address (loopback/unspecified/multicast)" % addr)
    return str(addr)


def set_working_ip(config_text, ip, source="ilogtail_config.json"):
    """Return the config text with ``"working_ip": ip``; all other keys and their order are kept.

    ``ip=""`` writes an empty working_ip (= automatic detection, and it also overrides the env vars).
    Output: the file with only the working_ip line changed (installer layout kept), else the object
    re-serialised with a 4-space indent; no BOM, trailing newline.
    """
    obj, _bom, _warn = _load_object(config_text, source)
    value = "" if ip == "" else validate_working_ip(ip)
    text, _bom = _decode(config_text, source)
    obj["working_ip"] = value
    minimal = _minimal_edit(text, value, obj)
    if minimal is not None:
        return minimal
    return json.dumps(obj, indent=4, ensure_ascii=False) + "\n"


_WORKING_IP_RE = re.compile(r'("working_ip"\s*:\s*)"(?:[^"\\]|\\.)*"')


def _minimal_edit(text, value, expected):
    """Change only the working_ip line (replace the value, or add a last key in the file's own style).

    Keeps the installer's JsonCpp layout so that a diff shows one line. Returns None when the text
    edit would not give exactly ``expected`` (then the caller re-serialises the whole object).
    """
    matches = list(_WORKING_IP_RE.finditer(text))
    if len(matches) == 1:
        m = matches[0]
        out = text[:m.start()] + m.group(1) + json.dumps(value) + text[m.end():]
    elif not matches:
        end = text.rstrip().rfind("}")
        if end < 0:
            return None
        head = text[:end].rstrip()
        sep = " : " if '" : ' in text else ": "
        indent = "    "
        m = re.search(r"\{\s*\n([ \t]+)\"", text)
        if m:
            indent = m.group(1)
        comma = "," if not head.endswith("{") else ""
        out = head + comma + "\n" + indent + '"working_ip"' + sep + json.dumps(value) + "\n" + text[end:]
    else:
        return None
    if not out.endswith("\n"):
        out += "\n"
    try:
        got = json.loads(out)
    except ValueError:
        return None
    if got != expected or list(got) != list(expected):
        return None
    return out


# --------------------------------------------------------------------------- what IP would the agent pick
def _iface_ip(local_addrs_by_iface, name):
    addrs = (local_addrs_by_iface or {}).get(name) or []
    return addrs[0] if addrs else ""


def nic_ips(local_addrs_by_iface):
    """Non-loopback IPv4 addresses in interface order (GetNicIpv4IPSet: skips 'lo' and 127.*)."""
    out = []
    for name, addrs in (local_addrs_by_iface or {}).items():
        if name == "lo":
            continue
        for ip in addrs or []:
            if ip and not _is_loopback(ip) and ip not in out:
                out.append(ip)
    return out


def _host_ip(hostname, resolved, local_addrs_by_iface, intf, steps):
    """GetHostIp(intf): hostname resolution, then eth0/bond0 (or intf) when empty or 127.*."""
    nics = nic_ips(local_addrs_by_iface)
    ip = ""
    if hostname_is_numeric(hostname):
        steps.append("hostname %r is numeric/empty: resolution skipped ('invalid hostname')" % (hostname,))
    elif not resolved:
        steps.append("hostname %r does not resolve (IPv4)" % (hostname,))
    else:
        local = [a for a in resolved if a in nics]
        if local:
            ip = local[0]
            steps.append("hostname %s resolves to local address %s" % (hostname, ip))
        else:
            ip = resolved[0]
            steps.append("hostname %s resolves to %s, not on a local NIC, used anyway" % (hostname, ip))
    if ip and not _is_loopback(ip):
        return ip, "hostname"
    if ip:
        steps.append("%s is loopback, falling back to %s" % (ip, intf or "eth0/bond0"))
    if intf:
        ip = _iface_ip(local_addrs_by_iface, intf)
        steps.append("interface %s: %s" % (intf, ip or "no IPv4 address"))
        return ip, "bind_interface"
    ip = _iface_ip(local_addrs_by_iface, "eth0")
    steps.append("interface eth0: %s" % (ip or "no IPv4 address"))
    if ip and not _is_loopback(ip):
        return ip, "eth0"
    ip = _iface_ip(local_addrs_by_iface, "bond0")
    steps.append("interface bond0: %s" % (ip or "no IPv4 address"))
    return ip, "bond0"


def effective_working_ip(working_ip=None, env=None):
    """(value, source) after the agent's precedence: env working_ip < env ALIYUN_LOGTAIL_WORKING_IP < JSON.

    A source is applied when *present* (env var defined, JSON key is a string), even if empty.
    """
    value, source = None, None
    env = env or {}
    for name in WORKING_IP_ENV:
        if isinstance(env.get(name), str):
            value, source = env[name], "env %s" % name
    if isinstance(working_ip, str):
        value, source = working_ip, "JSON working_ip"
    return value, source


def pick_ip(hostname, resolved_addrs, local_addrs_by_iface, working_ip=None, env=None, bind_interface=None):
    """Model of the IP the agent reports (app_info.json ``ip``) at its next start.

    hostname: gethostname(); resolved_addrs: getaddrinfo(hostname, AF_INET) in resolver order;
    local_addrs_by_iface: {iface: [ipv4, ...]} in getifaddrs order; working_ip: the JSON value
    (None when the key is absent); env: the agent's environment; bind_interface: JSON value.
    Returns {"ip": str ("" = empty), "source", "reason", "steps", "arbitrary", "candidates"}.
    """
    steps = []
    resolved = [a for a in (resolved_addrs or []) if isinstance(a, str) and a]
    nics = nic_ips(local_addrs_by_iface)
    wip, wsrc = effective_working_ip(working_ip, env)
    if wip is not None:
        steps.append("working_ip from %s = %r" % (wsrc, wip))
    intf = bind_interface if bind_interface not in (None, "", "default") else ""
    ip, source = _host_ip(hostname, resolved, local_addrs_by_iface, "", steps)
    arbitrary = False
    if wip:
        ip, source = wip, wsrc
        reason = "working_ip set by %s: used verbatim" % wsrc
    else:
        if intf:
            steps.append("bind_interface %r: detection redone with it as the fallback" % intf)
            ip, source = _host_ip(hostname, resolved, local_addrs_by_iface, intf, steps)
        if ip:
            reason = {"hostname": "hostname %s resolves to %s" % (hostname, ip),
                      "eth0": "hostname gave nothing usable; address of eth0",
                      "bond0": "hostname gave nothing usable and eth0 has none; address of bond0",
                      "bind_interface": "hostname gave nothing usable; address of bind_interface %s" % intf}[source]
        elif nics:
            ip, source, arbitrary = nics[0], "any", True
            reason = ("hostname, %s gave nothing: the agent takes ANY non-loopback IPv4 "
                      "(arbitrary order: %s)" % (intf or "eth0 and bond0", ", ".join(nics)))
            steps.append("get available ip: %s" % ip)
        else:
            source = "none"
            reason = "no usable address: hostname, %s and every NIC gave no non-loopback IPv4 (ip stays empty)" % (
                intf or "eth0/bond0")
    return {"ip": ip or "", "source": source, "reason": reason, "steps": steps, "arbitrary": arbitrary,
            "candidates": nics}


# --------------------------------------------------------------------------- parsers of command output
def parse_ip_addr(text):
    """`ip -4 -o addr` -> {iface: [ip, ...]} (order kept)."""
    out = {}
    for line in (text or "").splitlines():
        fields = line.split()
        if len(fields) < 4 or fields[2] != "inet":
            continue
        name = fields[1].rstrip(":").split("@", 1)[0]
        ip = fields[3].split("/", 1)[0]
        if is_ipv4(ip):
            out.setdefault(name, [])
            if ip not in out[name]:
                out[name].append(ip)
    return out


def _route_table(text):
    routes = []
    for line in (text or "").splitlines()[1:]:
        fields = line.split()
        if len(fields) < 8:
            continue
        try:
            dest = socket.inet_ntoa(int(fields[1], 16).to_bytes(4, "little"))
            mask = socket.inet_ntoa(int(fields[7], 16).to_bytes(4, "little"))
            net = ipaddress.IPv4Network("%s/%s" % (dest, mask), strict=False)
        except (ValueError, OverflowError, OSError):
            continue
        if net.prefixlen:
            routes.append((net, fields[0]))
    return routes


def parse_fib_trie(text, route_text=""):
    """/proc/net/fib_trie (+ /proc/net/route for names) -> {iface: [ip, ...]} when `ip` is absent."""
    ips = []
    lines = (text or "").splitlines()
    for i, line in enumerate(lines):
        if "/32 host LOCAL" in line and i > 0:
            ip = lines[i - 1].strip().lstrip("|-+ ").strip()
            if is_ipv4(ip) and ip not in ips:
                ips.append(ip)
    routes = _route_table(route_text)
    out = {}
    for ip in ips:
        name = "lo" if _is_loopback(ip) else "unknown"
        best = -1
        for net, iface in routes:
            if ipaddress.IPv4Address(ip) in net and net.prefixlen > best:
                best, name = net.prefixlen, iface
        out.setdefault(name, []).append(ip)
    return out


def default_ipv4(route_text, local_addrs_by_iface):
    """First IPv4 of the interface that holds the default route (/proc/net/route), else None."""
    for line in (route_text or "").splitlines()[1:]:
        fields = line.split()
        if len(fields) >= 8 and fields[1] == "00000000" and fields[7] == "00000000":
            for ip in (local_addrs_by_iface or {}).get(fields[0]) or []:
                if not _is_loopback(ip):
                    return ip
    return None


def hosts_lines(text, hostname):
    """Lines of /etc/hosts that name the hostname (or its short form), comments stripped."""
    out = []
    if not hostname:
        return out
    names = {hostname.lower(), hostname.split(".")[0].lower()}
    for raw in (text or "").splitlines():
        line = raw.split("#", 1)[0].strip()
        fields = line.split()
        if len(fields) >= 2 and any(f.lower() in names for f in fields[1:]):
            out.append(line)
    return out


def parse_iptables(text):
    """`iptables -S` lines that DROP/REJECT tcp port 443."""
    out = []
    for line in (text or "").splitlines():
        if re.search(r"-j\s+(DROP|REJECT)\b", line) and re.search(r"(--dport|--dports)\s+\S*\b443\b", line):
            out.append(line.strip())
    return out


def parse_agent_log(text):
    """Lines of the run log relevant to the heartbeat, and the config the agent loaded at its last start."""
    text = text or ""
    res = {"config_lines": [], "param_lines": [], "ip_lines": [], "loaded_config": None, "loaded_config_error": None}
    decoder = json.JSONDecoder()
    last_detail = None
    for m in re.finditer(r"^.*$", text, re.M):
        line = m.group(0)
        if "load logtail config file" in line or "load loongcollector config file" in line:
            res["config_lines"].append(line.strip())
            idx = line.find("detail:")
            if idx >= 0:
                last_detail = m.start() + idx + len("detail:")
        elif "load parameter from" in line:
            res["param_lines"].append(line.strip())
        elif re.search(r"get available ip|failed to get ip|invalid hostname|failed get address info|"
                       r"IP is still empty", line):
            res["ip_lines"].append(line.strip())
    if last_detail is not None:
        try:
            obj, _end = decoder.raw_decode(text[last_detail:].lstrip())
            res["loaded_config"] = obj if isinstance(obj, dict) else None
        except ValueError as exc:
            res["loaded_config_error"] = "cannot parse the logged config: %s" % exc
    return res


def user_defined_ids(text):
    if text is None:
        return []
    return [x.strip() for x in text.strip().split("\n") if x.strip()]


# --------------------------------------------------------------------------- gathering (filesystem, /proc)
def _join(root, path):
    return os.path.join(root or "/", path.lstrip("/"))


def _read(path, limit=None):
    try:
        with open(path, "rb") as fh:
            data = fh.read() if limit is None else fh.read(limit)
    except (IOError, OSError):
        return None
    return data.decode("utf-8", "replace")


def _read_bytes(path):
    try:
        with open(path, "rb") as fh:
            return fh.read()
    except (IOError, OSError):
        return None


def _mtime(path):
    try:
        return os.stat(path).st_mtime
    except OSError:
        return None


def detect_layout(root="/"):
    """Flavour and paths (reference §1). Returns a dict with flavour None when nothing is installed."""
    def ex(p):
        return os.path.lexists(_join(root, p))
    lay = {"flavour": None, "layout": None, "install_dir": None, "init_script": None, "config": None,
           "app_info": None, "logs": [], "binary": None, "binary_target": None, "installed": False}
    if ex("/etc/init.d/loongcollectord") or ex(LOGTAIL_DIR + "/loongcollector"):
        lay.update(flavour="loongcollector", layout="alibaba", install_dir=LOGTAIL_DIR,
                   init_script="/etc/init.d/loongcollectord", binary=LOGTAIL_DIR + "/loongcollector")
    elif ex("/etc/init.d/ilogtaild") or ex(LOGTAIL_DIR + "/ilogtail") or ex(LOGTAIL_DIR + "/ilogtail_config.json"):
        lay.update(flavour="logtail", layout="alibaba", install_dir=LOGTAIL_DIR,
                   init_script="/etc/init.d/ilogtaild", binary=LOGTAIL_DIR + "/ilogtail")
    else:
        for d in (COMMUNITY_DIR, COMMUNITY_CONTAINER_DIR):
            if ex(d + "/loongcollector"):
                lay.update(flavour="loongcollector", layout="community", install_dir=d, init_script=None,
                           binary=d + "/loongcollector",
                           config=d + "/conf/instance_config/local/loongcollector_config.json",
                           app_info=d + "/run/app_info.json", logs=[d + "/log/loongcollector.LOG"])
                break
    if lay["layout"] == "alibaba":
        if not ex(lay["init_script"]) and ex("/etc/init.d/ilogtaild"):
            lay["init_script"] = "/etc/init.d/ilogtaild"
        lay["config"] = LOGTAIL_DIR + "/ilogtail_config.json"
        lay["app_info"] = LOGTAIL_DIR + "/app_info.json"
        lay["logs"] = [LOGTAIL_DIR + "/ilogtail.LOG", LOGTAIL_DIR + "/loongcollector.LOG"]
    if lay["binary"]:
        path = _join(root, lay["binary"])
        try:
            lay["binary_target"] = os.path.basename(os.path.realpath(path)) if os.path.exists(path) else None
        except OSError:
            lay["binary_target"] = None
        required = [lay["binary"], lay["config"]] + ([lay["init_script"]] if lay["init_script"] else [])
        lay["missing_files"] = [p for p in required if not ex(p)]
        lay["installed"] = not lay["missing_files"]
    else:
        lay["missing_files"] = []
    return lay


def _boot_time(proc_root):
    for line in (_read(os.path.join(proc_root, "stat")) or "").splitlines():
        if line.startswith("btime "):
            try:
                return int(line.split()[1])
            except (ValueError, IndexError):
                return None
    return None


def list_agent_processes(install_dir=None, root="/", proc_root="/proc"):
    """Agent processes from /proc: comm ilogtail*/loongcollector* (and, with a test root, under its install dir)."""
    procs = []
    try:
        pids = [p for p in os.listdir(proc_root) if p.isdigit()]
    except OSError:
        return procs
    btime = _boot_time(proc_root)
    try:
        hz = os.sysconf("SC_CLK_TCK")
    except (ValueError, OSError, AttributeError):
        hz = 100
    prefix = os.path.realpath(_join(root, install_dir)) if install_dir else None
    for pid in pids:
        base = os.path.join(proc_root, pid)
        comm = (_read(os.path.join(base, "comm")) or "").strip()
        if not _AGENT_COMM.match(comm):
            continue
        raw = _read_bytes(os.path.join(base, "cmdline")) or b""
        argv = [a.decode("utf-8", "replace") for a in raw.split(b"\0") if a]
        if root not in (None, "", "/") and prefix:
            if not any(os.path.realpath(a).startswith(prefix + os.sep) for a in argv[:2] if a.startswith("/")):
                continue
        stat = _read(os.path.join(base, "stat")) or ""
        ppid, start = None, None
        tail = stat.rsplit(")", 1)[-1].split()
        if tail and tail[0] in ("Z", "X"):
            continue  # zombie / dead: not a running agent
        if len(tail) > 19:
            try:
                ppid = int(tail[1])
                if btime is not None:
                    start = btime + int(tail[19]) / float(hz)
            except ValueError:
                pass
        procs.append({"pid": int(pid), "ppid": ppid, "comm": comm, "cmdline": " ".join(argv), "start_time": start})
    procs.sort(key=lambda p: p["pid"])
    return procs


def read_environ(pid, proc_root="/proc"):
    raw = _read_bytes(os.path.join(proc_root, str(pid), "environ"))
    if raw is None:
        return None
    env = {}
    for item in raw.split(b"\0"):
        if b"=" in item:
            k, v = item.split(b"=", 1)
            k = k.decode("utf-8", "replace")
            if k in ENV_KEYS:
                env[k] = v.decode("utf-8", "replace")
    return env


def read_users(root="/", sys_conf_dir=SYS_CONF_DIR):
    d = _join(root, sys_conf_dir + "/users")
    res = {"dir": sys_conf_dir + "/users", "dir_exists": os.path.isdir(d), "entries": []}
    if res["dir_exists"]:
        try:
            names = sorted(os.listdir(d))
        except OSError:
            names = []
        for name in names:
            p = os.path.join(d, name)
            kind = "directory" if os.path.isdir(p) else ("file" if os.path.isfile(p) else "other")
            res["entries"].append({"name": name, "type": kind})
    return res


def read_user_defined_id(root="/", path=SYS_CONF_DIR + "/user_defined_id"):
    p = _join(root, path)
    res = {"path": path, "exists": os.path.lexists(p), "type": None, "ids": []}
    if res["exists"]:
        res["type"] = "directory" if os.path.isdir(p) else "file"
        if res["type"] == "file":
            res["ids"] = user_defined_ids(_read(p))
    return res


def probe_endpoint(url, timeout=3.0, opener=None):
    """HTTP GET; any HTTP answer means the network path works (SLS answers GET / with OLSInvalidMethod)."""
    import urllib.error
    import urllib.request
    res = {"url": url, "reachable": False, "status": None, "ols": False, "error": None, "body": ""}
    opener = opener or urllib.request.build_opener(urllib.request.ProxyHandler({}))
    try:
        resp = opener.open(urllib.request.Request(url, method="GET"), timeout=timeout)
        res["status"] = resp.getcode()
        body = resp.read(2048)
    except urllib.error.HTTPError as exc:
        res["status"] = exc.code
        try:
            body = exc.read(2048)
        except Exception:  # pylint: disable=broad-except
            body = b""
    except Exception as exc:  # pylint: disable=broad-except
        reason = getattr(exc, "reason", exc)
        res["error"] = "%s: %s" % (type(reason).__name__, reason)
        return res
    res["reachable"] = True
    res["body"] = body.decode("utf-8", "replace")[:300]
    res["ols"] = "OLSInvalidMethod" in res["body"]
    return res


def _probe_url(endpoint, overrides):
    host = url_host(endpoint)
    for key in (endpoint, host):
        if key in (overrides or {}):
            return overrides[key]
    return endpoint if "://" in endpoint else "http://" + endpoint


def _default_resolve(hostname):
    infos = socket.getaddrinfo(hostname, None, socket.AF_INET)
    out = []
    for info in infos:
        ip = info[4][0]
        if ip not in out:
            out.append(ip)
    return out


def gather(root="/", run=None, hostname=None, resolve=None, proc_root="/proc", probe=True, probe_timeout=3.0,
           endpoint_overrides=None, prober=None, now=None):
    """Collect every fact analyse() needs. ``run(argv) -> (rc, out, err)`` runs commands (None = none)."""
    facts = {"root": root, "now": now if now is not None else time.time(), "errors": []}
    lay = detect_layout(root)
    facts["layout"] = lay
    for key in ("config", "app_info"):
        facts[key], facts[key + "_error"], facts[key + "_mtime"] = None, None, None
        if not lay.get(key):
            continue
        path = _join(root, lay[key])
        facts[key + "_mtime"] = _mtime(path)
        if os.path.isdir(path):
            facts[key + "_error"] = "%s: is a directory" % lay[key]
            continue
        data = _read_bytes(path)
        try:
            facts[key] = (parse_config if key == "config" else parse_app_info)(data, lay[key])
        except ParseError as exc:
            facts[key + "_error"] = str(exc)
    facts["status"] = None
    if lay.get("init_script") and run and os.path.exists(_join(root, lay["init_script"])):
        rc, out, err = run([_join(root, lay["init_script"]), "status"])
        facts["status"] = {"script": lay["init_script"], "rc": rc, "output": ((out or "") + (err or "")).strip()}
    facts["processes"] = list_agent_processes(lay.get("install_dir"), root, proc_root) if lay.get("flavour") else []
    facts["agent_env"] = None
    for proc in facts["processes"]:
        env = read_environ(proc["pid"], proc_root)
        if env is not None:
            facts["agent_env"] = env
            break
    facts["log"] = None
    for log in lay.get("logs") or []:
        text = _read(_join(root, log))
        if text is not None:
            facts["log"] = dict(parse_agent_log(text), path=log)
            break
    # host identity and addresses
    facts["hostname"] = hostname if hostname is not None else socket.gethostname()
    facts["resolved_addrs"], facts["resolve_error"] = [], None
    try:
        facts["resolved_addrs"] = (resolve or _default_resolve)(facts["hostname"])
    except (OSError, UnicodeError, ValueError) as exc:
        facts["resolve_error"] = str(exc)
    facts["hosts_lines"] = hosts_lines(_read(_join(root, "/etc/hosts")), facts["hostname"])
    facts["local_addrs"], facts["local_addrs_source"] = {}, None
    if run:
        rc, out, _err = run(["ip", "-4", "-o", "addr"])
        if rc == 0 and out:
            facts["local_addrs"], facts["local_addrs_source"] = parse_ip_addr(out), "ip -4 -o addr"
    if not facts["local_addrs"]:
        fib = _read(os.path.join(proc_root, "net", "fib_trie"))
        if fib:
            facts["local_addrs"] = parse_fib_trie(fib, _read(os.path.join(proc_root, "net", "route")) or "")
            facts["local_addrs_source"] = "/proc/net/fib_trie"
    facts["default_ipv4"] = default_ipv4(_read(os.path.join(proc_root, "net", "route")), facts["local_addrs"])
    facts["iptables_443"] = None
    if run:
        rc, out, _err = run(["iptables", "-S"])
        if rc == 0:
            facts["iptables_443"] = parse_iptables(out)
    sys_conf = SYS_CONF_DIR
    cfg = facts.get("config") or {}
    if cfg.get("logtail_sys_conf_dir"):
        sys_conf = cfg["logtail_sys_conf_dir"].rstrip("/") or SYS_CONF_DIR
    facts["users"] = read_users(root, sys_conf)
    facts["user_defined_id"] = read_user_defined_id(
        root, (lay["install_dir"] + "/conf/user_defined_id") if lay.get("layout") == "community"
        else sys_conf + "/user_defined_id")
    facts["would_pick"] = pick_ip(facts["hostname"], facts["resolved_addrs"], facts["local_addrs"],
                                  working_ip=cfg.get("working_ip"), env=facts["agent_env"] or {},
                                  bind_interface=cfg.get("bind_interface"))
    facts["endpoints"] = []
    if probe and cfg:
        for role, items in (("config_server", cfg.get("config_servers") or []),
                            ("data", cfg.get("data_endpoints") or [])):
            for ep in items:
                url = _probe_url(ep, endpoint_overrides)
                res = (prober or probe_endpoint)(url, probe_timeout)
                res.update(endpoint=ep, role=role, probe_url=url)
                facts["endpoints"].append(res)
    return facts


# --------------------------------------------------------------------------- analysis
def _local_set(facts):
    return set(nic_ips(facts.get("local_addrs") or {}))


def _svc(facts):
    lay = facts.get("layout") or {}
    script = lay.get("init_script") or "/etc/init.d/ilogtaild"
    if lay.get("layout") == "community":
        return "systemctl restart loongcollectord"
    return "%s stop && %s start" % (script, script)


def _expected_procs(facts):
    lay = facts.get("layout") or {}
    app = facts.get("app_info") or {}
    return 1 if (lay.get("layout") == "community" or app.get("community")) else 2


def _pick(facts):
    if not facts.get("would_pick"):
        cfg = facts.get("config") or {}
        facts["would_pick"] = pick_ip(facts.get("hostname"), facts.get("resolved_addrs") or [],
                                      facts.get("local_addrs") or {}, working_ip=cfg.get("working_ip"),
                                      env=facts.get("agent_env") or {}, bind_interface=cfg.get("bind_interface"))
    return facts["would_pick"]


def _suggest_ip(facts, group=None):
    local = nic_ips(facts.get("local_addrs") or {})
    for ip in group or []:
        if ip in local:
            return ip
    pick = _pick(facts).get("ip")
    if pick in local:
        return pick
    for name in ("eth0", "bond0"):
        for ip in (facts.get("local_addrs") or {}).get(name) or []:
            return ip
    return local[0] if local else None


def _agent_findings(facts, out):
    lay = facts.get("layout") or {}
    if not lay.get("flavour") or not lay.get("installed"):
        missing = lay.get("missing_files") or ["/usr/local/ilogtail/ilogtail", "/etc/init.d/ilogtaild"]
        out.append(finding(
            "agent_not_installed", "critical", "Logtail/LoongCollector is not (completely) installed",
            ["missing: %s" % p for p in missing],
            "Install the agent with the official installer and the right parameter, e.g. "
            "`./logtail.sh install <region>` (or loongcollector.sh install <region>)",
            fixable=False, data={"missing_files": missing, "flavour": lay.get("flavour")}))
        return False
    status = facts.get("status")
    procs = facts.get("processes") or []
    names = {p["pid"] for p in procs}
    daemons = [p for p in procs if p.get("ppid") not in names]
    expected = _expected_procs(facts)
    running_text = bool(status and RUNNING_TEXT in (status.get("output") or "") and "not running" not in
                        (status.get("output") or ""))
    status_ok = status is None or (status.get("rc") == 0 and running_text)
    evidence = []
    if status is not None:
        evidence.append("%s status: rc=%s, output=%r" % (status.get("script"), status.get("rc"), status.get("output")))
    evidence.extend("pid %s ppid %s %s" % (p["pid"], p["ppid"], p["cmdline"] or p["comm"]) for p in procs)
    data = {"status_rc": status.get("rc") if status else None, "process_count": len(procs),
            "expected_process_count": expected, "daemons": [p["pid"] for p in daemons]}
    if len(procs) > expected or len(daemons) > 1:
        out.append(finding(
            "agent_multiple_instances", "critical",
            "%d agent processes (%d daemons) run; expected %d: duplicate collection and heartbeat confusion"
            % (len(procs), len(daemons), expected), evidence,
            "Stop all instances, then start one: %s (kill leftovers listed in evidence if stop leaves them)"
            % _svc(facts),
            fixable=True, data=data))
        return True
    if not status_ok or len(procs) < expected:
        why = []
        if status is not None and status.get("rc") != 0:
            why.append("status rc %s" % status.get("rc"))
        if status is not None and not running_text:
            why.append("status does not say %r" % RUNNING_TEXT)
        if len(procs) < expected:
            why.append("%d agent process(es), expected %d (daemon with PPID 1 + worker)" % (len(procs), expected))
        out.append(finding(
            "agent_not_running", "critical", "The agent is not running properly: %s" % "; ".join(why), evidence,
            "Start it: %s start (systemctl is-active is meaningless for the oneshot unit)"
            % (lay.get("init_script") or "systemctl"), fixable=True, data=data))
        return False
    return True


def _ip_findings(facts, out):
    app = facts.get("app_info")
    local = _local_set(facts)
    pick = _pick(facts)
    group = [g for g in (facts.get("machine_group_ips") or []) if g]
    if facts.get("app_info_error"):
        out.append(finding("app_info_unreadable", "warning", "app_info.json cannot be read",
                           [facts["app_info_error"]],
                           "Restart the agent so it rewrites app_info.json: %s" % _svc(facts),
                           fixable=True))
    base = {"current_ip": app.get("ip") if app else None, "would_pick_ip": pick.get("ip"),
            "would_pick_reason": pick.get("reason"), "local_ips": sorted(local)}
    suggested = _suggest_ip(facts, group)
    base["suggested_working_ip"] = suggested
    if app is not None:
        ev = ["app_info.json ip=%r update_time=%s" % (app.get("ip") or "", app.get("update_time")),
              "would pick now: %r (%s)" % (pick.get("ip"), pick.get("reason"))]
        if not app.get("ip"):
            out.append(finding(
                "app_info_ip_empty", "critical",
                "app_info.json has an empty ip: the agent cannot send a heartbeat",
                ev + ["local IPv4: %s" % (", ".join(sorted(local)) or "none")],
                "Set working_ip to %s in ilogtail_config.json (or fix /etc/hosts / the network), then restart: %s"
                % (suggested or "<host ip>", _svc(facts)), fixable=bool(suggested), data=base))
        elif local and app["ip"] not in local:
            out.append(finding(
                "app_info_ip_not_local", "critical",
                "app_info.json ip %s is not configured on any local interface" % app["ip"],
                ev + ["local IPv4: %s" % ", ".join(sorted(local))] + list(facts.get("hosts_lines") or []),
                "Set working_ip to %s (or fix the hostname resolution) and restart: %s"
                % (suggested or "<host ip>", _svc(facts)), fixable=bool(suggested), data=base))
    if group:
        reported = (app or {}).get("ip") or pick.get("ip")
        if reported not in group:
            inter = [g for g in group if g in local]
            out.append(finding(
                "ip_not_in_machine_group", "critical",
                "Reported ip %r is not in the machine group (%s)" % (reported or "", ", ".join(group)),
                ["app_info.json ip=%r" % ((app or {}).get("ip") or ""), "machine group IPs: %s" % ", ".join(group)],
                ("Set working_ip to %s (a local address listed in the group) and restart" % inter[0]) if inter else
                "Add %s to the machine group, or set working_ip to the group's IP, or use a custom-ID group"
                % (reported or "the host IP"),
                fixable=bool(inter), data=dict(base, machine_group_ips=group, reported_ip=reported,
                                               suggested_working_ip=inter[0] if inter else suggested)))
    # hostname resolution problems (what the agent does at the next start without working_ip)
    resolved = facts.get("resolved_addrs") or []
    hostname = facts.get("hostname")
    hl = facts.get("hosts_lines") or []
    if_names = set((facts.get("local_addrs") or {}).keys())
    if hostname and not hostname_is_numeric(hostname) and pick.get("source") not in (None, ""):
        loop_hosts = [ln for ln in hl if _is_loopback(ln.split()[0])]
        first_usable = [a for a in resolved if a in local]
        loopback = bool(loop_hosts) or bool(resolved and _is_loopback(resolved[0]))
        if loopback and not first_usable and not ({"eth0", "bond0"} & if_names) and \
                pick.get("source") in ("any", "none"):
            out.append(finding(
                "hostname_bound_to_loopback", "warning",
                "Hostname %s resolves to loopback and there is no eth0/bond0: the agent takes an arbitrary "
                "NIC address (%s now)" % (hostname, pick.get("ip") or "none"),
                loop_hosts + ["resolved: %s" % ", ".join(resolved), "interfaces: %s" % ", ".join(sorted(if_names)),
                              "would pick: %s" % pick.get("reason")],
                "Map %s to %s in /etc/hosts, or set working_ip to %s, then restart: %s"
                % (hostname, suggested or "<host ip>", suggested or "<host ip>", _svc(facts)),
                fixable=bool(suggested), data=dict(base, hosts_lines=loop_hosts, resolved=resolved)))
        if pick.get("source") == "hostname" and local and pick.get("ip") not in local:
            out.append(finding(
                "hostname_bound_to_stale_ip", "critical",
                "Hostname %s resolves to %s, which is not a local address; the agent reports it anyway"
                % (hostname, pick.get("ip")),
                hl + ["resolved: %s" % ", ".join(resolved), "local IPv4: %s" % ", ".join(sorted(local))],
                "Fix /etc/hosts (or DNS) so %s maps to %s, or set working_ip to %s, then restart: %s"
                % (hostname, suggested or "<host ip>", suggested or "<host ip>", _svc(facts)),
                fixable=bool(suggested), data=dict(base, resolved=resolved, hosts_lines=hl)))
    cfg = facts.get("config") or {}
    wip, wsrc = effective_working_ip(cfg.get("working_ip"), facts.get("agent_env") or {})
    if wip:
        valid = is_ipv4(wip)
        if not valid or (local and wip not in local):
            out.append(finding(
                "working_ip_not_local", "warning" if valid else "critical",
                "working_ip %r (%s) is %s; the agent reports it verbatim" % (
                    wip, wsrc, "not a local address" if valid else "not a valid IPv4 address"),
                ["working_ip from %s = %r" % (wsrc, wip), "local IPv4: %s" % ", ".join(sorted(local))],
                "Set working_ip to %s (unless %s is a deliberate NAT address listed in the group), then restart: %s"
                % (suggested or "<host ip>", wip, _svc(facts)),
                fixable=bool(suggested), data=dict(base, working_ip=wip, working_ip_source=wsrc, valid=valid)))


def _config_findings(facts, out):
    cfg = facts.get("config")
    lay = facts.get("layout") or {}
    if facts.get("config_error"):
        out.append(finding("config_invalid", "critical",
                           "The startup config cannot be parsed: the agent will not start",
                           [facts["config_error"]],
                           "Fix %s (valid JSON, no comments) or reinstall, then restart"
                           % (lay.get("config") or "ilogtail_config.json"),
                           fixable=False))
        return
    if not cfg:
        return
    if cfg.get("bom"):
        out.append(finding("config_has_bom", "warning", "The startup config starts with a UTF-8 BOM",
                           [lay.get("config") or "ilogtail_config.json"],
                           "Rewrite the file without the BOM (set_working_ip does), then restart", fixable=True))
    exp_region = normalise_region(facts.get("expected_region"))
    exp_net = facts.get("expected_network")
    if exp_region:
        got = normalise_region(cfg.get("region"))
        bad = [r for r in cfg.get("endpoint_regions") or [] if r != exp_region]
        if got != exp_region or bad:
            ep = expected_endpoints(exp_region, exp_net or cfg.get("network") or "intranet")
            out.append(finding(
                "region_mismatch", "critical",
                "Config region %r does not match the project region %r" % (got, exp_region),
                ["region/cluster: %s" % got, "config servers: %s" % ", ".join(cfg.get("config_servers") or []),
                 "data endpoints: %s" % ", ".join(cfg.get("data_endpoints") or [])],
                "Use config server %s and data endpoint %s (region %s), e.g. reinstall with parameter %s, "
                "then restart" % (ep["config_server"], ep["data_endpoint"], exp_region, ep["install_param"]),
                fixable=False, data={"config_region": got, "expected_region": exp_region, "expected": ep}))
    if exp_net and cfg.get("network") and cfg["network"] != exp_net:
        region = exp_region or normalise_region(cfg.get("region"))
        ep = expected_endpoints(region, exp_net) if region else {}
        out.append(finding(
            "network_mismatch", "critical",
            "Config uses %s endpoints, expected %s" % (cfg["network"], exp_net),
            ["config servers: %s" % ", ".join(cfg.get("config_servers") or []),
             "data endpoints: %s" % ", ".join(cfg.get("data_endpoints") or [])],
            "Use config server %s and data endpoint %s (install parameter %s), then restart"
            % (ep.get("config_server"), ep.get("data_endpoint"), ep.get("install_param")),
            fixable=False, data={"network": cfg["network"], "expected_network": exp_net, "expected": ep}))


def _network_findings(facts, out):
    for ep in facts.get("endpoints") or []:
        if ep.get("reachable"):
            continue
        cs = ep.get("role") == "config_server"
        out.append(finding(
            "endpoint_unreachable", "critical" if cs else "warning",
            "%s %s is unreachable (%s)" % ("Config server" if cs else "Data endpoint", ep.get("endpoint"),
                                           ep.get("error")),
            ["GET %s -> %s" % (ep.get("probe_url"), ep.get("error"))],
            "Open outbound 80/443 to %s (security group, firewall, proxy, DNS); an intranet endpoint of another "
            "region times out: check the region" % url_host(ep.get("endpoint")),
            fixable=False, data={k: ep.get(k) for k in ("endpoint", "probe_url", "role", "error")}))
    rules = facts.get("iptables_443")
    if rules:
        out.append(finding("iptables_drop_443", "warning", "iptables drops/rejects TCP 443 (HTTPS to SLS)", rules,
                           "Delete the rule(s) (iptables -D ...) and persist the firewall change", fixable=False,
                           data={"rules": rules}))


def _id_findings(facts, out):
    users = facts.get("users") or {}
    entries = users.get("entries") or []
    expected = [str(u) for u in facts.get("user_ids") or [] if str(u)]
    env_ids = [x.strip() for x in ((facts.get("agent_env") or {}).get("ALIYUN_LOGTAIL_USER_ID") or "").split(",")
               if x.strip()]
    files = {e["name"] for e in entries if e.get("type") == "file"}
    dirs = [e["name"] for e in entries if e.get("type") != "file"]
    missing = [u for u in expected if u not in files and u not in env_ids]
    if missing or dirs:
        udir = users.get("dir") or SYS_CONF_DIR + "/users"
        ev = ["%s/%s is a %s, not a file" % (udir, d, next(e["type"] for e in entries if e["name"] == d))
              for d in dirs]
        ev += ["%s/%s missing" % (udir, u) for u in missing if u not in dirs]
        if not users.get("dir_exists"):
            ev.append("%s does not exist" % udir)
        out.append(finding(
            "user_id_missing", "critical",
            "Account ID file(s) missing or not regular files: %s" % ", ".join(sorted(set(missing + dirs))), ev,
            "Create empty files named after the project owner's main account ID: %s" % "; ".join(
                ("rm -rf %s/%s && " % (udir, u) if u in dirs else "") + "mkdir -p %s && touch %s/%s" % (udir, udir, u)
                for u in (missing or dirs)),
            fixable=True, data={"missing": missing, "not_files": dirs, "dir": udir}))
    exp_ud = [str(u) for u in facts.get("user_defined_ids") or [] if str(u)]
    if exp_ud:
        ud = facts.get("user_defined_id") or {}
        have = ud.get("ids") or []
        env_ud = [x.strip() for x in ((facts.get("agent_env") or {}).get("ALIYUN_LOGTAIL_USER_DEFINED_ID") or "")
                  .split(",") if x.strip()]
        lacking = [u for u in exp_ud if u not in have and u not in env_ud]
        if lacking or ud.get("type") == "directory":
            out.append(finding(
                "user_defined_id_missing", "critical",
                "Custom machine-group ID(s) not configured: %s" % ", ".join(lacking or exp_ud),
                ["%s: %s" % (ud.get("path"), ("type " + str(ud.get("type"))) if ud.get("exists") else "missing"),
                 "ids: %s" % ", ".join(have)],
                "Write the IDs one per line to %s (printf '%%s\\n' %s > %s); effective within 1 minute"
                % (ud.get("path"), " ".join(exp_ud), ud.get("path")),
                fixable=True, data={"missing": lacking, "present": have, "path": ud.get("path")}))


def _restart_findings(facts, out):
    cfg = facts.get("config")
    mtime = facts.get("config_mtime")
    if not cfg or mtime is None:
        return
    procs = facts.get("processes") or []
    starts = [p["start_time"] for p in procs if p.get("start_time")]
    app = facts.get("app_info") or {}
    ref, what = None, None
    if starts:
        ref, what = min(starts), "agent start"
    elif facts.get("app_info_mtime"):
        ref, what = facts["app_info_mtime"], "app_info.json write"
    elif app.get("update_epoch"):
        ref, what = app["update_epoch"], "app_info.json update_time"
    ev, data = [], {"config_mtime": mtime, "reference": what, "reference_time": ref}
    if ref is not None and mtime > ref + 1.0:
        ev.append("ilogtail_config.json modified %s, after the %s at %s" % (
            time.strftime(_UPDATE_TIME_FMT, time.localtime(mtime)), what,
            time.strftime(_UPDATE_TIME_FMT, time.localtime(ref))))
    log = facts.get("log") or {}
    loaded = log.get("loaded_config")
    if isinstance(loaded, dict) and loaded != cfg.get("raw"):
        keys = sorted(k for k in set(loaded) | set(cfg["raw"]) if loaded.get(k) != cfg["raw"].get(k))
        ev.append("config logged at start (%s) differs from disk in: %s" % (log.get("path"), ", ".join(keys)))
        data["differing_keys"] = keys
    if ev:
        out.append(finding(
            "config_changed_not_restarted", "warning",
            "ilogtail_config.json was changed after the agent started: the running agent uses the old config", ev,
            "Restart the agent: %s; then check app_info.json update_time changed" % _svc(facts),
            fixable=True, data=data))


def analyse(facts):
    """Findings for one host from the dict built by gather() (plus expected_* / machine_group_ips / user ids)."""
    if not isinstance(facts, dict):
        raise ParseError("facts must be a dict")
    out = []
    installed = _agent_findings(facts, out)
    if not installed and not (facts.get("layout") or {}).get("installed"):
        return out
    _config_findings(facts, out)
    _ip_findings(facts, out)
    _network_findings(facts, out)
    _id_findings(facts, out)
    _restart_findings(facts, out)
    return out
