"""The Draw page's lessons, kept in the lab so a reload or a restart loses none.

A lesson ("teach it") is a few SGD steps on one drawing (:func:`mlp_core.teach.teach`),
and those steps are fully determined by the weights taught, the drawing, the digit
and the random seed. So the store keeps, per lab, only what was taught (the 28x28
drawing, the digit, the seed and the figures shown) plus a fingerprint of the
weights the lessons started from; :func:`decode` rebuilds every lesson's weights by
teaching them again, in order, which gives the same weights bit for bit on the
same machine. Keeping ``MAX_LESSONS`` full sets of weights instead would cost up to
MAX_LESSONS x 6 MB per lab at the page's largest hidden layer.

Undo goes back one lesson at a time, at most ``MAX_LESSONS`` deep: past that, the
oldest lesson's weights become the ``floor`` (kept whole, as a model file), the
weights that Undo stops at.
"""

from __future__ import annotations

import io
import json
import zipfile
from dataclasses import dataclass, field

import numpy as np

from mlp_core.data import Dataset
from mlp_core.io import ModelFileError, load_model, model_to_bytes
from mlp_core.model import MLP
from mlp_core.teach import teach

MAX_LESSONS = 12  # undo depth
BLOB_KEY = "draw_lessons"  # the store's blob of a lab that holds its lessons
_VERSION = 1


@dataclass
class Lesson:
    """One "teach it" step: the weights after it, what was taught and what it changed."""

    model: MLP  # the weights after the lesson
    drawing: np.ndarray  # (28, 28) the drawing taught
    label: int
    seed: tuple[int, ...]  # of the lesson's random generator: with the above, it fixes the weights
    probs_before: np.ndarray  # (10,) on the drawing
    probs_after: np.ndarray
    acc_before: float  # on the test digits the page checks a lesson against
    acc_after: float


@dataclass
class Lessons:
    """A lab's lessons: which weights they started from, and the undo stack."""

    base: str = ""  # the source and fingerprint of the model taught ("" for none)
    items: list[Lesson] = field(default_factory=list)
    floor: MLP | None = None  # the weights before items[0] when older lessons were folded in
    folded: int = 0  # lessons older than items[0], part of ``floor``

    @property
    def count(self) -> int:
        """Every lesson the model took, undoable or not."""
        return self.folded + len(self.items)

    def model(self, base_model: MLP) -> MLP:
        """The taught weights (``base_model`` when there are no lessons)."""
        if self.items:
            return self.items[-1].model
        return self.floor if self.floor is not None else base_model

    def add(self, lesson: Lesson) -> None:
        """Push a lesson; past MAX_LESSONS the oldest is folded into the floor."""
        self.items.append(lesson)
        while len(self.items) > MAX_LESSONS:
            self.floor = self.items.pop(0).model
            self.folded += 1

    def undo(self) -> None:
        if self.items:
            self.items.pop()


def teach_lesson(model: MLP, x28: np.ndarray, label: int, data: Dataset, seed: tuple[int, ...]) -> MLP:
    """The weights after teaching ``model`` the drawing: the same for the same arguments."""
    return teach(model, x28, int(label), data, np.random.default_rng(list(seed)))


# --- kept in the store -----------------------------------------------------------------


def encode(lessons: Lessons) -> bytes:
    """The bytes the store keeps for ``lessons`` (an .npz without pickles)."""
    items = lessons.items
    values = {
        "version": _VERSION,
        "base": lessons.base,
        "folded": lessons.folded,
        "labels": [x.label for x in items],
        "seeds": [list(x.seed) for x in items],
        "acc": [[x.acc_before, x.acc_after] for x in items],
    }
    arrays = {
        "values_json": np.frombuffer(json.dumps(values).encode(), dtype=np.uint8),
        "drawings": np.array([x.drawing for x in items], dtype=np.float64).reshape(len(items), 28, 28),
        "probs": np.array([[x.probs_before, x.probs_after] for x in items], dtype=np.float64).reshape(
            len(items), 2, 10
        ),
    }
    if lessons.floor is not None:
        arrays["floor"] = np.frombuffer(model_to_bytes(lessons.floor), dtype=np.uint8)
    buffer = io.BytesIO()
    np.savez(buffer, **arrays)
    return buffer.getvalue()


def decode(blob: bytes | None, base: str, base_model: MLP, data: Dataset) -> Lessons | None:
    """The lessons of ``blob`` rebuilt on ``base_model`` (whose source and fingerprint is ``base``).

    None when there is nothing to rebuild: no blob, a blob of other weights (the
    lessons belonged to a model that has changed since), or a damaged one.
    """
    if not blob:
        return None
    try:
        with np.load(io.BytesIO(blob), allow_pickle=False) as npz:
            values = json.loads(npz["values_json"].tobytes().decode())
            drawings, probs = npz["drawings"], npz["probs"]
            floor_bytes = npz["floor"].tobytes() if "floor" in npz.files else None
        if values.get("version") != _VERSION or values.get("base") != base:
            return None
        labels, seeds, acc = values["labels"], values["seeds"], values["acc"]
        n = len(labels)
        if not (drawings.shape == (n, 28, 28) and probs.shape == (n, 2, 10) and len(seeds) == n == len(acc)):
            return None
        floor = load_model(floor_bytes).model if floor_bytes is not None else None
    except (OSError, EOFError, ValueError, KeyError, TypeError, zipfile.BadZipFile, ModelFileError):
        return None
    if floor is not None and (floor.hidden != base_model.hidden or floor.dtype != base_model.dtype):
        return None
    out = Lessons(base=base, floor=floor, folded=int(values.get("folded", 0)))
    model = out.model(base_model)
    for i in range(n):
        seed = tuple(int(s) for s in seeds[i])
        model = teach_lesson(model, drawings[i], int(labels[i]), data, seed)
        out.items.append(
            Lesson(
                model=model,
                drawing=drawings[i],
                label=int(labels[i]),
                seed=seed,
                probs_before=probs[i, 0],
                probs_after=probs[i, 1],
                acc_before=float(acc[i][0]),
                acc_after=float(acc[i][1]),
            )
        )
    return out


__all__ = ["BLOB_KEY", "MAX_LESSONS", "Lesson", "Lessons", "decode", "encode", "teach_lesson"]
