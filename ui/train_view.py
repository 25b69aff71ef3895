"""The Train page's state changes and drawing helpers, apart from the page script.

The page keeps no state in widgets: every control is copied into
``LabState.train_settings`` by a callback and written back to its widget key on
each run (Streamlit forgets a widget's value when its page is left). The run
itself is a :class:`mlp_core.Trainer` kept in ``LabState.trainer``; the live
panel calls :func:`train_chunk` once per tick, so everything a chunk finished
is in the session before anything is drawn. Tests call the same functions.
"""

from __future__ import annotations

import time
from collections.abc import Callable

import numpy as np
import streamlit as st
from streamlit.runtime.scriptrunner import get_script_run_ctx

from mlp_core.config import PRESETS, TrainConfig, preset
from mlp_core.io import ERROR_CODES, ModelFileError, load_model, model_to_bytes
from mlp_core.metrics import Evaluation, evaluate
from mlp_core.train import Trainer

from .common import choice_key, get_dataset, get_gate, get_state, session_id
from .i18n import DEFAULT_LANGUAGE
from .state import DEFAULT, TRAINED, UPLOADED, LabState, RunSummary

Translator = Callable[..., str]
# Why an upload was refused, one sentence per mlp_core.io.ERROR_CODES entry (same order)
KEYS_MODELFILE = (
    "modelfile.not_model",
    "modelfile.damaged",
    "modelfile.too_large",
    "modelfile.unsafe",
    "modelfile.incomplete",
    "modelfile.wrong_shape",
    "modelfile.bad_numbers",
    "modelfile.bad_settings",
    "modelfile.newer_version",
    "modelfile.no_file",
)

TICK_SECONDS = 0.5  # the live panel reruns this often while training: charts update twice a second at most
CHUNK_SECONDS = 0.3  # training time per tick; the rest of the tick is drawing
CHUNK_BATCHES: int | None = None  # train this many batches per chunk instead of a time budget (tests set it)

CUSTOM = "custom"
PRESET_CHOICES = tuple(PRESETS)
KEYS_PRESET = ("train.preset_original", "train.preset_fast", "train.preset_robust")
KEYS_PRESET_TEXT = ("train.preset_original_text", "train.preset_fast_text", "train.preset_robust_text")
OPTIMIZER_CHOICES = ("sgd", "momentum", "adam")
KEYS_OPTIMIZER = ("train.opt_sgd", "train.opt_momentum", "train.opt_adam")
INIT_CHOICES = ("seed_uniform", "xavier", "he")
KEYS_INIT = ("train.init_seed_uniform", "train.init_xavier", "train.init_he")
KEYS_SCHEDULE = ("train.schedule_constant", "train.schedule_cosine")
KEYS_METRIC = ("train.metric_full", "train.metric_running")
KEYS_MOMENTUM = ("train.momentum_plain", "train.momentum_nesterov")
KEYS_STATUS = ("train.status_finished", "train.status_diverged", "train.status_stopped")

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

UPLOAD_KEY = "train_upload"
OVERLAY_KEY = "train_overlay"
UNITS_KEY = "train_units"
# Bounds of the controls, tighter than TrainConfig's: one session's buffers stay
# around 100 MB at most on a server shared by a whole workshop.
MAX_HIDDEN = 1024
MAX_BATCH = 4096
MAX_UNITS = 48  # first-layer weight images drawn at once
MISTAKES_SHOWN = 24
RECENT_BATCHES = 400  # batches in the "recent batches" chart


CHOICE_CONTROLS = ("optimizer", "init")  # option labels translated: a widget per language


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


def config_from_settings(state: LabState, total: int) -> TrainConfig:
    """The TrainConfig the controls describe: the base preset with the controls' values.
    Raises ValueError (naming the field) for values the config refuses."""
    s = state.train_settings
    overrides = {name: s[name] for name in CONTROLS if name != "n_train"}
    for name in FLOAT_CONTROLS:
        overrides[name] = float(overrides[name])
    overrides["train_size"] = 0 if s["n_train"] >= total else int(s["n_train"])
    if overrides["optimizer"] != "momentum":
        overrides["nesterov"] = False
    base = preset(state.preset_base)
    overrides["warmup_epochs"] = min(base.warmup_epochs, float(overrides["epochs"]))
    return base.replace(**overrides)


def restore_widgets(state: LabState) -> None:
    """Give each widget its kept value before the widgets are drawn, where it differs:
    a widget's value is gone after its page was left, and a preset changes them all.

    Only differing values are written: writing a value makes the browser replace
    what the widget shows, which would wipe a number being typed during a rerun.
    """
    wanted = {widget_key(name, state.lang): state.train_settings[name] for name in CONTROLS}
    wanted[overlay_key(state.lang)] = [n for n in state.overlay_runs if n in earlier_run_numbers(state)]
    if state.trainer is not None:
        wanted[UNITS_KEY] = weight_units(state, state.trainer.model.hidden)
    for key, value in wanted.items():
        if key not in st.session_state or st.session_state[key] != value:
            st.session_state[key] = value


def apply_preset(name: str) -> None:
    """A preset button: fill every control from the preset. A button, not a radio, so
    the page never has to set a selection the browser might still send back stale."""
    state = get_state()
    state.preset_name = state.preset_base = name
    state.train_settings = settings_from_config(preset(name), n_total())


def on_control(name: str) -> None:
    """A control changed: keep its value; the settings are now custom unless they equal the preset."""
    state = get_state()
    value = st.session_state.get(widget_key(name, state.lang))
    if value is None:  # an emptied number box keeps the old value
        return
    state.train_settings[name] = value
    same = state.train_settings == settings_from_config(preset(state.preset_base), n_total())
    state.preset_name = state.preset_base if same else CUSTOM


def on_overlay() -> None:
    state = get_state()
    state.overlay_runs = list(st.session_state.get(overlay_key(state.lang)) or [])


def on_units() -> None:
    get_state().weight_units = list(st.session_state.get(UNITS_KEY) or [])


# --- the run ----------------------------------------------------------------------


def start_run() -> None:
    """Start a new run from the controls; the session's trained model becomes the active one."""
    state = get_state()
    data = get_dataset()
    try:
        config = config_from_settings(state, len(data.y_train))
    except ValueError:
        return  # the page shows the reason and keeps Start disabled
    store_run(state)
    state.run_number = max([r.number for r in state.runs] + [state.run_number]) + 1
    state.trainer = Trainer(config, data)
    # One batch now, so the model exists when the sidebar names the active model. Outside
    # the gate (a click should not queue behind the other sessions' chunks), but counted by
    # it, so that BLAS runs one thread per session when 30 people press Start together.
    get_gate().arrive(session_id())
    start = time.perf_counter()
    state.trainer.run(max_batches=1)
    state.train_cache = {"wall": time.perf_counter() - start}
    state.active = TRAINED
    state.train_running = not state.trainer.done
    if state.trainer.done:
        store_run(state)


def pause_run() -> None:
    get_state().train_running = False
    get_gate().leave(session_id())


def resume_run() -> None:
    state = get_state()
    state.train_running = state.trainer is not None and not state.trainer.done


def reset_run() -> None:
    """Forget the current run (it stays in the list of runs if it trained at all)."""
    state = get_state()
    store_run(state)
    state.trainer = None
    state.train_running = False
    state.train_cache = {}
    if state.active == TRAINED:
        state.active = UPLOADED if state.uploaded is not None else DEFAULT


def chunk_batches(active: int, batch_cpu_s: float | None) -> int | None:
    """The batches of the next chunk: None (train for CHUNK_SECONDS) for a session training
    alone or before its speed is known; with several sessions, CHUNK_SECONDS of its own
    compute, counted in batches.

    The gate serves waiting chunks in turn, so with k sessions on c cores each one's
    turn comes every k / c chunks: its tick lengthens to about k / c x CHUNK_SECONDS by
    itself and it draws that much less often. What makes the turns fair is their
    size: a time budget buys fewer batches when the chunk shares the CPU with other
    threads (drawing sessions, the web server, other processes) and more when it
    does not, and the sessions that happened to train in quiet moments finished
    long before the others. A count of batches from the session's own speed on one
    core (its CPU time per batch, which other threads hardly change) gives every
    session with the same settings the same batches per turn.
    """
    if active <= 1 or not batch_cpu_s:
        return None
    return max(1, round(CHUNK_SECONDS / batch_cpu_s))


def train_chunk(state: LabState) -> bool:
    """Train one chunk of the current run if it is running; True when the run ended in it.

    The Trainer lives in the session, so every batch it finished is kept even if
    the script is stopped right after this returns.
    """
    tr = state.trainer
    if tr is None or not state.train_running:
        return False
    if not tr.done:
        start = time.perf_counter()
        gate = get_gate()
        # At most one chunk per core computes at once, in arrival order; a click while
        # this chunk waits for its turn (Pause, another page) ends the wait at once.
        with gate.slot(session_id(), interrupt=_rerun_check()):
            budget = CHUNK_BATCHES or chunk_batches(gate.active_sessions(), state.train_cache.get("batch_cpu"))
            before, cpu = tr.batches_done, time.thread_time()
            if budget is not None:
                tr.run(max_batches=budget)
            else:
                tr.run(max_seconds=CHUNK_SECONDS)
            cpu, done = time.thread_time() - cpu, tr.batches_done - before
            if done and gate.blas_threads() == 1:  # BLAS computed in this thread: its CPU time is the chunk's
                best = state.train_cache.get("batch_cpu")
                state.train_cache["batch_cpu"] = min(best or float("inf"), cpu / done)
        # Wall time including the end-of-epoch evaluations, for an honest "time left".
        state.train_cache["wall"] = state.train_cache.get("wall", 0.0) + time.perf_counter() - start
    if tr.done:
        get_gate().leave(session_id())
        state.train_running = False
        state.active = TRAINED
        store_run(state)
        return True
    return False


def _rerun_check() -> Callable[[], None] | None:
    """The current script run's check for a pending stop or rerun (it raises Streamlit's own
    exception for it, as any st.* call would), or None outside a script run."""
    ctx = get_script_run_ctx(suppress_warning=True)
    return getattr(ctx, "yield_check", None) if ctx is not None else None


def store_run(state: LabState) -> None:
    """Add the current run to ``state.runs`` once, if it trained at all."""
    tr = state.trainer
    if tr is None or tr.batches_done == 0 or any(r.number == state.run_number for r in state.runs):
        return
    status = tr.status if tr.done else "stopped"
    state.runs.append(RunSummary(state.run_number, tr.config, [r.to_dict() for r in tr.history], status))


def seconds_left(state: LabState) -> float | None:
    """Estimated wall-clock seconds to the end of the current run (None until a chunk has run)."""
    tr = state.trainer
    wall = state.train_cache.get("wall")
    if tr is None or not wall or tr.batches_done == 0:
        return None
    return wall / tr.batches_done * (tr.total_batches - tr.batches_done)


def earlier_run_numbers(state: LabState) -> list[int]:
    """Runs that can be drawn behind the current one (all but the current)."""
    current = state.run_number if state.trainer is not None else None
    return [r.number for r in state.runs if r.number != current and r.history]


def overlay_lines(state: LabState, metric: str, T: Translator) -> list[dict]:
    """The chosen earlier runs' test curves of ``metric`` ("loss" or "accuracy"), for epoch_curves."""
    palette = ("#6b7280", "#a855f7", "#0d9488", "#ca8a04", "#db2777")
    earlier = earlier_run_numbers(state)
    chosen = [r for r in state.runs if r.number in state.overlay_runs and r.number in earlier]
    return [
        dict(
            name=T("train.run_test", n=run.number),
            x=[h["epoch"] for h in run.history],
            y=[h[f"test_{metric}"] for h in run.history],
            color=palette[i % len(palette)],
            dash="dot",
            faded=True,
        )
        for i, run in enumerate(chosen)
    ]


def run_rows(state: LabState, T: Translator, total: int) -> list[dict]:
    """One table row per run of the session: settings and final numbers."""
    rows = []
    for run in state.runs:
        last = run.history[-1] if run.history else {}
        rows.append(
            {
                T("train.col_run"): run.number,
                T("train.col_setup"): setup_text(run.config, T),
                T("train.col_data"): run.config.train_size or total,
                T("train.col_epochs"): f"{len(run.history)} / {run.config.epochs}",
                T("train.col_status"): status_text(run.status, T),
                T("train.col_train_acc"): f"{last['train_accuracy']:.2%}" if last else "—",
                T("train.col_test_acc"): f"{last['test_accuracy']:.2%}" if last else "—",
                T("train.col_time"): duration(last.get("train_seconds"), T) if last else "—",
            }
        )
    return rows


# --- the model: evaluation, file ------------------------------------------------


def test_evaluation(state: LabState) -> Evaluation:
    """The current weights on the whole test set, computed once per state of the run."""
    tr = state.trainer
    key = (state.run_number, tr.batches_done)
    cached = state.train_cache.get("eval")
    if cached is not None and cached[0] == key:
        return cached[1]
    data = get_dataset()
    result = evaluate(tr.model, data.x_test, data.y_test)
    state.train_cache["eval"] = (key, result)
    return result


def model_file_bytes(state: LabState) -> bytes:
    """The current run's model as a model file (weights, config, history)."""
    tr = state.trainer
    params = {k: v.copy() for k, v in tr.model.params().items()}  # a snapshot, in case a chunk is training
    model = type(tr.model)(**params)
    meta = {"name": f"run {state.run_number}", "source": "Backprop Lab, Train page", "status": tr.status}
    return model_to_bytes(model, tr.config, tr.history, meta)


def model_file_name(state: LabState) -> str:
    tr = state.trainer
    return f"backprop-lab-784-{tr.model.hidden}-10-run{state.run_number}.npz"


def on_upload() -> None:
    """A model file was uploaded: check it; a good one becomes the active model, a bad one changes nothing."""
    state = get_state()
    file = st.session_state.get(UPLOAD_KEY)
    state.upload_error = state.upload_error_detail = ""
    if file is None:
        return
    try:
        saved = load_model(file.getvalue())
    except ModelFileError as exc:
        state.upload_error, state.upload_error_detail = exc.code, exc.detail
        return
    state.uploaded = saved
    state.uploaded_name = file.name
    state.active = UPLOADED


def upload_error_text(state: LabState, T: Translator) -> str:
    """Why the last upload was refused, in the page's language, then the loader's own finding."""
    reason = T(KEYS_MODELFILE[ERROR_CODES.index(state.upload_error)])
    detail = state.upload_error_detail.replace("`", "'")
    return T("train.upload_bad", reason=reason) + "\n\n" + T("train.upload_detail", detail=f"`{detail}`")


def use_trained() -> None:
    get_state().active = TRAINED


def use_uploaded() -> None:
    state = get_state()
    if state.uploaded is not None:
        state.active = UPLOADED


# --- pictures -------------------------------------------------------------------


def _framed(img: np.ndarray, scale: int) -> np.ndarray:
    """Each pixel a scale x scale block, in a thin light-grey frame so tiles stay apart."""
    big = np.repeat(np.repeat(img, scale, axis=0), scale, axis=1)
    pad = ((1, 1), (1, 1)) + ((0, 0),) * (img.ndim - 2)
    return np.pad(big, pad, constant_values=218)


def digit_tiles(x: np.ndarray, scale: int = 3) -> list[np.ndarray]:
    """(N, 784) uint8 digits -> N images, dark ink on white, each pixel a scale x scale block."""
    return [_framed(255 - img, scale) for img in x.reshape(-1, 28, 28)]


def weight_tiles(W_h: np.ndarray, units: list[int], scale: int = 3) -> list[np.ndarray]:
    """The first-layer weights of each unit as a 28x28 RGB image: red where a pixel's ink
    raises the unit's input z, blue where it lowers it, white near zero (each unit on its own scale)."""
    pos = np.array([228, 87, 46], dtype=float)  # ACCENT
    neg = np.array([46, 134, 171], dtype=float)  # BLUE
    white = np.array([255, 255, 255], dtype=float)
    tiles = []
    for j in units:
        w = np.asarray(W_h[:, j], dtype=float).reshape(28, 28)
        m = float(np.abs(w).max()) or 1.0
        t = (w / m)[..., None]  # (28, 28, 1) in [-1, 1]
        rgb = white + np.where(t > 0, t * (pos - white), -t * (neg - white))
        tiles.append(_framed(np.clip(rgb, 0, 255).astype(np.uint8), scale))
    return tiles


def weight_units(state: LabState, hidden: int) -> list[int]:
    """The hidden units to draw: the chosen ones that exist, or the first 16."""
    units = [u for u in (state.weight_units or []) if 0 <= u < hidden][:MAX_UNITS]
    if state.weight_units is None:
        units = list(range(min(16, hidden)))
    return units


def most_confident_mistakes(labels: np.ndarray, result: Evaluation, n: int) -> np.ndarray:
    """Indices of up to n misclassified examples, the most confident first."""
    wrong = np.flatnonzero(result.predictions != labels)
    order = np.argsort(-result.confidence[wrong], kind="stable")
    return wrong[order[:n]]


# --- words ----------------------------------------------------------------------


def duration(seconds: float | None, T: Translator) -> str:
    if seconds is None:
        return "—"
    seconds = round(seconds)
    if seconds < 60:
        return T("train.seconds", s=seconds)
    return T("train.minutes", m=seconds // 60, s=seconds % 60)


def status_text(status: str, T: Translator) -> str:
    return T(f"train.status_{status}") if status in ("finished", "diverged", "stopped") else status


def divergence_message(tr: Trainer, T: Translator) -> str:
    loss = tr.diverged_loss
    shown = f"{loss:.3g}" if loss is not None and np.isfinite(loss) else T("train.loss_nan")
    lr = tr.config.lr
    return T("train.diverged", epoch=tr.epoch + 1, loss=shown, lr=f"{lr:g}", suggestion=f"{lr / 10:g}")


def setup_text(config: TrainConfig, T: Translator) -> str:
    """One line: shape, optimizer, learning rate, batch, data size."""
    return T(
        "train.setup",
        hidden=config.hidden,
        optimizer=T(KEYS_OPTIMIZER[OPTIMIZER_CHOICES.index(config.optimizer)]),
        lr=f"{config.lr:g}",
        batch=config.batch_size,
    )


def preset_extras(config: TrainConfig, T: Translator) -> str:
    """The settings that come from the preset and have no control of their own."""
    text = T(
        "train.preset_extra",
        schedule=T(KEYS_SCHEDULE[0] if config.schedule == "constant" else KEYS_SCHEDULE[1]),
        dtype=config.dtype,
        metric=T(KEYS_METRIC[0] if config.train_metric == "full" else KEYS_METRIC[1]),
    )
    if config.optimizer == "momentum":
        text += " " + T(KEYS_MOMENTUM[int(config.nesterov)], mu=f"{config.momentum:g}")
    return text
