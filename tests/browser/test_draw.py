"""The Draw page in a real browser: draw on the canvas with the mouse (and a finger),
the page reads the digit; Clear asks for a drawing again."""

from __future__ import annotations

import re
from itertools import pairwise

from browser_helpers import LAPTOP, PHONE, open_page, shot, wait_idle
from playwright.sync_api import expect

SEVEN = [[(70, 60), (210, 60), (120, 230)]]  # canvas pixels: the bar, then the stem
ONE = [[(140, 40), (140, 240)]]
FOUR = [[(150, 40), (70, 170), (220, 170)], [(175, 110), (175, 250)]]


def canvas(page):
    # streamlit-drawable-canvas renders in an open shadow root; CSS pierces it
    c = page.locator("[data-testid=stBidiComponentIsolated] canvas.upper-canvas")
    c.wait_for(timeout=30_000)
    return c


def pad_box(page) -> dict:
    """The square of canvas that shows (the canvas runs on, hidden, above it: see ui.draw_view.canvas_pad)."""
    canvas(page)
    return page.locator(".st-key-draw_pad").bounding_box()


def draw_with_mouse(page, strokes) -> None:
    box = pad_box(page)
    for stroke in strokes:
        (x, y), rest = stroke[0], stroke[1:]
        page.mouse.move(box["x"] + x, box["y"] + y)
        page.mouse.down()
        for x, y in rest:
            page.mouse.move(box["x"] + x, box["y"] + y, steps=20)
        page.mouse.up()


def draw_with_finger(page, strokes) -> None:
    """Touch events through the DevTools protocol (Playwright's touchscreen only taps)."""
    box = pad_box(page)
    cdp = page.context.new_cdp_session(page)
    for stroke in strokes:
        points = []
        for (x0, y0), (x1, y1) in pairwise(stroke):
            points += [(x0 + (x1 - x0) * t / 20, y0 + (y1 - y0) * t / 20) for t in range(20)]
        points.append(stroke[-1])
        at = [{"x": box["x"] + x, "y": box["y"] + y} for x, y in points]
        cdp.send("Input.dispatchTouchEvent", {"type": "touchStart", "touchPoints": [at[0]]})
        for p in at[1:]:
            cdp.send("Input.dispatchTouchEvent", {"type": "touchMove", "touchPoints": [p]})
        cdp.send("Input.dispatchTouchEvent", {"type": "touchEnd", "touchPoints": []})


def answer(page, digit: int):
    return page.locator("[data-testid=stMarkdownContainer] h3").filter(has_text=re.compile(rf"It reads {digit}\b"))


def tall_shot(page, name: str, size: dict) -> None:
    """Streamlit scrolls inside the page, so a full-page shot needs a tall window."""
    page.set_viewport_size({"width": size["width"], "height": 2600})
    page.wait_for_timeout(1500)  # charts re-layout
    shot(page, name)
    page.set_viewport_size(size)


def test_draw_read_teach_clear(page, app_url):
    open_page(page, app_url, "Draw")
    expect(page.get_by_text("Draw a digit on the canvas")).to_be_visible()
    expect(page.get_by_text("Reading with: Bundled model")).to_be_visible()
    assert page.locator("[data-testid=stRadio]").count() == 0  # one model: nothing to choose
    shot(page, "draw-empty-laptop")
    draw_with_mouse(page, SEVEN)
    expect(answer(page, 7)).to_be_visible(timeout=30_000)
    wait_idle(page)
    assert page.locator("[data-testid=stException]").count() == 0
    expect(page.locator("[data-testid=stImage]")).to_have_count(4, timeout=30_000)  # the four stages
    expect(page.locator(".js-plotly-plot")).to_have_count(3, timeout=30_000)

    # teach it (as a 7), then undo
    page.locator(".st-key-draw_teach button").click()
    expect(page.get_by_text(re.compile("Last lesson, as 7"))).to_be_visible(timeout=30_000)
    wait_idle(page)
    tall_shot(page, "draw-laptop", LAPTOP)
    page.locator(".st-key-draw_undo button").click()
    expect(page.get_by_text(re.compile("Last lesson"))).to_have_count(0, timeout=30_000)

    page.locator(".st-key-draw_clear button").click()
    expect(page.get_by_text("Draw a digit on the canvas")).to_be_visible(timeout=30_000)
    expect(answer(page, 7)).to_have_count(0)
    # the new canvas takes a new drawing
    draw_with_mouse(page, FOUR)
    expect(answer(page, 4)).to_be_visible(timeout=30_000)


def test_draw_on_a_phone_with_a_finger(page, app_url):
    page.set_viewport_size(PHONE)
    open_page(page, app_url, "Draw")
    draw_with_finger(page, ONE)
    expect(answer(page, 1)).to_be_visible(timeout=30_000)
    wait_idle(page)
    assert page.locator("[data-testid=stException]").count() == 0
    # "teach it": the ten digits on one row, inside the screen
    digits = page.locator("[class*=st-key-draw_label_] button")
    expect(digits).to_have_count(10)
    boxes = [digits.nth(i).bounding_box() for i in range(10)]
    assert len({round(b["y"]) for b in boxes}) == 1, boxes
    assert boxes[-1]["x"] + boxes[-1]["width"] <= PHONE["width"]
    tall_shot(page, "draw-phone", PHONE)
