#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright: (c) 2026, sre.remediation contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import annotations

DOCUMENTATION = r"""
module: remoteexe_log_summary
short_description: Summarise the daily remoteexe logs of a date range on the scheduler host
version_added: 1.0.0
description:
  - Reads C(<dir>/YYYYMMDD_remoteexe.log) for every day from O(date_from) to O(date_to) on the host where the
    legacy crontab runs C(remoteexe), summarises each file with the fast path of the C(remoteexe) parser
    (exit codes per host and command, like C(sort | uniq -c), unfinished runs, malformed lines) and merges them.
  - Only the summary travels back to the controller, not the logs. Missing days are listed, not an error.
  - Read-only; runs the same in check mode.
author: sre.remediation contributors (@sre-remediation)
options:
  date_from:
    description: First day (C(YYYY-MM-DD) or C(YYYYMMDD)).
    type: str
    required: true
  date_to:
    description: Last day, inclusive (default O(date_from)).
    type: str
  dir:
    description: Directory of the logs.
    type: path
    default: /tmp
  name_format:
    description: File name of one day's log, with C(strftime) fields.
    type: str
    default: "%Y%m%d_remoteexe.log"
  max_days:
    description: Refuse longer ranges.
    type: int
    default: 366
extends_documentation_fragment:
  - sre.remediation.attributes
  - sre.remediation.attributes.info_module
"""

EXAMPLES = r"""
- name: Summarise last week's remoteexe logs
  sre.remediation.remoteexe_log_summary:
    date_from: "2019-06-24"
    date_to: "2019-06-30"
  register: __remoteexe
"""

RETURN = r"""
summary:
  description: The merged summary (C(total), C(by_status), C(by_key), C(hosts), C(first_start), C(last_end), C(malformed)).
  type: dict
  returned: always
days:
  description: Per day C(date), C(path), C(exists), C(size) and its C(summary) (null when the file is missing).
  type: list
  elements: dict
  returned: always
per_day:
  description: Per day C(date), C(path), C(exists), C(total) and C(by_status) (a compact table for reports).
  type: list
  elements: dict
  returned: always
missing:
  description: Paths of the days without a log file.
  type: list
  elements: str
  returned: always
findings:
  description: Findings for the merged summary (remoteexe_ssh_errors, remoteexe_script_failures, remoteexe_lock_busy,
    remoteexe_usage_errors, remoteexe_unfinished_runs, remoteexe_malformed_lines, remoteexe_logs_missing).
  type: list
  elements: dict
  returned: always
"""

from ansible.module_utils.basic import AnsibleModule

from ansible_collections.sre.remediation.plugins.module_utils.findings import ParseError, finding
from ansible_collections.sre.remediation.plugins.module_utils.remoteexe import findings_from_summary, summarize_days


def main():
    module = AnsibleModule(
        argument_spec=dict(
            date_from=dict(type="str", required=True),
            date_to=dict(type="str"),
            dir=dict(type="path", default="/tmp"),
            name_format=dict(type="str", default="%Y%m%d_remoteexe.log"),
            max_days=dict(type="int", default=366),
        ),
        supports_check_mode=True,
    )
    p = module.params
    try:
        result = summarize_days(p["dir"], p["date_from"], p["date_to"], p["name_format"], p["max_days"])
    except ParseError as exc:
        module.fail_json(msg="remoteexe logs: %s" % exc)
    days = result["days"]
    source = "remoteexe logs %s..%s" % (days[0]["date"], days[-1]["date"])
    found = findings_from_summary(result["summary"], source=source)
    if result["missing"]:
        found.append(finding("remoteexe_logs_missing", "info",
                             "%d of %d day(s) have no remoteexe log in %s" % (len(result["missing"]), len(days), p["dir"]),
                             result["missing"], "Check the date range and the log directory (dir).",
                             data={"missing": len(result["missing"]), "days": len(days)}))
    per_day = [{"date": d["date"], "path": d["path"], "exists": d["exists"],
                "total": d["summary"]["total"] if d["summary"] else 0,
                "by_status": d["summary"]["by_status"] if d["summary"] else {}} for d in days]
    module.exit_json(changed=False, summary=result["summary"], days=days, per_day=per_day, missing=result["missing"],
                     findings=found)


if __name__ == "__main__":
    main()
