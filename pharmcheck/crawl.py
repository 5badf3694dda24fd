"""Which pages of a site matter, from the start page's links: contact, pharmacist, prescription, about,
licence pages and a few product pages; never files, and never addresses that act when merely fetched."""

from __future__ import annotations

import re
from typing import TYPE_CHECKING
from urllib.parse import urlsplit

from .site import join_url, same_site

if TYPE_CHECKING:
    from .fetch import FetchConfig


_ROLE_WORDS: list[tuple[str, re.Pattern[str], int]] = [
    ("contact", re.compile(r"contact|kontakt|reach.?us|customer.?(service|care)|get.?in.?touch|find.?us", re.I), 10),
    ("pharmacist", re.compile(r"pharmacist|consult|ask.?(a|our|the)?.?(pharmacist|expert)", re.I), 10),
    ("prescription", re.compile(r"prescription|\brx\b|refill|transfer|upload|e-?prescri", re.I), 9),
    ("about", re.compile(r"about|who.?we.?are|our.?(company|story|team)|company", re.I), 8),
    ("licence", re.compile(r"licen[cs]|accredit|verif|certif|regulat|legitimacy|registration|gphc|cipa|nabp", re.I), 8),
    ("faq", re.compile(r"\bfaq|help|questions|how.?(it|to).?(works|order)", re.I), 7),
    ("shipping", re.compile(r"shipping|delivery|dispatch", re.I), 5),
    ("terms", re.compile(r"terms|conditions|legal|disclaimer|policies", re.I), 4),
    ("privacy", re.compile(r"privacy|hipaa|data.?protection", re.I), 4),
    ("checkout", re.compile(r"check.?out|sign.?in|log.?in|my.?account|\bcart\b|basket|payment", re.I), 6),
]
_PRODUCT_URL = re.compile(r"/(product|products|item|shop|drug|drugs|medication|medications|buy|p|catalog|store)[/_-]|[?&](product|id|item)=", re.I)
# Never asked for: files that are not pages, and addresses that act when merely fetched (add to cart, log
# out, delete). Sign-in, cart and checkout *pages* are read (a GET shows their forms; nothing is submitted):
# whether they post over HTTPS is one of the checks.
_SKIP_URL = re.compile(
    r"\.(jpe?g|png|gif|webp|svg|ico|css|js|pdf|zip|gz|mp4|mp3|woff2?|ttf|xml|json|txt)(\?|$)"
    r"|add.?to.?(cart|basket|bag|wishlist)|addtocart|/cart/add|[?&](add|add-to-cart|remove_item|empty_cart)="
    r"|log.?out|sign.?out|/delete|/remove|unsubscribe",
    re.I,
)


def classify(url: str, text: str = "") -> str | None:
    """The role of a page from its link text and URL (None: not one of the pages that matter)."""
    hay = f"{text} {urlsplit(url).path}"
    for role, rx, _ in _ROLE_WORDS:
        if rx.search(hay):
            return role
    return None


def choose_pages(start_url: str, links: list[tuple[str, str]], config: FetchConfig) -> list[tuple[str, str]]:
    """Pick up to ``max_pages`` same-site links, most relevant first: (url, role)."""
    scored: dict[str, tuple[int, str]] = {}
    products: dict[str, None] = {}  # in link order; a dict, not a list: 100,000 links cost no quadratic search
    start_key = start_url.rstrip("/")
    for url, text in links:
        if not url.startswith(("http://", "https://")) or url.rstrip("/") == start_key:
            continue
        if _SKIP_URL.search(url) or not same_site(url, start_url):
            continue
        hay = f"{text} {urlsplit(url).path}"
        best: tuple[int, str] | None = None
        for role, rx, weight in _ROLE_WORDS:
            if rx.search(hay):
                # link text says more than a URL; the first matching role is the most important one
                score = weight + (2 if rx.search(text) else 0)
                best = (score, role)
                break
        if best is not None:
            if url not in scored or scored[url][0] < best[0]:
                scored[url] = best
        elif _PRODUCT_URL.search(url) or _looks_like_product(text):
            products[url] = None
    ranked = sorted(scored.items(), key=lambda item: -item[1][0])
    chosen: list[tuple[str, str]] = []
    seen_roles: dict[str, int] = {}
    for url, (_, role) in ranked:
        if seen_roles.get(role, 0) >= 2:  # two pages per role at most: leave room for other roles
            continue
        seen_roles[role] = seen_roles.get(role, 0) + 1
        chosen.append((url, role))
    budget = config.max_pages
    n_products = min(config.max_products, len(products), budget)
    core = chosen[: max(0, budget - n_products)]
    out = core + [(u, "product") for u in list(products)[:n_products]]
    # fill any room left with the remaining relevant pages
    for url, role in chosen[len(core):]:
        if len(out) >= budget:
            break
        out.append((url, role))
    return out[:budget]


_PRODUCT_TEXT = re.compile(r"\b\d+(\.\d+)?\s?(mg|mcg|ml)\b|\bbuy\b|\border\b", re.I)


def _looks_like_product(text: str) -> bool:
    return bool(text) and len(text) < 80 and _PRODUCT_TEXT.search(text) is not None


MAX_LINKS = 3000  # links of a start page weighed for the crawl: the first 2,000 and the last 1,000


def extract_links(body: bytes, base_url: str) -> list[tuple[str, str]]:
    """Links of a page, for choosing what to crawl: (absolute url, text). Cheap: lxml, no soup."""
    import lxml.html

    from .site import decode_html

    try:
        text, _ = decode_html(body)
        doc = lxml.html.document_fromstring(text)
    except Exception:  # an unparseable page simply has no links to follow
        return []
    base = base_url
    for el in doc.iter("base"):
        if el.get("href"):
            base = join_url(base_url, el.get("href")) or base_url
            break
    anchors = list(doc.iter("a"))
    if len(anchors) > MAX_LINKS:
        # A page of 100,000 links would cost seconds of CPU that no deadline interrupts (this runs between
        # two awaits). The pages worth reading are linked from the menu and the footer: keep both ends.
        anchors = anchors[: MAX_LINKS * 2 // 3] + anchors[-(MAX_LINKS // 3):]
    out = []
    for a in anchors:
        href = (a.get("href") or "").strip()
        if not href or href.startswith(("#", "javascript:", "mailto:", "tel:", "data:")):
            continue
        url = join_url(base, href)
        if url is None:
            continue
        label = " ".join((a.text_content() or "").split())[:200]
        if a.get("title"):
            label += " " + a.get("title")
        out.append((url, label))
    return out
