"""Run the rules over a site and build the report. One engine for `check` and `audit`.

``analyze(raw_site)`` is a pure function from gathered bytes to the report dict: it parses, runs every
rule (a rule that crashes becomes an ``error`` result; the run goes on), grades, and builds the report.
Both its input and output pickle cheaply, so `audit` can run it in worker processes.
"""

from __future__ import annotations

import asyncio
import traceback
from typing import Any

from .fetch import FetchConfig, fetch_site
from .findings import ERROR, FAIL, INFO, NOT_APPLICABLE, PASS, WARN, Finding
from .report import build_report
from .scoring import RULE_WEIGHTS, rule_score, score_site
from .site import RawSite, Site, parse_site

_STATUS_ORDER = (FAIL, ERROR, WARN, PASS, INFO, NOT_APPLICABLE)


def warm_up() -> None:
    """Import and build everything analysis needs (rules, tables, compiled patterns) by analysing a small page.

    An audit worker calls this once, then ``gc.freeze()``: the long-lived objects leave the collector's
    generations, and collections during analysis only walk the page trees. The lexicon's expressions of
    other languages are compiled when a page first needs them (all of them would take seconds)."""
    from .site import RawPage
    from .urls import load_suffix_list

    load_suffix_list()

    page = (b"<!doctype html><html lang='en'><head><title>Pharmacy</title></head><body><nav><a href='/contact'>Contact</a>"
            b"<a href='tel:+1 215 555 0142'>Call</a></nav><main><table><tr><td>Viagra 100 mg</td><td>10 pills</td>"
            b"<td>$20.00</td><td><button>Add to cart</button></td></tr></table><p>No prescription needed. "
            b"We ship worldwide from India.</p><address>1 Main St, Philadelphia, PA 19107</address></main></body></html>")
    raw = RawSite(requested="https://warm-up.example/", start_url="https://warm-up.example/",
                  final_url="https://warm-up.example/",
                  pages=[RawPage(url="https://warm-up.example/", status=200, headers={"content-type": "text/html"}, body=page)])
    analyze(raw)


def settle_for_one_check() -> None:
    """For a process that checks one site and exits (the command line's own): load the rules and their
    tables now, then ``gc.freeze()``: the collector's passes during the check then walk the page trees,
    not the few hundred thousand objects the imports made (40-60 ms of a 300 ms check). Nothing frozen is
    ever collected, so a library, which may check sites for hours, never calls this."""
    import gc

    from pharmcheck.rules import load_rules

    load_rules()
    gc.freeze()


def run_rules(site: Site) -> list[dict[str, Any]]:
    from pharmcheck.rules import load_rules

    results = []
    for module in load_rules():
        try:
            findings = [f.to_dict() for f in module.check(site)]
            if not findings:
                raise RuntimeError("the rule returned no finding")
        except Exception as exc:  # one broken rule must not sink the report
            where = traceback.extract_tb(exc.__traceback__)[-1] if exc.__traceback__ else None
            at = f" at {where.filename.rsplit('/', 1)[-1]}:{where.lineno}" if where else ""
            findings = [
                Finding(
                    outcome=f"{module.ID}-error",
                    status=ERROR,
                    message=f"This check failed inside pharmcheck ({exc.__class__.__name__}: {exc}{at}); its signal is unknown.",
                ).to_dict()
            ]
        statuses = {f["status"] for f in findings}
        status = next((s for s in _STATUS_ORDER if s in statuses), NOT_APPLICABLE)
        results.append(
            {
                "id": module.ID,
                "title": module.TITLE,
                "status": status,
                "score": rule_score(findings),
                "weight": RULE_WEIGHTS.get(module.ID, 0),
                "findings": findings,
            }
        )
    return results


def is_pharmacy(site: Site) -> bool:
    """The gate's typed answer. When the gate itself fails, the site is graded as a pharmacy: a wrong
    "not a pharmacy" would leave the buyer unwarned."""
    from pharmcheck.rules import gate_answer

    try:
        return gate_answer(site).is_pharmacy
    except Exception:
        return True


def _gate_message(results: list[dict[str, Any]]) -> str:
    from pharmcheck.rules import GATE

    gate = next((r for r in results if r["id"] == GATE), None)
    return gate["findings"][0]["message"] if gate and gate["findings"] else ""


def _mixed(site: Site) -> bool:
    from pharmcheck.rules import gate_answer

    try:
        return bool(gate_answer(site).mixed)
    except Exception:
        return False


def analyze(raw: RawSite) -> dict[str, Any]:
    """Parse, judge and grade a gathered site; never raises for the site's faults."""

    if raw.error is not None:
        return build_report(raw, None, [], {"verdict": "could-not-check", "score": None, "critical": []})
    site = parse_site(raw)
    if site.start is None or not site.start.text and not site.start.links:
        body = raw.pages[0].body.lower() if raw.pages else b""
        if b"<script" in body:
            raw.error = "the start page shows no text without JavaScript, and pharmcheck never runs JavaScript"
        else:
            raw.error = "the start page has no readable content"
        raw.error_kind = "empty-page"
        return build_report(raw, site, [], {"verdict": "could-not-check", "score": None, "critical": []})
    results = run_rules(site)
    if is_pharmacy(site):
        graded = score_site(results)  # the gate's own weight is 0; its mixed-signs mark still caps the verdict
        if _mixed(site):
            graded = {**graded, "gate_note": _gate_message(results)}
            if graded["verdict"] == "likely-rogue" and not graded["critical"]:
                # Mixed signs and no red flag: what is missing may be missing because this is no shop at all.
                graded["verdict"] = "caution"
    else:
        # Say what was seen, not only what was not: the gate's finding names what the pages write about.
        graded = {"verdict": "not-a-pharmacy", "score": None, "critical": [], "gate_note": _gate_message(results)}
    return build_report(raw, site, results, graded)


def analysis_reserve(total: float) -> float:
    """Of a site's time budget, the part kept for judging it (the fetcher gets the rest)."""
    return min(15.0, max(0.5, total * 0.25))


def analyze_within(raw: RawSite, seconds: float | None) -> dict[str, Any]:
    """:func:`analyze`, stopped after ``seconds``: the site then could not be checked, and the report says why."""
    import time

    from .deadline import AnalysisTimeout, time_limit

    if raw.error is not None:  # nothing to judge: the fetch's own error is the report, never a timeout
        return analyze(raw)
    started = time.monotonic()
    try:
        with time_limit(seconds):
            return analyze(raw)
    except AnalysisTimeout as exc:
        raw.error, raw.error_kind = str(exc), "analysis-timeout"
        judged = time.monotonic() - started
        raw.elapsed_ms = (raw.elapsed_ms or 0) + round(judged * 1000)  # the time spent on the site, judging included
        raw.notes.append(f"judging stopped after {judged:.1f} s: no verdict rests on part of the pages")
        return build_report(raw, None, [], {"verdict": "could-not-check", "score": None, "critical": []})


async def check_target(target: str, config: FetchConfig | None = None, **options: Any) -> dict[str, Any]:
    """Fetch and judge one site within ``config.site_budget`` seconds in all (`check --timeout`)."""
    import dataclasses
    import time

    config = config or FetchConfig(**options)
    total = config.site_budget
    reserve = analysis_reserve(total)
    started = time.monotonic()
    raw = await fetch_site(target, dataclasses.replace(config, site_budget=max(0.5, total - reserve)))
    return analyze_within(raw, max(reserve, total - (time.monotonic() - started)))


def check_sync(target: str, config: FetchConfig | None = None, **options: Any) -> dict[str, Any]:
    return asyncio.run(check_target(target, config, **options))
