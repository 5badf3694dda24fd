"""Compact memory of what an audit has seen: one key per site (duplicates, resume) and the lines that
already have a record, in flat arrays (a few dozen bytes per site, 4 bytes per line), moved to temporary
files past a few megabytes."""

from __future__ import annotations

import hashlib
import os
import struct
import tempfile
import zlib
from array import array
from typing import Any, Iterator


DEFAULT_PORTS = {"http": 80, "https": 443}


def canonical_host(host: str) -> str:
    """A host name as one site: lower case, no trailing dot, punycode (``bücher.example`` and
    ``XN--BCHER-KVA.example.`` are one), without one leading ``www.``."""
    host = host.strip().rstrip(".").lower()
    if host and not host.isascii():
        try:
            host = host.encode("idna").decode("ascii")
        except UnicodeError:
            pass
    if host.startswith("www.") and host.count(".") >= 2:
        host = host[4:]
    return host


def canonical_site(url: str) -> str:
    """The one key of a site for duplicates and ``--resume`` (see docs/audit.md, "Duplicates").

    ``host[:port]/path?query`` of a normalised URL: the scheme is not part of it (``http://x/`` and
    ``https://x/`` are one site, checked over https first either way), a default port (80, 443) is dropped,
    the host is :func:`canonical_host`, the path keeps its case, the fragment is gone.
    """
    from urllib.parse import urlsplit

    parts = urlsplit(url)
    host = canonical_host(parts.hostname or "")
    if ":" in host:
        host = f"[{host}]"
    try:
        port = parts.port
    except ValueError:
        port = None
    if port is not None and port not in DEFAULT_PORTS.values():
        host = f"{host}:{port}"
    path = parts.path or "/"
    return host + path + (f"?{parts.query}" if parts.query else "")


def site_key(url: str) -> int:
    """A stable 64-bit key of a site's canonical form (never 0: 0 marks an empty slot)."""
    return int.from_bytes(hashlib.blake2b(canonical_site(url).encode("utf-8"), digest_size=8).digest(), "little") or 1


# A list of ten million sites must not need ten million sites' worth of memory: past these sizes the
# tables move to a temporary file, read and written a slot at a time (os.pread, os.pwrite), where the
# kernel's page cache, not the audit's memory, holds what is used often. docs/audit.md, "Memory".
MEMORY_SLOTS = 1 << 18  # 6 MB of key table in memory (about 130,000 sites), then a file
MEMORY_LINES = 1 << 20  # 4 MB of line marks in memory, then a file


def _temporary(prefix: str, folder: str | None) -> Any:
    """An unlinked file (gone when the audit ends, however it ends) beside the output, or in TMPDIR."""
    return tempfile.TemporaryFile(prefix=prefix, dir=folder)


class _DiskSlots:
    """Open addressing in a temporary file: 24-byte slots (key, first line, offset), linear probing."""

    SLOT = struct.Struct("<Qqq")
    READ = 8  # slots read at a time: a probe rarely goes further
    LOAD = 0.7

    def __init__(self, capacity: int, folder: str | None = None):
        self._file = _temporary(".pharmcheck-sites-", folder)
        self._fd = self._file.fileno()
        self._capacity = capacity
        os.ftruncate(self._fd, capacity * self.SLOT.size)  # a sparse file of zeros: empty slots
        self.used = 0

    def _find(self, key: int) -> tuple[int, int, int]:
        """(slot, its line, its offset) of ``key``, or of the empty slot where it would go (line 0)."""
        size, cap = self.SLOT.size, self._capacity
        i = key & (cap - 1)
        while True:
            n = min(self.READ, cap - i)
            block = os.pread(self._fd, n * size, i * size)
            for j in range(n):
                k, line, offset = self.SLOT.unpack_from(block, j * size)
                if k == key:
                    return i + j, line, offset
                if k == 0:
                    return i + j, 0, 0
            i = (i + n) & (cap - 1)

    def get(self, key: int) -> tuple[int, int] | None:
        _, line, offset = self._find(key)
        return (line, offset) if line else None

    def put(self, key: int, line: int, offset: int) -> None:
        slot, old, _ = self._find(key)
        os.pwrite(self._fd, self.SLOT.pack(key, line, offset), slot * self.SLOT.size)
        if not old:
            self.used += 1

    def full(self) -> bool:
        return self.used > self._capacity * self.LOAD

    def items(self) -> Iterator[tuple[int, int, int]]:
        size, chunk, at = self.SLOT.size, 1 << 16, 0
        end = self._capacity * size
        while at < end:
            block = os.pread(self._fd, chunk * size, at)
            at += len(block)
            for k, line, offset in self.SLOT.iter_unpack(block):
                if k:
                    yield k, line, offset

    def close(self) -> None:
        self._file.close()


class _KeyTable:
    """site key -> (first line, offset of its record in the store; -1 while it is being checked).

    Open addressing over three flat arrays (24 bytes a slot, about 40 a site, where a dict of tuples costs
    some 200) up to :data:`MEMORY_SLOTS`; then the same in a temporary file (:class:`_DiskSlots`), so the
    audit's memory stays flat however long the list.
    """

    def __init__(self, capacity: int = 1 << 12, memory_slots: int = MEMORY_SLOTS, folder: str | None = None):
        self._memory_slots = memory_slots
        self._folder = folder
        self._disk: _DiskSlots | None = None
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
        if self._disk is not None:
            return self._disk.get(key)
        i = self._slot(key)
        if self._keys[i] == 0:
            return None
        return self._lines[i], self._offsets[i]

    def put(self, key: int, line: int, offset: int) -> None:
        if self._disk is not None:
            self._disk.put(key, line, offset)
            if self._disk.full():
                self._to_disk(self._disk.items(), self._disk.used)
            return
        i = self._slot(key)
        if self._keys[i] == 0:
            self._keys[i] = key
            self._used += 1
        self._lines[i], self._offsets[i] = line, offset
        if self._used * 2 > self._mask + 1:
            self._grow()

    def _grow(self) -> None:
        keys, lines, offsets = self._keys, self._lines, self._offsets
        if (self._mask + 1) * 2 > self._memory_slots:
            self._to_disk(((k, ln, off) for k, ln, off in zip(keys, lines, offsets) if k), self._used)
            return
        self._alloc((self._mask + 1) * 2)
        for k, ln, off in zip(keys, lines, offsets):
            if k:
                i = self._slot(k)
                self._keys[i], self._lines[i], self._offsets[i] = k, ln, off

    def _to_disk(self, entries: Iterator[tuple[int, int, int]], count: int) -> None:
        """Move every entry to a file table with room to double (a first move, or a full file table)."""
        capacity = 1 << max(16, (count * 4 - 1).bit_length())  # at most a quarter full after the move
        disk = _DiskSlots(capacity, self._folder)
        for k, ln, off in entries:
            disk.put(k, ln, off)
        old, self._disk = self._disk, disk
        if old is not None:
            old.close()
        self._alloc(1)  # the arrays are given back

    def __len__(self) -> int:
        return self._disk.used if self._disk is not None else self._used

    def close(self) -> None:
        if self._disk is not None:
            self._disk.close()


class _DoneLines:
    """Lines that already have a record (from --resume), with a 31-bit checksum of their input: 4 bytes a
    line, in memory up to :data:`MEMORY_LINES`, then in a sparse temporary file."""

    def __init__(self, memory_lines: int = MEMORY_LINES, folder: str | None = None) -> None:
        self._marks = array("I")
        self._memory_lines = memory_lines
        self._folder = folder
        self._file: Any = None
        self.count = 0

    @staticmethod
    def _mark(text: str) -> int:
        return (zlib.crc32(text.encode("utf-8")) & 0x7FFFFFFF) | 0x80000000

    def add(self, line: int, text: str) -> bool:
        if self.get(line):
            return False
        mark = self._mark(text)
        if self._file is None and line >= self._memory_lines:
            self._file = _temporary(".pharmcheck-lines-", self._folder)
            os.pwrite(self._file.fileno(), self._marks.tobytes(), 0)
            self._marks = array("I")
        if self._file is not None:
            os.pwrite(self._file.fileno(), mark.to_bytes(4, "little"), line * 4)
        else:
            need = line + 1 - len(self._marks)
            if need > 0:
                grow = max(need, len(self._marks) // 2 + 1024)
                self._marks.frombytes(bytes(grow * self._marks.itemsize))
            self._marks[line] = mark
        self.count += 1
        return True

    def get(self, line: int) -> int:
        if self._file is not None:
            data = os.pread(self._file.fileno(), 4, line * 4)
            return int.from_bytes(data, "little") if len(data) == 4 else 0
        return self._marks[line] if line < len(self._marks) else 0

    def matches(self, line: int, text: str) -> bool:
        return self.get(line) == self._mark(text)

    def close(self) -> None:
        if self._file is not None:
            self._file.close()


def host_key(url: str) -> str:
    """The host a site lives on, with its port unless it is the default one (80 or 443)."""
    from urllib.parse import urlsplit

    parts = urlsplit(url)
    host = (parts.hostname or "").rstrip(".").lower()
    port = parts.port
    return host if port in (None, 80, 443) else f"{host}:{port}"

