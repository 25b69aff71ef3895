"""Workshop load: N people press Start on the Train page of one server at once.

    python benchmarks/workshop_load.py                         # 30 sessions
    python benchmarks/workshop_load.py --sessions 60 --heavy 10  # a full room, 10 at the page's maximum
    python benchmarks/workshop_load.py --sessions 1            # one session alone: the baseline time

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

Bounded: at most ``--sessions`` connections (capped at 100), a global
``--timeout`` (default 600 s) after which it reports failure, and the server
is stopped at the end in every case. Exit status 0 only if every check passed.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
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
    seed: int
    n_train: int
    epochs: int
    heavy: bool = False  # the page's largest network: hidden 1024, batch 4096
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

    def __post_init__(self) -> None:
        self._ws = None
        self._reader: asyncio.Task | None = None
        self._timers: dict[str, asyncio.Task] = {}
        self._changed = asyncio.Condition()
        self._closing = False

    # --- connection ---

    async def open(self) -> None:
        ws_url = self.url.replace("http://", "ws://") + "/_stcore/stream"
        self._ws = await connect(
            ws_url, subprotocols=[Subprotocol("streamlit")], max_size=None, open_timeout=60, compression=None
        )
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
                self.errors.append(f"connection: {exc!r}")
        if not self._closing:
            self.errors.append("disconnected by the server")
        async with self._changed:
            self._changed.notify_all()

    async def _handle(self, msg: ForwardMsg) -> None:
        kind = msg.WhichOneof("type")
        if kind == "navigation":  # the page that ran: stay on it, as the page's JavaScript does
            self.page_hash = msg.navigation.page_script_hash
            ran = [p.page_name for p in msg.navigation.app_pages if p.page_script_hash == self.page_hash]
            if ran != [PAGE]:
                self.errors.append(f"the server ran page {ran}, not {PAGE}")
        elif kind == "new_session":
            self.in_run = True
            if not msg.metadata.run.fragment_ids:  # a full run redraws the page: forget the old one
                self.elements.clear()
                for task in self._timers.values():
                    task.cancel()
                self._timers.clear()
        elif kind == "delta" and msg.delta.WhichOneof("type") == "new_element":
            el = msg.delta.new_element
            self.elements[tuple(msg.metadata.delta_path)] = el
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
            async with self._changed:
                self._changed.notify_all()

    async def _tick(self, fragment_id: str, interval: float) -> None:
        while True:  # as the page's setInterval: a fragment rerun every interval
            await asyncio.sleep(interval)
            await self.send_rerun(fragment_id=fragment_id, auto=True)

    # --- requests ---

    async def send_rerun(self, fragment_id: str = "", auto: bool = False, trigger: str | None = None) -> None:
        back = BackMsg()
        cs = back.rerun_script
        cs.query_string = ""
        cs.page_script_hash = self.page_hash
        if not self.page_hash:
            cs.page_name = PAGE
        cs.fragment_id = fragment_id
        cs.is_auto_rerun = auto
        cs.context_info.CopyFrom(ContextInfo(timezone="UTC", timezone_offset=0, locale="en-US", url=self.url))
        cs.widget_states.widgets.extend(self.values.values())
        if trigger is not None:
            cs.widget_states.widgets.append(WidgetState(id=self.widgets[trigger].id, trigger_value=True))
        try:
            await self._ws.send(back.SerializeToString())
        except Exception as exc:
            raise Disconnected(str(exc)) from exc

    async def wait_for(self, predicate, timeout: float) -> None:
        async with self._changed:
            await asyncio.wait_for(self._changed.wait_for(lambda: predicate() or self._reader.done()), timeout=timeout)
        if not predicate():
            raise Disconnected("the connection ended")

    async def rerun_and_wait(self, trigger: str | None = None, timeout: float = 120) -> None:
        before = self.full_runs
        await self.send_rerun(trigger=trigger)
        await self.wait_for(lambda: self.full_runs > before, timeout)

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


# --- what each session should see -------------------------------------------------------


def expected_numbers(sessions: list[Session]) -> list[dict[str, str]]:
    """Each session's configuration trained here, formatted as its page shows the numbers."""
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
    for s in sessions:
        state = LabState(preset_name="fast", preset_base="fast")
        state.train_settings = ts.settings_from_config(preset("fast"), total)
        state.train_settings.update(n_train=s.n_train, epochs=s.epochs, seed=s.seed)
        if s.heavy:
            state.train_settings.update(HEAVY)
        tr = Trainer(ts.config_from_settings(state, total), data)
        with threadpool_limits(limits=threads, user_api="blas"):
            tr.run()
        last = tr.history[-1]
        out.append(
            {
                "Epoch": f"{tr.epoch} / {tr.config.epochs}",
                "Loss of the last batch": f"{tr.batch_losses[-1]:.3f}",
                "Train accuracy": f"{last.train_accuracy:.2%}",
                "Test accuracy": f"{last.test_accuracy:.2%}",
            }
        )
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


async def drive(args, url: str, sampler: Sampler, marks: dict[str, float]) -> list[Session]:
    sessions = [
        Session(i, url, seed=FIRST_SEED + i, n_train=args.n_train, epochs=args.epochs, heavy=i < args.heavy)
        for i in range(args.sessions)
    ]
    deadline = time.monotonic() + args.timeout

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


def report(args, sessions: list[Session], marks: dict[str, float], sampler: Sampler, audit: dict | None) -> bool:
    n = len(sessions)
    ok = True
    lines = [f"Workshop load: {n} session(s), preset {PRESET_LABEL}, {args.n_train:,} images, {args.epochs} epochs"]
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
        loads = [s.load_s for s in sessions if s.load_s is not None]
        lines.append(f"  first page load: {loads[0]:.1f} s; with {n} arriving at once: max {max(loads):.1f} s")
    lines.append(f"  wall time of the training phase: {marks.get('load_wall_s', 0):.1f} s")

    lines.append("Memory (server RSS incl. children):")
    lines.append(f"  after start-up:        {mb(marks['rss_startup'])}")
    lines.append(f"  after first page load: {mb(marks['rss_first_load'])}")
    lines.append(f"  all {n} sessions loaded: {mb(marks['rss_all_loaded'])}")
    lines.append(f"  all runs finished:     {mb(marks['rss_all_finished'])}")
    lines.append(f"  5 s after every tab closed: {mb(marks['rss_after_close'])}")
    lines.append(f"  peak ({sampler.samples} samples, every 0.2 s): {mb(sampler.peak)}  (limit {RSS_LIMIT_MB} MB)")
    if n > 1:
        per_loaded = (marks["rss_all_loaded"] - marks["rss_first_load"]) / (n - 1)
        per_done = (marks["rss_all_finished"] - marks["rss_first_load"]) / (n - 1)
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

    errors = [(s.index, e) for s in sessions for e in s.errors]
    lines.append(f"Errors: {len(errors)}")
    for i, e in errors[:20]:
        lines.append(f"  session {i}: {e[:300]}")
    if errors or len(done) < n:
        ok = False

    if marks.get("expected") is not None and done:
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
    lines.append("RESULT: " + ("PASS" if ok else "FAIL"))
    print("\n".join(lines), flush=True)
    return ok


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--sessions", type=int, default=30, help="sessions training at once (default 30)")
    parser.add_argument("--n-train", type=int, default=10_000, help="training-set size of every run")
    parser.add_argument("--epochs", type=int, default=3)
    parser.add_argument("--heavy", type=int, default=0, help="sessions at hidden 1024, batch 4096 (default 0)")
    parser.add_argument("--timeout", type=float, default=600, help="give up after this many seconds")
    parser.add_argument("--no-verify", action="store_true", help="skip retraining every configuration here")
    parser.add_argument(
        "--server-env", action="append", default=[], metavar="NAME=VALUE", help="extra environment of the server"
    )
    parser.add_argument("--log", default=str(ROOT / "artifacts" / "workshop_load_server.log"))
    args = parser.parse_args()
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
        sessions = asyncio.run(drive(args, f"http://127.0.0.1:{port}", sampler, marks))
    finally:
        if sampler is not None and sampler.is_alive():
            sampler.stop()
        stop_app(proc)
    marks["expected"] = None if args.no_verify else expected_numbers(sessions)
    audit = memory_audit(args.n_train, args.epochs)
    return 0 if report(args, sessions, marks, sampler, audit) else 1


if __name__ == "__main__":
    sys.exit(main())
