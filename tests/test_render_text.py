"""The terminal report a worried buyer reads: one screen (25 lines at 80 columns) for any site, the verdict
first in plain words, the deciding reasons strongest first, advice that fits the site, and no outcome code.

Checked on every bundled example, every fixture site (served over real HTTPS on loopback), every fixture
page of tests/kinds and tests/pages, and the real pages of ../shared/data/real-pages when present.
"""

from __future__ import annotations

import csv
import os
import re
from pathlib import Path

import pytest

from pharmcheck.engine import check_sync
from pharmcheck.fetch import FetchConfig
from pharmcheck.render.text import MAX_LINES, render_text
from tests.conftest import REAL_PAGES
from tests.servers import site_names

REPO = Path(__file__).resolve().parent.parent
EXAMPLES = sorted(p.name for p in (REPO / "examples").iterdir() if p.is_dir())
PAGES = sorted(str(p.relative_to(REPO)) for d in ("tests/kinds", "tests/pages") for p in (REPO / d).rglob("*.html"))
SNAPSHOTS = REPO / "tests" / "snapshots"
UPDATE = os.environ.get("PHARMCHECK_UPDATE_SNAPSHOTS") == "1"


def flat(text: str) -> str:
    return " ".join(text.split())


def outcome_codes(report: dict) -> set[str]:
    return {f["outcome"] for r in report["rules"] for f in r["findings"]} | set(report["verdict"]["critical"]) | set(
        report["verdict"]["cautions"]
    )


def assert_one_screen(report: dict, name: str) -> str:
    text = render_text(report, width=80)
    lines = text.splitlines()
    assert len(lines) <= MAX_LINES, f"{name}: {len(lines)} lines\n{text}"
    assert all(line == line.rstrip() for line in lines), f"{name}: trailing spaces"
    # The verdict in plain words comes first.
    label = {"likely-rogue": "LIKELY ROGUE", "caution": "CAUTION", "likely-legitimate": "LIKELY LEGITIMATE",
             "not-a-pharmacy": "NOT AN ONLINE PHARMACY", "could-not-check": "COULD NOT CHECK"}[report["verdict"]["code"]]
    assert lines[0].startswith(label + ":"), (name, lines[0])
    assert "does not certify" in text and "Not checked:" in text
    for page in ("What to do",):
        assert page in text, (name, text)
    for code in outcome_codes(report):  # codes stay in JSON; a person reads words
        assert not re.search(rf"(?<![\w-]){re.escape(code)}(?![\w-])", text), (name, code, text)
    for line in lines:  # nothing cut: a word is never split or ended with an ellipsis by the renderer
        assert "…" not in line or '"' in line, (name, line)  # only a quote may be shortened, inside its marks
    return text


def check_graded_rules(report: dict, text: str, name: str) -> None:
    code = report["verdict"]["code"]
    reasons = [line for line in text.splitlines() if re.match(r"\d\. ", line)]
    if code in ("likely-rogue", "caution", "likely-legitimate"):
        assert 3 <= len(reasons) <= 5, (name, text)
    if code == "likely-rogue" and report["verdict"]["critical"]:
        assert reasons[0].startswith("1. Red flag:"), (name, text)
        assert "capped at 20 by red flag" in text
    if code == "caution" and report["verdict"]["cautions"] and report["verdict"]["score"] >= 75:
        assert "held at caution by" in text, (name, text)  # a score that looks good says what holds it back
    if code == "not-a-pharmacy":  # nothing of a pharmacy's grading on a site that is not one
        for word in ("Good sign", "Problem:", "Red flag", "Serious:", "Score", "street address"):
            assert word not in text, (name, word, text)


@pytest.mark.parametrize("name", EXAMPLES)
def test_examples_fit_one_screen(name):
    report = check_sync(str(REPO / "examples" / name))
    check_graded_rules(report, assert_one_screen(report, name), name)


@pytest.mark.parametrize("name", site_names())
def test_fixture_sites_fit_one_screen(name, serve_site, ca_bundle):
    server = serve_site(name)
    report = check_sync(server.url, FetchConfig(ca_file=str(ca_bundle)))
    check_graded_rules(report, assert_one_screen(report, name), name)


@pytest.mark.parametrize("path", PAGES)
def test_fixture_pages_fit_one_screen(path):
    report = check_sync(str(REPO / path))
    check_graded_rules(report, assert_one_screen(report, path), path)


def test_real_pages_fit_one_screen(real_pages):
    with (real_pages / "labels.csv").open(newline="", encoding="utf-8") as fh:
        rows = list(csv.DictReader(fh))
    assert rows
    for row in rows:
        report = check_sync(str(REAL_PAGES / row["file"]))
        check_graded_rules(report, assert_one_screen(report, row["file"]), row["file"])


def test_advice_fits_the_site():
    legit = flat(render_text(check_sync(str(REPO / "examples" / "sunrise-pharmacy"))))
    rogue = flat(render_text(check_sync(str(REPO / "examples" / "cheap-meds-24"))))
    # Sunrise shows its address and phone: no advice to look for them; cheap-meds shows neither address
    # nor phone but its prescription red flag is the more urgent line.
    assert "street address" not in legit.split("What to do", 1)[1]
    assert "licence number it shows" in legit  # it shows one: check that one
    assert "Do not buy from this site" in rogue and "Bought already?" in rogue
    assert "doctor's prescription" in rogue


def test_a_capped_score_says_what_capped_it(serve_site, ca_bundle):
    server = serve_site("self-signed-pharmacy")
    report = check_sync(server.url, FetchConfig(ca_file=str(ca_bundle)))
    assert report["verdict"]["code"] == "caution" and report["verdict"]["score"] >= 75
    text = render_text(report)
    assert "held at caution by reason 1" in text
    first = next(line for line in text.splitlines() if line.startswith("1. "))
    assert "self-signed" in first
    # advice about the connection, not about an address and a phone the site shows
    advice = flat(text.split("What to do", 1)[1].split("Not checked", 1)[0])
    assert "connection is not safe" in advice and "street address" not in advice


def test_pages_are_named_by_path_not_url(serve_site, ca_bundle):
    server = serve_site("mixed-canadian")
    report = check_sync(server.url, FetchConfig(ca_file=str(ca_bundle)))
    for verbose in (False, True):
        text = render_text(report, verbose=verbose)
        assert "(/faq.html)" in text or "\n/faq.html\n" in text
        assert f"({server.url}" not in text and f"\n{server.url}" not in text  # a quote may hold a URL; a page name never


def test_verbose_shows_every_finding_grouped_by_page():
    report = check_sync(str(REPO / "examples" / "cheap-meds-24"))
    text = render_text(report, verbose=True)
    headings = [line for line in text.splitlines() if line and not line.startswith(" ") and line.endswith(".html")]
    assert headings == ["contact.html", "faq.html", "products.html"]
    assert "\nhome page\n" in text and "\nLooked for on every page read\n" in text
    for rule in report["rules"]:
        for finding in rule["findings"]:
            assert " ".join(finding["message"].split())[:60] in " ".join(text.split()), finding["outcome"]
            for ev in finding["evidence"]:
                if ev["quote"]:
                    assert " ".join(ev["quote"].split()) in " ".join(text.split()), ev["quote"]
    for code in outcome_codes(report):
        assert not re.search(rf"(?<![\w-]){re.escape(code)}(?![\w-])", text), code


def test_verbose_on_a_site_that_is_no_pharmacy_shows_no_pharmacy_grading():
    text = render_text(check_sync(str(REPO / "examples" / "wellness-journal")), verbose=True)
    for word in ("Clear contact details", "Problem:", "Good sign", "A safe online pharmacy shows its street address"):
        assert word not in text


@pytest.mark.parametrize("name", EXAMPLES)
@pytest.mark.parametrize("verbose", [False, True], ids=["short", "verbose"])
def test_snapshot(name, verbose):
    """The reports of the examples, word for word. After a deliberate change, regenerate them with
    PHARMCHECK_UPDATE_SNAPSHOTS=1 and read the diff."""
    text = render_text(check_sync(str(REPO / "examples" / name)), width=80, verbose=verbose)
    text = text.replace(REPO.as_uri(), "file://<repo>")  # a saved page's address names the clone's folder
    path = SNAPSHOTS / f"{name}{'-v' if verbose else ''}.txt"
    if UPDATE or not path.exists():
        SNAPSHOTS.mkdir(exist_ok=True)
        path.write_text(text, encoding="utf-8")
        if not UPDATE:
            pytest.fail(f"snapshot {path.name} was missing and has been written: check it in")
    assert text == path.read_text(encoding="utf-8"), f"{path.name} differs (PHARMCHECK_UPDATE_SNAPSHOTS=1 to accept)"


@pytest.mark.parametrize("path", ["trap/404", "trap/pdf", "trap/redirect-loop"])
def test_a_site_that_could_not_be_checked_says_why_in_one_screen(serve, path):
    server = serve(None)
    report = check_sync(server.url + path)
    assert report["verdict"]["code"] == "could-not-check"
    text = assert_one_screen(report, path)
    assert "Why not: " in text and "Score" not in text and "Good sign" not in text
    assert "Not checked: anything, since no page could be read." in flat(text)


def test_a_refused_connection_in_one_screen(dead_url):
    report = check_sync(dead_url)
    text = assert_one_screen(report, dead_url)
    assert "refused" in text
