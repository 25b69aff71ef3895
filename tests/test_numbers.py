"""Numbers as each language writes them (ui.numbers, by Babel's CLDR data)."""

import pytest

from ui import numbers

NBSP = "\u00a0"


@pytest.mark.parametrize(
    ("lang", "integer", "decimal", "percent", "negative"),
    [
        ("en", "60,000", "12,870.30", "92.44%", "\u22120.50"),
        ("ru", f"60{NBSP}000", f"12{NBSP}870,30", f"92,44{NBSP}%", "\u22120,50"),
    ],
)
def test_each_language_groups_points_and_signs_its_own_way(lang, integer, decimal, percent, negative):
    assert numbers.integer(60000, lang) == integer
    assert numbers.decimal(12870.3, 2, lang) == decimal
    assert numbers.percent(0.9244, lang) == percent
    assert numbers.decimal(-0.5, 2, lang) == negative


def test_percent_digits_and_rounding():
    assert numbers.percent(1, "en", 0) == "100%"
    assert numbers.percent(0.0042, "en", 1) == "0.4%"
    assert numbers.percent(0.99996, "ru", 1) == f"100,0{NBSP}%"


def test_shortest_keeps_every_digit_a_setting_has_and_no_more():
    assert numbers.shortest(0.5, "en") == "0.5"
    assert numbers.shortest(0.0001, "ru") == "0,0001"
    assert numbers.shortest(1024.0, "en") == "1,024"
    assert numbers.shortest(1e-7, "en") == "0.0000001"
    assert numbers.shortest(2e20, "en") == "2e+20"


def test_significant_and_formulas():
    assert numbers.significant(0.01234, "ru") == "0,0123"
    assert numbers.significant(-2.3e-5, "en") == "\u22122.3e\u221205"
    # KaTeX: a decimal comma in braces, a thin space between groups, e as a power of ten
    assert numbers.tex(numbers.decimal(1234.5, 2, "ru")) == r"1\,234{,}50"
    assert numbers.tex(numbers.significant(-2.3e-5, "en")) == r"-2.3\times 10^{-5}"


def test_chart_separators_are_plotlys_decimal_then_group():
    assert numbers.chart_separators("en") == ".,"
    assert numbers.chart_separators("ru") == "," + NBSP
