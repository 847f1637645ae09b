import json

from kg.build import build_store
from kg.namespaces import sparql_prologue
from kg.store import Iri, LocalStore, Reader
from kg import iris
from kg.namespaces import ID
from kg.namespaces import KG, KGT
from tests.conftest import SEED_BUNDLE, SEEDS

Q = sparql_prologue()
PROVENANCE = Q + """
SELECT ?subject ?relation ?object ?support ?source ?sentence ?extractor WHERE {
  ?link a kg:ExtractedLink ; rdf:subject ?subject ; rdf:predicate ?relation ; rdf:object ?object ;
        kg:support ?support ; prov:wasGeneratedBy/schema:name ?extractor ;
        kg:evidence [ prov:wasDerivedFrom ?source ; kg:sentence ?sentence ] .
}"""


def test_every_bundle_paper_has_evidence_from_its_own_text_and_a_path_through_the_graph(run):
    from kg.readers import read_source

    bundle = read_source(SEED_BUNDLE, SEED_BUNDLE.name).records[0]
    summaries = {p.title: f"{p.title}. {p.summary}" for p in bundle.papers}
    a = json.loads(run("ask", "--bundle", str(SEED_BUNDLE), "--format", "json").output)
    assert len(a["papers"]) == 3
    for p in a["papers"]:
        assert p["evidence"] and p["evidence"] in summaries[p["title"]], p["title"]
        middle = {step["type"] for step in p["path"][1:-1] if "type" in step}
        assert middle & {"task", "method", "concept"}, p["path"]


def test_extracted_links_carry_source_sentence_extractor_and_support(reader):
    rows = reader.select(PROVENANCE + " LIMIT 50")
    assert rows
    for r in rows:
        assert r["relation"].rsplit("#", 1)[-1].startswith("mentions")
        assert r["sentence"] and r["support"] >= 1
        assert r["source"].startswith(str(ID["source/"]))
        assert r["extractor"] in {"thesaurus-ruler", "dataset-recogniser", "noun-chunk-concepts"}


def test_a_link_stated_by_two_sources_has_support_two(tmp_path):
    import shutil

    from kg.readers import read_source

    src = tmp_path / "src"
    src.mkdir()
    shutil.copy(SEED_BUNDLE, src)
    paper = read_source(SEED_BUNDLE, SEED_BUNDLE.name).records[0].papers[0]
    record = {"Model Unique Name": paper.title, "Paper": paper.url, "Summary": paper.summary,
              "Category": "Computer Vision", "Detailed Category": "Image Classification"}
    (src / "papers.jsonl").write_text(json.dumps(record) + "\n")
    store = LocalStore(tmp_path / "store")
    build_store([src], store)
    rows = Reader(store.open()).select(PROVENANCE, subject=Iri(iris.paper(paper.url)), relation=Iri(KG.mentionsTask))
    hdr = [r for r in rows if r["object"].endswith("/hdr-reconstruction")]
    assert {r["support"] for r in hdr} == {2}
    assert {r["source"] for r in hdr} == {str(iris.source("000_275fda37b4ddce02.txt")), str(iris.source("papers.jsonl"))}


def test_catalogue_and_extracted_facts_stay_apart(reader):
    m = Iri(iris.model("SISR-SwinIR-Classical-DIV2K-48-M-2x"))
    catalogue = reader.select(Q + "SELECT ?m ?t WHERE { ?m kg:addressesTask ?t }", m=m)
    extracted = reader.select(Q + "SELECT ?m ?d WHERE { ?m kg:mentionsDataset ?d }", m=m)
    assert [r["t"] for r in catalogue] == [str(KGT["single-image-super-resolution"])]
    # the card's summary names DIV2K and Flickr2K: both are read from the text, beside the catalogue's DIV2K
    assert {r["d"] for r in extracted} == {str(iris.dataset("DIV2K")), str(iris.dataset("Flickr2K"))}


def test_noun_chunk_concepts_merge_across_documents(reader):
    rows = reader.select(Q + """SELECT ?c (COUNT(DISTINCT ?s) AS ?n) WHERE {
        ?s kg:mentionsConcept ?c . ?c rdfs:label "feature map" } GROUP BY ?c""")
    assert len(rows) == 1 and rows[0]["n"] >= 2


def test_without_the_trained_pipeline_build_says_so_once_and_has_no_concepts(tmp_path, monkeypatch):
    import shutil

    import kg.nlp

    monkeypatch.setattr(kg.nlp, "TRAINED", "no_such_spacy_pipeline")
    src = tmp_path / "src"
    src.mkdir()
    shutil.copy(SEEDS / "catalogs" / "models.json", src)
    result = build_store([src], LocalStore(tmp_path / "store"))
    assert result["notes"] == [kg.nlp.DEGRADED.format(name="no_such_spacy_pipeline") + "; no noun-chunk concepts"]
    assert result["counts"]["concepts"] == 0 and result["counts"]["links"] > 0
    rows = Reader(LocalStore(tmp_path / "store").open()).select(Q + "ASK { ?s kg:mentionsTask ?t }".replace(
        "ASK", "SELECT ?s WHERE").replace("}", "} LIMIT 1"))
    assert rows
