"""The wait a user has for a run: the Fast preset from Start to "finished" on the Train page
in headless Chromium, side by side with the same run on the command line.

    python benchmarks/train_wait.py            # 5 rounds
    python benchmarks/train_wait.py --rounds 3

Each round runs, one right after the other:

- the command line: ``python -m mlp_core train --preset fast``, timed as a whole
  process (what a user waits for at a terminal: start-up, loading MNIST,
  training), and the training alone as the command reports it;
- the page: a server started once (``streamlit run app.py``, headless, on a
  free port of 127.0.0.1, its labs in a temporary folder), a fresh browser tab
  on the Train page with the Fast preset chosen, then the time from the click
  on Start until the page shows "Run N finished";
- the command line again, with OpenBLAS on as many threads as the server gives
  a run that trains alone (labs.gate: every core but one), to tell the cost of
  the page from the cost of that choice.

It prints every round and the medians, and the ratio page / command line
(target: at most 1.3). Nothing is sent anywhere but 127.0.0.1.
"""

from __future__ import annotations

import argparse
import os
import re
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "tests" / "browser"))

from browser_helpers import CHROMIUM, CHROMIUM_ARGS, LAPTOP, start_app, stop_app, wait_idle  # noqa: E402

from labs.gate import TrainingGate  # noqa: E402

FINISHED = re.compile(r"Run \d+ finished")
TARGET = 1.3


def command_line(threads: int | None = None) -> tuple[float, float]:
    """(whole process seconds, training and evaluation seconds the command printed), with
    OpenBLAS's default threads or ``threads`` of them."""
    env = dict(os.environ)
    if threads is not None:
        env["OPENBLAS_NUM_THREADS"] = str(threads)
    t0 = time.perf_counter()
    done = subprocess.run(
        [sys.executable, "-m", "mlp_core", "train", "--preset", "fast"],
        cwd=ROOT,
        capture_output=True,
        text=True,
        check=True,
        env=env,
    )
    wall = time.perf_counter() - t0
    # "Trained in 1.7 s (1.9 s with evaluation)." (on stderr, the table on stdout)
    match = re.search(r"\(([\d.]+) s with evaluation\)", done.stdout + done.stderr)
    return wall, float(match.group(1)) if match else float("nan")


def page_round(browser, url: str) -> float:
    context = browser.new_context(viewport=LAPTOP)
    page = context.new_page()
    try:
        page.goto(f"{url}/Train")
        page.locator(".st-key-train_start button").wait_for(timeout=60_000)
        wait_idle(page)
        page.locator(".st-key-train_preset_fast button").click()
        wait_idle(page)
        start = page.locator(".st-key-train_start button")
        t0 = time.perf_counter()
        start.click()
        page.get_by_text(FINISHED).wait_for(timeout=300_000)
        return time.perf_counter() - t0
    finally:
        context.close()


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--rounds", type=int, default=5)
    args = parser.parse_args()
    from playwright.sync_api import sync_playwright

    env = {"BACKPROP_LAB_DATA": tempfile.mkdtemp(prefix="train-wait-")}
    solo = TrainingGate().solo_threads  # what the server gives a run that trains alone
    proc, url = start_app(log_name="train_wait_server.log", extra_env=env)
    rows = []
    try:
        with sync_playwright() as pw:
            browser = pw.chromium.launch(executable_path=CHROMIUM, headless=True, args=CHROMIUM_ARGS)
            page_round(browser, url)  # warm-up: the server's first run loads MNIST and the app's modules
            for i in range(args.rounds):
                cli_wall, cli_train = command_line()
                page_s = page_round(browser, url)
                one_wall, _ = command_line(threads=solo)
                rows.append((cli_wall, cli_train, page_s, one_wall))
                print(
                    f"round {i + 1}: command line {cli_wall:.2f} s (training {cli_train:.2f} s), "
                    f"page {page_s:.2f} s, ratio {page_s / cli_wall:.2f}; "
                    f"command line on {solo} BLAS thread(s) {one_wall:.2f} s",
                    flush=True,
                )
            browser.close()
    finally:
        stop_app(proc)
    cli = statistics.median(r[0] for r in rows)
    cli_train = statistics.median(r[1] for r in rows)
    page = statistics.median(r[2] for r in rows)
    one = statistics.median(r[3] for r in rows)
    ratio = statistics.median(r[2] / r[0] for r in rows)
    print(f"machine: {os.cpu_count()} cores, load average {' '.join(f'{x:.1f}' for x in os.getloadavg())}")
    print(f"median over {len(rows)} rounds: command line {cli:.2f} s (of which training {cli_train:.2f} s)")
    print(f"                       page, Start to finished: {page:.2f} s")
    print(f"                       command line on the server's {solo} BLAS thread(s) for a run alone: {one:.2f} s")
    print(f"page / command line: {ratio:.2f} (median of the rounds' ratios; target at most {TARGET})")
    print(f"page / command line's training alone: {page / cli_train:.2f}")
    print(f"page / command line on {solo} thread(s): {statistics.median(r[2] / r[3] for r in rows):.2f}")
    return 0 if ratio <= TARGET else 1


if __name__ == "__main__":
    sys.exit(main())
