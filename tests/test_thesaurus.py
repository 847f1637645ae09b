import pytest
from rdflib import Graph
from rdflib.namespace import RDF, SKOS

from kg.build import ONTOLOGY_FILES
from kg.namespaces import KG
from kg.paths import ONTOLOGIES
from kg.readers import discover, read_source
from kg.records import ModelCard, PaperRecord, TaskDef
from kg.thesaurus import Thesaurus
from tests.conftest import SEEDS


@pytest.fixture(scope="module")
def graph() -> Graph:
    g = Graph()
    for name in ONTOLOGY_FILES:
        g.parse(ONTOLOGIES / name)
    return g


@pytest.fixture(scope="module")
def thesaurus(graph) -> Thesaurus:
    return Thesaurus.from_graph(graph)


def _labels():
    """Every task, method and area label the bundled data uses, with where it came from."""
    for path, rel in discover([SEEDS]):
        source = read_source(path, rel)
        for r in source.records:
            if isinstance(r, ModelCard):
                # "Category" is the task where "Detailed Category" is empty (new_models.json)
                if r.task_label:
                    yield r.task_label, rel
            elif isinstance(r, PaperRecord):
                for label in (r.label, r.area):
                    if label:
                        yield label, rel
            elif isinstance(r, TaskDef):
                yield r.task_id, rel


def test_every_label_in_the_data_is_a_notation_of_one_concept(thesaurus):
    missing = sorted({(label, rel) for label, rel in _labels() if label not in thesaurus._by_notation})
    assert missing == []


def test_tasks_stay_apart_from_methods(thesaurus):
    kind = lambda label: thesaurus.concepts[thesaurus.lookup(label)].kind  # noqa: E731
    assert kind("Semantic Segmentation") == "task"
    assert kind("Object Detection") == "task"
    for method in ("Transformer", "Contrastive Learning", "Reinforcement Learning", "Graph Neural Network"):
        assert kind(method) == "method", method
    assert thesaurus.lookup("SISR") != thesaurus.lookup("SISR Any")
    assert kind("SISR") == kind("SISR Any") == "task"
    assert thesaurus.lookup("segmentation") == thesaurus.lookup("Segmentation")


def test_every_concept_has_one_label_and_a_definition(graph):
    for c in set(graph.subjects(RDF.type, SKOS.Concept)):
        labels = [lab for lab in graph.objects(c, SKOS.prefLabel) if lab.language == "en"]
        assert len(labels) == 1, c
        assert len(list(graph.objects(c, SKOS.definition))) == 1, c


def test_broader_and_narrower_mirror_each_other(graph):
    assert {(a, b) for a, b in graph.subject_objects(SKOS.broader)} == {
        (b, a) for a, b in graph.subject_objects(SKOS.narrower)
    }


def test_tasks_have_lay_phrasings_and_modalities(graph, thesaurus):
    for c in thesaurus.of_kind("task"):
        if c.notations:  # a task the catalogues or papers use
            assert c.inputs and c.outputs, c.iri
    sr = thesaurus.concepts[thesaurus.lookup("SISR")]
    assert len(sr.lay_labels) >= 15
    assert sr.pre_steps, "super-resolution lists deblurring/denoising as pre-steps"
    assert all(thesaurus.concepts[p].kind == "task" for p in sr.pre_steps)


def test_build_maps_every_label(seed_store):
    # The session build ran over all seeds; nothing should have been minted as a new concept.
    from kg.namespaces import sparql_prologue
    from kg.store import Reader

    rows = Reader(seed_store.open()).select(
        sparql_prologue() + 'SELECT ?c WHERE { ?c a skos:Concept FILTER(STRSTARTS(STR(?c), STR(kgt:label))) }'
    )
    assert rows == []


def test_lay_phrasings_add_only_lay_labels_to_known_tasks_and_name_one_concept():
    core = Graph().parse(ONTOLOGIES / "thesaurus.ttl")
    extra = Graph().parse(ONTOLOGIES / "lay-phrasings.ttl")
    assert len(extra) > 500
    assert set(extra.predicates()) == {KG.layLabel}
    assert all((s, RDF.type, KG.Task) in core for s in extra.subjects())
    owners = {}
    for s, o in (core + extra).subject_objects(KG.layLabel | SKOS.altLabel | SKOS.prefLabel):
        owners.setdefault(str(o).casefold(), set()).add(s)
    clashes = {str(o) for o in extra.objects() if len(owners[str(o).casefold()]) > 1}
    assert clashes == set()
