"""The processes that judge sites for `audit`: a worker stuck on one site is killed and replaced.

``concurrent.futures.ProcessPoolExecutor`` can neither stop one task nor say which worker runs it, so a
page that holds a worker for good would hold it for the rest of the run. Here each worker has its own
pipe and runs one task at a time:

* a task that overruns its time (the worker's own timer should have stopped it: pharmcheck/deadline.py)
  gets its worker killed with SIGKILL; a new worker takes its place and the caller gets
  :class:`WorkerTimeout`, so the site's record is still written;
* a worker that dies (killed, out of memory) is replaced the same way (:class:`WorkerDied`);
* workers die with their parent, whatever ends it, even SIGKILL: on Linux the kernel kills them
  (``PR_SET_PDEATHSIG``); elsewhere a thread notices the new parent pid within half a second. They ignore
  Ctrl-C: the main process decides what an interrupt means.
"""

from __future__ import annotations

import asyncio
import ctypes
import ctypes.util
import multiprocessing
import os
import signal
import sys
import threading
import time
from multiprocessing.connection import Connection
from typing import Any, Callable

PR_SET_PDEATHSIG = 1


class WorkerTimeout(Exception):
    pass


class WorkerDied(Exception):
    pass


class WorkerError(Exception):
    """The task raised in the worker; the message names the exception."""


def die_with_parent(parent: int) -> None:
    """End this process when ``parent`` ends, by whatever means."""
    if sys.platform.startswith("linux"):
        try:
            libc = ctypes.CDLL(ctypes.util.find_library("c") or "libc.so.6", use_errno=True)
            libc.prctl(PR_SET_PDEATHSIG, signal.SIGKILL, 0, 0, 0)
        except (OSError, AttributeError):
            pass
    if os.getppid() != parent:  # the parent died before the line above took effect
        os._exit(0)

    def watch() -> None:
        while os.getppid() == parent:
            time.sleep(0.5)
        os._exit(0)

    threading.Thread(target=watch, name="pharmcheck-parent-watch", daemon=True).start()


def _worker_main(conn: Connection, parent: int, initializer: Callable[[], None] | None) -> None:
    try:
        signal.set_wakeup_fd(-1)  # forked from a process with an event loop: its signals are not ours
    except ValueError:
        pass
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    signal.signal(signal.SIGTERM, signal.SIG_DFL)
    die_with_parent(parent)
    if initializer is not None:
        initializer()
    while True:
        try:
            task = conn.recv()
        except (EOFError, OSError):
            os._exit(0)
        if task is None:  # the pool is closing
            os._exit(0)
        fn, args = task
        try:
            reply = ("ok", fn(*args))
        except BaseException as exc:  # noqa: BLE001 - reported to the parent, the worker lives on
            reply = ("err", f"{exc.__class__.__name__}: {exc}")
        try:
            conn.send(reply)
        except (OSError, ValueError):
            os._exit(0)


class _Worker:
    def __init__(self, ctx: Any, initializer: Callable[[], None] | None):
        self.conn, child = ctx.Pipe(duplex=True)
        self.process = ctx.Process(target=_worker_main, args=(child, os.getpid(), initializer), daemon=True, name="pharmcheck-worker")
        self.process.start()
        child.close()

    def kill(self) -> None:
        try:
            self.process.kill()
        except (OSError, ValueError, AttributeError):
            pass
        self.process.join(5)
        self.conn.close()


class WorkerPool:
    """``size`` worker processes; :meth:`run` gives a task to an idle one and waits for it, within a limit."""

    def __init__(self, size: int, initializer: Callable[[], None] | None = None):
        self.size = max(1, size)
        self.initializer = initializer
        self.replaced = 0
        # fork is cheap and safe while this is the only thread; otherwise start clean interpreters.
        self._fork_ok = threading.active_count() == 1 and "fork" in multiprocessing.get_all_start_methods()
        previous = signal.signal(signal.SIGINT, signal.SIG_IGN) if threading.current_thread() is threading.main_thread() else None
        try:
            self._workers = [self._new(first=True) for _ in range(self.size)]
        finally:
            if previous is not None:
                signal.signal(signal.SIGINT, previous)
        self._idle: asyncio.Queue[_Worker] | None = None
        self._closed = False

    def _new(self, first: bool = False) -> _Worker:
        # A replacement is started while the event loop and its resolver threads run: never forked then.
        method = "fork" if first and self._fork_ok else "spawn"
        return _Worker(multiprocessing.get_context(method), self.initializer)

    async def run(self, fn: Callable[..., Any], *args: Any, timeout: float) -> Any:
        if self._idle is None:
            self._idle = asyncio.Queue()
            for w in self._workers:
                self._idle.put_nowait(w)
        worker = await self._idle.get()
        healthy = False
        try:
            try:
                worker.conn.send((fn, args))
                status, value = await asyncio.wait_for(self._reply(worker), timeout)
            except (TimeoutError, asyncio.TimeoutError):
                raise WorkerTimeout(f"the worker judging this site was still busy after {timeout:.3g} s and was stopped") from None
            except (EOFError, OSError, BrokenPipeError):
                raise WorkerDied("the worker process judging this site died") from None
            healthy = True
            if status == "err":
                raise WorkerError(value)
            return value
        finally:
            if healthy or self._closed:
                self._idle.put_nowait(worker)
            else:
                self._replace(worker)

    async def _reply(self, worker: _Worker) -> tuple[str, Any]:
        loop = asyncio.get_running_loop()
        ready = loop.create_future()
        fd = worker.conn.fileno()
        loop.add_reader(fd, lambda: ready.done() or ready.set_result(None))
        try:
            await ready
        finally:
            loop.remove_reader(fd)
        return worker.conn.recv()  # the whole message: the worker is writing it now

    def _replace(self, worker: _Worker) -> None:
        worker.kill()
        self.replaced += 1
        if self._closed:
            return
        fresh = self._new()
        self._workers = [fresh if w is worker else w for w in self._workers]
        assert self._idle is not None
        self._idle.put_nowait(fresh)

    def close(self, wait: bool = True) -> None:
        self._closed = True
        for w in self._workers:
            try:
                w.conn.send(None)  # a worker waiting for a task leaves; a busy one is killed below
                w.conn.close()
            except (OSError, ValueError):
                pass
        deadline = time.monotonic() + (5 if wait else 0.2)
        for w in self._workers:
            w.process.join(max(0.0, deadline - time.monotonic()))
            if w.process.is_alive():
                w.process.kill()
                w.process.join(1)
