"""Gather one site: the start page, the pages that matter, TLS facts, redirects, the plain-HTTP answer.

The fetcher is the only part of pharmcheck that touches the network, and it contacts only the site the
user named. It never runs JavaScript, never submits a form, never logs in or buys: it sends GET requests
for HTML pages, names itself in its User-Agent, and bounds every request in time and size.

Traps defended here (each has a test against a real loopback server):

* httpx's timeouts apply to each socket read, not to the whole request: a server that trickles a byte
  a second never times out. Every request runs under one deadline (``asyncio.timeout``) that covers the
  headers and the body.
* httpx decodes gzip/deflate/brotli without any bound (510 KB on the wire became 512 MB). Bodies are read
  raw and decoded here with bounded decompressors; decoded bytes are capped; stacked encodings are refused.
* Redirects are followed by hand, so the chain is recorded, loops are named as loops, and the crawl never
  leaves the site.
"""

from __future__ import annotations

import asyncio
import re
import time
from dataclasses import dataclass
from datetime import datetime, timezone
from pathlib import Path
from typing import TYPE_CHECKING, Any
from urllib.parse import urlsplit, urlunsplit

from . import __version__
from .retry import with_retries
from .robots import check as robots_check, page_delay as robots_page_delay
from .site import HttpProbe, RawPage, RawSite, TLSInfo, join_url, same_site
from .transfer import FetchError, _BoundedDecoder, _classify_error, _content_encoding  # FetchError: also imported from here

if TYPE_CHECKING:  # httpx and netguard load on the first request: a check of saved pages never imports them
    import httpx

    from .netguard import AddressPolicy

USER_AGENT = f"pharmcheck/{__version__} (online pharmacy safety checker; +https://github.com/pharmcheck/pharmcheck)"
HTML_TYPES = ("text/html", "application/xhtml+xml")


@dataclass
class FetchConfig:
    max_pages: int = 12  # pages beyond the start page
    max_products: int = 3  # of those, product pages at most
    connect_timeout: float = 10.0
    read_timeout: float = 10.0
    page_deadline: float = 20.0  # one request, headers and body, whatever the server does
    site_budget: float = 60.0  # the whole site
    max_bytes: int = 5_000_000  # decoded bytes read per page; the rest is cut off
    max_redirects: int = 10
    ca_file: str | None = None  # extra trusted CA certificates (PEM), e.g. a corporate or test CA
    obey_robots: bool = False  # `check` fetches one site for a person; `audit` crawls and obeys robots.txt
    probe_http: bool = True
    per_host_concurrency: int = 2
    delay: float = 0.0  # pause between requests to the same host
    user_agent: str = USER_AGENT
    offline_max_files: int = 200
    proxy: str | None = None  # http(s)://host:port; None: the environment's, when trust_env
    trust_env: bool = True  # HTTPS_PROXY, HTTP_PROXY, ALL_PROXY, NO_PROXY, SSL_CERT_FILE, SSL_CERT_DIR, as curl reads them
    allow_private: bool = False  # connect to loopback, private and link-local addresses too (see netguard)
    retries: int = 0  # retries of a dropped connection, 429 or 503 (pharmcheck/retry.py); `audit --retries`


# ----------------------------------------------------------------------------------------------
# Input


def resolve_target(target: str) -> tuple[str, str]:
    """Return ("offline", path) or ("online", url); raise FetchError("invalid-input") when neither."""
    text = (target or "").strip()
    if not text:
        raise FetchError("invalid-input", "empty input: give a URL, a domain, a saved .html file or a folder")
    path = Path(text).expanduser()
    if "://" not in text:
        if path.exists():
            if path.is_dir() or path.suffix.lower() in (".html", ".htm", ".xhtml"):
                return "offline", str(path.resolve())
            raise FetchError("invalid-input", f"{text}: not a saved .html page or a folder of them")
        if text.lower().endswith((".html", ".htm", ".xhtml")):  # no such top-level domain: a file name
            raise FetchError("invalid-input", f"{text}: no such file")
    return "online", normalize_url(text)


_HOST_RE = re.compile(r"^(?=.{1,253}$)([a-z0-9_]([a-z0-9_-]{0,61}[a-z0-9])?)(\.[a-z0-9_]([a-z0-9-]{0,61}[a-z0-9])?)*\.?$")


def normalize_url(text: str) -> str:
    """A URL for a user's input: ``pharmacy.example`` means ``https://pharmacy.example/``."""
    raw = text.strip()
    if re.match(r"^[a-zA-Z][a-zA-Z0-9+.-]*://", raw) is None:
        raw = "https://" + raw
    try:
        parts = urlsplit(raw)
        port = parts.port  # raises ValueError on a bad port
    except ValueError as exc:
        raise FetchError("invalid-input", f"{text}: not a valid URL ({exc})") from None
    if parts.scheme.lower() not in ("http", "https"):
        raise FetchError("invalid-input", f"{text}: only http and https URLs can be checked")
    host = (parts.hostname or "").strip()
    if not host:
        raise FetchError("invalid-input", f"{text}: the URL has no host name")
    try:
        ascii_host = host.encode("idna").decode("ascii").lower() if not _is_ip(host) else host
    except UnicodeError:
        raise FetchError("invalid-input", f"{text}: {host!r} is not a valid host name") from None
    if not _is_ip(ascii_host) and (_HOST_RE.match(ascii_host) is None or "." not in ascii_host and ascii_host != "localhost"):
        raise FetchError("invalid-input", f"{text}: {host!r} is not a valid host name")
    netloc = ascii_host if ":" not in ascii_host else f"[{ascii_host}]"
    if port is not None:
        netloc += f":{port}"
    return urlunsplit((parts.scheme.lower(), netloc, parts.path or "/", parts.query, ""))


def _is_ip(host: str) -> bool:
    import ipaddress

    try:
        ipaddress.ip_address(host)
        return True
    except ValueError:
        return False


from .crawl import MAX_LINKS, choose_pages, classify, extract_links  # noqa: E402,F401  (re-exported)


from .tls import ssl_context, tls_facts  # noqa: E402,F401  (re-exported)


# ----------------------------------------------------------------------------------------------
# One request


@dataclass
class _Answer:
    url: str
    status: int
    headers: dict[str, str]
    body: bytes = b""
    truncated: bool = False
    location: str | None = None
    tls: TLSInfo | None = None


async def _request(client: httpx.AsyncClient, url: str, config: FetchConfig, deadline: float, *, want_body: bool = True, want_tls: bool = False, any_type: bool = False) -> _Answer:
    """GET ``url`` under one deadline that covers the headers and the body."""
    remaining = min(config.page_deadline, deadline - time.monotonic())
    if remaining <= 0:
        raise FetchError("timeout", f"{urlsplit(url).netloc}: time budget used up")
    policy: AddressPolicy | None = getattr(client, "_policy", None)
    if policy is not None:
        from .netguard import AddressRefused

        try:
            policy.check_url_host(urlsplit(url).hostname or "")
        except AddressRefused as exc:
            raise FetchError("refused-address", str(exc)) from None
    try:
        async with asyncio.timeout(remaining):
            request = client.build_request("GET", url)
            response = await client.send(request, stream=True)
            try:
                headers = {k.lower(): v for k, v in response.headers.items()}
                answer = _Answer(url=url, status=response.status_code, headers=headers)
                if want_tls and url.startswith("https://"):
                    answer.tls = tls_facts(response)
                if 300 <= response.status_code < 400 and "location" in response.headers:
                    location = join_url(url, response.headers["location"])
                    if location is None:
                        raise FetchError("invalid-redirect", f"{url} redirects to a malformed address")
                    answer.location = location
                    return answer
                if not want_body:
                    return answer
                ctype = headers.get("content-type", "").split(";")[0].strip().lower()
                if ctype and ctype not in HTML_TYPES and not any_type:
                    return answer  # only HTML is read and parsed
                decoder = _BoundedDecoder(_content_encoding(response.headers), config.max_bytes)
                parts: list[bytes] = []
                wire = 0
                async for chunk in response.aiter_raw():
                    wire += len(chunk)
                    parts.append(decoder.feed(chunk))
                    if decoder.truncated or wire > config.max_bytes:
                        answer.truncated = True
                        break
                answer.body = b"".join(parts)
                return answer
            finally:
                await response.aclose()
    except FetchError:
        raise
    except Exception as exc:  # asyncio.timeout's expiry arrives here as TimeoutError; cancellation passes through
        error = _classify_error(exc, url)
        proxy = client.proxy_for(url) if error.kind in ("connect", "dns", "dns-timeout", "dns-temporary") and hasattr(client, "proxy_for") else None
        if proxy is not None:  # the only connection made was to the proxy: it is the proxy that failed
            error = FetchError("proxy", f"the proxy {proxy} could not be reached ({error.message.split(': ', 1)[-1]})")
        raise error from None


async def _get_following(client: httpx.AsyncClient, url: str, config: FetchConfig, deadline: float, *, stay_on: str | None = None, want_tls: bool = False, any_type: bool = False) -> tuple[_Answer, list[dict[str, Any]]]:
    """GET with redirects followed by hand (at most ``max_redirects``); returns the answer and the chain."""
    chain: list[dict[str, Any]] = []
    seen = {url}
    current = url
    for _ in range(config.max_redirects + 1):
        await robots_check(client, current, config, deadline)  # each hop too: a disallowed address is never asked for
        answer = await with_retries(_request, client, current, config, deadline, want_tls=want_tls, any_type=any_type)
        if answer.location is None:
            return answer, chain
        chain.append({"url": current, "status": answer.status, "location": answer.location})
        nxt = answer.location
        if not nxt.startswith(("http://", "https://")):
            raise FetchError("invalid-redirect", f"{current} redirects to a non-web address: {nxt[:100]}")
        if nxt in seen:
            raise FetchError("redirect-loop", f"redirect loop: {current} -> {nxt}")
        if stay_on is not None and not same_site(nxt, stay_on):
            raise FetchError("offsite-redirect", f"{current} redirects off the site, to {nxt[:100]}")
        seen.add(nxt)
        current = nxt
    raise FetchError("too-many-redirects", f"more than {config.max_redirects} redirects from {url}")


# ----------------------------------------------------------------------------------------------
# The site


def _client(config: FetchConfig, policy: AddressPolicy, verify: bool = True) -> httpx.AsyncClient:
    import httpx

    from .netguard import GuardedClient, ProxyUnsupported

    try:
        return GuardedClient(
            policy=policy,
            ssl_context=ssl_context(config.ca_file, verify, config.trust_env),
            proxy=config.proxy,
            trust_env=config.trust_env,
            timeout=httpx.Timeout(connect=config.connect_timeout, read=config.read_timeout, write=config.read_timeout, pool=config.page_deadline),
            limits=httpx.Limits(max_connections=max(1, config.per_host_concurrency), max_keepalive_connections=max(1, config.per_host_concurrency)),
            headers={"User-Agent": config.user_agent, "Accept": "text/html,application/xhtml+xml;q=0.9,*/*;q=0.1", "Accept-Encoding": "gzip, deflate, br"},
            follow_redirects=False,
        )
    except (ProxyUnsupported, ValueError, httpx.InvalidURL, ImportError) as exc:
        raise FetchError("invalid-input", f"proxy: {exc}") from None


def utc_now() -> str:
    return datetime.now(timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")


async def fetch_site(target: str, config: FetchConfig | None = None, *, online_only: bool = False, named: bool | None = None) -> RawSite:
    """Gather a site (URL, bare domain, saved file or folder). Never raises for the site's faults.

    ``online_only``: the target is a URL or domain, never a local path (`audit` reads lists that may come
    from anyone: a line must not make pharmcheck read local files).
    ``named``: the user named this host themselves (the command line, the Python API), so its own addresses
    may be local or private; by default, unless ``online_only`` (a list's lines are not the user's word).
    """
    config = config or FetchConfig()
    started = time.monotonic()
    try:
        mode, where = ("online", normalize_url(target)) if online_only else resolve_target(target)
    except FetchError as exc:
        return RawSite(requested=target, start_url=target, error=exc.message, error_kind=exc.kind, fetched_at=utc_now(), mode="online")
    if mode == "offline":
        raw = read_saved(target, Path(where), config)
    else:
        raw = RawSite(requested=target, start_url=where, mode="online", fetched_at=utc_now())
        bare = "://" not in target.strip()
        named = (not online_only) if named is None else named
        from .netguard import AddressPolicy

        policy = AddressPolicy(allow_private=config.allow_private, named_host=urlsplit(where).hostname if named else None, resolve_timeout=config.connect_timeout)
        try:
            await _fetch_online(raw, where, config, started + config.site_budget, policy)
        except FetchError as exc:
            if bare and exc.kind in ("connect", "timeout", "tls-handshake", "reset") and where.startswith("https://"):
                # A bare domain means https first; a host with no HTTPS at all is tried over http.
                http_url = "http://" + where[len("https://"):]
                raw.notes.append(f"https failed ({exc.message}); tried {http_url}")
                try:
                    raw.pages.clear()
                    await _fetch_online(raw, http_url, config, started + config.site_budget, policy)
                    raw.start_url = http_url
                except FetchError as exc2:
                    raw.error, raw.error_kind = exc.message, exc.kind
                    raw.notes.append(exc2.message)
            else:
                raw.error, raw.error_kind = exc.message, exc.kind
        for host, address in policy.allowed_private.items():
            raw.notes.append(f"{host} is on a non-public address ({address}): allowed because you named it; any other local or private address was refused")
    raw.elapsed_ms = int((time.monotonic() - started) * 1000)
    return raw


async def _fetch_online(raw: RawSite, url: str, config: FetchConfig, deadline: float, policy: AddressPolicy) -> None:
    if not config.proxy:  # what the URL itself shows is refused before a client is built (robots.txt included)
        from .netguard import AddressRefused

        try:
            policy.check_url_host(urlsplit(url).hostname or "")
        except AddressRefused as exc:
            raise FetchError("refused-address", str(exc)) from None
    async with _client(config, policy) as client:
        robots = _robots(raw, client, config)  # checked before every request (pharmcheck/robots.py)
        try:
            answer, chain = await _get_following(client, url, config, deadline, want_tls=True)
            raw.tls = answer.tls or TLSInfo(checked=False)
        except FetchError as exc:
            if exc.kind != "tls":
                raise
            # The certificate was refused. Say why (the https rule fails), then read the pages anyway with
            # verification off, so the other signals can still be judged and shown.
            raw.tls = TLSInfo(checked=True, valid=False, error=exc.message.split(": ", 1)[-1])
            raw.notes.append(f"certificate refused ({raw.tls.error}); pages were read without verification to judge the other signals")
            async with _client(config, policy, verify=False) as insecure:
                _robots(raw, insecure, config, robots)
                answer, chain = await _get_following(insecure, url, config, deadline)
                await _fetch_rest(raw, insecure, url, answer, chain, config, deadline, robots)
            return
        await _fetch_rest(raw, client, url, answer, chain, config, deadline, robots)


async def _fetch_rest(raw: RawSite, client: httpx.AsyncClient, url: str, answer: _Answer, chain: list[dict[str, Any]], config: FetchConfig, deadline: float, robots: Any) -> None:
    raw.final_url = answer.url
    if not answer.url.startswith("https://"):
        raw.tls = TLSInfo(checked=False)
    start = RawPage(url=answer.url, requested_url=url, status=answer.status, headers=answer.headers, body=answer.body, truncated=answer.truncated, role="start", redirects=chain)
    raw.pages.append(start)
    if answer.status >= 400:
        raise FetchError("http-status", f"{answer.url}: the server answered {answer.status} {_reason(answer.status)}")
    if not start.is_html:
        raise FetchError("not-html", f"{answer.url}: not an HTML page ({start.content_type or 'no content type'})")
    if config.probe_http and answer.url.startswith("https://"):
        raw.http_probe = await _probe_http(client, answer.url, config, deadline)
    links = extract_links(answer.body, answer.url)
    chosen = choose_pages(answer.url, links, config)
    if robots is not None:
        chosen = await robots.allowed_pages(client, chosen, config, deadline)
    sem = asyncio.Semaphore(max(1, config.per_host_concurrency))
    seen = {answer.url, url}

    async def one(page_url: str, role: str) -> RawPage | None:
        async with sem:
            delay = robots_page_delay(client, config)  # --delay, or robots.txt's Crawl-delay (capped)
            if delay:
                await asyncio.sleep(delay)
            t0 = time.monotonic()
            try:
                ans, hops = await _get_following(client, page_url, config, deadline, stay_on=answer.url)
            except FetchError as exc:
                return RawPage(url=page_url, requested_url=page_url, role=role, error=exc.message, error_kind=exc.kind)
            page = RawPage(url=ans.url, requested_url=page_url, status=ans.status, headers=ans.headers, body=ans.body, truncated=ans.truncated, role=role, redirects=hops, elapsed_ms=int((time.monotonic() - t0) * 1000))
            if ans.status >= 400:
                page.error, page.error_kind, page.body = f"the server answered {ans.status} {_reason(ans.status)}", "http-status", b""
            elif not page.is_html:
                page.error, page.error_kind, page.body = f"not an HTML page ({page.content_type or 'no content type'})", "not-html", b""
            return page

    results = await asyncio.gather(*(one(u, r) for u, r in chosen))
    for page in results:
        if page is None:
            continue
        if page.error is None and page.url in seen:
            continue  # two links that redirect to the same page
        seen.add(page.url)
        raw.pages.append(page)
    if time.monotonic() > deadline:
        raw.notes.append("the time budget for this site ran out; some pages were not fetched")


async def _probe_http(client: httpx.AsyncClient, https_url: str, config: FetchConfig, deadline: float) -> HttpProbe:
    parts = urlsplit(https_url)
    http_url = urlunsplit(("http", parts.netloc, "/", "", ""))
    probe = HttpProbe(checked=True, url=http_url)
    current = http_url
    try:
        for _ in range(5):
            ans = await _request(client, current, config, min(deadline, time.monotonic() + 10), want_body=False)
            if probe.status is None:
                probe.status, probe.location = ans.status, ans.location
            if ans.location is None:
                probe.redirects_to_https = current.startswith("https://")
                return probe
            if ans.location.startswith("https://"):
                probe.redirects_to_https = True
                probe.location = ans.location
                return probe
            current = ans.location
        probe.redirects_to_https = False
    except FetchError as exc:
        probe.error = exc.message
        probe.redirects_to_https = None
    return probe


def _robots(raw: RawSite, client: httpx.AsyncClient, config: FetchConfig, book: Any = None) -> Any:
    """With ``obey_robots``, the RobotsBook (pharmcheck/robots.py) every request of ``client`` must pass."""
    if not config.obey_robots:
        return None
    from .robots import RobotsBook, attach

    book = book or RobotsBook(raw)
    attach(client, book)
    return book


def _reason(status: int) -> str:
    from http import HTTPStatus

    try:
        return HTTPStatus(status).phrase
    except ValueError:
        return ""


from .saved import read_saved  # noqa: E402  (the offline reader; re-exported for callers of fetch)
