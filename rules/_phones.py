"""Phone numbers on a page, for the contact rule (private): where numbers are written (text and ``tel:``
links), which region a national number is read with, and what Google's libphonenumber data says of
it. A number is parsed once per site and region list (a ``tel:`` link read for the region guesses is not
parsed again for the rule)."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from functools import lru_cache
from urllib.parse import unquote

import phonenumbers
from phonenumbers import PhoneNumberType

from pharmcheck.lazyre import lazy_re
from pharmcheck.site import Page, Site

from ._places import CCTLD_REGION, GENERIC_CCTLDS
from ._text import (
    head_and_tail,
)


_MAX_NUMBERS = 80  # phone-like strings read per page (the first and last half: header and footer)

# A digit first, so the engine skips non-digits fast; "+" and "(" in front are picked up after.
_PHONE_CANDIDATE = re.compile(r"\d[\d \-.()/\u2013]{5,22}\d")
_VANITY = lazy_re(r"1[-. ]?8(?:00|33|44|55|66|77|88)[-. ]?[A-Z0-9]{3}[-. ]?[A-Z0-9]{4}\b")
_DATE_SHAPE = lazy_re(r"\d{4}[-/.]\d{1,2}[-/.]\d{1,2}|\d{1,2}[-/.]\d{1,2}[-/.]\d{2,4}|\d{4}\s?[-–]\s?\d{4}")
# Words that label a phone number, tested with `in` on the lower-cased label (a regex here costs
# microseconds per number, and product pages are full of numbers).
_PHONE_CUES = ("call", "phone", "tel:", "tel.", "tel ", "telephone", "toll", "hotline", "helpline", "contact",
               "mobile", "whatsapp", "viber", "sms", "text us", "☎", "📞", "dial", "reach us", "tty",
               "customer service", "customer care", "support", "pharmacist", "fax")  # fmt: skip
_FAX = lazy_re(r"\bfax\b|\bfacsimile\b", re.I)
_GROUPS = lazy_re(r"\d+")
_MAX_PHONE_PARSES = 10  # distinct numbers parsed per site (a contact page has a handful)
_AREA_TYPES = {PhoneNumberType.TOLL_FREE, PhoneNumberType.UAN, PhoneNumberType.SHARED_COST,
               PhoneNumberType.PREMIUM_RATE, PhoneNumberType.PERSONAL_NUMBER}  # fmt: skip
_TYPE_NAMES = {
    PhoneNumberType.FIXED_LINE: "fixed line", PhoneNumberType.MOBILE: "mobile",
    PhoneNumberType.FIXED_LINE_OR_MOBILE: "fixed line or mobile", PhoneNumberType.TOLL_FREE: "toll-free",
    PhoneNumberType.PREMIUM_RATE: "premium rate", PhoneNumberType.SHARED_COST: "shared cost",
    PhoneNumberType.VOIP: "VoIP", PhoneNumberType.PERSONAL_NUMBER: "personal number",
    PhoneNumberType.PAGER: "pager", PhoneNumberType.UAN: "company number", PhoneNumberType.VOICEMAIL: "voicemail",
}  # fmt: skip


@dataclass
class PhoneSighting:
    raw: str  # as written
    page: Page
    start: int
    end: int
    where: str  # "text" or "link"
    cued: bool  # labelled as a phone ("Call", "Tel:") or a tel: link
    fax: bool
    link_quote: str | None = None
    key: str = field(init=False, default="")  # the number's digits (and letters), to count it once

    @property
    def quote(self) -> str:
        if self.link_quote is not None:
            return self.link_quote
        return self.page.snippet(self.start, self.end, context=40)

    def __post_init__(self) -> None:
        self.key = ("+" if self.raw.lstrip().startswith("+") else "") + _NOT_ALNUM.sub("", self.raw)


@dataclass
class Phone:
    e164: str
    region: str | None
    kind: str
    regions: set[str] = field(default_factory=set)  # every country the number may belong to
    shared_plan: str | None = None  # "+1" for a toll-free number valid across a numbering plan

    @property
    def where(self) -> str:
        if self.shared_plan:
            return f"valid across the {self.shared_plan} numbering plan"
        return self.region or "region unknown"


_NOT_ALNUM = lazy_re(r"[\W_]+")
_SEPARATORS = str.maketrans("", "", " -.()/\u2013+")
# Numbers labelled as something else: product codes, order numbers, NDC drug codes.
_NOT_PHONE_LABELS = {"ndc", "sku", "item", "order", "ref", "reference", "id", "lot", "isbn", "upc", "ean", "gtin",
                     "model", "part", "invoice", "tracking", "rx", "din", "npi", "licence", "license", "registration",
                     "reg", "#"}  # fmt: skip


def _phone_sightings(page: Page) -> list[PhoneSighting]:
    text = page.text
    out: list[PhoneSighting] = []
    prev_end = 0
    matches = head_and_tail(list(_PHONE_CANDIDATE.finditer(text)), _MAX_NUMBERS)
    vanity = [m for m in _VANITY.finditer(text) if not m.group(0).translate(_SEPARATORS).isdigit()]  # 1-800-CAN-DRUG
    if vanity:
        matches = sorted(matches + vanity, key=lambda m: m.start())
    last_end = -1
    size = len(text)
    for m in matches:
        s, e = m.start(), m.end()
        if s < last_end:
            continue
        last_end = e
        if e < size and text[e].isalnum():
            continue
        if s and text[s - 1] == "(":
            s -= 1
        if s and text[s - 1] == "+":
            s -= 1
        elif s > 1 and text[s - 2 : s] == "+ ":
            s -= 2
        if s and (text[s - 1].isalnum() or text[s - 1] in "$€£./#-_"):
            continue
        raw = text[s:e]
        digits = len(raw.translate(_SEPARATORS))
        if not 7 <= digits <= 15 and not _VANITY.fullmatch(raw):
            continue
        if _DATE_SHAPE.fullmatch(raw.strip("() ")):
            continue
        label = text[max(prev_end, s - 40) : s]
        prev_end = e
        low = label.lower()
        last = low[-16:].replace("#", " # ").replace(":", " ").replace(".", " ").split()[-1:]
        if last and last[0] in _NOT_PHONE_LABELS:
            continue  # "NDC 0093-7146-56", "Order #1234567", "License 1234567"
        groups = len(_GROUPS.findall(raw))
        by_shape = raw.startswith(("+", "(")) or groups >= 3 or (groups == 2 and digits >= 9)
        cued = any(word in low for word in _PHONE_CUES)
        fax = "fax" in low and bool(_FAX.search(label)) and not any(w in low for w in ("tel", "phone", "call"))
        if not (by_shape or cued or fax):
            continue
        out.append(PhoneSighting(raw, page, s, e, "text", cued, fax))
    for link in page.links:
        if link.url.lower().startswith("tel:"):
            raw = unquote(link.url[4:]).split(";")[0].strip()
            quote = link.text if any(c.isdigit() for c in link.text) else link.url
            out.append(PhoneSighting(raw, page, 0, 0, "link", True, False, quote))
    return out


def _parse_phone(raw: str, regions: list[str]) -> Phone | None:
    """What libphonenumber reads in a number written as ``raw``, trying national formats in ``regions``.
    A number written with its country code is read the same whatever the regions: it is parsed once."""
    read = _read_phone(raw, () if raw.lstrip().startswith("+") else tuple(regions))
    if read is None:
        return None
    e164, main, kind, regions_of, shared_plan = read
    return Phone(e164=e164, region=main, kind=kind, regions=set(regions_of), shared_plan=shared_plan)


@lru_cache(maxsize=1024)
def _read_phone(raw: str, regions: tuple[str, ...]) -> tuple[str, str | None, str, frozenset[str], str | None] | None:
    tries: list[str | None] = [None] if raw.lstrip().startswith("+") else list(regions)
    digits = "".join(c for c in raw if c.isdigit())
    if not raw.lstrip().startswith("+") and len(digits) == 11 and digits.startswith("1"):
        tries.append("+NANP")  # "1-800-...", "1 (204) ...": the leading 1 is the country code
    for region in tries:
        text = raw
        if region == "+NANP":
            text, region = "+" + digits, None
        try:
            number = phonenumbers.parse(text, region)
        except phonenumbers.NumberParseException:
            continue
        # Valid for the region it was read with? (cheaper than is_valid_number, which tries every
        # region of the country code: 25 for +1)
        if region is not None and phonenumbers.is_valid_number_for_region(number, region):
            main: str | None = region
        elif phonenumbers.is_valid_number(number):
            main = phonenumbers.region_code_for_number(number)
        else:
            continue
        ntype = phonenumbers.number_type(number)
        if ntype in _AREA_TYPES:
            regions_of = set(phonenumbers.region_codes_for_country_code(number.country_code))
        else:
            regions_of = {main} if main else set()
        return (
            phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164),
            main,
            _TYPE_NAMES.get(ntype, "unknown type"),
            frozenset(regions_of),
            f"+{number.country_code}" if ntype in _AREA_TYPES and len(regions_of) > 1 else None,
        )
    return None


def _region_guesses(
    site: Site, address_countries: list[str], sightings: list[PhoneSighting]
) -> tuple[list[str], list[str]]:
    """Regions to read national-format numbers with, and where each guess came from."""
    regions: list[str] = []
    sources: list[str] = []

    def add(region: str | None, source: str) -> None:
        if region and region not in regions and region in phonenumbers.SUPPORTED_REGIONS:
            regions.append(region)
            sources.append(f"{region} ({source})")

    for country in address_countries:
        add(country, "address")
    domain = site.registered_domain
    if domain and "." in domain:
        tld = domain.rsplit(".", 1)[1].lower()
        if len(tld) == 2 and tld.isalpha() and tld not in GENERIC_CCTLDS:
            add(CCTLD_REGION.get(tld, tld.upper()), f"domain .{tld}")
    for page in site.pages[:1]:
        if page.lang and "-" in page.lang:
            add(page.lang.split("-", 1)[1][:2].upper(), f"page language {page.lang}")
    for s in sightings:
        if s.where == "link" and s.raw.startswith("+"):
            phone = _parse_phone(s.raw, [])
            if phone is not None and phone.region:
                add(phone.region, "tel: link")
    if not regions:
        # A page in a language spoken chiefly in one country, and nothing else known: that country.
        for page in site.pages[:1]:
            code = (page.lang or "").split("-", 1)[0][:2]
            add(_LANG_REGION.get(code), f"page language {page.lang}")
    if not regions:
        regions, sources = ["US"], ["US (fallback: nothing else known)"]
    return regions, sources


_LANG_REGION = {"de": "DE", "fr": "FR", "it": "IT", "nl": "NL", "pl": "PL", "es": "ES", "pt": "PT", "da": "DK",
                "sv": "SE", "fi": "FI", "cs": "CZ", "el": "GR"}
