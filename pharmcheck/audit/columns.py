"""The flat form of a record: one documented list of snake_case columns (the CSV, and what `summarize` reads).

Lists inside a cell are separated by one space (outcome codes, country codes) or by ``"; "`` (licence
numbers, which may hold spaces). Booleans are ``true``/``false``; a value that is unknown is empty.
docs/audit.md lists every column; a test checks that the list there and :func:`columns` agree.
"""

from __future__ import annotations

from typing import Any, Iterable

HEAD = (
    "line", "input", "duplicate_of", "attempt",
    "requested_url", "final_url", "registered_domain", "fetched_at", "elapsed_ms", "scoring_version",
    "verdict", "score", "critical", "cautions", "red_flags", "warnings",
    "tls_valid", "tls_issuer", "tls_not_after", "address_country", "phone_country", "licence_numbers", "pages",
)
TAIL = ("error_kind", "error")


def rule_column(rule_id: str, what: str) -> str:
    """``cross-border`` -> ``cross_border_status`` / ``cross_border_score``: snake_case only."""
    return f"{rule_id.replace('-', '_')}_{what}"


def columns(rule_ids: Iterable[str]) -> tuple[str, ...]:
    per_rule = tuple(rule_column(r, w) for r in rule_ids for w in ("status", "score"))
    return HEAD + per_rule + TAIL


def _bool(value: Any) -> str | None:
    return None if value is None else ("true" if value else "false")


def _facts(report: dict[str, Any], rule_id: str) -> Iterable[tuple[str, dict[str, Any]]]:
    for rule in report.get("rules") or ():
        if rule.get("id") == rule_id:
            for finding in rule.get("findings") or ():
                yield finding.get("outcome", ""), finding.get("facts") or {}


def _unique(values: Iterable[Any]) -> list[str]:
    return list(dict.fromkeys(str(v) for v in values if v))


def flat_record(report: dict[str, Any], audit: dict[str, Any], rule_ids: Iterable[str]) -> dict[str, Any]:
    """The columns of one record, from its report and its ``audit`` block."""
    rules = {r.get("id"): r for r in report.get("rules") or ()}
    findings = [f for r in rules.values() for f in r.get("findings") or ()]
    verdict = report.get("verdict") or {}
    error = report.get("error") or {}
    tls = (report.get("connection") or {}).get("tls") or {}
    countries: list[Any] = []
    phones: list[Any] = []
    for outcome, facts in _facts(report, "contact"):
        countries += facts.get("countries") or facts.get("address_countries") or []
        phones += [p.get("region") for p in facts.get("phones") or () if isinstance(p, dict)]
        phones += facts.get("phone_regions") or []
    licences = [n.get("number") for _, facts in _facts(report, "pharmacist") for n in facts.get("numbers") or () if isinstance(n, dict)]
    flags = {f.get("outcome") for f in findings if f.get("status") == "fail"} | set(verdict.get("critical") or ())
    row: dict[str, Any] = {
        "line": audit.get("line"),
        "input": audit.get("input"),
        "duplicate_of": audit.get("duplicate_of"),
        "attempt": audit.get("attempt", 1),
        "requested_url": report.get("requested_url"),
        "final_url": report.get("final_url"),
        "registered_domain": report.get("registered_domain"),
        "fetched_at": report.get("fetched_at"),
        "elapsed_ms": report.get("elapsed_ms"),
        "scoring_version": report.get("scoring_version"),
        "verdict": verdict.get("code"),
        "score": verdict.get("score"),
        "critical": " ".join(verdict.get("critical") or ()),
        "cautions": " ".join(str(c) for c in verdict.get("cautions") or ()),
        "red_flags": " ".join(sorted(f for f in flags if f)),
        "warnings": " ".join(sorted({f.get("outcome") for f in findings if f.get("status") == "warn"} - {None})),
        "tls_valid": _bool(tls.get("valid")) if tls.get("checked") else None,
        "tls_issuer": tls.get("issuer") if tls.get("checked") else None,
        "tls_not_after": tls.get("not_after") if tls.get("checked") else None,
        "address_country": " ".join(_unique(countries)),
        "phone_country": " ".join(_unique(phones)),
        "licence_numbers": "; ".join(_unique(licences)),
        "pages": sum(1 for p in report.get("pages") or () if not p.get("error")),
    }
    for rule_id in rule_ids:
        rule = rules.get(rule_id) or {}
        row[rule_column(rule_id, "status")] = rule.get("status")
        score = rule.get("score")
        row[rule_column(rule_id, "score")] = None if score is None else round(float(score), 4)
    row["error_kind"] = error.get("kind")
    row["error"] = error.get("message")
    return row
