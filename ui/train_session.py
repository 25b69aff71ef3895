"""The Train page's state machine: its settings and what Start, Pause, Resume and Reset do.

No widgets here. Every control is copied into ``LabState.train_settings`` by a
callback (and saved with the lab), and written back to its widget key on each
script run (Streamlit forgets a widget's value when its page is left). A run
is a job of :class:`labs.runs.RunManager`: it trains on the server whichever
page is open, and the page only shows it (``LabState.current_run``).

The buttons, by the state of the run shown:

=============  ==============================  ===========================
run shown      primary button                  Start
=============  ==============================  ===========================
none, ended    Start                           starts a run
training       Pause                           asks first, then starts
paused         Resume                          asks first, then starts
=============  ==============================  ===========================

Starting a new run pauses the one shown (it stays in the list of runs) and
makes the new one the active model. Reset puts the run shown aside: it is
paused and stays in the list, the settings open again, and the active model
goes back to the uploaded or the bundled one if it was that run.
"""

from __future__ import annotations

from dataclasses import dataclass

import streamlit as st

from labs.runs import PAUSED, RUNNING, RunView
from labs.store import QuotaExceeded
from mlp_core.config import PAGE_LIMITS, PRESETS, OutOfRange, TrainConfig, out_of_range, preset
from mlp_core.export import notebook_bytes
from mlp_core.io import ModelFileError, load_model, model_to_bytes
from mlp_core.metrics import Evaluation, evaluate

from . import lab
from .common import choice_key, get_dataset, get_state
from .i18n import DEFAULT_LANGUAGE
from .state import DEFAULT, TRAINED, UPLOADED, LabState

CUSTOM = "custom"
PRESET_CHOICES = tuple(PRESETS)

# The controls, in the order of TrainConfig's fields they set. n_train is the
# training-set size shown to the user (all images = len(x_train), stored as 0).
CONTROLS = (
    "hidden",
    "lr",
    "batch_size",
    "epochs",
    "optimizer",
    "init",
    "biases",
    "shuffle",
    "augment",
    "l2",
    "n_train",
    "seed",
)
FLOAT_CONTROLS = ("lr", "l2")
CHOICE_CONTROLS = ("optimizer", "init")  # option labels translated: a widget per language

UPLOAD_KEY = "train_upload"
SETTINGS_KEY = "train_settings_panel"  # the expander around the controls
OVERLAY_KEY = "train_overlay"
UNITS_KEY = "train_units"
# The number boxes have no bounds of their own: a typed value always reaches the page,
# which checks it against mlp_core.config.PAGE_LIMITS (tighter than TrainConfig's, so a
# run's buffers stay around 100 MB on a server shared by a whole workshop) and keeps
# Start off, saying why, while one is out of range. The training-set size is the
# config's train_size, shown as the number of images.
LIMITED_CONTROLS = {"hidden": "hidden", "lr": "lr", "batch_size": "batch_size", "epochs": "epochs", "l2": "l2",
                    "n_train": "train_size", "seed": "seed"}  # fmt: skip
MAX_HIDDEN = int(PAGE_LIMITS["hidden"].high)  # the widest network the page trains, or loads from a file
MAX_UNITS = 48  # first-layer weight images drawn at once


def widget_key(name: str, lang: str = DEFAULT_LANGUAGE) -> str:
    key = f"train_w_{name}"
    return choice_key(key, lang) if name in CHOICE_CONTROLS else key


def overlay_key(lang: str = DEFAULT_LANGUAGE) -> str:
    return choice_key(OVERLAY_KEY, lang)  # labels "Run 2" / "Запуск 2"


# --- settings ---------------------------------------------------------------------


def n_total() -> int:
    return len(get_dataset().y_train)


def settings_from_config(config: TrainConfig, total: int) -> dict:
    """The controls' values for a config (what a preset fills in)."""
    values = {name: getattr(config, name) for name in CONTROLS if name != "n_train"}
    values["n_train"] = config.train_size if 0 < config.train_size < total else total
    return values


def ensure_settings(state: LabState, total: int) -> None:
    """Fill the settings from the preset on first use (and any control added since)."""
    base = settings_from_config(preset(state.preset_base), total)
    for name, value in base.items():
        state.train_settings.setdefault(name, value)


def settings_out_of_range(settings: dict) -> OutOfRange | None:
    """The first control whose value is outside the page's limits (its name, value and
    range), or None. Only the controls' values count, whatever was typed before."""
    fields = {field: settings[name] for name, field in LIMITED_CONTROLS.items() if name in settings}
    found = out_of_range(fields, PAGE_LIMITS)
    if found is None:
        return None
    control = next(name for name, field in LIMITED_CONTROLS.items() if field == found.field)
    return OutOfRange(control, found.value, found.limit)


@dataclass(frozen=True)
class SettingsCheck:
    """What Start would train, or why it cannot: a control out of the page's range, or
    (every control in range) a combination the config itself refuses."""

    config: TrainConfig | None
    out_of_range: OutOfRange | None = None
    error: str = ""  # TrainConfig's own message, in English


def check_settings(state: LabState, total: int) -> SettingsCheck:
    """The controls' values checked as Start would use them."""
    problem = settings_out_of_range(state.train_settings)
    if problem is not None:
        return SettingsCheck(None, out_of_range=problem)
    try:
        return SettingsCheck(config_from_settings(state, total))
    except ValueError as exc:
        return SettingsCheck(None, error=str(exc))


def config_from_settings(state: LabState, total: int) -> TrainConfig:
    """The TrainConfig the controls describe: the base preset with the controls' values.
    Raises ValueError (naming the field) for a value outside the page's limits or one
    the config refuses."""
    s = state.train_settings
    problem = settings_out_of_range(s)
    if problem is not None:
        raise ValueError(f"{problem.field} must be {problem.limit.describe()}, got {problem.value!r}")
    overrides = {name: s[name] for name in CONTROLS if name != "n_train"}
    for name in FLOAT_CONTROLS:
        overrides[name] = float(overrides[name])
    overrides["train_size"] = 0 if s["n_train"] >= total else int(s["n_train"])
    if overrides["optimizer"] != "momentum":
        overrides["nesterov"] = False
    base = preset(state.preset_base)
    overrides["warmup_epochs"] = min(base.warmup_epochs, float(overrides["epochs"]))
    return base.replace(**overrides)


def restore_widgets(state: LabState, view: RunView | None) -> None:
    """Give each widget its kept value before the widgets are drawn, where it differs:
    a widget's value is gone after its page was left, and a preset changes them all.

    Only differing values are written: writing a value makes the browser replace
    what the widget shows, which would wipe a number being typed during a rerun.
    """
    wanted = {widget_key(name, state.lang): state.train_settings[name] for name in CONTROLS}
    wanted[overlay_key(state.lang)] = [n for n in state.overlay_runs if n in earlier_run_numbers(state)]
    wanted[SETTINGS_KEY] = state.settings_open
    if view is not None:
        wanted[UNITS_KEY] = weight_units(state, view.config.hidden)
    for key, value in wanted.items():
        if key not in st.session_state or st.session_state[key] != value:
            st.session_state[key] = value


def apply_preset(name: str) -> None:
    """A preset button: fill every control from the preset. A button, not a radio, so
    the page never has to set a selection the browser might still send back stale."""
    state = get_state()
    state.preset_name = state.preset_base = name
    state.train_settings = settings_from_config(preset(name), n_total())
    lab.save(state)


def on_control(name: str) -> None:
    """A control changed: keep its value; the settings are now custom unless they equal the preset."""
    state = get_state()
    value = st.session_state.get(widget_key(name, state.lang))
    if value is None:  # an emptied number box keeps the old value (written back to the box)
        return
    state.train_settings[name] = value
    same = state.train_settings == settings_from_config(preset(state.preset_base), n_total())
    state.preset_name = state.preset_base if same else CUSTOM
    lab.save(state)


def on_overlay() -> None:
    state = get_state()
    state.overlay_runs = list(st.session_state.get(overlay_key(state.lang)) or [])
    lab.save(state)


def on_units() -> None:
    get_state().weight_units = list(st.session_state.get(UNITS_KEY) or [])


def on_settings_panel() -> None:
    """The settings panel was opened or closed by hand: keep it so across reruns and pages."""
    get_state().settings_open = bool(st.session_state.get(SETTINGS_KEY))


# --- the run ----------------------------------------------------------------------


def shown_run(state: LabState) -> RunView | None:
    """The run the page shows, as its worker last published it (None: no run)."""
    return lab.run_view(state, state.current_run)


def unfinished(view: RunView | None) -> bool:
    return view is not None and view.status in (RUNNING, PAUSED)


def start_pressed() -> None:
    """Start: with a run that could still go on, ask first (the page shows the question)."""
    state = get_state()
    if unfinished(shown_run(state)):
        state.confirm_start = True
    else:
        start_run()


def start_run() -> None:
    """Start a new run from the controls; it becomes the active model (see ui.lab.start_run)."""
    state = get_state()
    state.confirm_start = False
    try:
        config = config_from_settings(state, n_total())
    except ValueError:
        return  # the page shows the reason and keeps Start disabled
    lab.start_run(state, config)
    state.settings_open = state.current_run == 0  # the progress and the charts come up to the top


def cancel_start() -> None:
    get_state().confirm_start = False


def pause_run() -> None:
    """Pause: returns once no batch trains any more and the run is checkpointed."""
    state = get_state()
    lab.get_runs().pause(state.lab_id, state.current_run)


def resume_run() -> None:
    state = get_state()
    state.confirm_start = False
    lab.get_runs().resume(state.lab_id, state.current_run)


def reset_run() -> None:
    """Put the shown run aside (paused, kept in the list): the settings open for a new one,
    and the active model goes back to the uploaded or the bundled one if it was that run."""
    state = get_state()
    if state.current_run:
        lab.get_runs().pause(state.lab_id, state.current_run)
    if state.active == TRAINED and state.active_run == state.current_run:
        state.active = UPLOADED if state.uploaded is not None else DEFAULT
        state.active_run = 0
    state.current_run = 0
    state.confirm_start = False
    state.settings_open = True
    state.train_cache = {}
    lab.save(state)


def use_run(number: int) -> None:
    state = get_state()
    state.active, state.active_run = TRAINED, number
    lab.save(state)


def use_uploaded() -> None:
    state = get_state()
    if state.uploaded is not None:
        state.active = UPLOADED
        lab.save(state)


def on_upload() -> None:
    """A model file was uploaded: check it; a good one is kept in the lab and becomes the
    active model (and stays so when a run ends), a bad one changes nothing."""
    state = get_state()
    file = st.session_state.get(UPLOAD_KEY)
    state.upload_error = state.upload_error_detail = ""
    if file is None:
        return
    data = file.getvalue()
    try:
        saved = load_model(data, max_hidden=MAX_HIDDEN)
    except ModelFileError as exc:
        state.upload_error, state.upload_error_detail = exc.code, exc.detail
        return
    try:
        lab.keep_upload(state, file.name, data, saved)
    except QuotaExceeded as exc:
        state.quota_error = exc.what


# --- what the page reads ------------------------------------------------------------


def lab_runs(state: LabState) -> list[RunView]:
    return lab.get_runs().views(state.lab_id)


def earlier_run_numbers(state: LabState) -> list[int]:
    """Runs that can be drawn behind the shown one (all others that have a history)."""
    return [v.number for v in lab_runs(state) if v.number != state.current_run and v.history]


def test_evaluation(state: LabState, view: RunView) -> Evaluation:
    """The run's current weights on the whole test set, computed once per state of the run."""
    key = (state.lab_id, view.number, view.batches_done)
    cached = state.train_cache.get("eval")
    if cached is not None and cached[0] == key:
        return cached[1]
    data = get_dataset()
    saved = lab.get_runs().saved_model(state.lab_id, view.number)
    result = evaluate(saved.model, data.x_test, data.y_test)
    state.train_cache["eval"] = (key, result)
    return result


def model_file_bytes(state: LabState, number: int) -> bytes:
    """The run's model as a model file (weights, settings, history)."""
    saved = lab.get_runs().saved_model(state.lab_id, number)
    params = {k: v.copy() for k, v in saved.model.params().items()}  # a snapshot, in case a chunk is training
    model = type(saved.model)(**params)
    view = shown_run(state) if number == state.current_run else lab.run_view(state, number)
    meta = {"name": f"run {number}", "source": "Backprop Lab, Train page", "status": view.status if view else ""}
    return model_to_bytes(model, saved.config, saved.history, meta)


def notebook_file_bytes(config: TrainConfig, lang: str) -> bytes:
    """The run as a Jupyter notebook that redoes it with NumPy alone, its text in ``lang``."""
    return notebook_bytes(config, lang)


def notebook_file_name(view: RunView) -> str:
    return f"backprop-lab-784-{view.config.hidden}-10-run{view.number}.ipynb"


def model_file_name(view: RunView) -> str:
    return f"backprop-lab-784-{view.config.hidden}-10-run{view.number}.npz"


def weight_units(state: LabState, hidden: int) -> list[int]:
    """The hidden units to draw: the chosen ones that exist, or the first 16."""
    units = [u for u in (state.weight_units or []) if 0 <= u < hidden][:MAX_UNITS]
    if state.weight_units is None:
        units = list(range(min(16, hidden)))
    return units
