"""Cross-border selling: a pharmacy in one country that sells to buyers in another, or sources abroad

What it checks
    Where the pharmacy is, and whether it sells to buyers in other countries or has their medicines
    dispensed by pharmacies in other countries. It reads every page that was read and reports:

    1. **Selling across a border** (``cross-border-shipping``, warning). Any of:

       * the street address is in one country while the prices are in another country's currency: a
         Winnipeg address with prices in ``USD`` ("$0.00 USD", "All prices in US dollars"), a UK
         address with prices in dollars. A US pharmacy quoting ``$``, a UK one quoting ``£`` and a German
         one quoting ``€`` are fine, and so is a bare ``$`` on a Canadian or Australian site (their own
         dollar);
       * shipping to another country than the pharmacy's own: "we ship to your door in the USA" on a
         Canadian site, "serving customers in the United States", "for our American customers",
         "exceptional savings over U.S. retail prices" (the pharmacy's country comes from its address,
         else from what it says it is, "a licensed Canadian pharmacy", else from a country-code domain);
       * shipping anywhere: "worldwide shipping", "we ship internationally", "delivery to over 100
         countries", "an international online pharmacy", "International Prescription Services",
         parcels "held" or "seized by customs".

    2. **Medicines from pharmacies in other countries** (``cross-border-foreign-sourcing``, warning):
       "brand and generic medication from Canada, the United Kingdom, Australia and New Zealand" on a
       Canadian site, "filled by our international partner pharmacies", "offered for sale by a licensed
       pharmacy located in the United Kingdom", "shipped from India", "shipped from our fulfilment
       centres abroad", "a licensed pharmacy in another country", "imported from Turkey", prescriptions
       that the site's doctors "re-write" or "co-sign", and a pharmacy that says it is "not permitted to
       fill US physicians' prescriptions" and then explains that a prescriber of its own country must
       issue them (the disclosure Manitoba requires of the pharmacies that serve patients abroad).

    3. **Both at once** (``cross-border-foreign-medicines-exported``, a critical mark): medicines sourced
       from pharmacies in third countries and sold to buyers in another country. In the buyer's country
       these are unapproved medicines: the mark of the "Canadian" pharmacies that sell to US buyers what
       they buy in the UK, Australia or India.

    4. Neither (``cross-border-none``, information): the pages searched are listed, with the sentences
       that say the opposite ("We do not ship outside the United States", "We deliver only to addresses
       in the United Kingdom"), which are good signs.

    Context matters. "We do not ship outside the UK", "we only ship within the United States", "we never
    import medicines", "Do you deliver outside the UK? No." and warnings ("It is illegal to import
    drugs from Canada") are not flags. Only the pharmacy's own statements count.

Why it matters
    The FDA's BeSafeRx campaign and NABP advise buyers to use only pharmacies licensed in their own
    country (in the US, licensed by the state board of pharmacy where the buyer lives). It is generally
    illegal for a person to import prescription drugs into the US for personal use; drugs shipped from
    abroad may be unapproved, misbranded or counterfeit; and no regulator of the buyer's country oversees
    a pharmacy abroad, so there is nobody to complain to when something goes wrong. Many rogue
    "Canadian" pharmacies show a real Canadian address, a licence number and seals, and yet sell to US
    buyers medicines sourced from several other countries: the operators of CanadaDrugs.com, whose site
    read "medication from Canada, the United Kingdom, Australia and New Zealand" and quoted prices in US
    dollars from a Winnipeg address, pleaded guilty in 2018 to selling counterfeit and misbranded drugs.

Passes (no flag)
    "Brightleaf Pharmacy, 2150 North High Street, Columbus, OH 43201 ... $12.40 ... We do not ship
    outside the United States." A UK pharmacy in Reading quoting "£19.99" that delivers "only to
    addresses in the United Kingdom".

Warns
    A Winnipeg address and "$0.00 USD"; "Discreet worldwide shipping"; "Send us your prescription and we
    ship to your door in the USA" from a Canadian address; "some orders are filled by our international
    partner pharmacies".

Limits
    A site may hide where it is. Without an address, what the site says it is or a country-code domain
    stands in; without any of them, a statement about one foreign country ("we ship to the USA") cannot
    be judged and is not counted. The currency is compared only with the country of a postal address.
    A bare "$" is read as the local dollar wherever a dollar is used; a currency symbol counts from two
    prices on, a code ("USD") or a statement ("prices in US dollars") at once. Statements are recognised
    by their wording, in English mainly; a site that says nothing about where its medicines come from is
    not caught. Where a medicine was *manufactured* ("Product of the United Kingdom") is not counted:
    many legitimate medicines are made abroad. A pharmacy that sells abroad legally (a UK pharmacy that
    also serves Ireland, an EU pharmacy under the EU common logo) is flagged too: check that it is
    licensed where you live. On a very long page, the first and last 100 places of each keyword are
    read, and at most 40 statements of each kind.

What to do
    Buy from a pharmacy licensed in your own country: in the US, check it on your state board of
    pharmacy's list or with NABP (safe.pharmacy); in the UK, the GPhC register; in Canada, the provincial
    college's register. These are risk signals: pharmcheck does not certify a pharmacy.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Iterator, NamedTuple

from pharmcheck.findings import FAIL, INFO, NOT_APPLICABLE, WARN, Evidence, Finding
from pharmcheck.rules._border_money import _CURRENCY_NAMES, _HOME_OF, currencies
from pharmcheck.rules._border_phrases import (
    _DOMESTIC,
    _HOME,
    _NATIONALITY,
    _NAT_RX,
    _NEGATED_INSIDE,
    _NO_BEFORE,
    _PLACE_EXTRA,
    _PLACE_RX,
    _Pattern,
    _RX_CUE,
    _RX_NEGATION,
    _SAME_COUNTRY,
    _SELLS,
    _SOURCED,
    _context,
    _keyword_places,
)
from pharmcheck.rules._drugs import (
    _WARNING_AFTER,
    _WARNING_BEFORE,
    CLAIM,
    REFUSAL,
    WARNING,
    lower_text,
    scan,
    sentence_bounds,
)
from pharmcheck.rules._text import MAX_PLACES, EvidenceBag, head_and_tail
from pharmcheck.rules._places import CCTLD_REGION, COUNTRIES, GENERIC_CCTLDS, Address, page_addresses
from pharmcheck.site import Page, Site

ID = "cross-border"
TITLE = "Sells within its own country"
OUTCOMES = {
    "cross-border-shipping": "The pharmacy is in one country but sells to buyers in another (currency, shipping, customers).",
    "cross-border-foreign-sourcing": "Medicines are dispensed or sourced from pharmacies in other countries.",
    "cross-border-none": "No sign of selling across borders or of medicines sourced abroad.",
    "cross-border-not-applicable": "No page text to judge.",
    "cross-border-foreign-medicines-exported": "Medicines sourced from pharmacies in third countries are sold to buyers in another country: unapproved where the buyer lives.",
}

# "International delivery: we do not deliver outside the UK": the words after a phrase take it back.
_TAKEN_BACK = re.compile(
    r"[^.!?]{0,40}?(?:\bnot|n['’]t|\bnever|\bonly|\bunable\s+to|\bcannot)\s+(?:\w+\s+){0,2}?"
    r"(?:ship|deliver|send|dispatch|post|available|offer|serve|sell|accept)"
)

_MAX_MATCHES = 40  # phrase matches read per page and phrase

_LIMIT = 6  # evidence items per finding


@dataclass
class _Reading:
    sells: EvidenceBag = field(default_factory=lambda: EvidenceBag(limit=_LIMIT))
    sourced: EvidenceBag = field(default_factory=lambda: EvidenceBag(limit=_LIMIT))
    domestic: EvidenceBag = field(default_factory=lambda: EvidenceBag(limit=3))
    sentences: set[tuple[int, str, int]] = field(default_factory=set)  # sentences shown, per finding: one item each
    targets: set[str] = field(default_factory=set)  # countries sold to (other than the pharmacy's own)
    sources: set[str] = field(default_factory=set)  # countries medicines come from (other than its own)
    kinds: set[str] = field(default_factory=set)


# ----------------------------------------------------------------------------------------------
# Helpers


def _place_code(token: str) -> str | None:
    name = " ".join(token.lower().split())
    if name in _PLACE_EXTRA:
        return _PLACE_EXTRA[name]
    code = COUNTRIES.get(name)
    if code is None and name.startswith("the "):
        code = COUNTRIES.get(name[4:]) or _PLACE_EXTRA.get(name[4:])
    return code


def _places(page: Page, low: str, start: int, end: int) -> tuple[list[str], bool]:
    """The countries named in ``low[start:end]`` (a list such as "Canada, the UK and other countries"), and
    whether the list ends in "other countries". "the us" counts only when the page writes "US"."""
    codes: list[str] = []
    for m in _PLACE_RX.finditer(low, start, end):
        if " ".join(m.group(0).split()) == "the us" and page.text[m.end() - 2 : m.end()] != "US":
            continue  # "send it to the us..." is no country; "the US" is
        code = _place_code(m.group(0))
        if code and code not in codes:
            codes.append(code)
    return codes, "other countries" in low[start:end]


def _nationality(page: Page, low: str, start: int, end: int) -> str | None:
    m = _NAT_RX.match(low, start, end)
    if m is None:
        return None
    word = " ".join(m.group(0).split())
    if word == "us" and page.text[m.start() : m.end()] != "US":
        return None  # "about us patients" (a menu) is no "US patients"
    return _NATIONALITY.get(word)


def _expand(countries: set[str]) -> set[str]:
    out = set(countries)
    for c in countries:
        out |= _SAME_COUNTRY.get(c, set())
    return out


_COUNTRY_NAME: dict[str, str] = {}
for _name, _code in COUNTRIES.items():
    _COUNTRY_NAME.setdefault(_code, _name.title())


def _names(codes) -> str:
    """Country names for a message: "Canada, United Kingdom"."""
    return ", ".join(sorted(_COUNTRY_NAME.get(c, c) for c in codes))


@dataclass
class _Location:
    countries: set[str]
    source: str  # "address", "claim", "domain" or "unknown"
    evidence: list[Evidence]


def _locate(site: Site) -> _Location:
    """Where the pharmacy is: its street addresses, else a PO box, else what it says, else its domain."""
    streets: dict[str, Address] = {}
    boxes: dict[str, Address] = {}
    for page in site.pages:
        for addr in page_addresses(page):
            if addr.country:
                (streets if addr.kind == "street" else boxes).setdefault(addr.country, addr)
    chosen = streets or boxes
    if chosen:
        evidence = [Evidence(url=a.url, quote=a.quote, where="text", why=f"the pharmacy's address, in {_names([c])}")
                    for c, a in list(chosen.items())[:2]]  # fmt: skip
        return _Location(set(chosen), "address", evidence)
    claims: dict[str, Evidence] = {}
    for page in site.pages:
        low = lower_text(page)
        for hit in _hits(page, low, _HOME):
            if _context(page, hit.start, hit.end) != CLAIM:
                continue
            nat, place = hit.span("nat"), hit.span("place")
            if nat:
                code = _nationality(page, low, *nat)
            else:
                codes, _ = _places(page, low, *place) if place else ([], False)
                code = codes[0] if codes else None
            if code and code not in claims:
                claims[code] = Evidence(url=page.url, quote=page.snippet(hit.start, hit.end), where="text",
                                        why=f"the site says it is a pharmacy in {_names([code])} (no street address was found)")  # fmt: skip
    if claims:
        return _Location(set(claims), "claim", list(claims.values())[:2])
    domain = site.registered_domain
    tld = domain.rsplit(".", 1)[-1] if "." in domain else ""
    if len(tld) == 2 and tld.isalpha() and tld not in GENERIC_CCTLDS:
        code = CCTLD_REGION.get(tld, tld.upper())
        return _Location({code}, "domain", [Evidence(url=site.final_url, quote=domain, where="url",
                                                     why=f"the site's country-code domain (.{tld}): {_names([code])}")])  # fmt: skip
    return _Location(set(), "unknown", [])


class _Hit(NamedTuple):
    pattern: _Pattern
    start: int
    end: int
    match: re.Match[str]
    back: re.Match[str] | None

    def span(self, group: str) -> tuple[int, int] | None:
        """Where a named group matched (in the match or in the words before it), if it did."""
        for m in (self.match, self.back):
            if m is not None and group in m.re.groupindex and m.group(group) is not None:
                return m.span(group)
        return None

    @property
    def words(self) -> str:
        return " ".join(self.match.string[self.start : self.end].split())


def _hits(page: Page, low: str, patterns: tuple[_Pattern, ...]) -> Iterator[_Hit]:
    """Each pattern matched at its keywords' places (the first and last MAX_PLACES // 2 of them)."""
    for pattern in patterns:
        places = sorted({i for word in pattern.keywords for i in _keyword_places(page, low, word)})
        found, last_end = 0, -1
        for i in head_and_tail(places, MAX_PLACES):
            if i < last_end:
                continue  # inside the last match
            m = pattern.rx.match(low, i)
            if m is None:
                continue
            back = None
            if pattern.back is not None:
                back = pattern.back.search(low, max(0, i - pattern.span), i)
                if back is None:
                    continue
            last_end = m.end()
            yield _Hit(pattern, back.start() if back else i, m.end(), m, back)
            found += 1
            if found >= _MAX_MATCHES:
                break


def _is_claim(page: Page, low: str, start: int, end: int, kind: str) -> bool:
    """Does the page state this itself (not a refusal, a warning, a question or a negation)?"""
    if _NO_BEFORE.search(low, max(0, start - 16), start):
        return False  # "no international shipping", "without overseas suppliers"
    if _NEGATED_INSIDE.search(low, start, end):
        return False
    how = _context(page, start, end)
    if kind == "customs":
        # "If your parcel is held by customs, we reship it": a condition still says the parcel crosses a border.
        if how == REFUSAL:
            return False
        if how == WARNING:
            before = low[max(0, start - 160) : start]
            return not (_WARNING_BEFORE.search(before) or _WARNING_AFTER.search(low, end, min(len(low), end + 160)))
        return True
    if how != CLAIM:
        return False
    return not _TAKEN_BACK.match(low, end, min(len(low), end + 80))


# ----------------------------------------------------------------------------------------------
# Reading the pages


_SELL_KINDS = tuple(dict.fromkeys(p.kind for p in _SELLS))
_SOURCE_KINDS = tuple(dict.fromkeys(p.kind for p in _SOURCED))


def _add(reading: _Reading, bag: EvidenceBag, key: str, page: Page, start: int, end: int, why: str) -> None:
    """Evidence once per fact (a footer on every page is one item) and once per sentence."""
    sentence = (id(bag), page.url, sentence_bounds(page, start, end)[0])
    if key not in bag and sentence in reading.sentences:
        return
    reading.sentences.add(sentence)
    bag.add(key, page.url, page.snippet(start, end), "text", why)


def _read_sells(page: Page, low: str, home: set[str], reading: _Reading) -> None:
    for hit in _hits(page, low, _SELLS):
        kind, start, end = hit.pattern.kind, hit.start, hit.end
        if not _is_claim(page, low, start, end, kind):
            continue
        if kind in ("ship_to", "cust", "cmp"):
            if not home:
                continue  # "we ship to the USA" says nothing without knowing where the pharmacy is
            place, nat = hit.span("place"), hit.span("nat")
            if place:
                targets, _ = _places(page, low, *place)
            else:
                code = _nationality(page, low, *nat) if nat else None
                if code == "IN" and low[max(0, nat[0] - 9) : nat[0]] == "american ":
                    code = None  # "American Indian patients" live in the US
                targets = [code] if code else []
            foreign = [c for c in targets if c not in home]
            if not foreign:
                continue
            reading.targets.update(foreign)
            why = {
                "ship_to": f"the site ships to {_names(foreign)}, outside its own country",
                "cust": f"the site addresses buyers in {_names(foreign)}, outside its own country",
                "cmp": f"the site compares its prices with those of {_names(foreign)}, where its buyers are",
            }[kind]
        else:
            why = {
                "world": "the site ships to other countries",
                "intl": "the site presents itself as an international pharmacy",
                "customs": "the site expects parcels to pass through customs: they cross a border",
            }[kind]
        reading.kinds.add(kind)
        _add(reading, reading.sells, f"{kind}:{hit.words}", page, start, end, why)


def _read_sourced(page: Page, low: str, home: set[str], reading: _Reading) -> None:
    for hit in _hits(page, low, _SOURCED):
        kind, start, end = hit.pattern.kind, hit.start, hit.end
        if kind == "rx_foreign":
            # "Manitoba pharmacists are not permitted to fill US physicians' prescriptions. They can only fill
            # prescriptions issued by a physician licensed in a province of Canada": said of the pharmacy's own
            # prescribers, not a refusal in the first person ("We cannot accept prescriptions from US doctors").
            if not home or not _RX_NEGATION.search(low, max(0, start - 40), start):
                continue
            nat = _nationality(page, low, *hit.span("nat"))
            if nat is None or nat in home or _context(page, start, end) == REFUSAL:
                continue
            if not _RX_CUE.search(low, start, min(len(low), end + 400)):
                continue
            foreign = [nat]
            why = (f"the pharmacy cannot fill prescriptions from {_names([nat])}, where its buyers are: a prescriber "
                   "of its own country issues them instead")
            start = max(0, start - 40)
        else:
            if not _is_claim(page, low, start, end, kind):
                continue
            place = hit.span("place")
            foreign = []
            if place:
                named, others = _places(page, low, *place)
                foreign = [c for c in named if c not in home]
                if home:
                    if not foreign and not others:
                        continue  # "medication from Canada" on a Canadian site
                elif kind != "from" and len(named) < 2 and not others:
                    continue  # one country, and the pharmacy's own country is unknown: it may be that one
            why = {
                "partners": "medicines come from the site's international or overseas partners, pharmacies or warehouses",
                "located": "medicines are dispensed by a pharmacy in another country",
                "from": "medicines are shipped or sourced from another country",
                "meds": "the site sells medicines from other countries",
                "other": "medicines come from pharmacies or suppliers in other countries",
                "rewrite": "prescriptions are re-written or co-signed: a prescriber of another country steps in",
            }[kind]
            if foreign:
                why += f" ({_names(foreign)})"
            reading.sources.update(foreign)  # (for rx_foreign, the country is the buyers', not a source)
        reading.kinds.add(kind)
        _add(reading, reading.sourced, f"{kind}:{hit.words}", page, start, end, why)


def _read_domestic(page: Page, reading: _Reading) -> None:
    for n, m in enumerate(scan(page, _DOMESTIC)):
        if n >= _MAX_MATCHES:
            break
        if _context(page, m.start(), m.end()) == WARNING and "?" not in m.group(0):
            continue  # advice about other sites, not the pharmacy's own rule
        quote = page.snippet(m.start(), m.end())
        reading.domestic.add(quote.lower(), page.url, quote, "text", "the site says it sells only at home (a good sign)")


# ----------------------------------------------------------------------------------------------
# The rule


def check(site: Site) -> Iterator[Finding]:
    """Pure: reads the Site only."""
    if not site.pages or not any(page.text.strip() for page in site.pages):
        yield Finding(outcome="cross-border-not-applicable", status=NOT_APPLICABLE,
                      message="No page text could be read, so cross-border selling was not checked.",
                      searched=site.urls)  # fmt: skip
        return
    location = _locate(site)
    home = _expand(location.countries)
    reading = _Reading()
    for page in site.pages:
        low = lower_text(page)
        _read_sells(page, low, home, reading)
        _read_sourced(page, low, home, reading)

    # Prices in another country's currency, when the street address says where the pharmacy is.
    money = currencies(site)
    foreign_money: list[str] = []
    money_evidence: list[Evidence] = []
    if location.source == "address":
        for code, entry in money.items():
            if not (entry.explicit or entry.amounts >= 2) or _HOME_OF[code] & home:
                continue
            foreign_money.append(code)
            url, quote, why = entry.code_evidence or entry.evidence
            money_evidence.append(Evidence(url=url, quote=quote, where="text",
                                           why=f"{why}, while the address is in {_names(location.countries)}"))  # fmt: skip
    currency_facts = {code: {"amounts": e.amounts, "explicit": e.explicit} for code, e in sorted(money.items())}
    facts = {
        "location": sorted(location.countries),
        "location_source": location.source,
        "currencies": currency_facts,
    }
    flagged = False

    if foreign_money or reading.sells:
        flagged = True
        what = []
        if foreign_money:
            what.append("prices in " + ", ".join(_CURRENCY_NAMES[c] for c in foreign_money))
        if reading.targets:
            what.append("buyers in " + _names(reading.targets))
        if reading.sells and not reading.targets:
            what.append("shipping to other countries")
        evidence = location.evidence[:1] + money_evidence[:2] + reading.sells.evidence()
        yield Finding(
            outcome="cross-border-shipping", status=WARN,
            message=((f"The pharmacy appears to be in {_names(location.countries)} but sells to buyers elsewhere"
                      if location.countries else "The site does not show where it is, but sells to buyers elsewhere")
                     + f" ({'; '.join(what)}). Medicines bought from another country may be unapproved or counterfeit, "
                     "and importing prescription drugs into the US is generally illegal."),
            evidence=evidence[: _LIMIT + 2],
            facts={**facts, "foreign_currencies": foreign_money, "sells_to": sorted(reading.targets),
                   "signals": sorted(k for k in reading.kinds if k in _SELL_KINDS)
                   + (["currency"] if foreign_money else [])},
        )  # fmt: skip
    if reading.sourced:
        flagged = True
        countries = f" ({_names(reading.sources)})" if reading.sources else ""
        evidence = reading.sourced.evidence() + location.evidence[:1]
        yield Finding(
            outcome="cross-border-foreign-sourcing", status=WARN,
            message=(f"Medicines may be dispensed or sourced from pharmacies in other countries{countries}: "
                     "no regulator of your country oversees them, and such medicines may be unapproved or counterfeit."),
            evidence=evidence,
            facts={**facts, "sourced_from": sorted(reading.sources),
                   "signals": sorted(k for k in reading.kinds if k in _SOURCE_KINDS)},
        )  # fmt: skip
    if (foreign_money or reading.sells) and reading.sourced:
        # Both at once: medicines from pharmacies in third countries, sent to buyers in yet another. In the
        # buyer's country they are unapproved medicines, whatever the seller's own licence says.
        yield Finding(
            outcome="cross-border-foreign-medicines-exported", status=FAIL,
            message=("The site sells to buyers in other countries medicines that it sources from pharmacies in"
                     " third countries. Where the buyer lives, such medicines are unapproved: no regulator there"
                     " approved the product or oversees the pharmacies that handled it (the pattern of the"
                     " \"Canadian\" pharmacies whose operators were convicted of selling counterfeit and misbranded"
                     " drugs)."),
            evidence=(reading.sourced.evidence()[:2] + money_evidence[:1] + reading.sells.evidence()[:2])[:_LIMIT],
            facts={"sells_to": sorted(reading.targets), "sourced_from": sorted(reading.sources),
                   "foreign_currencies": foreign_money},
        )  # fmt: skip
    if not flagged:
        for page in site.pages:
            _read_domestic(page, reading)
        good = reading.domestic.evidence()
        yield Finding(
            outcome="cross-border-none", status=INFO,
            message=("No sign was found that the site sells to other countries or sources medicines abroad"
                     + (" (it says it sells only at home)." if good else ".")),
            evidence=good, searched=site.urls,
            facts={**facts, "looked_for": ["prices in a foreign currency", "shipping abroad or worldwide",
                                           "buyers in another country", "partner pharmacies or suppliers abroad",
                                           "medicines shipped from another country"]},
        )  # fmt: skip
