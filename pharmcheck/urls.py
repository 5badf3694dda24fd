"""Addresses: joining a link to its page, and the registered domain (the site) an address belongs to.

The registered domain is read from tldextract's bundled Public Suffix List only (it never downloads
anything). tldextract and what it imports (requests) load on the first address that has a host, not at
start-up, and each host's answer is kept: a page's hundred links to one site cost one lookup.
"""

from __future__ import annotations

from functools import lru_cache
from urllib.parse import urldefrag, urljoin, urlsplit

_EXTRACT = None


@lru_cache(maxsize=8192)
def join_url(base: str, href: str) -> str | None:
    """``urljoin`` that gives None for a malformed address (``http://[oops/``) instead of raising (kept:
    a page links to the same places from its menu, its list and its footer)."""
    try:
        return urldefrag(urljoin(base, href.strip()))[0]
    except ValueError:
        return None


def splits(url: str) -> bool:
    """Can the address be taken apart (``mailto://[x`` cannot)?"""
    try:
        urlsplit(url)
    except ValueError:
        return False
    return True


def _extractor():
    """tldextract with its bundled Public Suffix List only: it never downloads anything."""
    global _EXTRACT
    if _EXTRACT is None:
        import tldextract

        _EXTRACT = tldextract.TLDExtract(suffix_list_urls=(), cache_dir=None)
    return _EXTRACT


def load_suffix_list() -> None:
    """Load tldextract and its suffix list now (a worker's warm-up), not on the first address."""
    _extractor()("www.example.co.uk")


@lru_cache(maxsize=4096)
def _domain_of_host(host: str) -> str:
    ext = _extractor()(host)
    if ext.domain and ext.suffix:
        return f"{ext.domain}.{ext.suffix}"
    return host  # an IP address, localhost or an unknown suffix: the host itself


def registered_domain(url: str) -> str:
    """The registrable domain of a URL (``www.shop.example.co.uk`` -> ``example.co.uk``)."""
    if not url or url.startswith("file:") or "://" not in url:
        return ""
    try:
        host = urlsplit(url).hostname or ""
    except ValueError:  # "https://]", "mailto://[x": a malformed address belongs to no site
        return ""
    if not host:
        return ""
    return _domain_of_host(host)


def same_site(url: str, other: str) -> bool:
    """Do two URLs belong to the same registered domain (and so to the same site)?"""
    a = registered_domain(url)
    if not a:
        return False
    b = registered_domain(other)
    if not b:
        return False
    try:
        if a == b and (a.replace(".", "").isdigit() or a in ("localhost",)):  # an IP: compare host and port too
            return urlsplit(url).netloc == urlsplit(other).netloc
    except ValueError:
        return False
    return a == b
