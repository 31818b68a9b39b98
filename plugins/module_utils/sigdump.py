# -*- coding: utf-8 -*-
# Copyright: (c) 2026, sre.remediation contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Parse Ruby sigdump files (td-agent / fluentd) and find hung flushes and shutdowns.

Pure Python 3.8+, standard library only, no Ansible imports.

Format (fluent/sigdump 0.1.0 - 0.2.5)::

    Sigdump at <Time#to_s> process <pid> (<$0>)
      Thread <Thread#to_s> status=<status> priority=<int>
          <path>:<line>:in `<label>'          (Ruby 3.4: in '<Owner#label>')
      GC stat:
          <key>: <int>
      Built-in objects:
       312,904: TOTAL
      All objects:
       141,220: String
      String 9,884,211 bytes
       Array 201,337 elements
        Hash 55,120 pairs
      GC profiling result:                   (optional)

A file may hold several appended dumps (no end marker: a dump ends at the next header or EOF).
"""

from __future__ import annotations

import datetime
import functools
import gc
import re

from ansible_collections.sre.remediation.plugins.module_utils.findings import ParseError, finding

__all__ = [
    "parse_sigdump",
    "strip_sigdump_frames",
    "analyse",
    "summarize",
    "format_frame",
    "gem_of",
    "ParseError",
]

# --------------------------------------------------------------------------------------------
# Parsing
# --------------------------------------------------------------------------------------------

_HEADER_RE = re.compile(r"^Sigdump at (.*?) process (\d+) \((.*)\)[ \t]*$", re.ASCII)
_SECTION_RE = re.compile(r"\n  (GC stat|Built-in objects|All objects|GC profiling result):[ \t]*(?=\n|$)")
_SECTION_KEYS = {"GC stat": "gcstat", "Built-in objects": "builtin", "All objects": "allobj",
                 "GC profiling result": "gcprof"}
# Section bodies are matched with "\n" + body so that every pattern starts with a literal (fast search).
_GCSTAT_LINE_RE = re.compile(r"\n +([^\n:]+): (-?\d[\d,]*)[ \t]*(?=\n|$)", re.ASCII)
# The usual GC stat line, about twice as fast as _GCSTAT_LINE_RE; a line it matches gives the same key and
# value there (the key has no blanks to strip, the value no commas). Used only when it matched every line.
_GCSTAT_FAST_RE = re.compile(r"\n +(\w+): (-?\d+)$", re.ASCII | re.MULTILINE)
_COUNT_LINE_RE = re.compile(r"\n *(\d[\d,]*):(?: ([^\n]*))?(?=\n|$)", re.ASCII)
_TOTALS_LINE_RE = re.compile(r"\n +(String|Array|Hash) (\d[\d,]*) (?:bytes|elements|pairs)[ \t]*(?=\n|$)",
                             re.ASCII)
_NONBLANK_RE = re.compile(r"\n[ \t]*\S")
_GCPROF_TIME_RE = re.compile(r"^  Total garbage collection time: ([-+0-9.eE]+)[ \t]*$", re.MULTILINE | re.ASCII)
_THREAD_LINE_RE = re.compile(r"\n  Thread (.*) status=(\S+) priority=(-?\d+)[ \t]*(?=\n|$)", re.ASCII)
# Frame lines ("\n" + 6 spaces + "<path>:<line>:in <label>") are read in bulk, one findall over all the
# frames of a thread, instead of line by line: the per-line Python loop was most of the parse time.
# Both patterns split a line exactly as the original per-line code did:
#   loc, ":in ", label = line.partition(":in ")
#   path, ":", line = loc.rpartition(":")    -> (path, int(line)) when path != "" and line is ASCII digits,
#                                               else (loc, None)
#   label[1:-1] when it is quoted `x' or 'x' (at least 2 characters), else label
# ("." never matches "\n": no DOTALL.)
# _FRAME_RE handles any line; the tempered tokens (?!:in ) keep loc before the first ":in ", which makes
# it slow. Groups: (path, line, loc, ":in " or "", quoted label, raw label).
_FRAME_RE = re.compile(
    r"\n      (?:((?:(?!:in ).)+?):([0-9]+)|((?:(?!:in ).)*))"
    r"(?:(:in )(?:[`'](.*)'|(.*)))?$", re.ASCII | re.MULTILINE)
# _FAST_FRAME_RE is the common case "<path>:<digits>:in <label>" without tempered tokens: several times
# cheaper. Its greedy path stops at the LAST ":<digits>:in " of a line, so _parse_threads uses its result
# only when every line of the thread matched and holds just one ":in " (then it is also the first one).
# Groups: (path, line, quoted label, raw label).
_FAST_FRAME_RE = re.compile(r"\n      (.+):(\d+):in (?:[`'](.*)'|(.*))$", re.ASCII | re.MULTILINE)
_NONFRAME_LINE_RE = re.compile(r"\n(?!      )[^\n]")
_NONEMPTY_LINE_RE = re.compile(r"\n[^\n]")
_TOS_RE = re.compile(r"^#<([A-Za-z_][\w]*(?:::[A-Za-z_]\w*)*):(0x[0-9a-fA-F]+)(.*)>$", re.ASCII | re.DOTALL)
_LOC_RE = re.compile(r"^.*:\d+$", re.ASCII | re.DOTALL)
_STATE_RE = re.compile(r"^[a-z_]+$", re.ASCII)
_TOTAL_KEYS = {"String": "string_bytes", "Array": "array_elements", "Hash": "hash_pairs"}
# Caches for the parse of a big file: the same threads, mostly idle with the very same stack, recur in
# every dump of a process. Cleared when full and at the end of each parse_sigdump() call. Their values are
# never handed out (immutable tuples; _usual_frames returns copies of the cached frame dicts).
_tos_cache = {}  # Thread#to_s -> _parse_thread_tos() result
_stack_cache = {}  # text of a thread's frame lines (all matched by _FAST_FRAME_RE) -> tuple of frame dicts
_CACHE_ENTRIES = 2048
_STACK_CACHE_MAX_CHARS = 32768  # bigger stacks are not cached (keys: at most 64 MB)


def _to_int(text):
    """'1,234' -> 1234, None when not an ASCII integer."""
    s = text.strip().replace(",", "")
    neg = s.startswith("-")
    if neg:
        s = s[1:]
    if s and s.isascii() and s.isdigit():
        return -int(s) if neg else int(s)
    return None


def _parse_thread_tos(tos):
    """Split Thread#to_s into (class, id, name, location, state)."""
    m = _TOS_RE.match(tos)
    if not m:
        return None, None, None, None, None
    cls, addr, rest = m.group(1), m.group(2).lower(), m.group(3)
    state = None
    middle = rest
    if rest:
        head, sep, last = rest.rpartition(" ")
        if sep and _STATE_RE.match(last):
            state = last
            middle = head
    name = location = None
    if middle.startswith("@"):
        body = middle[1:]
        head, sep, last = body.rpartition(" ")
        if sep and "@" not in last and _LOC_RE.match(last):
            # Ruby 2.7+: "@name file:line"
            name, location = head, last
        else:
            head2, sep2, last2 = body.rpartition("@")
            if sep2 and _LOC_RE.match(last2):
                # Ruby 2.5/2.6: "@name@file:line" or "@file:line"
                name, location = (head2 or None), last2
            elif " " not in body and _LOC_RE.match(body):
                location = body  # Ruby 2.5/2.6 location only
            else:
                name = body
    elif middle.strip():
        location = middle.strip()  # Ruby 2.7+: location only, after a space
    if name == "":
        name = None
    return cls, addr, name, location, state


def _parse_threads(part, first_lineno, dump):
    """Parse the thread section (text between the header line and the first following section).

    Line rules (unchanged from the original per-line parser): a line matching _THREAD_LINE_RE starts a
    thread; until that thread's first "    In Java" line every line indented by 6 spaces is a frame and
    other non-empty lines are unparsed; from "    In Java" on, tab-indented and blank lines belong to the
    Java stack. Empty lines are ignored; every non-empty line before the first thread is unparsed.

    For speed the frames are not read line by line (that Python loop was most of the parse time): the
    lines between two thread headers are matched in bulk (see _usual_frames, and _FRAME_RE for any
    other thread); the counts of unparsed lines and line numbers come from str.count and findall.
    """
    threads = dump["threads"]
    text = "\n" + part  # every line, the first one included, starts with "\n" (what the regexes anchor on)
    headers = list(_THREAD_LINE_RE.finditer(text)) if "\n  Thread " in text else []
    if not headers:
        return len(_NONEMPTY_LINE_RE.findall(text))
    unparsed = len(_NONEMPTY_LINE_RE.findall(text, 0, headers[0].start()))
    lineno = first_lineno + text.count("\n", 0, headers[0].start())
    last = len(headers) - 1
    for idx, m in enumerate(headers):
        begin = m.end()
        end = headers[idx + 1].start() if idx < last else len(text)
        stack = text[begin:end]
        frames = _usual_frames(stack)
        java_at = -1
        if frames is not None:
            lines = len(frames)
        else:
            lines = stack.count("\n")
            java_at = text.find("\n    In Java", begin, end)
            frames_end = end if java_at < 0 else java_at
            frames = [{"path": path or loc, "line": int(ln) if ln else None, "label": (quoted or raw) if sep else None}
                      for path, ln, loc, sep, quoted, raw in _FRAME_RE.findall(text, begin, frames_end)]
            unparsed += len(_NONFRAME_LINE_RE.findall(text, begin, frames_end))
        tos = m.group(1)
        hit = _tos_cache.get(tos)
        if hit is None:
            hit = _parse_thread_tos(tos)
            if len(_tos_cache) >= _CACHE_ENTRIES:
                _tos_cache.clear()
            _tos_cache[tos] = hit
        cls, addr, name, location, tstate = hit
        thread = {
            "id": addr,
            "class": cls,
            "name": name,
            "location": location,
            "state": tstate,
            "status": m.group(2),
            "priority": int(m.group(3)),
            "frames": frames,
            "header": m.group(0)[1:].strip(),
            "line": lineno,
        }
        threads.append(thread)
        if java_at >= 0:
            unparsed += _parse_java(text[java_at + 1:end], thread)
        lineno += 1 + lines
    return unparsed


def _usual_frames(stack):
    """Frame dicts of a thread whose lines (``stack``, each starting with "\n") are all usual frames, else None.

    Usual: every line matches _FAST_FRAME_RE and holds the only ":in " of its line (so the greedy path
    stopped at the first ":in " too); then there is nothing unparsed and no Java part. Such a stack is
    remembered: idle threads repeat it verbatim in every dump, and copying the cached dicts (in C, via
    map(dict.copy)) is far cheaper than matching the lines again.
    """
    known = _stack_cache.get(stack)
    if known is not None:
        return list(map(dict.copy, known))
    found = _FAST_FRAME_RE.findall(stack)
    lines = stack.count("\n")
    if len(found) != lines or (lines and stack.count(":in ") != lines):
        return None
    frames = [{"path": path, "line": int(ln), "label": quoted or raw} for path, ln, quoted, raw in found]
    if len(stack) <= _STACK_CACHE_MAX_CHARS:
        if len(_stack_cache) >= _CACHE_ENTRIES:
            _stack_cache.clear()
        _stack_cache[stack] = tuple(map(dict.copy, frames))  # private templates, never handed out
    return frames


def _parse_java(part, thread):
    """The JRuby part of one thread, from its first "    In Java" line to the next thread header (rare: per line)."""
    java = None
    unparsed = 0
    for line in part.split("\n"):
        if not line:
            continue
        if line.startswith("    In Java"):
            java = [line[4:]]
            thread["java"] = java
        elif java is not None and not line.startswith("  Thread ") and (line[0] == "\t" or not line.strip()):
            java.append(line)
        else:
            unparsed += 1
    if java is not None:
        thread["java"] = "\n".join(java).rstrip("\n")
    return unparsed


def _count_lines(content):
    return len(_NONBLANK_RE.findall("\n" + content))


def _parse_section(kind, content, dump):
    """Parse one section body; returns the number of lines it could not read."""
    if kind not in ("gcstat", "builtin", "allobj"):
        return _parse_gcprof(content, dump)
    # The line patterns anchor on the "\n" that starts each line; the body of a section found by _parse_one
    # already starts with it (the header's line end), so only other input needs one prepended.
    if content[:1] != "\n":
        content = "\n" + content
    if kind == "gcstat":
        pairs = _GCSTAT_FAST_RE.findall(content)
        if len(pairs) == content.count("\n"):
            # every line is a plain "key: int" (the usual case): nothing to strip, no commas, nothing unparsed
            dump["gc_stat"].update({key: int(val) for key, val in pairs})
            return 0
        pairs = _GCSTAT_LINE_RE.findall(content)
        dump["gc_stat"].update({key.strip(): int(val.replace(",", "")) for key, val in pairs})
        # (no shortcut here: a key may start with a blank that _NONBLANK_RE does not count as a line)
        return len(_NONBLANK_RE.findall(content)) - len(pairs)
    pairs = _COUNT_LINE_RE.findall(content)
    target = dump["objects"] if kind == "builtin" else dump["all_objects"]
    target.update({key: int(num.replace(",", "")) for num, key in pairs})
    read = len(pairs)
    if kind == "allobj" or "  String " in content:
        for m in _TOTALS_LINE_RE.finditer(content):
            dump["totals"][_TOTAL_KEYS[m.group(1)]] = _to_int(m.group(2))
            read += 1
    if read == content.count("\n"):
        # every line was read (the usual case); each such line starts with blanks and a digit or a letter,
        # so _NONBLANK_RE would count exactly these lines
        return 0
    return len(_NONBLANK_RE.findall(content)) - read


def _parse_gcprof(content, dump):
    """GC profiling result: total time, then the raw GC::Profiler.result table."""
    m = _GCPROF_TIME_RE.search(content)
    total = None
    if m:
        try:
            total = float(m.group(1))
        except ValueError:
            total = None
        content = content[:m.start()] + content[m.end():]
    dump["gc_profile"] = {"total_time": total, "result": content.strip("\n")}
    return 0


def _truncated(dump, sections):
    jruby = any("java" in t for t in dump["threads"])
    if not dump["threads"]:
        return True
    if not ({"gcstat", "builtin", "allobj"} & sections) and not dump["totals"]:
        return True  # stopped during the threads (no end marker: sections must follow)
    if "gcstat" in sections and "builtin" not in sections and not jruby:
        return True  # CRuby always has ObjectSpace.count_objects
    if "builtin" in sections and "allobj" not in sections:
        return True
    if "allobj" in sections and len(dump["totals"]) < 3:
        return True
    return False


def _parse_one(chunk, lineno, source, is_last):
    """Parse one dump: chunk starts with its header line."""
    nl = chunk.find("\n")
    header = chunk if nl < 0 else chunk[:nl]
    m = _HEADER_RE.match(header)
    if not m:
        if is_last and nl < 0:
            return None  # a header cut short at EOF
        raise ParseError("malformed sigdump header %r (expected 'Sigdump at <time> process <pid> (<program>)')"
                         % header[:200], source, lineno)
    dump = {
        "time": m.group(1),
        "pid": int(m.group(2)),
        "program": m.group(3),
        "source": source,
        "line": lineno,
        "threads": [],
        "gc_stat": {},
        "objects": {},
        "all_objects": {},
        "totals": {},
        "gc_profile": None,
        "truncated": False,
        "unparsed": 0,
    }
    body = "\n" if nl < 0 else chunk[nl:]  # "\n" + the text after the header line
    marks = list(_SECTION_RE.finditer(body)) if "\n  " in body else []
    thread_part = body[:marks[0].start()] if marks else body
    unparsed = _parse_threads(thread_part[1:], lineno + 1, dump)
    sections = set()
    for idx, mark in enumerate(marks):
        kind = _SECTION_KEYS[mark.group(1)]
        end = marks[idx + 1].start() if idx + 1 < len(marks) else len(body)
        sections.add(kind)
        unparsed += _parse_section(kind, body[mark.end():end], dump)
    if not marks:
        # 0.1.0-style totals without sections, or nothing after the threads
        for tm in _TOTALS_LINE_RE.finditer(thread_part):
            dump["totals"][_TOTAL_KEYS[tm.group(1)]] = _to_int(tm.group(2))
    dump["unparsed"] = max(unparsed, 0)
    dump["truncated"] = _truncated(dump, sections)
    return dump


def parse_sigdump(text, source=None):
    """Parse the text of one sigdump file (one or more appended dumps) into a list of dumps.

    Raises ParseError when the text holds no ``Sigdump at <time> process <pid> (<program>)`` header
    or a header line (other than one cut short at the end of the text) is malformed. Other unknown
    lines are tolerated and counted in each dump's ``unparsed``.
    """
    # Hundreds of thousands of small dicts: the cyclic GC would rescan them over and over.
    enabled = gc.isenabled()
    gc.disable()
    try:
        return _parse_sigdump(text, source)
    finally:
        _stack_cache.clear()
        _tos_cache.clear()
        if enabled:
            gc.enable()


def _parse_sigdump(text, source=None):
    """Parse the text of one sigdump file (one or more appended dumps) into a list of dumps.

    Raises ParseError when the text holds no ``Sigdump at <time> process <pid> (<program>)`` header
    or a header line (other than one cut short at the end of the text) is malformed. Other unknown
    lines are tolerated and counted in each dump's ``unparsed``.
    """
    if isinstance(text, (bytes, bytearray)):
        text = bytes(text).decode("utf-8", "replace")
    if not isinstance(text, str):
        raise ParseError("sigdump input must be a string, got %s" % type(text).__name__, source)
    if not text.strip():
        raise ParseError("empty input: no 'Sigdump at ... process N (...)' header", source)
    if "\r" in text:
        text = text.replace("\r\n", "\n").replace("\r", "\n")
    starts = []
    pos = 0 if text.startswith("Sigdump at ") else text.find("\nSigdump at ")
    while pos >= 0:
        if text[pos] == "\n":
            pos += 1
        starts.append(pos)
        pos = text.find("\nSigdump at ", pos)
    if not starts:
        raise ParseError("not a sigdump: no 'Sigdump at <time> process <pid> (<program>)' header found", source)
    leading = _count_lines(text[:starts[0]])
    dumps = []
    lineno = text.count("\n", 0, starts[0]) + 1
    for i, start in enumerate(starts):
        end = starts[i + 1] if i + 1 < len(starts) else len(text)
        chunk = text[start:end]
        dump = _parse_one(chunk, lineno, source, i + 1 == len(starts))
        lineno += chunk.count("\n")
        if dump is None:
            if dumps:
                dumps[-1]["unparsed"] += 1
            continue
        dumps.append(dump)
    if not dumps:
        raise ParseError("not a sigdump: no valid 'Sigdump at <time> process <pid> (<program>)' header found",
                         source)
    dumps[0]["unparsed"] += leading
    return dumps


# --------------------------------------------------------------------------------------------
# Frame helpers
# --------------------------------------------------------------------------------------------

_GEM_RE = re.compile(r"/gems/([A-Za-z0-9_.\-]+?)-(\d[A-Za-z0-9_.\-]*)/", re.ASCII)
_LABEL_PREFIX_RE = re.compile(r"^(?:(?:block(?: \(\d+ levels\))?|rescue|ensure) in )+", re.ASCII)
_gem_cache = {}


def gem_of(path):
    """(name, version) of the gem a frame path lives in, or (None, None)."""
    if path is None:
        return None, None
    hit = _gem_cache.get(path)
    if hit is None:
        m = _GEM_RE.search(path)
        hit = (m.group(1), m.group(2)) if m else (None, None)
        if len(_gem_cache) > 50000:
            _gem_cache.clear()
        _gem_cache[path] = hit
    return hit


@functools.lru_cache(maxsize=65536)
def _split_label(label):
    """'block (2 levels) in Fluent::Plugin::Output#try_flush' -> ('Fluent::Plugin::Output', 'try_flush')."""
    if not label:
        return None, ""
    core = _LABEL_PREFIX_RE.sub("", label)
    for sep in ("#", "."):
        i = core.rfind(sep)
        if 0 < i < len(core) - 1:
            owner = core[:i]
            if owner[:1].isupper() or owner.startswith("#<"):
                return owner, core[i + 1:]
    return None, core


def _method(frame):
    return _split_label(frame.get("label"))[1]


def _owner(frame):
    return _split_label(frame.get("label"))[0]


def format_frame(frame):
    """'path:line:in label' (the label without quotes)."""
    if frame.get("line") is None:
        base = frame.get("path") or ""
    else:
        base = "%s:%s" % (frame.get("path"), frame["line"])
    if frame.get("label") is None:
        return base
    return "%s:in %s" % (base, frame["label"])


def _is_sigdump_frame(frame):
    path = frame.get("path") or ""
    return ("/sigdump-" in path and path.endswith(".rb")) or path.endswith("/sigdump.rb") or \
        path.endswith("sigdump/setup.rb")


_TRAP_LABELS = ("dump_non_windows", "install_main_process_signal_handlers", "install_supervisor_signal_handlers",
                "trap")


def strip_sigdump_frames(frames):
    """Drop sigdump's own frames (and the signal-handler wrappers that called it) from a trap thread."""
    frames = list(frames or [])
    i = 0
    n = len(frames)
    seen_sigdump = False
    while i < n:
        f = frames[i]
        if _is_sigdump_frame(f):
            seen_sigdump = True
            i += 1
            continue
        if seen_sigdump:
            label = f.get("label") or ""
            if any(t in label for t in _TRAP_LABELS) or _method(f) in ("call",) and "signal" in (f.get("path") or ""):
                i += 1
                continue
        break
    if not seen_sigdump:
        return frames
    return frames[i:]


# --------------------------------------------------------------------------------------------
# Classification
# --------------------------------------------------------------------------------------------

STDLIB_GEMS = frozenset((
    "net-http", "net-protocol", "timeout", "openssl", "socket", "resolv", "uri", "json", "logger", "monitor",
    "io-wait", "net-http-pipeline", "webrick", "forwardable", "ipaddr",
))
HTTP_LIBS = frozenset((
    "faraday", "faraday-net_http", "faraday-net_http_persistent", "faraday_middleware", "faraday-retry",
    "net-http-persistent", "httpclient", "excon", "http", "httparty", "rest-client", "typhoeus", "ethon",
    "em-http-request", "async-http", "httpx", "patron", "elastic-transport", "elasticsearch-transport",
    "multipart-post", "http-client", "persistent_http", "manticore", "connection_pool", "retriable",
))
FLUENTD_CORE = frozenset(("fluentd", "serverengine", "cool.io", "sigdump", "strptime", "msgpack", "yajl-ruby",
                          "oj", "http_parser.rb", "tzinfo", "async", "async-io"))

_NET_PATHS = ("/net/http.rb", "/net/protocol.rb", "/net/http/response.rb", "/net/http/generic_request.rb",
              "/net/https.rb", "/openssl/buffering.rb", "/openssl/ssl.rb", "/resolv.rb", "/socket.rb")
_NET_OWNERS = frozenset(("TCPSocket", "Socket", "BasicSocket", "IPSocket", "UDPSocket", "Addrinfo",
                         "OpenSSL::SSL::SSLSocket", "Net::HTTP", "Net::BufferedIO", "Net::HTTPResponse",
                         "Net::HTTPGenericRequest", "Resolv", "Resolv::DNS", "OpenSSL::Buffering"))
_NET_METHODS = frozenset(("rbuf_fill", "readuntil", "read_status_line", "connect_nonblock", "sysread_nonblock",
                          "getaddrinfo", "connect", "sysread", "read_new", "readline", "wait_readable",
                          "wait_writable", "syswrite_nonblock", "accept_nonblock"))
_IO_METHODS = frozenset(("select", "wait_readable", "wait_writable", "read", "readpartial", "read_nonblock",
                         "write", "write_nonblock", "syswrite", "sysread", "gets", "readline", "recv", "recvfrom",
                         "recv_nonblock", "connect", "connect_nonblock", "initialize", "open", "new", "timeout",
                         "getaddrinfo", "wait", "rbuf_fill"))
_WRITE_PATH_METHODS = frozenset(("try_flush", "write_chunk", "flush_thread_run", "try_write", "force_flush",
                                 "submit_flush_once", "submit_flush_all", "try_rollback_write", "before_shutdown",
                                 "enqueue_thread_run"))
_PLUGIN_WRITE_METHODS = frozenset(("write", "try_write", "emit", "process", "format", "shutdown",
                                   "before_shutdown"))
_WAIT_METHODS = frozenset(("lock", "synchronize", "mon_enter", "mon_synchronize", "enter", "wait", "wait_while",
                           "wait_until", "pop", "shift", "deq", "join", "value", "sleep", "mon_wait",
                           "wait_for_cond"))
_SHUTDOWN_METHODS = frozenset(("shutdown", "after_shutdown", "before_shutdown", "stop", "terminate", "close",
                               "lifecycle", "lifecycle_control_list"))
_PLUGIN_FILE_RE = re.compile(r"/(?:out|in|filter|buf|parser|formatter)_[\w.\-]+\.rb$", re.ASCII)
_TOP_N = 6


def _is_stdlib_path(path):
    if not path:
        return False
    if path.startswith("<internal:"):
        return True
    name, _ver = gem_of(path)
    if name is not None:
        return name in STDLIB_GEMS
    return "/lib/ruby/" in path or path.startswith("/usr/lib/ruby") or "/rubylibdir/" in path


def _is_plugin_file(path):
    return bool(path) and _PLUGIN_FILE_RE.search(path) is not None


def _is_strong_net(frame):
    path = frame.get("path") or ""
    if path.endswith(_NET_PATHS):
        return True
    owner, meth = _split_label(frame.get("label"))
    if owner in _NET_OWNERS:
        return True
    name, _v = gem_of(path)
    if meth in _NET_METHODS and (name is None or name in STDLIB_GEMS or name in HTTP_LIBS):
        if meth in ("connect", "sysread", "readline", "wait_readable", "wait_writable"):
            # generic names: only in stdlib/HTTP-library files
            return _is_stdlib_path(path) or name in HTTP_LIBS
        return True
    if name in HTTP_LIBS and meth in _IO_METHODS and meth not in ("new", "initialize", "wait"):
        return True
    return False


def _is_weak_io(frame):
    path = frame.get("path") or ""
    if path.endswith("/timeout.rb"):
        return True
    meth = _method(frame)
    return meth in _IO_METHODS and meth != "wait"


def _in_write_path(frames):
    for f in frames:
        meth = _method(f)
        if meth in _WRITE_PATH_METHODS:
            return True
        if meth in _PLUGIN_WRITE_METHODS and _is_plugin_file(f.get("path")):
            return True
    return False


def _thread_label(thread):
    return thread.get("name") or thread.get("id") or thread.get("header")


def _evidence(dump, thread, frames, limit=12):
    ev = ["Sigdump at %s process %s (%s)" % (dump.get("time"), dump.get("pid"), dump.get("program")),
          "Thread %s status=%s" % (thread.get("header", "").replace("Thread ", "", 1).rsplit(" status=", 1)[0],
                                   thread.get("status"))]
    for f in frames[:limit]:
        ev.append("  " + format_frame(f))
    if len(frames) > limit:
        ev.append("  ... %d more frames" % (len(frames) - limit))
    return ev


def _fluentd_version(dump):
    for thread in dump.get("threads", []):
        for f in thread.get("frames", []):
            name, ver = gem_of(f.get("path"))
            if name == "fluentd":
                return ver
    return None


def _role(dump):
    worker = supervisor = False
    for thread in dump.get("threads", []):
        for f in thread.get("frames", []):
            path = f.get("path") or ""
            meth = _method(f)
            if path.endswith("fluent/engine.rb") or meth == "run_worker":
                worker = True
            elif "/serverengine-" in path or meth in ("supervise", "start_daemonize"):
                supervisor = True
    if worker:
        return "worker"
    if supervisor:
        return "supervisor"
    return None


def _network_block(thread):
    """Return (index of the first network frame, stripped frames) when blocked in network I/O."""
    frames = strip_sigdump_frames(thread.get("frames") or [])
    if not frames:
        return None, frames
    top = frames[:_TOP_N]
    first = top[0]
    if not (_is_strong_net(first) or _is_weak_io(first) or _is_stdlib_path(first.get("path"))):
        return None, frames
    strong = [i for i, f in enumerate(top) if _is_strong_net(f)]
    if strong:
        # every frame above the network frame must be I/O or stdlib (C frames carry the caller's path)
        idx = strong[0]
        if all(_is_strong_net(f) or _is_weak_io(f) or _is_stdlib_path(f.get("path")) for f in top[:idx]):
            return idx, frames
        return None, frames
    if _is_weak_io(first) and _method(first) != "sleep" and _in_write_path(frames):
        return 0, frames
    return None, frames


def _owner_gems(frames, start):
    """(owner gem, http library, plugin frame) below the network frames."""
    owner = plugin = None
    https = []  # HTTP libraries between the network frames and the owner, innermost first
    for f in frames[start:]:
        path = f.get("path") or ""
        name, ver = gem_of(path)
        if plugin is None and ((name or "").startswith("fluent-plugin-") or
                               (_is_plugin_file(path) and name != "fluentd")):
            plugin = (name, ver, f)
        if name is None or name in STDLIB_GEMS:
            continue
        if name in HTTP_LIBS:
            if owner is None and (name, ver) not in https:
                https.append((name, ver))
            continue
        if name in FLUENTD_CORE or name.startswith("fluent-plugin-"):
            continue
        if owner is None:
            owner = (name, ver)
    if plugin is None:
        for f in frames[start:]:
            if _is_plugin_file(f.get("path")):
                name, ver = gem_of(f.get("path"))
                plugin = (name, ver, f)
                break
    # the library nearest to the owner is the one it configures (faraday rather than its adapter)
    http = https[-1] if https else None
    return owner, http, plugin, https


# Gems known to hang without timeouts, and the first release that fixed it.
KNOWN_FIXES = {
    "mackerel-client": {
        "fixed_in": "0.1.1",
        "pin": "mackerel-client >= 0.1.1, < 0.9.0",
        "note": "mackerel-client 0.1.0 sets no Net::HTTP timeouts (mackerel-client-ruby PR #24); 0.1.1 sets "
                "timeout and open_timeout to 30 s. On td-agent 2 (Ruby 2.1) pin 'mackerel-client >= 0.1.1, "
                "< 0.9.0' (0.9.0+ needs Faraday 1.x / Ruby >= 2.2).",
    },
}


def _version_tuple(ver):
    out = []
    for part in re.split(r"[.\-]", ver or ""):
        if part.isdigit():
            out.append(int(part))
        else:
            break
    return tuple(out)


def _operation(frames, idx):
    meths = [_method(f) for f in frames[:idx + 3]]
    paths = [f.get("path") or "" for f in frames[:idx + 3]]
    if any(m in ("connect", "connect_nonblock", "initialize", "open", "getaddrinfo") for m in meths[:idx + 1]) or \
            any(m == "connect" for m in meths):
        if any("openssl" in p or "SSL" in (f.get("label") or "") for p, f in zip(paths, frames)):
            return "ssl_connect" if "connect" in meths else "connect"
        return "connect"
    if any(m in ("rbuf_fill", "readuntil", "readline", "read_status_line", "wait_readable", "sysread",
                 "readpartial", "read", "read_nonblock", "read_new") for m in meths):
        return "read"
    if any(m in ("write", "syswrite", "write_nonblock", "wait_writable") for m in meths):
        return "write"
    if "select" in meths:
        return "select"
    return "io"


def _blocked_network_finding(dump, thread, frames, idx, fluentd_version):
    owner, http, plugin, https = _owner_gems(frames, idx)
    data = {
        "pid": dump.get("pid"),
        "time": dump.get("time"),
        "thread": _thread_label(thread),
        "thread_id": thread.get("id"),
        "thread_state": thread.get("state"),
        "operation": _operation(frames, idx),
        "top_frame": format_frame(frames[0]),
        "network_frame": format_frame(frames[idx]),
        "gem": owner[0] if owner else (plugin[0] if plugin else None),
        "gem_version": owner[1] if owner else (plugin[1] if plugin else None),
        "http_library": http[0] if http else None,
        "http_library_version": http[1] if http else None,
        "http_libraries": ["%s %s" % h for h in https],
        "plugin": ("%s %s" % (plugin[0], plugin[1]) if plugin and plugin[0] else None),
        "plugin_file": plugin[2]["path"].rsplit("/", 1)[-1] if plugin else None,
        "plugin_method": _method(plugin[2]) if plugin else None,
        "in_write_path": _in_write_path(frames),
        "fluentd_version": fluentd_version,
        "confirmed": False,
    }
    remedy = ("Make the client time out: set read/open timeouts in the plugin or client library, or upgrade the gem "
              "that owns the call. Take a second dump a few seconds later to confirm the thread does not move; "
              "dump before stopping (fluentd >= 1.16 ignores SIGCONT after TERM).")
    fixable = False
    known = KNOWN_FIXES.get(data["gem"] or "")
    if known and _version_tuple(data["gem_version"]) < _version_tuple(known["fixed_in"]):
        data["fixed_in"] = known["fixed_in"]
        data["gem_requirement"] = known["pin"]
        remedy = "Upgrade %s (%s) in the embedded Ruby: %s. %s" % (
            data["gem"], data["gem_version"], known["pin"], known["note"])
        fixable = True
    who = data["gem"] and "%s %s" % (data["gem"], data["gem_version"]) or "unknown code"
    summary = "Thread %s of pid %s is blocked in network I/O (%s) called by %s%s%s" % (
        data["thread"], data["pid"], data["operation"], who,
        (" via %s %s" % (data["http_library"], data["http_library_version"])) if http else "",
        (" from %s %s" % (data["plugin_file"], data["plugin_method"])) if plugin else "")
    # evidence: the frames from the top down to the plugin frame that made the call
    limit = 12
    if plugin is not None:
        for i, f in enumerate(frames):
            if f is plugin[2]:
                limit = min(max(limit, i + 3), 40)
                break
    return finding("blocked_network_io", "critical", summary, _evidence(dump, thread, frames, limit), remedy=remedy,
                   fixable=fixable, data=data)


def _shutdown_wait(thread):
    frames = strip_sigdump_frames(thread.get("frames") or [])
    if not frames:
        return None, frames
    join_idx = None
    for i, f in enumerate(frames[:_TOP_N]):
        if _method(f) in ("join", "value"):
            join_idx = i
            break
    if join_idx is None:
        return None, frames
    if not all(_is_stdlib_path(f.get("path")) or _method(f) in _WAIT_METHODS for f in frames[:join_idx]):
        return None, frames
    for f in frames[join_idx:]:
        path = f.get("path") or ""
        meth = _method(f)
        if meth in _SHUTDOWN_METHODS and (path.endswith("fluent/root_agent.rb") or path.endswith("fluent/output.rb")
                                          or path.endswith("fluent/plugin/output.rb")
                                          or path.endswith("fluent/engine.rb") or _is_plugin_file(path)):
            phase = meth
            if path.endswith("root_agent.rb"):
                where = "root_agent.rb"
            else:
                where = path.rsplit("/", 1)[-1]
            return {"phase": phase, "where": where, "join_frame": format_frame(frames[join_idx])}, frames
    return None, frames


def _is_timeout_thread(thread, frames):
    if (thread.get("name") or "").startswith("Timeout stdlib thread"):
        return True
    return bool(frames) and all((f.get("path") or "").endswith("/timeout.rb") or f.get("path", "").startswith(
        "<internal:") for f in frames[:3]) and any((f.get("path") or "").endswith("/timeout.rb") for f in frames)


def _untimed_wait(thread):
    if thread.get("state") != "sleep_forever":
        return None, []
    frames = strip_sigdump_frames(thread.get("frames") or [])
    if not frames or _is_timeout_thread(thread, frames):
        return None, frames
    prim = None
    for f in frames[:_TOP_N]:
        meth = _method(f)
        if meth in _WAIT_METHODS:
            prim = f
            break
    if prim is None:
        return None, frames
    plugin_frame = None
    for f in frames:
        path = f.get("path") or ""
        name, _ver = gem_of(path)
        if name is not None:
            if name in FLUENTD_CORE or name in STDLIB_GEMS:
                continue
            plugin_frame = f
            break
        if _is_plugin_file(path) and not _is_stdlib_path(path):
            plugin_frame = f
            break
    if plugin_frame is None:
        return None, frames
    return {"primitive": format_frame(prim), "primitive_method": _method(prim),
            "plugin_frame": format_frame(plugin_frame), "gem": gem_of(plugin_frame.get("path"))[0],
            "gem_version": gem_of(plugin_frame.get("path"))[1]}, frames


def _parse_time(text):
    try:
        return datetime.datetime.strptime(text, "%Y-%m-%d %H:%M:%S %z")
    except (TypeError, ValueError):
        pass
    try:
        return datetime.datetime.strptime(text, "%Y-%m-%d %H:%M:%S")
    except (TypeError, ValueError):
        return None


def _frame_key(frames, n):
    return tuple((f.get("path"), f.get("line"), f.get("label")) for f in frames[:n])


def analyse(dumps, pid=None, top_n=5):
    """Findings for a list of dumps (as returned by parse_sigdump, possibly from several files)."""
    if isinstance(dumps, dict):
        dumps = [dumps]
    if not isinstance(dumps, list):
        raise TypeError("analyse expects a list of dumps, got %s" % type(dumps).__name__)
    if pid is not None:
        dumps = [d for d in dumps if d.get("pid") == int(pid)]
    results = []
    blocked = {}   # (pid, thread id) -> finding (latest dump wins)
    waiting = {}
    untimed = {}
    suspects = {}  # (pid, thread id) -> list of (dump, thread, frames, reason)
    truncated = []
    for dump in dumps:
        if not isinstance(dump, dict):
            raise TypeError("each dump must be a dict, got %s" % type(dump).__name__)
        fver = _fluentd_version(dump)
        if dump.get("truncated"):
            truncated.append(dump)
        blocked_here = []
        for thread in dump.get("threads") or []:
            key = (dump.get("pid"), thread.get("id") or thread.get("header"))
            idx, frames = _network_block(thread)
            if idx is not None:
                f = _blocked_network_finding(dump, thread, frames, idx, fver)
                blocked[key] = f
                blocked_here.append(f["data"]["thread"])
                suspects.setdefault(key, []).append((dump, thread, frames, "blocked_network_io"))
                continue
            info, frames = _untimed_wait(thread)
            if info is not None:
                data = {"pid": dump.get("pid"), "time": dump.get("time"), "thread": _thread_label(thread),
                        "thread_id": thread.get("id"), "thread_state": thread.get("state"),
                        "fluentd_version": fver}
                data.update(info)
                untimed[key] = finding(
                    "untimed_wait", "warning",
                    "Thread %s of pid %s waits without timeout (%s) in %s" % (
                        data["thread"], data["pid"], data["primitive_method"], data["plugin_frame"]),
                    _evidence(dump, thread, frames),
                    remedy="Check the plugin/gem for a lock or queue wait without timeout (deadlock or lost "
                           "wake-up); take a second dump to confirm, then upgrade or reconfigure the plugin.",
                    data=data)
                suspects.setdefault(key, []).append((dump, thread, frames, "untimed_wait"))
        for thread in dump.get("threads") or []:
            key = (dump.get("pid"), thread.get("id") or thread.get("header"))
            info, frames = _shutdown_wait(thread)
            if info is None:
                continue
            data = {"pid": dump.get("pid"), "time": dump.get("time"), "thread": _thread_label(thread),
                    "thread_id": thread.get("id"), "fluentd_version": fver,
                    "blocked_threads": sorted(set(str(b) for b in blocked_here))}
            data.update(info)
            sev = "critical" if blocked_here else "warning"
            waiting[key] = finding(
                "shutdown_waiting", sev,
                "Thread %s of pid %s is in the shutdown path (%s in %s) joining other threads%s" % (
                    data["thread"], data["pid"], info["phase"], info["where"],
                    (" that are blocked: %s" % ", ".join(data["blocked_threads"])) if blocked_here else ""),
                _evidence(dump, thread, frames),
                remedy="The stop waits for a flush thread without timeout. Fix the blocked write (see "
                       "blocked_network_io) before restarting; file-buffer chunks survive a KILL, memory buffers "
                       "do not. Flush first (SIGUSR1) and dump supervisor and workers before stopping.",
                data=data)
            suspects.setdefault(key, []).append((dump, thread, frames, "shutdown_waiting"))
    # confirmation across dumps of the same pid / thread
    confirmed = []
    for key, items in suspects.items():
        if len(items) < 2:
            continue
        first, last = items[0], items[-1]
        for a, b in zip(items, items[1:]):
            ka, kb = _frame_key(a[2], top_n), _frame_key(b[2], top_n)
            if not ka or ka != kb or a[0] is b[0]:
                continue
            ta, tb = _parse_time(a[0].get("time")), _parse_time(b[0].get("time"))
            seconds = None
            if ta is not None and tb is not None:
                try:
                    seconds = int((tb - ta).total_seconds())
                except TypeError:
                    seconds = None
            if seconds is not None and seconds <= 0:
                continue
            first, last = a, b
            dump, thread, frames, reason = last
            data = {"pid": key[0], "thread": _thread_label(thread), "thread_id": thread.get("id"),
                    "reason": reason, "first_time": first[0].get("time"), "last_time": dump.get("time"),
                    "seconds_between": seconds, "frames_compared": min(top_n, len(frames)),
                    "top_frame": format_frame(frames[0]) if frames else None, "dumps": len(items)}
            src = blocked.get(key) or untimed.get(key) or waiting.get(key)
            if src is not None:
                src["data"]["confirmed"] = True
                for k in ("gem", "gem_version", "plugin", "http_library", "http_library_version"):
                    if k in src["data"]:
                        data[k] = src["data"][k]
            ev = ["dumps at %s and %s (%s s apart) show the same top %d frames" % (
                data["first_time"], data["last_time"], "?" if seconds is None else seconds,
                data["frames_compared"])]
            ev += _evidence(dump, thread, frames, limit=max(top_n, 8))
            confirmed.append(finding(
                "confirmed_stuck", "critical",
                "Thread %s of pid %s did not move between two dumps%s (%s)" % (
                    data["thread"], data["pid"],
                    "" if seconds is None else " %d s apart" % seconds, reason),
                ev, remedy=(src or {}).get("remedy", ""), fixable=bool((src or {}).get("fixable")), data=data))
            break
    results.extend(blocked.values())
    results.extend(waiting.values())
    results.extend(untimed.values())
    results.extend(confirmed)
    for dump in truncated:
        results.append(finding(
            "sigdump_truncated", "info",
            "The dump of pid %s at %s is incomplete (cut short while writing or read too early)" % (
                dump.get("pid"), dump.get("time")),
            ["Sigdump at %s process %s (%s): %d threads, sections after the threads missing or incomplete" % (
                dump.get("time"), dump.get("pid"), dump.get("program"), len(dump.get("threads") or []))],
            remedy="Wait until the dump file stops growing and dump again.",
            data={"pid": dump.get("pid"), "time": dump.get("time"), "threads": len(dump.get("threads") or [])}))
    order = {"critical": 0, "warning": 1, "info": 2}
    results.sort(key=lambda f: (order.get(f["severity"], 3), f["id"], str(f["data"].get("pid")),
                                str(f["data"].get("thread"))))
    return results


def summarize(dumps, top=3):
    """A compact view of dumps: per dump counts, thread names/states and top frames."""
    out = []
    for dump in dumps or []:
        threads = dump.get("threads") or []
        states = {}
        for t in threads:
            k = t.get("state") or t.get("status") or "unknown"
            states[k] = states.get(k, 0) + 1
        out.append({
            "time": dump.get("time"),
            "pid": dump.get("pid"),
            "program": dump.get("program"),
            "role": dump.get("role") or _role(dump),
            "fluentd_version": _fluentd_version(dump),
            "truncated": dump.get("truncated"),
            "thread_count": len(threads),
            "frame_count": sum(len(t.get("frames") or []) for t in threads),
            "states": states,
            "gc_count": (dump.get("gc_stat") or {}).get("count"),
            "objects_total": (dump.get("objects") or {}).get("TOTAL"),
            "threads": [{
                "id": t.get("id"),
                "name": t.get("name"),
                "class": t.get("class"),
                "state": t.get("state"),
                "status": t.get("status"),
                "frames": len(t.get("frames") or []),
                "top_frames": [format_frame(f) for f in strip_sigdump_frames(t.get("frames"))[:top]],
            } for t in threads],
        })
    return out
