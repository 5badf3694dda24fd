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

Where each part lives: ``inputs`` reads the list, ``keys`` remembers sites and lines, ``codecs`` writes
JSON Lines and CSV, ``store`` is the output file (and ``--resume``'s reading of it), ``progress`` the counts,
bar and summary, ``runner`` the ``Auditor`` (scheduling, fetching, the worker pool).
"""

from .codecs import FORMATS, VERDICT_CODES, CsvCodec, JsonlCodec, RecordInfo, error_report, make_codec, report_info
from .inputs import INPUT_FORMATS, AuditInputError, Entry, iter_entries, open_list
from .keys import _DoneLines, _KeyTable, canonical_site, host_key, site_key
from .runner import DEFAULT_CONCURRENCY, DEFAULT_TIMEOUT, AuditOptions, Auditor, analyze_to_record, run_audit

__all__ = [
    "DEFAULT_CONCURRENCY", "DEFAULT_TIMEOUT", "FORMATS", "INPUT_FORMATS", "VERDICT_CODES", "AuditInputError",
    "AuditOptions", "Auditor", "CsvCodec", "Entry", "JsonlCodec", "RecordInfo", "analyze_to_record",
    "canonical_site", "error_report", "host_key", "iter_entries", "make_codec", "open_list", "report_info", "run_audit", "site_key",
]
