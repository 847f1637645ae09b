"""The resident answerer: a background process that keeps an embedded store's pipeline and index loaded.

A fresh `kg ask` spends about two seconds importing spaCy and loading the pipeline before ten
milliseconds of answering. With a resident running, `kg ask` only imports click, sends its request
over a Unix socket and prints the reply. When none is running, `kg ask` answers by itself as before
and then starts one, which exits after IDLE seconds without a question (or on `kg resident stop`).

One resident per embedded store and per kg installation: its socket is named by the store's real
path and by a fingerprint of kg's files, so changed kg code starts a new resident and the old one
times out. A rebuilt store is re-read at the next question. The socket lives in a directory only
the user can open, and the resident also checks the caller's uid. KG_RESIDENT=0 turns it all off.
"""

import hashlib
import json
import os
import socket
import struct
import subprocess
import sys
import time
from pathlib import Path

from .reply import Reply, Request

ENV = "KG_RESIDENT"  # "0": never ask or start a resident
RUN_ENV = "KG_RUNTIME_DIR"  # where sockets live; default $XDG_RUNTIME_DIR/kg, else the user cache
IDLE = 600.0  # seconds: long enough to span a pause between questions, short enough not to hold ~250 MB all day
PROTOCOL = 1
CONNECT_TIMEOUT = 1.0
ANSWER_TIMEOUT = 120.0  # a resident re-reading a rebuilt store takes a few seconds
_SUN_PATH_MAX = 107  # AF_UNIX path limit on Linux, less the terminating NUL


def enabled() -> bool:
    return os.environ.get(ENV, "1") != "0"


def run_dir() -> Path | None:
    """The sockets' directory, made private to the user; None when it cannot be."""
    if os.environ.get(RUN_ENV):
        path = Path(os.environ[RUN_ENV])
    elif os.environ.get("XDG_RUNTIME_DIR"):
        path = Path(os.environ["XDG_RUNTIME_DIR"]) / "kg"
    else:
        from platformdirs import user_cache_dir

        path = Path(user_cache_dir("kg")) / "run"
    try:
        path.mkdir(mode=0o700, parents=True, exist_ok=True)
        st = path.stat()
    except OSError:
        return None
    if st.st_uid != os.getuid() or st.st_mode & 0o077:
        return None  # someone else could reach the socket
    return path


def fingerprint() -> str:
    """Names this kg: its interpreter, its files (path, size, mtime) and whether the trained pipeline is there."""
    import importlib.util

    from .paths import TRAINED_PIPELINE

    root = Path(__file__).resolve().parent
    h = hashlib.sha256(f"{PROTOCOL}\0{sys.executable}\0{importlib.util.find_spec(TRAINED_PIPELINE) is not None}".encode())
    for path in sorted(root.rglob("*")):
        if "__pycache__" in path.parts or not path.is_file():
            continue
        st = path.stat()
        h.update(f"\0{path.relative_to(root)}\0{st.st_size}\0{st.st_mtime_ns}".encode())
    return h.hexdigest()


def address(store_root: Path) -> Path | None:
    where = run_dir()
    if where is None:
        return None
    key = hashlib.sha256(f"{fingerprint()}\0{os.path.realpath(store_root)}".encode()).hexdigest()[:20]
    path = where / f"{key}.sock"
    return path if len(os.fsencode(path)) <= _SUN_PATH_MAX else None


# --- the asking side --------------------------------------------------------


def ask(store_root: Path, request: Request) -> Reply | None:
    """The resident's reply, or None when there is no resident to ask (the caller answers itself)."""
    got = _call(store_root, {"op": "ask", "request": request.to_json()})
    return Reply(**got["reply"]) if got and "reply" in got else None


def status(store_root: Path) -> dict | None:
    return _call(store_root, {"op": "status"})


def stop(store_root: Path) -> bool:
    return _call(store_root, {"op": "stop"}) is not None


def _call(store_root: Path, message: dict) -> dict | None:
    if not enabled():
        return None
    path = address(store_root)
    if path is None or not path.exists():
        return None
    try:
        with socket.socket(socket.AF_UNIX, socket.SOCK_STREAM) as conn:
            conn.settimeout(CONNECT_TIMEOUT)
            conn.connect(str(path))
            conn.settimeout(ANSWER_TIMEOUT)
            conn.sendall(json.dumps({"protocol": PROTOCOL, **message}).encode() + b"\n")
            conn.shutdown(socket.SHUT_WR)
            got = json.loads(_read_all(conn))
    except (OSError, ValueError):
        return None  # gone, stale socket, stuck or garbled: answering in-process is always right
    return got if isinstance(got, dict) and got.get("protocol") == PROTOCOL else None


def start(store_root: Path, idle: float = IDLE) -> None:
    """Start a resident for this store in the background, detached from the terminal."""
    path = address(store_root) if enabled() else None
    if path is None:
        return
    package_parent = str(Path(__file__).resolve().parent.parent)
    env = {**os.environ, "PYTHONPATH": os.pathsep.join(filter(None, [package_parent, os.environ.get("PYTHONPATH")]))}
    with open(path.with_suffix(".log"), "ab") as err:
        subprocess.Popen([sys.executable, "-m", "kg.resident", os.path.realpath(store_root), "--idle", str(idle)],
                         stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL, stderr=err, cwd="/",
                         start_new_session=True, close_fds=True, env=env)


def _read_all(conn: socket.socket) -> bytes:
    chunks = []
    while chunk := conn.recv(1 << 16):
        chunks.append(chunk)
    return b"".join(chunks)


# --- the resident -----------------------------------------------------------


def serve(store_root: Path, idle: float = IDLE) -> None:
    import fcntl

    path = address(store_root)
    if path is None:
        return
    lock = open(path.with_suffix(".lock"), "w")
    try:
        fcntl.flock(lock, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except BlockingIOError:
        return  # another resident serves this store (or is loading it)
    loaded = _Loaded(store_root)
    path.unlink(missing_ok=True)  # a resident that was killed leaves its socket behind
    with socket.socket(socket.AF_UNIX, socket.SOCK_STREAM) as server:
        umask = os.umask(0o177)
        try:
            server.bind(str(path))
        finally:
            os.umask(umask)
        server.listen(16)
        server.settimeout(idle)
        try:
            while True:
                try:
                    conn, _ = server.accept()
                except TimeoutError:
                    return
                with conn:
                    if not _handle(conn, loaded):
                        return
        finally:
            path.unlink(missing_ok=True)


class _Loaded:
    """The answerer for the store's live generation, re-read when a build swaps it."""

    def __init__(self, store_root: Path):
        from .store import CURRENT, LocalStore

        self.store = LocalStore(store_root)
        self.link = Path(store_root) / CURRENT
        self.generation = None
        self.answerer = None
        self.refresh()

    def refresh(self) -> bool:
        from .answer import Answerer

        try:
            generation = os.readlink(self.link)
        except OSError:
            return False
        if generation != self.generation:
            self.answerer = Answerer(self.store.reader())
            self.generation = generation
        return True


def _handle(conn: socket.socket, loaded: _Loaded) -> bool:
    """Answer one connection; False when the resident should stop."""
    conn.settimeout(10.0)
    if _peer_uid(conn) not in (None, os.getuid()):
        return True
    try:
        message = json.loads(_read_all(conn))
    except (OSError, ValueError):
        return True
    op = message.get("op")
    out = {"protocol": PROTOCOL}
    keep_going = True
    if op == "stop":
        keep_going = False
    elif op == "status":
        out.update(pid=os.getpid(), store=str(loaded.store), generation=loaded.generation)
    elif op == "ask":
        out.update(_answer(message.get("request") or {}, loaded))
    try:
        conn.sendall(json.dumps(out).encode())
    except OSError:
        pass
    return keep_going


def _answer(request: dict, loaded: _Loaded) -> dict:
    from .reply import reply

    try:
        if not loaded.refresh():
            return {}  # the store is gone: the asker builds it in-process
        req = Request.from_json(request)
        if req.cwd:
            os.chdir(req.cwd)
        return {"reply": reply(loaded.answerer, req).to_json()}
    except Exception:  # noqa: BLE001  the asker repeats the question in-process and reports what happens there
        import traceback

        traceback.print_exc(file=sys.stderr)
        return {}


def _peer_uid(conn: socket.socket) -> int | None:
    if not hasattr(socket, "SO_PEERCRED"):
        return None
    creds = conn.getsockopt(socket.SOL_SOCKET, socket.SO_PEERCRED, struct.calcsize("3i"))
    return struct.unpack("3i", creds)[1]


def main(argv: list[str] | None = None) -> None:
    import argparse

    ap = argparse.ArgumentParser(prog="python -m kg.resident", description="Serve kg ask for one embedded store.")
    ap.add_argument("store", type=Path)
    ap.add_argument("--idle", type=float, default=IDLE, help="Exit after this many seconds without a question.")
    args = ap.parse_args(argv)
    started = time.monotonic()
    serve(args.store, args.idle)
    print(f"kg resident for {args.store}: stopped after {time.monotonic() - started:.0f} s", file=sys.stderr)


if __name__ == "__main__":
    main()
