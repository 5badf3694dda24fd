"""The records of an audit: JSON Lines (the `check --json` report plus its ``audit`` block) and CSV."""

from __future__ import annotations

import csv
import io
import json
from dataclasses import dataclass
from typing import Any, Iterable

from ..fetch import utc_now
from ..site import RawSite
from .columns import columns, flat_record
from .inputs import Entry

FORMATS = ("jsonl", "csv")
VERDICT_CODES = ("likely-legitimate", "caution", "likely-rogue", "not-a-pharmacy", "could-not-check")


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
    block = {"line": entry.line, "input": entry.text, "duplicate_of": duplicate_of}
    if entry.attempt > 1:
        block["attempt"] = entry.attempt  # checked again by --recheck (absent: the first check)
    return block


class JsonlCodec:
    """One report per line: the `check --json` report, compact, plus its ``audit`` block."""

    name = "jsonl"
    header: str | None = None

    def encode(self, report: dict[str, Any], audit: dict[str, Any]) -> str:
        from ..report import to_json

        report["audit"] = audit
        return to_json(report, indent=None) + "\n"

    def parse(self, text: str) -> tuple[dict[str, Any], RecordInfo]:
        record = json.loads(text)
        audit = record["audit"]
        if not isinstance(audit.get("line"), int) or not isinstance(audit.get("input"), str):
            raise ValueError("no audit block")
        return audit, report_info(record)

    def reaudit(self, text: str, audit: dict[str, Any]) -> str:
        from ..report import to_json

        record = json.loads(text)
        record["audit"] = audit
        return to_json(record, indent=None) + "\n"


_FORMULA_START = ("=", "+", "-", "@")


class CsvCodec:
    """One row per input entry, the columns of :mod:`.columns` (snake_case only). Every row is one physical line."""

    name = "csv"

    def __init__(self, rule_ids: Iterable[str]):
        self.rule_ids = tuple(rule_ids)
        self.columns = columns(self.rule_ids)
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
        row = flat_record(report, audit, self.rule_ids)
        return self._row(row[c] for c in self.columns)

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
        if get("attempt") not in ("", "1"):
            audit["attempt"] = int(get("attempt"))
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
        row[self._index["attempt"]] = str(audit.get("attempt", 1))
        return self._row(row)


def make_codec(fmt: str, rule_ids: Iterable[str] | None = None) -> JsonlCodec | CsvCodec:
    if fmt == "csv":
        if rule_ids is None:
            from pharmcheck.rules import load_rules

            rule_ids = [m.ID for m in load_rules()]
        return CsvCodec(rule_ids)
    return JsonlCodec()


_WORKER_CODECS: dict[tuple[str, tuple[str, ...]], Any] = {}


def error_report(text: str, message: str, kind: str) -> dict[str, Any]:
    """The report of an input that could not be checked at all (not a URL, a crash inside pharmcheck)."""
    from ..engine import analyze

    raw = RawSite(requested=text, start_url=text, mode="online", fetched_at=utc_now(), elapsed_ms=0, error=message, error_kind=kind)
    try:
        return analyze(raw)
    except ValueError:  # a start URL too broken to name a domain
        raw.start_url = ""
        return analyze(raw)

