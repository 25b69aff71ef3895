"""A workshop room in real browsers: a teacher opens a room, three participants (each in
their own browser context, so their own lab) join by the link and by the code, train with
the room's settings, and the teacher's board shows all three with their accuracies; a
name the teacher hides leaves the board."""

from __future__ import annotations

import re

from browser_helpers import PHONE, axe_violations, open_page, wait_idle
from playwright.sync_api import expect

from ui.i18n import t

NAMES = ("Ada", "<b>Bob</b>", "Жанна")  # markup stays plain text


def board_row(teacher, name: str):
    return teacher.locator(".st-key-room_everyone").get_by_text(name, exact=True)


def test_a_room_shows_everyone_who_trains_in_it(browser, app_url):
    teacher_ctx = browser.new_context()
    teacher = teacher_ctx.new_page()
    open_page(teacher, app_url, "Room")
    teacher.locator(".st-key-room_open button").click()
    code = teacher.locator(".st-key-room_code_big [data-testid=stText]")
    expect(code).to_have_text(re.compile(r"^[A-Z0-9]{3}-[A-Z0-9]{3}$"))
    code_text = code.inner_text()
    link = teacher.locator("[data-testid=stCode] code").first.inner_text()
    assert link.endswith(f"/Room?join={code_text.replace('-', '')}")
    expect(teacher.get_by_text(t("room.empty", "en"))).to_be_visible()

    contexts = []
    for i, name in enumerate(NAMES):
        ctx = browser.new_context(viewport=PHONE) if i == 2 else browser.new_context()
        contexts.append(ctx)
        page = ctx.new_page()
        if i == 0:  # by the link (as the QR code gives it)
            page.goto(link)
            wait_idle(page)
            expect(page.locator(".st-key-room_code input")).to_have_value(code_text)
        else:  # by the code, typed in lower case with a space
            open_page(page, app_url, "Room")
            page.locator(".st-key-room_code input").fill(code_text.lower().replace("-", " "))
        page.locator(".st-key-room_name input").fill(name)
        page.get_by_role("button", name=t("room.join", "en")).click()
        expect(page.get_by_role("heading", name=t("room.member_header", "en", code=code_text))).to_be_visible()
        page.get_by_role("link", name=t("room.go_train", "en")).click()
        expect(page.locator(".st-key-train_room_note")).to_be_visible()
        page.locator(".st-key-train_start button").click()
        expect(board_row(teacher, name)).to_be_visible()  # on the board within a refresh or two

    leaderboard = teacher.locator(".st-key-room_leaderboard")
    for name in NAMES:
        expect(leaderboard.get_by_text(name, exact=True)).to_be_visible(timeout=60_000)
    text = leaderboard.inner_text()
    assert len(re.findall(r"\d\d\.\d\d%", text)) == 3, text  # an accuracy for each of them
    expect(teacher.locator(".st-key-room_chart .js-plotly-plot")).to_be_visible()

    # the teacher hides Bob's name: the board shows his seat instead
    teacher.locator(".st-key-room_pick input").click()
    teacher.keyboard.type("Bob")
    teacher.get_by_role("option", name="2 · <b>Bob</b>").click()
    expect(teacher.locator(".st-key-room_pick input")).to_have_value("2 · <b>Bob</b>")
    wait_idle(teacher)
    teacher.locator(".st-key-room_hide button").click()
    expect(board_row(teacher, NAMES[1])).to_have_count(0)
    expect(leaderboard.get_by_text(NAMES[1], exact=True)).to_have_count(0)
    expect(board_row(teacher, t("room.hidden_name", "en", seat=2))).to_be_visible()
    assert axe_violations(teacher) == [], "the board with everyone's results, and its controls"
    teacher.get_by_text(t("room.projector", "en")).click()  # projector view: large type, no controls
    expect(teacher.locator(".st-key-room_hide")).to_have_count(0)
    expect(teacher.locator(".st-key-room_projector_on .st-key-room_leaderboard")).to_be_visible()

    for ctx in (*contexts, teacher_ctx):
        ctx.close()
