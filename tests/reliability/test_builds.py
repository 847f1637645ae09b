"""Builds: the store is held from the start, a file is no store, replacing other sources is said, --add keeps them."""

import json

from click.testing import CliRunner

from cli import cli
from kg.store import LocalStore
from tests.conftest import SEEDS

CARD = {"Model Unique Name": "Demo-Net-2x", "Category": "SISR", "Detailed Category": "SISR", "Dataset": "DIV2K",
        "Paper": None, "GitHub": None, "HuggingFace": None, "Summary": "Upscales photos 2x."}


def _kg(*args):
    return CliRunner().invoke(cli, list(args), catch_exceptions=False)


def test_a_file_is_no_store_and_kg_says_so_before_any_work(tmp_path):
    store = tmp_path / "not-a-dir"
    store.write_text("hello")
    for args in (["build", str(SEEDS / "tasks.json")], ["ask", "enlarge this photo 2x"]):
        result = _kg(*args, "--store", str(store))
        assert result.exit_code == 1
        assert result.output.splitlines()[-1] == f"Error: {store}: is a file, not a store directory (give --store a directory)"
    assert store.read_text() == "hello"


def test_a_second_build_fails_at_once_while_the_first_holds_the_store(tmp_path):
    store = LocalStore(tmp_path / "store")
    with store.writing():
        # The source does not exist: the lock is refused before kg looks at it.
        result = _kg("build", str(tmp_path / "missing.json"), "--store", str(store.root))
    assert result.exit_code == 1
    assert result.output.splitlines()[-1] == (f"Error: {store.root}: another build is writing this store "
                                              "(wait for it to finish)")


def test_replacing_other_sources_is_said_and_add_keeps_them(tmp_path):
    store = str(tmp_path / "store")
    catalog = tmp_path / "demo.json"
    catalog.write_text(json.dumps([CARD]))
    assert _kg("build", str(SEEDS / "tasks.json"), "--store", store).exit_code == 0
    replaced = _kg("build", str(catalog), "--store", store)
    assert replaced.exit_code == 0
    assert f"note: {store} held 1 other source(s) (tasks.json); this build replaced them (kg build --add keeps them)" \
        in replaced.output
    assert set(LocalStore(tmp_path / "store").sources()) == {"demo.json", "ontologies/datasets.ttl", "ontologies/kg.ttl",
                                                             "ontologies/lay-phrasings.ttl", "ontologies/thesaurus.ttl"}
    added = _kg("build", str(SEEDS / "tasks.json"), "--add", "--store", store)
    assert added.exit_code == 0
    assert [line for line in added.output.splitlines() if line.startswith("note:")] == [
        "note: replaced 1 source(s) and kept the rest as stored: tasks.json"]  # demo.json was not read again
    assert {"demo.json", "tasks.json"} <= set(LocalStore(tmp_path / "store").sources())


def test_a_duplicated_model_name_is_a_warning_the_build_prints_and_records(tmp_path):
    catalog = tmp_path / "dup.json"
    catalog.write_text(json.dumps([CARD, CARD | {"Category": "Deblur", "Summary": "Removes blur."}], indent=1))
    store = tmp_path / "store"
    result = _kg("build", str(catalog), "--store", str(store))
    assert result.exit_code == 0
    note = ("dup.json: lines 2, 12 all name the model 'Demo-Net-2x'; their cards are merged into one model "
            "(give each card its own \"Model Unique Name\" to keep them apart)")
    assert f"note: {note}" in result.output.splitlines()
    rows = LocalStore(store).reader().select(
        "SELECT ?w WHERE { ?g <https://w3id.org/cnaps-kg/ontology#buildWarning> ?w }")
    assert [r["w"] for r in rows] == [note]
