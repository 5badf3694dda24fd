"""Speed of `pharmcheck check`: start-up, parsing + rules per page, and a whole 13-page site on loopback.

Prints figures; asserts nothing. Run from the repository root:

    .venv/bin/python bench/bench_check.py [--repeat 5]

Targets (issue 2): `pharmcheck --help` under 0.5 s; parsing + rules under 50 ms CPU for a 150 KB page;
a 13-page site served from loopback checked in under 2 s. Issue 10: `pharmcheck check examples/cheap-meds-24`
(the bundled example, 4 saved pages) under 300 ms of wall time: printed as the median wall and CPU time
of N runs (CPU: the child's user + system time, which a loaded machine does not inflate as it does wall
time), with the bytecode cache as an installed package has it, and without one.
"""

from __future__ import annotations

import argparse
import os
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))

DRUGS = [
    ("Atorvastatin", 20, 30, 12.40), ("Sildenafil", 50, 30, 24.99), ("Viagra", 100, 4, 279.00),
    ("Metformin", 500, 60, 9.80), ("Lisinopril", 10, 90, 11.20), ("Sertraline", 50, 30, 10.50),
    ("Amoxicillin", 500, 21, 8.75), ("Levothyroxine", 50, 90, 14.30), ("Baclofen", 10, 90, 29.99),
    ("Tadalafil", 5, 30, 31.00), ("Cialis", 20, 8, 410.00), ("Finasteride", 1, 90, 19.60),
]


def catalogue_page(target_bytes: int = 150_000) -> str:
    """A realistic pharmacy catalogue page of about ``target_bytes``."""
    head = """<!doctype html><html lang="en"><head><meta charset="utf-8"><title>Sunrise Pharmacy - Catalogue</title>
<meta name="description" content="Licensed US pharmacy. Valid prescription required."></head><body>
<header><nav><a href="/">Home</a> <a href="/contact.html">Contact us</a> <a href="/about.html">About us</a>
<a href="/pharmacist.html">Ask a pharmacist</a> <a href="/prescriptions.html">Upload a prescription</a>
<a href="/faq.html">FAQ</a></nav></header><main><h1>Our medicines</h1>
<p>A valid prescription from your doctor is required for all prescription medicines. Our pharmacists verify
every prescription with your prescriber before we dispense.</p><table class="products">"""
    rows = []
    i = 0
    while sum(len(r) for r in rows) + len(head) < target_bytes - 2000:
        name, mg, qty, price = DRUGS[i % len(DRUGS)]
        rows.append(
            f'<tr class="product" id="p{i}"><td><a href="/products/{name.lower()}-{mg}mg-{i}.html">{name} {mg} mg</a></td>'
            f"<td>{qty} tablets</td><td class=\"price\">${price + i % 7:.2f}</td>"
            f'<td><form action="/cart/add" method="post"><input type="hidden" name="id" value="{i}">'
            f'<button type="submit">Add to cart</button></form></td></tr>\n'
        )
        i += 1
    foot = """</table></main><footer><address>Sunrise Pharmacy, 1200 Market Street, Suite 4, Philadelphia, PA 19107,
United States</address><p>Phone: (215) 555-0142 - Pharmacist on duty 8am-8pm. Pennsylvania pharmacy licence
PP-438211. Pharmacist-in-charge: Maria Lopez, PharmD.</p><p>Email: care@sunrise-pharmacy.example</p>
</footer></body></html>"""
    return head + "".join(rows) + foot


def bench_help(repeat: int) -> None:
    exe = [sys.executable, "-m", "pharmcheck", "--help"]
    times = []
    for _ in range(repeat):
        t0 = time.perf_counter()
        subprocess.run(exe, capture_output=True, check=True)
        times.append(time.perf_counter() - t0)
    console = Path(sys.executable).with_name("pharmcheck")
    script_times = []
    if console.exists():
        for _ in range(repeat):
            t0 = time.perf_counter()
            subprocess.run([str(console), "--help"], capture_output=True, check=True)
            script_times.append(time.perf_counter() - t0)
    print(f"startup  `python -m pharmcheck --help`: median {statistics.median(times) * 1000:.0f} ms over {repeat} runs (target < 500 ms)")
    if script_times:
        print(f"startup  `pharmcheck --help` (console script): median {statistics.median(script_times) * 1000:.0f} ms")


def _run_measured(cmd: list[str], env: dict[str, str]) -> tuple[float, float]:
    """Wall and CPU seconds (user + system, of the child alone) of one run."""
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    t0 = time.perf_counter()
    subprocess.run(cmd, capture_output=True, env=env, cwd=REPO)
    wall = time.perf_counter() - t0
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    return wall, (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)


def bench_check_example(repeat: int) -> None:
    """`pharmcheck check examples/cheap-meds-24`: a whole offline check, start-up included."""
    console = Path(sys.executable).with_name("pharmcheck")
    exe = [str(console)] if console.exists() else [sys.executable, "-m", "pharmcheck"]
    cmd = [*exe, "check", str(REPO / "examples" / "cheap-meds-24")]
    with tempfile.TemporaryDirectory() as cache:
        cached = {**os.environ, "PYTHONPYCACHEPREFIX": cache}
        cached.pop("PYTHONDONTWRITEBYTECODE", None)
        # pharmcheck's own modules compiled at each start (a source tree with PYTHONDONTWRITEBYTECODE);
        # the standard library and the dependencies have their bytecode, as installed.
        uncached = {**os.environ, "PYTHONDONTWRITEBYTECODE": "1"}
        uncached.pop("PYTHONPYCACHEPREFIX", None)
        _run_measured(cmd, cached)  # writes the bytecode cache
        runs: dict[str, list[tuple[float, float]]] = {"bytecode cached": [], "pharmcheck's uncached": []}
        for _ in range(repeat):  # alternately, so that a change in the machine's load hits both alike
            runs["bytecode cached"].append(_run_measured(cmd, cached))
            runs["pharmcheck's uncached"].append(_run_measured(cmd, uncached))
    for label, rows in runs.items():
        wall = statistics.median(w for w, _c in rows) * 1000
        cpu = statistics.median(c for _w, c in rows) * 1000
        print(f"check    `pharmcheck check examples/cheap-meds-24`, {label:<21}: median wall {wall:5.0f} ms, "
              f"CPU {cpu:5.0f} ms over {repeat} runs (target < 300 ms wall)")


def _time_page(html: bytes, repeat: int) -> tuple[float, float]:
    """Median CPU ms of parsing one page and of running every rule on it."""
    from pharmcheck.engine import run_rules
    from pharmcheck.site import RawPage, RawSite, parse_site

    raw = RawSite(
        requested="https://shop.example/",
        start_url="https://shop.example/",
        final_url="https://shop.example/",
        pages=[RawPage(url="https://shop.example/", status=200, headers={"content-type": "text/html; charset=utf-8"}, body=html)],
    )
    run_rules(parse_site(raw))  # warm up: imports, compiled patterns
    parse_t, rules_t = [], []
    for _ in range(repeat):
        t0 = time.process_time()
        site = parse_site(raw)
        t1 = time.process_time()
        run_rules(site)
        t2 = time.process_time()
        parse_t.append(t1 - t0)
        rules_t.append(t2 - t1)
    return statistics.median(parse_t) * 1000, statistics.median(rules_t) * 1000


def real_page_mix(real: Path, target: int = 150_000) -> bytes | None:
    """About 150 KB of real pharmacy markup: the saved real pages' bodies, one after another."""
    files = sorted(real.glob("*.html")) if real.is_dir() else []
    if not files:
        return None
    bodies = [f.read_bytes() for f in files]
    out = bodies[0]
    i = 1
    while len(out) < target:
        extra = bodies[i % len(bodies)]
        start = extra.lower().find(b"<body")
        out = out.replace(b"</body>", extra[start if start != -1 else 0 :][: target - len(out)] + b"</body>", 1) if b"</body>" in out else out + extra
        i += 1
    return out[: target + 2000]


def bench_page(repeat: int, real: Path) -> None:
    cases: list[tuple[str, bytes]] = []
    mix = real_page_mix(real)
    if mix is not None:
        for f in sorted(real.glob("*.html")):
            cases.append((f"real page {f.name}", f.read_bytes()))
        cases.append(("real markup mixed to ~150 KB", mix))
    else:
        print(f"(no real pages at {real}: only the synthetic page is measured)")
    cases.append(("synthetic dense catalogue (500 rows, 4,500 tags)", catalogue_page().encode()))
    for label, html in cases:
        p, r = _time_page(html, repeat)
        print(f"page     {label:<52} {len(html) / 1000:5.0f} KB: parse {p:5.1f} ms + rules {r:5.1f} ms = {p + r:5.1f} ms CPU")
    print("         (median of %d; target < 50 ms for a 150 KB page)" % repeat)
    from pharmcheck.rules import load_rules
    from pharmcheck.site import RawPage, RawSite, parse_site

    html = cases[-1][1]
    site = parse_site(RawSite(requested="x", start_url="https://shop.example/", pages=[RawPage(url="https://shop.example/", status=200, headers={"content-type": "text/html"}, body=html)]))
    for module in load_rules():
        t0 = time.process_time()
        for _ in range(repeat):
            list(module.check(site))
        print(f"           rule {module.ID:<16} {(time.process_time() - t0) / repeat * 1000:6.2f} ms on the dense catalogue (cached work counts once)")


def bench_site(repeat: int) -> None:
    import trustme

    from pharmcheck.engine import check_sync
    from pharmcheck.fetch import FetchConfig
    from tests.servers import SiteServer

    page = catalogue_page(40_000)
    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp)
        names = ["contact", "about", "pharmacist", "prescriptions", "faq", "shipping", "privacy", "terms", "licence"]
        links = " ".join(f'<a href="/{n}.html">{n.title()}</a>' for n in names)
        links += " " + " ".join(f'<a href="/products/drug-{i}.html">Drug {i} 10 mg</a>' for i in range(3))
        (root / "index.html").write_text(page.replace("<main>", f"<main><nav>{links}</nav>"), encoding="utf-8")
        for n in names:
            (root / f"{n}.html").write_text(page.replace("Catalogue", n.title()), encoding="utf-8")
        (root / "products").mkdir()
        for i in range(3):
            (root / "products" / f"drug-{i}.html").write_text(page, encoding="utf-8")
        ca = trustme.CA()
        bundle = root / "ca.pem"
        ca.cert_pem.write_to_path(str(bundle))
        with SiteServer(root, tls="valid", ca=ca, hsts=True) as server:
            config = FetchConfig(ca_file=str(bundle))
            check_sync(server.url, config)  # warm up
            times, pages = [], 0
            for _ in range(repeat):
                t0 = time.perf_counter()
                report = check_sync(server.url, config)
                times.append(time.perf_counter() - t0)
                pages = len([p for p in report["pages"] if not p["error"]])
    print(f"site     {pages}-page site over HTTPS on loopback: median {statistics.median(times) * 1000:.0f} ms, "
          f"max {max(times) * 1000:.0f} ms over {repeat} checks (target < 2000 ms)")


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--repeat", type=int, default=5)
    ap.add_argument("--real-pages", type=Path, default=REPO.parent / "shared" / "data" / "real-pages")
    ap.add_argument("--only-check", action="store_true", help="only the check of the bundled example")
    args = ap.parse_args()
    bench_check_example(max(args.repeat, 10))
    if args.only_check:
        return
    bench_help(args.repeat)
    bench_page(args.repeat, args.real_pages)
    bench_site(args.repeat)


if __name__ == "__main__":
    main()
