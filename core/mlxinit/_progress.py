"""Progress of long work on stderr: a tqdm bar on a terminal, plain text lines elsewhere.

``progress=None`` shows it only when the stream is a terminal and the work is large
(:data:`LARGE_BYTES`); ``True`` always; ``False`` never. On a terminal it is a tqdm bar
when tqdm is installed (the ``progress`` extra: ``pip install 'mlxinit[progress]'``) and
a line rewritten in place otherwise; when the stream is not a terminal (a log file, CI)
it is one plain line every few seconds and a last one at the end. A background thread
redraws while a long draw runs, so elapsed time moves even before anything finishes.
"""

from __future__ import annotations

import contextlib
import sys
import threading
import time
from collections.abc import Iterator
from typing import IO, Any

__all__ = ["LARGE_BYTES", "Progress", "progress_for", "should_show"]

#: Work at least this large (bytes to produce) shows progress by default on a terminal:
#: about a second of drawing on one core.
LARGE_BYTES = 1 << 28

#: Seconds between redraws on a terminal (at least, and at most while nothing finishes),
#: and between lines when the stream is not one.
TTY_MININTERVAL = 0.1
TTY_INTERVAL = 0.5
LOG_INTERVAL = 5.0


#: tqdm's default layout with the byte unit on the counts ("1.20GB/2.30GB").
_BYTES_BAR = "{l_bar}{bar}| {n_fmt}B/{total_fmt}B [{elapsed}<{remaining}, {rate_fmt}{postfix}]"
#: Steps of a command take unequal times: counts and elapsed time, no rate or time left.
_STEPS_BAR = "{l_bar}{bar}| {n_fmt}/{total_fmt} {unit} [{elapsed}{postfix}]"


def _isatty(stream: IO[str]) -> bool:
    isatty = getattr(stream, "isatty", None)
    try:
        return bool(isatty and isatty())
    except ValueError:  # closed
        return False


def should_show(
    progress: object, total_bytes: int, stream: IO[str] | None = None, *, caller: str = "apply"
) -> bool:
    """Whether to show progress: as asked, or (``None``) on a terminal for large work.

    Raises:
        ParameterTypeError: ``progress`` is not ``None``, ``True`` or ``False``.
    """
    if progress is not None and not isinstance(progress, bool):
        from ._errors import ParameterTypeError

        raise ParameterTypeError(caller, "progress", "None, True or False", progress)
    if progress is not None:
        return progress
    return total_bytes >= LARGE_BYTES and _isatty(sys.stderr if stream is None else stream)


def _size(n: float) -> str:
    for unit in ("B", "KiB", "MiB", "GiB"):
        if abs(n) < 1024 or unit == "GiB":
            return f"{n:.0f} {unit}" if unit == "B" else f"{n:.2f} {unit}"
        n /= 1024
    raise AssertionError  # unreachable


def _clock(seconds: float) -> str:
    m, s = divmod(int(seconds + 0.5), 60)
    h, m = divmod(m, 60)
    return f"{h}:{m:02d}:{s:02d}" if h else f"{m:02d}:{s:02d}"


class Progress:
    """Items and bytes done out of a total, with rate and time left.

    Args:
        desc: what is being done ("mlxinit.apply").
        total_bytes: bytes to produce; ``0`` to count items only (steps of a command).
        total_items: items to produce (parameters, steps), or ``None`` to count bytes only.
        items: what the items are called.
        stream: where to draw (default: ``sys.stderr`` when created).
        use_tqdm: ``None``: tqdm on a terminal if it is installed; ``False``: plain text.

    Use as a context manager; :meth:`advance` after each item, :meth:`phase` to name the
    current step of work that has no items.
    """

    def __init__(
        self,
        desc: str,
        total_bytes: int,
        total_items: int | None = None,
        *,
        items: str = "parameters",
        stream: IO[str] | None = None,
        use_tqdm: bool | None = None,
    ) -> None:
        self.desc = desc
        self.total_bytes = total_bytes
        self.total_items = total_items
        self.unit = items
        self.by_bytes = total_bytes > 0 or total_items is None
        self.items = 0
        self.bytes = 0
        self.stream = sys.stderr if stream is None else stream
        self.tty = _isatty(self.stream)
        self._phase = ""
        self._start = time.monotonic()
        self._last_line = self._start
        self._lock = threading.RLock()
        self._stop = threading.Event()
        self._bar: Any = None
        if use_tqdm is not False and self.tty:
            try:
                from tqdm import tqdm
            except ImportError:
                if use_tqdm:
                    raise
            else:
                by_bytes = self.by_bytes
                self._bar = tqdm(
                    total=total_bytes if by_bytes else total_items,
                    desc=desc,
                    unit="B" if by_bytes else items,
                    unit_scale=by_bytes,
                    unit_divisor=1024,
                    bar_format=_BYTES_BAR if by_bytes else _STEPS_BAR,
                    file=self.stream,
                    dynamic_ncols=True,
                    mininterval=TTY_MININTERVAL,
                    leave=True,
                )
                self._postfix()
        self._ticker = threading.Thread(target=self._tick, name="mlxinit-progress", daemon=True)
        self._ticker.start()

    @property
    def backend(self) -> str:
        """``"tqdm"`` or ``"text"``."""
        return "text" if self._bar is None else "tqdm"

    def __enter__(self) -> Progress:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def advance(self, nbytes: int, items: int = 1) -> None:
        """``items`` more done, ``nbytes`` bytes of them."""
        with self._lock:
            self.items += items
            self.bytes += nbytes
            if self._bar is not None:
                self._postfix(refresh=False)
                self._bar.update(nbytes if self.by_bytes else items)
            elif time.monotonic() - self._last_line >= (TTY_MININTERVAL if self.tty else LOG_INTERVAL):
                self._write()

    @property
    def phase_text(self) -> str:
        """The step under way, as last named by :meth:`phase` ("" before)."""
        return self._phase

    def phase(self, text: str) -> None:
        """Name the step under way (shown after the counts)."""
        with self._lock:
            self._phase = text
            if self._bar is not None:
                self._postfix()
            else:
                self._write()

    def close(self) -> None:
        """Stop redrawing and leave the final figures on their own line."""
        if self._stop.is_set():
            return
        self._stop.set()
        self._ticker.join()
        with self._lock:
            if self._bar is not None:
                self._bar.close()
            else:
                self._write(final=True)

    # ------------------------------------------------------------------ drawing

    def _counts(self) -> str:
        parts = []
        if self.total_items is not None and (self._bar is None or self.by_bytes):
            parts.append(f"{self.items}/{self.total_items} {self.unit}")
        if self._phase:
            parts.append(self._phase)
        return ", ".join(parts)

    def _postfix(self, refresh: bool = True) -> None:
        self._bar.set_postfix_str(self._counts(), refresh=refresh)

    def line(self) -> str:
        """The plain-text line: counts, bytes, percentage, rate and time left."""
        elapsed = time.monotonic() - self._start
        pct = 100.0 * self.bytes / self.total_bytes if self.total_bytes else 100.0
        rate = self.bytes / elapsed if elapsed > 0 else 0.0
        parts = [f"{self.desc}:"]
        counts = self._counts()
        if counts:
            parts.append(counts + ",")
        if self.total_bytes:
            parts.append(f"{_size(self.bytes)}/{_size(self.total_bytes)} ({pct:.0f}%),")
        if rate > 0 and self.bytes < self.total_bytes:
            left = (self.total_bytes - self.bytes) / rate
            parts.append(f"{_size(rate)}/s, {_clock(elapsed)} elapsed, {_clock(left)} left")
        else:
            parts.append(f"{_clock(elapsed)} elapsed")
        return " ".join(parts)

    def _write(self, final: bool = False) -> None:
        text = self.line()
        self._last_line = time.monotonic()
        try:
            if self.tty:
                self.stream.write("\r" + text + "\x1b[K" + ("\n" if final else ""))
            else:
                self.stream.write(text + "\n")
            self.stream.flush()
        except (OSError, ValueError):  # a closed or broken stream never stops the work
            pass

    def _tick(self) -> None:
        interval = TTY_INTERVAL if self.tty else LOG_INTERVAL
        while not self._stop.wait(interval):
            with self._lock:
                if self._bar is not None:
                    self._bar.refresh()
                elif self.tty or time.monotonic() - self._last_line >= LOG_INTERVAL:
                    self._write()


@contextlib.contextmanager
def progress_for(
    desc: str,
    total_bytes: int,
    total_items: int | None,
    progress: object,
    *,
    items: str = "parameters",
    work_bytes: int | None = None,
    caller: str = "apply",
) -> Iterator[Progress | None]:
    """A :class:`Progress` for the ``with`` block when :func:`should_show` says so, else ``None``.

    ``work_bytes`` is the size :func:`should_show` judges by (default: ``total_bytes``).
    """
    if not should_show(progress, total_bytes if work_bytes is None else work_bytes, caller=caller):
        yield None
        return
    with Progress(desc, total_bytes, total_items, items=items) as bar:
        yield bar
