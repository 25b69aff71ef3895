"""The Train page under AppTest: presets fill the controls, runs train in chunks and
survive pauses and page switches bit for bit, model files go in and out, a
diverging learning rate is stopped and explained.

``run_every`` never ticks in AppTest, but every script run also runs the live
panel once, and that trains one chunk while a run is going: so ``at.run()`` in
a loop plays the role of the ticks.
"""

from __future__ import annotations

import io
import json
import re
from pathlib import Path

import numpy as np
import pytest
from streamlit.testing.v1 import AppTest

from mlp_core import ModelFileError, Trainer, load_mnist, load_model, model_to_bytes, preset, train
from ui import train_view as tv
from ui.common import active_model
from ui.i18n import t
from ui.state import LabState, trained_model

ROOT = Path(__file__).resolve().parents[1]


def open_train(lab: LabState | None = None) -> AppTest:
    """The Train page as the multipage app runs it (app.py is the entry point, so the
    sidebar's page links resolve), optionally with an existing session's state."""
    at = AppTest.from_file(str(ROOT / "app.py"), default_timeout=120)
    at.switch_page("pages/2_Train.py")
    if lab is not None:
        at.session_state["lab"] = lab
    at.run()
    assert not at.exception, [e.message for e in at.exception]
    return at


def open_draw(state: LabState) -> AppTest:
    """The Draw page in a second browser tab of the same session (the same LabState)."""
    draw = AppTest.from_file(str(ROOT / "app.py"), default_timeout=120)
    draw.switch_page("pages/3_Draw.py")
    draw.session_state["lab"] = state
    draw.run()
    assert not draw.exception, [e.message for e in draw.exception]
    return draw


def lab(at: AppTest) -> LabState:
    return at.session_state["lab"]


def widget(at: AppTest, name: str):
    key = tv.widget_key(name)
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


def run_to_end(at: AppTest, limit: int = 400) -> None:
    for _ in range(limit):
        if not lab(at).train_running:
            return
        at.run()
        assert not at.exception, [e.message for e in at.exception]
    raise AssertionError("the run did not end")


def texts(elements) -> str:
    return "\n".join(str(e.value) for e in elements)


@pytest.mark.parametrize("lang", ["en", "ru"])
def test_page_renders_with_presets_and_controls(lang):
    at = open_train(LabState(lang=lang))
    assert at.button(key="train_preset_original").proto.icon == ":material/check:"  # the chosen preset
    assert at.button(key="train_preset_fast").proto.icon == ""
    assert at.button(key="train_start").disabled is False
    assert at.button(key="train_pause").disabled is True
    assert at.button(key="train_resume").disabled is True
    assert at.button(key="train_reset").disabled is True
    assert len(at.info) >= 1  # "press Start" in place of the charts


def test_original_preset_fills_the_notebooks_values():
    at = open_train()
    at.button(key="train_preset_fast").click().run()
    fast = preset("fast")
    assert widget(at, "lr").value == pytest.approx(fast.lr) and widget(at, "epochs").value == fast.epochs
    assert widget(at, "optimizer").value == fast.optimizer and widget(at, "biases").value is fast.biases
    assert widget(at, "init").value == fast.init != "seed_uniform"
    at.button(key="train_preset_original").click().run()
    expected = dict(
        hidden=128,
        lr=0.5,
        batch_size=256,
        epochs=50,
        optimizer="sgd",
        init="seed_uniform",
        biases=False,
        shuffle=False,
        l2=0.0,
        n_train=60000,
        seed=42,
    )
    assert {name: widget(at, name).value for name in expected} == expected
    assert lab(at).train_settings["lr"] == 0.5
    # Any control changed makes the settings custom; the preset they came from stays the base.
    set_control(at, "hidden", 64)
    assert lab(at).preset_name == "custom"
    assert "Custom settings, based on the Original notebook preset" in texts(at.caption)
    assert at.button(key="train_preset_original").proto.icon == ""
    assert tv.config_from_settings(lab(at), 60000) == preset("original", hidden=64)


def test_short_run_completes_and_keeps_history_and_model():
    at = open_train()
    small_run(at)
    at.button(key="train_start").click().run()
    state = lab(at)
    assert state.active == "trained"
    assert state.trainer is not None and state.trainer.batches_done > 0
    run_to_end(at)
    tr = state.trainer
    assert tr.status == "finished" and len(tr.history) == 2
    assert tr.config == preset("original", train_size=2000, epochs=2)
    assert tr.history[-1].test_accuracy > 0.4  # chance is 0.1; 16 batches of the notebook reach about 0.56
    assert [r.number for r in state.runs] == [1] and state.runs[0].status == "finished"
    assert "Run 1 finished" in texts(at.success)
    assert at.button(key="train_resume").disabled is True
    # Analysis of the trained weights: confusion matrix, mistakes, weights.
    assert len(at.get("plotly_chart")) == 4  # loss, accuracy, recent batches, confusion
    mistakes, weights = at.get("image")
    assert len(mistakes.captions) == tv.MISTAKES_SHOWN and "→" in mistakes.captions[0]
    assert weights.captions == [f"unit {j}" for j in range(16)]
    # The model file holds exactly these weights.
    saved = load_model(tv.model_file_bytes(state))
    assert np.array_equal(saved.model.W_h, tr.model.W_h) and saved.config == tr.config
    assert len(saved.history) == 2


def test_pause_then_resume_gives_the_weights_of_an_uninterrupted_run(monkeypatch):
    monkeypatch.setattr(tv, "CHUNK_BATCHES", 3)
    at = open_train()
    small_run(at, n_train=1500, epochs=2, shuffle=True, optimizer="momentum")
    at.button(key="train_start").click().run()
    tr = lab(at).trainer
    assert tr.batches_done == 4  # one batch in Start, one chunk in the run after it
    at.button(key="train_pause").click().run()
    at.run()
    at.run()
    assert tr.batches_done == 4 and not lab(at).train_running
    assert "Paused" in texts(at.info)
    assert at.button(key="train_resume").disabled is False
    at.button(key="train_resume").click().run()
    assert tr.batches_done == 7
    run_to_end(at)
    assert tr.status == "finished"
    reference = train(tr.config, load_mnist())
    for name, value in reference.model.params().items():
        assert np.array_equal(tr.model.params()[name], value), name
    for ours, theirs in zip(tr.history, reference.history, strict=True):
        assert ours.test_accuracy == theirs.test_accuracy and ours.train_loss == theirs.train_loss


def test_switching_pages_keeps_the_run_and_the_settings(monkeypatch):
    monkeypatch.setattr(tv, "CHUNK_BATCHES", 2)
    at = open_train()
    small_run(at, n_train=1000, epochs=1, hidden=32)
    at.button(key="train_start").click().run()
    at.button(key="train_pause").click().run()
    state = lab(at)
    weights = state.trainer.model.W_h.copy()
    done = state.trainer.batches_done

    home = AppTest.from_file(str(ROOT / "app.py"), default_timeout=120)
    home.session_state["lab"] = state
    home.run()
    assert not home.exception
    assert "Trained in this session" in texts(home.sidebar.markdown)

    back = open_train(lab(home))
    state = lab(back)
    assert state.trainer.batches_done == done
    assert np.array_equal(state.trainer.model.W_h, weights)
    assert widget(back, "hidden").value == 32 and widget(back, "n_train").value == 1000
    assert back.session_state["lab"].preset_name == "custom"
    assert "Custom settings" in texts(back.caption)
    assert back.button(key="train_resume").disabled is False
    back.button(key="train_resume").click().run()
    run_to_end(back)
    assert state.trainer.status == "finished"


def test_upload_of_a_good_file_activates_it():
    tr = train(preset("original", train_size=500, epochs=1, hidden=16), load_mnist())
    data = model_to_bytes(tr.model, tr.config, tr.history, {"name": "mine"})
    at = open_train()
    at.file_uploader(key=tv.UPLOAD_KEY).upload("mine.npz", data).run()
    state = lab(at)
    assert state.active == "uploaded" and state.uploaded_name == "mine.npz"
    assert np.array_equal(state.uploaded.model.W_h, tr.model.W_h)
    assert "mine.npz" in texts(at.success)
    assert "Uploaded: mine.npz" in texts(at.sidebar.markdown)


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
    at.file_uploader(key=tv.UPLOAD_KEY).upload("good.npz", model_to_bytes(good.model)).run()
    before = lab(at).uploaded
    at.file_uploader(key=tv.UPLOAD_KEY).upload("bad.npz", content).run()
    assert not at.exception
    state = lab(at)
    assert state.uploaded is before and state.uploaded_name == "good.npz" and state.active == "uploaded"
    errors = texts(at.error)
    assert "nothing was changed" in errors
    with pytest.raises(ModelFileError) as refused:
        load_model(content)
    assert t(f"modelfile.{refused.value.code}") in errors and refused.value.detail in errors


def test_upload_errors_speak_russian_too():
    at = open_train(LabState(lang="ru"))
    at.file_uploader(key=tv.UPLOAD_KEY).upload("bad.npz", pickled_npz()).run()
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
    run_to_end(at)
    state = lab(at)
    tr = state.trainer
    assert tr.status == "diverged"
    assert all(np.isfinite(p).all() for p in tr.model.params().values())
    message = texts(at.error)
    assert all(w in message for w in words), message
    assert state.runs[-1].status == "diverged"
    # Nothing trained is usable: the bundled model stays active, nothing to download or switch to.
    assert state.active == "default" and trained_model(state) is None
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
    run_to_end(at)
    state = lab(at)
    good = state.trainer.model.W_h.copy()
    good_acc = state.trainer.history[-1].test_accuracy
    set_control(at, "lr", 100.0)
    at.button(key="train_start").click().run()
    run_to_end(at)
    assert state.trainer.status == "diverged" and state.run_number == 2
    # The session went back to run 1's model: the sidebar, the other pages and the message say so.
    assert state.active == "trained"
    saved, source = active_model(state)
    assert source == "trained" and saved.meta["run"] == 1 and np.array_equal(saved.model.W_h, good)
    assert saved.history[-1]["test_accuracy"] == good_acc
    assert "Trained in this session (run 1)" in texts(at.sidebar.markdown)
    assert "Active model now: Trained in this session (run 1)." in texts(at.error)
    assert [r.status for r in state.runs] == ["finished", "diverged"]
    draw = open_draw(state)
    assert "Trained in this session (run 1)" in texts(draw.sidebar.markdown)
    # A third run that finishes becomes the active model; Reset forgets every trained model.
    set_control(at, "lr", 0.5)
    at.button(key="train_start").click().run()
    run_to_end(at)
    assert state.active == "trained" and active_model(state)[0].meta["run"] == 3
    at.button(key="train_reset").click().run()
    assert state.active == "default" and trained_model(state) is None


def test_a_diverged_run_gives_the_uploaded_model_back():
    tr = train(preset("original", train_size=500, epochs=1, hidden=16), load_mnist())
    at = open_train()
    at.file_uploader(key=tv.UPLOAD_KEY).upload("mine.npz", model_to_bytes(tr.model)).run()
    small_run(at, n_train=1000, epochs=1, lr=100.0)
    at.button(key="train_start").click().run()
    run_to_end(at)
    assert lab(at).trainer.status == "diverged" and lab(at).active == "uploaded"
    assert "Active model now: Uploaded: mine.npz." in texts(at.error)


def test_overlay_and_reset():
    at = open_train()
    small_run(at, n_train=1000, epochs=1)
    for _ in range(2):
        at.button(key="train_start").click().run()
        run_to_end(at)
    state = lab(at)
    assert [r.number for r in state.runs] == [1, 2]
    at.multiselect(key=tv.overlay_key()).set_value([1]).run()
    assert state.overlay_runs == [1]
    loss_chart = at.get("plotly_chart")[0]
    assert "run 1, test" in loss_chart.proto.spec
    at.button(key="train_reset").click().run()
    assert state.trainer is None and state.active == "default"
    assert len(state.runs) == 2


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
        batch_loss_curve(1, list(np.linspace(2.3, 0.1, tv.RECENT_BATCHES)), name="Loss", x_title="Batch"),
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


def test_live_charts_are_cheap_to_draw():
    """A tick draws three charts: well under a millisecond each (about 10 ms each as go.Figure)."""
    import time

    import plotly.io as pio
    import plotly.tools

    cases = live_chart_cases()
    best = float("inf")
    for _ in range(5):
        t0 = time.perf_counter()
        for fig in cases:
            # What st.plotly_chart does with a figure.
            pio.to_json(plotly.tools.return_figure_from_figure_or_data(fig, validate_figure=True), validate=False)
        best = min(best, (time.perf_counter() - t0) / len(cases))
    assert best < 0.003, f"{best * 1000:.1f} ms per chart"


@pytest.mark.parametrize("n", [0, 1, 2, 299, 300, 301, 400, 1000])
def test_thin_keeps_at_most_max_points_and_both_ends(n):
    from ui.figures import MAX_POINTS, thin

    values = [float(i) for i in range(n)]
    x, y = thin(101, values)
    assert len(x) == len(y) == min(n, MAX_POINTS)
    if n:
        assert (x[0], x[-1]) == (101, 100 + n) and (y[0], y[-1]) == (0.0, n - 1.0)
    assert x == sorted(set(x)) and all(y[i] == x[i] - 101 for i in range(len(x)))


# --- chunks under load ----------------------------------------------------------------------


def test_a_session_alone_trains_for_a_time_budget():
    assert tv.chunk_batches(0, 0.003) is None
    assert tv.chunk_batches(1, 0.003) is None
    assert tv.chunk_batches(30, None) is None  # speed not known yet


@pytest.mark.parametrize("active", [2, 5, 30, 100])
def test_sessions_training_together_get_the_same_batches_per_turn(active):
    # The budget is CHUNK_SECONDS of the session's own compute, whatever the load:
    # sessions with the same speed get the same batches per turn of the gate.
    assert tv.chunk_batches(active, 0.003) == round(tv.CHUNK_SECONDS / 0.003)
    assert tv.chunk_batches(active, 0.010) == round(tv.CHUNK_SECONDS / 0.010)
    assert tv.chunk_batches(active, 5.0) == 1  # a very slow batch: still one per turn


def test_chunks_under_load_follow_the_sessions_speed(monkeypatch):
    """With several sessions training, a chunk trains the batches its measured speed allows."""
    import time

    from ui.gate import TrainingGate

    monkeypatch.setattr(tv, "CHUNK_BATCHES", 1)
    at = open_train()
    small_run(at, n_train=4000, epochs=1)
    at.button(key="train_start").click().run()
    monkeypatch.setattr(tv, "CHUNK_BATCHES", None)
    state = lab(at)
    state.train_cache["batch_cpu"] = tv.CHUNK_SECONDS / 3  # three batches per turn
    gate = TrainingGate(cores=2)
    gate._last_seen["someone else"] = time.monotonic()  # another session, between two of its chunks
    monkeypatch.setattr(tv, "get_gate", lambda: gate)
    before = state.trainer.batches_done
    at.run()
    assert state.trainer.batches_done - before == 3
    assert gate.chunks == 1


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
    return at.selectbox(key=tv.widget_key(name, "ru"))


# --- pause, and what the page says about the run ---------------------------------------------


def test_pause_stops_a_chunk_that_is_still_training_and_no_rerun_trains(monkeypatch):
    """With runner.fastReruns, a click's script run starts while the tick's chunk still trains
    in the earlier run's thread. Pause must stop that chunk: once the paused page is drawn,
    no batch is trained, whatever reruns follow (a language switch, say)."""
    import threading
    import time

    monkeypatch.setattr(tv, "CHUNK_BATCHES", 1)
    at = open_train()
    small_run(at, n_train=60000, epochs=10)
    at.button(key="train_start").click().run()
    state = lab(at)
    tr = state.trainer
    assert state.train_running
    # The tick of an earlier script run, still training: a long chunk, in a thread of its own.
    monkeypatch.setattr(tv, "CHUNK_BATCHES", None)
    monkeypatch.setattr(tv, "CHUNK_SECONDS", 60.0)
    tick = threading.Thread(target=tv.train_chunk, args=(state,))
    tick.start()
    time.sleep(0.5)
    assert tr.batches_done > 2 and tick.is_alive()
    at.button(key="train_pause").click().run()
    assert not at.exception
    paused_at = tr.batches_done
    tick.join(timeout=5)
    assert not tick.is_alive() and tr.batches_done == paused_at, "a batch was trained after Pause"
    assert "Paused" in texts(at.info)
    at.selectbox(key="lang_select").set_value("ru").run()
    at.run()
    assert not at.exception and tr.batches_done == paused_at and not state.train_running
    assert t("train.paused", "ru") in texts(at.info)
    assert state.runs == []  # paused, not ended


def test_paused_mid_epoch_the_figures_say_which_weights_they_describe(monkeypatch):
    monkeypatch.setattr(tv, "CHUNK_BATCHES", 3)
    at = open_train()
    small_run(at, n_train=1000, epochs=3)  # 4 batches per epoch
    at.button(key="train_start").click().run()  # batches 1-4: epoch 1
    at.run()  # 5-7: into epoch 2
    at.button(key="train_pause").click().run()
    tr = lab(at).trainer
    assert tr.epoch == 1 and tr.batch_index == 3
    labels = [m.label for m in at.metric]
    assert "Test accuracy (after epoch 1)" in labels and "Train accuracy (after epoch 1)" in labels
    assert "The current weights, 3 batches into epoch 2 (newer than the end-of-epoch figures above)" in texts(
        at.caption
    )
    at.button(key="train_resume").click().run()  # 8-10: epoch 2 ended at 8
    at.button(key="train_pause").click().run()
    test_metric = next(m for m in at.metric if m.label == "Test accuracy (after epoch 2)")
    assert re.fullmatch(r"[+-]\d+\.\d pp", test_metric.delta), test_metric.delta  # percentage points


def test_accuracy_changes_and_times_are_written_the_languages_way():
    en = lambda key, **v: t(key, "en", **v)  # noqa: E731
    ru = lambda key, **v: t(key, "ru", **v)  # noqa: E731
    assert tv.duration(0.84, en) == "0.8 s" and tv.duration(0.84, ru) == "0,8 с"
    assert tv.duration(0.04, en) == "0.0 s" and tv.duration(9.4, en) == "9.4 s"
    assert tv.duration(12.4, en) == "12 s" and tv.duration(125, ru) == "2 мин 5 с"
    assert tv.points_text(0.28344, en) == "+28.3 pp" and tv.points_text(-0.0051, ru) == "-0,5 п.п."
    assert tv.points_text(0.0004, en) is None and tv.points_text(-0.0004, ru) is None  # rounds to 0.0: no arrow
    assert tv.loss_text(12870.274, en) == "12,870" and tv.loss_text(0.19312, ru) == "0,193"
    assert tv.loss_text(12870.274, ru) == "12\u00a0870"
    assert tv.confidence_text(0.99996, en) == ">99.9%" and tv.confidence_text(0.8766, ru) == "87,7%"


def test_runs_table_is_compact_and_tells_runs_apart():
    at = open_train(LabState(lang="ru"))
    small_run(at, n_train=1000, epochs=1)
    at.button(key="train_start").click().run()
    run_to_end(at)
    set_control(at, "epochs", 2)
    at.button(key="train_start").click().run()
    run_to_end(at)
    rows = tv.run_rows(lab(at), lambda key, **v: t(key, "ru", **v), 60000)
    assert list(rows[0]) == ["№", "Тест", "Итог", "Настройки", "Обучение"]
    first, second = rows
    assert first["Настройки"] != second["Настройки"]
    assert "картинок: 1\u00a0000, эпох: 1" in first["Настройки"] and "эпох: 2" in second["Настройки"]
    assert re.fullmatch(r"\d\d,\d\d%", first["Тест"])
    assert re.fullmatch(r"завершён за \d+,\d с", first["Итог"]), first["Итог"]  # a short run: tenths of a second
    table = at.dataframe[0].value
    assert list(table.columns) == ["№", "Тест", "Итог", "Настройки", "Обучение"]


def test_leftovers_are_translated(monkeypatch):
    at = open_train()
    small_run(at, n_train=1000, epochs=1, optimizer="momentum")
    at.selectbox(key="lang_select").set_value("ru").run()
    for _ in range(2):
        at.button(key="train_start").click().run()
        run_to_end(at)
    sidebar = texts(at.sidebar.markdown)
    assert "SGD с моментом" in sidebar and "momentum" not in sidebar
    assert at.multiselect(key=tv.overlay_key("ru")).proto.placeholder == "Выберите запуски"
    assert at.multiselect(key=tv.UNITS_KEY).proto.placeholder == "Выберите нейроны"
    assert widget_ru(at, "init").label != "" and at.number_input(key=tv.widget_key("seed")).label == "Зерно (seed)"
    mistakes, _ = at.get("image")
    assert all(re.search(r"\((>?\d+,\d%)\)$", c) for c in mistakes.captions), mistakes.captions[:3]


def test_settings_fold_away_while_a_run_exists():
    at = open_train()
    state = lab(at)
    assert state.settings_open and at.session_state[tv.SETTINGS_KEY] is True
    small_run(at, n_train=1000, epochs=1)
    at.button(key="train_start").click().run()
    assert not state.settings_open and at.session_state[tv.SETTINGS_KEY] is False
    assert at.expander[0].label.startswith("Settings: 784-128-10, SGD, lr 0.5, batch 256, 1,000 images, 1 epochs")
    run_to_end(at)
    assert at.session_state[tv.SETTINGS_KEY] is False
    at.button(key="train_reset").click().run()
    assert state.settings_open and at.session_state[tv.SETTINGS_KEY] is True


@pytest.mark.parametrize(("lang", "separators"), [("en", ".,"), ("ru", ",\u00a0")])
def test_charts_write_numbers_as_the_language_does(lang, separators):
    at = open_train(LabState(lang=lang))
    small_run(at, n_train=1000, epochs=1)
    at.button(key="train_start").click().run()
    run_to_end(at)
    charts = at.get("plotly_chart")
    assert charts
    for chart in charts:
        assert json.loads(chart.proto.spec)["layout"]["separators"] == separators


def test_other_pages_say_an_unfinished_run_trains_only_on_the_train_page():
    at = open_train()
    small_run(at, n_train=2000, epochs=50)
    at.button(key="train_start").click().run()
    state = lab(at)
    assert state.trainer.batches_done > 0 and not state.trainer.done
    assert "Training:" in texts(at.sidebar.caption)
    away = open_draw(state)
    assert "It trains on while the Train page is open" in texts(away.sidebar.caption)
    at.button(key="train_pause").click().run()
    assert "paused" in texts(at.sidebar.caption)


def test_time_left_leaves_out_the_cold_first_batch():
    state = LabState()
    state.trainer = Trainer(preset("fast", train_size=2560, epochs=2), load_mnist())  # 10 batches an epoch
    state.trainer.run(max_batches=1)
    state.train_cache = {"wall": 1.0, "wall_first": 1.0}  # a slow first batch
    assert tv.seconds_left(state) is None  # nothing to go on yet
    state.trainer.run(max_batches=4)
    state.train_cache["wall"] = 1.4  # then 0.1 s a batch
    assert tv.seconds_left(state) == pytest.approx(0.1 * 15)
