"""The command line: help, a tiny training run, evaluation, and clean errors."""

from __future__ import annotations

import contextlib
import errno
import io
import json
import os
import re
import socket
import stat
import subprocess
import sys
import tempfile
import unicodedata
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from mlp_core import MLP, EpochRecord, load_model, model_to_bytes, save_model
from mlp_core import __main__ as cli
from mlp_core.__main__ import main

ROOT = Path(__file__).resolve().parents[1]
RECORD_KEYS = {"epoch", "train_loss", "train_accuracy", "test_loss", "test_accuracy", "train_seconds"}


def test_help_lists_every_option_and_preset() -> None:
    result = subprocess.run(
        [sys.executable, "-m", "mlp_core", "train", "--help"], cwd=ROOT, capture_output=True, text=True, timeout=60
    )
    assert result.returncode == 0, result.stderr
    for option in ("--preset", "--epochs", "--hidden", "--lr", "--batch-size", "--optimizer", "--seed",
                   "--train-size", "--data", "--out", "--json", "--l2", "--augment-style", "--extra-digits",
                   "--calibrate"):  # fmt: skip
        assert option in result.stdout, option
    for name in ("original", "fast", "robust", "sgd", "momentum", "adam"):
        assert name in result.stdout, name


def test_top_level_help_lists_commands(capsys) -> None:
    with pytest.raises(SystemExit) as exit_info:
        main(["--help"])
    assert exit_info.value.code == 0
    out = capsys.readouterr().out
    assert "train" in out and "evaluate" in out and "export-notebook" in out


def test_tiny_json_run_writes_a_loadable_model(tmp_path: Path, capsys) -> None:
    out_path = tmp_path / "tiny.npz"
    argv = ["train", "--preset", "fast", "--epochs", "1", "--train-size", "2000", "--json", "--out", str(out_path)]
    assert main(argv) == 0
    lines = capsys.readouterr().out.strip().splitlines()
    assert len(lines) == 1
    records = [json.loads(line) for line in lines]
    assert records[0].keys() >= RECORD_KEYS
    assert records[0]["epoch"] == 1
    assert 0.5 < records[0]["test_accuracy"] <= 1 and records[0]["train_seconds"] > 0

    saved = load_model(out_path)
    assert saved.config.epochs == 1 and saved.config.train_size == 2000 and saved.config.hidden == 128
    assert saved.history == records
    assert saved.meta["command"].startswith("python -m mlp_core train --preset fast")
    assert {"name", "created"} <= saved.meta.keys()

    assert main(["evaluate", str(out_path)]) == 0
    printed = capsys.readouterr().out
    assert f"Accuracy on test dataset: {records[0]['test_accuracy']:.4f}" in printed


def test_calibrate_fits_a_temperature_on_the_images_left_out(tmp_path: Path, capsys) -> None:
    out_path = tmp_path / "calibrated.npz"
    argv = ["train", "--preset", "fast", "--epochs", "1", "--train-size", "2000", "--calibrate", "--json"]
    assert main([*argv, "--out", str(out_path)]) == 0
    captured = capsys.readouterr()
    assert len(captured.out.strip().splitlines()) == 1  # --json output stays one object per epoch
    assert "held-out digits" in captured.err and "ECE" in captured.err
    saved = load_model(out_path)
    figures = saved.meta["calibration"]
    assert figures["held_out_digits"] == 58_000
    assert saved.temperature == pytest.approx(figures["temperature"], rel=1e-5) and saved.temperature != 1
    assert figures["nll_after"] <= figures["nll_before"]


@pytest.mark.parametrize("size", [None, "60000"])
def test_calibrate_needs_images_left_out(size: str | None, capsys) -> None:
    argv = ["train", "--preset", "fast", "--epochs", "1", "--calibrate"] + (["--train-size", size] if size else [])
    with pytest.raises(SystemExit) as exit_info:
        main(argv)
    assert exit_info.value.code == 2
    assert "--calibrate" in capsys.readouterr().err


def test_text_output_uses_the_notebook_format(capsys) -> None:
    assert main(["train", "--preset", "original", "--epochs", "1", "--train-size", "1000"]) == 0
    out = capsys.readouterr().out.splitlines()
    assert re.fullmatch(r"Epoch 1/1;\t Train accuracy: \d\.\d{3} \t Loss : \d\.\d{3}", out[0])
    assert re.fullmatch(r"Accuracy on test dataset: \d\.\d{4}", out[-1])


def test_divergence_is_reported_and_nothing_saved(tmp_path: Path, capsys) -> None:
    out_path = tmp_path / "diverged.npz"
    argv = ["train", "--preset", "original", "--lr", "1000", "--epochs", "1", "--train-size", "512"]
    assert main([*argv, "--out", str(out_path)]) == 1
    err = capsys.readouterr().err
    assert "Training diverged" in err and "learning rate" in err
    assert not out_path.exists()


@pytest.mark.parametrize(
    ("argv", "message"),
    [
        (["train", "--preset", "fast", "--epochs", "0"], "epochs must be an integer from 1 to 1000, got 0"),
        (["train", "--preset", "fast", "--hidden", "5000"], "hidden must be an integer from 1 to 4096"),
        (["train", "--preset", "fast", "--lr", "-1"], "lr must be a number in"),
        (["train", "--preset", "fast", "--lr", "fast"], "invalid float value"),
        (["train", "--preset", "fast", "--optimizer", "rmsprop"], "invalid choice"),
        (["train", "--preset", "nonsense"], "invalid choice"),
        (["train"], "the following arguments are required: --preset"),
        (["train", "--preset", "fast", "--data", "/nonexistent/mnist.npz"], "no dataset at"),
        (["fly"], "invalid choice"),
    ],
)
def test_bad_arguments_exit_2_with_a_clean_message(argv: list[str], message: str, capsys) -> None:
    with pytest.raises(SystemExit) as exit_info:
        main(argv)
    assert exit_info.value.code == 2
    err = capsys.readouterr().err
    assert message in err
    assert "Traceback" not in err


def test_evaluate_refuses_a_bad_model_file_with_advice_for_a_terminal(tmp_path: Path, capsys) -> None:
    bad = tmp_path / "bad.npz"
    bad.write_bytes(b"not a model")
    assert main(["evaluate", str(bad)]) == 1
    err = capsys.readouterr().err
    assert err == (
        f"python -m mlp_core evaluate: error: {bad} is not a Backprop Lab model file (it is not a zip archive). "
        "Save one with 'python -m mlp_core train --preset fast --out MODEL.npz', or download one from the app.\n"
    )
    assert "upload" not in err.lower()


def test_evaluate_calls_a_file_cut_short_damaged(tmp_path: Path, capsys) -> None:
    cut = tmp_path / "cut.npz"
    cut.write_bytes(model_to_bytes(MLP.create(8, seed=0))[:3000])
    assert main(["evaluate", str(cut)]) == 1
    err = capsys.readouterr().err
    assert f"{cut} is a damaged model file (it ends before its zip directory, so the file was cut short)" in err
    assert err.count("\n") == 1 and "upload" not in err.lower()


# --- output paths: checked before any training, never anything but a regular file replaced ----------


def special_file(tmp_path: Path, kind: str) -> Path:
    """A path of ``kind`` in tmp_path for --out; skips where the system cannot make one."""
    path = tmp_path / "x" / "model.npz"
    path.parent.mkdir()
    if kind == "fifo":
        os.mkfifo(path)
    elif kind == "device":
        try:
            os.mknod(path, 0o666 | stat.S_IFCHR, os.makedev(1, 7))  # a copy of /dev/full's node
        except OSError as exc:
            pytest.skip(f"cannot create a device node here: {exc}")
    elif kind == "socket":
        sock = socket.socket(socket.AF_UNIX)
        sock.bind(str(path))
        sock.close()
    elif kind == "directory":
        path.mkdir()
        (path / "keep.txt").write_text("mine")
    elif kind == "missing folder":
        path = tmp_path / "no" / "such" / "folder" / "model.npz"
    elif kind == "under a file":
        (tmp_path / "x" / "file").write_text("a file")
        path = tmp_path / "x" / "file" / "model.npz"
    elif kind == "/proc":
        if not Path("/proc/self").is_dir():
            pytest.skip("no /proc here")
        path = Path("/proc/model.npz")  # a folder that takes no new files, whoever asks
    return path


def tree(root: Path) -> dict:
    return {str(p): (os.lstat(p).st_mode, os.lstat(p).st_ino, os.lstat(p).st_rdev) for p in sorted(root.rglob("*"))}


OUT_KINDS = ["fifo", "device", "socket", "directory", "missing folder", "under a file", "/proc"]
OUT_REASONS = {
    "fifo": "is a named pipe (FIFO), not a regular file, so it is not replaced",
    "device": "is a character device, not a regular file, so it is not replaced",
    "socket": "is a socket, not a regular file, so it is not replaced",
    "directory": "is a folder; give a file name, such as ",
    "missing folder": "does not exist",
    "under a file": "a part of this path is a file, not a folder",
    "/proc": "no file can be created in /proc",
}


@pytest.mark.parametrize("kind", OUT_KINDS)
def test_a_bad_out_path_is_refused_before_training_and_left_as_it_was(tmp_path: Path, kind: str, capsys,
                                                                       monkeypatch) -> None:  # fmt: skip
    path = special_file(tmp_path, kind)
    before = tree(tmp_path)
    monkeypatch.setattr(cli, "Trainer", lambda *a, **k: pytest.fail("training started"))
    monkeypatch.setattr(cli, "load_mnist", lambda *a, **k: pytest.fail("the dataset was loaded"))
    assert main(["train", "--preset", "fast", "--epochs", "1", "--out", str(path)]) == 2
    out, err = capsys.readouterr()
    assert out == "" and err.count("\n") == 1 and "Traceback" not in err
    assert err.startswith(f"python -m mlp_core train: error: --out {path}: ") and OUT_REASONS[kind] in err
    assert tree(tmp_path) == before  # nothing replaced, nothing left behind


@pytest.mark.parametrize("kind", ["fifo", "device", "directory", "missing folder", "/proc"])
def test_the_command_refuses_a_bad_out_path_in_one_line(tmp_path: Path, kind: str) -> None:
    """As the issue checks it: the real command, a special file, one line, X unchanged, no epoch printed."""
    path = special_file(tmp_path, kind)
    before = tree(tmp_path)
    result = subprocess.run(
        [sys.executable, "-m", "mlp_core", "train", "--preset", "fast", "--epochs", "1", "--out", str(path)],
        cwd=ROOT, capture_output=True, text=True, timeout=300,
    )  # fmt: skip
    assert result.returncode != 0 and result.stdout == ""  # no epoch line: refused before training
    assert result.stderr.count("\n") == 1 and "Traceback" not in result.stderr, result.stderr
    assert tree(tmp_path) == before


def test_out_replaces_a_regular_file_and_a_failed_write_keeps_it(tmp_path: Path, capsys, monkeypatch) -> None:
    target = tmp_path / "model.npz"
    target.write_bytes(b"an older model")
    target.chmod(0o600)
    argv = ["train", "--preset", "fast", "--epochs", "1", "--train-size", "1000", "--json", "--out", str(target)]
    assert main(argv) == 0
    assert load_model(target).config.train_size == 1000 and stat.S_IMODE(target.stat().st_mode) == 0o600
    assert sorted(tmp_path.iterdir()) == [target]
    saved = target.read_bytes()
    capsys.readouterr()

    def disk_full(fd):
        raise OSError(errno.ENOSPC, "No space left on device")

    monkeypatch.setattr(os, "fsync", disk_full)  # the disk fills up while the model is written
    assert main(argv) == 1
    out, err = capsys.readouterr()
    assert len(out.splitlines()) == 1  # the epoch was printed: training ran
    assert err == f"python -m mlp_core train: error: --out {target}: No space left on device; nothing was saved\n"
    assert target.read_bytes() == saved and sorted(tmp_path.iterdir()) == [target]


def test_an_os_error_anywhere_is_one_line_and_a_non_zero_status(capsys, monkeypatch) -> None:
    def unreadable(path=None):
        raise PermissionError(errno.EACCES, "Permission denied", "/srv/mnist.npz")

    monkeypatch.setattr(cli, "load_mnist", unreadable)
    assert main(["train", "--preset", "fast", "--epochs", "1"]) == 1
    assert capsys.readouterr().err == "python -m mlp_core train: error: /srv/mnist.npz: Permission denied\n"


def test_a_reader_that_goes_away_ends_the_command_quietly() -> None:
    proc = subprocess.Popen(
        [sys.executable, "-m", "mlp_core", "train", "--preset", "fast", "--epochs", "3", "--train-size", "1000",
         "--json"],
        cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
    )  # fmt: skip
    first = proc.stdout.readline()
    proc.stdout.close()  # like `| head -1`
    err = proc.stderr.read().decode()
    assert proc.wait(timeout=300) == 1
    assert json.loads(first)["epoch"] == 1 and err == ""


# --- text from a model file is printed with its control characters escaped ----------------------


def test_evaluate_escapes_a_hostile_name_and_command(tmp_path: Path) -> None:
    name = "evil\x1b[2J\x1b[H\rAccuracy on test dataset: 0.9999\u202e\x07"
    command = "python -m mlp_core train\x1b]0;pwned\x07\nAccuracy on test dataset: 1.0000"
    path = tmp_path / "evil.npz"
    save_model(path, MLP.create(8, seed=0), meta={"name": name, "command": command})
    result = subprocess.run(
        [sys.executable, "-m", "mlp_core", "evaluate", str(path)], cwd=ROOT, capture_output=True, text=True, timeout=300
    )
    assert result.returncode == 0, result.stderr
    lines = result.stdout.splitlines()
    assert lines[0] == (
        "Model: evil\\x1b[2J\\x1b[H\\rAccuracy on test dataset: 0.9999\\u202e\\x07 (784-8-10, no biases, float64)"
    )
    assert lines[1] == "Trained with: python -m mlp_core train\\x1b]0;pwned\\x07\\nAccuracy on test dataset: 1.0000"
    assert [line for line in lines if line.startswith("Accuracy")] == [lines[-1]]  # no fake accuracy line
    assert not [ch for ch in result.stdout if unicodedata.category(ch) in ("Cc", "Cf") and ch != "\n"]


def test_printable_escapes_controls_keeps_letters_and_shortens(capsys) -> None:
    assert cli.printable("Сеть №1 ✓ 学习") == "Сеть №1 ✓ 学习"
    assert cli.printable("a\x00b\x9bc\u2028d\ud800") == "a\\x00b\\x9bc\\u2028d\\ud800"
    assert cli.printable({"name": 1}) == '{"name": 1}'  # a name that is not text
    assert cli.printable("x" * 500) == "x" * 197 + "..."


def test_evaluate_notes_a_history_it_left_out(tmp_path: Path, capsys) -> None:
    path = tmp_path / "odd.npz"
    record = dict(epoch=1, train_loss=0.3, train_accuracy=0.9, test_loss=0.3, test_accuracy=float("nan"),
                  train_seconds=1.0, lr=0.1)  # fmt: skip
    save_model(path, MLP.create(8, seed=0), history=[record])
    assert main(["evaluate", str(path)]) == 0
    out, err = capsys.readouterr()
    assert "nan" not in out.lower()
    assert err == (
        "Note: the file's training history was left out: "
        "epoch 1 of its history has a test_accuracy of nan, not a finite number.\n"
    )


# --- the command's --out handling, for any kind of path -------------------------------------------


class QuickTrainer:
    """Stands in for Trainer: one epoch of made-up figures, at once (only the paths matter here)."""

    def __init__(self, config, data) -> None:
        self.config, self.n_train, self.status, self.stop_reason = config, 100, "finished", ""
        self.model = MLP.create(config.hidden, seed=0, biases=config.biases, dtype=config.dtype)
        self.history = [EpochRecord(1, 0.5, 0.9, 0.5, 0.9, 0.1, 0.1)]

    def epochs(self):
        yield from self.history


def make_out(folder: Path, name: str, kind: str) -> None:
    path = folder / name
    if kind == "regular":
        path.write_bytes(b"old")
    elif kind == "folder":
        path.mkdir()
    elif kind == "fifo":
        os.mkfifo(path)
    elif kind == "link to regular":
        (folder / "real.npz").write_bytes(b"old")
        path.symlink_to(folder / "real.npz")
    elif kind == "link to fifo":
        os.mkfifo(folder / "pipe")
        path.symlink_to(folder / "pipe")


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(
    kind=st.sampled_from(["absent", "regular", "folder", "fifo", "link to regular", "link to fifo"]),
    folder_exists=st.booleans(),
    name=st.text(alphabet="abc.-_ \u00e9\u044f\x1b\n", min_size=1, max_size=12).filter(lambda n: n not in (".", "..")),
)
def test_out_writes_a_model_exactly_when_the_path_may_be_replaced(kind, folder_exists, name, monkeypatch) -> None:
    monkeypatch.setattr(cli, "Trainer", QuickTrainer)
    monkeypatch.setattr(cli, "load_mnist", lambda path=None: None)
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp) / "out"
        if folder_exists:
            folder.mkdir()
            make_out(folder, name, kind)
        path = folder / name
        before = tree(Path(tmp))
        err = io.StringIO()
        with contextlib.redirect_stderr(err), contextlib.redirect_stdout(io.StringIO()):
            status = main(["train", "--preset", "fast", "--json", "--out", str(path)])
        writable = folder_exists and kind in ("absent", "regular", "link to regular")
        if writable:
            assert status == 0, err.getvalue()
            assert load_model(path).model.hidden == 128  # through the link, when it is one
            assert path.is_symlink() == (kind == "link to regular")
            assert sorted(p.name for p in folder.iterdir()) == sorted(
                {name} | ({"real.npz"} if path.is_symlink() else set())
            )
        else:
            assert status == 2
            lines = err.getvalue().splitlines()
            assert len(lines) == 1 and lines[0].startswith("python -m mlp_core train: error: --out ")
            assert tree(Path(tmp)) == before


# --- export-notebook ---------------------------------------------------------------


def test_export_notebook_writes_a_notebook_that_prints_the_train_commands_table(tmp_path: Path, capsys) -> None:
    import nbformat

    from mlp_core.data import DEFAULT_PATH
    from mlp_core.export import run_code

    out_path = tmp_path / "run.ipynb"
    options = ["--preset", "original", "--epochs", "2", "--train-size", "2000"]
    assert main(["export-notebook", *options, "--out", str(out_path)]) == 0
    assert "Wrote the notebook" in capsys.readouterr().err
    nb = nbformat.read(out_path, as_version=4)
    nbformat.validate(nb)
    assert f"MNIST_PATH = Path({json.dumps(str(DEFAULT_PATH))})" in nb.cells[3].source  # the bundled file
    _, printed = run_code(nb)
    assert main(["train", *options]) == 0
    trained = capsys.readouterr().out.strip().splitlines()
    assert [line for line in printed.splitlines() if line.startswith(("Epoch", "Accuracy"))] == trained


def test_export_notebook_from_a_model_file_uses_its_settings(tmp_path: Path, capsys) -> None:
    import nbformat

    from mlp_core import TrainConfig
    from mlp_core.export import notebook_bytes

    config = TrainConfig.fast(train_size=500, epochs=1, hidden=16)
    model_path = tmp_path / "m.npz"
    save_model(model_path, MLP.create(16, init="he", seed=0, dtype="float32"), config=config)
    out_path = tmp_path / "m.ipynb"
    argv = ["export-notebook", "--model", str(model_path), "--lang", "ru", "--mnist-path", "data/mnist.npz"]
    assert main([*argv, "--out", str(out_path)]) == 0
    assert out_path.read_bytes() == notebook_bytes(config, "ru", mnist_path="data/mnist.npz")
    assert "Настройки" in nbformat.read(out_path, as_version=4).cells[2].source


def test_export_notebook_says_what_it_cannot_redo(tmp_path: Path, capsys) -> None:
    assert main(["export-notebook", "--preset", "robust", "--extra-digits", "--out", str(tmp_path / "r.ipynb")]) == 0
    assert "cannot redo augment, extra digits" in capsys.readouterr().err


def test_export_notebook_refuses_bad_settings_and_outputs(tmp_path: Path, capsys) -> None:
    with pytest.raises(SystemExit) as exit_info:
        main(["export-notebook", "--preset", "fast", "--hidden", "0", "--out", str(tmp_path / "x.ipynb")])
    assert exit_info.value.code == 2
    assert "hidden must be" in capsys.readouterr().err
    with pytest.raises(SystemExit):  # a preset or a model file, not both
        main(["export-notebook", "--preset", "fast", "--model", "m.npz", "--out", str(tmp_path / "x.ipynb")])
    capsys.readouterr()
    assert main(["export-notebook", "--preset", "fast", "--out", str(tmp_path)]) == 2
    assert "is a folder" in capsys.readouterr().err
    assert main(["export-notebook", "--model", str(tmp_path / "none.npz"), "--out", str(tmp_path / "x.ipynb")]) == 1
    assert "none.npz" in capsys.readouterr().err
    assert sorted(p.name for p in tmp_path.iterdir()) == []  # nothing written, no temporary file left
