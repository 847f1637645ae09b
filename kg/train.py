"""kg train: fit the task reader on questions written for the catalogue's cards and tasks, and the task
tally's weights on the reader's out-of-fold readings of those questions.

Training data is kept apart from every evaluation set: `training/questions.jsonl` was written from the
model cards and task definitions only, and the thesaurus's own phrasings are added to it. Same data,
same seed, same spaCy version: the same weights.
"""

import hashlib
import json
import random
import shutil
from collections import Counter
from dataclasses import dataclass
from pathlib import Path

from .errors import InputError
from .index import label_key
from .nlp.reader import PIPE, READER_DIR, TALLY
from .paths import ROOT
from .readers.text import json_records, read_text

TRAINING = ROOT / "training" / "questions.jsonl"
SEED = 0
EPOCHS = 12
DROPOUT = 0.2
FOLDS = 5  # the tally weights are fitted to reader scores on questions the reader did not see
L2 = 1e-3
STEPS = 3000
# The question pipeline's tokenizer, so the reader sees the tokens it will see when answering.
BOW_ROWS = 2 ** 14  # hashed n-gram rows: spaCy's default 2**18 makes a 50 MB file for 50 labels
ARCHITECTURES = {
    # a bag of words and bigrams beside a small CNN over the tokens: spaCy's default text classifier
    "ensemble": {"@architectures": "spacy.TextCatEnsemble.v2", "linear_model": {
        "@architectures": "spacy.TextCatBOW.v3", "exclusive_classes": True, "ngram_size": 2,
        "no_output_layer": False, "length": BOW_ROWS}, "tok2vec": {
        "@architectures": "spacy.Tok2Vec.v2",
        "embed": {"@architectures": "spacy.MultiHashEmbed.v2", "width": 64, "rows": [2000, 2000, 1000, 1000],
                  "attrs": ["NORM", "PREFIX", "SUFFIX", "SHAPE"], "include_static_vectors": False},
        "encode": {"@architectures": "spacy.MaxoutWindowEncoder.v2", "width": 64, "window_size": 1,
                   "maxout_pieces": 3, "depth": 2}}},
    "bow": {"@architectures": "spacy.TextCatBOW.v3", "exclusive_classes": True, "ngram_size": 2,
            "no_output_layer": False, "length": BOW_ROWS},
}
ARCHITECTURE = "bow"  # measured: on the paraphrases 0.61 for the reader alone vs 0.54 for the ensemble, at half the training time


@dataclass(frozen=True)
class Example:
    text: str
    label: str  # a catalogue task label, as label_key writes it
    source: str  # "questions" or "thesaurus"


def read_questions(path: Path = TRAINING) -> list[Example]:
    out = []
    for record, line in json_records(path, read_text(path)):
        text, label = record.get("text"), record.get("label")
        if not isinstance(text, str) or not text.strip() or not isinstance(label, str) or not label.strip():
            raise InputError(path, 'a line needs a non-empty "text" and "label"', line=line,
                             hint='write {"text": "...", "label": "<catalogue task label>"}')
        out.append(Example(text.strip(), label_key(label), "questions"))
    return out


def task_labels(index) -> dict[str, str]:
    """Each task with models, by the catalogue label most of its cards carry."""
    out = {}
    for task, models in index.task_models.items():
        counts = Counter(label_key(index.models[m].label) for m in models)
        out[task] = sorted(counts.items(), key=lambda kv: (-kv[1], kv[0]))[0][0]
    return out


def thesaurus_examples(index) -> list[Example]:
    """Every label and definition of a task concept, as an example of the task it speaks for."""
    th, labels = index.thesaurus, task_labels(index)
    out = []
    for c in th.of_kind("task"):
        targets = [t for t, share in th.targets(c.iri, set(labels)) if share == 1.0]
        if len(targets) != 1:
            continue
        for text in sorted({c.pref_label, *c.alt_labels, *c.lay_labels, c.definition} - {""}):
            out.append(Example(text, labels[targets[0]], "thesaurus"))
    return out


def examples(index, path: Path = TRAINING) -> list[Example]:
    return read_questions(path) + thesaurus_examples(index)


def fit(data: list[Example], seed: int = SEED, epochs: int = EPOCHS, architecture: str = ARCHITECTURE):
    """A blank English pipeline with one text classifier over the examples' labels."""
    import spacy
    from spacy.training import Example as SpacyExample
    from spacy.util import fix_random_seed, minibatch

    from .nlp import split_magnifications

    fix_random_seed(seed)
    rng = random.Random(seed)
    nlp = spacy.blank("en")
    split_magnifications(nlp)
    textcat = nlp.add_pipe("textcat", name=PIPE, config={"model": ARCHITECTURES[architecture]})
    labels = sorted({e.label for e in data})
    for label in labels:
        textcat.add_label(label)
    train = [SpacyExample.from_dict(nlp.make_doc(e.text), {"cats": {lab: float(lab == e.label) for lab in labels}})
             for e in data]
    optimizer = nlp.initialize(lambda: train)
    for _ in range(epochs):
        rng.shuffle(train)
        for batch in minibatch(train, size=16):
            nlp.update(batch, sgd=optimizer, drop=DROPOUT)
    return nlp


def folds(data: list[Example], k: int = FOLDS, seed: int = SEED) -> list[list[Example]]:
    order = list(data)
    random.Random(seed).shuffle(order)
    return [order[i::k] for i in range(k)]


def out_of_fold_units(answerer, written: list[Example], phrasings: list[Example], seed: int = SEED):
    """For each written question, every candidate task's evidence units, read with a reader trained on
    the other folds: the reader's scores then look as they will on questions nobody trained on."""
    from .rank import SIGNALS, understand

    ones = dict.fromkeys(SIGNALS, 1.0)
    nlp, index = answerer.nlp, answerer.index
    rows = []
    for part in folds(written, seed=seed):
        held = set(map(id, part))
        reader = fit([e for e in written if id(e) not in held] + phrasings, seed, EPOCHS, ARCHITECTURE)
        if PIPE in nlp.pipe_names:
            nlp.remove_pipe(PIPE)
        nlp.add_pipe(PIPE, source=reader)
        for e, doc in zip(part, nlp.pipe(e.text for e in part)):
            u = understand(doc, index, ones)
            targets = index.label_tasks.get(e.label, ())
            rows.append(([[t.units.get(s, 0.0) for s in SIGNALS] for t in u.tasks],
                         [t.iri in targets for t in u.tasks]))
    return rows


def fit_weights(rows, start: dict[str, float]) -> dict[str, float]:
    """A conditional logit: each task's score is the weighted sum of its evidence units, and the weights
    make the labelled task the likeliest among the question's candidates. Non-negative, lightly shrunk."""
    import numpy as np

    from .rank import SIGNALS

    rows = [(x, y) for x, y in rows if any(y) and x]
    if not rows:  # no question's own task was among its candidates: nothing to learn from
        return dict(start)
    X = np.array([f for x, _ in rows for f in x], dtype=float)
    Y = np.array([t for _, y in rows for t in y], dtype=float)
    starts = np.cumsum([0] + [len(x) for x, _ in rows[:-1]])
    seg = np.repeat(np.arange(len(rows)), [len(x) for x, _ in rows])
    w = np.array([start[s] for s in SIGNALS], dtype=float)
    m = v = np.zeros_like(w)
    for step in range(1, STEPS + 1):  # Adam, full batch: deterministic
        s = X @ w
        e = np.exp(s - np.maximum.reduceat(s, starts)[seg])
        z, zy = np.add.reduceat(e, starts), np.add.reduceat(e * Y, starts)
        g = ((e / z[seg] - Y * e / zy[seg]) @ X) / len(rows) + L2 * w
        m = 0.9 * m + 0.1 * g
        v = 0.999 * v + 0.001 * g * g
        w = np.maximum(w - 0.01 * (m / (1 - 0.9 ** step)) / (np.sqrt(v / (1 - 0.999 ** step)) + 1e-8), 0.0)
    return {s: round(float(x), 3) for s, x in zip(SIGNALS, w)}


def top1(rows, weights: dict[str, float]) -> float:
    from .rank import SIGNALS

    hits = 0
    for x, y in rows:
        scores = [sum(weights[s] * f for s, f in zip(SIGNALS, fs)) for fs in x]
        hits += bool(x) and max(scores) > 0 and y[scores.index(max(scores))]
    return round(hits / len(rows), 3)


def train_reader(answerer, path: Path = TRAINING, out: Path = READER_DIR, seed: int = SEED) -> dict:
    """Fit the reader on all the training data, and the tally weights on its out-of-fold scores; write
    both where kg loads them from."""
    import spacy

    from .rank import HAND_SET

    index = answerer.index
    written, phrasings = read_questions(path), thesaurus_examples(index)
    data = written + phrasings
    rows = out_of_fold_units(answerer, written, phrasings, seed)
    weights = fit_weights(rows, HAND_SET)
    nlp = fit(data, seed, EPOCHS, ARCHITECTURE)
    tmp = out.with_name(out.name + ".new")
    shutil.rmtree(tmp, ignore_errors=True)
    nlp.to_disk(tmp, exclude=["vocab"])
    meta = {
        "training_data": str(path.relative_to(ROOT)) if path.is_relative_to(ROOT) else str(path),
        "training_sha256": hashlib.sha256(path.read_bytes()).hexdigest(),
        "examples": dict(Counter(e.source for e in data)),
        "labels": len({e.label for e in data}),
        "seed": seed, "epochs": EPOCHS, "dropout": DROPOUT, "architecture": ARCHITECTURE,
        "spacy": spacy.__version__,
    }
    (tmp / "kg-training.json").write_text(json.dumps(meta, indent=2) + "\n")
    tally = {"weights": weights, "hand_set": HAND_SET, "questions": len(rows), "folds": FOLDS, "l2": L2,
             "steps": STEPS, "seed": seed,
             "out_of_fold_top1": {"learned": top1(rows, weights), "hand_set": top1(rows, HAND_SET)}}
    (tmp / TALLY).write_text(json.dumps(tally, indent=2) + "\n")
    shutil.rmtree(out, ignore_errors=True)
    tmp.rename(out)
    return meta | {"path": str(out), "tally": tally}
