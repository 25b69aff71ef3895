"""Workshop rooms (labs.rooms, and their tables in labs.store): codes, joining, names,
limits, the teacher's controls, expiry, and a board that carries summaries only."""

from __future__ import annotations

import re

import pytest

from labs import rooms
from labs.gate import TrainingGate
from labs.rooms import RoomProblem
from labs.runs import RunManager
from labs.store import open_store
from mlp_core import preset
from mlp_core.train import FINISHED


@pytest.fixture
def store(where):
    """The rooms' rules on SQLite and on PostgreSQL alike."""
    store = open_store(where)
    yield store
    store.close()


def gate(burst: int = 1000) -> rooms.JoinGate:
    return rooms.JoinGate(rate=0.0, burst=burst, clock=lambda: 0.0)


def problem(call) -> str:
    with pytest.raises(RoomProblem) as caught:
        call()
    return caught.value.code


# --- codes and names -----------------------------------------------------------------


def test_codes_read_aloud_without_look_alikes():
    assert not set(rooms.ALPHABET) & set("0O1IL2Z5S6G8BDQUV")
    codes = {rooms.new_code() for _ in range(500)}
    assert len(codes) == 500 and all(len(c) == 6 and set(c) <= set(rooms.ALPHABET) for c in codes)
    assert rooms.show_code("KTX39P") == "KTX-39P"
    for typed in ("KTX-39P", "ktx 39p", " Ktx–39p ", "KTX39P"):
        assert rooms.normalize_code(typed) == "KTX39P", typed
    for typed in ("KTX-39", "KTX-39PP", "KT0-39P", "", None, 123456, "ÄTX-39P"):
        assert rooms.normalize_code(typed) is None, typed


def test_names_are_plain_text_short_and_without_control_characters():
    assert rooms.clean_name("  Ada  ") == "Ada"
    assert rooms.clean_name("<b>Bob</b> **x**") == "<b>Bob</b> **x**"  # shown as plain text, kept as typed
    assert rooms.clean_name("Жанна 🙂") == "Жанна 🙂"
    assert rooms.clean_name(None) == "" and rooms.clean_name("   ") == ""
    assert rooms.clean_name("x" * rooms.NAME_LIMIT) == "x" * rooms.NAME_LIMIT
    assert problem(lambda: rooms.clean_name("x" * (rooms.NAME_LIMIT + 1))) == rooms.NAME_TOO_LONG
    for bad in ("a\nb", "a\x00b", "tab\there", "a\u202eb", "\u2066x"):
        assert problem(lambda bad=bad: rooms.clean_name(bad)) == rooms.NAME_CONTROL, repr(bad)


def test_room_settings_are_checked_like_the_train_page():
    assert rooms.check_settings(rooms.DEFAULT_SETTINGS) == {"preset": "fast", "train_size": 10_000, "epochs": 3}
    for bad in ({"preset": "turbo", "train_size": 100, "epochs": 1}, {"preset": "fast", "train_size": 10, "epochs": 0}):
        with pytest.raises(ValueError):
            rooms.check_settings(bad)


# --- joining -------------------------------------------------------------------------


def test_open_join_and_join_again(store):
    room = rooms.open_room(store)
    assert re.fullmatch(r"[A-Za-z0-9_-]{22}", room.teacher) and room.closed is None
    assert room.settings == rooms.DEFAULT_SETTINGS
    assert store.room_of_teacher(room.teacher).code == room.code
    a, b = store.new_lab(), store.new_lab()
    _, seat_a, again = rooms.join(store, gate(), rooms.show_code(room.code).lower(), a, "Ada")
    assert (seat_a, again) == (1, False)
    _, seat_b, _ = rooms.join(store, gate(), room.code, b, "")
    assert seat_b == 2
    # the same lab again: its seat, the new name, no second entry
    _, seat, again = rooms.join(store, gate(), room.code, a, "Ada L.")
    assert (seat, again) == (1, True)
    assert [(m.seat, m.name) for m in store.room_members(room.code)] == [(1, "Ada L."), (2, "")]


def test_unknown_and_closed_rooms(store):
    lab = store.new_lab()
    assert problem(lambda: rooms.join(store, gate(), "KTX-39P", lab, "")) == rooms.UNKNOWN
    assert problem(lambda: rooms.join(store, gate(), "not a code", lab, "")) == rooms.UNKNOWN
    room = rooms.open_room(store)
    store.close_room(room.code)
    assert store.room(room.code).closed is not None
    assert problem(lambda: rooms.join(store, gate(), room.code, lab, "")) == rooms.CLOSED


def test_a_full_room_says_so(store, monkeypatch):
    monkeypatch.setattr(rooms, "ROOM_LIMIT", 3)
    room = rooms.open_room(store)
    labs = [store.new_lab() for _ in range(4)]
    for lab in labs[:3]:
        rooms.join(store, gate(), room.code, lab, "")
    with pytest.raises(RoomProblem) as caught:
        rooms.join(store, gate(), room.code, labs[3], "")
    assert caught.value.code == rooms.FULL and caught.value.limit == 3
    rooms.join(store, gate(), room.code, labs[0], "again")  # one already in still gets back in


def test_a_flood_of_joins_is_held_back_per_server(store):
    clock = [0.0]
    g = rooms.JoinGate(rate=2.0, burst=5, clock=lambda: clock[0])
    room = rooms.open_room(store)
    labs = [store.new_lab() for _ in range(8)]
    results = []
    for lab in labs:
        try:
            rooms.join(store, g, room.code, lab, "")
            results.append("in")
        except RoomProblem as exc:
            results.append(exc.code)
    assert results == ["in"] * 5 + [rooms.BUSY] * 3
    rooms.join(store, g, room.code, labs[0], "renamed")  # joining again costs nothing
    clock[0] = 1.0  # two more a second later
    assert [_try(store, g, room.code, lab) for lab in labs[5:]] == ["in", "in", rooms.BUSY]


def _try(store, g, code, lab) -> str:
    try:
        rooms.join(store, g, code, lab, "")
        return "in"
    except RoomProblem as exc:
        return exc.code


def test_hide_remove_and_leave(store):
    room = rooms.open_room(store)
    a, b, c = store.new_lab(), store.new_lab(), store.new_lab()
    for lab, name in ((a, "Ada"), (b, "Bob"), (c, "Cy")):
        rooms.join(store, gate(), room.code, lab, name)
    store.set_member(room.code, 1, hidden=True)
    store.set_member(room.code, 2, removed=True)
    members = store.room_members(room.code)
    assert [(m.seat, m.hidden) for m in members] == [(1, True), (3, False)]
    # a removed participant cannot join again from that lab; one who left can
    assert problem(lambda: rooms.join(store, gate(), room.code, b, "Bob")) == rooms.REMOVED
    store.leave_room(room.code, c)
    assert store.seat_of(room.code, c) is None
    _, seat, again = rooms.join(store, gate(), room.code, c, "Cy")
    assert seat == 4 and not again  # a new seat: seats are never given twice


def test_rooms_expire_with_the_store_and_labs_take_their_seats_along(where):
    now = [1000.0]
    store = open_store(where, idle_days=1, clock=lambda: now[0])
    old, kept = rooms.open_room(store), rooms.open_room(store)
    lab = store.new_lab()
    rooms.join(store, gate(), kept.code, lab, "Ada")
    now[0] += 0.5 * 86400
    store.touch_room(kept.code)  # its board is open
    store.touch(lab)
    now[0] += 0.6 * 86400
    store.housekeep()
    assert store.room(old.code) is None and store.room(kept.code) is not None
    store.delete_lab(lab)
    assert store.room_members(kept.code) == []
    store.close()


# --- the board -----------------------------------------------------------------------


def test_the_board_shows_summaries_of_runs_made_in_the_room_and_nothing_else(store, mnist_small):
    runs = RunManager(store, mnist_small, TrainingGate(cores=2), chunk_batches=50)
    room = rooms.open_room(store, {"preset": "fast", "train_size": 1000, "epochs": 2})
    a, b = store.new_lab(), store.new_lab()
    rooms.join(store, gate(), room.code, a, "Ada")
    rooms.join(store, gate(), room.code, b, "Bob")
    before = runs.start(a, preset("fast", train_size=1000, epochs=1, hidden=16), {})  # not in the room
    runs.wait(a, before)
    config = preset("fast", train_size=1000, epochs=2, hidden=32)
    number = runs.start(a, config, {"room": room.code, "preset": "fast"})
    runs.wait(a, number)
    entries = rooms.board(store, runs, room.code)
    assert [(e.seat, e.name) for e in entries] == [(1, "Ada"), (2, "Bob")]
    ada, bob = entries
    assert bob.runs == () and bob.best is None and bob.training is None
    (run,) = ada.runs
    assert run.number == number and run.status == FINISHED and run.preset == "fast"
    assert (run.hidden, run.epochs, run.train_size, run.epochs_done, run.progress) == (32, 2, 1000, 2, 1.0)
    history = runs.view(a, number).history
    assert run.test_accuracy == history[-1]["test_accuracy"] and len(run.curve) == 2
    assert ada.best == run and rooms.leaderboard(entries) == [ada]
    # summaries only: no field of the board holds an array, a lab id, a drawing or an upload
    for value in (*vars(ada).values(), *vars(run).values()):
        assert not hasattr(value, "shape") and a not in repr(value) and b not in repr(value)
    assert "lab" not in {f for f in rooms.Entry.__dataclass_fields__}
    runs.shutdown()


def test_the_leaderboard_ranks_by_accuracy_then_time():
    def entry(seat, acc, secs):
        run = rooms.RunSummary(1, FINISHED, "fast", 128, 3, 10_000, 3, 1.0, acc, secs, ())
        return rooms.Entry(seat, f"p{seat}", False, (run,))

    entries = [entry(1, 0.95, 3.0), entry(2, 0.97, 9.0), entry(3, 0.97, 4.0), rooms.Entry(4, "", False)]
    assert [e.seat for e in rooms.leaderboard(entries)] == [3, 2, 1]
