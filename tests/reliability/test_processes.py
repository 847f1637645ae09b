"""Nothing left running and nothing half-written: kg build, kg serve and kg sparql, however they stop."""

import os
import signal
import socket
import subprocess
import sys
import time
import urllib.parse
import urllib.request

import pytest

from kg.build import build_store
from kg.store import LocalStore
from kg.store.snapshot import SUFFIX as SNAPSHOT
from tests.conftest import ROOT, SEEDS, free_port, start_server

KG = [sys.executable, str(ROOT / "cli.py")]
CARTESIAN = "SELECT (COUNT(*) AS ?n) WHERE { ?a ?b ?c . ?d ?e ?f . ?g ?h ?i }"


def _children(pid: int) -> list[int]:
    out = []
    for entry in os.listdir("/proc"):
        if entry.isdigit():
            try:
                stat = open(f"/proc/{entry}/stat").read()
            except OSError:
                continue
            if int(stat.rsplit(")", 1)[1].split()[1]) == pid:
                out.append(int(entry))
    return out


def _alive(pid: int) -> bool:
    try:
        state = open(f"/proc/{pid}/stat").read().rsplit(")", 1)[1].split()[0]
    except OSError:
        return False
    return state != "Z"  # a zombie no init has reaped yet runs nothing


def _wait_gone(pids: list[int], seconds: float = 10.0) -> list[int]:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline and any(map(_alive, pids)):
        time.sleep(0.1)
    return [p for p in pids if _alive(p)]


def _wait_children(pid: int, seconds: float = 20.0) -> list[int]:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        kids = _children(pid)
        if kids:
            return kids
        time.sleep(0.1)
    pytest.fail(f"process {pid} started no child in {seconds:g} s")


def _count(url: str) -> int:
    query = urllib.parse.urlencode({"query": "SELECT (COUNT(*) AS ?n) WHERE { ?s ?p ?o }"})
    req = urllib.request.Request(f"{url}?{query}", headers={"Accept": "text/csv"})
    with urllib.request.urlopen(req, timeout=5) as resp:
        return int(resp.read().decode().splitlines()[1])


@pytest.fixture
def small_store(tmp_path) -> LocalStore:
    store = LocalStore(tmp_path / "store")
    build_store([SEEDS / "tasks.json"], store)
    return store


@pytest.mark.parametrize("sig", [signal.SIGTERM, signal.SIGKILL, signal.SIGHUP])
def test_stopping_kg_serve_stops_its_server(small_store, sig):
    port = free_port()
    url = f"http://127.0.0.1:{port}/query"
    proc = start_server([*KG, "serve", "--port", str(port), "--store", str(small_store.root)], url)
    server = _children(proc.pid)
    assert server
    proc.send_signal(sig)
    proc.wait(timeout=15)
    assert _wait_gone(server) == []
    assert not _listening(port)


def _listening(port: int, seconds: float = 5.0) -> bool:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        with socket.socket() as s:
            if s.connect_ex(("127.0.0.1", port)) != 0:
                return False
        time.sleep(0.2)
    return True


def test_kg_serve_on_a_taken_port_fails_in_one_line(small_store):
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        result = subprocess.run([*KG, "serve", "--port", str(port), "--store", str(small_store.root)],
                                capture_output=True, text=True, timeout=30)
    assert result.returncode == 1
    assert result.stderr.splitlines()[-1] == (f"Error: cannot serve on 127.0.0.1:{port}: Address already in use "
                                              "(choose another --port, or stop what listens there)")
    assert "Traceback" not in result.stderr and "panicked" not in result.stderr


def test_kg_serve_follows_a_rebuild_and_stops_when_the_store_goes(small_store):
    port = free_port()
    url = f"http://127.0.0.1:{port}/query"
    proc = start_server([*KG, "serve", "--port", str(port), "--store", str(small_store.root)], url)
    try:
        before = _count(url)
        build_store([SEEDS / "tasks.json", SEEDS / "catalogs" / "new_models.json"], small_store)
        after = small_store.reader().count()
        assert after > before
        deadline = time.monotonic() + 20
        while time.monotonic() < deadline:
            try:
                if _count(url) == after:
                    break
            except OSError:
                pass  # the server is restarting on the new generation
            time.sleep(0.2)
        assert _count(url) == after
        server = _children(proc.pid)
        import shutil

        shutil.rmtree(small_store.root)
        assert proc.wait(timeout=15) == 1
        assert proc.stderr.read().decode().splitlines()[-1].endswith("the store was removed; stopped serving it")
        assert _wait_gone(server) == []
    finally:
        proc.kill()


@pytest.mark.parametrize("sig", [signal.SIGTERM, signal.SIGKILL])
def test_stopping_kg_sparql_stops_its_query(seed_store, sig):
    proc = subprocess.Popen([*KG, "sparql", "--timeout", "600", CARTESIAN, "--store", str(seed_store.root)],
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        query = _wait_children(proc.pid)
        proc.send_signal(sig)
        proc.wait(timeout=15)
        assert _wait_gone(query) == []
    finally:
        proc.kill()


@pytest.mark.parametrize("sig, moment", [(signal.SIGTERM, "reading"), (signal.SIGKILL, "reading"),
                                         (signal.SIGKILL, "writing")])
def test_killing_a_build_leaves_the_previous_graph_live_and_nothing_running(small_store, sig, moment):
    before, live = small_store.reader().count(), small_store.live_path()
    sources = [SEEDS / "tasks.json", SEEDS / "catalogs", SEEDS / "arxiv" / "arxiv_sample_100.json"]
    proc = subprocess.Popen([*KG, "build", *map(str, sources), "--store", str(small_store.root)],
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    deadline = time.monotonic() + 120
    if moment == "reading":
        time.sleep(3)
    else:  # the new database has appeared beside the live one and is being filled
        while time.monotonic() < deadline and len(_databases(small_store)) < 2:
            time.sleep(0.01)
    assert proc.poll() is None, "the build ended before it could be stopped"
    kids = _children(proc.pid)
    proc.send_signal(sig)
    proc.wait(timeout=30)
    assert _wait_gone(kids) == []
    assert (small_store.live_path(), small_store.reader().count()) == (live, before)
    # The next build sweeps what the stopped one left and goes live.
    build_store([SEEDS / "tasks.json"], small_store)
    assert len(_databases(small_store)) == 1 and small_store.live_path() != live


def _databases(store) -> list:
    """The store's generations (each database has its mentions file and its snapshot directory beside it)."""
    return [p for p in store.root.glob("gen-*") if p.is_dir() and not p.name.endswith(SNAPSHOT)]


def test_killing_a_parallel_build_stops_its_workers(small_store, tmp_path):
    src = tmp_path / "src"
    src.mkdir()
    lines = (SEEDS / "arxiv" / "arxiv_2023_after.jsonl").read_text(encoding="utf-8").splitlines()[:4000]
    (src / "listing.jsonl").write_text("\n".join(lines) + "\n", encoding="utf-8")
    before, live = small_store.reader().count(), small_store.live_path()
    proc = subprocess.Popen([*KG, "build", str(src), "--jobs", "2", "--store", str(small_store.root)],
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline and len(_children(proc.pid)) < 2:  # the workers (and the pool's helper)
            time.sleep(0.05)
        workers = _children(proc.pid)
        assert len(workers) >= 2, "the build started no workers"
        proc.send_signal(signal.SIGKILL)
        proc.wait(timeout=30)
        assert _wait_gone(workers) == []
        assert (small_store.live_path(), small_store.reader().count()) == (live, before)
    finally:
        proc.kill()
