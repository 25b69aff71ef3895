"""MNIST (or anything in its layout): one loader, read-only uint8 arrays.

The bundled file ``mlp_core/assets/mnist.npz`` is full MNIST (Y. LeCun,
C. Cortes, C. J. C. Burges; CC BY-SA 3.0, see ``assets/README.md``).

Images are handed out flattened, ``(N, 784)`` uint8 with 0 = background and
255 = ink, labels ``(N,)`` uint8 in 0..9; all four arrays are read-only, so
one copy can be shared by every user of a server. Scale to [0, 1] float32
where used (``mlp_core.model.as_float``).
"""

from __future__ import annotations

import gzip
import struct
import zipfile
from dataclasses import dataclass
from pathlib import Path

import numpy as np

ASSETS = Path(__file__).resolve().parent / "assets"
DEFAULT_PATH = ASSETS / "mnist.npz"
KEYS = ("x_train", "y_train", "x_test", "y_test")
IDX_NAMES = {
    "x_train": "train-images-idx3-ubyte",
    "y_train": "train-labels-idx1-ubyte",
    "x_test": "t10k-images-idx3-ubyte",
    "y_test": "t10k-labels-idx1-ubyte",
}
MAX_IMAGES = 1_000_000


class DatasetError(ValueError):
    """A dataset file that is not MNIST-shaped; the message says what was expected and found."""


@dataclass(frozen=True)
class Dataset:
    """Train and test splits. x_*: (N, 784) uint8, y_*: (N,) uint8, all read-only."""

    x_train: np.ndarray
    y_train: np.ndarray
    x_test: np.ndarray
    y_test: np.ndarray

    def subset(self, train_size: int) -> Dataset:
        """The first ``train_size`` training images (0 = all), sharing memory."""
        if not train_size or train_size >= len(self.y_train):
            return self
        return Dataset(self.x_train[:train_size], self.y_train[:train_size], self.x_test, self.y_test)

    @property
    def nbytes(self) -> int:
        return sum(getattr(self, k).nbytes for k in KEYS)


def load_mnist(path: str | Path | None = None) -> Dataset:
    """Load a dataset: the bundled MNIST by default, or an ``.npz`` with keys
    x_train, y_train, x_test, y_test, or a folder with the four IDX files
    (``train-images-idx3-ubyte`` etc., optionally ``.gz``)."""
    path = Path(path) if path is not None else DEFAULT_PATH
    if path.is_dir():
        arrays = _load_idx_folder(path)
    elif path.is_file():
        arrays = _load_npz(path)
    else:
        raise DatasetError(f"no dataset at {path}: expected an .npz file or a folder of IDX files")
    return _validate(arrays, str(path))


def _load_npz(path: Path) -> dict[str, np.ndarray]:
    if not zipfile.is_zipfile(path):
        raise DatasetError(f"{path.name} is not an .npz archive (expected keys {', '.join(KEYS)})")
    try:
        with np.load(path, allow_pickle=False) as npz:
            missing = [k for k in KEYS if k not in npz.files]
            if missing:
                raise DatasetError(
                    f"{path.name} lacks {', '.join(missing)}: expected keys {', '.join(KEYS)}, "
                    f"found {', '.join(npz.files) or 'none'}"
                )
            return {k: npz[k] for k in KEYS}
    except DatasetError:
        raise
    except Exception as exc:  # corrupt archive, pickled arrays, bad headers
        raise DatasetError(f"could not read {path.name}: {exc}") from exc


def _load_idx_folder(folder: Path) -> dict[str, np.ndarray]:
    arrays = {}
    for key, stem in IDX_NAMES.items():
        candidates = [folder / stem, folder / (stem + ".gz"), folder / stem.replace("-idx", ".idx")]
        found = next((p for p in candidates if p.is_file()), None)
        if found is None:
            raise DatasetError(f"{folder} has no {stem} (or {stem}.gz): expected the four MNIST IDX files")
        arrays[key] = read_idx(found)
    return arrays


def read_idx(path: str | Path) -> np.ndarray:
    """Read one IDX file (gzipped or not) of unsigned bytes: images or labels."""
    path = Path(path)
    opener = gzip.open if path.suffix == ".gz" else open
    try:
        with opener(path, "rb") as f:
            raw = f.read(MAX_IMAGES * 784 + 64)
    except (OSError, EOFError) as exc:
        raise DatasetError(f"could not read {path.name}: {exc}") from exc
    if len(raw) < 4:
        raise DatasetError(f"{path.name} is too short to be an IDX file")
    zero, dtype_code, ndim = struct.unpack(">HBB", raw[:4])
    if zero != 0 or dtype_code != 0x08 or ndim not in (1, 3):
        raise DatasetError(
            f"{path.name} is not an IDX file of unsigned bytes with 1 or 3 dimensions (magic {raw[:4].hex()})"
        )
    header = 4 + 4 * ndim
    if len(raw) < header:
        raise DatasetError(f"{path.name} ends inside its header")
    dims = struct.unpack(f">{ndim}I", raw[4:header])
    expected = int(np.prod(dims))
    if len(raw) - header != expected:
        raise DatasetError(f"{path.name} declares shape {dims} ({expected} bytes) but holds {len(raw) - header} bytes")
    return np.frombuffer(raw, dtype=np.uint8, offset=header).reshape(dims)


def _validate(arrays: dict[str, np.ndarray], where: str) -> Dataset:
    out = {}
    for split in ("train", "test"):
        x, y = arrays[f"x_{split}"], arrays[f"y_{split}"]
        if x.dtype != np.uint8 or y.dtype.kind not in "ui":
            raise DatasetError(
                f"{where}: expected uint8 images and integer labels, found x_{split} {x.dtype}, y_{split} {y.dtype}"
            )
        if x.ndim == 3 and x.shape[1:] == (28, 28):
            x = x.reshape(len(x), 784)
        if x.ndim != 2 or x.shape[1] != 784:
            raise DatasetError(f"{where}: expected x_{split} of shape (N, 28, 28), found {x.shape}")
        if y.ndim != 1 or len(y) != len(x):
            raise DatasetError(f"{where}: expected y_{split} of shape ({len(x)},) to match x_{split}, found {y.shape}")
        if len(x) == 0 or len(x) > MAX_IMAGES:
            raise DatasetError(f"{where}: expected 1 to {MAX_IMAGES} {split} images, found {len(x)}")
        if y.min() < 0 or y.max() > 9:
            raise DatasetError(f"{where}: expected labels 0-9 in y_{split}, found {y.min()}..{y.max()}")
        out[f"x_{split}"] = _readonly(x)
        out[f"y_{split}"] = _readonly(y.astype(np.uint8, copy=False))
    return Dataset(**out)


def _readonly(a: np.ndarray) -> np.ndarray:
    a = np.ascontiguousarray(a)
    a.flags.writeable = False
    return a
