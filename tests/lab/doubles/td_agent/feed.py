#!/usr/bin/python3
# THIS IS A TEST DOUBLE helper: feeds unique event ids to the td-agent lab double's HTTP input and
# counts what the Mackerel sink double received.
#   feed.py feed --tag logs.app --prefix RUN1 --count 10000 [--batch 250]
#   feed.py check --prefix RUN1 --count 10000     -> {"expected", "distinct", "duplicates", "missing"}
# Copyright: (c) 2026, sre.remediation contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
import argparse
import collections
import json
import time
import urllib.error
import urllib.request

EVENTS = "/var/lib/mackerel-sink/events.log"


def feed(args):
    sent = 0
    retries = 0
    deadline = time.monotonic() + args.timeout
    for start in range(0, args.count, args.batch):
        ids = ["%s-%06d" % (args.prefix, i) for i in range(start, min(start + args.batch, args.count))]
        body = ("\n".join(ids) + "\n").encode()
        while True:
            try:
                req = urllib.request.Request("http://127.0.0.1:%d/%s" % (args.port, args.tag), data=body,
                                             method="POST")
                with urllib.request.urlopen(req, timeout=10) as res:
                    if res.status == 200:
                        break
            except (urllib.error.URLError, OSError):
                pass
            retries += 1
            if time.monotonic() > deadline:
                raise SystemExit(json.dumps({"sent": sent, "retries": retries, "error": "timeout"}))
            time.sleep(0.2)
        sent += len(ids)
    print(json.dumps({"sent": sent, "retries": retries}))


def check(args):
    counts = collections.Counter()
    try:
        with open(EVENTS, encoding="utf-8") as fh:
            for line in fh:
                if line.startswith(args.prefix + "-"):
                    counts[line.strip()] += 1
    except FileNotFoundError:
        pass
    expected = {"%s-%06d" % (args.prefix, i) for i in range(args.count)}
    got = set(counts)
    print(json.dumps({"expected": args.count, "distinct": len(got & expected), "received": sum(counts.values()),
                      "duplicates": sum(c - 1 for c in counts.values()), "missing": len(expected - got),
                      "unexpected": len(got - expected)}))


def main():
    ap = argparse.ArgumentParser()
    sub = ap.add_subparsers(dest="cmd", required=True)
    f = sub.add_parser("feed")
    f.add_argument("--tag", default="logs.app")
    f.add_argument("--prefix", required=True)
    f.add_argument("--count", type=int, default=1000)
    f.add_argument("--batch", type=int, default=250)
    f.add_argument("--port", type=int, default=9880)
    f.add_argument("--timeout", type=float, default=120)
    c = sub.add_parser("check")
    c.add_argument("--prefix", required=True)
    c.add_argument("--count", type=int, required=True)
    args = ap.parse_args()
    (feed if args.cmd == "feed" else check)(args)


if __name__ == "__main__":
    main()
