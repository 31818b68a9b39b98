# -*- coding: utf-8 -*-
# Copyright: (c) 2026, sre.remediation contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Translate a 5-field cron expression into the RRULE string an AWX schedule accepts.

    >>> cron_to_rrule("*/5 * * * *", "Asia/Tokyo", "2019-06-25")
    'DTSTART;TZID=Asia/Tokyo:20190625T000000 RRULE:FREQ=MINUTELY;INTERVAL=5'

Only what one RRULE expresses *exactly* is accepted; everything else raises :class:`ParseError`:

* fields: ``*``, ``n``, ``a-b``, ``*/n``, ``a-b/n`` and comma lists of them; month and weekday names
  (``jan``..``dec``, ``sun``..``sat``, case-insensitive, also as range ends); weekday 7 = Sunday;
  macros ``@yearly``/``@annually``, ``@monthly``, ``@weekly``, ``@daily``/``@midnight``, ``@hourly``.
* rejected: ``@reboot`` (no time rule), not exactly 5 fields, values out of range, reversed ranges
  (``5-1``), step 0, ``a/n`` without a range (cron implementations disagree), ``L``/``W``/``#``/``?``
  and other non-standard syntax, and expressions that never fire (``0 0 30 2 *``).
* **day-of-month and day-of-week both restricted** (neither is exactly ``*``): cron fires when
  *either* matches, one RRULE only expresses *both* - rejected; split it into two schedules (one
  with the day-of-month, one with the day-of-week).  ``*/2`` counts as restricted here: vixie cron
  treats a field starting with ``*`` as unrestricted for this rule while croniter does not.

Rule shapes: ``FREQ=MINUTELY;INTERVAL=n`` only when the minutes are exactly every n-th minute with n
dividing 60 and every other field is unrestricted (DTSTART at 00:00 fixes the phase);
``FREQ=HOURLY;BYMINUTE=..`` when all hours match; otherwise ``FREQ=DAILY;BYHOUR=..;BYMINUTE=..``;
day restrictions become ``BYMONTH``/``BYMONTHDAY``/``BYDAY`` limits.  BYHOUR/BYMINUTE are always
explicit, so the result does not depend on DTSTART's time of day.

Time zones: the rule is a wall-clock rule in ``TZID`` (AWX evaluates schedules with dateutil in that
zone).  In zones without DST (UTC, Asia/Tokyo) it fires at exactly the instants cron does.  In DST
zones (Europe/Berlin) it names the same wall-clock times on every day; only during the transition
hours do implementations differ: on the spring-forward day the rule lists times of the skipped hour
(02:00-02:59) that do not exist locally, which cron skips or shifts, and on the fall-back day each
time of the repeated hour fires once (first occurrence, fold=0) where cron may fire it twice.  If that
matters, give the schedule in UTC (the AWX documentation's advice) with a translated expression.

Pure Python 3.8+, standard library only (zoneinfo, when available, validates the zone name and
computes "today" in it; without zoneinfo today is taken in UTC).
"""

from __future__ import annotations

import datetime
import re

from ansible_collections.sre.remediation.plugins.module_utils.findings import ParseError

MONTHS = ("jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sep", "oct", "nov", "dec")
DAYS = ("sun", "mon", "tue", "wed", "thu", "fri", "sat")
RRULE_DAYS = ("SU", "MO", "TU", "WE", "TH", "FR", "SA")
MACROS = {
    "@yearly": "0 0 1 1 *",
    "@annually": "0 0 1 1 *",
    "@monthly": "0 0 1 * *",
    "@weekly": "0 0 * * 0",
    "@daily": "0 0 * * *",
    "@midnight": "0 0 * * *",
    "@hourly": "0 * * * *",
}
# name, low, high, names (index 0 = value `low`)
FIELDS = (
    ("minute", 0, 59, None),
    ("hour", 0, 23, None),
    ("day of month", 1, 31, None),
    ("month", 1, 12, MONTHS),
    ("day of week", 0, 7, DAYS),
)
MAX_DAYS = (31, 29, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31)
_ATOM = re.compile(r"[0-9]+\Z|[a-z]{3}\Z")
_TZ = re.compile(r"[A-Za-z][A-Za-z0-9_+\-]*(/[A-Za-z0-9_+\-]+)*\Z")


def _value(token, field, expr):
    name, low, high, names = field
    tok = token.lower()
    if not _ATOM.match(tok):
        raise ParseError("cron %s field: unsupported syntax %r in %r (only *, n, a-b, */n, a-b/n, lists)"
                         % (name, token, expr))
    if tok.isdigit():
        value = int(tok)
    elif names and tok in names:
        value = names.index(tok) + low
    else:
        raise ParseError("cron %s field: unknown name %r in %r" % (name, token, expr))
    if not low <= value <= high:
        raise ParseError("cron %s field: %d out of range %d-%d in %r" % (name, value, low, high, expr))
    return value


def _field(text, field, expr):
    """Expand one field to a sorted list of values."""
    name, low, high, _names = field
    values = set()
    for part in text.split(","):
        if not part:
            raise ParseError("cron %s field: empty list element in %r" % (name, expr))
        step = 1
        if "/" in part:
            rng, _sep, step_s = part.partition("/")
            if not step_s.isdigit() or not step_s.isascii() or int(step_s) < 1:
                raise ParseError("cron %s field: bad step %r in %r" % (name, part, expr))
            step = int(step_s)
            if rng != "*" and "-" not in rng:
                raise ParseError("cron %s field: %r - a step needs * or a range a-b (write %s-%d/%d) in %r"
                                 % (name, part, rng, high if name != "day of week" else 6, step, expr))
        else:
            rng = part
        if rng == "*":
            first, last = low, high if name != "day of week" else 6
        elif "-" in rng:
            a, _sep, b = rng.partition("-")
            first, last = _value(a, field, expr), _value(b, field, expr)
            if first > last:
                raise ParseError("cron %s field: reversed range %r in %r" % (name, rng, expr))
        else:
            first = last = _value(rng, field, expr)
        values.update(range(first, last + 1, step))
    if name == "day of week" and 7 in values:
        values.discard(7)
        values.add(0)
    return sorted(values)


def parse_cron(expr):
    """Parse a cron expression; return dict minute/hour/dom/month/dow (sorted int lists) and
    dom_star/dow_star (the field was exactly ``*``).  Raises ParseError."""
    if not isinstance(expr, str):
        raise ParseError("cron expression must be a string, got %s" % type(expr).__name__)
    text = expr.strip()
    if text.startswith("@"):
        low = text.lower()
        if low == "@reboot":
            raise ParseError("@reboot has no time rule: it cannot become an AWX schedule")
        if low not in MACROS:
            raise ParseError("unknown cron macro %r (known: %s)" % (text, ", ".join(sorted(MACROS))))
        text = MACROS[low]
    parts = text.split()
    if len(parts) != 5:
        raise ParseError("cron expression must have 5 fields (minute hour day-of-month month day-of-week), "
                         "got %d in %r" % (len(parts), expr))
    values = [_field(p, f, expr) for p, f in zip(parts, FIELDS)]
    result = dict(zip(("minute", "hour", "dom", "month", "dow"), values))
    result["dom_star"] = parts[2] == "*"
    result["dow_star"] = parts[4] == "*"
    if not result["dom_star"] and not result["dow_star"]:
        raise ParseError(
            "%r restricts both day-of-month (%s) and day-of-week (%s): cron then fires when EITHER matches, "
            "which one RRULE cannot express; split it into two schedules ('%s %s %s %s *' and '%s %s * %s %s')"
            % (expr, parts[2], parts[4], parts[0], parts[1], parts[2], parts[3], parts[0], parts[1], parts[3],
               parts[4]))
    if not any(d <= MAX_DAYS[m - 1] for m in result["month"] for d in result["dom"]):
        raise ParseError("%r never fires: no day %s exists in month(s) %s" % (expr, parts[2], parts[3]))
    return result


def _zone(tz):
    if not isinstance(tz, str) or not _TZ.match(tz) or ".." in tz:
        raise ParseError("bad time zone name %r (expected an IANA name such as Asia/Tokyo or UTC)" % (tz,))
    try:
        import zoneinfo  # Python 3.9+
    except ImportError:  # pragma: no cover - Python 3.8
        return None
    try:
        return zoneinfo.ZoneInfo(tz)
    except (zoneinfo.ZoneInfoNotFoundError, ValueError, OSError):
        raise ParseError("unknown time zone %r" % (tz,)) from None


def _dtstart(dtstart, zone):
    if dtstart is None:
        now = datetime.datetime.now(zone) if zone is not None else datetime.datetime.utcnow()
        return now.date()
    if isinstance(dtstart, datetime.datetime):
        return dtstart.date()
    if isinstance(dtstart, datetime.date):
        return dtstart
    if isinstance(dtstart, str):
        d = dtstart.strip()
        m = re.match(r"([0-9]{4})-?([0-9]{2})-?([0-9]{2})(?:[T ]00:?00(?::?00)?)?\Z", d)
        if m:
            try:
                return datetime.date(int(m.group(1)), int(m.group(2)), int(m.group(3)))
            except ValueError:
                pass
    raise ParseError("dtstart must be a date (YYYY-MM-DD or YYYYMMDD), got %r" % (dtstart,))


def _full(values, field):
    _name, low, high, _names = field
    return values == list(range(low, (6 if high == 7 else high) + 1))


def _join(values):
    return ",".join(str(v) for v in values)


def rrule_parts(cron):
    """The RRULE part (without DTSTART) for a parsed cron dict."""
    minute, hour, dom, month, dow = (cron[k] for k in ("minute", "hour", "dom", "month", "dow"))
    all_hours = _full(hour, FIELDS[1])
    all_days = _full(dom, FIELDS[2]) and _full(month, FIELDS[3]) and _full(dow, FIELDS[4])
    if all_hours and all_days:
        for n in (1, 2, 3, 4, 5, 6, 10, 12, 15, 20, 30):
            if minute == list(range(0, 60, n)):
                return "FREQ=MINUTELY;INTERVAL=%d" % n
    parts = ["FREQ=%s" % ("HOURLY" if all_hours else "DAILY"), "INTERVAL=1"]
    if not _full(month, FIELDS[3]):
        parts.append("BYMONTH=" + _join(month))
    if not _full(dom, FIELDS[2]):
        parts.append("BYMONTHDAY=" + _join(dom))
    if not _full(dow, FIELDS[4]):
        parts.append("BYDAY=" + ",".join(RRULE_DAYS[d] for d in dow))
    if not all_hours:
        parts.append("BYHOUR=" + _join(hour))
    parts.append("BYMINUTE=" + _join(minute))
    return ";".join(parts)


def cron_to_rrule(expr, tz="UTC", dtstart=None):
    """``DTSTART;TZID=<tz>:<date>T000000 RRULE:...`` for a cron expression (see module docstring).

    ``dtstart``: a date (``YYYY-MM-DD``, ``YYYYMMDD``, date or datetime - only the date is used);
    default today in ``tz``.  Raises ParseError for anything one RRULE cannot express exactly.
    """
    cron = parse_cron(expr)
    zone = _zone(tz)
    day = _dtstart(dtstart, zone)
    return "DTSTART;TZID=%s:%sT000000 RRULE:%s" % (tz, day.strftime("%Y%m%d"), rrule_parts(cron))
