"""The walkthrough on a real digit: the forward pass, the backward pass and one step of
gradient descent, each formula next to its numbers for the active model (the numbers come
from mlp_core.walkthrough, computed in float64 on a copy)."""

from __future__ import annotations

import numpy as np
import pandas as pd
import streamlit as st

from mlp_core.walkthrough import SGDStep, Walkthrough

from .. import numbers
from ..common import show_chart
from ..figures import (
    BLUE,
    GREY,
    digit_image,
    probability_bars,
    probability_shift,
    signed_heatmap,
    signed_image_grid,
    vector_bars,
)
from ..i18n import Translator
from ..state import LabState
from . import prose
from .shared import CHART, delta, loss, loss_metrics, lr_control, table

N_UNIT_IMAGES = 6  # rows of dE/dW_h drawn as 28x28 images


def _unit_labels(n: int) -> list[str]:
    return [str(j) for j in range(n)]


def forward_section(T: Translator, w: Walkthrough) -> None:
    st.subheader(T("maths.forward_header"))
    H, lang = w.hidden, T.lang
    left, right = st.columns([1, 2], gap="large")
    with left:
        show_chart(
            T,
            digit_image(w.x.reshape(28, 28), height=200),
            config=CHART,
            key="maths_x",
            alt=T("maths.x_alt", label=w.label),
        )
        st.caption(T("maths.x_caption"))
    with right:
        b_h, b_o = (" + b_h", " + b_o") if w.db_o is not None else ("", "")
        st.latex(
            rf"\begin{{aligned}} z &= W_h x{b_h} \in \mathbb{{R}}^{{{H}}}, & h &= \operatorname{{ReLU}}(z) \\"
            rf" \theta &= W_o h{b_o} \in \mathbb{{R}}^{{10}}, & \hat{{y}} &= \operatorname{{softmax}}(\theta)"
            r" \end{aligned}"
        )
        p = w.y_hat[w.label]
        p_text = numbers.decimal(p, 6, lang) if p >= 1e-3 else numbers.fixed_or_scientific(p, lang)
        e_text = numbers.fixed_or_scientific(w.E, lang)
        st.latex(rf"E = -\ln \hat{{y}}_{{{w.label}}} = -\ln {numbers.tex(p_text)} = {numbers.tex(e_text)}")
        c1, c2 = st.columns(2)
        c1.metric(T("maths.true_label"), str(w.label))
        c2.metric(
            T("maths.predicted"),
            str(w.prediction),
            numbers.percent(w.y_hat[w.prediction], lang, 1),
            delta_color="off",
            delta_arrow="off",
        )
        c3, c4 = st.columns(2)
        c3.metric(T("maths.loss"), loss(w.E, T))
        off, hidden = numbers.integer(w.relu_off, lang), numbers.integer(H, lang)
        c4.metric(T("maths.relu_off"), T("maths.relu_off_value", off=off, hidden=hidden))
    colors = [BLUE if v > 0 else GREY for v in w.z]
    show_chart(
        T,
        vector_bars(w.z, colors=colors, labels=_unit_labels(H), x_title=T("maths.col_unit"), height=200),
        config=CHART,
        key="maths_z",
        alt=z_alt(T, w),
    )
    z_text, theta_text = ("z = Wₕ x + bₕ", "θ = Wₒ h + bₒ") if w.db_o is not None else ("z = Wₕ x", "θ = Wₒ h")
    st.caption(T("maths.z_caption", count=H, z=z_text))
    left, right = st.columns(2, gap="large")
    with left:
        show_chart(
            T,
            vector_bars(w.theta, x_title=T("maths.col_class"), height=220),
            config=CHART,
            key="maths_theta",
            alt=theta_alt(T, w),
        )
        st.caption(T("maths.theta_caption", theta=theta_text))
    with right:
        show_chart(
            T,
            probability_bars(w.y_hat, highlight=w.label, height=220),
            config=CHART,
            key="maths_yhat",
            alt=yhat_alt(T, w),
        )
        st.caption(T("maths.yhat_caption"))


# The tables' columns: names of maths, the same in every language.
CLASS_COLUMNS = ("θ", "ŷ", "δ₁ = ŷ − y")
HIDDEN_COLUMNS = ("z", "h", "δ₂")


def class_table(T: Translator, w: Walkthrough) -> pd.DataFrame:
    theta, y_hat, delta_1 = CLASS_COLUMNS
    return pd.DataFrame(
        {
            T("maths.col_class"): list(range(len(w.theta))),
            theta: w.theta,
            y_hat: w.y_hat,
            "y": w.y.astype(int),
            delta_1: w.delta_1,
        }
    )


def hidden_table(T: Translator, w: Walkthrough) -> pd.DataFrame:
    z, h, delta_2 = HIDDEN_COLUMNS
    return pd.DataFrame({T("maths.col_unit"): np.arange(w.hidden), z: w.z, h: w.h, delta_2: w.delta_2})


def formats(frame: pd.DataFrame, columns: tuple[str, ...], lang: str) -> dict:
    """One format for each number column: fixed decimals, or scientific notation for all of it."""
    return {c: numbers.column_formatter(frame[c], lang) for c in columns}


def backward_section(T: Translator, w: Walkthrough) -> None:
    st.subheader(T("maths.backward_header"))
    H, lang = w.hidden, T.lang
    st.latex(
        r"\begin{aligned} \delta_1 &= (\hat{y} - y)^{\top} \in \mathbb{R}^{1\times 10} \\"
        rf" \delta_2 &= \delta_1 W_o \circ \operatorname{{ReLU}}'(z) \in \mathbb{{R}}^{{1\times {H}}} \end{{aligned}}"
    )
    classes = class_table(T, w)
    st.dataframe(
        table(classes, formats(classes, CLASS_COLUMNS, lang)), hide_index=True, width="stretch", key="maths_classes"
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
        alt=delta2_alt(T, w),
    )
    st.caption(T("maths.delta2_caption", count=w.relu_off))
    with st.expander(T("maths.numbers_expander")):
        hidden = hidden_table(T, w)
        st.dataframe(
            table(hidden, formats(hidden, HIDDEN_COLUMNS, lang)), hide_index=True, width="stretch", key="maths_hidden"
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
        alt=dwo_alt(T, w),
    )
    st.caption(T("maths.dwo_caption", hidden=numbers.integer(H, lang)))
    units = np.argsort(-np.abs(w.delta_2), kind="stable")[: min(N_UNIT_IMAGES, H)]
    unit_value = numbers.column_formatter(w.delta_2[units], lang, decimals=3, digits=3)
    st.caption(T("maths.dwh_caption", hidden=numbers.integer(H, lang), count=len(units)))
    show_chart(
        T,
        signed_image_grid(
            [w.dW_h[j].reshape(28, 28) for j in units],
            # on two lines: three titles side by side must fit a phone
            [f"{T('maths.unit_title', unit=int(j))}<br>δ₂ = {unit_value(w.delta_2[j])}" for j in units],
            height=380,
        ),
        config={**CHART, "staticPlot": True},
        key="maths_dW_h",
        alt=T("maths.dwh_alt", count=len(units), units=", ".join(str(int(j)) for j in units)),
    )


# What each chart says to a screen reader: what it shows, and the figures a sighted reader takes from it.
def _value(v: float, lang: str) -> str:
    return numbers.significant(float(v), lang, 3)


def z_alt(T: Translator, w: Walkthrough) -> str:
    top = int(np.argmax(w.z))
    on = int((w.z > 0).sum())
    return T(
        "maths.z_alt",
        hidden=numbers.integer(w.hidden, T.lang),
        on=numbers.integer(on, T.lang),
        off=numbers.integer(w.hidden - on, T.lang),
        top=_value(w.z[top], T.lang),
        unit=top,
    )


def theta_alt(T: Translator, w: Walkthrough) -> str:
    hi, lo = int(np.argmax(w.theta)), int(np.argmin(w.theta))
    return T(
        "maths.theta_alt", top=_value(w.theta[hi], T.lang), digit=hi, low=_value(w.theta[lo], T.lang), low_digit=lo
    )


def yhat_alt(T: Translator, w: Walkthrough) -> str:
    return T(
        "maths.yhat_alt",
        pred=w.prediction,
        p_pred=numbers.percent(w.y_hat[w.prediction], T.lang, 1),
        label=w.label,
        p_true=numbers.percent(w.y_hat[w.label], T.lang, 1),
    )


def delta2_alt(T: Translator, w: Walkthrough) -> str:
    top = int(np.argmax(np.abs(w.delta_2)))
    return T(
        "maths.delta2_alt",
        hidden=numbers.integer(w.hidden, T.lang),
        off=numbers.integer(int((w.delta_2 == 0).sum()), T.lang),
        top=_value(w.delta_2[top], T.lang),
        unit=top,
    )


def dwo_alt(T: Translator, w: Walkthrough) -> str:
    digit, unit = np.unravel_index(int(np.argmax(np.abs(w.dW_o))), w.dW_o.shape)
    return T(
        "maths.dwo_alt",
        hidden=numbers.integer(w.hidden, T.lang),
        top=_value(w.dW_o[digit, unit], T.lang),
        digit=int(digit),
        unit=int(unit),
    )


def step_controls(T: Translator, state: LabState) -> float:
    """The step's header, formula and learning-rate control; returns the learning rate."""
    prose.show(T, "step")
    with st.columns(2)[0]:
        return lr_control(state, T, "maths_lr")


def step_result(T: Translator, step: SGDStep, label: int) -> None:
    c1, c2, c3 = st.columns(3)
    loss_metrics(T, step, c1, c2)
    c3.metric(
        T("maths.p_true"),
        numbers.percent(step.y_hat_after[label], T.lang, 2),
        delta(numbers.percent_change(step.y_hat_after[label] - step.y_hat_before[label], T.lang)),
    )
    if step.loss_after > step.loss_before:
        st.warning(T("maths.step_overshoot", lr=numbers.shortest(step.lr, T.lang)))
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
        alt=T(
            "maths.step_alt",
            label=label,
            before=numbers.percent(step.y_hat_before[label], T.lang, 2),
            after=numbers.percent(step.y_hat_after[label], T.lang, 2),
        ),
    )
