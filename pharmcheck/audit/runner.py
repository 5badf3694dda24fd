"""The run of an audit: schedule the sites (one queue per busy host), fetch them, hand them to the worker
processes that judge and encode them, write each record as it is done."""

from __future__ import annotations

import asyncio
import collections
import contextlib
import os
import signal
import sys
import time
from dataclasses import dataclass, field
from typing import Any

from ..exitcodes import ExitStatus
from ..fetch import FetchConfig, FetchError, normalize_url
from ..site import RawSite
from .codecs import FORMATS, RecordInfo, audit_block, error_report, make_codec, report_info
from .inputs import INPUT_FORMATS, AuditInputError, Entry, _ThreadedReader, iter_entries, open_list
from .keys import _DoneLines, _KeyTable, host_key, site_key
from .progress import AuditStats, ProgressMixin
from .remote import budgets, fetch_entry  # one fetch of a list entry, here or in a shard
from .recheck import Rechecks
from .store import _Output, _Store, _write_failure, scan_output

DEFAULT_CONCURRENCY = 50
DEFAULT_TIMEOUT = 30.0
QUEUED_MAX = 20_000  # input entries waiting for their host to be free (about 200 bytes each)


_WORKER_CODECS: dict[tuple[str, tuple[str, ...]], Any] = {}


KILL_GRACE = 5.0  # seconds past a site's analysis budget before its worker is killed (its own timer failed)


def analyze_to_record(raw: RawSite, audit: dict[str, Any], fmt: str, rule_ids: tuple[str, ...], budget: float | None = None) -> tuple[str, RecordInfo]:
    """Parse, judge, grade and encode one site within ``budget`` seconds: a worker process's job (or the main one's)."""
    from ..engine import analyze_within

    codec = _WORKER_CODECS.get((fmt, rule_ids))
    if codec is None:
        codec = _WORKER_CODECS[(fmt, rule_ids)] = make_codec(fmt, rule_ids)
    report = analyze_within(raw, budget)
    return codec.encode(report, audit), report_info(report)


def _worker_ready() -> None:
    """In each worker, once: build everything analysis needs, then move it out of the collector's sight."""
    import gc

    from ..engine import warm_up

    warm_up()
    gc.collect()
    gc.freeze()  # the rules, tables and patterns live as long as the worker: collections skip them


@dataclass
class AuditOptions:
    source: str  # a path, or "-" for stdin
    output: str | None = None  # None: stdout
    format: str = "jsonl"
    input_format: str = "auto"
    concurrency: int = DEFAULT_CONCURRENCY
    workers: int | None = None  # None: one per core; 0: parse and judge in the main process
    resume: bool = False
    fail_on: tuple[str, ...] = ()
    recheck: tuple[str, ...] = ()  # with resume: verdicts or error kinds whose lines are checked again (recheck.py)
    quiet: bool = False
    progress: bool | None = None  # None: when stderr is a terminal
    shards: int = 0  # >0: that many processes fetch and judge, each with its own event loop (remote.py)
    cluster: str | None = None  # a Dask scheduler address, or "local[:N]": each site is a task there (remote.py)
    fetch: FetchConfig = field(default_factory=lambda: FetchConfig(obey_robots=True, per_host_concurrency=1, site_budget=DEFAULT_TIMEOUT))


class _HostClock:
    """When each host was last asked for something, kept only as long as ``--delay`` needs it."""

    def __init__(self, delay: float):
        self.delay = delay
        self._last: collections.OrderedDict[str, float] = collections.OrderedDict()

    async def wait(self, host: str) -> None:
        if self.delay:
            wait = self._last.get(host, -1e9) + self.delay - time.monotonic()
            if wait > 0:
                await asyncio.sleep(wait)

    def stamp(self, host: str) -> None:
        if not self.delay:
            return
        now = time.monotonic()
        self._last[host] = now
        self._last.move_to_end(host)
        while self._last:
            oldest, when = next(iter(self._last.items()))
            if when + self.delay > now:
                break
            del self._last[oldest]


class Auditor(ProgressMixin):
    """One audit run. ``run()`` returns the exit status; records and the summary are written as it goes."""

    def __init__(self, options: AuditOptions, stderr: Any = None):
        self.o = options
        self.stderr = stderr or sys.stderr
        self.stats = AuditStats()
        beside = os.path.dirname(os.path.abspath(options.output)) if options.output else None  # past a few MB
        self.table = _KeyTable(folder=beside)
        self.done = _DoneLines(folder=beside)
        self.waiting: dict[int, list[Entry]] = {}  # duplicates of a site still being checked
        self.rechecks = Rechecks(options.recheck)
        self.interrupted = False
        self.failed: str | None = None  # a fatal error that stopped the run (the output cannot be written)
        self.failed_code = ExitStatus.INVALID_INPUT
        self.total: int | None = None
        self.warc = False  # the input is a crawl (pharmcheck/warc.py)
        self.pool: Any = None
        self.started = 0.0
        self._tasks: set[asyncio.Task] = set()
        self._progress: Any = None
        self._rule_ids: tuple[str, ...] = ()

    # -- set-up ----------------------------------------------------------------------------

    def _prepare(self) -> None:
        o = self.o
        if o.format not in FORMATS:
            raise AuditInputError(f"--format must be one of {', '.join(FORMATS)}")
        if o.input_format not in INPUT_FORMATS:
            raise AuditInputError(f"--input-format must be one of {', '.join(INPUT_FORMATS)}")
        from pharmcheck.rules import load_rules

        self._rule_ids = tuple(m.ID for m in load_rules())  # a broken rule set fails now, not per site
        self.codec = make_codec(o.format, self._rule_ids)
        if o.output is not None and o.source != "-":
            with contextlib.suppress(OSError):
                if os.path.samefile(o.output, o.source):
                    raise AuditInputError(f"--output {o.output} is the input list itself")
        if o.resume:
            if o.output is None:
                raise AuditInputError("--resume needs --output FILE (the file of the run to resume)")
            for item in scan_output(o.output, self.codec):
                if isinstance(item, str):
                    self.stats.warnings.append(item)
                    continue
                offset, audit, info = item
                if self.rechecks.consider(offset, audit, info):
                    continue  # checked again by this run; its new record takes this one's place at the end
                if not self.done.add(audit["line"], audit["input"]):
                    self.stats.warnings.append(f"line {audit['line']} has two records in {o.output}; the first is kept")
                    continue
                self.stats.add(info)
                self.stats.resumed += 1
                if audit.get("duplicate_of") is None and info.error_kind != "invalid-input":
                    with contextlib.suppress(FetchError):
                        key = site_key(normalize_url(audit["input"]))
                        if self.table.get(key) is None:
                            self.table.put(key, audit["line"], offset)
        self.warc = self._is_warc()
        if o.source != "-" and not self.warc:  # a crawl is not read twice: no total, no ETA
            self.total = self._count_and_verify()
        self.output = _Output(o.output, append=o.resume)
        self.store = _Store(self.output)
        if self.codec.header is not None and self.output.offset <= 0:
            self.output.write(self.codec.header)

    def _is_warc(self) -> bool:
        from ..warc import looks_like_warc

        if self.o.input_format != "auto" or self.o.source == "-":
            return self.o.input_format == "warc"
        with open_list(self.o.source) as stream:
            return looks_like_warc(self.o.source, stream.read(8))

    def _entries(self, stream: Any) -> Any:
        if self.warc:
            from .. import warc

            return warc.iter_entries(stream, self.o.fetch, self.o.source, self.stats.warnings)
        return iter_entries(stream, self.o.input_format, self.o.source)

    def _count_and_verify(self) -> int:
        """A first quick pass over a list file: how many entries (for the progress bar and its ETA), and does
        the output being resumed belong to this list?"""
        n = 0
        with open_list(self.o.source) as stream:
            for entry in iter_entries(stream, self.o.input_format, self.o.source):
                n += 1
                self._verify_resumed(entry)
        return n

    def _verify_resumed(self, entry: Entry) -> bool:
        """True when the line already has its record; raises when that record is for another input."""
        if not self.done.get(entry.line):
            return False
        if not self.done.matches(entry.line, entry.text):
            raise AuditInputError(
                f"--resume: line {entry.line} of {self.o.source} is {entry.text!r} but {self.o.output} holds a "
                "record for another input there: not the same list (write to a new file)"
            )
        return True

    def _start_pool(self) -> None:
        workers = self.o.workers
        if workers is None:
            workers = os.cpu_count() or 1
        if workers <= 0:
            return
        from ..workers import WorkerPool

        self.pool = WorkerPool(workers, initializer=_worker_ready)

    # -- running ---------------------------------------------------------------------------

    def run(self) -> int:
        try:
            self._prepare()
        except AuditInputError as exc:
            self._say(f"pharmcheck: {exc}")
            return int(ExitStatus.INVALID_INPUT)
        self.remote: Any = None
        if self.o.cluster or self.o.shards:
            from . import remote

            try:
                if self.o.cluster:
                    self.remote = remote.DaskCluster(self.o.cluster, self.o.fetch, self.codec.name, self._rule_ids, local_workers=self.o.workers)
                else:
                    self.remote = remote.LocalShards(self.o.shards, self.o.fetch, self.codec.name, self._rule_ids)
            except Exception as exc:  # noqa: BLE001 - no scheduler at that address, no Dask installed
                self._say(f"pharmcheck: --cluster {self.o.cluster}: {exc}" if self.o.cluster else f"pharmcheck: --shards: {exc}")
                self.output.close()
                self.store.close()
                return int(ExitStatus.INVALID_INPUT)
        else:
            self._start_pool()
        self.started = time.monotonic()
        try:
            asyncio.run(self._main())
        finally:
            self._stop_progress()
            if self.pool is not None:
                self.pool.close(wait=not self.interrupted)
            if self.remote is not None:
                self.remote.close(wait=not self.interrupted)
            self.output.close()
            self.store.close()
            self.table.close()
            self.done.close()
        if self.rechecks and not (self.interrupted or self.failed) and self.o.output is not None:
            try:
                moved = self.rechecks.compact(self.o.output, self.codec.header)
            except OSError as exc:
                self.failed = f"--recheck: cannot put the new records in place ({exc.strerror or exc}); the file holds old and new ones, --resume --recheck again finishes"
            else:
                if moved:
                    self.stats.warnings.append(f"{moved} record(s) checked again, each now in the place of the old one")
        if self.failed:
            self._say(f"pharmcheck: {self.failed}")
        if not self.o.quiet:
            self._summary()
        if self.interrupted:
            return int(ExitStatus.INTERRUPTED)
        if self.failed:
            return int(self.failed_code)
        if any(self.stats.verdicts[v] for v in self.o.fail_on):
            return int(ExitStatus.FAIL_ON)
        return int(ExitStatus.LIKELY_LEGITIMATE)

    async def _main(self) -> None:
        loop = asyncio.get_running_loop()
        main = asyncio.current_task()
        assert main is not None
        self._main_task = main

        def on_signal() -> None:
            if not self.interrupted and self.failed is None:
                self.interrupted = True
                main.cancel()
            for sig in (signal.SIGINT, signal.SIGTERM):  # a second Ctrl-C ends the process at once
                loop.remove_signal_handler(sig)

        for sig in (signal.SIGINT, signal.SIGTERM):
            loop.add_signal_handler(sig, on_signal)
        # Host names are resolved by getaddrinfo in the loop's default executor: 6 threads on 2 cores, so one
        # slow resolver answer (5 s is common for dead domains) would hold up the sites queued behind it.
        from concurrent.futures import ThreadPoolExecutor

        loop.set_default_executor(ThreadPoolExecutor(max_workers=max(8, min(self.o.concurrency, 256)), thread_name_prefix="pharmcheck-resolve"))
        self._start_progress()
        stream = open_list(self.o.source)
        # a crawl's entries carry their pages: only a few are read ahead
        reader = _ThreadedReader(self._entries(stream), loop, ahead=4 if self.warc else 4096)
        c = self.o.concurrency
        # One queue and one runner task per busy host: a run of lines on one host waits in its queue (up to
        # QUEUED_MAX entries, a few bytes each) while the other hosts go on. At most 2c hosts are busy, c sites
        # are fetched and c fetched sites wait to be judged: memory does not grow with the list.
        self.host_queues: dict[str, collections.deque[tuple[Entry, str, int]]] = {}
        self.runners = asyncio.Semaphore(2 * c)
        self.queued = asyncio.Semaphore(max(QUEUED_MAX, 4 * c))
        self.fetching = asyncio.Semaphore(c)
        self.judging = asyncio.Semaphore(c)
        self.clock = _HostClock(self.o.fetch.delay)
        try:
            async for entry in reader:
                if self._verify_resumed(entry):
                    continue
                await self._dispatch(entry)
            while self._tasks:
                await asyncio.gather(*list(self._tasks))
        except asyncio.CancelledError:
            if not (self.interrupted or self.failed):
                raise
        except AuditInputError as exc:  # --resume met another list, or the list is not text
            self.failed, self.failed_code = str(exc), ExitStatus.INVALID_INPUT
        except OSError as exc:
            self.failed, self.failed_code = _write_failure(exc), ExitStatus.INVALID_INPUT
        finally:
            reader.close()
            for task in self._tasks:
                task.cancel()
            if self._tasks:
                await asyncio.gather(*list(self._tasks), return_exceptions=True)
            if self.o.source != "-":  # a thread may still be blocked reading stdin: leave it to the exit
                stream.close()

    async def _dispatch(self, entry: Entry) -> None:
        if self.rechecks:
            entry.attempt = self.rechecks.attempt_for(entry.line)
        if entry.problem is not None:
            self._emit_error(entry, entry.problem, "invalid-input")
            return
        try:
            url = normalize_url(entry.text)
        except FetchError as exc:
            self._emit_error(entry, exc.message, exc.kind)
            return
        key = site_key(url)
        seen = self.table.get(key)
        if seen is not None:
            if seen[1] >= 0:
                self._emit_duplicate(entry, seen[0], self.store.read(seen[1]))
            else:
                self.waiting.setdefault(key, []).append(entry)
            return
        self.table.put(key, entry.line, -1)
        if entry.raw is not None:  # from a crawl: nothing to fetch, straight to the judging
            raw, entry.raw = entry.raw, None
            await self.judging.acquire()
            self._spawn(self._finish(entry, key, raw), self.judging)
            return
        host = host_key(url)
        await self.queued.acquire()
        queue = self.host_queues.get(host)
        if queue is None:
            await self.runners.acquire()
            queue = self.host_queues.get(host)  # another line of this host may have started one meanwhile
            if queue is None:
                queue = self.host_queues[host] = collections.deque()
                self._spawn(self._run_host(host, queue), self.runners)
            else:
                self.runners.release()
        queue.append((entry, url, key))

    def _spawn(self, coro: Any, slot: asyncio.Semaphore) -> None:
        """A task that gives back ``slot`` when it ends, however it ends."""
        task = asyncio.create_task(coro)
        self._tasks.add(task)

        def done(t: asyncio.Task) -> None:
            self._tasks.discard(t)
            slot.release()

        task.add_done_callback(done)

    async def _run_host(self, host: str, queue: collections.deque) -> None:
        """Check the sites of one host, one after the other; judging each is handed on, so the host's next
        site is fetched meanwhile."""
        try:
            while queue:
                entry, url, key = queue.popleft()
                self.queued.release()
                await self.clock.wait(host)
                if self.remote is not None:  # fetched and judged elsewhere, one at a time for this host
                    try:
                        async with self.fetching:
                            text, info = await self.remote.check(host, entry.text, audit_block(entry))
                    finally:
                        self.clock.stamp(host)
                    self._record(entry, key, text, info)
                    continue
                try:
                    async with self.fetching:
                        raw = await self._fetch(entry.text)
                finally:
                    self.clock.stamp(host)
                await self.judging.acquire()
                self._spawn(self._finish(entry, key, raw), self.judging)
        finally:
            if self.host_queues.get(host) is queue:
                del self.host_queues[host]

    def _fatal(self, message: str, code: ExitStatus) -> None:
        """Stop the run: the records cannot be written (or pharmcheck has a bug)."""
        if self.failed is None and not self.interrupted:
            self.failed, self.failed_code = message, code
            self._main_task.cancel()

    async def _finish(self, entry: Entry, key: int, raw: RawSite) -> None:
        text, info = await self._judge(raw, audit_block(entry))
        self._record(entry, key, text, info)

    def _record(self, entry: Entry, key: int, text: str, info: RecordInfo) -> None:
        self.stats.checked += 1
        self.stats.pages += info.pages
        try:
            self._emit(entry, key, text, info)
        except OSError as exc:
            self._fatal(_write_failure(exc), ExitStatus.INVALID_INPUT)
        except Exception as exc:
            self._fatal(f"internal error: {exc.__class__.__name__}: {exc} (please report this)", ExitStatus.INTERNAL_ERROR)

    def _budgets(self) -> tuple[FetchConfig, float]:
        """The fetcher's share of each site's --timeout, and the part kept for judging it."""
        return budgets(self.o.fetch)

    async def _fetch(self, text: str) -> RawSite:
        return await fetch_entry(text, self._budgets()[0])

    async def _judge(self, raw: RawSite, audit: dict[str, Any]) -> tuple[str, RecordInfo]:
        from ..workers import WorkerDied, WorkerError, WorkerTimeout

        _, reserve = self._budgets()
        # One deadline for the site: what the fetch left of --timeout, and never less than the reserve.
        budget = max(reserve, self.o.fetch.site_budget - (raw.elapsed_ms or 0) / 1000)
        args = (raw, audit, self.codec.name, self._rule_ids, budget)
        kind = "internal-error"
        started = time.monotonic()
        for attempt in (1, 2):
            try:
                if self.pool is None or raw.error is not None:
                    return analyze_to_record(*args)  # a site that could not be fetched is judged here: nothing to parse
                return await self.pool.run(analyze_to_record, *args, timeout=budget + KILL_GRACE)
            except WorkerTimeout as exc:  # the worker was killed and replaced; the site gets its record
                message, kind = str(exc), "analysis-timeout"
                break
            except WorkerDied as exc:  # killed, out of memory: a fresh worker tries once more
                message = str(exc)
                if attempt == 2:
                    break
            except (WorkerError, Exception) as exc:
                message = f"pharmcheck failed while judging this site ({exc})"
                break
        report = error_report(raw.requested, message, kind)
        report["elapsed_ms"] = (raw.elapsed_ms or 0) + round((time.monotonic() - started) * 1000)  # fetching and judging
        return self.codec.encode(report, audit), report_info(report)

    # -- writing ---------------------------------------------------------------------------

    def _write(self, text: str, info: RecordInfo, line: int) -> int:
        offset = self.output.write(text)
        self.rechecks.written(line, offset)
        self.stats.add(info)
        self._tick()
        return offset

    def _emit(self, entry: Entry, key: int, text: str, info: RecordInfo) -> None:
        offset = self._write(text, info, entry.line)
        self.table.put(key, entry.line, self.store.keep(text, offset))
        for dup in self.waiting.pop(key, ()):
            self._emit_duplicate(dup, entry.line, text)

    def _emit_duplicate(self, entry: Entry, first_line: int, first_text: str) -> None:
        text = self.codec.reaudit(first_text, audit_block(entry, first_line))
        _, info = self.codec.parse(text)
        self.stats.duplicates += 1
        self._write(text, info, entry.line)

    def _emit_error(self, entry: Entry, message: str, kind: str) -> None:
        report = error_report(entry.text, message, kind)
        self.stats.invalid += 1
        self._write(self.codec.encode(report, audit_block(entry)), report_info(report), entry.line)


def run_audit(options: AuditOptions, stderr: Any = None) -> int:
    """Run an audit; returns the exit status (see pharmcheck.exitcodes and docs/audit.md)."""
    return Auditor(options, stderr).run()
