# -*- coding: utf-8 -*-
# Copyright: (c) 2026, sre.remediation contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Parse Nomad CLI output and diagnose queued builds on a CircleCI Server 2.x Services box.

Pure Python 3.8+, standard library only (no Ansible imports).

Supported inputs (all Nomad versions 0.3 - 2.0 as far as the table layouts go):

* ``nomad node-status [-allocs] [-verbose]`` / ``nomad node status ...`` tables, the
  ``node-status -json`` array of node stubs and the ``GET /v1/nodes`` JSON.
* ``nomad status`` / ``nomad job status`` job lists (``GET /v1/jobs`` JSON too).
* ``nomad status <job>`` / ``nomad job status <job>`` details (KV block, Summary, Evaluations,
  Placement Failure, Allocations, ...) and ``nomad job status -json <job>`` (1.7.6+).
* ``nomad version`` output, ``docker ps -a --format '{{json .}}'`` lines.

Tables are columnize output: the header line gives each column's offset (a label starts at
column 0 or after two or more spaces; labels may contain single spaces), rows are sliced at
those offsets (str indices, i.e. runes).  Noise before the header (sudo warnings, shell
prompts), ``==>`` hint lines, ANSI colour codes and carriage returns are ignored.
"""

from __future__ import annotations

import json
import re

from ansible_collections.sre.remediation.plugins.module_utils.findings import ParseError, finding

ANSI_RE = re.compile(r"\x1b\[[0-9;]*m")
_LABEL_RE = re.compile(r"\S+(?: \S+)*")
_NOISE_RE = re.compile(
    r"^(?:sudo: |\S+@\S+:.*[$#] |==>|WARNING: |Warning: |\+ |bash: |sh: )"
)

SOURCE_NODES = "node status"
SOURCE_JOBS = "job list"
SOURCE_JOB_STATUS = "job status"

DEFAULT_CONTAINERS = ("dispatcher", "picard-dispatcher", "picard-scheduler", "picard-output-processor")
DISPATCHER_CONTAINERS = ("dispatcher", "picard-dispatcher")

# --------------------------------------------------------------------------- generic helpers


def clean_lines(text):
    """Return the lines of ``text`` without ANSI colour, ``\\r`` and ``==>`` hint lines."""
    if text is None:
        return []
    if isinstance(text, bytes):
        text = text.decode("utf-8", "replace")
    if not isinstance(text, str):
        raise ParseError("expected text output, got %s" % type(text).__name__)
    text = ANSI_RE.sub("", text).replace("\r", "")
    lines = []
    for line in text.split("\n"):
        if line.lstrip().startswith("==>"):
            continue
        lines.append(line.rstrip())
    return lines


def _is_noise(line):
    return not line.strip() or bool(_NOISE_RE.match(line))


def _none(value):
    return None if value in ("<none>", "") else value


def header_columns(header):
    """Column (label, start offset) pairs of a columnize header line."""
    return [(m.group(0), m.start()) for m in _LABEL_RE.finditer(header)]


def split_row(row, columns, source="table", lineno=None):
    """Slice one table row at the header's column offsets; fall back to a 2+ space split."""
    cells = []
    aligned = True
    for index, (_label, start) in enumerate(columns):
        if index and len(row) > start and start > 0 and row[start - 1] != " ":
            aligned = False
            break
        if index and len(row) > start and row[start] == " ":
            aligned = False
            break
        end = columns[index + 1][1] if index + 1 < len(columns) else None
        cells.append(row[start:end].strip() if end is not None else row[start:].strip())
    if aligned and all(cells):
        return cells
    parts = re.split(r"\s{2,}", row.strip())
    if len(parts) == len(columns):
        return parts
    raise ParseError(
        "row does not match the columns of header %r: %r" % ("  ".join(c[0] for c in columns), row.strip()),
        source, lineno,
    )


def parse_table(lines, start, source="table"):
    """Parse a table whose header is ``lines[start]``; stop at a blank line.

    Returns ``(labels, rows, end)`` where rows are lists of (raw line, cells) and ``end`` the
    index after the table.
    """
    columns = header_columns(lines[start])
    labels = [c[0] for c in columns]
    rows = []
    index = start + 1
    while index < len(lines):
        line = lines[index]
        if not line.strip():
            break
        if line.lstrip().startswith("==>"):
            index += 1
            continue
        rows.append((line, split_row(line, columns, source, index + 1)))
        index += 1
    return labels, rows, index


def _looks_json(text):
    return isinstance(text, (list, dict)) or (isinstance(text, str) and text.strip()[:1] in ("[", "{"))


def _load_json(text, source):
    if isinstance(text, (list, dict)):
        return text
    try:
        return json.loads(text)
    except ValueError as exc:
        raise ParseError("invalid JSON: %s" % exc, source) from exc


def _to_int(value, what, source, lineno=None):
    if value is None:
        return None
    if isinstance(value, bool):
        raise ParseError("%s is not an integer: %r" % (what, value), source, lineno)
    if isinstance(value, int):
        return value
    if isinstance(value, str) and re.match(r"^-?\d+$", value.strip()):
        return int(value.strip())
    raise ParseError("%s is not an integer: %r" % (what, value), source, lineno)


def _to_bool(value, what, source, lineno=None):
    if value is None or isinstance(value, bool):
        return value
    if isinstance(value, str):
        low = value.strip().lower()
        if low == "true" or low.startswith("true;"):
            return True
        if low == "false":
            return False
    raise ParseError("%s is not true/false: %r" % (what, value), source, lineno)


def _find_header(lines, regex):
    for index, line in enumerate(lines):
        if regex.match(line):
            return index
    return None


def _no_header(lines, source, expected, empty_markers=()):
    """No header found: empty / marker / noise-only output is an empty list, anything else an error."""
    content = [ln for ln in lines if not _is_noise(ln)]
    if not content:
        return []
    for line in content:
        if line.strip() in empty_markers:
            return []
    raise ParseError("no %s header found (expected %s); first line: %r" % (source, expected, content[0].strip()),
                     source)


# --------------------------------------------------------------------------- nodes

NODE_COLUMNS = {
    "ID": "id",
    "Node Pool": "node_pool",
    "DC": "datacenter",
    "Datacenter": "datacenter",
    "Name": "name",
    "Class": "class",
    "OS": "os",
    "Address": "address",
    "Version": "version",
    "Drain": "drain",
    "Eligibility": "eligibility",
    "Status": "status",
    "Running Allocs": "running_allocs",
}
NODE_KEYS = ("id", "node_pool", "datacenter", "name", "class", "address", "version", "os", "drain",
             "eligibility", "status", "running_allocs")
_NODE_HEADER_RE = re.compile(r"^ID\s{2,}\S")


def _empty_node():
    return dict((key, None) for key in NODE_KEYS)


def parse_nodes(text):
    """Parse ``nomad node status`` / ``node-status`` (table or ``-json``) into a list of node dicts."""
    if _looks_json(text):
        return _parse_nodes_json(_load_json(text, SOURCE_NODES))
    lines = clean_lines(text)
    start = _find_header(lines, _NODE_HEADER_RE)
    if start is None:
        return _no_header(lines, SOURCE_NODES, "'ID  DC  Name  Class  Drain ...  Status'", ("No nodes registered",))
    labels, rows, _end = parse_table(lines, start, SOURCE_NODES)
    unknown = [label for label in labels if label not in NODE_COLUMNS]
    keys = [NODE_COLUMNS.get(label) for label in labels]
    if unknown or not {"id", "name", "status", "datacenter"} <= set(keys):
        raise ParseError("node status header not understood%s: %r" % (
            " (unknown column %s)" % ", ".join(repr(u) for u in unknown) if unknown else "", lines[start].strip()),
            SOURCE_NODES, start + 1)
    nodes = []
    for offset, (raw, cells) in enumerate(rows):
        lineno = start + 2 + offset
        node = _empty_node()
        for key, cell in zip(keys, cells):
            node[key] = _none(cell)
        node["drain"] = _to_bool(node["drain"], "Drain", SOURCE_NODES, lineno)
        node["running_allocs"] = _to_int(node["running_allocs"], "Running Allocs", SOURCE_NODES, lineno)
        node["raw"] = raw.strip()
        nodes.append(node)
    return nodes


def _json_errors(source):
    """Decorator for the JSON walkers: a structure they do not expect (a missing key, a wrong type)
    becomes a ParseError naming the command, never a traceback."""
    def wrap(func):
        def run(data):
            try:
                return func(data)
            except ParseError:
                raise
            except (TypeError, AttributeError, KeyError, ValueError) as exc:
                raise ParseError("unexpected JSON structure: %s" % exc, source) from exc
        return run
    return wrap


@_json_errors(SOURCE_NODES)
def _parse_nodes_json(data):
    if isinstance(data, dict):
        data = [data]
    if not isinstance(data, list):
        raise ParseError("node JSON must be an array of node objects", SOURCE_NODES)
    nodes = []
    for index, item in enumerate(data):
        if not isinstance(item, dict) or "ID" not in item:
            raise ParseError("node JSON item %d is not a node object with an ID" % index, SOURCE_NODES)
        node = _empty_node()
        node.update({
            "id": item.get("ID") or None,
            "node_pool": item.get("NodePool") or None,
            "datacenter": item.get("Datacenter") or None,
            "name": item.get("Name") or None,
            "class": item.get("NodeClass") or None,
            "address": item.get("Address") or None,
            "version": item.get("Version") or None,
            "drain": _to_bool(item.get("Drain"), "Drain", SOURCE_NODES),
            "eligibility": item.get("SchedulingEligibility") or None,
            "status": item.get("Status") or None,
            "running_allocs": None,
        })
        attrs = item.get("Attributes")
        if isinstance(attrs, dict) and attrs.get("os.name"):
            node["os"] = str(attrs.get("os.name"))
        for field in ("id", "node_pool", "datacenter", "name", "class", "address", "version", "eligibility",
                      "status"):
            if node[field] is not None and not isinstance(node[field], str):
                raise ParseError("node JSON item %d: %s is not a string" % (index, field), SOURCE_NODES)
        node["raw"] = None
        nodes.append(node)
    return nodes


# --------------------------------------------------------------------------- jobs

JOB_COLUMNS = {
    "ID": "id",
    "Namespace": "namespace",
    "Type": "type",
    "Priority": "priority",
    "Status": "status",
    "Submit Date": "submit_date",
}
JOB_KEYS = ("id", "namespace", "type", "priority", "status", "stopped", "submit_date")
_JOB_HEADER_RE = re.compile(r"^ID\s{2,}(?:Namespace\s{2,})?Type\s{2,}Priority\s{2,}Status\b")
_ANY_ID_HEADER_RE = re.compile(r"^ID\s{2,}\S")


def _job_status(value):
    if value is None:
        return None, False
    match = re.match(r"^(\S+)\s+\(stopped\)$", value)
    if match:
        return match.group(1), True
    return value, False


def parse_jobs(text):
    """Parse ``nomad status`` / ``nomad job status`` (list) into a list of job dicts."""
    if _looks_json(text):
        return _parse_jobs_json(_load_json(text, SOURCE_JOBS))
    lines = clean_lines(text)
    start = _find_header(lines, _ANY_ID_HEADER_RE)
    if start is None:
        return _no_header(lines, SOURCE_JOBS, "'ID  Type  Priority  Status'", ("No running jobs",))
    labels, rows, _end = parse_table(lines, start, SOURCE_JOBS)
    unknown = [label for label in labels if label not in JOB_COLUMNS]
    keys = [JOB_COLUMNS.get(label) for label in labels]
    if unknown or not _JOB_HEADER_RE.match(lines[start]):
        raise ParseError("job list header not understood%s: %r" % (
            " (unknown column %s)" % ", ".join(repr(u) for u in unknown) if unknown else "", lines[start].strip()),
            SOURCE_JOBS, start + 1)
    jobs = []
    for offset, (raw, cells) in enumerate(rows):
        lineno = start + 2 + offset
        job = dict((key, None) for key in JOB_KEYS)
        for key, cell in zip(keys, cells):
            job[key] = _none(cell)
        job["priority"] = _to_int(job["priority"], "Priority", SOURCE_JOBS, lineno)
        job["status"], job["stopped"] = _job_status(job["status"])
        job["raw"] = raw.strip()
        jobs.append(job)
    return jobs


@_json_errors(SOURCE_JOBS)
def _parse_jobs_json(data):
    if isinstance(data, dict):
        data = [data]
    if not isinstance(data, list):
        raise ParseError("job JSON must be an array of job objects", SOURCE_JOBS)
    jobs = []
    for index, item in enumerate(data):
        if not isinstance(item, dict) or not isinstance(item.get("ID"), str):
            raise ParseError("job JSON item %d is not a job object with an ID" % index, SOURCE_JOBS)
        job = {
            "id": item["ID"],
            "namespace": item.get("Namespace") or None,
            "type": item.get("Type") or None,
            "priority": _to_int(item.get("Priority"), "Priority", SOURCE_JOBS),
            "status": item.get("Status") or None,
            "stopped": bool(item.get("Stop")),
            "submit_date": item.get("SubmitTime"),
            "raw": None,
        }
        summary = (item.get("JobSummary") or {}).get("Summary") if isinstance(item.get("JobSummary"), dict) else None
        if isinstance(summary, dict):
            job["queued"] = sum(_to_int((v or {}).get("Queued", 0), "Queued", SOURCE_JOBS) or 0
                                for v in summary.values() if isinstance(v, dict))
        jobs.append(job)
    return jobs


# --------------------------------------------------------------------------- job status (detail)

KNOWN_SECTIONS = (
    "Summary", "Evaluations", "Placement Failure", "Future Rescheduling Attempts", "Latest Deployment",
    "Deployed", "Actions", "Allocations", "Children Job Summary", "Parameterized Job Summary",
    "Previously Launched Jobs", "Dispatched Jobs", "Parameterized Job", "Recent Allocations",
    "Task Group Actions", "Multiregion Deployment",
)
SUMMARY_COLUMNS = ("Task Group", "Queued", "Starting", "Running", "Failed", "Complete", "Lost", "Unknown")
ALLOC_COLUMNS = {
    "ID": "id", "Eval ID": "eval_id", "Node ID": "node_id", "Node Name": "node_name",
    "Task Group": "task_group", "Version": "version", "Desired": "desired", "Status": "status",
    "Created At": "created_at", "Created": "created", "Modified": "modified",
}
EVAL_COLUMNS = {
    "ID": "id", "Priority": "priority", "Triggered By": "triggered_by", "Status": "status",
    "Placement Failures": "placement_failures", "Node ID": "node_id",
}
_KV_RE = re.compile(r"^(?P<key>[A-Za-z][A-Za-z0-9 ]*?)\s*= ?(?P<value>.*)$")
_KV_START_RE = re.compile(r"^ID\s*= ")
_TG_RE = re.compile(r'^\s*Task Group "(?P<tg>.+)"(?: \(failed to place (?P<n>\d+) allocations?\))?:$')
_REASON_RES = (
    ("no_nodes_eligible", re.compile(r"^No nodes were eligible for evaluation$")),
    ("datacenter_unavailable", re.compile(r'^No nodes are available in datacenter "(?P<subject>.+)"$')),
    ("class_exhausted", re.compile(r'^Class "(?P<subject>.+)" exhausted on (?P<count>\d+) nodes?$')),
    ("class_filtered", re.compile(
        r'^Class "(?P<subject>.+?)":? (?:filtered (?P<count>\d+) nodes?|(?P<count2>\d+) nodes? excluded by filter)$')),
    ("constraint_filtered", re.compile(
        r'^Constraint "(?P<subject>.+?)":? '
        r'(?:filtered (?P<count>\d+) nodes?|(?P<count2>\d+) nodes? excluded by filter)$')),
    ("resources_exhausted", re.compile(r"^Resources exhausted on (?P<count>\d+) nodes?$")),
    ("dimension_exhausted", re.compile(r'^Dimension "(?P<subject>[^"]+)" exhausted on (?P<count>\d+) nodes?$')),
    ("quota_limit", re.compile(r'^Quota limit hit "(?P<subject>.+)"$')),
)
_TRUNCATED_RE = re.compile(r"^Placement failures truncated")


def parse_reason(text):
    """Normalise one placement-failure bullet (without the leading ``* ``)."""
    text = text.strip()
    if text.startswith("* "):
        text = text[2:].strip()
    for kind, regex in _REASON_RES:
        match = regex.match(text)
        if match:
            groups = match.groupdict()
            count = groups.get("count") or groups.get("count2")
            subject = groups.get("subject")
            if kind == "dimension_exhausted" and subject and subject.endswith(" exhausted"):
                subject = subject[: -len(" exhausted")]
            return {"kind": kind, "text": text, "count": int(count) if count else None, "subject": subject}
    return {"kind": "unknown", "text": text, "count": None, "subject": None}


def _split_sections(lines, start):
    """Split lines after the KV block into {heading: [lines]} (order kept)."""
    sections = []
    current = None
    for index in range(start, len(lines)):
        line = lines[index]
        if line.strip() in KNOWN_SECTIONS and line == line.strip():
            current = (line.strip(), [], index + 2)
            sections.append(current)
        elif current is None:
            if line.strip():
                raise ParseError("unexpected line after the job's KV block: %r" % line.strip(),
                                 SOURCE_JOB_STATUS, index + 1)
        else:
            current[1].append(line)
    return sections


def _strip_blank(lines):
    lines = list(lines)
    while lines and not lines[0].strip():
        lines.pop(0)
    while lines and not lines[-1].strip():
        lines.pop()
    return lines


def _table_section(name, body, column_map, required, first_line):
    """Parse a section made of exactly one table (leading/trailing blank lines allowed)."""
    lines = list(body)
    lead = 0
    while lead < len(lines) and not lines[lead].strip():
        lead += 1
    if lead >= len(lines):
        raise ParseError("section %r is empty" % name, SOURCE_JOB_STATUS, first_line)
    labels, rows, end = parse_table(lines, lead, SOURCE_JOB_STATUS)
    unknown = [label for label in labels if label not in column_map]
    if unknown or not set(required) <= set(labels):
        raise ParseError("%s header not understood%s: %r" % (
            name, " (unknown column %s)" % ", ".join(repr(u) for u in unknown) if unknown else "",
            lines[lead].strip()), SOURCE_JOB_STATUS, first_line + lead)
    rest = [ln for ln in lines[end:] if ln.strip()]
    if rest:
        raise ParseError("unexpected line after the %s table: %r" % (name, rest[0].strip()),
                         SOURCE_JOB_STATUS, first_line)
    return labels, rows


def _parse_summary(body, first_line):
    labels, rows = _table_section("Summary", body, dict((c, c) for c in SUMMARY_COLUMNS),
                                  ("Task Group", "Queued"), first_line)
    result = []
    for _raw, cells in rows:
        item = {}
        for label, cell in zip(labels, cells):
            key = label.lower().replace(" ", "_")
            item[key] = cell if label == "Task Group" else _to_int(cell, label, SOURCE_JOB_STATUS, first_line)
        result.append(item)
    return result


def _parse_allocations(body, first_line):
    content = _strip_blank(body)
    if len(content) == 1 and content[0].strip() == "No allocations placed":
        return []
    labels, rows = _table_section("Allocations", body, ALLOC_COLUMNS, ("ID", "Status"), first_line)
    result = []
    for raw, cells in rows:
        item = dict((ALLOC_COLUMNS[label], _none(cell)) for label, cell in zip(labels, cells))
        if item.get("version") is not None:
            item["version"] = _to_int(item["version"], "Version", SOURCE_JOB_STATUS, first_line)
        item["raw"] = raw.strip()
        result.append(item)
    return result


def _parse_evaluations(body, first_line):
    labels, rows = _table_section("Evaluations", body, EVAL_COLUMNS, ("ID", "Status"), first_line)
    result = []
    for raw, cells in rows:
        item = dict((EVAL_COLUMNS[label], _none(cell)) for label, cell in zip(labels, cells))
        if item.get("priority") is not None:
            item["priority"] = _to_int(item["priority"], "Priority", SOURCE_JOB_STATUS, first_line)
        pf = item.get("placement_failures")
        if pf in ("true", "false"):
            item["placement_failures"] = pf == "true"
        elif pf is not None:
            item["placement_failures"] = None
        item["raw"] = raw.strip()
        result.append(item)
    return result


def _parse_placement(body, first_line):
    groups = []
    truncated = False
    current = None
    for offset, line in enumerate(body):
        text = line.strip()
        if not text:
            continue
        match = _TG_RE.match(line)
        if match:
            current = {"task_group": match.group("tg"), "reasons": []}
            if match.group("n"):
                current["failed"] = int(match.group("n"))
            groups.append(current)
            continue
        if _TRUNCATED_RE.match(text) or text.startswith("nomad eval-status") or text.startswith("nomad eval status"):
            truncated = True
            continue
        if text.startswith("* ") or text == "*":
            if current is None:
                raise ParseError("placement failure bullet before any 'Task Group \"...\":' line: %r" % text,
                                 SOURCE_JOB_STATUS, first_line + offset)
            current["reasons"].append(parse_reason(text[1:]))
            continue
        if current is not None and line.startswith(" "):
            current["reasons"].append(parse_reason(text))
            continue
        raise ParseError("unexpected line in Placement Failure: %r" % text, SOURCE_JOB_STATUS, first_line + offset)
    return groups, truncated


def parse_job_status(text):
    """Parse ``nomad status <job>`` / ``nomad job status <job>`` (text or 1.7.6+ ``-json``)."""
    if _looks_json(text):
        return _parse_job_status_json(_load_json(text, SOURCE_JOB_STATUS))
    lines = clean_lines(text)
    start = _find_header(lines, _KV_START_RE)
    if start is None:
        content = [ln.strip() for ln in lines if not _is_noise(ln)]
        if content:
            raise ParseError("no job status KV block ('ID = ...') found; first line: %r" % content[0],
                             SOURCE_JOB_STATUS)
        raise ParseError("empty job status output", SOURCE_JOB_STATUS)
    fields = {}
    index = start
    while index < len(lines) and lines[index].strip():
        line = lines[index]
        if " = " not in line and not line.rstrip().endswith(" ="):
            raise ParseError("KV line without ' = ': %r" % line.strip(), SOURCE_JOB_STATUS, index + 1)
        key, _sep, value = line.partition(" = ") if " = " in line else (line.rstrip()[:-2], " = ", "")
        fields[key.strip()] = _none(value.strip())
        index += 1
    result = {"fields": fields, "summary": [], "placement_failures": [], "placement_failures_truncated": False,
              "allocations": [], "sections": {}}
    for name, body, first_line in _split_sections(lines, index):
        if name == "Summary":
            result["summary"] = _parse_summary(body, first_line)
        elif name == "Allocations":
            result["allocations"] = _parse_allocations(body, first_line)
        elif name == "Evaluations":
            result["evaluations"] = _parse_evaluations(body, first_line)
        elif name == "Placement Failure":
            result["placement_failures"], result["placement_failures_truncated"] = _parse_placement(body, first_line)
        else:
            result["sections"][name] = _strip_blank(body)
    return result


def _metric_reasons(metrics):
    """Rebuild the placement-failure bullets Nomad prints from an AllocMetric object."""
    if not isinstance(metrics, dict):
        raise ParseError("FailedTGAllocs entry is not an object", SOURCE_JOB_STATUS)
    out = []

    def count_map(name):
        value = metrics.get(name) or {}
        return value if isinstance(value, dict) else {}

    if not metrics.get("NodesEvaluated"):
        out.append('No nodes were eligible for evaluation')
    for dc, available in sorted(count_map("NodesAvailable").items()):
        if not available:
            out.append('No nodes are available in datacenter "%s"' % dc)
    for cls, num in sorted(count_map("ClassFiltered").items()):
        out.append('Class "%s": %s nodes excluded by filter' % (cls, num))
    for cons, num in sorted(count_map("ConstraintFiltered").items()):
        out.append('Constraint "%s": %s nodes excluded by filter' % (cons, num))
    if metrics.get("NodesExhausted"):
        out.append("Resources exhausted on %s nodes" % metrics.get("NodesExhausted"))
    for cls, num in sorted(count_map("ClassExhausted").items()):
        out.append('Class "%s" exhausted on %s nodes' % (cls, num))
    for dim, num in sorted(count_map("DimensionExhausted").items()):
        out.append('Dimension "%s" exhausted on %s nodes' % (dim, num))
    for dim in metrics.get("QuotaExhausted") or []:
        out.append('Quota limit hit "%s"' % dim)
    return [parse_reason(text) for text in out]


@_json_errors(SOURCE_JOB_STATUS)
def _parse_job_status_json(data):
    if isinstance(data, list):
        if not data:
            raise ParseError("job status JSON is an empty array", SOURCE_JOB_STATUS)
        data = data[0]
    if not isinstance(data, dict) or not isinstance(data.get("Summary"), dict):
        raise ParseError("job status JSON must be an object with Summary, Allocations, Evaluations",
                         SOURCE_JOB_STATUS)
    job_summary = data["Summary"]
    fields = {"ID": job_summary.get("JobID"), "Namespace": job_summary.get("Namespace")}
    summary = []
    for tg, counts in sorted((job_summary.get("Summary") or {}).items()):
        if not isinstance(counts, dict):
            raise ParseError("summary of task group %r is not an object" % tg, SOURCE_JOB_STATUS)
        item = {"task_group": tg}
        for label in SUMMARY_COLUMNS[1:]:
            if label in counts:
                item[label.lower()] = _to_int(counts[label], label, SOURCE_JOB_STATUS)
        summary.append(item)
    allocations = []
    for alloc in data.get("Allocations") or []:
        if not isinstance(alloc, dict):
            raise ParseError("allocation is not an object", SOURCE_JOB_STATUS)
        allocations.append({
            "id": alloc.get("ID"), "eval_id": alloc.get("EvalID"), "node_id": alloc.get("NodeID"),
            "node_name": alloc.get("NodeName"), "task_group": alloc.get("TaskGroup"),
            "version": alloc.get("JobVersion"), "desired": alloc.get("DesiredStatus"),
            "status": alloc.get("ClientStatus"), "created": alloc.get("CreateTime"),
            "modified": alloc.get("ModifyTime"), "raw": None,
        })
    evaluations = []
    failures = []
    evals = [e for e in (data.get("Evaluations") or []) if isinstance(e, dict)]
    for ev in evals:
        evaluations.append({
            "id": ev.get("ID"), "priority": ev.get("Priority"), "triggered_by": ev.get("TriggeredBy"),
            "status": ev.get("Status"), "placement_failures": bool(ev.get("FailedTGAllocs")), "raw": None,
        })
    if any(e.get("Status") == "blocked" for e in evals):
        with_failures = [e for e in evals if e.get("FailedTGAllocs")]
        if with_failures:
            newest = max(with_failures, key=lambda e: e.get("CreateIndex") or 0)
            for tg, metrics in sorted(newest["FailedTGAllocs"].items()):
                failures.append({"task_group": tg, "reasons": _metric_reasons(metrics)})
    if summary and all(s.get("queued") for s in summary) and not allocations and not fields.get("Status"):
        fields["Status"] = "pending"
    return {"fields": fields, "summary": summary, "placement_failures": failures,
            "placement_failures_truncated": False, "allocations": allocations, "evaluations": evaluations,
            "sections": {}}


# --------------------------------------------------------------------------- version & commands

_VERSION_RE = re.compile(r"\bNomad v(\d+)\.(\d+)\.(\d+)([-+.\w]*)")


def parse_version(text):
    """``nomad version`` output -> (major, minor, patch); ParseError when absent."""
    lines = clean_lines(text)
    for line in lines:
        match = _VERSION_RE.search(line)
        if match:
            return int(match.group(1)), int(match.group(2)), int(match.group(3))
    raise ParseError("no 'Nomad vX.Y.Z' line in nomad version output: %r" % "\n".join(lines).strip()[:200],
                     "nomad version")


def version_string(version):
    return ".".join(str(v) for v in version) if version else None


def _ver(version):
    if isinstance(version, str):
        return parse_version(version if version.startswith("Nomad") else "Nomad v" + version.lstrip("v"))
    return tuple(version)


def node_status_args(version, allocs=True, verbose=False, json_output=False):
    """Arguments (after the nomad binary) that list nodes on this Nomad version."""
    version = _ver(version)
    args = ["node", "status"] if version >= (0, 8, 0) else ["node-status"]
    if json_output:
        return args + ["-json"]
    if allocs and version >= (0, 4, 0):
        args.append("-allocs")
    if verbose:
        args.append("-verbose")
    return args + ["-no-color"]


def job_list_args(version):
    return ["status", "-no-color"]


def job_status_args(version, job_id):
    version = _ver(version)
    args = ["job", "status"] if version >= (0, 7, 0) else ["status"]
    return args + ["-no-color", job_id]


def drain_disable_args(version, node_id):
    """Disable drain mode without touching running builds (never -force)."""
    version = _ver(version)
    if version >= (0, 8, 0):
        return ["node", "drain", "-disable", "-yes", node_id]
    return ["node-drain", "-disable", "-yes", node_id]


def eligibility_enable_args(version, node_id):
    """Mark a node eligible (0.8+); None on older versions (no eligibility there)."""
    version = _ver(version)
    if version >= (0, 8, 0):
        return ["node", "eligibility", "-enable", node_id]
    return None


# --------------------------------------------------------------------------- docker


def _container_state(state, status):
    if state:
        return str(state).lower()
    status = (status or "").strip()
    for prefix, value in (("Up", "running"), ("Exited", "exited"), ("Created", "created"),
                          ("Restarting", "restarting"), ("Paused", "paused"), ("Dead", "dead"),
                          ("Removal", "removing")):
        if status.startswith(prefix):
            return "paused" if "(Paused)" in status else value
    return "unknown"


def parse_docker_ps(text):
    try:
        return _parse_docker_ps(text)
    except (TypeError, AttributeError, KeyError, ValueError) as exc:
        if isinstance(exc, ParseError):
            raise
        raise ParseError("unexpected docker output: %s" % exc, "docker ps") from exc


def _parse_docker_ps(text):
    """``docker ps -a --format '{{json .}}'`` (one JSON object per line) or a ``docker inspect`` array.

    Returns {name: {name, state, status, image, id}}.
    """
    containers = {}
    if isinstance(text, str) and text.strip().startswith("["):
        data = _load_json(text, "docker inspect")
        if not isinstance(data, list):
            raise ParseError("docker inspect output is not an array", "docker inspect")
        for item in data:
            if not isinstance(item, dict):
                raise ParseError("docker inspect item is not an object", "docker inspect")
            state = item.get("State") if isinstance(item.get("State"), dict) else {}
            name = str(item.get("Name") or "").lstrip("/")
            containers[name] = {"name": name, "state": str(state.get("Status") or "unknown"),
                                "status": str(state.get("Status") or ""),
                                "image": (item.get("Config") or {}).get("Image") if isinstance(
                                    item.get("Config"), dict) else None,
                                "id": item.get("Id")}
        return containers
    for lineno, line in enumerate(clean_lines(text), 1):
        if not line.strip() or _is_noise(line):
            continue
        if not line.strip().startswith("{"):
            raise ParseError("docker ps line is not JSON (use --format '{{json .}}'): %r" % line.strip(),
                             "docker ps", lineno)
        try:
            item = json.loads(line)
        except ValueError as exc:
            raise ParseError("invalid JSON in docker ps output: %s" % exc, "docker ps", lineno) from exc
        if not isinstance(item, dict) or not isinstance(item.get("Names"), str):
            raise ParseError("docker ps item has no Names", "docker ps", lineno)
        for name in item["Names"].split(","):
            name = name.strip().lstrip("/")
            containers[name] = {"name": name, "state": _container_state(item.get("State"), item.get("Status")),
                                "status": item.get("Status"), "image": item.get("Image"), "id": item.get("ID")}
    return containers


# --------------------------------------------------------------------------- analysis

_ERROR_RE = re.compile(
    r"\b(?:ERROR|FATAL|SEVERE)\b|[A-Za-z_$.]*(?:Exception|Error)\b[:\s]|\bexception\b|Traceback \(most recent"
    r"|^\s+at [\w$.<>/-]+\(|^Caused by: "
)
_FORWARD_RE = re.compile(r"(?P<build>[^\s/:]+/[^\s/]+/\d+) -> forwarded to run-queue")
_TAKING_RE = re.compile(r"taking build=(?P<build>[^\s/,]+/[^\s/,]+/\d+)")
_MAX_EVIDENCE = 20


def _log_lines(logs):
    if logs is None:
        return []
    if isinstance(logs, (list, tuple)):
        return [str(ln) for ln in logs]
    return clean_lines(logs)


def error_lines(logs):
    """Lines of a container log that show an error, exception or stack-trace frame."""
    return [ln for ln in _log_lines(logs) if _ERROR_RE.search(ln)]


def lost_builds(dispatcher_logs, picard_logs):
    """Builds forwarded to run-queue by ``dispatcher`` but never taken by ``picard-dispatcher``."""
    taken = set()
    for line in _log_lines(picard_logs):
        for match in _TAKING_RE.finditer(line):
            taken.add(match.group("build"))
    lost = []
    seen = set()
    for line in _log_lines(dispatcher_logs):
        match = _FORWARD_RE.search(line)
        if match and match.group("build") not in taken and match.group("build") not in seen:
            seen.add(match.group("build"))
            lost.append((match.group("build"), line.strip()))
    return lost


def _node_evidence(node):
    if node.get("raw"):
        return node["raw"]
    return "node %s name=%s dc=%s drain=%s eligibility=%s status=%s running_allocs=%s" % (
        node.get("id"), node.get("name"), node.get("datacenter"), node.get("drain"), node.get("eligibility"),
        node.get("status"), node.get("running_allocs"))


def _node_label(node):
    return node.get("name") or node.get("id")


def _reason_lines(status):
    out = []
    for group in (status or {}).get("placement_failures") or []:
        for reason in group.get("reasons") or []:
            out.append('Task Group "%s": %s' % (group.get("task_group"), reason.get("text")))
    return out


def _container_info(value):
    """Normalise a container state: None (missing), str state, or dict with state/State."""
    if value is None:
        return None
    if isinstance(value, str):
        return {"state": value.lower(), "status": value}
    if isinstance(value, dict):
        state = value.get("state") or value.get("State")
        if isinstance(state, dict):
            state = state.get("Status")
        return {"state": str(state or _container_state(None, value.get("status") or value.get("Status"))).lower(),
                "status": value.get("status") or value.get("Status")}
    return {"state": str(value).lower(), "status": str(value)}


def analyse(nodes, jobs, job_statuses=None, container_states=None, container_logs=None,
            expected_datacenter="default", nomad_version=None):
    """Diagnose queued builds; returns a list of findings.

    ``nodes``/``jobs``: parsed lists (None = not collected).  ``job_statuses``: {job id: parsed
    job status}.  ``container_states``: {name: state str | dict | None (missing)}; only the names
    given are checked.  ``container_logs``: {name: text or list of lines}.
    """
    findings = []
    job_statuses = job_statuses or {}
    container_logs = container_logs or {}
    version = _ver(nomad_version) if nomad_version else None

    # ---- containers
    if container_states is not None:
        down = []
        for name in sorted(container_states):
            info = _container_info(container_states[name])
            if info is None:
                down.append((name, "%s: container missing" % name, "missing"))
            elif info["state"] != "running":
                down.append((name, "%s: %s (%s)" % (name, info["state"], info.get("status") or info["state"]),
                             info["state"]))
        if down:
            names = [d[0] for d in down]
            findings.append(finding(
                "dispatcher_down", "critical",
                "CircleCI container(s) not running: %s" % ", ".join(names),
                evidence=[d[1] for d in down],
                remedy="docker start %s (fix: circleci_queue_fix start_containers=%s)" % (" ".join(names), names),
                fixable=True,
                data={"containers": names, "states": dict((d[0], d[2]) for d in down)}))

    # ---- dispatcher logs
    errs = []
    for name in ("dispatcher", "picard-dispatcher", "picard-scheduler"):
        errs.extend("%s: %s" % (name, ln.strip()) for ln in error_lines(container_logs.get(name)))
    if errs:
        findings.append(finding(
            "dispatcher_errors", "warning",
            "%d error/exception line(s) in the dispatcher logs: builds may not be routed from 1.0 to 2.0" % len(errs),
            evidence=errs[:_MAX_EVIDENCE],
            remedy="Read the stack traces; restart the dispatcher pair (docker restart dispatcher picard-dispatcher, "
                   "fix: circleci_queue_fix restart_dispatchers=true) or stop/start the CircleCI app in the "
                   "Management Console (port 8800); if it persists, open a support ticket with a support bundle.",
            # not fixable: `docker logs` keeps the old lines after a restart, so no re-diagnosis could verify it
            fixable=False, data={"count": len(errs)}))
    if "dispatcher" in container_logs and "picard-dispatcher" in container_logs:
        lost = lost_builds(container_logs.get("dispatcher"), container_logs.get("picard-dispatcher"))
        if lost:
            builds = [b for b, _line in lost]
            findings.append(finding(
                "builds_lost_between_dispatchers", "warning",
                "%d build(s) forwarded to run-queue by dispatcher never taken by picard-dispatcher" % len(builds),
                evidence=["dispatcher: %s" % line for _b, line in lost][:_MAX_EVIDENCE]
                + ["picard-dispatcher: no 'taking build=%s' line" % b for b in builds][:_MAX_EVIDENCE],
                remedy="Stop and start the CircleCI application in the Management Console (port 8800), or restart "
                       "the dispatcher pair (fix: circleci_queue_fix restart_dispatchers=true); rerun the builds.",
                fixable=True, data={"builds": builds}))
    oerrs = error_lines(container_logs.get("picard-output-processor"))
    if oerrs:
        findings.append(finding(
            "output_processor_errors", "warning",
            "%d error line(s) in picard-output-processor logs: running builds may not show in the UI" % len(oerrs),
            evidence=["picard-output-processor: %s" % ln.strip() for ln in oerrs][:_MAX_EVIDENCE],
            remedy="docker restart picard-output-processor; check `nomad logs --stderr --job <job>` for the "
                   "build agent's side.", fixable=False, data={"count": len(oerrs)}))

    # ---- nodes
    pending = [j for j in (jobs or []) if j.get("status") == "pending"]
    if nodes is not None:
        if not nodes:
            findings.append(finding(
                "no_builders", "critical", "No Nomad clients (builders) are registered",
                evidence=["nomad node status: no nodes listed"],
                remedy="Builders never registered: check the builder instances/auto-scaling group, their Nomad "
                       "client config (servers, datacenter) and that port 4647 to the Services box is open.",
                fixable=False, data={"pending_jobs": [j["id"] for j in pending]}))
        draining = [n for n in nodes if n.get("drain")]
        if draining:
            cmd = drain_disable_args(version or (0, 8, 0), "<node>")
            findings.append(finding(
                "builder_draining", "warning",
                "%d builder(s) draining: CircleCI will not route builds there (%s)" % (
                    len(draining), ", ".join(_node_label(n) for n in draining)),
                evidence=[_node_evidence(n) for n in draining],
                remedy="If not intentionally retiring them: nomad %s (fix: circleci_queue_fix disable_drain=[...]; "
                       "<= 0.7: nomad node-drain -disable -yes <node>). Running builds are never forced."
                       % " ".join(cmd),
                fixable=True,
                data={"nodes": [n.get("id") for n in draining], "names": [n.get("name") for n in draining]}))
        inelig = [n for n in nodes if n.get("eligibility") == "ineligible" and not n.get("drain")]
        if inelig:
            findings.append(finding(
                "builder_ineligible", "warning",
                "%d builder(s) marked ineligible for scheduling (%s)" % (
                    len(inelig), ", ".join(_node_label(n) for n in inelig)),
                evidence=[_node_evidence(n) for n in inelig],
                remedy="nomad node eligibility -enable <node> (fix: circleci_queue_fix enable_eligibility=[...])",
                fixable=True,
                data={"nodes": [n.get("id") for n in inelig], "names": [n.get("name") for n in inelig]}))
        notready = [n for n in nodes if n.get("status") != "ready"]
        if notready:
            ready_any = any(n.get("status") == "ready" for n in nodes)
            findings.append(finding(
                "builder_not_ready", "warning" if ready_any else "critical",
                "%d builder(s) not ready: they will not accept builds (%s)" % (
                    len(notready), ", ".join("%s=%s" % (_node_label(n), n.get("status")) for n in notready)),
                evidence=[_node_evidence(n) for n in notready],
                remedy="Check the builder instance and its Nomad client (systemctl status nomad, port 4647 to the "
                       "Services box); terminate and replace builders that stay down.",
                fixable=False,
                data={"nodes": [n.get("id") for n in notready], "statuses": [n.get("status") for n in notready]}))
        wrong_dc = [n for n in nodes if n.get("datacenter") and n.get("datacenter") != expected_datacenter]
        dc_reasons = []
        for job_id, status in sorted(job_statuses.items()):
            for group in (status or {}).get("placement_failures") or []:
                for reason in group.get("reasons") or []:
                    # a drained/ineligible/down builder also empties its DC: only a DC without any
                    # registered builder proves a mismatch (the other findings explain the rest)
                    if reason.get("kind") == "datacenter_unavailable" and nodes and reason.get("subject") not in {
                            n.get("datacenter") for n in nodes}:
                        dc_reasons.append("%s: %s" % (job_id, reason.get("text")))
        if wrong_dc or dc_reasons:
            in_expected = [n for n in nodes if n.get("datacenter") == expected_datacenter]
            findings.append(finding(
                "datacenter_mismatch", "critical" if (dc_reasons or not in_expected) else "warning",
                "Builder datacenter differs from the expected %r: %s" % (
                    expected_datacenter,
                    ", ".join("%s in %s" % (_node_label(n), n.get("datacenter")) for n in wrong_dc)
                    or "jobs find no nodes in their datacenter"),
                evidence=[_node_evidence(n) for n in wrong_dc] + dc_reasons[:_MAX_EVIDENCE],
                remedy="Server >= 2.19 schedules into datacenter \"default\": relaunch builders with the 2.19.0 "
                       "launch configuration (Nomad client datacenter = \"default\"); pre-2.19 servers expect "
                       "\"us-east-1\" (set expected_datacenter).",
                fixable=False,
                data={"expected": expected_datacenter, "nodes": [n.get("id") for n in wrong_dc],
                      "datacenters": sorted(set(n.get("datacenter") for n in wrong_dc))}))

    # ---- jobs
    if pending:
        evidence = []
        data_jobs = []
        for job in pending:
            evidence.append(_job_evidence(job))
            status = job_statuses.get(job["id"])
            lines = _reason_lines(status)
            evidence.extend("  %s" % ln for ln in lines)
            kinds = sorted(set(r.get("kind") for g in (status or {}).get("placement_failures") or []
                               for r in g.get("reasons") or []))
            data_jobs.append({"id": job["id"], "reasons": lines, "kinds": kinds, "detail_collected": bool(status)})
        findings.append(finding(
            "jobs_pending", "warning",
            "%d Nomad job(s) pending (builds queued)" % len(pending),
            evidence=evidence[: _MAX_EVIDENCE * 3],
            remedy="See the placement failure reasons and the other findings (drained/ineligible/down builders, "
                   "datacenter, capacity).", fixable=False, data={"jobs": data_jobs}))
        capacity_evidence = []
        ready = [n for n in nodes or [] if n.get("status") == "ready" and not n.get("drain")
                 and n.get("eligibility") != "ineligible" and n.get("datacenter") == expected_datacenter]
        if ready and all(n.get("running_allocs") for n in ready):
            capacity_evidence.extend(_node_evidence(n) for n in ready)
        for job in pending:
            status = job_statuses.get(job["id"]) or {}
            for group in status.get("placement_failures") or []:
                for reason in group.get("reasons") or []:
                    if reason.get("kind") in ("resources_exhausted", "dimension_exhausted", "class_exhausted"):
                        capacity_evidence.append("%s: %s" % (job["id"], reason.get("text")))
        if capacity_evidence:
            findings.append(finding(
                "capacity_exhausted", "warning",
                "Not enough builder capacity: every ready builder is busy while %d job(s) wait" % len(pending),
                evidence=capacity_evidence[: _MAX_EVIDENCE * 2],
                remedy="Add builders (raise the builder auto-scaling group's desired capacity) or wait for running "
                       "builds to finish.",
                fixable=False,
                data={"ready_builders": len(ready), "pending_jobs": len(pending),
                      "busy_builders": [n.get("id") for n in ready if n.get("running_allocs")]}))
    return findings


def _job_evidence(job):
    if job.get("raw"):
        return job["raw"]
    return "job %s type=%s priority=%s status=%s" % (
        job.get("id"), job.get("type"), job.get("priority"), job.get("status"))


def pending_job_ids(jobs, limit=None):
    ids = [j["id"] for j in jobs or [] if j.get("status") == "pending"]
    return ids if limit is None else ids[:limit]


# --------------------------------------------------------------------------- collection (shared by modules/tests)


class CommandError(Exception):
    """A command needed for the diagnosis or a fix failed (message names the command)."""


def _join(args):
    return " ".join(args)


def _exec_container(nomad_command, docker_command):
    """Container name when nomad is reached through ``docker exec <name> ...``, else None."""
    cmd = list(nomad_command)
    docker = list(docker_command)
    if cmd[: len(docker) + 1] != docker + ["exec"]:
        return None
    for arg in cmd[len(docker) + 1:]:
        if not arg.startswith("-"):
            return arg
    return None


def _run_checked(run, args, what):
    rc, out, err = run(list(args))
    if rc != 0:
        raise CommandError("%s failed (rc=%s): %s: %s" % (what, rc, _join(args), (err or out or "").strip()[:500]))
    return out


def collect(run, docker_command=("docker",), nomad_command=("docker", "exec", "nomad", "nomad"),
            containers=DEFAULT_CONTAINERS, log_lines=200, expected_datacenter="default", max_job_details=10):
    """Gather everything from the Services box through ``run(args) -> (rc, stdout, stderr)`` and analyse it.

    Read-only.  Raises CommandError when docker itself fails and ParseError on output it cannot
    understand.  Returns the dict the ``circleci_queue_info`` module returns.
    """
    docker = list(docker_command)
    nomad = list(nomad_command)
    commands = []

    def call(args):
        commands.append(_join(args))
        return run(list(args))

    result = {"nomad_version": None, "nodes": None, "jobs": None, "pending_jobs": [], "containers": {},
              "findings": [], "commands": commands}
    ps_args = docker + ["ps", "-a", "--format", "{{json .}}"]
    rc, out, err = call(ps_args)
    if rc != 0:
        raise CommandError("docker ps failed (rc=%s): %s: %s" % (rc, _join(ps_args), (err or out).strip()[:500]))
    ps = parse_docker_ps(out)
    nomad_container = _exec_container(nomad, docker)
    watched = list(containers) + ([nomad_container] if nomad_container and nomad_container not in containers else [])
    states = dict((name, ps.get(name)) for name in watched)
    missing = {"state": "missing", "status": None, "image": None, "id": None}
    result["containers"] = dict((name, ps[name] if name in ps else dict(missing, name=name)) for name in watched)
    logs = {}
    for name in containers:
        if name not in ps:
            continue
        rc, out, err = call(docker + ["logs", "--tail", str(int(log_lines)), name])
        if rc == 0:
            logs[name] = (out or "") + ("\n" + err if err else "")
    extra = []
    statuses = {}
    nodes = jobs = None
    version = None
    if nomad_container and (states.get(nomad_container) or {}).get("state") != "running":
        pass  # reported as dispatcher_down; nomad cannot be queried
    else:
        try:
            version = parse_version(_run_checked(call, nomad + ["version"], "nomad version"))
            result["nomad_version"] = version_string(version)
            nodes = parse_nodes(_run_checked(call, nomad + node_status_args(version), "nomad node status"))
            jobs = parse_jobs(_run_checked(call, nomad + job_list_args(version), "nomad job list"))
            for job_id in pending_job_ids(jobs, max_job_details):
                text = _run_checked(call, nomad + job_status_args(version, job_id), "nomad job status")
                statuses[job_id] = parse_job_status(text)
        except CommandError as exc:
            extra.append(finding(
                "nomad_unreachable", "critical", "The Nomad CLI on the Services box failed: %s" % exc,
                evidence=[str(exc)], remedy="Check the nomad container (docker logs nomad) and the Nomad server.",
                fixable=False))
    result["nodes"] = nodes
    result["jobs"] = jobs
    result["pending_jobs"] = [{"id": job_id, "status": status} for job_id, status in statuses.items()]
    result["findings"] = extra + analyse(nodes, jobs, statuses, states, logs, expected_datacenter,
                                         nomad_version=version)
    return result


def _resolve_node(nodes, wanted):
    exact = [n for n in nodes if wanted in (n.get("id"), n.get("name"))]
    if len(exact) == 1:
        return exact[0]
    prefix = [n for n in nodes if (n.get("id") or "").startswith(wanted)]
    if len(prefix) == 1 and not exact:
        return prefix[0]
    if not exact and not prefix:
        raise CommandError("node %r not found in nomad node status" % wanted)
    raise CommandError("node %r is ambiguous: matches %s" % (
        wanted, ", ".join("%s (%s)" % (n.get("id"), n.get("name")) for n in (exact or prefix))))


def apply_fixes(run, docker_command=("docker",), nomad_command=("docker", "exec", "nomad", "nomad"),
                start_containers=(), enable_eligibility=(), disable_drain=(), restart_dispatchers=False,
                dispatcher_containers=DISPATCHER_CONTAINERS, nomad_version=None, check_mode=False):
    """Plan (check_mode) or run the opt-in fixes; never forces a drain.

    Returns {"commands": [str], "changed": bool, "skipped": [str]}.  Raises CommandError when a
    read or a fix command fails (the message names the command).
    """
    docker = list(docker_command)
    nomad = list(nomad_command)
    planned = []
    skipped = []

    def act(args):
        planned.append(_join(args))
        if not check_mode:
            _run_checked(run, args, "fix")

    try:
        _fix_steps(run, docker, nomad, act, skipped, start_containers, enable_eligibility, disable_drain,
                   restart_dispatchers, dispatcher_containers, nomad_version)
    except CommandError as exc:
        exc.commands = list(planned)
        raise
    return {"commands": planned, "changed": bool(planned), "skipped": skipped}


def _fix_steps(run, docker, nomad, act, skipped, start_containers, enable_eligibility, disable_drain,
               restart_dispatchers, dispatcher_containers, nomad_version):
    if start_containers:
        ps = parse_docker_ps(_run_checked(run, docker + ["ps", "-a", "--format", "{{json .}}"], "docker ps"))
        for name in start_containers:
            if name not in ps:
                raise CommandError("container %r does not exist (docker ps -a); it cannot be started" % name)
            if ps[name]["state"] == "running":
                skipped.append("%s: already running" % name)
                continue
            act(docker + ["start", name])
    if restart_dispatchers:
        act(docker + ["restart"] + list(dispatcher_containers))
    if enable_eligibility or disable_drain:
        if nomad_version:
            version = _ver(nomad_version)
        else:
            rc, out, err = run(nomad + ["version"])
            if rc != 0:
                raise CommandError("cannot tell the Nomad version (%s: %s); set nomad_version" % (
                    _join(nomad + ["version"]), (err or out).strip()[:300]))
            version = parse_version(out)
        nodes = parse_nodes(_run_checked(run, nomad + node_status_args(version, allocs=False, verbose=True),
                                         "nomad node status"))
        undrained = set()
        for wanted in disable_drain:
            node = _resolve_node(nodes, wanted)
            if not node.get("drain"):
                skipped.append("%s: not draining" % wanted)
                continue
            act(nomad + drain_disable_args(version, node["id"]))
            undrained.add(node["id"])
        for wanted in enable_eligibility:
            node = _resolve_node(nodes, wanted)
            args = eligibility_enable_args(version, node["id"])
            if args is None:
                skipped.append("%s: Nomad %s has no scheduling eligibility (< 0.8)" % (wanted, version_string(version)))
                continue
            if node["id"] in undrained:
                skipped.append("%s: disabling the drain already marks it eligible" % wanted)
                continue
            if node.get("eligibility") != "ineligible":
                skipped.append("%s: already eligible" % wanted)
                continue
            if node.get("drain"):
                skipped.append("%s: draining; add it to disable_drain (eligibility cannot be enabled while "
                               "draining)" % wanted)
                continue
            act(nomad + args)
