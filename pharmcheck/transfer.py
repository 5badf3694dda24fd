"""What a server sends back, read within bounds (private to pharmcheck/fetch.py): a body decoded chunk by
chunk, never past its limit, with one content encoding at most (gzip, deflate, brotli: bombs stop at the
limit); and a failed request named by a stable kind (:class:`FetchError`: dns, connect, tls, timeout,
reset, proxy, refused-address, ...), in one line a terminal can show.
"""

from __future__ import annotations

import asyncio
import ssl
import zlib
from typing import TYPE_CHECKING
from urllib.parse import urlsplit

from .tls import _tls_reason

if TYPE_CHECKING:
    import httpx


class FetchError(Exception):
    """A request failed; ``kind`` is a stable code for reports and summaries."""

    def __init__(self, kind: str, message: str):
        from .textsafe import one_line

        message = one_line(message)  # it may quote a list's line, a header or a URL: nothing raw reaches a terminal
        super().__init__(message)
        self.kind = kind
        self.message = message


class _BoundedDecoder:
    """Decodes a Content-Encoding chunk by chunk, never producing more than ``limit`` bytes."""

    def __init__(self, encoding: str, limit: int):
        self.limit = limit
        self.produced = 0
        self.truncated = False
        self.encoding = encoding
        if encoding == "gzip" or encoding == "x-gzip":
            self._z = zlib.decompressobj(16 + zlib.MAX_WBITS)
        elif encoding == "deflate":
            self._z = zlib.decompressobj()
            self._raw_fallback = True
        elif encoding == "br":
            import brotli

            self._br = brotli.Decompressor()
        elif encoding in ("", "identity"):
            pass
        else:
            raise FetchError("unsupported-encoding", f"the server used an unsupported content encoding: {encoding}")
        self._first = True

    def feed(self, chunk: bytes) -> bytes:
        room = self.limit - self.produced
        if room <= 0:
            self.truncated = True
            return b""
        enc = self.encoding
        if enc in ("", "identity"):
            out = chunk[:room]
            if len(chunk) > room:
                self.truncated = True
        elif enc == "br":
            out = self._feed_brotli(chunk, room)
        else:
            out = self._feed_zlib(chunk, room)
        self.produced += len(out)
        return out

    def _feed_zlib(self, chunk: bytes, room: int) -> bytes:
        try:
            out = self._z.decompress(chunk, room + 1)
        except zlib.error:
            if self.encoding == "deflate" and self._first:  # some servers send raw deflate
                self._z = zlib.decompressobj(-zlib.MAX_WBITS)
                self._first = False
                return self._feed_zlib(chunk, room)
            raise FetchError("bad-encoding", f"the {self.encoding} body could not be decoded") from None
        self._first = False
        if len(out) > room or self._z.unconsumed_tail:
            self.truncated = True
            out = out[:room]
        return out

    def _feed_brotli(self, chunk: bytes, room: int) -> bytes:
        import brotli

        try:
            out = self._br.process(chunk, output_buffer_limit=room + 1)
        except brotli.error:
            raise FetchError("bad-encoding", "the br body could not be decoded") from None
        if len(out) > room or not self._br.can_accept_more_data():
            self.truncated = True
            out = out[:room]
        return out


def _content_encoding(headers: httpx.Headers) -> str:
    values = [v.strip().lower() for v in headers.get("content-encoding", "").split(",") if v.strip()]
    values = [v for v in values if v != "identity"]
    if len(values) > 1:
        raise FetchError("stacked-encoding", f"refused: stacked content encodings ({', '.join(values)})")
    return values[0] if values else ""




def _classify_error(exc: BaseException, url: str) -> FetchError:
    if isinstance(exc, FetchError):
        return exc
    import httpx

    from .netguard import AddressRefused, NameLookupTimeout, NameNotFound, ProxyUnsupported

    host = urlsplit(url).netloc
    e0: BaseException | None = exc
    for _ in range(10):
        if e0 is None:
            break
        if isinstance(e0, AddressRefused):
            return FetchError("refused-address", str(e0))
        if isinstance(e0, NameNotFound):
            return FetchError("dns-temporary" if e0.temporary else "dns", str(e0))
        if isinstance(e0, NameLookupTimeout):
            return FetchError("dns-timeout", str(e0))
        if isinstance(e0, ProxyUnsupported):
            return FetchError("invalid-input", str(e0))
        if isinstance(e0, httpx.ProxyError):
            return FetchError("proxy", f"{host}: the proxy refused or failed ({e0})")
        e0 = e0.__cause__ or e0.__context__
    reason = _tls_reason(exc)
    if reason:
        return FetchError("tls", f"{host}: {reason}")
    if isinstance(exc, (TimeoutError, asyncio.TimeoutError, httpx.TimeoutException)):
        return FetchError("timeout", f"{host}: timed out")
    chain = []
    e: BaseException | None = exc
    while e is not None and len(chain) < 10:
        chain.append(e)
        e = e.__cause__ or e.__context__
    import socket

    for e in chain:
        if isinstance(e, socket.gaierror):
            return FetchError("dns", f"{host}: host name not found")
        if isinstance(e, ConnectionRefusedError):
            return FetchError("connect", f"{host}: connection refused")
        if isinstance(e, (ConnectionResetError, BrokenPipeError)) and not isinstance(exc, httpx.ConnectError):
            return FetchError("reset", f"{host}: the server reset the connection")
        if isinstance(e, ssl.SSLError):
            return FetchError("tls-handshake", f"{host}: TLS handshake failed ({e.reason or e})")
    text = str(exc) or exc.__class__.__name__
    if isinstance(exc, httpx.ConnectError):
        if "Name or service not known" in text or "nodename nor servname" in text or "getaddrinfo" in text:
            return FetchError("dns", f"{host}: host name not found")
        if "refused" in text.lower():
            return FetchError("connect", f"{host}: connection refused")
        return FetchError("connect", f"{host}: could not connect ({text})")
    if isinstance(exc, httpx.RemoteProtocolError) and ("disconnected" in text or "peer closed" in text):
        return FetchError("reset", f"{host}: the server closed the connection before its answer was complete ({text})")
    if isinstance(exc, httpx.RemoteProtocolError) and "location header" in text.lower() or isinstance(exc, httpx.InvalidURL | httpx.UnsupportedProtocol):
        # Every URL pharmcheck asks for was checked when it was made: a bad one here is the server's
        # Location header (javascript:, an octal address, a broken host), never the user's input.
        return FetchError("invalid-redirect", f"{host}: the server redirects to an address that cannot be followed ({text[:200]})")
    if isinstance(exc, (httpx.RemoteProtocolError, httpx.LocalProtocolError)):
        return FetchError("protocol", f"{host}: the server broke the HTTP protocol ({text})")
    if isinstance(exc, httpx.ReadError | httpx.WriteError | httpx.NetworkError):
        return FetchError("network", f"{host}: the connection failed ({text})")
    return FetchError("network", f"{host}: {exc.__class__.__name__}: {text}")
