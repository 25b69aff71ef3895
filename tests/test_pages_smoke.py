"""Every page renders without an exception in both languages (AppTest)."""

from pathlib import Path

import pytest
from streamlit.testing.v1 import AppTest

from ui.i18n import LANGUAGES
from ui.state import LabState

ROOT = Path(__file__).resolve().parents[1]
PAGES = ["app.py", "pages/1_Maths.py", "pages/2_Train.py", "pages/3_Draw.py"]


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
    assert at.session_state["lab"].lang == lang
    assert len(at.sidebar.selectbox) >= 1  # the language switch is on every page
    assert at.title, "every page has a title"
