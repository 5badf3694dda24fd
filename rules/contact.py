"""Clear contact details: a street address, a working phone number and a way to write.

What it checks
    Consumer guidance (FDA BeSafeRx; NABP's "safe online pharmacy" advice; the pharmacy boards) says a
    safe online pharmacy shows a physical street address in the country it claims to be in, a phone
    number that works, and a way to reach it. Rogue sites hide who and where they are. This rule looks
    at every page that was read, footers included, and reports five separate signals:

    1. **A street address with its country.** A house number and a street ("1200 Market Street",
       "Friedrichstraße 12", "12 rue de la Paix") followed by a postcode: a US state and ZIP code
       ("Philadelphia, PA 19107"), a UK postcode ("Leeds LS1 4AB"), a Canadian postal code
       ("Toronto, ON M5B 2L7"), an Australian state and postcode, or another 4-6 digit postcode with
       its town ("10115 Berlin, Germany"). The country is the one named after the postcode, or else
       the one its format implies. Text inside the page's ``<address>`` element is read as well.
       A PO box alone is not a street address (warning): anyone can rent one.
    2. **A phone number** that the ``phonenumbers`` library (Google's libphonenumber data) accepts as
       a valid number. The region used to read a number written without its country code is taken
       from the address country, then the site's country-code domain (``.ca``, ``.co.uk``), then the
       page language (``en-GB``), then international ``tel:`` links; only when nothing is known is
       "US" tried. Numbers are reported in E.164 form (``+12152386000``) with their region.
       Toll-free numbers count. Fax numbers do not. A number that is not valid is not evidence.
    3. **An e-mail address or a contact form** (a ``mailto:`` link, an address in the text, an
       address hidden by Cloudflare's e-mail protection, or a form that asks for an e-mail address or
       a message). A site whose only address is a free webmail one (Gmail, Yahoo, ...) gets a warning.
    4. **A contact page**: a page the crawler read as the contact page, or a link on the site whose
       text or address says "contact" / "contact us".
    5. **Do the address country and the phone region agree?** A site that claims a Canadian address
       but gives only a Philippine phone number shows a warning sign. Toll-free numbers are
       counted for every country of their numbering plan (a 1-800 number fits the US and Canada).
       If the site shows no address or no valid phone, this is not applicable.

Passes
    ``24 Terracon Place, Winnipeg, MB R2J 4G7, Canada`` / ``Toll-free: 1-800-226-3784`` /
    ``mailto:help@pharmacy.example`` / a "Contact us" link.

Fails or warns
    No address anywhere; "PO Box 1234, Nassau" only; "Call 555-0199" (not a valid number);
    a Canadian address with only a ``+63`` phone number.

Limits
    Addresses are recognised by their shape, not looked up: a street that exists nowhere, or a
    mail-drop at a real address, passes. A street without a street word or a house number
    ("Damrak 1", "Am Markt, Bremen") is missed unless it sits in an ``<address>`` element with its
    country. Phone numbers are checked for being valid numbers, not dialled; labels are read in
    English ("Call", "Tel", "Fax"). Evidence that repeats on every page (footers) is shown once, with
    the number of pages that showed it. On a page crowded with numbers (a long product list), only
    the first and last few hundred postcode- or phone-like strings are read: the header and the
    footer, where a site puts its own details.

What to do
    Check that the address is a real pharmacy (a map, the regulator's register) and that the phone
    is answered by the pharmacy. Be wary of a site with no street address or with contact details
    from a different country than the one it claims. These are risk signals: pharmcheck does not
    certify a pharmacy.
"""

from __future__ import annotations

import re
import weakref
from dataclasses import dataclass, field
from typing import Iterator
from urllib.parse import unquote, urlsplit

import phonenumbers
from phonenumbers import PhoneNumberType

from pharmcheck.findings import FAIL, NOT_APPLICABLE, PASS, WARN, Finding
from pharmcheck.site import Page, Site, registered_domain

from ._text import (
    EvidenceBag,
    clean_quote,
    finditer_in,
    head_and_tail,
    items_containing,
    keyword_positions,
    keyword_windows,
    local_site,
    lower_same_length,
    lower_text,
)

ID = "contact"
TITLE = "Clear contact details"
OUTCOMES = {
    "contact-address-found": "A street address with its country is shown.",
    "contact-address-country-unknown": "A street address is shown, but not which country it is in.",
    "contact-address-po-box-only": "Only a PO box is shown: no street address.",
    "contact-address-missing": "No postal address was found on the pages read.",
    "contact-phone-found": "A valid phone number is shown.",
    "contact-phone-invalid": "Phone numbers are shown, but none is a valid number.",
    "contact-phone-missing": "No phone number was found on the pages read.",
    "contact-email-found": "An e-mail address or a contact form is offered.",
    "contact-email-webmail-only": "The only e-mail address is a free webmail one, and there is no contact form.",
    "contact-email-missing": "No e-mail address and no contact form were found.",
    "contact-page-found": "The site has a contact page.",
    "contact-page-missing": "No contact page or contact link was found.",
    "contact-country-match": "The address country and the phone number's country agree.",
    "contact-country-mismatch": "The address is in one country, every phone number in another.",
    "contact-country-unknown": "No address country or no valid phone: the two cannot be compared.",
    "contact-not-checked": "No page could be read, so contact details were not checked.",
}

# ----------------------------------------------------------------------------------------------
# Places

_US_STATES = {
    "AL": "Alabama", "AK": "Alaska", "AZ": "Arizona", "AR": "Arkansas", "CA": "California",
    "CO": "Colorado", "CT": "Connecticut", "DE": "Delaware", "DC": "District of Columbia",
    "FL": "Florida", "GA": "Georgia", "HI": "Hawaii", "ID": "Idaho", "IL": "Illinois", "IN": "Indiana",
    "IA": "Iowa", "KS": "Kansas", "KY": "Kentucky", "LA": "Louisiana", "ME": "Maine", "MD": "Maryland",
    "MA": "Massachusetts", "MI": "Michigan", "MN": "Minnesota", "MS": "Mississippi", "MO": "Missouri",
    "MT": "Montana", "NE": "Nebraska", "NV": "Nevada", "NH": "New Hampshire", "NJ": "New Jersey",
    "NM": "New Mexico", "NY": "New York", "NC": "North Carolina", "ND": "North Dakota", "OH": "Ohio",
    "OK": "Oklahoma", "OR": "Oregon", "PA": "Pennsylvania", "RI": "Rhode Island", "SC": "South Carolina",
    "SD": "South Dakota", "TN": "Tennessee", "TX": "Texas", "UT": "Utah", "VT": "Vermont",
    "VA": "Virginia", "WA": "Washington", "WV": "West Virginia", "WI": "Wisconsin", "WY": "Wyoming",
    "PR": "Puerto Rico",
}  # fmt: skip
_US_STATE_WORDS = set(_US_STATES) | {name.lower() for name in _US_STATES.values()}
_AU_STATES = {"nsw", "vic", "qld", "wa", "sa", "tas", "act", "nt", "new south wales", "victoria", "queensland",
              "western australia", "south australia", "tasmania"}  # fmt: skip

COUNTRIES = {
    "united states": "US", "united states of america": "US", "usa": "US", "u.s.a.": "US", "u.s.a": "US",
    "canada": "CA", "united kingdom": "GB", "uk": "GB", "u.k.": "GB", "great britain": "GB",
    "england": "GB", "scotland": "GB", "wales": "GB", "northern ireland": "GB", "ireland": "IE",
    "republic of ireland": "IE", "australia": "AU", "new zealand": "NZ", "india": "IN",
    "philippines": "PH", "the philippines": "PH", "singapore": "SG", "germany": "DE",
    "deutschland": "DE", "france": "FR", "spain": "ES", "españa": "ES", "italy": "IT", "italia": "IT",
    "netherlands": "NL", "the netherlands": "NL", "nederland": "NL", "holland": "NL", "belgium": "BE",
    "belgië": "BE", "belgique": "BE", "switzerland": "CH", "schweiz": "CH", "suisse": "CH",
    "svizzera": "CH", "austria": "AT", "österreich": "AT", "sweden": "SE", "sverige": "SE",
    "denmark": "DK", "danmark": "DK", "norway": "NO", "norge": "NO", "finland": "FI", "suomi": "FI",
    "poland": "PL", "polska": "PL", "portugal": "PT", "greece": "GR", "czech republic": "CZ",
    "czechia": "CZ", "hungary": "HU", "romania": "RO", "bulgaria": "BG", "croatia": "HR",
    "slovakia": "SK", "slovenia": "SI", "estonia": "EE", "latvia": "LV", "lithuania": "LT",
    "luxembourg": "LU", "malta": "MT", "cyprus": "CY", "iceland": "IS", "türkiye": "TR", "turkey": "TR",
    "israel": "IL", "mexico": "MX", "méxico": "MX", "brazil": "BR", "brasil": "BR", "argentina": "AR",
    "chile": "CL", "colombia": "CO", "peru": "PE", "south africa": "ZA", "nigeria": "NG", "kenya": "KE",
    "egypt": "EG", "china": "CN", "hong kong": "HK", "japan": "JP", "south korea": "KR",
    "korea": "KR", "taiwan": "TW", "thailand": "TH", "malaysia": "MY", "indonesia": "ID",
    "vietnam": "VN", "viet nam": "VN", "pakistan": "PK", "bangladesh": "BD",
    "united arab emirates": "AE", "uae": "AE", "saudi arabia": "SA", "russia": "RU",
    "russian federation": "RU", "ukraine": "UA", "barbados": "BB", "mauritius": "MU",
    "vanuatu": "VU", "belize": "BZ", "panama": "PA", "cayman islands": "KY", "curaçao": "CW",
    "curacao": "CW", "seychelles": "SC", "dominica": "DM", "jamaica": "JM", "bahamas": "BS",
    "the bahamas": "BS", "puerto rico": "PR",
}  # fmt: skip
_COUNTRY_NAMES = "|".join(sorted((re.escape(n) for n in COUNTRIES), key=len, reverse=True))
# A country name right after a postcode (or a town): "..., MB R2J 4G7 Canada".
_COUNTRY_AFTER = re.compile(rf"[\s,.;:()\-–]*\b({_COUNTRY_NAMES})(?![\w-])", re.I)
_COUNTRY_ANY = re.compile(rf"\b({_COUNTRY_NAMES})(?![\w-])", re.I)
# Country-code domains that are used as generic names, so say nothing about where a site is.
GENERIC_CCTLDS = {"io", "ai", "co", "me", "tv", "cc", "ws", "fm", "ly", "to", "md", "la", "nu", "tk", "ml", "ga",
                   "cf", "gq", "so", "sh", "ac", "am", "bz", "gg", "im", "vc", "eu", "su", "cx", "ps", "st"}  # fmt: skip
CCTLD_REGION = {"uk": "GB"}

# Postcode anchors, one scan per page. The first character is a plain class so the regex engine can
# skip most positions quickly; the kind is checked by the look-behind after it.
_POSTCODE = re.compile(
    r"[A-Z0-9]"
    r"(?:(?<=[ABCEGHJ-NPRSTVXY])(?P<ca>\d[ABCEGHJ-NPRSTV-Z] ?\d[ABCEGHJ-NPRSTV-Z]\d)"
    r"|(?<=[A-PR-UWYZ])(?P<uk>[A-HK-Y]?\d[A-Z\d]? ?\d[ABD-HJLNP-UW-Z]{2})"
    r"|(?<=\d)(?P<num>\d-\d{3}|\d{2} \d{2}(?!\d)|\d{3}(?:-\d{3}| ?[A-Z]{2}(?![A-Za-z]))?|\d{4}(?:-\d{4})?|\d{5}))"
    r"(?![A-Za-z0-9])"
)
_REGION_BEFORE = re.compile(r"(?:^|[\s,(])([A-Z][A-Za-zé.]*(?: [A-Z][A-Za-z]+){0,3})\.?,?\s*$")
_TOWN_AFTER = re.compile(r"\s+([A-ZÀ-Þ][\w'’.-]+(?:[ -][A-ZÀ-Þ][\w'’.-]+){0,2})")
_TOWN_BEFORE = re.compile(r"([A-ZÀ-Þ][\w'’-]+),?\s*[-–]?\s*$")
_COUNTRY_PREFIX = {"D": "DE", "A": "AT", "CH": "CH", "F": "FR", "NL": "NL", "B": "BE", "I": "IT", "E": "ES",
                   "L": "LU", "DK": "DK", "S": "SE", "N": "NO", "FI": "FI", "PL": "PL", "CZ": "CZ"}  # fmt: skip
_NUMBER_GOES_ON = re.compile(r"-\d|[./](?!\s|$)")  # "2020-11", "12.50", "2020/11"
_LETTER_PREFIX = re.compile(r"\b([A-Z]{1,2})-$")

_STREET_WORDS = (
    r"street|st|avenue|ave|av|road|rd|boulevard|blvd|drive|dr|lane|ln|way|court|ct|place|pl|parkway|pkwy|"
    r"highway|hwy|circle|cir|terrace|square|sq|plaza|crescent|cres|close|trail|trl|pike|row|gardens|gdns|"
    r"mews|walk|grove|broadway|turnpike|freeway|expressway|centre|center|park|building|bldg|tower|house|"
    r"parade|quay|wharf|hill|green|rise|view|market|yard|estate|business park"
)
# Streets, searched in the lower-cased text just before a postcode (no re.IGNORECASE: faster).
_STREET_NUMBER_FIRST = re.compile(
    # 1200 Market Street / 24 Terracon Place / 12 High St. / 12 rue de la Paix / 3 place Bellecour
    rf"\d{{1,6}}[a-z]?(?:[-/]\d{{1,5}}[a-z]?)?(?:\s?(?:bis|ter))?,?\s+"
    rf"(?:(?:rue|avenue|boulevard|bd|chemin|allée|impasse|quai|cours|place|route)\s"
    rf"|(?:[^\W\d_][\w.'’&-]*\s+){{0,5}}?(?:{_STREET_WORDS})\b\.?)"
)
_STREET_WORD_FIRST = re.compile(
    # Friedrichstraße 12 / Damstraat 5 / Storgatan 3 (the word is extended back to its start)
    r"(?:straße|strasse|str\.|weg|gasse|platz|allee|damm|ring|ufer|chaussee|laan|straat|gracht|"
    r"plein|kade|singel|dijk|vej|gade|gatan|vägen|väg|gränd|katu|tie|kuja|tori)\s*\d{1,5}[a-z]?\b"
    # Via Roma 10 / Calle Mayor, 5 / ul. Marszałkowska 10
    r"|\b(?:via|viale|piazza|piazzale|corso|largo|vicolo|calle|avenida|avda\.?|paseo|carrer|rua|travessa|"
    r"ul\.|ulica|al\.|aleje|strada|calea|utca)\s+(?:[^\W\d_][\w.'’-]*,?\s+){0,5}?(?:n[º°o.]\s*)?\d{1,5}[a-z]?\b"
)
_PO_BOX_HINTS = ("box", "bag", "postfach", "apartado", "casilla", "postale", "bp", "pmb")


def _street_start(text: str, low: str, lo: int, hi: int) -> int | None:
    """Where the first street of the window [lo, hi) starts, if it ends within _MAX_GAP of ``hi``."""
    best = None
    for m in _STREET_NUMBER_FIRST.finditer(low, lo, hi):
        if m.start() and (low[m.start() - 1].isalnum() or low[m.start() - 1] in "/.-"):
            continue  # inside another number ("1.200 Street" is not "200 Street")
        if hi - m.end() <= _MAX_GAP:
            best = m.start()
            break
    for m in _STREET_WORD_FIRST.finditer(low, lo, hi):
        if hi - m.end() > _MAX_GAP:
            continue
        start = m.start()
        while start > lo and text[start - 1].isalpha():  # "...straße 12": back to the word's start
            start -= 1
        if best is None or start < best:
            best = start
        break
    return best


_PO_BOX = re.compile(
    r"\b(?:P\.?\s?O\.?\s?Box|Post\s+Office\s+Box|GPO\s+Box|Locked\s+Bag|Private\s+Bag|Postfach|"
    r"Apartado(?:\s+de\s+Correos)?|Casilla(?:\s+de\s+Correos?)?|Case\s+postale|Boîte\s+postale|(?-i:BP|PMB))"
    r"\s*(?:No\.?\s*)?#?\s*\d+",
    re.I,
)
_PO_BOX_WORDS = ("box", "postfach", "apartado", "casilla", "postale", " bag ", " bp ", " pmb")
_HOUSE_NUMBER = re.compile(r"(?<![\w/.-])\d{1,5}[A-Za-z]?,?\s+[^\W\d_]{2,}")
_STREET_WINDOW = 110  # characters before a postcode in which the street must start
_MAX_GAP = 75  # at most this many characters between the end of the street and the postcode
_MAX_ANCHORS = 300  # postcode-like strings read per page (the first and last half: header and footer)
_MAX_POSTCODES = 60  # of those, postcodes whose street is looked for
_MAX_NUMBERS = 80  # phone-like strings read per page, likewise



@dataclass
class Address:
    kind: str  # "street" or "po-box"
    quote: str
    country: str | None
    how: str  # how the country was found: "named", "postcode format", or ""
    url: str
    in_address_tag: bool = False


def _country_code(name: str) -> str | None:
    return COUNTRIES.get(" ".join(name.lower().split()))


def _named_country_after(text: str, pos: int) -> tuple[str | None, int]:
    m = _COUNTRY_AFTER.match(text, pos, pos + 40)
    if m:
        return _country_code(m.group(1)), m.end()
    return None, pos


def _region_words(before: str) -> list[str]:
    """The last one, two and three words before a postcode, lower case ("sydney nsw" -> "nsw", ...)."""
    m = _REGION_BEFORE.search(before)
    if not m:
        return []
    words = m.group(1).rstrip(".").split()
    return [" ".join(words[-n:]).lower() for n in (1, 2, 3) if len(words) >= n]


_GERMAN_STREET = re.compile(r"(?:stra(?:ß|ss)e|str\.|weg|platz|allee|gasse|ring|damm|ufer)\s+\d{1,4}\s?[a-z]?\s*,?\s*$", re.I)
_STREETS_BEFORE_FIVE_DIGITS = (
    ("DE", _GERMAN_STREET),
    ("FR", re.compile(r"\b\d{1,4}(?:\s?(?:bis|ter))?,?\s+(?:rue|avenue|av\.|boulevard|bd|place|chemin|allée|quai|impasse|cours|route)\b"
                      r"[^,\d]{1,40},?\s*$", re.I)),
    ("IT", re.compile(r"\b(?:via|viale|piazza|piazzale|corso|largo|vicolo)\s[^,\d]{1,40}\s\d{1,4}[a-z]?\s*,?\s*(?:-\s*)?$", re.I)),
    ("ES", re.compile(r"\b(?:calle|c/|avenida|avda\.|plaza|paseo|carrer|ronda|camino)\s?[^,\d]{1,40},?\s(?:n\.?º\s?)?\d{1,4}[a-z]?"
                      r"(?:,\s?[^,\d]{1,12})?\s*,?\s*(?:-\s*)?$", re.I)),
)


def _classify_anchor(text: str, m: re.Match[str]) -> tuple[str | None, str, int] | None:
    """For a postcode-like anchor: (country or None, how it is known, end of the address so far).

    ``how`` is "postcode format" (a US state and ZIP, a UK or Canadian postcode, an Australian state
    and postcode), "named" (a country name next to the postcode) or "" (not known yet).
    None: not a postcode.
    """
    start, end = m.start(), m.end()
    if start and (text[start - 1].isalnum() or text[start - 1] in "$€£.,/#:-"):
        return None
    if _NUMBER_GOES_ON.match(text, end):
        return None  # a date, a range or a decimal, not a postcode
    if m.group("ca"):
        return "CA", "postcode format", end
    if m.group("uk"):
        return "GB", "postcode format", end
    before = text[max(0, start - 40) : start]
    code = m.group(0)
    digits = code.replace("-", "")
    if len(digits) in (5, 9) and digits.isdigit():
        last = _REGION_BEFORE.search(before)
        if last and (last.group(1).rstrip(".").split()[-1] in _US_STATES
                     or any(w in _US_STATE_WORDS for w in _region_words(before))):  # fmt: skip
            return "US", "postcode format", end
    if len(code) == 4 and code.isdigit() and any(w in _AU_STATES for w in _region_words(before)):
        return "AU", "postcode format", end
    # Another country's postcode: needs its town next to it ("10115 Berlin", "Singapore 238801").
    town = _TOWN_AFTER.match(text, end, end + 60)
    if town:
        country = _country_code(town.group(1))
        if country:
            return country, "named", town.end()
        if len(digits) == 5 and digits.isdigit():
            # "Ottmannshofer Straße 19, 88299 Leutkirch", "12 rue Mercière, 69002 Lyon", "Via Roma 12, 20121
            # Milano", "Calle Mayor 5, 28013 Madrid": the street's own word names the country of a five-digit
            # postcode (Austria and Switzerland use four digits).
            for country, street in _STREETS_BEFORE_FIVE_DIGITS:
                if street.search(before):
                    return country, "postcode format", town.end()
        return None, "", town.end()
    prefix = _LETTER_PREFIX.search(text, max(0, start - 3), start)
    if prefix and prefix.group(1) in _COUNTRY_PREFIX:
        return _COUNTRY_PREFIX[prefix.group(1)], "postcode format", end
    town_before = _TOWN_BEFORE.search(before)
    if town_before:
        # "Singapore 238801", "Mumbai - 400001": a country, or a town before a 6-digit PIN.
        country = _country_code(town_before.group(1))
        if country:
            return country, "named", end
        if len(code) == 6:
            return None, "", end
    return None


def _find_addresses(page: Page, text: str, in_tag: bool = False) -> tuple[list[Address], list[tuple[int, int]]]:
    """Addresses anchored on postcodes in ``text``; also the spans they cover."""
    found: list[Address] = []
    spans: list[tuple[int, int]] = []
    covered_to = -1
    low = lower_text(page) if text is page.text else lower_same_length(text)
    anchors = []
    for m in head_and_tail(list(_POSTCODE.finditer(text)), _MAX_ANCHORS):
        classified = _classify_anchor(text, m)
        if classified is not None:
            anchors.append((m, classified))
    for m, (inferred, how, end) in head_and_tail(anchors, _MAX_POSTCODES):
        if m.start() < covered_to:
            continue
        lo = max(0, m.start() - _STREET_WINDOW)
        street = _street_start(text, low, lo, m.start())
        box = None
        window = low[lo : m.start()]
        if any(hint in window for hint in _PO_BOX_HINTS):
            for b in _PO_BOX.finditer(text, lo, m.start()):
                box = b
        begin = None
        if street is not None:
            begin, addr_kind = street, "street"
        elif box is not None:
            begin, addr_kind = box.start(), "po-box"
        elif in_tag:
            house = None
            for h in _HOUSE_NUMBER.finditer(text, lo, m.start()):
                house = house or h
            if house is not None:
                begin, addr_kind = house.start(), "street"
        if begin is None:
            continue
        named, after = _named_country_after(text, end)
        if named:  # a country written after the postcode (or its town) wins over the format
            country, how, stop = named, "named", after
        else:
            country, stop = inferred, end
        found.append(Address(addr_kind, clean_quote(text[begin:stop]), country, how, page.url, in_tag))
        spans.append((begin, stop))
        covered_to = stop
    return found, spans


def _lone_po_boxes(page: Page, spans: list[tuple[int, int]]) -> list[Address]:
    text, low = page.text, lower_text(page)
    out = []
    windows = keyword_windows(low, _PO_BOX_WORDS, 40, 12)
    for b in finditer_in(_PO_BOX, text, windows):
        if any(lo <= b.start() < hi for lo, hi in spans):
            continue
        country = None
        c = _COUNTRY_ANY.search(text, b.end(), b.end() + 80)
        stop = b.end()
        if c:
            country, stop = _country_code(c.group(1)), c.end()
        out.append(Address("po-box", clean_quote(text[b.start() : stop]), country, "named" if country else "", page.url))
    return out


def _address_tag_texts(page: Page) -> list[str]:
    return [clean_quote(text) for text in page.addresses]


_ADDRESS_CACHE: "weakref.WeakKeyDictionary[Page, list[Address]]" = weakref.WeakKeyDictionary()


def page_addresses(page: Page) -> list[Address]:
    """The street addresses and PO boxes on a page (computed once per page; the cross-border rule uses it too)."""
    cached = _ADDRESS_CACHE.get(page)
    if cached is None:
        cached = _ADDRESS_CACHE[page] = _find_page_addresses(page)
    return cached


def _find_page_addresses(page: Page) -> list[Address]:
    found, spans = _find_addresses(page, page.text)
    for tag_text in _address_tag_texts(page):
        tagged, _ = _find_addresses(page, tag_text, in_tag=True)
        if not tagged:
            country = _COUNTRY_ANY.search(tag_text)
            if country and _HOUSE_NUMBER.search(tag_text) and not _PO_BOX.search(tag_text):
                tagged = [Address("street", tag_text, _country_code(country.group(1)), "named", page.url, True)]
        found.extend(tagged)
    found.extend(_lone_po_boxes(page, spans))
    return found


# ----------------------------------------------------------------------------------------------
# Phones

# A digit first, so the engine skips non-digits fast; "+" and "(" in front are picked up after.
_PHONE_CANDIDATE = re.compile(r"\d[\d \-.()/\u2013]{5,22}\d")
_VANITY = re.compile(r"1[-. ]?8(?:00|33|44|55|66|77|88)[-. ]?[A-Z0-9]{3}[-. ]?[A-Z0-9]{4}\b")
_DATE_SHAPE = re.compile(r"\d{4}[-/.]\d{1,2}[-/.]\d{1,2}|\d{1,2}[-/.]\d{1,2}[-/.]\d{2,4}|\d{4}\s?[-–]\s?\d{4}")
# Words that label a phone number, tested with `in` on the lower-cased label (a regex here costs
# microseconds per number, and product pages are full of numbers).
_PHONE_CUES = ("call", "phone", "tel:", "tel.", "tel ", "telephone", "toll", "hotline", "helpline", "contact",
               "mobile", "whatsapp", "viber", "sms", "text us", "☎", "📞", "dial", "reach us", "tty",
               "customer service", "customer care", "support", "pharmacist", "fax")  # fmt: skip
_FAX = re.compile(r"\bfax\b|\bfacsimile\b", re.I)
_GROUPS = re.compile(r"\d+")
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


_NOT_ALNUM = re.compile(r"[\W_]+")
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
        return Phone(
            e164=phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164),
            region=main,
            kind=_TYPE_NAMES.get(ntype, "unknown type"),
            regions=regions_of,
            shared_plan=f"+{number.country_code}" if ntype in _AREA_TYPES and len(regions_of) > 1 else None,
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


# ----------------------------------------------------------------------------------------------
# E-mail, forms, contact pages

_EMAIL = re.compile(r"[A-Za-z0-9._%+-]{1,64}@[A-Za-z0-9-]+(?:\.[A-Za-z0-9-]+)*\.[A-Za-z]{2,24}\b")
_EMAIL_LOCAL_CHARS = frozenset("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789._%+-")
_EMAIL_DOMAIN = re.compile(r"[A-Za-z0-9-]+(?:\.[A-Za-z0-9-]+)*\.[A-Za-z]{2,24}\b")
_MAX_AT_SIGNS = 100  # "@" read per page (the first and last half)
_NOT_EMAIL_TLDS = {"png", "jpg", "jpeg", "gif", "svg", "webp", "css", "js", "ico", "avif"}
# Free webmail providers, by the name of the registered domain (gmail.com, yahoo.co.uk, mail.ru, me.com).
_WEBMAIL_NAMES = {"gmail", "googlemail", "yahoo", "ymail", "hotmail", "outlook", "live", "msn", "aol", "mail",
                  "yandex", "protonmail", "proton", "qq", "163", "126", "icloud", "me", "gmx", "rediffmail",
                  "inbox", "rambler", "web"}  # fmt: skip
_CF_CODE = re.compile(rb"""["']?([0-9a-fA-F]{4,200})""")
# "Contact lenses" is a product, not a contact page.
_CONTACT_LINK_TEXT = re.compile(
    r"\bcontact(?!\s*lens)(?:\s+us)?\b|\bget\s+in\s+touch\b|\bkontakt\b|\bcontacto\b|\bcontactez\b|"
    r"\bnous\s+contacter\b|\bcontatti\b|\bcontattaci\b",
    re.I,
)
_CONTACT_WORDS = ("contact", "kontakt", "touch", "contatt")
_CONTACT_URL = re.compile(r"contact(?![-_ ]?lens)|kontakt|contatti|get-in-touch", re.I)
_CONTACTISH = re.compile(r"contact|enquir|inquir|message|feedback|support|question|kontakt|contacto|ask", re.I)
_MESSAGE_FIELD = re.compile(r"message|enquiry|inquiry|question|subject|comments?|body|details|msg", re.I)


def _is_webmail(domain: str) -> bool:
    registered = registered_domain(f"http://{domain.lower()}/")
    return registered.split(".", 1)[0] in _WEBMAIL_NAMES


def _cloudflare_codes(page: Page) -> Iterator[bytes]:
    """The hex codes of Cloudflare-protected addresses (data-cfemail attributes, email-protection links)."""
    for code in page.protected_emails:
        m = _CF_CODE.match(code.encode("ascii", "replace"))
        if m:
            yield m.group(1)


def _cf_decode(hexed: bytes) -> str | None:
    try:
        data = bytes.fromhex(hexed.decode("ascii"))
    except ValueError:
        return None
    key = data[0]
    try:
        decoded = bytes(b ^ key for b in data[1:]).decode("utf-8")
    except UnicodeDecodeError:
        return None
    return decoded if _EMAIL.fullmatch(decoded) else None


def _emails(page: Page, bag: EvidenceBag, webmail: dict[str, bool]) -> None:
    text = page.text
    for at in keyword_positions(text, ("@",), _MAX_AT_SIGNS):
        start = at
        while start > max(0, at - 64) and text[start - 1] in _EMAIL_LOCAL_CHARS:
            start -= 1
        domain = _EMAIL_DOMAIN.match(text, at + 1)
        if start == at or domain is None:
            continue
        address = text[start : domain.end()].strip(".").lower()
        if address.rsplit(".", 1)[-1] in _NOT_EMAIL_TLDS:
            continue
        webmail[address] = _is_webmail(domain.group(0))
        bag.add(f"email:{address}", page.url, page.snippet(start, domain.end(), context=40), "text",
                "an e-mail address shown on the page")  # fmt: skip
    cloudflare_link = False
    for link in page.links:
        low = link.url.lower()
        if low.startswith("mailto:"):
            address = unquote(link.url[7:]).split("?", 1)[0].strip().lower()
            if _EMAIL.fullmatch(address):
                webmail[address] = _is_webmail(address.split("@", 1)[1])
                bag.add(f"email:{address}", page.url, link.url, "link", f"a mailto: link ({link.text or address})")
        elif "/cdn-cgi/l/email-protection" in low:
            cloudflare_link = True
    if cloudflare_link or page.protected_emails:
        decoded_any = False
        for m in _cloudflare_codes(page):
            address = _cf_decode(m)
            if address:
                decoded_any = True
                address = address.lower()
                webmail[address] = _is_webmail(address.split("@", 1)[1])
                bag.add(f"email:{address}", page.url, f"[email protected] -> {address}", "link",
                        "an e-mail address hidden by Cloudflare's e-mail protection, decoded from the page")  # fmt: skip
        if cloudflare_link and not decoded_any:
            bag.add("email:cloudflare", page.url, "[email protected]", "link",
                    "an e-mail address hidden by Cloudflare's e-mail protection")  # fmt: skip


def _contact_forms(page: Page, bag: EvidenceBag) -> None:
    page_contactish = page.role == "contact" or bool(_CONTACT_URL.search(urlsplit(page.url).path))
    for form in page.forms:
        if form.has_password or form.has_payment:
            continue
        action = form.action.lower()
        if "comment" in action or "search" in action:
            continue
        names = [f.split(":") for f in form.fields]
        padded = [parts + ["", ""] for parts in names]
        has_email = any(p[0] == "email" or "mail" in p[1] or "email" in p[2] for p in padded)
        has_textarea = any(p[0] == "textarea" for p in padded)
        has_message = any(_MESSAGE_FIELD.search(p[1]) for p in padded)
        contactish = page_contactish or bool(_CONTACTISH.search(urlsplit(form.action).path))
        if (has_textarea and (has_email or contactish)) or (has_email and (has_message or contactish) and len(names) >= 2):
            bag.add(f"form:{form.action}", page.url, f"<form action={form.action!r}> fields: {', '.join(form.fields)[:150]}",
                    "form", "a form that takes a message and a way to reply")  # fmt: skip


def _contact_pages(site: Site, bag: EvidenceBag) -> None:
    for page in site.pages:
        if page.role == "contact":
            bag.add(f"page:{page.url.rstrip('/')}", page.url, page.title or page.url, "title",
                    "the site's contact page was read")  # fmt: skip
    for page in site.pages:
        for i in items_containing([f"{link.text}\t{link.url}" for link in page.links], _CONTACT_WORDS):
            link = page.links[i]
            url, text = link.url, link.text
            if url.lower().startswith(("mailto:", "tel:")):
                continue
            by_text = len(text) <= 60 and bool(_CONTACT_LINK_TEXT.search(text))
            by_url = bool(_CONTACT_URL.search(urlsplit(url).path))
            if (by_text or by_url) and local_site(url, page.url):
                bag.add(f"page:{url.rstrip('/')}", page.url, f"{text} -> {url}" if text else url, "link",
                        "a link to the site's contact page")  # fmt: skip


# ----------------------------------------------------------------------------------------------
# The rule


def _describe(countries: set[str]) -> str:
    return ", ".join(sorted(countries)) or "none"


def check(site: Site) -> Iterator[Finding]:
    if not site.pages:
        yield Finding(outcome="contact-not-checked", status=NOT_APPLICABLE,
                      message="No page could be read, so contact details were not checked.")  # fmt: skip
        return
    searched = site.urls
    on_pages = f"on the {len(searched)} page{'s' if len(searched) != 1 else ''} read"

    # 1. Addresses
    streets = EvidenceBag()
    boxes = EvidenceBag()
    street_countries: list[str] = []
    box_countries: list[str] = []
    unknown_country = EvidenceBag()
    for page in site.pages:
        for addr in page_addresses(page):
            key = "".join(c for c in addr.quote.lower() if c.isalnum())
            where = "text"
            tag = " inside the page's <address> element" if addr.in_address_tag else ""
            if addr.kind == "po-box":
                boxes.add(key, addr.url, addr.quote, where, f"a PO box{tag}, not a street address")
                if addr.country and addr.country not in box_countries:
                    box_countries.append(addr.country)
            elif addr.country:
                how = "named on the page" if addr.how == "named" else "from the postcode format"
                streets.add(key, addr.url, addr.quote, where, f"a street address in {addr.country} ({how}){tag}")
                if addr.country not in street_countries:
                    street_countries.append(addr.country)
            else:
                unknown_country.add(key, addr.url, addr.quote, where, f"a street address; its country is not stated{tag}")
    if streets:
        yield Finding(
            outcome="contact-address-found", status=PASS,
            message=f"A street address is shown (country: {', '.join(street_countries)}). Check that it is a real pharmacy.",
            evidence=streets.evidence(),
            facts={"countries": street_countries, "addresses": len(streets), "po_boxes": len(boxes)},
        )  # fmt: skip
    elif unknown_country:
        yield Finding(
            outcome="contact-address-country-unknown", status=WARN,
            message="A street address is shown, but not which country it is in.",
            evidence=unknown_country.evidence(), facts={"addresses": len(unknown_country)},
        )  # fmt: skip
    elif boxes:
        yield Finding(
            outcome="contact-address-po-box-only", status=WARN,
            message="Only a PO box is given, no street address: a PO box does not show where the pharmacy is.",
            evidence=boxes.evidence(), searched=searched, facts={"countries": box_countries},
        )  # fmt: skip
    else:
        yield Finding(
            outcome="contact-address-missing", status=FAIL,
            message=f"No postal address was found {on_pages}. A safe online pharmacy shows its street address.",
            searched=searched,
        )  # fmt: skip

    # 2. Phones
    sightings = [s for page in site.pages for s in _phone_sightings(page)]
    address_countries = street_countries or box_countries
    regions, region_sources = _region_guesses(site, address_countries, sightings)
    phones: dict[str, Phone] = {}
    phone_bag = EvidenceBag()
    fax_numbers: list[str] = []
    invalid_bag = EvidenceBag(limit=4)
    # Parse each distinct number once; labelled ones and tel: links first, within a budget.
    parsed: dict[str, Phone | None] = {}
    for s in sorted(sightings, key=lambda s: (s.fax, not s.cued)):
        if s.key not in parsed and len(parsed) < _MAX_PHONE_PARSES and not s.fax:
            parsed[s.key] = _parse_phone(s.raw, regions)
    for s in sightings:
        if s.fax and s.key not in parsed:
            if s.raw not in fax_numbers:
                fax_numbers.append(s.raw)  # as written: a fax number is not read further
            continue
        if s.key not in parsed:
            continue
        phone = parsed[s.key]
        if phone is None:
            if s.cued and not s.fax:
                invalid_bag.add(s.key, s.page.url, s.quote, s.where, f"{s.raw!r} is not a valid phone number")
            continue
        if s.fax:
            if phone.e164 not in fax_numbers:
                fax_numbers.append(phone.e164)
            continue
        phones.setdefault(phone.e164, phone)
        if phone.e164 in phone_bag:
            phone_bag.add(phone.e164, s.page.url, None, s.where, "")
        else:
            phone_bag.add(phone.e164, s.page.url, s.quote, s.where, f"{phone.e164}: a valid {phone.kind} number ({phone.where})")
    if phones:
        listed = [{"e164": p.e164, "region": p.region, "type": p.kind, "shared_plan": p.shared_plan,
                   "pages": len(phone_bag.pages(p.e164))} for p in phones.values()]  # fmt: skip
        yield Finding(
            outcome="contact-phone-found", status=PASS,
            message=f"A valid phone number is shown ({', '.join(list(phones)[:3])}). Call it before you order.",
            evidence=phone_bag.evidence(),
            facts={"phones": listed, "fax": fax_numbers, "regions_tried": region_sources},
        )  # fmt: skip
    elif invalid_bag:
        yield Finding(
            outcome="contact-phone-invalid", status=WARN,
            message="Phone numbers are shown, but none of them is a valid number.",
            evidence=invalid_bag.evidence(), searched=searched,
            facts={"regions_tried": region_sources, "fax": fax_numbers},
        )  # fmt: skip
    else:
        yield Finding(
            outcome="contact-phone-missing", status=FAIL,
            message=f"No phone number was found {on_pages}. A safe online pharmacy gives a phone number you can call.",
            searched=searched, facts={"regions_tried": region_sources, "fax": fax_numbers},
        )  # fmt: skip

    # 3. E-mail or contact form
    email_bag = EvidenceBag()
    webmail: dict[str, bool] = {}
    form_bag = EvidenceBag(limit=3)
    for page in site.pages:
        _emails(page, email_bag, webmail)
        _contact_forms(page, form_bag)
    if email_bag or form_bag:
        only_webmail = bool(webmail) and all(webmail.values()) and not form_bag and "email:cloudflare" not in email_bag
        evidence = email_bag.evidence()[:4] + form_bag.evidence()
        facts = {"emails": sorted(webmail), "forms": len(form_bag), "webmail_only": only_webmail}
        if only_webmail:
            yield Finding(
                outcome="contact-email-webmail-only", status=WARN,
                message="The only e-mail address is a free webmail one; a pharmacy normally writes from its own domain.",
                evidence=evidence, facts=facts,
            )  # fmt: skip
        else:
            what = " and ".join(w for w, present in (("an e-mail address", email_bag), ("a contact form", form_bag)) if present)
            yield Finding(outcome="contact-email-found", status=PASS, message=f"The site offers {what}.",
                          evidence=evidence, facts=facts)  # fmt: skip
    else:
        yield Finding(
            outcome="contact-email-missing", status=FAIL,
            message=f"No e-mail address and no contact form were found {on_pages}.", searched=searched,
        )  # fmt: skip

    # 4. Contact page
    page_bag = EvidenceBag(limit=3)
    _contact_pages(site, page_bag)
    if page_bag:
        yield Finding(outcome="contact-page-found", status=PASS, message="The site has a contact page.",
                      evidence=page_bag.evidence(), facts={"contact_pages": [k[5:] for k in page_bag.keys()][:10]})  # fmt: skip
    else:
        yield Finding(outcome="contact-page-missing", status=WARN,
                      message=f"No contact page or contact link was found {on_pages}.", searched=searched)  # fmt: skip

    # 5. Do the address and the phone agree?
    claimed = set(address_countries)
    phone_regions: set[str] = set()
    for p in phones.values():
        phone_regions |= p.regions
    main_regions = {p.region for p in phones.values() if p.region}
    if not claimed or not phones:
        missing = "no address country" if not claimed else "no valid phone number"
        yield Finding(
            outcome="contact-country-unknown", status=NOT_APPLICABLE,
            message=f"The address country and the phone's country cannot be compared ({missing}).",
            facts={"address_countries": sorted(claimed), "phone_regions": sorted(main_regions)},
        )  # fmt: skip
    elif claimed & phone_regions:
        foreign = sorted(p.e164 for p in phones.values() if not (p.regions & claimed))
        yield Finding(
            outcome="contact-country-match", status=PASS,
            message=f"The address country ({_describe(claimed)}) and a phone number's country agree.",
            evidence=(streets.evidence() or boxes.evidence())[:1] + phone_bag.evidence()[:2],
            facts={"address_countries": sorted(claimed), "phone_regions": sorted(main_regions), "foreign_phones": foreign},
        )  # fmt: skip
    else:
        yield Finding(
            outcome="contact-country-mismatch", status=WARN,
            message=(f"The address is in {_describe(claimed)} but every phone number is from "
                     f"{_describe(main_regions)}: the site may not be where it says it is."),
            evidence=(streets.evidence() or boxes.evidence())[:2] + phone_bag.evidence()[:3],
            facts={"address_countries": sorted(claimed), "phone_regions": sorted(main_regions)},
        )  # fmt: skip

