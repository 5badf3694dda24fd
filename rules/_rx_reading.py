"""What the ``prescription`` rule reads in a site (private to rules/prescription.py, which judges it):
red flags ("no prescription needed", in the text, in links and addresses, in every lexicon), and the
site's own requirements, consultations and regulators, each a :class:`Hit` with its page, quote and
whether the sentence names a prescription-only drug. The phrases themselves are in rules/_rx_phrases.py
and rules/lexicon/.
"""

from __future__ import annotations

import bisect
import re
from dataclasses import dataclass
from urllib.parse import unquote

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
    _URL_WORDS,
)
from pharmcheck.site import Page, Site

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
