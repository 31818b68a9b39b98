#!/usr/bin/python3
# THIS IS A TEST DOUBLE of the Mackerel API (service metrics endpoint) for the td-agent lab double.
# Records every event id it accepts (one line per id in events.log, duplicates kept) and answers 200.
# Fault "hang" (file <state>/hang exists): accept the request, read it, record nothing and never answer;
# the connection is held open until the sink restarts, even after the fault is healed (a half-open
# connection: a client without a read timeout waits forever).
# Copyright: (c) 2026, sre.remediation contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
import json
import os
import sys
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

STATE = os.environ.get("SINK_STATE", "/var/lib/mackerel-sink")
EVENTS = os.path.join(STATE, "events.log")
HANG = os.path.join(STATE, "hang")
LOCK = threading.Lock()
HUNG = []


class Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"

    def log_message(self, fmt, *args):
        sys.stderr.write("%s %s\n" % (self.address_string(), fmt % args))

    def _reply(self, code, obj):
        body = (json.dumps(obj) + "\n").encode()
        self.send_response(code)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def do_GET(self):
        if self.path != "/stats":
            return self._reply(404, {"error": "not found"})
        lines = 0
        ids = set()
        if os.path.exists(EVENTS):
            with open(EVENTS, encoding="utf-8") as fh:
                for line in fh:
                    lines += 1
                    ids.add(line.strip())
        return self._reply(200, {"received": lines, "distinct": len(ids), "duplicates": lines - len(ids),
                                 "hung_requests": len(HUNG), "mode": "hang" if os.path.exists(HANG) else "ok"})

    def do_POST(self):
        length = int(self.headers.get("Content-Length") or 0)
        raw = self.rfile.read(length)
        if os.path.exists(HANG):
            HUNG.append(self.client_address)
            sys.stderr.write("hanging request from %s:%s (%d bytes)\n" % (self.client_address + (length,)))
            threading.Event().wait()  # never answer; the socket stays open
            return None
        try:
            metrics = json.loads(raw.decode("utf-8"))
            ids = [str(m["id"]) for m in metrics]
        except (ValueError, KeyError, TypeError) as exc:
            return self._reply(400, {"error": str(exc)})
        with LOCK:
            with open(EVENTS, "a", encoding="utf-8") as fh:
                fh.write("".join(i + "\n" for i in ids))
        return self._reply(200, {"success": True})


def main():
    os.makedirs(STATE, exist_ok=True)
    port = int(os.environ.get("SINK_PORT", "8090"))
    server = ThreadingHTTPServer(("127.0.0.1", port), Handler)
    server.daemon_threads = True
    server.serve_forever()


if __name__ == "__main__":
    main()
