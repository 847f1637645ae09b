"""What an analyst meets: the competency questions of tests/data/analyst_questions.md, derived facts,
kg describe and kg schema, and query output and errors that help instead of fight."""

import json
import re
from collections import Counter, defaultdict

import pytest
from click.testing import CliRunner

from cli import cli
from kg.iris import arxiv_month
from tests.conftest import DATA, SEEDS

QUESTIONS = dict(re.findall(r"## (Q\d+):.*?```sparql\n(.*?)```", (DATA / "analyst_questions.md").read_text(), re.S))
KG, KGT, ID = "https://w3id.org/cnaps-kg/ontology#", "https://w3id.org/cnaps-kg/thesaurus/", "https://w3id.org/cnaps-kg/id/"


@pytest.fixture(scope="module")
def select(seed_store):
    """Rows of a SELECT through `kg sparql`, each a dict of plain values."""

    def _select(query: str) -> list[dict]:
        result = CliRunner().invoke(cli, ["sparql", query, "--format", "json", "--store", str(seed_store.root)],
                                    catch_exceptions=False)
        assert result.exit_code == 0, result.output
        data = json.loads(result.stdout)
        return [{k: v["value"] for k, v in b.items()} for b in data["results"]["bindings"]]

    return _select


@pytest.fixture(scope="module")
def facts(select):
    """Plain facts read with one-pattern queries, for checking the questions' answers another way."""
    broader = defaultdict(set)
    for r in select("SELECT ?n ?b WHERE { ?n skos:broader ?b }"):
        broader[r["n"]].add(r["b"])

    def under(task):  # the task and every task below it
        out, todo = {task}, [task]
        while todo:
            t = todo.pop()
            for n, bs in broader.items():
                if t in bs and n not in out:
                    out.add(n)
                    todo.append(n)
        return out

    papers = {r["p"] for r in select("SELECT DISTINCT ?p WHERE { ?p a kg:Paper }")}
    models = {r["m"] for r in select("SELECT DISTINCT ?m WHERE { ?m a kg:Model }")}
    on_task = defaultdict(set)
    for r in select("SELECT DISTINCT ?p ?t WHERE { ?p kg:addressesTask|kg:mentionsTask ?t }"):
        on_task[r["t"]].add(r["p"])
    addresses = defaultdict(set)
    for r in select("SELECT DISTINCT ?p ?t WHERE { ?p kg:addressesTask ?t }"):
        addresses[r["t"]].add(r["p"])
    ids = {r["p"]: r["id"] for r in select("SELECT DISTINCT ?p ?id WHERE { ?p fabio:hasArXivId ?id }")}
    labels = {r["t"]: r["l"] for r in select("SELECT ?t ?l WHERE { ?t a kg:Task ; skos:prefLabel ?l }")}
    return {"broader": broader, "under": under, "papers": papers, "models": models, "on_task": on_task,
            "addresses": addresses, "ids": ids, "labels": labels}


def test_the_file_has_at_least_fifteen_questions_each_with_its_query():
    assert len(QUESTIONS) >= 15 and all("SELECT" in q for q in QUESTIONS.values())


def test_rankings_and_trends_count_the_hierarchy_and_the_dates(select, facts):
    top = select(QUESTIONS["Q1"])
    assert len(top) == 5
    by_label = {label: t for t, label in facts["labels"].items()}
    for r in top:
        task = by_label[r["label"]]
        expected = {p for t in facts["under"](task) for p in facts["on_task"][t]} & facts["papers"]
        assert int(r["papers"]) == len(expected), r
    assert [int(r["papers"]) for r in top] == sorted((int(r["papers"]) for r in top), reverse=True)

    seg = {p for t in facts["under"](KGT + "segmentation") for p in facts["on_task"][t]}
    by_year = Counter(arxiv_month(facts["ids"][p])[:4] for p in seg if p in facts["ids"] and arxiv_month(facts["ids"][p]))
    assert {r["year"]: int(r["papers"]) for r in select(QUESTIONS["Q2"])} == dict(by_year)

    vqa = {p for t in facts["under"](KGT + "visual-question-answering") for p in facts["on_task"][t]} & facts["papers"]
    half = {(p, m) for p in vqa if p in facts["ids"] for m in [arxiv_month(facts["ids"][p])] if m and "2024-01" <= m <= "2024-06"}
    assert {(r["p"], r["month"]) for r in select(QUESTIONS["Q16"])} == half and half


def test_code_share_gaps_and_links(select, facts):
    coded = {r["m"] for r in select("SELECT DISTINCT ?m WHERE { ?m a kg:Model ; kg:hasCode ?c }")}
    hubbed = {r["m"] for r in select("SELECT DISTINCT ?m WHERE { ?m a kg:Model ; kg:hasHubPage ?c }")}
    papered = {r["m"] for r in select("SELECT DISTINCT ?m WHERE { ?m a kg:Model ; kg:describedBy ?c }")}
    for r in select(QUESTIONS["Q3"]):
        task = {label: t for t, label in facts["labels"].items()}[r["label"]]
        ms = facts["addresses"][task] & facts["models"]
        assert (int(r["models"]), int(r["withCode"])) == (len(ms), len(ms & coded)), r

    gaps = select(QUESTIONS["Q4"])
    assert gaps
    for r in gaps:
        task = {label: t for t, label in facts["labels"].items()}[r["label"]]
        assert not facts["addresses"][task] & facts["models"]
        assert int(r["papers"]) == len(facts["addresses"][task] & facts["papers"])

    lacking = select(QUESTIONS["Q11"])
    assert len({r["name"] for r in lacking}) == len({m for m in facts["models"]
                                                     if not (m in coded and m in hubbed and m in papered)})
    assert all("false" in (r["code"], r["hub"], r["paper"]) for r in lacking)


def test_datasets_shared_methods_and_comparisons(select, facts):
    trained = select("SELECT DISTINCT ?m ?d ?t WHERE { ?m a kg:Model ; kg:trainedOn ?x ; kg:addressesTask ?t . "
                     "?x rdfs:label ?d }")
    sr = facts["under"](KGT + "super-resolution")
    expected = Counter(d for d, ms in _group(trained, "d", "m", lambda r: r["t"] in sr).items() for _ in ms)
    got = {r["dataset"]: int(r["models"]) for r in select(QUESTIONS["Q5"])}
    assert got == dict(expected) and max(got, key=got.get) == "DIV2K"

    named = select("SELECT DISTINCT ?m ?t ?x WHERE { ?m kg:addressesTask ?t ; kg:usesMethod|kg:mentionsMethod ?x }")
    def methods(task):
        return {r["x"] for r in named if r["t"] in facts["under"](task)}
    shared = methods(KGT + "super-resolution") & methods(KGT + "denoising")
    prefs = {r["x"]: r["l"] for r in select("SELECT ?x ?l WHERE { ?x a kg:Method ; skos:prefLabel ?l }")}
    assert {r["method"] for r in select(QUESTIONS["Q6"])} == {prefs[x] for x in shared} and shared

    rows = {r["label"]: r for r in select(QUESTIONS["Q9"])}
    for task in ("super-resolution", "denoising"):
        under = facts["under"](KGT + task)
        r = rows[facts["labels"][KGT + task]]
        assert int(r["models"]) == len({m for t in under for m in facts["addresses"][t]} & facts["models"])
        assert int(r["papers"]) == len({p for t in under for p in facts["on_task"][t]} & facts["papers"])


def test_provenance_of_stated_and_read_facts_points_at_the_source_file(select):
    assert select(QUESTIONS["Q7"]) == [{"file": "catalogs/models.json"}]
    cards = json.loads((SEEDS / "catalogs" / "models.json").read_text())
    card = next(c for c in (cards if isinstance(cards, list) else cards.values())
                if isinstance(c, dict) and "SISR-CARN-2x" in json.dumps(c))
    summary = " ".join(json.dumps(card, ensure_ascii=False).split())
    read = select(QUESTIONS["Q8"])
    assert len({(r["relation"], r["object"]) for r in read}) >= 5
    assert all(r["file"] == "catalogs/models.json" and r["sentence"][:40] in summary for r in read)


def test_related_papers_and_bundle_mismatches(select):
    related = select(QUESTIONS["Q10"])
    scores = [float(r["score"]) for r in related]
    assert len(related) == 5 and scores == sorted(scores, reverse=True)
    top = related[0]["related"]
    mine = {r["c"] for r in select(f"SELECT ?c WHERE {{ <{ID}paper/arxiv/2502.16025> kg:mentionsConcept|kg:mentionsMethod ?c }}")}
    theirs = {r["c"] for r in select(f"SELECT ?c WHERE {{ <{top}> kg:mentionsConcept|kg:mentionsMethod ?c }}")}
    assert mine & theirs
    assert select(QUESTIONS["Q12"]) and all(r["model"] == "Txt2Img-StableDiffusionV1-QGO-PromptingReal"
                                            for r in select(QUESTIONS["Q12"]))


def test_the_union_view_repeats_facts_and_distinct_counts_nodes(select, facts):
    (row,) = select(QUESTIONS["Q13"])
    assert int(row["papers"]) == len(facts["papers"]) < int(row["rows"])  # a paper in two sources is two rows


def test_the_hierarchy_closure_equals_the_broader_chains(select, facts):
    below = facts["under"](KGT + "image-enhancement-and-restoration") - {KGT + "image-enhancement-and-restoration"}
    assert {r["label"] for r in select(QUESTIONS["Q14"])} == {facts["labels"][t] for t in below if t in facts["labels"]}
    closure = {(r["a"], r["b"]) for r in select("SELECT ?a ?b WHERE { ?a skos:broaderTransitive ?b }")}
    path = {(r["a"], r["b"]) for r in select("SELECT DISTINCT ?a ?b WHERE { ?a skos:broader+ ?b }")}
    assert closure == path and closure
    includes = {(r["a"], r["b"]) for r in select("SELECT ?a ?b WHERE { ?a kg:includesTask ?b }")}
    assert includes == {(t, n) for t in facts["labels"] for n in facts["under"](t) if n in facts["labels"]}
    assert {r["area"] for r in select(QUESTIONS["Q15"])} >= {"computer vision"}


def test_arxiv_months_follow_the_identifier_scheme():
    assert [arxiv_month(a) for a in ("1803.08664", "0704.0001", "2502.16025", "hep-th/9901001", "cs/0112017",
                                     "math.GT/0309136", "1813.00001", "2502.1602", None)] == [
        "2018-03", "2007-04", "2025-02", "1999-01", "2001-12", "2003-09", None, None, None]


def test_papers_carry_their_issue_month(select):
    rows = select(f"SELECT ?d (DATATYPE(?d) AS ?t) WHERE {{ <{ID}paper/arxiv/1803.08664> dcterms:issued ?d }}")
    assert {(r["d"], r["t"]) for r in rows} == {("2018-03", "http://www.w3.org/2001/XMLSchema#gYearMonth")}


# --- kg describe, kg schema ---------------------------------------------------------


def test_describe_shows_each_fact_with_its_source_including_what_was_read(run, select):
    out = run("describe", "SISR-CARN-2x").output
    lines = out.splitlines()
    assert lines[0] == f"<{ID}model/SISR-CARN-2x>"
    stated = select(f"SELECT DISTINCT ?p ?o WHERE {{ GRAPH ?g {{ <{ID}model/SISR-CARN-2x> ?p ?o }} "
                    "?g dcterms:source ?f }")
    read = select(f"SELECT DISTINCT ?p ?o WHERE {{ ?l a kg:ExtractedLink ; rdf:subject <{ID}model/SISR-CARN-2x> ; "
                  "rdf:predicate ?p ; rdf:object ?o }")
    assert lines[1] == (f"  {len(stated)} facts stated in source files, {len(read)} read in texts, "
                        "0 derived by kg build")
    assert "  kg:addressesTask     kgt:single-image-super-resolution   [stated in catalogs/models.json]" in lines
    assert any(re.match(r'  kg:mentionsMethod    kgt:residual-network   \[read in catalogs/models\.json: "The authors', l)
               for l in lines)
    assert lines[-1].startswith("    rdf:subject from ")  # its extracted links and its label's check
    # Derived facts say so, and a name of several nodes lists them.
    assert "  rdf:type    kg:Concept   [derived by kg build]" in run("describe", f"<{ID}concept/carn>").output
    assert run("describe", "kgt:segmentation").output.count("kg:includesTask") >= 3


def test_describe_names_what_it_cannot_find(run):
    missing = run("describe", "no such model at all", ok=False)
    assert missing.output.strip() == ("Error: nothing in the graph is named 'no such model at all' (give a model "
                                      "name, a label, an arXiv id or an IRI (kg sparql can search))")
    absent = run("describe", "id:model/nope", ok=False)
    assert absent.output.strip() == f"Error: <{ID}model/nope> is not in the graph (check the IRI, or give a name)"


def test_schema_lists_classes_and_properties_with_counts(run, select):
    lines = run("schema").output.splitlines()
    assert lines[0].split() == ["kind", "term", "count", "label", "example"]
    (models,) = select("SELECT (COUNT(DISTINCT ?m) AS ?n) WHERE { ?m a kg:Model }")
    assert any(re.match(rf"class +kg:Model +{models['n']} +Model +<", l) for l in lines)
    assert any(re.match(r"property +kg:includesTask +\d+ +includes task", l) for l in lines)


# --- output and errors ----------------------------------------------------------------


def test_iris_in_tables_paste_back_into_a_query(run):
    out = run("sparql", "SELECT ?m WHERE { ?m schema:name 'SISR-CARN-2x' }", "--format", "table").output
    cell = out.splitlines()[2].strip()
    assert cell == f"<{ID}model/SISR-CARN-2x>"
    again = run("sparql", f"SELECT ?n WHERE {{ {cell} schema:name ?n }}", "--format", "table").output
    assert again.splitlines()[2].strip() == "SISR-CARN-2x"
    task = run("sparql", f"SELECT ?t WHERE {{ {cell} kg:addressesTask ?t }}", "--format", "table").output
    assert task.splitlines()[2].strip() == "kgt:single-image-super-resolution"


def test_tables_cut_long_text_unless_asked_not_to(run):
    q = "SELECT ?d WHERE { ?m schema:name 'SISR-CARN-2x' ; dcterms:description ?d }"
    cut = run("sparql", q, "--format", "table").output.splitlines()[2]
    whole = run("sparql", q, "--format", "table", "--width", "0").output.splitlines()[2]
    assert len(cut) == 60 and cut.endswith("\u2026") and whole.startswith(cut[:-1]) and len(whole) > 300


@pytest.mark.parametrize("query, message", [
    ("SELECT * WHERE { ?s foo:bar ?o }",
     "SPARQL syntax error at line 1, column 28: unknown prefix foo: (kg declares kg, kgt, id, schema, fabio, "
     "dcterms, prov, skos, rdf, rdfs, owl, xsd; add PREFIX name: <iri> for others, or write the IRI in <...>)"),
    ("SELECT (COUNT(*) AS ?n) ?s WHERE { ?s ?p ?o }",
     "SPARQL syntax error at line 1, column 46: SELECT names a variable the query does not bind (with GROUP BY, a "
     "selected variable must be grouped or inside an aggregate such as SAMPLE())"),
])
def test_syntax_errors_say_the_cause_first(run, query, message):
    assert run("sparql", query, ok=False).output.strip() == f"Error: {message}"


def test_a_term_the_graph_lacks_gets_a_warning_with_the_closest_known(run):
    result = run("sparql", "SELECT ?d WHERE { ?m a kg:Modle ; kg:usesDataset ?d ; <https://schema.org/name> ?n }")
    assert result.stderr.splitlines() == [
        "warning: kg:Modle appears nowhere in the graph; did you mean kg:Model or kg:Modality or kg:modalityCode? "
        "(kg schema lists what it holds)",
        "warning: kg:usesDataset appears nowhere in the graph; did you mean kg:Dataset or kg:mentionsDataset or "
        "kg:usesMethod? (kg schema lists what it holds)"]
    assert run("sparql", f"SELECT ?n WHERE {{ id:model\\/SISR-CARN-2x schema:name ?n }}").stderr == ""


def _group(rows, key, value, keep):
    out = defaultdict(set)
    for r in rows:
        if keep(r):
            out[r[key]].add(r[value])
    return out


def test_the_provenance_query_lists_stated_read_and_derived_facts(run, select):
    subject = f"{ID}model/SISR-CARN-2x"
    out = json.loads(run("queries", "run", "provenance", "--param", f"subject={subject}", "--format", "json").stdout)
    rows = [{k: v["value"] for k, v in b.items()} for b in out["results"]["bindings"]]
    by_how = defaultdict(set)
    for r in rows:
        by_how[r["how"]].add((r["predicate"], r["object"]))
    stated = {(r["p"], r["o"]) for r in select(f"SELECT DISTINCT ?p ?o WHERE {{ GRAPH ?g {{ <{subject}> ?p ?o }} "
                                                "?g dcterms:source ?f }")}
    read = {(r["p"], r["o"]) for r in select(f"SELECT DISTINCT ?p ?o WHERE {{ ?l a kg:ExtractedLink ; "
                                              f"rdf:subject <{subject}> ; rdf:predicate ?p ; rdf:object ?o }}")}
    assert by_how == {"stated": stated, "read": read} and read  # extracted facts were missing before
    assert all(r["sentence"] for r in rows if r["how"] == "read")
    concept = json.loads(run("queries", "run", "provenance", "--param", f"subject={ID}concept/carn",
                             "--format", "json").stdout)
    assert {b["how"]["value"] for b in concept["results"]["bindings"]} == {"derived"}
