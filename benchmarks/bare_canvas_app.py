"""The simplest "draw a digit" app, the yardstick of benchmarks/draw_roundtrip.py:
a canvas, a plain resize to 28x28, the bundled model, one bar chart of its ten
probabilities. Nothing else: no preprocessing stages, no explanation, no lab.

    streamlit run benchmarks/bare_canvas_app.py
"""

import sys
from pathlib import Path

import numpy as np
import streamlit as st
from PIL import Image
from streamlit_drawable_canvas import st_canvas

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from mlp_core.io import load_default_model


@st.cache_resource
def model():
    return load_default_model().model


if "canvas" not in st.session_state:
    st.session_state["canvas"] = 0


def clear() -> None:
    st.session_state["canvas"] += 1


st.title("Draw a digit")
result = st_canvas(
    stroke_width=18,
    stroke_color="#000000",
    background_color="",
    height=280,
    width=280,
    drawing_mode="freedraw",
    return_image_data=True,
    key=f"canvas_{st.session_state['canvas']}",
)
st.button("Clear", key="clear", on_click=clear)
if result.image_data is not None and result.image_data[..., 3].any():
    ink = Image.fromarray(result.image_data[..., 3]).resize((28, 28))
    x = np.asarray(ink, dtype=np.float32).reshape(1, -1) / 255
    probs = model().predict_proba(x)[0]
    runner_up = float(np.sort(probs)[-2])  # written out so that every new drawing changes the text
    st.markdown(f"Prediction: **{int(probs.argmax())}** ({probs.max():.6f}; next {runner_up:.3e})")
    st.bar_chart(probs)
