"""A remote SPARQL store: an Oxigraph server this test starts and stops on a free loopback port."""

import json
import shutil
import sys
from pathlib import Path

import pytest
from click.testing import CliRunner

from cli import cli
from tests.conftest import SEED_QUESTION, SEEDS, free_port, start_server


@pytest.fixture(scope="module")
def server(tmp_path_factory):
    exe = shutil.which("oxigraph") or str(Path(sys.executable).parent / "oxigraph")
    port = free_port()
    url = f"http://127.0.0.1:{port}/"
    proc = start_server([exe, "serve", "--location", str(tmp_path_factory.mktemp("oxigraph")),
                         "--bind", f"127.0.0.1:{port}", "--union-default-graph"], f"{url}query")
    yield url
    proc.terminate()
    proc.wait(timeout=10)


@pytest.fixture(scope="module")
def sources(tmp_path_factory) -> Path:
    src = tmp_path_factory.mktemp("src")
    for sub in ("catalogs", "bundles"):
        shutil.copytree(SEEDS / sub, src / sub)
    shutil.copy(SEEDS / "tasks.json", src)
    return src


def _kg(*args) -> str:
    result = CliRunner().invoke(cli, list(args), catch_exceptions=False)
    assert result.exit_code == 0, result.output
    return result.output


def test_build_into_a_remote_store_and_ask_gives_the_embedded_answer(server, sources, tmp_path):
    local = str(tmp_path / "store")
    first = _kg("build", str(sources), "--store", server)
    _kg("build", str(sources), "--store", local)
    again = _kg("build", str(sources), "--store", server)
    triples = [line for line in first.splitlines() if "triples" in line]
    assert triples == [line for line in again.splitlines() if "triples" in line]  # idempotent over HTTP too
    for question in (SEED_QUESTION, "Please remove the rain streaks from this street photo"):
        remote = json.loads(_kg("ask", question, "--store", server, "--format", "json"))
        embedded = json.loads(_kg("ask", question, "--store", local, "--format", "json"))
        assert remote == embedded
    bundle = str(sources / "bundles" / "000_275fda37b4ddce02.txt")
    assert json.loads(_kg("ask", "--bundle", bundle, "--store", server, "--format", "json")) == \
        json.loads(_kg("ask", "--bundle", bundle, "--store", local, "--format", "json"))


def test_each_source_is_a_named_graph_on_the_server(server, sources):
    _kg("build", str(sources), "--store", server)
    out = json.loads(_kg("sparql", "SELECT DISTINCT ?g WHERE { GRAPH ?g { ?g dcterms:source ?src } } ORDER BY ?g",
                         "--store", server, "--format", "json"))
    graphs = [b["g"]["value"].rsplit("/", 1)[-1] for b in out["results"]["bindings"]]
    assert graphs == ["bundles%2F000_275fda37b4ddce02.txt", "catalogs%2Fmodels.json", "catalogs%2Fnew_models.json",
                      "ontologies%2Fdatasets.ttl", "ontologies%2Fkg.ttl", "ontologies%2Flay-phrasings.ttl", "ontologies%2Fthesaurus.ttl",
                      "tasks.json"]


def test_eval_and_sparql_read_from_the_remote_store(server, sources, tmp_path):
    _kg("build", str(sources), "--store", server)
    qs = tmp_path / "q.jsonl"
    qs.write_text(json.dumps({"id": "1", "question": "Please enlarge this menu photo 3x", "model": "SISR-CARN-3x",
                              "task": "SISR", "style": "request"}) + "\n")
    report = json.loads(_kg("eval", str(qs), "--json", "--store", server))
    assert report["task_at_1"] == 1.0
    table = _kg("sparql", "SELECT (COUNT(DISTINCT ?m) AS ?n) WHERE { ?m a kg:Model }", "--store", server,
                "--format", "table")
    assert table.splitlines()[-2].strip() == "212"


def test_an_unreachable_server_is_one_line(tmp_path):
    port = free_port()
    result = CliRunner().invoke(cli, ["ask", "enlarge 2x", "--store", f"http://127.0.0.1:{port}/"],
                                catch_exceptions=False)
    assert result.exit_code == 1
    assert result.output.splitlines()[-1].startswith(f"Error: http://127.0.0.1:{port}/: cannot reach the SPARQL server")


def test_validate_checks_a_remote_store(server, sources, tmp_path):
    _kg("build", str(sources), "--store", server)
    result = CliRunner().invoke(cli, ["validate", "--store", server], catch_exceptions=False)
    assert result.exit_code == 0, result.output
    assert [line.split(": ")[1] for line in result.output.splitlines()[:-1]] == ["catalogs/new_models.json"] * 2
    assert result.output.splitlines()[-1].startswith(f"{server}: conforms: 0 violations, 2 warnings from ")
