"""Train: presets and controls, Start/Pause/Resume/Reset, live charts, earlier runs,
what the trained network gets wrong and what its hidden units look at, model files."""

import numpy as np
import streamlit as st

from mlp_core.data import DatasetError
from mlp_core.metrics import confusion_matrix
from ui import train_view as tv
from ui.common import decimal, get_dataset, get_state, model_summary, page_setup, percent, show_chart
from ui.figures import ACCENT, BLUE, batch_loss_curve, confusion_figure, epoch_curves
from ui.gate import freeze_startup_heap
from ui.state import TRAINED, UPLOADED, trained_model

freeze_startup_heap()  # once per process: see ui/gate.py

T = page_setup("nav.train")
state = get_state()
try:
    data = get_dataset()
except DatasetError as exc:
    st.error(T("error.dataset", reason=str(exc)))
    st.stop()
N_TOTAL = len(data.y_train)
tv.ensure_settings(state, N_TOTAL)
tv.restore_widgets(state)

st.title(T("nav.train"))
st.write(T("train.intro"))

# --- settings ---------------------------------------------------------------------

try:
    config = tv.config_from_settings(state, N_TOTAL)
    config_error = ""
except ValueError as exc:
    config, config_error = None, str(exc)

# Open before the first run; closed while a run exists, so that its progress and charts
# come up to the top of the page (the label says what the settings are; one click opens them).
settings_panel = st.expander(
    T("train.settings", summary=tv.setup_text(config, T, N_TOTAL) if config is not None else "—"),
    expanded=state.settings_open,
    key=tv.SETTINGS_KEY,
    on_change=tv.on_settings_panel,
    icon=":material/tune:",
)
with settings_panel:
    st.markdown(f"**{T('train.preset')}**")
    with st.container(horizontal=True, key="train_presets"):
        for name, key in zip(tv.PRESET_CHOICES, tv.KEYS_PRESET, strict=True):
            chosen = state.preset_name == name
            st.button(
                T(key),
                key=f"train_preset_{name}",
                icon=":material/check:" if chosen else None,
                on_click=tv.apply_preset,
                args=(name,),
            )
    base_label = T(tv.KEYS_PRESET[tv.PRESET_CHOICES.index(state.preset_base)])
    if state.preset_name == tv.CUSTOM:
        st.caption(T("train.custom_text", preset=base_label))
    else:
        st.caption(T(tv.KEYS_PRESET_TEXT[tv.PRESET_CHOICES.index(state.preset_base)]))

    # Labels of the controls, by the key passed to control() below.
    KEYS_CONTROL = (
        "train.hidden", "train.lr", "train.batch_size", "train.epochs", "train.optimizer", "train.init", "train.l2",
        "train.seed", "train.n_train", "train.biases", "train.shuffle", "train.augment",
    )  # fmt: skip

    def control(widget, name: str, label_key: str, **kw) -> None:
        widget(T(label_key), key=tv.widget_key(name, state.lang), on_change=tv.on_control, args=(name,), **kw)

    # Rows that wrap: four controls side by side on a laptop, two on a phone.
    with st.container(horizontal=True):
        control(
            st.number_input,
            "hidden",
            "train.hidden",
            min_value=1,
            max_value=tv.MAX_HIDDEN,
            step=16,
            help=T("train.hidden_help"),
        )
        control(
            st.number_input,
            "lr",
            "train.lr",
            min_value=0.0001,
            max_value=1000.0,
            step=0.05,
            format="%g",
            help=T("train.lr_help"),
        )
        control(st.number_input, "batch_size", "train.batch_size", min_value=1, max_value=tv.MAX_BATCH, step=32)
        control(st.number_input, "epochs", "train.epochs", min_value=1, max_value=200, step=1)
    with st.container(horizontal=True):
        control(
            st.selectbox,
            "optimizer",
            "train.optimizer",
            options=tv.OPTIMIZER_CHOICES,
            format_func=lambda o: T(tv.KEYS_OPTIMIZER[tv.OPTIMIZER_CHOICES.index(o)]),
        )
        control(
            st.selectbox,
            "init",
            "train.init",
            options=tv.INIT_CHOICES,
            format_func=lambda i: T(tv.KEYS_INIT[tv.INIT_CHOICES.index(i)]),
            help=T("train.init_help"),
        )
        control(
            st.number_input,
            "l2",
            "train.l2",
            min_value=0.0,
            max_value=1.0,
            step=1e-5,
            format="%g",
            help=T("train.l2_help"),
        )
        control(st.number_input, "seed", "train.seed", min_value=0, max_value=2**32 - 1, step=1)
    with st.container(horizontal=True, vertical_alignment="bottom", gap="medium"):
        control(
            st.number_input,
            "n_train",
            "train.n_train",
            min_value=100,
            max_value=N_TOTAL,
            step=1000,
            help=T("train.n_train_help", total=f"{N_TOTAL:,}"),
            width=200,
        )
        control(st.toggle, "biases", "train.biases")
        control(st.toggle, "shuffle", "train.shuffle")
        control(st.toggle, "augment", "train.augment", help=T("train.augment_help"))

    if config is not None:
        st.caption(tv.preset_extras(config, T))
    else:
        st.error(T("train.bad_settings", reason=config_error))

# --- start, pause, resume, reset ------------------------------------------------

tr = state.trainer
with st.container(horizontal=True, key="train_buttons"):
    st.button(
        T("train.start"),
        key="train_start",
        type="primary",
        icon=":material/play_arrow:",
        on_click=tv.start_run,
        disabled=config is None or state.train_running,
    )
    st.button(
        T("train.pause"),
        key="train_pause",
        icon=":material/pause:",
        on_click=tv.pause_run,
        disabled=not state.train_running,
    )
    st.button(
        T("train.resume"),
        key="train_resume",
        icon=":material/resume:",
        on_click=tv.resume_run,
        disabled=tr is None or tr.done or state.train_running,
    )
    st.button(
        T("train.reset"), key="train_reset", icon=":material/restart_alt:", on_click=tv.reset_run, disabled=tr is None
    )
if tr is not None and config is not None and config != tr.config:
    st.caption(T("train.next_run_note"))


# --- the live panel -------------------------------------------------------------


def draw_live() -> None:
    tr = state.trainer
    overlays = bool(tv.earlier_run_numbers(state)) and bool(state.overlay_runs)
    if tr is None and not overlays:
        st.info(T("train.no_run"))
        return
    if tr is not None:
        cfg = tr.config
        if tr.status == "diverged":
            st.error(tv.divergence_message(state, T), icon=":material/warning:")
        elif tr.status == "finished":
            acc = tr.history[-1].test_accuracy
            st.success(
                T("train.finished", n=state.run_number, acc=percent(acc, T), time=tv.duration(tr.train_seconds, T))
            )
        elif state.train_running:
            st.caption(T("train.running_note"))
        else:
            st.info(T("train.paused"))
        if tr.done:
            progress_text = T("train.progress_done", done=tr.epoch, epochs=cfg.epochs)
        else:
            left = tv.duration(tv.seconds_left(state), T)
            progress_text = T("train.progress", done=tr.epoch, epochs=cfg.epochs, pct=f"{tr.progress:.0%}", left=left)
        st.progress(min(tr.progress, 1.0), text=progress_text)
        last = tr.history[-1] if tr.history else None
        prev = tr.history[-2] if len(tr.history) > 1 else None
        metrics = st.container(horizontal=True)  # four in a row, or two by two on a phone
        metrics.metric(T("train.m_epoch"), f"{tr.epoch} / {cfg.epochs}")
        metrics.metric(T("train.m_batch_loss"), tv.loss_text(tr.batch_losses[-1], T) if tr.batch_losses else "—")
        # The accuracies are those of the end of the last epoch; "Inside" below measures the current weights.
        metrics.metric(
            T("train.m_train_acc_after", epoch=last.epoch) if last else T("train.m_train_acc"),
            percent(last.train_accuracy, T) if last else "—",
            delta=tv.points_text(last.train_accuracy - prev.train_accuracy, T) if prev else None,
        )
        metrics.metric(
            T("train.m_test_acc_after", epoch=last.epoch) if last else T("train.m_test_acc"),
            percent(last.test_accuracy, T) if last else "—",
            delta=tv.points_text(last.test_accuracy - prev.test_accuracy, T) if prev else None,
        )
    history = tr.history if tr is not None else []
    epochs = [r.epoch for r in history]
    loss_lines = [
        dict(name=T("train.train"), x=epochs, y=[r.train_loss for r in history], color=BLUE),
        dict(name=T("train.test"), x=epochs, y=[r.test_loss for r in history], color=ACCENT),
        *tv.overlay_lines(state, "loss", T),
    ]
    acc_lines = [
        dict(name=T("train.train"), x=epochs, y=[r.train_accuracy for r in history], color=BLUE),
        dict(name=T("train.test"), x=epochs, y=[r.test_accuracy for r in history], color=ACCENT),
        *tv.overlay_lines(state, "accuracy", T),
    ]
    n_epochs = max([tr.config.epochs if tr is not None else 1] + [max(line["x"], default=1) for line in loss_lines])
    ch1, ch2, ch3 = st.columns(3)
    with ch1:
        st.markdown(f"**{T('train.chart_loss')}**")
        show_chart(
            T,
            epoch_curves(loss_lines, x_title=T("train.epoch"), y_title=T("train.loss"), epochs=n_epochs),
            key="train_chart_loss",
            width="stretch",
        )
    with ch2:
        st.markdown(f"**{T('train.chart_accuracy')}**")
        show_chart(
            T,
            epoch_curves(
                acc_lines, x_title=T("train.epoch"), y_title=T("train.accuracy"), epochs=n_epochs, percent=True
            ),
            key="train_chart_accuracy",
            width="stretch",
        )
    with ch3:
        st.markdown(f"**{T('train.chart_batches')}**")
        losses = tr.batch_losses[-tv.RECENT_BATCHES :] if tr is not None else []
        first = len(tr.batch_losses) - len(losses) + 1 if tr is not None else 1
        show_chart(
            T,
            batch_loss_curve(first, losses, name=T("train.loss"), x_title=T("train.batch")),
            key="train_chart_batches",
            width="stretch",
        )


@st.fragment(run_every=tv.TICK_SECONDS if state.train_running else None)
def live_panel() -> None:
    # One chunk of training per tick; the trainer is in the session before anything is drawn.
    if tv.train_chunk(state):
        st.rerun()  # the run ended: redraw the whole page (buttons, sidebar, analysis)
    draw_live()


live_panel()

# --- earlier runs ---------------------------------------------------------------

if state.runs:
    st.subheader(T("train.runs"))
    st.dataframe(
        tv.run_rows(state, T, N_TOTAL),
        hide_index=True,
        width="stretch",
        column_config={
            T("train.col_run"): st.column_config.NumberColumn(width=40),
            T("train.col_test_acc"): st.column_config.TextColumn(width=70),
            T("train.col_train_acc"): st.column_config.TextColumn(width=80),
        },
    )
    earlier = tv.earlier_run_numbers(state)
    if earlier:
        st.multiselect(
            T("train.overlay"),
            earlier,
            key=tv.overlay_key(state.lang),
            on_change=tv.on_overlay,
            format_func=lambda n: T("train.run_n", n=n),
            placeholder=T("train.overlay_placeholder"),
        )

# --- inside the trained network ---------------------------------------------------

tr = state.trainer
if tr is not None and tr.batches_done > 0:
    st.subheader(T("train.inside"))
    if state.train_running:
        st.caption(T("train.inside_running"))
    else:
        result = tv.test_evaluation(state)
        if tr.status == "diverged":
            st.caption(T("train.inside_diverged", n=state.run_number))
        numbers = dict(
            acc=percent(result.accuracy, T),
            wrong=decimal(int(np.sum(result.predictions != data.y_test)), 0, T),
            total=decimal(len(data.y_test), 0, T),
        )
        if tr.batch_index == 0:  # at the end of an epoch: the same weights as the figures above
            st.caption(T("train.inside_text", epoch=tr.epoch, **numbers))
        else:
            st.caption(T("train.inside_text_mid", batches=tr.batch_index, epoch=tr.epoch + 1, **numbers))
        tab_cm, tab_wrong, tab_w = st.tabs([T("train.tab_confusion"), T("train.tab_mistakes"), T("train.tab_weights")])
        with tab_cm:
            cm = confusion_matrix(data.y_test, result.predictions)
            show_chart(
                T,
                confusion_figure(cm, x_title=T("train.predicted"), y_title=T("train.true")),
                key="train_confusion",
                width="stretch",
            )
            st.caption(T("train.confusion_text"))
        with tab_wrong:
            idx = tv.most_confident_mistakes(data.y_test, result, tv.MISTAKES_SHOWN)
            if len(idx) == 0:
                st.write(T("train.no_mistakes"))
            else:
                st.caption(T("train.mistakes_text"))
                captions = [
                    T(
                        "train.mistake",
                        true=int(data.y_test[i]),
                        pred=int(result.predictions[i]),
                        conf=tv.confidence_text(float(result.confidence[i]), T),
                    )
                    for i in idx
                ]
                st.image(tv.digit_tiles(data.x_test[idx]), caption=captions)
        with tab_w:
            st.multiselect(
                T("train.units"),
                list(range(tr.model.hidden)),
                key=tv.UNITS_KEY,
                on_change=tv.on_units,
                max_selections=tv.MAX_UNITS,
                help=T("train.units_help"),
                placeholder=T("train.units_placeholder"),
            )
            units = tv.weight_units(state, tr.model.hidden)
            if units:
                st.caption(T("train.weights_text"))
                st.image(tv.weight_tiles(tr.model.W_h, units), caption=[T("train.unit", n=u) for u in units])

# --- model files ------------------------------------------------------------------

st.subheader(T("train.files"))
left, right = st.columns(2, gap="large")
with left:
    if tr is not None and tr.status == "diverged":
        st.caption(T("train.download_diverged"))
    elif tr is not None and tr.batches_done > 0:
        st.download_button(
            T("train.download"),
            data=lambda: tv.model_file_bytes(state),
            file_name=tv.model_file_name(state),
            mime="application/octet-stream",
            key="train_download",
            icon=":material/download:",
            on_click="ignore",
        )
        st.caption(T("train.download_text"))
    else:
        st.caption(T("train.download_none"))
    usable = trained_model(state)  # the current run's model, or the last usable one before it
    if state.active != TRAINED and usable is not None:
        st.button(
            T("train.use_trained", n=usable.meta.get("run", "")), key="train_use_trained", on_click=tv.use_trained
        )
with right:
    st.file_uploader(
        T("train.upload"), type=["npz"], key=tv.UPLOAD_KEY, on_change=tv.on_upload, help=T("train.upload_help")
    )
    st.caption(T("train.upload_how"))  # the box's own words ("Upload", "16MB per file") are Streamlit's, in English
    if state.upload_error and st.session_state.get(tv.UPLOAD_KEY) is not None:
        st.error(tv.upload_error_text(state, T))
    elif state.uploaded is not None:
        summary = model_summary(state.uploaded, T)
        if state.active == UPLOADED:
            st.success(T("train.upload_active", name=state.uploaded_name, summary=summary))
        else:
            st.caption(T("train.upload_kept", name=state.uploaded_name, summary=summary))
            st.button(T("train.use_uploaded"), key="train_use_uploaded", on_click=tv.use_uploaded)
