"""One deadline for a whole site, judging included; workers stuck on a site are replaced; workers die with
their parent, whatever signal ends it. Real processes, real servers on loopback."""

from __future__ import annotations

import asyncio
import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from pharmcheck.deadline import AnalysisTimeout, time_limit
from pharmcheck.engine import analyze_within
from pharmcheck.site import RawPage, RawSite
from pharmcheck.workers import WorkerDied, WorkerError, WorkerPool, WorkerTimeout
from tests.servers import Hang, page

REPO = Path(__file__).resolve().parent.parent


def slow_catalogue(rows: int = 50_000) -> str:
    """About 5 MB of product rows: several seconds of honest work for the parser and the rules."""
    cells = "".join(
        f"<tr><td>Viagra {i % 200} mg</td><td>{i % 90} pills</td><td>${i % 97}.99</td><td><button>Add to cart</button></td></tr>"
        for i in range(rows)
    )
    return f"<html><body><h1>Online pharmacy</h1><table>{cells}</table></body></html>"


def raw_of(html: str) -> RawSite:
    url = "https://shop.example/"
    return RawSite(requested=url, start_url=url, final_url=url, pages=[RawPage(url=url, status=200, headers={"content-type": "text/html"}, body=html.encode())])


# ------------------------------------------------------------------ the timer


def test_time_limit_stops_a_slow_pattern() -> None:
    import re

    started = time.monotonic()
    with pytest.raises(AnalysisTimeout):
        with time_limit(0.3):
            re.match(r"(a+)+$", "a" * 40 + "b")  # exponential: would run for hours
    assert time.monotonic() - started < 2


def test_analysis_past_its_budget_could_not_check_and_says_why() -> None:
    started = time.process_time()
    report = analyze_within(raw_of(slow_catalogue()), 0.5)
    assert time.process_time() - started < 3
    assert report["verdict"]["code"] == "could-not-check"
    assert report["error"]["kind"] == "analysis-timeout" and "longer than" in report["error"]["message"]
    assert report["elapsed_ms"] >= 500  # the time spent on the site counts the judging it was stopped in
    # Within budget, the same engine judges as usual.
    assert analyze_within(raw_of(slow_catalogue(50)), 30)["verdict"]["code"] == "likely-rogue"


def test_in_another_thread_the_limit_holds_too() -> None:
    """A Dask task judges in a worker thread, where no signal can be used: a watcher thread stops it."""
    import threading

    results: dict[str, object] = {}

    def judge() -> None:
        started = time.monotonic()
        results["report"] = analyze_within(raw_of(slow_catalogue()), 0.5)
        results["took"] = time.monotonic() - started
        # limits that end as their exception is due, many times: nothing escapes, nothing arrives later
        fired = 0
        for i in range(200):
            try:
                with time_limit(0.001 + (i % 7) * 0.0002):
                    t = time.perf_counter()
                    while time.perf_counter() - t < 0.0012:
                        pass
            except AnalysisTimeout:
                fired += 1
        t = time.perf_counter()
        while time.perf_counter() - t < 0.1:  # a late one would be raised here, outside any limit
            pass
        results["fired"] = fired

    thread = threading.Thread(target=judge)
    thread.start()
    thread.join(60)
    assert not thread.is_alive() and "fired" in results, results
    report = results["report"]
    assert report["error"]["kind"] == "analysis-timeout" and results["took"] < 5  # type: ignore[index,operator]
    assert not [t for t in threading.enumerate() if t.name == "pharmcheck-analysis-limit"]


def test_a_rule_cannot_swallow_the_deadline() -> None:
    # AnalysisTimeout is not an Exception: `except Exception` in a rule or a helper lets it through.
    assert not issubclass(AnalysisTimeout, Exception)


def test_check_timeout_bounds_fetch_and_judging(serve) -> None:
    import resource

    shop = serve(routes={"/": page(slow_catalogue())})
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    proc = subprocess.run([sys.executable, "-m", "pharmcheck", "check", shop.url, "--json", "--timeout", "3"],
                          capture_output=True, text=True, timeout=60, cwd=REPO)
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
    report = json.loads(proc.stdout)
    assert proc.returncode == 6, proc.stderr
    assert report["error"]["kind"] == "analysis-timeout"
    # Judging alone would take about 9 s of CPU; stopped, the whole run costs the budget and the start-up.
    # (CPU time, not wall time: a loaded machine stretches the wall clock, not the work done.)
    assert cpu < 3 + 3, f"{cpu:.1f} s of CPU"


# ------------------------------------------------------------------ the worker pool


def _sleep_deaf(seconds: float) -> str:
    """A task that the worker's own timer cannot stop (signals blocked): only a kill ends it."""
    signal.pthread_sigmask(signal.SIG_BLOCK, {signal.SIGALRM, signal.SIGTERM})
    time.sleep(seconds)
    return "slept"


def _pid() -> int:
    return os.getpid()


def _boom() -> None:
    raise ValueError("bad page")


def test_a_stuck_worker_is_killed_and_replaced() -> None:
    pool = WorkerPool(1)
    try:
        async def go() -> None:
            first = await pool.run(_pid, timeout=30)
            with pytest.raises(WorkerTimeout):
                await pool.run(_sleep_deaf, 60, timeout=0.5)
            second = await pool.run(_pid, timeout=30)
            assert second != first and pool.replaced == 1
            with pytest.raises(OSError):
                os.kill(first, 0)  # the stuck one is gone
            with pytest.raises(WorkerError, match="ValueError: bad page"):
                await pool.run(_boom, timeout=30)
            assert await pool.run(_pid, timeout=30) == second  # an exception costs no worker
            os.kill(second, signal.SIGKILL)
            with pytest.raises(WorkerDied):
                await pool.run(_pid, timeout=30)
            assert await pool.run(_pid, timeout=30) not in (first, second)

        asyncio.run(go())
    finally:
        pool.close()


def _children(pid: int) -> set[int]:
    found: set[int] = set()
    try:
        for task in os.listdir(f"/proc/{pid}/task"):
            with open(f"/proc/{pid}/task/{task}/children") as fh:
                found.update(int(x) for x in fh.read().split())
    except OSError:
        pass
    return found


def _alive(pid: int) -> bool:
    try:
        with open(f"/proc/{pid}/stat") as fh:
            return fh.read().split(") ", 1)[1][:1] not in ("Z", "X")
    except OSError:
        return False


@pytest.mark.skipif(not Path("/proc/self/task").exists(), reason="needs /proc")
@pytest.mark.parametrize("sig", [signal.SIGKILL, signal.SIGTERM, signal.SIGINT])
def test_audit_workers_die_with_their_parent(serve, tmp_path, sig) -> None:
    stuck = serve(routes={"/": Hang()})
    listing = tmp_path / "sites.txt"
    listing.write_text("".join(f"{stuck.url}?{i}\n" for i in range(20)))
    proc = subprocess.Popen(
        [sys.executable, "-m", "pharmcheck", "audit", "--allow-private", "--ignore-robots", str(listing), "-q", "--workers", "2", "-o", str(tmp_path / "out.jsonl")],
        cwd=REPO, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
    )
    try:
        deadline = time.monotonic() + 20
        workers: set[int] = set()
        while time.monotonic() < deadline and len(workers) < 2:
            workers = {c for c in _children(proc.pid) if _alive(c)}
            time.sleep(0.1)
        assert len(workers) >= 2, "the audit started no workers"
        time.sleep(0.5)
        os.kill(proc.pid, sig)
        if sig != signal.SIGKILL:
            os.kill(proc.pid, sig)  # a second interrupt ends the run at once
        proc.wait(20)
        deadline = time.monotonic() + 5
        while time.monotonic() < deadline and any(_alive(w) for w in workers):
            time.sleep(0.1)
        assert not [w for w in workers if _alive(w)], "a worker outlived its parent"
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()


def test_an_audit_goes_on_past_a_site_too_slow_to_judge(serve, tmp_path) -> None:
    slow = serve(routes={"/": page(slow_catalogue())})
    fine = serve(routes={"/": page("<html><body><h1>Pharmacy</h1><p>Viagra 100 mg x 10 pills $19.99. No prescription needed.</p></body></html>")})
    listing = tmp_path / "sites.txt"
    listing.write_text(f"{slow.url}\n{fine.url}\n")
    proc = subprocess.run(
        [sys.executable, "-m", "pharmcheck", "audit", "--allow-private", "--ignore-robots", str(listing), "-q", "--workers", "1", "--timeout", "4"],
        capture_output=True, text=True, timeout=90, cwd=REPO,
    )
    assert proc.returncode == 0, proc.stderr
    records = sorted((json.loads(x) for x in proc.stdout.splitlines()), key=lambda r: r["audit"]["line"])
    assert [r["audit"]["line"] for r in records] == [1, 2]
    assert records[0]["error"]["kind"] == "analysis-timeout"
    assert records[0]["elapsed_ms"] >= 2500  # fetching, and the judging stopped when the site's 4 s were spent
    assert records[1]["verdict"]["code"] == "likely-rogue"


def test_an_alarm_as_the_limit_ends_is_never_fatal() -> None:
    # Limits that end just as their alarm is due, many times: no AnalysisTimeout escapes the tidying, no
    # alarm is left armed, and none reaches SIGALRM's default action (which would kill the process, -14).
    code = (
        "import signal, time\n"
        "from pharmcheck.deadline import AnalysisTimeout, time_limit\n"
        "fired = 0\n"
        "for i in range(400):\n"
        "    try:\n"
        "        with time_limit(0.001 + (i % 7) * 0.0002):\n"
        "            t = time.perf_counter()\n"
        "            while time.perf_counter() - t < 0.0012:\n"
        "                pass\n"
        "    except AnalysisTimeout:\n"
        "        fired += 1\n"
        "    assert signal.getitimer(signal.ITIMER_REAL) == (0.0, 0.0)\n"
        "time.sleep(0.05)\n"
        "print('ok', fired)\n"
    )
    proc = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=60, cwd=REPO)
    assert proc.returncode == 0, (proc.returncode, proc.stderr[-500:])
    assert proc.stdout.startswith("ok") and "Traceback" not in proc.stderr


def test_no_control_character_of_an_input_reaches_an_error_message() -> None:
    from pharmcheck.fetch import FetchError, normalize_url

    with pytest.raises(FetchError) as err:
        normalize_url("https://sh\x1b[2Jop\r\n.exa\x9bmple:99999/")
    assert not any(ord(c) < 32 or 0x7F <= ord(c) <= 0x9F for c in err.value.message)
