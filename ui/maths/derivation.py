"""The notebook's derivation, section by section: the prose and formulas are in
``lesson/<lang>/``; this module only says in which order, and with which numbers."""

from __future__ import annotations

import streamlit as st

from ..i18n import Translator
from . import prose


def derivation(T: Translator, *, hidden: int, biases: bool) -> None:
    """The derivation for the active model: ``hidden`` units, with or without biases."""
    prose.show(T, "network")
    if biases:
        st.info(prose.text("biases", T.lang))
    prose.show(T, "chain-rule")
    prose.show(T, "deltas")
    prose.show(T, "softmax-cross-entropy")
    prose.show(T, "delta-2")
    prose.show(T, "gradients")
    prose.show(T, "update")
    prose.show(T, "shapes", hidden=hidden)
    prose.show(T, "batch")
