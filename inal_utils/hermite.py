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


def _check_degree(k, name="k"):
    if not isinstance(k, numbers.Integral) or isinstance(k, bool) or k < 0:
        raise ValueError(f"{name}={k!r} must be a non-negative integer")
    return int(k)


def _is_torch(x):
    return isinstance(x, torch.Tensor)


def hermite_he(k, x):
    """Evaluate the probabilists' Hermite polynomial ``He_k`` at ``x``.

    Uses the three-term recurrence ``He_{j+1}(x) = x He_j(x) - j He_{j-1}(x)``, so it works for
    NumPy arrays, Python floats and torch tensors alike (and is differentiable under autograd).

    Parameters
    ----------
    k : int
        Degree, ``k >= 0``.
    x : float, numpy.ndarray or torch.Tensor
        Points at which to evaluate.

    Returns
    -------
    Same type as ``x`` (NumPy arrays are returned as float arrays).
    """
    k = _check_degree(k)
    if not _is_torch(x):
        x = np.asarray(x, dtype=float)
    prev = x * 0 + 1.0
    if k == 0:
        return prev
    cur = x * 1.0
    for j in range(1, k):
        prev, cur = cur, x * cur - j * prev
    return cur


def hermite_h(k, x):
    """Normalised Hermite polynomial ``h_k = He_k / sqrt(k!)`` (orthonormal under ``N(0, 1)``)."""
    k = _check_degree(k)
    return hermite_he(k, x) / math.sqrt(math.factorial(k))


def he_coefficients(k):
    """Monomial coefficients of ``He_k`` (lowest degree first), from :mod:`numpy.polynomial.hermite_e`."""
    k = _check_degree(k)
    return hermite_e.herme2poly([0.0] * k + [1.0])


def gauss_hermite(n_nodes):
    """Nodes and weights of Gauss–Hermite quadrature for the standard Gaussian.

    ``Σ_i w_i p(z_i) = E[p(Z)]`` exactly for polynomials ``p`` of degree ``< 2 n_nodes``
    (:func:`numpy.polynomial.hermite_e.hermegauss`, weights rescaled to sum to 1). For a function
    with a kink (ReLU) the error decays only like ``n_nodes^{-1}``-ish: ~1e-3 at 100 nodes.
    """
    n_nodes = _check_degree(n_nodes, "n_nodes")
    if not 1 <= n_nodes <= 250:
        raise ValueError(f"n_nodes={n_nodes} must lie in [1, 250] (NumPy's weights overflow beyond)")
    z, w = hermite_e.hermegauss(n_nodes)
    return z, w / math.sqrt(2.0 * math.pi)


def hermite_coefficients(g, degree, *, n_nodes=100, normalised=True):
    """Hermite coefficients ``c_k = E[g(Z) h_k(Z)]``, ``k = 0..degree``, by Gauss–Hermite quadrature.

    Parameters
    ----------
    g : callable
        Vectorised function of one real variable (NumPy in, NumPy out).
    degree : int
        Largest degree returned.
    n_nodes : int, default 100
        Quadrature nodes; exact when ``g`` is a polynomial of degree ``< 2 n_nodes - degree``.
    normalised : bool, default True
        If True return coefficients against ``h_k`` (so ``g = Σ c_k h_k`` and ``E g² = Σ c_k²``);
        otherwise against ``He_k`` (so ``g = Σ c_k He_k``, ``c_k = E[g He_k] / k!``).
    """
    degree = _check_degree(degree, "degree")
    z, w = gauss_hermite(n_nodes)
    gz = np.asarray(g(z), dtype=float)
    if gz.shape != z.shape:
        raise ValueError(f"g must map an array of shape {z.shape} to the same shape; got {gz.shape}")
    coef = np.array([np.sum(w * gz * hermite_h(k, z)) for k in range(degree + 1)])
    if not normalised:
        coef = coef / np.sqrt([math.factorial(k) for k in range(degree + 1)])
    return coef


def random_directions(d, r=1, *, seed=0):
    """An ``r x d`` matrix with orthonormal rows, uniformly random (QR of a Gaussian matrix)."""
    d = _check_degree(d, "d")
    r = _check_degree(r, "r")
    if not 1 <= r <= d:
        raise ValueError(f"r={r} must satisfy 1 <= r <= d={d}")
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
        return float(sum(c**2 for _, c in self.terms))

    def g(self, Z):
        """The link function on projected inputs ``Z`` of shape ``(n, r)`` (NumPy or torch)."""
        out = Z[:, 0] * 0
        for k, c in self.terms:
            term = Z[:, 0] * 0 + c
            for i, ki in enumerate(k):
                if ki:
                    term = term * hermite_h(ki, Z[:, i])
            out = out + term
        return out

    def __call__(self, X):
        """Evaluate ``f*`` on rows of ``X`` (NumPy array or torch tensor of shape ``(n, d)``)."""
        if _is_torch(X):
            U = torch.as_tensor(self.U, dtype=X.dtype, device=X.device)
            return self.g(X @ U.T)
        X = _check_X(X, self.d)
        return self.g(X @ self.U.T)

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
    X = np.asarray(X, dtype=float)
    if X.ndim != 2 or X.shape[1] != d:
        raise ValueError(f"X must have shape (n, {d}); got {X.shape}")
    return X


def multi_index_target(U, terms, *, normalise=True):
    """Build ``f*(x) = g(U x)`` from Hermite terms ``{(k_1, .., k_r): c}``.

    Parameters
    ----------
    U : array_like, shape (r, d)
        Orthonormal rows (checked to 1e-8).
    terms : dict
        Multi-index (tuple of ``r`` non-negative ints) to coefficient against ``Π h_{k_i}``.
    normalise : bool, default True
        Rescale the coefficients so that ``E[f*^2] = 1``.
    """
    U = np.asarray(U, dtype=float)
    if U.ndim != 2 or U.shape[0] > U.shape[1]:
        raise ValueError(f"U must have shape (r, d) with r <= d; got {U.shape}")
    if not np.allclose(U @ U.T, np.eye(U.shape[0]), atol=1e-8):
        raise ValueError("U must have orthonormal rows (U @ U.T = I)")
    clean = []
    for k, c in dict(terms).items():
        k = tuple(k) if not isinstance(k, numbers.Integral) else (k,)
        if len(k) != U.shape[0]:
            raise ValueError(f"multi-index {k} has length {len(k)}; U has r={U.shape[0]} rows")
        k = tuple(_check_degree(ki, "multi-index entry") for ki in k)
        if not np.isfinite(c):
            raise ValueError(f"coefficient {c!r} of {k} is not finite")
        clean.append((k, float(c)))
    if not clean:
        raise ValueError("terms must contain at least one multi-index")
    target = HermiteTarget(U=U, terms=tuple(clean))
    if normalise:
        v = target.variance
        if v <= 0:
            raise ValueError("cannot normalise a target whose coefficients are all zero")
        target = HermiteTarget(U=U, terms=tuple((k, c / math.sqrt(v)) for k, c in clean))
    return target


def single_index_target(u, coefficients, *, normalise=True):
    """``f*(x) = g(u·x)`` with ``g = Σ_k c_k h_k``; ``coefficients`` maps degree ``k`` to ``c_k``.

    ``u`` is normalised to unit length.
    """
    u = np.asarray(u, dtype=float).reshape(1, -1)
    norm = np.linalg.norm(u)
    if not np.isfinite(norm) or norm == 0:
        raise ValueError("u must be a finite non-zero vector")
    return multi_index_target(u / norm, {(int(k),): c for k, c in dict(coefficients).items()},
                              normalise=normalise)


def paper_target(d, *, p=4, seed=0):
    """The experiment's target ``g = He_2/2 + He_p/sqrt(2 p!)`` along a random unit ``u``.

    In the orthonormal basis ``g = h_2/sqrt(2) + h_p/sqrt(2)``, so ``E[f*^2] = 1`` exactly and
    half of the variance sits in the degree-2 part.
    """
    p = _check_degree(p, "p")
    if p <= 2:
        raise ValueError(f"p={p} must be larger than 2")
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
    n = _check_degree(n, "n")
    if n < 1:
        raise ValueError(f"n={n} must be at least 1")
    if not np.isfinite(zeta) or zeta < 0:
        raise ValueError(f"zeta={zeta!r} must be a finite non-negative number")
    rng = np.random.default_rng(seed)
    X = rng.standard_normal((n, target.d))
    eps = zeta * rng.choice(np.array([-1.0, 1.0]), size=n)
    return X, target(X) + eps
