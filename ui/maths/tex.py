"""Numbers, matrices and chains of equalities written for KaTeX, as the language writes
numbers (0.25 / 0{,}25): the tiny network's whiteboard."""

from __future__ import annotations

import numpy as np

from .. import numbers


def number(v: float, lang: str, decimals: int = 3) -> str:
    """A whiteboard number (at most ``decimals`` decimals; a tiny value as 2.3 × 10⁻⁵, never 0)."""
    return numbers.tex(numbers.whiteboard(v, lang, decimals))


def paren(v: float, lang: str) -> str:
    """A factor of a product: negative numbers in parentheses."""
    return f"({number(v, lang)})" if v < 0 else number(v, lang)


def bmatrix(a: np.ndarray, lang: str, decimals: int = 3) -> str:
    """A 1-D array as a column, a 2-D array as it is, in KaTeX's bmatrix."""
    a = np.asarray(a, dtype=float)
    if a.ndim == 1:
        a = a[:, None]
    body = r" \\ ".join(" & ".join(number(v, lang, decimals) for v in row) for row in a)
    return r"\begin{bmatrix} " + body + r" \end{bmatrix}"


def row_matrix(a: np.ndarray, lang: str, decimals: int = 3) -> str:
    """A 1-D array as a row."""
    return bmatrix(np.asarray(a, dtype=float)[None, :], lang, decimals)


def chain(lhs: str, *steps: str) -> str:
    """``lhs = step_1 = step_2 ...`` with one step per line, so matrices fit a phone's width."""
    lines = [rf"{lhs} &{steps[0]}"] + [rf"&{step}" for step in steps[1:]]
    return r"\begin{aligned} " + r" \\[4pt] ".join(lines) + r" \end{aligned}"
