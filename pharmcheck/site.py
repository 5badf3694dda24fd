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


def _codec(name: str | None) -> str | None:
    if not name:
        return None
    try:
        return codecs.lookup(name.strip().strip("\"'")).name
    except LookupError:
        return None


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


@dataclass
class Form:
    action: str  # absolute URL the form submits to
    method: str
    fields: list[str]  # "type:name:autocomplete" of each input, lower case
    has_password: bool = False
    has_payment: bool = False  # card number, CVV, expiry


@dataclass
class Image:
    src: str
    alt: str
    link: str | None = None  # where the image links to, when inside <a>


_WS = re.compile(r"\s+")
_PAYMENT = re.compile(r"cc-?(number|csc|exp)|card.?(num|no\b)|cardnumber|cvv|cvc|security.?code|expir", re.I)
_DROP_TAGS = ("script", "style", "noscript", "template", "svg", "iframe", "object")


def join_url(base: str, href: str) -> str | None:
    """``urljoin`` that gives None for a malformed address (``http://[oops/``) instead of raising."""
    try:
        return urldefrag(urljoin(base, href.strip()))[0]
    except ValueError:
        return None


def _ancestor(el, name: str, depth: int = 30):
    parent = el.parent
    while parent is not None and depth > 0:
        if parent.name == name:
            return parent
        parent = parent.parent
        depth -= 1
    return None


def _norm(text: str) -> str:
    return _WS.sub(" ", text).strip()


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
        self.links: list[Link] = []
        self.forms: list[Form] = []
        self.images: list[Image] = []
        self.meta: dict[str, str] = {}
        self.lang: str | None = None
        self.encoding: str | None = None
        self.addresses: list[str] = []  # the text of each <address> element, its lines joined by ", "
        self.protected_emails: list[str] = []  # hex codes of e-mail addresses hidden by Cloudflare (data-cfemail)
        if raw.body and raw.is_html:
            self._parse(raw.body)

    def _parse(self, body: bytes) -> None:
        from bs4 import BeautifulSoup, Tag  # imported here: keeps `pharmcheck --help` fast

        html, self.encoding = decode_html(body, self.headers.get("content-type"))
        # A str, not bytes: bs4 must not guess an encoding again from the <meta> tag.
        soup = BeautifulSoup(html, "lxml")
        base = self.url
        anchors: list[Tag] = []
        images: list[Tag] = []
        forms: dict[int, Form] = {}
        inputs: list[Tag] = []
        drop: list[Tag] = []
        address_tags: list[Tag] = []
        # One walk over the tree (each find_all is a walk of its own, and bs4 walks are slow).
        for el in soup.descendants:
            if not isinstance(el, Tag):
                continue
            name = el.name
            if name == "a":
                if el.get("href") is not None:
                    anchors.append(el)
            elif name == "img":
                images.append(el)
            elif name in ("input", "select", "textarea"):
                inputs.append(el)
            elif name == "form":
                forms[id(el)] = Form(
                    action=join_url(base, str(el.get("action") or "")) or base,
                    method=str(el.get("method") or "get").lower(),
                    fields=[],
                )
            elif name == "meta":
                key = str(el.get("name") or el.get("property") or "").strip().lower()
                if key and el.get("content") is not None and key not in self.meta:
                    self.meta[key] = _norm(str(el.get("content")))[:500]
            elif name == "title" and not self.title:
                self.title = _norm(el.get_text(" "))
            elif name == "base" and el.get("href"):
                base = join_url(self.url, str(el["href"])) or base
            elif name == "html" and el.get("lang"):
                self.lang = str(el.get("lang")).strip().lower()[:20]
            elif name == "address":
                address_tags.append(el)
            elif name in _DROP_TAGS:
                drop.append(el)
            cfemail = el.get("data-cfemail")
            if cfemail:
                self.protected_emails.append(str(cfemail))
        for el in drop:
            el.decompose()
        for el in address_tags:
            if not el.decomposed:
                text = ", ".join(_norm(t) for t in el.stripped_strings)
                text = re.sub(r"\s*,(?:\s*,)+", ",", text).strip(" ,")
                if text:
                    self.addresses.append(text[:1000])
        for a in anchors:
            if a.decomposed:
                continue
            href = str(a["href"]).strip()
            if not href or href.startswith(("javascript:", "data:")):
                continue
            if "/cdn-cgi/l/email-protection#" in href:  # the code sits in the fragment, which join_url drops
                self.protected_emails.append(href.rsplit("#", 1)[1][:200])
            url = href if href.startswith(("tel:", "mailto:")) else join_url(base, href)
            if url is None:
                continue
            text = a.get_text(" ")
            extra = [str(img.get("alt") or "") for img in a.find_all("img")] if a.find("img") is not None else []
            if a.get("title"):
                extra.append(str(a.get("title")))
            self.links.append(Link(url=url, text=_norm(" ".join([text, *extra]))))
        for img in images:
            if img.decomposed:
                continue
            parent_a = _ancestor(img, "a")
            link = None
            if parent_a is not None and parent_a.get("href"):
                link = join_url(base, str(parent_a["href"]))
            src = join_url(base, str(img.get("src") or "")) or ""
            self.images.append(Image(src=src, alt=_norm(str(img.get("alt") or "")), link=link))
        for inp in inputs:
            form_tag = _ancestor(inp, "form")
            if form_tag is None or id(form_tag) not in forms:
                continue
            itype = str(inp.get("type") or inp.name).lower()
            if itype == "hidden":
                continue
            form = forms[id(form_tag)]
            name = str(inp.get("name") or inp.get("id") or "").lower()
            auto = str(inp.get("autocomplete") or "").lower()
            form.fields.append(f"{itype}:{name}:{auto}")
            form.has_password |= itype == "password"
            form.has_payment |= bool(_PAYMENT.search(name) or _PAYMENT.search(auto))
        self.forms = list(forms.values())
        body_tag = soup.body or soup
        self.lines = [line for line in (_norm(s) for s in body_tag.get_text("\n").split("\n")) if line]
        self.text = " ".join(self.lines)

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
    host = urlsplit(url).hostname or ""
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
    if a == b and a.replace(".", "").isdigit():  # an IP: compare host and port too
        return urlsplit(url).netloc == urlsplit(other).netloc
    if a == b and a in ("localhost",):
        return urlsplit(url).netloc == urlsplit(other).netloc
    return a == b
