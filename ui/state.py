"""One typed object per browser session, kept in ``st.session_state["lab"]``.

Streamlit deletes a keyed widget's value when the user leaves its page, so
everything that must survive a page switch lives here, in plain attributes,
never only in widget keys; what must survive a reload or a restart is the
lab's, in the store (see ui.lab), and mirrored here.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import numpy as np

from labs.lessons import Lessons
from mlp_core.io import SavedModel
from mlp_core.model import MLP

from .i18n import DEFAULT_LANGUAGE
from .strokes import StrokeHistory

DEFAULT, TRAINED, UPLOADED = "default", "trained", "uploaded"


@dataclass
class LabState:
    """This browser session's view of its lab. The lab itself (runs, uploads, lessons, the
    active model, the Train page's settings) is in the store; the fields marked "lab"
    mirror its document (see ui.lab), read at the start of every script run and written
    back by the callbacks that change them."""

    lang: str = DEFAULT_LANGUAGE
    lab_id: str = ""  # the lab this session shows ("" until ui.lab.open_lab)
    lab_notice: str = ""  # why this session got a fresh lab ("unknown" link), said once
    # --- lab: which model the Maths and Draw pages use: DEFAULT, TRAINED (run active_run) or UPLOADED.
    active: str = DEFAULT
    active_run: int = 0
    # --- lab: the Train page ---
    current_run: int = 0  # the run the Train page shows (0: none; the settings are open)
    train_settings: dict[str, Any] = field(default_factory=dict)  # the controls' values
    preset_name: str = "original"  # the preset the controls were filled from ("custom" once changed)
    preset_base: str = "original"  # the preset whose other fields (schedule, dtype, ...) a custom run keeps
    overlay_runs: list[int] = field(default_factory=list)  # earlier runs drawn behind the current curves
    # --- lab: the workshop room (see labs.rooms) ---
    room: str = ""  # the code of the room the lab joined ("" when none)
    room_seat: int = 0  # its seat there
    teaching: str = ""  # the teacher's token of the room this lab opened ("" when none)
    # --- session only ---
    settings_open: bool = True  # the Train page's settings panel is open
    confirm_start: bool = False  # Start was pressed while a run is unfinished: the page asks first
    quota_error: str = ""  # a store quota refused the last Start or upload ("runs", "uploads", "bytes")
    weight_units: list[int] | None = None  # hidden units whose first-layer weights are drawn (None = default)
    room_error: str = ""  # why the last join or room setting was refused (labs.rooms' codes, or "settings")
    upload_error: str = ""  # the ModelFileError code of the last refused upload ("" = no problem)
    upload_error_detail: str = ""  # its English finding, shown under the translated sentence
    train_cache: dict[str, Any] = field(default_factory=dict)  # the shown run's test evaluation
    # --- lab: the latest uploaded model (the store keeps the file) ---
    uploaded: SavedModel | None = None
    uploaded_name: str = ""  # its file name: plain text, never markup
    uploaded_number: int = 0  # its number in the store (0: none)
    # --- draw page ---
    last_drawing: np.ndarray | None = None  # (28, 28) float32 in [0, 1], as the network sees it
    extra: dict[str, Any] = field(default_factory=dict)  # page-specific small values
    draw_canvas: int = 0  # part of the canvas key: Clear bumps it, which gives an empty canvas
    draw_pen: int = 18  # pen width in canvas pixels
    draw_input: str = "canvas"  # where the digit comes from: "canvas", or "photo" (a camera shot or a file)
    draw_strokes: StrokeHistory = field(default_factory=StrokeHistory)  # the canvas's strokes, for Undo and Redo
    draw_lessons: Lessons = field(default_factory=Lessons)  # the lab's lessons, as kept in its store
    draw_lessons_dropped: int = 0  # lessons set aside because the model they were taught to changed
    # --- maths page ---
    maths_view: str = "derivation"  # "derivation", "live" or "tiny"
    maths_source: str = "test"  # "test" (a test-set digit) or "drawing" (last_drawing)
    maths_index: int = 0  # test-set index of the digit walked through
    maths_drawing_label: int | None = None  # the class the user says the drawing is (None: the prediction)
    maths_lr: float = 0.001  # learning rate of the one-step demo: a visible step, not a jump to 100 %
    maths_check_seed: int = 0  # which weights the gradient check samples
    tiny_model: MLP | None = None  # the tiny network's weights at the start of this round (None: the starting ones)
    tiny_stage: int = 0  # 0 given, 1 forward done, 2 backward done, 3 update computed
    tiny_round: int = 1  # how many forward-backward-update rounds have been started
    tiny_lr: float = 0.5  # learning rate of the tiny network's update
