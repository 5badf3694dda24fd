"""Decoding a page's bytes to text.

A page that declares ``<meta charset="utf-16">`` (or utf-32) while being ASCII would be decoded as garbage,
hiding its text from every rule. A page never picks utf-16/utf-32 for itself: only a byte order mark, which
the bytes themselves carry, selects those encodings. Only the encodings a web page may declare (WHATWG) are
honoured: cp037 (EBCDIC) would blind the rules, punycode is no text encoding at all.
"""

from __future__ import annotations

import codecs
import re

import webencodings


_UNICODE_WIDE = ("utf-16", "utf-16-le", "utf-16-be", "utf-32", "utf-32-le", "utf-32-be")
_META_CHARSET = re.compile(rb"""<meta[^>]{0,200}?charset\s*=\s*["']?\s*([A-Za-z0-9_.:-]{1,40})""", re.I)
_BOMS = (
    (codecs.BOM_UTF32_LE, "utf-32"),
    (codecs.BOM_UTF32_BE, "utf-32"),
    (codecs.BOM_UTF8, "utf-8-sig"),
    (codecs.BOM_UTF16_LE, "utf-16"),
    (codecs.BOM_UTF16_BE, "utf-16"),
)


# A page's declared charset is read as a label of the WHATWG Encoding Standard, the table browsers use
# (the ``webencodings`` package implements it): "latin1", "iso-8859-1" and "ascii" are windows-1252,
# "gb2312" is GBK, "euc-kr" is windows-949, as in a browser. Python knows many more codecs (cp037 is EBCDIC;
# utf-7, punycode, idna, rot13, base64 and zlib are no web encodings, and some are no text encodings at
# all): a page that declares one of those would blind every rule or crash the decoder, so any label not in
# the standard is ignored. The standard's "replacement" labels (iso-2022-kr, hz-gb-2312, ...) show a browser
# one U+FFFD: ignored too, the page is read as if it declared nothing. "x-user-defined" is windows-1252 (its
# ASCII half is ASCII, its other half private-use characters nobody reads), as a <meta> of it is in HTML.
_LATER_LABELS = {"unicode11utf8": "utf-8", "unicode20utf8": "utf-8", "x-unicode20utf8": "utf-8"}  # added to the standard after webencodings' table


def _codec(name: str | None) -> str | None:
    """The Python codec of a WHATWG encoding label (None: not a label of the standard)."""
    if not name:
        return None
    label = name.strip("\t\n\f\r \"'")
    encoding = webencodings.lookup(_LATER_LABELS.get(label.lower(), label))
    if encoding is None or encoding.name == "replacement":
        return None
    if encoding.name == "x-user-defined":
        return "cp1252"
    return codecs.lookup(encoding.codec_info.name).name


def decode_html(body: bytes, content_type: str | None = None) -> tuple[str, str]:
    """Decode a page's bytes to text; returns (text, encoding used).

    Order: a byte order mark; the charset of the Content-Type header; a <meta> charset in the first
    4 KB; UTF-8; Windows-1252. A declared utf-16/utf-32 without its byte order mark is ignored.
    """
    for bom, name in _BOMS:
        if body.startswith(bom):
            return body.decode(name, errors="replace"), name
    candidates: list[str] = []
    if content_type:
        m = re.search(r"charset\s*=\s*([^;\s]+)", content_type, re.I)
        if m:
            candidates.append(m.group(1))
    m = _META_CHARSET.search(body[:4096])
    if m:
        candidates.append(m.group(1).decode("ascii", "replace"))
    for cand in candidates:
        name = _codec(cand)
        if name is None or name.replace("_", "-") in _UNICODE_WIDE or name.startswith(("utf-16", "utf-32")):
            continue
        try:
            return body.decode(name), name
        except (UnicodeDecodeError, LookupError):
            continue
    try:
        return body.decode("utf-8"), "utf-8"
    except UnicodeDecodeError:
        return body.decode("cp1252", errors="replace"), "cp1252"


