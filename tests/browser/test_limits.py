"""Settings out of range, in a real browser: each value the issue typed keeps Start off
with the reason next to it until it is fixed."""

from __future__ import annotations

import re

from browser_helpers import open_page, wait_idle
from playwright.sync_api import expect

# (control, typed value, what the page says after "Start is off: ")
TYPED = [
    ("lr", "0", "Learning rate takes a number from 0.0001 to 1,000, not 0."),
    ("lr", "5000", "Learning rate takes a number from 0.0001 to 1,000, not 5,000."),
    ("epochs", "-5", "Epochs takes a whole number from 1 to 200, not -5."),
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
