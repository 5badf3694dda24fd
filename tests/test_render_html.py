"""The HTML report: valid HTML, self-contained, every page-derived string escaped, and what a reader sees in
a real browser (headless Chromium, Debian's `chromium`; skipped where none is installed, and `.ci/run`
installs one).

Pages are written by the people judged, so one fixture site here is hostile: its quotes hold `<script>`,
`</style>`, `javascript:` links and attribute break-outs, and the synthetic report below carries hostile
URLs the renderer must not link.
"""

from __future__ import annotations

import copy
import json
import os
import re
import shutil
import subprocess
from pathlib import Path

import html5lib
import pytest

from pharmcheck.engine import check_sync
from pharmcheck.fetch import FetchConfig
from pharmcheck.render.html import render_html

REPO = Path(__file__).resolve().parent.parent
EXAMPLES = sorted(p.name for p in (REPO / "examples").iterdir() if p.is_dir())
NS = "{http://www.w3.org/1999/xhtml}"
CHROMIUM = next((p for p in (os.environ.get("PHARMCHECK_CHROMIUM"), "/usr/bin/chromium", shutil.which("chromium")) if p and os.path.exists(p)), None)

HOSTILE_HOME = """<!DOCTYPE html><html><head><title>Cheap &lt;/title&gt;&lt;script&gt;alert('t')&lt;/script&gt; Meds</title></head><body>
<h1>Cheap meds online &lt;script&gt;alert(document.cookie)&lt;/script&gt; no prescription required!</h1>
<p>Buy Viagra, Cialis and Xanax online without a prescription &lt;/style&gt;&lt;img src=x onerror=alert(1)&gt; today.</p>
<table><tr><td>Viagra 100 mg</td><td>$0.79</td><td><a href="javascript:alert('cart')">Add to cart</a></td></tr>
<tr><td>Xanax 2 mg</td><td>$1.89 "&gt;&lt;a href=javascript:alert(2)&gt;x&lt;/a&gt;</td><td><a href="products.html">Buy</a></td></tr></table>
<p>Free bonus pills with every order! We ship worldwide. Contact: <a href="javascript:void(0)">support@rx.example</a></p>
<a href="contact.html">Contact us</a></body></html>"""
HOSTILE_CONTACT = """<!DOCTYPE html><html><head><title>Contact &lt;style&gt;body{display:none}&lt;/style&gt;</title></head><body>
<h1>Contact us</h1><p>Write to support@rx.example &lt;!-- --&gt; &lt;iframe src=//evil.example&gt;</p></body></html>"""
HOSTILE_PRODUCTS = """<!DOCTYPE html><html><head><title>Products</title></head><body>
<ul><li>Viagra 100 mg 90 pills + 10 bonus $71.10 <a href="javascript:alert(3)">Order</a></li></ul></body></html>"""


@pytest.fixture(scope="module")
def hostile_site(tmp_path_factory) -> Path:
    root = tmp_path_factory.mktemp("hostile") / "site"
    root.mkdir()
    (root / "index.html").write_text(HOSTILE_HOME, encoding="utf-8")
    (root / "contact.html").write_text(HOSTILE_CONTACT, encoding="utf-8")
    (root / "products.html").write_text(HOSTILE_PRODUCTS, encoding="utf-8")
    return root


@pytest.fixture(scope="module")
def hostile_report(hostile_site) -> dict:
    report = check_sync(str(hostile_site))
    quotes = [ev["quote"] or "" for r in report["rules"] for f in r["findings"] for ev in f["evidence"]]
    assert any("<script>" in q for q in quotes), quotes  # the test means something only if the quotes are hostile
    assert any("</style>" in q for q in quotes), quotes
    return report


def hostile_urls(report: dict) -> dict:
    """The same report as tampered JSON: page and evidence URLs that are not web addresses."""
    bad = copy.deepcopy(report)
    bad["final_url"] = bad["requested_url"] = "javascript:alert('final')"
    bad["pages"][0]["url"] = "javascript:alert('page')"
    evil = ["javascript:alert(1)", "JaVaScRiPt:alert(2)", " javascript:alert(3)", "data:text/html,<script>alert(4)</script>",
            "vbscript:msgbox(5)", 'https://ok.example/"><script>alert(6)</script>']
    n = 0
    for rule in bad["rules"]:
        for finding in rule["findings"]:
            for ev in finding["evidence"]:
                ev["url"] = evil[n % len(evil)]
                n += 1
    bad["verdict"]["label"] = "Likely rogue <script>alert('label')</script>"
    return bad


def parse_strict(text: str):
    """html5lib's strict parser raises on any parse error: the page is valid HTML syntax."""
    return html5lib.HTMLParser(strict=True, namespaceHTMLElements=True).parse(text)


def assert_inert(doc) -> None:
    """No script, no event handler, no frame or object, one style sheet, links only to http(s) pages."""
    tags = [el.tag.replace(NS, "") for el in doc.iter() if isinstance(el.tag, str)]
    for tag in ("script", "iframe", "object", "embed", "img", "form", "base", "link"):
        assert tag not in tags, tag
    assert tags.count("style") == 1
    for el in doc.iter():
        if not isinstance(el.tag, str):
            continue
        for name, value in el.attrib.items():
            assert not name.lower().startswith("on"), (el.tag, name)
            if name == "href":
                assert re.match(r"https?://", value), value
            if name == "style":
                assert "url(" not in value and "expression" not in value


def text_of(doc) -> str:
    return " ".join("".join(doc.itertext()).split())


@pytest.mark.parametrize("name", EXAMPLES)
def test_examples_are_valid_self_contained_html(name):
    report = check_sync(str(REPO / "examples" / name))
    page = render_html(report)
    doc = parse_strict(page)
    assert_inert(doc)
    assert page.startswith("<!DOCTYPE html>") and '<html lang="en">' in page
    assert "Content-Security-Policy" in page and 'name="viewport"' in page
    assert not re.search(r"""(src|href)=["']?(?!https?://)[a-z]+:""", page)  # nothing loaded from anywhere
    h1 = [el for el in doc.iter(f"{NS}h1")]
    assert len(h1) == 1 and report["verdict"]["label"] in text_of(h1[0])
    text = text_of(doc)
    for tip in report["advice"]:
        assert " ".join(tip.split()) in text
    for code in {f["outcome"] for r in report["rules"] for f in r["findings"]}:
        assert not re.search(rf"(?<![\w-]){re.escape(code)}(?![\w-])", text), code


def test_every_finding_and_quote_is_in_the_page_of_a_pharmacy():
    report = check_sync(str(REPO / "examples" / "cheap-meds-24"))
    text = text_of(parse_strict(render_html(report)))
    for rule in report["rules"]:
        for finding in rule["findings"]:
            assert " ".join(finding["message"].split()) in text
            for ev in finding["evidence"]:
                if ev["quote"]:
                    assert " ".join(ev["quote"].split()) in text
    assert "When and how it was checked" in text and report["fetched_at"] in text


def test_no_pharmacy_grading_on_a_site_that_is_no_pharmacy():
    text = text_of(parse_strict(render_html(check_sync(str(REPO / "examples" / "wellness-journal")))))
    assert "Not an online pharmacy" in text
    for word in ("Good sign", "Problem:", "street address", "Score"):
        assert word not in text


def test_hostile_quotes_are_text_not_markup(hostile_report):
    page = render_html(hostile_report)
    doc = parse_strict(page)
    assert_inert(doc)
    text = text_of(doc)
    assert "<script>alert(document.cookie)</script>" in text  # shown as the words the page wrote
    assert "</style><img src=x onerror=alert(1)>" in text
    assert "<script>" not in page and "</style><img" not in page


def test_hostile_urls_are_never_links(hostile_report):
    bad = hostile_urls(hostile_report)
    page = render_html(bad)
    doc = parse_strict(page)
    assert_inert(doc)
    hrefs = [el.attrib["href"] for el in doc.iter(f"{NS}a")]
    assert all(h.startswith("https://ok.example/") for h in hrefs), hrefs  # the one web URL, escaped
    assert "<script>alert('label')</script>" in text_of(doc) and "<script>" not in page


def test_served_site_links_its_pages(serve_site, ca_bundle):
    server = serve_site("mixed-canadian")
    report = check_sync(server.url, FetchConfig(ca_file=str(ca_bundle)))
    doc = parse_strict(render_html(report))
    assert_inert(doc)
    hrefs = {el.attrib["href"] for el in doc.iter(f"{NS}a")}
    assert server.url in hrefs and server.url + "faq.html" in hrefs


# ----------------------------------------------------------------------------------------------
# In a real browser

needs_chromium = pytest.mark.skipif(CHROMIUM is None, reason="no chromium installed (apt-get install chromium)")

# Injected into a copy of the page (whose CSP is removed for it): measures what the reader gets and writes it
# into the DOM that --dump-dom prints. The report itself never holds a script.
PROBE = """<script>
(function () {
  function lum(c) { var m = c.match(/[\\d.]+/g).map(Number).slice(0, 3).map(function (v) { v /= 255;
    return v <= 0.03928 ? v / 12.92 : Math.pow((v + 0.055) / 1.055, 2.4); });
    return 0.2126 * m[0] + 0.7152 * m[1] + 0.0722 * m[2]; }
  function bg(el) { while (el) { var b = getComputedStyle(el).backgroundColor;
    if (b && b !== 'rgba(0, 0, 0, 0)' && b !== 'transparent') return b; el = el.parentElement; } return 'rgb(255, 255, 255)'; }
  function ratio(el) { var a = lum(getComputedStyle(el).color), b = lum(bg(el));
    return (Math.max(a, b) + 0.05) / (Math.min(a, b) + 0.05); }
  var worst = 99, worstText = '';
  document.querySelectorAll('h1, h2, h3, p, li, .kind, .where, .why, a, blockquote, dt, dd, td, th').forEach(function (el) {
    if (!el.innerText.trim()) return; var r = ratio(el); if (r < worst) { worst = r; worstText = el.innerText.slice(0, 60); } });
  var out = {
    scrollWidth: document.documentElement.scrollWidth, innerWidth: window.innerWidth,
    seen: document.body.innerText, h1: document.querySelector('h1').innerText,
    fontSize: parseFloat(getComputedStyle(document.body).fontSize), contrast: worst, contrastText: worstText,
    kinds: Array.prototype.map.call(document.querySelectorAll('.kind'), function (el) { return el.innerText; }),
    headings: Array.prototype.map.call(document.querySelectorAll('h1, h2'), function (el) { return el.tagName + ' ' + el.innerText; })
  };
  var pre = document.createElement('pre'); pre.id = 'probe'; pre.textContent = JSON.stringify(out);
  document.body.appendChild(pre);
})();
</script>"""


def chromium_dom(page: Path, tmp_path: Path, width: int = 360) -> str:
    profile = tmp_path / f"profile-{width}"
    proc = subprocess.run(
        [CHROMIUM, "--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
         "--disable-component-update", "--disable-sync", "--no-first-run", "--no-default-browser-check",
         "--disable-extensions", "--disable-domain-reliability", "--no-pings", "--mute-audio",
         # nothing may leave the machine: every host name fails to resolve, and any request goes to a dead port
         "--host-resolver-rules=MAP * ~NOTFOUND", "--proxy-server=http://127.0.0.1:9", "--proxy-bypass-list=<-loopback>",
         f"--user-data-dir={profile}", f"--window-size={width},900", "--dump-dom", page.as_uri()],
        capture_output=True, text=True, timeout=120,
    )
    assert proc.returncode == 0, proc.stderr[-2000:]
    return proc.stdout


def probe(report: dict, tmp_path: Path, width: int = 360) -> dict:
    page = render_html(report)
    instrumented = re.sub(r'<meta http-equiv="Content-Security-Policy"[^>]*>', "", page).replace("</body>", PROBE + "</body>")
    path = tmp_path / f"probe-{width}.html"
    path.write_text(instrumented, encoding="utf-8")
    dom = chromium_dom(path, tmp_path, width)
    match = re.search(r'<pre id="probe">(.*?)</pre>', dom, re.S)
    assert match, dom[-2000:]
    from html import unescape

    return json.loads(unescape(match.group(1)))


@needs_chromium
@pytest.mark.parametrize("name", EXAMPLES)
def test_a_phone_reader_sees_the_verdict_first_without_scrolling_sideways(name, tmp_path):
    report = check_sync(str(REPO / "examples" / name))
    seen = probe(report, tmp_path, width=360)
    assert seen["scrollWidth"] <= seen["innerWidth"], seen  # nothing wider than a phone screen
    assert seen["h1"].startswith(report["verdict"]["label"] + ":")
    assert seen["seen"].lstrip().lower().startswith("pharmcheck report")
    assert seen["seen"].index(report["verdict"]["label"]) < seen["seen"].index("What to do")
    assert seen["fontSize"] >= 16
    assert seen["contrast"] >= 4.5, (seen["contrast"], seen["contrastText"])
    assert all(k.strip().endswith(":") and len(k.strip()) > 2 for k in seen["kinds"])  # a word beside each colour
    assert [h.split(" ", 1)[0] for h in seen["headings"]][:1] == ["H1"]
    if name == "wellness-journal":
        assert "Good sign" not in seen["seen"] and "What was seen" in seen["seen"]
    else:
        assert "Why" in seen["headings"][1]


@needs_chromium
def test_long_words_wrap_on_a_phone(tmp_path):
    """A quote or a URL with no space in it (a page can hold anything) still fits the screen."""
    report = check_sync(str(REPO / "examples" / "cheap-meds-24"))
    long = copy.deepcopy(report)
    long["final_url"] = "https://" + "very-long-host-name-" * 8 + "example/" + "path/" * 20
    for rule in long["rules"]:
        for finding in rule["findings"]:
            for ev in finding["evidence"]:
                ev["quote"] = "NoPrescriptionNeeded" * 11
                ev["url"] = long["final_url"] + "x" * 40
    seen = probe(long, tmp_path, width=360)
    assert seen["scrollWidth"] <= seen["innerWidth"], seen["scrollWidth"]


@needs_chromium
def test_the_browser_runs_nothing_from_a_hostile_page(hostile_report, tmp_path):
    path = tmp_path / "hostile.html"
    path.write_text(render_html(hostile_urls(hostile_report)), encoding="utf-8")
    dom = chromium_dom(path, tmp_path, width=1024)
    doc = html5lib.parse(dom)
    assert_inert(doc)
    text = text_of(doc)
    assert "<script>alert(document.cookie)</script>" in text
    assert "Likely rogue <script>alert('label')</script>" in text
    # with the reader's own eyes: the hostile words are visible text, and the page is not blanked by a
    # smuggled style sheet
    seen = probe(hostile_urls(hostile_report), tmp_path, width=1024)
    assert "<script>alert(document.cookie)</script>" in seen["seen"]
    assert "What to do" in seen["seen"] and seen["scrollWidth"] <= seen["innerWidth"]
