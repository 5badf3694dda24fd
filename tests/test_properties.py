"""Property-based tests (hypothesis): nothing a page, a link or a list line holds may crash pharmcheck.

Generated inputs go through the parsing and extraction helpers (decoding, URLs, the page reader, prices,
offers, the medicine matcher, the lexicon, addresses and phones, the fetcher's link choice, the address
guard, the audit's site keys, the text report) and through the whole engine: RawSites of generated HTML
(tables, forms, scripts, meta charsets, drug names, prices, digits, unicode, control characters and bidi
overrides, malformed links such as ``mailto://[x`` and ``https://]``, huge numbers). Properties: nothing
raises; a report validates against the published JSON schema; its verdict is a known one; a failed rule
never leaves the site better than "caution"; no control character (C0 but newline and tab, DEL, C1, so
no escape sequence) reaches the text report.

Profiles (environment variable ``PHARMCHECK_HYPOTHESIS``):

* ``ci`` (the default): a fixed number of examples per test, ``derandomize=True`` so that every run,
  in CI too, tries the same inputs; the whole file runs in well under a minute. No example database.
* ``fuzz``: random examples, many more of them (``PHARMCHECK_FUZZ_EXAMPLES``, 2,000 per test by
  default), for a longer local hunt: ``PHARMCHECK_HYPOTHESIS=fuzz python -m pytest tests/test_properties.py``.

Every crash found is fixed and its input kept here as an ``@example``.
"""

from __future__ import annotations

import os
import re
from typing import Any

import jsonschema
import pytest
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

from pharmcheck.site import RawPage, RawSite, parse_site

_PROFILE = os.environ.get("PHARMCHECK_HYPOTHESIS", "ci")
_FUZZ_EXAMPLES = int(os.environ.get("PHARMCHECK_FUZZ_EXAMPLES", "2000"))
_HEALTH = [HealthCheck.too_slow, HealthCheck.data_too_large, HealthCheck.filter_too_much]


def profile(examples: int) -> settings:
    """``examples`` in CI (derandomized, no deadline); many random ones when fuzzing."""
    if _PROFILE == "fuzz":
        return settings(max_examples=_FUZZ_EXAMPLES, deadline=None, derandomize=False, database=None,
                        suppress_health_check=_HEALTH)
    return settings(max_examples=examples, deadline=None, derandomize=True, database=None, suppress_health_check=_HEALTH)


# ----------------------------------------------------------------------------------------------
# What pages are made of

DRUGS = ("Viagra", "viagra", "Cialis", "sildenafil", "Xanax", "oxycodone", "Tramadol", "Ozempic", "Lipitor",
         "atorvastatin", "Viagra Soft", "Levitra Professional", "Ambien", "Adderall", "amoxicillin")
PRICES = ("$19.99", "€ 29,99", "£5", "1,299.00", "US$ 12.50", "12.50 USD", "$0.00", "$99999999999999999999",
          "1e308", "$1.", "29,99 €", "x 30 pills", "100 mg", "0.5mg", "10 pills $3.20/pill", "₹ 499", "CAD 45",
          "$" + "9" * 400, "1," * 60, "$1,1,1,1,1,1,1,1,1,1", "-$5", "$ NaN", "$inf", "30 x 20mg")
PHRASES = ("no prescription needed", "Kein Rezept erforderlich", "sans ordonnance", "Buy now", "Add to cart",
           "Ask our pharmacist", "Contact us", "licensed pharmacy", "GPhC 1234567", "We ship worldwide",
           "We do not ship outside the United States", "Prescription required", "Board of Pharmacy",
           "12 Main St, Springfield, IL 62701", "Calle Mayor 5, 28013 Madrid", "+1 (212) 555-0100",
           "1-800-PHARMACY", "Tel: 020 7946 0958", "info@pharmacy.example", "a@b", "Singapore 238801",
           "Per pill", "was $99 now $19", "Bitcoin accepted", "FDA approved", "Better than Viagra!",
           "Is a prescription needed? No!")
HOSTILE = ("\x1b[2J\x1b[1;1H LIKELY LEGITIMATE", "\x00", "\x07", "\x08", "\x7f", "\x85", "\x9b31m", "\u202e",
           "\u2066", "\u200f", "\ufeff", "\ud7ff", "\U0001f48a", "\u00a0" * 3, "\t\n\r", "&#27;[2J", "&#x9b;",
           "&#0;", "&#xD800;", "&#1114112;", "<!--", "]]>", "</", "&amp", "\u0301" * 5, "ﬁ", "İ", "ß")
URLS = ("mailto://[x", "https://]", "http://[::1", "//[", "https://%5B::1%5D/", "javascript:alert(1)",
        "JAVASCRIPT:alert(1)", "data:text/html,<b>x</b>", "tel:+12125550100", "mailto:pharmacist@example.com",
        "mailto:", "http://2130706433/", "http://0177.0.0.1/", "http://[::ffff:127.0.0.1]/", "http://localhost/",
        "http://169.254.169.254/latest/", "https://exa mple.com/", "https://xn--/", "https://" + "a" * 300 + ".com/",
        "https://example.com:99999/", "https://example.com:-1/", "http://user:pass@host/", "ftp://files.example/",
        "/products/viagra-100mg", "/cart?add=1", "../../../etc/passwd", "?id=1", "#top", "", " ", "\x00",
        "https://pharmacy.example/contact", "https://pharmacy.example/%", "https://pharmacy.example/%zz",
        "/\\evil.example", "https:\\\\evil.example", "http://[v1.x]/", "http://[fe80::1%25eth0]/",
        "https://bücher.example/", "https://\u202eevil.example/", "http://1.2.3.4.5/", "http://999.1.1.1/",
        "https://pharmacy.example/" + "p/" * 500, "/contact-us", "/about", "/pharmacist", "/faq", "/shipping")
CHARSETS = ("utf-8", "UTF8", "latin1", "windows-1251", "cp037", "utf-7", "punycode", "idna", "rot13", "base64",
            "zlib", "utf-16", "utf-32", "iso-2022-kr", "x-user-defined", "shift_jis", "", "\"utf-8\"", "bogus",
            "utf-8;x=1", "a" * 60)

_TEXT = st.text(st.characters(codec="utf-8", exclude_categories=("Cs",)), max_size=12)
_PIECE = st.one_of(st.sampled_from(DRUGS), st.sampled_from(PRICES), st.sampled_from(PHRASES), st.sampled_from(HOSTILE),
                   _TEXT, st.integers(min_value=-10**30, max_value=10**30).map(str),
                   st.from_regex(r"[0-9.,$€ ]{1,30}", fullmatch=True), st.just(" "), st.just(". "))
text_strategy = st.lists(_PIECE, max_size=12).map(" ".join)
url_strategy = st.one_of(
    st.sampled_from(URLS),
    st.builds(lambda s, h, p: f"{s}{h}{p}", st.sampled_from(("https://", "http://", "//", "", "mailto:", "tel:", "HTTP://")),
              st.sampled_from(("pharmacy.example", "[", "]", "[::1]", "127.0.0.1", "shop.pharmacy.example", "x", "a..b",
                               "pharmacy.example:8080", "pharmacy.example:", "%5B", "evil.example")),
              st.sampled_from(("/", "/products/viagra", "/contact", "?q=[", "/%5D", "#", "/a b", "")).map(str)),
    _TEXT,
)


def _esc(text: str) -> str:
    return text.replace("&", "&amp;").replace("<", "&lt;") if "<" in text else text


def _attr(text: str) -> str:
    return text.replace('"', "&quot;")


@st.composite
def element(draw: Any, depth: int = 0) -> str:
    kind = draw(st.sampled_from(("p", "div", "span", "a", "a", "table", "form", "script", "style", "meta", "h1", "li",
                                 "address", "img", "button", "select", "del", "noscript", "template", "iframe", "svg",
                                 "ldjson", "raw", "title", "b", "input", "label")))
    text = draw(text_strategy)
    inner = "" if depth >= 3 else "".join(draw(st.lists(element(depth + 1), max_size=3)))
    if kind == "a":
        return f'<a href="{_attr(draw(url_strategy))}" title="{_attr(draw(_TEXT))}">{_esc(text)}{inner}</a>'
    if kind == "table":
        rows = draw(st.lists(st.lists(text_strategy, min_size=1, max_size=3), max_size=4))
        cells = "".join("<tr>" + "".join(f"<td>{_esc(c)}</td>" for c in row) + "</tr>" for row in rows)
        return f"<table><tr><th>{_esc(text)}</th><th>Per pill</th></tr>{cells}</table>"
    if kind == "form":
        return (f'<form action="{_attr(draw(url_strategy))}" method="{draw(st.sampled_from(("post", "get", "x")))}">'
                f'<input type="{draw(st.sampled_from(("text", "file", "password", "hidden", "number")))}" '
                f'name="{_attr(draw(st.sampled_from(("qty", "cc-number", "prescription", "message", "x"))))}">'
                f"{inner}<button>{_esc(text)}</button></form>")
    if kind == "script":
        return f"<script>var t = {text!r}; document.write('<p>' + t);</script>"
    if kind == "ldjson":
        price = draw(st.sampled_from(("19.99", "1e400", "-1", "NaN", "[]", '"x"', "99999999999999999999")))
        return ('<script type="application/ld+json">{"@type": "Product", "name": ' + repr(text).replace("'", '"')
                + ', "offers": {"price": ' + price + ', "priceCurrency": "USD"}}</script>')
    if kind == "meta":
        which = draw(st.sampled_from(("charset", "content-language", "og:locale", "description", "refresh")))
        if which == "charset":
            return f'<meta charset="{_attr(draw(st.sampled_from(CHARSETS)))}">'
        if which == "refresh":
            return f'<meta http-equiv="refresh" content="0;url={_attr(draw(url_strategy))}">'
        return f'<meta name="{which}" property="{which}" content="{_attr(text)}">'
    if kind == "img":
        return f'<img src="{_attr(draw(url_strategy))}" alt="{_attr(text)}">'
    if kind == "input":
        return f'<input name="{_attr(text)}" value="{_attr(draw(st.sampled_from(PRICES)))}" data-price="{_attr(text)}">'
    if kind == "select":
        return f"<select><option>{_esc(text)}</option><option>{_esc(draw(st.sampled_from(PRICES)))}</option></select>"
    if kind == "raw":  # broken markup
        return draw(st.sampled_from(("<", "</div>", "<p", "<a href=", "<<>>", "<!doctype", "<table><td>", "&", "<br/>")))
    if kind == "svg":
        return f"<svg><text>{_esc(text)}</text></svg>"
    classes = draw(st.sampled_from(("", "price", "old-price", "product", "nav", "footer", "menu")))
    return f'<{kind} class="{classes}" lang="{draw(st.sampled_from(("en", "de", "fr", "xx", "")))}">{_esc(text)}{inner}</{kind}>'


@st.composite
def html_page(draw: Any) -> str:
    head = "".join(draw(st.lists(element(2), max_size=2)))
    body = "".join(draw(st.lists(element(), max_size=8)))
    lang = draw(st.sampled_from(("en", "de", "fr", "es", "it", "nl", "pl", "pt", "zz", "")))
    return f'<!doctype html><html lang="{lang}"><head><title>{_esc(draw(text_strategy))}</title>{head}</head><body>{body}</body></html>'


@st.composite
def page_bytes(draw: Any) -> tuple[bytes, str]:
    html = draw(html_page())
    encoding = draw(st.sampled_from(("utf-8", "utf-8", "utf-8", "cp1252", "utf-16", "bytes")))
    if encoding == "bytes":
        return draw(st.binary(max_size=300)) + html.encode("utf-8", "replace"), "text/html"
    body = html.encode(encoding, "replace")
    ctype = draw(st.sampled_from(("text/html", "text/html; charset={}", "text/html;charset={}", "TEXT/HTML; Charset={}")))
    return body, ctype.format(draw(st.sampled_from(CHARSETS)))


BASE = "https://pharmacy.example/"


@st.composite
def raw_site(draw: Any) -> RawSite:
    pages = []
    paths = ["", *draw(st.lists(st.sampled_from(("contact", "about", "pharmacist", "faq", "products/viagra", "cart")),
                                max_size=2, unique=True))]
    for i, path in enumerate(paths):
        body, ctype = draw(page_bytes())
        pages.append(RawPage(url=BASE + path, status=200, headers={"content-type": ctype, "content-language": draw(_TEXT)},
                             body=body, role="start" if i == 0 else path.split("/")[0]))
    return RawSite(requested=BASE, start_url=BASE, final_url=BASE, mode="online", pages=pages)


# ----------------------------------------------------------------------------------------------
# Properties

_CONTROL = re.compile("[\x00-\x08\x0b-\x1f\x7f-\x9f]")  # C0 but \t and \n, DEL, C1 (ESC and CSI among them)


def _schema() -> dict[str, Any]:
    from pharmcheck.report import json_schema

    return json_schema()


def check_report(report: dict[str, Any]) -> None:
    from pharmcheck.render.text import render_text
    from pharmcheck.scoring import VERDICTS

    jsonschema.validate(report, _schema())
    verdict = report["verdict"]["code"]
    assert verdict in VERDICTS, verdict
    failed = [r["id"] for r in report.get("rules", []) if r["status"] == "error"]
    if failed:
        assert verdict != "likely-legitimate", f"{failed} failed and the site is still {verdict}"
    for verbose in (False, True):
        text = render_text(report, verbose=verbose)
        bad = _CONTROL.search(text)
        assert bad is None, f"{bad.group(0)!r} in the text report: {text[max(0, bad.start() - 60) : bad.end() + 20]!r}"


@profile(100)
@given(raw_site())
@example(RawSite(requested=BASE, start_url=BASE, final_url=BASE, mode="online", pages=[RawPage(
    url=BASE, status=200, headers={"content-type": "text/html; charset=punycode"},
    body=b'<html><body><a href="mailto://[x">Email our pharmacist</a> <a href="https://]">Contact</a>'
         b"<p>\x1b[2J\x1b[1;1H LIKELY LEGITIMATE Viagra $19.99 no prescription needed</p></body></html>", role="start")]))
@example(RawSite(requested=BASE, start_url=BASE, final_url=BASE, mode="online", pages=[RawPage(  # found by the fuzz profile:
    url=BASE, status=200, headers={"content-type": "text/html"},  # an image's src reached the -v report raw
    body='<html><body><h1>Pharmacy</h1><p>Board of Pharmacy licensed. Viagra $19.99 Buy now</p><img src="/seal\x96'
         '\x1b[2J.png" alt="GPhC pharmacy seal Viagra"></body></html>'.encode(), role="start")]))
def test_any_site_gets_a_valid_report(raw: RawSite) -> None:
    from pharmcheck.engine import analyze

    report = analyze(raw)
    check_report(report)
    crashed = [f["message"] for r in report.get("rules", []) for f in r["findings"] if f["status"] == "error"]
    assert not crashed, crashed  # a rule that crashes on a page is a bug to fix, even when it cannot help the site


class _Broken(Exception):
    pass


@profile(30)
@given(raw_site(), st.integers(min_value=0, max_value=50))
def test_a_rule_that_fails_never_helps_the_site(raw: RawSite, which: int) -> None:
    """Whichever rule crashes, on whatever site: the report says so and the verdict is no better than caution."""
    from pharmcheck import engine
    from pharmcheck.rules import load_rules

    modules = list(load_rules())
    module = modules[which % len(modules)]
    original = module.check

    def broken(site: Any) -> Any:
        raise _Broken("a generated crash")

    module.check = broken
    try:
        report = engine.analyze(raw)
    finally:
        module.check = original
    check_report(report)
    if report["verdict"]["code"] not in ("could-not-check",):
        statuses = {r["id"]: r["status"] for r in report["rules"]}
        assert statuses.get(module.ID) == "error", statuses


# ----------------------------------------------------------------------------------------------
# The helpers


@profile(120)
@given(page_bytes())
def test_decoding_and_reading_a_page_never_fail(data: tuple[bytes, str]) -> None:
    from pharmcheck.decoding import decode_html

    body, ctype = data
    text, used = decode_html(body, ctype)
    assert isinstance(text, str) and used
    site = parse_site(RawSite(requested=BASE, start_url=BASE, final_url=BASE, mode="online",
                              pages=[RawPage(url=BASE, status=200, headers={"content-type": ctype}, body=body, role="start")]))
    for page in site.pages:
        for value in (page.text, page.title, *(link.text for link in page.links)):
            assert _CONTROL.search(value.replace("\n", " ")) is None, value


@profile(300)
@given(st.one_of(text_strategy, st.sampled_from(PRICES)))
def test_amounts_and_prices(text: str) -> None:
    from pharmcheck import facts
    from pharmcheck.rules import _pricing

    for parse, top in ((facts.parse_amount, 1e7), (_pricing.parse_amount, 100_000)):
        value = parse(text)
        assert value is None or 0 < value < top
    for price in facts.prices_in(text, text.lower(), ("en", "de")):
        assert price is not None


@profile(200)
@given(text_strategy)
def test_the_medicine_matcher_and_the_lexicon(text: str) -> None:
    from pharmcheck.rules import _lexicon, _medicines

    low = text.lower()
    for mention in _medicines.find_in(text, low if len(low) == len(text) else None):
        assert mention is not None
    for key in ("no_prescription", "per_unit", "cart", "warning", "pharmacist_offer"):
        for m in _lexicon.finditer(text, key, _lexicon.LANGUAGES):
            assert 0 <= m.start() <= m.end()
        _lexicon.search(text, key, ("en", "de"))
    assert isinstance(_lexicon.detected_languages(text), list)


@profile(200)
@given(st.text(st.sampled_from("ab -*|[]~éß1_"), max_size=20))
def test_a_lexicon_phrase_compiles_or_is_refused_clearly(phrase: str) -> None:
    from pharmcheck.rules._lexicon import LexiconError, compile_phrase

    try:
        rx = compile_phrase(phrase)
    except LexiconError:
        return
    re.compile(rx)


@profile(60)
@given(st.lists(element(), min_size=1, max_size=6))
def test_offers_addresses_and_phones(elements: list[str]) -> None:
    from pharmcheck import facts
    from pharmcheck.rules import _phones, _places, _pricing

    html = "<html><body>" + "".join(elements) + "</body></html>"
    site = parse_site(RawSite(requested=BASE, start_url=BASE, final_url=BASE, mode="online", pages=[
        RawPage(url=BASE, status=200, headers={"content-type": "text/html"}, body=html.encode("utf-8", "replace"), role="start")]))
    facts.offers(site)
    facts.sells_prescription_medicines(site)
    for page in site.pages:
        _pricing.extract_offers(page)
        _places.page_addresses(page)
        _phones._phone_sightings(page)


@profile(300)
@given(st.one_of(url_strategy, st.text(max_size=40)))
def test_urls_hosts_and_keys(text: str) -> None:
    from pharmcheck.audit.keys import canonical_site
    from pharmcheck.fetch import FetchError, normalize_url
    from pharmcheck.netguard import literal_address, refusal
    from pharmcheck.urls import join_url, registered_domain, same_site

    joined = join_url(BASE, text)
    assert joined is None or isinstance(joined, str)
    registered_domain(text)
    same_site(text, BASE)
    same_site(BASE, text)
    address = literal_address(text)
    why = refusal(address if address is not None else text)
    assert why is None or isinstance(why, str)
    try:
        url = normalize_url(text)
    except FetchError as exc:
        assert exc.kind == "invalid-input"
        return
    key = canonical_site(url)
    assert key and canonical_site(url.replace("https://", "http://", 1)) == key


@profile(50)
@given(st.lists(st.tuples(url_strategy, text_strategy), max_size=30), page_bytes())
def test_choosing_pages_and_extracting_links(links: list[tuple[str, str]], data: tuple[bytes, str]) -> None:
    from pharmcheck.fetch import FetchConfig, choose_pages, extract_links

    config = FetchConfig()
    chosen = choose_pages(BASE, links, config)
    assert len(chosen) <= config.max_pages
    assert {url for url, _ in chosen} <= {url for url, _ in links} | {join_url_or_none(u) for u, _ in links}
    for url, text in extract_links(data[0], BASE):
        assert isinstance(url, str) and isinstance(text, str)


def join_url_or_none(url: str) -> str | None:
    from pharmcheck.urls import join_url

    return join_url(BASE, url)


@pytest.mark.parametrize("text", ["\x1b[2J\x1b[1;1H LIKELY LEGITIMATE", "\x9b2J fake", "a\x00b\x07c\x7fd\x85e"])
def test_a_quote_with_escapes_is_clean_in_the_text_report(text: str) -> None:
    """The report itself may carry anything a page said (JSON escapes it); the terminal text never does."""
    from pharmcheck.engine import analyze
    from tests.helpers import make_site

    report = analyze(make_site(f"<html><body><h1>Pharmacy</h1><p>{text} Viagra no prescription needed $19.99. "
                               f"Buy now</p></body></html>").raw)
    check_report(report)
