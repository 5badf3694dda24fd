"""Small text helpers shared by the ``contact`` and ``pharmacist`` rules (private: not a rule).

Two jobs:

* Speed. A regular expression run over every position of a 100 KB text costs milliseconds in
  Python; ``str.find`` on a keyword costs microseconds. :func:`passages` cuts the sentence or line
  around each keyword, and :func:`scan_passages` runs the expensive patterns there only, once per
  distinct passage (sites repeat their footers and label text). On a page with hundreds of hits,
  only the first and the last are read (:data:`MAX_PLACES`), so the work is bounded on any page.
* Evidence that does not repeat itself. Big sites print the same footer on every page:
  :class:`EvidenceBag` keeps one item per fact and counts the pages that showed it.
"""

from __future__ import annotations

import re
import weakref
from bisect import bisect_left, bisect_right
from dataclasses import dataclass
from typing import Any, Callable, Iterable, Iterator
from urllib.parse import urlsplit

from pharmcheck.findings import Evidence
from pharmcheck.lazyre import lazy_re
from pharmcheck.site import Page, same_site

_LOWER: "weakref.WeakKeyDictionary[Page, str]" = weakref.WeakKeyDictionary()


def lower_same_length(text: str) -> str:
    """``text.lower()`` with the same length, so offsets match (a few characters, like "İ", grow when
    lowered: those are kept as they are)."""
    low = text.lower()
    if len(low) != len(text):
        low = "".join(c if len(c.lower()) != 1 else c.lower() for c in text)
    return low


def lower_text(page: Page) -> str:
    """``page.text`` lower-cased, computed once per page, with the same offsets."""
    low = _LOWER.get(page)
    if low is None or len(low) != len(page.text):
        low = _LOWER[page] = lower_same_length(page.text)
    return low


# On a page with very many hits (a product list that repeats "ask your pharmacist" or a phone number
# on every item), only the first and the last MAX_PLACES // 2 are read: the header and the footer,
# where a site puts its own contact details. This bounds the work on any page.
MAX_PLACES = 200


def head_and_tail(items: list, limit: int) -> list:
    """The first and last ``limit // 2`` items when there are more than ``limit``."""
    if len(items) <= limit:
        return items
    half = limit // 2
    return items[:half] + items[-half:]


def keyword_positions(low: str, keywords: Iterable[str], limit: int | None = None) -> list[int]:
    """Sorted offsets of the occurrences of any keyword in ``low``.

    With ``limit``, at most ``limit // 2`` occurrences of each keyword are taken from the start of
    the text and as many from its end (found with rfind): the work stays bounded on any page.
    """
    found: set[int] = set()
    half = limit // 2 if limit else None
    for word in keywords:
        if word[0] == " " and low.startswith(word[1:]):
            found.add(0)  # " dea " marks a word start: the text's own start is one too
        i, n = low.find(word), 0
        while i != -1 and (half is None or n < half):
            found.add(i)
            n += 1
            i = low.find(word, i + len(word))
        if i == -1 or half is None:
            continue
        j, first_unread = len(low), i
        for _ in range(half):
            j = low.rfind(word, first_unread, j)
            if j == -1:
                break
            found.add(j)
    return sorted(found)


def keyword_windows(low: str, keywords: Iterable[str], before: int, after: int) -> list[tuple[int, int]]:
    """Merged ``(start, end)`` ranges around the occurrences of the keywords in ``low`` (at most
    MAX_PLACES of them: the first and the last)."""
    keywords = tuple(keywords)
    longest = max((len(w) for w in keywords), default=0)
    positions = keyword_positions(low, keywords, MAX_PLACES)
    spans = [(max(0, i - before), min(len(low), i + longest + after)) for i in positions]
    merged: list[tuple[int, int]] = []
    for lo, hi in head_and_tail(spans, MAX_PLACES):
        if merged and lo <= merged[-1][1]:
            merged[-1] = (merged[-1][0], max(merged[-1][1], hi))
        else:
            merged.append((lo, hi))
    return merged


def items_containing(texts: list[str], words: Iterable[str]) -> list[int]:
    """Indexes of the texts that contain any of ``words`` (lower case), found with one joined search:
    cheaper than testing hundreds of link URLs one by one."""
    blob = "\n".join(texts).lower()
    starts, pos = [], 0
    for text in texts:
        starts.append(pos)
        pos += len(text) + 1
    hits: set[int] = set()
    for i in keyword_positions(blob, words):
        hits.add(bisect_right(starts, i) - 1)
    return sorted(hits)


def line_starts(page: Page) -> list[int]:
    """Offset in ``page.text`` of each of ``page.lines``: the reader's own list (``Page.line_starts``)."""
    return page.line_starts


_ABBREVIATIONS = {"no", "nr", "st", "dr", "ph", "pharm", "inc", "ltd", "co", "vs", "jr", "sr", "mr", "ms", "mrs",
                  "e.g", "i.e", "u.s", "u.k", "reg", "lic", "tel", "ave", "approx", "dept", "mt", "ft"}  # fmt: skip


_MARK = lazy_re(r"[.!?] ")
_MARKS: "weakref.WeakKeyDictionary[Page, list[int]]" = weakref.WeakKeyDictionary()


def sentence_marks(page: Page) -> list[int]:
    """Offsets of every ". " / "! " / "? " in the page text (candidate sentence ends), found once."""
    marks = _MARKS.get(page)
    if marks is None:
        marks = _MARKS[page] = [m.start() for m in _MARK.finditer(page.text)]
    return marks


def _sentence_end(text: str, i: int) -> bool:
    """Does the "." / "!" / "?" at ``i`` end a sentence (and not "No. 123", "Dr. Smith", "R.Ph.")?"""
    if text[i] != ".":
        return True
    j = i
    while j > 0 and (text[j - 1].isalpha() or text[j - 1] == "."):
        j -= 1
    word = text[j:i].lower()
    return not (word in _ABBREVIATIONS or len(word) == 1 or "." in word)


_LABEL_END = lazy_re(
    r"(?:[:#\-–]|\bno\.?|\bnumber|\blicen[cs]e|\bregistration|\bpharmacist|\bcharge|\bgphc|\bnabp|\bdea|\bnpi|"
    r"\bncpdp|\bid)\s*$"
)


def passages(page: Page, keywords: Iterable[str], reach: int = 200) -> list[tuple[int, int]]:
    """The passage around each keyword: its line, cut to its sentence when the line is long, and to
    ``reach`` characters each side. A line that ends like a label ("Pharmacist-in-Charge:",
    "GPhC registration number") takes the next line with it, where the name or number usually is.
    Passages do not overlap."""
    text, low = page.text, lower_text(page)
    positions = head_and_tail(keyword_positions(low, keywords, MAX_PLACES), MAX_PLACES)
    if not positions:
        return []
    starts = line_starts(page)
    lines = page.lines
    out: list[tuple[int, int]] = []
    prev_hi = 0
    bounds: list[int] | None = None
    for i in positions:
        if i < prev_hi:
            continue
        k = bisect_right(starts, i) - 1
        a = starts[k]
        b = a + len(lines[k])
        if k + 1 < len(lines) and len(lines[k]) <= 80 and _LABEL_END.search(lines[k][-24:].lower()):
            b = starts[k + 1] + min(len(lines[k + 1]), 80)
        lo, hi = max(a, i - reach), min(b, i + reach)
        if b - a > 120:  # a long line: keep to the sentence
            if bounds is None:
                bounds = sentence_marks(page)
            n = bisect_left(bounds, i)
            for j in reversed(bounds[max(0, n - 4) : n]):
                if j < lo:
                    break
                if _sentence_end(text, j):
                    lo = j + 2
                    break
            for j in bounds[n : n + 4]:
                if j >= hi:
                    break
                if _sentence_end(text, j):
                    hi = j + 1
                    break
        lo = max(lo, prev_hi)
        out.append((lo, hi))
        prev_hi = hi
    return out


@dataclass(frozen=True)
class Hit:
    """One piece of evidence found in a passage, to be put in the bag called ``bag``."""

    bag: str
    key: str
    quote: str | None
    where: str
    why: str
    fact: Any = None


def scan_passages(pages: Iterable[Page], keywords: Iterable[str],
                  analyse: Callable[[Page, int, int], list[Hit]], reach: int = 200) -> Iterator[tuple[Page, Hit]]:  # fmt: skip
    """Run ``analyse(page, lo, hi)`` on each keyword passage, once per distinct passage text.

    Sites repeat the same sentences (footers, label boilerplate on every product): a passage seen
    before gives back its earlier hits for the new page without running the patterns again.
    """
    keywords = tuple(keywords)
    cache: dict[str, list[Hit]] = {}
    for page in pages:
        for lo, hi in passages(page, keywords, reach=reach):
            piece = page.text[lo:hi]
            hits = cache.get(piece)
            if hits is None:
                hits = cache[piece] = analyse(page, lo, hi)
            for hit in hits:
                yield page, hit


def finditer_in(rx: re.Pattern[str], text: str, windows: list[tuple[int, int]]) -> Iterator[re.Match[str]]:
    """Matches of ``rx`` inside the windows (offsets are offsets in ``text``), each once."""
    last_end = -1
    for lo, hi in windows:
        for m in rx.finditer(text, max(lo, last_end), hi):
            if m.end() > m.start():
                last_end = m.end()
                yield m


def local_site(url: str, base: str) -> bool:
    """Is ``url`` part of the site of ``base`` (same registered domain, or same host for files/IPs)?"""
    if same_site(url, base):
        return True
    a, b = urlsplit(url), urlsplit(base)
    return a.scheme == b.scheme and a.netloc == b.netloc


def clean_quote(text: str) -> str:
    return " ".join(text.split())


class EvidenceBag:
    """Evidence without repeats: one item per key, remembering every page that showed it."""

    def __init__(self, limit: int = 6):
        self.limit = limit
        self._items: dict[str, tuple[Evidence, list[str]]] = {}

    def add(self, key: str, url: str, quote: str | None, where: str, why: str) -> bool:
        """Add an item; returns True if ``key`` is new."""
        item = self._items.get(key)
        if item is not None:
            if url not in item[1]:
                item[1].append(url)
            return False
        self._items[key] = (Evidence(url=url, quote=quote, where=where, why=why), [url])
        return True

    def __len__(self) -> int:
        return len(self._items)

    def __bool__(self) -> bool:
        return bool(self._items)

    def __contains__(self, key: str) -> bool:
        return key in self._items

    def keys(self) -> list[str]:
        return list(self._items)

    def pages(self, key: str) -> list[str]:
        return list(self._items[key][1])

    def evidence(self) -> list[Evidence]:
        out = []
        for evidence, urls in list(self._items.values())[: self.limit]:
            if len(urls) > 1:
                evidence = Evidence(
                    url=evidence.url,
                    quote=evidence.quote,
                    where=evidence.where,
                    why=f"{evidence.why} (shown on {len(urls)} pages)",
                )
            out.append(evidence)
        return out
