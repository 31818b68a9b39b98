"""systemd helpers: systemctl show parsing, time spans, restart-policy analysis."""

import pytest
from hypothesis import given
from hypothesis import strategies as st

from ansible_collections.sre.remediation.plugins.module_utils.findings import ParseError
from ansible_collections.sre.remediation.plugins.module_utils.systemd import (
    analyse_restart_policies,
    norm_unit,
    normalise_spec,
    parse_systemctl_show,
    parse_timespan,
)

SHOW = """Id=nginx.service
LoadState=loaded
Type=forking
Restart=no
RestartUSec=100ms
StartLimitBurst=5
StartLimitIntervalUSec=10s

Id=ghost.service
LoadState=not-found
Type=simple
Restart=no

Id=job.service
LoadState=loaded
Type=oneshot
Restart=no
"""


def test_parse_show_blocks_by_id():
    units = parse_systemctl_show(SHOW)
    assert sorted(units) == ["ghost.service", "job.service", "nginx.service"]
    assert units["nginx.service"]["RestartUSec"] == "100ms"


@pytest.mark.parametrize("text,seconds", [("5s", 5), ("100ms", 0.1), ("1min 30s", 90), ("2", 2), ("5min", 300),
                                          ("1h", 3600), ("infinity", None)])
def test_timespans(text, seconds):
    assert parse_timespan(text) == seconds


@pytest.mark.parametrize("text", ["soon", "", "5 parsecs", "-1s"])
def test_bad_timespans(text):
    with pytest.raises(ParseError):
        parse_timespan(text)


@given(st.text(max_size=20))
def test_timespan_only_raises_parse_error(text):
    try:
        parse_timespan(text)
    except ParseError:
        pass


def test_spec_defaults_and_validation():
    spec = normalise_spec({"name": "nginx"})
    assert (spec["unit"], spec["restart"], spec["restart_sec_seconds"], spec["start_limit_burst"]) == (
        "nginx.service", "on-failure", 5.0, 5)
    assert norm_unit("foo.socket") == "foo.socket"
    with pytest.raises(ParseError, match="Restart=sometimes is not a value systemd accepts"):
        normalise_spec({"name": "nginx", "restart": "sometimes"})
    with pytest.raises(ParseError, match="start_limit_burst"):
        normalise_spec({"name": "nginx", "start_limit_burst": -1})


def test_analysis_before_and_after():
    units = parse_systemctl_show(SHOW)
    specs = [normalise_spec({"name": n}) for n in ("nginx", "ghost", "job")]
    found = {f["id"]: f for f in analyse_restart_policies(specs, units, "50-x.conf")}
    assert set(found) == {"systemd_restart_missing", "unit_not_found", "oneshot_refused"}
    assert found["unit_not_found"]["data"]["blocking"] and found["oneshot_refused"]["data"]["blocking"]
    assert found["systemd_restart_missing"]["fixable"]
    applied = dict(units["nginx.service"], Restart="on-failure", RestartUSec="5s", StartLimitIntervalUSec="5min")
    assert analyse_restart_policies(specs[:1], {"nginx.service": applied}, "50-x.conf", applied=True) == []
    wrong = dict(applied, RestartUSec="100ms")
    (item,) = analyse_restart_policies(specs[:1], {"nginx.service": wrong}, "50-x.conf", applied=True)
    assert item["id"] == "restart_policy_not_effective" and item["severity"] == "critical"
