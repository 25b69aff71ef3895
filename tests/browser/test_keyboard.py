"""One whole path with the keyboard alone: switch the language, start a Fast run and see
it finish, open Draw, give it a photo of a digit from a file, and read the answer."""

from __future__ import annotations

import numpy as np
from browser_helpers import axe_violations, open_page, wait_idle
from PIL import Image
from playwright.sync_api import TimeoutError as PlaywrightTimeout
from playwright.sync_api import expect

from mlp_core import load_mnist
from mlp_core.photo_synth import Scene, render
from ui.i18n import t

MAX_TABS = 120


def tab_to(page, selector: str, *, backwards: bool = False) -> None:
    """Press Tab (or Shift+Tab) until the focus is on the element ``selector`` matches."""
    for _ in range(MAX_TABS):
        if page.evaluate("sel => !!document.activeElement && document.activeElement.matches(sel)", selector):
            return
        page.keyboard.press("Shift+Tab" if backwards else "Tab")
    raise AssertionError(f"Tab never reached {selector}")


def test_the_keyboard_alone_trains_a_model_and_reads_a_photo(page, app_url, tmp_path):
    digits = load_mnist()
    photo, _ = render(Scene(fill=0.5), np.random.default_rng(1), (digits.x_test[1],))  # a 2 on paper
    path = tmp_path / "two.png"
    Image.fromarray(photo).save(path)

    open_page(page, app_url)
    tab_to(page, ".st-key-lang_select input")
    page.keyboard.press("ArrowDown")  # opens the list
    page.get_by_role("option", name="Русский").wait_for()
    page.keyboard.press("ArrowDown")
    page.keyboard.press("Enter")
    expect(page.locator("[data-testid=stSidebar]").get_by_text(t("nav.train", "ru"))).to_be_visible()
    wait_idle(page)

    tab_to(page, '[data-testid=stSidebar] a[href$="Train"]')
    page.keyboard.press("Enter")
    page.get_by_role("heading", name=t("nav.train", "ru")).wait_for()
    wait_idle(page)
    tab_to(page, ".st-key-train_preset_fast button")
    page.keyboard.press("Enter")
    wait_idle(page)
    tab_to(page, ".st-key-train_start button")
    page.keyboard.press("Enter")
    expect(page.get_by_text("Запуск 1 завершён")).to_be_visible(timeout=180_000)
    wait_idle(page)

    tab_to(page, '[data-testid=stSidebar] a[href$="Draw"]', backwards=True)
    page.keyboard.press("Enter")
    page.get_by_role("heading", name=t("nav.draw", "ru")).wait_for()
    wait_idle(page)
    tab_to(page, "[role=radio]")  # the first choice, "Draw it": the arrow keys move along the group
    page.keyboard.press("ArrowRight")
    page.keyboard.press("Space")
    wait_idle(page)
    page.locator(".st-key-draw_photo_file button").wait_for()
    wait_idle(page)
    for _ in range(3):  # a rerun that lands between the Tab and the Enter redraws the button unfocused
        tab_to(page, ".st-key-draw_photo_file button")
        try:
            with page.expect_file_chooser(timeout=5_000) as chooser:
                page.keyboard.press("Enter")
            break
        except PlaywrightTimeout:
            wait_idle(page)
    else:
        raise AssertionError("Enter on the upload button opened no file chooser")
    chooser.value.set_files(path)
    expect(page.get_by_role("heading", name="Это 2").filter(visible=True)).to_be_visible(timeout=30_000)
    wait_idle(page)
    assert axe_violations(page) == [], "a photo's reading, with the photo's clean-up among the stages"
