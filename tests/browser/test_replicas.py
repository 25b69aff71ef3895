"""Two app replicas behind HAProxy, one PostgreSQL store (deploy/local.py): people on
different replicas each see only their own lab; everything a tab sends (its page, its
upload, its websocket) stays on its replica; the teacher's board shows the room whichever
replica each participant is on."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from browser_helpers import IN_CI, wait_idle
from playwright.sync_api import expect

from deploy.local import LocalEvent, have_haproxy
from labs import pgserver
from ui.i18n import t

ROOT = Path(__file__).resolve().parents[2]
MODEL = ROOT / "mlp_core" / "assets" / "default_model.npz"


@pytest.fixture(scope="module")
def event():
    missing = [name for name, ok in (("haproxy", have_haproxy()), ("postgresql", pgserver.server_bin())) if not ok]
    if missing:
        if IN_CI:
            pytest.fail(f"CI needs {' and '.join(missing)} (apt-get install {' '.join(missing)})")
        pytest.skip(f"{' and '.join(missing)} not installed (apt-get install {' '.join(missing)})")
    with LocalEvent(replicas=2, balance="roundrobin") as ev:
        yield ev


def visitor(browser, event):
    """A new browser (its own cookies) on the event's address; which replica served it."""
    context = browser.new_context()
    page = context.new_page()
    replicas: list[str] = []
    page.on("response", lambda r: replicas.append(r.headers.get("x-backprop-replica", "?")))
    page.goto(f"{event.url}/Room")
    wait_idle(page)
    expect(page.get_by_role("heading", name=t("nav.room", "en")).first).to_be_visible()
    return context, page, replicas


def test_people_on_different_replicas_share_the_room_and_keep_to_their_own(browser, event):
    teacher_ctx, teacher, teacher_served = visitor(browser, event)
    teacher.locator(".st-key-room_open button").click()
    code = teacher.locator(".st-key-room_code_big [data-testid=stText]")
    expect(code).to_have_text(re.compile(r"^[A-Z0-9]{3}-[A-Z0-9]{3}$"))

    people = []
    for name in ("Ada", "Bob"):
        ctx, page, served = visitor(browser, event)
        page.locator(".st-key-room_code input").fill(code.inner_text())
        page.locator(".st-key-room_name input").fill(name)
        page.get_by_role("button", name=t("room.join", "en")).click()
        page.get_by_role("link", name=t("room.go_train", "en")).click()
        expect(page.locator(".st-key-train_room_note")).to_be_visible()
        people.append((ctx, page, served))
    (ada_ctx, ada, ada_served), (bob_ctx, bob, bob_served) = people

    # Bob uploads a model file: the upload lands on his replica, like everything else of his tab
    bob.locator("[data-testid=stFileUploaderDropzoneInput]").set_input_files(str(MODEL))
    expect(bob.get_by_text("default_model.npz").first).to_be_visible()
    for page in (ada, bob):
        page.locator(".st-key-train_start button").click()

    board = teacher.locator(".st-key-room_leaderboard")
    for name in ("Ada", "Bob"):
        expect(board.get_by_text(name, exact=True)).to_be_visible(timeout=60_000)

    # the three tabs were spread over both replicas, and each tab kept to one
    for served in (teacher_served, ada_served, bob_served):
        assert len(set(served) - {"?"}) == 1, served
    assert {ada_served[0], bob_served[0]} == {"app1", "app2"}, (ada_served[0], bob_served[0])

    # each sees only their own lab: one run each, and their labs differ
    labs = set()
    for page in (ada, bob):
        wait_idle(page)
        labs.add(re.search(r"lab=([\w-]+)", page.url).group(1))
        expect(page.locator("[data-testid=stDataFrame]").last).to_be_visible()
    assert len(labs) == 2
    expect(ada.get_by_text("default_model.npz")).to_have_count(0)  # Bob's upload is Bob's
    for ctx in (teacher_ctx, ada_ctx, bob_ctx):
        ctx.close()
