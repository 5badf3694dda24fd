"""The one medicine table: current with its sources, complete, and the only place medicine names live."""

from __future__ import annotations

import ast
import importlib.util
import json
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from pharmcheck.rules import _drugs, _medicines
from pharmcheck.rules._pricing import load_reference

REPO = Path(__file__).resolve().parent.parent
SOURCE_DIR = REPO / "tools" / "medicines"
RAW = json.loads((REPO / "rules" / "data" / "medicines.json").read_text(encoding="utf-8"))
REFERENCE = json.loads((REPO / "rules" / "data" / "reference_prices.json").read_text(encoding="utf-8"))
TABLE = _medicines.load()
NAMES = {m.key for m in TABLE.medicines.values()}
STATUSES = {"rx", "pharmacy", "general-sale", "not-authorised"}
REGIONS = ("us", "uk", "eu", "ca")

# The brands rogue shops sell that have no marketing authorisation in the US, the UK, the EU or Canada.
SPAM_BRANDS = [
    "Kamagra", "Kamagra Oral Jelly", "Kamagra Gold", "Super Kamagra", "Kamagra Polo", "Kamagra Effervescent",
    "Sildalist", "Cenforce", "Vidalista", "Fildena", "Malegra", "Suhagra", "Tadalista", "Tadarise", "Tadacip",
    "Tadapox", "Super P-Force", "Avana", "Extra Super Avana", "Aurogra", "Penegra", "Silagra", "Zenegra", "Caverta",
    "Eriacta", "Filagra", "Lovegra", "Sextreme", "Vilitra", "Filitra", "Valif", "Zhewitra", "Snovitra", "Apcalis",
    "Tadora", "Poxet", "Duratia", "Modalert", "Modvigil", "Waklert", "Artvigil", "Armod", "Modafil", "Provake",
    "Aspadol", "Tapal", "Tydol", "Etizest", "Etilaam", "Alprax", "Restyl", "Trika", "Zolfresh", "Nitrest", "Lonazep",
    "Iverheal", "Ivecop", "HCQS", "Isotroin", "Finpecia", "Finax", "Fempro",
]
# Made-up products named after real brands.
VARIANTS = ["Viagra Soft", "Cialis Professional", "Viagra Super Active", "Levitra Oral Jelly"]


def _raw(name: str) -> dict:
    entry = RAW["names"].get(name.lower())
    assert entry is not None, f"{name!r} is not a name of medicines.json"
    return entry


def _legacy_names() -> list[str]:
    """The names of rules/_drugs.py's old vocabulary (a snapshot kept beside the sources)."""
    names = []
    for line in (SOURCE_DIR / "legacy_drugs_table.txt").read_text(encoding="utf-8").splitlines():
        if line.strip() and not line.startswith("#"):
            names += [n.strip() for n in line.split("|")[3].split(",")]
    return names


def _builder():
    spec = importlib.util.spec_from_file_location("build_medicines", REPO / "tools" / "build_medicines.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


# -- the file is what its sources build ---------------------------------------------------------------

def test_committed_table_is_what_the_sources_build():
    proc = subprocess.run([sys.executable, str(REPO / "tools" / "build_medicines.py"), "--check"], capture_output=True, text=True)
    assert proc.returncode == 0, proc.stdout + proc.stderr


def test_the_output_is_deterministic_and_sorted():
    builder = _builder()
    text = builder.render(builder.build())
    assert text == builder.render(builder.build())
    assert text == (REPO / "rules" / "data" / "medicines.json").read_text(encoding="utf-8")
    assert list(RAW["names"]) == sorted(RAW["names"]) and list(RAW["ingredients"]) == sorted(RAW["ingredients"])
    assert RAW["schema_version"] == 1 and RAW["generated_by"] == "tools/build_medicines.py"


def _copy_sources(tmp_path: Path) -> Path:
    folder = tmp_path / "medicines"
    shutil.copytree(SOURCE_DIR, folder)
    return folder


def _edit(path: Path, old: str, new: str) -> None:
    text = path.read_text(encoding="utf-8")
    assert old in text
    path.write_text(text.replace(old, new, 1), encoding="utf-8")


@pytest.mark.parametrize(
    ("file", "old", "new", "error"),
    [
        ("names.tsv", "Kamagra\tsildenafil\t", "Kamagra\tsildenafill\t", "unknown ingredient 'sildenafill'"),
        ("names.tsv", "Kamagra\tsildenafil\tforeign-brand\tus:not-authorised", "Kamagra\tsildenafil\tforeign-brand\tus:banned",
         "bad status override 'us:banned'"),
        ("names.tsv", "Kamagra\tsildenafil\t", "Viagra\tsildenafil\t", "name listed twice: Viagra"),
        ("ingredients.tsv", "tramadol\topioid\trx\t", "tramadol\topioid\tprescription\t", "unknown status 'prescription'"),
        ("ingredients.tsv", "\tIV\tC\t", "\t4\tC\t", "unknown US schedule '4'"),
        ("names.tsv", "fda-drugs", "fda-drugz", "unknown sources"),
    ],
)
def test_the_generator_refuses_bad_sources(tmp_path, file, old, new, error):
    builder = _builder()
    folder = _copy_sources(tmp_path)
    _edit(folder / file, old, new)
    with pytest.raises(builder.BuildError, match=re.escape(error)):
        builder.build(folder)


def test_the_generator_refuses_a_price_alias_without_a_name(tmp_path):
    builder = _builder()
    folder = _copy_sources(tmp_path)
    lines = (folder / "names.tsv").read_text(encoding="utf-8").splitlines(keepends=True)
    (folder / "names.tsv").write_text("".join(l for l in lines if not l.startswith("Cenforce\t")), encoding="utf-8")
    with pytest.raises(builder.BuildError, match="price aliases with no name in names.tsv: cenforce"):
        builder.build(folder)


# -- complete: both old vocabularies are in it --------------------------------------------------------

def test_every_name_of_the_old_vocabulary_is_a_name():
    legacy = _legacy_names()
    assert len(legacy) == 426
    missing = [n for n in legacy if n.lower() not in RAW["names"]]
    assert not missing, missing


def test_every_drugs_name_is_a_name():
    missing = [d.name for d in _drugs.DRUGS.values() if d.name.lower() not in RAW["names"]]
    assert not missing, missing


def test_every_reference_alias_is_a_name_with_its_entry():
    owners = {alias: key for key, entry in REFERENCE["drugs"].items() for alias in entry["aliases"]}
    assert len(owners) > 200
    wrong = {a: (RAW["names"].get(a) or {}).get("price_entry") for a, key in owners.items()
             if (RAW["names"].get(a) or {}).get("price_entry") != key}
    assert not wrong, wrong
    assert set(load_reference().alias) <= NAMES


def test_the_prices_are_copied_without_aliases():
    assert set(RAW["prices"]) == set(REFERENCE["drugs"])
    for key, entry in REFERENCE["drugs"].items():
        assert RAW["prices"][key] == {k: v for k, v in entry.items() if k != "aliases"}, key
    for field in ("title", "source", "method", "caveats", "year"):
        assert RAW["prices_meta"][field] == REFERENCE[field]


# -- consistent ---------------------------------------------------------------------------------------

def test_every_name_resolves_and_every_price_entry_exists():
    for key, entry in RAW["names"].items():
        assert key == " ".join(key.lower().split()), key
        assert entry["ingredients"] and all(i in RAW["ingredients"] for i in entry["ingredients"]), key
        assert set(entry["status"]) == set(REGIONS) and set(entry["status"].values()) <= STATUSES, key
        assert entry["kind"] in ("generic", "brand", "foreign-brand", "variant"), key
        assert entry["us_schedule"] in (None, "I", "II", "III", "IV", "V"), key
        assert entry["uk_controlled"] in (None, "A", "B", "C"), key
        assert entry["price_entry"] is None or entry["price_entry"] in RAW["prices"], key
        assert entry["group"], key
    for key, entry in RAW["ingredients"].items():
        assert set(entry["status"]) == set(REGIONS) and set(entry["status"].values()) <= STATUSES, key
        assert entry["sources"] and set(entry["sources"]) <= {s["id"] for s in RAW["sources"]}, key
    for med in TABLE.medicines.values():
        assert med.ingredients and all(s in _medicines.STATUSES for _r, s in med.status), med.key


def test_a_generic_name_is_never_compared_with_a_brand_price():
    for key, entry in RAW["names"].items():
        if entry["kind"] == "generic" and entry["price_entry"]:
            assert RAW["prices"][entry["price_entry"]]["kind"] == "generic", key


# -- the foreign brands and made-up variants ----------------------------------------------------------

@pytest.mark.parametrize("brand", SPAM_BRANDS)
def test_spam_brands_are_known_and_not_authorised_anywhere(brand):
    entry = _raw(brand)
    assert entry["kind"] == "foreign-brand", brand
    assert entry["status"] == dict.fromkeys(REGIONS, "not-authorised"), brand
    med = _medicines.lookup(brand)
    assert med is not None and med.unauthorised and med.kind == "foreign-brand"


@pytest.mark.parametrize("variant", VARIANTS)
def test_made_up_variants_are_not_authorised_anywhere(variant):
    entry = _raw(variant)
    assert entry["kind"] == "variant" and entry["status"] == dict.fromkeys(REGIONS, "not-authorised")


def test_at_least_eighty_foreign_brands():
    assert sum(e["kind"] == "foreign-brand" for e in RAW["names"].values()) >= 80


@pytest.mark.parametrize(
    ("name", "ingredients"),
    [("Sildalist", ["sildenafil", "tadalafil"]), ("Super P-Force", ["sildenafil", "dapoxetine"]),
     ("Tadapox", ["tadalafil", "dapoxetine"]), ("Extra Super Avana", ["avanafil", "dapoxetine"]),
     ("Super Kamagra", ["sildenafil", "dapoxetine"]), ("Aspadol", ["tapentadol"]), ("Etizest", ["etizolam"]),
     ("Waklert", ["armodafinil"]), ("Fempro", ["letrozole"]), ("HCQS", ["hydroxychloroquine"])],
)
def test_foreign_brands_have_their_active_ingredients(name, ingredients):
    assert _raw(name)["ingredients"] == ingredients


# -- statuses, schedules, classes ---------------------------------------------------------------------

@pytest.mark.parametrize(
    ("name", "schedule"),
    [("tramadol", "IV"), ("oxycodone", "II"), ("pregabalin", "V"), ("alprazolam", "IV"), ("testosterone cypionate", "III"),
     ("sildenafil", None), ("modafinil", "IV"), ("armodafinil", "IV"), ("carisoprodol", "IV"), ("lacosamide", "V"),
     ("phentermine", "IV"), ("zolpidem", "IV"), ("zopiclone", "IV"), ("eszopiclone", "IV"), ("zaleplon", "IV"),
     ("hydrocodone", "II"), ("fentanyl", "II"), ("morphine", "II"), ("methylphenidate", "II"), ("Adderall", "II"),
     ("lisdexamfetamine", "II"), ("buprenorphine", "III"), ("Suboxone", "III"), ("tapentadol", "II"), ("Aspadol", "II"),
     ("dronabinol", "III"), ("gabapentin", None), ("Percocet", "II"), ("Ultracet", "IV"),
     # combinations that differ from their strictest ingredient
     ("codeine", "II"), ("co-codamol", "III"), ("Tylenol with Codeine", "III"), ("promethazine with codeine", "V"),
     ("Fioricet", None), ("Fiorinal", "III")],
)
def test_us_schedules(name, schedule):
    assert _raw(name)["us_schedule"] == schedule
    assert _medicines.lookup(name).us_schedule == schedule


@pytest.mark.parametrize(
    ("name", "uk_class"),
    [("oxycodone", "A"), ("tapentadol", "A"), ("codeine", "B"), ("methylphenidate", "B"), ("tramadol", "C"),
     ("diazepam", "C"), ("pregabalin", "C"), ("gabapentin", "C"), ("testosterone cypionate", "C"), ("modafinil", None),
     ("sildenafil", None)],
)
def test_uk_classes(name, uk_class):
    assert _raw(name)["uk_controlled"] == uk_class


def test_statuses_of_products_differ_from_their_ingredient():
    assert _medicines.lookup("Viagra Connect").status_in("uk") == _medicines.PHARMACY
    assert _medicines.lookup("Viagra").status_in("uk") == _medicines.RX
    assert RAW["ingredients"]["sildenafil"]["status"] == dict.fromkeys(REGIONS, "rx")
    assert _medicines.lookup("ibuprofen").prescription_only is False
    assert _medicines.lookup("Super P-Force").ingredients == ("sildenafil", "dapoxetine")


@pytest.mark.parametrize(
    ("name", "region", "status"),
    [("naloxone", "us", "general-sale"), ("Narcan", "us", "general-sale"), ("naloxone", "uk", "rx"),
     ("ibuprofen", "us", "general-sale"), ("acetaminophen", "us", "general-sale"), ("paracetamol", "uk", "general-sale"),
     ("loratadine", "us", "general-sale"), ("cetirizine", "uk", "general-sale"), ("omeprazole", "uk", "pharmacy"),
     ("Alli", "uk", "pharmacy"), ("Xenical", "uk", "rx"), ("minoxidil", "us", "general-sale"),
     ("co-codamol", "uk", "pharmacy"), ("sibutramine", "us", "not-authorised"), ("Reductil", "uk", "not-authorised"),
     ("etizolam", "us", "not-authorised"), ("etizolam", "uk", "not-authorised"), ("phenazepam", "eu", "not-authorised"),
     ("flunitrazepam", "us", "not-authorised"), ("dapoxetine", "us", "not-authorised"), ("phentermine", "uk", "not-authorised"),
     ("zopiclone", "us", "not-authorised"), ("carisoprodol", "uk", "not-authorised"), ("Soma", "us", "rx")],
)
def test_statuses(name, region, status):
    assert _raw(name)["status"][region] == status


# -- the disagreements between the two old vocabularies, resolved ------------------------------------

def test_disagreements_resolved():
    assert _raw("Adderall")["ingredients"] == ["amphetamine", "dextroamphetamine"]
    assert _raw("Percocet")["ingredients"] == ["oxycodone", "acetaminophen"]
    assert _raw("Vicodin")["ingredients"] == ["hydrocodone", "acetaminophen"]
    assert _raw("Stromectol")["ingredients"] == ["ivermectin"]
    assert _raw("hydrocodone")["ingredients"] == ["hydrocodone"]
    assert _raw("hydrocodone")["price_entry"] == "hydrocodone-acetaminophen"
    # and the old vocabulary's own slips
    assert _raw("Dexedrine")["ingredients"] == ["dextroamphetamine"]
    assert _raw("Loestrin")["ingredients"] == ["norethisterone", "ethinylestradiol"]
    assert _raw("Suboxone")["ingredients"] == ["buprenorphine", "naloxone"]
    assert _raw("Janumet")["ingredients"] == ["sitagliptin", "metformin"]


@pytest.mark.parametrize("name", ["Soma", "Norco", "Actos", "Cipro", "Sonata", "Yasmin"])
def test_names_that_are_also_words_are_ambiguous(name):
    assert _raw(name)["ambiguous"] is True
    assert _medicines.lookup(name).ambiguous


@pytest.mark.parametrize("name", ["Viagra", "Kamagra", "Xanax", "tramadol", "Cenforce"])
def test_plain_medicine_names_are_not_ambiguous(name):
    assert _raw(name)["ambiguous"] is False


# -- the only place medicine names live ---------------------------------------------------------------

# Words that look like medicine names: the stems of generic names (INN suffixes) and the brands above.
_STEMS = re.compile(
    r"\b[a-z]{3,}(?:afil|azepam|azolam|codone|morphone|pril|sartan|statin|olol|prazole|mycin|cillin|floxacin|"
    r"triptan|gliptin|gliflozin|glutide|tadine|barbital|dronate|setron|tidine|oxetine|apine|idone|semide)\b"
)


_LEXICON_CHECKED = ("Sildalist Kamagra Cenforce Vidalista Fildena Malegra Suhagra Tadalista Modalert Modvigil Waklert "
                    "Artvigil Tadarise Aurogra Zhewitra Aspadol Etizest Iverheal").split()


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
        for brand in _LEXICON_CHECKED + ["viagra", "cialis", "xanax", "valium"]:
            assert brand.lower() not in text, f"{path.name} names a medicine: {brand}"
    assert not unknown, unknown
