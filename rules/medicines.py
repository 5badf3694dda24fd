"""Medicines offered

What it checks
    Which medicines the site offers for sale, looked up in pharmcheck's one medicine table
    (``rules/data/medicines.json``: each name with its active ingredients, its status in the US, the UK,
    the EU and Canada, and its US controlled-substance schedule):

    * brands that have no marketing authorisation in any of the US, the UK, the EU or Canada, such as
      Kamagra, Cenforce, Sildalist, Vidalista, Fildena, Malegra, Suhagra, Tadalista, Modalert, Waklert or
      Artvigil (made for other markets and sold into these by rogue shops), and made-up variants such as
      "Viagra Soft" or "Cialis Professional";
    * controlled substances (US DEA schedules II-V, UK Misuse of Drugs Act classes): opioids,
      benzodiazepines, sleeping pills, stimulants, anabolic steroids, offered with a price or a cart;
    * such brands named on the pages of a pharmacy outside a warning, even where no price is read.

Why it matters
    A shop that sells a medicine no regulator has authorised cannot be a lawful pharmacy in those
    markets, whatever it says about prescriptions: "prescription required" is a cheap claim (in a 2022
    study of 89 online pharmacies selling COVID-19 treatments, JMIR 2022;24(2):e27704, a third of the rogue
    sites asked for one). Controlled substances are what rogue shops sell most profitably and what does
    most harm; lawful online sale of them is rare and tightly regulated (in the US, the Ryan Haight Act).

Passes
    A pharmacy whose offers are all authorised medicines (``medicines-none-flagged``, no weight: it
    proves little).

Fails
    ``Kamagra Oral Jelly 100 mg, 7 sachets, EUR 19.90 [Add to cart]`` (``medicines-unauthorised-offered``:
    a critical mark, the site is "likely rogue"). ``Xanax 2 mg, 90 pills, $180, Add to cart``
    (``medicines-controlled-offered``: never "likely legitimate"; with no prescription step it is also a
    critical mark of the prescription rule).

Limits
    The table holds the names rogue shops sell most; a brand missing from it is not seen. A status is the
    table's reading of the regulators' registers on the date it gives (``rules/data/MEDICINES.md``).

What to do
    Do not buy a medicine that is not authorised where you live, nor a controlled substance from a site
    you cannot verify on your regulator's register.
"""

from __future__ import annotations

from typing import Iterator

from pharmcheck import facts
from pharmcheck.findings import FAIL, INFO, NOT_APPLICABLE, WARN, Evidence, Finding
from pharmcheck.rules import _drugs, _lexicon
from pharmcheck.site import Site

ID = "medicines"
TITLE = "Medicines offered"
OUTCOMES = {
    "medicines-unauthorised-offered": "The site offers a brand that is authorised in none of the US, the UK, the EU and Canada.",
    "medicines-unauthorised-named": "A pharmacy's pages name such a brand outside a warning, with no offer read.",
    "medicines-controlled-offered": "The site offers a controlled substance (US DEA schedule II-V, UK controlled drug).",
    "medicines-none-flagged": "The medicines offered are authorised and not controlled.",
    "medicines-not-applicable": "No medicine offered for sale: nothing to check.",
}
_LIMIT = 6


def _evidence(offers: list[facts.Offer], why: str) -> list[Evidence]:
    out: list[Evidence] = []
    seen: set[str] = set()
    for o in sorted(offers, key=lambda o: not o.strong):
        if o.medicine.key in seen:
            continue
        seen.add(o.medicine.key)
        out.append(Evidence(url=o.url, quote=o.quote, where=o.where, why=f"{why}: {o.medicine.label}"))
        if len(out) >= _LIMIT:
            break
    return out


def _status_words(offer: facts.Offer) -> str:
    med = offer.medicine
    if med.unauthorised:
        return f"{med.name} ({med.generic}) has no marketing authorisation in the US, the UK, the EU or Canada"
    return f"{med.name} ({med.generic}) is a controlled substance" + (f", US schedule {med.us_schedule}" if med.us_schedule else "")


def _named_unauthorised(site: Site) -> list[tuple[str, str, str]]:
    """Unauthorised brands named outside comparisons and warnings: (url, quote, label)."""
    out = []
    for page in site.pages:
        pf = facts.page_facts(page)
        warning = _lexicon.combined(pf.languages, "warning")
        for m in pf.mentions:
            if not m.medicine.unauthorised or m.ambiguous:
                continue
            if _drugs.is_comparison(page.text, m.start, m.end):
                continue
            lo, hi = _drugs.sentence_bounds(page.text, m.start, m.end)
            if _drugs.context(page, m.start, m.end, bounds=(lo, hi)) != _drugs.CLAIM:
                continue
            if warning is not None and warning.search(pf.low, lo, hi):
                continue
            out.append((page.url, facts.block_quote(page, m.start, m.end), m.medicine.label))
            if len(out) >= _LIMIT:
                return out
    return out


def check(site: Site) -> Iterator[Finding]:
    from pharmcheck.rules import gate_answer

    gate = gate_answer(site)
    offers = [o for o in facts.offers(site) if o.medicine.prescription_only or o.medicine.controlled]
    unauthorised = [o for o in offers if o.medicine.unauthorised]
    controlled = [o for o in offers if o.medicine.controlled and not o.medicine.unauthorised and (o.strong or o.price is not None)]
    listed = {"offers_checked": len(offers), "medicines": sorted({o.medicine.label for o in offers})[:30]}
    said = False
    if unauthorised:
        said = True
        names = sorted({o.medicine.label for o in unauthorised})
        yield Finding(
            outcome="medicines-unauthorised-offered",
            status=FAIL,
            message=(f"The site offers {', '.join(names[:5])}{' ...' if len(names) > 5 else ''}: authorised in none of"
                     " the US, the UK, the EU and Canada. A lawful pharmacy in those markets cannot sell it, whatever"
                     " the site says about prescriptions."),
            evidence=_evidence(unauthorised, "an offer of a brand with no marketing authorisation"),
            facts={**listed, "unauthorised": [o.to_dict() for o in unauthorised[:_LIMIT]]},
        )
    elif gate.detected:
        named = _named_unauthorised(site)
        if named:
            said = True
            labels = sorted({label for _u, _q, label in named})
            yield Finding(
                outcome="medicines-unauthorised-named",
                status=WARN,
                message=(f"The pages name {', '.join(labels[:5])}, a brand authorised in none of the US, the UK, the EU and"
                         " Canada, outside any warning. No offer with a price was read, but a pharmacy has no reason to"
                         " promote it."),
                evidence=[Evidence(url=u, quote=q, where="text", why=f"names an unauthorised brand: {label}") for u, q, label in named],
                facts=listed,
            )
    if controlled:
        names = sorted({o.medicine.label for o in controlled})
        yield Finding(
            outcome="medicines-controlled-offered",
            status=WARN,
            message=(f"The site offers controlled substances ({', '.join(names[:5])}{' ...' if len(names) > 5 else ''})."
                     " Lawful online sale of these is rare and tightly regulated; rogue shops sell them most."),
            evidence=_evidence(controlled, "an offer of a controlled substance"),
            facts={**listed, "controlled": [{"medicine": o.medicine.label, "us_schedule": o.medicine.us_schedule,
                                             "uk_controlled": o.medicine.uk_controlled} for o in controlled[:_LIMIT]]},
        )
    if unauthorised or controlled:
        return
    if offers:
        yield Finding(
            outcome="medicines-none-flagged",
            status=INFO,
            message="The medicines offered are authorised in at least one of the US, the UK, the EU and Canada and are not controlled substances.",
            facts=listed,
        )
        return
    if not said:
        yield Finding(
            outcome="medicines-not-applicable",
            status=NOT_APPLICABLE,
            message="No medicine offered for sale was read on the pages: nothing to check.",
            searched=site.urls,
            facts=listed,
        )
