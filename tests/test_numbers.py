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


def test_scientific_keeps_its_figures_whatever_the_size():
    assert numbers.scientific(8.2912e-5, "en") == "8.29e\u221205"
    assert numbers.scientific(8.2912e-5, "ru", 2) == "8,3e\u221205"
    assert numbers.scientific(-0.0, "en", 2) == "0.0e+00"  # never a negative zero


def test_fixed_or_scientific_never_reads_zero_for_a_tiny_loss():
    assert numbers.fixed_or_scientific(0.81469, "en") == "0.8147"
    assert numbers.fixed_or_scientific(0.81469, "ru") == "0,8147"
    assert numbers.fixed_or_scientific(3e-20, "en") == "3.000e\u221220"  # not 0.0000
    assert numbers.fixed_or_scientific(-0.25, "ru") == "\u22120,2500"
    for zero in (0.0, -0.0):
        assert numbers.fixed_or_scientific(zero, "en") == "0"


def test_whiteboard_numbers_have_no_trailing_zeros_and_no_negative_zero():
    assert [numbers.whiteboard(v, "en") for v in (0.25, -0.4, 0.8147, 1.0, 0.0025)] == [
        "0.25", "\u22120.4", "0.815", "1", "0.003"
    ]  # fmt: skip
    assert numbers.whiteboard(0.25, "ru") == "0,25"
    assert numbers.whiteboard(0.8147, "en", 4) == "0.8147"
    assert numbers.whiteboard(0.0, "en") == numbers.whiteboard(-0.0, "ru") == "0"
    # too small for three decimals: two significant figures, not 0 (a tiny gradient still moves a weight)
    assert numbers.whiteboard(2.34e-5, "en") == "2.3e\u221205"
    assert numbers.whiteboard(-0.0004, "ru") == "\u22124,0e\u221204"
    assert numbers.tex(numbers.whiteboard(2.34e-5, "ru")) == r"2{,}3\times 10^{-5}"


def test_percent_change_is_signed_and_shows_a_tiny_change():
    assert numbers.percent_change(0.0235, "en") == "+2.35%"
    assert numbers.percent_change(-0.0235, "ru") == f"\u22122,35{NBSP}%"
    assert numbers.percent_change(1.2e-7, "en") == "+1.2e\u221205%"  # not +0.00%
    assert numbers.percent_change(-1.2e-7, "ru") == f"\u22121,2e\u221205{NBSP}%"
    assert numbers.percent_change(-0.0, "en") == "+0.00%"


def test_a_column_is_written_in_one_format():
    everyday = numbers.column_formatter([0.2, -3.3, 18.5, 0.0379], "ru")
    assert [everyday(v) for v in (0.2, -3.3, 0.0379)] == ["0,2000", "\u22123,3000", "0,0379"]
    assert everyday(-1e-9) == "0,0000"  # rounds to zero: no sign
    tiny = numbers.column_formatter([7.023e-9, 2.312e-6, 0.99998], "en")  # never a mix in one column
    assert [tiny(v) for v in (7.023e-9, 0.99998)] == ["7.023e\u221209", "1.000e+00"]
    assert numbers.column_formatter([0.0, 0.0], "en")(0.0) == "0.0000"
    assert numbers.column_formatter([0.5], "en", decimals=3, digits=3)(0.5) == "0.500"


def test_compared_columns_give_the_smallest_value_its_digits():
    fixed = numbers.digit_by_digit_formatter([-0.681221256, 0.711787786], "ru")
    assert fixed(-0.681221256) == "\u22120,68122126"  # not −6,8122126e−01
    assert numbers.digit_by_digit_formatter([-0.68, 0.0023], "en")(0.0023) == "0.0023000000"
    assert numbers.digit_by_digit_formatter([1e-9, 0.1], "en")(1e-9) == "1.0000000e\u221209"
