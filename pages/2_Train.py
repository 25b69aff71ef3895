"""Train: presets and controls, Start/Pause/Resume/Reset, live charts, the lab's runs,
what the trained network gets wrong and what its hidden units look at, model files.

Layout only: the state machine is ui.train_session, the drawing ui.train_view. A run
trains on the server (labs.runs) whichever page is open; this page watches it."""

import streamlit as st

from mlp_core.data import DatasetError
from ui import room_view as rv
from ui import train_session as ts
from ui import train_view as tv
from ui.common import get_dataset, get_state, page_setup

T = page_setup("nav.train")
state = get_state()
try:
    data = get_dataset()
except DatasetError as exc:
    st.error(T("error.dataset", reason=str(exc)))
    st.stop()
N_TOTAL = len(data.y_train)
ts.ensure_settings(state, N_TOTAL)
view = ts.shown_run(state)
ts.restore_widgets(state, view)

st.title(T("nav.train"))
st.write(T("train.intro"))
rv.train_note(state, T)

check = ts.check_settings(state, N_TOTAL)  # what Start would train, or why it cannot

tv.draw_settings(state, T, check.config, N_TOTAL)
tv.draw_buttons(state, T, view, check)
tv.live_panel(state, T)
tv.draw_runs(state, T, N_TOTAL)
tv.draw_inside(state, T, view, data)
tv.draw_files(state, T, view)
