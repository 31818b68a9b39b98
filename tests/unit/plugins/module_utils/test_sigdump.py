# -*- coding: utf-8 -*-
# Copyright: (c) 2026, sre.remediation contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import annotations

import os
import re

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from ansible_collections.sre.remediation.plugins.module_utils.findings import ParseError, validate
from ansible_collections.sre.remediation.plugins.module_utils.sigdump import (
    analyse,
    format_frame,
    gem_of,
    parse_sigdump,
    strip_sigdump_frames,
    summarize,
)

SAMPLES = os.path.join(os.path.dirname(__file__), "..", "..", "..", "samples", "sigdump")


def load(name):
    with open(os.path.join(SAMPLES, name)) as fh:
        return fh.read()


def parse(name):
    return parse_sigdump(load(name), name)


def by_name(dump, name):
    return [t for t in dump["threads"] if t["name"] == name][0]


def ids_sev(findings):
    return sorted((f["id"], f["severity"]) for f in findings)


ALL_SAMPLES = sorted(n for n in os.listdir(SAMPLES) if n.endswith(".log"))


# ------------------------------------------------------------------------------------------ parsing

@pytest.mark.parametrize("name", ALL_SAMPLES)
def test_every_sample_parses_without_unparsed_lines(name):
    dumps = parse(name)
    assert dumps
    for d in dumps:
        assert d["unparsed"] == 0
        assert d["source"] == name
        assert isinstance(d["pid"], int)
        for t in d["threads"]:
            assert t["id"].startswith("0x")
            for f in t["frames"]:
                assert set(f) == {"path", "line", "label"}


def test_ruby21_header_threads_and_sections():
    (d,) = parse("ruby21_td_agent2_mackerel.log")
    assert d["time"] == "2016-07-01 12:58:59 +0900"
    assert d["pid"] == 7846
    assert d["program"] == "/usr/sbin/td-agent"
    assert len(d["threads"]) == 5
    main = d["threads"][0]
    assert main["id"] == "0x007f04ae59e660"
    assert main["class"] == "Thread"
    assert main["name"] is None and main["location"] is None and main["state"] is None
    assert main["status"] == "run" and main["priority"] == 0
    assert main["frames"][0] == {
        "path": "/opt/td-agent/embedded/lib/ruby/gems/2.1.0/gems/sigdump-0.2.3/lib/sigdump.rb",
        "line": 39, "label": "backtrace"}
    assert main["frames"][-1]["label"] == "<main>"
    assert d["gc_stat"]["count"] == 42 and d["gc_stat"]["heap_used"] == 612
    assert len(d["gc_stat"]) == 22
    assert d["objects"]["TOTAL"] == 249438 and d["objects"]["T_MATCH"] == 1
    assert d["all_objects"]["Mackerel::Client"] == 1
    assert d["all_objects"]["RubyVM::InstructionSequence"] == 10211
    assert d["totals"] == {"string_bytes": 13310527, "array_elements": 4, "hash_pairs": 0}
    assert d["truncated"] is False
    assert d["gc_profile"] is None


def test_ruby25_name_at_location_form():
    (d,) = parse("ruby25_fluentd14_untimed_lock.log")
    main = d["threads"][0]
    assert (main["name"], main["location"], main["state"]) == (None, None, "run")
    t = d["threads"][1]
    assert t["name"] == "flush_thread_0"
    assert t["location"] == "/usr/lib/ruby/gems/2.5.0/gems/fluentd-1.4.2/lib/fluent/plugin_helper/thread.rb:70"
    assert t["state"] == "sleep_forever" and t["status"] == "sleep"
    loc_only = d["threads"][5]
    assert loc_only["name"] is None
    assert loc_only["location"].endswith("out_example.rb:61")
    assert d["all_objects"]["#<Class:0x000055c4d3a1c2e8>"] == 1
    assert d["all_objects"]["ARGF.class"] == 1


def test_ruby27_plus_name_space_location_form_and_timeout_thread():
    (d,) = parse("ruby32_fluentd116_blocked_read.log")
    t = by_name(d, "Timeout stdlib thread")
    assert t["location"] == "/opt/fluent/lib/ruby/3.2.0/timeout.rb:80"
    assert t["state"] == "sleep_forever"
    f = by_name(d, "flush_thread_0")["frames"][0]
    assert f == {"path": "/opt/fluent/lib/ruby/3.2.0/net/protocol.rb", "line": 229, "label": "wait_readable"}
    assert len(d["gc_stat"]) == 29


def test_ruby34_quoting_keeps_owner():
    (d,) = parse("ruby34_fluentd119_blocked_faraday.log")
    f0 = by_name(d, "flush_thread_0")["frames"][0]
    assert f0["label"] == "IO#wait_readable"
    assert by_name(d, "flush_thread_0")["frames"][-1]["label"] == \
        "block in Fluent::PluginHelper::Thread#thread_create"
    assert d["gc_stat"]["marking_time"] == 544


def test_odd_threads_names_with_spaces_gt_and_at_zero_frames():
    (d,) = parse("ruby31_odd_threads_gcprof.log")
    assert d["program"] == "ruby demo.rb --opt (x) y"
    got = [(t["class"], t["name"], t["location"], t["state"], t["status"], len(t["frames"])) for t in d["threads"]]
    assert got == [
        ("Thread", None, None, "run", "run", 12),
        ("Thread", "weird name > x", "demo.rb:12", "sleep", "sleep", 2),
        ("Thread", "worker pool #3", "demo.rb:16", "sleep_forever", "sleep", 2),
        ("Thread", "only_name", None, "sleep", "sleep", 0),
        ("Thread", None, "demo.rb:22", "dead", "false", 0),
        ("Process::Waiter", None, None, "sleep", "sleep", 0),
        ("MyThread", "a@b", "demo.rb:25", "aborting", "aborting", 1),
    ]
    assert d["threads"][2]["priority"] == -3
    assert d["threads"][2]["frames"][0] == {"path": "<internal:thread_sync>", "line": 18, "label": "pop"}
    assert d["all_objects"][""] == 12
    assert d["all_objects"]["String"] == 1234567890
    assert d["all_objects"]["fatal"] == 1
    assert d["totals"]["string_bytes"] == 1234567890
    assert d["gc_profile"]["total_time"] == pytest.approx(0.012345)
    assert d["gc_profile"]["result"].startswith("GC 9 invokes.")
    assert d["truncated"] is False


def test_jruby_in_java_blocks_are_tolerated():
    (d,) = parse("jruby_in_java.log")
    assert [len(t["frames"]) for t in d["threads"]] == [3, 1]
    assert d["threads"][0]["java"].startswith('In Java "main" Id=1 RUNNABLE')
    assert "\tat org.jruby.RubyThread.backtrace" in d["threads"][0]["java"]
    assert d["gc_stat"] == {"count": 3, "time": 10}
    assert d["truncated"] is False  # JRuby has no object counts


def test_multi_dump_file():
    dumps = parse("ruby32_fluentd116_two_dumps.log")
    assert [(d["pid"], d["time"]) for d in dumps] == [
        (2351, "2024-05-14 10:21:33 +0900"), (2351, "2024-05-14 10:21:38 +0900")]
    assert dumps[0]["gc_stat"]["count"] == 57 and dumps[1]["gc_stat"]["count"] == 58
    assert dumps[1]["line"] > dumps[0]["line"] > 0


def test_truncated_dump_mid_thread():
    (d,) = parse("ruby27_td_agent4_truncated.log")
    assert d["truncated"] is True
    assert [t["name"] for t in d["threads"]] == [None, "flush_thread_0", "enqueue_thread"]
    assert d["threads"][-1]["frames"][-1]["path"].endswith("output.rb")
    assert d["gc_stat"] == {} and d["objects"] == {}


@pytest.mark.parametrize("cut", ["  GC stat:", "  Built-in objects:", "  All objects:", "    Hash "])
def test_truncation_detected_at_each_section(cut):
    text = load("ruby32_fluentd116_blocked_read.log")
    cut_text = text[:text.index(cut) + len(cut) + 2]
    (d,) = parse_sigdump(cut_text)
    assert d["truncated"] is True


def test_complete_dump_not_truncated_and_last_header_cut():
    text = load("ruby32_fluentd116_blocked_read.log")
    dumps = parse_sigdump(text + "Sigdump at 2024-05-1")
    assert len(dumps) == 1 and dumps[0]["truncated"] is False


def test_crlf_and_bytes_input():
    text = load("ruby21_td_agent2_mackerel.log")
    a = parse_sigdump(text.replace("\n", "\r\n"))
    b = parse_sigdump(text.encode("utf-8"))
    c = parse_sigdump(text)
    assert a == c and b == c


@pytest.mark.parametrize("text,needle", [
    ("", "empty"),
    ("   \n", "empty"),
    ("hello world\nThread foo\n", "no 'Sigdump at"),
    ("2024-01-01 INFO fluentd worker is now running\n", "no 'Sigdump at"),
    ("Sigdump at yesterday\n  Thread #<Thread:0x1 run> status=run priority=0\n", "malformed sigdump header"),
])
def test_rejects_non_sigdump(text, needle):
    with pytest.raises(ParseError) as err:
        parse_sigdump(text, "x.log")
    assert needle in str(err.value)
    assert "x.log" in str(err.value)


def test_rejects_wrong_type():
    with pytest.raises(ParseError):
        parse_sigdump(12)


# ------------------------------------------------------------------------------------------ helpers

def test_strip_sigdump_frames_variants():
    (d21,) = parse("ruby21_td_agent2_mackerel.log")
    s = strip_sigdump_frames(d21["threads"][0]["frames"])
    assert s[0]["label"] == "call" and "cool.io" in s[0]["path"]
    (d32,) = parse("ruby32_fluentd116_blocked_read.log")
    s = strip_sigdump_frames(d32["threads"][0]["frames"])
    assert format_frame(s[0]).endswith("fluent/engine.rb:152:in sleep")
    (d34,) = parse("ruby34_fluentd119_blocked_faraday.log")
    s = strip_sigdump_frames(d34["threads"][0]["frames"])
    assert s[0]["label"] == "Kernel#sleep"
    other = d34["threads"][1]["frames"]
    assert strip_sigdump_frames(other) == other
    assert strip_sigdump_frames([]) == []


def test_gem_of():
    assert gem_of("/x/gems/2.1.0/gems/mackerel-client-0.1.0/lib/mackerel/client.rb") == ("mackerel-client", "0.1.0")
    assert gem_of("/x/gems/fluent-plugin-s3-1.7.2/lib/a.rb") == ("fluent-plugin-s3", "1.7.2")
    assert gem_of("/usr/lib/ruby/3.2.0/net/http.rb") == (None, None)


# ------------------------------------------------------------------------------------------ analysis

def test_mackerel_hang_ruby21():
    findings = analyse(parse("ruby21_td_agent2_mackerel.log"))
    assert ids_sev(findings) == [("blocked_network_io", "critical")]
    f = findings[0]
    assert validate(f) == []
    d = f["data"]
    assert d["pid"] == 7846
    assert d["thread"] == "0x007f04a9c3f2a8"
    assert (d["gem"], d["gem_version"]) == ("mackerel-client", "0.1.0")
    assert (d["http_library"], d["http_library_version"]) == ("faraday", "0.9.2")
    assert d["plugin"] == "fluent-plugin-mackerel 0.1.3"
    assert (d["plugin_file"], d["plugin_method"]) == ("out_mackerel.rb", "write")
    assert d["fluentd_version"] == "0.12.20"
    assert d["operation"] == "connect"
    assert d["top_frame"].endswith("net/http.rb:879:in initialize")
    assert d["gem_requirement"] == "mackerel-client >= 0.1.1, < 0.9.0"
    assert f["fixable"] is True
    assert any("mackerel/client.rb:108:in post_service_metrics" in e for e in f["evidence"])
    assert any(e.startswith("Thread #<Thread:0x007f04a9c3f2a8>") for e in f["evidence"])


def test_ruby25_untimed_lock_in_plugin():
    findings = analyse(parse("ruby25_fluentd14_untimed_lock.log"))
    assert ids_sev(findings) == [("untimed_wait", "warning")]
    d = findings[0]["data"]
    assert d["thread"] == "flush_thread_0" and d["primitive_method"] == "lock"
    assert d["gem"] == "fluent-plugin-example"


def test_ruby32_blocked_read_single_dump():
    findings = analyse(parse("ruby32_fluentd116_blocked_read.log"))
    assert ids_sev(findings) == [("blocked_network_io", "critical")]
    d = findings[0]["data"]
    assert d["thread"] == "flush_thread_0" and d["operation"] == "read"
    assert d["gem"] == "fluent-plugin-example" and d["http_library"] is None
    assert d["fluentd_version"] == "1.16.2" and d["confirmed"] is False


def test_ruby34_blocked_faraday():
    findings = analyse(parse("ruby34_fluentd119_blocked_faraday.log"))
    assert ids_sev(findings) == [("blocked_network_io", "critical")]
    d = findings[0]["data"]
    assert (d["gem"], d["gem_version"]) == ("example-api-client", "2.4.0")
    assert (d["http_library"], d["http_library_version"]) == ("faraday", "2.13.1")
    assert "faraday-net_http 3.4.0" in d["http_libraries"]
    assert d["plugin"] == "fluent-plugin-example 2.1.0" and d["fluentd_version"] == "1.19.0"
    assert findings[0]["fixable"] is False


def test_two_dumps_confirm_stuck_thread():
    findings = analyse(parse("ruby32_fluentd116_two_dumps.log"))
    assert ids_sev(findings) == [("blocked_network_io", "critical"), ("confirmed_stuck", "critical")]
    stuck = [f for f in findings if f["id"] == "confirmed_stuck"][0]
    assert stuck["data"]["seconds_between"] == 5
    assert stuck["data"]["thread"] == "flush_thread_0" and stuck["data"]["pid"] == 2351
    assert stuck["data"]["reason"] == "blocked_network_io"
    assert [f for f in findings if f["id"] == "blocked_network_io"][0]["data"]["confirmed"] is True


def test_two_dumps_same_second_are_not_confirmation():
    text = load("ruby32_fluentd116_two_dumps.log").replace("10:21:38", "10:21:33")
    assert "confirmed_stuck" not in [f["id"] for f in analyse(parse_sigdump(text))]


def test_moving_thread_is_not_confirmed():
    text = load("ruby32_fluentd116_two_dumps.log")
    first, second = text.split("Sigdump at 2024-05-14 10:21:38")
    second = second.replace("net/protocol.rb:229:in `wait_readable'", "net/protocol.rb:218:in `read_nonblock'", 1)
    findings = analyse(parse_sigdump(first + "Sigdump at 2024-05-14 10:21:38" + second))
    assert "confirmed_stuck" not in [f["id"] for f in findings]


def test_shutdown_waiting_on_blocked_flush():
    findings = analyse(parse("ruby27_td_agent4_shutdown_hang.log"))
    assert ids_sev(findings) == [("blocked_network_io", "critical"), ("shutdown_waiting", "critical")]
    sw = [f for f in findings if f["id"] == "shutdown_waiting"][0]
    assert sw["data"]["phase"] == "after_shutdown" and sw["data"]["blocked_threads"] == ["flush_thread_0"]
    bn = [f for f in findings if f["id"] == "blocked_network_io"][0]["data"]
    assert bn["operation"] == "ssl_connect"
    assert (bn["gem"], bn["http_library"]) == ("elasticsearch-api", "elasticsearch-transport")


def test_shutdown_waiting_alone_is_warning():
    text = load("ruby27_td_agent4_shutdown_hang.log")
    start = text.index("  Thread #<Thread:0x000055f1e6b1c0a8")
    end = text.index("  Thread #<Thread:0x000055f1e5f0b3d8")
    findings = analyse(parse_sigdump(text[:start] + text[end:]))
    assert ids_sev(findings) == [("shutdown_waiting", "warning")]


@pytest.mark.parametrize("name", [
    "ruby32_fluentd116_supervisor_idle.log",
    "ruby32_fluentd116_worker_idle_two_dumps.log",
    "ruby31_odd_threads_gcprof.log",
    "jruby_in_java.log",
])
def test_healthy_dumps_have_no_warning_or_critical(name):
    findings = analyse(parse(name))
    assert [f for f in findings if f["severity"] in ("warning", "critical")] == []


def test_truncated_dump_is_info_only():
    findings = analyse(parse("ruby27_td_agent4_truncated.log"))
    assert ids_sev(findings) == [("sigdump_truncated", "info")]


def test_analyse_pid_filter_and_types():
    dumps = parse("ruby21_td_agent2_mackerel.log") + parse("ruby32_fluentd116_blocked_read.log")
    assert {f["data"]["pid"] for f in analyse(dumps)} == {7846, 2351}
    assert {f["data"]["pid"] for f in analyse(dumps, pid=2351)} == {2351}
    with pytest.raises(TypeError):
        analyse("nope")


def test_findings_follow_schema():
    for name in ALL_SAMPLES:
        for f in analyse(parse(name)):
            assert validate(f) == []
            assert f["evidence"]


def test_summarize():
    (s,) = summarize(parse("ruby32_fluentd116_blocked_read.log"))
    assert s["pid"] == 2351 and s["role"] == "worker" and s["thread_count"] == 7
    assert s["fluentd_version"] == "1.16.2"
    assert s["states"]["sleep_forever"] == 1
    assert s["threads"][1]["top_frames"][0].endswith("net/protocol.rb:229:in wait_readable")
    (sup,) = summarize(parse("ruby32_fluentd116_supervisor_idle.log"))
    assert sup["role"] == "supervisor"


# ------------------------------------------------------------------------------------------ properties

@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.text())
def test_arbitrary_text_only_parse_error(text):
    try:
        dumps = parse_sigdump(text)
    except ParseError:
        return
    analyse(dumps)
    summarize(dumps)


_SAMPLE_TEXTS = [load(n) for n in ALL_SAMPLES]


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.sampled_from(_SAMPLE_TEXTS), st.data())
def test_mutated_samples_only_parse_error(text, data):
    lines = text.split("\n")
    for _unused in range(data.draw(st.integers(0, 6))):
        op = data.draw(st.sampled_from(["drop", "dup", "cut", "insert", "swap"]))
        i = data.draw(st.integers(0, max(len(lines) - 1, 0)))
        if not lines:
            break
        if op == "drop":
            del lines[i]
        elif op == "dup":
            lines.insert(i, lines[i])
        elif op == "cut":
            lines[i] = lines[i][:data.draw(st.integers(0, len(lines[i])))]
        elif op == "insert":
            lines.insert(i, data.draw(st.text(max_size=40)))
        else:
            j = data.draw(st.integers(0, len(lines) - 1))
            lines[i], lines[j] = lines[j], lines[i]
    cut = data.draw(st.integers(0, len("\n".join(lines))))
    mutated = "\n".join(lines)[:cut]
    try:
        dumps = parse_sigdump(mutated)
    except ParseError:
        return
    analyse(dumps)
    summarize(dumps)


# ------------------------------------------------------------------------------------------ bulk frame parsing
# The parser reads the frames of a thread in bulk (one regex pass, and a cache of stacks that recur in
# every dump). These tests build the expected frames straight from the sample lines, as the format
# reference describes them (6-space indent, "path:lineno:in `label'" or "in 'label'"), and check every
# thread, on the samples as they are, repeated (second dump served from the cache), and in CRLF.

_SPEC_FRAME = re.compile(r"^      (?P<path>.+?):(?P<line>\d+):in (?:[`'](?P<label>.*)'|(?P<cut>.*))$")


def _expected_threads(text):
    """[(header line number, header without indent, [frames])] read line by line from a well-formed sample."""
    threads = []
    frames = None
    for number, line in enumerate(text.split("\n"), 1):
        if line.startswith("  Thread "):
            frames = []
            threads.append((number, line.strip(), frames))
        elif line.startswith("      ") and frames is not None:
            m = _SPEC_FRAME.match(line)
            assert m, line
            label = m.group("label") if m.group("cut") is None else m.group("cut")  # cut short: kept as written
            frames.append({"path": m.group("path"), "line": int(m.group("line")), "label": label})
        elif line:
            frames = None  # a section header or a JRuby "In Java" part ends the frames
    return threads


@pytest.mark.parametrize("name", ALL_SAMPLES)
@pytest.mark.parametrize("variant", ["as_is", "twice", "crlf"])
def test_bulk_frames_match_sample_lines(name, variant):
    text = load(name)
    if not text.endswith("\n"):
        text += "\n"
    expected = _expected_threads(text)
    assert expected
    if variant == "twice":
        text = text + text
        n_lines = text.count("\n") // 2
        expected = expected + [(n + n_lines, h, f) for n, h, f in expected]
    elif variant == "crlf":
        text = text.replace("\n", "\r\n")
    got = [(t["line"], t["header"], t["frames"]) for d in parse_sigdump(text) for t in d["threads"]]
    assert got == expected
    assert sum(d["unparsed"] for d in parse_sigdump(text)) == 0


def test_cached_stacks_give_independent_frames():
    text = load("ruby32_fluentd116_two_dumps.log")
    first, second = parse_sigdump(text)
    idle = [t for t in first["threads"] if t["name"] == "enqueue_thread"][0]
    again = [t for t in second["threads"] if t["name"] == "enqueue_thread"][0]
    assert idle["frames"] == again["frames"]
    assert idle["frames"] is not again["frames"] and idle["frames"][0] is not again["frames"][0]
    idle["frames"][0]["label"] = "changed"
    idle["frames"].append({"path": "x", "line": 1, "label": None})
    assert again["frames"][0]["label"] != "changed"
    (fresh, _unused) = parse_sigdump(text)
    assert [t for t in fresh["threads"] if t["name"] == "enqueue_thread"][0]["frames"] == again["frames"]


_HEAD = "Sigdump at 2024-05-14 10:21:33 +0900 process 42 (fluentd)\n"
_THREAD = "  Thread #<Thread:0x00007f0000000001@flush_thread_0 /x/thread.rb:70 sleep> status=sleep priority=0\n"
_TAIL = ("  GC stat:\n      count: 7\n  Built-in objects:\n   1,204: TOTAL\n  All objects:\n       5: String\n"
         "  String 10 bytes\n   Array 1 elements\n    Hash 0 pairs\n")
# (frame line, expected frame): odd but real-looking frames that leave the common "path:N:in `label'" shape
_ODD_FRAMES = [
    ("      <internal:kernel>:187:in `loop'", {"path": "<internal:kernel>", "line": 187, "label": "loop"}),
    ("      /x/a.rb:10:in `block (2 levels) in <class:Foo>'",
     {"path": "/x/a.rb", "line": 10, "label": "block (2 levels) in <class:Foo>"}),
    ("      /x/a.rb:5:in 'Fluent::Plugin::Output#try_flush'",
     {"path": "/x/a.rb", "line": 5, "label": "Fluent::Plugin::Output#try_flush"}),
    ("      (eval):1:in `<main>'", {"path": "(eval)", "line": 1, "label": "<main>"}),
    ("      C:/ruby/lib/a.rb:3:in `x'", {"path": "C:/ruby/lib/a.rb", "line": 3, "label": "x"}),
    ("      /x/a.rb:7:in `instance_eval:in here'", {"path": "/x/a.rb", "line": 7, "label": "instance_eval:in here"}),
    ("      /x/a.rb:in `foo'", {"path": "/x/a.rb", "line": None, "label": "foo"}),
    ("      /x/a.rb:12", {"path": "/x/a.rb", "line": 12, "label": None}),
    ("      /x/a.rb:7:in `cut_sho", {"path": "/x/a.rb", "line": 7, "label": "`cut_sho"}),
    ("      /x/a.rb:7:in '", {"path": "/x/a.rb", "line": 7, "label": "'"}),
    ("      /x/a.rb:7:in ''", {"path": "/x/a.rb", "line": 7, "label": ""}),
    ("      /x/a.rb:1x:in `y'", {"path": "/x/a.rb:1x", "line": None, "label": "y"}),
    ("      :12:in `y'", {"path": ":12", "line": None, "label": "y"}),
]
_USUAL = ("      /x/output.rb:1516:in `sleep'", {"path": "/x/output.rb", "line": 1516, "label": "sleep"})


@pytest.mark.parametrize("odd,expected", _ODD_FRAMES)
@pytest.mark.parametrize("nl", ["\n", "\r\n"])
def test_odd_frame_lines_between_usual_ones(odd, expected, nl):
    thread = _THREAD + "\n".join([_USUAL[0], odd, _USUAL[0]]) + "\n"
    text = (_HEAD + _THREAD + _USUAL[0] + "\n" + thread + _TAIL) * 2
    dumps = parse_sigdump(text.replace("\n", nl))
    assert len(dumps) == 2
    for d in dumps:
        assert [t["frames"] for t in d["threads"]] == [[_USUAL[1]], [_USUAL[1], expected, _USUAL[1]]]
        assert [t["line"] - d["line"] for t in d["threads"]] == [1, 3]
        assert d["unparsed"] == 0 and d["truncated"] is False


def test_unparsed_and_blank_lines_inside_a_stack():
    lines = [_USUAL[0], "", "      ", "garbage between frames", "  Thread not a header", _USUAL[0]]
    text = _HEAD + _THREAD + "\n".join(lines) + "\n" + _TAIL
    (d,) = parse_sigdump(text)
    # the empty line is skipped; a 6-space line is an (empty) frame; the other two are unparsed
    assert d["threads"][0]["frames"] == [_USUAL[1], {"path": "", "line": None, "label": None}, _USUAL[1]]
    assert d["unparsed"] == 2


def test_jruby_java_part_after_cached_ruby_frames():
    text = load("jruby_in_java.log")
    for d in parse_sigdump(text + text.replace("\n", "\r\n")):
        main, other = d["threads"]
        assert main["frames"][-1] == {"path": "app.rb", "line": 5, "label": "sleep"}
        assert main["java"] == ('In Java "main" Id=1 RUNNABLE\n\tat java.lang.Thread.getStackTrace(Thread.java:1559)\n'
                                '\tat org.jruby.RubyThread.backtrace(RubyThread.java:1201)')
        assert other["frames"] == [{"path": "app.rb", "line": 3, "label": "sleep"}]
        assert other["java"] == ('In Java "Ruby-0-Thread-1: app.rb:2" Id=14 TIMED_WAITING\n'
                                 '\tat java.lang.Object.wait(Native Method)')
        assert d["unparsed"] == 0


@pytest.mark.parametrize("cut,last_frame", [
    ("output.rb:1225:in `try_fl", {"path": "/opt/td-agent/x/output.rb", "line": 1225, "label": "`try_fl"}),
    ("output.rb:1225:i", {"path": "/opt/td-agent/x/output.rb:1225:i", "line": None, "label": None}),
    ("output.rb:12", {"path": "/opt/td-agent/x/output.rb", "line": 12, "label": None}),
])
def test_truncated_last_dump_inside_a_frame(cut, last_frame):
    whole = _HEAD + _THREAD + _USUAL[0] + "\n      /opt/td-agent/x/output.rb:1225:in `try_flush'\n" + _TAIL
    text = whole + whole[:whole.index(cut) + len(cut)]
    first, last = parse_sigdump(text)
    assert first["truncated"] is False and last["truncated"] is True
    assert last["threads"][0]["frames"] == [_USUAL[1], last_frame]
    assert first["threads"][0]["frames"][-1]["label"] == "try_flush"
