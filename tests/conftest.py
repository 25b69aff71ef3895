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

from mlp_core import Dataset, load_mnist

os.environ["BACKPROP_LAB_DATA"] = tempfile.mkdtemp(prefix="backprop-lab-tests-")


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
