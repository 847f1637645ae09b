"""The resident answerer: real background processes on a real Unix socket, compared with in-process answers."""

import os
import subprocess
import sys
import time
from pathlib import Path

import pytest

from kg import resident
from kg.build import build_store
from kg.paths import SEEDS
from kg.store import LocalStore
from tests.conftest import ROOT, SEED_BUNDLE, SEED_QUESTION

KG = [sys.executable, "-c", "from cli import main; main()"]  # as the kg command runs: an in-process ask ends early


@pytest.fixture
def env(tmp_path, monkeypatch):
    """Residents on, with sockets in this test's own directory; every resident it started is stopped after."""
    run_dir = tmp_path / "run"
    monkeypatch.setenv(resident.ENV, "1")
    monkeypatch.setenv(resident.RUN_ENV, str(run_dir))
    started = []
    yield {**os.environ, "PYTHONPATH": str(ROOT)}, started
    for root in started:
        resident.stop(root)


def kg(env, *args, cwd=ROOT, resident_on=True):
    e = env if resident_on else {**env, resident.ENV: "0"}
    return subprocess.run([*KG, *args], env=e, cwd=cwd, capture_output=True, text=True, timeout=300)


def wait_for(root: Path, generation: str | None = None, seconds: float = 120) -> dict:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        got = resident.status(root)
        if got and (generation is None or got["generation"] == generation):
            return got
        time.sleep(0.2)
    pytest.fail(f"no resident for {root} after {seconds} s")


def test_a_resident_answers_as_the_command_does_and_stops(seed_store, env, tmp_path):
    e, started = env
    root = seed_store.root
    started.append(root)
    assert resident.status(root) is None
    first = kg(e, "ask", "--store", str(root), SEED_QUESTION)  # answers in-process, then starts the resident
    info = wait_for(root)
    assert info["store"] == str(root.resolve())
    assert info["generation"] == os.readlink(root / "current")

    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    cases = [
        ("ask", "--store", str(root), SEED_QUESTION),
        ("ask", "--store", str(root), "--format", "json", "-k", "3", "I want to remove noise from old photos"),
        ("ask", "--store", str(root), "--bundle", str(SEED_BUNDLE), "--format", "markdown"),
        ("ask", "--store", str(root), "--bundle", "no-such-bundle.txt"),  # an error, named as typed
        ("ask", "--store", str(root), "--html", "view.html", "translate a menu from Korean"),  # relative to cwd
    ]
    for args in cases:
        mine = kg(e, *args, cwd=elsewhere, resident_on=False)
        view = (elsewhere / "view.html").read_bytes() if "--html" in args else None
        (elsewhere / "view.html").unlink(missing_ok=True)
        theirs = kg(e, *args, cwd=elsewhere)
        assert (theirs.returncode, theirs.stdout, theirs.stderr) == (mine.returncode, mine.stdout, mine.stderr), args
        if view is not None:
            assert (elsewhere / "view.html").read_bytes() == view
    assert first.stdout == kg(e, *cases[0], resident_on=False).stdout
    assert resident.status(root)["pid"] == info["pid"]  # one resident answered them all

    stopped = kg(e, "resident", "stop", "--store", str(root))
    assert stopped.stdout == f"stopped the resident for {root}\n"
    _gone(info["pid"])
    assert kg(e, "resident", "status", "--store", str(root)).stdout == f"no resident for {root}\n"
    assert not resident.address(root).exists()


def test_a_resident_reads_the_store_again_after_a_build_swaps_it(seed_store, env, tmp_path):
    e, started = env
    small = LocalStore(tmp_path / "small")
    build_store([SEEDS / "tasks.json", SEEDS / "catalogs" / "new_models.json"], small)
    # A store whose live generation is first the seed graph, then the small one: what a rebuild does.
    store = tmp_path / "store"
    store.mkdir()
    (store / "current").symlink_to(seed_store.live_path())
    started.append(store)
    question = "make my low-resolution photo four times bigger"
    kg(e, "ask", "--store", str(store), question)
    wait_for(store)
    before = kg(e, "ask", "--store", str(store), question)

    os.replace(_link(store, small.live_path()), store / "current")
    after = kg(e, "ask", "--store", str(store), question)
    assert after.stdout == kg(e, "ask", "--store", str(small.root), question, resident_on=False).stdout
    assert after.stdout != before.stdout  # the small graph has other models
    assert resident.status(store)["generation"] == small.live_path()


def test_a_dead_residents_socket_is_not_trusted(seed_store, env):
    e, started = env
    root = seed_store.root
    started.append(root)
    sock = resident.address(root)
    sock.parent.mkdir(parents=True, exist_ok=True)
    sock.write_text("not a socket")  # what a killed resident's leftovers amount to: nothing listens
    got = kg(e, "ask", "--store", str(root), SEED_QUESTION)
    assert got.returncode == 0 and got.stdout == kg(e, "ask", "--store", str(root), SEED_QUESTION,
                                                    resident_on=False).stdout
    wait_for(root)  # and the new resident took the address over


def test_an_idle_resident_exits_and_an_opted_out_ask_starts_none(seed_store, env):
    e, _ = env
    root = seed_store.root
    kg(e, "ask", "--store", str(root), SEED_QUESTION, resident_on=False)
    time.sleep(1)
    assert resident.status(root) is None and not resident.address(root).exists()

    proc = subprocess.Popen([sys.executable, "-m", "kg.resident", str(root), "--idle", "1"], env=e,
                            stderr=subprocess.PIPE, text=True)
    wait_for(root)
    assert proc.wait(timeout=60) == 0
    assert "stopped after" in proc.stderr.read()
    assert not resident.address(root).exists()


def test_the_socket_directory_must_be_private(tmp_path, monkeypatch):
    shared = tmp_path / "shared"
    shared.mkdir(mode=0o777)
    shared.chmod(0o777)
    monkeypatch.setenv(resident.RUN_ENV, str(shared))
    assert resident.run_dir() is None and resident.address(tmp_path) is None
    shared.chmod(0o700)
    assert resident.run_dir() == shared


def _link(store: Path, target: str) -> Path:
    tmp = store / "current.new"
    tmp.symlink_to(target)
    return tmp


def _gone(pid: int, seconds: float = 30) -> None:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        try:
            os.kill(pid, 0)
        except ProcessLookupError:
            return
        # A resident started by a test's child is not our child: no zombie to reap, it simply ends.
        time.sleep(0.1)
    pytest.fail(f"resident {pid} still runs")
