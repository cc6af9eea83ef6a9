"""Docstrings as plain text for the command line (``mlxinit._text``)."""

from __future__ import annotations

import doctest
import textwrap

import mlx.nn.init
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import mlxinit
from mlxinit import _text
from mlxinit._text import description, inline, latex_to_text, param_docs, plain, split_default


def test_module_examples() -> None:
    """The examples in the converter's docstrings hold."""
    result = doctest.testmod(_text)
    assert result.attempted >= 8
    assert result.failed == 0


@pytest.mark.parametrize(
    ("text", "want"),
    [
        ("``value``", "value"),
        ("``a * b * c``", "a * b * c"),
        (":func:`eye`", "eye()"),
        (":meth:`Registry.get`", "Registry.get()"),
        (":func:`calculate_gain() <mlxinit.calculate_gain>`", "calculate_gain()"),
        (":class:`~mlxinit.Registry`", "Registry"),
        (":class:`mlxinit.Registry`", "mlxinit.Registry"),
        (":py:class:`!Foo`", "Foo"),
        (":exc:`ValueError`", "ValueError"),
        (":mod:`mlxinit.testing`", "mlxinit.testing"),
        (":data:`hookimpl`", "hookimpl"),
        (":ref:`the seeds section <seeds>`", "the seeds section"),
        (":math:`\\sigma^2`", "σ²"),
        (":unknownrole:`x`", "x"),
        ("{func}`eye`", "eye()"),
        ("{math}`\\alpha`", "α"),
        ("$\\frac{1}{n}$", "1/n"),
        ("**bold** and *emphasis*", "bold and emphasis"),
        ("**params: keyword arguments", "**params: keyword arguments"),
        ("*args and **kwargs", "*args and **kwargs"),
        ("lower*std and upper*std", "lower*std and upper*std"),
        ("`paper <https://arxiv.org/abs/1>`_", "paper (https://arxiv.org/abs/1)"),
        ("`https://x.org <https://x.org>`_", "https://x.org"),
        ("`Glorot`_", "Glorot"),
        ("`interpreted`", "interpreted"),
        ("[the guide](https://x.org/g)", "the guide (https://x.org/g)"),
        ("[apply](apply.md)", "apply"),
        ("``std``\\ ²", "std²"),
        ("a \\*literal\\* star", "a *literal* star"),
    ],
)
def test_inline_markup(text: str, want: str) -> None:
    """Each kind of inline markup reads as plain text."""
    assert inline(text) == want


def test_links_may_span_lines() -> None:
    """A hyperlink whose text wraps keeps its line break and shows its URL."""
    assert inline("see `Delving Deep into\nRectifiers <https://arxiv.org/abs/1502.01852>`_") == (
        "see Delving Deep into\nRectifiers (https://arxiv.org/abs/1502.01852)"
    )


@pytest.mark.parametrize(
    ("tex", "want"),
    [
        ("\\sigma = \\frac{\\text{gain}}{\\sqrt{\\text{fan\\_in}}}", "σ = gain/sqrt(fan_in)"),
        ("\\frac{a + b}{2}", "(a + b)/2"),
        ("\\sqrt[3]{x}", "root3(x)"),
        ("\\mathcal{U}(-a, a)", "U(-a, a)"),
        ("x_{i}^{2} \\leq \\infty", "x_i² ≤ ∞"),
        ("e^{-x}", "e^(-x)"),
        ("\\left( \\frac{1}{n} \\right)", "( 1/n )"),
        ("\\Gamma \\cdot \\pi \\times 2", "Γ · π × 2"),
        ("\\log x", "log x"),
        ("\\unknown{y}", "unknowny"),
        ("a \\\\ b", "a ; b"),
        ("\\", ""),
        ("\\sqrt[", "sqrt([)"),
        ("{", ""),
    ],
)
def test_latex_to_text(tex: str, want: str) -> None:
    """LaTeX reads as Unicode; malformed input still gives text."""
    assert latex_to_text(tex) == want


def test_blocks() -> None:
    """Math, code, literal and doctest blocks, admonitions, versions, fields and comments."""
    doc = textwrap.dedent(
        """\
        Intro with a literal block::

            x = a * b * c  # ``kept``

        Expanded form: ::

            y = **kw

        .. math::
           :label: eq1

           \\sigma = \\frac{1}{\\sqrt{n}}

        .. math:: \\mu = 0

        .. code-block:: python

            init(``a``)

        .. note::
           Uses :func:`eye`.

        .. versionadded:: 0.2

        .. deprecated:: 0.3 Use :func:`get`.

        .. _a-target:

        .. image:: plot.png
           :alt: a plot

        :param gain: the ``gain``.
        :type gain: float
        :returns: an initializer.
        :raises ValueError: a bad ``gain``.

        >>> print(``not touched``)  # *raw*
        ``not touched``
        """
    )
    assert plain(doc) == textwrap.dedent(
        """\
        Intro with a literal block:

            x = a * b * c  # ``kept``

        Expanded form:

            y = **kw

            σ = 1/sqrt(n)

            μ = 0

            init(``a``)

        Note:
            Uses eye().

        New in version 0.2.

        Deprecated since version 0.3: Use get().

        gain: the gain.
        Returns: an initializer.
        Raises ValueError: a bad gain.

        >>> print(``not touched``)  # *raw*
        ``not touched``"""
    )


def test_myst_fences() -> None:
    """MyST code fences stay verbatim; ``{math}`` and ``{note}`` fences are rendered."""
    doc = "A:\n\n```python\nx = ``y``\n```\n\n```{math}\n\\alpha^2\n```\n\n:::{note}\nSee ``z``.\n:::\n\n$$\n\\beta\n$$"
    assert plain(doc) == "A:\n\n    x = ``y``\n\n    α²\n\nNote:\n    See z.\n\n    β"


def test_real_mlx_docstring() -> None:
    """``mlx.nn.init.he_normal``'s docstring: math block, math roles, a link, sections, a doctest."""
    text = plain(mlx.nn.init.he_normal.__doc__)
    assert "\n    σ = γ 1/sqrt(fan)\n" in text
    assert "where fan is either" in text
    assert "Classification (https://arxiv.org/abs/1502.01852)" in text
    assert "dtype (Dtype, optional): The data type of the array. Default: float32." in text
    assert '    >>> init_fn(mx.zeros((2, 2)), mode="fan_out", gain=5)' in text  # doctest verbatim
    for raw in ("``", ":math:", ".. math::", "`_"):
        assert raw not in text


def test_description_stops_at_the_first_section() -> None:
    """The prose ends at a Google-style or NumPy-style section header."""
    assert description(mlxinit.info("eye").doc).startswith("gain on the main diagonal")
    assert "Args" not in description(mlxinit.info("eye").doc)
    assert description("Prose.\n\nParameters\n----------\nx : int\n") == "Prose."
    assert description(None) == ""


def test_param_docs_of_builtins_and_mlx() -> None:
    """``Args:`` entries, with types and continuation lines, become one plain line each."""
    docs = param_docs(mlxinit.info("variance_scaling").doc)
    assert docs["distribution"] == '"truncated_normal", "normal" or "uniform". Default: "truncated_normal".'
    assert docs["mode"] == '"fan_in", "fan_out", "fan_avg" or "fan_geo_avg". Default: "fan_in".'
    mlx_docs = param_docs(mlx.nn.init.normal.__doc__)  # "Default:" and its value on two lines
    assert mlx_docs["mean"] == "Mean of the normal distribution. Default: 0.0."
    assert split_default(mlx_docs["dtype"]) == ("The data type of the array.", "float32")
    assert param_docs("No sections.") == {}
    assert param_docs("X.\n\nArgs:\n    *args: positional.\n    **kw: keywords.\n") == {
        "args": "positional.",
        "kw": "keywords.",
    }


@pytest.mark.parametrize(
    ("text", "want"),
    [
        ("scaling factor. Default: 1.0.", ("scaling factor.", "1.0")),
        ('"fan_in" or "fan_out". Default: "fan_in".', ('"fan_in" or "fan_out".', '"fan_in"')),
        ("the bound (default: 2).", ("the bound", "2")),
        ("a value, defaults to 0.5", ("a value,", "0.5")),
        ("the mean.", ("the mean.", None)),
        ("Default: 3.", ("", "3")),
        ("a pair. Default: ``(1, 2)``.", ("a pair.", "``(1, 2)``")),
        ("Default: the input's dtype. Ignored for ints.", ("Default: the input's dtype. Ignored for ints.", None)),
    ],
)
def test_split_default(text: str, want: tuple[str, str | None]) -> None:
    """The closing default sentence is split off a parameter's description."""
    assert split_default(text) == want


@settings(max_examples=300, deadline=None)
@given(st.text(alphabet=st.sampled_from(list("ab :`*_\\{}[]()<>$.^-~\n\t|:=#!")), max_size=80))
def test_plain_never_fails(text: str) -> None:
    """Any text, however malformed as reST or LaTeX, gives text back."""
    assert isinstance(plain(text), str)
    assert isinstance(latex_to_text(text), str)
    assert isinstance(param_docs("X.\n\nArgs:\n    " + text), dict)
