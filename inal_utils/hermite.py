"""Probabilists' Hermite polynomials and the Gaussian targets of Damian, Lee & Soltanolkotabi (2022).

Conventions (see ``shared/notes/theory.md`` §0 and §4):

* ``He_k`` are the *probabilists'* Hermite polynomials (:mod:`numpy.polynomial.hermite_e`),
  orthogonal for the standard Gaussian: ``E[He_j(Z) He_k(Z)] = k! δ_jk``. The physicists' family
  (:mod:`numpy.polynomial.hermite`) is never used.
* ``h_k = He_k / sqrt(k!)`` is the orthonormal version, ``E[h_j h_k] = δ_jk``.
* A target is ``f*(x) = g(U x)`` with ``U`` an ``r x d`` matrix with orthonormal rows (the relevant
  directions ``u_1..u_r``) and ``g(z) = Σ_k c_k Π_i h_{k_i}(z_i)`` a finite Hermite expansion, so
  ``E[f*(x)^2] = Σ_k c_k^2`` for ``x ~ N(0, I_d)`` (we normalise it to 1).
* Data: ``x ~ N(0, I_d)``, ``y = f*(x) + ε`` with ``ε`` uniform on ``{-ζ, +ζ}``.
"""

from __future__ import annotations

import math
import numbers
from dataclasses import dataclass

import numpy as np
import torch
from numpy.polynomial import hermite_e
from scipy import special

from . import _checks as C

__all__ = [
    "hermite_he",
    "hermite_h",
    "he_coefficients",
    "hermite_coefficients",
    "gauss_hermite",
    "HermiteTarget",
    "single_index_target",
    "multi_index_target",
    "paper_target",
    "random_directions",
    "gaussian_data",
]


#: Largest Hermite degree accepted (the recurrences are O(k) per point).
MAX_DEGREE = 10_000
#: ``math.factorial(k)`` converts to a float up to this degree; above it ``h_k`` uses its own recurrence.
_FLOAT_FACTORIAL = 170


def _check_degree(k, name="k", maximum=MAX_DEGREE):
    return C.integer(k, name, minimum=0, maximum=maximum)


def _is_torch(x):
    return isinstance(x, torch.Tensor)


def _check_points(x, name="x"):
    """Finite real points: a float array (numpy in) or a real torch tensor (torch in, kept as is)."""
    if _is_torch(x):
        C.finite_tensor(x, name, floating=False)
        return x if x.is_floating_point() else x.to(torch.float64)
    return C.real_array(x, name)


def _he(k, x):
    """``He_k(x)`` by the three-term recurrence (no validation)."""
    prev = x * 0 + 1.0
    if k == 0:
        return prev
    cur = x * 1.0
    for j in range(1, k):
        prev, cur = cur, x * cur - j * prev
    return cur


def _h(k, x):
    """``h_k(x) = He_k(x)/sqrt(k!)`` (no validation); above degree 170 by the normalised recurrence
    ``h_{j+1} = (x h_j − sqrt(j) h_{j−1})/sqrt(j+1)``, which never forms ``k!``."""
    if k <= _FLOAT_FACTORIAL:
        return _he(k, x) / math.sqrt(math.factorial(k))
    prev = x * 0 + 1.0
    cur = x * 1.0
    for j in range(1, k):
        prev, cur = cur, (x * cur - math.sqrt(j) * prev) / math.sqrt(j + 1)
    return cur


def _finite_result(value, what):
    bad = (~torch.isfinite(value)).any() if _is_torch(value) else not np.all(np.isfinite(value))
    if bool(bad):
        raise ValueError(f"{what} overflows float64 at these points; use the normalised hermite_h (or smaller |x|)")
    return value


def hermite_he(k, x):
    """Evaluate the probabilists' Hermite polynomial ``He_k`` at ``x``.

    Uses the three-term recurrence ``He_{j+1}(x) = x He_j(x) - j He_{j-1}(x)``, so it works for
    NumPy arrays, Python floats and torch tensors alike (and is differentiable under autograd).

    Parameters
    ----------
    k : int
        Degree, ``0 <= k <= MAX_DEGREE``.
    x : float, numpy.ndarray or torch.Tensor
        Finite real points at which to evaluate. Where ``He_k(x)`` exceeds float64 (``k ≳ 170``)
        a ValueError points to :func:`hermite_h`.

    Returns
    -------
    Same type as ``x`` (NumPy arrays are returned as float arrays; integer tensors as float64).
    """
    k = _check_degree(k)
    x = _check_points(x)
    with np.errstate(over="ignore", invalid="ignore"):
        return _finite_result(_he(k, x), f"He_{k}(x)")


def hermite_h(k, x):
    """Normalised Hermite polynomial ``h_k = He_k / sqrt(k!)`` (orthonormal under ``N(0, 1)``).

    ``0 <= k <= MAX_DEGREE``; ``x`` finite real (float, array or tensor). Above degree 170 a
    normalised recurrence is used, so ``k!`` (not a float there) is never formed.
    """
    k = _check_degree(k)
    x = _check_points(x)
    with np.errstate(over="ignore", invalid="ignore"):
        return _finite_result(_h(k, x), f"h_{k}(x)")


def he_coefficients(k):
    """Monomial coefficients of ``He_k`` (lowest degree first), from :mod:`numpy.polynomial.hermite_e`.

    ``0 <= k <= 170`` (the coefficients of higher degrees overflow float64).
    """
    k = _check_degree(k, maximum=_FLOAT_FACTORIAL)
    return hermite_e.herme2poly([0.0] * k + [1.0])


def gauss_hermite(n_nodes):
    """Nodes and weights of Gauss–Hermite quadrature for the standard Gaussian.

    ``Σ_i w_i p(z_i) = E[p(Z)]`` exactly for polynomials ``p`` of degree ``< 2 n_nodes``
    (:func:`numpy.polynomial.hermite_e.hermegauss`, weights rescaled to sum to 1). For a function
    with a kink (ReLU) the error decays only like ``n_nodes^{-1}``-ish: ~1e-3 at 100 nodes.
    ``1 <= n_nodes <= 250``.
    """
    n_nodes = C.integer(n_nodes, "n_nodes", minimum=1, maximum=250)
    z, w = hermite_e.hermegauss(n_nodes)
    return z, w / math.sqrt(2.0 * math.pi)


def hermite_coefficients(g, degree, *, n_nodes=100, normalised=True):
    """Hermite coefficients ``c_k = E[g(Z) h_k(Z)]``, ``k = 0..degree``, by Gauss–Hermite quadrature.

    Parameters
    ----------
    g : callable
        Vectorised function of one real variable (NumPy in, NumPy out), finite at the nodes.
    degree : int
        Largest degree returned, ``0 <= degree <= MAX_DEGREE``.
    n_nodes : int, default 100
        Quadrature nodes (``1..250``); exact when ``g`` is a polynomial of degree ``< 2 n_nodes - degree``.
    normalised : bool, default True
        If True return coefficients against ``h_k`` (so ``g = Σ c_k h_k`` and ``E g² = Σ c_k²``);
        otherwise against ``He_k`` (so ``g = Σ c_k He_k``, ``c_k = E[g He_k] / k!``).
    """
    C.function(g, "g", "a vectorised function of one real variable")
    degree = _check_degree(degree, "degree")
    normalised = C.flag(normalised, "normalised")
    z, w = gauss_hermite(n_nodes)
    gz = g(z)
    if isinstance(gz, torch.Tensor) or not isinstance(gz, (np.ndarray, numbers.Real, list, tuple)):
        raise TypeError(f"g must return a NumPy array of reals; it returned {C.describe(gz)}")
    gz = np.asarray(gz)
    if gz.dtype.kind not in "iuf":
        raise TypeError(f"g must return real values; it returned dtype {gz.dtype}")
    gz = gz.astype(float)
    if gz.shape != z.shape:
        raise ValueError(f"g must map an array of shape {z.shape} to the same shape; got {gz.shape}")
    if not np.all(np.isfinite(gz)):
        raise ValueError(f"g returned {int((~np.isfinite(gz)).sum())} non-finite values at the quadrature nodes")
    coef = np.array([np.sum(w * gz * _h(k, z)) for k in range(degree + 1)])
    if not normalised:
        coef = coef * np.exp(-0.5 * special.gammaln(np.arange(degree + 1) + 1.0))
    return coef


def random_directions(d, r=1, *, seed=0):
    """An ``r x d`` matrix with orthonormal rows, uniformly random (QR of a Gaussian matrix).

    ``1 <= r <= d``; ``seed`` an integer in ``[0, 2**64)``.
    """
    d = C.integer(d, "d", minimum=1)
    r = C.integer(r, "r", minimum=1)
    if r > d:
        raise ValueError(f"r={r} must satisfy 1 <= r <= d={d}")
    seed = C.seed(seed)
    C.require_memory(4 * d * r * 8, f"random_directions(d={d}, r={r})", "Use a smaller d or r.")
    rng = np.random.default_rng(seed)
    q, rr = np.linalg.qr(rng.standard_normal((d, r)))
    return (q * np.sign(np.diag(rr))).T.copy()


@dataclass(frozen=True)
class HermiteTarget:
    """``f*(x) = g(U x)`` with ``g(z) = Σ_k c_k Π_i h_{k_i}(z_i)``.

    Attributes
    ----------
    U : ndarray, shape (r, d)
        Orthonormal rows spanning the principal subspace ``S*``.
    terms : tuple of (tuple of int, float)
        Multi-indices ``k = (k_1..k_r)`` with their coefficients ``c_k``.
    """

    U: np.ndarray
    terms: tuple

    def __post_init__(self):
        U = _check_U(self.U)
        terms = _check_terms(self.terms, U.shape[0])
        object.__setattr__(self, "U", U)
        object.__setattr__(self, "terms", terms)

    @property
    def d(self):
        return self.U.shape[1]

    @property
    def r(self):
        return self.U.shape[0]

    @property
    def degree(self):
        return max(sum(k) for k, _ in self.terms)

    @property
    def variance(self):
        """``E[f*(x)^2]`` in closed form (Parseval for the orthonormal basis ``Π h_{k_i}``)."""
        return float(sum(c * c for _, c in self.terms))

    def g(self, Z):
        """The link function on projected inputs ``Z`` of shape ``(n, r)`` (finite; NumPy or torch)."""
        Z = _check_points(Z, "Z")
        if Z.ndim != 2 or Z.shape[1] != self.r:
            raise ValueError(f"Z has shape {tuple(Z.shape)}; projected inputs of shape (n, {self.r}) are required")
        return self._g(Z)

    def _g(self, Z):
        out = Z[:, 0] * 0
        for k, c in self.terms:
            term = Z[:, 0] * 0 + c
            for i, ki in enumerate(k):
                if ki:
                    term = term * _h(ki, Z[:, i])
            out = out + term
        return out

    def __call__(self, X):
        """Evaluate ``f*`` on rows of ``X`` (NumPy array or torch tensor of shape ``(n, d)``, finite).

        Integer and bool tensors are evaluated in float64 (``U`` is never cast to an integer dtype).
        """
        if _is_torch(X):
            X = _check_points(X, "X")
            if X.ndim != 2 or X.shape[1] != self.d:
                raise ValueError(f"X has shape {tuple(X.shape)}; inputs of shape (n, {self.d}) are required")
            U = torch.tensor(self.U, dtype=X.dtype, device=X.device)
            return self._g(X @ U.T)
        X = _check_X(X, self.d)
        return self._g(X @ self.U.T)

    def expected_hessian(self):
        """``H = E[∇² f*(x)]`` in closed form: ``U^T E[∇² g] U``.

        Only degree-2 terms contribute: ``h_2(z_i)`` gives ``sqrt(2)`` at ``(i, i)`` and
        ``h_1(z_i) h_1(z_j)`` gives 1 at ``(i, j)`` and ``(j, i)`` (Stein's lemma,
        ``E[∂_i ∂_j g] = E[g (z_i z_j - δ_ij)]``).
        """
        Hg = np.zeros((self.r, self.r))
        for k, c in self.terms:
            if sum(k) != 2:
                continue
            idx = [i for i, ki in enumerate(k) for _ in range(ki)]
            i, j = idx
            if i == j:
                Hg[i, i] += c * math.sqrt(2.0)
            else:
                Hg[i, j] += c
                Hg[j, i] += c
        return self.U.T @ Hg @ self.U

    def sample(self, n, *, zeta=0.0, seed=0):
        """``n`` points ``x ~ N(0, I_d)`` with labels ``y = f*(x) + ε``; see :func:`gaussian_data`."""
        return gaussian_data(self, n, zeta=zeta, seed=seed)


def _check_X(X, d):
    X = C.real_array(X, "X")
    if X.ndim != 2 or X.shape[1] != d:
        raise ValueError(f"X must have shape (n, {d}); got {X.shape}")
    return X


def _check_U(U):
    """``U`` as a read-only float copy of shape ``(r, d)``, ``1 <= r <= d``, with orthonormal rows."""
    U = C.real_array(U, "U", copy=True)
    if U.ndim != 2 or U.shape[0] < 1 or U.shape[0] > U.shape[1]:
        raise ValueError(f"U must have shape (r, d) with 1 <= r <= d; got {U.shape}")
    if not np.allclose(U @ U.T, np.eye(U.shape[0]), atol=1e-8):
        raise ValueError("U must have orthonormal rows (U @ U.T = I)")
    U.setflags(write=False)
    return U


def _multi_index(k, r):
    """A multi-index as a tuple of ``r`` degrees; an int ``k`` means ``(k,)`` (for ``r = 1``)."""
    if isinstance(k, numbers.Integral) and not isinstance(k, (bool, np.bool_)):
        k = (k,)
    if not isinstance(k, tuple):
        raise TypeError(f"terms has multi-index {C.describe(k)}; it must be a tuple of {r} non-negative integers "
                        "(or an int when r = 1)")
    if len(k) != r:
        raise ValueError(f"terms has multi-index {k} of length {len(k)}; U has r={r} rows")
    return tuple(_check_degree(ki, "terms key entry") for ki in k)


def _check_terms(terms, r):
    """Validated ``((multi-index, coefficient), ...)``; the same multi-index twice is a ValueError."""
    if isinstance(terms, dict):
        items = list(terms.items())
    elif isinstance(terms, (tuple, list)) and all(isinstance(t, (tuple, list)) and len(t) == 2 for t in terms):
        items = [tuple(t) for t in terms]
    else:
        raise TypeError(f"terms={C.describe(terms)} must map multi-indices to coefficients")
    clean, seen = [], {}
    for k, c in items:
        key = _multi_index(k, r)
        if key in seen:
            raise ValueError(f"terms gives the multi-index {key} twice (as {seen[key]!r} and {k!r}); merge their "
                             "coefficients into one entry")
        seen[key] = k
        clean.append((key, C.number(c, f"terms[{key}]")))
    if not clean:
        raise ValueError("terms/coefficients must contain at least one multi-index (degree)")
    return tuple(clean)


def multi_index_target(U, terms, *, normalise=True):
    """Build ``f*(x) = g(U x)`` from Hermite terms ``{(k_1, .., k_r): c}``.

    Parameters
    ----------
    U : array_like, shape (r, d)
        Orthonormal rows (checked to 1e-8); the target keeps a read-only copy.
    terms : dict
        Multi-index (tuple of ``r`` non-negative ints; an int ``k`` means ``(k,)`` when ``r = 1``) to
        a finite coefficient against ``Π h_{k_i}``. The same multi-index given twice (``2`` and
        ``(2,)``) is a ValueError.
    normalise : bool, default True
        Rescale the coefficients so that ``E[f*^2] = 1``.
    """
    U = _check_U(U)
    clean = _check_terms(terms, U.shape[0])
    normalise = C.flag(normalise, "normalise")
    if normalise:
        scale = max(abs(c) for _, c in clean)
        if scale == 0:
            raise ValueError("cannot normalise: every coefficient in terms/coefficients is zero")
        norm = math.sqrt(sum((c / scale) ** 2 for _, c in clean))  # no overflow for huge coefficients
        clean = tuple((k, (c / scale) / norm) for k, c in clean)
    return HermiteTarget(U=U, terms=clean)


def single_index_target(u, coefficients, *, normalise=True):
    """``f*(x) = g(u·x)`` with ``g = Σ_k c_k h_k``; ``coefficients`` maps degree ``k`` to ``c_k``.

    ``u`` is a finite non-zero vector of shape ``(d,)``, normalised to unit length; the keys of
    ``coefficients`` are non-negative integer degrees (no ``int()`` truncation).
    """
    u = C.real_array(u, "u", ndim=1, min_size=1)
    norm = np.linalg.norm(u)
    if not np.isfinite(norm) or norm == 0:
        raise ValueError("u must be a finite non-zero vector")
    if not isinstance(coefficients, dict):
        raise TypeError(f"coefficients={C.describe(coefficients)} must be a dict degree -> coefficient")
    terms = {(_check_degree(k, "coefficients key"),): C.number(c, f"coefficients[{k}]") for k, c in coefficients.items()}
    return multi_index_target((u / norm)[None, :], terms, normalise=normalise)


def paper_target(d, *, p=4, seed=0):
    """The experiment's target ``g = He_2/2 + He_p/sqrt(2 p!)`` along a random unit ``u``.

    In the orthonormal basis ``g = h_2/sqrt(2) + h_p/sqrt(2)``, so ``E[f*^2] = 1`` exactly and
    half of the variance sits in the degree-2 part.
    """
    p = C.integer(p, "p", minimum=3, maximum=MAX_DEGREE)
    u = random_directions(d, 1, seed=seed)[0]
    c = 1.0 / math.sqrt(2.0)  # He_2/2 = h_2 sqrt(2!)/2 ; He_p/sqrt(2 p!) = h_p/sqrt(2)
    return single_index_target(u, {2: c, p: c}, normalise=False)


def gaussian_data(target, n, *, zeta=0.0, seed=0):
    """Sample ``x_i ~ N(0, I_d)`` and ``y_i = f*(x_i) + ε_i``, ``ε_i`` uniform on ``{-ζ, ζ}``.

    Parameters
    ----------
    target : HermiteTarget
    n : int
        Number of samples (``>= 1``).
    zeta : float, default 0
        Label-noise amplitude ``ζ >= 0``.
    seed : int

    Returns
    -------
    X : ndarray, shape (n, d)
    y : ndarray, shape (n,)
    """
    C.instance(target, "target", HermiteTarget, "a HermiteTarget (e.g. from paper_target or single_index_target)")
    n = C.integer(n, "n", minimum=1)
    zeta = C.number(zeta, "zeta", minimum=0.0)
    seed = C.seed(seed)
    C.require_memory(n * (target.d + 2 * target.r + 4) * 8, f"gaussian_data(n={n}, d={target.d})",
                     "Use a smaller n (or sample in batches with different seeds).")
    rng = np.random.default_rng(seed)
    X = rng.standard_normal((n, target.d))
    eps = zeta * rng.choice(np.array([-1.0, 1.0]), size=n)
    return X, target(X) + eps
