"""The gradient check on a real digit: backpropagation's gradient beside a central
difference for a few weights (mlp_core.gradcheck), and what their agreement means."""

from __future__ import annotations

import math

import pandas as pd
import streamlit as st

from mlp_core.gradcheck import GradCheckRow

from .. import numbers
from ..common import get_state
from ..i18n import Translator
from . import prose
from .shared import table

EPS = 1e-5  # central differences: small enough for 8 digits, large enough to beat rounding
TOLERANCE = 1e-6
SURE_LOSS = 1e-8  # below this E, y_hat - y itself loses digits to rounding (y_hat is within 1e-8 of 1)


def _new_check() -> None:
    get_state().maths_check_seed += 1


def check_table(T: Translator, rows: list[GradCheckRow]) -> pd.DataFrame:
    return pd.DataFrame(
        {
            # one column, as NumPy indexes it (W_h[635, 346]): narrow enough for a phone
            T("maths.col_param"): [f"{r.param}[{', '.join(map(str, r.index))}]" for r in rows],
            T("maths.col_analytic"): [r.analytic for r in rows],
            T("maths.col_numeric"): [r.numeric for r in rows],
            T("maths.col_rel"): [r.rel_error for r in rows],
        }
    )


def check_section(T: Translator, rows: list[GradCheckRow], loss: float) -> None:
    """The check's table and verdict. ``loss`` is the digit's E: when it is below ~1e-9, ŷ rounds
    next to 1 and backprop's own ŷ - y has only a few correct digits left, which is said so."""
    lang = T.lang
    prose.show(T, "check", eps_exponent=round(math.log10(EPS)))
    a, n, r = T("maths.col_analytic"), T("maths.col_numeric"), T("maths.col_rel")
    # a and n in one format, with 8 significant digits of the smallest: they should agree to the last
    compared = numbers.digit_by_digit_formatter([v for row in rows for v in (row.analytic, row.numeric)], lang)
    # A plain HTML table, not a data grid: its cells wrap and shrink on a phone (PHONE_CSS), so the
    # two gradients and their relative error are all in view, and a screen reader reads it as a table.
    with st.container(key="maths_check"):
        st.table(
            table(check_table(T, rows), {a: compared, n: compared, r: lambda v: numbers.scientific(v, lang, 2)}),
            hide_index=True,
        )
    worst = max((row.rel_error for row in rows), default=0.0)
    worst_text = numbers.scientific(worst, lang, 2)
    if worst < TOLERANCE:
        st.success(T("maths.check_ok", worst=worst_text))
    elif loss < SURE_LOSS:
        st.info(T("maths.check_sure", worst=worst_text, loss=numbers.scientific(loss, lang, 2)))
    else:
        st.warning(T("maths.check_bad", worst=worst_text, tolerance=numbers.scientific(TOLERANCE, lang, 1)))
    st.button(T("maths.check_again"), key="maths_check_again", on_click=_new_check)
