"""Command line: train a network on MNIST, evaluate a saved model, or export a run as a notebook.

Examples::

    python -m mlp_core train --preset original
    python -m mlp_core train --preset fast --json --out model.npz
    python -m mlp_core train --preset robust --train-size 55000 --calibrate --out model.npz
    python -m mlp_core evaluate model.npz
    python -m mlp_core export-notebook --preset original --lang ru --out original.ipynb
"""

from __future__ import annotations

import argparse
import json
import os
import shlex
import sys
import time
import unicodedata
from datetime import UTC, datetime

from .config import AUGMENT_STYLES, LIMITS, OPTIMIZERS, PRESETS, TrainConfig, preset
from .data import DEFAULT_PATH as DEFAULT_DATA
from .data import DatasetError, load_mnist
from .export import LANGUAGES as EXPORT_LANGUAGES
from .export import not_reproduced, notebook_bytes
from .io import ModelFileError, load_model, model_to_bytes
from .metrics import evaluate
from .notebook import NOTEBOOK_LINE
from .outfile import AtomicOutput, OutputPathError
from .train import DIVERGED, Trainer

PRESET_HELP = {
    "original": "the seed notebook exactly: 784-128-10, no biases, float64, SGD lr 0.5,\n"
    "batch 256, 50 epochs, no shuffle; prints its epoch table digit for digit",
    "fast": "the notebook's network and test accuracy in a fraction of its time: Nesterov\n"
    "momentum lr 0.4, warm-up and cosine decay, He init, shuffling, float32, batch 256, 6 epochs",
    "robust": "784-256-10 with biases, 20 epochs of Nesterov momentum on augmented digits\n"
    "(shifts, rotations, scale, stroke), so it reads hand-drawn digits well",
}

# What evaluate says about a file the loader refused, by ModelFileError.code (the
# loader's own sentences end with advice for the app's upload box).
FILE_PROBLEMS = {
    "not_model": "is not a Backprop Lab model file",
    "damaged": "is a damaged model file",  # the detail says how (cut short, a bad checksum, ...)
    "too_large": "is too large for a model file",
    "unsafe": "holds Python objects, which are never loaded",
    "incomplete": "lacks some of the network's weights",
    "wrong_shape": "holds weights that do not fit a 784-H-10 network",
    "bad_numbers": "holds weights that are not finite numbers",
    "bad_settings": "holds invalid training settings or history",
}
MODEL_HINT = "Save one with 'python -m mlp_core train --preset fast --out MODEL.npz', or download one from the app."
# Characters printed as escapes: control and format characters (a terminal obeys ESC
# sequences and bidirectional overrides), surrogates, line and paragraph separators.
ESCAPED_CATEGORIES = ("Cc", "Cf", "Cs", "Zl", "Zp")
MAX_SHOWN = 200  # characters of a model's name or command printed at most

# option name -> TrainConfig field
OVERRIDES = {
    "epochs": "epochs",
    "hidden": "hidden",
    "lr": "lr",
    "batch_size": "batch_size",
    "optimizer": "optimizer",
    "seed": "seed",
    "train_size": "train_size",
    "l2": "l2",
    "augment_style": "augment_style",
    "extra_digits": "extra_digits",
}


# --data, for both sub-commands
DATA_OPTION = {"metavar": "PATH", "help": "MNIST .npz or folder of IDX files (default: the bundled MNIST)"}


def add_setting_options(parser: argparse.ArgumentParser) -> None:
    """The options that change a preset's settings (OVERRIDES), for train and export-notebook."""
    parser.add_argument("--epochs", type=int, metavar="N", help="passes over the training set")
    hidden = LIMITS["hidden"]
    parser.add_argument(
        "--hidden", type=int, metavar="N", help=f"hidden units H ({int(hidden.low)} to {int(hidden.high)})"
    )
    parser.add_argument("--lr", type=float, metavar="X", help="learning rate (peak rate with a schedule)")
    parser.add_argument("--batch-size", type=int, metavar="N", help="examples per step")
    parser.add_argument("--optimizer", choices=OPTIMIZERS, help="update rule")
    parser.add_argument("--seed", type=int, metavar="N", help="seeds the weights and the shuffling")
    parser.add_argument("--train-size", type=int, metavar="N", help="train on the first N images only (0 = all)")
    parser.add_argument("--l2", type=float, metavar="X", help="weight decay")
    parser.add_argument(
        "--augment-style",
        choices=AUGMENT_STYLES,
        help="with augmentation: 'standard' (shifts, rotations, scale, stroke) or 'handwriting' "
        "(wider ranges and elastic distortions)",
    )
    parser.add_argument(
        "--extra-digits",
        action="store_const",
        const=True,
        help="also train on the bundled non-MNIST digits (fonts, pen strokes, blocky scans)",
    )


def build_parser() -> argparse.ArgumentParser:
    presets = "\n".join(f"  {name:<9} " + PRESET_HELP.get(name, "").replace("\n", "\n" + " " * 12) for name in PRESETS)
    parser = argparse.ArgumentParser(
        prog="python -m mlp_core",
        description="Backprop Lab's network on the command line: train it on MNIST, evaluate a saved model, "
        "or write a run as a Jupyter notebook.",
    )
    sub = parser.add_subparsers(dest="command", required=True, metavar="{train,evaluate,export-notebook}")

    train = sub.add_parser(
        "train",
        help="train a network and optionally save it",
        formatter_class=argparse.RawDescriptionHelpFormatter,
        description="Train the 784-H-10 network on MNIST with a preset, optionally changing some of its settings.",
        epilog=f"presets:\n{presets}\n\n"
        "Output: one line per epoch (the notebook's format), then the test accuracy. With --json, one JSON\n"
        "object per epoch: epoch, train_loss, train_accuracy, test_loss, test_accuracy, train_seconds\n"
        "(cumulative seconds of training, evaluation excluded) and lr. Training that diverges stops with\n"
        "a message and exit status 1.",
    )
    train.add_argument("--preset", required=True, choices=list(PRESETS), help="starting settings (see below)")
    add_setting_options(train)
    train.add_argument(
        "--calibrate",
        action="store_true",
        help="fit the softmax temperature on the training images left out by --train-size (and the extra "
        "digits' calibration part) and store it with the model",
    )
    train.add_argument("--data", **DATA_OPTION)
    train.add_argument(
        "--out",
        metavar="MODEL.npz",
        help="save the trained model, its settings and history here (a new or a regular file; checked before training)",
    )
    train.add_argument("--name", metavar="TEXT", help="the model's name stored in the file (default: from the preset)")
    train.add_argument("--json", action="store_true", help="print one JSON object per epoch instead of text")
    train.set_defaults(run=run_train, parser=train)

    ev = sub.add_parser(
        "evaluate",
        help="print a saved model's accuracy on the test set",
        description="Load a model file and print its loss and accuracy on the test images.",
    )
    ev.add_argument("model", metavar="MODEL.npz", help="a model file saved by the app or by 'train --out'")
    ev.add_argument("--data", **DATA_OPTION)
    ev.set_defaults(run=run_evaluate, parser=ev)

    nb = sub.add_parser(
        "export-notebook",
        help="write a run as a Jupyter notebook that redoes it with NumPy alone",
        formatter_class=argparse.RawDescriptionHelpFormatter,
        description="Write the run of a preset (with any settings changed) or of a model file's settings as a\n"
        "Jupyter notebook: plain NumPy code under the seed notebook's names that trains the same network\n"
        "the same way and prints the seed notebook's table, with text cells that explain each step.",
        epilog=f"presets:\n{presets}\n\n"
        "Augmentation and the extra digits cannot be redone in plain code: the notebook says so in its\n"
        "first cell and trains without them.",
    )
    source = nb.add_mutually_exclusive_group(required=True)
    source.add_argument("--preset", choices=list(PRESETS), help="starting settings (see below)")
    source.add_argument("--model", metavar="MODEL.npz", help="use the settings a model file was trained with")
    add_setting_options(nb)
    nb.add_argument("--lang", choices=EXPORT_LANGUAGES, default="en", help="the language of the text cells (en)")
    nb.add_argument(
        "--mnist-path",
        metavar="PATH",
        help="where the notebook reads MNIST from, downloading it there if it is missing "
        "(default: the bundled mnist.npz)",
    )
    nb.add_argument(
        "--out", metavar="FILE.ipynb", required=True, help="the notebook to write (a new or a regular file)"
    )
    nb.set_defaults(run=run_export_notebook, parser=nb)
    return parser


def main(argv: list[str] | None = None) -> int:
    argv = sys.argv[1:] if argv is None else list(argv)
    parser = build_parser()
    args = parser.parse_args(argv)
    try:
        return args.run(args, args.parser, argv)
    except KeyboardInterrupt:
        print("Interrupted.", file=sys.stderr)
        return 130
    except BrokenPipeError:  # the reader of the output went away (| head): nothing more to say
        return 1
    except OSError as exc:  # a file that could not be read or written: one line, no traceback
        print(f"{args.parser.prog}: error: {os_error_text(exc)}", file=sys.stderr)
        return 1


def run_train(args: argparse.Namespace, parser: argparse.ArgumentParser, argv: list[str]) -> int:
    overrides = {field: getattr(args, opt) for opt, field in OVERRIDES.items() if getattr(args, opt) is not None}
    try:
        config = preset(args.preset, **overrides)
    except ValueError as exc:
        parser.error(str(exc))
    name = args.name or _default_name(args.preset, overrides)
    if args.calibrate and not config.train_size:
        parser.error("--calibrate needs digits left out of training: give --train-size (e.g. 55000 of MNIST's 60000)")
    if args.out is None:
        return _train(args, parser, config, argv, name, None)
    try:
        output = AtomicOutput(args.out)  # checked, and a file reserved beside it, before anything else
    except OSError as exc:
        print(f"{parser.prog}: error: --out {os_error_text(exc)}", file=sys.stderr)
        return 2
    with output:  # whatever stops the run before the model is written removes the reserved file
        return _train(args, parser, config, argv, name, output)


def _train(args, parser, config: TrainConfig, argv: list[str], name: str, output: AtomicOutput | None) -> int:
    """Train, print the epochs, and keep the model (named ``name``) in ``output`` (None: nowhere)."""
    try:
        data = load_mnist(args.data)
    except DatasetError as exc:
        parser.error(f"--data: {exc}")
    if args.calibrate and config.train_size >= len(data.y_train):
        parser.error(f"--calibrate: --train-size {config.train_size} leaves none of the {len(data.y_train)} images out")
    trainer = Trainer(config, data)
    if not args.json:
        print(_describe(args.preset, config, trainer.n_train), file=sys.stderr)
    start = time.perf_counter()
    for rec in trainer.epochs():
        if args.json:
            print(json.dumps(rec.to_dict()), flush=True)
        else:
            line = NOTEBOOK_LINE.format(rec.epoch, config.epochs, rec.train_accuracy, rec.train_loss)
            if args.preset != "original":
                line += f" \t Test accuracy: {rec.test_accuracy:.4f} \t {rec.train_seconds:.1f} s"
            print(line, flush=True)

    if trainer.status == DIVERGED:
        print(trainer.stop_reason, file=sys.stderr)
        if output is not None:
            print(f"Nothing was saved to {printable(args.out)}.", file=sys.stderr)
        return 1

    last = trainer.history[-1]
    calibration = _calibrate(trainer, data) if args.calibrate else None
    if not args.json:
        print(f"Accuracy on test dataset: {last.test_accuracy:.4f}")
        wall = time.perf_counter() - start
        print(f"Trained in {last.train_seconds:.1f} s ({wall:.1f} s with evaluation).", file=sys.stderr)
    if output is not None:
        meta = {
            "name": name,
            "created": datetime.now(UTC).isoformat(timespec="seconds"),
            "source": "command line",
            "command": shlex.join(["python", "-m", "mlp_core", *argv]),
            "preset": args.preset,
            "data": args.data or "bundled MNIST",
        }
        if calibration is not None:
            meta["calibration"] = calibration
        history = [r.to_dict() for r in trainer.history]
        try:
            output.commit(model_to_bytes(trainer.model, config=config, history=history, meta=meta))
        except OutputPathError as exc:  # the target changed while the model trained
            print(f"{parser.prog}: error: --out {os_error_text(exc)}; nothing was saved", file=sys.stderr)
            return 1
        except OSError as exc:  # a full disk, say (the temporary file's name would say nothing)
            reason = printable(exc.strerror or str(exc), limit=None)
            print(f"{parser.prog}: error: --out {printable(args.out)}: {reason}; nothing was saved", file=sys.stderr)
            return 1
        if not args.json:
            print(f"Saved the model to {printable(args.out)}.", file=sys.stderr)
    return 0


def _calibrate(trainer: Trainer, data) -> dict:
    """Fit the model's temperature on the held-out digits (MNIST's training images past
    train_size, and the extra digits' calibration part when they were trained on); say how
    well calibrated it was before and after (on stderr). Returns what the model file's meta keeps of it."""
    import numpy as np

    from .calibrate import ece, fit_temperature, nll, scaled_proba

    n = trainer.config.train_size
    x, y = data.x_train[n:], data.y_train[n:]
    if trainer.config.extra_digits:
        from .drawn import load_extra

        extra = load_extra()
        x, y = np.concatenate([x, extra["x_cal"]]), np.concatenate([y, extra["y_cal"]])
    logits = trainer.model.scores(x).astype(np.float64)
    t = fit_temperature(logits, y)
    trainer.model.temperature = t
    before, after = scaled_proba(logits), scaled_proba(logits, t)
    figures = {
        "temperature": round(t, 6),
        "held_out_digits": len(y),
        "accuracy": round(float(np.mean(before.argmax(axis=1) == y)), 6),
        "ece_before": round(ece(before, y), 6),
        "ece_after": round(ece(after, y), 6),
        "nll_before": round(nll(logits, y), 6),
        "nll_after": round(nll(logits, y, t), 6),
    }
    print(
        f"Temperature {t:.3f}, fitted on {len(y)} held-out digits (accuracy {figures['accuracy']:.4f}): "
        f"ECE {figures['ece_before']:.4f} -> {figures['ece_after']:.4f}, "
        f"NLL {figures['nll_before']:.4f} -> {figures['nll_after']:.4f}.",
        file=sys.stderr,
    )
    return figures


def run_evaluate(args: argparse.Namespace, parser: argparse.ArgumentParser, argv: list[str]) -> int:
    try:
        saved = load_model(args.model)
    except ModelFileError as exc:
        print(f"{parser.prog}: error: {model_file_problem(args.model, exc)}", file=sys.stderr)
        return 1
    try:
        data = load_mnist(args.data)
    except DatasetError as exc:
        parser.error(f"--data: {exc}")
    result = evaluate(saved.model, data.x_test, data.y_test)
    model = saved.model
    shape = f"784-{model.hidden}-10, {'biases' if model.has_biases else 'no biases'}, {model.dtype}"
    # The name and the command are the file's text: a hostile file could hold terminal escapes.
    print(f"Model: {printable(saved.meta.get('name', args.model))} ({shape})")
    if "command" in saved.meta:
        print(f"Trained with: {printable(saved.meta['command'])}")
    if saved.history_dropped:
        print(f"Note: the file's training history was left out: {printable(saved.history_dropped)}.", file=sys.stderr)
    if model.temperature != 1:
        print(f"Confidence temperature: {model.temperature:.3f}")
    print(f"Test loss: {result.loss:.4f}")
    print(f"Accuracy on test dataset: {result.accuracy:.4f}")
    return 0


def run_export_notebook(args: argparse.Namespace, parser: argparse.ArgumentParser, argv: list[str]) -> int:
    overrides = {field: getattr(args, opt) for opt, field in OVERRIDES.items() if getattr(args, opt) is not None}
    if args.model is not None:
        try:
            saved = load_model(args.model)
        except ModelFileError as exc:
            print(f"{parser.prog}: error: {model_file_problem(args.model, exc)}", file=sys.stderr)
            return 1
        if saved.config is None:
            print(f"{parser.prog}: error: {printable(args.model)} has no training settings to export", file=sys.stderr)
            return 1
        base = saved.config
    else:
        base = preset(args.preset)
    try:
        config = base.replace(**overrides)
    except ValueError as exc:
        parser.error(str(exc))
    mnist_path = args.mnist_path if args.mnist_path is not None else str(DEFAULT_DATA)
    try:
        output = AtomicOutput(args.out)
    except OSError as exc:
        print(f"{parser.prog}: error: --out {os_error_text(exc)}", file=sys.stderr)
        return 2
    with output:
        output.commit(notebook_bytes(config, args.lang, mnist_path=mnist_path))
    missing = not_reproduced(config)
    if missing:
        names = ", ".join(name.replace("_", " ") for name in missing)
        print(f"Note: plain code cannot redo {names}; the notebook says so and trains without.", file=sys.stderr)
    print(f"Wrote the notebook to {printable(args.out)}.", file=sys.stderr)
    return 0


def model_file_problem(path: str, exc: ModelFileError) -> str:
    """One line for a refused model file, with advice that fits a terminal."""
    if exc.code not in FILE_PROBLEMS:  # no file there, or a newer format: the loader's sentence fits
        return printable(str(exc), limit=None)
    return f"{printable(path)} {FILE_PROBLEMS[exc.code]} ({printable(exc.detail)}). {MODEL_HINT}"


def printable(value: object, limit: int | None = MAX_SHOWN) -> str:
    """``value`` as text safe to print on a terminal: control characters (ESC, carriage
    return, bidirectional overrides, ...) written as escapes such as ``\\x1b``, and at most
    ``limit`` characters."""
    text = value if isinstance(value, str) else json.dumps(value, ensure_ascii=False)
    if limit is not None and len(text) > limit:
        text = text[: limit - 3] + "..."
    return "".join(
        ch.encode("unicode_escape").decode("ascii") if unicodedata.category(ch) in ESCAPED_CATEGORIES else ch
        for ch in text
    )


def os_error_text(exc: OSError) -> str:
    """An OSError as one line: "<file>: <what went wrong>", or what went wrong alone."""
    if exc.strerror is None:  # ours (OutputPathError), or one made from a message alone
        return printable(str(exc) or type(exc).__name__, limit=None)
    if exc.filename is None:
        return printable(exc.strerror, limit=None)
    return f"{printable(os.fspath(exc.filename), limit=None)}: {printable(exc.strerror, limit=None)}"


def _describe(name: str, config: TrainConfig, n_train: int) -> str:
    return (
        f"Training the {name} preset: 784-{config.hidden}-10, {config.optimizer}, lr {config.lr:g}, "
        f"batch {config.batch_size}, {config.epochs} epoch{'s' * (config.epochs != 1)} on {n_train} images, "
        f"{config.dtype}."
    )


def _default_name(name: str, overrides: dict) -> str:
    changes = ", ".join(f"{k.replace('_', ' ')} {v}" for k, v in overrides.items())
    return f"{name} preset" + (f" ({changes})" if changes else "")


if __name__ == "__main__":
    # A name the terminal's encoding cannot show is escaped rather than raising.
    for stream in (sys.stdout, sys.stderr):
        stream.reconfigure(errors="backslashreplace")
    status = main()
    try:
        sys.stdout.flush()
    except BrokenPipeError:  # what is left for a reader that went away goes nowhere, quietly
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        status = status or 1
    sys.exit(status)
