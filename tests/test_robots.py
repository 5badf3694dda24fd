"""robots.txt by RFC 9309 (pharmcheck/robots.py, protego): which pages a real loopback site was asked for."""

from __future__ import annotations

import asyncio
import time

from pharmcheck.fetch import FetchConfig, fetch_site
from pharmcheck.robots import MAX_BYTES, MAX_CRAWL_DELAY, Robots, parse
from tests.servers import html_doc, page, redirect
from tests.test_audit import jsonl_records, run_audit

TEXT = {"Content-Type": "text/plain"}


def crawl(url: str, **kw) -> object:
    kw.setdefault("probe_http", False)
    config = FetchConfig(obey_robots=True, per_host_concurrency=1, allow_private=True, site_budget=20, **kw)
    return asyncio.run(fetch_site(url, config, online_only=True))


def allowed(robots_txt: str, *paths: str) -> list[bool]:
    robots = Robots("https://x.example/robots.txt", "rules", 200, parse(robots_txt.encode()))
    return [robots.allows("https://x.example" + p) for p in paths]


# ----------------------------------------------------------------------------------------------
# The rules as RFC 9309 reads them


def test_wildcards_and_end_anchor():
    txt = "User-agent: *\nDisallow: /*.html$\nDisallow: /tmp*/x\n"
    assert allowed(txt, "/a.html", "/dir/b.html", "/a.html?q=1", "/a.htm", "/tmp1/x", "/tmp/y") == [False, False, True, True, False, True]


def test_longest_match_wins_and_allow_wins_a_tie():
    txt = "User-agent: *\nAllow: /shop/\nDisallow: /shop/private\nDisallow: /page\nAllow: /page\n"
    assert allowed(txt, "/shop/", "/shop/cart", "/shop/private", "/shop/private/x", "/page") == [True, True, False, False, True]


def test_the_pharmcheck_group_beats_star_and_groups_merge():
    txt = (
        "User-agent: *\nDisallow: /\n\n"
        "User-agent: PharmCheck\nDisallow: /a\n\n"
        "User-agent: otherbot\nDisallow: /b\n\n"
        "User-agent: pharmcheck\nDisallow: /c\n"
    )
    assert allowed(txt, "/", "/a", "/b", "/c") == [True, False, True, False]
    # a group for a longer token that contains ours is not ours
    assert allowed("User-agent: mypharmcheck\nDisallow: /\n", "/") == [True]


def test_robots_txt_itself_is_always_allowed_and_crawl_delay_is_capped():
    assert allowed("User-agent: *\nDisallow: /\n", "/robots.txt", "/") == [True, False]
    robots = Robots("u", "rules", 200, parse(b"User-agent: *\nCrawl-delay: 3600\n"))
    assert robots.delay == MAX_CRAWL_DELAY
    robots = Robots("u", "rules", 200, parse(b"User-agent: *\nRequest-rate: 1/2\n"))
    assert robots.delay == 2.0


def test_only_the_first_500_kib_are_read():
    padding = ("# " + "x" * 98 + "\n") * (MAX_BYTES // 100 + 10)
    assert allowed("User-agent: *\nDisallow: /early\n" + padding + "Disallow: /late\n", "/early", "/late") == [False, True]
    # a line cut at the limit is dropped rather than read as a shorter rule ("Disallow: /" from "/late")
    cut = "User-agent: *\n" + "#" * (MAX_BYTES - len("User-agent: *\n") - 11) + "\nDisallow: /late\n"
    assert allowed(cut, "/") == [True]


# ----------------------------------------------------------------------------------------------
# Against a loopback site: what was really requested


def shop_routes(robots_txt: str) -> dict:
    links = (
        '<a href="/contact.html">Contact us</a> <a href="/contact-form.html?x=1">Contact form</a> '
        '<a href="/about">About us</a> <a href="/faq">FAQ</a> <a href="/shop/shipping">Shipping</a> '
        '<a href="/shop/private/privacy">Privacy</a>'
    )
    return {
        "/robots.txt": (200, TEXT, robots_txt.encode()),
        "/": page(html_doc("Shop", f"<h1>Online pharmacy</h1><nav>{links}</nav>")),
        "/contact.html": page(html_doc("Contact", "<p>Write to us.</p>")),
        "/contact-form.html": page(html_doc("Contact form", "<p>Form.</p>")),
        "/about": redirect("/about.html"),
        "/about.html": page(html_doc("About", "<p>About us.</p>")),
        "/faq": page(html_doc("FAQ", "<p>Questions.</p>")),
        "/shop/shipping": page(html_doc("Shipping", "<p>Shipping.</p>")),
        "/shop/private/privacy": page(html_doc("Privacy", "<p>Privacy.</p>")),
    }


ISSUE_ROBOTS = (
    "User-agent: *\nDisallow: /\n\n"
    "User-agent: pharmcheck\nDisallow: /*.html$\nAllow: /shop/\nDisallow: /shop/private\n"
)


def test_a_crawl_never_requests_what_robots_txt_disallows(serve):
    server = serve(None, routes=shop_routes(ISSUE_ROBOTS))
    raw = crawl(server.url)
    assert raw.error is None, raw.error
    paths = server.paths()
    assert paths[0] == "/robots.txt" and paths.count("/robots.txt") == 1
    # disallowed by "/*.html$" (also as the target of /about's redirect) and by the longer Disallow
    for never in ("/contact.html", "/about.html", "/shop/private/privacy"):
        assert never not in paths, paths
    # allowed: a query after .html, the longer Allow, and the pages no rule names
    for asked in ("/", "/contact-form.html?x=1", "/about", "/faq", "/shop/shipping"):
        assert asked in paths, paths
    assert set(raw.robots["disallowed"]) >= {server.urljoin("/contact.html"), server.urljoin("/shop/private/privacy")}
    assert raw.robots["found"] is True and raw.robots["state"] == "rules"
    about = next(p for p in raw.pages if p.requested_url == server.urljoin("/about"))
    assert about.error_kind == "robots-disallowed" and "about.html" in about.error


def test_audit_record_says_what_robots_txt_left_unfetched(serve):
    server = serve(None, routes=shop_routes(ISSUE_ROBOTS))
    closed = serve(None, routes={**shop_routes(""), "/robots.txt": (200, TEXT, b"User-agent: pharmcheck\nDisallow: /$\n")})
    proc = run_audit("-", "--concurrency", "2", stdin=f"{server.url}\n{closed.url}\n")
    assert proc.returncode == 0, proc.stderr
    by_url = {r["requested_url"]: r for r in jsonl_records(proc.stdout)}
    record = by_url[server.url]
    robots = record["connection"]["robots"]
    assert robots["obeyed"] is True and server.urljoin("/contact.html") in robots["disallowed"]
    read = {p["url"] for p in record["pages"] if not p.get("error")}
    assert server.urljoin("/contact.html") not in read and server.urljoin("/faq") in read
    assert by_url[closed.url]["error"]["kind"] == "robots-disallowed"
    assert closed.paths() == ["/robots.txt"]  # "/$" disallows the start page and nothing else was asked


def test_robots_txt_unreachable_means_complete_disallow_and_missing_means_allow(serve):
    broken = serve(None, routes={**shop_routes(""), "/robots.txt": (500, TEXT, b"oops")})
    raw = crawl(broken.url, retries=0)
    assert raw.error_kind == "robots-unreachable"
    assert broken.paths() == ["/robots.txt"]
    missing = serve(None, routes={**shop_routes(""), "/robots.txt": (404, TEXT, b"no")})
    raw = crawl(missing.url)
    assert raw.error is None and raw.robots["state"] == "none"
    assert "/contact.html" in missing.paths() and "/shop/private/privacy" in missing.paths()


def test_crawl_delay_spaces_the_pages_of_a_site(serve):
    times: list[float] = []

    def timed(title: str):
        def handler(method, path, headers):
            times.append(time.monotonic())
            return 200, {"Content-Type": "text/html"}, html_doc(title, "<p>x</p>").encode()

        return handler

    links = '<a href="/contact">Contact us</a> <a href="/about">About us</a> <a href="/faq">FAQ</a>'
    server = serve(None, routes={
        "/robots.txt": (200, TEXT, b"User-agent: *\nCrawl-delay: 0.4\n"),
        "/": page(html_doc("Shop", f"<nav>{links}</nav>")),
        "/contact": timed("Contact"), "/about": timed("About"), "/faq": timed("FAQ"),
    })
    raw = crawl(server.url)
    assert raw.error is None and raw.robots["crawl_delay"] == 0.4
    assert len(times) == 3
    gaps = [b - a for a, b in zip(times, times[1:])]
    assert min(gaps) >= 0.38, gaps
