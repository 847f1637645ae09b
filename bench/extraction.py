"""Extraction quality and speed on the bundled arXiv titles, with and without the trained pipeline.

Prints, for each pipeline:
- recall: how often the tasks/methods extracted from a title include the concept of its label;
- noise: extracted task/method links per title that are not its label's concept;
- words per second through nlp.pipe;
- build time of the bundled corpus (kg build into a temporary store).

Run: python bench/extraction.py [--limit N]
"""

import argparse
import json
import tempfile
import time
from pathlib import Path

from kg.build import build_store, load_ontologies
from kg.extract import Text, extract
from kg.paths import SEEDS
from kg.store import LocalStore
from kg.thesaurus import Thesaurus


def measure(trained: bool, limit: int | None) -> dict:
    import kg.nlp

    if not trained:
        kg.nlp.TRAINED = "not-installed"
    th = Thesaurus.from_graph(load_ontologies())
    nlp = kg.nlp.load(th, datasets=[])
    records = [json.loads(line) for line in (SEEDS / "arxiv" / "arxiv_2023_after.jsonl").open()][:limit]
    texts = [Text(f"urn:paper:{i}", "urn:source", r["Model Unique Name"]) for i, r in enumerate(records)]
    words = sum(len(t.text.split()) for t in texts)
    t0 = time.perf_counter()
    links = extract(texts, nlp, th.normalised_labels(), min_sources=10**9)
    seconds = time.perf_counter() - t0
    found: dict[str, set] = {}
    for link in links:
        if link.kind in ("task", "method"):
            found.setdefault(str(link.subject), set()).add(str(link.obj))
    hits = noise = labelled = 0
    for i, r in enumerate(records):
        want = th.lookup(r["Detailed Category"]) if r.get("Detailed Category") else None
        if not want:
            continue
        labelled += 1
        got = found.get(f"urn:paper:{i}", set())
        hits += want in got or any(th.related(want, g) for g in got)
        noise += len({g for g in got if not th.related(want, g)})
    with tempfile.TemporaryDirectory() as tmp:
        b0 = time.perf_counter()
        build_store([SEEDS], LocalStore(Path(tmp) / "store"))
        build_seconds = time.perf_counter() - b0
    return {"pipeline": "trained" if trained else "blank", "titles": labelled,
            "recall": round(hits / labelled, 3), "noise_per_title": round(noise / labelled, 3),
            "words_per_second": round(words / seconds), "build_seconds": round(build_seconds, 1)}


if __name__ == "__main__":
    ap = argparse.ArgumentParser()
    ap.add_argument("--limit", type=int, default=None, help="read only the first N titles")
    args = ap.parse_args()
    trained = measure(trained=True, limit=args.limit)
    blank = measure(trained=False, limit=args.limit)  # after: it switches the pipeline off for this process
    for row in (trained, blank):
        print(json.dumps(row))
    print(f"recall trained/blank: {trained['recall'] / max(blank['recall'], 1e-9):.2f}")
    print(f"speed blank/trained: {blank['words_per_second'] / trained['words_per_second']:.1f}x")
    print(f"build time trained/blank: {trained['build_seconds'] / blank['build_seconds']:.1f}x")
