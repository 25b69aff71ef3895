"""The notebook's printed table (mlp_core.notebook): a run's epochs in its format, and the
notebook's own values beside a seed run's rows."""

from __future__ import annotations

from mlp_core import TrainConfig, load_mnist, train
from mlp_core.__main__ import NOTEBOOK_LINE as CLI_LINE
from mlp_core.notebook import (
    NOTEBOOK_LINE,
    SEED_TABLE,
    epoch_table,
    is_seed_run,
    same_printed,
    seed_test_agrees,
    table_lines,
)


def record(epoch: int, acc: float, loss: float, test: float = 0.9) -> dict:
    return dict(epoch=epoch, train_accuracy=acc, train_loss=loss, test_accuracy=test)


def test_the_cli_prints_the_same_line():
    assert CLI_LINE is NOTEBOOK_LINE
    assert NOTEBOOK_LINE.format(1, 50, 0.9234, 0.5651) == "Epoch 1/50;\t Train accuracy: 0.923 \t Loss : 0.565"


def test_seed_runs_are_the_original_preset_for_any_number_of_epochs():
    assert is_seed_run(TrainConfig.original())
    assert is_seed_run(TrainConfig.original(epochs=3))
    assert not is_seed_run(TrainConfig.original(train_size=2000))
    assert not is_seed_run(TrainConfig.original(lr=0.4))
    assert not is_seed_run(TrainConfig.fast())


def test_rows_carry_the_notebooks_values_and_say_where_nothing_was_printed():
    history = [record(e, SEED_TABLE.get(e, (0.99, 0.01))[0], SEED_TABLE.get(e, (0.99, 0.01))[1] or 0.02)
               for e in range(1, 51)]  # fmt: skip
    history[2] = record(3, 0.9626, 0.152)  # rounds to 0.963: agrees
    history[3] = record(4, 0.9704, 0.120)  # rounds to 0.970, the notebook printed 0.971
    rows = epoch_table(history, TrainConfig.original())
    assert rows[2].agrees is True and rows[2].seed_accuracy == 0.963
    assert rows[3].agrees is False
    assert rows[19].seed_loss is None and rows[19].agrees is True  # epoch 20: its loss was cut off
    assert all(r.seed_accuracy is None and r.agrees is None for r in rows[20:49])  # never printed
    assert rows[49].agrees is True
    assert all(r.agrees is None for r in epoch_table(history, TrainConfig.fast()))


def test_the_test_accuracy_is_compared_after_the_fiftieth_epoch_only():
    cfg = TrainConfig.original()
    assert seed_test_agrees(cfg, [record(50, 1.0, 0.003, 0.97971)]) is True
    assert seed_test_agrees(cfg, [record(50, 1.0, 0.003, 0.9796)]) is False
    assert seed_test_agrees(cfg, [record(2, 0.95, 0.2, 0.9797)]) is None
    assert seed_test_agrees(TrainConfig.fast(epochs=50), [record(50, 1.0, 0.003, 0.9797)]) is None
    assert same_printed(0.97974, 0.9797, 4) and not same_printed(0.97976, 0.9797, 4)


def test_first_epochs_of_the_original_preset_agree_with_the_notebook():
    trainer = train(TrainConfig.original(epochs=2), load_mnist())
    history = [r.to_dict() for r in trainer.history]
    rows = epoch_table(history, trainer.config)
    assert [r.agrees for r in rows] == [True, True]
    lines = table_lines(history, 2)
    assert lines[0] == "Epoch 1/2;\t Train accuracy: 0.923 \t Loss : 0.565"
    assert lines[-1].startswith("Accuracy on test dataset: 0.")
    assert table_lines(history[:1], 2) == lines[:1]  # no test line before the last epoch
