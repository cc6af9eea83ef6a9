"""mlxinit: named weight initializers for MLX.

>>> import mlx.core as mx
>>> import mlxinit
>>> init = mlxinit.get("glorot_uniform", dtype=mx.float16)
>>> init(mx.zeros((3, 4))).shape
(3, 4)
"""

from typing import TYPE_CHECKING as _TYPE_CHECKING
from typing import Any as _Any

from ._api import available as available
from ._api import available_presets as available_presets
from ._api import block as block
from ._api import default_registry as default_registry
from ._api import get as get
from ._api import info as info
from ._api import plugin_report as plugin_report
from ._api import prefer as prefer
from ._api import refresh as refresh
from ._api import register as register
from ._api import register_preset as register_preset
from ._api import set_default_registry as set_default_registry
from ._api import unblock as unblock
from ._api import unregister as unregister
from ._entries import Registrar as Registrar
from ._errors import DtypeError as DtypeError
from ._errors import FactoryError as FactoryError
from ._errors import GroupTargetError as GroupTargetError
from ._errors import InitializerConflictError as InitializerConflictError
from ._errors import InvalidIdentifierError as InvalidIdentifierError
from ._errors import InvalidParameterError as InvalidParameterError
from ._errors import MissingParameterError as MissingParameterError
from ._errors import MlxinitError as MlxinitError
from ._errors import MlxinitWarning as MlxinitWarning
from ._errors import ParameterTypeError as ParameterTypeError
from ._errors import PluginError as PluginError
from ._errors import RegistrationError as RegistrationError
from ._errors import ShapeError as ShapeError
from ._errors import UnknownDistributionError as UnknownDistributionError
from ._errors import UnknownInitializerError as UnknownInitializerError
from ._errors import UnknownNonlinearityError as UnknownNonlinearityError
from ._errors import UnknownParameterError as UnknownParameterError
from ._errors import UnknownPresetError as UnknownPresetError
from ._fans import calculate_gain as calculate_gain
from ._fans import compute_fans as compute_fans
from ._group import GroupContext as GroupContext
from ._group import GroupFill as GroupFill
from ._hookimpl import hookimpl as hookimpl
from ._initializer import Distribution as Distribution
from ._initializer import Fill as Fill
from ._initializer import Initializer as Initializer
from ._registry import Registry as Registry
from ._typing import InitializerFactory as InitializerFactory

if _TYPE_CHECKING:  # loaded on first use at run time (see __getattr__)
    from ._apply import ApplyReport as ApplyReport
    from ._apply import ApplyRow as ApplyRow
    from ._apply import UncoveredParametersError as UncoveredParametersError
    from ._apply import UnmatchedRuleError as UnmatchedRuleError
    from ._apply import apply as apply
    from ._apply import param_key as param_key
    from ._apply import serialize as serialize
    from ._checkpoint import CheckpointError as CheckpointError
    from ._checkpoint import read_metadata as read_metadata
    from ._checkpoint import regenerate as regenerate
    from ._checkpoint import save as save
    from ._expr import ExpressionError as ExpressionError
    from ._expr import ExpressionNameError as ExpressionNameError
    from ._lsuv import LSUVLayer as LSUVLayer
    from ._lsuv import LSUVRecipe as LSUVRecipe
    from ._lsuv import data_init as data_init
    from ._lsuv import lsuv as lsuv
    from ._modules import register_layout as register_layout
    from ._recipe import Recipe as Recipe
    from ._recipe import load_recipe as load_recipe
    from ._records import InitializerInfo as InitializerInfo
    from ._records import ParamInfo as ParamInfo
    from ._records import PluginFailure as PluginFailure
    from ._records import PluginInfo as PluginInfo
    from ._records import PluginReport as PluginReport
    from ._records import PresetInfo as PresetInfo
    from ._records import Source as Source
    from ._sharding import Shard as Shard
    from ._sharding import ShardingPlan as ShardingPlan
    from ._sharding import record_sharding as record_sharding
    from ._verify import VerifyReport as VerifyReport
    from ._verify import VerifyRow as VerifyRow
    from ._verify import verify as verify

    __version__: str

__all__ = [
    "ApplyReport",
    "ApplyRow",
    "CheckpointError",
    "Distribution",
    "DtypeError",
    "ExpressionError",
    "ExpressionNameError",
    "FactoryError",
    "Fill",
    "GroupContext",
    "GroupFill",
    "GroupTargetError",
    "Initializer",
    "InitializerConflictError",
    "InitializerFactory",
    "InitializerInfo",
    "InvalidIdentifierError",
    "InvalidParameterError",
    "LSUVLayer",
    "LSUVRecipe",
    "MissingParameterError",
    "MlxinitError",
    "MlxinitWarning",
    "ParamInfo",
    "ParameterTypeError",
    "PluginError",
    "PluginFailure",
    "PluginInfo",
    "PluginReport",
    "PresetInfo",
    "Recipe",
    "Registrar",
    "RegistrationError",
    "Registry",
    "ShapeError",
    "Shard",
    "ShardingPlan",
    "Source",
    "UncoveredParametersError",
    "UnknownDistributionError",
    "UnknownInitializerError",
    "UnknownNonlinearityError",
    "UnknownParameterError",
    "UnknownPresetError",
    "UnmatchedRuleError",
    "VerifyReport",
    "VerifyRow",
    "apply",
    "available",
    "available_presets",
    "block",
    "calculate_gain",
    "compute_fans",
    "data_init",
    "default_registry",
    "get",
    "hookimpl",
    "info",
    "load_recipe",
    "lsuv",
    "param_key",
    "plugin_report",
    "prefer",
    "read_metadata",
    "record_sharding",
    "refresh",
    "regenerate",
    "register",
    "register_layout",
    "register_preset",
    "save",
    "serialize",
    "set_default_registry",
    "unblock",
    "unregister",
    "verify",
]

# Loaded on first access so that ``import mlxinit`` stays light (it is held to within 15% of
# ``import mlx.nn``): measured with ``python -X importtime -c "import mlxinit"``, the model-level
# modules and the records (whose frozen dataclasses are compiled when created, about 4 ms)
# would add a tenth or more to ``import mlx.nn``'s time.
_LAZY_MODULES = {
    "ApplyReport": "._apply",
    "ApplyRow": "._apply",
    "UncoveredParametersError": "._apply",
    "UnmatchedRuleError": "._apply",
    "apply": "._apply",
    "param_key": "._apply",
    "serialize": "._apply",
    "CheckpointError": "._checkpoint",
    "read_metadata": "._checkpoint",
    "regenerate": "._checkpoint",
    "save": "._checkpoint",
    "LSUVLayer": "._lsuv",
    "LSUVRecipe": "._lsuv",
    "data_init": "._lsuv",
    "lsuv": "._lsuv",
    "Recipe": "._recipe",
    "load_recipe": "._recipe",
    "InitializerInfo": "._records",
    "ParamInfo": "._records",
    "PluginFailure": "._records",
    "PluginInfo": "._records",
    "PluginReport": "._records",
    "PresetInfo": "._records",
    "Source": "._records",
    "register_layout": "._modules",
    "Shard": "._sharding",
    "ShardingPlan": "._sharding",
    "record_sharding": "._sharding",
    "ExpressionError": "._expr",
    "ExpressionNameError": "._expr",
    "VerifyReport": "._verify",
    "VerifyRow": "._verify",
    "verify": "._verify",
}
_LAZY = {"__version__", *_LAZY_MODULES}


def __getattr__(name: str) -> _Any:
    module = _LAZY_MODULES.get(name)
    if module is not None:
        import importlib

        value = getattr(importlib.import_module(module, __name__), name)
        globals()[name] = value
        return value
    if name == "__version__":
        from ._version import version

        return version()
    raise AttributeError(f"module 'mlxinit' has no attribute {name!r}")


def __dir__() -> list[str]:
    return sorted({*globals(), *_LAZY})
