"""Offline stand-in for pip's get-pip.py bootstrap script, for `ansible-test --local/--venv`.

ansible-test downloads get-pip.py from a host this workplace cannot reach, but it first looks
for a cached copy (~/.ansible/test/cache/get_pip_<version>.py). `make sanity` puts this file
there: it bootstraps pip with the standard library's ensurepip, then lets that pip install the
exact versions ansible-test asked for from the configured package index (PyPI).
"""

import subprocess
import sys

GET_PIP_ONLY = {"--no-setuptools", "--no-wheel"}

subprocess.check_call([sys.executable, "-m", "ensurepip", "--default-pip"], stdout=subprocess.DEVNULL)
subprocess.check_call([sys.executable, "-m", "pip", "install", *[a for a in sys.argv[1:] if a not in GET_PIP_ONLY]])
