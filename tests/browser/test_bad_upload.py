"""Bad model files on the Train page, in a real browser: a malicious .npz (a pickled
object array that would run code if unpickled) and random bytes each get the loader's
own message, nothing runs, the session's model stays active and the page keeps working."""

from __future__ import annotations

import io
import os
import pickletools
import re
import zipfile

import numpy as np
import pytest
from browser_helpers import open_page, set_number, wait_idle

from mlp_core.io import ModelFileError, load_model
from ui.i18n import t

FINISHED = re.compile(r"Run (\d+) finished: \d+\.\d\d% on the test set")


class Payload:
    """Unpickling this runs os.mkdir(path): the server must never unpickle it."""

    def __init__(self, path: str) -> None:
        self.path = path

    def __reduce__(self):
        return (os.mkdir, (self.path,))


def npy(array: np.ndarray) -> bytes:
    buf = io.BytesIO()
    np.save(buf, array, allow_pickle=array.dtype.hasobject)  # writing the hostile file; nothing here loads one
    return buf.getvalue()


def malicious_npz(marker: str) -> bytes:
    """Shaped like a model file (format_version, W_h, W_o), but W_h is a pickled object array."""
    w_h = np.empty((784, 16), dtype=object)
    w_h[0, 0] = Payload(marker)
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as zf:
        zf.writestr("format_version.npy", npy(np.array(1, dtype=np.int64)))
        zf.writestr("W_h.npy", npy(w_h))
        zf.writestr("W_o.npy", npy(np.zeros((16, 10), dtype=np.float32)))
    return buf.getvalue()


def reason(data: bytes) -> tuple[str, str]:
    """What the page must show for this file: the sentence for its kind of problem
    (what is wrong, what to do) and the loader's own finding."""
    with pytest.raises(ModelFileError) as info:
        load_model(data)
    return t(f"modelfile.{info.value.code}"), info.value.detail


def sidebar_model(page) -> str:
    return page.locator("[data-testid=stSidebar]").inner_text()


def test_bad_model_files_change_nothing(page, app_url, tmp_path):
    marker = tmp_path / "payload-ran"
    evil = malicious_npz(str(marker))
    junk = np.random.default_rng(7).bytes(4096)
    # The file really is malicious: W_h is a pickle that calls os.mkdir on the marker when
    # unpickled. Read its opcodes without running them (this test never unpickles it either).
    with zipfile.ZipFile(io.BytesIO(evil)) as zf:
        member = io.BytesIO(zf.read("W_h.npy"))
    assert np.lib.format.read_magic(member) == (1, 0)
    assert np.lib.format.read_array_header_1_0(member)[2].hasobject  # an object array: a pickle follows
    ops = [(op.name, arg) for op, arg, _ in pickletools.genops(member)]
    assert ("SHORT_BINUNICODE", "mkdir") in ops and ("SHORT_BINUNICODE", str(marker)) in ops

    open_page(page, app_url, "Train")
    # A small run, so the active model is this session's own.
    set_number(page, "train_w_hidden", 16)
    set_number(page, "train_w_n_train", 500)
    set_number(page, "train_w_epochs", 1)
    page.locator(".st-key-train_start button").click()
    page.get_by_text(FINISHED).wait_for(timeout=120_000)
    wait_idle(page)
    before_sidebar = sidebar_model(page)
    assert "trained in this lab" in before_sidebar
    test_acc = page.locator("[data-testid=stMetric]").filter(has_text="Test accuracy")
    before_acc = test_acc.inner_text()

    uploader = page.locator(".st-key-train_upload input[type=file]")
    for name, data in (("model.npz", evil), ("random.npz", junk)):
        sentence, detail = reason(data)
        uploader.set_input_files(files=[{"name": name, "mimeType": "application/octet-stream", "buffer": data}])
        # What is wrong and what to do, then the loader's finding.
        alert = page.locator("[data-testid=stAlert]").filter(has_text=sentence)
        alert.wait_for(timeout=30_000)
        wait_idle(page)
        assert alert.inner_text().startswith("The file was not loaded and nothing was changed.")
        assert detail in alert.inner_text()
        assert page.locator("[data-testid=stException]").count() == 0
        # Nothing changed: the same model is active, with the same numbers.
        assert sidebar_model(page) == before_sidebar
        assert test_acc.inner_text() == before_acc
        assert not marker.exists(), "the server unpickled the uploaded file"
    assert "holds Python objects" in reason(evil)[1]

    # The page still works: Start trains a new run to the end.
    page.locator(".st-key-train_start button").click()
    page.get_by_text(re.compile(r"Run 2 finished")).wait_for(timeout=120_000)
    wait_idle(page)
    assert page.locator("[data-testid=stException]").count() == 0
    assert "trained in this lab" in sidebar_model(page)
