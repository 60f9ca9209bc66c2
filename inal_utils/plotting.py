"""Figure helpers: power-law fits drawn on log-log axes with the predicted slope beside the fit."""

from __future__ import annotations

import numpy as np


def fit_power_law(x, y):
    """Least-squares fit of ``log y = slope * log x + log c``.

    Returns
    -------
    slope, c : float
        The fitted exponent and prefactor, so that ``y ≈ c * x**slope``.
    """
    x = np.asarray(x, dtype=float)
    y = np.asarray(y, dtype=float)
    if x.shape != y.shape or x.ndim != 1 or x.size < 2:
        raise ValueError(f"x and y must be 1-d of equal length >= 2; got shapes {x.shape}, {y.shape}")
    if np.any(x <= 0) or np.any(y <= 0):
        raise ValueError("fit_power_law needs positive x and y (log-log fit)")
    slope, intercept = np.polyfit(np.log(x), np.log(y), 1)
    return float(slope), float(np.exp(intercept))


def loglog_fit(ax, x, y, *, label, predicted_slope=None, yerr=None, fit=True, **kw):
    """Plot ``y`` against ``x`` on log-log axes with its fitted slope (and the predicted one) in the label.

    Returns the fitted slope (``None`` when ``fit=False``).
    """
    x = np.asarray(x, dtype=float)
    y = np.asarray(y, dtype=float)
    slope = None
    text = label
    if fit:
        slope, c = fit_power_law(x, y)
        text += f" (fit {slope:+.2f}"
        text += f", theory {predicted_slope:+.2f})" if predicted_slope is not None else ")"
    if yerr is None:
        line, = ax.plot(x, y, "o-", label=text, **kw)
    else:
        line = ax.errorbar(x, y, yerr=yerr, fmt="o-", label=text, capsize=2, **kw).lines[0]
    if fit:
        ax.plot(x, c * x**slope, ":", color=line.get_color(), alpha=0.7)
    ax.set_xscale("log")
    ax.set_yscale("log")
    return slope


def label_axes(ax, xlabel, ylabel, title=None):
    """Set axis labels (and an optional title) and a light grid."""
    ax.set_xlabel(xlabel)
    ax.set_ylabel(ylabel)
    if title:
        ax.set_title(title)
    ax.grid(True, which="both", alpha=0.3)
    return ax
