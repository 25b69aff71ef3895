"""Training for hands that are not MNIST's: the handwriting augmentation (elastic
distortions) and the bundled font, pen-stroke and blocky digits."""

from __future__ import annotations

import dataclasses

import numpy as np
import pytest

from mlp_core import Dataset, TrainConfig
from mlp_core.augment import DEFAULT, HANDWRITING, STYLES, AugmentSettings, augment_batch
from mlp_core.config import AUGMENT_STYLES
from mlp_core.drawn import (
    LEAD_IN_ONES,
    blocky,
    font_digit,
    font_paths,
    lead_in_one,
    load_extra,
    stroke_digit,
    to_28,
)
from mlp_core.model import as_float
from mlp_core.preprocess import canvas_to_mnist
from mlp_core.train import Trainer

STILL = AugmentSettings(rotate_deg=0, scale=0, aspect=0, shear=0, shift=0, thickness=0, p_thickness=0)
ELASTIC_ONLY = dataclasses.replace(STILL, elastic_alpha=34.0, elastic_sigma=4.0)


def test_every_config_style_has_settings():
    assert set(AUGMENT_STYLES) == set(STYLES)
    assert STYLES["standard"] is DEFAULT and DEFAULT.elastic_alpha == 0
    assert HANDWRITING.elastic_alpha > 0


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_elastic_keeps_shape_dtype_range_and_input(mnist, dtype):
    x = as_float(mnist.x_train[:64], dtype)
    keep = x.copy()
    out = augment_batch(x, np.random.default_rng(0), HANDWRITING)
    assert out.shape == x.shape and out.dtype == x.dtype
    assert np.array_equal(x, keep) and not np.shares_memory(out, x)
    assert out.min() >= 0.0 and out.max() <= 1.0


def test_elastic_distortion_moves_ink_but_keeps_its_mass(mnist):
    x = as_float(mnist.x_train[:200], np.float32)
    out = augment_batch(x, np.random.default_rng(1), ELASTIC_ONLY)
    assert np.abs(out - x).mean() > 0.02  # strokes did move
    ratio = out.sum(axis=1) / x.sum(axis=1)
    assert 0.9 < np.median(ratio) < 1.1 and ratio.min() > 0.5 and ratio.max() < 1.5
    # a bend, not a smear: the same digit, most of its ink where it was or next to it
    overlap = (np.minimum(out, x).sum(axis=1) / x.sum(axis=1)).mean()
    assert overlap > 0.5


def test_no_change_at_all_gives_the_image_back(mnist):
    x = as_float(mnist.x_train[:16], np.float32)
    assert np.allclose(augment_batch(x, np.random.default_rng(2), STILL), x, atol=1e-6)


def test_elastic_is_deterministic_for_a_seed(mnist):
    x = as_float(mnist.x_train[:32], np.float32)
    a = augment_batch(x, np.random.default_rng(9), HANDWRITING)
    b = augment_batch(x, np.random.default_rng(9), HANDWRITING)
    c = augment_batch(x, np.random.default_rng(10), HANDWRITING)
    assert np.array_equal(a, b) and not np.array_equal(a, c)


def test_the_standard_style_draws_no_elastic_field(mnist):
    # without an elastic field the random stream is what it always was: the robust preset's runs do not change
    x = as_float(mnist.x_train[:8], np.float32)
    r1, r2 = np.random.default_rng(4), np.random.default_rng(4)
    augment_batch(x, r1)
    augment_batch(x, r2, dataclasses.replace(HANDWRITING, elastic_alpha=0.0))
    assert r1.random() == r2.random()


def test_config_checks_the_new_settings():
    with pytest.raises(ValueError, match="augment_style"):
        TrainConfig(augment_style="wild")
    with pytest.raises(ValueError, match="extra_digits"):
        TrainConfig(extra_digits=1)
    cfg = TrainConfig.from_dict(TrainConfig().to_dict() | {"augment_style": "handwriting", "extra_digits": True})
    assert cfg.augment_style == "handwriting" and cfg.extra_digits


# --- the bundled extra digits ---------------------------------------------------------------


def test_the_bundled_extra_digits():
    extra = load_extra()
    for part in ("train", "cal"):
        x, y, kind = extra[f"x_{part}"], extra[f"y_{part}"], extra[f"kind_{part}"]
        assert x.dtype == np.uint8 and x.shape == (len(y), 784) and len(kind) == len(y)
        assert set(np.unique(y)) == set(range(10)) and set(np.unique(kind)) == {0, 1, 2, 3}
        assert np.all(y[kind == 2] == 1)  # lead-in digits are 1s
        # MNIST-like: ink peaks at 255 and the centre of mass sits near the middle
        assert np.all(x.max(axis=1) == 255)
    assert len(extra["y_train"]) > 4 * len(extra["y_cal"])


def test_training_with_extra_digits_adds_them_after_mnist(mnist_small):
    extra = load_extra()
    cfg = TrainConfig.robust(hidden=8, epochs=1, train_size=1000, extra_digits=True)
    tr = Trainer(cfg, mnist_small)
    assert tr.n_train == 1000 + len(extra["y_train"])
    assert np.array_equal(tr.data.x_train[:1000], mnist_small.x_train[:1000])
    assert np.array_equal(tr.data.x_train[1000:], extra["x_train"])
    assert not tr.data.x_train.flags.writeable


def test_a_handwriting_run_is_reproducible(mnist_tiny):
    def run() -> dict:
        cfg = TrainConfig.robust(hidden=8, epochs=1, augment_style="handwriting", extra_digits=False)
        tr = Trainer(cfg, Dataset(mnist_tiny.x_train, mnist_tiny.y_train, mnist_tiny.x_test, mnist_tiny.y_test))
        tr.run()
        return tr.model.params()

    a, b = run(), run()
    assert all(np.array_equal(a[k], b[k]) for k in a)


def test_font_digits_are_deterministic_and_read_by_the_page_preprocessing():
    font = font_paths(("DejaVuSans.ttf",))[0]  # Debian's fonts-dejavu-core, which CI installs
    a = font_digit(6, font, np.random.default_rng(3))
    assert a.shape == (280, 280) and a.dtype == np.uint8
    assert np.array_equal(a, font_digit(6, font, np.random.default_rng(3)))
    x = canvas_to_mnist(a)
    assert x is not None and x.shape == (28, 28)


def test_font_paths_names_a_missing_font():
    with pytest.raises(FileNotFoundError, match=r"NoSuchFont\.ttf"):
        font_paths(("NoSuchFont.ttf",))


def test_lead_in_ones_start_left_of_the_stem_and_lower():
    for style in LEAD_IN_ONES:
        stroke = style[0]
        start, top = stroke[0], stroke[np.argmin(stroke[:, 1])]
        assert start[0] < top[0] - 0.25 and start[1] > top[1] + 0.3
    rgba = lead_in_one(np.random.default_rng(0))
    assert rgba.shape == (280, 280, 4) and to_28(rgba) is not None
    assert stroke_digit(7, np.random.default_rng(0)).shape == (280, 280, 4)


def test_blocky_digits_have_square_pixels_and_few_grey_levels(mnist):
    img = blocky(mnist.x_train[0].reshape(28, 28))
    assert img.shape == (280, 280) and img.dtype == np.uint8
    assert len(np.unique(img)) <= 17
    cell = 280 // 10
    block = img[cell : 2 * cell, cell : 2 * cell]
    assert np.all(block == block[0, 0])  # one scanned pixel, blown up
    with pytest.raises(ValueError):
        blocky(np.zeros((28, 28), np.uint8))
