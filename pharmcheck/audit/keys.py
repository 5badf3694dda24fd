"""Compact memory of what an audit has seen: one key per site (duplicates, resume) and the lines that
already have a record, in flat arrays (a few dozen bytes per site, 4 bytes per line)."""

from __future__ import annotations

import hashlib
import zlib
from array import array


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


def host_key(url: str) -> str:
    """The host a site lives on, with its port unless it is the default one (80 or 443)."""
    from urllib.parse import urlsplit

    parts = urlsplit(url)
    host = (parts.hostname or "").rstrip(".").lower()
    port = parts.port
    return host if port in (None, 80, 443) else f"{host}:{port}"

