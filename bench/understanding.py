"""How each kind of evidence and the amount of reader training data move question understanding.

Prints two markdown tables of the reference scorer's metrics (through kg's own `evaluate`, which a test
holds equal to shared/tools/score.py) on each question set given:
- ablation: each evidence kind of the task tally switched off in turn (its learned weight set to 0),
  the reader alone, and the hand-set weights kg uses without the reader;
- learning curve: the reader retrained on a share of training/questions.jsonl (a fixed-seed sample per
  label; the thesaurus's phrasings always included), from none of the written questions to all of them,
  scored with the learned tally weights.
No evaluation set is trained on. The store must exist (kg build).

Run: python bench/understanding.py [--store DIR] [--skip-curve] SET.jsonl ...
"""

import argparse
import random
import sys
from collections import defaultdict
from contextlib import contextmanager
from pathlib import Path

from kg.answer import Answerer
from kg.evaluate import evaluate, load_questions
from kg.nlp.reader import PIPE
from kg.rank import HAND_SET, SIGNALS
from kg.store import open_store
from kg.train import EPOCHS, SEED, fit, read_questions, thesaurus_examples

COLUMNS = ("accepted_at_1", "accepted_at_3", "exact_at_3", "mrr", "scale_at_1")
SHARES = (0.0, 0.125, 0.25, 0.5, 0.75, 1.0)


@contextmanager
def weighted(answerer, weights):
    saved, answerer.weights = answerer.weights, weights
    try:
        yield
    finally:
        answerer.weights = saved


def score(answerer, sets) -> dict[str, dict]:
    return {name: evaluate(answerer, items)[0] for name, items in sets.items()}


def table(title: str, rows: list[tuple[str, dict]], sets) -> str:
    head = ["| " + title + " | " + " | ".join(f"{s} {c.replace('_at_', '@')}" for s in sets for c in _cols(rows, s)) + " |"]
    head.append("|" + "---|" * (1 + sum(len(_cols(rows, s)) for s in sets)))
    for name, result in rows:
        cells = [_fmt(result[s][c]) for s in sets for c in _cols(rows, s)]
        head.append(f"| {name} | " + " | ".join(cells) + " |")
    return "\n".join(head)


def _cols(rows, s):
    # Task-only sets have no model targets: their exact@3 and mrr columns would be empty.
    first = rows[0][1][s]
    return [c for c in COLUMNS if first.get(c) is not None]


def _fmt(v):
    return "-" if v is None else f"{v:.3f}"


def sample(examples, share: float, seed: int = SEED):
    by_label = defaultdict(list)
    for e in examples:
        by_label[e.label].append(e)
    rng = random.Random(seed)
    out = []
    for label in sorted(by_label):
        group = by_label[label]
        out.extend(rng.sample(group, round(share * len(group))))
    return out


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("sets", nargs="+", type=Path)
    ap.add_argument("--store", default=None)
    ap.add_argument("--skip-curve", action="store_true")
    args = ap.parse_args(argv)
    sets = {p.stem: load_questions(p) for p in args.sets}
    answerer = Answerer(open_store(args.store).reader())

    learned = answerer.weights
    rows = [("learned weights, all evidence", score(answerer, sets))]
    for s in SIGNALS:
        with weighted(answerer, learned | {s: 0.0}):
            rows.append((f"without {s}", score(answerer, sets)))
    with weighted(answerer, {s: float(s == "reader") for s in SIGNALS}):
        rows.append(("reader alone", score(answerer, sets)))
    with weighted(answerer, HAND_SET):
        rows.append(("hand-set weights", score(answerer, sets)))
    print(table("ablation", rows, sets), flush=True)

    if args.skip_curve:
        return 0
    written, phrasings = read_questions(), thesaurus_examples(answerer.index)
    curve = []
    for share in SHARES:
        data = sample(written, share) + phrasings
        trained = fit(data, SEED, EPOCHS)
        answerer.nlp.remove_pipe(PIPE)
        answerer.nlp.add_pipe(PIPE, source=trained)
        curve.append((f"{share:.0%} ({len(data) - len(phrasings)} written + {len(phrasings)} thesaurus)",
                      score(answerer, sets)))
        print(f"trained on {share:.0%}", file=sys.stderr, flush=True)
    print()
    print(table("reader training data", curve, sets))
    return 0


if __name__ == "__main__":
    sys.exit(main())
