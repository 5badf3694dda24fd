"""Hostile sites, end to end: a rogue shop that wants to stall, crash, blind or steer the checker.

Each behaviour is a real loopback server (tests/servers.py) and a real `pharmcheck` process, as a user
or a script runs it. Every run must:

- end with a documented exit code (never 1, the internal error), within its time bound;
- print one JSON report that validates against `pharmcheck schema` (`audit`: one per line), with a
  sensible verdict or error kind for what the server did;
- keep its peak memory (its own and its workers', measured by wait4) under a bound;
- print no traceback, and only `pharmcheck: ...` lines on stderr;
- leave no process behind (every process of its session is gone soon after it exits).

The runs of all selected behaviours go at once (a few at a time): most of them wait on a server, and the
whole file stays well under a minute and a half. The text report is checked too: nothing from a page
(escape sequences, C1 controls, bidirectional overrides) reaches the terminal raw.
"""

from __future__ import annotations

import functools
import gzip
import json
import os
import re
import signal
import subprocess
import sys
import tempfile
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Callable

import jsonschema
import pytest

from pharmcheck.exitcodes import ExitStatus
from tests.servers import Drop, Hang, Raw, SilentListener, SiteServer, Stream, html_doc, page, redirect, sized_html

REPO = Path(__file__).resolve().parent.parent
MEMORY_LIMIT_MB = 400
STARTUP_SLACK = 7.0  # seconds past --timeout: the interpreter's start and the report, on a busy CI machine
PARALLEL = 4  # runs at once

DOCUMENTED_EXITS = {int(code) for code in ExitStatus} - {int(ExitStatus.INTERNAL_ERROR)}
JUDGED = {"likely-legitimate", "caution", "likely-rogue", "not-a-pharmacy"}
ANY_VERDICT = JUDGED | {"could-not-check"}
BROKEN_ANSWER = {"protocol", "reset", "network"}  # a server that breaks HTTP framing: could not check

ROGUE_BODY = (
    "<h1>Discount Online Pharmacy</h1>"
    "<p>Buy Viagra 100 mg online, no prescription needed! Cialis 20 mg x 30 pills $0.99 per pill.</p>"
    "<p>Add to cart. Worldwide shipping, discreet packaging, bonus pills with every order.</p>"
    '<p><a href="/contact">Contact</a> <a href="/about">About us</a></p>'
)
ROGUE = html_doc("Discount Meds - Buy Viagra Online", ROGUE_BODY)
HTML_TYPE = "text/html; charset=utf-8"
OK_HEAD = b"HTTP/1.1 200 OK\r\nContent-Type: text/html; charset=utf-8\r\nConnection: close\r\n"


# ----------------------------------------------------------------------------------------------
# The behaviours


@dataclass
class Env:
    """What a behaviour builds its servers with; every server ends with the run."""

    ca: Any
    tmp: Path
    servers: list[Any] = field(default_factory=list)
    marks: dict[str, Any] = field(default_factory=dict)  # servers a later check looks at (victims, ...)

    def serve(self, routes: dict[str, Any] | None = None, **options: Any) -> SiteServer:
        options.setdefault("ca", self.ca)
        server = SiteServer(None, routes=routes or {}, **options)
        self.servers.append(server)
        return server

    def silent(self) -> SilentListener:
        listener = SilentListener()
        self.servers.append(listener)
        return listener


Check = Callable[[dict, Env], None]  # a further check on a report


@dataclass
class Site:
    """One hostile site: how to build it, and what a sensible report of it says."""

    build: Callable[[Env], str]  # -> the URL to check
    verdicts: set[str] = field(default_factory=lambda: set(ANY_VERDICT))
    kinds: set[str | None] | None = None  # the report's error kind (None: no error); None here: any
    then: Check | None = None


@dataclass
class Case:
    id: str
    sites: list[Site]  # one for `check`; an audit checks them all, one line each
    timeout: float = 3.0  # --timeout
    mode: str = "json"  # json: check --json; text: check (the terminal report); audit: audit of a list
    extra: tuple[str, ...] = ()
    bound: float | None = None  # wall time allowed; default --timeout plus the start-up slack
    memory_mb: int = MEMORY_LIMIT_MB


CASES: list[Case] = []
FAILED_FETCH = {"verdicts": {"could-not-check"}}
QUICK = 6.0  # --timeout of a site that fails while fetching: no judging, nothing to wait for
JUDGE = 20.0  # --timeout of a site that is judged: a quarter of it (5 s) for parsing and the rules


def check(id: str, site: Site, *, timeout: float = JUDGE, mode: str = "json", extra: tuple[str, ...] = (), **options: Any) -> None:
    CASES.append(Case(id, [site], timeout=timeout, mode=mode, extra=extra, **options))


def fails(id: str, build: Callable[[Env], str], kinds: set[str], then: Check | None = None, timeout: float = QUICK) -> None:
    """A site that cannot be checked, for one of these reasons (error kinds)."""
    check(id, Site(build, {"could-not-check"}, set(kinds), then), timeout=timeout)


def judged(id: str, build: Callable[[Env], str], verdicts: set[str] | None = None, then: Check | None = None, timeout: float = JUDGE, **options: Any) -> None:
    """A site that is read and judged (or, if it is built to be slow, stopped with the reason)."""
    kinds = {None, "analysis-timeout", "empty-page"} if verdicts is None else {None}
    check(id, Site(build, set(verdicts or ANY_VERDICT), kinds, then), timeout=timeout, **options)


# One 5 MB page of 300,000 small tags is a bs4 tree of about 400 MB while it is read (pages are read one
# at a time: one such page peaks at 392 MB, 13 of them at about 460 MB): these two cases get that bound.
BIG_PAGE_MB = 520


def route(routes: dict[str, Any], path: str = "/", **options: Any) -> Callable[[Env], str]:
    """A site that is one server (plain HTTP unless ``tls``) with these routes, checked at ``path``."""

    def build(env: Env) -> str:
        return env.serve(routes, **options).urljoin(path)

    return build


def raw(*pieces: bytes, interval: float = 0.0) -> Callable[[str, str, dict], Raw]:
    return lambda method, path, headers: Raw(pieces=list(pieces), interval=interval)


def html_bytes(body: bytes, ctype: str = HTML_TYPE, **headers: str) -> Callable[[str, str, dict], tuple]:
    hdrs = {"Content-Type": ctype, **headers}
    return lambda method, path, req_headers: (200, hdrs, body)


def filled(inner: str | bytes, title: str = "Discount Meds") -> Callable[[str, str, dict], tuple]:
    """The rogue shop's page with ``inner`` added at the end of its body."""
    data = inner.encode() if isinstance(inner, str) else inner
    doc = html_doc(title, ROGUE_BODY).encode().replace(b"</body>", data + b"</body>", 1)
    return html_bytes(doc)


# -- reports


def truncated_start(report: dict, env: Env) -> None:
    assert report["pages"], "no page in the report"
    start = report["pages"][0]
    assert start["truncated"] is True and start["bytes"] <= 5_000_000, start


def rogue_read(report: dict, env: Env) -> None:
    """Not blinded: the rogue shop is still read as one."""
    assert report["verdict"]["code"] in ("likely-rogue", "caution"), (report["verdict"], report["error"])


def no_rule_failed(report: dict, env: Env) -> None:
    broken = [r["id"] for r in report["rules"] if r["status"] == "error"]
    assert not broken, f"rules failed inside pharmcheck: {broken}"


def bad_certificate(report: dict, env: Env) -> None:
    tls = report["connection"]["tls"]
    assert tls["checked"] is True and tls["valid"] is False, tls
    https = next(r for r in report["rules"] if r["id"] == "https")
    assert https["status"] == "fail", https


def victim_untouched(report: dict, env: Env) -> None:
    assert env.marks["victim"].requests == [], "a refused address was contacted"


def no_local_file(report: dict, env: Env) -> None:
    assert "root:" not in json.dumps(report)


# -- time: a server that answers slowly, never, or without end

fails("slow-headers", route({}, "/trap/trickle-headers"), {"timeout"})
fails("slow-body-trickle", route({}, "/trap/trickle-body"), {"timeout"})
fails("never-answers", route({"/": Hang()}), {"timeout"})
fails("closes-without-a-word", route({"/": Drop()}), BROKEN_ANSWER)
fails("endless-100-continue", route({"/": raw(*[b"HTTP/1.1 100 Continue\r\n\r\n"] * 100_000)}), {"timeout", "protocol", "reset"})
judged("endless-chunked-body", route({}, "/trap/endless"), then=truncated_start)
judged("50-mb-content-length", route({}, "/trap/huge"), then=truncated_start, timeout=10)

# -- bombs and encodings
judged("gzip-bomb", route({}, "/trap/gzip-bomb"), then=truncated_start)
judged("brotli-bomb", route({}, "/trap/br-bomb"), then=truncated_start)
judged("deflate-bomb", route({}, "/trap/deflate-bomb"), then=truncated_start)
fails("stacked-gzip", route({}, "/trap/stacked-encoding"), {"stacked-encoding"})
fails("unknown-content-encoding", route({"/": html_bytes(b"\x28\xb5\x2f\xfd" + b"x" * 100, **{"Content-Encoding": "zstd"})}), {"unsupported-encoding"})
fails("corrupt-gzip", route({"/": html_bytes(b"\x1f\x8b\x08\x00" + bytes(range(256)) * 8, **{"Content-Encoding": "gzip"})}), {"bad-encoding"})
judged("truncated-gzip", route({"/": html_bytes(gzip.compress(ROGUE.encode() * 50)[:900], **{"Content-Encoding": "gzip"})}))

# -- HTTP framing
_BODY = ROGUE.encode()
fails("content-length-longer-than-body", route({"/": raw(OK_HEAD + b"Content-Length: 100000\r\n\r\n" + _BODY)}), BROKEN_ANSWER)
judged("content-length-shorter-than-body", route({"/": raw(OK_HEAD + b"Content-Length: 40\r\n\r\n" + _BODY * 100)}))
fails("two-different-content-lengths", route({"/": raw(OK_HEAD + b"Content-Length: 10\r\nContent-Length: 5000\r\n\r\n" + _BODY)}), BROKEN_ANSWER)
check("content-length-and-chunked", Site(route({"/": raw(
    OK_HEAD + b"Content-Length: 7\r\nTransfer-Encoding: chunked\r\n\r\n%x\r\n%s\r\n0\r\n\r\n" % (len(_BODY), _BODY))})))
fails("chunk-size-not-hex", route({"/": raw(OK_HEAD + b"Transfer-Encoding: chunked\r\n\r\nzz\r\n" + _BODY + b"\r\n0\r\n\r\n")}), BROKEN_ANSWER)
fails("chunk-size-2-to-the-64", route({"/": raw(OK_HEAD + b"Transfer-Encoding: chunked\r\n\r\nffffffffffffffff\r\n" + _BODY)}), BROKEN_ANSWER | {"timeout"})
fails("chunked-without-last-chunk", route({"/": raw(OK_HEAD + b"Transfer-Encoding: chunked\r\n\r\n%x\r\n%s\r\n" % (len(_BODY), _BODY))}), BROKEN_ANSWER)
fails("10000-headers", route({"/": raw(OK_HEAD + b"".join(b"X-Flood-%d: %s\r\n" % (i, b"v" * 20) for i in range(10_000)) + b"\r\n" + _BODY)}), BROKEN_ANSWER)
fails("1-mb-header-line", route({"/": raw(OK_HEAD + b"X-Big: " + b"a" * 1_000_000 + b"\r\n\r\n" + _BODY)}), BROKEN_ANSWER)
fails("nul-in-a-header", route({"/": raw(b"HTTP/1.1 200 OK\r\nContent-Type: text/html; charset=utf-8\x00\r\nConnection: close\r\n\r\n" + _BODY)}), BROKEN_ANSWER)
fails("http-0.9-answer", route({"/": raw(_BODY)}), BROKEN_ANSWER)
fails("garbage-instead-of-status-line", route({"/": raw(bytes(range(256)) * 64)}), BROKEN_ANSWER)
fails("status-999", route({"/": raw(b"HTTP/1.1 999 Whatever\r\nContent-Type: text/html\r\nConnection: close\r\n\r\n" + _BODY)}), {"http-status"} | BROKEN_ANSWER)
judged("garbage-body-as-html", route({}, "/trap/garbage"))


# -- TLS


def _silent(env: Env) -> str:
    return env.silent().url


def _https_to_plain(env: Env) -> str:
    return env.serve({"/": page(ROGUE)}).url.replace("http://", "https://")


fails("tls-handshake-stall", _silent, {"timeout", "tls-handshake"})
fails("https-to-a-plain-http-port", _https_to_plain, {"tls-handshake", "reset", "connect", "network"})
for _mode in ("expired", "wrong-host", "self-signed"):
    judged(f"certificate-{_mode}", route({"/": page(ROGUE)}, tls=_mode), {"likely-rogue", "caution"}, then=bad_certificate)


# -- redirects


def _redirect_to_victim(env: Env) -> str:
    victim = env.marks["victim"] = env.serve({"/*": page(html_doc("Admin", "<p>internal admin panel</p>"))}, host="127.0.0.3")
    return env.serve({"/": redirect(f"http://127.0.0.3:{victim.port}/admin")}, host="127.0.0.2").url


def _base_href_to_victim(env: Env) -> str:
    victim = env.marks["victim"] = env.serve({"/*": page(html_doc("Admin", "<p>internal admin panel</p>"))}, host="127.0.0.3")
    base = f'<base href="http://127.0.0.3:{victim.port}/">'
    return env.serve({"/": page(html_doc("Shop", base + ROGUE_BODY))}, host="127.0.0.2").url


fails("redirect-loop", route({}, "/trap/redirect-loop"), {"redirect-loop"})
fails("11-redirects", route({}, "/trap/redirect-chain/11"), {"too-many-redirects"})
fails("redirect-to-file", route({"/": redirect("file:///etc/passwd")}), {"invalid-redirect"}, then=no_local_file)
fails("redirect-to-data", route({"/": redirect("data:text/html,<h1>Trusted pharmacy</h1>")}), {"invalid-redirect"})
fails("redirect-to-another-loopback-address", _redirect_to_victim, {"refused-address"}, then=victim_untouched)
judged("base-href-to-another-loopback-address", _base_href_to_victim, {"likely-rogue", "caution"}, then=victim_untouched)
judged("location-with-encoded-crlf", route({"/": redirect("/next%0d%0aSet-Cookie:%20pwned=1%0d%0a"), "/next*": page(ROGUE)}))
check("location-with-a-bare-cr", Site(route({
    "/": raw(b"HTTP/1.1 302 Found\r\nLocation: /next\rX-Injected: 1\r\nContent-Length: 0\r\nConnection: close\r\n\r\n"),
    "/next*": page(ROGUE)})))
judged("302-without-location", route({"/": lambda m, p, h: (302, {"Content-Type": HTML_TYPE}, ROGUE.encode())}))


# -- size and shape of the pages

FIVE_MB = 5_000_000
SUBPAGES = ["contact", "about", "pharmacist", "faq", "shipping", "returns", "privacy", "terms", "delivery",
            "products/viagra-100mg", "products/cialis-20mg", "products/levitra-20mg"]
MENU = "".join(f'<a href="/{p}">{p.split("/")[-1].replace("-", " ").title()}</a> ' for p in SUBPAGES).encode()


@functools.cache
def big_page() -> bytes:
    """A rogue catalogue of 5 MB with a menu of 12 pages: honest, varied work for the parser and every rule."""
    rows, total, i = [], 0, 0
    while total < FIVE_MB:
        row = f"<tr><td>Viagra {i % 200} mg</td><td>{i % 90} pills</td><td>${i % 97}.99</td><td><button>Add to cart</button></td></tr>"
        rows.append(row)
        total += len(row)
        i += 1
    return html_doc("Discount Meds", ROGUE_BODY).encode().replace(b"</body>", MENU + b"<table>" + "".join(rows).encode() + b"</table></body>", 1)


def _thirteen(env: Env) -> str:
    return env.serve({"/": html_bytes(big_page()), **{f"/{p}": html_bytes(big_page()) for p in SUBPAGES}}).url


def _self_links(env: Env) -> str:
    links = "".join(f'<a href="/?contact={i}">Contact us</a><a href="/products/viagra?v={i}">Viagra 100 mg</a>' for i in range(10_000))
    env.marks["shop"] = env.serve({"/*": filled(links)})
    return env.marks["shop"].url


def few_requests(report: dict, env: Env) -> None:
    assert len(env.marks["shop"].requests) <= 20, len(env.marks["shop"].requests)


judged("13-pages-of-5-mb", _thirteen, timeout=8, memory_mb=BIG_PAGE_MB)

def _hanging_subpages(env: Env) -> str:
    return env.serve({"/": html_bytes(html_doc("Discount Meds", ROGUE_BODY + MENU.decode()).encode()), **{f"/{p}": Hang() for p in SUBPAGES}}).url


def budget_said(report: dict, env: Env) -> None:
    assert any("time budget" in note for note in report["notes"]), report["notes"]


judged("12-subpages-that-never-answer", _hanging_subpages, {"likely-rogue", "caution"}, then=budget_said, timeout=12)
judged("every-path-the-same-5-mb-page", route({"/*": html_bytes(big_page())}), timeout=8, memory_mb=BIG_PAGE_MB)
judged("10000-self-links-with-query-variants", _self_links, then=few_requests, timeout=10)

SHAPES = {
    "100000-links": "".join(f'<a href="/p/{i}">Product {i}</a>' for i in range(100_000)),
    "100000-nested-divs": "<div>" * 100_000 + "deep" + "</div>" * 100_000,
    "1-mb-of-digits": "<p>" + "7" * 1_000_000 + "</p>",
    "1-mb-single-word": "<p>" + "pharmacy" * 125_000 + "</p>",
    "1-mb-attribute-values": "".join(f'<a href="/x" title="{"t" * 100_000}" data-x="{"y" * 100_000}">Contact</a>' for _ in range(5)),
    "5000-meta-refresh-and-charset": "".join(f'<meta http-equiv="refresh" content="0;url=/r{i}"><meta charset="cp037">' for i in range(5000)),
    "nul-bytes-in-html": ROGUE_BODY.replace(" ", "\x00 ") * 20,
}
for _name, _inner in SHAPES.items():
    judged(_name, route({"/": filled(_inner)}), timeout=10 if _name == "100000-links" else JUDGE)
judged("mailto-and-bracket-links", route({"/": filled(
    '<a href="mailto://[x">Email our pharmacist</a> <a href="https://]">Contact</a> '
    '<a href="http://[::1">About</a> <a href="https://%5B::1%5D/">FAQ</a> <a href="//[">Help</a>')}),
    {"likely-rogue", "caution"}, then=no_rule_failed)


# -- what the page says it is written in


def _declaring(label: str, where: str = "meta") -> Callable[[Env], str]:
    if where == "meta":
        doc = ROGUE.replace('<meta charset="utf-8">', f'<meta charset="{label}">').encode()
        return route({"/": html_bytes(doc, ctype="text/html")})
    doc = ROGUE.replace('<meta charset="utf-8">', "").encode()
    return route({"/": html_bytes(doc, ctype=f"text/html; charset={label}")})


for _label in ("cp037", "utf-7", "punycode"):
    judged(f"meta-charset-{_label}", _declaring(_label), then=rogue_read)
judged("header-charset-punycode", _declaring("punycode", "header"), then=rogue_read)
judged("invalid-utf-8", route({"/": html_bytes(ROGUE.encode().replace(b" online", b" \xff\xfe\xc3(\xed\xa0\x80online"))}), then=rogue_read)
judged("utf-16-without-bom", route({"/": html_bytes(ROGUE.replace('<meta charset="utf-8">', "").encode("utf-16-le"), ctype="text/html")}))


# -- the terminal: nothing from a page reaches it raw

ESCAPES = "\x1b[2J\x1b[1;1H\x1b]0;pwned\x07\x1b]8;;http://evil.example\x1b\\LIKELY LEGITIMATE\x1b]8;;\x1b\\\x9b31m\x90q\x9c"
BIDI = "\u202e\u2066\u200f\u061c"
TERMINAL_PAGE = html_doc(
    f"Discount Meds {ESCAPES}{BIDI}",
    f"<h1>Online pharmacy {ESCAPES}</h1><p>Buy Viagra 100 mg online {BIDI}, no prescription needed! "
    f"{ESCAPES} Cialis 20 mg x 30 pills $0.99 per pill.</p><p>Add to cart. Bonus pills with every order.</p>"
    f'<p><a href="/contact">Contact {ESCAPES}</a></p><address>1 Main St {ESCAPES}, Springfield</address>'
    f"<p>Call +1 555 0100 {BIDI} or email help@shop.example</p>",
)
check("terminal-escapes-in-text-and-title", Site(route({"/*": page(TERMINAL_PAGE)})), mode="text")
check("terminal-escapes-in-text-and-title-verbose", Site(route({"/*": page(TERMINAL_PAGE)})), mode="text", extra=("-v",))
check("terminal-escapes-in-a-redirect-and-an-error", Site(route({
    "/": redirect(f"/{ESCAPES}"), "/*": lambda m, p, h: (404, {"Content-Type": HTML_TYPE}, TERMINAL_PAGE.encode())})), mode="text", timeout=QUICK)


# -- audits: one list of hostile sites, one record each; robots.txt is read (and obeyed) by default

SHOP_OK = html_doc("Shop", "<h1>Pharmacy</h1><p>Buy Viagra 100 mg x 10 pills $19.99. No prescription needed.</p>")
ROGUE_SITE = {"verdicts": {"likely-rogue", "caution"}, "kinds": {None}}


def audit(id: str, sites: list[Site], *, timeout: float = 5.0, bound: float = 30.0, extra: tuple[str, ...] = ()) -> None:
    CASES.append(Case(id, sites, timeout=timeout, mode="audit", extra=("--workers", "1", *extra), bound=bound))


def _robots(answer: Any) -> Callable[[Env], str]:
    return route({"/robots.txt": answer, "/": page(SHOP_OK)})


def _robots_bomb(method: str, path: str, headers: dict) -> tuple:
    from tests.servers import gzip_bomb

    return 200, {"Content-Type": "text/plain", "Content-Encoding": "gzip"}, gzip_bomb()


audit("audit-hostile-robots-txt", [
    Site(_robots(lambda m, p, h: Stream(200, {"Content-Type": "text/plain"}, sized_html(50_000_000), length=50_000_000))),
    Site(_robots(lambda m, p, h: Stream(200, {"Content-Type": "text/plain"}, [b"User-agent: *\n"] * 200, interval=0.2, chunked=True))),
    Site(_robots(Hang())),
    Site(_robots(redirect("/robots.txt"))),
    Site(_robots(_robots_bomb)),
    Site(_robots(lambda m, p, h: (200, {"Content-Type": "text/plain"}, b"User-agent: *\nDisallow: /" + b"*" * 1_000_000 + b"x$\n" + b"Allow: /a\n" * 100_000))),
    Site(_robots(raw(b"garbage\r\n\r\n" * 1000))),
    Site(_robots(raw(b"HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\nConnection: close\r\n\r\nUser-agent: *\nDisallow:\n" + bytes(range(256)) * 1000))),
    Site(route({"/": page(SHOP_OK)}), {"likely-rogue"}, {None}),
])

_PUNY = ROGUE.replace('<meta charset="utf-8">', '<meta charset="punycode">').encode()
audit("audit-sites-too-big-to-judge", [
    Site(route({"/*": html_bytes(big_page())})),
    Site(route({"/": filled("<p>" + "7" * 1_000_000 + "</p>")})),
    Site(route({"/": filled(SHAPES["100000-nested-divs"])})),
    Site(route({"/": filled('<a href="mailto://[x">Email our pharmacist</a> <a href="https://]">Contact</a>')}), then=no_rule_failed, **ROGUE_SITE),
    Site(route({"/": html_bytes(_PUNY, ctype="text/html; charset=punycode")}), **ROGUE_SITE),
    Site(route({"/": page(SHOP_OK)}), {"likely-rogue"}, {None}),
], extra=("--ignore-robots",), bound=40.0)

audit("audit-charset-labels", [
    Site(_declaring(label, where), then=rogue_read)
    for label in ("rot13", "idna", "utf-16", "utf-32", "x-user-defined", "iso-2022-kr", "replacement", "undefined", "bogus", "base64", "unicode_escape")
    for where in ("meta", "header")
] + [Site(_declaring(label, "header"), then=rogue_read) for label in ("cp037", "utf-7", "cp500", "utf_32_be")], extra=("--ignore-robots",))

audit("audit-more-shapes", [
    Site(route({"/": filled(inner)}), then=no_rule_failed)
    for inner in (
        "<b><i><span>" * 33_000,
        "<p>" + "1.2," * 250_000 + "</p>",
        "<p>" + "$9.99 x 10 pills " * 60_000 + "</p>",
        "&#x1b;[2J&amp;&#0;&#xd800;&#x110000;&lt;" * 20_000,
        "<table><tr><td><form><select>" * 5000 + "<option>Viagra 100 mg $1</option>" * 5000,
        '<script type="application/ld+json">' + "[" * 50_000 + "]" * 50_000 + "</script>"
        '<script type="application/ld+json">' + '{"@type":"Product","offers":' * 2000 + "1" + "}" * 2000 + "</script>",
        '<a href="tel:' + "9" * 100_000 + '">Call</a><a href="mailto:' + "a" * 100_000 + '@x.example">Mail</a>',
        "<p>" + "\u0301" * 200_000 + "</p><p>" + "\ufeff\u200b" * 100_000 + "</p>",
        '<form action="javascript:alert(1)"><input type="password"></form>' * 2000,
        "<p>" + "+1 (555) 010-0100 " * 30_000 + "</p>",
        "<address>" + "1 Main Street, Springfield, IL 62701, USA " * 20_000 + "</address>",
        "<img src=x alt='" + "Viagra 100mg " * 50_000 + "'>",
    )
], extra=("--ignore-robots",))

audit("audit-more-redirects-and-framing", [
    Site(route({}, "/trap/stacked-encoding/50"), **FAILED_FETCH, kinds={"stacked-encoding"}),
    Site(route({}, "/trap/redirect-chain/10000"), **FAILED_FETCH, kinds={"too-many-redirects"}),
    Site(route({"/": redirect("ftp://127.0.0.1/pub/")}), **FAILED_FETCH, kinds={"invalid-redirect"}),
    Site(route({"/": redirect("javascript:alert(document.cookie)")}), **FAILED_FETCH, kinds={"invalid-redirect"}),
    Site(route({"/": redirect("http://[x/")}), **FAILED_FETCH, kinds={"invalid-redirect"}),
    Site(route({"/": redirect("")}), **FAILED_FETCH, kinds={"redirect-loop", "invalid-redirect"}),
    Site(route({"/": redirect("   ")}), **FAILED_FETCH, kinds={"redirect-loop", "invalid-redirect"}),
    Site(route({"/": redirect("http://" + "a" * 70_000 + ".example/")}), **FAILED_FETCH),
    Site(route({"/": page(ROGUE)}, tls="untrusted"), then=bad_certificate, **ROGUE_SITE),
    Site(route({"/": raw(b"HTTP/1.1 200 OK\r\n" + b"Set-Cookie: a=" + b"b" * 4000 + b"\r\n" * 1 + b"Content-Length: 5\r\n\r\nhello")}), **FAILED_FETCH),
    Site(route({"/": raw(b"HTTP/1.1 200 OK\r\nContent-Type: text/html\r\nTransfer-Encoding: gzip, chunked\r\n\r\n0\r\n\r\n")})),
    Site(route({"/": raw(b"HTTP/1.1 200 OK\r\nContent-Type: text/html\r\nContent-Length: -5\r\n\r\nhello")}), **FAILED_FETCH),
    Site(route({"/": raw(b"HTTP/1.1 200 OK\r\nContent-Type: text/html\r\nContent-Length: 99999999999999999999999\r\n\r\nhello")}), **FAILED_FETCH),
    Site(route({"/": raw(OK_HEAD + b"\r\n", _BODY, interval=0.05)})),
], timeout=10.0, extra=("--ignore-robots", "--retries", "0"))

audit("audit-retry-traps", [
    Site(route({"/": lambda m, p, h: (503, {"Retry-After": "1000000000", "Content-Type": HTML_TYPE}, b"busy")}), **FAILED_FETCH, kinds={"http-status", "timeout"}),
    Site(route({"/": lambda m, p, h: (429, {"Retry-After": "Fri, 31 Dec 9999 23:59:59 GMT", "Content-Type": HTML_TYPE}, b"slow down")}), **FAILED_FETCH, kinds={"http-status", "timeout"}),
    Site(route({"/": lambda m, p, h: (503, {"Retry-After": "0", "Content-Type": HTML_TYPE}, b"busy")}), **FAILED_FETCH, kinds={"http-status", "timeout"}),
    Site(route({"/": lambda m, p, h: (503, {"Retry-After": "-5", "Content-Type": HTML_TYPE}, b"busy")}), **FAILED_FETCH, kinds={"http-status", "timeout"}),
    Site(route({"/": lambda m, p, h: (503, {"Retry-After": "9" * 5000, "Content-Type": HTML_TYPE}, b"busy")}), **FAILED_FETCH, kinds={"http-status", "timeout"}),
    Site(route({"/": Drop()}), **FAILED_FETCH, kinds=BROKEN_ANSWER | {"timeout"}),
    Site(route({"/": page(SHOP_OK)}), {"likely-rogue"}, {None}),
], extra=("--ignore-robots", "--retries", "10"), bound=20.0)


# -- a crawl (WARC) as the list: one record the crawl's author wrote must not lose the other sites

WARC_SHOPS = ["https://shop-one.example/", "https://shop-two.example/", "https://shop-three.example/"]
WARC_HOSTILE_URIS = ["https://]/", "https://[::1/", "http://shop.example:99999/"]


def hostile_crawl(path: Path) -> Path:
    """A WARC whose response records alternate an address no URL parser accepts and a rogue shop."""
    import io

    from warcio.statusandheaders import StatusAndHeaders
    from warcio.warcwriter import WARCWriter

    body = ROGUE.encode()
    with open(path, "wb") as fh:
        writer = WARCWriter(fh, gzip=False)
        for bad, good in zip(WARC_HOSTILE_URIS, WARC_SHOPS):
            for uri in (bad, good):
                headers = StatusAndHeaders("200 OK", [("Content-Type", HTML_TYPE)], protocol="HTTP/1.1")
                writer.write_record(writer.create_warc_record(uri, "response", payload=io.BytesIO(body), length=len(body), http_headers=headers))
    return path


def test_a_hostile_record_in_a_crawl_loses_no_site(tmp_path: Path) -> None:
    c = Case("audit-hostile-warc-records", [], timeout=5.0, mode="audit", bound=30.0)
    run = Run(c, Env(ca=None, tmp=tmp_path))
    run.args = [sys.executable, "-m", "pharmcheck", "audit", str(hostile_crawl(tmp_path / "crawl.warc")), "-q", "--workers", "0"]
    _execute(run)
    assert run.returncode == 0 and "Traceback" not in run.stderr, run.stderr
    assert run.wall < c.bound and run.peak_mb < MEMORY_LIMIT_MB and not run.leftovers
    records = [json.loads(line) for line in run.stdout.splitlines() if line.strip()]
    for record in records:
        jsonschema.validate(record, report_schema())
    judged = {r["requested"] for r in records if r["verdict"]["code"] in ("likely-rogue", "caution")}
    assert judged >= set(WARC_SHOPS), f"sites of the crawl without a record: {sorted(set(WARC_SHOPS) - judged)}"


def test_a_fetch_error_is_never_replaced_by_an_analysis_timeout() -> None:
    code = (
        "from pharmcheck.engine import analyze_within\n"
        "from pharmcheck.site import RawSite\n"
        "raw = RawSite(requested='https://shop.example/', start_url='https://shop.example/', error='shop.example: timed out', error_kind='timeout')\n"
        "print(analyze_within(raw, 0.01)['error']['kind'])\n"  # the first report of a process: its modules load now
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=60, cwd=REPO, check=True).stdout
    assert out.strip() == "timeout"


def test_the_analysis_timer_is_never_lost_in_a_callback() -> None:
    code = (
        "import time, weakref\n"
        "from pharmcheck.deadline import AnalysisTimeout, time_limit\n"
        "class O: pass\n"
        "d = weakref.WeakValueDictionary()\n"
        "lost = 0\n"
        "for trial in range(200):\n"
        "    start = time.monotonic()\n"
        "    try:\n"
        "        with time_limit(0.002):\n"
        "            while time.monotonic() - start < 0.5:  # long past any repeat of the alarm\n"
        "                for i in range(100):\n"
        "                    d[i] = O()  # the value replaced dies: its weakref callback runs\n"
        "        lost += 1\n"
        "    except AnalysisTimeout:\n"
        "        pass\n"
        "print(lost)\n"
    )
    proc = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120, cwd=REPO, check=True)
    assert "Traceback" not in proc.stderr, proc.stderr[-400:]
    assert proc.stdout.strip() == "0", f"{proc.stdout.strip()} of 200 time limits never fired"


# ----------------------------------------------------------------------------------------------
# Running


@dataclass
class Run:
    case: Case
    env: Env
    args: list[str] = field(default_factory=list)
    returncode: int | None = None
    stdout: str = ""
    stderr: str = ""
    wall: float = 0.0
    peak_mb: float = 0.0
    cpu: float = 0.0  # seconds of CPU, its workers' included
    leftovers: list[str] = field(default_factory=list)
    killed: bool = False
    problem: str | None = None  # the harness could not build or run the behaviour


def _environment() -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if "proxy" not in k.lower()}
    for name in ("FORCE_COLOR", "PY_COLORS", "TTY_COMPATIBLE", "CLICOLOR_FORCE"):
        env.pop(name, None)
    env["COLUMNS"] = "100"
    return env


def _session_members(sid: int) -> list[str]:
    """Live processes of session ``sid`` (the run's own): none may outlive the run."""
    found = []
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        try:
            with open(f"/proc/{entry}/stat") as fh:
                stat = fh.read()
        except OSError:
            continue
        name, rest = stat.split(" (", 1)[-1].rsplit(") ", 1)
        fields = rest.split()
        if len(fields) > 3 and int(fields[3]) == sid and fields[0] not in ("Z", "X"):
            found.append(f"{entry} ({name})")
    return found


def _bound(c: Case) -> float:
    return c.bound if c.bound is not None else c.timeout + STARTUP_SLACK


# The run's peak memory is measured by a small launcher, not by this process's wait4: a child forked from
# pytest starts its count at pytest's own size (the kernel keeps the larger of the two across exec).
LAUNCHER = """
import os, subprocess, sys
proc = subprocess.Popen(sys.argv[2:])
_, status, usage = os.wait4(proc.pid, 0)
with open(sys.argv[1], "w") as fh:
    fh.write(f"{os.waitstatus_to_exitcode(status)} {usage.ru_maxrss} {usage.ru_utime + usage.ru_stime}")
"""


def _execute(run: Run) -> None:
    with tempfile.TemporaryFile() as out, tempfile.TemporaryFile() as err, tempfile.TemporaryDirectory() as scratch:
        measured = Path(scratch) / "usage"
        started = time.monotonic()
        proc = subprocess.Popen([sys.executable, "-I", "-S", "-c", LAUNCHER, str(measured), *run.args], stdout=out, stderr=err,
                                stdin=subprocess.DEVNULL, cwd=REPO, env=_environment(), start_new_session=True)

        def kill() -> None:  # far past its bound: end the run (its whole session) so that the file ends
            run.killed = True
            try:
                os.killpg(proc.pid, signal.SIGKILL)
            except OSError:
                pass

        timer = threading.Timer(_bound(run.case) + 30, kill)
        timer.start()
        try:
            proc.wait()
        finally:
            timer.cancel()
        run.wall = time.monotonic() - started
        if measured.exists():
            code, rss, cpu = measured.read_text().split()
            run.returncode, run.peak_mb, run.cpu = int(code), int(rss) / 1024, float(cpu)  # ru_maxrss: kilobytes
        else:
            run.killed = True
        deadline = time.monotonic() + 3
        while (left := _session_members(proc.pid)) and time.monotonic() < deadline:
            time.sleep(0.1)
        run.leftovers = left
        if left:
            try:
                os.killpg(proc.pid, signal.SIGKILL)
            except OSError:
                pass
        out.seek(0)
        err.seek(0)
        run.stdout = out.read().decode("utf-8", "surrogateescape")
        run.stderr = err.read().decode("utf-8", "surrogateescape")


def _one(c: Case, ca: Any, ca_bundle: Path, tmp: Path) -> Run:
    env = Env(ca=ca, tmp=tmp / c.id)
    env.tmp.mkdir(parents=True, exist_ok=True)
    run = Run(c, env)
    common = ["--timeout", str(c.timeout), "--ca-bundle", str(ca_bundle)]
    try:
        if c.mode == "audit":
            listing = env.tmp / "sites.txt"
            envs = [Env(ca=ca, tmp=env.tmp, servers=env.servers) for _ in c.sites]
            listing.write_text("".join(site.build(e) + "\n" for site, e in zip(c.sites, envs)))
            env.marks["envs"] = envs
            run.args = [sys.executable, "-m", "pharmcheck", "audit", str(listing), "-q", "--allow-private", *common, *c.extra]
        else:
            fmt = ["--json"] if c.mode == "json" else []
            run.args = [sys.executable, "-m", "pharmcheck", "check", c.sites[0].build(env), *fmt, *common, *c.extra]
        _execute(run)
    except Exception as exc:  # the harness's own failure: reported by the behaviour's test
        run.problem = f"{type(exc).__name__}: {exc}"
    finally:
        for server in env.servers:
            try:
                server.stop()
            except Exception as exc:
                run.problem = run.problem or f"a server did not stop: {exc}"
    return run


@pytest.fixture(scope="module")
def runs(request: pytest.FixtureRequest, ca: Any, ca_bundle: Path, tmp_path_factory: pytest.TempPathFactory) -> dict[str, Run]:
    """Every selected behaviour, run once, a few at a time; the slowest first, so that the rest overlap them."""
    wanted = {item.callspec.params["hostile"] for item in request.session.items
              if getattr(item, "callspec", None) is not None and "hostile" in item.callspec.params}
    chosen = sorted((c for c in CASES if c.id in wanted), key=lambda c: (c.mode != "audit", -_bound(c)))
    tmp = tmp_path_factory.mktemp("hostile")
    with ThreadPoolExecutor(PARALLEL) as pool:
        futures = {c.id: pool.submit(_one, c, ca, ca_bundle, tmp) for c in chosen}
        done = {name: f.result() for name, f in futures.items()}
    if os.environ.get("PHARMCHECK_HOSTILE_LOG"):  # a table of what each run cost, for tuning this file
        with open(os.environ["PHARMCHECK_HOSTILE_LOG"], "w") as fh:
            for name, run in sorted(done.items(), key=lambda kv: -kv[1].cpu):
                fh.write(f"{name:50} exit {run.returncode!s:>4} {run.wall:6.1f} s {run.cpu:6.1f} s CPU {run.peak_mb:5.0f} MB\n")
    return done


@functools.cache
def report_schema() -> dict:
    proc = subprocess.run([sys.executable, "-m", "pharmcheck", "schema"], capture_output=True, text=True, timeout=60, cwd=REPO, check=True)
    return json.loads(proc.stdout)


EXIT_OF = {"likely-legitimate": 0, "caution": 3, "likely-rogue": 4, "not-a-pharmacy": 5, "could-not-check": 6}
# C0 controls but tab and newline, DEL, C1 controls, bidirectional embeddings, overrides and isolates
_RAW_CONTROL = re.compile("[\x00-\x08\x0b-\x1f\x7f\x80-\x9f\u202a-\u202e\u2066-\u2069]")
# the bidirectional marks (LRM, RLM, ALM): they reorder what stands around them, as the overrides do
_BIDI_MARKS = re.compile("[\u061c\u200e\u200f]")


def _check_report(report: dict, site: Site, env: Env) -> None:
    jsonschema.validate(report, report_schema())
    code = report["verdict"]["code"]
    kind = report["error"]["kind"] if report["error"] else None
    assert code in site.verdicts, f"verdict {code} (error {report['error']}), expected one of {sorted(site.verdicts)}"
    if site.kinds is not None:
        assert kind in site.kinds, f"error kind {kind!r} ({report['error']}), expected one of {site.kinds}"
    if report["error"]:
        assert "\n" not in report["error"]["message"]
    if any(r["status"] == "error" for r in report["rules"]):
        assert code != "likely-legitimate", "a failed rule let the site pass"
    if site.then is not None:
        site.then(report, env)


@pytest.mark.parametrize("hostile", [c.id for c in CASES])
def test_hostile_behaviour(hostile: str, runs: dict[str, Run]) -> None:
    run = runs[hostile]
    c = run.case
    assert run.problem is None, run.problem
    info = f"{hostile}: exit {run.returncode}, {run.wall:.1f} s, {run.peak_mb:.0f} MB; stderr: {run.stderr[-800:]!r}"
    assert not run.killed, f"had to be killed: {info}"
    assert run.returncode in DOCUMENTED_EXITS, info
    assert "Traceback" not in run.stderr and "Traceback" not in run.stdout, info
    assert all(line.startswith("pharmcheck: ") for line in run.stderr.splitlines() if line.strip()), info
    assert run.wall <= _bound(c), f"too slow: {info}"
    assert run.peak_mb <= c.memory_mb, f"too much memory: {info}"
    assert not run.leftovers, f"processes outlived the run: {run.leftovers}"
    if c.mode == "json":
        report = json.loads(run.stdout)  # stdout is one JSON report and nothing else
        _check_report(report, c.sites[0], run.env)
        assert run.returncode == EXIT_OF[report["verdict"]["code"]], info
    elif c.mode == "audit":
        assert run.returncode == 0, info
        records = [json.loads(line) for line in run.stdout.splitlines() if line.strip()]
        assert sorted(r["audit"]["line"] for r in records) == list(range(1, len(c.sites) + 1)), "one record per line"
        failures = []
        for record in records:
            line = record["audit"]["line"]
            try:
                _check_report(record, c.sites[line - 1], run.env.marks["envs"][line - 1])
            except AssertionError as exc:
                failures.append(f"line {line} ({record['requested'][:60]}): {exc}")
        assert not failures, "\n".join(failures)
    else:
        assert run.stdout.strip(), info
        bad = sorted({f"U+{ord(ch):04X}" for ch in _RAW_CONTROL.findall(run.stdout)})
        assert not bad, f"raw control characters from the page reached the terminal: {bad}"


@pytest.mark.parametrize("hostile", [c.id for c in CASES if c.mode == "text" and "title" in c.id])
def test_no_bidirectional_mark_reaches_the_terminal(hostile: str, runs: dict[str, Run]) -> None:
    run = runs[hostile]
    assert run.problem is None and run.stdout.strip(), run.problem
    bad = sorted({f"U+{ord(ch):04X}" for ch in _BIDI_MARKS.findall(run.stdout)})
    assert not bad, f"bidirectional marks from the page reached the terminal: {bad}"
