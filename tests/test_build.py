import os
import shutil

import pytest
from click.testing import CliRunner

from cli import cli
from kg.build import build_store
from kg.namespaces import sparql_prologue
from kg.store import Iri, LocalStore, Reader
from kg import iris
from tests.conftest import SEEDS, _graphs, assert_same_graphs, copy_seeds

Q = sparql_prologue()


def test_every_source_is_a_named_graph_with_provenance(reader):
    rows = reader.select(Q + """
        SELECT ?g ?src ?fmt WHERE { GRAPH ?g { ?g a prov:Entity ; dcterms:source ?src ; kg:sourceFormat ?fmt ;
                                              prov:wasDerivedFrom ?file ; kg:sha256 ?sha } } ORDER BY ?src""")
    assert [(r["src"], r["fmt"]) for r in rows] == [
        ("arxiv/arxiv_2023_after.jsonl", "arxiv"),
        ("arxiv/arxiv_sample_100.json", "arxiv"),
        ("bundles/000_275fda37b4ddce02.txt", "bundle"),
        ("catalogs/models.json", "catalog"),
        ("catalogs/new_models.json", "catalog"),
        ("ontologies/datasets.ttl", "turtle"),
        ("ontologies/kg.ttl", "turtle"),
        ("ontologies/lay-phrasings.ttl", "turtle"),
        ("ontologies/thesaurus.ttl", "turtle"),
        ("tasks.json", "tasks"),
    ]
    for r in rows:
        assert r["g"] == str(iris.source(r["src"]))


def test_model_attributes_are_graph_facts(reader):
    q = Q + """SELECT ?m ?scale ?label ?paper ?code ?hub ?ds WHERE {
        ?m kg:scaleFactor ?scale ; kg:catalogLabel ?label ; kg:describedBy ?paper ; kg:hasCode ?code ; kg:trainedOn ?d .
        ?d rdfs:label ?ds . OPTIONAL { ?m kg:hasHubPage ?hub } }"""
    rows = reader.select(q, m=Iri(iris.model("SISR-SwinIR-Classical-DF2K-64-M-2x")))
    assert len(rows) == 1
    assert rows[0]["scale"] == 2.0 and rows[0]["label"] == "SISR" and rows[0]["ds"] == "DF2K"
    assert rows[0]["paper"] == str(iris.paper("https://arxiv.org/abs/2108.10257"))
    assert rows[0]["code"].startswith("https://github.com/")

    arbitrary = reader.select(Q + "SELECT ?m WHERE { ?m kg:arbitraryScale true }")
    assert len(arbitrary) == 6

    light = reader.select(Q + """SELECT ?name WHERE { ?m kg:hasTrait ?t ; schema:name ?name .
        ?t a kg:Trait ; skos:prefLabel ?l . FILTER(CONTAINS(LCASE(STR(?l)), "lightweight")) } ORDER BY ?name""")
    names = [r["name"] for r in light]
    assert "SISR-SwinIR-Lightweight-DIV2K-64-M-2x" in names and "SISR-Swin2SR-LightWeight-2x" in names
    assert "SISR-RCAN-2x" not in names


def test_same_paper_from_two_sources_is_one_node(reader):
    rows = reader.select(Q + "SELECT DISTINCT ?p ?g WHERE { GRAPH ?g { ?p a kg:Paper } }",
                         p=Iri(iris.paper("http://arxiv.org/pdf/2308.15462v1.pdf")))
    # the seed bundle cites it and the arXiv sample lists it: one IRI, two graphs
    assert len(rows) >= 1 and len({r["p"] for r in rows}) == 1


def test_rebuild_is_idempotent_and_isomorphic(tmp_path):
    src = copy_seeds(tmp_path / "seeds")
    (src / "arxiv" / "arxiv_2023_after.jsonl").unlink()  # keeps this test quick
    store = LocalStore(tmp_path / "store")
    first = build_store([src], store)["counts"]["triples"]
    dump1 = _graphs(store)
    second = build_store([src], store)["counts"]["triples"]
    assert first == second
    assert_same_graphs(dump1, _graphs(store))
    # one generation, and its mentions and snapshot beside it
    assert sorted(p.name.removeprefix(os.readlink(store.root / "current")) for p in store.root.glob("gen-*")) == [
        "", ".mentions.sqlite", ".snapshot"]


@pytest.mark.parametrize(
    "name, content, expected",
    [
        ("bundles/cut.txt", 'A user has asked the following question:\n"How do I upscale',
         "Error: {path}:2: the question's closing quote is missing (file truncated?) (end the question with \")"),
        ("catalogs/broken.json", '[\n {"Category": "Img2Img", "Summary": "x"}\n]',
         'Error: {path}:2: record has no "Model Unique Name" key (add "Model Unique Name" to every record)'),
        ("catalogs/latin.json", "[\n".encode() + '{"Model Unique Name": "caf\u00e9"}]'.encode("latin-1"),
         "Error: {path}:2: not UTF-8 text (byte 0xe9) (re-save the file as UTF-8)"),
        ("tasks_empty.json", b"", "Error: {path}: file is empty (remove it or give it content)"),
    ],
)
def test_bad_input_fails_cleanly_and_keeps_the_previous_graph(tmp_path, name, content, expected):
    src = tmp_path / "src"
    src.mkdir()
    shutil.copy(SEEDS / "catalogs" / "models.json", src / "models.json")
    store = tmp_path / "store"
    runner = CliRunner()
    ok = runner.invoke(cli, ["build", str(src), "--store", str(store)], catch_exceptions=False)
    assert ok.exit_code == 0, ok.output
    before = Reader(LocalStore(store).open()).count()

    bad = src / name
    bad.parent.mkdir(parents=True, exist_ok=True)
    bad.write_bytes(content if isinstance(content, bytes) else content.encode())
    result = runner.invoke(cli, ["build", str(src), "--store", str(store)], catch_exceptions=False)
    assert result.exit_code == 1
    lines = [line for line in result.output.splitlines() if line.startswith("Error")]
    assert lines == [expected.format(path=bad)]
    assert "Traceback" not in result.output
    assert Reader(LocalStore(store).open()).count() == before


def test_build_reports_counts_and_store(tmp_path):
    src = tmp_path / "src"
    src.mkdir()
    shutil.copy(SEEDS / "catalogs" / "models.json", src)
    shutil.copy(SEEDS / "bundles" / "000_275fda37b4ddce02.txt", src)
    result = CliRunner().invoke(cli, ["build", str(src), "--store", str(tmp_path / "s")], catch_exceptions=False)
    assert result.exit_code == 0
    lines = result.output.strip().splitlines()
    assert lines[-1] == f"store: {tmp_path / 's'}"
    assert lines[-2].startswith("158 models, ")
    assert " 1 questions, " in lines[-2] and lines[-2].endswith("from 2 sources")
