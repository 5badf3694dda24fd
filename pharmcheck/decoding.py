"""Decoding a page's bytes to text.

A page that declares ``<meta charset="utf-16">`` (or utf-32) while being ASCII would be decoded as garbage,
hiding its text from every rule. A page never picks utf-16/utf-32 for itself: only a byte order mark, which
the bytes themselves carry, selects those encodings. Only the encodings a web page may declare (WHATWG) are
honoured: cp037 (EBCDIC) would blind the rules, punycode is no text encoding at all.
"""

from __future__ import annotations

import codecs
import re


_UNICODE_WIDE = ("utf-16", "utf-16-le", "utf-16-be", "utf-32", "utf-32-le", "utf-32-be")
_META_CHARSET = re.compile(rb"""<meta[^>]{0,200}?charset\s*=\s*["']?\s*([A-Za-z0-9_.:-]{1,40})""", re.I)
_BOMS = (
    (codecs.BOM_UTF32_LE, "utf-32"),
    (codecs.BOM_UTF32_BE, "utf-32"),
    (codecs.BOM_UTF8, "utf-8-sig"),
    (codecs.BOM_UTF16_LE, "utf-16"),
    (codecs.BOM_UTF16_BE, "utf-16"),
)


# The encodings a web page may declare (the WHATWG Encoding Standard's, as Python names them). Python knows
# many more (cp037 is EBCDIC, punycode and rot13 are not text encodings at all): a page that declares one of
# those would blind every rule or crash the decoder, so the declaration is ignored.
_WEB_CODECS = frozenset(
    "utf-8 ibm866 iso8859-2 iso8859-3 iso8859-4 iso8859-5 iso8859-6 iso8859-7 iso8859-8 iso8859-10 iso8859-13 "
    "iso8859-14 iso8859-15 iso8859-16 koi8-r koi8-u mac-roman mac-cyrillic cp874 cp1250 cp1251 cp1252 cp1253 "
    "cp1254 cp1255 cp1256 cp1257 cp1258 gbk gb18030 big5 big5hkscs euc_jp iso2022_jp shift_jis cp932 euc_kr "
    "cp949 latin-1 iso8859-1 tis-620 iso8859-11 gb2312 utf-16-le utf-16-be utf-16".split()
)


def _codec(name: str | None) -> str | None:
    if not name:
        return None
    try:
        found = codecs.lookup(name.strip().strip("\"'")).name
    except LookupError:
        return None
    return found if found in _WEB_CODECS else None


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


