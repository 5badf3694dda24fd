"""The offline reader: a saved .html file, or a folder of saved pages of one site.

A saved folder may come from anyone (a crawl, a mail attachment unpacked, a colleague's copy), so the walk
is bounded like a fetch: it never follows a symbolic link (a link inside the folder could point at any
file on the machine, and its text would be quoted in a report), it stops after ``MAX_ENTRIES`` folder
entries (``check /usr/lib`` must not walk a whole tree) and reads at most ``offline_max_files`` pages of
at most ``max_bytes`` each. What was left out is said in the report's notes.
"""

from __future__ import annotations

import os
import stat
from pathlib import Path
from typing import TYPE_CHECKING

from .site import HttpProbe, RawPage, RawSite, TLSInfo

if TYPE_CHECKING:
    from .fetch import FetchConfig

PAGE_SUFFIXES = (".html", ".htm", ".xhtml")
MAX_ENTRIES = 20_000  # folder entries looked at, in all
MAX_DEPTH = 12


def walk_pages(root: Path, max_entries: int = MAX_ENTRIES) -> tuple[list[Path], list[str]]:
    """The page files under ``root`` (no symbolic links, bounded), sorted; and notes on what was skipped."""
    pages, links, _, cut = _walk(root, max_entries)
    notes = []
    if links:
        notes.append(f"{links} symbolic link(s) in the folder were not followed (they may point outside it)")
    if cut:
        notes.append(f"the folder holds more than {max_entries} entries: only the first {max_entries} were looked at")
    return sorted(pages), notes


def _walk(root: Path, max_entries: int) -> tuple[list[Path], int, int, bool]:
    """The page files under ``root``, the links not followed, the entries looked at, whether it was cut."""
    pages: list[Path] = []
    links = 0
    seen = 0
    cut = False
    stack: list[tuple[str, int]] = [(str(root), 0)]
    while stack and not cut:
        folder, depth = stack.pop()
        try:
            with os.scandir(folder) as it:
                for entry in it:
                    seen += 1
                    if seen > max_entries:
                        cut = True
                        break
                    try:
                        mode = entry.stat(follow_symlinks=False).st_mode
                    except OSError:
                        continue
                    if stat.S_ISLNK(mode):
                        links += 1
                    elif stat.S_ISDIR(mode):
                        if depth < MAX_DEPTH:
                            stack.append((entry.path, depth + 1))
                    elif stat.S_ISREG(mode) and entry.name.lower().endswith(PAGE_SUFFIXES):
                        pages.append(Path(entry.path))
        except OSError:
            continue
    return pages, links, min(seen, max_entries), cut


def several_sites(target: str, max_entries: int = MAX_ENTRIES) -> list[str] | None:
    """The names of the site folders when ``target`` is a folder of several saved sites, else None.

    ``pharmcheck check examples`` (the folder of the bundled example sites) must not merge three sites
    into one report: a folder with no page of its own whose subfolders each hold pages is several sites.
    The subfolders are walked as :func:`walk_pages` walks (no link followed), within one budget of
    ``max_entries`` for them all."""
    text = (target or "").strip()
    if not text or "://" in text:
        return None
    path = Path(text).expanduser()
    try:
        if not path.is_dir() or path.is_symlink():
            return None
        with os.scandir(path) as it:
            entries = sorted(it, key=lambda e: e.name)[:max_entries]
    except OSError:
        return None
    folders = []
    for entry in entries:
        try:
            mode = entry.stat(follow_symlinks=False).st_mode
        except OSError:
            continue
        if stat.S_ISREG(mode) and entry.name.lower().endswith(PAGE_SUFFIXES):
            return None  # pages of its own: one site
        if stat.S_ISDIR(mode):
            folders.append(entry)
    sites, budget = [], max_entries - len(entries)
    for entry in folders:
        if budget <= 0:
            break
        pages, _, seen, _ = _walk(Path(entry.path), budget)
        budget -= max(1, seen)
        if pages:
            sites.append(entry.name)
    return sites if len(sites) >= 2 else None


def read_saved(target: str, path: Path, config: "FetchConfig") -> RawSite:
    """A saved .html file, or a folder of saved pages of one site, checked offline."""
    from .fetch import classify, utc_now

    raw = RawSite(requested=target, start_url=path.as_uri(), mode="offline", fetched_at=utc_now())
    raw.tls = TLSInfo(checked=False)
    raw.http_probe = HttpProbe(checked=False)
    if path.is_dir():
        files, notes = walk_pages(path)
        raw.notes.extend(notes)
        index = [p for p in files if p.name.lower() in ("index.html", "index.htm")]
        start = min(index, key=lambda p: len(p.parts)) if index else (files[0] if files else None)
        if start is None:
            cut = any(n.startswith("the folder holds more than") for n in notes)
            found = f"no .html page in its first {MAX_ENTRIES} entries" if cut else "no .html pages"
            raw.error, raw.error_kind = f"{target}: the folder holds {found}", "invalid-input"
            return raw
        files.remove(start)
        if len(files) > config.offline_max_files:
            raw.notes.append(f"only {config.offline_max_files} of the folder's {len(files) + 1} pages were read")
        files = [start] + files[: config.offline_max_files]
    else:
        files = [path]  # a file the user named, even through a link: their choice
    raw.start_url = files[0].as_uri()
    raw.final_url = raw.start_url
    for i, f in enumerate(files):
        try:
            with f.open("rb") as fh:
                body = fh.read(config.max_bytes + 1)
        except OSError as exc:
            raw.pages.append(RawPage(url=f.as_uri(), role="other", error=f"cannot read {f}: {exc.strerror}", error_kind="io"))
            continue
        role = "start" if i == 0 else (classify(f.as_uri()) or "other")
        # The file's name says what it is: a saved .html page is HTML even if it starts with <h1>
        ctype = "application/xhtml+xml" if f.suffix.lower() == ".xhtml" else "text/html"
        page = RawPage(url=f.as_uri(), status=None, headers={"content-type": ctype}, body=body[: config.max_bytes], truncated=len(body) > config.max_bytes, role=role)
        raw.pages.append(page)
    if not raw.pages or raw.pages[0].error:
        raw.error = raw.pages[0].error if raw.pages else f"{target}: nothing to read"
        raw.error_kind = "invalid-input"
    return raw
