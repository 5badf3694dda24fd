"""robots.txt as RFC 9309 reads it, for `audit` (a crawler); `check` fetches one site for a person and does not.

The rules are parsed by protego (Scrapy's parser): groups chosen by the product token ``pharmcheck`` (a
group naming it wins over ``*``; groups of one agent are merged), the longest matching path wins
(``Allow: /shop/`` does not beat ``Disallow: /shop/private``; an ``Allow`` wins a tie), ``*`` matches any
run of characters and ``$`` anchors the end of the path. ``/robots.txt`` itself is always allowed.

What the answer means (RFC 9309 section 2.3.1):

* 2xx: the rules are read, at most the first 500 KiB of them (a line cut at the limit is dropped);
* redirects are followed (up to ``max_redirects``; the limit or a loop counts as "unavailable");
* 4xx (except 429): "unavailable", everything is allowed;
* 5xx, 429 (after the retries), or a broken connection: "unreachable", **nothing** is allowed, and the
  site's record is ``could-not-check`` with the error kind ``robots-unreachable``;
* a name that does not resolve, a refused connection or a timeout: the site is unreachable, and its record
  says so with that error kind.

Every origin (scheme, host, port) has its own robots.txt: a redirect from ``shop.example`` to
``www.shop.example`` is followed only if the robots.txt of ``www.shop.example`` allows it, and the pages of
the site are judged by the robots.txt of the host they are on. Each hop of each redirect is checked, so a
disallowed address is never requested, even as the target of a redirect.

``Crawl-delay`` (and ``Request-rate``, read as a delay) spaces the page requests of a site, capped at
:data:`MAX_CRAWL_DELAY` seconds: it counts against the site's time budget, so a site that asks for a long
delay gets fewer pages read rather than an audit that stalls.
"""

from __future__ import annotations

import asyncio
import contextvars
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any
from urllib.parse import urlsplit

if TYPE_CHECKING:
    import httpx

    from .fetch import FetchConfig
    from .site import RawSite

PRODUCT_TOKEN = "pharmcheck"  # the token matched against User-agent lines (RFC 9309 section 2.2.1)
MAX_BYTES = 500 * 1024  # RFC 9309 section 2.5: parse at least 500 KiB
MAX_CRAWL_DELAY = 5.0  # seconds: a robots.txt cannot make one site cost more than this per page
MAX_DISALLOWED_LISTED = 20  # addresses listed in the record's robots.disallowed
_READING_ROBOTS = contextvars.ContextVar("pharmcheck_reading_robots", default=False)  # the robots.txt request itself

# Kinds of a failed robots.txt request that mean the site itself cannot be reached: the site fails with them.
UNREACHABLE_SITE = frozenset({"dns", "dns-timeout", "dns-temporary", "connect", "timeout", "refused-address", "proxy", "tls", "tls-handshake"})
# Kinds that mean "no robots.txt to be had" (RFC 9309: unavailable, everything allowed).
UNAVAILABLE = frozenset({"too-many-redirects", "redirect-loop", "invalid-redirect", "offsite-redirect"})


def origin_of(url: str) -> str:
    parts = urlsplit(url)
    scheme = parts.scheme.lower()
    host = (parts.hostname or "").lower()
    port = parts.port
    if port is None or (scheme, port) in (("http", 80), ("https", 443)):
        return f"{scheme}://{host}" if ":" not in host else f"{scheme}://[{host}]"
    return f"{scheme}://{host}:{port}" if ":" not in host else f"{scheme}://[{host}]:{port}"


@dataclass
class Robots:
    """The robots.txt of one origin."""

    url: str
    state: str  # "rules" (read), "none" (unavailable: all allowed), "unreachable" (nothing allowed)
    status: int | None = None
    parser: Any = None  # protego.Protego when state == "rules"
    truncated: bool = False
    reason: str | None = None  # why unreachable

    def allows(self, url: str) -> bool:
        if urlsplit(url).path == "/robots.txt":
            return True
        if self.state == "none":
            return True
        if self.state == "unreachable":
            return False
        return bool(self.parser.can_fetch(url, PRODUCT_TOKEN))

    @property
    def delay(self) -> float:
        if self.state != "rules":
            return 0.0
        delay = self.parser.crawl_delay(PRODUCT_TOKEN) or 0.0
        rate = self.parser.request_rate(PRODUCT_TOKEN)
        if rate is not None and rate.requests:
            delay = max(delay, rate.seconds / rate.requests)
        return min(max(float(delay), 0.0), MAX_CRAWL_DELAY)


def parse(body: bytes, truncated: bool = False) -> Any:
    """A protego parser of the first 500 KiB of a robots.txt (a line cut by the limit is dropped)."""
    from protego import Protego

    if len(body) > MAX_BYTES:
        body, truncated = body[:MAX_BYTES], True
    if truncated:
        cut = body.rfind(b"\n")
        body = body[: cut + 1] if cut >= 0 else b""
    text = body.decode("utf-8", "replace")
    if text.startswith("\ufeff"):
        text = text[1:]
    return Protego.parse(text)


@dataclass
class RobotsBook:
    """The robots.txt files of the origins one site's crawl meets, fetched once each, and what they refused."""

    raw: "RawSite"
    by_origin: dict[str, Robots] = field(default_factory=dict)
    disallowed: list[str] = field(default_factory=list)
    _lock: asyncio.Lock = field(default_factory=asyncio.Lock)

    @property
    def delay(self) -> float:
        return max((r.delay for r in self.by_origin.values()), default=0.0)

    async def robots_for(self, client: "httpx.AsyncClient", url: str, config: "FetchConfig", deadline: float) -> Robots:
        origin = origin_of(url)
        async with self._lock:  # pages fetched at once wait for the one robots.txt request of their origin
            robots = self.by_origin.get(origin)
            if robots is None:
                token = _READING_ROBOTS.set(True)
                try:
                    robots = await self._fetch(client, origin, config, deadline)
                finally:
                    _READING_ROBOTS.reset(token)
                self.by_origin[origin] = robots
                self._record()
        return robots

    def __post_init__(self) -> None:
        self._record()

    async def allowed_pages(self, client: "httpx.AsyncClient", chosen: list[tuple[str, str]], config: "FetchConfig", deadline: float) -> list[tuple[str, str]]:
        """The chosen (url, role) pages that robots.txt allows; the others are listed in the record."""
        from .transfer import FetchError

        allowed = []
        for url, role in chosen:
            try:
                await self.check(client, url, config, deadline)
            except FetchError:
                continue
            allowed.append((url, role))
        skipped = len(chosen) - len(allowed)
        if skipped:
            self.raw.notes.append(f"robots.txt disallowed {skipped} page(s)")
        return allowed

    async def check(self, client: "httpx.AsyncClient", url: str, config: "FetchConfig", deadline: float) -> None:
        """Raise FetchError("robots-disallowed" or "robots-unreachable") unless ``url`` may be requested."""
        from .transfer import FetchError

        if _READING_ROBOTS.get() or urlsplit(url).path == "/robots.txt":
            return
        robots = await self.robots_for(client, url, config, deadline)
        if robots.allows(url):
            return
        if len(self.disallowed) < MAX_DISALLOWED_LISTED:
            self.disallowed.append(url)
        self._record()
        if robots.state == "unreachable":
            raise FetchError("robots-unreachable", f"{robots.url} could not be read ({robots.reason}): RFC 9309 then allows nothing")
        raise FetchError("robots-disallowed", f"robots.txt of {urlsplit(url).netloc} disallows fetching {url}")

    async def _fetch(self, client: "httpx.AsyncClient", origin: str, config: "FetchConfig", deadline: float) -> Robots:
        from .fetch import FetchConfig, FetchError, _get_following

        robots_url = origin + "/robots.txt"
        small = FetchConfig(**{**config.__dict__, "max_bytes": MAX_BYTES})
        try:
            answer, _ = await _get_following(client, robots_url, small, deadline, any_type=True)
        except FetchError as exc:
            if exc.kind in UNREACHABLE_SITE:
                raise
            if exc.kind in UNAVAILABLE:
                return Robots(robots_url, "none", reason=exc.message)
            return Robots(robots_url, "unreachable", reason=exc.message)
        if answer.status >= 500 or answer.status == 429:
            return Robots(robots_url, "unreachable", answer.status, reason=f"the server answered {answer.status}")
        if answer.status >= 400 or not 200 <= answer.status < 300:
            return Robots(robots_url, "none", answer.status)
        return Robots(robots_url, "rules", answer.status, parse(answer.body, answer.truncated), truncated=answer.truncated)

    def _record(self) -> None:
        first = next(iter(self.by_origin.values()), None)
        record: dict[str, Any] = {"obeyed": True}
        if first is not None:
            record.update(url=first.url, found=first.state == "rules", status=first.status, state=first.state, truncated=first.truncated)
        record["crawl_delay"] = self.delay or None
        record["disallowed"] = list(self.disallowed)
        others = [r.url for r in list(self.by_origin.values())[1:]]
        if others:
            record["also_read"] = others
        self.raw.robots = record


def attach(client: "httpx.AsyncClient", book: RobotsBook | None) -> None:
    """Make every request of ``client`` (each redirect hop included) pass the robots.txt check."""
    client._pharmcheck_robots = book  # type: ignore[attr-defined]


async def check(client: "httpx.AsyncClient", url: str, config: "FetchConfig", deadline: float) -> None:
    """The check ``fetch._get_following`` makes before each request; nothing when robots.txt is not obeyed."""
    book: RobotsBook | None = getattr(client, "_pharmcheck_robots", None)
    if book is not None:
        await book.check(client, url, config, deadline)


def page_delay(client: "httpx.AsyncClient", config: "FetchConfig") -> float:
    """Seconds to wait before each page of the site: ``--delay`` or the robots.txt's crawl delay (capped)."""
    book: RobotsBook | None = getattr(client, "_pharmcheck_robots", None)
    return max(config.delay, book.delay if book is not None else 0.0)
