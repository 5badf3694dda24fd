"""pharmcheck: risk signals for online pharmacies, with the evidence behind each one.

pharmcheck reports risk signals; it does not certify a pharmacy.

Public API::

    import pharmcheck
    report = pharmcheck.check("https://pharmacy.example", timeout=30, max_pages=5)  # the JSON report, a dict
    print(pharmcheck.render_text(report))                                           # what `check` prints
    open("report.html", "w").write(pharmcheck.render_html(report))                  # `check --format html`

The options take the command line's names (``timeout``, ``ca_bundle``, ``max_pages``, ``proxy``,
``trust_env``, ``allow_private``); any other :class:`pharmcheck.fetch.FetchConfig` field may be given too.
An unknown option raises TypeError. A target the checker cannot read (not a URL, no such file, a folder
of several sites) gives a report whose verdict is ``could-not-check`` with the reason in ``error``.
"""

from __future__ import annotations

from typing import Any

__version__ = "0.1.0"

__all__ = ["__version__", "check", "check_async", "render_html", "render_text", "json_schema", "to_json"]

# The command line's option names -> FetchConfig's field names.
_CLI_NAMES = {"timeout": "site_budget", "ca_bundle": "ca_file"}


def _config(options: dict[str, Any]):
    from .fetch import FetchConfig

    if "config" in options:  # a ready FetchConfig, as engine.check_sync takes it
        config = options.pop("config")
        if options:
            raise TypeError(f"check() got config= and {', '.join(options)}: give one or the other")
        return config
    fields: dict[str, Any] = {}
    for name, value in options.items():
        field = _CLI_NAMES.get(name, name)
        if field in fields:
            raise TypeError(f"check() got {name!r} and {field!r}: give one of them")
        if field not in FetchConfig.__dataclass_fields__:
            raise TypeError(f"check() got an unexpected keyword argument {name!r}")
        fields[field] = str(value) if field == "ca_file" and value is not None else value
    return FetchConfig(**fields)


def _refused(target: str) -> dict[str, Any] | None:
    from .targets import invalid_input_report, several_sites, several_sites_message

    sites = several_sites(target)
    return invalid_input_report(target, several_sites_message(target, sites)) if sites else None


def check(target: str, **options: Any) -> dict[str, Any]:
    """Check one site (URL, bare domain, saved .html file or folder of saved pages); returns the report dict.

    ``pharmcheck.check(url, timeout=60, ca_bundle="corp-ca.pem", max_pages=12, proxy=None,
    trust_env=True, allow_private=False)``: the options of ``pharmcheck check``.
    """
    config = _config(options)
    refused = _refused(target)
    if refused is not None:
        return refused
    from .engine import check_sync

    return check_sync(target, config)


async def check_async(target: str, **options: Any) -> dict[str, Any]:
    """:func:`check` for a running event loop."""
    config = _config(options)
    refused = _refused(target)
    if refused is not None:
        return refused
    from .engine import check_target

    return await check_target(target, config)


def render_text(report: dict[str, Any], *, width: int = 80, verbose: bool = False) -> str:
    """The terminal report as plain text (one screen; every finding with ``verbose``)."""
    from .render.text import render_text as _render

    return _render(report, width=width, verbose=verbose)


def render_html(report: dict[str, Any]) -> str:
    """The report as one self-contained HTML page."""
    from .render.html import render_html as _render

    return _render(report)


def json_schema() -> dict[str, Any]:
    """The JSON Schema of the report."""
    from .report import json_schema as _schema

    return _schema()


def to_json(report: dict[str, Any], *, indent: int | None = 2) -> str:
    """The report as JSON text, keys sorted (what `check --json` prints)."""
    from .report import to_json as _to_json

    return _to_json(report, indent=indent)
