"""The Draw page in a real browser: draw on the canvas with the mouse (and a finger),
the page reads the digit; Clear asks for a drawing again."""

from __future__ import annotations

import re
from itertools import pairwise

from browser_helpers import LAPTOP, PHONE, axe_violations, open_page, shot, wait_idle
from playwright.sync_api import expect

from ui.draw_view import CANVAS_SIZE, TOOLBAR_STRIP

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
    """The answer shown (beside the canvas on a laptop, under it on a phone: the other one is hidden)."""
    shown = page.locator("[data-testid=stMarkdownContainer] h3:visible")
    return shown.filter(has_text=re.compile(rf"It reads {digit}\b"))


def any_reading(page):
    """Whatever the page reads (a digit, or "not sure"), where it shows."""
    return page.locator(
        ".st-key-draw_reading_full [data-testid=stMarkdownContainer] h3:visible, "
        ".st-key-draw_reading_full [data-testid=stAlert]:visible, "
        ".st-key-draw_reading_compact [data-testid=stMarkdownContainer] h3:visible, "
        ".st-key-draw_reading_compact [data-testid=stAlert]:visible"
    ).filter(has_text=re.compile("It reads|Not sure"))


def ink_at(page, x: float, y: float) -> int:
    """The canvas's ink (alpha, 0-255) at a point of the square that shows."""
    return page.evaluate(
        """([x, y, strip]) => {
          const host = [...document.querySelectorAll('[data-testid=stBidiComponentIsolated]')]
            .find(h => h.shadowRoot && h.shadowRoot.querySelector('canvas.dc-canvas'));
          const c = host.shadowRoot.querySelector('canvas.dc-canvas');
          return c.getContext('2d').getImageData(Math.round(x), Math.round(y) + strip, 1, 1).data[3];
        }""",
        [x, y, TOOLBAR_STRIP],
    )


def tall_shot(page, name: str, size: dict) -> None:
    """Streamlit scrolls inside the page, so a full-page shot needs a tall window."""
    page.set_viewport_size({"width": size["width"], "height": 2600})
    page.wait_for_timeout(1500)  # charts re-layout
    shot(page, name)
    page.set_viewport_size(size)


def test_draw_read_teach_clear(page, app_url):
    open_page(page, app_url, "Draw")
    expect(page.get_by_text("Draw a digit on the canvas").filter(visible=True)).to_be_visible()
    expect(page.get_by_text("Reading with: Bundled model")).to_be_visible()
    assert page.locator("[data-testid=stRadio]").count() == 0  # one model: nothing to choose
    shot(page, "draw-empty-laptop")
    draw_with_mouse(page, SEVEN)
    expect(answer(page, 7)).to_be_visible(timeout=30_000)
    wait_idle(page)
    assert page.locator("[data-testid=stException]").count() == 0
    expect(page.locator(".draw-stages img")).to_have_count(4, timeout=30_000)  # the four stages
    expect(page.locator(".draw-bars.big .draw-bar-col")).to_have_count(10)
    expect(page.locator(".draw-hidden img")).to_be_visible()
    expect(page.locator(".draw-pixels img")).to_be_visible()

    # Undo takes the stroke off, Redo brings it back
    page.locator(".st-key-draw_undo_stroke button").click()
    expect(page.get_by_text("Draw a digit on the canvas").filter(visible=True)).to_be_visible(timeout=30_000)
    assert ink_at(page, 140, 60) == 0
    page.locator(".st-key-draw_redo_stroke button").click()
    expect(answer(page, 7)).to_be_visible(timeout=30_000)
    wait_idle(page)
    assert ink_at(page, 140, 60) > 0

    # teach it (as a 7), then undo
    page.locator(".st-key-draw_teach button").click()
    expect(page.get_by_text(re.compile("Last lesson, as 7"))).to_be_visible(timeout=30_000)
    wait_idle(page)
    tall_shot(page, "draw-laptop", LAPTOP)
    assert axe_violations(page) == [], "a reading with its stages, the inside of the network and a lesson"
    page.locator(".st-key-draw_undo button").click()
    expect(page.get_by_text(re.compile("Last lesson"))).to_have_count(0, timeout=30_000)

    page.locator(".st-key-draw_clear button").click()
    expect(page.get_by_text("Draw a digit on the canvas").filter(visible=True)).to_be_visible(timeout=30_000)
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
    # the answer next to the pen: the reading and its bars are on screen with the canvas, unscrolled
    for part in (".st-key-draw_pad", ".st-key-draw_reading_compact h3", ".st-key-draw_reading_compact .draw-bars"):
        box = page.locator(part).bounding_box()
        assert box is not None and box["y"] >= 0 and box["y"] + box["height"] <= PHONE["height"], (part, box)
    # a tap on the top-right corner (where the canvas's own bin was) leaves the drawing
    draw_with_finger(page, [[(CANVAS_SIZE - 6, 6)]])  # touch down and up on one spot
    page.wait_for_timeout(500)
    wait_idle(page)
    assert ink_at(page, 140, 140) > 0
    expect(any_reading(page)).to_be_visible()
    # "teach it": the ten digits on one row, inside the screen
    digits = page.locator("[class*=st-key-draw_label_] button")
    expect(digits).to_have_count(10)
    boxes = [digits.nth(i).bounding_box() for i in range(10)]
    assert len({round(b["y"]) for b in boxes}) == 1, boxes
    assert boxes[-1]["x"] + boxes[-1]["width"] <= PHONE["width"]
    tall_shot(page, "draw-phone", PHONE)


# Where a stroke starts: the four corners and the middle of each edge of the square that shows.
EDGE = CANVAS_SIZE - 3
STARTS = {
    "top-left": (3, 3), "top": (140, 3), "top-right": (EDGE, 3), "right": (EDGE, 140),
    "bottom-right": (EDGE, EDGE), "bottom": (140, EDGE), "bottom-left": (3, EDGE), "left": (3, 140),
}  # fmt: skip


def test_every_press_on_the_canvas_starts_a_stroke(page, app_url):
    """One page for all: a stroke from each corner and each edge towards the middle is drawn
    from where it starts and read; a tap on the top-right corner does not clear the drawing."""
    open_page(page, app_url, "Draw")
    lost = []
    for name, (x, y) in STARTS.items():
        draw_with_mouse(page, [[(x, y), (140, 140), (150, 200)]])
        try:
            expect(any_reading(page)).to_be_visible(timeout=20_000)
        except AssertionError:
            lost.append(f"{name}: not read")
        wait_idle(page)
        if ink_at(page, x, y) == 0:
            lost.append(f"{name}: no ink where it started")
        page.locator(".st-key-draw_clear button").click()
        expect(any_reading(page)).to_have_count(0, timeout=20_000)
        wait_idle(page)
    assert not lost, lost

    draw_with_mouse(page, SEVEN)
    expect(answer(page, 7)).to_be_visible(timeout=30_000)
    wait_idle(page)
    pad = pad_box(page)
    page.mouse.click(pad["x"] + CANVAS_SIZE - 6, pad["y"] + 6)
    page.wait_for_timeout(500)
    wait_idle(page)
    assert ink_at(page, 140, 60) > 0 and ink_at(page, 120, 230) > 0  # the 7 is still there
    expect(any_reading(page)).to_be_visible()
