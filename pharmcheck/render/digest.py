"""What a reader needs from a report, chosen once for every renderer: read from the JSON report alone.

A :class:`Digest` holds the verdict in words, the 3 to 5 reasons that decided it (strongest first: red
flags, then what holds the site at caution, then what is missing, then warnings; for a site with no
problem, its strongest good signs), the advice, what was not checked, and every finding by the page its
evidence is on. Nothing here decides a verdict: the kinds of reasons come from the report's own
``verdict.critical`` and ``verdict.cautions`` lists and the findings' statuses.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import PurePosixPath
from typing import Any
from urllib.parse import unquote, urlsplit

from . import wording as W

GATE = "online-pharmacy"
MAX_REASONS = 5
MIN_REASONS = 3
SHORT_QUOTE = 70
SHORT_SENTENCE = 110

_MACHINE_WHERE = frozenset({"form", "link", "control", "header", "certificate"})
_FURNITURE = re.compile(r"[·|©»]")
_SENTENCE_END = re.compile(r"(?<=[.!?])\s+(?=[A-Z0-9\"“(])")


@dataclass
class Quote:
    text: str | None
    url: str
    path: str  # where it is, for a reader: "home page", "/contact.html", "connection"
    why: str = ""
    where: str | None = None


@dataclass
class Item:
    """One finding as a reader sees it."""

    kind: str
    rule: str
    rule_title: str
    message: str
    sentence: str  # the message's first sentence, short enough for one line or two
    quotes: list[Quote] = field(default_factory=list)
    searched: int = 0

    @property
    def label(self) -> str:
        return W.KIND_LABELS[self.kind]

    @property
    def first_quote(self) -> Quote | None:
        """The quote a short report shows: the rule's first that a reader reads (not a form's fields, a link
        or a header) and that is not page furniture (a footer or menu line of "·" and "|" pieces)."""
        with_text = [q for q in self.quotes if q.text]
        words = [q for q in with_text if q.where not in _MACHINE_WHERE]
        prose = [q for q in words if not _FURNITURE.search(q.text or "")]
        fits = [q for q in words if len(" ".join((q.text or "").split())) <= SHORT_QUOTE]
        for choice in (prose, fits, words, with_text, self.quotes):
            if choice:
                return choice[0]
        return None


@dataclass
class PageGroup:
    title: str  # the page path, "Connection", or "Looked for on every page read"
    url: str | None
    items: list[tuple[Item, list[Quote]]] = field(default_factory=list)


@dataclass
class Digest:
    code: str
    label: str
    headline: str
    site: str
    how: str  # how the site was read: "4 pages, saved files read offline" / "6 pages read 2026-...Z"
    score_line: str | None
    reasons: list[Item]
    advice: list[str]
    not_checked: list[str]
    limits: str
    error: str | None
    graded: bool  # False for "not an online pharmacy" and "could not check": no pharmacy grading shown
    groups: list[PageGroup]
    items: list[Item]


# ----------------------------------------------------------------------------------------------
# Small readers


def first_sentence(message: str, limit: int = SHORT_SENTENCE) -> str:
    """The message's first sentence; a long one keeps the clause before its colon when that says enough."""
    text = " ".join(message.split())
    sentence = _SENTENCE_END.split(text, maxsplit=1)[0]
    if len(sentence) > limit:
        head = sentence.split(": ", 1)[0]
        if 30 <= len(head) < len(sentence):
            sentence = head.rstrip(".") + "."
    if len(sentence) > limit:
        bare = re.sub(r"\s*\([^()]*\)\.$", ".", sentence)  # a closing aside in brackets can go
        if len(bare) >= 30:
            sentence = bare
    return sentence


def short(text: str, limit: int = SHORT_QUOTE) -> str:
    """A quote shortened at a word for a one-screen report (the full quote is in -v, HTML and JSON)."""
    text = " ".join(text.split())
    if len(text) <= limit:
        return text
    cut = text[: limit - 1]
    if " " in cut[limit // 2 :]:
        cut = cut[: cut.rfind(" ")]
    return cut.rstrip(" ,;:·-") + "…"


def site_root(report: dict[str, Any]) -> tuple[str, str, str]:
    """(scheme, host, base path) of the site: pages are named by their path under it."""
    start = report.get("final_url") or report.get("requested_url") or ""
    parts = urlsplit(start)
    if parts.scheme == "file":
        base = str(PurePosixPath(unquote(parts.path)).parent)
        return "file", "", base.rstrip("/") + "/"
    return parts.scheme, parts.netloc, "/"


def page_path(url: str, report: dict[str, Any]) -> str:
    """A page as a reader names it: its path on the site ("home page" for the start page), not its URL."""
    scheme, host, base = site_root(report)
    parts = urlsplit(url)
    start = report.get("final_url") or report.get("requested_url")
    if url == start or (parts.scheme in ("http", "https") and parts.netloc == host and parts.path in ("", "/") and not parts.query):
        return "home page"
    if parts.scheme == "file" and scheme == "file":
        path = unquote(parts.path)
        return path[len(base) :] if path.startswith(base) else PurePosixPath(path).name
    if parts.netloc and parts.netloc != host:
        return f"{parts.netloc}{parts.path or '/'}"
    return (parts.path or "/") + (f"?{parts.query}" if parts.query else "")


def site_name(report: dict[str, Any]) -> str:
    if report.get("mode") == "offline":
        requested = str(report.get("requested") or "").rstrip("/\\")
        return PurePosixPath(requested.replace("\\", "/")).name or requested or "saved pages"
    final = report.get("final_url") or report.get("requested_url") or report.get("requested") or ""
    host = urlsplit(final).hostname
    return host or str(report.get("requested") or "")


def _how(report: dict[str, Any]) -> str:
    read = [p for p in report.get("pages", []) if not p.get("error")]
    n = len(read)
    pages = f"{n} page{'s' if n != 1 else ''}"
    if report.get("mode") == "offline":
        return f"{pages} saved, read offline"
    when = (report.get("fetched_at") or "").replace("T", " ").replace("Z", " UTC")
    return f"{pages} read {when}".rstrip()


# ----------------------------------------------------------------------------------------------
# Findings as items


def _kind(finding: dict[str, Any], critical: set[str], cautions: set[str]) -> str:
    status = finding["status"]
    if status == "error":
        return W.CHECK_FAILED
    if finding["outcome"] in critical:
        return W.RED_FLAG
    if finding["outcome"] in cautions and status in ("fail", "warn", "info", "not-applicable"):
        return W.HOLDS
    return {"fail": W.PROBLEM, "warn": W.WARNING, "pass": W.GOOD, "info": W.NOTE}.get(status, W.NOT_JUDGED)


def _quote(ev: dict[str, Any], report: dict[str, Any]) -> Quote:
    where = ev.get("where")
    path = "connection" if where in ("certificate", "header") else page_path(ev.get("url") or "", report)
    return Quote(text=ev.get("quote"), url=ev.get("url") or "", path=path, why=ev.get("why") or "", where=where)


def items_of(report: dict[str, Any]) -> list[Item]:
    verdict = report["verdict"]
    critical, cautions = set(verdict.get("critical") or ()), set(verdict.get("cautions") or ())
    items = []
    for rule in report.get("rules", []):
        for finding in rule.get("findings", []):
            kind = _kind(finding, critical, cautions)
            if rule["id"] == GATE and kind == W.NOT_JUDGED:
                kind = W.NOTE  # the gate's reading of a site that sells nothing is what was seen, not a gap
            items.append(
                Item(
                    kind=kind,
                    rule=rule["id"],
                    rule_title=rule.get("title") or rule["id"],
                    message=" ".join(finding["message"].split()),
                    sentence=first_sentence(finding["message"]),
                    quotes=[_quote(ev, report) for ev in finding.get("evidence", [])],
                    searched=len(finding.get("searched") or ()),
                )
            )
    return items


def _weights(report: dict[str, Any]) -> dict[str, float]:
    return {r["id"]: float(r.get("weight") or 0) for r in report.get("rules", [])}


def choose_reasons(report: dict[str, Any], items: list[Item], limit: int = MAX_REASONS) -> list[Item]:
    """The reasons that decided the verdict, strongest first: one per rule before a second from any."""
    code = report["verdict"]["code"]
    if code == "could-not-check":
        return []
    if code == "not-a-pharmacy":
        return [i for i in items if i.rule == GATE][:1]
    weights = _weights(report)
    order = {kind: n for n, kind in enumerate(W.KIND_ORDER)}
    against = [i for i in items if i.kind in (W.RED_FLAG, W.HOLDS, W.CHECK_FAILED, W.PROBLEM, W.WARNING)]
    goods = [i for i in items if i.kind == W.GOOD]
    if code == "likely-legitimate":
        pool = goods + against  # what made it pass first; a remaining doubt after
        key = lambda i: (i.kind != W.GOOD, -weights.get(i.rule, 0))  # noqa: E731
    else:
        pool = against + (goods if code == "caution" else [])
        key = lambda i: (order[i.kind], -weights.get(i.rule, 0))  # noqa: E731
    ranked = sorted(pool, key=key)  # stable: the report's order among equals
    picked: list[int] = []
    seen_rules: set[str] = set()
    for n, item in enumerate(ranked):  # the strongest of each rule first...
        if item.rule not in seen_rules:
            picked.append(n)
            seen_rules.add(item.rule)
    for n, item in enumerate(ranked):  # ...then every red flag and what holds it at caution
        if n not in picked and item.kind in (W.RED_FLAG, W.HOLDS, W.CHECK_FAILED):
            picked.append(n)
    chosen = [ranked[n] for n in sorted(picked)]
    if code == "likely-legitimate":
        goods_first = [i for i in chosen if i.kind == W.GOOD][: limit - 1]
        doubt = [i for i in chosen if i.kind != W.GOOD][:1]
        return goods_first + doubt
    return chosen[:limit]


# ----------------------------------------------------------------------------------------------
# Score, not checked, pages


def score_line(report: dict[str, Any], reasons: list[Item]) -> str | None:
    verdict = report["verdict"]
    score = verdict.get("score")
    code = verdict["code"]
    if score is None or code in ("not-a-pharmacy", "could-not-check"):
        return None
    line = f"Score {score}/100"
    numbers = lambda kinds: [str(n) for n, i in enumerate(reasons, 1) if i.kind in kinds]  # noqa: E731
    flags = numbers((W.RED_FLAG,))
    holds = numbers((W.HOLDS, W.CHECK_FAILED))
    if verdict.get("critical"):
        which = f"by red flag{'s' if len(flags) > 1 else ''} {_join(flags)}" if flags else "by a red flag"
        return f"{line}, capped at 20 {which}."
    if code == "caution" and verdict.get("cautions"):
        which = f"by reason{'s' if len(holds) > 1 else ''} {_join(holds)}" if holds else "by a serious problem"
        if score >= 75:
            return f"{line}, but held at caution {which}."
        return f"{line}; held at caution {which} whatever the score."
    return f"{line}."


def _join(words: list[str]) -> str:
    return words[0] if len(words) == 1 else ", ".join(words[:-1]) + " and " + words[-1]


def not_checked(report: dict[str, Any], items: list[Item]) -> list[str]:
    out: list[str] = []
    if report["verdict"]["code"] == "could-not-check":
        return ["anything, since no page could be read"]
    offline = report.get("mode") == "offline"
    if offline:
        out.append("the connection (saved pages)")
    if report["verdict"]["code"] not in ("not-a-pharmacy", "could-not-check"):
        for rule in report.get("rules", []):
            if rule["id"] == GATE or (offline and rule["id"] == "https"):
                continue
            findings = rule.get("findings") or []
            if findings and all(f["status"] == "not-applicable" or f["outcome"].endswith("-not-checked") for f in findings):
                out.append(W.NOT_JUDGED_NAMES.get(rule["id"], str(rule.get("title", rule["id"])).lower()))
    failed = [p for p in report.get("pages", []) if p.get("error")]
    if failed:
        out.append(f"{len(failed)} page{'s' if len(failed) != 1 else ''} that could not be read")
    if any(p.get("truncated") for p in report.get("pages", [])):
        out.append("the end of pages too large to read whole")
    out.append(W.NEVER_SEEN)
    return out


def page_groups(report: dict[str, Any], items: list[Item]) -> list[PageGroup]:
    """Every finding under each page its evidence is on; absences and notes in groups of their own."""
    groups: dict[str, PageGroup] = {}
    for page in report.get("pages", []):
        path = page_path(page["url"], report)
        groups.setdefault(path, PageGroup(title=path, url=page["url"]))
    connection = PageGroup(title="Connection", url=None)
    searched = PageGroup(title="Looked for on every page read", url=None)
    other = PageGroup(title="Other findings", url=None)
    order = {kind: n for n, kind in enumerate(W.KIND_ORDER)}
    for item in sorted(items, key=lambda i: order[i.kind]):
        by_path: dict[str, list[Quote]] = {}
        for q in item.quotes:
            by_path.setdefault(q.path, []).append(q)
        if not by_path:
            target = searched if item.searched and item.kind in (W.PROBLEM, W.WARNING, W.HOLDS, W.RED_FLAG) else other
            target.items.append((item, []))
            continue
        for path, quotes in by_path.items():
            if path == "connection":
                connection.items.append((item, quotes))
            else:
                groups.setdefault(path, PageGroup(title=path, url=quotes[0].url)).items.append((item, quotes))
    result = [g for g in groups.values() if g.items]
    return result + [g for g in (connection, searched, other) if g.items]


def digest(report: dict[str, Any], *, max_reasons: int = MAX_REASONS) -> Digest:
    verdict = report["verdict"]
    code = verdict["code"]
    label, headline = W.HEADLINES.get(code, (verdict.get("label", code).upper(), verdict.get("summary", "")))
    items = items_of(report)
    graded = code not in ("not-a-pharmacy", "could-not-check")
    if not graded:
        items = [i for i in items if i.rule == GATE]  # nothing of a pharmacy's grading on a site that is not one
    reasons = choose_reasons(report, items, max_reasons)
    error = report.get("error")
    return Digest(
        code=code,
        label=label,
        headline=headline,
        site=site_name(report),
        how=_how(report),
        score_line=score_line(report, reasons),
        reasons=reasons,
        advice=list(report.get("advice") or ()),
        not_checked=not_checked(report, items),
        limits=W.LIMITS,
        error=(error or {}).get("message") if error else None,
        graded=graded,
        groups=page_groups(report, items),
        items=items,
    )
