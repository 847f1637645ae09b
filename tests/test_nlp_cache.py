"""The thesaurus labels' words and lemmas are cached on disk: the same spans with or without the cache."""

import pytest
from rdflib import Graph

from kg import nlp
from kg.build import ONTOLOGY_FILES
from kg.nlp.components import SPAN_KEY
from kg.paths import ONTOLOGIES
from kg.thesaurus import Thesaurus

QUESTIONS = [
    "I doubled the size of a blurry CCTV still and the face became clear",
    "my grandmother's black-and-white wedding photos were colourised",
    "the scanned pages were enlarged and the letters became readable",
    "it separated the singer's voice from the drums",
]


@pytest.fixture(scope="module")
def thesaurus() -> Thesaurus:
    g = Graph()
    for name in ONTOLOGY_FILES:
        g.parse(ONTOLOGIES / name)
    return Thesaurus.from_graph(g)


def _spans(pipeline) -> list:
    docs = [pipeline(q) for q in QUESTIONS]  # spans live only as long as their Doc
    return [[(s.start, s.end, s.label_, s.id_) for s in doc.spans[SPAN_KEY]] for doc in docs]


def test_a_second_load_reads_the_lemmas_from_the_cache_and_matches_the_same(thesaurus, tmp_path, monkeypatch):
    monkeypatch.setenv("KG_CACHE", str(tmp_path))
    first = nlp.load(thesaurus)
    if first.meta.get("kg_degraded"):
        pytest.fail("the trained pipeline is needed here: pip install -r requirements-nlp.txt", pytrace=False)
    cached = list(tmp_path.glob("label-words-*.json"))
    assert len(cached) == 1
    calls = []
    real_pipe = type(first).pipe
    monkeypatch.setattr(type(first), "pipe", lambda self, *a, **k: calls.append(1) or real_pipe(self, *a, **k))
    second = nlp.load(thesaurus)
    assert calls == [], "the second load must not lemmatise the labels again"
    monkeypatch.undo()
    assert _spans(second) == _spans(first)
    assert all(_spans(second))


def test_a_broken_or_unwritable_cache_only_costs_time(thesaurus, tmp_path, monkeypatch):
    monkeypatch.setenv("KG_CACHE", str(tmp_path))
    reference = _spans(nlp.load(thesaurus))
    (cached,) = tmp_path.glob("label-words-*.json")
    for broken in (b"not JSON", b'{"a": "dict"}', b"[[1, 2, 3]]"):
        cached.write_bytes(broken)
        assert _spans(nlp.load(thesaurus)) == reference
        assert cached.read_bytes() != broken  # rewritten whole
    blocked = tmp_path / "file"
    blocked.write_text("")
    monkeypatch.setenv("KG_CACHE", str(blocked / "cache"))  # a directory under a file: cannot be made
    assert _spans(nlp.load(thesaurus)) == reference
