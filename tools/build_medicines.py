#!/usr/bin/env python3
"""Build pharmcheck's one medicine table, ``rules/data/medicines.json``, from its cited sources.

    python tools/build_medicines.py            # write rules/data/medicines.json
    python tools/build_medicines.py --check    # exit 1 if the committed table differs from what would be built

Inputs (all in the repository, except the optional Medicare data):

* ``tools/medicines/ingredients.tsv``: one row per active ingredient: its group, its status in the US, the
  UK, the EU and Canada (``rx`` prescription-only, ``pharmacy`` pharmacy-only, ``general-sale``,
  ``not-authorised``), its US DEA schedule (21 CFR 1308.11-1308.15) and UK Misuse of Drugs Act class, and
  the ids of the sources (``SOURCES`` below) the row was read from;
* ``tools/medicines/names.tsv``: one row per name a page may use (brand, generic, foreign brand, made-up
  variant) with its ingredients (``+``-separated), its kind, status overrides per region
  (``us:not-authorised uk:pharmacy``) where the product differs from its ingredient (Kamagra is not
  authorised anywhere, though sildenafil is a prescription medicine everywhere; Viagra Connect is a UK
  pharmacy medicine), whether the name is also an ordinary word (``ambiguous``) and a note;
* the reference prices: each name's ``price_entry`` is the entry of ``rules/data/reference_prices.json``
  (derived by ``tools/derive_reference_prices.py`` from Medicare Part D) that lists it among its aliases,
  else the generic entry of its single ingredient for a foreign brand or a variant (a copy is compared
  with its generic, never with the brand's price), else none. The price entries are copied in, without
  their alias lists, so the table carries everything a rule needs.

Rules applied, and checked here: every ingredient a name uses exists; every status is one of the four
codes; a name's schedule is the strictest of its ingredients'; no name appears twice. The output is
deterministic (sorted keys, no timestamp).
"""

from __future__ import annotations

import argparse
import csv
import json
import sys
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
SOURCE_DIR = REPO / "tools" / "medicines"
PRICES = REPO / "rules" / "data" / "reference_prices.json"
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
    {"id": "medicare-partd", "title": "Medicare Part D drug spending by brand and generic name, 2013-2017",
     "publisher": "Centers for Medicare & Medicaid Services (public domain), via USAFacts/drugprice", "url": "https://github.com/USAFacts/drugprice"},
]
TRANSCRIBED = (
    "Statuses, schedules and classes were transcribed by hand from the registers above (this table is not read "
    "from them by machine) and checked on 2026-12-02. A register is the authority: where it and this table "
    "disagree, the register is right. EU status is that of the EU as a whole or of most member states; a medicine "
    "may be authorised in one member state only."
)


class BuildError(ValueError):
    pass


def _read_tsv(path: Path) -> list[dict[str, str]]:
    with path.open(newline="", encoding="utf-8") as fh:
        return [{k: (v or "").strip() for k, v in row.items()} for row in csv.DictReader(fh, delimiter="\t")]


def _strictest(values: list[str], order: tuple[str, ...]) -> str | None:
    present = [v for v in values if v]
    return min(present, key=order.index) if present else None


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
        ingredients[name] = {"group": row["group"], "status": status, "us_schedule": row["us_schedule"] or None,
                             "uk_controlled": row["uk_controlled"] or None, "sources": sources}

    prices_table = json.loads(prices_path.read_text(encoding="utf-8"))
    entries = prices_table["drugs"]
    alias_entry = {a: key for key, e in entries.items() for a in e["aliases"]}
    generic_entry = {}
    for key, e in sorted(entries.items()):
        if e["kind"] == "generic":
            generic_entry.setdefault(e["generic"], key)

    names: dict[str, dict] = {}
    for row in _read_tsv(source_dir / "names.tsv"):
        key = " ".join(row["name"].lower().split())
        if key in names:
            raise BuildError(f"name listed twice: {row['name']}")
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
        names[key] = {
            "name": row["name"],
            "ingredients": ings,
            "kind": row["kind"],
            "group": ingredients[ings[0]]["group"],
            "status": status,
            "us_schedule": _strictest([ingredients[i]["us_schedule"] or "" for i in ings], SCHEDULE_ORDER),
            "uk_controlled": _strictest([ingredients[i]["uk_controlled"] or "" for i in ings], UK_ORDER),
            "price_entry": price_entry,
            "ambiguous": row["ambiguous"] == "yes",
            "note": row["note"] or None,
        }
    missing = sorted(a for a in alias_entry if a not in names)
    if missing:
        raise BuildError(f"price aliases with no name in names.tsv: {', '.join(missing[:20])}")
    prices = {key: {k: v for k, v in e.items() if k != "aliases"} for key, e in entries.items()}
    return {
        "schema_version": 1,
        "generated_by": "tools/build_medicines.py",
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
    except (BuildError, OSError, KeyError) as exc:
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
