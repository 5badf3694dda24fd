"""The one medicine table: current with its sources, complete, and the only place medicine names live."""

from __future__ import annotations

import ast
import re
import subprocess
import sys
from pathlib import Path

import pytest

from pharmcheck.rules import _drugs, _medicines
from pharmcheck.rules._pricing import load_reference

REPO = Path(__file__).resolve().parent.parent
TABLE = _medicines.load()
NAMES = {m.key for m in TABLE.medicines.values()}
SPAM_BRANDS = ("Sildalist Kamagra Cenforce Vidalista Fildena Malegra Suhagra Tadalista Modalert Modvigil Waklert "
               "Artvigil Tadarise Aurogra Zhewitra Aspadol Etizest Iverheal").split()


def test_committed_table_is_what_the_sources_build():
    proc = subprocess.run([sys.executable, str(REPO / "tools" / "build_medicines.py"), "--check"], capture_output=True, text=True)
    assert proc.returncode == 0, proc.stdout + proc.stderr


@pytest.mark.parametrize("brand", SPAM_BRANDS)
def test_spam_brands_are_known_and_not_authorised_anywhere(brand):
    med = _medicines.lookup(brand)
    assert med is not None, brand
    assert med.unauthorised and med.kind == "foreign-brand"


@pytest.mark.parametrize(
    ("name", "schedule"),
    [("tramadol", "IV"), ("oxycodone", "II"), ("pregabalin", "V"), ("alprazolam", "IV"), ("testosterone cypionate", "III"),
     ("modafinil", "IV"), ("Aspadol", "II"), ("sildenafil", None), ("Percocet", "II")],
)
def test_us_schedules(name, schedule):
    assert _medicines.lookup(name).us_schedule == schedule


def test_statuses_of_products_differ_from_their_ingredient():
    assert _medicines.lookup("Viagra Connect").status_in("uk") == _medicines.PHARMACY
    assert _medicines.lookup("Viagra").status_in("uk") == _medicines.RX
    assert _medicines.lookup("ibuprofen").prescription_only is False
    assert _medicines.lookup("Super P-Force").ingredients == ("sildenafil", "dapoxetine")


def test_every_name_resolves_and_every_price_entry_exists():
    for med in TABLE.medicines.values():
        assert med.ingredients and all(s in _medicines.STATUSES for _r, s in med.status), med.key
        assert med.price_entry is None or med.price_entry in TABLE.prices, med.key


def test_the_rules_vocabularies_come_from_the_table():
    assert all(name.lower() in NAMES for name in (d.name for d in _drugs.DRUGS.values()))
    ref = load_reference()
    assert set(ref.alias) <= NAMES


# Words that look like medicine names: the stems of generic names (INN suffixes) and the brands above.
_STEMS = re.compile(
    r"\b[a-z]{3,}(?:afil|azepam|azolam|codone|morphone|pril|sartan|statin|olol|prazole|mycin|cillin|floxacin|"
    r"triptan|gliptin|gliflozin|glutide|tadine|barbital|dronate|setron|tidine|oxetine|apine|idone|semide)\b"
)


def _literals(path: Path) -> list[str]:
    tree = ast.parse(path.read_text(encoding="utf-8"))
    out = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Constant) and isinstance(node.value, str):
            out.append(node.value)
    docstrings = set()
    for node in ast.walk(tree):
        if isinstance(node, (ast.Module, ast.FunctionDef, ast.ClassDef, ast.AsyncFunctionDef)):
            doc = ast.get_docstring(node, clean=False)
            if doc:
                docstrings.add(doc)
    return [s for s in out if s not in docstrings]


def test_no_rule_knows_a_medicine_name_the_table_does_not():
    """Code and lexicons hold no list of medicines of their own: every medicine-like word in the rules'
    strings (docstrings aside) and in the lexicons is a name of the table."""
    words = set(NAMES) | {i for m in TABLE.medicines.values() for i in m.ingredients}
    unknown = {}
    files = [*(REPO / "rules").glob("*.py"), *(REPO / "pharmcheck").glob("*.py")]
    for path in files:
        if path.name == "_medicines.py":
            continue
        for text in _literals(path):
            for word in _STEMS.findall(text.lower()):
                if word not in words:
                    unknown.setdefault(path.name, set()).add(word)
    for path in (REPO / "rules" / "lexicon").glob("*.json"):
        text = path.read_text(encoding="utf-8").lower()
        for word in _STEMS.findall(text):
            if word not in words:
                unknown.setdefault(path.name, set()).add(word)
        for brand in SPAM_BRANDS + ["viagra", "cialis", "xanax", "valium"]:
            assert brand.lower() not in text, f"{path.name} names a medicine: {brand}"
    assert not unknown, unknown
