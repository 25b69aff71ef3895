"""Shared fixtures: the bundled MNIST, loaded once, and small slices of it. Every test
run keeps its labs in a fresh temporary folder (the app's servers started by the
browser tests inherit it), never in the user's own data folder."""

from __future__ import annotations

import os
import sys
import tempfile
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from labs import pgserver
from mlp_core import Dataset, load_mnist

os.environ["BACKPROP_LAB_DATA"] = tempfile.mkdtemp(prefix="backprop-lab-tests-")
os.environ.pop("BACKPROP_LAB_DATABASE_URL", None)  # the app's servers in the tests keep to SQLite
IN_CI = os.environ.get("CI", "").lower() in ("1", "true", "yes")


@pytest.fixture(scope="session")
def postgres():
    """A PostgreSQL server of the tests' own (Debian's postgresql package), started once.
    Without one the PostgreSQL half of the store's tests is skipped, saying why; never in CI."""
    if pgserver.server_bin() is None:
        if IN_CI:
            pytest.fail("CI needs PostgreSQL's server programs (apt-get install postgresql)")
        pytest.skip("PostgreSQL's server is not installed (apt-get install postgresql)")
    folder = Path(tempfile.mkdtemp(prefix="backprop-lab-pg-"))
    folder.chmod(0o755)  # run as the postgres user when the tests run as root
    server = pgserver.PostgresServer(folder / "server").start()
    yield server
    server.stop()


@pytest.fixture(params=["sqlite", "postgres"])
def where(request, tmp_path):
    """Where a test's store lives, in each database the store runs on: a SQLite file, or a
    fresh database on the tests' PostgreSQL server (open it with labs.store.open_store)."""
    if request.param == "sqlite":
        return str(tmp_path / "labs.sqlite3")
    import uuid

    import psycopg

    server = request.getfixturevalue("postgres")
    name = f"t_{uuid.uuid4().hex}"
    with psycopg.connect(server.url, autocommit=True) as conn:
        conn.execute(f"CREATE DATABASE {name}")
    return server.url.rsplit("/", 1)[0] + "/" + name


@pytest.fixture(scope="session")
def mnist() -> Dataset:
    """Full MNIST (60,000 train, 10,000 test), read-only uint8."""
    return load_mnist()


@pytest.fixture(scope="session")
def mnist_small(mnist: Dataset) -> Dataset:
    """The first 2,000 training and 500 test images: enough to learn, quick to train on."""
    return Dataset(mnist.x_train[:2000], mnist.y_train[:2000], mnist.x_test[:500], mnist.y_test[:500])


@pytest.fixture(scope="session")
def mnist_tiny(mnist: Dataset) -> Dataset:
    """The first 300 training and 100 test images, for runs cut into many chunks."""
    return Dataset(mnist.x_train[:300], mnist.y_train[:300], mnist.x_test[:100], mnist.y_test[:100])
