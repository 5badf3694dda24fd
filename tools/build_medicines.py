#!/usr/bin/env python3
"""Build pharmcheck's one medicine table, ``rules/data/medicines.json``, from its cited sources.

    python tools/build_medicines.py            # write rules/data/medicines.json
    python tools/build_medicines.py --check    # exit 1 if the committed table differs from what would be built

Inputs (all in the repository, except the optional Medicare data):

* ``tools/medicines/ingredients.tsv``: one row per active ingredient: its group, its status in the US, the
  UK, the EU and Canada (``rx`` prescription-only, ``pharmacy`` pharmacy-only, ``general-sale``,
  ``not-authorised``), its US DEA schedule (21 CFR 1308.11-1308.15) and UK Misuse of Drugs Act class, the
  ids of the sources (``SOURCES`` below) the row was read from, and a note;
* ``tools/medicines/names.tsv``: one row per name a page may use (brand, generic, foreign brand, made-up
  variant) with its ingredients (``+``-separated), its kind, status overrides per region
  (``us:not-authorised uk:pharmacy``) where the product differs from its ingredients (Kamagra is not
  authorised anywhere, though sildenafil is a prescription medicine everywhere; Viagra Connect is a UK
  pharmacy medicine), ``us_schedule`` / ``uk_controlled`` overrides where a combination product differs
  from its strictest ingredient (co-codamol is Schedule III though codeine alone is II; Fioricet is an
  exempted product: ``-`` = none), a group override, whether the name is also an ordinary word
  (``ambiguous``), its sources and a note;
* the reference prices: the entries of ``tools/derive_reference_prices.py``, derived afresh from the
  Medicare Part D CSV files when the shared data folder is present, else read from the committed
  ``rules/data/reference_prices.json``. Each name's ``price_entry`` is the entry that lists it among its
  aliases, else the generic entry of its single ingredient for a foreign brand or a variant (a copy is
  compared with its generic, never with the brand's price), else none. The price entries are copied in,
  without their alias lists, so the table carries everything a rule needs.

Checked here: every ingredient a name uses exists; every status, schedule, class, kind and source id is
valid; every price entry exists; no name appears twice, not even in the form the matcher looks names up
(lower case without spaces, hyphens and slashes); every alias of the price table is a name. A name's
schedule and class are the strictest of its ingredients' unless the row says otherwise. The output is
deterministic (sorted keys, no timestamp).
"""

from __future__ import annotations

import argparse
import csv
import importlib.util
import json
import re
import sys
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
SOURCE_DIR = REPO / "tools" / "medicines"
PRICES = REPO / "rules" / "data" / "reference_prices.json"
DERIVE = REPO / "tools" / "derive_reference_prices.py"
AS_OF = "2026-12-02"
OUT = REPO / "rules" / "data" / "medicines.json"
REGIONS = ("us", "uk", "eu", "ca")
STATUS_CODES = {
    "rx": "prescription-only medicine",
    "pharmacy": "pharmacy-only or behind-the-counter medicine, sold without a prescription by a pharmacist",
    "general-sale": "sold over the counter without a pharmacist",
    "not-authorised": "no marketing authorisation there (never authorised, withdrawn, or a copy made for other markets)",
}
SCHEDULE_ORDER = ("I", "II", "III", "IV", "V")
UK_ORDER = ("A", "B", "C")
SOURCES = [
    {"id": "dea-schedules", "title": "21 CFR 1308.11-1308.15, Schedules of controlled substances",
     "publisher": "US Drug Enforcement Administration, via the eCFR", "url": "https://www.ecfr.gov/current/title-21/chapter-II/part-1308"},
    {"id": "fda-drugs", "title": "Drugs@FDA and the Orange Book (approved drug products, Rx and OTC)",
     "publisher": "US Food and Drug Administration", "url": "https://www.accessdata.fda.gov/scripts/cder/daf/"},
    {"id": "mhra-products", "title": "MHRA Products (UK marketing authorisations and legal categories POM, P, GSL)",
     "publisher": "Medicines and Healthcare products Regulatory Agency", "url": "https://products.mhra.gov.uk/"},
    {"id": "uk-misuse-of-drugs", "title": "Misuse of Drugs Act 1971, Schedule 2 (classes A, B, C)",
     "publisher": "UK legislation", "url": "https://www.legislation.gov.uk/ukpga/1971/38/schedule/2"},
    {"id": "ema-union-register", "title": "Union Register of medicinal products and EMA medicine pages",
     "publisher": "European Commission / European Medicines Agency", "url": "https://ec.europa.eu/health/documents/community-register/html/"},
    {"id": "health-canada-dpd", "title": "Drug Product Database and the Prescription Drug List",
     "publisher": "Health Canada", "url": "https://www.canada.ca/en/health-canada/services/drugs-health-products/drug-products/drug-product-database.html"},
    {"id": "dea-exempt-products", "title": "21 CFR 1308.32, Exempted prescription products (e.g. butalbital/acetaminophen/caffeine)",
     "publisher": "US Drug Enforcement Administration, via the eCFR", "url": "https://www.ecfr.gov/current/title-21/chapter-II/part-1308/subject-group-ECFR7e9a8a6bd0e9ecb/section-1308.32"},
    {"id": "medicare-partd", "title": "Medicare Part D drug spending by brand and generic name, 2013-2017",
     "publisher": "Centers for Medicare & Medicaid Services (public domain), via USAFacts/drugprice", "url": "https://github.com/USAFacts/drugprice"},
]
TRANSCRIBED = (
    "Statuses, schedules and classes were transcribed by hand, from the compiler's knowledge of the registers "
    f"above, on {AS_OF}; this machine has no internet, so no register was read, by machine or by eye, on that "
    "date, and none of the rows has been re-checked against a live copy. A register is the authority: where it "
    "and this table disagree, the register is right. EU status is that of most member states (a medicine may "
    "be authorised in one member state only); a brand takes its medicine's status in every region unless its "
    "row says otherwise (a US brand is not marked not-authorised in the UK for being sold there under another name)."
)


class BuildError(ValueError):
    pass


def _read_tsv(path: Path) -> list[dict[str, str]]:
    with path.open(newline="", encoding="utf-8") as fh:
        return [{k: (v or "").strip() for k, v in row.items()} for row in csv.DictReader(fh, delimiter="\t")]


def _strictest(values: list[str], order: tuple[str, ...]) -> str | None:
    present = [v for v in values if v]
    return min(present, key=order.index) if present else None


def load_prices(prices_path: Path = PRICES, data_dir: Path | None = None) -> dict:
    """The reference price table: derived from the Medicare CSV files when they are present, else the committed JSON."""
    spec = importlib.util.spec_from_file_location("derive_reference_prices", DERIVE)
    if prices_path == PRICES and spec is not None and spec.loader is not None:
        module = importlib.util.module_from_spec(spec)
        spec.loader.exec_module(module)
        folder = Path(data_dir or module.DEFAULT_DATA_DIR)
        if (folder / module.PER_UNIT_CSV).exists():
            return module.derive(folder)
    return json.loads(prices_path.read_text(encoding="utf-8"))


def _match_key(name: str) -> str:
    """How the matcher (rules/_medicines.py) looks a name up: two names equal under it would collide."""
    return re.sub(r"[\s\-/]+", "", name.lower())


def _override(value: str, order: tuple[str, ...], derived: str | None, what: str) -> str | None:
    if not value:
        return derived
    if value == "-":
        return None
    if value not in order:
        raise BuildError(f"unknown {what} {value!r}")
    return value


def build(source_dir: Path = SOURCE_DIR, prices_path: Path = PRICES) -> dict:
    source_ids = {s["id"] for s in SOURCES}
    ingredients: dict[str, dict] = {}
    for row in _read_tsv(source_dir / "ingredients.tsv"):
        name = row["ingredient"]
        if name in ingredients:
            raise BuildError(f"ingredient listed twice: {name}")
        status = {r: row[r] for r in REGIONS}
        for region, code in status.items():
            if code not in STATUS_CODES:
                raise BuildError(f"{name}: unknown status {code!r} for {region}")
        if row["us_schedule"] and row["us_schedule"] not in SCHEDULE_ORDER:
            raise BuildError(f"{name}: unknown US schedule {row['us_schedule']!r}")
        if row["uk_controlled"] and row["uk_controlled"] not in UK_ORDER:
            raise BuildError(f"{name}: unknown UK class {row['uk_controlled']!r}")
        sources = row["sources"].split()
        unknown = [s for s in sources if s not in source_ids]
        if unknown:
            raise BuildError(f"{name}: unknown sources {unknown}")
        if not row["group"]:
            raise BuildError(f"{name}: no group")
        ingredients[name] = {"group": row["group"], "status": status, "us_schedule": row["us_schedule"] or None,
                             "uk_controlled": row["uk_controlled"] or None, "sources": sources,
                             "note": row.get("note") or None}

    prices_table = load_prices(prices_path)
    entries = prices_table["drugs"]
    alias_entry = {a: key for key, e in entries.items() for a in e["aliases"]}
    generic_entry = {}
    for key, e in sorted(entries.items()):
        if e["kind"] == "generic":
            generic_entry.setdefault(e["generic"], key)

    names: dict[str, dict] = {}
    match_keys: dict[str, list[str]] = {}
    for row in _read_tsv(source_dir / "names.tsv"):
        key = " ".join(row["name"].lower().split())
        if key in names:
            raise BuildError(f"name listed twice: {row['name']}")
        match_keys.setdefault(_match_key(key), []).append(key)
        sources = row["sources"].split()
        if not sources or any(s not in source_ids for s in sources):
            raise BuildError(f"{row['name']}: missing or unknown sources {sources}")
        ings = [i for i in row["ingredients"].split("+") if i]
        if not ings:
            raise BuildError(f"{row['name']}: no ingredient")
        for i in ings:
            if i not in ingredients:
                raise BuildError(f"{row['name']}: unknown ingredient {i!r}")
        if row["kind"] not in ("generic", "brand", "foreign-brand", "variant"):
            raise BuildError(f"{row['name']}: unknown kind {row['kind']!r}")
        # A combination's status is the strictest of its ingredients', then the product's own overrides.
        rank = ("general-sale", "pharmacy", "rx", "not-authorised")
        status = {r: max((ingredients[i]["status"][r] for i in ings), key=rank.index) for r in REGIONS}
        for pair in row["status"].split():
            region, _, code = pair.partition(":")
            if region not in REGIONS or code not in STATUS_CODES:
                raise BuildError(f"{row['name']}: bad status override {pair!r}")
            status[region] = code
        price_entry = alias_entry.get(key)
        if price_entry is None and row["kind"] in ("foreign-brand", "variant") and len(ings) == 1:
            price_entry = generic_entry.get(ings[0])
        if price_entry is not None and price_entry not in entries:
            raise BuildError(f"{row['name']}: price entry {price_entry!r} does not exist")
        if row["ambiguous"] not in ("", "yes"):
            raise BuildError(f"{row['name']}: ambiguous is 'yes' or empty, not {row['ambiguous']!r}")
        try:
            us_schedule = _override(row["us_schedule"], SCHEDULE_ORDER,
                                    _strictest([ingredients[i]["us_schedule"] or "" for i in ings], SCHEDULE_ORDER),
                                    "US schedule")
            uk_controlled = _override(row["uk_controlled"], UK_ORDER,
                                      _strictest([ingredients[i]["uk_controlled"] or "" for i in ings], UK_ORDER),
                                      "UK class")
        except BuildError as exc:
            raise BuildError(f"{row['name']}: {exc}") from None
        names[key] = {
            "name": row["name"],
            "ingredients": ings,
            "kind": row["kind"],
            "group": row["group"] or ingredients[ings[0]]["group"],
            "status": status,
            "us_schedule": us_schedule,
            "uk_controlled": uk_controlled,
            "price_entry": price_entry,
            "ambiguous": row["ambiguous"] == "yes",
            "sources": sources,
            "note": row["note"] or None,
        }
    # "oxycodone/apap" and "oxycodone apap" are one name to the matcher: allowed only as spellings of one product.
    same = ("ingredients", "kind", "status", "us_schedule", "uk_controlled", "price_entry", "ambiguous")
    for spellings in match_keys.values():
        for other in spellings[1:]:
            a, b = names[spellings[0]], names[other]
            if any(a[f] != b[f] for f in same):
                raise BuildError(f"{spellings[0]!r} and {other!r} are one name to the matcher but differ")
    missing = sorted(a for a in alias_entry if a not in names)
    if missing:
        raise BuildError(f"price aliases with no name in names.tsv: {', '.join(missing[:20])}")
    prices = {key: {k: v for k, v in e.items() if k != "aliases"} for key, e in entries.items()}
    return {
        "schema_version": 1,
        "generated_by": "tools/build_medicines.py",
        "as_of": AS_OF,
        "sources": SOURCES,
        "transcribed": TRANSCRIBED,
        "status_codes": STATUS_CODES,
        "ingredients": ingredients,
        "names": names,
        "prices": prices,
        "prices_meta": {k: prices_table[k] for k in ("title", "source", "method", "caveats", "year") if k in prices_table},
    }


def render(table: dict) -> str:
    return json.dumps(table, indent=1, sort_keys=True, ensure_ascii=False) + "\n"


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--check", action="store_true", help="exit 1 if the committed table is stale")
    ap.add_argument("--out", default=str(OUT))
    args = ap.parse_args(argv)
    try:
        text = render(build())
    except (BuildError, OSError, KeyError, ValueError) as exc:
        print(f"build_medicines: {exc}", file=sys.stderr)
        return 2
    out = Path(args.out)
    if args.check:
        current = out.read_text(encoding="utf-8") if out.exists() else ""
        if current != text:
            print(f"build_medicines: {out} is stale; run tools/build_medicines.py", file=sys.stderr)
            return 1
        print(f"{out}: current")
        return 0
    out.write_text(text, encoding="utf-8")
    table = json.loads(text)
    print(f"wrote {out}: {len(table['ingredients'])} ingredients, {len(table['names'])} names")
    return 0


if __name__ == "__main__":
    sys.exit(main())
