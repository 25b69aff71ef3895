"""Digits that are not MNIST: printed in fonts, drawn with a pen, scanned coarsely.

MNIST holds one kind of hand: American census staff and students, scanned
finely. People at the Draw page write otherwise: a Russian 1 starts with a
long up-stroke, a printed-looking 6 is bold and round, a 2 may be narrow. A
network that has only seen MNIST reads such digits badly, however well it is
augmented. This module makes three other kinds, each brought to 28x28 by the
Draw page's own preprocessing (:func:`mlp_core.preprocess.canvas_to_mnist`):

- **fonts**: a digit rendered from a TrueType font, at a random size, slant,
  turn and weight (an outline stroke thickens it);
- **strokes**: pen drawings (:mod:`mlp_core.sketches`) in more writers' styles,
  among them the 1 with a long lead-in stroke;
- **blocky**: an MNIST training digit redrawn as the UCI/scikit-learn digits
  were scanned (a 32x32 bitmap counted in 4x4 blocks: 8x8 pixels with 17 grey
  levels) and blown up again with square pixels.

``python -m mlp_core.drawn`` writes ``assets/drawn_digits.npz``, the extra
training digits the ``extra_digits`` setting mixes in (the recipe, its fonts and
its seed are in :func:`build_extra` and ``assets/README.md``).
"""

from __future__ import annotations

import argparse
from pathlib import Path

import numpy as np
from PIL import Image, ImageDraw, ImageFont
from scipy import ndimage

from .preprocess import canvas_to_mnist
from .sketches import Stroke, _arc, _join, _line, draw_digit

CANVAS = 280  # the Draw page's canvas, in pixels
EXTRA_PATH = Path(__file__).resolve().parent / "assets" / "drawn_digits.npz"
FONT_DIRS = (Path("/usr/share/fonts/truetype/dejavu"), Path("/usr/share/fonts/truetype/freefont"))
# Fonts of the training digits: DejaVu (Debian fonts-dejavu-core and -extra) and GNU FreeFont
# (fonts-freefont-ttf). Liberation fonts are kept out, for measuring on fonts never seen.
TRAIN_FONTS = (
    "DejaVuSans.ttf",
    "DejaVuSans-Bold.ttf",
    "DejaVuSans-Oblique.ttf",
    "DejaVuSans-BoldOblique.ttf",
    "DejaVuSans-ExtraLight.ttf",
    "DejaVuSansCondensed.ttf",
    "DejaVuSansCondensed-Bold.ttf",
    "DejaVuSansMono.ttf",
    "DejaVuSansMono-Bold.ttf",
    "DejaVuSerif.ttf",
    "DejaVuSerif-Bold.ttf",
    "DejaVuSerif-Italic.ttf",
    "DejaVuSerifCondensed.ttf",
    "DejaVuSerifCondensed-Bold.ttf",
    "FreeSans.ttf",
    "FreeSansBold.ttf",
    "FreeSansOblique.ttf",
    "FreeSerif.ttf",
    "FreeSerifBold.ttf",
    "FreeSerifItalic.ttf",
    "FreeMono.ttf",
    "FreeMonoBold.ttf",
)

# More writers' styles than sketches.SHAPES has. The 1s start with a long up-stroke
# (from the left, a third to a half of the way down) before the stem.
MORE_SHAPES: dict[int, list[list[Stroke]]] = {
    1: [
        [_line((0.1, 0.45), (0.62, 0.0), (0.62, 1.0))],
        [_line((0.05, 0.55), (0.6, 0.0), (0.58, 1.0))],
        [_line((0.2, 0.35), (0.58, 0.0), (0.6, 1.0))],
        [_join(_arc(0.3, 0.42, 0.12, 0.1, 200, 90, 8), _line((0.3, 0.32), (0.6, 0.0), (0.6, 1.0)))],
        # with the stem slanted as well: the ones MNIST-trained networks take for 7s
        [_line((0.0, 0.4), (0.7, 0.0), (0.45, 1.0))],
        [_line((0.05, 0.35), (0.75, 0.0), (0.55, 1.0))],
        [_line((0.15, 0.45), (0.6, 0.0), (0.5, 1.0))],
    ],
    4: [[_line((0.6, 1.0), (0.6, 0.0), (0.05, 0.65), (0.95, 0.65))]],
    7: [[_line((0.05, 0.15), (0.3, 0.0), (0.6, 0.08), (0.95, 0.0), (0.45, 1.0))]],
    9: [[_join(_arc(0.5, 0.28, 0.38, 0.28, 20, 380, 32), _line((0.88, 0.3), (0.6, 1.0)))]],
}
LEAD_IN_ONES = MORE_SHAPES[1]


def font_paths(names: tuple[str, ...] = TRAIN_FONTS, dirs: tuple[Path, ...] = FONT_DIRS) -> list[Path]:
    """The named font files, found in ``dirs``; FileNotFoundError names any that are missing."""
    found, missing = [], []
    for name in names:
        hits = [d / name for d in dirs if (d / name).is_file()]
        (found if hits else missing).append(hits[0] if hits else name)
    if missing:
        raise FileNotFoundError(f"fonts not installed: {', '.join(missing)} (looked in {', '.join(map(str, dirs))})")
    return found


def font_digit(digit: int, font: str | Path, rng: np.random.Generator, canvas: int = CANVAS) -> np.ndarray:
    """A (canvas, canvas) uint8 grey image (ink high) of ``digit`` in ``font``: a random
    size, slant (up to 0.25), turn (up to 4 degrees) and added weight (outline up to 4% of the size)."""
    size = int(rng.uniform(0.35, 0.75) * canvas)
    weight = round(rng.uniform(0, 0.04) * size * (rng.random() < 0.4))
    img = Image.new("L", (canvas, canvas), 0)
    draw = ImageDraw.Draw(img)
    face = ImageFont.truetype(str(font), size)
    draw.text((canvas / 2, canvas / 2), str(int(digit)), fill=255, font=face, anchor="mm", stroke_width=weight,
              stroke_fill=255)  # fmt: skip
    shear = rng.uniform(-0.1, 0.25)
    # x_in = x_out + shear * (y_out - centre): slanted to the right for shear > 0
    img = img.transform(img.size, Image.Transform.AFFINE, (1, shear, -shear * canvas / 2, 0, 1, 0), Image.BILINEAR)
    img = img.rotate(rng.uniform(-4, 4), resample=Image.BILINEAR)
    return np.asarray(img)


def stroke_digit(digit: int, rng: np.random.Generator, *, more: float = 0.5, canvas: int = CANVAS) -> np.ndarray:
    """A (canvas, canvas, 4) RGBA pen drawing of ``digit``: a hand from tidy to hurried (mess 0.4
    to 1.8), in one of sketches.SHAPES' styles or, with probability ``more``, of MORE_SHAPES'."""
    mess = float(rng.uniform(0.4, 1.8))
    use_more = digit in MORE_SHAPES and rng.random() < more
    return draw_digit(int(digit), rng, canvas=canvas, mess=mess, styles=MORE_SHAPES[digit] if use_more else None)


def lead_in_one(rng: np.random.Generator, canvas: int = CANVAS) -> np.ndarray:
    """A (canvas, canvas, 4) RGBA 1 with a long lead-in up-stroke, as many Europeans write it."""
    return draw_digit(1, rng, canvas=canvas, mess=float(rng.uniform(0.4, 1.5)), styles=LEAD_IN_ONES)


def blocky(image: np.ndarray, bold: int = 0, canvas: int = CANVAS) -> np.ndarray:
    """A grey digit (any size, ink high, uint8 or floats in [0, 1]) -> (canvas, canvas) uint8 grey,
    scanned the way the UCI digits were: the ink's bounding box, made square, drawn as a 32x32
    black-and-white bitmap (strokes widened by ``bold`` pixels), then each 4x4 block counted (17 grey
    levels) and shown with square pixels: blocky, low-resolution handwriting."""
    ink = np.asarray(image)
    ink = ink.astype(np.float32) / 255 if ink.dtype == np.uint8 else ink.astype(np.float32)
    rows, cols = np.flatnonzero(ink.max(axis=1) > 0.1), np.flatnonzero(ink.max(axis=0) > 0.1)
    if not len(rows):
        raise ValueError("the image has no ink")
    crop = ink[rows[0] : rows[-1] + 1, cols[0] : cols[-1] + 1]
    h, w = crop.shape
    n = max(h, w)
    square = np.zeros((n, n), np.float32)
    square[(n - h) // 2 : (n - h) // 2 + h, (n - w) // 2 : (n - w) // 2 + w] = crop
    bitmap = np.asarray(Image.fromarray(square, mode="F").resize((32, 32), Image.Resampling.BILINEAR)) > 0.35
    if bold:
        bitmap = ndimage.binary_dilation(bitmap, iterations=int(bold))
    small = bitmap.reshape(8, 4, 8, 4).mean(axis=(1, 3), dtype=np.float32)  # 0, 1/16, ..., 1
    cell = canvas // 10  # a one-cell margin on each side
    out = np.zeros((canvas, canvas), np.uint8)
    out[cell : 9 * cell, cell : 9 * cell] = np.round(np.kron(small, np.ones((cell, cell), np.float32)) * 255)
    return out


def to_28(image: np.ndarray) -> np.ndarray | None:
    """A canvas image -> the (28, 28) uint8 image the Draw page would read (None: nothing to read)."""
    x = canvas_to_mnist(image)
    return None if x is None else np.round(x * 255).astype(np.uint8)


def make_set(
    rng: np.random.Generator,
    fonts: list[Path],
    n_fonts: int,
    n_strokes: int,
    n_lead_in: int,
    blocky_from: tuple[np.ndarray, np.ndarray],
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """(N, 28, 28) uint8 images, their (N,) labels and (N,) kinds (0 fonts, 1 strokes, 2 lead-in 1s,
    3 blocky): ``n_fonts`` font digits (fonts and digits in turn), ``n_strokes`` pen digits, ``n_lead_in``
    lead-in 1s, and one blocky copy of every image of ``blocky_from``, a pair of (M, 28, 28) uint8
    images and their (M,) labels. A drawing the preprocessing finds nothing in is left out."""
    images, labels, kinds = [], [], []

    def add(img: np.ndarray, label: int, kind: int) -> None:
        x = to_28(img)
        if x is not None:
            images.append(x)
            labels.append(label)
            kinds.append(kind)

    for i in range(n_fonts):
        add(font_digit(i % 10, fonts[(i // 10) % len(fonts)], rng), i % 10, 0)
    for i in range(n_strokes):
        add(stroke_digit(i % 10, rng), i % 10, 1)
    for _ in range(n_lead_in):
        add(lead_in_one(rng), 1, 2)
    src, src_labels = blocky_from
    for img, label in zip(src, src_labels, strict=True):
        add(blocky(img, bold=int(rng.integers(0, 3))), int(label), 3)
    return np.stack(images), np.array(labels, np.uint8), np.array(kinds, np.uint8)


def build_extra(seed: int = 2026, holdout_from: int = 55_000) -> dict[str, np.ndarray]:
    """The bundled extra digits: a training part (x_train, y_train, kind_train) and a calibration
    part (x_cal, y_cal, kind_cal) made with other random draws. Blocky digits are made from MNIST
    training images: the training part's from images before ``holdout_from``, the calibration
    part's from those after it (the images a calibrated model's temperature is fitted on)."""
    from .data import load_mnist

    mnist = load_mnist()
    fonts = font_paths()
    rng = np.random.default_rng(seed)
    pick = rng.choice(holdout_from, 4000, replace=False)
    pick_cal = holdout_from + rng.choice(len(mnist.y_train) - holdout_from, 600, replace=False)
    side = 28
    train = make_set(rng, fonts, len(fonts) * 10 * 15, 3000, 600,
                     (mnist.x_train[pick].reshape(-1, side, side), mnist.y_train[pick]))  # fmt: skip
    cal = make_set(rng, fonts, len(fonts) * 10 * 3, 600, 100,
                   (mnist.x_train[pick_cal].reshape(-1, side, side), mnist.y_train[pick_cal]))  # fmt: skip
    return {
        "x_train": train[0],
        "y_train": train[1],
        "kind_train": train[2],
        "x_cal": cal[0],
        "y_cal": cal[1],
        "kind_cal": cal[2],
    }


def load_extra(path: str | Path = EXTRA_PATH) -> dict[str, np.ndarray]:
    """The bundled extra digits (see :func:`build_extra`): (N, 784) uint8 images and (N,) labels."""
    with np.load(path, allow_pickle=False) as f:
        out = {k: f[k] for k in f.files}
    for part in ("train", "cal"):
        out[f"x_{part}"] = out[f"x_{part}"].reshape(len(out[f"x_{part}"]), -1)
    return out


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m mlp_core.drawn", description=__doc__.split("\n\n")[0])
    parser.add_argument("--out", default=str(EXTRA_PATH), help="where to write the .npz (default: the bundled one)")
    parser.add_argument("--seed", type=int, default=2026)
    args = parser.parse_args(argv)
    arrays = build_extra(args.seed)
    np.savez_compressed(args.out, **arrays)
    for part in ("train", "cal"):
        counts = np.bincount(arrays[f"kind_{part}"], minlength=4)
        print(f"{part}: {len(arrays[f'y_{part}'])} digits (fonts, strokes, lead-in 1s, blocky: {counts.tolist()})")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
