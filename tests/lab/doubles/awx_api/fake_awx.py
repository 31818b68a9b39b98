#!/usr/bin/env python3
# -*- coding: utf-8 -*-
# Copyright: (c) 2026, sre.remediation contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""THIS IS A TEST DOUBLE of the AWX 24.6.1 REST API (/api/v2/), for the part that the awx.awx collection's
``job_template`` and ``schedule`` modules use.  AWX itself needs Kubernetes and cannot run here.

What it reproduces (AWX behaviour, not our wishes):

* the product headers ``X-API-Product-Name: AWX`` / ``X-API-Product-Version: 24.6.1``; tokens from
  ``POST /api/v2/tokens/`` with basic auth, then ``Authorization: Bearer``; 401 otherwise;
* list views ``{count, next, previous, results}`` filtered by field equality and ``or__<field>``;
  objects with ``id``, ``type``, ``url``, ``related`` (``survey_spec``), ``created``/``modified``;
* job templates: ``playbook`` must be one of the project's playbooks, found the way AWX scans a project
  (only ``.yml``/``.yaml``; directories ``roles``, ``tasks``, ``group_vars``, ``host_vars`` and dot
  directories skipped; a file counts when a line matches ``hosts:``, ``include:`` or ``import_playbook:``);
  ``inventory``/``project`` must exist; ``extra_vars`` is stored and returned as the text given;
* survey specs: ``GET`` returns ``{}`` without a survey, ``POST`` validates like AWX (name, description,
  a non-empty ``spec`` list, each question with type/question_name/variable/required, allowed types,
  unique variables, integer defaults within min/max) and stores the spec as posted;
* schedules: the RRULE checks of AWX's ``SchedulePreviewSerializer.validate_rrule`` (DTSTART with a zone,
  one DTSTART, at least one RRULE, INTERVAL in every rule, no SECONDLY, no BYDAY with a numeric prefix,
  not COUNT and UNTIL, COUNT <= 999, no EXDATE/RDATE) and then python-dateutil must parse it; a schedule
  name is unique per unified job template; ``GET /api/v2/unified_job_templates/`` lists the job templates.

Usage: fake_awx.py --port 0 --project-dir DIR [--state FILE]  (prints ``LISTENING <port>``; with --state the
objects are written to FILE as JSON after every change, for tests to read).
"""

from __future__ import annotations

import argparse
import base64
import datetime
import json
import os
import re
import sys
import threading
import urllib.parse
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

try:
    from dateutil.rrule import rrulestr
    from dateutil.tz import gettz
except ImportError:  # pragma: no cover - the venv has python-dateutil
    rrulestr = gettz = None

USER, PASSWORD = "admin", "sre-lab-password"
PLAYBOOK_LINE = re.compile(r"^\s*-?\s*(?:ansible\.builtin\.)?(?:hosts|include|import_playbook):", re.M)
SKIP_DIRS = {"roles", "tasks", "group_vars", "host_vars"}
SURVEY_TYPES = ("text", "textarea", "password", "multiplechoice", "multiselect", "integer", "float")


def project_playbooks(directory):
    """Playbooks the way AWX lists them for a project (sorted relative paths)."""
    found = []
    for top, dirs, files in os.walk(directory):
        dirs[:] = sorted(d for d in dirs if d not in SKIP_DIRS and not d.startswith("."))
        for name in files:
            if not name.endswith((".yml", ".yaml")):
                continue
            path = os.path.join(top, name)
            try:
                with open(path, encoding="utf-8", errors="replace") as handle:
                    text = handle.read()
            except OSError:
                continue
            if text.startswith("$ANSIBLE_VAULT;") or PLAYBOOK_LINE.search(text):
                found.append(os.path.relpath(path, directory))
    return sorted(found)


def validate_rrule(value):
    """AWX 24's rrule checks; returns the list of error strings."""
    by_day_numeric = r".*?BYDAY[\:\=][0-9]+[a-zA-Z]{2}"
    dtstarts = re.findall(r".*?(DTSTART(;[^:]+)?\:[0-9]+T[0-9]+Z?)", value)
    naive = re.findall(r".*?(DTSTART:[0-9]+T[0-9]+) ", value)
    rules = re.findall(r".*?(RULE\:[^\s]*)", value)
    errors = []
    if not dtstarts:
        errors.append("Valid DTSTART required in rrule. Value should start with: DTSTART:YYYYMMDDTHHMMSSZ")
    if naive:
        errors.append("DTSTART cannot be a naive datetime.  Specify ;TZINFO= or YYYYMMDDTHHMMSSZZ.")
    if len(dtstarts) > 1:
        errors.append("Multiple DTSTART is not supported.")
    if "rrule:" not in value.lower():
        errors.append("One or more rule required in rrule.")
    if "exdate:" in value.lower():
        return ["EXDATE not allowed in rrule."]
    if "rdate:" in value.lower():
        return ["RDATE not allowed in rrule."]
    for rule in rules:
        if "interval" not in rule.lower():
            errors.append("INTERVAL required in rrule: %s" % rule)
        elif "secondly" in rule.lower():
            errors.append("SECONDLY is not supported: %s" % rule)
        if re.match(by_day_numeric, rule):
            errors.append("BYDAY with numeric prefix not supported: %s" % rule)
        if "COUNT" in rule and "UNTIL" in rule:
            errors.append("RRULE may not contain both COUNT and UNTIL: %s" % rule)
        count = re.match(r".*?(COUNT\=[0-9]+)", rule)
        if count and int(count.group(1).split("=")[1]) > 999:
            errors.append("COUNT > 999 is unsupported: %s" % rule)
    zone = re.search(r"DTSTART;TZID=([^:]+):", value)
    if zone and gettz(zone.group(1)) is None:
        errors.append("rrule parsing failed validation: A valid TZID must be provided (e.g., America/New_York)")
    else:
        try:
            rrulestr(value, forceset=True)
        except (ValueError, TypeError) as exc:
            errors.append("rrule parsing failed validation: %s" % exc)
    return errors


def validate_survey(spec):
    """AWX's survey spec checks (JobTemplateSurveySpec._validate_spec_data); returns an error or None."""
    if not isinstance(spec, dict):
        return "Survey spec must be a JSON object."
    for key in ("name", "description"):
        if key not in spec:
            return "'%s' missing from survey spec." % key
    if not isinstance(spec.get("spec"), list):
        return "'spec' must be a list of items."
    if not spec["spec"]:
        return "'spec' doesn't contain any items."
    seen = set()
    for idx, item in enumerate(spec["spec"]):
        if not isinstance(item, dict):
            return "Survey question %d is not a json object." % idx
        for key in ("type", "question_name", "variable", "required"):
            if key not in item:
                return "'%s' missing from survey question %d." % (key, idx)
        if item["type"] not in SURVEY_TYPES:
            return "'%s' in survey question %d is not one of '%s' allowed question types." % (
                item["type"], idx, ", ".join(SURVEY_TYPES))
        if item["variable"] in seen:
            return "'variable' '%s' duplicated in survey question %d." % (item["variable"], idx)
        seen.add(item["variable"])
        default = item.get("default")
        if item["type"] == "integer" and default not in (None, ""):
            if not isinstance(default, int) or isinstance(default, bool):
                return "Value %r for 'default' expected to be of type integer." % (default,)
            if ("min" in item and default < item["min"]) or ("max" in item and default > item["max"]):
                return "The default value for survey question %d is outside min/max." % idx
        if item["type"] in ("text", "textarea", "password") and isinstance(default, str):
            if ("max" in item and len(default) > int(item["max"])) or ("min" in item and len(default) < int(item["min"])):
                return "The length of the default for survey question %d is outside min/max." % idx
    return None


class Store(object):
    """The objects of the fake controller, guarded by one lock."""

    def __init__(self, project_dir, state_file=None):
        self.lock = threading.Lock()
        self.state_file = state_file
        self.next_id = {}
        self.tokens = {}
        self.data = {"organizations": {}, "inventories": {}, "projects": {}, "job_templates": {}, "schedules": {},
                     "execution_environments": {}}
        self.surveys = {}
        self.requests = []
        org = self.add("organizations", {"name": "Default", "description": ""})
        self.add("inventories", {"name": "production", "organization": org["id"], "kind": ""})
        self.add("projects", {"name": "sre-remediation", "organization": org["id"], "scm_type": "git",
                              "playbooks": project_playbooks(project_dir)})

    def add(self, kind, fields):
        new_id = self.next_id.get(kind, 0) + 1
        self.next_id[kind] = new_id
        now = datetime.datetime.now(datetime.timezone.utc).isoformat().replace("+00:00", "Z")
        obj = dict(fields, id=new_id, type=kind[:-1] if kind != "inventories" else "inventory",
                   url="/api/v2/%s/%d/" % (kind, new_id), created=now, modified=now, related={}, summary_fields={})
        if kind == "job_templates":
            obj["related"]["survey_spec"] = "/api/v2/job_templates/%d/survey_spec/" % new_id
            obj["related"]["schedules"] = "/api/v2/job_templates/%d/schedules/" % new_id
        self.data[kind][new_id] = obj
        return obj

    def save(self):
        if not self.state_file:
            return
        state = {kind: list(objs.values()) for kind, objs in self.data.items()}
        state["surveys"] = {str(k): v for k, v in self.surveys.items()}
        state["requests"] = self.requests
        tmp = self.state_file + ".tmp"
        with open(tmp, "w", encoding="utf-8") as handle:
            json.dump(state, handle, indent=1, sort_keys=True)
        os.replace(tmp, self.state_file)


JT_DEFAULTS = {
    "description": "", "job_type": "run", "inventory": None, "project": None, "playbook": "", "scm_branch": "",
    "forks": 0, "limit": "", "verbosity": 0, "extra_vars": "", "job_tags": "", "force_handlers": False,
    "skip_tags": "", "start_at_task": "", "timeout": 0, "use_fact_cache": False, "organization": None,
    "execution_environment": None, "host_config_key": "", "ask_variables_on_launch": False, "ask_limit_on_launch": False,
    "survey_enabled": False, "become_enabled": False, "diff_mode": False, "allow_simultaneous": False,
    "job_slice_count": 1, "webhook_service": "", "webhook_credential": None, "prevent_instance_group_fallback": False,
}
SCHEDULE_DEFAULTS = {"description": "", "enabled": True, "extra_data": {}, "rrule": ""}


class Handler(BaseHTTPRequestHandler):
    server_version = "fake-awx/24.6.1"
    store = None  # set by main()

    def log_message(self, fmt, *args):  # quiet; requests are recorded in the state file
        return

    def _send(self, code, body=None):
        raw = b"" if body is None else json.dumps(body).encode("utf-8")
        self.send_response(code)
        self.send_header("X-API-Product-Name", "AWX")
        self.send_header("X-API-Product-Version", "24.6.1")
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(raw)))
        self.end_headers()
        self.wfile.write(raw)

    def _body(self):
        length = int(self.headers.get("Content-Length") or 0)
        if not length:
            return {}
        try:
            return json.loads(self.rfile.read(length).decode("utf-8"))
        except ValueError:
            return None

    def _authorized(self):
        auth = self.headers.get("Authorization", "")
        if auth.startswith("Bearer "):
            return auth[7:] in self.store.tokens.values()
        if auth.startswith("Basic "):
            return base64.b64decode(auth[6:]).decode("utf-8", "replace") == "%s:%s" % (USER, PASSWORD)
        return False

    def _route(self, method):
        url = urllib.parse.urlsplit(self.path)
        parts = [p for p in url.path.split("/") if p]
        if parts[:2] != ["api", "v2"]:
            return self._send(404, {"detail": "Not found."})
        parts = parts[2:]
        query = dict(urllib.parse.parse_qsl(url.query, keep_blank_values=True))
        with self.store.lock:
            self.store.requests.append("%s %s" % (method, url.path))
            if parts == ["tokens"] and method == "POST":
                return self._token()
            if parts[:1] == ["tokens"] and method == "DELETE":
                self.store.tokens.pop(parts[1] if len(parts) > 1 else "", None)
                return self._send(204)
            if not self._authorized():
                return self._send(401, {"detail": "Authentication credentials were not provided."})
            if parts == ["ping"]:
                return self._send(200, {"version": "24.6.1", "active_node": "fake-awx"})
            kind = parts[0] if parts else ""
            if kind == "unified_job_templates" and len(parts) == 1 and method == "GET":
                return self._list(list(self.store.data["job_templates"].values()), query)
            if kind not in self.store.data:
                return self._send(404, {"detail": "Not found."})
            objs = self.store.data[kind]
            if len(parts) == 1:
                if method == "GET":
                    return self._list(list(objs.values()), query)
                if method == "POST":
                    return self._create(kind, self._body())
                return self._send(405, {"detail": 'Method "%s" not allowed.' % method})
            try:
                obj = objs[int(parts[1])]
            except (ValueError, KeyError):
                return self._send(404, {"detail": "Not found."})
            if len(parts) == 2:
                if method == "GET":
                    return self._send(200, obj)
                if method == "PATCH":
                    return self._update(kind, obj, self._body())
                if method == "DELETE":
                    del objs[obj["id"]]
                    self.store.save()
                    return self._send(204)
            if kind == "job_templates" and parts[2:] == ["survey_spec"]:
                return self._survey(obj, method)
            return self._send(404, {"detail": "Not found."})

    def _token(self):
        if not self._authorized():
            return self._send(401, {"detail": "Invalid username/password."})
        token_id = len(self.store.tokens) + 1
        token = base64.b16encode(os.urandom(12)).decode("ascii").lower()
        self.store.tokens[str(token_id)] = token
        return self._send(201, {"id": token_id, "token": token, "scope": "write"})

    def _list(self, objs, query):
        ors = {k[4:]: v for k, v in query.items() if k.startswith("or__")}
        ands = {k: v for k, v in query.items() if not k.startswith("or__") and k not in ("page", "page_size")}

        def matches(obj):
            if any(str(obj.get(k)) != v for k, v in ands.items()):
                return False
            return not ors or any(str(obj.get(k)) == v for k, v in ors.items())
        found = sorted((o for o in objs if matches(o)), key=lambda o: o["id"])
        return self._send(200, {"count": len(found), "next": None, "previous": None, "results": found})

    def _check_job_template(self, fields, current=None):
        errors = {}
        data = self.store.data
        merged = dict(current or {}, **fields)
        if not merged.get("name"):
            errors["name"] = ["This field may not be blank."]
        if merged.get("inventory") not in data["inventories"] and not merged.get("ask_inventory_on_launch"):
            errors["inventory"] = ['Invalid pk "%s" - object does not exist.' % merged.get("inventory")]
        project = data["projects"].get(merged.get("project"))
        if project is None:
            errors["project"] = ["This field is required."]
        elif merged.get("playbook") not in project["playbooks"]:
            errors["playbook"] = ["Playbook not found for project."]
        if "extra_vars" in fields and fields["extra_vars"] not in ("", None):
            try:
                json.loads(fields["extra_vars"])
            except (TypeError, ValueError):
                errors["extra_vars"] = ["Must be valid JSON or YAML."]
        for other in data["job_templates"].values():
            if other is not current and other["name"] == merged.get("name") and \
                    other.get("organization") == merged.get("organization"):
                errors["__all__"] = ["Job Template with this (Organization, Name) combination already exists."]
        return errors

    def _check_schedule(self, fields, current=None):
        errors = {}
        merged = dict(current or {}, **fields)
        if merged.get("unified_job_template") not in self.store.data["job_templates"]:
            errors["unified_job_template"] = ["This field is required."]
        if not merged.get("rrule"):
            errors["rrule"] = ["This field may not be blank."]
        else:
            problems = validate_rrule(merged["rrule"])
            if problems:
                errors["rrule"] = problems
        jt = self.store.data["job_templates"].get(merged.get("unified_job_template"))
        if merged.get("extra_data") and jt and not (jt.get("ask_variables_on_launch") or jt.get("survey_enabled")):
            errors["extra_data"] = ["Variables %s provided but not allowed on launch." % ", ".join(merged["extra_data"])]
        for other in self.store.data["schedules"].values():
            if other is not current and other["name"] == merged.get("name") and \
                    other["unified_job_template"] == merged.get("unified_job_template"):
                errors["__all__"] = ["Schedule with this Unified job template and Name already exists."]
        return errors

    def _create(self, kind, body):
        if not isinstance(body, dict):
            return self._send(400, {"detail": "JSON parse error"})
        if kind == "job_templates":
            fields = dict(JT_DEFAULTS, **body)
            project = self.store.data["projects"].get(fields.get("project"))
            if project is not None and fields.get("organization") is None:
                fields["organization"] = project["organization"]  # AWX takes the project's organization
            errors = self._check_job_template(fields)
        elif kind == "schedules":
            fields = dict(SCHEDULE_DEFAULTS, **body)
            errors = self._check_schedule(fields)
        else:
            return self._send(405, {"detail": 'Method "POST" not allowed.'})
        if errors:
            return self._send(400, errors)
        obj = self.store.add(kind, fields)
        self._summarize(kind, obj)
        self.store.save()
        return self._send(201, obj)

    def _summarize(self, kind, obj):
        """summary_fields of a schedule name its template, as AWX's serializer does."""
        jt = self.store.data["job_templates"].get(obj.get("unified_job_template"))
        if kind == "schedules" and jt is not None:
            obj["summary_fields"] = {"unified_job_template": {
                "id": jt["id"], "name": jt["name"], "description": jt["description"], "unified_job_type": "job"}}

    def _update(self, kind, obj, body):
        if not isinstance(body, dict):
            return self._send(400, {"detail": "JSON parse error"})
        check = self._check_job_template if kind == "job_templates" else self._check_schedule
        errors = check(body, obj) if kind in ("job_templates", "schedules") else {}
        if errors:
            return self._send(400, errors)
        obj.update(body)
        self._summarize(kind, obj)
        obj["modified"] = datetime.datetime.now(datetime.timezone.utc).isoformat().replace("+00:00", "Z")
        self.store.save()
        return self._send(200, obj)

    def _survey(self, jt, method):
        if method == "GET":
            return self._send(200, self.store.surveys.get(jt["id"], {}))
        if method == "DELETE":
            self.store.surveys.pop(jt["id"], None)
            self.store.save()
            return self._send(200)
        if method != "POST":
            return self._send(405, {"detail": 'Method "%s" not allowed.' % method})
        spec = self._body()
        error = validate_survey(spec)
        if error:
            return self._send(400, {"error": error})
        self.store.surveys[jt["id"]] = spec
        self.store.save()
        return self._send(200)

    def do_GET(self):  # noqa: N802 - http.server API
        self._route("GET")

    def do_POST(self):  # noqa: N802
        self._route("POST")

    def do_PATCH(self):  # noqa: N802
        self._route("PATCH")

    def do_DELETE(self):  # noqa: N802
        self._route("DELETE")


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--port", type=int, default=0)
    parser.add_argument("--project-dir", required=True)
    parser.add_argument("--state")
    args = parser.parse_args(argv)
    Handler.store = Store(args.project_dir, args.state)
    Handler.store.save()
    server = ThreadingHTTPServer(("127.0.0.1", args.port), Handler)
    print("LISTENING %d" % server.server_address[1], flush=True)
    try:
        server.serve_forever()
    except KeyboardInterrupt:
        pass
    return 0


if __name__ == "__main__":
    sys.exit(main())
