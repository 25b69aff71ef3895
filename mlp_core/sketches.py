"""Synthetic hand-drawn digits: pen strokes of the ten digit shapes on an RGBA canvas.

Used to test and benchmark the Draw page's preprocessing without a person at
the canvas: each digit is a few polylines and arcs (several styles per digit,
e.g. a 7 with or without its bar), jittered, slanted, and drawn with a round
pen at a random place, size and width on a transparent canvas, exactly as
the browser canvas returns it (alpha = ink).
"""

from __future__ import annotations

import numpy as np
from PIL import Image, ImageDraw

Stroke = np.ndarray  # (n, 2) points (x, y) in a unit box, y pointing down


def _arc(cx: float, cy: float, rx: float, ry: float, a0: float, a1: float, n: int = 24) -> Stroke:
    """Points on an ellipse from angle a0 to a1 (degrees, counter-clockwise as seen, 0 = right)."""
    a = np.radians(np.linspace(a0, a1, n))
    return np.stack([cx + rx * np.cos(a), cy - ry * np.sin(a)], axis=1)


def _line(*points: tuple[float, float]) -> Stroke:
    return np.array(points, dtype=float)


def _join(*parts: Stroke) -> Stroke:
    return np.concatenate(parts)


# Each digit: a list of styles; each style: a list of strokes (pen down ... pen up).
SHAPES: dict[int, list[list[Stroke]]] = {
    0: [[_arc(0.5, 0.5, 0.42, 0.5, 90, 450, 40)], [_arc(0.5, 0.5, 0.36, 0.5, 100, 470, 40)]],
    1: [
        [_line((0.5, 0.0), (0.5, 1.0))],
        [_line((0.25, 0.22), (0.55, 0.0), (0.55, 1.0))],
        [_line((0.25, 0.22), (0.55, 0.0), (0.55, 1.0)), _line((0.25, 1.0), (0.85, 1.0))],
    ],
    2: [
        [_join(_arc(0.5, 0.3, 0.4, 0.3, 160, -30), _line((0.1, 1.0), (0.92, 1.0)))],
        [_join(_arc(0.5, 0.28, 0.38, 0.28, 150, -20), _line((0.12, 0.95), (0.3, 0.85), (0.92, 1.0)))],
    ],
    3: [
        [_join(_arc(0.48, 0.25, 0.36, 0.25, 150, -90), _arc(0.48, 0.73, 0.42, 0.27, 90, -150))],
        [_join(_line((0.1, 0.0), (0.85, 0.0), (0.4, 0.42)), _arc(0.48, 0.7, 0.4, 0.3, 70, -150))],
    ],
    4: [
        [_line((0.7, 0.0), (0.05, 0.68), (0.95, 0.68)), _line((0.72, 0.3), (0.72, 1.0))],
        [_line((0.15, 0.0), (0.1, 0.6), (0.92, 0.6)), _line((0.72, 0.0), (0.72, 1.0))],
    ],
    5: [
        [_line((0.88, 0.0), (0.22, 0.0), (0.17, 0.45)), _arc(0.48, 0.7, 0.4, 0.3, 150, -150)],
        [_join(_line((0.2, 0.0), (0.17, 0.45)), _arc(0.48, 0.7, 0.4, 0.3, 150, -150)), _line((0.2, 0.0), (0.9, 0.0))],
    ],
    6: [
        [_join(_arc(0.95, 0.62, 0.75, 0.62, 100, 180, 16), _arc(0.5, 0.7, 0.3, 0.3, 180, -180, 36))],
        [_join(_line((0.75, 0.0), (0.25, 0.5)), _arc(0.5, 0.72, 0.32, 0.28, 160, -200, 36))],
    ],
    7: [
        [_line((0.08, 0.0), (0.92, 0.0), (0.35, 1.0))],
        [_line((0.08, 0.0), (0.92, 0.0), (0.35, 1.0)), _line((0.3, 0.5), (0.8, 0.5))],
        [_line((0.08, 0.12), (0.15, 0.0), (0.92, 0.0), (0.45, 1.0))],
    ],
    8: [
        [_arc(0.5, 0.25, 0.3, 0.25, 90, 450, 30), _arc(0.5, 0.73, 0.38, 0.27, 90, -270, 30)],
        [
            _join(
                _arc(0.5, 0.25, 0.32, 0.25, 0, 270, 24),
                _arc(0.5, 0.74, 0.38, 0.26, 90, -270, 30),
                _arc(0.5, 0.25, 0.32, 0.25, 270, 360, 8),
            )
        ],
    ],
    9: [
        [_join(_arc(0.5, 0.3, 0.36, 0.3, 0, 360, 32), _line((0.86, 0.3), (0.8, 1.0)))],
        [_join(_arc(0.5, 0.3, 0.36, 0.3, 10, 370, 32), _arc(0.1, 0.35, 0.76, 0.65, 0, -80, 12))],
    ],
}


def digit_strokes(
    digit: int, rng: np.random.Generator, mess: float = 1.0, styles: list[list[Stroke]] | None = None
) -> list[Stroke]:
    """One style of ``digit``, jittered, slanted and turned, in the unit box (may stick out a little).

    ``mess`` scales every random change: 0 draws the clean shape, 1 a tidy hand,
    2 a hurried one. ``styles`` replaces ``SHAPES[digit]`` as the styles to choose from.
    """
    styles = SHAPES[digit] if styles is None else styles
    strokes = styles[rng.integers(len(styles))]
    shear = mess * rng.uniform(-0.25, 0.35)  # most people slant to the right
    turn = np.radians(mess * rng.uniform(-6, 6))
    wobble = mess * rng.normal(0, 0.025, size=(3, 2))  # a smooth, low-frequency tremor
    cos, sin = np.cos(turn), np.sin(turn)
    out = []
    for s in strokes:
        s = s.copy()
        t = np.linspace(0, 1, len(s))[:, None]
        s += wobble[0] + (wobble[1] - wobble[0]) * t + wobble[2] * np.sin(np.pi * t)
        s += mess * rng.normal(0, 0.006, size=s.shape)
        s[:, 0] += shear * (0.5 - s[:, 1])
        x, y = s[:, 0] - 0.5, s[:, 1] - 0.5
        s = np.stack([0.5 + cos * x - sin * y, 0.5 + sin * x + cos * y], axis=1)
        out.append(s)
    return out


def draw_digit(
    digit: int,
    rng: np.random.Generator,
    *,
    canvas: int = 280,
    height: float | None = None,
    pen: float | None = None,
    centre: tuple[float, float] | None = None,
    mess: float = 1.0,
    styles: list[list[Stroke]] | None = None,
) -> np.ndarray:
    """A (canvas, canvas, 4) uint8 RGBA drawing of ``digit`` (transparent, alpha = ink).

    ``height`` (pixels), ``pen`` (pen width, pixels) and ``centre`` (x, y in
    pixels) are random when not given: anywhere on the canvas, any size from
    a tenth of it to nearly all of it, pen widths from thin to thick. ``mess``
    scales the shape's random distortions and ``styles`` replaces the digit's
    styles (see :func:`digit_strokes`).
    """
    if height is None:
        height = rng.uniform(0.12, 0.92) * canvas
    if pen is None:
        pen = float(np.clip(rng.uniform(0.05, 0.18) * height, 2.0, 0.12 * canvas))
    aspect = rng.uniform(0.5, 0.8)
    width = height * aspect
    half_w, half_h = width / 2 + pen, height / 2 + pen
    if centre is None:
        lo_x, hi_x = half_w, max(half_w, canvas - half_w)
        lo_y, hi_y = half_h, max(half_h, canvas - half_h)
        centre = (rng.uniform(lo_x, hi_x), rng.uniform(lo_y, hi_y))
    cx, cy = centre
    img = Image.new("RGBA", (canvas, canvas), (0, 0, 0, 0))
    draw = ImageDraw.Draw(img)
    ink = (255, 255, 255, 255)
    r = pen / 2
    for s in digit_strokes(digit, rng, mess, styles):
        pts = [(cx + (x - 0.5) * width, cy + (y - 0.5) * height) for x, y in s]
        draw.line(pts, fill=ink, width=max(1, round(pen)), joint="curve")
        for x, y in (pts[0], pts[-1]):  # round pen caps
            draw.ellipse((x - r, y - r, x + r, y + r), fill=ink)
    return np.asarray(img)


def sketch_set(n: int, seed: int = 0, canvas: int = 280, mess: float = 1.0) -> tuple[list[np.ndarray], np.ndarray]:
    """``n`` random drawings (digits 0-9 in turn) and their labels."""
    rng = np.random.default_rng(seed)
    labels = np.arange(n) % 10
    return [draw_digit(int(d), rng, canvas=canvas, mess=mess) for d in labels], labels
