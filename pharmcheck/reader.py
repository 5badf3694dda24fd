"""Reading one HTML page into the parsed view rules read (:class:`pharmcheck.site.Page`): one tree, one walk.

beautifulsoup4 is the parser (lxml under it, never bs4's quadratic ``html.parser``). Its tree holds only
what a rule reads: :class:`ReadingBuilder` drops the bodies of script, style, svg, template, noscript,
iframe and object elements while the tree is built (a ``<script type="application/ld+json">`` is kept:
JSON-LD describes products), comments and doctypes, and strings that are only white space (they make no
line of text). What remains is walked once, with an explicit stack (a page may nest deeply): the text,
its lines and blocks, links, forms, images, controls, microdata and JSON-LD are all read on that walk,
and no element's subtree is walked a second time (a button's or a property's text is the lines it holds).
"""

from __future__ import annotations

import re
from typing import TYPE_CHECKING, Any

from .decoding import decode_html
from .urls import join_url, splits

if TYPE_CHECKING:
    from .site import Page

# Elements whose content no rule reads (JSON-LD scripts excepted): their subtrees are never built.
SKIPPED_TAGS = frozenset(("script", "style", "noscript", "template", "svg", "iframe", "object"))
# Control characters (ESC starts a terminal escape: "\x1b[2J" clears the screen) and bidirectional overrides
# (they reorder what a reader sees) are written by the people judged: they never reach a rule or a report.
from .textsafe import CONTROL  # noqa: E402
_PAYMENT = re.compile(r"cc-?(number|csc|exp)|card.?(num|no\b)|cardnumber|cvv|cvc|security.?code|expir", re.I)
_ROLE_OF_TAG = {
    "tr": "row", "td": "cell", "th": "cell", "li": "item", "dt": "item", "dd": "item", "article": "box",
    "option": "option", "select": "select", "form": "form", "h1": "heading", "h2": "heading", "h3": "heading",
    "h4": "heading", "h5": "heading", "h6": "heading", "p": "para", "blockquote": "para", "figcaption": "para",
    "nav": "chrome", "header": "chrome", "footer": "chrome", "menu": "chrome", "aside": "box", "div": "box",
    "section": "box", "main": "box", "table": "box", "tbody": "box", "thead": "box", "ul": "box", "ol": "box",
    "dl": "box", "figure": "box", "fieldset": "box", "details": "box", "summary": "box", "address": "box",
    "label": "box", "button": "box", "center": "box", "body": "box",
}
_CLASSED_ROLES = frozenset(("box", "item", "cell", "card"))
_PRODUCT_CLASS = re.compile(r"product|offer|item|card|goods|listing|package|pack|deal|price|tile", re.I)
_CHROME_CLASS = re.compile(r"(?:^|[\s_-])(?:nav|navbar|menu|header|footer|breadcrumbs?|topbar|sidebar)(?:$|[\s_-])", re.I)
_OLD_PRICE_CLASS = re.compile(r"(?:^|[\s_-])(?:was|old|regular|strike|strikethrough|line-through|crossed|list-price|rrp|uvp|"
                              r"compare|before)(?:$|[\s_-])", re.I)
_CHROME_ARIA = frozenset(("navigation", "menu", "menubar", "banner", "contentinfo"))
_PRICE_ATTR = re.compile(r"^data-(?:product-)?(?:price|sale-price|price-amount|amount|currency)$")
_VOID = frozenset(("input", "img", "br", "hr", "meta", "link"))
_STRUCK_TAGS = frozenset(("del", "s", "strike"))
_FIELDS = frozenset(("input", "select", "textarea", "button"))
_READ_APART = SKIPPED_TAGS | {"title", "meta", "base"}
_RARE_ATTRS = frozenset(("itemscope", "typeof", "itemprop", "property"))  # with data-*: read only when present
# Tags the walk reads something of without any attribute (a role, a link, an image, a field, struck text):
# of any other tag without attributes, the tree gets its strings but no node (read_page would pass through it).
_READ_BARE = frozenset(_ROLE_OF_TAG) | _READ_APART | _STRUCK_TAGS | _FIELDS | {"a", "img", "html", "head", "body"}
_COMMAS = re.compile(r"(?<!\s)\s*,(?:\s*,)+")  # from the start of a white-space run only: linear (the same matches)
MAX_BLOCKS = 50_000  # a hostile page cannot make the structure unbounded
MAX_JSONLD = 20  # scripts read per page
MAX_JSONLD_BYTES = 200_000  # each

# What a class attribute says (chrome, product card, old price), by class string: pages repeat a few dozen.
_CLASS_MEMO: dict[str, tuple[bool, bool, bool]] = {}
_CLASS_MEMO_MAX = 4096

# Actions an element takes on leaving it (bits).
_BODY, _CHROME, _A, _FORM, _SCOPE, _STRUCK, _ADDRESS, _BUTTON, _PROP = 1, 2, 4, 8, 16, 32, 64, 128, 256


def norm(text: str) -> str:
    """Control characters dropped, white space folded to single spaces."""
    return " ".join(CONTROL.sub("", text).split())


def _class_signs(classes: str) -> tuple[bool, bool, bool]:
    signs = _CLASS_MEMO.get(classes)
    if signs is None:
        signs = (bool(_CHROME_CLASS.search(classes)), bool(_PRODUCT_CLASS.search(classes)), bool(_OLD_PRICE_CLASS.search(classes)))
        if len(_CLASS_MEMO) >= _CLASS_MEMO_MAX:
            _CLASS_MEMO.clear()
        _CLASS_MEMO[classes] = signs
    return signs


def _classes(attrs: dict) -> str:
    cls = attrs.get("class")
    if isinstance(cls, list):
        cls = " ".join(cls)
    return f"{cls or ''} {attrs.get('id') or ''}"[:300]


def import_bs4_for_reading() -> None:
    """Import beautifulsoup4 without the two modules it loads at import and pharmcheck never uses: soupsieve
    (CSS selectors: pharmcheck walks the tree, it never selects) and html5lib's tree builder (pharmcheck
    builds with lxml; html5lib is there when the test extra is installed). They cost 70-110 ms of a `check`
    that should take 300. For the command line's own process only (pharmcheck/cli.py): a program that
    imports pharmcheck as a library gets bs4 whole. The two modules stay importable afterwards."""
    import sys
    import warnings

    if "bs4" in sys.modules:
        return
    hidden = {name: sys.modules.get(name) for name in ("soupsieve", "html5lib") if name not in sys.modules}
    sys.modules.update(dict.fromkeys(hidden))  # None: "not installed", for bs4's import only
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")  # bs4 says that CSS selectors cannot be used: none are
            import bs4  # noqa: F401
    finally:
        for name in hidden:
            if sys.modules.get(name) is None:
                del sys.modules[name]


_BUILDER_CLASS = None


def builder_class():
    """The bs4 tree builder that builds only what rules read (made on first use: bs4 loads lazily)."""
    global _BUILDER_CLASS
    if _BUILDER_CLASS is not None:
        return _BUILDER_CLASS
    from bs4.builder._lxml import LXMLTreeBuilder

    class ReadingBuilder(LXMLTreeBuilder):
        """lxml's events, filtered before bs4 makes a node of them."""

        NAME = "pharmcheck-reading"
        features = [NAME]

        def __init__(self, *args: Any, **kwargs: Any):
            from bs4.element import AttributeDict

            kwargs.setdefault("multi_valued_attributes", None)  # class stays one string: no list per tag
            kwargs.setdefault("attribute_dict_class", AttributeDict)  # values are lxml's strings already
            super().__init__(*args, **kwargs)
            self._skipping = 0  # depth inside a skipped element
            self._text: list[str] = []
            self._made: list[bool] = []  # for each open element: was a node made of it?
            # Elements the walk reads something of even bare (and those whose strings bs4 types or keeps).
            self._read_bare = _READ_BARE | set(self.string_containers) | set(self.preserve_whitespace_tags or ())

        def _flush(self) -> None:
            text = self._text
            if text:
                joined = "".join(text) if len(text) > 1 else text[0]
                text.clear()
                if joined and not joined.isspace():
                    self.soup.handle_data(joined)

        def start(self, tag, attrib, nsmap={}):  # noqa: B006 (lxml's signature)
            if self._skipping:
                self._skipping += 1
                return
            if tag in SKIPPED_TAGS and not (tag == "script" and str(attrib.get("type") or "").strip().lower() == "application/ld+json"):
                self._flush()
                self.soup.endData()
                self._skipping = 1
                return
            if self._text:
                self._flush()
            if not attrib and tag not in self._read_bare and not nsmap and tag[:1] != "{" and len(self.nsmaps) <= 1:
                # A bare <b>, <span>, <br>, <picture>: the walk reads nothing of it but its strings, which stay
                # apart as they would (the string before it ends here) in its parent.
                self.soup.endData()
                self._made.append(False)
                return
            self._made.append(True)
            if nsmap or tag[:1] == "{" or len(self.nsmaps) > 1:
                return super().start(tag, attrib, nsmap)
            # lxml hands a fresh dict, or one shared empty mapping (whose every method is Python code).
            attrs = attrib if type(attrib) is dict else (dict(attrib) if len(attrib) else {})
            self.soup.handle_starttag(tag, None, None, attrs, namespaces=self.active_namespace_prefixes[-1])

        def end(self, tag):
            if self._skipping:
                self._skipping -= 1
                return
            if self._text:
                self._flush()
            if not self._made.pop():
                self.soup.endData()
                return
            if tag[:1] == "{" or len(self.nsmaps) > 1:
                return super().end(tag)
            self.soup.endData()
            self.soup.handle_endtag(tag, None)

        def data(self, content):
            if not self._skipping:
                self._text.append(content)

        def comment(self, text):
            # Not kept, but it still ends the string before it ("a<!-- -->b" is two strings, as bs4 reads it).
            if not self._skipping:
                self._flush()
                self.soup.endData()

        def doctype(self, name, pubid, system):
            self._flush()
            self.soup.endData()

        def pi(self, target, data):
            if not self._skipping:
                self._flush()
                self.soup.endData()

        def close(self):
            self._flush()
            super().close()

    _BUILDER_CLASS = ReadingBuilder
    return ReadingBuilder


def parse_tree(html: str):
    """The bs4 tree of a decoded page, holding only what rules read."""
    from bs4 import BeautifulSoup

    return BeautifulSoup(html, builder=builder_class()())


def read_page(page: "Page", body: bytes) -> None:
    """Fill ``page`` from its bytes: one tree build, one walk."""
    from bs4 import CData, NavigableString, Tag

    from .site import Block, Control, Form, Image, Link, Prop

    html, page.encoding = decode_html(body, page.headers.get("content-type"))
    # A str, not bytes: bs4 must not guess an encoding again from the <meta> tag.
    soup = parse_tree(html)
    base = page.url
    text_types = (NavigableString, CData)
    has_body = soup.body is not None
    lines = page.lines
    line_starts = page.line_starts
    line_blocks = page.line_blocks
    blocks = page.blocks
    props = page.props
    controls = page.controls
    forms = page.forms
    meta = page.meta
    control_sub = CONTROL.sub
    size = 0  # length of the text so far
    anchors: list[tuple[dict, int, list[str], int, int]] = []  # (attributes, first line, image alts, end line, order)
    anchor_stack: list[tuple[dict, int, list[str], int]] = []
    images: list[tuple[dict, str | None]] = []
    form_stack: list[Form] = []
    scope_stack: list[int] = []  # itemscope blocks
    block_stack: list[int] = []
    address_first: list[int] = []
    pending: list[list[Any]] = []  # [Prop or None, Control or None, first line, button's label]: filled on leaving
    in_body = 0 if has_body else 1
    order = 0
    chrome = 0
    # Each frame: (children iterator, first line index, block index or -1, actions bits, pending index or -1)
    stack: list[tuple[Any, int, int, int, int]] = [(iter(soup.contents), 0, -1, 0, -1)]
    while stack:
        children, first_line, block, actions, pend = stack[-1]
        node = next(children, None)
        if node is None:
            stack.pop()
            # Leaving an element: close what it opened.
            if block != -1:
                if len(lines) > first_line:
                    blk = blocks[block]
                    blk.start = line_starts[first_line]
                    blk.end = size
                else:
                    blocks[block].start = blocks[block].end = size
                block_stack.pop()
            if actions:
                if actions & _BODY:
                    in_body -= 1
                if actions & _CHROME:
                    chrome -= 1
                if actions & _A:
                    attrs, a_first, alts, a_order = anchor_stack.pop()
                    anchors.append((attrs, a_first, alts, len(lines), a_order))
                if actions & _FORM:
                    form = form_stack.pop()
                    if len(lines) > first_line:
                        form.start, form.end = line_starts[first_line], size
                if actions & _SCOPE:
                    scope_stack.pop()
                if actions & _STRUCK and len(lines) > first_line:
                    page.struck.append((line_starts[first_line], size))
                if actions & _ADDRESS:
                    start = address_first.pop()
                    text = _COMMAS.sub(",", ", ".join(lines[start:])).strip(" ,")
                    if text:
                        page.addresses.append(text[:1000])
            if pend != -1:
                prop_item, control, p_first, label = pending[pend]
                own = " ".join(lines[p_first:])
                if prop_item is not None:  # a property: its text
                    prop_item.value = norm(own[:300])[:200]
                if control is not None:  # a button: its text and its label
                    control.text = norm(own[:200] + " " + label)[:120]
            continue
        if type(node) is not Tag:
            if in_body and type(node) in text_types:
                text = node  # a str already (split and join make plain ones)
                if "\x1b" in text or not text.isprintable():
                    text = control_sub("", text)
                for part in text.split("\n") if "\n" in text else (text,):
                    piece = " ".join(part.split())
                    if piece:
                        start = size + 1 if lines else 0
                        lines.append(piece)
                        line_starts.append(start)
                        line_blocks.append(block_stack[-1] if block_stack else -1)
                        size = start + len(piece)
            continue
        name = node.name
        attrs = node.attrs
        if name in _READ_APART:  # one test for the few tags read on their own (most tags are none of them)
            if name == "script":
                if len(page.jsonld) < MAX_JSONLD and str(attrs.get("type") or "").strip().lower() == "application/ld+json":
                    _read_jsonld(page, node.string or "")
                continue
            if name == "title":
                if not page.title:
                    page.title = norm(node.get_text(" "))
                continue
            if name == "meta":
                key = str(attrs.get("name") or attrs.get("property") or attrs.get("http-equiv") or "").strip().lower()
                content = attrs.get("content")
                if key and content is not None and key not in meta:
                    meta[key] = norm(str(content))[:500]
                if attrs.get("itemprop") and content is not None:
                    props.append(Prop(str(attrs.get("itemprop")).strip().lower()[:40], norm(str(content))[:200],
                                      size, scope_stack[-1] if scope_stack else -1))
                continue
            if name != "base":
                continue  # SKIPPED_TAGS
            if attrs.get("href"):
                base = join_url(page.url, str(attrs["href"])) or base
                continue
        actions = 0
        pend = -1
        role = _ROLE_OF_TAG.get(name)
        itemtype = ""
        struck = name in _STRUCK_TAGS
        rare = scoped = False  # rare: a data-* attribute or one of microdata and RDFa (most tags have none)
        if attrs:
            for attr in attrs:
                if attr[:5] == "data-" or attr in _RARE_ATTRS:
                    rare = True
                    break
            if name == "html" and attrs.get("lang"):
                page.lang = str(attrs.get("lang")).strip().lower()[:20]
            if rare:
                cfemail = attrs.get("data-cfemail")
                if cfemail:
                    page.protected_emails.append(str(cfemail))
                # What this element is to a reader.
                scoped = attrs.get("itemscope") is not None
                if scoped or attrs.get("typeof"):
                    itemtype = str(attrs.get("itemtype") or attrs.get("typeof") or "").rsplit("/", 1)[-1].rsplit(":", 1)[-1][:40]
                    role = "card" if itemtype.lower() in ("product", "offer", "drug", "aggregateoffer", "") else (role or "box")
            has_class = bool(attrs.get("class"))
            if role in _CLASSED_ROLES or (role is None and name in ("span", "a")) or has_class:
                chrome_cls, product_cls, old_cls = _class_signs(_classes(attrs))
                if role in _CLASSED_ROLES or (role is None and name in ("span", "a")):
                    if chrome_cls or str(attrs.get("role") or "").lower() in _CHROME_ARIA:
                        role = "chrome"
                    elif role == "box" and product_cls:
                        role = "card"
                if has_class and old_cls:
                    struck = True
        if name == "body":
            in_body += 1
            actions |= _BODY
        if role == "chrome":
            chrome += 1
            actions |= _CHROME
        new_block = -1
        if role is not None and in_body and len(blocks) < MAX_BLOCKS:
            new_block = len(blocks)
            blocks.append(Block(role, name, size, size, block_stack[-1] if block_stack else -1, itemtype, chrome > 0))
            block_stack.append(new_block)
        if rare:
            if itemtype or scoped:
                scope_stack.append(new_block)
                actions |= _SCOPE
            prop = attrs.get("itemprop") or attrs.get("property")
            if prop and in_body:
                value = attrs.get("content")
                if value is None and name in ("a", "link"):
                    value = attrs.get("href")
                item = Prop(str(prop).strip().lower().rsplit(":", 1)[-1][:40], "" if value is None else norm(str(value))[:200], size,
                            scope_stack[-1] if scope_stack and scope_stack[-1] != new_block else
                            (scope_stack[-2] if len(scope_stack) > 1 else -1))
                props.append(item)
                if value is None and name != "body" and name not in _VOID:
                    pend = len(pending)
                    pending.append([item, None, len(lines), ""])
            for attr in attrs:
                if attr[:5] == "data-" and _PRICE_ATTR.match(attr):
                    props.append(Prop(attr, norm(str(attrs[attr]))[:60], size, new_block))
        if name == "a":
            if attrs.get("href") is not None:
                anchor_stack.append((attrs, len(lines), [], order))
                order += 1
                actions |= _A
        elif name == "img":
            images.append((attrs, None))
            if anchor_stack:
                anchor_stack[-1][2].append(str(attrs.get("alt") or ""))
                images[-1] = (attrs, str(anchor_stack[-1][0].get("href") or ""))
        elif name == "form":
            form = Form(action=join_url(base, str(attrs.get("action") or "")) or base,
                        method=str(attrs.get("method") or "get").lower(), fields=[])
            forms.append(form)
            form_stack.append(form)
            actions |= _FORM
        elif name in _FIELDS:
            itype = str(attrs.get("type") or ("submit" if name == "button" else name)).lower()
            if name == "button" or itype in ("submit", "button", "image"):
                label = norm(str(attrs.get("value") or attrs.get("aria-label") or attrs.get("title") or attrs.get("alt") or ""))
                if name == "button":  # its text is read on leaving it
                    control = Control(size, "", "button")
                    controls.append(control)
                    if pend == -1:
                        pend = len(pending)
                        pending.append([None, control, len(lines), label])
                    else:
                        pending[pend][1:] = [control, len(lines), label]
                elif label:
                    controls.append(Control(size, label[:120], "submit"))
            if form_stack and itype != "hidden" and name != "button":
                form = form_stack[-1]
                fname = str(attrs.get("name") or attrs.get("id") or "").lower()
                auto = str(attrs.get("autocomplete") or "").lower()
                form.fields.append(f"{itype}:{fname}:{auto}")
                form.has_password |= itype == "password"
                form.has_payment |= bool(_PAYMENT.search(fname) or _PAYMENT.search(auto))
        elif name == "address":
            address_first.append(len(lines))
            actions |= _ADDRESS
        if struck:
            actions |= _STRUCK
        if name in _VOID:
            if new_block != -1:
                block_stack.pop()
                blocks[new_block].start = blocks[new_block].end = size
            if actions & _CHROME:
                chrome -= 1
            if actions & _SCOPE:
                scope_stack.pop()
            if actions & _A:
                a_attrs, a_first, alts, a_order = anchor_stack.pop()
                anchors.append((a_attrs, a_first, alts, len(lines), a_order))
            continue
        stack.append((iter(node.contents), len(lines), new_block, actions, pend))
    page.text = " ".join(lines)
    if controls and any(not c.text for c in controls):
        page.controls = [c for c in controls if c.text]
    anchors.sort(key=lambda entry: entry[4])  # document order (nested anchors close inside out)
    for attrs, a_first, alts, a_end, _order in anchors:
        href = str(attrs["href"]).strip()
        if not href or href.startswith(("javascript:", "data:")):
            continue
        if "/cdn-cgi/l/email-protection#" in href:  # the code sits in the fragment, which join_url drops
            page.protected_emails.append(href.rsplit("#", 1)[1][:200])
        url = href if href.startswith(("tel:", "mailto:")) else join_url(base, href)
        if url is None or not splits(url):
            continue  # "mailto://[x": an address no rule can take apart is no link
        own = " ".join(lines[a_first:a_end])
        extra = list(alts)
        if attrs.get("title"):
            extra.append(str(attrs.get("title")))
        start = line_starts[a_first] if a_end > a_first else -1
        end = line_starts[a_end - 1] + len(lines[a_end - 1]) if a_end > a_first else -1
        page.links.append(Link(url=url, text=norm(" ".join([own, *extra])) if extra else own, start=start, end=end))
    for attrs, href in images:
        link = join_url(base, href) if href else None
        src = join_url(base, str(attrs.get("src") or "")) or ""
        page.images.append(Image(src=src, alt=norm(str(attrs.get("alt") or "")), link=link))


def _read_jsonld(page: "Page", raw: str) -> None:
    import json

    raw = raw.strip()
    if not raw or len(raw) > MAX_JSONLD_BYTES:
        return
    try:
        page.jsonld.append(json.loads(raw))
    except (ValueError, RecursionError):
        return  # broken JSON-LD is common and says nothing
