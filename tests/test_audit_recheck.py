"""--resume --recheck: what failed is checked again, and the new record takes the old one's place."""

from __future__ import annotations

import json

from tests.servers import html_doc
from tests.test_audit import run_audit, small_site


def test_recheck_could_not_check_puts_the_new_record_in_the_old_place(serve, dead_url, tmp_path):
    state = {"up": False}

    def home(method, path, headers):
        if not state["up"]:
            return 503, {"Content-Type": "text/plain"}, b"down for maintenance"
        return 200, {"Content-Type": "text/html"}, html_doc("Back", "<h1>Online pharmacy</h1>").encode()

    good = serve(None, routes=small_site("Good"))
    flaky = serve(None, routes={"/": home, "/robots.txt": (404, {}, b"")})
    lst = tmp_path / "list.txt"
    lst.write_text(f"{good.url}\n{flaky.url}\nnot a url\n{dead_url}\n{flaky.url}\n", encoding="utf-8")
    out = tmp_path / "out.jsonl"
    args = [str(lst), "-o", str(out), "--retries", "0", "--quiet", "--concurrency", "1"]
    assert run_audit(*args).returncode == 0
    before = [json.loads(line) for line in out.read_text(encoding="utf-8").splitlines()]
    place = [r["audit"]["line"] for r in before]
    assert next(r for r in before if r["audit"]["line"] == 2)["error"]["kind"] == "http-status"

    state["up"] = True
    assert run_audit(*args, "--resume", "--recheck", "http-status").returncode == 0
    after = [json.loads(line) for line in out.read_text(encoding="utf-8").splitlines()]
    assert [r["audit"]["line"] for r in after] == place  # one record per line, each where it was
    by_line = {r["audit"]["line"]: r for r in after}
    assert by_line[2]["error"] is None and by_line[2]["audit"]["attempt"] == 2
    assert by_line[5]["audit"]["duplicate_of"] == 2 and by_line[5]["error"] is None  # its duplicate follows it
    assert by_line[4]["error"]["kind"] == "connect" and "attempt" not in by_line[4]["audit"]  # not asked for
    assert by_line[1] == next(r for r in before if r["audit"]["line"] == 1)  # untouched

    # could-not-check: the dead address again (attempt 2), never the line that is not a URL
    assert run_audit(*args, "--resume", "--recheck", "could-not-check").returncode == 0
    again = {r["audit"]["line"]: r for r in map(json.loads, out.read_text(encoding="utf-8").splitlines())}
    assert len(again) == 5 and again[4]["audit"]["attempt"] == 2 and "attempt" not in again[3]["audit"]


def test_recheck_needs_resume(tmp_path):
    proc = run_audit(str(tmp_path / "x.txt"), "-o", str(tmp_path / "o.jsonl"), "--recheck", "could-not-check")
    assert proc.returncode == 2 and proc.stderr.startswith("pharmcheck: --recheck needs --resume")


def test_a_stopped_recheck_is_finished_by_the_next_one(tmp_path):
    from pharmcheck.audit.codecs import RecordInfo
    from pharmcheck.audit.recheck import Rechecks

    path = tmp_path / "out.jsonl"
    old = '{"audit": {"line": 1}, "v": "old"}\n'
    other = '{"audit": {"line": 2}, "v": "other"}\n'
    new = '{"audit": {"line": 1, "attempt": 2}, "v": "new"}\n'
    path.write_text(old + other + new, encoding="utf-8")
    rechecks = Rechecks(("could-not-check",))
    assert rechecks.consider(0, {"line": 1}, RecordInfo("could-not-check", error_kind="timeout")) is True
    assert rechecks.consider(len(old), {"line": 2}, RecordInfo("caution")) is False
    assert rechecks.consider(len(old + other), {"line": 1, "attempt": 2}, RecordInfo("caution")) is False  # the new one counts
    assert rechecks.compact(str(path), None) == 1
    assert path.read_text(encoding="utf-8") == new + other
