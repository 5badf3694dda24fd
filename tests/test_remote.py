"""Fetching and judging in other processes (--shards) or on a real local Dask cluster (--cluster): the
records are those of a local run, and a shard or a worker killed mid-run loses no record and doubles none."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from tests.servers import html_doc, page

REPO = Path(__file__).resolve().parent.parent
ROGUE = html_doc("Meds", "<h1>Online pharmacy</h1><p>Viagra 100 mg x 10 pills $9.99. No prescription needed.</p>")
SHOP = html_doc("Chemist", "<h1>Pharmacy</h1><p>We need your prescription. Call +1 215 555 0100, 1 Main St, Philadelphia, PA 19107</p>")


def _run(listing: Path, *extra: str, timeout: float = 240) -> tuple[dict[int, dict], subprocess.CompletedProcess]:
    proc = subprocess.run(
        [sys.executable, "-m", "pharmcheck", "audit", "--allow-private", "--ignore-robots", str(listing), "-q", *extra],
        capture_output=True, text=True, timeout=timeout, cwd=REPO,
    )
    records = [json.loads(x) for x in proc.stdout.splitlines()]
    by_line = {r["audit"]["line"]: r for r in records}
    assert len(by_line) == len(records), "a line has two records"
    return by_line, proc


def _stable(value):
    if isinstance(value, dict):
        return {k: _stable(v) for k, v in value.items() if k not in ("fetched_at", "elapsed_ms")}
    if isinstance(value, list):
        return [_stable(v) for v in value]
    return value


@pytest.fixture
def farm(serve, tmp_path):
    sites = [serve(routes={"/": page(ROGUE if i % 2 else SHOP)}) for i in range(4)]
    lines = [s.url for s in sites] + [sites[0].url, "not a url", sites[1].url + "?again"]
    listing = tmp_path / "sites.txt"
    listing.write_text("\n".join(lines) + "\n")
    return listing, len(lines)


def test_shards_write_the_records_of_a_local_run(farm) -> None:
    listing, n = farm
    local, _ = _run(listing, "--workers", "0")
    sharded, proc = _run(listing, "--shards", "2")
    assert proc.returncode == 0, proc.stderr
    assert sorted(sharded) == list(range(1, n + 1))
    assert _stable(sharded) == _stable(local)
    assert sharded[5]["audit"]["duplicate_of"] == 1


def test_dask_local_cluster_writes_the_records_of_a_local_run(farm) -> None:
    pytest.importorskip("distributed")
    listing, n = farm
    local, _ = _run(listing, "--workers", "0")
    clustered, proc = _run(listing, "--cluster", "local:2")
    assert proc.returncode == 0, proc.stderr
    assert _stable(clustered) == _stable(local)


def test_on_a_dask_worker_a_site_too_slow_to_judge_is_stopped_at_its_deadline(serve, tmp_path) -> None:
    pytest.importorskip("distributed")
    from tests.test_deadline import slow_catalogue

    slow = serve(routes={"/": page(slow_catalogue())})
    fine = serve(routes={"/": page(ROGUE)})
    listing = tmp_path / "sites.txt"
    listing.write_text(f"{slow.url}\n{fine.url}\n")
    started = time.monotonic()
    records, proc = _run(listing, "--cluster", "local:1", "--timeout", "4")
    assert proc.returncode == 0, proc.stderr
    assert records[1]["error"]["kind"] == "analysis-timeout" and "longer than" in records[1]["error"]["message"]
    assert records[2]["verdict"]["code"] == "likely-rogue"
    assert time.monotonic() - started < 60  # without the limit the slow page is judged in full (about 10 s of CPU), error None


def _descendants(pid: int) -> list[int]:
    out, todo = [], [pid]
    while todo:
        p = todo.pop()
        try:
            for task in os.listdir(f"/proc/{p}/task"):
                with open(f"/proc/{p}/task/{task}/children") as fh:
                    kids = [int(x) for x in fh.read().split()]
                out += kids
                todo += kids
        except OSError:
            pass
    return out


def _kill_mid_run(serve, tmp_path, extra: tuple[str, ...], pick) -> None:
    slow = [serve(routes={"/": page(ROGUE)}, delay=0.4) for _ in range(3)]
    lines = [f"{s.url}?p={i}" for i in range(8) for s in slow]
    listing = tmp_path / "slow.txt"
    listing.write_text("\n".join(lines) + "\n")
    out = tmp_path / "out.jsonl"
    proc = subprocess.Popen(
        [sys.executable, "-m", "pharmcheck", "audit", "--allow-private", "--ignore-robots", str(listing), "-q", "-o", str(out), *extra],
        cwd=REPO, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True,
    )
    try:
        deadline = time.monotonic() + 120
        while time.monotonic() < deadline and (not out.exists() or out.read_text().count("\n") < 2):
            time.sleep(0.1)
        victim = pick(proc.pid)
        assert victim, "no process to kill"
        os.kill(victim, signal.SIGKILL)
        _, err = proc.communicate(timeout=240)
    finally:
        if proc.poll() is None:
            proc.kill()
    assert proc.returncode == 0, err
    records = [json.loads(x) for x in out.read_text().splitlines()]
    assert sorted(r["audit"]["line"] for r in records) == list(range(1, len(lines) + 1))  # none lost, none twice
    assert all(r["error"] is None for r in records), [r["error"] for r in records if r["error"]]


def test_a_killed_shard_is_started_again_and_its_sites_redone(serve, tmp_path) -> None:
    _kill_mid_run(serve, tmp_path, ("--shards", "2", "-c", "6"), lambda pid: (_descendants(pid) or [None])[0])


def test_a_killed_dask_worker_loses_no_record(serve, tmp_path) -> None:
    pytest.importorskip("distributed")

    def worker(pid: int) -> int | None:
        # the local cluster's worker processes are started by multiprocessing's spawn (its resource
        # tracker is not one of them)
        for child in _descendants(pid):
            try:
                with open(f"/proc/{child}/cmdline", "rb") as fh:
                    if b"spawn_main" in fh.read():
                        return child
            except OSError:
                continue
        return None

    _kill_mid_run(serve, tmp_path, ("--cluster", "local:2", "-c", "6"), worker)


@pytest.mark.parametrize("how", ["SIGTERM to pharmcheck", "Ctrl-C to the process group"])
def test_an_interrupted_dask_audit_ends_with_no_traceback_and_no_process_left(serve, tmp_path, how) -> None:
    """Interrupted, the audit used to print Dask's "Error in callback" tracebacks (a task's end handed to a
    closed event loop), each worker's KeyboardInterrupt traceback (Ctrl-C reaches the whole group) and
    the workers' warnings about cancelled tasks."""
    pytest.importorskip("distributed")
    slow = [serve(routes={"/": page(ROGUE)}, delay=0.4) for _ in range(3)]
    listing = tmp_path / "slow.txt"
    listing.write_text("".join(f"{s.url}?p={i}\n" for i in range(20) for s in slow))
    out = tmp_path / "out.jsonl"
    proc = subprocess.Popen(
        [sys.executable, "-m", "pharmcheck", "audit", "--allow-private", "--ignore-robots", str(listing), "-q", "-o", str(out),
         "--cluster", "local:2", "-c", "4"],
        cwd=REPO, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True, start_new_session=True,
    )
    try:
        deadline = time.monotonic() + 120
        while time.monotonic() < deadline and (not out.exists() or out.read_text().count("\n") < 2):
            time.sleep(0.1)
        family = [proc.pid, *_descendants(proc.pid)]
        if how.startswith("SIGTERM"):
            proc.send_signal(signal.SIGTERM)
        else:
            os.killpg(proc.pid, signal.SIGINT)
        _, err = proc.communicate(timeout=120)
    finally:
        if proc.poll() is None:
            os.killpg(proc.pid, signal.SIGKILL)
    assert proc.returncode == 130
    assert "Traceback" not in err and all(line.startswith("pharmcheck: ") for line in err.splitlines()), err
    time.sleep(1)
    assert not [p for p in family if _running(p)], "a process of the run was left behind"


def _running(pid: int) -> bool:
    try:
        with open(f"/proc/{pid}/stat") as fh:
            return fh.read().rsplit(") ", 1)[1][0] != "Z"  # a zombie has ended: only its parent's wait is missing
    except (OSError, IndexError):
        return False
