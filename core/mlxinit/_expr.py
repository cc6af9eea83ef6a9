"""Expressions in rule parameters: ``{"name": "normal", "std": "=0.02/sqrt(2*n_layers)"}``.

A rule parameter whose value is a string starting with ``=`` is an expression. It is
parsed by a small recursive-descent parser into a list of stack-machine instructions and
evaluated over numbers only: nothing is ever handed to Python's ``eval``, ``exec`` or
``compile``, there is no attribute access, no subscript, no import, and the only calls
are ``sqrt``, ``log``, ``min`` and ``max``.

Grammar (``**`` binds tighter than unary minus on its left and is right-associative,
as in Python: ``-2**2 == -4``, ``2**-1 == 0.5``)::

    expr   := term (("+" | "-") term)*
    term   := unary (("*" | "/") unary)*
    unary  := ("-" | "+") unary | power
    power  := atom ("**" unary)?
    atom   := NUMBER | NAME | FUNC "(" expr ("," expr)* ")" | "(" expr ")"

Names are bound, per parameter, by :func:`mlxinit.apply`: from the model's config, from
what mlxinit infers (``n_layers``, ``d_model``, ``width``, ``fan_in``, ``fan_out``) and
from captures of the rule's path pattern (``layers.{layer}.mlp.down_proj.weight``).
"""

from __future__ import annotations

import keyword
import math
import numbers
import re
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from ._errors import MlxinitError
from ._names import close_matches

__all__ = [
    "MAX_DEPTH",
    "MAX_LENGTH",
    "PREFIX",
    "Bindings",
    "Expression",
    "ExpressionError",
    "ExpressionNameError",
    "is_expression",
    "parse_expression",
]

#: An expression is a string parameter value starting with this character.
PREFIX = "="
#: Longest expression text accepted (characters).
MAX_LENGTH = 1000
#: Deepest nesting accepted (parentheses, calls, unary signs and ``**`` chains together).
MAX_DEPTH = 50

Number = int | float


class ExpressionError(MlxinitError, ValueError):
    """An expression in a rule parameter that cannot be parsed or evaluated.

    Attributes:
        expression: the expression text, with its leading ``=``.
        reason: what is wrong, in words.
        rule: the rule it belongs to (``""`` when not known).
        parameter: the parameter it is the value of (``""`` when not known).
    """

    def __init__(self, expression: str, reason: str, *, rule: str = "", parameter: str = "") -> None:
        self.expression = expression
        self.reason = reason
        self.rule = rule
        self.parameter = parameter
        super().__init__(self._message())

    def _message(self) -> str:
        where = f"Rule {self.rule!r}: " if self.rule else ""
        what = f"parameter {self.parameter!r} = " if self.parameter else "expression "
        return f"{where}{what}{_quote(self.expression)}: {self.reason}"

    def located(self, rule: str, parameter: str) -> ExpressionError:
        """This error, its message naming ``rule`` and ``parameter`` (those already set are kept)."""
        self.rule = self.rule or rule
        self.parameter = self.parameter or parameter
        self.args = (self._message(),)
        return self

    def __reduce__(self) -> Any:
        return (_rebuild, (type(self), self.__dict__))


class ExpressionNameError(ExpressionError, NameError):
    """An expression uses a name nothing binds.

    Attributes:
        name: the unknown name.
        possibilities: bound names that look like it ("did you mean"), best first.
        available: every bound name.
    """

    def __init__(
        self,
        expression: str,
        name: str,
        available: Sequence[str] = (),
        *,
        rule: str = "",
        parameter: str = "",
        note: str = "",
    ) -> None:
        self.name = name
        self.available = sorted(available)
        self.possibilities = close_matches(name, self.available)
        reason = f"unknown name {name!r}."
        if note:
            reason += f" {note}"
        elif self.possibilities:
            reason += " Did you mean " + " or ".join(repr(p) for p in self.possibilities) + "?"
        if self.available and not note:
            shown = ", ".join(self.available[:30]) + (", …" if len(self.available) > 30 else "")
            reason += f" Bound names: {shown}."
        super().__init__(expression, reason, rule=rule, parameter=parameter)


def _rebuild(cls: type[ExpressionError], state: dict[str, Any]) -> ExpressionError:
    err = cls.__new__(cls)
    err.__dict__.update(state)
    err.args = (err._message(),)
    return err


def _quote(text: str) -> str:
    shown = text if len(text) <= 120 else text[:117] + "..."
    return repr(shown)


def is_expression(value: object) -> bool:
    """Whether ``value`` is an expression: a string starting with ``=``."""
    return isinstance(value, str) and value.startswith(PREFIX)


# ----------------------------------------------------------------------------- parsing

_SPACE = " \t\n\r\f\v"
#: Token positions are 1-based in the whole text, its leading ``=`` included.
_OFFSET = len(PREFIX) + 1
_TOKEN = re.compile(
    r"""\s*(?:
        (?P<num>(?:[0-9]+(?:\.[0-9]*)?|\.[0-9]+)(?:[eE][+-]?[0-9]+)?)
      | (?P<name>[A-Za-z_][A-Za-z0-9_]*)
      | (?P<op>\*\*|[-+*/(),])
    )""",
    re.VERBOSE | re.ASCII,
)

#: The functions an expression may call: name -> (fewest, most) arguments (``None``: no limit).
FUNCTIONS: dict[str, tuple[int, int | None]] = {"sqrt": (1, 1), "log": (1, 1), "min": (2, None), "max": (2, None)}

# Instructions of the stack machine: ("num", value), ("name", name), ("neg",), ("pos",),
# ("bin", op), ("call", function, n_args).
_Instr = tuple[Any, ...]


@dataclass(frozen=True)
class _Token:
    kind: str  #: "num", "name", "op" or "end"
    text: str
    pos: int


def _tokens(text: str, source: str) -> list[_Token]:
    out: list[_Token] = []
    pos = 0
    n = len(text)
    while pos < n:
        if text[pos:].strip(_SPACE) == "":
            break
        m = _TOKEN.match(text, pos)
        if m is None or m.end() == pos:
            col = pos + len(text[pos:]) - len(text[pos:].lstrip(_SPACE))
            ch = text[col]
            hint = ""
            if ch == ".":
                hint = " (attribute access is not part of expressions)"
            elif ch in "[]":
                hint = " (subscripts are not part of expressions)"
            elif ch in "'\"":
                hint = " (strings are not part of expressions)"
            raise ExpressionError(source, f"unexpected character {ch!r} at position {col + _OFFSET}{hint}.")
        kind = m.lastgroup or "op"
        out.append(_Token(kind, m.group(kind), m.start(kind) + _OFFSET))
        pos = m.end()
    out.append(_Token("end", "", n + _OFFSET))
    return out


class _Parser:
    def __init__(self, text: str, source: str) -> None:
        self.source = source
        self.tokens = _tokens(text, source)
        self.i = 0
        self.depth = 0
        self.code: list[_Instr] = []
        self.names: set[str] = set()

    # -- helpers
    def peek(self) -> _Token:
        return self.tokens[self.i]

    def take(self) -> _Token:
        tok = self.tokens[self.i]
        self.i += 1
        return tok

    def fail(self, expected: str, tok: _Token | None = None) -> ExpressionError:
        tok = tok or self.peek()
        got = "the end" if tok.kind == "end" else repr(tok.text)
        extra = " (only arithmetic is part of expressions)" if keyword.iskeyword(tok.text) else ""
        return ExpressionError(self.source, f"expected {expected} at position {tok.pos}, got {got}{extra}.")

    def enter(self) -> None:
        self.depth += 1
        if self.depth > MAX_DEPTH:
            raise ExpressionError(self.source, f"nested deeper than {MAX_DEPTH} levels.")

    def op(self, *ops: str) -> str | None:
        tok = self.peek()
        if tok.kind == "op" and tok.text in ops:
            self.i += 1
            return tok.text
        return None

    # -- grammar
    def parse(self) -> list[_Instr]:
        if self.peek().kind == "end":
            raise ExpressionError(self.source, "empty expression: expected a number, a name or a call after '='.")
        self.expr()
        if self.peek().kind != "end":
            raise self.fail("an operator (+ - * / **) or the end")
        return self.code

    def expr(self) -> None:
        self.term()
        while (o := self.op("+", "-")) is not None:
            self.term()
            self.code.append(("bin", o))

    def term(self) -> None:
        self.unary()
        while (o := self.op("*", "/")) is not None:
            self.unary()
            self.code.append(("bin", o))

    def unary(self) -> None:
        self.enter()
        o = self.op("-", "+")
        if o is not None:
            self.unary()
            self.code.append(("neg",) if o == "-" else ("pos",))
        else:
            self.power()
        self.depth -= 1

    def power(self) -> None:
        self.atom()
        if self.op("**") is not None:
            self.unary()
            self.code.append(("bin", "**"))

    def atom(self) -> None:
        tok = self.take()
        if tok.kind == "num":
            self.code.append(("num", _number(tok.text, self.source)))
            return
        if tok.kind == "name":
            if keyword.iskeyword(tok.text):
                raise ExpressionError(
                    self.source,
                    f"{tok.text!r} at position {tok.pos} is a Python keyword; only arithmetic is part of expressions.",
                )
            if self.op("(") is not None:
                self.call(tok)
                return
            if tok.text in FUNCTIONS:
                raise ExpressionError(self.source, f"{tok.text!r} is a function: call it, as in {tok.text}(x).")
            self.names.add(tok.text)
            self.code.append(("name", tok.text))
            return
        if tok.kind == "op" and tok.text == "(":
            self.expr()
            if self.op(")") is None:
                raise self.fail("')'")
            return
        raise self.fail("a number, a name, a call or '('", tok)

    def call(self, fn: _Token) -> None:
        if fn.text not in FUNCTIONS:
            near = close_matches(fn.text, FUNCTIONS)
            hint = f" Did you mean {near[0]!r}?" if near else ""
            raise ExpressionError(
                self.source,
                f"unknown function {fn.text!r} at position {fn.pos}; expressions may call "
                f"{', '.join(sorted(FUNCTIONS))}.{hint}",
            )
        n = 0
        if self.peek().kind == "op" and self.peek().text == ")":
            self.i += 1
        else:
            while True:
                self.expr()
                n += 1
                if self.op(",") is not None:
                    continue
                if self.op(")") is not None:
                    break
                raise self.fail("',' or ')'")
        least, most = FUNCTIONS[fn.text]
        if n < least or (most is not None and n > most):
            want = f"{least}" if least == most else f"at least {least}"
            raise ExpressionError(
                self.source, f"{fn.text}() takes {want} argument{'s' if want != '1' else ''}, got {n}."
            )
        self.code.append(("call", fn.text, n))


def _number(text: str, source: str) -> Number:
    if re.fullmatch(r"[0-9]+", text):
        if len(text) > 300:
            raise ExpressionError(source, f"the number {text[:20]}… has more than 300 digits.")
        return int(text)
    value = float(text)
    if not math.isfinite(value):
        raise ExpressionError(source, f"the number {text!r} is too large for a float.")
    return value


# ----------------------------------------------------------------------------- evaluation


def _finite(x: Number, source: str, what: str) -> Number:
    if isinstance(x, float) and not math.isfinite(x):
        raise ExpressionError(source, f"{what} is not a finite number.")
    return x


def _pow(a: Number, b: Number, source: str) -> Number:
    # Exact integer powers only while small: 9**9**9 must not run for hours.
    if isinstance(a, int) and isinstance(b, int) and b >= 0 and (abs(a) < 2 or b * math.log2(abs(a)) <= 256):
        exact: int = a**b
        return exact
    try:
        return math.pow(a, b)
    except ZeroDivisionError:  # pragma: no cover - math.pow raises ValueError instead
        raise ExpressionError(source, f"{a!r} ** {b!r} divides by zero.") from None
    except ValueError:
        if a == 0:
            raise ExpressionError(source, f"{a!r} ** {b!r} divides by zero.") from None
        raise ExpressionError(source, f"{a!r} ** {b!r} is not a real number.") from None


def _binary(op: str, a: Number, b: Number, source: str) -> Number:
    if op == "+":
        r = a + b
    elif op == "-":
        r = a - b
    elif op == "*":
        r = a * b
    elif op == "/":
        if b == 0:
            raise ExpressionError(source, f"division by zero ({a!r} / {b!r}).")
        r = a / b
    else:
        r = _pow(a, b, source)
    return _finite(r, source, f"{a!r} {op} {b!r}")


def _call(fn: str, args: list[Number], source: str) -> Number:
    if fn == "sqrt":
        (x,) = args
        if x < 0:
            raise ExpressionError(source, f"sqrt of a negative number ({x!r}).")
        return math.sqrt(x)
    if fn == "log":
        (x,) = args
        if x <= 0:
            raise ExpressionError(source, f"log of a number <= 0 ({x!r}); log is the natural logarithm.")
        return math.log(x)
    return min(args) if fn == "min" else max(args)


def _as_number(name: str, value: object, source: str) -> Number:
    if isinstance(value, bool) or not isinstance(value, numbers.Real):
        kind = type(value).__name__
        raise ExpressionError(source, f"{name!r} is bound to {value!r:.60} ({kind}); an expression needs a number.")
    out: Number = int(value) if isinstance(value, numbers.Integral) else float(value)
    if isinstance(out, float) and not math.isfinite(out):
        raise ExpressionError(source, f"{name!r} is bound to {out!r}, not a finite number.")
    return out


class Unavailable(Exception):
    """Raised by a :class:`Lazy` value's function: the name has no value here, and why."""


@dataclass(frozen=True)
class Lazy:
    """A bound value computed on first use (it may raise :class:`Unavailable`)."""

    compute: Callable[[], Any]


class Bindings:
    """The names an expression may use, with lazily computed values and reasons for absent ones.

    Args:
        values: name -> a value, or a :class:`Lazy` computing it on first use.
        missing: name -> why it has no value here (said in the error if the name is used).
    """

    def __init__(
        self,
        values: Mapping[str, Any] | None = None,
        missing: Mapping[str, str] | None = None,
    ) -> None:
        self._values: dict[str, Any] = dict(values or {})
        self._missing: dict[str, str] = dict(missing or {})

    def child(self, values: Mapping[str, Any] | None = None, missing: Mapping[str, str] | None = None) -> Bindings:
        """New bindings: these, with ``values`` and ``missing`` taking precedence."""
        merged_missing = {k: v for k, v in self._missing.items() if k not in (values or {})}
        merged_missing.update(missing or {})
        merged = {k: v for k, v in self._values.items() if k not in (missing or {})}
        merged.update(values or {})
        return Bindings(merged, merged_missing)

    def names(self) -> list[str]:
        """Every bound name, sorted."""
        return sorted(self._values)

    def lookup(self, name: str, source: str) -> Number:
        if name not in self._values:
            raise ExpressionNameError(source, name, self.names(), note=self._missing.get(name, ""))
        value = self._values[name]
        if isinstance(value, Lazy):
            try:
                value = value.compute()
            except Unavailable as e:
                raise ExpressionNameError(source, name, (), note=str(e)) from None
            self._values[name] = value
        return _as_number(name, value, source)


@dataclass(frozen=True)
class Expression:
    """A parsed expression.

    Attributes:
        text: the expression as written, with its leading ``=``.
        names: the names it uses.

    Example:
        >>> e = parse_expression("=0.02/sqrt(2*n_layers)")
        >>> sorted(e.names)
        ['n_layers']
        >>> e.evaluate({"n_layers": 8})
        0.005
    """

    text: str
    names: frozenset[str]
    _code: tuple[_Instr, ...]

    def evaluate(self, bindings: Bindings | Mapping[str, Any] | None = None) -> Number:
        """The value for these bindings: an ``int`` where every step is an exact integer, else a ``float``.

        Raises:
            ExpressionNameError: a name is not bound.
            ExpressionError: a bound value is not a number, or a step fails (division by
                zero, ``sqrt``/``log`` outside their domain, a result that is not finite).
        """
        b = bindings if isinstance(bindings, Bindings) else Bindings(bindings or {})
        src = self.text
        stack: list[Number] = []
        try:
            for ins in self._code:
                kind = ins[0]
                if kind == "num":
                    stack.append(ins[1])
                elif kind == "name":
                    stack.append(b.lookup(ins[1], src))
                elif kind == "neg":
                    stack.append(-stack.pop())
                elif kind == "pos":
                    pass
                elif kind == "bin":
                    rhs = stack.pop()
                    stack.append(_binary(ins[1], stack.pop(), rhs, src))
                else:
                    n = ins[2]
                    args = stack[-n:]
                    del stack[-n:]
                    stack.append(_finite(_call(ins[1], args, src), src, f"{ins[1]}(...)"))
            (result,) = stack
            if isinstance(result, int) and abs(result) > 2**63:
                float(result)  # raises OverflowError beyond a float's range
            return result
        except OverflowError:
            raise ExpressionError(src, "a step overflows (the number is too large for a float).") from None

    def __str__(self) -> str:
        return self.text


def parse_expression(text: str) -> Expression:
    """Parse ``"=..."`` (the leading ``=`` is optional here) into an :class:`Expression`.

    Raises:
        ExpressionError: the text is not an expression of the grammar, is longer than
            :data:`MAX_LENGTH` characters or nests deeper than :data:`MAX_DEPTH`.
    """
    if not isinstance(text, str):
        raise ExpressionError(repr(text), f"expected a string, got {type(text).__name__}.")
    source = text if text.startswith(PREFIX) else PREFIX + text
    if len(source) > MAX_LENGTH:
        raise ExpressionError(source, f"longer than {MAX_LENGTH} characters ({len(source)}).")
    parser = _Parser(source[len(PREFIX) :], source)
    code = parser.parse()
    return Expression(source, frozenset(parser.names), tuple(code))


# ----------------------------------------------------------------------------- identifiers


@dataclass(frozen=True)
class BoundIdentifier:
    """A rule's identifier with its expressions evaluated, and how to show both."""

    identifier: dict[str, Any]
    shown: str
    values: tuple[tuple[str, Any], ...]  #: (parameter, value) of each expression, for cache keys


def expressions_in(identifier: object) -> dict[str, Any]:
    """The parsed expressions of a config mapping: parameter -> Expression, or a list of them.

    Parameters without expressions are left out; an empty dict means there are none.

    Raises:
        ExpressionError: an expression does not parse (the error names the parameter).
    """
    if not isinstance(identifier, Mapping):
        return {}
    found: dict[str, Any] = {}
    for k, v in identifier.items():
        if k == "name":
            continue
        try:
            if is_expression(v):
                found[k] = parse_expression(v)
            elif isinstance(v, (list, tuple)) and any(is_expression(x) for x in v):
                found[k] = [parse_expression(x) if is_expression(x) else x for x in v]
        except ExpressionError as e:
            raise e.located("", str(k)) from None
    return found


def bind_identifier(
    identifier: Mapping[str, Any], exprs: Mapping[str, Any], bindings: Bindings, rule: str
) -> BoundIdentifier:
    """Evaluate ``exprs`` (from :func:`expressions_in`) for these bindings.

    A value that is a whole number is passed as an ``int`` (int parameters such as
    ``segments`` take ``"=fan_out/3"``; float parameters take ints as well).

    Raises:
        ExpressionError: an expression cannot be evaluated here; the error names the rule,
            the parameter, the expression and (for an unknown name) the close names.
    """
    cfg = dict(identifier)
    values: list[tuple[str, Any]] = []
    for k, e in exprs.items():
        try:
            if isinstance(e, Expression):
                cfg[k] = _whole(e.evaluate(bindings))
            else:
                cfg[k] = [_whole(x.evaluate(bindings)) if isinstance(x, Expression) else x for x in e]
        except ExpressionError as err:
            raise err.located(rule, str(k)) from None
        values.append((k, tuple(cfg[k]) if isinstance(cfg[k], list) else cfg[k]))
    return BoundIdentifier(cfg, _show(identifier, cfg, exprs), tuple(values))


def _whole(v: Number) -> Number:
    """A float with an integral value as an ``int`` (``"=fan_out/3"`` for an int parameter); others as they are."""
    if isinstance(v, float) and v.is_integer() and abs(v) < 2**53:
        return int(v)
    return v


def _fmt(v: Any) -> str:
    return f"{v:.6g}" if isinstance(v, float) else repr(v)


def _show(identifier: Mapping[str, Any], bound: Mapping[str, Any], exprs: Mapping[str, Any]) -> str:
    """``normal(std='=0.02/sqrt(2*n_layers)' = 0.01)``: each expression and its value."""
    parts = []
    for k, v in identifier.items():
        if k == "name":
            continue
        if k in exprs:
            got = bound[k]
            value = "[" + ", ".join(map(_fmt, got)) + "]" if isinstance(got, (list, tuple)) else _fmt(got)
            parts.append(f"{k}={v!r} = {value}")
        else:
            parts.append(f"{k}={v!r}")
    return f"{identifier.get('name')}({', '.join(parts)})"


# ----------------------------------------------------------------------------- path captures

_CAPTURE = re.compile(r"\{([^{}]*)\}")


@dataclass(frozen=True)
class PathPattern:
    """A rule key with ``{name}`` captures: ``layers.{layer}.mlp.down_proj.weight``.

    It matches as the glob with ``*`` for each capture (a capture matches one or more
    characters, preferring the shortest), and binds each capture to the text it matched:
    an ``int`` when it is all digits, else the string.
    """

    key: str
    glob: str
    names: tuple[str, ...]
    regex: re.Pattern[str]

    def match(self, path: str) -> dict[str, int | str] | None:
        m = self.regex.fullmatch(path)
        if m is None:
            return None
        return {k: int(v) if v.isdigit() else v for k, v in m.groupdict().items()}


def has_captures(key: str) -> bool:
    """Whether a rule key has ``{name}`` captures."""
    return "{" in key or "}" in key


def compile_pattern(key: str) -> PathPattern:
    """Compile a rule key with ``{name}`` captures.

    Raises:
        InvalidIdentifierError: a capture is not ``{identifier}``, is used twice, or braces do not pair.
    """
    from ._errors import InvalidIdentifierError

    names: list[str] = []
    regex = []
    glob = []
    pos = 0
    for m in _CAPTURE.finditer(key):
        literal = key[pos : m.start()]
        if "{" in literal or "}" in literal:
            break
        name = m.group(1).strip()
        if not name.isidentifier() or name.startswith("_"):
            raise InvalidIdentifierError(
                f"rule key {key!r}: a capture is '{{name}}' with a name such as 'layer', got {m.group(0)!r}."
            )
        if name in names:
            raise InvalidIdentifierError(f"rule key {key!r}: the capture {{{name}}} is used twice.")
        names.append(name)
        regex.append(_glob_regex(literal))
        regex.append(f"(?P<{name}>.+?)")
        glob += [literal, "*"]
        pos = m.end()
    rest = key[pos:]
    if "{" in rest or "}" in rest:
        raise InvalidIdentifierError(
            f"rule key {key!r}: braces must pair as '{{name}}' captures (e.g. 'layers.{{layer}}.mlp.*')."
        )
    regex.append(_glob_regex(rest))
    glob.append(rest)
    return PathPattern(key, "".join(glob), tuple(names), re.compile("".join(regex), re.DOTALL))


def _glob_regex(glob: str) -> str:
    """``fnmatch``'s translation of a glob fragment (``*``, ``?``, ``[...]``, ``[!...]``), unanchored."""
    out = []
    i, n = 0, len(glob)
    while i < n:
        c = glob[i]
        i += 1
        if c == "*":
            out.append(".*")
        elif c == "?":
            out.append(".")
        elif c == "[":
            j = i
            if j < n and glob[j] == "!":
                j += 1
            if j < n and glob[j] == "]":
                j += 1
            while j < n and glob[j] != "]":
                j += 1
            if j >= n:
                out.append("\\[")
            else:
                stuff = glob[i:j].replace("\\", "\\\\")
                i = j + 1
                if stuff.startswith("!"):
                    stuff = "^" + stuff[1:]
                elif stuff.startswith("^"):
                    stuff = "\\" + stuff
                out.append(f"[{stuff}]")
        else:
            out.append(re.escape(c))
    return "".join(out)


# ----------------------------------------------------------------------------- model bindings

#: Config fields read as ``d_model`` (the first present wins).
D_MODEL_FIELDS = ("hidden_size", "d_model", "n_embd", "dim", "model_dim", "embed_dim")


def config_of(model: Any, config: Any = None) -> dict[str, Any]:
    """The config a model's expressions read: ``config`` (a mapping or dataclass) or ``model.args``.

    Raises:
        InvalidIdentifierError: ``config`` is neither a mapping nor a dataclass instance.
    """
    import dataclasses

    from ._errors import InvalidIdentifierError

    source = config if config is not None else getattr(model, "args", None)
    if source is None:
        return {}
    if isinstance(source, Mapping):
        return {str(k): v for k, v in source.items()}
    if dataclasses.is_dataclass(source) and not isinstance(source, type):
        return {f.name: getattr(source, f.name) for f in dataclasses.fields(source)}
    if config is None:
        return {}  # a model attribute named args that is something else: not a config
    raise InvalidIdentifierError(
        f"config: expected a mapping or a dataclass instance (such as an mlx-lm ModelArgs), "
        f"got {type(config).__name__}."
    )


def count_layers(model: Any) -> int:
    """The length of the longest list of blocks in ``model`` (``model.layers``, ``model.h``…)."""
    counts: dict[str, set[int]] = {}
    for path, _ in model.named_modules():
        m = re.match(r"^(.*?)\.?(\d+)$", path)
        if m:
            counts.setdefault(m.group(1), set()).add(int(m.group(2)))
    return max((len(v) for v in counts.values()), default=0)


def _embedding_width(model: Any) -> int | None:
    for _, module in model.named_modules():
        names = {c.__name__ for c in type(module).__mro__}
        if names & {"Embedding", "QuantizedEmbedding"} and "weight" in module:
            w = module["weight"]
            dims = getattr(module, "dims", None)
            return int(dims) if isinstance(dims, int) else int(w.shape[-1])
    return None


def model_bindings(model: Any, config: Any = None) -> Bindings:
    """The model-level names: the config's fields, ``n_layers``, ``d_model`` and ``width``.

    ``n_layers`` is the longest list of blocks; ``d_model`` (and its alias ``width``) is
    the config's ``hidden_size``/``d_model``/``n_embd``/``dim``, else the width of the
    first embedding. A config field of the same name wins over an inferred value.
    """
    cfg = config_of(model, config)

    def layers() -> int:
        return count_layers(model)

    def d_model() -> int:
        for f in D_MODEL_FIELDS:
            v = cfg.get(f)
            if isinstance(v, int) and not isinstance(v, bool):
                return v
        w = _embedding_width(model)
        if w is None:
            raise Unavailable(
                "d_model and width are read from the config's " + ", ".join(D_MODEL_FIELDS)
                + " or the width of an embedding, and this model has none: pass config={'d_model': ...}."
            )
        return w

    values: dict[str, Any] = {"n_layers": Lazy(layers), "d_model": Lazy(d_model), "width": Lazy(d_model)}
    values.update(cfg)
    return Bindings(values)


def param_bindings(base: Bindings, path: str, shape: Sequence[int], captures: Mapping[str, Any] | None) -> Bindings:
    """``base`` with the parameter's ``fan_in``/``fan_out`` (MLX layout) and the path's captures."""
    values: dict[str, Any] = {}
    missing: dict[str, str] = {}
    if len(shape) >= 2:
        rf = math.prod(shape[1:-1])
        values["fan_in"] = int(shape[-1]) * rf
        values["fan_out"] = int(shape[0]) * rf
    else:
        why = f"fan_in and fan_out need a parameter of 2 or more dimensions; {path!r} has shape {tuple(shape)}."
        missing = {"fan_in": why, "fan_out": why}
    values.update(captures or {})
    return base.child(values, missing)


