"""What every page shares: page setup, the sidebar, the session state, shared data.

Pages call ``page_setup`` first; it returns a translator bound to the
session's language: ``T = page_setup("nav.train")`` then ``st.header(T("..."))``.
"""

from __future__ import annotations

from pathlib import Path

# Imported here, under this module's import lock, before any page runs: left to
# st.dataframe, the first import of pandas could happen in several sessions'
# threads at once and fail with "partially initialized module 'pandas'".
import pandas  # noqa: F401
import pyarrow  # noqa: F401
import streamlit as st

from labs.gate import TrainingGate, configure_process
from labs.runs import PAUSED, RUNNING
from mlp_core.data import Dataset, load_mnist
from mlp_core.io import SavedModel, load_default_model

from . import lab, numbers
from .figures import with_separators
from .i18n import LANGUAGES, Translator, t
from .state import DEFAULT, TRAINED, UPLOADED, LabState

# Why the store keeps nothing past a restart (labs.store's LabStore.problem), and why a link opened a new lab.
KEYS_STORE_PROBLEM = {
    "corrupt": "lab.problem_corrupt",
    "disk_full": "lab.problem_disk_full",
    "unavailable": "lab.problem_unavailable",
}
KEYS_LAB_NOTICE = {"unknown": "lab.notice_unknown", "expired": "lab.notice_expired"}
# The tab's icon, served by the app itself (a Material icon would be fetched from Google's font server).
ICON = Path(__file__).with_name("assets") / "icon.png"
SIDEBAR_TICK_SECONDS = 1.0  # the sidebar's figures of a training run refresh this often
CROWD_TICK_FACTOR = 4  # ... and this many times less often on a crowded server (see tick_seconds)

# mlp_core.config.OPTIMIZERS, as the controls list them, and their names' keys
KEYS_OPTIMIZER = {"sgd": "train.opt_sgd", "momentum": "train.opt_momentum", "adam": "train.opt_adam"}
OPTIMIZER_CHOICES = tuple(KEYS_OPTIMIZER)
KEYS_NAV = ("nav.home", "nav.maths", "nav.train", "nav.draw", "nav.room")
# (script, title key, icon) of every page, in menu order.
PAGES = tuple(
    zip(
        ("app.py", "pages/1_Maths.py", "pages/2_Train.py", "pages/3_Draw.py", "pages/4_Room.py"),
        KEYS_NAV,
        (":material/home:", ":material/functions:", ":material/show_chart:", ":material/draw:", ":material/groups:"),
        strict=True,
    )
)


def get_state() -> LabState:
    """This session's LabState, created on first use."""
    if "lab" not in st.session_state:
        st.session_state["lab"] = LabState()
    return st.session_state["lab"]


@st.cache_resource(show_spinner=False)
def get_dataset() -> Dataset:
    """MNIST, loaded once per server process and shared read-only by all sessions."""
    return load_mnist()


def tick_seconds(base: float) -> float:
    """How often a live figure redraws: every ``base`` seconds, or CROWD_TICK_FACTOR times
    less often while more runs train than the server has cores. Each redraw of each
    watching page costs the CPU those runs share: in a room of 60 on 2 cores, redraws
    every 0.5 s took about as much CPU as the training itself."""
    gate = get_gate()
    return base if gate.active_sessions() <= gate.cores else base * CROWD_TICK_FACTOR


@st.cache_resource(show_spinner=False)
def get_gate() -> TrainingGate:
    """The one gate through which every run's training chunks share the server's cores."""
    return TrainingGate()


@st.cache_resource(show_spinner=False)
def get_default_model() -> SavedModel:
    """The bundled model, shared read-only by all sessions (copy it before changing it)."""
    return load_default_model()


def active_model(state: LabState) -> tuple[SavedModel, str]:
    """The model the Maths and Draw pages use, and its source (DEFAULT, TRAINED, UPLOADED).

    Falls back to the bundled model when the chosen one is not there.
    """
    if state.active == TRAINED:
        saved = lab.active_run_model(state)
        if saved is not None:
            return saved, TRAINED
    if state.active == UPLOADED and state.uploaded is not None:
        return state.uploaded, UPLOADED
    return get_default_model(), DEFAULT


def show_chart(T: Translator, fig, **kwargs) -> None:
    """``st.plotly_chart`` with the language's number format on the axes and hovers (92,5 % in Russian)."""
    st.plotly_chart(with_separators(fig, numbers.chart_separators(T.lang)), **kwargs)


def optimizer_label(name: str, T: Translator) -> str:
    """The optimizer's name as the Train page's controls show it ("SGD with momentum")."""
    return T(KEYS_OPTIMIZER[name]) if name in KEYS_OPTIMIZER else name


def model_label(state: LabState, source: str, T: Translator) -> str:
    """A short human name for a model source."""
    if source == TRAINED:
        return T("model.trained_run", n=state.active_run) if state.active_run else T("model.trained")
    if source == UPLOADED:
        return T("model.uploaded")  # its file name is the user's text: shown apart, as plain text
    return T("model.default")


def run_status(state: LabState, source: str, T: Translator) -> tuple[str | None, bool]:
    """How far the active model's run is when it is unfinished (else None), and whether it
    is training now. The run trains on the server whichever page is open."""
    view = lab.run_view(state, state.active_run) if source == TRAINED else None
    if view is None or view.status not in (RUNNING, PAUSED):
        return None, False
    done, total = view.epoch, view.config.epochs
    if view.status == PAUSED:
        return T("model.run_paused", done=done, count=total), False
    return T("model.run_training", done=done, count=total, pct=numbers.percent(view.progress, T.lang, 0)), True


def model_summary(saved: SavedModel, T: Translator) -> str:
    """One line: shape, optimizer, epochs and test accuracy of a model."""
    hidden = saved.model.hidden
    if saved.config is None or not saved.history:
        return T("model.summary_short", hidden=hidden)
    acc = saved.history[-1].get("test_accuracy")
    return T(
        "model.summary",
        hidden=hidden,
        optimizer=optimizer_label(saved.config.optimizer, T),
        epochs=len(saved.history),
        acc=numbers.percent(acc, T.lang) if acc is not None else "—",
    )


def choice_key(key: str, lang: str) -> str:
    """The key of a choice widget whose option labels are translated: one per language.

    Streamlit keeps such a widget's value as the label the browser shows. After a
    language switch the browser sends back the old label, which matches no option
    and would come back as a raw string ("Notebook's uniform" instead of
    "seed_uniform"). A key per language gives a fresh widget, filled from the
    session's state.
    """
    return f"{key}_{lang}"


def _set_language() -> None:
    state = get_state()
    state.lang = st.session_state["lang_select"]
    lab.save(state)


def page_setup(title_key: str, *, layout: str = "wide") -> Translator:
    """Configure the page, open the session's lab, draw the shared sidebar, return the translator."""
    configure_process()
    state = get_state()
    title = f"{t(title_key, state.lang)} · Backprop Lab"
    st.set_page_config(page_title=title, page_icon=str(ICON), layout=layout)
    lab.open_lab(state)

    T = Translator(state.lang)
    with st.sidebar:
        # Written back each run: a keyed widget forgets its value when its page is left.
        st.session_state["lang_select"] = state.lang
        st.selectbox(
            T("lang.label"),
            options=list(LANGUAGES),
            format_func=LANGUAGES.__getitem__,
            key="lang_select",
            on_change=_set_language,
        )
        for path, key, icon in PAGES:
            st.page_link(path, label=T(key), icon=icon)
        st.divider()
        _, source = active_model(state)
        _, training = run_status(state, source, T)
        active_model_box(state, T, training)
        lab_box(state, T)
    lab_notices(state, T)
    return T


def _active_model_body(state: LabState, T: Translator, training: bool) -> None:
    lab.open_lab(state)  # a tick of the fragment: the lab's document may have changed (a run ended)
    saved, source = active_model(state)
    st.caption(T("model.active"))
    st.markdown(f"**{model_label(state, source, T)}**  \n{model_summary(saved, T)}")
    if source == UPLOADED:
        st.text(state.uploaded_name)
    status, still = run_status(state, source, T)
    if status:
        st.caption(status)
    if training and not still:
        st.rerun()  # the run ended: the whole page redraws (it may show its result)


def active_model_box(state: LabState, T: Translator, training: bool) -> None:
    """The active model, refreshed while its run trains (on every page: the run goes on)."""
    if training:
        st.fragment(_active_model_body, run_every=tick_seconds(SIDEBAR_TICK_SECONDS))(state, T, training)
    else:
        _active_model_body(state, T, training)


def lab_box(state: LabState, T: Translator) -> None:
    """Where the user's work is kept: this page's address is their lab."""
    problem = lab.get_store().problem
    if problem:
        st.caption(T(KEYS_STORE_PROBLEM[problem]))
    st.caption(T("lab.link_help"))


def lab_notices(state: LabState, T: Translator) -> None:
    """Above the page, once: the link opened no lab, or the store keeps nothing past a restart."""
    if state.lab_notice:
        st.warning(T(KEYS_LAB_NOTICE[state.lab_notice]), icon=":material/link_off:")
        state.lab_notice = ""
    problem = lab.get_store().problem
    if problem and not state.extra.get("problem_said"):
        st.warning(T(KEYS_STORE_PROBLEM[problem]), icon=":material/database:")
        state.extra["problem_said"] = True
