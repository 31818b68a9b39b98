"""Make `ansible_collections.sre.remediation` importable from the checkout in tests."""

import os
import sys

_HERE = os.path.dirname(os.path.abspath(__file__))
_COLL = os.path.join(_HERE, ".collections")
_LINK = os.path.join(_COLL, "ansible_collections", "sre", "remediation")
if not os.path.exists(_LINK):
    os.makedirs(os.path.dirname(_LINK), exist_ok=True)
    os.symlink("../../..", _LINK)
if _COLL not in sys.path:
    sys.path.insert(0, _COLL)
