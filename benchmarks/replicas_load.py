"""Replicas under load: one room of N people training at once on several app servers
behind HAProxy, one server killed halfway.

    python benchmarks/replicas_load.py                    # 120 participants, 3 replicas, one killed halfway
    python benchmarks/replicas_load.py --participants 12  # a quick look
    python benchmarks/replicas_load.py --kill-at 20s      # kill 20 s after Start rather than halfway

The event's topology (:class:`deploy.local.LocalEvent`) on this machine: PostgreSQL, ``--replicas``
``streamlit run app.py`` servers sharing it, HAProxy in front (sticky by the ``BACKPROP_REPLICA``
cookie, health checks, redispatch). Every session is a simulated browser tab speaking
Streamlit's own protocol (the driver of ``benchmarks/workshop_load.py``) through HAProxy: it
loads the page over HTTP first and keeps the cookie that response sets, and its websocket
upgrade carries it, so each tab stays on one replica. The teacher opens a room on the Room
page and keeps its board open; every participant opens the join link, joins, goes to the Train
page and presses Start with all the others, on the room's settings (Fast, 10,000 images,
3 epochs; ``--n-train`` and ``--epochs`` make the teacher save other settings first).

Halfway through the training (``--kill-at``: the fraction of the room's training done, from
the pages' progress bars; ``runs:0.5`` for half the runs finished, though runs sharing the
cores fairly finish within seconds of each other; or seconds after Start such as ``30s``),
the replica with the most runs still training (the store says) is killed (SIGKILL). In a small
room the runs end within a second or two of each other: if none was left training on the
killed replica the report says so and fails (kill earlier, ``--kill-at 0.3``).

The killed replica's tabs lose their websocket and do what a browser tab does: load the page
again (the Train page with its ``?lab=``, the teacher's Room page with its query) through
HAProxy, whose cookie names a dead server: HAProxy sends them to another and sets a new
cookie. A page whose run was training on the dead server shows it as training elsewhere until
that server's lease lapses (at most 30 s), then paused at its last checkpoint; the participant
presses Resume and waits for "finished".

Report: participants per replica; time for the room (first Start to last "finished") and per
participant; runs lost (a run a page showed finished that the store, read directly, does not
hold finished with every epoch: must be 0); the runs that were on the killed replica: each
found paused at its last checkpoint (more than 0 batches, the checkpoint read from the store
right after the kill), resumed on another replica and finished, and their final weights
against the same run trained here without a break (bit for bit); requests that failed
during the kill, per kind; peak RSS per replica; the teacher's board listing everyone at the
end. Bounded by ``--timeout``; every process is stopped at the end in every case. Exit status
0 only if every check passed.
"""

from __future__ import annotations

import argparse
import asyncio
import collections
import os
import statistics
import sys
import time
import urllib.error
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "benchmarks"))

import workshop_load as wl  # noqa: E402

from deploy.local import LocalEvent, have_haproxy  # noqa: E402
from mlp_core.train import FINISHED  # noqa: E402

COOKIE = "BACKPROP_REPLICA"
REPLICA_HEADER = "X-Backprop-Replica"
MAX_PARTICIPANTS = 200  # a room's limit (labs.rooms.ROOM_LIMIT)
RETRY_S = 0.5  # a tab whose page does not load tries again after this
RECONNECT_S = 60.0  # ... for at most this long
BOARD_WAIT_S = 30.0
CONTROL_RUNS = 2  # runs never interrupted whose weights are also checked against a run trained here


class Browser:
    """What a browser tab adds to a session through HAProxy: the page is loaded over HTTP first
    (the response sets the replica cookie), the websocket upgrade carries the cookie, and a
    dropped websocket makes the tab load its page again (with its query) and reconnect."""

    def __post_init__(self) -> None:
        super().__post_init__()
        self.cookie = ""  # "BACKPROP_REPLICA=appN"
        self.replica = ""  # the replica serving the websocket now
        self.replicas: list[str] = []  # every replica that served it, in order
        self.failures: collections.Counter[str] = collections.Counter()  # failed requests, per kind
        self.failed_at: list[float] = []
        self.dropped = False  # the websocket ended and the tab has not reconnected yet
        self.dropped_at: float | None = None
        self.reconnected_at: float | None = None
        self._reconnect: asyncio.Task | None = None
        self._opening = False

    def fail(self, kind: str) -> None:
        self.failures[kind] += 1
        self.failed_at.append(time.monotonic())

    # --- loading the page and the websocket, through HAProxy ---

    def _get(self) -> None:
        path = f"/{self.page}" + (f"?{self.query}" if self.query else "")
        req = urllib.request.Request(self.url + path, headers={"Cookie": self.cookie} if self.cookie else {})
        with urllib.request.urlopen(req, timeout=30) as r:
            r.read()
            for header in r.headers.get_all("Set-Cookie") or []:
                if header.startswith(COOKIE + "="):
                    self.cookie = header.split(";", 1)[0]

    async def page_get(self) -> None:
        try:
            await asyncio.to_thread(self._get)
        except urllib.error.HTTPError as exc:
            self.fail(f"page load: HTTP {exc.code}")
            raise
        except OSError as exc:
            self.fail(f"page load: {type(exc).__name__}")
            raise

    async def connect(self, **options):
        headers = {"Cookie": self.cookie} if self.cookie else {}
        ws = await super().connect(additional_headers=headers, **options)
        self.replica = ws.response.headers.get(REPLICA_HEADER, "?")
        self.replicas.append(self.replica)
        return ws

    async def open(self) -> None:
        """Load the page (HTTP, then the websocket and the first script run), trying again
        for a while if the proxy or a server does not answer yet."""
        deadline = time.monotonic() + RECONNECT_S
        self._opening = True
        try:
            while True:
                loaded = False
                try:
                    await self.page_get()
                    loaded = True
                    await super().open()
                    return
                except Exception as exc:
                    if loaded:  # the page loaded; the websocket or its first script run failed
                        self.fail(f"websocket: {type(exc).__name__}")
                    if time.monotonic() > deadline:
                        raise
                    await self.close()
                    self._fresh()
                    await asyncio.sleep(RETRY_S)
        finally:
            self._opening = False

    def _fresh(self) -> None:
        """A new page: what the old one drew and sent is gone (the lab is in the query)."""
        self._closing = False
        self.elements.clear()
        self.widgets.clear()
        self.values.clear()
        self.run_elements = {}
        self.page_hash = ""
        self.in_run = False
        self._timers = {}
        self._fragment_sent, self._served = [], []

    def connection_lost(self, why: str) -> None:
        if self._opening or self.dropped:
            return
        self.dropped, self.dropped_at = True, time.monotonic()
        self.fail("websocket dropped")
        self._reconnect = asyncio.create_task(self.reload())

    async def reload(self) -> None:
        await self.close()
        self._fresh()
        await self.open()
        self.dropped, self.reconnected_at = False, time.monotonic()
        async with self._changed:
            self._changed.notify_all()

    async def send_rerun(self, fragment_id: str = "", auto: bool = False, **kw) -> None:
        try:
            await super().send_rerun(fragment_id=fragment_id, auto=auto, **kw)
        except wl.Disconnected:
            if not auto:
                raise
            self.fail("board or panel refresh on a dropped websocket")

    async def settle(self, timeout: float) -> None:
        """Wait until a dropped websocket is back (or give up)."""
        if self._reconnect is not None and not self._reconnect.done():
            await asyncio.wait_for(asyncio.shield(self._reconnect), timeout)
        if self._reconnect is not None and self._reconnect.done() and self._reconnect.exception():
            raise wl.Disconnected(f"could not reconnect: {self._reconnect.exception()!r}")


class Person(Browser, wl.Participant):
    """A participant: joins the room, trains, and after losing its server resumes its run elsewhere."""

    def __post_init__(self) -> None:
        super().__post_init__()
        self.lab = ""
        self.replica_at_start = ""
        self.paused_seen: dict | None = None  # what the page showed when it found its run paused
        self.resumed_on = ""
        self.on_paused = None  # async callable(person): the benchmark reads the store then

    def progress(self) -> float:
        """How far the run is, as the page's progress bar shows it (0 to 1)."""
        if self.finish_s is not None:
            return 1.0
        bars = [el.progress.value for el in self.elements.values() if el.WhichOneof("type") == "progress"]
        return max(bars, default=0) / 100

    def resumable(self) -> bool:
        button = self.widgets.get("train_resume")
        return button is not None and not button.disabled and not self.in_run

    async def train_through(self, timeout: float) -> None:
        deadline = time.monotonic() + timeout
        self.lab = dict(q.split("=", 1) for q in self.query.split("&") if "=" in q).get("lab", "")
        self.replica_at_start = self.replica
        self.start_at = time.monotonic()
        await self.send_rerun(trigger="train_start")
        while True:
            left = max(1.0, deadline - time.monotonic())
            await self.wait_for(
                lambda: self.dropped or bool(self.errors) or self.finished_text() is not None or self.resumable(),
                left,
            )
            if self.errors:
                raise wl.Disconnected("; ".join(self.errors))
            if self.dropped:
                await self.settle(left)
                continue
            if self.finished_text() is not None:
                break
            if self.resumable():
                text = wl.en("train.paused")
                alerts = [el.alert.body for el in self.elements.values() if el.WhichOneof("type") == "alert"]
                self.paused_seen = {
                    "at": time.monotonic(),
                    "says_paused": text in alerts,
                    "epoch": self.metrics().get("Epoch", ""),
                    "replica": self.replica,
                }
                if self.on_paused is not None:
                    await self.on_paused(self)
                await self.rerun_and_wait(trigger="train_resume", timeout=left)
                self.resumed_on = self.replica
        self.finish_s = time.monotonic() - self.start_at
        await self.wait_for(lambda: not self.in_run or bool(self.errors) or self.dropped, timeout)
        self.result = {"finished": self.finished_text(), **self.metrics()}


class Teacher(Browser, wl.Board):
    """The teacher's board; remembers what its latest refresh listed."""

    def __post_init__(self) -> None:
        super().__post_init__()
        self.last_listed: set[str] = set()
        self.last_seats = 0

    def fragment_finished(self) -> None:
        super().fragment_finished()
        rank, name, seat = wl.en("room.col_rank"), wl.en("room.col_name"), wl.en("room.col_seat")
        for df in wl.tables(self.run_elements):
            if rank in df.columns:
                self.last_listed = set(df[name])
            elif seat in df.columns:
                self.last_seats = len(df)

    async def save_settings(self, n_train: int, epochs: int) -> None:
        buttons = [el.button for el in self.elements.values() if el.WhichOneof("type") == "button"]
        submit = next((b.id for b in buttons if b.is_form_submitter and b.form_id == "room_settings"), None)
        if submit is None:
            raise wl.Disconnected("no settings form on the Room page")
        self.set_value("room_train_size", double_value=n_train)
        self.set_value("room_epochs", double_value=epochs)
        await self.rerun_and_wait(trigger_id=submit)
        self.values.clear()


# --- the benchmark -----------------------------------------------------------------------------


def parse_kill_at(text: str) -> tuple[str, float]:
    """``0.5``: half the room's training done (the pages' progress bars, averaged); ``runs:0.5``:
    half the runs finished; ``30s``: 30 s after Start."""
    if text.endswith("s"):
        return "seconds", float(text[:-1])
    kind, _, number = text.rpartition(":")
    kind = {"": "work", "runs": "runs"}.get(kind)
    value = float(number)
    if kind is None or not 0 < value < 1:
        raise argparse.ArgumentTypeError("a fraction (0 to 1) of the training done, runs:FRACTION finished, or 30s")
    return kind, value


def owner_pid(owner: str | None) -> int | None:
    try:
        return int(owner.split(":")[-2]) if owner else None
    except (ValueError, IndexError):
        return None


async def drive(args, event: LocalEvent, samplers: list[wl.Sampler], marks: dict) -> tuple[Teacher, list[Person]]:
    from labs.rooms import JOIN_BURST, JOIN_RATE
    from labs.store import open_store

    store = open_store(event.postgres.url)
    marks["store"] = store
    left, guarded = wl.guards(args.timeout)
    url = event.url
    teacher = Teacher(-1, url, seed=None, n_train=args.n_train, epochs=args.epochs, page=wl.ROOM_PAGE)
    await guarded(teacher.open_room(), teacher)
    if not teacher.errors and args.custom:
        await guarded(teacher.save_settings(args.n_train, args.epochs), teacher)
    people = [
        Person(
            i, url, seed=None, n_train=args.n_train, epochs=args.epochs, page=wl.ROOM_PAGE,
            query=f"join={teacher.code}", name=f"Learner {i + 1:03d}",
        )
        for i in range(args.participants)
    ]  # fmt: skip
    if teacher.errors:
        await teacher.close()
        return teacher, people
    teacher.names = {p.name for p in people}
    await asyncio.gather(*(guarded(p.open(), p) for p in people))
    per_server = max(1, len(event.replica_ports))
    await asyncio.gather(
        *(
            guarded(p.join_room(teacher.code, max(0.0, (i // per_server + 1 - JOIN_BURST) / JOIN_RATE)), p)
            for i, p in enumerate(people)
        )
    )
    await asyncio.gather(*(guarded(p.go_to_train(teacher.code), p) for p in people if not p.errors))
    ready = [p for p in people if not p.errors]
    marks["rss_loaded"] = [s.rss_now() for s in samplers]

    kill_done = asyncio.Event()
    snapshot: dict[str, dict] = {}  # lab -> its run as the store had it right after the kill

    async def on_paused(p: Person) -> None:
        runs = await asyncio.to_thread(store.runs, p.lab)
        rec = runs[-1] if runs else None
        p.paused_seen["record"] = (
            None
            if rec is None
            else {
                "batches_done": int(rec.meta.get("batches_done", -1)),
                "epochs": len(rec.history),
                "status": rec.status,
                "owner_pid": owner_pid(rec.owner),
            }
        )

    for p in ready:
        p.on_paused = on_paused

    async def killer(t0: float) -> None:
        kind, value = args.kill_at
        while True:
            done = sum(1 for p in ready if p.finish_s is not None)
            if kind == "runs" and done >= value * len(ready):
                break
            if kind == "work" and sum(p.progress() for p in ready) >= value * len(ready):
                break
            if kind == "seconds" and time.monotonic() - t0 >= value:
                break
            if done == len(ready):
                marks["kill_skipped"] = "every run finished before the kill"
                kill_done.set()
                return
            await asyncio.sleep(0.05)

        # The store knows best which runs still train (a page shows a run's end a tick or two late).
        def training_in_store() -> collections.Counter:
            count = collections.Counter()
            for p in ready:
                if p.finish_s is None and p.lab and any(r.status != FINISHED for r in store.runs(p.lab)):
                    count[p.replica] += 1
            return count

        unfinished = await asyncio.to_thread(training_in_store)
        unfinished = unfinished or collections.Counter(p.replica for p in ready if p.finish_s is None)
        victim_name = max(sorted(unfinished), key=lambda r: unfinished[r]) if unfinished else "app1"
        victim = int(victim_name.removeprefix("app")) - 1
        pid = event.pids()[victim]
        on_victim = [p for p in ready if p.replica == victim_name]
        marks["kill"] = {
            "replica": victim_name,
            "pid": pid,
            "at": time.monotonic(),
            "after_start_s": time.monotonic() - t0,
            "finished_before": done,
            "work": sum(p.progress() for p in ready) / len(ready),
            "on_victim": [p.index for p in ready if p.replica == victim_name],
            "unfinished_on_victim": [p.index for p in ready if p.replica == victim_name and p.finish_s is None],
            "finished_before_idx": [p.index for p in ready if p.finish_s is not None],
            "board_on_victim": teacher.replica == victim_name,
        }
        event.kill(victim)
        for p in on_victim:
            if p.lab:
                runs = await asyncio.to_thread(store.runs, p.lab)
                if runs:
                    rec = runs[-1]
                    snapshot[p.lab] = {
                        "number": rec.number,
                        "status": rec.status,
                        "batches_done": int(rec.meta.get("batches_done", -1)),
                        "owner_pid": owner_pid(rec.owner),
                        "lease_until": rec.lease_until,
                    }
        kill_done.set()

    t0 = time.monotonic()
    marks["train_t0"] = t0
    kill_task = asyncio.create_task(killer(t0))
    await asyncio.gather(*(guarded(p.train_through(left()), p) for p in ready))
    marks["room_wall_s"] = time.monotonic() - t0
    if not kill_done.is_set():
        kill_task.cancel()
    marks["snapshot"] = snapshot
    done = [p for p in people if p.finish_s is not None]
    if done:
        marks["last_finished_at"] = max(p.start_at + p.finish_s for p in done)
    try:  # the board, reconnected if it was on the dead server, should list everyone
        await teacher.settle(left())
        await teacher.wait_for(
            lambda: (
                (teacher.last_listed >= teacher.names and teacher.last_seats >= len(people)) or bool(teacher.errors)
            ),
            BOARD_WAIT_S + 40,
        )
        marks["board_done_at"] = time.monotonic()
    except (TimeoutError, wl.Disconnected) as exc:
        teacher.errors.append(f"the board did not list everyone at the end: {exc!r}")
    marks["rss_finished"] = [s.rss_now() for s in samplers]
    # The store, read directly: every participant's run, and the weights of the runs to check.
    final = {}
    for p in people:
        if p.lab:
            runs = await asyncio.to_thread(store.runs, p.lab)
            final[p.index] = runs
    marks["final"] = final
    check = [p for p in done if p.resumed_on] + [p for p in done if not p.resumed_on][:CONTROL_RUNS]
    weights = {}
    for p in check if args.verify else []:
        runs = final.get(p.index) or []
        if runs:
            ck = await asyncio.to_thread(store.run_checkpoint, p.lab, runs[-1].number)
            weights[p.index] = (runs[-1].config, ck[0] if ck else None)
    marks["weights"] = weights
    await asyncio.gather(*(s.close() for s in [teacher, *people]), return_exceptions=True)
    return teacher, people


def verify_weights(weights: dict[int, tuple[dict, bytes | None]]) -> dict[int, bool]:
    """Each run's final weights against the same configuration trained here without a break
    (on one BLAS thread, as the servers train when several runs share the cores)."""
    import numpy as np
    from threadpoolctl import threadpool_limits

    from mlp_core.config import TrainConfig
    from mlp_core.data import load_mnist
    from mlp_core.io import load_model
    from mlp_core.train import Trainer

    data = load_mnist()
    out = {}
    for index, (config, blob) in weights.items():
        if blob is None:
            out[index] = False
            continue
        tr = Trainer(TrainConfig.from_dict(config), data)
        with threadpool_limits(limits=1, user_api="blas"):
            tr.run()
        stored = load_model(blob).model.params()
        here = tr.model.params()
        out[index] = stored.keys() == here.keys() and all(np.array_equal(stored[k], here[k]) for k in here)
    return out


def stats(values: list[float]) -> str:
    v = sorted(values)
    return f"min {v[0]:.1f} s, median {statistics.median(v):.1f} s, max {v[-1]:.1f} s" if v else "-"


def report(args, teacher: Teacher, people: list[Person], marks: dict, peaks: list[int], matches: dict) -> bool:
    n = len(people)
    ok = True
    lines = [
        f"Replicas under load: {n} participants in one room and the teacher's board, {args.replicas} replicas "
        f"behind HAProxy, one killed; the room's settings: Fast, {args.n_train:,} images, {args.epochs} epochs",
        f"  machine: {os.cpu_count()} cores, load average before start {marks['loadavg']}",
    ]
    placed = collections.Counter(p.replicas[0] if p.replicas else "-" for p in people)
    lines.append(
        "  participants per replica (first page load): "
        + ", ".join(f"{r} {c}" for r, c in sorted(placed.items()))
        + f"; the board on {teacher.replicas[0] if teacher.replicas else '-'}"
    )
    done = [p for p in people if p.finish_s is not None]
    lines.append(f"  finished: {len(done)} / {n}")
    if len(done) < n:
        ok = False
    lines.append(f"  the whole room, first Start to last finished: {marks.get('room_wall_s', 0):.1f} s")
    lines.append(f"  per participant, Start to finished: {stats([p.finish_s for p in done])}")
    kill = marks.get("kill")
    if kill is None:
        ok = False
        lines.append(f"  FAIL: no replica was killed ({marks.get('kill_skipped', 'the room did not get that far')})")
    else:
        snapshot = marks.get("snapshot", {})
        # Training on it at the kill: the page had not shown "finished" and the store did not hold it finished.
        unfinished = [people[i] for i in kill["unfinished_on_victim"]]
        late = [p for p in unfinished if snapshot.get(p.lab, {}).get("status") == FINISHED]
        victims = [p for p in unfinished if snapshot.get(p.lab, {}).get("status") != FINISHED]
        others = [p for p in done if p.index not in {v.index for v in victims}]
        lines.append(
            f"Kill: {kill['replica']} (pid {kill['pid']}) killed {kill['after_start_s']:.1f} s after Start, "
            f"{kill['work']:.0%} of the room's training done, {kill['finished_before']} / {n} runs finished; "
            f"it served {len(kill['on_victim'])} participants, "
            f"{len(victims)} of them still training; the board was {'' if kill['board_on_victim'] else 'not '}on it"
        )
        lines.append(f"  participants not interrupted, Start to finished: {stats([p.finish_s for p in others])}")
        if late:
            lines.append(f"  {len(late)} of them had finished in the store just before the kill (not yet on the page)")
        paused_ok = resumed_ok = 0
        waits, after = [], []
        for p in victims:
            snap = snapshot.get(p.lab)
            seen = p.paused_seen or {}
            rec = seen.get("record")
            at_checkpoint = (
                snap is not None
                and rec is not None
                and rec["batches_done"] == snap["batches_done"]
                and snap["owner_pid"] == kill["pid"]
                and seen.get("says_paused")
                and seen.get("epoch") == f"{rec['epochs']} / {args.epochs}"
            )
            paused_ok += bool(at_checkpoint)
            moved = bool(p.resumed_on) and p.resumed_on != kill["replica"] and p.finish_s is not None
            resumed_ok += moved
            if seen:
                waits.append(seen["at"] - kill["at"])
            if p.finish_s is not None:
                after.append(p.start_at + p.finish_s - kill["at"])
            if not (at_checkpoint and moved):
                lines.append(f"    participant {p.index}: store at the kill {snap}, page when paused {seen}, "
                             f"resumed on {p.resumed_on or '-'}")  # fmt: skip
        lines.append(
            f"  runs that were training on it: {len(victims)}; found paused at their last checkpoint "
            f"(the checkpoint the store held at the kill, the page saying Paused at that epoch): "
            f"{paused_ok} / {len(victims)}; resumed on another replica and finished: {resumed_ok} / {len(victims)}"
        )
        if victims:
            batches = [snapshot[p.lab]["batches_done"] for p in victims if p.lab in snapshot]
            if batches:
                zero = sum(b == 0 for b in batches)
                lines.append(
                    f"  their checkpoints at the kill: {min(batches)} to {max(batches)} batches done"
                    + (f"; {zero} had not checkpointed since Start (they go on from batch 0)" if zero else "")
                )
            lines.append(f"  kill -> the page shows the run paused: {stats(waits)} (leases last 30 s)")
            lines.append(f"  kill -> the resumed run finished: {stats(after)}")
            moved_to = collections.Counter(p.resumed_on for p in victims if p.resumed_on)
            lines.append("  resumed on: " + ", ".join(f"{r} {c}" for r, c in sorted(moved_to.items())))
        if not victims:
            ok = False
            lines.append("  FAIL: no run was training on the killed replica: the kill tested nothing (kill earlier)")
        if paused_ok < len(victims) or resumed_ok < len(victims):
            ok = False
            lines.append("  FAIL: a run of the killed replica was not paused at its checkpoint and resumed elsewhere")
        reconnected = [p for p in [teacher, *people] if p.reconnected_at is not None]
        lines.append(f"  tabs that reconnected to another replica: {len(reconnected)} (every tab of {kill['replica']})")
        before = [people[i] for i in kill["finished_before_idx"]]
        kept = sum(1 for p in before if any(r.status == FINISHED for r in marks.get("final", {}).get(p.index) or []))
        lines.append(f"  runs finished before the kill, still finished in the store afterwards: {kept} / {len(before)}")

    final = marks.get("final", {})
    lost = []
    for p in done:
        runs = final.get(p.index) or []
        if not any(r.status == FINISHED and len(r.history) == args.epochs for r in runs):
            lost.append(p.index)
    extra = sum(max(0, len(final.get(p.index) or []) - 1) for p in people)
    lines.append(
        f"Store afterwards (read directly): finished runs lost {len(lost)} (target 0) of {len(done)}; "
        f"labs with more than one run: {extra}"
    )
    if lost or extra:
        ok = False
        lines.append(f"  FAIL: runs lost {lost[:20]}")
    if matches:
        resumed = [i for i in matches if people[i].resumed_on]
        same_r = sum(matches[i] for i in resumed)
        same_c = sum(matches[i] for i in matches if i not in resumed)
        lines.append(
            f"  final weights equal to the run trained here without a break: resumed runs {same_r} / {len(resumed)}, "
            f"uninterrupted runs {same_c} / {len(matches) - len(resumed)}"
        )
        if same_r + same_c < len(matches):
            ok = False
            lines.append("  FAIL: a run's weights differ from an uninterrupted run's")

    failures: collections.Counter[str] = collections.Counter()
    for s in [teacher, *people]:
        failures.update(s.failures)
    kill_at = kill["at"] if kill else None
    during = sum(1 for s in [teacher, *people] for t in s.failed_at if kill_at is not None and t >= kill_at)
    lines.append(f"Requests that failed: {sum(failures.values())} ({during} after the kill)")
    for kind, count in sorted(failures.items()):
        lines.append(f"  {kind}: {count}")

    lines.append("Memory (peak RSS per replica, with children, sampled every 0.2 s):")
    for i, peak in enumerate(peaks):
        name = f"app{i + 1}"
        killed = " (killed)" if kill and kill["replica"] == name else ""
        loaded = marks.get("rss_loaded", [0] * len(peaks))[i]
        lines.append(f"  {name}{killed}: peak {wl.mb(peak)}; with everyone's page loaded {wl.mb(loaded)}")

    listed = len(teacher.last_listed & teacher.names)
    lines.append(
        f"Board at the end: leaderboard lists {listed} / {n}, the everyone table {teacher.last_seats} / {n}"
        + (" (reconnected to " + teacher.replica + ")" if teacher.reconnected_at else "")
    )
    if listed < n or teacher.last_seats < n:
        ok = False
        lines.append("  FAIL: the board does not list everyone")

    errors = [(s.index, e) for s in [teacher, *people] for e in s.errors]
    lines.append(f"Errors on pages: {len(errors)}")
    for i, e in errors[:20]:
        lines.append(f"  {'the board' if i < 0 else f'participant {i}'}: {e[:300]}")
    if errors:
        ok = False
    return wl.print_report(lines, ok)


def main() -> int:
    from labs.rooms import DEFAULT_SETTINGS

    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--participants", type=int, default=120)
    parser.add_argument("--replicas", type=int, default=3)
    parser.add_argument(
        "--kill-at",
        type=parse_kill_at,
        default=("work", 0.5),
        help="when to kill a replica: when this fraction of the room's training is done (default 0.5: halfway, "
        "from the pages' progress bars), runs:FRACTION of the runs finished, or seconds after Start (30s)",
    )
    parser.add_argument("--n-train", type=int, default=DEFAULT_SETTINGS["train_size"])
    parser.add_argument("--epochs", type=int, default=DEFAULT_SETTINGS["epochs"])
    parser.add_argument("--timeout", type=float, default=900, help="give up after this many seconds")
    parser.add_argument("--no-verify", dest="verify", action="store_false", help="skip the final weights check")
    args = parser.parse_args()
    if not 1 <= args.participants <= MAX_PARTICIPANTS:
        parser.error(f"--participants must be from 1 to {MAX_PARTICIPANTS}")
    if args.replicas < 2:
        parser.error("--replicas must be at least 2: one is killed")
    if DEFAULT_SETTINGS["preset"] != "fast":
        parser.error("the room's default preset is no longer Fast: update this benchmark")
    if not have_haproxy():
        parser.error("HAProxy is not installed (apt-get install haproxy)")
    args.custom = (args.n_train, args.epochs) != (DEFAULT_SETTINGS["train_size"], DEFAULT_SETTINGS["epochs"])
    # As benchmarks/workshop_load.py starts its server: no file watcher, no rerun on save.
    os.environ.setdefault("STREAMLIT_SERVER_FILE_WATCHER_TYPE", "none")
    os.environ.setdefault("STREAMLIT_SERVER_RUN_ON_SAVE", "false")
    marks: dict = {"loadavg": " ".join(f"{x:.1f}" for x in os.getloadavg())}
    started = time.monotonic()
    samplers: list[wl.Sampler] = []
    teacher, people = None, []
    with LocalEvent(args.replicas) as event:
        try:
            samplers = [wl.Sampler(pid) for pid in event.pids()]
            for s in samplers:
                s.start()
            args.timeout -= time.monotonic() - started
            teacher, people = asyncio.run(drive(args, event, samplers, marks))
        finally:
            for s in samplers:
                s.stop()
            store = marks.pop("store", None)
            if store is not None:
                store.close()
    matches = verify_weights(marks.get("weights", {})) if args.verify else {}
    peaks = [s.peak for s in samplers]
    return 0 if report(args, teacher, people, marks, peaks, matches) else 1


if __name__ == "__main__":
    sys.exit(main())
