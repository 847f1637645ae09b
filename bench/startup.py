"""How long a cold `kg ask` takes, as a whole process: in-process, and answered by a resident.

Builds the bundled graph into a temporary store once, then runs `kg ask` in fresh processes:
N times in-process with a cache directory kg cannot write (every run lemmatises the thesaurus
labels), N times in-process with the label cache filled, once with no resident running (it
answers and starts one), and N times answered by that resident. Prints the medians, their
ratios to issue 13's starting figure (5.7 s) and to its 1.0 s target, and the peak RSS. For scale it
also times a process that only imports spaCy and loads the trained pipeline: no in-process answer
can start faster than that.

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
KG = [sys.executable, "-c", "from cli import main; main()"]  # as the kg command runs


STARTING_FIGURE = 5.7  # seconds, measured when issue 13 was filed


def _median(cmd: list[str], runs: int, env=None) -> float:
    times = []
    for _ in range(runs):
        t = time.perf_counter()
        subprocess.run(cmd, env=env, check=True, stdout=subprocess.DEVNULL)
        times.append(time.perf_counter() - t)
    return statistics.median(times)


def run(store: Path, cache: str, runs: int, run_dir: str | None = None) -> tuple[float, int]:
    env = {**os.environ, "KG_CACHE": cache, "KG_RESIDENT": "1" if run_dir else "0", "KG_RUNTIME_DIR": run_dir or ""}
    median = _median([*KG, "ask", "--store", str(store), QUESTION], runs, env)
    return median, resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss


def spacy_alone(runs: int) -> float:
    """A process that loads what the question pipeline loads from spaCy, and nothing of kg's."""
    from kg.nlp import QUESTION_EXCLUDE
    from kg.paths import TRAINED_PIPELINE

    code = f"import spacy; spacy.load({TRAINED_PIPELINE!r}, exclude={QUESTION_EXCLUDE!r})"
    return _median([sys.executable, "-c", code], runs)


def wait_for_resident(store: Path, run_dir: str) -> None:
    env = {**os.environ, "KG_RESIDENT": "1", "KG_RUNTIME_DIR": run_dir}
    for _ in range(600):
        got = subprocess.run([*KG, "resident", "status", "--store", str(store)], env=env, capture_output=True, text=True)
        if got.stdout.startswith("resident "):
            return
        time.sleep(0.2)
    raise SystemExit("the resident did not start")


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
        cache = str(Path(tmp) / "cache")
        without, _ = run(store, str(blocked / "cache"), args.runs)
        run(store, cache, 1)  # fills the cache
        cached, peak = run(store, cache, args.runs)
        run_dir = str(Path(tmp) / "run")
        first, _ = run(store, cache, 1, run_dir)
        wait_for_resident(store, run_dir)
        served, _ = run(store, cache, args.runs, run_dir)
        floor = spacy_alone(args.runs)
        subprocess.run([*KG, "resident", "stop", "--store", str(store)], check=True, stdout=subprocess.DEVNULL,
                       env={**os.environ, "KG_RESIDENT": "1", "KG_RUNTIME_DIR": run_dir})
    print(f"kg ask, cold, median of {args.runs} (whole process); ratios to {STARTING_FIGURE} s and to the 1.0 s target")
    rows = [("in-process, lemmatising the labels every run", without),
            ("in-process, labels from the cache", cached),
            ("the first ask, which starts a resident (once)", first),
            ("answered by the resident", served),
            ("(spaCy's import and pipeline load alone)", floor)]
    for label, secs in rows:
        print(f"  {label:<48} {secs:5.2f} s   {secs / STARTING_FIGURE:5.2f}   {secs / 1.0:5.2f}x")
    print(f"  peak RSS of one in-process run: {peak / 1024:.0f} MB")


if __name__ == "__main__":
    main()
