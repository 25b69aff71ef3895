"""mlp_core.walkthrough: the numbers the Maths page shows for one digit are MLP's own,
the gradient check agrees, the SGD step helps, and the tiny network can be done by hand."""

from __future__ import annotations

import math

import numpy as np
import pytest

from mlp_core import MLP, as_float
from mlp_core.functions import cross_entropy_sum, loss_from_scores
from mlp_core.gradcheck import gradient_check, precise_loss
from mlp_core.walkthrough import (
    TINY_LABEL,
    TINY_X,
    example_losses,
    instructive_index,
    sgd_step,
    tiny_model,
    tiny_walk,
    walk,
)


@pytest.fixture(scope="module")
def model() -> MLP:
    """A fresh float32 model with biases (Xavier weights, so z and the gradients are of a useful size)."""
    return MLP.create(32, init="xavier", seed=3, biases=True, dtype="float32")


@pytest.fixture(scope="module")
def sure_model(mnist) -> MLP:
    """A float64 model that is very sure of most digits: trained a little, then W_o scaled up
    (the scores grow, softmax saturates, E and the gradients shrink towards 1e-6 and below)."""
    m = MLP.create(32, seed=1)
    x = as_float(mnist.x_train[:1000], np.float64)
    y = mnist.y_train[:1000].astype(int)
    for _ in range(5):
        for i in range(0, 1000, 100):
            _, cache = m.forward(x[i : i + 100])
            for name, g in m.backward(cache, y[i : i + 100]).items():
                getattr(m, name)[...] -= 0.5 * g
    m.W_o *= 3
    return m


def digit(mnist, i: int) -> tuple[np.ndarray, int]:
    return as_float(mnist.x_test[i], np.float64), int(mnist.y_test[i])


@pytest.mark.parametrize("i", [0, 1, 7])
def test_walk_equals_mlp_forward_backward_deltas(model, mnist, i):
    x, label = digit(mnist, i)
    w = walk(model, x, label)
    m = model.astype(np.float64)
    y_hat, cache = m.forward(x[None, :])
    d1, d2 = m.deltas(cache, np.array([label]))
    grads = m.backward(cache, np.array([label]))
    np.testing.assert_array_equal(w.x, x)
    np.testing.assert_array_equal(w.z, cache.z[0])
    np.testing.assert_array_equal(w.h, cache.h[0])
    np.testing.assert_array_equal(w.theta, cache.theta[0])
    np.testing.assert_array_equal(w.y_hat, y_hat[0])
    np.testing.assert_array_equal(w.delta_1, d1[0])
    np.testing.assert_array_equal(w.delta_2, d2[0])
    np.testing.assert_array_equal(w.dW_o, grads["W_o"].T)  # maths layout (10, H)
    np.testing.assert_array_equal(w.dW_h, grads["W_h"].T)  # maths layout (H, 784)
    np.testing.assert_array_equal(w.db_o, grads["b_o"])
    np.testing.assert_array_equal(w.db_h, grads["b_h"])
    loss = w.E
    assert loss == pytest.approx(-math.log(y_hat[0, label]), rel=1e-12)
    assert loss == pytest.approx(m.loss(x[None, :], np.array([label])), rel=1e-15)
    assert w.label == label and w.y[label] == 1 and w.y.sum() == 1
    assert w.relu_off == int((cache.z[0] <= 0).sum())
    assert w.prediction == int(np.argmax(y_hat[0]))


def test_walk_is_the_derivation_in_formulas(model, mnist):
    """The cached numbers satisfy the column-vector formulas of the notebook."""
    x, label = digit(mnist, 3)
    w = walk(model, x, label)
    m = model.astype(np.float64)
    np.testing.assert_allclose(w.z, w.W_h @ x + m.b_h, rtol=1e-12)
    np.testing.assert_allclose(w.h, np.maximum(w.z, 0))
    np.testing.assert_allclose(w.theta, w.W_o @ w.h + m.b_o, rtol=1e-12)
    np.testing.assert_allclose(w.y_hat, np.exp(w.theta) / np.exp(w.theta).sum(), rtol=1e-12)
    np.testing.assert_allclose(w.delta_1, w.y_hat - w.y, atol=1e-15)
    np.testing.assert_allclose(w.delta_2, (w.delta_1 @ w.W_o) * (w.z > 0), atol=1e-15)
    np.testing.assert_allclose(w.dW_o, np.outer(w.delta_1, w.h), atol=1e-15)  # delta_1^T h^T
    np.testing.assert_allclose(w.dW_h, np.outer(w.delta_2, x), atol=1e-15)  # delta_2^T x^T
    shapes = w.shapes()
    assert shapes["W_h"] == w.W_h.shape == (32, 784) and shapes["dW_h"] == w.dW_h.shape
    assert shapes["W_o"] == w.W_o.shape == (10, 32) and shapes["dW_o"] == w.dW_o.shape
    assert shapes["delta_1"] == (1, 10) and shapes["delta_2"] == (1, 32)


def test_walk_leaves_the_model_alone_and_computes_in_float64(model, mnist):
    before = {k: v.copy() for k, v in model.params().items()}
    for k in before:
        model.params()[k].flags.writeable = False  # like the shared bundled model
    try:
        x, label = digit(mnist, 5)
        w = walk(model, x, label)
        sgd_step(model, x, label, 0.5)
        gradient_check(model, x, label)
    finally:
        for k in before:
            model.params()[k].flags.writeable = True
    for k, v in model.params().items():
        np.testing.assert_array_equal(v, before[k])
        assert v.dtype == np.float32
    assert w.z.dtype == w.dW_h.dtype == np.float64


def test_walk_rejects_bad_input(model):
    with pytest.raises(ValueError, match="784"):
        walk(model, np.zeros(10), 0)
    with pytest.raises(ValueError, match="label"):
        walk(model, np.zeros(784), 10)
    with pytest.raises(ValueError, match="NaN"):
        walk(model, np.full(784, np.nan), 1)
    with pytest.raises(ValueError, match="learning rate"):
        sgd_step(model, np.zeros(784), 1, 0.0)


@pytest.mark.parametrize("i", range(6))
def test_gradient_check_agrees_on_the_real_network(model, mnist, i):
    x, label = digit(mnist, i)
    rows = gradient_check(model, x, label, n_samples=5, seed=i)
    assert {r.param for r in rows} == {"W_h", "b_h", "W_o", "b_o"}
    assert len(rows) == 20
    assert max(r.rel_error for r in rows) < 1e-6
    w = walk(model, x, label)
    for r in rows:  # the analytic column is the page's gradient, indexed in the maths layout
        full = {"W_h": w.dW_h, "W_o": w.dW_o, "b_h": w.db_h, "b_o": w.db_o}[r.param]
        assert r.analytic == full[r.index]
        assert r.analytic != 0


def test_gradient_check_agrees_when_the_network_is_sure(sure_model, mnist):
    """Gradients near 1e-8 defeat a plain difference of -ln softmax (it rounds E to ~1e-16);
    the check must still resolve them. Below E ~ 1e-9 the limit is backprop's own ŷ - y
    (ŷ rounds next to 1), which the page explains instead of checking."""
    worst, losses = 0.0, []
    for i in range(40):
        x, label = digit(mnist, i)
        losses.append(walk(sure_model, x, label).E)
        if losses[-1] >= 1e-9:
            worst = max(worst, max(r.rel_error for r in gradient_check(sure_model, x, label, seed=i)))
    assert sum(1e-9 <= loss < 1e-5 for loss in losses) >= 5
    assert worst < 1e-6


def test_gradient_check_of_a_digit_is_that_of_a_batch_of_one(model, mnist):
    x, label = digit(mnist, 2)
    assert gradient_check(model, x, label, seed=3) == gradient_check(model, x[None, :], np.array([label]), seed=3)
    pixels = mnist.x_test[2]  # uint8 pixels are scaled as the notebook does: the same rows
    assert gradient_check(model, pixels, label, seed=3) == gradient_check(model, x, label, seed=3)


def test_gradient_check_catches_a_wrong_gradient(model, mnist, monkeypatch):
    """The check can fail: break backward's W_o gradient and the errors jump."""
    x, label = digit(mnist, 0)
    real_backward = MLP.backward

    def broken(self, cache, labels, **kw):
        grads = real_backward(self, cache, labels, **kw)
        grads["W_o"] = grads["W_o"] * 1.01
        return grads

    monkeypatch.setattr(MLP, "backward", broken)
    rows = gradient_check(model, x, label)
    assert max(r.rel_error for r in rows if r.param == "W_o") > 1e-3
    assert max(r.rel_error for r in rows if r.param == "W_h") < 1e-6


def test_precise_loss_is_the_cross_entropy(sure_model, model, mnist):
    for m in (sure_model, model):
        for i in range(5):
            x, label = digit(mnist, i)
            _, cache = m.astype(np.float64).forward(x[None, :])
            plain = cross_entropy_sum(cache.theta, np.array([label]))
            assert precise_loss(m.astype(np.float64), x[None, :], [label]) == pytest.approx(plain, rel=1e-9, abs=1e-15)
        wrong = (label + 1) % 10  # the true class is not the top score: the other branch
        assert precise_loss(m.astype(np.float64), x[None, :], [wrong]) == pytest.approx(
            cross_entropy_sum(cache.theta, np.array([wrong])), rel=1e-12
        )


@pytest.mark.parametrize("i", [0, 4, 9])
def test_sgd_step_lowers_the_loss_for_a_small_learning_rate(model, mnist, i):
    x, label = digit(mnist, i)
    step = sgd_step(model, x, label, 0.05)
    assert step.loss_before == pytest.approx(walk(model, x, label).E, rel=1e-15)
    assert step.loss_after < step.loss_before
    assert step.y_hat_after[label] > step.y_hat_before[label]
    assert step.y_hat_after.sum() == pytest.approx(1.0)
    # the step is W - lr * dE/dW, nothing else
    w = walk(model, x, label)
    np.testing.assert_allclose(step.model_after.W_o.T, w.W_o - 0.05 * w.dW_o, rtol=1e-15)
    np.testing.assert_allclose(step.model_after.W_h.T, w.W_h - 0.05 * w.dW_h, rtol=1e-15)
    assert step.loss_after == pytest.approx(walk(step.model_after, x, label).E, rel=1e-15)


def test_tiny_network_by_hand():
    """4-3-2 with one-decimal weights: every number below is a short sum anyone can redo."""
    w = tiny_walk()
    np.testing.assert_allclose(w.z, [0.25, -0.4, 0.45], atol=1e-15)  # 0.2*1 - 0.1*0.5 + 0.4*0 + 0.1*1 = 0.25
    np.testing.assert_allclose(w.h, [0.25, 0.0, 0.45], atol=1e-15)  # ReLU switches unit 2 off
    np.testing.assert_allclose(w.theta, [-0.01, 0.22], atol=1e-15)  # 0.5*0.25 - 0.3*0.45 = -0.01
    p0 = 1 / (1 + math.exp(0.23))  # softmax of two scores is a sigmoid of their difference
    np.testing.assert_allclose(w.y_hat, [p0, 1 - p0], rtol=1e-14)
    assert round(p0, 3) == 0.443
    loss = w.E
    assert loss == pytest.approx(-math.log(p0), rel=1e-14)
    assert round(loss, 3) == 0.815
    np.testing.assert_allclose(w.delta_1, [p0 - 1, 1 - p0], rtol=1e-14)
    d = 1 - p0  # 0.557
    # delta_2 = delta_1 W_o: (-d*0.5 + d*-0.2, -d*-0.4 + d*0.3, -d*-0.3 + d*0.6), unit 2 masked
    np.testing.assert_allclose(w.delta_2, [-0.7 * d, 0.0, 0.9 * d], rtol=1e-14)
    np.testing.assert_allclose(w.dW_o, [[-0.25 * d, 0, -0.45 * d], [0.25 * d, 0, 0.45 * d]], rtol=1e-14)
    np.testing.assert_allclose(w.dW_h[0], -0.7 * d * TINY_X, rtol=1e-14)
    np.testing.assert_array_equal(w.dW_h[1], 0.0)
    np.testing.assert_allclose(w.dW_h[2], 0.9 * d * TINY_X, rtol=1e-14)
    assert w.relu_off == 1 and w.label == TINY_LABEL == 0
    assert not np.signbit(w.delta_2[1])  # a plain 0 to print, not -0


def test_tiny_network_learns_round_after_round():
    m, losses = tiny_model(), []
    for _ in range(4):
        step = sgd_step(m, TINY_X, TINY_LABEL, 0.5)
        losses.append(step.loss_before)
        m = step.model_after
    assert losses == sorted(losses, reverse=True) and losses[-1] < 0.5 * losses[0]
    np.testing.assert_array_equal(tiny_model().W_h.T, tiny_walk().W_h)  # a fresh copy each time


def test_the_loss_is_never_negative_and_keeps_tiny_values(sure_model, mnist):
    """A big step makes the network certain: E is then ~1e-20 or 0, never -0 or a rounded -1e-16."""
    for i in range(10):
        x, label = digit(mnist, i)
        step = sgd_step(sure_model, x, label, 5.0)
        for loss in (step.loss_before, step.loss_after, walk(step.model_after, x, label).E):
            assert loss >= 0 and not np.signbit(loss)
        assert step.loss_after == precise_loss(step.model_after, x[None, :], [label])
    theta = np.array([60.0, 0.0, -5.0])
    assert loss_from_scores(theta, 0) == pytest.approx(math.exp(-60) + math.exp(-65), rel=1e-12)  # not 0
    assert not np.signbit(loss_from_scores(np.array([800.0, 0.0]), 0))


def test_instructive_index_is_the_first_unsure_digit(sure_model, model, mnist):
    x, y = mnist.x_test[:2000], mnist.y_test[:2000]
    losses = example_losses(sure_model, x, y)
    i = instructive_index(sure_model, x, y, chunk=300)
    assert 0.3 <= losses[i] <= 2.0
    assert not ((losses[:i] >= 0.3) & (losses[:i] <= 2.0)).any()
    assert losses[i] == pytest.approx(walk(sure_model, *digit(mnist, i)).E, rel=1e-5)  # float32 scan, float64 walk
    assert instructive_index(sure_model, x, y, chunk=300) == i == instructive_index(sure_model, x, y, chunk=7)
    # nothing in range: the digit nearest to it
    far = instructive_index(model, x[:50], y[:50], low=50.0, high=60.0)
    assert far == int(np.argmax(example_losses(model, x[:50], y[:50])))
    with pytest.raises(ValueError):
        instructive_index(model, x[:0], y[:0])
