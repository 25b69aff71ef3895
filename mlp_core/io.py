"""Model files: save a trained network, load one safely, and the bundled default.

A model file is an ``.npz`` (a zip of ``.npy`` arrays, readable by ``np.load``
with ``allow_pickle=False``) holding:

=================  ==============  ==============================================
key                shape           contents
=================  ==============  ==============================================
``format_version`` ()              integer, currently 1
``W_h``            (784, H)        float32 or float64, input -> hidden weights
``W_o``            (H, 10)         same dtype, hidden -> output weights
``b_h``, ``b_o``   (H,), (10,)     optional biases (both or neither)
``config_json``    (n,) uint8      optional UTF-8 JSON of the TrainConfig
``history_json``   (n,) uint8      optional UTF-8 JSON list of epoch records
``meta_json``      (n,) uint8      optional UTF-8 JSON object (name, created, ...)
``temperature``    ()              optional float64 > 0: the softmax temperature that
                                   calibrates the shown confidence (1 when absent)
=================  ==============  ==============================================

Loading treats every file as hostile (files are uploaded by anyone on a shared
server): the zip's directory, the sizes and every array header are checked
before any array data is read, nothing is unpickled, and every problem is
reported as one :class:`ModelFileError` whose message can be shown to a user.
"""

from __future__ import annotations

import hashlib
import io
import json
import math
import os
import struct
import threading
import zipfile
import zlib
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO, Any, BinaryIO

import numpy as np

from .config import LIMITS, TrainConfig
from .model import MLP, N_CLASSES, N_INPUTS
from .outfile import write_atomically

FORMAT_VERSION = 1
DEFAULT_MODEL_PATH = Path(__file__).resolve().parent / "assets" / "default_model.npz"

WEIGHT_KEYS = ("W_h", "W_o")
BIAS_KEYS = ("b_h", "b_o")
JSON_KEYS = ("config_json", "history_json", "meta_json")
TEMPERATURE_KEY = "temperature"
ALLOWED_KEYS = ("format_version", *WEIGHT_KEYS, *BIAS_KEYS, *JSON_KEYS, TEMPERATURE_KEY)
REQUIRED_KEYS = ("format_version", *WEIGHT_KEYS)

MAX_FILE_BYTES = 64 * 2**20  # the largest model (H = 4096, float64) is about 26 MB
MAX_TOTAL_BYTES = 64 * 2**20  # sum of the members' declared uncompressed sizes
MAX_JSON_BYTES = 4 * 2**20  # per JSON member
MAX_RATIO = 100  # uncompressed / compressed, for members larger than RATIO_FLOOR
RATIO_FLOOR = 2**20  # small members (e.g. all-zero biases) may compress very well
MAX_CENTRAL_DIRECTORY = 64 * 2**10  # bytes; ours is under 1 KB
ZIP_MEMBER_SIGNATURE = b"PK\x03\x04"  # how every zip with members starts
MAX_HIDDEN = int(LIMITS["hidden"].high)  # the widest network TrainConfig builds
TEMPERATURE_RANGE = (0.01, 100.0)  # a file's temperature outside this is refused

HINT = "Download a model from the Train page and upload that file."
# The figures of an epoch record (EpochRecord.to_dict()) and the values they can take.
HISTORY_FIGURES = {
    "epoch": (1, math.inf),
    "train_loss": (0, math.inf),
    "train_accuracy": (0, 1),
    "test_loss": (0, math.inf),
    "test_accuracy": (0, 1),
    "train_seconds": (0, math.inf),
    "lr": (0, math.inf),
}


# What kind of problem a ModelFileError is: a page shows a sentence of its own
# (in its language) per code, then the English detail.
ERROR_CODES = (
    "not_model",  # not a zip of .npy arrays at all
    "damaged",  # a model file, but truncated or corrupt
    "too_large",  # too big, too many members, or a zip bomb
    "unsafe",  # pickled Python objects
    "incomplete",  # weights missing
    "wrong_shape",  # weights that do not fit 784 -> H -> 10
    "too_wide",  # more hidden units than the caller takes (load_model's max_hidden)
    "bad_numbers",  # weights that are not finite floating-point numbers
    "bad_settings",  # invalid training settings, history or metadata
    "newer_version",  # another format version
    "no_file",  # no file at that path
)


class ModelFileError(ValueError):
    """A model file that cannot be used. The message is a plain English sentence
    for the user: what is wrong and what to do. ``code`` (one of ERROR_CODES)
    says what kind of problem it is, for a page that speaks another language;
    ``detail`` is the specific finding."""

    def __init__(self, message: str, code: str = "not_model", detail: str = "") -> None:
        super().__init__(message)
        self.code = code if code in ERROR_CODES else "not_model"
        self.detail = detail or message


def _bad(reason: str, code: str = "damaged") -> ModelFileError:
    return ModelFileError(f"This file is not a Backprop Lab model (.npz): {reason}. {HINT}", code, reason)


@dataclass
class SavedModel:
    """A network with how it was trained: what a model file holds."""

    model: MLP
    config: TrainConfig | None = None  # None when the file has no config
    history: list[dict] = field(default_factory=list)  # EpochRecord.to_dict() per epoch
    meta: dict = field(default_factory=dict)  # free JSON: name, created, source, command, ...
    # Why the file's history was left out (its figures were impossible: NaN, a negative
    # loss, an accuracy above 1, ...), in English; "" when the history was kept.
    history_dropped: str = ""

    def predict_proba(self, x: np.ndarray) -> np.ndarray:
        """(N, 784) images (uint8 or floats in [0, 1]) -> (N, 10) probabilities (the network's
        own softmax, not scaled by the temperature)."""
        return self.model.predict_proba(x)

    @property
    def temperature(self) -> float:
        """The softmax temperature that calibrates the model's confidence (1: none)."""
        return self.model.temperature

    @property
    def test_accuracy(self) -> float | None:
        """Test accuracy after the last recorded epoch, or None without a history."""
        if not self.history:
            return None
        value = self.history[-1].get("test_accuracy")
        return float(value) if isinstance(value, (int, float)) and not isinstance(value, bool) else None


def fingerprint(model: MLP) -> str:
    """A short digest of the weights: which model this is. Another model, or the same one
    retrained in place, gets another fingerprint."""
    h = hashlib.blake2b(digest_size=16)
    for name, a in model.params().items():
        h.update(f"{name}{a.shape}{a.dtype.str}".encode())
        h.update(np.ascontiguousarray(a).view(np.uint8))
    return h.hexdigest()


# --- saving -------------------------------------------------------------------


def model_to_bytes(
    model: MLP,
    config: TrainConfig | None = None,
    history: list | None = None,
    meta: dict | None = None,
) -> bytes:
    """The model file's bytes (see the module docstring for the layout).

    ``history`` holds EpochRecord objects or their ``to_dict()`` dicts. Raises
    ``ValueError`` for a model that loading would refuse (wrong shapes or
    dtype, NaN or infinite weights) and ``TypeError`` for meta that is not JSON.
    """
    arrays = {"format_version": np.array(FORMAT_VERSION, dtype=np.int64)}
    for name, value in model.params().items():
        arrays[name] = np.asarray(value)
    _check_model_arrays(arrays, ValueError)
    if model.temperature != 1:  # a file without one means 1, as every file before it
        t = float(model.temperature)
        if not TEMPERATURE_RANGE[0] <= t <= TEMPERATURE_RANGE[1]:
            raise ValueError(f"temperature {t!r} is outside {TEMPERATURE_RANGE}")
        arrays[TEMPERATURE_KEY] = np.array(t, dtype=np.float64)
    if config is not None:
        arrays["config_json"] = _json_bytes(config.to_dict())
    if history is not None:
        records = [r.to_dict() if hasattr(r, "to_dict") else dict(r) for r in history]
        arrays["history_json"] = _json_bytes(records)
    if meta is not None:
        if not isinstance(meta, dict):
            raise TypeError("meta must be a dict")
        arrays["meta_json"] = _json_bytes(meta)

    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", compression=zipfile.ZIP_STORED) as zf:
        for name, value in arrays.items():
            npy = io.BytesIO()
            np.lib.format.write_array(npy, value, allow_pickle=False)
            info = zipfile.ZipInfo(name + ".npy", date_time=(1980, 1, 1, 0, 0, 0))
            info.external_attr = 0o644 << 16
            zf.writestr(info, npy.getvalue())
    return buffer.getvalue()


def save_model(
    target: str | os.PathLike | BinaryIO,
    model: MLP,
    config: TrainConfig | None = None,
    history: list | None = None,
    meta: dict | None = None,
) -> None:
    """Write a model file to a binary file object, or to a path: written beside it and
    renamed into place, and only ever replacing a regular file (else OutputPathError,
    an OSError; see mlp_core.outfile)."""
    data = model_to_bytes(model, config, history, meta)
    if hasattr(target, "write"):
        target.write(data)
        return
    write_atomically(target, data)


def _json_bytes(value: Any) -> np.ndarray:
    text = json.dumps(value, sort_keys=True, ensure_ascii=False)
    return np.frombuffer(text.encode("utf-8"), dtype=np.uint8)


# --- loading ------------------------------------------------------------------


def load_model(
    source: str | os.PathLike | bytes | bytearray | memoryview | IO[bytes], *, max_hidden: int = MAX_HIDDEN
) -> SavedModel:
    """Read and check a model file from a path, its bytes or a binary file object
    (read from its current position, e.g. a Streamlit upload).

    ``max_hidden`` is the widest network the caller takes (a page serving many
    people takes less than TrainConfig allows); a wider one is refused, code
    "too_wide", before its weights are read. A history whose figures are
    impossible is left out, and ``history_dropped`` says why.

    Never writes anything. Any problem, whatever its cause, raises
    :class:`ModelFileError` with a message meant for the user.
    """
    max_hidden = min(int(max_hidden), MAX_HIDDEN)
    try:
        if isinstance(source, (bytes, bytearray, memoryview)):
            return _load_bytes(bytes(source), max_hidden)
        if hasattr(source, "read"):
            data = source.read(MAX_FILE_BYTES + 1)
            if not isinstance(data, (bytes, bytearray)):
                raise _bad("it was opened as text, not as binary data", "not_model")
            return _load_bytes(bytes(data), max_hidden)
        path = Path(source)
        if not path.is_file():
            raise ModelFileError(
                f"There is no model file at {path}. Check the path, or train and save a model first.", "no_file"
            )
        if path.stat().st_size > MAX_FILE_BYTES:
            raise _too_large(path.stat().st_size)
        with open(path, "rb") as f:
            return _load_zip(f, path.stat().st_size, max_hidden)
    except ModelFileError:
        raise
    except MemoryError:
        raise _bad("it is too large to load", "too_large") from None
    except Exception as exc:  # anything unforeseen in a hostile file is still the file's fault
        raise _bad(f"it could not be read ({type(exc).__name__})", "not_model") from exc


def _too_large(size: int) -> ModelFileError:
    return _bad(f"it is {size / 2**20:.0f} MB, more than the {MAX_FILE_BYTES // 2**20} MB a model can be", "too_large")


def _load_bytes(data: bytes, max_hidden: int) -> SavedModel:
    if len(data) > MAX_FILE_BYTES:
        raise _too_large(len(data))
    return _load_zip(io.BytesIO(data), len(data), max_hidden)


def _load_zip(f: BinaryIO, size: int, max_hidden: int) -> SavedModel:
    if size == 0:
        raise _bad("the file is empty", "not_model")
    f.seek(0)
    # A zip starts with a member's header: a file that does too, but is not a valid zip,
    # is most likely a model file cut short (an interrupted download or copy).
    zip_start = f.read(4) == ZIP_MEMBER_SIGNATURE[: min(size, 4)]
    _check_end_record(f, size, zip_start)
    try:
        zf = zipfile.ZipFile(f)
    except (zipfile.BadZipFile, zipfile.LargeZipFile, OSError, EOFError, ValueError, struct.error):
        if zip_start:
            raise _bad("its zip directory is unreadable, so the file is cut short or corrupt", "damaged") from None
        raise _bad("it is not a valid zip archive", "not_model") from None
    with zf:
        infos = _check_members(zf)
        headers = {name: _read_header(zf, info) for name, info in infos.items()}
        _check_version(zf, infos["format_version"], headers["format_version"])
        _check_headers(headers, max_hidden)
        arrays = {name: _read_data(zf, infos[name], *headers[name]) for name in infos}
    return _build(arrays)


def _check_version(zf: zipfile.ZipFile, info: zipfile.ZipInfo, header: tuple) -> None:
    """The format version comes first: a newer file may hold anything."""
    shape, _, dtype = header
    if dtype.kind not in "iu" or dtype.fields is not None or shape != ():
        raise _bad("its format_version is not a single integer", "not_model")
    version = int(_read_data(zf, info, *header)[()])
    if version != FORMAT_VERSION:
        raise ModelFileError(
            f"This model file has format version {version}, but this version of Backprop Lab reads "
            f"version {FORMAT_VERSION}. Save the model again with this version, or train a new one.",
            "newer_version",
            f"format version {version}",
        )


def _check_end_record(f: BinaryIO, size: int, zip_start: bool) -> None:
    """Check the zip's end record before zipfile parses the directory it points to,
    so an archive claiming a huge number of members is refused cheaply."""
    tail_len = min(size, 22 + 0xFFFF)
    f.seek(size - tail_len)
    tail = f.read(tail_len)
    pos = tail.rfind(b"PK\x05\x06")
    if pos < 0 or len(tail) - pos < 22:
        if zip_start:  # the end record is the last thing written: without it, the file stops early
            raise _bad("it ends before its zip directory, so the file was cut short", "damaged")
        raise _bad("it is not a zip archive", "not_model")
    _, _, _, _, n_total, cd_size, _, _ = struct.unpack("<4s4H2LH", tail[pos : pos + 22])
    if n_total > 4 * len(ALLOWED_KEYS) or cd_size > MAX_CENTRAL_DIRECTORY:
        raise _bad(f"it holds {n_total} members, far more than a model has", "too_large")


def _check_members(zf: zipfile.ZipFile) -> dict[str, zipfile.ZipInfo]:
    """Member names, sizes and compression, from the directory alone (nothing is unpacked)."""
    infos: dict[str, zipfile.ZipInfo] = {}
    total = 0
    for info in zf.infolist():
        name = info.filename.removesuffix(".npy")
        if not info.filename.endswith(".npy") or name not in ALLOWED_KEYS:
            shown = info.filename if len(info.filename) <= 40 else info.filename[:37] + "..."
            raise _bad(f"it holds an unexpected member {shown!r}", "not_model")
        if name in infos:
            raise _bad(f"it holds {name} twice")
        if info.flag_bits & 0x1:
            raise _bad("it is encrypted", "not_model")
        if info.compress_type not in (zipfile.ZIP_STORED, zipfile.ZIP_DEFLATED):
            raise _bad(f"{name} uses an unsupported compression method", "not_model")
        if info.compress_type == zipfile.ZIP_STORED and info.compress_size != info.file_size:
            raise _bad(f"the sizes recorded for {name} do not agree")
        total += info.file_size
        if total > MAX_TOTAL_BYTES:
            raise _bad(f"its contents would unpack to more than {MAX_TOTAL_BYTES // 2**20} MB", "too_large")
        if info.file_size > RATIO_FLOOR and info.file_size > MAX_RATIO * max(info.compress_size, 1):
            ratio = info.file_size / max(info.compress_size, 1)
            raise _bad(f"{name} unpacks to {ratio:.0f} times its packed size", "too_large")
        infos[name] = info
    missing = [k for k in REQUIRED_KEYS if k not in infos]
    if missing:
        raise _bad(f"it lacks {', '.join(missing)}", "incomplete")
    if ("b_h" in infos) != ("b_o" in infos):
        raise _bad("it has only one of the two biases b_h and b_o", "incomplete")
    return infos


def _read_header(zf: zipfile.ZipFile, info: zipfile.ZipInfo) -> tuple[tuple[int, ...], bool, np.dtype]:
    """Shape, Fortran order and dtype from a member's .npy header (data not read)."""
    name = info.filename.removesuffix(".npy")
    try:
        with zf.open(info) as member:
            return _parse_header(member, name)
    except (zipfile.BadZipFile, OSError, EOFError, zlib.error):
        raise _bad(f"{name} is damaged") from None


def _parse_header(member: IO[bytes], name: str) -> tuple[tuple[int, ...], bool, np.dtype]:
    """Read a .npy header (version 1.0 or 2.0) from the start of ``member``, leaving it at the data."""
    try:
        version = np.lib.format.read_magic(member)
        if version == (1, 0):
            shape, fortran, dtype = np.lib.format.read_array_header_1_0(member)
        elif version == (2, 0):
            shape, fortran, dtype = np.lib.format.read_array_header_2_0(member)
        else:
            raise _bad(f"{name} uses an unsupported .npy version {version[0]}.{version[1]}", "not_model")
    except ModelFileError:
        raise
    except Exception:
        raise _bad(f"{name} is not a valid .npy array", "not_model") from None
    return tuple(int(n) for n in shape), bool(fortran), dtype


def _check_headers(headers: dict[str, tuple[tuple[int, ...], bool, np.dtype]], max_hidden: int) -> None:
    """Dtypes and shapes of every member, before any data is read."""
    for name, (shape, _, dtype) in headers.items():
        if dtype.hasobject or dtype.fields is not None or dtype.subdtype is not None:
            raise _bad(f"{name} holds Python objects or records instead of numbers", "unsafe")
        if name in WEIGHT_KEYS or name in BIAS_KEYS:
            if dtype.kind != "f" or dtype.itemsize not in (4, 8):
                found = dtype.newbyteorder("=")
                raise _bad(f"{name} has dtype {found}, but weights must be float32 or float64", "bad_numbers")
        elif name == "format_version":
            continue  # checked by _check_version
        elif name == TEMPERATURE_KEY:
            if dtype.kind != "f" or dtype.itemsize not in (4, 8) or shape != ():
                raise _bad("its temperature is not a single floating-point number", "bad_numbers")
        elif dtype != np.uint8 or len(shape) != 1 or shape[0] > MAX_JSON_BYTES:
            raise _bad(f"{name} is not UTF-8 text of at most {MAX_JSON_BYTES // 2**20} MB", "bad_settings")

    wh, wo = headers["W_h"][0], headers["W_o"][0]
    if len(wh) != 2 or wh[0] != N_INPUTS or not 1 <= wh[1] <= MAX_HIDDEN:
        raise _bad(f"W_h has shape {wh}, expected ({N_INPUTS}, H) with H from 1 to {MAX_HIDDEN}", "wrong_shape")
    hidden = wh[1]
    if hidden > max_hidden:
        raise _bad(f"its network has {hidden} hidden units, more than the {max_hidden} taken here", "too_wide")
    if len(wo) != 2 or wo[1] != N_CLASSES:
        raise _bad(f"W_o has shape {wo}, expected (H, {N_CLASSES})", "wrong_shape")
    if wo[0] != hidden:
        raise _bad(f"W_h has {hidden} hidden units but W_o has {wo[0]}", "wrong_shape")
    kind = {name: headers[name][2].newbyteorder("=") for name in (*WEIGHT_KEYS, *BIAS_KEYS) if name in headers}
    if kind["W_o"] != kind["W_h"]:
        raise _bad(f"W_h is {kind['W_h']} but W_o is {kind['W_o']}", "wrong_shape")
    for name, n in (("b_h", hidden), ("b_o", N_CLASSES)):
        if name in headers:
            if headers[name][0] != (n,):
                raise _bad(f"{name} has shape {headers[name][0]}, expected ({n},)", "wrong_shape")
            if kind[name] != kind["W_h"]:
                raise _bad(f"{name} is {kind[name]} but W_h is {kind['W_h']}", "wrong_shape")


def _read_data(zf: zipfile.ZipFile, info: zipfile.ZipInfo, shape: tuple, fortran: bool, dtype: np.dtype) -> np.ndarray:
    """The member's array, read only after its header passed; exactly as many bytes as declared."""
    name = info.filename.removesuffix(".npy")
    need = math.prod(shape) * dtype.itemsize
    if need >= info.file_size:
        raise _bad(f"{name} declares more data than it holds")
    try:
        with zf.open(info) as member:
            _parse_header(member, name)
            raw = member.read(need + 1)
    except (zipfile.BadZipFile, OSError, EOFError, zlib.error):
        raise _bad(f"{name} is damaged (its data does not match its checksum)") from None
    if len(raw) != need:
        raise _bad(f"{name} holds {len(raw)} bytes of data, expected {need}")
    order = "F" if fortran else "C"
    array = np.frombuffer(raw, dtype=dtype).reshape(shape, order=order).copy(order="C")
    if not array.dtype.isnative:
        array = array.astype(array.dtype.newbyteorder("="))
    return array


def _build(arrays: dict[str, np.ndarray]) -> SavedModel:
    for name in (*WEIGHT_KEYS, *BIAS_KEYS):
        if name in arrays and not np.isfinite(arrays[name]).all():
            raise _bad(f"{name} contains NaN or infinite values", "bad_numbers")
    model = MLP(**{k: arrays[k] for k in (*WEIGHT_KEYS, *BIAS_KEYS) if k in arrays})
    if TEMPERATURE_KEY in arrays:
        t = float(arrays[TEMPERATURE_KEY][()])
        if not TEMPERATURE_RANGE[0] <= t <= TEMPERATURE_RANGE[1]:  # also refuses NaN
            low, high = TEMPERATURE_RANGE
            raise _bad(f"its temperature {t!r} is not a number from {low:g} to {high:g}", "bad_numbers")
        model.temperature = t

    config = None
    if "config_json" in arrays:
        data = _json(arrays, "config_json", dict, "an object")
        try:
            config = TrainConfig.from_dict(data)
        except (TypeError, ValueError) as exc:
            raise _bad(f"its training settings are invalid ({_first_line(exc)})", "bad_settings") from None
        if config.hidden != model.hidden or config.biases != model.has_biases:
            raise _bad("its training settings do not match its weights", "bad_settings")
    history: list[dict] = []
    dropped = ""
    if "history_json" in arrays:
        history = _json(arrays, "history_json", list, "a list")
        if not all(isinstance(r, dict) for r in history):
            raise _bad("its history_json is not a list of epoch records", "bad_settings")
        for record in history:
            for key in HISTORY_FIGURES:
                value = record.get(key, 0)
                if not isinstance(value, (int, float)) or isinstance(value, bool):
                    raise _bad(f"its history has a {key} that is not a number", "bad_settings")
        dropped = _impossible_figure(history)
        if dropped:  # the weights are fine; only the story of how they were trained is not
            history = []
    meta: dict = {}
    if "meta_json" in arrays:
        meta = _json(arrays, "meta_json", dict, "an object")
    return SavedModel(model=model, config=config, history=history, meta=meta, history_dropped=dropped)


def _impossible_figure(history: list[dict]) -> str:
    """The first figure of an epoch record that no training run gives (NaN, infinite, a
    negative loss or time, an accuracy outside 0..1, an epoch below 1), said in English; "" if none."""
    for i, record in enumerate(history, 1):
        for key, (low, high) in HISTORY_FIGURES.items():
            value = record.get(key, low)
            if not (isinstance(value, int) or math.isfinite(value)):  # huge ints are finite, and no float
                return f"epoch {i} of its history has a {key} of {value!r}, not a finite number"
            if not low <= value <= high:
                bound = f"below {low:g}" if value < low else f"above {high:g}"
                return f"epoch {i} of its history has a {key} of {value!r}, {bound}"
    return ""


def _json(arrays: dict[str, np.ndarray], name: str, kind: type, what: str) -> Any:
    try:
        value = json.loads(arrays[name].tobytes().decode("utf-8"))
    except (UnicodeDecodeError, ValueError, RecursionError):
        raise _bad(f"its {name} is not valid JSON", "bad_settings") from None
    if not isinstance(value, kind):
        raise _bad(f"its {name} is not {what}", "bad_settings")
    return value


def _first_line(exc: BaseException) -> str:
    text = str(exc).splitlines()[0] if str(exc) else type(exc).__name__
    return text if len(text) <= 120 else text[:117] + "..."


def _check_model_arrays(arrays: dict[str, np.ndarray], error: type[Exception]) -> None:
    W_h, W_o = arrays["W_h"], arrays["W_o"]
    if W_h.ndim != 2 or W_h.shape[0] != N_INPUTS or not 1 <= W_h.shape[1] <= MAX_HIDDEN:
        raise error(f"W_h has shape {W_h.shape}, expected ({N_INPUTS}, H) with H from 1 to {MAX_HIDDEN}")
    if W_o.shape != (W_h.shape[1], N_CLASSES):
        raise error(f"W_o has shape {W_o.shape}, expected ({W_h.shape[1]}, {N_CLASSES})")
    for name in (*WEIGHT_KEYS, *BIAS_KEYS):
        if name not in arrays:
            continue
        a = arrays[name]
        if a.dtype not in (np.float32, np.float64) or a.dtype != W_h.dtype:
            raise error(f"{name} has dtype {a.dtype}; weights must all be float32 or all float64")
        if not np.isfinite(a).all():
            raise error(f"{name} contains NaN or infinite values")
    for name, n in (("b_h", W_h.shape[1]), ("b_o", N_CLASSES)):
        if name in arrays and arrays[name].shape != (n,):
            raise error(f"{name} has shape {arrays[name].shape}, expected ({n},)")


# --- the bundled default --------------------------------------------------------

_default: SavedModel | None = None
_default_lock = threading.Lock()


def load_default_model() -> SavedModel:
    """The model bundled with the app (``assets/default_model.npz``), loaded once per process.

    Every caller gets the same object, shared by all sessions of a server, so
    it must not be changed: its weight arrays are read-only, and its history
    and meta must be treated so too. To train it further, use ``.model.copy()``.
    """
    global _default
    with _default_lock:
        if _default is None:
            saved = load_model(DEFAULT_MODEL_PATH)
            for array in saved.model.params().values():
                array.flags.writeable = False
            _default = saved
        return _default
