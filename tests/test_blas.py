"""mlp_core._blas: direct BLAS calls give NumPy's answers, for every layout the model uses,
and switching them off changes nothing but rounding."""

from __future__ import annotations

import os
import subprocess
import sys

import numpy as np
import pytest

from mlp_core import _blas
from mlp_core.config import TrainConfig
from mlp_core.data import Dataset
from mlp_core.train import Trainer


@pytest.fixture(params=["blas", "numpy"])
def backend(request, monkeypatch):
    """Run a test once through BLAS and once through the NumPy fallback."""
    if request.param == "blas" and not _blas.available():
        pytest.skip("NumPy's BLAS library was not found here; only the NumPy fallback runs")
    if request.param == "numpy":
        monkeypatch.setattr(_blas, "_routines", None)
    return request.param


def layouts(a: np.ndarray):
    """The same matrix as C order, Fortran order (a transposed view) and a row-strided view."""
    wide = np.zeros((a.shape[0], a.shape[1] + 3), a.dtype)
    wide[:, : a.shape[1]] = a
    return [a, np.asfortranarray(a), wide[:, : a.shape[1]]]


@pytest.mark.parametrize("m,k,n", [(256, 784, 128), (10, 128, 256), (1, 5, 3), (5, 1, 3), (3, 4, 1), (7, 7, 7)])
def test_gemm_matches_numpy_in_every_layout(backend, m, k, n):
    rng = np.random.default_rng(m * 100 + k * 10 + n)
    a = rng.standard_normal((m, k)).astype(np.float32)
    b = rng.standard_normal((k, n)).astype(np.float32)
    c0 = rng.standard_normal((m, n)).astype(np.float32)
    want = 0.25 * (a.astype(np.float64) @ b) + 1.5 * c0
    for A in layouts(a):
        for B in layouts(b):
            for out in (np.empty((m, n), np.float32), np.empty((n, m), np.float32).T):
                out[...] = c0
                assert _blas.gemm(A, B, out, alpha=0.25, beta=1.5) is out
                np.testing.assert_allclose(out, want, rtol=1e-4, atol=1e-4)


def test_gemm_without_beta_ignores_what_out_held(backend):
    rng = np.random.default_rng(1)
    a, b = rng.standard_normal((4, 6)).astype(np.float32), rng.standard_normal((6, 5)).astype(np.float32)
    out = np.full((4, 5), np.nan, np.float32)  # beta = 0: even NaN in out must not leak through
    _blas.gemm(a, b, out)
    np.testing.assert_allclose(out, a @ b, rtol=1e-5, atol=1e-6)


def test_gemm_of_other_dtypes_is_numpy_exactly():
    rng = np.random.default_rng(2)
    a, b = rng.standard_normal((8, 5)), rng.standard_normal((5, 3))
    out = np.empty((8, 3))
    _blas.gemm(a, b, out, alpha=0.5)
    want = a @ b
    want *= 0.5
    assert np.array_equal(out, want)  # float64 keeps NumPy's own operations, bit for bit


def test_level_one_routines(backend):
    x = np.linspace(-1, 1, 50_001, dtype=np.float32)  # large enough for BLAS to use threads
    y = np.linspace(3, 4, 50_001, dtype=np.float32)
    y0 = y.copy()
    _blas.axpy(-0.5, x, y, np.empty_like(y))
    np.testing.assert_allclose(y, y0 - 0.5 * x, rtol=1e-6)
    _blas.scal(2.0, y)
    np.testing.assert_allclose(y, 2 * (y0 - 0.5 * x), rtol=1e-6)
    v = y.copy()
    _blas.axpby(1.0, x, 0.9, v)
    np.testing.assert_allclose(v, 0.9 * y + x, rtol=1e-5, atol=1e-6)
    _blas.axpby(0.25, x, 0.0, v, np.empty_like(v))
    np.testing.assert_allclose(v, 0.25 * x, rtol=1e-6)


def test_non_contiguous_arrays_take_the_numpy_path(backend):
    y = np.zeros((6, 4), np.float32)
    x = np.ones((6, 8), np.float32)[:, ::2]  # strided: BLAS must not read it as contiguous
    _blas.axpy(2.0, x, y)
    assert np.array_equal(y, np.full((6, 4), 2.0, np.float32))


def _tiny_data(n_train: int = 600, n_test: int = 200) -> Dataset:
    rng = np.random.default_rng(5)
    x = rng.integers(0, 256, size=(n_train + n_test, 784), dtype=np.uint8)
    y = rng.integers(0, 10, size=n_train + n_test).astype(np.uint8)
    x[np.arange(len(y)), y.astype(int) * 70] = 255  # a learnable pixel per class
    return Dataset(x[:n_train], y[:n_train], x[n_train:], y[n_train:])


@pytest.mark.parametrize("optimizer,nesterov", [("sgd", False), ("momentum", False), ("momentum", True)])
def test_training_through_blas_equals_training_through_numpy(monkeypatch, optimizer, nesterov):
    if not _blas.available():
        pytest.skip("NumPy's BLAS library was not found here")
    config = TrainConfig.fast(
        epochs=2, batch_size=64, optimizer=optimizer, nesterov=nesterov, lr=0.05, l2=1e-4, biases=True, train_size=600
    )
    data = _tiny_data()
    fast = Trainer(config, data)
    list(fast.epochs())
    monkeypatch.setattr(_blas, "_routines", None)
    plain = Trainer(config, data)
    list(plain.epochs())
    for name, p in fast.model.params().items():
        np.testing.assert_allclose(p, plain.model.params()[name], rtol=1e-4, atol=1e-5, err_msg=name)
    assert fast.history[-1].train_loss == pytest.approx(plain.history[-1].train_loss, rel=1e-4)


def test_the_environment_can_switch_blas_off():
    env = {**os.environ, "MLP_CORE_BLAS": "numpy"}
    out = subprocess.run(
        [sys.executable, "-c", "from mlp_core import _blas; print(_blas.available())"],
        capture_output=True,
        text=True,
        env=env,
        check=True,
        cwd=os.getcwd(),
    )
    assert out.stdout.strip() == "False"
