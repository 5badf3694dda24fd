"""Fetch and judge sites in other processes, on this machine (``--shards N``) or on a Dask cluster
(``--cluster ADDRESS``).

The audit's main process stays the driver. It reads the list, keeps one queue per host (so politeness, the
delay and robots.txt stay per host), finds duplicates, writes the one output and serves ``--resume``. Only
the work on each site is handed out: fetching it and judging it. :func:`fetch_and_judge` is that work, the
same code as a local run, so a record is the one a local run writes. What travels back is the encoded
record and its counters, never page bytes.

* :class:`LocalShards` runs N processes on this machine, each with its own event loop. It fetches many sites
  at once and judges each in its main thread, within the site's deadline. A site goes to the shard of its
  host. A shard that dies is started again, and its sites in flight are sent again: no record is lost, and
  none is written twice, because only the driver writes.
* :class:`DaskCluster` submits each site as a task to a Dask distributed cluster (``local`` or ``local:N``
  starts one on this machine). A task lost with its worker is run again by the scheduler. Dask runs tasks in
  worker threads, where no interval timer can be set: a watcher thread bounds judging there
  (pharmcheck/deadline.py). See docs/audit.md, "On several cores or a cluster".
"""

from __future__ import annotations

import asyncio
import dataclasses
import hashlib
import itertools
import multiprocessing
import os
import signal
import threading
from typing import Any

from ..fetch import FetchConfig
from .codecs import RecordInfo

FETCH_GRACE = 5.0  # seconds beyond a site's budget before the audit gives up on it by force


async def fetch_entry(text: str, config: FetchConfig) -> Any:
    """Fetch one list entry within its budget; a failure is a RawSite with the error, never an exception."""
    from ..fetch import fetch_site, utc_now
    from ..site import RawSite

    budget = config.site_budget
    try:
        async with asyncio.timeout(budget + FETCH_GRACE):
            return await fetch_site(text, config, online_only=True)
    except TimeoutError:
        message, kind = f"gave up on the site after {budget + FETCH_GRACE:g} s", "timeout"
    except Exception as exc:  # a bug in pharmcheck must not cost the other sites
        message, kind = f"pharmcheck failed on this site ({exc.__class__.__name__}: {exc})", "internal-error"
    return RawSite(requested=text, start_url=text, mode="online", fetched_at=utc_now(), error=message, error_kind=kind)


def budgets(config: FetchConfig) -> tuple[FetchConfig, float]:
    """The fetcher's share of a site's --timeout, and the part kept for judging it."""
    from ..engine import analysis_reserve

    total = config.site_budget
    reserve = analysis_reserve(total)
    return dataclasses.replace(config, site_budget=max(0.5, total - reserve)), reserve


def _judge(raw: Any, audit: dict[str, Any], config: FetchConfig, fmt: str, rule_ids: tuple[str, ...]) -> tuple[str, RecordInfo]:
    from .codecs import error_report, make_codec, report_info
    from .runner import analyze_to_record

    _, reserve = budgets(config)
    budget = max(reserve, config.site_budget - (raw.elapsed_ms or 0) / 1000)
    try:
        return analyze_to_record(raw, audit, fmt, rule_ids, budget)
    except Exception as exc:  # noqa: BLE001 - the site still gets its record
        report = error_report(raw.requested, f"pharmcheck failed while judging this site ({exc.__class__.__name__}: {exc})", "internal-error")
        return make_codec(fmt, rule_ids).encode(report, audit), report_info(report)


def fetch_and_judge(text: str, audit: dict[str, Any], config: FetchConfig, fmt: str, rule_ids: tuple[str, ...]) -> tuple[str, RecordInfo]:
    """The whole work on one site, for a process with no event loop of its own (a Dask task)."""
    fetch_config, _ = budgets(config)
    raw = asyncio.run(fetch_entry(text, fetch_config))
    return _judge(raw, audit, config, fmt, rule_ids)


def _shard_of(host: str, n: int) -> int:
    return int.from_bytes(hashlib.blake2b(host.encode("utf-8"), digest_size=4).digest(), "little") % n


# ------------------------------------------------------------------ several processes on this machine


def _shard_main(conn: Any, parent: int, config: FetchConfig, fmt: str, rule_ids: tuple[str, ...]) -> None:
    from ..workers import die_with_parent

    try:
        signal.set_wakeup_fd(-1)
    except ValueError:
        pass
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    die_with_parent(parent)
    import gc

    from ..engine import warm_up

    warm_up()
    gc.collect()
    gc.freeze()
    asyncio.run(_serve(conn, config, fmt, rule_ids))
    os._exit(0)


async def _serve(conn: Any, config: FetchConfig, fmt: str, rule_ids: tuple[str, ...]) -> None:
    from concurrent.futures import ThreadPoolExecutor

    loop = asyncio.get_running_loop()
    loop.set_default_executor(ThreadPoolExecutor(max_workers=64, thread_name_prefix="pharmcheck-resolve"))
    inbox: asyncio.Queue[Any] = asyncio.Queue()

    def readable() -> None:
        try:
            inbox.put_nowait(conn.recv())
        except (EOFError, OSError):
            loop.remove_reader(conn.fileno())
            inbox.put_nowait(None)

    loop.add_reader(conn.fileno(), readable)
    fetch_config, _ = budgets(config)
    tasks: set[asyncio.Task[None]] = set()

    async def one(rid: int, text: str, audit: dict[str, Any]) -> None:
        raw = await fetch_entry(text, fetch_config)
        result = _judge(raw, audit, config, fmt, rule_ids)  # in this main thread: the analysis timer works
        try:
            conn.send((rid, result))
        except (OSError, ValueError):
            os._exit(0)  # the driver is gone

    while True:
        message = await inbox.get()
        if message is None:
            break
        task = asyncio.create_task(one(*message))
        tasks.add(task)
        task.add_done_callback(tasks.discard)
    if tasks:
        await asyncio.gather(*tasks, return_exceptions=True)


class LocalShards:
    """N processes that fetch and judge; a site goes to the shard of its host."""

    def __init__(self, n: int, config: FetchConfig, fmt: str, rule_ids: tuple[str, ...]):
        self.n = max(1, n)
        self.args = (config, fmt, rule_ids)
        self.restarts = 0
        self._ids = itertools.count()
        self._pending: dict[int, tuple[int, asyncio.Future[Any], tuple[int, str, dict[str, Any]]]] = {}
        self._fork = threading.active_count() == 1 and "fork" in multiprocessing.get_all_start_methods()
        self._procs: list[Any] = []
        self._conns: list[Any] = []
        for _ in range(self.n):
            proc, conn = self._start()
            self._procs.append(proc)
            self._conns.append(conn)
        self._fork = False  # later starts happen beside the event loop's threads: clean interpreters
        self._loop: asyncio.AbstractEventLoop | None = None

    def _start(self) -> tuple[Any, Any]:
        ctx = multiprocessing.get_context("fork" if self._fork else "spawn")
        mine, theirs = ctx.Pipe(duplex=True)
        previous = signal.signal(signal.SIGINT, signal.SIG_IGN) if threading.current_thread() is threading.main_thread() else None
        try:
            proc = ctx.Process(target=_shard_main, args=(theirs, os.getpid(), *self.args), daemon=True, name="pharmcheck-shard")
            proc.start()
        finally:
            if previous is not None:
                signal.signal(signal.SIGINT, previous)
        theirs.close()
        return proc, mine

    def _watch(self, i: int) -> None:
        assert self._loop is not None
        self._loop.add_reader(self._conns[i].fileno(), self._readable, i)

    def _readable(self, i: int) -> None:
        conn = self._conns[i]
        try:
            rid, result = conn.recv()
        except (EOFError, OSError):
            self._restart(i)
            return
        entry = self._pending.pop(rid, None)
        if entry is not None and not entry[1].done():
            entry[1].set_result(result)

    def _restart(self, i: int) -> None:
        """A shard died: start another, and send it again every site the dead one had not answered."""
        assert self._loop is not None
        self._loop.remove_reader(self._conns[i].fileno())
        self._conns[i].close()
        self._procs[i].join(1)
        self.restarts += 1
        self._procs[i], self._conns[i] = self._start()
        self._watch(i)
        for rid, (shard, _, message) in list(self._pending.items()):
            if shard == i:
                self._conns[i].send(message)

    async def check(self, host: str, text: str, audit: dict[str, Any]) -> tuple[str, RecordInfo]:
        if self._loop is None:
            self._loop = asyncio.get_running_loop()
            for i in range(self.n):
                self._watch(i)
        i = _shard_of(host, self.n)
        rid = next(self._ids)
        future: asyncio.Future[Any] = self._loop.create_future()
        message = (rid, text, audit)
        self._pending[rid] = (i, future, message)
        self._conns[i].send(message)
        return await future

    def close(self, wait: bool = True) -> None:
        for i, conn in enumerate(self._conns):
            if self._loop is not None:
                try:
                    self._loop.remove_reader(conn.fileno())
                except (ValueError, OSError, RuntimeError):
                    pass
            try:
                conn.send(None)
                conn.close()
            except (OSError, ValueError):
                pass
        for proc in self._procs:
            proc.join(10 if wait else 0.2)
            if proc.is_alive():
                proc.kill()
                proc.join(1)


# ------------------------------------------------------------------ a Dask cluster


class DaskCluster:
    """Each site a task on a Dask distributed cluster: ``tcp://host:8786``, or ``local[:N]`` for one here."""

    def __init__(self, address: str, config: FetchConfig, fmt: str, rule_ids: tuple[str, ...], local_workers: int | None = None):
        try:
            from distributed import Client, LocalCluster
        except ImportError:
            raise RuntimeError("--cluster needs Dask: pip install 'pharmcheck[cluster]'") from None
        self.args = (config, fmt, rule_ids)
        self._cluster = None
        if "DASK_LOGGING__DISTRIBUTED" not in os.environ:
            import logging

            logging.getLogger("distributed").setLevel(logging.ERROR)  # the client's side of the same
        if address == "local" or address.startswith("local:"):
            n = int(address.split(":", 1)[1]) if ":" in address else (local_workers or os.cpu_count() or 1)
            # The workers ignore Ctrl-C, as pharmcheck's own do (they end with the run, when it closes the
            # cluster): a Ctrl-C at the terminal reaches the whole process group, and each Dask worker
            # printed its KeyboardInterrupt traceback. Ignored signals stay ignored in the spawned workers.
            # Their log lines (a task cancelled as the run ends: WARNING) are Dask's business, not the
            # terminal's: errors only, read by each worker process at its start from the environment.
            os.environ.setdefault("DASK_LOGGING__DISTRIBUTED", "error")
            main = threading.current_thread() is threading.main_thread()
            previous = signal.signal(signal.SIGINT, signal.SIG_IGN) if main else None
            try:
                self._cluster = LocalCluster(n_workers=n, threads_per_worker=4, processes=True, host="127.0.0.1",
                                             dashboard_address=None)
            finally:
                if main:
                    signal.signal(signal.SIGINT, previous)
            self.client = Client(self._cluster)
        else:
            self.client = Client(address, timeout=30)

    async def check(self, host: str, text: str, audit: dict[str, Any]) -> tuple[str, RecordInfo]:
        loop = asyncio.get_running_loop()
        settled: asyncio.Future[Any] = loop.create_future()
        future = self.client.submit(fetch_and_judge, text, audit, *self.args, pure=False)

        def done(f: Any) -> None:
            try:
                value, error = f.result(), None
            except BaseException as exc:  # noqa: BLE001 - handed to the waiting coroutine
                value, error = None, exc
            if loop.is_closed():
                return  # the run has ended (interrupted, stopped): nobody waits for this site any more
            try:
                loop.call_soon_threadsafe(_settle, settled, value, error)
            except RuntimeError:  # the loop closed between the test and the call
                pass

        future.add_done_callback(done)
        return await settled

    def close(self, wait: bool = True) -> None:
        self.client.close()
        if self._cluster is not None:
            self._cluster.close()


def _settle(future: asyncio.Future[Any], value: Any, error: BaseException | None) -> None:
    if future.done():
        return
    if error is not None:
        future.set_exception(error)
    else:
        future.set_result(value)
