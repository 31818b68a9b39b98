# -*- coding: utf-8 -*-
# Copyright: (c) 2026, sre.remediation contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""execution-environment.yml (ansible-builder v3) and meta/execution-environment.yml: `ansible-builder create`
(no image build) produces a context with the collection's Python/system needs, and builder's own introspection
finds them in the collection."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys

import pytest
import yaml

ROOT = os.path.abspath(os.path.join(os.path.dirname(__file__), "..", ".."))
BUILDER = shutil.which("ansible-builder", path=os.path.dirname(sys.executable) + os.pathsep + os.environ.get("PATH", ""))


def lines(path):
    with open(path, encoding="utf-8") as handle:
        return [line.split("#")[0].strip() for line in handle if line.split("#")[0].strip()]


def test_meta_execution_environment_points_at_existing_files():
    with open(os.path.join(ROOT, "meta", "execution-environment.yml"), encoding="utf-8") as handle:
        meta = yaml.safe_load(handle)
    assert meta["dependencies"] == {"python": "meta/ee-requirements.txt", "system": "meta/ee-bindep.txt"}
    assert any(r.startswith("python-dateutil") for r in lines(os.path.join(ROOT, "meta", "ee-requirements.txt")))
    assert "openssh-clients [platform:rpm]" in lines(os.path.join(ROOT, "meta", "ee-bindep.txt"))


@pytest.mark.skipif(BUILDER is None, reason="ansible-builder is not installed")
def test_ansible_builder_create_writes_the_context(tmp_path):
    ctx = tmp_path / "context"
    proc = subprocess.run([BUILDER, "create", "-f", os.path.join(ROOT, "execution-environment.yml"), "-c", str(ctx)],
                          cwd=ROOT, capture_output=True, text=True, check=False, timeout=120)
    assert proc.returncode == 0, proc.stdout + proc.stderr
    containerfile = (ctx / "Containerfile").read_text()
    assert 'ARG EE_BASE_IMAGE="quay.io/centos/centos:stream9"' in containerfile
    assert "ansible-core==2.19.14" in containerfile and "ansible-runner==2.4.3" in containerfile
    assert "introspect.py introspect --user-pip=requirements.txt --user-bindep=bindep.txt" in containerfile
    build = ctx / "_build"
    assert lines(str(build / "requirements.txt")) == lines(os.path.join(ROOT, "meta", "ee-requirements.txt"))
    assert lines(str(build / "bindep.txt")) == lines(os.path.join(ROOT, "meta", "ee-bindep.txt"))
    galaxy = yaml.safe_load((build / "requirements.yml").read_text())
    assert {c["name"] for c in galaxy["collections"]} == {"community.general", "ansible.posix", "awx.awx"}

    # builder's introspection (run inside the build) finds this collection's meta/execution-environment.yml
    collections = tmp_path / "collections"
    (collections / "ansible_collections" / "sre").mkdir(parents=True)
    os.symlink(ROOT, collections / "ansible_collections" / "sre" / "remediation")
    proc = subprocess.run([sys.executable, str(build / "scripts" / "introspect.py"), "introspect", str(collections)],
                          capture_output=True, text=True, check=False, timeout=120)
    assert proc.returncode == 0, proc.stderr
    found = yaml.safe_load(proc.stdout)
    assert "python-dateutil>=2.8  # from collection sre.remediation" in found["python"]
    assert "openssh-clients [platform:rpm]  # from collection sre.remediation" in found["system"]
