"""The Maths page in parts, one job each; pages/1_Maths.py lays them out.

- ``lesson/<lang>/*.md``: the lesson itself, prose and formulas, one file per section;
  ``prose`` reads them.
- ``shared``: what the three views share (the view selector, the learning rate, the
  before/after metrics, the page's CSS).
- ``derivation``: the notebook's derivation, section by section.
- ``picker``, ``real_digit``, ``check``: the walkthrough on a real digit (choosing the
  digit; the forward and backward pass and one step; the gradient check).
- ``tiny`` and ``tex``: the tiny network with every number written out in KaTeX.

Numbers come from ``mlp_core.walkthrough`` and are written by ``ui.numbers``.
"""
