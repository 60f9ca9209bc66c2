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
    with pytest.raises(ValueError, match="seed="):
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


def test_claims_add_returns_held_and_records():
    claims = book.ClaimsTable()
    assert len(claims) == 0 and claims.all_held
    r1 = claims.add("Parseval holds", "sum = 1.000", True, source="O'Donnell 2014")
    assert r1 is True
    assert claims.all_held
    r2 = claims.add("Level-1 weight -> 2/pi", "0.66", np.bool_(False))
    assert r2 is False and type(r2) is bool
    r3 = claims.add("torch bool", 1.0, torch.tensor(True))
    assert r3 is True
    assert len(claims) == 3 and not claims.all_held
    assert [c.held for c in claims.claims] == [True, False, True]
    assert claims.claims[2].measured == "1.0"
    assert claims.claims[0].source == "O'Donnell 2014"


def test_claims_use_in_assert_fails_when_not_held():
    claims = book.ClaimsTable()
    with pytest.raises(AssertionError):
        assert claims.add("x", "y", 1 > 2)
    assert len(claims) == 1  # recorded even though it failed


@pytest.mark.parametrize("bad", ["", None, 3])
def test_claims_bad_statement(bad):
    with pytest.raises(ValueError, match="statement"):
        book.ClaimsTable().add(bad, "m", True)


def test_claims_markdown_rows():
    claims = book.ClaimsTable()
    claims.add("first claim", "m=1", True, source="src A")
    claims.add("a | b", "m=2", False, source="src B")
    md = claims.to_markdown()
    lines = md.splitlines()
    assert len(lines) == 4
    assert lines[0].startswith("| # | Claim")
    assert "first claim" in lines[2] and "src A" in lines[2] and "m=1" in lines[2] and "yes" in lines[2]
    assert "a \\| b" in lines[3] and "**no**" in lines[3]
    # every row has the same number of (unescaped) columns
    assert len({line.replace("\\|", "").count("|") for line in lines}) == 1
    assert repr(claims) == md


def test_claims_html_rows_and_escaping():
    claims = book.ClaimsTable()
    claims.add("<script>alert(1)</script> & x<y", "W<=1 = 0.5", True, source="A & B")
    claims.add("second", "0.1", False)
    out = claims._repr_html_()
    assert out.startswith("<table") and out.endswith("</table>")
    assert "<script>" not in out
    assert "&lt;script&gt;" in out and "x&lt;y" in out and "A &amp; B" in out and "W&lt;=1" in out
    assert out.count("<tr>") == 3  # header + two rows
    assert "second" in out and "yes" in out and "NO" in out


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


def test_check_at_asserts_only_at_its_scale():
    assert book.check_at("quick", True, "unused") is True
    with pytest.raises(AssertionError, match="plateau changed"):
        book.check_at("quick", False, "plateau changed")
    assert book.check_at("paper", False, "not checked at paper scale") is False
    with pytest.raises(AssertionError, match="only at paper"):
        book.check_at("paper", False, "only at paper", at="paper")


def test_check_at_rejects_unknown_scale():
    with pytest.raises(ValueError, match="scale='huge'"):
        book.check_at("huge", True, "x")
    with pytest.raises(ValueError, match="scale='full'"):
        book.check_at("quick", True, "x", at="full")
