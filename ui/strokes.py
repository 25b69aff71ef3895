"""Undo and redo for the Draw page's canvas, stroke by stroke.

The canvas's own toolbar (with its undo and redo) sits over the drawing area,
where it swallows strokes and taps, so the page hides it and offers its own
buttons. The canvas reports its drawing as Fabric.js JSON, one object per
stroke; it takes a drawing back through ``initial_drawing``, and redraws itself
whenever that value changes. So Undo hands the canvas the strokes minus the
last one, Redo hands them back with the one undone; each such drawing carries a
new ``edit`` number, so that even a drawing equal to an earlier one counts as a
change. Until the canvas reports the drawing it was handed, what it reports is
the drawing from before the edit and is not taken as new strokes.

No widgets here: the page draws the buttons and the canvas.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any


@dataclass
class StrokeHistory:
    """What is on the canvas (as the page last knew it), what Undo took off, and the
    drawing last handed to the canvas (None: none since the canvas was created)."""

    strokes: list[dict[str, Any]] = field(default_factory=list)
    undone: list[dict[str, Any]] = field(default_factory=list)  # the newest last
    initial: dict[str, Any] | None = None
    edit: int = 0  # how many drawings were handed to the canvas
    waiting: int | None = None  # the number of strokes the canvas will report after an edit

    def seen(self, json_data: dict[str, Any] | None) -> None:
        """Take what the canvas reports. A stroke drawn by hand ends what Redo can bring back."""
        objects = list((json_data or {}).get("objects") or [])
        if self.waiting is not None:
            if len(objects) != self.waiting:
                return  # the canvas still reports the drawing from before the edit
            self.waiting = None
        elif len(objects) > len(self.strokes):
            self.undone.clear()
        self.strokes = objects

    @property
    def can_undo(self) -> bool:
        return bool(self.strokes) and self.waiting is None

    @property
    def can_redo(self) -> bool:
        return bool(self.undone) and self.waiting is None

    def undo(self) -> None:
        if self.can_undo:
            self.undone.append(self.strokes[-1])
            self._hand(self.strokes[:-1])

    def redo(self) -> None:
        if self.can_redo:
            self._hand([*self.strokes, self.undone.pop()])

    def _hand(self, strokes: list[dict[str, Any]]) -> None:
        self.edit += 1
        self.strokes = strokes
        self.waiting = len(strokes)
        self.initial = {"objects": strokes, "version": self.initial_version, "edit": self.edit}

    initial_version = "6"  # Fabric.js's major version, as the canvas writes it in its JSON


__all__ = ["StrokeHistory"]
