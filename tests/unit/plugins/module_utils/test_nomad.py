# -*- coding: utf-8 -*-
# Copyright: (c) 2026, sre.remediation contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Tests of the Nomad / CircleCI Server parser and analyser (plugins/module_utils/nomad.py)."""

from __future__ import annotations

import json
import os

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from ansible_collections.sre.remediation.plugins.module_utils import nomad
from ansible_collections.sre.remediation.plugins.module_utils.findings import ParseError, validate

SAMPLES = os.path.join(os.path.dirname(__file__), "..", "..", "..", "samples", "nomad")


def sample(name):
    with open(os.path.join(SAMPLES, name), newline="") as handle:
        return handle.read()


def ids(findings):
    return sorted(f["id"] for f in findings)


# --------------------------------------------------------------------------- node status, every header generation


def test_nodes_0_3_datacenter_column_and_none_class():
    nodes = nomad.parse_nodes(sample("node_status_0.3.txt"))
    assert len(nodes) == 1
    node = nodes[0]
    assert node["datacenter"] == "us-east-1"
    assert node["class"] is None
    assert node["eligibility"] is None and node["running_allocs"] is None and node["node_pool"] is None
    assert node["drain"] is False


def test_nodes_0_5_6_allocs():
    nodes = nomad.parse_nodes(sample("node_status_0.5.6_allocs.txt"))
    assert [n["id"] for n in nodes] == ["ec2727c5", "4f1b9a0e"]
    assert [n["running_allocs"] for n in nodes] == [4, 1]
    assert [n["drain"] for n in nodes] == [False, True]
    assert nodes[1]["name"] == "ip-10-0-2-117"
    assert nodes[0]["raw"].startswith("ec2727c5  us-east-1")


def test_nodes_0_7_verbose_version_column():
    node = nomad.parse_nodes(sample("node_status_0.7_verbose.txt"))[0]
    assert node["id"] == "ec2727c5-8d1a-4e5b-9a77-0c1f2e3d4b5a"
    assert node["version"] == "0.7.1"
    assert node["running_allocs"] == 2


def test_nodes_0_9_guide_capture_with_sudo_noise():
    nodes = nomad.parse_nodes(sample("node_status_0.9_guide_sudo.txt"))
    assert [(n["datacenter"], n["status"], n["eligibility"]) for n in nodes] == [
        ("default", "ready", "eligible"), ("us-east-1", "down", "eligible")]
    assert nodes[1]["name"] == "i-0895ee505ec7e692c"


def test_nodes_0_11_verbose_address_version():
    nodes = nomad.parse_nodes(sample("node_status_0.11_verbose_allocs.txt"))
    assert nodes[0]["address"] == "10.0.3.41" and nodes[0]["version"] == "0.11.3"
    assert nodes[0]["drain"] is True and nodes[0]["eligibility"] == "ineligible"
    assert nodes[1]["drain"] is False and nodes[1]["eligibility"] == "ineligible"


def test_nodes_1_4_os_column_with_space_in_value():
    node = nomad.parse_nodes(sample("node_status_1.4_os_verbose.txt"))[0]
    assert node["os"] == "ubuntu 20.04"
    assert node["address"] == "10.0.3.41"


def test_nodes_1_6_node_pool_and_disconnected():
    nodes = nomad.parse_nodes(sample("node_status_1.6_allocs.txt"))
    assert nodes[0]["node_pool"] == "default"
    assert nodes[1]["status"] == "disconnected"
    assert [n["running_allocs"] for n in nodes] == [3, 0]


def test_nodes_1_10_hint_lines_ignored():
    nodes = nomad.parse_nodes(sample("node_status_1.10_hints.txt"))
    assert len(nodes) == 2


@pytest.mark.parametrize("name", ["node_status_1.6_empty.txt", "node_status_0.9_empty.txt"])
def test_nodes_empty(name):
    assert nomad.parse_nodes(sample(name)) == []


def test_nodes_sudo_noise_only_is_empty():
    assert nomad.parse_nodes("sudo: unable to resolve host govcloud-service-box\n") == []


def test_nodes_json_0_5_stubs():
    nodes = nomad.parse_nodes(sample("node_status_0.5.6.json"))
    assert [n["drain"] for n in nodes] == [False, True]
    assert nodes[0]["datacenter"] == "us-east-1" and nodes[0]["class"] == "linux-64bit"
    assert nodes[0]["eligibility"] is None


def test_nodes_api_1_6():
    nodes = nomad.parse_nodes(sample("nodes_api_1.6.json"))
    assert nodes[1]["eligibility"] == "ineligible" and nodes[1]["node_pool"] == "default"
    assert nodes[0]["version"] == "1.6.3"
    assert nomad.parse_nodes(json.loads(sample("nodes_api_1.6.json")))[0]["address"] == "10.0.3.41"


def test_nodes_unknown_column_names_header():
    text = "ID        DC       Name  Colour  Status\n0cf07b07  default  b1    red     ready\n"
    with pytest.raises(ParseError) as err:
        nomad.parse_nodes(text)
    assert "Colour" in str(err.value) and "ID        DC" in str(err.value)


def test_nodes_given_a_job_list_is_rejected():
    with pytest.raises(ParseError) as err:
        nomad.parse_nodes(sample("jobs_0.5.6.txt"))
    assert "Type" in str(err.value)


def test_nodes_rows_without_header():
    with pytest.raises(ParseError) as err:
        nomad.parse_nodes("0cf07b07  default  i-070fdad5f0edef4c8  linux-64bit  false  eligible  ready\n")
    assert "header" in str(err.value)


def test_nodes_bad_drain_value():
    text = "ID        DC       Name  Class   Drain  Status\n0cf07b07  default  b1    <none>  maybe  ready\n"
    with pytest.raises(ParseError, match="Drain"):
        nomad.parse_nodes(text)


def test_nodes_misaligned_row_falls_back_to_double_space_split():
    text = "ID        DC       Name  Class   Drain  Status\n0cf07b07 default  b1  <none>  false  ready\n"
    with pytest.raises(ParseError):
        nomad.parse_nodes(text)
    text = "ID        DC       Name  Class   Drain  Status\n0cf07b07  default  b1  <none>  false  ready\n"
    assert nomad.parse_nodes(text)[0]["name"] == "b1"


def test_nodes_unicode_names_sliced_by_runes():
    text = ("ID        DC       Name    Class   Drain  Status\n"
            "0cf07b07  default  bäüild  <none>  false  ready\n"
            "1cf07b07  default  b2      <none>  true   down\n")
    nodes = nomad.parse_nodes(text)
    assert nodes[0]["name"] == "bäüild" and nodes[1]["drain"] is True


def test_table_stops_at_blank_line():
    text = sample("node_status_0.5.6_allocs.txt") + "\nsomething else  entirely\n"
    assert len(nomad.parse_nodes(text)) == 2


# --------------------------------------------------------------------------- contamination


def test_contaminated_sudo_ansi_crlf():
    raw = ("sudo: unable to resolve host govcloud-service-box\r\n"
           + sample("node_status_1.6_allocs.txt").replace("ID        Node Pool", "\x1b[1mID        Node Pool", 1)
           .replace("Running Allocs\n", "Running Allocs\x1b[0m\n").replace("\n", "\r\n"))
    nodes = nomad.parse_nodes(raw)
    assert [n["running_allocs"] for n in nodes] == [3, 0]
    assert nodes[1]["status"] == "disconnected"


def test_contaminated_job_status_tty_colour():
    # `docker exec -t` output: ANSI colour and CRLF. The sample is stored with LF (ansible-test sanity
    # requires it) and gets the TTY's CRLF back here.
    text = sample("job_status_0.5.6_pending_tty_color.txt").replace("\n", "\r\n")
    assert "\r\n" in text and "\x1b[" in text
    status = nomad.parse_job_status(text)
    assert status["fields"]["Status"] == "pending"
    assert status["summary"][0]["queued"] == 1
    assert [r["kind"] for r in status["placement_failures"][0]["reasons"]] == [
        "resources_exhausted", "dimension_exhausted"]


# --------------------------------------------------------------------------- jobs


def test_jobs_0_5():
    jobs = nomad.parse_jobs(sample("jobs_0.5.6.txt"))
    assert [j["status"] for j in jobs] == ["dead", "pending"]
    assert jobs[0]["submit_date"] is None and jobs[0]["priority"] == 50


def test_jobs_0_7_stopped_and_spaced_date():
    jobs = nomad.parse_jobs(sample("jobs_0.7.txt"))
    assert jobs[0]["status"] == "dead" and jobs[0]["stopped"] is True
    assert jobs[0]["submit_date"] == "01/05/18 00:43:05 UTC"
    assert jobs[1]["status"] == "pending" and jobs[1]["stopped"] is False


def test_jobs_0_9_rfc3339():
    jobs = nomad.parse_jobs(sample("jobs_0.9.3.txt"))
    assert [j["status"] for j in jobs] == ["running", "pending", "dead"]
    assert jobs[2]["id"] == "5e2f1a4c7d560d0001168314-0-build-acme-web-77"
    assert nomad.pending_job_ids(jobs) == ["5e2f1a4c7d560d0001168313-0-build-acme-api-1209"]


def test_jobs_namespace_column():
    jobs = nomad.parse_jobs(sample("jobs_1.6_namespaces.txt"))
    assert jobs[1]["namespace"] == "ops" and jobs[1]["type"] == "batch/periodic" and jobs[1]["priority"] == 40


def test_jobs_empty_and_noise():
    assert nomad.parse_jobs(sample("jobs_empty.txt")) == []
    assert nomad.parse_jobs("") == []


def test_jobs_api_json():
    data = [{"ID": "a-1", "Type": "batch", "Priority": 50, "Status": "pending", "Stop": False,
             "SubmitTime": 1596100364000000000,
             "JobSummary": {"Summary": {"build": {"Queued": 1, "Running": 0}}}}]
    jobs = nomad.parse_jobs(json.dumps(data))
    assert jobs[0]["status"] == "pending" and jobs[0]["queued"] == 1


def test_jobs_node_header_rejected():
    with pytest.raises(ParseError, match="job list header"):
        nomad.parse_jobs(sample("node_status_0.5.6_allocs.txt"))


def test_jobs_bad_priority():
    with pytest.raises(ParseError, match="Priority"):
        nomad.parse_jobs("ID  Type   Priority  Status\nj1  batch  high      pending\n")


# --------------------------------------------------------------------------- job status


def test_job_status_0_5_pending_old_dimension_wording():
    status = nomad.parse_job_status(sample("job_status_0.5.6_pending.txt"))
    assert status["fields"]["Datacenters"] == "us-east-1"
    assert status["summary"] == [{"task_group": "build", "queued": 1, "starting": 0, "running": 0, "failed": 0,
                                  "complete": 0, "lost": 0}]
    reasons = status["placement_failures"][0]["reasons"]
    assert status["placement_failures"][0]["task_group"] == "build"
    assert reasons[0] == {"kind": "resources_exhausted", "text": "Resources exhausted on 2 nodes", "count": 2,
                          "subject": None}
    assert reasons[1]["kind"] == "dimension_exhausted" and reasons[1]["subject"] == "memory"
    assert reasons[1]["count"] == 2
    assert status["allocations"] == []


def test_job_status_0_9_old_filter_wording():
    status = nomad.parse_job_status(sample("job_status_0.9.3_pending_filtered.txt"))
    reasons = status["placement_failures"][0]["reasons"]
    assert [(r["kind"], r["subject"], r["count"]) for r in reasons] == [
        ("class_filtered", "linux-64bit", 1), ("constraint_filtered", "missing drivers", 1),
        ("dimension_exhausted", "cpu", 3), ("class_exhausted", "linux-64bit", 3)]
    assert status["allocations"][0]["created"] == "2h5m ago"
    assert status["allocations"][0]["modified"] == "1h58m ago"
    assert status["allocations"][0]["version"] == 0


def test_job_status_1_6_new_filter_wording_evals_quota():
    status = nomad.parse_job_status(sample("job_status_1.6_pending_verbose.txt"))
    reasons = status["placement_failures"][0]["reasons"]
    assert [(r["kind"], r["subject"], r["count"]) for r in reasons] == [
        ("constraint_filtered", "missing drivers", 1), ("class_filtered", "linux-64bit", 2),
        ("quota_limit", "memory", None)]
    assert status["fields"]["Node Pool"] == "default"
    assert status["summary"][0]["unknown"] == 0
    evals = status["evaluations"]
    assert evals[0]["status"] == "blocked" and evals[0]["placement_failures"] is None
    assert evals[0]["triggered_by"] == "queued-allocs"
    assert evals[1]["placement_failures"] is True


def test_job_status_datacenter_bullets():
    status = nomad.parse_job_status(sample("job_status_0.9.3_pending_dc.txt"))
    reasons = status["placement_failures"][0]["reasons"]
    assert [r["kind"] for r in reasons] == ["no_nodes_eligible", "datacenter_unavailable"]
    assert reasons[1]["subject"] == "default"


def test_job_status_running_0_11():
    status = nomad.parse_job_status(sample("job_status_0.11_running.txt"))
    assert status["fields"]["Namespace"] == "default"
    alloc = status["allocations"][0]
    assert alloc == {"id": "b7f2c9a1", "node_id": "0cf07b07", "task_group": "build", "version": 0, "desired": "run",
                     "status": "running", "created": "1m3s ago", "modified": "58s ago", "raw": alloc["raw"]}
    assert status["placement_failures"] == []


def test_job_status_0_5_alloc_header_with_eval_id_and_created_at():
    alloc = nomad.parse_job_status(sample("job_status_0.5.6_allocs.txt"))["allocations"][0]
    assert alloc["eval_id"] == "1c2d3e4f" and alloc["created_at"] == "01/05/18 00:43:07 UTC"


def test_job_status_0_7_stopped_kv():
    status = nomad.parse_job_status(sample("job_status_0.7_allocs_created_at.txt"))
    assert status["fields"]["Status"] == "dead (stopped)"
    assert status["fields"]["Submit Date"] == "01/05/18 00:43:05 UTC"
    assert status["allocations"][0]["created_at"] == "01/05/18 00:43:07 UTC"


def test_job_status_json_1_8():
    status = nomad.parse_job_status(sample("job_status_1.8.json"))
    assert status["fields"]["ID"] == "5e2f1a4c7d560d0001168313-0-build-acme-api-1209"
    kinds = [(r["kind"], r["subject"]) for r in status["placement_failures"][0]["reasons"]]
    assert ("resources_exhausted", None) in kinds and ("dimension_exhausted", "memory") in kinds
    assert ("class_exhausted", "linux-64bit") in kinds
    assert status["summary"][0]["queued"] == 1


def test_placement_eval_status_wording_and_truncation():
    text = sample("job_status_0.5.6_pending.txt").replace(
        'Task Group "build":', 'Task Group "build" (failed to place 1 allocation):').replace(
        "\nAllocations", "Placement failures truncated. To see remainder run:\nnomad eval-status 4d2f6b1e\n"
        "\nAllocations")
    status = nomad.parse_job_status(text)
    assert status["placement_failures"][0]["failed"] == 1
    assert status["placement_failures_truncated"] is True


def test_unknown_bullet_kept_as_unknown():
    reason = nomad.parse_reason('* Dimension "network: bandwidth exceeded" exhausted on 1 nodes')
    assert (reason["kind"], reason["subject"], reason["count"]) == (
        "dimension_exhausted", "network: bandwidth exceeded", 1)
    assert nomad.parse_reason("Something new happened")["kind"] == "unknown"


def test_other_sections_kept_raw():
    text = sample("job_status_0.11_running.txt").replace(
        "\nAllocations", "\nFuture Rescheduling Attempts\nTask Group  Reschedule Policy  Next Reschedule Attempt\n"
        "build       1 / 1h               <none>\n\nAllocations")
    status = nomad.parse_job_status(text)
    assert status["sections"]["Future Rescheduling Attempts"][0].startswith("Task Group")
    assert len(status["allocations"]) == 1


def test_job_status_errors():
    with pytest.raises(ParseError, match="No job"):
        nomad.parse_job_status('No job(s) with prefix or id "nope" found\n')
    with pytest.raises(ParseError, match="Summary header"):
        nomad.parse_job_status(sample("job_status_0.11_running.txt").replace("Queued", "Waiting"))
    with pytest.raises(ParseError, match="Allocations header"):
        nomad.parse_job_status(sample("job_status_0.11_running.txt").replace("Node ID", "Node Ident"))
    with pytest.raises(ParseError, match="bullet before"):
        nomad.parse_job_status(sample("job_status_0.5.6_pending.txt").replace('Task Group "build":\n', ""))
    with pytest.raises(ParseError):
        nomad.parse_job_status("")


# --------------------------------------------------------------------------- version and commands


@pytest.mark.parametrize("text,version", [
    ("Nomad v0.5.6\n", (0, 5, 6)),
    ("Nomad v0.9.3 (c5e8b66c3789e4e7f9a83b4e188e9a937eea43ce)\n", (0, 9, 3)),
    ("sudo: unable to resolve host x\nNomad v1.6.3\nBuildDate 2023-10-30T12:58:10Z\nRevision e0497bff\n", (1, 6, 3)),
    ("Nomad v0.11.3-rc1 (8918fc804e0c6758b6e1e2bbdd4e1c4f1cfad20d)", (0, 11, 3)),
])
def test_parse_version(text, version):
    assert nomad.parse_version(text) == version


def test_parse_version_garbage():
    with pytest.raises(ParseError, match="Nomad v"):
        nomad.parse_version("bash: nomad: command not found")


def test_commands_per_version():
    assert nomad.drain_disable_args("0.5.6", "n1") == ["node-drain", "-disable", "-yes", "n1"]
    assert nomad.drain_disable_args((0, 7, 1), "n1") == ["node-drain", "-disable", "-yes", "n1"]
    assert nomad.drain_disable_args((0, 8, 0), "n1") == ["node", "drain", "-disable", "-yes", "n1"]
    assert nomad.eligibility_enable_args("0.9.3", "n1") == ["node", "eligibility", "-enable", "n1"]
    assert nomad.eligibility_enable_args("0.5.6", "n1") is None
    assert nomad.node_status_args("0.5.6") == ["node-status", "-allocs", "-no-color"]
    assert nomad.node_status_args("0.3.2") == ["node-status", "-no-color"]
    assert nomad.node_status_args("1.6.3") == ["node", "status", "-allocs", "-no-color"]
    assert nomad.job_status_args("0.5.6", "j") == ["status", "-no-color", "j"]
    assert nomad.job_status_args("0.9.3", "j") == ["job", "status", "-no-color", "j"]
    for version in ("0.5.6", "0.9.3", "1.6.3"):
        assert "-force" not in nomad.drain_disable_args(version, "n")


def test_docker_ps_json_lines_and_inspect():
    text = "\n".join(json.dumps(d) for d in [
        {"Names": "dispatcher", "State": "exited", "Status": "Exited (137) 3 minutes ago", "Image": "x", "ID": "1"},
        {"Names": "nomad", "Status": "Up 2 hours", "Image": "n", "ID": "2"}])
    ps = nomad.parse_docker_ps(text)
    assert ps["dispatcher"]["state"] == "exited" and ps["nomad"]["state"] == "running"
    inspect = json.dumps([{"Id": "abc", "Name": "/picard-dispatcher", "State": {"Status": "running"},
                           "Config": {"Image": "p"}}])
    assert nomad.parse_docker_ps(inspect)["picard-dispatcher"]["state"] == "running"
    with pytest.raises(ParseError, match="not JSON"):
        nomad.parse_docker_ps("CONTAINER ID   IMAGE   COMMAND\n")


# --------------------------------------------------------------------------- analysis

HEALTHY_LOGS = {
    "dispatcher": [
        "2020-07-30 09:02:44.000 INFO circle.backend.build.run-queue dispatcher mode is on - no need for run-queue",
        "2020-07-30 09:02:54.000 INFO circle.backend.build.usage-queue 5f2281c4e4b0a1d7c3f0b900: acme/api/1208 -> "
        "forwarded to run-queue",
        "2020-07-30 09:02:54.000 INFO circle.backend.build.usage-queue publishing :usage-changed (:recur) event",
    ],
    "picard-dispatcher": [
        "2020-07-30 09:02:55.000 INFO picard-dispatcher.core taking build=acme/api/1208",
        "2020-07-30 09:02:56.000 INFO picard-dispatcher.core build=acme/api/1208 succcessfully fetched and parsed "
        ".circleci/config.yml",
        "2020-07-30 09:02:57.000 INFO picard-dispatcher.init Still running...",
    ],
    "picard-scheduler": ["2020-07-30 09:02:58.000 INFO picard-scheduler.nomad submitted job for build=acme/api/1208"],
    "picard-output-processor": ["2020-07-30 09:03:00.000 INFO picard-output-processor.core step output received"],
}
RUNNING = dict((c, "running") for c in nomad.DEFAULT_CONTAINERS)


def healthy_inputs():
    nodes = nomad.parse_nodes(sample("node_status_1.6_allocs.txt").replace("disconnected", "ready       "))
    jobs = nomad.parse_jobs(sample("jobs_0.9.3.txt").replace("pending", "dead   "))
    return nodes, jobs


def test_analyse_healthy_has_no_warning():
    nodes, jobs = healthy_inputs()
    findings = nomad.analyse(nodes, jobs, {}, RUNNING, HEALTHY_LOGS)
    assert [f for f in findings if f["severity"] in ("warning", "critical")] == []


def test_analyse_findings_follow_schema():
    nodes = nomad.parse_nodes(sample("node_status_0.9_guide_sudo.txt"))
    jobs = nomad.parse_jobs(sample("jobs_0.9.3.txt"))
    statuses = {"5e2f1a4c7d560d0001168313-0-build-acme-api-1209":
                nomad.parse_job_status(sample("job_status_0.9.3_pending_dc.txt"))}
    findings = nomad.analyse(nodes, jobs, statuses, RUNNING, HEALTHY_LOGS)
    for item in findings:
        assert validate(item) == []
    assert ids(findings) == ["builder_not_ready", "datacenter_mismatch", "jobs_pending"]
    dc = [f for f in findings if f["id"] == "datacenter_mismatch"][0]
    assert any("us-east-1" in e for e in dc["evidence"])
    pending = [f for f in findings if f["id"] == "jobs_pending"][0]
    assert any('No nodes are available in datacenter "default"' in e for e in pending["evidence"])
    assert pending["data"]["jobs"][0]["kinds"] == ["datacenter_unavailable", "no_nodes_eligible"]


def test_analyse_no_builders():
    findings = nomad.analyse([], [], {}, RUNNING, HEALTHY_LOGS)
    assert ids(findings) == ["no_builders"]
    assert findings[0]["severity"] == "critical"


def test_analyse_draining_and_ineligible_with_fix_hints():
    nodes = nomad.parse_nodes(sample("node_status_0.11_verbose_allocs.txt"))
    findings = nomad.analyse(nodes, [], {}, None, None, nomad_version="0.11.3")
    assert ids(findings) == ["builder_draining", "builder_ineligible"]
    drain = [f for f in findings if f["id"] == "builder_draining"][0]
    assert drain["fixable"] and "node drain -disable -yes" in drain["remedy"] and "-force" not in drain["remedy"]
    assert drain["data"]["nodes"] == ["0cf07b07-4c1d-8e2f-a1b3-9d8c7e6f5a4b"]
    inelig = [f for f in findings if f["id"] == "builder_ineligible"][0]
    assert "eligibility -enable" in inelig["remedy"]
    assert inelig["data"]["names"] == ["i-0d3e2f1a0b9c8d7e6"]


def test_analyse_old_drain_remedy_mentions_node_drain():
    nodes = nomad.parse_nodes(sample("node_status_0.5.6_allocs.txt"))
    drain = [f for f in nomad.analyse(nodes, None, nomad_version="0.5.6", expected_datacenter="us-east-1")
             if f["id"] == "builder_draining"][0]
    assert "node-drain -disable -yes" in drain["remedy"]


def test_analyse_capacity_exhausted_from_running_allocs_and_reasons():
    nodes = nomad.parse_nodes(sample("node_status_0.5.6_allocs.txt").replace("true ", "false"))
    jobs = nomad.parse_jobs(sample("jobs_0.5.6.txt"))
    job_id = "5a4ea0cafa4f8c0001b6401c-0-build-GERey-realitycheck-3"
    statuses = {job_id: nomad.parse_job_status(sample("job_status_0.5.6_pending.txt"))}
    findings = nomad.analyse(nodes, jobs, statuses, RUNNING, HEALTHY_LOGS, expected_datacenter="us-east-1")
    assert ids(findings) == ["capacity_exhausted", "jobs_pending"]
    cap = [f for f in findings if f["id"] == "capacity_exhausted"][0]
    assert any(e.startswith("ec2727c5") for e in cap["evidence"])
    assert any("Dimension \"memory exhausted\"" in e for e in cap["evidence"])


def test_analyse_no_capacity_finding_when_a_builder_is_idle():
    nodes = nomad.parse_nodes(sample("node_status_1.6_allocs.txt").replace("disconnected", "ready       "))
    jobs = nomad.parse_jobs(sample("jobs_0.9.3.txt"))
    findings = nomad.analyse(nodes, jobs, {}, RUNNING, HEALTHY_LOGS)
    assert ids(findings) == ["jobs_pending"]


def test_analyse_dispatcher_down_and_missing():
    states = dict(RUNNING, dispatcher={"state": "exited", "status": "Exited (137) 3 minutes ago"})
    states["picard-scheduler"] = None
    findings = nomad.analyse(None, None, {}, states, HEALTHY_LOGS)
    assert ids(findings) == ["dispatcher_down"]
    assert findings[0]["data"]["containers"] == ["dispatcher", "picard-scheduler"]
    assert "docker start dispatcher picard-scheduler" in findings[0]["remedy"]


def test_analyse_dispatcher_errors_and_stack_trace():
    logs = dict(HEALTHY_LOGS)
    logs["picard-dispatcher"] = HEALTHY_LOGS["picard-dispatcher"] + [
        "2020-07-30 09:03:01.000 ERROR picard-dispatcher.core failed to process build",
        "java.lang.NullPointerException: null",
        "\tat clojure.lang.RT.seqFrom(RT.java:542)",
    ]
    findings = nomad.analyse(None, None, {}, RUNNING, logs)
    assert ids(findings) == ["dispatcher_errors"]
    assert len(findings[0]["evidence"]) == 3


def test_analyse_lost_builds():
    logs = dict(HEALTHY_LOGS)
    logs["dispatcher"] = HEALTHY_LOGS["dispatcher"] + [
        "2020-07-30 09:03:10.000 INFO circle.backend.build.usage-queue 5f2281c4e4b0a1d7c3f0b901: acme/web/78 -> "
        "forwarded to run-queue"]
    findings = nomad.analyse(None, None, {}, RUNNING, logs)
    assert ids(findings) == ["builds_lost_between_dispatchers"]
    assert findings[0]["data"]["builds"] == ["acme/web/78"]
    assert findings[0]["fixable"] is True


def test_analyse_output_processor_errors():
    logs = dict(HEALTHY_LOGS)
    logs["picard-output-processor"] = ["2020-07-30 09:03:00.000 ERROR output-processor could not write step output"]
    findings = nomad.analyse(None, None, {}, RUNNING, logs)
    assert ids(findings) == ["output_processor_errors"]


def test_analyse_datacenter_mismatch_critical_when_no_builder_in_expected_dc():
    nodes = nomad.parse_nodes(sample("node_status_0.5.6_allocs.txt"))
    findings = nomad.analyse(nodes, [], {}, None, None, expected_datacenter="default")
    mismatch = [f for f in findings if f["id"] == "datacenter_mismatch"][0]
    assert mismatch["severity"] == "critical"
    assert mismatch["data"]["datacenters"] == ["us-east-1"]


# --------------------------------------------------------------------------- robustness (hypothesis)

_PARSERS = (nomad.parse_nodes, nomad.parse_jobs, nomad.parse_job_status, nomad.parse_version,
            nomad.parse_docker_ps)
_PIECES = st.sampled_from([
    "ID", "  ", " ", "DC", "Name", "Drain", "Status", "Running Allocs", "Task Group", "Queued", "= ", " = ",
    "\n", "\r\n", "<none>", "true", "false", "ready", "pending", "dead (stopped)", "*", '"build"', ":",
    "Placement Failure", "Summary", "Allocations", "No allocations placed", "\x1b[1m", "\x1b[0m", "==> hint",
    "[", "]", "{", "}", "1", "-3", "Nomad v", "0.9.3", "Type", "Priority", "Node Pool", "Eligibility",
])


@settings(max_examples=300, deadline=None)
@given(st.text())
def test_parsers_raise_only_parse_error_on_random_text(text):
    for parser in _PARSERS:
        try:
            parser(text)
        except ParseError:
            pass


@settings(max_examples=400, deadline=None)
@given(st.lists(_PIECES, max_size=40).map("".join))
def test_parsers_raise_only_parse_error_on_structured_garbage(text):
    for parser in _PARSERS:
        try:
            parser(text)
        except ParseError:
            pass


@settings(max_examples=200, deadline=None)
@given(st.recursive(st.none() | st.booleans() | st.integers() | st.text(max_size=5),
                    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(
                        st.sampled_from(["ID", "Drain", "Status", "Summary", "Priority", "Names", "FailedTGAllocs",
                                         "Evaluations", "Allocations", "NodesAvailable", "Datacenter", "Stop"]),
                        inner, max_size=5), max_leaves=15))
def test_parsers_raise_only_parse_error_on_random_json(data):
    text = json.dumps(data)
    for parser in _PARSERS:
        try:
            parser(text)
        except ParseError:
            pass


@settings(max_examples=200, deadline=None)
@given(st.sampled_from(sorted(os.listdir(SAMPLES))), st.integers(min_value=0, max_value=2000),
       st.integers(min_value=0, max_value=40), st.text(max_size=6))
def test_mutated_samples_raise_only_parse_error(name, pos, cut, insert):
    text = sample(name)
    pos = pos % (len(text) + 1)
    text = text[:pos] + insert + text[pos + cut:]
    for parser in _PARSERS:
        try:
            parser(text)
        except ParseError:
            pass
