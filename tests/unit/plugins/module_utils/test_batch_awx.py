# -*- coding: utf-8 -*-
# Copyright: (c) 2026, sre.remediation contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""batch_awx: crontab of remoteexe lines -> AWX job templates + schedules, per-line errors, validation."""

from __future__ import annotations

import os

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from ansible_collections.sre.remediation.plugins.filter.batch_awx_plan import batch_awx_plan, check_rrule
from ansible_collections.sre.remediation.plugins.module_utils import batch_awx
from ansible_collections.sre.remediation.plugins.module_utils.findings import ParseError, validate

CRONTAB = os.path.join(os.path.dirname(__file__), "..", "..", "..", "samples", "remoteexe", "crontab")
OPTS = {"project": "sre", "inventory": "prod"}


def sample():
    with open(CRONTAB, encoding="utf-8") as handle:
        return handle.read()


def test_sample_crontab_plan():
    plan = batch_awx_plan(sample(), tz="Asia/Tokyo", dtstart="2019-06-25", options=OPTS)
    assert plan["validation"]["ok"], plan["validation"]
    assert [j["name"] for j in plan["job_templates"]] == [
        "host_sum_batch01-sum", "host_sum_batch02-sum", "host_rotate_batch01-rotate", "host_sync_batch01-sync_master",
        "host_sum_batch01-report"]
    first = plan["schedules"][0]
    assert first["rrule"] == "DTSTART;TZID=Asia/Tokyo:20190625T000000 RRULE:FREQ=MINUTELY;INTERVAL=5"
    assert first["unified_job_template"] == "host_sum_batch01-sum" and first["lineno"] == 4
    rotate = plan["job_templates"][2]
    assert rotate["argv"] == ["/opt/batch/bin/rotate.sh", "--keep", "7"]
    assert rotate["extra_vars"] == {"batch_hosts": "host_rotate_batch01", "batch_job_name": "host_rotate_batch01-rotate"}
    assert rotate["limit"] == "host_rotate_batch01" and rotate["extra_vars"]["batch_hosts"] == "host_rotate_batch01"
    assert rotate["survey_spec"]["spec"][0]["default"] == "/opt/batch/bin/rotate.sh\n--keep\n7"
    assert not rotate["allow_simultaneous"]
    errors = {e["lineno"]: e["error"] for e in plan["errors"]}
    assert sorted(errors) == [10, 11, 12, 13]
    assert "EITHER" in errors[10] and "@reboot" in errors[11] and "usage error" in errors[12] and "'|'" in errors[13]
    assert [f["id"] for f in plan["findings"]] == ["crontab_line_unsupported"] * 4
    for f in plan["findings"]:
        validate(f)


@pytest.mark.parametrize("line, message", [
    ("* * * * *", "no command"),
    ("* * * * * remoteexe", "exactly 2 arguments"),
    ("* * * * * remoteexe h 'a' b", "exactly 2 arguments"),
    ("* * * * * remoteexe h ''", "needs a host and a script"),
    ("* * * * * remoteexe h \"/a.sh ''\"", "empty argument"),
    ("* * * * * remoteexe h 'a \"b'", "cannot split the script"),
    ("* * * * * remoteexe h \"a\" && echo x", "shell operator"),
    ("* * * * * remoteexe h \"a\" >", "redirection without a target"),
    ("* * * * * remoteexe h \"date +%s\"", "unescaped %"),
    ("* * * * * /bin/echo hi", "not a remoteexe command"),
    ("61 * * * * remoteexe h /a.sh", "out of range"),
    ("* * * remoteexe h /a.sh", "cron month field: unsupported syntax 'remoteexe'"),
])
def test_unsupported_lines_are_per_line_errors(line, message):
    plan = batch_awx.plan("# head\n" + line + "\n", options=OPTS)
    assert plan["job_templates"] == [] and plan["schedules"] == []
    assert plan["errors"][0]["lineno"] == 2 and message in plan["errors"][0]["error"], plan["errors"]


def test_env_lines_redirections_system_crontab_and_host_map():
    text = ("CRON_TZ=Asia/Tokyo\n"
            "0 3 * * * root /usr/bin/remoteexe old1 '/a.sh x' > /dev/null 2>&1\n"
            "TZ=UTC\n"
            "@hourly root remoteexe old1 '/a.sh x' 2>/dev/null\n"
            "0 4 * * * root remoteexe old1 '/a.sh y'\n")
    plan = batch_awx.plan(text, tz="Europe/Berlin", dtstart="2020-01-01",
                          options=dict(OPTS, system=True, host_map={"old1": "batch1"}, prefix="legacy-"))
    assert plan["errors"] == []
    assert [s["timezone"] for s in plan["schedules"]] == ["Asia/Tokyo", "UTC", "UTC"]
    names = [j["name"] for j in plan["job_templates"]]
    assert names == ["legacy-batch1-a", "legacy-batch1-a-l5"]  # same name, other argv: made unique
    assert [s["unified_job_template"] for s in plan["schedules"]] == ["legacy-batch1-a", "legacy-batch1-a",
                                                                      "legacy-batch1-a-l5"]
    assert batch_awx.validate(plan, check_rrule) == []


def test_validate_finds_missing_fields_and_bad_rules():
    plan = batch_awx.plan("*/5 * * * * remoteexe h /a.sh\n", options={})
    problems = batch_awx.validate(plan, check_rrule)
    assert "job template 'h-a': project is required" in problems
    assert "job template 'h-a': inventory is required" in problems
    plan = batch_awx.plan("*/5 * * * * remoteexe h /a.sh\n", options=OPTS)
    plan["schedules"][0]["rrule"] = "DTSTART:20190625T000000 RRULE:FREQ=SOMETIMES"
    plan["schedules"].append(dict(plan["schedules"][0], unified_job_template="ghost"))
    problems = batch_awx.validate(plan, check_rrule)
    assert any("does not parse" in p for p in problems)
    assert any("duplicate name" in p for p in problems)
    assert any("'ghost' is not in the plan" in p for p in problems)
    plan["job_templates"][0]["survey_spec"]["spec"][0]["default"] = "/other.sh"
    assert any("is not the argv" in p for p in batch_awx.validate(plan))
    plan["job_templates"][0]["extra_vars"]["batch_job_argv"] = ["/a.sh"]
    assert any("leave batch_job_argv to the survey" in p for p in batch_awx.validate(plan))
    plan["job_templates"][0]["survey_spec"]["spec"].pop()
    assert any("survey must ask" in p for p in batch_awx.validate(plan))
    assert batch_awx.validate("x") == ["plan must be a dict"]


def test_non_text_is_a_parse_error():
    with pytest.raises(ParseError):
        batch_awx.plan(42)
    assert batch_awx.plan(b"@daily remoteexe h /a.sh\n", options=OPTS)["schedules"][0]["cron"] == "@daily"


@settings(max_examples=300, deadline=None)
@given(st.text(alphabet=st.sampled_from(list("*/-,0123456789 @abcdefhlmnorstuwy'\"|>&%=#\n\\")), max_size=120))
def test_any_text_gives_a_plan_never_an_exception(text):
    plan = batch_awx.plan(text, options=OPTS)
    assert isinstance(plan["errors"], list)
    batch_awx.validate(plan, check_rrule)


def test_existing_schedule_keeps_its_start_date_only_when_nothing_else_differs():
    line = "*/5 * * * * remoteexe h /a.sh\n"
    first = batch_awx.plan(line, tz="Asia/Tokyo", dtstart="2019-06-25", options=OPTS)["schedules"][0]
    assert first["rrule"] == "DTSTART;TZID=Asia/Tokyo:20190625T000000 RRULE:FREQ=MINUTELY;INTERVAL=5"
    existing = [{"name": first["name"], "rrule": first["rrule"]}]
    later = batch_awx.plan(line, tz="Asia/Tokyo", dtstart="2026-11-22", options=dict(OPTS, existing_schedules=existing))
    assert later["schedules"][0]["rrule"] == first["rrule"]  # re-applying on another day changes nothing
    other_zone = batch_awx.plan(line, tz="UTC", dtstart="2026-11-22", options=dict(OPTS, existing_schedules=existing))
    assert other_zone["schedules"][0]["rrule"] == "DTSTART;TZID=UTC:20261122T000000 RRULE:FREQ=MINUTELY;INTERVAL=5"
    other_time = [{"name": first["name"], "rrule": first["rrule"].replace("T000000", "T000300")}]
    shifted = batch_awx.plan(line, tz="Asia/Tokyo", dtstart="2026-11-22",
                             options=dict(OPTS, existing_schedules=other_time))
    assert shifted["schedules"][0]["rrule"].startswith("DTSTART;TZID=Asia/Tokyo:20261122T000000 ")  # phase matters


def test_stale_schedules_are_only_those_of_planned_templates():
    line = "*/10 * * * * remoteexe h /a.sh\n"
    existing = [
        {"name": "h-a @ */5 * * * *", "rrule": "x", "summary_fields": {"unified_job_template": {"name": "h-a"}}},
        {"name": "h-a @ */10 * * * *", "rrule": "x", "summary_fields": {"unified_job_template": {"name": "h-a"}}},
        {"name": "someone else's", "rrule": "x", "summary_fields": {"unified_job_template": {"name": "other"}}},
        {"name": "broken", "rrule": None},
    ]
    plan = batch_awx_plan(line, dtstart="2026-11-22", options=dict(OPTS, existing_schedules=existing))
    assert plan["job_templates"][0]["name"] == "h-a"
    assert plan["stale_schedules"] == [{"name": "h-a @ */5 * * * *", "unified_job_template": "h-a"}]
    found = [f for f in plan["findings"] if f["id"] == "awx_schedule_stale"]
    assert len(found) == 1 and found[0]["fixable"] and validate(found[0]) == []
