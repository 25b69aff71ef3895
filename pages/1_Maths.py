"""Maths walkthrough: the notebook's derivation, the same formulas on a real digit, a gradient
check, one SGD step, and a tiny network for the whiteboard. Layout only: numbers come from
mlp_core.walkthrough and mlp_core.gradcheck, the views from ui.maths."""

import numpy as np
import streamlit as st

from mlp_core.data import DatasetError
from mlp_core.gradcheck import gradient_check
from mlp_core.model import as_float
from mlp_core.walkthrough import TINY_LABEL, TINY_X, sgd_step, tiny_walk, walk
from ui.common import active_model, get_dataset, get_state, model_label, page_setup
from ui.maths import check, picker, prose, real_digit, shared, tiny
from ui.maths.derivation import derivation

T = page_setup("nav.maths")
state = get_state()
saved, source = active_model(state)

shared.page_style(T)
st.title(T("nav.maths"))
prose.show(T, "intro")
view = shared.view_selector(state, T)

if view == "derivation":
    derivation(T, hidden=saved.model.hidden, biases=saved.model.has_biases)

elif view == "live":
    try:
        data = get_dataset()
    except DatasetError as exc:
        st.error(T("error.dataset", reason=str(exc)))
        st.stop()
    st.caption(T("maths.model_line", model=model_label(state, source, T)))
    if picker.digit_picker(state, T, len(data.y_test), saved.model) == "drawing":
        x = np.asarray(state.last_drawing, dtype=np.float64).reshape(-1)
        guess = walk(saved.model, x, 0).prediction
        label = picker.drawing_label(state, T, guess)
    else:
        x = as_float(data.x_test[state.maths_index], np.float64)
        label = int(data.y_test[state.maths_index])
    with st.spinner(T("maths.computing")):
        w = walk(saved.model, x, label)
        rows = gradient_check(saved.model, x, label, eps=check.EPS, seed=state.maths_check_seed)
        real_digit.forward_section(T, w)
        real_digit.backward_section(T, w)
        check.check_section(T, rows, w.E)
    lr = real_digit.step_controls(T, state)
    real_digit.step_result(T, sgd_step(saved.model, x, label, lr), label)

else:
    with st.container(key="tiny_round"):  # the step bar sticks within it
        lr = tiny.tiny_controls(T, state)
        model = tiny.current_tiny(state)
        w = tiny_walk(model)
        tiny.tiny_given(T, state, w, lr)
        if state.tiny_stage >= 1:
            tiny.tiny_forward(T, w)
        if state.tiny_stage >= 2:
            tiny.tiny_backward(T, w)
        if state.tiny_stage >= 3:
            tiny.tiny_update(T, w, sgd_step(model, TINY_X, TINY_LABEL, lr))
