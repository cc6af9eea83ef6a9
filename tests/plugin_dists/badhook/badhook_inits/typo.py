import sys

import mlxinit

sys.__dict__.setdefault("mlxinit_test_imports", []).append(__name__)


@mlxinit.hookimpl
def mlxinit_register_initialisers(registry):
    raise AssertionError("never called: no such hook")
