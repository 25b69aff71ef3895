"""The MNIST loader: the bundled file (the ``mnist`` fixture of conftest.py), IDX files,
and clear errors for anything else."""

from __future__ import annotations

import gzip
import struct
from pathlib import Path

import numpy as np
import pytest

from mlp_core import Dataset, DatasetError, load_mnist
from mlp_core.data import read_idx


def test_bundled_mnist_shapes_and_labels(mnist: Dataset) -> None:
    assert mnist.x_train.shape == (60000, 784) and mnist.x_train.dtype == np.uint8
    assert mnist.y_train.shape == (60000,) and mnist.y_train.dtype == np.uint8
    assert mnist.x_test.shape == (10000, 784) and mnist.x_test.dtype == np.uint8
    assert mnist.y_test.shape == (10000,) and mnist.y_test.dtype == np.uint8
    assert mnist.y_train[:10].tolist() == [5, 0, 4, 1, 9, 2, 1, 3, 1, 4]
    assert mnist.y_test[:10].tolist() == [7, 2, 1, 0, 4, 1, 4, 9, 5, 9]
    for y in (mnist.y_train, mnist.y_test):
        assert np.array_equal(np.unique(y), np.arange(10))
    assert mnist.x_train.max() == 255 and mnist.x_train.min() == 0
    assert mnist.nbytes == 70000 * 785


def test_arrays_are_read_only(mnist: Dataset) -> None:
    for name in ("x_train", "y_train", "x_test", "y_test"):
        array = getattr(mnist, name)
        assert not array.flags.writeable, name
        with pytest.raises(ValueError, match="read-only"):
            array[0] = 1


def test_subset_shares_memory(mnist: Dataset) -> None:
    sub = mnist.subset(1000)
    assert sub.x_train.shape == (1000, 784) and sub.y_train.shape == (1000,)
    assert np.shares_memory(sub.x_train, mnist.x_train)
    assert np.shares_memory(sub.y_train, mnist.y_train)
    assert sub.x_test is mnist.x_test and sub.y_test is mnist.y_test
    assert not sub.x_train.flags.writeable
    assert mnist.subset(0) is mnist and mnist.subset(10**6) is mnist


# --- IDX files ----------------------------------------------------------------


def idx_bytes(array: np.ndarray) -> bytes:
    return struct.pack(">HBB", 0, 0x08, array.ndim) + struct.pack(f">{array.ndim}I", *array.shape) + array.tobytes()


def write_idx(path: Path, array: np.ndarray) -> Path:
    data = idx_bytes(array)
    if path.suffix == ".gz":
        data = gzip.compress(data)
    path.write_bytes(data)
    return path


def small_split(n: int, seed: int) -> tuple[np.ndarray, np.ndarray]:
    rng = np.random.default_rng(seed)
    return rng.integers(0, 256, (n, 28, 28), dtype=np.uint8), rng.integers(0, 10, n, dtype=np.uint8)


@pytest.mark.parametrize("name", ["images-idx3-ubyte", "images-idx3-ubyte.gz"])
def test_read_idx_images_plain_and_gzipped(tmp_path: Path, name: str) -> None:
    images, _ = small_split(7, 0)
    got = read_idx(write_idx(tmp_path / name, images))
    assert got.shape == (7, 28, 28) and got.dtype == np.uint8
    np.testing.assert_array_equal(got, images)


@pytest.mark.parametrize("name", ["labels-idx1-ubyte", "labels-idx1-ubyte.gz"])
def test_read_idx_labels_plain_and_gzipped(tmp_path: Path, name: str) -> None:
    _, labels = small_split(11, 1)
    np.testing.assert_array_equal(read_idx(write_idx(tmp_path / name, labels)), labels)


def test_load_a_folder_of_four_idx_files(tmp_path: Path) -> None:
    x_train, y_train = small_split(20, 2)
    x_test, y_test = small_split(5, 3)
    write_idx(tmp_path / "train-images-idx3-ubyte.gz", x_train)
    write_idx(tmp_path / "train-labels-idx1-ubyte", y_train)
    write_idx(tmp_path / "t10k-images-idx3-ubyte", x_test)
    write_idx(tmp_path / "t10k-labels-idx1-ubyte.gz", y_test)
    data = load_mnist(tmp_path)
    assert data.x_train.shape == (20, 784) and data.x_test.shape == (5, 784)
    np.testing.assert_array_equal(data.x_train, x_train.reshape(20, 784))
    np.testing.assert_array_equal(data.y_train, y_train)
    np.testing.assert_array_equal(data.x_test, x_test.reshape(5, 784))
    np.testing.assert_array_equal(data.y_test, y_test)
    assert not data.x_train.flags.writeable and not data.y_test.flags.writeable


def test_folder_missing_a_file(tmp_path: Path) -> None:
    x, y = small_split(3, 4)
    write_idx(tmp_path / "train-images-idx3-ubyte", x)
    write_idx(tmp_path / "train-labels-idx1-ubyte", y)
    write_idx(tmp_path / "t10k-images-idx3-ubyte", x)
    with pytest.raises(DatasetError, match=r"has no t10k-labels-idx1-ubyte .*expected the four MNIST IDX files"):
        load_mnist(tmp_path)


def test_truncated_idx(tmp_path: Path) -> None:
    images, _ = small_split(4, 5)
    path = tmp_path / "images-idx3-ubyte"
    path.write_bytes(idx_bytes(images)[:-100])
    with pytest.raises(DatasetError, match=r"declares shape \(4, 28, 28\) \(3136 bytes\) but holds 3036 bytes"):
        read_idx(path)


def test_truncated_gzip_idx(tmp_path: Path) -> None:
    images, _ = small_split(4, 6)
    path = tmp_path / "images-idx3-ubyte.gz"
    path.write_bytes(gzip.compress(idx_bytes(images))[:-30])
    with pytest.raises(DatasetError, match=r"could not read images-idx3-ubyte\.gz"):
        read_idx(path)


@pytest.mark.parametrize(
    ("raw", "match"),
    [
        (b"\x00\x08", "too short to be an IDX file"),
        (b"\x00\x00\x0d\x03" + bytes(20), r"not an IDX file of unsigned bytes .*\(magic 00000d03\)"),
        (b"\x00\x00\x08\x02" + bytes(20), r"with 1 or 3 dimensions \(magic 00000802\)"),
        (b"\x00\x00\x08\x03\x00\x00\x00\x04", "ends inside its header"),
    ],
)
def test_idx_with_a_wrong_header(tmp_path: Path, raw: bytes, match: str) -> None:
    path = tmp_path / "bad-idx"
    path.write_bytes(raw)
    with pytest.raises(DatasetError, match=match):
        read_idx(path)


# --- wrong .npz files -----------------------------------------------------------


def write_npz(path: Path, **arrays) -> Path:
    np.savez(path, **arrays)
    return path


def good_arrays() -> dict[str, np.ndarray]:
    x_train, y_train = small_split(6, 7)
    x_test, y_test = small_split(3, 8)
    return dict(x_train=x_train, y_train=y_train, x_test=x_test, y_test=y_test)


def test_small_npz_in_mnist_layout_loads(tmp_path: Path) -> None:
    data = load_mnist(write_npz(tmp_path / "d.npz", **good_arrays()))
    assert data.x_train.shape == (6, 784) and data.y_test.shape == (3,)


def test_random_bytes(tmp_path: Path) -> None:
    path = tmp_path / "noise.npz"
    path.write_bytes(np.random.default_rng(0).bytes(1000))
    with pytest.raises(DatasetError, match=r"noise\.npz is not an \.npz archive .*expected keys x_train"):
        load_mnist(path)


def test_missing_path(tmp_path: Path) -> None:
    with pytest.raises(DatasetError, match=r"no dataset at .*expected an \.npz file or a folder of IDX files"):
        load_mnist(tmp_path / "nothing-here.npz")


def test_wrong_keys(tmp_path: Path) -> None:
    arrays = good_arrays()
    path = write_npz(tmp_path / "d.npz", images=arrays["x_train"], labels=arrays["y_train"])
    expected = r"lacks x_train, y_train, x_test, y_test: expected keys .* found images, labels"
    with pytest.raises(DatasetError, match=expected):
        load_mnist(path)


def test_pickled_arrays_are_not_loaded(tmp_path: Path) -> None:
    arrays = good_arrays()
    arrays["y_test"] = np.array([1, "two", None], dtype=object)
    with pytest.raises(DatasetError, match=r"could not read d\.npz"):
        load_mnist(write_npz(tmp_path / "d.npz", **arrays))


@pytest.mark.parametrize(
    ("change", "match"),
    [
        ({"x_train": np.zeros((6, 27, 27), np.uint8)}, r"expected x_train of shape \(N, 28, 28\), found \(6, 27, 27\)"),
        ({"x_test": np.zeros((3, 100), np.uint8)}, r"expected x_test of shape \(N, 28, 28\), found \(3, 100\)"),
        ({"y_train": np.zeros(5, np.uint8)}, r"expected y_train of shape \(6,\) to match x_train, found \(5,\)"),
        ({"y_test": np.zeros((3, 1), np.uint8)}, r"expected y_test of shape \(3,\) to match x_test, found \(3, 1\)"),
        (
            {"x_train": np.zeros((6, 28, 28), np.float32)},
            "expected uint8 images and integer labels, found x_train float32",
        ),
        ({"y_test": np.zeros(3, np.float64)}, "expected uint8 images .* found x_test uint8, y_test float64"),
        ({"y_train": np.array([0, 1, 2, 3, 4, 10], np.uint8)}, "expected labels 0-9 in y_train, found 0..10"),
        ({"y_test": np.array([-1, 0, 1], np.int64)}, "expected labels 0-9 in y_test, found -1..1"),
        ({"x_test": np.zeros((0, 28, 28), np.uint8), "y_test": np.zeros(0, np.uint8)}, "expected 1 to .* found 0"),
    ],
)
def test_wrong_shapes_dtypes_and_labels(tmp_path: Path, change: dict, match: str) -> None:
    arrays = good_arrays() | change
    with pytest.raises(DatasetError, match=match):
        load_mnist(write_npz(tmp_path / "d.npz", **arrays))


def test_dataset_error_is_a_value_error() -> None:
    assert issubclass(DatasetError, ValueError)
