"""Audit throughput as processes are added: the classic layout (--workers N), shards (--shards N) and a local
Dask cluster (--cluster local:N), on the loopback farm of bench/farm.py.

    .venv/bin/python bench/bench_scale.py            # 300 sites x 7 pages of 8 KB, N = 1 .. cores
    .venv/bin/python bench/bench_scale.py --sites 1000 --latency-ms 50

Prints sites/s for each layout and N, and the CPU seconds of the main process and of the others. Only the
same machine's cores are measured: a real cluster adds nodes, which this bench cannot show.
"""

from __future__ import annotations

import argparse
import os
import re
import subprocess
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO / "bench"))
from bench_audit import FarmProcess, RssSampler  # noqa: E402
from farm import PORT, site_address  # noqa: E402

_RUN_LINE = re.compile(r"This run: (\d+) record\(s\) in ([\d.]+) s .*?; (\d+) site\(s\) checked \(([\d.]+) sites/s\)")


def run(list_file: Path, out: Path, concurrency: int, layout: list[str]) -> dict:
    cmd = [sys.executable, "-m", "pharmcheck", "audit", "--allow-private", str(list_file), "-o", str(out), "-c", str(concurrency), *layout]
    t0 = time.perf_counter()
    proc = subprocess.Popen(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True, cwd=REPO)
    sampler = RssSampler(proc.pid)
    _, stderr = proc.communicate()
    wall = time.perf_counter() - t0
    sampler.stop()
    lines = out.read_text().count("\n")
    m = _RUN_LINE.search(stderr)
    rate = float(m.group(4)) if m else lines / wall
    return {"wall": wall, "rate": rate, "records": lines, "cpu_main": sampler.cpu_main, "cpu_other": sampler.cpu_workers, "rc": proc.returncode}


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--sites", type=int, default=300)
    ap.add_argument("--pages", type=int, default=7)
    ap.add_argument("--page-kb", type=float, default=8.0)
    ap.add_argument("--latency-ms", type=float, default=0.0)
    ap.add_argument("--concurrency", type=int, default=50)
    ap.add_argument("--max-n", type=int, default=os.cpu_count() or 2)
    ap.add_argument("--skip-dask", action="store_true")
    args = ap.parse_args()
    farm = FarmProcess(args.sites, args.pages, args.page_kb, args.latency_ms)
    try:
        with tempfile.TemporaryDirectory() as tmp:
            listing = Path(tmp) / "sites.txt"
            listing.write_text("".join(f"http://{site_address(i)}:{PORT}/\n" for i in range(args.sites)))
            print(f"{args.sites} sites x {args.pages} pages of {args.page_kb:g} KB, latency {args.latency_ms:g} ms, concurrency {args.concurrency}, {os.cpu_count()} cores")
            print(f"{'layout':<22}{'sites/s':>9}{'wall s':>9}{'CPU main':>10}{'CPU others':>12}")
            layouts: list[tuple[str, list[str]]] = []
            for n in range(1, args.max_n + 1):
                layouts.append((f"--workers {n}", ["--workers", str(n)]))
            for n in range(1, args.max_n + 1):
                layouts.append((f"--shards {n}", ["--shards", str(n)]))
            if not args.skip_dask:
                for n in range(1, args.max_n + 1):
                    layouts.append((f"--cluster local:{n}", ["--cluster", f"local:{n}"]))
            for name, layout in layouts:
                r = run(listing, Path(tmp) / "out.jsonl", args.concurrency, layout)
                flag = "" if r["rc"] == 0 and r["records"] == args.sites else f"  (exit {r['rc']}, {r['records']} records)"
                print(f"{name:<22}{r['rate']:>9.1f}{r['wall']:>9.1f}{r['cpu_main']:>10.1f}{r['cpu_other']:>12.1f}{flag}")
    finally:
        farm.stop()


if __name__ == "__main__":
    main()
