"""The event topology of compose.yaml without containers, on one machine: a PostgreSQL
server (Debian's postgresql), N ``streamlit run app.py`` replicas on local ports, and
HAProxy (Debian's haproxy) in front, sticky by cookie, health-checking each replica.

    python -m deploy.local --replicas 3 --port 8080     # then open http://127.0.0.1:8080

Used by the replica tests and benchmarks/replicas_load.py (``LocalEvent``), which also
kill a replica on purpose (:meth:`LocalEvent.kill`). Everything listens on 127.0.0.1 and
lives in one folder, removed at the end.
"""

from __future__ import annotations

import argparse
import os
import secrets
import shutil
import signal
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path

from labs.pgserver import PostgresServer, free_port

ROOT = Path(__file__).resolve().parents[1]
HAPROXY_CFG = """global
    maxconn 4096

defaults
    mode http
    timeout connect 5s
    timeout client 60s
    timeout server 60s
    timeout tunnel 1h
    timeout client-fin 30s
    option http-server-close
    option redispatch          # a visitor whose replica is down goes to another (their lab is in the shared store)
    retries 2

frontend www
    bind 127.0.0.1:{port}
    default_backend streamlit

backend streamlit
    balance {balance}
    cookie BACKPROP_REPLICA insert indirect nocache httponly
    http-response set-header X-Backprop-Replica %[srv_name]
    option httpchk GET /_stcore/health
    http-check expect string ok
    default-server check inter 1s fall 2 rise 2
{servers}
"""


def wait_for(url: str, timeout: float = 90) -> None:
    deadline = time.monotonic() + timeout
    while True:
        try:
            with urllib.request.urlopen(url, timeout=2) as r:
                if r.status == 200:
                    return
        except OSError:
            pass
        if time.monotonic() > deadline:
            raise TimeoutError(f"{url} did not answer in {timeout:.0f} s")
        time.sleep(0.2)


def have_haproxy() -> bool:
    return shutil.which("haproxy") is not None or Path("/usr/sbin/haproxy").exists()


class LocalEvent:
    """PostgreSQL + ``replicas`` app servers + HAProxy, started by ``start()``, stopped by ``stop()``."""

    def __init__(self, replicas: int = 2, port: int | None = None, balance: str = "roundrobin") -> None:
        self.folder = Path(tempfile.mkdtemp(prefix="backprop-lab-event-"))
        self.folder.chmod(0o755)  # PostgreSQL runs as its own user when this runs as root
        self.port = port or free_port()
        self.balance = balance
        self.replica_ports = [free_port() for _ in range(replicas)]
        self.postgres = PostgresServer(self.folder / "postgres")
        self.apps: list[subprocess.Popen | None] = []
        # one cookie secret for every replica: a visitor moved to another replica keeps a valid upload token
        self.cookie_secret = secrets.token_hex(32)
        self.proxy: subprocess.Popen | None = None

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def start(self) -> LocalEvent:
        self.postgres.start()
        for i in range(len(self.replica_ports)):
            self.apps.append(self._app(i))
        for port in self.replica_ports:
            wait_for(f"http://127.0.0.1:{port}/_stcore/health")
        servers = "\n".join(
            f"    server app{i + 1} 127.0.0.1:{p} cookie app{i + 1}" for i, p in enumerate(self.replica_ports)
        )
        cfg = self.folder / "haproxy.cfg"
        cfg.write_text(HAPROXY_CFG.format(port=self.port, balance=self.balance, servers=servers))
        haproxy = shutil.which("haproxy") or "/usr/sbin/haproxy"
        self.proxy = subprocess.Popen(
            [haproxy, "-db", "-f", str(cfg)], stdout=subprocess.DEVNULL, stderr=subprocess.PIPE
        )
        wait_for(f"{self.url}/_stcore/health")
        return self

    def _app(self, i: int) -> subprocess.Popen:
        env = dict(
            os.environ, BACKPROP_LAB_DATABASE_URL=self.postgres.url, BACKPROP_LAB_DATA=str(self.folder / f"data{i}")
        )
        cmd = [
            sys.executable, "-m", "streamlit", "run", "app.py",
            "--server.headless=true", "--server.address=127.0.0.1", f"--server.port={self.replica_ports[i]}",
            "--browser.gatherUsageStats=false",
        ]  # fmt: skip
        log = open(self.folder / f"app{i + 1}.log", "wb")  # noqa: SIM115 (the process keeps it)
        return subprocess.Popen(cmd, cwd=ROOT, env=env, stdout=log, stderr=subprocess.STDOUT, start_new_session=True)

    def kill(self, i: int) -> None:
        """Replica ``i`` dies at once (SIGKILL): no checkpoint, no goodbye."""
        proc = self.apps[i]
        if proc is not None:
            os.killpg(proc.pid, signal.SIGKILL)
            proc.wait(10)
            self.apps[i] = None

    def pids(self) -> list[int | None]:
        return [p.pid if p is not None else None for p in self.apps]

    def stop(self) -> None:
        if self.proxy is not None:
            self.proxy.terminate()
            self.proxy.wait(10)
        for i, proc in enumerate(self.apps):
            if proc is not None:
                os.killpg(proc.pid, signal.SIGTERM)
                try:
                    proc.wait(20)
                except subprocess.TimeoutExpired:
                    self.kill(i)
        self.postgres.stop()
        shutil.rmtree(self.folder, ignore_errors=True)

    def __enter__(self) -> LocalEvent:
        try:
            return self.start()
        except BaseException:
            self.stop()
            raise

    def __exit__(self, *exc: object) -> None:
        self.stop()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--replicas", type=int, default=3)
    parser.add_argument("--port", type=int, default=8080)
    args = parser.parse_args()
    with LocalEvent(args.replicas, args.port, balance="leastconn") as event:
        print(f"{args.replicas} replicas behind HAProxy: open {event.url}  (Ctrl-C stops everything)", flush=True)
        try:
            while True:
                time.sleep(3600)
        except KeyboardInterrupt:
            pass


if __name__ == "__main__":
    main()
