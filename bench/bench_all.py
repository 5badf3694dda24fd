"""Every figure issues 9 and 10 ask for, in one run: each bench script in turn, its output as it prints.

    .venv/bin/python bench/bench_all.py            # about 1 h 30 on 2 cores, most of it the 10,000,000-line list
    .venv/bin/python bench/bench_all.py --quick    # a few minutes: smaller farm and lists

1. analysis ms per page and its ratio to the bs4 tree build, on the real pages (bench_analysis.py);
2. audit sites/s and audit / fetch-only at concurrency 10, 50 and 200, for --workers 1 and 2, with no added
   latency and with 50 ms before each answer (bench_audit.py);
3. --workers, --shards and a local Dask cluster with 1 and 2 workers (bench_scale.py);
4. the main process's peak RSS at 100,000 and 10,000,000 lines (bench_memory.py).
"""

from __future__ import annotations

import argparse
import subprocess
import sys
import time
from pathlib import Path

BENCH = Path(__file__).resolve().parent


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--quick", action="store_true", help="smaller farm (200 sites), concurrency 10 and 50, lists of 10,000 and 100,000 lines")
    args = ap.parse_args()
    audit = ["--workers", "1,2", "--skip-shared", "--skip-stub", "--skip-workers", "--long-list", "0", "--warc-sites", "0"]
    if args.quick:
        audit += ["--quick"]
    steps = [
        ("analysis per page", ["bench_analysis.py", "--repeat", "3" if args.quick else "7"]),
        ("audit against fetch-only, no added latency", ["bench_audit.py", *audit]),
        ("audit against fetch-only, 50 ms before each answer", ["bench_audit.py", *audit, "--latency-ms", "50"]),
        ("processes, shards and a Dask cluster", ["bench_scale.py", *(["--sites", "150"] if args.quick else [])]),
        ("memory as the list grows", ["bench_memory.py", "--lines", "10000,100000" if args.quick else "100000,10000000"]),
    ]
    started = time.monotonic()
    for title, cmd in steps:
        print(f"\n==== {title}: bench/{' '.join(cmd)}", flush=True)
        code = subprocess.call([sys.executable, str(BENCH / cmd[0]), *cmd[1:]], cwd=BENCH.parent)
        if code:
            print(f"(exit {code})", flush=True)
    print(f"\nall benches took {(time.monotonic() - started) / 60:.0f} min")


if __name__ == "__main__":
    main()
