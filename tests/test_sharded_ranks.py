"""Sharded init on real ranks: ``mlx.launch --backend ring`` on localhost, 2 and 3 processes."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

SCRIPT = Path(__file__).parent / "ranks" / "sharded_check.py"


def _launcher() -> str:
    found = shutil.which("mlx.launch", path=str(Path(sys.executable).parent)) or shutil.which("mlx.launch")
    assert found, "mlx.launch is installed with mlx"
    return found


@pytest.mark.parametrize("n", [2, 3])
def test_real_ranks_hold_their_part_of_the_single_process_model(tmp_path: Path, n: int) -> None:
    """Gathered shards equal the single-process init bitwise; logits agree; unseeded ranks agree on one seed."""
    out = tmp_path / "result.json"
    env = {**os.environ, "PYTHONUNBUFFERED": "1"}
    proc = subprocess.run(
        [_launcher(), "-n", str(n), "--backend", "ring", "--python", sys.executable, str(SCRIPT), str(out)],
        capture_output=True,
        text=True,
        timeout=240,
        env=env,
        cwd=tmp_path,
    )
    assert proc.returncode == 0, proc.stdout[-3000:] + proc.stderr[-3000:]
    data = json.loads(out.read_text())
    assert data["size"] == n
    results = data["results"]
    for name in ("mlp", "fully_shard", "llama", "qwen3_moe", "mlp_unseeded"):
        assert results[name]["differ"] == [], (name, results[name])
        assert results[name]["shards"] > 0, name
    assert results["llama"]["logit_diff"] <= 1e-5
    assert results["qwen3_moe"]["logit_diff"] <= 1e-5
    assert results["mlp_unseeded"]["seed"] is not None


def test_the_sharded_example_runs_on_two_ranks(tmp_path: Path) -> None:
    """examples/sharded.py, as the docs tell to run it, gathers a weight equal to the single-process one."""
    example = Path(__file__).parents[1] / "examples" / "sharded.py"
    proc = subprocess.run(
        [_launcher(), "-n", "2", "--backend", "ring", "--python", sys.executable, str(example)],
        capture_output=True,
        text=True,
        timeout=240,
        cwd=tmp_path,
    )
    assert proc.returncode == 0, proc.stdout[-3000:] + proc.stderr[-3000:]
    assert "equals the single-process model bitwise: True" in proc.stdout
    assert "axis 0, rank 0/2" in proc.stdout
