"""Tests for :mod:`inal_utils.plotting` (power-law fits on log-log axes)."""

import matplotlib

matplotlib.use("Agg", force=True)

import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
import pytest  # noqa: E402

from inal_utils.plotting import fit_power_law, label_axes, loglog_fit  # noqa: E402


@pytest.fixture
def ax():
    fig, ax = plt.subplots()
    yield ax
    plt.close(fig)


@pytest.mark.parametrize("slope,c", [(-1.5, 3.0), (0.5, 0.01), (2.0, 1.0), (0.0, 7.0)])
def test_fit_power_law_exact(slope, c):
    x = np.array([1.0, 2.0, 5.0, 10.0, 100.0])
    s, cc = fit_power_law(x, c * x**slope)
    assert type(s) is float and type(cc) is float
    assert s == pytest.approx(slope, abs=1e-10)
    assert cc == pytest.approx(c, rel=1e-10)


def test_fit_power_law_two_points_and_lists():
    s, c = fit_power_law([2, 8], [4, 64])
    assert s == pytest.approx(2.0) and c == pytest.approx(1.0)


def test_fit_power_law_noisy():
    rng = np.random.default_rng(0)
    x = np.logspace(0, 3, 60)
    sigma = 0.05
    y = 2.0 * x**-0.75 * np.exp(sigma * rng.standard_normal(x.size))
    s, c = fit_power_law(x, y)
    # standard error of the OLS slope: sigma / (std(log x) sqrt(m)) ≈ 0.003; allow 5 of them
    se = sigma / (np.std(np.log(x)) * np.sqrt(x.size))
    assert abs(s + 0.75) < 5 * se
    assert c == pytest.approx(2.0, rel=0.1)


@pytest.mark.parametrize(
    "x,y",
    [
        ([1, 2, 3], [1, 2]),  # unequal length
        ([1], [1]),  # too short
        ([[1, 2], [3, 4]], [[1, 2], [3, 4]]),  # 2-d
        ([0, 1, 2], [1, 2, 3]),  # zero x
        ([1, 2, 3], [1, -2, 3]),  # negative y
    ],
)
def test_fit_power_law_bad_inputs(x, y):
    with pytest.raises(ValueError):
        fit_power_law(x, y)


def test_fit_power_law_messages_name_the_problem():
    with pytest.raises(ValueError, match="positive"):
        fit_power_law([1, 2], [0, 1])
    with pytest.raises(ValueError, match="shapes"):
        fit_power_law([1, 2, 3], [1, 2])


def test_loglog_fit_returns_slope_and_sets_log_scales(ax):
    x = np.array([10, 20, 40, 80, 160.0])
    slope = loglog_fit(ax, x, 5 * x**-0.5, label="error", predicted_slope=-0.5)
    assert slope == pytest.approx(-0.5, abs=1e-10)
    assert ax.get_xscale() == "log" and ax.get_yscale() == "log"
    lines = ax.get_lines()
    assert len(lines) == 2  # data and fitted line
    np.testing.assert_allclose(lines[1].get_ydata(), 5 * x**-0.5, rtol=1e-10)
    label = lines[0].get_label()
    assert "error" in label and "-0.50" in label and "theory" in label


def test_loglog_fit_without_fit_and_with_error_bars(ax):
    x = np.array([1.0, 2.0, 4.0])
    assert loglog_fit(ax, x, x**2, label="no fit", fit=False) is None
    assert ax.get_xscale() == "log" and ax.get_yscale() == "log"
    assert ax.get_lines()[0].get_label() == "no fit"
    slope = loglog_fit(ax, x, x**2, label="bars", yerr=0.1 * x**2)
    assert slope == pytest.approx(2.0)
    assert "theory" not in ax.get_lines()[-2].get_label()


def test_loglog_fit_bad_data(ax):
    with pytest.raises(ValueError):
        loglog_fit(ax, [1, 2, 3], [1, 0, 2], label="zero")


def test_label_axes(ax):
    assert label_axes(ax, "n", "error", "title") is ax
    assert ax.get_xlabel() == "n" and ax.get_ylabel() == "error" and ax.get_title() == "title"
    label_axes(ax, "m", None)  # a panel sharing its neighbour's y axis keeps no label of its own
    assert ax.get_xlabel() == "m" and ax.get_ylabel() == "error"
