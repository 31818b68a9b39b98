# -*- coding: utf-8 -*-
# Copyright: (c) 2026, sre.remediation contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import annotations

import os

import pytest
from ansible.errors import AnsibleFilterError

from ansible_collections.sre.remediation.plugins.filter.monit_checks import FilterModule, monit_checks

SAMPLES = os.path.join(os.path.dirname(__file__), "..", "..", "..", "samples", "monit")


def test_filter_is_registered():
    assert FilterModule().filters()["monit_checks"] is monit_checks


def test_filter_parses_kusanagi_sample():
    with open(os.path.join(SAMPLES, "kusanagi_httpd.conf"), encoding="utf-8") as handle:
        checks = monit_checks(handle.read(), source="/etc/monit.d/httpd.conf")
    assert [(c["type"], c["name"]) for c in checks] == [("file", "httpd_access_log"), ("program", "httpd_enabled")]
    assert checks[1]["start_program"]["commented"] is True
    assert checks[0]["source"] == "/etc/monit.d/httpd.conf"


def test_filter_turns_parse_error_into_filter_error():
    with pytest.raises(AnsibleFilterError, match=r"/etc/monit\.d/x: line 2: .*without action"):
        monit_checks("check process n with pidfile /run/n.pid\n if failed port 80\n", source="/etc/monit.d/x")


def test_filter_rejects_non_text():
    with pytest.raises(AnsibleFilterError, match="must be a string"):
        monit_checks(["check process"])
