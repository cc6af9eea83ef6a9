"""Drawing many arrays at once: MLX CPU streams, one draw per core, bounded memory.

MLX runs the operations of one stream one after another, and its CPU kernels for random
draws use one core; separate streams run concurrently. A draw with a given key gives the
same bits on any stream, so spreading a model's parameters over several streams changes
no value:

- **Seeded** draws take their keys from the parameter paths.
- **Unseeded** draws take theirs from MLX's global generator, which splits its state once
  per draw. :class:`Scheduler` builds every array lazily in the caller's order first (so
  each draw takes the key it would take in a sequential loop, exactly as ``mlx.nn.init``
  under ``Module.apply``), evaluates the generator's state (the chain of splits, a few
  bytes), and only then evaluates the draws, in any order, on several streams.

Streams are bound to a thread in MLX, so they are made per calling thread (and kept for
later calls). On a GPU the draws stay on the default stream.
"""

from __future__ import annotations

import contextlib
import heapq
import os
import threading
from collections.abc import Callable, Iterator, Sequence
from concurrent.futures import FIRST_COMPLETED, Future, ThreadPoolExecutor, wait
from typing import TYPE_CHECKING

import mlx.core as mx

if TYPE_CHECKING:
    from ._progress import Progress

__all__ = ["Scheduler", "available_cores", "check_workers"]

#: Streams per worker: a draw is bound to its stream when it is built, so a few more
#: streams than workers let a free worker find a pending draw whose stream is idle.
STREAMS_PER_WORKER = 4

#: New memory (arrays done, and the estimated working sets of those in flight) is kept
#: under this multiple of the bytes to draw; one array may always run.
MEMORY_FACTOR = 1.15

#: A parameter to draw: its lazy array, or a thunk that builds it.
Drawable = mx.array | Callable[[], mx.array]

_local = threading.local()


def available_cores() -> int:
    """The cores this process may run on (its CPU affinity where the OS tells it)."""
    try:
        return max(1, len(os.sched_getaffinity(0)))
    except (AttributeError, OSError):  # not Linux
        return max(1, os.cpu_count() or 1)


def check_workers(workers: object, caller: str = "apply") -> int | None:
    """``workers`` as given (``None`` or an ``int >= 1``); anything else raises.

    Raises:
        ParameterTypeError: not ``None`` or an ``int``.
        InvalidParameterError: an ``int`` below 1.
    """
    from ._errors import InvalidParameterError, ParameterTypeError

    if workers is None:
        return None
    if isinstance(workers, bool) or not isinstance(workers, int):
        raise ParameterTypeError(caller, "workers", "None or an int >= 1", workers)
    if workers < 1:
        raise InvalidParameterError(caller, "workers", "None or an int >= 1", workers)
    return workers


def _on_cpu() -> bool:
    """Whether MLX's default device (of this thread) is the CPU."""
    return bool(mx.default_device().type == mx.cpu)


def working_set(a: mx.array) -> int:
    """Estimated peak bytes while ``a`` is drawn: MLX draws 32-bit random bits and, for a
    16-bit result, computes in float32 before casting (measured: 3x the output bytes for
    a bfloat16 ``normal`` or ``uniform``, 1x for float32)."""
    return max(a.nbytes, a.size * 4 + (a.nbytes if a.itemsize < 4 else 0))


def may_split() -> bool:
    """Whether a single large draw may spread over streams: on the CPU, and not inside a draw
    :class:`Scheduler` already placed on a stream of its own."""
    return _on_cpu() and not getattr(_local, "placed", False)


def streams(n: int) -> list[mx.Stream]:
    """``n`` CPU streams of the calling thread (see :func:`_streams`)."""
    return _streams(n)


def _streams(n: int) -> list[mx.Stream]:
    """``n`` CPU streams of the calling thread, made on first need and kept."""
    have: list[mx.Stream] | None = getattr(_local, "streams", None)
    if have is None:
        have = _local.streams = []
    while len(have) < n:
        have.append(mx.new_stream(mx.cpu))
    return have[:n]


class Scheduler:
    """Places each parameter's draw on a stream, then evaluates them a few at a time.

    Args:
        sizes: ``(path, nbytes)`` of every array to draw, in the order they will be built.
        workers: draws evaluated at once; ``None``: one per available core. On a GPU
            default device, or with one worker, everything runs on the default stream in
            order (``mx.eval`` and swap, one array after another).

    Use :meth:`place` around the code that builds a path's array (the draw and any cast),
    in the order of ``sizes``; then :meth:`run` evaluates the arrays and hands each one,
    once evaluated, to ``swap``. Memory stays near the parameters' own size: at most
    ``workers`` arrays are in flight, at most ``max(2 * largest, total / 8)`` bytes of
    them, and an array starts only if the arrays done plus the working sets of those in
    flight (:func:`working_set`) stay under ``MEMORY_FACTOR`` times the total.
    """

    def __init__(self, sizes: Sequence[tuple[str, int]], workers: int | None = None) -> None:
        n = len(sizes)
        want = available_cores() if workers is None else workers
        self.workers = max(1, min(want, n)) if _on_cpu() else 1
        self.sizes = {path: nbytes for path, nbytes in sizes}
        self._stream: dict[str, mx.Stream] = {}
        self._slot: dict[str, int] = {}  #: which of the streams (-1: the default stream)
        self._order: list[str] = [path for path, _ in sizes]
        if self.workers == 1:
            return
        # Longest first, each onto the least loaded stream (LPT): a big draw shares its
        # stream with little else, so it never holds up many small ones.
        lpt = sorted(range(n), key=lambda i: (-sizes[i][1], i))
        streams = _streams(min(n, STREAMS_PER_WORKER * self.workers))
        load = [(0, j) for j in range(len(streams))]
        for i in lpt:
            used, j = heapq.heappop(load)
            path, nbytes = sizes[i]
            self._stream[path] = streams[j]
            self._slot[path] = j
            heapq.heappush(load, (used + max(nbytes, 1), j))
        self._order = [sizes[i][0] for i in lpt]

    @contextlib.contextmanager
    def place(self, path: str) -> Iterator[None]:
        """Build ``path``'s array on its stream (the default stream with one worker)."""
        s = self._stream.get(path)
        if s is None:
            yield
            return
        _local.placed = True  # the scheduler spreads whole parameters: their draws stay on this stream
        try:
            with mx.stream(s):
                yield
        finally:
            _local.placed = False

    def run(
        self,
        items: Sequence[tuple[str, Drawable]],
        swap: Callable[[str, mx.array], object],
        progress: Progress | None = None,
    ) -> None:
        """Evaluate every array and call ``swap(path, array)`` as each one is ready.

        ``items`` are ``(path, lazy array)`` pairs built inside :meth:`place`, or
        ``(path, thunk)`` pairs: each thunk is called (in the order given, before any
        evaluation) inside :meth:`place` for its path. ``swap`` runs on the calling
        thread; ``progress`` hears of every array done.
        """
        arrays: dict[str, mx.array] = {}
        for path, item in items:
            if callable(item) and not isinstance(item, mx.array):
                with self.place(path):
                    arrays[path] = item()
            else:
                arrays[path] = item
        if self.workers == 1 or len(arrays) < 2:
            for path, a in arrays.items():
                mx.eval(a)
                swap(path, a)
                if progress is not None:
                    progress.advance(a.nbytes)
            return
        self._run_parallel(arrays, swap, progress)

    def _run_parallel(
        self, arrays: dict[str, mx.array], swap: Callable[[str, mx.array], object], progress: Progress | None
    ) -> None:
        # Unseeded draws hang on the chain of splits of the global generator, built on
        # several streams: evaluate it now (a few bytes), so that no draw waits on
        # another stream's queue for its key.
        mx.eval(mx.random.state[0])  # type: ignore[index]
        # One evaluation per distinct array (an initializer may return one array twice).
        owners: dict[int, list[str]] = {}
        pending: list[str] = []
        for path in [p for p in self._order if p in arrays] + [p for p in arrays if p not in self._stream]:
            paths = owners.setdefault(id(arrays[path]), [])
            if not paths:
                pending.append(path)
            paths.append(path)
        sizes = {p: arrays[p].nbytes for p in pending}
        work = {p: working_set(arrays[p]) for p in pending}
        budget = max(2 * max(sizes.values()), sum(sizes.values()) // 8)
        limit = MEMORY_FACTOR * sum(sizes.values())
        inflight: dict[Future[None], str] = {}
        busy: set[int] = set()
        held = working = done_bytes = 0
        with ThreadPoolExecutor(self.workers, thread_name_prefix="mlxinit-draw") as pool:
            while pending or inflight:
                i = 0
                while len(inflight) < self.workers and i < len(pending):
                    path = pending[i]
                    s = self._slot.get(path, -1)
                    if s in busy or (
                        inflight
                        and (held + sizes[path] > budget or done_bytes + working + work[path] > limit)
                    ):
                        i += 1
                        continue
                    del pending[i]
                    a = arrays[path]
                    # A waiter thread blocks until the array is ready, the GIL released
                    # (mx.eval of an array already scheduled only waits). It waits on a
                    # one-element view computed after the array, an object no other code
                    # sees, so no thread but this one ever touches the array itself.
                    with self.place(path):
                        ready = a.reshape(-1)[:1]
                    mx.async_eval(a, ready)
                    inflight[pool.submit(mx.eval, ready)] = path
                    busy.add(s)
                    held += sizes[path]
                    working += work[path]
                done, _ = wait(inflight, return_when=FIRST_COMPLETED)
                for fut in done:
                    path = inflight.pop(fut)
                    fut.result()
                    busy.discard(self._slot.get(path, -1))
                    held -= sizes[path]
                    working -= work[path]
                    done_bytes += sizes[path]
                    a = arrays[path]
                    for p in owners[id(a)]:
                        swap(p, a)
                    if progress is not None:
                        progress.advance(sizes[path] * len(owners[id(a)]), len(owners[id(a)]))
                    del arrays[path]
