import json
import os
import shutil
import tempfile
from pathlib import Path

import pytest
from click.testing import CliRunner

from cli import cli
from kg.build import build_store
from kg.paths import ROOT, SEEDS
from kg.store import LocalStore, Reader

# Caches (kg.nlp.cache) go to a fresh directory per run, never the user's, for this process and its children.
os.environ.setdefault("KG_CACHE", tempfile.mkdtemp(prefix="kg-test-cache-"))
# No test leaves a resident answerer behind; tests/test_resident.py starts its own, in its own directory.
os.environ["KG_RESIDENT"] = "0"

DATA = Path(__file__).parent / "data"
SEED_BUNDLE = SEEDS / "bundles" / "000_275fda37b4ddce02.txt"
SEED_QUESTION = (
    "I doubled the size of a blurry CCTV still and the face became clear\u2014"
    "how does real\u2011time upscaling achieve that?"
)


@pytest.fixture(scope="session")
def seed_store(tmp_path_factory) -> LocalStore:
    """The graph of the bundled seeds, built once per test session."""
    store = LocalStore(tmp_path_factory.mktemp("kg") / "store")
    build_store([SEEDS], store)
    return store


@pytest.fixture(scope="session")
def reader(seed_store) -> Reader:
    return Reader(seed_store.open())


@pytest.fixture(scope="session")
def answerer(reader):
    from kg.answer import Answerer

    return Answerer(reader)


@pytest.fixture
def run(seed_store):
    """Invoke the CLI against the session store and return the result."""

    def _run(*args, store=None, ok=True):
        result = CliRunner().invoke(cli, [*args, "--store", str(store or seed_store.root)], catch_exceptions=False)
        if ok:
            assert result.exit_code == 0, result.output
        return result

    return _run


@pytest.fixture(scope="session")
def dev_questions() -> list[dict]:
    return [json.loads(line) for line in (DATA / "questions_dev.jsonl").read_text().splitlines() if line.strip()]


def copy_seeds(dest: Path) -> Path:
    shutil.copytree(SEEDS, dest)
    return dest


__all__ = ["ROOT", "SEEDS", "DATA", "SEED_BUNDLE", "SEED_QUESTION", "copy_seeds"]


def free_port() -> int:
    import socket

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def start_server(argv: list[str], query_url: str):
    """Start a SPARQL server process and wait until it answers ASK {} at query_url."""
    import subprocess
    import time
    import urllib.error
    import urllib.request

    proc = subprocess.Popen(argv, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    for _ in range(150):
        try:
            urllib.request.urlopen(f"{query_url}?query=ASK%7B%7D", timeout=1)
            return proc
        except (urllib.error.URLError, ConnectionError):
            time.sleep(0.1)
    proc.kill()
    pytest.fail(f"{argv[0]} did not start: {proc.stderr.read().decode()}")


def _graphs(store) -> dict:
    """Each named graph in the store as an rdflib Graph (isomorphism compares triples, not quads)."""
    import pyoxigraph as ox
    from rdflib import Graph

    db = store.open()
    out = {}
    for name in db.named_graphs():
        data = ox.serialize(db.quads_for_pattern(None, None, None, name), format=ox.RdfFormat.N_QUADS)
        out[name.value] = Graph().parse(data=data.decode(), format="nquads")
    return out


def snapshot_of(store) -> dict:
    """The rows the build stored with the live generation (kg.store.snapshot): file -> its content, rows sorted."""
    from kg.store.snapshot import SUFFIX

    out = {}
    for path in sorted(Path(store.live_path() + SUFFIX).glob("*.json")):
        data = json.loads(path.read_text(encoding="utf-8"))
        if isinstance(data, list):
            data = sorted(map(repr, data))
        elif "rows" in data:
            data = {**data, "rows": sorted(map(repr, data["rows"]))}
        out[path.name] = data
    return out


def assert_same_graphs(first: dict, second: dict) -> None:
    """The same named graphs, each isomorphic to its twin; on failure, a few triples of the difference."""
    from rdflib.compare import graph_diff, isomorphic, to_isomorphic

    assert sorted(first) == sorted(second)
    for name in first:
        g1, g2 = to_isomorphic(first[name]), to_isomorphic(second[name])
        if not isomorphic(g1, g2):
            _, only1, only2 = graph_diff(g1, g2)
            pytest.fail(f"{name} differs: {sorted(only1)[:3]} only in first, {sorted(only2)[:3]} only in second")
