"""What this buyer should do about this site: advice chosen from the findings, not one list per verdict.

``choose_advice`` runs when the report is built, so the JSON report's ``advice`` holds the same lines the
terminal and HTML reports show (renderers read only the report). Each line is keyed on outcome codes;
an outcome this table does not know (a rule newer than it) adds no line, and every verdict has lines of
its own, so the advice is never empty. At most ``MAX_ADVICE`` lines, the most urgent first: a buyer
reads three lines, not ten.
"""

from __future__ import annotations

from typing import Any, Iterable

MAX_ADVICE = 4

REGISTERS = "US: your state board or safe.pharmacy; UK: the GPhC register"
REPORT_TO = "US: FDA MedWatch; UK: the MHRA Yellow Card scheme"

# (outcomes that call for the line, the line), in order of urgency. Only for a graded pharmacy.
_BY_OUTCOME: tuple[tuple[frozenset[str], str], ...] = (
    (
        frozenset({"https-invalid-certificate", "https-not-used", "https-insecure-form"}),
        "Do not type your card or health details into this site: its connection is not safe.",
    ),
    (
        frozenset({"prescription-not-required", "prescription-questionnaire", "prescription-not-mentioned"}),
        "Buy only from a pharmacy that asks for your doctor's prescription.",
    ),
    (
        frozenset({"prices-far-below-reference", "medicines-unauthorised-offered"}),
        "Medicines this cheap, or brands no regulator has approved, are often fake: do not take them.",
    ),
    (
        frozenset({"cross-border-shipping", "cross-border-foreign-sourcing", "cross-border-foreign-medicines-exported"}),
        "Buy from a pharmacy licensed where you live: medicines sent from abroad may be unapproved.",
    ),
    (
        frozenset({"contact-country-mismatch"}),
        "Ask where the pharmacy really is: its address and its phone numbers are in different countries.",
    ),
    (
        frozenset({"contact-address-missing", "contact-address-po-box-only", "contact-phone-missing", "contact-phone-invalid"}),
        "Do not buy from a pharmacy that hides its street address or phone number.",
    ),
    (
        frozenset({"pharmacist-not-found", "pharmacist-generic-advice-only"}),
        "Before you order, ask to speak to a pharmacist: a real pharmacy has one who answers.",
    ),
    (
        frozenset({"medicines-controlled-offered"}),
        "Controlled medicines (strong painkillers, sleeping pills) sold online are rarely lawful: ask your doctor.",
    ),
    (
        frozenset({"prices-below-reference", "prices-bonus-pills", "prices-huge-discount"}),
        "Be wary of prices far below your local pharmacy's and of free extra pills.",
    ),
)

_LICENCE_SHOWN = "pharmacist-licence-number-shown"


def _problems(rule_results: Iterable[dict[str, Any]]) -> list[str]:
    """Outcome codes of the findings that count against the site (fail, warn), in report order."""
    return [f["outcome"] for r in rule_results for f in r["findings"] if f["status"] in ("fail", "warn")]


def _outcomes(rule_results: Iterable[dict[str, Any]]) -> set[str]:
    return {f["outcome"] for r in rule_results for f in r["findings"]}


def _licence_line(outcomes: set[str], *, before_buying: bool = False) -> str:
    what = "the licence number it shows" if _LICENCE_SHOWN in outcomes else "the pharmacy"
    if before_buying:
        return f"Do not buy until you have found {what} on your regulator's own register ({REGISTERS})."
    return f"Find {what} on your regulator's own register ({REGISTERS}), not via the site."


def choose_advice(verdict: str, rule_results: list[dict[str, Any]], error: dict[str, Any] | None = None) -> list[str]:
    """Advice lines for a report, most urgent first."""
    outcomes = _outcomes(rule_results)
    problems = set(_problems(rule_results))
    errors = any(f["status"] == "error" for r in rule_results for f in r["findings"])
    lines: list[str] = []
    if verdict == "could-not-check":
        kind = (error or {}).get("kind", "")
        if kind == "invalid-input":
            lines.append("Check what you typed: a URL, a domain, a saved .html page or a folder of one site's pages.")
            return lines
        if kind == "dns":
            lines.append("Check the address for typing mistakes: no such site was found.")
        elif kind == "tls":
            lines.append("A pharmacy you cannot reach over a secure connection is not one to buy from.")
        elif kind == "empty-page":
            lines.append("Open the site in a browser and look for the signs below yourself.")
        else:
            lines.append("Try again later, or check the address.")
        lines.append(
            "Whatever site you use: it should ask for your prescription and show a street address, a phone "
            "number and a pharmacist."
        )
        return lines
    if verdict == "not-a-pharmacy":
        return [
            "This site was not graded as a pharmacy: if it sends you to a shop, check that shop's own address.",
            "If you meant to buy medicine, use a licensed pharmacy and your doctor's prescription.",
        ]
    if verdict == "likely-rogue":
        lines.append("Do not buy from this site and do not give it your card or health details.")
    chosen = [line for codes, line in _BY_OUTCOME if codes & problems]
    if verdict == "likely-rogue":
        lines.extend(chosen[:1])
        lines.append(
            f"Bought already? Do not take the medicine, talk to your doctor, and report the site ({REPORT_TO})."
        )
    elif verdict == "caution":
        if errors:
            lines.append("One check failed inside pharmcheck: run it again, or check that part yourself.")
        if "online-pharmacy-mixed-signs" in outcomes:
            lines.append("Check what the site really sells before you trust it with an order.")
        lines.extend(chosen)
        # The one step that settles a doubt comes last and is never crowded out.
        lines = list(dict.fromkeys(lines))[: MAX_ADVICE - 1]
        lines.append(_licence_line(outcomes, before_buying=True))
    else:  # likely-legitimate
        lines.append(_licence_line(outcomes))
        lines.append("Buy prescription medicines only with a prescription from your own doctor.")
        lines.extend(chosen[:1])
    # One line per thought, most urgent first, and few of them.
    return list(dict.fromkeys(lines))[:MAX_ADVICE]
