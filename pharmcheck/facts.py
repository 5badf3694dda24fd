"""What several rules need, computed once per site: languages, medicine mentions, and offers.

Lighthouse calls these computed artifacts: a rule asks ``facts.offers(site)`` and gets the same typed
list every other rule gets; nothing is computed twice, and no rule imports another rule's private names.

An :class:`Offer` is read from the page's structure, not from word distance in flattened text: the
product card, table row, list item or offer box that holds a medicine name together with a price, a
pack or a cart control (``Block`` in :mod:`pharmcheck.site`); the ``<option>`` list of a product
page's form; price data attributes and schema.org Product/Offer in microdata, RDFa and JSON-LD; links to
a product page and add-to-cart forms. Its quote comes from the block it was found in (the row, the card,
the sentence), never from the menu around it. The readers of each kind of place are in
:mod:`pharmcheck.offer_reading`; this module holds the offer, the page's shared facts and the prices.
"""

from __future__ import annotations

import bisect
import re
import weakref
from dataclasses import dataclass, field
from typing import Any, Iterable, Iterator

from .lazyre import lazy_re
from .site import Page, Site

MAX_CARD = 900  # a block longer than this is a list or a page section, not one product
MAX_OFFERS_PER_PAGE = 200
MAX_QUOTE = 200

_CURRENCY_SIGNS = {"$": "USD", "us$": "USD", "€": "EUR", "£": "GBP", "₹": "INR", "r$": "BRL", "zł": "PLN", "c$": "CAD",
                   "ca$": "CAD", "a$": "AUD", "au$": "AUD", "chf": "CHF", "kr": "SEK", "pln": "PLN", "brl": "BRL"}
_CODES = "usd|eur|gbp|cad|aud|nzd|chf|inr|pln|brl|sek|dkk|nok|czk|huf|ron|mxn|ars|cop|clp"
# Amounts: one number group with optional decimals; the currency before or after. No nested quantifier
# runs over digits twice: a run of digits is read once (\d{1,7}), thousands groups are separate tokens.
_AMOUNT = r"\d{1,7}(?:[.,\u00a0 ]\d{3}){0,3}(?:[.,]\d{1,2})?"
_PRICE_RX = lazy_re(
    rf"(?<![\w.,])(?:(?P<pre>us\$|ca\$|c\$|a\$|au\$|r\$|[$€£₹]|(?:{_CODES})\s?)\s?(?P<a1>{_AMOUNT})"
    rf"|(?P<a2>{_AMOUNT})\s?(?P<post>[$€£₹]|zł|(?:{_CODES}|euros?|eur|dollars?|z[lł]oty|reais|kr)(?!\w)))"
)
_OLD_PRICE_BEFORE = lazy_re(r"(?:\bwas|\bstatt|\buvp|\brrp|instead of|au lieu de|\bantes|invece di|\bzamiast|\bera|\bvoorheen|\bregular(?: price)?)\s*:?\s*$")
_STRENGTH_RX = lazy_re(r"(?<![\w.,])(\d{1,5}(?:[.,]\d{1,3})?)\s?(mg|mcg|µg|ug|g|ml|iu|ie|ui)(?![\w])")
_BONUS_RX = lazy_re(r"\+\s?\d{1,4}\s?(?:free|bonus|gratis|offert|kostenlos)|\bbonus\b", re.I)


def parse_amount(token: str) -> float | None:
    """``1,299.00`` -> 1299.0, ``29,99`` -> 29.99, ``1.299,00`` -> 1299.0, ``1 299`` -> 1299.0."""
    t = token.replace("\u00a0", " ").replace(" ", "")
    if not t:
        return None
    last_dot, last_comma = t.rfind("."), t.rfind(",")
    dec = max(last_dot, last_comma)
    if dec != -1 and len(t) - dec - 1 in (1, 2):
        whole, frac = t[:dec], t[dec + 1 :]
        whole = whole.replace(".", "").replace(",", "")
        t = f"{whole}.{frac}"
    else:
        t = t.replace(".", "").replace(",", "")
    try:
        value = float(t)
    except ValueError:
        return None
    return value if 0 < value < 1e7 else None


def _currency(sign: str | None, default: str | None = None) -> str | None:
    if not sign:
        return default
    s = sign.strip().lower()
    if s in _CURRENCY_SIGNS:
        return _CURRENCY_SIGNS[s]
    if s.startswith("euro"):
        return "EUR"
    if s.startswith("dollar"):
        return "USD"
    if s.startswith(("zloty", "złoty", "zlot")):
        return "PLN"
    if s == "reais":
        return "BRL"
    return s.upper()[:3]


@dataclass
class Price:
    amount: float
    currency: str | None
    start: int
    end: int
    per_unit: bool = False


def prices_in(text: str, low: str, langs: tuple[str, ...], start: int = 0, end: int | None = None,
              struck: list[tuple[int, int]] | None = None) -> list[Price]:
    """The money amounts in ``text[start:end]``, each marked when a per-unit phrase follows or precedes it."""
    return list(_prices(low, langs, start, len(text) if end is None else end, struck))


_DIGIT = re.compile(r"\d")


def _amounts(low: str, start: int, end: int, struck: list[tuple[int, int]] | None) -> Iterator[tuple[re.Match[str], float]]:
    """The money amounts of ``low[start:end]`` that are no old price, with their matches."""
    if _DIGIT.search(low, start, end) is None:
        return  # every amount has a digit: most blocks and sentences have none
    for m in _PRICE_RX.finditer(low, start, end):
        if struck and any(a <= m.start() < b for a, b in struck):
            continue  # a struck-through old price (<del>, <s>): not what the buyer pays
        amount = parse_amount(m.group("a1") or m.group("a2") or "")
        if amount is None:
            continue
        if _OLD_PRICE_BEFORE.search(low[max(start, m.start() - 14) : m.start()]):
            continue  # "was $89", "statt 12,99 €", "au lieu de 20 €": the old price
        yield m, amount


def _prices(low: str, langs: tuple[str, ...], start: int, end: int, struck: list[tuple[int, int]] | None) -> Iterator[Price]:
    from pharmcheck.rules._lexicon import combined  # (a module, not the package: no from-list to resolve per call)

    per_unit = combined(langs, "per_unit")
    for m, amount in _amounts(low, start, end, struck):
        cur = _currency(m.group("pre") or m.group("post"))
        after = low[m.end() : min(end, m.end() + 24)]
        before = low[max(start, m.start() - 24) : m.start()]
        unit = False
        label = re.match(r"\s?(?:/\s?\w+|(?:per|each|a)\s\w+)", after)
        stripped = after.lstrip(" /:-")
        label_after = per_unit.match(stripped) if per_unit is not None else None
        if label or label_after:
            # "$0.45 per pill" labels the price before it, but "$50.00 Per Unit $5.00" labels the one after.
            rest = stripped[label_after.end():] if label_after else after[label.end():]
            unit = not re.match(r"\s?[:=]?\s?(?:[$€£₹]|\d)", rest)
        if not unit and per_unit is not None:
            unit = bool(per_unit.search(before[-18:].rstrip(" :") + " ", 0)) and bool(
                re.search(r"(?:per|pro|par|por|each|/)\s?\w*\s?[:=]?\s?$", before))
        yield Price(amount, cur, m.start(), m.end(), unit)


@dataclass
class Offer:
    """A medicine offered for sale, with what the page says of it. Read by the gate, prescription, medicines and prices."""

    medicine: Any  # pharmcheck.rules._medicines.Medicine
    name: str  # as written on the page
    url: str
    where: str  # table-row, list-item, card, select, json-ld, microdata, form, link, text
    quote: str
    strong: bool  # a price with a pack, a strength or a cart control; structured data with a price
    why: str
    strength: str | None = None  # "100 mg"
    quantity: int | None = None  # pills, tablets, packs of the price
    price: float | None = None
    currency: str | None = None
    unit_price: float | None = None
    start: int = -1  # offset of the name in page.text, when it is there
    page: Page | None = field(default=None, repr=False, compare=False)

    def to_dict(self) -> dict[str, Any]:
        return {
            "medicine": self.name,
            "ingredients": list(self.medicine.ingredients),
            "status": dict(self.medicine.status),
            "us_schedule": self.medicine.us_schedule,
            "strength": self.strength,
            "quantity": self.quantity,
            "price": self.price,
            "currency": self.currency,
            "unit_price": self.unit_price,
            "url": self.url,
            "quote": self.quote,
            "where": self.where,
            "strong": self.strong,
        }


_WHERE_OF_KIND = {"row": "table-row", "item": "list-item", "card": "card", "option": "select", "select": "select",
                  "form": "form", "cell": "table-row", "para": "text", "heading": "text", "box": "card"}


def _clip(text: str, center: int | None = None, limit: int = MAX_QUOTE) -> str:
    from .site import _CONTROL

    text = " ".join(_CONTROL.sub("", text).split())
    if len(text) <= limit:
        return text
    if center is None or center < limit // 2:
        return text[: limit - 1].rstrip() + "…"
    lo = max(0, center - limit // 3)
    return "…" + text[lo : lo + limit - 2].strip() + "…"


def block_quote(page: Page, start: int, end: int, limit: int = MAX_QUOTE) -> str:
    """The words around ``[start, end)`` taken from its innermost block (the cell, the list item, the
    paragraph), cut to its sentence when the block is long: proof that never runs into the menu beside it."""
    from pharmcheck.rules._drugs import sentence_bounds

    b = page.block_at(start, end)
    text = page.text
    lo, hi = (page.blocks[b].start, page.blocks[b].end) if b != -1 else (0, len(text))
    if b != -1 and page.blocks[b].chrome and page.line_starts:
        # In a header, a menu or a footer, the line itself ("Ihre Apotheke in der Altstadt"), not its neighbours.
        first = bisect.bisect_right(page.line_starts, start) - 1
        last = bisect.bisect_right(page.line_starts, max(start, end - 1)) - 1
        lo, hi = page.line_starts[first], page.line_starts[last] + len(page.lines[last])
    if hi - lo > limit:
        s_lo, s_hi = sentence_bounds(text, start, end)
        lo, hi = max(lo, s_lo), min(hi, s_hi)
    if hi - lo > limit:
        lo = max(lo, start - limit // 3)
        space = text.find(" ", lo, start)
        lo = space + 1 if lo > 0 and space != -1 else lo
        hi = min(hi, lo + limit)
    if hi <= lo:
        return text[start:end]
    return _clip(text[lo:hi], start - lo, limit)


def crosses_blocks(page: Page, start: int, end: int) -> bool:
    """Does ``page.text[start:end]`` run from one block into another ("Prescriptions | Refill" across two
    menu items)? Flattened text joins blocks with a space; a phrase read across them was never written."""
    first = bisect.bisect_right(page.line_starts, start) - 1
    last = bisect.bisect_right(page.line_starts, max(start, end - 1)) - 1
    if first < 0 or first == last:
        return False
    inner = page.line_blocks[first]
    return any(page.line_blocks[i] != inner and not _inside(page, page.line_blocks[i], inner) for i in range(first + 1, last + 1))


def _inside(page: Page, b: int, outer: int) -> bool:
    """Is block ``b`` the block ``outer`` or nested in it? (an inline tag's text stays in its block)"""
    while b != -1:
        if b == outer:
            return True
        b = page.blocks[b].parent
    return False


def is_bare_label(page: Page, start: int, end: int) -> bool:
    """Is ``page.text[start:end]`` the whole text of its block or of a link ("Ohne Rezept", "Bez recepty" as a
    menu entry), or does it sit in the site's menus? Such a label names a range of products, it claims nothing."""
    b = page.block_at(start, end)
    if b != -1:
        blk = page.blocks[b]
        if blk.chrome:
            return True
        if len(page.text[blk.start : blk.end].strip(" :.!-–|•")) <= (end - start) + 2:
            return True
    return any(link.start <= start and end <= link.end and link.end - link.start <= (end - start) + 2
               for link in page.links if link.start >= 0)


def said_of_otc_products(page: Page, start: int, end: int) -> bool:
    """Is ``page.text[start:end]`` ("no prescription needed") said of products that need none: its block
    or its sentence names a supplement, vitamins, an over-the-counter range ("rezeptfreie Arzneimittel")?"""
    from pharmcheck.rules import _lexicon
    from pharmcheck.rules._drugs import sentence_bounds

    rx = _lexicon.combined(_lexicon.page_languages(page), "otc_words")
    if rx is None:
        return False
    low = page_facts(page).low
    lo, hi = sentence_bounds(page.text, start, end)
    b = page.block_at(start, end)
    if b != -1 and page.blocks[b].end - page.blocks[b].start <= 400:
        lo, hi = min(lo, page.blocks[b].start), max(hi, page.blocks[b].end)
    return rx.search(low, max(0, lo), hi) is not None


# ----------------------------------------------------------------------------------------------
# Per-page facts


class PageFacts:
    def __init__(self, page: Page):
        from pharmcheck.rules import _lexicon, _medicines
        from pharmcheck.rules._text import lower_text

        # A weak proxy: this object is the value of a WeakKeyDictionary keyed on the page, and a strong
        # reference back to its key would keep both alive for good (a worker grew ~1 MB a site).
        self.page = weakref.proxy(page)
        self.low = lower_text(page)
        self.languages = _lexicon.page_languages(page)
        self.mentions = _medicines.page_mentions(page)
        self.mention_starts = [m.start for m in self.mentions]
        self._priced: dict[tuple[int, int], bool] = {}
        self._cart_positions: list[int] | None = None
        self._product_cart_positions: list[int] = []
        self.cart_labels: list[str] = []  # the words of the cart and buy controls, for evidence

    def mentions_in(self, lo: int, hi: int) -> list:
        """The medicine mentions that start in ``[lo, hi)`` (bisected: a catalogue names thousands)."""
        return self.mentions[bisect.bisect_left(self.mention_starts, lo) : bisect.bisect_left(self.mention_starts, hi)]

    def has_price(self, lo: int, hi: int) -> bool:
        """Does ``page.text[lo:hi]`` hold a money amount (as :func:`prices_in` reads it, struck prices
        included)? Kept per range: the offer readers ask it of the same blocks around each mention."""
        found = self._priced.get((lo, hi))
        if found is None:
            found = self._priced[(lo, hi)] = next(_amounts(self.low, lo, hi, None), None) is not None
        return found

    # Cart controls: buttons and submit inputs whose words are a shop's, and links whose text is.
    def cart_positions(self, in_menus: bool = True) -> list[int]:
        """Where the page's cart and buy controls sit; ``in_menus=False`` leaves out those of the header,
        the navigation and the footer (the shop's furniture, not a product's own button)."""
        if self._cart_positions is None:
            from pharmcheck.rules import _lexicon

            langs = self.languages
            found: list[tuple[int, bool]] = []
            links = [link for link in self.page.links if link.start >= 0 and link.text]
            labels = [c.text for c in self.page.controls] + [link.text for link in links]
            if _lexicon.any_has(labels, "cart", langs) or _lexicon.any_has(labels, "buy_verbs", langs):
                for c in self.page.controls:  # (most pages have no cart word on any control: not read one by one)
                    if _is_cart_words(c.text, langs):
                        found.append((c.pos, self._in_menu(c.pos)))
                        self.cart_labels.append(c.text)
                for link in links:
                    if _is_cart_words(link.text, langs):
                        found.append((link.start, self._in_menu(link.start)))
                        self.cart_labels.append(f"{link.text} -> {link.url}")
            for form in self.page.forms:
                if form.start >= 0 and re.search(r"cart|basket|warenkorb|panier|carrito|carrello|winkelwagen|koszyk|carrinho|add[-_]?to",
                                                 form.action, re.I):
                    found.append((form.start, self._in_menu(form.start)))
            found.sort()
            self._cart_positions = [p for p, _m in found]
            self._product_cart_positions = [p for p, menu in found if not menu]
        return self._cart_positions if in_menus else self._product_cart_positions

    def _in_menu(self, pos: int) -> bool:
        b = self.page.block_at(pos)
        return b != -1 and self.page.blocks[b].chrome

    def has_cart_in(self, start: int, end: int) -> bool:
        pos = self.cart_positions(in_menus=False)
        i = bisect.bisect_left(pos, start)
        return i < len(pos) and pos[i] <= end


def _is_cart_words(text: str, langs: tuple[str, ...]) -> bool:
    """A button's or a link's words that act on a shop: "Add to cart", "Buy now", "Order Viagra", "Panier".

    A buy verb counts only at the start of a short label: "How to buy medicines online safely" is an article.
    """
    from pharmcheck.rules import _lexicon

    words = text.split()
    if not words or len(words) > 6:
        return False
    m = _lexicon.search(text, "cart", langs)
    if m is not None and (m.start() == 0 or len(words) <= 4):
        return True
    m = _lexicon.search(text, "buy_verbs", langs)
    return m is not None and m.start() == 0 and len(words) <= 4


_PAGE_FACTS: "weakref.WeakKeyDictionary[Page, PageFacts]" = weakref.WeakKeyDictionary()


def page_facts(page: Page) -> PageFacts:
    pf = _PAGE_FACTS.get(page)
    if pf is None:
        pf = _PAGE_FACTS[page] = PageFacts(page)
    return pf


def languages(site: Site) -> list[str]:
    """The languages the site's pages were read in, the most used first."""
    seen: dict[str, int] = {}
    for page in site.pages:
        for i, code in enumerate(page_facts(page).languages):
            seen[code] = seen.get(code, 0) + (10 - i)
    return [code for code, _n in sorted(seen.items(), key=lambda kv: -kv[1])]


# ----------------------------------------------------------------------------------------------
# Offers from the structure


def _quantity(low: str, start: int, end: int, langs: tuple[str, ...]) -> int | None:
    from pharmcheck.rules._lexicon import combined

    units = combined(langs, "quantity_units")
    if units is None:
        return None
    for m in units.finditer(low, start, end):
        before = low[max(start, m.start() - 12) : m.start()]
        num = re.search(r"(\d{1,4})\s?(?:x\s?)?$", before)
        if num:
            return int(num.group(1))
        after = re.match(r"\s?(?:x|×|:)?\s?(\d{1,4})(?![\d.,])", low[m.end() : min(end, m.end() + 8)])
        if after:
            return int(after.group(1))
    m = re.search(r"(?<![\w.,])(\d{1,4})\s?[x×]\s", low[start:end])
    if m:
        return int(m.group(1))
    return None


def _strength(text: str, start: int, end: int, low: str | None = None) -> str | None:
    """The first strength in ``text[start:end]``; ``low``: the text lower-cased, same length (a page's
    :attr:`PageFacts.low`: a page's whole text is not lower-cased again for each offer)."""
    m = _STRENGTH_RX.search(text.lower() if low is None else low, start, end)
    if not m:
        return None
    unit = {"ug": "mcg", "µg": "mcg", "ie": "iu", "ui": "iu"}.get(m.group(2), m.group(2))
    return f"{m.group(1)} {unit}"


def _fill(offer: Offer, page: Page, pf: PageFacts, lo: int, hi: int, after: int) -> None:
    """Read strength, quantity and price of an offer from ``page.text[lo:hi]`` (the name ends at ``after``)."""
    text, low = page.text, pf.low
    offer.strength = _strength(text, after, hi, low) or _strength(text, lo, hi, low)
    offer.quantity = _quantity(low, after, hi, pf.languages) or _quantity(low, lo, hi, pf.languages)
    prices = prices_in(text, low, pf.languages, lo, hi, struck=page.struck)
    later = [p for p in prices if p.start >= after] or prices
    unit = next((p for p in later if p.per_unit), None)
    total = next((p for p in later if not p.per_unit), None)
    if total is not None:
        offer.price, offer.currency = total.amount, total.currency
    if unit is not None:
        offer.unit_price = unit.amount
        offer.currency = offer.currency or unit.currency
        if offer.price is None:
            offer.price = unit.amount
            offer.quantity = offer.quantity or 1
    elif offer.price is not None and offer.quantity:
        offer.unit_price = round(offer.price / offer.quantity, 4)


_OFFERS: "weakref.WeakKeyDictionary[Site, list[Offer]]" = weakref.WeakKeyDictionary()


def offers(site: Site) -> list[Offer]:
    """Every offer of a medicine on the site's pages, structured first (computed once per site)."""
    cached = _OFFERS.get(site)
    if cached is not None:
        return cached
    from .offer_reading import (
        _offers_from_links_and_forms,
        _offers_in_blocks,
        _offers_in_jsonld,
        _offers_in_microdata,
        _offers_in_nameless_rows,
        _offers_in_selects,
        _offers_in_text,
    )

    out: list[Offer] = []
    for page in site.pages:
        pf = page_facts(page)
        found = _offers_in_jsonld(page) + _offers_in_microdata(page, pf) + _offers_in_selects(page, pf)
        found += _offers_in_blocks(page, pf)
        if not any(o.where == "select" for o in found):
            found += _offers_in_nameless_rows(page, pf, found)
        found += _offers_from_links_and_forms(page)
        covered = {o.medicine.generic for o in found if o.strong}
        found += _offers_in_text(page, pf, covered)
        out.extend(found)
    _OFFERS[site] = out
    return out


def prescription_offers(site: Site) -> list[Offer]:
    """The offers of medicines that need a prescription (or are not authorised) somewhere."""
    return [o for o in offers(site) if o.medicine.prescription_only]


def sells_prescription_medicines(site: Site) -> list[Offer]:
    """The offers that show the site sells prescription medicines; empty when they do not.

    One strong offer is enough (a price with a pack, a cart control, a product link, structured data
    with a price). Weak offers (a bare price, "Buy Viagra") count when they name two different medicines.
    """
    rx = prescription_offers(site)
    if any(o.strong for o in rx):
        return rx
    if len({o.medicine.generic for o in rx}) >= 2:
        return rx
    return []


def offered_labels(offers_: Iterable[Offer]) -> list[str]:
    out: dict[str, str] = {}
    for offer in offers_:
        out.setdefault(offer.medicine.label, offer.medicine.label)
    return list(out.values())


def offers_summary(offers_: list[Offer], limit: int = 10) -> list[dict[str, Any]]:
    """The offers a reader needs, strongest first, one per medicine and place, capped."""
    seen: set[tuple[str, str, float | None]] = set()
    out = []
    for o in sorted(offers_, key=lambda o: not o.strong):
        key = (o.medicine.key, o.url, o.price)
        if key in seen:
            continue
        seen.add(key)
        out.append(o.to_dict())
        if len(out) >= limit:
            break
    return out
