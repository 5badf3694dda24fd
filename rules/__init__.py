"""The rules: one module per signal, each a pure function of the gathered site.

Shipped inside the wheel as ``pharmcheck.rules`` (the folder ``rules/`` at the top of the repository);
always import it under that name. The registry is explicit: a rule exists when it is listed here.
Rule IDs are stable and never reused.
"""

from __future__ import annotations

import importlib
from types import ModuleType

# The gate first: is this an online pharmacy at all? Then the signals, in the order a report shows them.
RULE_MODULES: tuple[str, ...] = (
    "online_pharmacy",
    "prescription",
    "https",
    "contact",
    "pharmacist",
    "prices",
    "cross_border",
    "medicines",
)
GATE = "online-pharmacy"


class UnknownRule(KeyError):
    pass


def load_rules() -> list[ModuleType]:
    return [importlib.import_module(f"{__name__}.{name}") for name in RULE_MODULES]


def get_rule(rule_id: str) -> ModuleType:
    for module in load_rules():
        if module.ID == rule_id or module.__name__.rsplit(".", 1)[-1] == rule_id:
            return module
    known = ", ".join(m.ID for m in load_rules())
    raise UnknownRule(f"unknown rule {rule_id!r} (known rules: {known})")


def gate_answer(site):  # -> _gate_signals.Detection
    """Is the site an online pharmacy? The gate's typed answer, computed once per site."""
    from pharmcheck.rules import _gate_signals

    return _gate_signals.detect(site)
