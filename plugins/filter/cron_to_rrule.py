# -*- coding: utf-8 -*-
# Copyright: (c) 2026, sre.remediation contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import annotations

DOCUMENTATION = r"""
name: cron_to_rrule
version_added: 1.0.0
short_description: Convert a cron expression into an AWX schedule RRULE
description:
  - Converts a 5-field cron expression (or C(@hourly), C(@daily), C(@weekly), C(@monthly), C(@yearly)) into
    the C(DTSTART;TZID=<tz>:<date>T000000 RRULE:...) string AWX schedules accept.
  - Only what one RRULE expresses exactly is accepted. Restricting both day-of-month and day-of-week
    (cron then fires when either matches), C(@reboot), C(L), C(W), C(#), bad ranges and expressions
    that never fire are errors.
  - The rule is a wall-clock rule in O(tz). In zones with daylight saving time the skipped and repeated
    hours behave differently from cron; use C(UTC) when that matters.
  - When python-dateutil is installed on the controller the result is checked with C(dateutil.rrule.rrulestr).
options:
  _input:
    description: The cron expression, for example C(*/5 * * * *).
    type: str
    required: true
  tz:
    description: IANA time zone the cron expression is in (the C(TZID) of the schedule).
    type: str
    default: UTC
  dtstart:
    description:
      - First day of the schedule (C(YYYY-MM-DD)); the schedule starts at 00:00 that day.
      - Default today in O(tz).
    type: str
author: sre.remediation contributors (@sre-remediation)
"""

EXAMPLES = r"""
- name: The crontab line */5 * * * * as an AWX schedule in Tokyo time
  awx.awx.schedule:
    name: remoteexe sum batch
    unified_job_template: sum batch
    rrule: "{{ '*/5 * * * *' | sre.remediation.cron_to_rrule(tz='Asia/Tokyo') }}"

- name: Weekday office hours, fixed start day
  ansible.builtin.debug:
    msg: "{{ '15,45 9-17 * * mon-fri' | sre.remediation.cron_to_rrule(tz='UTC', dtstart='2019-06-25') }}"
"""

RETURN = r"""
_value:
  description: The schedule, for example C(DTSTART;TZID=Asia/Tokyo:20190625T000000 RRULE:FREQ=MINUTELY;INTERVAL=5).
  type: str
"""

from ansible.errors import AnsibleFilterError

from ansible_collections.sre.remediation.plugins.module_utils.cron_rrule import cron_to_rrule as _convert
from ansible_collections.sre.remediation.plugins.module_utils.findings import ParseError

try:
    from dateutil.rrule import rrulestr
except ImportError:  # pragma: no cover - dateutil is optional
    rrulestr = None


def cron_to_rrule(expr, tz="UTC", dtstart=None):
    try:
        rule = _convert(expr, tz=tz, dtstart=dtstart)
    except (ParseError, TypeError) as exc:
        raise AnsibleFilterError(str(exc)) from exc
    if rrulestr is not None:
        try:
            rrulestr(rule)
        except (ValueError, TypeError) as exc:  # pragma: no cover - would be a bug in the converter
            raise AnsibleFilterError("generated rule %r is rejected by dateutil: %s" % (rule, exc)) from exc
    return rule


class FilterModule:
    def filters(self):
        return {"cron_to_rrule": cron_to_rrule}
