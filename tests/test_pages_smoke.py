"""Every page renders without an exception in both languages (AppTest)."""

import pytest
from streamlit.testing.v1 import AppTest

from ui.i18n import LANGUAGES
from ui.state import LabState

PAGES = ["app.py", "pages/1_Maths.py", "pages/2_Train.py", "pages/3_Draw.py"]


@pytest.mark.parametrize("lang", list(LANGUAGES))
@pytest.mark.parametrize("page", PAGES)
def test_page_renders(page, lang):
    at = AppTest.from_file(page, default_timeout=60)
    at.session_state["lab"] = LabState(lang=lang)
    at.run()
    assert not at.exception, [e.message for e in at.exception]
    assert at.session_state["lab"].lang == lang
    assert len(at.sidebar.selectbox) >= 1  # the language switch is on every page
