"""``mlxinit verify`` on the command line: a model built by --model, checked against a preset, rules or a checkpoint."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

import mlxinit

MODELS = textwrap.dedent(
    """
    import mlx.nn as nn

    class Block(nn.Module):
        def __init__(self, d):
            super().__init__()
            self.norm = nn.LayerNorm(d)
            self.fc = nn.Linear(d, 4 * d)
            self.c_proj = nn.Linear(4 * d, d)

    class Net(nn.Module):
        def __init__(self, d=64, n=2):
            super().__init__()
            self.embed = nn.Embedding(128, d)
            self.layers = [Block(d) for _ in range(n)]
            self.head = nn.Linear(d, 128, bias=False)

    def build():
        return Net()

    def not_a_model():
        return 3
    """
)


@pytest.fixture
def workdir(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A directory holding ``netmodels.py``, importable here and in the command's current directory."""
    (tmp_path / "netmodels.py").write_text(MODELS)
    monkeypatch.syspath_prepend(str(tmp_path))
    return tmp_path


def verify(*args: str, cwd: Path) -> subprocess.CompletedProcess[str]:
    """Run ``python -m mlxinit verify ARGS`` in ``cwd``."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("MLXINIT_") and k != "NO_COLOR"}
    command = [sys.executable, "-m", "mlxinit", "verify", *args]
    return subprocess.run(command, capture_output=True, text=True, cwd=cwd, env=env, timeout=120)


def one_line(proc: subprocess.CompletedProcess[str], status: int) -> str:
    """The command failed with ``status`` and one line on stderr, no traceback."""
    assert proc.returncode == status, (proc.returncode, proc.stdout, proc.stderr)
    assert "Traceback" not in proc.stderr
    (line,) = proc.stderr.strip().splitlines()
    return line


def test_apply_then_verify_a_preset_passes(workdir: Path) -> None:
    """--apply initializes with the preset, and verify passes: exit 0, a table and an OK line."""
    proc = verify("--model", "netmodels:build", "--preset", "gpt2", "--apply", "--seed", "3", cwd=workdir)
    assert proc.returncode == 0, proc.stdout + proc.stderr
    lines = proc.stdout.splitlines()
    assert lines[0].startswith("parameter")
    assert lines[-1].startswith("OK: 14 ok, 0 flagged, 0 unchecked")
    assert "layers.1.c_proj.weight" in proc.stdout


def test_a_fresh_model_is_flagged_with_its_defaults(workdir: Path) -> None:
    """Without --apply, a freshly built model holds MLX's defaults: flagged, exit 1."""
    proc = verify("--model", "netmodels:build", "--preset", "gpt2", cwd=workdir)
    assert proc.returncode == 1
    assert "flagged: left at MLX's default for Linear (uniform ±1/sqrt(64) = ±0.125)" in proc.stdout
    assert proc.stdout.splitlines()[-1].startswith("FLAGGED: ")


def test_json_output(workdir: Path) -> None:
    """--json prints the report as JSON (ok, rows with path, status and reason)."""
    proc = verify("--model", "netmodels:build", "--preset", "llama", "--apply", "--json", cwd=workdir)
    assert proc.returncode == 0, proc.stderr
    data = json.loads(proc.stdout)
    assert data["ok"] is True
    assert data["preset"] == "llama"
    assert {r["path"] for r in data["rows"]} >= {"embed.weight", "layers.0.fc.weight", "head.weight"}
    assert all(r["status"] == "ok" for r in data["rows"])


def test_rules_file_with_expressions(workdir: Path) -> None:
    """--rules reads a recipe (here with an expression and a capture) and applies it with --apply."""
    recipe = {
        "seed": 5,
        "rules": {
            "*.weight": {"name": "normal", "std": 0.02},
            "layers.{i}.c_proj.weight": {"name": "normal", "std": "=0.02/sqrt(2*(i+1))"},
            "*.bias": "zeros",
        },
    }
    (workdir / "recipe.json").write_text(json.dumps(recipe))
    proc = verify("--model", "netmodels:build", "--rules", "recipe.json", "--apply", cwd=workdir)
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert "normal mean 0 std 0.01" in proc.stdout  # layer 0's c_proj: 0.02/sqrt(2)


def test_weights_written_by_save_carry_their_recipe(workdir: Path) -> None:
    """--weights FILE from mlxinit.save is checked against the recipe in its metadata."""
    import netmodels  # type: ignore[import-not-found]

    recipe = {"preset": "gpt2", "seed": 11}
    model = netmodels.build()
    mlxinit.apply(model, mlxinit.Recipe.from_dict(recipe))
    mlxinit.save(model, workdir / "good.safetensors", recipe)
    proc = verify("--model", "netmodels:build", "--weights", "good.safetensors", cwd=workdir)
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert "preset: gpt2" in proc.stdout
    fresh = netmodels.build()
    mlxinit.save(fresh, workdir / "bad.safetensors", recipe, check=False)
    proc = verify("--model", "netmodels:build", "--weights", "bad.safetensors", cwd=workdir)
    assert proc.returncode == 1
    assert "left at MLX's default" in proc.stdout


@pytest.mark.parametrize(
    ("args", "status", "match"),
    [
        (["--model", "netmodels", "--preset", "gpt2"], 2, "--model: expected MODULE:CALLABLE, got 'netmodels'"),
        (["--model", "nowhere_at_all:build", "--preset", "gpt2"], 1, "cannot import 'nowhere_at_all'"),
        (["--model", "netmodels:nope", "--preset", "gpt2"], 1, "'netmodels' has no attribute 'nope'"),
        (["--model", "netmodels:not_a_model", "--preset", "gpt2"], 1, "returned int, expected an mlx.nn.Module"),
        (["--model", "netmodels:build"], 2, "give --preset or --rules"),
        (["--model", "netmodels:build", "--preset", "gtp2"], 1, "Did you mean 'gpt2'"),
        (["--model", "netmodels:build", "--rules", "missing.json"], 1, "cannot read it"),
    ],
)
def test_errors_are_one_line(workdir: Path, args: list[str], status: int, match: str) -> None:
    """Bad --model specs, a missing preset and unknown names give one line on stderr, no traceback."""
    line = one_line(verify(*args, cwd=workdir), status)
    assert match in line


def test_the_documented_example_runs_from_the_repository_root() -> None:
    """The command of docs/cli.md, on examples/step0.py, passes from the repository's root."""
    root = Path(__file__).resolve().parent.parent
    proc = verify("--model", "examples.step0:build", "--preset", "gpt2", "--apply", cwd=root)
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert proc.stdout.splitlines()[-1] == "OK: 25 ok, 0 flagged, 0 unchecked (tolerance: 6 standard errors)"


def test_the_step0_example_runs() -> None:
    """examples/step0.py applies, verifies, flags a skipped init, saves and regenerates bitwise."""
    root = Path(__file__).resolve().parent.parent
    proc = subprocess.run(
        [sys.executable, str(root / "examples" / "step0.py")], capture_output=True, text=True, timeout=120
    )
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout.splitlines() == [
        "normal(std='=0.02/sqrt(2*n_layers)' = 0.00707107)",
        "normal(std='=0.02/sqrt(2*(layer+1))' = 0.00707107)",
        "verify: 25 ok, 0 flagged, 0 unchecked (tolerance: 6 standard errors)",
        "flagged: h.2.c_fc.weight - left at MLX's default for Linear (uniform ±1/sqrt(64) = ±0.125)",
        "saved: step0.safetensors with ['mlxinit.arrays', 'mlxinit.format', 'mlxinit.recipe', 'mlxinit.seed', "
        "'mlxinit.version']",
        "regenerated bitwise: True",
    ]
