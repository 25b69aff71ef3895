"""Real-browser tests: `streamlit run app.py` on a free local port, driven by
Playwright in Debian's headless Chromium (no browser download).

Where Chromium is missing the tests skip with the reason, except in CI
(CI=true), where its absence is a failure.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from browser_helpers import CHROMIUM, CHROMIUM_ARGS, HAVE_CHROMIUM, IN_CI, LAPTOP, start_app, stop_app
from playwright.sync_api import expect

# A fresh CI machine can be slow (cold caches, a busy neighbour): assertions that wait
# for the page wait up to 20 s rather than Playwright's 5 s.
expect.set_options(timeout=20_000)


def pytest_collection_modifyitems(config, items):
    here = Path(__file__).parent
    for item in items:
        if Path(str(item.fspath)).is_relative_to(here):
            item.add_marker(pytest.mark.browser)
            if not HAVE_CHROMIUM and not IN_CI:
                item.add_marker(pytest.mark.skip(reason=f"Chromium not found at {CHROMIUM}: apt-get install chromium"))


@pytest.fixture(scope="session")
def browser_type_launch_args(browser_type_launch_args):
    if not HAVE_CHROMIUM:
        pytest.fail(f"CI needs Chromium at {CHROMIUM} (apt-get install chromium)")
    return {**browser_type_launch_args, "executable_path": CHROMIUM, "headless": True, "args": CHROMIUM_ARGS}


@pytest.fixture(scope="session")
def browser_context_args(browser_context_args):
    return {**browser_context_args, "viewport": LAPTOP, "accept_downloads": True}


@pytest.fixture(scope="session")
def app_url():
    proc, url = start_app()
    yield url
    stop_app(proc)
