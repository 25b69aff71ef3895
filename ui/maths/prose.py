"""The lesson's prose: one Markdown file per section and language, beside its formulas.

``lesson/<lang>/<section>.md`` holds a section's heading, sentences and display formulas
(``$$ ... $$``, which ``st.markdown`` typesets with KaTeX), so a student reads the lesson in
one place and a translator translates one file. Both languages have the same sections. A
value the page fills in is written ``{{name}}``: single braces belong to TeX.
"""

from __future__ import annotations

import re
from functools import lru_cache
from pathlib import Path

import streamlit as st

from ..i18n import DEFAULT_LANGUAGE, Translator

LESSON = Path(__file__).with_name("lesson")
PLACEHOLDER = re.compile(r"\{\{(\w+)\}\}")


@lru_cache(maxsize=64)
def source(section: str, lang: str) -> str:
    """The section's Markdown as written, placeholders and all; English if not translated."""
    path = LESSON / lang / f"{section}.md"
    if not path.exists():
        path = LESSON / DEFAULT_LANGUAGE / f"{section}.md"
    return path.read_text(encoding="utf-8").strip()


def placeholders(markdown: str) -> set[str]:
    return set(PLACEHOLDER.findall(markdown))


def text(section: str, lang: str, **values: object) -> str:
    """The section in ``lang`` with its ``{{placeholders}}`` filled in (a missing value raises KeyError)."""
    return PLACEHOLDER.sub(lambda m: str(values[m.group(1)]), source(section, lang))


def show(T: Translator, section: str, **values: object) -> None:
    st.markdown(text(section, T.lang, **values))
