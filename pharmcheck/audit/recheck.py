"""``--resume --recheck could-not-check``: check again the lines whose record has that verdict (or error kind),
and put each new record in the place of the old one.

The place of a record is its position in the output file: records are written in the order sites finish,
so a record's place is the one its line's first record took. During the run, the new record is appended
(one whole line, as every record: a kill loses nothing) with ``audit.attempt`` one more than the old one's.
When the run ends, the file is rewritten once, in a stream, beside itself, then renamed over it: each old
record's line now holds its newest record, the appended copy is gone, and every input line again has
exactly one record. A run stopped before the end (Ctrl-C, a kill) leaves the old and the new record both
in the file; ``summarize`` counts the newest, and running the same ``--resume --recheck`` again finishes
the job (the new record counts as done, and the rewrite happens at the end).
"""

from __future__ import annotations

import os
import tempfile
from typing import Any

from .codecs import RecordInfo


class Rechecks:
    def __init__(self, wanted: tuple[str, ...] = ()):
        self.wanted = frozenset(wanted)
        self.attempts: dict[int, int] = {}  # line -> attempt of its latest record to recheck
        self.old: dict[int, list[int]] = {}  # line -> offsets of its records that the new one replaces
        self.new: dict[int, int] = {}  # line -> offset of its new record

    def __bool__(self) -> bool:
        return bool(self.wanted)

    def matches(self, info: RecordInfo) -> bool:
        if info.error_kind == "invalid-input" and "invalid-input" not in self.wanted:
            return False  # a line that is not a URL stays one: checking it again would tell nothing new
        return info.verdict in self.wanted or (info.error_kind or "") in self.wanted

    def consider(self, offset: int, audit: dict[str, Any], info: RecordInfo) -> bool:
        """An earlier record, while ``--resume`` reads them: True when its line is to be checked again."""
        if not self.wanted:
            return False
        line = audit["line"]
        attempt = int(audit.get("attempt") or 1)
        if line in self.new:  # already replaced by a newer record: this one is older still
            self.old.setdefault(line, []).append(offset)
            return True
        if self.matches(info):
            self.old.setdefault(line, []).append(offset)
            self.attempts[line] = max(attempt, self.attempts.get(line, 0))
            return True
        if line in self.old:  # the new record of a recheck that was stopped: it counts, at the old one's place
            self.new[line] = offset
            self.attempts.pop(line, None)
        return False

    def attempt_for(self, line: int) -> int:
        return self.attempts.get(line, 0) + 1

    def written(self, line: int, offset: int) -> None:
        if line in self.attempts and offset >= 0:
            self.new[line] = offset

    def compact(self, path: str, header: str | None) -> int:
        """Rewrite ``path`` with each new record at its line's first place; returns the records moved."""
        replace = {offsets[0]: self.new[line] for line, offsets in self.old.items() if line in self.new}
        if not replace:
            return 0
        drop = {o for line, offsets in self.old.items() if line in self.new for o in offsets[1:]} | set(self.new.values())
        folder = os.path.dirname(os.path.abspath(path))
        fd, tmp = tempfile.mkstemp(prefix=".pharmcheck-recheck-", dir=folder)
        try:
            with open(path, "rb") as src, os.fdopen(fd, "wb") as dst, open(path, "rb") as lookup:
                offset = 0
                for raw in src:
                    here, offset = offset, offset + len(raw)
                    if here in drop:
                        continue
                    if here in replace:
                        lookup.seek(replace[here])
                        raw = lookup.readline()
                    dst.write(raw)
                dst.flush()
                os.fsync(dst.fileno())
            os.chmod(tmp, os.stat(path).st_mode & 0o777)
            os.replace(tmp, path)
        except BaseException:
            os.unlink(tmp)
            raise
        return len(replace)
