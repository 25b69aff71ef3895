"""A photo or scan of one digit on paper -> the 28x28 image the network reads.

A phone photo is not a drawing: the paper is lit unevenly (brighter on one
side, darker in the corners, a shadow across it), it may be grey or coloured,
the ink may be dark on light paper or light on a dark board, and there is
sensor noise, blur and JPEG blocking. Before MNIST's own steps
(:func:`mlp_core.preprocess.canvas_to_mnist`) can run, the photo is turned
into an ink map, ink high and paper zero:

1. grey: the photo's brightness (a transparent PNG is laid on a plain
   background first), shrunk so its longer side is at most WORK_SIDE pixels
   (a 12 MP phone shot would be slow and gains nothing: the digit ends up
   20 pixels tall);
2. polarity: the paper is what most of the frame shows, so a coarse median of
   the grey image is the paper; whether the strong departures from it are
   darker or lighter says which way the ink goes;
3. flattening: a grey closing (dark ink) or opening (light ink) wider than a
   stroke wipes out the strokes and keeps the paper, with its gradient,
   vignette and even the sharp edge of a shadow (a closing leaves any edge
   wider than its window as it is). The ink is how much darker (lighter) each
   pixel is than the paper there, as a fraction of the paper's brightness,
   which cancels the light falling on it;
4. scaling: the departures are measured against the paper's own noise; weak
   ones are paper texture, the strong ones set the level of full ink;
5. printed lines: a ruled or squared page's lines are marks too, and on a
   blank page or under a pencil digit the strongest ones. They are found as
   what no digit is: straight runs across at least half the frame, at the
   page's angle (searched within +-MAX_TILT degrees) and at right angles to
   it; they are taken out, and a stroke they crossed is closed over them;
6. checks: separate marks as large as a digit side by side are several
   digits; a digit running into the frame's edge is cut off; with no strong
   mark at all the page is blank. Small marks at the edge (a bit of table,
   the paper's border) are dropped.

:func:`photo_to_mnist` returns a :class:`PhotoReading` with every stage and a
problem code (None when the digit was read). :func:`decode_photo` turns the
bytes of an uploaded PNG/JPEG into the array it takes.
"""

from __future__ import annotations

import io
from dataclasses import dataclass

import numpy as np
from PIL import Image, ImageOps
from scipy import ndimage

from .preprocess import INK_LEVEL, Stages, canvas_to_mnist, stroke_width

MIN_SIDE = 16  # smaller photos are refused
MAX_SIDE = 12_000  # ... and larger ones (a 48 MP phone shot is 8,000 x 6,000)
MAX_PIXELS = 50_000_000  # ... and any with more pixels than this (memory: 150 MB as RGB)
MAX_ASPECT = 6  # ... and any longer than this many times its width (a panorama is no photo of a digit)
MAX_FILE_BYTES = 25_000_000  # uploaded files larger than this are refused
WORK_SIDE = 512  # the photo is shrunk so its longer side is at most this many pixels

DENOISE_SIGMA = 1.0  # Gaussian smoothing of the grey photo, in work pixels (sensor noise, JPEG blocks)
MEDIAN_GRID = 64  # the coarse paper estimate is a median on a grid of about this many cells a side
MEDIAN_WINDOW = 0.25  # ... over windows this share of the frame's shorter side
DARK_FLOOR = 0.05  # brightness below which the paper counts as this dark (no division by ~0)
NOISE_SIGMAS = 6.0  # a mark is strong when it departs from the paper by this many noise deviations
MIN_CONTRAST = 0.15  # ... and by at least this share of the paper's brightness
FADE_SIGMAS = 4.0  # departures under this many noise deviations are paper texture: no ink
FADE_LEVEL = 0.25  # ... as are those under this share of full ink
FULL_LEVEL = 0.8  # ink at this share of the strong marks' 90th percentile is full ink
MAX_TILT = 16  # printed lines are looked for at up to this many degrees from level
RULE_LENGTH = 0.5  # ... as straight runs at least this share of the frame's side long
GAP = 9  # ... with gaps up to this many pixels bridged
SHORT_RULE = 0.05  # on a ruled page, runs this long that go off the page are lines too (in the corners)
RULE_SHARE = 0.35  # a row counts as a line when marks cover this share of it (the coarse search)
MIN_INK_PIXELS = 30  # fewer strong pixels than this (in the work image): a blank page

DIGIT_HEIGHT = 0.5  # a mark at least this share of the tallest mark's height ...
DIGIT_MASS = 0.15  # ... and with this share of its ink is a digit of its own when it stands apart
EDGE_MASS = 0.25  # marks at the frame's edge with less than this share of the digit's ink are dropped

# Problem codes: why a photo could not be read.
NO_INK = "no_ink"  # a blank page, or only a dot
SEVERAL_DIGITS = "several_digits"  # two or more digits side by side (or one above the other)
TOUCHES_EDGE = "touches_edge"  # the digit (or a large dark object) runs into the frame's edge
PROBLEMS = (NO_INK, SEVERAL_DIGITS, TOUCHES_EDGE)


@dataclass(frozen=True)
class PhotoReading:
    """Every stage of :func:`photo_to_mnist`, for showing side by side."""

    grey: np.ndarray  # (h, w) float32 in [0, 1]: the photo's brightness, shrunk to the work size
    paper: np.ndarray  # (h, w) float32 in [0, 1]: the paper as estimated (light, shadows, colour)
    ink: np.ndarray  # (h, w) float32 in [0, 1]: the flattened ink map, ink high (what canvas_to_mnist reads)
    light_ink: bool  # True when the ink is lighter than the paper (chalk on a board)
    ruled: bool  # True when printed lines (a ruled or squared page) were found and taken out
    scale: float  # work size / photo size (1.0 when the photo was not shrunk)
    problem: str | None  # one of PROBLEMS, or None when the digit was read
    image: np.ndarray | None  # (28, 28) float32: what the network sees; None when there is a problem
    stages: Stages | None  # canvas_to_mnist's own stages; None when there is a problem


def _check_photo(photo: np.ndarray) -> None:
    if not isinstance(photo, np.ndarray):
        raise ValueError(f"expected a NumPy array, got {type(photo).__name__}")
    if photo.ndim not in (2, 3) or (photo.ndim == 3 and photo.shape[2] not in (1, 3, 4)):
        raise ValueError(f"expected an (H, W) grey, (H, W, 3) RGB or (H, W, 4) RGBA image, got shape {photo.shape}")
    if photo.dtype != np.uint8:
        raise ValueError(f"a photo must be uint8 (0-255), got {photo.dtype}")
    h, w = photo.shape[:2]
    if not (MIN_SIDE <= h <= MAX_SIDE and MIN_SIDE <= w <= MAX_SIDE):
        raise ValueError(f"a photo must be {MIN_SIDE} to {MAX_SIDE} pixels on each side, got {h}x{w}")
    if max(h, w) > MAX_ASPECT * min(h, w):
        raise ValueError(f"a photo may be at most {MAX_ASPECT} times as long as it is wide, got {h}x{w}")
    if h * w > MAX_PIXELS:
        raise ValueError(f"a photo may have at most {MAX_PIXELS:,} pixels, got {h * w:,} ({h}x{w})")


def _to_pil_grey(photo: np.ndarray) -> Image.Image:
    """The photo's brightness as a Pillow "L" image; a transparent image is first laid
    on white, or on black when what it shows is light (light ink on transparency)."""
    if photo.ndim == 3 and photo.shape[2] == 1:
        photo = photo[..., 0]
    if photo.ndim == 2:
        return Image.fromarray(photo, mode="L")
    if photo.shape[2] == 3:
        return Image.fromarray(photo, mode="RGB").convert("L")
    rgba = Image.fromarray(photo, mode="RGBA")
    alpha = photo[..., 3]
    if alpha.min() == 255:
        return rgba.convert("L")
    grey = rgba.convert("L")
    shown = np.asarray(grey)[alpha > 127]
    back = 0 if shown.size and shown.mean() > 127 else 255
    base = Image.new("L", rgba.size, back)
    base.paste(grey, mask=rgba.getchannel("A"))
    return base


def grey_photo(photo: np.ndarray) -> tuple[np.ndarray, float]:
    """(H, W[, C]) uint8 photo -> ((h, w) float32 brightness in [0, 1] with the longer side at
    most WORK_SIDE, the scale factor h / H). Raises ValueError for a wrong shape, dtype or size."""
    _check_photo(photo)
    img = _to_pil_grey(photo)
    w, h = img.size
    scale = min(1.0, WORK_SIDE / max(h, w))
    if scale < 1.0:
        size = (max(1, round(w * scale)), max(1, round(h * scale)))
        # reducing_gap: a fast whole-block reduction first, then an exact area-averaging resize
        img = img.resize(size, Image.Resampling.BOX, reducing_gap=2.0)
        scale = img.size[1] / h
    return np.asarray(img, dtype=np.float32) / np.float32(255), scale


def _coarse_median(grey: np.ndarray) -> np.ndarray:
    """The paper as a median over windows a quarter of the frame wide, computed on a coarse grid
    (cheap) and brought back to full size. Strokes cover well under half of such a window."""
    h, w = grey.shape
    k = max(1, max(h, w) // MEDIAN_GRID)
    small = np.asarray(
        Image.fromarray(grey, mode="F").resize((max(1, w // k), max(1, h // k)), Image.Resampling.BOX),
        dtype=np.float32,
    )
    window = max(3, int(MEDIAN_WINDOW * min(h, w) / k) | 1)
    small = ndimage.median_filter(small, size=window, mode="reflect")
    return np.asarray(Image.fromarray(small, mode="F").resize((w, h), Image.Resampling.BILINEAR), dtype=np.float32)


def _noise(x: np.ndarray) -> float:
    """Robust standard deviation (median absolute deviation) of an image's values, taken on
    every other row and column (as good an estimate, four times cheaper)."""
    x = x[::2, ::2]
    return float(1.4826 * np.median(np.abs(x - np.median(x)))) + 1e-6


def _largest_marks(mask: np.ndarray) -> np.ndarray:
    """Keep separate marks holding at least 2% of the mask (as canvas_to_mnist does with specks)."""
    labels, n = ndimage.label(mask, structure=np.ones((3, 3)))
    if n <= 1:
        return mask
    sizes = np.bincount(labels.ravel())[1:]
    keep = np.concatenate(([False], sizes >= 0.02 * sizes.sum()))
    return keep[labels]


def _profile_score(mask: np.ndarray, angle: float) -> tuple[float, float]:
    """How line-like ``mask`` is turned by ``angle`` degrees: (sharpness of its row and column
    profiles, the largest share of a row or column it covers)."""
    turned = mask if angle == 0 else ndimage.rotate(mask.view(np.uint8), angle, reshape=False, order=0, mode="constant")
    rows, cols = turned.sum(axis=1), turned.sum(axis=0)
    share = max(rows.max() / mask.shape[1], cols.max() / mask.shape[0])
    return float(np.square(rows).sum() + np.square(cols).sum()), float(share)


def _page_angle(mask: np.ndarray) -> float | None:
    """The angle (degrees) that lays a ruled page's lines level, or None when ``mask`` has no
    line across most of the frame. Searched on a coarse copy, 2 degrees apart, then finer."""
    f = max(1, max(mask.shape) // 128)
    h, w = (mask.shape[0] // f) * f, (mask.shape[1] // f) * f
    small = mask[:h, :w].reshape(h // f, f, w // f, f).any(axis=(1, 3))
    if not small.any():
        return None
    best = max(np.arange(-MAX_TILT, MAX_TILT + 1, 2.0), key=lambda a: _profile_score(small, a)[0])
    best = max(np.arange(best - 1.5, best + 1.75, 0.25), key=lambda a: _profile_score(small, a)[0])
    return float(best) if _profile_score(small, best)[1] >= RULE_SHARE else None


def _runs(mask: np.ndarray, length: int, axis: int) -> np.ndarray:
    """The pixels of ``mask`` on straight runs at least ``length`` long along ``axis``: a binary
    opening by a line, as two 1-D filters, on the mask made 3 pixels thicker across the runs
    (a line a little off the angle found) and with gaps of a few pixels along them bridged
    (a faint line is dashed where the paper's grain crosses it)."""
    band = ndimage.maximum_filter1d(mask.astype(np.uint8), 3, axis=1 - axis, mode="nearest")
    band = ndimage.maximum_filter1d(band, GAP, axis=axis, mode="nearest")
    band = ndimage.minimum_filter1d(band, GAP, axis=axis, mode="nearest")
    eroded = ndimage.minimum_filter1d(band, length, axis=axis, mode="constant")
    return ndimage.maximum_filter1d(eroded, length, axis=axis, mode="constant").astype(bool) & (band > 0)


def _turn_back(turned: np.ndarray, angle: float, shape: tuple[int, int]) -> np.ndarray:
    """A mask made on the photo turned by ``angle`` (reshape=True), in the photo's own frame."""
    if angle == 0:
        return turned
    back = ndimage.rotate(turned.astype(np.uint8), -angle, reshape=True, order=0, mode="constant")
    top, left = (back.shape[0] - shape[0]) // 2, (back.shape[1] - shape[1]) // 2
    return back[top : top + shape[0], left : left + shape[1]].astype(bool)


def _pool(mask: np.ndarray, f: int) -> np.ndarray:
    """``mask`` shrunk ``f`` times, a pixel set where any of its block was (a thin line stays whole)."""
    h, w = -(-mask.shape[0] // f) * f, -(-mask.shape[1] // f) * f
    padded = np.pad(mask, ((0, h - mask.shape[0]), (0, w - mask.shape[1])))
    return padded.reshape(h // f, f, w // f, f).any(axis=(1, 3))


def _solid(mask: np.ndarray, width: int) -> np.ndarray:
    """The pixels of ``mask`` in squares wider than twice a printed line (``width``): strokes,
    and where a stroke crosses a line; the lines and their crossings have no such square."""
    k = 2 * width + 2
    eroded = ndimage.minimum_filter(mask.view(np.uint8), size=k, mode="constant")
    return ndimage.maximum_filter(eroded, size=k, mode="constant").astype(bool)


def _width(lines: np.ndarray, marks: np.ndarray, axis: int) -> int:
    """How wide the marks on ``lines`` are across them (``axis``: the lines' direction)."""
    starts = np.count_nonzero(np.diff(lines.view(np.uint8), axis=1 - axis) == 1)
    return max(1, round(np.count_nonzero(lines & marks) / max(starts, 1)))


def find_rules(marks: np.ndarray) -> np.ndarray | None:
    """(h, w) bool marks -> the printed lines' pixels (a (h, w) bool mask), or None when the
    page has no lines: straight runs at least RULE_LENGTH of the frame long that go off the
    page at both ends, at the page's angle and at right angles to it (a squared page). Where a
    stroke crosses a line, or runs along one in a pen wider than the line, the stroke stays.
    Looked for at half size (four times fewer pixels to turn; a line 1 pixel wide stays whole)."""
    angle = _page_angle(marks)
    if angle is None:
        return None
    half = _pool(marks, 2)
    turned = half if angle == 0 else ndimage.rotate(half.view(np.uint8), angle, reshape=True, order=0).astype(bool)
    h, w = half.shape
    across = _off_page(_runs(turned, max(8, round(RULE_LENGTH * w)), axis=1), angle, half.shape, 2)
    down = _off_page(_runs(turned, max(8, round(RULE_LENGTH * h)), axis=0), angle, half.shape, 2)
    if not (across.any() or down.any()):
        return None
    # A ruled page: the short ends of its lines in the frame's corners go too (runs apart from
    # the lines found, so not a stroke that touches one).
    long = across | down
    across |= _off_page(_apart(_runs(turned, max(8, round(SHORT_RULE * w)), axis=1), long), angle, half.shape, 1)
    down |= _off_page(_apart(_runs(turned, max(8, round(SHORT_RULE * h)), axis=0), long), angle, half.shape, 1)
    widths = [_width(across, turned, 1)] if across.any() else []
    widths += [_width(down, turned, 0)] if down.any() else []
    lines = _turn_back(turned & (across | down) & ~_solid(turned, max(widths)), angle, half.shape)
    lines = lines.repeat(2, axis=0).repeat(2, axis=1)[: marks.shape[0], : marks.shape[1]]
    # a pixel wider each side: the lines' soft edges, and the pixel that turning there and back may shift them by
    return ndimage.binary_dilation(lines, structure=np.ones((3, 3)))


def _turn(mask: np.ndarray, angle: float, shape: tuple[int, int]) -> np.ndarray:
    """``mask`` turned by ``angle`` onto a frame of ``shape`` (what rotate(reshape=True) made)."""
    if angle == 0:
        return mask
    turned = ndimage.rotate(mask.view(np.uint8), angle, reshape=True, order=0).astype(bool)
    top, left = (turned.shape[0] - shape[0]) // 2, (turned.shape[1] - shape[1]) // 2
    if top >= 0 and left >= 0:
        return turned[top : top + shape[0], left : left + shape[1]]
    out = np.zeros(shape, bool)
    out[-top : -top + turned.shape[0], -left : -left + turned.shape[1]] = turned
    return out


def _apart(runs: np.ndarray, lines: np.ndarray) -> np.ndarray:
    """The runs that do not touch ``lines``."""
    labels, _ = ndimage.label(runs, structure=np.ones((3, 3)))
    touching = np.unique(labels[lines & runs])
    return runs & ~np.isin(labels, touching[touching > 0])


def _off_page(turned: np.ndarray, angle: float, shape: tuple[int, int], sides: int) -> np.ndarray:
    """The runs found on the turned photo that go off the page on at least ``sides`` sides."""
    return _turn(_edge_to_edge(_turn_back(turned, angle, shape), sides), angle, turned.shape)


def _edge_to_edge(runs: np.ndarray, sides: int = 2, margin: int = GAP) -> np.ndarray:
    """The runs that reach ``sides`` sides of the frame: printed lines go off the page, a digit's
    long straight stroke (a tall 1) does not (a digit cut off by the frame is refused anyway)."""
    labels, n = ndimage.label(runs, structure=np.ones((3, 3)))
    if n == 0:
        return runs
    h, w = runs.shape
    keep = [False]
    for t, b, l, r in _boxes(labels, n):
        keep.append((t < margin) + (b > h - margin) + (l < margin) + (r > w - margin) >= sides)
    return np.asarray(keep)[labels]


def flatten(grey: np.ndarray) -> tuple[np.ndarray, np.ndarray, bool, bool]:
    """(h, w) float32 brightness -> (ink map in [0, 1], paper estimate, light_ink, ruled).

    The ink map is zero on the paper whatever the lighting, and 1 on full strokes."""
    smooth = ndimage.gaussian_filter(grey, DENOISE_SIGMA, mode="reflect")

    # Which way the ink goes: the paper is the coarse median; compare how much the image strays
    # below it with how much above, beyond the noise (a shadow's edge strays both ways alike).
    rough = _coarse_median(smooth)
    diff = smooth - rough
    sigma = _noise(diff)
    dark = float(np.sum(np.clip(-diff - FADE_SIGMAS * sigma, 0, None)))
    light = float(np.sum(np.clip(diff - FADE_SIGMAS * sigma, 0, None)))
    light_ink = light > dark

    # A window wider than the strokes: guess their width from the marks the median found.
    sign = 1.0 if light_ink else -1.0
    first = _largest_marks(sign * diff > max(NOISE_SIGMAS * sigma, MIN_CONTRAST * float(np.median(rough))))
    pen = stroke_width(first) if first.any() else 0.0
    size = int(np.clip(3 * pen + 5, min(grey.shape) // 10, min(grey.shape) // 3)) | 1
    # The frame is extended by its edge values before the window runs over it (a closing taken
    # up to the edge would lift a paper that darkens towards the edge, and make ink of it).
    pad = size // 2 + 1
    padded = np.pad(smooth, pad, mode="edge")
    morph = ndimage.grey_opening if light_ink else ndimage.grey_closing
    paper = morph(padded, size=(size, size), mode="nearest")[pad:-pad, pad:-pad]
    step = (smooth - paper if light_ink else paper - smooth).astype(np.float32)
    step -= np.float32(np.median(step[::2, ::2]))
    raw = (step / np.maximum(paper, DARK_FLOOR)).astype(np.float32)

    # The paper's texture and noise sets what counts as a mark. Sensor noise is the same in
    # brightness everywhere, so in the darkest parts of a page it is a large share of the paper:
    # a mark must stand out both as a share of the paper and in brightness.
    raw -= np.float32(np.median(raw[::2, ::2]))
    sigma = _noise(raw)
    raw[step < FADE_SIGMAS * _noise(step)] = 0
    # A ruled page's lines out (strokes that cross them stay).
    lines = find_rules(raw > FADE_SIGMAS * sigma)
    if lines is not None:
        raw[lines] = 0
    ruled = lines is not None
    strong = raw > max(NOISE_SIGMAS * sigma, MIN_CONTRAST)
    if strong.sum() < MIN_INK_PIXELS:
        return np.zeros_like(grey), np.clip(paper, 0, 1).astype(np.float32), light_ink, ruled
    level = FULL_LEVEL * float(np.percentile(raw[strong], 90))
    lo = max(FADE_SIGMAS * sigma, FADE_LEVEL * level)
    ink = np.clip((raw - lo) / max(level - lo, 1e-6), 0, 1).astype(np.float32)
    return ink, np.clip(paper, 0, 1).astype(np.float32), light_ink, ruled


def _boxes(labels: np.ndarray, n: int) -> list[tuple[int, int, int, int]]:
    return [(s[0].start, s[0].stop, s[1].start, s[1].stop) for s in ndimage.find_objects(labels, n)]


def check_marks(ink: np.ndarray) -> tuple[np.ndarray, str | None]:
    """(ink map) -> (ink map with stray marks at the frame's edge removed, problem code or None)."""
    if np.count_nonzero(ink >= 0.5) < MIN_INK_PIXELS:
        return ink, NO_INK
    # Marks are counted on all the ink, faint too (a pen that skipped leaves a faint trace between
    # two firm strokes), after joining strokes that nearly touch.
    mask = ink >= INK_LEVEL
    pen = stroke_width(mask)
    joined = ndimage.binary_dilation(mask, iterations=max(1, round(pen / 4)))
    labels, n = ndimage.label(joined, structure=np.ones((3, 3)))
    mass = ndimage.sum_labels(ink, labels, index=np.arange(1, n + 1))
    boxes = _boxes(np.where(mask, labels, 0), n)  # the ink's own extent, not the joining margin
    h, w = ink.shape
    at_edge = [t == 0 or l == 0 or b == h or r == w for t, b, l, r in boxes]
    main = int(np.argmax(mass))

    # Small marks at the edge are the paper's border or the table: dropped.
    keep = [i for i in range(n) if not at_edge[i] or mass[i] >= EDGE_MASS * mass[main]]
    if at_edge[main]:
        return ink, TOUCHES_EDGE
    tallest = max(boxes[i][1] - boxes[i][0] for i in keep)
    digits = [
        i for i in keep if boxes[i][1] - boxes[i][0] >= DIGIT_HEIGHT * tallest and mass[i] >= DIGIT_MASS * mass[main]
    ]
    for i in digits:
        if i == main:
            continue
        t, b, l, r = boxes[i]
        mt, mb, ml, mr = boxes[main]
        apart_sideways = r <= ml or l >= mr
        apart_vertically = b <= mt or t >= mb
        if apart_sideways or apart_vertically:
            return ink, SEVERAL_DIGITS
    kept = np.isin(labels, np.asarray(keep) + 1)
    return np.where(kept, ink, 0).astype(np.float32), None


def photo_to_mnist(photo: np.ndarray) -> PhotoReading:
    """A photo of one digit on paper -> :class:`PhotoReading` (``image`` is the (28, 28)
    float32 the network reads, or None with a ``problem`` code from PROBLEMS).

    ``photo`` is an (H, W) grey, (H, W, 3) RGB or (H, W, 4) RGBA uint8 array as Pillow
    decodes a camera shot or an uploaded PNG/JPEG, MIN_SIDE to MAX_SIDE pixels a side and
    at most MAX_PIXELS in all. Raises ValueError for anything else.
    """
    grey, scale = grey_photo(photo)
    ink, paper, light_ink, ruled = flatten(grey)
    ink, problem = check_marks(ink)
    image = stages = None
    if problem is None:
        image, stages = canvas_to_mnist(ink, return_stages=True)
        if image is None:
            problem = NO_INK
    return PhotoReading(
        grey=grey,
        paper=paper,
        ink=ink,
        light_ink=light_ink,
        ruled=ruled,
        scale=scale,
        problem=problem,
        image=image,
        stages=stages,
    )


def decode_photo(data: bytes, max_bytes: int = MAX_FILE_BYTES) -> np.ndarray:
    """The bytes of an uploaded PNG or JPEG -> the uint8 array :func:`photo_to_mnist` takes,
    turned upright as the camera recorded (EXIF orientation). Raises ValueError for anything
    that is not a PNG or JPEG, is larger than ``max_bytes``, or is too large once decoded."""
    if not isinstance(data, (bytes, bytearray, memoryview)):
        raise ValueError(f"expected the file's bytes, got {type(data).__name__}")
    if len(data) > max_bytes:
        raise ValueError(f"the file is {len(data):,} bytes; at most {max_bytes:,} are accepted")
    try:
        with Image.open(io.BytesIO(bytes(data))) as img:
            if img.format not in ("PNG", "JPEG"):
                raise ValueError(f"expected a PNG or JPEG image, got {img.format or 'an unknown format'}")
            w, h = img.size  # read from the header: nothing is decoded yet
            if not (MIN_SIDE <= h <= MAX_SIDE and MIN_SIDE <= w <= MAX_SIDE) or h * w > MAX_PIXELS:
                raise ValueError(
                    f"a photo must be {MIN_SIDE} to {MAX_SIDE} pixels a side and at most {MAX_PIXELS:,} pixels, "
                    f"got {h}x{w}"
                )
            img = ImageOps.exif_transpose(img)
            mode = "RGBA" if "A" in img.getbands() or "transparency" in img.info else "RGB"
            if img.mode in ("L", "I;16", "I", "1"):
                mode = "L"
            return np.asarray(img.convert(mode), dtype=np.uint8)
    except ValueError:
        raise
    except (OSError, Image.DecompressionBombError, SyntaxError) as exc:
        raise ValueError(f"the file could not be read as an image: {exc}") from exc
