"""Diversity and optimality: arc-cosine kernels, the extended feature matrix, weight discrepancy.

Numerics behind chapter 6, after Xie, Liang and Song (AISTATS 2017) and Du, Zhai, Póczos and
Singh (ICLR 2019).

Notation follows Xie et al.: a one-hidden-layer ReLU network ``f(x) = Σ_k v_k σ(w_kᵀx)`` with
``n`` hidden units (rows of ``W``, shape ``(n, d)``), fixed signs ``v_k ∈ {±1}``, and ``m``
unit-norm samples (rows of ``X``, shape ``(m, d)``); the loss is
``L = (1/2m) Σ_l (y_l − f(x_l))²``. The residual is ``r = (f(X) − y)/m`` so that the gradient
with respect to the first layer is exactly ``∂L/∂W = D r`` (``D`` the extended feature matrix).

Du et al.'s model swaps the letters (``n`` samples, ``m`` hidden units): see
:func:`du_gradient_descent`, whose argument names say which is which.

Kernels are written as *profiles*: functions of ``t = ⟨x, y⟩`` for unit vectors ``x, y``.

- ``arccos0_profile(t) = 1/2 − arccos(t)/(2π) = E_w[1{wᵀx>0} 1{wᵀy>0}]`` (``w ~ N(0, I)``);
- ``arccos1_profile(t) = (sin θ + (π − θ) cos θ)/(2π) = E_w[σ(wᵀx) σ(wᵀy)]``, ``θ = arccos t``;
- ``gram_profile(t) = t · arccos0_profile(t)``, the profile of ``G = E_w[DᵀD]/n`` (Du et al.'s ``H^∞``).
"""

from __future__ import annotations

import math
import numbers
from contextlib import contextmanager, nullcontext
from functools import lru_cache
from typing import NamedTuple

import numpy as np
import scipy.linalg
import scipy.special
import torch

from . import _checks as C

__all__ = [
    "arccos0_profile",
    "arccos1_profile",
    "gram_profile",
    "PROFILES",
    "sample_sphere",
    "arccos_kernel",
    "gram_infinity",
    "gram_lambda_min",
    "multiplicity",
    "Spectrum",
    "kernel_spectrum",
    "gamma_m",
    "mean_squared_kernel",
    "net_output",
    "extended_feature_matrix",
    "feature_gram",
    "loss_and_gradient",
    "weight_discrepancy",
    "diversity_regularizer",
    "diversity_regularizer_grad",
    "teacher_dataset",
    "OPTIMIZERS",
    "train_diverse_net",
    "least_singular_value",
    "tail_trace",
    "du_gradient_descent",
]

UNIT_TOL = 1e-6
"""Largest ``|‖x‖ − 1|`` accepted for a row that must be a unit vector."""

COSINE_TOL = 1e-9
"""Largest excess ``|t| − 1`` accepted by the profiles (rounding in a product of unit vectors);
within it ``t`` is clipped to ``[−1, 1]``, beyond it the profiles raise ``ValueError``."""

MAX_NODES = 10_000
"""Most quadrature nodes per half-interval in :func:`kernel_spectrum` (scipy's Gauss–Legendre
roots take about 2 s at this size and grow quadratically beyond it)."""


# ----------------------------------------------------------------------------------------------
# input checks
# ----------------------------------------------------------------------------------------------
def _as_matrix(name, A, min_rows=1):
    A = C.real_array(A, name, ndim=2)
    if A.shape[0] < min_rows:
        raise ValueError(f"{name} has shape {A.shape}; it must have at least {min_rows} row(s)")
    return A


def _check_d(name, d):
    d = C.integer(d, name)
    if d < 2:
        raise ValueError(f"{name}={d!r} is not allowed; the sphere S^(d-1) needs an integer d >= 2")
    return d


def _check_unit_rows(name, A):
    A = _as_matrix(name, A)
    _check_d(f"{name}.shape[1]", A.shape[1])
    norms = np.linalg.norm(A, axis=1)
    bad = np.flatnonzero(np.abs(norms - 1.0) > UNIT_TOL)
    if bad.size:
        i = int(bad[0])
        raise ValueError(
            f"{name} must have unit-norm rows (|norm - 1| <= {UNIT_TOL:g}); row {i} has norm "
            f"{norms[i]:.6g} ({bad.size} bad rows). Normalise with {name} / norm({name}, axis=1)"
        )
    # renormalise exactly: arccos is √-sensitive at t = 1, so a 1e-8 error in a norm would be a
    # 1e-4 error in an angle
    return A / norms[:, None]


def _self_cosines(A):
    """``A Aᵀ`` for unit rows with the diagonal set to exactly 1 (see :func:`_check_unit_rows`)."""
    C = np.clip(A @ A.T, -1.0, 1.0)
    np.fill_diagonal(C, 1.0)
    return C


def _check_positive_int(name, value, minimum=1):
    return C.integer(value, name, minimum=minimum)


def _check_signs(v, n):
    v = C.real_array(v, "v")
    if v.shape != (n,):
        raise ValueError(f"v has shape {v.shape}; it must have shape ({n},), one sign per row of W")
    if not np.all(np.abs(v) == 1.0):
        raise ValueError(f"v must contain only +1 and -1; got values {np.unique(v)[:5]}")
    return v


def _check_labels(name, y, X, X_name):
    """``y`` as a finite float array of shape ``(m,)``, one label per row of ``X``."""
    y = C.real_array(y, name)
    if y.shape != (X.shape[0],):
        raise ValueError(f"{name} has shape {y.shape}; it must have shape ({X.shape[0]},), one label per row "
                         f"of {X_name}")
    return y


def _check_same_d(W_name, W, X_name, X):
    if W.shape[1] != X.shape[1]:
        raise ValueError(
            f"{W_name} has {W.shape[1]} columns but {X_name} has {X.shape[1]}; both must have d columns"
        )


def _unit_rows(W):
    norms = np.linalg.norm(W, axis=1)
    if np.any(norms == 0):
        raise ValueError(f"W has a zero row (row {int(np.flatnonzero(norms == 0)[0])}); its direction is undefined")
    return W / norms[:, None]


# ----------------------------------------------------------------------------------------------
# kernel profiles
# ----------------------------------------------------------------------------------------------
def _cosines(t):
    """``t`` as a finite real array in ``[−1, 1]``; excesses up to :data:`COSINE_TOL` are clipped."""
    t = C.real_array(t, "t")
    if t.size:
        worst = float(np.max(np.abs(t)))
        if worst > 1.0 + COSINE_TOL:
            raise ValueError(f"t has an entry of absolute value {worst:.6g}; cosines t = <x, y> of unit "
                             f"vectors lie in [-1, 1] (rounding excess up to {COSINE_TOL:g} is clipped)")
    return np.clip(t, -1.0, 1.0)


def arccos0_profile(t):
    """Degree-0 arc-cosine profile ``k(t) = 1/2 − arccos(t)/(2π)`` (``= P(wᵀx > 0, wᵀy > 0)``).

    ``t`` : real finite scalar or array with ``|t| <= 1`` (an excess up to :data:`COSINE_TOL`,
    rounding, is clipped); otherwise ``ValueError``.
    """
    t = _cosines(t)
    return 0.5 - np.arccos(t) / (2 * np.pi)


def arccos1_profile(t):
    """Degree-1 (ReLU) arc-cosine profile ``E_w[σ(wᵀx)σ(wᵀy)] = (sin θ + (π − θ) cos θ)/(2π)``.

    This is half of Cho and Saul's ``k_1`` (their normalisation has ``k_1(x, x) = ‖x‖²``; ours
    has ``E[σ(z)²] = 1/2``). ``t`` as for :func:`arccos0_profile`.
    """
    t = _cosines(t)
    theta = np.arccos(t)
    return (np.sqrt(1.0 - t * t) + (np.pi - theta) * t) / (2 * np.pi)


def gram_profile(t):
    """Profile of ``G = E_w[DᵀD]/n``: ``t · (1/2 − arccos(t)/(2π))`` (Du et al.'s ``H^∞``).

    ``t`` as for :func:`arccos0_profile`.
    """
    t = _cosines(t)
    return t * arccos0_profile(t)


PROFILES = {"arccos0": arccos0_profile, "arccos1": arccos1_profile, "gram": gram_profile}
"""Ready-made profiles for :func:`kernel_spectrum` (also accepted by name)."""


def _profile(profile):
    if isinstance(profile, str):
        if profile not in PROFILES:
            raise ValueError(f"profile={profile!r} is not allowed; use a callable or one of {sorted(PROFILES)}")
        return PROFILES[profile]
    return C.function(profile, "profile", f"a callable of t = <x, y> or one of {sorted(PROFILES)}")


# ----------------------------------------------------------------------------------------------
# kernels on data
# ----------------------------------------------------------------------------------------------
def sample_sphere(m, d, *, seed):
    """``m`` points drawn uniformly from the unit sphere ``S^{d−1}`` (rows of an ``(m, d)`` array).

    ``m >= 1``, ``d >= 2`` integers, ``seed`` an integer in ``[0, 2**64)`` (required).
    """
    m = _check_positive_int("m", m)
    d = _check_d("d", d)
    seed = C.seed(seed)
    C.require_memory(16 * m * d, f"sample_sphere(m={m}, d={d})", "Sample fewer points (smaller m or d).")
    Z = np.random.default_rng(seed).standard_normal((m, d))
    return Z / np.linalg.norm(Z, axis=1, keepdims=True)


def arccos_kernel(X, Y=None, *, degree=0):
    """Arc-cosine kernel matrix between the unit-norm rows of ``X`` and ``Y``.

    Parameters
    ----------
    X : array of shape (m, d), unit-norm rows
    Y : array of shape (p, d), unit-norm rows, optional (default ``X``)
    degree : {0, 1}
        ``0``: ``k(u) = 1/2 − arccos(u)/(2π) = E_w[1{wᵀx>0}1{wᵀy>0}]``;
        ``1``: the ReLU kernel ``E_w[σ(wᵀx)σ(wᵀy)]``, ``w ~ N(0, I_d)``.

    Returns
    -------
    K : array of shape (m, p)
    """
    degree = C.integer(degree, "degree", minimum=0, maximum=1)
    X = _check_unit_rows("X", X)
    if Y is not None:
        Y = _check_unit_rows("Y", Y)
    p = X.shape[0] if Y is None else Y.shape[0]
    C.require_memory(32 * X.shape[0] * p, f"arccos_kernel(m={X.shape[0]}, p={p})", "Use fewer rows.")
    if Y is None:
        t = _self_cosines(X)
    else:
        _check_same_d("X", X, "Y", Y)
        t = X @ Y.T
    return arccos0_profile(t) if degree == 0 else arccos1_profile(t)


def gram_infinity(X):
    """Limit Gram matrix ``G_ij = ⟨x_i, x_j⟩ k(⟨x_i, x_j⟩)`` (Du et al.'s ``H^∞``) and ``λ_0``.

    Parameters
    ----------
    X : array of shape (m, d), unit-norm rows

    Returns
    -------
    G : array of shape (m, m)
        ``G = E_{w ~ N(0, I)}[DᵀD]/n`` for the extended feature matrix ``D`` of width ``n``.
    lambda_0 : float
        Its least eigenvalue (positive when no two rows are parallel).
    """
    X = _check_unit_rows("X", X)
    m = X.shape[0]
    C.require_memory(40 * m * m, f"gram_infinity(m={m})", "Use fewer rows of X.")
    G = gram_profile(_self_cosines(X))
    G = 0.5 * (G + G.T)
    return G, float(np.linalg.eigvalsh(G)[0])


def gram_lambda_min(X, ms):
    """``λ_min`` of ``G`` on the first ``m`` rows of ``X``, for each ``m`` in ``ms``.

    The first ``m`` of i.i.d. uniform points are ``m`` i.i.d. uniform points, so one sample gives
    the whole curve ``m ↦ λ_min(G_m)`` (non-increasing in ``m`` by Cauchy interlacing). Each value
    comes from shift-invert Lanczos at 0 (one LU factorisation), several times cheaper than a
    dense eigensolve at ``m ~ 10³``; matrices below 64 rows use the dense solver.

    Returns
    -------
    array of shape ``(len(ms),)``
    """
    import scipy.sparse.linalg

    X = _check_unit_rows("X", X)
    ms_arr = C.real_array(ms, "ms", kinds="iu", ndim=(0, 1), min_size=1, dtype=None)
    ms = [_check_positive_int(f"ms[{i}]", m, minimum=2) for i, m in enumerate(np.atleast_1d(ms_arr).tolist())]
    if max(ms) > X.shape[0]:
        raise ValueError(f"ms contains m={max(ms)} but X has only {X.shape[0]} rows")
    C.require_memory(40 * X.shape[0] ** 2, f"gram_lambda_min(m={X.shape[0]})", "Use fewer rows of X.")
    G = gram_profile(_self_cosines(X))
    G = 0.5 * (G + G.T)
    out = []
    for m in ms:
        A = G[:m, :m]
        if m < 64:
            out.append(float(np.linalg.eigvalsh(A)[0]))
        else:
            val = scipy.sparse.linalg.eigsh(A, k=1, sigma=0.0, which="LM", return_eigenvectors=False)
            out.append(float(val[0]))
    return np.asarray(out)


# ----------------------------------------------------------------------------------------------
# spherical-harmonic spectrum (Funk–Hecke)
# ----------------------------------------------------------------------------------------------
def multiplicity(d, u):
    """Number ``N(d, u)`` of linearly independent degree-``u`` spherical harmonics on ``S^{d−1}``.

    ``N(d, 0) = 1`` and ``N(d, u) = (2u + d − 2)/u · C(u + d − 3, u − 1)`` for ``u ≥ 1``
    (``N(2, u) = 2``, ``N(3, u) = 2u + 1``).
    """
    d = _check_d("d", d)
    u = C.integer(u, "u", minimum=0)
    if u == 0:
        return 1.0
    # log N(d, u) first (exact integers of millions of digits would be slow), then the exact value
    try:
        log_n = (math.log(2 * u + d - 2) - math.log(u) + math.lgamma(u + d - 2) - math.lgamma(u)
                 - math.lgamma(d - 1))
    except OverflowError:  # u or d beyond the float range
        log_n = math.inf
    too_big = ValueError(f"multiplicity N(d={d}, u={u}) is beyond the largest float "
                         f"({np.finfo(float).max:.4g}); use a smaller degree u or dimension d")
    if log_n > 709.0:
        raise too_big
    try:
        return float((2 * u + d - 2) * math.comb(u + d - 3, u - 1) // u)
    except OverflowError:
        raise too_big from None


class Spectrum(NamedTuple):
    """Eigenvalues of ``(Tφ)(x) = E_{y ~ Unif(S^{d−1})}[κ(⟨x, y⟩) φ(y)]`` per harmonic degree.

    ``eigenvalue[u]`` has multiplicity ``multiplicity[u]``; ``floor[u]`` bounds the rounding
    error of ``eigenvalue[u]`` (eigenvalues below it are numerically zero). Mercer:
    ``κ(t) = Σ_u eigenvalue[u] · multiplicity[u] · P_u(t)`` with ``P_u(1) = 1``.
    """

    degree: np.ndarray
    eigenvalue: np.ndarray
    multiplicity: np.ndarray
    floor: np.ndarray


def _density_constant(d):
    """``c_d`` with ``c_d ∫_{−1}^{1} (1 − t²)^{(d−3)/2} dt = 1`` (law of ``⟨x, y⟩``, ``y`` uniform)."""
    return math.exp(math.lgamma(d / 2) - 0.5 * math.log(math.pi) - math.lgamma((d - 1) / 2))


@lru_cache(maxsize=64)
def _half_nodes(d, n_nodes):
    """Gauss–Legendre nodes in ``θ ∈ (0, π/2)`` for ``t = cos θ ∈ (0, 1)``, weights times the density.

    The density of ``t`` on ``S^{d−1}`` becomes ``c_d sin^{d−2}θ dθ``; the half ``t ∈ (−1, 0)``
    uses the same nodes at ``−t`` (``θ → π − θ``). Working in ``θ`` keeps the arc-cosine
    profiles (which behave like ``√(1 − t)`` at ``t = 1``) smooth, so the rule converges
    geometrically; splitting at ``t = 0`` handles profiles with a kink there.
    """
    s, w = scipy.special.roots_legendre(n_nodes)  # O(n) asymptotic formulas, no LAPACK call
    theta = (s + 1.0) * (np.pi / 4)
    w = w * (np.pi / 4) * _density_constant(d) * np.sin(theta) ** (d - 2)
    t = np.cos(theta)
    t.setflags(write=False)
    w.setflags(write=False)
    return t, w


@lru_cache(maxsize=64)
def _legendre_table(d, max_degree, n_nodes):
    """``P_u(t_i)`` for ``u = 0..max_degree`` at the cached nodes (Gegenbauer, normalised ``P_u(1) = 1``).

    ``P_u = C_u^{(d−2)/2} / C_u^{(d−2)/2}(1)`` obeys
    ``(u + d − 2) P_{u+1} = (2u + d − 2) t P_u − u P_{u−1}``; for ``d = 2`` this is Chebyshev's
    ``T_{u+1} = 2t T_u − T_{u−1}``.
    """
    t, _ = _half_nodes(d, n_nodes)
    P = np.empty((max_degree + 1, t.size))
    P[0] = 1.0
    if max_degree >= 1:
        P[1] = t
    for u in range(1, max_degree):
        P[u + 1] = ((2 * u + d - 2) * t * P[u] - u * P[u - 1]) / (u + d - 2)
    P.setflags(write=False)
    return P


def _default_nodes(d, max_degree):
    # trigonometric degree of the integrand in θ is about max_degree + d; Gauss–Legendre on a
    # quarter period needs ~0.8 nodes per unit of degree: this leaves a wide margin.
    return int(max_degree + d + 48)


def _profile_values(kappa, t, profile):
    """``kappa(t)`` as a float array of ``t``'s shape; a non-finite or mis-shaped result names ``profile``."""
    try:
        values = C.real_array(kappa(t), "profile(t)", shape=t.shape)
    except (TypeError, ValueError) as err:
        raise ValueError(f"profile={C.describe(profile)} returned unusable values on t in [-1, 1]: {err}") from None
    return values


def kernel_spectrum(profile, d, max_degree, *, n_nodes=None):
    """Spherical-harmonic eigenvalues of a dot-product kernel on ``S^{d−1}`` by Funk–Hecke.

    For ``κ(⟨x, y⟩)`` and the uniform probability measure on ``S^{d−1}``, every degree-``u``
    harmonic is an eigenfunction with eigenvalue

    ``λ_u = c_d ∫_{−1}^{1} κ(t) P_u(t) (1 − t²)^{(d−3)/2} dt``,

    ``P_u`` the Gegenbauer polynomial ``C_u^{(d−2)/2}`` normalised to ``P_u(1) = 1`` (Chebyshev
    ``T_u`` for ``d = 2``). The integral is split at ``t = 0`` and computed in ``θ = arccos t``
    with cached Gauss–Legendre nodes.

    Parameters
    ----------
    profile : callable or {"arccos0", "arccos1", "gram"}
        ``κ`` as a vectorised function of ``t ∈ [−1, 1]``.
    d : int, ``d >= 2``
    max_degree : int, ``>= 0``
    n_nodes : int, optional
        Nodes per half-interval (default ``max_degree + d + 48``), at most :data:`MAX_NODES`
        (this also bounds ``max_degree`` and ``d`` when ``n_nodes`` is left out; the table of
        ``P_u`` must fit :data:`inal_utils._checks.MEMORY_BUDGET_BYTES`, and every multiplicity
        ``N(d, u)`` a float).

    Returns
    -------
    Spectrum
        ``degree``, ``eigenvalue``, ``multiplicity`` (``N(d, u)``) and ``floor`` (rounding-error
        bound: ``|eigenvalue| < floor`` means numerically zero), each of length ``max_degree + 1``.
    """
    kappa = _profile(profile)
    d = _check_d("d", d)
    max_degree = C.integer(max_degree, "max_degree", minimum=0)
    if n_nodes is None:
        n_nodes = _default_nodes(d, max_degree)
        if n_nodes > MAX_NODES:
            raise ValueError(f"max_degree={max_degree} and d={d} need n_nodes={n_nodes} quadrature nodes, more "
                             f"than MAX_NODES={MAX_NODES}; use a smaller max_degree (or d)")
    else:
        n_nodes = C.integer(n_nodes, "n_nodes", minimum=1, maximum=MAX_NODES)
    C.require_memory(8 * (max_degree + 1) * n_nodes, f"kernel_spectrum(max_degree={max_degree}, n_nodes={n_nodes})",
                     "Use a smaller max_degree.")
    try:
        mult = np.array([multiplicity(d, u) for u in range(max_degree + 1)])
    except ValueError as err:
        raise ValueError(f"max_degree={max_degree} is too large for d={d}: {err}") from None
    t, w = _half_nodes(d, n_nodes)
    P = _legendre_table(d, max_degree, n_nodes)
    kp = _profile_values(kappa, t, profile) * w
    km = _profile_values(kappa, -t, profile) * w
    sign = (-1.0) ** np.arange(max_degree + 1)
    lam = P @ kp + sign * (P @ km)
    # rounding in a sum of n_nodes terms of size |κ w P_u| <= |κ w| grows like √n_nodes · eps;
    # 16 is a safety factor (observed errors stay below a fifth of this bound, see the tests).
    scale = np.abs(kp).sum() + np.abs(km).sum()
    floor = np.full(max_degree + 1, 16 * math.sqrt(n_nodes) * np.finfo(float).eps * scale)
    return Spectrum(np.arange(max_degree + 1), lam, mult, floor)


def gamma_m(spectrum, m):
    """The ``m``-th largest *nonzero* eigenvalue of a :class:`Spectrum`, counted with multiplicity.

    Eigenvalues below the rounding floor are treated as zero. Raises ``ValueError`` if the
    spectrum (up to its ``max_degree``) has fewer than ``m`` nonzero eigenvalues.
    """
    spectrum = C.instance(spectrum, "spectrum", Spectrum, "a Spectrum (from kernel_spectrum)")
    m = _check_positive_int("m", m)
    keep = np.abs(spectrum.eigenvalue) > spectrum.floor
    lam = spectrum.eigenvalue[keep]
    mult = spectrum.multiplicity[keep]
    order = np.argsort(lam)[::-1]
    counts = np.cumsum(mult[order])
    j = np.searchsorted(counts, m)
    if j >= lam.size:
        raise ValueError(
            f"m={m} exceeds the {int(counts[-1]) if counts.size else 0} nonzero eigenvalues up to degree "
            f"{spectrum.degree[-1]}; raise max_degree"
        )
    return float(lam[order][j])


def tail_trace(spectrum, m, *, trace):
    """Trace of the eigenvalue blocks that ``m`` sample points cannot resolve.

    The nonzero eigenvalues of the :class:`Spectrum` are taken in decreasing order as whole blocks
    (one per degree, of size ``N(d, u)``); a block is *resolved* when all its eigenvalues are among
    the ``m`` largest counted with multiplicity. The result is ``trace`` minus
    ``Σ eigenvalue · multiplicity`` over the resolved blocks: the kernel's trace left in the
    unresolved harmonics, degrees beyond ``max_degree`` included (``trace`` is ``κ(1)``, e.g.
    ``1/2`` for the ``"gram"`` profile).
    """
    spectrum = C.instance(spectrum, "spectrum", Spectrum, "a Spectrum (from kernel_spectrum)")
    m = _check_positive_int("m", m)
    trace = C.number(trace, "trace")
    keep = np.abs(spectrum.eigenvalue) > spectrum.floor
    lam, mult = spectrum.eigenvalue[keep], spectrum.multiplicity[keep]
    order = np.argsort(lam, kind="stable")[::-1]
    resolved = np.cumsum(mult[order]) <= m
    return float(trace - np.sum(lam[order][resolved] * mult[order][resolved]))


def mean_squared_kernel(d):
    """``E_{u, v ~ Unif(S^{d−1})}[k(u, v)²]`` for the degree-0 arc-cosine profile ``k``.

    ``d`` : integer, ``2 <= d <= MAX_NODES − 96`` (the quadrature uses ``96 + d`` nodes).
    """
    return _mean_squared_kernel(_check_msk_d("d", d))


def _check_msk_d(name, d):
    d = _check_d(name, d)
    if d > MAX_NODES - 96:
        raise ValueError(f"{name}={d} needs {96 + d} quadrature nodes for E[k²], more than MAX_NODES={MAX_NODES}; "
                         f"use d <= {MAX_NODES - 96}")
    return d


@lru_cache(maxsize=64)
def _mean_squared_kernel(d):
    t, w = _half_nodes(d, 96 + d)
    return float(w @ (arccos0_profile(t) ** 2 + arccos0_profile(-t) ** 2))


# ----------------------------------------------------------------------------------------------
# the network f(x) = Σ_k v_k σ(w_kᵀx) and its extended feature matrix
# ----------------------------------------------------------------------------------------------
def _check_net(W, v, X, what):
    W = _as_matrix("W", W)
    v = _check_signs(v, W.shape[0])
    X = _check_unit_rows("X", X)
    _check_same_d("W", W, "X", X)
    (n, d), m = W.shape, X.shape[0]
    C.require_memory(24 * n * m + (8 * n * d * m if what == "extended_feature_matrix" else 0),
                     f"{what}(n={n}, d={d}, m={m})", "Use fewer hidden units or samples.")
    return W, v, X


def net_output(W, v, X):
    """``f(x_l) = Σ_k v_k σ(w_kᵀx_l)`` for every row of ``X`` (shape ``(m,)``)."""
    W, v, X = _check_net(W, v, X, "net_output")
    return np.maximum(X @ W.T, 0.0) @ v


def extended_feature_matrix(W, v, X, *, return_singular_values=False):
    """Extended feature matrix ``D`` (``dn × m``) and its least singular value ``s_m(D)``.

    Column ``l`` is ``(v_k σ'(w_kᵀx_l))_{k=1..n} ⊗ x_l`` with ``σ'(z) = 1{z > 0}``; row ``k·d + j``
    belongs to coordinate ``j`` of ``w_k``, so ``(D @ r).reshape(n, d)`` is ``∂L/∂W`` for
    ``r = (f(X) − y)/m``.

    Parameters
    ----------
    W : array (n, d); v : array (n,) of ±1; X : array (m, d) with unit-norm rows

    return_singular_values : bool
        Also return all ``min(dn, m)`` singular values (descending), e.g. for a rank tolerance.

    Returns
    -------
    D : array of shape (d·n, m)
    s_m : float
        ``m``-th singular value of ``D``; ``0.0`` when ``dn < m`` (then ``rank D < m``).
    s : array, only if ``return_singular_values``
    """
    return_singular_values = C.flag(return_singular_values, "return_singular_values")
    W, v, X = _check_net(W, v, X, "extended_feature_matrix")
    n, d = W.shape
    m = X.shape[0]
    A = (X @ W.T > 0).T * v[:, None]  # (n, m): v_k σ'(w_kᵀx_l)
    D = (A[:, None, :] * X.T[None, :, :]).reshape(n * d, m)
    s = np.linalg.svd(D, compute_uv=False)
    s_m = float(s[m - 1]) if n * d >= m else 0.0
    return (D, s_m, s) if return_singular_values else (D, s_m)


def feature_gram(W, X):
    """``DᵀD / n = (AᵀA/n) ∘ XXᵀ`` with ``A_kl = σ'(w_kᵀx_l)``, without forming ``D``.

    Its expectation over ``w_k ~ N(0, I)`` is :func:`gram_infinity`'s ``G`` (the signs ``v_k``
    drop out since ``v_k² = 1``).
    """
    W = _as_matrix("W", W)
    X = _check_unit_rows("X", X)
    _check_same_d("W", W, "X", X)
    n, m = W.shape[0], X.shape[0]
    C.require_memory(8 * m * (n + 3 * m), f"feature_gram(n={n}, m={m})", "Use fewer samples.")
    A = (X @ W.T > 0).astype(float)  # (m, n)
    return (A @ A.T / W.shape[0]) * (X @ X.T)


def least_singular_value(W, X):
    """``s_m(D)``, the ``m``-th singular value of the extended feature matrix, from ``DᵀD``.

    ``s_m(D)² = λ_min(DᵀD) = n · λ_min(feature_gram(W, X))`` (the signs ``v`` drop out), computed
    with one partial symmetric eigensolve of an ``m × m`` matrix instead of an SVD of the
    ``dn × m`` matrix ``D``. Returns ``0.0`` when ``dn < m`` (``D`` then has rank ``< m``);
    rounding below zero is clipped.
    """
    W = _as_matrix("W", W)
    X = _check_unit_rows("X", X)
    _check_same_d("W", W, "X", X)
    n, d = W.shape
    m = X.shape[0]
    if n * d < m:
        return 0.0
    K = feature_gram(W, X) * n
    lam = scipy.linalg.eigh(0.5 * (K + K.T), eigvals_only=True, subset_by_index=[0, 0])[0]
    return float(math.sqrt(max(lam, 0.0)))


def loss_and_gradient(W, v, X, y):
    """Loss ``L = (1/2m) Σ_l (y_l − f(x_l))²``, its gradient ``∂L/∂W = D r`` and ``r = (f − y)/m``.

    Returns
    -------
    L : float; grad : array (n, d); r : array (m,)
    """
    W, v, X = _check_net(W, v, X, "loss_and_gradient")
    y = _check_labels("y", y, X, "X")
    m = X.shape[0]
    f = np.maximum(X @ W.T, 0.0) @ v
    r = (f - y) / m
    A = (X @ W.T > 0) * v[None, :]  # (m, n)
    grad = (A * r[:, None]).T @ X
    return float(0.5 * m * (r @ r)), grad, r


# ----------------------------------------------------------------------------------------------
# weight discrepancy and the diversity regulariser
# ----------------------------------------------------------------------------------------------
def weight_discrepancy(W):
    """Weight discrepancy ``L_2(W)`` of the directions ``w̄_k = w_k/‖w_k‖``.

    ``L_2(W)² = (1/n²) Σ_{i,j} k(w̄_i, w̄_j)² − E_{u,v}[k(u, v)²]`` with the degree-0 arc-cosine
    kernel ``k`` and ``u, v`` uniform on ``S^{d−1}``. It is a squared maximum mean discrepancy
    between the empirical law of the directions and the uniform law (kernel ``k²``), hence
    ``≥ 0``; rounding below zero is clipped.
    """
    W = _as_matrix("W", W)
    d = _check_msk_d("W.shape[1]", W.shape[1])
    C.require_memory(32 * W.shape[0] ** 2, f"weight_discrepancy(n={W.shape[0]})", "Use fewer rows of W.")
    Wb = _unit_rows(W)
    K = arccos0_profile(_self_cosines(Wb))
    L2sq = float(np.mean(K**2)) - mean_squared_kernel(d)
    return math.sqrt(max(L2sq, 0.0))


def _check_weights_tensor(W):
    if isinstance(W, torch.Tensor):
        W = C.finite_tensor(W, "W", floating=True)
    else:
        W = torch.as_tensor(C.real_array(W, "W"))
    if W.ndim < 2 or W.shape[-2] < 2:
        raise ValueError(f"W must have shape (..., n, d) with n >= 2 rows; got shape {tuple(W.shape)}")
    _check_d("W.shape[-1]", int(W.shape[-1]))
    zero = (W.detach().norm(dim=-1) == 0).nonzero()
    if zero.shape[0]:
        raise ValueError(f"W has {zero.shape[0]} zero row(s) (first at index {tuple(zero[0].tolist())}); the "
                         "direction of a zero row is undefined")
    n = W.shape[-2]
    C.require_memory(4 * W.element_size() * n * n * max(1, W[..., 0, 0].numel()),
                     f"diversity_regularizer(W of shape {tuple(W.shape)})", "Use fewer rows or a smaller batch.")
    return W


def diversity_regularizer(W, *, clamp=1e-7):
    """``R(W) = 1/(n(n−1)) Σ_{i≠j} k(w̄_i, w̄_j)²`` on unit directions ``w̄_k = w_k/‖w_k‖``.

    Accepts a NumPy array (returns a float) or a torch tensor of shape ``(..., n, d)`` (returns a
    differentiable tensor of shape ``(...)``, batched over leading dimensions). Cosines are
    clamped to ``[−1 + clamp, 1 − clamp]`` so that autograd stays finite for parallel rows.

    ``W`` must be real, finite and floating (tensors), with ``n >= 2`` nonzero rows and ``d >= 2``;
    ``clamp`` is a number in ``[0, 1)``.
    """
    as_numpy = not isinstance(W, torch.Tensor)
    clamp = C.number(clamp, "clamp", minimum=0.0, maximum=1.0, high_open=True)
    W = _check_weights_tensor(W)
    n = W.shape[-2]
    Wb = W / W.norm(dim=-1, keepdim=True)
    cos = (Wb @ Wb.transpose(-1, -2)).clamp(-1.0 + clamp, 1.0 - clamp)
    K = 0.5 - torch.arccos(cos) / (2 * math.pi)
    off = 1.0 - torch.eye(n, dtype=W.dtype, device=W.device)
    R = (K**2 * off).sum(dim=(-1, -2)) / (n * (n - 1))
    return float(R) if as_numpy else R


def diversity_regularizer_grad(W):
    """Closed-form gradient of :func:`diversity_regularizer` with respect to ``W`` (NumPy).

    With ``θ_ij`` the angle between ``w_i`` and ``w_j``, ``∂k(θ_ij)²/∂w_i = (k_ij/π) e_ij/‖w_i‖``
    where ``e_ij`` is the unit vector along ``(I − w̄_i w̄_iᵀ) w̄_j`` (zero when ``w_j ∥ w_i``);
    each pair appears twice in the sum, hence ``∂R/∂w_i = 2/(n(n−1)) Σ_{j≠i} (k_ij/π) e_ij/‖w_i‖``.
    """
    W = _as_matrix("W", W)
    n = W.shape[0]
    if n < 2:
        raise ValueError(f"W has {n} row; the regulariser needs n >= 2")
    C.require_memory(8 * n * n * (W.shape[1] + 4), f"diversity_regularizer_grad(n={n}, d={W.shape[1]})",
                     "Use fewer rows of W.")
    norms = np.linalg.norm(W, axis=1)
    Wb = _unit_rows(W)
    cos = np.clip(Wb @ Wb.T, -1.0, 1.0)
    K = arccos0_profile(cos)
    # E[i, j] = (I − w̄_i w̄_iᵀ) w̄_j
    E = Wb[None, :, :] - cos[:, :, None] * Wb[:, None, :]
    s = np.linalg.norm(E, axis=2)
    np.fill_diagonal(s, 0.0)
    coef = np.divide(K / np.pi, s, out=np.zeros_like(s), where=s > 1e-12)
    grad = np.einsum("ij,ijk->ik", coef, E)
    return 2.0 / (n * (n - 1)) * grad / norms[:, None]


def _regularizer_and_grad(W, clamp=1e-7):
    """``R(W)`` and ``∂R/∂W`` for a batch ``W`` of shape ``(B, n, d)``, in closed form (no autograd).

    The formula of :func:`diversity_regularizer_grad`, in matrix form:
    ``∂R/∂w_i = 2/(n(n−1)) · (Σ_j c_ij w̄_j − (Σ_j c_ij ⟨w̄_i, w̄_j⟩) w̄_i)/‖w_i‖`` with
    ``c_ij = k_ij/(π sin θ_ij)``; pairs whose cosine lies outside ``[−1 + clamp, 1 − clamp]``
    (the diagonal among them) contribute nothing, as under autograd with the clamp of
    :func:`diversity_regularizer`. About three times faster than autograd on a CPU (see
    ``benchmarks/bench_diversity.py``).
    """
    n = W.shape[-2]
    norms = W.norm(dim=-1, keepdim=True)
    Wb = W / norms
    C = Wb @ Wb.transpose(-1, -2)
    inside = (C > -1.0 + clamp) & (C < 1.0 - clamp)
    C = C.clamp(-1.0 + clamp, 1.0 - clamp)
    K = 0.5 - torch.arccos(C) / (2 * math.pi)
    off = ~torch.eye(n, dtype=torch.bool, device=W.device)
    R = (K**2 * off).sum(dim=(-1, -2)) / (n * (n - 1))
    coef = torch.where(inside & off, K / (math.pi * torch.sqrt(1.0 - C * C)), torch.zeros_like(C))
    grad = coef @ Wb - (coef * C).sum(-1, keepdim=True) * Wb
    return R, 2.0 / (n * (n - 1)) * grad / norms


# ----------------------------------------------------------------------------------------------
# experiments
# ----------------------------------------------------------------------------------------------
@contextmanager
def _one_thread_on_cpu(device):
    """Run torch single-threaded on CPU, restoring the previous setting on exit.

    The training loops below issue many small kernels per step (inner dimension ``d``); with two or
    more intra-op threads their synchronisation costs more than it saves, badly so when the
    machine is shared. GPU runs are unaffected.
    """
    if torch.device(device).type != "cpu":
        yield
        return
    old = torch.get_num_threads()
    torch.set_num_threads(1)
    try:
        yield
    finally:
        torch.set_num_threads(old)


def teacher_dataset(m, d, *, teacher_width, seed, m_test=0):
    """Unit-sphere inputs labelled by a random ReLU teacher ``f*(x) = (1/√n*) Σ_k v*_k σ(w*_kᵀx)``.

    ``w*_k ~ N(0, I_d)``, ``v*_k ~ Unif{±1}``, ``x ~ Unif(S^{d−1})``; no label noise.

    ``m >= 1``, ``d >= 2``, ``teacher_width >= 1``, ``m_test >= 0`` integers; ``seed`` an integer in
    ``[0, 2**64)`` (required).

    Returns
    -------
    X, y, X_test, y_test : arrays of shapes (m, d), (m,), (m_test, d), (m_test,)
    """
    m = _check_positive_int("m", m)
    d = _check_d("d", d)
    teacher_width = _check_positive_int("teacher_width", teacher_width)
    seed = C.seed(seed)
    m_test = C.integer(m_test, "m_test", minimum=0)
    C.require_memory(8 * (3 * (m + m_test) * d + teacher_width * (d + m + m_test)),
                     f"teacher_dataset(m={m}, d={d}, teacher_width={teacher_width}, m_test={m_test})",
                     "Use fewer samples or a narrower teacher.")
    rng = np.random.default_rng(seed)
    Ws = rng.standard_normal((teacher_width, d))
    vs = rng.choice([-1.0, 1.0], size=teacher_width)
    Z = rng.standard_normal((m + m_test, d))
    Xall = Z / np.linalg.norm(Z, axis=1, keepdims=True)
    yall = np.maximum(Xall @ Ws.T, 0.0) @ vs / math.sqrt(teacher_width)
    return Xall[:m], yall[:m], Xall[m:], yall[m:]


def _check_seeds(seeds):
    """One seed or a non-empty 1-d sequence of seeds, as a list of Python ints in ``[0, 2**64)``."""
    if isinstance(seeds, numbers.Integral) and not isinstance(seeds, (bool, np.bool_)):
        return [C.seed(seeds, "seeds")]
    if isinstance(seeds, (str, bytes, dict, set)) or seeds is None:
        raise TypeError(f"seeds={C.describe(seeds)} must be a sequence of integer seeds")
    if isinstance(seeds, np.ndarray) and seeds.ndim != 1:
        raise ValueError(f"seeds has shape {seeds.shape}; a 1-d sequence of integer seeds is required")
    try:
        items = list(seeds)
    except TypeError:
        raise TypeError(f"seeds={C.describe(seeds)} must be a sequence of integer seeds") from None
    if not items:
        raise ValueError("seeds is empty; give at least one seed")
    return [C.seed(s, f"seeds[{i}]") for i, s in enumerate(items)]


def _check_torch_target(device, dtype):
    device = C.device(device)
    dtype = C.torch_float_dtype(dtype)
    if dtype not in (torch.float32, torch.float64):
        raise ValueError(f"dtype={dtype} is not supported; use torch.float32 or torch.float64")
    return device, dtype


OPTIMIZERS = ("adam", "gd")
"""Optimisers accepted by :func:`train_diverse_net`."""


def train_diverse_net(X, y, width, *, reg=0.0, seeds=(0,), steps=500, lr=1e-2, lr_final=None, init_scale=1.0,
                      optimizer="adam", grad_tol=None, track_every=None, X_test=None, y_test=None, device="cpu",
                      dtype=torch.float32):
    """Train ``f(x) = Σ_k v_k σ(w_kᵀx)`` (``v`` fixed) on ``(1/2m)‖y − f‖² + reg · R(W)``, batched.

    Every pair ``(reg value, seed)`` is one network; all are trained together in one batched
    torch computation, full batch, with the gradients in closed form (``∂L/∂W = D r`` and
    :func:`diversity_regularizer_grad`'s formula) (Adam and gradient descent both act on each network's own
    gradient, so the networks do not interact). Seed ``s`` gives the same initial
    ``W ~ init_scale · N(0, I/width)`` and ``v ~ Unif{±1}`` for every ``reg`` value, so the
    comparison with and without the regulariser is paired.

    Parameters
    ----------
    X : array (m, d), unit-norm rows; y : array (m,)
    width : int, the number ``n`` of hidden units
    reg : float or sequence of floats (``≥ 0``), the weight of ``R(W)``
    seeds : sequence of int
    steps : int
        Number of optimiser steps; with ``grad_tol`` it is the cap.
    lr, lr_final : float
        Step size, decayed geometrically from ``lr`` to ``lr_final`` over ``steps`` (default:
        constant).
    init_scale : float > 0
        Multiplies the initial ``W`` (``1`` is the standard ``N(0, I/width)``; ``1e-3`` is a small
        initialisation).
    optimizer : {"adam", "gd"}
        Full-batch Adam or plain gradient descent ``W ← W − lr · ∇``.
    grad_tol : float > 1, optional
        Stop a network once the Frobenius norm of the gradient of its objective (data term plus
        ``reg · R``) has fallen to ``‖∂L/∂W(0)‖ / grad_tol``, where ``‖∂L/∂W(0)‖`` is the data
        term's gradient at the initial weights (a reference shared by every ``reg`` value of a
        seed: at a small initialisation ``R``'s gradient, of order ``1/‖w_k‖``, would otherwise
        set it). A stopped network is frozen; the run ends when all have stopped or after
        ``steps`` steps. ``None``: always ``steps`` steps.
    track_every : int, optional
        Record the weight discrepancy :func:`weight_discrepancy` of every network every
        ``track_every`` steps (and at the last step).
    X_test, y_test : optional held-out data (both or neither)
    device : str or torch.device
        ``"cpu"``, ``"cuda"`` (when available) or ``"mps"``; not ``"meta"``.
    dtype : torch.float32 or torch.float64

    Returns
    -------
    dict with, for ``B = len(reg) · len(seeds)`` networks ordered reg-major:

    - ``reg`` (B,), ``seed`` (B,), ``W`` (B, n, d), ``W_init`` (B, n, d), ``v`` (B, n);
    - ``train_mse`` (B,), ``test_mse`` (B,) or None: ``mean_l (f(x_l) − y_l)²``; ``R`` (B,);
    - ``history`` (T+1, B): training MSE at steps ``0..T``, ``T`` the steps run (a stopped network's
      value stays constant);
    - ``steps_taken`` (B,): steps each network ran before it stopped (``steps`` if it never did);
    - ``grad_norm0`` (B,): ``‖∂L/∂W‖`` of the data term at the initial weights;
    - ``grad_norm`` (B,): gradient norm of the whole objective where the network stopped;
    - ``converged`` (B,): ``grad_norm <= grad_norm0 / grad_tol`` (all False without ``grad_tol``);
    - ``L2_steps`` (K,), ``L2_history`` (K, B): the discrepancy over training (only with
      ``track_every``; otherwise None).
    """
    X = _check_unit_rows("X", X)
    y = _check_labels("y", y, X, "X")
    width = _check_positive_int("width", width, minimum=2)
    regs = C.real_array(reg, "reg", ndim=(0, 1), min_size=1)
    regs = np.atleast_1d(regs)
    if np.any(regs < 0):
        raise ValueError(f"reg={reg!r} is not allowed; use a float >= 0 or a 1-d sequence of them")
    seeds = _check_seeds(seeds)
    steps = _check_positive_int("steps", steps)
    lr = C.number(lr, "lr", minimum=0.0, low_open=True)
    lr_final = lr if lr_final is None else C.number(lr_final, "lr_final", minimum=0.0, low_open=True)
    init_scale = C.number(init_scale, "init_scale", minimum=0.0, low_open=True)
    optimizer = C.choice(optimizer, "optimizer", OPTIMIZERS)
    if grad_tol is not None:
        grad_tol = C.number(grad_tol, "grad_tol", minimum=1.0, low_open=True)
    if track_every is not None:
        track_every = _check_positive_int("track_every", track_every)
    has_test = X_test is not None
    if has_test:
        X_test = _check_unit_rows("X_test", X_test)
        _check_same_d("X", X, "X_test", X_test)
        y_test = _check_labels("y_test", y_test, X_test, "X_test")
    elif y_test is not None:
        raise ValueError("y_test is given without X_test; pass both or neither")
    device, dtype = _check_torch_target(device, dtype)
    d, m_rows, B_nets = X.shape[1], X.shape[0], regs.size * len(seeds)
    m_all = m_rows + (X_test.shape[0] if has_test else 0)
    C.require_memory(8 * (B_nets * width * (6 * d + 3 * m_all + 3 * width) + (steps + 1) * B_nets),
                     f"train_diverse_net(networks={B_nets}, width={width}, d={d}, m={m_rows}, steps={steps})",
                     "Use fewer networks (reg values x seeds), a smaller width, fewer samples or fewer steps.")
    d = X.shape[1]
    W0, v0 = [], []
    for s in seeds:
        rng = np.random.default_rng(s)
        W0.append(rng.standard_normal((width, d)) / math.sqrt(width))
        v0.append(rng.choice([-1.0, 1.0], size=width))
    W0, v0 = init_scale * np.stack(W0), np.stack(v0)
    kw = dict(device=device, dtype=dtype)
    W = torch.tensor(np.tile(W0, (regs.size, 1, 1)), **kw)
    v = torch.tensor(np.tile(v0, (regs.size, 1)), **kw)
    lam = torch.tensor(np.repeat(regs, len(seeds)), **kw)
    Xt, yt = torch.tensor(X, **kw), torch.tensor(y, **kw)
    B = W.shape[0]

    def mse(W, Xt, yt):
        f = (torch.relu(Xt @ W.transpose(-1, -2)) @ v[:, :, None]).squeeze(-1)  # (B, m)
        return ((f - yt) ** 2).mean(-1)

    m = Xt.shape[0]

    def data_term(W, v):  # MSE and ∂L/∂W = D r for L = MSE/2, without autograd
        Z = W @ Xt.T  # (B, n, m): this layout makes both products plain batched matmuls
        r = ((v[:, None, :] @ torch.relu(Z)).squeeze(-2) - yt) / m  # (B, m)
        grad = ((Z > 0).to(W.dtype).mul_(r[:, None, :]) @ Xt) * v[:, :, None]
        return m * (r * r).sum(-1), grad

    Ek2 = mean_squared_kernel(d)

    def discrepancy(W):  # L_2(W) from R(W) by the identity L_2² = 1/(4n) + (n−1)/n R − E k²
        R = diversity_regularizer(W.detach().double()).cpu().numpy()
        return np.sqrt(np.maximum(1 / (4 * width) + (width - 1) / width * R - Ek2, 0.0))

    # Plain gradient descent and Adam (torch.optim.Adam's update, β = (0.9, 0.999), ε = 1e-8) written
    # out, so that a stopped network can leave the batch: only running networks are computed.
    beta1, beta2, adam_eps = 0.9, 0.999, 1e-8
    gamma = (lr_final / lr) ** (1.0 / steps)
    if optimizer == "adam":
        m1, m2 = torch.zeros_like(W), torch.zeros_like(W)
    history = np.empty((steps + 1, B))
    steps_taken = np.full(B, steps)
    running = np.ones(B, dtype=bool)
    g0 = np.empty(B)
    gnorm = np.empty(B)
    L2_steps, L2_history = [], []
    lam_np = lam.cpu().numpy()
    with torch.no_grad(), _one_thread_on_cpu(device):
        for step in range(steps + 1):
            idx = np.flatnonzero(running)
            idx_t = torch.as_tensor(idx, device=device)
            Wr = W[idx_t] if idx.size < B else W
            err, grad = data_term(Wr, v[idx_t] if idx.size < B else v)
            history[step] = history[step - 1] if step else 0.0
            history[step, idx] = err.cpu().numpy()
            if step == 0:  # the reference: the data term's gradient at the start, the same for every reg
                g0[:] = grad.flatten(1).norm(dim=1).cpu().numpy()
            act = np.flatnonzero(lam_np[idx] > 0)  # the regulariser only where its weight is positive
            if act.size:
                act_t = torch.as_tensor(act, device=device)
                grad[act_t] += lam[idx_t[act_t], None, None] * _regularizer_and_grad(Wr[act_t])[1]
            gnorm[idx] = grad.flatten(1).norm(dim=1).cpu().numpy()
            if track_every is not None and (step % track_every == 0 or step == steps):
                L2_steps.append(step)
                L2_history.append(discrepancy(W))
            if grad_tol is not None:
                newly = idx[gnorm[idx] <= g0[idx] / grad_tol]
                steps_taken[newly] = step
                running[newly] = False
                if not running.any():
                    break
                keep = running[idx]
                if not keep.all():  # drop the networks that just stopped from this step's update
                    idx, grad = idx[keep], grad[torch.as_tensor(keep, device=device)]
                    idx_t = torch.as_tensor(idx, device=device)
            if step == steps:
                break
            lr_t = lr * gamma**step
            if optimizer == "gd":
                W[idx_t] -= lr_t * grad
            else:
                t = step + 1
                m1[idx_t] = beta1 * m1[idx_t] + (1 - beta1) * grad
                m2[idx_t] = beta2 * m2[idx_t] + (1 - beta2) * grad * grad
                denom = (m2[idx_t].sqrt() / math.sqrt(1 - beta2**t)) + adam_eps
                W[idx_t] -= (lr_t / (1 - beta1**t)) * m1[idx_t] / denom
        history = history[: step + 1]
        if track_every is not None and L2_steps[-1] != step:
            L2_steps.append(step)
            L2_history.append(discrepancy(W))
        with torch.no_grad():
            test = None
            if has_test:
                test = mse(W, torch.tensor(X_test, **kw), torch.tensor(y_test, **kw)).cpu().numpy()
            R = diversity_regularizer(W.detach().double()).cpu().numpy()
    return {
        "reg": np.repeat(regs, len(seeds)),
        "seed": np.tile(np.asarray(seeds), regs.size),
        "W": W.detach().double().cpu().numpy(),
        "W_init": np.tile(W0, (regs.size, 1, 1)),
        "v": v.double().cpu().numpy(),
        "train_mse": history[-1].copy(),
        "test_mse": test,
        "R": R,
        "history": history,
        "steps_taken": steps_taken,
        "grad_norm0": g0,
        "grad_norm": gnorm,
        "converged": gnorm <= g0 / grad_tol if grad_tol is not None else np.zeros(B, dtype=bool),
        "L2_steps": np.asarray(L2_steps) if track_every is not None else None,
        "L2_history": np.stack(L2_history) if track_every is not None else None,
    }


def du_gradient_descent(X, y, width, *, lr, steps, seeds=(0,), device="cpu", dtype=torch.float64):
    """Gradient descent on Du et al.'s ``u(x) = (1/√m) Σ_r a_r σ(w_rᵀx)``, loss ``½‖y − u‖²``.

    Here (Du et al.'s letters) ``X`` holds the ``n`` samples and ``width`` is the number ``m`` of
    hidden units; ``w_r(0) ~ N(0, I_d)``, ``a_r ~ Unif{±1}`` fixed, and only ``W`` is trained:
    ``W ← W − lr · ∂L/∂W`` with ``∂L/∂w_r = (1/√m) a_r Σ_i (u_i − y_i) 1{w_rᵀx_i ≥ 0} x_i``.
    One network per seed, all in one batched torch computation.

    Returns
    -------
    dict with, per seed and step ``t = 0..steps`` (arrays of shape ``(S, steps + 1)``):
    ``residual`` ``‖y − u(t)‖``, ``max_movement`` ``max_r ‖w_r(t) − w_r(0)‖`` and
    ``pattern_change`` the fraction of pairs ``(i, r)`` whose activation ``1{w_rᵀx_i ≥ 0}``
    differs from ``t = 0``; plus ``lambda_min_H0`` and ``lambda_min_HT`` (least eigenvalue of
    ``H_ij = x_iᵀx_j (1/m) Σ_r 1{w_rᵀx_i ≥ 0, w_rᵀx_j ≥ 0}`` at the start and the end), shape (S,).

    ``lr > 0`` finite; ``seeds`` integers in ``[0, 2**64)``; ``device`` and ``dtype`` as for
    :func:`train_diverse_net`.
    """
    X = _check_unit_rows("X", X)
    y = _check_labels("y", y, X, "X")
    width = _check_positive_int("width", width)
    steps = _check_positive_int("steps", steps)
    lr = C.number(lr, "lr", minimum=0.0, low_open=True)
    seeds = _check_seeds(seeds)
    device, dtype = _check_torch_target(device, dtype)
    n, d = X.shape
    S = len(seeds)
    C.require_memory(8 * (S * width * (4 * d + 4 * n) + S * n * n + n * n + 3 * S * (steps + 1)),
                     f"du_gradient_descent(seeds={S}, width={width}, n={n}, d={d}, steps={steps})",
                     "Use fewer seeds, a smaller width, fewer samples or fewer steps.")
    W0, a0 = [], []
    for s in seeds:
        rng = np.random.default_rng(s)
        W0.append(rng.standard_normal((width, d)))
        a0.append(rng.choice([-1.0, 1.0], size=width))
    kw = dict(device=device, dtype=dtype)
    W = torch.tensor(np.stack(W0), **kw)  # (S, m, d)
    W_init = W.clone()
    a = torch.tensor(np.stack(a0), **kw)  # (S, m)
    Xt, yt = torch.tensor(X, **kw), torch.tensor(y, **kw)
    XXt = Xt @ Xt.T
    scale = 1.0 / math.sqrt(width)
    S = len(seeds)
    res = np.empty((S, steps + 1))
    move = np.empty((S, steps + 1))
    change = np.empty((S, steps + 1))

    def lam_min(A):
        Af = A.to(dtype)
        H = (Af.transpose(-1, -2) @ Af) / width * XXt
        return torch.linalg.eigvalsh(H)[:, 0].cpu().numpy()

    # one thread helps only while the products are small; large ones (paper scale) use them all
    small = S * width * n * d <= 2**24
    with torch.no_grad(), (_one_thread_on_cpu(device) if small else nullcontext()):
        for t in range(steps + 1):
            Z = W @ Xt.T  # (S, m, n)
            A = Z >= 0
            if t == 0:
                A0 = A
            u = scale * (torch.relu(Z) * a[:, :, None]).sum(1)  # (S, n)
            r = u - yt
            res[:, t] = r.norm(dim=-1).cpu().numpy()
            move[:, t] = (W - W_init).norm(dim=-1).amax(dim=-1).cpu().numpy()
            change[:, t] = (A != A0).to(dtype).mean(dim=(-1, -2)).cpu().numpy()
            if t == steps:
                break
            G = (A.to(dtype) * r[:, None, :]) @ Xt  # (S, m, d)
            W -= lr * scale * a[:, :, None] * G
        return {
            "residual": res,
            "max_movement": move,
            "pattern_change": change,
            "lambda_min_H0": lam_min(A0),
            "lambda_min_HT": lam_min(A),
        }
