"""Plotly figures shared by several pages. Pure functions: data in, figure out."""

from __future__ import annotations

import html
from itertools import pairwise

import numpy as np
import plotly.graph_objects as go
import plotly.io as pio

INK = "#0f172a"
# Okabe and Ito's palette, told apart with deuteranopia and protanopia too: blue and
# vermillion for the two main lines (train, test), which also differ in dash and marker.
BLUE = "#0072b2"
ACCENT = "#d55e00"
GREEN = "#009e73"
OKABE_ITO_OTHERS = ("#e69f00", "#cc79a7", "#56b4e9", "#009e73", "#000000")
# Signed values on every page (gradients, weights, pixel shares): red positive, blue negative, white zero.
SIGNED_SCALE = "RdBu_r"


def network_diagram(hidden: int = 128, labels: tuple[str, str, str] = ("x: 784", "h: 128", "ŷ: 10")) -> go.Figure:
    """A schematic of 784 -> hidden -> 10 with a few drawn units per layer."""
    shown = (8, 6, 10)
    xs = (0.0, 1.0, 2.0)
    fig = go.Figure()
    pos = []
    for x, n in zip(xs, shown, strict=True):
        ys = np.linspace(-1, 1, n)
        pos.append((np.full(n, x), ys))
    for (x0, y0), (x1, y1) in pairwise(pos):
        ex, ey = [], []
        for a in y0:
            for b in y1:
                ex += [x0[0], x1[0], None]
                ey += [a, b, None]
        fig.add_trace(go.Scatter(x=ex, y=ey, mode="lines", line=dict(color="#cbd5e1", width=0.6), hoverinfo="skip"))
    colors = (BLUE, ACCENT, GREEN)
    for (x, y), c in zip(pos, colors, strict=True):
        fig.add_trace(go.Scatter(x=x, y=y, mode="markers", marker=dict(size=16, color=c), hoverinfo="skip"))
    annotations = [
        dict(x=x, y=-1.35, text=f"<b>{lab}</b>", showarrow=False, font=dict(size=14, color=INK))
        for x, lab in zip(xs, labels, strict=True)
    ]
    annotations += [
        dict(x=0.5, y=1.25, text="W_h, ReLU", showarrow=False, font=dict(size=13, color=INK)),
        dict(x=1.5, y=1.25, text="W_o, softmax", showarrow=False, font=dict(size=13, color=INK)),
    ]
    fig.update_layout(
        showlegend=False,
        height=260,
        margin=dict(l=10, r=10, t=10, b=10),
        xaxis=dict(visible=False, range=[-0.3, 2.3]),
        yaxis=dict(visible=False, range=[-1.55, 1.45]),
        annotations=annotations,
        plot_bgcolor="rgba(0,0,0,0)",
        paper_bgcolor="rgba(0,0,0,0)",
    )
    return fig


def _as_image(fig: go.Figure, height: int) -> go.Figure:
    """Lay a heatmap out as a picture: square pixels, row 0 at the top, no axes."""
    fig.update_layout(
        height=height,
        margin=dict(l=0, r=0, t=0, b=0),
        xaxis=dict(visible=False, constrain="domain"),
        yaxis=dict(visible=False, autorange="reversed", scaleanchor="x"),
    )
    return fig


def digit_image(
    img: np.ndarray, *, height: int = 220, colorscale: str = "gray_r", zmid: float | None = None
) -> go.Figure:
    """A 28x28 (or any 2-D) array as a heatmap image, row 0 at the top."""
    kw = dict(zmid=zmid) if zmid is not None else dict(zmin=0.0, zmax=1.0)
    fig = go.Figure(go.Heatmap(z=img, colorscale=colorscale, showscale=zmid is not None, **kw))
    return _as_image(fig, height)


def probability_bars(probs: np.ndarray, *, highlight: int | None = None, height: int = 260) -> go.Figure:
    """Ten probabilities as bars, the highlighted digit in the accent colour."""
    colors = [ACCENT if i == highlight else BLUE for i in range(len(probs))]
    fig = go.Figure(
        go.Bar(
            x=[str(i) for i in range(len(probs))],
            y=probs,
            marker_color=colors,
            text=[f"{p:.0%}" if p >= 0.01 else "" for p in probs],
            textposition="outside",
            cliponaxis=False,
        )
    )
    fig.update_layout(
        height=height,
        margin=dict(l=10, r=10, t=20, b=10),
        yaxis=dict(range=[0, 1.08], tickformat=".0%"),
        xaxis=dict(type="category"),
    )
    return fig


# --- train page ------------------------------------------------------------------

# Most points a live chart sends: the browser draws no more detail in a third of a page's width.
MAX_POINTS = 300
# Smallest span of an accuracy axis (2 percentage points): closer values would share tick labels.
MIN_PERCENT_SPAN = 0.02


class SpecFigure(go.Figure):
    """A finished figure spec (a plain dict, as ``go.Figure.to_dict()`` gives), drawn as it is.

    The live charts of the Train page are redrawn on every tick of every training
    session. Built as ``go.Figure`` they cost about 10 ms of pure Python each
    (every property validated, then the whole figure deep-copied by
    ``to_dict()``), holding the GIL the sessions' training needs; a plain dict
    costs the same, since ``st.plotly_chart`` validates it by building a
    ``go.Figure``. ``st.plotly_chart`` turns a figure into its spec with
    ``to_dict()``: this one returns its spec untouched, so drawing it costs only
    the JSON encoding. The spec is therefore not checked here: the functions
    below write only valid properties (the tests check each kind against
    ``go.Figure``). Treat the spec as read-only; it may be shared between draws.
    """

    def __init__(self, spec: dict) -> None:
        super().__init__()
        self._spec = spec  # go.Figure accepts no other new attributes

    @property
    def spec(self) -> dict:
        return self._spec

    def to_dict(self) -> dict:
        return self._spec

    def to_plotly_json(self) -> dict:
        return self._spec


def with_separators(fig: go.Figure, separators: str) -> go.Figure:
    """``fig`` drawing its numbers (ticks, hovers) with these decimal and thousands
    separators, Plotly's ``layout.separators`` (".," in English, ", " in Russian).
    A SpecFigure's spec may be shared between draws: it gets a new one."""
    if isinstance(fig, SpecFigure):
        spec = fig.spec
        return SpecFigure({**spec, "layout": {**spec.get("layout", {}), "separators": separators}})
    fig.update_layout(separators=separators)
    return fig


def _template() -> dict:
    """The default template's spec (Streamlit's, once streamlit is imported), as go.Figure adds it."""
    name = pio.templates.default
    cached = _TEMPLATES.get(name)
    if cached is None:
        cached = _TEMPLATES[name] = pio.templates[name].to_plotly_json()
    return cached


_TEMPLATES: dict[str, dict] = {}


def thin(first: int, values: list[float], most: int = MAX_POINTS) -> tuple[list[int], list[float]]:
    """x (numbered from ``first``) and y of at most ``most`` evenly spaced points of
    ``values``, the first and the last always among them."""
    n = len(values)
    if n <= most:
        return list(range(first, first + n)), list(values)
    idx = [round(i * (n - 1) / (most - 1)) for i in range(most)]
    return [first + i for i in idx], [values[i] for i in idx]


def epoch_curves(
    lines: list[dict], *, x_title: str, y_title: str, epochs: int, percent: bool = False, height: int = 300
) -> go.Figure:
    """Per-epoch curves on a fixed axis of 1..epochs (so a live chart does not jump).
    Each line is a dict with name, x, y and optionally color, dash ("solid", "dash",
    "dot"), symbol (the markers' shape) and faded (an earlier run drawn behind)."""
    data = []
    for line in lines:
        faded = line.get("faded", False)
        data.append(
            {
                "type": "scatter",
                "x": list(line["x"]),
                "y": list(line["y"]),
                "name": line["name"],
                "mode": "lines+markers" if len(line["x"]) < 30 else "lines",
                "line": {
                    "color": line.get("color", BLUE),
                    "dash": line.get("dash", "solid"),
                    "width": 1.5 if faded else 2.5,
                },
                "marker": {"size": 6, "symbol": line.get("symbol", "circle")},
                "opacity": 0.55 if faded else 1.0,
            }
        )
    xaxis = {"title": {"text": x_title}, "range": [0.7, max(epochs, 2) + 0.3]}
    if epochs <= 12:
        xaxis["dtick"] = 1
    yaxis = {"title": {"text": y_title}, "rangemode": "tozero"}
    if percent:
        yaxis["tickformat"] = ".1%"
    values = [float(v) for line in lines for v in line["y"] if v is not None and np.isfinite(v)]
    if not values:  # nothing yet: a sensible empty frame
        yaxis["range"] = [0, 1] if percent else [0, 2.5]
    elif percent:
        yaxis["rangemode"] = "normal"
        lo, hi = min(values), max(values)
        if hi - lo < MIN_PERCENT_SPAN:  # close values: a span whose ticks read differently at ".1%"
            mid = min(max((lo + hi) / 2, MIN_PERCENT_SPAN / 2), 1 - MIN_PERCENT_SPAN / 2)
            yaxis["range"] = [mid - MIN_PERCENT_SPAN * 0.6, mid + MIN_PERCENT_SPAN * 0.6]
    layout = {
        "template": _template(),
        "height": height,
        "margin": {"l": 10, "r": 10, "t": 10, "b": 10},
        "legend": {"orientation": "h", "yanchor": "top", "y": -0.22, "x": 0},
        "xaxis": xaxis,
        "yaxis": yaxis,
    }
    return SpecFigure({"data": data, "layout": layout})


def batch_loss_curve(first: int, losses: list[float], *, name: str, x_title: str, height: int = 300) -> go.Figure:
    """The mean loss of consecutive batches, numbered from ``first`` (1-based); at most
    MAX_POINTS of them are drawn, evenly spaced, the last batch always among them."""
    x, y = thin(first, losses)
    trace = {"type": "scatter", "x": x, "y": y, "name": name, "mode": "lines", "line": {"color": BLUE, "width": 1.5}}
    layout = {
        "template": _template(),
        "height": height,
        "margin": {"l": 10, "r": 10, "t": 10, "b": 10},
        "showlegend": False,
        # Batches are whole numbers: ticks 1 apart at most (no 1.5), and never "1.2k"-style decimals.
        "xaxis": {"title": {"text": x_title}, "tickformat": "d", **({"dtick": 1} if len(losses) <= 10 else {})},
        "yaxis": {"title": {"text": name}, "rangemode": "tozero"},
        "uirevision": "keep",
    }
    return SpecFigure({"data": [trace], "layout": layout})


def confusion_figure(cm: np.ndarray, *, x_title: str, y_title: str, height: int = 420) -> go.Figure:
    """A (10, 10) confusion matrix (row = true class, column = predicted) with counts in
    the cells; the diagonal and the mistakes use separate colour scales so errors show."""
    k = cm.shape[0]
    labels = [str(i) for i in range(k)]
    off = cm.astype(float)
    np.fill_diagonal(off, np.nan)
    diag = np.full(cm.shape, np.nan)
    np.fill_diagonal(diag, np.diag(cm))
    text = [["" if i == j or not v else str(v) for j, v in enumerate(row)] for i, row in enumerate(cm)]
    fig = go.Figure()
    # Right answers in blue, mistakes in orange: a pair that colour-blind eyes tell apart too.
    blues = [[0, "#dbeaf6"], [0.5, "#5b9bd0"], [1, "#08457a"]]
    top = max(int(cm.diagonal().max()), 1)
    fig.add_trace(
        go.Heatmap(z=diag, x=labels, y=labels, colorscale=blues, zmin=0, zmax=top, showscale=False, hoverinfo="skip")
    )
    fig.add_trace(
        go.Heatmap(
            z=off,
            x=labels,
            y=labels,
            colorscale=[[0, "#fff3e6"], [1, ACCENT]],
            zmin=0,
            showscale=False,
            text=text,
            texttemplate="%{text}",
            customdata=cm,
            hovertemplate=f"{y_title}: %{{y}}<br>{x_title}: %{{x}}<br>%{{customdata}}<extra></extra>",
        )
    )
    # The diagonal's counts, drawn over both layers: white only on the darker blues (4.5:1 or more).
    fig.add_trace(
        go.Scatter(
            x=labels,
            y=labels,
            mode="text",
            text=[str(cm[i, i]) for i in range(k)],
            textfont=dict(color=["white" if cm[i, i] > 0.7 * top else INK for i in range(k)], size=11),
            hovertemplate=f"{y_title} = {x_title} = %{{x}}<br>%{{text}}<extra></extra>",
            showlegend=False,
        )
    )
    fig.update_layout(
        height=height,
        margin=dict(l=10, r=10, t=10, b=10),
        xaxis=dict(title=x_title, type="category", side="top", constrain="domain"),
        yaxis=dict(title=y_title, type="category", autorange="reversed", scaleanchor="x"),
        plot_bgcolor="rgba(0,0,0,0)",
    )
    return fig


# --- maths page ---------------------------------------------------------------------

GREY = "#cbd5e1"


def vector_bars(
    values: np.ndarray,
    *,
    colors: list[str] | str = BLUE,
    labels: list[str] | None = None,
    x_title: str = "",
    height: int = 220,
) -> go.Figure:
    """One bar per entry of a vector (z, θ, δ₂, ...), signed values around a zero line."""
    values = np.asarray(values, dtype=float)
    x = labels if labels is not None else [str(i) for i in range(len(values))]
    fig = go.Figure(go.Bar(x=x, y=values, marker_color=colors, hovertemplate="%{x}: %{y:.4g}<extra></extra>"))
    fig.update_layout(
        height=height,
        margin=dict(l=10, r=10, t=10, b=10),
        bargap=0.15,
        xaxis=dict(type="category", title=x_title, showticklabels=len(values) <= 32),
        # 2×10⁻⁵, not SI's "20µ" (a micro prefix means nothing on a gradient)
        yaxis=dict(zeroline=True, zerolinecolor=INK, zerolinewidth=1, exponentformat="power"),
        plot_bgcolor="rgba(0,0,0,0)",
    )
    return fig


def signed_heatmap(
    m: np.ndarray,
    *,
    x_title: str = "",
    y_title: str = "",
    y_labels: list[str] | None = None,
    height: int = 260,
) -> go.Figure:
    """A matrix of signed values (a gradient): red positive, blue negative, white zero."""
    m = np.asarray(m, dtype=float)
    bound = float(np.abs(m).max()) or 1.0
    fig = go.Figure(
        go.Heatmap(
            z=m,
            y=y_labels,
            colorscale="RdBu_r",
            zmid=0.0,
            zmin=-bound,
            zmax=bound,
            showscale=True,
            colorbar=dict(thickness=10, tickformat=".2~g"),  # 2, 0.5, 0.0003: not "2.0e+0"
            hovertemplate="%{y}, %{x}: %{z:.3e}<extra></extra>",
        )
    )
    fig.update_layout(
        height=height,
        margin=dict(l=10, r=10, t=10, b=10),
        xaxis=dict(title=x_title, constrain="domain"),
        yaxis=dict(
            title=y_title,
            autorange="reversed",
            type="category" if y_labels is not None else "-",
        ),
        plot_bgcolor="rgba(0,0,0,0)",
    )
    return fig


def probability_shift(
    before: np.ndarray,
    after: np.ndarray,
    *,
    names: tuple[str, str, str],
    highlight: int | None = None,
    height: int = 260,
) -> go.Figure:
    """Ten probabilities before and after a training step, side by side per digit. Names: before
    (grey), after (blue), after for the ``highlight`` digit (orange); one colour per legend entry,
    the highlighted bar in the "after" slot of its digit."""
    x = [str(i) for i in range(len(before))]
    hover = "%{x}: %{y:.2%}<extra></extra>"
    others = [i for i in range(len(after)) if i != highlight]
    bars = [
        go.Bar(x=x, y=before, name=names[0], marker_color=GREY, offsetgroup="before", hovertemplate=hover),
        go.Bar(
            x=[x[i] for i in others],
            y=[after[i] for i in others],
            name=names[1],
            marker_color=BLUE,
            offsetgroup="after",
            hovertemplate=hover,
        ),
    ]
    if highlight is not None:
        bars.append(
            go.Bar(
                x=[x[highlight]],
                y=[after[highlight]],
                name=names[2],
                marker_color=ACCENT,
                offsetgroup="after",
                hovertemplate=hover,
            )
        )
    fig = go.Figure(bars)
    fig.update_layout(
        height=height,
        barmode="group",
        margin=dict(l=10, r=10, t=10, b=10),
        yaxis=dict(range=[0, 1.05], tickformat=".0%"),
        xaxis=dict(type="category"),
        legend=dict(orientation="h", yanchor="bottom", y=1.0, x=0),
        plot_bgcolor="rgba(0,0,0,0)",
    )
    return fig


# --- draw page ---


def signed_image_grid(images: list[np.ndarray], titles: list[str], *, cols: int = 3, height: int = 360) -> go.Figure:
    """Several 28x28 signed images (rows of a gradient) in one figure, one colour scale for all."""
    from plotly.subplots import make_subplots

    rows = -(-len(images) // cols)
    bound = max((float(np.abs(im).max()) for im in images), default=0.0) or 1.0
    fig = make_subplots(rows=rows, cols=cols, subplot_titles=titles, horizontal_spacing=0.03, vertical_spacing=0.16)
    for i, im in enumerate(images):
        fig.add_trace(
            go.Heatmap(z=im, colorscale="RdBu_r", zmid=0.0, zmin=-bound, zmax=bound, showscale=False, hoverinfo="skip"),
            row=i // cols + 1,
            col=i % cols + 1,
        )
    fig.update_xaxes(visible=False, constrain="domain")
    fig.update_yaxes(visible=False, autorange="reversed", constrain="domain")
    for i in range(len(images)):  # keep every image square
        suffix = "" if i == 0 else str(i + 1)
        fig.update_layout({f"yaxis{suffix}": dict(scaleanchor=f"x{suffix}")})
    fig.update_annotations(font=dict(size=12, color=INK))
    fig.update_layout(height=height, margin=dict(l=0, r=0, t=40, b=0), plot_bgcolor="rgba(0,0,0,0)")  # two-line titles
    return fig


ROOM_SYMBOLS = ("circle", "square", "diamond", "triangle-up", "x", "cross")


def room_curves(lines: list[dict], *, x_title: str, y_title: str, height: int = 420) -> go.Figure:
    """The room's runs: test accuracy against training time, one line per participant's run.
    Each line: name (plain text; escaped here, since Plotly reads a few HTML tags in its
    labels), x, y. Colour and marker both change from line to line: a second cue besides colour."""
    palette = (BLUE, ACCENT, *OKABE_ITO_OTHERS)
    data = [
        {
            "type": "scatter",
            "x": list(line["x"]),
            "y": list(line["y"]),
            "name": html.escape(line["name"]),
            "mode": "lines+markers",
            "line": {"color": palette[i % len(palette)], "width": 2},
            "marker": {"size": 8, "symbol": ROOM_SYMBOLS[i % len(ROOM_SYMBOLS)]},
            "hovertemplate": "%{fullData.name}<br>%{x:.1f} s · %{y:.2%}<extra></extra>",
        }
        for i, line in enumerate(lines)
    ]
    values = [float(v) for line in lines for v in line["y"]]
    lo = min(values, default=0.8)
    layout = {
        "template": _template(),
        "height": height,
        "margin": {"l": 10, "r": 10, "t": 10, "b": 10},
        "showlegend": len(lines) <= 12,
        "legend": {"orientation": "h", "yanchor": "top", "y": -0.18, "x": 0},
        "xaxis": {"title": {"text": x_title}, "rangemode": "tozero"},
        "yaxis": {"title": {"text": y_title}, "tickformat": ".0%", "range": [max(0.0, min(lo, 0.9) - 0.02), 1.0]},
        "font": {"size": 16},
    }
    return SpecFigure({"data": data, "layout": layout})
