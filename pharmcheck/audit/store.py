"""Where the records go: the output written one whole line per write(), read back for duplicates, and
scanned by ``--resume``."""

from __future__ import annotations

import csv
import os
import stat
import sys
import tempfile
from typing import Any, Iterator

from .codecs import CsvCodec, JsonlCodec, RecordInfo
from .inputs import AuditInputError


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


def _write_failure(exc: OSError) -> str:
    if isinstance(exc, BrokenPipeError):
        return "the output was closed before the audit ended"
    return f"cannot write the records: {exc.strerror or exc}"

