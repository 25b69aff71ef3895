"""Random small distortions of MNIST digits, made fresh for every batch.

A network trained only on MNIST has seen each digit exactly as MNIST's
preprocessing left it; a drawing on a canvas, even after the same
preprocessing, is a little rotated, slanted, thicker or thinner. Showing the
network such variations while it trains (data augmentation) teaches it that
they do not change the digit. Every image in a batch gets its own random

- stroke thickness: blended towards a grey dilation (thicker) or erosion (thinner);
- affine map: rotation, scale (with a little change of aspect), shear and shift,
- optionally an elastic distortion (Simard, Steinkraus and Platt 2003, "Best
  practices for convolutional neural networks applied to visual document
  analysis"): every pixel moved by a random field smoothed with a Gaussian of
  ``elastic_sigma`` pixels and scaled by ``elastic_alpha``, the way a hand's
  wobble bends a stroke,

applied to the whole batch at once by one ``scipy.ndimage.map_coordinates``
call (bilinear), so a ``robust`` epoch costs little more than a plain one.
``STYLES`` names the settings a TrainConfig's ``augment_style`` picks.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from scipy import ndimage

SIDE = 28
PAD = 8  # zero frame around each image: the largest distortions move a pixel about this far
FRAMED = SIDE + 2 * PAD
CENTRE = (SIDE - 1) / 2
_GRID = np.mgrid[0:SIDE, 0:SIDE].reshape(2, -1) - CENTRE  # (2, 784) output pixels about the centre


@dataclass(frozen=True)
class AugmentSettings:
    """How far each random change may go (uniform in +-range unless noted)."""

    rotate_deg: float = 12.0  # rotation
    scale: float = 0.10  # overall size, 1 +- scale
    aspect: float = 0.08  # width relative to height, 1 +- aspect
    shear: float = 0.15  # horizontal shear (slant), x += shear * y
    shift: float = 2.0  # translation in pixels, each axis
    thickness: float = 0.6  # stroke change: -1 = eroded, +1 = dilated, drawn from +- thickness
    p_thickness: float = 0.5  # share of the images whose strokes are changed
    elastic_alpha: float = 0.0  # elastic distortion: scale of the smoothed displacement field (0 = none)
    elastic_sigma: float = 4.0  # its smoothness: the Gaussian's standard deviation, in pixels


DEFAULT = AugmentSettings()
# Hand-drawn digits vary more than MNIST's: steeper slants, narrow and wide digits, thick
# and thin pens, wobbly strokes. Simard et al.'s elastic field (alpha 34, sigma 4 on 29x29
# digits) on top of wider affine ranges.
HANDWRITING = AugmentSettings(
    rotate_deg=12.0,
    scale=0.12,
    aspect=0.2,
    shear=0.25,
    shift=2.0,
    thickness=0.7,
    p_thickness=0.6,
    elastic_alpha=34.0,
    elastic_sigma=4.0,
)
STYLES = {"standard": DEFAULT, "handwriting": HANDWRITING}


def augment_batch(x: np.ndarray, rng: np.random.Generator, settings: AugmentSettings = DEFAULT) -> np.ndarray:
    """(N, 784) images in [0, 1] -> a new (N, 784) array of randomly distorted copies.

    The input is not changed. The result has the input's float dtype and
    depends only on ``x`` and the state of ``rng`` (same rng state, same output).
    """
    if x.ndim != 2 or x.shape[1] != SIDE * SIDE:
        raise ValueError(f"expected (N, {SIDE * SIDE}) images, got shape {x.shape}")
    if x.dtype.kind != "f":
        raise ValueError(f"expected float images in [0, 1], got {x.dtype}")
    n = x.shape[0]
    imgs = x.reshape(n, SIDE, SIDE)  # a view; never written to
    s = settings

    # Draw every random number up front, in a fixed order (determinism).
    angle = np.radians(rng.uniform(-s.rotate_deg, s.rotate_deg, n))
    scale = 1 + rng.uniform(-s.scale, s.scale, n)
    aspect = 1 + rng.uniform(-s.aspect, s.aspect, n)
    shear = rng.uniform(-s.shear, s.shear, n)
    shift = rng.uniform(-s.shift, s.shift, (n, 2))
    thick = rng.uniform(-s.thickness, s.thickness, n) * (rng.random(n) < s.p_thickness)
    # no elastic field: no random numbers drawn for it, so the standard style's stream is unchanged
    field = 2 * rng.random((n, 2, SIDE, SIDE), dtype=np.float32) - 1 if s.elastic_alpha > 0 else None

    # Each image in a zero frame of PAD pixels, stacked into one tall 2-D image,
    # so one bilinear lookup serves the whole batch and never reads a neighbour.
    framed = np.zeros((n, FRAMED, FRAMED), dtype=x.dtype)
    inner = framed[:, PAD:-PAD, PAD:-PAD]
    inner[...] = imgs

    # Stroke thickness: blend each chosen image towards its dilation or erosion.
    for sel, grow in ((thick > 0, True), (thick < 0, False)):
        if sel.any():
            sub = imgs[sel]
            moved = _dilate(sub) if grow else -_dilate(-sub)
            inner[sel] += np.abs(thick[sel])[:, None, None].astype(x.dtype) * (moved - sub)

    # Affine map from output pixel to input pixel, about the image centre:
    # [r_in, c_in] = A @ ([r_out, c_out] - centre) + centre - shift.
    cos, sin = np.cos(angle), np.sin(angle)
    sy, sx = np.sqrt(aspect) / scale, 1 / (scale * np.sqrt(aspect))  # inverse scales
    a = np.empty((n, 2, 2))
    a[:, 0, 0] = sy * cos
    a[:, 0, 1] = -sy * sin
    a[:, 1, 0] = sx * (sin + shear * cos)
    a[:, 1, 1] = sx * (cos - shear * sin)
    src = a @ _GRID + (CENTRE + PAD - shift)[:, :, None]  # (N, 2, 2) @ (2, 784) -> (N, 2, 784)
    if field is not None:  # each output pixel reads from a little further along a smooth random field
        smooth = ndimage.gaussian_filter(
            field, sigma=(0, 0, s.elastic_sigma, s.elastic_sigma), mode="constant", truncate=3.0
        )
        src += s.elastic_alpha * smooth.reshape(n, 2, SIDE * SIDE)
    np.clip(src, 0, FRAMED - 1, out=src)  # past the frame is zero anyway
    src[:, 0] += (np.arange(n) * FRAMED)[:, None]  # row in the tall image
    out = ndimage.map_coordinates(
        framed.reshape(n * FRAMED, FRAMED), src.transpose(1, 0, 2), order=1, mode="constant", output=x.dtype
    )
    np.clip(out, 0, 1, out=out)
    return out.reshape(n, SIDE * SIDE)


def _dilate(imgs: np.ndarray) -> np.ndarray:
    """Grey dilation of (N, 28, 28) images by a 3x3 cross (each pixel takes its neighbours' max)."""
    p = np.pad(imgs, ((0, 0), (1, 1), (1, 1)))
    return np.maximum.reduce([p[:, 1:-1, 1:-1], p[:, :-2, 1:-1], p[:, 2:, 1:-1], p[:, 1:-1, :-2], p[:, 1:-1, 2:]])
