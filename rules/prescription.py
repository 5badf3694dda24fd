"""Prescription required

What it checks
    Whether the site asks for a valid prescription before it dispenses prescription-only medicines, or
    says it does not need one. It reads every sentence of the pages fetched, their titles, image texts,
    link texts and link addresses, and sorts what it finds:

    * red flags: "no prescription needed", "without a prescription", "no Rx", "prescription not
      required", "we don't require a prescription", "no doctor visit", "no script", "Buy Xanax without
      prescription" (a link, a title or an address counts as much as a sentence);
    * an online questionnaire or a "free online consultation" that replaces a prescription ("answer a few
      questions and our doctors will issue your prescription");
    * signs of a regulated online-doctor service (UK/EU): a General Pharmaceutical Council (GPhC)
      registration, the Care Quality Commission (CQC), a Pharmaceutical Society registration, the EU common
      logo or a link to a national register of online medicine sellers;
    * requirement claims: "a valid prescription is required", "upload your prescription", "have your
      doctor send or e-prescribe it", "we verify every prescription with your prescriber", prescription
      refills and transfers, "we never dispense without a valid prescription".

    Context matters: "It is illegal to buy Xanax without a prescription", "Beware of sites that sell
    drugs with no prescription", "If there is no prescription on file, we call your doctor" and "Can I
    buy Viagra without a prescription?" are warnings, conditions or questions, not red flags (unless the
    answer is "Yes" or "No problem"); "We do not sell medicines without a prescription" is a requirement. Over-the-counter
    products, vitamins and supplements sold "without a prescription" are not red flags, unless the sentence
    names a prescription-only drug.

Why it matters
    FDA BeSafeRx, NABP and the pharmacy boards give the same first rule: a safe online pharmacy requires a
    valid prescription from your own doctor or prescriber. A shop that sells prescription medicines
    without one breaks the law, skips the check that the medicine is safe for you, and is the kind of shop
    that sells counterfeit medicines.

Passes
    "Upload your prescription or have your doctor e-prescribe it to us. Our pharmacists verify every
    prescription." A mail-order pharmacy whose pages offer "Refill your Rx" and "Transfer your Rx".

Fails
    * "Buy Xanax online, no prescription needed!" (``prescription-not-required``).
    * "Complete our free online consultation: our doctors approve your order" with no sign of a UK/EU
      regulator (``prescription-questionnaire``).
    * A shop that lists "Viagra 100 mg x 30 pills $39.90 Add to cart" and never mentions a prescription
      (``prescription-not-mentioned``): most rogue shops never say the word. Silence fails as surely as
      "no prescription needed".

    When a site has both red flags and requirement claims, the red flag wins: rogue shops paste
    compliance text ("a valid prescription is required") next to "no prescription needed". The claims are
    listed in the finding's facts.

Limits
    A questionnaire on a regulated UK or EU service is not failed, but the registration it shows is a
    claim: check it on the regulator's register (the GPhC register, the national list behind the EU
    logo). A LegitScript certification counts as such a registration for US telehealth; a US telehealth
    service that shows none is failed as a questionnaire. A UK "pharmacy medicine" sold after a chat with
    a pharmacist (Viagra Connect) is lawful: the medicine table knows its status, so "no prescription needed"
    said of it, or of ibuprofen, is not a red flag. A pharmacy that presents itself as one but
    neither offers prescription medicines nor mentions prescriptions on the pages read is not checked
    (``prescription-not-applicable``): an over-the-counter shop looks the same as a catalogue that was not
    fetched.

    The page text runs its blocks together, so the rule cannot always see where a sentence ends: a red
    flag counts as naming a drug when the name is within 50 characters of it. At most 30 red-flag phrases
    are read per page. The rule reads English, with a few words of German, French, Spanish and Italian;
    pages built by JavaScript are not read.

What to do
    Buy prescription medicines only from a pharmacy that asks for your prescription and checks it with
    your prescriber. If a site offers to sell them without one, or after a questionnaire, do not buy.
"""

from __future__ import annotations

from typing import Iterator

from pharmcheck import facts as site_facts
from pharmcheck.findings import FAIL, NOT_APPLICABLE, PASS, Evidence, Finding
from pharmcheck.rules._rx_phrases import _REQUIRED_WHY
from pharmcheck.rules._rx_reading import _LIMIT, Hit, read_claims, read_site
from pharmcheck.site import Site

ID = "prescription"
TITLE = "Prescription required"
OUTCOMES = {
    "prescription-required": "The site asks for a valid prescription (upload, prescriber sends it, refills, verification).",
    "prescription-not-required": "The site says prescription medicines can be had without a prescription.",
    "prescription-questionnaire": "An online questionnaire or consultation replaces the prescription, with no sign of a regulated service.",
    "prescription-regulated-online-consultation": "An online consultation by a service that shows a UK/EU regulator registration: it issues real prescriptions (verify the registration).",
    "prescription-not-mentioned": "Prescription medicines are offered for sale and no page asks for a prescription.",
    "prescription-not-applicable": "No prescription medicines offered and no word about prescriptions: not checked.",
}

# ----------------------------------------------------------------------------------------------
# The rule

_LOOKED_FOR = [
    "a prescription requirement: 'valid prescription required', 'upload your prescription', "
    "'have your doctor send or e-prescribe', 'we verify every prescription', refills and transfers",
    "red flags: 'no prescription needed', 'without a prescription', 'no Rx', 'no doctor visit'",
    "an online questionnaire or consultation instead of a prescription",
]


def _evidence(hits: list[Hit], why: str | dict[str, str], limit: int = _LIMIT) -> list[Evidence]:
    out = []
    for hit in hits[:limit]:
        reason = why if isinstance(why, str) else why.get(hit.kind, "")
        out.append(Evidence(url=hit.url, quote=hit.quote, where=hit.where, why=reason))
    return out


def _offer_evidence(offers: list[site_facts.Offer], limit: int = 4) -> list[Evidence]:
    seen: set[str] = set()
    out = []
    for offer in sorted(offers, key=lambda o: not o.strong):
        if offer.medicine.generic in seen:
            continue
        seen.add(offer.medicine.generic)
        out.append(Evidence(url=offer.url, quote=offer.quote, where=offer.where,
                            why=f"{offer.why}: {offer.medicine.label}"))
        if len(out) >= limit:
            break
    return out


def _quotes(hits: list[Hit], limit: int = 5) -> list[str]:
    return [h.quote for h in hits[:limit]]


def check(site: Site) -> Iterator[Finding]:
    from pharmcheck.rules import gate_answer

    gate = gate_answer(site)
    reading = read_site(site, claims=False)
    # Red flags on a site that is not a pharmacy count only when they name a prescription drug
    # ("Order Xanax, no prescription"); "a herbal pill you can buy without prescription" does not.
    red = reading.red
    if not gate.detected:
        # A page that sells nothing: "sites that sell Viagra without a prescription" is news, not a claim. What was
        # read is kept in the facts.
        yield Finding(
            outcome="prescription-not-applicable",
            status=NOT_APPLICABLE,
            message="The site does not appear to sell prescription medicines, so the prescription check does not apply.",
            searched=site.urls,
            facts={"phrases_read_but_not_claims": _quotes(red, 3)},
        )
        return

    read_claims(site, reading)
    offers = gate.offers
    offered = site_facts.offered_labels(offers)
    regulated = bool(reading.regulator)
    consult = reading.consult
    if regulated:
        # A regulated online doctor says "no need to see your GP": that is the consultation, not a red flag.
        consult = consult + [h for h in red if h.kind == "no-doctor"]
        red = [h for h in red if h.kind != "no-doctor"]
    facts = {
        "rx_drugs_offered": offered,
        "red_flags": len(red),
        "requirement_claims": _quotes(reading.required),
        "consultation": _quotes(consult, 3),
        "regulator_claims": _quotes(reading.regulator, 3),
        "not_counted": [f"{h.kind}: {h.quote}" for h in reading.ignored[:5]],
    }

    if red:
        message = "The site offers prescription medicines without a prescription."
        if reading.required:
            message += (
                " It also claims to require prescriptions elsewhere; the red flag wins, because rogue shops paste"
                " such compliance text next to their offers."
            )
        yield Finding(
            outcome="prescription-not-required",
            status=FAIL,
            message=message,
            evidence=_evidence(red, "a prescription-only medicine offered without a prescription"),
            facts=facts,
        )
        return

    # A bare "online doctor" mention does not outweigh a plain prescription requirement.
    if consult and not (reading.required and all(h.kind == "online-doctor" for h in consult)):
        evidence = _evidence(consult, "an online questionnaire or consultation stands in for a prescription", 4)
        if regulated:
            yield Finding(
                outcome="prescription-regulated-online-consultation",
                status=PASS,
                message=(
                    "Prescriptions are issued after an online consultation by a service that shows a UK/EU"
                    " regulator registration. Check the registration on the regulator's register before you buy."
                ),
                evidence=evidence + _evidence(reading.regulator, "the site shows a registration with a regulator", 4),
                facts=facts,
            )
        else:
            yield Finding(
                outcome="prescription-questionnaire",
                status=FAIL,
                message=(
                    "An online questionnaire or consultation replaces a prescription from your own prescriber, and"
                    " the site shows no registration with a regulator of online doctors."
                ),
                evidence=evidence,
                searched=site.urls,
                facts=facts,
            )
        return

    if reading.required:
        yield Finding(
            outcome="prescription-required",
            status=PASS,
            message=(
                "The site says it needs a valid prescription before it dispenses prescription medicines (upload,"
                " prescriber, refills or verification)."
            ),
            evidence=_evidence(reading.required, _REQUIRED_WHY),
            facts=facts,
        )
        return

    if offers:
        yield Finding(
            outcome="prescription-not-mentioned",
            status=FAIL,
            message=(
                f"The site offers prescription medicines ({', '.join(offered[:5])}{' ...' if len(offered) > 5 else ''})"
                " and none of the pages read asks for a prescription."
            ),
            evidence=_offer_evidence(offers),
            searched=site.urls,
            facts={**facts, "looked_for": _LOOKED_FOR},
        )
        return

    # A pharmacy by its own description, but no prescription medicine offered and no word about
    # prescriptions on the pages read: nothing to judge (an over-the-counter shop, or a catalogue that was
    # not fetched). The facts say so; the finding carries no weight.
    yield Finding(
        outcome="prescription-not-applicable",
        status=NOT_APPLICABLE,
        message=(
            "The site presents itself as a pharmacy, but none of the pages read offers prescription medicines or"
            " says how it handles prescriptions: nothing to check."
        ),
        searched=site.urls,
        facts={**facts, "reason": "pharmacy-without-rx-offers", "looked_for": _LOOKED_FOR},
    )
