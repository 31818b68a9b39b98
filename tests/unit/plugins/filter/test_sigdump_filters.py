# -*- coding: utf-8 -*-
# Copyright: (c) 2026, sre.remediation contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import annotations

import os

import pytest
from ansible.errors import AnsibleFilterError

from ansible_collections.sre.remediation.plugins.filter import parse_sigdump as parse_mod
from ansible_collections.sre.remediation.plugins.filter import sigdump_findings as findings_mod

SAMPLES = os.path.join(os.path.dirname(__file__), "..", "..", "..", "samples", "sigdump")


def load(name):
    with open(os.path.join(SAMPLES, name)) as fh:
        return fh.read()


def test_filters_are_registered_under_their_file_names():
    assert set(parse_mod.FilterModule().filters()) == {"parse_sigdump"}
    assert set(findings_mod.FilterModule().filters()) == {"sigdump_findings"}


def test_parse_then_findings_pipeline():
    parse = parse_mod.FilterModule().filters()["parse_sigdump"]
    find = findings_mod.FilterModule().filters()["sigdump_findings"]
    dumps = parse(load("ruby32_fluentd116_two_dumps.log"), source="sigdump-2351.log")
    assert len(dumps) == 2 and dumps[0]["source"] == "sigdump-2351.log"
    got = find(dumps)
    assert [f["id"] for f in got] == ["blocked_network_io", "confirmed_stuck"]
    assert find(dumps, pid=1) == []


def test_single_dump_dict_is_accepted():
    dumps = parse_mod.parse_sigdump(load("ruby21_td_agent2_mackerel.log"))
    got = findings_mod.sigdump_findings(dumps[0])
    assert got[0]["data"]["gem"] == "mackerel-client"


def test_healthy_idle_dumps_give_no_findings():
    dumps = parse_mod.parse_sigdump(load("ruby32_fluentd116_worker_idle_two_dumps.log"))
    assert findings_mod.sigdump_findings(dumps) == []


@pytest.mark.parametrize("value", ["", "just a log line\n", "Sigdump at nowhere\nx\n"])
def test_parse_errors_become_filter_errors(value):
    with pytest.raises(AnsibleFilterError) as err:
        parse_mod.parse_sigdump(value, source="f.log")
    assert "f.log" in str(err.value)


def test_wrong_types_become_filter_errors():
    with pytest.raises(AnsibleFilterError):
        parse_mod.parse_sigdump(None)
    with pytest.raises(AnsibleFilterError):
        findings_mod.sigdump_findings("text")
    with pytest.raises(AnsibleFilterError):
        findings_mod.sigdump_findings([1, 2])
