"""The wheel ships the rules as pharmcheck.rules, with their data, and no top-level `rules` package."""

from __future__ import annotations

import subprocess
import sys
import zipfile
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent


def test_wheel_contains_pharmcheck_rules_and_no_top_level_rules(tmp_path):
    proc = subprocess.run(
        [sys.executable, "-m", "pip", "wheel", "--no-deps", "--no-build-isolation", "-q", "-w", str(tmp_path), str(REPO)],
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert proc.returncode == 0, proc.stderr
    wheel = next(tmp_path.glob("pharmcheck-*.whl"))
    names = zipfile.ZipFile(wheel).namelist()
    assert "pharmcheck/rules/__init__.py" in names
    assert "pharmcheck/rules/prescription.py" in names
    assert "pharmcheck/rules/data/reference_prices.json" in names
    assert "pharmcheck/rules/data/medicines.json" in names
    assert {f"pharmcheck/rules/lexicon/{code}.json" for code in ("en", "de", "fr", "es", "it", "nl", "pl", "pt")} <= set(names)
    assert "pharmcheck/schema/report.schema.json" in names
    assert not [n for n in names if n.startswith("rules/")]
    assert not [n for n in names if n.startswith("tests/")]
