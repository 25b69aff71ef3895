"""The tiny network (4 inputs, 3 hidden units, 2 outputs) for the whiteboard: one button per
stage of a round, and every number of the forward pass, the backward pass and the update
written out in KaTeX."""

from __future__ import annotations

import streamlit as st

from mlp_core.model import MLP
from mlp_core.walkthrough import TINY_LABEL, TINY_X, SGDStep, Walkthrough, sgd_step, tiny_model

from ..common import get_state
from ..i18n import Translator
from ..state import LabState
from . import prose
from .shared import LEARNING_RATES, loss_metrics, lr_control
from .tex import bmatrix, chain, number, paren, row_matrix

KEYS_TINY_BUTTON = {
    "tiny_forward": "maths.tiny_forward",
    "tiny_backward": "maths.tiny_backward",
    "tiny_update": "maths.tiny_update",
}
NEXT_BUTTON = {0: "tiny_forward", 1: "tiny_backward", 2: "tiny_update", 3: "tiny_forward"}  # by the stage on screen


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
    """The step buttons and the learning rate; returns the learning rate. Only the button
    that leads on from the stage on screen is enabled (forward again after an update)."""
    prose.show(T, "tiny")
    stage = state.tiny_stage
    next_button = NEXT_BUTTON[stage]
    actions = {
        "tiny_forward": (_tiny_forward, ()),
        "tiny_backward": (_tiny_stage, (2,)),
        "tiny_update": (_tiny_stage, (3,)),
    }
    # One bar that stays in view (CSS in shared.PHONE_CSS) while a round is read below it.
    with st.container(horizontal=True, gap="small", key="tiny_bar"):
        for key, (on_click, args) in actions.items():
            st.button(
                T(KEYS_TINY_BUTTON[key]),
                key=key,
                on_click=on_click,
                args=args,
                disabled=key != next_button,
                type="primary" if key == next_button else "secondary",
            )
        st.button(T("maths.tiny_reset"), key="tiny_reset", on_click=_tiny_reset)
    if state.tiny_lr not in LEARNING_RATES:
        state.tiny_lr = 0.5
    with st.columns(2)[0]:
        return lr_control(state, T, "tiny_lr")


def tiny_given(T: Translator, state: LabState, w: Walkthrough, lr: float) -> None:
    lang = T.lang
    st.subheader(T("maths.tiny_round", n=state.tiny_round))
    prose.show(T, "tiny-given")
    st.latex(rf"x = {bmatrix(w.x, lang)}, \qquad y = {bmatrix(w.y, lang)}, \qquad \eta = {number(lr, lang)}")
    left, right = st.columns(2)
    left.latex(rf"W_h = {bmatrix(w.W_h, lang)}")
    right.latex(rf"W_o = {bmatrix(w.W_o, lang)}")


def tiny_forward(T: Translator, w: Walkthrough) -> None:
    lang = T.lang
    st.subheader(T("maths.forward_header"))
    products = [rf"{paren(a, lang)} \cdot {paren(b, lang)}" for a, b in zip(w.W_h[0], w.x, strict=True)]
    # two products per line and the result on a line of its own: fits a phone whatever the weights
    halves = [" + ".join(products[i : i + 2]) for i in range(0, len(products), 2)]
    z_1 = chain("z_1", f"= {halves[0]}", *(rf"\quad + {half}" for half in halves[1:]), f"= {number(w.z[0], lang)}")
    left, right = st.columns(2)  # two columns of formulas on a laptop, one after the other on a phone
    left.latex(chain("z", r"= W_h\,x", f"= {bmatrix(w.W_h, lang)} {bmatrix(w.x, lang)}", f"= {bmatrix(w.z, lang)}"))
    right.latex(z_1)
    right.latex(rf"h = \operatorname{{ReLU}}(z) = \operatorname{{ReLU}}{bmatrix(w.z, lang)} = {bmatrix(w.h, lang)}")
    off = [str(j + 1) for j in range(w.hidden) if w.z[j] <= 0]
    if off:
        right.caption(T("maths.tiny_relu_note", count=len(off), units=", ".join(off)))
    left, right = st.columns(2)
    left.latex(
        chain(r"\theta", r"= W_o\,h", f"= {bmatrix(w.W_o, lang)} {bmatrix(w.h, lang)}", f"= {bmatrix(w.theta, lang)}")
    )
    denominator = " + ".join(rf"e^{{{number(t, lang)}}}" for t in w.theta)
    lines = [r"\hat{y} &= \operatorname{softmax}(\theta)"] + [
        rf"\hat{{y}}_{{{k + 1}}} &= \frac{{e^{{{number(t, lang)}}}}}{{{denominator}}} = {number(w.y_hat[k], lang)}"
        for k, t in enumerate(w.theta)
    ]
    right.latex(r"\begin{aligned} " + r" \\[8pt] ".join(lines) + r" \end{aligned}")
    k = w.label
    if w.E >= 1e-3:
        right.latex(rf"E = -\ln \hat{{y}}_{{{k + 1}}} = -\ln {number(w.y_hat[k], lang)} = {number(w.E, lang)}")
    else:  # ŷ rounds to 1 while E is not 0: show E itself
        right.latex(rf"E = -\ln \hat{{y}}_{{{k + 1}}} = {number(w.E, lang)}")


def tiny_backward(T: Translator, w: Walkthrough) -> None:
    lang = T.lang
    st.subheader(T("maths.backward_header"))
    mask = (w.z > 0).astype(float)
    delta_1, back = row_matrix(w.delta_1, lang), row_matrix(w.delta_1 @ w.W_o, lang)
    left, right = st.columns(2)
    left.latex(
        chain(
            r"\delta_1",
            r"= (\hat{y} - y)^{\top}",
            rf"= \Big({bmatrix(w.y_hat, lang)} - {bmatrix(w.y, lang)}\Big)^{{\top}}",
            f"= {delta_1}",
        )
    )
    right.latex(chain(r"\delta_1 W_o", f"= {delta_1} {bmatrix(w.W_o, lang)}", f"= {back}"))
    right.latex(
        chain(
            r"\delta_2",
            r"= \delta_1 W_o \circ \operatorname{ReLU}'(z)",
            rf"= {back} \circ {row_matrix(mask, lang)}",
            f"= {row_matrix(w.delta_2, lang)}",
        )
    )
    left, right = st.columns(2)
    gradients = (
        (left, "W_o", r"\delta_1^{\top} h^{\top}", w.delta_1, w.h, w.dW_o),
        (right, "W_h", r"\delta_2^{\top} x^{\top}", w.delta_2, w.x, w.dW_h),
    )
    for column, name, product, delta, layer_input, gradient in gradients:
        column.latex(
            chain(
                rf"\frac{{\partial E}}{{\partial {name}}}",
                f"= {product}",
                f"= {bmatrix(delta, lang)} {row_matrix(layer_input, lang)}",
                f"= {bmatrix(gradient, lang)}",
            )
        )


def tiny_update(T: Translator, w: Walkthrough, step: SGDStep) -> None:
    lang = T.lang
    st.subheader(T("maths.tiny_update_header"))
    new = step.model_after
    eta = number(step.lr, lang)
    pairs = (("W_o", w.W_o, w.dW_o, new.W_o.T), ("W_h", w.W_h, w.dW_h, new.W_h.T))
    for col, (name, old_w, grad, new_w) in zip(st.columns(2), pairs, strict=True):
        col.latex(
            chain(
                name,
                rf"\leftarrow {name} - \eta\,\frac{{\partial E}}{{\partial {name}}}",
                f"= {bmatrix(old_w, lang)}",
                rf"\quad - {eta}\,{bmatrix(grad, lang)}",
                f"= {bmatrix(new_w, lang)}",
            )
        )
    loss_metrics(T, step, *st.columns(2))
    st.caption(T("maths.tiny_next"))
