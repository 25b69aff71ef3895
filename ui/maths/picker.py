"""Choosing the digit to walk through: a test digit (slider, random, one the model gets
wrong) or the last drawing, and which digit the drawing is meant to be. Choices are kept in
LabState, so they survive a page switch."""

from __future__ import annotations

import numpy as np
import streamlit as st

from mlp_core.io import fingerprint
from mlp_core.model import MLP
from mlp_core.walkthrough import instructive_index

from ..common import active_model, choice_key, get_dataset, get_state
from ..i18n import Translator
from ..state import LabState
from .shared import keep

KEYS_SOURCE = {"test": "maths.source_test", "drawing": "maths.source_drawing"}
SOURCES = tuple(KEYS_SOURCE)
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
            on_change=keep,
            args=("maths_source", key),
        )
    if state.maths_source == "test":
        starting_index(state, model)
        state.maths_index = min(max(int(state.maths_index), 0), n_test - 1)
        left, middle, right = st.columns([2, 1, 1], vertical_alignment="bottom")
        with left:
            st.session_state["maths_index"] = state.maths_index
            st.slider(T("maths.index"), 0, n_test - 1, key="maths_index", on_change=_slider_index)
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
        on_change=keep,
        args=("maths_drawing_label", "maths_drawing_label"),
    )
    return int(state.maths_drawing_label)
