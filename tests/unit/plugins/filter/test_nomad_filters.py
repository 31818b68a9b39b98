# -*- coding: utf-8 -*-
# Copyright: (c) 2026, sre.remediation contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""The nomad_nodes / nomad_jobs / nomad_job_status filters (thin wrappers of module_utils.nomad)."""

from __future__ import annotations

import json
import os

import pytest
from ansible.errors import AnsibleFilterError

from ansible_collections.sre.remediation.plugins.filter import nomad_job_status as fjs
from ansible_collections.sre.remediation.plugins.filter import nomad_jobs as fj
from ansible_collections.sre.remediation.plugins.filter import nomad_nodes as fn

SAMPLES = os.path.join(os.path.dirname(__file__), "..", "..", "..", "samples", "nomad")


def sample(name):
    with open(os.path.join(SAMPLES, name), newline="") as handle:
        return handle.read()


@pytest.mark.parametrize("mod,name", [(fn, "nomad_nodes"), (fj, "nomad_jobs"), (fjs, "nomad_job_status")])
def test_filters_registered(mod, name):
    assert mod.FilterModule().filters()[name] is getattr(mod, name)


def test_nomad_nodes_filter():
    nodes = fn.nomad_nodes(sample("node_status_0.9_guide_sudo.txt"))
    assert [(n["name"], n["datacenter"], n["status"]) for n in nodes] == [
        ("i-070fdad5f0edef4c8", "default", "ready"), ("i-0895ee505ec7e692c", "us-east-1", "down")]


def test_nomad_nodes_filter_accepts_parsed_json():
    nodes = fn.nomad_nodes(json.loads(sample("node_status_0.5.6.json")))
    assert [n["drain"] for n in nodes] == [False, True]


def test_nomad_jobs_filter():
    jobs = fj.nomad_jobs(sample("jobs_0.7.txt"))
    assert [(j["status"], j["stopped"]) for j in jobs] == [("dead", True), ("pending", False)]


def test_nomad_job_status_filter():
    status = fjs.nomad_job_status(sample("job_status_0.9.3_pending_filtered.txt"))
    assert status["placement_failures"][0]["reasons"][1]["kind"] == "constraint_filtered"


def test_filters_turn_parse_error_into_filter_error():
    with pytest.raises(AnsibleFilterError, match="nomad_nodes: .*unknown column 'Colour'"):
        fn.nomad_nodes("ID        DC       Name  Colour  Status\n0cf07b07  default  b1    red     ready\n")
    with pytest.raises(AnsibleFilterError, match="nomad_jobs: .*header"):
        fj.nomad_jobs("garbage line one\n")
    with pytest.raises(AnsibleFilterError, match="nomad_job_status: .*No job"):
        fjs.nomad_job_status('No job(s) with prefix or id "x" found')


def test_filters_reject_wrong_types():
    for func in (fn.nomad_nodes, fj.nomad_jobs, fjs.nomad_job_status):
        with pytest.raises(AnsibleFilterError, match="expected the command output"):
            func(42)
