"""The command line as users meet it: a real subprocess, real servers, real exit codes."""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
from pathlib import Path

import jsonschema
import pytest

from pharmcheck.exitcodes import VERDICT_EXIT, ExitStatus

REPO = Path(__file__).resolve().parent.parent


def run(*args: str, env: dict[str, str] | None = None, timeout: float = 120) -> subprocess.CompletedProcess:
    full_env = {**os.environ, **(env or {})}
    full_env.pop("FORCE_COLOR", None)
    return subprocess.run(
        [sys.executable, "-m", "pharmcheck", *args],
        capture_output=True,
        text=True,
        timeout=timeout,
        env=full_env,
        cwd=REPO,
    )


def schema() -> dict:
    out = run("schema")
    assert out.returncode == 0, out.stderr
    return json.loads(out.stdout)


def colour_codes(text: str) -> list[str]:
    """The SGR parameters of `text` that set a colour (foreground or background); bold or italic are not colour."""
    params = [p for seq in re.findall(r"\x1b\[([0-9;]*)m", text) for p in seq.split(";") if p]
    return [p for p in params if 30 <= int(p) <= 49 or 90 <= int(p) <= 107]


def assert_one_line_error(proc: subprocess.CompletedProcess) -> None:
    assert "Traceback" not in proc.stderr and "Traceback" not in proc.stdout
    lines = [line for line in proc.stderr.splitlines() if line.strip()]
    assert len(lines) == 1, proc.stderr
    assert lines[0].startswith("pharmcheck: ")


def test_schema_is_a_valid_json_schema():
    jsonschema.Draft202012Validator.check_schema(schema())


def test_check_json_validates_and_exit_code_matches_verdict(serve_site, ca_bundle):
    server = serve_site("legit-us-pharmacy")
    proc = run("check", server.url, "--json", "--ca-bundle", str(ca_bundle))
    report = json.loads(proc.stdout)  # stdout is the JSON report and nothing else
    jsonschema.validate(report, schema())
    assert proc.returncode == VERDICT_EXIT[report["verdict"]["code"]]
    assert report["final_url"] == server.url
    assert report["connection"]["tls"]["valid"] is True
    assert report["fetched_at"].endswith("Z")
    assert {r["id"] for r in report["rules"]} >= {"online-pharmacy", "https", "contact", "pharmacist", "prescription", "prices"}
    for rule in report["rules"]:
        for finding in rule["findings"]:
            # every conclusion carries evidence, or (for an absence) the pages searched, or is informational
            assert finding["evidence"] or finding["searched"] or finding["status"] in ("info", "not-applicable"), finding


def test_rogue_site_exits_with_the_rogue_code(serve_site, ca_bundle):
    server = serve_site("rogue-no-prescription")
    proc = run("check", server.url, "--json", "--ca-bundle", str(ca_bundle))
    report = json.loads(proc.stdout)
    assert report["verdict"]["code"] == "likely-rogue"
    assert proc.returncode == ExitStatus.LIKELY_ROGUE
    assert report["verdict"]["critical"]


def test_terminal_report_is_plain_when_not_a_terminal(serve_site, ca_bundle):
    server = serve_site("rogue-no-prescription")
    proc = run("check", server.url, "--ca-bundle", str(ca_bundle))
    assert "\x1b[" not in proc.stdout  # no colour codes in a pipe
    assert "LIKELY ROGUE" in proc.stdout
    assert "What to do" in proc.stdout
    assert "does not certify" in proc.stdout
    assert max(len(line) for line in proc.stdout.splitlines()) <= 100


def test_no_color_is_respected_even_when_forced_terminal(serve_site, ca_bundle):
    server = serve_site("rogue-no-prescription")
    proc = run("check", server.url, "--ca-bundle", str(ca_bundle), env={"NO_COLOR": "1", "TTY_COMPATIBLE": "1", "TTY_INTERACTIVE": "1"})
    assert not colour_codes(proc.stdout)


def test_offline_example_folder():
    proc = run("check", "examples/cheap-meds-24", "--json")
    report = json.loads(proc.stdout)
    assert report["mode"] == "offline"
    https = next(r for r in report["rules"] if r["id"] == "https")
    assert https["findings"][0]["outcome"] == "https-not-checked"  # offline: not checked, never a pass
    assert proc.returncode == VERDICT_EXIT[report["verdict"]["code"]]


@pytest.mark.parametrize(
    "target, code",
    [
        ("ftp://pharmacy.example", ExitStatus.INVALID_INPUT),
        ("https://exa mple.com", ExitStatus.INVALID_INPUT),
        ("missing-folder/page.html", ExitStatus.INVALID_INPUT),
        ("page.html", ExitStatus.INVALID_INPUT),
        ("", ExitStatus.INVALID_INPUT),
    ],
)
def test_bad_input_is_one_line_and_a_documented_code(target, code):
    proc = run("check", target)
    assert proc.returncode == code, proc.stderr
    assert_one_line_error(proc)
    assert proc.stdout == ""


def test_bad_input_in_json_mode_is_a_could_not_check_report():
    proc = run("check", "ftp://pharmacy.example", "--json")
    report = json.loads(proc.stdout)
    jsonschema.validate(report, schema())
    assert report["verdict"]["code"] == "could-not-check"
    assert report["error"]["kind"] == "invalid-input"
    assert proc.returncode == ExitStatus.INVALID_INPUT


@pytest.mark.parametrize("path, kind", [("trap/404", "http-status"), ("trap/500", "http-status"), ("trap/pdf", "not-html"), ("trap/redirect-loop", "redirect-loop")])
def test_unreachable_pages_give_could_not_check(serve, tmp_path, path, kind):
    server = serve(None)
    proc = run("check", server.url + path, "--json")
    report = json.loads(proc.stdout)
    assert report["verdict"]["code"] == "could-not-check"
    assert report["error"]["kind"] == kind
    assert proc.returncode == ExitStatus.COULD_NOT_CHECK
    assert_one_line_error(proc)


def test_refused_connection(dead_url):
    proc = run("check", dead_url)
    assert proc.returncode == ExitStatus.COULD_NOT_CHECK
    assert_one_line_error(proc)
    assert "refused" in proc.stderr


def test_timeout_is_bounded(serve):
    server = serve(None)
    proc = run("check", server.url + "trap/hang", "--timeout", "2")
    assert proc.returncode == ExitStatus.COULD_NOT_CHECK
    assert_one_line_error(proc)
    assert "timed out" in proc.stderr or "time budget" in proc.stderr


def test_bad_certificate_is_a_finding_not_a_crash(serve_site, ca_bundle):
    server = serve_site("self-signed-pharmacy")
    proc = run("check", server.url, "--json", "--ca-bundle", str(ca_bundle))
    report = json.loads(proc.stdout)
    https = next(r for r in report["rules"] if r["id"] == "https")
    outcome = {f["outcome"]: f for f in https["findings"]}
    assert "https-invalid-certificate" in outcome
    assert "self-signed" in outcome["https-invalid-certificate"]["message"]
    assert report["verdict"]["code"] != "likely-legitimate"


def test_rules_listing_and_docs():
    proc = run("rules")
    assert proc.returncode == 0
    for rule_id in ("online-pharmacy", "https", "contact", "pharmacist", "prescription", "prices"):
        assert rule_id in proc.stdout
    proc = run("rules", "prescription")
    assert proc.returncode == 0
    assert "prescription-not-required" in proc.stdout and "CRITICAL" in proc.stdout
    proc = run("rules", "no-such-rule")
    assert proc.returncode == ExitStatus.INVALID_INPUT
    assert_one_line_error(proc)


def test_scoring_table_is_published():
    proc = run("rules", "--scoring")
    table = json.loads(proc.stdout)
    assert table["rule_weights"]["prescription"] > 0
    assert table["outcomes"]["prescription-not-required"]["critical"] is True


def test_usage_error_is_exit_2():
    proc = run("check")
    assert proc.returncode == ExitStatus.USAGE
    assert "Traceback" not in proc.stderr


def test_version_and_help():
    assert run("--version").stdout.startswith("pharmcheck ")
    out = run("--help").stdout
    assert "check" in out and "audit" in out and "rules" in out and "schema" in out


def test_a_reader_that_stops_early_is_not_an_error():
    # `pharmcheck check ... | true`: the reader is gone before the report is written (EPIPE)
    script = f'"{sys.executable}" -m pharmcheck check examples/cheap-meds-24 | true; echo "${{PIPESTATUS[0]}}"'
    proc = subprocess.run(["bash", "-c", script], capture_output=True, text=True, cwd=REPO, timeout=60)
    assert proc.stdout.strip() == str(int(ExitStatus.LIKELY_ROGUE)), proc.stdout + proc.stderr
    assert "Traceback" not in proc.stderr and "Exception" not in proc.stderr


def test_a_javascript_only_page_cannot_be_checked(tmp_path):
    page = tmp_path / "app.html"
    page.write_text('<html><head><script src="/bundle.js"></script></head><body><div id="root"></div></body></html>', encoding="utf-8")
    proc = run("check", str(page), "--json")
    report = json.loads(proc.stdout)
    assert report["verdict"]["code"] == "could-not-check"
    assert report["error"]["kind"] == "empty-page" and "JavaScript" in report["error"]["message"]
    assert proc.returncode == ExitStatus.COULD_NOT_CHECK
