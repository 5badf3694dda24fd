"""The parsed view of pages: decoding, extraction, domains."""

from __future__ import annotations

import codecs

import pytest

from pharmcheck.site import (
    Page,
    RawPage,
    decode_html,
    registered_domain,
    same_site,
)
from tests.helpers import make_site

ASCII_PAGE = b'<html><head><meta charset="utf-16"></head><body><p>Buy Viagra, no prescription needed!</p></body></html>'


def test_a_page_cannot_declare_itself_utf16():
    text, encoding = decode_html(ASCII_PAGE)
    assert encoding == "utf-8" and "no prescription needed" in text
    text, encoding = decode_html(ASCII_PAGE, "text/html; charset=UTF-32")
    assert "no prescription needed" in text


def test_a_byte_order_mark_is_the_bytes_own_word():
    body = codecs.BOM_UTF16_LE + "<p>Café</p>".encode("utf-16-le")
    text, encoding = decode_html(body)
    assert encoding == "utf-16" and "Café" in text


@pytest.mark.parametrize(
    "body, ctype, expected",
    [
        ("<p>Café</p>".encode("cp1252"), None, "Café"),  # not UTF-8: Windows-1252
        ("<p>Café</p>".encode("latin-1"), "text/html; charset=iso-8859-1", "Café"),
        ('<meta charset="windows-1252"><p>Café</p>'.encode("cp1252"), None, "Café"),
        ("<p>Café</p>".encode("utf-8"), "text/html; charset=bogus-charset", "Café"),
    ],
)
def test_declared_and_guessed_encodings(body, ctype, expected):
    text, _ = decode_html(body, ctype)
    assert expected in text


def test_extraction_of_links_forms_images_and_addresses():
    site = make_site(
        """<html lang="en-GB"><head><title> Shop </title><base href="https://pharmacy.example/shop/">
        <script>var hidden = "no prescription needed";</script><style>p{}</style></head><body>
        <a href="contact">Contact <img src="/i.png" alt="us"></a> <a href="javascript:void(0)">x</a>
        <a href="http://[broken/">bad</a> <a href="/cdn-cgi/l/email-protection#0a6f">mail</a>
        <form action="/login" method="POST"><input type="password" name="pw"><input type="hidden" name="t"></form>
        <form action="pay"><input name="cardnumber" autocomplete="cc-number"></form>
        <address>Pharmacy Ltd<br>12 High Street<br>Leeds LS1 4AB</address>
        <p>Visible   text</p></body></html>"""
    )
    page = site.start
    assert page.title == "Shop" and page.lang == "en-gb"
    assert "no prescription needed" not in page.text  # script text is not visible text
    assert "Visible text" in page.text
    assert [link.url for link in page.links][:1] == ["https://pharmacy.example/shop/contact"]
    assert page.links[0].text == "Contact us"
    assert not any("broken" in link.url for link in page.links)
    login, pay = page.forms
    assert login.has_password and login.method == "post" and login.action == "https://pharmacy.example/login"
    assert login.fields == ["password:pw:"]
    assert pay.has_payment and pay.action == "https://pharmacy.example/shop/pay"
    assert page.images[0].link == "https://pharmacy.example/shop/contact"
    assert page.addresses == ["Pharmacy Ltd, 12 High Street, Leeds LS1 4AB"]
    assert page.protected_emails == ["0a6f"]


def test_snippet_quotes_the_sentence_around_a_match():
    site = make_site("<p>Welcome to our shop. We never dispense without a valid prescription. Order today!</p>")
    (match,) = site.find(r"without a valid prescription")
    assert match.quote == "We never dispense without a valid prescription."


def test_registered_domain_uses_the_bundled_suffix_list_only():
    assert registered_domain("https://www.shop.example.co.uk/x") == "example.co.uk"
    assert registered_domain("http://127.0.0.1:8080/") == "127.0.0.1"
    assert registered_domain("file:///tmp/x.html") == ""
    assert same_site("https://www.shop.com/", "http://shop.com/about")
    assert not same_site("https://shop.com/", "https://shop.net/")
    assert not same_site("http://127.0.0.1:80/", "http://127.0.0.1:81/")


# Hosts of every kind the suffix list treats apart: wildcards and their exceptions, punycode and Unicode
# labels, Unicode dots, a trailing dot, a suffix alone, IP addresses, user info, empty labels.
TRICKY_HOSTS = [
    "www.shop.example.co.uk", "co.uk", "uk", "shop.city.kawasaki.jp", "www.city.kawasaki.jp", "a.b.kawasaki.jp",
    "foo.ck", "www.ck", "x.www.ck", "bar.foo.ck", "xn--55qx5d.cn", "www.xn--55qx5d.cn", "shop.xn--p1ai",
    "apotheke.xn--pple-43d.com", "shop.公司.cn", "www.example。com", "www.example．co．uk", "example.com.",
    "example.com..", "a..com", ".com", "localhost", "127.0.0.1", "10.1.2.3", "999.1.1.1", "::1", "[::1]",
    "user@shop.example.com", "shop.example.com:8443", "blogspot.com", "x.blogspot.com", "github.io",
    "pharmacy.pharmacy", "shop.online", "xn--.com", "xn--zz-zzz.com", "s3.amazonaws.com", "a.b.c.d.e.gov.uk",
    "com", "", " spaced.example.com ", "MiXeD.Example.COM",
]


def _fixture_hosts() -> set[str]:
    import re
    from pathlib import Path
    from urllib.parse import urlsplit

    root = Path(__file__).resolve().parent.parent
    hosts: set[str] = set()
    files = [*root.glob("tests/**/*.html"), *root.glob("examples/**/*.html"), *(root.parent / "shared" / "data" / "real-pages").glob("*.html")]
    for f in files:
        text = f.read_text(encoding="utf-8", errors="replace")
        for url in re.findall(r"""(?:https?:)?//[^\s"'<>()]+""", text):
            try:
                host = urlsplit(url if url.startswith("http") else "http:" + url).hostname
            except ValueError:
                continue
            if host:
                hosts.add(host)
        hosts.update(m.lower() for m in re.findall(r"@([\w.-]+\.[a-z]{2,})", text))
    return hosts


def test_registered_domain_is_tldextracts_answer_on_every_host():
    """pharmcheck reads tldextract's bundled list without importing it (requests, 60-100 ms at start-up):
    its answer must be tldextract's on every host of the fixtures and the real pages, and on tricky ones."""
    import tldextract

    from pharmcheck.urls import _domain_of_host

    extract = tldextract.TLDExtract(suffix_list_urls=(), cache_dir=None)
    from pharmcheck.urls import _snapshot_text

    hosts = _fixture_hosts() | set(TRICKY_HOSTS)
    assert len(hosts) > 150
    # And every rule of the list, private section included (those are no suffix for either), as itself,
    # one label below it and two (a wildcard's '*' stands for a label; an exception is named as it is).
    for line in _snapshot_text().splitlines():
        rule = line.strip()
        if rule and not rule.startswith("//"):
            name = rule.lstrip("!").replace("*", "x")
            hosts.update({name, f"shop.{name}", f"www.shop.{name}"})
    assert len(hosts) > 20_000
    _domain_of_host.cache_clear()
    for host in sorted(hosts):
        ext = extract(host)
        expected = f"{ext.domain}.{ext.suffix}" if ext.domain and ext.suffix else host
        assert _domain_of_host(host) == expected, host


def test_a_check_of_saved_pages_imports_no_network_library():
    """Offline, nothing of the network is needed: httpx, the address guard, requests (tldextract's) stay unloaded."""
    import subprocess
    import sys
    from pathlib import Path

    root = Path(__file__).resolve().parent.parent
    code = ("import sys, pharmcheck; pharmcheck.check('examples/cheap-meds-24'); "
            "print(' '.join(m for m in ('httpx', 'httpcore', 'pharmcheck.netguard', 'requests', 'tldextract') if m in sys.modules))")
    out = subprocess.run([sys.executable, "-c", code], cwd=root, capture_output=True, text=True, check=True)
    assert out.stdout.strip() == ""


def test_non_html_is_not_parsed():
    page = Page(RawPage(url="https://x.example/a.pdf", headers={"content-type": "application/pdf"}, body=b"%PDF-1.4 no prescription"))
    assert page.text == "" and page.links == []


@pytest.mark.parametrize("charset", ["cp037", "punycode", "rot13", "idna", "unicode_escape"])
def test_a_page_cannot_pick_a_codec_that_is_no_web_encoding(charset):
    """<meta charset=cp037> would read a rogue shop as EBCDIC garbage; punycode crashed the decoder."""
    body = f'<html><head><meta charset="{charset}"><title>Shop</title></head><body><p>Viagra 100 mg, no prescription needed</p></body></html>'.encode()
    text, used = decode_html(body, f"text/html; charset={charset}")
    assert used == "utf-8" and "no prescription needed" in text


def test_web_encodings_are_still_honoured():
    body = '<html><head><meta charset="windows-1251"></head><body><p>Аптека</p></body></html>'.encode("cp1251")
    text, used = decode_html(body)
    assert used == "cp1251" and "Аптека" in text


def test_terminal_escapes_and_bidi_overrides_never_reach_the_text():
    from pharmcheck.site import Page, RawPage

    body = "<html><head><title>\x1b[2JShop</title></head><body><p>\x1b[2J\x1b[1;1H LIKELY LEGITIMATE \u202eevil</p><a href='/x'>\x1b]8;;x\x07link</a></body></html>"
    page = Page(RawPage(url="https://shop.example/", body=body.encode(), headers={"content-type": "text/html"}))
    for text in (page.text, page.title, *(link.text for link in page.links)):
        assert "\x1b" not in text and "\u202e" not in text and "\x07" not in text
    assert "LIKELY LEGITIMATE" in page.text


def test_a_malformed_link_cannot_crash_a_rule_or_lift_a_verdict():
    """`<a href="mailto://[x">` made the pharmacist rule raise "Invalid IPv6 URL" (issue 7)."""
    from pathlib import Path

    from pharmcheck.engine import analyze
    from pharmcheck.site import registered_domain, same_site
    from tests.helpers import make_site

    html = (Path(__file__).resolve().parent.parent / "examples" / "sunrise-pharmacy" / "index.html").read_text(encoding="utf-8")
    html = html.replace("</body>", '<a href="mailto://[x">Email our pharmacist</a><a href="https://]">x</a></body>')
    report = analyze(make_site(html).raw)
    assert not [f for r in report["rules"] for f in r["findings"] if f["status"] == "error"]
    assert registered_domain("https://]") == "" and same_site("http://[x/", "https://a.example/") is False


def test_the_tree_holds_only_what_rules_read():
    """Script, style, svg, template, noscript and iframe bodies, comments and white-space strings are never
    built; a JSON-LD script is kept, and a comment still ends the text before it."""
    from bs4 import Comment, NavigableString

    from pharmcheck.reader import parse_tree

    html = """<html><head><style>p{}</style><script>var a = "<b>no</b>";</script>
    <script type="application/ld+json">{"@type": "Product", "name": "Viagra"}</script></head><body>
    <svg><text>Buy now</text><a href="/x">svg link</a></svg> <template><p>later</p></template>
    <noscript><p>enable JS</p></noscript><iframe><p>framed</p></iframe>
    <p>Viagra<!-- a comment -->100 mg</p>   <p> </p></body></html>"""
    soup = parse_tree(html)
    names = {tag.name for tag in soup.find_all(True)}
    assert not names & {"style", "svg", "template", "noscript", "iframe", "text"}
    assert [s.get("type") for s in soup.find_all("script")] == ["application/ld+json"]
    strings = [s for s in soup.descendants if isinstance(s, NavigableString)]
    assert not [s for s in strings if isinstance(s, Comment) or not s.strip()]
    assert [str(s) for s in soup.p.contents] == ["Viagra", "100 mg"]
    page = make_site(html).start
    assert page.text == "Viagra 100 mg"
    assert page.jsonld == [{"@type": "Product", "name": "Viagra"}]
    assert not page.links


def test_a_button_and_a_property_read_their_text_from_the_one_walk():
    page = make_site(
        """<body><div itemscope itemtype="https://schema.org/Product"><h2 itemprop="name">Cialis
        <b>20 mg</b></h2><button type="submit"><span>Add</span>
        <span>to cart</span></button><input type="submit" value="Buy now"><button aria-label="Wish list"></button></div></body>"""
    ).start
    assert [(p.name, p.value) for p in page.props] == [("name", "Cialis 20 mg")]
    assert [(c.text, c.kind) for c in page.controls] == [("Add to cart", "button"), ("Buy now", "submit"), ("Wish list", "button")]
    assert page.text[page.controls[0].pos :].lstrip().startswith("Add to cart")


def test_the_command_line_reads_pages_with_bs4_alone():
    """The console process imports bs4 without soupsieve and html5lib (70-110 ms it never uses): its report
    is the library's, and both modules can still be imported afterwards."""
    import json
    import subprocess
    import sys
    from pathlib import Path

    root = Path(__file__).resolve().parent.parent
    code = ("import sys, atexit; sys.argv = ['pharmcheck', 'check', 'examples/cheap-meds-24', '--json']\n"
            "def after():\n"
            "    print(' '.join(m for m in ('soupsieve', 'html5lib') if m in sys.modules), file=sys.stderr)\n"
            "    import soupsieve, bs4\n"
            "    print(bs4.BeautifulSoup('<p class=x>a</p>', 'lxml').p.text, file=sys.stderr)\n"
            "atexit.register(after)\n"
            "from pharmcheck.cli import main\nmain()")
    out = subprocess.run([sys.executable, "-c", code], cwd=root, capture_output=True, text=True)
    assert out.stderr.splitlines() == ["", "a"], out.stderr
    lib = subprocess.run([sys.executable, "-c", "import json, pharmcheck; print(pharmcheck.to_json(pharmcheck.check('examples/cheap-meds-24')))"],
                         cwd=root, capture_output=True, text=True, check=True)
    volatile = ("fetched_at", "elapsed_ms")

    def scrub(report):
        return {k: v for k, v in report.items() if k not in volatile}

    assert scrub(json.loads(out.stdout)) == scrub(json.loads(lib.stdout))


def test_pharmcheck_never_selects_with_css():
    """The command line imports bs4 without soupsieve: no module of pharmcheck may use CSS selectors."""
    import re
    from pathlib import Path

    root = Path(__file__).resolve().parent.parent
    for path in [*(root / "pharmcheck").rglob("*.py"), *(root / "rules").rglob("*.py")]:
        text = path.read_text(encoding="utf-8")
        code = re.search(r"\.select(?:_one)?\(|^\s*(?:import|from)\s+(?:soupsieve|html5lib)\b|BeautifulSoup\([^)]*html5lib", text, re.M)
        assert code is None, (path, code)
