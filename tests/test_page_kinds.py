"""The kinds of pages real shops, pharmacies and health sites write, each checked offline (tests/pages/).

Each page under tests/pages/ is one self-contained HTML file written the way such sites write them: rogue
shops and legitimate pharmacies with offers laid out as table rows, product cards, deal boxes, <select> pack
lists, data attributes and microdata, JSON-LD and list items; claims and pharmacy language in eight
languages (with legitimate pharmacies whose OTC range is labelled "rezeptfrei", "sans ordonnance",
"bez recepty" ...); and pages that write about medicines without selling them. tests/pages/cases.json says
what a careful reader concludes from each page: the verdict, the offers a reader must find, the outcomes
that must (or must not) be reported, the page's language and its menu labels.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from pharmcheck.engine import check_sync

PAGES = Path(__file__).resolve().parent / "pages"
CASES = json.loads((PAGES / "cases.json").read_text(encoding="utf-8"))

VERDICTS = {"likely-legitimate", "caution", "likely-rogue", "not-a-pharmacy", "could-not-check"}
OUTCOMES = {"prescription-not-required", "prescription-required", "medicines-unauthorised-offered",
            "medicines-controlled-offered", "prices-far-below-reference"}
QUOTED_RULES = ("online-pharmacy", "prescription")
MAX_QUOTE = 240
# One substance, two names (INN and USAN): a case may name either.
SAME_SUBSTANCE = {"paracetamol": {"paracetamol", "acetaminophen"}, "acetaminophen": {"paracetamol", "acetaminophen"}}

_REPORTS: dict[str, dict] = {}


def ids(case: dict) -> str:
    return case["file"]


def report(case: dict) -> dict:
    if case["file"] not in _REPORTS:
        _REPORTS[case["file"]] = check_sync(str(PAGES / case["file"]))
    return _REPORTS[case["file"]]


def gate(rep: dict) -> dict:
    rules = [r for r in rep["rules"] if r["id"] == "online-pharmacy"]
    assert rules and rules[0]["findings"], "the report has no online-pharmacy finding"
    return rules[0]["findings"][0]


def outcomes(rep: dict) -> set[str]:
    return {f["outcome"] for r in rep["rules"] for f in r["findings"]}


def close(got, want: float) -> bool:
    return isinstance(got, (int, float)) and abs(got - want) <= 0.01 * abs(want)


def matches(offer: dict, want: dict) -> bool:
    names = SAME_SUBSTANCE.get(want["ingredient"].lower(), {want["ingredient"].lower()})
    if not names & {i.lower() for i in offer.get("ingredients") or []}:
        return False
    if offer.get("currency") != want["currency"]:
        return False
    if "price" in want and not close(offer.get("price"), want["price"]):
        return False
    if "unit_price" in want and not close(offer.get("unit_price"), want["unit_price"]):
        return False
    if "quantity" in want and offer.get("quantity") != want["quantity"]:
        return False
    return True


# --- the cases file itself ------------------------------------------------------------------------------


def test_cases_list_every_page_and_only_pages():
    pages = {p.relative_to(PAGES).as_posix() for p in PAGES.rglob("*.html")}
    listed = [c["file"] for c in CASES]
    assert len(listed) == len(set(listed)), "a page is listed twice"
    assert pages == set(listed), {"not listed": sorted(pages - set(listed)), "missing": sorted(set(listed) - pages)}


@pytest.mark.parametrize("case", CASES, ids=ids)
def test_case_is_well_formed(case):
    assert case["label"] in ("rogue", "legit", "not-pharmacy")
    assert case["accept"] and set(case["accept"]) <= VERDICTS
    assert set(case.get("outcomes_present", [])) <= OUTCOMES
    assert set(case.get("outcomes_absent", [])) <= OUTCOMES
    assert not set(case.get("outcomes_present", [])) & set(case.get("outcomes_absent", []))
    for offer in case["offers"]:
        assert {"ingredient", "currency"} <= set(offer) and ({"price", "unit_price"} & set(offer))
    html = (PAGES / case["file"]).read_text(encoding="utf-8")
    assert "<html" in html and "</html>" in html
    assert "src=\"http" not in html and "href=\"http" not in html.split("<body")[0], "pages must be self-contained"


# --- what pharmcheck concludes ---------------------------------------------------------------------------


@pytest.mark.parametrize("case", CASES, ids=ids)
def test_verdict(case):
    rep = report(case)
    assert rep["verdict"]["code"] in case["accept"], (rep["verdict"], case["why"])


@pytest.mark.parametrize("case", [c for c in CASES if c["offers"]], ids=ids)
def test_offers_are_found(case):
    offers = gate(report(case))["facts"].get("offers") or []
    missing = [want for want in case["offers"] if not any(matches(o, want) for o in offers)]
    found = [{k: o.get(k) for k in ("medicine", "ingredients", "quantity", "price", "currency", "unit_price", "where")}
             for o in offers]
    assert not missing, {"missing": missing, "found": found}


@pytest.mark.parametrize("case", CASES, ids=ids)
def test_outcomes(case):
    got = outcomes(report(case))
    assert set(case.get("outcomes_present", [])) <= got, {"missing": set(case["outcomes_present"]) - got, "got": got}
    assert not set(case.get("outcomes_absent", [])) & got, {"unwanted": set(case["outcomes_absent"]) & got}


@pytest.mark.parametrize("case", [c for c in CASES if c["label"] != "not-pharmacy"], ids=ids)
def test_the_page_is_read_in_its_language(case):
    languages = gate(report(case))["facts"].get("languages") or []
    assert case["language"] in languages, languages


@pytest.mark.parametrize("case", CASES, ids=ids)
def test_quotes_are_short_and_not_the_menu(case):
    """Every evidence quote of the gate and of the prescription findings is a short passage, not the menu."""
    rep = report(case)
    menu = [label for label in case.get("menu", []) if label]
    quoted = [r for r in rep["rules"] if r["id"] in QUOTED_RULES]
    assert any(r["id"] == "online-pharmacy" for r in quoted), "no online-pharmacy rule in the report"
    for rule in quoted:
        for finding in rule["findings"]:
            for ev in finding.get("evidence") or []:
                quote = ev.get("quote") or ""
                assert len(quote) <= MAX_QUOTE, (rule["id"], finding["outcome"], len(quote), quote)
                in_quote = [label for label in menu if label in quote]
                assert len(in_quote) < 3, (rule["id"], finding["outcome"], quote, in_quote)
