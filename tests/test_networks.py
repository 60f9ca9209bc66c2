"""Tests for :mod:`inal_utils.networks` against independent computations.

References: sample moments with standard errors (Monte Carlo over many seeds), explicit iteration
through a Sequential's modules, the definition of the symmetric initialisation, and counts of
weights read off each layer's shape.
"""

import math

import numpy as np
import pytest
import torch
from hypothesis import given
from hypothesis import strategies as st
from torch import nn

from inal_utils.networks import (Elementwise, Sign, count_edges, fully_connected, init_linear, make_activation,
                                  neuron_outputs, symmetrize)


def linears(model):
    return [m for m in model if isinstance(m, nn.Linear)]


def test_architecture_and_fan_in():
    model = fully_connected(5, [7, 3], activation="tanh")
    shapes = [tuple(m.weight.shape) for m in linears(model)]
    assert shapes == [(7, 5), (3, 7), (1, 3)]
    assert [type(m) for m in model] == [nn.Linear, nn.Tanh, nn.Linear, nn.Tanh, nn.Linear]


@pytest.mark.parametrize("init", ["gaussian", "rademacher"])
def test_weight_and_bias_variances_by_monte_carlo(init):
    """Var w = 1/fan_in in every layer (output included), E w = 0, Var b = bias_std²."""
    n, widths, bias_std = 6, [40, 20], 0.7
    ws = [[] for _ in range(3)]
    bs = [[] for _ in range(3)]
    for seed in range(60):
        for l, m in enumerate(linears(fully_connected(n, widths, bias_std=bias_std, init=init, seed=seed))):
            ws[l].append(m.weight.detach().double().flatten())
            bs[l].append(m.bias.detach().double().flatten())
    for l, fan_in in enumerate([n] + widths):
        w = torch.cat(ws[l]).numpy()
        se_var = np.sqrt(np.var(w**2) / w.size)
        assert abs(np.mean(w**2) - 1 / fan_in) < 4 * se_var + 1e-6 / fan_in  # (float32 rounding)
        assert abs(np.mean(w)) < 4 * np.std(w) / math.sqrt(w.size)
        b = torch.cat(bs[l]).numpy()
        assert abs(np.mean(b**2) - bias_std**2) < 4 * np.sqrt(np.var(b**2) / b.size)


def test_rademacher_values_are_plus_minus_one_over_root_fan_in():
    model = fully_connected(9, [16], init="rademacher", seed=0)
    for m, fan_in in zip(linears(model), [9, 16]):
        np.testing.assert_allclose(m.weight.detach().abs().numpy(), 1 / math.sqrt(fan_in), rtol=1e-6)
        assert (m.weight > 0).any() and (m.weight < 0).any()


def test_gaussian_weights_are_gaussian():
    """Fourth moment 3σ⁴ distinguishes Gaussian from Rademacher (1σ⁴)."""
    w = torch.cat([fully_connected(4, [500], seed=s)[0].weight.detach().double().flatten() for s in range(20)])
    kurt = float((w**4).mean() / (w**2).mean() ** 2)
    assert abs(kurt - 3) < 0.2


def test_bias_std_zero_means_no_bias():
    model = fully_connected(5, [8, 4], bias_std=0.0, seed=1)
    assert all(m.bias is None for m in linears(model))
    x = torch.zeros(3, 5)
    assert torch.equal(model(x), torch.zeros(3, 1))  # ReLU(0) = 0 everywhere


def test_seed_is_deterministic():
    a, b = fully_connected(5, [8], seed=3), fully_connected(5, [8], seed=3)
    assert all(torch.equal(p, q) for p, q in zip(a.parameters(), b.parameters()))
    c = fully_connected(5, [8], seed=4)
    assert not torch.equal(a[0].weight, c[0].weight)


def test_seeded_construction_leaves_the_global_generator_alone():
    state = torch.random.get_rng_state()
    fully_connected(5, [8], seed=3)
    assert torch.equal(torch.random.get_rng_state(), state)


@given(st.integers(1, 8), st.sampled_from([[2], [4, 6], [3, 2, 4]]), st.sampled_from(["relu", "sign", "tanh"]),
       st.integers(0, 1000))
def test_symmetric_network_is_identically_zero(n, widths, activation, seed):
    model = fully_connected(n, widths, activation=activation, symmetric=True, seed=seed)
    x = torch.randn(64, n)
    assert torch.allclose(model(x), torch.zeros(64, 1), atol=1e-6)
    hidden, out = linears(model)[-2:]
    half = widths[-1] // 2
    assert torch.equal(hidden.weight[:half], hidden.weight[half:])
    assert torch.equal(hidden.bias[:half], hidden.bias[half:])
    assert torch.equal(out.weight[:, :half], -out.weight[:, half:])


def test_symmetric_network_keeps_neurons_alive():
    model = fully_connected(6, [8], symmetric=True, seed=0)
    h = neuron_outputs(model, torch.randn(100, 6))[0]
    assert h.abs().sum() > 0
    assert count_edges(model) == 6 * 8 + 8


def test_neuron_outputs_on_a_custom_sequential():
    torch.manual_seed(0)
    model = nn.Sequential(nn.Linear(4, 5), nn.Tanh(), nn.Dropout(0.0), nn.Linear(5, 3), nn.GELU(),
                          nn.Identity(), nn.Linear(3, 2))
    x = torch.randn(7, 4)
    got = neuron_outputs(model, x)
    h1 = torch.tanh(model[0](x))
    h2 = nn.functional.gelu(model[3](h1))
    want = [h1, h2, model[6](h2)]
    assert [tuple(t.shape) for t in got] == [(7, 5), (7, 3), (7, 2)]
    for g, w in zip(got, want):
        torch.testing.assert_close(g, w)


def test_neuron_outputs_of_fully_connected_match_explicit_iteration():
    model = fully_connected(5, [6, 4], activation="sign", seed=2)
    x = torch.randn(9, 5)
    got = neuron_outputs(model, x)
    h, want = x, []
    for m in model:
        h = m(h)
        if not isinstance(m, nn.Linear):
            want.append(h)
    want.append(h)
    assert len(got) == 3
    for g, w in zip(got, want):
        torch.testing.assert_close(g, w)
    assert set(torch.unique(got[0]).tolist()) <= {-1.0, 0.0, 1.0}


def test_hooks_are_removed():
    model = fully_connected(3, [4], seed=0)
    neuron_outputs(model, torch.randn(2, 3))
    assert all(not m._forward_hooks for m in model.modules())


def test_activations_and_count_edges():
    assert isinstance(make_activation("sign"), Sign)
    assert isinstance(make_activation(nn.ELU), nn.ELU)
    act = make_activation(lambda t: t**2)
    torch.testing.assert_close(act(torch.tensor([2.0, -3.0])), torch.tensor([4.0, 9.0]))
    assert count_edges(fully_connected(10, [20, 30], out_features=2)) == 10 * 20 + 20 * 30 + 30 * 2
    model = fully_connected(4, [3], activation=torch.sin, dtype=torch.float64)
    assert model[0].weight.dtype == torch.float64


@pytest.mark.parametrize("kwargs, error, match", [
    ({"n": 0, "widths": [4]}, ValueError, "n=0"),
    ({"n": 3.5, "widths": [4]}, TypeError, "n=3.5"),
    ({"n": 4, "widths": []}, ValueError, "at least one hidden layer"),
    ({"n": 4, "widths": [4, 0]}, ValueError, "widths"),
    ({"n": 4, "widths": [7], "symmetric": True}, ValueError, "widths\\[-1\\]=7 must be even"),
    ({"n": 4, "widths": [4], "activation": "swish"}, ValueError, "activation='swish'"),
    ({"n": 4, "widths": [4], "activation": 3}, TypeError, "activation=3"),
    ({"n": 4, "widths": [4], "init": "uniform"}, ValueError, "init='uniform'"),
    ({"n": 4, "widths": [4], "bias_std": -1.0}, ValueError, "bias_std=-1.0"),
    ({"n": 4, "widths": [4], "out_features": 0}, ValueError, "out_features=0"),
])
def test_bad_inputs(kwargs, error, match):
    with pytest.raises(error, match=match):
        fully_connected(**kwargs)


# ------------------------------------------------------------------------------------------------
# regressions: bad input (each case returned a number, or raised something else, before the fix)
# ------------------------------------------------------------------------------------------------


@pytest.mark.parametrize("bias_std", [float("inf"), float("nan"), -0.5])
def test_bias_std_must_be_finite_and_non_negative(bias_std):
    """bias_std=inf gave infinite biases and NaN outputs."""
    with pytest.raises(ValueError, match="bias_std"):
        fully_connected(3, [4], bias_std=bias_std, seed=0)
    with pytest.raises(ValueError, match="bias_std"):
        init_linear(nn.Linear(3, 4), bias_std=bias_std)


@pytest.mark.parametrize("seed, error", [(-1, ValueError), (2**64, ValueError), (2.5, TypeError), (True, TypeError),
                                         ("3", TypeError)])
def test_fully_connected_seed_is_a_non_negative_integer(seed, error):
    """seed=-1 was accepted, 2.5 truncated to 2, and 2**64 overflowed inside torch (RuntimeError)."""
    with pytest.raises(error, match="seed"):
        fully_connected(3, [4], seed=seed)


def test_fully_connected_accepts_numpy_and_large_seeds():
    a = fully_connected(3, [4], seed=np.int64(5))
    b = fully_connected(3, [4], seed=5)
    assert all(torch.equal(p, q) for p, q in zip(a.parameters(), b.parameters()))
    fully_connected(3, [4], seed=2**64 - 1)


@pytest.mark.parametrize("kwargs, error, match", [
    ({"dtype": torch.int64}, TypeError, "dtype"),
    ({"dtype": "float32"}, TypeError, "dtype"),
    ({"symmetric": "yes"}, TypeError, "symmetric"),
    ({"widths": "44"}, TypeError, "widths"),
    ({"widths": [4.0]}, TypeError, "widths\\[0\\]"),
    ({"n": True}, TypeError, "n=True"),
    ({"widths": [10**6, 10**6]}, ValueError, "smaller widths"),
])
def test_fully_connected_refuses_before_building(kwargs, error, match):
    """Integer dtypes failed inside torch; "yes" was a truthy symmetric; huge widths hit the allocator."""
    args = {"n": 3, "widths": [4], "seed": 0} | kwargs
    with pytest.raises(error, match=match):
        fully_connected(**args)


@pytest.mark.filterwarnings("ignore:Initializing zero-element tensors")
def test_init_linear_refuses_wrong_objects_and_empty_fan_in():
    with pytest.raises(TypeError, match="layer"):
        init_linear(lambda: nn.Linear(3, 4))
    with pytest.raises(ValueError, match="in_features=0"):  # was ZeroDivisionError
        init_linear(nn.Linear(0, 3))
    with pytest.raises(TypeError, match="generator"):
        init_linear(nn.Linear(3, 4), generator=0)
    with pytest.raises(ValueError, match="meta"):
        init_linear(nn.Linear(3, 4, device="meta"))


def test_count_edges_and_symmetrize_refuse_wrong_objects():
    """A factory instead of a module raised AttributeError; odd widths a shape RuntimeError."""
    factory = lambda: fully_connected(3, [4])  # noqa: E731
    with pytest.raises(TypeError, match="model"):
        count_edges(factory)
    with pytest.raises(TypeError, match="model"):
        symmetrize(factory)
    with pytest.raises(ValueError, match="even"):
        symmetrize(fully_connected(3, [5], seed=0))
    with pytest.raises(ValueError, match="1 nn.Linear"):
        symmetrize(nn.Sequential(nn.Linear(3, 1)))


def test_symmetrize_works_on_any_module_with_two_linears():
    model = nn.Sequential(nn.Sequential(nn.Linear(3, 4), nn.ReLU()), nn.Linear(4, 1))
    symmetrize(model)
    torch.testing.assert_close(model(torch.randn(5, 3)), torch.zeros(5, 1), atol=1e-6, rtol=0)


def test_neuron_outputs_refuses_bad_batches():
    model = fully_connected(3, [4], seed=0)
    with pytest.raises(ValueError, match="x\\[None\\]"):  # one point used to be read as 3 batch rows
        neuron_outputs(model, torch.ones(3))
    with pytest.raises(TypeError, match="float64"):  # was torch's dtype RuntimeError
        neuron_outputs(model, torch.ones(2, 3, dtype=torch.float64))
    with pytest.raises(ValueError, match="4 columns"):
        neuron_outputs(model, torch.ones(2, 4))
    with pytest.raises(ValueError, match="batch >= 1"):
        neuron_outputs(model, torch.ones(0, 3))
    with pytest.raises(ValueError, match="finite"):
        neuron_outputs(model, torch.tensor([[1.0, float("nan"), 0.0]]))
    with pytest.raises(TypeError, match="x"):
        neuron_outputs(model, np.ones((2, 3), dtype=np.float32))
    with pytest.raises(TypeError, match="floating"):
        neuron_outputs(model, torch.ones(2, 3, dtype=torch.int64))
    with pytest.raises(TypeError, match="model"):
        neuron_outputs(lambda: model, torch.ones(2, 3))


def test_neuron_outputs_refuses_meta():
    with pytest.raises(ValueError, match="meta"):
        neuron_outputs(fully_connected(3, [4], seed=0).to("meta"), torch.ones(2, 3))
    with pytest.raises(ValueError, match="meta"):
        neuron_outputs(fully_connected(3, [4], seed=0), torch.ones(2, 3, device="meta"))


def test_neuron_outputs_refuses_a_network_that_computes_nan():
    """An activation such as log (or an infinite bias) gave NaN neurons without complaint."""
    model = fully_connected(3, [4], activation=torch.log, seed=0)
    with pytest.raises(ValueError, match="non-finite values in layer 0"):
        neuron_outputs(model, torch.tensor([[1.0, -1.0, 1.0], [-1.0, -1.0, -1.0]]))


def test_elementwise_needs_a_callable():
    with pytest.raises(TypeError, match="fn"):
        Elementwise(3)
