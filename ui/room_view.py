"""The Room page's drawing: joining a room, a participant's place in it, opening one, and
the teacher's board (the code and a QR code to join, everyone's runs live, a leaderboard,
accuracy against time) with the teacher's controls. Names are shown as plain text only:
in tables, st.text and (escaped) chart labels, never in Markdown."""

from __future__ import annotations

import io
from urllib.parse import urlsplit

import pandas as pd
import segno
import streamlit as st

from labs import rooms
from labs.runs import RUNNING
from labs.store import RoomRecord

from . import lab, numbers
from . import room_session as rs
from .common import show_chart
from .figures import room_curves
from .i18n import Translator
from .state import LabState
from .train_view import KEYS_PRESET

PAGE_PATH = "Room"  # pages/4_Room.py's address
REFRESH_SECONDS = 2.0  # the board's refresh while the room is open

KEYS_ROOM_PROBLEM = {
    rooms.UNKNOWN: "room.error_unknown",
    rooms.CLOSED: "room.error_closed",
    rooms.REMOVED: "room.error_removed",
    rooms.FULL: "room.error_full",
    rooms.BUSY: "room.error_busy",
    rooms.NAME_TOO_LONG: "room.error_name_long",
    rooms.NAME_CONTROL: "room.error_name_control",
    "settings": "room.error_settings",
}

BOARD_CSS = """<style>
.st-key-room_code_big [data-testid=stText] {
  font-size: 3.2rem; font-weight: 700; letter-spacing: 0.08em; line-height: 1.1;
}
.st-key-room_projector_on [data-testid=stMarkdownContainer] p,
.st-key-room_projector_on table { font-size: 1.5rem; }
.st-key-room_projector_on [data-testid=stMetricValue] p { font-size: 3rem; }
.st-key-room_projector_on .st-key-room_code_big [data-testid=stText] { font-size: 5rem; }
</style>"""


def page_url(query: str) -> str:
    """This app's Room page with ``query``, as the browser reached the app (its host and any
    path prefix a proxy adds)."""
    parts = urlsplit(st.context.url or "http://localhost:8501/")
    path = parts.path.rstrip("/")
    if path.endswith("/" + PAGE_PATH):
        path = path[: -len(PAGE_PATH) - 1]
    return f"{parts.scheme}://{parts.netloc}{path}/{PAGE_PATH}?{query}"


def qr_png(text: str) -> bytes:
    """A QR code of ``text``, large and with a quiet zone, as PNG (readable across a room)."""
    out = io.BytesIO()
    segno.make(text, error="m").save(out, kind="png", scale=12, border=3)
    return out.getvalue()


def display_name(entry_name: str, seat: int, hidden: bool, T: Translator) -> str:
    if hidden:
        return T("room.hidden_name", seat=seat)
    return entry_name or T("room.anonymous", seat=seat)


def settings_text(settings: dict, T: Translator) -> str:
    return T(
        "room.settings_line",
        preset=T(KEYS_PRESET[settings["preset"]]),
        images=numbers.integer(settings["train_size"], T.lang),
        epochs=T("train.n_epochs", count=settings["epochs"]),
    )


def problem_message(state: LabState, T: Translator) -> None:
    if state.room_error:
        st.error(T(KEYS_ROOM_PROBLEM[state.room_error], limit=rooms.ROOM_LIMIT, chars=rooms.NAME_LIMIT))


# --- participants -----------------------------------------------------------------------


def join_panel(state: LabState, T: Translator) -> None:
    st.subheader(T("room.join_header"))
    asked = rooms.normalize_code(st.query_params.get(rs.JOIN_QUERY, ""))
    if asked and not st.session_state.get("room_code"):
        st.session_state["room_code"] = rooms.show_code(asked)
    with st.form("room_join", enter_to_submit=True):
        st.text_input(T("room.code_label"), key="room_code", max_chars=12, placeholder="KTX-39P")
        st.text_input(T("room.name_label"), key="room_name", help=T("room.name_help", chars=rooms.NAME_LIMIT))
        st.form_submit_button(T("room.join"), type="primary", on_click=rs.join_pressed)
    problem_message(state, T)


def member_panel(state: LabState, T: Translator, room: RoomRecord) -> None:
    st.subheader(T("room.member_header", code=rooms.show_code(room.code)))
    seat = lab.get_store().seat_of(room.code, state.lab_id)
    name = seat[1] if seat else ""
    st.caption(T("room.your_name"))
    st.text(name or T("room.anonymous", seat=state.room_seat))
    if room.closed is not None:
        st.info(T("room.closed_member"))
    else:
        st.write(T("room.member_text", settings=settings_text(room.settings, T)))
        st.page_link("pages/2_Train.py", label=T("room.go_train"), icon=":material/show_chart:")
    st.button(T("room.leave"), key="room_leave", on_click=rs.leave_room)


def train_note(state: LabState, T: Translator) -> None:
    """On the Train page: the lab is in a room, its runs go on the teacher's board."""
    room = lab.joined_room(state)
    if room is None or room.closed is not None:
        return
    with st.container(key="train_room_note"):
        st.info(T("room.train_note", code=rooms.show_code(room.code), settings=settings_text(room.settings, T)))
        st.button(T("room.use_settings"), key="room_use_settings", on_click=rs.use_room_settings)


# --- the teacher ------------------------------------------------------------------------


def open_panel(T: Translator) -> None:
    st.subheader(T("room.teach_header"))
    st.write(T("room.teach_text"))
    st.button(T("room.open"), key="room_open", on_click=rs.open_room, icon=":material/groups:")


def teacher_board(state: LabState, T: Translator, room: RoomRecord) -> None:
    st.html(BOARD_CSS)
    projector = st.toggle(T("room.projector"), key="room_projector", help=T("room.projector_help"))
    join_link = page_url(f"{rs.JOIN_QUERY}={room.code}")
    with st.container(key="room_projector_on" if projector else "room_board"):
        left, right = st.columns([3, 2], gap="large")
        with left:
            st.caption(T("room.code_caption"))
            with st.container(key="room_code_big"):
                st.text(rooms.show_code(room.code))
            st.caption(T("room.link_caption"))
            st.code(join_link, language=None, wrap_lines=True)
            st.write(settings_text(room.settings, T))
        with right:
            st.image(qr_png(join_link), width=280, alt=T("room.qr_alt", code=rooms.show_code(room.code)))
        run_every = REFRESH_SECONDS if room.closed is None else None
        st.fragment(run_every=run_every)(_live_board)(room.code, T, projector)
    if not projector:
        _controls(state, T, room)


def _live_board(code: str, T: Translator, projector: bool) -> None:
    room = lab.get_store().room(code)
    if room is None:
        st.warning(T("room.gone"))
        return
    if room.closed is not None:
        st.info(T("room.closed_board"))
    entries = rooms.board(lab.get_store(), lab.get_runs(), code)
    training = [e for e in entries if e.training is not None]
    ranked = rooms.leaderboard(entries)
    c1, c2, c3 = st.columns(3)
    c1.metric(T("room.joined_count"), numbers.integer(len(entries), T.lang))
    c2.metric(T("room.training_count"), numbers.integer(len(training), T.lang))
    c3.metric(T("room.finished_count"), numbers.integer(len(ranked), T.lang))
    if not entries:
        st.write(T("room.empty"))
        return
    st.subheader(T("room.leaderboard"))
    if ranked:
        with st.container(key="room_leaderboard"):  # plain tables: large type on a projector, read as tables
            st.table(leaderboard_table(ranked, T), hide_index=True)
        lines = [
            {
                "name": display_name(e.name, e.seat, e.hidden, T),
                "x": [x for x, _ in e.best.curve],
                "y": [y for _, y in e.best.curve],
            }
            for e in ranked
        ]
        show_chart(
            T,
            room_curves(lines, x_title=T("room.chart_x"), y_title=T("room.chart_y")),
            key="room_chart",
            config={"displayModeBar": False},
            alt=T("room.chart_alt", count=len(ranked), best=numbers.percent(ranked[0].best.test_accuracy, T.lang, 2)),
        )
    else:
        st.write(T("room.no_results"))
    st.subheader(T("room.everyone"))
    with st.container(key="room_everyone"):
        st.table(everyone_table(entries, T), hide_index=True)
    if not projector and room.closed is None:
        _entry_controls(T, code)  # in the fragment: the list grows as people join


def leaderboard_table(ranked: list[rooms.Entry], T: Translator) -> pd.DataFrame:
    lang = T.lang
    return pd.DataFrame(
        {
            T("room.col_rank"): list(range(1, len(ranked) + 1)),
            T("room.col_name"): [display_name(e.name, e.seat, e.hidden, T) for e in ranked],
            T("room.col_accuracy"): [numbers.percent(e.best.test_accuracy, lang, 2) for e in ranked],
            T("room.col_time"): [T("room.seconds", s=numbers.decimal(e.best.seconds, 1, lang)) for e in ranked],
            T("room.col_settings"): [run_settings(e.best, T) for e in ranked],
        }
    )


def everyone_table(entries: list[rooms.Entry], T: Translator) -> pd.DataFrame:
    return pd.DataFrame(
        {
            T("room.col_seat"): [e.seat for e in entries],
            T("room.col_name"): [display_name(e.name, e.seat, e.hidden, T) for e in entries],
            T("room.col_status"): [status_text(e, T) for e in entries],
            T("room.col_runs"): [len(e.runs) for e in entries],
        }
    )


def run_settings(run: rooms.RunSummary, T: Translator) -> str:
    preset = T(KEYS_PRESET[run.preset]) if run.preset in KEYS_PRESET else T("room.custom")
    images = numbers.integer(run.train_size or 60_000, T.lang)
    return T("room.run_settings", preset=preset, hidden=run.hidden, images=images, epochs=run.epochs)


def status_text(entry: rooms.Entry, T: Translator) -> str:
    run = entry.training
    if run is not None and run.status == RUNNING:
        return T("room.status_training", percent=numbers.percent(run.progress, T.lang, 0))
    if entry.best is not None:
        return T("room.status_best", accuracy=numbers.percent(entry.best.test_accuracy, T.lang, 2))
    if entry.runs:
        return T("room.status_stopped")
    return T("room.status_joined")


def _entry_controls(T: Translator, code: str) -> None:
    """Hide or show a name, or remove an entry from the board."""
    members = lab.get_store().room_members(code)
    if not members:
        return
    seats = {m.seat: m for m in members}
    seat = st.selectbox(
        T("room.pick_entry"),
        list(seats),
        format_func=lambda n: f"{n} · {seats[n].name or T('room.anonymous', seat=n)}",
        key="room_pick",
    )
    member = seats[seat]
    c1, c2 = st.columns(2)
    if member.hidden:
        c1.button(T("room.show_name"), key="room_show", on_click=rs.set_hidden, args=(code, seat, False))
    else:
        c1.button(T("room.hide_name"), key="room_hide", on_click=rs.set_hidden, args=(code, seat, True))
    c2.button(T("room.remove"), key="room_remove", on_click=rs.remove_seat, args=(code, seat))


def _controls(state: LabState, T: Translator, room: RoomRecord) -> None:
    st.divider()
    st.subheader(T("room.controls"))
    st.caption(T("room.teacher_link_caption"))
    st.code(page_url(f"{rs.TEACHER_QUERY}={room.teacher}"), language=None, wrap_lines=True)
    if room.closed is not None:
        st.button(T("room.open_new"), key="room_open", on_click=rs.open_room, icon=":material/groups:")
        return
    s = room.settings
    with st.form("room_settings"):
        st.selectbox(
            T("room.preset"),
            rooms.PRESETS,
            index=rooms.PRESETS.index(s["preset"]),
            format_func=lambda p: T(KEYS_PRESET[p]),
            key="room_preset",
        )
        a, b = st.columns(2)
        a.number_input(T("room.train_size"), 100, 60_000, int(s["train_size"]), 1000, key="room_train_size")
        b.number_input(T("room.epochs"), 1, 50, int(s["epochs"]), key="room_epochs")
        st.form_submit_button(T("room.save_settings"), on_click=rs.save_settings, args=(room.code,))
    problem_message(state, T)
    with st.popover(T("room.close"), icon=":material/lock:"):
        st.write(T("room.close_text"))
        st.button(T("room.close_confirm"), key="room_close", type="primary", on_click=rs.close_room, args=(room.code,))
