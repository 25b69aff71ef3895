"""Synthetic photos of digits on paper, to test and measure :mod:`mlp_core.photo`.

A real MNIST digit is blown up, rotated and painted as ink onto paper with a
texture, lit unevenly (a gradient across the page, a darker rim, a soft shadow
edge), then "photographed": blurred, with sensor noise, and saved as a JPEG.
Every setting is a field of :class:`Scene`, so a test can ask for exactly one
difficulty; :func:`random_scene` draws them for a named condition.

The ideal ink (what a perfect clean-up would recover) is returned with each
photo, so the photo's 28x28 can be compared with the clean digit's.
"""

from __future__ import annotations

import io
from dataclasses import dataclass, replace

import numpy as np
from PIL import Image
from scipy import ndimage

CONDITIONS = (
    "plain",
    "lighting",
    "shadow",
    "inverted",
    "rotated",
    "small",
    "coloured",
    "ruled",
    "squared",
    "noisy",
    "everything",
)

WHITE = (238, 236, 230)
PAPERS = {
    "cream": (240, 228, 196),
    "grey": (180, 180, 176),
    "blue": (190, 214, 236),
    "yellow": (246, 232, 150),
    "pink": (240, 200, 206),
    "green": (196, 228, 196),
}
INKS = {"black": (28, 28, 34), "blue": (30, 50, 140), "red": (170, 30, 40), "pencil": (90, 90, 96)}
BOARDS = {"blackboard": (40, 44, 46), "greenboard": (38, 70, 52)}
CHALK = (232, 232, 224)
RULE_COLOURS = {"blue": (150, 180, 222), "grey": (170, 170, 176), "green": (160, 200, 170), "purple": (190, 160, 210)}


@dataclass(frozen=True)
class Scene:
    """How one photo is made. Sizes are shares of the frame's shorter side."""

    height: int = 480
    width: int = 640
    paper: tuple[int, int, int] = WHITE
    ink: tuple[int, int, int] = INKS["black"]
    fill: float = 0.5  # the digit's height (MNIST's 20-pixel box) as a share of the frame's shorter side
    centre: tuple[float, float] = (0.5, 0.5)  # the digit's centre, as shares of the frame's height and width
    angle: float = 0.0  # rotation in degrees, counter-clockwise
    gradient: float = 0.0  # the light falls by this share from one side of the page to the other
    gradient_angle: float = 0.0  # ... in this direction (degrees)
    vignette: float = 0.0  # the corners are darker by this share
    shadow: float = 0.0  # a shadow darkens part of the page by this share ...
    shadow_angle: float = 30.0  # ... on one side of a line at this angle (degrees) ...
    shadow_offset: float = 0.0  # ... passing this far from the centre (share of the shorter side) ...
    shadow_soft: float = 0.02  # ... with an edge this wide
    texture: float = 0.03  # paper fibres: brightness varies by about this share
    blur: float = 0.6  # camera blur, Gaussian sigma in pixels
    noise: float = 3.0  # sensor noise, standard deviation in 0-255 levels
    jpeg: int = 90  # JPEG quality (0 = saved losslessly)
    rules: str = ""  # printed lines on the paper: "" (none), "ruled" (across) or "squared" (both ways)
    rule_spacing: float = 0.1  # ... this far apart (share of the shorter side; a school notebook's 5 mm squares
    rule_width: float = 1.5  # ... this many pixels wide
    rule_colour: tuple[int, int, int] = RULE_COLOURS["blue"]


def _ink_map(digit28: np.ndarray, scene: Scene) -> np.ndarray:
    """The digit blown up, rotated and placed: (height, width) float32 ink cover in [0, 1]."""
    side = min(scene.height, scene.width)
    box = max(8, round(scene.fill * side * 28 / 20))  # MNIST's 28-pixel frame around its 20-pixel digit
    img = Image.fromarray(np.asarray(digit28, np.uint8).reshape(28, 28), mode="L")
    big = img.resize((box, box), Image.Resampling.BICUBIC).rotate(scene.angle, Image.Resampling.BILINEAR)
    # a pen's edge is sharper than an enlarged 28x28 image
    cover = np.clip((np.asarray(big, np.float32) / 255 - 0.25) / 0.5, 0, 1)
    out = np.zeros((scene.height, scene.width), np.float32)
    top = round(scene.centre[0] * scene.height - box / 2)
    left = round(scene.centre[1] * scene.width - box / 2)
    t0, l0 = max(top, 0), max(left, 0)
    t1, l1 = min(top + box, scene.height), min(left + box, scene.width)
    if t1 > t0 and l1 > l0:
        out[t0:t1, l0:l1] = cover[t0 - top : t1 - top, l0 - left : l1 - left]
    return out


def _rules(scene: Scene) -> np.ndarray:
    """The printed lines' cover, (height, width) float32 in [0, 1], turned with the page (``angle``)."""
    h, w = scene.height, scene.width
    side = min(h, w)
    y, x = np.mgrid[0:h, 0:w].astype(np.float32)
    a = np.radians(scene.angle)
    # page coordinates: the photo turned back by the angle the digit was turned
    across = (y - h / 2) * np.cos(a) + (x - w / 2) * np.sin(a)
    along = (x - w / 2) * np.cos(a) - (y - h / 2) * np.sin(a)
    gap = scene.rule_spacing * side

    def lines(d: np.ndarray) -> np.ndarray:
        off = np.abs((d + 0.37 * gap) % gap - gap / 2)  # distance to the nearest line
        return np.clip(scene.rule_width / 2 + 0.5 - (gap / 2 - off), 0, 1)

    cover = lines(across)
    if scene.rules == "squared":
        cover = np.maximum(cover, lines(along))
    return cover


def _lighting(scene: Scene) -> np.ndarray:
    h, w = scene.height, scene.width
    side = min(h, w)
    y, x = np.mgrid[0:h, 0:w].astype(np.float32)
    y = (y - h / 2) / side
    x = (x - w / 2) / side
    light = np.ones((h, w), np.float32)
    a = np.radians(scene.gradient_angle)
    along = x * np.cos(a) + y * np.sin(a)  # about -0.7 .. 0.7
    light *= 1 - scene.gradient * np.clip(along / 1.4 + 0.5, 0, 1)
    r2 = (x * x + y * y) / (0.25 + 0.25 * (max(h, w) / side) ** 2)
    light *= 1 - scene.vignette * r2
    if scene.shadow:
        s = np.radians(scene.shadow_angle)
        d = x * np.cos(s) + y * np.sin(s) - scene.shadow_offset
        light *= 1 - scene.shadow / (1 + np.exp(-d / max(scene.shadow_soft, 1e-3)))
    return light


def render(
    scene: Scene, rng: np.random.Generator, digits: tuple = (), places: tuple[Scene, ...] | None = None
) -> tuple[np.ndarray, np.ndarray]:
    """Digits (each 784 or 28x28 uint8, MNIST style) on one page -> (photo (H, W, 3) uint8 RGB,
    ideal ink (H, W) float32). The page, lighting and camera come from ``scene``; each digit's
    size, place and angle from its entry in ``places`` (default: ``scene`` for every digit).
    No digits: a blank page."""
    h, w = scene.height, scene.width
    places = tuple(places) if places is not None else (scene,) * len(digits)
    if len(places) != len(digits):
        raise ValueError(f"{len(digits)} digits but {len(places)} places")
    cover = np.zeros((h, w), np.float32)
    for digit, place in zip(digits, places, strict=True):
        cover = np.maximum(cover, _ink_map(digit, replace(place, height=h, width=w)))
    fibres = ndimage.gaussian_filter(rng.standard_normal((h, w)).astype(np.float32), 1.5) * 3
    blotches = ndimage.gaussian_filter(rng.standard_normal((h, w)).astype(np.float32), 12) * 20
    texture = 1 + scene.texture * (0.7 * fibres + 0.3 * blotches)
    paper = np.asarray(scene.paper, np.float32) * texture[..., None]
    if scene.rules:
        rules = _rules(scene)[..., None]
        paper = paper * (1 - rules) + np.asarray(scene.rule_colour, np.float32) * texture[..., None] * rules
    ink = np.asarray(scene.ink, np.float32)
    reflect = paper * (1 - cover[..., None]) + ink * cover[..., None]
    img = reflect * _lighting(scene)[..., None]
    if scene.blur:
        img = ndimage.gaussian_filter(img, (scene.blur, scene.blur, 0))
    img = img + rng.normal(0, scene.noise, img.shape).astype(np.float32)
    photo = np.clip(np.rint(img), 0, 255).astype(np.uint8)
    if scene.jpeg:
        buf = io.BytesIO()
        Image.fromarray(photo, mode="RGB").save(buf, format="JPEG", quality=scene.jpeg)
        photo = np.asarray(Image.open(io.BytesIO(buf.getvalue())).convert("RGB"))
    return photo, cover


def random_scene(rng: np.random.Generator, condition: str = "everything", height: int = 480, width: int = 640) -> Scene:
    """A scene with mild everyday defaults and the named condition (one of CONDITIONS) made hard."""
    if condition not in CONDITIONS:
        raise ValueError(f"unknown condition {condition!r}; expected one of {', '.join(CONDITIONS)}")
    every = condition == "everything"
    fill = rng.uniform(0.4, 0.6)
    s = Scene(
        height=height,
        width=width,
        paper=tuple(int(c) for c in np.asarray(WHITE) - rng.integers(0, 12)),
        fill=fill,
        centre=(0.5 + rng.uniform(-0.08, 0.08), 0.5 + rng.uniform(-0.08, 0.08)),
        angle=rng.uniform(-3, 3),
        gradient=rng.uniform(0, 0.15),
        gradient_angle=rng.uniform(0, 360),
        vignette=rng.uniform(0, 0.1),
        texture=rng.uniform(0.01, 0.03),
        blur=rng.uniform(0.3, 1.0),
        noise=rng.uniform(1, 4),
        jpeg=int(rng.integers(75, 95)),
    )
    if condition == "lighting" or (every and rng.random() < 0.5):
        s = replace(s, gradient=rng.uniform(0.3, 0.6), vignette=rng.uniform(0.2, 0.4))
    if condition == "shadow" or (every and rng.random() < 0.4):
        s = replace(
            s,
            shadow=rng.uniform(0.3, 0.55),
            shadow_angle=rng.uniform(0, 360),
            shadow_offset=rng.uniform(-0.15, 0.15),
            shadow_soft=rng.uniform(0.005, 0.04),
        )
    if condition == "inverted" or (every and rng.random() < 0.25):
        board = list(BOARDS.values())[rng.integers(len(BOARDS))]
        s = replace(s, paper=board, ink=CHALK, texture=rng.uniform(0.04, 0.08))
    elif condition == "coloured" or (every and rng.random() < 0.4):
        paper = list(PAPERS.values())[rng.integers(len(PAPERS))]
        ink = list(INKS.values())[rng.integers(len(INKS))]
        s = replace(s, paper=paper, ink=ink, texture=rng.uniform(0.02, 0.05))
    on_paper = s.paper not in BOARDS.values()  # printed lines are a notebook's, not a board's
    if condition in ("ruled", "squared") or (every and on_paper and rng.random() < 0.3):
        kind = condition if condition in ("ruled", "squared") else str(rng.choice(["ruled", "squared"]))
        colour = list(RULE_COLOURS.values())[rng.integers(len(RULE_COLOURS))]
        # squares of 5 mm, lines 8 mm apart, on a frame 6 to 12 cm across
        spacing = rng.uniform(0.04, 0.09) if kind == "squared" else rng.uniform(0.07, 0.14)
        s = replace(s, rules=kind, rule_spacing=spacing, rule_width=rng.uniform(1.0, 2.5), rule_colour=colour)
        if not every:  # a school notebook is written in pen or pencil of any colour
            s = replace(s, ink=list(INKS.values())[rng.integers(len(INKS))])
    if condition == "rotated" or (every and rng.random() < 0.5):
        s = replace(s, angle=float(rng.choice([-1, 1]) * rng.uniform(8, 15)))
    if condition == "small" or (every and rng.random() < 0.4):
        fill = rng.uniform(0.2, 0.3)
        room = 0.5 - fill * 28 / 20 / 2 - 0.02  # the digit's box stays within the frame
        s = replace(s, fill=fill, centre=(0.5 + rng.uniform(-room, room), 0.5 + rng.uniform(-room, room)))
    elif every:
        s = replace(s, fill=rng.uniform(0.2, 0.7))
    if condition == "noisy" or (every and rng.random() < 0.4):
        s = replace(s, blur=rng.uniform(1.0, 2.5), noise=rng.uniform(6, 12), jpeg=int(rng.integers(30, 55)))
    return _within_frame(s)


def _within_frame(s: Scene, margin: float = 0.01) -> Scene:
    """The scene with the digit's box moved (not shrunk) to lie inside the frame: a digit cut
    off by the frame's edge is a photo the clean-up should refuse, not one to read."""
    side = min(s.height, s.width)
    half_h = s.fill * 28 / 20 * side / s.height / 2 + margin
    half_w = s.fill * 28 / 20 * side / s.width / 2 + margin
    row = float(np.clip(s.centre[0], min(half_h, 0.5), max(1 - half_h, 0.5)))
    col = float(np.clip(s.centre[1], min(half_w, 0.5), max(1 - half_w, 0.5)))
    return replace(s, centre=(row, col))


def two_digit_scenes(rng: np.random.Generator, height: int = 480, width: int = 640) -> list[Scene]:
    """Two digits side by side on one page (a number written instead of a digit)."""
    base = random_scene(rng, "everything", height, width)
    fill = rng.uniform(0.3, 0.45)
    box = fill * 28 / 20 * min(height, width) / width  # the digit's box, as a share of the width
    gap = rng.uniform(-0.15, 0.05) * box  # MNIST's margins leave a gap between the boxes' digits
    row = 0.5 + rng.uniform(-0.05, 0.05)
    left = 0.5 - (box + gap / 2) / 2
    right = 0.5 + (box + gap / 2) / 2
    return [
        replace(base, fill=fill, centre=(row, left), angle=rng.uniform(-8, 8)),
        replace(base, fill=fill, centre=(row, right), angle=rng.uniform(-8, 8)),
    ]
