"""How `kg build` scales: time, peak memory and store size at several corpus sizes, one changed source
replaced, and the saved queries on the largest graph. Prints issue 13's table, each figure with its
ratio to the target (<= 1.00 meets it).

Each size is a corpus from bench/corpus.py (the bundled data plus synthetic listing papers, 1,000 to a
file). Peak memory is sampled every 0.1 s as the sum over the build's process tree (the main process
and its workers), and reported also for the largest single process, which is what `time -v` shows.

Run: python bench/scale.py [--sizes 15269,60000,250000] [--jobs 2] [--work /tmp/kg-scale]
"""

import argparse
import json
import os
import shutil
import statistics
import subprocess
import sys
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent))

from bench.corpus import write as write_corpus  # noqa: E402

KG = [sys.executable, "-c", "import sys; from cli import cli; sys.exit(cli())"]
QUERY_PARAMS = {"label": "SISR", "hops": "2", "subject": "https://w3id.org/cnaps-kg/id/model/SISR-CARN-2x",
                "a": "2502.16025", "b": "2309.04502", "id": "2502.16025",
              "first": "SISR", "second": "segmentation"}


def _tree(pid: int) -> list[int]:
    out, todo = [], [pid]
    while todo:
        p = todo.pop()
        out.append(p)
        try:
            todo += [int(c) for c in Path(f"/proc/{p}/task/{p}/children").read_text().split()]
        except OSError:
            pass
    return out


def _rss(pid: int) -> int:
    try:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) * 1024
    except OSError:
        pass
    return 0


def run(args: list[str], env=None) -> dict:
    """Wall time, peak tree RSS and peak single-process RSS of one kg command."""
    start = time.perf_counter()
    proc = subprocess.Popen([*KG, *args], stdout=subprocess.PIPE, stderr=subprocess.PIPE, env=env, cwd=HERE.parent)
    tree_peak = one_peak = 0
    while proc.poll() is None:
        sizes = [_rss(p) for p in _tree(proc.pid)]
        tree_peak, one_peak = max(tree_peak, sum(sizes)), max(one_peak, max(sizes, default=0))
        time.sleep(0.1)
    out, err = proc.communicate()
    if proc.returncode:
        raise SystemExit(f"kg {' '.join(args)} failed:\n{err.decode()[-2000:]}")
    return {"seconds": time.perf_counter() - start, "tree_rss": tree_peak, "rss": one_peak,
            "output": out.decode()}


def _du(path: Path) -> int:
    return sum(p.stat().st_size for p in path.rglob("*") if p.is_file() and not p.is_symlink())


def saved_queries(store: Path, runs: int = 3) -> dict[str, float]:
    """Median seconds of each saved query, run in-process on the store (start-up is not the query's)."""
    from kg.saved import bindings, load_all
    from kg.sparql import run as run_sparql
    from kg.store import LocalStore

    local = LocalStore(store)
    medians = {}
    for name, q in sorted(load_all().items()):
        values = bindings(q, [f"{p.name}={QUERY_PARAMS[p.name]}" for p in q.params])
        times = []
        for _ in range(runs):
            t = time.perf_counter()
            run_sparql(local, q.text, fmt="json", bindings=values, timeout=60)
            times.append(time.perf_counter() - t)
        medians[name] = statistics.median(times)
    return medians


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--sizes", default="15269,60000,250000", help="listing papers per corpus, comma-separated")
    ap.add_argument("--jobs", type=int, default=2)
    ap.add_argument("--work", type=Path, default=Path("/tmp/kg-scale"))
    ap.add_argument("--keep", action="store_true", help="keep the corpora and stores")
    args = ap.parse_args()
    sizes = [int(s) for s in args.sizes.split(",")]
    args.work.mkdir(parents=True, exist_ok=True)
    env = {**os.environ, "KG_CACHE": str(args.work / "cache")}
    rows = []
    for n in sizes:
        corpus, store = args.work / f"corpus-{n}", args.work / f"store-{n}"
        write_corpus(corpus, n, per_file=1000, seed=13)
        shutil.rmtree(store, ignore_errors=True)
        built = run(["build", str(corpus), "--store", str(store), "--jobs", str(args.jobs)], env)
        row = {"papers": n, "build_s": built["seconds"], "tree_rss": built["tree_rss"], "rss": built["rss"],
               "store_bytes": _du(store), "summary": built["output"].strip().splitlines()[-2]}
        # One month changes: a listing file of 1,000 papers loses its first 100 and gains 100 others.
        listings = sorted((corpus / "arxiv").glob("listing-*.jsonl"))
        listing, donor = listings[len(listings) // 2], listings[0].read_text().splitlines()[:100]
        lines = listing.read_text().splitlines()
        revisited = [{**json.loads(d), "Paper": None} for d in donor]
        for r in revisited:
            r["Model Unique Name"] += " revisited"
        listing.write_text("\n".join(lines[100:] + [json.dumps(r) for r in revisited]) + "\n")
        update = run(["build", "--add", str(corpus), "--store", str(store), "--jobs", str(args.jobs)], env)
        row["update_s"] = update["seconds"]
        row["queries"] = saved_queries(store)
        rows.append(row)
        print(json.dumps({k: v for k, v in row.items() if k != "queries"}), flush=True)
        if not args.keep and n != sizes[-1]:
            shutil.rmtree(corpus, ignore_errors=True)
            shutil.rmtree(store, ignore_errors=True)
    report(rows)


def report(rows: list[dict]) -> None:
    base = rows[0]
    mb = 1024 * 1024
    print()
    print(f"{'papers':>8} {'build s':>8} {'s/1k papers':>11} {'per-paper ratio':>15} {'peak MB (tree)':>14} "
          f"{'peak MB (one)':>13} {'store MB':>8} {'update s':>8} {'update/build':>12} {'slowest query ms':>16}")
    for r in rows:
        per = r["build_s"] / r["papers"]
        slowest = max(r["queries"].items(), key=lambda kv: kv[1])
        print(f"{r['papers']:>8} {r['build_s']:>8.1f} {1000 * per:>11.2f} {per / (base['build_s'] / base['papers']):>15.2f} "
              f"{r['tree_rss'] / mb:>14.0f} {r['rss'] / mb:>13.0f} {r['store_bytes'] / mb:>8.0f} {r['update_s']:>8.1f} "
              f"{r['update_s'] / r['build_s']:>12.3f} {1000 * slowest[1]:>10.0f} ({slowest[0]})")
    targets = {15269: 600, 76000: 1024, 250000: 1536}
    print("\nagainst issue 13's targets (ratio <= 1.00 meets it):")
    print(f"  build of the bundled data: {base['build_s']:.1f} s / 30 s = {base['build_s'] / 30:.2f}")
    for r in rows:
        limit = min((mbs for n, mbs in targets.items() if n >= r["papers"]), default=1536)
        print(f"  peak RSS at {r['papers']}: {r['tree_rss'] / mb:.0f} MB (tree) / {limit} MB = "
              f"{r['tree_rss'] / mb / limit:.2f}; largest process {r['rss'] / mb / limit:.2f}")
        print(f"  one changed source at {r['papers']}: {r['update_s']:.1f} s / 5% of {r['build_s']:.0f} s = "
              f"{r['update_s'] / (0.05 * r['build_s']):.2f}")
        median = statistics.median(r["queries"].values())
        print(f"  saved queries at {r['papers']}: median {median * 1000:.0f} ms / 150 ms = {median / 0.15:.2f} "
              f"(slowest {max(r['queries'].values()) * 1000:.0f} ms)")
    for r in rows[1:]:
        ratio = (r["build_s"] / r["papers"]) / (base["build_s"] / base["papers"])
        print(f"  build time per paper at {r['papers']} vs {base['papers']}: {ratio:.2f} / 1.2 = {ratio / 1.2:.2f}")
    last = rows[-1]
    print(f"  projected for 2.4M papers: {last['build_s'] / last['papers'] * 2.4e6 / 3600:.1f} h on these cores, "
          f"store {last['store_bytes'] / last['papers'] * 2.4e6 / 1024 ** 3:.0f} GB")


if __name__ == "__main__":
    main()
