"""The words the reports show a person, in one place (the terminal and HTML reports both use them).

Outcome codes never appear in these reports: a reader sees a kind of reason in words ("Red flag"), the
finding's own sentence and its quote. The codes stay in the JSON report for tools.
"""

from __future__ import annotations

# Verdict code -> (label shown in capitals, the headline: what the buyer should take away, in plain words).
HEADLINES: dict[str, tuple[str, str]] = {
    "likely-rogue": ("LIKELY ROGUE", "it shows the marks of a rogue pharmacy. Do not buy here."),
    "caution": ("CAUTION", "signs of a safe pharmacy are missing or doubtful. Do not buy yet."),
    "likely-legitimate": ("LIKELY LEGITIMATE", "no serious risk signal found. Check its licence first."),
    "not-a-pharmacy": ("NOT AN ONLINE PHARMACY", "this site does not appear to sell medicines."),
    "could-not-check": ("COULD NOT CHECK", "the site could not be read, so nothing is known about it."),
}

# Kinds of reasons, strongest first. The word is what a reader sees, never only a colour.
RED_FLAG = "red-flag"
HOLDS = "holds-at-caution"
CHECK_FAILED = "check-failed"
PROBLEM = "problem"
WARNING = "warning"
GOOD = "good"
NOTE = "note"
NOT_JUDGED = "not-judged"

KIND_ORDER = (RED_FLAG, HOLDS, CHECK_FAILED, PROBLEM, WARNING, GOOD, NOTE, NOT_JUDGED)

KIND_LABELS: dict[str, str] = {
    RED_FLAG: "Red flag",
    HOLDS: "Serious",
    CHECK_FAILED: "Check failed",
    PROBLEM: "Problem",
    WARNING: "Warning",
    GOOD: "Good sign",
    NOTE: "Note",
    NOT_JUDGED: "Not judged",
}

# Styles (rich) and CSS classes per kind; the label words carry the meaning, the colour only repeats it.
KIND_STYLES: dict[str, str] = {
    RED_FLAG: "bold red",
    HOLDS: "bold yellow",
    CHECK_FAILED: "bold magenta",
    PROBLEM: "yellow",
    WARNING: "yellow",
    GOOD: "green",
    NOTE: "cyan",
    NOT_JUDGED: "dim",
}

VERDICT_STYLES: dict[str, str] = {
    "likely-legitimate": "bold green",
    "caution": "bold yellow",
    "likely-rogue": "bold red",
    "not-a-pharmacy": "bold blue",
    "could-not-check": "bold magenta",
}

# What no check of pages can see: said in every report, because a verdict is only as good as its pages.
NEVER_SEEN = "text that only JavaScript shows, pages behind a login, and what happens after you order"

LIMITS = "pharmcheck reports risk signals; it does not certify a pharmacy."

MORE_HINT = "Every finding: add -v. A report to keep: --format html -o report.html."

# A rule with nothing to judge, as the "Not checked" line names it (unknown rules: their title).
NOT_JUDGED_NAMES: dict[str, str] = {
    "prescription": "prescriptions (no medicine offered)",
    "https": "the connection",
    "contact": "contact details",
    "pharmacist": "the pharmacist",
    "prices": "prices (none found)",
    "cross-border": "selling abroad",
    "medicines": "the medicines offered (none read)",
}
