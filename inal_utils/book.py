"""Chapter conventions: the ``scale`` knob, seeding, glue, and the claims table.

Every chapter starts with a cell tagged ``parameters`` that sets ``scale = "quick"``; it then
calls :func:`choose` to size its experiments, records each claim with :class:`ClaimsTable`,
asserts it in a hidden cell, and ends with ``claims`` displayed as a table.
"""

from __future__ import annotations

import html
import math
import numbers
import random
import re
from dataclasses import dataclass

import numpy as np
import torch

from . import _checks as C

SCALES = ("quick", "paper")


def check_scale(scale):
    """Return ``scale`` if it is ``"quick"`` or ``"paper"``; raise ``ValueError`` otherwise."""
    return C.choice(scale, "scale", SCALES)


def choose(scale, *, quick, paper):
    """Pick the ``quick`` or ``paper`` value of a setting according to ``scale``."""
    return quick if check_scale(scale) == "quick" else paper


def default_device(scale="quick"):
    """``"cuda"`` at paper scale when torch sees a GPU, else ``"cpu"``."""
    if check_scale(scale) == "paper" and torch.cuda.is_available():
        return "cuda"
    return "cpu"


def seed_everything(seed=0):
    """Seed Python, NumPy and torch so a chapter gives the same numbers on every run.

    ``seed`` is an integer in ``[0, 2**64)`` (Python or NumPy). NumPy's legacy global generator takes
    seeds below ``2**32``: it is seeded with ``seed % 2**32`` (the same for every seed below ``2**32``).
    """
    seed = C.seed(seed)
    random.seed(seed)
    np.random.seed(seed % 2**32)
    torch.manual_seed(seed)
    return seed


def as_builtin(value):
    """Convert NumPy/torch scalars to plain Python numbers (myst-nb's ``glue`` formats these).

    Complex numbers are refused (``TypeError``): a chapter shows real numbers.
    """
    if isinstance(value, torch.Tensor):
        C.tensor_data(value, "value")
        if value.is_complex():
            raise TypeError(f"value={C.describe(value)} is complex; a real number is required")
        value = value.detach().cpu()
        value = (value.double() if value.dtype == torch.bfloat16 else value).numpy()
    if isinstance(value, np.ndarray):
        if value.ndim:
            raise ValueError(f"value of shape {value.shape} is not a scalar")
        value = value.item()
    if isinstance(value, (bool, np.bool_)):
        return bool(value)
    if isinstance(value, numbers.Integral):
        return int(value)
    if isinstance(value, numbers.Real):
        return float(value)
    if isinstance(value, numbers.Complex):
        raise TypeError(f"value={value!r} is complex; a real number is required")
    return value


FIGURE_DPI = 100  # a 7.5 in figure is 750 px: the book's text column shows it at (nearly) full size


def figure_png(fig, dpi=FIGURE_DPI):
    """PNG bytes of a Matplotlib figure (tight bounding box, ``dpi`` pixels per inch, ``1 <= dpi <= 1200``)."""
    import io

    from matplotlib.figure import Figure

    C.instance(fig, "fig", Figure, "a matplotlib Figure")
    dpi = C.number(dpi, "dpi", minimum=1.0, maximum=1200.0)

    buffer = io.BytesIO()
    fig.savefig(buffer, format="png", dpi=dpi, bbox_inches="tight")
    return buffer.getvalue()


def _as_displayable(value):
    """A Matplotlib figure becomes a PNG image, whatever the backend; anything else goes to :func:`as_builtin`."""
    try:
        from matplotlib.figure import Figure
    except ImportError:  # pragma: no cover - matplotlib is a dependency
        Figure = ()
    if isinstance(value, Figure):
        from IPython.display import Image

        return Image(data=figure_png(value), format="png")
    return as_builtin(value)


def glue(name, value, display=False):
    """``myst_nb.glue`` for numbers and figures; returns None.

    Numbers are converted to a Python float/int first (NumPy 2 safe). A Matplotlib figure is glued as
    a PNG image rendered here, at :data:`FIGURE_DPI`, so it appears in the book even when the kernel
    runs a non-interactive backend (``MPLBACKEND=Agg``, as in CI), which would otherwise glue only the
    text ``<Figure size ...>``. Show it with ``{glue:figure}`` and a ``:name:`` so it is numbered.

    Where myst-nb is not installed (a chapter opened in Colab), there is no book to glue into: the
    value is converted (so bad values still raise) and, with ``display=True``, shown; nothing else.
    """
    name = C.text(name, "name")
    if not name:
        raise ValueError("name must be a non-empty glue key")
    display = C.flag(display, "display")
    value = _as_displayable(value)
    if isinstance(value, float) and not math.isfinite(value):
        raise ValueError(f"value={value} for glue key {name!r} is not finite; a number shown in the text must be "
                         "finite (glue the reason it is undefined as text instead)")
    if not isinstance(value, numbers.Real) and type(value).__name__ != "Image":
        raise TypeError(f"value={C.describe(value)} for glue key {name!r} must be a real number or a figure")
    try:
        from myst_nb import glue as _glue
    except ImportError:
        if display:
            from IPython.display import display as _display

            _display(value)
        return None
    _glue(name, value, display=display)


class Math:
    """Inline TeX for a table header or cell: ``Table([Math(r"W^{=1}[f]")], ...)``.

    In HTML it becomes ``<span class="math notranslate nohighlight">\\(...\\)</span>``, the markup
    Sphinx gives inline math, which the book's MathJax typesets inside notebook outputs too (MathJax
    only processes elements of class ``math`` there). As text (``repr``, a terminal) it is ``$...$``.
    """

    __slots__ = ("tex",)

    def __init__(self, tex):
        if not isinstance(tex, str) or not tex.strip():
            raise ValueError(f"tex={tex!r} must be a non-empty TeX string")
        self.tex = tex

    def __str__(self):
        return f"${self.tex}$"

    def __repr__(self):
        return f"Math({self.tex!r})"

    def __eq__(self, other):
        return isinstance(other, Math) and other.tex == self.tex

    def __hash__(self):
        return hash(("Math", self.tex))

    def html(self):
        return f'<span class="math notranslate nohighlight">\\({html.escape(self.tex, quote=False)}\\)</span>'


def _format_cell(value, floatfmt):
    if isinstance(value, Math):
        return str(value)
    value = as_builtin(value)
    if isinstance(value, float):
        return format(value, floatfmt)
    return str(value)


def _cell_html(value, floatfmt):
    if isinstance(value, Math):
        return value.html()
    return html.escape(_format_cell(value, floatfmt))


def html_table(headers, rows, *, floatfmt=".3g", css_class="data-table"):
    """An HTML table (escaped) from ``headers`` and ``rows``; floats are formatted with ``floatfmt``.

    A header or cell given as :class:`Math` is typeset by MathJax; everything else is escaped text.
    """
    if isinstance(headers, (str, bytes, dict, set)) or not hasattr(headers, "__iter__"):
        raise TypeError(f"headers={C.describe(headers)} must be a sequence of column titles")
    if isinstance(rows, (str, bytes, dict, set)) or not hasattr(rows, "__iter__"):
        raise TypeError(f"rows={C.describe(rows)} must be a sequence of rows")
    C.text(floatfmt, "floatfmt")
    C.text(css_class, "css_class")
    try:
        format(1.5, floatfmt)
    except ValueError:
        raise ValueError(f"floatfmt={floatfmt!r} is not a float format specification (e.g. '.3g')") from None
    headers = [h if isinstance(h, Math) else str(h) for h in headers]
    rows = [list(r) if isinstance(r, (list, tuple, np.ndarray)) else r for r in rows]
    if any(not isinstance(r, list) for r in rows):
        raise TypeError("rows must hold sequences (one list of cells per row)")
    if any(len(r) != len(headers) for r in rows):
        raise ValueError(f"rows: every row must have {len(headers)} cells, one per header")
    head = "".join(f"<th>{_cell_html(h, floatfmt)}</th>" for h in headers)
    body = "".join(
        "<tr>" + "".join(f"<td>{_cell_html(c, floatfmt)}</td>" for c in r) + "</tr>"
        for r in rows
    )
    return f'<table class="{css_class}"><thead><tr>{head}</tr></thead><tbody>{body}</tbody></table>'


class Table:
    """A small table that renders as HTML in notebooks and the book (``Table(headers, rows)``).

    Headers and cells may be :class:`Math` for typeset formulas (``Math(r"W^{\\le 1}")``). Keep a
    table to six or seven short columns so it fits the text column; the book's stylesheet lets a
    wider one scroll sideways inside its own box rather than overflow the page.
    """

    def __init__(self, headers, rows, *, floatfmt=".3g"):
        self._html = html_table(headers, rows, floatfmt=floatfmt)
        self.headers, self.rows, self.floatfmt = list(headers), [list(r) for r in rows], floatfmt

    def _repr_html_(self):
        return self._html

    def __repr__(self):
        width = [max(len(_format_cell(x, self.floatfmt)) for x in col) for col in zip(self.headers, *self.rows)]
        lines = [self.headers] + self.rows
        return "\n".join("  ".join(_format_cell(x, self.floatfmt).rjust(w) for x, w in zip(r, width)) for r in lines)


HELD, NOT_REPRODUCED, INCONCLUSIVE = "held", "not reproduced", "inconclusive"
OUTCOMES = (HELD, NOT_REPRODUCED, INCONCLUSIVE)
_SYMBOL = {HELD: "\u2713", NOT_REPRODUCED: "\u2717", INCONCLUSIVE: "~"}
_LINK = re.compile(r"\[([^\]]+)\]\(([^)\s]+)\)")

CLAIMS_LEGEND = (
    "\u2713 held \u00b7 \u2717 not reproduced \u00b7 ~ inconclusive (the effect is within the noise). "
    "Asserted rows are checked by a hidden assert, so the build stops if one fails; "
    "recorded rows are measured and reported on every run, and the text discusses them."
)


def _as_outcome(outcome, name="outcome"):
    """``True``/``False`` (also NumPy/torch booleans) or one of :data:`OUTCOMES` -> an outcome string."""
    if isinstance(outcome, str):
        if outcome not in OUTCOMES:
            raise ValueError(f"{name}={outcome!r} is not allowed; use True, False or one of {OUTCOMES}")
        return outcome
    if isinstance(outcome, torch.Tensor):
        C.tensor_data(outcome, name)
    if isinstance(outcome, torch.Tensor) and outcome.dtype == torch.bool and outcome.numel() == 1:
        outcome = bool(outcome)
    if isinstance(outcome, np.ndarray) and outcome.dtype == bool and outcome.ndim == 0:
        outcome = outcome.item()
    if not isinstance(outcome, (bool, np.bool_)):
        raise TypeError(f"{name}={C.describe(outcome)} ({type(outcome).__name__}) must be a boolean or one of {OUTCOMES}")
    return HELD if outcome else NOT_REPRODUCED


def _source_html(source):
    """Escape ``source``; Markdown links ``[text](target)`` become HTML links (to a section or the bibliography)."""
    out, pos = [], 0
    for m in _LINK.finditer(source):
        out.append(html.escape(source[pos:m.start()]))
        out.append(f'<a href="{html.escape(m.group(2), quote=True)}">{html.escape(m.group(1))}</a>')
        pos = m.end()
    out.append(html.escape(source[pos:]))
    return "".join(out)


@dataclass(frozen=True)
class Claim:
    statement: str
    source: str
    measured: str
    outcome: str
    asserted: bool

    @property
    def held(self):
        return self.outcome == HELD


class ClaimsTable:
    """The table each chapter ends with: the paper's statement, what we measured, and the outcome.

    Two kinds of row:

    - :meth:`check` records an *asserted* claim and raises ``AssertionError`` when it does not hold,
      so a claim the chapter relies on stops the build;
    - :meth:`record` records a claim with any outcome (held, not reproduced, inconclusive) without
      stopping: results the text discusses either way, such as a prediction that does not reproduce.

    Every row is kept, whatever its outcome. The table renders with a legend that says which rows
    are asserted. ``source`` names a bibliography entry, a result of the book or the section where a
    prediction is derived; ``[text](target)`` in it becomes a link.
    """

    def __init__(self):
        self.claims = []

    def _append(self, statement, measured, outcome, source, asserted, name="outcome"):
        if not isinstance(statement, str) or not statement.strip():
            raise ValueError(f"statement={statement!r} must be a non-empty string")
        if not isinstance(source, str):
            raise TypeError(f"source={source!r} must be a string")
        if asserted and isinstance(outcome, str):
            raise TypeError(f"{name}={outcome!r} must be True or False (a boolean), not a string; record an "
                            "inconclusive result with record()")
        outcome = _as_outcome(outcome, name)
        if asserted and outcome == INCONCLUSIVE:
            raise ValueError(f"{name}={outcome!r}: an asserted claim must be True or False; record an inconclusive "
                             "result with record()")
        claim = Claim(statement, source, str(measured), outcome, asserted)
        self.claims.append(claim)
        return claim

    def check(self, statement, measured, held, *, source=""):
        """Record an asserted claim; raise ``AssertionError`` if ``held`` is false. Returns ``True``."""
        claim = self._append(statement, measured, held, source, True, name="held")
        if not claim.held:
            raise AssertionError(f"claim not reproduced: {statement} (measured: {claim.measured})")
        return True

    def record(self, statement, measured, outcome, *, source=""):
        """Record a claim without asserting it; ``outcome`` is a boolean or one of :data:`OUTCOMES`.

        Returns ``True`` only when the outcome is "held" (never a truthy string), so the result can
        feed later logic safely.
        """
        return self._append(statement, measured, outcome, source, False).held

    def __len__(self):
        return len(self.claims)

    @property
    def all_held(self):
        return all(c.held for c in self.claims)

    def counts(self):
        """``{outcome: number of rows}`` over :data:`OUTCOMES`, for the text around the table."""
        return {o: sum(c.outcome == o for c in self.claims) for o in OUTCOMES}

    def to_markdown(self):
        rows = ["| # | Outcome | Claim | Measured | Source |", "|---|---|---|---|---|"]
        for i, c in enumerate(self.claims, 1):
            kind = "asserted" if c.asserted else "recorded"
            cells = [str(i), f"{_SYMBOL[c.outcome]} {c.outcome} ({kind})", c.statement, c.measured, c.source]
            rows.append("| " + " | ".join(x.replace("|", "\\|") for x in cells) + " |")
        return "\n".join(rows + ["", CLAIMS_LEGEND])

    def _repr_html_(self):
        head = "".join(f"<th>{h}</th>" for h in ("#", "Outcome", "Claim", "Measured", "Source"))
        body = []
        for i, c in enumerate(self.claims, 1):
            kind = "asserted" if c.asserted else "recorded"
            slug = c.outcome.replace(" ", "-")
            outcome = (f'<span class="claim-outcome">{_SYMBOL[c.outcome]} {c.outcome}</span>'
                       f'<span class="claim-kind">{kind}</span>')
            body.append(f'<tr class="claim-{kind} outcome-{slug}"><td>{i}</td><td>{outcome}</td>'
                        f"<td>{html.escape(c.statement)}</td><td>{html.escape(c.measured)}</td>"
                        f"<td>{_source_html(c.source)}</td></tr>")
        return (f'<div class="claims-wrap"><table class="claims-table"><thead><tr>{head}</tr></thead>'
                f'<tbody>{"".join(body)}</tbody></table>'
                f'<p class="claims-legend">{html.escape(CLAIMS_LEGEND)}</p></div>')

    def __repr__(self):
        return self.to_markdown()
