"""Model files: exact round trips, the bundled default, and every kind of bad file refused cleanly."""

from __future__ import annotations

import hashlib
import io
import json
import os
import stat
import struct
import zipfile
import zlib
from pathlib import Path

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from mlp_core import MLP, ModelFileError, SavedModel, TrainConfig, load_default_model, load_model
from mlp_core import io as model_io
from mlp_core.io import ERROR_CODES, fingerprint, model_to_bytes, save_model
from mlp_core.metrics import evaluate

HIDDEN = 8


def small_model(dtype: str = "float32", biases: bool = True, hidden: int = HIDDEN, seed: int = 3) -> MLP:
    model = MLP.create(hidden, init="he", seed=seed, biases=biases, dtype=dtype)
    if biases:  # non-zero biases, so a round trip that dropped them would show
        rng = np.random.default_rng(seed)
        model.b_h[:] = rng.normal(size=hidden)
        model.b_o[:] = rng.normal(size=10)
    return model


def history(n: int = 2) -> list[dict]:
    return [
        dict(epoch=i, train_loss=0.5 / i, train_accuracy=0.9, test_loss=0.4, test_accuracy=0.9 + i / 100,
             train_seconds=1.5 * i, lr=0.1)
        for i in range(1, n + 1)
    ]  # fmt: skip


def npy(array: np.ndarray) -> bytes:
    buf = io.BytesIO()
    # writing only: an object array (a hostile file's) is stored pickled; nothing here loads one
    np.lib.format.write_array(buf, array, allow_pickle=array.dtype.hasobject)
    return buf.getvalue()


def json_npy(value) -> bytes:
    raw = value if isinstance(value, bytes) else json.dumps(value).encode()
    return npy(np.frombuffer(raw, dtype=np.uint8))


def good_members(dtype: str = "float32") -> dict[str, bytes]:
    """A valid model file's members as .npy bytes, ready to be spoiled one at a time."""
    model = small_model(dtype)
    members = {"format_version": npy(np.array(1, dtype=np.int64))}
    members.update({k: npy(v) for k, v in model.params().items()})
    members["config_json"] = json_npy(TrainConfig.fast(hidden=HIDDEN, biases=True).to_dict())
    members["history_json"] = json_npy(history())
    members["meta_json"] = json_npy({"name": "test"})
    return members


def zip_bytes(members: dict[str, bytes], compression: int = zipfile.ZIP_STORED, suffix: str = ".npy") -> bytes:
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", compression=compression) as zf:
        for name, data in members.items():
            zf.writestr(name + suffix, data)
    return buf.getvalue()


def spoiled(**changes) -> bytes:
    """A model file with some members replaced (bytes) or removed (None)."""
    members = good_members()
    for name, data in changes.items():
        if data is None:
            members.pop(name)
        else:
            members[name] = data
    return zip_bytes(members)


def header_only(shape: tuple, descr: str = "<f8", extra: bytes = b"\0" * 16) -> bytes:
    """An .npy header declaring ``shape`` followed by only a few bytes of data."""
    buf = io.BytesIO()
    np.lib.format.write_array_header_1_0(buf, {"descr": descr, "fortran_order": False, "shape": shape})
    return buf.getvalue() + extra


def raw_deflate_zip(name: str, payload: bytes, crc: int, size: int) -> bytes:
    """A one-member zip whose member is an already deflated stream (written by hand)."""
    fname = name.encode()
    local = struct.pack("<4s5H3L2H", b"PK\x03\x04", 20, 0, 8, 0, 0x21, crc, len(payload), size, len(fname), 0)
    central = struct.pack(
        "<4s6H3L5H2L", b"PK\x01\x02", 20, 20, 0, 8, 0, 0x21, crc, len(payload), size, len(fname), 0, 0, 0, 0, 0, 0
    )
    body = local + fname + payload
    directory = central + fname
    end = struct.pack("<4s4H2LH", b"PK\x05\x06", 0, 0, 1, 1, len(directory), len(body), 0)
    return body + directory + end


@pytest.fixture(scope="module")
def zip_bomb() -> bytes:
    """W_h.npy: a valid .npy header then zeros, 1 GiB in all, deflated to about 1 MB.

    Built from one deflate block of 1 MiB of zeros repeated (after a full
    flush the compressor starts afresh, so every such block is identical),
    so the test never compresses a gigabyte.
    """
    chunk, n_chunks = 1 << 20, 1024
    size = chunk * n_chunks
    head = io.BytesIO()
    np.lib.format.write_array_header_1_0(head, {"descr": "<f8", "fortran_order": False, "shape": (784, 4096)})
    first = head.getvalue() + bytes(chunk - len(head.getvalue()))
    comp = zlib.compressobj(9, zlib.DEFLATED, -15)
    start = comp.compress(first) + comp.flush(zlib.Z_FULL_FLUSH)
    zeros = bytes(chunk)
    block = comp.compress(zeros) + comp.flush(zlib.Z_FULL_FLUSH)
    payload = start + block * (n_chunks - 1) + comp.flush()
    crc = zlib.crc32(first)
    for _ in range(n_chunks - 1):
        crc = zlib.crc32(zeros, crc)
    return raw_deflate_zip("W_h.npy", payload, crc, size)


# --- round trips -------------------------------------------------------------


def assert_same_model(a: MLP, b: MLP) -> None:
    assert a.params().keys() == b.params().keys()
    for name, value in a.params().items():
        other = b.params()[name]
        assert other.dtype == value.dtype, name
        assert other.shape == value.shape, name
        assert other.tobytes() == value.tobytes(), name  # bit for bit


@pytest.mark.parametrize("dtype", ["float32", "float64"])
@pytest.mark.parametrize("biases", [True, False])
@pytest.mark.parametrize("source", ["bytes", "path", "file"])
def test_round_trip_is_exact(tmp_path: Path, dtype: str, biases: bool, source: str) -> None:
    model = small_model(dtype, biases)
    config = TrainConfig.fast(hidden=HIDDEN, biases=biases, dtype=dtype)
    meta = {"name": "Ünïcode ✓", "created": "2024-01-01T00:00:00+00:00", "nested": {"a": [1, 2]}}
    data = model_to_bytes(model, config, history(3), meta)
    if source == "bytes":
        saved = load_model(data)
    elif source == "path":
        path = tmp_path / "m.npz"
        save_model(path, model, config, history(3), meta)
        assert path.read_bytes() == data
        saved = load_model(path)
        saved_str = load_model(str(path))
        assert_same_model(model, saved_str.model)
    else:
        buf = io.BytesIO()
        save_model(buf, model, config, history(3), meta)
        buf.seek(0)
        saved = load_model(buf)
    assert isinstance(saved, SavedModel)
    assert_same_model(model, saved.model)
    assert saved.config == config
    assert saved.history == history(3)
    assert saved.meta == meta
    assert saved.test_accuracy == pytest.approx(0.93)
    x = np.random.default_rng(0).integers(0, 256, (5, 784), dtype=np.uint8)
    np.testing.assert_array_equal(saved.predict_proba(x), model.predict_proba(x))


def test_minimal_file_and_plain_numpy_compatibility() -> None:
    model = small_model("float64", biases=False)
    data = model_to_bytes(model)
    saved = load_model(data)
    assert saved.config is None and saved.history == [] and saved.meta == {}
    assert saved.test_accuracy is None
    with np.load(io.BytesIO(data), allow_pickle=False) as npz:
        assert set(npz.files) == {"format_version", "W_h", "W_o"}
        assert int(npz["format_version"]) == 1
        np.testing.assert_array_equal(npz["W_h"], model.W_h)


def test_history_of_epoch_records_and_compressed_files_load() -> None:
    from mlp_core.train import EpochRecord

    records = [EpochRecord(**h) for h in history(2)]
    saved = load_model(model_to_bytes(small_model(), history=records))
    assert saved.history == history(2)
    # np.savez_compressed files (deflated members) are accepted too
    buf = io.BytesIO()
    np.savez_compressed(buf, format_version=np.array(1), **small_model().params())
    assert_same_model(small_model(), load_model(buf.getvalue()).model)


def test_fortran_order_and_big_endian_arrays_load_with_their_values() -> None:
    model = small_model("float64")
    members = good_members("float64")
    members["W_h"] = npy(np.asfortranarray(model.W_h))
    members["W_o"] = npy(model.W_o.astype(">f8"))
    saved = load_model(zip_bytes(members))
    np.testing.assert_array_equal(saved.model.W_h, model.W_h)
    np.testing.assert_array_equal(saved.model.W_o, model.W_o)
    assert saved.model.W_o.dtype.isnative


def test_saving_refuses_a_model_that_could_not_be_loaded() -> None:
    model = small_model()
    model.W_h[0, 0] = np.nan
    with pytest.raises(ValueError, match="NaN"):
        model_to_bytes(model)
    with pytest.raises(ValueError, match="W_h has shape"):
        model_to_bytes(MLP(np.zeros((10, 4), np.float32), np.zeros((4, 10), np.float32)))
    with pytest.raises(ValueError, match="dtype"):
        model_to_bytes(MLP(np.zeros((784, 4), np.float16), np.zeros((4, 10), np.float16)))
    with pytest.raises(TypeError):
        model_to_bytes(small_model(), meta={"when": object()})


def test_save_to_path_replaces_the_file(tmp_path: Path) -> None:
    path = tmp_path / "m.npz"
    path.write_bytes(b"old")
    save_model(path, small_model())
    assert_same_model(small_model(), load_model(path).model)
    assert [p.name for p in tmp_path.iterdir()] == ["m.npz"]  # no temporary file left behind
    new = tmp_path / "new.npz"
    save_model(new, small_model())
    assert new.stat().st_mode & 0o777 == 0o644


# --- the bundled default --------------------------------------------------------


def test_default_model_is_accurate_shared_and_read_only(mnist) -> None:
    saved = load_default_model()
    assert load_default_model() is saved  # loaded once, shared
    result = evaluate(saved.model, mnist.x_test, mnist.y_test)
    assert result.accuracy >= 0.98
    assert saved.test_accuracy == pytest.approx(result.accuracy, abs=1e-3)
    assert saved.config is not None and saved.config.hidden == saved.model.hidden
    assert {"name", "created", "command"} <= saved.meta.keys()
    assert saved.meta["command"].startswith("python -m mlp_core train ")
    for name, array in saved.model.params().items():
        assert not array.flags.writeable, name
        with pytest.raises(ValueError):
            array[0] = 0
    copy = saved.model.copy()  # the documented way to get weights one may change
    copy.W_h += 1.0
    assert copy.W_h.flags.writeable and not np.shares_memory(copy.W_h, saved.model.W_h)


# --- bad files ------------------------------------------------------------------


def digest(path: Path) -> tuple[str, int, int]:
    stat = path.stat()
    return hashlib.sha256(path.read_bytes()).hexdigest(), stat.st_size, stat.st_mtime_ns


def assert_refused(tmp_path: Path, data: bytes, match: str) -> ModelFileError:
    """``data`` is refused from a path, from bytes and from a file object, each time with
    ModelFileError (never another exception) and a short sentence; the file is untouched."""
    path = tmp_path / "bad.npz"
    path.write_bytes(data)
    before = digest(path)
    errors = []
    for source in (path, data, io.BytesIO(data)):
        with pytest.raises(ModelFileError, match=match) as info:
            load_model(source)
        errors.append(info.value)
    assert digest(path) == before
    assert sorted(p.name for p in tmp_path.iterdir()) == ["bad.npz"]
    assert {e.code for e in errors} <= set(ERROR_CODES) and len({e.code for e in errors}) == 1
    assert all(e.detail and e.detail in str(e) for e in errors)
    message = str(errors[0])
    assert "\n" not in message and len(message) < 300 and message.endswith(".")
    assert "Traceback" not in message and "Error" not in message
    return errors[0]


def int_array(shape) -> bytes:
    return npy(np.ones(shape, dtype=np.int32))


BAD_FILES = {
    "random bytes": (lambda: np.random.default_rng(0).bytes(5000), "not a zip archive"),
    "empty file": (lambda: b"", "empty"),
    "truncated zip": (lambda: zip_bytes(good_members())[:20000], "the file was cut short"),
    "cut inside the zip directory": (lambda: zip_bytes(good_members())[:-30], "the file was cut short"),
    "zip of text": (lambda: zip_bytes({"notes.txt": b"hello"}, suffix=""), "unexpected member 'notes.txt'"),
    "pickled object array": (
        lambda: spoiled(W_h=npy(np.array([{"x": 1}, "evil"], dtype=object))),
        "W_h holds Python objects",
    ),
    "structured weights": (
        lambda: spoiled(W_o=npy(np.zeros((HIDDEN, 10), dtype=[("a", "<f4"), ("b", "<f4")]))),
        "W_o holds Python objects or records",
    ),
    "missing W_o": (lambda: spoiled(W_o=None), "lacks W_o"),
    "missing format_version": (lambda: spoiled(format_version=None), "lacks format_version"),
    "one bias only": (lambda: spoiled(b_o=None), "only one of the two biases"),
    "W_h wrong inputs": (lambda: spoiled(W_h=npy(np.zeros((100, HIDDEN), np.float32))), r"W_h has shape \(100, 8\)"),
    "W_h one-dimensional": (lambda: spoiled(W_h=npy(np.zeros(784, np.float32))), r"W_h has shape \(784,\)"),
    "W_h too many hidden": (lambda: spoiled(W_h=npy(np.zeros((784, 5000), np.float32))), "H from 1 to 4096"),
    "W_o wrong outputs": (lambda: spoiled(W_o=npy(np.zeros((HIDDEN, 9), np.float32))), r"W_o has shape \(8, 9\)"),
    "inconsistent hidden": (
        lambda: spoiled(W_o=npy(np.zeros((HIDDEN + 1, 10), np.float32))),
        "W_h has 8 hidden units but W_o has 9",
    ),
    "b_h wrong length": (lambda: spoiled(b_h=npy(np.zeros(HIDDEN - 1, np.float32))), r"b_h has shape \(7,\)"),
    "mixed dtypes": (lambda: spoiled(W_o=npy(np.zeros((HIDDEN, 10), np.float64))), "W_h is float32 but W_o is float64"),
    "integer weights": (lambda: spoiled(W_h=int_array((784, HIDDEN))), "W_h has dtype int32"),
    "complex weights": (
        lambda: spoiled(W_o=npy(np.zeros((HIDDEN, 10), np.complex64))),
        "W_o has dtype complex64, but weights must be float32 or float64",
    ),
    "half-precision weights": (lambda: spoiled(b_o=npy(np.zeros(10, np.float16))), "b_o has dtype float16"),
    "NaN weights": (
        lambda: spoiled(W_h=npy(np.full((784, HIDDEN), np.nan, np.float32))),
        "W_h contains NaN or infinite",
    ),
    "infinite bias": (
        lambda: spoiled(b_o=npy(np.array([np.inf] + [0] * 9, np.float32))),
        "b_o contains NaN or infinite",
    ),
    "huge declared weights in a tiny member": (
        lambda: spoiled(
            W_h=header_only((784, 4096), "<f4"),
            W_o=npy(np.zeros((4096, 10), np.float32)),
            b_h=None,
            b_o=None,
            config_json=None,
        ),
        "W_h declares more data than it holds",
    ),
    "a billion declared elements": (lambda: spoiled(W_h=header_only((784, 10**9 // 784))), "H from 1 to 4096"),
    "a billion declared bytes of JSON": (
        lambda: spoiled(history_json=header_only((10**9,), "|u1")),
        "history_json is not UTF-8 text of at most 4 MB",
    ),
    "npy data cut short": (
        lambda: spoiled(W_o=npy(np.zeros((HIDDEN, 10), np.float32))[:-8]),
        r"W_o holds 312 bytes of data, expected 320",
    ),
    "npy with a garbage header": (lambda: spoiled(W_h=b"\x93NUMPY\x01\x00\xff\xff" + b"x" * 100), "W_h is not a valid"),
    "not npy at all": (lambda: spoiled(b_h=b"just some text"), "b_h is not a valid .npy array"),
    "unknown extra member": (lambda: spoiled(evil=npy(np.zeros(3))), "unexpected member 'evil.npy'"),
    "path traversal member": (lambda: zip_bytes({"../W_h": b""}), r"unexpected member '\.\./W_h\.npy'"),
    "member without .npy": (lambda: zip_bytes(good_members(), suffix=""), "unexpected member 'format_version'"),
    "bad JSON": (lambda: spoiled(config_json=json_npy(b"{not json")), "config_json is not valid JSON"),
    "JSON not UTF-8": (lambda: spoiled(meta_json=json_npy(b'{"name": "\xff\xfe"}')), "meta_json is not valid JSON"),
    "deeply nested JSON": (lambda: spoiled(history_json=json_npy(b"[" * 100000)), "history_json is not valid JSON"),
    "meta not an object": (lambda: spoiled(meta_json=json_npy([1, 2])), "meta_json is not an object"),
    "history not records": (lambda: spoiled(history_json=json_npy([1, 2])), "not a list of epoch records"),
    "history value not a number": (
        lambda: spoiled(history_json=json_npy([{"epoch": 1, "test_accuracy": "high"}])),
        "test_accuracy that is not a number",
    ),
    "JSON stored as text dtype": (lambda: spoiled(meta_json=npy(np.array("{}"))), "meta_json is not UTF-8 text"),
    "bad config value": (
        lambda: spoiled(config_json=json_npy(TrainConfig.fast(hidden=HIDDEN).to_dict() | {"lr": -1})),
        r"training settings are invalid \(lr must be",
    ),
    "unknown config field": (
        lambda: spoiled(config_json=json_npy({"hidden": HIDDEN, "biases": True, "exec": "rm -rf /"})),
        "unknown config fields: exec",
    ),
    "config of wrong type": (
        lambda: spoiled(config_json=json_npy({"hidden": "eight"})),
        "training settings are invalid",
    ),
    "config not matching the weights": (
        lambda: spoiled(config_json=json_npy(TrainConfig.fast(hidden=HIDDEN + 1).to_dict())),
        "settings do not match its weights",
    ),
    "format_version 2": (lambda: spoiled(format_version=npy(np.array(2))), "format version 2, but"),
    "format_version 2 with other weights": (
        lambda: spoiled(format_version=npy(np.array(2)), W_h=npy(np.zeros((28, 28, 8), np.float16))),
        "format version 2, but this version of Backprop Lab reads version 1",
    ),
    "format_version not an integer": (
        lambda: spoiled(format_version=npy(np.array(1.0))),
        "format_version is not a single integer",
    ),
    "format_version an array": (
        lambda: spoiled(format_version=npy(np.array([1, 1]))),
        "format_version is not a single integer",
    ),
    "too many members claimed": (
        lambda: zip_bytes(good_members())[:-22] + struct.pack("<4s4H2LH", b"PK\x05\x06", 0, 0, 60000, 60000, 10, 0, 0),
        "holds 60000 members",
    ),
}


# The kind of problem a page explains in its own language (ModelFileError.code)
CODES = {
    "random bytes": "not_model",
    "empty file": "not_model",
    "zip of text": "not_model",
    "truncated zip": "damaged",
    "cut inside the zip directory": "damaged",
    "pickled object array": "unsafe",
    "structured weights": "unsafe",
    "missing W_o": "incomplete",
    "one bias only": "incomplete",
    "W_h wrong inputs": "wrong_shape",
    "inconsistent hidden": "wrong_shape",
    "mixed dtypes": "wrong_shape",
    "integer weights": "bad_numbers",
    "NaN weights": "bad_numbers",
    "npy data cut short": "damaged",
    "huge declared weights in a tiny member": "damaged",
    "bad JSON": "bad_settings",
    "config not matching the weights": "bad_settings",
    "format_version 2": "newer_version",
    "too many members claimed": "too_large",
}


@pytest.mark.parametrize("case", list(BAD_FILES))
def test_bad_file_is_refused_with_a_clear_message(tmp_path: Path, case: str) -> None:
    make, match = BAD_FILES[case]
    error = assert_refused(tmp_path, make(), match)
    if case in CODES:
        assert error.code == CODES[case]


def test_duplicate_member_is_refused(tmp_path: Path) -> None:
    buf = io.BytesIO()
    with pytest.warns(UserWarning), zipfile.ZipFile(buf, "w") as zf:
        for name, data in good_members().items():
            zf.writestr(name + ".npy", data)
        zf.writestr("W_h.npy", npy(np.zeros((784, HIDDEN), np.float32)))
    assert_refused(tmp_path, buf.getvalue(), "holds W_h twice")


def test_corrupted_member_data_is_refused(tmp_path: Path) -> None:
    data = bytearray(zip_bytes(good_members()))
    at = data.index(b"W_h.npy") + 7 + 200  # inside W_h's float data
    data[at : at + 8] = b"\x7f" * 8
    assert_refused(tmp_path, bytes(data), "W_h is damaged")


def test_zip_bomb_is_refused_without_being_unpacked(tmp_path: Path, zip_bomb: bytes, monkeypatch) -> None:
    assert len(zip_bomb) < 2 * 2**20
    with zipfile.ZipFile(io.BytesIO(zip_bomb)) as zf:  # a real archive: 1 GiB declared
        assert zf.getinfo("W_h.npy").file_size == 2**30
    opened = []
    real_open = zipfile.ZipFile.open
    monkeypatch.setattr(zipfile.ZipFile, "open", lambda self, *a, **k: opened.append(a) or real_open(self, *a, **k))
    assert_refused(tmp_path, zip_bomb, "would unpack to more than 64 MB")
    assert opened == []  # refused from the zip's directory alone


def test_highly_compressed_member_is_refused(tmp_path: Path) -> None:
    members = good_members("float64")
    members["W_h"] = npy(np.zeros((784, 2048), np.float64))  # 12.8 MB of zeros deflate to ~12 KB
    members["W_o"] = npy(np.zeros((2048, 10), np.float64))
    for name in ("b_h", "b_o", "config_json"):
        members.pop(name)
    assert_refused(tmp_path, zip_bytes(members, zipfile.ZIP_DEFLATED), "W_h unpacks to .* times its packed size")


def test_oversized_file_is_refused_before_reading(tmp_path: Path) -> None:
    path = tmp_path / "big.npz"
    with open(path, "wb") as f:
        f.truncate(model_io.MAX_FILE_BYTES + 1)  # sparse: nothing is written
    with pytest.raises(ModelFileError, match="more than the 64 MB"):
        load_model(path)
    with pytest.raises(ModelFileError, match="more than the 64 MB"):
        load_model(bytes(model_io.MAX_FILE_BYTES + 1))


def test_missing_path_and_text_stream_raise_model_file_error(tmp_path: Path) -> None:
    with pytest.raises(ModelFileError, match="There is no model file"):
        load_model(tmp_path / "nope.npz")
    with pytest.raises(ModelFileError, match="not as binary"):
        load_model(io.StringIO("W_h"))
    with pytest.raises(ModelFileError):
        load_model(tmp_path)  # a folder


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.data())
def test_any_corruption_gives_a_model_or_model_file_error(data) -> None:
    good = zip_bytes(good_members(), data.draw(st.sampled_from([zipfile.ZIP_STORED, zipfile.ZIP_DEFLATED])))
    raw = bytearray(good)
    for _ in range(data.draw(st.integers(1, 6))):
        at = data.draw(st.integers(0, len(raw) - 1))
        raw[at] = data.draw(st.integers(0, 255))
    cut = data.draw(st.integers(len(raw) // 2, len(raw)))
    try:
        saved = load_model(bytes(raw[:cut]))
    except ModelFileError:
        return
    assert saved.model.W_h.shape == (784, HIDDEN)


# --- cut-short files, the caller's width limit, impossible histories, safe saving ------


@settings(max_examples=60, deadline=None)
@given(compression=st.sampled_from([zipfile.ZIP_STORED, zipfile.ZIP_DEFLATED]), data=st.data())
def test_a_model_file_cut_short_anywhere_is_called_damaged(compression, data) -> None:
    good = zip_bytes(good_members(), compression)
    cut = data.draw(st.integers(1, len(good) - 1))
    with pytest.raises(ModelFileError) as refused:
        load_model(good[:cut])
    assert refused.value.code == "damaged", refused.value.detail
    assert "cut short" in refused.value.detail


def test_random_bytes_are_still_not_a_model_not_a_damaged_one() -> None:
    for junk in (b"x", b"PKZIP", np.random.default_rng(1).bytes(3000), b"%PDF-1.7\n" * 100):
        with pytest.raises(ModelFileError) as refused:
            load_model(junk)
        assert refused.value.code == "not_model", junk[:8]


def test_max_hidden_refuses_a_wider_network_before_reading_its_weights(monkeypatch) -> None:
    data = model_to_bytes(small_model(hidden=32))
    assert load_model(data).model.hidden == 32 == load_model(data, max_hidden=32).model.hidden
    with pytest.raises(ModelFileError, match="32 hidden units, more than the 16 taken here") as refused:
        load_model(data, max_hidden=16)
    assert refused.value.code == "too_wide"
    # A header that declares 2048 units over a few bytes: refused for its width, its weights never read.
    real_read, read = model_io._read_data, []

    def read_data(zf, info, *header):
        read.append(info.filename)
        return real_read(zf, info, *header)

    monkeypatch.setattr(model_io, "_read_data", read_data)
    wide = spoiled(W_h=header_only((784, 2048), "<f4"), W_o=header_only((2048, 10), "<f4"), b_h=None, b_o=None)
    with pytest.raises(ModelFileError) as refused:
        load_model(wide, max_hidden=1024)
    assert refused.value.code == "too_wide" and read == ["format_version.npy"]


def test_max_hidden_never_widens_what_the_config_allows() -> None:
    wide = spoiled(W_h=header_only((784, 5000), "<f4"), W_o=header_only((5000, 10), "<f4"), b_h=None, b_o=None)
    with pytest.raises(ModelFileError, match="H from 1 to 4096"):
        load_model(wide, max_hidden=10**6)


IMPOSSIBLE = {
    "NaN test accuracy": ({"test_accuracy": float("nan")}, "test_accuracy of nan, not a finite number"),
    "negative accuracy": ({"test_accuracy": -5}, "test_accuracy of -5, below 0"),
    "accuracy above 1": ({"train_accuracy": 1.5}, "train_accuracy of 1.5, above 1"),
    "infinite loss": ({"train_loss": float("inf")}, "train_loss of inf, not a finite number"),
    "negative loss": ({"test_loss": -0.1}, "test_loss of -0.1, below 0"),
    "negative time": ({"train_seconds": -3}, "train_seconds of -3, below 0"),
    "epoch 0": ({"epoch": 0}, "epoch of 0, below 1"),
    "huge integer": ({"train_loss": 10**400}, None),  # finite (an int), and allowed: a loss has no top
}


@pytest.mark.parametrize("case", list(IMPOSSIBLE))
def test_a_history_with_impossible_figures_is_left_out_with_a_note(case) -> None:
    change, finding = IMPOSSIBLE[case]
    records = history(3)
    records[1] = records[1] | change
    saved = load_model(spoiled(history_json=json_npy(records)))
    assert saved.model.hidden == HIDDEN and saved.config is not None  # the weights and settings are kept
    if finding is None:
        assert saved.history == records and saved.history_dropped == ""
        return
    assert saved.history == [] and saved.test_accuracy is None  # nothing left to show as "nan%"
    assert saved.history_dropped == f"epoch 2 of its history has a {finding}"


def test_a_sound_history_is_kept_without_a_note() -> None:
    saved = load_model(spoiled())
    assert saved.history == history() and saved.history_dropped == ""


@pytest.mark.skipif(not hasattr(os, "mkfifo"), reason="no named pipes here")
def test_saving_to_a_named_pipe_is_refused_and_the_pipe_kept(tmp_path: Path) -> None:
    fifo = tmp_path / "pipe.npz"
    os.mkfifo(fifo)
    with pytest.raises(OSError, match=r"is a named pipe \(FIFO\), not a regular file"):
        save_model(fifo, small_model())
    assert stat.S_ISFIFO(os.stat(fifo).st_mode) and sorted(tmp_path.iterdir()) == [fifo]


def test_fingerprint_tells_models_apart():
    model = small_model()
    assert fingerprint(model) == fingerprint(model.copy())  # the same weights: the same model
    retrained = model.copy()
    retrained.W_h[3, 1] += 1e-6  # any weight changed, even in the first layer
    assert fingerprint(retrained) != fingerprint(model)
    biased = model.copy()
    biased.b_o[0] += 1.0
    assert fingerprint(biased) != fingerprint(model)
    assert fingerprint(model.astype(np.float64)) != fingerprint(model)
    assert fingerprint(small_model(biases=False)) != fingerprint(model)
