"""Exit codes, one per outcome, documented in the README. 2 is typer's (click's) usage error."""

from __future__ import annotations

from enum import IntEnum


class ExitStatus(IntEnum):
    LIKELY_LEGITIMATE = 0  # check: no serious risk signal found; audit: finished
    INTERNAL_ERROR = 1  # a bug in pharmcheck (reported in one line, never a traceback)
    USAGE = 2  # bad command-line usage (typer/click)
    CAUTION = 3
    LIKELY_ROGUE = 4
    NOT_A_PHARMACY = 5
    COULD_NOT_CHECK = 6  # the site could not be fetched: DNS, refused, timeout, TLS handshake, 404, not HTML...
    INVALID_INPUT = 7  # not a URL / no such file / unreadable list
    FAIL_ON = 8  # audit --fail-on: at least one site had the named verdict
    INTERRUPTED = 130  # Ctrl-C


VERDICT_EXIT = {
    "likely-legitimate": ExitStatus.LIKELY_LEGITIMATE,
    "caution": ExitStatus.CAUTION,
    "likely-rogue": ExitStatus.LIKELY_ROGUE,
    "not-a-pharmacy": ExitStatus.NOT_A_PHARMACY,
    "could-not-check": ExitStatus.COULD_NOT_CHECK,
}
