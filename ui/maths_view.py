"""The Maths page's pieces: the derivation's formulas, the controls, and the drawing of a walkthrough.

Formulas are KaTeX (``st.latex``) and language-neutral, so they live here and
not in the catalogue; every sentence goes through ``T``. Numbers come from
``mlp_core.walkthrough``; nothing here computes more than a format.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import streamlit as st

from mlp_core.gradcheck import GradCheckRow
from mlp_core.io import fingerprint
from mlp_core.model import MLP
from mlp_core.walkthrough import (
    TINY_LABEL,
    TINY_X,
    SGDStep,
    Walkthrough,
    instructive_index,
    sgd_step,
    tiny_model,
)

from . import numbers
from .common import active_model, choice_key, get_dataset, get_state, show_chart
from .figures import (
    BLUE,
    GREY,
    digit_image,
    probability_bars,
    probability_shift,
    signed_heatmap,
    signed_image_grid,
    vector_bars,
)
from .i18n import Translator
from .state import LabState

KEYS_VIEW = {"derivation": "maths.view_derivation", "live": "maths.view_live", "tiny": "maths.view_tiny"}
VIEWS = tuple(KEYS_VIEW)
KEYS_SOURCE = {"test": "maths.source_test", "drawing": "maths.source_drawing"}
SOURCES = tuple(KEYS_SOURCE)
LEARNING_RATES = (0.001, 0.01, 0.05, 0.1, 0.2, 0.5, 1.0, 2.0, 5.0)
N_UNIT_IMAGES = 6  # rows of dE/dW_h drawn as 28x28 images
CHECK_TOLERANCE = 1e-6
SURE_LOSS = 1e-8  # below this E, y_hat - y itself loses digits to rounding (y_hat is within 1e-8 of 1)
CHART = {"displayModeBar": False}

# --- the derivation (the notebook's notation) -----------------------------------------

F_NETWORK = r"""
\begin{aligned}
z &= W_h\,x \\
h &= \operatorname{ReLU}(z) = \max(0,\, z) \\
\theta &= W_o\,h \\
\hat{y} &= \operatorname{softmax}(\theta), \qquad \hat{y}_k = \frac{e^{\theta_k}}{\sum_j e^{\theta_j}} \\
E &= \operatorname{CE}(\hat{y}, y) = -\sum_k y_k \ln \hat{y}_k
\end{aligned}
"""

F_CHAIN = r"""
\frac{\partial E}{\partial W_o}
= \frac{\partial E}{\partial \hat{y}}\,\frac{\partial \hat{y}}{\partial \theta}\,\frac{\partial \theta}{\partial W_o}
"""

F_DELTAS = r"""
\delta_1 = \frac{\partial E}{\partial \theta}, \qquad \delta_2 = \frac{\partial E}{\partial z}
"""

F_SOFTMAX_CE = r"""
\begin{aligned}
E &= -\sum_k y_k \ln \hat{y}_k \\
  &= -\sum_k y_k \Big(\theta_k - \ln \sum_j e^{\theta_j}\Big) \\
  &= -\sum_k y_k\,\theta_k + \ln \sum_j e^{\theta_j} \\[6pt]
\frac{\partial E}{\partial \theta_i} &= -y_i + \frac{e^{\theta_i}}{\sum_j e^{\theta_j}} = \hat{y}_i - y_i \\[6pt]
\delta_1 &= \frac{\partial E}{\partial \theta} = (\hat{y} - y)^{\top}
\end{aligned}
"""

F_DELTA_2 = r"""
\begin{aligned}
\delta_2 &= \frac{\partial E}{\partial \theta}\,\frac{\partial \theta}{\partial h}\,\frac{\partial h}{\partial z}
  = \delta_1\,\frac{\partial \theta}{\partial h}\,\frac{\partial h}{\partial z} \\
 &= \delta_1 W_o\,\frac{\partial h}{\partial z} = \delta_1 W_o \circ \operatorname{ReLU}'(z) \\
 &= \delta_1 W_o \circ \operatorname{sgn}(h)
\end{aligned}
"""

F_RELU_PRIME = r"""
\operatorname{ReLU}'(z_j) = \begin{cases} 1, & z_j > 0 \\ 0, & z_j \le 0 \end{cases}
"""

F_GRADIENTS = r"""
\begin{aligned}
\frac{\partial E}{\partial W_o} &= \frac{\partial E}{\partial \theta}\,\frac{\partial \theta}{\partial W_o}
  = \delta_1\,\frac{\partial \theta}{\partial W_o} = \delta_1^{\top} h^{\top} \\
\frac{\partial E}{\partial W_h} &= \frac{\partial E}{\partial z}\,\frac{\partial z}{\partial W_h}
  = \delta_2\,\frac{\partial z}{\partial W_h} = \delta_2^{\top} x^{\top}
\end{aligned}
"""

F_GRADIENT_ENTRIES = r"""
\begin{aligned}
\frac{\partial E}{\partial (W_o)_{kj}} &= (\delta_1)_k\, h_j \\
\frac{\partial E}{\partial (W_h)_{ji}} &= (\delta_2)_j\, x_i
\end{aligned}
"""

F_UPDATE = r"""
\begin{aligned}
W_o &\leftarrow W_o - \eta\,\frac{\partial E}{\partial W_o} \\
W_h &\leftarrow W_h - \eta\,\frac{\partial E}{\partial W_h}
\end{aligned}
"""

F_BATCH = r"""
\begin{aligned}
z^{\top} &= (W_h\,x)^{\top} = x^{\top} W_h^{\top} \\
\theta^{\top} &= h^{\top} W_o^{\top} \\
\Big(\frac{\partial E}{\partial W_o}\Big)^{\top} &= (\delta_1^{\top} h^{\top})^{\top} = h\,\delta_1 \\
\delta_2 &= \delta_1 W_o \circ \operatorname{ReLU}'(z) \\
\Big(\frac{\partial E}{\partial W_h}\Big)^{\top} &= x\,\delta_2
\end{aligned}
"""

F_BATCH_MEAN = r"""
\begin{aligned}
\texttt{h.T @ delta\_1} &= \sum_{n=1}^{N} h^{(n)}\,\delta_1^{(n)} \\
\frac{1}{N}\sum_{n=1}^{N} \frac{\partial E^{(n)}}{\partial W}
  &= \frac{\partial}{\partial W}\Big(\frac{1}{N}\sum_{n=1}^{N} E^{(n)}\Big)
\end{aligned}
"""

# Shape comments on their own lines: beside the code they need sideways scrolling on a phone.
BATCH_CODE = """\
# (N, 784) @ (784, H) -> (N, H)
z = x @ W_h
# (N, H)
h = relu(z)
# (N, H) @ (H, 10) -> (N, 10)
theta = h @ W_o
# (N, 10), {rows}
y_hat = softmax(theta)
# (N, 10)
delta_1 = y_hat - y
# (H, N) @ (N, 10) -> (H, 10)
grad_W_o = h.T @ delta_1
# (N, 10) @ (10, H) -> (N, H)
delta_2 = delta_1 @ W_o.T * (z > 0)
# (784, N) @ (N, H) -> (784, H)
grad_W_h = x.T @ delta_2
W_o -= lr * grad_W_o / N
W_h -= lr * grad_W_h / N
"""


F_BIASES = r"""
\begin{aligned}
z &= W_h\,x + b_h, & \theta &= W_o\,h + b_o \\
\frac{\partial E}{\partial b_h} &= \delta_2^{\top}, & \frac{\partial E}{\partial b_o} &= \delta_1^{\top}
\end{aligned}
"""

F_CHECK = r"""
\begin{aligned}
\frac{\partial E}{\partial w} &\approx \frac{E(w + \varepsilon) - E(w - \varepsilon)}{2\varepsilon},
  \qquad \varepsilon = 10^{EPS} \\
r &= \frac{|a - n|}{|a| + |n|}
\end{aligned}
"""

# KaTeX's display size (1.21em) makes matrices wider than a phone; there they get the text's
# size, and whatever is still wider scrolls sideways instead of being cut off.
PHONE_CSS = """<style>
@media (max-width: 640px) {
  [data-testid=stMain] .katex-display > .katex { font-size: 1em; }
}
[data-testid=stMain] .katex-display { overflow-x: auto; overflow-y: hidden; padding: 2px 0; }
</style>"""


def shapes_table(T: Translator, hidden: int) -> str:
    """A markdown table: each quantity's shape in the maths (one example) and in the code (a batch)."""
    H = hidden
    rows = [
        ("x", "784 \\times 1", "x: (N, 784)"),
        ("W_h", f"{H} \\times 784", f"W_h: (784, {H})"),
        ("z,\\ h", f"{H} \\times 1", f"z, h: (N, {H})"),
        ("W_o", f"10 \\times {H}", f"W_o: ({H}, 10)"),
        ("\\theta,\\ \\hat{y},\\ y", "10 \\times 1", "theta, y_hat, y: (N, 10)"),
        ("\\delta_1", "1 \\times 10", "delta_1: (N, 10)"),
        ("\\delta_2", f"1 \\times {H}", f"delta_2: (N, {H})"),
        ("\\partial E / \\partial W_o", f"10 \\times {H}", f"grad_W_o: ({H}, 10)"),
        ("\\partial E / \\partial W_h", f"{H} \\times 784", f"grad_W_h: (784, {H})"),
    ]
    head = f"| {T('maths.col_quantity')} | {T('maths.col_maths')} | {T('maths.col_code')} |\n|---|---|---|\n"
    return head + "".join(f"| ${q}$ | ${m}$ | `{c}` |\n" for q, m, c in rows)


def derivation(T: Translator, *, hidden: int, biases: bool) -> None:
    """The notebook's derivation, step by step."""
    st.subheader(T("maths.d1_title"))
    st.write(T("maths.d1_text"))
    st.latex(F_NETWORK)
    if biases:
        st.info(T("maths.biases_note"))
        st.latex(F_BIASES)

    st.subheader(T("maths.d2_title"))
    st.write(T("maths.d2_text"))
    st.latex(F_CHAIN)

    st.subheader(T("maths.d3_title"))
    st.write(T("maths.d3_text"))
    st.latex(F_DELTAS)

    st.subheader(T("maths.d4_title"))
    st.write(T("maths.d4_text"))
    st.latex(F_SOFTMAX_CE)
    st.write(T("maths.d4_after"))

    st.subheader(T("maths.d5_title"))
    st.write(T("maths.d5_text"))
    st.latex(F_DELTA_2)
    st.latex(F_RELU_PRIME)

    st.subheader(T("maths.d6_title"))
    st.write(T("maths.d6_text"))
    st.latex(F_GRADIENTS)
    st.latex(F_GRADIENT_ENTRIES)

    st.subheader(T("maths.d7_title"))
    st.write(T("maths.d7_text"))
    st.latex(F_UPDATE)

    st.subheader(T("maths.d8_title"))
    st.write(T("maths.d8_text", hidden=hidden))
    st.markdown(shapes_table(T, hidden))

    st.subheader(T("maths.d9_title"))
    st.write(T("maths.d9_text"))
    st.latex(F_BATCH)
    st.code(BATCH_CODE.format(rows=T("maths.code_rows")), language="python")
    st.write(T("maths.d9_after"))
    st.latex(F_BATCH_MEAN)


def with_decimal_point(text: str, T: Translator) -> str:
    """A number already written with "." (0.9765, 2.3e-05), with the language's decimal point."""
    return text.replace(".", numbers.decimal(0.5, 1, T.lang)[1])


def _zero(v: float) -> float:
    """-0.0 (and any float that equals 0) as 0.0, so nothing prints as "-0"."""
    return 0.0 if v == 0 else float(v)


def short_number(v: float, *, sign: bool = False) -> str:
    """4 decimals for everyday sizes, scientific notation for the tiny losses of a sure network; 0 is "0"."""
    v = _zero(v)
    if v == 0:
        return "0"
    plus = "+" if sign else ""
    if 1e-3 <= abs(v) < 1e4:
        return f"{v:{plus}.4f}"
    return f"{v:{plus}.3e}"


def percent_change(v: float) -> str:
    """A change of a probability in percent, with enough digits to show a tiny change is not zero."""
    v = _zero(v)
    return f"{v:+.2%}" if v == 0 or abs(v) >= 1e-4 else f"{v * 100:+.1e}%"


def tex_number(v: float) -> str:
    """Like short_number, as KaTeX: 8.29e-05 becomes 8.29 \times 10^{-5}."""
    v = _zero(v)
    if v == 0:
        return "0"
    if 1e-3 <= abs(v) < 1e4:
        return f"{v:.4f}"
    mantissa, exponent = f"{v:.3e}".split("e")
    return rf"{mantissa} \times 10^{{{int(exponent)}}}"


def _magnitudes(values: np.ndarray) -> np.ndarray:
    a = np.abs(np.asarray(values, dtype=float))
    return a[np.isfinite(a) & (a > 0)]


def column_format(values: np.ndarray, *, decimals: int = 4, digits: int = 4) -> str:
    """One printf format for a whole table column (st.column_config), so its numbers read alike:
    ``decimals`` fixed decimals when every non-zero value keeps at least two significant digits
    with them, otherwise scientific notation with ``digits`` significant digits for every row
    (never a mix of 0.000002312, 7.023e-9 and 1 in one column)."""
    a = _magnitudes(values)
    if a.size == 0 or (a.min() >= 10.0 ** (1 - decimals) and a.max() < 1e4):
        return f"%.{decimals}f"
    return f"%.{digits - 1}e"


def significant_format(values: np.ndarray, *, digits: int = 8, max_decimals: int = 10) -> str:
    """One printf format for columns compared digit by digit (the gradient check): fixed decimals
    giving the smallest value ``digits`` significant digits (-0.68122126, not -6.81221256e-1),
    scientific notation when that would take more than ``max_decimals`` decimals."""
    a = _magnitudes(values)
    if a.size == 0:
        return "%.1f"
    decimals = max(1, digits - 1 - int(np.floor(np.log10(a.min()))))
    if decimals <= max_decimals and a.max() < 1e4:
        return f"%.{decimals}f"
    return f"%.{digits - 1}e"


# --- controls (values kept in LabState: widget keys are dropped on a page switch) ----------


def _on_view() -> None:
    value = st.session_state.get(choice_key("maths_view", get_state().lang))
    if value in VIEWS:
        get_state().maths_view = value


def view_selector(state: LabState, T: Translator) -> str:
    st.session_state[choice_key("maths_view", state.lang)] = state.maths_view
    st.segmented_control(
        T("maths.view"),
        VIEWS,
        format_func=lambda v: T(KEYS_VIEW[v]),
        key=choice_key("maths_view", state.lang),
        required=True,
        on_change=_on_view,
        label_visibility="collapsed",
        width="stretch",
    )
    return state.maths_view


def _set(attr: str, key: str) -> None:
    setattr(get_state(), attr, st.session_state[key])


CHOSEN = "maths_index_chosen"  # in LabState.extra: the user picked a test digit, keep it


def _pick_index(value: int) -> None:
    state = get_state()
    state.maths_index = int(value)
    state.extra[CHOSEN] = True


def _slider_index() -> None:
    _pick_index(st.session_state["maths_index"])


def _random_digit(n: int) -> None:
    _pick_index(int(np.random.default_rng().integers(n)))


def _wrong_digit() -> None:
    """Jump to a test digit the active model gets wrong (big deltas, a lot to see)."""
    state = get_state()
    data = get_dataset()
    saved, _ = active_model(state)
    wrong = np.flatnonzero(saved.model.predict(data.x_test) != data.y_test)
    if wrong.size:
        _pick_index(int(np.random.default_rng().choice(wrong)))


def starting_index(state: LabState, model: MLP) -> int:
    """Until the user picks a digit: the first test digit the active model is unsure of
    (mlp_core.walkthrough.instructive_index), remembered per model for the session."""
    if state.extra.get(CHOSEN):
        return state.maths_index
    key = fingerprint(model)
    cached = state.extra.get("maths_start")
    if cached is None or cached[0] != key:
        data = get_dataset()
        cached = (key, instructive_index(model, data.x_test, data.y_test))
        state.extra["maths_start"] = cached
    state.maths_index = cached[1]
    return state.maths_index


def digit_picker(state: LabState, T: Translator, n_test: int, model: MLP) -> str:
    """The source of the digit (test set or the last drawing) and its controls; returns the source.
    Starts on a digit ``model`` is unsure of, and keeps the user's choice once there is one."""
    if state.last_drawing is None:
        state.maths_source = "test"
    else:
        key = choice_key("maths_source", state.lang)
        st.session_state[key] = state.maths_source
        st.radio(
            T("maths.source"),
            SOURCES,
            format_func=lambda s: T(KEYS_SOURCE[s]),
            key=key,
            horizontal=True,
            on_change=_set,
            args=("maths_source", key),
        )
    if state.maths_source == "test":
        starting_index(state, model)
        state.maths_index = min(max(int(state.maths_index), 0), n_test - 1)
        left, middle, right = st.columns([2, 1, 1], vertical_alignment="bottom")
        with left:
            st.session_state["maths_index"] = state.maths_index
            st.slider(
                T("maths.index"),
                0,
                n_test - 1,
                key="maths_index",
                on_change=_slider_index,
            )
        middle.button(T("maths.random"), key="maths_random", on_click=_random_digit, args=(n_test,), width="stretch")
        right.button(T("maths.wrong"), key="maths_wrong", on_click=_wrong_digit, width="stretch")
        if state.last_drawing is None:
            st.caption(T("maths.no_drawing"))
    return state.maths_source


def drawing_label(state: LabState, T: Translator, prediction: int) -> int:
    """Which digit the drawing is meant to be (the network's answer until the user says otherwise)."""
    if state.maths_drawing_label is None:
        state.maths_drawing_label = prediction
    st.session_state["maths_drawing_label"] = state.maths_drawing_label
    st.selectbox(
        T("maths.drawing_label"),
        list(range(10)),
        key="maths_drawing_label",
        on_change=_set,
        args=("maths_drawing_label", "maths_drawing_label"),
    )
    return int(state.maths_drawing_label)


def lr_control(state: LabState, T: Translator, key: str, attr: str) -> float:
    if getattr(state, attr) not in LEARNING_RATES:
        setattr(state, attr, 0.1)
    st.session_state[key] = getattr(state, attr)
    st.select_slider(T("maths.lr"), LEARNING_RATES, key=key, on_change=_set, args=(attr, key))
    return float(getattr(state, attr))


# --- the walkthrough on a real digit ----------------------------------------------------


def _unit_labels(n: int) -> list[str]:
    return [str(j) for j in range(n)]


def forward_section(T: Translator, w: Walkthrough) -> None:
    st.subheader(T("maths.forward_header"))
    H = w.hidden
    left, right = st.columns([1, 2], gap="large")
    with left:
        show_chart(T, digit_image(w.x.reshape(28, 28), height=200), config=CHART, key="maths_x")
        st.caption(T("maths.x_caption"))
    with right:
        b_h, b_o = (" + b_h", " + b_o") if w.db_o is not None else ("", "")
        st.latex(
            rf"\begin{{aligned}} z &= W_h x{b_h} \in \mathbb{{R}}^{{{H}}}, & h &= \operatorname{{ReLU}}(z) \\"
            rf" \theta &= W_o h{b_o} \in \mathbb{{R}}^{{10}}, & \hat{{y}} &= \operatorname{{softmax}}(\theta)"
            r" \end{aligned}"
        )
        p = w.y_hat[w.label]
        p_text = f"{p:.6f}" if p >= 1e-3 else tex_number(p)
        st.latex(rf"E = -\ln \hat{{y}}_{{{w.label}}} = -\ln {p_text} = {tex_number(w.E)}")
        c1, c2 = st.columns(2)
        c1.metric(T("maths.true_label"), str(w.label))
        c2.metric(
            T("maths.predicted"),
            str(w.prediction),
            with_decimal_point(f"{w.y_hat[w.prediction]:.1%}", T),
            delta_color="off",
            delta_arrow="off",
        )
        c3, c4 = st.columns(2)
        c3.metric(T("maths.loss"), with_decimal_point(short_number(w.E), T))
        c4.metric(T("maths.relu_off"), T("maths.relu_off_value", off=w.relu_off, hidden=H))
    colors = [BLUE if v > 0 else GREY for v in w.z]
    show_chart(
        T,
        vector_bars(w.z, colors=colors, labels=_unit_labels(H), x_title=T("maths.col_unit"), height=200),
        config=CHART,
        key="maths_z",
    )
    z_text, theta_text = ("z = Wₕ x + bₕ", "θ = Wₒ h + bₒ") if w.db_o is not None else ("z = Wₕ x", "θ = Wₒ h")
    st.caption(T("maths.z_caption", hidden=H, z=z_text))
    left, right = st.columns(2, gap="large")
    with left:
        show_chart(T, vector_bars(w.theta, x_title=T("maths.col_class"), height=220), config=CHART, key="maths_theta")
        st.caption(T("maths.theta_caption", theta=theta_text))
    with right:
        show_chart(T, probability_bars(w.y_hat, highlight=w.label, height=220), config=CHART, key="maths_yhat")
        st.caption(T("maths.yhat_caption"))


def class_table(T: Translator, w: Walkthrough) -> pd.DataFrame:
    return pd.DataFrame(
        {
            T("maths.col_class"): list(range(len(w.theta))),
            "θ": w.theta,
            "ŷ": w.y_hat,
            "y": w.y.astype(int),
            "δ₁ = ŷ − y": w.delta_1,
        }
    )


def hidden_table(T: Translator, w: Walkthrough) -> pd.DataFrame:
    return pd.DataFrame({T("maths.col_unit"): np.arange(w.hidden), "z": w.z, "h": w.h, "δ₂": w.delta_2})


def backward_section(T: Translator, w: Walkthrough) -> None:
    st.subheader(T("maths.backward_header"))
    H = w.hidden
    st.latex(
        r"\begin{aligned} \delta_1 &= (\hat{y} - y)^{\top} \in \mathbb{R}^{1\times 10} \\"
        rf" \delta_2 &= \delta_1 W_o \circ \operatorname{{ReLU}}'(z) \in \mathbb{{R}}^{{1\times {H}}} \end{{aligned}}"
    )
    st.dataframe(
        class_table(T, w),
        hide_index=True,
        width="stretch",
        column_config={
            "θ": st.column_config.NumberColumn(format=column_format(w.theta)),
            "ŷ": st.column_config.NumberColumn(format=column_format(w.y_hat)),
            "δ₁ = ŷ − y": st.column_config.NumberColumn(format=column_format(w.delta_1)),
        },
        key="maths_classes",
    )
    st.caption(T("maths.table_caption"))
    show_chart(
        T,
        vector_bars(
            w.delta_2,
            colors=[BLUE if v > 0 else GREY for v in w.z],
            labels=_unit_labels(H),
            x_title=T("maths.col_unit"),
            height=200,
        ),
        config=CHART,
        key="maths_delta_2",
    )
    st.caption(T("maths.delta2_caption", off=w.relu_off))
    with st.expander(T("maths.numbers_expander")):
        st.dataframe(
            hidden_table(T, w),
            hide_index=True,
            width="stretch",
            column_config={
                c: st.column_config.NumberColumn(format=column_format(v))
                for c, v in (("z", w.z), ("h", w.h), ("δ₂", w.delta_2))
            },
            key="maths_hidden",
        )

    st.latex(
        rf"\begin{{aligned}} \frac{{\partial E}}{{\partial W_o}} &= \delta_1^{{\top}} h^{{\top}}"
        rf" \in \mathbb{{R}}^{{10\times {H}}} \\[6pt]"
        rf" \frac{{\partial E}}{{\partial W_h}} &= \delta_2^{{\top}} x^{{\top}} \in \mathbb{{R}}^{{{H}\times 784}}"
        r" \end{aligned}"
    )
    show_chart(
        T,
        signed_heatmap(
            w.dW_o,
            x_title=T("maths.col_unit"),
            y_title=T("maths.col_class"),
            y_labels=[str(k) for k in range(w.dW_o.shape[0])],
            height=260,
        ),
        config=CHART,
        key="maths_dW_o",
    )
    st.caption(T("maths.dwo_caption", hidden=H))
    units = np.argsort(-np.abs(w.delta_2), kind="stable")[: min(N_UNIT_IMAGES, H)]
    unit_format = column_format(w.delta_2[units], decimals=3, digits=3)
    st.caption(T("maths.dwh_caption", hidden=H, n=len(units)))
    show_chart(
        T,
        signed_image_grid(
            [w.dW_h[j].reshape(28, 28) for j in units],
            [T("maths.unit_title", unit=int(j), value=unit_format % _zero(w.delta_2[j])) for j in units],
            height=340,
        ),
        config={**CHART, "staticPlot": True},
        key="maths_dW_h",
    )


def _new_check(state_attr: str = "maths_check_seed") -> None:
    state = get_state()
    setattr(state, state_attr, getattr(state, state_attr) + 1)


def check_table(T: Translator, rows: list[GradCheckRow]) -> pd.DataFrame:
    return pd.DataFrame(
        {
            T("maths.col_param"): [r.param for r in rows],
            T("maths.col_index"): ["(" + ", ".join(map(str, r.index)) + ")" for r in rows],
            T("maths.col_analytic"): [r.analytic for r in rows],
            T("maths.col_numeric"): [r.numeric for r in rows],
            T("maths.col_rel"): [r.rel_error for r in rows],
        }
    )


def check_section(T: Translator, rows: list[GradCheckRow], eps: float, loss: float) -> None:
    """The check's table and verdict. ``loss`` is the digit's E: when it is below ~1e-9, ŷ rounds
    next to 1 and backprop's own ŷ - y has only a few correct digits left, which is said so."""
    st.subheader(T("maths.check_header"))
    st.write(T("maths.check_text"))
    st.latex(F_CHECK.replace("EPS", str(round(np.log10(eps)))))
    # a and n in one format, with 8 significant digits of the smallest: they should agree to the last
    compared = significant_format([v for r in rows for v in (r.analytic, r.numeric)])
    st.dataframe(
        check_table(T, rows),
        hide_index=True,
        width="stretch",
        height=35 * (len(rows) + 1) + 3,  # every row, no scrolling
        column_config={
            T("maths.col_analytic"): st.column_config.NumberColumn(format=compared),
            T("maths.col_numeric"): st.column_config.NumberColumn(format=compared),
            T("maths.col_rel"): st.column_config.NumberColumn(format="%.1e"),
        },
        key="maths_check",
    )
    worst = max((r.rel_error for r in rows), default=0.0)
    if worst < CHECK_TOLERANCE:
        st.success(T("maths.check_ok", worst=f"{worst:.1e}"))
    elif loss < SURE_LOSS:
        st.info(T("maths.check_sure", worst=f"{worst:.1e}", loss=f"{loss:.1e}"))
    else:
        st.warning(T("maths.check_bad", worst=f"{worst:.1e}"))
    st.button(T("maths.check_again"), key="maths_check_again", on_click=_new_check)


def step_controls(T: Translator, state: LabState) -> float:
    """The step's header, formula and learning-rate control; returns the learning rate."""
    st.subheader(T("maths.step_header"))
    st.write(T("maths.step_text"))
    st.latex(F_UPDATE)
    with st.columns(2)[0]:
        return lr_control(state, T, "maths_lr", "maths_lr")


def step_result(T: Translator, step: SGDStep, label: int) -> None:
    c1, c2, c3 = st.columns(3)
    c1.metric(T("maths.loss_before"), with_decimal_point(short_number(step.loss_before), T))
    c2.metric(
        T("maths.loss_after"),
        with_decimal_point(short_number(step.loss_after), T),
        with_decimal_point(short_number(step.loss_after - step.loss_before, sign=True), T),
        delta_color="inverse",
    )
    c3.metric(
        T("maths.p_true"),
        with_decimal_point(f"{step.y_hat_after[label]:.2%}", T),
        with_decimal_point(percent_change(step.y_hat_after[label] - step.y_hat_before[label]), T),
    )
    if step.loss_after > step.loss_before:
        st.warning(T("maths.step_overshoot", lr=step.lr))
    show_chart(
        T,
        probability_shift(
            step.y_hat_before,
            step.y_hat_after,
            names=(T("maths.before"), T("maths.after"), T("maths.after_true", digit=label)),
            highlight=label,
            height=240,
        ),
        config=CHART,
        key="maths_step",
    )


# --- the tiny network, every number printed ---------------------------------------------


def num(v: float, decimals: int = 3) -> str:
    """A number for the whiteboard: at most ``decimals`` decimals, no trailing zeros, no "-0"."""
    text = f"{v:.{decimals}f}".rstrip("0").rstrip(".")
    return "0" if text in ("-0", "") else text


def tex_num(v: float, decimals: int = 3) -> str:
    """num() for KaTeX, except that a value too small for ``decimals`` decimals keeps two
    significant digits (1.2 \\times 10^{-5}) instead of reading 0: with a large step the
    gradients of a sure network are tiny, yet they still move the weights."""
    v = _zero(v)
    if v != 0 and abs(v) < 0.5 * 10.0**-decimals:
        mantissa, exponent = f"{v:.1e}".split("e")
        return rf"{mantissa} \times 10^{{{int(exponent)}}}"
    return num(v, decimals)


def bmatrix(a: np.ndarray, decimals: int = 3) -> str:
    """A 1-D array as a column, a 2-D array as it is, in KaTeX's bmatrix."""
    a = np.asarray(a, dtype=float)
    if a.ndim == 1:
        a = a[:, None]
    body = r" \\ ".join(" & ".join(tex_num(v, decimals) for v in row) for row in a)
    return r"\begin{bmatrix} " + body + r" \end{bmatrix}"


def row_matrix(a: np.ndarray, decimals: int = 3) -> str:
    return bmatrix(np.asarray(a, dtype=float)[None, :], decimals)


def _paren(v: float) -> str:
    return f"({tex_num(v)})" if v < 0 else tex_num(v)


def current_tiny(state: LabState) -> MLP:
    """The tiny network's weights at the start of this round."""
    return state.tiny_model if state.tiny_model is not None else tiny_model()


def _tiny_forward() -> None:
    state = get_state()
    if state.tiny_stage == 3:  # the update shown on screen becomes the new weights
        state.tiny_model = sgd_step(current_tiny(state), TINY_X, TINY_LABEL, state.tiny_lr).model_after
        state.tiny_round += 1
    state.tiny_stage = 1


def _tiny_stage(stage: int) -> None:
    get_state().tiny_stage = stage


def _tiny_reset() -> None:
    state = get_state()
    state.tiny_model, state.tiny_stage, state.tiny_round = None, 0, 1


def tiny_controls(T: Translator, state: LabState) -> float:
    """The step buttons and the learning rate; returns the learning rate."""
    st.write(T("maths.tiny_text"))
    stage = state.tiny_stage
    c1, c2, c3, c4 = st.columns(4)
    c1.button(
        T("maths.tiny_forward"),
        key="tiny_forward",
        on_click=_tiny_forward,
        disabled=stage not in (0, 3),
        type="primary" if stage in (0, 3) else "secondary",
        width="stretch",
    )
    c2.button(
        T("maths.tiny_backward"),
        key="tiny_backward",
        on_click=_tiny_stage,
        args=(2,),
        disabled=stage != 1,
        type="primary" if stage == 1 else "secondary",
        width="stretch",
    )
    c3.button(
        T("maths.tiny_update"),
        key="tiny_update",
        on_click=_tiny_stage,
        args=(3,),
        disabled=stage != 2,
        type="primary" if stage == 2 else "secondary",
        width="stretch",
    )
    c4.button(T("maths.tiny_reset"), key="tiny_reset", on_click=_tiny_reset, width="stretch")
    if state.tiny_lr not in LEARNING_RATES:
        state.tiny_lr = 0.5
    with st.columns(2)[0]:
        return lr_control(state, T, "tiny_lr", "tiny_lr")


def chain(lhs: str, *steps: str) -> str:
    """``lhs = step_1 = step_2 ...`` with one step per line, so matrices fit a phone's width."""
    lines = [rf"{lhs} &{steps[0]}"] + [rf"&{step}" for step in steps[1:]]
    return r"\begin{aligned} " + r" \\[4pt] ".join(lines) + r" \end{aligned}"


def tiny_given(T: Translator, state: LabState, w: Walkthrough, lr: float) -> None:
    st.subheader(T("maths.tiny_round", n=state.tiny_round))
    st.write(T("maths.tiny_given"))
    st.latex(rf"x = {bmatrix(w.x)}, \qquad y = {bmatrix(w.y)}, \qquad \eta = {num(lr)}")
    left, right = st.columns(2)
    left.latex(rf"W_h = {bmatrix(w.W_h)}")
    right.latex(rf"W_o = {bmatrix(w.W_o)}")


def tiny_forward(T: Translator, w: Walkthrough) -> None:
    st.subheader(T("maths.forward_header"))
    products = [rf"{_paren(a)} \cdot {_paren(b)}" for a, b in zip(w.W_h[0], w.x, strict=True)]
    # two products per line and the result on a line of its own: fits a phone whatever the weights
    halves = [" + ".join(products[i : i + 2]) for i in range(0, len(products), 2)]
    z_1 = chain("z_1", f"= {halves[0]}", *(rf"\quad + {half}" for half in halves[1:]), f"= {tex_num(w.z[0])}")
    left, right = st.columns(2)  # two columns of formulas on a laptop, one after the other on a phone
    left.latex(chain("z", r"= W_h\,x", f"= {bmatrix(w.W_h)} {bmatrix(w.x)}", f"= {bmatrix(w.z)}"))
    right.latex(z_1)
    right.latex(rf"h = \operatorname{{ReLU}}(z) = \operatorname{{ReLU}}{bmatrix(w.z)} = {bmatrix(w.h)}")
    off = [str(j + 1) for j in range(w.hidden) if w.z[j] <= 0]
    if off:
        right.caption(T("maths.tiny_relu_note", units=", ".join(off)))
    left, right = st.columns(2)
    left.latex(chain(r"\theta", r"= W_o\,h", f"= {bmatrix(w.W_o)} {bmatrix(w.h)}", f"= {bmatrix(w.theta)}"))
    denominator = " + ".join(rf"e^{{{tex_num(t)}}}" for t in w.theta)
    lines = [r"\hat{y} &= \operatorname{softmax}(\theta)"] + [
        rf"\hat{{y}}_{{{k + 1}}} &= \frac{{e^{{{tex_num(t)}}}}}{{{denominator}}} = {tex_num(w.y_hat[k])}"
        for k, t in enumerate(w.theta)
    ]
    right.latex(r"\begin{aligned} " + r" \\[8pt] ".join(lines) + r" \end{aligned}")
    k = w.label
    if w.E >= 1e-3:
        right.latex(rf"E = -\ln \hat{{y}}_{{{k + 1}}} = -\ln {num(w.y_hat[k])} = {num(w.E)}")
    else:  # ŷ rounds to 1 while E is not 0: show E itself
        right.latex(rf"E = -\ln \hat{{y}}_{{{k + 1}}} = {tex_num(w.E)}")


def tiny_backward(T: Translator, w: Walkthrough) -> None:
    st.subheader(T("maths.backward_header"))
    mask = (w.z > 0).astype(float)
    left, right = st.columns(2)
    left.latex(
        chain(
            r"\delta_1",
            r"= (\hat{y} - y)^{\top}",
            rf"= \Big({bmatrix(w.y_hat)} - {bmatrix(w.y)}\Big)^{{\top}}",
            f"= {row_matrix(w.delta_1)}",
        )
    )
    right.latex(
        chain(r"\delta_1 W_o", f"= {row_matrix(w.delta_1)} {bmatrix(w.W_o)}", f"= {row_matrix(w.delta_1 @ w.W_o)}")
    )
    right.latex(
        chain(
            r"\delta_2",
            r"= \delta_1 W_o \circ \operatorname{ReLU}'(z)",
            rf"= {row_matrix(w.delta_1 @ w.W_o)} \circ {row_matrix(mask)}",
            f"= {row_matrix(w.delta_2)}",
        )
    )
    left, right = st.columns(2)
    left.latex(
        chain(
            r"\frac{\partial E}{\partial W_o}",
            r"= \delta_1^{\top} h^{\top}",
            f"= {bmatrix(w.delta_1)} {row_matrix(w.h)}",
            f"= {bmatrix(w.dW_o)}",
        )
    )
    right.latex(
        chain(
            r"\frac{\partial E}{\partial W_h}",
            r"= \delta_2^{\top} x^{\top}",
            f"= {bmatrix(w.delta_2)} {row_matrix(w.x)}",
            f"= {bmatrix(w.dW_h)}",
        )
    )


def tiny_update(T: Translator, w: Walkthrough, step: SGDStep) -> None:
    st.subheader(T("maths.tiny_update_header"))
    new = step.model_after
    eta = num(step.lr)
    pairs = (("W_o", w.W_o, w.dW_o, new.W_o.T), ("W_h", w.W_h, w.dW_h, new.W_h.T))
    for col, (name, old_w, grad, new_w) in zip(st.columns(2), pairs, strict=True):
        col.latex(
            chain(
                name,
                rf"\leftarrow {name} - \eta\,\frac{{\partial E}}{{\partial {name}}}",
                f"= {bmatrix(old_w)}",
                rf"\quad - {eta}\,{bmatrix(grad)}",
                f"= {bmatrix(new_w)}",
            )
        )
    c1, c2 = st.columns(2)
    c1.metric(T("maths.loss_before"), with_decimal_point(short_number(step.loss_before), T))
    c2.metric(
        T("maths.loss_after"),
        with_decimal_point(short_number(step.loss_after), T),
        with_decimal_point(short_number(step.loss_after - step.loss_before, sign=True), T),
        delta_color="inverse",
    )
    st.caption(T("maths.tiny_next"))
