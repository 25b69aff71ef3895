"""Backprop Lab home page: what the app is, the network, the active model, where to go."""

import streamlit as st

from ui.common import PAGES, active_model, get_state, model_label, model_summary, page_setup
from ui.figures import network_diagram

KEYS_HOME_CAPTIONS = ("home.maths_text", "home.train_text", "home.draw_text", "home.room_text")

T = page_setup("nav.home")
state = get_state()

st.title(T("app.title"))
st.write(T("app.tagline"))

left, right = st.columns([3, 2], gap="large")
with left:
    st.subheader(T("home.network"))
    saved, source = active_model(state)
    hidden = saved.model.hidden
    st.plotly_chart(
        network_diagram(hidden, ("x: 784", f"h: {hidden}", "ŷ: 10")),
        config={"staticPlot": True},
        key="home_network",
    )
    st.write(T("home.network_text"))
with right:
    st.subheader(T("model.active"))
    st.markdown(f"**{model_label(state, source, T)}**")
    st.write(model_summary(saved, T))
    st.subheader(T("home.pages"))
    for (path, key, icon), caption in zip(PAGES[1:], KEYS_HOME_CAPTIONS, strict=True):
        st.page_link(path, label=T(key), icon=icon)
        st.caption(T(caption))

st.caption(T("home.data_credit"))
