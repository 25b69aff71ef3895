"""The Room page's state and callbacks (no widgets): opening a room, joining and leaving
it, the teacher's controls, and the room's settings becoming the Train page's.

The rules (codes, names, limits, the board's summaries) are labs.rooms'; this module
ties them to the session's lab (LabState.room, .room_seat, .teaching, mirrored in the
lab's document) and to the page's widgets' values."""

from __future__ import annotations

import streamlit as st

from labs import rooms
from labs.store import RoomRecord
from mlp_core.config import preset

from . import lab
from .common import get_state
from .state import LabState
from .train_session import n_total, settings_from_config

JOIN_QUERY, TEACHER_QUERY = "join", "teacher"  # ?join=KTX39P, ?teacher=<token>


@st.cache_resource(show_spinner=False)
def get_join_gate() -> rooms.JoinGate:
    """The server's one bucket of joins (a flood of joins waits, the server does not)."""
    return rooms.JoinGate()


def teacher_room(state: LabState) -> RoomRecord | None:
    """The room whose board this session may run: from the teacher link, else the lab's own."""
    store = lab.get_store()
    token = st.query_params.get(TEACHER_QUERY) or state.teaching
    room = store.room_of_teacher(token) if token else None
    if room is not None and state.teaching != token:
        state.teaching = token  # the lab keeps it: its link brings the board back
        lab.save(state)
    return room


def apply_room_settings(state: LabState, room: RoomRecord) -> None:
    """The room's preset and size become the Train page's settings, with the participant's
    seat as the seed: runs of the same settings differ by chance alone, and the board shows how much."""
    s = room.settings
    state.preset_name = state.preset_base = s["preset"]
    config = preset(s["preset"], train_size=s["train_size"], epochs=s["epochs"], seed=state.room_seat)
    state.train_settings = settings_from_config(config, n_total())
    lab.save(state)


# --- callbacks ------------------------------------------------------------------------


def open_room() -> None:
    state = get_state()
    room = rooms.open_room(lab.get_store())
    state.teaching = room.teacher
    state.room_error = ""
    lab.save(state)
    st.query_params[TEACHER_QUERY] = room.teacher


def join_pressed() -> None:
    state = get_state()
    code = st.session_state.get("room_code", "")
    name = st.session_state.get("room_name", "")
    try:
        room, seat, _ = rooms.join(lab.get_store(), get_join_gate(), code, state.lab_id, name)
    except rooms.RoomProblem as exc:
        state.room_error = exc.code
        return
    state.room_error = ""
    new = state.room != room.code
    state.room, state.room_seat = room.code, seat
    if new:  # a new room: its settings become the Train page's
        apply_room_settings(state, room)
    lab.save(state)
    if JOIN_QUERY in st.query_params:
        del st.query_params[JOIN_QUERY]


def leave_room() -> None:
    state = get_state()
    if state.room:
        lab.get_store().leave_room(state.room, state.lab_id)
    state.room, state.room_seat = "", 0
    lab.save(state)


def use_room_settings() -> None:
    state = get_state()
    room = lab.joined_room(state)
    if room is not None:
        apply_room_settings(state, room)


def save_settings(code: str) -> None:
    """The teacher's settings form: preset, training images, epochs."""
    values = {
        "preset": st.session_state.get("room_preset"),
        "train_size": st.session_state.get("room_train_size"),
        "epochs": st.session_state.get("room_epochs"),
    }
    state = get_state()
    try:
        clean = rooms.check_settings(values)
    except (ValueError, TypeError, KeyError):
        state.room_error = "settings"
        return
    state.room_error = ""
    lab.get_store().set_room_settings(code, clean)


def set_hidden(code: str, seat: int, hidden: bool) -> None:
    lab.get_store().set_member(code, seat, hidden=hidden)


def remove_seat(code: str, seat: int) -> None:
    lab.get_store().set_member(code, seat, removed=True)


def close_room(code: str) -> None:
    lab.get_store().close_room(code)
