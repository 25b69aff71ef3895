"""Workshop load: N people press Start on the Train page of one server at once.

    python benchmarks/workshop_load.py                         # 30 sessions
    python benchmarks/workshop_load.py --sessions 60 --heavy 10  # a full room, 10 at the page's maximum
    python benchmarks/workshop_load.py --sessions 1            # one session alone: the baseline time
    python benchmarks/workshop_load.py --room                  # 60 people in one room, the teacher's board open

The script starts the app itself (``streamlit run app.py``, headless, on a free
port of 127.0.0.1, and sends traffic nowhere else), opens one session to load
the page, then the other N - 1 at once. Every session picks the Fast preset, a
training set of 10,000 images, 3 epochs and a seed of its own (a run of a few
seconds for one session alone on 2 cores); with ``--heavy K`` the first K
sessions also set the page's largest network (hidden 1024, batch 4096). Each
waits until all
sessions are ready, presses Start at the same moment as the others and waits
until its page says the run finished. Then it reports:

- per-session time from Start to "finished" (min / median / max) and the
  fairness spread (slowest minus fastest);
- the server's RSS (the streamlit process and any children, from /proc every
  0.2 s): after start-up, after the first page load, with all sessions loaded,
  after all runs finished, a few seconds after every tab closed, the peak,
  and the growth per extra session;
- errors: exceptions or error boxes on any page, disconnects, timeouts;
- isolation: each session's final numbers (test and train accuracy, last batch
  loss, "3 / 3" epochs) must equal those of its own configuration trained
  in this process, be closer to its own than to any other session's, and the
  models must differ from session to session;
- CPU: the server's CPU seconds, the most runnable server threads seen at
  once (more than the cores means oversubscription), and the CPU used by this
  driver, to show it does not distort the server's timings;
- an in-process memory audit: the cached dataset is one object, a Trainer's
  training subset shares its memory, and what a finished run and an
  evaluation on the test set keep and allocate (tracemalloc).

Why the websocket protocol and not browsers: 30 headless Chromium pages, each
redrawing three Plotly charts twice a second, cost the 2 cores more CPU than
the server itself, so the browsers' drawing would be measured rather than the
server. The driver here speaks Streamlit's own protocol over the
``/_stcore/stream`` websocket (BackMsg / ForwardMsg from ``streamlit.proto``)
exactly as the page's JavaScript does: it sends the first run request for the
Train page, widget values as the controls would, Start as a trigger, and the
fragment's auto-rerun ticks at the interval the server asks for; it reads the
page from the deltas. All sessions run in one asyncio loop; its CPU use is
reported. The browser test of the Train page covers the real front end.

Room mode (``--room``, 60 sessions unless ``--sessions`` says otherwise): a workshop in
one room, every step through the pages as people take it. The teacher's session opens
the Room page and presses "Open a room"; its board (a fragment that reruns itself every
2 s) stays open throughout, and the driver follows its auto-reruns as the page would.
Every participant opens the room's join link (Room page, ``?join=CODE``), checks the code
is filled in, submits the join form with a name of its own, follows the link to the Train
page (which must say the lab is in the room) and, with all the others, presses Start on
the room's settings (the Fast preset, 10,000 images, 3 epochs, the seat as the seed: every
page must show exactly the run of one seat, trained here, and no two pages the same seat). Joins
beyond the server's join burst are spaced at its join rate, as people told "wait a
moment" would retry. The report adds the room: the time for the whole room to finish
(first Start to last "finished"), the board's refresh time (from the rerun request to
the script-finished message: median, p95 and max while everyone trains, and over the
whole benchmark; the time between two updates of the board; how many requests the
server merged into one refresh), whether the board's leaderboard (read from its st.table data) lists
every participant by name and its "everyone" table every seat, and when the leaderboard
first listed every result, against the moment the last Train page showed "finished".

Bounded: at most ``--sessions`` connections (capped at 100), a global
``--timeout`` (default 600 s) after which it reports failure, and the server
is stopped at the end in every case. Exit status 0 only if every check passed.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import itertools
import os
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import tracemalloc
import urllib.request
from dataclasses import dataclass, field
from pathlib import Path

from streamlit.proto.BackMsg_pb2 import BackMsg
from streamlit.proto.ClientState_pb2 import ContextInfo
from streamlit.proto.ForwardMsg_pb2 import ForwardMsg
from streamlit.proto.WidgetStates_pb2 import WidgetState
from websockets.asyncio.client import connect
from websockets.typing import Subprotocol

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "tests" / "browser"))

from browser_helpers import stop_app  # noqa: E402

MAX_SESSIONS = 100
RSS_LIMIT_MB = 2000  # PRODUCT.md: 60 sessions, 10 at the heaviest settings, within 2.0 GB
PAGE = "Train"
ROOM_PAGE = "Room"
BOARD_WAIT_S = 30.0  # after the last run finished, the longest the board may take to list it
PRESET_LABEL = "Fast"
FIRST_SEED = 1000
HEAVY = {"hidden": 1024, "batch_size": 4096}  # the Train page's largest settings (ui.train_session)
PAGE_SIZE = os.sysconf("SC_PAGE_SIZE")
CLK_TCK = os.sysconf("SC_CLK_TCK")


# --- the server and /proc ------------------------------------------------------------


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def start_server(port: int, log_path: Path, env: dict[str, str] | None = None) -> subprocess.Popen:
    cmd = [
        sys.executable, "-m", "streamlit", "run", "app.py",
        "--server.headless=true", "--server.address=127.0.0.1", f"--server.port={port}",
        "--server.fileWatcherType=none", "--browser.gatherUsageStats=false", "--server.runOnSave=false",
    ]  # fmt: skip
    log = open(log_path, "w")  # noqa: SIM115 - lives as long as the server
    # Labs in a folder of their own, never the user's: the benchmark's labs are thrown away.
    full_env = {**os.environ, "BACKPROP_LAB_DATA": tempfile.mkdtemp(prefix="workshop-load-"), **(env or {})}
    return subprocess.Popen(cmd, cwd=ROOT, stdout=log, stderr=subprocess.STDOUT, env=full_env)


def wait_healthy(proc: subprocess.Popen, port: int, timeout: float = 90) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise RuntimeError(f"streamlit exited with status {proc.returncode}")
        try:
            with urllib.request.urlopen(f"http://127.0.0.1:{port}/_stcore/health", timeout=2) as r:
                if r.read().decode().strip() == "ok":
                    return
        except OSError:
            pass
        time.sleep(0.2)
    raise RuntimeError(f"streamlit was not healthy within {timeout:.0f} s")


def process_tree(pid: int) -> list[int]:
    """pid and all its descendants."""
    children: dict[int, list[int]] = {}
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        try:
            with open(f"/proc/{entry}/stat") as f:
                stat = f.read()
        except OSError:
            continue
        ppid = int(stat.rsplit(")", 1)[1].split()[1])
        children.setdefault(ppid, []).append(int(entry))
    tree, todo = [], [pid]
    while todo:
        p = todo.pop()
        tree.append(p)
        todo.extend(children.get(p, []))
    return tree


def rss_bytes(pids: list[int]) -> int:
    total = 0
    for p in pids:
        try:
            with open(f"/proc/{p}/statm") as f:
                total += int(f.read().split()[1]) * PAGE_SIZE
        except OSError:
            pass
    return total


def cpu_seconds(pid: int) -> float:
    """User + system CPU of a process, its threads included."""
    with open(f"/proc/{pid}/stat") as f:
        fields = f.read().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / CLK_TCK


def runnable_threads(pid: int) -> int:
    n = 0
    try:
        tids = os.listdir(f"/proc/{pid}/task")
    except OSError:
        return 0
    for tid in tids:
        try:
            with open(f"/proc/{pid}/task/{tid}/stat") as f:
                if f.read().rsplit(")", 1)[1].split()[0] == "R":
                    n += 1
        except OSError:
            pass
    return n


class Sampler(threading.Thread):
    """Samples the server's RSS (with children) and runnable threads every ``period`` s."""

    def __init__(self, pid: int, period: float = 0.2) -> None:
        super().__init__(daemon=True)
        self.pid, self.period = pid, period
        self.peak = 0
        self.max_runnable = 0
        self.samples = 0
        self._halt = threading.Event()
        self._tree = [pid]
        self._tree_at = 0.0

    def rss_now(self) -> int:
        if time.monotonic() - self._tree_at > 2:  # children are rare: look for them every 2 s
            self._tree, self._tree_at = process_tree(self.pid), time.monotonic()
        return rss_bytes(self._tree)

    def run(self) -> None:
        while not self._halt.is_set():
            self.peak = max(self.peak, self.rss_now())
            self.max_runnable = max(self.max_runnable, runnable_threads(self.pid))
            self.samples += 1
            self._halt.wait(self.period)

    def stop(self) -> None:
        self._halt.set()
        self.join()


# --- one session, spoken in Streamlit's protocol --------------------------------------


class Disconnected(Exception):
    pass


@dataclass
class Session:
    index: int
    url: str
    seed: int | None  # None: the room's settings, not the session's own
    n_train: int
    epochs: int
    heavy: bool = False  # the page's largest network: hidden 1024, batch 4096
    page: str = PAGE  # the page this session shows (a participant goes from Room to Train)
    query: str = ""  # the URL's query string, as the page's address bar has it
    errors: list[str] = field(default_factory=list)
    elements: dict[tuple, object] = field(default_factory=dict)  # delta path -> Element
    widgets: dict[str, object] = field(default_factory=dict)  # user key -> widget proto
    values: dict[str, WidgetState] = field(default_factory=dict)  # widget states sent with every rerun
    page_hash: str = ""
    full_runs: int = 0  # full script runs finished
    in_run: bool = False  # a script run (full or fragment) has begun and not yet finished
    load_s: float | None = None
    start_at: float | None = None
    finish_s: float | None = None
    result: dict[str, str] = field(default_factory=dict)
    page_hashes: dict[str, str] = field(default_factory=dict)  # page name -> script hash
    run_elements: dict[tuple, object] = field(default_factory=dict)  # the deltas of the current script run
    run_fragment: bool = False  # the current script run is a fragment's
    # Per fragment rerun that finished: (finished at, oldest request it served -> finished, its first
    # message (new_session) received -> finished, how many requests it served: the server merges
    # requests that wait for the same run). The second is no exact script time: the server may send
    # a run's messages together.
    fragment_times: list[tuple[float, float, float, int]] = field(default_factory=list)

    def __post_init__(self) -> None:
        self._ws = None
        self._fragment_sent: list[float] = []  # fragment reruns requested and not yet begun, oldest first
        self._served: list[float] = []  # the requests the fragment run under way serves
        self._run_began = 0.0
        self.fragment_asked = 0
        self._reader: asyncio.Task | None = None
        self._timers: dict[str, asyncio.Task] = {}
        self._changed = asyncio.Condition()
        self._closing = False

    # --- connection ---

    async def connect(self, **options):
        """The websocket to the server, as the page opens it (a subclass adds a browser's cookies)."""
        ws_url = self.url.replace("http://", "ws://") + "/_stcore/stream"
        return await connect(
            ws_url, subprotocols=[Subprotocol("streamlit")], max_size=None, open_timeout=60, compression=None, **options
        )

    async def open(self) -> None:
        self._ws = await self.connect()
        self._reader = asyncio.create_task(self._read())
        t0 = time.monotonic()
        await self.rerun_and_wait()
        self.load_s = time.monotonic() - t0

    async def close(self) -> None:
        self._closing = True
        for task in self._timers.values():
            task.cancel()
        if self._ws is not None:
            await self._ws.close()
        if self._reader is not None:
            self._reader.cancel()
            with contextlib.suppress(asyncio.CancelledError, Exception):
                await self._reader

    async def _read(self) -> None:
        try:
            async for data in self._ws:
                msg = ForwardMsg()
                msg.ParseFromString(data)
                await self._handle(msg)
        except asyncio.CancelledError:
            raise
        except Exception as exc:  # a broken connection is an error of the run, reported below
            if not self._closing:
                self.connection_lost(f"connection: {exc!r}")
        if not self._closing:
            self.connection_lost("disconnected by the server")
        async with self._changed:
            self._changed.notify_all()

    async def _handle(self, msg: ForwardMsg) -> None:
        kind = msg.WhichOneof("type")
        if kind == "navigation":  # the page that ran: stay on it, as the page's JavaScript does
            self.page_hash = msg.navigation.page_script_hash
            self.page_hashes = {p.page_name: p.page_script_hash for p in msg.navigation.app_pages}
            ran = [p.page_name for p in msg.navigation.app_pages if p.page_script_hash == self.page_hash]
            if ran != [self.page]:
                self.errors.append(f"the server ran page {ran}, not {self.page}")
        elif kind == "page_info_changed":  # the script set the URL's query (st.query_params)
            self.query = msg.page_info_changed.query_string
        elif kind == "new_session":
            self.in_run = True
            self.run_elements = {}
            self.run_fragment = bool(msg.metadata.run.fragment_ids)
            # A run serves every request sent before it began (a request sent a moment before
            # may reach the server after: then the figure is a little low, never high).
            self._served, self._fragment_sent, self._run_began = self._fragment_sent, [], time.monotonic()
            if not self.run_fragment:  # a full run redraws the page: forget the old one
                self.elements.clear()
                self._served = []  # a full run replaces any fragment rerun asked for
                for task in self._timers.values():
                    task.cancel()
                self._timers.clear()
        elif kind == "delta" and msg.delta.WhichOneof("type") == "new_element":
            el = msg.delta.new_element
            self.elements[tuple(msg.metadata.delta_path)] = el
            self.run_elements[tuple(msg.metadata.delta_path)] = el
            what = el.WhichOneof("type")
            if what == "exception":
                self.errors.append(f"exception on the page: {el.exception.type}: {el.exception.message}")
            elif what == "alert" and el.alert.format == el.alert.ERROR:
                self.errors.append(f"error box on the page: {el.alert.body}")
            proto = getattr(el, what, None) if what else None
            widget_id = getattr(proto, "id", "") if proto is not None else ""
            if isinstance(widget_id, str) and widget_id.startswith("$$ID-"):
                key = widget_id.split("-", 2)[2]
                self.widgets[key] = proto
                if key in self.values and getattr(proto, "set_value", False):
                    # The server set the value (st.session_state): the page's widget shows it from now on.
                    if what == "radio":
                        self.set_value(key, string_value=proto.raw_value)
                    elif what == "number_input":
                        self.set_value(key, double_value=proto.value)
        elif kind == "auto_rerun":
            fid, interval = msg.auto_rerun.fragment_id, msg.auto_rerun.interval
            if fid and fid not in self._timers:
                self._timers[fid] = asyncio.create_task(self._tick(fid, interval))
        elif kind == "stop_auto_rerun":
            for fid in msg.stop_auto_rerun.fragment_ids:
                task = self._timers.pop(fid, None)
                if task is not None:
                    task.cancel()
        elif kind == "page_not_found":
            self.errors.append(f"page not found: {msg.page_not_found.page_name}")
        elif kind == "script_finished":
            self.in_run = False
            if msg.script_finished == ForwardMsg.FINISHED_WITH_COMPILE_ERROR:
                self.errors.append("the script did not compile")
            if msg.script_finished == ForwardMsg.FINISHED_SUCCESSFULLY:
                self.full_runs += 1
            if msg.script_finished == ForwardMsg.FINISHED_FRAGMENT_RUN_SUCCESSFULLY and self._served:
                now = time.monotonic()
                served, self._served = self._served, []
                self.fragment_times.append((now, now - served[0], now - self._run_began, len(served)))
                self.fragment_finished()
            elif msg.script_finished == ForwardMsg.FINISHED_EARLY_FOR_RERUN and self.run_fragment:
                self._fragment_sent[:0], self._served = self._served, []  # cut short: the next run serves them
            async with self._changed:
                self._changed.notify_all()

    def fragment_finished(self) -> None:
        """A fragment's rerun finished; ``run_elements`` holds what it drew."""

    def connection_lost(self, why: str) -> None:
        """The websocket ended without this side closing it: an error here (a subclass may reconnect)."""
        self.errors.append(why)

    async def _tick(self, fragment_id: str, interval: float) -> None:
        while True:  # as the page's setInterval: a fragment rerun every interval
            await asyncio.sleep(interval)
            await self.send_rerun(fragment_id=fragment_id, auto=True)

    # --- requests ---

    async def send_rerun(
        self, fragment_id: str = "", auto: bool = False, trigger: str | None = None, trigger_id: str | None = None
    ) -> None:
        back = BackMsg()
        cs = back.rerun_script
        cs.query_string = self.query
        cs.page_script_hash = self.page_hash
        if not self.page_hash:
            cs.page_name = self.page
        cs.fragment_id = fragment_id
        cs.is_auto_rerun = auto
        cs.context_info.CopyFrom(ContextInfo(timezone="UTC", timezone_offset=0, locale="en-US", url=self.url))
        cs.widget_states.widgets.extend(self.values.values())
        if trigger is not None:
            trigger_id = self.widgets[trigger].id
        if trigger_id is not None:
            cs.widget_states.widgets.append(WidgetState(id=trigger_id, trigger_value=True))
        try:
            await self._ws.send(back.SerializeToString())
        except Exception as exc:
            raise Disconnected(str(exc)) from exc
        if fragment_id:
            self._fragment_sent.append(time.monotonic())
            self.fragment_asked += 1

    async def wait_for(self, predicate, timeout: float) -> None:
        async with self._changed:
            await asyncio.wait_for(self._changed.wait_for(lambda: predicate() or self._reader.done()), timeout=timeout)
        if not predicate():
            raise Disconnected("the connection ended")

    async def rerun_and_wait(
        self, trigger: str | None = None, timeout: float = 120, trigger_id: str | None = None
    ) -> None:
        before = self.full_runs
        await self.send_rerun(trigger=trigger, trigger_id=trigger_id)
        await self.wait_for(lambda: self.full_runs > before, timeout)

    async def go_to(self, page: str) -> None:
        """A click on the page's link to ``page`` (st.page_link): the other page, without the query."""
        self.page, self.page_hash, self.query = page, self.page_hashes[page], ""
        self.values.clear()
        await self.rerun_and_wait()

    def set_value(self, key: str, **value) -> None:
        self.values[key] = WidgetState(id=self.widgets[key].id, **value)

    # --- the workload ---

    async def configure(self) -> None:
        if "train_preset_fast" in self.widgets:  # one button per preset
            await self.rerun_and_wait(trigger="train_preset_fast")
        else:  # a radio of presets
            radio = self.widgets["train_preset"]
            self.set_value("train_preset", string_value=next(o for o in radio.options if PRESET_LABEL in o))
            await self.rerun_and_wait()
        self.set_value("train_w_n_train", double_value=self.n_train)
        self.set_value("train_w_epochs", double_value=self.epochs)
        self.set_value("train_w_seed", double_value=self.seed)
        if self.heavy:
            self.set_value("train_w_hidden", double_value=HEAVY["hidden"])
            self.set_value("train_w_batch_size", double_value=HEAVY["batch_size"])
        await self.rerun_and_wait()

    def finished_text(self) -> str | None:
        for el in self.elements.values():
            if el.WhichOneof("type") == "alert" and el.alert.format == el.alert.SUCCESS and "finished" in el.alert.body:
                return el.alert.body
        return None

    def metrics(self) -> dict[str, str]:
        # labels may say which epoch they are from ("Test accuracy (after epoch 3)"): keep the name
        return {
            el.metric.label.split(" (")[0]: el.metric.body
            for el in self.elements.values()
            if el.WhichOneof("type") == "metric"
        }

    async def train(self, timeout: float) -> None:
        self.start_at = time.monotonic()
        await self.send_rerun(trigger="train_start")
        await self.wait_for(lambda: self.finished_text() is not None or bool(self.errors), timeout)
        if self.finished_text() is None:
            raise Disconnected("; ".join(self.errors) or "no result")
        self.finish_s = time.monotonic() - self.start_at
        # The figures below the "finished" box arrive later in the same script run: read them once it ends.
        await self.wait_for(lambda: not self.in_run or bool(self.errors), timeout)
        self.result = {"finished": self.finished_text(), **self.metrics()}


# --- room mode: participants join on the Room page, the teacher's board follows them ---------


def en(key: str, **values: object) -> str:
    """A text of the app in English, the language these sessions ask for (locale en-US)."""
    from ui.i18n import Translator

    return Translator("en")(key, **values)


def tables(elements: dict[tuple, object]) -> list:
    """The st.table elements among ``elements``, as pandas DataFrames (their Arrow data)."""
    import pyarrow as pa

    return [
        pa.ipc.open_stream(el.table.arrow_data.data).read_pandas()
        for el in elements.values()
        if el.WhichOneof("type") == "table"
    ]


@dataclass
class Participant(Session):
    """Opens the room's link (Room page, ``?join=CODE``), joins with a name, goes to Train, presses Start."""

    name: str = ""
    joined: bool = False

    async def join_room(self, code: str, delay: float = 0.0) -> None:
        await asyncio.sleep(delay)
        from labs.rooms import show_code

        buttons = [el.button for el in self.elements.values() if el.WhichOneof("type") == "button"]
        submit = next((b.id for b in buttons if b.is_form_submitter and b.form_id == "room_join"), None)
        if submit is None or "room_code" not in self.widgets:
            raise Disconnected("no join form on the Room page")
        box = self.widgets["room_code"]
        filled = box.value if box.set_value else ""
        if filled != show_code(code):
            self.errors.append(f"the link did not fill in the code: {filled!r}")
        # The form's values go with its submit button, as the page sends them.
        self.set_value("room_code", string_value=show_code(code))
        self.set_value("room_name", string_value=self.name)
        await self.rerun_and_wait(trigger_id=submit)
        header = en("room.member_header", code=show_code(code))
        if not any(el.WhichOneof("type") == "heading" and el.heading.body == header for el in self.elements.values()):
            raise Disconnected("the Room page does not say the session joined")
        self.joined = True

    async def go_to_train(self, code: str) -> None:
        from labs.rooms import show_code

        await self.go_to(PAGE)
        note = en("room.train_note", code=show_code(code), settings="\0").split("\0")[0]
        alerts = [el.alert.body for el in self.elements.values() if el.WhichOneof("type") == "alert"]
        if not any(body.startswith(note) for body in alerts):
            self.errors.append("the Train page does not say the lab is in the room")


@dataclass
class Board(Session):
    """The teacher: opens a room on the Room page, then follows its board's auto-reruns."""

    code: str = ""
    names: set[str] = field(default_factory=set)  # who should end up on the leaderboard
    first_listed: dict[str, float] = field(default_factory=dict)  # name -> when the leaderboard first showed it
    complete_at: float | None = None  # the first refresh whose leaderboard listed every name
    joined_shown: int = 0  # the most rows the "everyone" table had

    async def open_room(self) -> None:
        await self.open()
        await self.rerun_and_wait(trigger="room_open")
        codes = [el.code.code_text for el in self.elements.values() if el.WhichOneof("type") == "code"]
        link = next((text for text in codes if "join=" in text), "")
        self.code = link.split("join=", 1)[1] if link else ""
        if not self.code or "teacher=" not in self.query:
            raise Disconnected("the Room page did not open a room")

    def fragment_finished(self) -> None:
        now = time.monotonic()
        rank, name, seat = en("room.col_rank"), en("room.col_name"), en("room.col_seat")
        for df in tables(self.run_elements):
            if rank in df.columns:
                listed = set(df[name])
                for who in listed:
                    self.first_listed.setdefault(who, now)
                if self.names and self.names <= listed and self.complete_at is None:
                    self.complete_at = now
            elif seat in df.columns:
                self.joined_shown = max(self.joined_shown, len(df))


# --- what each session should see -------------------------------------------------------


def expected_numbers(sessions: list[Session]) -> list[dict[str, str]]:
    """Each session's configuration trained here, formatted as its page shows the numbers.
    In a room the seed is the participant's seat, which depends on the order the joins
    landed in: session i's entry is then the run of seed (seat) i + 1, and the report
    matches each page to whichever seat's run it equals."""
    from threadpoolctl import threadpool_limits

    from labs.gate import TrainingGate
    from mlp_core.config import preset
    from mlp_core.data import load_mnist
    from mlp_core.train import Trainer
    from ui import train_session as ts
    from ui.state import LabState

    data = load_mnist()
    total = len(data.y_train)
    out = []
    # On the server's BLAS thread count: a float32 product's last bits may depend on how
    # OpenBLAS splits it between threads. With several sessions every run trains on one
    # thread; a run alone on the gate's solo count, which is 1 on 2 cores.
    threads = 1 if len(sessions) > 1 else TrainingGate().solo_threads
    trained: dict[tuple, dict[str, str]] = {}  # a configuration's numbers (a room's sessions share one)
    for k, s in enumerate(sessions):
        state = LabState(preset_name="fast", preset_base="fast")
        if s.seed is None:  # in a room: the room's settings and a seat's seed (ui.room_session.apply_room_settings)
            config = preset("fast", train_size=s.n_train, epochs=s.epochs, seed=k + 1)
            state.train_settings = ts.settings_from_config(config, total)
        else:
            state.train_settings = ts.settings_from_config(preset("fast"), total)
            state.train_settings.update(n_train=s.n_train, epochs=s.epochs, seed=s.seed)
        if s.heavy:
            state.train_settings.update(HEAVY)
        config = ts.config_from_settings(state, total)
        key = tuple(sorted(vars(config).items()))
        if key not in trained:
            tr = Trainer(config, data)
            with threadpool_limits(limits=threads, user_api="blas"):
                tr.run()
            last = tr.history[-1]
            trained[key] = {
                "Epoch": f"{tr.epoch} / {tr.config.epochs}",
                "Loss of the last batch": f"{tr.batch_losses[-1]:.3f}",
                "Train accuracy": f"{last.train_accuracy:.2%}",
                "Test accuracy": f"{last.test_accuracy:.2%}",
            }
        out.append(trained[key])
    return out


def distance(shown: dict[str, str], expected: dict[str, str]) -> float:
    """How far a page's final numbers are from a run's: sum of absolute differences (in %, loss x 100)."""
    d = 0.0
    for key, scale in (("Loss of the last batch", 100.0), ("Train accuracy", 1.0), ("Test accuracy", 1.0)):
        try:
            d += abs(float(shown[key].rstrip("%")) - float(expected[key].rstrip("%"))) * scale
        except (KeyError, ValueError):
            return float("inf")
    return d


# --- the in-process memory audit ----------------------------------------------------------


def memory_audit(n_train: int, epochs: int) -> dict[str, object]:
    import numpy as np

    from mlp_core.config import preset
    from mlp_core.metrics import evaluate
    from mlp_core.train import Trainer
    from ui.common import get_dataset

    data = get_dataset()
    out: dict[str, object] = {"cache_resource_same_object": get_dataset() is data}
    out["dataset_mb"] = data.nbytes / 2**20
    out["dataset_read_only"] = not any(getattr(data, k).flags.writeable for k in ("x_train", "y_train", "x_test"))
    config = preset("fast", train_size=n_train, epochs=epochs, seed=FIRST_SEED)
    tracemalloc.start()
    base = tracemalloc.get_traced_memory()[0]
    tr = Trainer(config, data)
    out["subset_shares_memory"] = bool(np.shares_memory(tr.data.x_train, data.x_train)) and (
        tr.data.x_test is data.x_test
    )
    tracemalloc.reset_peak()
    tr.run()
    current, peak = tracemalloc.get_traced_memory()
    out["run_kept_mb"] = (current - base) / 2**20
    out["run_peak_mb"] = (peak - base) / 2**20
    out["model_mb"] = sum(p.nbytes for p in tr.model.params().values()) / 2**20
    before = tracemalloc.get_traced_memory()[0]
    tracemalloc.reset_peak()
    result = evaluate(tr.model, data.x_test, data.y_test)
    current, peak = tracemalloc.get_traced_memory()
    out["eval_peak_mb"] = (peak - before) / 2**20
    out["eval_kept_mb"] = (current - before) / 2**20
    tracemalloc.stop()
    del result
    return out


# --- the run ----------------------------------------------------------------------------------


def mb(n: float) -> str:
    return f"{n / 2**20:.0f} MB"


def guards(timeout: float):
    """(left, guarded): the seconds left of ``timeout``, and a coroutine run within them whose
    failure becomes an error of its session."""
    deadline = time.monotonic() + timeout

    def left() -> float:
        return max(1.0, deadline - time.monotonic())

    async def guarded(coro, s: Session) -> None:
        try:
            await asyncio.wait_for(coro, timeout=left())
        except TimeoutError:
            s.errors.append("timed out")
        except Disconnected as exc:
            if not s.errors:
                s.errors.append(f"disconnected: {exc}")
        except Exception as exc:
            s.errors.append(f"{type(exc).__name__}: {exc}")

    return left, guarded


async def drive(args, url: str, sampler: Sampler, marks: dict[str, float]) -> list[Session]:
    sessions = [
        Session(i, url, seed=FIRST_SEED + i, n_train=args.n_train, epochs=args.epochs, heavy=i < args.heavy)
        for i in range(args.sessions)
    ]
    left, guarded = guards(args.timeout)

    # The first page load (loads the dataset), then everyone else at once.
    await guarded(sessions[0].open(), sessions[0])
    marks["rss_first_load"] = sampler.rss_now()
    await asyncio.gather(*(guarded(s.open(), s) for s in sessions[1:]))
    marks["rss_all_loaded"] = sampler.rss_now()
    await asyncio.gather(*(guarded(s.configure(), s) for s in sessions if not s.errors))
    ready = [s for s in sessions if not s.errors]
    cpu0, drv0, t0 = cpu_seconds(sampler.pid), time.process_time(), time.monotonic()
    await asyncio.gather(*(guarded(s.train(left()), s) for s in ready))  # Start, all at once
    marks["load_wall_s"] = time.monotonic() - t0
    marks["server_cpu_s"] = cpu_seconds(sampler.pid) - cpu0
    marks["driver_cpu_s"] = time.process_time() - drv0
    await asyncio.sleep(1.0)  # let the last redraws land
    marks["rss_all_finished"] = sampler.rss_now()
    await asyncio.gather(*(s.close() for s in sessions), return_exceptions=True)
    await asyncio.sleep(5.0)  # every tab closed: what the server still holds
    marks["rss_after_close"] = sampler.rss_now()
    return sessions


async def drive_room(args, url: str, sampler: Sampler, marks: dict[str, float]) -> tuple[Board, list[Participant]]:
    """The teacher opens a room and its board; everyone opens the join link at once, joins
    (at the server's join rate beyond its burst, as people retrying "wait a moment" would),
    goes to Train and presses Start at the same moment; the board stays open throughout."""
    from labs.rooms import JOIN_BURST, JOIN_RATE

    left, guarded = guards(args.timeout)
    board = Board(-1, url, seed=None, n_train=args.n_train, epochs=args.epochs, page=ROOM_PAGE)
    await guarded(board.open_room(), board)  # the first page load (loads the dataset)
    marks["rss_first_load"] = sampler.rss_now()
    people = [
        Participant(
            i, url, seed=None, n_train=args.n_train, epochs=args.epochs, page=ROOM_PAGE,
            query=f"join={board.code}", name=f"Learner {i + 1:02d}",
        )
        for i in range(args.sessions)
    ]  # fmt: skip
    if board.errors:  # no room: nobody can join, the report says why
        await board.close()
        return board, people
    board.names = {p.name for p in people}
    await asyncio.gather(*(guarded(p.open(), p) for p in people))  # everyone opens the link at once
    t0 = time.monotonic()
    await asyncio.gather(
        *(guarded(p.join_room(board.code, max(0.0, (i + 1 - JOIN_BURST) / JOIN_RATE)), p) for i, p in enumerate(people))
    )
    marks["join_wall_s"] = time.monotonic() - t0
    await asyncio.gather(*(guarded(p.go_to_train(board.code), p) for p in people if not p.errors))
    marks["rss_all_loaded"] = sampler.rss_now()
    ready = [p for p in people if not p.errors]
    cpu0, drv0, t0 = cpu_seconds(sampler.pid), time.process_time(), time.monotonic()
    marks["train_t0"] = t0
    await asyncio.gather(*(guarded(p.train(left()), p) for p in ready))  # Start, all at once
    marks["load_wall_s"] = time.monotonic() - t0
    marks["server_cpu_s"] = cpu_seconds(sampler.pid) - cpu0
    marks["driver_cpu_s"] = time.process_time() - drv0
    done = [p for p in people if p.finish_s is not None]
    if done:
        marks["last_finished_at"] = max(p.start_at + p.finish_s for p in done)
        try:  # the board refreshes every 2 s: it should list the last result within a refresh or two
            await board.wait_for(lambda: board.complete_at is not None or bool(board.errors), BOARD_WAIT_S)
        except TimeoutError:
            board.errors.append(f"the leaderboard did not list every participant within {BOARD_WAIT_S:.0f} s")
        except Disconnected as exc:
            board.errors.append(f"disconnected: {exc}")
    await asyncio.sleep(1.0)  # let the last redraws land
    marks["rss_all_finished"] = sampler.rss_now()
    await asyncio.gather(*(s.close() for s in [board, *people]), return_exceptions=True)
    await asyncio.sleep(5.0)  # every tab closed: what the server still holds
    marks["rss_after_close"] = sampler.rss_now()
    return board, people


def refresh_times(values: list[float]) -> str:
    """median, p95 and max of ``values``, in seconds."""
    v = sorted(values)
    p95 = v[min(len(v) - 1, round(0.95 * (len(v) - 1)))]
    return f"median {statistics.median(v):.2f} s, p95 {p95:.2f} s, max {v[-1]:.2f} s"


def room_report(board: Board, people: list[Participant], marks: dict) -> tuple[list[str], bool]:
    lines = ["Room (the teacher's board open throughout, refreshing itself every 2 s):"]
    ok = True
    lines.append(
        f"  room {board.code or '-'}: {sum(p.joined for p in people)} / {len(people)} joined through the link "
        f"in {marks.get('join_wall_s', 0):.1f} s; "
        f"the board's everyone table showed {board.joined_shown} / {len(people)}"
    )
    t0, t1 = marks.get("train_t0", 0), marks.get("last_finished_at", 0)
    training = [f for f in board.fragment_times if t0 <= f[0] <= t1]
    for label, runs in (("while everyone trained", training), ("over the whole benchmark", board.fragment_times)):
        if not runs:
            continue
        lines.append(f"  board refresh {label}, {len(runs)} refreshes:")
        lines.append(f"    request -> script finished: {refresh_times([f[1] for f in runs])}")
        lines.append(f"    its first message -> its last, as received: {refresh_times([f[2] for f in runs])}")
        gaps = [b[0] - a[0] for a, b in itertools.pairwise(runs)]
        if gaps:
            lines.append(f"    between two updates of the board: {refresh_times(gaps)} (asked every 2 s)")
    if board.fragment_times:
        merged = sum(f[3] - 1 for f in board.fragment_times)
        lines.append(
            f"  refresh requests: {board.fragment_asked} sent, {len(board.fragment_times)} refreshes, "
            f"{merged} merged into the same refresh by the server (they waited for it together)"
        )
    else:
        ok = False
        lines.append("  FAIL: the board never refreshed")
    listed = len(board.names & set(board.first_listed))
    lines.append(f"  leaderboard lists {listed} / {len(people)} participants")
    if board.complete_at is not None and "last_finished_at" in marks:
        lines.append(
            f"  the board listed every result {board.complete_at - marks['last_finished_at']:+.1f} s after the last "
            'Train page showed "finished" (negative: the board was first)'
        )
    if listed < len(people) or board.joined_shown < len(people):
        ok = False
        lines.append("  FAIL: the board did not show every participant")
    return lines, ok


def report(
    args, sessions: list[Session], marks: dict, sampler: Sampler, audit: dict | None, board: Board | None = None
) -> bool:
    n = len(sessions)
    ok = True
    if board is None:
        lines = [f"Workshop load: {n} session(s), preset {PRESET_LABEL}, {args.n_train:,} images, {args.epochs} epochs"]
    else:
        lines = [
            f"Workshop room: {n} participant(s) and the teacher's board, the room's settings: preset "
            f"{PRESET_LABEL}, {args.n_train:,} images, {args.epochs} epochs"
        ]
    if args.heavy:
        lines.append(f"  of which {args.heavy} at hidden {HEAVY['hidden']}, batch {HEAVY['batch_size']}")
    lines.append(f"  machine: {os.cpu_count()} cores, load average before start {marks['loadavg']}")
    if marks.get("server_env"):
        lines.append(f"  server environment: {marks['server_env']}")
    done = [s for s in sessions if s.finish_s is not None]
    times = sorted(s.finish_s for s in done)
    lines.append(f"  finished: {len(done)} / {n}")
    if times:
        spread = times[-1] - times[0]
        slowest = max(done, key=lambda s: s.finish_s)
        lines.append(
            f"  time from Start to finished: min {times[0]:.1f} s, median {statistics.median(times):.1f} s, "
            f"max {times[-1]:.1f} s (session {slowest.index})"
        )
        lines.append(f"  fairness spread (slowest - fastest): {spread:.1f} s ({spread / times[-1]:.0%} of the slowest)")
        loads = [s.load_s for s in ([board] if board else []) + sessions if s.load_s is not None]
        most = max(loads[1:] or loads)
        lines.append(f"  first page load: {loads[0]:.1f} s; with {n} arriving at once: max {most:.1f} s")
    label = "the whole room, first Start to last finished" if board else "the training phase"
    lines.append(f"  wall time of {label}: {marks.get('load_wall_s', 0):.1f} s")
    if board is not None:
        room_lines, room_ok = room_report(board, sessions, marks)
        lines += room_lines
        ok = ok and room_ok

    lines.append("Memory (server RSS incl. children):")
    lines.append(f"  after start-up:        {mb(marks['rss_startup'])}")
    lines.append(f"  after first page load: {mb(marks['rss_first_load'])}")
    lines.append(f"  all {n} sessions loaded: {mb(marks.get('rss_all_loaded', 0))}")
    lines.append(f"  all runs finished:     {mb(marks.get('rss_all_finished', 0))}")
    lines.append(f"  5 s after every tab closed: {mb(marks.get('rss_after_close', 0))}")
    lines.append(f"  peak ({sampler.samples} samples, every 0.2 s): {mb(sampler.peak)}  (limit {RSS_LIMIT_MB} MB)")
    if n > 1 and "rss_all_loaded" in marks and "rss_all_finished" in marks:
        extra = n if board else n - 1  # in a room the first page load is the board's
        per_loaded = (marks["rss_all_loaded"] - marks["rss_first_load"]) / extra
        per_done = (marks["rss_all_finished"] - marks["rss_first_load"]) / extra
        lines.append(f"  per extra session: {per_loaded / 2**20:.1f} MB loaded, {per_done / 2**20:.1f} MB trained")
    if sampler.peak > RSS_LIMIT_MB * 2**20:
        ok = False
        lines.append("  FAIL: the peak is above the limit")

    lines.append("CPU:")
    lines.append(
        f"  server: {marks.get('server_cpu_s', 0):.1f} CPU s in the training phase; most runnable server threads "
        f"seen at once: {sampler.max_runnable} (cores: {os.cpu_count()})"
    )
    wall = marks.get("load_wall_s") or 1
    driver = marks.get("driver_cpu_s", 0)
    lines.append(f"  this driver: {driver:.1f} CPU s ({driver / wall:.0%} of one core)")

    errors = [(s.index, e) for s in ([board] if board else []) + sessions for e in s.errors]
    lines.append(f"Errors: {len(errors)}")
    for i, e in errors[:20]:
        lines.append(f"  {'the board' if i < 0 else f'session {i}'}: {e[:300]}")
    if errors or len(done) < n:
        ok = False

    if marks.get("expected") is not None and done and board is not None:
        # A room: every participant trains the room's settings with their seat as the seed.
        expected = marks["expected"]

        def seat_of(s: Session) -> int | None:
            return next((j for j, e in enumerate(expected) if all(s.result.get(k) == v for k, v in e.items())), None)

        seats = [seat_of(s) for s in done]
        exact = sum(1 for j in seats if j is not None)
        distinct = len({j for j in seats if j is not None})
        lines.append("Isolation (each page against the room's settings trained here with each seat's seed):")
        lines.append(
            f"  pages showing exactly one seat's run: {exact} / {len(done)}; seats seen: {distinct} / {len(done)}"
        )
        for s, j in list(zip(done, seats, strict=True))[:60]:
            if j is None:
                lines.append(f"    session {s.index}: page {s.result} matches no seat's run")
        if exact < len(done) or distinct < len(done):
            ok = False
            lines.append("  FAIL: a page does not show its own seat's run")
    elif marks.get("expected") is not None and done:
        expected = marks["expected"]
        own = sum(1 for s in done if s.result.get("Epoch") == expected[s.index]["Epoch"])

        def same(s: Session) -> bool:
            return all(s.result.get(k) == v for k, v in expected[s.index].items())

        exact = sum(1 for s in done if same(s))
        nearest_own = sum(
            1 for s in done if min(range(n), key=lambda j: (distance(s.result, expected[j]), j != s.index)) == s.index
        )
        worst = max(distance(s.result, expected[s.index]) for s in done)
        distinct = len({(s.result.get("Test accuracy"), s.result.get("Loss of the last batch")) for s in done})
        lines.append("Isolation (each session's page against its own configuration trained in this process):")
        lines.append(f"  epochs shown match: {own} / {len(done)}; all four numbers identical: {exact} / {len(done)}")
        lines.append(f"  closest to its own run rather than another session's: {nearest_own} / {len(done)}")
        lines.append(f"  largest difference from its own run: {worst:.3f} (percentage points, loss x 100)")
        lines.append(f"  distinct models (test accuracy, last batch loss): {distinct} / {len(done)}")
        for s in [s for s in done if not same(s)][:5]:
            kind = "heavy" if s.heavy else "light"
            lines.append(f"    session {s.index} ({kind}): page {s.result}, here {expected[s.index]}")
        if own < len(done) or nearest_own < len(done) or worst > 0.2 or (len(done) > 1 and distinct < 2):
            ok = False
            lines.append("  FAIL: a session did not see its own run")

    if audit:
        lines.append("Memory audit (in this process):")
        lines.append(
            f"  st.cache_resource dataset is one object: {audit['cache_resource_same_object']}; "
            f"read-only: {audit['dataset_read_only']}; {audit['dataset_mb']:.1f} MB"
        )
        lines.append(f"  Trainer's training subset shares the dataset's memory: {audit['subset_shares_memory']}")
        lines.append(
            f"  one finished run keeps {audit['run_kept_mb']:.2f} MB (model {audit['model_mb']:.2f} MB), "
            f"peaks at {audit['run_peak_mb']:.1f} MB while training"
        )
        lines.append(
            f"  evaluate() on the 10,000 test images: peak {audit['eval_peak_mb']:.1f} MB, "
            f"keeps {audit['eval_kept_mb']:.2f} MB"
        )
        if not (audit["cache_resource_same_object"] and audit["subset_shares_memory"]):
            ok = False
    return print_report(lines, ok)


def print_report(lines: list[str], ok: bool) -> bool:
    """The report, with its verdict last; returns ``ok``."""
    lines.append("RESULT: " + ("PASS" if ok else "FAIL"))
    print("\n".join(lines), flush=True)
    return ok


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument(
        "--sessions", type=int, default=None, help="sessions training at once (default 30; with --room 60)"
    )
    parser.add_argument("--n-train", type=int, default=10_000, help="training-set size of every run")
    parser.add_argument("--epochs", type=int, default=3)
    parser.add_argument("--heavy", type=int, default=0, help="sessions at hidden 1024, batch 4096 (default 0)")
    parser.add_argument(
        "--room",
        action="store_true",
        help="room mode: the sessions join one room on the Room page and train while the teacher's board is open",
    )
    parser.add_argument("--timeout", type=float, default=600, help="give up after this many seconds")
    parser.add_argument("--no-verify", action="store_true", help="skip retraining every configuration here")
    parser.add_argument(
        "--server-env", action="append", default=[], metavar="NAME=VALUE", help="extra environment of the server"
    )
    parser.add_argument("--log", default=str(ROOT / "artifacts" / "workshop_load_server.log"))
    args = parser.parse_args()
    if args.sessions is None:
        args.sessions = 60 if args.room else 30
    if args.room:
        from labs.rooms import DEFAULT_SETTINGS

        if args.heavy or (args.n_train, args.epochs) != (10_000, 3):
            parser.error("--room trains the room's settings: no --heavy, --n-train or --epochs")
        if DEFAULT_SETTINGS["preset"] != "fast":
            parser.error("the room's default preset is no longer Fast: update this benchmark")
        args.n_train, args.epochs = DEFAULT_SETTINGS["train_size"], DEFAULT_SETTINGS["epochs"]
    if not 1 <= args.sessions <= MAX_SESSIONS:
        parser.error(f"--sessions must be from 1 to {MAX_SESSIONS}")

    Path(args.log).parent.mkdir(parents=True, exist_ok=True)
    marks: dict = {"loadavg": " ".join(f"{x:.1f}" for x in os.getloadavg())}
    port = free_port()
    env = dict(item.split("=", 1) for item in args.server_env)
    if env:
        marks["server_env"] = env
    proc = start_server(port, Path(args.log), env)
    sampler = None
    started = time.monotonic()
    try:
        wait_healthy(proc, port)
        sampler = Sampler(proc.pid)
        time.sleep(1.0)
        marks["rss_startup"] = sampler.rss_now()
        sampler.start()
        remaining = args.timeout - (time.monotonic() - started)
        args.timeout = remaining
        url = f"http://127.0.0.1:{port}"
        if args.room:
            board, sessions = asyncio.run(drive_room(args, url, sampler, marks))
        else:
            board, sessions = None, asyncio.run(drive(args, url, sampler, marks))
    finally:
        if sampler is not None and sampler.is_alive():
            sampler.stop()
        stop_app(proc)
    marks["expected"] = None if args.no_verify else expected_numbers(sessions)
    audit = memory_audit(args.n_train, args.epochs)
    return 0 if report(args, sessions, marks, sampler, audit, board) else 1


if __name__ == "__main__":
    sys.exit(main())
