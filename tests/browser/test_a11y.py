"""Accessibility and offline use in a real browser: axe-core's WCAG 2.0/2.1 A and AA rules
on every page and view, in English at a laptop's size and in Russian at a phone's, and
not one request to anywhere but the app's own server (venues without internet)."""

from __future__ import annotations

from urllib.parse import urlsplit

import pytest
from browser_helpers import LAPTOP, PHONE, axe_violations, open_page, set_language, tiny_round, wait_idle

from ui.i18n import t


def go(page, app_url: str, path: str) -> None:
    """Open a page of the same lab (its link is the query string) and wait for it."""
    open_page(page, app_url, f"{path}?{urlsplit(page.url).query}")
    page.wait_for_timeout(500)  # charts and formulas finish drawing after the script run


@pytest.fixture
def offline_page(browser, app_url):
    """make(size) gives a page whose requests to anywhere but the app's server are
    refused and recorded in ``outside``; ``failed`` records requests that failed."""
    outside: list[str] = []
    failed: list[str] = []
    contexts = []

    def only_the_app(route) -> None:
        if route.request.url.startswith(app_url):
            route.continue_()
        else:
            outside.append(route.request.url)
            route.abort()

    def make(size: dict):
        context = browser.new_context(viewport=size)
        contexts.append(context)
        context.route("**/*", only_the_app)
        page = context.new_page()
        page.on("requestfailed", lambda r: failed.append(f"{r.url}: {r.failure}"))
        return page

    yield make, outside, failed
    for context in contexts:
        context.close()


@pytest.mark.parametrize(("lang", "size"), [("en", LAPTOP), ("ru", PHONE)], ids=["en-laptop", "ru-phone"])
def test_every_page_passes_axe_and_needs_nothing_from_outside(offline_page, app_url, lang, size):
    make, outside, failed = offline_page
    page = make(size)
    open_page(page, app_url)
    if lang != "en":
        if size == PHONE:  # the sidebar starts folded on a phone
            page.locator("[data-testid=stExpandSidebarButton]").click()
        set_language(page, lang, t("app.title", lang))
        if size == PHONE:  # ... and stays open until folded again
            page.locator("[data-testid=stSidebarCollapseButton] button").click()
            page.locator("[data-testid=stSidebar][data-collapsed=true]").wait_for()
    found = {"Home": axe_violations(page)}
    for path in ("Train", "Draw", "Room", "Maths"):
        go(page, app_url, path)
        found[path] = axe_violations(page)
    for view in ("maths.view_live", "maths.view_tiny"):  # the Maths page's other two views
        page.get_by_role("radio", name=t(view, lang)).click()
        wait_idle(page)
        page.wait_for_timeout(500)
        found[view] = axe_violations(page)
    tiny_round(page)  # the tiny network after a step: its numbers, the sticky step bar
    found["maths.view_tiny, one round"] = axe_violations(page)
    problems = [f"{where}: {rule} ({impact}) at {nodes}" for where, v in found.items() for rule, impact, nodes in v]
    assert problems == [], "\n".join(problems)
    assert outside == [], "requests to outside servers"
    assert [f for f in failed if "/_stcore/" not in f] == []
