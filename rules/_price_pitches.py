"""Sales pitches of spam pharmacies in a site's text (private to the ``prices`` rule, rules/prices.py):
free or bonus pills, huge discounts on medicines, claims of the cheapest prices.

Each pitch is a pattern matched only where one of its first words is (``_scan.finditer_at``), never
inside a longer word and never inside a warning ("Beware of sites offering the cheapest prices"). A
finding quotes at most MAX_EVIDENCE phrases.
"""

from __future__ import annotations

import re
from typing import Any, Callable, Iterator

from pharmcheck.findings import WARN, Evidence, Finding
from pharmcheck.lazyre import lazy_re

from ._pricing import MAX_EVIDENCE, PageOffers
from ._scan import finditer_at, occurrences

HUGE_DISCOUNT_PCT = 50

_BONUS_RX = lazy_re(
    r"(?:free|bonus|extra|complimentary|gift)\s(?:[a-z]+\s)?(?:pills?|tablets?|capsules?|samples?)\b"
    # ... but a free pill box is not a free pill
    r"(?!\s?(?:organi[sz]ers?|box(?:es)?|cases?|reminders?|cutters?|splitters?|dispensers?|identifier|counter))"
    r"|\+\s?\d{1,3}\s?(?:free|bonus|extra)\b"
)
_BONUS_KEYWORDS = ("free", "bonus", "extra", "complimentary", "gift")
_BONUS_STARTS = (*_BONUS_KEYWORDS, "+")  # every match of _BONUS_RX starts with one of these
# "sugar-free tablets" is an ingredient statement, not a gift.
_FREE_OF = frozenset(
    "sugar gluten lactose dye alcohol latex preservative fat salt gelatin dairy nut allergen "
    "sodium caffeine bpa".split()
)
_DISCOUNT_RX = lazy_re(
    r"(\d{2,3})\s?%\s?(?:off|discount|savings?|cheaper|less)\b"
    r"|(?:save|saving|discount|discounts|savings)\s(?:of\s)?(?:up\sto\s)?(\d{2,3})\s?%"
)
_CHEAPEST_RX = lazy_re(
    r"cheapest(?!\s(?:shipping|delivery|postage|option|way\sto\sship))"
    r"|lowest\sprices?\s(?:guaranteed|online|on\sthe\s(?:web|net|internet)|anywhere|in\sthe\sworld)"
    r"|(?:guaranteed|guarantee)\s(?:the\s)?lowest\sprices?"
    r"|(?:rock[-\s]bottom|unbeatable|unbelievable|wholesale)\sprices?"
    r"|best\sprices?\s(?:guaranteed|online|on\sthe\s(?:web|net|internet))"
    r"|(?:we|will)\sbeat\sany\sprice"
)
_CHEAPEST_STARTS = ("cheapest", "lowest", "guarantee", "rock", "unbeatable", "unbelievable", "wholesale", "best", "we",
                    "will")  # every match of _CHEAPEST_RX starts with one of these
_CHEAPEST_KEYWORDS = (
    "cheapest",
    "lowest",
    "bottom",
    "unbeatable",
    "unbelievable",
    "wholesale",
    "best price",
    "beat any",
)
# A phrase inside a warning is not a claim: "Beware of sites offering the cheapest prices". ("Never pay
# full price again!" is a sales pitch, so "never" and "don't" are not warning words.)
_WARNING_RX = lazy_re(
    r"\b(?:beware|wary|avoid|warning|scams?|counterfeits?|fakes?|too good to be true|be careful|suspicious)\b"
)


def _discount_starts(low: str) -> list[int]:
    """Where a match of _DISCOUNT_RX may start: a saving's word, or two to four characters before a "%"."""
    return sorted(set(occurrences(low, ("sav", "discount")) + [i - d for i in occurrences(low, ("%",)) for d in (2, 3, 4)
                                                                if i >= d]))


def _phrases(
    pages: list[tuple[Any, PageOffers]], rx: re.Pattern[str], keywords: tuple[str, ...],
    starts: Callable[[str], list[int]], keep: Callable[[re.Match[str]], bool] | None = None,
) -> Iterator[tuple[Any, re.Match[str]]]:
    """Matches of ``rx`` (each starting at one of the places ``starts`` gives) in the lower-cased text of
    each page, skipping pages without any keyword, matches that ``keep`` refuses (tested first: it is
    cheaper than a quote) and phrases inside a warning."""
    for page, po in pages:
        low = po.low
        if not any(k in low for k in keywords):
            continue
        for m in finditer_at(rx, low, starts(low)):
            s, e = m.span()
            if (s and low[s - 1].isalnum()) or (e < len(low) and low[e].isalnum() and not m.group(0)[-1].isdigit()):
                continue  # inside a longer word
            if keep is not None and not keep(m):
                continue
            if _WARNING_RX.search(page.snippet(s, e).lower()):
                continue
            yield page, m


def _phrase_finding(
    outcome: str, message: str, hits: list[tuple[Any, re.Match[str]]], why: str, facts: dict
) -> Finding:
    evidence: list[Evidence] = []
    seen: set[str] = set()
    for page, m in hits:
        quote = page.snippet(m.start(), m.end())
        if quote in seen:
            continue
        seen.add(quote)
        evidence.append(Evidence(url=page.url, quote=quote, where="text", why=why))
        if len(evidence) >= MAX_EVIDENCE:
            break
    return Finding(outcome=outcome, status=WARN, message=message, evidence=evidence, facts=facts)


def bonus(pages: list[tuple[Any, PageOffers]]) -> Iterator[Finding]:
    hits = list(_phrases(pages, _BONUS_RX, _BONUS_KEYWORDS, lambda low: occurrences(low, _BONUS_STARTS), _not_free_of))
    if hits:
        phrases = sorted({m.group(0) for _, m in hits})
        yield _phrase_finding(
            "prices-bonus-pills",
            "Free or bonus pills are offered with orders, a sales trick of spam pharmacies: a pharmacy "
            "dispenses what a prescription says, not extra pills.",
            hits,
            "Extra prescription pills given away to push bigger orders.",
            {"phrases": phrases[:10], "count": len(hits)},
        )


def _not_free_of(m: re.Match[str]) -> bool:
    head = m.string[max(0, m.start() - 12) : m.start()].rstrip(" -")
    return head.rsplit(" ", 1)[-1] not in _FREE_OF  # "sugar-free tablets"


def discounts(pages: list[tuple[Any, PageOffers]]) -> Iterator[Finding]:
    hits = list(_phrases(pages, _DISCOUNT_RX, ("%",), _discount_starts, lambda m: HUGE_DISCOUNT_PCT <= int(m.group(1) or m.group(2)) <= 100))
    if hits:
        best = max(int(m.group(1) or m.group(2)) for _, m in hits)
        yield _phrase_finding(
            "prices-huge-discount",
            f"Discounts of up to {best}% are advertised on a site selling medicines. Huge discounts on "
            "medicines are a warning sign of counterfeit or diverted stock.",
            hits,
            f"A discount of {HUGE_DISCOUNT_PCT}% or more on medicines.",
            {"largest_discount_pct": best, "count": len(hits)},
        )


def cheapest(pages: list[tuple[Any, PageOffers]]) -> Iterator[Finding]:
    hits = list(_phrases(pages, _CHEAPEST_RX, _CHEAPEST_KEYWORDS, lambda low: occurrences(low, _CHEAPEST_STARTS)))
    if hits:
        yield _phrase_finding(
            "prices-cheapest-claim",
            "The site claims the cheapest or lowest prices, a typical sales pitch of spam pharmacies.",
            hits,
            "A claim of the cheapest or lowest prices for medicines.",
            {"phrases": sorted({m.group(0) for _, m in hits})[:10], "count": len(hits)},
        )
