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
* **Ridge protocol (every method alike).** A random ``val_fraction`` of the data is held out; the
  ridge path ``a(λ) = (ΦᵀΦ/n + λI)⁻¹Φᵀy/n`` over a relative grid ``λ = λ_rel · tr(ΦᵀΦ/n)``
  (:data:`DEFAULT_LAMBDAS`, from nearly ridgeless to nearly the null predictor) is
  computed from *one* eigendecomposition of ``ΦᵀΦ`` (or of ``ΦΦᵀ`` when ``n < p``); the
  ``λ`` with the smallest held-out squared error is kept (no refit, see :func:`fit_head`).
* **Baselines.** :func:`random_features` is the same network and pipeline with ``W`` frozen at its
  initialisation; :func:`ntk_regression` is ridge regression on the gradient features (the empirical
  neural tangent kernel) of an i.i.d.-initialised two-layer ReLU net of width ``m``, a random-feature
  approximation of the analytic kernel :func:`relu_ntk` (feature dimension ``m(d+2)``; exact kernel ridge
  needs an ``n x n`` eigendecomposition, too slow at ``n = 10⁴`` on two cores).
"""

from __future__ import annotations

import math
import numbers
from dataclasses import dataclass, field

import numpy as np

__all__ = [
    "DEFAULT_LAMBDAS",
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
    "random_features",
    "ntk_regression",
    "ntk_kernel_regression",
    "predicted_alignment",
    "path_losses",
    "subspace_alignment",
    "transfer",
    "excess_risk",
]

#: Relative ridge grid, in units of ``tr(ΦᵀΦ/n)`` (the sum of its eigenvalues). The top value
#: shrinks every direction by at least 11x (close to the null predictor); the bottom is nearly ridgeless.
DEFAULT_LAMBDAS = np.logspace(-9, 1, 21)
#: Rows per chunk when features are built (bounds memory at ``chunk x p`` floats).
CHUNK = 8192


# ----------------------------------------------------------------------------- validation
def _check_int(value, name, minimum=1):
    if not isinstance(value, numbers.Integral) or isinstance(value, bool) or value < minimum:
        raise ValueError(f"{name}={value!r} must be an integer >= {minimum}")
    return int(value)


def _check_data(X, y=None, d=None):
    X = np.asarray(X, dtype=float)
    if X.ndim != 2 or X.shape[0] < 1:
        raise ValueError(f"X must be a 2-d array of shape (n, d) with n >= 1; got shape {X.shape}")
    if d is not None and X.shape[1] != d:
        raise ValueError(f"X has d={X.shape[1]} columns but the model expects d={d}")
    if not np.all(np.isfinite(X)):
        raise ValueError("X contains non-finite values (nan or inf)")
    if y is None:
        return X
    y = np.asarray(y, dtype=float)
    if y.shape != (X.shape[0],):
        raise ValueError(f"y must have shape ({X.shape[0]},) to match X; got {y.shape}")
    if not np.all(np.isfinite(y)):
        raise ValueError("y contains non-finite values (nan or inf)")
    return X, y


def _check_positive(value, name):
    if not isinstance(value, numbers.Real) or not np.isfinite(value) or value <= 0:
        raise ValueError(f"{name}={value!r} must be a finite positive number")
    return float(value)


def _check_lambdas(lambdas):
    lam = np.asarray(DEFAULT_LAMBDAS if lambdas is None else lambdas, dtype=float).ravel()
    if lam.size == 0 or not np.all(np.isfinite(lam)) or np.any(lam <= 0):
        raise ValueError(f"lambdas must be a non-empty grid of finite positive numbers; got {lambdas!r}")
    return lam


# ----------------------------------------------------------------------------- features
def relu(t):
    return np.maximum(t, 0.0)


def relu_features(W, b):
    """Feature map ``x ↦ σ(W x + b)`` (rows of ``X`` to rows of features)."""
    W = np.asarray(W, dtype=float)
    b = np.asarray(b, dtype=float)

    def featurize(X):
        return relu(X @ W.T + b)

    featurize.p = W.shape[0]
    return featurize


def ntk_feature_map(W, b, a):
    """Gradient features of ``f(x) = m^{-1/2} Σ_j a_j σ(w_j·x/√d + b_j)`` at ``(a, W, b)``.

    Columns: ``∂f/∂a`` (``m``), ``∂f/∂W`` (``m d``), ``∂f/∂b`` (``m``); so ``Φ(x)·Φ(x')`` is the
    empirical NTK, which tends to :func:`relu_ntk` as ``m → ∞`` when ``w ~ N(0, I)``,
    ``b ~ N(0, 1)``, ``a_j = ±1``.
    """
    W = np.asarray(W, dtype=float)
    b = np.asarray(b, dtype=float)
    a = np.asarray(a, dtype=float)
    m, d = W.shape
    s_m, s_d = 1.0 / math.sqrt(m), 1.0 / math.sqrt(d)

    def featurize(X):
        pre = (X @ W.T) * s_d + b
        act = relu(pre) * s_m
        slope = (pre > 0) * (a * s_m)
        grad_w = (slope[:, :, None] * (X[:, None, :] * s_d)).reshape(len(X), m * d)
        return np.concatenate([act, grad_w, slope], axis=1)

    featurize.p = m * (d + 2)
    return featurize


def relu_ntk(X1, X2):
    """Analytic NTK of the net of :func:`ntk_feature_map` in the infinite-width limit.

    With ``x̃ = (x/√d, 1)``, angle ``θ`` between ``x̃, x̃'``:
    ``Θ(x, x') = κ_1 + (x̃·x̃') κ_0``, ``κ_0 = (π - θ)/(2π)``,
    ``κ_1 = |x̃||x̃'| (sin θ + (π - θ) cos θ)/(2π)`` (arc-cosine kernels, Cho & Saul 2009).
    """
    X1 = _check_data(X1)
    X2 = _check_data(X2, d=X1.shape[1])
    d = X1.shape[1]
    A = np.hstack([X1 / math.sqrt(d), np.ones((len(X1), 1))])
    B = np.hstack([X2 / math.sqrt(d), np.ones((len(X2), 1))])
    dot = A @ B.T
    na, nb = np.linalg.norm(A, axis=1), np.linalg.norm(B, axis=1)
    cos = np.clip(dot / np.outer(na, nb), -1.0, 1.0)
    theta = np.arccos(cos)
    k0 = (np.pi - theta) / (2 * np.pi)
    k1 = np.outer(na, nb) * (np.sin(theta) + (np.pi - theta) * cos) / (2 * np.pi)
    return k1 + dot * k0


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
        """``tr(ΦᵀΦ/n)``, the unit of the relative ``λ`` grid (``λ = λ_rel · tr``)."""
        return float(np.sum(self.s) / self.n)

    def coef(self, lam):
        """Ridge coefficients for absolute ``λ`` (scalar or 1-d grid → columns)."""
        lam = np.atleast_1d(np.asarray(lam, dtype=float))
        out = self.V @ (self.z[:, None] / (self.s[:, None] + self.n * lam[None, :]))
        return out[:, 0] if out.shape[1] == 1 else out


def ridge_path(Phi_or_featurize, X=None, y=None, *, chunk=CHUNK):
    """Decompose once: eigendecomposition of ``ΦᵀΦ`` if ``n >= p``, else of the kernel matrix ``ΦΦᵀ``.

    Pass either a feature matrix ``Phi`` and ``y`` (``ridge_path(Phi, y=y)``) or a feature map
    with ``X`` and ``y`` (built in chunks of ``chunk`` rows when ``n >= p``).
    """
    if callable(Phi_or_featurize):
        featurize, X = Phi_or_featurize, np.asarray(X, dtype=float)
        n, p = len(X), featurize.p
        if n >= p:
            G, c = _gram(featurize, X, y, chunk)
            s, V = np.linalg.eigh(G)
            return RidgePath(V=V, s=np.clip(s, 0.0, None), z=V.T @ c, n=n, p=p)
        Phi = featurize(X)
    else:
        Phi = np.asarray(Phi_or_featurize, dtype=float)
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
    """Indices ``(train, validation)`` of the seeded held-out split every method uses (``>= 1`` each)."""
    if not 0 < val_fraction < 1:
        raise ValueError(f"val_fraction={val_fraction!r} must lie strictly between 0 and 1")
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
    X, y = _check_data(X, y)
    lam_rel = _check_lambdas(lambdas)
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

    def __call__(self, X, chunk=CHUNK):
        X = _check_data(X)
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
    rng = np.random.default_rng(seed)
    half = width // 2
    s = rng.choice(np.array([-1.0, 1.0]), size=half)
    W0 = rng.standard_normal((half, d)) / math.sqrt(d)
    return np.concatenate([s, -s]), np.vstack([W0, W0])


def one_step(X, r, a, W, *, eta1, chunk=CHUNK):
    """Step (ii): ``W¹ = W - η_1 (∇_W L + W/η_1) = -η_1 ∇_W L`` at ``b = 0`` with the net identically 0.

    ``∇_{w_j} L = -(1/n) Σ_i r_i a_j 1[w_j·x_i > 0] x_i`` for ``L = (1/2n) Σ (r_i - f(x_i))²``.
    """
    X, r = _check_data(X, r)
    a = np.asarray(a, dtype=float)
    W = np.asarray(W, dtype=float)
    if W.ndim != 2 or W.shape[1] != X.shape[1] or a.shape != (W.shape[0],):
        raise ValueError(f"W must have shape (m, {X.shape[1]}) and a shape (m,); got {W.shape}, {a.shape}")
    eta1 = _check_positive(eta1, "eta1")
    G = np.zeros_like(W)
    for i in range(0, len(X), chunk):
        Xc = X[i:i + chunk]
        G += ((Xc @ W.T) > 0).T.astype(float) @ (r[i:i + chunk, None] * Xc)
    return (eta1 / len(X)) * a[:, None] * G


def _fit(featurize, X, y, *, lambdas, val_fraction, seed, chunk, linear=True):
    if linear:
        alpha, beta, r = preprocess(X, y)
    else:
        alpha, beta, r = 0.0, None, y
    head = fit_head(featurize, X, r, lambdas=lambdas, val_fraction=val_fraction, seed=seed, chunk=chunk)
    return Predictor(featurize=featurize, coef=head.coef, alpha=alpha, beta=beta,
                     info={"head": head, "lam": head.lam, "lam_rel": head.lam_rel})


def _init_and_biases(d, width, bias_std, seed):
    width = _check_int(width, "width", 2)
    if width % 2:
        raise ValueError(f"width={width} must be even for the symmetric initialisation")
    bias_std = _check_positive(bias_std, "bias_std")
    seeds = np.random.SeedSequence(seed).spawn(2)
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
               chunk=CHUNK):
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
    lambdas, val_fraction, chunk
        Ridge protocol; see :func:`fit_head`.

    Returns
    -------
    Predictor
        ``x ↦ α + β·x + aᵀσ(W¹x + b)``; ``info`` holds the :func:`first_step` entries (``W0``, ``a0``,
        ``W``, ``b``, ``eta1``), the selected ``lam``/``lam_rel`` and the validation curve ``head``.
    """
    rep = first_step(X, y, width=width, eta1=eta1, bias_std=bias_std, seed=seed, chunk=chunk)
    model = _fit(rep.pop("featurize"), X, y, lambdas=lambdas, val_fraction=val_fraction, seed=seed,
                 chunk=chunk)
    model.info.update(rep)
    return model


def random_features(X, y, *, width, bias_std=1.0, seed=0, lambdas=None, val_fraction=0.2, chunk=CHUNK):
    """Algorithm 1 without the step on ``W``: features ``σ(W⁰x + b)`` with the same ``W⁰`` and ``b``.

    Same preprocessing, biases and ridge protocol as :func:`algorithm1` for the same ``seed``.
    """
    X, y = _check_data(X, y)
    a0, W0, b = _init_and_biases(X.shape[1], width, bias_std, seed)
    model = _fit(relu_features(W0, b), X, y, lambdas=lambdas, val_fraction=val_fraction, seed=seed,
                 chunk=chunk)
    model.info.update(W0=W0, a0=a0, W=W0, b=b)
    return model


def ntk_regression(X, y, *, width=150, seed=0, lambdas=None, val_fraction=0.2, chunk=CHUNK):
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
    rng = np.random.default_rng(seed)
    W = rng.standard_normal((width, d))
    b = rng.standard_normal(width)
    a = rng.choice(np.array([-1.0, 1.0]), size=width)
    model = _fit(ntk_feature_map(W, b, a), X, y, lambdas=lambdas, val_fraction=val_fraction, seed=seed,
                 chunk=chunk)
    model.info.update(W=W, b=b, a=a)
    return model


def ntk_kernel_regression(X, y, *, seed=0, lambdas=None, val_fraction=0.2):
    """Exact kernel ridge regression with the analytic :func:`relu_ntk` (for ``n`` up to a few thousand).

    Same preprocessing and held-out protocol as every method; the ridge path over the ``λ`` grid
    comes from one eigendecomposition of the ``n_train x n_train`` kernel matrix (``O(n³)``: this
    is why the chapter uses :func:`ntk_regression` at ``n = 10⁴``). Used to check that the
    finite-width features of :func:`ntk_regression` reproduce the analytic kernel's predictions.
    """
    X, y = _check_data(X, y)
    lam_rel = _check_lambdas(lambdas)
    tr, va = holdout_split(len(X), val_fraction, seed)
    alpha, beta, r = preprocess(X, y)
    K = relu_ntk(X[tr], X[tr])
    s, Q = np.linalg.eigh(K)
    s = np.clip(s, 0.0, None)
    lam_abs = lam_rel * float(np.trace(K)) / len(tr)
    # dual coefficients c(λ) = (K + n λ I)^{-1} r = Q diag(1/(s + nλ)) Qᵀ r
    C = Q @ ((Q.T @ r[tr])[:, None] / (s[:, None] + len(tr) * lam_abs[None, :]))
    val_loss = np.mean((r[va][:, None] - relu_ntk(X[va], X[tr]) @ C) ** 2, axis=0)
    best = int(np.argmin(val_loss))
    X_tr = X[tr].copy()

    def featurize(Z):
        return relu_ntk(Z, X_tr)

    featurize.p = len(tr)
    head = HeadFit(coef=C[:, best], lam=float(lam_abs[best]), lam_rel=float(lam_rel[best]), lambdas=lam_rel,
                   val_loss=val_loss, n_train=len(tr), n_val=len(va))
    return Predictor(featurize=featurize, coef=C[:, best], alpha=alpha, beta=beta,
                     info={"head": head, "lam": head.lam, "lam_rel": head.lam_rel})


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
    n = np.atleast_1d(np.asarray(n, dtype=float))
    if np.any(n <= 0) or not np.all(np.isfinite(n)):
        raise ValueError(f"n={n!r} must be positive")
    d = _check_int(d, "d", 2)
    label_var = _check_positive(label_var, "label_var")
    u_noise_ratio = _check_positive(u_noise_ratio, "u_noise_ratio")
    rng = np.random.default_rng(seed)
    z, xi0 = rng.standard_normal(n_mc), rng.standard_normal(n_mc)
    rest = rng.chisquare(d - 1, n_mc)
    rho = n * hessian_eig**2 / (math.pi * d * label_var)
    along = (np.sqrt(rho)[:, None] * z[None, :] + math.sqrt(u_noise_ratio) * xi0[None, :]) ** 2
    return np.mean(along / (along + rest[None, :]), axis=1)


def path_losses(featurize, X, y, X_eval, y_eval, *, lambdas=None, val_fraction=0.2, seed=0, chunk=CHUNK):
    """Held-out and evaluation losses of every ridge solution on the path of :func:`fit_head`.

    Same split as :func:`fit_head` with the same ``seed`` and one decomposition for the whole grid.
    ``eval_loss[argmin(val_loss)]`` is the loss of the head that :func:`fit_head` (and
    :func:`transfer`) selects; ``min(eval_loss)`` is the oracle (best ``λ`` in hindsight), which
    separates the quality of a representation from the noise of selecting ``λ``.

    Returns
    -------
    eval_loss, val_loss : ndarray, shape (len(lambdas),)
    """
    X, y = _check_data(X, y)
    X_eval, y_eval = _check_data(X_eval, y_eval, d=X.shape[1])
    lam_rel = _check_lambdas(lambdas)
    n = len(X)
    if n < 2:
        raise ValueError(f"n={n} samples: the held-out split needs at least 2")
    n_val = min(n - 1, max(1, int(round(val_fraction * n))))
    perm = np.random.default_rng(seed).permutation(n)
    va, tr = perm[:n_val], perm[n_val:]
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
    W = np.asarray(W, dtype=float)
    U = np.atleast_2d(np.asarray(U, dtype=float))
    if W.ndim != 2 or U.ndim != 2 or U.shape[1] != W.shape[1]:
        raise ValueError(f"W (m, d) and U (r, d) must share d; got shapes {W.shape} and {U.shape}")
    if not (np.all(np.isfinite(W)) and np.all(np.isfinite(U))):
        raise ValueError("W and U must be finite")
    if not np.allclose(U @ U.T, np.eye(len(U)), atol=1e-8):
        raise ValueError("U must have orthonormal rows")
    norms = np.sum(W**2, axis=1)
    if np.any(norms == 0):
        raise ValueError("W has a zero row; its alignment is undefined")
    return np.sum((W @ U.T) ** 2, axis=1) / norms


def transfer(model, X, y, *, seed=0, lambdas=None, val_fraction=0.2, chunk=CHUNK):
    """Theorem 3: keep the pretrained features, refit only the head on ``(X, y)`` of a new target.

    Parameters
    ----------
    model : Predictor or dict
        A fit from :func:`algorithm1` / :func:`random_features`, or the dict of :func:`first_step`.
    X, y : new task data.

    Returns
    -------
    Predictor
        ``x ↦ aᵀσ(W¹x + b)`` (no linear part), ``a`` by the same ridge protocol as every method.
    """
    if isinstance(model, Predictor):
        featurize, info = model.featurize, model.info
    elif isinstance(model, dict) and "featurize" in model:
        featurize, info = model["featurize"], model
    else:
        raise TypeError(f"model must be a Predictor or the dict of first_step; got {type(model).__name__}")
    X, y = _check_data(X, y, d=info["W"].shape[1])
    new = _fit(featurize, X, y, lambdas=lambdas, val_fraction=val_fraction, seed=seed, chunk=chunk,
               linear=False)
    new.info.update({k: v for k, v in info.items() if k in ("W", "b", "W0", "a0", "eta1")})
    return new


def excess_risk(predictor, target, *, n_test=10_000, seed=0):
    """Monte Carlo ``E[(f̂(x) - f*(x))²]`` over ``n_test`` fresh Gaussian inputs (no label noise).

    Returns
    -------
    mean, stderr : float
    """
    n_test = _check_int(n_test, "n_test", 2)
    X = np.random.default_rng(seed).standard_normal((n_test, target.d))
    sq = (predictor(X) - target(X)) ** 2
    return float(np.mean(sq)), float(np.std(sq, ddof=1) / math.sqrt(n_test))
