"""The Train page under AppTest: presets fill the controls; a run trains on the server
(labs.runs) while the page, other pages, a reload or a restarted server only watch it;
model files go in and out; a diverging learning rate is stopped and explained.

``run_every`` never ticks in AppTest: tests wait for the run's worker
(``wait_run``) and then run the page again, as a tick would.
"""

from __future__ import annotations

import io
import json
import re
import time
from pathlib import Path

import numpy as np
import pytest
from streamlit.testing.v1 import AppTest

from labs.runs import RECENT_BATCHES
from mlp_core import ModelFileError, load_mnist, load_model, model_to_bytes, preset, train
from ui import lab as lab_module
from ui import train_session as ts
from ui import train_view as tv
from ui.common import active_model
from ui.i18n import Translator, t
from ui.state import LabState

ROOT = Path(__file__).resolve().parents[1]


def open_page(page: str, state: LabState | None = None, lab_id: str | None = None) -> AppTest:
    """A page as the multipage app runs it (app.py is the entry point, so the sidebar's
    page links resolve), with an existing session's state, or as a new tab opening a lab link."""
    at = AppTest.from_file(str(ROOT / "app.py"), default_timeout=120)
    at.switch_page(page)
    if state is not None:
        at.session_state["lab"] = state
    if lab_id is not None:
        at.query_params["lab"] = lab_id
    at.run()
    assert not at.exception, [e.message for e in at.exception]
    return at


def open_train(state: LabState | None = None, lab_id: str | None = None) -> AppTest:
    return open_page("pages/2_Train.py", state, lab_id)


def open_draw(state: LabState | None = None, lab_id: str | None = None) -> AppTest:
    """The Draw page: in the same session (state), or in another tab of the same lab (lab_id)."""
    return open_page("pages/3_Draw.py", state, lab_id)


def lab(at: AppTest) -> LabState:
    return at.session_state["lab"]


def widget(at: AppTest, name: str):
    key = ts.widget_key(name)
    if name in ("optimizer", "init"):
        return at.selectbox(key=key)
    if name in ("biases", "shuffle", "augment"):
        return at.toggle(key=key)
    return at.number_input(key=key)


def set_control(at: AppTest, name: str, value) -> None:
    widget(at, name).set_value(value)
    at.run()
    assert not at.exception, [e.message for e in at.exception]


def small_run(at: AppTest, n_train: int = 2000, epochs: int = 2, **others) -> None:
    set_control(at, "n_train", n_train)
    set_control(at, "epochs", epochs)
    for name, value in others.items():
        set_control(at, name, value)


def view(at: AppTest):
    return ts.shown_run(lab(at))


def wait_run(at: AppTest) -> None:
    """Wait for the shown run's worker to stop, then draw the page as a tick would."""
    state = lab(at)
    lab_module.get_runs().wait(state.lab_id, state.current_run, timeout=300)
    at.run()
    assert not at.exception, [e.message for e in at.exception]


def wait_batches(at: AppTest, n: int, timeout: float = 60) -> None:
    deadline = time.monotonic() + timeout
    while view(at).batches_done < n:
        assert time.monotonic() < deadline, "the run did not train"
        time.sleep(0.01)


@pytest.fixture(autouse=True)
def no_run_outlives_its_test():
    """Runs train on server threads: whatever a test left training is paused after it."""
    yield
    lab_module.get_runs().shutdown()


def texts(elements) -> str:
    return "\n".join(str(e.value) for e in elements)


def same_weights(a, b) -> bool:
    return all(np.array_equal(a.params()[k], v) for k, v in b.params().items())


@pytest.mark.parametrize("lang", ["en", "ru"])
def test_page_renders_with_presets_and_controls(lang):
    at = open_train(LabState(lang=lang))
    assert at.button(key="train_preset_original").proto.icon == ":material/check:"  # the chosen preset
    assert at.button(key="train_preset_fast").proto.icon == ""
    assert at.button(key="train_start").disabled is False and at.button(key="train_start").proto.type == "primary"
    assert at.button(key="train_pause").disabled is True
    assert at.button(key="train_resume").disabled is True
    assert at.button(key="train_reset").disabled is True
    assert len(at.info) >= 1  # "press Start" in place of the charts
    assert re.fullmatch(r"[A-Za-z0-9_-]{22}", at.query_params["lab"])  # the lab's link


# The seed notebook's settings, as its cells set them (the Original preset's controls).
NOTEBOOK_SETTINGS = {
    "hidden": 128,
    "lr": 0.5,
    "batch_size": 256,
    "epochs": 50,
    "optimizer": "sgd",
    "init": "seed_uniform",
    "biases": False,
    "shuffle": False,
    "l2": 0.0,
    "n_train": 60000,
    "seed": 42,
}


def test_original_preset_fills_the_notebooks_values():
    at = open_train()
    at.button(key="train_preset_fast").click().run()
    fast = preset("fast")
    assert widget(at, "lr").value == pytest.approx(fast.lr) and widget(at, "epochs").value == fast.epochs
    assert widget(at, "optimizer").value == fast.optimizer and widget(at, "biases").value is fast.biases
    assert widget(at, "init").value == fast.init != "seed_uniform"
    at.button(key="train_preset_original").click().run()
    assert {name: widget(at, name).value for name in NOTEBOOK_SETTINGS} == NOTEBOOK_SETTINGS
    assert lab(at).train_settings["lr"] == 0.5
    # Any control changed makes the settings custom; the preset they came from stays the base.
    set_control(at, "hidden", 64)
    assert lab(at).preset_name == "custom"
    assert "Custom settings, based on the Original notebook preset" in texts(at.caption)
    assert at.button(key="train_preset_original").proto.icon == ""
    assert ts.config_from_settings(lab(at), 60000) == preset("original", hidden=64)


def test_short_run_completes_and_keeps_history_and_model():
    at = open_train()
    small_run(at)
    at.button(key="train_start").click().run()
    state = lab(at)
    assert state.active == "trained" and state.active_run == state.current_run == 1
    wait_run(at)
    v = view(at)
    assert v.status == "finished" and len(v.history) == 2
    assert v.config == preset("original", train_size=2000, epochs=2)
    assert v.history[-1]["test_accuracy"] > 0.4  # chance is 0.1; 16 batches of the notebook reach about 0.56
    assert "Run 1 finished" in texts(at.success)
    assert at.button(key="train_resume").disabled is True
    # Analysis of the trained weights: confusion matrix, mistakes, weights.
    assert len(at.get("plotly_chart")) == 4  # loss, accuracy, recent batches, confusion
    mistakes, weights = at.get("image")
    assert len(mistakes.captions) == tv.MISTAKES_SHOWN and "→" in mistakes.captions[0]
    assert weights.captions == [f"unit {j}" for j in range(16)]
    # The model file holds exactly the weights of the same run trained without the app.
    saved = load_model(ts.model_file_bytes(state, 1))
    reference = train(v.config, load_mnist())
    assert same_weights(saved.model, reference.model) and saved.config == v.config
    assert len(saved.history) == 2


def test_pause_then_resume_gives_the_weights_of_an_uninterrupted_run():
    at = open_train()
    small_run(at, n_train=20000, epochs=2, shuffle=True, optimizer="momentum", batch_size=8)
    at.button(key="train_start").click().run()
    wait_batches(at, 20)
    at.button(key="train_pause").click().run()
    paused = view(at)
    assert paused.status == "paused" and paused.batches_done < paused.total_batches
    time.sleep(0.2)
    at.run()
    assert view(at).batches_done == paused.batches_done  # nothing trains after Pause returns
    assert "Paused" in texts(at.info)
    # Resume is now what the page offers first; Start asks before it replaces the run.
    assert at.button(key="train_resume").proto.type == "primary"
    assert at.button(key="train_start").proto.type == "secondary"
    at.button(key="train_resume").click().run()
    wait_run(at)
    assert view(at).status == "finished"
    reference = train(view(at).config, load_mnist())
    assert same_weights(lab_module.get_runs().saved_model(lab(at).lab_id, 1).model, reference.model)
    assert [h["test_accuracy"] for h in view(at).history] == [r.test_accuracy for r in reference.history]


def test_start_over_an_unfinished_run_asks_first():
    at = open_train()
    small_run(at, n_train=60000, epochs=20)
    at.button(key="train_start").click().run()
    at.button(key="train_pause").click().run()
    assert view(at).status == "paused"
    at.button(key="train_start").click().run()
    assert lab(at).current_run == 1  # nothing replaced yet: the page asks
    assert "Run 1 is paused" in texts(at.warning)
    at.button(key="train_confirm_no").click().run()
    assert lab(at).current_run == 1 and not lab(at).confirm_start
    with pytest.raises(KeyError):
        at.button(key="train_confirm_yes")
    at.button(key="train_resume").click().run()
    at.button(key="train_start").click().run()
    assert "Run 1 is still training" in texts(at.warning)
    at.button(key="train_confirm_yes").click().run()
    state = lab(at)
    assert state.current_run == 2 and state.active_run == 2
    runs = {v.number: v for v in ts.lab_runs(state)}
    assert runs[1].status == "paused"  # kept, paused, in the list of runs
    lab_module.get_runs().pause(state.lab_id, 2)


def test_a_run_goes_on_while_the_user_is_on_another_page():
    at = open_train()
    small_run(at, n_train=60000, epochs=50)
    at.button(key="train_start").click().run()
    state = lab(at)
    draw = open_draw(state)  # the user leaves for the Draw page; no Train page runs from now on
    assert "Training on the server" in texts(draw.sidebar.caption)
    runs = lab_module.get_runs()
    before = runs.view(state.lab_id, 1).batches_done
    deadline = time.monotonic() + 30
    while runs.view(state.lab_id, 1).batches_done < before + 20:
        assert time.monotonic() < deadline, "the run stopped when its page was left"
        time.sleep(0.05)
    draw.run()
    assert "Run 1, trained in this lab" in texts(draw.sidebar.markdown)
    runs.pause(state.lab_id, 1)
    back = open_train(state)
    assert view(back).batches_done >= before + 20 and "Paused" in texts(back.info)


def test_a_reload_and_a_restart_keep_the_runs_and_the_active_model():
    tr = train(preset("original", train_size=500, epochs=1, hidden=16), load_mnist())
    at = open_train()
    small_run(at, n_train=1000, epochs=1, hidden=32)
    at.button(key="train_start").click().run()
    wait_run(at)
    lab_id = lab(at).lab_id
    small_run(at, n_train=60000, epochs=20)
    at.button(key="train_start").click().run()
    wait_batches(at, 3)
    at.file_uploader(key=ts.UPLOAD_KEY).upload("mine.npz", model_to_bytes(tr.model)).run()
    at.button(key="train_use_trained").click().run()  # run 2, still training, is the active model again

    reloaded = open_train(lab_id=lab_id)  # F5: a new session opening the same link
    state = lab(reloaded)
    assert state.lab_id == lab_id and state.active_run == 2 and state.current_run == 2
    assert widget(reloaded, "epochs").value == 20 and widget(reloaded, "hidden").value == 32
    assert state.uploaded_name == "mine.npz" and same_weights(state.uploaded.model, tr.model)

    # The server restarts: its runs are checkpointed as paused, the new process finds them.
    lab_module.get_runs().shutdown()
    lab_module.get_runs.clear()
    after = open_train(lab_id=lab_id)
    runs = {v.number: v for v in ts.lab_runs(lab(after))}
    assert runs[1].status == "finished" and runs[2].status == "paused" and runs[2].batches_done >= 3
    assert lab(after).active_run == 2 and "Run 2, trained in this lab" in texts(after.sidebar.markdown)
    assert after.button(key="train_resume").disabled is False
    draw = open_draw(lab_id=lab_id)
    assert "Run 2, trained in this lab" in texts(draw.sidebar.markdown)
    after.button(key="train_reset").click().run()
    assert lab(after).active == "uploaded"


def test_an_unknown_lab_link_gets_a_fresh_lab_and_says_so():
    for bad in ("not-a-lab", "A" * 22, "<script>alert(1)</script>"):
        at = open_train(lab_id=bad)
        assert lab(at).lab_id != bad and at.query_params["lab"] == lab(at).lab_id
        assert "That lab link opens no lab" in texts(at.warning)
        at.run()
        assert "That lab link opens no lab" not in texts(at.warning)  # said once


def test_upload_of_a_good_file_activates_it_and_a_run_ending_keeps_it():
    tr = train(preset("original", train_size=500, epochs=1, hidden=16), load_mnist())
    data = model_to_bytes(tr.model, tr.config, tr.history, {"name": "mine"})
    at = open_train()
    small_run(at, n_train=3000, epochs=2, batch_size=32)
    at.button(key="train_start").click().run()
    at.file_uploader(key=ts.UPLOAD_KEY).upload("[click me](https://example.com/x).npz", data).run()
    state = lab(at)
    assert state.active == "uploaded" and state.uploaded_name == "[click me](https://example.com/x).npz"
    assert same_weights(state.uploaded.model, tr.model)
    assert "[click me](https://example.com/x).npz" in texts(at.text)  # plain text, not a link
    assert "example.com" not in texts(at.markdown) + texts(at.success) + texts(at.sidebar.markdown)
    assert "Uploaded model" in texts(at.sidebar.markdown)
    wait_run(at)
    assert view(at).status == "finished" and lab(at).active == "uploaded"  # the run did not take over


class Payload:
    """Unpickling this would run code (here a harmless print)."""

    def __reduce__(self):
        return (print, ("a model file ran code",))


def pickled_npz() -> bytes:
    """An .npz whose W_h is a pickled Python object, as np.savez writes it."""
    buffer = io.BytesIO()
    np.savez(buffer, format_version=np.array(1), W_h=np.array([Payload()], dtype=object), W_o=np.zeros((3, 10)))
    return buffer.getvalue()


@pytest.mark.parametrize(
    "content",
    [np.random.default_rng(0).bytes(5000), pickled_npz()],
    ids=["random-bytes", "pickled-object"],
)
def test_upload_of_a_bad_file_shows_the_error_and_keeps_the_model(content):
    good = train(preset("original", train_size=300, epochs=1, hidden=8), load_mnist())
    at = open_train()
    at.file_uploader(key=ts.UPLOAD_KEY).upload("good.npz", model_to_bytes(good.model)).run()
    before = lab(at).uploaded
    at.file_uploader(key=ts.UPLOAD_KEY).upload("bad.npz", content).run()
    assert not at.exception
    state = lab(at)
    assert state.uploaded is before and state.uploaded_name == "good.npz" and state.active == "uploaded"
    errors = texts(at.error)
    assert "nothing was changed" in errors
    with pytest.raises(ModelFileError) as refused:
        load_model(content)
    assert t(f"modelfile.{refused.value.code}") in errors and refused.value.detail in errors
    assert len(lab_module.get_store().uploads(state.lab_id)) == 1  # only the good file is kept


def test_upload_errors_speak_russian_too():
    at = open_train(LabState(lang="ru"))
    at.file_uploader(key=ts.UPLOAD_KEY).upload("bad.npz", pickled_npz()).run()
    assert not at.exception
    errors = texts(at.error)
    assert t("modelfile.unsafe", "ru") in errors and "Что нашла проверка" in errors
    assert "holds Python objects" in errors  # the finding itself stays as the loader wrote it


@pytest.mark.parametrize(
    ("lang", "words"),
    [
        (
            "en",
            [
                "diverged",
                "learning rate 100 is too large",
                "set it to 0.5 and press Start",  # the notebook's rate, which trains; 10 would diverge again
                "before the blow-up",
                "did not become the active model. Active model now: Bundled model.",
            ],
        ),
        (
            "ru",
            [
                "разошлось",
                "Скорость обучения 100 слишком велика",
                "поставьте 0,5",
                "до срыва",
                "Сейчас активна: Встроенная модель.",
            ],
        ),
    ],
)
def test_diverging_learning_rate_stops_with_a_message(lang, words):
    at = open_train(LabState(lang=lang))
    small_run(at, n_train=2000, epochs=1, lr=100.0)
    at.button(key="train_start").click().run()
    wait_run(at)
    state = lab(at)
    v = view(at)
    assert v.status == "diverged"
    model = lab_module.get_runs().saved_model(state.lab_id, v.number).model
    assert all(np.isfinite(p).all() for p in model.params().values())
    message = texts(at.error)
    assert all(w in message for w in words), message
    # Nothing trained is usable: the bundled model stays active, nothing to download or switch to.
    assert state.active == "default"
    assert t("model.default", lang) in texts(at.sidebar.markdown)
    assert not at.get("download_button")
    assert t("train.download_diverged", lang) in texts(at.caption)
    with pytest.raises(KeyError):
        at.button(key="train_use_trained")
    assert t("train.inside_diverged", lang, n=1) in texts(at.caption)


def test_a_diverged_run_never_replaces_the_model_trained_before():
    at = open_train()
    small_run(at, n_train=1000, epochs=1)
    at.button(key="train_start").click().run()
    wait_run(at)
    state = lab(at)
    good = lab_module.get_runs().saved_model(state.lab_id, 1)
    set_control(at, "lr", 100.0)
    at.button(key="train_start").click().run()
    wait_run(at)
    assert view(at).status == "diverged" and state.current_run == 2
    # The lab went back to run 1's model: the sidebar, the other pages and the message say so.
    assert state.active == "trained" and state.active_run == 1
    saved, source = active_model(state)
    assert source == "trained" and np.array_equal(saved.model.W_h, good.model.W_h)
    assert "Run 1, trained in this lab" in texts(at.sidebar.markdown)
    assert "Active model now: Run 1, trained in this lab." in texts(at.error)
    assert [v.status for v in ts.lab_runs(state)] == ["finished", "diverged"]
    draw = open_draw(state)
    assert "Run 1, trained in this lab" in texts(draw.sidebar.markdown)
    # A third run that finishes is the active model; Reset puts it aside.
    set_control(at, "lr", 0.5)
    at.button(key="train_start").click().run()
    wait_run(at)
    assert state.active == "trained" and state.active_run == 3
    at.button(key="train_reset").click().run()
    assert state.active == "default" and state.current_run == 0


def test_a_diverged_run_gives_the_uploaded_model_back():
    tr = train(preset("original", train_size=500, epochs=1, hidden=16), load_mnist())
    at = open_train()
    at.file_uploader(key=ts.UPLOAD_KEY).upload("mine.npz", model_to_bytes(tr.model)).run()
    small_run(at, n_train=1000, epochs=1, lr=100.0)
    at.button(key="train_start").click().run()
    wait_run(at)
    assert view(at).status == "diverged" and lab(at).active == "uploaded"
    assert "Active model now: Uploaded model." in texts(at.error)


def test_overlay_and_reset():
    at = open_train()
    small_run(at, n_train=1000, epochs=1)
    for _ in range(2):
        at.button(key="train_start").click().run()
        wait_run(at)
    state = lab(at)
    assert [v.number for v in ts.lab_runs(state)] == [1, 2]
    at.multiselect(key=ts.overlay_key()).set_value([1]).run()
    assert state.overlay_runs == [1]
    loss_chart = at.get("plotly_chart")[0]
    assert "run 1, test" in loss_chart.proto.spec
    at.button(key="train_reset").click().run()
    assert state.current_run == 0 and state.active == "default"
    assert len(ts.lab_runs(state)) == 2


# --- the live charts: finished specs, valid as written ------------------------------------


def live_chart_cases():
    from ui.figures import ACCENT, BLUE, batch_loss_curve, epoch_curves

    lines = [
        dict(name="train", x=[1, 2], y=[0.5, 0.3], color=BLUE),
        dict(name="test", x=[1, 2], y=[0.4, 0.25], color=ACCENT),
        dict(name="run 1, test", x=[1, 2, 3], y=[0.3, 0.2, 0.1], color="#6b7280", dash="dot", faded=True),
    ]
    empty = [dict(name="train", x=[], y=[])]
    long = [dict(name="train", x=list(range(1, 41)), y=[0.9] * 40)]
    return [
        epoch_curves(lines, x_title="Epoch", y_title="Loss", epochs=3),
        epoch_curves(lines, x_title="Epoch", y_title="Accuracy", epochs=3, percent=True),
        epoch_curves(empty, x_title="Epoch", y_title="Loss", epochs=1),
        epoch_curves(empty, x_title="Epoch", y_title="Accuracy", epochs=50, percent=True),
        epoch_curves(long, x_title="Epoch", y_title="Accuracy", epochs=40, percent=True),
        batch_loss_curve(1, [], name="Loss", x_title="Batch"),
        batch_loss_curve(81, [2.3, 1.1, float("nan")], name="Loss", x_title="Batch"),
        batch_loss_curve(1, list(np.linspace(2.3, 0.1, RECENT_BATCHES)), name="Loss", x_title="Batch"),
    ]


def test_live_chart_specs_are_what_plotly_would_send():
    """The live charts skip Plotly's validation: each spec must pass it unchanged."""
    import json

    import plotly.graph_objects as go
    import plotly.io as pio

    for fig in live_chart_cases():
        checked = go.Figure(fig.to_dict())  # raises on any invalid property
        assert json.loads(pio.to_json(checked, validate=False)) == json.loads(pio.to_json(fig, validate=False))
        assert fig.to_dict()["layout"]["template"] == go.Figure().to_dict()["layout"]["template"]


@pytest.mark.parametrize("n", [0, 1, 2, 299, 300, 301, 400, 1000])
def test_thin_keeps_at_most_max_points_and_both_ends(n):
    from ui.figures import MAX_POINTS, thin

    values = [float(i) for i in range(n)]
    x, y = thin(101, values)
    assert len(x) == len(y) == min(n, MAX_POINTS)
    if n:
        assert (x[0], x[-1]) == (101, 100 + n) and (y[0], y[-1]) == (0.0, n - 1.0)
    assert x == sorted(set(x)) and all(y[i] == x[i] - 101 for i in range(len(x)))


def test_switching_language_keeps_every_choice():
    """The browser sends a choice back as its label; a label of the other language must
    never become a setting (it once turned init into "Notebook's uniform")."""
    at = open_train()
    before = dict(lab(at).train_settings)
    at.selectbox(key="lang_select").set_value("ru").run()
    assert not at.exception
    assert lab(at).lang == "ru" and lab(at).train_settings == before
    assert not at.error, texts(at.error)
    assert widget_ru(at, "init").value == "seed_uniform"
    at.selectbox(key="lang_select").set_value("en").run()
    assert lab(at).train_settings == before and not at.error


def widget_ru(at: AppTest, name: str):
    return at.selectbox(key=ts.widget_key(name, "ru"))


def test_accuracy_changes_and_times_are_written_the_languages_way():
    en, ru = Translator("en"), Translator("ru")
    assert tv.duration(0.84, en) == "0.8 s" and tv.duration(0.84, ru) == "0,8 с"
    assert tv.duration(0.04, en) == "0.0 s" and tv.duration(9.4, en) == "9.4 s"
    assert tv.duration(12.4, en) == "12 s" and tv.duration(125, ru) == "2 мин 5 с"
    assert tv.points_text(0.28344, en) == "+28.3 pp" and tv.points_text(-0.0051, ru) == "-0,5 п.п."
    assert tv.points_text(0.0004, en) is None and tv.points_text(-0.0004, ru) is None  # rounds to 0.0: no arrow
    assert tv.loss_text(12870.274, en) == "12,870" and tv.loss_text(0.19312, ru) == "0,193"
    assert tv.loss_text(12870.274, ru) == "12\u00a0870"
    assert tv.confidence_text(0.99996, en) == ">99.9%" and tv.confidence_text(0.8766, ru) == "87,7\u00a0%"


def test_runs_table_is_compact_and_tells_runs_apart():
    at = open_train(LabState(lang="ru"))
    small_run(at, n_train=1000, epochs=1)
    at.button(key="train_start").click().run()
    wait_run(at)
    set_control(at, "epochs", 2)
    at.button(key="train_start").click().run()
    wait_run(at)
    rows = tv.run_rows(ts.lab_runs(lab(at)), Translator("ru"), 60000)
    assert list(rows[0]) == ["№", "Тест", "Итог", "Настройки", "Обучение"]
    first, second = rows
    assert first["Настройки"] != second["Настройки"]
    assert "1\u00a0000 картинок, 1 эпоха" in first["Настройки"] and "2 эпохи" in second["Настройки"]
    assert re.fullmatch(r"\d\d,\d\d\u00a0%", first["Тест"])
    assert re.fullmatch(r"завершён за \d+,\d с", first["Итог"]), first["Итог"]  # a short run: tenths of a second
    tables = [df.value for df in at.dataframe]  # the notebook's table of the shown run, then the runs
    assert [list(table.columns) for table in tables][1:] == [["№", "Тест", "Итог", "Настройки", "Обучение"]]


def test_leftovers_are_translated():
    at = open_train()
    small_run(at, n_train=1000, epochs=1, optimizer="momentum")
    at.selectbox(key="lang_select").set_value("ru").run()
    for _ in range(2):
        at.button(key="train_start").click().run()
        wait_run(at)
    sidebar = texts(at.sidebar.markdown)
    assert "SGD с моментом" in sidebar and "momentum" not in sidebar
    assert at.multiselect(key=ts.overlay_key("ru")).proto.placeholder == "Выберите запуски"
    assert at.multiselect(key=ts.UNITS_KEY).proto.placeholder == "Выберите нейроны"
    assert widget_ru(at, "init").label != "" and at.number_input(key=ts.widget_key("seed")).label == "Зерно (seed)"
    mistakes, _ = at.get("image")
    assert all(re.search(r"\((>?\d+,\d\u00a0%)\)$", c) for c in mistakes.captions), mistakes.captions[:3]


def test_settings_fold_away_while_a_run_is_shown():
    at = open_train()
    state = lab(at)
    assert state.settings_open and at.session_state[ts.SETTINGS_KEY] is True
    small_run(at, n_train=1000, epochs=1)
    at.button(key="train_start").click().run()
    assert not state.settings_open and at.session_state[ts.SETTINGS_KEY] is False
    assert at.expander[0].label.startswith("Settings: 784-128-10, SGD, lr 0.5, batch 256, 1,000 images, 1 epoch")
    wait_run(at)
    assert at.session_state[ts.SETTINGS_KEY] is False
    at.button(key="train_reset").click().run()
    assert state.settings_open and at.session_state[ts.SETTINGS_KEY] is True


@pytest.mark.parametrize(("lang", "separators"), [("en", ".,"), ("ru", ",\u00a0")])
def test_charts_write_numbers_as_the_language_does(lang, separators):
    at = open_train(LabState(lang=lang))
    small_run(at, n_train=1000, epochs=1)
    at.button(key="train_start").click().run()
    wait_run(at)
    charts = at.get("plotly_chart")
    assert charts
    for chart in charts:
        assert json.loads(chart.proto.spec)["layout"]["separators"] == separators


def test_the_sidebar_and_the_page_tell_the_same_story():
    """One source for both: the run's view. Paused, training and finished read alike."""
    at = open_train()
    small_run(at, n_train=60000, epochs=20)
    at.button(key="train_start").click().run()
    assert "Training on the server" in texts(at.sidebar.caption)
    at.button(key="train_pause").click().run()
    v = view(at)
    assert f"Unfinished: {v.epoch} of 20 epochs, paused." in texts(at.sidebar.caption)
    assert "Paused" in texts(at.info)
    at.button(key="train_reset").click().run()
    assert "paused" not in texts(at.sidebar.caption).lower()


def test_live_figures_redraw_less_often_while_more_runs_train_than_cores(monkeypatch):
    from types import SimpleNamespace

    from ui import common

    training = {"n": 0}
    monkeypatch.setattr(common, "get_gate", lambda: SimpleNamespace(cores=2, active_sessions=lambda: training["n"]))
    for n, expected in ((0, 0.5), (2, 0.5), (3, 2.0), (60, 2.0)):
        training["n"] = n
        assert common.tick_seconds(0.5) == expected


def test_the_chosen_language_is_the_labs():
    at = open_train()
    at.selectbox(key="lang_select").set_value("ru").run()
    assert lab(at).lang == "ru"
    again = open_train(lab_id=lab(at).lab_id)  # a reload: a new session, nothing but the link
    assert lab(again).lang == "ru"
    assert any("Обучение" in h.value for h in again.title)
    other = open_train()  # another visitor's new lab starts in the default language
    assert lab(other).lang == "en"


# --- typed settings out of range, uploads beyond the page's limits, user text as text ----

# What the issue typed into the Train page, and what the page must say (the control's label,
# the range it takes, the typed value), in English and in Russian (no-break spaces in 1 024).
OUT_OF_RANGE = {
    "lr 0": ("lr", 0.0, "Learning rate takes a number from 0.0001 to 1,000, not 0.",
             "в поле «Скорость обучения» нужно число от 0,0001 до 1\u00a0000, а не 0."),
    "lr 5000": ("lr", 5000.0, "Learning rate takes a number from 0.0001 to 1,000, not 5,000.",
                "в поле «Скорость обучения» нужно число от 0,0001 до 1\u00a0000, а не 5\u00a0000."),
    "epochs -5": ("epochs", -5, "Epochs takes a whole number from 1 to 200, not \u22125.",
                  "в поле «Эпох» нужно целое число от 1 до 200, а не \u22125."),
    "1 training image": ("n_train", 1, "Training images takes a whole number from 100 to 60,000, not 1.",
                         "в поле «Обучающих картинок» нужно целое число от 100 до 60\u00a0000, а не 1."),
    "hidden 4096": ("hidden", 4096, "Hidden units takes a whole number from 1 to 1,024, not 4,096.",
                    "в поле «Скрытых нейронов» нужно целое число от 1 до 1\u00a0024, а не 4\u00a0096."),
    "batch 99999": ("batch_size", 99999, "Batch size takes a whole number from 1 to 4,096, not 99,999.",
                    "в поле «Размер батча» нужно целое число от 1 до 4\u00a0096, а не 99\u00a0999."),
}  # fmt: skip


def start_refusal(at: AppTest) -> str:
    return texts(at.get("error")) if at.button(key="train_start").disabled else ""


@pytest.mark.parametrize("case", list(OUT_OF_RANGE))
def test_a_typed_value_out_of_range_turns_start_off_and_says_why(case):
    name, value, english, _ = OUT_OF_RANGE[case]
    at = open_train()
    before = dict(lab(at).train_settings)
    set_control(at, name, value)
    # The typed value is kept and shown, never replaced by the previous one behind the user's back.
    assert lab(at).train_settings[name] == value and widget(at, name).value == value
    assert at.button(key="train_start").disabled is True
    assert start_refusal(at) == "Start is off: " + english
    assert at.expander[0].label == "Settings: a value is out of range"  # the folded panel says so too
    with pytest.raises(ValueError, match=f"^{name} must be "):
        ts.config_from_settings(lab(at), 60000)  # nothing could start a run from these settings
    assert ts.lab_runs(lab(at)) == []
    set_control(at, name, before[name])  # fixed: Start is back, the message gone
    assert at.button(key="train_start").disabled is False and not at.error
    assert ts.config_from_settings(lab(at), 60000) == preset("original")


@pytest.mark.parametrize("case", list(OUT_OF_RANGE))
def test_the_reason_is_said_in_russian_with_russian_numbers(case):
    name, value, _, russian = OUT_OF_RANGE[case]
    at = open_train(LabState(lang="ru"))
    set_control(at, name, value)
    assert at.button(key="train_start").disabled is True
    assert start_refusal(at) == "«Старт» недоступен: " + russian


def test_a_value_out_of_range_stays_so_across_pages_and_a_new_tab():
    at = open_train()
    set_control(at, "hidden", 4096)
    lab_id = lab(at).lab_id
    open_draw(lab(at))  # another page of the same session
    again = open_train(lab(at))
    assert widget(again, "hidden").value == 4096 and again.button(key="train_start").disabled is True
    tab = open_train(lab_id=lab_id)  # the lab's link in a new tab
    assert widget(tab, "hidden").value == 4096 and "not 4,096" in start_refusal(tab)


def test_start_over_a_run_is_off_too_while_a_value_is_out_of_range():
    at = open_train()
    small_run(at, n_train=60000, epochs=20)
    at.button(key="train_start").click().run()
    at.button(key="train_pause").click().run()
    at.number_input(key=ts.widget_key("epochs")).set_value(500).run()  # the settings panel is folded: still said
    assert at.button(key="train_start").disabled is True
    assert "Epochs takes a whole number from 1 to 200, not 500." in start_refusal(at)
    assert at.button(key="train_resume").disabled is False  # the paused run can go on as it was


def test_the_page_limits_are_closed_ranges_so_from_to_says_them_right():
    from mlp_core.config import PAGE_LIMITS

    assert set(ts.LIMITED_CONTROLS.values()) == set(PAGE_LIMITS)
    assert not any(limit.low_open or limit.high_open for limit in PAGE_LIMITS.values())


def model_file(hidden: int, history: list[dict] | None = None) -> bytes:
    from mlp_core import MLP

    return model_to_bytes(MLP.create(hidden, seed=0, dtype="float32"), history=history)


def test_an_upload_wider_than_the_page_takes_is_refused_and_changes_nothing():
    at = open_train()
    at.file_uploader(key=ts.UPLOAD_KEY).upload("small.npz", model_file(16)).run()
    before = lab(at).uploaded
    at.file_uploader(key=ts.UPLOAD_KEY).upload("wide.npz", model_file(4096)).run()  # 12.5 MB: a valid model
    assert not at.exception
    state = lab(at)
    assert state.uploaded is before and state.uploaded_name == "small.npz"
    errors = texts(at.error)
    assert "This page takes" not in errors and "at most 1,024 hidden units" in errors
    assert "its network has 4096 hidden units, more than the 1024 taken here" in errors
    assert len(lab_module.get_store().uploads(state.lab_id)) == 1


@pytest.mark.parametrize(("figure", "value"), [("test_accuracy", float("nan")), ("test_accuracy", -5),
                                               ("train_loss", float("inf"))])  # fmt: skip
def test_an_upload_with_impossible_history_loads_without_it_and_says_so(figure, value):
    record = dict(epoch=1, train_loss=0.3, train_accuracy=0.9, test_loss=0.3, test_accuracy=0.9, train_seconds=1.0,
                  lr=0.1) | {figure: value}  # fmt: skip
    at = open_train()
    at.file_uploader(key=ts.UPLOAD_KEY).upload("odd.npz", model_file(16, [record])).run()
    state = lab(at)
    assert state.active == "uploaded" and state.uploaded.history == []
    everything = texts(at.markdown) + texts(at.caption) + texts(at.success) + texts(at.sidebar.markdown)
    assert "nan%" not in everything.lower() and "-500" not in everything and "inf" not in texts(at.sidebar.markdown)
    assert "784-16-10" in texts(at.sidebar.markdown)
    assert "had impossible figures, so it was left out; the weights are loaded" in texts(at.caption)


def test_a_file_cut_short_is_called_damaged():
    at = open_train()
    at.file_uploader(key=ts.UPLOAD_KEY).upload("cut.npz", model_file(16)[:5000]).run()
    errors = texts(at.error)
    assert t("modelfile.damaged") in errors and "cut short" in errors


def test_the_upload_limit_is_said_in_the_pages_language():
    at = open_train(LabState(lang="ru"))
    html = "\n".join(str(h.proto.body) for h in at.get("html"))
    assert "Этот файл не принят, ничего не изменилось: файл модели — это файл .npz размером не больше 16 МБ." in html
    assert "до 16 МБ" in texts(at.caption)


NAMES = ["[click me](https://example.com/x).npz", "![t](http://127.0.0.1:9/track.png).npz",
         "<img src=http://127.0.0.1:9/x.png>.npz"]  # fmt: skip


@pytest.mark.parametrize("name", NAMES)
def test_an_uploaded_files_name_is_plain_text_on_every_page(name):
    at = open_train()
    at.file_uploader(key=ts.UPLOAD_KEY).upload(name, model_file(16)).run()
    assert lab(at).uploaded_name == name
    for page in ("pages/2_Train.py", "pages/3_Draw.py", "pages/1_Maths.py", "app.py"):
        shown = open_page(page, lab(at))
        plain = [e.value for e in shown.get("text")] + [e.value for e in shown.sidebar.get("text")]
        assert name in plain, page  # shown as it is, as plain text
        marked = [shown.markdown, shown.caption, shown.success, shown.info, shown.warning, shown.error,
                  shown.sidebar.markdown, shown.sidebar.caption]  # fmt: skip
        assert not any("127.0.0.1" in texts(e) or "example.com" in texts(e) for e in marked), page


def test_charts_say_their_figures_to_screen_readers():
    en, ru = Translator("en"), Translator("ru")
    cm = np.diag([980, 1130, 1000, 1000, 980, 890, 950, 1020, 970, 1000])
    cm[4, 9], cm[7, 2] = 3, 1
    assert tv.confusion_alt(cm, en) == (
        "Confusion matrix of the test images: 9,920 read right, 4 wrong; the commonest mistake, a 4 read as 9, 3 times."
    )
    assert "4 читается как 9 — 3 раза" in tv.confusion_alt(cm, ru)
    assert tv.confusion_alt(np.diag([5, 5]), en) == "Confusion matrix of the test images: all 10 read right."
    history = [{"epoch": 2, "train_loss": 0.19312, "test_loss": 0.2, "train_accuracy": 0.95, "test_accuracy": 0.9444}]
    spoken = tv.curves_alt(history, "accuracy", ru)
    assert spoken == "Точность по эпохам; после эпохи 2: обучение 95,00\u00a0%, тест 94,44\u00a0%."
    assert tv.curves_alt([], "loss", en) == "No figures yet: the run has not finished an epoch."


# --- the notebook's table and the notebook download -----------------------------------


def epoch_table_frame(at: AppTest, lang: str = "en"):
    """The notebook's per-epoch table on the page (the dataframe whose first column is the epoch)."""
    epoch = t("train.nb_col_epoch", lang)
    tables = [df.value for df in at.dataframe if epoch in df.value.columns]
    assert len(tables) == 1
    return tables[0]


@pytest.mark.parametrize("lang", ["en", "ru"])
def test_the_notebooks_table_grows_as_the_run_trains_and_ends_with_the_test_accuracy(lang, monkeypatch):
    # The server's runs train in chunks of 10 batches and wait after the first epoch until the
    # page pauses: the pause lands at epoch 1 whatever the machine's speed.
    runs = lab_module.get_runs()
    chunk = runs._chunk

    def held(job, gate, interrupt):
        while job.trainer.epoch >= 1 and job.want_run:
            time.sleep(0.01)
        return chunk(job, gate, interrupt)

    monkeypatch.setattr(runs, "fixed_chunk_batches", 10)
    monkeypatch.setattr(runs, "_chunk", held)
    at = open_train(LabState(lang=lang))
    small_run(at, n_train=20000, epochs=3)
    at.button(key="train_start").click().run()
    deadline = time.monotonic() + 120
    while view(at).epoch < 1:
        assert time.monotonic() < deadline, "the run did not train"
        time.sleep(0.01)
    at.button(key="train_pause").click().run()
    monkeypatch.setattr(runs, "_chunk", chunk)
    paused = view(at)
    table = epoch_table_frame(at, lang)
    assert len(table) == paused.epoch < 3  # one row per epoch done so far
    assert t("train.nb_col_seed", lang) not in table.columns  # 20,000 images: not the notebook's run
    at.button(key="train_resume").click().run()
    wait_run(at)
    v = view(at)
    table = epoch_table_frame(at, lang)
    point = "." if lang == "en" else ","
    assert list(table[t("train.nb_col_epoch", lang)]) == [1, 2, 3]
    expected = [f"{r['train_accuracy']:.3f}".replace(".", point) for r in v.history]
    assert list(table[t("train.nb_col_train_acc", lang)]) == expected
    assert list(table[t("train.nb_col_loss", lang)]) == [
        f"{r['train_loss']:.3f}".replace(".", point) for r in v.history
    ]
    test = f"{v.history[-1]['test_accuracy']:.4f}".replace(".", point)
    assert t("train.nb_test", lang, acc=test) in texts(at.caption)


def test_the_original_presets_table_sets_the_notebooks_values_beside_its_own():
    at = open_train()
    set_control(at, "epochs", 1)  # all 60,000 images, as the notebook: its first epoch
    at.button(key="train_start").click().run()
    wait_run(at)
    table = epoch_table_frame(at)
    assert table.to_dict("records") == [
        {"Epoch": 1, "Train accuracy": "0.923", "Loss": "0.565", "Notebook printed": "0.923 / 0.565", "Same": "✓ same"}
    ]
    assert t("train.nb_table_seed_text", "en") in texts(at.caption)


@pytest.mark.parametrize("lang", ["en", "ru"])
def test_seed_rows_say_where_the_notebook_printed_nothing(lang):
    config = preset("original")
    history = [
        dict(epoch=e, train_accuracy=acc, train_loss=loss, test_accuracy=0.97)
        for e, acc, loss in [(19, 0.9941, 0.0234), (20, 0.9944, 0.021), (21, 0.995, 0.020), (50, 0.9996, 0.0049)]
    ]
    v = view_of(config, history)
    rows = tv.notebook_rows(v, Translator(lang))
    seed, same = t("train.nb_col_seed", lang), t("train.nb_col_same", lang)
    point = "." if lang == "en" else ","
    assert [r[seed] for r in rows] == [
        f"0{point}994 / 0{point}023", f"0{point}994 / —", t("train.nb_not_printed", lang), f"1{point}000 / 0{point}003"
    ]  # fmt: skip
    assert [r[same] for r in rows] == [t("train.nb_agrees", lang)] * 2 + ["—", t("train.nb_differs", lang)]


def view_of(config, history):
    from labs.runs import RunView

    n = len(history)
    return RunView(1, config, "finished", n, n, 0, n, tuple(history), (), 1.0, None)


@pytest.mark.parametrize("lang", ["en", "ru"])
def test_a_run_downloads_as_a_notebook_in_the_pages_language(lang):
    import nbformat

    from mlp_core.export import notebook_bytes

    at = open_train(LabState(lang=lang))
    small_run(at, n_train=1000, epochs=1)
    at.button(key="train_start").click().run()
    wait_run(at)
    labels = [b.proto.label for b in at.get("download_button")]
    assert labels == [t("train.download", lang), t("train.download_notebook", lang)]
    assert t("train.download_notebook_text", lang, n=1) in texts(at.caption)
    config = view(at).config
    raw = ts.notebook_file_bytes(config, lang)
    assert raw == notebook_bytes(config, lang)
    nb = nbformat.reads(raw.decode(), as_version=4)
    nbformat.validate(nb)
    assert ts.notebook_file_name(view(at)) == "backprop-lab-784-128-10-run1.ipynb"
    assert t("train.download_notebook_inexact", lang) not in texts(at.caption)
