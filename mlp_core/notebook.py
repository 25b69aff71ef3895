"""The seed notebook's printed table: what it printed, and a run's epochs in its format.

The Train page shows every run's epochs as the notebook printed them (epoch, train
accuracy, loss; the test accuracy at the end), and for the Original preset puts the
notebook's own values beside each row; ``benchmarks/`` checks the same values. One
place for both, so the page and the benchmarks cannot disagree about what was printed.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from .config import TrainConfig

# The notebook's epoch line and its last line, character for character
# (it printed the test accuracy with %s, which for 10,000 images is at most 4 decimals).
NOTEBOOK_LINE = "Epoch {}/{};\t Train accuracy: {:.3f} \t Loss : {:.3f}"
TEST_LINE = "Accuracy on test dataset: {:.4f}"
DIGITS = 3  # the notebook printed accuracy and loss to 3 decimals
TEST_DIGITS = 4

# What the seed notebook printed: epoch -> (train accuracy, loss); None where its output was
# cut (epoch 20's loss). Epochs 21-49 were not printed at all.
SEED_TABLE: dict[int, tuple[float, float | None]] = {
    1: (0.923, 0.565),
    2: (0.950, 0.211),
    3: (0.963, 0.152),
    4: (0.971, 0.120),
    5: (0.975, 0.100),
    6: (0.978, 0.085),
    7: (0.981, 0.074),
    8: (0.982, 0.066),
    9: (0.984, 0.059),
    10: (0.986, 0.053),
    11: (0.987, 0.048),
    12: (0.988, 0.043),
    13: (0.989, 0.039),
    14: (0.990, 0.036),
    15: (0.991, 0.032),
    16: (0.992, 0.030),
    17: (0.992, 0.027),
    18: (0.993, 0.025),
    19: (0.994, 0.023),
    20: (0.994, None),
    50: (1.000, 0.003),
}
SEED_EPOCHS = 50
SEED_TEST_ACCURACY = 0.9797


def is_seed_run(config: TrainConfig) -> bool:
    """Whether ``config`` trains as the notebook did, so that its epochs can be set beside the
    notebook's printed values: the Original preset, for any number of epochs (with a constant
    learning rate and no shuffling, epoch k does not depend on how many follow it)."""
    return config.replace(epochs=SEED_EPOCHS, divergence_loss=TrainConfig().divergence_loss) == TrainConfig.original()


def same_printed(value: float, printed: float, digits: int = DIGITS) -> bool:
    """Whether ``value`` prints as ``printed`` did, to ``digits`` decimals."""
    return f"{value:.{digits}f}" == f"{printed:.{digits}f}"


@dataclass(frozen=True)
class TableRow:
    """One epoch in the notebook's format, and what the notebook printed for it (seed runs)."""

    epoch: int
    train_accuracy: float
    loss: float
    seed_accuracy: float | None = None  # None: the notebook printed nothing for this epoch
    seed_loss: float | None = None  # None: not printed (cut off, or the whole epoch)
    agrees: bool | None = None  # every printed value the same to 3 decimals; None: nothing to compare


def epoch_table(history: Sequence[Mapping], config: TrainConfig) -> list[TableRow]:
    """A run's epochs (``EpochRecord.to_dict()`` per epoch) as the notebook's table, with the
    notebook's printed values beside them when ``config`` is the notebook's."""
    seed = is_seed_run(config)
    rows = []
    for rec in history:
        acc, loss = float(rec["train_accuracy"]), float(rec["train_loss"])
        printed = SEED_TABLE.get(rec["epoch"]) if seed else None
        if printed is None:
            rows.append(TableRow(rec["epoch"], acc, loss))
            continue
        seed_acc, seed_loss = printed
        agrees = same_printed(acc, seed_acc) and (seed_loss is None or same_printed(loss, seed_loss))
        rows.append(TableRow(rec["epoch"], acc, loss, seed_acc, seed_loss, agrees))
    return rows


def seed_test_agrees(config: TrainConfig, history: Sequence[Mapping]) -> bool | None:
    """Whether a seed run's test accuracy after the notebook's 50 epochs prints as the notebook's
    0.9797; None when there is nothing to compare (not a seed run, or not at epoch 50)."""
    if not is_seed_run(config) or not history or history[-1]["epoch"] != SEED_EPOCHS:
        return None
    return same_printed(float(history[-1]["test_accuracy"]), SEED_TEST_ACCURACY, TEST_DIGITS)


def table_lines(history: Sequence[Mapping], epochs: int, *, finished: bool = True) -> list[str]:
    """The lines the notebook (and an exported notebook) prints for this history: one per
    epoch, then the test accuracy once the run has trained all ``epochs``."""
    lines = [NOTEBOOK_LINE.format(r["epoch"], epochs, r["train_accuracy"], r["train_loss"]) for r in history]
    if finished and history and history[-1]["epoch"] == epochs:
        lines.append(TEST_LINE.format(history[-1]["test_accuracy"]))
    return lines
