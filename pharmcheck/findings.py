"""What a rule returns: findings, each with an outcome code and its evidence.

A rule module yields :class:`Finding` objects. The outcome code (kebab-case, stable, never reused) is
what the scoring table keys on; the status is the rule's own judgement; the evidence is what a user can
check for themselves: the page URL, the exact quoted text and why it supports the finding. A finding
about something *absent* lists in ``searched`` the pages that were searched.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

PASS = "pass"
FAIL = "fail"
WARN = "warn"
NOT_APPLICABLE = "not-applicable"
ERROR = "error"
INFO = "info"

STATUSES = (PASS, FAIL, WARN, NOT_APPLICABLE, ERROR, INFO)

# Evidence is capped, as the HTTP Observatory caps header values: a quote is proof, not a copy.
MAX_QUOTE = 240


def clip(text: str | None, limit: int = MAX_QUOTE) -> str | None:
    if text is None:
        return None
    text = " ".join(text.split())
    if len(text) <= limit:
        return text
    return text[: limit - 1].rstrip() + "…"


@dataclass
class Evidence:
    """One piece of proof: where it is (url, where on the page), what it says (quote), and why it counts."""

    url: str
    why: str
    quote: str | None = None
    where: str | None = None  # "text", "link", "form", "header", "certificate", "title", "image", ...

    def __post_init__(self) -> None:
        self.quote = clip(self.quote)

    def to_dict(self) -> dict[str, Any]:
        return {"url": self.url, "quote": self.quote, "where": self.where, "why": self.why}


@dataclass
class Finding:
    outcome: str
    status: str
    message: str
    evidence: list[Evidence] = field(default_factory=list)
    searched: list[str] = field(default_factory=list)  # pages searched, for absence findings
    facts: dict[str, Any] = field(default_factory=dict)  # structured facts (certificate, prices, ...)

    def __post_init__(self) -> None:
        if self.status not in STATUSES:
            raise ValueError(f"unknown status {self.status!r}")

    def to_dict(self) -> dict[str, Any]:
        return {
            "outcome": self.outcome,
            "status": self.status,
            "message": self.message,
            "evidence": [e.to_dict() for e in self.evidence],
            "searched": list(self.searched),
            "facts": self.facts,
        }
