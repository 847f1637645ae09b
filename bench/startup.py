"""How long a cold `kg ask` takes, as a whole process, with and without the label-lemma cache.

Builds the bundled graph into a temporary store once, then runs `kg ask` N times in fresh
processes: first with a cache directory kg cannot write (every run lemmatises the thesaurus
labels, as kg did before the cache), then with a cache one untimed run has filled. Prints
the medians, their ratio, and the peak RSS. Issue 13's target for the cold start is 1.0 s.

Run: python bench/startup.py [--runs 5] [--store DIR]
"""

import argparse
import os
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

QUESTION = "I doubled the size of a blurry CCTV still and the face became clear - how?"
KG = [sys.executable, "-c", "import sys; from cli import cli; sys.exit(cli())"]


def run(store: Path, cache: str, runs: int) -> tuple[float, int]:
    env = {**os.environ, "KG_CACHE": cache}
    times, peak = [], 0
    for _ in range(runs):
        t = time.perf_counter()
        subprocess.run([*KG, "ask", "--store", str(store), QUESTION], env=env, check=True, stdout=subprocess.DEVNULL)
        times.append(time.perf_counter() - t)
        peak = max(peak, resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss)
    return statistics.median(times), peak


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--runs", type=int, default=5)
    ap.add_argument("--store", type=Path, help="an existing store (default: build the bundled data)")
    args = ap.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        store = args.store
        if store is None:
            store = Path(tmp) / "store"
            subprocess.run([*KG, "build", "--store", str(store)], check=True, stdout=subprocess.DEVNULL)
        blocked = Path(tmp) / "blocked"
        blocked.write_text("")  # a file: no cache directory can be made under it
        without, _ = run(store, str(blocked / "cache"), args.runs)
        run(store, str(Path(tmp) / "cache"), 1)  # fills the cache
        cached, peak = run(store, str(Path(tmp) / "cache"), args.runs)
    print(f"kg ask, cold, median of {args.runs} (whole process)")
    print(f"  lemmatising the labels every run: {without:.2f} s")
    print(f"  labels from the cache:            {cached:.2f} s  (ratio {cached / without:.2f})")
    print(f"  against the 1.0 s target:         {cached / 1.0:.2f}x")
    print(f"  peak RSS of one run:              {peak / 1024:.0f} MB")


if __name__ == "__main__":
    main()
