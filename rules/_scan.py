"""Scanning a page's lower-cased text fast, and the sentence around a place (private to the rules).

:func:`lower_text` (once per page: :mod:`pharmcheck.rules._text` keeps it), :class:`Phrase` (a lower-case
pattern that starts at a word, compiled on first use), :func:`scan` (a phrase's matches, looked for only near
its keywords), :func:`positions` (a keyword's places, cached per page: several rules ask for "prescri"),
:func:`finditer_at` (a pattern's matches, tried only where they can start), :func:`sentence_bounds`. Shared by
the rules through :mod:`pharmcheck.rules._drugs`, which re-exports them.
"""

from __future__ import annotations

import bisect
import re
import weakref
from typing import Any, Iterator

from pharmcheck.rules._text import lower_text  # noqa: F401  (the one lower-cased text of a page, shared by every rule)
from pharmcheck.site import Page

# Punctuation as white space, for a page's words (bytes: str.translate is slow on text with non-ASCII
# characters, bytes.translate is not).
_PUNCT = b"!\"#$%&'()*+,-./:;<=>?@[\\]^_`{|}~"
_NOT_WORD = bytes.maketrans(_PUNCT, b" " * len(_PUNCT))


class Phrase:
    """A pattern for phrases, written in lower case, matched against lower-cased text.

    Two things keep it fast on a 100 KB page (Python's ``re`` spends 15-80 ns a character on a pattern
    that starts with ``\\b`` and a list of words, but skips quickly over characters that cannot start
    a match):

    * ``first``: the letters a match can start with. The pattern becomes
      ``(?<![a-z])(?=[first])(?:pattern)``: it starts at the beginning of a word, and ``re`` skips every
      other position cheaply. Matching lower-cased text without ``re.I`` halves the cost again.
    * ``words``: :func:`scan` looks only within ``reach`` characters of one of these words (every match
      contains one), found with ``str.find``. A page that never says "prescri" costs a few finds.

    Upper-case letters in the pattern would never match, so they are refused. The expression is compiled
    on first use (``rx``): a page that never needs a phrase never pays for it, nor does `check` at start-up.
    """

    __slots__ = ("_source", "rx", "words", "reach")

    def __init__(self, pattern: str, first: str, words: tuple[str, ...] = (), reach: int = 80):
        bare = re.sub(r"\\.|\(\?P[<=]", "", pattern)  # escapes (\\S) and group names are not letters to match
        if bare != bare.lower() or first != first.lower():
            raise ValueError(f"a phrase is written in lower case: {pattern[:60]}")
        self._source = f"(?<![a-z])(?=[{first}])(?:{pattern})"
        self.words = words
        self.reach = reach

    def __getattr__(self, name: str) -> Any:
        if name != "rx":
            raise AttributeError(name)
        rx = self.rx = re.compile(self._source)
        return rx

    def search(self, low: str, pos: int = 0, endpos: int | None = None) -> re.Match[str] | None:
        """Search a lower-cased string (a title, a link text, a sentence)."""
        return self.rx.search(low, pos, len(low) if endpos is None else endpos)

    def finditer(self, low: str) -> Iterator[re.Match[str]]:
        return self.rx.finditer(low)


class _Tokens:
    """The distinct words of a page (lower case, ASCII letters and digits), as a set and sorted."""

    def __init__(self, low: str):
        self.set = frozenset(low.encode("ascii", "replace").translate(_NOT_WORD).split())
        self.sorted = sorted(self.set)

    def has_prefix(self, word: bytes) -> bool:
        i = bisect.bisect_left(self.sorted, word)
        return i < len(self.sorted) and self.sorted[i].startswith(word)


_FIRST_TOKEN = re.compile(r"[a-z0-9]+")


class _Places:
    """A page's keyword places, and its words (made on the first place asked for)."""

    __slots__ = ("found", "tokens")

    def __init__(self) -> None:
        self.found: dict[str, list[int]] = {}
        self.tokens: _Tokens | None = None


_POSITIONS: "weakref.WeakKeyDictionary[Page, _Places]" = weakref.WeakKeyDictionary()


def _places(page: Page) -> _Places:
    places = _POSITIONS.get(page)
    if places is None:
        places = _POSITIONS[page] = _Places()
    return places


def _tokens(page: Page) -> _Tokens:
    places = _places(page)
    if places.tokens is None:
        places.tokens = _Tokens(lower_text(page))
    return places.tokens


def positions(page: Page, low: str, word: str) -> list[int]:
    """Where ``word`` occurs in the lower-cased text (cached per page: several rules ask for "prescri")."""
    places = _places(page)  # (one look-up of the page for both its places and its words)
    found = places.found.get(word)
    if found is None:
        found = []
        # Searching 100 KB for a word costs ~70 µs; asking the sorted word list whether any word starts
        # with it costs ~1 µs, and most words are absent from most pages.
        first = _FIRST_TOKEN.search(word)
        if first is not None:
            if places.tokens is None:
                places.tokens = _Tokens(lower_text(page))
            i = low.find(word) if places.tokens.has_prefix(first.group(0).encode()) else -1
        else:
            i = low.find(word)
        while i != -1:
            found.append(i)
            i = low.find(word, i + len(word))
        places.found[word] = found
    return found


def _windows(page: Page, low: str, words: tuple[str, ...], reach: int) -> list[tuple[int, int]]:
    spans = sorted(
        (max(0, i - reach), i + len(word) + reach) for word in words for i in positions(page, low, word)
    )
    merged: list[tuple[int, int]] = []
    for lo, hi in spans:
        if merged and lo <= merged[-1][1]:
            if hi > merged[-1][1]:
                merged[-1] = (merged[-1][0], hi)
        else:
            merged.append((lo, hi))
    return merged


def occurrences(low: str, words: tuple[str, ...]) -> list[int]:
    """Where each of ``words`` occurs in ``low`` (anywhere, inside words too), in order."""
    out = []
    for word in words:
        i = low.find(word)
        while i != -1:
            out.append(i)
            i = low.find(word, i + 1)
    return sorted(set(out))


def finditer_at(rx: re.Pattern[str], low: str, starts: list[int]) -> Iterator[re.Match[str]]:
    """``rx.finditer(low)`` for a pattern whose every (non-empty) match starts at one of ``starts``: the
    same matches, tried only there (the engine would try every position of a 100 KB page)."""
    end = 0
    for pos in starts:
        if pos >= end:
            m = rx.match(low, pos)
            if m is not None:
                end = m.end()
                yield m


def scan(page: Page, phrase: Phrase) -> Iterator[re.Match[str]]:
    """Matches of a :class:`Phrase` in ``lower_text(page)`` (same offsets as ``page.text``)."""
    low = lower_text(page)
    if not phrase.words:
        yield from phrase.rx.finditer(low)
        return
    last = -1
    size = len(low)
    for lo, hi in _windows(page, low, phrase.words, phrase.reach):
        for m in phrase.rx.finditer(low, max(lo, last), min(hi, size)):
            last = m.end()
            yield m


# ----------------------------------------------------------------------------------------------
# Sentences and their context

# A sentence ends at ". ", "! ", "? " (not after an initial such as "U.S." or a title such as "Dr.") and
# at the separators of menus and titles (" | ", " • "). Lines are no sentence boundary: an inline tag
# (<b>, <a>) splits a sentence into several lines. Sentences are found around a phrase with str.rfind
# and str.find, never over a whole page. (page.text has its white space folded to single spaces.)
_ENDS = (". ", "! ", "? ", " | ", " • ", " · ")
_NOT_AN_END = frozenset("dr mr ms mrs no st vs co jr inc ltd e.g i.e approx incl".split())
_SPAN = 300  # a sentence is cut at this many characters each side of the phrase


def _is_end(text: str, i: int) -> bool:
    """Is the boundary at ``text[i]`` a sentence end (not the dot of "U.S." or "Dr.")?"""
    if text[i] != ".":
        return True
    j = i
    while j > 0 and i - j < 7 and not text[j - 1].isspace():
        j -= 1
    word = text[j:i]
    return not (len(word) == 1 and word.isupper() or word.lower() in _NOT_AN_END or (len(word) == 3 and word[1] == "."))


def sentence_bounds(text: str | Page, start: int, end: int) -> tuple[int, int]:
    """The sentence of ``text`` (or of ``page.text``) that holds ``[start, end)``."""
    if isinstance(text, Page):
        text = text.text
    floor = max(0, start - _SPAN)
    lo = floor
    pos = start
    while pos > floor:
        i = max(text.rfind(sep, floor, pos) for sep in _ENDS)
        if i == -1:
            break
        if _is_end(text, i):
            lo = i + 2 if text[i] in ".!?" else i + 3
            break
        pos = i
    ceiling = min(len(text), end + _SPAN)
    hi = ceiling
    pos = end
    while pos < ceiling:
        found = [i for i in (text.find(sep, pos, ceiling + 2) for sep in _ENDS) if i != -1]
        if not found:
            break
        i = min(found)
        if _is_end(text, i):
            hi = i + 1
            break
        pos = i + 1
    return lo, hi


