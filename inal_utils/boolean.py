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
from collections.abc import Iterable

import numpy as np
import torch

from . import _checks as C

#: Largest ``n`` whose cube is enumerated exactly (``2**24`` points); beyond it, sample inputs.
MAX_EXACT_N = 24
#: Largest block of butterfly levels fused into one small Hadamard matrix product.
_FUSED_LEVELS = 4
#: Rows of the cube evaluated at a time (bounds the intermediates of every ``_evaluate``).
_CHUNK_ROWS = 2**16
_SAMPLE_HINT = "Sample inputs instead with random_inputs(n, num, seed) (or inputs=N)."


def _check_n(n, *, name="n", limit=MAX_EXACT_N):
    n = C.integer(n, name, minimum=0)
    if limit is not None and n > limit:
        raise ValueError(
            f"{name}={n} is too large to enumerate exactly: 2**{n} points; at most {name}={limit} is "
            f"allowed. {_SAMPLE_HINT}"
        )
    return n


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
    The output is filled in place from two small cubes (row ``i = hi·2**m + lo``: the first ``m``
    columns depend on ``lo`` only, the others on ``hi`` only), so there is no large intermediate
    and the peak memory is the output's ``n·2**n`` bytes (384 MiB at ``n = 24``).
    """
    n = _check_n(n)
    C.require_memory(n * 2**n, f"hypercube(n={n})", _SAMPLE_HINT)
    out = np.empty((2**n, n), dtype=np.int8)
    m = n // 2
    blocks = out.reshape(2 ** (n - m), 2**m, n)  # a view: blocks[hi, lo] is row hi·2**m + lo
    blocks[:, :, :m] = _small_cube(m)[None, :, :]
    blocks[:, :, m:] = _small_cube(n - m)[:, None, :]
    return out


def _small_cube(n):
    """``hypercube(n)`` column by column (column ``j``: blocks of ``2**j`` times +1, then -1)."""
    out = np.empty((2**n, n), dtype=np.int8)
    for j in range(n):
        column = out[:, j].reshape(-1, 2, 2**j)  # a strided view of column j (no copy)
        column[:, 0] = 1
        column[:, 1] = -1
    return out


def _cube_rows(start, stop, n):
    """Rows ``start..stop-1`` of :func:`hypercube` (int8), built from their indices."""
    idx = np.arange(start, stop, dtype=np.int64)
    out = np.empty((stop - start, n), dtype=np.int8)
    for j in range(n):
        out[:, j] = 1 - 2 * ((idx >> j) & 1)
    return out


def random_inputs(n, num, seed=0):
    """``num`` i.i.d. uniform points of ``{±1}^n`` (int8, shape ``(num, n)``): the sampled alternative.

    Parameters
    ----------
    n : int
        Dimension (``>= 0``; no limit: nothing is enumerated).
    num : int
        Number of points (``>= 1``).
    seed : int
        Seed in ``[0, 2**64)`` of a private numpy generator.
    """
    n = _check_n(n, limit=None)
    num = C.integer(num, "num", minimum=1)
    seed = C.seed(seed)
    C.require_memory(num * n, f"random_inputs(n={n}, num={num})", "Draw fewer points at a time.")
    rng = np.random.default_rng(seed)
    out = np.empty((num, n), dtype=np.int8)
    step = max(1, _CHUNK_ROWS * 16 // max(n, 1))
    for start in range(0, num, step):  # chunks draw the same stream as one call (int64 draws)
        stop = min(num, start + step)
        out[start:stop] = 1 - 2 * rng.integers(0, 2, size=(stop - start, n))
    return out


def _cube_index(x):
    """Row index in :func:`hypercube` of each ±1 point in ``x`` (shape ``(…, n)``)."""
    bits = (np.asarray(x) < 0).astype(np.int64)
    return bits @ (np.int64(1) << np.arange(bits.shape[-1], dtype=np.int64))


def _check_axis(axis, ndim):
    axis = C.integer(axis, "axis")
    if not -ndim <= axis < ndim:
        raise ValueError(f"axis={axis} is out of range for values with {ndim} dimensions")
    return axis


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
        Real, finite values (bool, integer or float; not complex); any leading/trailing batch axes.
        Torch tensors stay on their device.
    axis : int
        Axis of length ``2**n``.

    Returns
    -------
    Same type as ``values``: float32 stays float32, float64 stays float64, and everything else
    (bool, integers, float16, bfloat16) is computed in float64 — a half-precision sum would
    overflow at ``2**16`` points.
    """
    is_numpy = not isinstance(values, torch.Tensor)
    if is_numpy:
        arr = C.real_array(values, "values", kinds="biuf", dtype=None)
        if arr.ndim == 0:  # np.ascontiguousarray would silently turn a scalar into shape (1,)
            raise ValueError("values must have at least one axis of length 2**n")
        if arr.dtype.kind != "f" or arr.dtype.itemsize < 4:
            arr = arr.astype(np.float64)
        t = torch.from_numpy(np.ascontiguousarray(arr))
    else:
        t = C.finite_tensor(values, "values", floating=False)
        if t.dtype not in (torch.float32, torch.float64):
            t = t.to(torch.float64)
    if t.ndim == 0:
        raise ValueError("values must have at least one axis of length 2**n")
    axis = _check_axis(axis, t.ndim)
    _log2_length(t.shape[axis])
    C.require_memory(3 * t.numel() * t.element_size(), f"walsh_hadamard(values of shape {tuple(t.shape)})",
                     "Transform fewer functions at a time (split the batch axes).")  # two work buffers + output
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


def subset_sizes(n):
    """``|S|`` for every bitmask ``S < 2**n`` (read-only int8 array; ``n <= 30``)."""
    n = _check_n(n, limit=30)
    C.require_memory(2**n, f"subset_sizes(n={n})", "Use a smaller n.")
    return _subset_sizes(n)


@functools.lru_cache(maxsize=8)
def _subset_sizes(n):  # validated n only: the cache would map 3.0 and True onto the int keys
    sizes = np.zeros(2**n, dtype=np.int8)
    for j in range(n):
        sizes[1 << j:2 << j] = sizes[: 1 << j] + 1
    sizes.setflags(write=False)
    return sizes


@functools.lru_cache(maxsize=8)
def _degree_order(n):
    sizes = _subset_sizes(n)
    order = np.argsort(sizes, kind="stable")
    starts = np.searchsorted(sizes[order], np.arange(n + 1))
    return order, starts


def degree_weights(coefficients):
    """``W^{=k}[f] = Σ_{|S|=k} f̂(S)²`` for ``k = 0..n``; shape ``(…, n+1)`` for input ``(…, 2**n)``.

    ``coefficients`` are real and finite (numpy or torch; integer or float), indexed by bitmask on
    the last axis.
    """
    c = C.real_array(coefficients, "coefficients", kinds="iuf", dtype=np.float64)
    if c.ndim == 0:
        raise ValueError("coefficients must have a last axis of length 2**n")
    n = _log2_length(c.shape[-1], "coefficients")
    C.require_memory(16 * c.size + 9 * 2**n, f"degree_weights(coefficients of shape {c.shape})",
                     "Process fewer functions at a time.")  # squares, their reordering, the degree order
    order, starts = _degree_order(n)
    sq = np.square(c)[..., order]
    return np.add.reduceat(sq, starts, axis=-1)


def low_degree_weight(coefficients, k):
    """``W^{≤k}[f] = Σ_{|S|≤k} f̂(S)²`` for an integer degree ``0 <= k <= n``."""
    w = degree_weights(coefficients)
    n = w.shape[-1] - 1
    k = C.integer(k, "k", minimum=0, maximum=n)
    return w[..., : k + 1].sum(axis=-1)


def character(n, S):
    """The character ``χ_S`` as a :class:`Parity` (``S`` a collection of distinct integer indices)."""
    return Parity(n, S)


def _index_set(S, name, n):
    """``S`` (an iterable of distinct integer indices in ``0..n-1``) as a sorted tuple."""
    if isinstance(S, (str, bytes)) or not isinstance(S, Iterable):
        raise TypeError(f"{name}={C.describe(S)} must be a collection of integer indices, e.g. [0, 2]")
    if isinstance(S, (np.ndarray, torch.Tensor)):
        S = C.real_array(S, name, kinds="iu", ndim=1, dtype=None).tolist()
    items = [C.integer(j, f"{name}[{pos}]") for pos, j in enumerate(S)]
    outside = [j for j in items if not 0 <= j < n]
    if outside:
        raise ValueError(f"{name}={items} contains {outside[0]}; indices must lie in 0..{n - 1} (n={n})")
    if len(set(items)) != len(items):
        raise ValueError(f"{name}={items} repeats an index; a set of distinct indices is required")
    return tuple(sorted(items))


# --------------------------------------------------------------------------------------------
# The catalogue of target functions
# --------------------------------------------------------------------------------------------


class BooleanFunction:
    """A function ``{±1}^n → {±1}`` (or ℝ): callable on arrays of shape ``(…, n)`` with ±1 entries.

    An abstract base: subclasses define ``_evaluate(x)`` on an int8 array of shape ``(rows, n)``.
    """

    name = "f"

    def __init__(self, n):
        if type(self) is BooleanFunction:
            raise TypeError("BooleanFunction is abstract: use a subclass such as Parity, Majority or "
                            "TruthTable")
        self.n = _check_n(n, limit=None)

    def _evaluate(self, x):  # x: int8 array (rows, n) with ±1 entries
        raise NotImplementedError(f"{type(self).__name__} must define _evaluate")

    def _evaluate_rows(self, x):
        """``_evaluate`` on the rows of a 2-d int8 array, ``_CHUNK_ROWS`` at a time (float64)."""
        out = np.empty(x.shape[0], dtype=np.float64)
        for start in range(0, x.shape[0], _CHUNK_ROWS):
            out[start:start + _CHUNK_ROWS] = self._evaluate(x[start:start + _CHUNK_ROWS])
        return out

    def __call__(self, x):
        """Values at the points ``x`` (array or tensor of shape ``(…, n)``, entries exactly ±1).

        A tensor gives a float64 tensor on its device; anything else a float64 array.
        """
        is_torch = isinstance(x, torch.Tensor)
        arr = C.pm1_points(x, "x", self.n)
        rows = arr.reshape(int(np.prod(arr.shape[:-1], dtype=np.int64)), self.n)  # (-1, 0) is ambiguous
        out = self._evaluate_rows(rows).reshape(arr.shape[:-1])
        return torch.as_tensor(out, device=x.device) if is_torch else out

    def truth_table(self):
        """Values on ``hypercube(n)`` in row order (float64, length ``2**n``).

        The cube is generated and evaluated a block of rows at a time, so the peak memory is the
        ``8·2**n``-byte output plus one block.
        """
        n = _check_n(self.n)
        out = np.empty(2**n, dtype=np.float64)
        for start in range(0, 2**n, _CHUNK_ROWS):
            stop = min(2**n, start + _CHUNK_ROWS)
            out[start:stop] = self._evaluate(_cube_rows(start, stop, n))
        return out

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
        self.S = _index_set(S, "S", self.n)
        self.degree = len(self.S)

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
            raise ValueError(f"n={self.n} must be odd for majority (no ties)")

    def _evaluate(self, x):
        return np.sign(x.sum(axis=-1, dtype=np.int64))


class Dictator(BooleanFunction):
    """``x ↦ x_i``."""

    name = "dictator"

    def __init__(self, n, i=0):
        super().__init__(n)
        if self.n < 1:
            raise ValueError(f"n={self.n} must be >= 1 for a dictator")
        self.i = C.integer(i, "i", minimum=0, maximum=self.n - 1)

    def _evaluate(self, x):
        return x[..., self.i]


class Staircase(BooleanFunction):
    """Boolean staircase: ``sign(x_0 + x_0x_1 + … + x_0⋯x_{k-1})`` for odd ``k ≤ n``.

    Majority of the ``k`` prefix products; its Fourier mass climbs the degrees one step at a time.
    """

    name = "staircase"

    def __init__(self, n, k=None):
        super().__init__(n)
        if self.n < 1:
            raise ValueError(f"n={self.n} must be >= 1 for a staircase")
        if k is None:  # the longest odd staircase that fits
            k = self.n if self.n % 2 else self.n - 1
        k = C.integer(k, "k", minimum=1, maximum=self.n)
        if k % 2 == 0:
            raise ValueError(f"k={k} must be odd with 1 <= k <= n={self.n}")
        self.k = k

    def _evaluate(self, x):
        prefix = np.cumprod(x[..., : self.k].astype(np.int64), axis=-1)
        return np.sign(prefix.sum(axis=-1))


class Tribes(BooleanFunction):
    """``Tribes_{w,s}``: ``-1`` (True) iff some block of ``w`` consecutive inputs is all ``-1``.

    ``n = w·s``. The ``-1 ↔ True`` convention follows O'Donnell (2014).
    """

    name = "tribes"

    def __init__(self, width, tribes):
        width = C.integer(width, "width", minimum=1)
        tribes = C.integer(tribes, "tribes", minimum=1)
        super().__init__(width * tribes)
        self.width, self.tribes = width, tribes

    def _evaluate(self, x):
        blocks = x.reshape(*x.shape[:-1], self.tribes, self.width)
        any_true = np.any(np.all(blocks == -1, axis=-1), axis=-1)
        return np.where(any_true, -1, 1)


class LinearThreshold(BooleanFunction):
    """``sign(w·x − θ)`` with ``sign(0) = +1``; default weights are seeded standard Gaussians.

    Parameters
    ----------
    n : int
        Number of inputs.
    weights : array_like of shape (n,), optional
        Real, finite weights (kept as a read-only copy); by default ``n`` standard Gaussians drawn
        from ``seed``.
    threshold : float
        The finite threshold ``θ``.
    seed : int
        Seed in ``[0, 2**64)`` of the default weights.
    """

    name = "threshold"

    def __init__(self, n, weights=None, threshold=0.0, seed=0):
        super().__init__(n)
        seed = C.seed(seed)
        threshold = C.number(threshold, "threshold")
        if weights is None:
            C.require_memory(8 * self.n, f"LinearThreshold(n={self.n})", "Use a smaller n.")
            weights = np.random.default_rng(seed).standard_normal(self.n)
        weights = C.real_array(weights, "weights", shape=(self.n,), copy=True)
        weights.setflags(write=False)
        self.weights, self.threshold = weights, threshold

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
            raise ValueError(f"n={self.n} must be even for the inner product mod 2")

    def _evaluate(self, x):
        h = self.n // 2
        both = (x[..., :h] == -1) & (x[..., h:] == -1)
        return 1 - 2 * (both.sum(axis=-1) % 2)


class TruthTable(BooleanFunction):
    """A function given by its values on ``hypercube(n)`` (row order).

    ``values``: real, finite, 1-d of length ``2**n`` (numpy or torch; integer or float). The object
    keeps a read-only float64 copy, so later changes to the caller's array do not change it.
    ``name``: an optional string.
    """

    name = "truth_table"

    def __init__(self, values, name=None):
        name = C.text(name, "name", allow_none=True)
        values = C.real_array(values, "values", kinds="iuf", ndim=1, copy=True)
        super().__init__(_log2_length(values.size))
        values.setflags(write=False)
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
        seed = C.seed(seed)
        C.require_memory(24 * 2**n, f"RandomBoolean(n={n})", _SAMPLE_HINT)
        values = 1.0 - 2.0 * np.random.default_rng(seed).integers(0, 2, size=2**n)
        super().__init__(values, name="random")
        self.seed = seed

    def __repr__(self):
        return f"random(n={self.n}, seed={self.seed})"


class Extended(BooleanFunction):
    """``f̄(x_1, …, x_N) = f(x_1, …, x_n)``: ``f`` on the first ``n`` of ``N ≥ n`` inputs."""

    def __init__(self, base, N):
        C.instance(base, "base", BooleanFunction)
        N = C.integer(N, "N", minimum=base.n)
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
    C.instance(f, "f", BooleanFunction)
    return Extended(f, N)
