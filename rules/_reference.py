"""The reference prices and the names that stand for them, and money amounts (private to the prices rule).

:func:`load_reference` reads the reference price table and the names of the one medicine table
(``rules/data/medicines.json``) that map to its entries, with one expression over those names (a prefix
tree: it scans a text in one pass and prefers the longest name). :func:`parse_amount` reads a money string
with the ``price-parser`` library. Both are read by :mod:`pharmcheck.rules._pricing`, which re-exports them.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache
from typing import Any

from price_parser import Price


def _trie_pattern(words: list[str]) -> str:
    """A regex alternation of ``words`` shaped as a trie: fast to scan, and it prefers the longest word."""
    trie: dict[str, Any] = {}
    for w in words:
        node = trie
        for ch in w:
            node = node.setdefault(ch, {})
        node[""] = {}

    def build(node: dict[str, Any]) -> str:
        end = "" in node
        branches = [re.escape(ch) + build(child) for ch, child in sorted(node.items()) if ch]
        if not branches:
            return ""
        body = branches[0] if len(branches) == 1 else "(?:" + "|".join(branches) + ")"
        return f"(?:{body})?" if end else body

    return build(trie)


@dataclass(frozen=True)
class Reference:
    """The reference price table (rules/data/reference_prices.json) and the lookups built from it."""

    table: dict[str, Any]
    drugs: dict[str, dict[str, Any]]
    alias: dict[str, str]  # lower-case name -> canonical entry, or "?molecule" for an unreferenced name
    generic_entry: dict[str, str]  # molecule -> canonical name of its generic entry
    drug_rx: re.Pattern[str]

    @property
    def source_label(self) -> str:
        return f"Medicare Part D {self.table.get('year')}, CMS"


@lru_cache(maxsize=4)
def load_reference(path: str | None = None) -> Reference:
    """The reference prices and the names that stand for them, from the one medicine table (cached).

    Each name of ``rules/data/medicines.json`` maps to its ``price_entry``, or to ``"?molecule"`` when no
    price is known for it (it is then recognised as a medicine, never compared). ``path`` reads another
    table of the medicine table's shape.
    """
    from pharmcheck.rules import _medicines

    medicines = _medicines.load(path)
    drugs = medicines.raw["prices"]
    table = {**medicines.raw.get("prices_meta", {}), "drugs": drugs}
    alias: dict[str, str] = {}
    generic_entry: dict[str, str] = {}
    for name, entry in sorted(drugs.items()):
        if entry["kind"] == "generic":
            generic_entry.setdefault(entry["generic"], name)
    for med in medicines.medicines.values():
        if med.ambiguous and med.price_entry is None or med.kind == "variant":
            continue  # a made-up variant ("Viagra Soft") is read as its brand plus _VARIANT_AFTER
        alias[med.key] = med.price_entry if med.price_entry in drugs else "?" + med.generic
    drug_rx = re.compile(_trie_pattern(sorted(alias)))
    return Reference(table=table, drugs=drugs, alias=alias, generic_entry=generic_entry, drug_rx=drug_rx)


@lru_cache(maxsize=8192)
def parse_amount(token: str) -> float | None:
    """The amount of a money string such as ``1,299.00`` or ``29,99``, read by price-parser."""
    if len(token) > 40:  # no amount under 100,000 is this long; price-parser is quadratic on a run of digits
        return None
    try:
        amount = Price.fromstring(token).amount_float
    except Exception:  # price-parser on junk: no price; never crash a rule
        return None
    if amount is None or not (0 < amount < 100_000):
        return None
    return amount
