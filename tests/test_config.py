"""The training configuration: defaults, validation, presets, serialisation."""

from __future__ import annotations

import dataclasses
import json

import pytest

from mlp_core import PRESETS, TrainConfig, preset


def test_defaults_are_the_notebook():
    cfg = TrainConfig()
    assert (cfg.hidden, cfg.lr, cfg.batch_size, cfg.epochs) == (128, 0.5, 256, 50)
    assert (cfg.optimizer, cfg.init, cfg.seed, cfg.dtype) == ("sgd", "seed_uniform", 42, "float64")
    assert not cfg.biases and not cfg.shuffle and not cfg.augment
    assert cfg.l2 == 0 and cfg.schedule == "constant" and cfg.warmup_epochs == 0
    assert cfg.train_metric == "full" and cfg.nominal_divisor and cfg.train_size == 0
    assert TrainConfig.original() == cfg == preset("original")


BAD = [
    ("hidden", 0),
    ("hidden", 5000),
    ("hidden", 12.0),
    ("hidden", True),
    ("lr", 0),
    ("lr", -0.1),
    ("lr", float("nan")),
    ("lr", float("inf")),
    ("lr", "0.5"),
    ("batch_size", 0),
    ("batch_size", 60001),
    ("epochs", 0),
    ("epochs", 1001),
    ("optimizer", "rmsprop"),
    ("momentum", 1.0),
    ("momentum", -0.1),
    ("nesterov", 1),
    ("beta1", 1.0),
    ("beta2", -0.5),
    ("adam_eps", 0.0),
    ("init", "zeros"),
    ("biases", "yes"),
    ("shuffle", None),
    ("l2", -1e-4),
    ("l2", 2.0),
    ("schedule", "step"),
    ("warmup_epochs", -1.0),
    ("warmup_epochs", 51.0),
    ("final_lr_frac", 1.5),
    ("augment", 0),
    ("train_size", -1),
    ("seed", -1),
    ("seed", 2**32),
    ("dtype", "float16"),
    ("train_metric", "none"),
    ("nominal_divisor", "no"),
    ("divergence_loss", 0.0),
]


@pytest.mark.parametrize("field,value", BAD, ids=[f"{f}={v!r}" for f, v in BAD])
def test_invalid_values_raise_naming_the_field(field, value):
    with pytest.raises(ValueError) as err:
        TrainConfig(**{field: value})
    assert str(err.value).startswith(f"{field} must be"), str(err.value)
    assert repr(value) in str(err.value)


def test_valid_edge_values_are_accepted():
    TrainConfig(hidden=1, lr=1000, batch_size=60000, epochs=1, momentum=0.0, l2=1.0, warmup_epochs=1.0)
    TrainConfig(seed=2**32 - 1, train_size=20, final_lr_frac=1.0, lr=1)


def test_frozen_and_replace_validates():
    cfg = TrainConfig()
    with pytest.raises(dataclasses.FrozenInstanceError):
        cfg.lr = 0.1  # type: ignore[misc]
    assert cfg.replace(lr=0.1).lr == 0.1 and cfg.lr == 0.5
    with pytest.raises(ValueError, match=r"^lr must be"):
        cfg.replace(lr=-1)


@pytest.mark.parametrize("name", sorted(PRESETS))
def test_presets_round_trip_through_json(name):
    cfg = preset(name)
    assert TrainConfig.from_dict(json.loads(cfg.to_json())) == cfg
    assert preset(name, seed=7).seed == 7
    assert preset(name, seed=7).replace(seed=cfg.seed) == cfg


def test_fast_preset_is_the_same_network_in_float32():
    fast = TrainConfig.fast()
    assert fast.hidden == 128 and fast.dtype == "float32"
    assert fast != TrainConfig.original()
    assert TrainConfig.fast(epochs=3).epochs == 3


def test_unknown_preset_and_fields_raise():
    with pytest.raises(ValueError, match="preset must be one of"):
        preset("fastest")
    with pytest.raises(ValueError, match="unknown config fields: evil"):
        TrainConfig.from_dict({"evil": 1, "lr": 0.1})
    with pytest.raises(ValueError, match="JSON object"):
        TrainConfig.from_dict(["lr", 0.1])  # type: ignore[arg-type]
    with pytest.raises(ValueError, match=r"^hidden must be"):
        TrainConfig.from_dict({"hidden": "128"})
