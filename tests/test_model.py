"""The network: forward, backward, initialisation, and a step worked by hand."""

from __future__ import annotations

import math

import numpy as np
import pytest

from mlp_core import MLP, as_float
from mlp_core.functions import cross_entropy_sum, log_softmax, relu, softmax
from mlp_core.optimizers import SGD


def golden_model() -> MLP:
    W_h = np.array([[1.0, 0, -1], [0, 1, 0], [2, 0, 1], [0, -1, 1]])  # (4, 3)
    W_o = np.array([[1.0, 0], [0, 1], [5, -5]])  # (3, 2)
    return MLP(W_h, W_o)


def test_golden_one_step_by_hand():
    """A 4-3-2 network, one example of class 0, one SGD step with lr 0.5."""
    model = golden_model()
    x = np.array([[1.0, 2, 0, -1]])
    labels = np.array([0])

    y_hat, cache = model.forward(x)
    # z = x W_h = 1*[1, 0, -1] + 2*[0, 1, 0] + 0*[2, 0, 1] - 1*[0, -1, 1] = [1, 3, -2]
    assert cache.z.tolist() == [[1, 3, -2]]
    # h = ReLU(z) = [1, 3, 0]: the third unit is off
    assert cache.h.tolist() == [[1, 3, 0]]
    # theta = h W_o = 1*[1, 0] + 3*[0, 1] + 0*[5, -5] = [1, 3]
    assert cache.theta.tolist() == [[1, 3]]
    # y_hat = [e^1, e^3] / (e^1 + e^3) = [1 / (1 + e^2), e^2 / (1 + e^2)] = [0.119203, 0.880797]
    p = 1 / (1 + math.e**2)
    assert y_hat == pytest.approx(np.array([[0.11920292, 0.88079708]]), abs=1e-8)
    assert y_hat[0, 0] == pytest.approx(p, rel=1e-14)
    # E = -ln y_hat[0] = ln(1 + e^2) = 2.126928
    assert model.loss(x, labels) == pytest.approx(2.12692801, abs=1e-8)

    grads = model.backward(cache, labels)
    # delta_1 = y_hat - y = [0.119203 - 1, 0.880797] = [-0.880797, 0.880797]
    d = 1 - p  # 0.880797
    # dE/dW_o = h^T delta_1: row i is h_i * delta_1, so rows [1, 3, 0] * [-d, d]
    assert grads["W_o"] == pytest.approx(np.array([[-d, d], [-3 * d, 3 * d], [0, 0]]), rel=1e-14)
    # delta_2 = delta_1 W_o^T (*) ReLU'(z) = [-d, d, -d*5 + d*(-5)] * [1, 1, 0] = [-d, d, 0]
    # (the third unit would have carried -8.81, but it was off, so nothing flows back through it)
    # dE/dW_h = x^T delta_2: row j is x_j * delta_2, x = [1, 2, 0, -1]
    expected_W_h = np.array([[-d, d, 0], [-2 * d, 2 * d, 0], [0, 0, 0], [d, -d, 0]])
    assert grads["W_h"] == pytest.approx(expected_W_h, rel=1e-14)
    assert grads["W_h"][:, 2].tolist() == [0, 0, 0, 0]

    SGD().step(model.params(), grads, lr=0.5)
    # W_o[0] = [1, 0] - 0.5 * [-d, d] = [1.440399, -0.440399]
    assert model.W_o[0] == pytest.approx([1.44039854, -0.44039854], abs=1e-8)
    # z' = x W_h' = z - 0.5 |x|^2 delta_2 = [1, 3, -2] - 0.5 * 6 * [-d, d, 0] = [3.642391, 0.357609, -2]
    _, after = model.forward(x)
    assert after.z == pytest.approx(np.array([[1 + 3 * d, 3 - 3 * d, -2]]), rel=1e-14)
    # theta' = h' W_o' = [5.718966, -1.718966]; E' = ln(1 + e^(theta'_1 - theta'_0)) = 0.000588
    assert after.theta == pytest.approx(np.array([[5.71896615, -1.71896615]]), abs=1e-8)
    assert model.loss(x, labels) == pytest.approx(0.00058833, abs=1e-8)


def test_golden_biases_get_the_deltas():
    """With biases, dE/db_o = sum of delta_1 over the batch and dE/db_h = sum of delta_2."""
    base = golden_model()
    model = MLP(base.W_h, base.W_o, np.zeros(3), np.zeros(2))
    x = np.array([[1.0, 2, 0, -1], [1.0, 2, 0, -1]])  # the same example twice: the mean equals one example
    _, cache = model.forward(x)
    grads = model.backward(cache, np.array([0, 0]))
    d = 1 - 1 / (1 + math.e**2)
    assert grads["b_o"] == pytest.approx([-d, d], rel=1e-14)
    assert grads["b_h"] == pytest.approx([-d, d, 0], rel=1e-14)
    one = golden_model()
    assert grads["W_h"] == pytest.approx(one.backward(one.forward(x[:1])[1], np.array([0]))["W_h"], rel=1e-14)


def test_loss_at_init_is_close_to_ln_10(mnist):
    x, labels = mnist.x_train[:1000], mnist.y_train[:1000]
    for init in ("seed_uniform", "xavier"):
        model = MLP.create(init=init, seed=0)
        # tiny initial scores make every class about equally likely: E = -ln(1/10)
        assert model.loss(as_float(x, np.float64), labels) == pytest.approx(math.log(10), abs=0.1), init
    notebook = MLP.create(init="seed_uniform", seed=42)
    assert notebook.loss(as_float(x, np.float64), labels) == pytest.approx(math.log(10), abs=0.01)


def test_overfits_twenty_examples(mnist):
    x = as_float(mnist.x_train[:20], np.float64)
    labels = mnist.y_train[:20]
    model = MLP.create(64, init="he", seed=0, biases=True)
    opt = SGD()
    start = model.loss(x, labels)
    for _ in range(300):
        _, cache = model.forward(x)
        opt.step(model.params(), model.backward(cache, labels), lr=0.5)
    assert start > 1.0
    assert model.loss(x, labels) < 0.01
    assert np.array_equal(model.predict(x), labels)


def test_init_kinds_and_seeds():
    a = MLP.create(32, init="he", seed=3, biases=True)
    b = MLP.create(32, init="he", seed=3, biases=True)
    c = MLP.create(32, init="he", seed=4, biases=True)
    for name in a.params():
        assert np.array_equal(a.params()[name], b.params()[name])
    assert not np.array_equal(a.W_h, c.W_h)
    assert a.W_h.shape == (784, 32) and a.W_o.shape == (32, 10)
    assert a.b_h.tolist() == [0] * 32 and a.b_o.tolist() == [0] * 10
    assert a.W_h.std() == pytest.approx(math.sqrt(2 / 784), rel=0.02)  # He: N(0, 2 / fan_in)
    x = MLP.create(32, init="xavier", seed=3)
    limit = math.sqrt(6 / (784 + 32))
    assert np.abs(x.W_h).max() <= limit and np.abs(x.W_h).max() > 0.95 * limit
    small = MLP.create(3, n_inputs=4, n_classes=2, seed=1, dtype="float32")
    assert small.W_h.shape == (4, 3) and small.W_o.shape == (3, 2) and small.dtype == np.float32
    assert not small.has_biases and set(small.params()) == {"W_h", "W_o"}


def test_seed_uniform_is_the_notebooks_global_draw():
    """np.random.seed(42); uniform for W_h, then for W_o, a = 2 / (fan_in + fan_out)."""
    saved = np.random.get_state()
    try:
        np.random.seed(42)
        a_h, a_o = 2.0 / (784 + 128), 2.0 / (128 + 10)
        W_h = np.random.uniform(-a_h, a_h, (784, 128))
        W_o = np.random.uniform(-a_o, a_o, (128, 10))
    finally:
        np.random.set_state(saved)
    model = MLP.create()
    assert np.array_equal(model.W_h, W_h)
    assert np.array_equal(model.W_o, W_o)
    assert model.dtype == np.float64


def test_bad_shapes_raise():
    with pytest.raises(ValueError, match="W_h"):
        MLP(np.zeros((784, 16)), np.zeros((8, 10)))
    with pytest.raises(ValueError, match="W_h"):
        MLP(np.zeros(784), np.zeros((8, 10)))
    with pytest.raises(ValueError, match="biases"):
        MLP(np.zeros((784, 8)), np.zeros((8, 10)), b_h=np.zeros(8))


def test_forward_and_functions_never_mutate_their_input(mnist):
    rng = np.random.default_rng(0)
    theta = rng.normal(0, 3, (6, 10))
    keep = theta.copy()
    softmax(theta)
    log_softmax(theta)
    relu(theta)
    cross_entropy_sum(theta, np.arange(6))
    assert np.array_equal(theta, keep)

    model = MLP.create(16, init="he", seed=0, biases=True)
    params = {k: v.copy() for k, v in model.params().items()}
    x = as_float(mnist.x_train[:9], np.float64)
    x_keep = x.copy()
    _, cache = model.forward(x)
    z_keep, h_keep, theta_keep = cache.z.copy(), cache.h.copy(), cache.theta.copy()
    model.backward(cache, mnist.y_train[:9], l2=0.01)
    model.predict(mnist.x_train[:9])
    assert np.array_equal(x, x_keep)
    assert np.array_equal(cache.z, z_keep) and np.array_equal(cache.h, h_keep)
    assert np.array_equal(cache.theta, theta_keep)
    for name, value in model.params().items():
        assert np.array_equal(value, params[name])
    assert cache.theta is not cache.y_hat and cache.z is not cache.h


def test_softmax_is_stable_and_normalised():
    theta = np.array([[1000.0, 0, -1000], [0.0, 0, 0], [-745.0, -745, 800]])
    p = softmax(theta)
    assert np.isfinite(p).all()
    assert p.sum(axis=1) == pytest.approx([1, 1, 1])
    assert p[0].tolist() == [1, 0, 0] and p[1] == pytest.approx([1 / 3] * 3)
    # a confident wrong answer gives a large finite loss, not inf
    assert cross_entropy_sum(theta[:1], np.array([2])) == pytest.approx(2000)


def test_backward_divisor_scales_the_gradients(mnist):
    """The notebook divides a short last batch by the nominal batch size."""
    model = MLP.create(16, seed=0)
    x, labels = as_float(mnist.x_train[:100], np.float64), mnist.y_train[:100]
    _, cache = model.forward(x)
    mean = model.backward(cache, labels)
    nominal = model.backward(cache, labels, divisor=256)
    assert nominal["W_h"] == pytest.approx(mean["W_h"] * 100 / 256, rel=1e-12, abs=1e-18)


def test_backward_is_the_mean_of_the_per_example_gradients(mnist):
    """The derivation is for one example (column vectors): dE/dW_o = delta_1^T h^T, dE/dW_h = delta_2^T x^T.
    The batch gradient is their mean over the examples."""
    model = MLP.create(16, init="he", seed=0, biases=True)
    x, labels = as_float(mnist.x_train[:10], np.float64), mnist.y_train[:10]
    _, cache = model.forward(x)
    delta_1, delta_2 = model.deltas(cache, labels)
    grads = model.backward(cache, labels)
    one = {name: np.zeros_like(p) for name, p in model.params().items()}
    for i in range(10):
        assert delta_1[i].sum() == pytest.approx(0, abs=1e-15)  # y_hat - y: probabilities minus one-hot
        assert (delta_2[i][cache.z[i] <= 0] == 0).all()  # no gradient through a unit ReLU switched off
        one["W_o"] += np.outer(cache.h[i], delta_1[i]) / 10  # stored transposed: (H, 10)
        one["W_h"] += np.outer(x[i], delta_2[i]) / 10  # (784, H)
        one["b_o"] += delta_1[i] / 10
        one["b_h"] += delta_2[i] / 10
    for name in grads:
        np.testing.assert_allclose(grads[name], one[name], rtol=1e-12, atol=1e-17, err_msg=name)


def test_predictions_from_bytes_equal_predictions_from_floats(mnist):
    model = MLP.create(16, init="he", seed=0, dtype="float32")
    u8 = mnist.x_test[:300]
    p_u8 = model.predict_proba(u8)
    p_float = model.predict_proba(as_float(u8, np.float32))
    assert np.array_equal(p_u8, p_float)
    assert p_u8.shape == (300, 10) and p_u8.sum(axis=1) == pytest.approx(np.ones(300), abs=1e-5)
    assert np.array_equal(model.predict(u8), p_u8.argmax(axis=1))
    assert model.predict(u8[0]).shape == (1,)  # a single image


def test_as_float_is_the_notebooks_scaling(mnist):
    u8 = mnist.x_train[:50]
    notebook = u8.astype("float32") / 255
    assert np.array_equal(as_float(u8, np.float32), notebook)
    assert np.array_equal(as_float(u8, np.float64), notebook.astype(np.float64))
    assert as_float(u8, np.float64).dtype == np.float64


def test_copy_and_astype_are_independent():
    model = MLP.create(8, seed=0, biases=True)
    twin = model.copy()
    twin.W_h += 1
    assert not np.array_equal(twin.W_h, model.W_h)
    single = model.astype(np.float32)
    assert single.dtype == np.float32 and single.has_biases
    model.set_params({"W_o": np.ones_like(model.W_o)})
    assert model.W_o.tolist() == np.ones((8, 10)).tolist()
