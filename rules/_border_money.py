"""The currencies a site's prices are in, and the countries each is at home in (private to the
``cross-border`` rule, rules/cross_border.py, which compares them with where the pharmacy is).

A "$" with a number, read with the letters before it ("US$12", "C$12", "CDN $12") or the code after it
("$0.00 USD"); the pound, euro and rupee signs; codes beside a number ("12 USD"); and statements of the
site ("all prices are in US dollars"). Each currency keeps how often it was seen, whether it was named
explicitly, and one piece of evidence.
"""

from __future__ import annotations

from dataclasses import dataclass

from pharmcheck.lazyre import lazy_re
from pharmcheck.rules._border_phrases import _context, _keyword_places
from pharmcheck.rules._drugs import CLAIM, Phrase, lower_text, scan
from pharmcheck.rules._text import MAX_PLACES, keyword_positions
from pharmcheck.site import Page, Site

_EURO_AREA = {"AT", "BE", "CY", "DE", "EE", "ES", "FI", "FR", "GR", "HR", "IE", "IT", "LT", "LU", "LV", "MT", "NL", "PT",
              "SI", "SK"}  # fmt: skip
_HOME_OF = {
    "USD": {"US", "PR", "EC", "SV", "PA"}, "CAD": {"CA"}, "AUD": {"AU"}, "NZD": {"NZ"}, "GBP": {"GB"},
    "EUR": _EURO_AREA, "INR": {"IN"}, "SGD": {"SG"}, "HKD": {"HK"}, "MXN": {"MX"}, "CHF": {"CH"},
    # A bare "$": the local dollar (or peso) of any of these.
    "$": {"US", "PR", "EC", "SV", "PA", "CA", "AU", "NZ", "SG", "HK", "MX", "BZ", "BS", "BB", "JM", "TT", "KY", "FJ",
          "BN", "TW", "LR", "NA", "GY", "SR", "ZW", "AR", "CL", "CO", "CU", "DO", "UY"},
}  # fmt: skip
_CURRENCY_NAMES = {"USD": "US dollars", "CAD": "Canadian dollars", "AUD": "Australian dollars", "NZD": "New Zealand dollars",
                   "GBP": "pounds sterling", "EUR": "euros", "INR": "Indian rupees", "SGD": "Singapore dollars",
                   "HKD": "Hong Kong dollars", "MXN": "Mexican pesos", "CHF": "Swiss francs", "$": "dollars ($)"}  # fmt: skip
# Letters written before "$": "US$12", "C$12", "CDN $12". With a space, only the longer ones ("plus $5" is no "us").
_DOLLAR_PREFIX = {"u.s.": "USD", "us": "USD", "cdn": "CAD", "ca": "CAD", "au": "AUD", "nz": "NZD", "hk": "HKD",
                  "mx": "MXN", "c": "CAD", "a": "AUD", "s": "SGD", "usd": "USD", "cad": "CAD", "aud": "AUD",
                  "nzd": "NZD", "sgd": "SGD", "hkd": "HKD"}  # fmt: skip
_PREFIX_BEFORE = lazy_re(r"(?<![a-z.])(u\.s\.|usd|us|cdn|cad|ca|aud|au|nzd|nz|hkd|hk|sgd|mx|c|a|s)\Z"
                            r"|(?<![a-z.])(u\.s\.|usd|us|cdn|cad|aud|au|nzd|nz|hkd|hk|sgd|mx)\s\Z")
_CODES = {"usd": "USD", "cad": "CAD", "aud": "AUD", "nzd": "NZD", "gbp": "GBP", "eur": "EUR", "inr": "INR",
          "sgd": "SGD", "hkd": "HKD", "chf": "CHF"}  # fmt: skip
_SYMBOLS = {"£": "GBP", "€": "EUR", "₹": "INR"}
_AMOUNT = lazy_re(r"\s?\d")
_NUMBER = lazy_re(r"\s?\d[\d,.]*")
_CODE_AFTER = lazy_re(r"\s?(usd|cad|aud|nzd|sgd|hkd)(?![a-z])")
_DIGIT_BEFORE = lazy_re(r"\d\s?$")
_DIGIT_AFTER = lazy_re(r"\s?[$£€]?\s?\d")
_STATEMENT = Phrase(
    r"(?:prices?|amounts?|costs?|charges?|totals?|payments?|billed|charged|quoted|shown|listed|displayed|priced|paid)\s+"
    r"(?:\w+\s+){0,4}?in\s+(?P<cur>(?:us|u\.s\.|american|canadian|australian|new\s+zealand|singapore|hong\s+kong)\s+"
    r"dollars?|usd|cad|gbp|eur|aud|nzd|inr|(?:british\s+)?pounds(?:\s+sterling)?|sterling|euros?|(?:indian\s+)?rupees)"
    r"(?![a-z])",
    first="pactbqsld",
    words=("dollar", "usd", "cad", "gbp", "eur", "aud", "nzd", "inr", "pound", "sterling", "rupee"),
    reach=90,
)
_STATEMENT_CODE = {"us": "USD", "u.s.": "USD", "american": "USD", "canadian": "CAD", "australian": "AUD",
                   "new zealand": "NZD", "singapore": "SGD", "hong kong": "HKD"}  # fmt: skip


@dataclass
class _Money:
    """What a site shows in one currency."""

    amounts: int = 0
    explicit: bool = False  # a code ("USD"), a prefix ("US$") or a statement ("prices in US dollars")
    evidence: tuple[str, str, str] | None = None  # url, quote, why
    code_evidence: tuple[str, str, str] | None = None


def currencies(site: Site) -> dict[str, _Money]:
    """The currencies the site's prices are in, with one piece of evidence each."""
    money: dict[str, _Money] = {}

    def add(code: str, page: Page, start: int, end: int, explicit: bool, why: str) -> None:
        entry = money.setdefault(code, _Money())
        entry.amounts += 1
        if entry.evidence is None or (explicit and entry.code_evidence is None):
            item = (page.url, page.snippet(start, end, context=60), why)
            if explicit and entry.code_evidence is None:
                entry.code_evidence = item
            if entry.evidence is None:
                entry.evidence = item
        entry.explicit |= explicit

    for page in site.pages:
        low = lower_text(page)
        consumed: set[int] = set()  # codes read with their "$" ("$0.00 USD", "USD $12"): not counted twice
        for i in keyword_positions(low, ("$",), MAX_PLACES):
            number = _NUMBER.match(low, i + 1)
            if number is None:
                continue
            code = None
            if i and (low[i - 1].isalpha() or low[i - 1] in ". "):
                before = _PREFIX_BEFORE.search(low, max(0, i - 5), i)
                if before:
                    word = before.group(1) or before.group(2)
                    code = _DOLLAR_PREFIX[word]
                    if word in _CODES:
                        consumed.add(before.start())
            end = number.end()
            suffix = _CODE_AFTER.match(low, end)
            if suffix:
                code, end = _CODES[suffix.group(1)], suffix.end()
                consumed.add(suffix.start(1))
            if code is None:
                add("$", page, i, end, False, "a price in dollars ($)")
            else:
                add(code, page, i, end, True, f"a price in {_CURRENCY_NAMES[code]}")
        for symbol, code in _SYMBOLS.items():
            for i in keyword_positions(low, (symbol,), MAX_PLACES):
                if _AMOUNT.match(low, i + 1) or _DIGIT_BEFORE.search(low, max(0, i - 2), i):
                    add(code, page, i, i + 1, False, f"a price in {_CURRENCY_NAMES[code]} ({symbol})")
        for word, code in _CODES.items():
            for i in _keyword_places(page, low, word)[:40]:
                j = i + len(word)
                if j < len(low) and low[j].isalpha():
                    continue
                if i in consumed:
                    continue
                if _DIGIT_BEFORE.search(low, max(0, i - 2), i) or _DIGIT_AFTER.match(low, j):
                    add(code, page, i, j, True, f"a price in {_CURRENCY_NAMES[code]} ({word.upper()})")
        for m in scan(page, _STATEMENT):
            if _context(page, m.start(), m.end()) != CLAIM:
                continue
            cur = " ".join(m.group("cur").split())
            if cur in _CODES:
                code = _CODES[cur]
            elif "dollar" in cur:
                code = _STATEMENT_CODE.get(cur.rsplit(" ", 1)[0], "USD")
            elif "pound" in cur or "sterling" in cur:
                code = "GBP"
            elif "euro" in cur:
                code = "EUR"
            else:
                code = "INR"
            add(code, page, m.start(), m.end(), True, f"the site says its prices are in {_CURRENCY_NAMES[code]}")
    return money
