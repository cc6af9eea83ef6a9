"""Progress of long work: when it shows, what it says, tqdm and the plain-text fallback."""

from __future__ import annotations

import io
import os
import subprocess
import sys

import mlx.core as mx
import mlx.nn as nn
import pytest

import mlxinit
from _models import TinyTransformer
from mlxinit import _progress
from mlxinit._progress import Progress


class _Terminal(io.StringIO):
    """A stream that says it is a terminal."""

    def isatty(self) -> bool:
        return True


RULES = {"*": "normal"}


def _model() -> nn.Module:
    model = TinyTransformer(vocab=64, d=16, n_layer=2)
    mx.eval(model.parameters())
    return model


def _n_params(model: nn.Module) -> int:
    from mlx.utils import tree_flatten

    return len(tree_flatten(model.parameters()))


@pytest.fixture
def everything_is_large(monkeypatch: pytest.MonkeyPatch) -> None:
    """Any model counts as large, so the default (progress=None) only looks at the terminal."""
    monkeypatch.setattr(_progress, "LARGE_BYTES", 0)


@pytest.mark.usefixtures("default_registry", "everything_is_large")
def test_progress_true_prints_plain_lines_when_stderr_is_not_a_terminal(
    capsys: pytest.CaptureFixture[str],
) -> None:
    """progress=True in a log: one plain line at the end with parameters, bytes and 100%."""
    model = _model()
    mlxinit.apply(model, RULES, progress=True, workers=2)
    err = capsys.readouterr().err
    n = _n_params(model)
    last = err.strip().splitlines()[-1]
    assert last.startswith("mlxinit.apply:")
    assert f"{n}/{n} parameters" in last
    assert "(100%)" in last
    assert "\r" not in err


@pytest.mark.usefixtures("default_registry", "everything_is_large")
def test_default_shows_nothing_outside_a_terminal(capsys: pytest.CaptureFixture[str]) -> None:
    """progress=None in a non-interactive run (stderr captured) prints nothing."""
    mlxinit.apply(_model(), RULES)
    assert capsys.readouterr().err == ""


@pytest.mark.usefixtures("default_registry", "everything_is_large")
@pytest.mark.parametrize("progress", [None, False])
def test_terminal_shows_a_tqdm_bar_unless_progress_false(
    monkeypatch: pytest.MonkeyPatch, progress: bool | None
) -> None:
    """On a terminal a large model shows a tqdm bar by default; progress=False shows nothing."""
    pytest.importorskip("tqdm")
    term = _Terminal()
    monkeypatch.setattr(sys, "stderr", term)
    model = _model()
    mlxinit.apply(model, RULES, progress=progress)
    out = term.getvalue()
    if progress is False:
        assert out == ""
        return
    n = _n_params(model)
    assert "mlxinit.apply" in out
    assert f"{n}/{n} parameters" in out
    assert "100%" in out
    assert "|" in out  # tqdm's bar


@pytest.mark.usefixtures("default_registry")
def test_small_models_show_nothing_by_default_even_on_a_terminal(monkeypatch: pytest.MonkeyPatch) -> None:
    """Below LARGE_BYTES the default is quiet: small models initialize in a blink."""
    term = _Terminal()
    monkeypatch.setattr(sys, "stderr", term)
    mlxinit.apply(_model(), RULES)
    assert term.getvalue() == ""


@pytest.mark.usefixtures("default_registry", "everything_is_large")
def test_without_tqdm_a_terminal_gets_a_line_rewritten_in_place(monkeypatch: pytest.MonkeyPatch) -> None:
    """With tqdm missing (import fails), the same figures are drawn as text with carriage returns."""
    monkeypatch.setitem(sys.modules, "tqdm", None)  # `import tqdm` raises ImportError
    term = _Terminal()
    monkeypatch.setattr(sys, "stderr", term)
    model = _model()
    mlxinit.apply(model, RULES)
    out = term.getvalue()
    n = _n_params(model)
    assert out.startswith("\r")
    assert out.endswith("\n")
    assert f"{n}/{n} parameters" in out.split("\r")[-1]


def test_bad_progress_values_are_rejected(default_registry: mlxinit.Registry) -> None:
    """progress takes None, True or False; the error says so and nothing changes."""
    model = _model()
    before = model.parameters()["head"]["weight"]
    with pytest.raises(mlxinit.ParameterTypeError, match=r"progress.*None, True or False.*'yes'"):
        mlxinit.apply(model, RULES, progress="yes")  # type: ignore[arg-type]
    assert mx.array_equal(model.parameters()["head"]["weight"], before).item()


def test_text_line_has_counts_bytes_rate_and_time_left() -> None:
    """Half-way: parameters done, bytes out of the total, the percentage, a rate and time left."""
    log = io.StringIO()
    with Progress("work", 1 << 30, 4, stream=log) as bar:
        bar._start -= 2.0  # two seconds in
        bar.advance(1 << 29, 2)
        line = bar.line()
    assert line.startswith("work: 2/4 parameters, 512.00 MiB/1.00 GiB (50%),")
    assert "MiB/s" in line
    assert "left" in line
    assert log.getvalue().strip().splitlines()[-1].startswith("work: 2/4 parameters, 512.00 MiB/1.00 GiB (50%)")


def test_steps_and_phases_without_bytes() -> None:
    """Counting steps (a command's phases): no byte figures, the phase named."""
    log = io.StringIO()
    with Progress("sample", 0, 2, items="steps", stream=log) as bar:
        bar.phase("drawing")
        bar.advance(0)
        bar.phase("statistics")
        bar.advance(0)
    lines = log.getvalue().strip().splitlines()
    assert lines[0].startswith("sample: 0/2 steps, drawing,")
    assert lines[-1].startswith("sample: 2/2 steps, statistics,")
    assert "B/" not in log.getvalue()


def test_ticker_redraws_while_nothing_finishes(monkeypatch: pytest.MonkeyPatch) -> None:
    """A long draw still moves the display: the background thread redraws it."""
    monkeypatch.setattr(_progress, "TTY_INTERVAL", 0.01)
    term = _Terminal()
    with Progress("work", 100, 1, stream=term, use_tqdm=False):
        import time

        time.sleep(0.2)
    assert term.getvalue().count("\r") >= 3


# ----------------------------------------------------------------------------- command line


def _sample(*args: str) -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("MLXINIT_")}
    return subprocess.run(
        [sys.executable, "-m", "mlxinit", "sample", "normal", "--shape", "64", "64", *args],
        capture_output=True,
        text=True,
        env=env,
        timeout=120,
        check=True,
    )


def test_sample_progress_is_off_outside_a_terminal_and_on_when_asked() -> None:
    """`mlxinit sample` prints progress to stderr only with --progress; stdout is unchanged."""
    quiet = _sample("--json")
    assert quiet.stderr == ""
    loud = _sample("--json", "--progress")
    assert loud.stdout == quiet.stdout
    lines = loud.stderr.strip().splitlines()
    assert lines[0].startswith("mlxinit sample normal: 0/2 steps, drawing 4,096 values")
    assert lines[-1].startswith("mlxinit sample normal: 2/2 steps")
    assert _sample("--json", "--no-progress").stderr == ""
