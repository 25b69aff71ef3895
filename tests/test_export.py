"""Exported notebooks (mlp_core.export): run in this process, cell by cell in order, they give
the app's weights to float rounding and print the app's table; what they cannot redo they
say in their first cell; both languages have the same cells."""

from __future__ import annotations

import ast
import re

import nbformat
import numpy as np
import pytest

from mlp_core import TrainConfig, Trainer, load_mnist
from mlp_core.data import DEFAULT_PATH
from mlp_core.export import (
    LANGUAGES,
    PLACEHOLDER,
    TEXT,
    cells,
    not_reproduced,
    notebook,
    notebook_bytes,
    run_code,
    text,
)
from mlp_core.notebook import table_lines

SMALL = dict(train_size=2000, epochs=2)
CONFIGS = {
    "original": TrainConfig.original(**SMALL),  # float64, SGD, the notebook's init and order
    "fast": TrainConfig.fast(**SMALL),  # float32, Nesterov, He, shuffle, warm-up + cosine, running metric
    "adam": TrainConfig.original(optimizer="adam", lr=0.001, init="xavier", **SMALL),
    "biases_l2": TrainConfig.original(biases=True, l2=1e-4, optimizer="momentum", lr=0.1, **SMALL),
    # a short last batch (2,100 = 10 x 200 + 100), divided by its own size
    "short_batch": TrainConfig.fast(dtype="float64", batch_size=200, train_size=2100, epochs=2),
    "short_batch_nominal": TrainConfig.original(batch_size=200, train_size=2100, epochs=2),
}
TOLERANCE = {"float64": 1e-12, "float32": 1e-5}  # largest difference of a weight


@pytest.fixture(scope="module")
def data():
    return load_mnist()


def printed_table(out: str) -> list[str]:
    return [line for line in out.splitlines() if line.startswith(("Epoch ", "Accuracy on test dataset"))]


@pytest.mark.parametrize("name", sorted(CONFIGS))
def test_the_notebook_gives_the_apps_weights_and_table(name, data):
    config = CONFIGS[name]
    trainer = Trainer(config, data)
    for _ in trainer.epochs():
        pass
    nb = nbformat.reads(notebook_bytes(config, mnist_path=str(DEFAULT_PATH)).decode(), as_version=4)
    namespace, out = run_code(nb)
    for param, value in trainer.model.params().items():
        mine = namespace[param]
        assert mine.dtype == value.dtype, param
        assert np.abs(mine - value).max() <= TOLERANCE[config.dtype], param
    assert printed_table(out) == table_lines([r.to_dict() for r in trainer.history], config.epochs)


def test_the_code_reads_like_the_seed_notebook():
    nb = notebook(TrainConfig.original())
    code = "\n".join(c.source for c in nb.cells if c.cell_type == "code")
    for name in ("W_h", "W_o", "z", "h", "theta", "y_hat", "delta_1", "delta_2"):
        assert re.search(rf"\b{name}\b", code), name
    assert "(N, 784) @ (784, H) -> (N, H)" in code  # shapes in the comments
    imported = {
        alias.name.split(".")[0]
        for node in ast.walk(ast.parse(code))
        if isinstance(node, ast.Import | ast.ImportFrom)
        for alias in (node.names if isinstance(node, ast.Import) else [ast.alias(node.module)])
    }
    assert imported == {"math", "urllib", "pathlib", "numpy"}  # NumPy alone, and the standard library
    first_code = next(c for c in nb.cells if c.cell_type == "code").source
    assert 'MNIST_PATH = Path("mnist.npz")' in first_code


@pytest.mark.parametrize("lang", LANGUAGES)
def test_settings_it_cannot_redo_are_said_in_the_first_cell(lang):
    config = TrainConfig.robust(extra_digits=True)
    assert not_reproduced(config) == ["augment", "extra_digits"]
    first = notebook(config, lang).cells[0]
    assert first.cell_type == "markdown"
    for part in ("not-exact", "caveat-augment", "caveat-extra-digits"):
        assert text(lang, part) in first.source
    plain = notebook(TrainConfig.fast(), lang).cells[0].source
    assert text(lang, "not-exact") not in plain and text(lang, "exact", dtype="float32") in plain


def test_a_notebook_that_cannot_redo_the_run_still_trains_the_plain_version():
    config = TrainConfig.robust(train_size=500, epochs=1, hidden=32)
    _, out = run_code(notebook(config, mnist_path=str(DEFAULT_PATH)))
    assert printed_table(out)[0].startswith("Epoch 1/1;")


def test_both_languages_have_the_same_cells_and_placeholders():
    names = {lang: sorted(p.name for p in (TEXT / lang).glob("*.md")) for lang in LANGUAGES}
    assert names["en"] == names["ru"]
    for name in names["en"]:
        found = {lang: set(PLACEHOLDER.findall((TEXT / lang / name).read_text(encoding="utf-8"))) for lang in LANGUAGES}
        assert found["en"] == found["ru"], name
        assert (TEXT / "en" / name).read_text(encoding="utf-8") != (TEXT / "ru" / name).read_text(encoding="utf-8")


@pytest.mark.parametrize("config", [*CONFIGS.values(), TrainConfig.robust(), TrainConfig.fast(init="xavier")])
def test_every_language_gives_the_same_cells_and_the_same_code(config):
    en, ru = (cells(config, lang) for lang in LANGUAGES)
    assert [kind for kind, _ in en] == [kind for kind, _ in ru]
    assert [src for kind, src in en if kind == "code"] == [src for kind, src in ru if kind == "code"]
    for kind, src in en:
        if kind == "code":
            compile(src, "<cell>", "exec")
    nbformat.validate(notebook(config, "ru"))


def test_the_original_presets_notebook_lists_the_seeds_printed_values():
    last = notebook(TrainConfig.original()).cells[-2].source
    assert "| 1 | 0.923 | 0.565 |" in last and "| 20 | 0.994 | — |" in last and "0.9797" in last
    assert "0.9797" not in notebook(TrainConfig.original(epochs=3)).cells[-2].source


def test_the_same_run_exports_the_same_file():
    assert notebook_bytes(TrainConfig.fast()) == notebook_bytes(TrainConfig.fast())
    with pytest.raises(ValueError):
        notebook(TrainConfig.fast(), "de")
