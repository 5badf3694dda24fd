"""Crawls as input: the sites of a WARC file (Common Crawl, Heritrix, wget ``--warc-file``, browsertrix),
rebuilt from its ``response`` records and judged by the same engine, with the same records, offline.

Reading is one stream through the file (warcio; gzipped or not): nothing is fetched, and memory does not grow
with the file. The records of one site are gathered while they come; a site is judged when the crawl has
moved on: when more than :data:`OPEN_SITES` sites are open (the one seen longest ago is closed), when the
pages held pass :data:`OPEN_BYTES`, or at the end of the file. A crawl of one site at a time (wget,
Heritrix, browsertrix) therefore gives each site whole; in a crawl that mixes hosts record by record (Common
Crawl), a site is what its records in the window held, and records of a site already judged that come later
are counted in a note and left out, rather than judged as a second site.

A site, from its records, as ``fetch_site`` would have gathered it:

* the key is the host (lower case, no trailing dot, no leading ``www.``) with its port, so ``x.example`` and
  its ``www.`` are one site;
* the start page is the record of ``/`` (https before http), followed through the redirects the crawl
  recorded; failing that, the first HTML page of the site in the file;
* the other pages are chosen from the start page's links by the same choice as a live check
  (``fetch.choose_pages``), among the pages the crawl holds; then the other pages the crawl holds whose
  address names a role (contact, about, ...), up to ``--max-pages``;
* bodies are decoded (chunked, gzip, deflate, br) and cut at the same 5 MB; only HTML is kept;
* the connection's facts are not in a WARC: TLS and the http -> https redirect are "not checked" (the report's
  mode is ``offline``), and ``fetched_at`` is the crawl's date of the start page.
"""

from __future__ import annotations

import collections
import logging
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, BinaryIO, Iterator
from urllib.parse import urlsplit, urlunsplit

from .site import HttpProbe, RawPage, RawSite, TLSInfo
from .textsafe import one_line

if TYPE_CHECKING:
    from .audit.inputs import Entry
    from .fetch import FetchConfig

OPEN_SITES = 256  # sites gathered at once
OPEN_BYTES = 64_000_000  # bytes of pages held at once
HTML_TYPES = ("text/html", "application/xhtml+xml")
WARC_SUFFIXES = (".warc", ".warc.gz", ".arc", ".arc.gz")


def looks_like_warc(name: str, head: bytes) -> bool:
    """A WARC by its name (``.warc``, ``.warc.gz``) or its first bytes (``WARC/1.x``)."""
    return name.lower().endswith(WARC_SUFFIXES) or head.startswith(b"WARC/")


def site_of(url: str) -> str:
    from .audit.keys import canonical_host

    parts = urlsplit(url)
    port = parts.port
    host = canonical_host(parts.hostname or "")
    return host if port in (None, 80, 443) else f"{host}:{port}"


def _clean(url: str) -> str:
    parts = urlsplit(url)
    return urlunsplit((parts.scheme.lower(), parts.netloc.lower().rstrip("."), parts.path or "/", parts.query, ""))


@dataclass
class _Capture:
    url: str
    status: int
    headers: dict[str, str]
    body: bytes = b""
    truncated: bool = False
    date: str | None = None
    location: str | None = None


@dataclass
class _OpenSite:
    key: str
    seen: int = 0  # its place among the sites of the crawl
    captures: dict[str, _Capture] = field(default_factory=dict)  # cleaned URL -> first capture
    order: list[str] = field(default_factory=list)
    size: int = 0


class TruncatedCrawl(Exception):
    """A record of the crawl ends before its Content-Length: the file was cut (warcio reads on without a word)."""


def _short(record: Any) -> bool:
    """Whether a record read to its end held fewer bytes than its WARC Content-Length declared."""
    return getattr(record.raw_stream, "limit", 0) > 0


def _whole(record: Any) -> bool:
    """Whether a WARC record's headers hold what every WARC record must: a decimal length and a record ID."""
    length = record.rec_headers.get_header("Content-Length") or ""
    return length.strip().isdigit() and bool(record.rec_headers.get_header("WARC-Record-ID"))


def _read_capture(record: Any, max_bytes: int) -> _Capture | None:
    url = record.rec_headers.get_header("WARC-Target-URI") or ""
    if not url.startswith(("http://", "https://")) or record.http_headers is None:
        return None
    try:
        status = int(record.http_headers.get_statuscode() or 0)
    except ValueError:
        return None
    headers: dict[str, str] = {}
    for name, value in record.http_headers.headers:
        headers.setdefault(name.lower(), value)
    capture = _Capture(_clean(url), status, headers, date=record.rec_headers.get_header("WARC-Date"))
    if 300 <= status < 400:
        from .site import join_url

        capture.location = join_url(url, headers.get("location", "")) if headers.get("location") else None
        return capture
    ctype = headers.get("content-type", "").split(";")[0].strip().lower()
    if not 200 <= status < 300 or (ctype and ctype not in HTML_TYPES):
        return None
    try:
        body = record.content_stream().read(max_bytes + 1)  # transfer and content encodings decoded by warcio
    except Exception:  # a broken gzip body in the crawl: the page is left out, the crawl goes on
        return None
    capture.truncated = len(body) > max_bytes
    if not capture.truncated and _short(record):
        raise TruncatedCrawl(f"the record of {capture.url} ends before its declared length")
    capture.body = body[:max_bytes]
    for name in ("content-encoding", "transfer-encoding", "content-length"):
        headers.pop(name, None)
    return capture


def _start(site: _OpenSite) -> _Capture | None:
    host_order = [u for u in site.order if urlsplit(u).path == "/" and not urlsplit(u).query]
    host_order.sort(key=lambda u: (not u.startswith("https://"), urlsplit(u).hostname.startswith("www.") if urlsplit(u).hostname else False))
    for url in host_order + [u for u in site.order if site.captures[u].location is None]:
        capture = site.captures[url]
        seen = {url}
        while capture.location is not None:
            nxt = site.captures.get(_clean(capture.location))
            if nxt is None or nxt.url in seen:
                break
            seen.add(nxt.url)
            capture = nxt
        if capture.location is None:
            return capture
    return None


def build_site(site: _OpenSite, config: "FetchConfig", source: str) -> RawSite:
    """The RawSite of one site's captures, as ``fetch_site`` would have made it (see the module docstring)."""
    from .fetch import choose_pages, classify, extract_links

    start = _start(site)
    first = site.order[0]
    raw = RawSite(requested=first, start_url=first, mode="offline", fetched_at=None)
    raw.tls = TLSInfo(checked=False)
    raw.http_probe = HttpProbe(checked=False)
    raw.notes.append(f"read from the crawl {source}: the connection (TLS, http -> https) was not checked")
    if start is None:
        raw.error, raw.error_kind = f"the crawl holds no HTML page of {site.key} (only redirects or other content)", "not-in-crawl"
        return raw
    raw.requested = raw.start_url = start.url
    raw.final_url = start.url
    raw.fetched_at = _utc(start.date)
    raw.pages.append(RawPage(url=start.url, requested_url=start.url, status=start.status, headers=start.headers, body=start.body, truncated=start.truncated, role="start"))
    chosen = choose_pages(start.url, extract_links(start.body, start.url), config)
    taken = {start.url}
    for url, role in chosen:
        capture = site.captures.get(_clean(url))
        if capture is not None and capture.location is None and capture.url not in taken:
            taken.add(capture.url)
            raw.pages.append(RawPage(url=capture.url, requested_url=url, status=capture.status, headers=capture.headers, body=capture.body, truncated=capture.truncated, role=role))
    for url in site.order:
        if len(raw.pages) > config.max_pages:
            break
        capture = site.captures[url]
        role = classify(url)
        if capture.location is None and url not in taken and role is not None:
            taken.add(url)
            raw.pages.append(RawPage(url=url, requested_url=url, status=capture.status, headers=capture.headers, body=capture.body, truncated=capture.truncated, role=role))
    missing = len(chosen) - (len(raw.pages) - 1)
    if missing > 0:
        raw.notes.append(f"{missing} page(s) the start page links to are not in the crawl")
    return raw


def _utc(date: str | None) -> str | None:
    if not date:
        return None
    return date[:19] + "Z" if len(date) >= 19 and date[10] == "T" else date


def iter_sites(stream: BinaryIO, config: "FetchConfig", source: str = "crawl", notes: list[str] | None = None) -> Iterator[RawSite]:
    """The sites of a WARC stream, each once, in the order they are closed."""
    from warcio.archiveiterator import ArchiveIterator
    from warcio.bufferedreaders import DecompressingBufferedReader

    open_sites: collections.OrderedDict[str, _OpenSite] = collections.OrderedDict()
    from .audit.keys import _KeyTable

    closed = _KeyTable()  # 64-bit hashes of the sites already judged: flat arrays, then a file (audit/keys.py)

    def mark(key: str) -> int:
        return (hash(key) & 0xFFFFFFFFFFFFFFFF) or 1
    late = 0
    held = 0
    quiet = logging.getLogger("warcio")  # its warnings quote the file (a target URI, say): never to the terminal
    if not quiet.handlers:
        quiet.addHandler(logging.NullHandler())
        quiet.propagate = False

    class _Reader(DecompressingBufferedReader):
        broken = False

        def _decompress(self, data: bytes) -> bytes:
            if self.decompressor is not None and data and self.num_block_read:
                try:  # warcio writes zlib's error to stderr and reads on as if the member had ended
                    return self.decompressor.decompress(data)
                except Exception:
                    self.broken = True
                    return b""
            return super()._decompress(data)

    class _Iterator(ArchiveIterator):
        INC_RECORD = ""  # warcio writes this warning, with a line of the file in it, to stderr; its count is read instead
        cut = False

        def __init__(self, *args: Any, **kwargs: Any) -> None:
            super().__init__(*args, **kwargs)
            self.reader.__class__ = _Reader

        def _next_record(self, next_line: Any) -> Any:
            try:
                return super()._next_record(next_line)
            except EOFError:  # the end of the file, or a record cut inside its headers (warcio ends quietly there)
                self.cut = self.cut or bool(next_line and next_line.strip()) or (self.record is None and self.fh.tell() > 0)
                raise

        def close(self) -> None:
            reader = self.reader
            decompressor = reader.decompressor if reader is not None else None
            # a gzip member that never reached its end, or did not decompress: the file was cut (warcio ends quietly)
            self.cut = self.cut or getattr(reader, "broken", False) or (decompressor is not None and not getattr(decompressor, "eof", True))
            super().close()

    record = None
    iterator = _Iterator(stream, arc2warc=True)
    try:
        for record in iterator:
            if record.format == "warc" and not _whole(record):
                raise TruncatedCrawl("a record's headers are not those of a WARC record (no length, or no record ID)")
            if getattr(iterator.reader, "broken", False):
                raise TruncatedCrawl("a compressed record does not decompress")
            if record.rec_type != "response":
                continue
            try:
                capture = _read_capture(record, config.max_bytes)
                key = site_of(capture.url) if capture is not None else ""
            except ValueError:  # a target URI no URL parser takes (https://]/, a port past 65535): that record only
                continue
            if capture is None:
                continue
            site = open_sites.get(key)
            if site is None:
                if closed.get(mark(key)) is not None:
                    late += 1
                    continue
                site = open_sites[key] = _OpenSite(key, len(closed) + len(open_sites))
            open_sites.move_to_end(key)
            if capture.url in site.captures or len(site.captures) > 4 * (config.max_pages + 1) + 20:
                continue  # a page captured twice: the first capture counts; a huge crawl of one site: enough
            site.captures[capture.url] = capture
            site.order.append(capture.url)
            site.size += len(capture.body)
            held += len(capture.body)
            while len(open_sites) > OPEN_SITES or (held > OPEN_BYTES and len(open_sites) > 1):
                _, oldest = open_sites.popitem(last=False)
                held -= oldest.size
                closed.put(mark(oldest.key), 1, 0)
                yield build_site(oldest, config, source)
        if record is not None and (_short(record) or not hasattr(record.raw_stream, "limit")):
            # a last record cut short, or cut inside its headers (no Content-Length read, so no limit)
            raise TruncatedCrawl("its last record ends before its declared length")
        if iterator.cut:
            raise TruncatedCrawl("it ends inside a compressed record")
        if iterator.err_count:
            raise TruncatedCrawl(f"{iterator.err_count} record(s) do not end where their declared length says")
    except Exception as exc:  # warcio's errors for a broken file: what was read is judged, and the summary says so
        if notes is not None:
            why = one_line(str(exc))[:200]  # warcio quotes the file's bytes: never a control character to the terminal
            notes.append(f"{source} could not be read past some point, the sites read before it were judged ({exc.__class__.__name__}{': ' + why if why else ''})")
    finally:
        closed.close()
    for site in sorted(open_sites.values(), key=lambda s: s.seen):  # the rest in the order the crawl met them
        yield build_site(site, config, source)
    if late and notes is not None:
        notes.append(f"{late} record(s) of sites already judged came later in the crawl and were left out")


def iter_entries(stream: BinaryIO, config: "FetchConfig", source: str, notes: list[str] | None = None) -> Iterator["Entry"]:
    """Audit entries, one per site of the crawl: ``line`` is the site's number in the crawl (1, 2, ...)."""
    from .audit.inputs import Entry

    for n, raw in enumerate(iter_sites(stream, config, source, notes), 1):
        entry = Entry(n, raw.start_url)
        entry.raw = raw
        yield entry
