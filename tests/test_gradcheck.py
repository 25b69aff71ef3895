"""Backpropagation checked against central finite differences."""

from __future__ import annotations

import numpy as np
import pytest

from mlp_core import MLP
from mlp_core.gradcheck import GradCheckRow, gradient_check, relative_error


def tiny_problem(biases: bool, seed: int = 3):
    """A 6-5-4 network on 7 random examples, weights large enough that every
    gradient entry is far above the loss's rounding noise."""
    rng = np.random.default_rng(seed)
    model = MLP(
        rng.normal(0, 0.8, (6, 5)),
        rng.normal(0, 0.8, (5, 4)),
        rng.normal(0, 0.3, 5) if biases else None,
        rng.normal(0, 0.3, 4) if biases else None,
    )
    x = rng.normal(0, 1, (7, 6))
    labels = rng.integers(0, 4, 7)
    return model, x, labels


def worst(rows: list[GradCheckRow]) -> float:
    return max(r.rel_error for r in rows)


@pytest.mark.parametrize("biases", [False, True])
@pytest.mark.parametrize("l2", [0.0, 0.1])
def test_every_entry_of_every_parameter(biases, l2):
    model, x, labels = tiny_problem(biases)
    rows = gradient_check(model, x, labels, l2=l2, n_samples=None)
    expected = {"W_h": 30, "W_o": 20} | ({"b_h": 5, "b_o": 4} if biases else {})
    counts = {name: sum(r.param == name for r in rows) for name in expected}
    assert counts == expected
    assert len(rows) == sum(expected.values())
    # some of the hidden pre-activations are negative, so ReLU's mask is exercised
    assert (x @ model.W_h + (model.b_h if biases else 0) < 0).any()
    assert worst(rows) < 1e-6, [r for r in rows if r.rel_error >= 1e-6]


@pytest.mark.parametrize("biases", [False, True])
def test_sampled_weights_on_real_digits(mnist, biases):
    model = MLP.create(24, init="he", seed=5, biases=biases)
    if biases:  # non-zero biases, so their gradients are checked away from the initial point
        model.b_h[:] = np.linspace(-0.1, 0.1, 24)
        model.b_o[:] = np.linspace(-0.2, 0.2, 10)
    rows = gradient_check(model, mnist.x_train[:8], mnist.y_train[:8], n_samples=12, seed=1)
    assert {r.param for r in rows} == set(model.params())
    assert all(r.analytic != 0 for r in rows if r.param == "W_h")  # blank pixels are skipped
    assert worst(rows) < 1e-6


def test_a_wrong_backward_is_caught(monkeypatch):
    model, x, labels = tiny_problem(biases=True)
    right = MLP.backward

    def forgets_the_relu_mask(self, cache, labels, **kw):
        grads = right(self, cache, labels, **kw)
        delta_1 = cache.y_hat.copy()
        delta_1[np.arange(len(labels)), labels] -= 1
        delta_1 /= len(labels)
        grads["W_h"] = cache.x.T @ (delta_1 @ self.W_o.T)  # no (*) ReLU'(z)
        return grads

    monkeypatch.setattr(MLP, "backward", forgets_the_relu_mask)
    rows = gradient_check(model, x, labels, n_samples=None)
    worst = {name: max(r.rel_error for r in rows if r.param == name) for name in model.params()}
    assert worst["W_h"] > 1e-2
    assert worst["W_o"] < 1e-6


def test_l2_left_out_of_backward_is_caught():
    model, x, labels = tiny_problem(biases=False)
    rows = gradient_check(model, x, labels, l2=0.1, n_samples=None)
    assert worst(rows) < 1e-6
    # the loss with l2 differentiated as if there were none: analytic without, numeric with
    plain = {(r.param, r.index): r.analytic for r in gradient_check(model, x, labels, n_samples=None)}
    errors = [relative_error(plain[(r.param, r.index)], r.numeric) for r in rows]
    assert max(errors) > 1e-3


def test_rows_are_deterministic_and_leave_the_model_alone(mnist):
    model = MLP.create(16, init="he", seed=2, biases=True, dtype="float32")
    before = {k: v.copy() for k, v in model.params().items()}
    a = gradient_check(model, mnist.x_train[:5], mnist.y_train[:5], n_samples=4, seed=7)
    b = gradient_check(model, mnist.x_train[:5], mnist.y_train[:5], n_samples=4, seed=7)
    c = gradient_check(model, mnist.x_train[:5], mnist.y_train[:5], n_samples=4, seed=8)
    assert a == b
    assert [r.index for r in a] != [r.index for r in c]
    assert all(isinstance(r, GradCheckRow) for r in a)
    assert len(a) == 16
    for r in a:
        assert len(r.index) == model.params()[r.param].ndim
        assert r.rel_error == relative_error(r.analytic, r.numeric)
    for name, value in model.params().items():
        assert value.dtype == np.float32
        assert np.array_equal(value, before[name])


def test_relative_error():
    assert relative_error(0.0, 0.0) == 0.0
    assert relative_error(1.0, 1.0) == 0.0
    assert relative_error(1.0, -1.0) == 1.0
    assert relative_error(3.0, 1.0) == pytest.approx(0.5)


def test_bad_arguments_raise():
    model, x, labels = tiny_problem(biases=False)
    with pytest.raises(ValueError, match="n_samples"):
        gradient_check(model, x, labels, n_samples=0)
    with pytest.raises(ValueError, match="eps"):
        gradient_check(model, x, labels, eps=0.0)
