"""Tests for :mod:`inal_utils.book`: the scale knob, seeding, glue and the claims table."""

import random

import numpy as np
import pytest
import torch

from inal_utils import book

# ------------------------------------------------------------------------------------------------
# scale
# ------------------------------------------------------------------------------------------------


def test_choose_picks_by_scale():
    assert book.choose("quick", quick=1, paper=2) == 1
    assert book.choose("paper", quick=1, paper=2) == 2
    sentinel = object()
    assert book.choose("paper", quick=None, paper=sentinel) is sentinel


@pytest.mark.parametrize("bad", ["fast", "Quick", "", None, 1, ["quick"]])
def test_check_scale_rejects_and_lists_allowed(bad):
    with pytest.raises(ValueError) as info:
        book.check_scale(bad)
    msg = str(info.value)
    assert "quick" in msg and "paper" in msg and repr(bad) in msg
    with pytest.raises(ValueError):
        book.choose(bad, quick=1, paper=2)


def test_check_scale_accepts_allowed():
    for s in ("quick", "paper"):
        assert book.check_scale(s) == s


def test_default_device():
    assert book.default_device("quick") == "cpu"
    assert book.default_device() == "cpu"
    assert book.default_device("paper") == ("cuda" if torch.cuda.is_available() else "cpu")
    with pytest.raises(ValueError):
        book.default_device("gpu")


# ------------------------------------------------------------------------------------------------
# seeding
# ------------------------------------------------------------------------------------------------


def _draw():
    return random.random(), np.random.rand(3).tolist(), torch.rand(3).tolist()


def test_seed_everything_reproducible():
    assert book.seed_everything(123) == 123
    first = _draw()
    book.seed_everything(123)
    assert _draw() == first
    book.seed_everything(124)
    assert _draw() != first


@pytest.mark.parametrize("bad", [-1, 1.5, "0", None])
def test_seed_everything_bad_seed(bad):
    with pytest.raises((ValueError, TypeError), match="seed="):
        book.seed_everything(bad)


# ------------------------------------------------------------------------------------------------
# as_builtin / glue
# ------------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "value,expected,typ",
    [
        (np.float64(0.25), 0.25, float),
        (np.float32(0.5), 0.5, float),
        (np.int64(7), 7, int),
        (np.int8(-3), -3, int),
        (np.bool_(True), True, bool),
        (np.array(2.5), 2.5, float),
        (torch.tensor(2.5), 2.5, float),
        (torch.tensor(2.5, dtype=torch.float64, requires_grad=True), 2.5, float),
        (torch.tensor(3), 3, int),
        (torch.tensor(False), False, bool),
        (1.5, 1.5, float),
        (4, 4, int),
        (True, True, bool),
    ],
)
def test_as_builtin_scalars(value, expected, typ):
    out = book.as_builtin(value)
    assert type(out) is typ
    assert out == expected


def test_as_builtin_passes_non_numbers_and_rejects_arrays():
    assert book.as_builtin("text") == "text"
    with pytest.raises(ValueError, match="scalar"):
        book.as_builtin(np.ones(3))
    with pytest.raises(ValueError, match="scalar"):
        book.as_builtin(torch.ones(2, 2))


def test_glue_outside_a_kernel_just_works():
    # Outside Jupyter, myst_nb.glue has no kernel to publish to; it must not raise.
    # It returns None, so a cell ending in glue(...) displays nothing.
    assert book.glue("test_glue_plain", np.float64(0.125)) is None


def test_glue_publishes_plain_python_repr(monkeypatch):
    """The glued text/plain must be '0.25', not 'np.float64(0.25)' (NumPy 2 repr breaks {glue:text})."""
    import myst_nb.ext.glue as mg

    published = []
    monkeypatch.setattr(mg, "ipy_display", lambda data, raw, metadata: published.append((data, metadata)))
    book.glue("ch0_a", np.float64(0.25))
    book.glue("ch0_b", torch.tensor(3))
    book.glue("ch0_c", np.float32(0.5), display=True)
    assert len(published) == 3
    (da, ma), (db, mb), (dc, mc) = published
    assert ma["scrapbook"]["name"] == "ch0_a" and mb["scrapbook"]["name"] == "ch0_b"
    plain_a = next(v for k, v in da.items() if k.endswith("text/plain"))
    plain_b = next(v for k, v in db.items() if k.endswith("text/plain"))
    assert plain_a == "0.25" and plain_b == "3"
    assert format(float(plain_a), ".3f") == "0.250"
    # display=False uses the hidden (papermill.record) mime prefix; display=True does not
    assert all(k.startswith(ma["scrapbook"]["mime_prefix"]) for k in da) and ma["scrapbook"]["mime_prefix"]
    assert mc["scrapbook"]["mime_prefix"] == "" and dc["text/plain"] == "0.5"


# ------------------------------------------------------------------------------------------------
# ClaimsTable
# ------------------------------------------------------------------------------------------------


def test_claims_check_records_asserted_rows_and_returns_true():
    claims = book.ClaimsTable()
    assert len(claims) == 0 and claims.all_held
    assert claims.check("Parseval holds", "sum = 1.000", True, source="O'Donnell 2014") is True
    assert claims.check("torch bool", 1.0, torch.tensor(True)) is True
    assert claims.check("numpy bool", 1.0, np.bool_(True)) is True
    assert [c.asserted for c in claims.claims] == [True, True, True]
    assert claims.claims[1].measured == "1.0" and claims.claims[0].source == "O'Donnell 2014"
    assert claims.all_held and claims.counts() == {"held": 3, "not reproduced": 0, "inconclusive": 0}


def test_claims_check_raises_but_keeps_the_row():
    claims = book.ClaimsTable()
    with pytest.raises(AssertionError, match="x.*measured: y"):
        claims.check("x", "y", 1 > 2)
    assert len(claims) == 1 and claims.claims[0].outcome == "not reproduced" and not claims.all_held


def test_claims_check_refuses_inconclusive():
    with pytest.raises((ValueError, TypeError), match="record"):
        book.ClaimsTable().check("x", "y", "inconclusive")


def test_claims_record_three_outcomes_returns_bool():
    claims = book.ClaimsTable()
    assert claims.record("a", "1", True) is True
    assert claims.record("b", "2", np.bool_(False)) is False
    assert claims.record("c", "3", "inconclusive") is False  # never a truthy string
    assert claims.record("d", "4", "not reproduced") is False
    assert [c.outcome for c in claims.claims] == ["held", "not reproduced", "inconclusive", "not reproduced"]
    assert not any(c.asserted for c in claims.claims)
    assert claims.counts() == {"held": 1, "not reproduced": 2, "inconclusive": 1}


@pytest.mark.parametrize("bad", ["False", "yes", float("nan"), 1, 0.0, None, np.array([True, False])])
def test_claims_outcome_must_be_boolean_or_named(bad):
    with pytest.raises((TypeError, ValueError), match="outcome"):
        book.ClaimsTable().record("x", "y", bad)
    with pytest.raises((TypeError, ValueError), match="held"):  # check's argument is named held
        book.ClaimsTable().check("x", "y", bad)


@pytest.mark.parametrize("bad", ["", "  ", None, 3])
def test_claims_bad_statement(bad):
    with pytest.raises(ValueError, match="statement"):
        book.ClaimsTable().check(bad, "m", True)


def test_claims_bad_source():
    with pytest.raises(TypeError, match="source"):
        book.ClaimsTable().record("x", "m", True, source=3)


def test_claims_markdown_rows_and_legend():
    claims = book.ClaimsTable()
    claims.check("first claim", "m=1", True, source="src A")
    claims.record("a | b", "m=2", False, source="src B")
    claims.record("third", "m=3", "inconclusive")
    lines = claims.to_markdown().splitlines()
    assert lines[0].startswith("| # | Outcome | Claim")
    assert "first claim" in lines[2] and "src A" in lines[2] and "held (asserted)" in lines[2]
    assert "a \\| b" in lines[3] and "not reproduced (recorded)" in lines[3]
    assert "inconclusive (recorded)" in lines[4]
    table = lines[:5]
    assert len({line.replace("\\|", "").count("|") for line in table}) == 1
    assert lines[-1] == book.CLAIMS_LEGEND
    assert repr(claims) == claims.to_markdown()


def test_claims_html_rows_styling_legend_and_escaping():
    claims = book.ClaimsTable()
    claims.check("<script>alert(1)</script> & x<y", "W<=1 = 0.5", True, source="A & B")
    claims.record("second", "0.1", False, source="derived in [the bound](#the-bound) <b>")
    claims.record("third", "0.2", "inconclusive")
    out = claims._repr_html_()
    assert out.startswith('<div class="claims-wrap"><table class="claims-table">') and out.endswith("</div>")
    assert "<script>" not in out and "<b>" not in out
    assert "&lt;script&gt;" in out and "x&lt;y" in out and "A &amp; B" in out and "W&lt;=1" in out
    assert out.count("<tr") == 4  # header + three rows
    assert 'class="claim-asserted outcome-held"' in out
    assert 'class="claim-recorded outcome-not-reproduced"' in out
    assert 'class="claim-recorded outcome-inconclusive"' in out
    assert '<a href="#the-bound">the bound</a>' in out
    assert out.index("<th>Outcome</th>") < out.index("<th>Claim</th>")  # visible first on narrow screens
    assert 'class="claims-legend"' in out and "asserted" in out and "recorded" in out


# ------------------------------------------------------------------------------------------------
# Table / html_table
# ------------------------------------------------------------------------------------------------


def test_html_table_rows_formatting_and_escaping():
    out = book.html_table(["f", "W<=1"], [["maj & co", np.float64(0.6366197)], ["<b>", 3]], floatfmt=".3f")
    assert out.startswith('<table class="data-table">') and out.endswith("</table>")
    assert out.count("<tr>") == 3 and out.count("<td>") == 4
    assert "<th>W&lt;=1</th>" in out and "<td>maj &amp; co</td>" in out and "<td>&lt;b&gt;</td>" in out
    assert "<td>0.637</td>" in out and "<td>3</td>" in out  # floats formatted, ints as is
    assert "np.float64" not in out


def test_html_table_bad_row_length():
    with pytest.raises(ValueError, match="2 cells"):
        book.html_table(["a", "b"], [[1, 2], [3]])


def test_table_html_and_text():
    t = book.Table(["name", "value"], [["x", 0.123456], ["longer", torch.tensor(2.0)]])
    assert t._repr_html_() == book.html_table(["name", "value"], [["x", 0.123456], ["longer", 2.0]])
    lines = repr(t).splitlines()
    assert len(lines) == 3 and len({len(line) for line in lines}) == 1  # right-aligned columns
    assert "0.123" in lines[1] and lines[2].split() == ["longer", "2"]


# ------------------------------------------------------------------------------------------------
# Math in tables
# ------------------------------------------------------------------------------------------------


def test_math_cells_render_as_sphinx_inline_math():
    t = book.Table(["f", book.Math(r"W^{\le 1}")], [[book.Math(r"\chi_{\{0\}}"), 0.5], ["a<b", book.Math("x<y")]])
    out = t._repr_html_()
    assert '<th><span class="math notranslate nohighlight">\\(W^{\\le 1}\\)</span></th>' in out
    assert '<td><span class="math notranslate nohighlight">\\(\\chi_{\\{0\\}}\\)</span></td>' in out
    assert "\\(x&lt;y\\)" in out and "<td>a&lt;b</td>" in out  # TeX is escaped like any text
    assert out.count('class="math') == 3
    assert "$W^{\\le 1}$" in repr(t) and "$x<y$" in repr(t)


def test_plain_strings_are_never_math():
    out = book.Table(["$x$", r"\(y\)"], [["W^{=0}", 1]])._repr_html_()
    assert 'class="math' not in out and "<th>$x$</th>" in out


@pytest.mark.parametrize("bad", ["", "  ", None, 3])
def test_math_rejects_empty_or_non_string(bad):
    with pytest.raises(ValueError, match="tex="):
        book.Math(bad)


def test_math_equality_and_repr():
    assert book.Math("x") == book.Math("x") and book.Math("x") != book.Math("y") and book.Math("x") != "x"
    assert len({book.Math("x"), book.Math("x")}) == 1
    assert repr(book.Math("x")) == "Math('x')" and str(book.Math("x")) == "$x$"


def test_glue_without_myst_nb_is_a_quiet_no_op(monkeypatch):
    """In Colab myst-nb is absent: glue must not fail, but bad values must still raise."""
    import sys

    monkeypatch.setitem(sys.modules, "myst_nb", None)
    assert book.glue("ch0_x", np.float64(0.5)) is None
    with pytest.raises(ValueError, match="scalar"):
        book.glue("ch0_y", np.ones(3))


def test_glue_turns_a_figure_into_a_png_whatever_the_backend(monkeypatch):
    """Under MPLBACKEND=Agg IPython has no PNG formatter for figures; glue must still publish an image."""
    import matplotlib

    matplotlib.use("Agg", force=True)
    import matplotlib.pyplot as plt
    import myst_nb.ext.glue as mg

    published = []
    monkeypatch.setattr(mg, "ipy_display", lambda data, raw, metadata: published.append(data))
    fig, ax = plt.subplots(figsize=(5, 2))
    ax.plot([0, 1], [0, 1])
    book.glue("ch0_fig", fig, display=False)
    plt.close(fig)
    (data,) = published
    png = next(v for k, v in data.items() if k.endswith("image/png"))
    import base64
    raw = base64.b64decode(png) if isinstance(png, str) else png
    assert raw[:8] == b"\x89PNG\r\n\x1a\n"
    width = int.from_bytes(raw[16:20], "big")
    assert 400 <= width <= 5 * book.FIGURE_DPI  # 5 in at FIGURE_DPI, less the tight crop


# ------------------------------------------------------------------------------------------------
# bad input (each case was accepted, or raised something else, before the fix)
# ------------------------------------------------------------------------------------------------


def test_seed_everything_numpy_ints_and_large_seeds():
    """np.int64(3) failed in random.seed; 2**40 failed in numpy's legacy seed (< 2**32)."""
    assert book.seed_everything(np.int64(3)) == 3
    a = np.random.rand()
    book.seed_everything(3)
    assert np.random.rand() == a
    assert book.seed_everything(2**40) == 2**40
    with pytest.raises(ValueError, match="seed"):
        book.seed_everything(2**64)


def test_as_builtin_refuses_meta_and_complex():
    with pytest.raises(ValueError, match="meta device"):
        book.as_builtin(torch.ones((), device="meta"))
    with pytest.raises(TypeError, match="complex"):
        book.as_builtin(1 + 2j)


@pytest.mark.parametrize("value, error", [(float("nan"), ValueError), (np.float64("inf"), ValueError),
                                          (1j, TypeError), (None, TypeError), ([1.0], TypeError)])
def test_glue_refuses_values_a_reader_cannot_be_shown(value, error):
    with pytest.raises(error, match="value"):
        book.glue("chx_key", value)
    with pytest.raises(TypeError, match="name"):
        book.glue(3, 1.0)
