"""Small builders for rule tests: a Site from HTML strings, parsed exactly as fetched pages are."""

from __future__ import annotations

from pharmcheck.site import RawPage, RawSite, Site, parse_site


def make_site(pages: dict[str, str] | str, *, mode: str = "online", roles: dict[str, str] | None = None, **raw_fields) -> Site:
    """Build a Site from {url: html}. The first URL is the start page. A bare string is one start page."""
    if isinstance(pages, str):
        pages = {"https://pharmacy.example/": pages}
    roles = roles or {}
    raw_pages = []
    for i, (url, html) in enumerate(pages.items()):
        raw_pages.append(
            RawPage(
                url=url,
                status=200,
                headers={"content-type": "text/html; charset=utf-8"},
                body=html.encode("utf-8"),
                role=roles.get(url, "start" if i == 0 else "other"),
            )
        )
    first = next(iter(pages))
    raw = RawSite(requested=first, start_url=first, final_url=first, mode=mode, pages=raw_pages, **raw_fields)
    return parse_site(raw)
