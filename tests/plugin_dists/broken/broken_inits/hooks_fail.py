import sys

sys.__dict__.setdefault("mlxinit_test_imports", []).append(__name__)

raise RuntimeError("broken_inits.hooks_fail cannot be imported")
