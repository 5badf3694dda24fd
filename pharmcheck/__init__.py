"""pharmcheck: risk signals for online pharmacies, with the evidence behind each one.

pharmcheck reports risk signals; it does not certify a pharmacy.

Public API::

    from pharmcheck import check
    report = check("https://pharmacy.example")   # a dict: the JSON report (see `pharmcheck schema`)
"""

from __future__ import annotations

from typing import Any

__version__ = "0.1.0"

__all__ = ["__version__", "check", "check_async"]


def check(target: str, **options: Any) -> dict[str, Any]:
    """Check one site (URL, bare domain, saved .html file or folder of saved pages); returns the report dict.

    Options are those of :class:`pharmcheck.fetch.FetchConfig` (``max_pages``, ``ca_file``, ...).
    """
    from .engine import check_sync

    return check_sync(target, **options)


async def check_async(target: str, **options: Any) -> dict[str, Any]:
    from .engine import check_target

    return await check_target(target, **options)
