"""Regular expressions compiled on first use (the rules' module-level patterns).

Python compiles a pattern in pure Python: the hundred-odd patterns of the rules cost 40-50 ms at each
start of `check`, and a page uses only some of them. ``lazy_re(pattern, flags)`` stands for
``re.compile(pattern, flags)``: the first use of any of its attributes (``search``, ``finditer``,
``sub``, ``pattern``, ...) compiles it, and each method is then kept on the object, so a call costs what
a compiled pattern's costs. ``rx`` is the compiled pattern itself (tests/test_patterns.py reads it there).
"""

from __future__ import annotations

import re
from typing import Any

_KEPT = ("search", "match", "fullmatch", "finditer", "findall", "sub", "subn", "split", "pattern", "flags",
         "groups", "groupindex")


class LazyPattern:
    __slots__ = ("_source", "_flags", "rx", *_KEPT)

    def __init__(self, source: str, flags: int = 0):
        self._source = source
        self._flags = flags

    def __getattr__(self, name: str) -> Any:
        if name == "rx":
            rx = self.rx = re.compile(self._source, self._flags)
            return rx
        if name not in _KEPT:
            raise AttributeError(name)
        value = getattr(self.rx, name)
        setattr(self, name, value)
        return value

    def __repr__(self) -> str:
        return f"lazy_re({self._source[:60]!r}, {self._flags})"


def lazy_re(source: str, flags: int = 0) -> Any:
    """``re.compile(source, flags)``, done on first use."""
    return LazyPattern(source, flags)
