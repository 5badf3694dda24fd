"""What an audit tells the person running it: the counts, the progress bar on a terminal, the summary."""

from __future__ import annotations

import collections
import time
from dataclasses import dataclass, field

from .codecs import VERDICT_CODES, RecordInfo

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


class ProgressMixin:
    """The progress bar and the end-of-run summary of an ``Auditor`` (it provides o, stats, stderr, ...)."""

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
            if s.errors.get("refused-address") and not self.o.fetch.allow_private:
                lines.append("note: refused-address: sites on loopback, private or link-local addresses are not checked; --allow-private checks them")
        for warning in s.warnings[:10]:
            lines.append(f"note: {warning}")
        if self.o.fail_on:
            hits = sum(s.verdicts[v] for v in self.o.fail_on)
            lines.append(f"--fail-on {','.join(self.o.fail_on)}: {hits} site(s)" + (" -> exit 8" if hits and not self.interrupted else ""))
        if self.interrupted:
            lines.append("Interrupted: the records written so far are complete; run again with --resume to finish.")
        self._say("\n".join(lines))

