"""What the ``cross-border`` rule reads in a page: country names and nationalities, and the phrases of
selling abroad, of medicines sourced abroad, of where the pharmacy says it is, and of selling at home
(private to rules/cross_border.py, which reads them).

Each phrase is a pattern anchored on keywords (:class:`_Pattern`): the keywords' places are found with
``str.find``, once per page, and the pattern is matched *at* each place, so a page costs a few
microseconds per keyword place instead of a regular-expression scan of its whole text.
"""

from __future__ import annotations

import re
from bisect import bisect_right
from typing import Any

from pharmcheck.lazyre import lazy_re
from pharmcheck.rules._drugs import Phrase, context, positions, sentence_bounds
from pharmcheck.rules._text import MAX_PLACES, head_and_tail, line_starts
from pharmcheck.site import Page
from pharmcheck.rules._places import COUNTRIES

# ----------------------------------------------------------------------------------------------
# Places: country names (the contact rule's table) and the adjectives of the countries that online
# pharmacies sell to or source from.

_PLACE_EXTRA = {"u.s.": "US", "u.s": "US", "america": "US", "the us": "US", "us": "US", "the united states": "US"}
_NATIONALITY = {
    "american": "US", "us": "US", "u.s.": "US", "u.s": "US", "usa": "US", "u.s.a.": "US", "canadian": "CA",
    "british": "GB", "uk": "GB", "u.k.": "GB", "english": "GB", "scottish": "GB", "welsh": "GB", "irish": "IE",
    "indian": "IN", "australian": "AU", "new zealand": "NZ", "mexican": "MX", "turkish": "TR", "german": "DE",
    "french": "FR", "spanish": "ES", "italian": "IT", "dutch": "NL", "swiss": "CH", "singaporean": "SG",
    "chinese": "CN", "filipino": "PH", "pakistani": "PK",
}  # fmt: skip
_SAME_COUNTRY = {"US": {"PR"}, "PR": {"US"}}  # Puerto Rico is in the US market


def _alternation(names) -> str:
    return "|".join(re.escape(n).replace(r"\ ", r"\s+") for n in sorted(set(names), key=lambda n: (-len(n), n)))


# A country as written in running text. A bare "us" is a pronoun: "the US" and "U.S." only (and the
# upper case is checked on the page, see _places).
_PLACE = (
    rf"(?:(?:the\s+)?(?:{_alternation([n for n in COUNTRIES if n != 'us'] + ['u.s.', 'america'])})(?![a-z])"
    r"|the\s+us(?![a-z.]))"
)
_PLACE_LIST = (
    rf"{_PLACE}(?:(?:\s*,\s*(?:and\s+|or\s+)?|\s+(?:and|or|&)\s+|\s*/\s*)(?:(?:to|into|in)\s+)?"
    rf"(?:{_PLACE}|other\s+countries))*"
)
_PLACE_RX = lazy_re(rf"(?<![a-z]){_PLACE}")
_NAT = rf"(?:{_alternation(_NATIONALITY)})(?![a-z])"
_NAT_RX = lazy_re(rf"(?<![a-z]){_NAT}")

_SHIP = r"(?:ship|deliver|dispatch|send|sent|mail)(?:s|es|ed|ing|ping|ped|ies|y|ments?)?"
_WORDS = r"(?:[a-z'’]+\s+|\d+\s+)"  # a word and its space, inside a phrase
_CUSTOMERS = r"(?:customers|patients|clients|buyers|consumers|residents|citizens|shoppers|seniors|members|families)"
_OUTLETS = (
    r"(?:pharmac(?:y|ies)|pharmacists?|suppliers?|warehouses?|dispensar(?:y|ies)|fulfil?ment\s+(?:centres?|centers?|"
    r"partners?)|distribution\s+(?:centres?|centers?)|partners?|facilit(?:y|ies))"
)
_OTHER_COUNTRIES = (
    r"(?:several|various|many|multiple|different|other|another|a\s+different|foreign|other\s+foreign)\s+countr(?:y|ies)"
)

# What the rule looks for is a set of patterns, each anchored on a keyword: the keyword's places are found
# with str.find, once per page, and the pattern is matched *at* each place, so a page costs a few
# microseconds per keyword place instead of a regular-expression scan of its whole text. A pattern with
# ``back`` also needs the words just before its keyword ("an" in "an international pharmacy").


class _Pattern:
    """``rx`` is matched at the keyword (lower-cased text) and may hold a "place" or "nat" group; ``back``,
    when there is one, must match the text that ends at the keyword (searched with \\Z), starting at most
    ``span`` characters back. Both are compiled on first use: most pages hold few of the keywords."""

    __slots__ = ("kind", "keywords", "span", "_rx", "_back", "rx", "back")

    def __init__(self, kind: str, keywords: tuple[str, ...], rx: str, back: str | None = None, span: int = 0):
        self.kind, self.keywords, self.span = kind, keywords, span
        self._rx, self._back = rx, back

    def __getattr__(self, name: str) -> Any:
        if name == "rx":
            value = self.rx = re.compile(self._rx)
        elif name == "back":
            value = self.back = re.compile(self._back + r"\Z") if self._back is not None else None
        else:
            raise AttributeError(name)
        return value


def _p(kind: str, keywords: tuple[str, ...], rx: str, back: str | None = None, span: int = 0) -> _Pattern:
    return _Pattern(kind, keywords, rx, back, span)


_SHIP_WORDS = ("ship", "deliver", "dispatch", "send", "sent", "mail")
_WORLD_WORDS = ("worldwide", "international", "global", "overseas")
_CUSTOMER_WORDS = ("customer", "patient", "client", "buyer", "consumer", "resident", "citizen", "shopper", "senior",
                   "member", "famil", "people")  # fmt: skip
_COUNTRIES_WORLDWIDE = (
    r"(?:(?:over|more\s+than|almost|nearly)\s+)?(?:\d+\+?|all|any|most|many|every)\s+(?:\w+\s+)?countries"
)

# 1. Selling to buyers in other countries.
_SELLS = (
    # "we ship to your door in the USA", "we deliver across Canada and the US"
    _p("ship_to", _SHIP_WORDS,
       rf"{_SHIP}\s+{_WORDS}{{0,4}}?(?:to|into|in|throughout|across)\s+(?P<place>{_PLACE_LIST})"),
    # "we ship internationally", "delivery to over 100 countries"
    _p("world", _SHIP_WORDS,
       rf"{_SHIP}\s+(?:(?:is\s+)?available\s+)?{_WORDS}{{0,3}}?(?:worldwide|internationally|globally|overseas|abroad|"
       rf"all\s+over\s+the\s+world|around\s+the\s+(?:world|globe)|(?:to|in)\s+{_COUNTRIES_WORLDWIDE}|"
       r"to\s+(?:any|your)\s+country)"),
    # "worldwide shipping", "free international delivery"
    _p("world", _WORLD_WORDS,
       r"(?:worldwide|international|global|overseas)\s+(?:(?:express|airmail|courier|free|discreet|fast)\s+)?"
       r"(?:shipping|delivery|deliveries|shipments?|dispatch)"),
    # "customers in over 50 countries", "patients around the world"
    _p("world", _CUSTOMER_WORDS,
       rf"{_CUSTOMERS}\s+(?:(?:from|in|across)\s+)?(?:(?:over|more\s+than)\s+\d+\+?\s+countries|\d+\+?\s+countries|"
       r"(?:around|all\s+over|across)\s+the\s+(?:world|globe)|worldwide)"),
    # "customers in the United States", "patients from the USA"
    _p("cust", _CUSTOMER_WORDS,
       rf"(?:{_CUSTOMERS}|people)\s+(?:\w+\s+)?(?:in|from|across|throughout)\s+(?P<place>{_PLACE_LIST})"),
    # "for our American customers", "US addresses"
    _p("cust", _CUSTOMER_WORDS + ("address",), rf"(?:{_CUSTOMERS}|addresses)(?![a-z])",
       back=rf"(?<![a-z])(?P<nat>{_NAT})\s+", span=24),
    # "savings over U.S. retail prices", "compared with US pharmacy prices"
    _p("cmp", ("than", "over", "off", "compared", "below", "versus", "vs"),
       r"(?:than|over|off|compared\s+(?:with|to)|below|versus|vs\.?)\s+(?:(?:the|typical|average|local|usual|normal|"
       rf"high|brand)\s+)*(?P<nat>{_NAT})\s+(?:(?:retail|pharmacy|drugstore|brand)\s+)*"
       r"(?:prices|retail|costs?)(?![a-z])"),
    # "an international online pharmacy"; Manitoba's licence for pharmacies that serve patients abroad
    _p("intl", ("international", "global", "worldwide"),
       r"(?:international|global|worldwide)\s+(?:(?:online|internet|mail[- ]order|discount)\s+)?"
       r"(?:pharmacy|drugstore|drug\s+store|chemist)(?!\s+(?:partners?|network))",
       back=r"(?<![a-z])(?:an?|the|our)\s+(?:(?:leading|trusted|licensed|reliable|reputable|largest|best)\s+)*",
       span=40),
    _p("intl", ("international",), r"international\s+prescription\s+services?"),
    _p("intl", ("ips",), r"ips\s+pharmac(?:y|ies)"),
    # a parcel at customs crosses a border
    _p("customs", ("customs",),
       r"customs\s+(?:seizures?|seize[sd]?|hold|holds|stops?|confiscates?|clearance|duties|duty|fees|charges|"
       r"declarations?|delays?|inspections?|problems?)"),
    _p("customs", ("customs",), r"customs",
       back=r"(?:held|seized|stopped|detained|confiscated|retained|blocked|delayed|inspected)\s+(?:\w+\s+)?(?:by|at|in)\s+",
       span=40),
)  # fmt: skip

# 2. Medicines dispensed or sourced abroad.
_SOURCED = (
    # "our international partner pharmacies", "our international warehouses"
    _p("partners", ("international", "overseas", "foreign", "global", "worldwide"),
       r"(?:international|overseas|foreign|global|worldwide)\s+(?:(?:partner|affiliate|affiliated|dispensing|"
       r"fulfil?ment|licensed|licenced)\s+)?(?:pharmacy\s+partners?|pharmacies|pharmacy\s+network|partners?|"
       r"suppliers?|fulfil?ment\s+(?:centres?|centers?|partners?)|warehouses?|dispensaries|"
       r"distribution\s+(?:centres?|centers?))"),
    _p("partners", ("partner", "affiliate", "dispensing", "third"),
       r"(?:partner|affiliated|affiliate|dispensing|third[- ]party)\s+pharmac(?:y|ies)\s+(?:located\s+|based\s+)?"
       rf"(?:abroad|overseas|outside\s+(?:of\s+)?{_PLACE})"),
    # "offered for sale by a licensed pharmacy located in the United Kingdom", "dispensed by our partner
    # pharmacies in Canada, the United Kingdom, India, Turkey and other countries"
    _p("located", ("sold", "offered", "dispensed", "filled", "supplied", "shipped", "sent", "fulfilled", "processed",
                   "mailed", "partner", "affiliated"),
       r"(?:(?:sold|offered\s+for\s+sale|dispensed|filled|supplied|shipped|sent|fulfilled|processed|mailed)\s+"
       r"(?:directly\s+)?by\s+(?:an?\s+|our\s+|one\s+of\s+our\s+)?(?:(?:licensed|licenced|registered|partner|"
       r"affiliated|third[- ]party|dispensing|contracted)\s+)*|partner\s+|affiliated\s+)"
       r"(?:pharmac(?:y|ies)|pharmacists?|suppliers?|fulfil?ment\s+(?:centres?|centers?|partners?)|warehouses?|"
       r"dispensar(?:y|ies))\s+(?:(?:located|based|situated|licensed|licenced|registered)\s+)?(?:in|from)\s+"
       rf"(?P<place>{_PLACE_LIST})"),
    # "shipped from India", "shipped from our international warehouses", "comes from another country"
    _p("from", ("ship", "dispensed", "sourced", "supplied", "filled", "sent", "mailed", "imported", "come", "coming",
                "arrive", "originat", "dispatched", "obtained", "procured"),
       r"(?:ship(?:s|ped)?|dispensed|sourced|supplied|filled|sent|mailed|imported|comes?|coming|arrives?|"
       r"originat(?:e|es|ing)|dispatched|obtained|procured)\s+(?:directly\s+)?(?:to\s+you\s+)?from\s+(?:our\s+)?"
       rf"(?:(?P<place>{_PLACE_LIST})|(?:international|overseas|foreign)\s+[a-z]+|abroad|overseas|"
       rf"{_WORDS}{{1,3}}?(?:abroad|overseas)|"
       rf"(?:an?\s+)?{_OTHER_COUNTRIES}|outside\s+(?:of\s+)?{_PLACE})"),
    # "brand and generic medication from Canada, the United Kingdom, Australia and New Zealand"
    _p("meds", ("medication", "medicine", "drugs", "meds", "generics", "pharmaceuticals"),
       rf"(?:medications?|medicines?|drugs|meds|generics|pharmaceuticals)\s+(?:[a-z]+\s+)?from\s+(?P<place>{_PLACE_LIST})"),
    # "fulfilment partners in different countries", "licensed pharmacies all over the world"
    _p("other", ("countr", "the world", "the globe"), r"(?:countr(?:y|ies)|the\s+(?:world|globe))",
       back=rf"{_OUTLETS}\s+(?:{_WORDS}{{0,2}}?(?:in|from|across|throughout)\s+(?:an?\s+)?"
       r"(?:several|various|many|multiple|different|other|another|a\s+different|foreign|other\s+foreign)\s+"
       r"|(?:(?:located|based)\s+)?(?:around|across|all\s+over)\s+)",
       span=80),
    # "not permitted to fill US physicians' prescriptions" (the negation is checked before the keyword)
    _p("rx_foreign", ("fill", "dispense", "accept", "honor", "honour"),
       r"(?:fill|dispense|accept|honou?r)\s+(?:prescriptions\s+(?:written|issued)\s+by\s+)?"
       rf"(?P<nat>{_NAT})\s+(?:(?:physicians?|doctors?|prescribers?)['’]?s?\s+)?prescriptions?"),
    # "our doctor re-writes your prescription"
    _p("rewrite", ("rewrit", "re-writ", "cosign", "co-sign", "countersign", "counter-sign"),
       r"(?:re-?writ(?:e|es|ing|ten)|co-?sign(?:s|ed|ing)?|counter-?sign(?:s|ed|ing)?)\s+(?:\w+\s+){0,3}?"
       r"prescriptions?"),
)  # fmt: skip
_RX_NEGATION = lazy_re(
    r"(?:not\s+(?:be\s+)?(?:permitted|allowed|able|authori[sz]ed|licen[cs]ed)\s+to|unable\s+to|cannot|can\s*not|"
    r"can['’]t|may\s+not|must\s+not)\s+(?:legally\s+)?$"
)
# What makes "we cannot fill US prescriptions" a cross-border model and not a refusal: a prescriber of the
# pharmacy's own country steps in.
_RX_CUE = lazy_re(
    r"co-?sign|counter-?sign|re-?writ|re-?issu|patient[- ](?:physician|doctor|prescriber)\s+relationship|"
    r"(?:physician|doctor|prescriber)s?\s+(?:licensed|licenced|registered)\s+in\s"
)

# Where the pharmacy says it is, when no address tells: "a licensed Canadian pharmacy", "we are based in India".
_HOME = (
    _p("home", tuple(_NATIONALITY),
       rf"(?P<nat>{_NAT})(?:[- ](?:based|licensed|licenced|registered))?\s+(?:(?:online|internet|mail[- ]order|"
       r"licensed|licenced|registered|community|retail)\s+)*(?:pharmacy|pharmacies|drugstore|chemist)(?![a-z])",
       back=r"(?<![a-z])(?:an?|our|the|we\s+are\s+an?|we['’]re\s+an?)\s+(?:(?:licensed|licenced|registered|accredited|"
       r"certified|leading|trusted|genuine|real|fully|independent|family[- ]owned|online|internet|mail[- ]order)\s+)*",
       span=70),
    _p("home", ("based in", "located in", "headquartered in"),
       rf"(?:based|located|headquartered)\s+in\s+(?:[a-z.'-]+,?\s+){{0,3}}?(?P<place>{_PLACE})",
       back=r"(?<![a-z])(?:we\s+are|we['’]re|(?:our\s+)?(?:pharmacy|company|business)\s+is)\s+(?:\w+\s+)?", span=40),
)  # fmt: skip
# Good signs, cited in the cross-border-none finding: "We do not ship outside the United States".
# A verb's ending is at most 30 letters (\w{0,30}): "ship1ship1..." (100 KB) cost 51 s with \w*.
_DOMESTIC = Phrase(
    r"(?:ship|deliver|dispatch|send|sell|supply)(?:s|es|ed|ing|ping|ped|ies)?\s+only\s+(?:\w+\s+){0,4}?(?:to|in|within)\s"
    r"|only\s+(?:ship|deliver|dispatch|send|sell|supply)\w{0,30}\s+(?:\w+\s+){0,4}?(?:to|in|within)\s"
    r"|(?:do\s+not|does\s+not|don['’]t|doesn['’]t|never|cannot|can['’]t|won['’]t|will\s+not|not)\s+(?:\w+\s+){0,2}?"
    r"(?:ship|deliver|dispatch|send|import|sell|supply|offer)\w{0,30}\s+(?:\w+\s+){0,3}?(?:outside|internationally|abroad|"
    r"overseas|to\s+other\s+countries|from\s+abroad|international)"
    r"|(?:do\s+not|does\s+not|don['’]t|doesn['’]t|never)\s+import\w*"
    r"|(?:ship|deliver|dispatch|send)\w{0,30}\s+(?:\w+\s+){0,2}?(?:outside|internationally|abroad|overseas)[^.?!]{0,40}\?\s+no\b",
    first="sdoncw",
    words=("only", "outside", "internationally", "abroad", "overseas", "other countries", "import"),
    reach=120,
)
# A negation inside the phrase itself: "we never ship from abroad", "customers not in the US".
_NEGATED_INSIDE = lazy_re(r"\b(?:not|never|no\s+longer)\b|n['’]t\b")
_NO_BEFORE = lazy_re(r"(?:\bno|\bwithout|\bnot)\s+(?:\w+\s+)?$")


# ----------------------------------------------------------------------------------------------
# Reading a phrase in its page (the cross-border rule and its currency reading, rules/_border_money.py)

def _keyword_places(page: Page, low: str, word: str) -> list[int]:
    """Where ``word`` starts a word in the page (the first and last MAX_PLACES // 2), from the per-page
    positions that the other rules share (``_drugs.positions``)."""
    found = positions(page, low, word)
    if not found:
        return []  # most keywords are on no page
    return [i for i in head_and_tail(found, MAX_PLACES) if not (i and low[i - 1].isalpha())]


def _context(page: Page, start: int, end: int) -> str:
    """:func:`_drugs.context` within the sentence, cut at the lines that begin with a capital letter.

    Page text runs its blocks together: without the cut, a menu item "How to order" before a sentence
    would read as a warning ("how to ..."). A line that does not begin with a capital letter continues the
    line before it (an inline tag splits a sentence into lines: "We do <b>not</b> ship ...").
    """
    lo, hi = sentence_bounds(page, start, end)
    starts, lines = line_starts(page), page.lines
    if len(starts) > 1:
        k = bisect_right(starts, start) - 1
        while k > 0 and starts[k] > lo and not lines[k][:1].isupper():
            k -= 1
        lo = max(lo, starts[k])
        k = bisect_right(starts, max(start, end - 1)) - 1
        while k + 1 < len(lines) and starts[k + 1] < hi and not lines[k + 1][:1].isupper():
            k += 1
        hi = min(hi, starts[k] + len(lines[k]))
    return context(page, start, end, bounds=(lo, max(hi, end)))
