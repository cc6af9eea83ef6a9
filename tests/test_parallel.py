"""Parallel draws: ``apply(..., workers=N)`` gives the same bits for every N, unseeded bits
equal to ``mlx.nn.init``'s, and a scheduler that keeps only a few arrays in flight."""

from __future__ import annotations

import json
import subprocess
import sys
import textwrap
from collections.abc import Callable
from typing import Any

import mlx.core as mx
import mlx.nn as nn
import pytest
from mlx.utils import tree_flatten, tree_unflatten

import mlxinit
from _models import TinyTransformer
from mlxinit import _parallel
from mlxinit._parallel import Scheduler

# One set of rules serves every model here; a type rule a model has no module for warns.
pytestmark = pytest.mark.filterwarnings("ignore:Rule .* matched nothing:mlxinit.MlxinitWarning")


class ConvNet(nn.Module):
    """Conv1d and Conv2d stacks, a LayerNorm and a linear head."""

    def __init__(self) -> None:
        super().__init__()
        self.stem = [nn.Conv2d(3, 16, 3), nn.Conv2d(16, 32, 3, bias=False)]
        self.seq = [nn.Conv1d(32, 32, 5), nn.Conv1d(32, 16, 1)]
        self.norm = nn.LayerNorm(16)
        self.head = nn.Linear(16, 10)


class Wide(nn.Module):
    """An embedding far larger than the rest, so the draws have very different sizes."""

    def __init__(self) -> None:
        super().__init__()
        self.embed = nn.Embedding(4096, 96)
        self.blocks = [nn.Linear(96, 96) for _ in range(6)]
        self.norms = [nn.RMSNorm(96) for _ in range(6)]


MODELS: dict[str, Callable[[], nn.Module]] = {
    "transformer": lambda: TinyTransformer(vocab=256, d=32, n_layer=3),
    "convnet": ConvNet,
    "wide": Wide,
}

RULES = {
    nn.Linear: "glorot_uniform",
    "*.bias": "uniform",
    "type:Embedding": "normal",
    "type:Conv2d": "he_normal",
    "type:Conv1d": "he_uniform",
    "type:LayerNorm.weight": "ones",
    "type:RMSNorm.weight": "ones",
}

#: mlx.nn.init's closure for each identifier in RULES.
MLX_INIT: dict[str, Callable[[mx.Dtype], Callable[[mx.array], mx.array]]] = {
    "glorot_uniform": lambda dt: nn.init.glorot_uniform(dtype=dt),
    "uniform": lambda dt: nn.init.uniform(dtype=dt),
    "normal": lambda dt: nn.init.normal(dtype=dt),
    "he_normal": lambda dt: nn.init.he_normal(dtype=dt),
    "he_uniform": lambda dt: nn.init.he_uniform(dtype=dt),
    "ones": lambda dt: nn.init.constant(1.0, dtype=dt),
}


def _params(model: nn.Module) -> dict[str, mx.array]:
    return dict(tree_flatten(model.parameters()))


def _fresh(kind: str, dtype: mx.Dtype = mx.float32) -> nn.Module:
    """The same model (same starting values) every time."""
    mx.random.seed(1234)
    model = MODELS[kind]()
    model.set_dtype(dtype)
    mx.eval(model.parameters())
    return model


def _assert_same(a: dict[str, mx.array], b: dict[str, mx.array]) -> None:
    assert a.keys() == b.keys()
    for k in a:
        assert a[k].dtype == b[k].dtype, k
        assert mx.array_equal(a[k], b[k]).item(), k


def _apply(kind: str, workers: int | None, seed: int | None, dtype: mx.Dtype = mx.float32) -> tuple[dict, mx.array]:
    """Initialize a fresh model; also return the global generator's next draw."""
    model = _fresh(kind, dtype)
    mx.random.seed(99)
    report = mlxinit.apply(model, RULES, seed=seed, workers=workers)
    assert not report.kept
    return _params(model), mx.random.uniform(shape=(4,))


# ----------------------------------------------------------------------------- values


@pytest.mark.parametrize("seed", [None, 7])
@pytest.mark.parametrize("kind", sorted(MODELS))
def test_every_workers_value_gives_the_same_model(
    default_registry: mlxinit.Registry, kind: str, seed: int | None
) -> None:
    """workers=1, 2 and 4 give bitwise identical models and leave the global generator alike."""
    one, after_one = _apply(kind, 1, seed)
    for workers in (2, 4):
        many, after_many = _apply(kind, workers, seed)
        _assert_same(one, many)
        assert mx.array_equal(after_one, after_many).item()


@pytest.mark.parametrize("dtype", [mx.float32, mx.bfloat16], ids=["float32", "bfloat16"])
@pytest.mark.parametrize("kind", sorted(MODELS))
def test_unseeded_parallel_values_equal_mlx_nn_init(
    default_registry: mlxinit.Registry, kind: str, dtype: mx.Dtype
) -> None:
    """With 4 workers, each parameter gets the bits mlx.nn.init gives it in a sequential loop."""
    got, after = _apply(kind, 4, None, dtype)
    model = _fresh(kind, dtype)
    report = mlxinit.apply(_fresh(kind, dtype), RULES, evaluate=False, workers=1)
    mx.random.seed(99)
    for path, p in tree_flatten(model.parameters()):
        model.update(tree_unflatten([(path, MLX_INIT[report.initialized[path]](p.dtype)(p))]))
    _assert_same(_params(model), got)
    assert mx.array_equal(mx.random.uniform(shape=(4,)), after).item()


@pytest.mark.parametrize("kind", sorted(MODELS))
def test_unseeded_parallel_values_equal_module_apply(default_registry: mlxinit.Registry, kind: str) -> None:
    """One rule for every parameter: the same bits as MLX's own Module.apply(nn.init.normal())."""
    ours = _fresh(kind)
    mx.random.seed(5)
    mlxinit.apply(ours, {"*": {"name": "normal", "std": 0.5}}, workers=4)
    theirs = _fresh(kind)
    mx.random.seed(5)
    theirs.apply(nn.init.normal(std=0.5))
    mx.eval(theirs.parameters())
    _assert_same(_params(theirs), _params(ours))


def _mixed() -> nn.Module:
    mx.random.seed(4321)
    model = nn.Sequential(
        nn.Linear(16, 16), nn.Linear(16, 16), nn.QuantizedLinear(64, 32), nn.LayerNorm(16), nn.Linear(16, 16)
    )
    model.layers[4].set_dtype(mx.bfloat16)
    mx.eval(model.parameters())
    return model


SHARED = mx.full((16, 16), 3.0)
MIXED_RULES = {"layers.[014].weight": lambda a: SHARED, "*.bias": "zeros", "layers.2.weight": "normal"}


def test_kept_quantized_and_shared_arrays_with_workers(default_registry: mlxinit.Registry) -> None:
    """With 4 workers as with 1: a quantized weight is drawn, quantized (weight, scales and
    biases from one operation) and swapped in; a parameter no rule covers is kept; an
    initializer that returns one array for three parameters (one bfloat16) gives it to all."""
    one = _mixed()
    mx.random.seed(8)
    mlxinit.apply(one, MIXED_RULES, workers=1)
    model = _mixed()
    before = _params(model)
    mx.random.seed(8)
    report = mlxinit.apply(model, MIXED_RULES, workers=4)
    after = _params(model)
    _assert_same(_params(one), after)
    for path in ("layers.0.weight", "layers.1.weight", "layers.4.weight"):
        assert mx.all(after[path] == 3.0).item(), path
    assert after["layers.4.weight"].dtype == mx.bfloat16
    assert mx.all(after["layers.0.bias"] == 0).item()
    assert report.kept == ["layers.3.weight"]
    assert mx.array_equal(after["layers.3.weight"], before["layers.3.weight"]).item()
    assert not mx.array_equal(after["layers.2.scales"], before["layers.2.scales"]).item()


def test_tied_arrays_with_workers(default_registry: mlxinit.Registry) -> None:
    """An output head tied to the embedding gets the embedding's new array, for any workers."""
    got = {}
    for workers in (1, 4):
        mx.random.seed(0)
        model = nn.Module()
        model.embed = nn.Embedding(64, 16)
        model.head = nn.Linear(16, 64, bias=False)
        model.head.weight = model.embed.weight
        mx.random.seed(2)
        mlxinit.apply(model, {"*": "normal"}, workers=workers)
        got[workers] = _params(model)
        assert mx.array_equal(model.head.weight, model.embed.weight).item()
    _assert_same(got[1], got[4])


@pytest.mark.parametrize(
    ("workers", "error", "match"),
    [
        (0, mlxinit.InvalidParameterError, "workers"),
        (-2, mlxinit.InvalidParameterError, "workers"),
        (1.5, mlxinit.ParameterTypeError, "workers"),
        (True, mlxinit.ParameterTypeError, "workers"),
        ("4", mlxinit.ParameterTypeError, "workers"),
    ],
)
def test_bad_workers_are_rejected_before_anything_changes(
    default_registry: mlxinit.Registry, workers: object, error: type[Exception], match: str
) -> None:
    """workers must be None or an int >= 1; the message says so and the model is untouched."""
    model = _fresh("transformer")
    before = _params(model)
    with pytest.raises(error, match=match) as info:
        mlxinit.apply(model, RULES, workers=workers)  # type: ignore[arg-type]
    assert "None or an int >= 1" in str(info.value)
    _assert_same(before, _params(model))


# ----------------------------------------------------------------------------- scheduler


class _Spy:
    """Counts arrays handed to mx.async_eval and not yet swapped in (the scheduler's
    one-element readiness views aside: every drawn array here is larger)."""

    def __init__(self, monkeypatch: pytest.MonkeyPatch) -> None:
        self.inflight: dict[int, int] = {}
        self.log: list[tuple[str, int]] = []  #: ("start" | "done", size), in order
        self.most = 0
        self.most_bytes = 0
        self.swapped: list[str] = []
        real = mx.async_eval

        def spy(*args: Any) -> None:
            for a in args:
                if a.size > 1:
                    self.inflight[id(a)] = a.nbytes
                    self.log.append(("start", a.size))
            self.most = max(self.most, len(self.inflight))
            self.most_bytes = max(self.most_bytes, sum(self.inflight.values()))
            real(*args)

        monkeypatch.setattr(mx, "async_eval", spy)

    def swap(self, path: str, a: mx.array) -> None:
        assert a.shape  # evaluated arrays only reach here
        self.inflight.pop(id(a), None)
        self.log.append(("done", a.size))
        self.swapped.append(path)


def _draws(sizes: list[int]) -> list[tuple[str, Callable[[], mx.array]]]:
    return [(f"p{i}", lambda n=n: mx.random.uniform(shape=(n,))) for i, n in enumerate(sizes)]


def test_scheduler_keeps_at_most_workers_arrays_in_flight(monkeypatch: pytest.MonkeyPatch) -> None:
    """Two workers: two draws at a time, never more; every array is swapped in once."""
    sizes = [1 << 16] * 3 + [1 << 12] * 9
    spy = _Spy(monkeypatch)
    sched = Scheduler([(f"p{i}", 4 * n) for i, n in enumerate(sizes)], workers=2)
    assert sched.workers == 2
    sched.run(_draws(sizes), spy.swap)
    assert spy.most == 2
    assert sorted(spy.swapped) == sorted(f"p{i}" for i in range(len(sizes)))


def test_scheduler_caps_the_bytes_in_flight(monkeypatch: pytest.MonkeyPatch) -> None:
    """Many workers but equal-sized arrays: no more than an eighth of the bytes (or two of the
    largest arrays) in flight at once."""
    sizes = [1 << 14] * 16
    spy = _Spy(monkeypatch)
    sched = Scheduler([(f"p{i}", 4 * n) for i, n in enumerate(sizes)], workers=8)
    sched.run(_draws(sizes), spy.swap)
    assert spy.most == 2
    assert spy.most_bytes <= 2 * 4 * (1 << 14)


def test_scheduler_keeps_new_memory_near_the_model_size(monkeypatch: pytest.MonkeyPatch) -> None:
    """A bfloat16 draw works in float32 (3x its bytes): one that large runs alone, while
    small ones still run two at a time before and after it."""
    spy = _Spy(monkeypatch)
    big = 1 << 20
    small = [1 << 14] * 16
    sizes = [big, *small]
    items = [(f"p{i}", lambda n=n: mx.random.uniform(shape=(n,), dtype=mx.bfloat16)) for i, n in enumerate(sizes)]
    assert _parallel.working_set(mx.zeros((big,), dtype=mx.bfloat16)) == 3 * 2 * big
    Scheduler([(p, 2 * n) for (p, _), n in zip(items, sizes, strict=True)], workers=2).run(items, spy.swap)
    start, end = spy.log.index(("start", big)), spy.log.index(("done", big))
    assert len(spy.inflight) == 0
    assert [e for e in spy.log[start + 1 : end] if e[0] == "start"] == []
    assert spy.most == 2
    assert len(spy.swapped) == len(sizes)


def test_scheduler_builds_thunks_in_order_on_several_streams() -> None:
    """Thunks are called in the order given (the global generator's order), each on its
    stream: several streams with 2 workers, the default stream with 1."""
    seen: dict[int, list[tuple[int, str]]] = {}
    for workers in (1, 2):
        calls: list[tuple[int, str]] = []

        def draw(i: int, calls: list[tuple[int, str]] = calls) -> mx.array:
            calls.append((i, str(mx.default_stream(mx.cpu))))
            return mx.ones((8,))

        items = [(f"p{i}", lambda i=i: draw(i)) for i in range(8)]
        Scheduler([(p, 32) for p, _ in items], workers=workers).run(items, lambda p, a: None)
        assert [i for i, _ in calls] == list(range(8))
        seen[workers] = calls
    assert {s for _, s in seen[1]} == {str(mx.default_stream(mx.cpu))}
    assert len({s for _, s in seen[2]}) >= 2


def test_default_workers_is_the_number_of_cores() -> None:
    """workers=None: one per core the process may use (never more than the arrays)."""
    many = [(f"p{i}", 4) for i in range(64)]
    assert Scheduler(many).workers == min(64, _parallel.available_cores())
    assert Scheduler(many[:1]).workers == 1


def test_gpu_keeps_one_stream(monkeypatch: pytest.MonkeyPatch) -> None:
    """With a GPU default device the draws stay on the default stream, one after another."""
    monkeypatch.setattr(_parallel, "_on_cpu", lambda: False)
    sched = Scheduler([(f"p{i}", 4) for i in range(8)], workers=4)
    assert sched.workers == 1
    outside = str(mx.default_stream(mx.cpu))
    with sched.place("p0"):
        assert str(mx.default_stream(mx.cpu)) == outside
    model = _fresh("transformer")
    mx.random.seed(3)
    mlxinit.apply(model, {"*": "normal"}, workers=4)
    ref = _fresh("transformer")
    mx.random.seed(3)
    ref.apply(nn.init.normal())
    _assert_same(_params(ref), _params(model))


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="ru_maxrss in KiB is Linux's")
def test_peak_memory_stays_near_the_model_size() -> None:
    """Replacing a materialized 128 MiB model with 2 workers grows peak RSS by far less than
    the model (old arrays are released as new ones come in; only a few are in flight)."""
    code = textwrap.dedent(
        """
        import json, resource
        import mlx.core as mx, mlx.nn as nn, mlxinit
        model = nn.Sequential(*[nn.Linear(1024, 1024, bias=False) for _ in range(32)])
        mx.eval(model.parameters())
        nbytes = sum(p.nbytes for p in model.parameters()["layers"] for p in p.values())
        before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024
        mlxinit.apply(model, {"*": "glorot_uniform"}, workers=2)
        after = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024
        print(json.dumps({"nbytes": nbytes, "growth": after - before}))
        """
    )
    proc = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=300, check=True)
    got = json.loads(proc.stdout.strip().splitlines()[-1])
    assert got["nbytes"] == 32 * 1024 * 1024 * 4
    assert got["growth"] < got["nbytes"] / 2, got
