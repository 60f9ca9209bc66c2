"""Figure helpers: power-law fits drawn on log-log axes with the predicted slope beside the fit."""

from __future__ import annotations

import numpy as np

from . import _checks as C


def _log_data(x, y):
    """``x`` and ``y``: real, finite, positive, 1-d of equal length (points of a log-log plot)."""
    x = C.real_array(x, "x", ndim=1, min_size=1)
    y = C.real_array(y, "y", ndim=1, min_size=1)
    if x.shape != y.shape:
        raise ValueError(f"x and y must have equal lengths; got shapes {x.shape} and {y.shape}")
    for name, v in (("x", x), ("y", y)):
        if np.any(v <= 0):
            raise ValueError(f"{name} has {int(np.sum(v <= 0))} entries <= 0 (first: {v[v <= 0][0]}); "
                             "a log-log plot or fit needs positive values: drop those points or plot |values|")
    return x, y


def fit_power_law(x, y):
    """Least-squares fit of ``log y = slope * log x + log c``.

    ``x`` and ``y`` are real, finite, positive, 1-d of equal length, and ``x`` takes at least two
    distinct values (otherwise the slope is undefined).

    Returns
    -------
    slope, c : float
        The fitted exponent and prefactor, so that ``y ≈ c * x**slope``.
    """
    x, y = _log_data(x, y)
    if np.unique(x).size < 2:
        raise ValueError(f"x takes {np.unique(x).size} distinct value(s); a slope needs at least two")
    slope, intercept = np.polyfit(np.log(x), np.log(y), 1)
    return float(slope), float(np.exp(intercept))


def _check_axes(ax):
    from matplotlib.axes import Axes

    return C.instance(ax, "ax", Axes, "a matplotlib Axes (e.g. from plt.subplots())")


def loglog_fit(ax, x, y, *, label, predicted_slope=None, yerr=None, fit=True, **kw):
    """Plot ``y`` against ``x`` on log-log axes with its fitted slope (and the predicted one) in the label.

    ``x`` and ``y`` are real, finite, positive, 1-d of equal length (a log axis cannot show other
    values); ``yerr`` is ``None`` or finite, non-negative, of shape ``(m,)`` or ``(2, m)``;
    ``predicted_slope`` ``None`` or a finite number; ``fit`` a bool (``True`` needs two distinct x).

    Returns the fitted slope (``None`` when ``fit=False``).
    """
    _check_axes(ax)
    x, y = _log_data(x, y)
    label = C.text(label, "label")
    fit = C.flag(fit, "fit")
    if predicted_slope is not None:
        predicted_slope = C.number(predicted_slope, "predicted_slope")
    if yerr is not None:
        yerr = C.real_array(yerr, "yerr", ndim=(1, 2))
        if yerr.shape not in (x.shape, (2,) + x.shape):
            raise ValueError(f"yerr has shape {yerr.shape}; shape {x.shape} or {(2,) + x.shape} is required")
        if np.any(yerr < 0):
            raise ValueError("yerr has negative entries; error bars must be >= 0")
    slope = None
    text = label
    if fit:
        slope, c = fit_power_law(x, y)
        text += f" (fit {slope:+.2f}"
        text += f", theory {predicted_slope:+.2f})" if predicted_slope is not None else ")"
    try:
        if yerr is None:
            line, = ax.plot(x, y, "o-", label=text, **kw)
        else:
            line = ax.errorbar(x, y, yerr=yerr, fmt="o-", label=text, capsize=2, **kw).lines[0]
    except AttributeError as err:  # matplotlib's answer to an unknown keyword
        raise TypeError(f"a keyword in {sorted(kw)} is not a matplotlib line property: {err}") from None
    if fit:
        ax.plot(x, c * x**slope, ":", color=line.get_color(), alpha=0.7)
    ax.set_xscale("log")
    ax.set_yscale("log")
    return slope


def label_axes(ax, xlabel, ylabel, title=None):
    """Set axis labels and an optional title (strings, or ``None`` to leave one unset) and a light grid.

    ``None`` suits a panel that shares its neighbour's axis (``sharey=True``) and needs no label of its own.
    """
    _check_axes(ax)
    xlabel, ylabel = C.text(xlabel, "xlabel", allow_none=True), C.text(ylabel, "ylabel", allow_none=True)
    title = C.text(title, "title", allow_none=True)
    if xlabel is not None:
        ax.set_xlabel(xlabel)
    if ylabel is not None:
        ax.set_ylabel(ylabel)
    if title:
        ax.set_title(title)
    ax.grid(True, which="both", alpha=0.3)
    return ax
