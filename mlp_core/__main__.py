"""Command line: train a network on MNIST or evaluate a saved model.

Examples::

    python -m mlp_core train --preset original
    python -m mlp_core train --preset fast --json --out model.npz
    python -m mlp_core evaluate model.npz
"""

from __future__ import annotations

import argparse
import json
import shlex
import sys
import time
from datetime import UTC, datetime

from .config import OPTIMIZERS, PRESETS, TrainConfig, preset
from .data import DatasetError, load_mnist
from .io import ModelFileError, load_model, save_model
from .metrics import evaluate
from .train import DIVERGED, Trainer

PRESET_HELP = {
    "original": "the seed notebook exactly: 784-128-10, no biases, float64, SGD lr 0.5,\n"
    "batch 256, 50 epochs, no shuffle; prints its epoch table digit for digit",
    "fast": "the notebook's network and test accuracy in a fraction of its time: Nesterov\n"
    "momentum lr 0.4, warm-up and cosine decay, He init, shuffling, float32, batch 256, 6 epochs",
    "robust": "784-256-10 with biases, 20 epochs of Nesterov momentum on augmented digits\n"
    "(shifts, rotations, scale, stroke), so it reads hand-drawn digits well",
}

# the notebook's epoch line, character for character
NOTEBOOK_LINE = "Epoch {}/{};\t Train accuracy: {:.3f} \t Loss : {:.3f}"

# option name -> TrainConfig field
OVERRIDES = {
    "epochs": "epochs",
    "hidden": "hidden",
    "lr": "lr",
    "batch_size": "batch_size",
    "optimizer": "optimizer",
    "seed": "seed",
    "train_size": "train_size",
}


def build_parser() -> argparse.ArgumentParser:
    presets = "\n".join(f"  {name:<9} " + PRESET_HELP.get(name, "").replace("\n", "\n" + " " * 12) for name in PRESETS)
    parser = argparse.ArgumentParser(
        prog="python -m mlp_core",
        description="Backprop Lab's network on the command line: train it on MNIST, or evaluate a saved model.",
    )
    sub = parser.add_subparsers(dest="command", required=True, metavar="{train,evaluate}")

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
    train.add_argument("--epochs", type=int, metavar="N", help="passes over the training set")
    train.add_argument("--hidden", type=int, metavar="N", help="hidden units H (1 to 4096)")
    train.add_argument("--lr", type=float, metavar="X", help="learning rate (peak rate with a schedule)")
    train.add_argument("--batch-size", type=int, metavar="N", help="examples per step")
    train.add_argument("--optimizer", choices=OPTIMIZERS, help="update rule")
    train.add_argument("--seed", type=int, metavar="N", help="seeds the weights and the shuffling")
    train.add_argument("--train-size", type=int, metavar="N", help="train on the first N images only (0 = all)")
    train.add_argument("--data", metavar="PATH", help="MNIST .npz or folder of IDX files (default: the bundled MNIST)")
    train.add_argument("--out", metavar="MODEL.npz", help="save the trained model, its settings and history here")
    train.add_argument("--name", metavar="TEXT", help="the model's name stored in the file (default: from the preset)")
    train.add_argument("--json", action="store_true", help="print one JSON object per epoch instead of text")
    train.set_defaults(run=run_train, parser=train)

    ev = sub.add_parser(
        "evaluate",
        help="print a saved model's accuracy on the test set",
        description="Load a model file and print its loss and accuracy on the test images.",
    )
    ev.add_argument("model", metavar="MODEL.npz", help="a model file saved by the app or by 'train --out'")
    ev.add_argument("--data", metavar="PATH", help="MNIST .npz or folder of IDX files (default: the bundled MNIST)")
    ev.set_defaults(run=run_evaluate, parser=ev)
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


def run_train(args: argparse.Namespace, parser: argparse.ArgumentParser, argv: list[str]) -> int:
    overrides = {field: getattr(args, opt) for opt, field in OVERRIDES.items() if getattr(args, opt) is not None}
    try:
        config = preset(args.preset, **overrides)
    except ValueError as exc:
        parser.error(str(exc))
    try:
        data = load_mnist(args.data)
    except DatasetError as exc:
        parser.error(f"--data: {exc}")

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
        if args.out:
            print(f"Nothing was saved to {args.out}.", file=sys.stderr)
        return 1

    last = trainer.history[-1]
    if not args.json:
        print(f"Accuracy on test dataset: {last.test_accuracy:.4f}")
        wall = time.perf_counter() - start
        print(f"Trained in {last.train_seconds:.1f} s ({wall:.1f} s with evaluation).", file=sys.stderr)
    if args.out:
        meta = {
            "name": args.name or _default_name(args.preset, overrides),
            "created": datetime.now(UTC).isoformat(timespec="seconds"),
            "source": "command line",
            "command": shlex.join(["python", "-m", "mlp_core", *argv]),
            "preset": args.preset,
            "data": args.data or "bundled MNIST",
        }
        save_model(args.out, trainer.model, config=config, history=[r.to_dict() for r in trainer.history], meta=meta)
        if not args.json:
            print(f"Saved the model to {args.out}.", file=sys.stderr)
    return 0


def run_evaluate(args: argparse.Namespace, parser: argparse.ArgumentParser, argv: list[str]) -> int:
    try:
        saved = load_model(args.model)
    except ModelFileError as exc:
        print(f"{parser.prog}: error: {exc}", file=sys.stderr)
        return 1
    try:
        data = load_mnist(args.data)
    except DatasetError as exc:
        parser.error(f"--data: {exc}")
    result = evaluate(saved.model, data.x_test, data.y_test)
    model = saved.model
    shape = f"784-{model.hidden}-10, {'biases' if model.has_biases else 'no biases'}, {model.dtype}"
    print(f"Model: {saved.meta.get('name', args.model)} ({shape})")
    print(f"Test loss: {result.loss:.4f}")
    print(f"Accuracy on test dataset: {result.accuracy:.4f}")
    return 0


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
    sys.exit(main())
