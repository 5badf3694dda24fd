"""A time limit on judging a site: pages are written by the people judged, and may be built to be slow.

Fetching is bounded by the fetcher's own deadline; parsing and the rules are bounded here. Inside the
limit, an interval timer (``SIGALRM``) raises :class:`AnalysisTimeout` in the running code: Python checks
for signals between bytecodes and inside the regular-expression engine, so a slow pattern or a huge page
is stopped where it is. The timer works in the main thread of a process: ``check`` runs the analysis
there, and each `audit` worker process runs it in its own main thread. Where no timer can be set (another
thread, another platform), the limit is not enforced here; `audit` also kills a worker that overruns by a
margin (pharmcheck/workers.py), whatever it is doing.
"""

from __future__ import annotations

import contextlib
import signal
import threading
from typing import Iterator


class AnalysisTimeout(BaseException):  # not an Exception: no `except Exception` in a rule may swallow it
    def __init__(self, seconds: float):
        super().__init__(f"judging the pages took longer than {seconds:.3g} s (a page may be built to slow checkers down)")
        self.seconds = seconds


def can_bound() -> bool:
    return hasattr(signal, "setitimer") and threading.current_thread() is threading.main_thread()


@contextlib.contextmanager
def time_limit(seconds: float | None) -> Iterator[None]:
    """Raise :class:`AnalysisTimeout` in this block after ``seconds`` (None or no timer: no limit)."""
    if seconds is None or not can_bound():
        yield
        return
    seconds = max(0.01, seconds)

    def expired(signum: int, frame: object) -> None:
        raise AnalysisTimeout(seconds)

    previous = signal.signal(signal.SIGALRM, expired)
    signal.setitimer(signal.ITIMER_REAL, seconds)
    try:
        yield
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0)
        signal.signal(signal.SIGALRM, previous)
