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
from mlp_core.train import DIVERGED, Trainer, suggested_lr

from .common import (
    KEYS_OPTIMIZER,
    OPTIMIZER_CHOICES,
    active_model,
    choice_key,
    decimal,
    get_dataset,
    get_gate,
    get_state,
    model_label,
    percent,
    session_id,
    with_decimal_point,
)
from .i18n import DEFAULT_LANGUAGE
from .state import DEFAULT, TRAINED, UPLOADED, LabState, RunSummary, trained_model

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
INIT_CHOICES = ("seed_uniform", "xavier", "he")
KEYS_INIT = ("train.init_seed_uniform", "train.init_xavier", "train.init_he")
KEYS_SCHEDULE = ("train.schedule_constant", "train.schedule_cosine")
KEYS_METRIC = ("train.metric_full", "train.metric_running")
KEYS_MOMENTUM = ("train.momentum_plain", "train.momentum_nesterov")

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
SETTINGS_KEY = "train_settings_panel"  # the expander around the controls
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
    wanted[SETTINGS_KEY] = state.settings_open
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


def on_settings_panel() -> None:
    """The settings panel was opened or closed by hand: keep it so across reruns and pages."""
    get_state().settings_open = bool(st.session_state.get(SETTINGS_KEY))


# --- the run ----------------------------------------------------------------------


def stop_training(state: LabState) -> None:
    """No batch is trained after this returns: the running flag is cleared, then a chunk
    still training (in the script run of an earlier tick) is waited for; it stops after
    its current batch."""
    state.train_running = False
    if state.train_lock.acquire(timeout=30):
        state.train_lock.release()
    if state.trainer is not None and state.trainer.done:  # that chunk ended the run
        end_run(state)


def start_run() -> None:
    """Start a new run from the controls; its model becomes the active one while it trains,
    and stays so unless it diverges (see end_run)."""
    state = get_state()
    data = get_dataset()
    try:
        config = config_from_settings(state, len(data.y_train))
    except ValueError:
        return  # the page shows the reason and keeps Start disabled
    stop_training(state)
    store_run(state)
    # What to go back to if the new run diverges: the model active now, and the last usable
    # trained one (the current run's, or the one kept from before it).
    state.active_before_run = active_model(state)[1]
    state.kept_trained = trained_model(state)
    state.run_number = max([r.number for r in state.runs] + [state.run_number]) + 1
    state.trainer = Trainer(config, data)
    state.settings_open = False  # the progress and the charts come up to the top
    # One batch now, so the model exists when the sidebar names the active model. Outside
    # the gate (a click should not queue behind the other sessions' chunks), but counted by
    # it, so that BLAS runs one thread per session when 30 people press Start together.
    get_gate().arrive(session_id())
    start = time.perf_counter()
    state.trainer.run(max_batches=1)
    first = time.perf_counter() - start
    state.train_cache = {"wall": first, "wall_first": first}  # a cold first batch is no measure of the rest
    state.active = TRAINED
    state.train_running = not state.trainer.done
    if state.trainer.done:
        end_run(state)


def end_run(state: LabState) -> None:
    """The current run finished or diverged. A finished run's model is the active one; a
    diverged one's weights are barely trained, so the session goes back to the model that
    was active when the run started."""
    get_gate().leave(session_id())
    state.train_running = False
    with state.train_lock:  # once, whichever script run sees the end first
        if any(r.number == state.run_number for r in state.runs):
            return
        if state.trainer.status == DIVERGED:
            if state.active == TRAINED:
                state.active = state.active_before_run
        else:
            state.active = TRAINED
        store_run(state)


def pause_run() -> None:
    stop_training(get_state())
    get_gate().leave(session_id())


def resume_run() -> None:
    state = get_state()
    state.train_running = state.trainer is not None and not state.trainer.done


def reset_run() -> None:
    """Forget the current run (it stays in the list of runs if it trained at all) and the
    trained model: the session goes back to the uploaded or the bundled model."""
    state = get_state()
    stop_training(state)
    get_gate().leave(session_id())
    store_run(state)
    state.trainer = None
    state.kept_trained = None  # no trained model is left to use
    state.train_cache = {}
    state.settings_open = True
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

    def stopped() -> bool:  # Pause, Start or Reset since this chunk began
        return not state.train_running or state.trainer is not tr

    if not tr.done:
        start = time.perf_counter()
        gate = get_gate()
        # At most one chunk per core computes at once, in arrival order; a click while
        # this chunk waits for its turn (Pause, another page) ends the wait at once.
        with gate.slot(session_id(), interrupt=_rerun_check()), state.train_lock:
            if stopped():  # a click came while this chunk waited
                return False
            budget = CHUNK_BATCHES or chunk_batches(gate.active_sessions(), state.train_cache.get("batch_cpu"))
            before, cpu = tr.batches_done, time.thread_time()
            if budget is not None:
                tr.run(max_batches=budget, stop=stopped)
            else:
                tr.run(max_seconds=CHUNK_SECONDS, stop=stopped)
            cpu, done = time.thread_time() - cpu, tr.batches_done - before
            if done and gate.blas_threads() == 1:  # BLAS computed in this thread: its CPU time is the chunk's
                best = state.train_cache.get("batch_cpu")
                state.train_cache["batch_cpu"] = min(best or float("inf"), cpu / done)
        # Wall time including the end-of-epoch evaluations, for an honest "time left".
        state.train_cache["wall"] = state.train_cache.get("wall", 0.0) + time.perf_counter() - start
    if tr.done and state.trainer is tr:
        end_run(state)
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
    history = [r.to_dict() for r in tr.history]
    state.runs.append(RunSummary(state.run_number, tr.config, history, status, seconds=tr.train_seconds))


def seconds_left(state: LabState) -> float | None:
    """Estimated wall-clock seconds to the end of the current run, from the batches after the
    first (which pays for cold caches and threads: counted in, it made early estimates 2x too
    long); None until a chunk has run after it."""
    tr = state.trainer
    wall = state.train_cache.get("wall")
    if tr is None or not wall or tr.batches_done < 2:
        return None
    first = state.train_cache.get("wall_first", 0.0)
    return (wall - first) / (tr.batches_done - 1) * (tr.total_batches - tr.batches_done)


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
    """One table row per run of the session, the test accuracy first (what a narrow screen
    shows), then how the run ended, its settings and its training accuracy."""
    rows = []
    for run in state.runs:
        last = run.history[-1] if run.history else {}
        rows.append(
            {
                T("train.col_run"): run.number,
                T("train.col_test_acc"): percent(last["test_accuracy"], T) if last else "—",
                T("train.col_result"): result_text(run, T),
                T("train.col_setup"): setup_text(run.config, T, total),
                T("train.col_train_acc"): percent(last["train_accuracy"], T) if last else "—",
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


def confidence_text(confidence: float, T: Translator) -> str:
    """A mistake's confidence with one decimal; above 99.95 % it would round to a
    "100.0%" it is not, so it reads ">99.9%"."""
    if confidence >= 0.9995:
        return ">" + percent(0.999, T, 1)
    return percent(confidence, T, 1)


def most_confident_mistakes(labels: np.ndarray, result: Evaluation, n: int) -> np.ndarray:
    """Indices of up to n misclassified examples, the most confident first."""
    wrong = np.flatnonzero(result.predictions != labels)
    order = np.argsort(-result.confidence[wrong], kind="stable")
    return wrong[order[:n]]


# --- words ----------------------------------------------------------------------


def duration(seconds: float | None, T: Translator) -> str:
    """0.8 s, 12 s, 2 min 5 s: one decimal under 10 seconds, whole seconds above."""
    if seconds is None:
        return "—"
    if seconds < 9.95:
        return T("train.seconds", s=decimal(seconds, 1, T))
    seconds = round(seconds)
    if seconds < 60:
        return T("train.seconds", s=seconds)
    return T("train.minutes", m=seconds // 60, s=seconds % 60)


def loss_text(loss: float, T: Translator) -> str:
    """A loss as the page writes it everywhere: 0.193, 2.303, 12,870 (12 870 in Russian)."""
    if not np.isfinite(loss):
        return T("train.loss_nan")
    return decimal(loss, 3 if abs(loss) < 1000 else 0, T)


def points_text(change: float, T: Translator) -> str | None:
    """A change of accuracy (a difference of fractions) in percentage points: +28.3 pp;
    None (no arrow at all) when it rounds to 0.0, which is no change worth colouring."""
    if round(abs(100 * change), 1) == 0:
        return None
    sign = "+" if change >= 0 else "-"  # ASCII: st.metric colours a delta by its first character
    return sign + T("train.points", v=decimal(abs(100 * change), 1, T))


def result_text(run: RunSummary, T: Translator) -> str:
    """How a run ended, with its training time or where it stopped."""
    if run.status == "finished":
        return T("train.result_finished", time=duration(run.seconds, T))
    if run.status == "diverged":
        return T("train.result_diverged", epoch=len(run.history) + 1)
    return T("train.result_stopped", done=len(run.history), epochs=run.config.epochs, time=duration(run.seconds, T))


def divergence_message(state: LabState, T: Translator) -> str:
    """What happened, what to try instead, and which model the other pages use now."""
    tr = state.trainer
    loss = tr.diverged_loss
    _, source = active_model(state)
    return T(
        "train.diverged",
        epoch=tr.epoch + 1,
        loss=loss_text(loss, T) if loss is not None else T("train.loss_nan"),
        lr=decimal_g(tr.config.lr, T),
        suggestion=decimal_g(suggested_lr(tr.config), T),
        model=model_label(state, source, T),
    )


def decimal_g(value: float, T: Translator) -> str:
    """A setting's value as short as it goes (0.5, 0.001), in the language's number format."""
    return with_decimal_point(f"{value:g}", T)


def setup_text(config: TrainConfig, T: Translator, total: int) -> str:
    """One line: shape, optimizer, learning rate, batch, training images, epochs."""
    return T(
        "train.setup",
        hidden=config.hidden,
        optimizer=T(KEYS_OPTIMIZER[OPTIMIZER_CHOICES.index(config.optimizer)]),
        lr=decimal_g(config.lr, T),
        batch=config.batch_size,
        images=decimal(config.train_size or total, 0, T),
        epochs=config.epochs,
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
