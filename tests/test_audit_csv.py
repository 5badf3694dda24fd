"""The audit CSV for spreadsheets and SQL: snake_case columns only, loaded by pandas and duckdb as they come."""

from __future__ import annotations

import csv
import io
import re
from pathlib import Path

import pytest

from pharmcheck.audit.columns import columns
from pharmcheck.rules import load_rules
from tests.test_audit import run_audit

REPO = Path(__file__).resolve().parent.parent
RULE_IDS = [m.ID for m in load_rules()]


@pytest.fixture
def csv_file(serve_site, dead_url, ca_bundle, tmp_path) -> Path:
    good = serve_site("legit-us-pharmacy")
    rogue = serve_site("rogue-no-prescription", tls=None)
    weird = rogue.url + '?q=a,b"c'  # a comma and a quote inside a cell
    lst = tmp_path / "list.txt"
    lst.write_text(f"{good.url}\n{rogue.url}\n{dead_url}\nnot a url\n{weird}\n{good.url}\n", encoding="utf-8")
    out = tmp_path / "results.csv"
    proc = run_audit(str(lst), "-f", "csv", "-o", str(out), "--ca-bundle", str(ca_bundle), "--timeout", "5", "--quiet")
    assert proc.returncode == 0, proc.stderr
    return out


def test_columns_are_snake_case_and_documented():
    cols = columns(RULE_IDS)
    assert all(re.fullmatch(r"[a-z][a-z0-9_]*", c) for c in cols), cols
    assert len(set(cols)) == len(cols)
    for wanted in ("fetched_at", "final_url", "registered_domain", "scoring_version", "verdict", "score", "cautions", "critical",
                   "tls_valid", "tls_issuer", "address_country", "phone_country", "licence_numbers", "cross_border_status", "cross_border_score"):
        assert wanted in cols
    doc = (REPO / "docs" / "audit.md").read_text(encoding="utf-8")
    block = doc.split("<!-- csv-columns -->")[1].strip().split("\n\n")[0]
    documented = re.findall(r"^\| `([a-z0-9_<>]+)`", block, re.M)
    expected = [c for c in cols if not any(c == f"{r.replace('-', '_')}_{w}" for r in RULE_IDS for w in ("status", "score"))]
    assert [c for c in documented if "<" not in c] == list(expected)


def test_the_csv_loads_in_pandas_with_its_types(csv_file):
    pandas = pytest.importorskip("pandas")
    frame = pandas.read_csv(csv_file)
    assert list(frame.columns) == list(columns(RULE_IDS))
    assert len(frame) == 6 and frame["line"].dtype.kind == "i" and frame["score"].dtype.kind in "if"
    by_line = frame.set_index("line")
    assert by_line.loc[1, "verdict"] in ("likely-legitimate", "caution") and by_line.loc[1, "tls_valid"] == True  # noqa: E712
    assert by_line.loc[2, "verdict"] == "likely-rogue" and "prescription" in by_line.loc[2, "red_flags"]
    assert by_line.loc[3, "error_kind"] == "connect" and by_line.loc[4, "error_kind"] == "invalid-input"
    assert by_line.loc[5, "input"].endswith('?q=a,b"c')
    assert by_line.loc[6, "duplicate_of"] == 1
    assert "US" in by_line.loc[1, "address_country"] and by_line.loc[1, "licence_numbers"]


def test_the_csv_loads_in_duckdb_and_queries_without_quoting(csv_file):
    duckdb = pytest.importorskip("duckdb")
    con = duckdb.connect()
    con.execute(f"CREATE TABLE results AS SELECT * FROM read_csv_auto('{csv_file}')")
    described = {row[0]: row[1] for row in con.execute("DESCRIBE results").fetchall()}
    assert list(described) == list(columns(RULE_IDS))
    assert described["line"] in ("BIGINT", "INTEGER") and described["score"] in ("BIGINT", "INTEGER", "DOUBLE")
    rows = con.execute(
        "SELECT verdict, count(*) AS n FROM results WHERE duplicate_of IS NULL GROUP BY verdict ORDER BY verdict"
    ).fetchall()
    assert sum(n for _, n in rows) == 5
    rogue = con.execute("SELECT prescription_status, cross_border_status, registered_domain FROM results WHERE line = 2").fetchone()
    assert rogue[0] == "fail"
    assert con.execute("SELECT count(*) FROM results WHERE error_kind = 'connect'").fetchone()[0] == 1


def test_every_row_is_one_physical_line_read_by_the_csv_module(csv_file):
    content = csv_file.read_text(encoding="utf-8")
    rows = list(csv.DictReader(io.StringIO(content, newline="")))
    assert len(content.splitlines()) == len(rows) + 1 == 7
