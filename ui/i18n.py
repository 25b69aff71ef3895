"""The app's translations: English and Russian.

Every user-facing string goes through ``t(key, lang, **values)``. The texts live
in ``ui/locales/<lang>.toml``, one file per language with the same keys, so a
translator edits one file. A text that counts something is a table of CLDR
plural forms (English: one, other; Russian: one, few, many, other); ``t`` picks
the form for ``count=`` by Babel's plural rules and writes the count as the
language writes numbers. Tests check every key has every language, every form,
and the same ``{placeholders}``.
"""

from __future__ import annotations

import tomllib
from pathlib import Path

from . import numbers

LANGUAGES = {"en": "English", "ru": "Русский"}
DEFAULT_LANGUAGE = "en"
LOCALES = Path(__file__).with_name("locales")

# One text in one language: a plain string, or the plural forms of a counting text.
Text = str | dict[str, str]


def _load() -> dict[str, dict[str, Text]]:
    by_lang = {lang: tomllib.loads((LOCALES / f"{lang}.toml").read_text(encoding="utf-8")) for lang in LANGUAGES}
    keys = dict.fromkeys(k for texts in by_lang.values() for k in texts)  # every key, in file order
    return {key: {lang: texts[key] for lang, texts in by_lang.items() if key in texts} for key in keys}


# key -> language -> text. A key missing in a language falls back to English (tests forbid it).
CATALOGUE: dict[str, dict[str, Text]] = _load()


def plural_form(count: float, lang: str) -> str:
    """The CLDR plural category of ``count`` in ``lang``: 1 -> one; Russian 3 -> few, 5 -> many, 21 -> one."""
    return numbers.locale(lang).plural_form(abs(count))


class Translator:
    """``t`` bound to one language: ``T("key", **values)``; ``T.lang`` says which language."""

    def __init__(self, lang: str) -> None:
        self.lang = lang if lang in LANGUAGES else DEFAULT_LANGUAGE

    def __call__(self, key: str, **values: object) -> str:
        return t(key, self.lang, **values)


def t(key: str, lang: str = DEFAULT_LANGUAGE, **values: object) -> str:
    """The text for ``key`` in ``lang``, with ``{placeholders}`` filled in.

    A counting text takes ``count=`` (a number): it chooses the plural form and is
    written as the language writes numbers (60,000 / 60 000). A key missing from the
    catalogue raises ``KeyError`` (tests catch it); a language missing for a key
    falls back to English.
    """
    entry = CATALOGUE[key]
    text = entry.get(lang) or entry[DEFAULT_LANGUAGE]
    if isinstance(text, dict):
        count = values["count"]
        if not isinstance(count, int | float):
            raise TypeError(f"{key}: count= must be a number, not {count!r}")
        text = text.get(plural_form(count, lang)) or text["other"]
        values = {
            **values,
            "count": numbers.integer(count, lang) if isinstance(count, int) else numbers.shortest(count, lang),
        }
    return text.format(**values) if values else text
