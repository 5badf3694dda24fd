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
import sys
import threading
from typing import Any, Iterator


class AnalysisTimeout(BaseException):  # not an Exception: no `except Exception` in a rule may swallow it
    def __init__(self, seconds: float):
        super().__init__(f"judging the pages took longer than {seconds:.3g} s (a page may be built to slow checkers down)")
        self.seconds = seconds


def can_bound() -> bool:
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
    if seconds is None or not can_bound():
        yield
        return
    seconds = max(0.01, seconds)
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
