"""One canonical key per site (pharmcheck/audit/keys.py): duplicates and --resume."""

from __future__ import annotations

from pharmcheck.audit import canonical_site
from pharmcheck.fetch import normalize_url
from tests.test_audit import jsonl_records, run_audit, small_site


def key(text: str) -> str:
    return canonical_site(normalize_url(text))


def test_one_site_however_it_is_written():
    same = [
        "pharmacy.example", "Pharmacy.Example", "pharmacy.example.", "https://pharmacy.example:443/",
        "http://pharmacy.example:80", "HTTPS://PHARMACY.EXAMPLE/#top", "www.pharmacy.example", "https://WWW.pharmacy.example./",
    ]
    assert {key(t) for t in same} == {"pharmacy.example/"}
    assert key("bücher.example") == key("XN--BCHER-KVA.example.") == key("www.bücher.example") == "xn--bcher-kva.example/"


def test_what_stays_distinct():
    assert key("pharmacy.example:8443") != key("pharmacy.example")
    assert key("pharmacy.example/Shop") != key("pharmacy.example/shop")  # paths keep their case
    assert key("pharmacy.example/?a=1") != key("pharmacy.example/")
    assert key("shop.pharmacy.example") != key("pharmacy.example")
    assert key("www.example") == "www.example/"  # "www." is dropped only before a registered name


def test_an_audit_checks_one_site_once_however_it_is_written(serve):
    server = serve(None, routes=small_site("Once"))
    port = server.port
    lines = [f"http://127.0.0.1:{port}/", f"HTTP://127.0.0.1:{port}", f"http://127.0.0.1:{port}/#contact", f"127.0.0.1.:{port}"]
    proc = run_audit("-", "--ignore-robots", stdin="\n".join(lines) + "\n")
    records = sorted(jsonl_records(proc.stdout), key=lambda r: r["audit"]["line"])
    assert len(records) == 4
    assert [r["audit"]["duplicate_of"] for r in records] == [None, 1, 1, 1]
    assert server.paths().count("/") == 1
