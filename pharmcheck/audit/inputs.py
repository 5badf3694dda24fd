"""Reading the list of an audit: one entry per line (a URL, a domain, a hosts-file line) or per CSV row,
read lazily by a thread so that a slow ``stdin`` never blocks the network."""

from __future__ import annotations

import asyncio
import collections
import csv
import io
import ipaddress
import itertools
import os
import re
import sys
import threading
from dataclasses import dataclass
from pathlib import Path
from typing import Any, BinaryIO, Iterable, Iterator

INPUT_FORMATS = ("auto", "lines", "csv", "warc")

# A hosts file starts with entries for the machine itself; they are not sites to audit.
HOSTS_LOCAL_NAMES = frozenset(
    {
        "localhost", "localhost.localdomain", "local", "broadcasthost", "ip6-localhost", "ip6-loopback",
        "ip6-localnet", "ip6-mcastprefix", "ip6-allnodes", "ip6-allrouters", "ip6-allhosts", "0.0.0.0",
    }
)
URL_COLUMNS = ("url", "domain")  # the CSV column read, the first found
MAX_LINE = 16_384  # characters of a line kept; a longer line (no URL is that long) is one error record
TOO_LONG = "\uffff(line too long)"  # stands for such a line: a noncharacter no real list holds
_TRAILING_COMMENT = re.compile(r"(?<!\s)\s+#.*$")  # the lookbehind: one try per run of spaces, not one per space (linear)


class AuditInputError(Exception):
    """The list, the output file or --resume cannot be used: one line for the user, exit 7."""


@dataclass(slots=True)
class Entry:
    line: int  # 1-based physical line of the input (for CSV, the first line of the row)
    text: str  # the URL or domain as given
    problem: str | None = None  # why the line is not a URL or domain, when it is plainly not one
    attempt: int = 1  # 2, 3...: the line is checked again (--recheck)
    raw: Any = None  # a site already gathered (from a crawl, pharmcheck/warc.py): judged as it is, not fetched


def open_list(source: str) -> BinaryIO:
    """The list as a binary stream; ``-`` is standard input. Raises AuditInputError."""
    if source == "-":
        # its own file object: a reader thread still blocked on a silent pipe at exit holds no lock of sys.stdin
        return os.fdopen(os.dup(sys.stdin.fileno()), "rb")
    path = Path(source)
    if path.is_dir():
        raise AuditInputError(f"{source}: is a folder, not a list of sites")
    try:
        stream = open(path, "rb")  # noqa: SIM115 - closed by the caller
    except FileNotFoundError:
        raise AuditInputError(f"{source}: no such file") from None
    except OSError as exc:
        raise AuditInputError(f"{source}: cannot read it ({exc.strerror or exc})") from None
    return stream


def _check_text(stream: Any, name: str) -> None:
    if b"\x00" in stream.peek(8192)[:8192]:
        raise AuditInputError(f"{name}: not a text list (it holds NUL bytes; UTF-16 lists must be converted to UTF-8)")


def iter_entries(stream: BinaryIO, input_format: str = "auto", name: str = "input") -> Iterator[Entry]:
    """The entries of a list, read lazily. Comments, blank lines and hosts-file headers yield nothing.

    ``auto``: a CSV when the first line that is not a comment is a CSV header naming a ``url`` (or
    ``domain``) column, or has several comma-separated cells; otherwise one entry per line, where a line is
    a URL, a domain, or a hosts-format ``ADDRESS NAME`` (the NAME is checked).
    """
    if not hasattr(stream, "peek"):
        stream = io.BufferedReader(stream)  # type: ignore[arg-type]
    _check_text(stream, name)
    text = io.TextIOWrapper(stream, encoding="utf-8-sig", errors="replace", newline="")
    try:
        yield from _entries_of(text, input_format, name)
    finally:
        text.detach()  # the caller owns the stream and closes it


def _bounded_lines(text: io.TextIOWrapper, limit: int = MAX_LINE) -> Iterator[str]:
    """The lines of ``text``, each at most ``limit`` characters kept: memory stays flat whatever the list
    holds (a 50 MB line, 1 GB with no newline at all). A longer line is :data:`TOO_LONG`."""
    while True:
        line = text.readline(limit)
        if not line:
            return
        if len(line) >= limit and not line.endswith(("\n", "\r")):
            while True:  # skip the rest of it, a piece at a time
                rest = text.readline(limit)
                if not rest or rest.endswith(("\n", "\r")) or len(rest) < limit:
                    break
            yield TOO_LONG + "\n"
            continue
        yield line


def _entries_of(text: io.TextIOWrapper, input_format: str, name: str) -> Iterator[Entry]:
    numbered: Iterator[tuple[int, str]] = enumerate(_bounded_lines(text), 1)
    fmt = input_format
    head: list[tuple[int, str]] = []
    if fmt == "auto":
        fmt = "lines"
        for no, line in numbered:
            head.append((no, line))
            s = line.strip()
            if not s or s.startswith("#"):
                continue
            if _csv_like(s):
                fmt = "csv"
            break
    source = itertools.chain(head, numbered)
    if fmt == "csv":
        yield from _csv_entries(source, name)
    else:
        yield from _line_entries(source)


def _csv_like(line: str) -> bool:
    tokens = line.split()
    if len(tokens) >= 2 and _is_ip(tokens[0]):
        return False  # a hosts line
    try:
        row = next(csv.reader([line]))
    except (csv.Error, StopIteration):
        return False
    names = {c.strip().lower() for c in row}
    return bool(names & set(URL_COLUMNS)) or len(row) >= 2


def _line_entries(source: Iterable[tuple[int, str]]) -> Iterator[Entry]:
    for no, line in source:
        s = line.strip()
        if s.startswith(TOO_LONG):
            yield Entry(no, "", f"the line is longer than {MAX_LINE} characters")
            continue
        if "\x00" in s:
            yield Entry(no, s.replace("\x00", "")[:200], "the line holds NUL bytes (not a text list?)")
            continue
        if not s or s.startswith("#"):
            continue
        if "#" in s:
            s = _TRAILING_COMMENT.sub("", s)  # "0.0.0.0 host.example  # note"; a URL never holds " #"
        tokens = s.split()
        if len(tokens) >= 2 and _is_ip(tokens[0]):
            host = tokens[1]
            if host.lower() in HOSTS_LOCAL_NAMES or _is_ip(host):
                continue  # "127.0.0.1 localhost" and the like: the machine itself, not a site
            yield Entry(no, host)  # a hosts line naming several hosts is checked for its first one
        elif len(tokens) == 1:
            yield Entry(no, tokens[0])
        else:
            yield Entry(no, s, "expected one URL or domain on the line")


def _csv_entries(source: Iterable[tuple[int, str]], name: str) -> Iterator[Entry]:
    where = [0]

    def lines() -> Iterator[str]:
        for no, line in source:
            where[0] = no
            yield line

    reader = csv.reader(lines())
    column: int | None = None
    last = 0
    while True:
        try:
            row = next(reader)
        except StopIteration:
            break
        except csv.Error as exc:
            # a broken row (an unclosed quote at the end, a NUL) becomes an error record, not an abort
            start, last = last + 1, where[0]
            yield Entry(start, "", f"unreadable CSV row ({exc})")
            continue
        start, last = last + 1, where[0]
        if any(c.startswith(TOO_LONG) for c in row):
            yield Entry(start, "", f"the line is longer than {MAX_LINE} characters")
            continue
        if not row or not any(c.strip() for c in row) or row[0].lstrip().startswith("#"):
            continue
        if column is None:
            names = [c.strip().lower() for c in row]
            found = next((names.index(c) for c in URL_COLUMNS if c in names), None)
            if found is None:
                shown = ", ".join(c.strip() for c in row[:8])
                raise AuditInputError(f"{name}: a CSV list needs a 'url' column (its header is: {shown})")
            column = found
            continue
        value = row[column].strip() if column < len(row) else ""
        yield Entry(start, value, None if value else "the url cell is empty")


_MAYBE_IP = re.compile(r"^[0-9.]+$|:")


def _is_ip(text: str) -> bool:
    if _MAYBE_IP.search(text) is None:  # most tokens are host names: skip the costly parse
        return False
    try:
        ipaddress.ip_address(text)
        return True
    except ValueError:
        return False


class _ThreadedReader:
    """Entries read by a thread and handed to the event loop in order, at most ``ahead`` in advance."""

    _END = object()

    def __init__(self, entries: Iterator[Entry], loop: asyncio.AbstractEventLoop, ahead: int = 4096):
        self._entries = entries
        self._loop = loop
        self._items: collections.deque[Any] = collections.deque()
        self._space = threading.Semaphore(ahead)
        self._ready = asyncio.Event()
        self._stop = False
        self._thread = threading.Thread(target=self._run, name="pharmcheck-audit-reader", daemon=True)
        self._thread.start()

    def _put(self, item: Any) -> None:
        self._items.append(item)
        if len(self._items) == 1:
            try:
                self._loop.call_soon_threadsafe(self._ready.set)
            except RuntimeError:  # the loop is closed: the run is over
                self._stop = True

    def _run(self) -> None:
        try:
            for entry in self._entries:
                self._space.acquire()
                if self._stop:
                    return
                self._put(entry)
        except BaseException as exc:  # handed to the loop, raised there
            self._put(exc)
        self._put(self._END)

    def close(self) -> None:
        self._stop = True
        self._space.release()

    def __aiter__(self) -> "_ThreadedReader":
        return self

    async def __anext__(self) -> Entry:
        while not self._items:
            self._ready.clear()
            if self._items:
                break
            await self._ready.wait()
        item = self._items.popleft()
        if item is self._END:
            self._items.appendleft(item)
            raise StopAsyncIteration
        self._space.release()
        if isinstance(item, BaseException):
            raise item
        return item

