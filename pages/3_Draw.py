"""Draw: a digit on a canvas, MNIST's own preprocessing stage by stage, the network's
reading, what happens inside, and "teach it" with undo. UI only: numbers come from
mlp_core (preprocess, explain, teach), drawing from ui.draw_view."""

import streamlit as st
from streamlit_drawable_canvas import st_canvas

from ui import draw_view as dv
from ui.common import get_state, page_setup

T = page_setup("nav.draw")
state = get_state()
dv.page_style()

st.title(T("nav.draw"))
st.write(T("draw.intro"))
dv.model_chooser(state, T)
dv.drawing_area(state, T, st_canvas)
