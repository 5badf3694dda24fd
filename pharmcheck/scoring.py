"""The one table of weights and outcome codes, and the verdict it leads to.

Rules judge; this module grades. Every outcome code a rule can emit has a row here: a score from 0
(a risk signal) to 1 (what a safe pharmacy shows), or None for informational outcomes that carry no
weight, and a ``critical`` mark for the red flags that make a site "likely rogue" whatever else scores
well. A rule's score is the mean of its scored findings; the site's score is the weighted mean of the
rules that had something to judge (a rule with nothing to judge gets no weight rather than a fake pass),
times 100. A few serious faults that are not marks of a rogue shop (a certificate the browser refuses, a
payment form over plain HTTP) are marked ``at_most_caution``: with one of them a site is never "likely
legitimate", whatever its score; so does a rule that failed inside pharmcheck (its ``<rule>-error``
outcome is listed among the cautions, and the rule scores 0 at its full weight: a failure never raises the
score). The table is printed for users by ``pharmcheck rules --scoring`` and in docs/scoring.md.

Change anything here and bump SCORING_VERSION: a report names the version that graded it.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

SCORING_VERSION = "3"  # 3: a rule that failed inside pharmcheck counts as failing (score 0), not as weightless


@dataclass(frozen=True)
class Grade:
    score: float | None  # None: informational, no weight
    critical: bool = False  # forces "likely rogue"
    at_most_caution: bool = False  # a serious fault that is not a rogue mark: never "likely legitimate"


# Weight of each rule in the site score. The gate (online-pharmacy) is not scored.
RULE_WEIGHTS: dict[str, float] = {
    "prescription": 35,
    "contact": 20,
    "pharmacist": 15,
    "https": 15,
    "prices": 15,
    "cross-border": 10,
    "medicines": 0,  # its marks cap the verdict; a clean list proves too little to add to the score
}

LIKELY_LEGITIMATE_AT = 75  # score >= this and no critical flag
CAUTION_AT = 45  # score >= this (and below the line above)
CRITICAL_CAP = 20  # a critical red flag caps the score here

G = Grade
OUTCOMES: dict[str, Grade] = {
    # online-pharmacy (the gate)
    "online-pharmacy-detected": G(None),
    "online-pharmacy-not-detected": G(None),
    "online-pharmacy-mixed-signs": G(None, at_most_caution=True),
    # prescription
    "prescription-required": G(1.0),
    "prescription-regulated-online-consultation": G(0.9),
    "prescription-not-required": G(0.0, critical=True),
    "prescription-questionnaire": G(0.0, critical=True),
    "prescription-not-mentioned": G(0.0, critical=True),
    "prescription-not-applicable": G(None),
    # https
    "https-not-checked": G(None),
    "https-valid-certificate": G(1.0),
    "https-invalid-certificate": G(0.0, at_most_caution=True),
    "https-not-used": G(0.0, at_most_caution=True),
    "https-http-redirects": G(1.0),
    "https-http-no-redirect": G(0.5),
    "https-http-not-checked": G(None),
    "https-hsts": G(1.0),
    "https-hsts-missing": G(0.7),
    "https-insecure-form": G(0.0, at_most_caution=True),
    "https-forms-secure": G(1.0),
    # contact
    "contact-address-found": G(1.0),
    "contact-address-country-unknown": G(0.6),
    "contact-address-po-box-only": G(0.2),
    "contact-address-missing": G(0.0),
    "contact-phone-found": G(1.0),
    "contact-phone-invalid": G(0.1),
    "contact-phone-missing": G(0.0),
    "contact-email-found": G(1.0),
    "contact-email-webmail-only": G(0.5),
    "contact-email-missing": G(0.3),
    "contact-page-found": G(1.0),
    "contact-page-missing": G(0.5),
    "contact-country-match": G(1.0),
    "contact-country-mismatch": G(0.0, at_most_caution=True),  # the site may not be where it says
    "contact-country-unknown": G(None),
    "contact-not-checked": G(None),
    # pharmacist
    "pharmacist-available": G(1.0),
    "pharmacist-generic-advice-only": G(0.2),
    "pharmacist-not-found": G(0.0),
    "pharmacist-licence-number-shown": G(1.0),
    "pharmacist-licence-seal-without-number": G(0.5),
    "pharmacist-licence-claimed-without-number": G(0.3),
    "pharmacist-licence-not-found": G(0.1),
    "pharmacist-not-checked": G(None),
    # prices
    "prices-plausible": G(0.75),  # a plausible price proves little
    "prices-below-reference": G(0.4, at_most_caution=True),
    "prices-far-below-reference": G(0.0, critical=True),
    "prices-no-reference": G(None),
    "prices-not-found": G(None),
    "prices-bonus-pills": G(0.1, at_most_caution=True),  # spam-shop pricing
    "prices-bulk-ladder": G(0.3),
    "prices-huge-discount": G(0.4),
    "prices-cheapest-claim": G(0.5),
    # cross-border
    "cross-border-shipping": G(0.3, at_most_caution=True),
    "cross-border-foreign-sourcing": G(0.3, at_most_caution=True),
    "cross-border-foreign-medicines-exported": G(0.0, critical=True),
    "cross-border-none": G(None),
    "cross-border-not-applicable": G(None),
    # medicines
    "medicines-unauthorised-offered": G(0.0, critical=True),
    "medicines-unauthorised-named": G(0.2, at_most_caution=True),
    "medicines-controlled-offered": G(0.3, at_most_caution=True),
    "medicines-none-flagged": G(None),
    "medicines-not-applicable": G(None),
}

VERDICTS: dict[str, dict[str, str]] = {
    "likely-legitimate": {
        "label": "Likely legitimate",
        "summary": "No serious risk signal was found. This is not a certification: check the pharmacy's licence "
        "on your regulator's register before you buy.",
    },
    "caution": {
        "label": "Caution",
        "summary": "Some signs of a safe pharmacy are missing or doubtful. Check the findings below and the "
        "pharmacy's licence with your regulator before you buy.",
    },
    "likely-rogue": {
        "label": "Likely rogue",
        "summary": "This site shows the marks of a rogue online pharmacy. Medicines from such sites are often "
        "counterfeit or unsafe: do not buy here.",
    },
    "not-a-pharmacy": {
        "label": "Not an online pharmacy",
        "summary": "This site does not appear to sell or dispense medicines, so it was not graded as a pharmacy.",
    },
    "could-not-check": {
        "label": "Could not check",
        "summary": "The site could not be checked, so nothing is known about it.",
    },
}

ADVICE: dict[str, list[str]] = {
    "likely-legitimate": [
        "Look the pharmacy up on your regulator's register (in the US: your state board of pharmacy or "
        "safe.pharmacy; in the UK: the GPhC register).",
        "Buy prescription medicines only with a prescription from your own doctor.",
    ],
    "caution": [
        "Do not buy until you have checked the pharmacy's licence with your regulator.",
        "Use a pharmacy that requires a valid prescription and shows a street address and phone number.",
        "Ask your doctor or local pharmacist if you are unsure.",
    ],
    "likely-rogue": [
        "Do not buy from this site and do not give it your card or health details.",
        "Use a licensed pharmacy that requires a valid prescription; talk to your doctor about your medicine.",
        "If you bought already: do not take the medicine, talk to your doctor, and report the site (in the "
        "US: FDA MedWatch; in the UK: the MHRA Yellow Card scheme).",
    ],
    "not-a-pharmacy": [
        "If you meant to buy medicine, use a licensed pharmacy and your doctor's prescription.",
    ],
    "could-not-check": [
        "Try again later, or check the address. A pharmacy you cannot reach securely is not one to buy from.",
    ],
}


def grade(outcome: str) -> Grade:
    """The row of an outcome code; an unknown code (a rule newer than the table) carries no weight."""
    return OUTCOMES.get(outcome, Grade(None))


def rule_score(findings: list[dict[str, Any]]) -> float | None:
    if any(f["status"] == "error" for f in findings):
        # A check that failed inside pharmcheck: what it would have said is unknown, so it counts as the worst
        # it could say, at its full weight. Dropped, its weight would let the rest raise the score.
        return 0.0
    scores = [g.score for g in (grade(f["outcome"]) for f in findings) if g.score is not None]
    if not scores:
        return None
    return sum(scores) / len(scores)


def score_site(rule_results: list[dict[str, Any]]) -> dict[str, Any]:
    """Score and verdict from rule results (the report's ``rules`` list). The gate is decided by the caller."""
    total = weight_sum = 0.0
    critical: list[str] = []
    cautions: list[str] = []
    for result in rule_results:
        for finding in result["findings"]:
            if finding["status"] == "error":
                # A check that failed inside pharmcheck must not improve the verdict by losing its weight:
                # its signal is unknown, so the site is never "likely legitimate".
                cautions.append(finding["outcome"])
                continue
            row = grade(finding["outcome"])
            if row.critical:
                critical.append(finding["outcome"])
            if row.at_most_caution:
                cautions.append(finding["outcome"])
        weight = RULE_WEIGHTS.get(result["id"], 0.0)
        if result["score"] is None or weight == 0:
            continue
        total += weight * result["score"]
        weight_sum += weight
    if weight_sum == 0:
        return {"score": None, "verdict": "could-not-check", "critical": critical, "cautions": cautions}
    score = round(100 * total / weight_sum)
    if critical:
        return {"score": min(score, CRITICAL_CAP), "verdict": "likely-rogue", "critical": critical, "cautions": cautions}
    if score >= LIKELY_LEGITIMATE_AT and not cautions:
        verdict = "likely-legitimate"
    elif score >= CAUTION_AT:
        verdict = "caution"
    else:
        verdict = "likely-rogue"
    return {"score": score, "verdict": verdict, "critical": critical, "cautions": cautions}


def scoring_table() -> dict[str, Any]:
    """The table as data, for `pharmcheck rules --scoring` and the docs."""
    return {
        "scoring_version": SCORING_VERSION,
        "rule_weights": RULE_WEIGHTS,
        "thresholds": {"likely-legitimate": LIKELY_LEGITIMATE_AT, "caution": CAUTION_AT, "critical_cap": CRITICAL_CAP},
        "outcomes": {code: {"score": g.score, "critical": g.critical, "at_most_caution": g.at_most_caution} for code, g in sorted(OUTCOMES.items())},
    }
