"""kg serve: Oxigraph's own read-only SPARQL server over the store's live database."""

import shutil
import signal
import socket
import subprocess
import sys

from .errors import StoreError
from .lifecycle import die_with_parent, forward_signals


def command(location: str, host: str, port: int, timeout: int) -> list[str]:
    exe = shutil.which("oxigraph") or str(_beside_python())
    return [exe, "serve-read-only", "--location", location, "--bind", f"{host}:{port}",
            "--union-default-graph", "--timeout-s", str(timeout)]


def _beside_python():
    from pathlib import Path

    exe = Path(sys.executable).parent / "oxigraph"
    if not exe.exists():
        raise StoreError("the oxigraph server is not installed", hint="pip install -r requirements.lock")
    return exe


def serve(store, host: str, port: int, timeout: int, say=lambda message: None) -> int:
    """Run the server in the foreground until Ctrl-C or a signal; the server dies with kg.

    A rebuild makes a new generation of the store live: kg then restarts the server on it, so the
    endpoint never serves a graph the store no longer has. When the store goes away, kg stops serving.
    """
    _check_free(host, port)
    served = store.live_path()
    proc = _start(served, host, port, timeout)

    def stop():
        if proc.poll() is None:
            proc.send_signal(signal.SIGINT)
            try:
                proc.wait(timeout=10)
            except subprocess.TimeoutExpired:
                proc.kill()
                proc.wait()

    with forward_signals(lambda: stop()):
        while True:
            try:
                code = proc.wait(timeout=WATCH_SECONDS)
                break
            except subprocess.TimeoutExpired:
                pass
            live = store.live_path() if store.exists() else None
            if live is None:
                stop()
                raise StoreError(f"{store}: the store was removed; stopped serving it")
            if live != served:
                stop()
                served = live
                proc = _start(served, host, port, timeout)
                say(f"the store was rebuilt: now serving {served}")
    if code:
        raise StoreError(f"the SPARQL server stopped with exit code {code}", hint="see its message above")
    return code


WATCH_SECONDS = 1.0  # how often kg looks for a rebuilt store


def _start(location: str, host: str, port: int, timeout: int):
    return subprocess.Popen(command(location, host, port, timeout), preexec_fn=die_with_parent)


def _check_free(host: str, port: int) -> None:
    with socket.socket(socket.AF_INET6 if ":" in host else socket.AF_INET) as s:
        try:
            s.bind((host, port))
        except OSError as exc:
            raise StoreError(f"cannot serve on {host}:{port}: {exc.strerror or exc}",
                             hint="choose another --port, or stop what listens there") from None
