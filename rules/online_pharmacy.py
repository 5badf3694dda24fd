"""Is this an online pharmacy?

What it checks
    Whether the site sells or dispenses prescription medicines, before any other rule grades it as a
    pharmacy. It looks for four kinds of evidence:

    * prescription-only medicines offered for sale: a drug name next to a price and a pack size, an
      "Add to cart" button, a "Buy Xanax" link, a link to a product page, an add-to-cart form on the page
      of a drug (the vocabulary holds over 400 brand and generic names of about 175 prescription-only
      medicines that online shops sell);
    * pharmacy services: refill or transfer a prescription, upload a prescription, mail-order pharmacy,
      "Manage your prescriptions", in a link, a button, a form or the page title;
    * the site calling itself a pharmacy: "online pharmacy", "drugstore", "chemist" in its title or
      name, "our pharmacy", "we are a licensed pharmacy";
    * a pharmacy licence or registration number ("License Number 32195", "GPhC registration 1234567").

    One strong sign (an offer of a prescription drug, a pharmacy service in a link, title or form, a
    licence number) is enough; weaker signs (a single drug with a bare price, the word "pharmacy" in the
    title, "we fill prescriptions" in running text) count when two different kinds agree.

Why it matters
    pharmcheck grades online pharmacies. A site that sells no medicine gets the verdict "not an online
    pharmacy", not a trust score: a supplement shop or a health blog is not a safe or an unsafe pharmacy.
    The checks that follow (prescription, pharmacist, licence, prices) only mean something for a site that
    dispenses medicines.

Detected
    ``Buy Advair -> /products/advair-diskus``; ``Viagra 100 mg x 30 pills $39.90 Add to cart``; a sign-in
    page with "Refill your Rx" and "Transfer your Rx" links and a mail-order pharmacy title (a pharmacy
    even with no price on the page).

Not detected
    An advertorial or a supplement lander that names Viagra to compare itself with it ("Bye bye,
    Viagra!", "works better than Viagra", "herbal Viagra"): it sells a supplement, not a medicine. A
    health-information page that names drugs, their doses or their average cost without selling them
    ("Brand Viagra costs about $70 a pill"). A cosmetics shop ("drugstore makeup"), a pet shop.

Limits
    English, with a few words of German, French, Spanish and Italian. Only the pages fetched are read:
    a shop whose catalogue is built by JavaScript, or sits behind a sign-in, shows fewer offers. A
    comparison site, a coupon site or an affiliate blog that lists drug prices next to "Buy" links is
    taken for a pharmacy (it acts as a shop window for one). The word "pharmacy" on its own decides
    nothing, and a drug missing from the vocabulary is not seen.

What to do
    If pharmcheck says a site is not a pharmacy but it sells you medicine, treat it as a seller that
    does not even present itself as a pharmacy: do not buy prescription medicine there.
"""

from __future__ import annotations

import re
import weakref
from dataclasses import dataclass, field
from typing import Iterator

from pharmcheck.findings import INFO, NOT_APPLICABLE, Evidence, Finding
from pharmcheck.site import Page, Site, same_site

from pharmcheck.rules import _drugs
from pharmcheck.rules._drugs import CLAIM, FIRST_PERSON, Phrase, scan

ID = "online-pharmacy"
TITLE = "Is it an online pharmacy?"
OUTCOMES = {
    "online-pharmacy-detected": "The site sells or dispenses prescription medicines: it is graded as an online pharmacy.",
    "online-pharmacy-not-detected": "No sign that the site sells or dispenses prescription medicines: not an online pharmacy.",
}

# Kinds of evidence.
OFFERS = "rx-offers"
SERVICES = "pharmacy-services"
SELF = "self-description"
LICENCE = "pharmacy-licence"

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
_SERVICE_FORM = re.compile(r"(?<![a-z])rx|rx(?![a-z])|refill|prescription|rezept|ordonnance", re.I)

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
_TITLE_PHARMACY = re.compile(r"\b" + _PHARMACY_WORD + r"\b")
# Titles of articles, guides and locators name pharmacies without being one.
_ARTICLE_TITLE = re.compile(
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
_LICENCE_WHO = re.compile(r"pharma|gphc|chemist|apothe|drug|dispens")
_LICENCE_NOT = re.compile(r"\b(?:company|companies\s+house|vat|business|trade|charity|tax|ein)\b")
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
    offers: list[_drugs.Offer] = field(default_factory=list)  # the offers that show the site sells Rx drugs

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
        if m and _drugs.classify(page.title, m.start(), m.end()) == CLAIM:
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
        if key in seen:
            continue
        seen.add(key)
        lo, hi = _drugs.sentence_bounds(page, m.start(), m.end())
        sentence_start = not page.text[lo : m.start()].strip(" \"'“(")
        first_person = FIRST_PERSON.search(page.text, max(lo, m.start() - 120), m.start())
        if not (sentence_start or first_person or m.group(0).startswith("we ")):
            continue
        if _drugs.context(page, m.start(), m.end(), bounds=(lo, hi)) == CLAIM:
            found += 1
            yield Signal(SERVICES, False, page.url, page.snippet(m.start(), m.end()), "text",
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
                yield Signal(SELF, False, page.url, page.snippet(m.start(), m.end()), "text",
                             "the site describes itself as a pharmacy")


def _licences(page: Page) -> Iterator[Signal]:
    low = _drugs.lower_text(page)
    for m in scan(page, _LICENCE_NUMBER):
        around = low[max(0, m.start() - 150) : m.end() + 30]
        if _LICENCE_WHO.search(around) and not _LICENCE_NOT.search(low, max(0, m.start() - 40), m.start()):
            yield Signal(LICENCE, True, page.url, page.snippet(m.start(), m.end()), "text",
                         "a pharmacy licence or registration number")
    for m in scan(page, _LICENSED_BY):
        if _drugs.context(page, m.start(), m.end()) == CLAIM:
            # weak: without a number it may be advice ("a safe pharmacy is licensed by the board of pharmacy")
            yield Signal(LICENCE, False, page.url, page.snippet(m.start(), m.end()), "text",
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


def _offer_signals(offers: list[_drugs.Offer]) -> list[Signal]:
    out = []
    strong = [o for o in offers if o.strength == _drugs.STRONG]
    offers = (strong or offers)[:_PER_KIND]
    for offer in offers:
        out.append(Signal(OFFERS, offer.strength == _drugs.STRONG, offer.url, offer.quote, offer.where,
                          f"{offer.why}: {offer.drug.name} ({offer.drug.generic})"))
    return out


_DETECTIONS: "weakref.WeakKeyDictionary[Site, Detection]" = weakref.WeakKeyDictionary()


def detect(site: Site) -> Detection:
    """Does the site sell or dispense prescription medicines? (Computed once per site.)"""
    cached = _DETECTIONS.get(site)
    if cached is not None:
        return cached
    offers = _drugs.sells_rx(site)
    signals = _offer_signals(offers)
    if not offers:  # weak offers that are not enough on their own still count as a weak sign
        signals += [s for s in _offer_signals(_drugs.rx_offers(site)) if not s.strong]
    for page in site.pages:
        _collect(signals, _services(page, page.url))
        _collect(signals, _licences(page))
    _collect(signals, _self_description(site))
    strong = any(s.strong for s in signals)
    weak_kinds = {s.kind for s in signals if not s.strong}
    detection = Detection(detected=strong or len(weak_kinds) >= 2, signals=signals, offers=offers)
    _DETECTIONS[site] = detection
    return detection


_LOOKED_FOR = [
    "prescription-only medicines offered for sale (a drug name with a price, a pack size, 'Add to cart', a 'Buy' link)",
    "pharmacy services (refill, transfer or upload a prescription; mail-order pharmacy)",
    "the site calling itself a pharmacy, drugstore or chemist",
    "a pharmacy licence or registration number",
]

_KIND_WORDS = {
    OFFERS: "offers prescription medicines for sale",
    SERVICES: "offers pharmacy services (prescriptions, refills, mail order)",
    SELF: "presents itself as a pharmacy",
    LICENCE: "shows a pharmacy licence or registration",
}


def _evidence(signals: list[Signal], limit: int = 10) -> list[Evidence]:
    """Strong signs first, at most ``limit``, one per quote, and no more than four of each kind."""
    out: list[Evidence] = []
    seen: set[str] = set()
    per_kind: dict[str, int] = {}
    for s in sorted(signals, key=lambda s: not s.strong):
        key = " ".join(s.quote.lower().split())
        if key in seen or per_kind.get(s.kind, 0) >= 4:
            continue
        seen.add(key)
        per_kind[s.kind] = per_kind.get(s.kind, 0) + 1
        out.append(Evidence(url=s.url, quote=s.quote, where=s.where, why=s.why))
        if len(out) >= limit:
            break
    return out


def check(site: Site) -> Iterator[Finding]:
    det = detect(site)
    offered = _drugs.offered_names(det.offers)
    controlled = sorted({o.drug.generic for o in det.offers if o.drug.controlled})
    if det.detected:
        said = "; ".join(_KIND_WORDS[k] for k in (OFFERS, SERVICES, LICENCE, SELF) if k in det.kinds)
        message = f"The site {said}. It is checked as an online pharmacy."
        if offered:
            message += f" Prescription medicines offered: {', '.join(offered[:8])}{' ...' if len(offered) > 8 else ''}."
        yield Finding(
            outcome="online-pharmacy-detected",
            status=INFO,
            message=message,
            evidence=_evidence(det.signals),
            facts={
                "rx_drugs_offered": offered,
                "controlled_substances_offered": controlled,
                "signals": det.kinds,
                "strong_signals": sorted({s.kind for s in det.signals if s.strong}),
            },
        )
        return
    mentioned = [d.name for d in _drugs.mentioned_drugs(site)]
    message = "No sign that the site sells or dispenses prescription medicines: it is not graded as an online pharmacy."
    if mentioned:
        message += f" It names {', '.join(mentioned[:5])}, but offers none of them for sale."
    yield Finding(
        outcome="online-pharmacy-not-detected",
        status=NOT_APPLICABLE,
        message=message,
        evidence=_evidence(det.signals, limit=5),
        searched=site.urls,
        facts={
            "looked_for": _LOOKED_FOR,
            "drugs_mentioned_not_offered": mentioned,
            "weak_signals": det.kinds,
        },
    )
