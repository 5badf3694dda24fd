"""Accuracy: pharmcheck's verdicts against labelled sites. Prints a table and a confusion matrix.

Sets: the fictional fixture sites (tests/sites, served over real HTTPS on loopback, labelled by their
authors in site.json), the bundled examples (offline), and the saved real pages in
../shared/data/real-pages (offline, labelled in labels.csv by people who did not write the rules).

    .venv/bin/python bench/bench_accuracy.py [--real-pages PATH]

The real pages are few: they check the rules, they are not a target to tune to.
"""

from __future__ import annotations

import argparse
import csv
import sys
import tempfile
from collections import Counter
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))

# labels.csv uses legit / rogue / not-pharmacy; caution counts as neither right nor a miss for "legit"
LABEL_TO_VERDICT = {"legit": "likely-legitimate", "rogue": "likely-rogue", "not-pharmacy": "not-a-pharmacy"}


def flags(report: dict) -> str:
    out = [f["outcome"] for r in report["rules"] for f in r["findings"] if f["status"] in ("fail", "warn")]
    return ", ".join(out[:6]) + (" ..." if len(out) > 6 else "")


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--real-pages", default=str(REPO.parent / "shared" / "data" / "real-pages"))
    args = ap.parse_args()

    import trustme

    from pharmcheck.engine import check_sync
    from pharmcheck.fetch import FetchConfig
    from tests.servers import SITES_DIR, SiteServer, site_info, site_names, site_serve_options

    rows: list[tuple[str, str, str, str, object, str]] = []
    ca = trustme.CA()
    with tempfile.TemporaryDirectory() as tmp:
        bundle = Path(tmp) / "ca.pem"
        ca.cert_pem.write_to_path(str(bundle))
        for name in site_names():
            options = {"tls": "valid", **site_serve_options(name)}
            with SiteServer(SITES_DIR / name, ca=ca, **options) as server:
                report = check_sync(server.url, FetchConfig(ca_file=str(bundle)))
            v = report["verdict"]
            rows.append(("fixture", name, site_info(name)["verdict"], v["code"], v["score"], flags(report)))
    for folder, expected in (("sunrise-pharmacy", "likely-legitimate"), ("cheap-meds-24", "likely-rogue"), ("wellness-journal", "not-a-pharmacy")):
        report = check_sync(str(REPO / "examples" / folder))
        v = report["verdict"]
        rows.append(("example", folder, expected, v["code"], v["score"], flags(report)))
    real = Path(args.real_pages)
    if (real / "labels.csv").is_file():
        with (real / "labels.csv").open(newline="", encoding="utf-8") as fh:
            for row in csv.DictReader(fh):
                report = check_sync(str(real / row["file"]))
                v = report["verdict"]
                rows.append(("real", row["file"], LABEL_TO_VERDICT.get(row["label"], row["label"]), v["code"], v["score"], flags(report)))
    else:
        print(f"(real pages not found at {real}: skipped)")

    print(f"{'set':<8} {'site':<40} {'expected':<18} {'got':<18} {'score':>5}  fail/warn outcomes")
    for kind, name, expected, got, score, why in rows:
        mark = "" if expected == got else "  <-- differs"
        print(f"{kind:<8} {name:<40} {expected:<18} {got:<18} {str(score if score is not None else '-'):>5}  {why}{mark}")
    for kind in ("fixture", "example", "real"):
        subset = [r for r in rows if r[0] == kind]
        if subset:
            right = sum(1 for r in subset if r[2] == r[3])
            print(f"{kind}: {right}/{len(subset)} verdicts as labelled")
    confusion = Counter((r[2], r[3]) for r in rows)
    print("\nconfusion (expected -> got): " + "; ".join(f"{e} -> {g}: {n}" for (e, g), n in sorted(confusion.items())))
    for kind in ("fixture", "example", "real"):
        subset = [r for r in rows if r[0] == kind]
        if not subset:
            continue
        # Dangerous misses leave a buyer unwarned: a rogue page called "likely legitimate" or "not an online
        # pharmacy". False alarms wrong a lawful pharmacy: a legitimate page called "likely rogue".
        dangerous = [r for r in subset if r[2] == "likely-rogue" and r[3] in ("likely-legitimate", "not-a-pharmacy")]
        false_alarms = [r for r in subset if r[2] == "likely-legitimate" and r[3] == "likely-rogue"]
        print(f"{kind}: dangerous misses {len(dangerous)}" + "".join(f"\n    {r[1]}: {r[3]}" for r in dangerous))
        print(f"{kind}: false alarms {len(false_alarms)}" + "".join(f"\n    {r[1]}: {r[3]}" for r in false_alarms))
    real = [r for r in rows if r[0] == "real"]
    if real:
        print("\nreal pages, confusion (rows: label, columns: verdict)")
        verdicts = ("likely-legitimate", "caution", "likely-rogue", "not-a-pharmacy", "could-not-check")
        print(f"{'':<18}" + "".join(f"{v[:14]:>16}" for v in verdicts))
        for label in ("likely-legitimate", "likely-rogue", "not-a-pharmacy"):
            print(f"{label:<18}" + "".join(f"{sum(1 for r in real if r[2] == label and r[3] == v):>16}" for v in verdicts))


if __name__ == "__main__":
    main()
