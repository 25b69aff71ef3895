"""The Maths page under AppTest: its numbers are mlp_core's for the chosen digit, the
gradient check passes, the SGD step lowers E without touching the model, the tiny
network's buttons walk through a round, and everything renders in both languages."""

from __future__ import annotations

import re
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from streamlit.dataframe_util import convert_arrow_bytes_to_pandas_df
from streamlit.testing.v1 import AppTest

from mlp_core import MLP, SavedModel, as_float
from mlp_core.walkthrough import TINY_LABEL, TINY_X, sgd_step, tiny_model, walk
from ui import numbers
from ui.common import choice_key
from ui.i18n import CATALOGUE, LANGUAGES, t
from ui.maths import picker, prose, shared, tex
from ui.state import UPLOADED, LabState

ROOT = Path(__file__).resolve().parents[1]


@pytest.fixture(scope="module")
def saved() -> SavedModel:
    """A float32 model standing in as the session's uploaded model (the page uses the active one)."""
    m = MLP.create(24, init="xavier", seed=7, dtype="float32")
    for a in m.params().values():
        a.flags.writeable = False  # as the shared bundled model: the page must copy, never write
    return SavedModel(m, meta={"name": "test"})


def open_maths(saved: SavedModel, **state) -> AppTest:
    """The Maths page as the multipage app runs it (app.py is the entry point, so the
    sidebar's page links resolve), with the given model active."""
    at = AppTest.from_file(str(ROOT / "app.py"), default_timeout=60)
    at.switch_page("pages/1_Maths.py")
    if "maths_index" in state:  # a test that names a digit is a user who picked it
        state.setdefault("extra", {})[picker.CHOSEN] = True
    at.session_state["lab"] = LabState(active=UPLOADED, uploaded=saved, uploaded_name="test.npz", **state)
    at.run()
    assert not at.exception, [e.message for e in at.exception]
    return at


def lab(at: AppTest) -> LabState:
    return at.session_state["lab"]


TABLES = {"maths_classes": "θ", "maths_hidden": "δ₂", "maths_check": t("maths.col_rel", "en")}


def _tables(at: AppTest):
    return [*at.dataframe, *at.table]  # data grids, and the gradient check's plain table


def frame(at: AppTest, name: str):
    """The page's table by name, found by a column only it has."""
    return next(d.value for d in _tables(at) if TABLES[name] in d.value.columns)


def shown(at: AppTest, name: str) -> pd.DataFrame:
    """The page's table ``name`` as the user sees it: its cells as the page formatted them."""
    element = next(d for d in _tables(at) if TABLES[name] in d.value.columns)
    return convert_arrow_bytes_to_pandas_df(element.proto.arrow_data.styler.display_values)


def metric(at: AppTest, label_key: str, lang: str = "en") -> str:
    return next(m.value for m in at.metric if m.label == t(label_key, lang))


def expected(saved: SavedModel, mnist, i: int):
    x = as_float(mnist.x_test[i], np.float64)
    return x, int(mnist.y_test[i]), walk(saved.model, x, int(mnist.y_test[i]))


def check_numbers(at: AppTest, w) -> None:
    """The class table, the hidden-layer table and E on the page equal MLP's own computation."""
    m = lab(at).uploaded.model.astype(np.float64)
    y_hat, cache = m.forward(w.x[None, :])
    d1, d2 = m.deltas(cache, np.array([w.label]))
    classes = frame(at, "maths_classes")
    np.testing.assert_array_equal(classes["θ"].to_numpy(), cache.theta[0])
    np.testing.assert_array_equal(classes["ŷ"].to_numpy(), y_hat[0])
    np.testing.assert_array_equal(classes["y"].to_numpy(), np.eye(10, dtype=int)[w.label])
    np.testing.assert_array_equal(classes["δ₁ = ŷ − y"].to_numpy(), d1[0])
    hidden = frame(at, "maths_hidden")
    np.testing.assert_array_equal(hidden["z"].to_numpy(), cache.z[0])
    np.testing.assert_array_equal(hidden["h"].to_numpy(), cache.h[0])
    np.testing.assert_array_equal(hidden["δ₂"].to_numpy(), d2[0])
    assert metric(at, "maths.true_label") == str(w.label)
    assert metric(at, "maths.predicted") == str(int(np.argmax(y_hat[0])))
    assert metric(at, "maths.loss") == numbers.fixed_or_scientific(-np.log(y_hat[0, w.label]), "en")
    assert metric(at, "maths.relu_off") == f"{int((cache.z[0] <= 0).sum())} of 24"


def test_live_numbers_are_mlp_cores(saved, mnist):
    at = open_maths(saved, maths_view="live", maths_index=3)
    _, _, w = expected(saved, mnist, 3)
    check_numbers(at, w)
    # another digit through the slider
    at.slider(key="maths_index").set_value(1234).run()
    assert lab(at).maths_index == 1234
    _, _, w = expected(saved, mnist, 1234)
    check_numbers(at, w)


def test_random_digit_button(saved, mnist):
    at = open_maths(saved, maths_view="live", maths_index=0)
    seen = set()
    for _ in range(3):
        at.button(key="maths_random").click().run()
        seen.add(lab(at).maths_index)
        assert at.slider(key="maths_index").value == lab(at).maths_index
    assert len(seen) > 1
    check_numbers(at, expected(saved, mnist, lab(at).maths_index)[2])


def test_a_digit_the_model_gets_wrong(saved, mnist):
    at = open_maths(saved, maths_view="live", maths_index=0)
    at.button(key="maths_wrong").click().run()
    i = lab(at).maths_index
    assert saved.model.predict(mnist.x_test[i : i + 1])[0] != mnist.y_test[i]
    assert metric(at, "maths.predicted") != metric(at, "maths.true_label") == str(mnist.y_test[i])
    check_numbers(at, expected(saved, mnist, i)[2])


def test_gradient_check_table(saved, mnist):
    at = open_maths(saved, maths_view="live", maths_index=11)
    table = frame(at, "maths_check")
    rel = table[t("maths.col_rel", "en")].to_numpy()
    weights = [re.fullmatch(r"(W_h|W_o)\[(\d+), (\d+)\]", name) for name in table[t("maths.col_param", "en")]]
    assert len(rel) == 10 and all(weights) and {m.group(1) for m in weights} == {"W_h", "W_o"}
    assert rel.max() < 1e-6
    analytic = table[t("maths.col_analytic", "en")].to_numpy()
    numeric = table[t("maths.col_numeric", "en")].to_numpy()
    np.testing.assert_allclose(analytic, numeric, rtol=1e-6)
    _, _, w = expected(saved, mnist, 11)
    for m, a in zip(weights, analytic, strict=True):
        full = w.dW_h if m.group(1) == "W_h" else w.dW_o
        assert a == full[int(m.group(2)), int(m.group(3))]
    assert any(el.value.startswith("Largest relative error") for el in at.success)
    before = list(table[t("maths.col_param", "en")])
    at.button(key="maths_check_again").click().run()
    assert lab(at).maths_check_seed == 1
    table = frame(at, "maths_check")
    assert list(table[t("maths.col_param", "en")]) != before
    assert table[t("maths.col_rel", "en")].max() < 1e-6


def test_sgd_step_lowers_the_loss_and_leaves_the_model(saved, mnist):
    weights = {k: v.copy() for k, v in saved.model.params().items()}
    at = open_maths(saved, maths_view="live", maths_index=21)
    x, label, w = expected(saved, mnist, 21)
    at.select_slider(key=choice_key("maths_lr", "en")).set_value(0.05).run()
    assert lab(at).maths_lr == 0.05
    step = sgd_step(saved.model, x, label, 0.05)
    before, after = metric(at, "maths.loss_before"), metric(at, "maths.loss_after")
    assert before == numbers.fixed_or_scientific(w.E, "en") == numbers.fixed_or_scientific(step.loss_before, "en")
    assert after == numbers.fixed_or_scientific(step.loss_after, "en")
    assert float(after) < float(before)
    assert not at.warning
    for k, v in saved.model.params().items():
        np.testing.assert_array_equal(v, weights[k])
    # a huge learning rate overshoots, and the page says so
    at.select_slider(key=choice_key("maths_lr", "en")).set_value(5.0).run()
    if sgd_step(saved.model, x, label, 5.0).loss_after > w.E:
        assert any(str(t("maths.step_overshoot", "en", lr=5.0)) == el.value for el in at.warning)


def test_the_last_drawing(saved, mnist):
    drawing = (mnist.x_test[42].reshape(28, 28) / 255).astype(np.float32)
    at = open_maths(saved, maths_view="live", last_drawing=drawing)
    at.radio(key=choice_key("maths_source", "en")).set_value("drawing").run()
    assert lab(at).maths_source == "drawing"
    x = drawing.reshape(-1).astype(np.float64)
    guess = walk(saved.model, x, 0).prediction
    assert at.selectbox(key="maths_drawing_label").value == guess
    check_numbers(at, walk(saved.model, x, guess))
    other = (guess + 3) % 10
    at.selectbox(key="maths_drawing_label").set_value(other).run()
    check_numbers(at, walk(saved.model, x, other))


def test_no_drawing_no_source_choice(saved):
    at = open_maths(saved, maths_view="live")
    assert not at.radio
    assert any(c.value == t("maths.no_drawing", "en") for c in at.caption)


def test_view_switch_is_kept_in_the_session(saved):
    at = open_maths(saved)
    assert lab(at).maths_view == "derivation"
    at.button_group(key=choice_key("maths_view", "en")).set_value("tiny").run()
    assert lab(at).maths_view == "tiny"
    assert at.button(key="tiny_forward")


@pytest.mark.parametrize("lang", list(LANGUAGES))
@pytest.mark.parametrize("view", shared.VIEWS)
def test_every_view_renders_in_both_languages(saved, lang, view):
    at = open_maths(saved, lang=lang, maths_view=view, tiny_stage=3)
    texts = [el.value for el in (*at.markdown, *at.subheader, *at.caption)]
    assert prose.text("intro", lang) in texts
    other = "ru" if lang == "en" else "en"
    if view == "derivation":
        assert prose.text("network", lang) in texts and prose.text("network", other) not in texts
    else:
        assert t("maths.forward_header", lang) in texts and t("maths.forward_header", other) not in texts
    formulas = [el.value for el in at.latex] + [
        f for el in at.markdown for f in re.findall(r"\$\$.*?\$\$", el.value, re.S)
    ]
    assert len(formulas) >= 4
    for latex in formulas:  # KaTeX fails on these silently, so none may appear
        assert "\\newcommand" not in latex and "\\label" not in latex


def test_derivation_mentions_biases_only_when_the_model_has_them(saved):
    at = open_maths(saved)
    assert not at.info
    with_biases = SavedModel(MLP.create(8, biases=True, seed=1))
    at = open_maths(with_biases)
    assert at.info[0].value == prose.text("biases", "en")


def test_tiny_buttons_walk_a_round(saved):
    at = open_maths(saved, maths_view="tiny")
    latex = lambda: " ".join(el.value for el in at.latex)  # noqa: E731
    assert lab(at).tiny_stage == 0
    assert at.button(key="tiny_backward").disabled and at.button(key="tiny_update").disabled
    assert "0.25" not in latex()

    at.button(key="tiny_forward").click().run()
    assert lab(at).tiny_stage == 1
    assert r"\begin{bmatrix} 0.25 \\ -0.4 \\ 0.45 \end{bmatrix}" in latex()  # z = W_h x
    assert r"\begin{bmatrix} -0.01 \\ 0.22 \end{bmatrix}" in latex()  # theta
    assert "= 0.815" in latex()  # E
    assert at.button(key="tiny_forward").disabled and not at.button(key="tiny_backward").disabled

    at.button(key="tiny_backward").click().run()
    assert lab(at).tiny_stage == 2
    assert r"\begin{bmatrix} -0.557 & 0.557 \end{bmatrix}" in latex()  # delta_1
    assert r"\begin{bmatrix} -0.39 & 0 & 0.502 \end{bmatrix}" in latex()  # delta_2, unit 2 off

    at.button(key="tiny_update").click().run()
    assert lab(at).tiny_stage == 3
    step = sgd_step(tiny_model(), TINY_X, TINY_LABEL, 0.5)
    assert metric(at, "maths.loss_before") == numbers.fixed_or_scientific(step.loss_before, "en") == "0.8147"
    assert metric(at, "maths.loss_after") == numbers.fixed_or_scientific(step.loss_after, "en")
    assert step.loss_after < step.loss_before

    at.button(key="tiny_forward").click().run()  # round 2 starts from the updated weights
    assert lab(at).tiny_stage == 1 and lab(at).tiny_round == 2
    np.testing.assert_array_equal(lab(at).tiny_model.W_h, step.model_after.W_h)
    assert tex.bmatrix(step.model_after.W_h.T, "en") in latex()
    assert t("maths.tiny_round", "en", n=2) in [s.value for s in at.subheader]

    at.button(key="tiny_reset").click().run()
    assert lab(at).tiny_stage == 0 and lab(at).tiny_round == 1 and lab(at).tiny_model is None


def test_tiny_learning_rate_control(saved):
    at = open_maths(saved, maths_view="tiny", tiny_stage=3)
    at.select_slider(key=choice_key("tiny_lr", "en")).set_value(1.0).run()
    assert lab(at).tiny_lr == 1.0
    step = sgd_step(tiny_model(), TINY_X, TINY_LABEL, 1.0)
    assert metric(at, "maths.loss_after") == numbers.fixed_or_scientific(step.loss_after, "en")


def test_one_number_format_per_column(saved, mnist):
    at = open_maths(saved, maths_view="live", maths_index=3)
    w = expected(saved, mnist, 3)[2]
    classes = shown(at, "maths_classes")
    for column, values in {"θ": w.theta, "ŷ": w.y_hat, "δ₁ = ŷ − y": w.delta_1}.items():
        assert list(classes[column]) == list(map(numbers.column_formatter(values, "en"), values)), column
    hidden = shown(at, "maths_hidden")
    for column, values in {"z": w.z, "h": w.h, "δ₂": w.delta_2}.items():
        assert list(hidden[column]) == list(map(numbers.column_formatter(values, "en"), values)), column
    for text in [*classes["θ"], *hidden["z"]]:  # one shape a column: all fixed decimals or all scientific
        assert re.fullmatch(r"\u2212?\d\.\d+e[+\u2212]\d+", text) or re.fullmatch(r"\u2212?[\d,]+\.\d{4}", text), text
    # the gradient check: a and n alike, fixed decimals with 8 significant digits for everyday sizes
    table, check = frame(at, "maths_check"), shown(at, "maths_check")
    a, n = t("maths.col_analytic", "en"), t("maths.col_numeric", "en")
    values = [*table[a], *table[n]]
    compared = numbers.digit_by_digit_formatter(values, "en")
    assert list(check[a]) == list(map(compared, table[a])) and list(check[n]) == list(map(compared, table[n]))
    if min(abs(v) for v in values) >= 1e-3:
        assert not any("e" in v for v in [*check[a], *check[n]])


def test_russian_tables_and_formulas_write_a_decimal_comma(saved, mnist):
    at = open_maths(saved, lang="ru", maths_view="live", maths_index=3)
    w = expected(saved, mnist, 3)[2]
    classes = shown(at, "maths_classes")
    assert list(classes["ŷ"]) == [numbers.column_formatter(w.y_hat, "ru")(v) for v in w.y_hat]
    assert all("," in v and "." not in v for v in classes["ŷ"])
    assert any(f"= {numbers.tex(numbers.fixed_or_scientific(w.E, 'ru'))}" in el.value for el in at.latex)
    at = open_maths(saved, lang="ru", maths_view="tiny", tiny_stage=3)
    latex = " ".join(el.value for el in at.latex)
    assert r"\begin{bmatrix} 0{,}25 \\ -0{,}4 \\ 0{,}45 \end{bmatrix}" in latex  # z = W_h x
    assert "0." not in latex.replace("\\[", "")  # no decimal point left anywhere
    assert metric(at, "maths.loss_before", "ru") == "0,8147"
    slider = at.select_slider(key=choice_key("tiny_lr", "ru"))  # η as Russian writes it, and still η
    assert "0,5" in slider.options and "0.5" not in slider.options and slider.value == 0.5


def test_a_huge_step_shows_a_tiny_positive_loss(mnist):
    """One step with η = 5 makes a good model certain: E after the step is ~1e-20 or exactly 0,
    shown as such, never as -0.0000."""
    from mlp_core.io import load_default_model

    default = load_default_model()
    at = open_maths(default, maths_view="live", maths_index=18, maths_lr=5.0)
    after = metric(at, "maths.loss_after")
    assert not after.startswith("-") and after != "0.0000"
    assert after == "0" or "e\u2212" in after


def test_starts_on_an_instructive_digit_and_keeps_the_users_choice(saved, mnist):
    from mlp_core.walkthrough import example_losses, instructive_index

    at = open_maths(saved, maths_view="live")
    start = instructive_index(saved.model, mnist.x_test, mnist.y_test)
    assert lab(at).maths_index == start == at.slider(key="maths_index").value
    check_numbers(at, expected(saved, mnist, start)[2])
    loss = example_losses(saved.model, mnist.x_test[start : start + 1], mnist.y_test[start : start + 1])[0]
    assert 0.3 <= loss <= 2.0
    at.slider(key="maths_index").set_value(0).run()  # the user picks digit 0: it stays
    assert lab(at).maths_index == 0
    at.button_group(key=choice_key("maths_view", "en")).set_value("tiny").run()
    at.button_group(key=choice_key("maths_view", "en")).set_value("live").run()
    assert lab(at).maths_index == 0 == at.slider(key="maths_index").value


def test_captions_match_the_models_biases(saved):
    captions = lambda at: [c.value for c in at.caption]  # noqa: E731
    at = open_maths(saved, maths_view="live", maths_index=3)
    assert t("maths.z_caption", "en", count=24, z="z = Wₕ x") in captions(at)
    assert t("maths.theta_caption", "en", theta="θ = Wₒ h") in captions(at)
    with_biases = SavedModel(MLP.create(8, biases=True, seed=1))
    at = open_maths(with_biases, maths_view="live", maths_index=3, lang="ru")
    assert t("maths.z_caption", "ru", count=8, z="z = Wₕ x + bₕ") in captions(at)
    assert t("maths.theta_caption", "ru", theta="θ = Wₒ h + bₒ") in captions(at)


def test_step_chart_legend_matches_its_colours():
    from ui.figures import ACCENT, BLUE, GREY, probability_shift

    before, after = np.full(10, 0.1), np.linspace(0.0, 0.18, 10)
    fig = probability_shift(before, after, names=("before", "after", "after, the true digit 7"), highlight=7)
    colours = {bar.name: bar.marker.color for bar in fig.data}
    assert colours == {"before": GREY, "after": BLUE, "after, the true digit 7": ACCENT}  # one colour per entry
    true_bar = next(bar for bar in fig.data if bar.name.endswith("7"))
    assert list(true_bar.x) == ["7"] and list(true_bar.y) == [after[7]]
    assert {bar.offsetgroup for bar in fig.data[1:]} == {"after"}  # in the "after" slot of digit 7
    assert "7" not in fig.data[1].x


def test_tiny_z1_has_its_result_on_a_line_of_its_own(saved):
    weights = tiny_model()
    weights.W_h[:, 0] = [-0.5461, -0.0731, -0.4, -0.4461]  # long negative numbers in the products
    at = open_maths(saved, maths_view="tiny", tiny_stage=1, tiny_model=weights)
    z_1 = next(el.value.strip("$\n") for el in at.latex if r"\begin{aligned} z_1" in el.value)
    lines = z_1.removeprefix(r"\begin{aligned} ").removesuffix(r" \end{aligned}").split(r" \\[4pt] ")
    assert len(lines) == 3 and lines[-1].startswith("&= ")  # two products a line, then the result
    assert max(len(line) for line in lines) < 60


@pytest.mark.parametrize("lang", list(LANGUAGES))
def test_batch_code_is_phone_width_and_in_the_pages_language(saved, lang):
    at = open_maths(saved, lang=lang)
    section = next(el.value for el in at.markdown if "```python" in el.value)
    code = section.split("```python\n", 1)[1].split("```", 1)[0]
    assert ("row by row" in code) == (lang == "en")  # the comments speak the page's language
    assert max(len(line) for line in code.splitlines()) <= 36  # no sideways scrolling at 390 px
    assert all(line.startswith("#") or "#" not in line for line in code.splitlines())  # comments on their own
    assert "y_hat = softmax(theta)" in code


def test_russian_headers_are_russian():
    """Headers of the Maths page in Russian: no English words left but names of functions
    (the lesson's own headings: tests/test_maths_lesson.py)."""
    allowed = {"softmax", "relu"}
    ends = ("_header", "view_live", "view_tiny", "view_derivation")
    keys = [key for key in CATALOGUE if key.startswith("maths.") and key.endswith(ends)]
    assert len(keys) >= 6
    for key in keys:
        text = re.sub(r"\{\w+\}", "", CATALOGUE[key]["ru"])  # placeholders are not words
        words = {w.lower() for w in re.findall(r"[A-Za-z]{3,}", text)}
        assert words <= allowed, (key, words - allowed)


def test_tiny_values_on_the_whiteboard_never_read_zero():
    assert tex.number(2.34e-5, "en") == r"2.3\times 10^{-5}"
    assert tex.number(-1e-9, "ru") == r"-1{,}0\times 10^{-9}"
    assert tex.number(0.0, "en") == "0" and tex.number(-0.0, "ru") == "0"
    assert tex.number(0.1234, "en") == "0.123" and tex.number(0.0004, "en") == r"4.0\times 10^{-4}"
    assert r"\times" in tex.bmatrix(np.array([1e-6, 0.5]), "en")
    assert tex.paren(-0.25, "ru") == "(-0{,}25)" and tex.paren(0.25, "ru") == "0{,}25"


def test_russian_metrics_write_a_decimal_comma(saved):
    at = open_maths(saved, lang="ru", maths_view="live", maths_index=3)
    loss = metric(at, "maths.loss", "ru")
    assert "," in loss and "." not in loss
    assert "." in metric(open_maths(saved, maths_view="live", maths_index=3), "maths.loss")


def test_counts_in_captions_take_the_languages_plural_forms(saved, mnist):
    at = open_maths(saved, lang="ru", maths_view="live", maths_index=3)
    off = expected(saved, mnist, 3)[2].relu_off
    captions = [c.value for c in at.caption]
    assert t("maths.delta2_caption", "ru", count=off) in captions
    assert any("для каждого из 24 скрытых нейронов" in c for c in captions)
    assert any("Ниже строки 6 нейронов" in c for c in captions)
    # the tiny network switches off one unit of three: singular in both languages
    at = open_maths(saved, lang="ru", maths_view="tiny", tiny_stage=1)
    assert any(c.value.startswith("1 скрытый нейрон выключен ReLU (z ≤ 0): нейрон 2.") for c in at.caption)
    at = open_maths(saved, maths_view="tiny", tiny_stage=1)
    assert any(c.value.startswith("1 hidden unit switched off by ReLU (z ≤ 0): unit 2.") for c in at.caption)
    assert t("maths.delta2_caption", "ru", count=21).count("21 нейрона, выключенного") == 1
    assert "у 3 нейронов, выключенных" in t("maths.delta2_caption", "ru", count=3)


def test_every_chart_says_what_it_shows(saved, mnist):
    """A screen reader hears each chart's figures: every chart on "On a real digit" has alt text,
    and the ones that carry numbers say them as the page writes them."""
    at = open_maths(saved, maths_view="live", maths_index=11, lang="ru")
    charts = at.get("plotly_chart")
    alts = [c.proto.alt for c in charts]
    assert len(charts) == 8 and all(alts), alts
    _, label, w = expected(saved, mnist, 11)
    yhat = next(a for a in alts if a.startswith("Столбчатая диаграмма ŷ:"))
    assert f"у верной цифры, {label}, — {numbers.percent(w.y_hat[label], 'ru', 1)}" in yhat
    z = next(a for a in alts if a.startswith("Столбчатая диаграмма z"))
    assert f"выше нуля {int((w.z > 0).sum())}" in z
