"""What was gathered about one site, and the parsed view of it that every rule reads.

The fetcher produces a :class:`RawSite` (plain bytes and facts, cheap to pickle to a worker process);
:func:`parse_site` turns it into a :class:`Site` of parsed :class:`Page` objects. Rules read only a
``Site``: they never fetch. How a page's bytes become a ``Page`` is :mod:`pharmcheck.reader` (one bs4
tree holding only what rules read, one walk); decoding is :mod:`pharmcheck.decoding`, addresses and
registered domains :mod:`pharmcheck.urls`.
"""

from __future__ import annotations

import bisect
import re
from dataclasses import dataclass, field
from typing import Any, Iterable, Iterator

from .decoding import decode_html  # noqa: F401  (part of this module's interface: fetch and bench read it here)
from .reader import CONTROL as _CONTROL  # noqa: F401
from .reader import norm as _norm  # noqa: F401
from .urls import join_url, registered_domain, same_site  # noqa: F401

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
        if not ctype:  # no header (a careless server): sniff as the WHATWG MIME Sniffing Standard does
            head = self.body[:1445].lstrip(b"\t\n\x0c\r ").lower()
            return any(head.startswith(tag) and head[len(tag):len(tag) + 1] in (b" ", b">") for tag in _HTML_SNIFF) or head.startswith(b"<!--") or b"<html" in head
        return False


# The tags that make a body HTML in the WHATWG MIME Sniffing Standard's "HTML" rows (without the header).
_HTML_SNIFF = tuple(b"<" + t for t in (b"!doctype html", b"html", b"head", b"script", b"iframe", b"h1", b"div", b"font", b"table", b"a", b"style", b"title", b"b", b"body", b"br", b"p", b"meta"))


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
            from .reader import read_page

            read_page(self, raw.body)

    def block_at(self, start: int, end: int | None = None) -> int:
        """The innermost block that holds ``page.text[start:end]``, or -1."""
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
