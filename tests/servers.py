"""Real HTTP and HTTPS servers on 127.0.0.1 for the tests: no mocks.

A :class:`SiteServer` listens on a free loopback port and answers with a small hand-written HTTP/1.1
writer, so a test controls every byte and every pause. One port speaks both plain HTTP and TLS: the
first byte of each connection tells them apart (0x16 starts a TLS ClientHello). With ``tls`` set, a
plain request on that port gets ``301`` to the ``https://`` address (``plain_redirect=True``), which
lets the fetcher's "does http:// send me to https?" probe run for real.

What a server answers, first match wins:

1. ``routes``: ``{path: handler}``. A handler is a callable ``(method, path, headers) -> answer`` or a
   ready answer. An answer is ``(status, headers, body)`` (headers a dict or a list of pairs) or one of
   :class:`Stream`, :class:`Raw`, :class:`Hang`, :class:`Drop`. A key ending in ``*`` matches a prefix.
   Keys match the request target with its query first, then without it.
2. The built-in traps under ``/trap/`` (see :data:`TRAPS`), on every server.
3. Static files under ``root``: ``/`` -> ``index.html``, ``/x`` or ``/x.html`` -> ``x.html``,
   ``/dir/`` -> ``dir/index.html``; anything else is a 404 HTML page. ``site.json`` (a fixture's
   expectations) is never served.

Certificates (``tls``): ``"valid"`` is issued by ``ca`` (the test CA that the client trusts) for
127.0.0.1 and localhost; ``"expired"`` is issued by ``ca`` but ended 30 days ago; ``"wrong-host"`` is
issued by ``ca`` for ``wrong-host.test`` only; ``"untrusted"`` is issued by a CA nobody trusts;
``"self-signed"`` signs itself. Leaf certificates carry only a common name (like a DV certificate)
unless ``organization`` is given (then ``O=`` too, like an OV certificate).

Every thread and socket ends in :meth:`SiteServer.stop` (or at the end of the ``with`` block); a
stream or trap never runs longer than :data:`STREAM_LIMIT` seconds.
"""

from __future__ import annotations

import datetime
import email.utils
import functools
import gzip
import http
import ipaddress
import itertools
import json
import mimetypes
import random
import socket
import ssl
import struct
import threading
import time
import traceback
import zlib
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Callable, Iterable, Iterator, NamedTuple, Union
from urllib.parse import unquote, urlsplit

import trustme
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import ExtendedKeyUsageOID, NameOID

TESTS_DIR = Path(__file__).resolve().parent
SITES_DIR = TESTS_DIR / "sites"
EXAMPLES_DIR = TESTS_DIR.parent / "examples"

TLS_MODES = (None, "valid", "expired", "wrong-host", "untrusted", "self-signed")
STREAM_LIMIT = 120.0  # seconds: no trap or stream runs longer than this
POLL = 0.05  # socket timeout: a stop() is noticed within about this long
FIRST_REQUEST_WAIT = 15.0  # seconds a new connection may take to send its request
KEEP_ALIVE_IDLE = 5.0  # seconds an idle keep-alive connection is kept
MAX_HEAD = 64 * 1024  # request line and headers
HSTS_VALUE = "max-age=31536000; includeSubDomains"
SERVER_NAME = "pharmcheck-test/1"

# ----------------------------------------------------------------------------------------------
# Answers a route may give


@dataclass
class Stream:
    """Status and headers at once, then each chunk ``interval`` seconds apart.

    Framing: ``length`` sets Content-Length; else ``chunked`` uses chunked transfer coding (the final
    empty chunk is sent only if ``chunks`` ends); else the body ends when the connection closes.
    A generator in ``chunks`` is used up by one answer: to answer it twice, pass a list, or return a
    fresh Stream from a callable route.
    """

    status: int = 200
    headers: Any = ()
    chunks: Iterable[bytes] = ()
    interval: float = 0.0
    length: int | None = None
    chunked: bool = False


@dataclass
class Raw:
    """Bytes written as they are (status line included), one piece every ``interval`` seconds."""

    pieces: Iterable[bytes] = ()
    interval: float = 0.0


@dataclass
class Hang:
    """Read the request, then never answer: until the client leaves, the server stops or the limit."""

    limit: float = STREAM_LIMIT


@dataclass
class Drop:
    """Close the connection without a word."""


Answer = Union[tuple, Stream, Raw, Hang, Drop]
Handler = Union[Callable[[str, str, dict], Answer], Answer]


class Request(NamedTuple):
    method: str
    path: str  # the request target as sent, query included
    headers: dict[str, str]  # lower-case names


class Exchange(NamedTuple):
    scheme: str  # "http" or "https"
    method: str
    path: str
    status: int | None  # None when nothing (or raw bytes) was answered


def page(html: str, status: int = 200, headers: dict[str, str] | None = None) -> Callable[[str, str, dict], Answer]:
    """A route handler answering an HTML page."""
    hdrs = {"Content-Type": "text/html; charset=utf-8", **(headers or {})}
    body = html.encode("utf-8")
    return lambda method, path, req_headers: (status, hdrs, body)


def redirect(location: str, status: int = 302) -> Callable[[str, str, dict], Answer]:
    """A route handler answering a redirect to ``location``."""
    return lambda method, path, req_headers: (status, {"Location": location}, b"")


def html_doc(title: str, body: str) -> str:
    return (
        f'<!doctype html>\n<html lang="en"><head><meta charset="utf-8"><title>{title}</title></head>\n'
        f"<body>\n{body}\n</body></html>\n"
    )


def free_port() -> int:
    """A loopback port on which nothing listens right now (connecting to it is refused)."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def reserve_dead_port() -> tuple[socket.socket, int]:
    """A bound socket that never listens, and its port: connections to it are refused, and no other
    server can take the port while the socket is open. Close the socket when done."""
    s = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    try:
        s.bind(("127.0.0.1", 0))
    except BaseException:
        s.close()
        raise
    return s, s.getsockname()[1]


# ----------------------------------------------------------------------------------------------
# Fixture sites


def site_names() -> list[str]:
    """The fixture sites under tests/sites/ (each a folder with a site.json)."""
    return sorted(p.parent.name for p in SITES_DIR.glob("*/site.json"))


def site_info(name: str) -> dict[str, Any]:
    """The expectations and serving options of one fixture site (its site.json)."""
    path = SITES_DIR / name / "site.json"
    if not path.is_file():
        raise ValueError(f"no fixture site {name!r} (looked for {path})")
    return json.loads(path.read_text(encoding="utf-8"))


def site_serve_options(name: str) -> dict[str, Any]:
    """How a fixture site should be served, as SiteServer keyword arguments."""
    opts = dict(site_info(name).get("serve") or {})
    unknown = set(opts) - {"tls", "organization", "plain_redirect", "hsts", "delay"}
    if unknown:
        raise ValueError(f"site {name!r}: unknown serve options {sorted(unknown)}")
    return opts


# ----------------------------------------------------------------------------------------------
# Certificates


def _now() -> datetime.datetime:
    return datetime.datetime.now(datetime.timezone.utc).replace(microsecond=0)


def _issue(
    hosts: list[str],
    *,
    issuer_key: Any | None,
    issuer_cert: x509.Certificate | None,
    organization: str | None,
    not_before: datetime.datetime,
    not_after: datetime.datetime,
) -> tuple[bytes, bytes]:
    """A server certificate for ``hosts``: (cert PEM, key PEM). No issuer: it signs itself."""
    key = ec.generate_private_key(ec.SECP256R1())
    attrs = [x509.NameAttribute(NameOID.COMMON_NAME, hosts[0])]
    if organization:
        attrs.append(x509.NameAttribute(NameOID.ORGANIZATION_NAME, organization))
    subject = x509.Name(attrs)
    sans: list[x509.GeneralName] = []
    for host in hosts:
        try:
            sans.append(x509.IPAddress(ipaddress.ip_address(host)))
        except ValueError:
            sans.append(x509.DNSName(host))
    signer = issuer_key if issuer_key is not None else key
    builder = (
        x509.CertificateBuilder()
        .subject_name(subject)
        .issuer_name(issuer_cert.subject if issuer_cert is not None else subject)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(not_before)
        .not_valid_after(not_after)
        .add_extension(x509.SubjectAlternativeName(sans), critical=False)
        .add_extension(x509.BasicConstraints(ca=False, path_length=None), critical=True)
        .add_extension(x509.ExtendedKeyUsage([ExtendedKeyUsageOID.SERVER_AUTH]), critical=False)
        .add_extension(x509.SubjectKeyIdentifier.from_public_key(key.public_key()), critical=False)
        .add_extension(
            x509.KeyUsage(
                digital_signature=True, content_commitment=False, key_encipherment=False,
                data_encipherment=False, key_agreement=False, key_cert_sign=False, crl_sign=False,
                encipher_only=False, decipher_only=False,
            ),
            critical=True,
        )
    )
    if issuer_cert is not None:
        builder = builder.add_extension(
            x509.AuthorityKeyIdentifier.from_issuer_public_key(issuer_cert.public_key()), critical=False
        )
    cert = builder.sign(signer, hashes.SHA256())
    key_pem = key.private_bytes(
        serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
    )
    return cert.public_bytes(serialization.Encoding.PEM), key_pem


def make_certificate(tls: str, ca: trustme.CA, organization: str | None = None, host: str = "127.0.0.1") -> tuple[bytes, bytes]:
    """(cert PEM, key PEM) of a leaf certificate for the given mode (see the module docstring)."""
    if tls not in TLS_MODES or tls is None:
        raise ValueError(f"unknown tls mode {tls!r}; one of {TLS_MODES}")
    hosts = list(dict.fromkeys([host, "127.0.0.1", "localhost"]))
    now = _now()
    not_before, not_after = now - datetime.timedelta(days=1), now + datetime.timedelta(days=90)
    if tls == "expired":
        not_before, not_after = now - datetime.timedelta(days=120), now - datetime.timedelta(days=30)
    elif tls == "wrong-host":
        hosts = ["wrong-host.test"]
    elif tls == "untrusted":
        ca = trustme.CA()  # a CA that nobody was told to trust
    if tls == "self-signed":
        return _issue(hosts, issuer_key=None, issuer_cert=None, organization=organization,
                      not_before=not_before, not_after=not_after)
    issuer_key = serialization.load_pem_private_key(ca.private_key_pem.bytes(), password=None)
    issuer_cert = x509.load_pem_x509_certificate(ca.cert_pem.bytes())
    return _issue(hosts, issuer_key=issuer_key, issuer_cert=issuer_cert, organization=organization,
                  not_before=not_before, not_after=not_after)


def _server_context(cert_pem: bytes, key_pem: bytes) -> ssl.SSLContext:
    ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    ctx.set_alpn_protocols(["http/1.1"])
    with trustme.Blob(cert_pem).tempfile() as certfile, trustme.Blob(key_pem).tempfile() as keyfile:
        ctx.load_cert_chain(certfile, keyfile)
    return ctx


# ----------------------------------------------------------------------------------------------
# Trap payloads (computed once per process, on first use)

BOMB_SIZE = 500 * 1024 * 1024  # bytes once inflated
_BOMB_PREFIX = b"<!doctype html><html><head><title>Special offer</title></head><body><p>"
_BOMB_SUFFIX = b"</p></body></html>\n"
_BOMB_BLOCK = b" " * (1024 * 1024)
_BOMB_LOCK = threading.Lock()


def _bomb_blocks() -> int:
    return (BOMB_SIZE - len(_BOMB_PREFIX) - len(_BOMB_SUFFIX)) // len(_BOMB_BLOCK)


def bomb_inflated_size() -> int:
    return len(_BOMB_PREFIX) + _bomb_blocks() * len(_BOMB_BLOCK) + len(_BOMB_SUFFIX)


@functools.cache
def _raw_deflate_bomb() -> tuple[bytes, int, int]:
    """A raw deflate stream of the bomb page, with its CRC-32 and Adler-32.

    Built in a few milliseconds instead of compressing 500 MB: after a full flush the compressor
    forgets its history, so every 1 MB block of spaces compresses to the same bytes, repeated.
    """
    comp = zlib.compressobj(9, zlib.DEFLATED, -15, 9)
    head = comp.compress(_BOMB_PREFIX) + comp.flush(zlib.Z_FULL_FLUSH)
    block = comp.compress(_BOMB_BLOCK) + comp.flush(zlib.Z_FULL_FLUSH)
    tail = comp.compress(_BOMB_SUFFIX) + comp.flush(zlib.Z_FINISH)
    n = _bomb_blocks()
    crc = zlib.crc32(_BOMB_PREFIX)
    adler = zlib.adler32(_BOMB_PREFIX)
    for _ in range(n):
        crc = zlib.crc32(_BOMB_BLOCK, crc)
        adler = zlib.adler32(_BOMB_BLOCK, adler)
    crc = zlib.crc32(_BOMB_SUFFIX, crc)
    adler = zlib.adler32(_BOMB_SUFFIX, adler)
    return head + block * n + tail, crc, adler


def gzip_bomb() -> bytes:
    """About 500 KB of gzip that inflates to a 500 MB HTML page."""
    with _BOMB_LOCK:
        deflated, crc, _ = _raw_deflate_bomb()
    header = b"\x1f\x8b\x08\x00\x00\x00\x00\x00\x02\xff"
    return header + deflated + struct.pack("<II", crc, bomb_inflated_size() & 0xFFFFFFFF)


def deflate_bomb() -> bytes:
    """About 500 KB of zlib-wrapped deflate (HTTP's "deflate") that inflates to a 500 MB page."""
    with _BOMB_LOCK:
        deflated, _, adler = _raw_deflate_bomb()
    return b"\x78\xda" + deflated + struct.pack(">I", adler)


@functools.cache
def _brotli_bomb() -> bytes:
    import brotli

    comp = brotli.Compressor(quality=5, lgwin=24)
    out = [comp.process(_BOMB_PREFIX)]
    out.extend(comp.process(_BOMB_BLOCK) for _ in range(_bomb_blocks()))
    out.append(comp.process(_BOMB_SUFFIX))
    out.append(comp.finish())
    return b"".join(out)


def brotli_bomb() -> bytes:
    """A few hundred bytes of brotli that inflate to a 500 MB HTML page (about half a second to build)."""
    with _BOMB_LOCK:
        return _brotli_bomb()


STACKED_PAGE = html_doc(
    "Stacked encoding",
    "<h1>Twice compressed</h1><p>This page was compressed with gzip twice; "
    "a client must undo both layers to read it.</p>",
).encode()


def stacked(layers: int = 2, body: bytes = STACKED_PAGE) -> bytes:
    for _ in range(layers):
        body = gzip.compress(body, mtime=0)
    return body


UTF16_META_PAGE = (
    b'<!doctype html>\n<html lang="en"><head><meta charset="utf-16"><title>Discount meds</title></head>\n'
    b"<body><h1>Online pharmacy</h1><p>Buy Viagra online, no prescription needed!</p>"
    b'<p><a href="/order">Order now</a></p></body></html>\n'
)

MINIMAL_PDF = (
    b"%PDF-1.4\n1 0 obj<</Type/Catalog/Pages 2 0 R>>endobj\n"
    b"2 0 obj<</Type/Pages/Kids[3 0 R]/Count 1>>endobj\n"
    b"3 0 obj<</Type/Page/Parent 2 0 R/MediaBox[0 0 612 792]>>endobj\n"
    b"xref\n0 4\n0000000000 65535 f \n0000000009 00000 n \n0000000052 00000 n \n0000000101 00000 n \n"
    b"trailer<</Size 4/Root 1 0 R>>\nstartxref\n166\n%%EOF\n"
)

GARBAGE_SEED = 20240611
GARBAGE_SIZE = 64 * 1024
QUADRATIC_SIZE = 200 * 1024
HUGE_SIZE = 50 * 1000 * 1000
TRICKLE_INTERVAL = 0.5
TRICKLE_BODY_LENGTH = int(STREAM_LIMIT / TRICKLE_INTERVAL)  # one byte per interval for STREAM_LIMIT seconds


@functools.cache
def garbage() -> bytes:
    return random.Random(GARBAGE_SEED).randbytes(GARBAGE_SIZE)


@functools.cache
def quadratic() -> bytes:
    return (b"<a x=" * (QUADRATIC_SIZE // 5 + 1))[:QUADRATIC_SIZE]


_FILLER = b"<p>More products from our catalogue: vitamins, pain relief, allergy care and first aid.</p>\n"


def sized_html(total: int, title: str = "Catalogue", block: int = 64 * 1024) -> Iterator[bytes]:
    """An HTML page of exactly ``total`` bytes, in pieces of about ``block`` bytes."""
    head = f"<!doctype html><html><head><title>{title}</title></head><body>\n".encode()
    tail = b"</body></html>\n"
    filler = (_FILLER * (block // len(_FILLER) + 1))[:block]
    left = total - len(head) - len(tail)
    if left < 0:
        raise ValueError("total too small")
    yield head
    while left > 0:
        piece = filler[: min(block, left)]
        left -= len(piece)
        yield piece
    yield tail


def _endless_html() -> Iterator[bytes]:
    yield b"<!doctype html><html><head><title>Endless</title></head><body>\n"
    block = _FILLER * 90  # about 8 KB
    while True:
        yield block


def _trickle_body() -> Iterator[bytes]:
    text = b"<!doctype html><html><body><p>" + b"slow " * TRICKLE_BODY_LENGTH
    for i in range(TRICKLE_BODY_LENGTH):
        yield text[i : i + 1]


HTML = "text/html; charset=utf-8"

TRAPS: dict[str, str] = {
    "trickle-headers": "status line and headers one byte per 0.5 s, then a small page",
    "trickle-body": "headers at once, then one body byte per 0.5 s (Content-Length 240) for up to 120 s",
    "gzip-bomb": "Content-Encoding: gzip, about 500 KB on the wire, a 500 MB HTML page inflated",
    "br-bomb": "Content-Encoding: br, a few hundred bytes on the wire, a 500 MB HTML page inflated",
    "deflate-bomb": "Content-Encoding: deflate (zlib), about 500 KB on the wire, 500 MB inflated",
    "stacked-encoding": "Content-Encoding: gzip, gzip: a small page gzipped twice (/N for N layers)",
    "endless": "chunked HTML that never ends (until the client goes, the server stops or 120 s)",
    "huge": "Content-Length 50,000,000 of HTML, streamed",
    "redirect-loop": "302 -> /trap/redirect-loop-b -> 302 -> /trap/redirect-loop",
    "redirect-chain/N": "N redirects (/N -> /N-1 ... -> /0), then a page",
    "redirect-offsite": "302 to http://127.0.0.1:<a port where nothing listens>/",
    "404": "a 404 HTML page",
    "500": "a 500 HTML page",
    "pdf": "application/pdf bytes",
    "utf16-meta": "an ASCII page declaring <meta charset=utf-16>, text 'Buy Viagra online, no prescription needed!'",
    "garbage": "64 KB of seeded random bytes as text/html",
    "quadratic": "200 KB of repeated '<a x=' as text/html",
    "hang": "reads the request, never answers (until the client goes, the server stops or 120 s)",
}


# ----------------------------------------------------------------------------------------------
# The server


class SiteServer:
    """An HTTP/HTTPS server on 127.0.0.1:<free port>, running in background threads.

    Started on construction; use it as a context manager or call :meth:`stop`.
    """

    def __init__(
        self,
        root: Path | str | None = None,
        *,
        routes: dict[str, Handler] | None = None,
        tls: str | None = None,
        ca: trustme.CA | None = None,
        organization: str | None = None,
        plain_redirect: bool = True,
        hsts: bool | str = False,
        delay: float = 0.0,
        host: str = "127.0.0.1",  # another loopback address (127.0.0.2, ...) for tests of address refusal
    ):
        if not host.startswith("127."):
            raise ValueError("test servers listen on loopback addresses only")
        if tls not in TLS_MODES:
            raise ValueError(f"unknown tls mode {tls!r}; one of {TLS_MODES}")
        self.root = Path(root).resolve() if root is not None else None
        if self.root is not None and not self.root.is_dir():
            raise ValueError(f"root {self.root} is not a folder")
        self.routes: dict[str, Handler] = dict(routes or {})
        self.tls = tls
        self.ca = ca if ca is not None else (trustme.CA() if tls else None)
        self.organization = organization
        self.plain_redirect = plain_redirect
        self.hsts = HSTS_VALUE if hsts is True else (hsts or None)
        self.delay = delay

        self.requests: list[Request] = []  # every request received, in order
        self.log: list[Exchange] = []  # every answer given, in order
        self.handshake_errors: list[str] = []  # TLS handshakes that failed (a client refusing the cert)
        self.errors: list[str] = []  # tracebacks of route handlers that raised (answered 500)
        self.max_concurrent = 0
        self._in_flight = 0
        self._lock = threading.Lock()
        self._stopping = threading.Event()
        self._threads: set[threading.Thread] = set()

        self.cert_pem: bytes | None = None
        self._ssl: ssl.SSLContext | None = None
        if tls:
            self.cert_pem, key_pem = make_certificate(tls, self.ca, organization, host)
            self._ssl = _server_context(self.cert_pem, key_pem)

        self._dead, self.dead_port = reserve_dead_port()  # where /trap/redirect-offsite points
        self._listener = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        try:
            self._listener.bind((host, 0))
            self._listener.listen(128)
            self._listener.settimeout(POLL)
        except BaseException:
            self._listener.close()
            self._dead.close()
            raise
        self.port: int = self._listener.getsockname()[1]
        self.host = host
        self.http_url = f"http://{host}:{self.port}/"
        self.url = f"https://{host}:{self.port}/" if tls else self.http_url
        self._acceptor = threading.Thread(target=self._accept_loop, name=f"SiteServer:{self.port}", daemon=True)
        self._stopped = False
        self._acceptor.start()

    # -- public ----------------------------------------------------------------------------

    def __enter__(self) -> "SiteServer":
        return self

    def __exit__(self, *exc: object) -> None:
        self.stop()

    def __repr__(self) -> str:
        return f"<SiteServer {self.url} root={self.root} tls={self.tls}>"

    def urljoin(self, path: str) -> str:
        """The full URL of ``path`` on this server (``/contact`` -> ``https://127.0.0.1:PORT/contact``)."""
        return self.url + path.lstrip("/")

    def paths(self) -> list[str]:
        """The paths requested so far, in order."""
        with self._lock:
            return [r.path for r in self.requests]

    def stop(self, timeout: float = 10.0) -> None:
        """Stop accepting, end every connection and join every thread. Idempotent."""
        if self._stopped:
            return
        self._stopped = True
        self._stopping.set()
        try:  # wake the acceptor now rather than at its next poll
            socket.create_connection(("127.0.0.1", self.port), timeout=1).close()
        except OSError:
            pass
        self._acceptor.join(timeout)
        self._listener.close()
        self._dead.close()
        deadline = time.monotonic() + timeout
        with self._lock:
            threads = list(self._threads)
        for t in threads:
            t.join(max(0.0, deadline - time.monotonic()))
        alive = [t.name for t in threads if t.is_alive()] + ([self._acceptor.name] if self._acceptor.is_alive() else [])
        if alive:
            raise RuntimeError(f"SiteServer threads did not end: {alive}")

    # -- accepting -------------------------------------------------------------------------

    def _accept_loop(self) -> None:
        while not self._stopping.is_set():
            try:
                conn, _ = self._listener.accept()
            except TimeoutError:
                continue
            except OSError:
                if self._stopping.is_set():
                    return
                continue
            if self._stopping.is_set():
                conn.close()
                return
            conn.settimeout(POLL)
            t = threading.Thread(target=self._connection, args=(conn,), name=f"SiteServer:{self.port}:conn", daemon=True)
            with self._lock:
                self._threads.add(t)
            t.start()

    def _connection(self, conn: socket.socket) -> None:
        sock: socket.socket = conn
        try:
            first = self._peek(conn)
            if first is None:
                return
            scheme = "http"
            if first == 0x16:
                if self._ssl is None:
                    return  # TLS on a plain server: hang up, as a real one would after garbage
                tls_sock = self._handshake(conn)
                if tls_sock is None:
                    return
                sock, scheme = tls_sock, "https"
            self._request_loop(sock, scheme)
        except Exception:  # a test server must never print tracebacks from its threads
            pass
        finally:
            try:
                sock.close()
            finally:
                conn.close()
                with self._lock:
                    self._threads.discard(threading.current_thread())

    def _peek(self, conn: socket.socket) -> int | None:
        deadline = time.monotonic() + FIRST_REQUEST_WAIT
        while not self._stopping.is_set() and time.monotonic() < deadline:
            try:
                data = conn.recv(1, socket.MSG_PEEK)
            except TimeoutError:
                continue
            except OSError:
                return None
            return data[0] if data else None
        return None

    def _handshake(self, conn: socket.socket) -> ssl.SSLSocket | None:
        assert self._ssl is not None
        try:
            tls_sock = self._ssl.wrap_socket(conn, server_side=True, do_handshake_on_connect=False)
        except OSError:
            return None
        deadline = time.monotonic() + FIRST_REQUEST_WAIT
        while True:
            try:
                tls_sock.do_handshake()
                return tls_sock
            except TimeoutError:
                if self._stopping.is_set() or time.monotonic() > deadline:
                    break
            except (ssl.SSLError, OSError) as exc:
                with self._lock:
                    self.handshake_errors.append(f"{type(exc).__name__}: {exc}")
                break
        tls_sock.close()
        return None

    # -- requests --------------------------------------------------------------------------

    def _recv(self, sock: socket.socket, deadline: float) -> bytes | None:
        """Some bytes; b"" when the client closed; None on stop or deadline."""
        while not self._stopping.is_set() and time.monotonic() < deadline:
            try:
                return sock.recv(65536)
            except TimeoutError:
                continue
            except (ssl.SSLWantReadError, ssl.SSLWantWriteError):
                continue
            except OSError:
                return b""
        return None

    def _read_request(self, sock: socket.socket, buf: bytearray, wait: float) -> tuple[Request, bool] | None:
        deadline = time.monotonic() + wait
        while b"\r\n\r\n" not in buf:
            if len(buf) > MAX_HEAD:
                return None
            data = self._recv(sock, deadline)
            if not data:
                return None
            buf += data
        end = buf.index(b"\r\n\r\n")
        head = bytes(buf[:end]).decode("latin-1")
        del buf[: end + 4]
        lines = head.split("\r\n")
        parts = lines[0].split(" ")
        if len(parts) != 3 or not parts[2].startswith("HTTP/"):
            return None
        method, target, version = parts
        headers: dict[str, str] = {}
        for line in lines[1:]:
            name, sep, value = line.partition(":")
            if not sep:
                continue
            name = name.strip().lower()
            headers[name] = f"{headers[name]}, {value.strip()}" if name in headers else value.strip()
        length = int(headers.get("content-length", "0") or 0)
        deadline = time.monotonic() + FIRST_REQUEST_WAIT
        while len(buf) < length:
            data = self._recv(sock, deadline)
            if not data:
                return None
            buf += data
        del buf[:length]  # the request body is not used by any test
        keep_alive = version == "HTTP/1.1" and "close" not in headers.get("connection", "").lower()
        return Request(method.upper(), target, headers), keep_alive

    def _request_loop(self, sock: socket.socket, scheme: str) -> None:
        buf = bytearray()
        wait = FIRST_REQUEST_WAIT
        while not self._stopping.is_set():
            parsed = self._read_request(sock, buf, wait)
            if parsed is None:
                return
            req, keep_alive = parsed
            wait = KEEP_ALIVE_IDLE
            with self._lock:
                self.requests.append(req)
            with self._counting():
                if self.delay and self._stopping.wait(self.delay):
                    return
                if scheme == "http" and self.tls and self.plain_redirect:
                    host = req.headers.get("host") or f"127.0.0.1:{self.port}"
                    path = req.path if req.path.startswith("/") else urlsplit(req.path).path or "/"
                    answer: Answer = (301, {"Location": f"https://{host}{path}"}, _moved_page(f"https://{host}{path}"))
                else:
                    try:
                        answer = self._dispatch(req)
                    except Exception:  # a broken route handler: say so, loudly, in the answer and the log
                        trace = traceback.format_exc()
                        with self._lock:
                            self.errors.append(trace)
                        answer = (500, {"Content-Type": "text/plain; charset=utf-8"}, trace.encode())
                status, reusable = self._answer(sock, req, scheme, answer, keep_alive)
            with self._lock:
                self.log.append(Exchange(scheme, req.method, req.path, status))
            if not reusable:
                return

    @contextmanager
    def _counting(self) -> Iterator[None]:
        with self._lock:
            self._in_flight += 1
            self.max_concurrent = max(self.max_concurrent, self._in_flight)
        try:
            yield
        finally:
            with self._lock:
                self._in_flight -= 1

    # -- choosing the answer ---------------------------------------------------------------

    def _dispatch(self, req: Request) -> Answer:
        path = urlsplit(req.path).path if not req.path.startswith("/") else req.path.split("?", 1)[0]
        handler = self._route(req.path, path)
        if handler is not None:
            return handler(req.method, req.path, req.headers) if callable(handler) else handler
        if path.startswith("/trap/"):
            return self._trap(path[len("/trap/"):])
        return self._static(path)

    def _route(self, target: str, path: str) -> Handler | None:
        for key in (target, path):
            if key in self.routes:
                return self.routes[key]
        best = None
        for key, handler in self.routes.items():
            if key.endswith("*") and path.startswith(key[:-1]):
                if best is None or len(key) > len(best[0]):
                    best = (key, handler)
        return best[1] if best else None

    def _static(self, path: str) -> Answer:
        if self.root is None:
            return _not_found(path)
        rel = unquote(path).lstrip("/")
        if rel == "site.json":
            return _not_found(path)
        if rel == "" or rel.endswith("/"):
            candidates = [rel + "index.html"]
        else:
            candidates = [rel, rel + ".html", rel + "/index.html"]
        for cand in candidates:
            file = (self.root / cand).resolve()
            if file.is_file() and (file == self.root or self.root in file.parents):
                ctype = _content_type(file)
                return 200, {"Content-Type": ctype}, file.read_bytes()
        return _not_found(path)

    def _trap(self, name: str) -> Answer:
        if name == "trickle-headers":
            body = html_doc("Slow headers", "<p>The status line and headers of this page came one byte at a time.</p>").encode()
            head = (
                f"HTTP/1.1 200 OK\r\nContent-Type: {HTML}\r\nContent-Length: {len(body)}\r\n"
                "Connection: close\r\n\r\n"
            ).encode()
            return Raw(pieces=itertools.chain((head[i : i + 1] for i in range(len(head))), [body]), interval=TRICKLE_INTERVAL)
        if name == "trickle-body":
            return Stream(200, {"Content-Type": HTML}, _trickle_body(), interval=TRICKLE_INTERVAL, length=TRICKLE_BODY_LENGTH)
        if name == "gzip-bomb":
            return 200, {"Content-Type": HTML, "Content-Encoding": "gzip"}, gzip_bomb()
        if name == "br-bomb":
            return 200, {"Content-Type": HTML, "Content-Encoding": "br"}, brotli_bomb()
        if name == "deflate-bomb":
            return 200, {"Content-Type": HTML, "Content-Encoding": "deflate"}, deflate_bomb()
        if name == "stacked-encoding" or name.startswith("stacked-encoding/"):
            layers = 2
            if "/" in name:
                try:
                    layers = max(1, min(50, int(name.split("/", 1)[1])))
                except ValueError:
                    return _not_found("/trap/" + name)
            return 200, {"Content-Type": HTML, "Content-Encoding": ", ".join(["gzip"] * layers)}, stacked(layers)
        if name == "endless":
            return Stream(200, {"Content-Type": HTML}, _endless_html(), chunked=True)
        if name == "huge":
            return Stream(200, {"Content-Type": HTML}, sized_html(HUGE_SIZE, "Huge catalogue"), length=HUGE_SIZE)
        if name == "redirect-loop":
            return 302, {"Location": "/trap/redirect-loop-b"}, b""
        if name == "redirect-loop-b":
            return 302, {"Location": "/trap/redirect-loop"}, b""
        if name.startswith("redirect-chain/"):
            try:
                n = int(name.split("/", 1)[1])
            except ValueError:
                return _not_found("/trap/" + name)
            if n > 0:
                return 302, {"Location": f"/trap/redirect-chain/{min(n, 10_000) - 1}"}, b""
            return 200, {"Content-Type": HTML}, html_doc("End of the chain", "<p>You followed every redirect.</p>").encode()
        if name == "redirect-offsite":
            return 302, {"Location": f"http://127.0.0.1:{self.dead_port}/"}, b""
        if name == "404":
            return _not_found("/trap/404")
        if name == "500":
            return 500, {"Content-Type": HTML}, html_doc("Server error", "<h1>Internal Server Error</h1><p>Something went wrong.</p>").encode()
        if name == "pdf":
            return 200, {"Content-Type": "application/pdf"}, MINIMAL_PDF
        if name == "utf16-meta":
            return 200, {"Content-Type": "text/html"}, UTF16_META_PAGE
        if name == "garbage":
            return 200, {"Content-Type": "text/html"}, garbage()
        if name == "quadratic":
            return 200, {"Content-Type": "text/html"}, quadratic()
        if name == "hang":
            return Hang()
        return _not_found("/trap/" + name)

    # -- writing ---------------------------------------------------------------------------

    def _send(self, sock: socket.socket, data: bytes, deadline: float) -> bool:
        """Write all of ``data``; False when the client went away, the server stops or time is up."""
        view = memoryview(data)
        while view:
            if self._stopping.is_set() or time.monotonic() > deadline:
                return False
            try:
                n = sock.send(view[:65536])
            except (TimeoutError, ssl.SSLWantWriteError, ssl.SSLWantReadError):
                continue  # retried with the same bytes, as OpenSSL requires
            except OSError:
                return False
            view = view[n:]
        return True

    def _head(self, status: int, headers: list[tuple[str, str]], scheme: str) -> bytes:
        try:
            reason = http.HTTPStatus(status).phrase
        except ValueError:
            reason = "Unknown"
        names = {k.lower() for k, _ in headers}
        lines = [f"HTTP/1.1 {status} {reason}"]
        if "date" not in names:
            lines.append(f"Date: {email.utils.formatdate(usegmt=True)}")
        if "server" not in names:
            lines.append(f"Server: {SERVER_NAME}")
        if scheme == "https" and self.hsts and "strict-transport-security" not in names:
            lines.append(f"Strict-Transport-Security: {self.hsts}")
        lines.extend(f"{k}: {v}" for k, v in headers)
        return ("\r\n".join(lines) + "\r\n\r\n").encode("latin-1")

    def _answer(self, sock: socket.socket, req: Request, scheme: str, answer: Answer, keep_alive: bool) -> tuple[int | None, bool]:
        """Write an answer; returns (status, may the connection be reused)."""
        deadline = time.monotonic() + STREAM_LIMIT
        if isinstance(answer, Drop):
            return None, False
        if isinstance(answer, Hang):
            end = time.monotonic() + answer.limit
            while not self._stopping.is_set() and time.monotonic() < end:
                data = self._recv(sock, end)
                if data == b"":
                    break  # the client went away
            return None, False
        if isinstance(answer, Raw):
            for i, piece in enumerate(answer.pieces):
                if i and answer.interval and self._stopping.wait(answer.interval):
                    break
                if not self._send(sock, piece, deadline):
                    break
            return None, False
        if isinstance(answer, Stream):
            headers = _header_list(answer.headers)
            names = {k.lower() for k, _ in headers}
            if answer.length is not None and "content-length" not in names:
                headers.append(("Content-Length", str(answer.length)))
            elif answer.length is None and answer.chunked:
                headers.append(("Transfer-Encoding", "chunked"))
            headers.append(("Connection", "close"))
            if not self._send(sock, self._head(answer.status, headers, scheme), deadline):
                return answer.status, False
            if req.method == "HEAD":
                return answer.status, False
            finished = True
            for i, chunk in enumerate(answer.chunks):
                if i and answer.interval and self._stopping.wait(answer.interval):
                    finished = False
                    break
                data = b"%x\r\n%s\r\n" % (len(chunk), chunk) if answer.chunked and answer.length is None else chunk
                if chunk and not self._send(sock, data, deadline):
                    finished = False
                    break
            if finished and answer.chunked and answer.length is None:
                self._send(sock, b"0\r\n\r\n", deadline)
            return answer.status, False
        status, headers_in, body = answer
        if isinstance(body, str):
            body = body.encode("utf-8")
        headers = _header_list(headers_in)
        names = {k.lower() for k, _ in headers}
        if "content-length" not in names:
            headers.append(("Content-Length", str(len(body))))
        if "content-type" not in names and body:
            headers.append(("Content-Type", HTML))
        if "connection" not in names:
            headers.append(("Connection", "keep-alive" if keep_alive else "close"))
        else:
            keep_alive = keep_alive and "close" not in dict((k.lower(), v) for k, v in headers)["connection"].lower()
        data = self._head(status, headers, scheme)
        if req.method != "HEAD":
            data += body
        ok = self._send(sock, data, deadline)
        return status, ok and keep_alive


def _header_list(headers: Any) -> list[tuple[str, str]]:
    if not headers:
        return []
    items = headers.items() if isinstance(headers, dict) else headers
    return [(str(k), str(v)) for k, v in items]


def _content_type(file: Path) -> str:
    suffix = file.suffix.lower()
    if suffix in (".html", ".htm"):
        return HTML
    ctype = mimetypes.guess_type(file.name)[0] or "application/octet-stream"
    if ctype.startswith("text/") or ctype in ("application/json", "application/javascript", "image/svg+xml"):
        ctype += "; charset=utf-8"
    return ctype


def _not_found(path: str) -> Answer:
    body = html_doc("Page not found", f"<h1>404 Not Found</h1><p>No page at {_escape(path)}.</p>")
    return 404, {"Content-Type": HTML}, body.encode()


def _moved_page(location: str) -> bytes:
    return html_doc("Moved", f'<p>This page moved to <a href="{_escape(location)}">{_escape(location)}</a>.</p>').encode()


def _escape(text: str) -> str:
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;").replace('"', "&quot;")


class SilentListener:
    """A loopback port that accepts connections and then says nothing, ever (until :meth:`stop`).

    What a TLS client meets when the server stalls the handshake: its ClientHello is never answered.
    (A :class:`SiteServer` always answers or hangs up; this one only holds the sockets.)
    """

    def __init__(self, host: str = "127.0.0.1"):
        if not host.startswith("127."):
            raise ValueError("test servers listen on loopback addresses only")
        self._listener = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        self._listener.bind((host, 0))
        self._listener.listen(64)
        self._listener.settimeout(POLL)
        self.port: int = self._listener.getsockname()[1]
        self.url = f"https://{host}:{self.port}/"
        self.accepted = 0
        self._held: list[socket.socket] = []
        self._stopping = threading.Event()
        self._thread = threading.Thread(target=self._accept, name=f"SilentListener:{self.port}", daemon=True)
        self._thread.start()

    def _accept(self) -> None:
        while not self._stopping.is_set():
            try:
                conn, _ = self._listener.accept()
            except (TimeoutError, OSError):
                continue
            self.accepted += 1
            self._held.append(conn)

    def __enter__(self) -> "SilentListener":
        return self

    def __exit__(self, *exc: object) -> None:
        self.stop()

    def stop(self, timeout: float = 10.0) -> None:
        self._stopping.set()
        self._thread.join(timeout)
        self._listener.close()
        for conn in self._held:
            conn.close()
