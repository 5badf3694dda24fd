"""The loopback test servers really behave as documented: real sockets, real TLS, bounded reads only."""

from __future__ import annotations

import json
import re
import socket
import ssl
import threading
import time
import zlib
from pathlib import Path

import brotli
import httpx
import pytest
from cryptography import x509
from cryptography.x509.oid import NameOID

from tests.servers import (
    HUGE_SIZE,
    SITES_DIR,
    TLS_MODES,
    TRAPS,
    Drop,
    Raw,
    SiteServer,
    Stream,
    bomb_inflated_size,
    page,
    redirect,
    site_info,
    site_names,
    site_serve_options,
)

def client_context(ca_bundle: Path) -> ssl.SSLContext:
    return ssl.create_default_context(cafile=str(ca_bundle))


def tls_connect(url: str, ctx: ssl.SSLContext, server_hostname: str = "127.0.0.1") -> dict:
    """Handshake with the server at ``url``; returns the peer certificate (verification on)."""
    port = int(url.rsplit(":", 1)[1].strip("/"))
    with socket.create_connection(("127.0.0.1", port), timeout=5) as raw:
        with ctx.wrap_socket(raw, server_hostname=server_hostname) as tls:
            return tls.getpeercert()


def site_threads() -> list[threading.Thread]:
    return [t for t in threading.enumerate() if t.name.startswith("SiteServer")]


@pytest.fixture
def site_root(tmp_path: Path) -> Path:
    (tmp_path / "index.html").write_text("<html><body><p>Home page</p></body></html>", encoding="utf-8")
    (tmp_path / "contact.html").write_text("<html><body><p>Contact us</p></body></html>", encoding="utf-8")
    (tmp_path / "robots.txt").write_text("User-agent: *\nDisallow: /private/\n", encoding="utf-8")
    (tmp_path / "site.json").write_text("{}", encoding="utf-8")
    (tmp_path / "products").mkdir()
    (tmp_path / "products" / "index.html").write_text("<html><body><p>All products</p></body></html>", encoding="utf-8")
    (tmp_path / "products" / "atorvastatin.html").write_text("<html><body><p>Atorvastatin</p></body></html>", encoding="utf-8")
    return tmp_path


# ----------------------------------------------------------------------------------------------
# Static serving, plain and TLS on one port


def test_static_site_over_https_with_the_ca_bundle(serve, site_root, ca_bundle):
    server = serve(site_root, tls="valid", hsts=True)
    assert server.url == f"https://127.0.0.1:{server.port}/"
    with httpx.Client(verify=client_context(ca_bundle)) as client:
        home = client.get(server.url)
        assert home.status_code == 200
        assert "Home page" in home.text
        assert home.headers["content-type"] == "text/html; charset=utf-8"
        assert home.headers["strict-transport-security"].startswith("max-age=")
        assert "Contact us" in client.get(server.urljoin("/contact")).text
        assert "Contact us" in client.get(server.urljoin("/contact.html")).text
        assert "All products" in client.get(server.urljoin("/products/")).text
        assert "Atorvastatin" in client.get(server.urljoin("/products/atorvastatin")).text
        robots = client.get(server.urljoin("/robots.txt"))
        assert robots.headers["content-type"].startswith("text/plain")
        assert "Disallow: /private/" in robots.text
        missing = client.get(server.urljoin("/no-such-page"))
        assert missing.status_code == 404 and "<html" in missing.text
        assert client.get(server.urljoin("/site.json")).status_code == 404
        assert client.get(server.urljoin("/../../etc/passwd")).status_code == 404
    assert server.paths()[:2] == ["/", "/contact"]
    method, path, headers = server.requests[0]
    assert (method, path) == ("GET", "/")
    assert headers["host"] == f"127.0.0.1:{server.port}"


def test_plain_http_on_the_tls_port_redirects_to_https(serve, site_root, ca_bundle):
    server = serve(site_root, tls="valid")
    with httpx.Client(verify=client_context(ca_bundle)) as client:
        answer = client.get(server.http_url + "contact?x=1")
        assert answer.status_code == 301
        assert answer.headers["location"] == f"https://127.0.0.1:{server.port}/contact?x=1"
        followed = client.get(server.http_url, follow_redirects=True)
        assert followed.status_code == 200 and str(followed.url) == server.url
    assert [e.scheme for e in server.log][:2] == ["http", "http"]
    assert server.log[-1].scheme == "https"


def test_plain_http_without_redirect_serves_the_site(serve, site_root, ca_bundle):
    server = serve(site_root, tls="valid", plain_redirect=False, hsts=True)
    with httpx.Client(verify=client_context(ca_bundle)) as client:
        plain = client.get(server.http_url)
        assert plain.status_code == 200 and "Home page" in plain.text
        assert "strict-transport-security" not in plain.headers  # HSTS is for https answers only
        assert "strict-transport-security" in client.get(server.url).headers


def test_plain_server_speaks_http_only(serve, site_root):
    server = serve(site_root)
    assert server.url == server.http_url
    with httpx.Client() as client:
        assert client.get(server.url).status_code == 200
    with pytest.raises(OSError):
        tls_connect(server.url.replace("http://", "https://"), ssl.create_default_context())


# ----------------------------------------------------------------------------------------------
# Certificates


@pytest.mark.parametrize(
    ("mode", "code", "words"),
    [
        ("expired", 10, "expired"),
        ("wrong-host", 64, "mismatch"),
        ("untrusted", 20, "local issuer"),
        ("self-signed", 18, "self"),
    ],
)
def test_each_bad_certificate_fails_verification_for_its_own_reason(serve, ca_bundle, mode, code, words):
    server = serve(None, tls=mode)
    with pytest.raises(ssl.SSLCertVerificationError) as info:
        tls_connect(server.url, client_context(ca_bundle))
    assert info.value.verify_code == code
    assert words in info.value.verify_message
    # httpx sees the same refusal
    with httpx.Client(verify=client_context(ca_bundle)) as client, pytest.raises(httpx.ConnectError):
        client.get(server.url)
    deadline = time.monotonic() + 5
    while not server.handshake_errors and time.monotonic() < deadline:
        time.sleep(0.02)
    assert server.handshake_errors, "the server should have seen the client refuse the certificate"
    assert server.requests == []


def test_valid_certificate_is_dv_style_unless_an_organization_is_given(serve, ca_bundle):
    plain = serve(None, tls="valid")
    ov = serve(None, tls="valid", organization="Brightleaf Pharmacy LLC")
    dv_cert = x509.load_pem_x509_certificate(plain.cert_pem)
    ov_cert = x509.load_pem_x509_certificate(ov.cert_pem)
    assert dv_cert.subject.get_attributes_for_oid(NameOID.ORGANIZATION_NAME) == []
    assert ov_cert.subject.get_attributes_for_oid(NameOID.ORGANIZATION_NAME)[0].value == "Brightleaf Pharmacy LLC"
    peer = tls_connect(ov.url, client_context(ca_bundle))
    subject = dict(item for rdn in peer["subject"] for item in rdn)
    assert subject["organizationName"] == "Brightleaf Pharmacy LLC"
    assert ("IP Address", "127.0.0.1") in peer["subjectAltName"]


def test_unknown_tls_mode_is_refused():
    with pytest.raises(ValueError):
        SiteServer(None, tls="sort-of")


# ----------------------------------------------------------------------------------------------
# Routes and concurrency


def test_routes_override_static_and_traps(serve, site_root):
    routes = {
        "/": page("<p>Routed home</p>"),
        "/trap/404": (200, {"Content-Type": "text/plain"}, b"not a trap any more"),
        "/old": redirect("/contact", status=301),
        "/api/*": lambda method, path, headers: (200, {"Content-Type": "application/json"}, json.dumps({"path": path}).encode()),
        "/stream": Stream(200, {"Content-Type": "text/plain"}, [b"a", b"b", b"c"], chunked=True),
        "/raw": Raw([b"HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\n", b"ok"]),
        "/drop": Drop(),
    }
    server = serve(site_root, routes=routes)
    with httpx.Client() as client:
        assert "Routed home" in client.get(server.url).text
        assert client.get(server.urljoin("/trap/404")).text == "not a trap any more"
        moved = client.get(server.urljoin("/old"))
        assert moved.status_code == 301 and moved.headers["location"] == "/contact"
        assert client.get(server.urljoin("/api/v1/items?q=1")).json() == {"path": "/api/v1/items?q=1"}
        streamed = client.get(server.urljoin("/stream"))
        assert streamed.headers["transfer-encoding"] == "chunked" and streamed.text == "abc"
        assert client.get(server.urljoin("/raw")).text == "ok"
        # A dropped connection reads as a close without an answer, or as a reset when the closing socket
        # still held the request unread: the same fault, told by the kernel in two ways.
        with pytest.raises((httpx.RemoteProtocolError, httpx.ReadError)):
            client.get(server.urljoin("/drop"))
        assert "Contact us" in client.get(server.urljoin("/contact")).text  # static still served


def test_delay_and_max_concurrent(serve, site_root):
    server = serve(site_root, delay=0.3)
    started = time.monotonic()
    with httpx.Client() as client:
        assert client.get(server.url).status_code == 200
    assert time.monotonic() - started >= 0.3
    assert server.max_concurrent == 1
    # four requests sent at once on four connections: all four are in the server together
    socks = [socket.create_connection(("127.0.0.1", server.port), timeout=5) for _ in range(4)]
    try:
        for s in socks:
            s.sendall(b"GET /contact HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n")
        for s in socks:
            answer = b""
            while chunk := s.recv(65536):
                answer += chunk
            assert answer.startswith(b"HTTP/1.1 200 OK") and b"Contact us" in answer
    finally:
        for s in socks:
            s.close()
    assert server.max_concurrent == 4
    assert len(server.requests) == 5


def test_a_route_that_raises_answers_500_with_its_traceback(serve):
    def broken(method, path, headers):
        raise KeyError("oops")

    server = serve(None, routes={"/broken": broken})
    with httpx.Client() as client:
        answer = client.get(server.urljoin("/broken"))
    assert answer.status_code == 500 and "KeyError" in answer.text
    assert len(server.errors) == 1


# ----------------------------------------------------------------------------------------------
# Traps (every read bounded)


def test_unknown_trap_is_a_404_page(serve):
    server = serve(None)
    with httpx.Client(timeout=5) as client:
        answer = client.get(server.urljoin("/trap/no-such-trap"))
    assert answer.status_code == 404 and "<html" in answer.text
    assert {"hang", "endless", "gzip-bomb", "redirect-chain/N"} <= set(TRAPS)


def test_trickle_headers_sends_one_byte_at_a_time(serve):
    server = serve(None)
    with socket.create_connection(("127.0.0.1", server.port), timeout=3) as sock:
        sock.sendall(b"GET /trap/trickle-headers HTTP/1.1\r\nHost: x\r\n\r\n")
        got = b""
        deadline = time.monotonic() + 1.3
        while time.monotonic() < deadline:
            sock.settimeout(max(0.01, deadline - time.monotonic()))
            try:
                data = sock.recv(100)
            except TimeoutError:
                break
            if not data:
                break
            got += data
    assert 2 <= len(got) <= 4  # one byte at once, then one per 0.5 s
    assert b"HTTP/1.1 200 OK".startswith(got)


def test_trickle_body_sends_headers_then_one_byte_per_half_second(serve):
    server = serve(None)
    with httpx.Client(timeout=5) as client:
        with client.stream("GET", server.urljoin("/trap/trickle-body")) as answer:
            assert answer.status_code == 200
            times = []
            for chunk in answer.iter_raw():
                times.append(time.monotonic())
                assert len(chunk) == 1
                if len(times) == 3:
                    break
    assert times[2] - times[0] >= 0.8


def test_gzip_and_deflate_bombs_are_small_on_the_wire_and_huge_inflated(serve):
    server = serve(None)
    with httpx.Client(timeout=10) as client:
        for name, wbits in (("gzip-bomb", 31), ("deflate-bomb", 15)):
            with client.stream("GET", server.urljoin(f"/trap/{name}")) as answer:
                assert answer.headers["content-encoding"] == name.split("-")[0]
                wire_size = int(answer.headers["content-length"])
                assert 300_000 < wire_size < 1_000_000
                first = b""
                for chunk in answer.iter_raw():
                    first += chunk
                    if len(first) >= 20_000:
                        break
            inflated = zlib.decompressobj(wbits).decompress(first[:20_000], 50_000_000)
            assert len(inflated) > 10_000_000  # ratio above 500:1
            assert inflated.startswith(b"<!doctype html>")
    assert bomb_inflated_size() >= 500 * 1000 * 1000


def test_brotli_bomb(serve):
    server = serve(None)
    with httpx.Client(timeout=10) as client:
        with client.stream("GET", server.urljoin("/trap/br-bomb")) as answer:
            assert answer.headers["content-encoding"] == "br"
            wire = b"".join(answer.iter_raw())  # a few hundred bytes: safe to read whole
    assert len(wire) < 100_000
    dec = brotli.Decompressor()
    out = dec.process(wire, output_buffer_limit=20_000_000)
    assert len(out) >= 10_000_000 and not dec.is_finished()


def test_stacked_encoding_is_gzipped_twice(serve):
    server = serve(None)
    with httpx.Client(timeout=5) as client:
        answer = client.get(server.urljoin("/trap/stacked-encoding"))
        assert answer.headers["content-encoding"] == "gzip, gzip"
        assert "Twice compressed" in answer.text
        three = client.get(server.urljoin("/trap/stacked-encoding/3"))
        assert three.headers["content-encoding"] == "gzip, gzip, gzip"
        assert "Twice compressed" in three.text


def test_endless_and_huge_stream_more_than_any_reader_wants(serve):
    server = serve(None)
    with httpx.Client(timeout=5) as client:
        with client.stream("GET", server.urljoin("/trap/endless")) as answer:
            assert answer.headers["transfer-encoding"] == "chunked"
            read = 0
            for chunk in answer.iter_raw():
                read += len(chunk)
                if read > 2_000_000:
                    break
        assert read > 2_000_000
        with client.stream("GET", server.urljoin("/trap/huge")) as answer:
            assert int(answer.headers["content-length"]) == HUGE_SIZE
            read = 0
            for chunk in answer.iter_raw():
                read += len(chunk)
                if read > 1_000_000:
                    break
        assert read > 1_000_000


def test_redirect_traps(serve):
    server = serve(None)
    with httpx.Client(timeout=5, follow_redirects=True, max_redirects=6) as client:
        with pytest.raises(httpx.TooManyRedirects):
            client.get(server.urljoin("/trap/redirect-loop"))
        chain = client.get(server.urljoin("/trap/redirect-chain/4"))
        assert chain.status_code == 200 and len(chain.history) == 4
        offsite = client.get(server.urljoin("/trap/redirect-offsite"), follow_redirects=False)
        assert offsite.status_code == 302
        with pytest.raises(httpx.ConnectError):
            client.get(offsite.headers["location"])
    assert server.paths().count("/trap/redirect-loop") >= 3


def test_content_traps(serve):
    server = serve(None)
    with httpx.Client(timeout=5) as client:
        assert client.get(server.urljoin("/trap/404")).status_code == 404
        assert client.get(server.urljoin("/trap/500")).status_code == 500
        pdf = client.get(server.urljoin("/trap/pdf"))
        assert pdf.headers["content-type"] == "application/pdf" and pdf.content.startswith(b"%PDF-")
        utf16 = client.get(server.urljoin("/trap/utf16-meta"))
        assert b'charset="utf-16"' in utf16.content
        assert b"Buy Viagra online, no prescription needed!" in utf16.content
        utf16.content.decode("ascii")
        first = client.get(server.urljoin("/trap/garbage")).content
        assert first == client.get(server.urljoin("/trap/garbage")).content  # seeded
        assert len(first) > 10_000 and first != first[:1] * len(first)
        quad = client.get(server.urljoin("/trap/quadratic"))
        assert quad.headers["content-type"] == "text/html"
        assert len(quad.content) == 200 * 1024 and quad.content.startswith(b"<a x=<a x=")


def test_hang_never_answers_and_lets_go_when_the_client_leaves(serve):
    server = serve(None)
    started = time.monotonic()
    with httpx.Client(timeout=httpx.Timeout(5, read=0.5)) as client:
        with pytest.raises(httpx.ReadTimeout):
            client.get(server.urljoin("/trap/hang"))
    assert time.monotonic() - started < 3
    deadline = time.monotonic() + 3
    while len(site_threads()) > 1 and time.monotonic() < deadline:  # only the acceptor is left
        time.sleep(0.05)
    assert len(site_threads()) == 1


def test_stop_ends_every_thread_even_mid_stream(site_root):
    before = set(site_threads())
    server = SiteServer(site_root)
    socks = []
    try:
        for path in ("/trap/hang", "/trap/endless", "/trap/trickle-body", "/trap/trickle-headers"):
            s = socket.create_connection(("127.0.0.1", server.port), timeout=3)
            s.sendall(f"GET {path} HTTP/1.1\r\nHost: x\r\n\r\n".encode())
            socks.append(s)
        idle = socket.create_connection(("127.0.0.1", server.port), timeout=3)  # never sends a byte
        socks.append(idle)
        time.sleep(0.3)
        assert len(set(site_threads()) - before) >= 6
        started = time.monotonic()
        server.stop()
        assert time.monotonic() - started < 3
    finally:
        for s in socks:
            s.close()
        server.stop()
    assert set(site_threads()) - before == set()


# ----------------------------------------------------------------------------------------------
# Fixture sites and conftest fixtures


def test_dead_url_refuses_connections(dead_url):
    with httpx.Client(timeout=3) as client, pytest.raises(httpx.ConnectError):
        client.get(dead_url)


VERDICTS = {"likely-legitimate", "caution", "likely-rogue", "not-a-pharmacy"}


def test_fixture_sites_are_complete():
    names = site_names()
    assert len(names) >= 12
    assert {site_info(n)["verdict"] for n in names} == VERDICTS
    for name in names:
        info = site_info(name)
        assert info["verdict"] in VERDICTS, name
        assert info["signals"], name
        assert site_serve_options(name).get("tls") in TLS_MODES, name
        root = SITES_DIR / name
        assert len(list(root.rglob("*.html"))) >= 3, name
        index = (root / "index.html").read_text(encoding="utf-8")
        nav = re.search(r"<nav>(.*?)</nav>", index, re.S)
        assert nav, name
        for href in re.findall(r'href="([^"#]+)', nav.group(1)):
            assert (root / href).is_file(), (name, href)


def test_serve_site_uses_site_json_options(serve_site, ca_bundle):
    server = serve_site("self-signed-pharmacy")
    assert server.tls == "self-signed"
    with pytest.raises(ssl.SSLCertVerificationError):
        tls_connect(server.url, client_context(ca_bundle))
    legit = serve_site("legit-us-pharmacy")
    with httpx.Client(verify=client_context(ca_bundle)) as client:
        home = client.get(legit.url)
        assert home.status_code == 200 and "strict-transport-security" in home.headers
        assert client.get(legit.urljoin("/contact")).status_code == 200


def test_real_pages_fixture(real_pages):
    assert any(real_pages.glob("*.html"))
