"""The engine and the scoring table: rules are isolated, outcomes are all graded, verdicts follow the table."""

from __future__ import annotations

import re
from pathlib import Path
import types

import pytest

from pharmcheck import scoring
from pharmcheck.engine import run_rules
from pharmcheck.rules import RULE_MODULES, UnknownRule, get_rule, load_rules
from tests.helpers import make_site


def test_every_rule_module_is_complete_and_documented():
    ids = set()
    for module in load_rules():
        assert re.fullmatch(r"[a-z0-9]+(-[a-z0-9]+)*", module.ID)
        assert module.ID not in ids
        ids.add(module.ID)
        assert module.TITLE and callable(module.check)
        assert module.__doc__ and len(module.__doc__) > 300, f"{module.ID}: the docstring is the rule's documentation"
        assert module.OUTCOMES
    assert len(ids) == len(RULE_MODULES)


def test_every_outcome_has_a_row_in_the_scoring_table_and_no_row_is_dead():
    declared = {code for module in load_rules() for code in module.OUTCOMES}
    missing = declared - set(scoring.OUTCOMES)
    assert not missing, f"outcomes without a scoring row: {sorted(missing)}"
    dead = set(scoring.OUTCOMES) - declared
    assert not dead, f"scoring rows no rule emits: {sorted(dead)}"
    assert set(scoring.RULE_WEIGHTS) <= {m.ID for m in load_rules()}


def test_outcome_codes_are_prefixed_by_their_rule():
    for module in load_rules():
        for code in module.OUTCOMES:
            assert code.startswith(module.ID.split("-")[0]), (module.ID, code)


def test_unknown_rule_is_a_clear_error():
    with pytest.raises(UnknownRule):
        get_rule("no-such-rule")


def test_a_crashing_rule_becomes_an_error_result_and_the_run_goes_on(monkeypatch):
    def boom(site):
        raise ValueError("broken on purpose")
        yield  # pragma: no cover

    broken = types.SimpleNamespace(ID="broken", TITLE="Broken", OUTCOMES={}, check=boom)
    real = load_rules()
    monkeypatch.setattr("pharmcheck.rules.load_rules", lambda: [broken, *real])
    results = run_rules(make_site("<html><body><p>Hello</p></body></html>"))
    assert results[0]["id"] == "broken" and results[0]["status"] == "error"
    assert "broken on purpose" in results[0]["findings"][0]["message"]
    assert len(results) == len(real) + 1


def _result(rule_id, *outcomes, status="pass"):
    findings = [{"outcome": o, "status": status} for o in outcomes]
    return {"id": rule_id, "findings": findings, "score": scoring.rule_score(findings)}


def test_critical_flag_forces_likely_rogue_whatever_else_scores():
    results = [
        _result("https", "https-valid-certificate", "https-hsts", "https-http-redirects"),
        _result("prescription", "prescription-not-required", status="fail"),
    ]
    graded = scoring.score_site(results)
    assert graded["verdict"] == "likely-rogue"
    assert graded["score"] <= scoring.CRITICAL_CAP
    assert graded["critical"] == ["prescription-not-required"]


def test_rules_with_nothing_to_judge_get_no_weight():
    results = [
        _result("https", "https-valid-certificate"),
        _result("prescription", "prescription-required"),
        _result("prices", "prices-not-found", status="not-applicable"),
    ]
    graded = scoring.score_site(results)
    assert graded["score"] == 100 and graded["verdict"] == "likely-legitimate"


def test_thresholds():
    weak = [_result("https", "https-invalid-certificate", status="fail"), _result("prescription", "prescription-required")]
    graded = scoring.score_site(weak)
    expected = round(100 * scoring.RULE_WEIGHTS["prescription"] / (scoring.RULE_WEIGHTS["prescription"] + scoring.RULE_WEIGHTS["https"]))
    assert graded["score"] == expected
    assert graded["verdict"] == ("likely-legitimate" if expected >= scoring.LIKELY_LEGITIMATE_AT else "caution")


def test_a_crashing_rule_never_leaves_a_site_likely_legitimate(monkeypatch):
    """A failed check's weight must not fall away in the site's favour: its signal is unknown."""
    from pharmcheck.engine import analyze
    from pharmcheck.rules import cross_border

    html = (Path(__file__).resolve().parent.parent / "examples" / "sunrise-pharmacy" / "index.html").read_text(encoding="utf-8")
    site = make_site(html)
    assert analyze(site.raw)["verdict"]["code"] == "likely-legitimate"

    def boom(_site):
        raise ValueError("Invalid IPv6 URL")
        yield  # pragma: no cover

    monkeypatch.setattr(cross_border, "check", boom)
    report = analyze(make_site(html).raw)
    assert report["verdict"]["code"] == "caution"
    assert "cross-border-error" in report["verdict"]["cautions"]


@pytest.mark.parametrize("example", ["cheap-meds-24", "sunrise-pharmacy"])
def test_a_crashing_rule_never_raises_the_score(monkeypatch, example):
    """Its weight once fell away: on a rogue shop a crash of the prescription rule took the score from 15 to
    20, of the pharmacist or prices rule to 17. A failed rule now counts as failing, at its full weight."""
    from pharmcheck.engine import analyze
    from pharmcheck.fetch import FetchConfig
    from pharmcheck.saved import read_saved

    folder = Path(__file__).resolve().parent.parent / "examples" / example
    base = analyze(read_saved(str(folder), folder, FetchConfig()))

    def boom(_site):
        raise ValueError("a bug")
        yield  # pragma: no cover

    for module in load_rules():
        if module.ID == "online-pharmacy":
            continue  # the gate: when it fails the site is graded as a pharmacy (test_kinds)
        with monkeypatch.context() as patch:
            patch.setattr(module, "check", boom)
            report = analyze(read_saved(str(folder), folder, FetchConfig()))
        assert report["verdict"]["score"] <= base["verdict"]["score"], module.ID
        assert f"{module.ID}-error" in report["verdict"]["cautions"]
        assert report["verdict"]["code"] != "likely-legitimate"


def test_a_judged_site_leaves_nothing_behind():
    """Every per-page cache is keyed weakly on the page: once a site's report is made and the site let go,
    none of its pages is alive. A cached value holding its own page strongly (as PageFacts once did) kept
    every page and all the caches' entries for good: an audit worker grew by about 1 MB a site."""
    import gc
    import weakref

    from pharmcheck.engine import analyze
    from pharmcheck.fetch import FetchConfig
    from pharmcheck.saved import read_saved
    from pharmcheck import site as site_module

    root = Path(__file__).resolve().parent.parent / "examples"
    folders = sorted(p for p in root.iterdir() if p.is_dir())
    assert folders, "the bundled examples are the sites judged here"
    created: list[weakref.ref] = []
    original = site_module.Page.__init__

    def tracked(self, *args, **kwargs):
        original(self, *args, **kwargs)
        created.append(weakref.ref(self))

    site_module.Page.__init__ = tracked
    try:
        for folder in folders:
            report = analyze(read_saved(str(folder), folder, FetchConfig()))
            assert report["verdict"]["code"] != "could-not-check"
    finally:
        site_module.Page.__init__ = original
    gc.collect()
    assert created, "pages were read"
    alive = [ref() for ref in created if ref() is not None]
    assert not alive, f"{len(alive)} of {len(created)} pages still alive after their reports: {[p.url for p in alive][:3]}"
