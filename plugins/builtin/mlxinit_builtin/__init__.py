"""The built-in mlxinit initializers, registered as a plugin like any other.

It is declared as the ``builtin`` entry point of mlxinit's own ``mlxinit.plugins`` group.
A registry registers this module in its plugin manager when it is created (importing it
directly, so no package metadata is read) and calls its
:func:`mlxinit_register_initializers` hook through the manager; discovery recognises the
entry point as this module and does not load it twice. It uses mlxinit's public API only.
"""

from __future__ import annotations

from mlxinit import InitializerFactory, Registrar, hookimpl

from . import initializers as _i

#: canonical name -> (factory, aliases)
BUILTINS: dict[str, tuple[InitializerFactory, tuple[str, ...]]] = {
    "constant": (_i.constant, ()),
    "dirac": (_i.dirac, ()),
    "eye": (_i.eye, ()),
    "glorot_normal": (_i.glorot_normal, ("xavier_normal",)),
    "glorot_uniform": (_i.glorot_uniform, ("xavier_uniform",)),
    "he_normal": (_i.he_normal, ("kaiming_normal",)),
    "he_uniform": (_i.he_uniform, ("kaiming_uniform",)),
    "identity": (_i.identity, ()),
    "lecun_normal": (_i.lecun_normal, ()),
    "lecun_uniform": (_i.lecun_uniform, ()),
    "normal": (_i.normal, ("random_normal",)),
    "ones": (_i.ones, ("one",)),
    "orthogonal": (_i.orthogonal, ()),
    "rescaled": (_i.rescaled, ()),
    "sparse": (_i.sparse, ()),
    "truncated_normal": (_i.truncated_normal, ("trunc_normal",)),
    "uniform": (_i.uniform, ("random_uniform",)),
    "variance_scaling": (_i.variance_scaling, ()),
    "zeros": (_i.zeros, ("zero",)),
}


@hookimpl
def mlxinit_register_initializers(registry: Registrar) -> None:
    """Register every built-in initializer."""
    for name, (factory, aliases) in BUILTINS.items():
        registry.register(name, factory, aliases=aliases)
