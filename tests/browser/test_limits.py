"""Settings out of range and files the upload box refuses, in a real browser: each value the
attack pass typed keeps Start off with the reason next to it until it is fixed; a file too large
for the box clears the page's own message and says the limit in the page's language."""

from __future__ import annotations

import re

from browser_helpers import open_page, set_language, wait_idle
from playwright.sync_api import expect

from mlp_core import MLP, model_to_bytes

# (control, typed value, what the page says after "Start is off: ")
TYPED = [
    ("lr", "0", "Learning rate takes a number from 0.0001 to 1,000, not 0."),
    ("lr", "5000", "Learning rate takes a number from 0.0001 to 1,000, not 5,000."),
    ("epochs", "-5", "Epochs takes a whole number from 1 to 200, not \u22125."),
    ("n_train", "1", "Training images takes a whole number from 100 to 60,000, not 1."),
    ("hidden", "4096", "Hidden units takes a whole number from 1 to 1,024, not 4,096."),
    ("batch_size", "99999", "Batch size takes a whole number from 1 to 4,096, not 99,999."),
]


def type_number(page, name: str, value: str) -> None:
    box = page.locator(f".st-key-train_w_{name} input")
    box.fill(value)
    box.press("Enter")
    wait_idle(page)


def test_each_out_of_range_value_keeps_start_off_with_the_reason(page, app_url):
    open_page(page, app_url, "Train")
    start = page.locator(".st-key-train_start button")
    reason = page.locator(".st-key-train_settings_problem p")  # the sentence (the icon has its own text)
    expect(start).to_be_enabled()
    for name, value, said in TYPED:
        box = page.locator(f".st-key-train_w_{name} input")
        before = box.input_value()
        type_number(page, name, value)
        expect(reason).to_have_text("Start is off: " + said)
        expect(start).to_be_disabled()
        expect(box).to_have_value(re.compile(rf"^{re.escape(value)}(\.0+)?$"))  # the typed value stays, visibly
        type_number(page, name, before)
        expect(reason).to_have_count(0)
        expect(start).to_be_enabled()
    assert page.locator("[data-testid=stException]").count() == 0


def test_a_file_too_large_for_the_box_clears_the_pages_message_and_says_the_limit(page, app_url):
    open_page(page, app_url, "Train")
    set_language(page, "ru", "Обучение")
    uploader = page.locator(".st-key-train_upload input[type=file]")
    result = page.locator(".st-key-train_upload_result")
    refused = page.locator(".st-key-train_upload_refused")
    good = model_to_bytes(MLP.create(16, seed=0, dtype="float32"))
    uploader.set_input_files(files=[{"name": "good.npz", "mimeType": "application/octet-stream", "buffer": good}])
    expect(result).to_contain_text("Файл ниже загружен, и теперь это активная модель")
    wait_idle(page)
    expect(refused).to_be_hidden()

    big = bytes(17 * 2**20)  # over server.maxUploadSize (16 MB): Streamlit refuses it in the browser
    uploader.set_input_files(files=[{"name": "big.npz", "mimeType": "application/octet-stream", "buffer": big}])
    expect(page.locator("[data-testid=stFileChipIconError]")).to_have_count(1)
    expect(result).to_be_hidden()  # the previous file's message is gone
    expect(refused).to_be_visible()
    expect(refused).to_have_text(
        "Этот файл не принят, ничего не изменилось: файл модели — это файл .npz размером не больше 16 МБ."
    )

    uploader.set_input_files(files=[{"name": "again.npz", "mimeType": "application/octet-stream", "buffer": good}])
    expect(result).to_be_visible()  # a file the box takes brings the page's own message back
    expect(result).to_contain_text("again.npz")
    expect(refused).to_be_hidden()
