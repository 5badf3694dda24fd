"""The report: the JSON contract. The renderers (pharmcheck.render) read only that JSON.

The report dict is what `check --json` prints and what each line of `audit --format jsonl` holds. Its
JSON Schema ships with the package (``pharmcheck schema``); ``SCHEMA_VERSION`` changes when the shape
does: a minor bump for added fields, a major bump for anything removed or changed.
"""

from __future__ import annotations

import json
from importlib import resources
from typing import TYPE_CHECKING, Any

from . import __version__
from .render.advice import choose_advice
from .scoring import SCORING_VERSION, VERDICTS

if TYPE_CHECKING:
    from .site import RawSite, Site

SCHEMA_VERSION = "1.1"
DISCLAIMER = (
    "pharmcheck reports risk signals found on the pages it read; it does not certify a pharmacy. "
    "A good result is not proof of legitimacy: check the pharmacy's licence with your regulator."
)


def build_report(raw: "RawSite", site: "Site | None", rule_results: list[dict[str, Any]], graded: dict[str, Any]) -> dict[str, Any]:
    verdict = graded["verdict"]
    summary = VERDICTS[verdict]["summary"]
    if verdict == "could-not-check" and raw.error:
        summary = f"{summary} Reason: {raw.error}"
    if graded.get("gate_note"):
        summary = f"{summary} {graded['gate_note']}"
    pages = []
    for p in raw.pages:
        pages.append(
            {
                "url": p.url,
                "requested_url": p.requested_url or p.url,
                "role": p.role,
                "status": p.status,
                "content_type": p.content_type or None,
                "bytes": len(p.body),
                "truncated": p.truncated,
                "redirects": p.redirects,
                "error": p.error,
            }
        )
    from .site import registered_domain

    return {
        "schema_version": SCHEMA_VERSION,
        "tool": {"name": "pharmcheck", "version": __version__},
        "scoring_version": SCORING_VERSION,
        "requested": raw.requested,
        "requested_url": raw.start_url,
        "final_url": raw.final_url,
        "registered_domain": (site.registered_domain if site is not None else registered_domain(raw.final_url or raw.start_url)) or None,
        "mode": raw.mode,
        "fetched_at": raw.fetched_at,
        "elapsed_ms": raw.elapsed_ms,
        "verdict": {
            "code": verdict,
            "label": VERDICTS[verdict]["label"],
            "score": graded["score"],
            "summary": summary,
            "critical": sorted(set(graded.get("critical", []))),
            "cautions": sorted(set(graded.get("cautions", []))),
        },
        "error": {"kind": raw.error_kind or "error", "message": raw.error} if raw.error else None,
        "connection": {
            "tls": raw.tls.to_dict(),
            "http_probe": raw.http_probe.to_dict(),
            "robots": raw.robots or None,
        },
        "pages": pages,
        "rules": rule_results,
        "advice": choose_advice(verdict, rule_results, {"kind": raw.error_kind or "error"} if raw.error else None),
        "notes": list(raw.notes),
        "disclaimer": DISCLAIMER,
    }


def to_json(report: dict[str, Any], *, indent: int | None = 2) -> str:
    return json.dumps(report, sort_keys=True, indent=indent, ensure_ascii=False)


def json_schema() -> dict[str, Any]:
    text = resources.files("pharmcheck").joinpath("schema/report.schema.json").read_text(encoding="utf-8")
    return json.loads(text)


# The terminal renderer lives in pharmcheck.render.text; it is re-exported here for older callers.
from .render.text import render_terminal, render_text  # noqa: E402

__all__ = ["SCHEMA_VERSION", "DISCLAIMER", "build_report", "to_json", "json_schema", "render_terminal", "render_text"]
