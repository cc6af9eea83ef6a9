"""Read-only records the registry hands out: names, parameters, plugins, failures, presets.

Frozen dataclasses, so they compare by value, print their fields and cannot be changed.
This module is imported on the first record made, not by ``import mlxinit``: creating the
dataclasses compiles their methods (about 4 ms, a tenth of ``import mlx.nn`` here).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any, Literal

__all__ = [
    "InitializerInfo",
    "ParamInfo",
    "PluginFailure",
    "PluginInfo",
    "PluginReport",
    "PresetInfo",
    "Source",
    "Stage",
]

#: Where a name comes from: the built-ins, :func:`mlxinit.register` at runtime, an
#: ``mlxinit.initializers`` (or ``mlxinit.presets``) entry point, or a plugin's hook
#: (registered by ``mlxinit_register_initializers`` or answered by a resolver).
Source = Literal["builtin", "runtime", "entry-point", "hook"]

#: What failed: ``"metadata"`` (a bad declaration), ``"plugin"`` (a hook module failed to
#: import, was rejected or raised), ``"load"`` (an entry point failed to import),
#: ``"factory"``, ``"resolver"`` or ``"selection"`` (``MLXINIT_PLUGINS`` names a missing
#: distribution).
Stage = Literal["metadata", "plugin", "load", "factory", "resolver", "selection"]


@dataclass(frozen=True)
class ParamInfo:
    """One hyper-parameter of a factory (or one option of a preset)."""

    name: str
    default: Any  #: ``inspect.Parameter.empty`` when required
    annotation: str | None
    required: bool


@dataclass(frozen=True)
class InitializerInfo:
    """What :func:`mlxinit.info` tells about a name.

    ``name`` is the name as every listing shows it: plain for the built-ins and runtime
    registrations, ``namespace:name`` where a plugin declared a namespace.
    ``params``, ``summary`` and ``doc`` are ``None`` only for an entry point that is not
    loaded (``info(name, load=False)``); ``loaded`` says which.
    """

    name: str
    aliases: tuple[str, ...]
    params: tuple[ParamInfo, ...] | None
    summary: str | None
    doc: str | None
    source: Source
    distribution: str | None
    version: str | None
    target: str | None
    loaded: bool
    qualified_names: tuple[str, ...] = ()


@dataclass(frozen=True)
class PresetInfo:
    """What :meth:`mlxinit.Registry.preset_info` tells about a whole-model preset.

    ``options`` are the preset's keyword parameters after the model (``None`` until its
    entry point is loaded, with ``load=False``).
    """

    name: str
    options: tuple[ParamInfo, ...] | None
    summary: str | None
    doc: str | None
    source: Source
    distribution: str | None
    version: str | None
    target: str | None
    loaded: bool


@dataclass(frozen=True)
class PluginFailure:
    """Something a plugin did wrong, kept for the plugin report."""

    distribution: str
    version: str | None
    where: str  #: the entry point or hook involved
    reason: str
    error: BaseException | None = None
    stage: Stage = "plugin"


@dataclass(frozen=True)
class PluginInfo:
    """One plugin distribution as the registry saw it (the built-ins' ``mlxinit`` too).

    Attributes:
        distribution, version: as installed.
        names: the initializer names it provides, as listed (``namespace:name`` where it
            declared a namespace).
        entry_points: its ``mlxinit.initializers`` targets.
        failures: what went wrong with it.
        reserved: names it declared that belong to the built-ins.
        blocked: hidden by ``MLXINIT_BLOCK`` or :func:`mlxinit.block`.
        presets: the whole-model presets it declares (``mlxinit.presets``).
    """

    distribution: str
    version: str | None
    names: tuple[str, ...]
    entry_points: tuple[str, ...]
    failures: tuple[PluginFailure, ...]
    reserved: tuple[str, ...]
    blocked: bool
    presets: tuple[str, ...] = ()

    @property
    def count(self) -> int:
        """How many initializer names it provides."""
        return len(self.names)


@dataclass(frozen=True)
class PluginReport:
    """Everything the registry knows about plugins: each distribution, failures, conflicts, controls."""

    plugins: tuple[PluginInfo, ...]
    conflicts: Mapping[str, tuple[str, ...]]  #: plain name → qualified names claiming it
    autoload: bool
    selected: tuple[str, ...] | None  #: ``MLXINIT_PLUGINS``, when set
    blocked: tuple[str, ...]
    scans: int

    @property
    def failures(self) -> tuple[PluginFailure, ...]:
        """Every failure of every plugin."""
        return tuple(f for p in self.plugins for f in p.failures)
