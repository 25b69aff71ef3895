"""The Draw page's figures as plain HTML and SVG.

They are redrawn on every stroke, so they are as cheap for the browser as can
be: the bars are a few elements (hovering one gives its percentage), the
stages, the hidden layer and the pixel map are pictures. Plotly charts, or a
hoverable element per unit and per pixel, cost the browser tens of milliseconds
more per stroke. Every number is written in the page's language (ui.numbers).
The page's stylesheet (draw_view.page_style) styles the classes.

No widgets here: the page passes these strings to ``st.html``.
"""

from __future__ import annotations

import base64
import html
import io

import numpy as np
from PIL import Image
from plotly.colors import get_colorscale, unlabel_rgb

from . import numbers
from .figures import ACCENT, BLUE, SIGNED_SCALE

# The app's one scale for signed values (Plotly's RdBu_r): blue negative, white 0, red positive.
SIGNED_COLOURS = tuple(tuple(int(v) for v in unlabel_rgb(c)) for _, c in get_colorscale(SIGNED_SCALE))
OFF_GREY = "#94a3b8"  # hidden units that ReLU switched off


def signed_rgb(values: np.ndarray, limit: float) -> np.ndarray:
    """Each value in [-limit, limit] on SIGNED_COLOURS: an array of the values' shape plus (3,), uint8."""
    scale = np.asarray(SIGNED_COLOURS, dtype=float)
    t = (np.clip(np.asarray(values, dtype=float) / limit, -1.0, 1.0) + 1) / 2 * (len(scale) - 1)
    i = np.minimum(t.astype(int), len(scale) - 2)
    f = (t - i)[..., None]
    return np.rint(scale[i] + (scale[i + 1] - scale[i]) * f).astype(np.uint8)


def _hex_rgb(colour: str) -> tuple[int, int, int]:
    return tuple(int(colour[k : k + 2], 16) for k in (1, 3, 5))


def probability_bars(
    probs: np.ndarray, top: int, lang: str, label: str, *, before: np.ndarray | None = None, big: bool = False
) -> str:
    """Ten bars with their digits; ``big`` adds the percentages above them and, with ``before``,
    the probabilities before the last lesson as grey outlines."""
    cols = []
    for d, p in enumerate(np.asarray(probs, dtype=float)):
        pct = numbers.percent(p, lang, 0)
        inner = f'<div class="draw-bar" style="height:{max(1.5, 100 * p):.1f}%"></div>'
        if big and before is not None and before[d] >= 0.005:
            inner += f'<div class="draw-bar-before" style="height:{100 * float(before[d]):.1f}%"></div>'
        if big and p >= 0.01:
            inner += f'<span class="draw-bar-pct" style="bottom:{100 * p:.1f}%">{pct}</span>'
        cols.append(
            f'<div class="draw-bar-col{" top" if d == top else ""}" title="{d}: {pct}">'
            f'<div class="draw-bar-track">{inner}</div><span>{d}</span></div>'
        )
    kind = "draw-bars big" if big else "draw-bars"
    return f'<div class="{kind}" role="img" aria-label="{html.escape(label)}">{"".join(cols)}</div>'


def _png(rgb: np.ndarray) -> str:
    buffer = io.BytesIO()
    Image.fromarray(rgb).save(buffer, format="PNG", compress_level=1)  # fast: these are made per stroke
    return "data:image/png;base64," + base64.b64encode(buffer.getvalue()).decode("ascii")


def stages(images: list[np.ndarray], captions: list[str], width: int) -> str:
    """The preprocessing stages side by side (wrapping two by two on a phone), each with its caption."""
    figures = "".join(
        f'<figure><img src="{_png(img)}" width="{width}" height="{width}" alt="{html.escape(cap)}">'
        f"<figcaption>{html.escape(cap)}</figcaption></figure>"
        for img, cap in zip(images, captions, strict=True)
    )
    return f'<div class="draw-stages">{figures}</div>'


HIDDEN_PX = (160, 3)  # the hidden layer's picture: its height, and the width of one unit's bar with its gap


def hidden_activations(h: np.ndarray, x_title: str, y_title: str, *, stub: float = 0.04) -> str:
    """One bar per hidden unit, in unit order, as one picture; units that ReLU switched off
    (h = 0) are short grey stubs, ``stub`` of the tallest bar, so they show."""
    h = np.asarray(h, dtype=float)
    on = h > 0
    top = float(h.max()) if on.any() else 1.0
    height, step = HIDDEN_PX
    bars = np.rint(height * np.where(on, h / top, stub)).astype(int).clip(1, height)
    img = np.full((height, step * len(h), 3), 255, np.uint8)
    rows = np.arange(height)[:, None]
    filled = rows >= height - np.repeat(bars, step)[None, :]  # (height, width): under each bar's top
    filled[:, step - 1 :: step] = False  # the gap after each bar
    colour = np.where(np.repeat(on, step)[None, :, None], _hex_rgb(BLUE), _hex_rgb(OFF_GREY)).astype(np.uint8)
    img[filled] = np.broadcast_to(colour, img.shape)[filled]
    return (
        f'<div class="draw-hidden"><span class="draw-axis-y">{html.escape(y_title)}</span>'
        f'<div class="draw-hidden-plot"><img src="{_png(img)}" alt="{html.escape(y_title)}">'
        f'<span class="draw-axis-x">{html.escape(x_title)}</span></div></div>'
    )


def contribution_map(c: np.ndarray, lang: str, label: str) -> str:
    """A (28, 28) map of signed pixel contributions as one picture, red up and blue down,
    with its colour key (the largest share either way, in the page's language)."""
    c = np.asarray(c, dtype=float)
    limit = float(np.abs(c).max()) or 1.0
    gradient = ",".join(f"rgb{rgb}" for rgb in SIGNED_COLOURS)
    key = (
        f'<div class="draw-key"><span>{numbers.decimal(-limit, 2, lang)}</span>'
        f'<div class="draw-key-bar" style="background:linear-gradient(to right,{gradient})"></div>'
        f"<span>{numbers.decimal(limit, 2, lang)}</span></div>"
    )
    return f'<div class="draw-pixels"><img src="{_png(signed_rgb(c, limit))}" alt="{html.escape(label)}">{key}</div>'


STYLE = (
    # the bars: a strip under the canvas on a phone, a chart beside it on a laptop
    ".draw-bars{display:flex;gap:4px;max-width:280px}"
    ".draw-bars.big{max-width:none;gap:8px;padding-top:1.2rem}"
    ".draw-bar-col{flex:1 1 0;text-align:center;font-size:0.8rem;line-height:1.2rem}"
    ".draw-bar-track{position:relative;height:44px;display:flex;align-items:flex-end;border-bottom:1px solid #cbd5e1}"
    ".big .draw-bar-track{height:200px}"
    f".draw-bar{{width:100%;background:{BLUE};border-radius:2px 2px 0 0}}"
    f".draw-bar-col.top .draw-bar{{background:{ACCENT}}}"
    ".draw-bar-col.top>span{font-weight:700}"
    ".draw-bar-before{position:absolute;left:0;right:0;bottom:0;border:1.5px solid #6b7280;border-bottom:none}"
    ".draw-bar-pct{position:absolute;left:-50%;right:-50%;font-size:0.75rem;color:#6b7280}"
    # the stages
    ".draw-stages{display:flex;flex-wrap:wrap;gap:1rem}"
    ".draw-stages figure{margin:0}.draw-stages img{display:block;image-rendering:pixelated}"
    ".draw-stages figcaption{max-width:160px;font-size:0.8rem;color:#6b7280;margin-top:0.25rem}"
    # inside the network
    ".draw-hidden{display:flex;gap:0.4rem;font-size:0.75rem;color:#6b7280}"
    ".draw-axis-y{writing-mode:vertical-rl;transform:rotate(180deg);text-align:center}"
    ".draw-hidden-plot{flex:1}"
    ".draw-hidden img{display:block;width:100%;height:160px;border-bottom:1px solid #cbd5e1}"
    ".draw-axis-x{display:block;text-align:center}"
    ".draw-pixels{max-width:240px}.draw-pixels img{display:block;width:100%;image-rendering:pixelated}"
    ".draw-key{display:flex;align-items:center;gap:0.4rem;font-size:0.75rem;color:#6b7280;margin-top:0.3rem}"
    ".draw-key-bar{flex:1;height:8px;border-radius:2px}"
)


__all__ = ["STYLE", "contribution_map", "hidden_activations", "probability_bars", "signed_rgb", "stages"]
