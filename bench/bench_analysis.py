"""CPU of analysis (parse + rules + scoring) per page against the beautifulsoup4 tree build of the same page.

Prints figures; asserts nothing. Run from the repository root:

    .venv/bin/python bench/bench_analysis.py [--repeat 7] [--real-pages PATH] [--profile]

For each saved real page (``../shared/data/real-pages``): the median process CPU time of

* ``bs4``: ``BeautifulSoup(decoded text, "lxml")``, the plain tree build of the whole page (the floor: the
  design card names beautifulsoup4 as the parser);
* ``parse``: :func:`pharmcheck.site.parse_site` (tree build as the engine does it, and the walk);
* ``rules``: every rule on a freshly parsed site (parse + rules, less parse);
* ``analyze``: :func:`pharmcheck.engine.analyze`, the whole of it (parse + rules + scoring + report).

Target (issue 10): analysis at most 1.3 x the bs4 tree build, summed over the real pages. It also prints
the size of each page's JSON record (the audit writes one per site) and of its largest rule.
``--profile`` prints a cProfile of analysis over all the pages, sorted by own time.
"""

from __future__ import annotations

import argparse
import gc
import json
import statistics
import sys
import time
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))
sys.path.insert(0, str(REPO / "bench"))


def _raw(path: Path):
    from pharmcheck.fetch import FetchConfig, read_saved

    return read_saved(str(path), path, FetchConfig())


def _median_ms(fn, repeat: int) -> float:
    times = []
    for _ in range(repeat):
        t0 = time.process_time()
        fn()
        times.append(time.process_time() - t0)
    return statistics.median(times) * 1000


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--repeat", type=int, default=7)
    ap.add_argument("--real-pages", type=Path, default=REPO.parent / "shared" / "data" / "real-pages")
    ap.add_argument("--profile", action="store_true", help="print a cProfile of analysis over every page")
    ap.add_argument("--no-gc-freeze", action="store_true", help="measure without gc.freeze() after warm-up")
    args = ap.parse_args()

    from bs4 import BeautifulSoup

    from pharmcheck.engine import analyze, run_rules, warm_up
    from pharmcheck.site import decode_html, parse_site

    files = sorted(args.real_pages.glob("*.html"))
    if not files:
        print(f"no saved pages at {args.real_pages}")
        return
    t0 = time.perf_counter()
    warm_up()
    warm_ms = (time.perf_counter() - t0) * 1000
    raws = [(f, _raw(f)) for f in files]
    for _f, raw in raws:  # warm up every path once
        analyze(raw)
    if not args.no_gc_freeze:
        gc.collect()
        gc.freeze()  # what an audit worker does after warm_up()

    if args.profile:
        import cProfile
        import pstats

        prof = cProfile.Profile()
        prof.enable()
        for _ in range(3):
            for _f, raw in raws:
                analyze(raw)
        prof.disable()
        pstats.Stats(prof).sort_stats("tottime").print_stats(40)
        return

    print(f"warm_up(): {warm_ms:.0f} ms wall (imports, tables, compiled patterns); gc.freeze() "
          f"{'off' if args.no_gc_freeze else 'on'}; median of {args.repeat}, process CPU")
    print(f"{'page':<42} {'KB':>5} {'bs4':>7} {'parse':>7} {'rules':>7} {'analyze':>8} {'ratio':>6} {'record':>8} largest rule")
    totals = {"bs4": 0.0, "parse": 0.0, "rules": 0.0, "analyze": 0.0}
    records = []
    for f, raw in raws:
        body = raw.pages[0].body
        html, _enc = decode_html(body, None)
        bs4_ms = _median_ms(lambda: BeautifulSoup(html, "lxml"), args.repeat)
        parse_ms = _median_ms(lambda: parse_site(raw), args.repeat)
        # Rules on a freshly parsed site each time (facts are cached per site: a second run costs nothing).
        rules_ms = max(0.0, _median_ms(lambda: run_rules(parse_site(raw)), args.repeat) - parse_ms)
        analyze_ms = _median_ms(lambda: analyze(raw), args.repeat)
        report = analyze(raw)
        size = len(json.dumps(report, ensure_ascii=False))
        records.append(size)
        largest = max(report["rules"], key=lambda r: len(json.dumps(r, ensure_ascii=False)))
        largest_kb = len(json.dumps(largest, ensure_ascii=False)) / 1000
        for key, value in (("bs4", bs4_ms), ("parse", parse_ms), ("rules", rules_ms), ("analyze", analyze_ms)):
            totals[key] += value
        print(f"{f.name[:42]:<42} {len(body) / 1000:5.0f} {bs4_ms:7.1f} {parse_ms:7.1f} {rules_ms:7.1f} {analyze_ms:8.1f} "
              f"{analyze_ms / bs4_ms:6.2f} {size / 1000:7.1f}K {largest['id']} {largest_kb:.1f}K")
    n = len(raws)
    print(f"{'total':<42} {'':>5} {totals['bs4']:7.1f} {totals['parse']:7.1f} {totals['rules']:7.1f} {totals['analyze']:8.1f} "
          f"{totals['analyze'] / totals['bs4']:6.2f} {sum(records) / 1000:7.1f}K")
    from bench_check import catalogue_page  # a dense 150 KB catalogue: the record an offer-heavy site writes

    from pharmcheck.site import RawPage, RawSite

    shop = RawSite(requested="https://shop.example/", start_url="https://shop.example/", final_url="https://shop.example/",
                   pages=[RawPage(url="https://shop.example/", status=200, headers={"content-type": "text/html"},
                                  body=catalogue_page().encode())])
    report = analyze(shop)
    prices = next(r for r in report["rules"] if r["id"] == "prices")
    print(f"record of the synthetic 150 KB catalogue: {len(json.dumps(report, ensure_ascii=False)) / 1000:.1f} KB, "
          f"of which the prices rule {len(json.dumps(prices, ensure_ascii=False)) / 1000:.1f} KB")
    print(f"per page: analysis {totals['analyze'] / n:.1f} ms, bs4 tree build {totals['bs4'] / n:.1f} ms; "
          f"analysis / bs4 build = {totals['analyze'] / totals['bs4']:.2f} (target <= 1.3); "
          f"records median {statistics.median(records) / 1000:.1f} KB, max {max(records) / 1000:.1f} KB")


if __name__ == "__main__":
    main()
