"""The Draw page in AppTest, with the canvas replaced by one that returns a given drawing.

AppTest runs no JavaScript, so the real canvas never returns pixels; a stand-in
module ``streamlit_drawable_canvas`` hands the page an RGBA array instead.
"""

from __future__ import annotations

import re
import sys
import types
from pathlib import Path

import numpy as np
import pytest
from streamlit.testing.v1 import AppTest

from mlp_core.io import SavedModel, load_default_model
from mlp_core.sketches import draw_digit
from ui import draw_view
from ui.lab import save as save_lab
from ui.state import LabState

ROOT = Path(__file__).resolve().parents[1]
SIGNED_TOP, SIGNED_BOTTOM = (103, 0, 31), (5, 48, 97)  # the ends of RdBu_r


class FakeCanvas:
    """What the page imports as ``streamlit_drawable_canvas``: st_canvas returns ``image``."""

    def __init__(self) -> None:
        self.image: np.ndarray | None = None
        self.calls: list[dict] = []

    def st_canvas(self, **kwargs):
        self.calls.append(kwargs)
        return types.SimpleNamespace(image_data=self.image, json_data=None)


@pytest.fixture
def canvas(monkeypatch):
    fake = FakeCanvas()
    module = types.ModuleType("streamlit_drawable_canvas")
    module.st_canvas = fake.st_canvas
    monkeypatch.setitem(sys.modules, "streamlit_drawable_canvas", module)
    return fake


def run_page(canvas: FakeCanvas, image: np.ndarray | None, lang: str = "en") -> AppTest:
    canvas.image = image
    # app.py is the entry point, so the sidebar's page links resolve
    at = AppTest.from_file(str(ROOT / "app.py"), default_timeout=60)
    at.switch_page("pages/3_Draw.py")
    at.session_state["lab"] = LabState(lang=lang)
    at.run()
    assert not at.exception, [e.message for e in at.exception]
    return at


def label_picker(at: AppTest):
    """The "teach it" digit picker (the page's other segmented control chooses canvas or photo)."""
    (picker,) = [c for c in at.segmented_control if "draw_label_" in c.key]
    return picker


def texts(at: AppTest) -> str:
    parts = [m.value for m in at.markdown] + [c.value for c in at.caption]
    parts += [i.value for i in at.info] + [w.value for w in at.warning]
    return "\n".join(parts)


def figures(at: AppTest, cls: str) -> list[str]:
    """The page's HTML figures (ui.draw_html) of class ``cls``."""
    return [h.proto.body for h in at.get("html") if f'class="{cls}' in h.proto.body]


def picture(figure: str) -> np.ndarray:
    """The first picture of an HTML figure, as an RGB array."""
    import base64
    import io

    from PIL import Image

    data = re.search(r'src="data:image/png;base64,([^"]+)"', figure).group(1)
    return np.asarray(Image.open(io.BytesIO(base64.b64decode(data))).convert("RGB"))


def drawn(digit: int, seed: int = 0, **kw) -> np.ndarray:
    return draw_digit(digit, np.random.default_rng(seed), **kw)


def test_blank_canvas_asks_for_a_digit(canvas):
    at = run_page(canvas, None)
    assert "Draw a digit" in at.info[0].value
    assert not figures(at, "draw-bars")  # no bars, no guess
    assert not figures(at, "draw-stages")
    assert at.session_state["lab"].last_drawing is None
    # an all-transparent image (the canvas after its own reset) is blank too
    at = run_page(canvas, np.zeros((280, 280, 4), np.uint8))
    assert "Draw a digit" in at.info[0].value
    assert not figures(at, "draw-bars")


def test_canvas_is_transparent_with_image_data(canvas):
    run_page(canvas, None)
    call = canvas.calls[-1]
    assert call["return_image_data"] is True
    assert call["background_color"] == ""
    assert call["key"].startswith("draw_canvas_")


def test_a_dot_is_not_read(canvas):
    img = np.zeros((280, 280, 4), np.uint8)
    img[100:112, 150:162] = 255
    at = run_page(canvas, img)
    assert "only a dot" in at.info[0].value
    assert not figures(at, "draw-bars")


@pytest.mark.parametrize("inked", [slice(0, 280), slice(30, 250)])
def test_a_fully_inked_canvas_has_its_own_message(canvas, inked):
    img = np.zeros((280, 280, 4), np.uint8)
    img[inked, inked] = (17, 24, 39, 255)  # the page's ink, opaque
    at = run_page(canvas, img)
    assert "covers most of the canvas" in at.info[0].value and "dot" not in at.info[0].value
    assert not figures(at, "draw-bars")


def test_the_canvas_hides_its_toolbar_strip_and_ink_there_is_not_read(canvas):
    from ui.draw_view import CANVAS_SIZE, TOOLBAR_STRIP

    run_page(canvas, None)
    assert canvas.calls[-1]["height"] == CANVAS_SIZE + TOOLBAR_STRIP and canvas.calls[-1]["width"] == CANVAS_SIZE
    # a 7 on the visible square, plus ink in the hidden strip above it: the strip is cut off
    seven = drawn(7, height=150, pen=14)
    tall = np.zeros((CANVAS_SIZE + TOOLBAR_STRIP, CANVAS_SIZE, 4), np.uint8)
    tall[TOOLBAR_STRIP:] = seven
    tall[:10, :] = 255
    at = run_page(canvas, tall)
    assert np.array_equal(
        at.session_state["lab"].last_drawing, run_page(canvas, seven).session_state["lab"].last_drawing
    )


@pytest.mark.parametrize("digit", [3, 7])
def test_drawing_shows_stages_bars_and_prediction(canvas, digit):
    at = run_page(canvas, drawn(digit, height=120, pen=12))
    assert f"It reads **{digit}**" in texts(at)
    # the bars twice (a strip under the canvas for a phone, a chart beside it for a laptop), the top digit marked
    strip, big = figures(at, "draw-bars")
    assert 'class="draw-bars big"' in big and 'class="draw-bars"' in strip
    for bars in (strip, big):
        assert bars.count('class="draw-bar-col') == 10
        assert re.search(rf'class="draw-bar-col top" title="{digit}: \d+%"', bars)
    (stages,) = figures(at, "draw-stages")
    assert stages.count('<img src="data:image/png;base64,') == 4  # the four preprocessing stages
    assert figures(at, "draw-hidden") and figures(at, "draw-pixels")
    state = at.session_state["lab"]
    assert state.last_drawing.shape == (28, 28) and state.last_drawing.dtype == np.float32
    assert state.last_drawing.min() >= 0.0 and state.last_drawing.max() <= 1.0


def test_russian(canvas):
    at = run_page(canvas, drawn(2, height=150, pen=14), lang="ru")
    assert "Это **2**" in texts(at)
    at = run_page(canvas, None, lang="ru")
    assert "Нарисуйте цифру" in at.info[0].value


def test_low_confidence_says_unsure_and_shows_the_top_two(canvas, monkeypatch):
    import mlp_core.explain

    img = drawn(7, height=150, pen=14)
    at = run_page(canvas, img)
    probs = load_default_model().predict_proba(at.session_state["lab"].last_drawing.reshape(1, -1))[0]
    a, b = (int(d) for d in np.argsort(-probs)[:2])
    assert "It reads" in texts(at) and not at.warning
    # the same drawing, with the bar for "sure" raised above any probability
    monkeypatch.setattr(mlp_core.explain, "UNSURE_BELOW", 1.01)
    at = run_page(canvas, img)
    assert "It reads" not in texts(at)
    # said twice: under the canvas for a phone, beside it for a laptop (CSS shows one)
    compact, warning = at.warning
    assert compact.value == warning.value
    assert warning.value.startswith(f"Not sure: maybe {a} (") and f"maybe {b} (" in warning.value
    assert warning.proto.icon == ":material/help:"  # a Material icon: an emoji needs a font the browser may lack
    assert len(figures(at, "draw-bars")) == 2  # the bars are still shown


def test_teach_then_undo_restores_the_weights_exactly(canvas):
    default = load_default_model()
    before = {k: v.copy() for k, v in default.model.params().items()}
    at = run_page(canvas, drawn(4, seed=3, height=160, pen=14))
    state = at.session_state["lab"]
    x = state.last_drawing.reshape(1, -1)
    p0 = default.predict_proba(x)[0]
    first_answer, label = (int(d) for d in np.argsort(-p0)[:2])  # teach it its second guess
    picker = label_picker(at)
    picker.set_value(label)
    at.button("draw_teach").click().run()
    assert not at.exception
    state = at.session_state["lab"]
    assert len(state.draw_lessons.items) == 1
    taught = state.draw_lessons.items[-1].model
    p1 = taught.predict_proba(x)[0]
    assert p1[label] > p0[label] + 0.05  # the bars moved towards the label
    assert f"Last lesson, as {label}" in texts(at)
    # the shared bundled model is untouched
    for k, v in default.model.params().items():
        assert np.array_equal(v, before[k])
    # a second lesson, then two undos: back to the bundled weights exactly
    at.button("draw_teach").click().run()
    assert len(at.session_state["lab"].draw_lessons.items) == 2
    first = {k: v.copy() for k, v in taught.params().items()}
    at.button("draw_undo").click().run()
    state = at.session_state["lab"]
    assert len(state.draw_lessons.items) == 1
    for k, v in state.draw_lessons.items[-1].model.params().items():
        assert np.array_equal(v, first[k])
    at.button("draw_undo").click().run()
    state = at.session_state["lab"]
    assert state.draw_lessons.items == []
    assert at.button("draw_undo").disabled
    p_back = default.predict_proba(x)[0]
    assert np.array_equal(p_back, p0)
    assert f"It reads **{first_answer}**" in texts(at) or "Not sure" in texts(at)


def test_clear_gives_a_new_canvas(canvas):
    at = run_page(canvas, drawn(5, height=150, pen=14))
    first = canvas.calls[-1]["key"]
    canvas.image = None  # the new canvas is empty
    at.button("draw_clear").click().run()
    assert canvas.calls[-1]["key"] != first
    assert "Draw a digit" in at.info[0].value


def test_model_choice_names_the_active_model_and_uses_it(canvas):
    from mlp_core.io import SavedModel
    from mlp_core.model import MLP

    canvas.image = drawn(3, height=150, pen=14)
    lab = LabState()
    lab.uploaded = SavedModel(MLP.create(16, init="he", seed=1, biases=True, dtype="float32"))
    lab.uploaded_name = "tiny.npz"
    at = AppTest.from_file(str(ROOT / "app.py"), default_timeout=60)
    at.switch_page("pages/3_Draw.py")
    at.session_state["lab"] = lab
    at.run()
    (radio,) = at.radio
    assert radio.options == ["Bundled model", "Uploaded model"]  # the file name is shown apart, as plain text
    assert "Reading with: Bundled model" in texts(at)
    radio.set_value("uploaded").run()
    assert not at.exception
    assert at.session_state["lab"].active == "uploaded"
    assert "Reading with: Uploaded model" in texts(at)
    # the untrained tiny network reads differently from the bundled one, and its hidden layer has 16 units
    assert "of 16 hidden units" in texts(at)


def test_only_the_bundled_model_means_no_choice(canvas):
    at = run_page(canvas, drawn(3, height=150, pen=14))
    assert not at.radio  # nothing to choose between
    assert "Reading with: Bundled model" in texts(at)


@pytest.mark.parametrize("lang", ["en", "ru"])
def test_inside_the_network_red_means_up_and_the_sums_add_up(canvas, lang):
    from mlp_core.explain import read_digit

    at = run_page(canvas, drawn(7, height=150, pen=14), lang=lang)
    reading = read_digit(load_default_model().model, at.session_state["lab"].last_drawing)
    from ui.draw_html import HIDDEN_PX

    (pixels,) = figures(at, "draw-pixels")
    c = reading.contributions
    img = picture(pixels)
    assert img.shape == (28, 28, 3)
    # the app's one rule for signed values: red positive (pushes up), blue negative, white for none
    assert tuple(img[np.unravel_index(np.argmax(c), c.shape)]) == SIGNED_TOP
    if c.min() == -np.abs(c).max():
        assert tuple(img[np.unravel_index(np.argmin(c), c.shape)]) == SIGNED_BOTTOM
    assert tuple(img[0, 0]) == (247, 247, 247) and c[0, 0] == 0
    text = texts(at)
    if lang == "en":
        assert "red pixels pushed it up, blue ones down" in text
    else:
        assert "красные пиксели её повышали, синие понижали" in text
    # the colour key and the caption write numbers as the language does, and the caption's add up
    point = "." if lang == "en" else ","
    limit = f"{np.abs(c).max():.2f}".replace(".", point)
    assert f"<span>−{limit}</span>" in pixels and f"<span>{limit}</span>" in pixels
    (caption,) = [c.value for c in at.caption if "θ =" in c.value]
    shown = re.findall(rf"−?\d+{re.escape(point)}\d\d", caption)
    total, bias, theta = (float(n.replace("−", "-").replace(point, ".")) for n in shown)
    assert round(total + bias, 2) == theta == round(float(reading.theta[reading.top]), 2)
    # hidden layer: axis titles in the page's language; one bar per unit, switched-off units as grey stubs
    (hidden,) = figures(at, "draw-hidden")
    titles = ("hidden unit j", "activation h_j") if lang == "en" else ("скрытый нейрон j", "активация h_j")
    assert all(f">{title}</span>" in hidden for title in titles)
    bars = picture(hidden)
    height, step = HIDDEN_PX
    assert bars.shape == (height, step * len(reading.h), 3)
    first = bars[:, ::step]  # each unit's first column
    inked = (first != 255).any(axis=2).sum(axis=0)
    grey = (first[-1] == (148, 163, 184)).all(axis=1)  # the stubs' colour
    off = reading.h <= 0
    assert np.array_equal(grey, off) and off.any()
    assert (inked[off] > 0).all() and inked[off].max() < inked[~off].max()  # visible, however short
    assert inked[np.argmax(reading.h)] == height


def test_a_model_without_biases_has_no_bias_clause(canvas):
    from mlp_core.io import SavedModel
    from mlp_core.model import MLP

    canvas.image = drawn(3, height=150, pen=14)
    lab = LabState()
    lab.uploaded = SavedModel(MLP.create(32, init="he", seed=1, biases=False, dtype="float32"))
    lab.uploaded_name = "nobias.npz"
    lab.active = "uploaded"
    at = AppTest.from_file(str(ROOT / "app.py"), default_timeout=60)
    at.switch_page("pages/3_Draw.py")
    at.session_state["lab"] = lab
    at.run()
    assert not at.exception
    text = texts(at)
    assert "Reading with: Uploaded model" in text
    assert "h = ReLU(W_h x)" in text and "b_h" not in text
    assert "biases (" not in text and "has no biases" in text
    assert "−0.00" not in text and "-0.00" not in text


def test_a_lesson_never_reads_zero_to_zero():
    from ui.draw_view import lesson_percent
    from ui.i18n import Translator

    en, ru = Translator("en"), Translator("ru")

    assert [lesson_percent(p, en) for p in (1e-5, 0.0042, 0.05, 0.5)] == ["<0.1%", "0.4%", "5.0%", "50%"]
    assert lesson_percent(0.0042, ru) == "0,4\u00a0%"


def teach(at: AppTest, label: int) -> None:
    label_picker(at).set_value(label)
    at.button("draw_teach").click().run()
    assert not at.exception, [e.message for e in at.exception]


def test_each_model_keeps_its_lessons_switching_away_and_back_brings_them_back(canvas):
    at = run_page(canvas, drawn(4, seed=3, height=160, pen=14))
    teach(at, 4)
    teach(at, 9)
    state = at.session_state["lab"]
    taught = state.draw_lessons.items[-1].model
    # another model is uploaded and chosen: it has no lessons, and nothing is said to be lost
    other = load_default_model().model.copy()  # a copy: the bundled model is shared and must not change
    other.W_o += 0.01
    state.uploaded = SavedModel(model=other)
    state.uploaded_name = "other.npz"
    at.run()  # the model radio appears
    at.radio[0].set_value("uploaded").run()
    assert not at.exception
    state = at.session_state["lab"]
    assert state.draw_lessons.count == 0
    assert "Reading with: Uploaded model" in texts(at) and "set aside" not in texts(at)
    teach(at, 1)  # a lesson for the uploaded model
    # back to the bundled model: its two lessons are back, weights and all
    at.radio[0].set_value("default").run()
    state = at.session_state["lab"]
    assert state.draw_lessons.count == 2 and "set aside" not in texts(at)
    assert "taught on this page (lessons: 2)" in texts(at)
    for name, value in taught.params().items():
        assert np.array_equal(state.draw_lessons.items[-1].model.params()[name], value), name
    # and the uploaded model's own lesson is still its own
    at.radio[0].set_value("uploaded").run()
    assert at.session_state["lab"].draw_lessons.count == 1


def test_lessons_set_aside_when_the_same_model_changes_are_announced(canvas):
    first = load_default_model().model.copy()
    lab = LabState(uploaded=SavedModel(model=first), uploaded_name="a.npz", active="uploaded")
    canvas.image = drawn(4, seed=3, height=160, pen=14)
    at = AppTest.from_file(str(ROOT / "app.py"), default_timeout=60)
    at.switch_page("pages/3_Draw.py")
    at.session_state["lab"] = lab
    at.run()
    teach(at, 4)
    state = at.session_state["lab"]
    assert state.draw_lessons.count == 1
    # the uploaded model is replaced by other weights under the lesson
    other = first.copy()
    other.W_o += 0.01
    state.uploaded = SavedModel(model=other)
    at.run()
    assert not at.exception
    assert at.session_state["lab"].draw_lessons.items == []
    assert "Your lessons (1) were for this model as it was before" in texts(at)
    teach(at, 4)  # a new lesson: the note has done its job
    assert "were for this model as it was before" not in texts(at)


def test_the_lesson_cap_is_said_before_it_bites_and_undo_takes_one_lesson(canvas, monkeypatch):
    from labs import lessons

    monkeypatch.setattr(lessons, "MAX_LESSONS", 2)
    monkeypatch.setattr("ui.draw_view.MAX_LESSONS", 2)
    at = run_page(canvas, drawn(4, seed=3, height=160, pen=14))
    teach(at, 4)
    assert "up to the last 2 lessons" in texts(at)
    assert "the next lesson makes the oldest" not in texts(at)
    teach(at, 9)
    assert "Undo keeps the last 2 lessons: the next lesson makes the oldest of them part of the model" in texts(at)
    teach(at, 4)  # the oldest is folded in, as said
    state = at.session_state["lab"]
    assert (state.draw_lessons.count, state.draw_lessons.folded, len(state.draw_lessons.items)) == (3, 1, 2)
    for left in (2, 1):
        at.button("draw_undo").click().run()
        assert at.session_state["lab"].draw_lessons.count == left
    assert at.button("draw_undo").disabled  # the folded lesson is part of the model now


def test_lessons_are_the_labs_a_reload_rebuilds_them_bit_for_bit(canvas):
    at = run_page(canvas, drawn(4, seed=3, height=160, pen=14))
    picker = label_picker(at)
    picker.set_value(9)
    at.button("draw_teach").click().run()
    picker = label_picker(at)
    picker.set_value(4)
    at.button("draw_teach").click().run()
    first = at.session_state["lab"]
    taught = [lesson.model for lesson in first.draw_lessons.items]
    assert len(taught) == 2
    # A reload: a new session on the same lab link, with nothing but the link.
    canvas.image = drawn(4, seed=3, height=160, pen=14)
    again = AppTest.from_file(str(ROOT / "app.py"), default_timeout=60)
    again.switch_page("pages/3_Draw.py")
    again.query_params["lab"] = first.lab_id
    again.run()
    assert not again.exception
    state = again.session_state["lab"]
    assert state.lab_id == first.lab_id and len(state.draw_lessons.items) == 2
    for kept, rebuilt in zip(taught, (lesson.model for lesson in state.draw_lessons.items), strict=True):
        for name, value in kept.params().items():
            assert np.array_equal(value, rebuilt.params()[name]), name
    assert "taught on this page (lessons: 2)" in texts(again)
    # Undo in the new session is kept too: a third session sees one lesson.
    again.button("draw_undo").click().run()
    third = AppTest.from_file(str(ROOT / "app.py"), default_timeout=60)
    third.switch_page("pages/3_Draw.py")
    third.query_params["lab"] = first.lab_id
    third.run()
    assert len(third.session_state["lab"].draw_lessons.items) == 1
    # Another lab does not see them.
    other = run_page(canvas, drawn(4, seed=3, height=160, pen=14))
    assert other.session_state["lab"].lab_id != first.lab_id
    assert other.session_state["lab"].draw_lessons.count == 0


def test_no_lesson_while_the_active_run_trains_then_teach_once_it_pauses(canvas):
    from mlp_core.config import preset
    from ui import lab as lab_module

    at = run_page(canvas, drawn(4, seed=3, height=160, pen=14))
    state = at.session_state["lab"]
    runs = lab_module.get_runs()
    try:
        # A long run (the notebook's 50 epochs in float64) that is the lab's active model.
        state.current_run = runs.start(state.lab_id, preset("original"))
        state.active, state.active_run = "trained", state.current_run
        save_lab(state)
        at.run()
        assert not at.exception
        assert at.button("draw_teach").disabled
        assert "still training" in texts(at)
        runs.pause(state.lab_id, state.current_run)
        at.run()
        assert not at.button("draw_teach").disabled and "still training" not in texts(at)
        at.button("draw_teach").click().run()
        assert at.session_state["lab"].draw_lessons.count == 1
    finally:
        runs.shutdown()


def test_lessons_kept_before_each_model_had_its_own_are_taken_over(canvas):
    from labs.lessons import BLOB_KEY
    from ui.lab import get_store, lessons_key

    at = run_page(canvas, drawn(4, seed=3, height=160, pen=14))
    teach(at, 9)
    state = at.session_state["lab"]
    store, base = get_store(), state.draw_lessons.base
    # as an older app kept them: one blob for the lab, whatever the model
    store.put_blob(state.lab_id, BLOB_KEY, store.get_blob(state.lab_id, lessons_key(base)))
    store.put_blob(state.lab_id, lessons_key(base), None)
    again = AppTest.from_file(str(ROOT / "app.py"), default_timeout=60)
    again.switch_page("pages/3_Draw.py")
    again.query_params["lab"] = state.lab_id
    again.run()
    assert again.session_state["lab"].draw_lessons.count == 1
    assert store.get_blob(state.lab_id, BLOB_KEY) is None
    assert store.get_blob(state.lab_id, lessons_key(base)) is not None


def png_bytes(photo: np.ndarray) -> bytes:
    import io

    from PIL import Image

    buf = io.BytesIO()
    Image.fromarray(photo).save(buf, format="PNG")
    return buf.getvalue()


def photo_page(canvas: FakeCanvas, lang: str = "en") -> AppTest:
    at = run_page(canvas, None, lang)
    at.session_state["lab"].draw_input = "photo"  # as the "Photo or file" choice sets it
    at.run()
    assert not at.exception, [e.message for e in at.exception]
    return at


def test_a_photo_of_a_digit_on_paper_is_cleaned_up_and_read(canvas, monkeypatch):
    from mlp_core import load_mnist
    from mlp_core.photo_synth import Scene, render

    mnist = load_mnist()
    at = photo_page(canvas)
    assert "Write one digit on paper" in texts(at)
    photo, _ = render(Scene(fill=0.5), np.random.default_rng(1), (mnist.x_test[0],))  # a 7, on lit paper
    at.file_uploader(key="draw_photo_file").upload("seven.png", png_bytes(photo)).run()
    assert not at.exception, [e.message for e in at.exception]
    assert re.search(r"\*\*7\*\*", texts(at)), texts(at)  # read as 7
    assert at.session_state["lab"].last_drawing.shape == (28, 28)  # what "teach it" and the Maths page use
    stages = figures(at, "draw-stages")[0]
    assert stages.count("<figure>") == 6 and "The ink, paper removed" in stages  # the clean-up, then MNIST's steps
    # a rerun with the same photo (a label chosen, a lesson) reads the kept result, not the photo again
    kept = at.session_state["lab"].extra["photo_read"]
    calls = []
    real = draw_view._read_photo
    monkeypatch.setattr(draw_view, "_read_photo", lambda data: calls.append(data) or real(data))
    at.run()
    assert calls == [] and at.session_state["lab"].extra["photo_read"] is kept


@pytest.mark.parametrize(
    ("what", "message"),
    [("blank", "No digit found in the picture"), ("not a picture", "That file is not a picture that can be read")],
)
def test_a_photo_that_cannot_be_read_says_what_to_do(canvas, what, message):
    from mlp_core.photo_synth import Scene, render

    at = photo_page(canvas)
    data = png_bytes(render(Scene(), np.random.default_rng(3))[0]) if what == "blank" else b"\x89PNG not really"
    at.file_uploader(key="draw_photo_file").upload("page.png", data).run()
    assert not at.exception, [e.message for e in at.exception]
    assert message in texts(at) and not figures(at, "draw-stages")
