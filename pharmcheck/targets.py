"""What a target names, decided before anything is read: one site, or a folder of several sites.

``pharmcheck check examples`` (the folder that holds the bundled example sites) must not merge three
sites into one report: a folder with no page of its own whose subfolders each hold pages is several
sites, and the check says so instead of guessing. The CLI and the Python API both ask here before the
engine runs; the test itself is the offline reader's (:func:`pharmcheck.saved.several_sites`), which walks
folders one way only: bounded, no link followed.
"""

from __future__ import annotations

from pathlib import Path

from .saved import several_sites

__all__ = ["several_sites", "several_sites_message", "invalid_input_report"]


def several_sites_message(target: str, sites: list[str]) -> str:
    shown = ", ".join(sites[:5]) + (f" and {len(sites) - 5} more" if len(sites) > 5 else "")
    first = str(Path(target.strip()) / sites[0])
    return f"{target.strip()} holds {len(sites)} sites ({shown}), not one: check one folder at a time, e.g. 'pharmcheck check {first}'"


def invalid_input_report(target: str, message: str) -> dict:
    """The report of a target that names no one site: 'could not check', error kind invalid-input, as for
    any other input that is neither a URL nor saved pages."""
    from datetime import datetime, timezone

    from .engine import analyze
    from .site import RawSite

    path = Path(target.strip()).expanduser().resolve()
    raw = RawSite(requested=target, start_url=path.as_uri(), mode="offline")
    raw.fetched_at = datetime.now(timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")
    raw.error, raw.error_kind = message, "invalid-input"
    return analyze(raw)
