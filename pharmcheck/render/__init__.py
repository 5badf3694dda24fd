"""Renderers: each reads only the JSON report (``pharmcheck.report.build_report``) and shows it.

* ``text``: the terminal report, one screen by default, every finding with ``verbose``;
* ``html``: one self-contained page to keep or share;
* ``digest``: what both show, chosen once (the deciding reasons, what was not checked, findings by page);
* ``wording``: the words a person reads; ``advice``: what to do, chosen from the findings when the report
  is built (it is part of the JSON report).
"""

from __future__ import annotations

from .digest import Digest, digest
from .html import render_html
from .text import render_terminal, render_text

__all__ = ["Digest", "digest", "render_html", "render_terminal", "render_text"]
