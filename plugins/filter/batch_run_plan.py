# -*- coding: utf-8 -*-
# Copyright: (c) 2026, sre.remediation contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import annotations

DOCUMENTATION = r"""
name: batch_run_plan
version_added: 1.0.0
short_description: Validate a batch job and build its flock + timeout command line
description:
  - Validates the job name, the argument vector, the timeout and the lock directory of a batch job and builds
    the argv C(flock --verbose --nonblock --conflict-exit-code 75 <lock> timeout --verbose --kill-after=<k> <t> <argv...>)
    for C(ansible.builtin.command) C(argv:) (no shell).
  - Never fails for a bad job; the result carries C(error) instead, so the run can still be recorded as C(usage_error).
options:
  _input:
    description: The job name (C(batch_job_name)); also the lock file name.
    type: str
    required: true
  argv:
    description: The program and its arguments, one list element per argument.
    type: list
    elements: str
    required: true
  timeout:
    description: Seconds before C(timeout) sends TERM; C(0) disables the timeout.
    type: int
    default: 3600
  kill_after:
    description: Seconds after TERM before KILL.
    type: int
    default: 10
  lock:
    description: Take a non-blocking C(flock) on C(<lock_dir>/sre-batch-<name>.lock).
    type: bool
    default: true
  lock_dir:
    description: Directory of the lock file on the target host.
    type: str
    default: /tmp
author: sre.remediation contributors (@sre-remediation)
"""

EXAMPLES = r"""
- name: Build the command line of the job
  ansible.builtin.set_fact:
    __plan: "{{ 'sum' | sre.remediation.batch_run_plan(argv=['/usr/local/bin/sum.sh', '3'], timeout=60) }}"
"""

RETURN = r"""
_value:
  description: C(error) (None or the reason), C(name), C(argv), C(command) (the full argv to run), C(lock_file),
    C(timeout_s), C(kill_after_s), C(command_line) (argv quoted for humans).
  type: dict
"""

from ansible.errors import AnsibleFilterError

from ansible_collections.sre.remediation.plugins.module_utils.batch_run import plan


def batch_run_plan(name, argv=None, timeout=3600, kill_after=10, lock=True, lock_dir="/tmp"):
    if not isinstance(lock, bool):
        raise AnsibleFilterError("batch_run_plan: lock must be a boolean, got %r" % (lock,))
    return plan(name, argv, timeout=timeout, kill_after=kill_after, lock=lock, lock_dir=lock_dir)


class FilterModule:
    def filters(self):
        return {"batch_run_plan": batch_run_plan}
