"""The HTML report: one self-contained page to keep, print or send, rendered from the JSON report alone.

No script, no external style sheet, font or image: the page works offline and as a mail attachment, and
its Content-Security-Policy forbids anything but its own inline style, so that even a mistake here could
not run a page's code. Every string that came from the site (quotes, messages, URLs, titles) is escaped;
a page is linked only when its URL is http or https. Accessible: one h1 (the verdict), headings for each
part, words beside every colour (a colour only repeats what the label says), contrast above 4.5:1, and a
layout that reads on a phone (no line wider than the screen: long URLs and quotes wrap anywhere).
"""

from __future__ import annotations

from html import escape
from typing import Any
from urllib.parse import urlsplit

from . import wording as W
from .digest import Digest, Item, Quote, digest, page_path

CSP = "default-src 'none'; style-src 'unsafe-inline'; img-src data:; base-uri 'none'; form-action 'none'"

# Text and background per verdict, each pair above 7:1 contrast; kind colours above 4.5:1 on white.
_VERDICT_COLOURS = {
    "likely-rogue": ("#7f0000", "#fde8e8"),
    "caution": ("#6b4200", "#fff3d1"),
    "likely-legitimate": ("#0b5320", "#e2f4e6"),
    "not-a-pharmacy": ("#183a80", "#e5edfb"),
    "could-not-check": ("#4f2478", "#f0e7fa"),
}
_KIND_COLOURS = {
    W.RED_FLAG: "#a30000",
    W.HOLDS: "#8a4b00",
    W.CHECK_FAILED: "#6a1b9a",
    W.PROBLEM: "#8a4b00",
    W.WARNING: "#8a4b00",
    W.GOOD: "#146c2e",
    W.NOTE: "#2d4f7c",
    W.NOT_JUDGED: "#555555",
}

_STYLE = """
:root { color-scheme: light; }
* { box-sizing: border-box; }
body { margin: 0; font: 1rem/1.5 system-ui, -apple-system, "Segoe UI", Roboto, sans-serif; color: #1a1a1a;
  background: #ffffff; overflow-wrap: anywhere; }
.page { max-width: 48rem; margin: 0 auto; padding: 1rem; }
header.verdict { padding: 1rem 1.25rem; border-radius: .5rem; border-left: .5rem solid; margin-bottom: 1.5rem; }
header.verdict h1 { font-size: 1.5rem; line-height: 1.25; margin: 0 0 .5rem; }
header.verdict p { margin: .25rem 0; }
.tool { font-size: .875rem; text-transform: uppercase; letter-spacing: .05em; margin: 0 0 .25rem; }
h2 { font-size: 1.25rem; margin: 1.75rem 0 .5rem; border-bottom: 1px solid #cccccc; padding-bottom: .25rem; }
h3 { font-size: 1.05rem; margin: 1.25rem 0 .25rem; }
ol.reasons > li, ul.advice > li { margin: .5rem 0; }
.kind { font-weight: 700; }
q, blockquote { font-style: italic; }
blockquote { margin: .25rem 0 .25rem 1rem; padding-left: .75rem; border-left: 3px solid #999999; }
.where, .why, .meta { color: #4a4a4a; font-size: .925rem; }
ul.findings { list-style: none; padding-left: 0; }
ul.findings > li { margin: .75rem 0; padding-left: .75rem; border-left: 3px solid #dddddd; }
ul.findings p { margin: .125rem 0; }
dl.how { display: grid; grid-template-columns: minmax(6rem, max-content) 1fr; gap: .25rem 1rem; }
dl.how dt { font-weight: 700; }
dl.how dd { margin: 0; }
.table { overflow-x: auto; }
table { border-collapse: collapse; width: 100%; font-size: .925rem; }
th, td { text-align: left; padding: .25rem .5rem; border-bottom: 1px solid #dddddd; vertical-align: top; }
a { color: #0645ad; }
footer { margin-top: 2rem; padding-top: .75rem; border-top: 1px solid #cccccc; font-size: .925rem; }
@media print { a { color: inherit; } header.verdict { border: 2px solid; } }
""".strip()


def e(value: Any) -> str:
    """Escaped text for an element or an attribute (quotes included)."""
    return escape("" if value is None else str(value), quote=True)


def is_web_url(url: str | None) -> bool:
    try:
        parts = urlsplit(url or "")
    except ValueError:
        return False
    return parts.scheme in ("http", "https") and bool(parts.netloc)


def link(url: str | None, text: str) -> str:
    """A link to a page only for an http(s) URL; anything else (file:, javascript:, data:) is text."""
    if url and is_web_url(url):
        return f'<a href="{e(url)}" rel="noopener noreferrer nofollow">{e(text)}</a>'
    return e(text)


def _kind(item: Item) -> str:
    return f'<span class="kind" style="color:{_KIND_COLOURS[item.kind]}">{e(item.label)}:</span>'


def _where(quote: Quote | None) -> str:
    if quote is None:
        return ""
    return f' <span class="where">({link(quote.url, quote.path)})</span>'


def _reasons(d: Digest) -> str:
    if not d.reasons:
        return ""
    if d.code == "not-a-pharmacy":
        item = d.reasons[0]
        q = item.first_quote
        quote = f" <q>{e(q.text)}</q>" if q and q.text else ""
        return f'<section aria-labelledby="seen"><h2 id="seen">What was seen</h2><p>{e(item.message)}{quote}{_where(q)}</p></section>'
    rows = []
    for item in d.reasons:
        q = item.first_quote
        quote = f" <q>{e(q.text)}</q>" if q and q.text else ""
        rows.append(f"<li>{_kind(item)} {e(item.message)}{quote}{_where(q)}</li>")
    return f'<section aria-labelledby="why"><h2 id="why">Why</h2><ol class="reasons">{"".join(rows)}</ol></section>'


def _advice(d: Digest) -> str:
    if not d.advice:
        return ""
    rows = "".join(f"<li>{e(tip)}</li>" for tip in d.advice)
    return f'<section aria-labelledby="todo"><h2 id="todo">What to do</h2><ul class="advice">{rows}</ul></section>'


def _findings(d: Digest) -> str:
    groups = d.groups
    if not d.graded:  # what "What was seen" already said is not repeated without a quote to add
        groups = [g for g in groups if any(quotes for _, quotes in g.items)]
    if not groups:
        return ""
    title = "Every finding, by page" if d.graded else "What the pages showed"
    parts = [f'<section aria-labelledby="all"><h2 id="all">{e(title)}</h2>']
    if not d.graded and d.code == "not-a-pharmacy":
        parts.append('<p class="meta">Not graded as a pharmacy: only what shows whether it sells medicines is listed.</p>')
    for group in groups:
        heading = link(group.url, group.title) if group.url else e(group.title)
        parts.append(f"<h3>{heading}</h3><ul class=\"findings\">")
        for item, quotes in group.items:
            body = [f"<p>{_kind(item)} {e(item.message)}</p>"]
            for q in quotes:
                if q.text:
                    body.append(f"<blockquote>{e(q.text)}</blockquote>")
                if q.why:
                    body.append(f'<p class="why">{e(q.why)}</p>')
            if not quotes and item.searched and item.kind in (W.RED_FLAG, W.HOLDS, W.PROBLEM, W.WARNING):
                body.append(f'<p class="why">looked for on {item.searched} page{"s" if item.searched != 1 else ""}</p>')
            parts.append(f"<li>{''.join(body)}</li>")
        parts.append("</ul>")
    parts.append("</section>")
    return "".join(parts)


def _how(report: dict[str, Any], d: Digest) -> str:
    tool = report.get("tool") or {}
    rows = [
        ("Asked for", e(report.get("requested"))),
        ("Start page", link(report.get("final_url") or report.get("requested_url"), report.get("final_url") or report.get("requested_url") or "")),
        ("Read", e(d.how)),
        ("Checked at", e(report.get("fetched_at") or "")),
        ("Took", e(f"{report['elapsed_ms'] / 1000:.1f} s") if report.get("elapsed_ms") is not None else ""),
        ("By", e(f"{tool.get('name', 'pharmcheck')} {tool.get('version', '')}; scoring {report.get('scoring_version')}; report schema {report.get('schema_version')}")),
    ]
    tls = (report.get("connection") or {}).get("tls") or {}
    if tls.get("checked"):
        cert = "valid" if tls.get("valid") else f"refused ({tls.get('error') or 'not trusted'})"
        rows.append(("Certificate", e(f"{cert}; issuer {tls.get('issuer') or 'unknown'}; {tls.get('protocol') or ''}".rstrip("; "))))
    dl = "".join(f"<dt>{k}</dt><dd>{v}</dd>" for k, v in rows if v)
    pages = []
    for p in report.get("pages") or []:
        status = e(p.get("error") or p.get("status") or "read")
        pages.append(f"<tr><td>{link(p.get('url'), page_path(p.get('url') or '', report))}</td><td>{e(p.get('role') or '')}</td><td>{status}</td><td>{e(p.get('bytes'))}</td></tr>")
    table = ""
    if pages:
        table = (
            '<div class="table"><table><caption class="meta">Pages read</caption>'
            '<thead><tr><th scope="col">Page</th><th scope="col">Kind</th><th scope="col">Status</th><th scope="col">Bytes</th></tr></thead>'
            f"<tbody>{''.join(pages)}</tbody></table></div>"
        )
    not_checked = "".join(f"<li>{e(x)}</li>" for x in d.not_checked)
    return (
        f'<section aria-labelledby="not"><h2 id="not">Not checked</h2><ul>{not_checked}</ul></section>'
        f'<section aria-labelledby="how"><h2 id="how">When and how it was checked</h2><dl class="how">{dl}</dl>{table}</section>'
    )


def render_html(report: dict[str, Any]) -> str:
    """The report as one HTML document (a str); write it with UTF-8."""
    d = digest(report)
    fg, bg = _VERDICT_COLOURS.get(d.code, ("#1a1a1a", "#eeeeee"))
    label = (report.get("verdict") or {}).get("label") or d.label.title()
    head = (
        '<!DOCTYPE html>\n<html lang="en">\n<head>\n<meta charset="utf-8">\n'
        '<meta name="viewport" content="width=device-width, initial-scale=1">\n'
        f'<meta http-equiv="Content-Security-Policy" content="{CSP}">\n'
        '<meta name="referrer" content="no-referrer">\n'
        f"<title>{e(label)}: {e(d.site)} (pharmcheck report)</title>\n<style>\n{_STYLE}\n</style>\n</head>\n"
    )
    score = f"<p>{e(d.score_line)}</p>" if d.score_line else ""
    error = f"<p><strong>Why not:</strong> {e(d.error)}</p>" if d.error else ""
    banner = (
        f'<header class="verdict" style="color:{fg};background:{bg};border-color:{fg}">'
        '<p class="tool">pharmcheck report</p>'
        f"<h1>{e(label)}: {e(d.headline)}</h1>"
        f"<p><strong>{e(d.site)}</strong>: {e(d.how)}.</p>{score}{error}</header>"
    )
    body = "".join([_reasons(d), _advice(d), _findings(d), _how(report, d)])
    footer = f"<footer><p>{e(report.get('disclaimer') or d.limits)}</p></footer>"
    return f'{head}<body>\n<div class="page">\n{banner}\n<main>\n{body}\n</main>\n{footer}\n</div>\n</body>\n</html>\n'
