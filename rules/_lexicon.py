"""The words of each language the rules read, and the page languages they are read in (private).

Each language has one file, ``rules/lexicon/<code>.json`` (see ``rules/lexicon/README.md``): the phrases
of a red flag ("no prescription needed", "Kein Rezept erforderlich", "Pas besoin d'ordonnance"), of a
requirement, of a pharmacy service, of a shop, of a warning, ... under the same keys in every file. A rule
asks for a key (``find(page, "no_prescription")``) and gets the matches in the page's languages; it never
holds words of a language itself. Adding a language is adding one file and its code to :data:`LANGUAGES`.

Phrases are written in a small syntax, compiled here to regular expressions that run in linear time
(no nested quantifiers over overlapping classes):

* tokens are separated by one space; between two tokens any run of non-word characters matches (white
  space, hyphens, apostrophes, punctuation), so ``e rezept`` matches "E-Rezept" and ``d ordonnance``
  "d'ordonnance";
* ``word*`` is a prefix (``prescri*``); ``a|b`` are alternatives for one token; ``[tok]`` is optional;
  ``~`` is a gap of up to three words;
* a match starts and ends on a word boundary, Unicode-aware (``\\w`` is any letter of any script), and is
  found in the lower-cased text, so phrases are lower case; accents count (write both forms when shops
  drop them).

Which languages a page is read in: the one it declares (``<html lang>``, ``Content-Language``,
``og:locale``), the ones its words show (counts of each language's commonest function words, which are
rare in the others), and always English, which rogue shops mix into every language.
"""

from __future__ import annotations

import json
import re
import weakref
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Iterable, Iterator

from pharmcheck.site import Page

LEXICON_DIR = Path(__file__).resolve().parent / "lexicon"
LANGUAGES: tuple[str, ...] = ("en", "de", "fr", "es", "it", "nl", "pl", "pt")
KEYS: tuple[str, ...] = (
    "stopwords", "no_prescription", "no_restrictions", "prescription_required", "prescription_words",
    "rx_only_words", "otc_words", "pharmacy_words", "pharmacist_words", "pharmacist_offer", "pharmacy_services", "self_pharmacy",
    "cart", "buy_verbs", "quantity_units", "per_unit", "price_words", "discount", "warning", "refusal",
    "information", "shipping_abroad", "unregistered", "crypto_payment", "contact_words", "about_words",
)
_SEP = r"[^\w]+"
_GAP = r"(?:\w+[^\w]+){0,3}"
_ALLOWED = re.compile(r"^[\w *|\[\]~\-]+$")
# Read in every language, whatever the page's: rogue shops paste "Viagra ohne Rezept kaufen" into English pages
# for search engines, and a short page shows too few words to tell its language. These phrases are specific
# enough to mean the same on any page; the rest (carts, units, warnings) are read in the page's languages.
EVERY_LANGUAGE = frozenset(("no_prescription", "no_restrictions", "prescription_required", "pharmacy_services", "otc_words"))
MAX_MATCHES = 200  # matches of one key kept per page
DETECT_CHARS = 30_000  # a page's language is read off its first 30,000 characters
MIN_STOPWORDS = 6  # hits of a language's function words before it counts as a language of the page


class LexiconError(ValueError):
    pass


def _token(tok: str) -> str:
    alts = []
    for alt in tok.split("|"):
        if not alt or alt == "*":
            raise LexiconError(f"empty alternative in {tok!r}")
        prefix = alt.endswith("*")
        word = alt.rstrip("*")
        body = r"[^\w]*".join(re.escape(part) for part in word.split("-"))
        alts.append(body + (r"\w*" if prefix else ""))
    return alts[0] if len(alts) == 1 else "(?:" + "|".join(alts) + ")"


def compile_phrase(phrase: str) -> str:
    r"""The regular expression (without boundaries) of one phrase; raises LexiconError on bad syntax.

    Each token after the first carries the separator before it, so an optional token is ``(?:SEP X)?``
    and a gap is ``(?:SEP \w+){0,3}``: a word run is always followed by a non-word run, so the engine
    never has two ways to split the same characters (linear time).
    """
    if phrase != phrase.lower() or not _ALLOWED.match(phrase) or "  " in phrase or phrase != phrase.strip():
        raise LexiconError(f"bad phrase {phrase!r}: lower case words, '*', '|', '[...]', '~' and single spaces only")
    tokens = phrase.split(" ")
    if tokens[0] == "~" or tokens[-1] == "~":
        raise LexiconError(f"a gap must stand between two words: {phrase!r}")
    if all(t.startswith("[") or t == "~" for t in tokens):
        raise LexiconError(f"a phrase needs one word that is not optional: {phrase!r}")
    out = ""
    started = False  # a separator goes before every token once something may have been matched
    for tok in tokens:
        if tok == "~":
            out += r"(?:[^\w]+\w+){0,3}"
            continue
        optional = tok.startswith("[") and tok.endswith("]")
        inner = tok[1:-1] if optional else tok
        if not inner or "[" in inner or "]" in inner:
            raise LexiconError(f"bad token {tok!r} in {phrase!r}")
        body = _token(inner)
        if not started:
            out += f"(?:{body}{_SEP})?" if optional else body
            started = not optional
            continue
        out += f"(?:{_SEP}{body})?" if optional else f"{_SEP}{body}"
    return out


@dataclass(frozen=True)
class Lexicon:
    code: str
    name: str
    words: dict[str, tuple[str, ...]]

    @property
    def stopwords(self) -> frozenset[str]:
        return frozenset(self.words["stopwords"])


@lru_cache(maxsize=None)
def lexicon(code: str) -> Lexicon:
    path = LEXICON_DIR / f"{code}.json"
    data = json.loads(path.read_text(encoding="utf-8"))
    missing = [k for k in KEYS if k not in data]
    if missing:
        raise LexiconError(f"{path.name} lacks {', '.join(missing)}")
    words = {k: tuple(str(p) for p in data[k]) for k in KEYS}
    return Lexicon(code=code, name=str(data.get("name", code)), words=words)


@lru_cache(maxsize=None)
def pattern(code: str, key: str) -> re.Pattern[str] | None:
    """One expression for all the phrases of a key in a language (None when it has none)."""
    if key == "stopwords":
        raise LexiconError("stopwords are counted, not matched")
    phrases = sorted(set(lexicon(code).words[key]), key=lambda p: (-len(p), p))  # the longest reading first (then A-Z: one pattern whatever the hash seed)
    if not phrases:
        return None
    body = "|".join(compile_phrase(p) for p in phrases)
    # The letters a match can start with, as a look-ahead: the engine skips every other position cheaply
    # instead of trying each phrase there (a third of the cost of reading a page).
    firsts = "".join(sorted({c for p in phrases for c in _first_letters(p)}))
    lead = f"(?=[{re.escape(firsts)}])" if firsts else ""
    return re.compile(r"(?<!\w)" + lead + r"(?:" + body + r")(?!\w)")


def _first_letters(phrase: str) -> set[str]:
    out: set[str] = set()
    for tok in phrase.split(" "):
        optional = tok.startswith("[")
        for alt in tok.strip("[]").split("|"):
            if alt:
                out.add(alt[0])
        if not optional:
            break
    return out


class Union:
    """A key's expressions in several languages, read as one: at each position the first language whose
    phrase matches there wins, as one alternation of them would read. Each language's expression is
    compiled on first need, and a language none of whose first words is in the text is not read at all:
    an English page never compiles the Polish phrases."""

    def __init__(self, langs: tuple[str, ...], key: str):
        self.langs = langs
        self.key = key

    def _parts(self, string: str, pos: int, endpos: int) -> list[re.Pattern[str]]:
        words: set[str] | None = None
        out = []
        for code in self.langs:
            firsts = _first_words((code,), self.key)
            if firsts is not None:
                if words is None:
                    words = set(_WORD.findall(string, pos, endpos))
                exact, stems = firsts
                if words.isdisjoint(exact) and not (stems and any(w.startswith(stems) for w in words)):
                    continue
            rx = pattern(code, self.key)
            if rx is not None:
                out.append(rx)
        return out

    def search(self, string: str, pos: int = 0, endpos: int | None = None) -> re.Match[str] | None:
        endpos = len(string) if endpos is None else endpos
        best = None
        for rx in self._parts(string, pos, endpos):
            m = rx.search(string, pos, endpos)
            if m is not None and (best is None or m.start() < best.start()):
                best = m
        return best

    def match(self, string: str, pos: int = 0, endpos: int | None = None) -> re.Match[str] | None:
        endpos = len(string) if endpos is None else endpos
        for rx in self._parts(string, pos, endpos):
            m = rx.match(string, pos, endpos)
            if m is not None:
                return m
        return None

    def finditer(self, string: str, pos: int = 0, endpos: int | None = None) -> Iterator[re.Match[str]]:
        endpos = len(string) if endpos is None else endpos
        parts = self._parts(string, pos, endpos)
        if len(parts) == 1:
            yield from parts[0].finditer(string, pos, endpos)
            return
        while pos <= endpos:
            best = None
            for rx in parts:
                m = rx.search(string, pos, endpos)
                if m is not None and (best is None or m.start() < best.start()):
                    best = m
            if best is None:
                return
            yield best
            pos = best.end() if best.end() > best.start() else best.end() + 1


@lru_cache(maxsize=None)
def combined(langs: tuple[str, ...], key: str) -> "re.Pattern[str] | Union | None":
    """A key's phrases in several languages, read as one expression (search, match, finditer)."""
    if key == "stopwords":
        raise LexiconError("stopwords are counted, not matched")
    present = tuple(code for code in langs if lexicon(code).words[key])
    if not present:
        return None
    if len(present) == 1:
        return pattern(present[0], key)
    return Union(present, key)


# ----------------------------------------------------------------------------------------------
# Languages of a page

_WORD = re.compile(r"\w+")
_LANGS: "weakref.WeakKeyDictionary[Page, tuple[str, ...]]" = weakref.WeakKeyDictionary()


def declared_language(page: Page) -> str | None:
    for value in (page.lang, page.meta.get("content-language"), page.meta.get("og:locale"),
                  page.headers.get("content-language")):
        if value:
            code = re.split(r"[-_,;\s]", value.strip().lower(), maxsplit=1)[0]
            if code:
                return code
    return None


@lru_cache(maxsize=None)
def _stopwords(code: str) -> frozenset[str]:
    return lexicon(code).stopwords


def detected_languages(text: str) -> list[tuple[str, int]]:
    """Languages whose function words the text uses, with their counts, most first."""
    from collections import Counter

    return _ranked(Counter(_WORD.findall(text[:DETECT_CHARS].lower())))


def _ranked(words: dict[str, int]) -> list[tuple[str, int]]:
    counts: dict[str, int] = {}
    for code in LANGUAGES:
        counts[code] = sum(words[w] for w in _stopwords(code) & words.keys())
    ranked = sorted(counts.items(), key=lambda kv: -kv[1])
    return [(code, n) for code, n in ranked if n > 0]


def page_languages(page: Page) -> tuple[str, ...]:
    """The languages a page is read in: declared, detected, then English (each once, known ones only)."""
    cached = _LANGS.get(page)
    if cached is not None:
        return cached
    out: list[str] = []
    declared = declared_language(page)
    if declared in LANGUAGES:
        out.append(declared)
    from collections import Counter

    ranked = _ranked(Counter(_head_words(page)))
    if ranked:
        top = ranked[0][1]
        for code, n in ranked:
            if n >= MIN_STOPWORDS and n >= top * 0.3 and code not in out:
                out.append(code)
    if "en" not in out:
        out.append("en")
    result = tuple(out)
    _LANGS[page] = result
    return result


# ----------------------------------------------------------------------------------------------
# Finding phrases

_FOUND: "weakref.WeakKeyDictionary[Page, dict[str, list[tuple[int, int]]]]" = weakref.WeakKeyDictionary()


def lower(page: Page) -> str:
    from pharmcheck.rules._text import lower_text

    return lower_text(page)


@lru_cache(maxsize=None)
def _first_words(langs: tuple[str, ...], key: str) -> tuple[frozenset[str], tuple[str, ...]] | None:
    """The words a match of a key can start with: whole words, and stems a word starts with
    (a prefix ``prescri*``, or the first part of ``e-rezept``, which also reads "erezept"). None when a
    phrase could start elsewhere than at a word (the page is then searched everywhere)."""
    exact: set[str] = set()
    stems: set[str] = set()
    for code in langs:
        for phrase in lexicon(code).words[key]:
            for tok in phrase.split(" "):
                if tok == "~":
                    return None
                optional = tok.startswith("[")
                for alt in tok.strip("[]").split("|"):
                    first = alt.rstrip("*").split("-")[0]
                    if not first:
                        return None
                    if alt.endswith("*") or "-" in alt:
                        stems.add(first)
                    else:
                        exact.add(alt)
                if not optional:
                    break
    # A stem that another stem starts with adds no word: only the shortest are kept.
    kept = tuple(stem for stem in sorted(stems) if not any(stem != o and stem.startswith(o) for o in stems))
    return frozenset(exact), kept


_WORDS: "weakref.WeakKeyDictionary[Page, tuple[frozenset[str], list[str]]]" = weakref.WeakKeyDictionary()


def _head_words(page: Page) -> list[str]:
    """The words :func:`detected_languages` reads of a page (its title, then the start of its text). The
    text's are read off the lower-cased text in two scans, its start and the rest, that give :func:`page_words`
    too (kept for it): the page's words are scanned once, not twice."""
    title, text = page.title, page.text
    head = (title + " " + text)[:DETECT_CHARS].lower()
    n = DETECT_CHARS - len(title) - 1
    low = lower(page)
    if n <= 0 or page in _WORDS or len(title.lower()) != len(title) or head[len(title) :] != " " + low[:n]:
        return _WORD.findall(head)
    first, rest = _WORD.findall(low, 0, n), _WORD.findall(low, n)
    if first and rest and _WORD.match(low, n - 1, n) and _WORD.match(low, n, n + 1):
        words = {*first[:-1], first[-1] + rest[0], *rest[1:]}  # a word cut in two at n is one word
    else:
        words = {*first, *rest}
    found = frozenset(words)
    _WORDS[page] = (found, sorted(found))
    return _WORD.findall(head, 0, len(title)) + first


def page_words(page: Page) -> tuple[frozenset[str], list[str]]:
    """The words of the lower-cased text, as a set and sorted: one scan of the page, read by every key."""
    cached = _WORDS.get(page)
    if cached is None:
        words = frozenset(_WORD.findall(lower(page)))
        cached = _WORDS[page] = (words, sorted(words))
    return cached


@lru_cache(maxsize=8192)
def _word_rx(word: str, whole: bool) -> re.Pattern[str]:
    """Where ``word`` starts a word (and, when ``whole``, ends it). The word comes first in the expression,
    the look-behind after it, so the engine searches for the word itself (fast) instead of trying every
    position."""
    n = len(word)
    return re.compile(re.escape(word) + rf"(?<!\w(?s:.){{{n}}})" + (r"(?!\w)" if whole else ""))


_OCCURRENCES: "weakref.WeakKeyDictionary[Page, dict[tuple[str, bool], list[int]]]" = weakref.WeakKeyDictionary()


def _occurrences(page: Page, low: str, word: str, whole: bool) -> list[int]:
    """Where ``word`` starts a word of the page (and ends one, when ``whole``); kept per page: the keys
    of every language share their first words ("no", "prescription")."""
    cache = _OCCURRENCES.get(page)
    if cache is None:
        cache = _OCCURRENCES[page] = {}
    found = cache.get((word, whole))
    if found is None:
        found = cache[(word, whole)] = [m.start() for m in _word_rx(word, whole).finditer(low)]
    return found


def _starts(page: Page, code: str, key: str) -> list[int] | None:
    """The offsets where a key's phrase of one language may start on the page, in order (None: anywhere)."""
    import bisect

    firsts = _first_words((code,), key)
    if firsts is None:
        return None
    exact, stems = firsts
    words, ordered = page_words(page)
    low = lower(page)
    out: list[int] = []
    for word in words & exact:
        out.extend(_occurrences(page, low, word, True))
    for stem in stems:
        i = bisect.bisect_left(ordered, stem)
        if i < len(ordered) and ordered[i].startswith(stem):
            out.extend(_occurrences(page, low, stem, False))
    return sorted(set(out))


def find(page: Page, key: str) -> list[tuple[int, int]]:
    """Every match of a key's phrases in ``page.text`` (offsets), in the page's languages, each within
    one block (cached).

    A language's expression is tried only where a word it can start with stands (:func:`page_words`,
    one scan of the page for every key), and compiled only when there is such a word; matches are those
    of one alternation of the languages run over the whole text, left to right."""
    cache = _FOUND.get(page)
    if cache is None:
        cache = _FOUND[page] = {}
    found = cache.get(key)
    if found is None:
        from pharmcheck.facts import crosses_blocks

        langs = LANGUAGES if key in EVERY_LANGUAGE else page_languages(page)
        low = lower(page)
        # A phrase read across two blocks of the flattened text ("Prescription | Transfer" in a menu) was
        # never written: it is dropped.
        found = []
        for m in _matches(page, low, langs, key):
            if not crosses_blocks(page, *m.span()):
                found.append(m.span())
                if len(found) >= MAX_MATCHES:
                    break  # enough to judge; a page that repeats a phrase endlessly costs no more
        cache[key] = found
    return found


def _matches(page: Page, low: str, langs: tuple[str, ...], key: str) -> Iterator[re.Match[str]]:
    """The key's matches in the page's text: non-overlapping, left to right, the first language that
    matches at a position winning there."""
    parts: list[tuple[re.Pattern[str], set[int]]] = []
    every: set[int] = set()
    for code in langs:
        if not lexicon(code).words[key]:
            continue
        starts = _starts(page, code, key)
        if starts is None:  # a phrase that may start anywhere: the plain scan
            rx = combined(langs, key)
            yield from rx.finditer(low) if rx is not None else ()
            return
        if starts:
            rx = pattern(code, key)
            if rx is not None:
                parts.append((rx, set(starts)))
                every.update(starts)
    end = 0
    for pos in sorted(every):
        if pos < end:
            continue
        for rx, starts in parts:
            if pos in starts:
                m = rx.match(low, pos)
                if m is not None:
                    end = m.end()
                    yield m
                    break


def search(text: str, key: str, langs: tuple[str, ...] = ("en",), pos: int = 0, endpos: int | None = None) -> re.Match[str] | None:  # noqa: E501
    """The first match of a key in a short text (a title, a link, a sentence), lower-cased here."""
    rx = combined(langs, key)
    if rx is None:
        return None
    low = text.lower()
    if len(low) != len(text):
        low = text
    return rx.search(low, pos, len(low) if endpos is None else endpos)


def finditer(text: str, key: str, langs: tuple[str, ...] = ("en",)) -> Iterator[re.Match[str]]:
    rx = combined(langs, key)
    if rx is None:
        return iter(())
    low = text.lower()
    return rx.finditer(low if len(low) == len(text) else text)


def has(text: str, key: str, langs: tuple[str, ...] = ("en",)) -> bool:
    return search(text, key, langs) is not None


def any_has(texts: Iterable[str], key: str, langs: tuple[str, ...] = ("en",)) -> bool:
    """Might one of ``texts`` (link texts, button labels) hold a phrase of a key? One search over them all,
    joined by NUL, instead of one each: a phrase is bounded by non-word characters, so one found in a text
    is found in the join (one that runs across two only costs the reading of each that follows)."""
    rx = combined(langs, key)
    if rx is None:
        return False
    lows = []
    for text in texts:
        low = text.lower()
        lows.append(low if len(low) == len(text) else text)
    return rx.search("\x00".join(lows)) is not None


def all_languages() -> tuple[str, ...]:
    return LANGUAGES
