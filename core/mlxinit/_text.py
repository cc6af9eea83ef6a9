"""Docstrings as plain text, for the command line.

Initializer docstrings are written for Sphinx: reStructuredText (or MyST) inline markup
(``double backticks``, ``:func:`x```, ``**bold**``, links), ``.. math::`` blocks and
``:math:`` roles in LaTeX, Google-style sections with ``Default:`` sentences. A terminal
shows them raw. :func:`plain` turns such text into what a reader expects to see: markup
gone, cross-references as names (``eye()``), LaTeX as Unicode (``σ = γ · 1/sqrt(fan)``),
literal and doctest blocks kept as written. It is plain Python (no docutils), so the
command line needs nothing beyond mlxinit's own dependencies, and it never fails: text
it does not recognise is passed through.
"""

from __future__ import annotations

import inspect
import re

__all__ = ["description", "inline", "latex_to_text", "param_docs", "plain", "split_default"]

#: Google-style section headers: where a docstring's prose ends.
GOOGLE_SECTIONS = frozenset(
    {
        "Args:",
        "Arguments:",
        "Parameters:",
        "Keyword Args:",
        "Keyword Arguments:",
        "Other Parameters:",
        "Returns:",
        "Return:",
        "Raises:",
        "Example:",
        "Examples:",
        "Attributes:",
        "Note:",
        "Notes:",
        "Warning:",
        "Warnings:",
        "See Also:",
        "Yields:",
        "Yield:",
        "References:",
        "Todo:",
    }
)
_ARGS_SECTIONS = frozenset({"Args:", "Arguments:", "Parameters:", "Keyword Args:", "Keyword Arguments:"})

# ----------------------------------------------------------------------------- LaTeX

_GREEK = [
    "alpha", "beta", "gamma", "delta", "epsilon", "zeta", "eta", "theta", "iota", "kappa", "lambda", "mu",
    "nu", "xi", "pi", "rho", "sigma", "tau", "upsilon", "phi", "chi", "psi", "omega",
]
_GREEK_LOWER = "αβγδεζηθικλμνξπρστυφχψω"
_GREEK_UPPER = {"Gamma": "Γ", "Delta": "Δ", "Theta": "Θ", "Lambda": "Λ", "Xi": "Ξ", "Pi": "Π", "Sigma": "Σ",
                "Upsilon": "Υ", "Phi": "Φ", "Psi": "Ψ", "Omega": "Ω"}
_SYMBOLS: dict[str, str] = {
    **dict(zip(_GREEK, _GREEK_LOWER, strict=True)),
    **_GREEK_UPPER,
    "varepsilon": "ε",
    "vartheta": "ϑ",
    "varphi": "φ",
    "cdot": "·",
    "times": "×",
    "div": "÷",
    "pm": "±",
    "mp": "∓",
    "le": "≤",
    "leq": "≤",
    "ge": "≥",
    "geq": "≥",
    "ne": "≠",
    "neq": "≠",
    "approx": "≈",
    "sim": "~",
    "propto": "∝",
    "equiv": "≡",
    "infty": "∞",
    "in": "∈",
    "notin": "∉",
    "sum": "Σ",
    "prod": "Π",
    "to": "→",
    "rightarrow": "→",
    "leftarrow": "←",
    "mapsto": "↦",
    "ldots": "…",
    "cdots": "…",
    "dots": "…",
    "partial": "∂",
    "nabla": "∇",
    "lfloor": "⌊",
    "rfloor": "⌋",
    "lceil": "⌈",
    "rceil": "⌉",
    "mid": "|",
    "lvert": "|",
    "rvert": "|",
    "vert": "|",
    "|": "‖",
    "{": "{",
    "}": "}",
    "_": "_",
    "%": "%",
    "&": "&",
    "#": "#",
    "$": "$",
    "quad": "  ",
    "qquad": "    ",
    ",": " ",
    ";": " ",
    ":": " ",
    " ": " ",
    "!": "",
    "\\": "; ",
    "left": "",
    "right": "",
    "big": "",
    "Big": "",
    "bigg": "",
    "Bigg": "",
    "displaystyle": "",
    "limits": "",
    "log": "log",
    "ln": "ln",
    "exp": "exp",
    "min": "min",
    "max": "max",
}
#: Commands whose one argument is shown as is (``\text{fan}`` -> ``fan``).
_TEXT_COMMANDS = frozenset(
    {"text", "textrm", "textit", "textbf", "texttt", "mathrm", "mathit", "mathbf", "mathsf", "mathtt",
     "mathcal", "mathbb", "mathfrak", "operatorname", "boldsymbol", "bm", "mbox", "hat", "bar", "tilde",
     "vec", "widehat", "overline"}
)
_COMMAND = re.compile(r"\\([A-Za-z]+|.)", re.DOTALL)
_SUPERSCRIPTS = str.maketrans("0123456789+-=()n", "⁰¹²³⁴⁵⁶⁷⁸⁹⁺⁻⁼⁽⁾ⁿ")
_SIMPLE = re.compile(r"[\w.·]+(?:\([^()]*\))?|\([^()]*\)")


def _group(src: str, i: int) -> tuple[str, int]:
    """The argument starting at ``src[i]`` (a ``{...}`` group, a command or one character) and the end."""
    while i < len(src) and src[i] == " ":
        i += 1
    if i >= len(src):
        return "", i
    if src[i] == "{":
        depth, j = 0, i
        while j < len(src):
            if src[j] == "\\":
                j += 2
                continue
            if src[j] == "{":
                depth += 1
            elif src[j] == "}":
                depth -= 1
                if depth == 0:
                    return src[i + 1 : j], j + 1
            j += 1
        return src[i + 1 :], len(src)
    if src[i] == "\\":
        m = _COMMAND.match(src, i)
        if m is None:  # a trailing backslash
            return "", len(src)
        return m.group(0), m.end()
    return src[i], i + 1


def _operand(text: str) -> str:
    """``text`` parenthesised unless it is one simple term."""
    text = text.strip()
    return text if _SIMPLE.fullmatch(text) else f"({text})"


def latex_to_text(src: str) -> str:
    """LaTeX math as readable Unicode text.

    Greek letters and operators become their symbols, ``\\frac{a}{b}`` becomes ``a/b``
    (parenthesised where needed), ``\\sqrt{x}`` becomes ``sqrt(x)``, digit superscripts
    become ``²``-style characters, and font commands (``\\text``, ``\\mathrm``, ...) keep
    their argument. Unknown commands lose their backslash.

    Example:
        >>> latex_to_text(r"\\sigma = \\gamma \\frac{1}{\\sqrt{\\text{fan}}}")
        'σ = γ 1/sqrt(fan)'
        >>> latex_to_text(r"\\text{limit} = \\gamma \\sqrt{\\frac{6.0}{\\text{fan\\_in} + \\text{fan\\_out}}}")
        'limit = γ sqrt(6.0/(fan_in + fan_out))'
        >>> latex_to_text(r"\\mathcal{N}(0, \\sigma^2)")
        'N(0, σ²)'
    """
    out: list[str] = []
    i = 0
    while i < len(src):
        c = src[i]
        if c == "\\":
            m = _COMMAND.match(src, i)
            if m is None:  # a trailing backslash
                i += 1
                continue
            cmd = m.group(1)
            i = m.end()
            if cmd == "frac" or cmd == "dfrac" or cmd == "tfrac":
                num, i = _group(src, i)
                den, i = _group(src, i)
                out.append(f"{_operand(latex_to_text(num))}/{_operand(latex_to_text(den))}")
            elif cmd == "sqrt":
                root = ""
                end = src.find("]", i) if src[i : i + 1] == "[" else -1
                if end != -1:
                    root, i = latex_to_text(src[i + 1 : end]), end + 1
                arg, i = _group(src, i)
                body = latex_to_text(arg).strip()
                out.append(f"root{root}({body})" if root else f"sqrt({body})")
            elif cmd in _TEXT_COMMANDS:
                arg, i = _group(src, i)
                out.append(latex_to_text(arg))
            elif cmd in _SYMBOLS:
                sym = _SYMBOLS[cmd]
                if cmd.isalpha() and sym.isalpha() and len(sym) > 1:  # \log, \exp: a word
                    sym += " " if src[i : i + 1].isalnum() else ""
                out.append(sym)
                if cmd.isalpha() and src[i : i + 1] == " " and cmd in ("left", "right", "big", "Big"):
                    i += 1
            else:
                out.append(cmd)
        elif c in "^_":
            arg, i = _group(src, i + 1)
            text = latex_to_text(arg)
            if c == "^" and text and all(ch in "0123456789+-=()n" for ch in text):
                out.append(text.translate(_SUPERSCRIPTS))
            else:
                out.append(c + (text if _SIMPLE.fullmatch(text) else f"({text})"))
        elif c in "{}&":  # grouping and alignment
            i += 1
        elif c == "~":
            out.append(" ")
            i += 1
        else:
            out.append(c)
            i += 1
    return re.sub(r"[ \t]{2,}", " ", "".join(out)).strip()


# ----------------------------------------------------------------------------- inline markup

#: Cross-reference roles: shown as their target's (short) name.
_XREF_ROLES = frozenset(
    {"func", "meth", "class", "mod", "attr", "exc", "data", "obj", "const", "type", "ref", "doc", "term",
     "any", "envvar", "option", "program", "file", "samp", "command", "kbd", "abbr", "pep", "rfc"}
)
_CALLABLE_ROLES = frozenset({"func", "meth"})

_INLINE = re.compile(
    r"""
    (?P<literal>``(?P<lit>[^`]+?)``)                                   # ``literal``
    | (?P<role>(?<![\w`]):(?P<rname>[A-Za-z][\w+.-]*(?::[A-Za-z][\w+.-]*)?):`(?P<rbody>[^`]+)`)
    | (?P<myst>\{(?P<mname>[A-Za-z][\w+.:-]*)\}`(?P<mbody>[^`]+)`)     # MyST {role}`x`
    | (?P<link>`(?P<ltext>[^`<]+?)\s*<(?P<lurl>[^`>]+)>`__?)            # `text <url>`_
    | (?P<ref>`(?P<rtext>[^`]+)`__?(?!\w))                               # `text`_
    | (?P<interp>`(?P<itext>[^`]+)`)                                    # `interpreted` or MyST code
    | (?P<mdlink>\[(?P<mtext>[^\]\n]+)\]\((?P<murl>[^)\s]+)\))          # [text](url)
    | (?P<mathd>\$(?P<dmath>[^$\n]+)\$)                                 # MyST $math$
    """,
    re.VERBOSE,
)
_STRONG = re.compile(r"(?<![\w*\\])\*\*(?=\S)(?P<t>[^*]+?)(?<=\S)\*\*(?![\w*])")
_EMPHASIS = re.compile(r"(?<![\w*\\])\*(?=[^\s*])(?P<t>[^*]+?)(?<=\S)\*(?![\w*])")
_ESCAPE = re.compile(r"\\(.)", re.DOTALL)


def _xref(role: str, body: str) -> str:
    role = role.rsplit(":", 1)[-1]
    if role == "math":
        return latex_to_text(body)
    if role not in _XREF_ROLES:
        return body
    m = re.fullmatch(r"(?s)(?P<title>.*?)\s*<(?P<target>[^<>]+)>", body)
    if m and m.group("title"):
        return m.group("title")
    target = body.lstrip("!")
    if target.startswith("~"):
        target = target[1:].rsplit(".", 1)[-1]
    if role in _CALLABLE_ROLES and not target.endswith(")"):
        target += "()"
    return target


def _url(url: str) -> bool:
    return bool(re.match(r"[a-z][a-z0-9+.-]*:", url))


def _gap(text: str) -> str:
    """Text between inline literals and roles: emphasis markers and escapes removed."""
    text = _STRONG.sub(lambda m: m.group("t"), text)
    text = _EMPHASIS.sub(lambda m: m.group("t"), text)
    return _ESCAPE.sub(lambda m: "" if m.group(1) in " \n" else m.group(1), text)


def _inline_match(m: re.Match[str]) -> str:
    if m.group("literal"):
        return m.group("lit")
    if m.group("role"):
        return _xref(m.group("rname"), m.group("rbody"))
    if m.group("myst"):
        return _xref(m.group("mname"), m.group("mbody"))
    if m.group("link"):
        text, url = " ".join(m.group("ltext").split()), m.group("lurl")
        return f"{m.group('ltext')} ({url})" if text != url else url
    if m.group("ref"):
        return m.group("rtext")
    if m.group("interp"):
        return m.group("itext")
    if m.group("mdlink"):
        text, url = m.group("mtext"), m.group("murl")
        return f"{text} ({url})" if _url(url) and text != url else text
    return latex_to_text(m.group("dmath"))


def inline(text: str) -> str:
    """Inline markup of one paragraph as plain text.

    Example:
        >>> inline("Use :func:`eye` or ``mlx.nn.init.identity``; see :class:`~mlxinit.Registry`.")
        'Use eye() or mlx.nn.init.identity; see Registry.'
        >>> inline("**MLX's meaning**: N(``mean``, ``std``²), `paper <https://x.org/p>`_.")
        "MLX's meaning: N(mean, std²), paper (https://x.org/p)."
    """
    out: list[str] = []
    pos = 0
    for m in _INLINE.finditer(text):
        out.append(_gap(text[pos : m.start()]))
        out.append(_inline_match(m))
        pos = m.end()
    out.append(_gap(text[pos:]))
    return "".join(out)


# ----------------------------------------------------------------------------- blocks

_DIRECTIVE = re.compile(r"^\.\.\s+(?P<name>[\w:.-]+)::(?:\s+(?P<arg>.*))?$")
_COMMENT = re.compile(r"^\.\.(?:\s|$)")
_FENCE = re.compile(r"^(?P<fence>`{3,}|~{3,}|:{3,})\s*(?:\{(?P<name>[\w:.-]+)\}\s*(?P<arg>.*)|(?P<lang>\S*).*)$")
_FIELD = re.compile(r"^:(?P<name>[A-Za-z]+)(?P<arg>(?:\s+[^:`\s]+)*)\s*:(?=\s|$)(?P<rest>.*)$")
_ADMONITIONS = {
    "note": "Note",
    "warning": "Warning",
    "tip": "Tip",
    "hint": "Hint",
    "important": "Important",
    "caution": "Caution",
    "attention": "Attention",
    "danger": "Danger",
    "error": "Error",
    "seealso": "See also",
    "todo": "To do",
}
_VERSIONS = {
    "versionadded": "New in version {}.",
    "versionchanged": "Changed in version {}:",
    "deprecated": "Deprecated since version {}:",
    "versionremoved": "Removed in version {}:",
}
_CODE_DIRECTIVES = frozenset(
    {"code", "code-block", "sourcecode", "testcode", "doctest", "literalinclude", "parsed-literal"}
)
_DROPPED_DIRECTIVES = frozenset({"image", "figure", "include", "toctree", "raw", "index", "highlight", "only",
                                 "currentmodule", "module", "autofunction", "autoclass", "automodule"})
_FIELD_NAMES = {
    "param": "",
    "parameter": "",
    "arg": "",
    "argument": "",
    "key": "",
    "keyword": "",
    "returns": "Returns",
    "return": "Returns",
    "raises": "Raises",
    "raise": "Raises",
    "except": "Raises",
    "exception": "Raises",
    "yields": "Yields",
    "yield": "Yields",
    "var": "",
    "ivar": "",
    "cvar": "",
}
_TYPE_FIELDS = frozenset({"type", "rtype", "vartype", "ytype"})


def _indent(line: str) -> int:
    return len(line) - len(line.lstrip())


def _body(lines: list[str], i: int, indent: int) -> tuple[list[str], int]:
    """Lines from ``i`` that are blank or indented deeper than ``indent`` (trailing blanks left)."""
    j = i
    while j < len(lines) and (not lines[j].strip() or _indent(lines[j]) > indent):
        j += 1
    while j > i and not lines[j - 1].strip():
        j -= 1
    return lines[i:j], j


def _dedent(block: list[str]) -> list[str]:
    width = min((_indent(ln) for ln in block if ln.strip()), default=0)
    return [ln[width:] for ln in block]


def _reindent(block: list[str], prefix: str) -> list[str]:
    return [prefix + ln if ln.strip() else "" for ln in block]


def _field_line(line: str) -> str | None:
    """A field-list line (``:param x: text``) as plain text; ``None`` drops it."""
    indent = line[: _indent(line)]
    m = _FIELD.match(line.strip())
    if m is None:
        return line
    name, arg, rest = m.group("name").lower(), m.group("arg").split(), m.group("rest").strip()
    if name in _TYPE_FIELDS:
        return None
    label = _FIELD_NAMES.get(name, name.capitalize())
    if not label:  # :param x: -> x
        return f"{indent}{arg[-1] if arg else name}: {rest}".rstrip()
    head = f"{label} {' '.join(arg)}" if arg else label
    return f"{indent}{head}: {rest}".rstrip()


def _directive(name: str, arg: str, body: list[str], prefix: str) -> list[str]:
    name = name.rsplit(":", 1)[-1]
    content = _dedent([ln for ln in body if not re.match(r"^\s*:[\w-]+:", ln)] if body else [])
    while content and not content[0].strip():
        content = content[1:]
    if name == "math":
        formulas = ([arg] if arg else []) + content
        return [prefix + "    " + latex_to_text(f) if f.strip() else "" for f in formulas]
    if name in _CODE_DIRECTIVES:
        return _reindent(content, prefix + "    ")
    if name in _ADMONITIONS or name == "admonition":
        title = arg if name == "admonition" else _ADMONITIONS[name]
        head = f"{prefix}{inline(title)}:" + (f" {inline(arg)}" if arg and name != "admonition" else "")
        return [head, *_reindent(_plain_lines(content), prefix + "    ")]
    if name in _VERSIONS:
        version, _, rest = (arg or "").partition(" ")
        text = _VERSIONS[name].format(version)
        extra = " ".join([rest, *(ln.strip() for ln in content)]).strip()
        if extra:
            text = text.rstrip(":.") + ": " + inline(extra)
        return [prefix + text.rstrip(":") + ("" if text.endswith(".") else ".") if not extra else prefix + text]
    if name in _DROPPED_DIRECTIVES:
        return []
    return _reindent(_plain_lines(content), prefix)


def _plain_lines(lines: list[str]) -> list[str]:
    out: list[str] = []
    i, n = 0, len(lines)
    while i < n:
        line = lines[i]
        stripped = line.strip()
        if not stripped:
            out.append("")
            i += 1
            continue
        indent = _indent(line)
        prefix = line[:indent]
        m = _DIRECTIVE.match(stripped)
        if m:
            body, i = _body(lines, i + 1, indent)
            out += _directive(m.group("name"), (m.group("arg") or "").strip(), body, prefix)
            continue
        if _COMMENT.match(stripped):  # a comment or a hyperlink target: not shown
            _, i = _body(lines, i + 1, indent)
            continue
        m = _FENCE.match(stripped)
        if m:
            fence = m.group("fence")
            j = i + 1
            while j < n and not (lines[j].strip().startswith(fence) and set(lines[j].strip()) == {fence[0]}):
                j += 1
            content = _dedent(lines[i + 1 : j])
            i = j + 1
            name = m.group("name")
            if name is None:
                out += _reindent(content, prefix + "    ")
            else:
                opts = [ln for ln in content if not re.match(r"^:[\w-]+:", ln.strip())]
                out += _directive(name, (m.group("arg") or "").strip(), _reindent(opts, " "), prefix)
            continue
        if stripped == "$$":
            j = i + 1
            while j < n and lines[j].strip() != "$$":
                j += 1
            out += _directive("math", "", _reindent(lines[i + 1 : j], " "), prefix)
            i = j + 1
            continue
        if stripped.startswith(">>>"):  # a doctest block, verbatim
            while i < n and lines[i].strip():
                out.append(lines[i])
                i += 1
            continue
        j = i + 1
        while j < n:
            s = lines[j].strip()
            if not s or _DIRECTIVE.match(s) or _COMMENT.match(s) or _FENCE.match(s) or s.startswith(">>>"):
                break
            j += 1
        para = [f for f in (_field_line(ln) for ln in lines[i:j]) if f is not None]
        i = j
        literal = bool(para) and para[-1].rstrip().endswith("::")
        if literal:
            last = para[-1].rstrip()
            para[-1] = last[:-2].rstrip() if last[:-2].endswith((" ", "\t")) or last.strip() == "::" else last[:-1]
            if not para[-1].strip():
                para.pop()
        if para:
            out += inline("\n".join(para)).split("\n")
        if literal:
            while i < n and not lines[i].strip():
                i += 1
            block, i = _body(lines, i, indent)
            out += ["", *block] if block else []
    return out


def plain(text: str | None) -> str:
    """reStructuredText or MyST docstring text as readable plain text.

    Inline literals lose their backticks, cross-references (``:func:`eye```, MyST's
    ``{func}`eye```) show the name (``eye()``), ``:math:`` roles and ``.. math::`` blocks
    show their LaTeX as Unicode (indented on a line of their own for blocks), links show
    their text and URL, emphasis markers and escapes go; admonitions become labelled
    paragraphs (``Note: ...``), field lists (``:param x:``) read ``x: ...``, and literal
    blocks (after ``::``), code blocks and doctest blocks are kept verbatim. Line breaks
    are the docstring's own.

    Example:
        >>> print(plain('''Samples of N(0, σ²), with :math:`\\\\sigma` from:
        ...
        ... .. math::
        ...     \\\\sigma = \\\\frac{\\\\text{gain}}{\\\\sqrt{\\\\text{fan}}}
        ...
        ... Same as ``mlx.nn.init.he_normal``; see :func:`eye`.'''))
        Samples of N(0, σ²), with σ from:
        <BLANKLINE>
            σ = gain/sqrt(fan)
        <BLANKLINE>
        Same as mlx.nn.init.he_normal; see eye().
    """
    if not text:
        return ""
    lines = inspect.cleandoc(text).splitlines()
    out = _plain_lines(lines)
    while out and not out[-1].strip():
        out.pop()
    collapsed: list[str] = []
    for ln in out:  # at most one blank line in a row
        if ln.strip() or (collapsed and collapsed[-1].strip()):
            collapsed.append(ln.rstrip())
    return "\n".join(collapsed).strip("\n")


# ----------------------------------------------------------------------------- Google-style docstrings


def _is_section(lines: list[str], i: int) -> bool:
    s = lines[i].strip()
    if s in GOOGLE_SECTIONS:
        return True
    nxt = lines[i + 1].strip() if i + 1 < len(lines) else ""
    return bool(s) and len(nxt) >= 3 and set(nxt) == {"-"} and _indent(lines[i]) == 0  # NumPy style


def description(doc: str | None) -> str:
    """The docstring's prose (everything before its first section), as plain text.

    Example:
        >>> description('''Fill with ``value``.
        ...
        ... Args:
        ...     value: the fill value.''')
        'Fill with value.'
    """
    if not doc:
        return ""
    lines = inspect.cleandoc(doc).splitlines()
    for i in range(len(lines)):
        if _is_section(lines, i):
            lines = lines[:i]
            break
    return plain("\n".join(lines))


_ARG_ENTRY = re.compile(r"^(?P<name>\*{0,2}[A-Za-z_]\w*)\s*(?:\((?P<type>[^)]*)\))?\s*:(?:\s+(?P<desc>.*))?$")
_DEFAULT = re.compile(
    r"(?:^|\s+)(?P<open>\()?[Dd]efaults?(?::|\s+to\b|\s+is\b)\s*(?P<value>.+?)(?(open)\))\.?\s*$", re.DOTALL
)


def param_docs(doc: str | None) -> dict[str, str]:
    """The description of each argument in the docstring's ``Args:`` section, as plain text.

    Example:
        >>> param_docs('''Fill.
        ...
        ... Args:
        ...     gain (float, optional): scaling factor,
        ...         a number. Default: ``1.0``.
        ...     mode: ``"fan_in"`` or ``"fan_out"``.''')
        {'gain': 'scaling factor, a number. Default: 1.0.', 'mode': '"fan_in" or "fan_out".'}
    """
    if not doc:
        return {}
    lines = inspect.cleandoc(doc).splitlines()
    found: dict[str, list[str]] = {}
    i = 0
    while i < len(lines):
        if lines[i].strip() not in _ARGS_SECTIONS:
            i += 1
            continue
        base = _indent(lines[i])
        body, i = _body(lines, i + 1, base)
        entry_indent = min((_indent(ln) for ln in body if ln.strip()), default=0)
        current: list[str] | None = None
        for ln in body:
            if ln.strip() and _indent(ln) == entry_indent:
                m = _ARG_ENTRY.match(ln.strip())
                if m is None:
                    current = None
                    continue
                current = found.setdefault(m.group("name").lstrip("*"), [])
                current.append(m.group("desc") or "")
            elif current is not None:
                current.append(ln.strip())
    return {name: " ".join(inline(" ".join(p for p in parts if p)).split()) for name, parts in found.items()}


def split_default(text: str) -> tuple[str, str | None]:
    """A parameter description without its closing ``Default: ...`` sentence, and that default.

    Example:
        >>> split_default("scaling factor. Default: 1.0.")
        ('scaling factor.', '1.0')
        >>> split_default("the mean (required).")
        ('the mean (required).', None)
    """
    m = _DEFAULT.search(text)
    if m is None or re.search(r"[.!?]\s", m.group("value")):  # not the closing sentence
        return text, None
    return text[: m.start()].rstrip(), m.group("value").strip()

