"""Numbers as each language writes them, by Babel's CLDR data: one place for all of the app.

English 12,870.3 and 92.44%; Russian 12 870,3 and 92,44 %. Formulas (KaTeX) get the
same numbers with the braces TeX needs around a decimal comma.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Iterable
from functools import lru_cache

from babel import Locale
from babel.numbers import format_decimal, format_percent

MINUS = "\u2212"  # the minus sign, not the hyphen, in text and formulas


@lru_cache(maxsize=8)
def locale(lang: str) -> Locale:
    """Babel's data for ``lang`` (English for a language the app does not have): numbers and plural rules."""
    return Locale.parse(lang if lang in ("en", "ru") else "en")


def _pattern(base: str, digits: int) -> str:
    """The locale's pattern with exactly ``digits`` decimals: "#,##0" -> "#,##0.00"."""
    return base.replace("0", "0." + "0" * digits, 1) if digits > 0 else base


def _minus(text: str) -> str:
    return text.replace("-", MINUS)


def _point(lang: str) -> str:
    return locale(lang).number_symbols["latn"]["decimal"]


def _zero(value: float) -> float:
    """-0.0 (and anything equal to 0) as 0.0, so nothing is written "−0"."""
    return 0.0 if value == 0 else float(value)


def integer(value: int, lang: str) -> str:
    """A whole number with the language's grouping: 60,000 / 60 000."""
    return _minus(format_decimal(value, format="#,##0", locale=locale(lang)))


def decimal(value: float, digits: int, lang: str) -> str:
    """``value`` with exactly ``digits`` decimals, grouped: 12,870.30 / 12 870,30."""
    return _minus(format_decimal(value, format=_pattern("#,##0", digits), locale=locale(lang)))


def printed(value: float, digits: int, lang: str) -> str:
    """``value`` as Python's ``f"{value:.{digits}f}"`` prints it, with the language's decimal sign:
    the digits a notebook prints, rounded from the float's exact value (0.9215 -> 0.921 / 0,921),
    so a table of them agrees with the notebook digit for digit."""
    return _minus(f"{_zero(value):.{digits}f}".replace(".", _point(lang)))


def percent(fraction: float, lang: str, digits: int = 2) -> str:
    """A fraction as a percentage with ``digits`` decimals: 0.9244 -> 92.44% / 92,44 %."""
    loc = locale(lang)
    pattern = _pattern(loc.percent_formats[None].pattern, digits)
    return _minus(format_percent(fraction, format=pattern, locale=loc))


def significant(value: float, lang: str, digits: int = 3) -> str:
    """``value`` to ``digits`` significant figures, in scientific notation when very small
    or large (0.0123, 2.3e-05 / 2,3e-05), as Python's ``g`` format chooses."""
    if not math.isfinite(value):
        return str(value)
    text = f"{value:.{digits}g}"
    mantissa, e, exponent = text.partition("e")
    return _minus(mantissa.replace(".", _point(lang)) + (e + exponent if e else ""))


def scientific(value: float, lang: str, digits: int = 3) -> str:
    """``value`` in scientific notation with ``digits`` significant figures, whatever its
    size: 8.29e−05 / 8,29e−05 (``tex`` writes it as 8.29 × 10⁻⁵ in a formula)."""
    if not math.isfinite(value):
        return str(value)
    mantissa, _, exponent = f"{_zero(value):.{digits - 1}e}".partition("e")
    return _minus(mantissa.replace(".", _point(lang)) + "e" + exponent)


def fixed_or_scientific(value: float, lang: str, decimals: int = 4, digits: int = 4) -> str:
    """Everyday sizes (0.001 to 10,000) with ``decimals`` decimals, anything smaller or larger
    in scientific notation with ``digits`` significant figures, so that the tiny loss of a
    sure network does not read 0.0000: 0.8147, 3.000e−20. Zero is "0", never "−0"."""
    value = _zero(value)
    if value == 0:
        return "0"
    if 1e-3 <= abs(value) < 1e4:
        return decimal(value, decimals, lang)
    return scientific(value, lang, digits)


def whiteboard(value: float, lang: str, decimals: int = 3) -> str:
    """A number as written by hand: at most ``decimals`` decimals and no trailing zeros
    (0.25, −0.4, 0.815 / 0,25); a value too small for them keeps two significant figures
    (2.3e−05) instead of reading 0. Zero is "0", never "−0"."""
    value = _zero(value)
    if value != 0 and abs(value) < 0.5 * 10.0**-decimals:
        return scientific(value, lang, 2)
    rounded = _zero(round(value, decimals))  # Python's rounding, as f"{value:.3f}" rounds
    return _minus(format_decimal(rounded, format="#,##0." + "#" * decimals, locale=locale(lang)))


def percent_change(fraction: float, lang: str) -> str:
    """A change of a probability in percent, signed, with enough digits to show that a tiny
    change is not zero: +2.35%, −1.2e−05% (+2,35 %, −1,2e−05 % in Russian)."""
    fraction = _zero(fraction)
    if fraction == 0 or abs(fraction) >= 1e-4:
        return signed(percent(fraction, lang, 2))
    return signed(percent(0, lang, 0).replace("0", scientific(fraction * 100, lang, 2)))


def _magnitudes(values: Iterable[float]) -> list[float]:
    return [abs(float(v)) for v in values if math.isfinite(v) and v != 0]


def column_formatter(
    values: Iterable[float], lang: str, *, decimals: int = 4, digits: int = 4
) -> Callable[[float], str]:
    """One format for a whole table column, so that its numbers read alike: ``decimals``
    fixed decimals when every non-zero value keeps at least two significant figures with
    them, otherwise scientific notation with ``digits`` significant figures for every row
    (never a mix of 0.000002312, 7.023e−09 and 1 in one column)."""
    a = _magnitudes(values)
    if not a or (min(a) >= 10.0 ** (1 - decimals) and max(a) < 1e4):
        return lambda v: decimal(_zero(round(float(v), decimals)), decimals, lang)
    return lambda v: scientific(v, lang, digits)


def digit_by_digit_formatter(
    values: Iterable[float], lang: str, *, digits: int = 8, max_decimals: int = 10
) -> Callable[[float], str]:
    """One format for columns compared digit by digit (the gradient check): fixed decimals
    giving the smallest value ``digits`` significant figures (−0.68122126, not
    −6.8122126e−01), scientific notation when that would take more than ``max_decimals``."""
    a = _magnitudes(values)
    if not a:
        return lambda v: decimal(_zero(v), 1, lang)
    places = max(1, digits - 1 - math.floor(math.log10(min(a))))
    if places <= max_decimals and max(a) < 1e4:
        return lambda v: decimal(_zero(round(float(v), places)), places, lang)
    return lambda v: scientific(v, lang, digits)


def signed(text: str) -> str:
    """A formatted number with an explicit sign: "+0.25", "−0.25"."""
    return text if text.startswith((MINUS, "+")) else "+" + text


def tex(text: str) -> str:
    """A formatted number for KaTeX: a decimal comma in braces ({,}) so TeX does not
    space it as punctuation, a no-break group space as a thin space, ``e`` as ×10^."""
    mantissa, e, exponent = text.partition("e")
    out = mantissa.replace(",", "{,}").replace("\u00a0", r"\,").replace("\u202f", r"\,")
    if e:
        out += r"\times 10^{" + str(int(exponent.replace(MINUS, "-"))).replace("-", MINUS) + "}"
    return out.replace(MINUS, "-")


def chart_separators(lang: str) -> str:
    """Plotly's ``separators``: the decimal point, then the group separator."""
    symbols = locale(lang).number_symbols["latn"]
    return symbols["decimal"] + symbols["group"]


def shortest(value: float, lang: str) -> str:
    """A setting's value with as many digits as it has and no more: 0.5, 0.0001, 1,024
    (0,5 and 1 024 in Russian); beyond 1e15 in scientific notation."""
    if not math.isfinite(value) or abs(value) >= 1e15:
        return significant(value, lang, 6)
    return _minus(format_decimal(value, locale=locale(lang), decimal_quantization=False))
