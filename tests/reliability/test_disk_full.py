"""A full disk ends a build or an export in one line and leaves no partial output."""

import errno
import os

import pytest

from click.testing import CliRunner

from cli import cli
from tests.conftest import SEEDS


def _no_space(*args, **kwargs):
    raise OSError(errno.ENOSPC, "No space left on device")


def test_an_export_on_a_full_disk_leaves_the_old_file_whole(run, seed_store, tmp_path, monkeypatch):
    import kg.output

    out = tmp_path / "graph.nt"
    out.write_text("the previous export\n")
    monkeypatch.setattr(kg.output.os, "fsync", _no_space)
    result = CliRunner().invoke(cli, ["export", "--format", "nt", "-o", str(out), "--store", str(seed_store.root)],
                                catch_exceptions=False)
    assert result.exit_code == 1
    assert result.output.splitlines()[-1] == (f"Error: {out}: cannot write (No space left on device) "
                                              "(free some space or choose another path)")
    assert out.read_text() == "the previous export\n"
    assert [p.name for p in tmp_path.iterdir()] == ["graph.nt"]  # no .part file left


def test_a_build_on_a_full_disk_keeps_the_previous_graph(tmp_path, monkeypatch):
    import pyoxigraph

    store = tmp_path / "store"
    first = CliRunner().invoke(cli, ["build", str(SEEDS / "tasks.json"), "--store", str(store)],
                               catch_exceptions=False)
    assert first.exit_code == 0
    before = sorted(p.name for p in store.iterdir())

    class FullStore:
        read_only = staticmethod(pyoxigraph.Store.read_only)  # reading the old graph still works

        def __init__(self, path):
            raise OSError(errno.ENOSPC, "No space left on device")

    monkeypatch.setattr(pyoxigraph, "Store", FullStore)
    result = CliRunner().invoke(cli, ["build", str(SEEDS / "tasks.json"), "--store", str(store)],
                                catch_exceptions=False)
    assert result.exit_code == 1
    assert result.output.splitlines()[-1] == (f"Error: {store}: cannot write the new graph (No space left on "
                                              "device); the previous graph is untouched (free some space and build again)")
    assert sorted(p.name for p in store.iterdir()) == before


def test_output_into_a_missing_folder_is_one_line(run, tmp_path):
    for args in (["export", "--format", "ttl", "-o"], ["ask", "enlarge this photo 2x", "--html"],
                 ["export", "--task", "SISR", "--html"], ["export", "--task", "SISR", "--graphml"]):
        target = tmp_path / "missing" / "out.file"
        result = run(*args, str(target), ok=False)
        assert result.exit_code == 1, args
        assert result.output.splitlines()[-1] == (f"Error: {target}: the folder {target.parent} does not exist "
                                                  "(create it or choose another path)"), args


def test_a_graph_that_is_not_an_iri_is_one_line(run):
    result = run("export", "--format", "nt", "--graph", "not an iri", ok=False)
    assert result.exit_code == 1
    assert result.output.splitlines()[-1].startswith("Error: --graph 'not an iri' is not an IRI (")


@pytest.mark.parametrize("code", [errno.EROFS, errno.EACCES])
def test_a_store_kg_may_not_write_is_one_line_and_still_answers(tmp_path, monkeypatch, code):
    import builtins

    import kg.store.local

    store = tmp_path / "store"
    assert CliRunner().invoke(cli, ["build", str(SEEDS / "tasks.json"), "--store", str(store)]).exit_code == 0
    before = sorted(p.name for p in store.iterdir())

    def refuse(path, mode="r", *args, **kwargs):  # as root, chmod would not stop kg: the kernel's answer is simulated
        if "w" in mode:
            raise OSError(code, os.strerror(code), str(path))
        return builtins.open(path, mode, *args, **kwargs)

    monkeypatch.setattr(kg.store.local, "open", refuse, raising=False)
    result = CliRunner().invoke(cli, ["build", str(SEEDS / "tasks.json"), "--store", str(store)],
                                catch_exceptions=False)
    assert result.exit_code == 1
    assert result.output.splitlines()[-1] == (f"Error: {store}: cannot write the store ({os.strerror(code)}) "
                                              "(choose a --store directory you can write to)")
    assert sorted(p.name for p in store.iterdir()) == before
    query = CliRunner().invoke(cli, ["sparql", "SELECT (COUNT(*) AS ?n) WHERE { ?t a kg:Task }", "--format", "csv",
                                     "--store", str(store)], catch_exceptions=False)
    assert query.exit_code == 0 and int(query.output.splitlines()[1]) > 60
