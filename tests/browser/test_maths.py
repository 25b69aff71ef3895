"""The Maths page in a real browser: every formula renders in KaTeX (no error boxes, no raw
LaTeX left on the page) in both languages and every view, with screenshots at laptop and
phone widths to look at."""

from __future__ import annotations

import re

import pytest
from browser_helpers import PHONE, open_page, set_language, shot, tiny_round, wait_idle
from playwright.sync_api import expect

from ui.common import choice_key
from ui.i18n import t
from ui.maths import prose
from ui.maths.shared import KEYS_VIEW

# TeX commands that only show up as text when KaTeX failed to render a formula.
RAW_TEX = re.compile(r"\\(?:begin|end|frac|operatorname|delta|theta|hat|partial|sum|top|circ|mathbb|times)\b|\$\$")

# Text of the app's main area without the rendered formulas (their hidden MathML keeps the source).
TEXT_WITHOUT_FORMULAS = """() => {
    const main = document.querySelector('[data-testid=stMain]').cloneNode(true);
    main.querySelectorAll('.katex, .katex-display, [data-testid=stCode], code').forEach(e => e.remove());
    return main.textContent;
}"""


def heading(section: str, lang: str) -> str:
    """The heading of a lesson section (its first line, "### ...")."""
    return prose.source(section, lang).splitlines()[0].lstrip("# ")


def show(page, view: str, lang: str) -> None:
    label = t(KEYS_VIEW[view], lang)
    page.locator(f".st-key-{choice_key('maths_view', lang)}").get_by_role("radio", name=label).click()
    wait_idle(page)


def tall_shot(page, name: str) -> None:
    """A screenshot of the whole page: the app scrolls inside its own container, so the
    viewport is stretched to the content's height for the shot."""
    size = page.viewport_size
    height = page.evaluate(
        "() => Math.max(...[...document.querySelectorAll('[data-testid=stMain], [data-testid=stAppViewContainer]')]"
        ".map(e => e.scrollHeight))"
    )
    page.set_viewport_size({"width": size["width"], "height": min(max(height, size["height"]), 16000)})
    page.wait_for_timeout(700)  # charts re-layout to the new size
    shot(page, name)
    page.set_viewport_size(size)


# Display formulas wider than their box (they scroll sideways, so their right end is hidden), or a
# box wider than its place on the page. A few pixels of a bracket's overhang do not count.
OVERFLOWING = """() => [...document.querySelectorAll('[data-testid=stMain] .katex-display')].filter(e => {
    const place = e.closest('[data-testid=stElementContainer]').getBoundingClientRect();
    const box = e.getBoundingClientRect();
    return e.scrollWidth > e.clientWidth + 4 || box.right > place.right + 1 || box.left < place.left - 1;
}).map(e => e.textContent.slice(0, 60))"""


def assert_tiny_formulas_fit(page) -> None:
    """Every formula of the tiny network, results included, is visible without scrolling."""
    overflowing = page.evaluate(OVERFLOWING)
    assert not overflowing, f"formulas cut off at the right edge: {overflowing}"


def assert_view_selector_on_one_row(page, lang: str) -> None:
    boxes = [
        page.locator(f".st-key-{choice_key('maths_view', lang)}").get_by_role("radio", name=t(key, lang)).bounding_box()
        for key in KEYS_VIEW.values()
    ]
    assert len({round(b["y"]) for b in boxes}) == 1, f"the view selector wraps: {boxes}"
    width = page.viewport_size["width"]
    assert all(b["x"] >= 0 and b["x"] + b["width"] <= width for b in boxes), boxes


def assert_formulas_render(page, minimum: int) -> None:
    page.wait_for_timeout(300)  # KaTeX typesets right after the elements arrive
    assert page.locator("[data-testid=stException]").count() == 0
    assert page.locator(".katex-error").count() == 0
    rendered = page.locator("[data-testid=stMain] .katex").count()
    assert rendered >= minimum, f"only {rendered} formulas rendered"
    leftovers = RAW_TEX.findall(page.evaluate(TEXT_WITHOUT_FORMULAS))
    assert not leftovers, f"LaTeX source visible on the page: {leftovers[:5]}"


# Each language in one of the two (the axe test opens every view in both): English on a
# laptop, Russian on a phone.
@pytest.mark.parametrize("lang", ["en"])
def test_every_formula_renders(page, app_url, lang):
    open_page(page, app_url, "Maths")
    set_language(page, lang, t("nav.maths", lang))
    expect(page.get_by_role("heading", name=t("nav.maths", lang)).first).to_be_visible()

    expect(page.get_by_text(heading("softmax-cross-entropy", lang))).to_be_visible()
    assert_formulas_render(page, 14)  # 11 display formulas and the shapes table's inline maths
    tall_shot(page, f"maths-derivation-{lang}-laptop")

    show(page, "live", lang)
    page.wait_for_selector(".js-plotly-plot")
    expect(page.get_by_text(heading("check", lang))).to_be_visible()
    assert_formulas_render(page, 6)
    tall_shot(page, f"maths-live-{lang}-laptop")

    show(page, "tiny", lang)
    for _ in range(3):  # by round 3 the weights have three decimals: the longest lines
        tiny_round(page)
    expect(page.get_by_text(t("maths.tiny_update_header", lang), exact=True)).to_be_visible()
    assert_formulas_render(page, 13)
    assert_tiny_formulas_fit(page)
    tall_shot(page, f"maths-tiny-{lang}-laptop")


@pytest.mark.parametrize("lang", ["ru"])
def test_on_a_phone(page, app_url, lang):
    open_page(page, app_url, "Maths")
    set_language(page, lang, t("nav.maths", lang))  # on a laptop, where the sidebar is open; the session keeps it
    size = page.viewport_size
    page.set_viewport_size(PHONE)
    try:
        expect(page.get_by_role("heading", name=t("nav.maths", lang)).first).to_be_visible()
        assert_view_selector_on_one_row(page, lang)
        assert_formulas_render(page, 14)
        code = page.locator("[data-testid=stCode] pre").first
        assert code.evaluate("e => e.scrollWidth <= e.clientWidth + 1"), "the batch code scrolls sideways"
        tall_shot(page, f"maths-derivation-{lang}-phone")
        show(page, "live", lang)
        page.wait_for_selector(".js-plotly-plot")
        assert_formulas_render(page, 6)
        tall_shot(page, f"maths-live-{lang}-phone")
        show(page, "tiny", lang)
        for _ in range(3):
            tiny_round(page)
        assert_formulas_render(page, 13)
        assert_tiny_formulas_fit(page)
        tall_shot(page, f"maths-tiny-{lang}-phone")
    finally:
        page.set_viewport_size(size)
