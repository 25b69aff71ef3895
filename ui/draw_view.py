"""The Draw page's pieces: model choice, the preprocessing stages, the reading,
what happens inside, and "teach it" with undo. Numbers come from mlp_core."""

from __future__ import annotations

import hashlib
from collections.abc import Callable

import numpy as np
import streamlit as st
from PIL import Image

from labs.lessons import MAX_LESSONS, Lesson, Lessons, teach_lesson
from labs.runs import RUNNING
from mlp_core.explain import Reading, read_digit, shown_parts
from mlp_core.io import fingerprint
from mlp_core.model import MLP
from mlp_core.photo import decode_photo, photo_to_mnist
from mlp_core.preprocess import Stages, canvas_to_mnist, ink_of

from . import draw_html, lab, numbers
from .common import active_model, choice_key, get_dataset, get_state, model_label
from .i18n import Translator
from .state import DEFAULT, TRAINED, UPLOADED, LabState
from .strokes import StrokeHistory

CANVAS_SIZE = 280  # pixels; fits a phone screen
TOOLBAR_STRIP = 40  # pixels of canvas above the square shown, hidden with the canvas's own toolbar (46 px tall)
FILLED_EXTENT = 0.25  # ink refused as a drawing that spans this share of the canvas is "filled", not a dot
PEN_RANGE = (4, 40)
INK = "#111827"
EVAL_DIGITS = 1000  # test digits used to show what a lesson costs elsewhere
STAGE_PX = 160  # each stage is shown this many pixels wide (two fit side by side on a phone)

KEYS_REFUSAL = {
    "empty": "draw.empty",
    "dot": "draw.too_small",
    "filled": "draw.too_filled",
    # a photo or a file: mlp_core.photo's problem codes, and a file that is no picture
    "no_photo": "draw.photo_none",
    "no_ink": "draw.photo_no_ink",
    "several_digits": "draw.photo_several",
    "touches_edge": "draw.photo_edge",
    "bad_file": "draw.photo_bad_file",
}
KEYS_INPUT = {"canvas": "draw.input_canvas", "photo": "draw.input_photo"}
KEYS_PHOTO_STAGES = ("draw.stage_photo", "draw.stage_paper")
KEYS_DRAW_STAGES = ("draw.stage_ink", "draw.stage_cropped", "draw.stage_scaled", "draw.stage_final")


# --- the model ----------------------------------------------------------------


def sources(state: LabState) -> list[str]:
    """The models that can be chosen now: the bundled one, and the lab's trained and uploaded ones if any."""
    out = [DEFAULT]
    if lab.trained_run(state):
        out.append(TRAINED)
    if state.uploaded is not None:
        out.append(UPLOADED)
    return out


def _choose(state: LabState) -> None:
    state.active = st.session_state[choice_key("draw_model", state.lang)]
    if state.active == TRAINED:
        state.active_run = lab.trained_run(state)
    lab.save(state)


def model_chooser(state: LabState, T: Translator) -> None:
    """A radio of the available models; the choice is the session's active model (all pages).
    With only the bundled model there is nothing to choose: no radio (the model line names it)."""
    options = sources(state)
    if len(options) < 2:
        return
    _, current = active_model(state)
    key = choice_key("draw_model", state.lang)
    st.session_state[key] = current
    st.radio(
        T("draw.model"),
        options,
        format_func=lambda s: model_label(state, s, T),
        key=key,
        horizontal=True,
        on_change=_choose,
        args=(state,),
    )


def current_model(state: LabState) -> tuple[MLP, str]:
    """The weights the page reads with (the chosen model plus its lessons) and the source.

    Lessons belong to the weights they were taught to, and each model keeps its own:
    choosing another model sets them aside, choosing it again brings them back. When
    the same source has new weights (a run trained on, another file uploaded), the
    page says that the lessons shown until then were set aside. The shared bundled
    model is never changed.
    """
    saved, source = active_model(state)
    base = f"{source}:{fingerprint(saved.model)}"
    if state.draw_lessons.base != base:
        before = state.draw_lessons
        same_source = before.base.split(":", 1)[0] == source
        state.draw_lessons_dropped = before.count if same_source else 0
        state.draw_lessons = lab.load_lessons(state, base, saved.model) or Lessons(base=base)
    return state.draw_lessons.model(saved.model), source


# --- canvas -------------------------------------------------------------------


def clear_canvas(state: LabState) -> None:
    state.draw_canvas += 1
    state.draw_strokes = StrokeHistory()


def _undo_stroke(state: LabState) -> None:
    state.draw_strokes.undo()


def _redo_stroke(state: LabState) -> None:
    state.draw_strokes.redo()


def _set_pen(state: LabState) -> None:
    state.draw_pen = int(st.session_state["draw_pen"])


def pen_slider(state: LabState, T: Translator) -> int:
    st.session_state["draw_pen"] = state.draw_pen
    st.slider(T("draw.pen"), *PEN_RANGE, key="draw_pen", on_change=_set_pen, args=(state,))
    return state.draw_pen


def canvas_pad(state: LabState, T: Translator, st_canvas: Callable) -> np.ndarray | None:
    """The canvas with Undo, Redo and Clear under it; returns the drawing as the user sees it
    (RGBA, CANVAS_SIZE square), or None before the first stroke.

    The canvas component keeps its own toolbar over the top of its right half, invisible
    until hovered, where it swallows strokes and taps (a tap can hit its bin). So the
    canvas is made TOOLBAR_STRIP pixels taller and the page hides that strip, toolbar
    and all: every press on the square that shows starts a stroke.
    """
    key = f"draw_canvas_{state.draw_canvas}"
    if key not in st.session_state:  # a new canvas (Clear, or the page opened again) starts empty
        state.draw_strokes = StrokeHistory()
    history = state.draw_strokes
    with st.container(key="draw_pad"):
        result = st_canvas(
            stroke_width=state.draw_pen,
            stroke_color=INK,
            background_color="",  # transparent: the alpha channel is the ink
            height=CANVAS_SIZE + TOOLBAR_STRIP,
            width=CANVAS_SIZE,
            drawing_mode="freedraw",
            initial_drawing=history.initial,
            return_image_data=True,
            key=key,
        )
    history.seen(result.json_data if result is not None else None)
    with st.container(horizontal=True, gap="small", key="draw_tools"):
        st.button(
            T("draw.undo_stroke"), key="draw_undo_stroke", icon=":material/undo:", on_click=_undo_stroke,
            args=(state,), disabled=not history.can_undo,
        )  # fmt: skip
        st.button(
            T("draw.redo_stroke"), key="draw_redo_stroke", icon=":material/redo:", on_click=_redo_stroke,
            args=(state,), disabled=not history.can_redo,
        )  # fmt: skip
        st.button(T("draw.clear"), key="draw_clear", icon=":material/delete:", on_click=clear_canvas, args=(state,))
    image = result.image_data if result is not None else None
    return visible_square(image)


def _set_input(state: LabState) -> None:
    state.draw_input = st.session_state[choice_key("draw_input", state.lang)]


def input_chooser(state: LabState, T: Translator) -> str:
    """Draw on the canvas, or give a photo of a digit on paper (the camera or a file)."""
    key = choice_key("draw_input", state.lang)
    st.session_state[key] = state.draw_input
    st.segmented_control(
        T("draw.input_label"),
        tuple(KEYS_INPUT),
        format_func=lambda v: T(KEYS_INPUT[v]),
        key=key,
        required=True,
        on_change=_set_input,
        args=(state,),
        label_visibility="collapsed",
    )
    return state.draw_input


def photo_pad(T: Translator) -> bytes | None:
    """A photo to read, from the camera (behind a toggle, so the browser asks for the
    camera only when the user wants it) or from a PNG/JPEG file; the newest one wins."""
    upload = st.file_uploader(T("draw.photo_upload"), type=["png", "jpg", "jpeg"], key="draw_photo_file")
    shot = None
    if st.toggle(T("draw.photo_use_camera"), key="draw_photo_camera_on"):
        shot = st.camera_input(T("draw.photo_camera"), key="draw_photo_camera")
    chosen = shot or upload
    return chosen.getvalue() if chosen is not None else None


def read_photo(data: bytes | None):
    """A photo's bytes -> (28x28 or None, canvas stages or None, why nothing is read, the photo's
    clean-up for showing (PhotoReading) or None). The session keeps the last photo's reading:
    the page's reruns (choosing a label, teaching) do not clean the same photo up again."""
    if data is None:
        return None, None, "no_photo", None
    digest = hashlib.blake2b(data, digest_size=16).digest()
    kept = get_state().extra.get("photo_read")
    if kept is not None and kept[0] == digest:
        return kept[1]
    result = _read_photo(data)
    get_state().extra["photo_read"] = (digest, result)
    return result


def _read_photo(data: bytes):
    try:
        photo = photo_to_mnist(decode_photo(data))
    except ValueError:
        return None, None, "bad_file", None
    if photo.problem is not None:
        return None, None, photo.problem, photo
    return photo.image, photo.stages, "", photo


def visible_square(image: np.ndarray | None) -> np.ndarray | None:
    """The part of the canvas image that the page shows: its bottom CANVAS_SIZE rows
    (the strip above them, under the hidden toolbar, is out of sight, and so is any ink there)."""
    if image is None or image.shape[0] <= CANVAS_SIZE:
        return image
    return image[-CANVAS_SIZE:]


def preprocess(image: np.ndarray | None) -> tuple[np.ndarray | None, Stages | None, str]:
    """The canvas image -> (28x28 or None, stages or None, why there is nothing to read:
    "" when there is, "empty", "dot" for a speck, "filled" for ink that covers the canvas)."""
    if image is None:
        return None, None, "empty"
    x28, stages = canvas_to_mnist(image, return_stages=True)
    if x28 is not None:
        return x28, stages, ""
    # The canvas is transparent, so its alpha is the ink, even where it covers every pixel
    # (ink_of would read a fully opaque image as a background colour with nothing on it).
    mask = image[..., 3] > 25 if image.ndim == 3 else ink_of(image) > 0.1
    if not mask.any():
        return None, None, "empty"
    rows, cols = np.flatnonzero(mask.any(axis=1)), np.flatnonzero(mask.any(axis=0))
    extent = max(rows[-1] - rows[0], cols[-1] - cols[0]) + 1
    return None, None, "filled" if extent >= FILLED_EXTENT * min(mask.shape) else "dot"


# --- showing the stages ---------------------------------------------------------


def _enlarge(img: np.ndarray, size: int) -> np.ndarray:
    """A grey [0, 1] image -> (size, size) RGB uint8, ink dark on white, square pixels kept visible."""
    grey = (255 * (1 - np.clip(img, 0, 1))).astype(np.uint8)
    h, w = grey.shape
    side = max(h, w)
    square = np.full((side, side), 255, np.uint8)
    square[(side - h) // 2 : (side - h) // 2 + h, (side - w) // 2 : (side - w) // 2 + w] = grey
    method = Image.Resampling.NEAREST if side <= size else Image.Resampling.BOX
    out = Image.fromarray(square).resize((size, size), method)
    return np.stack([np.asarray(out)] * 3, axis=-1)


def _frame(rgb: np.ndarray) -> np.ndarray:
    out = rgb.copy()
    out[[0, -1], :] = (203, 213, 225)
    out[:, [0, -1]] = (203, 213, 225)
    return out


def stage_images(stages: Stages, size: int = STAGE_PX) -> list[np.ndarray]:
    """Four (size, size, 3) pictures: the ink with its bounding box, the crop, the 20x20, the 28x28."""
    ink = _enlarge(stages.ink, size)
    k = size / max(stages.ink.shape)
    top, bottom, left, right = (round(v * k) for v in stages.box)
    bottom, right = min(bottom, size - 1), min(right, size - 1)
    accent = (228, 87, 46)
    ink[top : bottom + 1, [left, right]] = accent
    ink[[top, bottom], left : right + 1] = accent
    final = _enlarge(stages.final, size)
    # centre of mass: a small cross at the pixel centre (14, 14) of the 28x28
    cell = size / 28
    r, c = (int((v + 0.5) * cell) for v in stages.centre_of_mass)
    arm = max(3, int(cell))
    final[max(r - arm, 0) : r + arm + 1, c] = accent
    final[r, max(c - arm, 0) : c + arm + 1] = accent
    return [_frame(ink), _frame(_enlarge(stages.cropped, size)), _frame(_enlarge(stages.scaled, size)), _frame(final)]


def show_stages(T: Translator, stages: Stages, photo=None) -> None:
    """MNIST's preparation of the digit; for a photo, first its clean-up: the photo in grey,
    then the ink left once the paper (its light, shadows, colour and printed lines) is taken out."""
    st.subheader(T("draw.stages_title"))
    images, captions = stage_images(stages), [T(k) for k in KEYS_DRAW_STAGES]
    if photo is not None:
        st.caption(T("draw.photo_stages_ruled") if photo.ruled else T("draw.photo_stages_text"))
        images = [_frame(_photo_image(photo.grey, STAGE_PX)), _frame(_enlarge(photo.ink, STAGE_PX)), *images]
        captions = [T(k) for k in KEYS_PHOTO_STAGES] + captions
    st.caption(T("draw.stages_text"))
    # a wrapping row: four (or six) across on a laptop, two by two on a phone
    st.html(draw_html.stages(images, captions, STAGE_PX))


def _photo_image(grey: np.ndarray, size: int) -> np.ndarray:
    """The photo in grey as it is (light paper light), fitted into a (size, size) square."""
    return _enlarge(1 - grey, size)


# --- the reading ------------------------------------------------------------------


def reading_line(T: Translator, reading: Reading) -> None:
    """The answer: the digit and how sure, or "not sure" with the two likeliest."""
    if reading.unsure:
        a, b = reading.top, reading.runner_up
        st.warning(
            T(
                "draw.unsure",
                a=a,
                pa=numbers.percent(reading.probs[a], T.lang, 0),
                b=b,
                pb=numbers.percent(reading.probs[b], T.lang, 0),
            ),
            icon=":material/help:",
        )
    else:
        st.markdown(T("draw.answer", digit=reading.top, conf=numbers.percent(reading.confidence, T.lang, 0)))


def show_reading(T: Translator, reading: Reading, before: np.ndarray | None) -> None:
    reading_line(T, reading)
    label = T("draw.strip_label")
    st.html(draw_html.probability_bars(reading.probs, reading.top, T.lang, label, before=before, big=True))
    if before is not None:
        st.caption(T("draw.bars_before"))


def compact_reading(T: Translator, reading: Reading | None, why: str) -> None:
    """What the page reads, in little room: shown under the canvas on a phone (see page_style)."""
    with st.container(key="draw_reading_compact"):
        if reading is None:
            st.info(T(KEYS_REFUSAL[why]), icon="✏️")
        else:
            reading_line(T, reading)
            st.html(draw_html.probability_bars(reading.probs, reading.top, T.lang, T("draw.strip_label")))


def show_inside(T: Translator, reading: Reading) -> None:
    st.subheader(T("draw.inside_title"))
    left, right = st.columns([3, 2], gap="large")
    with left:
        active = int(np.count_nonzero(reading.h > 0))
        st.markdown(T("draw.hidden_title") if reading.has_biases else T("draw.hidden_title_nobias"))
        st.html(draw_html.hidden_activations(reading.h, T("draw.hidden_x"), T("draw.hidden_y")))
        st.caption(T("draw.hidden_text", active=active, total=len(reading.h)))
    with right:
        st.markdown(T("draw.pixels_title", digit=reading.top))
        name = T("draw.pixels_title", digit=reading.top).strip("*")  # the picture's text: the title, plain
        st.html(draw_html.contribution_map(reading.contributions, T.lang, name))
        total, bias, theta = (numbers.decimal(v, 2, T.lang) for v in shown_parts(reading))
        if reading.has_biases:
            st.caption(T("draw.pixels_text", digit=reading.top, total=total, bias=bias, theta=theta))
        else:
            st.caption(T("draw.pixels_text_nobias", digit=reading.top, theta=theta))


# --- teach it -----------------------------------------------------------------------


def _accuracy(model: MLP) -> float:
    data = get_dataset()
    x, y = data.x_test[:EVAL_DIGITS], data.y_test[:EVAL_DIGITS]
    return float(np.mean(model.predict(x) == y))


def _teach(state: LabState, label_key: str) -> None:
    label = st.session_state.get(label_key)
    x28 = state.last_drawing
    if label is None or x28 is None:
        return
    model, _ = current_model(state)
    lessons = state.draw_lessons
    state.draw_lessons_dropped = 0
    seed = (lessons.count, int(label), state.draw_canvas)
    new = teach_lesson(model, x28, int(label), get_dataset(), seed)
    before, after = read_digit(model, x28), read_digit(new, x28)
    acc_before = lessons.items[-1].acc_after if lessons.items else _accuracy(model)
    lesson = Lesson(
        model=new,
        drawing=np.array(x28, copy=True),
        label=int(label),
        seed=seed,
        probs_before=before.probs,
        probs_after=after.probs,
        acc_before=acc_before,
        acc_after=_accuracy(new),
    )
    lessons.add(lesson)
    lab.save_lessons(state, lessons)


def _undo(state: LabState) -> None:
    if state.draw_lessons.items:
        state.draw_lessons.undo()
        lab.save_lessons(state, state.draw_lessons)


def before_probs(state: LabState, x28: np.ndarray) -> np.ndarray | None:
    """The probabilities before the last lesson, if the last lesson was on this very drawing."""
    items = state.draw_lessons.items
    if items and np.array_equal(items[-1].drawing, x28):
        return items[-1].probs_before
    return None


def run_training(state: LabState) -> bool:
    """Whether the active model is a run that is training now (its weights change as it does)."""
    if state.active != TRAINED:
        return False
    view = lab.run_view(state, state.active_run)
    return view is not None and view.status == RUNNING


def teach_panel(T: Translator, state: LabState, reading: Reading) -> None:
    st.subheader(T("draw.teach_title"))
    st.caption(T("draw.teach_text"))
    training = run_training(state)  # a lesson on weights that the run then moves on from would be lost
    if training:
        st.info(T("draw.teach_while_training"), icon=":material/hourglass_top:")
    label_key = f"draw_label_{reading.top}"
    st.segmented_control(
        T("draw.teach_label"), list(range(10)), default=reading.top, required=True, key=label_key, width="stretch"
    )
    a, b = st.columns(2)
    with a:
        st.button(
            T("draw.teach_button"), key="draw_teach", type="primary", on_click=_teach, args=(state, label_key),
            width="stretch", disabled=training,
        )  # fmt: skip
    with b:
        st.button(
            T("draw.undo_button"), key="draw_undo", on_click=_undo, args=(state,),
            disabled=not state.draw_lessons.items,
            width="stretch",
        )  # fmt: skip
    if state.draw_lessons.items:
        last = state.draw_lessons.items[-1]
        d = last.label
        st.caption(
            T(
                "draw.lesson",
                label=d,
                before=lesson_percent(last.probs_before[d], T),
                after=lesson_percent(last.probs_after[d], T),
                acc_before=numbers.percent(last.acc_before, T.lang, 1),
                acc_after=numbers.percent(last.acc_after, T.lang, 1),
                n=EVAL_DIGITS,
            )
        )
        st.caption(T("draw.lessons_count", count=state.draw_lessons.count, max=MAX_LESSONS))
    if len(state.draw_lessons.items) >= MAX_LESSONS:  # said before the next lesson folds the oldest in
        st.caption(T("draw.lessons_cap_next", count=MAX_LESSONS))
    if state.draw_lessons.folded:
        st.caption(T("draw.lessons_folded", count=state.draw_lessons.folded, max=MAX_LESSONS))
    if state.quota_error == "bytes":  # the lessons could not be kept in the lab
        st.warning(T("lab.quota_bytes"), icon=":material/inventory_2:")


def lesson_percent(p: float, T: Translator) -> str:
    """A probability as a lesson moved it: whole percents, but one decimal below 10 % and
    "<0.1%" below that, so a small move never reads "0% -> 0%"."""
    if p < 0.001:
        return "<" + numbers.percent(0.001, T.lang, 1)
    return numbers.percent(p, T.lang, 1 if p < 0.1 else 0)


def model_line(state: LabState, T: Translator, source: str) -> str:
    name = model_label(state, source, T)
    if state.draw_lessons.count:
        return T("draw.model_taught", name=name, count=state.draw_lessons.count)
    line = T("draw.model_plain", name=name)
    if state.draw_lessons_dropped:
        line += " " + T("draw.lessons_dropped", count=state.draw_lessons_dropped)
    return line


@st.fragment
def drawing_area(state: LabState, T: Translator, st_canvas: Callable) -> None:
    """The canvas and everything that depends on the drawing, as one fragment: a stroke,
    Undo, Redo, Clear, the pen or a lesson reruns this alone, not the page around it."""
    model, source = current_model(state)
    left, right = st.columns([5, 6], gap="large")  # room for Undo, Redo and Clear in one row, in Russian too
    with left:
        photo = None
        if input_chooser(state, T) == "photo":
            x28, stages, why, photo = read_photo(photo_pad(T))
        else:
            x28, stages, why = preprocess(canvas_pad(state, T, st_canvas))
        reading = read_digit(model, x28) if x28 is not None else None
        compact_reading(T, reading, why)
        if state.draw_input == "canvas":
            pen_slider(state, T)
            st.caption(T("draw.canvas_help"))
    with right:
        st.caption(model_line(state, T, source))
        with st.container(key="draw_reading_full"):
            if reading is None:
                st.info(T(KEYS_REFUSAL[why]), icon="✏️")
            else:
                show_reading(T, reading, before_probs(state, x28))
        if reading is not None:
            state.last_drawing = x28
            teach_panel(T, state, reading)
    if reading is not None:
        show_stages(T, stages, photo)
        show_inside(T, reading)


def page_style() -> None:
    """The canvas's hidden top strip (see canvas_pad); the reading under the canvas on a phone and
    beside it on a laptop (Streamlit stacks columns below 640 px); the figures (ui.draw_html); the ten
    digits of "teach it" share the column's width equally, so they stay on one row on a phone."""
    digits = '[class*="st-key-draw_label_"] button[data-variant="segmented_control"]'
    pad = (
        f".st-key-draw_pad{{overflow:hidden;height:{CANVAS_SIZE}px;width:{CANVAS_SIZE}px;flex:none;"
        "outline:1px solid rgba(49,51,63,0.2);outline-offset:-1px}"
        f".st-key-draw_pad>div{{margin-top:-{TOOLBAR_STRIP}px}}"
        ".st-key-draw_tools{gap:0.5rem}.st-key-draw_tools button{padding-left:0.6rem;padding-right:0.6rem}"
    )
    where = (
        "@media (min-width:641px){.st-key-draw_reading_compact{display:none}}"
        "@media (max-width:640px){.st-key-draw_reading_full{display:none}}"
    )
    digits += "{flex:1 1 0;min-width:0;padding-left:0;padding-right:0}"
    st.html(f"<style>{pad}{draw_html.STYLE}{where}{digits}</style>")
