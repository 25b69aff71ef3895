"""The translation catalogue: every key in both languages, same placeholders,
and every key used in the code exists (and every key in the catalogue is used)."""

import re
import string
from pathlib import Path

import pytest

from ui.i18n import CATALOGUE, LANGUAGES, t

ROOT = Path(__file__).resolve().parents[1]
SOURCES = [ROOT / "app.py", *sorted((ROOT / "pages").glob("*.py")), *sorted((ROOT / "ui").glob("*.py"))]


def placeholders(text: str) -> set[str]:
    return {name for _, name, _, _ in string.Formatter().parse(text) if name}


@pytest.mark.parametrize("key", sorted(CATALOGUE))
def test_every_key_has_every_language_with_the_same_placeholders(key):
    entry = CATALOGUE[key]
    assert set(entry) == set(LANGUAGES), f"{key} has languages {sorted(entry)}"
    for lang, text in entry.items():
        assert text.strip(), f"{key} is empty in {lang}"
    assert placeholders(entry["ru"]) == placeholders(entry["en"]), key


def test_russian_is_not_a_copy_of_english():
    # Names and formulas may stay the same; sentences must not.
    same = [k for k, e in CATALOGUE.items() if e["en"] == e["ru"] and len(e["en"].split()) > 3]
    assert not same, f"untranslated: {same}"


def test_keys_used_in_code_exist_and_catalogue_has_no_dead_keys():
    used: set[str] = set()
    pattern = re.compile(r"""\b(?:T|t|tr)\(\s*["']([a-z0-9_]+\.[a-z0-9_.]+)["']""")
    for path in SOURCES:
        used |= set(pattern.findall(path.read_text(encoding="utf-8")))
    # Keys chosen at run time are listed where they are chosen, as KEYS_... tuples or mappings.
    for path in SOURCES:
        text = path.read_text(encoding="utf-8")
        for listing in re.findall(r"KEYS_\w+\s*=\s*[({]([^)}]*)[)}]", text):
            used |= set(re.findall(r"""["']([a-z0-9_]+\.[a-z0-9_.]+)["']""", listing))
    missing = sorted(used - set(CATALOGUE))
    assert not missing, f"keys used but not in the catalogue: {missing}"
    unused = sorted(set(CATALOGUE) - used)
    assert not unused, f"keys in the catalogue but never used: {unused}"


def test_t_fills_placeholders_and_falls_back(monkeypatch):
    assert t("train.run_n", "en", n=3) == "Run 3"
    assert t("train.run_n", "ru", n=3) == "Запуск 3"
    assert t("train.run_n", "xx", n=3) == "Run 3"  # an unknown language falls back to English
    # a text not yet translated falls back to English too
    monkeypatch.setitem(CATALOGUE, "test.only_english", {"en": "Only {n} in English"})
    assert t("test.only_english", "ru", n=2) == "Only 2 in English"
    with pytest.raises(KeyError):
        t("no.such.key", "en")


def test_every_model_file_error_has_a_sentence():
    from mlp_core.io import ERROR_CODES
    from ui.train_view import KEYS_MODELFILE

    assert {code: f"modelfile.{code}" for code in ERROR_CODES} == KEYS_MODELFILE
