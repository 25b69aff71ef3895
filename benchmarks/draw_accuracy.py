"""How well a model reads digits that are not MNIST, and how much its confidence means.

Prints, side by side, the previous bundled model (read from git history) and
the bundled one: accuracy on MNIST's 10,000 test digits and on a drawing set
that is not MNIST, by category, with the expected calibration error (ECE, 15
bins) and the number of wrong answers given with 80 % or more confidence
(the Draw page's bar for "not sure").

The drawing set is made here, from a fixed seed, and goes through the Draw
page's preprocessing (``canvas_to_mnist``) like a drawing on the canvas:

- fonts: the ten digits in the 16 Liberation fonts (Debian fonts-liberation:
  Sans, Sans Narrow, Serif, Mono, each regular, bold, italic and bold italic),
  two random renders each (size, slant, turn, added weight). No Liberation font
  is among the fonts of the training digits (mlp_core.drawn.TRAIN_FONTS);
- strokes: pen drawings of varied writers' styles (mlp_core.drawn.stroke_digit,
  other random draws than the training digits');
- lead-in 1s: 1s with a long up-stroke before the stem;
- handwriting: scikit-learn's copy of the UCI handwritten digits (43 writers,
  none of them MNIST's), 8x8 with 17 grey levels, blown up with square pixels
  to the 280x280 canvas: blocky, low-resolution handwriting.

    python benchmarks/draw_accuracy.py
    python benchmarks/draw_accuracy.py --old other.npz --new mine.npz
"""

from __future__ import annotations

import argparse
import subprocess
import sys
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from mlp_core import load_mnist, load_model  # noqa: E402
from mlp_core.calibrate import confident_wrong, ece, scaled_proba  # noqa: E402
from mlp_core.drawn import CANVAS, font_digit, lead_in_one, stroke_digit, to_28  # noqa: E402
from mlp_core.io import DEFAULT_MODEL_PATH, SavedModel  # noqa: E402
from mlp_core.sketches import _line, draw_digit  # noqa: E402

# The last commit whose bundled model was the 784-256-10 robust one.
OLD_MODEL = "be7105d:mlp_core/assets/default_model.npz"
EVAL_FONT_DIR = Path("/usr/share/fonts/truetype/liberation")
SEED = 13
CATEGORIES = ("fonts", "strokes", "lead-in 1s", "handwriting")
SURE = 0.8  # mlp_core.explain.UNSURE_BELOW


def uci_digits(rng: np.random.Generator, n: int) -> tuple[list[np.ndarray], list[int]]:
    """``n`` of scikit-learn's 8x8 UCI digits, blown up to the canvas with square pixels."""
    from sklearn.datasets import load_digits

    digits = load_digits()
    pick = rng.choice(len(digits.target), n, replace=False)
    cell = CANVAS // 10
    images = []
    for i in pick:
        big = np.kron(digits.images[i] / 16.0, np.ones((cell, cell)))
        canvas = np.zeros((CANVAS, CANVAS), np.float32)
        canvas[cell : cell + 8 * cell, cell : cell + 8 * cell] = big
        images.append(canvas)
    return images, [int(digits.target[i]) for i in pick]


def drawing_set(seed: int = SEED) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """(N, 784) uint8 images as the Draw page reads them, (N,) labels, (N,) category indices."""
    rng = np.random.default_rng(seed)
    fonts = sorted(EVAL_FONT_DIR.glob("*.ttf"))
    if not fonts:
        sys.exit(f"No fonts in {EVAL_FONT_DIR}: install Debian's fonts-liberation (apt-get install fonts-liberation).")
    drawings: list[tuple[np.ndarray, int, int]] = []
    for font in fonts:
        for d in range(10):
            for _ in range(2):
                drawings.append((font_digit(d, font, rng), d, 0))
    for i in range(300):
        drawings.append((stroke_digit(i % 10, rng), i % 10, 1))
    for _ in range(50):
        drawings.append((lead_in_one(rng), 1, 2))
    images, labels = uci_digits(rng, 400)
    drawings += [(im, d, 3) for im, d in zip(images, labels, strict=True)]
    xs, ys, cats = [], [], []
    for image, label, cat in drawings:
        x = to_28(image)
        if x is not None:
            xs.append(x.reshape(-1))
            ys.append(label)
            cats.append(cat)
    return np.stack(xs), np.array(ys), np.array(cats)


def the_lead_in_one() -> np.ndarray:
    """One clean lead-in 1 with a slanted stem (a long up-stroke from the left, then the stem), drawn
    big in the canvas's middle with a medium pen, as (784,) uint8. The old model reads it as 7."""
    style = [_line((0.0, 0.4), (0.7, 0.0), (0.45, 1.0))]
    image = draw_digit(1, np.random.default_rng(0), height=200, pen=14, centre=(140, 140), mess=0.0, styles=[style])
    return to_28(image).reshape(-1)


def load_old(spec: str) -> SavedModel:
    """A model file by path, or ``REV:PATH`` from this repository's git history."""
    if Path(spec).is_file():
        return load_model(spec)
    data = subprocess.run(["git", "-C", str(ROOT), "show", spec], capture_output=True, check=True).stdout
    return load_model(data)


def report(saved: SavedModel, mnist, drawings, one: np.ndarray, calibrated: bool) -> dict[str, str]:
    model = saved.model
    t = model.temperature if calibrated else 1.0
    rows: dict[str, str] = {}
    p = scaled_proba(model.scores(mnist.x_test).astype(np.float64), t)
    y = mnist.y_test
    rows["MNIST test accuracy"] = f"{np.mean(p.argmax(1) == y):.2%}"
    rows["MNIST test ECE"] = f"{ece(p, y):.4f}"
    x, y, cats = drawings
    p = scaled_proba(model.scores(x).astype(np.float64), t)
    right = p.argmax(1) == y
    rows["drawings accuracy (all)"] = f"{right.mean():.2%} of {len(y)}"
    for i, name in enumerate(CATEGORIES):
        sel = cats == i
        rows[f"  {name}"] = f"{right[sel].mean():.2%} of {sel.sum()}"
    rows["drawings ECE"] = f"{ece(p, y):.4f}"
    rows[f"drawings wrong at >= {SURE:.0%}"] = f"{confident_wrong(p, y, SURE)} of {(~right).sum()} wrong"
    rows[f"drawings flagged unsure (< {SURE:.0%})"] = f"{np.mean(p.max(1) < SURE):.1%}"
    q = scaled_proba(model.scores(one[None]).astype(np.float64), t)[0]
    rows["a tidy lead-in 1 reads"] = f"{q.argmax()} ({q.max():.0%})"
    return rows


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--old", default=OLD_MODEL, help=f"model file or REV:PATH (default {OLD_MODEL})")
    parser.add_argument("--new", default=str(DEFAULT_MODEL_PATH), help="model file (default: the bundled one)")
    parser.add_argument("--seed", type=int, default=SEED, help="seed of the drawing set")
    args = parser.parse_args()

    old, new = load_old(args.old), load_model(args.new)
    mnist = load_mnist()
    drawings = drawing_set(args.seed)
    one = the_lead_in_one()
    columns = {
        f"old (T {old.temperature:g})": report(old, mnist, drawings, one, True),
        "new (T 1)": report(new, mnist, drawings, one, False),
        f"new (T {new.temperature:.3g})": report(new, mnist, drawings, one, True),
    }
    print(f"old: {args.old} (784-{old.model.hidden}-10)")
    print(f"new: {args.new} (784-{new.model.hidden}-10)")
    print(f"drawing set: seed {args.seed}; ECE with 15 bins; T = the model's softmax temperature\n")
    width = max(len(k) for k in next(iter(columns.values())))
    print(" " * width + "".join(f"  {name:>22}" for name in columns))
    for key in next(iter(columns.values())):
        print(f"{key:<{width}}" + "".join(f"  {col[key]:>22}" for col in columns.values()))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
