"""`pharmcheck audit`: a list of sites, checked by the same engine as `check`, against real loopback servers.

Most tests run the real command in a subprocess (as a user or a pipeline would), so exit codes, signals
and the files left behind are the real ones.
"""

from __future__ import annotations

import csv
import io
import itertools
import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import jsonschema
import pytest

from pharmcheck.audit import AuditInputError, CsvCodec, Entry, _DoneLines, _KeyTable, iter_entries, site_key
from pharmcheck.exitcodes import ExitStatus
from pharmcheck.report import json_schema
from tests.servers import Hang, html_doc, page, redirect

REPO = Path(__file__).resolve().parent.parent


def audit_cmd(*args: str) -> list[str]:
    # The test sites are on loopback addresses, which an audit refuses unless told (see test_netguard.py).
    return [sys.executable, "-m", "pharmcheck", "audit", "--allow-private", *args]


def env() -> dict[str, str]:
    e = dict(os.environ)
    e.pop("FORCE_COLOR", None)
    return e


def run_audit(*args: str, stdin: str | None = None, timeout: float = 60) -> subprocess.CompletedProcess:
    return subprocess.run(audit_cmd(*args), input=stdin, capture_output=True, text=True, timeout=timeout, env=env(), cwd=REPO)


def entry_lines(text: str) -> list[int]:
    """Line numbers of the entries of a plain list (not blank, not a comment)."""
    return [i for i, line in enumerate(text.splitlines(), 1) if line.strip() and not line.strip().startswith("#")]


def jsonl_records(text: str) -> list[dict]:
    return [json.loads(line) for line in text.splitlines() if line.strip()]


def assert_one_line_error(proc: subprocess.CompletedProcess) -> None:
    assert "Traceback" not in proc.stderr
    lines = [line for line in proc.stderr.splitlines() if line.strip()]
    assert len(lines) == 1 and lines[0].startswith("pharmcheck: "), proc.stderr


def small_site(title: str, body: str = "") -> dict:
    """Routes of a tiny site with a few pages that the crawler will want to read."""
    links = '<a href="/contact">Contact us</a> <a href="/about">About us</a> <a href="/faq">FAQ</a>'
    return {
        "/": page(html_doc(title, f"<h1>{title}</h1><p>Online pharmacy. {body}</p><nav>{links}</nav>")),
        "/contact": page(html_doc("Contact", "<p>Write to us.</p>")),
        "/about": page(html_doc("About", "<p>About us.</p>")),
        "/faq": page(html_doc("FAQ", "<p>Questions.</p>")),
    }


# ----------------------------------------------------------------------------------------------
# Reading lists (in process)


def entries(text: str, fmt: str = "auto") -> list[Entry]:
    return list(iter_entries(io.BytesIO(text.encode("utf-8")), fmt, "list"))


def test_plain_list_with_comments_blank_lines_and_hosts_lines():
    text = (
        "# my list\n"
        "\n"
        "pharmacy.example\n"
        "https://shop.example/path?q=1   # trailing note\n"
        "127.0.0.1 localhost\n"
        "0.0.0.0 0.0.0.0\n"
        "0.0.0.0 rx-cheap.example\n"
        "two words here\n"
        "  \t\n"
    )
    got = [(e.line, e.text, e.problem is not None) for e in entries(text)]
    assert got == [
        (3, "pharmacy.example", False),
        (4, "https://shop.example/path?q=1", False),
        (7, "rx-cheap.example", False),
        (8, "two words here", True),
    ]


def test_csv_list_reads_the_url_column_with_physical_line_numbers():
    text = 'name,url,notes\nA,https://a.example/,"one"\n\nB,b.example,"two\nlines"\nC,,x\nD,d.example,z\n'
    got = [(e.line, e.text, e.problem is not None) for e in entries(text)]
    assert got == [(2, "https://a.example/", False), (4, "b.example", False), (6, "", True), (7, "d.example", False)]
    # a UTF-8 byte order mark (Excel) does not hide the header
    assert [e.text for e in entries("\ufeffURL\nx.example\n")] == ["x.example"]


def test_csv_without_a_url_column_and_binary_lists_are_refused():
    with pytest.raises(AuditInputError, match="url"):
        entries("name,rank\nfoo,1\n")
    with pytest.raises(AuditInputError, match="NUL"):
        list(iter_entries(io.BytesIO("a.example\n".encode("utf-16")), "auto", "list"))


def test_the_real_blocklist_is_read_as_a_stream_of_domains():
    path = REPO.parent / "shared" / "data" / "domains" / "drug_related_domains_blocklist.txt"
    if not path.is_file():
        pytest.skip("the shared blocklist is not available")
    with open(path, "rb") as f:
        got = list(iter_entries(f, "auto", str(path)))
    raw_lines = path.read_text(encoding="utf-8").splitlines()
    expected = [i for i, line in enumerate(raw_lines, 1) if line.strip() and not line.startswith("#")]
    assert [e.line for e in got] == expected
    assert all(e.problem is None and " " not in e.text for e in got)


def test_a_list_is_read_as_a_stream():
    class Endless(io.RawIOBase):
        """An endless list of domains that counts what was read from it."""

        def __init__(self):
            self.read_bytes = 0
            self.n = 0

        def readable(self):
            return True

        def readinto(self, buf):
            chunk = b"".join(b"site%d.example\n" % (self.n + i) for i in range(len(buf) // 24))
            self.n += len(buf) // 24
            buf[: len(chunk)] = chunk
            self.read_bytes += len(chunk)
            return len(chunk)

    stream = Endless()
    first = list(itertools.islice(iter_entries(stream, "auto", "endless"), 1000))
    assert [e.text for e in first[:2]] == ["site0.example", "site1.example"] and len(first) == 1000
    assert stream.read_bytes < 200_000  # read as needed, never the whole list


@pytest.mark.parametrize("memory_slots, memory_lines", [(1 << 18, 1 << 20), (64, 100)], ids=["in-memory", "moved-to-files"])
def test_key_table_and_done_lines_remember_many_sites(memory_slots, memory_lines):
    table = _KeyTable(capacity=8, memory_slots=memory_slots)
    keys = [site_key(f"https://site{i}.example/") for i in range(5000)]
    assert len(set(keys)) == 5000
    for i, k in enumerate(keys):
        table.put(k, i + 1, -1)
        if i == 2000:  # halfway: what is there is found, wherever it lives now
            assert table.get(keys[1000]) == (1001, -1) and table.get(keys[2001]) is None
    for i, k in enumerate(keys):
        if i % 2:
            table.put(k, i + 1, i * 10)  # its record is written: the offset replaces "in flight"
    assert len(table) == 5000
    assert [table.get(k) for k in keys] == [(i + 1, i * 10 if i % 2 else -1) for i in range(5000)]
    assert table.get(site_key("https://other.example/")) is None
    assert (table._disk is not None) == (memory_slots < 1 << 12)  # past its memory share, the table is a file
    table.close()
    done = _DoneLines(memory_lines=memory_lines)
    assert done.add(3, "early.example") and done.add(70_000, "a.example") and not done.add(70_000, "a.example")
    assert done.matches(70_000, "a.example") and not done.matches(70_000, "b.example") and not done.get(4)
    assert done.matches(3, "early.example") and not done.get(10**7) and done.count == 2
    assert (done._file is not None) == (memory_lines < 70_000)
    done.close()


def test_csv_cells_never_break_a_line_and_never_run_as_formulas():
    codec = CsvCodec(["https"])
    line = codec._row(["=HYPERLINK(\"x\")", "two\nlines", None])
    assert line.count("\n") == 1
    assert next(csv.reader([line])) == ["'=HYPERLINK(\"x\")", "two lines", ""]
    assert codec._uncell("'=x") == "=x" and codec._uncell("'plain") == "'plain"


# ----------------------------------------------------------------------------------------------
# A mixed list against real servers


@pytest.fixture
def farm(serve, serve_site, dead_url):
    """Fictional sites of every kind a real list holds."""
    return {
        "good": serve_site("legit-us-pharmacy"),
        "rogue": serve_site("rogue-no-prescription", tls=None),
        "hang": serve(None, routes={"/robots.txt": (404, {}, b""), "/": Hang()}),
        "loop": serve(None, routes={"/": redirect("/trap/redirect-loop")}),
        "bad-cert": serve_site("self-signed-pharmacy"),
        "huge": serve(None, routes={"/": redirect("/trap/endless")}),
        "dead": dead_url,
    }


def farm_list(farm) -> str:
    url = lambda k: farm[k] if isinstance(farm[k], str) else farm[k].url  # noqa: E731
    return (
        "# a list with every kind of site\n"
        f"{url('good')}\n"
        f"{url('rogue')}\n"
        "\n"
        f"{url('hang')}\n"
        f"{url('loop')}\n"
        f"{url('bad-cert')}\n"
        f"{url('huge')}\n"
        f"{url('dead')}\n"
        "this is not a url\n"
        f"{url('good')}\n"  # a duplicate: checked once
        f"{url('rogue').upper().replace('HTTP://', 'http://')}\n"  # the same after normalising
    )


def test_mixed_list_one_valid_record_per_line_streamed_in_jsonl(farm, ca_bundle, tmp_path):
    text = farm_list(farm)
    lst = tmp_path / "list.txt"
    lst.write_text(text, encoding="utf-8")
    t0 = time.monotonic()
    proc = run_audit(str(lst), "--ca-bundle", str(ca_bundle), "--timeout", "6", "--concurrency", "8")
    elapsed = time.monotonic() - t0
    assert proc.returncode == ExitStatus.LIKELY_LEGITIMATE, proc.stderr
    records = jsonl_records(proc.stdout)
    assert len(proc.stdout.splitlines()) == len(records) == len(entry_lines(text))
    assert sorted(r["audit"]["line"] for r in records) == entry_lines(text)
    schema = json_schema()
    for r in records:
        jsonschema.validate(r, schema)
    by_line = {r["audit"]["line"]: r for r in records}
    lines = entry_lines(text)
    good, rogue, hang, loop, bad_cert, huge, dead, invalid, dup_good, dup_rogue = (by_line[n] for n in lines)
    assert good["error"] is None and good["verdict"]["code"] != "could-not-check"
    assert rogue["error"] is None and rogue["verdict"]["code"] != good["verdict"]["code"]
    assert hang["error"]["kind"] == "timeout"
    assert loop["error"]["kind"] == "redirect-loop"
    assert bad_cert["error"] is None and bad_cert["connection"]["tls"]["valid"] is False
    assert huge["pages"][0]["truncated"] is True
    assert dead["error"]["kind"] == "connect"
    assert invalid["error"]["kind"] == "invalid-input" and invalid["audit"]["input"] == "this is not a url"
    # duplicates: the first check's report, pointing at its line; the site was fetched once
    assert dup_good["audit"]["duplicate_of"] == lines[0] and good["audit"]["duplicate_of"] is None
    assert dup_good["verdict"] == good["verdict"] and dup_good["rules"] == good["rules"]
    assert dup_rogue["audit"]["duplicate_of"] == lines[1]
    assert [(e.scheme, e.path) for e in farm["good"].log].count(("https", "/")) == 1
    # the slow site cost its own budget, not the run's: 3 s budget, all at once
    assert elapsed < 20, elapsed
    # the summary on stderr
    assert "could-not-check" in proc.stderr and "Errors by kind" in proc.stderr and "timeout" in proc.stderr
    assert "1 line(s) not a URL" in proc.stderr and "2 duplicate(s)" in proc.stderr


def test_audit_record_is_the_check_report(farm, ca_bundle):
    """One engine: the audit record of a site is what `check --json` says of it."""
    url = farm["good"].url
    # robots.txt ignored: `check` fetches for a person and does not read it (this site disallows /account/)
    proc = run_audit("-", "--ca-bundle", str(ca_bundle), "--workers", "1", "--ignore-robots", stdin=f"{url}\n")
    record = jsonl_records(proc.stdout)[0]
    check = subprocess.run(
        [sys.executable, "-m", "pharmcheck", "check", url, "--json", "--ca-bundle", str(ca_bundle)],
        capture_output=True, text=True, timeout=60, env=env(), cwd=REPO,
    )
    report = json.loads(check.stdout)
    assert record.pop("audit") == {"line": 1, "input": url, "duplicate_of": None}
    assert record["verdict"] == report["verdict"]
    assert record["rules"] == report["rules"]
    assert set(record) == set(report)
    assert [p["url"] for p in record["pages"]] == [p["url"] for p in report["pages"]]


def test_csv_output_parses_with_one_row_per_line(farm, ca_bundle, tmp_path):
    text = farm_list(farm)
    out = tmp_path / "out.csv"
    proc = run_audit("-", "--format", "csv", "-o", str(out), "--ca-bundle", str(ca_bundle), "--timeout", "6", stdin=text)
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout == ""
    content = out.read_text(encoding="utf-8")
    rows = list(csv.DictReader(io.StringIO(content, newline="")))
    assert len(content.splitlines()) == len(rows) + 1  # one physical line per row
    assert sorted(int(r["line"]) for r in rows) == entry_lines(text)
    from pharmcheck.rules import load_rules

    rule_ids = [m.ID for m in load_rules()]
    header = next(csv.reader(io.StringIO(content)))
    from pharmcheck.audit.columns import columns

    assert header == list(columns(rule_ids)) and all(c.replace("_", "").isalnum() and c.islower() for c in header)
    by_line = {int(r["line"]): r for r in rows}
    lines = entry_lines(text)
    good, dead, invalid = by_line[lines[0]], by_line[lines[6]], by_line[lines[7]]
    assert good["verdict"] in ("likely-legitimate", "caution") and good["score"].isdigit()
    assert all(good[rid.replace("-", "_") + "_status"] in ("pass", "fail", "warn", "info", "not-applicable", "error") for rid in rule_ids)
    assert good["scoring_version"] and good["fetched_at"].endswith("Z") and good["tls_valid"] == "true" and good["tls_issuer"]
    assert dead["verdict"] == "could-not-check" and dead["error_kind"] == "connect" and dead["score"] == ""
    assert invalid["error_kind"] == "invalid-input"
    assert by_line[lines[8]]["duplicate_of"] == str(lines[0])


# ----------------------------------------------------------------------------------------------
# Crawler manners


def test_robots_txt_is_obeyed_unless_told_otherwise(serve, tmp_path):
    closed = serve(None, routes={"/robots.txt": (200, {"Content-Type": "text/plain"}, b"User-agent: *\nDisallow: /\n"), **small_site("Closed")})
    partial = serve(None, routes={"/robots.txt": (200, {"Content-Type": "text/plain"}, b"User-agent: *\nDisallow: /contact\n"), **small_site("Partial")})
    text = f"{closed.url}\n{partial.url}\n"
    proc = run_audit("-", stdin=text)
    closed_rec, partial_rec = sorted(jsonl_records(proc.stdout), key=lambda r: r["audit"]["line"])
    assert closed_rec["error"]["kind"] == "robots-disallowed" and closed.paths() == ["/robots.txt"]
    assert partial_rec["error"] is None and "/contact" not in partial.paths() and "/about" in partial.paths()
    proc = run_audit("-", "--ignore-robots", stdin=text)
    assert all(r["error"] is None for r in jsonl_records(proc.stdout))
    assert "/" in closed.paths() and "/contact" in partial.paths()


def test_one_request_at_a_time_per_host(serve_site):
    # one server (one host), a 13-page crawl, listed under four different URLs: four sites on the same host
    server = serve_site("rogue-big-catalogue", tls=None, delay=0.02)
    other = serve_site("rogue-impossible-prices", tls=None, delay=0.02)
    text = "".join(f"{server.url}{p}\n" for p in ("", "contact.html", "faq.html", "catalogue.html")) + f"{other.url}\n"
    t0 = time.monotonic()
    proc = run_audit("-", "--concurrency", "20", stdin=text)
    assert proc.returncode == 0, proc.stderr
    assert len(jsonl_records(proc.stdout)) == 5
    paths = server.paths()
    assert paths.count("/robots.txt") == 4 and len(paths) > 12  # four crawls really happened on that host...
    assert server.max_concurrent == 1  # ...never two requests at once
    assert other.max_concurrent == 1
    assert time.monotonic() - t0 < 30


def test_a_run_of_lines_on_one_host_does_not_hold_up_the_others(serve):
    # twelve sites on one slow host, then one site elsewhere; with 2 sites at a time the busy host is served
    # one site after the other, and the other host does not wait for all twelve
    busy = serve(None, routes={"/*": page(html_doc("Slow", "<p>Online pharmacy.</p>"))}, delay=0.2)
    other = serve(None, routes=small_site("Elsewhere"))
    text = "".join(f"{busy.url}p{i}\n" for i in range(12)) + f"{other.url}\n"
    proc = run_audit("-", "--concurrency", "2", "--ignore-robots", stdin=text)
    assert proc.returncode == 0, proc.stderr
    order = [r["audit"]["line"] for r in jsonl_records(proc.stdout)]
    assert sorted(order) == list(range(1, 14))
    assert order.index(13) < 6, order  # done while the busy host still had most of its queue (else >= 9)
    assert busy.max_concurrent == 1


def test_delay_spaces_requests_to_one_host(serve):
    times: list[float] = []

    def timed(handler):
        def answer(method, path, headers):
            times.append(time.monotonic())
            return handler(method, path, headers)

        return answer

    server = serve(None, routes={k: timed(v) for k, v in small_site("Slowly").items()})
    proc = run_audit("-", "--delay", "0.3", "--ignore-robots", stdin=f"{server.url}\n{server.url}about\n")
    assert proc.returncode == 0, proc.stderr
    assert len(jsonl_records(proc.stdout)) == 2
    # two crawls of the same host (4 pages, then 1): every request waits for the delay, within a site and
    # between the two sites
    assert len(times) == 5
    gaps = [b - a for a, b in zip(times, times[1:])]
    assert min(gaps) >= 0.27, gaps


# ----------------------------------------------------------------------------------------------
# Nothing lost: kill, resume, Ctrl-C


def slow_sites(serve, n: int, delay: float) -> list:
    return [serve(None, routes=small_site(f"Pharmacy {i}"), delay=delay) for i in range(n)]


def wait_for_lines(path: Path, n: int, proc: subprocess.Popen, limit: float = 30) -> None:
    end = time.monotonic() + limit
    while time.monotonic() < end:
        if path.exists() and path.read_bytes().count(b"\n") >= n:
            return
        if proc.poll() is not None:
            raise AssertionError(f"the audit ended early: {proc.returncode}")
        time.sleep(0.02)
    raise AssertionError(f"{path} never reached {n} lines")


def test_resume_after_sigkill_loses_nothing_and_repeats_nothing(serve, tmp_path):
    servers = slow_sites(serve, 16, delay=0.15)
    text = "# sixteen slow sites\n" + "".join(f"{s.url}\n" for s in servers) + f"{servers[0].url}\nnot a url\n"
    lst = tmp_path / "list.txt"
    lst.write_text(text, encoding="utf-8")
    out = tmp_path / "out.jsonl"
    args = [str(lst), "-o", str(out), "--concurrency", "3", "--ignore-robots", "--quiet"]
    proc = subprocess.Popen(audit_cmd(*args), stdout=subprocess.PIPE, stderr=subprocess.PIPE, env=env(), cwd=REPO)
    try:
        wait_for_lines(out, 4, proc)
        proc.send_signal(signal.SIGKILL)
        proc.wait(10)
    finally:
        proc.kill()
        proc.communicate()
    data = out.read_bytes()
    first_run = jsonl_records(data.decode())
    assert 4 <= len(first_run) < len(entry_lines(text)), "the kill came too late to test anything"
    # every complete line is a valid record; then simulate a record torn by a kill in the middle of a write
    assert data.endswith(b"\n")
    with out.open("ab") as f:
        f.write(b'{"advice": ["torn')
    requests_before = {s.port: len(s.requests) for s in servers}
    done_before = {r["audit"]["line"] for r in first_run}

    proc2 = run_audit(*args, "--resume")
    assert proc2.returncode == 0, proc2.stderr
    records = jsonl_records(out.read_text(encoding="utf-8"))  # would fail on a torn line
    schema = json_schema()
    for r in records:
        jsonschema.validate(r, schema)
    assert sorted(r["audit"]["line"] for r in records) == entry_lines(text)  # nothing lost, nothing twice
    assert records[: len(first_run)] == first_run  # what was there is kept as it was
    lines = entry_lines(text)
    for i, s in enumerate(servers):
        if lines[i] in done_before:
            assert len(s.requests) == requests_before[s.port], f"site {i} was checked again"
        else:
            assert s.paths().count("/") >= 1
    # the duplicate of line 2 points at it, whichever run checked it
    dup = next(r for r in records if r["audit"]["line"] == lines[16])
    assert dup["audit"]["duplicate_of"] == lines[0]
    # resuming a finished run does nothing
    size = out.stat().st_size
    proc3 = run_audit(*args, "--resume")
    assert proc3.returncode == 0 and out.stat().st_size == size


def test_resume_refuses_an_output_of_another_list(tmp_path, dead_url):
    out = tmp_path / "out.csv"
    lst = tmp_path / "a.txt"
    lst.write_text(f"{dead_url}\nnot a url\n", encoding="utf-8")
    assert run_audit(str(lst), "-o", str(out), "--format", "csv").returncode == 0
    other = tmp_path / "b.txt"
    other.write_text(f"{dead_url}x\nnot a url\n", encoding="utf-8")
    proc = run_audit(str(other), "-o", str(out), "--format", "csv", "--resume")
    assert proc.returncode == ExitStatus.INVALID_INPUT
    assert_one_line_error(proc)
    proc = run_audit(str(lst), "-o", str(out), "--format", "jsonl", "--resume")  # CSV file, JSONL asked
    assert proc.returncode == ExitStatus.INVALID_INPUT
    assert_one_line_error(proc)


def test_records_stream_out_while_the_list_is_still_being_written(tmp_path, dead_url):
    out = tmp_path / "out.jsonl"
    proc = subprocess.Popen(audit_cmd("-", "-o", str(out), "--quiet"), stdin=subprocess.PIPE, env=env(), cwd=REPO)
    try:
        proc.stdin.write(f"{dead_url}\n".encode())
        proc.stdin.flush()
        wait_for_lines(out, 1, proc)  # the first site is done before the list ends
        proc.stdin.write(b"not a url\n")
        proc.stdin.close()
        assert proc.wait(30) == 0
    finally:
        proc.kill()
    assert sorted(r["audit"]["line"] for r in jsonl_records(out.read_text(encoding="utf-8"))) == [1, 2]


def test_csv_resume_appends_only_the_missing_rows(tmp_path, dead_url):
    lst = tmp_path / "list.csv"
    lst.write_text(f"name,url\na,{dead_url}\nb,not a url\nc,{dead_url}x\n", encoding="utf-8")
    out = tmp_path / "out.csv"
    assert run_audit(str(lst), "-o", str(out), "--format", "csv").returncode == 0
    header, *rows = out.read_text(encoding="utf-8").splitlines(keepends=True)
    keep = [r for r in rows if not r.startswith("3,")]  # as if the run had been killed before line 3
    out.write_text(header + "".join(keep) + "4,http://torn", encoding="utf-8")
    proc = run_audit(str(lst), "-o", str(out), "--format", "csv", "--resume")
    assert proc.returncode == 0, proc.stderr
    assert "partial last line" in proc.stderr
    lines = out.read_text(encoding="utf-8").splitlines(keepends=True)
    assert lines[: len(keep) + 1] == [header, *keep]  # kept as they were
    assert sorted(int(r["line"]) for r in csv.DictReader(io.StringIO("".join(lines)))) == [2, 3, 4]


def test_ctrl_c_exits_130_with_the_finished_records(serve, tmp_path):
    quick = [serve(None, routes=small_site(f"Quick {i}")) for i in range(3)]
    stuck = [serve(None, routes={"/": Hang()}) for _ in range(3)]
    text = "".join(f"{s.url}\n" for s in quick + stuck)
    out = tmp_path / "out.jsonl"
    proc = subprocess.Popen(
        audit_cmd("-", "-o", str(out), "--timeout", "60", "--ignore-robots"),
        stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=env(), cwd=REPO,
    )
    proc.stdin.write(text)
    proc.stdin.close()
    try:
        wait_for_lines(out, 3, proc)
        time.sleep(0.3)
        t0 = time.monotonic()
        proc.send_signal(signal.SIGINT)
        proc.wait(timeout=15)
        stopped_in = time.monotonic() - t0
        stderr = proc.stderr.read()
    finally:
        proc.kill()
        proc.stdout.close()
        proc.stderr.close()
    assert stopped_in < 5, stopped_in  # the stuck sites do not hold up the exit
    assert proc.returncode == ExitStatus.INTERRUPTED, stderr
    assert "Traceback" not in stderr
    assert "interrupted" in stderr and "Verdicts:" in stderr  # the summary is printed
    records = jsonl_records(out.read_text(encoding="utf-8"))
    assert sorted(r["audit"]["line"] for r in records) == [1, 2, 3]  # the finished ones, whole


# ----------------------------------------------------------------------------------------------
# Exit codes and bad input


def test_bad_list_is_one_line_and_exit_7(tmp_path):
    proc = run_audit(str(tmp_path / "missing.txt"))
    assert proc.returncode == ExitStatus.INVALID_INPUT
    assert_one_line_error(proc)
    binary = tmp_path / "list.bin"
    binary.write_bytes(b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR")
    proc = run_audit(str(binary))
    assert proc.returncode == ExitStatus.INVALID_INPUT
    assert_one_line_error(proc)
    table = tmp_path / "sites.csv"
    table.write_text("name,rank\nfoo,1\n", encoding="utf-8")
    proc = run_audit(str(table))
    assert proc.returncode == ExitStatus.INVALID_INPUT and "url" in proc.stderr
    assert_one_line_error(proc)
    proc = run_audit(str(tmp_path))
    assert proc.returncode == ExitStatus.INVALID_INPUT
    assert_one_line_error(proc)


def test_usage_errors_exit_2(tmp_path):
    lst = tmp_path / "l.txt"
    lst.write_text("a.example\n", encoding="utf-8")
    for args in (["--format", "xml"], ["--fail-on", "evil"], ["--resume"]):
        proc = run_audit(str(lst), *args)
        assert proc.returncode == ExitStatus.USAGE, (args, proc.stderr)
        assert "Traceback" not in proc.stderr


def test_fail_on_turns_a_verdict_into_exit_8(dead_url):
    text = f"{dead_url}\n"
    assert run_audit("-", "--fail-on", "likely-rogue", stdin=text).returncode == 0
    proc = run_audit("-", "--fail-on", "likely-rogue,could-not-check", "--quiet", stdin=text)
    assert proc.returncode == ExitStatus.FAIL_ON
    assert proc.stderr == ""  # --quiet: no summary
