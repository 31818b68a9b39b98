# -*- coding: utf-8 -*-
# Copyright: (c) 2026, sre.remediation contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import annotations

DOCUMENTATION = r"""
name: batch_run_record
version_added: 1.0.0
short_description: Turn a registered batch job result into one structured run record
description:
  - Classifies one run of a batch job as C(ok), C(failed), C(lock_busy), C(timeout), C(unreachable),
    C(usage_error) or C(check_mode) and returns the run record the C(sre.remediation.batch_job) role writes.
  - C(lock_busy) and C(timeout) need both the exit code and the C(flock)/C(timeout) C(--verbose) message, so a
    script that itself exits 75 or 124 is C(failed).
options:
  _input:
    description: The registered result of the C(ansible.builtin.command) task (may be unreachable or skipped).
    type: dict
    required: true
  context:
    description:
      - C(plan) (from P(sre.remediation.batch_run_plan#filter)), C(job), C(host), C(run_id), C(check_mode),
        C(chdir), C(become_user), C(output_limit) (characters of stdout/stderr kept), C(controller_started),
        C(controller_ended).
    type: dict
    required: true
author: sre.remediation contributors (@sre-remediation)
"""

EXAMPLES = r"""
- name: Record the run
  ansible.builtin.set_fact:
    __record: "{{ __result | sre.remediation.batch_run_record({'plan': __plan, 'job': 'sum', 'host': inventory_hostname}) }}"
"""

RETURN = r"""
_value:
  description: The run record (C(schema), C(job), C(host), C(status), C(rc), C(message), C(argv), C(command), C(started),
    C(ended), C(duration_s), C(stdout), C(stderr), C(wrapper_messages), ...).
  type: dict
"""

from ansible.errors import AnsibleFilterError

from ansible_collections.sre.remediation.plugins.module_utils.batch_run import record
from ansible_collections.sre.remediation.plugins.module_utils.findings import ParseError


def batch_run_record(result, context=None):
    try:
        if result is not None and not isinstance(result, dict):
            raise TypeError("batch_run_record expects the registered result (a dict), got %s" % type(result).__name__)
        return record(dict(result or {}), context)
    except (ParseError, TypeError) as exc:
        raise AnsibleFilterError(str(exc)) from exc


class FilterModule:
    def filters(self):
        return {"batch_run_record": batch_run_record}
