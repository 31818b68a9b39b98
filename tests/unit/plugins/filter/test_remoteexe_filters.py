# -*- coding: utf-8 -*-
# Copyright: (c) 2026, sre.remediation contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Filters remoteexe_runs, remoteexe_summary and cron_to_rrule."""

from __future__ import annotations

import os

import pytest
from ansible.errors import AnsibleFilterError

from ansible_collections.sre.remediation.plugins.filter import cron_to_rrule as cron_filter
from ansible_collections.sre.remediation.plugins.filter import remoteexe_runs as runs_filter
from ansible_collections.sre.remediation.plugins.filter import remoteexe_summary as summary_filter

SAMPLE = os.path.join(os.path.dirname(__file__), "..", "..", "..", "samples", "remoteexe", "20190625_remoteexe.log")


def sample():
    with open(SAMPLE) as handle:
        return handle.read()


def test_filter_modules_expose_their_filter():
    assert runs_filter.FilterModule().filters() == {"remoteexe_runs": runs_filter.remoteexe_runs}
    assert summary_filter.FilterModule().filters() == {"remoteexe_summary": summary_filter.remoteexe_summary}
    assert cron_filter.FilterModule().filters() == {"cron_to_rrule": cron_filter.cron_to_rrule}


def test_runs_and_summary_chain():
    runs = runs_filter.remoteexe_runs(sample())
    assert len(runs) == 12
    assert [r["status"] for r in runs].count("ssh_error") == 3
    summary = summary_filter.remoteexe_summary(runs)
    assert summary["total"] == 12 and summary["by_status"]["unfinished"] == 2
    fast = summary_filter.remoteexe_summary(sample())
    assert fast["by_key"] == summary["by_key"]
    assert runs_filter.remoteexe_runs(sample(), date="2019-06-25", keep_output=False)[1]["output"] == []


@pytest.mark.parametrize("bad", ["not a log\n", 42])
def test_runs_filter_errors(bad):
    with pytest.raises(AnsibleFilterError, match="remoteexe log"):
        runs_filter.remoteexe_runs(bad)


@pytest.mark.parametrize("bad", ["not a log\n", 42, {"a": 1}, [1, 2]])
def test_summary_filter_errors(bad):
    with pytest.raises(AnsibleFilterError):
        summary_filter.remoteexe_summary(bad)


def test_cron_to_rrule_filter():
    assert cron_filter.cron_to_rrule("*/5 * * * *", tz="Asia/Tokyo", dtstart="2019-06-25") == \
        "DTSTART;TZID=Asia/Tokyo:20190625T000000 RRULE:FREQ=MINUTELY;INTERVAL=5"
    assert cron_filter.cron_to_rrule("@daily", dtstart="20190625") == \
        "DTSTART;TZID=UTC:20190625T000000 RRULE:FREQ=DAILY;INTERVAL=1;BYHOUR=0;BYMINUTE=0"


@pytest.mark.parametrize("expr", ["0 0 1 * mon", "@reboot", "0 0 L * *", "* * *", 5])
def test_cron_to_rrule_filter_errors(expr):
    with pytest.raises(AnsibleFilterError):
        cron_filter.cron_to_rrule(expr, tz="UTC", dtstart="2019-06-25")
