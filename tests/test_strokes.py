"""Undo and redo of the Draw page's strokes (ui.strokes), as the canvas reports them."""

from __future__ import annotations

from ui.strokes import StrokeHistory


def drawing(*names: str) -> dict:
    return {"version": "6", "objects": [{"type": "path", "name": n} for n in names]}


def names(history: StrokeHistory) -> list[str]:
    return [o["name"] for o in history.strokes]


def test_undo_hands_the_canvas_its_strokes_minus_the_last_and_redo_brings_it_back():
    h = StrokeHistory()
    assert not h.can_undo and not h.can_redo and h.initial is None
    h.seen(drawing("a"))
    h.seen(drawing("a", "b"))
    h.undo()
    assert [o["name"] for o in h.initial["objects"]] == ["a"]
    assert not h.can_undo and not h.can_redo  # until the canvas shows the drawing it was handed
    h.seen(drawing("a", "b"))  # the canvas still reports the drawing from before: not a new stroke
    assert names(h) == ["a"] and not h.can_redo
    h.seen(drawing("a"))
    assert h.can_undo and h.can_redo
    first = h.initial
    h.redo()
    assert [o["name"] for o in h.initial["objects"]] == ["a", "b"]
    h.seen(drawing("a", "b"))
    assert names(h) == ["a", "b"] and not h.can_redo
    # undo to the same drawing as before: a new value all the same, or the canvas would not redraw
    h.undo()
    assert h.initial["objects"] == first["objects"] and h.initial != first


def test_a_new_stroke_ends_redo():
    h = StrokeHistory()
    h.seen(drawing("a", "b"))
    h.undo()
    h.seen(drawing("a"))
    assert h.can_redo
    h.seen(drawing("a", "c"))
    assert not h.can_redo and names(h) == ["a", "c"]
    h.redo()  # nothing to bring back: nothing handed to the canvas
    assert names(h) == ["a", "c"] and h.edit == 1


def test_undo_of_the_only_stroke_leaves_an_empty_drawing():
    h = StrokeHistory()
    h.seen(drawing("a"))
    h.undo()
    assert h.initial["objects"] == []
    h.seen({"objects": []})
    assert not h.can_undo and h.can_redo
    h.seen(None)  # a canvas that reports nothing has no strokes
    assert h.strokes == []
