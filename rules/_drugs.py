"""Prescription-only medicines that online shops sell, and where a site offers them for sale (private).

Shared by the ``online-pharmacy`` gate, the ``prescription`` rule and any rule that needs to know which
prescription drugs a site sells (prices, for one). Three modules do the work, by responsibility:

* :mod:`pharmcheck.rules._vocabulary`: :data:`DRUGS`, the prescription-only names of the one medicine
  table (``rules/data/medicines.json``), each a :class:`Drug`, and where they stand in a page or a short
  text (the page's one medicine scan, kept where it names a drug). No rule holds a list of medicine
  names of its own: a test fails when one does.
* :mod:`pharmcheck.rules._scan`: the lower-cased text, phrases matched near their keywords, sentences.
* this module: the *context* of a phrase (plain claim, warning, first-person refusal, question:
  :func:`context`, :func:`classify`), and telling an *offer* from a *mention*. A drug name counts as
  offered for sale only with a sale signal close to it: a price, ``add to cart``, ``in stock``, a pack
  size (``30 pills``) with a price, ``Buy Xanax``, a link to a product or cart page, an add-to-cart form on
  a page about the drug. A name in a comparison (``works better than Viagra``, ``Bye bye, Viagra``,
  ``herbal Viagra``, ``Viagra-like``) or in a warning (``It is illegal to buy Xanax online``, ``Is it
  safe to buy Viagra online?``) is not an offer.

The rules read all of it here (the names of the two other modules are re-exported).
:func:`rx_offers` returns the offers of a site (cached per :class:`~pharmcheck.site.Site`);
:func:`sells_rx` says whether they are enough to call the site a seller of prescription drugs.
"""

from __future__ import annotations

import bisect
import itertools
import re
import weakref
from dataclasses import dataclass
from urllib.parse import SplitResult, unquote, urlsplit

from pharmcheck.lazyre import lazy_re
from pharmcheck.rules._scan import (  # noqa: F401  (part of this module's interface: the rules read them here)
    _NOT_WORD,
    Phrase,
    _tokens,
    lower_text,
    positions,
    scan,
    sentence_bounds,
)
from pharmcheck.rules._vocabulary import (  # noqa: F401  (the same)
    DRUGS,
    Drug,
    Mention,
    Span,
    _FIRST_WORDS,
    _GENERICS_BY_WORD,
    find_drugs,
    lookup,
    mark_drugs,
    page_drugs,
)
from pharmcheck.site import Page, Site


# ----------------------------------------------------------------------------------------------
# The context of a phrase

def _words_rx(pattern: str, first: str) -> re.Pattern[str]:
    """A lower-case pattern that starts at the beginning of a word with one of the letters ``first``."""
    return re.compile(f"(?<![a-z])(?=[{first}])(?:{pattern})")


# Words that turn what follows into a warning or advice rather than a claim: "It is illegal to buy
# Xanax without a prescription", "Beware of sites that sell Viagra with no prescription".
# (Matched on lower-cased text.)
_WARNING_BEFORE = _words_rx(
    r"illegal(?:ly)?|unlawful(?:ly)?|against the law|prohibit[a-z]*|beware|avoid[a-z]*|warn[a-z]*|danger[a-z]*|"
    r"risk(?![- ]free)[a-z]*|unsafe|careful|caution[a-z]*|scams?\b|rogue|fakes?\b|counterfeit[a-z]*|fraud[a-z]*|"
    r"suspicious|shady|sketchy|unlicen[cs]ed|refus[a-z]*|under no circumstances|"
    r"(?:sites?|websites?|pharmacies|pharmacy|shops?|stores?|sellers?|vendors?|companies|those|anyone|"
    r"anybody|someone|places?)\s+(?:that|which|who|offering|selling|claiming)\b|"
    r"claims?\s+to\b|is it (?:safe|legal|possible|ok|okay|wise)\b|"
    r"how (?:to|do|can)\b|myths?\b|truth about|dangers of|risks of|what happens|why you\b|"
    r"never\s+(?:buy|order|take|use|trust)\b|don'?t\s+(?:buy|order|trust|take|use)\b|"
    r"do not\s+(?:buy|order|trust|take|use)\b|"
    r"verboten|illégal[a-z]*|interdit[a-z]*|ilegal[a-z]*|prohibid[a-z]*|vietat[a-z]*|nicht\b|niemals|jamais|nunca|"
    r"no (?:vendemos|dispensamos|se vende)",
    "iuapbwdrcsftvhmnj",
)
_WARNING_AFTER = _words_rx(
    r"(?:is|are|can be|may be|could be|was|were)\s+(?:[a-z]+\s+)?(?:illegal|unlawful|dangerous|unsafe|risky|"
    r"against the law|not (?:safe|legal|allowed|permitted|recommended)|prohibited|a crime|a scam|"
    r"counterfeit|fake)|(?:illegal|unlawful|dangerous|unsafe)\b",
    "iacmwud",
)
# A plain negation before a phrase: "We never dispense medicines without a prescription".
_NEGATOR = lazy_re(
    r"\b(?:not|never|cannot|can'?t|won'?t|don'?t|doesn'?t|didn'?t|isn'?t|aren'?t|no longer|neither|nor|"
    r"nobody|no one)\b|n't\b"
)
# A condition is no claim: "If there is no prescription on file, we call your doctor".
_CONDITION = lazy_re(r"\b(?:if|unless|until|whether|in case)\b")
# "we", "our", "us" (not "US", the country).
FIRST_PERSON = lazy_re(r"\b(?:[Ww][Ee](?:'?re|'?ll)?|WE|[Oo]urs?|OURS?|us)\b")
_CLAUSE_BREAK = lazy_re(r"[,;:()]|\s[-–—]\s|\b(?:but|however|and then|so)\b")
_ANSWER_YES = re.compile(
    r"\s*(?:yes|yep|sure|of course|absolutely|definitely|no problem|not a problem|no worries|no need|no issues?|"
    r"certainly|you can)\b"
)

# What the sentence around a phrase makes of it.
CLAIM = "claim"  # a plain statement: the phrase means what it says
# Advice, a warning about others, or a condition: "It is illegal to buy ... without a prescription",
# "If there is no prescription on file, ..."
WARNING = "warning"
REFUSAL = "refusal"  # the site refuses it: "We never dispense without a valid prescription"
QUESTION = "question"  # asked, not answered yes: "Can I buy Viagra without a prescription?"


def _drop_drug_lists(gap: str) -> str:
    """Turn "Viagra, Cialis or Levitra" into one word, so that a list is no clause break."""
    if "," not in gap and "/" not in gap and "&" not in gap:
        return gap
    gap = mark_drugs(gap, "DRUG")
    return re.sub(r"DRUG(?:\s*(?:,|and|or|&|/)\s*DRUG)+", "DRUG", gap)


def classify(
    text: str, start: int, end: int, lo: int = 0, hi: int | None = None, next_text: str = "", warnings_after: bool = True
) -> str:
    """How the sentence ``text[lo:hi]`` uses the phrase at ``[start, end)``: CLAIM, WARNING, REFUSAL or QUESTION.

    Warning words count anywhere in the sentence (up to 160 characters away); a plain negation ("not",
    "never") or a condition ("if", "unless") only in the same clause before the phrase, so that "We don't
    charge for shipping, and no prescription needed" stays a claim. ``next_text`` is what follows the sentence: a question answered
    "Yes" ("No prescription? No problem!") is a claim. ``warnings_after=False`` ignores warning words after
    the phrase (for offers: "Viagra 100 mg $1.20, no fakes" is still an offer).
    """
    hi = len(text) if hi is None else hi
    before = text[max(lo, start - 160) : start]
    low_before = before.lower()
    if _WARNING_BEFORE.search(low_before):
        return WARNING
    if warnings_after and _WARNING_AFTER.search(text[end : min(hi, end + 160)].lower()):
        return WARNING
    clause = _drop_drug_lists(low_before[-90:])
    breaks = list(_CLAUSE_BREAK.finditer(clause))
    if breaks:
        clause = clause[breaks[-1].end() :]
    if _NEGATOR.search(clause):
        return REFUSAL if FIRST_PERSON.search(before) else WARNING
    if _CONDITION.search(clause):
        return WARNING
    tail = text[end:hi].rstrip()
    if tail.endswith("?") or (not tail and text[start:end].rstrip().endswith("?")):
        return CLAIM if _ANSWER_YES.match(next_text.lower()) else QUESTION
    return CLAIM


def context(
    page: Page, start: int, end: int, warnings_after: bool = True, bounds: tuple[int, int] | None = None
) -> str:
    """:func:`classify` for a phrase of ``page.text``, within its sentence (``bounds``, when known)."""
    lo, hi = bounds or sentence_bounds(page, start, end)
    text = page.text
    return classify(text, start, end, lo, hi, next_text=text[hi : hi + 40], warnings_after=warnings_after)


# ----------------------------------------------------------------------------------------------
# Offers

# A drug named in a comparison or as a supplement's selling point is not sold: "works better than
# Viagra", "Bye bye, Viagra", "besides Viagra or Cialis", "herbal Viagra", "a natural alternative to Xanax".
_COMPARISON_WORDS = (
    r"(?<![a-z])(?=[tuwafljbignsrhvdoce])(?:than|(?:works?|acts?|feels?|just|looks?)\s+like|unlike|besides|beside|"
    r"instead\s+of|alternatives?\s+(?:to|for)|vs\.?|versus|compared?\s+(?:to|with)|bye,?\s*bye,?|goodbye|good-bye|"
    r"forget(?:\s+about)?|no\s+need\s+for|similar\s+to|replaces?|replacing|rivals?|outperforms?|beats?|herbal|"
    r"natural|legal|works?\s+as|equivalent\s+to|dupe\s+of|throw\s+away|ditch)\b"
)
_COMPARISON_BEFORE = lazy_re(
    _COMPARISON_WORDS + r"[\W_]*(?:(?:the|a|an|other|your|any|of|generic|brand|my|his|her|or|and|drugname)[\W_]+){0,3}$"
)
# The words alone, anywhere: where none is, no marking of drug names can make _COMPARISON_BEFORE match
# (a name becomes "drugname", which holds none of them and ends in a letter).
_COMPARISON_WORD = lazy_re(_COMPARISON_WORDS)
_COMPARISON_AFTER = re.compile(
    r"(?:-?\s?(?:like|style|type|alternatives?|substitutes?|boosters?|dupes?)\b|\s+(?:alternatives?|"
    r"substitutes?|boosters?|replacements?|dupes?|style|like)\b)"
)

_PRICE = re.compile(
    r"(?:(?<![\w$€£])(?:US|USD|EUR|GBP|CAD|AUD|NZD|CHF|INR|Rs\.?|A|C|NZ)?\s?[$€£₹]\s?\d[\d,]*(?:[.,]\d{1,2})?"
    r"|\b\d[\d,]*(?:[.,]\d{1,2})?\s?(?:[$€£]|USD|EUR|GBP|CAD|AUD|euros?|dollars?|pounds|kr|zł)(?!\w)"
    r"|\b(?:USD|EUR|GBP|CAD|AUD)\s?\d[\d,]*(?:[.,]\d{1,2})?\b)",
    re.I,
)
_STRENGTH = lazy_re(r"\b\d+(?:[.,]\d+)?\s?(?:mg|mcg|µg|ug|ml|iu)\b", re.I)
_QUANTITY = lazy_re(
    r"\b\d+\s?(?:pills?|tablets?|tabs|capsules?|caps|softgels?|pens?|vials?|ampoules?|injections?|inhalers?|"
    r"strips?|doses?)\b|\bx\s?\d+\b|\b\d+\s?x\b|\b(?:per|a|each|/)\s?(?:pill|tablet|tab|capsule|pack|box|"
    r"dose|month|mo)\b|\bpack\s+of\s+\d+",
    re.I,
)
_CART = lazy_re(
    r"\b(?:add(?:ed)?\s+to\s+(?:cart|basket|bag|order|trolley)|buy\s+now|order\s+now|shop\s+now|in\s+stock|"
    r"out\s+of\s+stock|sold\s+out|select\s+(?:dosage|strength|package|quantity|pack)|choose\s+(?:dosage|"
    r"strength|package|quantity|pack)|checkout|bestseller|best\s+seller)\b",
    re.I,
)
_VERB_BEFORE = lazy_re(
    r"\b(?:buy(?:ing)?|order(?:ing)?|purchas(?:e|ing)|shop\s+for|get\s+your|kaufen|acheter|comprar)\s+"
    r"(?:(?:cheap(?:est)?|generic|brand(?:ed)?|discount(?:ed)?|online|real|original|genuine|quality|"
    r"now|some|your|our|the|best|low[- ]cost|affordable|authentic)\s+){0,3}$",
    re.I,
)
_SALE_AFTER = lazy_re(
    r"^\s*(?:\d+(?:[.,]\d+)?\s?(?:mg|mcg)\s+)?(?:online|for\s+sale|over\s?night|cheap(?:est)?|"
    r"without\s+(?:a\s+)?(?:prescription|rx|doctor)|no\s+(?:prescription|rx)|delivered|discreet|"
    r"next[- ]day|kaufen|bestellen)\b",
    re.I,
)
# A price in a sentence that explains what a drug costs elsewhere is information, not an offer:
# "Brand Viagra costs about $70 a pill at US pharmacies".
_PRICE_INFO = lazy_re(
    r"\b(?:costs?|costing|average|typically|retail|insurance|insured|copays?|co-pays?|medicare|medicaid|"
    r"coupons?|estimated|list\s+price|could|may|might|would|spend|spent|paid|pay\s+up\s+to|priced\s+at)\b",
    re.I,
)
_SHOP_PATH = lazy_re(
    r"(?:^|[/_\-.=?&])(?:products?|shop|store|buy|order|cart|basket|checkout|item|catalog|catalogue|"
    r"add-to-cart|add_to_cart|addtocart|p)(?:$|[/_\-.=?&])",
    re.I,
)
_CART_ACTION = lazy_re(r"cart|basket|checkout|add[-_]?to|/buy|/order", re.I)
_CART_FIELD = lazy_re(r"qty|quantity|add[-_]?to[-_]?cart|product[-_]?id|variant|sku", re.I)
_WORDS_IN_URL = lazy_re(r"[\-_/+.=?&%]+")
_LINK_VERB = re.compile(r"\s*(?:buy|order|purchase|shop|get|add\s+to\s+(?:cart|basket|bag))\b", re.I)

# A drug whose first mentions with a sale signal were warnings or weak offers is not read again on that
# page: an article that says "it is illegal to buy Xanax online" forty times costs two reads.
_TRIES = 2
# At most this many mentions are read in full on one page (a catalogue's entries are taken on their price
# and button once it is recognised, see _CATALOGUE): a page of warnings stops costing time here.
_MAX_READS = 30
# Once a page has strong offers of this many drugs, it is a catalogue: its other entries are taken on
# their price and button alone.
_CATALOGUE = 12

STRONG = "strong"
WEAK = "weak"


@dataclass
class Offer:
    """A prescription drug offered for sale on a page."""

    page: Page
    drug: Drug
    name: str  # the name as written on the page
    quote: str  # the words that show the offer
    where: str  # text, link, form, title
    strength: str  # STRONG (a price with a pack size, add to cart, a shop link) or WEAK (a bare price, "Buy X")
    why: str
    start: int = -1  # offset in page.text, when the offer is in the text

    @property
    def url(self) -> str:
        return self.page.url


def is_comparison(text: str, start: int, end: int, drug_before: bool = True) -> bool:
    """Is the drug at ``text[start:end]`` named to be compared with ("better than Viagra", "herbal Viagra")?

    ``drug_before=False`` says no other drug name is in the 45 characters before (a list such as
    "besides Viagra or Cialis" is read through).
    """
    if _COMPARISON_AFTER.match(text[end : end + 20].lower()):
        return True
    before = text[max(0, start - 45) : start].lower()
    if _COMPARISON_WORD.search(before) is None:
        return False  # most names: no comparison's word before them, and no drug names to mark
    if drug_before:
        before = mark_drugs(before, "drugname")
    return _COMPARISON_BEFORE.search(before) is not None


def _text_offers(page: Page, done: set[str]) -> list[Offer]:
    """Offers in the text; ``done`` holds the drugs that already have a strong offer on this page."""
    text = page.text
    found = page_drugs(page)
    offers: list[Offer] = []
    # A catalogue names each drug many times (link, image, description): once a drug has a strong offer
    # on a page, its other mentions add nothing. This keeps a 500-product page to a few milliseconds.
    tries: dict[str, int] = {}  # mentions of a drug read in full without a strong offer
    reads = 0
    size = len(text)
    for i, m in enumerate(found):
        if m.drug.generic in done or tries.get(m.drug.generic, 0) >= _TRIES:
            continue
        # The window ends 160 characters on or at the next drug name (a price list names several
        # drugs, each with its own price); it is cut to the sentence below, once a sale signal is seen.
        stop = min(size, m.end + 160)
        if i + 1 < len(found):
            stop = min(stop, max(found[i + 1].start, m.end))
        begin = max(0, m.start - 60)
        if i > 0:
            begin = max(begin, found[i - 1].end)
        after = text[m.end : stop]
        before = text[begin : m.start]
        cart = _CART.search(after)
        price = None if cart else _PRICE.search(after)
        if not (cart or price or _VERB_BEFORE.search(before) or _SALE_AFTER.match(after)):
            continue  # most mentions: no sale signal at all
        if len(done) >= _CATALOGUE and (cart or (price and (_STRENGTH.search(after) or _QUANTITY.search(after)))):
            # A catalogue: this page already sells many drugs with prices and buttons, and this entry has them
            # too. The checks for comparisons and warnings are for pages that name a drug once or twice.
            done.add(m.drug.generic)
            offers.append(Offer(page=page, drug=m.drug, name=m.name, quote=page.snippet(m.start, m.end), where="text",
                                strength=STRONG, why="a prescription drug in a catalogue with prices", start=m.start))
            continue
        tries[m.drug.generic] = tries.get(m.drug.generic, 0) + 1
        reads += 1
        if reads > _MAX_READS:
            break
        if is_comparison(text, m.start, m.end, drug_before=i > 0 and found[i - 1].end > m.start - 45):
            continue
        lo, hi = sentence_bounds(text, m.start, m.end)
        if hi < stop:
            after = text[m.end : max(hi, m.end)]
        if lo > begin:
            before = text[lo : m.start]
        price = _PRICE.search(after)
        if price and _PRICE_INFO.search(after[: price.start()] + " " + before):
            price = None
        cart = _CART.search(after)
        verb = _VERB_BEFORE.search(before) or _SALE_AFTER.match(after)
        if not (price or cart or verb):
            continue
        if context(page, m.start, m.end, warnings_after=False, bounds=(lo, hi)) != CLAIM:
            continue
        pack = _STRENGTH.search(after) or _QUANTITY.search(after)
        if cart or (price and (pack or verb)):
            strength, why = STRONG, "a prescription drug with " + (
                "a shopping button" if cart else "a price and a pack size" if pack else "a price and a call to buy"
            )
            done.add(m.drug.generic)
        else:
            strength, why = WEAK, "a prescription drug with " + ("a price" if price else "a call to buy it")
        offers.append(
            Offer(page=page, drug=m.drug, name=m.name, quote=page.snippet(m.start, m.end), where="text",
                  strength=strength, why=why, start=m.start)
        )
    return offers


def split_url(url: str) -> SplitResult | None:
    """``urlsplit``, or None for an address it refuses ("http://[oops/")."""
    try:
        return urlsplit(url)
    except ValueError:
        return None


def _words(text: str) -> set[str]:
    """The lower-case words of a text that may begin a drug name."""
    return {w.decode() for w in _FIRST_WORDS.intersection(text.lower().encode("ascii", "replace").translate(_NOT_WORD).split())}


def _link_offers(page: Page) -> list[Offer]:
    offers: list[Offer] = []
    links = [link for link in page.links if not link.url.startswith(("tel:", "mailto:"))]
    if not links:
        return offers
    # One pass of the drug expression over all the link texts, and one over all the addresses: most
    # links name no drug, and a catalogue names the same drugs again and again.
    texts = [link.text for link in links]
    blob = "\x00".join(texts)  # \x00: no phrase runs from one link into the next
    starts = list(itertools.accumulate((len(t) + 1 for t in texts), initial=0))
    named: dict[int, list[Span]] = {}
    for m, _drug in find_drugs(blob):
        named.setdefault(bisect.bisect_right(starts, m.start()) - 1, []).append(m)
    urls_name_drugs = bool(_words("\n".join(link.url for link in links)))
    done: set[str] = set()  # drugs with a product link on this page already
    for i, link in enumerate(links):
        if i not in named:
            if not urls_name_drugs:
                continue
            in_url = _words(link.url)
            if not in_url or all(_GENERICS_BY_WORD[w] <= done for w in in_url):
                continue
        hit = None
        warned = False
        catalogue = len(done) >= _CATALOGUE  # many product links already: no need to read each one closely
        for m in named.get(i, ()):
            drug = lookup(m.group(0))
            if drug is None:
                continue
            start, end = m.start() - starts[i], m.end() - starts[i]
            if catalogue or not is_comparison(link.text, start, end):
                if not catalogue and classify(link.text, start, end) != CLAIM:
                    warned = True  # "Is it safe to buy Viagra online?": an article, not an offer
                    break
                hit = (link.text[start:end], drug)
                break
            warned = True  # "Better than Viagra": the address will name Viagra too, and sells something else
        if hit is not None and hit[1].generic in done:
            continue
        split = split_url(link.url)
        path = unquote(split.path + "?" + split.query) if split else ""
        shop_path = bool(_SHOP_PATH.search(path))
        if hit is None and not warned and shop_path and urls_name_drugs:
            # An image or a button that links to /products/xanax-2mg: the drug is in the address.
            words = _WORDS_IN_URL.sub(" ", path)
            for m, drug in find_drugs(words):
                if not is_comparison(words, m.start(), m.end()):
                    hit = (m.group(0), drug)
                    break
        if hit is None or hit[1].generic in done:
            continue
        # A link's price is in its first words; _PRICE is quadratic on a long run of "1,1,1" (a 10 KB link text cost 15 s).
        if not (shop_path or _LINK_VERB.match(link.text) or _PRICE.search(link.text[:300])):
            continue
        quote = link.text or link.url
        done.add(hit[1].generic)
        offers.append(
            Offer(page=page, drug=hit[1], name=hit[0], quote=f"{quote} -> {link.url}", where="link",
                  strength=STRONG, why="a link to buy a prescription drug or to its product page")
        )
    return offers


def _form_offers(page: Page) -> list[Offer]:
    """A product page: an add-to-cart form on a page whose title names a drug."""
    if not page.title:
        return []
    cart_forms = [
        f
        for f in page.forms
        if not f.has_password
        and "search" not in f.action.lower()
        and (_CART_ACTION.search(f.action) or any(_CART_FIELD.search(field) for field in f.fields))
    ]
    if not cart_forms:
        return []
    for m, drug in find_drugs(page.title):
        if is_comparison(page.title, m.start(), m.end()) or classify(page.title, m.start(), m.end()) != CLAIM:
            continue
        return [Offer(page=page, drug=drug, name=m.group(0), quote=f"{page.title} (form -> {cart_forms[0].action})",
                      where="form", strength=STRONG, why="an add-to-cart form on the page of a prescription drug")]
    return []


_OFFERS: "weakref.WeakKeyDictionary[Site, list[Offer]]" = weakref.WeakKeyDictionary()


def rx_offers(site: Site) -> list[Offer]:
    """Every offer of a prescription drug on the site's pages (computed once per site)."""
    cached = _OFFERS.get(site)
    if cached is not None:
        return cached
    offers: list[Offer] = []
    for page in site.pages:
        strong = _form_offers(page) + _link_offers(page)
        offers.extend(strong)
        offers.extend(_text_offers(page, {o.drug.generic for o in strong}))
    _OFFERS[site] = offers
    return offers


def sells_rx(site: Site) -> list[Offer]:
    """The offers that show the site sells prescription drugs; empty when they do not.

    One strong offer is enough (a price with a pack size, a shopping button, a product link, an add-to-cart
    form). Weak offers (a bare price, "Buy Viagra") count when they name at least two different drugs.
    """
    offers = rx_offers(site)
    if any(o.strength == STRONG for o in offers):
        return offers
    if len({o.drug.generic for o in offers}) >= 2:
        return offers
    return []


def mentioned_drugs(site: Site) -> list[Drug]:
    """Every drug named anywhere on the site (offered or not), in order of first mention, each once."""
    seen: dict[str, Drug] = {}
    for page in site.pages:
        for _m, drug in find_drugs(page.title):
            seen.setdefault(drug.name, drug)
        for mention in page_drugs(page):
            seen.setdefault(mention.drug.name, mention.drug)
    return list(seen.values())


def offered_names(offers: list[Offer]) -> list[str]:
    """The drugs in ``offers``, each once, as "Brand (generic)" or "generic"."""
    out: dict[str, str] = {}
    for offer in offers:
        d = offer.drug
        if d.name not in out:
            out[d.name] = d.name if d.name.lower() == d.generic else f"{d.name} ({d.generic})"
    return list(out.values())


def link_and_form_offers(page: Page) -> list[Offer]:
    """Product links ("Buy Xanax" -> /product/xanax) and add-to-cart forms on a drug's page."""
    return _form_offers(page) + _link_offers(page)


def text_offers(page: Page, done: set[str]) -> list[Offer]:
    """Offers in the running text, for drugs not in ``done`` (generic names that already have a strong offer)."""
    return _text_offers(page, done)
