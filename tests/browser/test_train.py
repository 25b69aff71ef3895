"""The Train page in a real browser: a short run draws live charts, pauses and
resumes, ends with its accuracy, and its model downloads as a file that loads."""

from __future__ import annotations

import re
import time

from browser_helpers import LAPTOP, PHONE, axe_violations, open_page, set_language, set_number, shot, wait_idle
from playwright.sync_api import expect

from mlp_core import load_model

N_TRAIN = 20_000
BATCHES = 3 * -(-N_TRAIN // 256)  # 3 epochs of batches of 256
FINISHED = re.compile(r"Run \d+ finished: \d+\.\d\d% on the test set")


def click(page, key: str) -> None:
    page.locator(f".st-key-{key} button").click()


def shot_all(page, name: str) -> None:
    """A screenshot of the whole page: Streamlit scrolls inside its main block, so the
    window is made as tall as the content for the picture, then put back."""
    size = page.viewport_size
    height = page.evaluate("document.querySelector('[data-testid=stMain]').scrollHeight")
    page.set_viewport_size({"width": size["width"], "height": max(size["height"], height)})
    page.wait_for_timeout(400)  # charts re-layout to the new size
    shot(page, name)
    page.set_viewport_size(size)


def last_batch_drawn(page) -> int:
    """The number of the last batch in the "recent batches" chart. While the page
    redraws, the outgoing copy of the chart can briefly still be in the page: take the newest."""
    return page.locator(".st-key-train_chart_batches .js-plotly-plot").evaluate_all(
        "els => Math.max(0, ...els.map(el => (el.data && el.data.length && el.data[0].x.length)"
        " ? el.data[0].x[el.data[0].x.length - 1] : 0))"
    )


def open_train(page, app_url) -> None:
    open_page(page, app_url, "Train")
    # The first script run may not have started when the page first reports idle.
    page.get_by_role("heading", name="Train").wait_for()
    page.locator(".st-key-train_start button").wait_for()
    wait_idle(page)


def no_exception(page) -> None:
    assert page.locator("[data-testid=stException]").count() == 0


def test_train_live_pause_resume_download(page, app_url, tmp_path):
    page.set_viewport_size(LAPTOP)
    open_train(page, app_url)
    no_exception(page)
    expect(page.get_by_text("press Start").first).to_be_visible()
    # Long enough to watch (several ticks), short enough for a test: 1024 hidden units,
    # 20,000 images, 3 epochs of the notebook's float64 SGD.
    set_number(page, "train_w_hidden", 1024)
    set_number(page, "train_w_n_train", N_TRAIN)
    set_number(page, "train_w_epochs", 3)
    expect(page.get_by_text("Custom settings, based on the Original notebook preset.")).to_be_visible()
    shot_all(page, "train-before-laptop")

    click(page, "train_start")
    page.locator(".st-key-train_chart_batches .js-plotly-plot").first.wait_for()
    seen = set()
    deadline = time.monotonic() + 60
    while len(seen) < 3 and time.monotonic() < deadline:
        seen.add(last_batch_drawn(page))
        page.wait_for_timeout(150)
    assert len(seen) >= 3, f"the chart did not update twice while training: {sorted(seen)}"
    shot_all(page, "train-during-laptop")

    click(page, "train_pause")
    page.get_by_text("Paused. Resume continues").wait_for(timeout=20_000)
    wait_idle(page)
    paused_at = last_batch_drawn(page)
    page.wait_for_timeout(2000)
    assert last_batch_drawn(page) == paused_at, "training went on while paused"
    # Reruns while paused (here a language switch there and back) train nothing: the chunk
    # that was training when Pause was clicked stopped before the paused page was drawn.
    set_language(page, "ru", "Обучение")
    assert last_batch_drawn(page) == paused_at, "a rerun trained while paused"
    set_language(page, "en", "Train")
    page.get_by_text("Paused. Resume continues").wait_for()
    assert last_batch_drawn(page) == paused_at, "a rerun trained while paused"
    assert page.locator(".st-key-train_resume button").is_enabled()
    assert paused_at < BATCHES, "the run ended before it could be paused"

    click(page, "train_resume")
    page.get_by_text(FINISHED).wait_for(timeout=180_000)
    wait_idle(page)
    no_exception(page)
    for _ in range(50):  # every batch of the run, none lost in the pause
        if last_batch_drawn(page) == BATCHES:
            break
        page.wait_for_timeout(200)
    assert last_batch_drawn(page) == BATCHES
    test_acc = page.locator("[data-testid=stMetric]").filter(has_text="Test accuracy")
    assert re.search(r"\d+\.\d\d%", test_acc.inner_text())
    expect(page.get_by_text("Runs in this lab")).to_be_visible()
    expect(
        page.locator("[data-testid=stSidebar]").get_by_text(re.compile(r"Run \d+, trained in this lab"))
    ).to_be_visible()
    shot_all(page, "train-after-laptop")
    assert axe_violations(page) == [], "a finished run: its charts and confusion matrix"
    page.get_by_role("tab", name="Mistakes").click()
    mistakes = page.get_by_role("tabpanel", name="Mistakes")
    mistakes.locator("img").first.wait_for()
    expect(mistakes.locator("img")).to_have_count(24)
    assert "→" in mistakes.inner_text()
    shot_all(page, "train-mistakes-laptop")
    assert axe_violations(page) == [], "the mistakes gallery"
    page.get_by_role("tab", name="First-layer weights").click()
    page.get_by_text("unit 15", exact=True).wait_for()
    shot_all(page, "train-weights-laptop")
    assert axe_violations(page) == [], "the weights"

    with page.expect_download() as info:
        click(page, "train_download")
    path = tmp_path / info.value.suggested_filename
    info.value.save_as(path)
    saved = load_model(path)
    assert saved.model.hidden == 1024 and len(saved.history) == 3
    assert saved.config is not None and saved.config.train_size == N_TRAIN


def test_train_on_a_phone(page, app_url):
    page.set_viewport_size(PHONE)
    open_train(page, app_url)
    no_exception(page)
    shot_all(page, "train-before-phone")
    set_number(page, "train_w_hidden", 256)
    set_number(page, "train_w_n_train", 5000)
    set_number(page, "train_w_epochs", 3)
    click(page, "train_start")
    page.locator(".st-key-train_chart_batches .js-plotly-plot").first.wait_for()
    page.wait_for_timeout(1500)
    shot_all(page, "train-during-phone")
    page.get_by_text(FINISHED).wait_for(timeout=180_000)
    wait_idle(page)
    no_exception(page)
    shot_all(page, "train-after-phone")
    page.get_by_role("tab", name="Mistakes").click()
    page.locator("[data-testid=stImage]").first.wait_for()
    shot_all(page, "train-mistakes-phone")
    # Nothing wider than the screen: charts and tables fit the phone.
    width = page.evaluate("document.querySelector('[data-testid=stMain]').scrollWidth")
    assert width <= PHONE["width"] + 1, width
