"""A synthetic corpus for scaling benchmarks, built from the bundled data.

Writes DIR with the bundled catalogues, task definitions and bundle, plus arXiv listings of
synthetic papers, one file per month of at most --per-file records (a corpus that grows by
monthly listings, as the real one does). Each synthetic paper joins the start of one bundled
title to the end of another with the same label, so titles keep the vocabulary and the
label mix of real ones; ids are new arXiv ids, links keep the bundled share of GitHub links.
The first 15,269 papers are the bundled listing itself, so `--papers 15269` is seeds/.

Run: python bench/corpus.py --papers 250000 --out /tmp/corpus-250k [--seed 13]
"""

import argparse
import json
import random
import shutil
from collections import defaultdict
from pathlib import Path

from kg.paths import SEEDS

LISTING = SEEDS / "arxiv" / "arxiv_2023_after.jsonl"


def synthesise(records: list[dict], n: int, rng: random.Random):
    by_label = defaultdict(list)
    for r in records:
        by_label[r.get("Detailed Category")].append(r)
    labels = sorted(by_label, key=str)
    weights = [len(by_label[k]) for k in labels]
    for i in range(n):
        label = rng.choices(labels, weights)[0]
        a, b = rng.choice(by_label[label]), rng.choice(by_label[label])
        wa, wb = a["Model Unique Name"].split(), b["Model Unique Name"].split()
        title = " ".join(wa[: max(1, len(wa) // 2)] + wb[len(wb) // 2:])
        month = 2401 + (i // 20000) % 12 + 100 * (i // 240000)
        aid = f"{month}.{i % 20000 + 50000:05d}"
        yield {"Model Unique Name": title, "Category": a.get("Category"), "Detailed Category": label,
               "Dataset": None, "Paper": f"http://arxiv.org/pdf/{aid}v1.pdf",
               "GitHub": f"https://github.com/synthetic/{aid}" if a.get("GitHub") else None,
               "HuggingFace": None}


def write(out: Path, papers: int, per_file: int, seed: int) -> list[Path]:
    if out.exists():
        shutil.rmtree(out)
    shutil.copytree(SEEDS, out, ignore=shutil.ignore_patterns("arxiv_2023_after.jsonl", "README*"))
    records = [json.loads(line) for line in LISTING.open(encoding="utf-8")]
    rows = records[:papers] + list(synthesise(records, max(0, papers - len(records)), random.Random(seed)))
    written = []
    for k in range(0, len(rows), per_file):
        path = out / "arxiv" / f"listing-{k // per_file:04d}.jsonl"
        with path.open("w", encoding="utf-8") as fh:
            for r in rows[k:k + per_file]:
                fh.write(json.dumps(r) + "\n")
        written.append(path)
    return written


if __name__ == "__main__":
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--papers", type=int, required=True, help="listing papers in all (15269 = the bundled ones)")
    ap.add_argument("--out", type=Path, required=True, help="directory to write (replaced)")
    ap.add_argument("--per-file", type=int, default=10000, help="papers per listing file")
    ap.add_argument("--seed", type=int, default=13)
    args = ap.parse_args()
    files = write(args.out, args.papers, args.per_file, args.seed)
    print(f"{args.out}: {args.papers} listing papers in {len(files)} files, plus the bundled catalogues")
