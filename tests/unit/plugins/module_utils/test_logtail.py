# -*- coding: utf-8 -*-
# Copyright: (c) 2026, sre.remediation contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Unit tests of plugins/module_utils/logtail.py on real-format samples."""

from __future__ import annotations

import copy
import json
import os
import time

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from ansible_collections.sre.remediation.plugins.module_utils import logtail as L
from ansible_collections.sre.remediation.plugins.module_utils.findings import ParseError, validate

SAMPLES = os.path.join(os.path.dirname(__file__), "..", "..", "..", "samples", "logtail")


def sample(name, mode="r"):
    with open(os.path.join(SAMPLES, name), mode) as fh:
        return fh.read()


# ----------------------------------------------------------------- app_info.json
def test_app_info_doc_sample():
    r = L.parse_app_info(sample("app_info_logtail_2.0.8.json"))
    assert r["ip"] == "172.16.0.75"
    assert (r["hostname"], r["uuid"], r["version"], r["agent"]) == ("xxx", "XXXXXXXX-XXXX", "2.0.8", "logtail")
    assert r["update_time"] == "2024-11-07 11:32:52"
    assert r["update_epoch"] == time.mktime(time.strptime("2024-11-07 11:32:52", "%Y-%m-%d %H:%M:%S"))
    assert r["instance_id"].endswith("_172.16.0.75_1730950372")


def test_app_info_empty_ip_is_none():
    assert L.parse_app_info(sample("app_info_ip_empty.json"))["ip"] is None
    assert L.parse_app_info('{"logtail_version" : "1.8.7"}')["ip"] is None


def test_app_info_loongcollector_and_community():
    r = L.parse_app_info(sample("app_info_loongcollector.json"))
    assert (r["agent"], r["version"], r["host_id"]) == ("loongcollector", "3.0.5", "i-bp1abcdefghijklmnopq")
    c = L.parse_app_info(sample("app_info_community_1405.json"))
    assert c["community"] is True and c["uuid"] == ""
    # the IP is not taken from instance_id (empty IP slot there)
    assert c["ip"] == "172.16.122.244" and "__" in c["instance_id"]


@pytest.mark.parametrize("text,needle", [
    ("", "empty"),
    ("{", "invalid JSON"),
    ("[1, 2]", "JSON object"),
    ('{"ip": 5}', "'ip' must be a string"),
    (b"\xff\xfe{}", "UTF-8"),
])
def test_app_info_errors(text, needle):
    with pytest.raises(ParseError, match=needle):
        L.parse_app_info(text)


def test_missing_file_is_parse_error():
    with pytest.raises(ParseError, match="missing"):
        L.parse_app_info(None)
    with pytest.raises(ParseError, match="missing"):
        L.parse_config(None)


# ----------------------------------------------------------------- ilogtail_config.json
def test_config_old_format():
    r = L.parse_config(sample("ilogtail_config_old.json"))
    assert r["format"] == "old" and r["region"] == "cn-hangzhou" and r["network"] == "intranet"
    assert r["config_servers"] == ["http://logtail.cn-hangzhou-intranet.log.aliyuncs.com"]
    assert r["data_endpoints"] == ["cn-hangzhou-intranet.log.aliyuncs.com"]
    assert r["working_ip"] is None and r["raw"]["streamlog_tcp_port"] == 11111


def test_config_new_format():
    r = L.parse_config(sample("ilogtail_config_new.json"))
    assert r["format"] == "new" and r["region"] == "cn-beijing" and r["network"] == "internet"
    assert r["config_servers"] == ["http://logtail.cn-beijing.log.aliyuncs.com"]
    assert r["data_endpoints"] == ["cn-beijing.log.aliyuncs.com"]


def test_config_acceleration_and_heartbeat_keys():
    r = L.parse_config(sample("ilogtail_config_acceleration_working_ip.json"))
    assert r["network"] == "acceleration" and r["region"] == "ap-southeast-1"
    assert (r["working_ip"], r["working_hostname"], r["bind_interface"]) == ("192.168.10.21", "idc-app-07", "default")


def test_config_internal_network_and_loongcollector_intranet():
    r = L.parse_config('{"config_servers": ["http://logtail.cn-shanghai-internal.log.aliyuncs.com"],'
                       '"data_servers": [{"region": "cn-shanghai",'
                       ' "endpoint_list": ["cn-shanghai-internal.log.aliyuncs.com"]}]}')
    assert r["network"] == "internal"
    # loongcollector.sh intranet: config server -intranet, data endpoint -internal -> intranet
    r = L.parse_config('{"primary_region": "cn-shanghai",'
                       ' "config_servers": ["http://logtail.cn-shanghai-intranet.log.aliyuncs.com"],'
                       ' "data_servers": [{"region": "cn-shanghai",'
                       ' "endpoint_list": ["cn-shanghai-internal.log.aliyuncs.com"]}]}')
    assert r["network"] == "intranet" and r["region"] == "cn-shanghai"


def bom_config():
    """ilogtail_config_old.json saved by an editor that writes a UTF-8 BOM (built here: ansible-test
    sanity rejects sample files that start with a BOM)."""
    return b"\xef\xbb\xbf" + sample("ilogtail_config_old.json", "rb")


def test_config_bom_accepted_with_warning():
    raw = bom_config()
    assert raw.startswith(b"\xef\xbb\xbf")
    r = L.parse_config(raw)
    assert r["bom"] is True and "BOM" in r["warnings"][0] and r["region"] == "cn-hangzhou"
    assert L.parse_config(raw.decode("utf-8"))["bom"] is True


def test_config_doc_comments_rejected():
    with pytest.raises(ParseError, match="line 2.*invalid JSON"):
        L.parse_config(sample("ilogtail_config_doc_with_comments.json"))


@pytest.mark.parametrize("text,needle", [
    ('"just a string"', "JSON object"),
    ('{"config_server_address": 1, "data_server_list": []}', "config_server_address"),
    ('{"data_server_list": {"cluster": "x"}, "cluster": "x"}', "data_server_list must be a list"),
    ('{"config_servers": [1]}', "config_servers"),
    ('{"data_servers": [{"endpoint_list": 3}]}', "endpoint_list"),
])
def test_config_structure_errors(text, needle):
    with pytest.raises(ParseError, match=needle):
        L.parse_config(text)


def test_config_non_string_working_ip_ignored():
    r = L.parse_config('{"config_servers": [], "working_ip": 10}')
    assert r["working_ip"] is None and "not a string" in r["warnings"][0]


def test_expected_endpoints_table():
    assert L.expected_endpoints("cn-hangzhou", "intranet") == {
        "region": "cn-hangzhou", "network": "intranet",
        "config_server": "http://logtail.cn-hangzhou-intranet.log.aliyuncs.com",
        "data_endpoint": "cn-hangzhou-intranet.log.aliyuncs.com", "install_param": "cn-hangzhou"}
    assert L.expected_endpoints("cn_beijing", "internet")["config_server"] == "http://logtail.cn-beijing.log.aliyuncs.com"
    assert L.expected_endpoints("cn-beijing-vpc", "acceleration")["data_endpoint"] == "log-global.aliyuncs.com"
    assert L.expected_endpoints("cn-beijing", "internal")["install_param"] == "cn-beijing-internal"
    with pytest.raises(ParseError):
        L.expected_endpoints("cn-beijing", "vpn")


# ----------------------------------------------------------------- set_working_ip
def test_set_working_ip_keeps_keys_and_order():
    text = sample("ilogtail_config_old.json")
    new = L.set_working_ip(text, "172.16.0.75")
    before, after = json.loads(text), json.loads(new)
    assert list(after)[:-1] == list(before) and list(after)[-1] == "working_ip"
    assert after["working_ip"] == "172.16.0.75"
    assert {k: v for k, v in after.items() if k != "working_ip"} == before
    assert new.endswith("\n")
    # the installer's layout is kept: only the working_ip line is added (one-line diff)
    added = [ln for ln in new.splitlines() if ln.rstrip(",") not in [x.rstrip(",") for x in text.splitlines()]]
    assert len(added) == 1 and '"working_ip"' in added[0]
    again = L.set_working_ip(new, "172.16.0.76")
    assert [a for a, b in zip(new.splitlines(), again.splitlines()) if a != b] == [added[0]]


def test_set_working_ip_replaces_in_place_and_strips_bom():
    text = sample("ilogtail_config_acceleration_working_ip.json")
    after = json.loads(L.set_working_ip(text, "10.1.2.3"))
    assert list(after) == list(json.loads(text)) and after["working_ip"] == "10.1.2.3"
    out = L.set_working_ip(bom_config(), "10.1.2.3")
    assert not out.startswith("\ufeff") and L.parse_config(out)["bom"] is False
    assert json.loads(L.set_working_ip(text, ""))["working_ip"] == ""


@pytest.mark.parametrize("ip", ["999.1.1.1", "10.0.0", "fe80::1", "127.0.0.1", "0.0.0.0", "224.0.0.1", "abc", 5])
def test_set_working_ip_rejects_invalid(ip):
    with pytest.raises(ParseError):
        L.set_working_ip(sample("ilogtail_config_old.json"), ip)


def test_set_working_ip_rejects_invalid_config():
    with pytest.raises(ParseError):
        L.set_working_ip(sample("ilogtail_config_doc_with_comments.json"), "10.0.0.1")


# ----------------------------------------------------------------- pick_ip: every branch
IF_ENS = {"lo": ["127.0.0.1"], "ens5": ["172.31.20.14"], "docker0": ["172.17.0.1"]}
IF_ETH = {"lo": ["127.0.0.1"], "eth0": ["10.0.0.5"], "eth1": ["10.1.0.5"]}


def test_pick_hostname_local_first_match():
    r = L.pick_ip("web", ["203.0.113.9", "10.1.0.5"], IF_ETH)
    assert (r["ip"], r["source"]) == ("10.1.0.5", "hostname")


def test_pick_hostname_foreign_taken_anyway():
    r = L.pick_ip("web", ["203.0.113.9", "198.51.100.1"], IF_ETH)
    assert (r["ip"], r["source"]) == ("203.0.113.9", "hostname")


def test_pick_loopback_falls_back_to_eth0_then_bond0():
    assert L.pick_ip("web", ["127.0.1.1"], IF_ETH)["ip"] == "10.0.0.5"
    r = L.pick_ip("web", ["127.0.1.1"], {"lo": ["127.0.0.1"], "bond0": ["10.2.0.5"], "ens1": ["10.3.0.5"]})
    assert (r["ip"], r["source"]) == ("10.2.0.5", "bond0")


def test_pick_loopback_no_eth0_takes_any_nic():
    r = L.pick_ip("web", ["127.0.1.1"], IF_ENS)
    assert r["ip"] == "172.31.20.14" and r["source"] == "any" and r["arbitrary"] is True
    assert "ANY" in r["reason"]


def test_pick_unresolvable_and_numeric_hostname():
    assert L.pick_ip("web", [], IF_ETH)["source"] == "eth0"
    # a numeric hostname is not resolved at all ("invalid hostname")
    r = L.pick_ip("10.9.9.9", ["10.9.9.9"], IF_ETH)
    assert r["ip"] == "10.0.0.5" and "numeric" in r["steps"][0]


def test_pick_empty_only_without_any_nic():
    r = L.pick_ip("web", ["127.0.1.1"], {"lo": ["127.0.0.1"]})
    assert r["ip"] == "" and r["source"] == "none"


def test_pick_working_ip_precedence():
    env = {"working_ip": "1.1.1.1", "ALIYUN_LOGTAIL_WORKING_IP": "2.2.2.2"}
    assert L.pick_ip("web", [], IF_ETH, env={"working_ip": "1.1.1.1"})["ip"] == "1.1.1.1"
    assert L.pick_ip("web", [], IF_ETH, env=env)["ip"] == "2.2.2.2"
    r = L.pick_ip("web", [], IF_ETH, working_ip="3.3.3.3", env=env)
    assert r["ip"] == "3.3.3.3" and r["source"] == "JSON working_ip"
    # JSON key present but empty overrides the env (agent: isMember && isString) -> auto-detection
    assert L.pick_ip("web", [], IF_ETH, working_ip="", env=env)["ip"] == "10.0.0.5"


def test_pick_bind_interface():
    r = L.pick_ip("web", ["127.0.1.1"], IF_ETH, bind_interface="eth1")
    assert (r["ip"], r["source"]) == ("10.1.0.5", "bind_interface")
    # hostname resolution still wins over bind_interface
    assert L.pick_ip("web", ["10.0.0.5"], IF_ETH, bind_interface="eth1")["ip"] == "10.0.0.5"
    # unknown interface -> any available
    assert L.pick_ip("web", [], IF_ENS, bind_interface="eth9")["source"] == "any"
    assert L.pick_ip("web", [], IF_ETH, bind_interface="default")["source"] == "eth0"


@pytest.mark.parametrize("name,numeric", [("4294967296", False), ("4294967295", True), ("0", True), ("0.", False),
                                          ("256.123", False), ("255.123", True), ("10.0.0.5", True),
                                          ("0x0a.1.2.3", True), ("web-01", False), ("", True), ("1.2.3.4.5", False)])
def test_hostname_is_numeric_matches_agent_unittest(name, numeric):
    assert L.hostname_is_numeric(name) is numeric


# ----------------------------------------------------------------- command-output parsers
def test_parse_ip_addr_and_fib_trie():
    assert L.parse_ip_addr(sample("ip_addr_ens.txt")) == IF_ENS
    fib = L.parse_fib_trie(sample("fib_trie.txt"), sample("route.txt"))
    assert fib == {"lo": ["127.0.0.1"], "eth0": ["192.0.2.2"]}


def test_parse_fib_trie_two_nics_names_from_routes():
    trie = ("Main:\n  +-- 0.0.0.0/0 3 0 5\n     |-- 10.89.7.1\n        /32 host LOCAL\n"
            "     |-- 192.0.2.2\n        /32 host LOCAL\n     |-- 192.0.2.255\n        /32 link BROADCAST\n")
    route = ("Iface\tDestination\tGateway\tFlags\tRefCnt\tUse\tMetric\tMask\tMTU\tWindow\tIRTT\n"
             "eth0\t00000000\t010200C0\t0003\t0\t0\t0\t00000000\t0\t0\t0\n"
             "podman1\t0007590A\t00000000\t0001\t0\t0\t0\t00FFFFFF\t0\t0\t0\n"
             "eth0\t000200C0\t00000000\t0001\t0\t0\t0\t00FFFFFF\t0\t0\t0\n")
    assert L.parse_fib_trie(trie, route) == {"podman1": ["10.89.7.1"], "eth0": ["192.0.2.2"]}


def test_hosts_lines_and_iptables():
    assert L.hosts_lines(sample("hosts_debian.txt"), "web-01") == ["127.0.1.1\tweb-01.example.internal\tweb-01"]
    assert L.hosts_lines(sample("hosts_debian.txt"), "web-02") == []
    assert L.parse_iptables(sample("iptables_drop_443.txt")) == ["-A OUTPUT -p tcp -m tcp --dport 443 -j DROP"]


def test_parse_agent_log_multiline_detail():
    r = L.parse_agent_log(sample("ilogtail.LOG"))
    assert r["loaded_config"]["data_server_list"][0]["cluster"] == "cn-hangzhou"
    assert len(r["config_lines"]) == 2 and r["param_lines"][0].endswith("load parameter from JSON:working_ip\tvalue:")
    assert any("get available ip succeeded:172.31.20.14" in x for x in r["ip_lines"])


# ----------------------------------------------------------------- analyse: each finding
def healthy(tmp_path=None):
    cfg = L.parse_config(sample("ilogtail_config_old.json"))
    app = L.parse_app_info(sample("app_info_logtail_2.0.8.json"))
    now = time.time()
    return {
        "layout": {"flavour": "logtail", "layout": "alibaba", "installed": True, "missing_files": [],
                   "init_script": "/etc/init.d/ilogtaild", "install_dir": "/usr/local/ilogtail",
                   "config": "/usr/local/ilogtail/ilogtail_config.json"},
        "status": {"script": "/etc/init.d/ilogtaild", "rc": 0, "output": "ilogtail is running"},
        "processes": [{"pid": 100, "ppid": 1, "comm": "ilogtail", "cmdline": "/usr/local/ilogtail/ilogtail",
                       "start_time": now - 100},
                      {"pid": 101, "ppid": 100, "comm": "ilogtail", "cmdline": "/usr/local/ilogtail/ilogtail",
                       "start_time": now - 100}],
        "config": cfg, "config_mtime": now - 1000, "app_info": app, "app_info_mtime": now - 99,
        "hostname": "xxx", "resolved_addrs": ["172.16.0.75"], "hosts_lines": ["172.16.0.75 xxx"],
        "local_addrs": {"lo": ["127.0.0.1"], "eth0": ["172.16.0.75"]}, "agent_env": {},
        "users": {"dir": "/etc/ilogtail/users", "dir_exists": True, "entries": [{"name": "1234", "type": "file"}]},
        "user_defined_id": {"path": "/etc/ilogtail/user_defined_id", "exists": False, "type": None, "ids": []},
        "iptables_443": [], "endpoints": [{"endpoint": "x", "role": "config_server", "reachable": True}],
        "log": {"loaded_config": copy.deepcopy(cfg["raw"]), "path": "/usr/local/ilogtail/ilogtail.LOG"},
        "expected_region": "cn-hangzhou", "expected_network": "intranet",
        "machine_group_ips": ["172.16.0.75"], "user_ids": ["1234"], "user_defined_ids": [],
    }


def ids(facts):
    found = L.analyse(facts)
    for f in found:
        assert validate(f) == []
    return sorted(f["id"] for f in found)


def by_id(facts, fid):
    return next(f for f in L.analyse(facts) if f["id"] == fid)


def test_healthy_has_no_findings():
    assert ids(healthy()) == []


def test_agent_not_installed():
    f = healthy()
    f["layout"] = {"flavour": None, "installed": False, "missing_files": []}
    assert ids(f) == ["agent_not_installed"]


def test_agent_not_running_status_and_count():
    f = healthy()
    f["status"] = {"script": "/etc/init.d/ilogtaild", "rc": 1, "output": "ilogtail is stopped"}
    f["processes"] = []
    x = by_id(f, "agent_not_running")
    assert x["data"]["status_rc"] == 1 and x["data"]["process_count"] == 0
    f = healthy()
    f["processes"] = f["processes"][:1]  # daemon without worker, status text still fine
    assert "agent_not_running" in ids(f)
    f = healthy()
    f["status"]["rc"] = 3  # rc alone
    assert "agent_not_running" in ids(f)


def test_agent_multiple_instances():
    f = healthy()
    f["processes"] += [dict(f["processes"][0], pid=200), dict(f["processes"][1], pid=201, ppid=200)]
    x = by_id(f, "agent_multiple_instances")
    assert x["data"]["process_count"] == 4 and x["data"]["daemons"] == [100, 200] and x["fixable"]


def test_app_info_ip_empty():
    f = healthy()
    f["app_info"] = L.parse_app_info(sample("app_info_ip_empty.json"))
    x = by_id(f, "app_info_ip_empty")
    assert x["severity"] == "critical" and x["data"]["suggested_working_ip"] == "172.16.0.75"
    assert x["data"]["would_pick_ip"] == "172.16.0.75"


def test_app_info_ip_not_local_and_not_in_group():
    f = healthy()
    f["local_addrs"] = {"lo": ["127.0.0.1"], "eth0": ["172.16.0.80"]}
    f["resolved_addrs"] = ["172.16.0.80"]
    assert ids(f) == ["app_info_ip_not_local"]  # the group lists the (stale) reported IP
    f["machine_group_ips"] = ["172.16.0.80"]
    x = by_id(f, "ip_not_in_machine_group")
    assert x["fixable"] and x["data"]["suggested_working_ip"] == "172.16.0.80"
    assert "working_ip to 172.16.0.80" in x["remedy"]


def test_hostname_bound_to_loopback():
    f = healthy()
    f["hostname"], f["resolved_addrs"] = "web-01", ["127.0.1.1"]
    f["hosts_lines"] = L.hosts_lines(sample("hosts_debian.txt"), "web-01")
    f["local_addrs"] = dict(IF_ENS)
    f["app_info"]["ip"] = "172.31.20.14"
    f["machine_group_ips"] = ["172.31.20.14"]
    x = by_id(f, "hostname_bound_to_loopback")
    assert x["data"]["would_pick_ip"] == "172.31.20.14" and "127.0.1.1" in x["evidence"][0]
    f["local_addrs"]["eth0"] = ["10.0.0.5"]  # with eth0 the agent is deterministic again
    f.pop("would_pick", None)
    assert "hostname_bound_to_loopback" not in ids(f)


def test_hostname_bound_to_stale_ip():
    f = healthy()
    f["resolved_addrs"] = ["10.9.9.99"]
    f["hosts_lines"] = ["10.9.9.99 xxx"]
    x = by_id(f, "hostname_bound_to_stale_ip")
    assert x["data"]["would_pick_ip"] == "10.9.9.99" and x["data"]["suggested_working_ip"] == "172.16.0.75"
    f = healthy()
    f["resolved_addrs"] = ["10.9.9.99"]
    f["config"]["working_ip"] = "172.16.0.75"  # working_ip set: resolution no longer matters
    assert "hostname_bound_to_stale_ip" not in ids(f)


def test_working_ip_not_local_and_invalid():
    f = healthy()
    f["config"]["working_ip"] = "172.16.0.99"
    x = by_id(f, "working_ip_not_local")
    assert x["severity"] == "warning" and x["data"]["working_ip_source"] == "JSON working_ip"
    f = healthy()
    f["agent_env"] = {"ALIYUN_LOGTAIL_WORKING_IP": "999.1.1.1"}
    x = by_id(f, "working_ip_not_local")
    assert x["severity"] == "critical" and x["data"]["valid"] is False


def test_region_and_network_mismatch():
    f = healthy()
    f["expected_region"] = "cn-beijing"
    x = by_id(f, "region_mismatch")
    assert "http://logtail.cn-beijing-intranet.log.aliyuncs.com" in x["remedy"]
    assert "cn-beijing-intranet.log.aliyuncs.com" in x["remedy"]
    f = healthy()
    f["expected_network"] = "internet"
    x = by_id(f, "network_mismatch")
    assert "http://logtail.cn-hangzhou.log.aliyuncs.com" in x["remedy"]


def test_endpoint_unreachable_and_iptables():
    f = healthy()
    f["endpoints"] = [{"endpoint": "http://logtail.cn-hangzhou-intranet.log.aliyuncs.com", "role": "config_server",
                       "reachable": False, "error": "timeout", "probe_url": "http://..."}]
    f["iptables_443"] = ["-A OUTPUT -p tcp -m tcp --dport 443 -j DROP"]
    assert by_id(f, "endpoint_unreachable")["severity"] == "critical"
    assert by_id(f, "iptables_drop_443")["evidence"] == f["iptables_443"]


def test_user_id_missing_and_directory():
    f = healthy()
    f["user_ids"] = ["1234", "5678"]
    x = by_id(f, "user_id_missing")
    assert x["data"]["missing"] == ["5678"]
    f = healthy()
    f["users"]["entries"] = [{"name": "1234", "type": "directory"}]
    x = by_id(f, "user_id_missing")
    assert "directory" in x["evidence"][0] and "rm -rf" in x["remedy"]
    f = healthy()
    f["agent_env"] = {"ALIYUN_LOGTAIL_USER_ID": "1234,5678"}
    f["users"]["entries"], f["user_ids"] = [], ["5678"]
    assert "user_id_missing" not in ids(f)


def test_user_defined_id_missing():
    f = healthy()
    f["user_defined_ids"] = ["grp-a"]
    assert by_id(f, "user_defined_id_missing")["data"]["missing"] == ["grp-a"]
    f["user_defined_id"] = {"path": "/etc/ilogtail/user_defined_id", "exists": True, "type": "file",
                            "ids": ["grp-a", "grp-b"]}
    assert "user_defined_id_missing" not in ids(f)


def test_config_changed_not_restarted_mtime_and_log():
    f = healthy()
    f["config_mtime"] = time.time()
    x = by_id(f, "config_changed_not_restarted")
    assert x["data"]["reference"] == "agent start"
    f = healthy()
    f["log"]["loaded_config"]["working_ip"] = "1.2.3.4"
    x = by_id(f, "config_changed_not_restarted")
    assert x["data"]["differing_keys"] == ["working_ip"]
    f = healthy()
    f["processes"], f["status"] = [], None
    f["config_mtime"] = f["app_info_mtime"] + 60
    assert by_id(f, "config_changed_not_restarted")["data"]["reference"] == "app_info.json write"


def test_config_invalid_and_bom():
    f = healthy()
    f["config"], f["config_error"] = None, "ilogtail_config.json: line 2: invalid JSON"
    assert "config_invalid" in ids(f)
    f = healthy()
    f["config"] = L.parse_config(bom_config())
    f["log"]["loaded_config"] = f["config"]["raw"]
    assert ids(f) == ["config_has_bom"]


def test_community_single_process_ok():
    f = healthy()
    f["layout"]["layout"] = "community"
    f["status"] = None
    f["processes"] = f["processes"][:1]
    assert "agent_not_running" not in ids(f)


# ----------------------------------------------------------------- hypothesis: only ParseError escapes
@settings(max_examples=300, deadline=None)
@given(st.one_of(st.text(max_size=300), st.binary(max_size=300),
                 st.recursive(st.none() | st.booleans() | st.integers() | st.text(max_size=20),
                              lambda c: st.lists(c, max_size=4) | st.dictionaries(
                                  st.sampled_from(["ip", "UUID", "config_server_address", "data_server_list",
                                                   "cluster", "endpoint", "config_servers", "data_servers",
                                                   "endpoint_list", "region", "working_ip", "primary_region",
                                                   "update_time", "logtail_version", "bind_interface"]),
                                  c, max_size=6), max_leaves=12).map(json.dumps)))
def test_parsers_raise_only_parse_error(text):
    for fn in (L.parse_app_info, L.parse_config):
        try:
            fn(text)
        except ParseError:
            pass
    try:
        L.set_working_ip(text, "10.0.0.1")
    except ParseError:
        pass


@settings(max_examples=200, deadline=None)
@given(st.text(max_size=20), st.lists(st.text(max_size=16), max_size=3),
       st.dictionaries(st.text(max_size=6), st.lists(st.text(max_size=16), max_size=2), max_size=3),
       st.one_of(st.none(), st.text(max_size=16)), st.one_of(st.none(), st.text(max_size=8)))
def test_pick_ip_total(hostname, resolved, ifaces, wip, bind):
    r = L.pick_ip(hostname, resolved, ifaces, working_ip=wip, bind_interface=bind)
    assert isinstance(r["ip"], str) and r["reason"]


def test_default_ipv4_from_proc_net_route():
    route = ("Iface\tDestination\tGateway \tFlags\tRefCnt\tUse\tMetric\tMask\t\tMTU\tWindow\tIRTT\n"
             "ens3\t00000000\t01075A0A\t0003\t0\t0\t100\t00000000\t0\t0\t0\n"
             "ens3\t00075A0A\t00000000\t0001\t0\t0\t0\t00FFFFFF\t0\t0\t0\n")
    assert L.default_ipv4(route, {"lo": ["127.0.0.1"], "ens3": ["10.90.7.8"]}) == "10.90.7.8"
    assert L.default_ipv4(route, {"eth1": ["10.0.0.1"]}) is None
    assert L.default_ipv4(None, {}) is None


@pytest.mark.parametrize("text", [
    '{}',
    '{"a":1}',
    '{\n\t"a" : 1\n}\n',
    '{"x": {"working_ip": "1.1.1.1"}}',
    '{"working_ip": "1.1.1.1", "working_ip": "2.2.2.2"}',
    '{"s": "\\"working_ip\\": \\"1.1.1.1\\"", "working_ip": "3.3.3.3"}',
])
def test_set_working_ip_text_edit_or_fallback_always_gives_the_right_object(text):
    out = L.set_working_ip(text, "10.0.0.7")
    want = json.loads(text)
    want["working_ip"] = "10.0.0.7"
    assert json.loads(out) == want and list(json.loads(out)) == list(want) and out.endswith("\n")
