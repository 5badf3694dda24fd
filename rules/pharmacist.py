"""A pharmacist you can reach, and a pharmacy licence you can check.

What it checks
    Consumer guidance (FDA BeSafeRx; NABP; the UK's GPhC; the Canadian provincial colleges) says a
    safe online pharmacy has a licensed pharmacist available to answer your questions, and shows
    the licence or registration that lets it dispense. This rule reports two separate signals.

    1. **A pharmacist can be reached.** Passes on an offer to talk to the site's own pharmacist:
       "Ask a pharmacist", "talk to our pharmacists", "pharmacist consultation", "pharmacist
       hotline/chat", "our pharmacists are available 24/7 at 1-800-...", an "Email a Pharmacist"
       link, or a named pharmacist ("Jane Doe, PharmD", "John Smith RPh", "Pharmacist-in-Charge",
       "Superintendent Pharmacist" in the UK).

       Generic advice is not availability. "Consult your doctor or pharmacist before use" (on any
       supplement label) or "ask a pharmacist if you are pregnant" tells you to see *a* pharmacist,
       not that this site has one. Such text, when it is the only mention, gives a warning
       (``pharmacist-generic-advice-only``), so that a page full of label boilerplate does not pass.
       An offer in a generic sentence still counts when the same sentence offers a way to reach
       the pharmacist (a phone number, "available", "24/7", "free", "chat", "call us").

    2. **A pharmacy licence or registration is shown.** Passes on a number: "Pharmacy License
       #PH-12345", "License Number 32195", "GPhC registration number 1234567", "NABP # 123456",
       "DEA # AB1234567", "NCPDP 1234567", "Licensed by the Ohio State Board of Pharmacy, licence
       no. 02-1234567"; the licensing body named nearby is reported too. Company and VAT numbers
       do not count. Without a number:

       * a seal or a regulator's name (CIPA, PCAB, NABP / .pharmacy / VIPPS, LegitScript, the EU
         common logo, GPhC, Health Canada, a Board of Pharmacy) gives a warning: a seal is an image
         anyone can copy, so look the pharmacy up on the issuer's own site. A seal that links to
         its issuer's own web site (NABP's badges, LegitScript) is noted with that link; the link
         is not followed;
       * a bare claim ("a licensed pharmacy", "fully licensed", "licensed by the state") gives a
         warning; "we are not a licensed pharmacy" is not a claim.

Passes
    ``Ask a Pharmacist`` link; ``Our pharmacists are available 24/7 at 1-800-555-0100``;
    ``Superintendent Pharmacist: Jane Smith MPharm``; ``GPhC registration number 1234567``.

Fails or warns
    No pharmacist mentioned; only "consult your doctor or pharmacist before use"; "We are a licensed
    pharmacy" with no number; no licence at all.

Limits
    English wording only. A licence number is reported as shown, not looked up: rogue sites copy
    real numbers and seals, so check the number on the regulator's register (your state board of
    pharmacy, NABP's safe.pharmacy, the GPhC register, the provincial college in Canada). A site may
    show its licence on a page that was not read. On a page that repeats a keyword hundreds of
    times (a product list), only its first and last mentions are read.

What to do
    Before you order, ask the pharmacist a question; look the licence up on the regulator's own
    site, not through a link the pharmacy gives you. These are risk signals: pharmcheck does not
    certify a pharmacy.
"""

from __future__ import annotations

import re
from typing import Iterator
from urllib.parse import urlsplit

from pharmcheck.findings import FAIL, NOT_APPLICABLE, PASS, WARN, Finding
from pharmcheck.lazyre import lazy_re
from pharmcheck.site import Page, Site

from ._text import EvidenceBag, Hit, clean_quote, items_containing, lower_text, scan_passages

ID = "pharmacist"
TITLE = "Pharmacist available and licence shown"
OUTCOMES = {
    "pharmacist-available": "The site offers a way to reach its pharmacist, or names its pharmacist.",
    "pharmacist-generic-advice-only": "Pharmacists are mentioned only in generic advice (\"ask your doctor or pharmacist\").",
    "pharmacist-not-found": "No way to reach a pharmacist, and no named pharmacist, was found on the pages read.",
    "pharmacist-licence-number-shown": "A pharmacy licence or registration number is shown.",
    "pharmacist-licence-seal-without-number": "A seal or regulator is named, but no licence number is shown.",
    "pharmacist-licence-claimed-without-number": "The site says it is licensed, but shows no licence number.",
    "pharmacist-licence-not-found": "No pharmacy licence, registration or seal was found.",
    "pharmacist-not-checked": "No page could be read, so this was not checked.",
}

# Patterns marked "(lower)" run on the lower-cased text, without re.IGNORECASE: two to three times
# faster in Python's engine. Offsets are the same in both texts, so quotes come from the real text.

# ----------------------------------------------------------------------------------------------
# 1. Can a pharmacist be reached?

# Keywords are found with str.find (fast); " rph" has its space so that "morphine" is not a hit.
_PHARMACIST_WORDS = ("pharmacist", "pharmd", "pharm.d", " rph", "r.ph", "mpharm", "bpharm", "sc pharm",
                     "pharmacy manager")  # fmt: skip
_ADJ = (r"(?:(?:licensed|registered|qualified|certified|friendly|experienced|expert|on-?call|in-?house|"
        r"dedicated|clinical|canadian|american|british|uk|us|u\.s\.|own|team\s+of)\s+){0,2}")  # fmt: skip
_OFFER = lazy_re(  # (lower)
    r"\b(?:ask|talk\s+(?:to|with)|speak\s+(?:to|with)|chat\s+(?:to|with)|call|phone|e-?mail|message|text|"
    r"contact|consult(?:\s+with)?|reach|connect\s+with|questions?\s+(?:for|to)|advice\s+from|"
    r"consultations?\s+with|access\s+to)\s+(?:a|an|our|one\s+of\s+our|the|us\s+and\s+our)\s+"
    + _ADJ
    + r"pharmacists?\b"
    r"|\bpharmacists?[\s-]+(?:consultations?|hotline|helpline|help\s+line|advice\s+line|line|chat|on\s+call|"
    r"phone|live\s+chat|q\s*&\s*a|support|service)\b"
    r"|\bpharmacists?(?:\s+line|\s+hotline)?\s*:\s*(?:\+|\(|\d)"  # "Member services and pharmacists: 1-888-..."
    r"|\b(?:(?:our|a|the)\s+" + _ADJ + r")?pharmacists?\s+(?:is|are|will\s+be|can\s+be)\s+(?:always\s+|here\s+and\s+)?"
    r"(?:available|on\s+hand|on\s+call|here\s+to|ready\s+to|happy\s+to|standing\s+by|reachable|just\s+a)"
    r"|\bour\s+" + _ADJ + r"pharmacists?\s+(?:will\s+|can\s+)?(?:answer|are\s+happy|call\s+you|get\s+back)"
)
_NAMED = lazy_re(  # case matters: a name is capitalised
    r"\b[A-Z][A-Za-z'’-]+(?:\s+[A-Z]\.)?(?:\s+[A-Z][A-Za-z'’-]+){1,2},?\s+"
    r"(?:Pharm\.?\s?D\b\.?|RPh\b|R\.Ph\b\.?|MPharm\b|BPharm\b|B\.\s?Pharm\b|B\.?\s?Sc\.?\s?Pharm\b|MRPharmS\b|FRPharmS\b)"
)
_ROLE = lazy_re(  # (lower) the responsible pharmacist's title, then maybe a name (checked on the real text)
    r"\b(?:pharmacist[\s-]in[\s-]charge|superintendent\s+pharmacist|responsible\s+pharmacist|"
    r"supervising\s+pharmacist|managing\s+pharmacist|head\s+pharmacist|chief\s+pharmacist|"
    r"registered\s+pharmacist|pharmacy\s+manager)\b(?:\s*(?:[:\-–,(]|is)\s*)?"
)
_PERSON = re.compile(r"\s*([A-Z][A-Za-z'’-]+(?:\s+[A-Z]\.)?(?:\s+[A-Z][A-Za-z'’-]+){1,2})")  # case matters
_GENERIC = lazy_re(  # (lower)
    r"\b(?:your|a|the)\s+(?:doctor|physician|gp|health\s*care\s+(?:provider|professional|practitioner)|"
    r"prescriber|medical\s+professional|dentist|nurse)(?:\s*,\s*\w+)?\s*(?:,|or|and|and/or|/)\s*"
    r"(?:your\s+|a\s+|the\s+)?pharmacists?\b"
    r"|\byour\s+(?:local\s+|own\s+|regular\s+|usual\s+)?pharmacists?\b"
    r"|\bpharmacists?\s+(?:or|and|and/or|/)\s+(?:your\s+|a\s+)?(?:doctor|physician|gp|health\s*care)"
)
# "...before use", "...if you are pregnant": the sentence is label advice, not an offer.
_ADVICE_CONTEXT = lazy_re(  # (lower)
    r"\bbefore\s+(?:use|using|taking|starting|you\s+(?:take|use|start|buy)|beginning|consuming)|"
    r"\bif\s+you\s+(?:are|have|take|experience|notice|develop|become)|\bpregnan|\bbreast-?feeding|\bnursing\b|"
    r"\bside\s+effects?\b|\bmedical\s+condition|\bunder\s+(?:the\s+age\s+of\s+)?18\b|\bprior\s+to\b|"
    r"\bdo\s+not\s+(?:use|take|exceed)|\bkeep\s+out\s+of\s+reach|\bfor\s+advice\b|\bwhether\s+(?:this|it)\b"
)
# ... unless the same sentence offers a real way to reach the pharmacist.
_REACHABLE = lazy_re(  # (lower)
    r"\b(?:available|24/7|24\s*hours|24\s*x\s*7|free\s+of\s+charge|for\s+free|free|chat|call\s+us|call|"
    r"e-?mail\s+us|phone|hotline|click|online|today|now|open|mon(?:day)?|toll-?free|our\s+pharmacists?)\b"
    r"|\d{3}[-.\s]\d{4}"
)
_OFFER_LINK_URL = lazy_re(  # (lower)
    r"ask[-_]?(?:a|our|the)?[-_]?pharmacist|e?mail[-_]?(?:a|our)?[-_]?pharmacist|pharmacist[-_]?(?:chat|consult|"
    r"contact|hotline|line|questions?)|talk[-_]?to[-_]?(?:a|our)?[-_]?pharmacist|contact[-_]?(?:a|our)?[-_]?pharmacist"
)
_GENERIC_WHY = "generic advice to see a pharmacist, not an offer from this site"


def _is_generic(low: str, lo: int, hi: int, start: int, end: int) -> bool:
    """Is the offer at [start, end) label advice ("consult a pharmacist before use")?"""
    if not _ADVICE_CONTEXT.search(low, lo, hi):
        return False
    # Reach cues outside the matched phrase itself ("call a pharmacist" must not vouch for itself).
    return not (_REACHABLE.search(low, lo, start) or _REACHABLE.search(low, end, hi))


def _pharmacist_hits(page: Page, lo: int, hi: int) -> list[Hit]:
    text, low = page.text, lower_text(page)
    hits = []
    for m in _OFFER.finditer(low, lo, hi):
        phrase = clean_quote(m.group(0))
        quote = page.snippet(m.start(), m.end())
        if _is_generic(low, lo, hi, m.start(), m.end()):
            hits.append(Hit("generic", f"generic:{phrase}", quote, "text", _GENERIC_WHY))
        else:
            hits.append(Hit("offers", f"offer:{phrase}", quote, "text", "the site offers contact with its pharmacist"))
    for m in _GENERIC.finditer(low, lo, hi):
        hits.append(Hit("generic", f"generic:{clean_quote(m.group(0))}", page.snippet(m.start(), m.end()), "text",
                        _GENERIC_WHY))  # fmt: skip
    for m in _NAMED.finditer(text, lo, hi):
        hits.append(Hit("offers", f"named:{clean_quote(m.group(0)).lower()}", page.snippet(m.start(), m.end()),
                        "text", "a pharmacist named with a pharmacy degree or title"))  # fmt: skip
    for m in _ROLE.finditer(low, lo, hi):
        person = _PERSON.match(text, m.end())
        if person is None and m.group(0).startswith(("registered", "pharmacy manager")):
            continue  # "registered pharmacist" alone describes staff; it names no one
        end = person.end() if person else m.end()
        who = person.group(1) if person else clean_quote(m.group(0)).rstrip(" :-–,(")
        hits.append(Hit("offers", f"named:{who.lower()}", page.snippet(m.start(), end), "text",
                        "the pharmacist responsible for the pharmacy is named"))  # fmt: skip
    return hits


def _pharmacist_links(page: Page, offers: EvidenceBag) -> None:
    for i in items_containing([f"{link.text}\t{link.url}" for link in page.links], ("pharmacist",)):
        link = page.links[i]
        text = link.text.lower()
        parts = urlsplit(link.url.lower())
        offer = _OFFER.search(text) if "pharmacist" in text and len(text) <= 80 else None
        if offer or _OFFER_LINK_URL.search(parts.path + "?" + parts.query):
            # Keyed like the text offer, so a link and its own text count once (the link is the better proof).
            key = f"offer:{clean_quote(offer.group(0))}" if offer else f"link:{link.url.rstrip('/').lower()}"
            offers.add(key, page.url, f"{link.text} -> {link.url}", "link", "a link to reach the site's pharmacist")


# ----------------------------------------------------------------------------------------------
# 2. Is a licence shown?

# Keywords that start a passage worth reading. Each costs one str.find over the whole text, so they
# are few and short: " dea" also finds "deal" (its passage is read once and yields nothing).
_NUMBER_WORDS = ("licen", "permit", "regist", "accredit", "certified", "regulated", "gphc", "nabp", " dea", " npi",
                 "ncpdp", "psni", "of pharmac", "pharmaceutical")  # fmt: skip
_SEAL_WORDS = ("cipa", "pcab", "vipps", "legitscript", "common logo", "health canada", "mhra", ".pharmacy")
_LICENCE_WORDS = _NUMBER_WORDS + _SEAL_WORDS

_NUMBER = r"(?P<num>(?:[a-z]{1,5}[-\s]?)?\d[\da-z]*(?:[-/.]\d[\da-z]*){0,3})"
_LICENCE_NUMBER = lazy_re(  # (lower)
    r"(?P<kind>licen[cs]e|permit|registration|reg\.|accreditation|certificate|premises)\s*"
    r"(?:no\.?|num(?:ber)?\.?|#|id|code|number\s*#|:)\s*[:.#]?\s*(?:is\s+)?" + _NUMBER + r"(?![\w-])"
    r"|\b(?P<body>gphc|general\s+pharmaceutical\s+council|psni|pharmaceutical\s+society\s+of\s+(?:northern\s+)?ireland|"
    r"nabp|dea|npi|ncpdp|cphm)\b(?:\s+(?:registration|reg\.?|registered|licen[cs]e|premises|pharmacy|id|provider|"
    r"number|no\.?|#|:|-|is|with)){0,4}\s*[:#]?\s*(?P<num2>[a-z]{0,2}\d{4,10})(?![\w-])"
)
# The number must be a pharmacy's: a pharmacy word near it, and not a company or tax number.
_PHARMACY_CUE = lazy_re(r"pharmac|gphc|nabp|dea\b|npi\b|ncpdp|psni|board|college|drug|dispens|chemist")  # (lower)
_NOT_PHARMACY = lazy_re(  # (lower)
    r"\b(?:company|companies\s+house|vat|tax|ein|trade\s+register|registered\s+(?:in|office)|business\s+licen[cs]e|"
    r"chamber\s+of\s+commerce|kvk|charity|trademark|abn|acn|gst)\b"
)
_AUTHORITY = lazy_re(  # case matters: run only where a number was found
    r"(?:[A-Z][a-z]+\s+){0,3}State\s+Board\s+of\s+Pharmacy|(?:[A-Z][a-z]+\s+){0,3}Board\s+of\s+Pharmacy|"
    r"(?:Ontario\s+)?College\s+of\s+Pharmacists(?:\s+of\s+[A-Z][a-z]+(?:\s+[A-Z][a-z]+)?)?|"
    r"College\s+of\s+Pharmacy\s+of\s+[A-Z][a-z]+|General\s+Pharmaceutical\s+Council|\bGPhC\b|\bPSNI\b|"
    r"Pharmaceutical\s+Society\s+of\s+(?:Northern\s+)?Ireland|\bNABP\b|\bDEA\b|Drug\s+Enforcement\s+Administration|"
    r"Health\s+Canada|\bMHRA\b|Care\s+Quality\s+Commission|\bCQC\b|\bCPhM\b|National\s+Association\s+of\s+Boards\s+of\s+Pharmacy"
)
_SEAL = lazy_re(  # (lower)
    r"\b(?:cipa|canadian\s+international\s+pharmacy\s+association|pcab|nabp|vipps|"
    r"verified\s+internet\s+pharmacy\s+practice\s+sites?|digital\s+pharmacy\s+accreditation|safe\.pharmacy|"
    r"legitscript|(?:eu\s+)?common\s+logo|health\s+canada|mipa|manitoba\s+international\s+pharmacists\s+association|"
    r"pharmacychecker|cphm|gphc|general\s+pharmaceutical\s+council|mhra|board\s+of\s+pharmacy|"
    r"college\s+of\s+pharmacists)\b"
)
_NAME_BEFORE = lazy_re(r"(?:[A-Z][a-z]+\s+){1,3}$")  # "Ohio State " before "Board of Pharmacy"
_NAME_AFTER = re.compile(r"\s+of\s+[A-Z][a-z]+(?:\s+[A-Z][a-z]+)?")  # " of Manitoba" after "College of Pharmacists"
_SEAL_IMAGE = lazy_re(  # (lower)
    r"cipa|pcab|nabp|vipps|legitscript|mhra|gphc|eu[-_ ]?(?:common[-_ ]?)?logo|common[-_ ]logo|safe[-_.]?pharmacy|"
    r"dot[-_]?pharmacy|pharmacychecker|mipa|accredit|(?:pharmacy|gphc|registration)[-_ ]?(?:seal|badge|logo)"
)
_SEAL_HOSTS = lazy_re(  # (lower)
    r"(?:^|\.)(?:nabp\.pharmacy|safe\.pharmacy|nabp\.net|openbadges\.me|legitscript\.com|cipa\.com|"
    r"pharmacyregulation\.org|pharmacychecker\.com|psni\.org\.uk|ocpinfo\.com|cphm\.ca|napra\.ca|"
    r"cqc\.org\.uk|mhra\.gov\.uk|pcab\.org|achc\.org)$"
)
# Hint words, searched with str.find in all links / images at once before any pattern runs.
_SEAL_HOST_WORDS = ("nabp", "safe.pharmacy", "openbadges", "legitscript", "cipa.com", "pharmacyregulation",
                    "pharmacychecker", "psni", "ocpinfo", "cphm", "napra", "cqc.org", "mhra", "pcab", "achc")  # fmt: skip
_SEAL_IMAGE_WORDS = ("cipa", "pcab", "nabp", "vipps", "legitscript", "mhra", "gphc", "mipa", "accredit", "seal",
                     "badge", "common", "eu-logo", "eu_logo", "eulogo", "eu logo", "safe.pharmacy", "safe-pharmacy",
                     "safe_pharmacy", "safepharmacy", "pharmacychecker", "dot-pharmacy", "dot_pharmacy", "dotpharmacy",
                     "pharmacy-logo", "pharmacy_logo", "pharmacy logo", "registration")  # fmt: skip
_CLAIM = lazy_re(  # (lower)
    r"\b(?:(?:fully|properly|state|government|provincially)[\s-])?(?:licen[cs]ed|registered|accredited|certified|"
    r"regulated|approved)\s+(?:(?:online|internet|canadian|us|u\.s\.|uk|british|american|international|retail|"
    r"mail[\s-]order|community|and\s+\w+)\s+)*(?:pharmac(?:y|ies)|drug\s?stores?|chemists?|dispensar(?:y|ies))\b"
    r"|\bfully\s+licen[cs]ed\b"
    r"|\b(?:licen[cs]ed|registered|regulated|accredited)\s+(?:by|with|in)\s+(?:the\s+)?(?:[\w.]+\s+){0,6}?"
    r"(?:board|college|council|gphc|mhra|authority|ministry|province|state\b|nabp|cipa|health\s+canada)"
)
_NEGATION = lazy_re(r"\b(?:not|no|never|neither|nor|isn['’]t|aren['’]t|without)\b(?:\s+\w+){0,2}\s*$")  # (lower)


def _seal_name(text: str, start: int, end: int) -> str:
    """The seal's name as written, with the place of a board or college ("Ohio State Board of Pharmacy")."""
    name = clean_quote(text[start:end])
    low = name.lower()
    if low.startswith("board of pharmacy"):
        before = _NAME_BEFORE.search(text, max(0, start - 40), start)
        if before:
            name = clean_quote(text[before.start() : end])
    elif low.startswith("college of pharmacists"):
        after = _NAME_AFTER.match(text, end)
        if after:
            name = clean_quote(text[start : after.end()])
    return name


def _nearest_authority(text: str, start: int, end: int) -> re.Match[str] | None:
    """The licensing body named closest before the number (or, failing that, just after it)."""
    before = None
    for a in _AUTHORITY.finditer(text, max(0, start - 200), start + (end - start)):
        if a.start() <= start:
            before = a
    return before or _AUTHORITY.search(text, end, min(len(text), end + 120))


def _licence_hits(page: Page, lo: int, hi: int) -> list[Hit]:
    text, low = page.text, lower_text(page)
    hits = []
    for m in _LICENCE_NUMBER.finditer(low, lo, hi):
        group = "num" if m.group("num") else "num2"
        number = text[m.start(group) : m.end(group)].strip() if m.group(group) else ""
        if not any(c.isdigit() for c in number):
            continue
        near_before = low[max(0, m.start() - 50) : m.start()]
        if _NOT_PHARMACY.search(near_before + " " + m.group(0)):
            continue
        if not _PHARMACY_CUE.search(low, max(0, m.start() - 120), min(len(low), m.end() + 60)):
            continue
        if _NEGATION.search(low, max(0, m.start() - 40), m.start()):
            continue
        authority = _nearest_authority(text, m.start(), m.end())
        quote = page.snippet(m.start(), m.end())
        if authority is not None and 0 <= m.start() - authority.end() <= 120 and authority.group(0) not in quote:
            close = 1 if text[m.end() : m.end() + 1] == ")" else 0
            quote = text[authority.start() : m.end() + close]  # "College of Pharmacists of Manitoba. License Number 32195"
        kind = m.group("kind") or m.group("body") or "licence"
        label = clean_quote(text[m.start() : m.start() + len(kind)])
        record = {"number": number, "label": label, "authority": clean_quote(authority.group(0)) if authority else None}
        why = f"a {label} number ({number})" + (f", with {record['authority']} named nearby" if authority else "")
        hits.append(Hit("numbers", f"number:{number.lower()}", quote, "text", why, record))
    for m in _SEAL.finditer(low, lo, hi):
        name = _seal_name(text, m.start(), m.end())
        hits.append(Hit("seals", f"seal:{name.lower()}", page.snippet(m.start(), m.end()), "text",
                        f"names {name}, a pharmacy regulator or accreditation scheme", name))  # fmt: skip
    for m in _CLAIM.finditer(low, lo, hi):
        key = clean_quote(m.group(0))
        quote = page.snippet(m.start(), m.end())
        if _NEGATION.search(low, max(0, m.start() - 30), m.start()):
            hits.append(Hit("negated", f"negated:{key}", quote, "text", "a denial, not a claim"))
        else:
            hits.append(Hit("claims", f"claim:{key}", quote, "text", "the site says it is licensed or registered"))
    return hits


def _seal_images_and_links(page: Page, seals: EvidenceBag, facts: dict) -> None:
    # Pages have hundreds of links and images: look for the hint words in all of them at once first.
    links = [page.links[i] for i in items_containing([link.url for link in page.links], _SEAL_HOST_WORDS)]
    names = [f"{image.alt} {image.src.rsplit('/', 1)[-1]}" for image in page.images]
    images = [page.images[i] for i in items_containing(names, _SEAL_IMAGE_WORDS)]
    for link in links:
        host = (urlsplit(link.url).hostname or "").lower()
        if _SEAL_HOSTS.search(host):
            if link.url not in facts["verify_links"]:
                facts["verify_links"].append(link.url)
            label = link.text or host
            if seals.add(f"seal:{label.lower()}", page.url, f"{link.text} -> {link.url}", "link",
                         f"a seal linking to the issuer's site ({host}), where it can be checked"):  # fmt: skip
                facts["seals"].append(label)
    for image in images:
        name = image.src.rsplit("/", 1)[-1][:200]
        if _SEAL_IMAGE.search(image.alt.lower()) or _SEAL_IMAGE.search(name.lower()):
            label = image.alt or name
            if seals.add(f"seal:{label.lower()}", page.url, label, "image",
                         f"an image that looks like a pharmacy seal ({name})"):  # fmt: skip
                facts["seals"].append(label)


# ----------------------------------------------------------------------------------------------
# The rule


def _pharmacist_in_lexicons(page: Page, offers: EvidenceBag) -> None:
    """The site's own pharmacist in the page's languages: "nos pharmaciens répondent", "Inhaberin ...,
    Apothekerin", "kierownik apteki: mgr farm. Anna Nowak" (warnings and advice aside)."""
    from pharmcheck import facts
    from pharmcheck.rules import _drugs, _lexicon

    for lo, hi in _lexicon.find(page, "pharmacist_offer")[:4]:
        if _drugs.context(page, lo, hi) != _drugs.CLAIM:
            continue
        quote = facts.block_quote(page, lo, hi)
        offers.add(f"offer:{clean_quote(page.text[lo:hi]).lower()}", page.url, quote, "text",
                   "the site names its own pharmacist or offers a pharmacist's advice")


def check(site: Site) -> Iterator[Finding]:
    if not site.pages:
        yield Finding(outcome="pharmacist-not-checked", status=NOT_APPLICABLE,
                      message="No page could be read, so pharmacist access and licence were not checked.")  # fmt: skip
        return
    searched = site.urls
    on_pages = f"on the {len(searched)} page{'s' if len(searched) != 1 else ''} read"

    offers, generic = EvidenceBag(), EvidenceBag(limit=4)
    for page in site.pages:
        _pharmacist_links(page, offers)
    bags = {"offers": offers, "generic": generic}
    for page, hit in scan_passages(site.pages, _PHARMACIST_WORDS, _pharmacist_hits):
        bags[hit.bag].add(hit.key, page.url, hit.quote, hit.where, hit.why)
    for page in site.pages:
        _pharmacist_in_lexicons(page, offers)
    if offers:
        kinds = sorted({k.split(":", 1)[0] for k in offers.keys()})
        yield Finding(
            outcome="pharmacist-available", status=PASS,
            message="The site offers a way to reach its pharmacist. Ask them a question before you order.",
            evidence=offers.evidence(), facts={"kinds": kinds, "generic_mentions": len(generic)},
        )  # fmt: skip
    elif generic:
        yield Finding(
            outcome="pharmacist-generic-advice-only", status=WARN,
            message=("Pharmacists are mentioned only in generic advice (\"ask your doctor or pharmacist\"); "
                     "the site does not offer its own pharmacist."),
            evidence=generic.evidence(), searched=searched,
        )  # fmt: skip
    else:
        yield Finding(
            outcome="pharmacist-not-found", status=FAIL,
            message=(f"No way to reach a pharmacist, and no named pharmacist, was found {on_pages}. "
                     "A safe online pharmacy has a licensed pharmacist who answers questions."),
            searched=searched,
        )  # fmt: skip

    numbers, seals, claims = EvidenceBag(), EvidenceBag(limit=4), EvidenceBag(limit=3)
    facts: dict = {"numbers": [], "seals": [], "verify_links": [], "negated_claims": []}
    for page in site.pages:
        _seal_images_and_links(page, seals, facts)
    negated = EvidenceBag(limit=3)
    bags = {"numbers": numbers, "seals": seals, "claims": claims, "negated": negated}
    for page, hit in scan_passages(site.pages, _LICENCE_WORDS, _licence_hits):
        if bags[hit.bag].add(hit.key, page.url, hit.quote, hit.where, hit.why) and hit.fact is not None:
            facts["numbers" if hit.bag == "numbers" else "seals"].append(hit.fact)
    facts["negated_claims"] = [e.quote for e in negated.evidence()]
    facts["verify_links"] = facts["verify_links"][:5]
    facts["numbers"], facts["seals"] = facts["numbers"][:10], facts["seals"][:10]
    if numbers:
        shown = ", ".join(n["number"] + (f" ({n['authority']})" if n["authority"] else "") for n in facts["numbers"][:3])
        yield Finding(
            outcome="pharmacist-licence-number-shown", status=PASS,
            message=f"A licence or registration number is shown: {shown}. Check it on the regulator's own register.",
            evidence=numbers.evidence() + seals.evidence()[:2], facts=facts,
        )  # fmt: skip
    elif seals:
        yield Finding(
            outcome="pharmacist-licence-seal-without-number", status=WARN,
            message=("A seal or regulator is named, but no licence number is shown. Seals can be copied: "
                     + ("open the seal's link and check that it names this site's address, or "
                        if facts["verify_links"] else "")
                     + "look the pharmacy up on the issuer's own site."),
            evidence=seals.evidence() + claims.evidence()[:1], facts=facts,
        )  # fmt: skip
    elif claims:
        yield Finding(
            outcome="pharmacist-licence-claimed-without-number", status=WARN,
            message="The site says it is licensed but shows no licence or registration number to check.",
            evidence=claims.evidence(), searched=searched, facts=facts,
        )  # fmt: skip
    else:
        yield Finding(
            outcome="pharmacist-licence-not-found", status=FAIL,
            message=f"No pharmacy licence, registration number or seal was found {on_pages}.",
            searched=searched, facts=facts,
        )  # fmt: skip
