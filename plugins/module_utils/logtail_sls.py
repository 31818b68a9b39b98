# -*- coding: utf-8 -*-
# Copyright: (c) 2026, sre.remediation contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""SLS API calls for the Logtail heartbeat check: GetMachineGroup and ListMachines (stdlib only).

The official aliyun-log-python-sdk needs requests, protobuf, dateutil and more, which managed hosts do not
have; the two GET calls need only the documented signature version 1:

  Authorization: LOG <AccessKeyId>:base64(hmac-sha1(secret, VERB\\nCONTENT-MD5\\nCONTENT-TYPE\\nDATE\\n
                 <x-log-*/x-acs-* headers "k:v\\n", sorted>) + <path>[?k=v&... sorted]))

  GET /machinegroups/<group>                         -> {groupName, machineIdentifyType, machineList, ...}
  GET /machinegroups/<group>/machines?offset=&size=  -> {count, total, machines: [{ip, machine-uniqueid,
                                                          userdefined-id, lastHeartbeatTime}]}
Host: <project>.<endpoint>; an endpoint given as a URL with an IP address or localhost (a lab fake) is used as is.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import ipaddress
import json
import time
from email.utils import formatdate

from ansible_collections.sre.remediation.plugins.module_utils.findings import ParseError, finding

API_VERSION = "0.6.0"


def canonical_headers(headers):
    return "".join("%s:%s\n" % (k, headers[k]) for k in sorted(headers) if k[:6].lower() in ("x-log-", "x-acs-"))


def canonical_resource(path, params=None):
    if not params:
        return path
    return path + "?" + "&".join("%s=%s" % (k, params[k]) for k in sorted(params))


def sign_v1(method, path, params, headers, key_id, key_secret):
    """Return the Authorization header value (signature version 1)."""
    fields = (method, headers.get("Content-MD5", ""), headers.get("Content-Type", ""), headers["Date"],
              canonical_headers(headers), canonical_resource(path, params))
    text = "%s\n%s\n%s\n%s\n%s%s" % fields
    digest = hmac.new(key_secret.encode("utf-8"), text.encode("utf-8"), hashlib.sha1).digest()
    return "LOG %s:%s" % (key_id, base64.b64encode(digest).decode("ascii"))


def _is_direct(host):
    host = host.split(":", 1)[0]
    if host == "localhost":
        return True
    try:
        ipaddress.ip_address(host)
    except ValueError:
        return False
    return True


def request_for(endpoint, project, path, params, key_id, key_secret, now=None):
    """(url, headers) of a signed GET. ``endpoint``: 'cn-hangzhou.log.aliyuncs.com' or a URL."""
    if not endpoint or not project:
        raise ParseError("the SLS endpoint and project are required")
    scheme, rest = ("https", endpoint) if "://" not in endpoint else endpoint.split("://", 1)
    host = rest.split("/", 1)[0]
    if not host:
        raise ParseError("SLS endpoint %r has no host" % endpoint)
    netloc = host if _is_direct(host) else "%s.%s" % (project, host)
    headers = {"Date": formatdate(now if now is not None else time.time(), usegmt=True),
               "x-log-apiversion": API_VERSION, "x-log-signaturemethod": "hmac-sha1", "x-log-bodyrawsize": "0",
               "Host": netloc}
    headers["Authorization"] = sign_v1("GET", path, params, headers, key_id, key_secret)
    query = ("?" + "&".join("%s=%s" % (k, params[k]) for k in sorted(params))) if params else ""
    return "%s://%s%s%s" % (scheme, netloc, path, query), headers


def parse_machine_group(obj, source="GetMachineGroup"):
    if not isinstance(obj, dict):
        raise ParseError("answer is not a JSON object", source)
    members = obj.get("machineList") or []
    if not isinstance(members, list) or not all(isinstance(m, str) for m in members):
        raise ParseError("machineList must be a list of strings", source)
    return {"name": obj.get("groupName"), "type": obj.get("machineIdentifyType") or "ip", "members": members}


def parse_machines(obj, source="ListMachines"):
    if not isinstance(obj, dict) or not isinstance(obj.get("machines", []), list):
        raise ParseError("answer has no machines list", source)
    out = []
    for i, m in enumerate(obj.get("machines") or []):
        if not isinstance(m, dict):
            raise ParseError("machines[%d] is not an object" % i, source)
        try:
            last = int(m.get("lastHeartbeatTime") or 0)
        except (TypeError, ValueError):
            raise ParseError("machines[%d].lastHeartbeatTime is not a number" % i, source) from None
        out.append({"ip": m.get("ip") or "", "uniqueid": m.get("machine-uniqueid") or "",
                    "userdefined_id": m.get("userdefined-id") or "", "last_heartbeat": last})
    return out


def analyse_heartbeat(group, machines, ip, now, max_age=120, user_defined_ids=None):
    """Findings for this host: not in the IP group, or no heartbeat within max_age seconds (SLS FAIL)."""
    out = []
    data = {"group": group.get("name"), "group_type": group.get("type"), "members": group.get("members"),
            "ip": ip, "max_age": max_age}
    if group.get("type") == "ip" and ip and ip not in group.get("members", []):
        out.append(finding("sls_ip_not_in_machine_group", "critical",
                           "Machine group %s does not list %s" % (group.get("name"), ip),
                           ["machineList: %s" % ", ".join(group.get("members") or [])],
                           "Add %s to machine group %s in the SLS console/API, or set working_ip to a listed IP"
                           % (ip, group.get("name")), fixable=False, data=data))
    ids = set(user_defined_ids or [])
    mine = [m for m in machines if (ip and m["ip"] == ip) or (ids and set(m["userdefined_id"].split(",")) & ids)]
    last = max([m["last_heartbeat"] for m in mine] or [0])
    data.update(last_heartbeat=last or None, age=(now - last) if last else None)
    if not last or now - last > max_age:
        out.append(finding(
            "sls_no_heartbeat", "critical",
            "SLS ListMachines shows no heartbeat from %s in the last %d s" % (ip or "this host", max_age),
            ["%s lastHeartbeatTime=%s" % (m["ip"], m["last_heartbeat"]) for m in machines] or ["no machines listed"],
            "Check the agent (status, app_info.json ip, region, account ID file, outbound 80/443), then wait "
            "2 minutes (up to 12 without a collection config)", fixable=False, data=data))
    return out, data


def fetch(opener, url, headers, timeout):
    """GET through a urllib opener; returns the decoded JSON or raises ParseError with the SLS error."""
    import urllib.error
    import urllib.request
    try:
        resp = opener.open(urllib.request.Request(url, headers=headers, method="GET"), timeout=timeout)
        body = resp.read()
    except urllib.error.HTTPError as exc:
        try:
            err = json.loads(exc.read().decode("utf-8", "replace"))
        except ValueError:
            err = {}
        raise ParseError("HTTP %s %s: %s" % (exc.code, err.get("errorCode", ""), err.get("errorMessage", exc.reason)),
                         url.split("?", 1)[0]) from None
    except Exception as exc:  # pylint: disable=broad-except
        raise ParseError("request failed: %s" % getattr(exc, "reason", exc), url.split("?", 1)[0]) from None
    try:
        return json.loads(body.decode("utf-8"))
    except ValueError:
        raise ParseError("answer is not JSON", url.split("?", 1)[0]) from None
