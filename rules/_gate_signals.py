"""The signs of an online pharmacy that a site shows (private to the ``online-pharmacy`` rule, the gate,
rules/online_pharmacy.py, which words the finding): offers of prescription medicines, pharmacy services,
a licence, the site's own description, claims that no prescription is needed, a shop's furniture, and
prescription-only names. :func:`detect` reads them once per site (kept per site: every rule asks the
gate) and weighs them into a :class:`Detection`.
"""

from __future__ import annotations

import re
import weakref
from dataclasses import dataclass, field
from typing import Iterator

from pharmcheck.lazyre import lazy_re
from pharmcheck.site import Page, Site, same_site

from pharmcheck import facts
from pharmcheck.rules import _drugs, _lexicon, _medicines
from pharmcheck.rules._drugs import CLAIM, FIRST_PERSON, Phrase, scan

# Kinds of evidence.
OFFERS = "rx-offers"
SERVICES = "pharmacy-services"
SELF = "self-description"
LICENCE = "pharmacy-licence"
RED_FLAG = "no-prescription-claim"
SHOP = "shop"
RX_MENTION = "rx-medicines-named"

_SERVICE = Phrase(
    r"refill(?:s|ing)?\s+(?:(?:your|my|a|the|existing)\s+)?(?:prescriptions?|rx|meds|medications?)|"
    r"(?:prescription|rx)\s+refills?|transfer(?:ring)?\s+(?:(?:your|my|a|the)\s+)?(?:prescriptions?|rx)|"
    r"(?:prescription|rx)\s+transfers?|upload(?:ing)?\s+(?:(?:your|a|the)\s+)?(?:prescriptions?|rx)|"
    r"send\s+(?:us\s+)?(?:your\s+)?prescriptions?|mail[- ]order\s+(?:pharmacy|prescriptions?|rx)|"
    r"mail\s+service\s+(?:pharmacy|rx|prescriptions?)|home\s+delivery\s+pharmacy|specialty\s+pharmacy|"
    r"manage\s+(?:your\s+)?prescriptions|(?:rx|prescription)\s+delivery|"
    r"we\s+(?:fill|dispense|deliver|ship)\s+(?:(?:your|all|the|over|more\s+than|[\d,.]+|million)\s+)*"
    r"(?:prescriptions?|rx|medications?|medicines?)|fill(?:ing|ed)?\s+(?:your\s+)?(?:prescriptions?|rx)|"
    r"(?:prescription|rx)\s+(?:orders?|history|services?|pick-?up)|order\s+(?:your\s+)?prescriptions?|"
    r"rezept\s+(?:einlösen|einsenden|hochladen)|e-rezept|envoyer\s+(?:votre\s+)?ordonnance",
    first="rptusmhwfoe",
    words=("refill", "transfer", "upload", "prescri", "rx", "mail", "pharmac", "rezept", "ordonnance", "fill"),
)
_SERVICE_FORM = lazy_re(r"(?<![a-z])rx|rx(?![a-z])|refill|prescription|rezept|ordonnance", re.I)

_PHARMACY_WORD = (
    r"(?:pharmacy|pharmacies|pharmacie|drugstore|drug\s+store|chemists?|apotheke|apotheek|farmacia|farmacie|"
    r"apotek|apteka|dispensary)"
)
_SELF_TEXT = Phrase(
    r"(?:we\s+are|we're|we\s+have\s+been|we\s+became|as)\s+(?:a|an|the|your)\s+(?:[a-z'-]+\s+){0,4}?"
    + _PHARMACY_WORD
    + r"\b|our\s+(?:[a-z'-]+\s+){0,3}?(?:pharmacy|pharmacies|drugstore|chemist|dispensary|pharmacists)\b|"
    r"wir\s+sind\s+(?:eine?|ihre)\s+(?:[a-z]+\s+){0,3}?apotheke|notre\s+pharmacie|nuestra\s+farmacia",
    first="waon",
    words=("pharm", "drugstore", "drug store", "chemist", "apothe", "farmac", "apotek", "apteka", "dispensary"),
)
_TITLE_PHARMACY = lazy_re(r"\b" + _PHARMACY_WORD + r"\b")
# Titles of articles, guides and locators name pharmacies without being one.
_ARTICLE_TITLE = lazy_re(
    r"\?|\b(?:how|what|why|when|where|which|tips|guide|reviews?|best|top\s+\d+|vs|versus|safe(?:ly|ty)?|news|"
    r"blog|articles?|warnings?|beware|scams?|fakes?|rogue|counterfeit|dangers?|avoid|list\s+of|compare|"
    r"comparison|locator|near\s+me|find\s+a|jobs?|careers?|school|college|university|association|society|"
    r"council|board|times|journal|magazine|makeup|beauty|cosmetics?)\b"
)

_LICENCE_NUMBER = Phrase(
    r"(?:licen[cs]e|registration|reg\.|permit)\s*(?:no\.?|number|num\.?|#|nr\.?)\s*[:.]?\s*[a-z]{0,4}[-\s]?\d{3,}"
    r"|gphc\s+(?:registration\s+)?(?:no\.?|number|#)?\s*[:.]?\s*\d{7}\b",
    first="lrpg",
    words=("licen", "registration", "reg.", "permit", "gphc"),
    reach=60,
)
_LICENCE_WHO = lazy_re(r"pharma|gphc|chemist|apothe|drug|dispens")
_LICENCE_NOT = lazy_re(r"\b(?:company|companies\s+house|vat|business|trade|charity|tax|ein)\b")
_LICENSED_BY = Phrase(
    r"(?:licen[cs]ed|registered|accredited)\s+(?:[a-z.,'-]+\s+){0,10}?(?:by|with)\s+the\s+(?:[a-z.'-]+\s+){0,5}?"
    r"(?:board|college|council|department|ministry|society)\s+of\s+pharma[a-z]*"
    r"|registered\s+with\s+the\s+general\s+pharmaceutical\s+council",
    first="lra",
    words=("licen", "registered", "accredited"),
    reach=200,
)

_ENOUGH = 6  # signs of one kind on one page: more would not change the verdict, only cost time
_PER_KIND = 6  # signs of one kind (strong, or weak) kept for a site


@dataclass
class Signal:
    kind: str  # OFFERS, SERVICES, SELF, LICENCE
    strong: bool
    url: str
    quote: str
    where: str
    why: str


@dataclass
class Detection:
    """What the gate found; other rules read it through :func:`detect`."""

    detected: bool
    signals: list[Signal] = field(default_factory=list)
    offers: list[facts.Offer] = field(default_factory=list)  # the offers that show the site sells Rx medicines
    all_offers: list[facts.Offer] = field(default_factory=list)  # every offer read, OTC ones included
    mixed: bool = False  # graded as a pharmacy on mixed signs (medicines named, a shop, no offer read)

    @property
    def is_pharmacy(self) -> bool:
        return self.detected

    @property
    def kinds(self) -> list[str]:
        return sorted({s.kind for s in self.signals})


def _services(page: Page, base: str) -> Iterator[Signal]:
    found = 0
    lows = [link.text.lower() for link in page.links]
    if _SERVICE.search("\x00".join(lows)) is None:  # one search for all the links; most pages have none
        lows = []
    for link, low in zip(page.links, lows):
        m = _SERVICE.search(low)
        if m is None or link.url.startswith(("tel:", "mailto:")) or not _local(link.url, base):
            continue
        if _drugs.classify(link.text, m.start(), m.end()) == CLAIM:
            yield Signal(SERVICES, True, page.url, f"{link.text} -> {link.url}", "link", "a link to a pharmacy service")
            found += 1
            if found >= _ENOUGH:
                break
    if page.title:
        m = _SERVICE.search(page.title.lower())
        if m and _drugs.classify(page.title, m.start(), m.end()) == CLAIM and not _headline(page.title.split("|")[0]):
            yield Signal(SERVICES, True, page.url, page.title, "title", "the page title names a pharmacy service")
    for form in page.forms:
        if not _SERVICE_FORM.search(" ".join([form.action, *form.fields])):
            continue
        action = _drugs.split_url(form.action)
        described = " ".join([action.path if action else "", action.query if action else "", *form.fields])
        if "search" not in described.lower() and _SERVICE_FORM.search(described):
            yield Signal(SERVICES, True, page.url, f"form -> {form.action} ({', '.join(form.fields)[:120]})", "form",
                         "a form for prescriptions (refill, upload or transfer)")
    found = 0
    seen: set[str] = set()  # sentences already read (boilerplate repeats)
    low = _drugs.lower_text(page)
    for m in scan(page, _SERVICE):
        if found >= _ENOUGH:
            break
        key = low[max(0, m.start() - 100) : m.end() + 20]
        if key in seen or facts.crosses_blocks(page, m.start(), m.end()):
            continue
        seen.add(key)
        lo, hi = _drugs.sentence_bounds(page, m.start(), m.end())
        sentence_start = not page.text[lo : m.start()].strip(" \"'“(")
        first_person = FIRST_PERSON.search(page.text, max(lo, m.start() - 120), m.start())
        if not (sentence_start or first_person or m.group(0).startswith("we ")):
            continue
        if _drugs.context(page, m.start(), m.end(), bounds=(lo, hi)) == CLAIM:
            found += 1
            yield Signal(SERVICES, False, page.url, facts.block_quote(page, m.start(), m.end()), "text",
                         "the site offers a pharmacy service")


def _local(url: str, base: str) -> bool:
    a, b = _drugs.split_url(url), _drugs.split_url(base)
    if a is None or b is None:
        return False
    if same_site(url, base):
        return True
    return a.scheme == b.scheme and a.netloc == b.netloc


def _self_description(site: Site) -> Iterator[Signal]:
    for page in site.pages:
        for title, where in ((page.title, "title"), (page.meta.get("og:site_name", ""), "meta")):
            if title and _TITLE_PHARMACY.search(title.lower()) and not _ARTICLE_TITLE.search(title.lower()):
                yield Signal(SELF, False, page.url, title, where, "the site's name or title calls it a pharmacy")
        for m in scan(page, _SELF_TEXT):
            if _drugs.context(page, m.start(), m.end()) == CLAIM:
                yield Signal(SELF, False, page.url, facts.block_quote(page, m.start(), m.end()), "text",
                             "the site describes itself as a pharmacy")


def _licences(page: Page) -> Iterator[Signal]:
    low = _drugs.lower_text(page)
    for m in scan(page, _LICENCE_NUMBER):
        around = low[max(0, m.start() - 150) : m.end() + 30]
        if _LICENCE_WHO.search(around) and not _LICENCE_NOT.search(low, max(0, m.start() - 40), m.start()):
            yield Signal(LICENCE, True, page.url, facts.block_quote(page, m.start(), m.end()), "text",
                         "a pharmacy licence or registration number")
    for m in scan(page, _LICENSED_BY):
        if _drugs.context(page, m.start(), m.end()) == CLAIM:
            # weak: without a number it may be advice ("a safe pharmacy is licensed by the board of pharmacy")
            yield Signal(LICENCE, False, page.url, facts.block_quote(page, m.start(), m.end()), "text",
                         "the site says it is licensed by a pharmacy regulator")


def _collect(signals: list[Signal], found: Iterator[Signal]) -> None:
    """Add signals, at most _PER_KIND strong and _PER_KIND weak ones of a kind: enough for the verdict and its
    evidence. The generators are lazy, so a page full of "refill your prescription" is not read to its end."""
    counts: dict[tuple[str, bool], int] = {}
    for s in signals:
        counts[(s.kind, s.strong)] = counts.get((s.kind, s.strong), 0) + 1
    for s in found:
        key = (s.kind, s.strong)
        if counts.get(key, 0) < _PER_KIND:
            counts[key] = counts.get(key, 0) + 1
            signals.append(s)
        else:
            return  # enough: each generator yields one kind, its strong signs first


def _offer_signals(offers: list[facts.Offer]) -> list[Signal]:
    out = []
    strong = [o for o in offers if o.strong]
    offers = (strong or offers)[:_PER_KIND]
    for offer in offers:
        out.append(Signal(OFFERS, offer.strong, offer.url, offer.quote, offer.where,
                          f"{offer.why}: {offer.medicine.label}"))
    return out


_DETECTIONS: "weakref.WeakKeyDictionary[Site, Detection]" = weakref.WeakKeyDictionary()


def _headline(text: str) -> bool:
    """An article's headline ("E-Rezept: Was Patienten jetzt wissen müssen"), not a pharmacy's own heading."""
    return ":" in text or "?" in text or len(text.split()) > 6


def _lexicon_services(page: Page) -> Iterator[Signal]:
    """Pharmacy services in the page's languages: "Rezept einlösen", "E-Rezept", "envoyer votre ordonnance"."""
    langs = _lexicon.page_languages(page)
    links = [link for link in page.links if link.text and len(link.text) < 80]
    if _lexicon.any_has([link.text for link in links], "pharmacy_services", langs):  # (one search for them all)
        for link in links:
            if _lexicon.has(link.text, "pharmacy_services", langs) and _local(link.url, page.url):
                yield Signal(SERVICES, True, page.url, f"{link.text} -> {link.url}", "link", "a link to a pharmacy service")
                return
    headings = [page.text[blk.start : blk.end] for blk in page.blocks if blk.kind == "heading" and not blk.chrome]
    headings = [text for text in headings if not _headline(text)]
    if _lexicon.any_has(headings, "pharmacy_services", langs):
        for text in headings:
            if _lexicon.has(text, "pharmacy_services", langs):
                yield Signal(SERVICES, True, page.url, text[:200], "heading", "a heading names a pharmacy service")
                return
    found = 0
    for lo, hi in _lexicon.find(page, "pharmacy_services"):
        if _drugs.context(page, lo, hi) == CLAIM and not facts.crosses_blocks(page, lo, hi):
            yield Signal(SERVICES, False, page.url, facts.block_quote(page, lo, hi), "text", "the site offers a pharmacy service")
            found += 1
            if found >= 3:
                return


def _lexicon_self(page: Page) -> Iterator[Signal]:
    langs = _lexicon.page_languages(page)
    for title, where in ((page.title, "title"), (page.meta.get("og:site_name", ""), "meta")):
        if title and _lexicon.has(title, "pharmacy_words", langs) and not _ARTICLE_TITLE.search(title.lower()):
            yield Signal(SELF, False, page.url, title, where, "the site's name or title calls it a pharmacy")
    for lo, hi in _lexicon.find(page, "self_pharmacy")[:3]:
        if _drugs.context(page, lo, hi) == CLAIM:
            yield Signal(SELF, False, page.url, facts.block_quote(page, lo, hi), "text", "the site describes itself as a pharmacy")


def _red_flags(page: Page, shop: bool) -> Iterator[Signal]:
    """Claims that no prescription is needed: nobody but a seller of medicines says so of itself."""
    pf = facts.page_facts(page)
    for key in ("no_prescription", "no_restrictions"):
        for lo, hi in _lexicon.find(page, key)[:10]:
            if _drugs.context(page, lo, hi) != CLAIM:
                continue
            b = page.block_at(lo, hi)
            blk = page.blocks[b] if b != -1 else None
            # near: the claim's (small) block names a prescription medicine, and not to compare with it
            near = blk is not None and blk.end - blk.start < 600 and any(
                m.medicine.prescription_only and not m.ambiguous and not _drugs.is_comparison(page.text, m.start, m.end)
                for m in pf.mentions_in(blk.start, blk.end))
            lo_s, hi_s = _drugs.sentence_bounds(page.text, lo, hi)
            if not near and (facts.said_of_otc_products(page, lo, hi) or
                             key == "no_prescription" and facts.is_bare_label(page, lo, hi) and _otc_category(page, lo, hi)):
                continue  # "No prescription needed: it's a dietary supplement"
            # With a shop's cart, the claim makes a pharmacy, unless its sentence sets a product against a
            # medicine ("works better than Viagra, and you can buy it without any prescription"): a supplement.
            compared = any(_drugs.is_comparison(page.text, m.start, m.end) for m in pf.mentions_in(lo_s, hi_s))
            # Said in a warning or news ("sites that sell Viagra without a prescription"): not the site's claim.
            warning = _lexicon.combined(_lexicon.page_languages(page) + ("en",), "warning")
            if warning is not None and warning.search(_lexicon.lower(page), lo_s, hi_s):
                continue
            # A claim makes a pharmacy with a shop's cart; without one (news, a forum) it is one weak sign.
            strong = shop and not compared
            yield Signal(RED_FLAG, strong, page.url, facts.block_quote(page, lo, hi), "text",
                         "the site says medicines can be had without a prescription")
            return


def _otc_category(page: Page, lo: int, hi: int) -> bool:
    """Is the phrase one that also names an over-the-counter range ("ohne Rezept", "bez recepty")?"""
    return _lexicon.search(page.text[lo:hi], "otc_words", _lexicon.LANGUAGES) is not None or len(page.text[lo:hi].split()) <= 2


def _shop(page: Page) -> Iterator[Signal]:
    """Shop furniture: a cart, a checkout, buy buttons."""
    pf = facts.page_facts(page)
    positions = pf.cart_positions()
    if positions:
        labels = list(dict.fromkeys(pf.cart_labels))[:3]
        yield Signal(SHOP, False, page.url, "; ".join(labels) or "cart", "control",
                     "the page has a shop's cart or buy controls")


def _in_link(page: Page, pos: int) -> bool:
    return any(link.start <= pos < link.end for link in page.links if link.start >= 0)


def _rx_mentions(site: Site) -> Iterator[Signal]:
    """Prescription-only or unauthorised medicines named outside comparisons and menus."""
    shown = 0
    for page in site.pages:
        pf = facts.page_facts(page)
        for m in _medicines.find_in(page.title):
            if m.medicine.prescription_only and not m.ambiguous and not _drugs.is_comparison(page.title, m.start, m.end) \
                    and len(page.title.split()) <= 8 and "?" not in page.title:
                yield Signal(RX_MENTION, False, page.url, page.title, "title", f"the page is about a prescription-only medicine: {m.medicine.label}")
                shown += 1
                break
        for m in pf.mentions:
            if m.ambiguous or not m.medicine.prescription_only:
                continue
            if _drugs.is_comparison(page.text, m.start, m.end):
                continue
            b = page.block_at(m.start, m.end)
            if b == -1 or page.blocks[b].chrome:
                continue
            entry = page.text[page.blocks[b].start : page.blocks[b].end]
            if page.blocks[b].kind in ("para", "box") or len(entry.split()) > 6 or "?" in entry or ":" in entry:
                continue  # prose and headlines name medicines for every reason; a catalogue lists them by name
            yield Signal(RX_MENTION, False, page.url, facts.block_quote(page, m.start, m.end), "text",
                         f"names a prescription-only medicine: {m.medicine.label}")
            shown += 1
            if shown >= 2:
                return


def detect(site: Site) -> Detection:
    """Does the site sell or dispense prescription medicines? (Computed once per site.)"""
    cached = _DETECTIONS.get(site)
    if cached is not None:
        return cached
    all_offers = facts.offers(site)
    offers = facts.sells_prescription_medicines(site)
    signals = _offer_signals(offers)
    if not offers:  # weak offers that are not enough on their own still count as a weak sign
        signals += [s for s in _offer_signals(facts.prescription_offers(site)) if not s.strong]
    shop = False
    for page in site.pages:
        _collect(signals, _services(page, page.url))
        _collect(signals, _lexicon_services(page))
        _collect(signals, _licences(page))
        before = len(signals)
        _collect(signals, _shop(page))
        shop = shop or len(signals) > before
    for page in site.pages:
        _collect(signals, _red_flags(page, shop))
    _collect(signals, _self_description(site))
    for page in site.pages:
        _collect(signals, _lexicon_self(page))
    _collect(signals, _rx_mentions(site))
    strong = any(s.strong for s in signals)
    weak_kinds = {s.kind for s in signals if not s.strong}
    # Two kinds of weak sign make a pharmacy; a named medicine counts only with a shop or a red flag
    # (a news page names medicines, a shop names them and sells).
    pharmacy_kinds = weak_kinds - {RX_MENTION, SHOP}
    detected = strong or len(pharmacy_kinds) >= 2 or (bool(pharmacy_kinds) and SHOP in weak_kinds and RX_MENTION in weak_kinds)
    mixed = False
    if not detected and RX_MENTION in weak_kinds and (SHOP in weak_kinds or RED_FLAG in weak_kinds):
        # Mixed signs: prescription medicines named on a page with a shop's furniture or a pharmacy's words,
        # but no offer read. Graded as a pharmacy, held at caution at most: dismissing it would leave the
        # buyer unwarned.
        detected = mixed = True
    detection = Detection(detected=detected, signals=signals, offers=offers, all_offers=all_offers, mixed=mixed)
    _DETECTIONS[site] = detection
    return detection
