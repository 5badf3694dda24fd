"""`pharmcheck audit`: check a list of sites, thousands at a time, on the same engine as `check`.

Each site goes through exactly what `check` does (``fetch_site`` then ``engine.analyze``); this module
only schedules, deduplicates, writes and counts. The shape of a run:

* The list is read as a stream by a thread (a slow ``stdin`` never blocks the network), one entry per
  line: a URL or domain, a row of a CSV with a ``url`` column, or a hosts-format line (``0.0.0.0 host``).
* Up to ``concurrency`` sites are fetched at once, each with its own small HTTP client (one shared
  ``httpx.AsyncClient`` slows down as concurrency grows: httpcore scans its whole pool on every request,
  encode/httpx#3215), never more than one request at a time per host, robots.txt obeyed. Each busy host
  has its own queue, so a run of lines on one host (a crawl of one site) does not hold up the others.
* Parsing and the rules (CPU-bound) run in worker processes on the fetched bytes, so they never starve
  the network; the workers also encode the output record.
* Each record is written with one ``write()`` of one whole line as soon as its site is done, so a run
  killed at any moment leaves only whole records (plus at most one torn last line, which ``--resume``
  drops). ``--resume`` reads what is there and checks only the lines that have no record yet.

Memory stays flat as the list grows: the list is never held (at most QUEUED_MAX entries wait for a busy
host), at most ``2 x concurrency`` fetched sites are in memory at once, and what must be remembered per
line (duplicates, resume marks) lives in flat arrays: a few dozen bytes per distinct site, 4 bytes per
resumed line. A duplicate's record is the first check's record read back from the output file.
"""

from __future__ import annotations

import asyncio
import collections
import contextlib
import csv
import hashlib
import io
import ipaddress
import itertools
import json
import os
import re
import signal
import stat
import sys
import tempfile
import threading
import time
import zlib
from array import array
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, BinaryIO, Iterable, Iterator

from .exitcodes import ExitStatus
from .fetch import FetchConfig, FetchError, fetch_site, normalize_url, utc_now
from .site import RawSite

FORMATS = ("jsonl", "csv")
INPUT_FORMATS = ("auto", "lines", "csv")
VERDICT_CODES = ("likely-legitimate", "caution", "likely-rogue", "not-a-pharmacy", "could-not-check")
DEFAULT_CONCURRENCY = 50
DEFAULT_TIMEOUT = 30.0
QUEUED_MAX = 20_000  # input entries waiting for their host to be free (about 200 bytes each)
FETCH_GRACE = 5.0  # seconds beyond a site's budget before the audit gives up on it by force

# A hosts file starts with entries for the machine itself; they are not sites to audit.
HOSTS_LOCAL_NAMES = frozenset(
    {
        "localhost", "localhost.localdomain", "local", "broadcasthost", "ip6-localhost", "ip6-loopback",
        "ip6-localnet", "ip6-mcastprefix", "ip6-allnodes", "ip6-allrouters", "ip6-allhosts", "0.0.0.0",
    }
)
URL_COLUMNS = ("url", "domain")  # the CSV column read, the first found
_TRAILING_COMMENT = re.compile(r"\s+#.*$")


class AuditInputError(Exception):
    """The list, the output file or --resume cannot be used: one line for the user, exit 7."""


# ----------------------------------------------------------------------------------------------
# Reading the list


@dataclass(slots=True)
class Entry:
    line: int  # 1-based physical line of the input (for CSV, the first line of the row)
    text: str  # the URL or domain as given
    problem: str | None = None  # why the line is not a URL or domain, when it is plainly not one


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


def _entries_of(text: io.TextIOWrapper, input_format: str, name: str) -> Iterator[Entry]:
    numbered: Iterator[tuple[int, str]] = enumerate(text, 1)
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


# ----------------------------------------------------------------------------------------------
# Compact memory of what was seen


def site_key(url: str) -> int:
    """A stable 64-bit key of a normalised URL (never 0: 0 marks an empty slot)."""
    return int.from_bytes(hashlib.blake2b(url.encode("utf-8"), digest_size=8).digest(), "little") or 1


class _KeyTable:
    """site key -> (first line, offset of its record in the store; -1 while it is being checked).

    Open addressing over three flat arrays: 24 bytes a slot, about 40 a site, where a dict of tuples
    costs some 200. A list of a million distinct sites costs about 40 MB here.
    """

    def __init__(self, capacity: int = 1 << 12):
        self._alloc(capacity)
        self._used = 0

    def _alloc(self, capacity: int) -> None:
        self._mask = capacity - 1
        self._keys = array("Q", bytes(8 * capacity))
        self._lines = array("q", bytes(8 * capacity))
        self._offsets = array("q", bytes(8 * capacity))

    def _slot(self, key: int) -> int:
        keys, mask = self._keys, self._mask
        i = key & mask
        while True:
            k = keys[i]
            if k == key or k == 0:
                return i
            i = (i + 1) & mask

    def get(self, key: int) -> tuple[int, int] | None:
        i = self._slot(key)
        if self._keys[i] == 0:
            return None
        return self._lines[i], self._offsets[i]

    def put(self, key: int, line: int, offset: int) -> None:
        i = self._slot(key)
        if self._keys[i] == 0:
            self._keys[i] = key
            self._used += 1
        self._lines[i], self._offsets[i] = line, offset
        if self._used * 2 > self._mask + 1:
            self._grow()

    def _grow(self) -> None:
        keys, lines, offsets = self._keys, self._lines, self._offsets
        self._alloc((self._mask + 1) * 2)
        for k, ln, off in zip(keys, lines, offsets):
            if k:
                i = self._slot(k)
                self._keys[i], self._lines[i], self._offsets[i] = k, ln, off

    def __len__(self) -> int:
        return self._used


class _DoneLines:
    """Lines that already have a record (from --resume), with a 31-bit checksum of their input: 4 bytes a line."""

    def __init__(self) -> None:
        self._marks = array("I")
        self.count = 0

    @staticmethod
    def _mark(text: str) -> int:
        return (zlib.crc32(text.encode("utf-8")) & 0x7FFFFFFF) | 0x80000000

    def add(self, line: int, text: str) -> bool:
        need = line + 1 - len(self._marks)
        if need > 0:
            grow = max(need, len(self._marks) // 2 + 1024)
            self._marks.frombytes(bytes(grow * self._marks.itemsize))
        if self._marks[line]:
            return False
        self._marks[line] = self._mark(text)
        self.count += 1
        return True

    def get(self, line: int) -> int:
        return self._marks[line] if line < len(self._marks) else 0

    def matches(self, line: int, text: str) -> bool:
        return self.get(line) == self._mark(text)


# ----------------------------------------------------------------------------------------------
# Records


@dataclass(slots=True)
class RecordInfo:
    """What the summary needs from a record."""

    verdict: str
    red_flags: tuple[str, ...] = ()
    error_kind: str | None = None
    pages: int = 0


def report_info(report: dict[str, Any]) -> RecordInfo:
    flags = sorted(
        {f["outcome"] for r in report.get("rules", ()) for f in r.get("findings", ()) if f.get("status") == "fail"}
        | set(report["verdict"].get("critical", ()))
    )
    error = report.get("error")
    pages = sum(1 for p in report.get("pages", ()) if not p.get("error"))
    return RecordInfo(report["verdict"]["code"], tuple(flags), error["kind"] if error else None, pages)


def audit_block(entry: Entry, duplicate_of: int | None = None) -> dict[str, Any]:
    return {"line": entry.line, "input": entry.text, "duplicate_of": duplicate_of}


class JsonlCodec:
    """One report per line: the `check --json` report, compact, plus its ``audit`` block."""

    name = "jsonl"
    header: str | None = None

    def encode(self, report: dict[str, Any], audit: dict[str, Any]) -> str:
        from .report import to_json

        report["audit"] = audit
        return to_json(report, indent=None) + "\n"

    def parse(self, text: str) -> tuple[dict[str, Any], RecordInfo]:
        record = json.loads(text)
        audit = record["audit"]
        if not isinstance(audit.get("line"), int) or not isinstance(audit.get("input"), str):
            raise ValueError("no audit block")
        return audit, report_info(record)

    def reaudit(self, text: str, audit: dict[str, Any]) -> str:
        from .report import to_json

        record = json.loads(text)
        record["audit"] = audit
        return to_json(record, indent=None) + "\n"


_FORMULA_START = ("=", "+", "-", "@")


class CsvCodec:
    """One row per site; one column per rule holding the rule's status. Every row is one physical line."""

    name = "csv"
    FIXED_HEAD = ("line", "input", "duplicate_of", "url", "final_url", "verdict", "score", "critical", "red_flags", "warnings")
    FIXED_TAIL = ("pages", "elapsed_ms", "error_kind", "error")

    def __init__(self, rule_ids: Iterable[str]):
        self.rule_ids = tuple(rule_ids)
        self.columns = self.FIXED_HEAD + self.rule_ids + self.FIXED_TAIL
        self._index = {c: i for i, c in enumerate(self.columns)}
        self.header = self._row(self.columns)

    @staticmethod
    def _cell(value: Any) -> str:
        if value is None:
            return ""
        text = str(value).replace("\r\n", " ").replace("\n", " ").replace("\r", " ")
        if text.startswith(_FORMULA_START):
            text = "'" + text  # a spreadsheet must not run a cell as a formula (CSV injection)
        return text

    @staticmethod
    def _uncell(text: str) -> str:
        return text[1:] if text.startswith("'") and text[1:2] in _FORMULA_START and text[1:2] else text

    def _row(self, cells: Iterable[Any]) -> str:
        buf = io.StringIO()
        csv.writer(buf, lineterminator="\n").writerow([self._cell(c) for c in cells])
        return buf.getvalue()

    def encode(self, report: dict[str, Any], audit: dict[str, Any]) -> str:
        status = {r["id"]: r["status"] for r in report.get("rules", ())}
        findings = [f for r in report.get("rules", ()) for f in r.get("findings", ())]
        error = report.get("error") or {}
        info = report_info(report)
        cells = [
            audit["line"],
            audit["input"],
            audit.get("duplicate_of"),
            report["requested_url"],
            report["final_url"],
            report["verdict"]["code"],
            report["verdict"]["score"],
            " ".join(report["verdict"]["critical"]),
            " ".join(info.red_flags),
            " ".join(sorted({f["outcome"] for f in findings if f["status"] == "warn"})),
            *(status.get(rule_id, "") for rule_id in self.rule_ids),
            info.pages,
            report["elapsed_ms"],
            error.get("kind"),
            error.get("message"),
        ]
        return self._row(cells)

    def _fields(self, text: str) -> list[str]:
        row = next(csv.reader([text.rstrip("\n")]))
        if len(row) != len(self.columns):
            raise ValueError(f"{len(row)} cells, expected {len(self.columns)}")
        return row

    def parse(self, text: str) -> tuple[dict[str, Any], RecordInfo]:
        row = self._fields(text)
        get = lambda c: row[self._index[c]]  # noqa: E731
        dup = get("duplicate_of")
        audit = {"line": int(get("line")), "input": self._uncell(get("input")), "duplicate_of": int(dup) if dup else None}
        if get("verdict") not in VERDICT_CODES:
            raise ValueError(f"unknown verdict {get('verdict')!r}")
        pages = get("pages")
        info = RecordInfo(get("verdict"), tuple(get("red_flags").split()), get("error_kind") or None, int(pages) if pages else 0)
        return audit, info

    def reaudit(self, text: str, audit: dict[str, Any]) -> str:
        row = self._fields(text)
        row = [self._uncell(c) for c in row]
        row[self._index["line"]] = str(audit["line"])
        row[self._index["input"]] = audit["input"]
        row[self._index["duplicate_of"]] = "" if audit.get("duplicate_of") is None else str(audit["duplicate_of"])
        return self._row(row)


def make_codec(fmt: str, rule_ids: Iterable[str] | None = None) -> JsonlCodec | CsvCodec:
    if fmt == "csv":
        if rule_ids is None:
            from pharmcheck.rules import load_rules

            rule_ids = [m.ID for m in load_rules()]
        return CsvCodec(rule_ids)
    return JsonlCodec()


_WORKER_CODECS: dict[tuple[str, tuple[str, ...]], Any] = {}


def analyze_to_record(raw: RawSite, audit: dict[str, Any], fmt: str, rule_ids: tuple[str, ...]) -> tuple[str, RecordInfo]:
    """Parse, judge, grade and encode one site: the job of a worker process (or of the main one)."""
    from .engine import analyze

    codec = _WORKER_CODECS.get((fmt, rule_ids))
    if codec is None:
        codec = _WORKER_CODECS[(fmt, rule_ids)] = make_codec(fmt, rule_ids)
    report = analyze(raw)
    return codec.encode(report, audit), report_info(report)


def _worker_init(parent: int) -> None:
    """A worker ignores Ctrl-C (the main process decides) and ends when its parent is gone, even killed."""
    signal.signal(signal.SIGINT, signal.SIG_IGN)

    def watch() -> None:
        while os.getppid() == parent:
            time.sleep(0.5)
        os._exit(0)

    threading.Thread(target=watch, name="pharmcheck-parent-watch", daemon=True).start()
    from pharmcheck.rules import load_rules

    load_rules()  # import every rule now, not in the middle of the first site


def _warm() -> int:
    return os.getpid()


def error_report(text: str, message: str, kind: str) -> dict[str, Any]:
    """The report of an input that could not be checked at all (not a URL, a crash inside pharmcheck)."""
    from .engine import analyze

    raw = RawSite(requested=text, start_url=text, mode="online", fetched_at=utc_now(), elapsed_ms=0, error=message, error_kind=kind)
    try:
        return analyze(raw)
    except ValueError:  # a start URL too broken to name a domain
        raw.start_url = ""
        return analyze(raw)


# ----------------------------------------------------------------------------------------------
# Output


class _Output:
    """The records, each written with one write() of one whole line: a kill leaves no torn record."""

    def __init__(self, path: str | None, *, append: bool):
        self.path = path
        if path is None:
            self.fd = sys.stdout.fileno()
            self.offset = -1
        else:
            flags = os.O_WRONLY | os.O_CREAT | os.O_APPEND | (0 if append else os.O_TRUNC)
            try:
                self.fd = os.open(path, flags, 0o644)
            except OSError as exc:
                raise AuditInputError(f"cannot write {path}: {exc.strerror or exc}") from None
            info = os.fstat(self.fd)
            # a regular file can be read back at an offset; /dev/stdout, a pipe or a FIFO cannot
            self.offset = info.st_size if stat.S_ISREG(info.st_mode) else -1

    def write(self, text: str) -> int:
        """Write one record; returns its offset in the file (-1 on a pipe)."""
        data = text.encode("utf-8")
        view = memoryview(data)
        while view:
            n = os.write(self.fd, view)
            view = view[n:]
        start = self.offset
        if start >= 0:
            self.offset += len(data)
        return start

    def close(self) -> None:
        if self.path is not None:
            os.close(self.fd)


class _Store:
    """Where a site's record can be read back for its duplicates: the output file, or a spill file."""

    def __init__(self, output: _Output):
        if output.offset >= 0:
            self._fd = os.open(output.path, os.O_RDONLY)  # type: ignore[arg-type]
            self._spill = None
        else:  # a pipe cannot be read back: keep a copy of the records on disk, not in memory
            self._spill = tempfile.TemporaryFile(prefix="pharmcheck-audit-")
            self._fd = self._spill.fileno()
            self._end = 0

    def keep(self, text: str, output_offset: int) -> int:
        if self._spill is None:
            return output_offset
        data = text.encode("utf-8")
        os.pwrite(self._fd, data, self._end)
        start = self._end
        self._end += len(data)
        return start

    def read(self, offset: int) -> str:
        parts = []
        while True:
            chunk = os.pread(self._fd, 65536, offset)
            if not chunk:
                break
            end = chunk.find(b"\n")
            if end >= 0:
                parts.append(chunk[: end + 1])
                break
            parts.append(chunk)
            offset += len(chunk)
        return b"".join(parts).decode("utf-8")

    def close(self) -> None:
        if self._spill is not None:
            self._spill.close()
        else:
            os.close(self._fd)


def scan_output(path: str, codec: JsonlCodec | CsvCodec) -> Iterator[tuple[int, dict[str, Any], RecordInfo] | str]:
    """The records of an earlier run's output, with their offsets; drops a torn last line.

    Yields (offset, audit block, info) per valid record, or a warning string.
    """
    try:
        f = open(path, "r+b")  # noqa: SIM115
    except FileNotFoundError:
        return
    except OSError as exc:
        raise AuditInputError(f"--resume: cannot read {path}: {exc.strerror or exc}") from None
    with f:
        offset = 0
        first = True
        for raw in f:
            if not raw.endswith(b"\n"):
                f.truncate(offset)  # a record cut by a kill: dropped, its line is checked again
                yield f"dropped a partial last line of {path} ({len(raw)} bytes)"
                break
            text = raw.decode("utf-8", "replace")
            if first and codec.header is not None:
                first = False
                if text != codec.header:
                    raise AuditInputError(
                        f"--resume: {path} does not start with this audit's CSV header "
                        "(another format, or another set of rules); write to a new file"
                    )
                offset += len(raw)
                continue
            first = False
            try:
                audit, info = codec.parse(text)
            except (ValueError, KeyError, TypeError, IndexError, csv.Error):
                if codec.name == "jsonl" and text.startswith("line,"):
                    raise AuditInputError(f"--resume: {path} holds CSV, not JSON Lines: use --format csv") from None
                if codec.name == "csv" and text.startswith("{"):
                    raise AuditInputError(f"--resume: {path} holds JSON Lines, not CSV: use --format jsonl") from None
                yield f"ignored an unreadable record at byte {offset} of {path}"
            else:
                yield offset, audit, info
            offset += len(raw)


# ----------------------------------------------------------------------------------------------
# The run


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
    quiet: bool = False
    progress: bool | None = None  # None: when stderr is a terminal
    fetch: FetchConfig = field(default_factory=lambda: FetchConfig(obey_robots=True, per_host_concurrency=1, site_budget=DEFAULT_TIMEOUT))


@dataclass
class AuditStats:
    verdicts: collections.Counter = field(default_factory=collections.Counter)
    red_flags: collections.Counter = field(default_factory=collections.Counter)
    errors: collections.Counter = field(default_factory=collections.Counter)
    records: int = 0  # records in the output, this run and resumed
    checked: int = 0  # sites fetched and judged by this run
    resumed: int = 0
    duplicates: int = 0
    invalid: int = 0
    pages: int = 0  # pages read by this run
    warnings: list[str] = field(default_factory=list)

    def add(self, info: RecordInfo) -> None:
        self.records += 1
        self.verdicts[info.verdict] += 1
        self.red_flags.update(info.red_flags)
        if info.error_kind:
            self.errors[info.error_kind] += 1


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


def host_key(url: str) -> str:
    """The host a site lives on, with its port unless it is the default one (80 or 443)."""
    from urllib.parse import urlsplit

    parts = urlsplit(url)
    host = (parts.hostname or "").lower()
    port = parts.port
    return host if port in (None, 80, 443) else f"{host}:{port}"


class Auditor:
    """One audit run. ``run()`` returns the exit status; records and the summary are written as it goes."""

    def __init__(self, options: AuditOptions, stderr: Any = None):
        self.o = options
        self.stderr = stderr or sys.stderr
        self.stats = AuditStats()
        self.table = _KeyTable()
        self.done = _DoneLines()
        self.waiting: dict[int, list[Entry]] = {}  # duplicates of a site still being checked
        self.interrupted = False
        self.failed: str | None = None  # a fatal error that stopped the run (the output cannot be written)
        self.failed_code = ExitStatus.INVALID_INPUT
        self.total: int | None = None
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
        if o.source != "-":
            self.total = self._count_and_verify()
        self.output = _Output(o.output, append=o.resume)
        self.store = _Store(self.output)
        if self.codec.header is not None and self.output.offset <= 0:
            self.output.write(self.codec.header)

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
        import multiprocessing
        from concurrent.futures import ProcessPoolExecutor

        # fork is cheap and safe while this is the only thread; otherwise start clean interpreters.
        method = "fork" if threading.active_count() == 1 and "fork" in multiprocessing.get_all_start_methods() else "spawn"
        previous = signal.signal(signal.SIGINT, signal.SIG_IGN)  # workers are born deaf to Ctrl-C
        try:
            self.pool = ProcessPoolExecutor(
                max_workers=workers, mp_context=multiprocessing.get_context(method), initializer=_worker_init, initargs=(os.getpid(),)
            )
            for _ in range(workers):
                self.pool.submit(_warm)
        finally:
            signal.signal(signal.SIGINT, previous)

    # -- running ---------------------------------------------------------------------------

    def run(self) -> int:
        try:
            self._prepare()
        except AuditInputError as exc:
            self._say(f"pharmcheck: {exc}")
            return int(ExitStatus.INVALID_INPUT)
        self._start_pool()
        self.started = time.monotonic()
        try:
            asyncio.run(self._main())
        finally:
            self._stop_progress()
            if self.pool is not None:
                self.pool.shutdown(wait=not self.interrupted, cancel_futures=True)
            self.output.close()
            self.store.close()
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
        reader = _ThreadedReader(iter_entries(stream, self.o.input_format, self.o.source), loop)
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
        self.stats.checked += 1
        self.stats.pages += info.pages
        try:
            self._emit(entry, key, text, info)
        except OSError as exc:
            self._fatal(_write_failure(exc), ExitStatus.INVALID_INPUT)
        except Exception as exc:
            self._fatal(f"internal error: {exc.__class__.__name__}: {exc} (please report this)", ExitStatus.INTERNAL_ERROR)

    async def _fetch(self, text: str) -> RawSite:
        budget = self.o.fetch.site_budget
        try:
            async with asyncio.timeout(budget + FETCH_GRACE):
                return await fetch_site(text, self.o.fetch, online_only=True)
        except TimeoutError:
            message, kind = f"gave up on the site after {budget + FETCH_GRACE:g} s", "timeout"
        except Exception as exc:  # a bug in pharmcheck must not cost the other sites
            message, kind = f"pharmcheck failed on this site ({exc.__class__.__name__}: {exc})", "internal-error"
        return RawSite(requested=text, start_url=text, mode="online", fetched_at=utc_now(), error=message, error_kind=kind)

    async def _judge(self, raw: RawSite, audit: dict[str, Any]) -> tuple[str, RecordInfo]:
        from concurrent.futures.process import BrokenProcessPool

        args = (raw, audit, self.codec.name, self._rule_ids)
        for attempt in (1, 2):
            try:
                if self.pool is None:
                    return analyze_to_record(*args)
                return await asyncio.get_running_loop().run_in_executor(self.pool, analyze_to_record, *args)
            except BrokenProcessPool:  # a worker died (killed, out of memory): start new ones, try once more
                if attempt == 2:
                    message = "the worker process judging this site died"
                    break
                self._restart_pool()
            except Exception as exc:
                message = f"pharmcheck failed while judging this site ({exc.__class__.__name__}: {exc})"
                break
        report = error_report(raw.requested, message, "internal-error")
        return self.codec.encode(report, audit), report_info(report)

    def _restart_pool(self) -> None:
        from concurrent.futures.process import BrokenProcessPool

        try:
            self.pool.submit(_warm).cancel()
            return  # another site already restarted it
        except BrokenProcessPool:
            pass
        old, self.pool = self.pool, None
        old.shutdown(wait=False, cancel_futures=True)
        self._start_pool()

    # -- writing ---------------------------------------------------------------------------

    def _write(self, text: str, info: RecordInfo) -> int:
        offset = self.output.write(text)
        self.stats.add(info)
        self._tick()
        return offset

    def _emit(self, entry: Entry, key: int, text: str, info: RecordInfo) -> None:
        offset = self._write(text, info)
        self.table.put(key, entry.line, self.store.keep(text, offset))
        for dup in self.waiting.pop(key, ()):
            self._emit_duplicate(dup, entry.line, text)

    def _emit_duplicate(self, entry: Entry, first_line: int, first_text: str) -> None:
        text = self.codec.reaudit(first_text, audit_block(entry, first_line))
        _, info = self.codec.parse(text)
        self.stats.duplicates += 1
        self._write(text, info)

    def _emit_error(self, entry: Entry, message: str, kind: str) -> None:
        report = error_report(entry.text, message, kind)
        self.stats.invalid += 1
        self._write(self.codec.encode(report, audit_block(entry)), report_info(report))

    # -- progress and summary --------------------------------------------------------------

    def _say(self, text: str) -> None:
        self.stderr.write(text + "\n")
        self.stderr.flush()

    def _show_progress(self) -> bool:
        if self.o.quiet:
            return False
        if self.o.progress is not None:
            return self.o.progress
        isatty = getattr(self.stderr, "isatty", None)
        return bool(isatty and isatty())

    def _start_progress(self) -> None:
        if not self._show_progress():
            return
        from rich.console import Console
        from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeRemainingColumn
        from rich.table import Column

        console = Console(file=self.stderr, highlight=False)
        fixed = lambda width: Column(no_wrap=True, min_width=width)  # noqa: E731
        self._progress = Progress(
            BarColumn(bar_width=20, table_column=Column(no_wrap=True, min_width=12)),
            MofNCompleteColumn(table_column=fixed(len(str(self.total or 0)) * 2 + 1)),
            TextColumn("{task.fields[rate]}", table_column=fixed(7)),
            TextColumn("ETA", table_column=fixed(3)),
            TimeRemainingColumn(table_column=fixed(7)),
            # last, and the one cut short on a narrow terminal
            TextColumn("{task.fields[verdicts]}", table_column=Column(no_wrap=True, overflow="ellipsis")),
            console=console,
            refresh_per_second=4,
            transient=True,
        )
        self._progress.start()
        self._task_id = self._progress.add_task("audit", total=self.total, completed=self.stats.records, rate="", verdicts="")
        self._last_tick = 0.0

    def _tick(self, force: bool = False) -> None:
        if self._progress is None:
            return
        now = time.monotonic()
        if not force and now - self._last_tick < 0.2:
            return
        self._last_tick = now
        elapsed = max(now - self.started, 1e-6)
        new = self.stats.records - self.stats.resumed
        v = self.stats.verdicts
        verdicts = (
            f"[green]legit {v['likely-legitimate']}[/] [yellow]caution {v['caution']}[/] [red]rogue {v['likely-rogue']}[/] "
            f"[blue]not-pharmacy {v['not-a-pharmacy']}[/] [magenta]failed {v['could-not-check']}[/]"
        )
        rate = new / elapsed
        self._progress.update(self._task_id, completed=self.stats.records, rate=f"{rate:.0f}/s" if rate >= 10 else f"{rate:.1f}/s", verdicts=verdicts)

    def _stop_progress(self) -> None:
        if self._progress is not None:
            self._tick(force=True)
            self._progress.stop()
            self._progress = None

    def _summary(self) -> None:
        s = self.stats
        elapsed = max(time.monotonic() - self.started, 1e-6) if self.started else 0.0
        new = s.records - s.resumed
        state = "interrupted" if self.interrupted else ("stopped" if self.failed else "done")
        of_total = f" for {self.total} input line(s)" if self.total is not None else ""
        lines = [f"pharmcheck audit {state}: {s.records} record(s){of_total} in the output."]
        if elapsed:
            lines.append(
                f"  This run: {new} record(s) in {elapsed:.1f} s ({new / elapsed:.1f} records/s); "
                f"{s.checked} site(s) checked ({s.checked / elapsed:.1f} sites/s), {s.pages} page(s) read ({s.pages / elapsed:.1f} pages/s)."
            )
        extra = []
        if s.resumed:
            extra.append(f"{s.resumed} already in the output (resumed)")
        if s.duplicates:
            extra.append(f"{s.duplicates} duplicate(s) (each checked once)")
        if s.invalid:
            extra.append(f"{s.invalid} line(s) not a URL or domain")
        if extra:
            lines.append("  " + "; ".join(extra))
        lines.append("Verdicts:")
        for code in VERDICT_CODES:
            lines.append(f"  {code:<18} {s.verdicts[code]:>8}")
        if s.red_flags:
            lines.append("Most common red flags (records with each):")
            for flag, n in s.red_flags.most_common(8):
                lines.append(f"  {flag:<44} {n:>8}")
        if s.errors:
            lines.append("Errors by kind:")
            for kind, n in s.errors.most_common():
                lines.append(f"  {kind:<18} {n:>8}")
        for warning in s.warnings[:10]:
            lines.append(f"note: {warning}")
        if self.o.fail_on:
            hits = sum(s.verdicts[v] for v in self.o.fail_on)
            lines.append(f"--fail-on {','.join(self.o.fail_on)}: {hits} site(s)" + (" -> exit 8" if hits and not self.interrupted else ""))
        if self.interrupted:
            lines.append("Interrupted: the records written so far are complete; run again with --resume to finish.")
        self._say("\n".join(lines))


def _write_failure(exc: OSError) -> str:
    if isinstance(exc, BrokenPipeError):
        return "the output was closed before the audit ended"
    return f"cannot write the records: {exc.strerror or exc}"


def run_audit(options: AuditOptions, stderr: Any = None) -> int:
    """Run an audit; returns the exit status (see pharmcheck.exitcodes and docs/audit.md)."""
    return Auditor(options, stderr).run()
