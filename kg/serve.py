"""kg serve: Oxigraph's own read-only SPARQL server over the store's live database."""

import shutil
import signal
import subprocess
import sys

from .errors import StoreError


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


def serve(location: str, host: str, port: int, timeout: int) -> int:
    """Run the server in the foreground until Ctrl-C; the store is opened read-only by the server itself."""
    proc = subprocess.Popen(command(location, host, port, timeout))
    try:
        return proc.wait()
    except KeyboardInterrupt:
        proc.send_signal(signal.SIGINT)
        try:
            return proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            proc.kill()
            return proc.wait()
