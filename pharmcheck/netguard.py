"""Where pharmcheck may connect: only to the web's public addresses, each checked before it is used.

A page, a redirect or an audit list can name any host, and rogue shops write them. Without a check, a
redirect to ``http://169.254.169.254/`` (a cloud's metadata service), ``http://10.0.0.5/`` or
``http://localhost:8080/`` would make pharmcheck read a machine on the user's own network and quote it in a
report. So every connection goes through :class:`GuardedBackend`:

* the host name is resolved once, by pharmcheck, with a time limit (a slow lookup is ``dns-timeout``, a
  name that does not exist is ``dns``);
* every address it resolves to is checked (:func:`refusal`): loopback, private, link-local, shared,
  multicast, reserved and unspecified addresses are refused, and so are IPv6 addresses that embed a
  refused IPv4 address (IPv4-mapped, IPv4-compatible, 6to4, Teredo, NAT64). Decimal, octal and hex
  spellings (``2130706433``, ``0177.1``) are whatever the system resolver makes of them, and checked as such;
* the connection is made to the checked address itself, never to the name again, so a second DNS answer
  (DNS rebinding) cannot change where it goes. TLS still verifies the certificate against the name.

The host the user named (on the command line, or to :func:`pharmcheck.check`) may be local or private:
someone checking their own staging server means it. Its own addresses are then allowed for that run, and
the report says so; every other non-global address stays refused. ``allow_private`` allows them all.

Through a proxy, the proxy resolves names and connects: pharmcheck checks what it can see, the URL's host
(a literal address or a ``localhost`` name), and says in the README that the rest is the proxy's to check.
"""

from __future__ import annotations

import asyncio
import ipaddress
import socket
import ssl
import typing
from dataclasses import dataclass, field

import httpcore
import httpx

_SHARED = ipaddress.ip_network("100.64.0.0/10")
_PRIVATE = tuple(ipaddress.ip_network(n) for n in ("10.0.0.0/8", "172.16.0.0/12", "192.168.0.0/16", "fc00::/7"))
_NAT64 = (ipaddress.ip_network("64:ff9b::/96"), ipaddress.ip_network("64:ff9b:1::/48"))
_LOCAL_NAMES = ("localhost", "localhost.localdomain", "ip6-localhost", "ip6-loopback")

IPAddress = ipaddress.IPv4Address | ipaddress.IPv6Address


class AddressRefused(Exception):
    """A host resolved only to addresses pharmcheck does not connect to."""

    def __init__(self, host: str, address: str, reason: str):
        super().__init__(f"{host} is {reason} ({address}); pharmcheck connects only to public addresses (--allow-private to allow)")
        self.host, self.address, self.reason = host, address, reason


class NameNotFound(Exception):
    def __init__(self, host: str, temporary: bool = False):
        super().__init__(f"{host}: the name lookup failed for now (try again later)" if temporary else f"{host}: host name not found")
        self.host, self.temporary = host, temporary


class NameLookupTimeout(Exception):
    def __init__(self, host: str, seconds: float):
        super().__init__(f"{host}: the name lookup took more than {seconds:g} s")
        self.host = host


def _embedded_v4(ip: ipaddress.IPv6Address) -> ipaddress.IPv4Address | None:
    """The IPv4 address an IPv6 address carries, in any of the standard embeddings."""
    if ip.ipv4_mapped is not None:
        return ip.ipv4_mapped
    if ip.sixtofour is not None:
        return ip.sixtofour
    if ip.teredo is not None:
        return ip.teredo[1]
    if any(ip in net for net in _NAT64):
        return ipaddress.IPv4Address(int(ip) & 0xFFFFFFFF)
    packed = ip.packed
    if packed[:12] == bytes(12) and int(ip) > 1:  # IPv4-compatible ::a.b.c.d (deprecated, still routable by some stacks)
        return ipaddress.IPv4Address(packed[12:])
    return None


def refusal(address: str | IPAddress) -> str | None:
    """Why pharmcheck would not connect to ``address`` (an IP, in any standard form), or None if it would."""
    try:
        ip = address if isinstance(address, (ipaddress.IPv4Address, ipaddress.IPv6Address)) else ipaddress.ip_address(str(address).strip("[]").split("%", 1)[0])
    except ValueError:
        return "not an address"
    if isinstance(ip, ipaddress.IPv6Address):
        inner = _embedded_v4(ip)
        if inner is not None:
            why = refusal(inner)
            return f"{why}, inside an IPv6 address" if why else None
    if ip.is_loopback:
        return "a loopback address (this machine)"
    if ip.is_unspecified:
        return "the unspecified address"
    if ip.is_link_local:
        return "a link-local address (a cloud metadata service, or the local network)"
    if ip.is_multicast:
        return "a multicast address"
    if isinstance(ip, ipaddress.IPv4Address) and ip in _SHARED:
        return "a shared (carrier-grade NAT) address"
    if any(ip.version == net.version and ip in net for net in _PRIVATE):
        return "a private address (a local network)"
    if ip.is_reserved or ip.is_private or not ip.is_global:
        return "a reserved address"
    return None


def literal_address(host: str) -> IPAddress | None:
    """The address a host string spells directly, including IPv4's decimal, octal and hex forms."""
    text = host.strip("[]").rstrip(".")
    try:
        return ipaddress.ip_address(text.split("%", 1)[0])
    except ValueError:
        pass
    if text and all(c in "0123456789abcdefxABCDEFX." for c in text) and any(c.isdigit() for c in text[:1]):
        try:
            return ipaddress.IPv4Address(socket.inet_aton(text))  # 2130706433, 0177.0.0.1, 0x7f.1
        except OSError:
            return None
    return None


def _norm_host(host: str) -> str:
    return host.strip().strip("[]").rstrip(".").lower()


@dataclass
class AddressPolicy:
    """Which non-global addresses one run may connect to, and what it did connect to."""

    allow_private: bool = False
    named_host: str | None = None  # the host the user named: its own addresses are allowed
    resolve_timeout: float = 10.0
    allowed_private: dict[str, str] = field(default_factory=dict)  # host -> address, for the report's note

    def is_named(self, host: str) -> bool:
        return self.named_host is not None and _norm_host(host) == _norm_host(self.named_host)

    def check_url_host(self, host: str) -> None:
        """Refuse what the URL itself shows (a literal address, a localhost name): before any lookup.

        This is the whole check when a proxy resolves names; without a proxy the backend checks again
        on the resolved addresses."""
        if self.allow_private or self.is_named(host):
            return
        name = _norm_host(host)
        if name in _LOCAL_NAMES or name.endswith(".localhost"):
            raise AddressRefused(host, name, "a name for this machine")
        ip = literal_address(name)
        if ip is not None:
            why = refusal(ip)
            if why:
                raise AddressRefused(host, str(ip), why)

    async def resolve(self, host: str, port: int, timeout: float | None) -> list[str]:
        """The addresses to connect to for ``host``, in the resolver's order; raises when none may be used."""
        limit = min(timeout or self.resolve_timeout, self.resolve_timeout)
        literal = literal_address(host)
        if literal is not None:
            addresses = [str(literal)]
        else:
            loop = asyncio.get_running_loop()
            try:
                async with asyncio.timeout(limit):
                    infos = await loop.getaddrinfo(_norm_host(host), port, type=socket.SOCK_STREAM)
            except TimeoutError:
                raise NameLookupTimeout(host, limit or 0) from None
            except socket.gaierror as exc:
                raise NameNotFound(host, temporary=exc.errno == socket.EAI_AGAIN) from None
            addresses = list(dict.fromkeys(info[4][0] for info in infos))
        if self.allow_private:
            return addresses
        if self.is_named(host):
            for a in addresses:
                if refusal(a):
                    self.allowed_private.setdefault(_norm_host(host), a)
            return addresses
        usable = [a for a in addresses if refusal(a) is None]
        if not usable:
            first = addresses[0] if addresses else host
            raise AddressRefused(host, first, refusal(first) or "not an address")
        return usable


class GuardedBackend(httpcore.AsyncNetworkBackend):
    """httpcore's own network backend, connecting only to addresses the policy has checked."""

    def __init__(self, policy: AddressPolicy):
        self.policy = policy
        self._inner = httpcore.AnyIOBackend()

    async def connect_tcp(self, host: str, port: int, timeout: float | None = None, local_address: str | None = None, socket_options: typing.Iterable[typing.Any] | None = None) -> httpcore.AsyncNetworkStream:
        addresses = await self.policy.resolve(host, port, timeout)
        last: Exception | None = None
        for address in addresses[:4]:
            try:
                return await self._inner.connect_tcp(address, port, timeout=timeout, local_address=local_address, socket_options=socket_options)
            except (httpcore.ConnectError, httpcore.ConnectTimeout) as exc:
                last = exc
        assert last is not None
        raise last

    async def connect_unix_socket(self, path: str, timeout: float | None = None, socket_options: typing.Iterable[typing.Any] | None = None) -> httpcore.AsyncNetworkStream:
        raise AddressRefused(path, path, "a local socket")

    async def sleep(self, seconds: float) -> None:
        await self._inner.sleep(seconds)


Networks = tuple  # of ipaddress.IPv4Network / IPv6Network
_ENV_PROXIES: dict[tuple, tuple[dict[str, str | None], Networks]] = {}


def environment_proxies() -> tuple[dict[str, str | None], Networks]:
    """httpx's reading of the proxy variables, and the ``NO_PROXY`` ranges, once per distinct set of them.

    httpx reads them for every client it builds, through urllib, which decodes the whole environment each
    time: a quarter of a millisecond a site, a seventh of the main process's work for an audit line that
    fails at once. The key is the raw ``*_proxy`` variables (and ``REQUEST_METHOD``, which makes urllib
    ignore ``HTTP_PROXY``), so a change to them is seen."""
    import os

    data = getattr(os.environ, "_data", None)
    if not isinstance(data, dict):
        return _read_environment()
    if data and isinstance(next(iter(data)), bytes):  # POSIX: the raw bytes, nothing decoded
        key = tuple(sorted((k, v) for k, v in data.items() if k[-6:].lower() == b"_proxy" or k == b"REQUEST_METHOD"))
    else:
        key = tuple(sorted((k, v) for k, v in data.items() if k[-6:].lower() == "_proxy" or k == "REQUEST_METHOD"))
    found = _ENV_PROXIES.get(key)
    if found is None:
        if len(_ENV_PROXIES) > 64:
            _ENV_PROXIES.clear()
        found = _ENV_PROXIES[key] = _read_environment()
    return found


def _read_environment() -> tuple[dict[str, str | None], Networks]:
    """httpx's map of proxies, less the ``NO_PROXY`` ranges it made patterns of ("all://10.0.0.0/8" never
    matches, and "[::1]/128" is no URL at all), and those ranges read as curl (7.86 on) reads them: an IP
    address in one of them is fetched directly. Host names are not resolved for this (curl does not either)."""
    import os

    from httpx._utils import get_environment_proxies

    proxies = {key: url for key, url in get_environment_proxies().items() if "/" not in key.split("://", 1)[-1]}
    ranges = []
    for name in ("NO_PROXY", "no_proxy"):
        for entry in os.environ.get(name, "").split(","):
            entry = entry.strip().strip("[]")
            if "/" not in entry or "://" in entry:
                continue
            try:
                ranges.append(ipaddress.ip_network(entry.replace("]/", "/"), strict=False))
            except ValueError:
                continue
    return proxies, tuple(dict.fromkeys(ranges))


class GuardedClient(httpx.AsyncClient):
    """An httpx client whose direct connections go through :class:`GuardedBackend`.

    Proxies come from the ``proxy`` argument or, with ``trust_env``, from the environment exactly as httpx
    reads it (``HTTPS_PROXY``, ``HTTP_PROXY``, ``ALL_PROXY``, ``NO_PROXY``). A proxy is the user's choice:
    the connection to it is not checked; the URLs sent through it are (:meth:`AddressPolicy.check_url_host`).
    """

    def __init__(self, *, policy: AddressPolicy, ssl_context: ssl.SSLContext, limits: httpx.Limits, **kwargs: typing.Any):
        self._policy = policy
        self._ssl = ssl_context
        self._proxy_names: dict[int, str] = {}  # id of a proxy transport -> its URL, for error messages
        self._direct_networks: Networks = ()  # NO_PROXY's ranges, set with the proxies from the environment
        super().__init__(verify=ssl_context, limits=limits, **kwargs)

    def _get_proxy_map(self, proxy: typing.Any, allow_env_proxies: bool) -> dict[str, httpx.Proxy | None]:
        if proxy is None and allow_env_proxies:
            proxies, self._direct_networks = environment_proxies()
            return {key: None if url is None else httpx.Proxy(url=url) for key, url in proxies.items()}
        return super()._get_proxy_map(proxy, allow_env_proxies)

    def _transport_for_url(self, url: httpx.URL) -> httpx.AsyncBaseTransport:
        networks = self._direct_networks
        if networks:
            try:
                address = ipaddress.ip_address(url.host)
            except ValueError:
                address = None
            if address is not None and any(address.version == n.version and address in n for n in networks):
                return self._transport  # NO_PROXY=10.0.0.0/8: an address in the range goes direct
        return super()._transport_for_url(url)

    def _init_transport(self, verify: typing.Any = True, cert: typing.Any = None, trust_env: bool = True, http1: bool = True, http2: bool = False, limits: httpx.Limits = httpx.Limits(), transport: typing.Any = None) -> httpx.AsyncBaseTransport:
        if transport is not None:
            return transport
        direct = httpx.AsyncHTTPTransport(verify=self._ssl, limits=limits, trust_env=False)
        direct._pool = httpcore.AsyncConnectionPool(
            ssl_context=self._ssl,
            max_connections=limits.max_connections,
            max_keepalive_connections=limits.max_keepalive_connections,
            keepalive_expiry=limits.keepalive_expiry,
            network_backend=GuardedBackend(self._policy),
        )
        return direct

    def _init_proxy_transport(self, proxy: httpx.Proxy, verify: typing.Any = True, cert: typing.Any = None, trust_env: bool = True, http1: bool = True, http2: bool = False, limits: httpx.Limits = httpx.Limits()) -> httpx.AsyncBaseTransport:
        if proxy.url.scheme not in ("http", "https"):
            raise ProxyUnsupported(f"proxy {proxy.url}: only http:// and https:// proxies are supported")
        transport = httpx.AsyncHTTPTransport(verify=self._ssl, limits=limits, trust_env=False, proxy=proxy)
        self._proxy_names[id(transport)] = str(proxy.url.copy_with(username=None, password=None))
        return transport

    def proxy_for(self, url: str) -> str | None:
        """The proxy a request for ``url`` goes through (credentials left out), or None when it goes direct."""
        transport = self._transport_for_url(httpx.URL(url))
        return self._proxy_names.get(id(transport))


class ProxyUnsupported(Exception):
    pass
