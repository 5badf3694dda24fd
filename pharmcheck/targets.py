"""What a target names, decided before anything is read: one site, or a folder of several sites.

``pharmcheck check examples`` (the folder that holds the bundled example sites) must not merge three
sites into one report: a folder with no page of its own whose subfolders each hold pages is several
sites, and the check says so instead of guessing. The CLI and the Python API both ask here before the
engine runs. (The natural home of this test is the offline reader in fetch.py; it lives here until then.)
"""

from __future__ import annotations

from pathlib import Path

PAGE_SUFFIXES = (".html", ".htm", ".xhtml")


def _has_pages(folder: Path, *, deep: bool) -> bool:
    files = folder.rglob("*") if deep else folder.iterdir()
    try:
        return any(p.is_file() and p.suffix.lower() in PAGE_SUFFIXES for p in files)
    except OSError:
        return False


def several_sites(target: str) -> list[str] | None:
    """The names of the site folders when ``target`` is a folder of several saved sites, else None."""
    text = (target or "").strip()
    if not text or "://" in text:
        return None
    path = Path(text).expanduser()
    try:
        if not path.is_dir() or _has_pages(path, deep=False):
            return None
        sites = sorted(p.name for p in path.iterdir() if p.is_dir() and _has_pages(p, deep=True))
    except OSError:
        return None
    return sites if len(sites) >= 2 else None


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
