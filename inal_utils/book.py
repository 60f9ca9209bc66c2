"""Chapter conventions: the ``scale`` knob, seeding, glue, and the claims table.

Every chapter starts with a cell tagged ``parameters`` that sets ``scale = "quick"``; it then
calls :func:`choose` to size its experiments, records each claim with :class:`ClaimsTable`,
asserts it in a hidden cell, and ends with ``claims`` displayed as a table.
"""

from __future__ import annotations

import html
import numbers
import random
from dataclasses import dataclass

import numpy as np
import torch

SCALES = ("quick", "paper")


def check_scale(scale):
    """Return ``scale`` if it is ``"quick"`` or ``"paper"``; raise ``ValueError`` otherwise."""
    if scale not in SCALES:
        raise ValueError(f"scale={scale!r} is not allowed; use one of {SCALES}")
    return scale


def choose(scale, *, quick, paper):
    """Pick the ``quick`` or ``paper`` value of a setting according to ``scale``."""
    return quick if check_scale(scale) == "quick" else paper


def check_at(scale, held, message, *, at="quick"):
    """Assert ``held`` when the chapter runs at scale ``at``; at other scales return it unchecked.

    For observations that depend on the size of the experiment (a width, a budget): the prose
    describes them at scale ``at``, so they are pinned there, while a run at another scale records
    them in the claims table without stopping. Raises ``AssertionError`` with ``message``.
    """
    if check_scale(scale) == check_scale(at) and not held:
        raise AssertionError(message)
    return bool(held)


def default_device(scale="quick"):
    """``"cuda"`` at paper scale when torch sees a GPU, else ``"cpu"``."""
    if check_scale(scale) == "paper" and torch.cuda.is_available():
        return "cuda"
    return "cpu"


def seed_everything(seed=0):
    """Seed Python, NumPy and torch so a chapter gives the same numbers on every run."""
    if not isinstance(seed, numbers.Integral) or seed < 0:
        raise ValueError(f"seed={seed!r} must be a non-negative integer")
    random.seed(seed)
    np.random.seed(seed)
    torch.manual_seed(seed)
    return seed


def as_builtin(value):
    """Convert NumPy/torch scalars to plain Python numbers (myst-nb's ``glue`` formats these)."""
    if isinstance(value, torch.Tensor):
        value = value.detach().cpu().numpy()
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
    return value


def glue(name, value, display=False):
    """``myst_nb.glue`` for numbers: converts to a Python float/int first (NumPy 2 safe); returns None."""
    from myst_nb import glue as _glue

    _glue(name, as_builtin(value), display=display)


def _format_cell(value, floatfmt):
    value = as_builtin(value)
    if isinstance(value, float):
        return format(value, floatfmt)
    return str(value)


def html_table(headers, rows, *, floatfmt=".3g", css_class="data-table"):
    """An HTML table (escaped) from ``headers`` and ``rows``; floats are formatted with ``floatfmt``."""
    headers = [str(h) for h in headers]
    rows = [list(r) for r in rows]
    if any(len(r) != len(headers) for r in rows):
        raise ValueError(f"every row must have {len(headers)} cells, one per header")
    head = "".join(f"<th>{html.escape(h)}</th>" for h in headers)
    body = "".join(
        "<tr>" + "".join(f"<td>{html.escape(_format_cell(c, floatfmt))}</td>" for c in r) + "</tr>"
        for r in rows
    )
    return f'<table class="{css_class}"><thead><tr>{head}</tr></thead><tbody>{body}</tbody></table>'


class Table:
    """A small table that renders as HTML in notebooks and the book (``Table(headers, rows)``)."""

    def __init__(self, headers, rows, *, floatfmt=".3g"):
        self.headers, self.rows, self.floatfmt = list(headers), [list(r) for r in rows], floatfmt
        self._html = html_table(self.headers, self.rows, floatfmt=floatfmt)

    def _repr_html_(self):
        return self._html

    def __repr__(self):
        width = [max(len(_format_cell(x, self.floatfmt)) for x in col) for col in zip(self.headers, *self.rows)]
        lines = [self.headers] + self.rows
        return "\n".join("  ".join(_format_cell(x, self.floatfmt).rjust(w) for x, w in zip(r, width)) for r in lines)


@dataclass(frozen=True)
class Claim:
    statement: str
    source: str
    measured: str
    held: bool


class ClaimsTable:
    """The table each chapter ends with: the paper's statement, what we measured, held or not.

    ``add`` returns ``held`` so a hidden cell can write ``assert claims.add(...)``; a claim that
    does not reproduce is still recorded (and explained in the text), never dropped.
    """

    def __init__(self):
        self.claims = []

    def add(self, statement, measured, held, *, source=""):
        if not isinstance(statement, str) or not statement:
            raise ValueError("statement must be a non-empty string")
        held = bool(as_builtin(held))
        self.claims.append(Claim(statement, source, str(measured), held))
        return held

    def __len__(self):
        return len(self.claims)

    @property
    def all_held(self):
        return all(c.held for c in self.claims)

    def to_markdown(self):
        rows = ["| # | Claim | Source | Measured | Held |", "|---|---|---|---|---|"]
        for i, c in enumerate(self.claims, 1):
            cells = [str(i), c.statement, c.source, c.measured, "yes" if c.held else "**no**"]
            rows.append("| " + " | ".join(x.replace("|", "\\|") for x in cells) + " |")
        return "\n".join(rows)

    def _repr_html_(self):
        rows = [[i, c.statement, c.source, c.measured, "yes" if c.held else "NO"]
                for i, c in enumerate(self.claims, 1)]
        return html_table(["#", "Claim", "Source", "Measured", "Held"], rows, css_class="claims-table")

    def __repr__(self):
        return self.to_markdown()
