"""Drawings -> MNIST-style 28x28 images, the augmentation used in training, the
per-pixel explanation and "teach it".

The headline checks: the bundled model reads synthetic pen drawings (any place,
size and pen width on a 280x280 canvas) at least 95% right, and MNIST's own test
digits, blown up onto a canvas at random sizes and places and brought back by
``canvas_to_mnist``, are read as well as the originals (within one point).
"""

from __future__ import annotations

import numpy as np
import pytest
from PIL import Image, ImageDraw

from mlp_core.augment import augment_batch
from mlp_core.explain import read_digit
from mlp_core.io import load_default_model
from mlp_core.model import as_float
from mlp_core.preprocess import BOX, SIZE, canvas_to_mnist
from mlp_core.sketches import draw_digit, sketch_set
from mlp_core.teach import teach


@pytest.fixture(scope="module")
def default():
    return load_default_model()


def read(model, images) -> np.ndarray:
    """Predicted classes for a list of canvas images (-1 where nothing was read)."""
    x = [canvas_to_mnist(im) for im in images]
    out = np.full(len(x), -1)
    rows = [i for i, v in enumerate(x) if v is not None]
    if rows:
        out[rows] = model.predict_proba(np.stack([x[i].reshape(-1) for i in rows])).argmax(axis=1)
    return out


def on_canvas(img28: np.ndarray, size: int, top: int, left: int, canvas: int = 280) -> np.ndarray:
    """An MNIST digit blown up to size x size and put on a transparent RGBA canvas."""
    big = np.asarray(Image.fromarray(img28.reshape(28, 28)).resize((size, size), Image.Resampling.BILINEAR))
    out = np.zeros((canvas, canvas, 4), np.uint8)
    out[..., :3] = 30
    out[top : top + size, left : left + size, 3] = big
    return out


# --- reading drawings -------------------------------------------------------------


def test_synthetic_drawings_are_read(default):
    images, labels = sketch_set(400, seed=11)
    acc = float(np.mean(read(default, images) == labels))
    assert acc >= 0.95, f"read {acc:.1%} of synthetic drawings"


@pytest.mark.parametrize(
    "kind, height, pen, centre",
    [
        ("tiny", (28, 40), (2.5, 5), None),
        ("huge", (250, 275), (14, 30), (140, 140)),
        ("corner", (50, 70), (5, 9), (40, 45)),
        ("thin pen, large", (200, 240), (2, 3), None),
        ("thick pen", (90, 120), (16, 22), None),
    ],
)
def test_any_place_size_and_pen(default, kind, height, pen, centre):
    rng = np.random.default_rng(hash(kind) % 2**32)
    labels = np.arange(60) % 10
    images = [
        draw_digit(int(d), rng, height=rng.uniform(*height), pen=rng.uniform(*pen), centre=centre) for d in labels
    ]
    acc = float(np.mean(read(default, images) == labels))
    assert acc >= 0.9, f"{kind}: read {acc:.1%}"


def test_merely_resizing_the_canvas_would_not_do(default):
    # Why the preprocessing exists: the same drawings squeezed to 28x28 are misread far more
    # often (a third or more of them, even by a model trained on shifted and scaled digits).
    images, labels = sketch_set(200, seed=12)
    naive = np.stack([np.asarray(Image.fromarray(im[..., 3]).resize((28, 28), Image.Resampling.BOX)) for im in images])
    naive_acc = float(np.mean(default.predict_proba(naive.reshape(len(naive), -1)).argmax(axis=1) == labels))
    ours = float(np.mean(read(default, images) == labels))
    assert naive_acc < 0.67 and ours >= 0.95 and ours - naive_acc >= 0.3


def test_mnist_through_the_canvas_keeps_its_accuracy(default, mnist):
    rng = np.random.default_rng(5)
    x, y = mnist.x_test[:1000], mnist.y_test[:1000]
    original = float(np.mean(default.predict_proba(x).argmax(axis=1) == y))
    canvases = []
    for img in x:
        size = int(rng.integers(40, 281))
        top, left = rng.integers(0, 281 - size, 2)
        canvases.append(on_canvas(img, size, top, left))
    through = float(np.mean(read(default, canvases) == y))
    assert through >= original - 0.01, f"original {original:.1%}, through the canvas {through:.1%}"


# --- what comes out ---------------------------------------------------------------------


def test_output_is_mnist_shaped_and_centred():
    img = draw_digit(2, np.random.default_rng(1), height=100, pen=10, centre=(60, 220))
    x28, stages = canvas_to_mnist(img, return_stages=True)
    assert x28.shape == (SIZE, SIZE) and x28.dtype == np.float32
    assert x28.min() >= 0.0 and x28.max() == pytest.approx(1.0)
    assert np.array_equal(x28, canvas_to_mnist(img))
    assert np.array_equal(stages.final, x28)
    assert stages.scaled.shape == (BOX, BOX)
    rows, cols = np.nonzero(x28 > 0.05)
    assert max(np.ptp(rows), np.ptp(cols)) + 1 in (19, 20, 21)  # the longer side was scaled to 20
    r, c = stages.centre_of_mass
    assert abs(r - 14) <= 0.5 and abs(c - 14) <= 0.5  # MNIST's centring
    top, bottom, left, right = stages.box
    assert stages.cropped.shape == (bottom - top, right - left)
    assert 360 < top + bottom < 520 and 60 < left + right < 180  # the box is where the digit was drawn (x 60, y 220)


def test_place_does_not_matter():
    a = canvas_to_mnist(draw_digit(5, np.random.default_rng(7), height=80, pen=8, centre=(60, 60)))
    b = canvas_to_mnist(draw_digit(5, np.random.default_rng(7), height=80, pen=8, centre=(200, 190)))
    assert np.abs(a - b).max() < 0.35 and np.abs(a - b).mean() < 0.02  # only sub-pixel differences


def test_grey_inputs_agree_with_rgba():
    img = draw_digit(8, np.random.default_rng(3), height=150, pen=12)
    alpha = img[..., 3]
    ref = canvas_to_mnist(img)
    assert np.array_equal(canvas_to_mnist(alpha), ref)
    assert np.allclose(canvas_to_mnist(alpha.astype(np.float64) / 255), ref, atol=1e-6)
    # an opaque canvas (white background, dark ink) is read by brightness
    opaque = np.full(img.shape, 255, np.uint8)
    opaque[..., :3] = 255 - alpha[..., None]
    assert np.allclose(canvas_to_mnist(opaque), ref, atol=0.02)


def test_a_speck_away_from_the_digit_is_ignored():
    img = draw_digit(7, np.random.default_rng(4), height=120, pen=10, centre=(140, 140))
    specked = img.copy()
    specked[10:14, 260:264] = 255
    assert np.array_equal(canvas_to_mnist(specked), canvas_to_mnist(img))


# --- nothing to read -----------------------------------------------------------------------


@pytest.mark.parametrize("shape", [(280, 280, 4), (400, 300, 4), (280, 280)])
def test_blank_gives_none(shape):
    assert canvas_to_mnist(np.zeros(shape, np.uint8)) is None
    assert canvas_to_mnist(np.zeros(shape, np.uint8), return_stages=True) == (None, None)


def test_faint_fringe_alone_is_blank():
    img = np.zeros((280, 280, 4), np.uint8)
    img[50:200, 50:200, 3] = 10  # anti-aliasing level, not ink
    assert canvas_to_mnist(img) is None


@pytest.mark.parametrize("radius", [2, 5, 15])
def test_a_stray_dot_gives_none(radius):
    img = Image.new("RGBA", (280, 280), (0, 0, 0, 0))
    ImageDraw.Draw(img).ellipse((150 - radius, 90 - radius, 150 + radius, 90 + radius), fill=(0, 0, 0, 255))
    assert canvas_to_mnist(np.asarray(img)) is None


# --- bad input -----------------------------------------------------------------------------


@pytest.mark.parametrize(
    "bad, words",
    [
        (np.zeros((280, 280, 3), np.uint8), "RGBA"),
        (np.zeros((280, 280, 4), np.float32), "uint8"),
        (np.zeros((280,), np.uint8), "dimensions"),
        (np.zeros((2, 280, 280, 4), np.uint8), "dimensions"),
        (np.zeros((280, 280), np.int32), "uint8"),
        (np.zeros((4, 4), np.uint8), "pixels"),
        (np.full((28, 28), 2.0), "[0, 1]"),
        (np.full((28, 28), np.nan), "NaN"),
        ([[0, 1], [1, 0]], "NumPy array"),
    ],
)
def test_wrong_input_raises_a_clear_error(bad, words):
    with pytest.raises(ValueError) as info:
        canvas_to_mnist(bad)
    assert words in str(info.value)


# --- augmentation --------------------------------------------------------------------------


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_augment_keeps_shape_dtype_and_input(mnist, dtype):
    x = as_float(mnist.x_train[:64], dtype)
    keep = x.copy()
    out = augment_batch(x, np.random.default_rng(0))
    assert out.shape == x.shape and out.dtype == x.dtype
    assert np.array_equal(x, keep)  # input untouched
    assert not np.shares_memory(out, x)
    assert out.min() >= 0.0 and out.max() <= 1.0
    assert not np.allclose(out, x)  # it did change the images
    # ... but they are still the same digits, roughly as much ink
    ratio = out.sum(axis=1) / x.sum(axis=1)
    assert 0.6 < np.median(ratio) < 1.4


def test_augment_is_deterministic_given_the_rng(mnist):
    x = as_float(mnist.x_train[:32], np.float32)
    a = augment_batch(x, np.random.default_rng(9))
    b = augment_batch(x, np.random.default_rng(9))
    c = augment_batch(x, np.random.default_rng(10))
    assert np.array_equal(a, b)
    assert not np.array_equal(a, c)


def test_augmented_digits_are_still_readable(default, mnist):
    x, y = as_float(mnist.x_test[:500], np.float32), mnist.y_test[:500]
    acc = float(np.mean(default.predict_proba(augment_batch(x, np.random.default_rng(1))).argmax(axis=1) == y))
    assert acc > 0.8  # small distortions, not new digits


def test_augment_rejects_bad_input():
    with pytest.raises(ValueError):
        augment_batch(np.zeros((3, 28, 28), np.float32), np.random.default_rng(0))
    with pytest.raises(ValueError):
        augment_batch(np.zeros((3, 784), np.uint8), np.random.default_rng(0))


# --- explanation ---------------------------------------------------------------------------


def test_contributions_add_up_to_the_score(default):
    x = canvas_to_mnist(draw_digit(6, np.random.default_rng(5), height=140, pen=12))
    r = read_digit(default.model, x)
    assert r.top == 6
    assert r.contributions.sum() + r.bias_part == pytest.approx(float(r.theta[6]), rel=1e-4)
    assert r.h.shape == (default.model.hidden,) and np.all(r.h >= 0)
    assert r.probs.sum() == pytest.approx(1.0, abs=1e-5)
    # gradient x input: a pixel's contribution is its value times d theta / d pixel
    m = default.model.astype(np.float64)
    i = int(np.argmax(np.abs(r.contributions)))
    eps = 1e-4
    xp, xm = x.reshape(-1).astype(np.float64), x.reshape(-1).astype(np.float64)
    xp[i] += eps
    xm[i] -= eps
    grad = (m.forward(xp[None])[1].theta[0, 6] - m.forward(xm[None])[1].theta[0, 6]) / (2 * eps)
    assert r.contributions.reshape(-1)[i] == pytest.approx(x.reshape(-1)[i] * grad, rel=1e-3)


def test_shown_parts_add_up_as_printed(default):
    from mlp_core.explain import shown_parts
    from mlp_core.model import MLP

    images, _ = sketch_set(60, seed=4)
    nobias = MLP.create(32, init="he", seed=1, biases=False, dtype="float32")
    for model in (default.model, nobias):
        for img in images:
            x = canvas_to_mnist(img)
            if x is None:
                continue
            r = read_digit(model, x)
            total, bias, theta = shown_parts(r)
            # what the caption prints adds up exactly, theta is theta rounded, and the parts are close to the truth
            assert f"{float(f'{total:.2f}') + float(f'{bias:.2f}'):.2f}" == f"{theta:.2f}"
            assert f"{theta:.2f}" == f"{float(r.theta[r.top]):.2f}"
            assert abs(total - r.contributions.sum()) <= 0.005 + 1e-4 * abs(total)
            assert abs(bias - r.bias_part) <= 0.011
            assert not any(f"{v:.2f}" == "-0.00" for v in (total, bias, theta))
            if not model.has_biases:
                assert not r.has_biases and bias == 0.0 and total == theta


def test_unsure_flags_scribbles_not_digits(default):
    # A softmax network is sure of itself even on nonsense; at UNSURE_BELOW the warning
    # catches most scribbles but hardly any drawn digit, tiny ones included.
    rng = np.random.default_rng(8)

    def scribble() -> np.ndarray:
        img = Image.new("RGBA", (280, 280), (0, 0, 0, 0))
        centre, r = rng.uniform(80, 200, 2), rng.uniform(40, 110)
        points = [tuple(centre + rng.uniform(-r, r, 2)) for _ in range(rng.integers(6, 16))]
        ImageDraw.Draw(img).line(points, fill=(17, 24, 39, 255), width=int(rng.uniform(10, 24)), joint="curve")
        return np.asarray(img)

    def unsure_share(images) -> float:
        readings = [read_digit(default.model, x) for x in map(canvas_to_mnist, images) if x is not None]
        return float(np.mean([r.unsure for r in readings]))

    digits, _ = sketch_set(300, seed=13)
    tiny = [draw_digit(d % 10, rng, height=rng.uniform(28, 40), pen=rng.uniform(2.5, 5)) for d in range(100)]
    assert unsure_share(digits) <= 0.03
    assert unsure_share(tiny) <= 0.06
    assert unsure_share([scribble() for _ in range(150)]) >= 0.4


# --- teach it, and undo ---------------------------------------------------------------------


def test_teach_moves_the_answer_and_leaves_the_original_alone(default, mnist):
    x = canvas_to_mnist(draw_digit(4, np.random.default_rng(3), height=160, pen=14))
    model = default.model
    keep = {k: v.copy() for k, v in model.params().items()}
    p0 = model.predict_proba(x.reshape(1, -1))[0]
    label = int(np.argsort(-p0)[1])  # its second guess
    new = teach(model, x, label, mnist, np.random.default_rng(0))
    p1 = new.predict_proba(x.reshape(1, -1))[0]
    assert p1[label] > p0[label] + 0.05
    # undo = going back to the old weights: they are bit for bit what they were
    for k, v in model.params().items():
        assert np.array_equal(v, keep[k])
        assert not np.shares_memory(v, new.params()[k])
    # one lesson does not wreck the rest
    xt, yt = mnist.x_test[:1000], mnist.y_test[:1000]
    before = float(np.mean(model.predict(xt) == yt))
    after = float(np.mean(new.predict(xt) == yt))
    assert after > before - 0.03
    # and it is repeatable
    again = teach(model, x, label, mnist, np.random.default_rng(0))
    assert all(np.array_equal(a, b) for a, b in zip(again.params().values(), new.params().values(), strict=True))


def test_teach_rejects_bad_labels(default, mnist):
    x = np.zeros((28, 28), np.float32)
    with pytest.raises(ValueError):
        teach(default.model, x, 10, mnist, np.random.default_rng(0))
