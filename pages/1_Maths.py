"""Maths walkthrough: the notebook's derivation, the same formulas on a real digit, a gradient
check, one SGD step, and a tiny network for the whiteboard. UI only: numbers come from
mlp_core.walkthrough and mlp_core.gradcheck, drawing from ui.maths_view."""

import numpy as np
import streamlit as st

from mlp_core.data import DatasetError
from mlp_core.gradcheck import gradient_check
from mlp_core.model import as_float
from mlp_core.walkthrough import TINY_LABEL, TINY_X, sgd_step, tiny_walk, walk
from ui import maths_view as mv
from ui.common import active_model, get_dataset, get_state, model_label, page_setup

CHECK_EPS = 1e-5  # central differences: small enough for 8 digits, large enough to beat rounding

T = page_setup("nav.maths")
state = get_state()
saved, source = active_model(state)

st.html(mv.PHONE_CSS)
st.title(T("nav.maths"))
st.write(T("maths.intro"))
view = mv.view_selector(state, T)

if view == "derivation":
    mv.derivation(T, hidden=saved.model.hidden, biases=saved.model.has_biases)

elif view == "live":
    try:
        data = get_dataset()
    except DatasetError as exc:
        st.error(T("error.dataset", reason=str(exc)))
        st.stop()
    st.caption(T("maths.model_line", model=model_label(state, source, T)))
    if mv.digit_picker(state, T, len(data.y_test), saved.model) == "drawing":
        x = np.asarray(state.last_drawing, dtype=np.float64).reshape(-1)
        guess = walk(saved.model, x, 0).prediction
        label = mv.drawing_label(state, T, guess)
    else:
        x = as_float(data.x_test[state.maths_index], np.float64)
        label = int(data.y_test[state.maths_index])
    with st.spinner(T("maths.computing")):
        w = walk(saved.model, x, label)
        rows = gradient_check(saved.model, x, label, eps=CHECK_EPS, seed=state.maths_check_seed)
        mv.forward_section(T, w)
        mv.backward_section(T, w)
        mv.check_section(T, rows, CHECK_EPS, w.E)
    lr = mv.step_controls(T, state)
    mv.step_result(T, sgd_step(saved.model, x, label, lr), label)

else:
    lr = mv.tiny_controls(T, state)
    tiny = mv.current_tiny(state)
    w = tiny_walk(tiny)
    mv.tiny_given(T, state, w, lr)
    if state.tiny_stage >= 1:
        mv.tiny_forward(T, w)
    if state.tiny_stage >= 2:
        mv.tiny_backward(T, w)
    if state.tiny_stage >= 3:
        mv.tiny_update(T, w, sgd_step(tiny, TINY_X, TINY_LABEL, lr))
