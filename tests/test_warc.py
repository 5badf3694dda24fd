"""Crawls as input (pharmcheck/warc.py): real WARC files written with warcio, audited offline."""

from __future__ import annotations

import gzip
import io
from pathlib import Path

import jsonschema
import pytest

from pharmcheck import warc
from pharmcheck.fetch import FetchConfig
from pharmcheck.report import json_schema
from tests.servers import SITES_DIR
from tests.test_audit import jsonl_records, run_audit

warcio = pytest.importorskip("warcio")
from warcio.statusandheaders import StatusAndHeaders  # noqa: E402
from warcio.warcwriter import WARCWriter  # noqa: E402


def response(writer: WARCWriter, url: str, body: bytes = b"", status: str = "200 OK", headers: list | None = None, date: str = "2026-10-01T12:00:00Z") -> None:
    http_headers = StatusAndHeaders(status, headers if headers is not None else [("Content-Type", "text/html; charset=utf-8")], protocol="HTTP/1.1")
    # a length: warcio then reads the payload in place (without it, it spools it to a temporary file it never closes)
    record = writer.create_warc_record(url, "response", payload=io.BytesIO(body), length=len(body), http_headers=http_headers, warc_headers_dict={"WARC-Date": date})
    writer.write_record(record)


def site_records(writer: WARCWriter, name: str, base: str, gzip_bodies: bool = False) -> None:
    for page in sorted((SITES_DIR / name).glob("*.html")):
        url = base + ("" if page.name == "index.html" else page.name)
        body = page.read_bytes()
        headers = [("Content-Type", "text/html; charset=utf-8")]
        if gzip_bodies:
            body, headers = gzip.compress(body), headers + [("Content-Encoding", "gzip")]
        response(writer, url, body, headers=headers)
    response(writer, base + "style.css", b"body{}", headers=[("Content-Type", "text/css")])


@pytest.fixture
def crawl(tmp_path) -> Path:
    path = tmp_path / "crawl.warc.gz"
    with open(path, "wb") as f:
        writer = WARCWriter(f, gzip=True)
        writer.write_record(writer.create_warcinfo_record("crawl.warc.gz", {"software": "pharmcheck tests"}))
        site_records(writer, "legit-us-pharmacy", "https://sunrise.example/")
        # the rogue shop: its bare name redirects to www., its bodies are gzipped, a request record is skipped
        response(writer, "http://rx-cheap.example/", status="301 Moved Permanently", headers=[("Location", "https://www.rx-cheap.example/")])
        writer.write_record(writer.create_warc_record("https://www.rx-cheap.example/", "request", payload=io.BytesIO(b"GET / HTTP/1.1\r\n\r\n"), length=18))
        site_records(writer, "rogue-no-prescription", "https://www.rx-cheap.example/", gzip_bodies=True)
        # a site of which the crawl holds only a redirect away
        response(writer, "https://gone.example/", status="302 Found", headers=[("Location", "https://elsewhere.example/")])
    return path


def test_an_audit_of_a_crawl_judges_every_site_offline(crawl, tmp_path):
    out = tmp_path / "out.jsonl"
    proc = run_audit(str(crawl), "-o", str(out), "--quiet")
    assert proc.returncode == 0, proc.stderr
    records = {r["requested_url"]: r for r in jsonl_records(out.read_text(encoding="utf-8"))}
    assert set(records) == {"https://sunrise.example/", "https://www.rx-cheap.example/", "https://gone.example/"}
    schema = json_schema()
    for r in records.values():
        jsonschema.validate(r, schema)
        assert r["mode"] == "offline" and r["connection"]["tls"]["checked"] is False
    good, rogue, gone = records["https://sunrise.example/"], records["https://www.rx-cheap.example/"], records["https://gone.example/"]
    assert good["verdict"]["code"] in ("likely-legitimate", "caution") and good["fetched_at"] == "2026-10-01T12:00:00Z"
    assert good["final_url"] == "https://sunrise.example/" and len(good["pages"]) >= 5
    assert {p["role"] for p in good["pages"]} >= {"start", "contact", "pharmacist"}
    assert rogue["verdict"]["code"] == "likely-rogue" and rogue["final_url"] == "https://www.rx-cheap.example/"
    assert "prescription-not-required" in rogue["verdict"]["critical"]
    assert gone["verdict"]["code"] == "could-not-check" and gone["error"]["kind"] == "not-in-crawl"
    assert sorted(r["audit"]["line"] for r in records.values()) == [1, 2, 3]
    # --resume on a finished crawl audit adds nothing; the CSV of a crawl works the same
    assert run_audit(str(crawl), "-o", str(out), "--resume", "--quiet").returncode == 0
    assert len(out.read_text(encoding="utf-8").splitlines()) == 3


def test_a_crawl_on_standard_input_with_input_format_warc(crawl, tmp_path):
    import subprocess

    from tests.test_audit import REPO, audit_cmd, env

    with open(crawl, "rb") as f:
        proc = subprocess.run(audit_cmd("-", "--input-format", "warc", "-f", "csv", "--quiet"), stdin=f, capture_output=True, timeout=60, env=env(), cwd=REPO)
    assert proc.returncode == 0, proc.stderr
    assert len(proc.stdout.decode().splitlines()) == 4  # the header and three sites


def test_interleaved_records_make_one_site_each_and_late_ones_are_noted(tmp_path, monkeypatch):
    buf = io.BytesIO()
    writer = WARCWriter(buf, gzip=False)
    page = lambda title, links="": f"<html><head><title>{title}</title></head><body><h1>{title}</h1>{links}</body></html>".encode()  # noqa: E731
    response(writer, "https://a.example/", page("A", '<a href="/contact">Contact us</a>'))
    response(writer, "https://a.example/contact", page("A contact"))
    response(writer, "https://b.example/", page("B"))
    response(writer, "https://c.example/", page("C"))
    response(writer, "https://a.example/about", page("A about"))  # after a was closed (window of 2 sites)
    config = FetchConfig()
    buf.seek(0)
    sites = list(warc.iter_sites(buf, config, "x"))
    assert [s.start_url for s in sites] == ["https://a.example/", "https://b.example/", "https://c.example/"]
    assert [p.url for p in sites[0].pages] == ["https://a.example/", "https://a.example/contact", "https://a.example/about"]
    monkeypatch.setattr(warc, "OPEN_SITES", 2)
    buf.seek(0)
    notes: list[str] = []
    sites = list(warc.iter_sites(buf, config, "x", notes))
    assert len(sites) == 3 and notes == ["1 record(s) of sites already judged came later in the crawl and were left out"]


def test_a_broken_crawl_keeps_what_was_read_and_says_why(crawl, tmp_path):
    broken = tmp_path / "broken.warc.gz"
    data = crawl.read_bytes()
    broken.write_bytes(data[: len(data) * 2 // 3] + b"\x00garbage" * 100)
    out = tmp_path / "out.jsonl"
    proc = run_audit(str(broken), "-o", str(out))
    assert proc.returncode == 0 and "Traceback" not in proc.stderr and "garbage" not in proc.stderr
    assert "could not be read past some point" in proc.stderr
    records = jsonl_records(out.read_text(encoding="utf-8"))
    assert "https://sunrise.example/" in [r["requested_url"] for r in records]


def test_a_crawl_cut_anywhere_inside_a_record_is_noticed(crawl):
    """warcio reads a record cut short (with or without garbage after it) as if it were whole: the reader checks lengths."""
    import zlib

    data = crawl.read_bytes()
    members, pos = [], 0
    while pos < len(data):
        d = zlib.decompressobj(31)
        d.decompress(data[pos:])
        end = len(data) - len(d.unused_data)
        members.append((pos, end))
        pos = end
    cuts = [start + (end - start) * k // 4 for start, end in members[1:] for k in (1, 2, 3)]
    for cut in cuts:
        for tail in (b"", b"\x00garbage" * 100):
            notes: list[str] = []
            sites = list(warc.iter_sites(io.BytesIO(data[:cut] + tail), FetchConfig(), "x", notes))
            assert any("could not be read past some point" in n for n in notes), (cut, tail[:1], notes)
            assert all(s.start_url for s in sites)
    notes = []
    assert len(list(warc.iter_sites(io.BytesIO(data), FetchConfig(), "x", notes))) == 3 and notes == []


def test_an_uncompressed_crawl_cut_inside_a_record_is_noticed(capfd):
    buf = io.BytesIO()
    writer = WARCWriter(buf, gzip=False)
    writer.write_record(writer.create_warcinfo_record("crawl.warc", {"software": "pharmcheck tests"}))
    site_records(writer, "legit-us-pharmacy", "https://sunrise.example/")
    data = buf.getvalue()
    inside_headers = [i + 5 for i in range(len(data)) if data.startswith(b"Content-Type", i)]
    inside_bodies = [i + 200 for i in range(len(data)) if data.startswith(b"<!DOCTYPE", i) or data.startswith(b"<html", i)]
    assert len(inside_headers) > 5 and inside_bodies
    for cut in inside_headers + inside_bodies:
        notes: list[str] = []
        list(warc.iter_sites(io.BytesIO(data[:cut]), FetchConfig(), "x", notes))
        assert any("could not be read past some point" in n for n in notes), (cut, data[cut - 20 : cut])
    assert capfd.readouterr().err == ""  # warcio's own warnings, which quote the file, never reach the terminal
