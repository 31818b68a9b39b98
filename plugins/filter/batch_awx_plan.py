# -*- coding: utf-8 -*-
# Copyright: (c) 2026, sre.remediation contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import annotations

DOCUMENTATION = r"""
name: batch_awx_plan
version_added: 1.0.0
short_description: Plan AWX job templates and schedules from a crontab of remoteexe lines
description:
  - Reads the text of a crontab whose lines run C(remoteexe <host> "<script> [args]") and returns the AWX job
    templates (C(playbooks/run-batch.yml) limited to the host, the script as C(batch_job_argv), a survey for the
    arguments and the timeout) and schedules (RRULE from P(sre.remediation.cron_to_rrule#filter)).
  - Lines that cannot be converted exactly are listed in C(errors) with line number and reason; they never make
    the filter fail.
  - The plan is validated (required fields, unique names, every schedule's template exists, each RRULE parses
    with python-dateutil and fires at least once); the result is in C(validation).
options:
  _input:
    description: The crontab text.
    type: str
    required: true
  tz:
    description: IANA time zone of the crontab (C(CRON_TZ=) lines in the crontab override it for later lines).
    type: str
    default: UTC
  dtstart:
    description: First day of the schedules (C(YYYY-MM-DD)); default today.
    type: str
  options:
    description:
      - C(project), C(inventory), C(organization), C(execution_environment), C(playbook) (default
        C(playbooks/run-batch.yml)), C(timeout) (job timeout in seconds, default 3600), C(host_map) (legacy host
        name to inventory host), C(prefix) (of the names), C(system) (system crontab with a user field),
        C(source) (file name for descriptions).
      - C(existing_schedules) is the list of C(name)/C(rrule) of the schedules already in AWX. A planned schedule whose
        rule differs from the existing one of the same name only in the date of C(DTSTART) keeps the existing rule,
        so re-applying the plan on another day changes nothing; an existing schedule of a planned job template that
        is no longer planned is listed in C(stale_schedules) (from its C(summary_fields.unified_job_template.name)).
    type: dict
    default: {}
requirements:
  - python-dateutil (to validate the rules; without it C(validation.rrule_checked) is false)
author: sre.remediation contributors (@sre-remediation)
"""

EXAMPLES = r"""
- name: Plan the AWX objects for the legacy crontab
  ansible.builtin.set_fact:
    __plan: "{{ lookup('ansible.builtin.file', 'crontab.txt') | sre.remediation.batch_awx_plan(tz='Asia/Tokyo',
                 options={'project': 'sre', 'inventory': 'prod'}) }}"
"""

RETURN = r"""
_value:
  description: C(job_templates), C(schedules), C(errors) (C(lineno), C(line), C(error)), C(lines), C(timezone),
    C(source), C(stale_schedules) (C(name), C(unified_job_template)), C(validation) (C(ok), C(problems),
    C(rrule_checked)) and C(findings) (C(crontab_line_unsupported), C(awx_schedule_stale), C(awx_plan_invalid)).
  type: dict
"""

from ansible.errors import AnsibleFilterError

from ansible_collections.sre.remediation.plugins.module_utils.batch_awx import plan, plan_findings, validate
from ansible_collections.sre.remediation.plugins.module_utils.findings import ParseError

try:
    from dateutil.rrule import rrulestr
except ImportError:  # pragma: no cover - dateutil is optional
    rrulestr = None


def check_rrule(rule):
    """Raise ValueError unless python-dateutil parses the rule and it fires at least once."""
    rules = rrulestr(rule, forceset=True)
    if next(iter(rules), None) is None:
        raise ValueError("the rule never fires")


def batch_awx_plan(text, tz="UTC", dtstart=None, options=None):
    if options is not None and not isinstance(options, dict):
        raise AnsibleFilterError("batch_awx_plan: options must be a dict, got %s" % type(options).__name__)
    try:
        result = plan(text, tz=tz, dtstart=dtstart, options=options)
    except ParseError as exc:
        raise AnsibleFilterError(str(exc)) from exc
    problems = validate(result, check_rrule if rrulestr is not None else None)
    result["validation"] = {"ok": not problems, "problems": problems, "rrule_checked": rrulestr is not None}
    result["findings"] = plan_findings(result)
    return result


class FilterModule:
    def filters(self):
        return {"batch_awx_plan": batch_awx_plan}
