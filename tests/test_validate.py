"""The graph's contract (ontologies/shapes.ttl): kg validate on the bundled graph, on a store broken on
purpose, against pyshacl as the reference, and as the check every build runs before its graph goes live."""

import json

import pyoxigraph as ox
import pytest
from click.testing import CliRunner
from rdflib import Graph
from rdflib.namespace import RDF, SH

from cli import cli
from kg.build import build_store
from kg.errors import KgError
from kg.store import LocalStore
from kg.validate import SHAPES, compile_shapes, load_shapes, validate

from kg.paths import SEEDS

ID = "https://w3id.org/cnaps-kg/id/"
KG = "https://w3id.org/cnaps-kg/ontology#"

# Each break targets one rule; together they reach every kind of constraint the shapes use.
BREAKS = f"""
PREFIX kg: <{KG}>
PREFIX schema: <https://schema.org/>
PREFIX fabio: <http://purl.org/spar/fabio/>
PREFIX dcterms: <http://purl.org/dc/terms/>
PREFIX rdf: <http://www.w3.org/1999/02/22-rdf-syntax-ns#>
PREFIX xsd: <http://www.w3.org/2001/XMLSchema#>
DELETE WHERE {{ GRAPH ?g {{ <{ID}model/SISR-CARN-2x> schema:name ?n }} }} ;
INSERT DATA {{ GRAPH <{ID}broken> {{
  <{ID}model/SISR-CARN-M-2x> kg:scaleFactor "3"^^xsd:decimal .
  <{ID}model/SISR-CARN-3x> kg:scaleFactor "two" .
  <{ID}model/SISR-CARN-4x> kg:addressesTask <{ID}dataset/DIV2K> .
  <{ID}model/SISR-CARN-4x> kg:hasCode "see the paper" .
  <{ID}paper/nameless> a kg:Paper .
  <{ID}paper/arxiv/1803.08664> fabio:hasArXivId "18030.1" .
  <{ID}question/empty> a kg:Question .
}} }} ;
DELETE {{ GRAPH ?g {{ ?src kg:sourceFormat ?f }} }} INSERT {{ GRAPH ?g {{ ?src kg:sourceFormat "excel" }} }}
WHERE {{ GRAPH ?g {{ ?src kg:sourceFormat ?f ; dcterms:source "tasks.json" }} }} ;
DELETE {{ GRAPH ?g {{ ?l kg:support ?s }} }} INSERT {{ GRAPH ?g {{ ?l kg:support 7 }} }}
WHERE {{ {{ SELECT ?l WHERE {{ GRAPH ?h {{ ?l a kg:ExtractedLink }} }} ORDER BY ?l LIMIT 1 }} GRAPH ?g {{ ?l kg:support ?s }} }}
"""


@pytest.fixture(scope="module")
def small_sources(tmp_path_factory):
    """tasks.json, the seed bundle and 25 catalogue cards: small enough for pyshacl (about 15k triples)."""
    d = tmp_path_factory.mktemp("small")
    cards = json.loads((SEEDS / "catalogs" / "models.json").read_text())
    keep = [c for c in cards if c["Model Unique Name"].startswith("SISR-CARN")] + cards[:15]
    (d / "models.json").write_text(json.dumps(keep))
    return [SEEDS / "tasks.json", SEEDS / "bundles", d / "models.json"]


@pytest.fixture(scope="module")
def broken(small_sources, tmp_path_factory) -> LocalStore:
    store = LocalStore(tmp_path_factory.mktemp("broken") / "store")
    build_store(small_sources, store)
    db = ox.Store(store.live_path())
    db.update(BREAKS)
    db.flush()
    del db
    return store


def _kg_results(store) -> set:
    report = validate(store.reader())
    return {(f.severity, f.focus, f.component, f.path) for f in report.findings}


def _pyshacl_results(store) -> set:
    import pyshacl

    data = Graph()
    db = store.open()
    data.parse(data=ox.serialize(db.query("CONSTRUCT { ?s ?p ?o } WHERE { ?s ?p ?o }",
                                          use_default_graph_as_union=True), format=ox.RdfFormat.N_TRIPLES),
               format="nt")
    _, results, _ = pyshacl.validate(data, shacl_graph=load_shapes(), advanced=True)
    found = set()
    for r in results.objects(None, SH.result):
        component = str(results.value(r, SH.sourceConstraintComponent)).split("#")[1].removesuffix("ConstraintComponent")
        path = results.value(r, SH.resultPath)
        severity = str(results.value(r, SH.resultSeverity)).split("#")[1].lower()
        found.add((severity, str(results.value(r, SH.focusNode)), component, str(path) if path else None))
    return found


def test_bundled_graph_conforms(seed_store):
    report = validate(seed_store.reader())
    assert report.conforms, [f.line() for f in report.findings[:5]]
    # Two new catalogue cards name no task; the contract says so, as a warning, and nothing else.
    assert {(f.severity, f.focus.rsplit("/", 1)[1][:11]) for f in report.findings} == {
        ("warning", "DeepSeek-R1"), ("warning", "MASt3R-SLAM")}
    assert report.constraints == len(compile_shapes(load_shapes()))


def test_broken_store_reports_each_break(broken):
    found = _kg_results(broken)
    expected = {
        ("violation", f"{ID}model/SISR-CARN-2x", "MinCount", "https://schema.org/name"),
        ("violation", f"{ID}model/SISR-CARN-M-2x", "MaxCount", f"{KG}scaleFactor"),
        ("violation", f"{ID}model/SISR-CARN-3x", "MaxCount", f"{KG}scaleFactor"),
        ("violation", f"{ID}model/SISR-CARN-3x", "Datatype", f"{KG}scaleFactor"),
        ("violation", f"{ID}model/SISR-CARN-3x", "MinExclusive", f"{KG}scaleFactor"),
        ("violation", f"{ID}model/SISR-CARN-4x", "Class", f"{KG}addressesTask"),
        ("warning", f"{ID}model/SISR-CARN-4x", "NodeKind", f"{KG}hasCode"),
        ("warning", f"{ID}model/SISR-CARN-4x", "Class", f"{KG}hasCode"),
        ("violation", f"{ID}paper/nameless", "Or", None),
        ("violation", f"{ID}paper/arxiv/1803.08664", "Pattern", "http://purl.org/spar/fabio/hasArXivId"),
        ("violation", f"{ID}paper/arxiv/1803.08664", "MaxCount", "http://purl.org/spar/fabio/hasArXivId"),
        ("violation", f"{ID}question/empty", "MinCount", "https://schema.org/text"),
        ("violation", f"{ID}source/tasks.json", "In", f"{KG}sourceFormat"),
    }
    assert expected <= found, expected - found
    support = [f for f in found if f[2] == "SPARQL"]
    assert len(support) == 1 and support[0][1].startswith(f"{ID}link/")
    # Nothing else: the seed bundle's recommended model has no card here, hence its warning.
    rest = found - expected - set(support)
    assert {(s, f.rsplit("/", 1)[1], c) for s, f, c, _ in rest} == {
        ("warning", "Txt2Img-StableDiffusionV1-QGO-PromptingReal", "MinCount")}


def test_same_findings_as_pyshacl(broken):
    assert _kg_results(broken) == _pyshacl_results(broken)


def test_shapes_are_valid_shacl():
    import pyshacl

    shapes = load_shapes()
    conforms, _, text = pyshacl.validate(Graph(), shacl_graph=shapes, meta_shacl=True)
    assert conforms, text
    # Every shape is compiled into at least one check: none is skipped.
    names = {str(s).rsplit("#", 1)[1] for s in shapes.subjects(RDF.type, SH.NodeShape)}
    assert {c.shape for c in compile_shapes(shapes)} == names and len(names) == 11


def test_cli_lists_findings_and_fails(broken):
    result = CliRunner().invoke(cli, ["validate", "--store", str(broken.root)],
                                                catch_exceptions=False)
    assert result.exit_code == 1
    lines = result.stdout.splitlines()
    assert lines[0].startswith("violation: ")
    assert ("violation: tasks.json: <https://w3id.org/cnaps-kg/id/source/tasks.json>: a source graph's format is "
            "one of bundle, catalog, arxiv, tasks, turtle [kg:sourceFormat = excel]") in lines
    assert result.stderr.startswith(f"{broken.root}: does not conform: 12 violations, 3 warnings from ")


def test_cli_passes_on_the_bundled_graph(run):
    result = run("validate")
    assert result.exit_code == 0
    assert "conforms: 0 violations, 2 warnings" in result.output


def test_build_refuses_a_graph_that_breaks_the_contract(small_sources, tmp_path, monkeypatch):
    store = LocalStore(tmp_path / "store")
    build_store(small_sources, store)
    before, live = store.reader().count(), store.live_path()
    strict = tmp_path / "strict.ttl"
    strict.write_text(SHAPES.read_text() + "\nkgs:Strict a sh:NodeShape ; sh:targetClass kg:Model ;\n"
                      "  sh:property [ sh:path kg:trainedOn ; sh:minCount 1 ; sh:message \"every model names a dataset\" ] .\n")
    monkeypatch.setattr("kg.validate.SHAPES", strict)
    with pytest.raises(KgError, match=r"breaks the contract in strict.ttl \d+ time\(s\), first: violation: .*"
                                      r"every model names a dataset.*the previous graph is untouched"):
        build_store(small_sources, store)
    assert (store.reader().count(), store.live_path()) == (before, live)
    name = live.rsplit("/", 1)[1]
    assert sorted(p.name for p in store.root.glob("gen-*") if p.is_dir()) == [name, f"{name}.snapshot"]


def test_unsupported_shape_feature_is_refused(tmp_path):
    from kg.validate import ShapesError

    odd = tmp_path / "odd.ttl"
    odd.write_text("@prefix sh: <http://www.w3.org/ns/shacl#> .\n@prefix ex: <http://example.org/> .\n"
                   "ex:S a sh:NodeShape ; sh:targetClass ex:C ; sh:property [ sh:path ex:p ; sh:uniqueLang true ] .\n")
    with pytest.raises(ShapesError, match="uses uniqueLang, which kg validate does not check"):
        compile_shapes(load_shapes(odd))
