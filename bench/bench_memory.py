"""Peak memory of `pharmcheck audit` as the list grows (issue 10: flat memory). Prints figures; asserts nothing.

    .venv/bin/python bench/bench_memory.py [--lines 100000,10000000] [--format csv] [--workers 1]

For each size N it writes a list of N distinct sites and audits it as a user would (``-o`` a file in a
temporary folder), sampling the resident memory (VmRSS, /proc) of the main process every 0.1 s and, at the
end, its high-water mark (VmHWM). Target: the main process's peak for 10,000,000 lines within 1.2 x that
for 100,000.

The sites are literal addresses in 10.0.0.0/8, one per line: pharmcheck refuses them before any packet is
sent (a list's lines may not reach private addresses unless ``--allow-private``), so every line is a
distinct site with its own record and key, at a few hundred microseconds a line, and nothing is contacted.
What grows with the list is what this measures: the table of sites seen (duplicates, ``--resume``), which
moves to a file beside the output past a few megabytes, and anything else that would grow.
A 10,000,000-line run takes about 40 minutes on 2 cores and writes about 3 GB of CSV (17 GB of JSONL).
"""

from __future__ import annotations

import argparse
import subprocess
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO / "bench"))

from bench_audit import RssSampler, mb  # noqa: E402


def write_list(path: Path, lines: int) -> None:
    if lines > 1 << 24:
        raise SystemExit("at most 16,777,216 lines: one address of 10.0.0.0/8 each")
    with path.open("w", encoding="ascii") as f:
        for start in range(0, lines, 65536):
            f.write("".join(f"http://10.{i >> 16 & 255}.{i >> 8 & 255}.{i & 255}/\n" for i in range(start, min(lines, start + 65536))))


def run(lines: int, fmt: str, workers: str | None, folder: Path) -> dict:
    listing = folder / f"list-{lines}.txt"
    write_list(listing, lines)
    out = folder / f"out-{lines}.{fmt}"
    cmd = [sys.executable, "-m", "pharmcheck", "audit", str(listing), "-o", str(out), "-f", fmt, "--quiet"]
    if workers is not None:
        cmd += ["--workers", workers]
    t0 = time.monotonic()
    proc = subprocess.Popen(cmd, cwd=REPO, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    sampler = RssSampler(proc.pid)
    high = 0
    while proc.poll() is None:
        high = max(high, RssSampler._rss(proc.pid, "VmHWM:"))
        time.sleep(0.5)
    sampler.stop()
    err = proc.stderr.read().decode(errors="replace") if proc.stderr else ""
    wall = time.monotonic() - t0
    with out.open("rb") as f:
        records = sum(1 for _ in f) - (1 if fmt == "csv" else 0)
    result = {"lines": lines, "records": records, "wall": wall, "rss_main": max(sampler.peak_main, high), "rss_total": sampler.peak_total, "code": proc.returncode, "out_bytes": out.stat().st_size}
    listing.unlink()
    out.unlink()
    if proc.returncode != 0:
        result["error"] = err.strip().splitlines()[-1:] if err.strip() else []
    return result


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--lines", default="100000,10000000", help="comma-separated list sizes (default 100000,10000000)")
    ap.add_argument("--format", default="csv", choices=("csv", "jsonl"), help="the records' format (csv: ~300 bytes a record)")
    ap.add_argument("--workers", default=None, help="--workers for the audit (default: pharmcheck's)")
    ap.add_argument("--tmp", type=Path, default=None, help="folder for the list and the output (default: TMPDIR)")
    args = ap.parse_args()
    sizes = [int(x) for x in args.lines.split(",") if x.strip()]
    print(f"pharmcheck audit, peak memory as the list grows ({args.format}; lines are refused private addresses, no packet sent)", flush=True)
    results = []
    with tempfile.TemporaryDirectory(prefix="pharmcheck-bench-memory-", dir=args.tmp) as tmp:
        for n in sizes:
            r = run(n, args.format, args.workers, Path(tmp))
            results.append(r)
            ok = "" if r["code"] == 0 and r["records"] == n else f"  (exit {r['code']}, {r['records']} records: {r.get('error')})"
            print(f"  {n:>11,} lines: {r['wall']:7.0f} s ({n / r['wall']:,.0f} lines/s), peak RSS main {mb(r['rss_main'])}, "
                  f"main + workers {mb(r['rss_total'])}, output {r['out_bytes'] / 1e6:,.0f} MB{ok}", flush=True)
    if len(results) >= 2 and results[0]["rss_main"]:
        base = results[0]
        for r in results[1:]:
            print(f"  main peak at {r['lines']:,} lines / at {base['lines']:,}: {r['rss_main'] / base['rss_main']:.2f} x (target: at most 1.2 x)")


if __name__ == "__main__":
    main()
