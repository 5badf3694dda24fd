"""Addresses: joining a link to its page, and the registered domain (the site) an address belongs to.

The registered domain is read from the Public Suffix List snapshot that tldextract bundles, never from the
network. The file is read here, without importing tldextract (which imports requests: 60-100 ms of a
`check` that takes 200), on the first address that has a host, and the lookup is tldextract's own
algorithm (``TLDExtract(include_psl_private_domains=False)``: ICANN suffixes, wildcards and their
exceptions, punycode labels decoded, an IPv4 address is its own site); tests/test_site.py compares the two
on every host of the fixtures. Each host's answer is kept: a page's hundred links to one site cost one lookup.
"""

from __future__ import annotations

from functools import lru_cache
from urllib.parse import urldefrag, urljoin, urlsplit

_TRIE: dict | None = None
_END = None  # the key that marks a node where a suffix ends (a label is a str, never None)
_PRIVATE_SECTION = "// ===BEGIN PRIVATE DOMAINS==="


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


def _snapshot_text() -> str:
    """tldextract's bundled Public Suffix List, read as a file: the package is found, never imported."""
    import importlib.util
    import os

    spec = importlib.util.find_spec("tldextract")
    if spec is None or not spec.submodule_search_locations:
        raise RuntimeError("tldextract is not installed: pharmcheck reads its Public Suffix List")
    path = os.path.join(list(spec.submodule_search_locations)[0], ".tld_set_snapshot")
    with open(path, encoding="utf-8") as fh:
        return fh.read()


def _suffix_trie() -> dict:
    """The ICANN section of the list as a tree of labels, last label first (tldextract's Trie)."""
    global _TRIE
    if _TRIE is None:
        import re

        public = _snapshot_text().partition(_PRIVATE_SECTION)[0]
        trie: dict = {}
        for m in re.finditer(r"^(?P<suffix>[.*!]*\w[\S]*)", public, re.UNICODE | re.MULTILINE):  # tldextract's reading
            node = trie
            for label in reversed(m.group("suffix").split(".")):
                node = node.setdefault(label, {})
            node[_END] = {}
        _TRIE = trie
    return _TRIE


def load_suffix_list() -> None:
    """Read the suffix list now (a worker's warm-up), not on the first address."""
    _suffix_trie()


def _decode_punycode(label: str) -> str:
    lowered = label.lower()
    if lowered.startswith("xn--"):
        import idna  # IDNA 2008, as tldextract decodes

        try:
            return idna.decode(lowered)
        except (UnicodeError, IndexError):
            pass
    return lowered


def _suffix_index(labels: list[str]) -> int | None:
    """Where the public suffix of ``labels`` starts, or None when no suffix of the list ends the host."""
    node = _suffix_trie()
    suffix_idx = label_idx = len(labels)
    for label in reversed(labels):
        decoded = _decode_punycode(label)
        if decoded in node:
            label_idx -= 1
            node = node[decoded]
            if _END in node:
                suffix_idx = label_idx
            continue
        if "*" in node:  # a wildcard rule (*.ck), unless the label is its exception (!www.ck)
            return label_idx if "!" + decoded in node else label_idx - 1
        break
    return None if suffix_idx == len(labels) else suffix_idx


@lru_cache(maxsize=4096)
def _domain_of_host(host: str) -> str:
    name = host.rpartition("@")[-1].partition(":")[0].strip().rstrip(".\u3002\uff0e\uff61")  # tldextract's lenient host
    if len(name) >= 4 and name[0] == "[" and name[-1] == "]":
        return host
    labels = name.replace("\u3002", ".").replace("\uff0e", ".").replace("\uff61", ".").split(".")
    index = _suffix_index(labels)
    if index is None or index <= 0:
        return host  # an IP address, localhost, an unknown suffix, or a suffix itself: the host itself
    domain, suffix = labels[index - 1], ".".join(labels[index:])
    if domain and suffix:
        return f"{domain}.{suffix}"
    return host


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
