"""The command line: help, a tiny training run, evaluation, and clean errors."""

from __future__ import annotations

import json
import re
import subprocess
import sys
from pathlib import Path

import pytest

from mlp_core import load_model
from mlp_core.__main__ import main

ROOT = Path(__file__).resolve().parents[1]
RECORD_KEYS = {"epoch", "train_loss", "train_accuracy", "test_loss", "test_accuracy", "train_seconds"}


def test_help_lists_every_option_and_preset() -> None:
    result = subprocess.run(
        [sys.executable, "-m", "mlp_core", "train", "--help"], cwd=ROOT, capture_output=True, text=True, timeout=60
    )
    assert result.returncode == 0, result.stderr
    for option in ("--preset", "--epochs", "--hidden", "--lr", "--batch-size", "--optimizer", "--seed",
                   "--train-size", "--data", "--out", "--json"):  # fmt: skip
        assert option in result.stdout, option
    for name in ("original", "fast", "robust", "sgd", "momentum", "adam"):
        assert name in result.stdout, name


def test_top_level_help_lists_commands(capsys) -> None:
    with pytest.raises(SystemExit) as exit_info:
        main(["--help"])
    assert exit_info.value.code == 0
    out = capsys.readouterr().out
    assert "train" in out and "evaluate" in out


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


def test_evaluate_refuses_a_bad_model_file(tmp_path: Path, capsys) -> None:
    bad = tmp_path / "bad.npz"
    bad.write_bytes(b"not a model")
    assert main(["evaluate", str(bad)]) == 1
    assert "This file is not a Backprop Lab model" in capsys.readouterr().err
