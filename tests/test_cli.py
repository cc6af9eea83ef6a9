"""The ``mlxinit`` command line, run as a user would: in a subprocess."""

from __future__ import annotations

import importlib.metadata
import io
import json
import os
import re
import shutil
import struct
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"


def run(
    *args: str,
    env: dict[str, str] | None = None,
    pythonpath: Path | None = None,
    prelude: str | None = None,
) -> subprocess.CompletedProcess[str]:
    """Run ``python -m mlxinit ARGS`` (or, with ``prelude``, code before ``main``)."""
    full_env = {k: v for k, v in os.environ.items() if not k.startswith("MLXINIT_") and k != "NO_COLOR"}
    full_env.update(env or {})
    if pythonpath is not None:
        full_env["PYTHONPATH"] = os.pathsep.join(filter(None, [str(pythonpath), full_env.get("PYTHONPATH")]))
    if prelude is None:
        cmd = [sys.executable, "-m", "mlxinit", *args]
    else:
        code = f"{prelude}\nimport sys\nfrom mlxinit._cli import main\nsys.exit(main(sys.argv[1:]))"
        cmd = [sys.executable, "-c", code, *args]
    return subprocess.run(cmd, capture_output=True, text=True, env=full_env, timeout=120)


def assert_one_line_error(proc: subprocess.CompletedProcess[str], status: int = 1) -> str:
    """The command failed with ``status``, one line on stderr and no traceback."""
    assert proc.returncode == status, (proc.returncode, proc.stderr)
    assert "Traceback" not in proc.stderr
    lines = proc.stderr.strip().splitlines()
    assert len(lines) == 1, proc.stderr
    return lines[0]


def _write_dist(site: Path, name: str, version: str, entry_points: str) -> None:
    info = site / f"{name.replace('-', '_')}-{version}.dist-info"
    info.mkdir()
    (info / "METADATA").write_text(f"Metadata-Version: 2.1\nName: {name}\nVersion: {version}\n")
    (info / "entry_points.txt").write_text(textwrap.dedent(entry_points))


@pytest.fixture(scope="module")
def plugin_site(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A site directory with plugin distributions: two in conflict, one broken, one non-conformant."""
    site = tmp_path_factory.mktemp("site")
    (site / "acme_inits.py").write_text(
        textwrap.dedent(
            '''
            import mlx.core as mx

            def scaled(scale=0.5, *, dtype=mx.float32):
                """A constant ``scale`` everywhere."""
                def init(a):
                    return mx.full(a.shape, scale, dtype=dtype)
                return init

            def tiny(*, dtype=mx.float32):
                """Tiny normal noise."""
                def init(a):
                    return mx.random.normal(a.shape, scale=1e-3, dtype=dtype)
                return init
            '''
        )
    )
    (site / "other_inits.py").write_text(
        "import mlx.core as mx\n"
        "def scaled(*, dtype=mx.float32):\n"
        '    """Other scaled."""\n'
        "    return lambda a: mx.ones(a.shape, dtype=dtype)\n"
    )
    _write_dist(
        site,
        "acme-inits",
        "1.2.0",
        """
        [mlxinit.initializers]
        scaled = acme_inits:scaled
        tiny = acme_inits:tiny
        """,
    )
    _write_dist(site, "other-inits", "2.0", "[mlxinit.initializers]\nscaled = other_inits:scaled\n")
    _write_dist(site, "broken-inits", "0.1", "[mlxinit.plugins]\nbroken = no_such_module_here\n")
    (site / "sloppy_inits.py").write_text(
        "import mlx.core as mx\n"
        "def ignores_dtype(*, dtype=mx.float32):\n"
        '    """Always float32, whatever dtype is asked for."""\n'
        "    return lambda a: mx.zeros(a.shape)\n"
    )
    _write_dist(site, "sloppy-inits", "0.3", "[mlxinit.initializers]\nignores_dtype = sloppy_inits:ignores_dtype\n")
    return site


# ---------------------------------------------------------------------- help and usage


@pytest.mark.parametrize("command", ["list", "info", "plugins", "presets", "sample", "check"])
def test_every_command_has_help(command: str) -> None:
    """`mlxinit CMD --help` prints the command's usage and exits 0."""
    proc = run(command, "--help")
    assert proc.returncode == 0
    assert proc.stdout.startswith(f"usage: mlxinit {command}")


def test_console_script_is_installed() -> None:
    """The `mlxinit` console script next to the interpreter runs the same command line."""
    script = Path(sys.executable).with_name("mlxinit")
    proc = subprocess.run([str(script), "--version"], capture_output=True, text=True, check=False)
    assert proc.returncode == 0
    assert proc.stdout.startswith("mlxinit ")


def test_no_command_prints_help_and_exits_2() -> None:
    """Without a command the top-level help is printed and the status is 2."""
    proc = run()
    assert proc.returncode == 2
    assert "list" in proc.stdout
    assert "sample" in proc.stdout


@pytest.mark.parametrize(
    ("args", "needle"),
    [
        (("frobnicate",), "invalid choice: 'frobnicate'"),
        (("sample", "normal", "--shape", "x"), "expected a non-negative integer, got 'x'"),
        (("sample", "normal", "--param", "std"), "expected KEY=VALUE, got 'std'"),
        (("sample", "normal", "--seed", "-1"), "expected an integer in [0, 2**64)"),
        (("list", "--source", "pypi"), "invalid choice: 'pypi'"),
        (("info",), "the following arguments are required: NAME"),
    ],
)
def test_usage_errors_are_one_line_with_status_2(args: tuple[str, ...], needle: str) -> None:
    """A malformed command line gets one line on stderr and exit status 2."""
    line = assert_one_line_error(run(*args), status=2)
    assert needle in line
    assert "--help" in line


# ---------------------------------------------------------------------- list


def test_list_plain_output_is_tab_separated_with_sources() -> None:
    """Piped `list` prints `name<TAB>source<TAB>summary` for every built-in, no colour codes."""
    proc = run("list", "--source", "builtin")
    assert proc.returncode == 0
    rows = [line.split("\t") for line in proc.stdout.splitlines()]
    names = [r[0] for r in rows]
    assert {"he_normal", "glorot_uniform", "orthogonal", "zeros"} <= set(names)
    assert names == sorted(names)
    assert all(len(r) == 3 and r[1] == "builtin" for r in rows)
    assert "\x1b[" not in proc.stdout


def test_list_pattern_is_a_substring_without_wildcards() -> None:
    """`list uniform` matches substrings; `list 'he_*'` is a shell pattern."""
    sub = {line.split("\t")[0] for line in run("list", "uniform", "--source", "builtin").stdout.splitlines()}
    assert sub == {"glorot_uniform", "he_uniform", "lecun_uniform", "uniform"}
    pat = {line.split("\t")[0] for line in run("list", "he_*", "--source", "builtin").stdout.splitlines()}
    assert pat == {"he_normal", "he_uniform"}


def test_list_json_carries_aliases_and_provenance() -> None:
    """`list --json` is a JSON list with aliases, source and a one-line summary."""
    proc = run("list", "he_*", "--json")
    data = json.loads(proc.stdout)
    he = next(d for d in data if d["name"] == "he_normal")
    assert he["aliases"] == ["kaiming_normal"]
    assert he["source"] == "builtin"
    assert he["distribution"] == "mlxinit"
    assert "\n" not in he["summary"]


def test_list_a_namespace_or_distribution() -> None:
    """`list torch` lists the torch namespace; `list mlxinit-compat` all of that distribution's names."""
    torch = [line.split("\t")[0] for line in run("list", "torch").stdout.splitlines()]
    assert torch
    assert all(n.startswith("torch:") for n in torch)
    assert "torch:linear_default" in torch
    compat = {line.split("\t")[0] for line in run("list", "mlxinit-compat").stdout.splitlines()}
    assert set(torch) < compat
    assert {"keras:he_normal", "jax:he_normal"} <= compat
    builtins = {line.split("\t")[0] for line in run("list", "mlxinit").stdout.splitlines()}
    assert "he_normal" in builtins
    assert not any(":" in n for n in builtins)


def test_a_name_shows_in_one_form_in_list_info_and_plugins() -> None:
    """A namespaced plugin name is 'ns:name' in `list`, `info` and `plugins`, however it was asked for."""
    listed = {line.split("\t")[0] for line in run("list", "linear_default").stdout.splitlines()}
    assert listed == {"torch:linear_default"}
    info = json.loads(run("info", "linear-default", "--json").stdout)
    assert info["name"] == "torch:linear_default"
    plugins = json.loads(run("plugins", "--json").stdout)
    (compat,) = (p for p in plugins["plugins"] if p["distribution"] == "mlxinit-compat")
    assert "torch:linear_default" in compat["names"]


def test_list_no_match_is_an_error_line() -> None:
    """A pattern matching nothing exits 1 with one line pointing to `mlxinit list`."""
    line = assert_one_line_error(run("list", "nothing_like_this"))
    assert "no initializer matching 'nothing_like_this'" in line


def test_list_source_plugin_shows_plugin_names(plugin_site: Path) -> None:
    """`--source plugin` keeps only names from installed distributions (entry points map to 'plugin')."""
    proc = run("list", "--source", "plugin", "--json", pythonpath=plugin_site)
    data = json.loads(proc.stdout)
    by_name = {d["name"]: d for d in data}
    assert "tiny" in by_name
    assert by_name["tiny"]["source"] == "plugin"
    assert by_name["tiny"]["origin"] == "entry-point"
    assert by_name["tiny"]["distribution"] == "acme-inits"
    assert all(d["source"] == "plugin" for d in data)
    assert {"acme-inits:scaled", "other-inits:scaled"} <= set(by_name)  # a conflict is listed qualified
    builtin = json.loads(run("list", "--source", "builtin", "--json", pythonpath=plugin_site).stdout)
    assert "tiny" not in {d["name"] for d in builtin}


# ---------------------------------------------------------------------- info


def test_info_shows_parameters_fans_and_provenance() -> None:
    """`info kaiming_normal` resolves the alias and shows defaults, fan rule and provenance."""
    proc = run("info", "kaiming_normal")
    assert proc.returncode == 0
    out = proc.stdout
    assert "name:         he_normal" in out
    assert "aliases:      kaiming_normal" in out
    assert "mode = 'fan_in'" in out
    assert "gain = 1.0" in out
    assert "fan_in = shape[-1] * rf" in out
    assert "mlxinit_builtin.initializers:he_normal" in out
    assert "https://arxiv.org/abs/1502.01852" in out


def test_info_json_marks_required_parameters() -> None:
    """`info sparse --json` lists `sparsity` as required and `std` with its default."""
    data = json.loads(run("info", "sparse", "--json").stdout)
    params = {p["name"]: p for p in data["parameters"]}
    assert params["sparsity"]["required"] is True
    assert params["std"] == {
        "name": "std",
        "default": 1.0,
        "required": False,
        "annotation": "float",
        "description": "their standard deviation, >= 0. Default: 1.0.",
    }
    assert data["loaded"] is True


#: reST/MyST markup that must not reach the terminal.
RAW_MARKUP = ("``", ":func:", ":class:", ":meth:", ":math:", ".. math::", "**", "`_")


@pytest.mark.parametrize("name", ["he_normal", "orthogonal", "identity", "he_uniform", "truncated_normal"])
def test_info_shows_docstrings_as_plain_text(name: str) -> None:
    """`info NAME` on a built-in prints its description and parameters with no reST markup left."""
    proc = run("info", name)
    assert proc.returncode == 0
    for raw in RAW_MARKUP:
        assert raw not in proc.stdout, (raw, proc.stdout)


def test_info_renders_roles_literals_and_parameter_docs() -> None:
    """Roles become names, literals lose their backticks, parameters carry their `Args:` text."""
    he_uniform = run("info", "he_uniform").stdout
    assert "see\nhe_normal()." in he_uniform  # :func:`he_normal`
    assert "Same as mlx.nn.init.he_uniform (bitwise" in he_uniform
    assert re.search(r"^  mode = 'fan_in' +\"fan_in\" or \"fan_out\"\.$", he_uniform, re.MULTILINE)
    assert "Default:" not in he_uniform  # the default shown is the factory's own
    orthogonal = run("info", "orthogonal").stdout
    assert "without its max(rows, cols)² QR" in orthogonal
    assert re.search(r"^  gain = 1\.0 +scaling factor\.$", orthogonal, re.MULTILINE)


def test_info_renders_math_from_mlx_docstrings() -> None:
    """MLX's own docstrings (`.. math::` blocks, `:math:` roles, links) read as plain text."""
    prelude = "import mlx.nn.init, mlxinit\nmlxinit.register('mlx_glorot', mlx.nn.init.glorot_uniform)"
    proc = run("info", "mlx_glorot", prelude=prelude)
    assert proc.returncode == 0, proc.stderr
    out = proc.stdout
    assert "\n    limit = γ sqrt(6.0/(fan_in + fan_out))\n" in out
    assert "on the interval\n[-limit, limit], where the bound limit\n" in out
    assert "neural networks (https://proceedings.mlr.press/v9/glorot10a.html)" in out
    for raw in RAW_MARKUP:
        assert raw not in out, (raw, out)


def test_list_and_json_summaries_are_plain_text() -> None:
    """Every summary `list` prints (built-ins and mlxinit-compat) and `--json` gives is free of markup."""
    proc = run("list")
    assert proc.returncode == 0
    assert "He (Kaiming) normal, MLX's meaning: N(0, σ²)" in proc.stdout
    assert "Samples from N(mean, std²)." in proc.stdout
    rows = json.loads(run("list", "--json").stdout)
    info = json.loads(run("info", "variance_scaling", "--json").stdout)
    texts = [proc.stdout, *(r["summary"] or "" for r in rows), info["summary"], info["description"]]
    texts += [p["description"] for p in info["parameters"]]
    for text in texts:
        for raw in RAW_MARKUP:
            assert raw not in text, (raw, text)


def test_info_unknown_name_suggests_close_names() -> None:
    """An unknown name is one stderr line with "Did you mean", exit 1, no traceback."""
    line = assert_one_line_error(run("info", "he_nromal"))
    assert line.startswith("mlxinit info: error: Unknown initializer 'he_nromal'.")
    assert "Did you mean" in line
    assert "'he_normal'" in line


def test_info_of_a_lazy_plugin_name_loads_it(plugin_site: Path) -> None:
    """`info acme-inits:scaled` imports the entry point (the user asked) to show parameters and summary."""
    data = json.loads(run("info", "acme-inits:scaled", "--json", pythonpath=plugin_site).stdout)
    assert data["distribution"] == "acme-inits"
    assert data["version"] == "1.2.0"
    assert data["target"] == "acme_inits:scaled"
    assert data["loaded"] is True
    (scale,) = data["parameters"]
    assert (scale["name"], scale["default"], scale["required"]) == ("scale", 0.5, False)
    assert data["summary"] == "A constant scale everywhere."


def test_conflicting_plain_name_is_one_error_line(plugin_site: Path) -> None:
    """A plain name claimed by two distributions fails with the qualified choices."""
    line = assert_one_line_error(run("info", "scaled", pythonpath=plugin_site))
    assert "acme-inits:scaled" in line
    assert "other-inits:scaled" in line
    assert "MLXINIT_PREFER" in line


# ---------------------------------------------------------------------- presets


def test_presets_lists_installed_presets_with_summaries() -> None:
    """`presets` lists each preset with its source and summary; `--json` adds options."""
    rows = [line.split("\t") for line in run("presets").stdout.splitlines()]
    by = {r[0]: r for r in rows}
    assert {"gpt2", "llama", "torch-default"} <= set(by)
    assert by["gpt2"][1] == "plugin (mlxinit-compat)"
    assert by["torch-default"][2] == "PyTorch's layer defaults."
    data = {d["name"]: d for d in json.loads(run("presets", "gpt", "--json").stdout)}
    assert list(data) == ["gpt-neox", "gpt2"]
    assert data["gpt2"]["options"] == ["n_layer", "std", "residual"]


def test_presets_follow_the_controls() -> None:
    """With autoload off, no installed preset is listed, and `presets` says where presets come from."""
    line = assert_one_line_error(run("presets", env={"MLXINIT_DISABLE_PLUGIN_AUTOLOAD": "1"}))
    assert "no preset" in line


def test_info_describes_a_preset_and_its_options() -> None:
    """`info gpt2` describes the preset: provenance, options with defaults and its docstring."""
    out = run("info", "gpt2").stdout
    assert out.startswith("preset:       gpt2\n")
    assert "distribution: mlxinit-compat" in out
    assert "  std = None" in out  # then its description from the docstring's Args:
    assert max(map(len, out.splitlines())) < 200  # a long default does not widen every line
    assert "GPT-2 (and nanoGPT)" in out
    data = json.loads(run("info", "GPT2", "--json").stdout)
    assert (data["kind"], data["name"], data["source"]) == ("preset", "gpt2", "plugin")
    std = next(o for o in data["options"] if o["name"] == "std")
    assert (std["default"], std["required"]) == (None, False)
    assert std["description"].startswith("the base standard deviation")


def test_info_of_neither_an_initializer_nor_a_preset() -> None:
    """A name that is neither fails with the initializer's "did you mean"."""
    line = assert_one_line_error(run("info", "he_normel"))
    assert "Unknown initializer 'he_normel'" in line
    assert "'he_normal'" in line


# ---------------------------------------------------------------------- plugins


def test_plugins_with_autoload_disabled() -> None:
    """With autoload off and nothing selected, `plugins` says so and why."""
    proc = run("plugins", env={"MLXINIT_DISABLE_PLUGIN_AUTOLOAD": "1"})
    assert proc.returncode == 0
    lines = proc.stdout.splitlines()
    assert lines[0] == "autoload: disabled (MLXINIT_DISABLE_PLUGIN_AUTOLOAD is set)"
    # the built-ins are a plugin like any other, and the only one left
    assert lines[1] == f"mlxinit {importlib.metadata.version('mlxinit')}: 19 names"
    assert lines[2].startswith("  names: constant, dirac, eye, glorot_normal")
    assert len(lines) == 3


def test_plugins_json_reports_names_failures_and_conflicts(plugin_site: Path) -> None:
    """`plugins --json` lists each distribution with version, names, failures and the conflicts."""
    data = json.loads(run("plugins", "--json", pythonpath=plugin_site).stdout)
    dists = {p["distribution"]: p for p in data["plugins"]}
    assert dists["acme-inits"]["version"] == "1.2.0"
    assert dists["acme-inits"]["names"] == ["scaled", "tiny"]
    broken = dists["broken-inits"]["failures"]
    assert len(broken) == 1
    assert "no_such_module_here" in broken[0]["reason"]
    assert data["conflicts"]["scaled"] == ["acme-inits:scaled", "other-inits:scaled"]
    assert data["autoload"] is True


def test_plugins_plain_output_shows_failures_and_conflicts(plugin_site: Path) -> None:
    """The text report names the failed plugin with its reason and the conflicting name."""
    out = run("plugins", pythonpath=plugin_site).stdout
    assert "acme-inits 1.2.0: 2 names" in out
    assert "failed: plugin broken = no_such_module_here" in out
    assert "scaled: acme-inits:scaled, other-inits:scaled" in out


def test_plugins_shows_disabled_autoload_and_blocked(plugin_site: Path) -> None:
    """MLXINIT_DISABLE_PLUGIN_AUTOLOAD and MLXINIT_BLOCK are visible in the report."""
    off = run("plugins", pythonpath=plugin_site, env={"MLXINIT_DISABLE_PLUGIN_AUTOLOAD": "1"}).stdout
    assert "autoload: disabled" in off
    assert "acme-inits" not in off
    blocked = run("plugins", pythonpath=plugin_site, env={"MLXINIT_BLOCK": "other-inits"}).stdout
    assert "blocked: other-inits" in blocked
    assert "[blocked]" in blocked
    selected = json.loads(
        run("plugins", "--json", pythonpath=plugin_site, env={"MLXINIT_PLUGINS": "acme-inits"}).stdout
    )
    assert selected["selected"] == ["acme-inits"]
    assert [p["distribution"] for p in selected["plugins"]] == ["acme-inits", "mlxinit"]


# ---------------------------------------------------------------------- sample


@pytest.mark.parametrize(("dtype", "expected"), [("bf16", "bfloat16"), ("float16", "float16"), (None, "float32")])
@pytest.mark.parametrize("shape", [("64", "32"), ("8", "3", "3", "16")])
def test_sample_json_statistics(dtype: str | None, expected: str, shape: tuple[str, ...]) -> None:
    """`sample --json` reports dtype, shape and statistics close to the promised std."""
    args = ["sample", "he_normal", "--shape", *shape, "--param", "gain=2", "--json"]
    if dtype:
        args += ["--dtype", dtype]
    data = json.loads(run(*args).stdout)
    assert data["dtype"] == expected
    assert data["shape"] == [int(s) for s in shape]
    assert data["config"]["gain"] == 2
    assert data["config"]["seed"] == 0
    fan_in = int(shape[-1]) * (int(shape[1]) * int(shape[2]) if len(shape) == 4 else 1)
    assert data["expected_std"] == pytest.approx(2 / fan_in**0.5)
    assert data["std"] == pytest.approx(data["expected_std"], rel=0.1)
    assert data["min"] < data["mean"] < data["max"]
    assert data["zeros"] < 0.01


def test_sample_is_reproducible_and_seed_dependent() -> None:
    """The same seed prints the same statistics; another seed prints others."""
    a = run("sample", "normal", "--shape", "32", "--seed", "7").stdout
    b = run("sample", "normal", "--shape", "32", "--seed", "7").stdout
    c = run("sample", "normal", "--shape", "32", "--seed", "8").stdout
    assert a == b
    assert a != c


def test_sample_plain_output_fields() -> None:
    """Plain `sample` prints each statistic on its own line, including the fraction of zeros."""
    out = run("sample", "sparse", "--shape", "40", "10", "--param", "sparsity=0.3").stdout
    fields = dict(line.split(":", 1) for line in out.splitlines())
    assert float(fields["zeros"]) == pytest.approx(0.3)
    assert set(fields) == {"initializer", "shape", "mean", "std", "min", "max", "zeros", "promised std"}


def test_sample_statistics_are_float64() -> None:
    """Statistics do not drift with size: float32 accumulation would read 0.0312428 and 0.115 here."""
    out = run("sample", "orthogonal", "--shape", "1024", "1024").stdout
    fields = {k: v.strip() for k, v in (line.split(":", 1) for line in out.splitlines())}
    assert fields["std"] == "0.03125"  # an orthogonal n x n matrix has std 1/sqrt(n)
    assert fields["promised std"] == "0.03125"
    data = json.loads(run("sample", "constant", "--param", "value=0.1", "--shape", "4096", "4096", "--json").stdout)
    assert data["mean"] == pytest.approx(0.1, rel=1e-7)  # 0.1 in float32
    assert data["std"] == pytest.approx(0.0, abs=1e-12)
    assert (data["min"], data["max"], data["zeros"]) == (pytest.approx(0.1), pytest.approx(0.1), 0.0)


@pytest.mark.parametrize("shape", [("0",), ("0", "4"), ("8", "0"), ("2", "3", "0", "5")])
def test_sample_refuses_zero_size_shapes(shape: tuple[str, ...]) -> None:
    """A shape with a zero dimension is a usage error: one line, exit 2, the shape given."""
    line = assert_one_line_error(run("sample", "normal", "--shape", *shape), status=2)
    assert line.startswith("mlxinit sample: error: --shape: expected every dimension >= 1")
    assert f"got {' x '.join(shape)} " in line


def test_sample_promised_std_na_without_expected_std(plugin_site: Path) -> None:
    """A plugin closure without `expected_std` prints 'n/a' for the promised std."""
    out = run("sample", "tiny", "--shape", "16", "16", pythonpath=plugin_site).stdout
    assert "promised std: n/a" in out


def test_sample_param_values_are_json_with_string_fallback() -> None:
    """`--param mode=fan_out` is a string, `gain=0.5` a float."""
    data = json.loads(
        run(
            "sample", "he_uniform", "--shape", "32", "8", "--param", "mode=fan_out", "--param", "gain=0.5", "--json"
        ).stdout
    )
    assert data["config"]["mode"] == "fan_out"
    assert data["config"]["gain"] == 0.5
    assert data["expected_std"] == pytest.approx(0.5 / 32**0.5)


@pytest.mark.parametrize(
    ("args", "needle"),
    [
        (("sample", "he_nrmal"), "Did you mean"),
        (("sample", "normal", "--param", "stdd=1"), "unknown parameter 'stdd'"),
        (("sample", "normal", "--param", "std=-1"), "parameter 'std' expected"),
        (("sample", "normal", "--dtype", "int8"), "dtype: expected a floating"),
        (("sample", "he_normal", "--shape", "5"), "at least 2 dimensions"),
        (("sample", "sparse"), "missing required parameter 'sparsity'"),
    ],
)
def test_sample_errors_are_one_line(args: tuple[str, ...], needle: str) -> None:
    """Bad names, parameters, dtypes and shapes give one stderr line and exit 1."""
    line = assert_one_line_error(run(*args))
    assert line.startswith("mlxinit sample: error: ")
    assert needle in line


def _png_size(path: Path) -> tuple[int, int]:
    data = path.read_bytes()
    assert data[:8] == PNG_SIGNATURE
    assert data[12:16] == b"IHDR"
    width, height = struct.unpack(">II", data[16:24])
    return width, height


@pytest.mark.parametrize("name", ["truncated_normal", "glorot_uniform", "orthogonal"])
def test_sample_plot_writes_a_png(tmp_path: Path, name: str) -> None:
    """`--plot FILE.png` writes a real PNG of non-trivial size."""
    target = tmp_path / f"{name}.png"
    proc = run("sample", name, "--shape", "64", "32", "--plot", str(target))
    assert proc.returncode == 0, proc.stderr
    width, height = _png_size(target)
    assert width >= 300
    assert height >= 200
    assert target.stat().st_size > 5_000
    assert f"plot:         {target}" in proc.stdout


@pytest.mark.parametrize(
    ("suffix", "magic"),
    [(".svg", b"<?xml"), (".pdf", b"%PDF-"), (".PNG", PNG_SIGNATURE), (".jpg", b"\xff\xd8\xff"), (".eps", b"%!PS")],
)
def test_sample_plot_format_follows_the_suffix(tmp_path: Path, suffix: str, magic: bytes) -> None:
    """`--plot` writes the image format its suffix names (case-insensitively)."""
    target = tmp_path / f"normal{suffix}"
    proc = run("sample", "normal", "--shape", "64", "--plot", str(target))
    assert proc.returncode == 0, proc.stderr
    assert target.read_bytes().startswith(magic)


@pytest.mark.parametrize("name", ["x.bmp", "x", "x.png.txt"])
def test_sample_plot_refuses_an_unknown_suffix(tmp_path: Path, name: str) -> None:
    """An unknown or missing suffix is a usage error listing the supported ones; nothing is drawn."""
    target = tmp_path / name
    line = assert_one_line_error(run("sample", "normal", "--shape", "8", "--plot", str(target)), status=2)
    assert line.startswith("mlxinit sample: error: --plot: expected a plot file name ending in an image format")
    for supported in (".png", ".svg", ".pdf"):
        assert supported in line
    assert f"got {str(target)!r}" in line
    assert not target.exists()


def test_sample_plot_into_missing_directory_is_one_line(tmp_path: Path) -> None:
    """An unwritable plot path is one error line, not a traceback."""
    line = assert_one_line_error(run("sample", "normal", "--shape", "8", "--plot", str(tmp_path / "no" / "x.png")))
    assert "No such file or directory" in line


def test_sample_plot_without_matplotlib_says_how_to_install(tmp_path: Path) -> None:
    """With matplotlib unimportable, `--plot` prints the install command and exits 1."""
    blocker = "import sys\nsys.modules['matplotlib'] = None  # makes `import matplotlib` raise ImportError"
    target = tmp_path / "x.png"
    proc = run("sample", "normal", "--plot", str(target), prelude=blocker)
    line = assert_one_line_error(proc)
    assert "pip install 'mlxinit[plot]'" in line
    assert not target.exists()


# ---------------------------------------------------------------------- check


def test_check_passing_plugin(plugin_site: Path) -> None:
    """`check` prints a PASS line per name of a conformant plugin and exits 0."""
    proc = run("check", "acme-inits", pythonpath=plugin_site)
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert proc.stdout.splitlines()[:3] == [
        "acme-inits 1.2.0: ok",
        "  PASS  acme-inits:scaled",
        "  PASS  acme-inits:tiny",
    ]


def test_check_failing_plugin_exits_1(plugin_site: Path) -> None:
    """A plugin whose initializer ignores `dtype` gets a FAIL line with the reason and exit 1."""
    proc = run("check", "sloppy-inits", pythonpath=plugin_site)
    assert proc.returncode == 1
    assert "sloppy-inits 0.3: FAILED" in proc.stdout
    assert "  FAIL  sloppy-inits:ignores_dtype" in proc.stdout
    assert "returned dtype mlx.core.float32, expected mlx.core.float16" in proc.stdout
    assert "Traceback" not in proc.stderr


def test_check_broken_plugin_reports_the_failure(plugin_site: Path) -> None:
    """A plugin that fails to import is a FAIL line with the reason."""
    proc = run("check", "broken-inits", pythonpath=plugin_site)
    assert proc.returncode == 1
    assert "no_such_module_here" in proc.stdout


def test_check_unknown_distribution_fails() -> None:
    """`check` on a distribution that is not installed exits 1 and says so."""
    proc = run("check", "no-such-distribution-xyz")
    assert proc.returncode == 1
    assert "no installed distribution has that name" in proc.stdout + proc.stderr
    assert "Traceback" not in proc.stderr


def test_unexpected_errors_are_one_line() -> None:
    """Even a bug surfaces as one 'internal error' line unless MLXINIT_DEBUG is set."""
    prelude = "import mlxinit\ndef boom(*a, **k):\n    raise RuntimeError('boom')\nmlxinit.available = boom"
    line = assert_one_line_error(run("list", prelude=prelude))
    assert "internal error: RuntimeError: boom" in line
    debug = run("list", prelude=prelude, env={"MLXINIT_DEBUG": "1"})
    assert "Traceback" in debug.stderr


class _Terminal(io.StringIO):
    def isatty(self) -> bool:
        return True


def test_colour_and_alignment_only_on_a_terminal(monkeypatch: pytest.MonkeyPatch) -> None:
    """A terminal gets aligned, coloured tables; NO_COLOR keeps alignment without colour."""
    from mlxinit._cli import Style

    monkeypatch.delenv("NO_COLOR", raising=False)
    monkeypatch.setenv("TERM", "xterm")
    rows = [["a", "builtin", "x"], ["longer_name", "plugin", "y"]]
    tty = Style(_Terminal())
    lines = tty.table(("NAME", "SOURCE", "SUMMARY"), rows)
    assert "\x1b[1m" in lines[0]
    assert lines[1] == "a            builtin  x"
    monkeypatch.setenv("NO_COLOR", "1")
    plain_tty = Style(_Terminal())
    assert plain_tty.table(("NAME", "SOURCE", "SUMMARY"), rows)[0] == "NAME         SOURCE   SUMMARY"
    piped = Style(io.StringIO()).table(("NAME", "SOURCE", "SUMMARY"), rows)
    assert piped == ["a\tbuiltin\tx", "longer_name\tplugin\ty"]


def test_plot_distribution_refuses_formats_it_cannot_write(tmp_path: Path) -> None:
    """From Python too, an unknown suffix raises `PlotFormatError` (an `MlxinitError` and `ValueError`)."""
    import mlx.core as mx

    import mlxinit
    from mlxinit._plot import PlotFormatError, image_formats, plot_distribution, plot_format

    assert {"png", "svg", "pdf"} <= set(image_formats())
    assert plot_format("a/b.SVG") == "svg"
    with pytest.raises(PlotFormatError, match=r"expected a plot file name .*\.png.*got 'x\.bmp'") as err:
        plot_distribution(mx.zeros((4,)), {"name": "zeros"}, 0.0, "x.bmp")
    assert isinstance(err.value, mlxinit.MlxinitError)
    assert isinstance(err.value, ValueError)
    if shutil.which("xelatex") is None:  # .pgf is known to matplotlib but needs LaTeX
        with pytest.raises(PlotFormatError, match="could not write 'pgf'"):
            plot_distribution(mx.zeros((4,)), {"name": "zeros"}, 0.0, str(tmp_path / "x.pgf"))
