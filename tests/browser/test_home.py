"""The home page in a real browser: it renders, links to every page, switches language."""

from urllib.parse import parse_qs, urlparse

from browser_helpers import PHONE, open_page, shot, wait_idle
from playwright.sync_api import expect


def test_home_renders_and_links(page, app_url):
    open_page(page, app_url)
    expect(page.get_by_role("heading", name="Backprop Lab")).to_be_visible()
    for label in ("Maths walkthrough", "Train", "Draw"):
        expect(page.locator("[data-testid=stPageLink]").filter(has_text=label).first).to_be_visible()
    expect(page.locator("[data-testid=stException]")).to_have_count(0)
    shot(page, "home-laptop")


def test_language_switch_persists_across_pages(page, app_url):
    open_page(page, app_url)
    lab = parse_qs(urlparse(page.url).query)["lab"][0]  # every visitor gets a lab, kept in the link
    page.locator(".st-key-lang_select [role=combobox]").click()
    page.get_by_role("option", name="Русский").click()
    wait_idle(page)
    expect(page.get_by_text("Куда дальше")).to_be_visible()
    page.locator("[data-testid=stSidebar] [data-testid=stPageLink]").filter(has_text="Обучение").click()
    # Moving between pages keeps the same lab in the link.
    expect(page).to_have_url(f"{app_url}/Train?lab={lab}")
    wait_idle(page)
    expect(page.locator("[data-testid=stSidebar]").get_by_text("Главная")).to_be_visible()
    expect(page.get_by_role("heading", name="Обучение").first).to_be_visible()


def test_home_on_a_phone(page, app_url):
    page.set_viewport_size(PHONE)
    open_page(page, app_url)
    expect(page.get_by_role("heading", name="Backprop Lab")).to_be_visible()
    shot(page, "home-phone")
