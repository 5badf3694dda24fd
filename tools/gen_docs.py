"""Write docs/scoring.md and docs/rules.md from the code (the scoring table and the rule docstrings).

    .venv/bin/python tools/gen_docs.py          # rewrite the docs
    .venv/bin/python tools/gen_docs.py --check  # exit 1 if they are out of date (the tests run this)
"""

from __future__ import annotations

import argparse
import inspect
import sys
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))


def scoring_md() -> str:
    from pharmcheck import scoring
    from pharmcheck.rules import load_rules

    lines = [
        "# How pharmcheck scores a site",
        "",
        "Generated from `pharmcheck/scoring.py` by `tools/gen_docs.py`; `pharmcheck rules --scoring` prints the",
        f"same table as JSON. Scoring version **{scoring.SCORING_VERSION}**.",
        "",
        inspect.cleandoc(scoring.__doc__ or ""),
        "",
        "## Verdicts",
        "",
        "| verdict | when |",
        "|---|---|",
        "| `not-a-pharmacy` | the `online-pharmacy` gate found no sign that the site sells or dispenses medicines (no score) |",
        "| `could-not-check` | the start page could not be fetched or read (no score) |",
        f"| `likely-rogue` | any critical outcome (score capped at {scoring.CRITICAL_CAP}), or a score below {scoring.CAUTION_AT} |",
        f"| `caution` | a score from {scoring.CAUTION_AT} to {scoring.LIKELY_LEGITIMATE_AT - 1}, or any outcome marked *at most caution* |",
        f"| `likely-legitimate` | a score of {scoring.LIKELY_LEGITIMATE_AT} or more, no critical outcome, no *at most caution* outcome |",
        "",
        "## Rule weights",
        "",
        "| rule | weight |",
        "|---|---|",
    ]
    lines += [f"| `{rule}` | {weight:g} |" for rule, weight in scoring.RULE_WEIGHTS.items()]
    lines += ["", "## Outcomes", "", "| rule | outcome | meaning | score | critical | at most caution |", "|---|---|---|---|---|---|"]
    for module in load_rules():
        for code, meaning in module.OUTCOMES.items():
            g = scoring.grade(code)
            score = "–" if g.score is None else f"{g.score:g}"
            lines.append(f"| `{module.ID}` | `{code}` | {meaning} | {score} | {'**yes**' if g.critical else ''} | {'yes' if g.at_most_caution else ''} |")
    return "\n".join(lines) + "\n"


def rules_md() -> str:
    from pharmcheck.rules import load_rules

    lines = ["# The rules", "", "Generated from the rule modules' docstrings by `tools/gen_docs.py`; `pharmcheck rules ID` prints the same.", ""]
    for module in load_rules():
        doc = inspect.cleandoc(module.__doc__ or "")
        title, _, body = doc.partition("\n")
        lines += [f"## `{module.ID}`: {module.TITLE}", "", "```text", body.strip(), "```", ""]
    return "\n".join(lines)


def main() -> int:
    ap = argparse.ArgumentParser()
    ap.add_argument("--check", action="store_true")
    args = ap.parse_args()
    stale = []
    for path, text in ((REPO / "docs" / "scoring.md", scoring_md()), (REPO / "docs" / "rules.md", rules_md())):
        if args.check:
            if not path.is_file() or path.read_text(encoding="utf-8") != text:
                stale.append(str(path.relative_to(REPO)))
        else:
            path.parent.mkdir(exist_ok=True)
            path.write_text(text, encoding="utf-8")
    if stale:
        print("out of date (run tools/gen_docs.py): " + ", ".join(stale))
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
