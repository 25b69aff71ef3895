"""Switching language in a real browser keeps every choice on every page.

Streamlit keeps a choice widget's value as the label the browser shows; after a switch
the browser sends back the old language's label. Once that turned the Train page's
initialisation into "Notebook's uniform" and refused to train. AppTest does not send
labels back, so only a browser shows it."""

from __future__ import annotations

import pytest
from browser_helpers import open_page, set_language, wait_idle
from playwright.sync_api import expect

from ui.i18n import t

PAGES = {"Train": "nav.train", "Draw": "nav.draw", "Maths": "nav.maths"}


def assert_page_is_sound(page, lang: str) -> None:
    expect(page.locator("[data-testid=stException]")).to_have_count(0)
    main = page.locator("[data-testid=stMain]")
    bad = t("train.bad_settings", lang, reason="").rstrip(".").strip()
    expect(main.get_by_text(bad)).to_have_count(0)
    custom = t("train.custom_text", lang, preset="").split("{")[0][:15]
    expect(main.get_by_text(custom)).to_have_count(0)  # no choice changed the settings


@pytest.mark.parametrize("path", list(PAGES))
def test_switching_language_there_and_back_changes_no_choice(page, app_url, path):
    open_page(page, app_url, path)
    for lang in ("ru", "en", "ru"):
        set_language(page, lang, t(PAGES[path], lang))
        page.wait_for_timeout(500)  # the browser answers the new widgets with its own values
        wait_idle(page)
        assert_page_is_sound(page, lang)
    if path == "Train":
        expect(page.locator(".st-key-train_start button")).to_be_enabled()
        init = page.locator(".st-key-train_w_init_ru").get_by_role("combobox")
        expect(init).to_have_accessible_name(t("train.init", "ru"))
        expect(page.locator(".st-key-train_w_init_ru")).to_match_aria_snapshot(
            f'- combobox "{t("train.init", "ru")}": {t("train.init_seed_uniform", "ru")}'
        )
