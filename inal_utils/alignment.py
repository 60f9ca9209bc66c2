"""Initial alignment (INAL) between a target function and a randomly initialised network.

For a target ``f : {±1}^n → {±1}`` under the uniform input law and a network ``NN_θ`` with random
initialisation ``θ ~ P_0`` (Abbe, Cornacchia, Hązła, Marquis, ICML 2022)::

    INAL(f, NN) = max_v E_θ[ (E_x f(x) · h_v(x))² ]

where ``v`` runs over every neuron (hidden and output) and ``h_v`` is its output. The square sits
inside the expectation over ``θ``. Neurons of one layer are exchangeable, so each layer's squared
correlations are averaged before the maximum over layers.

Contents
--------
* :func:`inal` — the estimator for any network factory, exact over the cube or from sampled
  inputs (unbiased U-statistic), Monte Carlo over initialisations with standard errors.
* :func:`neuron_fourier_profile`, :func:`neuron_degree_profile` — ``A_k(n) = E[ĥ(S)²]`` for
  ``|S| = k`` of first-layer neurons, exact over inputs and Monte Carlo over the weights.

What INAL *should* be — the exact expectations :func:`expected_inal`, :func:`spectral_inal`,
:func:`profile_constant` and the exact profiles — lives in :mod:`inal_utils.expected`; those three
names are re-exported here.
"""

from __future__ import annotations

import math
import numbers
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field

import numpy as np
import torch
from torch import nn

from . import _checks as C
from . import boolean as B
from .expected import _check_bias_std, _int_at_least, expected_inal, profile_constant, spectral_inal
from .networks import Elementwise as _Elementwise
from .networks import Sign as _Sign
from .networks import make_activation, neuron_outputs

__all__ = [
    "FourierProfile",
    "InalResult",
    "expected_inal",
    "inal",
    "neuron_degree_profile",
    "neuron_fourier_profile",
    "profile_constant",
    "spectral_inal",
]

#: Largest number of tensor elements one chunk of work may hold (bounds memory for any ``n``).
CHUNK_ELEMENTS = 2**20
#: Most initialisations one call accepts (each is a network object in memory).
MAX_N_INIT = 10**5
#: Most neuron evaluations ``n_init × points`` one call accepts (``2**40``: hours on a CPU).
MAX_EVALUATIONS = 2**40


# ------------------------------------------------------------------------------------------------
# input validation
# ------------------------------------------------------------------------------------------------


def _check_exact_n(n, name="n"):
    if n > B.MAX_EXACT_N:
        raise ValueError(
            f"{name}={n} is too large to enumerate the cube exactly (2**{n} points); exact mode "
            f"allows at most {name}={B.MAX_EXACT_N}. Sample inputs with inputs=N to estimate from N sampled "
            "inputs (or use a smaller n)."
        )
    return n


def _cube_rows(n, start, stop, dtype=torch.float64, device=None):
    """Rows ``start..stop-1`` of :func:`inal_utils.boolean.hypercube` (same order), as a tensor."""
    idx = torch.arange(start, stop, device=device, dtype=torch.int64)
    bits = (idx[:, None] >> torch.arange(n, device=device, dtype=torch.int64)) & 1
    return (1 - 2 * bits).to(dtype)


def _cube_preactivations(weights, biases):
    """``w·x + b`` on every point of the cube, in hypercube order, without building the cube.

    ``weights`` has shape ``(M, n)`` and ``biases`` ``(M,)``; returns ``(M, 2**n)``. Built by
    doubling: the points whose bit ``j`` is set (``x_j = -1``) follow those where it is clear, so
    after step ``j`` the table is ``[P + w_j, P - w_j]`` — ``2·2**n`` additions per neuron.
    """
    table = biases[:, None]
    for j in range(weights.shape[1]):
        wj = weights[:, j : j + 1]
        table = torch.cat([table + wj, table - wj], dim=1)
    return table


# ------------------------------------------------------------------------------------------------
# the Fourier profile of one first-layer neuron
# ------------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class FourierProfile:
    """``A_k(n) = E_θ[ĥ(S)²]`` for ``|S| = k``, ``k = 0..n``, of one first-layer neuron.

    Attributes
    ----------
    n : int
        Input dimension.
    samples : numpy.ndarray, shape ``(n_init, n + 1)``
        Per initialisation, the mean of ``ĥ(S)²`` over the ``C(n, k)`` sets of size ``k``
        (exact over inputs). These are i.i.d. across rows.
    activation, bias_std, init : str, float, str
        The neuron's law, for the record.

    ``values`` (the mean over initialisations), ``stderr`` (its standard error) and ``degrees``
    (``0..n``) are derived; ``values, stderr = profile`` also works.
    """

    n: int
    samples: np.ndarray = field(repr=False)
    activation: str = "relu"
    bias_std: float = 1.0
    init: str = "gaussian"

    def __post_init__(self):
        n = C.integer(self.n, "n", minimum=1)
        samples = C.real_array(self.samples, "samples", ndim=2, copy=True)
        if samples.shape[1] != n + 1:
            raise ValueError(f"samples has shape {samples.shape}; n={n} needs n + 1 = {n + 1} columns (degrees 0..n)")
        if samples.shape[0] < 2:
            raise ValueError(f"samples has {samples.shape[0]} rows; at least 2 initialisations are needed "
                             "(for the standard error)")
        if np.any(samples < 0):
            raise ValueError("samples has negative entries; they are means of squared coefficients (>= 0)")
        samples.setflags(write=False)
        object.__setattr__(self, "n", n)
        object.__setattr__(self, "samples", samples)

    @property
    def n_init(self):
        return self.samples.shape[0]

    @property
    def degrees(self):
        return np.arange(self.n + 1)

    @property
    def values(self):
        return self.samples.mean(axis=0)

    @property
    def stderr(self):
        return self.samples.std(axis=0, ddof=1) / math.sqrt(self.n_init)

    def __iter__(self):
        yield self.values
        yield self.stderr

    def __repr__(self):
        return (f"FourierProfile(n={self.n}, n_init={self.n_init}, activation={self.activation!r}, "
                f"bias_std={self.bias_std}, init={self.init!r})")


def _activation_fn(activation):
    """A function tensor → tensor for ``activation`` (name, module, class or callable)."""
    module = make_activation(activation)
    return module


def _activation_name(activation):
    return activation if isinstance(activation, str) else getattr(activation, "__name__", type(activation).__name__)


@torch.no_grad()
def neuron_degree_profile(weights, biases=None, *, activation="relu"):
    """Mean of ``ĥ(S)²`` over ``|S| = k`` for each of several given first-layer neurons.

    Exact over the cube: the neuron's truth table ``σ(w·x + b)`` is transformed with
    :func:`~inal_utils.boolean.walsh_hadamard`, squared, summed per degree with
    :func:`~inal_utils.boolean.degree_weights` and divided by ``C(n, k)``.

    Parameters
    ----------
    weights : array-like or torch.Tensor, shape ``(M, n)``
        One row per neuron.
    biases : array-like, shape ``(M,)``, optional
        Zero when omitted.
    activation : str, nn.Module or callable
        As in :func:`inal_utils.networks.fully_connected`.

    Returns
    -------
    numpy.ndarray, shape ``(M, n + 1)`` (float64)
    """
    W = C.real_array(weights, "weights")
    if W.ndim != 2 or W.shape[0] < 1 or W.shape[1] < 1:
        raise ValueError(f"weights must have shape (M, n) with M, n >= 1; got shape {W.shape}")
    M, n = W.shape
    _check_exact_n(n)
    W = torch.as_tensor(W)
    b = torch.zeros(M, dtype=torch.float64) if biases is None else torch.as_tensor(
        C.real_array(biases, "biases", shape=(M,)))
    if not isinstance(activation, str):
        C.function(activation, "activation", "an activation name, nn.Module or function of a tensor")
    act = _activation_fn(activation)
    sizes = np.array([math.comb(n, k) for k in range(n + 1)], dtype=np.float64)
    out = np.empty((M, n + 1))
    step = max(1, CHUNK_ELEMENTS // 2**n)
    for i in range(0, M, step):
        h = act(_cube_preactivations(W[i : i + step], b[i : i + step]))
        if not isinstance(h, torch.Tensor) or not bool(torch.isfinite(h).all()):
            raise ValueError(f"activation={_activation_name(activation)!r} returned non-finite values (or not a "
                             "tensor) on the cube; use an activation that is finite on every pre-activation")
        out[i : i + step] = B.degree_weights(B.fourier_coefficients(h)) / sizes
    return out


def neuron_fourier_profile(n, *, activation="relu", bias_std=1.0, n_init, seed=0, init="gaussian"):
    """``A_k(n) = E_θ[ĥ(S)²]`` for ``|S| = k``, ``k = 0..n``, of one neuron ``h(x) = σ(w·x + b)``.

    Weights ``w_i`` i.i.d. ``N(0, 1/n)`` (or ``±1/√n`` with ``init="rademacher"``), bias
    ``b ~ N(0, bias_std²)`` — the first layer of :func:`inal_utils.networks.fully_connected`.
    Exact over inputs (the transform of the neuron's truth table, in float64), Monte Carlo over
    ``n_init`` independent draws of ``(w, b)``; each draw is averaged over all ``C(n, k)`` sets of
    size ``k`` (exchangeability), which makes the estimate far less noisy than a single ``ĥ(S)²``.

    Parameters
    ----------
    n : int
        Input dimension, ``1 <= n <= MAX_EXACT_N``.
    activation : str, nn.Module or callable
        ``"relu"`` (default), ``"sign"``, ``"tanh"``, ... (see :func:`~inal_utils.networks.make_activation`).
    bias_std : float
        Standard deviation of the bias; ``0`` for a bias-free neuron.
    n_init : int
        Number of initialisations, ``2 <= n_init <= MAX_N_INIT`` (and ``n_init · 2**n <= 2**40``).
    seed : int
        Seed of the private generator, in ``[0, 2**64)``.
    init : {"gaussian", "rademacher"}
        Law of the weights.

    Returns
    -------
    FourierProfile
        ``.values`` (``A_k``, shape ``(n+1,)``), ``.stderr``, ``.samples`` (per initialisation).
    """
    n = _int_at_least(n, "n", 1)
    _check_exact_n(n)
    n_init = C.integer(n_init, "n_init", minimum=2, maximum=MAX_N_INIT)
    bias_std = _check_bias_std(bias_std)
    seed = C.seed(seed)
    if init not in ("gaussian", "rademacher"):
        raise ValueError(f"init={init!r} is not known; use 'gaussian' or 'rademacher'")
    _check_evaluations(n_init, 2**n, f"neuron_fourier_profile(n={n}, n_init={n_init})")
    gen = torch.Generator().manual_seed(seed)
    if init == "gaussian":
        W = torch.randn((n_init, n), generator=gen, dtype=torch.float64) / math.sqrt(n)
    else:
        W = (torch.randint(0, 2, (n_init, n), generator=gen).to(torch.float64) * 2 - 1) / math.sqrt(n)
    b = torch.randn(n_init, generator=gen, dtype=torch.float64) * bias_std
    samples = neuron_degree_profile(W, b, activation=activation)
    return FourierProfile(n, samples, _activation_name(activation), bias_std, init)


# ------------------------------------------------------------------------------------------------
# INAL of a whole network
# ------------------------------------------------------------------------------------------------

#: Rows of sampled inputs drawn per (initialisation, block) from ``default_rng([seed, i, block])``;
#: fixed so that the inputs do not depend on how the work is chunked.
SAMPLE_BLOCK = 4096

#: Activation modules applied elementwise (any shape) — the fast path stacks initialisations.
_ELEMENTWISE = (nn.ReLU, nn.Tanh, nn.Sigmoid, nn.GELU, nn.SiLU, nn.ELU, nn.LeakyReLU, nn.Softplus,
                nn.Hardtanh, nn.Identity)


@dataclass(frozen=True)
class InalResult:
    """The INAL estimate and its per-layer ingredients.

    Attributes
    ----------
    value, stderr : float
        ``max_l`` of the per-layer estimates, and the standard error of that layer's estimate
        (over initialisations; the max of estimates is itself biased upward by at most a few
        standard errors when layers are close).
    layer : int
        Index of the layer attaining the maximum (``0..depth-1`` hidden, ``depth`` the output).
    layer_values, layer_stderr : numpy.ndarray, shape ``(n_layers,)``
        ``E_θ[(E_x f h_v)²]`` per layer (averaged over the layer's exchangeable neurons).
    layer_widths : tuple of int
    samples : numpy.ndarray, shape ``(n_init, n_layers)``
        Per initialisation, the mean over each layer's neurons of the squared correlation
        (exact) or of its unbiased U-statistic (sampled). Rows are i.i.d.
    inputs : "exact" or int
    """

    value: float
    stderr: float
    layer: int
    layer_values: np.ndarray = field(repr=False)
    layer_stderr: np.ndarray = field(repr=False)
    layer_widths: tuple = ()
    samples: np.ndarray = field(repr=False, default=None)
    inputs: object = "exact"

    @property
    def n_init(self):
        return self.samples.shape[0]

    @property
    def layer_names(self):
        depth = len(self.layer_widths) - 1
        return tuple(f"hidden {l + 1}" for l in range(depth)) + ("output",)

    @classmethod
    def from_samples(cls, samples, widths, inputs):
        """The result from per-initialisation samples ``(n_init >= 2, layers)``, layer widths and ``inputs``."""
        if isinstance(widths, (str, bytes, dict, set)) or not hasattr(widths, "__len__"):
            raise TypeError(f"widths={C.describe(widths)} must be a sequence of layer widths")
        widths = tuple(C.integer(w, "widths[i]", minimum=1) for w in widths)
        if not widths:
            raise ValueError("widths must name at least one layer")
        samples = C.real_array(samples, "samples", ndim=2, shape=(None, len(widths)), copy=True)
        if samples.shape[0] < 2:
            raise ValueError(f"samples has {samples.shape[0]} rows; at least 2 initialisations are needed "
                             "(for the standard error)")
        if not (inputs == "exact" if isinstance(inputs, str) else False):
            if isinstance(inputs, str):
                raise ValueError(f"inputs={inputs!r} must be 'exact' or an integer N >= 2")
            inputs = C.integer(inputs, "inputs", minimum=2)
        samples.setflags(write=False)
        values = samples.mean(axis=0)
        stderr = samples.std(axis=0, ddof=1) / math.sqrt(samples.shape[0])
        best = int(np.argmax(values))
        return cls(float(values[best]), float(stderr[best]), best, values, stderr, tuple(widths), samples, inputs)

    def __repr__(self):
        return (f"InalResult(value={self.value:.4g}, stderr={self.stderr:.2g}, layer={self.layer} "
                f"({self.layer_names[self.layer]}), n_init={self.n_init}, inputs={self.inputs!r})")


def _check_evaluations(n_init, points, what):
    """Refuse up front a request of more than :data:`MAX_EVALUATIONS` neuron evaluations."""
    if n_init * points > MAX_EVALUATIONS:
        raise ValueError(f"{what} evaluates every neuron on n_init × points = {n_init * points:.3g} inputs, more "
                         f"than the {MAX_EVALUATIONS:.3g} allowed (hours of work); use fewer initialisations "
                         "(n_init) or a smaller inputs=N sample")


def _target_n(target):
    n = getattr(target, "n", None)
    if not callable(target) or isinstance(n, bool) or not isinstance(n, numbers.Integral) or n < 1:
        raise TypeError(
            f"target={target!r} must be a Boolean function from inal_utils.boolean or a callable on ±1 "
            "arrays of shape (..., n) with an integer attribute .n >= 1"
        )
    return int(n)


def _target_values(target, X):
    """``f(x)`` for int8 points ``X`` (shape ``(..., n)``), checked to be ±1."""
    vals = np.asarray(target(X.reshape(-1, X.shape[-1])), dtype=np.float64).reshape(X.shape[:-1])
    bad = np.abs(vals) != 1
    if np.any(bad):
        raise ValueError(
            f"target must take values in {{-1, +1}}; got {vals[bad].flat[0]!r} (INAL is defined for "
            "Boolean targets: threshold or rescale real-valued ones first)"
        )
    return vals


def _draw_models(network, n_init, seed):
    """Call the factory ``n_init`` times with torch's global generator seeded (state restored after)."""
    from .networks import _module_data

    if isinstance(network, nn.Module) or not callable(network):
        raise TypeError(
            f"network must be a zero-argument factory returning a freshly initialised nn.Module "
            f"(e.g. lambda: fully_connected(n, [64])); got {type(network).__name__}"
        )
    with torch.random.fork_rng(devices=[]):
        torch.manual_seed(int(seed))
        models = [network() for _ in range(n_init)]
    if not isinstance(models[0], nn.Module):
        raise TypeError(f"network() returned {type(models[0]).__name__}; it must return a torch.nn.Module")
    for model in models[:2]:
        _module_data(model, "network()")
    p0 = [p.detach() for p in models[0].parameters()]
    p1 = [p.detach() for p in models[1].parameters()]
    if p0 and len(p0) == len(p1) and all(a.shape == b.shape and torch.equal(a, b) for a, b in zip(p0, p1)):
        raise ValueError(
            "network() returned identical parameters on two calls: the factory must draw a fresh "
            "initialisation each call (e.g. fully_connected(..., seed=None), which uses torch's "
            "generator; inal seeds it from `seed`)"
        )
    return [m.eval() for m in models]


def _sequential_plan(models):
    """Stacked weights when every model is ``Sequential(Linear, act, …, Linear)``; else ``None``."""
    first = models[0]
    if type(first) is not nn.Sequential:
        return None
    mods = list(first)
    if len(mods) < 3 or len(mods) % 2 == 0:
        return None
    for i, m in enumerate(mods):
        if i % 2 == 0 and not isinstance(m, nn.Linear):
            return None
        if i % 2 == 1 and not (
            isinstance(m, _ELEMENTWISE + (_Sign, _Elementwise)) and not list(m.parameters())
        ):
            return None
    shapes = [tuple(p.shape) for p in first.parameters()]
    for model in models[1:]:
        if type(model) is not nn.Sequential or [type(m) for m in model] != [type(m) for m in mods]:
            return None
        if [tuple(p.shape) for p in model.parameters()] != shapes:
            return None
    linears = []
    for i in range(0, len(mods), 2):
        W = torch.stack([model[i].weight.detach() for model in models])
        b = None if mods[i].bias is None else torch.stack([model[i].bias.detach() for model in models])
        linears.append((W, b))
    return linears, [mods[i] for i in range(1, len(mods), 2)]


def _apply_(act, t):
    """``act(t)``, in place for the common activations."""
    if isinstance(act, nn.ReLU):
        return t.clamp_(min=0)
    if isinstance(act, _Sign):
        return t.sign_()
    if isinstance(act, nn.Tanh):
        return t.tanh_()
    return act(t)


def _power_of_two_at_most(x):
    return 1 << max(0, int(x).bit_length() - 1)


#: Bytes of one working buffer in the exact hot loop (sized to stay in a core's L2 cache).
HOT_BYTES = 2**20


def _low_table(W, L):
    """``(2**L, M)`` table of ``Σ_{j<L} w_j x_j`` over the low ``L`` input bits (hypercube order)."""
    return _cube_preactivations(W[:, :L], torch.zeros(W.shape[0], dtype=W.dtype, device=W.device)).T.contiguous()


def _group_offsets(W, b, L, g0, g1, n):
    """``(g1 - g0, M)`` offsets ``b + Σ_{j≥L} w_j x_j`` for the cube blocks ``g0..g1-1`` (high bits)."""
    if n == L:
        return b[None, :].expand(g1 - g0, -1)
    Xh = _cube_rows(n - L, g0, g1, dtype=W.dtype, device=W.device)
    return torch.addmm(b[None, :], Xh, W[:, L:].T)


def _exact_first_layer(W, b, act, F, n):
    """``Σ_x f(x) σ(w·x + b)`` for each row of ``W`` (shape ``(M, n)``): one cache-sized block.

    Pre-activations on the cube block ``g`` (high bits fixed) are ``low + offset_g``, with ``low``
    a ``(2**L, M)`` table over the low bits built once. For ReLU, ``relu(t + o) = max(t, -o) + o``
    turns add-then-clamp into one pass, and ``Σ_x f(x) o`` is added once per block.
    """
    M = W.shape[0]
    R = min(2**n, _power_of_two_at_most(max(1, HOT_BYTES // (W.element_size() * M))))
    L = R.bit_length() - 1
    low, groups = _low_table(W, L), 2 ** (n - L)
    buf, acc = torch.empty_like(low), torch.zeros(M, dtype=W.dtype, device=W.device)
    Fg = F.view(groups, R)
    relu = isinstance(act, nn.ReLU)
    per_batch = max(1, HOT_BYTES // (W.element_size() * M))
    for g0 in range(0, groups, per_batch):
        g1 = min(groups, g0 + per_batch)
        offsets = _group_offsets(W, b, L, g0, g1, n)
        if relu:
            acc.addmv_(offsets.T, Fg[g0:g1].sum(dim=1))
            offsets = offsets.neg()
        for j in range(g1 - g0):
            if relu:
                torch.maximum(low, offsets[j], out=buf)
            else:
                _apply_(act, torch.add(low, offsets[j], out=buf))
            acc.addmv_(buf.T, Fg[g0 + j])
    return acc


def _exact_deep(linears, acts, F, n):
    """Per-layer ``Σ_x f(x) h_v(x)`` for a block of initialisations of a network with ≥ 2 hidden layers."""
    (W1, b1), hidden = linears[0], linears[1:-1]
    I, m1, _ = W1.shape
    M = I * m1
    widest = max(W.shape[1] for W, _ in linears[:-1])
    R = min(2**n, _power_of_two_at_most(max(1, HOT_BYTES // (W1.element_size() * I * widest))))
    L = R.bit_length() - 1
    W1f = W1.reshape(M, n)
    b1f = torch.zeros(M, dtype=W1.dtype, device=W1.device) if b1 is None else b1.reshape(M)
    low, groups = _low_table(W1f, L), 2 ** (n - L)
    sums = [torch.zeros(I, W.shape[1], dtype=W1.dtype, device=W1.device) for W, _ in linears[:-1]]
    Fg = F.view(groups, R)
    per_batch = max(1, HOT_BYTES // (W1.element_size() * M))
    for g0 in range(0, groups, per_batch):
        g1 = min(groups, g0 + per_batch)
        offsets = _group_offsets(W1f, b1f, L, g0, g1, n)
        for j in range(g1 - g0):
            f = Fg[g0 + j]
            h = _apply_(acts[0], low + offsets[j])  # (R, M)
            sums[0] += torch.mv(h.T, f).view(I, m1)
            H = h.view(R, I, m1).transpose(0, 1)  # (I, R, m1)
            for l, (W, b) in enumerate(hidden, start=1):
                pre = torch.bmm(H, W.transpose(1, 2))
                H = _apply_(acts[l], pre if b is None else pre.add_(b[:, None, :]))
                sums[l] += torch.matmul(f, H)
    return sums


def _blocks(total, size):
    return [slice(i, min(total, i + size)) for i in range(0, total, size)]


@torch.no_grad()
def _exact_sequential(linears, acts, F, n):
    """Exact per-layer mean squared correlations ``(I,)`` for the stacked plan.

    Work is split into independent blocks (first-layer neurons for one hidden layer; whole
    initialisations otherwise) run by ``torch.get_num_threads()`` Python threads, each with
    single-threaded torch ops on cache-sized buffers: no OpenMP barrier per small operation, which
    matters on small, shared machines. On a GPU the blocks run in turn.
    """
    W1, b1 = linears[0]
    I, m1, _ = W1.shape
    cpu = W1.device.type == "cpu"
    workers = torch.get_num_threads() if cpu else 1
    if len(linears) == 2:
        M = I * m1
        W1f = W1.reshape(M, n)
        b1f = torch.zeros(M, dtype=W1.dtype, device=W1.device) if b1 is None else b1.reshape(M)
        # columns per block: at least 64 rows of the cube per buffer, and work for every worker
        size = max(1, min(HOT_BYTES // (W1.element_size() * min(64, 2**n)), -(-M // workers)))
        jobs = [lambda s=s: _exact_first_layer(W1f[s], b1f[s], acts[0], F, n) for s in _blocks(M, size)]
        combine = lambda parts: [torch.cat(parts).view(I, m1)]  # noqa: E731
    else:
        size = max(1, -(-I // workers)) if cpu else I
        jobs = [lambda s=s: _exact_deep([(W[s], None if b is None else b[s]) for W, b in linears], acts, F, n)
                for s in _blocks(I, size)]
        combine = lambda parts: [torch.cat([p[l] for p in parts]) for l in range(len(parts[0]))]  # noqa: E731
    if workers > 1 and len(jobs) > 1:
        threads = torch.get_num_threads()
        torch.set_num_threads(1)
        try:
            with ThreadPoolExecutor(max_workers=workers) as pool:
                parts = list(pool.map(lambda job: job(), jobs))
        finally:
            torch.set_num_threads(threads)
    else:
        parts = [job() for job in jobs]
    sums = combine(parts)
    corr = [s / 2**n for s in sums]
    W_out, b_out = linears[-1]
    out = torch.bmm(W_out, corr[-1][:, :, None])[:, :, 0]
    if b_out is not None:
        out = out + b_out * F.mean()
    return [c.square().mean(dim=1) for c in corr + [out]]


def _sampled_blocks(target, n, I, N, seed):
    """Yield ``(X, F)`` blocks of fresh inputs per initialisation: X int8 ``(I, r, n)``, F ``(I, r)``."""
    for j, start in enumerate(range(0, N, SAMPLE_BLOCK)):
        r = min(SAMPLE_BLOCK, N - start)
        X = np.stack([(1 - 2 * np.random.default_rng([int(seed), i, j]).integers(0, 2, (r, n))).astype(np.int8)
                      for i in range(I)])
        yield X, _target_values(target, X)


def _u_statistic(S, Q, N, unbiased=True):
    """Unbiased estimate of ``(E z)²`` from ``S = Σ z_i`` and ``Q = Σ z_i²`` over ``N`` i.i.d. draws.

    With ``unbiased=False``, the plain square of the sample mean ``(S/N)²``, whose expectation is
    ``(E z)² + Var(z)/N`` (kept for demonstrations of that bias).
    """
    if not unbiased:
        return (S / N).square()
    return (S.square() - Q) / (N * (N - 1))


@torch.no_grad()
def _sampled_sequential(linears, acts, target, n, N, seed, dtype, device, unbiased):
    I = linears[0][0].shape[0]
    widest = max(W.shape[1] for W, _ in linears)
    R = max(1, CHUNK_ELEMENTS // (I * widest))
    S = [torch.zeros(I, W.shape[1], dtype=dtype, device=device) for W, _ in linears]
    Q = [torch.zeros_like(s) for s in S]
    for X, F in _sampled_blocks(target, n, I, N, seed):
        Xt = torch.as_tensor(X, device=device).to(dtype).transpose(1, 2)  # (I, n, r)
        Ft = torch.as_tensor(F, device=device).to(dtype)  # (I, r)
        for r0 in range(0, Xt.shape[2], R):
            H, f = Xt[:, :, r0 : r0 + R], Ft[:, None, r0 : r0 + R]
            for l, (W, b) in enumerate(linears):
                pre = torch.bmm(W, H) if b is None else torch.baddbmm(b[:, :, None], W, H)
                H = _apply_(acts[l], pre) if l < len(acts) else pre
                S[l] += (H * f).sum(dim=2)
                Q[l] += H.square().sum(dim=2)  # f² = 1
    return [_u_statistic(s, q, N, unbiased).mean(dim=1) for s, q in zip(S, Q)]


@torch.no_grad()
def _generic(models, target, F, n, N, seed, dtype, device, unbiased):
    """Any nn.Module: neurons from :func:`inal_utils.networks.neuron_outputs`, one model at a time."""
    for model in models:
        model.to(device=device, dtype=dtype)
    probe = neuron_outputs(models[0], _cube_rows(n, 0, 2, dtype=dtype, device=device))
    widths = [t.shape[1] for t in probe]
    R = max(2, _power_of_two_at_most(max(1, CHUNK_ELEMENTS // max(widths))))
    per_init = []
    exact = N is None
    blocks = None if exact else list(_sampled_blocks(target, n, len(models), N, seed))
    for i, model in enumerate(models):
        S = [torch.zeros(w, dtype=dtype, device=device) for w in widths]
        Q = [torch.zeros_like(s) for s in S]
        if exact:
            chunks = ((_cube_rows(n, r0, min(2**n, r0 + R), dtype, device), F[r0 : r0 + R])
                      for r0 in range(0, 2**n, R))
        else:
            chunks = ((torch.as_tensor(X[i, r0 : r0 + R], device=device).to(dtype),
                       torch.as_tensor(Fb[i, r0 : r0 + R], device=device).to(dtype))
                      for X, Fb in blocks for r0 in range(0, X.shape[1], R))
        for x, f in chunks:
            for l, h in enumerate(neuron_outputs(model, x)):
                S[l] += f @ h
                if not exact:
                    Q[l] += h.square().sum(dim=0)
        if exact:
            per_init.append([(s / 2**n).square().mean() for s in S])
        else:
            per_init.append([_u_statistic(s, q, N, unbiased).mean() for s, q in zip(S, Q)])
    return [torch.stack([row[l] for row in per_init]) for l in range(len(widths))], widths


def _input_size(model):
    for m in model.modules():
        if isinstance(m, nn.Linear):
            return m.in_features
    return None


def inal(target, network, *, n_init, inputs="exact", seed=0, device=None, dtype=torch.float64, unbiased=True):
    """Estimate ``INAL(f, NN) = max_v E_θ[(E_x f(x) h_v(x))²]`` with standard errors.

    Parameters
    ----------
    target : BooleanFunction or callable
        ``f : {±1}^n → {±1}``: a function from :mod:`inal_utils.boolean`, or any callable on int8
        arrays of shape ``(batch, n)`` with ±1 entries and an attribute ``.n``.
    network : callable
        Zero-argument factory returning a freshly initialised :class:`torch.nn.Module` that maps
        ``(batch, n)`` to ``(batch, out)``. It is called ``n_init`` times with torch's global generator
        seeded from ``seed`` (its state is restored afterwards), so factories that draw from it —
        e.g. ``lambda: fully_connected(n, [64], seed=None)`` — are reproducible. Neurons are found as
        in :func:`inal_utils.networks.neuron_outputs`: the outputs of every activation (leaf module
        other than ``Linear``/containers/dropout), one layer per module, then the network's output.
    n_init : int
        Number of initialisations, ``2 <= n_init <= MAX_N_INIT``.
    inputs : "exact" or int
        ``"exact"`` enumerates the cube (``n <= MAX_EXACT_N``), in chunks of bounded memory.
        An integer ``N >= 2`` draws ``N`` fresh uniform inputs per initialisation and estimates each
        squared correlation by the unbiased U-statistic ``(S² − Σ z_i²)/(N(N − 1))``,
        ``z_i = f(x_i) h(x_i)``, ``S = Σ z_i`` (the plain square of the sample mean is biased upward
        by ``Var(z)/N``). Being unbiased, this estimate **can be negative** when the true value is
        below its noise (``.value < 0`` then means "indistinguishable from 0 at this N"); it is not
        clipped, so that averages over seeds stay unbiased. ``n_init · N`` (or ``n_init · 2**n`` in
        exact mode) is at most :data:`MAX_EVALUATIONS`.
    seed : int
        Seeds the initialisations and the sampled inputs; an integer in ``[0, 2**64)``.
    device : str or torch.device, optional
        Where to compute; default the device of the network's parameters.
    dtype : torch.dtype
        Arithmetic precision. ``float64`` (default) keeps exact mode exact to ~1e-16 relative, which
        INAL values as small as 1e-30 (full parities) need; ``float32`` is about twice as fast and
        adequate for INAL ≳ 1e-10.
    unbiased : bool
        Sampled mode only: ``False`` replaces the U-statistic by the plain square of the sample
        mean, biased upward by ``Var(z)/N`` — for demonstrating that bias, not for use.

    Returns
    -------
    InalResult
        ``.value``, ``.stderr``, ``.layer_values``, ``.layer_stderr``, ``.layer`` (argmax), ...

    Notes
    -----
    Networks that are ``nn.Sequential(Linear, act, …, Linear)`` with elementwise activations take a
    fast path: all initialisations are stacked into batched products; in exact mode the first
    layer's pre-activations on a block of the cube are a fixed table over the low input bits plus
    one offset per block (no ``X @ W`` product), and the output neurons' correlations follow by
    linearity from the last hidden layer's. Any other module is evaluated one initialisation at a
    time with forward hooks.
    """
    n = _target_n(target)
    n_init = C.integer(n_init, "n_init", minimum=2, maximum=MAX_N_INIT)
    if isinstance(inputs, str):
        if inputs != "exact":
            raise ValueError(f"inputs={inputs!r} must be 'exact' or an integer number of samples N >= 2")
        N = None
        _check_exact_n(n)
    else:
        N = C.integer(inputs, "inputs", minimum=2)
    seed = C.seed(seed)
    if dtype not in (torch.float32, torch.float64):
        raise ValueError(f"dtype={dtype!r} must be torch.float32 or torch.float64")
    unbiased = C.flag(unbiased, "unbiased")
    if device is not None:
        device = C.device(device)
    _check_evaluations(n_init, 2**n if N is None else N, f"inal(n={n}, n_init={n_init}, inputs={inputs!r})")
    models = _draw_models(network, n_init, seed)
    n_in = _input_size(models[0])
    if n_in is not None and n_in != n:
        raise ValueError(f"target has n={n} inputs but the network's first layer takes {n_in} inputs")
    if device is None:
        device = next((p.device for p in models[0].parameters()), torch.device("cpu"))
    device = torch.device(device)
    F = None
    if N is None:
        table = np.concatenate([_target_values(target, _cube_rows(n, r0, min(2**n, r0 + 2**20), torch.int8).numpy())
                                for r0 in range(0, 2**n, 2**20)])
        F = torch.as_tensor(table, device=device).to(dtype)
    plan = _sequential_plan(models)
    if plan is not None:
        linears = [(W.to(device, dtype), None if b is None else b.to(device, dtype)) for W, b in plan[0]]
        widths = [W.shape[1] for W, _ in linears]
        if N is None:
            per_layer = _exact_sequential(linears, plan[1], F, n)
        else:
            per_layer = _sampled_sequential(linears, plan[1], target, n, N, seed, dtype, device, bool(unbiased))
    else:
        if N is not None:  # the generic path keeps every initialisation's sample (int8 points, float labels)
            C.require_memory(n_init * N * (n + 8), f"inal(n={n}, n_init={n_init}, inputs={N}) of a generic module",
                             "Use a smaller inputs=N or fewer initialisations.")
        try:
            per_layer, widths = _generic(models, target, F, n, N, seed, dtype, device, bool(unbiased))
        except RuntimeError as err:
            raise ValueError(f"network() could not be evaluated on inputs of shape (batch, n={n}): {err}") from err
    samples = torch.stack(per_layer, dim=1).cpu().numpy()
    return InalResult.from_samples(samples, widths, "exact" if N is None else N)
