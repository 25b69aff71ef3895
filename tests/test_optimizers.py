"""Optimizers against their formulas, their saved state, and the learning-rate schedule."""

from __future__ import annotations

import itertools

import numpy as np
import pytest

from mlp_core import TrainConfig
from mlp_core.optimizers import SGD, Adam, Momentum, learning_rate, make_optimizer

LR = 0.05


def problem(seed: int = 0, steps: int = 4):
    """Two parameters and a fixed sequence of gradients for them."""
    rng = np.random.default_rng(seed)
    params = {"W": rng.normal(size=(3, 4)), "b": rng.normal(size=4)}
    grads = [{"W": rng.normal(size=(3, 4)), "b": rng.normal(size=4)} for _ in range(steps)]
    return params, grads


def run(opt, params, grads):
    p = {k: v.copy() for k, v in params.items()}
    for g in grads:
        opt.step(p, g, LR)
    return p


def test_sgd_is_w_minus_lr_g():
    params, grads = problem()
    p = {k: v.copy() for k, v in params.items()}
    ref = {k: v.copy() for k, v in params.items()}
    opt = SGD()
    for g in grads:
        opt.step(p, g, LR)
        for k in ref:
            ref[k] = ref[k] - LR * g[k]  # the notebook's update
        for k in ref:
            assert np.array_equal(p[k], ref[k])
    assert opt.t == len(grads)


def test_momentum_heavy_ball():
    params, grads = problem()
    mu = 0.9
    got = run(Momentum(mu), params, grads)
    ref = {k: v.copy() for k, v in params.items()}
    v = {k: np.zeros_like(x) for k, x in params.items()}
    for g in grads:
        for k in ref:
            v[k] = mu * v[k] + g[k]
            ref[k] = ref[k] - LR * v[k]
    for k in ref:
        assert np.allclose(got[k], ref[k], rtol=1e-13, atol=1e-15)
    # after one step from rest, heavy ball is plain SGD
    one = run(Momentum(mu), params, grads[:1])
    assert np.allclose(one["W"], params["W"] - LR * grads[0]["W"], rtol=1e-15, atol=0)


def test_momentum_nesterov():
    params, grads = problem()
    mu = 0.8
    got = run(Momentum(mu, nesterov=True), params, grads)
    ref = {k: v.copy() for k, v in params.items()}
    v = {k: np.zeros_like(x) for k, x in params.items()}
    for g in grads:
        for k in ref:
            v[k] = mu * v[k] + g[k]
            ref[k] = ref[k] - LR * (g[k] + mu * v[k])  # look ahead along the new velocity
    for k in ref:
        assert np.allclose(got[k], ref[k], rtol=1e-13, atol=1e-15)
    heavy = run(Momentum(mu), params, grads)
    assert not np.allclose(got["W"], heavy["W"])


def test_adam_with_bias_correction():
    params, grads = problem(steps=5)
    b1, b2, eps = 0.9, 0.999, 1e-8
    got = run(Adam(b1, b2, eps), params, grads)
    ref = {k: v.copy() for k, v in params.items()}
    m = {k: np.zeros_like(x) for k, x in params.items()}
    s = {k: np.zeros_like(x) for k, x in params.items()}
    for t, g in enumerate(grads, start=1):
        for k in ref:
            m[k] = b1 * m[k] + (1 - b1) * g[k]
            s[k] = b2 * s[k] + (1 - b2) * g[k] ** 2
            m_hat = m[k] / (1 - b1**t)
            s_hat = s[k] / (1 - b2**t)
            ref[k] = ref[k] - LR * m_hat / (np.sqrt(s_hat) + eps)
    for k in ref:
        assert np.allclose(got[k], ref[k], rtol=1e-12, atol=1e-14)
    # first step: m_hat = g and s_hat = g^2, so every weight moves by lr against the sign of g
    one = run(Adam(b1, b2, eps), params, grads[:1])
    step = params["W"] - one["W"]
    assert step == pytest.approx(LR * np.sign(grads[0]["W"]), rel=1e-6)


@pytest.mark.parametrize("make", [SGD, lambda: Momentum(0.9), lambda: Momentum(0.9, True), Adam])
def test_state_dict_round_trip(make):
    params, grads = problem(steps=5)
    a = make()
    p = run(a, params, grads[:3])
    state = a.state_dict()
    b = make()
    b.load_state_dict({k: np.array(v) for k, v in state.items()})  # as if read back from a file
    assert int(b.state_dict()["t"]) == 3
    pa = {k: v.copy() for k, v in p.items()}
    pb = {k: v.copy() for k, v in p.items()}
    for g in grads[3:]:
        a.step(pa, g, LR)
        b.step(pb, g, LR)
    for k in pa:
        assert np.array_equal(pa[k], pb[k])
    # the state is a snapshot: later steps do not change it
    saved = {k: np.array(v, copy=True) for k, v in state.items()}
    a.step(pa, grads[0], LR)
    for k in state:
        assert np.array_equal(state[k], saved[k])


def test_make_optimizer_follows_the_config():
    assert type(make_optimizer(TrainConfig())) is SGD
    m = make_optimizer(TrainConfig(optimizer="momentum", momentum=0.7, nesterov=True))
    assert isinstance(m, Momentum) and m.mu == 0.7 and m.nesterov
    a = make_optimizer(TrainConfig(optimizer="adam", beta1=0.8, beta2=0.99, adam_eps=1e-6))
    assert isinstance(a, Adam) and (a.b1, a.b2, a.eps) == (0.8, 0.99, 1e-6)


def test_constant_schedule():
    cfg = TrainConfig(lr=0.3)
    assert [learning_rate(cfg, p) for p in (0, 0.5, 17, 50)] == [0.3] * 4


def test_warm_up_is_linear_from_zero():
    cfg = TrainConfig(lr=0.4, warmup_epochs=2.0)
    assert learning_rate(cfg, 0.0) == pytest.approx(0.0, abs=1e-8)
    assert learning_rate(cfg, 0.5) == pytest.approx(0.1)
    assert learning_rate(cfg, 1.0) == pytest.approx(0.2)
    assert learning_rate(cfg, 2.0) == pytest.approx(0.4)
    assert learning_rate(cfg, 30.0) == pytest.approx(0.4)


def test_cosine_endpoints_and_midpoint():
    cfg = TrainConfig(lr=1.0, epochs=10, schedule="cosine", warmup_epochs=2.0, final_lr_frac=0.1)
    assert learning_rate(cfg, 1.0) == pytest.approx(0.5)  # still warming up
    assert learning_rate(cfg, 2.0) == pytest.approx(1.0)  # peak when warm-up ends
    assert learning_rate(cfg, 6.0) == pytest.approx(0.55)  # half way: (1 + 0.1) / 2
    assert learning_rate(cfg, 10.0) == pytest.approx(0.1)  # lr * final_lr_frac at the end
    assert learning_rate(cfg, 12.0) == pytest.approx(0.1)  # and stays there
    decay = [learning_rate(cfg, 2 + 8 * i / 100) for i in range(101)]
    assert all(a >= b for a, b in itertools.pairwise(decay))
    plain = TrainConfig(lr=0.2, epochs=4, schedule="cosine")
    assert learning_rate(plain, 0.0) == pytest.approx(0.2)
    assert learning_rate(plain, 4.0) == pytest.approx(0.0, abs=1e-12)
