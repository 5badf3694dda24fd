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

from typing import Iterator

from pharmcheck import facts
from pharmcheck.findings import INFO, NOT_APPLICABLE, WARN, Evidence, Finding
from pharmcheck.rules._gate_signals import (
    LICENCE,
    OFFERS,
    RED_FLAG,
    RX_MENTION,
    SELF,
    SERVICES,
    SHOP,
    Signal,
    detect,
)
from pharmcheck.site import Site

ID = "online-pharmacy"
TITLE = "Is it an online pharmacy?"
OUTCOMES = {
    "online-pharmacy-detected": "The site sells or dispenses prescription medicines: it is graded as an online pharmacy.",
    "online-pharmacy-not-detected": "No sign that the site sells or dispenses prescription medicines: not an online pharmacy.",
    "online-pharmacy-mixed-signs": "Prescription medicines named beside a shop's furniture or a pharmacy's words, with no offer read: graded as a pharmacy, at caution at most.",
}

_LOOKED_FOR = [
    "medicines offered for sale, read from the page's structure: a product card, table row, list item, pack "
    "list or schema.org Product data holding a medicine with a price, a pack or a cart control; product links",
    "pharmacy services (refill, transfer, upload or send a prescription; e-prescriptions; mail order), in the "
    "page's languages",
    "the site calling itself a pharmacy, drugstore, chemist, Apotheke, pharmacie, farmacia, apteka, ...",
    "a pharmacy licence or registration number",
    "claims that no prescription is needed, in the page's languages",
    "a shop's cart or buy controls next to prescription-only medicines",
]

_KIND_WORDS = {
    OFFERS: "offers prescription medicines for sale",
    SERVICES: "offers pharmacy services (prescriptions, refills, mail order)",
    SELF: "presents itself as a pharmacy",
    LICENCE: "shows a pharmacy licence or registration",
    RED_FLAG: "says medicines can be had without a prescription",
    SHOP: "has a shop's cart or buy controls",
    RX_MENTION: "names prescription-only medicines",
}
_KIND_ORDER = (OFFERS, RED_FLAG, SERVICES, LICENCE, SELF, SHOP, RX_MENTION)


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
    offered = facts.offered_labels(det.offers)
    controlled = sorted({o.medicine.generic for o in det.offers if o.medicine.controlled})
    unauthorised = sorted({o.medicine.label for o in det.offers if o.medicine.unauthorised})
    langs = facts.languages(site)
    common = {
        "languages": langs,
        "offers": facts.offers_summary(det.all_offers),
        "offers_found": len(det.all_offers),
        "signals": det.kinds,
        "strong_signals": sorted({s.kind for s in det.signals if s.strong}),
    }
    if det.detected:
        said = "; ".join(_KIND_WORDS[k] for k in _KIND_ORDER if k in det.kinds)
        if det.mixed:
            message = (f"The signs are mixed: the site {said}, but no page read shows an offer with a price. It is"
                       " checked as an online pharmacy and held at caution at most, because a shop that names"
                       " prescription medicines beside a cart is not one to dismiss.")
            outcome = "online-pharmacy-mixed-signs"
        else:
            message = f"The site {said}. It is checked as an online pharmacy."
            outcome = "online-pharmacy-detected"
        if offered:
            message += f" Prescription medicines offered: {', '.join(offered[:8])}{' ...' if len(offered) > 8 else ''}."
        yield Finding(
            outcome=outcome,
            status=WARN if det.mixed else INFO,
            message=message,
            evidence=_evidence(det.signals),
            facts={**common, "rx_drugs_offered": offered, "controlled_substances_offered": controlled,
                   "unauthorised_offered": unauthorised},
        )
        return
    mentioned = [m.name for m in _mentioned(site)]
    message = ("What was seen: pages that write about medicines and sell none (no medicine beside a price, a pack"
               " or a cart, no pharmacy service, no claim that no prescription is needed).")
    if mentioned:
        message += f" They name {', '.join(mentioned[:5])}{' ...' if len(mentioned) > 5 else ''}."
    yield Finding(
        outcome="online-pharmacy-not-detected",
        status=NOT_APPLICABLE,
        message=message,
        evidence=_evidence(det.signals, limit=5),
        searched=site.urls,
        facts={**common, "looked_for": _LOOKED_FOR, "drugs_mentioned_not_offered": mentioned, "weak_signals": det.kinds},
    )


def _mentioned(site: Site) -> list:
    """Every medicine named anywhere on the site, in order of first mention, each once."""
    from pharmcheck.rules import _medicines

    seen: dict[str, object] = {}
    for page in site.pages:
        for m in _medicines.find_in(page.title):
            seen.setdefault(m.medicine.key, m.medicine)
        for m in facts.page_facts(page).mentions:
            if not m.ambiguous:
                seen.setdefault(m.medicine.key, m.medicine)
    return list(seen.values())
