"""The terminal report: one screen a worried buyer reads, and every finding with ``-v``.

The default report fits in ``MAX_LINES`` lines at 80 columns for any site: the verdict in plain words,
the reasons that decided it (each one sentence, one short quote and the page it is on), what to do,
what was not checked, and the limits of a verdict. ``verbose`` adds every finding with its evidence,
grouped by page. Lines are wrapped at word boundaries and never padded or cut; colour only on a
terminal (rich decides: it honours ``NO_COLOR``). Rendered from the JSON report alone.
"""

from __future__ import annotations

import re
from typing import Any, Iterable

from . import wording as W
from .digest import MAX_REASONS, MIN_REASONS, Digest, Item, Quote, digest, short

# The bound is 25 lines at 80 columns; on a terminal 24 rows high the prompt that follows the
# report takes a row (two for a two-line prompt), so the verdict stays on screen only at 22.
MAX_LINES = 22
_SAYS_PAGES_READ = re.compile(r"\bpages? (?:read|searched)\b")
MAX_WIDTH = 100
Span = tuple[str, str]  # (text, rich style or "")


def wrap(spans: Iterable[Span], width: int, indent: int = 0, first_indent: int = 0) -> list[list[Span]]:
    """Greedy word wrap of styled spans. Words are never broken (a long URL overflows instead of being
    cut) and lines are never padded."""
    words: list[tuple[list[Span], int]] = []  # each word: its styled pieces and its length
    glue = True  # the next piece continues the current word (no space before it)
    for text, style in spans:
        for n, piece in enumerate(text.split(" ")):
            if n > 0:
                glue = False
            if not piece:
                continue
            if glue and words:
                words[-1][0].append((piece, style))
                words[-1] = (words[-1][0], words[-1][1] + len(piece))
            else:
                words.append(([(piece, style)], len(piece)))
            glue = True
        if text.endswith(" "):
            glue = False
    lines: list[list[Span]] = []
    line: list[Span] = [(" " * first_indent, "")] if first_indent else []
    used = first_indent
    start = first_indent
    for pieces, length in words:
        if used > start and used + 1 + length > width:
            lines.append(line)
            line, used = ([(" " * indent, "")] if indent else []), indent
            start = indent
        if used > start:
            line.append((" ", ""))
            used += 1
        line.extend(pieces)
        used += length
    if line and used > start:
        lines.append(line)
    return lines


def _quote_spans(quote: Quote | None, searched: int, *, full: bool) -> list[Span]:
    if quote is None:
        if searched:
            return [(f" (looked for on {searched} page{'s' if searched != 1 else ''})", "dim")]
        return []
    spans: list[Span] = []
    if quote.text:
        text = quote.text if full else short(quote.text)
        spans.append((f' "{text}"', "italic"))
    spans.append((f" ({quote.path})", "dim"))
    return spans


def _reason(n: int, item: Item, code: str) -> list[Span]:
    quote = item.first_quote
    if quote is not None and quote.text and (
        " ".join(quote.text.split()).lower() in item.message.lower() or quote.path == "connection"
    ):
        quote = Quote(text=None, url=quote.url, path=quote.path)  # the sentence says it; -v has the rest
    if code == "not-a-pharmacy":
        return [(item.message, "")] + _quote_spans(quote, 0, full=False)
    searched = 0 if _SAYS_PAGES_READ.search(item.sentence) else item.searched
    return [(f"{n}. ", "bold"), (f"{item.label}:", W.KIND_STYLES[item.kind]), (f" {item.sentence}", "")] + _quote_spans(
        quote, searched, full=False
    )


class _Page:
    """Lines being laid out at one width."""

    def __init__(self, width: int):
        self.width = width
        self.lines: list[list[Span]] = []

    def para(self, spans: Iterable[Span], indent: int = 0, first_indent: int = 0) -> None:
        self.lines.extend(wrap(spans, self.width, indent, first_indent))

    def blank(self) -> None:
        if self.lines and self.lines[-1]:
            self.lines.append([])


def _head(page: _Page, d: Digest) -> None:
    page.para([(f"{d.label}:", W.VERDICT_STYLES.get(d.code, "bold")), (f" {d.headline}", "bold")])
    page.para([(f"{d.site}: {d.how}.", "")])
    if d.score_line:
        page.para([(d.score_line, "")])
    if d.error:
        page.para([("Why not: ", "bold"), (short(d.error, 240), "")])


def _tail(page: _Page, d: Digest, *, advice: int, hint: bool, spaced: int) -> None:
    """spaced: 2 a blank line before each part, 1 before "What to do" only, 0 none."""
    if d.advice:
        if spaced:
            page.blank()
        page.para([("What to do", "bold")])
        for tip in d.advice[:advice]:
            page.para([("- ", ""), (tip, "")], indent=2)
    if spaced > 1:
        page.blank()
    page.para([("Not checked: ", "bold"), ("; ".join(d.not_checked) + ".", "")])
    page.para([(d.limits, "dim")])
    if hint:
        page.para([(W.MORE_HINT, "dim")])


def short_report(d: Digest, width: int) -> list[list[Span]]:
    """The one-screen report: the fullest layout that fits in MAX_LINES. What gives way first: the hint,
    then the fifth and fourth reasons, then blank lines, then the last lines of advice."""
    attempts = []
    for reasons in range(min(MAX_REASONS, len(d.reasons)), MIN_REASONS - 1, -1):
        attempts.append(dict(reasons=reasons, advice=4, hint=True, spaced=2))
        attempts.append(dict(reasons=reasons, advice=4, hint=False, spaced=2))  # a reason is worth more
    n = min(MIN_REASONS, len(d.reasons))
    for advice in (4, 3, 2):
        attempts += [dict(reasons=n, advice=advice, hint=False, spaced=s) for s in (1, 0)]
    attempts.append(dict(reasons=max(1, n - 1), advice=2, hint=False, spaced=0))
    for a in attempts:
        page = _Page(width)
        _head(page, d)
        if d.reasons[: a["reasons"]]:
            if a["spaced"]:
                page.blank()
            for n_, item in enumerate(d.reasons[: a["reasons"]], 1):
                page.para(_reason(n_, item, d.code), indent=3 if d.code != "not-a-pharmacy" else 0)
        _tail(page, d, advice=a["advice"], hint=a["hint"], spaced=a["spaced"])
        if len(page.lines) <= MAX_LINES:
            return page.lines
    return page.lines[:MAX_LINES]  # never reached for a real report; the budget is a promise


def verbose_report(d: Digest, width: int) -> list[list[Span]]:
    """Every finding with all its evidence, grouped by the page it is on."""
    page = _Page(width)
    _head(page, d)
    if not d.graded and d.code == "not-a-pharmacy":
        page.blank()
        page.para([("Not graded as a pharmacy: only what shows whether it sells medicines is listed.", "dim")])
    for group in d.groups:
        page.blank()
        page.para([(group.title, "bold underline")])
        for item, quotes in group.items:
            page.para([(f"{item.label}:", W.KIND_STYLES[item.kind]), (f" {item.message}", "")], indent=2, first_indent=2)
            for q in quotes:
                if q.text:
                    page.para([(f'"{q.text}"', "italic")], indent=5, first_indent=4)
                if q.why:
                    page.para([(q.why, "dim")], indent=4, first_indent=4)
            if not quotes and item.searched and item.kind in (W.RED_FLAG, W.HOLDS, W.PROBLEM, W.WARNING):
                page.para([(f"looked for on {item.searched} page{'s' if item.searched != 1 else ''}", "dim")], indent=4, first_indent=4)
    _tail(page, d, advice=len(d.advice), hint=False, spaced=2)
    return page.lines


# Control characters (C0 but tab and newline, DEL, C1: every escape sequence) and bidi overrides. The reader
# drops them from a page's text, but not from the addresses a page gives (an image's src quoted as a seal).
from ..textsafe import TERMINAL_CONTROL as _CONTROL  # noqa: E402


def layout(report: dict[str, Any], *, width: int = 80, verbose: bool = False) -> list[list[Span]]:
    d = digest(report)
    lines = verbose_report(d, width) if verbose else short_report(d, width)
    return [[(_CONTROL.sub("", piece), style) for piece, style in line] for line in lines]  # nothing reaches the terminal raw


def render_text(report: dict[str, Any], *, width: int = 80, verbose: bool = False) -> str:
    """The report as plain text (no colour), each line ending in a newline."""
    return "".join("".join(text for text, _ in line).rstrip() + "\n" for line in layout(report, width=width, verbose=verbose))


def _coalesce(line: list[Span]) -> list[Span]:
    """Join the pieces of one style (a space between two of them takes their style): fewer escape codes."""
    out: list[Span] = []
    for n, (piece, style) in enumerate(line):
        if piece == " " and 0 < n < len(line) - 1 and line[n - 1][1] == line[n + 1][1]:
            style = line[n - 1][1]
        if out and out[-1][1] == style:
            out[-1] = (out[-1][0] + piece, style)
        else:
            out.append((piece, style))
    return out


def render_terminal(report: dict[str, Any], console: Any = None, *, verbose: bool = False) -> None:
    """Print the report on a rich console: in colour on a terminal, plain in a pipe."""
    from rich.console import Console
    from rich.text import Text

    console = console or Console(highlight=False)
    width = max(40, min(console.width, MAX_WIDTH))
    for line in layout(report, width=width, verbose=verbose):
        text = Text()
        for piece, style in _coalesce(line):
            text.append(piece, style=style or None)
        text.rstrip()
        console.print(text, soft_wrap=True, highlight=False, markup=False, emoji=False)
