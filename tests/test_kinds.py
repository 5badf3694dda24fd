"""Pages of each kind of structure and language (tests/kinds/, written for the purpose), checked offline.

Real pages are the measure (bench/bench_accuracy.py); these pin each kind the rules must read: offers
whose price sits in another cell, product cards, deal boxes, pack lists, microdata and JSON-LD, names that
are also words, claims in eight languages, legitimate pharmacies whose over-the-counter range is labelled
"rezeptfrei" or "bez recepty", and pages that only write about medicines.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from pharmcheck.engine import check_sync

KINDS = Path(__file__).resolve().parent / "kinds"
CASES = json.loads((KINDS / "cases.json").read_text(encoding="utf-8"))
_REPORTS: dict[str, dict] = {}


def report(case: dict) -> dict:
    if case["file"] not in _REPORTS:
        _REPORTS[case["file"]] = check_sync(str(KINDS / case["file"]))
    return _REPORTS[case["file"]]


def gate(rep: dict) -> dict:
    return next(r for r in rep["rules"] if r["id"] == "online-pharmacy")["findings"][0]


def ids(case):
    return case["file"]


def test_every_page_has_a_case():
    pages = {str(p.relative_to(KINDS)) for p in KINDS.rglob("*.html")}
    assert pages == {c["file"] for c in CASES}


@pytest.mark.parametrize("case", CASES, ids=ids)
def test_verdict(case):
    rep = report(case)
    assert rep["verdict"]["code"] in case["accept"], (rep["verdict"], case["why"])


@pytest.mark.parametrize("case", [c for c in CASES if c["offers"]], ids=ids)
def test_offers_are_read_from_the_structure(case):
    offers = gate(report(case))["facts"]["offers"]
    for want in case["offers"]:
        found = [o for o in offers if want["ingredient"] in o["ingredients"]
                 and all(o.get(k) == v for k, v in want.items() if k in ("where", "currency", "quantity"))
                 and all(o.get(k) is not None and abs(o[k] - v) <= 0.01 * v for k, v in want.items() if k in ("price", "unit_price"))]
        assert found, (want, offers)


@pytest.mark.parametrize("case", CASES, ids=ids)
def test_outcomes(case):
    rep = report(case)
    outcomes = {f["outcome"] for r in rep["rules"] for f in r["findings"]}
    assert set(case.get("outcomes_present", [])) <= outcomes, outcomes
    assert not set(case.get("outcomes_absent", [])) & outcomes


@pytest.mark.parametrize("case", [c for c in CASES if c["label"] != "not-pharmacy"], ids=ids)
def test_the_page_is_read_in_its_language(case):
    assert case["language"] in gate(report(case))["facts"]["languages"]


@pytest.mark.parametrize("case", CASES, ids=ids)
def test_quotes_come_from_blocks_not_menus(case):
    """No evidence of the gate, the prescription or the medicines rule quotes the site's menu."""
    rep = report(case)
    html = (KINDS / case["file"]).read_text(encoding="utf-8")
    menu = [part.split("</a>")[0] for part in html.split('<nav class="main-menu">')[1].split("</nav>")[0].split('">')[1:]]
    for rule in rep["rules"]:
        if rule["id"] not in ("online-pharmacy", "prescription", "medicines"):
            continue
        for finding in rule["findings"]:
            for ev in finding["evidence"]:
                quote = ev["quote"] or ""
                assert len(quote) <= 240
                assert sum(1 for label in menu if label and label in quote) < 3, (quote, menu)
