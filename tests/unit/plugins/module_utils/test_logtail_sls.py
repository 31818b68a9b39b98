# -*- coding: utf-8 -*-
# Copyright: (c) 2026, sre.remediation contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""SLS API client (GetMachineGroup / ListMachines) against the loopback fake in config_server.py, which checks
the version-1 signature with its own implementation."""

from __future__ import annotations

import json
import os
import socket
import subprocess
import sys
import time
import urllib.request

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from ansible_collections.sre.remediation.plugins.module_utils import logtail_sls as S
from ansible_collections.sre.remediation.plugins.module_utils.findings import ParseError

DOUBLE = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..", "..", "lab", "doubles", "logtail")
OPENER = urllib.request.build_opener(urllib.request.ProxyHandler({}))


def _port():
    s = socket.socket()
    s.bind(("127.0.0.1", 0))
    port = s.getsockname()[1]
    s.close()
    return port


@pytest.fixture()
def fake():
    port = _port()
    proc = subprocess.Popen([sys.executable, os.path.join(DOUBLE, "config_server.py"), "--host", "127.0.0.1",
                             "--port", str(port), "--group", "grp=10.9.9.9,10.9.9.10",
                             "--access-key", "LTAIfake=s3cr3t"])
    url = "http://127.0.0.1:%d" % port
    for _attempt in range(50):
        try:
            OPENER.open(url + "/heartbeats", timeout=1).read()
            break
        except OSError:
            time.sleep(0.1)
    yield url
    proc.terminate()
    proc.wait(5)


def beat(url, ip):
    req = urllib.request.Request(url + "/heartbeat", data=json.dumps({"ip": ip}).encode(), method="POST",
                                 headers={"Content-Type": "application/json"})
    OPENER.open(req, timeout=3).read()


def call(url, path, params=None, secret="s3cr3t"):
    u, headers = S.request_for(url, "proj", path, params, "LTAIfake", secret)
    return S.fetch(OPENER, u, headers, 3)


def test_signed_calls_against_the_fake(fake):
    beat(fake, "10.9.9.9")
    group = S.parse_machine_group(call(fake, "/machinegroups/grp"))
    assert group == {"name": "grp", "type": "ip", "members": ["10.9.9.9", "10.9.9.10"]}
    machines = S.parse_machines(call(fake, "/machinegroups/grp/machines", {"offset": "0", "size": "500"}))
    assert [m["ip"] for m in machines] == ["10.9.9.9"] and machines[0]["last_heartbeat"] > 0
    findings, hb = S.analyse_heartbeat(group, machines, "10.9.9.9", time.time())
    assert findings == [] and hb["age"] < 5
    findings, _hb = S.analyse_heartbeat(group, machines, "10.9.9.10", time.time())
    assert [f["id"] for f in findings] == ["sls_no_heartbeat"]
    findings, _hb = S.analyse_heartbeat(group, machines, "10.1.1.1", time.time())
    assert [f["id"] for f in findings] == ["sls_ip_not_in_machine_group", "sls_no_heartbeat"]


def test_wrong_secret_and_unknown_group_raise_parse_error(fake):
    with pytest.raises(ParseError, match="SignatureNotMatch"):
        call(fake, "/machinegroups/grp", secret="wrong")
    with pytest.raises(ParseError, match="MachineGroupNotExist"):
        call(fake, "/machinegroups/nope")
    with pytest.raises(ParseError, match="request failed"):
        call("http://127.0.0.1:%d" % _port(), "/machinegroups/grp")


def test_request_for_uses_project_host_and_documented_string_to_sign():
    url, headers = S.request_for("cn-hangzhou.log.aliyuncs.com", "proj", "/machinegroups/g/machines",
                                 {"size": "500", "offset": "0"}, "id", "key", now=0)
    assert url == "https://proj.cn-hangzhou.log.aliyuncs.com/machinegroups/g/machines?offset=0&size=500"
    assert headers["Date"] == "Thu, 01 Jan 1970 00:00:00 GMT" and headers["Host"] == "proj.cn-hangzhou.log.aliyuncs.com"
    text = ("GET\n\n\nThu, 01 Jan 1970 00:00:00 GMT\nx-log-apiversion:0.6.0\nx-log-bodyrawsize:0\n"
            "x-log-signaturemethod:hmac-sha1\n/machinegroups/g/machines?offset=0&size=500")
    import base64
    import hashlib
    import hmac
    assert headers["Authorization"] == "LOG id:" + base64.b64encode(
        hmac.new(b"key", text.encode(), hashlib.sha1).digest()).decode()
    with pytest.raises(ParseError):
        S.request_for("", "proj", "/", None, "id", "key")


@settings(max_examples=200, deadline=None)
@given(st.recursive(st.none() | st.booleans() | st.integers() | st.text(max_size=8),
                    lambda c: st.lists(c, max_size=4) | st.dictionaries(
                        st.sampled_from(["machines", "machineList", "ip", "lastHeartbeatTime", "groupName"]), c,
                        max_size=5), max_leaves=12))
def test_parsers_raise_only_parse_error(obj):
    for fn in (S.parse_machine_group, S.parse_machines):
        try:
            fn(obj)
        except ParseError:
            pass
