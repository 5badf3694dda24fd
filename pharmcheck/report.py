"""The report: the JSON contract, and the renderers that read only that JSON.

The report dict is what `check --json` prints and what each line of `audit --format jsonl` holds. Its
JSON Schema ships with the package (``pharmcheck schema``); ``SCHEMA_VERSION`` changes when the shape
does: a minor bump for added fields, a major bump for anything removed or changed.
"""

from __future__ import annotations

import json
from importlib import resources
from typing import TYPE_CHECKING, Any

from . import __version__
from .scoring import ADVICE, SCORING_VERSION, VERDICTS

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
        "advice": ADVICE[verdict],
        "notes": list(raw.notes),
        "disclaimer": DISCLAIMER,
    }


def to_json(report: dict[str, Any], *, indent: int | None = 2) -> str:
    return json.dumps(report, sort_keys=True, indent=indent, ensure_ascii=False)


def json_schema() -> dict[str, Any]:
    text = resources.files("pharmcheck").joinpath("schema/report.schema.json").read_text(encoding="utf-8")
    return json.loads(text)


# ----------------------------------------------------------------------------------------------
# Terminal


_VERDICT_STYLE = {
    "likely-legitimate": "bold green",
    "caution": "bold yellow",
    "likely-rogue": "bold red",
    "not-a-pharmacy": "bold blue",
    "could-not-check": "bold magenta",
}
_STATUS_MARK = {
    "pass": ("PASS", "green"),
    "fail": ("FAIL", "red"),
    "warn": ("WARN", "yellow"),
    "info": ("INFO", "cyan"),
    "not-applicable": ("N/A ", "dim"),
    "error": ("ERR ", "magenta"),
}


def render_terminal(report: dict[str, Any], console: Any = None, *, verbose: bool = False) -> None:
    """The report for a person: verdict first, then each signal with its evidence, then what to do."""
    from rich.console import Console
    from rich.panel import Panel
    from rich.table import Table
    from rich.text import Text

    console = console or Console(highlight=False)
    v = report["verdict"]
    head = Text()
    head.append(f"{v['label'].upper()}", style=_VERDICT_STYLE[v["code"]])
    if v["score"] is not None:
        head.append(f"   score {v['score']}/100")
    head.append(f"\n{report['final_url'] or report['requested_url']}", style="bold")
    if report["final_url"] and report["final_url"] != report["requested_url"]:
        head.append(f"\n(asked for {report['requested_url']})", style="dim")
    head.append(f"\n\n{v['summary']}")
    console.print(Panel(head, title="pharmcheck", title_align="left", border_style=_VERDICT_STYLE[v["code"]].split()[-1], width=min(console.width, 100)))
    if v["critical"]:
        console.print(Text("Critical red flags: " + ", ".join(v["critical"]), style="bold red"))
    elif v["code"] == "caution" and v["cautions"]:
        console.print(Text("Held at caution by: " + ", ".join(v["cautions"]), style="yellow"))

    for rule in report["rules"]:
        mark, style = _STATUS_MARK[rule["status"]]
        console.print()
        line = Text()
        line.append(f"[{mark}] ", style=f"bold {style}")
        line.append(rule["title"], style="bold")
        if rule["score"] is not None and rule["weight"]:
            line.append(f"  ({round(rule['score'] * 100)}%, weight {rule['weight']:g})", style="dim")
        console.print(line)
        # A grid gives each finding a hanging indent: the mark in one column, the words wrapped in the other.
        grid = Table.grid(padding=(0, 1))
        grid.add_column(width=6, no_wrap=True)
        grid.add_column()
        for finding in rule["findings"]:
            fmark, fstyle = _STATUS_MARK[finding["status"]]
            body = Text(finding["message"])
            limit = None if verbose else 2
            for ev in finding["evidence"][:limit]:
                body.append(f"\n{ev['url']}", style="dim")
                if ev.get("quote"):
                    body.append(f'\n"{ev["quote"]}"')
                body.append(f"\n{ev['why']}", style="dim italic")
            hidden = len(finding["evidence"]) - (limit or len(finding["evidence"]))
            if hidden > 0:
                body.append(f"\n(+{hidden} more; --verbose or --json shows all)", style="dim")
            if finding["searched"] and not finding["evidence"]:
                n = len(finding["searched"])
                body.append(f"\nsearched {n} page{'s' if n != 1 else ''}: {_short_list(finding['searched'])}", style="dim")
            grid.add_row(Text(f"  {fmark.strip()}", style=fstyle), body)
        console.print(grid)

    if report["error"]:
        console.print()
        console.print(Text(f"Error ({report['error']['kind']}): {report['error']['message']}", style="magenta"))
    console.print()
    console.print(Text("What to do", style="bold"))
    tips = Table.grid(padding=(0, 1))
    tips.add_column(width=2, no_wrap=True)
    tips.add_column()
    for tip in report["advice"]:
        tips.add_row(" -", Text(tip))
    console.print(tips)
    n_pages = sum(1 for p in report["pages"] if not p["error"])
    console.print()
    mode = "saved pages, offline" if report["mode"] == "offline" else f"fetched {report['fetched_at']}"
    console.print(Text(f"{n_pages} page(s) read ({mode}). {report['disclaimer']}", style="dim"))


def _short_list(urls: list[str], limit: int = 4) -> str:
    shown = ", ".join(urls[:limit])
    return shown + (f" and {len(urls) - limit} more" if len(urls) > limit else "")
