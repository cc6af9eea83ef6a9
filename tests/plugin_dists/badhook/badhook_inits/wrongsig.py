import sys

import mlxinit

sys.__dict__.setdefault("mlxinit_test_imports", []).append(__name__)


@mlxinit.hookimpl
def mlxinit_register_initializers(registry, extra):
    raise AssertionError("never called: the signature is rejected")
