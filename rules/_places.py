"""Places on a page, for the contact and cross-border rules (private): street addresses and PO boxes
with the country their postcode or their words name, country names, and which country-code domains
name a country. How an address is recognised is described in :mod:`pharmcheck.rules.contact`."""

from __future__ import annotations

import re
import weakref
from dataclasses import dataclass

from pharmcheck.lazyre import lazy_re
from pharmcheck.site import Page

from ._text import (
    clean_quote,
    finditer_in,
    head_and_tail,
    keyword_windows,
    lower_same_length,
    lower_text,
)


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
_COUNTRY_ANY = lazy_re(rf"\b({_COUNTRY_NAMES})(?![\w-])", re.I)
# Country-code domains that are used as generic names, so say nothing about where a site is.
GENERIC_CCTLDS = {"io", "ai", "co", "me", "tv", "cc", "ws", "fm", "ly", "to", "md", "la", "nu", "tk", "ml", "ga",
                   "cf", "gq", "so", "sh", "ac", "am", "bz", "gg", "im", "vc", "eu", "su", "cx", "ps", "st"}  # fmt: skip
CCTLD_REGION = {"uk": "GB"}

# Postcode anchors, one scan per page. The first character is a plain class so the regex engine can
# skip most positions quickly; the kind is checked by the look-behind after it.
_POSTCODE = lazy_re(
    r"[A-Z0-9]"
    r"(?:(?<=[ABCEGHJ-NPRSTVXY])(?P<ca>\d[ABCEGHJ-NPRSTV-Z] ?\d[ABCEGHJ-NPRSTV-Z]\d)"
    r"|(?<=[A-PR-UWYZ])(?P<uk>[A-HK-Y]?\d[A-Z\d]? ?\d[ABD-HJLNP-UW-Z]{2})"
    r"|(?<=\d)(?P<num>\d-\d{3}|\d{2} \d{2}(?!\d)|\d{3}(?:-\d{3}| ?[A-Z]{2}(?![A-Za-z]))?|\d{4}(?:-\d{4})?|\d{5}))"
    r"(?![A-Za-z0-9])"
)
_REGION_BEFORE = lazy_re(r"(?:^|[\s,(])([A-Z][A-Za-zé.]*(?: [A-Z][A-Za-z]+){0,3})\.?,?\s*$")
_TOWN_AFTER = re.compile(r"\s+([A-ZÀ-Þ][\w'’.-]+(?:[ -][A-ZÀ-Þ][\w'’.-]+){0,2})")
_TOWN_BEFORE = re.compile(r"([A-ZÀ-Þ][\w'’-]+),?\s*[-–]?\s*$")
_COUNTRY_PREFIX = {"D": "DE", "A": "AT", "CH": "CH", "F": "FR", "NL": "NL", "B": "BE", "I": "IT", "E": "ES",
                   "L": "LU", "DK": "DK", "S": "SE", "N": "NO", "FI": "FI", "PL": "PL", "CZ": "CZ"}  # fmt: skip
_NUMBER_GOES_ON = lazy_re(r"-\d|[./](?!\s|$)")  # "2020-11", "12.50", "2020/11"
_LETTER_PREFIX = lazy_re(r"\b([A-Z]{1,2})-$")

_STREET_WORDS = (
    r"street|st|avenue|ave|av|road|rd|boulevard|blvd|drive|dr|lane|ln|way|court|ct|place|pl|parkway|pkwy|"
    r"highway|hwy|circle|cir|terrace|square|sq|plaza|crescent|cres|close|trail|trl|pike|row|gardens|gdns|"
    r"mews|walk|grove|broadway|turnpike|freeway|expressway|centre|center|park|building|bldg|tower|house|"
    r"parade|quay|wharf|hill|green|rise|view|market|yard|estate|business park"
)
# Streets, searched in the lower-cased text just before a postcode (no re.IGNORECASE: faster).
_STREET_NUMBER_FIRST = lazy_re(
    # 1200 Market Street / 24 Terracon Place / 12 High St. / 12 rue de la Paix / 3 place Bellecour
    rf"\d{{1,6}}[a-z]?(?:[-/]\d{{1,5}}[a-z]?)?(?:\s?(?:bis|ter))?,?\s+"
    rf"(?:(?:rue|avenue|boulevard|bd|chemin|allée|impasse|quai|cours|place|route)\s"
    rf"|(?:[^\W\d_][\w.'’&-]*\s+){{0,5}}?(?:{_STREET_WORDS})\b\.?)"
)
_STREET_WORD_FIRST = lazy_re(
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


_PO_BOX = lazy_re(
    r"\b(?:P\.?\s?O\.?\s?Box|Post\s+Office\s+Box|GPO\s+Box|Locked\s+Bag|Private\s+Bag|Postfach|"
    r"Apartado(?:\s+de\s+Correos)?|Casilla(?:\s+de\s+Correos?)?|Case\s+postale|Boîte\s+postale|(?-i:BP|PMB))"
    r"\s*(?:No\.?\s*)?#?\s*\d+",
    re.I,
)
_PO_BOX_WORDS = ("box", "postfach", "apartado", "casilla", "postale", " bag ", " bp ", " pmb")
_HOUSE_NUMBER = lazy_re(r"(?<![\w/.-])\d{1,5}[A-Za-z]?,?\s+[^\W\d_]{2,}")
_STREET_WINDOW = 110  # characters before a postcode in which the street must start
_MAX_GAP = 75  # at most this many characters between the end of the street and the postcode
_MAX_ANCHORS = 300  # postcode-like strings read per page (the first and last half: header and footer)
_MAX_POSTCODES = 60  # of those, postcodes whose street is looked for



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


_GERMAN_STREET = lazy_re(r"(?:stra(?:ß|ss)e|str\.|weg|platz|allee|gasse|ring|damm|ufer)\s+\d{1,4}\s?[a-z]?\s*,?\s*$", re.I)
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
