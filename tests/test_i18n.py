"""The translation catalogue: every key in both languages, same placeholders,
and every key used in the code exists (and every key in the catalogue is used)."""

import re
import string
from pathlib import Path

import pytest

from ui.i18n import CATALOGUE, LANGUAGES, t

ROOT = Path(__file__).resolve().parents[1]
SOURCES = [ROOT / "app.py", *sorted((ROOT / "pages").glob("*.py")), *sorted((ROOT / "ui").rglob("*.py"))]


def placeholders(text: str) -> set[str]:
    return {name for _, name, _, _ in string.Formatter().parse(text) if name}


# The CLDR plural categories each language's counting texts must give.
PLURAL_FORMS = {"en": {"one", "other"}, "ru": {"one", "few", "many", "other"}}


def forms(text) -> dict[str, str]:
    return text if isinstance(text, dict) else {"": text}


@pytest.mark.parametrize("key", sorted(CATALOGUE))
def test_every_key_has_every_language_with_the_same_placeholders(key):
    entry = CATALOGUE[key]
    assert set(entry) == set(LANGUAGES), f"{key} has languages {sorted(entry)}"
    counting = {isinstance(text, dict) for text in entry.values()}
    assert len(counting) == 1, f"{key} counts in one language only"
    english = entry["en"]
    expected = placeholders(english["other"] if isinstance(english, dict) else english)
    for lang, text in entry.items():
        if isinstance(text, dict):
            assert set(text) == PLURAL_FORMS[lang], f"{key} in {lang} has forms {sorted(text)}"
            assert "count" in expected, f"{key} has plural forms but no {{count}}"
        for form, words in forms(text).items():
            assert words.strip(), f"{key} is empty in {lang}"
            found = placeholders(words)
            if lang == "en" and form == "one":  # "the latest batch": English "one" is 1 alone (Russian's is 21 too)
                found |= {"count"}
            assert found == expected, f"{key} in {lang}: {words}"


def test_plural_forms_follow_each_language(monkeypatch):
    monkeypatch.setitem(
        CATALOGUE,
        "test.images",
        {
            "en": {"one": "{count} image", "other": "{count} images"},
            "ru": {
                "one": "{count} картинка",
                "few": "{count} картинки",
                "many": "{count} картинок",
                "other": "{count} картинки",
            },
        },
    )
    assert [t("test.images", "en", count=n) for n in (1, 2, 21, 60000)] == [
        "1 image", "2 images", "21 images", "60,000 images"
    ]  # fmt: skip
    assert [t("test.images", "ru", count=n) for n in (1, 3, 5, 11, 21, 22, 111, 60000)] == [
        "1 картинка", "3 картинки", "5 картинок", "11 картинок", "21 картинка", "22 картинки", "111 картинок",
        "60\u00a0000 картинок",
    ]  # fmt: skip
    assert t("test.images", "ru", count=1.5) == "1,5 картинки"  # a fraction takes "other"
    with pytest.raises(TypeError):
        t("test.images", "en", count="3")


def test_russian_is_not_a_copy_of_english():
    # Names and formulas may stay the same; sentences must not.
    same = [k for k, e in CATALOGUE.items() if e["en"] == e["ru"] and len(str(e["en"]).split()) > 3]
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
