# THIS IS A TEST DOUBLE helper: it writes the JSON state file read by the `docker` and `nomad`
# test doubles of this directory (a CircleCI Server 2.x Services box with its Nomad builders).
#
#   python3 scenario.py NAME [--version 0.9.3] [--out /var/lib/circleci-double/state.json]
#   python3 scenario.py --list
#
# Scenarios: healthy, drained_builder, ineligible_builder, down_builder, capacity_exhausted,
# dispatcher_stopped, lost_builds, datacenter_mismatch.  Values are made up; the layout of
# what the doubles print follows Nomad's and Docker's real formats.
"""THIS IS A TEST DOUBLE helper: scenario generator for the CircleCI Server doubles."""

import argparse
import json
import os
import sys

SCENARIOS = ("healthy", "drained_builder", "ineligible_builder", "down_builder", "capacity_exhausted",
             "dispatcher_stopped", "lost_builds", "datacenter_mismatch")
VERSIONS = ("0.5.6", "0.9.3", "0.11.3", "1.6.3")
DEFAULT_STATE = "/var/lib/circleci-double/state.json"
CONTAINERS = ("dispatcher", "picard-dispatcher", "picard-scheduler", "picard-output-processor", "nomad")
NOW = 1596100364  # 2020-07-30T09:12:44Z


def vtuple(text):
    return tuple(int(p) for p in (text.split(".") + ["0", "0"])[:3])


def expected_datacenter(version):
    """Server < 2.19 (Nomad 0.5.6 builders) schedules into us-east-1, 2.19+ into default."""
    return "us-east-1" if vtuple(version) < (0, 9, 0) else "default"


def node(index, dc, status="ready", drain=False, eligibility="eligible", capacity=4, version="0.9.3"):
    first = 0x0cf07b07 + index * 0x1111111
    node_id = "%08x-%04x-4%03x-a%03x-%012x" % (first, index, index, index, 0x5a4b3c2d1e0f + index)
    item = {"id": node_id, "name": "i-0%016x" % (0x70fdad5f0edef4c8 + index * 7919), "datacenter": dc,
            "class": "linux-64bit", "status": status, "drain": drain, "capacity": capacity,
            "address": "10.0.3.%d" % (40 + index), "node_pool": "default"}
    if vtuple(version) >= (0, 8, 0):
        item["eligibility"] = eligibility
    return item


def job(seq, repo, build, status, dc, allocs_on=(), age=63):
    job_id = "5e2f1a4c7d560d00011683%02x-0-build-acme-%s-%d" % (seq, repo, build)
    allocations = []
    for n, node_id in enumerate(allocs_on):
        alloc_id = "%08x-%04x-4abc-8def-%012x" % (0xb7f2c9a1 + seq * 977 + n, seq, n)
        allocations.append({"id": alloc_id, "eval_id": "%08x-0000-4000-8000-000000000000" % (0x1c2d3e4f + seq),
                            "node_id": node_id, "desired": "run" if status == "running" else "stop",
                            "status": "running" if status == "running" else "complete",
                            "create_time": NOW - age, "modify_time": NOW - age + 5, "version": 0})
    return {"id": job_id, "type": "batch", "priority": 50, "status": status, "stopped": False,
            "submit_time": NOW - age - 2, "datacenters": [dc], "task_group": "build", "allocations": allocations,
            "build": "acme/%s/%d" % (repo, build)}


def ts(offset):
    import datetime
    return datetime.datetime.fromtimestamp(NOW - 600 + offset, datetime.timezone.utc).strftime(
        "%Y-%m-%d %H:%M:%S.%f")[:-3]


def healthy_logs(builds, lost=()):
    """dispatcher / picard logs for the builds (org/repo/n); `lost` never reach picard-dispatcher."""
    disp = ["%s INFO circle.backend.build.run-queue dispatcher mode is on - no need for run-queue" % ts(0)]
    pic = ["%s INFO picard-dispatcher.init Still running..." % ts(1)]
    sched = ["%s INFO picard-scheduler.init Starting picard-scheduler" % ts(0)]
    outp = ["%s INFO picard-output-processor.init Starting output processor" % ts(0)]
    for n, build in enumerate(builds):
        t = 10 + n * 10
        disp.append("%s INFO circle.backend.build.usage-queue 5f2281c4e4b0a1d7c3f0b9%02x: %s -> forwarded to "
                    "run-queue" % (ts(t), n, build))
        disp.append("%s INFO circle.backend.build.usage-queue publishing :usage-changed (:recur) event" % ts(t))
        if build in lost:
            continue
        pic += [
            "%s INFO picard-dispatcher.core taking build=%s" % (ts(t + 1), build),
            "%s INFO picard-dispatcher.core build=%s succcessfully fetched and parsed .circleci/config.yml"
            % (ts(t + 2), build),
            "%s INFO picard-dispatcher.core build=%s is using resource class {:cpu 2.0, :ram 4096, :class :medium}"
            % (ts(t + 2), build),
            "%s INFO picard-dispatcher.core Computed tasks for build=%s, stage=build, parallel=1" % (ts(t + 3), build),
            "%s INFO picard-dispatcher.core build has matching jobs: build=%s parsed=1 passed=1" % (ts(t + 3), build),
        ]
        sched.append("%s INFO picard-scheduler.nomad submitted job for build=%s" % (ts(t + 4), build))
        outp.append("%s INFO picard-output-processor.core step output received for build=%s" % (ts(t + 6), build))
    pic.append("%s INFO picard-dispatcher.init Still running..." % ts(400))
    return {"dispatcher": disp, "picard-dispatcher": pic, "picard-scheduler": sched, "picard-output-processor": outp}


def build(name, version="0.9.3"):
    if name not in SCENARIOS:
        raise ValueError("unknown scenario %r (known: %s)" % (name, ", ".join(SCENARIOS)))
    dc = expected_datacenter(version)
    v8 = vtuple(version) >= (0, 8, 0)
    n1, n2 = node(0, dc, version=version), node(1, dc, version=version)
    nodes = [n1, n2]
    jobs = [job(1, "api", 1208, "running", dc, [n1["id"]]), job(2, "web", 77, "dead", dc, [n2["id"]], age=3600),
            job(3, "api", 1210, "running", dc, [n2["id"]], age=30)]
    lost = []
    containers = dict((c, {"state": "running", "id": "%012x" % (0xa1b2c3d4e5f0 + i) + "0" * 52,
                           "image": "circleci/%s:0.1.%d" % ("server-" + c if c != "nomad" else "nomad", 1000 + i)})
                      for i, c in enumerate(CONTAINERS))
    if name == "drained_builder":
        nodes = [n1]
        n1["drain"] = True
        if v8:
            n1["eligibility"] = "ineligible"
        jobs = [job(1, "api", 1208, "dead", dc, [n1["id"]], age=900), job(4, "api", 1211, "pending", dc)]
    elif name == "ineligible_builder":
        nodes = [n1]
        if v8:
            n1["eligibility"] = "ineligible"
        else:  # no eligibility before 0.8: the closest old-version equivalent is a drain
            n1["drain"] = True
        jobs = [job(1, "api", 1208, "dead", dc, [n1["id"]], age=900), job(4, "api", 1211, "pending", dc)]
    elif name == "down_builder":
        n2["status"] = "down"
        jobs = [job(1, "api", 1208, "running", dc, [n1["id"]]), job(2, "web", 77, "dead", dc, [n2["id"]], age=3600)]
    elif name == "capacity_exhausted":
        n1["capacity"] = n2["capacity"] = 1
        jobs = [job(1, "api", 1208, "running", dc, [n1["id"]]), job(3, "api", 1210, "running", dc, [n2["id"]]),
                job(4, "api", 1211, "pending", dc)]
    elif name == "dispatcher_stopped":
        containers["dispatcher"].update({"state": "exited", "exit_code": 137, "since": "12 minutes"})
    elif name == "lost_builds":
        lost = ["acme/api/1212", "acme/web/78"]
    elif name == "datacenter_mismatch":
        wrong = "us-east-1" if dc == "default" else "us-west-2"
        n1["datacenter"] = wrong
        n2["datacenter"] = wrong
        n2["status"] = "down"
        nodes = [n1, n2]
        jobs = [job(2, "web", 77, "dead", wrong, [n1["id"]], age=86400), job(4, "api", 1211, "pending", dc)]
    for n in nodes:
        if not v8:
            n.pop("eligibility", None)
    builds = [j["build"] for j in jobs] + lost
    return {
        "scenario": name,
        "nomad_version": version,
        "expected_datacenter": dc,
        "now": NOW,
        "nodes": nodes,
        "jobs": [dict((k, v) for k, v in j.items() if k != "build") for j in jobs],
        "containers": containers,
        "logs": healthy_logs(builds, lost),
        "lost_builds": lost,
    }


def write(name, version="0.9.3", out=None):
    out = out or os.environ.get("CIRCLECI_DOUBLE_STATE") or DEFAULT_STATE
    directory = os.path.dirname(out)
    if directory and not os.path.isdir(directory):
        os.makedirs(directory)
    with open(out, "w") as handle:
        json.dump(build(name, version), handle, indent=1, sort_keys=True)
    return out


def main(argv=None):
    parser = argparse.ArgumentParser(description="THIS IS A TEST DOUBLE: write a CircleCI double scenario")
    parser.add_argument("name", nargs="?", choices=SCENARIOS)
    parser.add_argument("--version", default="0.9.3", help="Nomad version to imitate (e.g. %s)" % ", ".join(VERSIONS))
    parser.add_argument("--out", default=None, help="state file (default $CIRCLECI_DOUBLE_STATE or %s)" % DEFAULT_STATE)
    parser.add_argument("--list", action="store_true", help="list the scenarios")
    args = parser.parse_args(argv)
    if args.list or not args.name:
        print("\n".join(SCENARIOS))
        return 0
    print(write(args.name, args.version, args.out))
    return 0


if __name__ == "__main__":
    sys.exit(main())
