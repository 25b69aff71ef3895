"""Draw page round trip against the bare canvas app, side by side in headless Chromium.

    python benchmarks/draw_roundtrip.py                # 20 digits on each app
    python benchmarks/draw_roundtrip.py --rounds 40

Starts two local servers (``streamlit run app.py`` for the Draw page and
``streamlit run benchmarks/bare_canvas_app.py``: a canvas, a plain resize to
28x28 and one ``st.bar_chart`` of the bundled model's probabilities), opens each
in its own tab of one headless Chromium at 1280x800, and draws the same digits
on both with real mouse strokes, alternating the digit (a 7, then a 4: see
tests/browser/test_draw.py) and which app goes first. Before each digit the
canvas is cleared and the app left to settle; strokes before the last one are
drawn and settled too, untimed.

A round trip runs from the mouse-up of a digit's last stroke (the pointerup
event, timed in the page) until the page has finished updating: the app's
script run triggered by the stroke is over (no running indicator), the reading
differs from the one before the stroke, and the browser has painted it (two
animation frames later). Prints the median and 90th percentile of each app and
their ratio; the target is a Draw page median at most TARGET times the bare
app's. Nothing here is a test: the figures are printed, never asserted.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "tests" / "browser"))

from browser_helpers import CHROMIUM, CHROMIUM_ARGS, start_app, stop_app, wait_idle  # noqa: E402
from playwright.sync_api import sync_playwright  # noqa: E402
from test_draw import FOUR, SEVEN  # noqa: E402

TARGET = 1.25
VIEWPORT = {"width": 1280, "height": 800}
DIGITS = (("7", SEVEN), ("4", FOUR))

# Watches the app's script state in the page: for each change, when it happened,
# and (two animation frames later, once painted) what the reading was.
WATCH = """sig => {
  const app = document.querySelector('[data-testid=stApp]');
  window.__readingOf = new Function('return (' + sig + ')()');
  window.__rt = {events: [], up: null};
  if (window.__rtObserver) window.__rtObserver.disconnect();
  window.__rtObserver = new MutationObserver(() => {
    const state = app.getAttribute('data-test-script-state'), t = performance.now();
    requestAnimationFrame(() => requestAnimationFrame(() =>
      window.__rt.events.push({state, t, painted: performance.now(), reading: window.__readingOf()})));
  });
  window.__rtObserver.observe(app, {attributes: true, attributeFilter: ['data-test-script-state']});
  if (!window.__rtUp) {
    window.__rtUp = true;
    window.addEventListener('pointerup', () => { if (window.__rt) window.__rt.up = performance.now(); }, true);
  }
  return window.__readingOf();
}"""

# What each app shows as its reading (the Draw page: the answer and both sets of bars).
DRAW_READING = """() => ['draw_reading_full', 'draw_reading_compact'].map(k => {
  const e = document.querySelector('.st-key-' + k); return e ? e.innerText + e.innerHTML.length : '';
}).join('|') + [...document.querySelectorAll('.st-key-draw_reading_compact .draw-strip-bar')]
  .map(b => b.style.height).join(',')"""
BARE_READING = """() => [...document.querySelectorAll('[data-testid=stMain] [data-testid=stMarkdownContainer]')]
  .map(e => e.innerText).join('|')"""


class App:
    def __init__(self, name: str, page, url: str, path: str, pad: str, clear: str, reading: str) -> None:
        self.name, self.page, self.url, self.path = name, page, url, path
        self.pad, self.clear, self.reading = pad, clear, reading
        self.times: list[float] = []
        self.missed = 0

    def open(self) -> None:
        self.page.goto(f"{self.url}/{self.path}")
        self.page.locator("[data-testid=stBidiComponentIsolated] canvas.upper-canvas").wait_for(timeout=60_000)
        wait_idle(self.page)

    def box(self) -> dict:
        return self.page.locator(self.pad).bounding_box()

    def stroke(self, points) -> None:
        box, mouse = self.box(), self.page.mouse
        (x, y), rest = points[0], points[1:]
        mouse.move(box["x"] + x, box["y"] + y)
        mouse.down()
        for x, y in rest:
            mouse.move(box["x"] + x, box["y"] + y, steps=20)
        mouse.up()

    def settle(self) -> None:
        self.page.wait_for_timeout(150)  # the canvas sends its drawing just after the mouse-up
        wait_idle(self.page)

    def digit(self, strokes, timeout_ms: float = 30_000) -> float | None:
        """Clear, draw the digit, and return the last stroke's round trip in ms (None: no new reading)."""
        self.page.locator(self.clear).click()
        self.settle()
        for points in strokes[:-1]:
            self.stroke(points)
            self.settle()
        before = self.page.evaluate(WATCH, self.reading)
        self.stroke(strokes[-1])
        done = """before => {
          const rt = window.__rt; if (rt.up === null) return null;
          let ran = false;
          for (const e of rt.events) {
            if (e.t < rt.up) continue;
            if (e.state === 'running') ran = true;
            else if (ran && e.state === 'notRunning' && e.reading !== before) return e.painted - rt.up;
          }
          return null;
        }"""
        handle = self.page.wait_for_function(done, arg=before, timeout=timeout_ms, polling=50)
        ms = handle.json_value()
        wait_idle(self.page)
        return ms


def summary(ms: list[float]) -> tuple[float, float]:
    a = np.asarray(ms)
    return float(np.median(a)), float(np.percentile(a, 90))


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--rounds", type=int, default=20, help="digits timed on each app")
    ap.add_argument("--warmup", type=int, default=2, help="digits drawn first on each app, not timed")
    args = ap.parse_args()

    draw_proc, draw_url = start_app(log_name="roundtrip_draw.log")
    bare_proc, bare_url = start_app(log_name="roundtrip_bare.log", script="benchmarks/bare_canvas_app.py")
    try:
        with sync_playwright() as p:
            browser = p.chromium.launch(executable_path=CHROMIUM, headless=True, args=CHROMIUM_ARGS)
            context = browser.new_context(viewport=VIEWPORT)
            draw = App("Draw page", context.new_page(), draw_url, "Draw", ".st-key-draw_pad",
                       ".st-key-draw_clear button", DRAW_READING)  # fmt: skip
            bare = App("bare canvas app", context.new_page(), bare_url, "",
                       "[data-testid=stBidiComponentIsolated] canvas.upper-canvas",
                       ".st-key-clear button", BARE_READING)  # fmt: skip
            for app in (draw, bare):
                app.open()
            for i in range(args.warmup + args.rounds):
                _, strokes = DIGITS[i % len(DIGITS)]
                order = (draw, bare) if i % 2 == 0 else (bare, draw)
                for app in order:
                    app.page.bring_to_front()
                    try:
                        ms = app.digit(strokes)
                    except Exception as exc:  # a lost digit is counted, not fatal
                        print(f"  {app.name}: digit {i} gave no new reading ({type(exc).__name__})")
                        app.missed += 1
                        continue
                    if i >= args.warmup:
                        app.times.append(ms)
            browser.close()
    finally:
        stop_app(draw_proc)
        stop_app(bare_proc)

    print(f"Round trip, last mouse-up to the updated page; {args.rounds} digits on each app, alternating:")
    rows = {}
    for app in (bare, draw):
        if not app.times:
            print(f"  {app.name:16s} no round trip measured")
            continue
        med, p90 = summary(app.times)
        rows[app.name] = med
        missed = f", {app.missed} without a new reading" if app.missed else ""
        print(f"  {app.name:16s} median {med:6.0f} ms   p90 {p90:6.0f} ms   (n={len(app.times)}{missed})")
    if len(rows) == 2:
        ratio = rows[draw.name] / rows[bare.name]
        verdict = "met" if ratio <= TARGET else "NOT met"
        print(f"  ratio of medians (Draw page / bare app): {ratio:.2f}x; target at most {TARGET:g}x -> {verdict}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
