"""The Fourier-degree bound: a small initial alignment forces a high Fourier degree.

Step 1 of the hardness proof of Abbe, Cornacchia, Hązła, Marquis (ICML 2022) reads
``W^{≤k}[f_n] ≤ O(n^{k+1}) · INAL(f_n, NN_n)``. For a first-layer neuron ``h = σ(w·x + b)`` with
i.i.d. symmetric weights the spectral identity (:func:`inal_utils.alignment.spectral_inal`)

    INAL₁(f) := E_θ[(E_x f h)²] = Σ_j W^{=j}[f] · A_j(n)

gives every degree separately: ``W^{=k}[f] ≤ INAL₁(f) / A_k(n)`` (all terms are ``≥ 0``). The
network's INAL is a maximum over neurons, hence ``≥ INAL₁``, so the per-degree bound holds with it too.

Contents
--------
* :func:`neuron_kernel`, :func:`exact_neuron_profile` — ``A_k(n)`` **exactly**, for any ``n``;
  defined in :mod:`inal_utils.expected` (the home of the exact theory) and re-exported here.
* :func:`per_degree_bound`, :func:`per_degree_slack`, :func:`degree_shares`, :func:`bound_ratio`,
  :func:`ratio_envelope` — the bound, how far from equality it is, and the ratio
  ``W^{≤k} / (n^{k+1} · INAL)``.
* :func:`degree_profile`, :func:`parity_mixture`, :func:`selector_mixture`,
  :func:`selector_mixture_weights` — degree profiles ``(W^{=k})_k`` and targets that mix parities
  of different degrees.
* :func:`layer_profiles` — the same per-degree profile for every layer of an initialised network.
* :func:`verification_table` — the bound checked over a catalogue of targets and several ``n``.
"""

from __future__ import annotations

import math
import numbers
from dataclasses import dataclass

import numpy as np

from . import _checks as C
from . import boolean as B
from .alignment import FourierProfile
from .expected import (  # re-exported: the exact profiles live in inal_utils.expected
    KERNEL_ACTIVATIONS,
    _int_in,
    exact_neuron_profile,
    neuron_kernel,
    spectral_inal,
    target_degree_weights,
)

__all__ = [
    "KERNEL_ACTIVATIONS",
    "VerificationRow",
    "VerificationTable",
    "bound_ratio",
    "degree_profile",
    "degree_shares",
    "exact_neuron_profile",
    "layer_profiles",
    "neuron_kernel",
    "parity_mixture",
    "per_degree_bound",
    "per_degree_slack",
    "ratio_envelope",
    "selector_mixture",
    "selector_mixture_weights",
    "verification_table",
]


# ------------------------------------------------------------------------------------------------
# validation
# ------------------------------------------------------------------------------------------------


def _as_profile(profile, name="profile"):
    """``A_k`` values (float64, 1-d, finite, ``>= 0``) from an array or a :class:`FourierProfile`."""
    if isinstance(profile, FourierProfile):
        profile = profile.values
    a = C.real_array(profile, name)
    if a.ndim != 1 or a.size < 2:
        raise ValueError(f"{name} must be 1-d A_k values for k = 0..n with n >= 1; got shape {a.shape}")
    if np.any(a < 0):
        raise ValueError(f"{name} must hold finite A_k >= 0 (expected squared Fourier coefficients); "
                         f"got min {a.min():.3g}")
    return a


def _as_weights(weights, name="weights"):
    w = C.real_array(weights, name)
    if w.ndim != 1 or w.size < 2:
        raise ValueError(f"{name} must be 1-d degree weights W^{{=k}} for k = 0..n with n >= 1; got shape {w.shape}")
    if np.any(w < 0):
        raise ValueError(f"{name} must hold finite W^{{=k}} >= 0 (sums of squared coefficients)")
    return w


def _check_same_n(weights, profile):
    if weights.size != profile.size:
        raise ValueError(
            f"weights has n={weights.size - 1} (length {weights.size}) but profile has n={profile.size - 1} "
            f"(length {profile.size}); both must describe degrees 0..n of the same n"
        )


def _check_inal(inal):
    return C.number(inal, "inal", minimum=0.0)


# ------------------------------------------------------------------------------------------------
# the bound, its slack and the ratio
# ------------------------------------------------------------------------------------------------


def per_degree_bound(inal, profile):
    """``INAL / A_k(n)`` for ``k = 0..n``: the largest ``W^{=k}[f]`` compatible with ``inal``.

    Valid for any ``inal`` at least the first-layer value ``Σ_j W^{=j} A_j`` (e.g. the network's
    INAL, a maximum over neurons). Degrees with ``A_k = 0`` get ``inf`` (no information).
    """
    inal = _check_inal(inal)
    a = _as_profile(profile)
    with np.errstate(divide="ignore", invalid="ignore"):
        return np.where(a > 0, inal / np.where(a > 0, a, 1.0), np.inf)


def per_degree_slack(weights, profile, inal=None):
    """``INAL / A_k − W^{=k}[f] ≥ 0`` for ``k = 0..n``; ``0`` where the per-degree bound is an equality.

    ``inal`` defaults to the exact first-layer value ``Σ_j W^{=j} A_j`` (then the slack at degree
    ``k`` is ``Σ_{j≠k} W^{=j} A_j / A_k``). ``inf`` where ``A_k = 0``.
    """
    w = _as_weights(weights)
    a = _as_profile(profile)
    _check_same_n(w, a)
    inal = spectral_inal(None, a, weights=w) if inal is None else _check_inal(inal)
    return per_degree_bound(inal, a) - w


def degree_shares(weights, profile):
    """``W^{=k} A_k / Σ_j W^{=j} A_j``: the fraction of the first-layer INAL carried by degree ``k``.

    The per-degree bound at ``k`` is an equality exactly when the share of ``k`` is 1.
    Raises ``ValueError`` if the first-layer INAL is 0 (no share is defined).
    """
    w = _as_weights(weights)
    a = _as_profile(profile)
    _check_same_n(w, a)
    parts = w * a
    total = parts.sum()
    if total <= 0:
        raise ValueError("the first-layer INAL Σ_k W^{=k} A_k is 0: shares are undefined")
    return parts / total


def bound_ratio(weights, inal, k):
    """``W^{≤k}[f] / (n^{k+1} · INAL)``: the constant hidden in ``W^{≤k} ≤ O(n^{k+1}) · INAL``.

    ``n = len(weights) − 1``. Returns ``inf`` when ``inal = 0`` and ``W^{≤k} > 0`` (the bound fails)
    and ``0`` when both vanish.
    """
    w = _as_weights(weights)
    n = w.size - 1
    k = _int_in(k, "k", 0, n)
    inal = _check_inal(inal)
    low = float(w[: k + 1].sum())
    if inal == 0:
        return math.inf if low > 0 else 0.0
    return low / (float(n) ** (k + 1) * inal)


def ratio_envelope(profile, k, *, n=None):
    """``max_f W^{≤k}[f] / (n^{k+1} · INAL₁(f))`` over all ``f ≠ 0``: ``1 / (n^{k+1} min_{j≤k} A_j)``.

    ``INAL₁ = Σ_j W^{=j} A_j ≥ W^{≤k} min_{j≤k} A_j``, and equality holds when all of ``f``'s weight
    sits on the degree ``j ≤ k`` with the smallest ``A_j`` — a parity of that degree attains it.
    ``inf`` if some ``A_j = 0`` with ``j ≤ k``. ``n`` defaults to ``len(profile) − 1``; pass it
    for a truncated profile (``exact_neuron_profile(n, k_max=k)``).
    """
    a = _as_profile(profile)
    n = a.size - 1 if n is None else _int_in(n, "n", a.size - 1)
    k = _int_in(k, "k", 0, a.size - 1)
    smallest = float(a[: k + 1].min())
    return math.inf if smallest == 0 else 1.0 / (float(n) ** (k + 1) * smallest)


# ------------------------------------------------------------------------------------------------
# degree profiles and mixtures of parities
# ------------------------------------------------------------------------------------------------


def degree_profile(f=None, *, coefficients=None):
    """``(W^{=k}[f])_{k=0..n}`` of a Boolean function, or of given Fourier coefficients.

    Parameters
    ----------
    f : BooleanFunction, optional
        A function of :mod:`inal_utils.boolean` (a truth table is ``boolean.TruthTable(values)``).
        An :class:`~inal_utils.boolean.Extended` function is handled without enumerating its cube
        (``W^{=k}[f̄] = W^{=k}[f]``, zero above ``f``'s own degree), so ``extend(f, n**2)`` works
        for any size.
    coefficients : array-like of length ``2**n``, optional
        Fourier coefficients ``f̂(S)`` in bitmask order, instead of ``f`` (keyword only, so that an
        array of values is never mistaken for coefficients).
    """
    if (f is None) == (coefficients is None):
        raise TypeError("give exactly one of f (a BooleanFunction) and coefficients= (Fourier coefficients)")
    if coefficients is not None:
        return B.degree_weights(C.real_array(coefficients, "coefficients", ndim=1))
    if isinstance(f, B.BooleanFunction):
        return target_degree_weights(f)  # closed forms where the structure allows, else the transform
    raise TypeError(f"f must be a BooleanFunction; got {C.describe(f)}. Wrap a truth table as "
                    "boolean.TruthTable(values), or pass Fourier coefficients as coefficients=")


def _check_degrees(degrees, n, name="degrees"):
    if isinstance(degrees, (str, bytes, dict, set)) or not hasattr(degrees, "__iter__"):
        raise TypeError(f"{name}={C.describe(degrees)} must be a non-empty sequence of degrees")
    out = [C.integer(d, f"{name}[i]", minimum=0, maximum=n) for d in degrees]
    if not out:
        raise ValueError(f"{name} must be a non-empty sequence of degrees")
    return out


def parity_mixture(n, degrees, weights=None, *, seed=0):
    """``f = Σ_i √p_i · χ_{S_i}`` with distinct random sets ``|S_i| = degrees[i]``: a real-valued target.

    Its degree profile is exact by construction, ``W^{=d}[f] = Σ_{i: degrees[i]=d} p_i``, and
    ``E f² = Σ p_i = 1``. Not ±1-valued unless a single parity is asked for (see
    :func:`selector_mixture` for a Boolean mixture).

    Parameters
    ----------
    n : int
        Number of inputs, ``1 <= n <= MAX_EXACT_N``.
    degrees : sequence of int
        Degree of each parity (repeats allowed, as long as enough distinct sets exist).
    weights : sequence of float, optional
        ``p_i >= 0`` (normalised to sum 1); equal by default.
    seed : int
        Seed for drawing the sets.

    Returns
    -------
    inal_utils.boolean.TruthTable
    """
    n = _int_in(n, "n", 1, B.MAX_EXACT_N)
    degrees = _check_degrees(degrees, n)
    p = np.ones(len(degrees)) if weights is None else C.real_array(weights, "weights", shape=(len(degrees),))
    if np.any(p < 0) or p.sum() <= 0:
        raise ValueError(f"weights must be {len(degrees)} finite numbers >= 0, not all 0; got {weights!r}")
    p = p / p.sum()
    rng = np.random.default_rng(C.seed(seed))
    chosen = set()
    coeffs = np.zeros(2**n)
    for d, pi in zip(degrees, p):
        if sum(1 for S in chosen if bin(S).count("1") == d) >= math.comb(n, d):
            raise ValueError(f"degrees asks for more distinct sets of size {d} than the C({n},{d}) that exist")
        while True:
            S = int(sum(1 << int(j) for j in rng.choice(n, size=d, replace=False)))
            if S not in chosen:
                break
        chosen.add(S)
        coeffs[S] = math.sqrt(pi)
    values = B.walsh_hadamard(coeffs)  # f(x) = Σ_S f̂(S) χ_S(x)
    return B.TruthTable(values, name="parity_mixture")


def _check_selector(n, degrees):
    n = _int_in(n, "n", 1, B.MAX_EXACT_N)
    if isinstance(degrees, (str, bytes, dict, set)) or not hasattr(degrees, "__len__"):
        raise TypeError(f"degrees={C.describe(degrees)} must be a sequence of 2**m degrees")
    r = len(degrees)
    if r < 2 or r & (r - 1):
        raise ValueError(f"degrees has {r} entries; a selector mixture needs 2**m entries with m >= 1")
    m = r.bit_length() - 1
    if any(isinstance(d, numbers.Integral) and not isinstance(d, bool) and d > n - m for d in degrees):
        raise ValueError(f"degrees={list(degrees)} asks for a parity of more than the n - m = {n - m} non-selector "
                         f"inputs (n={n}, m={m} selector bits)")
    degrees = _check_degrees(degrees, n - m)
    for d in set(degrees):
        if degrees.count(d) > math.comb(n - m, d):
            raise ValueError(f"degrees asks for {degrees.count(d)} distinct sets of size {d} among the first n - m = "
                             f"{n - m} inputs, but only C({n - m},{d}) = {math.comb(n - m, d)} exist")
    return n, m, degrees


def selector_mixture(n, degrees, *, seed=0):
    """A Boolean mixture of parities: ``m`` selector bits pick which parity is output.

    With ``len(degrees) = 2**m``, the last ``m`` inputs form an index ``y`` (bit ``i`` set when
    ``x_{n-m+i} = -1``) and ``f(x) = χ_{S_y}(x)`` with random sets ``S_y`` of size ``degrees[y]``
    among the first ``n − m`` inputs, **distinct** across branches (a repeated draw is redrawn; so
    ``degrees`` may repeat a degree ``d`` at most ``C(n − m, d)`` times). ``f`` is ±1-valued; its
    degree profile is :func:`selector_mixture_weights`.

    Returns
    -------
    inal_utils.boolean.TruthTable
    """
    n, m, degrees = _check_selector(n, degrees)
    rng = np.random.default_rng(C.seed(seed))
    sets, seen = [], set()
    for d in degrees:
        while True:  # distinct sets: the closed form of selector_mixture_weights assumes them
            S = rng.choice(n - m, size=d, replace=False)
            key = frozenset(int(i) for i in S)
            if key not in seen:
                break
        seen.add(key)
        sets.append(S)
    values = np.empty(2**n)
    block = 2**16
    for start in range(0, 2**n, block):  # blocks of cube rows: peak = output + one block
        X = B._cube_rows(start, min(start + block, 2**n), n)
        sel = ((X[:, n - m:] < 0).astype(np.int64) << np.arange(m)).sum(axis=1)
        for y, S in enumerate(sets):
            rows = sel == y
            values[start:start + X.shape[0]][rows] = np.prod(X[rows][:, S], axis=1)
    return B.TruthTable(values, name="selector_mixture")


def selector_mixture_weights(n, degrees):
    """Degree profile of :func:`selector_mixture` in closed form.

    ``1[selector = y] = 2^{-m} Σ_{T ⊆ sel} χ_T(y) χ_T(x)``, so ``f̂(S_y ∪ T) = ± 2^{-m}`` and each
    branch ``y`` spreads ``2^{-m}`` of the weight over degrees ``d_y + t`` binomially:
    ``W^{=d}[f] = 4^{-m} Σ_y C(m, d − d_y)``.
    """
    n, m, degrees = _check_selector(n, degrees)
    w = np.zeros(n + 1)
    for d in degrees:
        for t in range(m + 1):
            w[d + t] += math.comb(m, t) / 4**m
    return w


def layer_profiles(model, n):
    """Per layer, the mean over its neurons of ``ĥ_v(S)²`` for ``|S| = k``: ``(layers, n + 1)``.

    For one initialised network (a :func:`~inal_utils.networks.fully_connected` model or any module
    whose neurons :func:`~inal_utils.networks.neuron_outputs` finds), exact over the cube:
    row ``ℓ`` is ``W^{=k}[h_v] / C(n, k)`` averaged over the neurons ``v`` of layer ``ℓ`` (last row:
    the output neurons). Averaged over initialisations, row ``ℓ`` estimates the k-parity INAL of
    layer ``ℓ`` (input coordinates are exchangeable under an i.i.d. init); row 0 estimates the
    first-layer profile ``A_k(n)``. Computed in the model's dtype (use float64 to see exact zeros).
    """
    import torch

    from .networks import neuron_outputs

    from .networks import _module_data

    n = _int_in(n, "n", 1, B.MAX_EXACT_N)
    _module_data(model, "model")
    param = next(model.parameters(), None)
    if param is None:
        raise ValueError("model has no parameters; layer_profiles needs an initialised network")
    if not param.is_floating_point():
        raise TypeError(f"model has {param.dtype} parameters; a floating-point network is required")
    widths = [m.out_features for m in model.modules() if isinstance(m, torch.nn.Linear)]
    C.require_memory(2**n * (n + 2 * sum(widths) + 2) * 8, f"layer_profiles(n={n})",
                     "Use a smaller n (the profile of a neuron is exact over the cube, so it needs all 2**n points).")
    X = torch.as_tensor(B.hypercube(n), dtype=param.dtype, device=param.device)
    sizes = np.array([math.comb(n, k) for k in range(n + 1)], dtype=np.float64)
    with torch.no_grad():
        layers = neuron_outputs(model, X)
    return np.stack([B.degree_weights(B.fourier_coefficients(h.T.cpu().double())).mean(axis=0) / sizes
                     for h in layers])


# ------------------------------------------------------------------------------------------------
# the verification table
# ------------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class VerificationRow:
    """One target at one ``n``: its degree profile, exact first-layer INAL, ratios and slack."""

    target: str
    n: int
    weights: np.ndarray
    inal: float
    low: dict
    ratio: dict
    max_share: float
    holds: bool


class VerificationTable:
    """Rows of :func:`verification_table`; renders as an HTML table in notebooks and the book."""

    def __init__(self, rows, ks):
        self.rows, self.ks = list(rows), tuple(ks)

    def __len__(self):
        return len(self.rows)

    def __iter__(self):
        return iter(self.rows)

    @property
    def all_hold(self):
        """Whether the per-degree inequality held on every degree of every row."""
        return all(r.holds for r in self.rows)

    @property
    def targets(self):
        return list(dict.fromkeys(r.target for r in self.rows))

    @property
    def ns(self):
        return sorted({r.n for r in self.rows})

    def column(self, name, k=None):
        """Values of one column (``"inal"``, ``"max_share"``, ``"low"`` or ``"ratio"`` with ``k``) in row order."""
        if name in ("low", "ratio"):
            if isinstance(k, bool) or k not in self.ks:
                raise ValueError(f"k={k!r} must be one of the table's degrees {self.ks}")
            return np.array([getattr(r, name)[k] for r in self.rows])
        if not isinstance(name, str) or name not in ("inal", "max_share", "n"):
            raise ValueError(f"name={name!r} must be one of 'inal', 'max_share', 'n', 'low', 'ratio'")
        return np.array([getattr(r, name) for r in self.rows])

    def max_ratio(self, k):
        """``{n: (largest ratio at degree k, the target attaining it)}``."""
        if isinstance(k, bool) or k not in self.ks:
            raise ValueError(f"k={k!r} must be one of the table's degrees {self.ks}")
        best = {}
        for r in self.rows:
            if r.n not in best or r.ratio[k] > best[r.n][0]:
                best[r.n] = (r.ratio[k], r.target)
        return dict(sorted(best.items()))

    def headers(self):
        return (["target", "n"] + [f"W≤{k}" for k in self.ks] + ["INAL₁"]
                + [f"W≤{k}/(n^{k + 1}·INAL₁)" for k in self.ks] + ["max share", "bound holds"])

    def table_rows(self):
        return [[r.target, r.n] + [r.low[k] for k in self.ks] + [r.inal] + [r.ratio[k] for k in self.ks]
                + [r.max_share, "yes" if r.holds else "NO"] for r in self.rows]

    def _repr_html_(self):
        from .book import Table

        return Table(self.headers(), self.table_rows())._repr_html_()

    def __repr__(self):
        from .book import Table

        return repr(Table(self.headers(), self.table_rows()))


def verification_table(targets, ns, profile, *, ks=(1, 2, 3), rtol=1e-9):
    """Check ``W^{=k} ≤ INAL₁/A_k`` and tabulate ``W^{≤k}/(n^{k+1}·INAL₁)`` over targets × ``n``.

    Parameters
    ----------
    targets : mapping of str to callable
        ``name → factory(n)`` returning a :class:`~inal_utils.boolean.BooleanFunction` on ``n``
        inputs (or ``None`` to skip that ``n``).
    ns : sequence of int
        Input dimensions.
    profile : callable
        ``profile(n)`` → ``A_k(n)`` for ``k = 0..n`` (an array or a
        :class:`~inal_utils.alignment.FourierProfile`); called once per ``n`` and shared by every
        target — e.g. ``lambda n: exact_neuron_profile(n)``.
    ks : sequence of int
        Degrees at which ``W^{≤k}`` and the ratio are reported.
    rtol : float
        Relative tolerance of the per-degree check (floating-point rounding only).

    Returns
    -------
    VerificationTable
    """
    if not hasattr(targets, "items") or not targets:
        raise ValueError("targets must be a non-empty mapping name → factory(n)")
    for name, factory in targets.items():
        C.function(factory, f"targets[{name!r}]", "a factory n -> BooleanFunction")
    for value, what in ((ks, "ks"), (ns, "ns")):
        if isinstance(value, (str, bytes, dict, set)) or not hasattr(value, "__iter__"):
            raise TypeError(f"{what}={C.describe(value)} must be a sequence of integers")
    C.function(profile, "profile", "a function n -> A_k(n), e.g. exact_neuron_profile")
    rtol = C.number(rtol, "rtol", minimum=0.0)
    ks = tuple(_int_in(k, "ks[i]", 0) for k in ks)
    ns = [_int_in(n, "ns[i]", 1) for n in ns]
    for n in ns:
        if n < max(ks, default=0):
            raise ValueError(f"ns[i]={n} is below the largest degree in ks={ks}; every n must be >= max(ks)")
    rows = []
    for n in ns:
        try:
            values = profile(n)
        except (ValueError, TypeError) as err:
            raise type(err)(f"profile({n}) failed for ns[i]={n}: {err}") from None
        a = _as_profile(values, f"profile({n})")
        if a.size != n + 1:
            raise ValueError(f"profile({n}) has length {a.size}; n + 1 = {n + 1} values A_0..A_n are needed")
        for name, factory in targets.items():
            f = factory(n)
            if f is None:
                continue
            if not isinstance(f, B.BooleanFunction):
                raise TypeError(f"targets[{name!r}]({n}) returned {C.describe(f)}; a BooleanFunction (or None) is "
                                "required")
            if f.n != n:
                raise ValueError(f"targets[{name!r}]({n}) has n={f.n}; expected n={n}")
            w = degree_profile(f)
            inal = spectral_inal(None, a, weights=w)
            holds = bool(np.all(w * a <= inal * (1 + rtol)))
            shares = degree_shares(w, a) if inal > 0 else np.zeros_like(w)
            rows.append(VerificationRow(
                target=name, n=n, weights=w, inal=inal,
                low={k: float(w[: k + 1].sum()) for k in ks},
                ratio={k: bound_ratio(w, inal, k) for k in ks},
                max_share=float(shares.max()), holds=holds,
            ))
    return VerificationTable(rows, ks)
