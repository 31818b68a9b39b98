#!/usr/bin/python3
# THIS IS A TEST DOUBLE of the SLS config server / API (heartbeat sink for the Logtail lab).
# Copyright: (c) 2026, sre.remediation contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Config-server sink for the Logtail test double (stdlib http.server).

  POST /heartbeat                   record a heartbeat JSON {ip, hostname, user_ids, user_defined_id, region}
  GET  /heartbeats                  {ip: {count, first, last, hostname, user_ids, user_defined_id, region}}
  POST /reset                       forget every heartbeat
  GET  /machinegroups/<name>        GetMachineGroup-like: {groupName, machineIdentifyType, machineList}
  GET  /machinegroups/<name>/machines  ListMachines-like: {count, total, machines: [{ip, machine-uniqueid,
                                    userdefined-id, lastHeartbeatTime}]} (heartbeats whose ip or custom id
                                    is in the group)
  GET  anything else                the SLS answer to a bare GET: OLSInvalidMethod JSON (HTTP 400)

With --access-key ID=SECRET the two machinegroups calls require a valid SLS signature (version 1,
"Authorization: LOG <id>:<base64 hmac-sha1>"), else HTTP 401 SignatureNotMatch / Unauthorized, like SLS.

Usage: config_server.py [--host 0.0.0.0] [--port 8080] [--group NAME=ip1,ip2] [--id-group NAME=id1,id2]
                        [--access-key ID=SECRET]
"""

import argparse
import base64
import hashlib
import hmac
import json
import threading
import time
import uuid
from http.server import BaseHTTPRequestHandler, HTTPServer

try:
    from http.server import ThreadingHTTPServer as _Server
except ImportError:  # Python < 3.7
    _Server = HTTPServer

STATE = {"heartbeats": {}, "groups": {}, "keys": {}}
LOCK = threading.Lock()


class Handler(BaseHTTPRequestHandler):
    server_version = "nginx"
    sys_version = ""

    def log_message(self, fmt, *args):  # quiet
        pass

    def _send(self, code, obj):
        body = json.dumps(obj).encode()
        self.send_response(code)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(body)))
        self.send_header("x-log-requestid", uuid.uuid4().hex[:24].upper())
        self.end_headers()
        self.wfile.write(body)

    def _invalid(self):
        self._send(400, {"Error": {"Code": "OLSInvalidMethod", "Message": "The script name is invalid : %s"
                                   % self.path.split("?")[0], "RequestId": uuid.uuid4().hex[:24].upper()}})

    def do_POST(self):  # noqa: N802
        length = int(self.headers.get("Content-Length") or 0)
        raw = self.rfile.read(length) if length else b""
        if self.path == "/reset":
            with LOCK:
                STATE["heartbeats"].clear()
            return self._send(200, {"ok": True})
        if self.path != "/heartbeat":
            return self._invalid()
        try:
            hb = json.loads(raw.decode("utf-8"))
            if not isinstance(hb, dict):
                raise ValueError("not an object")
        except ValueError as exc:
            return self._send(400, {"Error": {"Code": "InvalidBody", "Message": str(exc)}})
        now = time.time()
        ip = str(hb.get("ip") or "")
        with LOCK:
            rec = STATE["heartbeats"].setdefault(ip, {"count": 0, "first": now})
            rec.update(count=rec["count"] + 1, last=now, hostname=hb.get("hostname"),
                       user_ids=hb.get("user_ids") or [], user_defined_id=hb.get("user_defined_id") or [],
                       region=hb.get("region"), instance_id=hb.get("instance_id"), peer=self.client_address[0])
        return self._send(200, {"ok": True})

    def _auth_error(self):
        """None when the request is signed with a known key (or no key is configured), else the error."""
        if not STATE["keys"]:
            return None
        auth = self.headers.get("Authorization") or ""
        if not auth.startswith("LOG ") or ":" not in auth:
            return "Unauthorized", "missing Authorization: LOG <AccessKeyId>:<signature>"
        key_id, sig = auth[4:].split(":", 1)
        secret = STATE["keys"].get(key_id)
        if secret is None:
            return "Unauthorized", "AccessKeyId not found: %s" % key_id
        path, _, query = self.path.partition("?")
        pairs = sorted(tuple(q.split("=", 1)) if "=" in q else (q, "") for q in query.split("&") if q)
        resource = path + ("?" + "&".join("%s=%s" % kv for kv in pairs) if pairs else "")
        log_headers = sorted((k.lower(), v) for k, v in self.headers.items() if k.lower().startswith(("x-log-", "x-acs-")))
        text = "\n".join(["GET", self.headers.get("Content-MD5", ""), self.headers.get("Content-Type", ""),
                          self.headers.get("Date", "")]) + "\n"
        text += "".join("%s:%s\n" % kv for kv in log_headers) + resource
        want = base64.b64encode(hmac.new(secret.encode(), text.encode(), hashlib.sha1).digest()).decode()
        if not hmac.compare_digest(want, sig):
            return "SignatureNotMatch", "signature %s not matched" % sig
        return None

    def do_GET(self):  # noqa: N802
        path = self.path.split("?")[0].rstrip("/")
        if path == "/heartbeats":
            with LOCK:
                return self._send(200, STATE["heartbeats"])
        parts = path.split("/")
        if len(parts) >= 3 and parts[1] == "machinegroups":
            err = self._auth_error()
            if err:
                return self._send(401, {"errorCode": err[0], "errorMessage": err[1]})
            name = parts[2]
            group = STATE["groups"].get(name)
            if group is None:
                return self._send(404, {"errorCode": "MachineGroupNotExist",
                                        "errorMessage": "MachineGroup %s does not exist" % name})
            if len(parts) == 3:
                return self._send(200, {"groupName": name, "machineIdentifyType": group["type"],
                                        "machineList": group["members"]})
            if len(parts) == 4 and parts[3] == "machines":
                machines = []
                with LOCK:
                    for ip, rec in sorted(STATE["heartbeats"].items()):
                        ids = rec.get("user_defined_id") or []
                        if (group["type"] == "ip" and ip in group["members"]) or \
                                (group["type"] == "userdefined" and set(ids) & set(group["members"])):
                            machines.append({"ip": ip, "machine-uniqueid": rec.get("instance_id") or "",
                                             "userdefined-id": ",".join(ids),
                                             "lastHeartbeatTime": int(rec["last"])})
                return self._send(200, {"count": len(machines), "total": len(machines), "machines": machines})
        return self._invalid()


def main(argv=None):
    ap = argparse.ArgumentParser(description="THIS IS A TEST DOUBLE: SLS config server sink")
    ap.add_argument("--host", default="0.0.0.0")
    ap.add_argument("--port", type=int, default=8080)
    ap.add_argument("--group", action="append", default=[], help="NAME=ip1,ip2 (IP machine group)")
    ap.add_argument("--id-group", action="append", default=[], help="NAME=id1,id2 (custom-ID machine group)")
    ap.add_argument("--access-key", action="append", default=[], help="ID=SECRET: require signed API calls")
    args = ap.parse_args(argv)
    for spec in args.access_key:
        key_id, _, secret = spec.partition("=")
        STATE["keys"][key_id] = secret
    for spec, kind in [(g, "ip") for g in args.group] + [(g, "userdefined") for g in args.id_group]:
        name, _, members = spec.partition("=")
        STATE["groups"][name] = {"type": kind, "members": [m for m in members.split(",") if m]}
    srv = _Server((args.host, args.port), Handler)
    srv.serve_forever()


if __name__ == "__main__":
    main()
