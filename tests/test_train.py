"""The tally-weight fit: a conditional logit over each question's candidate tasks."""

import random

from kg.rank import HAND_SET, SIGNALS
from kg.train import fit_weights, top1


def _rows(n=300, seed=1):
    # The reader's unit always favours the labelled task; phrases are noise that often favours another.
    rng = random.Random(seed)
    rows = []
    for _ in range(n):
        candidates = []
        for is_target in (True, False, False):
            units = dict.fromkeys(SIGNALS, 0.0)
            units["reader"] = rng.uniform(0.5, 1.0) if is_target else rng.uniform(0.0, 0.4)
            units["phrases"] = rng.uniform(0.0, 3.0)
            candidates.append([units[s] for s in SIGNALS])
        rows.append((candidates, [True, False, False]))
    return rows


def test_the_fit_leans_on_the_evidence_that_names_the_task():
    rows = _rows()
    learned = fit_weights(rows, HAND_SET)
    assert learned["reader"] > 5 * learned["phrases"]
    assert top1(rows, learned) > top1(rows, HAND_SET)
    assert min(learned.values()) >= 0.0


def test_nothing_to_learn_keeps_the_starting_weights():
    assert fit_weights([([[0.0] * len(SIGNALS)], [False])], HAND_SET) == HAND_SET
