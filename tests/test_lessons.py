"""Draw lessons as the lab keeps them: what was taught, rebuilt bit for bit."""

from __future__ import annotations

import numpy as np
import pytest

from labs.lessons import MAX_LESSONS, Lesson, Lessons, decode, encode, teach_lesson
from mlp_core.io import fingerprint, load_default_model
from mlp_core.preprocess import canvas_to_mnist
from mlp_core.sketches import draw_digit


@pytest.fixture(scope="module")
def base():
    return load_default_model().model


def drawing(digit: int, seed: int) -> np.ndarray:
    return canvas_to_mnist(draw_digit(digit, np.random.default_rng(seed), height=160, pen=14))


def taught(base, mnist, n: int) -> Lessons:
    lessons = Lessons(base="default:" + fingerprint(base))
    for i in range(n):
        x28, label = drawing(i % 10, i), (i + 3) % 10
        model = lessons.model(base)
        seed = (lessons.count, label, i)
        new = teach_lesson(model, x28, label, mnist, seed)
        probs = np.full(10, 0.1)
        lessons.add(Lesson(new, x28, label, seed, probs, probs, 0.9, 0.91))
    return lessons


def same_weights(a, b) -> bool:
    return all(np.array_equal(v, b.params()[k]) for k, v in a.params().items())


def test_round_trip_rebuilds_every_lessons_weights(base, mnist):
    lessons = taught(base, mnist, 3)
    back = decode(encode(lessons), lessons.base, base, mnist)
    assert back is not None and back.count == 3 and back.floor is None
    for a, b in zip(lessons.items, back.items, strict=True):
        assert same_weights(a.model, b.model)
        assert a.label == b.label and a.seed == b.seed
        assert np.array_equal(a.drawing, b.drawing)
    assert not same_weights(back.model(base), base)  # the lessons did change the weights


def test_past_the_undo_depth_the_oldest_fold_into_a_floor(base, mnist):
    lessons = taught(base, mnist, MAX_LESSONS + 2)
    assert len(lessons.items) == MAX_LESSONS and lessons.folded == 2 and lessons.count == MAX_LESSONS + 2
    back = decode(encode(lessons), lessons.base, base, mnist)
    assert back is not None and back.folded == 2 and same_weights(back.floor, lessons.floor)
    assert same_weights(back.model(base), lessons.model(base))
    for _ in range(MAX_LESSONS):
        back.undo()
    # Undo stops at the floor (the weights after the two folded lessons), never jumps to the base.
    assert same_weights(back.model(base), lessons.floor) and not same_weights(back.model(base), base)
    back.undo()
    assert same_weights(back.model(base), lessons.floor)


def test_lessons_for_other_weights_or_damaged_are_not_rebuilt(base, mnist):
    lessons = taught(base, mnist, 1)
    blob = encode(lessons)
    assert decode(blob, "trained:" + fingerprint(base), base, mnist) is None
    assert decode(None, lessons.base, base, mnist) is None
    assert decode(blob[: len(blob) // 2], lessons.base, base, mnist) is None
    assert decode(b"not an npz", lessons.base, base, mnist) is None
