"""Every page renders without an exception in both languages (AppTest)."""

from pathlib import Path

import pytest
from streamlit.testing.v1 import AppTest

from ui.i18n import LANGUAGES, t
from ui.state import LabState

ROOT = Path(__file__).resolve().parents[1]
PAGES = ["app.py", "pages/1_Maths.py", "pages/2_Train.py", "pages/3_Draw.py", "pages/4_Room.py"]


@pytest.mark.parametrize("lang", list(LANGUAGES))
@pytest.mark.parametrize("page", PAGES)
def test_page_renders(page, lang):
    # Start from the entry point, as a browser does, then open the page.
    at = AppTest.from_file(str(ROOT / "app.py"), default_timeout=60)
    at.session_state["lab"] = LabState(lang=lang)
    at.run()
    if page != "app.py":
        at.switch_page(page)
        at.run()
    assert not at.exception, [e.message for e in at.exception]
    # the language switch is on every page, and the page is drawn in the session's language
    assert at.sidebar.selectbox[0].label == t("lang.label", lang)
    assert at.title, "every page has a title"
