# -*- coding: utf-8 -*-
# Copyright: (c) 2026, sre.remediation contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""cron -> RRULE: exact equivalence against croniter over 60 days, in several time zones."""

from __future__ import annotations

import datetime
from zoneinfo import ZoneInfo

import pytest
from croniter import croniter
from dateutil.rrule import rrulestr
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from ansible_collections.sre.remediation.plugins.module_utils.cron_rrule import cron_to_rrule, parse_cron
from ansible_collections.sre.remediation.plugins.module_utils.findings import ParseError

DAYS = 60
START = datetime.date(2019, 6, 25)


def fire_times(expr, tz, day=START, days=DAYS, limit=None):
    """(RRULE occurrences, croniter occurrences) in [day 00:00, day + days) in zone tz.

    ``limit``: compare only the first ``limit`` fire times (keeps dense generated expressions fast;
    both lists are cut at the same count, so a missing or extra time is still caught)."""
    rule = rrulestr(cron_to_rrule(expr, tz, day))
    zone = ZoneInfo(tz)
    begin = datetime.datetime.combine(day, datetime.time(0), zone)
    end = begin + datetime.timedelta(days=days)
    ours = []
    for fire in rule:  # DTSTART is day 00:00, so iterating the rule starts at the window
        if fire >= end or (limit is not None and len(ours) >= limit):
            break
        ours.append(fire)
    it = croniter(expr, begin - datetime.timedelta(seconds=1))
    cron = []
    while limit is None or len(cron) < limit:
        nxt = it.get_next(datetime.datetime)
        if nxt >= end:
            break
        cron.append(nxt)
    return ours, cron


def test_brief_example():
    assert cron_to_rrule("*/5 * * * *", "Asia/Tokyo", "2019-06-25") == \
        "DTSTART;TZID=Asia/Tokyo:20190625T000000 RRULE:FREQ=MINUTELY;INTERVAL=5"


@pytest.mark.parametrize("expr,rule", [
    ("* * * * *", "FREQ=MINUTELY;INTERVAL=1"),
    ("*/15 * * * *", "FREQ=MINUTELY;INTERVAL=15"),
    ("0-59/20 * * * *", "FREQ=MINUTELY;INTERVAL=20"),
    ("*/7 * * * *", "FREQ=HOURLY;INTERVAL=1;BYMINUTE=0,7,14,21,28,35,42,49,56"),
    ("*/5 9-17 * * *", "FREQ=DAILY;INTERVAL=1;BYHOUR=9,10,11,12,13,14,15,16,17;"
                       "BYMINUTE=0,5,10,15,20,25,30,35,40,45,50,55"),
    ("@hourly", "FREQ=HOURLY;INTERVAL=1;BYMINUTE=0"),
    ("@daily", "FREQ=DAILY;INTERVAL=1;BYHOUR=0;BYMINUTE=0"),
    ("@midnight", "FREQ=DAILY;INTERVAL=1;BYHOUR=0;BYMINUTE=0"),
    ("@weekly", "FREQ=DAILY;INTERVAL=1;BYDAY=SU;BYHOUR=0;BYMINUTE=0"),
    ("@monthly", "FREQ=DAILY;INTERVAL=1;BYMONTHDAY=1;BYHOUR=0;BYMINUTE=0"),
    ("@yearly", "FREQ=DAILY;INTERVAL=1;BYMONTH=1;BYMONTHDAY=1;BYHOUR=0;BYMINUTE=0"),
    ("30 2 * JAN-Mar,dec Mon-fri", "FREQ=DAILY;INTERVAL=1;BYMONTH=1,2,3,12;BYDAY=MO,TU,WE,TH,FR;BYHOUR=2;BYMINUTE=30"),
    ("0 0 * * 7", "FREQ=DAILY;INTERVAL=1;BYDAY=SU;BYHOUR=0;BYMINUTE=0"),
    ("0 0 * * 5-7", "FREQ=DAILY;INTERVAL=1;BYDAY=SU,FR,SA;BYHOUR=0;BYMINUTE=0"),
])
def test_rule_shapes(expr, rule):
    assert cron_to_rrule(expr, "UTC", "2019-06-25") == "DTSTART;TZID=UTC:20190625T000000 RRULE:" + rule


HAND = [
    "* * * * *", "*/5 * * * *", "*/7 * * * *", "*/45 * * * *", "0 * * * *", "13 */3 * * *", "0,30 9-17 * * *",
    "5 4 * * sun", "15,45 9-17 * * mon-fri", "0 22 * * 1-5", "0 0 1 * *", "0 12 1,15 * *", "0 0 31 * *",
    "10 3 29 2 *", "0 0 * 2 *", "*/10 8-20/4 * jul,aug *", "59 23 * * 6,0", "1-59/2 0 * * *", "0 0 */2 * *",
    "0 6 * * */2", "@hourly", "@daily", "@weekly", "@monthly", "@yearly", "0 0 1 1 *", "30 1 8-14 * *",
    "0 0-23/6 * * 3", "25 * * 7-8 *", "0 9 1-7 * *",
]


@pytest.mark.parametrize("tz", ["UTC", "Asia/Tokyo"])
@pytest.mark.parametrize("expr", HAND)
def test_hand_list_exact(expr, tz):
    ours, cron = fire_times(expr, tz)
    assert ours == cron
    assert ours or expr in ("10 3 29 2 *", "0 0 * 2 *", "0 0 1 1 *", "@yearly")  # not within these 60 days


@pytest.mark.parametrize("expr", ["10 3 29 2 *", "0 0 * 2 *", "@yearly"])
def test_rare_expressions_exact_over_a_leap_year(expr):
    ours, cron = fire_times(expr, "Asia/Tokyo", datetime.date(2019, 12, 1), days=500)
    assert ours == cron and ours


def _field(low, high):
    # ranges a-b with a < b only: croniter 7.0.0 expands "a-a" to "*" (vixie cron: just a), see test_single_range
    atom = st.integers(low, high)
    rng = st.tuples(st.integers(low, high - 1), st.integers(1, high - low)).map(
        lambda t: (t[0], min(high, t[0] + t[1])))
    part = st.one_of(
        atom.map(str),
        rng.map(lambda r: "%d-%d" % tuple(r)),
        st.tuples(rng, st.integers(1, high - low + 1)).map(lambda t: "%d-%d/%d" % (t[0][0], t[0][1], t[1])),
        st.integers(1, high - low + 1).map(lambda n: "*/%d" % n),
    )
    return st.one_of(st.just("*"), st.lists(part, min_size=1, max_size=3).map(",".join))


@st.composite
def cron_exprs(draw):
    minute = draw(_field(0, 59))
    hour = draw(_field(0, 23))
    dom = draw(_field(1, 31))
    month = draw(_field(1, 12))
    dow = draw(_field(0, 6))
    if dom != "*" and dow != "*":  # the OR case is rejected (tested separately)
        if draw(st.booleans()):
            dom = "*"
        else:
            dow = "*"
    return " ".join((minute, hour, dom, month, dow))


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow, HealthCheck.filter_too_much])
@given(cron_exprs(), st.sampled_from(["UTC", "Asia/Tokyo"]),
       st.dates(datetime.date(2018, 1, 1), datetime.date(2030, 12, 31)))
def test_generated_expressions_exact(expr, tz, day):
    try:
        rule = cron_to_rrule(expr, tz, day)
    except ParseError as exc:
        assert "never fires" in str(exc)
        return
    assert rule.startswith("DTSTART;TZID=%s:%s" % (tz, day.strftime("%Y%m%d")))
    ours, cron = fire_times(expr, tz, day, limit=3000)
    assert ours == cron


def test_single_range():
    """vixie cron reads 5-5 as 5 (croniter 7.0.0 reads it as *, hence not in the generated expressions)."""
    assert cron_to_rrule("5-5 3-3 * * 2-2", "UTC", "2019-06-25").endswith("BYDAY=TU;BYHOUR=3;BYMINUTE=5")


def test_dst_zone_same_wall_clock_and_identical_outside_transitions():
    """Europe/Berlin: documented behaviour - identical instants except on the two transition nights,
    where the rule keeps naming the wall-clock times cron's fields describe."""
    tz = "Europe/Berlin"
    zone = ZoneInfo(tz)
    transitions = {datetime.date(2019, 3, 31), datetime.date(2019, 10, 27)}
    for day in (datetime.date(2019, 3, 1), datetime.date(2019, 10, 1)):
        for expr in ("30 2 * * *", "*/20 * * * *", "0 1-3 * * *", "15 */2 * * *", "0 3 * * sun"):
            ours, cron = fire_times(expr, tz, day)

            def outside(times):
                return [t for t in times if not (t.date() in transitions and 1 <= t.hour <= 3)]
            assert outside(ours) == outside(cron)
            fields = parse_cron(expr)
            for t in ours:
                if t.date() in transitions and 1 <= t.hour <= 3:
                    assert t.hour in fields["hour"] and t.minute in fields["minute"]
                    assert t.tzinfo is not None
            # every matching wall-clock time of the transition nights is named exactly once
            for date in transitions:
                if not day <= date < day + datetime.timedelta(days=DAYS):
                    continue
                want = sorted(datetime.datetime(date.year, date.month, date.day, h, m)
                              for h in fields["hour"] if 1 <= h <= 3 for m in fields["minute"]
                              if date.weekday() in [(d - 1) % 7 for d in fields["dow"]])
                got = sorted(t.replace(tzinfo=None) for t in ours if t.date() == date and 1 <= t.hour <= 3)
                assert got == want
    # and the rule itself carries the zone, as AWX expects
    assert cron_to_rrule("0 3 * * *", tz, "2019-03-01").startswith("DTSTART;TZID=Europe/Berlin:20190301T000000 ")
    assert zone.utcoffset(datetime.datetime(2019, 7, 1)) == datetime.timedelta(hours=2)


@pytest.mark.parametrize("expr,message", [
    ("0 0 1 * mon", "EITHER"),
    ("0 0 1-7 * 1", "EITHER"),
    ("0 0 */2 * 1", "EITHER"),
    ("@reboot", "@reboot"),
    ("@every5m", "unknown cron macro"),
    ("* * * *", "5 fields"),
    ("* * * * * *", "5 fields"),
    ("60 * * * *", "out of range"),
    ("* 24 * * *", "out of range"),
    ("* * 0 * *", "out of range"),
    ("* * * 13 *", "out of range"),
    ("* * * * 8", "out of range"),
    ("5-1 * * * *", "reversed range"),
    ("*/0 * * * *", "bad step"),
    ("5/10 * * * *", "a step needs"),
    ("0 0 L * *", "unsupported syntax"),
    ("0 0 15W * *", "unsupported syntax"),
    ("0 0 * * 1#2", "unsupported syntax"),
    ("0 0 * * 5L", "unsupported syntax"),
    ("0 0 ? * *", "unsupported syntax"),
    ("0 0 * foo *", "unknown name"),
    ("1,,2 * * * *", "empty list element"),
    ("0 0 30 2 *", "never fires"),
    ("0 0 31 4,6,9,11 *", "never fires"),
    (None, "must be a string"),
])
def test_rejected(expr, message):
    with pytest.raises(ParseError, match=message):
        cron_to_rrule(expr, "UTC", "2019-06-25")


@pytest.mark.parametrize("tz,dtstart", [("Mars/Olympus", "2019-06-25"), ("../etc/passwd", "2019-06-25"),
                                        ("", None), ("UTC", "2019-02-30"), ("UTC", "tomorrow"), ("UTC", 5)])
def test_bad_zone_or_date(tz, dtstart):
    with pytest.raises(ParseError):
        cron_to_rrule("* * * * *", tz, dtstart)


def test_default_dtstart_is_today_in_zone():
    today = datetime.datetime.now(ZoneInfo("Asia/Tokyo")).date()
    rule = cron_to_rrule("0 0 * * *", "Asia/Tokyo")
    assert rule.startswith("DTSTART;TZID=Asia/Tokyo:%sT000000 " % today.strftime("%Y%m%d")) or \
        rule.startswith("DTSTART;TZID=Asia/Tokyo:%sT000000 " % (today + datetime.timedelta(days=1)).strftime("%Y%m%d"))
    assert cron_to_rrule("0 0 * * *", "UTC", datetime.datetime(2019, 6, 25, 13, 0)).startswith(
        "DTSTART;TZID=UTC:20190625T000000 ")


@settings(max_examples=500, deadline=None)
@given(st.text(max_size=30), st.sampled_from(["UTC", "Asia/Tokyo", "Nope/Zone"]))
def test_never_raises_anything_but_parse_error(expr, tz):
    try:
        cron_to_rrule(expr, tz, "2019-06-25")
    except ParseError:
        pass
