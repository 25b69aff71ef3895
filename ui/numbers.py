"""Numbers as each language writes them, by Babel's CLDR data: one place for all of the app.

English 12,870.3 and 92.44%; Russian 12 870,3 and 92,44 %. Formulas (KaTeX) get the
same numbers with the braces TeX needs around a decimal comma.
"""

from __future__ import annotations

import math
from functools import lru_cache

from babel import Locale
from babel.numbers import format_decimal, format_percent

MINUS = "\u2212"  # the minus sign, not the hyphen, in text and formulas


@lru_cache(maxsize=8)
def _locale(lang: str) -> Locale:
    return Locale.parse(lang if lang in ("en", "ru") else "en")


def _pattern(base: str, digits: int) -> str:
    """The locale's pattern with exactly ``digits`` decimals: "#,##0" -> "#,##0.00"."""
    return base.replace("0", "0." + "0" * digits, 1) if digits > 0 else base


def _minus(text: str) -> str:
    return text.replace("-", MINUS)


def integer(value: int, lang: str) -> str:
    """A whole number with the language's grouping: 60,000 / 60 000."""
    return _minus(format_decimal(value, format="#,##0", locale=_locale(lang)))


def decimal(value: float, digits: int, lang: str) -> str:
    """``value`` with exactly ``digits`` decimals, grouped: 12,870.30 / 12 870,30."""
    return _minus(format_decimal(value, format=_pattern("#,##0", digits), locale=_locale(lang)))


def percent(fraction: float, lang: str, digits: int = 2) -> str:
    """A fraction as a percentage with ``digits`` decimals: 0.9244 -> 92.44% / 92,44 %."""
    loc = _locale(lang)
    pattern = _pattern(loc.percent_formats[None].pattern, digits)
    return _minus(format_percent(fraction, format=pattern, locale=loc))


def significant(value: float, lang: str, digits: int = 3) -> str:
    """``value`` to ``digits`` significant figures, in scientific notation when very small
    or large (0.0123, 2.3e-05 / 2,3e-05), as Python's ``g`` format chooses."""
    if not math.isfinite(value):
        return str(value)
    text = f"{value:.{digits}g}"
    mantissa, e, exponent = text.partition("e")
    point = _locale(lang).number_symbols["latn"]["decimal"]
    return _minus(mantissa.replace(".", point) + (e + exponent if e else ""))


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
    symbols = _locale(lang).number_symbols["latn"]
    return symbols["decimal"] + symbols["group"]


def shortest(value: float, lang: str) -> str:
    """A setting's value with as many digits as it has and no more: 0.5, 0.0001, 1,024
    (0,5 and 1 024 in Russian); beyond 1e15 in scientific notation."""
    if not math.isfinite(value) or abs(value) >= 1e15:
        return significant(value, lang, 6)
    return _minus(format_decimal(value, locale=_locale(lang), decimal_quantization=False))
