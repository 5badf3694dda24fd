"""The fetcher against real loopback servers: TLS facts, redirects, limits, and the known traps."""

from __future__ import annotations

import asyncio
import time

import pytest

from pharmcheck.fetch import FetchConfig, FetchError, choose_pages, fetch_site, normalize_url, resolve_target
from pharmcheck.site import parse_site

PAGE = """<html><head><title>Sunrise Pharmacy</title></head><body>
<nav><a href="/contact.html">Contact us</a> <a href="/about.html">About us</a>
<a href="/pharmacist.html">Ask our pharmacist</a> <a href="/faq.html">FAQ</a>
<a href="/cart">Cart</a> <a href="/shop/?add-to-cart=12">Add to cart</a>
<a href="/products/atorvastatin-20mg.html">Atorvastatin 20 mg</a>
<a href="https://elsewhere.example/partner">Partner</a></nav>
<p>A valid prescription is required for all prescription medicines.</p></body></html>"""


def _root(tmp_path, pages: dict[str, str] | None = None):
    pages = pages or {
        "index.html": PAGE,
        "contact.html": "<html><body><h1>Contact</h1><p>Call 212-555-0100</p></body></html>",
        "about.html": "<html><body><h1>About</h1></body></html>",
        "pharmacist.html": "<html><body><h1>Pharmacist</h1></body></html>",
        "faq.html": "<html><body><h1>FAQ</h1></body></html>",
        "cart.html": "<html><body>cart</body></html>",
        "products/atorvastatin-20mg.html": "<html><body>Atorvastatin 20 mg x 30 tablets $12.40</body></html>",
    }
    for name, html in pages.items():
        path = tmp_path / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(html, encoding="utf-8")
    return tmp_path


def fetch(target, **kw):
    return asyncio.run(fetch_site(target, FetchConfig(**kw)))


# ------------------------------------------------------------------ TLS facts and redirects


def test_valid_https_site_records_certificate_and_http_redirect(serve, tmp_path, ca_bundle):
    server = serve(_root(tmp_path), tls="valid", organization="Sunrise Pharmacy Ltd", hsts=True)
    raw = fetch(server.url, ca_file=ca_bundle)
    assert raw.error is None, raw.error
    assert raw.tls.checked and raw.tls.valid is True
    assert raw.tls.protocol in ("TLSv1.2", "TLSv1.3")
    assert raw.tls.subject_org == "Sunrise Pharmacy Ltd"
    assert raw.tls.issuer and raw.tls.not_after and raw.tls.not_after.endswith("Z")
    assert raw.http_probe.checked and raw.http_probe.redirects_to_https is True
    assert raw.http_probe.location.startswith("https://127.0.0.1:")
    assert "strict-transport-security" in raw.pages[0].headers


@pytest.mark.parametrize(
    "mode, words",
    [("expired", "expired"), ("wrong-host", "host name"), ("untrusted", "unknown authority"), ("self-signed", "self-signed")],
)
def test_certificate_failure_is_a_fact_not_a_crash(serve, tmp_path, ca_bundle, mode, words):
    server = serve(_root(tmp_path), tls=mode)
    raw = fetch(server.url, ca_file=ca_bundle)
    assert raw.error is None
    assert raw.tls.checked and raw.tls.valid is False
    assert words in raw.tls.error
    # the pages are still read so the other signals can be judged
    assert raw.pages and raw.pages[0].body
    assert any("certificate refused" in n for n in raw.notes)


def test_redirect_chain_is_recorded(serve, tmp_path, ca_bundle):
    server = serve(_root(tmp_path), tls="valid")
    raw = fetch(server.url + "trap/redirect-chain/3", ca_file=ca_bundle, max_pages=0)
    assert raw.error is None, raw.error
    assert len(raw.pages[0].redirects) == 3
    assert all(hop["status"] in (301, 302, 303, 307, 308) for hop in raw.pages[0].redirects)


def test_redirect_loop_and_too_many_redirects(serve, tmp_path):
    server = serve(_root(tmp_path))
    raw = fetch(server.url + "trap/redirect-loop")
    assert raw.error_kind == "redirect-loop"
    raw = fetch(server.url + "trap/redirect-chain/12")
    assert raw.error_kind == "too-many-redirects"


# ------------------------------------------------------------------ the crawl


def test_crawl_picks_relevant_pages_and_never_adds_to_cart(serve, tmp_path):
    server = serve(_root(tmp_path))
    raw = fetch(server.url)
    roles = {p.role for p in raw.pages}
    assert {"start", "contact", "about", "pharmacist", "faq", "product", "checkout"} <= roles
    paths = [path for method, path, headers in server.requests]
    assert not any("add-to-cart" in p for p in paths), paths
    assert all(method == "GET" for method, path, headers in server.requests)
    ua = server.requests[0][2].get("user-agent") or server.requests[0][2].get("User-Agent")
    assert ua.startswith("pharmcheck/")


def test_max_pages_bounds_the_crawl(serve, tmp_path):
    server = serve(_root(tmp_path))
    raw = fetch(server.url, max_pages=2)
    assert len(raw.pages) == 3


def test_choose_pages_stays_on_site_and_ranks_contact_first():
    links = [
        ("https://shop.example/about", "About"),
        ("https://other.example/contact", "Contact"),
        ("https://shop.example/contact-us", "Contact us"),
        ("https://shop.example/logo.png", "Contact"),
        ("https://shop.example/products/viagra", "Viagra 100mg"),
    ]
    chosen = choose_pages("https://shop.example/", links, FetchConfig(max_pages=12))
    urls = [u for u, _ in chosen]
    assert urls[0] == "https://shop.example/contact-us"
    assert "https://other.example/contact" not in urls and "https://shop.example/logo.png" not in urls
    assert ("https://shop.example/products/viagra", "product") in chosen


def test_robots_txt_is_obeyed_when_asked(serve, tmp_path):
    root = _root(tmp_path)
    (root / "robots.txt").write_text("User-agent: *\nDisallow: /contact\n", encoding="utf-8")
    server = serve(root)
    raw = fetch(server.url, obey_robots=True)
    assert not any("contact" in p.url for p in raw.pages)
    assert raw.robots["found"] is True
    raw = fetch(server.url, obey_robots=False)
    assert any("contact" in p.url for p in raw.pages)


# ------------------------------------------------------------------ the traps


@pytest.mark.parametrize("path", ["trap/trickle-headers", "trap/trickle-body", "trap/hang"])
def test_one_deadline_covers_headers_and_body(serve, tmp_path, path):
    server = serve(_root(tmp_path))
    t0 = time.monotonic()
    raw = fetch(server.url + path, page_deadline=1.5, read_timeout=10)
    took = time.monotonic() - t0
    assert took < 5, took
    assert raw.error_kind == "timeout"


@pytest.mark.parametrize("path", ["trap/gzip-bomb", "trap/br-bomb", "trap/deflate-bomb"])
def test_decompression_is_bounded(serve, tmp_path, path):
    server = serve(_root(tmp_path))
    raw = fetch(server.url + path, max_bytes=1_000_000, max_pages=0)
    page = raw.pages[0]
    assert len(page.body) <= 1_000_000
    assert page.truncated is True
    assert page.body.lstrip().lower().startswith((b"<!doctype", b"<html"))


def test_stacked_encodings_are_refused(serve, tmp_path):
    server = serve(_root(tmp_path))
    raw = fetch(server.url + "trap/stacked-encoding")
    assert raw.error_kind == "stacked-encoding"


@pytest.mark.parametrize("path", ["trap/endless", "trap/huge"])
def test_body_size_is_capped(serve, tmp_path, path):
    server = serve(_root(tmp_path))
    raw = fetch(server.url + path, max_bytes=500_000, max_pages=0)
    assert raw.pages[0].truncated is True
    assert len(raw.pages[0].body) <= 500_000


@pytest.mark.parametrize("path, kind", [("trap/404", "http-status"), ("trap/500", "http-status"), ("trap/pdf", "not-html")])
def test_error_answers(serve, tmp_path, path, kind):
    server = serve(_root(tmp_path))
    raw = fetch(server.url + path)
    assert raw.error_kind == kind
    assert raw.error and "\n" not in raw.error


def test_refused_connection_and_unknown_host(dead_url):
    raw = fetch(dead_url)
    assert raw.error_kind == "connect"
    raw = fetch("https://no-such-host.invalid/")
    assert raw.error_kind in ("dns", "connect")


def test_utf16_meta_cannot_hide_the_text(serve, tmp_path):
    server = serve(_root(tmp_path))
    raw = fetch(server.url + "trap/utf16-meta", max_pages=0)
    site = parse_site(raw)
    assert "no prescription needed" in site.start.text.lower()


def test_garbage_bytes_do_not_crash(serve, tmp_path):
    from pharmcheck.engine import analyze

    server = serve(_root(tmp_path))
    report = analyze(fetch(server.url + "trap/garbage", max_pages=0))
    assert report["verdict"]["code"] in ("could-not-check", "not-a-pharmacy")


def test_quadratic_markup_parses_fast(serve, tmp_path):
    server = serve(_root(tmp_path))
    raw = fetch(server.url + "trap/quadratic", max_pages=0)
    t0 = time.process_time()
    parse_site(raw)
    assert time.process_time() - t0 < 2.0


# ------------------------------------------------------------------ input


@pytest.mark.parametrize(
    "text, url",
    [
        ("pharmacy.example", "https://pharmacy.example/"),
        ("HTTP://Pharmacy.Example/x?y=1#frag", "http://pharmacy.example/x?y=1"),
        ("https://bücher.example", "https://xn--bcher-kva.example/"),
        ("127.0.0.1:8080", "https://127.0.0.1:8080/"),
    ],
)
def test_normalize_url(text, url):
    assert normalize_url(text) == url


@pytest.mark.parametrize("text", ["", "ftp://x.example", "http://", "not a url", "https://exa mple.com", "http://x.example:99999/"])
def test_invalid_input(text):
    with pytest.raises(FetchError) as info:
        resolve_target(text)
    assert info.value.kind == "invalid-input"


def test_saved_folder_is_checked_offline(tmp_path):
    root = _root(tmp_path)
    raw = fetch(str(root))
    assert raw.mode == "offline" and raw.error is None
    assert raw.pages[0].url.endswith("index.html")
    assert raw.tls.checked is False and raw.http_probe.checked is False
    assert {p.role for p in raw.pages} >= {"start", "contact", "about"}


def test_bare_domain_tries_https_first_then_plain_http(serve, tmp_path):
    server = serve(_root(tmp_path))  # plain HTTP only
    raw = fetch(f"127.0.0.1:{server.port}", max_pages=0)
    assert raw.error is None, raw.error
    assert raw.final_url == server.url
    assert any("https failed" in note for note in raw.notes)
    assert raw.tls.checked is False


def test_bare_domain_with_https_stays_on_https(serve, tmp_path, ca_bundle):
    server = serve(_root(tmp_path), tls="valid")
    raw = fetch(f"127.0.0.1:{server.port}", max_pages=0, ca_file=ca_bundle)
    assert raw.final_url == server.url and server.url.startswith("https://")
