"""The summary of an audit as one self-contained HTML page: inline CSS and SVG bar charts, no script, no
external resource (fonts, images, styles), so it works offline, prints, and can go into a report as it is.

Every string from the results (URLs, domains, error messages: written by the sites judged) is escaped.
"""

from __future__ import annotations

from html import escape
from typing import Any

VERDICT_COLOURS = {
    "likely-legitimate": "#2e7d32",
    "caution": "#b26a00",
    "likely-rogue": "#c62828",
    "not-a-pharmacy": "#1565c0",
    "could-not-check": "#6a1b9a",
}
STATUS_COLOURS = {"pass": "#2e7d32", "warn": "#b26a00", "fail": "#c62828", "info": "#78909c", "not-applicable": "#b0bec5", "error": "#6a1b9a"}
BAR = "#455a64"

CSS = """
body{font:15px/1.45 system-ui,-apple-system,"Segoe UI",Roboto,sans-serif;color:#1a1a1a;max-width:60rem;margin:2rem auto;padding:0 1rem}
h1{font-size:1.6rem;margin:0 0 .3rem}h2{font-size:1.15rem;margin:2rem 0 .5rem;border-bottom:1px solid #ddd;padding-bottom:.2rem}
.lead{color:#444}.disclaimer{margin-top:2.5rem;padding:.8rem 1rem;background:#f5f5f5;border-left:4px solid #90a4ae;color:#333}
table{border-collapse:collapse;width:100%;font-size:.92rem}td,th{text-align:left;padding:.25rem .5rem;border-bottom:1px solid #eee;vertical-align:top}
td.n,th.n{text-align:right;font-variant-numeric:tabular-nums}svg{display:block;max-width:100%;height:auto}
.url{word-break:break-all}.legend span{display:inline-block;margin-right:1rem;font-size:.85rem}
.legend i{display:inline-block;width:.8rem;height:.8rem;margin-right:.3rem;vertical-align:-.1rem}
@media print{body{margin:0;max-width:none}h2{break-after:avoid}svg,table{break-inside:avoid}}
"""


def _bars(title: str, counts: dict[str, int], total: int, colours: dict[str, str] | None = None, chart_id: str = "") -> str:
    if not counts:
        return ""
    label_w, bar_w, row_h = 260, 420, 24
    top = max(counts.values()) or 1
    height = row_h * len(counts) + 6
    rows = []
    for i, (key, n) in enumerate(counts.items()):
        y = i * row_h + 3
        w = max(1, round(bar_w * n / top)) if n else 0
        share = f" ({100 * n / total:.1f}%)" if total else ""
        colour = (colours or {}).get(key, BAR)
        rows.append(
            f'<g class="bar" data-key="{escape(key)}" data-count="{n}">'
            f'<text x="{label_w - 8}" y="{y + 16}" text-anchor="end" font-size="13">{escape(_short(key))}</text>'
            f'<rect x="{label_w}" y="{y + 2}" width="{w}" height="{row_h - 6}" fill="{colour}"><title>{escape(key)}: {n}{share}</title></rect>'
            f'<text x="{label_w + w + 6}" y="{y + 16}" font-size="13">{n}{share}</text></g>'
        )
    width = label_w + bar_w + 120
    return (
        f'<h2>{escape(title)}</h2><svg id="{chart_id}" role="img" aria-label="{escape(title)}" viewBox="0 0 {width} {height}" '
        f'width="{width}" height="{height}" xmlns="http://www.w3.org/2000/svg" font-family="system-ui,sans-serif">'
        + "".join(rows) + "</svg>"
    )


def _stacked(rules: dict[str, dict[str, int]]) -> str:
    if not rules:
        return ""
    label_w, bar_w, row_h = 160, 540, 26
    height = row_h * len(rules) + 6
    rows = []
    for i, (rule, counts) in enumerate(rules.items()):
        y = i * row_h + 3
        total = sum(counts.values()) or 1
        x = float(label_w)
        parts = [f'<text x="{label_w - 8}" y="{y + 17}" text-anchor="end" font-size="13">{escape(rule)}</text>']
        for status in STATUS_COLOURS:
            n = counts.get(status, 0)
            if not n:
                continue
            w = bar_w * n / total
            parts.append(f'<rect x="{x:.1f}" y="{y + 2}" width="{w:.1f}" height="{row_h - 6}" fill="{STATUS_COLOURS[status]}"><title>{escape(rule)} {status}: {n}</title></rect>')
            x += w
        rows.append(f'<g class="rule" data-rule="{escape(rule)}">' + "".join(parts) + "</g>")
    legend = "".join(f'<span><i style="background:{c}"></i>{s}</span>' for s, c in STATUS_COLOURS.items())
    width = label_w + bar_w + 20
    return (
        f'<h2>Rule outcomes</h2><p class="legend">{legend}</p><svg id="chart-rules" role="img" aria-label="Rule outcomes" '
        f'viewBox="0 0 {width} {height}" width="{width}" height="{height}" xmlns="http://www.w3.org/2000/svg" font-family="system-ui,sans-serif">'
        + "".join(rows) + "</svg>"
    )


def _short(text: str, n: int = 36) -> str:
    return text if len(text) <= n else text[: n - 1] + "…"


def render(d: dict[str, Any]) -> str:
    sites = d["sites"]
    parts = [
        "<!doctype html>",
        '<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width,initial-scale=1">',
        "<meta http-equiv=\"Content-Security-Policy\" content=\"default-src 'none'; style-src 'unsafe-inline'; img-src data:\">",
        f"<title>pharmcheck audit summary: {sites} site(s)</title><style>{CSS}</style></head><body>",
        f'<h1>Audit summary: {sites} site(s)</h1>',
        f'<p class="lead">From <code>{escape(d["source"])}</code> ({escape(d["format"])}): {d["records"]} record(s), '
        f'{sites} site(s) checked, {d["duplicates"]} duplicate line(s)'
        + (f', {d["superseded"]} older record(s) replaced by a recheck' if d["superseded"] else "")
        + (f', {d["unreadable"]} unreadable line(s) ignored' if d["unreadable"] else "") + ".</p>",
        _bars("Verdicts", d["verdicts"], sites, VERDICT_COLOURS, "chart-verdicts"),
        _bars("Sites that could not be checked, by error kind", d["errors"], sites, None, "chart-errors"),
        _bars("Most common red flags (sites with each)", d["red_flags"], sites, None, "chart-red-flags"),
        _stacked(d["rules"]),
        _bars("By top-level domain", d["tlds"], sum(d["tlds"].values()), None, "chart-tlds"),
        _bars("By country of the address found", d["countries"], sum(d["countries"].values()), None, "chart-countries"),
    ]
    if d["slowest"]:
        rows = "".join(
            f'<tr><td class="n">{s["elapsed_ms"] / 1000:.1f} s</td><td>{escape(s["verdict"])}</td><td class="url">{escape(s["url"])}</td></tr>'
            for s in d["slowest"]
        )
        parts.append(f'<h2>Slowest sites</h2><table id="slowest"><thead><tr><th class="n">time</th><th>verdict</th><th>site</th></tr></thead><tbody>{rows}</tbody></table>')
    parts.append(f'<p class="disclaimer">{escape(d["disclaimer"])} Each record in the results file carries the evidence: '
                 "the page, the exact words, and why they matter.</p>")
    parts.append("</body></html>\n")
    return "\n".join(p for p in parts if p)
