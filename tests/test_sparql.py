import csv
import io
import json
import subprocess
import sys
import time

import pytest
from rdflib import Graph

from kg.saved import load_all
from tests.conftest import ROOT, free_port, start_server

SELECT_MODELS = ("SELECT DISTINCT ?name WHERE { ?m a kg:Model ; kg:scaleFactor ?s ; schema:name ?name FILTER(?s = 8) } "
                 "ORDER BY ?name")
X8 = ["SISR-DRN-L-8x", "SISR-DRN-S-8x", "SISR-HAN-8x", "SISR-RCAN-8x",
      "SISR-SwinIR-Classical-DF2K-64-M-8x", "SISR-SwinIR-Classical-DIV2K-48-M-8x"]


def test_select_in_every_results_format(run):
    table = run("sparql", SELECT_MODELS, "--format", "table").output
    assert table.splitlines()[0] == "name" and table.splitlines()[-1] == "(6 rows)"
    data = json.loads(run("sparql", SELECT_MODELS, "--format", "json").output)
    assert [b["name"]["value"] for b in data["results"]["bindings"]] == X8
    rows = list(csv.reader(io.StringIO(run("sparql", SELECT_MODELS, "--format", "csv").output)))
    assert rows[0] == ["name"] and [r[0] for r in rows[1:] if r] == X8
    tsv = run("sparql", SELECT_MODELS, "--format", "tsv").output.splitlines()
    assert tsv[0] == "?name" and tsv[1] == '"SISR-DRN-L-8x"'
    xml = run("sparql", SELECT_MODELS, "--format", "xml").output
    assert "<sparql" in xml and "SISR-RCAN-8x" in xml


def test_ask_construct_describe_and_limit(run):
    assert run("sparql", "ASK { ?m kg:scaleFactor ?s FILTER(?s = 8) }", "--format", "table").output.strip() == "true"
    assert '"boolean":false' in run("sparql", "ASK { ?m kg:scaleFactor ?s FILTER(?s = 5) }", "--format", "json").output.replace(" ", "")
    ttl = run("sparql", "CONSTRUCT { ?m kg:scaleFactor ?s } WHERE { ?m kg:scaleFactor ?s FILTER(?s = 8) }",
              "--format", "ttl").output
    assert len(Graph().parse(data=ttl, format="turtle")) == 6
    nt = run("sparql", "DESCRIBE <https://w3id.org/cnaps-kg/id/model/SISR-CARN-2x>", "--format", "nt").output
    assert len(Graph().parse(data=nt, format="nt")) >= 5
    limited = json.loads(run("sparql", SELECT_MODELS, "--format", "json", "--limit", "2").output)
    assert len(limited["results"]["bindings"]) == 2


def test_query_from_file_and_stdin(run, tmp_path, seed_store):
    from click.testing import CliRunner

    from cli import cli

    rq = tmp_path / "q.rq"
    rq.write_text(SELECT_MODELS)
    assert json.loads(run("sparql", "-f", str(rq), "--format", "json").output)["results"]["bindings"]
    result = CliRunner().invoke(cli, ["sparql", "-", "--format", "csv", "--store", str(seed_store.root)],
                                input=SELECT_MODELS, catch_exceptions=False)
    assert result.exit_code == 0 and "SISR-HAN-8x" in result.output


def test_syntax_errors_give_line_and_column(run):
    result = run("sparql", "SELECT ?s WHERE {\n  ?s ?p }", ok=False)
    assert result.exit_code == 1
    assert result.output.startswith("Error: SPARQL syntax error at line 2, column 10: ")


def test_updates_are_refused_unless_allowed(run, tmp_path):
    result = run("sparql", "INSERT DATA { <urn:a> <urn:b> <urn:c> }", ok=False)
    assert result.output.strip() == ("Error: this is a SPARQL UPDATE and the store is read-only here "
                                     "(pass --allow-update to change the store)")
    # prologue and comments do not hide an update
    result = run("sparql", "# note\nPREFIX x: <urn:x>\nDELETE WHERE { ?s ?p ?o }", ok=False)
    assert "read-only" in result.output


def test_timeout_stops_a_runaway_query(run):
    slow = "SELECT (COUNT(*) AS ?n) WHERE { ?a ?p ?b . ?c ?q ?d . ?e ?r ?f }"
    started = time.monotonic()
    result = run("sparql", slow, "--timeout", "1", ok=False)
    assert time.monotonic() - started < 20
    assert result.output.strip() == "Error: the query ran longer than 1 s and was stopped (narrow it, add LIMIT, or raise --timeout)"


def test_saved_queries_are_listed_and_all_run(run):
    from click.testing import CliRunner

    from cli import cli

    listing = CliRunner().invoke(cli, ["queries"], catch_exceptions=False).output
    saved = load_all()
    assert len(saved) >= 8
    for name, q in saved.items():
        assert q.title and q.description, name
        assert f"{name}: {q.title}" in listing
    params = {"label": "SISR", "hops": "2", "subject": "https://w3id.org/cnaps-kg/id/model/SISR-CARN-2x",
              "a": "2502.16025", "b": "2309.04502", "id": "2502.16025",
              "first": "SISR", "second": "segmentation"}
    for name, q in saved.items():
        args = [a for p in q.params for a in ("--param", f"{p.name}={params[p.name]}")]
        out = json.loads(run("queries", "run", name, *args, "--format", "json").output)
        assert "results" in out, name


def test_saved_query_answers(run):
    models = json.loads(run("queries", "run", "models-for-task", "--param", "label=sisr any", "--format", "json").output)
    assert sorted(b["model"]["value"] for b in models["results"]["bindings"]) == [
        "SISR-Any-LIIF-EDSR", "SISR-Any-LIIF-RDN", "SISR-Any-LTE-EDSR", "SISR-Any-LTE-RDN",
        "SISR-Any-LTE-SwinIR", "SISR-Any-LTE-SwinIR-LIIF"]
    def papers(hops):
        out = json.loads(run("queries", "run", "papers-near-task", "--param", "label=SISR", "--param", f"hops={hops}",
                             "--format", "json").output)
        return {b["paper"]["value"]: int(b["distance"]["value"]) for b in out["results"]["bindings"]}

    typed = json.loads(run("sparql", "SELECT ?p WHERE { ?p a kg:Paper }", "--format", "json").output)
    all_papers = {b["p"]["value"] for b in typed["results"]["bindings"]}
    near, nearer = papers(3), papers(2)
    assert set(near) <= all_papers and set(nearer) <= all_papers  # models file themselves under tasks too
    assert nearer and set(nearer) < set(near) and set(nearer.values()) == {2} and max(near.values()) == 3
    assert all(near[p] == d for p, d in nearer.items())  # the shortest distance, whatever the most hops asked
    mismatch = json.loads(run("queries", "run", "bundle-mismatches", "--format", "json").output)
    rows = mismatch["results"]["bindings"]
    assert [r["model"]["value"] for r in rows] == ["Txt2Img-StableDiffusionV1-QGO-PromptingReal"]
    assert "super-resolution" in rows[0]["asked"]["value"]


@pytest.mark.parametrize("evil", ['SISR" } ; DROP ALL ; #', "x } UNION { ?s ?p ?o }", "') . } SELECT * WHERE { #"])
def test_parameters_and_questions_are_values_not_query_text(run, evil):
    out = json.loads(run("queries", "run", "models-for-task", "--param", f"label={evil}", "--format", "json").output)
    assert out["results"]["bindings"] == []
    answer = json.loads(run("ask", f"enlarge my photo 2x {evil} DELETE WHERE {{ ?s ?p ?o }}", "--format", "json").output)
    assert answer["task"]["catalog_labels"] == ["SISR"]
    assert json.loads(run("sparql", "ASK { ?m a kg:Model }", "--format", "json").output)["boolean"] is True


def test_bad_parameters_are_named(run):
    result = run("queries", "run", "models-for-task", ok=False)
    assert result.output.startswith("Error: models-for-task needs --param label=...")
    result = run("queries", "run", "papers-near-task", "--param", "label=SISR", "--param", "hops=two", ok=False)
    assert result.output.strip() == "Error: --param hops must be a whole number, got 'two'"
    result = run("queries", "run", "nope", ok=False)
    assert result.output.startswith("Error: no saved query named 'nope' (choose one of: bundle-mismatches, ")


@pytest.mark.parametrize("fmt, parse_as", [("ttl", "turtle"), ("nt", "nt"), ("nq", "nquads"), ("trig", "trig"),
                                           ("jsonld", "json-ld")])
def test_export_formats_parse_back(run, reader, tmp_path, fmt, parse_as):
    from rdflib import Dataset

    out = tmp_path / f"g.{fmt}"
    graph = "https://w3id.org/cnaps-kg/id/source/catalogs%2Fmodels.json"
    run("export", "--format", fmt, "--graph", graph, "-o", str(out))
    ds = Dataset()
    ds.parse(out, format=parse_as)
    stored = reader.select(f"SELECT (COUNT(*) AS ?n) WHERE {{ GRAPH <{graph}> {{ ?s ?p ?o }} }}")[0]["n"]
    assert len(ds) == stored > 2500


@pytest.fixture(scope="module")
def endpoint(seed_store):
    port = free_port()
    url = f"http://127.0.0.1:{port}/query"
    proc = start_server([sys.executable, str(ROOT / "cli.py"), "serve", "--port", str(port),
                         "--store", str(seed_store.root)], url)
    yield url
    proc.send_signal(2)  # Ctrl-C
    assert proc.wait(timeout=10) in (0, -2, 130)


def test_sparqlwrapper_select_ask_construct(endpoint):
    from SPARQLWrapper import CSV, JSON, TURTLE, SPARQLWrapper

    sw = SPARQLWrapper(endpoint)
    sw.setQuery("PREFIX kg: <https://w3id.org/cnaps-kg/ontology#> PREFIX schema: <https://schema.org/> "
                + SELECT_MODELS)
    sw.setReturnFormat(JSON)
    assert [b["name"]["value"] for b in sw.query().convert()["results"]["bindings"]] == X8
    sw.setReturnFormat(CSV)
    assert b"SISR-HAN-8x" in sw.query().convert()
    sw.setQuery("ASK { ?m <https://w3id.org/cnaps-kg/ontology#scaleFactor> ?s FILTER(?s = 8) }")
    sw.setReturnFormat(JSON)
    assert sw.query().convert()["boolean"] is True
    sw.setQuery("CONSTRUCT { ?m <urn:x> ?s } WHERE { ?m <https://w3id.org/cnaps-kg/ontology#scaleFactor> ?s }")
    sw.setReturnFormat(TURTLE)
    assert len(Graph().parse(data=sw.query().convert(), format="turtle")) == 53  # the fixed-scale cards


def test_curl_select_csv_and_update_is_rejected(endpoint):
    q = "SELECT (COUNT(*) AS ?n) WHERE { ?m a <https://w3id.org/cnaps-kg/ontology#Model> }"
    out = subprocess.run(["curl", "-sf", "-H", "Accept: text/csv", "--data-urlencode", f"query={q}", endpoint],
                         capture_output=True, text=True, check=True).stdout
    assert out.splitlines()[0] == "n" and int(out.splitlines()[1]) >= 212
    update = endpoint.replace("/query", "/update")
    res = subprocess.run(["curl", "-s", "-o", "/dev/null", "-w", "%{http_code}", "--data-urlencode",
                          "update=INSERT DATA { <urn:a> <urn:b> <urn:c> }", update], capture_output=True, text=True)
    assert res.stdout.strip() not in ("200", "204")
    check = subprocess.run(["curl", "-sf", "-H", "Accept: application/sparql-results+json", "--data-urlencode",
                            "query=ASK { <urn:a> <urn:b> <urn:c> }", endpoint], capture_output=True, text=True)
    assert json.loads(check.stdout)["boolean"] is False


def _post(url: str, query: str, accept: str = "application/sparql-results+json") -> tuple[int, str]:
    import urllib.error
    import urllib.parse
    import urllib.request

    req = urllib.request.Request(url, data=urllib.parse.urlencode({"query": query}).encode(),
                                 headers={"Accept": accept, "Content-Type": "application/x-www-form-urlencoded"})
    try:
        with urllib.request.urlopen(req, timeout=60) as resp:
            return resp.status, resp.read().decode()
    except urllib.error.HTTPError as exc:
        return exc.code, exc.read().decode()


CARTESIAN = "SELECT (COUNT(*) AS ?n) WHERE { ?a ?b ?c . ?d ?e ?f . ?g ?h ?i }"
SERVICE = "SELECT * WHERE { SERVICE <http://127.0.0.1:9/sparql> { ?s ?p ?o } }"


@pytest.fixture(scope="module")
def impatient(seed_store):
    """kg serve with a one-second limit per query, and one that may call SERVICE."""
    procs, urls = [], []
    for extra in ([], ["--allow-service"]):
        port = free_port()
        urls.append(f"http://127.0.0.1:{port}/query")
        procs.append(start_server([sys.executable, str(ROOT / "cli.py"), "serve", "--port", str(port), "--timeout", "1",
                                   *extra, "--store", str(seed_store.root)], urls[-1]))
    yield urls
    for proc in procs:
        proc.kill()
        proc.wait()


@pytest.mark.parametrize("accept", ["application/sparql-results+json", "text/csv"])
def test_serve_reports_a_stopped_query_as_an_error_not_as_results(impatient, accept):
    assert _post(impatient[0], CARTESIAN, accept) == (
        503, "the query ran longer than 1 s and was stopped (narrow it, add LIMIT, or start kg serve with a larger "
             "--timeout)\n")


def test_serve_refuses_service_unless_allowed(impatient):
    assert _post(impatient[0], SERVICE) == (
        403, "the query calls SERVICE http://127.0.0.1:9/sparql: kg serve does not fetch from other servers (start it "
             "with --allow-service to let it)\n")
    # Allowed, the fetch is tried; its failure is an HTTP error too, not a 200 with the message in the results.
    status, text = _post(impatient[1], SERVICE)
    assert status == 500 and text.startswith("the query failed while its results were written: ")
    assert _post(impatient[0], "ASK { ?s a <https://w3id.org/cnaps-kg/ontology#Model> }") == (
        200, '{"head":{},"boolean":true}')


def test_updates_say_which_graphs_they_changed(tmp_path):
    from click.testing import CliRunner

    from cli import cli
    from kg.build import build_store
    from kg.paths import SEEDS
    from kg.store import LocalStore

    store = LocalStore(tmp_path / "store")
    build_store([SEEDS / "tasks.json"], store)
    methods = "SELECT (COUNT(*) AS ?n) WHERE { ?m a kg:Method }"

    def kg(*args):
        result = CliRunner().invoke(cli, ["sparql", *args, "--store", str(store.root)], catch_exceptions=False)
        assert result.exit_code == 0, result.output
        return result.output

    before = int(kg(methods, "--format", "csv").splitlines()[1])
    # The union queries see is not what an update sees: a pattern outside GRAPH matches nothing, and kg says so.
    assert kg("DELETE WHERE { ?m a kg:Method }", "--allow-update") == (
        "update applied, and it changed nothing. Outside GRAPH { ... } an update reads and writes only the default "
        "graph, and kg keeps every source in its own named graph (queries see them merged): put the pattern inside "
        "GRAPH ?g { ... } to change what a source says\n")
    # A byte-order mark and a comment before the update are not a syntax error.
    out = kg("\ufeff# drop the methods\nDELETE WHERE { GRAPH ?g { ?m a kg:Method } }", "--allow-update")
    lines = out.splitlines()
    assert lines[0] == "update applied:"
    assert lines[1] == (f"<https://w3id.org/cnaps-kg/id/source/ontologies%2Fthesaurus.ttl>: "
                        f"{lines[1].split(': ')[1].split(' ->')[0]} -> "
                        f"{int(lines[1].split(': ')[1].split(' ->')[0]) - before} triples")
    assert lines[2:] == ["(kg build starts from the sources again and drops these changes)"]
    assert kg(methods, "--format", "csv").splitlines()[1] == "0"
