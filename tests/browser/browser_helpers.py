"""Shared by the real-browser tests: start and stop the app, wait for it, take screenshots."""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

from axe_playwright_python.sync_playwright import Axe
from playwright.sync_api import TimeoutError as PlaywrightTimeout
from playwright.sync_api import expect

ROOT = Path(__file__).resolve().parents[2]
CHROMIUM = os.environ.get("CHROMIUM_PATH") or shutil.which("chromium") or "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--disable-dev-shm-usage",
]
IN_CI = os.environ.get("CI", "").lower() == "true"
HAVE_CHROMIUM = Path(CHROMIUM).exists()
LAPTOP = {"width": 1366, "height": 900}
PHONE = {"width": 390, "height": 844}
SHOTS = ROOT / "artifacts" / "screenshots"
# axe-core's rules for WCAG 2.0 and 2.1, levels A and AA.
WCAG_AA = {"runOnly": {"type": "tag", "values": ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa"]}}
AXE = Axe()


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def start_app(
    port: int | None = None, log_name: str = "streamlit.log", extra_env: dict | None = None, script: str = "app.py"
):
    """Start the app (or another Streamlit ``script``); return (process, base URL) once /_stcore/health says ok."""
    port = port or _free_port()
    log_dir = ROOT / "artifacts"
    log_dir.mkdir(exist_ok=True)
    log = open(log_dir / log_name, "w")  # noqa: SIM115 - closed with the process
    cmd = [
        sys.executable, "-m", "streamlit", "run", script,
        "--server.headless=true", "--server.address=127.0.0.1", f"--server.port={port}",
        "--server.fileWatcherType=none", "--browser.gatherUsageStats=false",
    ]  # fmt: skip
    proc = subprocess.Popen(
        cmd, cwd=ROOT, stdout=log, stderr=subprocess.STDOUT, env={**os.environ, **(extra_env or {})}
    )
    url = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 90
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise RuntimeError(f"streamlit exited with {proc.returncode}; see artifacts/{log_name}")
        try:
            with urllib.request.urlopen(url + "/_stcore/health", timeout=2) as r:
                if r.read().decode().strip() == "ok":
                    return proc, url
        except OSError:
            pass
        time.sleep(0.3)
    proc.terminate()
    raise RuntimeError("streamlit did not become healthy within 90 s")


def stop_app(proc: subprocess.Popen) -> None:
    proc.terminate()
    try:
        proc.wait(timeout=15)
    except subprocess.TimeoutExpired:
        proc.kill()
        proc.wait()


def wait_idle(page, timeout: float = 60_000) -> None:
    """Wait until the script run is over (the app shows its final state). A widget
    (the canvas, say) can ask for another run right after one ends, so the app
    must stay idle for a moment before it counts as settled."""
    idle = "[data-testid=stApp][data-test-script-state=notRunning]"
    for _ in range(20):
        page.wait_for_selector(idle, timeout=timeout)
        page.wait_for_timeout(300)
        if page.locator(idle).count():
            return
    raise AssertionError("the app never settled: its script kept rerunning")


def open_page(page, url: str, path: str = "") -> None:
    """Open a page and wait until its script has run: the sidebar's page links are
    drawn by every page's first run, so they prove the run started; then wait for
    it to end (before the first run, the app can also report itself not running)."""
    page.goto(f"{url}/{path}")
    page.wait_for_selector("[data-testid=stSidebar] [data-testid=stPageLink]", state="attached", timeout=60_000)
    wait_idle(page)


def shot(page, name: str) -> Path:
    """Save a full-page screenshot under artifacts/screenshots/ to look at."""
    SHOTS.mkdir(parents=True, exist_ok=True)
    out = SHOTS / f"{name}.png"
    page.screenshot(path=str(out), full_page=True)
    return out


def set_language(page, lang: str, heading: str) -> None:
    """Pick the language in the sidebar; ``heading`` is the page's title in that language."""
    name = {"en": "English", "ru": "Русский"}[lang]
    option = page.get_by_role("option", name=name)
    for _ in range(3):  # a click that lands while the sidebar is still being drawn opens nothing
        page.locator(".st-key-lang_select [role=combobox]").click()
        try:
            option.wait_for(timeout=5_000)
            break
        except PlaywrightTimeout:
            page.keyboard.press("Escape")
    option.click()
    page.get_by_role("heading", name=heading).first.wait_for()  # the rerun has begun
    wait_idle(page)


def set_number(page, key: str, value) -> None:
    """Type a value into the Train page's number box ``key`` and wait for the rerun."""
    box = page.locator(f".st-key-{key} input")
    box.fill(str(value))
    box.press("Enter")
    wait_idle(page)
    assert box.input_value() == str(value)


def axe_violations(page) -> list[tuple[str, str, list]]:
    """axe-core's WCAG A/AA findings on the page as it stands: (rule, impact, the first
    few elements with what is wrong with them); [] when there are none."""
    found = AXE.run(page, options=WCAG_AA).response["violations"]
    return [(v["id"], v["impact"], [(n["target"], n["failureSummary"]) for n in v["nodes"]][:3]) for v in found]


def tiny_round(page) -> None:
    """Forward, backward, update: each button is enabled only once the previous step is shown.
    Each step is read to its end (scrolled to the bottom), and the next button is still in view."""
    for key, following in (("tiny_forward", "tiny_backward"), ("tiny_backward", "tiny_update"), ("tiny_update", None)):
        page.locator(f".st-key-{key} button:not([disabled])").click()
        wait_idle(page)
        page.locator("[data-testid=stMain]").evaluate("main => main.scrollTo(0, main.scrollHeight)")
        if following:
            expect(page.locator(f".st-key-{following} button:not([disabled])")).to_be_in_viewport()
    page.locator(".st-key-tiny_forward button:not([disabled])").wait_for()  # the update is on screen
    expect(page.locator(".st-key-tiny_forward button")).to_be_in_viewport()
    wait_idle(page)
