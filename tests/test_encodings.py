"""Only the web's encodings: a page's charset is a label of the WHATWG Encoding Standard, or it is ignored.

Each page is served by a real loopback server, with the charset in the Content-Type header or in a
``<meta>`` tag, fetched by the real fetcher and parsed as every page is: what the rules read is checked.
"""

from __future__ import annotations

import asyncio
from typing import Any

import pytest

from pharmcheck.fetch import FetchConfig, fetch_site
from pharmcheck.site import parse_site

ROGUE_TEXT = "Buy Viagra online, no prescription needed! Cheap Cialis 20 mg x 30 pills $49."
# Python codecs that are no web encodings: EBCDIC, utf-7 (script smuggling), transforms that are no text
# encodings at all (punycode and idna crash on most pages, base64 and zlib take bytes), and more.
NEVER = ("utf-7", "cp037", "punycode", "idna", "rot13", "base64", "zlib", "utf-32", "cp500", "hex", "bz2",
         "unicode_escape", "raw_unicode_escape", "uu", "quopri", "palmos", "mac-arabic", "utf_8_sig", "u8", "latin_1")


def _doc(meta: str | None) -> str:
    head = f'<meta charset="{meta}">' if meta is not None else ""
    return f"<!doctype html><html lang=\"en\"><head>{head}<title>Shop</title></head><body><p>{ROGUE_TEXT}</p></body></html>"


def _serve(serve: Any, body: bytes, content_type: str) -> str:
    server = serve(None, routes={"/": lambda method, path, headers: (200, {"Content-Type": content_type}, body)})
    return server.url


def _read(url: str) -> Any:
    raw = asyncio.run(fetch_site(url, FetchConfig(max_pages=1)))
    assert raw.error is None, raw.error
    site = parse_site(raw)
    assert site.pages, "the page was not read"
    return site.pages[0]


@pytest.mark.parametrize("label", NEVER)
def test_a_charset_in_the_header_that_is_no_web_encoding_is_ignored(serve: Any, label: str) -> None:
    page = _read(_serve(serve, _doc(None).encode("utf-8"), f"text/html; charset={label}"))
    assert page.encoding == "utf-8" and ROGUE_TEXT in page.text


@pytest.mark.parametrize("label", NEVER)
def test_a_charset_in_a_meta_tag_that_is_no_web_encoding_is_ignored(serve: Any, label: str) -> None:
    page = _read(_serve(serve, _doc(label).encode("utf-8"), "text/html"))
    assert page.encoding == "utf-8" and ROGUE_TEXT in page.text


def test_a_page_in_windows_1252_that_declares_utf7_is_read_as_the_standard_says(serve: Any) -> None:
    """Not UTF-8 and no label honoured: the standard's default, windows-1252."""
    body = _doc("utf-7").replace("pills", "pills \u2013 Caf\u00e9 \u20ac").encode("cp1252")
    page = _read(_serve(serve, body, "text/html; charset=utf-7"))
    assert page.encoding == "cp1252" and "Caf\u00e9 \u20ac" in page.text and "no prescription needed" in page.text


# (label as a page writes it, the Python codec of its WHATWG encoding, a text that encoding writes)
WEB = (
    ("windows-1251", "cp1251", "Аптека без рецепта"),
    ("latin1", "cp1252", "Pharmacie \u20ac 12"),  # iso-8859-1 is windows-1252 on the web: 0x80 is the euro sign
    ("ISO-8859-1", "cp1252", "Apotheke \u201egünstig\u201c"),
    ("us-ascii", "cp1252", "Farmacia \u2013 sin receta"),
    ("gb2312", "gbk", "网上药店"),  # gb2312 is GBK
    ("shift_jis", "cp932", "オンライン薬局"),
    ("euc-kr", "cp949", "온라인 약국"),
    ("koi8-r", "koi8-r", "Аптека"),
    ("iso-8859-2", "iso8859-2", "Apteka bez recepty, tanio: żółć"),
    ("iso-8859-9", "cp1254", "Eczane reçetesiz: şğı"),  # latin5 is windows-1254
    ("tis-620", "cp874", "ร้านขายยา"),  # windows-874
    ("x-user-defined", "cp1252", "Pharmacy"),
    ("utf8", "utf-8", "Pharmacie \u00e0 prix r\u00e9duit"),
    ("unicode-1-1-utf-8", "utf-8", "Pharmacie"),
    ("  UTF-8 ", "utf-8", "Pharmacie"),
)


@pytest.mark.parametrize("where", ("header", "meta"))
@pytest.mark.parametrize("label, codec, text", WEB)
def test_the_standard_s_labels_are_honoured(serve: Any, where: str, label: str, codec: str, text: str) -> None:
    body = _doc(label if where == "meta" else None).replace(ROGUE_TEXT, text).encode(codec)
    page = _read(_serve(serve, body, f"text/html; charset={label}" if where == "header" else "text/html"))
    assert page.encoding == codec and text in page.text


@pytest.mark.parametrize("label", ("iso-2022-kr", "hz-gb-2312", "iso-2022-cn", "replacement"))
def test_the_replacement_labels_are_ignored(serve: Any, label: str) -> None:
    """A browser shows such a page as one U+FFFD; the page is read as if it declared nothing."""
    page = _read(_serve(serve, _doc(label).encode("utf-8"), f"text/html; charset={label}"))
    assert page.encoding == "utf-8" and ROGUE_TEXT in page.text


def test_the_order_is_bom_then_header_then_meta(serve: Any) -> None:
    cyrillic = "Аптека без рецепта"
    # the header beats the meta tag
    body = _doc("iso-8859-5").replace(ROGUE_TEXT, cyrillic).encode("cp1251")
    assert _read(_serve(serve, body, "text/html; charset=windows-1251")).encoding == "cp1251"
    # a header label that is no web encoding gives way to the meta tag
    page = _read(_serve(serve, body, "text/html; charset=cp037"))
    assert page.encoding == "iso8859-5"  # as declared (the bytes were cp1251: what a browser would show too)
    body = _doc("windows-1251").replace(ROGUE_TEXT, cyrillic).encode("cp1251")
    page = _read(_serve(serve, body, "text/html; charset=utf-7"))
    assert page.encoding == "cp1251" and cyrillic in page.text
    # the byte order mark beats both
    body = b"\xef\xbb\xbf" + _doc("windows-1251").replace(ROGUE_TEXT, cyrillic).encode("utf-8")
    page = _read(_serve(serve, body, "text/html; charset=koi8-r"))
    assert page.encoding == "utf-8-sig" and cyrillic in page.text
