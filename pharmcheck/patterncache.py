"""Compiled regular expressions kept on disk between runs of ``pharmcheck check``, as Python keeps bytecode.

Python compiles a regular expression in pure Python (``re._parser`` reads it, ``re._compiler`` turns it
into a list of integers for the C engine): the few hundred patterns one check uses (the rules', the
lexicons', the medicine table's, phonenumbers') cost about 100 ms of a 300 ms run, more than the analysis
of a page. This module keeps those lists of integers, keyed by the pattern's text and flags, in one file
and hands them back to the engine at the next start (``_sre.compile``, which validates the code it is
given: a damaged or doctored file raises and the pattern is compiled anew, never run as given).

- Only in pharmcheck's own ``check`` process (:func:`install`, called by the command line); a program
  that imports pharmcheck as a library keeps Python's ``re`` as it is.
- Only on the Python versions whose ``re._compiler.compile`` this mirrors (checked by a test that a
  cached pattern is the same pattern, group names and flags included); elsewhere nothing is changed.
- The file: ``$PHARMCHECK_CACHE_DIR``, else ``$XDG_CACHE_HOME/pharmcheck``, else ``~/.cache/pharmcheck``,
  named for the interpreter and the engine's version; written whole (a temporary file renamed over it) at
  the end of a run that compiled something new, at most :data:`MAX_ENTRIES` patterns of at most
  :data:`MAX_PATTERN` characters. ``PHARMCHECK_NO_CACHE=1`` turns it off; a folder that cannot be written
  only means no cache.
"""

from __future__ import annotations

import atexit
import marshal
import os
import sys
import tempfile
from pathlib import Path
from typing import Any

MAX_ENTRIES = 4000
MAX_PATTERN = 200_000  # characters; the medicine table's expression is about 7,000
MAX_FILE = 32 * 1024 * 1024
SUPPORTED = {(3, 11)}  # the versions whose re._compiler.compile is mirrored below (tests/test_patterncache.py)

_state: dict[str, Any] = {}


def cache_dir() -> Path | None:
    if os.environ.get("PHARMCHECK_NO_CACHE", "").strip() not in ("", "0"):
        return None
    own = os.environ.get("PHARMCHECK_CACHE_DIR")
    if own:
        return Path(own)
    xdg = os.environ.get("XDG_CACHE_HOME")
    if xdg and os.path.isabs(xdg):
        return Path(xdg) / "pharmcheck"
    try:
        return Path.home() / ".cache" / "pharmcheck"
    except (RuntimeError, KeyError):  # no home directory
        return None


def cache_file(folder: Path) -> Path:
    import _sre

    return folder / f"patterns-{sys.implementation.cache_tag}-{_sre.MAGIC}.marshal"


def _read(path: Path) -> dict:
    try:
        with open(path, "rb") as fh:
            data = fh.read(MAX_FILE + 1)
        if len(data) > MAX_FILE:
            return {}
        table = marshal.loads(data)
    except (OSError, EOFError, ValueError, TypeError):
        return {}
    return table if isinstance(table, dict) else {}


_ROOTS = (str(Path(__file__).resolve().parent.parent / "pharmcheck") + os.sep,
          str(Path(__file__).resolve().parent.parent / "rules") + os.sep)
_RE_FILES = ("/re/__init__.py", "/re/_compiler.py", os.sep + "lazyre.py")


def _ours() -> bool:
    """Is the pattern being compiled pharmcheck's own (the first caller outside ``re`` and lazy_re)?
    Libraries' patterns are compiled as usual: some are built from sets, so their text changes from run
    to run, and a cache of them would only grow."""
    frame = sys._getframe(2)
    while frame is not None:
        name = frame.f_code.co_filename
        if not name.endswith(_RE_FILES) and not name.startswith("<frozen"):
            return name.startswith(_ROOTS)
        frame = frame.f_back
    return False


def install() -> bool:
    """Compile this process's regular expressions through the cache; False when it cannot be used here."""
    if _state or sys.version_info[:2] not in SUPPORTED:
        return bool(_state)
    folder = cache_dir()
    if folder is None:
        return False
    import _sre
    from re import _compiler, _parser

    path = cache_file(folder)
    table = _read(path)
    original = _compiler.compile
    added: dict = {}

    def compile(p: Any, flags: int = 0) -> Any:
        if not isinstance(p, str) or flags & _compiler.SRE_FLAG_DEBUG or len(p) > MAX_PATTERN or not _ours():
            return original(p, flags)
        key = (p, flags)
        entry = table.get(key)
        if entry is not None:
            try:
                final, code, groups, groupindex, indexgroup = entry
                return _sre.compile(p, final, code, groups, groupindex, indexgroup)
            except Exception:  # damaged or doctored: compiled anew below, and the entry replaced
                table.pop(key, None)
        parsed = _parser.parse(p, flags)
        code = _compiler._code(parsed, flags)
        groupindex = dict(parsed.state.groupdict)
        indexgroup = [None] * parsed.state.groups
        for name, i in groupindex.items():
            indexgroup[i] = name
        # int(): the compiler's opcodes are int subclasses, which marshal does not write
        entry = (int(flags | parsed.state.flags), [int(c) for c in code], parsed.state.groups - 1, groupindex, tuple(indexgroup))
        compiled = _sre.compile(p, *entry)
        if len(table) + len(added) < MAX_ENTRIES:
            added[key] = entry
        return compiled

    _compiler.compile = compile
    _state.update(path=path, table=table, added=added, original=original)
    atexit.register(save)
    return True


def save() -> None:
    """Write the cache with what this run compiled anew (nothing when it compiled nothing new)."""
    added = _state.get("added")
    if not added:
        return
    path: Path = _state["path"]
    table = {**_state["table"], **added}
    added.clear()
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(prefix=".patterns.", suffix=".tmp", dir=path.parent)
        try:
            with os.fdopen(fd, "wb") as fh:
                marshal.dump(table, fh)
            os.replace(tmp, path)
        except BaseException:
            try:
                os.unlink(tmp)
            except OSError:
                pass
            raise
    except (OSError, ValueError):
        return  # a folder that cannot be written: no cache, the same results


def uninstall() -> None:
    """Python's own compiler again (tests)."""
    if _state:
        from re import _compiler

        _compiler.compile = _state["original"]
        _state.clear()
        atexit.unregister(save)
