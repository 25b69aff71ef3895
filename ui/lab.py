"""This session's lab: which lab the page shows (``?lab=...``), the store and the runs.

A lab is one visitor's work. Its id, 128 random bits, is in the page's URL, so
a reload, a bookmark or a second tab opens the same lab; Streamlit drops
``st.query_params`` when the user switches pages, so the id is kept in the
session too and written back to the URL on every script run of every page.
The lab's document (which model is active, the Train page's settings, ...) is
read from the store at the start of each script run and written back by the
callbacks that change it; runs are jobs of :class:`labs.runs.RunManager`.

No widgets here: pages and the sidebar draw, this module keeps the state.
"""

from __future__ import annotations

import atexit

import streamlit as st

from labs import lessons as lessons_store
from labs.lessons import Lessons
from labs.runs import RunManager, RunView
from labs.store import LabStore, QuotaExceeded, RoomRecord, open_default_store
from mlp_core.config import PAGE_LIMITS
from mlp_core.io import ModelFileError, SavedModel, load_model
from mlp_core.model import MLP
from mlp_core.train import DIVERGED

from .state import DEFAULT, TRAINED, UPLOADED, LabState

# The LabState fields that are the lab's (its document in the store).
DOC_FIELDS = (
    "lang",  # the language chosen last, so a reload or the link on another day opens in it
    "active",
    "active_run",
    "current_run",
    "train_settings",
    "preset_name",
    "preset_base",
    "overlay_runs",
    "room",
    "room_seat",
    "teaching",
    "uploaded_number",
)
QUERY_KEY = "lab"
UNKNOWN, EXPIRED = "unknown", "expired"  # LabState.lab_notice


@st.cache_resource(show_spinner=False)
def get_store() -> LabStore:
    """The server's lab store (see labs.store: the data folder, and memory if the file fails)."""
    store = open_default_store()
    store.housekeep()
    return store


@st.cache_resource(show_spinner=False)
def get_runs() -> RunManager:
    """The server's runs: one manager, whose workers train every lab's runs."""
    from .common import get_dataset, get_gate  # common imports this module

    store = get_store()
    runs = RunManager(store, get_dataset, get_gate(), on_end=lambda lab, view: _run_ended(store, lab, view))
    atexit.register(runs.shutdown)  # a server going down checkpoints its runs as paused
    return runs


def _run_ended(store: LabStore, lab: str, view: RunView) -> None:
    """A run that diverged never stays the active model: the lab goes back to the one
    that was active when the run started (a finished run changes nothing: it became
    active at Start, unless an upload took over since)."""
    if view.status != DIVERGED:
        return
    doc = store.get_doc(lab)
    if doc.get("active") == TRAINED and doc.get("active_run") == view.number:
        doc["active"] = view.meta.get("active_before", DEFAULT)
        doc["active_run"] = view.meta.get("active_before_run", 0)
        store.put_doc(lab, doc)


# --- opening and keeping the lab ---------------------------------------------------


def open_lab(state: LabState) -> None:
    """Make ``state`` show the lab of the URL (or a new one), mirror its document, and
    write its id back to the URL. Called at the start of every script run."""
    store = get_store()
    asked = st.query_params.get(QUERY_KEY)
    if asked and asked != state.lab_id and store.has_lab(asked):
        _switch(state, asked)
    elif not state.lab_id or not store.has_lab(state.lab_id):
        if state.lab_id:
            state.lab_notice = EXPIRED  # removed by idle expiry while the tab stayed open
            _switch(state, store.new_lab())
        else:  # the session's first script run: its lab starts from what the session has
            state.lab_notice = UNKNOWN if asked else ""  # a mistyped, made-up or expired link
            state.lab_id = store.new_lab()
            save(state)
    else:
        _mirror(state, store.get_doc(state.lab_id))
    if st.query_params.get(QUERY_KEY) != state.lab_id:
        st.query_params[QUERY_KEY] = state.lab_id


def _switch(state: LabState, lab: str) -> None:
    state.lab_id = lab
    state.uploaded, state.uploaded_name, state.uploaded_number = None, "", 0
    state.train_cache = {}
    state.confirm_start = False
    state.draw_lessons, state.draw_lessons_dropped = Lessons(), 0
    for name in DOC_FIELDS:  # a new lab starts from LabState's defaults
        setattr(state, name, getattr(LabState(), name))
    _mirror(state, get_store().get_doc(lab))


def _mirror(state: LabState, doc: dict) -> None:
    for name in DOC_FIELDS:
        if name in doc:
            setattr(state, name, doc[name])
    if state.uploaded_number and (state.uploaded is None or state.uploaded_number != state.extra.get("upload_loaded")):
        _load_upload(state)


def _load_upload(state: LabState) -> None:
    store = get_store()
    record = next((u for u in store.uploads(state.lab_id) if u.number == state.uploaded_number), None)
    data = store.upload_bytes(state.lab_id, state.uploaded_number) if record is not None else None
    try:
        # The Train page's limit: an upload it took then, unless a newer app takes less
        saved = load_model(data, max_hidden=int(PAGE_LIMITS["hidden"].high)) if data is not None else None
    except ModelFileError:  # it was checked when uploaded; a newer app may refuse it
        saved = None
    state.uploaded = saved
    state.uploaded_name = record.name if record is not None and saved is not None else ""
    state.extra["upload_loaded"] = state.uploaded_number if saved is not None else 0
    if saved is None:
        state.uploaded_number = 0


def save(state: LabState) -> None:
    """Write the lab's fields of ``state`` to its document."""
    if state.lab_id:
        get_store().put_doc(state.lab_id, {name: getattr(state, name) for name in DOC_FIELDS})


def keep_upload(state: LabState, name: str, data: bytes, saved: SavedModel) -> None:
    """A checked model file: kept in the lab, and the active model from now on (a run
    that ends later does not take that back). Raises QuotaExceeded when the lab is full."""
    number = get_store().add_upload(state.lab_id, name, data)
    state.uploaded, state.uploaded_name, state.uploaded_number = saved, name, number
    state.extra["upload_loaded"] = number
    state.active = UPLOADED
    save(state)


# --- Draw lessons -------------------------------------------------------------------


def lessons_key(base: str) -> str:
    """The store's blob of the lessons taught to the weights ``base`` (source and fingerprint):
    each model keeps its own, so switching models and back brings them back."""
    return f"{lessons_store.BLOB_KEY}:{base}"


def load_lessons(state: LabState, base: str, base_model: MLP) -> Lessons | None:
    """The lessons taught to ``base_model`` rebuilt on it, or None if it has none.
    Lessons kept before each model had its own blob are taken over by the model they fit."""
    from .common import get_dataset  # common imports this module

    if not state.lab_id:
        return None
    store = get_store()
    blob = store.get_blob(state.lab_id, lessons_key(base))
    if blob is not None:
        return lessons_store.decode(blob, base, base_model, get_dataset())
    older = store.get_blob(state.lab_id, lessons_store.BLOB_KEY)
    lessons = lessons_store.decode(older, base, base_model, get_dataset())
    if lessons is not None:
        save_lessons(state, lessons)
        store.put_blob(state.lab_id, lessons_store.BLOB_KEY, None)
    return lessons


def save_lessons(state: LabState, lessons: Lessons) -> None:
    """Keep the lessons of ``lessons.base`` (none: forget them). A full lab keeps the page's
    lessons in this session only, and says so."""
    if not state.lab_id or not lessons.base:
        return
    data = lessons_store.encode(lessons) if lessons.count else None
    try:
        get_store().put_blob(state.lab_id, lessons_key(lessons.base), data)
    except QuotaExceeded as exc:
        state.quota_error = exc.what
    else:
        if state.quota_error == "bytes":  # there is room again
            state.quota_error = ""


# --- runs ------------------------------------------------------------------------


def run_view(state: LabState, number: int) -> RunView | None:
    return get_runs().view(state.lab_id, number) if number else None


def trained_run(state: LabState) -> int:
    """The run that "the trained model" means: the active one, else the newest usable run
    (it trained at least a batch and did not diverge); 0 when there is none."""
    if state.active == TRAINED and state.active_run:
        return state.active_run
    usable = [v.number for v in get_runs().views(state.lab_id) if v.batches_done and v.status != DIVERGED]
    return usable[-1] if usable else 0


def active_run_model(state: LabState) -> SavedModel | None:
    if state.active != TRAINED or not state.active_run:
        return None
    return get_runs().saved_model(state.lab_id, state.active_run)


def joined_room(state: LabState) -> RoomRecord | None:
    """The room the lab is in, or None (never joined, left, removed, or the room expired)."""
    if not state.room:
        return None
    store = get_store()
    room = store.room(state.room)
    seat = store.seat_of(state.room, state.lab_id) if room is not None else None
    return room if seat is not None and not seat[2] else None


def start_run(state: LabState, config) -> None:
    """A new run of ``config``: the Train page shows it and it is the active model. In an
    open room, the run says so (the room's board shows it)."""
    runs = get_runs()
    if state.current_run:  # one run trains per lab and page: the one shown is paused, and kept
        runs.pause(state.lab_id, state.current_run)
    meta = {"active_before": state.active, "active_before_run": state.active_run, "preset": state.preset_name}
    room = joined_room(state)
    if room is not None and room.closed is None:
        meta["room"] = room.code
    try:
        number = runs.start(state.lab_id, config, meta)
    except QuotaExceeded as exc:
        state.quota_error = exc.what
        return
    state.quota_error = ""
    state.current_run = number
    state.active, state.active_run = TRAINED, number
    state.train_cache = {}
    save(state)


__all__ = [
    "EXPIRED",
    "UNKNOWN",
    "active_run_model",
    "get_runs",
    "get_store",
    "joined_room",
    "keep_upload",
    "lessons_key",
    "load_lessons",
    "open_lab",
    "run_view",
    "save",
    "save_lessons",
    "start_run",
]
