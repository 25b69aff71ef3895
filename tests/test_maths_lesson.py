"""The Maths lesson's Markdown files (ui/maths/lesson/<lang>/<section>.md): every section in
both languages with the same placeholders, the same formulas and the same code; every section
the code shows exists and every file is shown; Russian headings are Russian."""

import re
from pathlib import Path

import pytest

from ui.i18n import LANGUAGES
from ui.maths import prose

ROOT = Path(__file__).resolve().parents[1]
CODE = [ROOT / "pages" / "1_Maths.py", *sorted((ROOT / "ui" / "maths").glob("*.py"))]


def sections(lang: str) -> set[str]:
    return {p.stem for p in (prose.LESSON / lang).glob("*.md")}


def displays(markdown: str) -> list[str]:
    """The display formulas ($$ ... $$) and the code lines of a section: the same in every language."""
    formulas = re.findall(r"\$\$(.*?)\$\$", markdown, flags=re.S)
    code = re.findall(r"```\w*\n(.*?)```", markdown, flags=re.S)
    code_lines = [line for block in code for line in block.splitlines() if not line.lstrip().startswith("#")]
    return [f.strip() for f in formulas] + code_lines


def test_every_section_in_every_language():
    english = sections("en")
    assert len(english) >= 10
    for lang in LANGUAGES:
        assert sections(lang) == english, f"{lang}: {sorted(sections(lang) ^ english)}"


@pytest.mark.parametrize("section", sorted(sections("en")))
def test_languages_share_placeholders_formulas_and_code(section):
    english = prose.source(section, "en")
    for lang in LANGUAGES:
        text = prose.source(section, lang)
        assert text.strip(), f"{section} is empty in {lang}"
        assert prose.placeholders(text) == prose.placeholders(english), (section, lang)
        assert displays(text) == displays(english), f"{section}: formulas or code differ in {lang}"
        if lang != "en":
            assert text != english, f"{section} is not translated into {lang}"


def test_sections_shown_by_the_code_exist_and_every_file_is_shown():
    shown = set()
    for path in CODE:
        shown |= set(
            re.findall(r"""prose\.(?:show|text)\(\s*(?:T|T\.lang)?,?\s*["']([a-z0-9-]+)["']""", path.read_text())
        )
    assert shown == sections("en")


def test_placeholders_are_filled_and_a_missing_value_is_an_error():
    text = prose.text("shapes", "ru", hidden=24)
    assert "{{" not in text and "$24 \\times 784$" in text and "`W_h: (784, 24)`" in text
    with pytest.raises(KeyError):
        prose.text("shapes", "en")


def test_an_untranslated_section_falls_back_to_english(tmp_path, monkeypatch):
    (tmp_path / "en").mkdir()
    (tmp_path / "ru").mkdir()
    (tmp_path / "en" / "only-english.md").write_text("### Only in English\n", encoding="utf-8")
    monkeypatch.setattr(prose, "LESSON", tmp_path)
    prose.source.cache_clear()
    try:
        assert prose.text("only-english", "ru") == "### Only in English"
    finally:
        prose.source.cache_clear()


def test_russian_headings_are_russian():
    """Headings of the Russian lesson: no English words left but names of functions."""
    allowed = {"softmax", "relu"}
    for section in sorted(sections("ru")):
        for heading in re.findall(r"^#+ (.*)$", prose.source(section, "ru"), flags=re.M):
            words = {w.lower() for w in re.findall(r"[A-Za-z]{3,}", heading)}
            assert words <= allowed, (section, words - allowed)
