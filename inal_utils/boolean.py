"""Boolean functions on the hypercube ``{±1}^n`` and their Fourier (Walsh) expansion.

Conventions (used by every chapter):

* Row ``i`` of :func:`hypercube` has ``x_j = -1`` exactly when bit ``j`` of ``i`` is 1.
* A subset ``S ⊆ {0, …, n-1}`` is stored as the bitmask with bit ``j`` set iff ``j ∈ S``, and
  ``χ_S(x) = ∏_{j∈S} x_j``; the truth table of ``χ_S`` is row ``S`` of the Sylvester Hadamard matrix.
* ``f̂(S) = E_x[f(x) χ_S(x)]`` under the uniform law, so Parseval reads ``Σ_S f̂(S)² = E[f²]``.
* ``W^{=k}[f] = Σ_{|S|=k} f̂(S)²`` (:func:`degree_weights`) and
  ``W^{≤k}[f] = Σ_{j≤k} W^{=j}[f]`` (:func:`low_degree_weight`).
"""

from __future__ import annotations

import functools
import numbers

import numpy as np
import torch

#: Largest ``n`` whose cube is enumerated exactly (``2**24`` points); beyond it, sample inputs.
MAX_EXACT_N = 24
#: Largest block of butterfly levels fused into one small Hadamard matrix product.
_FUSED_LEVELS = 4


def _check_n(n, *, name="n", limit=MAX_EXACT_N):
    if isinstance(n, bool) or not isinstance(n, numbers.Integral):
        raise TypeError(f"{name}={n!r} must be an integer")
    if n < 0:
        raise ValueError(f"{name}={n} must be non-negative")
    if limit is not None and n > limit:
        raise ValueError(
            f"{name}={n} is too large to enumerate exactly: 2**{n} points; at most {name}={limit} is "
            f"allowed. Sample inputs instead with random_inputs(n, num, seed) (or inputs=N)."
        )
    return int(n)


def _log2_length(length, name="values"):
    if length < 1 or length & (length - 1):
        raise ValueError(
            f"{name} has length {length} along the transform axis; it must be a power of two 2**n "
            "(one value per point of the cube, in hypercube(n) row order)"
        )
    return length.bit_length() - 1


def hypercube(n):
    """All ``2**n`` points of ``{±1}^n`` as an int8 array of shape ``(2**n, n)``.

    Row ``i`` has ``x_j = -1`` exactly when bit ``j`` of ``i`` is 1. Refuses ``n > MAX_EXACT_N``.
    """
    n = _check_n(n)
    idx = np.arange(2**n, dtype=np.int64)[:, None]
    bits = (idx >> np.arange(n, dtype=np.int64)) & 1
    return (1 - 2 * bits).astype(np.int8)


def random_inputs(n, num, seed=0):
    """``num`` i.i.d. uniform points of ``{±1}^n`` (int8, shape ``(num, n)``): the sampled alternative."""
    n = _check_n(n, limit=None)
    if isinstance(num, bool) or not isinstance(num, numbers.Integral) or num < 1:
        raise ValueError(f"num={num!r} must be a positive integer")
    rng = np.random.default_rng(seed)
    return (1 - 2 * rng.integers(0, 2, size=(int(num), n))).astype(np.int8)


def _cube_index(x):
    """Row index in :func:`hypercube` of each ±1 point in ``x`` (shape ``(…, n)``)."""
    bits = (np.asarray(x) < 0).astype(np.int64)
    return bits @ (np.int64(1) << np.arange(bits.shape[-1], dtype=np.int64))


@functools.lru_cache(maxsize=16)
def _hadamard_block(levels, dtype, device):
    h = torch.ones((1, 1), dtype=dtype, device=device)
    for _ in range(levels):
        h = torch.cat([torch.cat([h, h], 1), torch.cat([h, -h], 1)], 0)
    return h


def _fwht_rows(x):
    """Unnormalised transform of each row of a contiguous 2-d tensor ``x`` of shape ``(B, 2**n)``.

    Levels are fused ``_FUSED_LEVELS`` at a time into products with a small Hadamard block; two
    preallocated buffers are used in turn (``out=``), which avoids a fresh allocation per stage.
    """
    batch, length = x.shape
    n = length.bit_length() - 1
    grad = x.requires_grad
    a, b = x.clone(), (None if grad else torch.empty_like(x))
    done = 0
    while done < n:
        s = min(_FUSED_LEVELS, n - done)
        h = _hadamard_block(s, x.dtype, x.device)
        inner = 2**done
        if inner == 1:  # levels 0..s-1: one GEMM on contiguous rows of length 2**s
            src, op = a.view(-1, 2**s), (lambda u, out=None: torch.matmul(u, h, out=out))
        else:  # contract the middle axis of (B * outer, 2**s, inner)
            src, op = a.view(-1, 2**s, inner), (lambda u, out=None: torch.matmul(h, u, out=out))
        if grad:  # autograd does not support out=
            a = op(src).reshape(batch, length)
        else:
            op(src, out=b.view(src.shape))
            a, b = b, a
        done += s
    return a


def walsh_hadamard(values, axis=-1):
    """Unnormalised fast Walsh–Hadamard transform along ``axis`` (length ``2**n``).

    ``out[S] = Σ_i values[i] · (-1)^{popcount(i & S)}``. Runs in ``O(n·2^n)`` per transform, fusing
    up to four butterfly levels into one small matrix product; never builds a ``2^n × 2^n`` matrix.

    Parameters
    ----------
    values : numpy.ndarray or torch.Tensor
        Real values; any leading/trailing batch axes. Torch tensors stay on their device.
    axis : int
        Axis of length ``2**n``.

    Returns
    -------
    Same type as ``values`` (float64 for integer or bool input; float32 stays float32).
    """
    is_numpy = not isinstance(values, torch.Tensor)
    if is_numpy:
        arr = np.asarray(values)
        if arr.ndim == 0:  # np.ascontiguousarray would silently turn a scalar into shape (1,)
            raise ValueError("values must have at least one axis of length 2**n")
        if arr.dtype.kind not in "biuf":
            raise TypeError(f"values has dtype {arr.dtype}; a real numeric array is required")
        if arr.dtype.kind != "f" or arr.dtype.itemsize < 4:
            arr = arr.astype(np.float64)
        t = torch.from_numpy(np.ascontiguousarray(arr))
    else:
        if values.is_complex():
            raise TypeError(f"values has dtype {values.dtype}; a real tensor is required")
        t = values if values.is_floating_point() else values.to(torch.float64)
    if t.ndim == 0:
        raise ValueError("values must have at least one axis of length 2**n")
    if not -t.ndim <= axis < t.ndim:
        raise ValueError(f"axis={axis} is out of range for values with {t.ndim} dimensions")
    _log2_length(t.shape[axis])
    moved = torch.movedim(t, axis, -1)
    shape = moved.shape
    out = _fwht_rows(moved.reshape(-1, shape[-1]).contiguous()).reshape(shape)
    out = torch.movedim(out, -1, axis)
    return out.numpy() if is_numpy else out


def fourier_coefficients(values):
    """``f̂(S) = E_x[f(x) χ_S(x)]`` for every ``S`` (indexed by bitmask), from values in cube order.

    ``values`` has shape ``(…, 2**n)`` (a batch of functions is fine) and may be any real values,
    e.g. a neuron's outputs on ``hypercube(n)``.
    """
    out = walsh_hadamard(values, axis=-1)
    return out / out.shape[-1]


@functools.lru_cache(maxsize=8)
def subset_sizes(n):
    """``|S|`` for every bitmask ``S < 2**n`` (read-only int8 array)."""
    n = _check_n(n, limit=30)
    sizes = np.zeros(2**n, dtype=np.int8)
    for j in range(n):
        sizes[1 << j:2 << j] = sizes[: 1 << j] + 1
    sizes.setflags(write=False)
    return sizes


@functools.lru_cache(maxsize=8)
def _degree_order(n):
    sizes = subset_sizes(n)
    order = np.argsort(sizes, kind="stable")
    starts = np.searchsorted(sizes[order], np.arange(n + 1))
    return order, starts


def degree_weights(coefficients):
    """``W^{=k}[f] = Σ_{|S|=k} f̂(S)²`` for ``k = 0..n``; shape ``(…, n+1)`` for input ``(…, 2**n)``."""
    c = coefficients.detach().cpu().numpy() if isinstance(coefficients, torch.Tensor) else np.asarray(coefficients)
    if c.ndim == 0:
        raise ValueError("coefficients must have a last axis of length 2**n")
    n = _log2_length(c.shape[-1], "coefficients")
    order, starts = _degree_order(n)
    sq = np.square(c.astype(np.float64, copy=False))[..., order]
    return np.add.reduceat(sq, starts, axis=-1)


def low_degree_weight(coefficients, k):
    """``W^{≤k}[f] = Σ_{|S|≤k} f̂(S)²``."""
    w = degree_weights(coefficients)
    n = w.shape[-1] - 1
    if isinstance(k, bool) or not isinstance(k, numbers.Integral) or not 0 <= k <= n:
        raise ValueError(f"k={k!r} must be an integer degree between 0 and n={n}")
    return w[..., : int(k) + 1].sum(axis=-1)


def character(n, S):
    """The character ``χ_S`` as a :class:`Parity` (``S`` a collection of indices)."""
    return Parity(n, S)


# --------------------------------------------------------------------------------------------
# The catalogue of target functions
# --------------------------------------------------------------------------------------------


class BooleanFunction:
    """A function ``{±1}^n → {±1}`` (or ℝ): callable on arrays of shape ``(…, n)`` with ±1 entries."""

    name = "f"

    def __init__(self, n):
        self.n = _check_n(n, limit=None)

    def _evaluate(self, x):  # x: int8 array (..., n) with ±1 entries
        raise NotImplementedError

    def __call__(self, x):
        is_torch = isinstance(x, torch.Tensor)
        arr = x.detach().cpu().numpy() if is_torch else np.asarray(x)
        if arr.ndim == 0 or arr.shape[-1] != self.n:
            raise ValueError(
                f"{self.name} takes inputs of shape (..., {self.n}); got shape {arr.shape}"
            )
        if not np.all(np.abs(arr) == 1):
            raise ValueError(f"{self.name} takes ±1 inputs; got values outside {{-1, +1}}")
        out = np.asarray(self._evaluate(arr.astype(np.int8)), dtype=np.float64)
        return torch.as_tensor(out, device=x.device) if is_torch else out

    def truth_table(self):
        """Values on ``hypercube(n)`` in row order (float64, length ``2**n``)."""
        return self(hypercube(self.n))

    def fourier(self):
        """All Fourier coefficients ``f̂(S)``, indexed by bitmask."""
        return fourier_coefficients(self.truth_table())

    def __repr__(self):
        return f"{self.name}(n={self.n})"


class Parity(BooleanFunction):
    """``χ_S(x) = ∏_{j∈S} x_j``; ``S = range(n)`` is the full parity."""

    name = "parity"

    def __init__(self, n, S):
        super().__init__(n)
        S = sorted({int(j) for j in S})
        if any(j < 0 or j >= self.n for j in S):
            raise ValueError(f"S={S} must be a set of indices in 0..{self.n - 1}")
        self.S = tuple(S)
        self.degree = len(S)

    def _evaluate(self, x):
        return np.prod(x[..., list(self.S)], axis=-1)

    def __repr__(self):
        return f"parity(n={self.n}, S={self.S})"


class Majority(BooleanFunction):
    """``Maj_n(x) = sign(Σ_j x_j)`` for odd ``n``."""

    name = "majority"

    def __init__(self, n):
        super().__init__(n)
        if self.n % 2 == 0:
            raise ValueError(f"n={n} must be odd for majority (no ties)")

    def _evaluate(self, x):
        return np.sign(x.sum(axis=-1, dtype=np.int64))


class Dictator(BooleanFunction):
    """``x ↦ x_i``."""

    name = "dictator"

    def __init__(self, n, i=0):
        super().__init__(n)
        if not 0 <= i < self.n:
            raise ValueError(f"i={i} must be an index in 0..{self.n - 1}")
        self.i = int(i)

    def _evaluate(self, x):
        return x[..., self.i]


class Staircase(BooleanFunction):
    """Boolean staircase: ``sign(x_0 + x_0x_1 + … + x_0⋯x_{k-1})`` for odd ``k ≤ n``.

    Majority of the ``k`` prefix products; its Fourier mass climbs the degrees one step at a time.
    """

    name = "staircase"

    def __init__(self, n, k=None):
        super().__init__(n)
        if k is None:  # the longest odd staircase that fits
            k = self.n if self.n % 2 else self.n - 1
        if not (1 <= k <= self.n and k % 2 == 1):
            raise ValueError(f"k={k} must be odd with 1 <= k <= n={self.n}")
        self.k = int(k)

    def _evaluate(self, x):
        prefix = np.cumprod(x[..., : self.k].astype(np.int64), axis=-1)
        return np.sign(prefix.sum(axis=-1))


class Tribes(BooleanFunction):
    """``Tribes_{w,s}``: ``-1`` (True) iff some block of ``w`` consecutive inputs is all ``-1``.

    ``n = w·s``. The ``-1 ↔ True`` convention follows O'Donnell (2014).
    """

    name = "tribes"

    def __init__(self, width, tribes):
        if width < 1 or tribes < 1:
            raise ValueError(f"width={width} and tribes={tribes} must be positive integers")
        super().__init__(width * tribes)
        self.width, self.tribes = int(width), int(tribes)

    def _evaluate(self, x):
        blocks = x.reshape(*x.shape[:-1], self.tribes, self.width)
        any_true = np.any(np.all(blocks == -1, axis=-1), axis=-1)
        return np.where(any_true, -1, 1)


class LinearThreshold(BooleanFunction):
    """``sign(w·x − θ)`` with ``sign(0) = +1``; default weights are seeded standard Gaussians."""

    name = "threshold"

    def __init__(self, n, weights=None, threshold=0.0, seed=0):
        super().__init__(n)
        if weights is None:
            weights = np.random.default_rng(seed).standard_normal(self.n)
        weights = np.asarray(weights, dtype=np.float64)
        if weights.shape != (self.n,) or not np.all(np.isfinite(weights)):
            raise ValueError(f"weights must be {self.n} finite numbers; got shape {weights.shape}")
        self.weights, self.threshold = weights, float(threshold)

    def _evaluate(self, x):
        return np.where(x @ self.weights - self.threshold >= 0, 1, -1)


class InnerProductMod2(BooleanFunction):
    """``IP(x) = (-1)^{Σ_i a_i b_i}`` with bits ``a_i = [x_i = -1]``, ``b_i = [x_{i+n/2} = -1]``; even ``n``.

    A bent function: every ``|f̂(S)| = 2^{-n/2}``.
    """

    name = "inner_product"

    def __init__(self, n):
        super().__init__(n)
        if self.n % 2:
            raise ValueError(f"n={n} must be even for the inner product mod 2")

    def _evaluate(self, x):
        h = self.n // 2
        both = (x[..., :h] == -1) & (x[..., h:] == -1)
        return 1 - 2 * (both.sum(axis=-1) % 2)


class TruthTable(BooleanFunction):
    """A function given by its values on ``hypercube(n)`` (row order)."""

    name = "truth_table"

    def __init__(self, values, name=None):
        values = np.asarray(values, dtype=np.float64)
        if values.ndim != 1:
            raise ValueError(f"values must be 1-d of length 2**n; got shape {values.shape}")
        super().__init__(_log2_length(values.size))
        self.values = values
        if name:
            self.name = name

    def _evaluate(self, x):
        return self.values[_cube_index(x)]

    def truth_table(self):
        return self.values.copy()


class RandomBoolean(TruthTable):
    """A uniformly random ±1 truth table, drawn once from ``seed``."""

    def __init__(self, n, seed=0):
        n = _check_n(n)
        values = 1.0 - 2.0 * np.random.default_rng(seed).integers(0, 2, size=2**n)
        super().__init__(values, name="random")
        self.seed = seed

    def __repr__(self):
        return f"random(n={self.n}, seed={self.seed})"


class Extended(BooleanFunction):
    """``f̄(x_1, …, x_N) = f(x_1, …, x_n)``: ``f`` on the first ``n`` of ``N ≥ n`` inputs."""

    def __init__(self, base, N):
        if not isinstance(base, BooleanFunction):
            raise TypeError(f"base must be a BooleanFunction; got {type(base).__name__}")
        if isinstance(N, bool) or not isinstance(N, numbers.Integral) or N < base.n:
            raise ValueError(f"N={N!r} must be an integer >= n={base.n}")
        super().__init__(N)
        self.base = base
        self.name = f"extended_{base.name}"

    def _evaluate(self, x):
        return self.base._evaluate(x[..., : self.base.n])

    def fourier(self):
        """Coefficients of ``f̄``: those of ``f`` on subsets of the first ``n`` inputs, zero elsewhere."""
        _check_n(self.n)
        out = np.zeros(2**self.n)
        out[: 2**self.base.n] = self.base.fourier()
        return out

    def __repr__(self):
        return f"extend({self.base!r}, N={self.n})"


def extend(f, N):
    """``f`` on the first ``f.n`` of ``N ≥ f.n`` inputs (the paper's extension uses ``N = n²``)."""
    return Extended(f, N)
