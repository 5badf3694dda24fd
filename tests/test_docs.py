"""The generated docs (scoring table, rule pages) match the code."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent


def test_generated_docs_are_current():
    proc = subprocess.run([sys.executable, str(REPO / "tools" / "gen_docs.py"), "--check"], capture_output=True, text=True)
    assert proc.returncode == 0, proc.stdout + proc.stderr
