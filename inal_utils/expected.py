"""What INAL should be: exact expected squared correlations of every neuron with a Boolean target.

For a target ``f : {±1}^n → ℝ`` under the uniform input law and a network of
:func:`inal_utils.networks.fully_connected` (weights ``N(0, 1/fan_in)``, biases ``N(0, s²)``), the
expected squared correlation of any neuron ``h_v`` is a quadratic form in ``f``::

    E_θ[(E_x f(x) h_v(x))²] = E_{x,x'}[f(x) f(x') K_v(x, x')],   K_v(x, x') = E_θ[h_v(x) h_v(x')].

The first layer is Gaussian and every cube point has norm ``√n``, so ``K_v`` depends on
``(x, x')`` only through ``ρ = ⟨x, x'⟩/n`` — for every neuron, at any depth. With ``z = x ∘ x'``,
``K_v(ρ)`` is a symmetric function of ``z``; its Fourier coefficient on ``|S| = k`` is the profile
``A_k^{(v)}(n)`` and (the spectral identity, :func:`spectral_inal`)::

    E_θ[(E_x f h_v)²] = Σ_k W^{=k}[f] · A_k^{(v)}(n).

The first layer's ``K_1`` is the arc-cosine kernel (ReLU) or Sheppard's arcsine formula (sign):
exact. Deeper layers use the infinite-width recursion ``Σ_{l+1}(ρ) = K_l(ρ) + s²`` (their
pre-activations become Gaussian as the width grows), exact in the limit and off by ``O(1/width)``
at finite width. The output neuron (linear, variance-``1/width`` weights, bias ``N(0, s²)``) has
``K_out = K_L + s²`` exactly, at any width.

Contents
--------
* :func:`neuron_kernel` — the two-point function ``K_l(ρ)`` of a neuron of layer ``l``.
* :func:`exact_neuron_profile`, :func:`exact_layer_profiles` — ``A_k(n)`` per layer, exactly
  (Krawtchouk transform in exact integer arithmetic over kernel values computed with ``mpmath``).
* :func:`expected_inal` — every layer's expected squared correlation with a target, and their max.
* :func:`spectral_inal` — ``Σ_k W^{=k}[f] A_k(n)`` for a given profile (exact or Monte Carlo).
* :func:`profile_constant`, :func:`kernel_constant` — ``C_k`` in ``A_k(n) ≈ C_k n^{-k}``: by
  Gauss–Hermite quadrature (first layer), and as ``K_l^{(k)}(0)`` (any layer).

How INAL is *estimated* by Monte Carlo lives in :mod:`inal_utils.alignment`.
"""

from __future__ import annotations

import functools
import math
from fractions import Fraction
import numbers
from dataclasses import dataclass, field

import mpmath
import numpy as np
import torch
from numpy.polynomial import hermite_e
from scipy import special

from . import _checks as C
from . import boolean as B
from .networks import make_activation

__all__ = [
    "ExpectedInal",
    "KERNEL_ACTIVATIONS",
    "exact_layer_profiles",
    "exact_neuron_profile",
    "expected_inal",
    "kernel_constant",
    "neuron_kernel",
    "profile_constant",
    "spectral_inal",
    "target_degree_weights",
]

#: Activations whose two-point kernel has a closed form (arc-cosine / arcsine kernels).
KERNEL_ACTIVATIONS = ("relu", "sign")

#: Largest input dimension the exact profiles accept (low degrees only at large n: see :data:`MAX_PROFILE_WORK`).
MAX_PROFILE_N = 5000
#: Work budget of the Gaussian exact profile, in units of ``n · (k_max + 1) · (k_max·log10 n + 30)``
#: (about 25 s on one quiet CPU core; ``n = 1200`` with every degree, or ``k_max = 3`` at ``n = 5000``).
MAX_PROFILE_WORK = 10**10
#: Work budget of the Rademacher exact profile, in units of ``n² · (k_max + 20)`` (about 40 s).
MAX_RADEMACHER_WORK = 6 * 10**7
#: Most Gauss–Hermite nodes :func:`profile_constant` uses (numpy's weights are NaN from about 370 nodes on).
MAX_NODES = 360
#: Deepest hidden layer the composed kernels accept (each layer is one more composition).
MAX_LAYERS = 100
#: Highest degree :func:`kernel_constant` differentiates to (``mpmath.taylor`` at 40 digits: about 3 s
#: at degree 100, and the numerical derivatives lose their accuracy beyond).
MAX_TAYLOR_DEGREE = 100

# ------------------------------------------------------------------------------------------------
# validation
# ------------------------------------------------------------------------------------------------


def _int_at_least(value, name, low):
    return C.integer(value, name, minimum=low)


def _int_in(value, name, low, high=None):
    return C.integer(value, name, minimum=low, maximum=high)


def _check_bias_std(bias_std):
    return C.number(bias_std, "bias_std", minimum=0.0)


def _check_profile_work(n, k_max, init="gaussian"):
    """Refuse up front an exact profile that would run for minutes, naming a smaller ``k_max``."""
    if init == "rademacher":
        work, budget, unit = n * n * (k_max + 20), MAX_RADEMACHER_WORK, "n²·(k_max + 20)"
    else:
        work = n * (k_max + 1) * (k_max * math.log10(max(n, 2)) + 30)
        budget, unit = MAX_PROFILE_WORK, "n·(k_max + 1)·(k_max·log10 n + 30)"
    if work > budget:
        raise ValueError(f"the exact {init} profile at n={n}, k_max={k_max} needs work {work:.3g} ({unit}), above the "
                         f"budget {budget:.3g} (about a minute); pass a smaller k_max (the low degrees are cheap at "
                         "any n) or a smaller n")


def _check_activation(activation):
    if not isinstance(activation, str) or activation not in KERNEL_ACTIVATIONS:
        raise ValueError(
            f"activation={activation!r} has no closed-form kernel here; use one of {KERNEL_ACTIVATIONS} "
            "(for other activations estimate the profile with alignment.neuron_fourier_profile)"
        )
    return activation


def _check_init(init):
    if init not in ("gaussian", "rademacher"):
        raise ValueError(f"init={init!r} is not known; use 'gaussian' or 'rademacher'")
    return init


# ------------------------------------------------------------------------------------------------
# two-point functions
# ------------------------------------------------------------------------------------------------


def _kernel(c, v, activation, lib):
    """``E[σ(U)σ(V)]`` for centred Gaussians with variances ``v`` and correlation ``c`` (``lib``: numpy or mpmath)."""
    if activation == "relu":  # arc-cosine kernel of degree 1 (Cho & Saul 2009)
        return v / (2 * lib.pi) * (lib.sqrt(1 - c * c) + (lib.pi - lib.acos(c)) * c)
    return 2 / lib.pi * lib.asin(c)  # sign: Sheppard's formula (the variance drops out)


class _NumpyLib:
    pi, sqrt, acos, asin = np.pi, staticmethod(np.sqrt), staticmethod(np.arccos), staticmethod(np.arcsin)


def _compose(rho, layer, activation, s2, lib, one, clip):
    """``K_layer(ρ)`` by the recursion ``Σ_1 = ρ + s²``, ``Σ_{l+1} = K_l + s²``, ``K_l = F(Σ_l(1), Σ_l/Σ_l(1))``."""
    cov, var = rho + s2, one + s2
    for l in range(layer):
        c = clip(cov / var)
        k_rho, k_one = _kernel(c, var, activation, lib), _kernel(one, var, activation, lib)
        if l + 1 < layer:
            cov, var = k_rho + s2, k_one + s2
    return k_rho


def neuron_kernel(rho, *, activation="relu", bias_std=1.0, layer=1):
    """``K_l(ρ) = E_θ[h_v(x) h_v(x')]`` for a neuron ``v`` of hidden layer ``l`` and ``⟨x, x'⟩ / n = ρ``.

    Layer 1: with ``w_i ~ N(0, 1/n)`` and ``b ~ N(0, s²)``, ``(w·x + b, w·x' + b)`` is a centred
    Gaussian pair with variances ``1 + s²`` and covariance ``ρ + s²``; ``K_1`` is the arc-cosine
    kernel (ReLU) or Sheppard's arcsine formula (sign) at correlation ``c = (ρ + s²)/(1 + s²)``.
    Layer ``l + 1`` (infinite-width limit): the pre-activations are Gaussian with covariance
    ``K_l(ρ) + s²`` and variance ``K_l(1) + s²``.

    Parameters
    ----------
    rho : float or array-like
        Normalised inner products in ``[-1, 1]``.
    activation : {"relu", "sign"}
    bias_std : float
        ``s``, the bias standard deviation (``0`` for a bias-free network).
    layer : int
        Hidden layer, ``>= 1``.

    Returns
    -------
    numpy.ndarray (float64), shape of ``rho``.
    """
    _check_activation(activation)
    s2 = _check_bias_std(bias_std) ** 2
    layer = _int_in(layer, "layer", 1, MAX_LAYERS)
    rho = C.real_array(rho, "rho")
    if np.any(np.abs(rho) > 1 + 1e-12):
        raise ValueError("rho must lie in [-1, 1] (a normalised inner product of two ±1 points)")
    return _compose(np.clip(rho, -1.0, 1.0), layer, activation, s2, _NumpyLib, 1.0,
                    lambda c: np.clip(c, -1.0, 1.0))


# ------------------------------------------------------------------------------------------------
# the Krawtchouk transform, in exact integer arithmetic
# ------------------------------------------------------------------------------------------------


def _krawtchouk(n, k_max):
    """``K_k(m) = Σ_{|S|=k} χ_S(z)`` for any ``z`` with ``m`` entries ``-1``: exact integers, ``k = 0..k_max``."""
    rows = [[1] * (n + 1)]
    if k_max >= 1:
        rows.append([n - 2 * m for m in range(n + 1)])
    for k in range(1, k_max):  # (k+1) K_{k+1}(m) = (n - 2m) K_k(m) - (n - k + 1) K_{k-1}(m)
        rows.append([((n - 2 * m) * a - (n - k + 1) * b) // (k + 1) for m, (a, b) in enumerate(zip(rows[k], rows[k - 1]))])
    return rows


def _digits(n, k_max):
    """Working decimal digits: the sum cancels from O(1) down to about ``C_k n^{-k}``; 30 to spare."""
    return 30 + math.ceil(max(k_max, 1) * math.log10(max(n, 2)))


def _fixed(values, bits):
    """``round(v · 2^bits)`` as Python integers (``values``: mpmath numbers accurate to ``2^-bits``)."""
    scale = mpmath.mpf(2) ** bits
    return [int(mpmath.nint(v * scale)) for v in values]


def _transform(n, coefs, kernel_fixed, bits):
    """``A_k = (2^n C(n,k))^{-1} Σ_m C(n,m) K_k(m) K(m)`` from fixed-point kernel values, in exact integers.

    ``coefs[k][m] = C(n,m) K_k(m)``. Returns ``(values, errors)`` as mpmath numbers: the sums, and
    rigorous bounds on their rounding errors (each fixed-point value is off by at most half a unit).
    """
    values, errors = [], []
    for k, coef in enumerate(coefs):
        denom = (1 << (n + bits)) * math.comb(n, k)
        values.append(mpmath.mpf(sum(c * v for c, v in zip(coef, kernel_fixed))) / denom)
        errors.append(mpmath.mpf(sum(abs(c) for c in coef) + 1) / denom)
    return values, errors


@functools.lru_cache(maxsize=256)
def _gaussian_profiles(n, activation, bias_std, k_max, n_layers):
    """``((A_k^{(1)})_k, …, (A_k^{(L)})_k)`` for the hidden layers of a Gaussian-initialised net.

    Starts at 60 digits and doubles the precision until every value is resolved to a relative
    ``1e-12`` by the rigorous rounding bound. At the largest precision, ``30 + k_max·log10(n)``
    digits (enough for ``A_k ≈ C_k n^{-k}``), a value not resolved and below ``10^{10-digits}`` is an
    exact zero (zeros by symmetry: bias-free ReLU or sign).
    """
    binom = [math.comb(n, m) for m in range(n + 1)]
    coefs = [[b * r for b, r in zip(binom, row)] for row in _krawtchouk(n, k_max)]
    dps_max = _digits(n, k_max)
    dps = min(60, dps_max)
    while True:
        bits = math.ceil(dps * math.log2(10)) + 8
        with mpmath.workdps(dps + 10):
            s2 = mpmath.mpf(bias_std) ** 2
            one = mpmath.mpf(1)
            rhos = [mpmath.mpf(n - 2 * m) / n for m in range(n + 1)]
            clip = lambda c: min(max(c, -one), one)  # noqa: E731
            fixed = [_fixed([_compose(r, l, activation, s2, mpmath, one, clip) for r in rhos], bits)
                     for l in range(1, n_layers + 1)]
            results = [_transform(n, coefs, fx, bits) for fx in fixed]
            floor = mpmath.mpf(10) ** (10 - dps)
            open_ = [[err > 1e-12 * abs(v) for v, err in zip(*res)] for res in results]
            if not any(map(any, open_)):
                return tuple(tuple(float(v) for v in vals) for vals, _ in results)
            if dps >= dps_max:
                if any(o and abs(v) >= floor for res, op in zip(results, open_) for v, o in zip(res[0], op)):
                    raise RuntimeError(f"exact profile at n={n}, k_max={k_max} not resolved at {dps} digits")
                return tuple(tuple(0.0 if o else float(v) for v, o in zip(vals, op))
                             for (vals, _), op in zip(results, open_))
        dps = min(2 * dps, dps_max)


def _rademacher_pairs(t, activation, s):
    """``P[i][j] = E_b[σ(t_i + b) σ(t_j + b)]`` for ``b ~ N(0, s²)`` (mpmath), closed forms for ReLU and sign."""
    size = len(t)
    if s == 0:
        f = [max(x, 0) for x in t] if activation == "relu" else [mpmath.sign(x) for x in t]
        return [[f[i] * f[j] for j in range(size)] for i in range(size)]
    Phi = [mpmath.ncdf(x / s) for x in t]
    phi = [mpmath.npdf(x / s) for x in t]
    P = [[None] * size for _ in range(size)]
    for i in range(size):
        for j in range(i, size):
            lo = i if t[i] <= t[j] else j  # index of min(t_i, t_j)
            hi = j if lo == i else i
            if activation == "relu":  # E[(t_i+b)(t_j+b) 1{b > -min}]
                a = t[lo] / s
                v = t[i] * t[j] * Phi[lo] + (t[i] + t[j]) * s * phi[lo] + s * s * (Phi[lo] - a * phi[lo])
            else:  # 1 - 2 P(-max < b < -min)
                v = 1 - 2 * (Phi[hi] - Phi[lo])
            P[i][j] = P[j][i] = v
    return P


@functools.lru_cache(maxsize=64)
def _rademacher_profile(n, activation, bias_std, degrees):
    """``A_k`` for a first-layer neuron with weights ``±1/√n``, for each ``k`` in ``degrees``.

    With ``w = ε/√n`` and ``y = ε ∘ x`` uniform, ``ĥ(S) = χ_S(ε) · ĝ_{|S|}(b)``, where
    ``ĝ_k(b) = Σ_j a_{kj} σ(t_j + b)`` is the Fourier coefficient of the symmetric function
    ``y ↦ σ(Σ y_i/√n + b)``: ``t_j = (n - 2j)/√n``, ``a_{kj} = C(n,j) K_k(j)/(2^n C(n,k))``. So
    ``A_k = E_b[ĝ_k(b)²] = Σ_{j,j'} a_{kj} a_{kj'} E_b[σ(t_j + b) σ(t_{j'} + b)]`` exactly. The
    quadratic form is evaluated at 30 digits and again with more when its terms cancel by more than
    15 digits.
    """
    rows = _krawtchouk(n, max(degrees))
    pairs = {}  # digits -> (t, P): the pair matrix is shared by every degree

    def pair_matrix(dps):
        if dps not in pairs:
            with mpmath.workdps(dps):
                t = [mpmath.mpf(n - 2 * j) / mpmath.sqrt(n) for j in range(n + 1)]
                P = _rademacher_pairs(t, activation, mpmath.mpf(bias_std))
                pairs[dps] = (P, max(abs(x) for r in P for x in r))
        return pairs[dps]

    out = []
    for k in degrees:
        dps = 30
        while True:
            P, p_max = pair_matrix(dps)
            with mpmath.workdps(dps):
                a = [mpmath.mpf(math.comb(n, j) * rows[k][j]) / ((1 << n) * math.comb(n, k)) for j in range(n + 1)]
                Pa = [mpmath.fdot(a, P[i]) for i in range(n + 1)]
                val = mpmath.fdot(a, Pa)
                scale = mpmath.fsum(abs(x) for x in a) ** 2 * p_max
            if val == 0 or scale / abs(val) < mpmath.mpf(10) ** (dps - 15) or dps > _digits(n, k) + 30:
                break
            dps = 30 + int(mpmath.log10(scale / abs(val))) + 15
        out.append(0.0 if scale == 0 or abs(val) < scale * mpmath.mpf(10) ** (10 - dps) else float(val))
    return tuple(out)


def exact_layer_profiles(n, n_layers=1, *, activation="relu", bias_std=1.0, k_max=None):
    """``A_k^{(v)}(n)`` for a neuron of each hidden layer and for the output neuron: shape ``(n_layers + 1, k_max + 1)``.

    Row ``l - 1`` is hidden layer ``l`` (row 0 exact; deeper rows exact in the infinite-width
    limit), the last row the output neuron (``A^{out} = A^{(L)}`` plus ``s²`` at degree 0). Gaussian
    initialisation of :func:`inal_utils.networks.fully_connected`. See :func:`exact_neuron_profile`.
    """
    n = _int_in(n, "n", 1, MAX_PROFILE_N)
    n_layers = _int_in(n_layers, "n_layers", 1, MAX_LAYERS)
    _check_activation(activation)
    bias_std = _check_bias_std(bias_std)
    k_max = n if k_max is None else _int_in(k_max, "k_max", 0, n)
    _check_profile_work(n, k_max)
    hidden = np.array(_gaussian_profiles(n, activation, bias_std, k_max, n_layers))
    out = hidden[-1].copy()
    out[0] += bias_std**2
    return np.vstack([hidden, out])


def exact_neuron_profile(n, *, activation="relu", bias_std=1.0, k_max=None, layer=1, init="gaussian"):
    """``A_k(n) = E_θ[ĥ_v(S)²]`` for ``|S| = k``, exactly, for a neuron ``v`` of hidden layer ``layer``.

    Expanding the square, ``E_θ[ĥ(S)²] = E_{x,x'}[χ_S(x)χ_S(x') K(⟨x,x'⟩/n)]`` with the two-point
    function :func:`neuron_kernel`; with ``z = x ∘ x'`` (uniform on the cube) this is the Fourier
    coefficient of the symmetric function ``z ↦ K(Σ_i z_i / n)``::

        A_k(n) = (2^n C(n,k))^{-1} Σ_{m=0}^{n} C(n,m) K_k(m) K(1 - 2m/n),

    ``K_k`` the Krawtchouk polynomials (exact integers). The alternating sum cancels down to
    ``A_k ≈ C_k n^{-k}`` (``10^{-44}`` for the full parity at ``n = 128``): the kernel values are
    computed with ``mpmath``, rounded to fixed point, and the sum is done in exact integer
    arithmetic; a rigorous bound on the rounding error must be below ``1e-12`` of each value, and the
    precision is doubled (from 60 digits up to ``30 + k_max·log10(n)``) until it is. Values still
    unresolved there and below ``10^{10-digits}`` are exact zeros (for the bias-free ReLU the odd
    degrees ``≥ 3`` of the first layer, for the bias-free sign the even degrees).

    Parameters
    ----------
    n : int
        Input dimension, ``1 <= n <= 5000`` (no enumeration: ``n = 400`` is fine). The cost grows
        like ``n · k_max · digits`` (Rademacher: ``n² · k_max``); requests above
        :data:`MAX_PROFILE_WORK` (every degree beyond ``n ≈ 1200``) are refused up front — ask for
        the low degrees with ``k_max``.
    activation : {"relu", "sign"}
    bias_std : float
        Bias standard deviation (``0`` for none); weights are ``N(0, 1/fan_in)`` as in
        :func:`inal_utils.networks.fully_connected`.
    k_max : int, optional
        Largest degree wanted (default ``n``). Cost grows with ``n · k_max`` and the digits.
    layer : int
        Hidden layer (``1`` exact; ``>= 2`` the infinite-width limit).
    init : {"gaussian", "rademacher"}
        Weight law of the first layer. ``"rademacher"`` (weights ``±1/√n``) is computed for
        ``layer=1`` only, by an exact double sum over the bias law (cost ``O(n² k_max)``).

    Returns
    -------
    numpy.ndarray, shape ``(k_max + 1,)`` — ``A_0(n), …, A_{k_max}(n)`` in float64.
    """
    n = _int_in(n, "n", 1, MAX_PROFILE_N)
    _check_activation(activation)
    bias_std = _check_bias_std(bias_std)
    k_max = n if k_max is None else _int_in(k_max, "k_max", 0, n)
    layer = _int_in(layer, "layer", 1, MAX_LAYERS)
    _check_profile_work(n, k_max, _check_init(init))
    if init == "rademacher":
        if layer != 1:
            raise ValueError(f"layer={layer}: the Rademacher profile is exact for layer=1 only")
        return np.array(_rademacher_profile(n, activation, bias_std, tuple(range(k_max + 1))))
    return np.array(_gaussian_profiles(n, activation, bias_std, k_max, layer)[layer - 1])


# ------------------------------------------------------------------------------------------------
# target spectra and the spectral identity
# ------------------------------------------------------------------------------------------------


def _majority_weights(n):
    """``W^{=k}[Maj_n]`` in closed form (odd ``n``): for odd ``k``,
    ``Maĵ_n(S) = ±C((n-1)/2, (k-1)/2) / C(n-1, k-1) · 2^{1-n} C(n-1, (n-1)/2)`` (O'Donnell 2014, Thm 5.19),
    zero for even ``k``. Exact rational arithmetic, then rounded to float64."""
    h = (n - 1) // 2
    base = Fraction(2 * math.comb(n - 1, h), 2**n)
    w = np.zeros(n + 1)
    for k in range(1, n + 1, 2):
        coef = Fraction(math.comb(h, (k - 1) // 2), math.comb(n - 1, k - 1)) * base
        w[k] = float(math.comb(n, k) * coef * coef)
    return w


def target_degree_weights(target):
    """``(W^{=k}[f])_{k=0..n}`` of a catalogue function, an extension (never enumerated) or given weights.

    Parities, dictators, majorities and staircases use closed forms (or their few relevant inputs),
    so they work at any ``n``; any other :class:`~inal_utils.boolean.BooleanFunction` is enumerated
    (``n <= 24``).
    """
    if isinstance(target, B.Extended):
        base = target_degree_weights(target.base)
        out = np.zeros(target.n + 1)
        out[: base.size] = base
        return out
    if isinstance(target, B.Parity):
        return np.eye(1, target.n + 1, target.degree)[0]
    if isinstance(target, B.Dictator):
        return np.eye(1, target.n + 1, 1)[0]
    if isinstance(target, B.Majority):
        return _majority_weights(target.n)
    if isinstance(target, B.Staircase) and target.k < target.n:  # depends on its first k inputs only
        return target_degree_weights(B.extend(B.Staircase(target.k, target.k), target.n))
    if isinstance(target, B.BooleanFunction):
        return B.degree_weights(target.fourier())
    if callable(target) or target is None or isinstance(target, (str, bytes, dict)):
        raise TypeError(f"target must be a BooleanFunction or 1-d degree weights W^{{=k}} (k = 0..n); got "
                        f"{C.describe(target)}")
    w = C.real_array(target, "target", ndim=1, min_size=2, copy=True)
    if np.any(w < 0):
        raise ValueError("target: degree weights W^{=k} must be finite and >= 0 (sums of squared coefficients)")
    return w


def spectral_inal(coefficients, profile, *, weights=None, return_stderr=False):
    """``Σ_k W^{=k}[f] · A_k(n)``: the expected squared correlation of ``f`` with a neuron of profile ``A``.

    The identity ``E_θ[(E_x f h)²] = Σ_k W^{=k}[f] A_k(n)`` is exact for a first-layer neuron
    ``σ(w·x + b)`` with i.i.d. symmetric weights (sign flips make ``E[ĥ(S)ĥ(T)] = 0`` for
    ``S ≠ T`` and exchangeability makes ``E[ĥ(S)²]`` depend on ``|S|`` only), and for any neuron
    of a Gaussian-initialised network (its two-point function depends on ``⟨x, x'⟩/n`` only).

    Parameters
    ----------
    coefficients : array-like of length ``2**n``, BooleanFunction, or None
        Fourier coefficients ``f̂(S)`` (bitmask order), or a function with ``.fourier()``.
        Pass ``None`` together with ``weights=`` to give the degree weights directly.
    profile : FourierProfile or array-like of length ``n + 1``
        ``A_k(n)`` for ``k = 0..n`` (a Monte Carlo profile's ``.samples`` give the error bar).
    weights : array-like of length ``n + 1``, optional
        ``W^{=k}[f]`` directly (e.g. for ``n`` too large to list ``2**n`` coefficients).
    return_stderr : bool
        Also return the standard error (from the per-initialisation samples of a Monte Carlo
        profile; ``nan`` for a plain array).

    Returns
    -------
    float, or ``(value, stderr)`` with ``return_stderr=True``.
    """
    samples = getattr(profile, "samples", None)
    if samples is None:
        samples = C.real_array(profile, "profile")
        if samples.ndim != 1 or samples.size < 1:
            raise ValueError(f"profile must be a FourierProfile or 1-d A_k values; got shape {samples.shape}")
        samples = samples[None, :]
    else:
        samples = C.real_array(samples, "profile", ndim=2, min_size=1)
    if np.any(samples < 0):
        raise ValueError("profile has negative entries; A_k(n) = E[ĥ(S)²] >= 0 (expected squared coefficients)")
    n = samples.shape[1] - 1
    return_stderr = C.flag(return_stderr, "return_stderr")
    if (coefficients is None) == (weights is None):
        raise ValueError("give exactly one of coefficients (f̂, length 2**n) and weights (W^{=k}, length n+1)")
    if weights is None:
        if isinstance(coefficients, B.BooleanFunction):
            if coefficients.n != n:
                raise ValueError(f"coefficients is a function of n={coefficients.n} inputs; the profile has n={n}")
            coefficients = coefficients.fourier()
        c = C.real_array(coefficients, "coefficients")
        if c.shape != (2**n,):
            raise ValueError(
                f"coefficients has shape {c.shape}; the profile has n={n}, so 2**n={2**n} coefficients are needed"
            )
        w = B.degree_weights(c)
    else:
        w = C.real_array(weights, "weights")
        if w.shape != (n + 1,):
            raise ValueError(f"weights has shape {w.shape}; the profile has n={n}, so n+1={n + 1} weights are needed")
        if np.any(w < 0):
            raise ValueError("weights has negative entries; W^{=k}[f] >= 0 (sums of squared coefficients)")
    per_init = samples @ w
    value = float(per_init.mean())
    if not return_stderr:
        return value
    stderr = float(per_init.std(ddof=1) / math.sqrt(len(per_init))) if len(per_init) > 1 else float("nan")
    return value, stderr


@dataclass(frozen=True)
class ExpectedInal:
    """Exact expected squared correlations of a target with the neurons of each layer.

    Attributes
    ----------
    value : float
        ``max`` over layers: the INAL (infinite-width limit beyond the first layer).
    layer : int
        Index of the layer attaining it (``0..L-1`` hidden, ``L`` the output), as in
        :class:`inal_utils.alignment.InalResult`.
    layer_values : numpy.ndarray, shape ``(L + 1,)``
    n : int
    weights : numpy.ndarray
        The target's degree weights ``W^{=k}``, ``k = 0..n``.
    activation, bias_std, init : str, float, str
    """

    value: float
    layer: int
    layer_values: np.ndarray = field(repr=False)
    n: int = 0
    weights: np.ndarray = field(repr=False, default=None)
    activation: str = "relu"
    bias_std: float = 1.0
    init: str = "gaussian"

    @property
    def layer_names(self):
        depth = len(self.layer_values) - 1
        return tuple(f"hidden {l + 1}" for l in range(depth)) + ("output",)

    def __repr__(self):
        return (f"ExpectedInal(value={self.value:.6g}, layer={self.layer} ({self.layer_names[self.layer]}), "
                f"n={self.n}, activation={self.activation!r}, bias_std={self.bias_std}, init={self.init!r})")


def expected_inal(target, n_layers=1, *, activation="relu", bias_std=1.0, init="gaussian"):
    """``E_θ[(E_x f h_v)²]`` for a neuron ``v`` of every layer of ``fully_connected(n, [m]*n_layers)``, exactly.

    From the spectral identity ``Σ_k W^{=k}[f] A_k^{(v)}(n)`` with the exact profiles of
    :func:`exact_layer_profiles`: exact for the first hidden layer and the output neuron of a
    two-layer network (any width); for deeper layers the infinite-width limit of the composed
    kernels (finite width ``m`` changes them by ``O(1/m)``). Only the degrees where ``f`` has
    weight are computed, so a low-degree target is cheap at any ``n``; the full parity at
    ``n = 128`` takes a fraction of a second.

    Parameters
    ----------
    target : BooleanFunction or array-like
        A function from :mod:`inal_utils.boolean` (an :class:`~inal_utils.boolean.Extended`
        function is never enumerated), or its degree weights ``W^{=k}``, ``k = 0..n``.
    n_layers : int
        Number of hidden layers, ``>= 1``.
    activation : {"relu", "sign"}
    bias_std : float
        Standard deviation of every bias (``0`` for a bias-free network).
    init : {"gaussian", "rademacher"}
        ``"rademacher"``: first-layer weights ``±1/√n``; ``n_layers = 1`` only.

    Returns
    -------
    ExpectedInal
        ``.value`` (max over layers), ``.layer``, ``.layer_values`` (hidden 1..L, output).
    """
    w = target_degree_weights(target)
    n = w.size - 1
    if n > MAX_PROFILE_N:
        raise ValueError(f"target has n={n} inputs; exact profiles allow n <= {MAX_PROFILE_N}")
    n_layers = _int_in(n_layers, "n_layers", 1, MAX_LAYERS)
    _check_activation(activation)
    bias_std = _check_bias_std(bias_std)
    _check_init(init)
    support = np.flatnonzero(w > 0)
    k_max = int(support.max()) if support.size else 0
    _check_profile_work(n, k_max if init == "gaussian" else len(support), init)
    if init == "rademacher":
        if n_layers != 1:
            raise ValueError(f"n_layers={n_layers}: the Rademacher expectation is exact for n_layers=1 only")
        degrees = tuple(int(k) for k in support) or (0,)
        a = np.zeros(k_max + 1)
        a[list(degrees)] = _rademacher_profile(n, activation, bias_std, degrees)
        profiles = np.vstack([a, a + np.eye(1, k_max + 1, 0)[0] * bias_std**2])
    else:
        profiles = exact_layer_profiles(n, n_layers, activation=activation, bias_std=bias_std, k_max=k_max)
    values = profiles @ w[: k_max + 1]
    best = int(np.argmax(values))
    return ExpectedInal(float(values[best]), best, values, n, w, activation, bias_std, init)


# ------------------------------------------------------------------------------------------------
# the large-n constants C_k
# ------------------------------------------------------------------------------------------------


def _phi(b):
    return np.exp(-0.5 * b * b) / math.sqrt(2 * math.pi)


def _smoothed_derivative(k, b, activation, n_nodes):
    """``g^{(k)}(b)`` for ``g(b) = E_Z σ(Z + b)``, ``Z ~ N(0, 1)``."""
    if activation == "relu":
        if k == 0:
            return b * special.ndtr(b) + _phi(b)
        if k == 1:
            return special.ndtr(b)
        return (-1) ** k * special.eval_hermitenorm(k - 2, b) * _phi(b)
    if activation == "sign":
        if k == 0:
            return 2 * special.ndtr(b) - 1
        return 2 * (-1) ** (k - 1) * special.eval_hermitenorm(k - 1, b) * _phi(b)
    # any other activation: Stein's identity g^{(k)}(b) = E[σ(Z + b) He_k(Z)], Gauss–Hermite in Z
    z, wz = hermite_e.hermegauss(n_nodes)
    wz = wz / math.sqrt(2 * math.pi)
    fn = make_activation(activation)
    with torch.no_grad():
        vals = fn(torch.as_tensor(z[None, :] + b[:, None], dtype=torch.float64)).numpy()
    return vals @ (wz * special.eval_hermitenorm(k, z))


def profile_constant(k, *, activation="relu", bias_std=1.0, n_nodes=120):
    """``C_k = E_b[(g^{(k)}(b))²]`` with ``g(b) = E_{Z~N(0,1)} σ(Z + b)`` and ``b ~ N(0, bias_std²)``.

    The constant in ``A_k(n) ≈ C_k n^{-k}`` (fixed ``k``, large ``n``) of a first-layer neuron:
    for small weights ``ĥ(S) ≈ g^{(k)}(b) ∏_{i∈S} w_i`` with ``E[w_i²] = 1/n``.

    Closed-form derivatives: ReLU ``g = bΦ(b) + φ(b)``, ``g' = Φ``,
    ``g^{(k)} = (-1)^k He_{k-2}(b) φ(b)`` for ``k ≥ 2``; sign ``g = 2Φ(b) - 1``,
    ``g^{(k)} = 2(-1)^{k-1} He_{k-1}(b) φ(b)`` for ``k ≥ 1`` (``He`` the probabilists' Hermite
    polynomials). Any other activation uses Stein's identity ``g^{(k)}(b) = E[σ(Z+b) He_k(Z)]``
    with Gauss–Hermite quadrature in ``Z`` (accurate for smooth activations). The bias law is
    integrated with ``n_nodes``-point Gauss–Hermite quadrature; ``bias_std = 0`` gives ``g^{(k)}(0)²``.
    Deeper layers: :func:`kernel_constant`.

    Parameters
    ----------
    k : int or sequence of int
        Degree(s), ``k >= 0``.
    activation : str, nn.Module or callable
    bias_std : float
    n_nodes : int
        Quadrature nodes, ``2 <= n_nodes <= 360`` (numpy's Gauss–Hermite weights are NaN beyond ~370).

    Returns
    -------
    float, or numpy.ndarray for a sequence of ``k``.
    """
    if not isinstance(k, numbers.Integral) or isinstance(k, bool):
        if isinstance(k, (str, bytes)) or not hasattr(k, "__iter__"):
            raise ValueError(f"k={k!r} must be a non-negative integer or a sequence of them")
        return np.array([profile_constant(j, activation=activation, bias_std=bias_std, n_nodes=n_nodes)
                         for j in k])
    k = _int_at_least(k, "k", 0)
    bias_std = _check_bias_std(bias_std)
    n_nodes = _int_in(n_nodes, "n_nodes", 2, MAX_NODES)
    if isinstance(activation, str) and activation not in ("relu", "sign"):
        make_activation(activation)  # validates the name
    elif not isinstance(activation, str):
        C.function(activation, "activation", "an activation name, nn.Module or function of a tensor")
    if bias_std == 0:
        value = float(_smoothed_derivative(k, np.zeros(1), activation, n_nodes)[0] ** 2)
    else:
        nodes, w = hermite_e.hermegauss(n_nodes)
        w = w / math.sqrt(2 * math.pi)
        with np.errstate(all="ignore"):
            value = float(w @ _smoothed_derivative(k, bias_std * nodes, activation, n_nodes) ** 2)
    if not math.isfinite(value):
        raise ValueError(f"profile_constant(k={k}) is not finite ({value}) for activation={C.describe(activation)}: "
                         "the activation returns non-finite values or the degree is too large for the quadrature")
    return value


@functools.lru_cache(maxsize=64)
def _kernel_taylor(k_max, layer, activation, bias_std):
    with mpmath.workdps(40):
        s2 = mpmath.mpf(bias_std) ** 2
        one = mpmath.mpf(1)
        fn = lambda r: _compose(r, layer, activation, s2, mpmath, one, lambda c: c)  # noqa: E731
        coeffs = mpmath.taylor(fn, 0, k_max)
        return tuple(float(c * mpmath.factorial(j)) for j, c in enumerate(coeffs))


def kernel_constant(k, *, layer=1, activation="relu", bias_std=1.0):
    """``C_k^{(l)} = K_l^{(k)}(0)``: the constant in ``A_k^{(l)}(n) ≈ C_k^{(l)} n^{-k}`` for hidden layer ``l``.

    Writing ``K_l(ρ) = Σ_j c_j ρ^j``, the coefficient of ``χ_S`` (``|S| = k``) in
    ``z ↦ K_l(Σ z_i/n)`` is ``k! c_k n^{-k} (1 + O(k²/n))``, and ``k! c_k = K_l^{(k)}(0)``. For
    layer 1 this equals :func:`profile_constant` (Mehler's formula gives
    ``K_1(ρ) = Σ_k ρ^k E_b[g^{(k)}(b)²]/k!``). Computed by high-precision numerical Taylor
    expansion (``mpmath.taylor``) of the composed kernel.

    Parameters
    ----------
    k : int or sequence of int
        Degree(s), ``0 <= k <= MAX_TAYLOR_DEGREE``.
    layer : int
        ``1 <= layer <= MAX_LAYERS``.
    activation : {"relu", "sign"}
    bias_std : float

    Returns
    -------
    float, or numpy.ndarray for a sequence of ``k``.
    """
    _check_activation(activation)
    bias_std = _check_bias_std(bias_std)
    layer = _int_in(layer, "layer", 1, MAX_LAYERS)
    if not isinstance(k, numbers.Integral) or isinstance(k, bool):
        if isinstance(k, (str, bytes)) or not hasattr(k, "__iter__"):
            raise ValueError(f"k={k!r} must be a non-negative integer or a sequence of them")
        ks = [_int_in(j, "k", 0, MAX_TAYLOR_DEGREE) for j in k]
        if not ks:
            return np.zeros(0)
        return np.array(_kernel_taylor(max(ks), layer, activation, bias_std))[ks]
    k = _int_in(k, "k", 0, MAX_TAYLOR_DEGREE)
    return _kernel_taylor(k, layer, activation, bias_std)[k]
