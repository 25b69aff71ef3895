"""The Room page under AppTest: every join gets one clear answer, the room's settings become
the Train page's, and the teacher's board and controls work from the teacher link only."""

from __future__ import annotations

from pathlib import Path

import pytest
from streamlit.testing.v1 import AppTest

from labs import rooms
from mlp_core import preset
from ui import lab as lab_module
from ui.i18n import t
from ui.state import LabState

ROOT = Path(__file__).resolve().parents[1]


def open_room_page(lang: str = "en", **query) -> AppTest:
    at = AppTest.from_file(str(ROOT / "app.py"), default_timeout=60)
    at.session_state["lab"] = LabState(lang=lang)
    at.run()
    at.switch_page("pages/4_Room.py")
    for key, value in query.items():
        at.query_params[key] = value
    at.run()
    assert not at.exception, [e.message for e in at.exception]
    return at


def join(at: AppTest, code: str, name: str = "") -> AppTest:
    at.text_input(key="room_code").set_value(code)
    at.text_input(key="room_name").set_value(name)
    next(b for b in at.button if b.label == t("room.join", at.session_state["lab"].lang)).click()
    at.run()
    assert not at.exception, [e.message for e in at.exception]
    return at


def errors(at: AppTest) -> list[str]:
    return [e.value for e in at.error]


@pytest.fixture
def room():
    return rooms.open_room(lab_module.get_store())


def test_joining_puts_the_rooms_settings_on_the_train_page(room):
    at = open_room_page()
    join(at, rooms.show_code(room.code).lower(), "<i>Ada</i>")
    state = at.session_state["lab"]
    assert state.room == room.code and state.room_seat == 1
    assert state.preset_name == "fast"
    assert state.train_settings["n_train"] == 10_000 and state.train_settings["epochs"] == 3
    assert state.train_settings["seed"] == 1  # the seat: each participant's own
    assert at.subheader[0].value == t("room.member_header", "en", code=rooms.show_code(room.code))
    assert "<i>Ada</i>" in [x.value for x in at.text]  # the name as plain text
    assert not any("<i>Ada</i>" in m.value for m in at.markdown)
    # the lab's document keeps it: a reload (a new session of the same lab) is still in the room
    assert lab_module.get_store().get_doc(state.lab_id)["room"] == room.code


@pytest.mark.parametrize(
    ("code", "name", "key"),
    [
        ("AAA-AAA", "", "room.error_unknown"),
        ("hello", "", "room.error_unknown"),
        (None, "x" * 25, "room.error_name_long"),
        (None, "Ada\u202e", "room.error_name_control"),
    ],
)
def test_every_bad_join_gets_one_clear_answer(room, code, name, key):
    at = open_room_page("ru")
    join(at, code or room.code, name)
    assert errors(at) == [t(key, "ru", limit=rooms.ROOM_LIMIT, chars=rooms.NAME_LIMIT)]
    assert at.session_state["lab"].room == ""


def test_a_closed_room_and_a_removed_participant(room):
    at = open_room_page()
    join(at, room.code, "Bob")
    store = lab_module.get_store()
    store.set_member(room.code, 1, removed=True)
    at.run()
    assert at.session_state["lab"].room == room.code
    assert at.subheader[0].value == t("room.join_header", "en")  # out of the room: the join form again
    join(at, room.code, "Bob")
    assert errors(at) == [t("room.error_removed", "en")]
    store.close_room(room.code)
    other = open_room_page()
    join(other, room.code)
    assert errors(other) == [t("room.error_closed", "en")]


def test_the_join_link_fills_in_the_code(room):
    at = open_room_page(join=room.code)
    assert at.text_input(key="room_code").value == rooms.show_code(room.code)


def test_the_teacher_link_opens_the_board_and_the_code_alone_does_not(room):
    at = open_room_page(teacher=room.teacher)
    assert not at.text_input  # the board, not the join form
    assert rooms.show_code(room.code) in [x.value for x in at.text]
    assert at.session_state["lab"].teaching == room.teacher
    assert t("room.empty", "en") in [m.value for m in at.markdown]
    # the teacher changes the room's settings
    at.selectbox(key="room_preset").set_value("original")
    at.number_input(key="room_train_size").set_value(2000)
    at.number_input(key="room_epochs").set_value(2)
    next(b for b in at.button if b.label == t("room.save_settings", "en")).click()
    at.run()
    assert lab_module.get_store().room(room.code).settings == {"preset": "original", "train_size": 2000, "epochs": 2}
    # a participant's link (the code) shows no board
    student = open_room_page(join=room.code)
    assert student.text_input(key="room_code").value == rooms.show_code(room.code)
    assert not any(b.label == t("room.save_settings", "en") for b in student.button)


def test_a_run_started_in_the_room_is_marked_for_its_board(room):
    at = open_room_page()
    join(at, room.code, "Cy")
    at.switch_page("pages/2_Train.py")
    at.run()
    note = t("room.train_note", "en", code=rooms.show_code(room.code), settings="Fast on 10,000 images, 3 epochs")
    assert note in [i.value for i in at.info]
    state = at.session_state["lab"]
    lab_module.start_run(state, preset("fast", train_size=1000, epochs=1, hidden=16))
    view = lab_module.get_runs().wait(state.lab_id, state.current_run)
    assert view.meta["room"] == room.code and view.meta["preset"] == "fast"
    entries = rooms.board(lab_module.get_store(), lab_module.get_runs(), room.code)
    assert [(e.name, len(e.runs)) for e in entries] == [("Cy", 1)]
