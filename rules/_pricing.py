"""Find medicine offers in a page's text: drug name, strength, quantity, price, and the price per unit in USD.

Used by the ``prices`` rule. Shops lay their prices out in many ways; these are handled (each has a test):

* one line per offer: ``Baclofen 10 mg x 90 tablets $29.99``, ``Viagra 100mg 10 pills $9.90``;
* a product page whose rows list ``30 pills  $45.00  $1.50 per pill``;
* a stated unit price: ``Price per pill: $0.89``, ``$0.99/pill``, ``€1.20 each``;
* table rows whose cells arrive as separate lines (``10 pills`` / ``$0.99`` / ``$9.90``): when two prices
  follow one quantity and one is the other divided by the quantity, the small one is the unit price;
* a catalogue table whose column heading says ``From (per pill)`` above rows with a lone price;
* ``was $99 now $49``: a price labelled as the old price is set aside; prices of shipping, minimum orders
  and savings (``orders over $150``, ``save $30``, ``$10 off``) are not offers; bonus pills
  (``+ 4 free pills``) are not the pack size.

Which drug a price is for: the last drug named within :data:`DRUG_CONTEXT_LINES` lines and
:data:`DRUG_CONTEXT_CHARS` characters above it, else the one drug named in the page title. A name in
running prose (a line longer than :data:`PROSE_LINE_CHARS`: "Generic Viagra contains the same
ingredient...") counts only when an offer follows it on that line; a name in a comparison ("Bye bye,
Viagra!", "better than Cialis", "a Viagra alternative") never counts. A brand name next to "generic", or
with a made-up variant ("Viagra Soft", "Cialis Professional"), stands for the generic of its molecule.

How: two regular expressions, each compiled once and starting with a character class so that the
engine skips the positions that cannot start a token, scan the lower-cased page text: one finds numbers
with a unit, a strength or a currency, the other the drug names of the reference table (as a trie). A
linear walk over the merged tokens groups them into offers. Money amounts are read with the
``price-parser`` library. Prices in EUR, GBP, CAD and AUD are converted with
the fixed, approximate rates of :data:`USD_PER_UNIT`; a bare ``$`` is taken as USD (a Canadian shop's
``$`` is then over-valued by about a third, which only makes the floor check more lenient); other
currencies are not recognised, so their prices are skipped.

When the evidence is ambiguous the reading that gives the *higher* unit price wins (an old and a new
price that do not fit the quantity: the higher is taken), so that a low-price finding is never the
product of a parsing guess. A page's first :data:`MAX_OFFERS_PER_PAGE` offers are read, which bounds the
work on huge catalogues. Nothing here raises on junk text.

The reference table and money amounts are read by :mod:`pharmcheck.rules._reference`; a group of tokens
becomes offers in :mod:`pharmcheck.rules._price_groups`.
"""

from __future__ import annotations

import bisect
import re
from dataclasses import dataclass, field
from typing import Any

from pharmcheck.lazyre import lazy_re
from pharmcheck.rules._text import lower_same_length, lower_text
from pharmcheck.site import Page
from pharmcheck.rules._reference import Reference, load_reference, parse_amount  # noqa: F401  (read here by the prices rule)


# Approximate value in USD of one unit of each currency (fixed; 2023-2024 rates, rounded). Good enough
# for a floor check whose thresholds sit a factor of 4 to 20 below the reference.
USD_PER_UNIT = {"USD": 1.0, "EUR": 1.08, "GBP": 1.27, "CAD": 0.73, "AUD": 0.66}

DRUG_CONTEXT_LINES = 30  # an offer belongs to a drug named at most this many lines above it ...
DRUG_CONTEXT_CHARS = 1000  # ... and at most this many characters before it
GROUP_MAX_LINES = 4  # prices this many lines after a quantity still belong to it
MAX_OFFERS_PER_PAGE = 400  # enough to judge a page; bounds the work on huge catalogues
MAX_EVIDENCE = 5  # evidence items per finding of the prices rule
MAX_QUANTITY = 2000
PROSE_LINE_CHARS = 100  # a drug named in a line longer than this is prose, not a product name ...
HEADER_LINES = 40  # a "Per pill" column heading applies to the rows at most this many lines below it
PAIR_TOLERANCE = 0.2  # unit price x quantity may differ from the pack price by this much (bonus pills, rounding)

# Names a shop may use that have no reference price (no data for them, see rules/data/README.md):
# recognised so that their offers are not given to another drug named earlier on the page.

_UNIT_WORDS = r"pills?|tablets?|tabs?|capsules?|caps?|softgels?|units?|doses?|pcs|pieces?|count|ct"
_CODES = r"usd|eur|gbp|cad|aud"
# Numbers with a meaning. The pattern starts with a character class (fast scanning); which branch
# matched is told by the group names: amt (after $ EUR GBP), cur2 (before a currency), unit (a
# quantity), mass (a strength), bare (after "x" or a currency code: checked in Python).
# A number is read from its first digit only ((?<![\d.,])\d): tried at every digit of a run, the pattern was
# quadratic (10 KB of digits cost 3.5 s, 1 MB never ended).
# (?=[$€£\d]): what every match starts with, tested first; the engine skips the other characters at once.
_NUMBER_RX = re.compile(
    rf"(?=[$€£\d])(?:[$€£]|(?<![\d.,])\d)(?:(?<=[$€£])\s?(?P<amt>\d[\d.,]*\d|\d)"
    rf"|(?<=\d)(?:(?:(?<=x\d)|(?<=x\s\d)|(?<=(?:{_CODES})\d)|(?<=(?:{_CODES})\s\d))(?P<bare>[\d.,]*\d|)(?![\d.,]?\d)"
    rf"(?!\s?(?:mg|mcg|µg|g|{_UNIT_WORDS})\b)"
    rf"|(?P<rest>[\d.,]*\d|)\s?(?:(?P<cur2>€|£|\$(?!\s?\d)|(?:{_CODES})\b)|(?P<unit>{_UNIT_WORDS})\b|(?P<mass>mg|mcg|µg|g)\b)))"
)
_UNITS = frozenset(
    "pill pills tablet tablets tab tabs capsule capsules cap caps softgel softgels unit units dose doses "
    "pc pcs piece pieces".split()
)
# The word just before a price that says it is not an offer (shipping, order thresholds, savings) ...
_NOT_OFFER_WORDS = frozenset(
    "save saving savings over above order orders shipping delivery postage minimum discount worth coupon "
    "bonus reward rewards credit fee fees".split()
)
# ... or that it is an old price ("was $99", "list price: $99", "compare at $99").
_OLD_WORDS = frozenset("was rrp retail regular list old market reg usual msrp before instead".split())
_FILLER_WORDS = frozenset("of up to just only the a an is".split())
_NOT_OFFER_AFTER = lazy_re(r"\s?(?:off|shipping|delivery|postage|discount|savings?)\b")
_STRIP = ":;,.-–—|()[]*!"
_PER_UNIT_AFTER = lazy_re(rf"\s?(?:(?:/\s?|per\s|a\s|for\s(?:one|each|1)\s)(?:{_UNIT_WORDS})\b|each\b|ea\b)")
_BONUS_QTY_AFTER = lazy_re(r"\s?(?:free|bonus|extra|gratis|for free)\b")
_BONUS_QTY_BEFORE = ("+", "plus", "bonus", "free", "extra", "get")
_VARIANT_AFTER = lazy_re(
    r"\s(?:professional|super active|super|soft|oral jelly|jelly|gold|black|extra dosage|plus|sublingual|chewable|"
    r"strips?|effervescent|flavou?red|xl|force)\b"
)
# A drug name in a comparison is not the product on offer: "Bye bye, Viagra!", "better than Viagra",
# "herbal Viagra", "a Viagra alternative".
_COMPARISON_BEFORE = (
    "bye bye", "bye-bye", "goodbye", "than", "like", "herbal", "natural", "alternative to", "instead of", "forget",
    "no more", "without", "vs", "vs.", "versus", "similar to", "compared to", "compared with", "besides",
    "apart from", "except", "unlike", "other than", "beyond",
)  # fmt: skip
_LIST_JOINERS = frozenset((" or ", " and ", ", ", " & ", " / ", "/", " nor "))
_COMPARISON_AFTER = re.compile(r"[\s-]?(?:alternatives?|like|substitutes?|killer)\b")
_CURRENCY_PREFIX = (("cdn", "CAD"), ("us", "USD"), ("ca", "CAD"), ("au", "AUD"), ("c", "CAD"), ("a", "AUD"))
_LETTER_CURRENCY = {"usd": "USD", "eur": "EUR", "gbp": "GBP", "cad": "CAD", "aud": "AUD"}
_SYMBOL_CURRENCY = {"$": "USD", "€": "EUR", "£": "GBP"}
_MASS_MG = {"mg": 1.0, "g": 1000.0, "mcg": 0.001, "µg": 0.001}

# A column heading that says the prices below it are per unit: "Per pill", "From (per pill)", "Price/pill".
_PER_UNIT_HEADER_HINT = lazy_re(rf"(?:per\s?|/\s?)(?:{_UNIT_WORDS})\b|(?:unit|pill)\sprice")
_PER_UNIT_HEADER = lazy_re(
    rf"(?:(?:price|from|cost)\s?)?\(?(?:price\s?)?(?:per\s?|/\s?)(?:{_UNIT_WORDS})\)?:?|(?:unit|pill)\sprice:?"
)

_NORMAL, _NOT_OFFER, _PER_UNIT_LABEL, _OLD = 0, 1, 2, 3
_TRIGGER_WORDS = _NOT_OFFER_WORDS | _OLD_WORDS | _UNITS | {"price", "each", "at"}


def _before(low: str, s: int) -> int:
    """What the words just before a price say about it: a normal price, not an offer, a label of a
    unit price ("Price per pill:"), or an old price ("was")."""
    words = low[max(0, s - 28) : s].split()
    if s >= 28 and words:
        words.pop(0)  # the first word may be cut
    k = len(words) - 1
    w = ""
    while k >= 0:
        w = words[k].strip(_STRIP)
        if w and w not in _FILLER_WORDS:
            break
        k -= 1  # "savings of $30", "up to $30": look past the small words
    if k < 0 or (w not in _TRIGGER_WORDS and "/" not in w):
        return _NORMAL  # the common case, decided fast
    if w in _NOT_OFFER_WORDS:
        return _NOT_OFFER
    prev = words[k - 1].strip(_STRIP) if k > 0 else ""
    if "/" in w:  # "price/pill:" or "/pill"
        head, _, tail = w.rpartition("/")
        return _PER_UNIT_LABEL if tail in _UNITS and head in ("", "price") else _NORMAL
    if w == "price":
        if prev == "unit":
            return _PER_UNIT_LABEL
        return _OLD if prev in _OLD_WORDS else _NORMAL
    if w in _OLD_WORDS or (w == "at" and prev == "compare"):
        return _OLD
    if w in _UNITS and prev in ("per", "each", "a"):
        # "Price per pill: $0.89" -- but in "$0.99 per pill $9.90" "per pill" ends the price before.
        third = words[k - 2].strip(_STRIP) if k > 1 else ""
        if not third or not (third[0] in "$€£" or third[0].isdigit() or third[-1].isdigit()):
            return _PER_UNIT_LABEL
    if w == "each" and prev == "price":
        return _PER_UNIT_LABEL
    return _NORMAL


@dataclass(slots=True)
class Offer:
    """One priced offer found on a page."""

    url: str
    quote: str  # the exact text of the offer on the page (page.text[start:end])
    start: int
    end: int
    drug: str | None  # canonical name of the reference entry, or None
    name: str | None  # the name as the page wrote it
    kind: str | None  # brand | generic, None when the drug is unknown
    molecule: str | None
    variant: str | None = None  # "soft", "professional", ...: a brand name on a product its maker never sold
    strength_mg: float | None = None
    quantity: int | None = None
    price: float | None = None  # the price as written (of the pack, or of one unit when only that is given)
    currency: str | None = None
    unit_price: float | None = None  # in the offer's currency
    unit_price_usd: float | None = None
    unit_price_stated: bool = False  # the page states the unit price (not computed from pack / quantity)
    old_price: float | None = None

    def to_dict(self) -> dict[str, Any]:
        d = {k: getattr(self, k) for k in _OFFER_FIELDS if getattr(self, k) is not None}
        for k in ("unit_price", "unit_price_usd"):
            if k in d:
                d[k] = round(d[k], 4)
        return d


_OFFER_FIELDS = (
    "url", "quote", "drug", "name", "kind", "molecule", "variant", "strength_mg", "quantity", "price", "currency",
    "unit_price", "unit_price_usd", "unit_price_stated", "old_price",
)  # fmt: skip


class _Group:
    """The tokens of one offer being read: a quantity and the prices after it."""

    __slots__ = ("start", "line", "quantity", "prices", "last_line")

    def __init__(self, start: int, line: int, quantity: int | None = None):
        self.start = start
        self.line = line
        self.quantity = quantity
        self.prices: list[tuple[float, str, int, int, bool, bool]] = []  # amount, currency, start, end, per_unit, old
        self.last_line = line


@dataclass
class PageOffers:
    offers: list[Offer]
    drugs_named: set[str]  # canonical names (or "?molecule") of every drug named on the page
    truncated: bool = False  # the page had more than MAX_OFFERS_PER_PAGE offers
    low: str = ""  # the page text, lower-cased (same offsets), for callers that search it again
    line_starts: list[int] = field(default_factory=lambda: [0])  # offsets of page.lines in page.text


def _line_starts(page: Any) -> list[int]:
    """Offsets in page.text where each of page.lines begins: the reader's ``Page.line_starts`` ([0] for none)."""
    return getattr(page, "line_starts", None) or [0]


def _in_comparison(low: str, s: int, e: int) -> bool:
    head = low[max(0, s - 16) : s].rstrip(" ,!:;-")
    return head.endswith(_COMPARISON_BEFORE) or _COMPARISON_AFTER.match(low, e) is not None


def _header_lines(low: str, starts: list[int]) -> list[int]:
    """Indices of the lines that are a "Per pill" column heading, in order."""
    found: list[int] = []
    for m in _PER_UNIT_HEADER_HINT.finditer(low):
        line = bisect.bisect_right(starts, m.start()) - 1
        if found and found[-1] == line:
            continue
        end = starts[line + 1] - 1 if line + 1 < len(starts) else len(low)
        if _PER_UNIT_HEADER.fullmatch(low[starts[line] : end].strip()):
            found.append(line)
    return found


def _labelled(low: str, line_start: int, s: int) -> bool:
    """Does the line hold words before the price at ``s``?"""
    return any(ch.isalpha() for ch in low[line_start:s])


def _is_word(low: str, s: int, e: int) -> bool:
    return not (s > 0 and low[s - 1].isalnum()) and not (e < len(low) and low[e].isalnum())


def _drug_from_title(ref: Reference, title: str) -> tuple[str, str] | None:
    """The drug a page title names, when it names exactly one."""
    from pharmcheck.rules._price_groups import _resolve_drug

    low = title.lower()
    if len(low) != len(title):
        return None
    found = [m.span() for m in ref.drug_rx.finditer(low) if _is_word(low, *m.span())]
    if any(_in_comparison(low, a, b) for a, b in found):
        return None
    if len({ref.alias[low[a:b]] for a, b in found}) != 1:
        return None
    a, b = found[0]
    target, _, _ = _resolve_drug(ref, low, ref.alias[low[a:b]], a, b)
    return target, title[a:b]


def extract_offers(page: Any, reference: Reference | None = None) -> PageOffers:
    """Every priced offer on ``page`` (an object with ``url``, ``text``, ``lines``, ``title``)."""
    # The groups' offers are read by rules/_price_groups.py, which reads this module's constants and classes.
    from pharmcheck.rules._price_groups import _finish, _int, _molecule, _resolve_drug, _strength_mg

    ref = reference or load_reference()
    text = page.text or ""
    # Lower case with the offsets of text (a few characters grow when lower-cased): a Page's is kept.
    low = lower_text(page) if isinstance(page, Page) else lower_same_length(text)
    n = len(low)
    starts = _line_starts(page)
    title_drug = _drug_from_title(ref, (getattr(page, "title", "") or "")[:300])
    url = getattr(page, "url", "")
    alias = ref.alias
    bisect_right = bisect.bisect_right
    per_unit_after = _PER_UNIT_AFTER.match
    bonus_after = _BONUS_QTY_AFTER.match
    not_offer_after = _NOT_OFFER_AFTER.match

    offers: list[Offer] = []
    drugs_named: set[str] = set()
    # the current drug: (target, name as written, kind override, variant, start, end, line)
    drug: tuple[str, str, str | None, str | None, int, int, int] | None = None
    strength: float | None = None
    group: _Group | None = None
    truncated = False
    last_comparison = [-100]  # end of the last drug name seen in a comparison

    header_lines: list[int] | None = None  # lines that are "Per pill" column headings, found when needed
    pending: list = []  # a drug named in prose, taken only if an offer follows on the same line

    def finish() -> None:
        nonlocal header_lines
        if group is None or not group.prices:
            return
        if group.quantity is None and len(group.prices) == 1 and not group.prices[0][4] and not group.prices[0][5]:
            # A lone price under a "Per pill" column heading is a unit price.
            if header_lines is None:
                header_lines = _header_lines(low, starts)
            i = bisect_right(header_lines, group.line - 1) - 1
            if i >= 0 and group.line - header_lines[i] <= HEADER_LINES:
                amount, currency, ps, pe, _, _ = group.prices[0]
                group.prices[0] = (amount, currency, ps, pe, True, False)
        _finish(ref, text, url, group, drug, strength, title_drug, starts, offers)

    def line_length(line: int) -> int:
        return (starts[line + 1] - 1 if line + 1 < len(starts) else n) - starts[line]

    def on_drug(dm: re.Match[str] | None, deferred: tuple | None = None) -> None:
        nonlocal drug, strength, group
        if deferred is not None:
            target, override, variant, s, e, line, deferred_strength = deferred
        else:
            s, e = dm.span()
            if (s and low[s - 1].isalnum()) or (e < n and low[e].isalnum()):
                return  # part of a longer word
            if _in_comparison(low, s, e) or (
                s - last_comparison[0] <= 6 and low[last_comparison[0] : s] in _LIST_JOINERS
            ):
                last_comparison[0] = e  # "besides Viagra or Cialis": the whole list is a comparison
                return
            target, override, variant = _resolve_drug(ref, low, alias[low[s:e]], s, e)
            drugs_named.add(target)
            line = bisect_right(starts, s) - 1
            if line_length(line) > PROSE_LINE_CHARS:
                # "Generic Viagra contains the same ingredient...": prose, unless an offer follows on this line
                pending[:] = [(target, override, variant, s, e, line, None)]
                return
        if (
            drug is not None
            and line == drug[6]
            and s - drug[5] <= 40
            and (group is None or not group.prices)
            and _molecule(ref, target) == _molecule(ref, drug[0])
        ):
            return  # "Viagra (sildenafil citrate)": the second name explains the first
        finish()
        group = None
        drug = (target, text[s:e], override, variant, s, e, line)
        strength = deferred[6] if deferred is not None else None

    drug_matches = ref.drug_rx.finditer(low)
    next_drug = next(drug_matches, None)
    last_end = -10  # end of the previous number token
    for m in _NUMBER_RX.finditer(low):
        s, e = m.span()
        while next_drug is not None and next_drug.start() < s:
            on_drug(next_drug)
            next_drug = next(drug_matches, None)
        prev_ch = low[s - 1] if s else " "
        kind = m.lastgroup
        if pending:
            deferred = pending.pop()
            if deferred[5] == bisect_right(starts, s) - 1:
                if kind == "mass":  # "Baclofen 10 mg ..." in a long line: keep the strength with the name
                    pending.append(deferred[:6] + (_strength_mg(low[s : m.end("rest")], m.group("mass")),))
                    continue
                on_drug(None, deferred)  # an offer follows the name on its line: it was a product name
        if kind == "bare":
            before = low[max(0, s - 5) : s].rstrip()
            code = before[-3:]
            if code in _LETTER_CURRENCY and (len(before) < 4 or not before[-4].isalnum()):
                kind = "lcur"
            elif before.endswith("x") and (len(before) < 2 or not before[-2].isalnum()):
                kind = "xnum"
            else:
                continue
        elif kind != "amt" and (prev_ch.isalnum() or prev_ch in ".,"):
            continue  # a number inside a word or a longer number ("a10mg", "1.5.10")
        line = bisect_right(starts, s) - 1
        if kind == "mass":
            if line_length(line) > PROSE_LINE_CHARS:
                continue  # "do not take more than 40 mg a day": prose
            if group is not None and group.prices:
                finish()
                group = None
            strength = _strength_mg(low[s : m.end("rest")], m.group("mass"))
        elif kind == "unit" or kind == "xnum":
            if bonus_after(low, e) or low[max(0, s - 7) : s].rstrip().endswith(_BONUS_QTY_BEFORE):
                continue  # "+10 bonus pills", "4 pills free": not the pack size
            qty = _int(low[s : m.end("rest")] if kind == "unit" else m.group(0))
            if qty is None:
                continue
            finish()
            group = _Group(s, line, qty)
        else:  # a money amount: "$9.90", "29,99 €", "EUR 45.00"
            if kind == "amt":
                symbol = low[s]
                currency = _SYMBOL_CURRENCY[symbol]
                if symbol == "$" and s and low[s - 1].isalpha():
                    head = low[max(0, s - 4) : s]
                    for prefix, code in _CURRENCY_PREFIX:
                        if head.endswith(prefix) and (len(head) == len(prefix) or not head[-len(prefix) - 1].isalnum()):
                            currency = code
                            break
                amount = parse_amount(m.group("amt"))
            elif kind == "cur2":
                token = m.group("cur2")
                currency = _SYMBOL_CURRENCY.get(token) or _LETTER_CURRENCY[token]
                amount = parse_amount(low[s : m.end("rest")])
            else:  # "lcur": a number after a currency code
                currency = _LETTER_CURRENCY[low[max(0, s - 5) : s].rstrip()[-3:]]
                amount = parse_amount(m.group(0))
            if amount is None:
                continue
            if not_offer_after(low, e):
                continue
            # Words between the previous token and this price may label it; none when it follows at once.
            label = _before(low, s) if s - last_end > 2 else _NORMAL
            if label == _NOT_OFFER:
                continue
            suffix = per_unit_after(low, e)
            if suffix:
                e = suffix.end()  # the quote keeps "per pill"
            if group is not None and (
                line - group.last_line > GROUP_MAX_LINES
                or (group.quantity is None and group.prices and line != group.line)
                # a price on a new line of its own label ("Gift card $50.00") is a new item
                or (group.prices and line != group.last_line and label == _NORMAL and _labelled(low, starts[line], s))
            ):
                finish()
                group = None
            if group is None:
                group = _Group(s, line)
            group.prices.append((amount, currency, s, e, bool(suffix) or label == _PER_UNIT_LABEL, label == _OLD))
            group.last_line = line
        last_end = e
        if len(offers) >= MAX_OFFERS_PER_PAGE:
            truncated = True
            group = None
            break
    if not truncated:
        while next_drug is not None:
            on_drug(next_drug)
            next_drug = next(drug_matches, None)
    finish()
    return PageOffers(
        offers=offers[:MAX_OFFERS_PER_PAGE], drugs_named=drugs_named, truncated=truncated, low=low, line_starts=starts
    )

