"""The prescription-drug vocabulary and where its names are (private to the rules; see rules/_drugs.py).

:data:`DRUGS` are the prescription-only names of the one medicine table (:mod:`pharmcheck.rules._medicines`,
``rules/data/medicines.json``), each a :class:`Drug` with its generic name and whether it is a controlled
substance: a view of the table, never a list of its own. Names the table marks ambiguous (``Soma``,
``Cipro``, ``Norco``) are left to the structured offers of :mod:`pharmcheck.facts`. The names are found by
the one medicine scan of a page (:func:`pharmcheck.rules._medicines.page_mentions`), kept where they name
a drug: :func:`page_drugs` for a page, :func:`find_drugs` for a short text (a title, a link).
"""

from __future__ import annotations

import re
import weakref
from dataclasses import dataclass
from typing import Iterator, NamedTuple

from pharmcheck.rules._medicines import _key  # how a name is looked up: the medicine table's own key
from pharmcheck.site import Page

# ----------------------------------------------------------------------------------------------
# The vocabulary: the prescription-only names of the one medicine table (rules/_medicines.py). Names
# marked ambiguous there ("Soma", "Cipro") are left to the structured offers of pharmcheck.facts, which
# count them only beside a strength, a price or a cart control.

@dataclass(frozen=True)
class Drug:
    name: str  # the name as listed (brand or generic)
    generic: str
    controlled: bool  # a controlled substance (opioid, benzodiazepine, stimulant, anabolic steroid, ...)
    group: str


def _load() -> dict[str, Drug]:
    from pharmcheck.rules import _medicines

    drugs: dict[str, Drug] = {}
    for med in _medicines.table().medicines.values():
        if med.ambiguous or not med.prescription_only or med.sold_without_prescription_in(("us", "uk")):
            continue  # a name also sold over the counter in the US or the UK says nothing of a pharmacy
        drugs[_key(med.name)] = Drug(name=med.name, generic=med.generic, controlled=med.controlled, group=med.group)
    return drugs


DRUGS: dict[str, Drug] = _load()
"""Every name (looked up by :func:`lookup`) -> :class:`Drug`."""


_BY_LOWER: dict[str, Drug] = {d.name.lower(): d for d in DRUGS.values()}


def lookup(name: str) -> Drug | None:
    """The :class:`Drug` for a name as written on a page ("VIAGRA", "Retin A"), or None."""
    return _BY_LOWER.get(name.lower()) or DRUGS.get(_key(name))


# Finding drug names: the one medicine matcher's scan (rules/_medicines.py: every name of the table, the
# longest first), kept where the name is a prescription drug of DRUGS. A longer name that is no such drug
# ("Viagra Connect", sold by UK pharmacists without a prescription) still names the drug it begins with
# when its first words are one ("Viagra"): the name is read as the prescription-only vocabulary reads it.

class Span(NamedTuple):
    """Where a drug name is in a text; ``start()``, ``end()`` and ``group()`` as a match has them."""

    lo: int
    hi: int
    text: str

    def start(self) -> int:
        return self.lo

    def end(self) -> int:
        return self.hi

    def group(self, _index: int = 0) -> str:
        return self.text


def _drug_in(text: str, start: int, end: int) -> tuple[int, Drug] | None:
    """The drug named by ``text[start:end]`` (a medicine's name): the name itself, else its longest
    beginning that ends a word and is a drug name. Returns (end of the drug's name, drug)."""
    name = text[start:end]
    drug = lookup(name)
    if drug is not None:
        return end, drug
    for i in range(len(name) - 1, 0, -1):
        if name[i] in " -/" and name[i - 1] not in " -/":
            drug = lookup(name[:i])
            if drug is not None:
                return start + i, drug
    return None


def _drug_spans(mentions) -> Iterator[tuple[int, int, Drug]]:
    for m in mentions:
        found = _drug_in(m.name, 0, m.end - m.start) if m.medicine.key not in _KEYS else (m.end - m.start, _KEYS[m.medicine.key])
        if found is not None:
            yield m.start, m.start + found[0], found[1]


def _by_key() -> dict[str, Drug]:
    from pharmcheck.rules import _medicines

    out: dict[str, Drug] = {}
    for key, med in _medicines.table().medicines.items():
        drug = DRUGS.get(key)
        if drug is not None:
            out[med.key] = drug
    return out


_KEYS: dict[str, Drug] = _by_key()  # a medicine's table key -> its Drug, for the names that are drugs


def find_drugs(text: str, pos: int = 0, endpos: int | None = None) -> Iterator[tuple[Span, Drug]]:
    """Every drug name in a short ``text`` (a title, a link), with its :class:`Drug`. For a page: :func:`page_drugs`."""
    from pharmcheck.rules import _medicines

    for lo, hi, drug in _drug_spans(_medicines.find_in(text, None, pos, endpos)):
        yield Span(lo, hi, text[lo:hi]), drug


def mark_drugs(text: str, word: str) -> str:
    """``text`` with each drug name replaced by ``word`` ("works better than DRUG")."""
    out: list[str] = []
    last = 0
    for m, _drug in find_drugs(text):
        out.append(text[last : m.start()])
        out.append(word)
        last = m.end()
    if not out:
        return text
    out.append(text[last:])
    return "".join(out)


# Most link texts and addresses name no drug: their words are intersected with the first words of the
# names first (their bytes, translated by _scan._NOT_WORD).
_FIRST_WORDS = frozenset(re.split(r"[\s\-/]+", d.name.lower())[0].encode() for d in DRUGS.values())
_GENERICS_BY_WORD: dict[str, frozenset[str]] = {}
for _d in DRUGS.values():
    _w = re.split(r"[\s\-/]+", _d.name.lower())[0]
    _GENERICS_BY_WORD[_w] = _GENERICS_BY_WORD.get(_w, frozenset()) | {_d.generic}


class Mention(NamedTuple):
    start: int
    end: int
    name: str  # as written on the page
    drug: Drug


_MENTIONS: "weakref.WeakKeyDictionary[Page, list[Mention]]" = weakref.WeakKeyDictionary()


def page_drugs(page: Page) -> list[Mention]:
    """Every drug name in ``page.text``, in order: the page's one medicine scan, kept where it names a drug."""
    cached = _MENTIONS.get(page)
    if cached is not None:
        return cached
    from pharmcheck.rules import _medicines

    text = page.text
    out = [Mention(lo, hi, text[lo:hi], drug) for lo, hi, drug in _drug_spans(_medicines.page_mentions(page))]
    _MENTIONS[page] = out
    return out


