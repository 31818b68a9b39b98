"""The built collection installs into a temporary path and its modules run from there."""

import glob
import os
import subprocess

from lablib import BIN, ROOT


def test_built_collection_installs_and_a_module_runs(tmp_path):
    out = tmp_path / "build"
    subprocess.run([os.path.join(BIN, "ansible-galaxy"), "collection", "build", "--output-path", str(out), ROOT],
                   check=True, capture_output=True)
    tarball = glob.glob(str(out / "sre-remediation-*.tar.gz"))[0]
    dest = tmp_path / "collections"
    cfg = tmp_path / "ansible.cfg"
    cfg.write_text("[defaults]\ncollections_path = %s\n" % dest)
    env = dict(os.environ, ANSIBLE_CONFIG=str(cfg))  # nothing from the checkout's own configuration
    subprocess.run([os.path.join(BIN, "ansible-galaxy"), "collection", "install", "--no-deps", "-p", str(dest), tarball],
                   check=True, capture_output=True, env=env)
    proc = subprocess.run([os.path.join(BIN, "ansible"), "localhost", "-m", "sre.remediation.monit_audit",
                           "-a", "paths=%s/nothing-here" % tmp_path], cwd=str(tmp_path), env=env, text=True,
                          capture_output=True, check=False)
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert '"findings"' in proc.stdout
    installed = dest / "ansible_collections" / "sre" / "remediation"
    assert (installed / "plugins" / "modules" / "monit_audit.py").exists()
    assert not (installed / "tests" / "lab").exists()  # tooling stays out of the artifact
