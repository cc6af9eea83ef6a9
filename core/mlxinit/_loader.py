"""The lazy entry-point loader: imports the module behind an entry point on first use, once.

Discovery reads only metadata; the module behind an ``mlxinit.initializers`` or
``mlxinit.presets`` entry point is imported when its name is first built (or described).
Each module is imported once, also under threads (one lock per module), and a module
that failed to import is not imported again until :meth:`Loader.forget_failures`
(:meth:`mlxinit.Registry.refresh`).
"""

from __future__ import annotations

import sys
import threading
from collections.abc import Callable
from typing import Any

from ._entries import Entry, PresetEntry
from ._errors import PluginError

__all__ = ["Loader"]


class Loader:
    """Imports entry points for one registry."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._module_locks: dict[str, threading.RLock] = {}
        self._module_errors: dict[str, BaseException] = {}

    def forget_failures(self) -> None:
        """Try modules that failed to import again (after a ``pip install`` or a ``sys.path`` change)."""
        with self._lock:
            self._module_errors.clear()

    def _import(self, module: str, attr: str | None) -> tuple[Any, BaseException | None]:
        import importlib

        error = self._module_errors.get(module)  # a module that failed is not imported again
        if error is not None:
            return None, error
        try:
            obj: Any = importlib.import_module(module)
            for part in (attr or "").split("."):
                obj = getattr(obj, part) if part else obj
        except Exception as e:
            if module not in sys.modules:
                with self._lock:
                    self._module_errors[module] = e
            return None, e
        return obj, None

    def _module_lock(self, module: str) -> threading.RLock:
        with self._lock:
            return self._module_locks.setdefault(module, threading.RLock())

    def factory(self, entry: Entry) -> Callable[..., Any]:
        """The factory behind ``entry``, importing its module if needed.

        Raises:
            PluginError: the module failed to import, or the target is not callable
                (recorded in the plugin report, stage ``"load"``).
        """
        if entry.factory is not None:
            return entry.factory
        prov = entry.provider
        if entry.error is None and entry.ep is not None:
            module = entry.ep.module
            with self._module_lock(module):
                if entry.factory is None and entry.error is None:
                    obj, error = self._import(module, entry.ep.attr)
                    if error is None and not callable(obj):
                        error = TypeError(f"{entry.target} is {obj!r}, not a callable factory")
                    if error is not None:
                        entry.error = error
                        prov.fail(
                            f"entry point {entry.name} = {entry.target}",
                            f"{type(error).__name__}: {error}",
                            error,
                            stage="load",
                        )
                    else:
                        entry.set_factory(obj)
        if entry.factory is not None:
            return entry.factory
        assert entry.error is not None
        raise PluginError(
            f"Initializer {entry.name!r} from {prov.name} {prov.version or ''} could not be loaded "
            f"from {entry.target}: {type(entry.error).__name__}: {entry.error}",
            distribution=prov.name,
            version=prov.version,
            plugin=entry.target,
        ) from entry.error

    def preset(self, entry: PresetEntry) -> Callable[..., Any]:
        """The preset callable behind ``entry``, importing its module if needed.

        Raises:
            PluginError: the module failed to import, or the target is not callable.
        """
        if entry.preset is not None:
            return entry.preset
        prov = entry.provider
        if entry.error is None and entry.ep is not None:
            module = entry.ep.module
            with self._module_lock(module):
                if entry.preset is None and entry.error is None:
                    obj, error = self._import(module, entry.ep.attr)
                    if error is None and not callable(obj):
                        error = TypeError(f"{entry.target} is {obj!r}, not a callable preset")
                    if error is not None:
                        entry.error = error
                        prov.fail(
                            f"preset {entry.name} = {entry.target}",
                            f"{type(error).__name__}: {error}",
                            error,
                            stage="load",
                        )
                    else:
                        entry.preset = obj
        if entry.preset is not None:
            return entry.preset
        assert entry.error is not None
        raise PluginError(
            f"Preset {entry.name!r} from {prov.name} {prov.version or ''} could not be loaded "
            f"from {entry.target}: {type(entry.error).__name__}: {entry.error}",
            distribution=prov.name,
            version=prov.version,
            plugin=entry.target,
        ) from entry.error
