"""The Train page's drawing: settings, buttons, the live panel, the runs, what the trained
network gets wrong and what its hidden units look at, model files. The state machine
behind the buttons is ui.train_session; the page script only calls these in order."""

from __future__ import annotations

import html

import numpy as np
import streamlit as st

from labs.runs import PAUSED, RUNNING, RunView
from mlp_core.config import TrainConfig
from mlp_core.export import not_reproduced
from mlp_core.metrics import Evaluation, confusion_matrix
from mlp_core.notebook import SEED_TEST_ACCURACY, TEST_DIGITS, epoch_table, is_seed_run, seed_test_agrees
from mlp_core.train import DIVERGED, FINISHED, suggested_lr

from . import numbers
from . import train_session as ts
from .common import (
    KEYS_OPTIMIZER,
    OPTIMIZER_CHOICES,
    active_model,
    model_label,
    model_summary,
    show_chart,
    tick_seconds,
)
from .figures import ACCENT, BLUE, OKABE_ITO_OTHERS, batch_loss_curve, confusion_figure, epoch_curves
from .i18n import Translator
from .state import UPLOADED, LabState

# Why an upload was refused: one sentence per mlp_core.io.ERROR_CODES entry
KEYS_MODELFILE = {
    "not_model": "modelfile.not_model",
    "damaged": "modelfile.damaged",
    "too_large": "modelfile.too_large",
    "unsafe": "modelfile.unsafe",
    "incomplete": "modelfile.incomplete",
    "wrong_shape": "modelfile.wrong_shape",
    "too_wide": "modelfile.too_wide",
    "bad_numbers": "modelfile.bad_numbers",
    "bad_settings": "modelfile.bad_settings",
    "newer_version": "modelfile.newer_version",
    "no_file": "modelfile.no_file",
}

TICK_SECONDS = 0.5  # the live panel redraws this often while its run trains
KEYS_PRESET = {"original": "train.preset_original", "fast": "train.preset_fast", "robust": "train.preset_robust"}
KEYS_PRESET_TEXT = {
    "original": "train.preset_original_text",
    "fast": "train.preset_fast_text",
    "robust": "train.preset_robust_text",
}
KEYS_INIT = {"seed_uniform": "train.init_seed_uniform", "xavier": "train.init_xavier", "he": "train.init_he"}
INIT_CHOICES = tuple(KEYS_INIT)
KEYS_SCHEDULE = {"constant": "train.schedule_constant", "cosine": "train.schedule_cosine"}
KEYS_METRIC = {"full": "train.metric_full", "running": "train.metric_running"}
KEYS_MOMENTUM = {False: "train.momentum_plain", True: "train.momentum_nesterov"}  # by TrainConfig.nesterov
# Labels of the controls, by control name.
KEYS_CONTROL = {
    "hidden": "train.hidden",
    "lr": "train.lr",
    "batch_size": "train.batch_size",
    "epochs": "train.epochs",
    "optimizer": "train.optimizer",
    "init": "train.init",
    "l2": "train.l2",
    "seed": "train.seed",
    "n_train": "train.n_train",
    "biases": "train.biases",
    "shuffle": "train.shuffle",
    "augment": "train.augment",
}
KEYS_RANGE = {False: "train.range_number", True: "train.range_whole"}  # by Limit.integer: what a control takes
KEYS_RUN_BUTTON = {"start": "train.start", "pause": "train.pause", "resume": "train.resume", "reset": "train.reset"}
KEYS_CURVES_ALT = {"loss": "train.loss_alt", "accuracy": "train.accuracy_alt"}  # what the charts say aloud
KEYS_CONFIRM = {RUNNING: "train.confirm_running", PAUSED: "train.confirm_paused"}  # Start over an unfinished run
KEYS_QUOTA = {
    "runs": "lab.quota_runs",
    "uploads": "lab.quota_uploads",
    "bytes": "lab.quota_bytes",
}  # QuotaExceeded.what
KEYS_AGREES = {True: "train.nb_agrees", False: "train.nb_differs"}  # by TableRow.agrees
MISTAKES_SHOWN = 24
# Containers of the upload column: the box and the page's message about the last upload
# (RESULT), which a refusal by the box itself (REFUSED) replaces in the browser.
UPLOAD_BOX, UPLOAD_REFUSED, UPLOAD_RESULT = "train_upload_box", "train_upload_refused", "train_upload_result"
OVERLAY_PALETTE = OKABE_ITO_OTHERS  # earlier runs, dotted


# --- settings ---------------------------------------------------------------------


def draw_settings(state: LabState, T: Translator, config: TrainConfig | None, total: int) -> None:
    """The presets and the controls, in a panel that folds away while a run is shown.
    The number boxes have no bounds: what is typed reaches the page, which says next to
    Start when a value is out of range (see draw_buttons)."""
    summary = setup_text(config, T, total) if config is not None else T("train.settings_out_of_range")
    with st.expander(
        T("train.settings", summary=summary),
        expanded=state.settings_open,
        key=ts.SETTINGS_KEY,
        on_change=ts.on_settings_panel,
        icon=":material/tune:",
    ):
        st.markdown(f"**{T('train.preset')}**")
        with st.container(horizontal=True, key="train_presets"):
            for name in ts.PRESET_CHOICES:
                st.button(
                    T(KEYS_PRESET[name]),
                    key=f"train_preset_{name}",
                    icon=":material/check:" if state.preset_name == name else None,
                    on_click=ts.apply_preset,
                    args=(name,),
                )
        if state.preset_name == ts.CUSTOM:
            st.caption(T("train.custom_text", preset=T(KEYS_PRESET[state.preset_base])))
        else:
            st.caption(T(KEYS_PRESET_TEXT[state.preset_base]))

        def control(widget, name: str, **kw) -> None:
            key = ts.widget_key(name, state.lang)
            widget(T(KEYS_CONTROL[name]), key=key, on_change=ts.on_control, args=(name,), **kw)

        # Rows that wrap: four controls side by side on a laptop, two on a phone.
        with st.container(horizontal=True):
            control(st.number_input, "hidden", step=16, help=T("train.hidden_help"))
            control(st.number_input, "lr", step=0.05, format="%g", help=T("train.lr_help"))
            control(st.number_input, "batch_size", step=32)
            control(st.number_input, "epochs", step=1)
        with st.container(horizontal=True):
            control(st.selectbox, "optimizer", options=OPTIMIZER_CHOICES, format_func=lambda o: optimizer_text(o, T))
            control(
                st.selectbox,
                "init",
                options=INIT_CHOICES,
                format_func=lambda i: T(KEYS_INIT[i]),
                help=T("train.init_help"),
            )
            control(st.number_input, "l2", step=1e-5, format="%g", help=T("train.l2_help"))
            control(st.number_input, "seed", step=1)
        with st.container(horizontal=True, vertical_alignment="bottom", gap="medium"):
            control(
                st.number_input,
                "n_train",
                step=1000,
                help=T("train.n_train_help", total=numbers.integer(total, T.lang)),
                width=200,
            )
            control(st.toggle, "biases")
            control(st.toggle, "shuffle")
            control(st.toggle, "augment", help=T("train.augment_help"))
        if config is not None:
            st.caption(preset_extras(config, T))


# --- start, pause, resume, reset ------------------------------------------------


def draw_buttons(state: LabState, T: Translator, view: RunView | None, check: ts.SettingsCheck) -> None:
    """Start, Pause, Resume, Reset: the one that goes on with the shown run is the primary
    one; Start over an unfinished run asks first. Settings that cannot be trained keep
    Start off, and the reason (which control, what range) is said right under it."""
    config = check.config
    running = view is not None and view.status == RUNNING
    paused = view is not None and view.status == PAUSED
    buttons = (  # key, icon, what it does, primary, enabled
        ("start", ":material/play_arrow:", ts.start_pressed, not (running or paused), config is not None),
        ("pause", ":material/pause:", ts.pause_run, running, running),
        ("resume", ":material/resume:", ts.resume_run, paused, paused),
        ("reset", ":material/restart_alt:", ts.reset_run, False, view is not None),
    )
    with st.container(horizontal=True, key="train_buttons"):
        for name, icon, action, primary, enabled in buttons:
            st.button(
                T(KEYS_RUN_BUTTON[name]),
                key=f"train_{name}",
                type="primary" if primary else "secondary",
                icon=icon,
                on_click=action,
                disabled=not enabled or (name == "start" and state.confirm_start),
            )
    if state.confirm_start and ts.unfinished(view):
        with st.container(border=True, key="train_confirm"):
            st.warning(
                T(KEYS_CONFIRM[view.status], n=view.number, done=view.epoch, count=view.config.epochs),
                icon=":material/help:",
            )
            with st.container(horizontal=True):
                st.button(T("train.confirm_yes"), key="train_confirm_yes", type="primary", on_click=ts.start_run)
                st.button(T("train.confirm_no"), key="train_confirm_no", on_click=ts.cancel_start)
    if config is None:
        with st.container(key="train_settings_problem"):
            st.error(settings_problem_text(check, T), icon=":material/block:")
    if state.quota_error:
        st.error(T(KEYS_QUOTA[state.quota_error]), icon=":material/inventory_2:")
    if view is not None and config is not None and config != view.config and not view.done:
        st.caption(T("train.next_run_note"))


# --- the live panel -------------------------------------------------------------


def draw_live(state: LabState, T: Translator, view: RunView | None) -> None:
    """The shown run's state, progress, figures and charts."""
    overlays = bool(ts.earlier_run_numbers(state)) and bool(state.overlay_runs)
    if view is None and not overlays:
        st.info(T("train.no_run"))
        return
    if view is not None:
        draw_status(state, T, view)
    history = view.history if view is not None else ()
    loss_lines = [*run_lines(history, "loss", T), *overlay_lines(state, "loss", T)]
    acc_lines = [*run_lines(history, "accuracy", T), *overlay_lines(state, "accuracy", T)]
    n_epochs = max([view.config.epochs if view is not None else 1] + [max(line["x"], default=1) for line in loss_lines])
    ch1, ch2, ch3 = st.columns(3)
    with ch1:
        st.markdown(f"**{T('train.chart_loss')}**")
        fig = epoch_curves(loss_lines, x_title=T("train.epoch"), y_title=T("train.loss"), epochs=n_epochs)
        show_chart(T, fig, key="train_chart_loss", width="stretch", alt=curves_alt(history, "loss", T))
    with ch2:
        st.markdown(f"**{T('train.chart_accuracy')}**")
        fig = epoch_curves(
            acc_lines, x_title=T("train.epoch"), y_title=T("train.accuracy"), epochs=n_epochs, percent=True
        )
        show_chart(T, fig, key="train_chart_accuracy", width="stretch", alt=curves_alt(history, "accuracy", T))
    with ch3:
        st.markdown(f"**{T('train.chart_batches')}**")
        losses = list(view.recent_losses) if view is not None else []
        first = view.first_recent_batch if view is not None else 1
        fig = batch_loss_curve(first, losses, name=T("train.loss"), x_title=T("train.batch"))
        alt = (
            T("train.batches_alt", count=len(losses), loss=loss_text(losses[-1], T))
            if losses
            else T("train.no_epochs_alt")
        )
        show_chart(T, fig, key="train_chart_batches", width="stretch", alt=alt)
    if view is not None and view.history:
        draw_epoch_table(T, view)


def draw_epoch_table(T: Translator, view: RunView) -> None:
    """The run's epochs as the seed notebook printed them, growing as the run trains; for the
    Original preset, the notebook's own values beside them."""
    seed = is_seed_run(view.config)
    st.markdown(f"**{T('train.nb_table')}**")
    st.caption(T("train.nb_table_seed_text") if seed else T("train.nb_table_text"))
    st.dataframe(
        notebook_rows(view, T),
        hide_index=True,
        width="stretch",
        column_config={T("train.nb_col_epoch"): st.column_config.NumberColumn(width=60)},
    )
    last = view.history[-1]
    if view.status == FINISHED and last["epoch"] == view.config.epochs:
        acc = numbers.printed(last["test_accuracy"], TEST_DIGITS, T.lang)
        agrees = seed_test_agrees(view.config, view.history)
        if agrees is None:
            st.caption(T("train.nb_test", acc=acc))
        else:
            seed_acc = numbers.printed(SEED_TEST_ACCURACY, TEST_DIGITS, T.lang)
            st.caption(T("train.nb_test_seed", acc=acc, seed=seed_acc, mark=T(KEYS_AGREES[agrees])))


def notebook_rows(view: RunView, T: Translator) -> list[dict]:
    """One row per epoch in the notebook's format (3 decimals, rounded as its print rounds);
    for the Original preset, what the notebook printed and whether the two agree."""
    seed = is_seed_run(view.config)
    rows = []
    for r in epoch_table(view.history, view.config):
        row = {
            T("train.nb_col_epoch"): r.epoch,
            T("train.nb_col_train_acc"): numbers.printed(r.train_accuracy, 3, T.lang),
            T("train.nb_col_loss"): numbers.printed(r.loss, 3, T.lang) if np.isfinite(r.loss) else T("train.loss_nan"),
        }
        if seed:
            if r.seed_accuracy is None:
                printed = T("train.nb_not_printed")
            else:
                loss = "—" if r.seed_loss is None else numbers.printed(r.seed_loss, 3, T.lang)
                printed = f"{numbers.printed(r.seed_accuracy, 3, T.lang)} / {loss}"
            row[T("train.nb_col_seed")] = printed
            row[T("train.nb_col_same")] = "—" if r.agrees is None else T(KEYS_AGREES[r.agrees])
        rows.append(row)
    return rows


def draw_status(state: LabState, T: Translator, view: RunView) -> None:
    cfg = view.config
    if view.status == DIVERGED:
        st.error(divergence_message(state, view, T), icon=":material/warning:")
    elif view.status == FINISHED:
        acc = view.history[-1]["test_accuracy"]
        st.success(
            T("train.finished", n=view.number, acc=numbers.percent(acc, T.lang), time=duration(view.train_seconds, T))
        )
    elif view.status == RUNNING:
        st.caption(T("train.elsewhere_note") if view.elsewhere else T("train.running_note"))
    elif view.idle_paused:
        st.info(T("train.paused_idle"))
    else:
        st.info(T("train.paused"))
    if view.done:
        progress_text = T("train.progress_done", done=view.epoch, count=cfg.epochs)
    else:
        left = duration(view.seconds_left, T) if view.status == RUNNING else "—"
        progress_text = T(
            "train.progress",
            done=view.epoch,
            count=cfg.epochs,
            pct=numbers.percent(view.progress, T.lang, 0),
            left=left,
        )
    st.progress(view.progress, text=progress_text)
    last = view.history[-1] if view.history else None
    prev = view.history[-2] if len(view.history) > 1 else None
    metrics = st.container(horizontal=True)  # four in a row, or two by two on a phone
    metrics.metric(T("train.m_epoch"), f"{view.epoch} / {cfg.epochs}")
    batch_loss = loss_text(view.recent_losses[-1], T) if view.recent_losses else "—"
    metrics.metric(T("train.m_batch_loss"), batch_loss)
    # The accuracies are those of the end of the last epoch; "Inside" below measures the current weights.
    metrics.metric(
        T("train.m_train_acc_after", epoch=last["epoch"]) if last else T("train.m_train_acc"),
        numbers.percent(last["train_accuracy"], T.lang) if last else "—",
        delta=points_text(last["train_accuracy"] - prev["train_accuracy"], T) if prev else None,
    )
    metrics.metric(
        T("train.m_test_acc_after", epoch=last["epoch"]) if last else T("train.m_test_acc"),
        numbers.percent(last["test_accuracy"], T.lang) if last else "—",
        delta=points_text(last["test_accuracy"] - prev["test_accuracy"], T) if prev else None,
    )


def live_panel(state: LabState, T: Translator) -> None:
    """The live panel, refreshed while its run trains; when the run stops, the whole page
    redraws (buttons, sidebar, what is inside the network)."""
    view = ts.shown_run(state)
    training = view is not None and view.status == RUNNING

    def body() -> None:
        now = ts.shown_run(state)
        if training and (now is None or now.status != RUNNING):
            st.rerun()
        draw_live(state, T, now)

    if training:
        st.fragment(body, run_every=tick_seconds(TICK_SECONDS))()
    else:
        draw_live(state, T, view)


# --- earlier runs ---------------------------------------------------------------


def draw_runs(state: LabState, T: Translator, total: int) -> None:
    views = ts.lab_runs(state)
    if not views:
        return
    st.subheader(T("train.runs"))

    def table() -> None:
        st.dataframe(
            run_rows(ts.lab_runs(state), T, total),
            hide_index=True,
            width="stretch",
            column_config={
                T("train.col_run"): st.column_config.NumberColumn(width=40),
                T("train.col_test_acc"): st.column_config.TextColumn(width=70),
                T("train.col_train_acc"): st.column_config.TextColumn(width=80),
            },
        )

    if any(v.status == RUNNING for v in views):  # its epochs count up with the live panel's
        st.fragment(table, run_every=tick_seconds(TICK_SECONDS))()
    else:
        table()
    earlier = ts.earlier_run_numbers(state)
    if earlier:
        st.multiselect(
            T("train.overlay"),
            earlier,
            key=ts.overlay_key(state.lang),
            on_change=ts.on_overlay,
            format_func=lambda n: T("train.run_n", n=n),
            placeholder=T("train.overlay_placeholder"),
        )


# --- inside the trained network ---------------------------------------------------


def draw_inside(state: LabState, T: Translator, view: RunView | None, data) -> None:
    if view is None or view.batches_done == 0:
        return
    st.subheader(T("train.inside"))
    if view.status == RUNNING:
        st.caption(T("train.inside_running"))
        return
    result = ts.test_evaluation(state, view)
    if view.status == DIVERGED:
        st.caption(T("train.inside_diverged", n=view.number))
    figures = dict(
        acc=numbers.percent(result.accuracy, T.lang),
        wrong=numbers.integer(int(np.sum(result.predictions != data.y_test)), T.lang),
        total=numbers.integer(len(data.y_test), T.lang),
    )
    if view.batch_index == 0:  # at the end of an epoch: the same weights as the figures above
        st.caption(T("train.inside_text", epoch=view.epoch, **figures))
    else:
        st.caption(T("train.inside_text_mid", count=view.batch_index, epoch=view.epoch + 1, **figures))
    tab_cm, tab_wrong, tab_w = st.tabs([T("train.tab_confusion"), T("train.tab_mistakes"), T("train.tab_weights")])
    with tab_cm:
        cm = confusion_matrix(data.y_test, result.predictions)
        fig = confusion_figure(cm, x_title=T("train.predicted"), y_title=T("train.true"))
        show_chart(
            T, fig, key="train_confusion", width="stretch", config={"displayModeBar": False}, alt=confusion_alt(cm, T)
        )
        st.caption(T("train.confusion_text"))
    with tab_wrong:
        idx = most_confident_mistakes(data.y_test, result, MISTAKES_SHOWN)
        if len(idx) == 0:
            st.write(T("train.no_mistakes"))
        else:
            st.caption(T("train.mistakes_text"))
            shown = [
                dict(
                    true=int(data.y_test[i]),
                    pred=int(result.predictions[i]),
                    conf=confidence_text(float(result.confidence[i]), T),
                )
                for i in idx
            ]
            st.image(
                digit_tiles(data.x_test[idx]),
                caption=[T("train.mistake", **m) for m in shown],
                alt=[T("train.mistake_alt", **m) for m in shown],
            )
    with tab_w:
        hidden = view.config.hidden
        st.multiselect(
            T("train.units"),
            list(range(hidden)),
            key=ts.UNITS_KEY,
            on_change=ts.on_units,
            max_selections=ts.MAX_UNITS,
            help=T("train.units_help"),
            placeholder=T("train.units_placeholder"),
        )
        units = ts.weight_units(state, hidden)
        if units:
            st.caption(T("train.weights_text"))
            model = lab_model(state, view.number)
            st.image(
                weight_tiles(model.W_h, units),
                caption=[T("train.unit", n=u) for u in units],
                alt=[T("train.unit_alt", n=u) for u in units],
            )


def lab_model(state: LabState, number: int):
    from .lab import get_runs

    return get_runs().saved_model(state.lab_id, number).model


# --- model files ------------------------------------------------------------------


def draw_files(state: LabState, T: Translator, view: RunView | None) -> None:
    st.subheader(T("train.files"))
    left, right = st.columns(2, gap="large")
    with left:
        if view is not None and view.status == DIVERGED:
            st.caption(T("train.download_diverged"))
        elif view is not None and view.batches_done > 0:
            st.download_button(
                T("train.download"),
                data=lambda: ts.model_file_bytes(state, view.number),
                file_name=ts.model_file_name(view),
                mime="application/octet-stream",
                key="train_download",
                icon=":material/download:",
                on_click="ignore",
            )
            st.caption(T("train.download_text"))
            st.download_button(
                T("train.download_notebook"),
                data=lambda: ts.notebook_file_bytes(view.config, T.lang),
                file_name=ts.notebook_file_name(view),
                mime="application/x-ipynb+json",
                key="train_download_notebook",
                icon=":material/description:",
                on_click="ignore",
            )
            text = T("train.download_notebook_text", n=view.number)
            if not_reproduced(view.config):
                text += " " + T("train.download_notebook_inexact")
            st.caption(text)
        else:
            st.caption(T("train.download_none"))
        _, source = active_model(state)
        if (
            view is not None
            and view.batches_done > 0
            and view.status != DIVERGED
            and not (source == "trained" and state.active_run == view.number)
        ):
            st.button(
                T("train.use_trained", n=view.number), key="train_use_trained", on_click=ts.use_run, args=(view.number,)
            )
    with right, st.container(key=UPLOAD_BOX):
        limit = numbers.integer(upload_limit_mb(), T.lang)
        st.file_uploader(
            T("train.upload"), type=["npz"], key=ts.UPLOAD_KEY, on_change=ts.on_upload, help=T("train.upload_help")
        )
        st.caption(T("train.upload_how", limit=limit))  # the box's own words ("Upload", "16MB") are Streamlit's
        # A file the box itself refuses (too large, not .npz) never reaches the server: the page's
        # message is swapped for this one in the browser (upload_refusal_style).
        with st.container(key=UPLOAD_REFUSED):
            st.html(f'<div role="alert">{html.escape(T("train.upload_refused", limit=limit))}</div>')
        with st.container(key=UPLOAD_RESULT):
            upload_result(state, T)
        upload_refusal_style()


def upload_limit_mb() -> float:
    """The largest upload Streamlit takes (server.maxUploadSize, MB): what the page says the limit is."""
    return float(st.get_option("server.maxUploadSize"))


def upload_result(state: LabState, T: Translator) -> None:
    """The last upload's outcome: why it was refused, or the model it gave."""
    if state.upload_error and st.session_state.get(ts.UPLOAD_KEY) is not None:
        st.error(upload_error_text(state, T))
    elif state.uploaded is not None:
        summary = model_summary(state.uploaded, T)
        # The file name is the user's text: shown as plain text, never as Markdown.
        if state.active == UPLOADED:
            st.success(T("train.upload_active", summary=summary), icon=":material/check_circle:")
        else:
            st.caption(T("train.upload_kept", summary=summary))
        st.text(state.uploaded_name)
        if state.uploaded.history_dropped:
            detail = state.uploaded.history_dropped.replace("`", "'")
            st.caption(T("train.upload_history_dropped") + " " + T("train.upload_detail", detail=f"`{detail}`"))
        if state.active != UPLOADED:
            st.button(T("train.use_uploaded"), key="train_use_uploaded", on_click=ts.use_uploaded)


def upload_refusal_style() -> None:
    """Show the refusal in place of the page's own message while the box's newest file is one
    it refused (an error chip, last in its list); Streamlit tells the server nothing then."""
    refused = (
        f".st-key-{UPLOAD_BOX}:has([data-testid=stFileChips] > div > div:last-child [data-testid=stFileChipIconError])"
    )
    st.html(
        f"<style>.st-key-{UPLOAD_REFUSED}{{display:none}}"
        f"{refused} .st-key-{UPLOAD_RESULT}{{display:none}}"
        f"{refused} .st-key-{UPLOAD_REFUSED}{{display:flex}}"
        # drawn as st.error draws its box; an st.error would be in the page for every script run
        f".st-key-{UPLOAD_REFUSED} [role=alert]{{background:rgba(255,43,43,.09);color:rgb(125,53,59);"
        "padding:1rem;border-radius:.5rem}</style>"
    )


def settings_problem_text(check: ts.SettingsCheck, T: Translator) -> str:
    """Why Start is off: the control out of range and the range it takes, as the language writes
    numbers; or the config's own refusal."""
    problem = check.out_of_range
    if problem is None:
        return T("train.bad_settings", reason=check.error)
    limit = problem.limit
    bounds = dict(low=setting_number(limit.low, T), high=setting_number(limit.high, T))
    return T(
        "train.out_of_range",
        field=T(KEYS_CONTROL[problem.field]),
        range=T(KEYS_RANGE[bool(limit.integer)], **bounds),
        value=setting_number(problem.value, T),
    )


def setting_number(value, T: Translator) -> str:
    """A typed value or a bound as the language writes it: 1,024 / 1 024, 0.0001 / 0,0001."""
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        return str(value)
    if isinstance(value, int) or (np.isfinite(value) and value.is_integer() and abs(value) < 1e15):
        return numbers.integer(value, T.lang)
    if np.isfinite(value) and 1e-7 <= abs(value) < 1e15:
        return numbers.shortest(value, T.lang)
    return numbers.significant(value, T.lang, 6)


def upload_error_text(state: LabState, T: Translator) -> str:
    """Why the last upload was refused, in the page's language, then the loader's own finding."""
    reason = T(KEYS_MODELFILE[state.upload_error], limit=numbers.integer(ts.MAX_HIDDEN, T.lang))
    detail = state.upload_error_detail.replace("`", "'")
    return T("train.upload_bad", reason=reason) + "\n\n" + T("train.upload_detail", detail=f"`{detail}`")


def run_rows(views: list[RunView], T: Translator, total: int) -> list[dict]:
    """One table row per run of the lab, the test accuracy first (what a narrow screen
    shows), then how the run stands, its settings and its training accuracy."""
    rows = []
    for view in views:
        last = view.history[-1] if view.history else {}
        rows.append(
            {
                T("train.col_run"): view.number,
                T("train.col_test_acc"): numbers.percent(last["test_accuracy"], T.lang) if last else "—",
                T("train.col_result"): result_text(view, T),
                T("train.col_setup"): setup_text(view.config, T, total),
                T("train.col_train_acc"): numbers.percent(last["train_accuracy"], T.lang) if last else "—",
            }
        )
    return rows


def run_lines(history, metric: str, T: Translator) -> list[dict]:
    """The shown run's train and test curves of ``metric`` ("loss" or "accuracy"): solid
    blue circles and dashed vermillion squares, told apart without colour too."""
    epochs = [r["epoch"] for r in history]
    return [
        dict(name=T("train.train"), x=epochs, y=[r[f"train_{metric}"] for r in history], color=BLUE),
        dict(
            name=T("train.test"),
            x=epochs,
            y=[r[f"test_{metric}"] for r in history],
            color=ACCENT,
            dash="dash",
            symbol="square",
        ),
    ]


def curves_alt(history, metric: str, T: Translator) -> str:
    """What a screen reader says for a chart of per-epoch curves: the latest figures."""
    if not history:
        return T("train.no_epochs_alt")
    last = history[-1]
    if metric == "loss":
        train, test = loss_text(last["train_loss"], T), loss_text(last["test_loss"], T)
    else:
        train, test = (numbers.percent(last[f"{side}_accuracy"], T.lang) for side in ("train", "test"))
    return T(KEYS_CURVES_ALT[metric], epoch=last["epoch"], train=train, test=test)


def confusion_alt(cm: np.ndarray, T: Translator) -> str:
    """The confusion matrix in a sentence: right and wrong, and the commonest mistake."""
    off = cm.copy()
    np.fill_diagonal(off, 0)
    right, wrong = int(np.trace(cm)), int(off.sum())
    if wrong == 0:
        return T("train.confusion_alt_none", right=numbers.integer(right, T.lang))
    true, pred = np.unravel_index(int(np.argmax(off)), off.shape)
    return T(
        "train.confusion_alt",
        right=numbers.integer(right, T.lang),
        wrong=numbers.integer(wrong, T.lang),
        true=int(true),
        pred=int(pred),
        count=int(off[true, pred]),
    )


def overlay_lines(state: LabState, metric: str, T: Translator) -> list[dict]:
    """The chosen earlier runs' test curves of ``metric`` ("loss" or "accuracy"), for epoch_curves."""
    earlier = ts.earlier_run_numbers(state)
    chosen = [v for v in ts.lab_runs(state) if v.number in state.overlay_runs and v.number in earlier]
    return [
        dict(
            name=T("train.run_test", n=view.number),
            x=[h["epoch"] for h in view.history],
            y=[h[f"test_{metric}"] for h in view.history],
            color=OVERLAY_PALETTE[i % len(OVERLAY_PALETTE)],
            dash="dot",
            faded=True,
        )
        for i, view in enumerate(chosen)
    ]


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


def confidence_text(confidence: float, T: Translator) -> str:
    """A mistake's confidence with one decimal; above 99.95 % it would round to a
    "100.0%" it is not, so it reads ">99.9%"."""
    if confidence >= 0.9995:
        return ">" + numbers.percent(0.999, T.lang, 1)
    return numbers.percent(confidence, T.lang, 1)


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
        return T("train.seconds", s=numbers.decimal(seconds, 1, T.lang))
    seconds = round(seconds)
    if seconds < 60:
        return T("train.seconds", s=seconds)
    return T("train.minutes", m=seconds // 60, s=seconds % 60)


def loss_text(loss: float, T: Translator) -> str:
    """A loss as the page writes it everywhere: 0.193, 2.303, 12,870 (12 870 in Russian)."""
    if not np.isfinite(loss):
        return T("train.loss_nan")
    return numbers.decimal(loss, 3 if abs(loss) < 1000 else 0, T.lang)


def points_text(change: float, T: Translator) -> str | None:
    """A change of accuracy (a difference of fractions) in percentage points: +28.3 pp;
    None (no arrow at all) when it rounds to 0.0, which is no change worth colouring."""
    if round(abs(100 * change), 1) == 0:
        return None
    sign = "+" if change >= 0 else "-"  # ASCII: st.metric colours a delta by its first character
    return sign + T("train.points", v=numbers.decimal(abs(100 * change), 1, T.lang))


def result_text(view: RunView, T: Translator) -> str:
    """How a run stands: finished with its training time, diverged, training, or paused where it stopped."""
    if view.status == FINISHED:
        return T("train.result_finished", time=duration(view.train_seconds, T))
    if view.status == DIVERGED:
        return T("train.result_diverged", epoch=view.epoch + 1)
    if view.status == RUNNING:
        return T("train.result_training", done=view.epoch, count=view.config.epochs)
    return T("train.result_stopped", done=view.epoch, count=view.config.epochs, time=duration(view.train_seconds, T))


def divergence_message(state: LabState, view: RunView, T: Translator) -> str:
    """What happened, what to try instead, and which model the other pages use now."""
    loss = view.diverged_loss
    _, source = active_model(state)
    return T(
        "train.diverged",
        epoch=view.epoch + 1,
        loss=loss_text(loss, T) if loss is not None else T("train.loss_nan"),
        lr=numbers.shortest(view.config.lr, T.lang),
        suggestion=numbers.shortest(suggested_lr(view.config), T.lang),
        model=model_label(state, source, T),
    )


def optimizer_text(name: str, T: Translator) -> str:
    return T(KEYS_OPTIMIZER[name])


def setup_text(config: TrainConfig, T: Translator, total: int) -> str:
    """One line: shape, optimizer, learning rate, batch, training images, epochs."""
    return T(
        "train.setup",
        hidden=config.hidden,
        optimizer=optimizer_text(config.optimizer, T),
        lr=numbers.shortest(config.lr, T.lang),
        batch=config.batch_size,
        images=T("train.n_images", count=config.train_size or total),
        epochs=T("train.n_epochs", count=config.epochs),
    )


def preset_extras(config: TrainConfig, T: Translator) -> str:
    """The settings that come from the preset and have no control of their own."""
    text = T(
        "train.preset_extra",
        schedule=T(KEYS_SCHEDULE[config.schedule]),
        dtype=config.dtype,
        metric=T(KEYS_METRIC[config.train_metric]),
    )
    if config.optimizer == "momentum":
        text += " " + T(KEYS_MOMENTUM[bool(config.nesterov)], mu=f"{config.momentum:g}")
    return text
