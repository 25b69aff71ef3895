"""One typed object per browser session, kept in ``st.session_state["lab"]``.

Streamlit deletes a keyed widget's value when the user leaves its page, so
everything that must survive a page switch (the language, the trained model,
the run history, chosen hyperparameters, the last drawing) lives here, in
plain attributes, never only in widget keys.
"""

from __future__ import annotations

import threading
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from mlp_core.config import TrainConfig
from mlp_core.io import SavedModel
from mlp_core.model import MLP
from mlp_core.train import DIVERGED, Trainer

from .i18n import DEFAULT_LANGUAGE

DEFAULT, TRAINED, UPLOADED = "default", "trained", "uploaded"


@dataclass
class RunSummary:
    """An earlier (or the current) training run of this session."""

    number: int  # 1, 2, ... within the session
    config: TrainConfig
    history: list[dict]  # EpochRecord.to_dict() per epoch
    status: str  # "finished", "diverged", "stopped"
    seconds: float | None = None  # seconds spent training (evaluation excluded)


@dataclass
class LabState:
    lang: str = DEFAULT_LANGUAGE
    # Which model the Maths and Draw pages use: DEFAULT, TRAINED or UPLOADED.
    active: str = DEFAULT
    # --- train page ---
    trainer: Trainer | None = None  # the current run (model, optimizer, history, position)
    runs: list[RunSummary] = field(default_factory=list)  # finished or stopped runs, oldest first
    train_settings: dict[str, Any] = field(default_factory=dict)  # the controls' values, kept across pages
    preset_name: str = "original"  # the preset the controls were filled from ("custom" once changed)
    preset_base: str = "original"  # the preset whose other fields (schedule, dtype, ...) a custom run keeps
    train_running: bool = False  # True while the live panel trains a chunk per tick (False = paused)
    run_number: int = 0  # the current trainer's run number (its RunSummary.number once stored)
    # The session's last usable trained model from before the current run (None: none), and
    # the source that was active when the current run started. A run that diverges never
    # becomes the active model: the session goes back to that source (see trained_model).
    kept_trained: SavedModel | None = None
    active_before_run: str = DEFAULT
    settings_open: bool = True  # the Train page's settings panel is open (it closes while a run exists)
    # Held while a chunk trains: Pause, Start and Reset wait for it, so no batch is trained
    # after they return (with runner.fastReruns, a click's rerun runs while the tick's chunk still trains).
    train_lock: threading.Lock = field(default_factory=threading.Lock, repr=False, compare=False)
    overlay_runs: list[int] = field(default_factory=list)  # earlier runs drawn behind the current curves
    weight_units: list[int] | None = None  # hidden units whose first-layer weights are drawn (None = default)
    upload_error: str = ""  # the ModelFileError code of the last refused upload ("" = no problem)
    upload_error_detail: str = ""  # its English finding, shown under the translated sentence
    train_cache: dict[str, Any] = field(default_factory=dict)  # the current run's wall time and test evaluation
    # --- uploaded model ---
    uploaded: SavedModel | None = None
    uploaded_name: str = ""
    # --- draw page ---
    last_drawing: np.ndarray | None = None  # (28, 28) float32 in [0, 1], as the network sees it
    extra: dict[str, Any] = field(default_factory=dict)  # page-specific small values
    draw_canvas: int = 0  # part of the canvas key: Clear bumps it, which gives an empty canvas
    draw_pen: int = 18  # pen width in canvas pixels
    draw_base: str = ""  # which model the lessons below started from (source and a weight fingerprint)
    draw_lessons: list[Any] = field(default_factory=list)  # the undo stack: one ui.draw_view.Lesson per lesson
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


def trained_model(state: LabState) -> SavedModel | None:
    """The session's trained model as a SavedModel (its meta["run"] is the run's number):
    the current run's, unless it has not trained yet or diverged, in which case the last
    usable one from before it; None when there is none."""
    tr = state.trainer
    if tr is None or tr.batches_done == 0 or tr.status == DIVERGED:
        return state.kept_trained
    return SavedModel(
        model=tr.model,
        config=tr.config,
        history=[r.to_dict() for r in tr.history],
        meta={"name": "session", "source": TRAINED, "run": state.run_number},
    )
