"""Speed and memory of `pharmcheck audit` on a loopback farm of fictional sites. Prints figures; asserts nothing.

Run from the repository root:

    .venv/bin/python bench/bench_audit.py             # the full run: 1,000 sites, 100,000-line list (~8 min)
    .venv/bin/python bench/bench_audit.py --quick     # 200 sites, 10,000-line list (~1 min)

What it measures (issue 3), in one run against one farm process (bench/farm.py: site i on its own address
127.20.x.y:8080, several pages each, robots.txt):

1. Fetch-only baseline vs audit, at the same concurrency (10, 50, 200 sites at once). The baseline is plain
   httpx fetching exactly the pages the audit fetched (robots.txt + each page the audit's records list), one
   small client per site and one request at a time per site, as `fetch_site` does, with no parsing and no
   rules. The audit is the real command (`python -m pharmcheck audit LIST -o FILE`); its figures come from
   its own summary (this run's time, without interpreter start-up). Target: audit >= 70% of the baseline.
2. The trap the design avoids: the same baseline with ONE shared httpx.AsyncClient (httpcore scans its whole
   pool on every request, encode/httpx#3215): its throughput falls as concurrency grows.
3. Worker processes: the audit with --workers 0 (parse and rules in the event loop) vs the default.
4. Peak memory (RSS of the audit and its workers, sampled every 0.1 s) for a list of N sites and for a list of
   100x as many lines, the extra lines being loopback addresses where nothing listens (they fail at once).

Network: only 127.0.0.0/8; every loop here is bounded. The machine this was written on has 2 cores: the
farm, the audit's main process and its workers share them, which the figures include.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import re
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO / "bench"))

from farm import PORT, dead_address, site_address  # noqa: E402


# ----------------------------------------------------------------------------------------------
# The farm


class FarmProcess:
    def __init__(self, sites: int, pages: int, page_kb: float, latency_ms: float = 0.0):
        self.proc = subprocess.Popen(
            [sys.executable, str(REPO / "bench" / "farm.py"), "--sites", str(sites), "--pages", str(pages), "--page-kb", str(page_kb),
             "--latency-ms", str(latency_ms)],
            stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True,
        )
        line = self.proc.stdout.readline()
        if not line.startswith("ready"):
            self.stop()
            raise SystemExit(f"the farm did not start: {line!r}")

    def stop(self) -> None:
        try:
            self.proc.stdin.close()  # the farm ends when its stdin closes
            self.proc.wait(10)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.wait()


# ----------------------------------------------------------------------------------------------
# Memory of a process tree


TICK = os.sysconf("SC_CLK_TCK")


def cpu_seconds(pid: int) -> float:
    """User + system CPU time of a process so far."""
    try:
        with open(f"/proc/{pid}/stat") as f:
            fields = f.read().rsplit(")", 1)[1].split()
        return (int(fields[11]) + int(fields[12])) / TICK
    except (OSError, IndexError, ValueError):
        return 0.0


class RssSampler:
    """Peak resident memory of a process and of its children (the workers), and their CPU time, sampled every 0.1 s."""

    def __init__(self, pid: int):
        self.pid = pid
        self.peak_main = 0
        self.peak_total = 0
        self.cpu: dict[int, float] = {}
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)
        self._thread.start()

    @staticmethod
    def _rss(pid: int, field: str = "VmRSS:") -> int:
        """A memory figure of /proc/PID/status in bytes: VmRSS (now) or VmHWM (the peak so far)."""
        try:
            with open(f"/proc/{pid}/status") as f:
                for line in f:
                    if line.startswith(field):
                        return int(line.split()[1]) * 1024
        except OSError:
            pass
        return 0

    def _children(self) -> list[int]:
        out = []
        for entry in os.listdir("/proc"):
            if entry.isdigit():
                try:
                    with open(f"/proc/{entry}/stat") as f:
                        fields = f.read().rsplit(")", 1)[1].split()
                    if int(fields[1]) == self.pid:
                        out.append(int(entry))
                except (OSError, IndexError, ValueError):
                    continue
        return out

    def _run(self) -> None:
        children: list[int] = []
        n = 0
        while not self._stop.wait(0.1):
            if n % 10 == 0:
                children = self._children()
            n += 1
            main = self._rss(self.pid)
            total = main + sum(self._rss(c) for c in children)
            for pid in (self.pid, *children):
                self.cpu[pid] = max(self.cpu.get(pid, 0.0), cpu_seconds(pid))
            self.peak_main = max(self.peak_main, main)
            self.peak_total = max(self.peak_total, total)

    def stop(self) -> None:
        self._stop.set()
        self._thread.join()

    @property
    def cpu_main(self) -> float:
        return self.cpu.get(self.pid, 0.0)

    @property
    def cpu_workers(self) -> float:
        return sum(v for k, v in self.cpu.items() if k != self.pid)


# ----------------------------------------------------------------------------------------------
# The audit, as a user runs it

_RUN_LINE = re.compile(
    r"This run: (\d+) record\(s\) in ([\d.]+) s .*?; (\d+) site\(s\) checked \(([\d.]+) sites/s\), (\d+) page\(s\) read \(([\d.]+) pages/s\)"
)


def run_audit(list_file: Path, out: Path, concurrency: int, workers: int | None = None, timeout: float = 30.0, *, stub_engine: bool = False, farm: "FarmProcess | None" = None) -> dict:
    args = ["audit", "--allow-private", str(list_file), "-o", str(out), "-c", str(concurrency), "--timeout", str(timeout)]
    if workers is not None:
        args += ["--workers", str(workers)]
    if stub_engine:  # the real command, with engine.analyze replaced by a stub that parses nothing
        cmd = [sys.executable, __file__, "--stub-engine-audit", json.dumps(args)]
    else:
        cmd = [sys.executable, "-m", "pharmcheck", *args]
    farm_cpu = cpu_seconds(farm.proc.pid) if farm else 0.0
    t0 = time.perf_counter()
    proc = subprocess.Popen(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True, cwd=REPO)
    sampler = RssSampler(proc.pid)
    _, stderr = proc.communicate()
    wall = time.perf_counter() - t0
    sampler.stop()
    farm_cpu = cpu_seconds(farm.proc.pid) - farm_cpu if farm else 0.0
    m = _RUN_LINE.search(stderr)
    if proc.returncode != 0 or m is None:
        raise SystemExit(f"audit failed ({proc.returncode}):\n{stderr}")
    records, seconds, checked, _, pages, _ = m.groups()
    errors = re.findall(r"^  (\S+)\s+(\d+)$", stderr.split("Errors by kind:", 1)[1], re.M) if "Errors by kind:" in stderr else []
    return {
        "records": int(records), "seconds": float(seconds), "wall": wall, "sites": int(checked), "pages": int(pages),
        "rss_main": sampler.peak_main, "rss_total": sampler.peak_total, "errors": dict((k, int(v)) for k, v in errors),
        "cpu_main": sampler.cpu_main, "cpu_workers": sampler.cpu_workers, "cpu_farm": farm_cpu,
    }


def stub_engine_audit(args: list[str]) -> None:
    """`pharmcheck audit` with the parsing and the rules taken out: what the audit's own machinery costs.

    engine.analyze is replaced before the worker processes are forked, so they run the stub too.
    """
    import pharmcheck.engine as engine
    from pharmcheck.report import build_report

    def analyze(raw):  # the report of a site with no rule run: no parsing at all
        return build_report(raw, None, [], {"verdict": "could-not-check" if raw.error else "not-a-pharmacy", "score": None, "critical": []})

    engine.analyze = analyze
    from pharmcheck.cli import main as cli_main

    sys.argv = ["pharmcheck", *args]
    cli_main()


def engine_cost(urls: list[str]) -> dict:
    """CPU of the engine per site (parse_site, then the rules), measured on fetched farm sites, in process."""
    from pharmcheck.engine import analyze, run_rules
    from pharmcheck.fetch import FetchConfig, fetch_site
    from pharmcheck.site import parse_site

    async def fetch_all():
        config = FetchConfig(obey_robots=True, per_host_concurrency=1)
        return [await fetch_site(u, config) for u in urls]

    raws = asyncio.run(fetch_all())
    analyze(raws[0])  # warm up: imports, compiled patterns
    parse_t = rules_t = whole_t = 0.0
    pages = 0
    for raw in raws:
        t0 = time.process_time()
        site = parse_site(raw)
        t1 = time.process_time()
        run_rules(site)
        t2 = time.process_time()
        analyze(raw)
        t3 = time.process_time()
        parse_t, rules_t, whole_t = parse_t + t1 - t0, rules_t + t2 - t1, whole_t + t3 - t2
        pages += len(site.pages)
    n = len(raws)
    return {"parse_ms": parse_t / n * 1000, "rules_ms": rules_t / n * 1000, "analyze_ms": whole_t / n * 1000, "pages": pages / n,
            "kb": sum(len(p.body) for r in raws for p in r.pages) / max(1, sum(len(r.pages) for r in raws)) / 1000}


def pages_of(out: Path) -> list[list[str]]:
    """What each site's audit fetched: robots.txt, then every page its record lists (in order)."""
    sites = []
    with open(out, encoding="utf-8") as f:
        for line in f:
            record = json.loads(line)
            if record["error"] is not None:
                continue
            urls = []
            robots = (record["connection"].get("robots") or {}).get("url")
            if robots:
                urls.append(robots)
            for page in record["pages"]:
                urls.append(page["requested_url"])
            sites.append(urls)
    return sites


# ----------------------------------------------------------------------------------------------
# The fetch-only baseline (run in its own process: `--baseline-worker`)


async def _baseline(sites: list[list[str]], concurrency: int, shared: bool) -> dict:
    import ssl

    import httpx

    sem = asyncio.Semaphore(concurrency)
    pages = 0
    headers = {"User-Agent": "pharmcheck-bench-baseline"}
    tls = ssl.create_default_context()  # built once: httpx would load the CA file again for every client

    async def crawl(client: httpx.AsyncClient, urls: list[str]) -> None:
        nonlocal pages
        for url in urls:  # one request at a time per site, as the audit does
            response = await client.get(url)
            await response.aread()
            if not url.endswith("/robots.txt"):
                pages += 1

    async def one(urls: list[str], client: httpx.AsyncClient | None) -> None:
        async with sem:
            if client is not None:
                await crawl(client, urls)
                return
            async with httpx.AsyncClient(limits=httpx.Limits(max_connections=1), verify=tls, trust_env=False, timeout=30, headers=headers) as own:
                await crawl(own, urls)

    t0 = time.perf_counter()
    if shared:
        limits = httpx.Limits(max_connections=concurrency, max_keepalive_connections=concurrency)
        async with httpx.AsyncClient(limits=limits, verify=tls, trust_env=False, timeout=30, headers=headers) as client:
            await asyncio.gather(*(one(u, client) for u in sites))
    else:
        await asyncio.gather(*(one(u, None) for u in sites))
    seconds = time.perf_counter() - t0
    return {"seconds": seconds, "sites": len(sites), "pages": pages}


def run_baseline(pages_file: Path, concurrency: int, shared: bool = False) -> dict:
    cmd = [sys.executable, __file__, "--baseline-worker", str(pages_file), "--baseline-concurrency", str(concurrency)]
    if shared:
        cmd.append("--baseline-shared")
    out = subprocess.run(cmd, capture_output=True, text=True, check=True, cwd=REPO)
    return json.loads(out.stdout)


# ----------------------------------------------------------------------------------------------


def mb(n: int) -> str:
    return f"{n / 1e6:.0f} MB"


def rates(run: dict) -> tuple[float, float]:
    return run["sites"] / run["seconds"], run["pages"] / run["seconds"]


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--quick", action="store_true", help="200 sites, 10,000-line list, concurrency 10 and 50 (~1.5 min)")
    ap.add_argument("--sites", type=int, default=None, help="farm size (default 1000; quick: 200)")
    ap.add_argument("--pages", type=int, default=7, help="pages per site, start page included (default 7)")
    ap.add_argument("--page-kb", type=float, default=8.0, help="size of each page in KB (default 8)")
    ap.add_argument("--latency-ms", type=float, default=0.0, help="the farm waits this long before each answer, as a real network and server do (default 0: pure loopback, a CPU-bound test)")
    ap.add_argument("--concurrency", default=None, help="comma-separated (default 10,50,200; quick: 10,50)")
    ap.add_argument("--workers", default=None, help="comma-separated --workers values for section 1, e.g. 1,2 (default: pharmcheck's, one per core)")
    ap.add_argument("--long-list", type=int, default=None, help="lines of the long list for the memory figure (default 100000; quick: 10000; 0: skip)")
    ap.add_argument("--skip-shared", action="store_true", help="skip the shared-client baseline")
    ap.add_argument("--skip-workers", action="store_true", help="skip the --workers 0 comparison")
    ap.add_argument("--skip-stub", action="store_true", help="skip the audit runs with the engine stubbed out")
    ap.add_argument("--warc-sites", type=int, default=None, help="sites of the WARC crawl for the crawl-input figures (default 500; quick: 200; 0: skip); a crawl 10x as large measures memory")
    ap.add_argument("--baseline-worker", help=argparse.SUPPRESS)
    ap.add_argument("--baseline-concurrency", type=int, help=argparse.SUPPRESS)
    ap.add_argument("--baseline-shared", action="store_true", help=argparse.SUPPRESS)
    ap.add_argument("--stub-engine-audit", help=argparse.SUPPRESS)
    args = ap.parse_args()

    if args.baseline_worker:
        sites = json.loads(Path(args.baseline_worker).read_text())
        print(json.dumps(asyncio.run(_baseline(sites, args.baseline_concurrency, args.baseline_shared))))
        return
    if args.stub_engine_audit:
        stub_engine_audit(json.loads(args.stub_engine_audit))
        return

    n_sites = args.sites or (200 if args.quick else 1000)
    levels = [int(c) for c in (args.concurrency or ("10,50" if args.quick else "10,50,200")).split(",")]
    long_lines = args.long_list if args.long_list is not None else (10_000 if args.quick else 100_000)
    mid = 50 if 50 in levels else levels[-1]
    latency = f", {args.latency_ms:g} ms before each answer" if args.latency_ms else ""
    print(f"pharmcheck audit bench: {n_sites} sites x {args.pages} pages of ~{args.page_kb:g} KB on loopback{latency}, {os.cpu_count()} CPU core(s)", flush=True)
    started = time.perf_counter()
    farm = FarmProcess(n_sites, args.pages, args.page_kb, args.latency_ms)
    try:
        with tempfile.TemporaryDirectory(prefix="pharmcheck-bench-") as tmp:
            tmpdir = Path(tmp)
            lst = tmpdir / "sites.txt"
            urls = [f"http://{site_address(i)}:{PORT}/" for i in range(n_sites)]
            lst.write_text("".join(u + "\n" for u in urls))
            out = tmpdir / "out.jsonl"
            pages_file = tmpdir / "pages.json"

            cost = engine_cost(urls[:12])
            print(
                f"engine CPU per site (in process, {cost['pages']:.0f} pages of ~{cost['kb']:.0f} KB): parse_site {cost['parse_ms']:.0f} ms"
                f" + rules {cost['rules_ms']:.0f} ms (analyze() {cost['analyze_ms']:.0f} ms)",
                flush=True,
            )
            print()
            print("1. Throughput, audit vs fetch-only baseline at the same concurrency (this run's time, without interpreter start-up)")
            worker_levels = [int(w) for w in args.workers.split(",")] if args.workers else [None]
            print(f"   {'workers':>7}  {'concurrency':>11}  {'baseline pages/s':>16}  {'audit sites/s':>13}  {'audit pages/s':>13}  {'audit/baseline':>14}  {'CPU s: main / workers / farm':>28}  {'peak RSS main + workers':>24}")
            results = {}
            baselines: dict[int, dict] = {}
            for w in worker_levels:
                for c in levels:
                    aud = run_audit(lst, out, c, workers=w, farm=farm)
                    if not pages_file.exists():  # exactly the pages the audit fetched: the baseline fetches these
                        pages_file.write_text(json.dumps(pages_of(out)))
                    if c not in baselines:
                        baselines[c] = run_baseline(pages_file, c)
                    base = baselines[c]
                    if w == worker_levels[-1]:
                        results[c] = (base, aud)
                    b_pps = base["pages"] / base["seconds"]
                    a_sps, a_pps = rates(aud)
                    cpu = f"{aud['cpu_main']:.1f} / {aud['cpu_workers']:.1f} / {aud['cpu_farm']:.1f}"
                    rss = f"{mb(aud['rss_main'])} + {mb(aud['rss_total'] - aud['rss_main'])}"
                    label = "default" if w is None else str(w)
                    print(f"   {label:>7}  {c:>11}  {b_pps:>16.0f}  {a_sps:>13.1f}  {a_pps:>13.0f}  {a_pps / b_pps:>14.0%}  {cpu:>28}  {rss:>24}", flush=True)
            first = results[levels[0]][1]
            print(f"   ({first['records']} records per run, errors: {first['errors'] or 'none'}; the baseline fetched {results[levels[0]][0]['pages']} pages)")
            if not args.skip_stub:
                print()
                print("2. The audit's own machinery: the same command with engine.analyze stubbed out (no parsing, no rules)")
                for c in levels:
                    aud = run_audit(lst, tmpdir / "stub.jsonl", c, stub_engine=True, farm=farm)
                    base = results[c][0]
                    a_sps, a_pps = rates(aud)
                    print(f"   concurrency {c:>4}: {a_sps:6.1f} sites/s, {a_pps:6.0f} pages/s = {a_pps / (base['pages'] / base['seconds']):.0%} of the baseline", flush=True)
            if not args.skip_shared:
                print()
                print("3. The trap avoided: fetch-only with ONE shared httpx.AsyncClient vs one small client per site (pages/s)")
                for c in levels:
                    shared = run_baseline(pages_file, c, shared=True)
                    per_site = results[c][0]
                    print(f"   concurrency {c:>4}: shared client {shared['pages'] / shared['seconds']:>6.0f}   per-site clients {per_site['pages'] / per_site['seconds']:>6.0f}", flush=True)
            if not args.skip_workers:
                print()
                print(f"4. Worker processes for parsing and rules (concurrency {mid})")
                aud = run_audit(lst, out, mid, workers=0, farm=farm)
                print(f"   --workers 0 (in the event loop): {rates(aud)[0]:6.1f} sites/s, {rates(aud)[1]:6.0f} pages/s", flush=True)
                aud = results[mid][1]
                print(f"   default, {os.cpu_count()} workers:          {rates(aud)[0]:6.1f} sites/s, {rates(aud)[1]:6.0f} pages/s")
            if long_lines:
                print()
                print(f"5. Peak memory (RSS) as the list grows, concurrency {mid}; the extra lines are loopback addresses where nothing listens")
                long_list = tmpdir / "long.txt"
                step = max(1, long_lines // n_sites)
                with open(long_list, "w") as f:
                    for i in range(long_lines):
                        if i % step == 0 and i // step < n_sites:
                            f.write(f"http://{site_address(i // step)}:{PORT}/\n")
                        else:
                            f.write(f"http://{dead_address(i)}:{PORT}/\n")
                aud_long = run_audit(long_list, tmpdir / "long.jsonl", mid, farm=farm)
                for label, aud in ((f"{n_sites:,} lines", results[mid][1]), (f"{long_lines:,} lines", aud_long)):
                    print(
                        f"   {label:>15}: main {mb(aud['rss_main'])}, main + workers {mb(aud['rss_total'])} "
                        f"({aud['records']:,} records in {aud['seconds']:.0f} s, {aud['records'] / aud['seconds']:.0f} records/s; errors {aud['errors'] or 'none'})",
                        flush=True,
                    )
            warc_sites = args.warc_sites if args.warc_sites is not None else (200 if args.quick else 500)
            if warc_sites:
                print()
                bench_warc(tmpdir, warc_sites, args.pages, args.page_kb, mid)
    finally:
        farm.stop()
    print(f"\nbench took {time.perf_counter() - started:.0f} s")


def write_warc(path: Path, sites: int, pages: int, kb: float) -> int:
    """A gzipped WARC crawl of ``sites`` farm sites (fictional names), one site after the other, as wget writes them."""
    import io

    from warcio.statusandheaders import StatusAndHeaders
    from warcio.warcwriter import WARCWriter

    sys.path.insert(0, str(Path(__file__).resolve().parent))
    from farm import FLAVOURS, Farm

    templates = Farm(1, pages, kb).templates
    with open(path, "wb") as f:
        writer = WARCWriter(f, gzip=True)
        for i in range(sites):
            for (flavour, page_path), body in templates.items():
                if flavour != FLAVOURS[i % len(FLAVOURS)]:
                    continue
                body = body.replace(b"@@NAME@@", b"Pharmacy %05d" % i)
                headers = StatusAndHeaders("200 OK", [("Content-Type", "text/html; charset=utf-8")], protocol="HTTP/1.1")
                record = writer.create_warc_record(f"https://pharmacy-{i:05d}.example{page_path}", "response", payload=io.BytesIO(body), length=len(body), http_headers=headers)
                writer.write_record(record)
    return path.stat().st_size


def bench_warc(tmpdir: Path, sites: int, pages: int, kb: float, concurrency: int) -> None:
    print(f"6. A crawl as input (pharmcheck audit crawl.warc.gz: offline, nothing fetched), concurrency {concurrency}")
    small, large = tmpdir / "small.warc.gz", tmpdir / "large.warc.gz"
    size_small = write_warc(small, sites, pages, kb)
    size_large = write_warc(large, sites * 10, pages, kb)
    aud = run_audit(small, tmpdir / "warc.jsonl", concurrency)
    print(f"   {sites:,} sites ({size_small / 1e6:.1f} MB gzipped), full engine: {rates(aud)[0]:.1f} sites/s, {rates(aud)[1]:.0f} pages/s;"
          f" peak RSS main {mb(aud['rss_main'])}, main + workers {mb(aud['rss_total'])}", flush=True)
    for label, path, size in ((f"{sites:,} sites", small, size_small), (f"{sites * 10:,} sites", large, size_large)):
        aud = run_audit(path, tmpdir / "warc-stub.jsonl", concurrency, stub_engine=True)
        print(f"   {label:>13} ({size / 1e6:6.1f} MB), engine stubbed out: {rates(aud)[0]:6.1f} sites/s; peak RSS main {mb(aud['rss_main'])},"
              f" main + workers {mb(aud['rss_total'])}", flush=True)


if __name__ == "__main__":
    main()
