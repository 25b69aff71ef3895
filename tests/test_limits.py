"""The settings' limits: one table (mlp_core.config.LIMITS) that TrainConfig enforces, and the
Train page's tighter one (PAGE_LIMITS), which must stay inside it."""

from __future__ import annotations

import math
import re

import pytest
from hypothesis import given
from hypothesis import strategies as st

from mlp_core.config import LIMITS, PAGE_LIMITS, Limit, TrainConfig, out_of_range

# Anything a number box, a JSON file or a caller could hand over.
ANY_VALUE = st.one_of(
    st.integers(min_value=-(2**40), max_value=2**40),
    st.floats(allow_nan=True, allow_infinity=True),
    st.booleans(),
    st.none(),
    st.text(max_size=5),
)


def test_every_limit_is_a_field_of_the_config():
    fields = set(TrainConfig.__dataclass_fields__)
    assert set(LIMITS) <= fields and set(PAGE_LIMITS) <= fields


@given(name=st.sampled_from(sorted(LIMITS)), value=ANY_VALUE)
def test_the_config_accepts_a_value_exactly_when_its_limit_does(name, value):
    base = TrainConfig.original(epochs=1000)  # warmup_epochs and train_size depend on nothing else here
    fits = LIMITS[name].contains(value)
    assert (out_of_range({name: value}) is None) == fits
    if fits:
        assert getattr(base.replace(**{name: value}), name) == value
    else:
        with pytest.raises(ValueError, match=rf"^{name} must be {re.escape(LIMITS[name].describe())}, got "):
            base.replace(**{name: value})


@given(name=st.sampled_from(sorted(PAGE_LIMITS)), data=st.data())
def test_whatever_the_page_accepts_the_config_accepts(name, data):
    page = PAGE_LIMITS[name]
    if page.integer:
        value = data.draw(st.integers(min_value=int(page.low), max_value=int(page.high)))
    else:
        value = data.draw(st.floats(min_value=page.low, max_value=page.high))
    assert page.contains(value) and LIMITS[name].contains(value)
    assert out_of_range({name: value}, PAGE_LIMITS) is None


@given(name=st.sampled_from(sorted(PAGE_LIMITS)), value=ANY_VALUE, others=st.dictionaries(st.text(), ANY_VALUE))
def test_out_of_range_names_the_field_its_value_and_its_range(name, value, others):
    settings = {**{k: v for k, v in others.items() if k not in PAGE_LIMITS}, name: value}
    found = out_of_range(settings, PAGE_LIMITS)
    if PAGE_LIMITS[name].contains(value):
        assert found is None  # keys without a limit are never looked at
    else:
        assert found.field == name and found.limit == PAGE_LIMITS[name]
        assert found.value is value or (isinstance(value, float) and math.isnan(value))


@pytest.mark.parametrize(
    ("field", "value"),
    # values typed into the Train page in an attack pass
    [("lr", 0), ("lr", 5000), ("epochs", -5), ("train_size", 1), ("hidden", 4096), ("batch_size", 99999)],
)
def test_the_page_refuses_values_from_an_attack_pass(field, value):
    found = out_of_range({"hidden": 128, "lr": 0.5, "epochs": 5, field: value}, PAGE_LIMITS)
    assert found is not None and found.field == field and found.value == value


def test_the_first_field_out_of_range_is_reported_in_table_order():
    found = out_of_range({"seed": -1, "hidden": 0, "lr": 0.5})
    assert found.field == "hidden"


def test_limits_describe_themselves_as_the_config_errors_always_did():
    assert LIMITS["hidden"].describe() == "an integer from 1 to 4096"
    assert LIMITS["lr"].describe() == "a number in (0, 1000]"
    assert LIMITS["momentum"].describe() == "a number in [0, 1)"
    assert LIMITS["seed"].describe() == "an integer from 0 to 4294967295"


def test_open_and_closed_ends():
    assert not Limit(0, 1, low_open=True).contains(0) and Limit(0, 1).contains(0)
    assert not Limit(0, 1, high_open=True).contains(1) and Limit(0, 1).contains(1)
    assert not Limit(1, 3, integer=True).contains(2.0) and Limit(1, 3).contains(2)
    assert not Limit(0, 1).contains(True) and not Limit(0, 1).contains(float("nan"))
