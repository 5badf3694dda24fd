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
    # the fetch ran out of time, or (on a loaded machine) the judging of what it got: both say so
    assert "timed out" in proc.stderr or "time budget" in proc.stderr or "took longer than" in proc.stderr


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
    assert_one_line_error(proc)  # the README promises one line; click's own form is four


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


# ----------------------------------------------------------------------------------------------
# Conventions: -h, -V, one-line usage errors, --format / -o, completion, rules --format json


@pytest.mark.parametrize(
    "args, hint",
    [
        (["check"], "pharmcheck check -h"),
        (["check", "examples/cheap-meds-24", "--format", "xml"], "pharmcheck check -h"),
        (["check", "examples/cheap-meds-24", "--no-such-option"], "pharmcheck check -h"),
        (["check", "examples/cheap-meds-24", "--json", "--format", "html"], "pharmcheck check -h"),
        (["check", "examples/cheap-meds-24", "--max-pages", "many"], "pharmcheck check -h"),
        (["audit"], "pharmcheck audit -h"),
        (["audit", "list.txt", "--concurrency", "0"], "pharmcheck audit -h"),
        (["rules", "--format", "yaml"], "pharmcheck rules -h"),
        (["no-such-command"], "pharmcheck -h"),
    ],
)
def test_usage_errors_are_one_line_with_the_hint(args, hint):
    proc = run(*args)
    assert proc.returncode == ExitStatus.USAGE, proc.stderr
    assert_one_line_error(proc)
    assert proc.stderr.rstrip().endswith(f"(try '{hint}')"), proc.stderr
    assert proc.stdout == ""


def test_short_help_and_version():
    for args in (["-h"], ["check", "-h"], ["audit", "-h"], ["rules", "-h"]):
        proc = run(*args)
        assert proc.returncode == 0 and proc.stdout.startswith("Usage: pharmcheck"), (args, proc.stdout)
    check_help = run("check", "-h").stdout
    for option in ("--format", "--output", "--json", "--proxy", "--no-env", "--allow-private", "--verbose"):
        assert option in check_help
    assert run("-V").stdout == run("--version").stdout
    assert run("-V").stdout.startswith("pharmcheck ")


def test_shell_completion_completes_commands_and_formats():
    env = {"_PHARMCHECK_COMPLETE": "complete_bash", "COMP_WORDS": "pharmcheck ch", "COMP_CWORD": "1"}
    assert run(env=env).stdout.split() == ["check"]
    env = {"_PHARMCHECK_COMPLETE": "complete_bash", "COMP_WORDS": "pharmcheck check --format ", "COMP_CWORD": "3"}
    assert run(env=env).stdout.split() == ["text", "json", "html"]
    assert "_pharmcheck_completion" in run("completion", "bash").stdout
    env = {"_PHARMCHECK_COMPLETE": "complete_bash", "COMP_WORDS": "pharmcheck completion ", "COMP_CWORD": "2"}
    assert run(env=env).stdout.split() == ["bash", "zsh", "fish", "powershell"]


def test_completion_works_from_sh_and_names_what_it_cannot_tell(tmp_path):
    """Under sh (make, CI, a Dockerfile's RUN) typer's own options gave up, even with the shell named."""
    def sh(command: str, **env: str) -> subprocess.CompletedProcess:
        full = {k: v for k, v in os.environ.items() if k != "SHELL"} | env
        return subprocess.run(["sh", "-c", f"{sys.executable} -m pharmcheck {command}"], capture_output=True, text=True,
                              env=full, cwd=REPO, timeout=60)

    assert "_pharmcheck_completion" in sh("completion bash").stdout
    assert "#compdef pharmcheck" in sh("completion zsh").stdout
    shown = sh("--show-completion", SHELL="/bin/bash")  # sh runs it: the login shell's name decides
    assert shown.returncode == 0 and "_pharmcheck_completion" in shown.stdout
    for command in ("--show-completion", "completion tcsh"):
        refused = sh(command, SHELL="/bin/sh")
        assert refused.returncode == ExitStatus.USAGE and refused.stdout == ""
        assert refused.stderr.count("\n") == 1 and refused.stderr.startswith("pharmcheck: ") and "completion bash" in refused.stderr
    installed = sh("completion bash --install", HOME=str(tmp_path))
    assert installed.returncode == 0, installed.stderr
    assert "_pharmcheck_completion" in (tmp_path / ".bash_completions" / "pharmcheck.sh").read_text()


@pytest.mark.parametrize("fmt", ["text", "json", "html"])
def test_output_file_in_each_format(tmp_path, fmt):
    out = tmp_path / f"report.{fmt}"
    proc = run("check", "examples/cheap-meds-24", "--format", fmt, "-o", str(out))
    assert proc.returncode == ExitStatus.LIKELY_ROGUE, proc.stderr
    # stdout says the verdict and where the report is, in one line
    assert proc.stdout.splitlines() == [proc.stdout.strip()] and proc.stdout.startswith("LIKELY ROGUE: ")
    assert str(out) in proc.stdout
    text = out.read_text(encoding="utf-8")
    if fmt == "json":
        jsonschema.validate(json.loads(text), schema())
    elif fmt == "html":
        assert text.startswith("<!DOCTYPE html>") and "Likely rogue" in text
    else:
        assert text.startswith("LIKELY ROGUE: ") and "\x1b[" not in text
    assert [p.name for p in tmp_path.iterdir()] == [out.name]  # no temporary file left behind


def test_a_report_file_gets_the_mode_a_file_written_in_place_would(tmp_path):
    """The report is written to a private temporary file and renamed: it must not stay private (0600)."""
    out = tmp_path / "report.html"
    proc = subprocess.run(["sh", "-c", f"umask 022 && {sys.executable} -m pharmcheck check examples/cheap-meds-24 -o {out}"],
                          capture_output=True, text=True, cwd=REPO, timeout=120)
    assert proc.returncode == ExitStatus.LIKELY_ROGUE, proc.stderr
    assert out.stat().st_mode & 0o777 == 0o644
    out.chmod(0o640)  # a file replaced keeps its mode
    run("check", "examples/cheap-meds-24", "-o", str(out))
    assert out.stat().st_mode & 0o777 == 0o640


def test_format_json_is_the_same_as_json():
    a, b = run("check", "examples/sunrise-pharmacy", "--json"), run("check", "examples/sunrise-pharmacy", "-f", "json")
    strip = lambda text: {k: v for k, v in json.loads(text).items() if k not in ("fetched_at", "elapsed_ms")}  # noqa: E731
    assert strip(a.stdout) == strip(b.stdout) and a.returncode == b.returncode == 0


def test_output_file_that_cannot_be_written_is_one_line(tmp_path):
    proc = run("check", "examples/cheap-meds-24", "-o", str(tmp_path / "no-such-folder" / "r.txt"))
    assert proc.returncode == ExitStatus.INVALID_INPUT
    assert_one_line_error(proc)
    proc = run("check", "examples/cheap-meds-24", "-o", str(tmp_path))
    assert proc.returncode == ExitStatus.INVALID_INPUT
    assert_one_line_error(proc)


def test_a_folder_of_several_sites_is_not_merged():
    proc = run("check", "examples")
    assert proc.returncode == ExitStatus.INVALID_INPUT
    assert_one_line_error(proc)
    assert "3 sites" in proc.stderr and "cheap-meds-24" in proc.stderr and proc.stdout == ""
    proc = run("check", "examples", "--json")
    report = json.loads(proc.stdout)
    jsonschema.validate(report, schema())
    assert report["verdict"]["code"] == "could-not-check" and report["error"]["kind"] == "invalid-input"
    assert report["pages"] == [] and proc.returncode == ExitStatus.INVALID_INPUT


def test_a_site_folder_with_subfolders_is_still_one_site(tmp_path):
    site = tmp_path / "shop"
    (site / "products").mkdir(parents=True)
    (site / "about").mkdir()
    (site / "products" / "index.html").write_text("<h1>Products</h1><p>Viagra 100 mg $0.50 no prescription needed</p>", encoding="utf-8")
    (site / "about" / "index.html").write_text("<h1>About us</h1><p>We ship worldwide.</p>", encoding="utf-8")
    (site / "index.html").write_text("<!DOCTYPE html><html><body><h1>Shop</h1><p>Welcome to our shop.</p><a href='products/index.html'>Products</a></body></html>", encoding="utf-8")
    proc = run("check", str(site), "--json")
    assert json.loads(proc.stdout)["error"] is None


def test_rules_format_json_lists_rules_and_outcomes():
    proc = run("rules", "--format", "json")
    assert proc.returncode == 0
    data = json.loads(proc.stdout)
    table = json.loads(run("rules", "--scoring").stdout)
    ids = [r["id"] for r in data["rules"]]
    assert {"online-pharmacy", "prescription", "https", "contact", "pharmacist", "prices"} <= set(ids)
    codes = {o["code"] for r in data["rules"] for o in r["outcomes"]}
    assert codes == set(table["outcomes"])  # every outcome of the scoring table, each under its rule
    rx = next(r for r in data["rules"] if r["id"] == "prescription")
    assert rx["weight"] == table["rule_weights"]["prescription"] and not rx["gate"]
    flag = next(o for o in rx["outcomes"] if o["code"] == "prescription-not-required")
    assert flag["critical"] is True and flag["score"] == 0.0 and flag["meaning"]
    assert rx["doc"].startswith("What it checks")
    one = json.loads(run("rules", "https", "-f", "json").stdout)
    assert [r["id"] for r in one["rules"]] == ["https"]


def test_a_terminal_report_in_a_pipe_is_plain_and_unpadded():
    proc = run("check", "examples/sunrise-pharmacy")
    lines = proc.stdout.splitlines()
    assert lines[0].startswith("LIKELY LEGITIMATE: ")
    assert all(line == line.rstrip() for line in lines) and len(lines) <= 25
    assert "\x1b[" not in proc.stdout and "…" not in proc.stdout.replace('…"', "")


# ----------------------------------------------------------------------------------------------
# Python API: the CLI's names


def test_python_api_takes_the_cli_option_names(serve, serve_site, ca_bundle):
    import time

    import pharmcheck

    server = serve_site("legit-us-pharmacy")
    report = pharmcheck.check(server.url, ca_bundle=ca_bundle, max_pages=2, timeout=30)
    assert report["verdict"]["code"] == "likely-legitimate"
    assert len(report["pages"]) <= 3  # the start page and at most max_pages more
    hang = serve(None)
    started = time.monotonic()
    report = pharmcheck.check(hang.url + "trap/hang", timeout=2)
    assert report["verdict"]["code"] == "could-not-check" and time.monotonic() - started < 15
    with pytest.raises(TypeError):
        pharmcheck.check(server.url, speed=3)
    with pytest.raises(TypeError):
        pharmcheck.check(server.url, timeout=3, site_budget=3)
    assert pharmcheck.check("examples")["error"]["kind"] == "invalid-input"
    text = pharmcheck.render_text(pharmcheck.check("examples/cheap-meds-24"))
    assert text.startswith("LIKELY ROGUE: ")


def test_proxy_options_reach_the_fetcher(serve_site, ca_bundle, dead_url):
    """--proxy and --no-env are wired to the fetcher: a dead proxy stops the check; --no-env ignores the
    environment's. (How proxies are used is tested with the fetcher, through a real CONNECT proxy.)"""
    server = serve_site("legit-us-pharmacy")
    dead_proxy = dead_url.rstrip("/")
    env = {"HTTPS_PROXY": dead_proxy, "HTTP_PROXY": dead_proxy, "NO_PROXY": "", "no_proxy": ""}
    through_env = run("check", server.url, "--ca-bundle", str(ca_bundle), env=env)
    assert through_env.returncode == ExitStatus.COULD_NOT_CHECK, through_env.stderr
    ignoring_env = run("check", server.url, "--ca-bundle", str(ca_bundle), "--no-env", env=env)
    assert ignoring_env.returncode == ExitStatus.LIKELY_LEGITIMATE, ignoring_env.stderr
    named = run("check", server.url, "--ca-bundle", str(ca_bundle), "--proxy", dead_proxy, env={"NO_PROXY": "", "no_proxy": ""})
    assert named.returncode == ExitStatus.COULD_NOT_CHECK
    assert_one_line_error(named)


def test_output_file_name_says_the_format_when_none_is_given(tmp_path):
    for name, start in (("r.html", "<!DOCTYPE html>"), ("r.json", "{"), ("r.txt", "LIKELY ROGUE: ")):
        proc = run("check", "examples/cheap-meds-24", "-o", str(tmp_path / name))
        assert proc.returncode == ExitStatus.LIKELY_ROGUE, proc.stderr
        assert (tmp_path / name).read_text(encoding="utf-8").startswith(start), name
    proc = run("check", "examples/cheap-meds-24", "-f", "text", "-o", str(tmp_path / "forced.html"))
    assert (tmp_path / "forced.html").read_text(encoding="utf-8").startswith("LIKELY ROGUE: ")


@pytest.mark.parametrize("sig", ["SIGINT", "SIGTERM"])
def test_a_check_stopped_by_ctrl_c_or_sigterm_says_so_in_one_line(sig):
    """typer turned Ctrl-C into exit 130 with no word, and SIGTERM killed the check (-15) without one."""
    import signal
    import time

    from tests.servers import SilentListener

    with SilentListener("127.0.0.1") as silent:
        proc = subprocess.Popen([sys.executable, "-m", "pharmcheck", "check", silent.url, "--timeout", "60"], cwd=REPO,
                                stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, start_new_session=True)
        time.sleep(3)  # started, and waiting on the silent server
        os.killpg(proc.pid, getattr(signal, sig))
        out, err = proc.communicate(timeout=30)
    assert proc.returncode == ExitStatus.INTERRUPTED
    assert out == "" and err.splitlines() == ["pharmcheck: interrupted: nothing was judged"]
