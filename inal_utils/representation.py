"""One gradient step learns the relevant subspace: Algorithm 1 of Damian, Lee & Soltanolkotabi (2022).

The network is ``f_θ(x) = aᵀσ(Wx + b)`` with ReLU ``σ`` and width ``m``. Conventions fixed here
(``shared/notes/theory.md`` §4; the paper leaves the constants open):

* **Loss.** ``L(θ) = (1/2n) Σ_i (y_i - f_θ(x_i))²``; the *reported* error is the excess risk
  ``E[(f̂(x) - f*(x))²]`` on fresh clean inputs (no ½), so the zero predictor scores ``E[f*²] = 1``.
* **Algorithm 1.** (i) ``α = mean(y)``, ``β = mean(y x)``, ``y ← y - α - β·x``;
  (ii) symmetric init ``a_j ∈ {±1}``, ``w_j ~ N(0, I/d)``, ``b_j = 0`` in pairs ``(w, 0, a), (w, 0, -a)``
  so ``f_{θ⁰} ≡ 0``; one full-batch step with weight decay ``λ_1 = 1/η_1``, i.e.
  ``W¹ = -η_1 ∇_W L(θ⁰)``; default ``η_1 = sqrt(2π d)`` (``Θ(√d)`` as in Theorem 1; the constant
  makes a population row of ``W¹`` for ``He_2(u·x)/2`` have norm ``|N(0,1)|``, the scale of the new biases);
  (iii) biases re-drawn ``b_j ~ N(0, 1)``; (iv) the head ``a`` is trained with weight decay to
  convergence, which is ridge regression on the features ``σ(W¹x + b)`` (solved in closed form).
* **Ridge protocol (every method alike).** The head ``a(λ) = (ΦᵀΦ/n + λI)⁻¹Φᵀy/n`` is fitted on
  all ``n`` points over a relative grid ``λ = λ_rel · tr(ΦᵀΦ/n)`` (:data:`DEFAULT_LAMBDAS`, from
  nearly ridgeless to nearly the null predictor), computed from *one* eigendecomposition of
  ``ΦᵀΦ`` (or of ``ΦΦᵀ`` when ``n <= p``); the ``λ`` with the smallest exact leave-one-out error is
  kept (:func:`fit_head_loo`). A held-out split (:func:`fit_head`) remains available as
  ``selection="holdout"``. The exact kernel chooses ``λ`` on a held-out fifth (one Cholesky
  factorisation per ``λ`` on :data:`KERNEL_LAMBDAS`) and is then refitted on all points.
* **Baselines.** :func:`random_features` is the same pipeline with ``W`` frozen at a random
  initialisation of ``width`` *independent* rows ``w_j ~ N(0, I/d)`` (not the paired rows of the
  symmetric initialisation, which would give only ``width/2`` distinct directions);
  :func:`ntk_kernel_regression` is exact kernel ridge regression with the analytic two-layer ReLU NTK
  :func:`relu_ntk` on all points (``λ`` chosen on a held-out split, one Cholesky factorisation per
  ``λ``; NumPy, or torch on a GPU);
  :func:`ntk_regression` is its finite-width stand-in (ridge on ``m(d+2)`` gradient features).
* **Evaluation.** :func:`excess_risk_quadrature` integrates ``E[(f̂ - f*)²]`` exactly along the
  relevant directions (Gauss–Hermite) and by Monte Carlo across them, which removes the heavy tails
  of ``f*`` from the estimate; :func:`feature_floor` estimates the best loss a fixed feature set can reach.
"""

from __future__ import annotations

import math
import numbers
from dataclasses import dataclass, field

import numpy as np
import scipy.linalg
import torch

from . import _checks as C
from .hermite import HermiteTarget, gauss_hermite

__all__ = [
    "DEFAULT_LAMBDAS",
    "KERNEL_LAMBDAS",
    "RidgePath",
    "Predictor",
    "preprocess",
    "symmetric_init",
    "one_step",
    "relu_features",
    "ntk_feature_map",
    "relu_ntk",
    "ridge_path",
    "fit_head",
    "first_step",
    "algorithm1",
    "random_representation",
    "random_features",
    "ntk_regression",
    "ntk_kernel_regression",
    "fit_head_loo",
    "excess_risk_quadrature",
    "feature_floor",
    "predicted_alignment",
    "path_losses",
    "subspace_alignment",
    "transfer",
    "excess_risk",
]

#: Relative ridge grid, in units of ``tr(ΦᵀΦ/n)`` (the sum of its eigenvalues). The top value
#: shrinks every direction by at least 11x (close to the null predictor); the bottom is nearly ridgeless.
DEFAULT_LAMBDAS = np.logspace(-9, 1, 21)
DEFAULT_LAMBDAS.setflags(write=False)  # shared: read-only, so a fit cannot change the package's grid
#: Relative grid of the exact kernel (one Cholesky factorisation per value): the range of
#: :data:`DEFAULT_LAMBDAS`, two decades apart.
KERNEL_LAMBDAS = DEFAULT_LAMBDAS[::4]
#: Rows per chunk when features are built (bounds memory at ``chunk x p`` floats).
CHUNK = 8192


# ----------------------------------------------------------------------------- validation
def _check_int(value, name, minimum=1):
    return C.integer(value, name, minimum=minimum)


_NO_Y = object()


def _check_data(X, y=_NO_Y, d=None, name="X", yname="y"):
    X = C.real_array(X, name)
    if X.ndim != 2 or X.shape[0] < 1 or X.shape[1] < 1:
        raise ValueError(f"{name} must be a 2-d array of shape (n, d) with n, d >= 1; got shape {X.shape}")
    if d is not None and X.shape[1] != d:
        raise ValueError(f"{name} has d={X.shape[1]} columns but the model expects d={d}")
    if y is _NO_Y:
        return X
    y = C.real_array(y, yname)
    if y.shape != (X.shape[0],):
        raise ValueError(f"{yname} must have shape ({X.shape[0]},) to match {name}; got {y.shape}")
    return X, y


def _check_positive(value, name):
    return C.number(value, name, minimum=0.0, low_open=True)


def _check_lambdas(lambdas):
    lam = C.real_array(DEFAULT_LAMBDAS if lambdas is None else lambdas, "lambdas", copy=True).ravel()
    if lam.size == 0 or np.any(lam <= 0):
        raise ValueError(f"lambdas must be a non-empty grid of finite positive numbers; got {lambdas!r}")
    return lam


def _check_featurize(featurize, name="featurize"):
    """A feature map: callable with an integer attribute ``p >= 1`` (as :func:`relu_features` returns)."""
    C.function(featurize, name, "a feature map (callable with attribute p, e.g. relu_features(W, b))")
    p = getattr(featurize, "p", None)
    if isinstance(p, (bool, np.bool_)) or not isinstance(p, numbers.Integral) or p < 1:
        raise TypeError(f"{name} must have an integer attribute p >= 1 (its number of features); got "
                        f"{C.describe(p)}")
    return featurize


def _check_val_fraction(val_fraction):
    return C.number(val_fraction, "val_fraction", minimum=0.0, maximum=1.0, low_open=True, high_open=True)


def _check_selection(selection):
    return C.choice(selection, "selection", ("loo", "holdout"))


def _unit(total, n):
    """The unit ``tr(ΦᵀΦ/n)`` of the relative ridge grid; 1 when every feature is 0 (then every ``λ``
    gives the zero head, instead of 0/0)."""
    unit = float(total) / n
    return unit if unit > 0 else 1.0


# ----------------------------------------------------------------------------- features
def relu(t):
    """``max(t, 0)`` elementwise for a finite real array ``t``."""
    return _relu(C.real_array(t, "t"))


def _relu(t):
    return np.maximum(t, 0.0)


def relu_features(W, b):
    """Feature map ``x ↦ σ(W x + b)`` (rows of ``X`` to rows of features).

    ``W`` is a real finite ``(p, d)`` array and ``b`` a ``(p,)`` array (``p, d >= 1``); the map keeps
    read-only copies, so a later change of the caller's arrays does not change it. It takes finite
    ``(n, d)`` inputs (arrays or nested lists).
    """
    W = C.real_array(W, "W", copy=True)
    if W.ndim != 2 or W.shape[0] < 1 or W.shape[1] < 1:
        raise ValueError(f"W must have shape (p, d) with p, d >= 1; got shape {W.shape}")
    b = C.real_array(b, "b", copy=True)
    if b.shape != (W.shape[0],):
        raise ValueError(f"b has shape {b.shape}; W has {W.shape[0]} rows, so shape ({W.shape[0]},) is required")
    W.setflags(write=False)
    b.setflags(write=False)
    d = W.shape[1]

    def featurize(X):
        X = _check_data(X, d=d)
        return _relu(X @ W.T + b)

    featurize.p = W.shape[0]
    return featurize


def ntk_feature_map(W, b, a):
    """Gradient features of ``f(x) = m^{-1/2} Σ_j a_j σ(w_j·x/√d + b_j)`` at ``(a, W, b)``.

    Columns: ``∂f/∂a`` (``m``), ``∂f/∂W`` (``m d``), ``∂f/∂b`` (``m``); so ``Φ(x)·Φ(x')`` is the
    empirical NTK, which tends to :func:`relu_ntk` as ``m → ∞`` when ``w ~ N(0, I)``,
    ``b ~ N(0, 1)``, ``a_j = ±1``.
    """
    W = C.real_array(W, "W", copy=True)
    if W.ndim != 2 or W.shape[0] < 1 or W.shape[1] < 1:
        raise ValueError(f"W must have shape (m, d) with m, d >= 1; got shape {W.shape}")
    m, d = W.shape
    b = C.real_array(b, "b", copy=True)
    a = C.real_array(a, "a", copy=True)
    for arr, name in ((b, "b"), (a, "a")):
        if arr.shape != (m,):
            raise ValueError(f"{name} has shape {arr.shape}; W has {m} rows, so shape ({m},) is required")
    for arr in (W, b, a):
        arr.setflags(write=False)
    s_m, s_d = 1.0 / math.sqrt(m), 1.0 / math.sqrt(d)

    def featurize(X):
        X = _check_data(X, d=d)
        pre = (X @ W.T) * s_d + b
        act = _relu(pre) * s_m
        slope = (pre > 0) * (a * s_m)
        grad_w = (slope[:, :, None] * (X[:, None, :] * s_d)).reshape(len(X), m * d)
        return np.concatenate([act, grad_w, slope], axis=1)

    featurize.p = m * (d + 2)
    return featurize


def _ntk_from_augmented(A, B, xp):
    """Analytic ReLU NTK from augmented inputs ``A = (x/√d, 1)`` rows (NumPy or torch namespace ``xp``)."""
    dot = A @ B.T
    na = xp.sqrt(xp.sum(A * A, 1))
    nb = xp.sqrt(xp.sum(B * B, 1))
    norms = na[:, None] * nb[None, :]
    cos = dot / norms
    cos = xp.clip(cos, -1.0, 1.0)
    theta = xp.arccos(cos)
    k0 = (math.pi - theta) / (2 * math.pi)
    sin = xp.sqrt(1.0 - cos * cos)
    k1 = norms * (sin + (math.pi - theta) * cos) / (2 * math.pi)
    return k1 + dot * k0


def _augment(X, xp):
    d = X.shape[1]
    ones = xp.ones((X.shape[0], 1), dtype=X.dtype) if xp is np else xp.ones(
        (X.shape[0], 1), dtype=X.dtype, device=X.device)
    return xp.concatenate([X / math.sqrt(d), ones], 1) if xp is np else xp.cat([X / math.sqrt(d), ones], 1)


def relu_ntk(X1, X2):
    """Analytic NTK of the net of :func:`ntk_feature_map` in the infinite-width limit.

    With ``x̃ = (x/√d, 1)``, angle ``θ`` between ``x̃, x̃'``:
    ``Θ(x, x') = κ_1 + (x̃·x̃') κ_0``, ``κ_0 = (π - θ)/(2π)``,
    ``κ_1 = |x̃||x̃'| (sin θ + (π - θ) cos θ)/(2π)`` (arc-cosine kernels, Cho & Saul 2009).
    NumPy arrays in, NumPy out; torch tensors (any device) in, torch out.
    """
    if isinstance(X1, torch.Tensor) and isinstance(X2, torch.Tensor):
        for t, name in ((X1, "X1"), (X2, "X2")):
            C.finite_tensor(t, name)
            if t.ndim != 2 or t.shape[1] < 1:
                raise ValueError(f"{name} has shape {tuple(t.shape)}; shape (n, d) with d >= 1 is required")
        if X2.shape[1] != X1.shape[1] or X2.dtype != X1.dtype or X2.device != X1.device:
            raise ValueError(f"X1 and X2 must share d, dtype and device; got {C.describe(X1)} and {C.describe(X2)}")
        return _ntk_from_augmented(_augment(X1, torch), _augment(X2, torch), torch)
    X1 = _check_data(X1, name="X1")
    X2 = _check_data(X2, d=X1.shape[1], name="X2")
    return _ntk_from_augmented(_augment(X1, np), _augment(X2, np), np)


def _map_chunks(featurize, X, fn, chunk):
    for i in range(0, len(X), chunk):
        fn(featurize(X[i:i + chunk]), slice(i, i + chunk))


def _gram(featurize, X, y, chunk):
    p = featurize.p
    G = np.zeros((p, p))
    c = np.zeros(p)

    def acc(F, sl):
        G[...] += F.T @ F
        c[...] += F.T @ y[sl]

    _map_chunks(featurize, X, acc, chunk)
    return G, c


# ----------------------------------------------------------------------------- ridge
@dataclass
class RidgePath:
    """Ridge solutions ``a(λ) = V diag(1/(s + nλ)) z`` for a whole grid, from one decomposition.

    Primal (``n >= p``): ``s, V`` eigenpairs of ``ΦᵀΦ`` and ``z = Vᵀ Φᵀ y``. Dual (``n < p``):
    ``s, Q`` eigenpairs of ``ΦΦᵀ``, ``V = ΦᵀQ`` and ``z = Qᵀ y``. ``n`` is the number of rows.
    """

    V: np.ndarray
    s: np.ndarray
    z: np.ndarray
    n: int
    p: int

    @property
    def scale(self):
        """``tr(ΦᵀΦ/n)``, the unit of the relative ``λ`` grid (``λ = λ_rel · tr``); 1 when ``Φ = 0``."""
        return _unit(np.sum(self.s), self.n)

    def coef(self, lam):
        """Ridge coefficients for absolute ``λ > 0`` (scalar or 1-d grid → columns)."""
        lam = np.atleast_1d(C.real_array(lam, "lam"))
        if lam.ndim != 1 or lam.size == 0 or np.any(lam <= 0):
            raise ValueError(f"lam must be a positive number or a non-empty 1-d grid of them; got {C.describe(lam)}")
        out = self.V @ (self.z[:, None] / (self.s[:, None] + self.n * lam[None, :]))
        return out[:, 0] if out.shape[1] == 1 else out


def ridge_path(Phi_or_featurize, X=None, y=None, *, chunk=CHUNK):
    """Decompose once: eigendecomposition of ``ΦᵀΦ`` if ``n >= p``, else of the kernel matrix ``ΦΦᵀ``.

    Pass either a feature matrix ``Phi`` and ``y`` (``ridge_path(Phi, y=y)``) or a feature map
    with ``X`` and ``y`` (built in chunks of ``chunk`` rows when ``n >= p``).
    """
    if callable(Phi_or_featurize):
        featurize = _check_featurize(Phi_or_featurize, "Phi_or_featurize")
        X, y = _check_data(X, y)
        n, p = len(X), featurize.p
        if n >= p:
            G, c = _gram(featurize, X, y, chunk)
            s, V = np.linalg.eigh(G)
            return RidgePath(V=V, s=np.clip(s, 0.0, None), z=V.T @ c, n=n, p=p)
        Phi = featurize(X)
    else:
        Phi = C.real_array(Phi_or_featurize, "Phi_or_featurize")
        if Phi.ndim != 2 or min(Phi.shape) < 1:
            raise ValueError(f"Phi_or_featurize (a feature matrix) must have shape (n, p) with n, p >= 1; got "
                             f"{Phi.shape}")
        if X is not None:
            raise TypeError("X is only for a feature map; with a feature matrix pass ridge_path(Phi, y=y)")
        y = C.real_array(y, "y", shape=(Phi.shape[0],))
        n, p = Phi.shape
        if n >= p:
            s, V = np.linalg.eigh(Phi.T @ Phi)
            return RidgePath(V=V, s=np.clip(s, 0.0, None), z=V.T @ (Phi.T @ y), n=n, p=p)
    # n < p: dual form from the n x n kernel matrix ΦΦᵀ = Q diag(s) Qᵀ (cheaper than an SVD of Φ):
    # a(λ) = Φᵀ Q diag(1/(s + nλ)) Qᵀ y, i.e. V = ΦᵀQ (unnormalised columns) and z = Qᵀ y.
    s, Q = np.linalg.eigh(Phi @ Phi.T)
    return RidgePath(V=Phi.T @ Q, s=np.clip(s, 0.0, None), z=Q.T @ y, n=n, p=p)


@dataclass
class HeadFit:
    """Result of :func:`fit_head`: the ridge head at the ``λ`` with the smallest held-out loss."""

    coef: np.ndarray
    lam: float
    lam_rel: float
    lambdas: np.ndarray
    val_loss: np.ndarray
    n_train: int
    n_val: int


def holdout_split(n, val_fraction, seed):
    """Indices ``(train, validation)`` of the seeded held-out split every method uses (``>= 1`` each).

    ``n >= 2`` samples, ``0 < val_fraction < 1``, ``seed`` an integer in ``[0, 2**64)``.
    """
    n = C.integer(n, "n")
    val_fraction = _check_val_fraction(val_fraction)
    seed = C.seed(seed)
    C.require_memory(16 * n, f"holdout_split(n={n})", "Use fewer samples.")
    if n < 2:
        raise ValueError(f"n={n} samples: the held-out split needs at least 2")
    n_val = min(n - 1, max(1, int(round(val_fraction * n))))
    perm = np.random.default_rng(seed).permutation(n)
    return perm[n_val:], perm[:n_val]


def fit_head(featurize, X, y, *, lambdas=None, val_fraction=0.2, seed=0, chunk=CHUNK):
    """Ridge head on ``featurize(X)``, fitted on a training split, ``λ`` chosen on the held-out rest.

    The selected head is the training-split solution itself (no refit on all data: refitting at the
    same ``λ`` with more rows can land on the interpolation peak ``n = p`` of ridgeless regression).

    Parameters
    ----------
    featurize : callable
        Maps ``(n, d)`` inputs to ``(n, p)`` features; has attribute ``p``.
    X, y : arrays of shape (n, d), (n,)
    lambdas : 1-d array, optional
        Relative grid (units: ``tr(ΦᵀΦ/n)`` on the training split); default
        :data:`DEFAULT_LAMBDAS`.
    val_fraction : float in (0, 1)
        Share of the data held out (at least one point; ``n >= 2`` required).
    seed : int
        Seed of the split.
    """
    _check_featurize(featurize)
    X, y = _check_data(X, y)
    lam_rel = _check_lambdas(lambdas)
    chunk = C.integer(chunk, "chunk", minimum=1)
    tr, va = holdout_split(len(X), val_fraction, seed)
    n_val = len(va)
    path = ridge_path(featurize, X[tr], y[tr], chunk=chunk)
    lam_abs = lam_rel * path.scale
    shrink = path.z[:, None] / (path.s[:, None] + path.n * lam_abs[None, :])
    sq = np.zeros(lam_abs.size)

    def acc(F, sl):
        resid = y[va][sl][:, None] - (F @ path.V) @ shrink
        sq[...] += np.sum(resid**2, axis=0)

    _map_chunks(featurize, X[va], acc, chunk)
    val_loss = sq / n_val
    best = int(np.argmin(val_loss))
    coef = path.V @ shrink[:, best]
    return HeadFit(coef=coef, lam=float(lam_abs[best]), lam_rel=float(lam_rel[best]),
                   lambdas=lam_rel, val_loss=val_loss, n_train=len(tr), n_val=n_val)


# ----------------------------------------------------------------------------- predictor
@dataclass
class Predictor:
    """``x ↦ α + β·x + featurize(x)·coef`` with the fit's diagnostics in ``info``."""

    featurize: object
    coef: np.ndarray
    alpha: float = 0.0
    beta: np.ndarray | None = None
    info: dict = field(default_factory=dict)

    def __post_init__(self):
        _check_featurize(self.featurize)
        self.coef = C.real_array(self.coef, "coef", shape=(self.featurize.p,))
        self.alpha = C.number(self.alpha, "alpha")
        if self.beta is not None:
            self.beta = C.real_array(self.beta, "beta", ndim=1, min_size=1)
        if not isinstance(self.info, dict):
            raise TypeError(f"info={C.describe(self.info)} must be a dict")

    def __call__(self, X, chunk=CHUNK):
        X = _check_data(X, d=None if self.beta is None else self.beta.shape[0])
        chunk = C.integer(chunk, "chunk", minimum=1)
        out = np.empty(len(X))

        def acc(F, sl):
            out[sl] = F @ self.coef

        _map_chunks(self.featurize, X, acc, chunk)
        out += self.alpha
        if self.beta is not None:
            out += X @ self.beta
        return out


def preprocess(X, y):
    """Step (i) of Algorithm 1: ``α = mean y``, ``β = mean(y x)``, residual ``y - α - β·x``."""
    X, y = _check_data(X, y)
    alpha = float(np.mean(y))
    beta = X.T @ y / len(y)
    return alpha, beta, y - alpha - X @ beta


def symmetric_init(d, width, *, seed=0):
    """Symmetric initialisation: ``a = (s, -s)``, ``W = (W_0, W_0)`` with ``s_j ∈ {±1}``, ``w_j ~ N(0, I/d)``.

    Paired neurons cancel, so the network is identically zero (biases are 0).
    """
    d = _check_int(d, "d")
    width = _check_int(width, "width", 2)
    if width % 2:
        raise ValueError(f"width={width} must be even for the symmetric initialisation")
    C.require_memory(width * d * 8 * 2, f"symmetric_init(d={d}, width={width})", "Use a smaller width.")
    rng = np.random.default_rng(C.seed(seed))
    half = width // 2
    s = rng.choice(np.array([-1.0, 1.0]), size=half)
    W0 = rng.standard_normal((half, d)) / math.sqrt(d)
    return np.concatenate([s, -s]), np.vstack([W0, W0])


def one_step(X, r, a, W, *, eta1, chunk=CHUNK):
    """Step (ii): ``W¹ = W - η_1 (∇_W L + W/η_1) = -η_1 ∇_W L`` at ``b = 0`` with the net identically 0.

    ``∇_{w_j} L = -(1/n) Σ_i r_i a_j 1[w_j·x_i > 0] x_i`` for ``L = (1/2n) Σ (r_i - f(x_i))²``.
    """
    X, r = _check_data(X, r, yname="r")
    a = C.real_array(a, "a")
    W = C.real_array(W, "W")
    if W.ndim != 2 or W.shape[1] != X.shape[1] or a.shape != (W.shape[0],):
        raise ValueError(f"W must have shape (m, {X.shape[1]}) and a shape (m,); got {W.shape}, {a.shape}")
    eta1 = _check_positive(eta1, "eta1")
    G = np.zeros_like(W)
    for i in range(0, len(X), chunk):
        Xc = X[i:i + chunk]
        G += ((Xc @ W.T) > 0).T.astype(float) @ (r[i:i + chunk, None] * Xc)
    return (eta1 / len(X)) * a[:, None] * G


def _fit(featurize, X, y, *, lambdas, val_fraction, seed, chunk, linear=True, selection="loo"):
    _check_selection(selection)
    _check_val_fraction(val_fraction)
    C.seed(seed)
    if linear:
        alpha, beta, r = preprocess(X, y)
    else:
        alpha, beta, r = 0.0, None, y
    if selection == "loo":
        head = fit_head_loo(featurize, X, r, lambdas=lambdas, chunk=chunk)
    else:
        head = fit_head(featurize, X, r, lambdas=lambdas, val_fraction=val_fraction, seed=seed, chunk=chunk)
    return Predictor(featurize=featurize, coef=head.coef, alpha=alpha, beta=beta,
                     info={"head": head, "lam": head.lam, "lam_rel": head.lam_rel})


def _init_and_biases(d, width, bias_std, seed):
    width = _check_int(width, "width", 2)
    if width % 2:
        raise ValueError(f"width={width} must be even for the symmetric initialisation")
    bias_std = _check_positive(bias_std, "bias_std")
    seeds = np.random.SeedSequence(C.seed(seed)).spawn(2)
    a0, W0 = symmetric_init(d, width, seed=int(seeds[0].generate_state(1)[0]))
    b = bias_std * np.random.default_rng(seeds[1]).standard_normal(width)
    return a0, W0, b


def first_step(X, y, *, width, eta1=None, bias_std=1.0, seed=0, chunk=CHUNK):
    """Steps (i)–(iii) of Algorithm 1: the learned representation ``x ↦ σ(W¹x + b)``.

    Works for any ``n >= 1`` (Theorem 3 pretrains with as few as ``n = d⁰`` samples).

    Returns
    -------
    dict
        ``W0``, ``a0`` (symmetric initialisation), ``W`` (= ``W¹ = -η_1 ∇_W L``), ``b`` (re-drawn
        biases), ``eta1`` and ``featurize`` (the feature map ``σ(W¹x + b)``).
    """
    X, y = _check_data(X, y)
    d = X.shape[1]
    eta1 = math.sqrt(2 * math.pi * d) if eta1 is None else _check_positive(eta1, "eta1")
    a0, W0, b = _init_and_biases(d, width, bias_std, seed)
    _, _, r = preprocess(X, y)
    W1 = one_step(X, r, a0, W0, eta1=eta1, chunk=chunk)
    return {"W0": W0, "a0": a0, "W": W1, "b": b, "eta1": eta1, "featurize": relu_features(W1, b)}


def algorithm1(X, y, *, width, eta1=None, bias_std=1.0, seed=0, lambdas=None, val_fraction=0.2,
               chunk=CHUNK, selection="loo"):
    """Algorithm 1 (one step on ``W``, new biases, ridge head); see the module docstring.

    Parameters
    ----------
    X : ndarray, shape (n, d)
    y : ndarray, shape (n,)
    width : int
        Even number of hidden neurons ``m``.
    eta1 : float, optional
        First-step learning rate (weight decay ``1/eta1``); default ``sqrt(2π d)``.
    bias_std : float, default 1
        Standard deviation of the re-drawn biases.
    seed : int
        Seeds the initialisation, the biases and the held-out split.
    lambdas, val_fraction, chunk, selection
        Ridge protocol: ``selection="loo"`` (default) fits the head on all points with ``λ`` by exact
        leave-one-out (:func:`fit_head_loo`); ``"holdout"`` uses :func:`fit_head` (``val_fraction``).

    Returns
    -------
    Predictor
        ``x ↦ α + β·x + aᵀσ(W¹x + b)``; ``info`` holds the :func:`first_step` entries (``W0``, ``a0``,
        ``W``, ``b``, ``eta1``), the selected ``lam``/``lam_rel`` and the validation curve ``head``.
    """
    rep = first_step(X, y, width=width, eta1=eta1, bias_std=bias_std, seed=seed, chunk=chunk)
    model = _fit(rep.pop("featurize"), X, y, lambdas=lambdas, val_fraction=val_fraction, seed=seed,
                 chunk=chunk, selection=selection)
    model.info.update(rep)
    return model


def random_representation(d, width, *, bias_std=1.0, seed=0):
    """Frozen random features ``x ↦ σ(W⁰x + b)`` with ``width`` independent rows.

    ``w_j ~ N(0, I/d)`` i.i.d. (no pairing: every row is a distinct direction) and
    ``b_j ~ N(0, bias_std²)``. Returns a dict with ``W``, ``b`` and ``featurize``, the same keys as
    :func:`first_step`, so :func:`transfer` accepts either.
    """
    d = _check_int(d, "d")
    width = _check_int(width, "width")
    bias_std = _check_positive(bias_std, "bias_std")
    C.require_memory(width * d * 8 * 2, f"random_representation(d={d}, width={width})", "Use a smaller width.")
    rng = np.random.default_rng(np.random.SeedSequence(C.seed(seed)).spawn(3)[2])
    W = rng.standard_normal((width, d)) / math.sqrt(d)
    b = bias_std * rng.standard_normal(width)
    return {"W": W, "b": b, "featurize": relu_features(W, b)}


def random_features(X, y, *, width, bias_std=1.0, seed=0, lambdas=None, val_fraction=0.2, chunk=CHUNK,
                    selection="loo"):
    """Random-features baseline: Algorithm 1's pipeline with no step, on ``width`` independent directions.

    Features ``σ(W⁰x + b)`` from :func:`random_representation` (``w_j ~ N(0, I/d)`` i.i.d.,
    ``b_j ~ N(0, bias_std²)``); same preprocessing and ridge protocol as :func:`algorithm1`. The
    paired rows of :func:`symmetric_init` are *not* used: they would give only ``width/2`` distinct
    directions and lower the model's ceiling.
    """
    X, y = _check_data(X, y)
    rep = random_representation(X.shape[1], width, bias_std=bias_std, seed=seed)
    model = _fit(rep["featurize"], X, y, lambdas=lambdas, val_fraction=val_fraction, seed=seed, chunk=chunk,
                 selection=selection)
    model.info.update(W=rep["W"], b=rep["b"])
    return model


def ntk_regression(X, y, *, width=150, seed=0, lambdas=None, val_fraction=0.2, chunk=CHUNK, selection="loo"):
    """Ridge regression with the (empirical) ReLU neural tangent kernel.

    Features are the parameter gradients of an i.i.d.-initialised net (:func:`ntk_feature_map`;
    ``w ~ N(0, I)``, ``b ~ N(0, 1)``, ``a_j = ±1``), so the fit is kernel ridge regression with the
    width-``width`` NTK, a random-feature approximation of :func:`relu_ntk` of dimension
    ``width (d + 2)``, solved in feature space. Same preprocessing and ridge protocol as
    :func:`algorithm1`.
    """
    X, y = _check_data(X, y)
    n, d = X.shape
    width = _check_int(width, "width")
    C.require_memory(width * (d + 2) * (width * (d + 2) + CHUNK) * 8 * 3, f"ntk_regression(d={d}, width={width})",
                     "Use a smaller width (the feature space has width·(d + 2) dimensions).")
    rng = np.random.default_rng(C.seed(seed))
    W = rng.standard_normal((width, d))
    b = rng.standard_normal(width)
    a = rng.choice(np.array([-1.0, 1.0]), size=width)
    model = _fit(ntk_feature_map(W, b, a), X, y, lambdas=lambdas, val_fraction=val_fraction, seed=seed,
                 chunk=chunk, selection=selection)
    model.info.update(W=W, b=b, a=a)
    return model


def _cholesky_solve(A, r, xp):
    """``A⁻¹ r`` for symmetric positive definite ``A``; ``None`` when ``A`` is not numerically so."""
    if xp is np:
        try:
            factor = scipy.linalg.cho_factor(A, lower=True, check_finite=False)
        except np.linalg.LinAlgError:
            return None
        return scipy.linalg.cho_solve(factor, r, check_finite=False)
    L, info = torch.linalg.cholesky_ex(A)
    if int(info) != 0:
        return None
    return torch.cholesky_solve(r[:, None], L)[:, 0]


def _kernel_ridge_holdout(K, r, tr, va, lam_abs, xp):
    """Held-out curve of dual ridge ``c(λ) = (K_tr + n_tr λ I)⁻¹ r_tr``, one Cholesky per ``λ``.

    ``λ`` values whose shifted matrix is not numerically positive definite get an infinite loss.
    Returns the validation losses as a NumPy array.
    """
    K_tr, K_va = K[tr][:, tr], K[va][:, tr]
    n_tr = len(tr)
    eye = np.eye(n_tr) if xp is np else torch.eye(n_tr, dtype=K.dtype, device=K.device)
    val_loss = np.full(len(lam_abs), np.inf)
    for j, lam in enumerate(lam_abs):
        c = _cholesky_solve(K_tr + (n_tr * lam) * eye, r[tr], xp)
        if c is None:
            continue
        loss = float(((r[va] - K_va @ c) ** 2).mean())
        if np.isfinite(loss):
            val_loss[j] = loss
    return val_loss


def ntk_kernel_regression(X, y, *, lambdas=None, val_fraction=0.2, seed=0, device="cpu"):
    """Exact kernel ridge regression with the analytic :func:`relu_ntk` (the NTK baseline), on all points.

    Same preprocessing (``α``, ``β`` removed) as every method. The ridge strength
    ``λ = λ_rel · tr(K)/n`` (``λ_rel`` on :data:`KERNEL_LAMBDAS`) is chosen on a held-out
    ``val_fraction`` of the points (seeded split, one Cholesky factorisation per ``λ``), and the
    kernel is then refitted on **all** ``n`` points at that ``λ``. (Exact leave-one-out, used for the
    feature methods, would need the diagonal of ``(K + nλI)⁻¹`` at every ``λ``: several times the
    cost of a factorisation.) ``device="cuda"`` builds the kernel and solves on the GPU with torch
    (float64); predictions are NumPy arrays either way.

    Parameters
    ----------
    X, y : arrays of shape (n, d), (n,)
    lambdas : 1-d array, optional
        Relative ridge grid (default :data:`KERNEL_LAMBDAS`).
    val_fraction : float in (0, 1)
        Share of the points held out to choose ``λ``.
    seed : int
        Seed of the held-out split.
    device : str
        ``"cpu"`` (NumPy/SciPy) or any other torch device name (``"cuda"``, ``"cpu:0"``), which
        runs the same computation with torch.

    Returns
    -------
    Predictor
        ``x ↦ α + β·x + Σ_i c_i Θ(x, x_i)`` over all ``n`` points; ``info`` has ``lam``, ``lam_rel``
        and ``head`` (held-out curve; ``inf`` where a factorisation failed).
    """
    X, y = _check_data(X, y)
    lam_rel = _check_lambdas(KERNEL_LAMBDAS if lambdas is None else lambdas)
    if not isinstance(device, str):
        raise TypeError(f"device={device!r} must be a string such as 'cpu' or 'cuda'")
    C.device(device)
    n = len(X)
    C.require_memory(4 * n * n * 8, f"ntk_kernel_regression(n={n})",
                     "Use fewer points (the exact kernel is an n × n matrix), or ntk_regression's feature space.")
    tr, va = holdout_split(n, val_fraction, seed)
    alpha, beta, r = preprocess(X, y)
    X_all = X.copy()
    if device == "cpu":
        xp = np
        K = relu_ntk(X_all, X_all)
        r_t, eye = r, np.eye(n)
    else:
        xp = torch
        dev = torch.device(device)
        Xt = torch.as_tensor(X_all, dtype=torch.float64, device=dev)
        K = relu_ntk(Xt, Xt)
        r_t = torch.as_tensor(r, dtype=torch.float64, device=dev)
        eye = torch.eye(n, dtype=torch.float64, device=dev)
        tr, va = torch.as_tensor(tr, device=dev), torch.as_tensor(va, device=dev)
    lam_abs = lam_rel * float(K[tr, tr].sum()) / len(tr)  # λ in units of tr(K_tr)/n_tr
    val_loss = _kernel_ridge_holdout(K, r_t, tr, va, lam_abs, xp)
    if not np.any(np.isfinite(val_loss)):
        raise np.linalg.LinAlgError("no λ on the grid gave a positive definite kernel system; use larger lambdas")
    best = int(np.argmin(val_loss))
    # refit on all n points; if K + nλI is not numerically positive definite, move up the grid
    c = None
    for j in range(best, len(lam_abs)):
        c = _cholesky_solve(K + (n * lam_abs[j]) * eye, r_t, xp)
        if c is not None:
            best = j
            break
    if c is None:
        raise np.linalg.LinAlgError("K + nλI is not positive definite at the selected λ or above")
    del K
    if xp is np:
        coef = c

        def featurize(Z):
            return relu_ntk(Z, X_all)
    else:
        coef = c.cpu().numpy()

        def featurize(Z):
            Zt = torch.as_tensor(np.asarray(Z, dtype=float), dtype=torch.float64, device=dev)
            return relu_ntk(Zt, Xt).cpu().numpy()

    featurize.p = n
    head = HeadFit(coef=coef, lam=float(lam_abs[best]), lam_rel=float(lam_rel[best]), lambdas=lam_rel,
                   val_loss=val_loss, n_train=n, n_val=len(va))
    return Predictor(featurize=featurize, coef=coef, alpha=alpha, beta=beta,
                     info={"head": head, "lam": head.lam, "lam_rel": head.lam_rel, "device": device})


def predicted_alignment(n, d, *, hessian_eig=1.0, label_var=1.0, u_noise_ratio=1.0, n_mc=20_000, seed=0):
    """Mean :func:`subspace_alignment` of ``W¹`` for a single-index target, from a Gaussian model of the step.

    By Stein's lemma the population step on neuron ``j`` is ``a_j φ(0) H w̄_j`` (``H = λ_H uuᵀ``);
    the finite-``n`` gradient adds noise with variance ``≈ E[y²]/(2n)`` per coordinate orthogonal to
    ``u`` and ``κ² E[y²]/(2n)`` along ``u``, ``κ² = E[y² (u·x)²]/E[y²]`` (``u_noise_ratio``; large for
    heavy-tailed targets). In units of the orthogonal noise the ``u``-component is ``√ρ z + κ ξ_0``
    and the other ``d - 1`` are ``ξ_k``, with ``z, ξ ~ N(0, 1)`` and
    ``ρ = 2 n φ(0)² λ_H² / (d E[y²]) = n λ_H² / (π d E[y²])``; the alignment is
    ``(√ρ z + κ ξ_0)² / ((√ρ z + κ ξ_0)² + Σ_k ξ_k²)``, averaged by Monte Carlo. Without signal
    (``λ_H = 0``) it stays at a floor (``1/d`` when ``κ = 1``); with signal it tends to 1, the
    signal overtaking the noise near ``n ≈ π d² E[y²] / λ_H²``.

    Neglects higher Hermite terms of ``1[w·x > 0]`` and non-Gaussian (small-``n``) noise.
    """
    n = np.atleast_1d(C.real_array(n, "n"))
    if n.ndim != 1 or n.size == 0 or np.any(n <= 0):
        raise ValueError(f"n={C.describe(n)} must be a positive number or a non-empty 1-d array of them")
    d = _check_int(d, "d", 2)
    hessian_eig = C.number(hessian_eig, "hessian_eig")
    label_var = _check_positive(label_var, "label_var")
    u_noise_ratio = _check_positive(u_noise_ratio, "u_noise_ratio")
    n_mc = C.integer(n_mc, "n_mc", minimum=1)
    C.require_memory(n.size * n_mc * 8 * 4 + n_mc * 24, f"predicted_alignment(len(n)={n.size}, n_mc={n_mc})",
                     "Use a smaller n_mc.")
    rng = np.random.default_rng(C.seed(seed))
    z, xi0 = rng.standard_normal(n_mc), rng.standard_normal(n_mc)
    rest = rng.chisquare(d - 1, n_mc)
    rho = n * hessian_eig**2 / (math.pi * d * label_var)
    along = (np.sqrt(rho)[:, None] * z[None, :] + math.sqrt(u_noise_ratio) * xi0[None, :]) ** 2
    return np.mean(along / (along + rest[None, :]), axis=1)


def path_losses(featurize, X, y, X_eval, y_eval, *, lambdas=None, val_fraction=0.2, seed=0, chunk=CHUNK):
    """Held-out and evaluation losses of every ridge solution on the path of :func:`fit_head`.

    Same split as :func:`fit_head` with the same ``seed`` and one decomposition for the whole grid.
    ``eval_loss[argmin(val_loss)]`` is the loss of the head that :func:`fit_head` (and
    ``selection="holdout"`` everywhere) selects; ``min(eval_loss)`` is the oracle (best ``λ`` in hindsight), which
    separates the quality of a representation from the noise of selecting ``λ``.

    Returns
    -------
    eval_loss, val_loss : ndarray, shape (len(lambdas),)
    """
    _check_featurize(featurize)
    X, y = _check_data(X, y)
    X_eval, y_eval = _check_data(X_eval, y_eval, d=X.shape[1], name="X_eval", yname="y_eval")
    lam_rel = _check_lambdas(lambdas)
    tr, va = holdout_split(len(X), val_fraction, seed)  # the split of fit_head
    path = ridge_path(featurize, X[tr], y[tr], chunk=chunk)
    C = path.coef(lam_rel * path.scale).reshape(featurize.p, -1)

    def losses(Z, t):
        sq = np.zeros(lam_rel.size)

        def acc(F, sl):
            sq[...] += np.sum((t[sl][:, None] - F @ C) ** 2, axis=0)

        _map_chunks(featurize, Z, acc, chunk)
        return sq / len(Z)

    return losses(X_eval, y_eval), losses(X[va], y[va])


def subspace_alignment(W, U):
    """Share of each neuron in ``span(U)``: ``‖P_U w_j‖² / ‖w_j‖²`` (1 = inside, ``r/d`` = random).

    Parameters
    ----------
    W : ndarray, shape (m, d)
    U : ndarray, shape (r, d) with orthonormal rows, or a unit vector of shape (d,)
    """
    W = C.real_array(W, "W")
    U = C.real_array(U, "U")
    if U.ndim == 1:
        U = U[None, :]
    if W.ndim != 2 or U.ndim != 2 or U.shape[1] != W.shape[1] or min(W.shape) < 1 or U.shape[0] < 1:
        raise ValueError(f"W (m, d) and U (r, d) must share d; got shapes {W.shape} and {U.shape}")
    if not np.allclose(U @ U.T, np.eye(len(U)), atol=1e-8):
        raise ValueError("U must have orthonormal rows")
    norms = np.sum(W**2, axis=1)
    if np.any(norms == 0):
        raise ValueError("W has a zero row; its alignment is undefined")
    return np.sum((W @ U.T) ** 2, axis=1) / norms


def fit_head_loo(featurize, X, y, *, lambdas=None, chunk=CHUNK):
    """Ridge head on all ``n`` points, ``λ`` chosen by exact leave-one-out (no held-out split).

    For ``a(λ) = (ΦᵀΦ + nλI)⁻¹Φᵀy`` the leave-one-out residual is ``(y_i - ŷ_i)/(1 - H_ii)`` with
    ``H = Φ(ΦᵀΦ + nλI)⁻¹Φᵀ``. From one eigendecomposition (of ``ΦΦᵀ`` when ``n <= p``, else of
    ``ΦᵀΦ``, built in chunks of ``chunk`` rows) every ``λ`` of the relative grid (units
    ``tr(ΦᵀΦ/n)``, default :data:`DEFAULT_LAMBDAS`) costs a matrix product. ``val_loss`` holds the
    mean squared leave-one-out residual (``inf`` where ``H_ii`` is numerically 1, i.e. interpolation);
    the returned coefficients are fitted on all points.
    """
    _check_featurize(featurize)
    X, y = _check_data(X, y)
    lam_rel = _check_lambdas(lambdas)
    chunk = C.integer(chunk, "chunk", minimum=1)
    n = len(X)
    if n < 2:
        raise ValueError(f"n={n} samples: leave-one-out needs at least 2")
    p = featurize.p
    if n <= p:
        Phi = np.asarray(featurize(X), dtype=float)
        s, Q = np.linalg.eigh(Phi @ Phi.T)
        s = np.clip(s, 0.0, None)
        lam_abs = lam_rel * _unit(np.sum(s), n)
        inv = 1.0 / (s[:, None] + n * lam_abs[None, :])
        z = Q.T @ y
        # H = Q diag(s/(s+nλ)) Qᵀ
        fitted = Q @ (z[:, None] * s[:, None] * inv)
        hdiag = (Q**2) @ (s[:, None] * inv)
        resid = (y[:, None] - fitted)
        with np.errstate(divide="ignore", invalid="ignore"):
            sq = np.sum((resid / (1.0 - hdiag)) ** 2, axis=0)
        bad = np.any(1.0 - hdiag < 1e-10, axis=0)
    else:
        G, c = _gram(featurize, X, y, chunk)
        s, V = np.linalg.eigh(G)
        s = np.clip(s, 0.0, None)
        lam_abs = lam_rel * _unit(np.sum(s), n)
        inv = 1.0 / (s[:, None] + n * lam_abs[None, :])
        z = V.T @ c
        sq = np.zeros(lam_abs.size)
        bad = np.zeros(lam_abs.size, dtype=bool)

        def acc(F, sl):
            P = F @ V
            fitted = P @ (z[:, None] * inv)
            hdiag = (P**2) @ inv
            with np.errstate(divide="ignore", invalid="ignore"):
                sq[...] += np.sum(((y[sl][:, None] - fitted) / (1.0 - hdiag)) ** 2, axis=0)
            bad[...] |= np.any(1.0 - hdiag < 1e-10, axis=0)

        _map_chunks(featurize, X, acc, chunk)
    val_loss = np.where(bad | ~np.isfinite(sq), np.inf, sq / n)
    best = int(np.argmin(val_loss))
    if n <= p:
        coef = Phi.T @ (Q @ (z / (s + n * lam_abs[best])))
    else:
        coef = V @ (z / (s + n * lam_abs[best]))
    return HeadFit(coef=coef, lam=float(lam_abs[best]), lam_rel=float(lam_rel[best]), lambdas=lam_rel,
                   val_loss=val_loss, n_train=n, n_val=n)


def transfer(model, X, y, *, seed=0, lambdas=None, val_fraction=0.2, chunk=CHUNK, selection="loo"):
    """Theorem 3: keep the pretrained features, refit only the head on ``(X, y)`` of a new target.

    Parameters
    ----------
    model : Predictor or dict
        A fit from :func:`algorithm1` / :func:`random_features`, or the dict of :func:`first_step`
        or :func:`random_representation`.
    X, y : new task data.
    selection : {"loo", "holdout"}
        ``"loo"`` (default): :func:`fit_head_loo`, head fitted on all ``N`` points with ``λ`` by exact
        leave-one-out (with small ``N`` a held-out split would keep only a few points);
        ``"holdout"``: :func:`fit_head` on a training split.

    Returns
    -------
    Predictor
        ``x ↦ aᵀσ(W¹x + b)`` (no linear part).
    """
    if isinstance(model, Predictor):
        featurize, info = model.featurize, model.info
    elif isinstance(model, dict) and "featurize" in model:
        featurize, info = model["featurize"], model
    else:
        raise TypeError(f"model must be a Predictor or the dict of first_step; got {type(model).__name__}")
    W = info.get("W")
    if not isinstance(W, np.ndarray) or W.ndim != 2:
        raise TypeError("model must come from algorithm1, random_features, first_step or random_representation "
                        "(its info has the first-layer weights W); kernel predictors have no features to transfer")
    X, y = _check_data(X, y, d=W.shape[1])
    new = _fit(featurize, X, y, lambdas=lambdas, val_fraction=val_fraction, seed=seed, chunk=chunk,
               linear=False, selection=selection)
    new.info.update({k: v for k, v in info.items() if k in ("W", "b", "W0", "a0", "eta1")})
    return new


def excess_risk(predictor, target, *, n_test=10_000, seed=0):
    """Monte Carlo ``E[(f̂(x) - f*(x))²]`` over ``n_test`` fresh Gaussian inputs (no label noise).

    Returns
    -------
    mean, stderr : float
    """
    C.function(predictor, "predictor", "a predictor (callable on (n, d) arrays, e.g. from algorithm1)")
    C.instance(target, "target", HermiteTarget, "a HermiteTarget")
    n_test = _check_int(n_test, "n_test", 2)
    C.require_memory(n_test * target.d * 8 * 3, f"excess_risk(n_test={n_test})", "Use a smaller n_test.")
    X = np.random.default_rng(C.seed(seed)).standard_normal((n_test, target.d))
    sq = (predictor(X) - target(X)) ** 2
    return float(np.mean(sq)), float(np.std(sq, ddof=1) / math.sqrt(n_test))


def _orthonormal_complement_sampler(U, rng):
    P = np.eye(U.shape[1]) - U.T @ U

    def draw(k):
        return rng.standard_normal((k, U.shape[1])) @ P

    return draw


def excess_risk_quadrature(predictor, target, *, n_nodes=40, n_perp=100, seed=0):
    """``E[(f̂(x) - f*(x))²]`` with Gauss–Hermite quadrature along ``span(U)``, Monte Carlo across it.

    Writes ``x = Uᵀz + x_⊥`` with ``z ~ N(0, I_r)`` and ``x_⊥`` the projection of a standard Gaussian on
    the orthogonal complement of ``span(U)``. The ``z``-integral uses a product grid of ``n_nodes``
    Gauss–Hermite nodes per direction (exact for polynomials of degree ``< 2 n_nodes`` in ``z``; the
    predictor's ReLU kinks make it accurate to about 1e-3 relative at 40 nodes), and each node averages
    ``n_perp`` draws of ``x_⊥``. The heavy tails of ``f*(x) = g(z)`` (large ``|z|``) are integrated
    exactly instead of sampled, so the estimate is far less noisy than plain Monte Carlo on the same
    number of points (``n_nodes^r · n_perp``).

    Returns
    -------
    mean, stderr : float
        ``stderr`` is the Monte Carlo error across ``x_⊥`` only (the quadrature error is not included).
    """
    if not isinstance(target, HermiteTarget):
        raise TypeError(f"target must be a HermiteTarget; got {type(target).__name__}")
    C.function(predictor, "predictor", "a predictor (callable on (n, d) arrays, e.g. from algorithm1)")
    n_perp = _check_int(n_perp, "n_perp", 2)
    seed = C.seed(seed)
    r = target.r
    if r > 3:
        raise ValueError(f"target has r={r} relevant directions; the product grid supports r <= 3")
    z1, w1 = gauss_hermite(n_nodes)
    grids = np.meshgrid(*([z1] * r), indexing="ij")
    Z = np.stack([g.ravel() for g in grids], axis=1)
    wgrids = np.meshgrid(*([w1] * r), indexing="ij")
    w = np.prod(np.stack([g.ravel() for g in wgrids], axis=1), axis=1)
    rng = np.random.default_rng(seed)
    X = np.repeat(Z @ target.U, n_perp, axis=0) + _orthonormal_complement_sampler(target.U, rng)(len(Z) * n_perp)
    sq = ((predictor(X) - target(X)) ** 2).reshape(len(Z), n_perp)
    node_mean = sq.mean(axis=1)
    node_var = sq.var(axis=1, ddof=1)
    return float(w @ node_mean), float(math.sqrt(np.sum(w**2 * node_var) / n_perp))


def feature_floor(featurize, target, *, n=50_000, linear=True, lam_rel=1e-8, seed=0, n_nodes=40, n_perp=100,
                  chunk=CHUNK):
    """The loss a fixed feature set cannot go below, whatever ``n``: its approximation floor.

    Fits ``α + β·x + aᵀφ(x)`` (``linear=True``, as the chapter's methods do) by nearly ridgeless
    least squares (``λ = lam_rel · tr``) on ``n`` noise-free samples of ``f*``, and returns its
    :func:`excess_risk_quadrature` on fresh points. With ``p`` features this overestimates the
    population floor ``min_a E[(aᵀφ - f*)²]`` by a relative ``≈ p/n`` (2% at ``p = 1000``,
    ``n = 5·10⁴``).

    Returns
    -------
    mean, stderr : float
    """
    _check_featurize(featurize)
    C.instance(target, "target", HermiteTarget, "a HermiteTarget")
    n = _check_int(n, "n", 2)
    lam_rel = _check_positive(lam_rel, "lam_rel")
    linear = C.flag(linear, "linear")
    seed = C.seed(seed)
    if seed == C.SEED_LIMIT - 1:
        raise ValueError(f"seed={seed} must be < 2**64 - 1 (the evaluation uses seed + 1)")
    C.require_memory(n * (target.d + featurize.p + 2) * 8 * 2, f"feature_floor(n={n}, p={featurize.p})",
                     "Use a smaller n.")
    rng = np.random.default_rng(seed)
    X = rng.standard_normal((n, target.d))
    y = target(X)
    if linear:
        base = featurize

        def featurize_aug(Z):
            return np.concatenate([np.ones((len(Z), 1)), Z, base(Z)], axis=1)

        featurize_aug.p = featurize.p + target.d + 1
    else:
        featurize_aug = featurize
    path = ridge_path(featurize_aug, X, y, chunk=chunk)
    coef = path.coef(lam_rel * path.scale)
    model = Predictor(featurize=featurize_aug, coef=coef)
    return excess_risk_quadrature(model, target, n_nodes=n_nodes, n_perp=n_perp, seed=seed + 1)
