#!/usr/bin/env python3
"""Derive pharmcheck's reference price table from the Medicare Part D spending data.

Reads ``medicare_partd_per_unit_2013-2017.csv`` (and, for the category column only,
``medicare_partd_spending_2013-2017.csv``) from the shared data folder, which is NOT part of the
repository (default: ``../shared/data/prices`` beside the repository root), and writes the compact
table ``rules/data/reference_prices.json`` that the ``prices`` rule reads.

    python tools/derive_reference_prices.py                 # write rules/data/reference_prices.json
    python tools/derive_reference_prices.py --check         # exit 1 if the committed table differs
    python tools/derive_reference_prices.py --data-dir DIR  # another copy of the data

Method, for each drug in :data:`SPEC` (a hand-checked list: which source rows stand for which name
a shop uses): for every year, the sum of ``total_spending_usd`` over the listed rows divided by the
sum of their ``total_dosage_units``. For a single row that is the data's own
``avg_spend_per_dosage_unit_usd`` (checked here to 4 decimals). ``usd_per_unit`` is the figure of the
latest year in which any listed row has data (2017 for every drug in the table today).

The output carries no timestamp, so deriving it twice gives the same bytes (a test checks this against
the committed file whenever the shared data is present).
"""

from __future__ import annotations

import argparse
import csv
import json
import sys
from collections import defaultdict
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
DEFAULT_DATA_DIR = REPO.parent / "shared" / "data" / "prices"
DEFAULT_OUT = REPO / "rules" / "data" / "reference_prices.json"
PER_UNIT_CSV = "medicare_partd_per_unit_2013-2017.csv"
SPENDING_CSV = "medicare_partd_spending_2013-2017.csv"

SOURCE = {
    "name": "Medicare Part D drug spending by brand and generic name, 2013-2017",
    "publisher": "Centers for Medicare & Medicaid Services (CMS), US government; public domain",
    "origin": "GitHub USAFacts/drugprice, datacuts/partd_brandlvl.csv",
    "file": PER_UNIT_CSV,
    "column": "avg_spend_per_dosage_unit_usd (= total_spending_usd / total_dosage_units)",
}

METHOD = (
    "For each drug, the listed source rows ('rows') are combined per year as sum(total_spending_usd) / "
    "sum(total_dosage_units); usd_per_unit is the value of the latest year with data ('year'); 'by_year' "
    "gives every year for context. Rows were chosen by hand: immediate-release oral forms that shops sell "
    "as tablets or capsules, leaving out injections, liquids, creams and extended-release variants. Aliases "
    "are lower-case names a shop may use; a brand entry carries brand names only, so a generic name is never "
    "compared with a brand price."
)

CAVEATS = [
    "A floor check, not a price list: per dosage unit averaged over strengths and forms, gross Medicare cost.",
    "Gross cost: what Medicare, plans and patients paid together at the pharmacy counter, before "
    "manufacturer rebates; it is not pharmacy acquisition cost nor a cash price. Generics are often sold "
    "for less than this (discount pharmacies sell many generics at a few cents a tablet).",
    "A 'dosage unit' is a tablet, capsule, gram or millilitre, averaged over every strength and form sold "
    "under the name; a shop's per-pill price compares with it only roughly.",
    "Prices are of 2013-2017 (usd_per_unit is from 2017). Brand prices rose steeply in those years "
    "(Viagra 25.63 USD per unit in 2013, 58.34 in 2017), so a price can be low against 2017 and still "
    "normal for an older year, and later generic launches lowered some prices (generic Viagra strengths "
    "in December 2017, generic Cialis in 2018).",
    "Generic sildenafil in 2013-2017 is largely the 20 mg tablet (Revatio's generic, for pulmonary arterial "
    "hypertension; the data files it under 'blood pressure'), not the 25-100 mg generic Viagra strengths "
    "sold today: its reference is used with the generic (lenient) thresholds only.",
    "Tadalafil appears only as the brands Cialis and Adcirca (Adcirca is 20 mg for pulmonary arterial "
    "hypertension); generic tadalafil has no entry, so 'generic Cialis' offers are not compared.",
    "Some names have no data and so no entry: Propecia, Ozempic/semaglutide (first sold in 2018), "
    "generic pregabalin, vardenafil and tadalafil, phentermine and other weight-loss drugs (excluded from "
    "Part D). Brand names that are discontinued or absent in the US data (Accutane, Nolvadex, Clomid, Amoxil, "
    "Zovirax tablets, Cytotec, Antabuse, Flexeril, ...) are aliases of the generic entry, the lenient choice.",
    "Rows whose source name ends in '*' (e.g. 'Diazepam*', 'Azithromycin*', 'Ciprofloxacin HCl*') are kept "
    "as the source spells them; the source does not explain the mark, and such rows may pool several "
    "dosage forms.",
    "Indian-market names such as Kamagra, Cenforce or Modalert are aliases of the generic entry "
    "so that their offers are recognised; they are not FDA-approved products.",
    "rx_only is true for every entry: all are prescription-only medicines in the US (Part D excludes "
    "over-the-counter drugs). dea_schedule is the federal controlled-substance schedule from the DEA "
    "schedules (21 CFR 1308), not from the CMS data.",
]

# canonical name -> (kind, generic name, DEA schedule or None, source rows, extra aliases, note)
# A source row is (brand_name, generic_name or None); None accepts the brand row only when it is unique
# in its year. The canonical name is always an alias too.
Row = tuple[str, "str | None"]
SPEC: dict[str, tuple[str, str, str | None, list[Row], list[str], str]] = {
    # -- erectile dysfunction ------------------------------------------------------------------
    "viagra": ("brand", "sildenafil", None, [("Viagra", None)], [], ""),
    "sildenafil": (
        "generic",
        "sildenafil",
        None,
        [("Sildenafil", None)],
        [
            "sildenafil citrate",
            "generic viagra",
            "kamagra",
            "cenforce",
            "fildena",
            "suhagra",
            "silagra",
            "caverta",
            "malegra",
            "aurogra",
            "penegra",
            "zenegra",
            "eriacta",
            "vigora",
            "manforce",
        ],
        "Largely the 20 mg tablet (generic Revatio) in these years: see the caveats.",
    ),
    "revatio": ("brand", "sildenafil", None, [("Revatio", None)], [], "20 mg, for pulmonary arterial hypertension."),
    "cialis": ("brand", "tadalafil", None, [("Cialis", None)], [], ""),
    "adcirca": ("brand", "tadalafil", None, [("Adcirca", None)], [], "20 mg, for pulmonary arterial hypertension."),
    "levitra": ("brand", "vardenafil", None, [("Levitra", None)], [], ""),
    # -- opioids -------------------------------------------------------------------------------
    "tramadol": (
        "generic",
        "tramadol",
        "C-IV",
        [("Tramadol HCl", None)],
        ["tramadol hcl", "tramadol hydrochloride"],
        "",
    ),
    "ultram": ("brand", "tramadol", "C-IV", [("Ultram", None)], [], ""),
    "oxycodone": (
        "generic",
        "oxycodone",
        "C-II",
        [("Oxycodone HCl", None)],
        ["oxycodone hcl", "oxycodone hydrochloride"],
        "Immediate-release oxycodone alone.",
    ),
    "oxycontin": ("brand", "oxycodone", "C-II", [("Oxycontin", None)], [], "Extended-release."),
    "roxicodone": ("brand", "oxycodone", "C-II", [("Roxicodone", None)], [], ""),
    "oxycodone-acetaminophen": (
        "generic",
        "oxycodone/acetaminophen",
        "C-II",
        [("Oxycodone-Acetaminophen", None)],
        ["oxycodone/acetaminophen", "oxycodone acetaminophen", "oxycodone/apap", "oxycodone apap", "endocet"],
        "",
    ),
    "percocet": ("brand", "oxycodone/acetaminophen", "C-II", [("Percocet", None)], [], ""),
    "hydrocodone-acetaminophen": (
        "generic",
        "hydrocodone/acetaminophen",
        "C-II",
        [("Hydrocodone-Acetaminophen", None)],
        [
            "hydrocodone",
            "hydrocodone/acetaminophen",
            "hydrocodone acetaminophen",
            "hydrocodone/apap",
            "hydrocodone apap",
            "hydrocodone bitartrate",
        ],
        "Shops selling 'hydrocodone' tablets sell this combination; hydrocodone alone is extended-release only.",
    ),
    "norco": ("brand", "hydrocodone/acetaminophen", "C-II", [("Norco", None)], [], ""),
    "vicodin": (
        "brand",
        "hydrocodone/acetaminophen",
        "C-II",
        [("Vicodin", None), ("Vicodin Es", None), ("Vicodin HP", None)],
        ["vicodin es", "vicodin hp"],
        "",
    ),
    "nucynta": (
        "brand",
        "tapentadol",
        "C-II",
        [("Nucynta", None)],
        [],
        "Immediate-release; no generic tapentadol in the data.",
    ),
    # -- benzodiazepines, sleep, stimulants, muscle relaxants ----------------------------------
    "alprazolam": ("generic", "alprazolam", "C-IV", [("Alprazolam", None)], [], ""),
    "xanax": ("brand", "alprazolam", "C-IV", [("Xanax", None)], [], "Only 2017 in the data."),
    "diazepam": ("generic", "diazepam", "C-IV", [("Diazepam*", None)], [], ""),
    "valium": ("brand", "diazepam", "C-IV", [("Valium", None)], [], ""),
    "lorazepam": ("generic", "lorazepam", "C-IV", [("Lorazepam*", None)], [], ""),
    "ativan": ("brand", "lorazepam", "C-IV", [("Ativan", None)], [], ""),
    "clonazepam": ("generic", "clonazepam", "C-IV", [("Clonazepam", None)], [], ""),
    "klonopin": ("brand", "clonazepam", "C-IV", [("Klonopin", None)], [], ""),
    "temazepam": ("generic", "temazepam", "C-IV", [("Temazepam", None)], [], ""),
    "restoril": ("brand", "temazepam", "C-IV", [("Restoril", None)], [], ""),
    "zolpidem": (
        "generic",
        "zolpidem",
        "C-IV",
        [("Zolpidem Tartrate*", None)],
        ["zolpidem tartrate"],
        "Immediate-release.",
    ),
    "ambien": ("brand", "zolpidem", "C-IV", [("Ambien", None)], [], ""),
    "eszopiclone": ("generic", "eszopiclone", "C-IV", [("Eszopiclone", None)], [], ""),
    "lunesta": ("brand", "eszopiclone", "C-IV", [("Lunesta", None)], [], ""),
    "modafinil": ("generic", "modafinil", "C-IV", [("Modafinil", None)], ["modalert", "modvigil", "provake"], ""),
    "provigil": ("brand", "modafinil", "C-IV", [("Provigil", None)], [], ""),
    "armodafinil": (
        "generic",
        "armodafinil",
        "C-IV",
        [("Armodafinil", None)],
        ["waklert", "artvigil"],
        "Only 2017 in the data.",
    ),
    "nuvigil": ("brand", "armodafinil", "C-IV", [("Nuvigil", None)], [], ""),
    "methylphenidate": (
        "generic",
        "methylphenidate",
        "C-II",
        [("Methylphenidate HCl", None)],
        [],
        "Immediate-release.",
    ),
    "ritalin": ("brand", "methylphenidate", "C-II", [("Ritalin", None)], [], ""),
    "amphetamine-dextroamphetamine": (
        "generic",
        "dextroamphetamine/amphetamine",
        "C-II",
        [("Dextroamphetamine-Amphetamine", None)],
        ["dextroamphetamine-amphetamine", "amphetamine salts", "mixed amphetamine salts"],
        "Immediate-release.",
    ),
    "adderall": ("brand", "dextroamphetamine/amphetamine", "C-II", [("Adderall", None)], [], "Immediate-release."),
    "carisoprodol": ("generic", "carisoprodol", "C-IV", [("Carisoprodol", None)], [], ""),
    "soma": ("brand", "carisoprodol", "C-IV", [("Soma", None)], [], "Only 2017 in the data."),
    "baclofen": (
        "generic",
        "baclofen",
        None,
        [("Baclofen", None)],
        ["lioresal"],
        "Oral tablets; intrathecal Lioresal left out.",
    ),
    "tizanidine": ("generic", "tizanidine", None, [("Tizanidine HCl", None)], [], ""),
    "zanaflex": ("brand", "tizanidine", None, [("Zanaflex", None)], [], ""),
    "cyclobenzaprine": ("generic", "cyclobenzaprine", None, [("Cyclobenzaprine HCl", None)], ["flexeril"], ""),
    "methocarbamol": ("generic", "methocarbamol", None, [("Methocarbamol", None)], ["robaxin"], ""),
    # -- nerve pain, mood ----------------------------------------------------------------------
    "gabapentin": ("generic", "gabapentin", None, [("Gabapentin", None)], [], ""),
    "neurontin": ("brand", "gabapentin", None, [("Neurontin", None)], [], ""),
    "lyrica": (
        "brand",
        "pregabalin",
        "C-V",
        [("Lyrica", None)],
        [],
        "No generic pregabalin before 2019, so 'pregabalin' offers are not compared.",
    ),
    "sertraline": ("generic", "sertraline", None, [("Sertraline HCl", None)], [], ""),
    "zoloft": ("brand", "sertraline", None, [("Zoloft", None)], [], ""),
    "fluoxetine": ("generic", "fluoxetine", None, [("Fluoxetine HCl", None)], [], ""),
    "prozac": ("brand", "fluoxetine", None, [("Prozac", None)], [], ""),
    "escitalopram": ("generic", "escitalopram", None, [("Escitalopram Oxalate", None)], [], ""),
    "lexapro": ("brand", "escitalopram", None, [("Lexapro", None)], [], ""),
    "paroxetine": ("generic", "paroxetine", None, [("Paroxetine HCl", None)], [], "Immediate-release."),
    "paxil": ("brand", "paroxetine", None, [("Paxil", None)], [], ""),
    "duloxetine": ("generic", "duloxetine", None, [("Duloxetine HCl", None)], [], ""),
    "cymbalta": ("brand", "duloxetine", None, [("Cymbalta", None)], [], ""),
    "trazodone": ("generic", "trazodone", None, [("Trazodone HCl", None)], ["desyrel"], ""),
    "buspirone": ("generic", "buspirone", None, [("Buspirone HCl", None)], ["buspar"], ""),
    "hydroxyzine": ("generic", "hydroxyzine", None, [("Hydroxyzine HCl*", None)], ["atarax"], ""),
    "quetiapine": ("generic", "quetiapine", None, [("Quetiapine Fumarate", None)], [], "Immediate-release."),
    "seroquel": ("brand", "quetiapine", None, [("Seroquel", None)], [], ""),
    "aripiprazole": ("generic", "aripiprazole", None, [("Aripiprazole", None)], [], ""),
    "abilify": ("brand", "aripiprazole", None, [("Abilify", None)], [], "Tablets; the monthly injection is left out."),
    "topiramate": ("generic", "topiramate", None, [("Topiramate", None)], [], ""),
    "topamax": ("brand", "topiramate", None, [("Topamax", None)], [], ""),
    "naltrexone": ("generic", "naltrexone", None, [("Naltrexone HCl", None)], [], ""),
    "disulfiram": ("generic", "disulfiram", None, [("Disulfiram", None)], ["antabuse"], ""),
    "chantix": ("brand", "varenicline", None, [("Chantix", None)], [], "No generic varenicline in the data."),
    # -- hair, skin, hormones, fertility, cancer -----------------------------------------------
    "finasteride": (
        "generic",
        "finasteride",
        None,
        [("Finasteride", None)],
        ["finpecia", "finax", "generic propecia", "propecia"],
        "Propecia (1 mg) is not in the data (Part D excludes hair-loss drugs): it is an alias here, "
        "the lenient choice.",
    ),
    "proscar": ("brand", "finasteride", None, [("Proscar", None)], [], ""),
    "dutasteride": ("generic", "dutasteride", None, [("Dutasteride", None)], [], ""),
    "avodart": ("brand", "dutasteride", None, [("Avodart", None)], [], ""),
    "isotretinoin": (
        "generic",
        "isotretinoin",
        None,
        [("Amnesteem", None), ("Claravis", None), ("Myorisan", None), ("Zenatane", None)],
        ["accutane", "amnesteem", "claravis", "myorisan", "zenatane", "isotroin"],
        "The generic products are sold under these names in the US; Accutane itself was discontinued in 2009.",
    ),
    "absorica": ("brand", "isotretinoin", None, [("Absorica", None)], [], ""),
    "tamoxifen": ("generic", "tamoxifen", None, [("Tamoxifen Citrate", None)], ["tamoxifen citrate", "nolvadex"], ""),
    "letrozole": ("generic", "letrozole", None, [("Letrozole", None)], [], ""),
    "femara": ("brand", "letrozole", None, [("Femara", None)], [], ""),
    "anastrozole": ("generic", "anastrozole", None, [("Anastrozole", None)], [], ""),
    "arimidex": ("brand", "anastrozole", None, [("Arimidex", None)], [], ""),
    "clomiphene": (
        "generic",
        "clomiphene",
        None,
        [("Clomiphene Citrate", None)],
        ["clomiphene citrate", "clomid", "serophene"],
        "Only 2017 and few claims (106): a weak reference.",
    ),
    "levothyroxine": (
        "generic",
        "levothyroxine",
        None,
        [("Levothyroxine Sodium*", None)],
        ["levothyroxine sodium"],
        "",
    ),
    "synthroid": ("brand", "levothyroxine", None, [("Synthroid", None)], [], ""),
    "misoprostol": ("generic", "misoprostol", None, [("Misoprostol", None)], ["cytotec"], ""),
    "spironolactone": ("generic", "spironolactone", None, [("Spironolactone", None)], ["aldactone"], ""),
    "xenical": (
        "brand",
        "orlistat",
        None,
        [("Xenical", None)],
        [],
        "120 mg prescription strength; 60 mg (alli) is over the counter.",
    ),
    # -- heart, diabetes, stomach, breathing ---------------------------------------------------
    "atorvastatin": ("generic", "atorvastatin", None, [("Atorvastatin Calcium", None)], ["atorvastatin calcium"], ""),
    "lipitor": ("brand", "atorvastatin", None, [("Lipitor", None)], [], ""),
    "rosuvastatin": ("generic", "rosuvastatin", None, [("Rosuvastatin Calcium", None)], [], ""),
    "crestor": ("brand", "rosuvastatin", None, [("Crestor", None)], [], ""),
    "simvastatin": ("generic", "simvastatin", None, [("Simvastatin", None)], [], ""),
    "zocor": ("brand", "simvastatin", None, [("Zocor", None)], [], ""),
    "clopidogrel": ("generic", "clopidogrel", None, [("Clopidogrel", None)], [], ""),
    "plavix": ("brand", "clopidogrel", None, [("Plavix", None)], [], ""),
    "amlodipine": ("generic", "amlodipine", None, [("Amlodipine Besylate", None)], [], ""),
    "norvasc": ("brand", "amlodipine", None, [("Norvasc", None)], [], ""),
    "lisinopril": ("generic", "lisinopril", None, [("Lisinopril", None)], ["zestril", "prinivil"], ""),
    "propranolol": ("generic", "propranolol", None, [("Propranolol HCl", None)], ["inderal"], "Immediate-release."),
    "furosemide": ("generic", "furosemide", None, [("Furosemide*", None)], ["lasix"], ""),
    "metformin": ("generic", "metformin", None, [("Metformin HCl", None)], ["metformin hcl"], "Immediate-release."),
    "glucophage": ("brand", "metformin", None, [("Glucophage", None)], [], ""),
    "januvia": ("brand", "sitagliptin", None, [("Januvia", None)], [], "No generic sitagliptin in the data."),
    "montelukast": ("generic", "montelukast", None, [("Montelukast Sodium", None)], [], ""),
    "singulair": ("brand", "montelukast", None, [("Singulair", None)], [], ""),
    "celecoxib": ("generic", "celecoxib", None, [("Celecoxib", None)], [], ""),
    "celebrex": ("brand", "celecoxib", None, [("Celebrex", None)], [], ""),
    "meloxicam": ("generic", "meloxicam", None, [("Meloxicam", None)], ["mobic"], ""),
    "tamsulosin": ("generic", "tamsulosin", None, [("Tamsulosin HCl", None)], [], ""),
    "flomax": ("brand", "tamsulosin", None, [("Flomax", None)], [], ""),
    "prednisone": (
        "generic",
        "prednisone",
        None,
        [("Prednisone", None)],
        ["deltasone"],
        "Tablets; the Intensol liquid is left out.",
    ),
    "methylprednisolone": ("generic", "methylprednisolone", None, [("Methylprednisolone", None)], [], "Oral."),
    "medrol": ("brand", "methylprednisolone", None, [("Medrol", None)], [], ""),
    # -- infections ----------------------------------------------------------------------------
    "valacyclovir": ("generic", "valacyclovir", None, [("Valacyclovir", None)], [], ""),
    "valtrex": ("brand", "valacyclovir", None, [("Valtrex", None)], [], ""),
    "acyclovir": (
        "generic",
        "acyclovir",
        None,
        [("Acyclovir*", None)],
        ["zovirax"],
        "Brand Zovirax in the data is mostly the ointment (per gram): it is an alias of the generic here.",
    ),
    "famciclovir": ("generic", "famciclovir", None, [("Famciclovir", None)], ["famvir"], ""),
    "azithromycin": ("generic", "azithromycin", None, [("Azithromycin*", None)], [], ""),
    "zithromax": ("brand", "azithromycin", None, [("Zithromax", None)], [], "May pool tablets and suspension."),
    "amoxicillin": ("generic", "amoxicillin", None, [("Amoxicillin", None)], ["amoxil"], ""),
    "doxycycline": (
        "generic",
        "doxycycline",
        None,
        [("Doxycycline Hyclate", None), ("Doxycycline Monohydrate", None)],
        ["doxycycline hyclate", "doxycycline monohydrate", "vibramycin"],
        "",
    ),
    "ciprofloxacin": ("generic", "ciprofloxacin", None, [("Ciprofloxacin HCl*", None)], ["ciprofloxacin hcl"], ""),
    "cipro": (
        "brand",
        "ciprofloxacin",
        None,
        [("Cipro", "Ciprofloxacin HCl")],
        [],
        "Tablets row (the 'Ciprofloxacin' base row of Cipro is the suspension).",
    ),
    "levofloxacin": ("generic", "levofloxacin", None, [("Levofloxacin*", None)], ["levaquin"], ""),
    "cephalexin": ("generic", "cephalexin", None, [("Cephalexin", None)], ["keflex"], ""),
    "fluconazole": ("generic", "fluconazole", None, [("Fluconazole", None)], ["diflucan"], ""),
    "hydroxychloroquine": ("generic", "hydroxychloroquine", None, [("Hydroxychloroquine Sulfate", None)], [], ""),
    "plaquenil": ("brand", "hydroxychloroquine", None, [("Plaquenil", None)], [], ""),
    "ivermectin": ("generic", "ivermectin", None, [("IVermectin", None)], [], ""),
    "stromectol": ("brand", "ivermectin", None, [("Stromectol", None)], [], ""),
}


def _read_rows(path: Path) -> list[dict[str, str]]:
    with path.open(newline="", encoding="utf-8") as fh:
        return list(csv.DictReader(fh))


def _categories(data_dir: Path) -> dict[tuple[str, str, str], str]:
    """(brand, generic, year) -> the USAFacts category, when the spending file is there."""
    path = data_dir / SPENDING_CSV
    if not path.exists():
        return {}
    return {(r["Brand Name"], r["Generic Name"], r["Year"]): r["Category"] for r in _read_rows(path)}


def _round(value: float) -> float:
    return round(value, 4)


def derive(data_dir: Path = DEFAULT_DATA_DIR) -> dict:
    """Build the reference table (a JSON-ready dict) from the CSV files in ``data_dir``."""
    data_dir = Path(data_dir)
    rows = _read_rows(data_dir / PER_UNIT_CSV)
    categories = _categories(data_dir)
    by_brand: dict[str, list[dict[str, str]]] = defaultdict(list)
    for r in rows:
        spend, units = float(r["total_spending_usd"]), float(r["total_dosage_units"])
        # The derived column must be what its name says; stop if the file was changed.
        if units > 0 and abs(spend / units - float(r["avg_spend_per_dosage_unit_usd"])) > 0.00051:
            raise ValueError(f"inconsistent per-unit figure in row {r}")
        by_brand[r["brand_name"]].append(r)

    drugs: dict[str, dict] = {}
    alias_owner: dict[str, str] = {}
    latest_years: set[int] = set()
    for canonical, (kind, generic, schedule, spec_rows, extra_aliases, note) in SPEC.items():
        per_year: dict[str, list[dict[str, str]]] = defaultdict(list)
        for brand_name, generic_name in spec_rows:
            matches = [
                r for r in by_brand.get(brand_name, []) if generic_name is None or r["generic_name"] == generic_name
            ]
            if not matches:
                raise ValueError(f"{canonical}: no row for {brand_name!r} / {generic_name!r}")
            seen_years: set[str] = set()
            for r in matches:
                if r["year"] in seen_years:
                    raise ValueError(f"{canonical}: {brand_name!r} has several rows in {r['year']}; name the generic")
                seen_years.add(r["year"])
                per_year[r["year"]].append(r)
        by_year = {
            year: _round(
                sum(float(r["total_spending_usd"]) for r in rs) / sum(float(r["total_dosage_units"]) for r in rs)
            )
            for year, rs in sorted(per_year.items())
        }
        year = max(per_year)
        latest = per_year[year]
        aliases = sorted({canonical, *(a.lower() for a in extra_aliases)})
        for alias in aliases:
            if alias in alias_owner:
                raise ValueError(f"alias {alias!r} of {canonical} already belongs to {alias_owner[alias]}")
            alias_owner[alias] = canonical
        cats = sorted({categories.get((r["brand_name"], r["generic_name"], r["year"]), "") for r in latest} - {""})
        drugs[canonical] = {
            "name": canonical,
            "aliases": aliases,
            "kind": kind,
            "generic": generic,
            "rx_only": True,
            "dea_schedule": schedule,
            "usd_per_unit": by_year[year],
            "year": int(year),
            "by_year": by_year,
            "rows": [{"brand_name": b, "generic_name": g or latest_generic(per_year, b)} for b, g in spec_rows],
            "claims": sum(int(float(r["total_claims"])) for r in latest),
            "dosage_units": _round(sum(float(r["total_dosage_units"]) for r in latest)),
            "category": ", ".join(cats) or None,
            "note": note or None,
        }
        latest_years.add(int(year))

    return {
        "title": "pharmcheck reference prices: US Medicare Part D gross cost per dosage unit",
        "source": SOURCE,
        "year": max(latest_years),
        "method": METHOD,
        "caveats": CAVEATS,
        "generated_by": "tools/derive_reference_prices.py",
        "drugs": dict(sorted(drugs.items())),
    }


def latest_generic(per_year: dict[str, list[dict[str, str]]], brand_name: str) -> str:
    """The source generic_name of a brand row (from its latest year), to record where a figure came from."""
    for year in sorted(per_year, reverse=True):
        for r in per_year[year]:
            if r["brand_name"] == brand_name:
                return r["generic_name"]
    return ""


def dumps(table: dict) -> str:
    """Stable, diff-friendly JSON: the header indented, one line per drug."""
    head = {k: v for k, v in table.items() if k != "drugs"}
    text = json.dumps(head, indent=2, sort_keys=True, ensure_ascii=False)
    lines = [
        f"  {json.dumps(name)}: {json.dumps(entry, sort_keys=True, ensure_ascii=False)}"
        for name, entry in table["drugs"].items()
    ]
    return text[:-2] + ',\n  "drugs": {\n' + ",\n".join("  " + line for line in lines) + "\n  }\n}\n"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument(
        "--data-dir", type=Path, default=DEFAULT_DATA_DIR, help=f"folder holding {PER_UNIT_CSV} (default: %(default)s)"
    )
    parser.add_argument("--out", type=Path, default=DEFAULT_OUT, help="where to write the table (default: %(default)s)")
    parser.add_argument(
        "--check", action="store_true", help="do not write: exit 1 if --out differs from a fresh derivation"
    )
    args = parser.parse_args(argv)
    if not (args.data_dir / PER_UNIT_CSV).exists():
        print(f"error: {args.data_dir / PER_UNIT_CSV} not found (use --data-dir)", file=sys.stderr)
        return 2
    text = dumps(derive(args.data_dir))
    if args.check:
        current = args.out.read_text(encoding="utf-8") if args.out.exists() else ""
        if current != text:
            print(f"{args.out} differs from a fresh derivation: run {Path(__file__).name}", file=sys.stderr)
            return 1
        print(f"{args.out} is up to date ({len(json.loads(text)['drugs'])} drugs)")
        return 0
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(text, encoding="utf-8")
    print(f"wrote {args.out} ({len(json.loads(text)['drugs'])} drugs)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
