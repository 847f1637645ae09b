"""A cold start reads what the build stored with the generation, and answers as if it had queried the store."""

import dataclasses
import json
import shutil

import pytest
import spacy
from spacy.matcher import PhraseMatcher

from kg.answer import Answerer
from kg.index import CAVEATS, CONCEPT_SPREAD, MODELS, SNAPSHOT, TASK_MODEL_MENTIONS, Index
from kg.nlp.reader import PIPE, READER_DIR
from kg.store import Iri, Reader
from kg.store.snapshot import Snapshot, key
from tests.conftest import SEED_QUESTION, SEEDS


def _rows(rows: list[dict]) -> list:
    """Rows as a sorted list, each value with its Python type (an IRI is not the string of its text)."""
    return sorted(repr([(k, type(v).__name__, v) for k, v in row.items()]) for row in rows)


def _tasks(reader) -> list[str]:
    return sorted(c.iri for c in Index(reader).thesaurus.of_kind("task"))


def test_every_stored_query_gives_the_rows_the_store_gives(seed_store):
    queried, stored = Reader(seed_store.open()), seed_store.reader()
    tasks = _tasks(queried)
    for query, by in SNAPSHOT.items():
        if by is None:
            assert stored.snapshot.rows(query, {}) is not None, query  # read from the file, not queried
            assert _rows(stored.select(query)) == _rows(queried.select(query))
            continue
        groups = 0
        for task in tasks:
            rows = queried.select(query, **{by: Iri(task)})
            assert _rows(stored.snapshot.rows(query, {by: Iri(task)})) == _rows(rows), task
            groups += bool(rows)
        assert groups >= 15  # most tasks have models that mention something


def test_answers_from_the_snapshot_equal_answers_from_the_queries(seed_store, answerer, dev_questions):
    cold = Answerer(seed_store.reader())
    assert cold.index.reader.snapshot is not None
    for q in [SEED_QUESTION, *(d["question"] for d in dev_questions[::37])]:
        assert dataclasses.asdict(cold.ask(q)) == dataclasses.asdict(answerer.ask(q)), q


def test_a_missing_or_broken_snapshot_file_means_the_query_runs(seed_store, tmp_path):
    copy = tmp_path / "snapshot"
    shutil.copytree(seed_store.live_path() + ".snapshot", copy)
    by_models = Index(Reader(seed_store.open())).task_models
    task = Iri(max(by_models, key=lambda t: len(by_models[t])))
    (copy / f"{key(MODELS)}.json").write_text("{not json")
    (copy / f"{key(TASK_MODEL_MENTIONS)}-{key(task)}.json").write_text('{"a": "dict, where rows belong"}')
    (copy / f"{key(CONCEPT_SPREAD)}.json").write_text('{"format": 1, "vars": ["c", "n"]}')  # no rows, no group
    snapshot = Snapshot(copy)
    assert snapshot.rows(MODELS, {}) is snapshot.rows(CONCEPT_SPREAD, {}) is None
    assert snapshot.rows(TASK_MODEL_MENTIONS, {"task": task}) is None
    assert snapshot.rows(TASK_MODEL_MENTIONS, {"m": task}) is None  # bound by another variable than stored
    assert snapshot.rows(CAVEATS, {}) is not None  # the files left whole still serve
    queried, patched = Reader(seed_store.open()), Reader(seed_store.open(), snapshot)
    assert _rows(patched.select(MODELS)) == _rows(queried.select(MODELS))
    bound = _rows(queried.select(TASK_MODEL_MENTIONS, task=task))
    assert _rows(patched.select(TASK_MODEL_MENTIONS, task=task)) == bound != []
    gone = Reader(seed_store.open(), Snapshot(tmp_path / "nowhere"))
    assert _rows(gone.select(MODELS)) == _rows(queried.select(MODELS))


def test_the_label_table_matches_what_spacys_phrase_matcher_matches(answerer, dev_questions):
    """kg's concept matcher looks labels up as word tuples; on questions and titles it finds what
    PhraseMatcher finds with a Doc per label, on lower-cased words and on lemmas."""
    nlp = answerer.nlp
    if nlp.meta.get("kg_degraded"):
        pytest.fail("the trained pipeline is needed here: pip install -r requirements-nlp.txt", pytrace=False)
    concepts = nlp.get_pipe("kg_concepts")
    matchers = {"LOWER": PhraseMatcher(nlp.vocab, attr="LOWER"), "LEMMA": PhraseMatcher(nlp.vocab, attr="LEMMA")}
    labels = [(k, lab) for k, (iri, kind, _) in concepts.entries.items()
              for lab in _labels(answerer.index.thesaurus.concepts[iri], kind)]
    with nlp.select_pipes(enable=["tok2vec", "tagger", "attribute_ruler", "lemmatizer"]):
        docs = list(nlp.pipe([lab for _, lab in labels]))
        for (k, _), doc in zip(labels, docs):
            for matcher in matchers.values():
                matcher.add(k, [doc])
        with (SEEDS / "arxiv" / "arxiv_2023_after.jsonl").open(encoding="utf-8") as fh:
            titles = [json.loads(line)["Model Unique Name"] for _, line in zip(range(400), fh)]
        texts = list(nlp.pipe([d["question"] for d in dev_questions] + titles))
    found = 0
    for doc in texts:
        theirs = {(doc.vocab.strings[k], s, e) for m in matchers.values() for k, s, e in m(doc)}
        ours = set(concepts._matches(doc))
        assert ours == theirs, doc.text
        found += len(ours)
    assert found > 3000


def _labels(concept, kind: str) -> list[str]:
    labels = {"notation": concept.notations, "pref": [concept.pref_label], "alt": concept.alt_labels,
              "lay": concept.lay_labels}[kind]
    return [lab.strip() for lab in labels if lab and lab.strip()]


def test_the_task_reader_read_alone_scores_as_the_whole_saved_pipeline(answerer):
    """The question pipeline reads only the classifier from the saved reader: the scores it gives are
    those of the saved pipeline's own component."""
    saved = spacy.load(READER_DIR)
    nlp = answerer.nlp
    assert PIPE in nlp.pipe_names
    for q in [SEED_QUESTION, "remove the noise from my night photos", "turn this sketch into a painting"]:
        doc = nlp(q)
        theirs = saved.get_pipe(PIPE)(nlp.make_doc(q)).cats
        assert doc.cats == pytest.approx(theirs, abs=1e-9) and len(doc.cats) >= 20
