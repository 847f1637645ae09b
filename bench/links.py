"""Precision of extracted links, from a blind judged sample.

`sample` draws links of a store's extracted graph for judging: N at random over all links, plus
extra ones of the kinds whose precision is in question (datasets, traits), each with the sentence it
was read from and what its object means. Links already judged (same text, same link) keep their
verdict; the rest go to a file for a judge who sees only that file.
`score` prints precision per kind, with a 95% Wilson interval, for one or more judged samples.

Run:
  python bench/links.py sample --store DIR --name after -o todo.jsonl [--judged tests/data/link_judgments.jsonl]
  python bench/links.py score tests/data/link_judgments.jsonl
"""

import argparse
import json
import math
import random
import sys
from collections import defaultdict
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

SEED = 14
UNIFORM = 100
EXTRA = {"dataset": 30, "trait": 30}

LINKS = """
PREFIX kg: <https://w3id.org/cnaps-kg/ontology#>
PREFIX rdf: <http://www.w3.org/1999/02/22-rdf-syntax-ns#>
PREFIX rdfs: <http://www.w3.org/2000/01/rdf-schema#>
PREFIX skos: <http://www.w3.org/2004/02/skos/core#>
SELECT ?s ?p ?o (MIN(?sent) AS ?sentence) (SAMPLE(?lab) AS ?label) (SAMPLE(?def) AS ?definition) WHERE {
  GRAPH <https://w3id.org/cnaps-kg/id/source/extracted> {
    ?st a kg:ExtractedLink ; rdf:subject ?s ; rdf:predicate ?p ; rdf:object ?o ; kg:evidence/kg:sentence ?sent
  }
  OPTIONAL { ?o skos:prefLabel|rdfs:label ?lab }
  OPTIONAL { ?o skos:definition ?def }
} GROUP BY ?s ?p ?o ORDER BY ?s ?p ?o
"""


def links(store: Path) -> list[dict]:
    from kg.store import LocalStore

    rows = LocalStore(store).reader().select(LINKS)
    return [{"subject": str(r["s"]), "kind": str(r["p"]).rsplit("#mentions", 1)[1].lower(), "object": str(r["o"]),
             "label": str(r["label"]) if r.get("label") else None,
             "definition": str(r["definition"]) if r.get("definition") else None,
             "sentence": str(r["sentence"])} for r in rows]


def key(link: dict) -> tuple:
    return link["subject"], link["kind"], link["object"], link["sentence"]


def draw(all_links: list[dict], seed: int = SEED) -> list[dict]:
    """N uniform links, then extra ones per kind from the rest; each marked with how it was drawn."""
    rng = random.Random(seed)
    order = list(range(len(all_links)))
    rng.shuffle(order)
    picked = [dict(all_links[i], drawn="uniform") for i in order[:UNIFORM]]
    taken = set(order[:UNIFORM])
    for kind, n in EXTRA.items():
        more = [i for i in order if i not in taken and all_links[i]["kind"] == kind][:n]
        picked += [dict(all_links[i], drawn=kind) for i in more]
    return picked


def sample(args) -> None:
    judged = {}
    if args.judged and args.judged.exists():
        judged = {key(j): j for j in map(json.loads, args.judged.read_text().splitlines())}
    picked = draw(links(args.store))
    todo = []
    with args.output.open("w") as out:
        for i, link in enumerate(picked):
            link = dict(link, sample=args.name, id=f"{args.name}-{i:03d}")
            if key(link) in judged:
                link.update(verdict=judged[key(link)]["verdict"], why=judged[key(link)]["why"])
            else:
                todo.append(link)
            out.write(json.dumps(link, ensure_ascii=False) + "\n")
    # What the judge sees: no store, no kg, no other verdicts, in an order that hides how each was drawn.
    random.Random(SEED).shuffle(todo)
    blind = args.output.with_suffix(".blind.jsonl")
    with blind.open("w") as out:
        for link in todo:
            out.write(json.dumps({k: link[k] for k in ("id", "kind", "label", "definition", "sentence")},
                                 ensure_ascii=False) + "\n")
    print(f"{len(picked)} links drawn into {args.output}; {len(todo)} need a verdict: {blind}")


def wilson(k: int, n: int, z: float = 1.96) -> tuple[float, float]:
    if n == 0:
        return 0.0, 0.0
    p = k / n
    centre = (p + z * z / (2 * n)) / (1 + z * z / n)
    half = z * math.sqrt(p * (1 - p) / n + z * z / (4 * n * n)) / (1 + z * z / n)
    return centre - half, centre + half


def score(args) -> None:
    rows = [json.loads(line) for f in args.files for line in f.read_text().splitlines() if line.strip()]
    by = defaultdict(list)
    for r in rows:
        if r.get("verdict") in ("correct", "wrong"):
            by[(r["sample"], "all (uniform draw)" if r["drawn"] == "uniform" else None)].append(r)
            by[(r["sample"], r["kind"])].append(r)
    print(f"{'sample':<8} {'links':<20} {'judged':>6} {'correct':>7} {'precision':>9}  95% interval")
    for (name, kind), rs in sorted(by.items(), key=lambda kv: (kv[0][0], kv[0][1] is None, str(kv[0][1]))):
        if kind is None:
            continue
        k = sum(r["verdict"] == "correct" for r in rs)
        lo, hi = wilson(k, len(rs))
        print(f"{name:<8} {kind:<20} {len(rs):>6} {k:>7} {k / len(rs):>9.2f}  {lo:.2f}–{hi:.2f}")


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    sub = ap.add_subparsers(dest="command", required=True)
    s = sub.add_parser("sample")
    s.add_argument("--store", type=Path, required=True)
    s.add_argument("--name", required=True, help="what to call this sample (before, after)")
    s.add_argument("--judged", type=Path, help="verdicts to reuse for links judged already")
    s.add_argument("-o", "--output", type=Path, required=True)
    s.set_defaults(run=sample)
    c = sub.add_parser("score")
    c.add_argument("files", type=Path, nargs="+")
    c.set_defaults(run=score)
    args = ap.parse_args()
    args.run(args)


if __name__ == "__main__":
    main()
