# -*- coding: utf-8 -*-
# Copyright: (c) 2026, sre.remediation contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""remoteexe: date ranges, per-day summaries of a directory, merging summaries; the module wrapping them."""

from __future__ import annotations

import json
import os
import shutil

import pytest

from ansible.module_utils.testing import patch_module_args
from ansible_collections.sre.remediation.plugins.module_utils import remoteexe
from ansible_collections.sre.remediation.plugins.module_utils.findings import ParseError
from ansible_collections.sre.remediation.plugins.modules import remoteexe_log_summary

SAMPLE = os.path.join(os.path.dirname(__file__), "..", "..", "..", "samples", "remoteexe", "20190625_remoteexe.log")


def logs(tmp_path):
    shutil.copy(SAMPLE, str(tmp_path / "20190625_remoteexe.log"))
    (tmp_path / "20190626_remoteexe.log").write_text(
        "[2019-06-26 00:00:01][5] START,-,h /a.sh\n[2019-06-26 00:00:02][5] END,255,h /a.sh\n"
        "[2019-06-26 00:01:01][6] START,-,host_sum_batch02 /path/to/sum.sh\n"
        "[2019-06-26 00:01:05][6] END,0,host_sum_batch02 /path/to/sum.sh\n")
    return str(tmp_path)


def test_date_range():
    assert [d.isoformat() for d in remoteexe.date_range("20190630", "2019-07-01")] == ["2019-06-30", "2019-07-01"]
    assert len(remoteexe.date_range("2019-06-25")) == 1
    with pytest.raises(ParseError, match="reversed"):
        remoteexe.date_range("2019-06-25", "2019-06-24")
    with pytest.raises(ParseError, match="more than 366"):
        remoteexe.date_range("2019-01-01", "2020-12-31")
    with pytest.raises(ParseError):
        remoteexe.date_range("2019-02-30")


def test_summarize_days_merges_and_lists_missing(tmp_path):
    directory = logs(tmp_path)
    got = remoteexe.summarize_days(directory, "2019-06-24", "2019-06-26")
    assert got["missing"] == [directory + "/20190624_remoteexe.log"]
    assert [d["exists"] for d in got["days"]] == [False, True, True]
    day25 = remoteexe.summarize_file(os.path.join(directory, "20190625_remoteexe.log"))
    assert got["days"][1]["summary"] == day25
    merged = got["summary"]
    assert merged["total"] == day25["total"] + 2
    assert merged["by_status"]["ssh_error"] == day25["by_status"]["ssh_error"] + 1
    key = next(k for k in merged["by_key"] if k["host"] == "host_sum_batch02" and k["rc"] == 0
               and k["command"] == "/path/to/sum.sh")
    key25 = next(k for k in day25["by_key"] if k["host"] == "host_sum_batch02" and k["rc"] == 0
                 and k["command"] == "/path/to/sum.sh")
    assert key["count"] == key25["count"] + 1
    assert merged["first_start"] == day25["first_start"] and merged["last_end"] == "2019-06-26T00:01:05"
    # merging one summary gives it back
    assert remoteexe.merge_summaries([day25]) == day25
    assert remoteexe.merge_summaries([])["total"] == 0


def test_summarize_days_names_a_file_that_is_not_a_log(tmp_path):
    (tmp_path / "20190625_remoteexe.log").write_text("hello\n")
    with pytest.raises(ParseError, match="20190625_remoteexe.log: not a remoteexe log"):
        remoteexe.summarize_days(str(tmp_path), "2019-06-25")
    with pytest.raises(ParseError, match="name_format"):
        remoteexe.summarize_days(str(tmp_path), "2019-06-25", name_format="../x")
    with pytest.raises(ParseError):
        remoteexe.merge_summaries("x")


def run_module(args, capsys):
    with patch_module_args(args):
        with pytest.raises(SystemExit) as exc:
            remoteexe_log_summary.main()
    out = json.loads(capsys.readouterr().out)
    return exc.value.code, out


def test_module_returns_summary_per_day_and_findings(tmp_path, capsys):
    directory = logs(tmp_path)
    code, out = run_module({"date_from": "2019-06-24", "date_to": "20190626", "dir": directory}, capsys)
    assert code == 0 and out["changed"] is False
    assert out["summary"] == remoteexe.summarize_days(directory, "2019-06-24", "2019-06-26")["summary"]
    assert [d["total"] for d in out["per_day"]] == [0, out["days"][1]["summary"]["total"], 2]
    ids = [f["id"] for f in out["findings"]]
    assert "remoteexe_ssh_errors" in ids and ids[-1] == "remoteexe_logs_missing"


def test_module_fails_cleanly_on_bad_dates(tmp_path, capsys):
    code, out = run_module({"date_from": "2019-13-01", "dir": str(tmp_path)}, capsys)
    assert code == 1 and out["failed"] and out["msg"].startswith("remoteexe logs: date must be")


def test_fast_path_ignores_remoteexe_lines_quoted_in_output():
    """Regression: a job whose output quotes a remoteexe log line (a script that cats these logs) must not
    add a phantom run on the fast path; the full parser always treated it as output."""
    text = ("[2019-06-25 13:21:01][913] START,-,h /cat.sh\n"
            "[2019-06-25 13:21:02][913] [2019-06-25 13:00:00][5] END,0,x /y.sh\n"
            "[2019-06-25 13:21:02][913] tail: ][6] START,-,z /z.sh\n"
            "[2019-06-25 13:21:03][913] END,0,h /cat.sh\n")
    fast = remoteexe.summarize_text(text)
    assert fast == remoteexe.summarize_text(text.encode())
    assert fast["by_key"] == remoteexe.summarize(remoteexe.parse_runs(text))["by_key"]
    assert fast["total"] == 1 and fast["by_key"][0]["host"] == "h"


@pytest.mark.parametrize("lead", ["", "\n", "\r\n", "\n\n"])
def test_fast_path_reads_the_first_line_of_every_buffer(lead, tmp_path):
    """The scan pattern starts at a newline; the first line of a text (or of a file chunk) has none before it."""
    text = lead + ("[2019-06-25 13:21:01][913] START,-,h /a.sh\n"
                   "[2019-06-25 13:21:02][913] END,255,h /a.sh\n"
                   "[2019-06-25 13:21:03][914] START,-,h /b.sh\n")
    expected = remoteexe.summarize(remoteexe.parse_runs(text))
    assert remoteexe.summarize_text(text)["by_key"] == expected["by_key"]
    assert remoteexe.summarize_text(text.encode())["by_key"] == expected["by_key"]
    path = tmp_path / "20190625_remoteexe.log"
    path.write_text(text)
    for size in (1, 40, 45, 1 << 16):  # every line, and lines split across reads
        assert remoteexe.summarize_file(str(path), chunk_size=size)["by_key"] == expected["by_key"]
    assert {k["status"]: k["count"] for k in expected["by_key"]} == {"ssh_error": 1, "unfinished": 1}
