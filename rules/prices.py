"""Plausible prices: medicines offered far below any legitimate price, and spam-style pricing.

What it checks
    Consumer guidance lists prices that seem too good to be true among the signs of a fake online
    pharmacy (the FDA's BeSafeRx campaign; NABP's advice on buying medicine online warns likewise about
    prices far below those of other pharmacies). Counterfeit, substandard and diverted medicines are
    cheap to make; genuine brand-name medicines are not. This rule reads the prices on every page that
    was read (a drug name, a strength, a pack size and a price: ``Viagra 100mg 10 pills $9.90``,
    ``30 pills  $45.00  $1.50 per pill``, ``Price per pill: $0.89``, table rows) and works out the
    price per pill in US dollars. It then compares it with a reference: the average gross cost per
    dosage unit that US Medicare Part D paid in 2017 for that name (CMS data, public domain; see
    ``rules/data/README.md``). That reference is a *floor check*, not a price list: it is averaged over
    strengths and forms, and is the gross cost before rebates.

    1. **Brand-name medicine far below the reference** (fail, ``prices-far-below-reference``): the
       price per unit is below ``BRAND_FAIL_RATIO`` (5 %) of the reference, and the reference is at
       least ``BRAND_FAIL_MIN_REFERENCE_USD`` (2 USD). Brand Viagra at 0.99 USD a pill against a
       reference of 58.34 USD (1.7 %) fails. No genuine market sells brand stock that cheaply.
    2. **Below the reference** (warn, ``prices-below-reference``): a brand below ``BRAND_WARN_RATIO``
       (10 %) of its reference, or below 5 % of a reference under 2 USD. Genuine brand stock costs
       far less in some countries than in the US (the UK list price of Viagra is about 12 % of the
       reference, Canadian prices are similar), so at 10 % or more a brand passes, and between
       5 % and 10 % it only warns. A generic warns below ``GENERIC_WARN_RATIO`` (5 %) of a
       reference of at least ``GENERIC_MIN_REFERENCE_USD`` (1 USD). Generics are cheap legitimately
       (discount pharmacies sell many at a few cents a tablet, well under Medicare's gross cost), so a
       cheap generic never fails, and generics with a reference under 1 USD are not judged at all.
       A brand name next to "generic", or with a made-up variant ("Viagra Soft", "Cialis
       Professional"), is judged as a generic.
    3. **Spam-style pricing**, each its own warning: free or bonus pills with an order
       (``prices-bonus-pills``: "4 free Viagra pills", "+10 bonus pills"); discounts of
       ``HUGE_DISCOUNT_PCT`` (50 %) or more on medicines (``prices-huge-discount``: "80% off"); claims
       of the cheapest or lowest prices (``prices-cheapest-claim``: "cheapest Cialis online", "lowest
       prices guaranteed"); bulk ladders (``prices-bulk-ladder``): one drug and strength in at least
       ``LADDER_MIN_TIERS`` (5) pack sizes with the price per pill falling as the pack grows
       (10/20/30/60/90/120/180 pills), the way spam shops push volume. Phrases inside a warning
       ("beware of the cheapest offers") do not count.

Passes
    ``Sildenafil 20 mg, 90 tablets $26.10``; ``Cialis 20mg 4 tablets $240.00``; a plain price list
    with one or two pack sizes. A pass means only that no price is suspiciously low.

Fails or warns
    ``Viagra 100mg 10 pills $9.90`` (0.99 USD a pill: fail); ``Levitra 20mg: $1.10 per pill`` (fail);
    ``Cialis 20 mg x 30 $27`` (0.90 USD a pill, 8.7 % of 10.30: warn); ``Order now and get 4 free pills``;
    ``Save 80% on all medications``; ``Cheapest Viagra online``.

Not applicable
    No priced offer was found (``prices-not-found``, listing the pages searched), or prices were found
    but none of a medicine in the reference table or none per unit (``prices-no-reference``, info).

Limits
    The reference is US gross cost of 2013-2017, averaged over strengths and forms; prices abroad and
    today's generic prices can be far lower, hence the wide margins and the lenient treatment of
    generics. Names without data (generic tadalafil, Ozempic, ...) are recognised but not compared.
    A price is tied to the drug named just above it (or in the page title); names in prose or in
    comparisons ("better than Viagra") are not products, and a price quoted in a sentence that warns
    ("Beware: fake Viagra sells for $1 a pill") is not an offer. Prices are read from text: prices in
    images or loaded by scripts are missed, a bare ``$`` is read as US dollars, and currencies other
    than USD, EUR, GBP, CAD and AUD are skipped (conversion uses fixed, approximate rates). Where a
    layout is ambiguous the higher price per pill is taken. At most 400 offers per page are read.

What to do
    A genuine brand-name medicine at a few percent of its usual price is almost certainly counterfeit,
    substandard or stolen. Do not buy it. Compare with the price at a licensed local pharmacy, and buy
    only from a pharmacy that requires a prescription and that your regulator lists (in the US, check
    BeSafeRx or NABP's Safe.Pharmacy). These are risk signals: pharmcheck does not certify a pharmacy.
"""

from __future__ import annotations

import bisect
from collections import defaultdict
from typing import Any, Iterator

from pharmcheck.findings import FAIL, INFO, NOT_APPLICABLE, PASS, WARN, Evidence, Finding
from pharmcheck.lazyre import lazy_re
from pharmcheck.site import Site

from ._price_pitches import bonus, cheapest, discounts
from ._pricing import MAX_EVIDENCE, MAX_OFFERS_PER_PAGE, USD_PER_UNIT, Offer, PageOffers, Reference, extract_offers, load_reference

ID = "prices"
TITLE = "Plausible medicine prices"
OUTCOMES = {
    "prices-far-below-reference": "A brand-name medicine is offered below 5 % of the US reference price per unit: "
    "counterfeit or diverted stock is likely.",
    "prices-below-reference": "A medicine is offered well below the US reference price per unit "
    "(a brand below 10 %, a costly generic below 5 %).",
    "prices-plausible": "The prices found are not suspiciously low against the reference.",
    "prices-no-reference": "Prices were found, but none could be tied to a medicine of the reference table with a "
    "price per unit.",
    "prices-not-found": "No medicine prices were found on the pages read.",
    "prices-bonus-pills": "Free or bonus pills are offered with orders.",
    "prices-huge-discount": "Discounts of 50 % or more are advertised on medicines.",
    "prices-cheapest-claim": "The site claims the cheapest or lowest prices.",
    "prices-bulk-ladder": "One medicine is sold in many pack sizes with the price per pill falling as the pack grows.",
}

# Thresholds: price per unit / reference price per unit (see the docstring for why).
BRAND_FAIL_RATIO = 0.05
BRAND_FAIL_MIN_REFERENCE_USD = 2.00  # below this a brand is too cheap a reference to call a price impossible
BRAND_WARN_RATIO = 0.10
GENERIC_WARN_RATIO = 0.05
GENERIC_MIN_REFERENCE_USD = 1.00  # generics cheaper than this are not judged at all
LADDER_MIN_TIERS = 5
LADDER_TOLERANCE = 0.02  # a tier may cost 2 % more per pill than the smaller one and still count as falling

MAX_FACT_OFFERS = 10  # the flagged offers first: a reader needs the worst few and the counts, not every row

# A price quoted in a warning is not an offer: "Beware: fake Viagra is sold for $1 a pill."
_PRICE_WARNING_RX = lazy_re(
    r"\b(?:beware|counterfeits?|fakes?|scams?|fraud|fraudulent|illegal|illegally|warning|dangerous|be careful|"
    r"wary|too good to be true)\b"
)
_PRICE_WARNING_WORDS = (
    "beware", "counterfeit", "fake", "scam", "fraud", "illegal", "warning", "dangerous", "careful", "wary", "too good",
)  # fmt: skip


def check(site: Site) -> Iterator[Finding]:
    """Pure: reads the Site only."""
    ref = load_reference()
    pages = [(page, extract_offers(page, ref)) for page in site.pages]
    offers = [o for _, po in pages for o in po.offers]
    offers += _structured(site, ref, offers)
    yield _comparison(site, ref, pages, offers)
    sells_medicines = any(po.drugs_named or po.offers for _, po in pages)
    yield from bonus(pages)
    if sells_medicines:
        yield from discounts(pages)
        yield from cheapest(pages)
    yield from _ladders(ref, offers)


def _structured(site: Site, ref: Reference, found: list[Offer]) -> list[Offer]:
    """The offers read from the pages' structure (rows, cards, pack lists, schema.org data) that the text
    reading above did not price: one typed offer, shared with the gate and the prescription rule."""
    from pharmcheck import facts

    have = {(o.url, o.drug) for o in found}
    out: list[Offer] = []
    for o in facts.offers(site):
        entry_key = o.medicine.price_entry
        entry = ref.drugs.get(entry_key or "")
        if entry is None or o.currency not in USD_PER_UNIT or (o.url, entry_key) in have:
            continue
        if o.medicine.kind in ("foreign-brand", "variant") and entry["kind"] == "brand":
            continue  # a copy is compared with its generic, never with the brand's price
        if entry["kind"] == "brand" and "generic" in f"{o.quote} {o.page.title if o.page else ''}".lower():
            # "Generic Lipitor": the generic's reference, or none
            entry_key = ref.generic_entry.get(entry["generic"])
            entry = ref.drugs.get(entry_key or "")
            if entry is None or (o.url, entry_key) in have:
                continue
        unit = o.unit_price if o.unit_price is not None else (o.price / o.quantity if o.price and o.quantity else None)
        if unit is None:
            continue
        strength = None
        if o.strength and o.strength.endswith(" mg"):
            try:
                strength = float(o.strength.split()[0].replace(",", "."))
            except ValueError:
                strength = None
        out.append(Offer(url=o.url, quote=o.quote, start=o.start, end=o.start + len(o.name), drug=entry_key, name=o.name,
                         kind=entry["kind"], molecule=entry["generic"], strength_mg=strength, quantity=o.quantity,
                         price=o.price, currency=o.currency, unit_price=unit, unit_price_usd=unit * USD_PER_UNIT[o.currency],
                         unit_price_stated=o.unit_price is not None and o.quantity in (None, 1)))
        have.add((o.url, entry_key))
    return out


# ----------------------------------------------------------------------------------------------
# The floor check


def assess(offer: Offer, ref: Reference) -> tuple[str, float, float] | None:
    """(level, ratio, reference USD per unit) of an offer, or None when it cannot be compared.

    The level is FAIL, WARN or PASS per the thresholds of this module."""
    entry = ref.drugs.get(offer.drug or "")
    if entry is None or not offer.unit_price_usd:
        return None
    reference = float(entry["usd_per_unit"])
    ratio = offer.unit_price_usd / reference
    if offer.kind == "brand":
        if ratio < BRAND_FAIL_RATIO:
            return (FAIL if reference >= BRAND_FAIL_MIN_REFERENCE_USD else WARN), ratio, reference
        if ratio < BRAND_WARN_RATIO:
            return WARN, ratio, reference
    elif reference >= GENERIC_MIN_REFERENCE_USD and ratio < GENERIC_WARN_RATIO:
        return WARN, ratio, reference
    return PASS, ratio, reference


def _usd(value: float) -> str:
    return f"{value:,.2f} USD" if value >= 0.1 else f"{value:.3f} USD"


def _describe(offer: Offer) -> str:
    name = offer.name or offer.drug or "medicine"
    bits = [name]
    if offer.kind:
        bits.append(f"({offer.kind})")
    if offer.strength_mg:
        bits.append(f"{offer.strength_mg:g} mg")
    return " ".join(bits)


def _why(offer: Offer, ratio: float, reference: float, ref: Reference) -> str:
    if offer.quantity and not offer.unit_price_stated:
        how = f"{offer.quantity} units for {offer.price:,.2f} {offer.currency}"
    else:
        how = f"{offer.unit_price:,.2f} {offer.currency} per unit as stated"
    conv = (
        ""
        if offer.currency == "USD"
        else f" (converted at about {USD_PER_UNIT[offer.currency]} USD per {offer.currency})"
    )
    entry = ref.drugs[offer.drug or ""]
    return (
        f"{_describe(offer)}: {how} = {_usd(offer.unit_price_usd or 0)} per unit{conv}; reference "
        f"{_usd(reference)} per dosage unit for {entry['name'].capitalize()} ({ref.source_label}, gross cost "
        f"averaged over strengths), so {ratio:.1%} of the reference."
    )


def _offer_fact(offer: Offer, verdict: tuple[str, float, float] | None) -> dict[str, Any]:
    d = offer.to_dict()
    if verdict is not None:
        d["level"], d["ratio"], d["reference_usd_per_unit"] = verdict[0], round(verdict[1], 4), verdict[2]
    return d


def _comparison(site: Site, ref: Reference, pages: list[tuple[Any, PageOffers]], offers: list[Offer]) -> Finding:
    truncated = [page.url for page, po in pages if po.truncated]
    base_facts: dict[str, Any] = {
        "offers_found": len(offers),
        "pages_with_prices": sorted({o.url for o in offers}),
        "reference": {
            "source": ref.table["source"]["name"],
            "publisher": ref.table["source"]["publisher"],
            "year": ref.table["year"],
            "caveat": ref.table["caveats"][0],
        },
        "thresholds": {
            "brand_fail_ratio": BRAND_FAIL_RATIO,
            "brand_fail_min_reference_usd": BRAND_FAIL_MIN_REFERENCE_USD,
            "brand_warn_ratio": BRAND_WARN_RATIO,
            "generic_warn_ratio": GENERIC_WARN_RATIO,
            "generic_min_reference_usd": GENERIC_MIN_REFERENCE_USD,
        },
    }
    if truncated:
        base_facts["pages_truncated"] = truncated
        base_facts["max_offers_per_page"] = MAX_OFFERS_PER_PAGE
    if not offers:
        return Finding(
            outcome="prices-not-found",
            status=NOT_APPLICABLE,
            message="No medicine prices were found on the pages read, so prices could not be checked.",
            searched=site.urls,
            facts=base_facts,
        )

    by_url = {page.url: po for page, po in pages}
    # Pages with no warning word at all need no per-offer look (a fast substring test, done when needed).
    warns_on: dict[str, bool] = {}
    judged = []
    in_warnings = 0
    for o in offers:
        verdict = assess(o, ref)
        if (
            verdict is not None
            and verdict[0] != PASS
            and _page_warns(warns_on, by_url[o.url], o.url)
            and _in_warning(by_url[o.url], o.start, o.end)
        ):
            verdict = None  # a price in a sentence that warns about such prices
            in_warnings += 1
        judged.append((o, verdict))
    compared = [(o, v) for o, v in judged if v is not None]
    fails = sorted(((o, v) for o, v in compared if v[0] == FAIL), key=lambda ov: ov[1][1])
    warns = sorted(((o, v) for o, v in compared if v[0] == WARN), key=lambda ov: ov[1][1])
    # Flagged offers first in the facts, then the rest, capped.
    ordered = fails + warns + [(o, v) for o, v in compared if v[0] == PASS] + [(o, v) for o, v in judged if v is None]
    facts = dict(base_facts)
    facts.update(
        offers_compared=len(compared),
        offers_far_below=len(fails),
        offers_below=len(warns),
        offers_in_warnings=in_warnings,
        offers=[_offer_fact(o, v) for o, v in ordered[:MAX_FACT_OFFERS]],
    )
    if not compared:
        names = sorted({o.name for o in offers if o.name})
        return Finding(
            outcome="prices-no-reference",
            status=INFO,
            message=(
                f"{len(offers)} price(s) were found, but none could be tied to a medicine of the reference table "
                "with a price per unit, so none was compared."
            ),
            searched=site.urls,
            facts={**facts, "names_without_reference": names[:20]},
        )
    if fails:
        worst, (_, ratio, reference) = fails[0]
        names = _names(fails)
        return Finding(
            outcome="prices-far-below-reference",
            status=FAIL,
            message=(
                f"Brand-name medicines are offered far below any legitimate price: {_describe(worst)} at "
                f"{_usd(worst.unit_price_usd or 0)} a unit, where US pharmacies were paid about {_usd(reference)} "
                f"({ratio:.0%} of it). {len(fails)} offer(s) of {names} are under {BRAND_FAIL_RATIO:.0%} of the "
                "reference. Genuine brand medicines are not sold this cheaply: such prices suggest counterfeit, "
                "substandard or diverted stock."
            ),
            evidence=_evidence(fails, ref),
            facts=facts,
        )
    if warns:
        worst, (_, ratio, reference) = warns[0]
        return Finding(
            outcome="prices-below-reference",
            status=WARN,
            message=(
                f"Some medicines are offered well below US prices: {_describe(worst)} at "
                f"{_usd(worst.unit_price_usd or 0)} a unit against about {_usd(reference)} ({ratio:.0%}). "
                f"{len(warns)} offer(s) of {_names(warns)} are low enough to ask where the stock comes from."
            ),
            evidence=_evidence(warns, ref),
            facts=facts,
        )
    return Finding(
        outcome="prices-plausible",
        status=PASS,
        message=(
            f"{len(compared)} price(s) were compared with US reference prices and none is suspiciously low. "
            "A plausible price does not show that a pharmacy is legitimate."
        ),
        evidence=_evidence(compared[:2], ref),
        facts=facts,
    )


def _page_warns(cache: dict[str, bool], po: PageOffers, url: str) -> bool:
    if url not in cache:
        cache[url] = any(w in po.low for w in _PRICE_WARNING_WORDS)
    return cache[url]


def _in_warning(po: PageOffers, start: int, end: int) -> bool:
    """Is the offer at [start, end) inside a sentence (on its own line of the page) that warns?"""
    low, starts = po.low, po.line_starts
    first = bisect.bisect_right(starts, start) - 1
    last = bisect.bisect_right(starts, max(start, end - 1)) - 1
    lo = max(starts[first], start - 200)
    hi = min(starts[last + 1] - 1 if last + 1 < len(starts) else len(low), end + 150)
    cut = max(low.rfind(". ", lo, start), low.rfind("! ", lo, start), low.rfind("? ", lo, start))
    if cut != -1:
        lo = cut + 2
    stops = [i for i in (low.find(". ", end, hi), low.find("! ", end, hi), low.find("? ", end, hi)) if i != -1]
    if stops:
        hi = min(stops)
    return _PRICE_WARNING_RX.search(low[lo:hi]) is not None


def _names(flagged: list[tuple[Offer, Any]]) -> str:
    names: list[str] = []
    for o, _ in flagged:
        n = o.name or o.drug or ""
        if n and n not in names:
            names.append(n)
    return ", ".join(names[:5]) + (", ..." if len(names) > 5 else "")


def _evidence(flagged: list[tuple[Offer, tuple[str, float, float]]], ref: Reference) -> list[Evidence]:
    out: list[Evidence] = []
    seen: set[tuple[str, str]] = set()
    for offer, (_, ratio, reference) in flagged:
        key = (offer.url, offer.quote)
        if key in seen:
            continue
        seen.add(key)
        out.append(Evidence(url=offer.url, quote=offer.quote, where="text", why=_why(offer, ratio, reference, ref)))
        if len(out) >= MAX_EVIDENCE:
            break
    return out


def _ladders(ref: Reference, offers: list[Offer]) -> Iterator[Finding]:
    tiers: dict[tuple[str, str, float | None], dict[int, Offer]] = defaultdict(dict)
    for o in offers:
        name = o.drug or o.molecule or (o.name or "").lower()
        if not name or not o.quantity or not o.unit_price_usd:
            continue
        tiers[(o.url, name, o.strength_mg)].setdefault(o.quantity, o)
    ladders = []
    for (url, name, strength), by_qty in tiers.items():
        if len(by_qty) < LADDER_MIN_TIERS:
            continue
        ordered = [by_qty[q] for q in sorted(by_qty)]
        units = [o.unit_price_usd or 0 for o in ordered]
        falling = (
            all(b <= a * (1 + LADDER_TOLERANCE) for a, b in zip(units, units[1:], strict=False))
            and units[-1] < units[0]
        )
        if falling:
            ladders.append((url, name, strength, ordered))
    if not ladders:
        return
    evidence = []
    facts = []
    for url, name, strength, ordered in ladders:
        first, last = ordered[0], ordered[-1]
        label = _describe(first)
        quantities = [o.quantity for o in ordered]
        why = (
            f"{label} in {len(ordered)} pack sizes ({', '.join(str(q) for q in quantities)}), the price per unit "
            f"falling from {_usd(first.unit_price_usd or 0)} to {_usd(last.unit_price_usd or 0)}."
        )
        for tier in (first, last):
            if len(evidence) < MAX_EVIDENCE:
                evidence.append(Evidence(url=url, quote=tier.quote, where="text", why=why))
        facts.append(
            {
                "url": url,
                "drug": name,
                "strength_mg": strength,
                "quantities": quantities,
                "unit_prices_usd": [round(o.unit_price_usd or 0, 4) for o in ordered],
            }
        )
    yield Finding(
        outcome="prices-bulk-ladder",
        status=WARN,
        message=(
            f"{len(ladders)} medicine(s) are sold in long ladders of pack sizes with the price per pill falling "
            "as the pack grows, the way spam pharmacies push people to buy more than a prescription allows."
        ),
        evidence=evidence,
        facts={"ladders": facts[:10], "min_tiers": LADDER_MIN_TIERS},
    )
