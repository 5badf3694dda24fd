"""`pharmcheck summarize RESULTS`: what an audit found, from its JSONL or CSV, even while it is still running.

The file is read twice as a stream, up to the last complete line it held when the command started (a run
still writing it, or a torn last line after a kill, is fine): the first pass notes where the last record of
each input line is (a ``--recheck`` appends a newer one), the second counts only those. Memory: 8 bytes per
input line, whatever the size of the records.

Counts: records and distinct sites, by verdict, by error kind, by rule and outcome status, the most common
red flags, by top-level domain, by country of the address found, and the slowest sites. As text, JSON
(``--format json``) or one self-contained HTML page (``--format html``: inline SVG charts, no script, no
external resource; it works offline and prints).
"""

from __future__ import annotations

import collections
import csv
import heapq
import io
import json
from array import array
from dataclasses import dataclass, field
from typing import Any, BinaryIO, Iterator
from urllib.parse import urlsplit

from .audit.codecs import VERDICT_CODES
from .audit.columns import flat_record

SUMMARY_VERSION = "1"
TOP = 15  # rows of each "most common" table
SLOWEST = 10


class SummaryInputError(Exception):
    """The results file cannot be read: one line for the user (exit 7)."""


@dataclass
class Summary:
    source: str
    format: str
    records: int = 0  # records counted (the last one of each input line)
    superseded: int = 0  # older records of a line rechecked later
    unreadable: int = 0
    duplicates: int = 0
    verdicts: collections.Counter = field(default_factory=collections.Counter)
    errors: collections.Counter = field(default_factory=collections.Counter)
    red_flags: collections.Counter = field(default_factory=collections.Counter)
    rules: dict[str, collections.Counter] = field(default_factory=dict)
    tlds: collections.Counter = field(default_factory=collections.Counter)
    countries: collections.Counter = field(default_factory=collections.Counter)
    slowest: list[tuple[int, str, str]] = field(default_factory=list)  # (elapsed_ms, url, verdict), a min-heap

    def add(self, row: dict[str, Any]) -> None:
        self.records += 1
        if row.get("duplicate_of") not in (None, ""):
            self.duplicates += 1
            return  # a duplicate repeats its first line's check: counted once, there
        verdict = row.get("verdict") or "unknown"
        self.verdicts[verdict] += 1
        if row.get("error_kind"):
            self.errors[row["error_kind"]] += 1
        self.red_flags.update((row.get("red_flags") or "").split())
        for key, value in row.items():
            if key.endswith("_status") and key != "status" and value:
                self.rules.setdefault(key[: -len("_status")].replace("_", "-"), collections.Counter())[value] += 1
        if verdict != "could-not-check" or row.get("final_url"):
            self.tlds[_tld(row)] += 1
            countries = (row.get("address_country") or "").split()
            self.countries.update(countries or ["(none found)"])
        try:
            elapsed = int(float(row.get("elapsed_ms") or 0))
        except ValueError:
            elapsed = 0
        item = (elapsed, str(row.get("final_url") or row.get("requested_url") or row.get("input") or ""), verdict)
        if len(self.slowest) < SLOWEST:
            heapq.heappush(self.slowest, item)
        elif item > self.slowest[0]:
            heapq.heapreplace(self.slowest, item)

    @property
    def sites(self) -> int:
        return self.records - self.duplicates

    def to_dict(self) -> dict[str, Any]:
        return {
            "summary_version": SUMMARY_VERSION,
            "source": self.source,
            "format": self.format,
            "records": self.records,
            "sites": self.sites,
            "duplicates": self.duplicates,
            "superseded": self.superseded,
            "unreadable": self.unreadable,
            "verdicts": {code: self.verdicts.get(code, 0) for code in VERDICT_CODES} | {k: v for k, v in self.verdicts.items() if k not in VERDICT_CODES},
            "errors": dict(self.errors.most_common()),
            "rules": {rule: dict(sorted(c.items())) for rule, c in sorted(self.rules.items())},
            "red_flags": dict(self.red_flags.most_common(TOP)),
            "tlds": dict(self.tlds.most_common(TOP)),
            "countries": dict(self.countries.most_common(TOP)),
            "slowest": [{"url": url, "elapsed_ms": ms, "verdict": v} for ms, url, v in sorted(self.slowest, reverse=True)],
            "disclaimer": "pharmcheck reports risk signals found on the pages it read; it does not certify a pharmacy.",
        }


def _tld(row: dict[str, Any]) -> str:
    domain = row.get("registered_domain") or ""
    if not domain:
        host = urlsplit(str(row.get("final_url") or row.get("requested_url") or "")).hostname or ""
        domain = host
    if not domain or domain.replace(".", "").isdigit() or ":" in domain:
        return "(address)"
    return "." + domain.rstrip(".").rsplit(".", 1)[-1].lower()


# ----------------------------------------------------------------------------------------------
# Reading


def _open(path: str) -> BinaryIO:
    try:
        return open(path, "rb")  # noqa: SIM115
    except FileNotFoundError:
        raise SummaryInputError(f"{path}: no such file") from None
    except IsADirectoryError:
        raise SummaryInputError(f"{path}: is a folder, not the results of an audit") from None
    except OSError as exc:
        raise SummaryInputError(f"{path}: cannot read it ({exc.strerror or exc})") from None


def _lines(f: BinaryIO, limit: int) -> Iterator[tuple[int, bytes]]:
    """(offset, line) of each complete line in the first ``limit`` bytes."""
    offset = 0
    for raw in f:
        if offset + len(raw) > limit or not raw.endswith(b"\n"):
            return  # a line still being written, or torn by a kill
        yield offset, raw
        offset += len(raw)


def _rows(f: BinaryIO, fmt: str, limit: int, summary: Summary) -> Iterator[tuple[int, dict[str, Any]]]:
    """(offset, flat row) per record."""
    header: list[str] | None = None
    for offset, raw in _lines(f, limit):
        text = raw.decode("utf-8", "replace")
        if not text.strip():
            continue
        if fmt == "csv":
            if header is None:
                header = next(csv.reader([text.lstrip("\ufeff")]))
                if "line" not in header or "verdict" not in header:
                    raise SummaryInputError(f"{summary.source}: a CSV that is not the output of pharmcheck audit (no line and verdict columns)")
                continue
            cells = next(csv.reader([text]), [])
            if len(cells) != len(header):
                summary.unreadable += 1
                continue
            yield offset, dict(zip(header, cells))
        else:
            try:
                record = json.loads(text)
                audit = record["audit"]
                row = flat_record(record, audit, [r.get("id") for r in record.get("rules") or () if r.get("id")])
            except (ValueError, KeyError, TypeError, AttributeError):
                summary.unreadable += 1
                continue
            yield offset, row


def _line_of(row: dict[str, Any]) -> int | None:
    try:
        line = int(row.get("line") or 0)
    except (TypeError, ValueError):
        return None
    return line if 0 < line < 1 << 40 else None


def summarize(path: str) -> Summary:
    """The summary of an audit's results file (JSON Lines or CSV, told apart by their first byte)."""
    with _open(path) as f:
        head = f.read(4096)
        if b"\x00" in head:
            raise SummaryInputError(f"{path}: not text (it holds NUL bytes)")
        stripped = head.lstrip(b"\xef\xbb\xbf \t\r\n")
        if not stripped:
            return Summary(path, "empty")
        fmt = "jsonl" if stripped[:1] == b"{" else "csv"
        f.seek(0, io.SEEK_END)
        limit = f.tell()  # what the file holds now: a run still writing it adds lines we do not wait for
        summary = Summary(path, fmt)
        last = array("q")  # input line -> offset of its last record, +1 (0: none)
        f.seek(0)
        for offset, row in _rows(f, fmt, limit, summary):
            line = _line_of(row)
            if line is None:
                continue
            if line >= len(last):
                last.frombytes(bytes(8 * max(line + 1 - len(last), len(last) // 2 + 1024)))
            if last[line]:
                summary.superseded += 1
            last[line] = offset + 1
        f.seek(0)
        unreadable = summary.unreadable
        for offset, row in _rows(f, fmt, limit, summary):
            line = _line_of(row)
            if line is not None and last[line] == offset + 1:
                summary.add(row)
        summary.unreadable = unreadable
    return summary


# ----------------------------------------------------------------------------------------------
# Text


def _table(title: str, counts: dict[str, int], total: int | None = None) -> list[str]:
    if not counts:
        return []
    lines = [title]
    width = max(18, max(len(k) for k in counts) + 2)
    for key, n in counts.items():
        share = f"  {100 * n / total:5.1f}%" if total else ""
        lines.append(f"  {key:<{width}} {n:>8}{share}")
    return lines


def render_text(summary: Summary) -> str:
    d = summary.to_dict()
    out = [f"pharmcheck summary of {d['source']}: {d['records']} record(s), {d['sites']} site(s) checked"
           + (f", {d['duplicates']} duplicate line(s)" if d["duplicates"] else "")]
    if d["superseded"]:
        out.append(f"  {d['superseded']} older record(s) replaced by a recheck")
    if d["unreadable"]:
        out.append(f"  {d['unreadable']} unreadable line(s) ignored")
    out += _table("Verdicts:", d["verdicts"], d["sites"])
    out += _table("Errors by kind:", d["errors"], d["sites"])
    out += _table("Most common red flags (sites with each):", d["red_flags"], d["sites"])
    if d["rules"]:
        out.append("Rule outcomes:")
        for rule, counts in d["rules"].items():
            out.append(f"  {rule:<18} " + ", ".join(f"{k} {v}" for k, v in counts.items()))
    out += _table("By top-level domain:", d["tlds"])
    out += _table("By country of the address found:", d["countries"])
    if d["slowest"]:
        out.append("Slowest sites:")
        out += [f"  {s['elapsed_ms'] / 1000:7.1f} s  {s['verdict']:<18} {s['url']}" for s in d["slowest"]]
    out.append(d["disclaimer"])
    return "\n".join(out) + "\n"


def render_json(summary: Summary) -> str:
    return json.dumps(summary.to_dict(), indent=2, sort_keys=True, ensure_ascii=False) + "\n"


def render_html(summary: Summary) -> str:
    from .summarize_html import render

    return render(summary.to_dict())
