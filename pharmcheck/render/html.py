"""The HTML report (placeholder until written)."""

from __future__ import annotations

from typing import Any


def render_html(report: dict[str, Any]) -> str:
    raise NotImplementedError
