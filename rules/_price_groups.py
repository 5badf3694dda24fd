"""Turning a group of tokens into offers: the drug a group is for, its strength, and how its prices and
quantities pair into a pack price and a unit price (private to :mod:`pharmcheck.rules._pricing`, whose
walk over a page's tokens calls :func:`_finish` for each group).
"""

from __future__ import annotations

from pharmcheck.rules._pricing import (
    _MASS_MG,
    _VARIANT_AFTER,
    DRUG_CONTEXT_CHARS,
    DRUG_CONTEXT_LINES,
    MAX_QUANTITY,
    PAIR_TOLERANCE,
    USD_PER_UNIT,
    Offer,
    _Group,
)
from pharmcheck.rules._reference import Reference


def _resolve_drug(ref: Reference, low: str, target: str, s: int, e: int) -> tuple[str, str | None, str | None]:
    """The entry a name stands for here: (target, kind override, variant). A brand name next to the word
    "generic", or with a made-up variant ("Viagra Soft"), stands for a generic of its molecule."""
    variant_m = _VARIANT_AFTER.match(low, e)
    variant = variant_m.group(0).strip() if variant_m else None
    if target[0] == "?":
        return target, None, variant
    entry = ref.drugs[target]
    if entry["kind"] == "brand" and (variant or "generic" in low[max(0, s - 12) : e + 12]):
        generic = ref.generic_entry.get(entry["generic"])
        return (generic if generic else "?" + entry["generic"]), "generic", variant
    return target, None, variant


def _molecule(ref: Reference, target: str) -> str:
    return target[1:] if target[0] == "?" else ref.drugs[target]["generic"]


def _int(text: str) -> int | None:
    try:
        value = int(text)
    except ValueError:
        return None
    return value if 0 < value <= MAX_QUANTITY else None


def _strength_mg(num: str, mass: str) -> float | None:
    try:
        value = float(num.replace(",", "."))
    except ValueError:
        return None
    return round(value * _MASS_MG.get(mass, 1.0), 4)


def _finish(
    ref: Reference,
    text: str,
    url: str,
    g: _Group,
    drug: tuple[str, str, str | None, str | None, int, int, int] | None,
    strength: float | None,
    title_drug: tuple[str, str] | None,
    starts: list[int],
    out: list[Offer],
) -> None:
    """Turn one group of tokens into an :class:`Offer` appended to ``out``, when it makes one."""
    qty = g.quantity
    unit = total = None
    totals = []
    old_price = None
    for p in g.prices:
        if p[5]:
            old_price = p[0] if old_price is None else max(old_price, p[0])
        elif p[4]:
            if unit is None:
                unit = p
        else:
            totals.append(p)
    if qty and totals:
        if len(totals) == 1:
            total = totals[0]
        else:
            pair = _unit_total_pair(totals, qty)
            if pair is not None:
                unit = unit or pair[0]
                total = pair[1]
            else:
                # an old and a new price, or one price in several currencies: the highest, to be safe
                total = max(totals, key=lambda p: p[0] * USD_PER_UNIT.get(p[1], 0.0))
    if total is not None:
        currency, price, unit_price, stated = total[1], total[0], total[0] / qty, False
    elif unit is not None:
        currency, price, unit_price, stated = unit[1], unit[0], unit[0], True
    elif totals:
        currency, price, unit_price, stated = totals[0][1], totals[0][0], None, False
    else:
        return
    rate = USD_PER_UNIT.get(currency)
    if rate is None:
        return

    # Which drug: the one named recently above, else the page title's.
    target = name = override = variant = None
    line = g.line
    quote_start = starts[line] if g.start - starts[line] <= 40 else g.start  # keep the row's label
    if drug is not None and line - drug[6] <= DRUG_CONTEXT_LINES and g.start - drug[5] <= DRUG_CONTEXT_CHARS:
        target, name, override, variant = drug[0], drug[1], drug[2], drug[3]
        if drug[6] == line or (line - drug[6] <= 3 and g.start - drug[4] <= 160):
            quote_start = drug[4]  # the name is in the row: "Viagra 100 mg | erectile dysfunction | $0.89"
    elif title_drug is not None:
        target, name = title_drug
    end = g.prices[-1][3]  # prices are in page order
    entry = ref.drugs.get(target) if target and target[0] != "?" else None
    out.append(
        Offer(
            url=url,
            quote=text[quote_start:end],
            start=quote_start,
            end=end,
            drug=target if entry else None,
            name=name,
            kind=(override or entry["kind"]) if entry else ("generic" if override else None),
            molecule=entry["generic"] if entry else (target[1:] if target else None),
            variant=variant,
            strength_mg=strength if target else None,
            quantity=qty,
            price=price,
            currency=currency,
            unit_price=unit_price,
            unit_price_usd=unit_price * rate if unit_price is not None else None,
            unit_price_stated=stated,
            old_price=old_price,
        )
    )


def _unit_total_pair(prices: list[tuple], qty: int) -> tuple[tuple, tuple] | None:
    """Among the prices of one quantity, a (unit, pack) pair with unit x quantity ~ pack."""
    if qty < 2:
        return None
    for small in prices:
        for big in prices:
            if big is small or big[1] != small[1] or big[0] <= small[0]:
                continue
            if abs(small[0] * qty - big[0]) <= PAIR_TOLERANCE * big[0]:
                return small, big
    return None
