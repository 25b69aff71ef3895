"""Calibrated confidence: temperature scaling, ECE, and the temperature in model files."""

from __future__ import annotations

import io
import zipfile

import numpy as np
import pytest

from mlp_core import MLP, ModelFileError, load_default_model, load_model, model_to_bytes
from mlp_core.calibrate import confident_wrong, ece, fit_temperature, nll, scaled_proba
from mlp_core.explain import read_digit
from mlp_core.functions import softmax


def calibrated_sample(n: int = 4000, seed: int = 0) -> tuple[np.ndarray, np.ndarray]:
    """Scores and labels drawn from softmax(scores): calibrated by construction."""
    rng = np.random.default_rng(seed)
    logits = rng.normal(0, 2.5, (n, 10))
    p = softmax(logits)
    labels = (p.cumsum(axis=1) > rng.random((n, 1))).argmax(axis=1)
    return logits, labels


def test_fitting_over_confident_scores_finds_the_temperature_and_lowers_ece_and_nll():
    logits, labels = calibrated_sample()
    sharp = 3.0 * logits  # the same ranking, three times too sure
    t = fit_temperature(sharp, labels)
    assert t == pytest.approx(3.0, rel=0.1)
    before, after = scaled_proba(sharp), scaled_proba(sharp, t)
    assert ece(after, labels) < ece(before, labels) / 3
    assert nll(sharp, labels, t) < nll(sharp, labels)
    assert np.array_equal(before.argmax(axis=1), after.argmax(axis=1))  # no answer changes


def test_under_confident_scores_get_a_temperature_below_one():
    logits, labels = calibrated_sample(seed=1)
    assert fit_temperature(logits / 2, labels) == pytest.approx(0.5, rel=0.1)


def test_a_calibrated_sample_keeps_a_temperature_near_one_and_a_small_ece():
    logits, labels = calibrated_sample(seed=2)
    assert fit_temperature(logits, labels) == pytest.approx(1.0, abs=0.1)
    assert ece(scaled_proba(logits), labels) < 0.03


def test_temperature_one_leaves_the_probabilities_unchanged():
    logits, _ = calibrated_sample(50)
    assert np.array_equal(scaled_proba(logits), softmax(logits))
    assert np.array_equal(scaled_proba(logits, 1.0), softmax(logits))
    one = logits[0].astype(np.float32)
    assert scaled_proba(one).shape == (10,) and scaled_proba(one).dtype == np.float32
    assert np.allclose(scaled_proba(logits, 2.0), softmax(logits / 2.0))
    with pytest.raises(ValueError):
        scaled_proba(logits, 0.0)


def test_ece_by_hand():
    # three digits at 0.9 (two right), one at 0.6 (wrong): bins (0.8667, 0.9333] and (0.5333, 0.6]
    probs = np.array([[0.9, 0.1], [0.9, 0.1], [0.9, 0.1], [0.6, 0.4]])
    labels = np.array([0, 0, 1, 1])
    expected = 0.75 * abs(2 / 3 - 0.9) + 0.25 * abs(0.0 - 0.6)
    assert ece(probs, labels) == pytest.approx(expected)
    assert ece(np.eye(3), np.arange(3)) == 0.0  # sure and right
    assert confident_wrong(probs, labels) == 1  # the third: 0.9 and wrong
    assert confident_wrong(probs, labels, at_least=0.5) == 2


def test_fit_temperature_refuses_mismatched_input():
    with pytest.raises(ValueError):
        fit_temperature(np.zeros((3, 10)), np.zeros(2, int))
    with pytest.raises(ValueError):
        fit_temperature(np.zeros(10), np.zeros(1, int))


# --- the temperature in a model and in the Draw page's reading ---------------------------


def small_model(temperature: float = 1.0) -> MLP:
    m = MLP.create(16, init="he", seed=3, biases=True, dtype="float32")
    m.b_o[:] = np.linspace(-1, 1, 10, dtype=np.float32)
    m.temperature = temperature
    return m


def test_read_digit_scales_the_probabilities_but_not_the_scores_or_the_answer():
    x = np.random.default_rng(0).random(784).astype(np.float32)
    plain, warm = small_model(), small_model(2.5)
    a, b = read_digit(plain, x), read_digit(warm, x)
    assert np.array_equal(a.theta, b.theta) and np.array_equal(a.ranking, b.ranking)
    assert np.array_equal(a.probs, plain.forward(x[None])[0][0])  # T = 1: the network's own softmax
    assert np.allclose(b.probs, softmax(a.theta[None].astype(np.float64) / 2.5)[0], atol=1e-6)
    assert b.confidence < a.confidence  # T > 1 softens
    assert b.probs.sum() == pytest.approx(1.0, abs=1e-5)


def test_copies_keep_the_temperature():
    m = small_model(1.7)
    assert m.copy().temperature == 1.7
    assert m.astype(np.float64).temperature == 1.7
    assert MLP.create(8).temperature == 1.0


def test_a_file_keeps_the_temperature_and_an_old_file_reads_as_one():
    m = small_model(1.37)
    assert load_model(model_to_bytes(m)).temperature == pytest.approx(1.37)
    old = model_to_bytes(small_model())  # T = 1 is not written: the bytes of a file from before temperatures
    with zipfile.ZipFile(io.BytesIO(old)) as zf:
        assert "temperature.npy" not in zf.namelist()
    saved = load_model(old)
    assert saved.temperature == 1.0 and saved.model.temperature == 1.0


def with_member(data: bytes, name: str, value: np.ndarray) -> bytes:
    out = io.BytesIO()
    with zipfile.ZipFile(io.BytesIO(data)) as src, zipfile.ZipFile(out, "w") as dst:
        for info in src.infolist():
            dst.writestr(info, src.read(info))
        npy = io.BytesIO()
        np.save(npy, value, allow_pickle=False)
        dst.writestr(name + ".npy", npy.getvalue())
    return out.getvalue()


@pytest.mark.parametrize(
    "value", [np.array(np.nan), np.array(-1.0), np.array(0.0), np.array(1e9), np.array([1.0, 2.0]), np.array(2)]
)
def test_an_impossible_temperature_is_refused(value):
    data = with_member(model_to_bytes(small_model()), "temperature", value)
    with pytest.raises(ModelFileError) as info:
        load_model(data)
    assert info.value.code == "bad_numbers"
    assert "temperature" in info.value.detail


def test_saving_refuses_an_impossible_temperature():
    with pytest.raises(ValueError):
        model_to_bytes(small_model(float("nan")))
    with pytest.raises(ValueError):
        model_to_bytes(small_model(-2.0))


def test_the_bundled_model_is_calibrated():
    saved = load_default_model()
    assert saved.temperature != 1.0
    assert saved.meta["calibration"]["temperature"] == pytest.approx(saved.temperature, rel=1e-5)
    assert saved.meta["calibration"]["ece_after"] < saved.meta["calibration"]["ece_before"]
