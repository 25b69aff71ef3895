"""Workshop rooms: a teacher opens one, participants join it with a short code, and the
teacher's board shows everyone's runs as they train.

What is shared is a summary only: a participant's display name, their runs' settings,
per-epoch test accuracy, status and training time. Never weights, drawings or uploads
(the board reads run records through :class:`labs.runs.RunManager`, which keeps no
weights in them). The store keeps rooms and seats (:mod:`labs.store`); this module
holds the rules: codes, names, limits, the room's settings and the board's summary.

- A room's **code** is six characters from an alphabet without look-alikes (no 0/O/D/Q,
  1/I/L, 2/Z, 5/S, 6/G, 8/B), written ``KTX-39P``, easy to read aloud and to type; it
  grants joining and nothing else.
- The **teacher's token** (128 random bits, like a lab id) opens the board and its controls.
- A **name** is optional, at most NAME_LIMIT characters, shown as plain text; control and
  text-direction characters are refused (they would rearrange the board).
- **Limits**: ROOM_LIMIT seats per room, and joins per server through a token bucket
  (:class:`JoinGate`), so a flood of joins gets "wait a moment", not a stalled server.
"""

from __future__ import annotations

import secrets
import threading
import time
import unicodedata
from collections.abc import Callable
from dataclasses import dataclass, field

from mlp_core.config import preset

from .runs import DIVERGED, FINISHED, RUNNING, RunManager, RunView
from .store import LabStore, RoomFull, RoomRecord

ALPHABET = "ACEFHJKMNPRTWXY3479"  # no look-alikes (see the module's docstring)
CODE_LENGTH = 6
NAME_LIMIT = 24
ROOM_LIMIT = 200  # participants per room
JOIN_RATE = 20.0  # joins per second a server takes, on average ...
JOIN_BURST = 60  # ... and at once
PRESETS = ("fast", "original", "robust")
DEFAULT_SETTINGS = {"preset": "fast", "train_size": 10_000, "epochs": 3}
# Text-direction controls: they would turn the rest of the board's line around.
BIDI = frozenset("\u061c\u200e\u200f\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069")

# Why a join was refused (RoomProblem.code).
UNKNOWN, CLOSED, REMOVED, FULL, BUSY = "unknown", "closed", "removed", "full", "busy"
NAME_TOO_LONG, NAME_CONTROL = "name_too_long", "name_control"


class RoomProblem(Exception):
    """A join (or a room setting) that cannot be done; ``code`` says why."""

    def __init__(self, code: str, limit: int = 0) -> None:
        super().__init__(code)
        self.code = code
        self.limit = limit


def new_code() -> str:
    return "".join(secrets.choice(ALPHABET) for _ in range(CODE_LENGTH))


def show_code(code: str) -> str:
    """KTX39P -> KTX-39P: two halves, easier to read out."""
    return f"{code[:3]}-{code[3:]}"


def normalize_code(text: object) -> str | None:
    """What a participant typed -> the code, or None if it cannot be one (case, spaces and
    dashes do not matter)."""
    if not isinstance(text, str):
        return None
    code = "".join(ch for ch in text.upper() if ch not in " -\u2010\u2011\u2012\u2013\u2014\u2212\t")
    return code if len(code) == CODE_LENGTH and all(ch in ALPHABET for ch in code) else None


def clean_name(text: object) -> str:
    """A display name as given (trimmed), or RoomProblem: too long, or with control characters.
    Markup is allowed: the board shows names as plain text, so ``<b>`` is just three characters."""
    name = text.strip() if isinstance(text, str) else ""
    if any(unicodedata.category(ch) in ("Cc", "Cs", "Co") or ch in BIDI for ch in name):
        raise RoomProblem(NAME_CONTROL)
    if len(name) > NAME_LIMIT:
        raise RoomProblem(NAME_TOO_LONG, NAME_LIMIT)
    return name


def check_settings(settings: dict) -> dict:
    """The room's settings (a preset and its size), checked as Train would: a ValueError
    names the field. Returns them with only the known fields."""
    name = settings.get("preset")
    if name not in PRESETS:
        raise ValueError(f"preset must be one of {', '.join(PRESETS)}")
    clean = {"preset": name, "train_size": int(settings["train_size"]), "epochs": int(settings["epochs"])}
    preset(name, train_size=clean["train_size"], epochs=clean["epochs"])  # raises ValueError when out of range
    return clean


class JoinGate:
    """A token bucket: up to ``burst`` joins at once, ``rate`` a second after that, per server."""

    def __init__(self, rate: float = JOIN_RATE, burst: int = JOIN_BURST, clock: Callable[[], float] = time.monotonic):
        self.rate, self.burst, self.clock = rate, burst, clock
        self._tokens, self._at = float(burst), clock()
        self._lock = threading.Lock()

    def take(self) -> bool:
        with self._lock:
            now = self.clock()
            self._tokens = min(self.burst, self._tokens + (now - self._at) * self.rate)
            self._at = now
            if self._tokens < 1:
                return False
            self._tokens -= 1
            return True


def open_room(store: LabStore, settings: dict | None = None) -> RoomRecord:
    """A new room with the given (or default) settings; its record holds the teacher's token."""
    clean = check_settings(settings or DEFAULT_SETTINGS)
    teacher = secrets.token_urlsafe(16)
    for _ in range(20):  # 19**6 = 47 million codes: a clash is rare, twenty in a row never happen
        code = new_code()
        if store.new_room(code, teacher, clean):
            return store.room(code)
    raise RuntimeError("no free room code")


def join(store: LabStore, gate: JoinGate, typed_code: object, lab: str, name: object) -> tuple[RoomRecord, int, bool]:
    """Seat ``lab`` in the room: (room, seat, True if it was in already). RoomProblem says why not."""
    code = normalize_code(typed_code)
    display = clean_name(name)
    room = store.room(code) if code else None
    if room is None:
        raise RoomProblem(UNKNOWN)
    if room.closed is not None:
        raise RoomProblem(CLOSED)
    seat = store.seat_of(code, lab)
    if seat is None and not gate.take():  # the same lab joining again costs nothing
        raise RoomProblem(BUSY)
    try:
        number, again = store.join_room(code, lab, display, ROOM_LIMIT)
    except RoomFull as exc:
        raise RoomProblem(FULL, exc.limit) from exc
    except LookupError as exc:
        raise RoomProblem(str(exc)) from exc
    return room, number, again


# --- the board ---------------------------------------------------------------------


@dataclass(frozen=True)
class RunSummary:
    """One run on the board: no weights, no drawings, only what the leaderboard needs."""

    number: int
    status: str
    preset: str
    hidden: int
    epochs: int
    train_size: int
    epochs_done: int
    progress: float  # 0..1
    test_accuracy: float | None  # after the last epoch done
    seconds: float  # training time so far
    curve: tuple[tuple[float, float], ...]  # (seconds, test accuracy) per epoch


@dataclass(frozen=True)
class Entry:
    seat: int
    name: str  # "" when none was given; the page writes "Participant 3"
    hidden: bool
    runs: tuple[RunSummary, ...] = field(default_factory=tuple)

    @property
    def training(self) -> RunSummary | None:
        return next((r for r in reversed(self.runs) if r.status == RUNNING), None)

    @property
    def best(self) -> RunSummary | None:
        done = [r for r in self.runs if r.status == FINISHED and r.test_accuracy is not None]
        return max(done, key=lambda r: (r.test_accuracy, -r.seconds)) if done else None


def _summary(view: RunView) -> RunSummary:
    c = view.config
    history = view.history
    return RunSummary(
        number=view.number,
        status=view.status,
        preset=str(view.meta.get("preset", "custom")),
        hidden=c.hidden,
        epochs=c.epochs,
        train_size=c.train_size,
        epochs_done=len(history),
        progress=1.0 if view.status == FINISHED else view.progress,
        test_accuracy=float(history[-1]["test_accuracy"]) if history and view.status != DIVERGED else None,
        seconds=float(view.train_seconds),
        curve=tuple((float(h["train_seconds"]), float(h["test_accuracy"])) for h in history),
    )


def board(store: LabStore, runs: RunManager, code: str) -> list[Entry]:
    """Everyone in the room, each with the runs they started in it (live ones as they train).
    Three reads of the store, however many people are in the room."""
    store.touch_room(code)
    records = store.room_runs(code)
    entries = []
    for m in store.room_members(code):
        views = runs.views_of(m.lab, records.get(m.lab, []))
        summaries = tuple(_summary(v) for v in views if v.meta.get("room") == code)
        entries.append(Entry(seat=m.seat, name=m.name, hidden=m.hidden, runs=summaries))
    return entries


def leaderboard(entries: list[Entry]) -> list[Entry]:
    """Entries with a finished run, best test accuracy first (the faster run first on a tie)."""
    ranked = [e for e in entries if e.best is not None]
    return sorted(ranked, key=lambda e: (-e.best.test_accuracy, e.best.seconds, e.seat))


__all__ = [
    "ALPHABET",
    "BUSY",
    "CLOSED",
    "DEFAULT_SETTINGS",
    "FULL",
    "NAME_CONTROL",
    "NAME_LIMIT",
    "NAME_TOO_LONG",
    "REMOVED",
    "ROOM_LIMIT",
    "UNKNOWN",
    "Entry",
    "JoinGate",
    "RoomProblem",
    "RunSummary",
    "board",
    "check_settings",
    "clean_name",
    "join",
    "leaderboard",
    "normalize_code",
    "open_room",
    "show_code",
]
