"""The ``mlxinit`` command line: list, info, plugins, presets, sample, check, verify.

Run as ``mlxinit COMMAND`` (console script) or ``python -m mlxinit COMMAND``. This module
is imported only by those two entry points, never by ``import mlxinit``.

Every error is reported as one line on stderr (never a traceback) and a non-zero exit
status: 2 for usage errors, 1 for everything else. Colour and aligned tables are used
only when stdout is a terminal and ``NO_COLOR`` is unset; otherwise the output is plain
(tab-separated where it is tabular), and ``--json`` gives machine-readable output.
"""

from __future__ import annotations

import argparse
import inspect
import json
import math
import os
import sys
from collections.abc import Sequence
from typing import TYPE_CHECKING, Any, NoReturn, TextIO, cast

from ._initializer import MAX_DIM
from ._text import description, param_docs, plain, split_default

if TYPE_CHECKING:
    from ._records import InitializerInfo, PresetInfo

__all__ = ["main"]

PROG = "mlxinit"

#: ``InitializerInfo.source`` values mapped to the ``--source`` filter's choices.
SOURCE_KIND = {"builtin": "builtin", "runtime": "runtime", "entry-point": "plugin", "hook": "plugin"}

FAN_RULE = (
    "MLX layout (out, *spatial, in): fan_in = shape[-1] * rf, fan_out = shape[0] * rf, "
    "rf = prod(shape[1:-1])"
)

class CliError(Exception):
    """An error to report as one line, with the exit status to use."""

    def __init__(self, message: str, status: int = 1) -> None:
        super().__init__(message)
        self.status = status


# ---------------------------------------------------------------------- output style


class Style:
    """Colour and alignment for a terminal; plain text for pipes and files."""

    def __init__(self, stream: TextIO) -> None:
        isatty = getattr(stream, "isatty", None)
        self.tty = bool(isatty and isatty())
        self.color = (
            self.tty
            and "NO_COLOR" not in os.environ
            and os.environ.get("TERM", "") != "dumb"
        )

    def _sgr(self, code: str, text: str) -> str:
        return f"\x1b[{code}m{text}\x1b[0m" if self.color and text else text

    def bold(self, text: str) -> str:
        return self._sgr("1", text)

    def dim(self, text: str) -> str:
        return self._sgr("2", text)

    def green(self, text: str) -> str:
        return self._sgr("32", text)

    def red(self, text: str) -> str:
        return self._sgr("31", text)

    def yellow(self, text: str) -> str:
        return self._sgr("33", text)

    def table(self, header: Sequence[str], rows: Sequence[Sequence[str]]) -> list[str]:
        """Aligned columns with a bold header on a terminal; tab-separated rows otherwise."""
        if not self.tty:
            return ["\t".join(r) for r in rows]
        widths = [max([len(h)] + [len(r[i]) for r in rows]) for i, h in enumerate(header)]
        lines = ["  ".join(self.bold(h.ljust(w)) for h, w in zip(header, widths, strict=True)).rstrip()]
        for r in rows:
            cells = [c.ljust(w) for c, w in zip(r[:-1], widths[:-1], strict=True)] + [r[-1]]
            lines.append("  ".join(cells).rstrip())
        return lines


def _emit(lines: Sequence[str]) -> None:
    for line in lines:
        print(line)


def _json(obj: Any) -> None:
    print(json.dumps(obj, indent=2, sort_keys=False, default=_json_default))


def _json_default(obj: Any) -> Any:
    if obj is inspect.Parameter.empty:
        return None
    return repr(obj)


# ---------------------------------------------------------------------- argument parsing


class _Parser(argparse.ArgumentParser):
    """An ``ArgumentParser`` whose usage errors are one line and exit status 2."""

    def error(self, message: str) -> NoReturn:
        raise CliError(f"{self.prog}: error: {message} (see '{self.prog} --help')", 2)


def _param(text: str) -> tuple[str, Any]:
    """``k=v`` with ``v`` read as a JSON literal (``2``, ``0.5``, ``true``, ``"x"``), else a string."""
    key, sep, raw = text.partition("=")
    key = key.strip()
    if not sep or not key:
        raise argparse.ArgumentTypeError(f"expected KEY=VALUE, got {text!r}")
    if key in _NOT_PARAMS:
        raise argparse.ArgumentTypeError(f"{key!r} is not a hyper-parameter; {_NOT_PARAMS[key]} (got {text!r})")
    try:
        value = json.loads(raw)
    except ValueError:
        value = raw
    return key, value


#: ``--param`` keys that are options of their own (``get()``'s keywords that are not hyper-parameters).
_NOT_PARAMS = {
    "dtype": "use --dtype",
    "seed": "use --seed",
    "key": "use --seed (a key's stream is the seed's)",
    "registry": "factories that declare it get the registry building them",
}


def _dim(text: str) -> int:
    try:
        n = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected a non-negative integer, got {text!r}") from None
    if not 0 <= n <= MAX_DIM:
        raise argparse.ArgumentTypeError(f"expected a non-negative integer below 2**31 (as MLX's), got {text!r}")
    return n


def _seed(text: str) -> int:
    try:
        n = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected an integer in [0, 2**64), got {text!r}") from None
    if not 0 <= n < 2**64:
        raise argparse.ArgumentTypeError(f"expected an integer in [0, 2**64), got {text!r}")
    return n


def build_parser() -> argparse.ArgumentParser:
    """The ``mlxinit`` argument parser with its seven commands."""
    parser = _Parser(
        prog=PROG,
        description="Named weight initializers for MLX: look them up, sample them, check plugins.",
        epilog="Run 'mlxinit COMMAND --help' for a command's options. "
        "Set MLXINIT_DEBUG=1 to see tracebacks of unexpected errors.",
    )
    parser.add_argument("--version", action="store_true", help="print the mlxinit version and exit")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND", parser_class=_Parser)

    p = sub.add_parser(
        "list",
        help="list initializer names with a one-line summary and their source",
        description="List initializer names, their one-line summary and where each comes from. "
        "PATTERN is a shell-style pattern ('he_*'); without wildcards it names a namespace or "
        "distribution ('torch', 'mlxinit-compat', 'mlxinit') or else matches substrings.",
    )
    p.add_argument(
        "pattern", nargs="?", metavar="PATTERN", help="filter names, e.g. 'he_*', 'uniform' or a namespace ('torch')"
    )
    p.add_argument(
        "--source",
        choices=("builtin", "plugin", "runtime"),
        help="only names from the built-ins, installed plugins, or runtime registrations",
    )
    p.add_argument("--json", action="store_true", help="print JSON")
    p.set_defaults(func=cmd_list)

    p = sub.add_parser(
        "info",
        help="describe one initializer (or preset): aliases, parameters, formula, fans, provenance",
        description="Describe an initializer: canonical name, aliases, parameters and defaults, "
        "summary or formula, the fan rule and where it comes from. A plugin's module is imported "
        "to read them. NAME may also be a whole-model preset: its options and summary.",
    )
    p.add_argument("name", metavar="NAME", help="an initializer name, alias or 'dist:name', or a preset name")
    p.add_argument("--json", action="store_true", help="print JSON")
    p.set_defaults(func=cmd_info)

    p = sub.add_parser(
        "plugins",
        help="show installed plugin distributions, their names, failures and conflicts",
        description="Show the plugin distributions discovery found, with versions, the names each "
        "provides, failures (with the reason) and conflicts, and the MLXINIT_* controls in force.",
    )
    p.add_argument("--json", action="store_true", help="print JSON")
    p.set_defaults(func=cmd_plugins)

    p = sub.add_parser(
        "presets",
        help="list whole-model presets with a one-line summary and their source",
        description="List the presets mlxinit.apply(model, preset=NAME) accepts: registered at runtime "
        "or declared by installed plugins (the mlxinit.presets entry-point group), under the same "
        "MLXINIT_* controls as initializers. 'mlxinit info NAME' shows a preset's options.",
    )
    p.add_argument("pattern", nargs="?", metavar="PATTERN", help="filter names, e.g. 'gpt*'")
    p.add_argument("--json", action="store_true", help="print JSON")
    p.set_defaults(func=cmd_presets)

    p = sub.add_parser(
        "sample",
        help="draw one array and print its statistics (optionally plot a histogram)",
        description="Build NAME, fill an array of --shape and --dtype, and print mean, std, min, max, "
        "the fraction of zeros and the std the initializer promises.",
    )
    p.add_argument("name", metavar="NAME", help="an initializer name, alias or 'dist:name'")
    p.add_argument(
        "--shape", nargs="+", type=_dim, default=[256, 256], metavar="N", help="array shape (default: 256 256)"
    )
    p.add_argument("--dtype", default=None, help="float32 (default), float16/fp16/half or bfloat16/bf16")
    p.add_argument(
        "--param",
        action="append",
        type=_param,
        default=[],
        metavar="KEY=VALUE",
        help="a hyper-parameter; VALUE is read as JSON (2, 0.5, true, \"fan_out\") or else as a string",
    )
    p.add_argument("--seed", type=_seed, default=0, help="seed of the initializer's key stream (default: 0)")
    p.add_argument(
        "--plot",
        metavar="FILE",
        help="write a histogram with the theoretical density; the suffix names the format (.png, .svg, .pdf, ...)",
    )
    p.add_argument("--json", action="store_true", help="print JSON")
    p.add_argument(
        "--progress",
        action=argparse.BooleanOptionalAction,
        default=None,
        help="show progress on stderr (default: only on a terminal, for arrays of 256 MiB or more)",
    )
    p.set_defaults(func=cmd_sample)

    p = sub.add_parser(
        "check",
        help="run the plugin conformance checks on an installed distribution",
        description="Run mlxinit.testing's conformance checks on every initializer an installed "
        "plugin distribution provides; prints one pass/fail line per name and exits 1 on any failure.",
    )
    p.add_argument("distribution", metavar="DISTRIBUTION", help="the plugin's distribution name")
    p.set_defaults(func=cmd_check)
    _add_verify(sub)
    return parser


# ---------------------------------------------------------------------- commands


def _source_kind(source: str) -> str:
    return SOURCE_KIND.get(source, source)


def _provenance(info: InitializerInfo) -> str:
    if info.distribution:
        return f"{info.distribution} {info.version or ''}".rstrip()
    return info.source


def cmd_list(args: argparse.Namespace, style: Style) -> int:
    import mlxinit

    pattern = args.pattern
    namespace = None
    if pattern is not None and not any(c in pattern for c in "*?["):
        if pattern.strip() and mlxinit.available(namespace=pattern):
            namespace, pattern = pattern, None  # a namespace or distribution: its names
        else:
            pattern = f"*{pattern}*"
    rows = []
    for listed in mlxinit.available(pattern, namespace=namespace):
        try:
            infos = [(listed, mlxinit.info(listed, load=False))]
        except mlxinit.InitializerConflictError as e:  # a plain name several plugins claim
            infos = [(q, mlxinit.info(q, load=False)) for _, _, q in sorted(e.providers, key=lambda p: p[2])]
        for name, info in infos:
            kind = _source_kind(info.source)
            if args.source and kind != args.source:
                continue
            rows.append(_list_row(name, info, kind))
    if args.json:
        _json(rows)
        return 0
    if not rows:
        what = f" matching {args.pattern!r}" if args.pattern else ""
        where = f" from source {args.source!r}" if args.source else ""
        raise CliError(f"mlxinit list: no initializer{what}{where}. Try 'mlxinit list' for every name.")
    table = [
        [
            r["name"],
            r["source"] if r["source"] != "plugin" else f"plugin ({r['distribution']})",
            r["summary"] or ("(not loaded yet)" if not r["loaded"] else ""),
        ]
        for r in rows
    ]
    _emit(style.table(("NAME", "SOURCE", "SUMMARY"), table))
    return 0


def _list_row(name: str, info: InitializerInfo, kind: str) -> dict[str, Any]:
    return {
        "name": name if ":" in name else info.name,
        "aliases": list(info.aliases),
        "source": kind,
        "origin": info.source,
        "distribution": info.distribution,
        "version": info.version,
        "summary": plain(info.summary) or None,
        "loaded": info.loaded,
    }


def _describe(doc: str | None) -> str:
    """The docstring's prose (everything before its first Google-style section), as plain text."""
    return description(doc)


def _fmt_default(p: Any) -> str:
    return "(required)" if p.required else f"= {p.default!r}"


def _param_lines(params: Sequence[Any], doc: str | None) -> list[str]:
    """One line per parameter: name, default, and its ``Args:`` description as plain text.

    The description's closing ``Default: ...`` sentence is left out: the default shown is
    the factory's own.
    """
    docs = param_docs(doc)
    heads = [f"{p.name} {_fmt_default(p)}" for p in params]
    # Align descriptions on the usual short heads; a long default gets its description below it.
    width = max((len(h) for h in heads if len(h) <= _ALIGN_LIMIT), default=0)
    lines = []
    for p, head in zip(params, heads, strict=True):
        text = split_default(docs[p.name])[0] if p.name in docs else ""
        if len(head) > _ALIGN_LIMIT and text:
            lines += [f"  {head}", f"  {'':{width}}  {text}".rstrip()]
        else:
            lines.append(f"  {head.ljust(width)}  {text}".rstrip())
    return lines


#: Parameter heads (``name = default``) longer than this are not used for alignment.
_ALIGN_LIMIT = 40


def cmd_info(args: argparse.Namespace, style: Style) -> int:
    import mlxinit

    try:
        info = mlxinit.info(args.name)
    except mlxinit.UnknownInitializerError as unknown:
        try:  # not an initializer: maybe a whole-model preset
            return _preset_info(args, style)
        except mlxinit.UnknownPresetError:
            raise unknown from None
    kind = _source_kind(info.source)
    docs = param_docs(info.doc)
    params = None if info.params is None else [
        {"name": p.name, "default": None if p.required else p.default, "required": p.required,
         "annotation": p.annotation, "description": docs.get(p.name)}
        for p in info.params
    ]
    if args.json:
        _json(
            {
                "kind": "initializer",
                "name": info.name,
                "aliases": list(info.aliases),
                "qualified_names": list(info.qualified_names),
                "source": kind,
                "origin": info.source,
                "distribution": info.distribution,
                "version": info.version,
                "target": info.target,
                "loaded": info.loaded,
                "summary": plain(info.summary) or None,
                "description": _describe(info.doc) or None,
                "parameters": params,
                "fan_rule": FAN_RULE,
            }
        )
        return 0
    key = style.bold
    lines = [f"{key('name:')}         {style.green(info.name)}"]
    lines.append(f"{key('aliases:')}      {', '.join(info.aliases) or '-'}")
    if info.qualified_names:
        lines.append(f"{key('qualified:')}    {', '.join(info.qualified_names)}")
    lines.append(f"{key('source:')}       {kind} ({info.source})" if kind != info.source else
                 f"{key('source:')}       {kind}")
    lines.append(f"{key('distribution:')} {_provenance(info) if info.distribution else '-'}")
    lines.append(f"{key('target:')}       {info.target or '-'}")
    lines.append(f"{key('loaded:')}       {'yes' if info.loaded else 'no (the plugin is imported on first use)'}")
    if info.params is None:
        lines.append(f"{key('parameters:')}   unknown until the plugin is loaded")
    elif not info.params:
        lines.append(f"{key('parameters:')}   none")
    else:
        lines.append(key("parameters:"))
        lines += _param_lines(info.params, info.doc)
    lines.append(f"{key('fan rule:')}     {FAN_RULE}")
    description = _describe(info.doc)
    if description:
        lines.append("")
        lines += description.splitlines()
    _emit(lines)
    return 0


def _preset_info(args: argparse.Namespace, style: Style) -> int:
    """``mlxinit info NAME`` for a whole-model preset: its options, summary and provenance."""
    import mlxinit

    info = mlxinit.default_registry().preset_info(args.name)
    docs = param_docs(info.doc)
    options = [
        {"name": p.name, "default": None if p.required else p.default, "required": p.required,
         "annotation": p.annotation, "description": docs.get(p.name)}
        for p in info.options or ()
    ]
    if args.json:
        _json(
            {
                "kind": "preset",
                "name": info.name,
                "source": _source_kind(info.source),
                "origin": info.source,
                "distribution": info.distribution,
                "version": info.version,
                "target": info.target,
                "summary": plain(info.summary) or None,
                "description": _describe(info.doc) or None,
                "options": options,
            }
        )
        return 0
    key = style.bold
    where = f"{info.distribution} {info.version or ''}".rstrip() if info.distribution else "-"
    lines = [
        f"{key('preset:')}       {style.green(info.name)}",
        f"{key('source:')}       {_source_kind(info.source)}",
        f"{key('distribution:')} {where}",
        f"{key('target:')}       {info.target or '-'}",
        f"{key('usage:')}        mlxinit.apply(model, preset={{'name': {info.name!r}, ...options}})",
    ]
    if not info.options:
        lines.append(f"{key('options:')}      none")
    else:
        lines.append(key("options:"))
        lines += _param_lines(info.options, info.doc)
    description = _describe(info.doc)
    if description:
        lines.append("")
        lines += description.splitlines()
    _emit(lines)
    return 0


def cmd_presets(args: argparse.Namespace, style: Style) -> int:
    import mlxinit

    pattern = args.pattern
    if pattern is not None and not any(c in pattern for c in "*?["):
        pattern = f"*{pattern}*"
    rows: list[dict[str, Any]] = []
    for name in mlxinit.available_presets(pattern):
        try:
            info: PresetInfo | None = mlxinit.default_registry().preset_info(name)
            problem = None
        except mlxinit.MlxinitError as e:  # a preset that fails to load (or a conflict) is listed with why
            info, problem = None, " ".join(str(e).split())
        rows.append(
            {
                "name": name,
                "source": _source_kind(info.source) if info else None,
                "distribution": info.distribution if info else None,
                "version": info.version if info else None,
                "summary": (plain(info.summary) or None) if info else None,
                "options": [p.name for p in (info.options or ())] if info else None,
                "error": problem,
            }
        )
    if args.json:
        _json(rows)
        return 0
    if not rows:
        what = f" matching {args.pattern!r}" if args.pattern else ""
        raise CliError(
            f"mlxinit presets: no preset{what}. Presets come from mlxinit.register_preset() or installed "
            "plugins (e.g. mlxinit-compat); see 'mlxinit plugins'."
        )
    table: list[list[str]] = []
    for r in rows:
        source = "-" if r["source"] is None else r["source"]
        if source == "plugin":
            source = f"plugin ({r['distribution']})"
        table.append([r["name"], source, r["summary"] or (f"(failed: {r['error']})" if r["error"] else "")])
    _emit(style.table(("NAME", "SOURCE", "SUMMARY"), table))
    return 0


def cmd_plugins(args: argparse.Namespace, style: Style) -> int:
    import mlxinit

    report = mlxinit.plugin_report()
    if args.json:
        _json(
            {
                "autoload": report.autoload,
                "selected": None if report.selected is None else list(report.selected),
                "blocked": list(report.blocked),
                "plugins": [
                    {
                        "distribution": p.distribution,
                        "version": p.version,
                        "names": list(p.names),
                        "presets": list(p.presets),
                        "entry_points": list(p.entry_points),
                        "blocked": p.blocked,
                        "reserved": list(p.reserved),
                        "failures": [{"where": f.where, "reason": f.reason} for f in p.failures],
                    }
                    for p in report.plugins
                ],
                "conflicts": {k: sorted(v) for k, v in sorted(report.conflicts.items())},
            }
        )
        return 0
    lines = []
    if not report.autoload:
        lines.append(style.yellow("autoload: disabled (MLXINIT_DISABLE_PLUGIN_AUTOLOAD is set)"))
    if report.selected is not None:
        lines.append(f"selected: MLXINIT_PLUGINS={','.join(report.selected)}")
    if report.blocked:
        lines.append(f"blocked: {', '.join(report.blocked)}")
    if not report.plugins:
        lines.append("no plugin distributions found")
    for p in report.plugins:
        head = f"{style.bold(p.distribution)} {p.version or '(unknown version)'}"
        head += f": {p.count} name{'s' if p.count != 1 else ''}"
        if p.blocked:
            head += " " + style.yellow("[blocked]")
        if p.failures:
            head += " " + style.red(f"[{len(p.failures)} failure{'s' if len(p.failures) != 1 else ''}]")
        lines.append(head)
        if p.names:
            lines.append(f"  names: {', '.join(p.names)}")
        if p.presets:
            lines.append(f"  presets: {', '.join(p.presets)}")
        if p.reserved:
            lines.append(f"  reserved (the built-in keeps them): {', '.join(p.reserved)}")
        lines += [f"  {style.red('failed:')} {f.where}: {f.reason}" for f in p.failures]
    if report.conflicts:
        lines.append(style.bold("conflicts:"))
        lines += [
            f"  {name}: {', '.join(sorted(claims))} (use a qualified name or MLXINIT_PREFER={name}=DIST)"
            for name, claims in sorted(report.conflicts.items())
        ]
    _emit(lines)
    return 0


def _stats(w: Any) -> dict[str, float]:
    """Mean, std (population), min, max and the fraction of zeros of a non-empty array.

    Computed in float64 on the CPU (float32 accumulation drifts: the std of a 4096²
    orthogonal matrix reads 0.0154 instead of 1/64).
    """
    import mlx.core as mx

    cpu = mx.cpu
    x = w.astype(mx.float64, stream=cpu)
    stats = {
        "mean": mx.mean(x, stream=cpu),
        "std": mx.std(x, stream=cpu),
        "min": mx.min(x, stream=cpu),
        "max": mx.max(x, stream=cpu),
        "zeros": mx.mean((x == 0).astype(mx.float64, stream=cpu), stream=cpu),
    }
    mx.eval(*stats.values())
    return {k: float(cast(float, v.item())) for k, v in stats.items()}


def _check_shape(shape: tuple[int, ...]) -> None:
    if 0 in shape:
        raise CliError(
            "mlxinit sample: error: --shape: expected every dimension >= 1 (an empty array has no "
            f"statistics), got {' x '.join(map(str, shape))} (see 'mlxinit sample --help')",
            2,
        )


def _check_plot(path: str) -> None:
    from ._plot import PlotFormatError, plot_format, require_matplotlib

    require_matplotlib()
    try:
        plot_format(path)
    except PlotFormatError as e:
        raise CliError(f"mlxinit sample: error: --plot: {str(e).rstrip('.')} (see 'mlxinit sample --help')", 2) from e


def cmd_sample(args: argparse.Namespace, style: Style) -> int:
    import mlx.core as mx

    import mlxinit

    from ._dtypes import resolve_dtype
    from ._progress import progress_for

    params = dict(args.param)
    shape = tuple(args.shape)
    _check_shape(shape)
    if args.plot:
        _check_plot(args.plot)
    dtype = resolve_dtype(args.dtype) or mx.float32
    init = mlxinit.get(args.name, dtype=args.dtype, seed=args.seed, **params)
    config = dict(init.config)
    size = math.prod(shape)
    steps = 3 if args.plot else 2
    with progress_for(
        f"mlxinit sample {args.name}",
        0,
        steps,
        args.progress,
        items="steps",
        work_bytes=size * dtype.size,
        caller="sample",
    ) as bar:

        def step(text: str) -> None:  # the previous step is done; name the next
            if bar is not None:
                if bar.phase_text:
                    bar.advance(0)
                bar.phase(text)

        step(f"drawing {size:,} values")
        w = init(mx.zeros(shape, dtype=dtype))
        mx.eval(w)
        step("statistics")
        stats = _stats(w)
        promised = init.expected_std(shape)
        if args.plot:
            from ._plot import density, plot_distribution

            step("plotting")
            plot_distribution(w, config, promised, args.plot, dens=density(init, shape))
        if bar is not None:
            bar.advance(0)
    out = {
        "name": config.get("name", args.name),
        "config": config,
        "shape": list(shape),
        "dtype": str(w.dtype).removeprefix("mlx.core."),
        **stats,
        "expected_std": promised,
        "plot": args.plot,
    }
    if args.json:
        _json(out)
        return 0
    fmt = "{:.6g}".format
    lines = [
        f"{style.bold('initializer:')}  {json.dumps(config)}",
        f"{style.bold('shape:')}        {' x '.join(map(str, shape)) or '()'}  ({out['dtype']})",
        f"{style.bold('mean:')}         {fmt(stats['mean'])}",
        f"{style.bold('std:')}          {fmt(stats['std'])}",
        f"{style.bold('min:')}          {fmt(stats['min'])}",
        f"{style.bold('max:')}          {fmt(stats['max'])}",
        f"{style.bold('zeros:')}        {fmt(stats['zeros'])}",
        f"{style.bold('promised std:')} {'n/a' if promised is None else fmt(promised)}",
    ]
    if args.plot:
        lines.append(f"{style.bold('plot:')}         {args.plot}")
    _emit(lines)
    return 0


def cmd_check(args: argparse.Namespace, style: Style) -> int:
    from .testing import check_plugin

    result = check_plugin(args.distribution)
    if not result.names and not result.failures:
        why = "; ".join(result.notes) or "nothing to check"
        raise CliError(f"mlxinit check: error: {args.distribution}: {why}. See 'mlxinit plugins'.")
    verdict = style.green("ok") if result.ok else style.red("FAILED")
    lines = [f"{style.bold(result.distribution)} {result.version or '(unknown version)'}: {verdict}"]
    for n in result.names:
        mark = style.green("PASS") if n.passed else style.red("FAIL")
        lines.append(f"  {mark}  {n.qualified}")
        lines += [f"        {p}" for p in n.problems]
    lines += [f"  {style.red('FAIL')}  {f.where}: {f.reason}" for f in result.failures]
    lines += [f"  {style.yellow('NOTE')}  {note}" for note in result.notes]
    _emit(lines)
    return 0 if result.ok else 1


# ---------------------------------------------------------------------- verify


def _add_verify(sub: Any) -> None:
    p = sub.add_parser(
        "verify",
        help="check that a model's parameters hold what their rules promise",
        description="Build a model with --model, optionally load --weights or --apply the rules, and compare "
        "each parameter's mean, std, bounds and zeros with what its rule (from --preset, --rules, or the "
        "recipe saved in --weights by mlxinit.save) promises. Prints a table; exits 1 when anything is flagged.",
    )
    p.add_argument(
        "--model",
        required=True,
        metavar="MODULE:CALLABLE",
        help="a callable that takes no arguments and returns the mlx.nn.Module, e.g. 'mypkg.models:tiny_gpt2' "
        "(the module is imported; the current directory is on the import path)",
    )
    p.add_argument("--preset", metavar="NAME", help="a preset name, e.g. gpt2, llama, torch-default")
    p.add_argument("--rules", metavar="FILE", help="a recipe file (.json, .toml, .yaml) with rules, preset and seed")
    p.add_argument(
        "--weights",
        metavar="FILE",
        help="load these weights (.safetensors, .npz) into the model first; a file written by mlxinit.save "
        "carries its recipe, used when neither --preset nor --rules is given",
    )
    p.add_argument("--apply", action="store_true", help="initialize the model with the rules first (with --seed)")
    p.add_argument("--seed", type=_seed, default=None, help="seed for --apply (default: the recipe's, else 0)")
    p.add_argument("--json", action="store_true", help="print JSON")
    p.set_defaults(func=cmd_verify)


def _load_model(spec: str) -> Any:
    import importlib

    from mlx.nn.layers.base import Module

    module_name, sep, attr = spec.partition(":")
    if not sep or not module_name or not attr:
        raise CliError(f"mlxinit verify: error: --model: expected MODULE:CALLABLE, got {spec!r}", 2)
    if os.getcwd() not in sys.path:
        sys.path.insert(0, os.getcwd())
    try:
        obj: Any = importlib.import_module(module_name)
    except ImportError as e:
        raise CliError(f"mlxinit verify: error: --model: cannot import {module_name!r}: {e}") from e
    for part in attr.split("."):
        if not hasattr(obj, part):
            raise CliError(f"mlxinit verify: error: --model: {module_name!r} has no attribute {attr!r}")
        obj = getattr(obj, part)
    model = obj() if callable(obj) and not isinstance(obj, Module) else obj
    if not isinstance(model, Module):
        raise CliError(
            f"mlxinit verify: error: --model: {spec} returned {type(model).__name__}, expected an mlx.nn.Module"
        )
    return model


def cmd_verify(args: argparse.Namespace, style: Style) -> int:
    import mlxinit

    from ._checkpoint import KEY_RECIPE, read_metadata
    from ._recipe import Recipe, load_recipe

    model = _load_model(args.model)
    recipe: Recipe | None = load_recipe(args.rules) if args.rules else None
    if args.weights:
        if args.weights.endswith(".safetensors") and recipe is None and args.preset is None:
            meta = read_metadata(args.weights)
            if KEY_RECIPE in meta:
                recipe = Recipe.from_dict(json.loads(meta[KEY_RECIPE]), source=f"{args.weights} (mlxinit.recipe)")
        try:
            model.load_weights(args.weights)
        except (ValueError, OSError, RuntimeError) as e:
            raise CliError(f"mlxinit verify: error: --weights: {e}") from e
    if recipe is None and args.preset is None:
        raise CliError(
            "mlxinit verify: error: give --preset or --rules (or --weights written by mlxinit.save) "
            "to say what the parameters should hold (see 'mlxinit verify --help')",
            2,
        )
    if args.apply:
        seed = args.seed if args.seed is not None else (recipe.seed if recipe and recipe.seed is not None else 0)
        mlxinit.apply(model, recipe, preset=args.preset, seed=seed)
    report = mlxinit.verify(model, recipe, preset=args.preset)
    if args.json:
        print(report.to_json())
        return 0 if report.ok else 1
    text = str(report)
    if style.color:
        text = text.replace("flagged:", style.red("flagged:")).replace("FLAGGED:", style.red("FLAGGED:"))
    _emit(text.splitlines())
    return 0 if report.ok else 1


# ---------------------------------------------------------------------- entry point


def _error(message: str) -> None:
    line = " ".join(message.split())  # one line, whatever the exception said
    style = Style(sys.stderr)
    print(style.red(line) if style.color else line, file=sys.stderr)


def main(argv: Sequence[str] | None = None) -> int:
    """Run the command line; returns the exit status (also after ``--help``)."""
    from ._errors import MlxinitError

    parser = build_parser()
    command = ""
    try:
        args = parser.parse_args(argv)
        if args.version:
            import mlxinit

            print(f"mlxinit {mlxinit.__version__}")
            return 0
        command = args.command or ""
        if args.command is None:
            parser.print_help()
            return 2
        return int(args.func(args, Style(sys.stdout)))
    except CliError as e:
        _error(str(e))
        return e.status
    except MlxinitError as e:
        _error(f"mlxinit {command}: error: {e}" if command else f"mlxinit: error: {e}")
        return 1
    except BrokenPipeError:  # e.g. 'mlxinit list | head -1'
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
        return 1
    except OSError as e:  # e.g. --plot into a missing directory
        _error(f"mlxinit {command}: error: {e}")
        return 1
    except KeyboardInterrupt:
        return 130
    except SystemExit as e:  # argparse's --help: the status, as for every other outcome
        return e.code if isinstance(e.code, int) else 0
    except Exception as e:
        if os.environ.get("MLXINIT_DEBUG"):
            raise
        _error(
            f"mlxinit: internal error: {type(e).__name__}: {e} "
            "(set MLXINIT_DEBUG=1 for the traceback and report it)"
        )
        return 1
