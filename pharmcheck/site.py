"""What was gathered about one site, and the parsed view of it that every rule reads.

The fetcher produces a :class:`RawSite` (plain bytes and facts, cheap to pickle to a worker process);
:func:`parse_site` turns it into a :class:`Site` of parsed :class:`Page` objects. Rules read only a
``Site``: they never fetch.

Two parsing traps are defended here (each has a test):

* A page that declares ``<meta charset="utf-16">`` (or utf-32) while being ASCII would be decoded as
  garbage, hiding its text from every rule. A page never picks utf-16/utf-32 for itself: only a byte
  order mark, which the bytes themselves carry, selects those encodings.
* beautifulsoup4's default ``html.parser`` is quadratic on some inputs; pages are parsed with lxml.
"""

from __future__ import annotations

import codecs
import itertools
import re
from dataclasses import dataclass, field
from typing import Any, Iterable, Iterator
from urllib.parse import urljoin, urldefrag, urlsplit

# ----------------------------------------------------------------------------------------------
# What the fetcher gathers (plain data, picklable)


@dataclass
class RawPage:
    url: str  # the final URL of this page, after redirects
    status: int | None = None
    headers: dict[str, str] = field(default_factory=dict)  # lower-case names
    body: bytes = b""
    truncated: bool = False  # the body was cut at the size limit
    error: str | None = None  # why the page could not be fetched (one line)
    error_kind: str | None = None
    role: str = "start"  # start, contact, about, pharmacist, prescription, faq, product, ...
    requested_url: str | None = None
    redirects: list[dict[str, Any]] = field(default_factory=list)
    elapsed_ms: int | None = None

    @property
    def content_type(self) -> str:
        return self.headers.get("content-type", "").split(";")[0].strip().lower()

    @property
    def is_html(self) -> bool:
        ctype = self.content_type
        if ctype in ("text/html", "application/xhtml+xml"):
            return True
        if not ctype:  # no header (a saved file, or a careless server): sniff
            head = self.body[:1024].lstrip().lower()
            return head.startswith((b"<!doctype html", b"<html", b"<head", b"<meta", b"<!--")) or b"<html" in head
        return False


@dataclass
class TLSInfo:
    """Facts of the final host's TLS connection. ``checked`` is False for offline checks and plain HTTP."""

    checked: bool = False
    valid: bool | None = None
    error: str | None = None  # why the certificate was refused
    protocol: str | None = None
    cipher: str | None = None
    issuer: str | None = None
    subject_cn: str | None = None
    subject_org: str | None = None  # present on OV/EV certificates
    not_before: str | None = None
    not_after: str | None = None
    san: list[str] = field(default_factory=list)

    def to_dict(self) -> dict[str, Any]:
        return dict(self.__dict__)


@dataclass
class HttpProbe:
    """What the plain ``http://`` address answered: does it send the visitor to HTTPS?"""

    checked: bool = False
    url: str | None = None
    status: int | None = None
    location: str | None = None
    redirects_to_https: bool | None = None
    error: str | None = None

    def to_dict(self) -> dict[str, Any]:
        return dict(self.__dict__)


@dataclass
class RawSite:
    requested: str  # what the user typed
    start_url: str  # the URL (or file path) first asked for
    mode: str = "online"  # online | offline
    final_url: str | None = None
    pages: list[RawPage] = field(default_factory=list)
    tls: TLSInfo = field(default_factory=TLSInfo)
    http_probe: HttpProbe = field(default_factory=HttpProbe)
    robots: dict[str, Any] = field(default_factory=dict)
    fetched_at: str | None = None
    elapsed_ms: int | None = None
    error: str | None = None  # set when the site could not be checked at all
    error_kind: str | None = None  # invalid-input, dns, connect, timeout, tls, http-status, not-html, ...
    notes: list[str] = field(default_factory=list)


# ----------------------------------------------------------------------------------------------
# Decoding

_UNICODE_WIDE = ("utf-16", "utf-16-le", "utf-16-be", "utf-32", "utf-32-le", "utf-32-be")
_META_CHARSET = re.compile(rb"""<meta[^>]{0,200}?charset\s*=\s*["']?\s*([A-Za-z0-9_.:-]{1,40})""", re.I)
_BOMS = (
    (codecs.BOM_UTF32_LE, "utf-32"),
    (codecs.BOM_UTF32_BE, "utf-32"),
    (codecs.BOM_UTF8, "utf-8-sig"),
    (codecs.BOM_UTF16_LE, "utf-16"),
    (codecs.BOM_UTF16_BE, "utf-16"),
)


# The encodings a web page may declare (the WHATWG Encoding Standard's, as Python names them). Python knows
# many more (cp037 is EBCDIC, punycode and rot13 are not text encodings at all): a page that declares one of
# those would blind every rule or crash the decoder, so the declaration is ignored.
_WEB_CODECS = frozenset(
    "utf-8 ibm866 iso8859-2 iso8859-3 iso8859-4 iso8859-5 iso8859-6 iso8859-7 iso8859-8 iso8859-10 iso8859-13 "
    "iso8859-14 iso8859-15 iso8859-16 koi8-r koi8-u mac-roman mac-cyrillic cp874 cp1250 cp1251 cp1252 cp1253 "
    "cp1254 cp1255 cp1256 cp1257 cp1258 gbk gb18030 big5 big5hkscs euc_jp iso2022_jp shift_jis cp932 euc_kr "
    "cp949 latin-1 iso8859-1 tis-620 iso8859-11 gb2312 utf-16-le utf-16-be utf-16".split()
)


def _codec(name: str | None) -> str | None:
    if not name:
        return None
    try:
        found = codecs.lookup(name.strip().strip("\"'")).name
    except LookupError:
        return None
    return found if found in _WEB_CODECS else None


def decode_html(body: bytes, content_type: str | None = None) -> tuple[str, str]:
    """Decode a page's bytes to text; returns (text, encoding used).

    Order: a byte order mark; the charset of the Content-Type header; a <meta> charset in the first
    4 KB; UTF-8; Windows-1252. A declared utf-16/utf-32 without its byte order mark is ignored.
    """
    for bom, name in _BOMS:
        if body.startswith(bom):
            return body.decode(name, errors="replace"), name
    candidates: list[str] = []
    if content_type:
        m = re.search(r"charset\s*=\s*([^;\s]+)", content_type, re.I)
        if m:
            candidates.append(m.group(1))
    m = _META_CHARSET.search(body[:4096])
    if m:
        candidates.append(m.group(1).decode("ascii", "replace"))
    for cand in candidates:
        name = _codec(cand)
        if name is None or name.replace("_", "-") in _UNICODE_WIDE or name.startswith(("utf-16", "utf-32")):
            continue
        try:
            return body.decode(name), name
        except (UnicodeDecodeError, LookupError):
            continue
    try:
        return body.decode("utf-8"), "utf-8"
    except UnicodeDecodeError:
        return body.decode("cp1252", errors="replace"), "cp1252"


# ----------------------------------------------------------------------------------------------
# The parsed view


@dataclass
class Link:
    url: str  # absolute, without fragment
    text: str  # link text, with the alt text of images inside it and the title attribute
    start: int = -1  # where the link's own text sits in page.text (-1: it has none there)
    end: int = -1


@dataclass
class Form:
    action: str  # absolute URL the form submits to
    method: str
    fields: list[str]  # "type:name:autocomplete" of each input, lower case
    has_password: bool = False
    has_payment: bool = False  # card number, CVV, expiry
    start: int = -1  # the form's range in page.text
    end: int = -1


@dataclass
class Image:
    src: str
    alt: str
    link: str | None = None  # where the image links to, when inside <a>


@dataclass
class Block:
    """An element of the page's structure and the range of page.text it holds.

    ``kind`` says what the element is to a reader: ``row`` (a table row), ``cell``, ``item`` (a list item),
    ``card`` (an element whose class or itemtype names a product or an offer; an ``<article>`` is a
    ``box`` unless its class says so: most are blog posts), ``option``,
    ``select``, ``form``, ``heading``, ``para``, ``chrome`` (navigation, header, footer, menus), ``box`` (any
    other block). Blocks nest: ``parent`` is the index of the enclosing block, or -1.
    """

    kind: str
    tag: str
    start: int
    end: int
    parent: int
    itemtype: str = ""  # schema.org type of an itemscope/typeof element ("Product", "Offer"), else ""
    chrome: bool = False  # inside navigation, a header, a footer or a menu


@dataclass
class Control:
    """A button or submit input, or a link, that acts on the shop: its text and where it sits in page.text."""

    pos: int
    text: str
    kind: str  # button, submit, link


@dataclass
class Prop:
    """A microdata or RDFa property (itemprop, property) or a price data attribute, and where it sits."""

    name: str  # lower case: "price", "pricecurrency", "name", "data-price", ...
    value: str
    pos: int
    block: int  # the itemscope block that holds it, or -1


_WS = re.compile(r"\s+")
_PAYMENT = re.compile(r"cc-?(number|csc|exp)|card.?(num|no\b)|cardnumber|cvv|cvc|security.?code|expir", re.I)
_DROP_TAGS = frozenset(("script", "style", "noscript", "template", "svg", "iframe", "object", "head"))
_SKIP_TEXT_TAGS = frozenset(("title",))
_ROLE_OF_TAG = {
    "tr": "row", "td": "cell", "th": "cell", "li": "item", "dt": "item", "dd": "item", "article": "box",
    "option": "option", "select": "select", "form": "form", "h1": "heading", "h2": "heading", "h3": "heading",
    "h4": "heading", "h5": "heading", "h6": "heading", "p": "para", "blockquote": "para", "figcaption": "para",
    "nav": "chrome", "header": "chrome", "footer": "chrome", "menu": "chrome", "aside": "box", "div": "box",
    "section": "box", "main": "box", "table": "box", "tbody": "box", "thead": "box", "ul": "box", "ol": "box",
    "dl": "box", "figure": "box", "fieldset": "box", "details": "box", "summary": "box", "address": "box",
    "label": "box", "button": "box", "center": "box", "body": "box",
}
_PRODUCT_CLASS = re.compile(r"product|offer|item|card|goods|listing|package|pack|deal|price|tile", re.I)
_CHROME_CLASS = re.compile(r"(?:^|[\s_-])(?:nav|navbar|menu|header|footer|breadcrumbs?|topbar|sidebar)(?:$|[\s_-])", re.I)
_OLD_PRICE_CLASS = re.compile(r"(?:^|[\s_-])(?:was|old|regular|strike|strikethrough|line-through|crossed|list-price|rrp|uvp|"
                              r"compare|before)(?:$|[\s_-])", re.I)
_PRICE_ATTR = re.compile(r"^data-(?:product-)?(?:price|sale-price|price-amount|amount|currency)$")
MAX_BLOCKS = 50_000  # a hostile page cannot make the structure unbounded
MAX_JSONLD = 20  # scripts read per page
MAX_JSONLD_BYTES = 200_000  # each


def join_url(base: str, href: str) -> str | None:
    """``urljoin`` that gives None for a malformed address (``http://[oops/``) instead of raising."""
    try:
        return urldefrag(urljoin(base, href.strip()))[0]
    except ValueError:
        return None


# Control characters (ESC starts a terminal escape: "\x1b[2J" clears the screen) and bidirectional overrides
# (they reorder what a reader sees) are written by the people judged: they never reach a rule or a report.
_CONTROL = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f\u202a-\u202e\u2066-\u2069]")


def _splits(url: str) -> bool:
    try:
        urlsplit(url)
    except ValueError:
        return False
    return True


def _norm(text: str) -> str:
    return _WS.sub(" ", _CONTROL.sub("", text)).strip()


def _classes(el) -> str:
    cls = el.get("class")
    if isinstance(cls, list):
        cls = " ".join(cls)
    return f"{cls or ''} {el.get('id') or ''}"[:300]


class Page:
    """One parsed HTML page. Everything a rule needs, extracted once."""

    def __init__(self, raw: RawPage):
        self.raw = raw
        self.url = raw.url
        self.role = raw.role
        self.status = raw.status
        self.headers = raw.headers
        self.title = ""
        self.text = ""  # the visible text, white space folded to single spaces
        self.lines: list[str] = []  # the visible text in its blocks, one string per line
        self.line_starts: list[int] = []  # where each line begins in self.text
        self.links: list[Link] = []
        self.forms: list[Form] = []
        self.images: list[Image] = []
        self.meta: dict[str, str] = {}
        self.lang: str | None = None
        self.encoding: str | None = None
        self.addresses: list[str] = []  # the text of each <address> element, its lines joined by ", "
        self.protected_emails: list[str] = []  # hex codes of e-mail addresses hidden by Cloudflare (data-cfemail)
        self.blocks: list[Block] = []  # the page's structure, in document order (a parent before its children)
        self.line_blocks: list[int] = []  # the innermost block of each line
        self.controls: list[Control] = []  # buttons and submit inputs
        self.props: list[Prop] = []  # microdata/RDFa properties and price data attributes
        self.jsonld: list[Any] = []  # parsed JSON-LD scripts
        self.struck: list[tuple[int, int]] = []  # ranges of page.text inside <del>, <s>, <strike> (old prices)
        if raw.body and raw.is_html:
            self._parse(raw.body)

    def _parse(self, body: bytes) -> None:
        from bs4 import BeautifulSoup, CData, NavigableString, Tag  # imported here: keeps `pharmcheck --help` fast

        html, self.encoding = decode_html(body, self.headers.get("content-type"))
        # A str, not bytes: bs4 must not guess an encoding again from the <meta> tag.
        soup = BeautifulSoup(html, "lxml")
        base = self.url
        text_types = (NavigableString, CData)
        has_body = soup.body is not None
        lines = self.lines
        line_starts = self.line_starts
        line_blocks = self.line_blocks
        blocks = self.blocks
        size = 0  # length of the text so far
        # The walk: one pass over the tree with an explicit stack (no recursion: a page may nest deeply).
        # Each frame: (element, children iterator, first line index, block index or -1, on-exit action)
        anchors: list[tuple[Any, int, list[str], int, int]] = []  # (tag, first line, image alts, end line, order)
        anchor_stack: list[tuple[Any, int, list[str], int]] = []
        images: list[tuple[Any, str | None]] = []
        form_stack: list[Form] = []
        scope_stack: list[int] = []  # itemscope blocks
        block_stack: list[int] = []
        address_first: list[int] = []
        in_body = 0 if has_body else 1
        order_counter = itertools.count()
        chrome = 0
        stack: list[tuple[Any, Any, int, int, str]] = [(soup, iter(soup.contents), 0, -1, "")]
        while stack:
            el, children, first_line, block, action = stack[-1]
            node = next(children, None)
            if node is None:
                stack.pop()
                # Leaving an element: close what it opened.
                if block != -1:
                    if len(lines) > first_line:
                        blocks[block].start = line_starts[first_line]
                        blocks[block].end = line_starts[-1] + len(lines[-1])
                    else:
                        blocks[block].start = blocks[block].end = size
                    block_stack.pop()
                for act in action.split(","):
                    if act == "body":
                        in_body -= 1
                    elif act == "chrome":
                        chrome -= 1
                    elif act == "a":
                        tag, a_first, alts, order = anchor_stack.pop()
                        anchors.append((tag, a_first, alts, len(lines), order))
                    elif act == "form":
                        form = form_stack.pop()
                        if len(lines) > first_line:
                            form.start, form.end = line_starts[first_line], line_starts[-1] + len(lines[-1])
                    elif act == "scope":
                        scope_stack.pop()
                    elif act == "struck":
                        if len(lines) > first_line:
                            self.struck.append((line_starts[first_line], line_starts[-1] + len(lines[-1])))
                    elif act == "address":
                        start = address_first.pop()
                        text = ", ".join(lines[start:])
                        text = re.sub(r"\s*,(?:\s*,)+", ",", text).strip(" ,")
                        if text:
                            self.addresses.append(text[:1000])
                continue
            if not isinstance(node, Tag):
                if in_body and type(node) in text_types:
                    for part in str(node).split("\n"):
                        piece = _norm(part)
                        if piece:
                            start = size + 1 if lines else 0
                            lines.append(piece)
                            line_starts.append(start)
                            line_blocks.append(block_stack[-1] if block_stack else -1)
                            size = start + len(piece)
                continue
            name = node.name
            if name == "script":
                kind = str(node.get("type") or "").strip().lower()
                if kind == "application/ld+json" and len(self.jsonld) < MAX_JSONLD:
                    self._read_jsonld(node.string or "")
                continue
            if name == "title":
                if not self.title:
                    self.title = _norm(node.get_text(" "))
                continue
            if name == "meta":
                key = str(node.get("name") or node.get("property") or node.get("http-equiv") or "").strip().lower()
                if key and node.get("content") is not None and key not in self.meta:
                    self.meta[key] = _norm(str(node.get("content")))[:500]
                if node.get("itemprop") and node.get("content") is not None:
                    self.props.append(Prop(str(node.get("itemprop")).strip().lower()[:40], _norm(str(node.get("content")))[:200],
                                           size, scope_stack[-1] if scope_stack else -1))
                continue
            if name == "base" and node.get("href"):
                base = join_url(self.url, str(node["href"])) or base
                continue
            if name in _DROP_TAGS and name != "head":
                continue
            if name == "html" and node.get("lang"):
                self.lang = str(node.get("lang")).strip().lower()[:20]
            cfemail = node.get("data-cfemail")
            if cfemail:
                self.protected_emails.append(str(cfemail))
            actions: list[str] = []
            if name == "body":
                in_body += 1
                actions.append("body")
            # What this element is to a reader.
            role = _ROLE_OF_TAG.get(name)
            classes = None
            itemtype = ""
            if node.get("itemscope") is not None or node.get("typeof"):
                itemtype = str(node.get("itemtype") or node.get("typeof") or "").rsplit("/", 1)[-1].rsplit(":", 1)[-1][:40]
                role = "card" if itemtype.lower() in ("product", "offer", "drug", "aggregateoffer", "") else (role or "box")
            if role in ("box", "item", "cell", "card") or (role is None and name in ("span", "a")):
                classes = _classes(node)
                aria = str(node.get("role") or "").lower()
                if _CHROME_CLASS.search(classes) or aria in ("navigation", "menu", "menubar", "banner", "contentinfo"):
                    role = "chrome"
                elif role == "box" and _PRODUCT_CLASS.search(classes):
                    role = "card"
            if role == "chrome":
                chrome += 1
                actions.append("chrome")
            new_block = -1
            if role is not None and in_body and len(blocks) < MAX_BLOCKS:
                new_block = len(blocks)
                blocks.append(Block(role, name, size, size, block_stack[-1] if block_stack else -1, itemtype, chrome > 0))
                block_stack.append(new_block)
            if itemtype or node.get("itemscope") is not None:
                scope_stack.append(new_block)
                actions.append("scope")
            prop = node.get("itemprop") or node.get("property")
            if prop and in_body:
                value = node.get("content")
                if value is None and name in ("a", "link"):
                    value = node.get("href")
                if value is None:
                    value = node.get_text(" ")[:300] if name != "body" else ""
                self.props.append(Prop(str(prop).strip().lower().rsplit(":", 1)[-1][:40], _norm(str(value))[:200], size,
                                       scope_stack[-1] if scope_stack and scope_stack[-1] != new_block else
                                       (scope_stack[-2] if len(scope_stack) > 1 else -1)))
            for attr in node.attrs:
                if attr.startswith("data-") and _PRICE_ATTR.match(attr):
                    self.props.append(Prop(attr, _norm(str(node.attrs[attr]))[:60], size, new_block))
            if name == "a" and node.get("href") is not None:
                anchor_stack.append((node, len(lines), [], next(order_counter)))
                actions.append("a")
            elif name == "img":
                images.append((node, None))
                if anchor_stack:
                    anchor_stack[-1][2].append(str(node.get("alt") or ""))
                    images[-1] = (node, str(anchor_stack[-1][0].get("href") or ""))
            elif name == "form":
                form = Form(action=join_url(base, str(node.get("action") or "")) or base,
                            method=str(node.get("method") or "get").lower(), fields=[])
                self.forms.append(form)
                form_stack.append(form)
                actions.append("form")
            elif name in ("input", "select", "textarea", "button"):
                itype = str(node.get("type") or ("submit" if name == "button" else name)).lower()
                if name == "button" or itype in ("submit", "button", "image"):
                    label = _norm(str(node.get("value") or node.get("aria-label") or node.get("title") or node.get("alt") or ""))
                    if name == "button":
                        label = _norm(node.get_text(" ")[:200] + " " + label)
                    if label:
                        self.controls.append(Control(size, label[:120], "button" if name == "button" else "submit"))
                if form_stack and itype != "hidden" and name != "button":
                    form = form_stack[-1]
                    fname = str(node.get("name") or node.get("id") or "").lower()
                    auto = str(node.get("autocomplete") or "").lower()
                    form.fields.append(f"{itype}:{fname}:{auto}")
                    form.has_password |= itype == "password"
                    form.has_payment |= bool(_PAYMENT.search(fname) or _PAYMENT.search(auto))
            elif name == "address":
                address_first.append(len(lines))
                actions.append("address")
            if name in ("del", "s", "strike") or (node.get("class") and _OLD_PRICE_CLASS.search(_classes(node))):
                actions.append("struck")
            if name in ("input", "img", "br", "hr", "meta", "link"):
                if new_block != -1:
                    block_stack.pop()
                    blocks[new_block].start = blocks[new_block].end = size
                while actions:
                    act = actions.pop()
                    if act == "chrome":
                        chrome -= 1
                    elif act == "scope":
                        scope_stack.pop()
                    elif act == "a":
                        tag, a_first, alts, order = anchor_stack.pop()
                        anchors.append((tag, a_first, alts, len(lines), order))
                continue
            stack.append((node, iter(node.contents), len(lines), new_block, ",".join(actions)))
        self.text = " ".join(lines)
        anchors.sort(key=lambda entry: entry[4])  # document order (nested anchors close inside out)
        for a, a_first, alts, a_end, _order in anchors:
            href = str(a["href"]).strip()
            if not href or href.startswith(("javascript:", "data:")):
                continue
            if "/cdn-cgi/l/email-protection#" in href:  # the code sits in the fragment, which join_url drops
                self.protected_emails.append(href.rsplit("#", 1)[1][:200])
            url = href if href.startswith(("tel:", "mailto:")) else join_url(base, href)
            if url is None or not _splits(url):
                continue  # "mailto://[x": an address no rule can take apart is no link
            own = " ".join(lines[a_first:a_end])
            extra = [alt for alt in alts]
            if a.get("title"):
                extra.append(str(a.get("title")))
            start = line_starts[a_first] if a_end > a_first else -1
            end = line_starts[a_end - 1] + len(lines[a_end - 1]) if a_end > a_first else -1
            self.links.append(Link(url=url, text=_norm(" ".join([own, *extra])), start=start, end=end))
        for img, href in images:
            link = join_url(base, href) if href else None
            src = join_url(base, str(img.get("src") or "")) or ""
            self.images.append(Image(src=src, alt=_norm(str(img.get("alt") or "")), link=link))

    def _read_jsonld(self, raw: str) -> None:
        import json

        raw = raw.strip()
        if not raw or len(raw) > MAX_JSONLD_BYTES:
            return
        try:
            self.jsonld.append(json.loads(raw))
        except (ValueError, RecursionError):
            return  # broken JSON-LD is common and says nothing

    def block_at(self, start: int, end: int | None = None) -> int:
        """The innermost block that holds ``page.text[start:end]``, or -1."""
        import bisect

        end = start if end is None else end
        i = bisect.bisect_right(self.line_starts, start) - 1
        if i < 0 or i >= len(self.line_blocks):
            return -1
        b = self.line_blocks[i]
        while b != -1 and self.blocks[b].end < end:
            b = self.blocks[b].parent
        return b

    # -- searching -------------------------------------------------------------------------

    def find(self, pattern: re.Pattern[str] | str, flags: int = re.I) -> Iterator["Match"]:
        """Every match of ``pattern`` in the visible text, with a short quote around it."""
        rx = re.compile(pattern, flags) if isinstance(pattern, str) else pattern
        for m in rx.finditer(self.text):
            yield Match(page=self, start=m.start(), end=m.end(), match=m)

    def snippet(self, start: int, end: int, context: int = 80) -> str:
        """The text around [start, end): up to ``context`` characters each side, cut at word edges."""
        text = self.text
        lo = max(0, start - context)
        hi = min(len(text), end + context)
        # Prefer to start at a sentence edge within the window.
        cut = max(text.rfind(". ", lo, start), text.rfind("! ", lo, start), text.rfind("? ", lo, start))
        if cut != -1:
            lo = cut + 2
        elif lo > 0:
            space = text.find(" ", lo, start)
            lo = space + 1 if space != -1 else lo
        stop = [i for i in (text.find(". ", end, hi), text.find("! ", end, hi), text.find("? ", end, hi)) if i != -1]
        if stop:
            hi = min(stop) + 1
        elif hi < len(text):
            space = text.rfind(" ", end, hi)
            hi = space if space != -1 else hi
        return text[lo:hi].strip()


@dataclass
class Match:
    page: Page
    start: int
    end: int
    match: re.Match[str]

    @property
    def text(self) -> str:
        return self.match.group(0)

    @property
    def quote(self) -> str:
        return self.page.snippet(self.start, self.end)


class Site:
    """The parsed site. ``pages[0]`` is the start page (after redirects)."""

    def __init__(self, raw: RawSite):
        self.raw = raw
        self.requested = raw.requested
        self.start_url = raw.start_url
        self.final_url = raw.final_url or raw.start_url
        self.mode = raw.mode
        self.tls = raw.tls
        self.http_probe = raw.http_probe
        self.pages: list[Page] = [Page(p) for p in raw.pages if p.error is None and p.body]
        self.registered_domain = registered_domain(self.final_url)

    @property
    def start(self) -> Page | None:
        return self.pages[0] if self.pages else None

    @property
    def offline(self) -> bool:
        return self.mode == "offline"

    @property
    def urls(self) -> list[str]:
        """The pages searched, for absence findings."""
        return [p.url for p in self.pages]

    def find(self, pattern: re.Pattern[str] | str, flags: int = re.I, pages: Iterable[Page] | None = None) -> list[Match]:
        rx = re.compile(pattern, flags) if isinstance(pattern, str) else pattern
        out: list[Match] = []
        for page in pages if pages is not None else self.pages:
            out.extend(page.find(rx))
        return out

    def links(self) -> Iterator[tuple[Page, Link]]:
        for page in self.pages:
            for link in page.links:
                yield page, link


def parse_site(raw: RawSite) -> Site:
    return Site(raw)


# ----------------------------------------------------------------------------------------------
# Domains

_EXTRACT = None


def _extractor():
    """tldextract with its bundled Public Suffix List only: it never downloads anything."""
    global _EXTRACT
    if _EXTRACT is None:
        import tldextract

        _EXTRACT = tldextract.TLDExtract(suffix_list_urls=(), cache_dir=None)
    return _EXTRACT


def registered_domain(url: str) -> str:
    """The registrable domain of a URL (``www.shop.example.co.uk`` -> ``example.co.uk``)."""
    if not url or url.startswith("file:") or "://" not in url:
        return ""
    try:
        host = urlsplit(url).hostname or ""
    except ValueError:  # "https://]", "mailto://[x": a malformed address belongs to no site
        return ""
    if not host:
        return ""
    ext = _extractor()(host)
    if ext.domain and ext.suffix:
        return f"{ext.domain}.{ext.suffix}"
    return host  # an IP address, localhost or an unknown suffix: the host itself


def same_site(url: str, other: str) -> bool:
    """Do two URLs belong to the same registered domain (and so to the same site)?"""
    a, b = registered_domain(url), registered_domain(other)
    if not a or not b:
        return False
    try:
        if a == b and (a.replace(".", "").isdigit() or a in ("localhost",)):  # an IP: compare host and port too
            return urlsplit(url).netloc == urlsplit(other).netloc
    except ValueError:
        return False
    return a == b
