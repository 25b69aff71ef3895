"""A drawing -> the 28x28 image MNIST's own procedure would have made of it.

MNIST digits were not simply shrunk: each NIST digit was cropped to its ink,
scaled (keeping its aspect ratio, anti-aliased) to fit a 20x20 box, then
placed in a 28x28 image so that its centre of mass sits at the centre. A
network trained on MNIST has only ever seen digits prepared that way, so a
drawing that is merely resized (small, off-centre, thin) is misread. Here
the same steps are applied to any drawing:

1. ink: the canvas's alpha channel (or the grey level), specks removed;
2. crop to the ink's bounding box;
3. scale into 20x20 keeping the aspect ratio, by area averaging (a proper
   low-pass filter, so no aliasing), after widening strokes that would come
   out thinner than MNIST's;
4. place in 28x28 with the centre of mass at pixel (14, 14), as in MNIST
   (measured on its test set: mean (13.99, 14.00), spread of one pixel).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from PIL import Image
from scipy import ndimage

SIZE = 28  # the network's input is SIZE x SIZE
BOX = 20  # the digit's longer side is scaled to BOX pixels
CENTRE = 14.0  # MNIST's centre of mass, in pixel indices (row, column)
MIN_CANVAS = 8  # smaller canvases are refused
MAX_CANVAS = 4096  # larger ones too (memory)

INK_LEVEL = 0.1  # pixels fainter than this are anti-aliasing fringe, not ink
SPECK_FRACTION = 0.02  # separate blobs with less than this share of the ink are dropped
MIN_EXTENT_FRACTION = 0.03  # a drawing must span at least this share of the canvas's shorter side
MIN_EXTENT_STROKES = 1.8  # ... and be this many stroke widths long (a dot is as long as it is wide)
MNIST_STROKE = 2.3  # typical stroke width of an MNIST digit in its 20x20 box, in pixels
MIN_STROKE = 1.6  # drawings whose strokes would come out thinner are widened to MNIST_STROKE
WORK_SIDE = 4 * BOX  # thin strokes are widened on the crop shrunk to at most this many pixels a side
STROKE_SAMPLE = 72  # stroke widths are measured on masks pooled to about this many pixels a side


@dataclass(frozen=True)
class Stages:
    """Every step of :func:`canvas_to_mnist`, for showing side by side."""

    ink: np.ndarray  # (H, W) float32 in [0, 1]: the ink as drawn, specks removed
    box: tuple[int, int, int, int]  # (top, bottom, left, right) of the ink, bottom/right exclusive
    cropped: np.ndarray  # (h, w) float32: the ink's bounding box (strokes widened if they were thin)
    scaled: np.ndarray  # (20, 20) float32: scaled to fit, longer side 20, centred in the box
    final: np.ndarray  # (28, 28) float32: placed by centre of mass, what the network sees
    centre_of_mass: tuple[float, float]  # (row, column) of the scaled digit's centre of mass in the 28x28
    stroke_width: float  # estimated stroke width of the drawing, in canvas pixels
    widened_by: int  # pixels of dilation applied to thin strokes (0 = none)


def ink_of(image: np.ndarray) -> np.ndarray:
    """(H, W, 4) RGBA uint8 or (H, W) grey (uint8 0-255 or float 0-1, ink high) ->
    (H, W) float32 ink in [0, 1]. Raises ValueError for anything else.

    For RGBA the alpha channel is the ink (a transparent canvas). A fully opaque
    RGBA image (a canvas with a background colour) is read by its brightness:
    whichever of dark or light is rarer is the ink.
    """
    if not isinstance(image, np.ndarray):
        raise ValueError(f"expected a NumPy array, got {type(image).__name__}")
    if image.ndim not in (2, 3):
        raise ValueError(f"expected an (H, W, 4) RGBA or (H, W) grey image, got {image.ndim} dimensions {image.shape}")
    if image.ndim == 3 and image.shape[2] != 4:
        raise ValueError(f"expected an (H, W, 4) RGBA image, got shape {image.shape}")
    h, w = image.shape[:2]
    if not (MIN_CANVAS <= h <= MAX_CANVAS and MIN_CANVAS <= w <= MAX_CANVAS):
        raise ValueError(f"the image must be {MIN_CANVAS} to {MAX_CANVAS} pixels on each side, got {h}x{w}")
    if image.ndim == 3:
        if image.dtype != np.uint8:
            raise ValueError(f"an RGBA image must be uint8, got {image.dtype}")
        alpha = image[..., 3]
        if alpha.min() < 255:
            return alpha.astype(np.float32) / np.float32(255)
        grey = image[..., :3].astype(np.float32) @ np.array([0.299, 0.587, 0.114], np.float32) / np.float32(255)
        return grey if np.median(grey) < 0.5 else 1 - grey
    if image.dtype == np.uint8:
        return image.astype(np.float32) / np.float32(255)
    if image.dtype.kind != "f":
        raise ValueError(f"a grey image must be uint8 (0-255) or float (0-1), got {image.dtype}")
    if not np.isfinite(image).all():
        raise ValueError("the image contains NaN or infinite values")
    if image.min() < -1e-6 or image.max() > 1 + 1e-6:
        raise ValueError(
            f"a float grey image must lie in [0, 1], got values from {image.min():.3g} to {image.max():.3g}"
        )
    return np.clip(image, 0, 1).astype(np.float32)


def stroke_width(mask: np.ndarray) -> float:
    """Estimated stroke width of a binary ink mask, in pixels.

    Inside a stroke of width w the distance to the nearest background pixel
    runs from 1 to w/2, so its mean is about (w/2 + 1)/2.
    """
    if not mask.any():
        return 0.0
    # Large masks are first pooled k x k (any ink in a block): the distance
    # transform then costs k^2 less, and the width is measured in blocks.
    k = max(1, max(mask.shape) // STROKE_SAMPLE)
    if k > 1:
        h, w = (mask.shape[0] + k - 1) // k * k, (mask.shape[1] + k - 1) // k * k
        padded = np.zeros((h, w), bool)
        padded[: mask.shape[0], : mask.shape[1]] = mask
        mask = padded.reshape(h // k, k, w // k, k).any(axis=(1, 3))
    dist = ndimage.distance_transform_edt(np.pad(mask, 1))[1:-1, 1:-1]
    blocks = max(1.0, 4.0 * float(dist[mask].mean()) - 2.0)
    return max(1.0, blocks * k - (k - 1) / 2)  # pooling widens a stroke by about (k - 1) / 2 on average


def _remove_specks(ink: np.ndarray, mask: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Drop separate blobs holding under SPECK_FRACTION of the ink (a stray touch)."""
    labels, n = ndimage.label(mask, structure=np.ones((3, 3)))
    if n <= 1:
        return ink, mask
    mass = ndimage.sum_labels(ink, labels, index=np.arange(1, n + 1))
    keep = np.concatenate(([False], mass >= SPECK_FRACTION * mass.sum()))
    mask = keep[labels]
    # keep the faint fringe next to kept strokes, drop the rest
    near = ndimage.binary_dilation(mask, iterations=2)
    return np.where(near, ink, 0).astype(np.float32), mask


def _bounding_box(mask: np.ndarray) -> tuple[int, int, int, int]:
    rows = np.flatnonzero(mask.any(axis=1))
    cols = np.flatnonzero(mask.any(axis=0))
    return int(rows[0]), int(rows[-1]) + 1, int(cols[0]), int(cols[-1]) + 1


def _resize(img: np.ndarray, height: int, width: int) -> np.ndarray:
    """Resize a float image: area averaging when shrinking (an exact low-pass
    filter), bilinear when enlarging."""
    shrink = height <= img.shape[0] and width <= img.shape[1]
    method = Image.Resampling.BOX if shrink else Image.Resampling.BILINEAR
    out = Image.fromarray(img.astype(np.float32), mode="F").resize((width, height), method)
    return np.clip(np.asarray(out, dtype=np.float32), 0, 1)


def canvas_to_mnist(image: np.ndarray, *, return_stages: bool = False):
    """A drawing -> (28, 28) float32 in [0, 1] as MNIST would have prepared it.

    ``image`` is the canvas's (H, W, 4) uint8 RGBA array (transparent
    background: alpha is the ink) or an (H, W) grey array (uint8 0-255 or
    float 0-1, ink high), any size from 8 to 4096 pixels a side.

    Returns None when there is nothing to read: a blank canvas, or only a dot
    (ink spanning under 3% of the canvas, or not much longer than the stroke
    is wide). With ``return_stages=True`` returns ``(image28, Stages)``, or
    ``(None, None)``. Raises ValueError for a wrong shape, dtype or range.
    """
    ink = ink_of(image)
    nothing = (None, None) if return_stages else None
    mask = ink >= INK_LEVEL
    if not mask.any():
        return nothing
    ink, mask = _remove_specks(ink, mask)

    top, bottom, left, right = _bounding_box(mask)
    height, width = bottom - top, right - left
    extent = max(height, width)
    crop_mask = mask[top:bottom, left:right]
    pen = stroke_width(crop_mask)
    if extent < MIN_EXTENT_FRACTION * min(ink.shape) or extent < MIN_EXTENT_STROKES * pen:
        return nothing

    # Strokes that would come out thinner than MNIST's are widened first (a big
    # digit drawn with a thin pen would otherwise shrink to a faint trace).
    scale = BOX / extent
    widen = 0
    if pen * scale < MIN_STROKE:
        widen = int(np.ceil((MNIST_STROKE / scale - pen) / 2))
        pad = widen + 1
        top, left = max(top - pad, 0), max(left - pad, 0)
        bottom, right = min(bottom + pad, ink.shape[0]), min(right + pad, ink.shape[1])
        region = ink[top:bottom, left:right]
        # Work at no more than WORK_SIDE pixels: the digit ends up 20 pixels tall anyway,
        # and the distance transform below then costs the same for any canvas size.
        f = min(1.0, WORK_SIDE / max(region.shape))
        if f < 1.0:
            region = _resize(region, max(1, round(region.shape[0] * f)), max(1, round(region.shape[1] * f)))
        # a round pen of radius `widen` traced over the strokes
        far = ndimage.distance_transform_edt(region < INK_LEVEL * f)
        region = np.maximum(region, np.clip(widen * f + 0.5 - far, 0, 1)).astype(np.float32)
        t2, b2, l2, r2 = _bounding_box(region >= INK_LEVEL)
        cropped = region[t2:b2, l2:r2]
        top, bottom, left, right = (
            top + int(t2 / f),
            top + min(int(np.ceil(b2 / f)), bottom - top),
            left + int(l2 / f),
            left + min(int(np.ceil(r2 / f)), right - left),
        )
    else:
        cropped = ink[top:bottom, left:right]
    height, width = cropped.shape
    extent = max(height, width)

    # Scale so the longer side is BOX pixels, keeping the aspect ratio.
    new_h = max(1, round(height * BOX / extent))
    new_w = max(1, round(width * BOX / extent))
    digit = _resize(cropped, new_h, new_w)
    peak = float(digit.max())
    if peak > 0:
        digit /= peak  # a light pen reads like a dark one

    # Place so the centre of mass lands on MNIST's centre, by whole pixels as MNIST did.
    com_r, com_c = ndimage.center_of_mass(digit)
    row0 = int(np.clip(round(CENTRE - com_r), 0, SIZE - new_h))
    col0 = int(np.clip(round(CENTRE - com_c), 0, SIZE - new_w))
    final = np.zeros((SIZE, SIZE), np.float32)
    final[row0 : row0 + new_h, col0 : col0 + new_w] = digit
    if not return_stages:
        return final

    scaled = np.zeros((BOX, BOX), np.float32)
    r, c = (BOX - new_h) // 2, (BOX - new_w) // 2
    scaled[r : r + new_h, c : c + new_w] = digit
    stages = Stages(
        ink=ink,
        box=(top, bottom, left, right),
        cropped=cropped.astype(np.float32, copy=False),
        scaled=scaled,
        final=final,
        centre_of_mass=(float(row0 + com_r), float(col0 + com_c)),
        stroke_width=pen,
        widened_by=widen,
    )
    return final, stages
