"""Draw: a digit on a canvas, MNIST's own preprocessing stage by stage, the network's
reading, what happens inside, and "teach it" with undo. UI only: numbers come from
mlp_core (preprocess, explain, teach), drawing from ui.draw_view."""

import streamlit as st
from streamlit_drawable_canvas import st_canvas

from mlp_core.explain import read_digit
from ui import draw_view as dv
from ui.common import get_state, page_setup

T = page_setup("nav.draw")
state = get_state()
dv.page_style()

st.title(T("nav.draw"))
st.write(T("draw.intro"))
dv.model_chooser(state, T)
model, source = dv.current_model(state)

left, right = st.columns([2, 3], gap="large")
with left:
    pen = dv.pen_slider(state, T)
    with st.container(key="draw_pad"):
        canvas = st_canvas(
            stroke_width=pen,
            stroke_color=dv.INK,
            background_color="",  # transparent: the alpha channel is the ink
            height=dv.CANVAS_SIZE,
            width=dv.CANVAS_SIZE,
            drawing_mode="freedraw",
            return_image_data=True,
            key=f"draw_canvas_{state.draw_canvas}",
        )
    st.button(T("draw.clear"), key="draw_clear", on_click=dv.clear_canvas, args=(state,))
    st.caption(T("draw.canvas_help"))

x28, stages, has_ink = dv.preprocess(canvas.image_data if canvas is not None else None)
reading = None
with right:
    st.caption(dv.model_line(state, T, source))
    if x28 is None:
        st.info(T("draw.too_small") if has_ink else T("draw.empty"), icon="✏️")
    else:
        state.last_drawing = x28
        reading = read_digit(model, x28)
        dv.show_reading(T, reading, dv.before_probs(state, x28))
        dv.teach_panel(T, state, reading)

if reading is not None:
    dv.show_stages(T, stages)
    dv.show_inside(T, reading)
