"""A remote store shared with other applications: kg owns only the graphs it wrote, and reads never write."""

import json
import shutil
import sys
import urllib.parse
import urllib.request
from pathlib import Path

import pytest
from click.testing import CliRunner

from cli import cli
from tests.conftest import SEEDS, free_port, start_server

OTHER = "http://other-app/important"


@pytest.fixture
def server(tmp_path):
    exe = shutil.which("oxigraph") or str(Path(sys.executable).parent / "oxigraph")
    port = free_port()
    url = f"http://127.0.0.1:{port}/"
    proc = start_server([exe, "serve", "--location", str(tmp_path / "oxigraph"), "--bind", f"127.0.0.1:{port}",
                         "--union-default-graph"], f"{url}query")
    yield url
    proc.terminate()
    proc.wait(timeout=10)


def _put(url: str, graph: str, ntriples: str) -> None:
    req = urllib.request.Request(f"{url}store?{urllib.parse.urlencode({'graph': graph})}", data=ntriples.encode(),
                                 method="PUT", headers={"Content-Type": "application/n-triples"})
    urllib.request.urlopen(req, timeout=10).close()


def _graphs(url: str) -> dict[str, int]:
    query = "SELECT ?g (COUNT(*) AS ?n) WHERE { GRAPH ?g { ?s ?p ?o } } GROUP BY ?g"
    req = urllib.request.Request(f"{url}query", data=urllib.parse.urlencode({"query": query}).encode(),
                                 headers={"Accept": "application/sparql-results+json"})
    with urllib.request.urlopen(req, timeout=10) as resp:
        rows = json.load(resp)["results"]["bindings"]
    return {r["g"]["value"]: int(r["n"]["value"]) for r in rows}


def _kg(*args, env=None):
    return CliRunner(env=env).invoke(cli, list(args), catch_exceptions=False)


def test_a_remote_build_leaves_other_applications_graphs_alone(server):
    _put(server, OTHER, "<http://other-app/a> <http://other-app/b> \"keep me\" .\n")
    first = _kg("build", str(SEEDS / "tasks.json"), "--store", server)
    assert first.exit_code == 0, first.output
    after = _graphs(server)
    assert after[OTHER] == 1
    kg_graphs = {g for g in after if g != OTHER}
    assert any(g.endswith("tasks.json") for g in kg_graphs)
    # A second build from other sources drops kg's own tasks.json graph, and still not the other application's.
    second = _kg("build", str(SEEDS / "catalogs" / "new_models.json"), "--store", server)
    assert second.exit_code == 0, second.output
    final = _graphs(server)
    assert final[OTHER] == 1
    assert not any(g.endswith("tasks.json") for g in final)
    assert any(g.endswith("new_models.json") for g in final)


def test_a_read_command_never_writes_to_a_server_kg_did_not_build(server):
    _put(server, OTHER, "<http://other-app/a> <http://other-app/b> \"keep me\" .\n")
    result = _kg("ask", "Please enlarge this photo 2x", "--store", server)
    assert result.exit_code == 1
    assert result.output.splitlines()[-1] == (f"Error: {server}: the server holds no graph from kg build "
                                              f"(run `kg build --store {server}` first)")
    assert _graphs(server) == {OTHER: 1}


def test_kg_store_names_a_server_as_store_does(server, tmp_path, monkeypatch):
    (tmp_path / "cwd").mkdir()
    monkeypatch.chdir(tmp_path / "cwd")
    result = _kg("build", str(SEEDS / "tasks.json"), env={"KG_STORE": server})
    assert result.exit_code == 0, result.output
    assert result.output.splitlines()[-1] == f"store: {server}"
    assert any(g.endswith("tasks.json") for g in _graphs(server))
    assert list((tmp_path / "cwd").iterdir()) == []  # no ./http:/ folder


def test_a_server_that_answers_oddly_is_one_line(tmp_path):
    import http.server
    import threading

    class Odd(http.server.BaseHTTPRequestHandler):
        def do_POST(self):
            body = b'{"head": {"vars": ["g"]}, "results": {"bindings": [{"x": 1}], "extra": []}}'
            self.send_response(200)
            self.send_header("Content-Type", "application/sparql-results+json")
            self.end_headers()
            self.wfile.write(body.replace(b'[{"x": 1}]', b'"not a list"'))

        def log_message(self, *args):
            pass

    server = http.server.HTTPServer(("127.0.0.1", 0), Odd)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    url = f"http://127.0.0.1:{server.server_port}/"
    try:
        result = _kg("ask", "enlarge this photo 2x", "--store", url)
    finally:
        server.shutdown()
    assert result.exit_code == 1
    assert result.output.splitlines()[-1] == (f"Error: {url}: the server did not answer in SPARQL JSON results "
                                              "(check that the URL is a SPARQL endpoint's base)")
