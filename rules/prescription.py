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

import bisect
import re
from dataclasses import dataclass
from typing import Iterator
from urllib.parse import unquote

from pharmcheck.findings import FAIL, NOT_APPLICABLE, PASS, Evidence, Finding
from pharmcheck import facts as site_facts
from pharmcheck.rules import _drugs, _lexicon, _medicines
from pharmcheck.rules._drugs import CLAIM, QUESTION, REFUSAL, scan
from pharmcheck.rules._rx_phrases import (
    _BENIGN,
    _CONSULT,
    _DOCTORISH,
    _DOCTOR_INSTEAD,
    _PHARMACIST,
    _RED,
    _RED_WORD,
    _REGISTER_HOSTS,
    _REGISTER_IMAGE,
    _REGISTER_WORD,
    _REGULATOR,
    _REQUIRED,
    _REQUIRED_WHY,
    _URL_WORDS,
)
from pharmcheck.site import Page, Site

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
# Limits

_LIMIT = 8  # evidence items per finding
_NEAR = 50  # characters between a red flag and the drug it names
# Red-flag phrases read per page, warnings included. A page that repeats "without a prescription" more
# often is a page of warnings or of offers either way; reading on would only cost time.
_MAX_RED = 30


@dataclass
class Hit:
    kind: str
    url: str
    quote: str
    where: str
    names_drug: bool  # the sentence names a prescription-only drug


# ----------------------------------------------------------------------------------------------
# Reading a page


def _needs_prescription(med) -> bool:
    """A medicine that needs a prescription everywhere it is authorised (Viagra Connect, a UK pharmacy
    medicine, does not: "no prescription needed" is true of it)."""
    return med.prescription_only and not med.ambiguous and not med.sold_without_prescription_in(_medicines.REGIONS)


def _names_drug(page: Page, lo: int, hi: int) -> bool:
    """Does ``page.text[lo:hi]`` name a prescription-only medicine (not in a comparison)?"""
    mentions = site_facts.page_facts(page).mentions
    i = bisect.bisect_left(mentions, lo, key=lambda mention: mention.start)
    while i < len(mentions) and mentions[i].start < hi:
        m = mentions[i]
        if _needs_prescription(m.medicine) and not _drugs.is_comparison(page.text, m.start, m.end):
            return True
        i += 1
    return False


def _names_otc_medicine(page: Page, lo: int, hi: int) -> bool:
    """Does ``page.text[lo:hi]`` name a medicine sold without a prescription somewhere (Viagra Connect, ibuprofen)?"""
    return any(lo <= m.start < hi and not m.ambiguous and m.medicine.sold_without_prescription_in(_medicines.REGIONS)
               for m in site_facts.page_facts(page).mentions)


def _short_names_drug(text: str) -> bool:
    return any(_needs_prescription(m.medicine) and not _drugs.is_comparison(text, m.start, m.end)
               for m in _medicines.find_in(text))


class _Reading:
    """Everything the rule finds on a site, sorted into red flags, requirements and consultations."""

    def __init__(self) -> None:
        self.red: list[Hit] = []
        self.required: list[Hit] = []
        self.consult: list[Hit] = []
        self.regulator: list[Hit] = []
        self.ignored: list[Hit] = []  # warnings, questions and refusals that are not red flags
        self.red_spans: dict[str, list[tuple[int, int]]] = {}  # where red-flag phrases are, by page
        self._seen: set[tuple[str, str]] = set()

    def add(self, bucket: str, hit: Hit) -> None:
        """Add to one of the lists ("red", "required", ...), one item per quote in each list."""
        key = (bucket, " ".join(hit.quote.lower().split()))
        if key in self._seen:
            return
        self._seen.add(key)
        getattr(self, bucket).append(hit)


def _red_in_text(page: Page, reading: _Reading, red_spans: list[tuple[int, int]]) -> None:
    low = _drugs.lower_text(page)
    read: set[str] = set()  # sentences already read: boilerplate repeats on a page
    for count, m in enumerate(scan(page, _RED)):
        if count >= _MAX_RED:
            break
        kind = (m.lastgroup or "").replace("_", "-")
        red_spans.append((m.start(), m.end()))
        if site_facts.crosses_blocks(page, m.start(), m.end()):
            continue  # read across two blocks of the flattened text: never written as one phrase
        key = low[max(0, m.start() - 60) : m.end() + 30]
        if key in read:
            continue
        read.add(key)
        lo, hi = _drugs.sentence_bounds(page, m.start(), m.end())
        quote = site_facts.block_quote(page, m.start(), m.end())
        # A drug named close by, in the same sentence: "Buy Xanax online, no prescription needed". (Blocks run
        # together in page.text, so a product card just before "Vitamins need no prescription" is not close.)
        names_drug = _names_drug(page, max(lo, m.start() - _NEAR), min(hi, m.end() + _NEAR))
        verdict = _drugs.context(page, m.start(), m.end(), bounds=(lo, hi))
        if verdict == REFUSAL:  # "We never dispense without a valid prescription"
            reading.add("required", Hit("refusal", page.url, quote, "text", names_drug))
            continue
        if verdict != CLAIM:
            reading.add("ignored", Hit(verdict, page.url, quote, "text", names_drug))
            continue
        if not names_drug and (kind == "foreign" or _BENIGN.search(low, lo, hi) or _names_otc_medicine(page, lo, hi)):
            reading.add("ignored", Hit("over-the-counter", page.url, quote, "text", names_drug))
            continue
        # "No prescription needed: free online consultation", "No prescription? Our doctors can issue one"
        # (the next sentence counts when this one asks).
        sentence = low[lo : hi + 160] if low[lo:hi].rstrip().endswith(("?", ":")) else low[lo:hi]
        if _DOCTOR_INSTEAD.search(sentence):
            reading.add("consult", Hit(f"{kind}-doctor-instead", page.url, quote, "text", names_drug))
            continue
        reading.add("red", Hit(kind, page.url, quote, "text", names_drug))


def _red_in_short(text: str, url: str, where: str, reading: _Reading) -> None:
    """Red flags in a title, a link, an image text or a link address: each is read on its own."""
    low = text.lower()
    for m in _RED.rx.finditer(low):
        kind = (m.lastgroup or "").replace("_", "-")
        names_drug = _short_names_drug(text)
        if _drugs.classify(text, m.start(), m.end()) != CLAIM:
            continue
        if not names_drug and (kind == "foreign" or _BENIGN.search(low)):
            continue
        reading.add("red", Hit(kind, url, text, where, names_drug))
        return


def _red_in_links(page: Page, reading: _Reading) -> None:
    """Red flags in link texts and link addresses: "Buy Xanax no prescription", /buy-xanax-without-prescription."""
    links = [link for link in page.links if not link.url.startswith(("mailto:", "tel:"))]
    if not links:
        return
    # One search over all the link texts and addresses at once: most pages have none of the words.
    texts = [link.text.lower() for link in links]
    in_texts = _RED.rx.search("\x00".join(texts)) is not None
    in_urls = _RED_WORD.search("\n".join(link.url for link in links).lower()) is not None
    if not (in_texts or in_urls):
        return
    for link, text in zip(links, texts):
        if in_texts and _RED.rx.search(text):
            before = len(reading.red)
            _red_in_short(link.text, page.url, "link", reading)
            same = next((h for h in reading.red if h.where == "text" and h.quote == link.text and h.url == page.url), None)
            if len(reading.red) == before and same is not None:
                # Read in the text already, quoted from its block: the link is the better proof.
                same.where, same.quote = "link", f"{link.text} -> {link.url}"
            elif len(reading.red) > before:
                # The link text is also in the page text: a warning around it ("Beware of sites that offer
                # <a>Xanax without prescription</a>") outranks the link read on its own.
                i = page.text.find(link.text)
                if i != -1 and _drugs.context(page, i, i + len(link.text)) != CLAIM:
                    reading.red.pop()
                else:
                    reading.red[-1].quote = f"{link.text} -> {link.url}"
            continue
        if not (in_urls and _RED_WORD.search(link.url.lower())):
            continue
        split = _drugs.split_url(link.url)
        path = _URL_WORDS.sub(" ", unquote(split.path).lower()) if split else ""
        if _RED.rx.search(path):
            before = len(reading.red)
            _red_in_short(path.strip(), page.url, "link", reading)
            if len(reading.red) > before:
                reading.red[-1].quote = f"{link.text or path.strip()} -> {link.url}"


def _red_in_lexicons(page: Page, reading: _Reading, red_spans: list[tuple[int, int]]) -> None:
    """Red flags in the page's languages (the lexicons): "Kein Rezept erforderlich", "Pas besoin d'ordonnance".

    A phrase that is part of the name of an over-the-counter range ("Médicaments sans ordonnance",
    "rezeptfreie Arzneimittel") is not a red flag, unless its block names a prescription-only medicine
    ("Viagra bez recepty").
    """
    otc = _lexicon.find(page, "otc_words")
    for key, kind in (("no_prescription", "no-prescription"), ("no_restrictions", "no-restrictions")):
        for lo, hi in _lexicon.find(page, key)[:_MAX_RED]:
            if any(a < hi and lo < b for a, b in red_spans):
                continue  # the English reading has it already
            red_spans.append((lo, hi))
            quote = site_facts.block_quote(page, lo, hi)
            b = page.block_at(lo, hi)
            blo, bhi = (page.blocks[b].start, page.blocks[b].end) if b != -1 else _drugs.sentence_bounds(page, lo, hi)
            names_drug = _names_drug(page, max(blo, lo - 200), min(bhi, hi + 200))
            verdict = _drugs.context(page, lo, hi)
            if verdict == REFUSAL:
                reading.add("required", Hit("refusal", page.url, quote, "text", names_drug))
                continue
            warning = _lexicon.combined(_lexicon.page_languages(page), "warning")
            s_lo, s_hi = _drugs.sentence_bounds(page.text, lo, hi)
            if warning is not None and warning.search(_lexicon.lower(page), s_lo, s_hi):
                reading.add("ignored", Hit("warning", page.url, quote, "text", names_drug))
                continue
            if verdict != CLAIM or _lexicon.combined(_lexicon.page_languages(page), "refusal") is not None and \
                    _lexicon.combined(_lexicon.page_languages(page), "refusal").search(_lexicon.lower(page), max(blo, lo - 80), hi):
                reading.add("ignored", Hit(verdict if verdict != CLAIM else "refusal", page.url, quote, "text", names_drug))
                continue
            bare = key == "no_prescription" and site_facts.is_bare_label(page, lo, hi) and len(page.text[lo:hi].split()) <= 2
            if not names_drug and (bare or any(a < hi and lo < b2 for a, b2 in otc) or site_facts.said_of_otc_products(page, lo, hi)
                                   or _names_otc_medicine(page, blo, bhi)):
                reading.add("ignored", Hit("over-the-counter", page.url, quote, "text", names_drug))
                continue
            reading.add("red", Hit(kind, page.url, quote, "text", names_drug))


def _read_red_flags(page: Page, reading: _Reading) -> None:
    red_spans = reading.red_spans.setdefault(page.url, [])
    _red_in_text(page, reading, red_spans)
    _red_in_lexicons(page, reading, red_spans)

    # Short texts that are not part of the visible text, or that stand on their own.
    if page.title:
        _red_in_short(page.title, page.url, "title", reading)
    description = page.meta.get("description", "")
    if description:
        _red_in_short(description, page.url, "meta", reading)
    alts = [image.alt for image in page.images if image.alt]
    if alts and _RED.search("\x00".join(alts).lower()):  # one search for all the image texts
        for alt in alts:
            if _RED.search(alt.lower()):
                _red_in_short(alt, page.url, "image", reading)
    _red_in_links(page, reading)


def _read_claims(page: Page, reading: _Reading) -> None:
    """Requirement claims, consultations and regulators (read only when the rule applies)."""
    low = _drugs.lower_text(page)
    red_spans = reading.red_spans.get(page.url, [])
    # Requirement claims, unless they are part of a red flag ("no prescription required").
    found = 0
    for m in scan(page, _REQUIRED):
        if found >= _LIMIT:
            break  # enough evidence from this page; more would only cost time
        if any(m.start() < hi and lo < m.end() for lo, hi in red_spans):
            continue
        if site_facts.crosses_blocks(page, m.start(), m.end()):
            continue
        if _drugs.context(page, m.start(), m.end()) != CLAIM:
            continue
        kind = (m.lastgroup or "").replace("_", "-")
        reading.add("required", Hit(kind, page.url, site_facts.block_quote(page, m.start(), m.end()), "text", False))
        found += 1
    for lo, hi in _lexicon.find(page, "pharmacy_services")[:_LIMIT]:
        # "Rezept einlösen", "E-Rezept", "envoyez votre ordonnance": the pharmacy takes prescriptions.
        # Only a service that names the prescription itself ("Rezept einlösen", not "Notdienst").
        if _lexicon.has(page.text[lo:hi], "prescription_words", _lexicon.LANGUAGES) and _drugs.context(page, lo, hi) == CLAIM:
            reading.add("required", Hit("refill", page.url, site_facts.block_quote(page, lo, hi), "text", False))
    for lo, hi in _lexicon.find(page, "prescription_required")[:_LIMIT]:
        if any(lo < b and a < hi for a, b in red_spans):
            continue
        if _drugs.context(page, lo, hi) == CLAIM:
            reading.add("required", Hit("required", page.url, site_facts.block_quote(page, lo, hi), "text", False))
    for form in page.forms:
        fields = " ".join(form.fields)
        if "file:" in fields and re.search(r"prescri|rx|rezept|ordonnance|receta", fields + " " + form.action, re.I):
            reading.add("required", Hit("form", page.url, f"form -> {form.action} ({fields[:120]})", "form", False))

    # Consultations that replace a prescription.
    for m in scan(page, _CONSULT):
        lo, hi = _drugs.sentence_bounds(page, m.start(), m.end())
        sentence = low[lo:hi]
        if _PHARMACIST.search(sentence) and not _DOCTORISH.search(sentence):
            continue  # a pharmacist's advice, not a prescriber
        if m.group(0).endswith("questions") and not (_DOCTORISH.search(sentence) or "prescri" in sentence):
            continue  # "answer a few questions" to open an account or transfer a prescription
        if _drugs.context(page, m.start(), m.end(), bounds=(lo, hi)) not in (CLAIM, QUESTION):
            continue
        kind = "online-doctor" if m.lastgroup == "weak" else "consultation"
        reading.add("consult", Hit(kind, page.url, site_facts.block_quote(page, m.start(), m.end()), "text", False))

    # Regulators.
    for m in scan(page, _REGULATOR):
        if _drugs.context(page, m.start(), m.end()) == CLAIM:
            reading.add("regulator", Hit("regulator", page.url, site_facts.block_quote(page, m.start(), m.end()), "text", False))
    register_links = [link for link in page.links if _REGISTER_WORD.search(link.url.lower())] if _REGISTER_WORD.search(
        "\n".join(link.url for link in page.links).lower()) else []
    for link in register_links:
        split = _drugs.split_url(link.url) if link.url.startswith("http") else None
        host = (split.hostname or "").lower() if split else ""
        labels = host.split(".")
        if any(".".join(labels[i:]) in _REGISTER_HOSTS for i in range(max(0, len(labels) - 4), len(labels) - 1)):
            reading.add("regulator", Hit("register-link", page.url, f"{link.text or 'link'} -> {link.url}", "link", False))
    for image in page.images:
        if _REGISTER_IMAGE.search(f"{image.alt} {image.src}".lower()):
            reading.add("regulator", Hit("register-logo", page.url, f"{image.alt or 'image'} ({image.src})", "image", False))


def read_site(site: Site, claims: bool = True) -> _Reading:
    """Read the red flags of every page, and with ``claims`` the requirements, consultations and regulators."""
    reading = _Reading()
    for page in site.pages:
        _read_red_flags(page, reading)
    if claims:
        read_claims(site, reading)
    return reading


def read_claims(site: Site, reading: _Reading) -> None:
    for page in site.pages:
        _read_claims(page, reading)


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
