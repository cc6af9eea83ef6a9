"""The resolution catalog: controls change the registry in one swap, never racing a resolution."""

from __future__ import annotations

import threading
import types
from collections.abc import Callable
from typing import Any

import mlx.core as mx
import pytest

import mlxinit
from mlxinit.testing import fake_distribution


def constant_two(*, dtype: Any = mx.float32) -> Callable[[mx.array], mx.array]:
    """The constant 2."""
    return lambda a: mx.full(a.shape, 2.0, dtype=dtype)


def plugin(**hooks: Callable[..., Any]) -> types.ModuleType:
    """A plugin module with the given functions marked as hook implementations."""
    mod = types.ModuleType(f"_catalog_hooks_{id(hooks)}")
    for name, fn in hooks.items():
        setattr(mod, name, mlxinit.hookimpl(fn))
    return mod


def test_block_during_a_slow_first_resolution_wins() -> None:
    """A lookup still running when block() is called may finish, but the name is hidden afterwards."""
    started, release = threading.Event(), threading.Event()

    def mlxinit_resolve_initializer(name: str) -> Any:
        if name != "slow_family_1":
            return None
        started.set()
        assert release.wait(30)
        return constant_two

    reg = mlxinit.Registry(
        environ={},
        distributions=lambda: [fake_distribution("slow-res", plugins={"r": plugin(
            mlxinit_resolve_initializer=mlxinit_resolve_initializer)})],
    )
    reg.available()  # discovery done: the slow part is the resolver itself
    result: dict[str, Any] = {}
    lookup = threading.Thread(target=lambda: result.setdefault("init", reg.get("slow_family_1")))
    lookup.start()
    assert started.wait(30)
    reg.block("slow-res")
    release.set()
    lookup.join(30)
    assert not lookup.is_alive()
    assert callable(result["init"])  # it started before the block
    with pytest.raises(mlxinit.UnknownInitializerError, match="slow_family_1"):
        reg.get("slow_family_1")
    reg.unblock("slow-res")
    assert float(reg.get("slow_family_1")(mx.zeros((1,)))[0]) == 2.0


def test_unblock_from_a_hook_while_discovery_runs_is_not_lost() -> None:
    """A plugin's hook unblocking a distribution whose hooks discovery skipped: its names still appear."""
    holder: dict[str, mlxinit.Registry] = {}
    calls: list[str] = []

    def chatty(registry: Any) -> None:
        calls.append("chatty")
        holder["reg"].unblock("beta-inits")
        registry.register("chatty_name", constant_two)

    def hooked(registry: Any) -> None:
        calls.append("hooked")
        registry.register("hooked", constant_two)

    reg = mlxinit.Registry(
        environ={},
        distributions=lambda: [
            fake_distribution("chatty-inits", plugins={"c": plugin(mlxinit_register_initializers=chatty)}),
            fake_distribution("beta-inits", plugins={"b": plugin(mlxinit_register_initializers=hooked)}),
        ],
    )
    holder["reg"] = reg
    reg.block("beta-inits")
    assert reg.info("chatty_name").distribution == "chatty-inits"
    assert reg.info("hooked").distribution == "beta-inits"
    assert "hooked" in calls


def test_unblock_from_another_thread_during_a_slow_discovery_is_not_lost() -> None:
    """unblock() while another thread's discovery is importing a slow plugin: the unblocked hooks load."""
    started, release = threading.Event(), threading.Event()

    def slow(registry: Any) -> None:
        started.set()
        assert release.wait(30)
        registry.register("slow_name", constant_two)

    def hooked(registry: Any) -> None:
        registry.register("hooked", constant_two)

    reg = mlxinit.Registry(
        environ={},
        distributions=lambda: [
            fake_distribution("slow-inits", plugins={"s": plugin(mlxinit_register_initializers=slow)}),
            fake_distribution("beta-inits", plugins={"b": plugin(mlxinit_register_initializers=hooked)}),
        ],
    )
    reg.block("beta-inits")
    discovering = threading.Thread(target=reg.available)
    discovering.start()
    assert started.wait(30)
    unblocking = threading.Thread(target=reg.unblock, args=("beta-inits",))
    unblocking.start()
    unblocking.join(1.0)  # it may wait for the discovery to finish; the outcome must not depend on it
    release.set()
    discovering.join(30)
    unblocking.join(30)
    assert not discovering.is_alive()
    assert not unblocking.is_alive()
    assert reg.info("hooked").distribution == "beta-inits"
    assert reg.info("slow_name").distribution == "slow-inits"


def test_register_and_prefer_during_lookups_are_consistent() -> None:
    """Threads registering, preferring and looking up at once: every lookup sees a whole catalog."""
    reg = mlxinit.Registry(
        environ={},
        distributions=lambda: [
            fake_distribution("alpha-inits", initializers={"shared": constant_two}),
            fake_distribution("beta-inits", initializers={"shared": constant_two}),
        ],
    )
    reg.prefer("shared", "alpha-inits")
    barrier = threading.Barrier(8)
    errors: list[BaseException] = []
    seen: set[str | None] = set()

    def work(t: int) -> None:
        try:
            barrier.wait()
            for i in range(20):
                if t == 0:
                    reg.prefer("shared", "beta-inits" if i % 2 else "alpha-inits")
                elif t == 1:
                    reg.register(f"runtime_{i}", constant_two)
                else:
                    seen.add(reg.info("shared").distribution)
        except BaseException as e:  # pragma: no cover - reported below
            errors.append(e)

    threads = [threading.Thread(target=work, args=(t,)) for t in range(8)]
    for th in threads:
        th.start()
    for th in threads:
        th.join(60)
    assert errors == []
    assert seen <= {"alpha-inits", "beta-inits"}
    assert {f"runtime_{i}" for i in range(20)} <= set(reg.available())


def test_refresh_forgets_failed_imports_and_rescans(tmp_path: Any, monkeypatch: pytest.MonkeyPatch) -> None:
    """After refresh(), a module that failed to import is tried again (it may be installed now)."""
    reg = mlxinit.Registry(
        environ={},
        distributions=lambda: [fake_distribution("late-inits", initializers={"late_fill": "late_fill_mod:late_fill"})],
    )
    with pytest.raises(mlxinit.PluginError, match="ModuleNotFoundError"):
        reg.get("late_fill")
    (tmp_path / "late_fill_mod.py").write_text(
        "import mlx.core as mx\n"
        "def late_fill(*, dtype=mx.float32):\n    return lambda a: mx.ones(a.shape, dtype=dtype)\n"
    )
    monkeypatch.syspath_prepend(str(tmp_path))
    with pytest.raises(mlxinit.PluginError):
        reg.get("late_fill")  # the failure is remembered until refresh()
    reg.refresh()
    assert float(reg.get("late_fill")(mx.zeros((1,)))[0]) == 1.0
    monkeypatch.delitem(__import__("sys").modules, "late_fill_mod")
