"""Retries (pharmcheck/retry.py): 503 with Retry-After, 429, dropped connections, against real loopback servers."""

from __future__ import annotations

import asyncio
import email.utils
import random
import time

from pharmcheck.fetch import FetchConfig, fetch_site
from pharmcheck.retry import MAX_BACKOFF, backoff, retry_after
from tests.servers import Drop, html_doc
from tests.test_audit import jsonl_records, run_audit

OK = (200, {"Content-Type": "text/html"}, html_doc("Shop", "<h1>Online pharmacy</h1>").encode())


def flaky(*answers):
    """A route handler giving each answer in turn, then OK forever; the times of the requests are kept."""
    times: list[float] = []

    def handler(method, path, headers):
        times.append(time.monotonic())
        n = len(times) - 1
        return answers[n] if n < len(answers) else OK

    handler.times = times  # type: ignore[attr-defined]
    return handler


def fetch(url: str, retries: int, budget: float = 20) -> object:
    config = FetchConfig(retries=retries, allow_private=True, probe_http=False, site_budget=budget, max_pages=0)
    return asyncio.run(fetch_site(url, config, online_only=True))


def test_retry_after_is_read_in_seconds_and_as_a_date():
    assert retry_after("3") == 3.0
    now = time.time()
    assert abs(retry_after(email.utils.formatdate(now + 30, usegmt=True), now=now) - 30) < 1.5
    assert retry_after("soon") is None and retry_after(None) is None
    rng = random.Random(1)
    waits = [backoff(n, rng) for n in range(8)]
    assert 0.25 <= waits[0] <= 0.75 and 1.0 <= waits[2] <= 3.0 and max(waits) <= MAX_BACKOFF * 1.5


def test_a_503_with_retry_after_is_asked_again_after_the_pause(serve):
    home = flaky((503, {"Retry-After": "1", "Content-Type": "text/plain"}, b"busy"))
    server = serve(None, routes={"/": home})
    raw = fetch(server.url, retries=2)
    assert raw.error is None, raw.error
    assert len(home.times) == 2 and home.times[1] - home.times[0] >= 0.95


def test_429_and_dropped_connections_are_retried_up_to_the_limit(serve):
    busy = (429, {"Content-Type": "text/plain"}, b"slow down")
    home = flaky(busy, Drop(), busy)
    server = serve(None, routes={"/": home})
    raw = fetch(server.url, retries=2)
    assert raw.error_kind == "http-status" and "429" in raw.error and len(home.times) == 3
    home.times.clear()
    raw = fetch(server.url, retries=3)
    assert raw.error is None and len(home.times) == 4
    dropped = serve(None, routes={"/": flaky(Drop())})
    assert fetch(dropped.url, retries=0).error_kind == "reset"
    assert fetch(dropped.url, retries=1).error is None


def test_a_long_retry_after_or_an_exhausted_budget_is_not_waited_for(serve):
    later = flaky((503, {"Retry-After": "3600"}, b""))
    server = serve(None, routes={"/": later})
    t0 = time.monotonic()
    raw = fetch(server.url, retries=3)
    assert raw.error_kind == "http-status" and len(later.times) == 1 and time.monotonic() - t0 < 2
    soon = flaky((503, {"Retry-After": "5"}, b""))
    server = serve(None, routes={"/": soon})
    t0 = time.monotonic()
    raw = fetch(server.url, retries=3, budget=3)  # 5 s would not fit in a 3 s budget
    assert raw.error_kind == "http-status" and len(soon.times) == 1 and time.monotonic() - t0 < 2


def test_audit_records_after_injected_503s_and_resets(serve):
    sites = [
        serve(None, routes={"/": flaky((503, {"Retry-After": "0"}, b"")), "/robots.txt": flaky(Drop())}),
        serve(None, routes={"/": flaky(Drop(), (429, {}, b""))}),
        serve(None, routes={"/": flaky((503, {}, b""))}),
    ]
    text = "".join(s.url + "\n" for s in sites)
    proc = run_audit("-", "--retries", "0", stdin=text)
    records = jsonl_records(proc.stdout)
    assert len(records) == 3 and all(r["verdict"]["code"] == "could-not-check" for r in records)
    assert sorted(r["error"]["kind"] for r in records) == ["http-status", "reset", "robots-unreachable"]
    proc = run_audit("-", stdin=text)  # the default: two retries
    records = jsonl_records(proc.stdout)
    assert proc.returncode == 0 and len(records) == 3
    assert [r["error"] for r in records] == [None, None, None], [r["error"] for r in records]
