"""Labs in a real browser: a run trains on while the user is on another page, the lab's
link brings everything back after a reload and after the server restarts, and Start
over a paused run asks first."""

from __future__ import annotations

import re

from browser_helpers import LAPTOP, open_page, set_number, start_app, stop_app, wait_idle
from playwright.sync_api import expect

FINISHED = re.compile(r"Run 1 finished: \d+\.\d\d% on the test set")
RUN_1 = re.compile(r"Run 1, trained in this lab")


def click(page, key: str) -> None:
    page.locator(f".st-key-{key} button").click()


def open_train(page, url: str) -> None:
    open_page(page, url, "Train")
    page.locator(".st-key-train_start button").wait_for()
    wait_idle(page)


def sidebar(page):
    return page.locator("[data-testid=stSidebar]")


def lab_of(page) -> str:
    match = re.search(r"[?&]lab=([A-Za-z0-9_-]{22})", page.url)
    assert match, page.url
    return match.group(1)


def test_a_run_trains_on_while_the_user_draws_and_a_reload_keeps_it(page, app_url):
    page.set_viewport_size(LAPTOP)
    open_train(page, app_url)
    lab = lab_of(page)
    click(page, "train_preset_fast")
    wait_idle(page)
    set_number(page, "train_w_n_train", 20000)
    set_number(page, "train_w_epochs", 4)
    click(page, "train_start")
    expect(sidebar(page).get_by_text("Training on the server")).to_be_visible()
    # Off to the Draw page, through the sidebar, while the run trains.
    sidebar(page).get_by_role("link", name="Draw").click()
    page.get_by_role("heading", name="Draw").first.wait_for()
    assert lab_of(page) == lab  # the link follows the user from page to page
    expect(sidebar(page).get_by_text(RUN_1)).to_be_visible()
    # The sidebar follows the run on this page too, until it has finished.
    expect(sidebar(page).get_by_text("Training on the server")).to_have_count(0, timeout=120_000)
    page.reload()
    page.get_by_role("heading", name="Draw").first.wait_for()
    wait_idle(page)
    assert lab_of(page) == lab
    expect(sidebar(page).get_by_text(RUN_1)).to_be_visible()
    sidebar(page).get_by_role("link", name="Train").click()
    page.get_by_text(FINISHED).wait_for(timeout=30_000)


def test_start_over_a_paused_run_asks_first(page, app_url):
    page.set_viewport_size(LAPTOP)
    open_train(page, app_url)
    set_number(page, "train_w_epochs", 20)
    click(page, "train_start")
    expect(sidebar(page).get_by_text("Training on the server")).to_be_visible()
    click(page, "train_pause")
    page.get_by_text("Paused. Resume continues").wait_for(timeout=20_000)
    wait_idle(page)
    resume = page.locator(".st-key-train_resume button")
    assert resume.get_attribute("data-testid") == "stBaseButton-primary"  # Resume is what the page offers
    click(page, "train_start")
    page.get_by_text("Run 1 is paused").wait_for()
    click(page, "train_confirm_no")
    expect(page.get_by_text("Run 1 is paused")).to_have_count(0)
    expect(page.get_by_text("Paused. Resume continues")).to_be_visible()


def test_after_a_server_restart_the_lab_link_brings_the_model_back(page, tmp_path):
    page.set_viewport_size(LAPTOP)
    env = {"BACKPROP_LAB_DATA": str(tmp_path / "data")}
    proc, url = start_app(log_name="streamlit-restart-1.log", extra_env=env)
    try:
        open_train(page, url)
        click(page, "train_preset_fast")
        wait_idle(page)
        set_number(page, "train_w_n_train", 5000)
        set_number(page, "train_w_epochs", 2)
        click(page, "train_start")
        page.get_by_text(FINISHED).wait_for(timeout=120_000)
        wait_idle(page)
        link = page.url
    finally:
        stop_app(proc)
    proc, url = start_app(log_name="streamlit-restart-2.log", extra_env=env)
    try:
        page.goto(link.replace(link.split("/Train")[0], url))
        page.get_by_text(FINISHED).wait_for(timeout=60_000)
        wait_idle(page)
        expect(sidebar(page).get_by_text(RUN_1)).to_be_visible()
        expect(page.get_by_text("Runs in this lab")).to_be_visible()
    finally:
        stop_app(proc)
