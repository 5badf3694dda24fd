"""A time limit on judging a site: pages are written by the people judged, and may be built to be slow.

Fetching is bounded by the fetcher's own deadline; parsing and the rules are bounded here. Inside the
limit, an interval timer (``SIGALRM``) raises :class:`AnalysisTimeout` in the running code: Python checks
for signals between bytecodes and inside the regular-expression engine, so a slow pattern or a huge page
is stopped where it is. The timer works in the main thread of a process: ``check`` runs the analysis
there, and each `audit` worker process runs it in its own main thread; `audit` also kills a worker that
overruns by a margin (pharmcheck/workers.py), whatever it is doing.

In another thread (a Dask task runs in a worker thread) no signal can be used: a watcher thread raises the
exception in the judging thread instead (``PyThreadState_SetAsyncExc``). Python delivers it between
bytecodes only, not inside one long call into C (a regular-expression match, lxml's parse), which the
signal would interrupt: there, the page size limit is the bound.
"""

from __future__ import annotations

import contextlib
import signal
import sys
import threading
from typing import Any, Iterator


class AnalysisTimeout(BaseException):  # not an Exception: no `except Exception` in a rule may swallow it
    def __init__(self, seconds: float):
        super().__init__(f"judging the pages took longer than {seconds:.3g} s (a page may be built to slow checkers down)")
        self.seconds = seconds


def can_bound() -> bool:
    """Whether the interval timer can bound this thread (else :func:`_thread_limit` does)."""
    return hasattr(signal, "setitimer") and threading.current_thread() is threading.main_thread()


REPEAT = 0.01  # after the first alarm, again every 10 ms until the block ends


@contextlib.contextmanager
def time_limit(seconds: float | None) -> Iterator[None]:
    """Raise :class:`AnalysisTimeout` in this block after ``seconds`` (None or no timer: no limit).

    The alarm repeats until the block ends: Python prints and drops an exception raised while it runs a
    weakref callback or a finaliser, so one alarm can be lost. A dropped one is not printed
    (``sys.unraisablehook``) and brings the next one forward to a millisecond later; an alarm that arrives
    as the block ends does nothing.
    """
    if seconds is None:
        yield
        return
    seconds = max(0.01, seconds)
    if not can_bound():
        with _thread_limit(seconds):
            yield
        return
    active = True

    def expired(signum: int, frame: object) -> None:
        if active:
            raise AnalysisTimeout(seconds)

    previous_hook = sys.unraisablehook

    def hook(unraisable: Any) -> None:
        if not isinstance(unraisable.exc_value, AnalysisTimeout):
            previous_hook(unraisable)
        elif active:
            signal.setitimer(signal.ITIMER_REAL, 0.001, REPEAT)  # it was dropped: the next one, at once

    previous = signal.signal(signal.SIGALRM, expired)
    sys.unraisablehook = hook
    signal.setitimer(signal.ITIMER_REAL, seconds, REPEAT)
    try:
        yield
    finally:
        # An alarm may arrive in this very block: until `active` is False, the one it raises is caught
        # here and the tidying starts again; after, the handler does nothing. Never back to SIGALRM's
        # default action, which ends the process: a late alarm is then ignored.
        while True:
            try:
                active = False
                signal.setitimer(signal.ITIMER_REAL, 0)
                break
            except AnalysisTimeout:
                continue
        signal.signal(signal.SIGALRM, previous if callable(previous) else signal.SIG_IGN)
        sys.unraisablehook = previous_hook


@contextlib.contextmanager
def _thread_limit(seconds: float) -> Iterator[None]:
    """The limit in a thread that is not the main one: a watcher raises :class:`AnalysisTimeout` in it.

    As with the timer, the exception is raised again every 10 ms until the block ends (one may be dropped
    in a finaliser), and on the way out a pending one is withdrawn, under the same lock as the raising: once
    the block has ended, nothing more reaches the thread."""
    import ctypes

    target = threading.get_ident()
    lock = threading.Lock()
    stop = threading.Event()
    active = [True]

    class Expired(AnalysisTimeout):
        def __init__(self) -> None:  # Python builds the exception from its class, with no argument
            super().__init__(seconds)

    def raise_in(exc: type[BaseException] | None) -> None:
        ctypes.pythonapi.PyThreadState_SetAsyncExc(ctypes.c_ulong(target), ctypes.py_object(exc) if exc is not None else None)

    def watch() -> None:
        if stop.wait(seconds):
            return
        while True:
            with lock:
                if not active[0]:
                    return
                raise_in(Expired)
            if stop.wait(REPEAT):
                return

    watcher = threading.Thread(target=watch, name="pharmcheck-analysis-limit", daemon=True)
    watcher.start()
    try:
        yield
    finally:
        while True:
            try:
                with lock:
                    active[0] = False
                    stop.set()
                    raise_in(None)  # one raised but not yet delivered is withdrawn
                break
            except AnalysisTimeout:  # delivered here, in the tidying: tidy again
                continue
        watcher.join()
