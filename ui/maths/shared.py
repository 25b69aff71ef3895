"""What the Maths page's three views share: the view selector, the learning-rate control,
the before/after metrics of one SGD step, the charts' config and the page's CSS. Values
are kept in LabState: widget keys are dropped on a page switch."""

from __future__ import annotations

import json
from collections.abc import Callable

import pandas as pd
import streamlit as st
from pandas.io.formats.style import Styler

from mlp_core.walkthrough import SGDStep

from .. import numbers
from ..common import choice_key, get_state
from ..i18n import Translator
from ..state import LabState

KEYS_VIEW = {"derivation": "maths.view_derivation", "live": "maths.view_live", "tiny": "maths.view_tiny"}
VIEWS = tuple(KEYS_VIEW)
LEARNING_RATES = (0.001, 0.01, 0.05, 0.1, 0.2, 0.5, 1.0, 2.0, 5.0)
CHART = {"displayModeBar": False}

# KaTeX's display size (1.21em) makes matrices wider than a phone; there they get the text's
# size, and whatever is still wider scrolls sideways instead of being cut off. The side
# padding holds KaTeX's few pixels of glyph overhang, which would otherwise scroll too.
# The tiny network's step buttons stay under the page's header while its round is read,
# so a step never means scrolling back up (the page wraps the round in one container).
PHONE_CSS = """<style>
@media (max-width: 640px) {
  [data-testid=stMain] .katex-display > .katex { font-size: 1em; }
  .st-key-maths_check table { font-size: 0.8rem; }
  .st-key-maths_check th, .st-key-maths_check td { padding: 0.25rem 0.3rem; white-space: normal; }
}
[data-testid=stMain] .katex-display { overflow-x: auto; overflow-y: hidden; padding: 2px 6px; }
[data-testid=stLayoutWrapper]:has(> .st-key-tiny_bar) {
  position: sticky; top: 3.75rem; z-index: 50; background: #ffffff;
  padding: 0.4rem 0; border-bottom: 1px solid #e5e7eb;
}
</style>"""

# A formula wider than the screen scrolls sideways; a keyboard can scroll it only if it can
# take the focus (WCAG 2.1.1). KaTeX renders in the browser, so the page marks such formulas
# there, as they appear and whenever the window is resized: focusable, a named region.
FOCUSABLE_FORMULAS_JS = """<script>
(() => {
  const label = %s;
  const mark = () => document.querySelectorAll("[data-testid=stMain] .katex-display").forEach((el) => {
    if (el.scrollWidth > el.clientWidth) {
      if (el.getAttribute("tabindex") !== "0") {
        el.setAttribute("tabindex", "0");
        el.setAttribute("role", "region");
        el.setAttribute("aria-label", label);
      }
    } else if (el.hasAttribute("tabindex")) {
      el.removeAttribute("tabindex");
      el.removeAttribute("role");
      el.removeAttribute("aria-label");
    }
  });
  window.formulaLabel = label;
  if (!window.formulaObserver) {
    let queued = false;
    const later = () => { if (!queued) { queued = true; requestAnimationFrame(() => { queued = false; mark(); }); } };
    window.formulaObserver = new MutationObserver(later);
    window.formulaObserver.observe(document.body, { childList: true, subtree: true });
    window.addEventListener("resize", later);
  }
  mark();
})();
</script>"""


def page_style(T: Translator) -> None:
    """The page's CSS, and the script that lets the keyboard scroll a formula wider than the screen."""
    st.html(PHONE_CSS)
    st.html(FOCUSABLE_FORMULAS_JS % json.dumps(T("maths.formula_region")), unsafe_allow_javascript=True)


def keep(attr: str, key: str) -> None:
    """A widget's on_change: copy its value into LabState."""
    setattr(get_state(), attr, st.session_state[key])


def _on_view() -> None:
    value = st.session_state.get(choice_key("maths_view", get_state().lang))
    if value in VIEWS:
        get_state().maths_view = value


def view_selector(state: LabState, T: Translator) -> str:
    st.session_state[choice_key("maths_view", state.lang)] = state.maths_view
    st.segmented_control(
        T("maths.view"),
        VIEWS,
        format_func=lambda v: T(KEYS_VIEW[v]),
        key=choice_key("maths_view", state.lang),
        required=True,
        on_change=_on_view,
        label_visibility="collapsed",
        width="stretch",
    )
    return state.maths_view


def lr_control(state: LabState, T: Translator, attr: str) -> float:
    """The learning rate η, one of LEARNING_RATES, kept in ``state.<attr>``. Its values are
    written as the language writes them, so the widget has a key per language (choice_key)."""
    if getattr(state, attr) not in LEARNING_RATES:
        setattr(state, attr, 0.1)
    key = choice_key(attr, T.lang)
    st.session_state[key] = getattr(state, attr)
    st.select_slider(
        T("maths.lr"),
        LEARNING_RATES,
        format_func=lambda v: numbers.shortest(v, T.lang),
        key=key,
        on_change=keep,
        args=(attr, key),
    )
    return float(getattr(state, attr))


def loss(v: float, T: Translator) -> str:
    """E as a metric shows it: four decimals, or scientific notation for a sure network's tiny E."""
    return numbers.fixed_or_scientific(v, T.lang)


def delta(text: str) -> str:
    """A signed number as st.metric's delta: Streamlit points the arrow down only for a
    leading ASCII hyphen, so the minus sign becomes one, and only "0" has no arrow."""
    return text.replace(numbers.MINUS, "-", 1) if text.startswith(numbers.MINUS) else text


def loss_metrics(T: Translator, step: SGDStep, before, after) -> None:
    """E before and after the step, in the columns ``before`` and ``after``; a fall is green."""
    before.metric(T("maths.loss_before"), loss(step.loss_before, T))
    change = step.loss_after - step.loss_before
    after.metric(
        T("maths.loss_after"),
        loss(step.loss_after, T),
        delta(numbers.signed(loss(change, T))) if change else "0",
        delta_color="inverse",
    )


def table(frame: pd.DataFrame, formats: dict[str, Callable[[float], str]]) -> Styler:
    """``frame`` for st.dataframe with its number columns written by ``formats`` (one
    ``ui.numbers`` formatter per column): the cells show the language's numbers while the
    data stay numbers."""
    return frame.style.format(formats)
