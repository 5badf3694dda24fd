"""`pharmcheck summarize RESULTS`: text, JSON and a self-contained HTML page, from JSONL or CSV, opened in a real
headless Chromium (skipped when /usr/bin/chromium is absent)."""

from __future__ import annotations

import json
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from tests.test_audit import REPO, env, jsonl_records, run_audit

CHROMIUM = shutil.which("chromium") or ("/usr/bin/chromium" if Path("/usr/bin/chromium").exists() else None)


def summarize(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "pharmcheck", "summarize", *args], capture_output=True, text=True, timeout=60, env=env(), cwd=REPO)


@pytest.fixture
def results(serve_site, serve, dead_url, ca_bundle, tmp_path):
    """The JSONL and the CSV of one audit list: a legitimate shop, a rogue one, a dead address, a bad line, a duplicate,
    and a site whose start page carries markup in its address."""
    good = serve_site("legit-us-pharmacy")
    rogue = serve_site("rogue-no-prescription", tls=None)
    lst = tmp_path / "list.txt"
    lst.write_text(f"{good.url}\n{rogue.url}\n{dead_url}\nnot a url\n{good.url}\n{rogue.url}?<script>alert(1)</script>\n", encoding="utf-8")
    out = {}
    for fmt in ("jsonl", "csv"):
        out[fmt] = tmp_path / f"results.{fmt}"
        proc = run_audit(str(lst), "-f", fmt, "-o", str(out[fmt]), "--ca-bundle", str(ca_bundle), "--timeout", "5", "--quiet")
        assert proc.returncode == 0, proc.stderr
    return out


def test_the_summary_counts_what_the_records_say(results):
    proc = summarize(str(results["jsonl"]), "--format", "json")
    assert proc.returncode == 0, proc.stderr
    d = json.loads(proc.stdout)
    records = jsonl_records(results["jsonl"].read_text(encoding="utf-8"))
    assert d["records"] == len(records) == 6 and d["duplicates"] == 1 and d["sites"] == 5
    expected = {}
    for r in records:
        if r["audit"]["duplicate_of"] is None:
            expected[r["verdict"]["code"]] = expected.get(r["verdict"]["code"], 0) + 1
    assert {k: v for k, v in d["verdicts"].items() if v} == expected
    assert d["errors"] == {"connect": 1, "invalid-input": 1}
    assert d["rules"]["prescription"]["fail"] == 2 and "cross-border" in d["rules"]
    assert "prescription-not-required" in d["red_flags"] or any("prescription" in k for k in d["red_flags"])
    assert d["countries"].get("US", 0) >= 1
    assert len(d["slowest"]) == 5 and d["slowest"][0]["elapsed_ms"] >= d["slowest"][-1]["elapsed_ms"]
    # the CSV of the same list says the same
    csv_summary = json.loads(summarize(str(results["csv"]), "-f", "json").stdout)
    for key in ("records", "sites", "duplicates", "verdicts", "errors", "rules", "red_flags", "countries", "tlds"):
        assert csv_summary[key] == d[key], key
    text = summarize(str(results["jsonl"])).stdout
    assert "Verdicts:" in text and "likely-rogue" in text and "does not certify" in text


def test_a_file_still_being_written_and_a_recheck(results, tmp_path):
    lines = results["jsonl"].read_text(encoding="utf-8").splitlines(keepends=True)
    dead = next(json.loads(line) for line in lines if (json.loads(line).get("error") or {}).get("kind") == "connect")
    newer = dict(dead, verdict=dict(dead["verdict"], code="caution"), error=None, audit=dict(dead["audit"], attempt=2))
    growing = tmp_path / "growing.jsonl"
    growing.write_text("".join(lines) + json.dumps(newer) + "\n" + lines[0][: len(lines[0]) // 2], encoding="utf-8")
    d = json.loads(summarize(str(growing), "-f", "json").stdout)
    assert d["records"] == 6 and d["superseded"] == 1 and d["unreadable"] == 0  # the half line is not read yet
    assert "connect" not in d["errors"] and d["verdicts"]["caution"] >= 1


def test_bad_input_is_one_line_and_exit_7(tmp_path):
    for path, why in ((tmp_path / "missing.jsonl", "no such file"), (tmp_path, "folder")):
        proc = summarize(str(path))
        assert proc.returncode == 7 and proc.stderr.startswith("pharmcheck: ") and why in proc.stderr
        assert proc.stderr.count("\n") == 1
    other = tmp_path / "other.csv"
    other.write_text("name,rank\nfoo,1\n", encoding="utf-8")
    proc = summarize(str(other))
    assert proc.returncode == 7 and "not the output of pharmcheck audit" in proc.stderr
    assert summarize(str(other), "--format", "pdf").returncode == 2


def test_the_html_page_is_self_contained(results, tmp_path):
    page = tmp_path / "summary.html"
    proc = summarize(str(results["jsonl"]), "-f", "html", "-o", str(page))
    assert proc.returncode == 0 and proc.stdout == ""
    html = page.read_text(encoding="utf-8")
    assert "<script" not in html.lower().replace("&lt;script", "")  # the hostile address is escaped, and no script of ours
    assert not re.search(r"""(src|href)\s*=\s*["']?(https?:|//)""", html)  # nothing to fetch
    assert "&lt;script&gt;" in html


@pytest.mark.skipif(CHROMIUM is None, reason="chromium is not installed (apt-get install -y chromium)")
def test_the_html_page_renders_in_headless_chromium(results, tmp_path):
    page = tmp_path / "summary.html"
    assert summarize(str(results["csv"]), "-f", "html", "-o", str(page)).returncode == 0
    profile = tmp_path / "profile"
    proc = subprocess.run(
        [CHROMIUM, "--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update",
         "--disable-sync", "--no-first-run", f"--user-data-dir={profile}", "--dump-dom", page.as_uri()],
        capture_output=True, text=True, timeout=120,
    )
    dom = proc.stdout
    assert proc.returncode == 0 and "<svg" in dom, proc.stderr[-2000:]
    for chart in ("chart-verdicts", "chart-errors", "chart-red-flags", "chart-rules", "chart-tlds", "chart-countries"):
        assert f'id="{chart}"' in dom, chart
    bars = dict(re.findall(r'<g class="bar" data-key="([a-z-]+)" data-count="(\d+)"', dom.split('id="chart-verdicts"')[1].split("</svg>")[0]))
    assert int(bars["likely-rogue"]) >= 1 and int(bars["could-not-check"]) == 2
    assert "<script>alert" not in dom and "does not certify a pharmacy" in dom
    assert '<table id="slowest">' in dom
