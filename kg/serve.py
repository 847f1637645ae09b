"""kg serve: a SPARQL 1.1 Protocol endpoint over the store's live database.

Oxigraph's own read-only server answers the queries, on a private loopback port; kg stands in front
of it on the address the user gave, because Oxigraph alone would fetch from any URL a SERVICE clause
names and, when a query runs out of time, would send "200 OK" with the cancellation written into
the results. The gateway refuses SERVICE (unless allowed), holds each answer until it is complete,
and turns a stopped or failed query into an HTTP error. It also makes a rebuild seamless: the new
generation gets its own server, and the gateway switches to it once it answers.
"""

import json
import shutil
import signal
import socket
import subprocess
import sys
import threading
import time
import urllib.error
import urllib.parse
import urllib.request
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

from .errors import StoreError
from .lifecycle import die_with_parent, forward_signals

WATCH_SECONDS = 1.0  # how often kg looks for a rebuilt store
GRACE_SECONDS = 2  # past --timeout, how long kg waits for Oxigraph to stop a query itself
MAX_ANSWER = 512 * 1024 * 1024  # an answer is held whole before it is sent; past this, ask for LIMIT
_CANCELLED = b"The SPARQL operation has been cancelled"


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


def serve(store, host: str, port: int, timeout: int, say=lambda message: None, allow_service: bool = False) -> None:
    """Serve until Ctrl-C or a signal; Oxigraph's process dies with kg, however kg stops.

    A rebuild makes a new generation of the store live: kg then serves that one, so the endpoint never
    answers from a graph the store no longer has. When the store goes away, kg stops serving.
    """
    gateway = _bind(host, port, timeout, allow_service)
    gateway.use(store.live_path())
    worker = threading.Thread(target=gateway.serve_forever, daemon=True)
    worker.start()
    try:
        with forward_signals(lambda: None):
            while True:
                # Servers are started here, in the main thread, only: Linux stops a child when the
                # thread that started it ends (PR_SET_PDEATHSIG), and request threads end all the time.
                runaway = gateway.runaway.wait(WATCH_SECONDS)
                current = gateway.current
                if current.proc.poll() is not None:
                    raise StoreError(f"the SPARQL server stopped with exit code {current.proc.returncode}",
                                     hint="see its message above")
                live = store.live_path() if store.exists() else None
                if live is None:
                    raise StoreError(f"{store}: the store was removed; stopped serving it")
                if runaway:
                    gateway.use(current.location, graceful=False)
                    say("a query outran --timeout: restarted the SPARQL server to stop it")
                elif live != current.location:
                    gateway.use(live)
                    say(f"the store was rebuilt: now serving {live}")
    finally:
        gateway.shutdown()
        gateway.server_close()
        gateway.current.stop()


def _bind(host: str, port: int, timeout: int, allow_service: bool) -> "_Gateway":
    try:
        return _Gateway((host, port), timeout, allow_service)
    except OSError as exc:
        raise StoreError(f"cannot serve on {host}:{port}: {exc.strerror or exc}",
                         hint="choose another --port, or stop what listens there") from None


class _Backend:
    """One Oxigraph server on a private loopback port, ready when constructed."""

    def __init__(self, location: str, timeout: int):
        self.location = location
        with socket.socket() as s:
            s.bind(("127.0.0.1", 0))
            port = s.getsockname()[1]
        self.url = f"http://127.0.0.1:{port}/query"
        self.proc = subprocess.Popen(command(location, "127.0.0.1", port, timeout), stderr=subprocess.PIPE,
                                     preexec_fn=die_with_parent)
        threading.Thread(target=_relay, args=(self.proc.stderr,), daemon=True).start()
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline and self.proc.poll() is None:
            try:
                urllib.request.urlopen(f"{self.url}?query=ASK%7B%7D", timeout=2).read()
                return
            except (urllib.error.URLError, ConnectionError):
                time.sleep(0.05)
        self.stop()
        raise StoreError(f"the SPARQL server did not start on {location}", hint="see its message above")

    def kill(self) -> None:
        self.proc.kill()
        self.proc.wait()

    def stop(self) -> None:
        if self.proc.poll() is None:
            self.proc.send_signal(signal.SIGINT)
            try:
                self.proc.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()


def _relay(stream) -> None:
    """Oxigraph's messages, but not its "Listening for requests at" line: that names the private port."""
    for line in iter(stream.readline, b""):
        if not line.startswith(b"Listening for requests at"):
            sys.stderr.buffer.write(line)
            sys.stderr.flush()


class _Gateway(ThreadingHTTPServer):
    daemon_threads = True

    def __init__(self, address, timeout: int, allow_service: bool):
        self.address_family = socket.AF_INET6 if ":" in address[0] else socket.AF_INET
        self.timeout_s = timeout
        self.allow_service = allow_service
        self.current: _Backend | None = None
        self.runaway = threading.Event()   # a request thread asks the main thread for a fresh server
        self.replaced = threading.Event()  # ... and the main thread says it has one
        super().__init__(address, _Handler)

    def use(self, location: str, graceful: bool = True) -> None:
        """Route queries to a new server on `location`, then stop the previous one: gracefully after a
        rebuild; at once when it is stuck in a query that outran its limit."""
        fresh = _Backend(location, self.timeout_s)
        old, self.current = self.current, fresh
        self.runaway.clear()
        self.replaced.set()
        if old is not None:
            old.stop() if graceful else old.kill()

    def handle_error(self, request, client_address) -> None:
        exc = sys.exc_info()[1]
        if not isinstance(exc, (ConnectionError, TimeoutError)):  # a client that hung up is not news
            sys.stderr.write(f"kg serve: a request from {client_address[0]} failed: {exc!r}\n")

    def server_bind(self) -> None:
        # HTTPServer would look the host's name up in DNS, which can hang on a machine without network.
        import socketserver

        socketserver.TCPServer.server_bind(self)
        self.server_name, self.server_port = self.server_address[:2]


class _Handler(BaseHTTPRequestHandler):
    server: _Gateway
    server_version = "kg"
    sys_version = ""

    def log_message(self, *args) -> None:  # one line per query on stderr would drown kg's own messages
        pass

    def do_GET(self) -> None:
        self._query(None)

    def do_POST(self) -> None:
        length = int(self.headers.get("Content-Length") or 0)
        self._query(self.rfile.read(length))

    def _query(self, body: bytes | None) -> None:
        parts = urllib.parse.urlsplit(self.path)
        if parts.path in ("/update", "/store") and body is not None:
            return self._fail(403, "this endpoint is read-only")
        if parts.path != "/query":
            return self._fail(404, "kg serve answers SPARQL queries at /query")
        text = _query_text(parts.query, body, self.headers.get("Content-Type", ""))
        if text is None:
            return self._fail(400, "no query: send it as the query parameter or as an application/sparql-query body")
        from .sparql import calls_service, is_update

        if is_update(text):
            return self._fail(403, "this endpoint is read-only: SPARQL UPDATE is refused")
        services = [] if self.server.allow_service else calls_service(text)
        if services:
            return self._fail(403, f"the query calls SERVICE {', '.join(services)}: kg serve does not fetch from "
                                   "other servers (start it with --allow-service to let it)")
        backend = self.server.current
        url = backend.url + (f"?{parts.query}" if parts.query else "")
        headers = {k: v for k, v in self.headers.items() if k.lower() in ("accept", "content-type")}
        req = urllib.request.Request(url, data=body, method=self.command, headers=headers)
        deadline = time.monotonic() + self.server.timeout_s + GRACE_SECONDS
        try:
            with urllib.request.urlopen(req, timeout=self.server.timeout_s + GRACE_SECONDS) as resp:
                status, kind = resp.status, resp.headers.get("Content-Type", "")
                answer = _read(resp, deadline)
        except urllib.error.HTTPError as exc:
            status, kind, answer = exc.code, exc.headers.get("Content-Type", "text/plain"), exc.read(64 * 1024)
        except (TimeoutError, socket.timeout):
            kind, answer = "", None
        except (urllib.error.URLError, OSError) as exc:
            if not isinstance(getattr(exc, "reason", None), (TimeoutError, socket.timeout)):
                return self._fail(503, f"the SPARQL server is not answering ({getattr(exc, 'reason', exc)}); "
                                       "try again")
            kind, answer = "", None
        if answer is None:
            # Oxigraph does not always stop a query at its time limit (an aggregate over a huge join runs on):
            # its server is replaced, which is the only way to stop the query.
            if backend is self.server.current:
                self.server.replaced.clear()
                self.server.runaway.set()
                self.server.replaced.wait(30)
            answer, status = _CANCELLED, 200
        if len(answer) > MAX_ANSWER:
            return self._fail(413, f"the answer is larger than {MAX_ANSWER // 2**20} MB; add LIMIT to the query")
        if status == 200:
            problem = _broken(answer, kind, self.server.timeout_s)
            if problem:
                return self._fail(*problem)
        self._send(status, kind, answer)

    def _fail(self, status: int, message: str) -> None:
        self._send(status, "text/plain; charset=utf-8", (message + "\n").encode())

    def _send(self, status: int, kind: str, body: bytes) -> None:
        self.send_response(status)
        self.send_header("Content-Type", kind)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)


def _read(resp, deadline: float) -> bytes | None:
    """The whole answer, or None once the deadline passes."""
    chunks, size = [], 0
    while size <= MAX_ANSWER:
        if time.monotonic() > deadline:
            return None
        chunk = resp.read(1 << 20)
        if not chunk:
            break
        chunks.append(chunk)
        size += len(chunk)
    return b"".join(chunks)


def _query_text(query_string: str, body: bytes | None, content_type: str) -> str | None:
    if body is not None and content_type.split(";")[0].strip() == "application/sparql-query":
        return body.decode("utf-8", errors="replace")
    form = urllib.parse.parse_qs(query_string)
    if body is not None:
        form.update(urllib.parse.parse_qs(body.decode("utf-8", errors="replace")))
    return (form.get("query") or [None])[0]


def _broken(answer: bytes, kind: str, timeout: int) -> tuple[int, str] | None:
    """Oxigraph has sent its 200 before the results are written; an error on the way ends up in them."""
    if answer.rstrip().endswith(_CANCELLED):
        return 503, (f"the query ran longer than {timeout} s and was stopped "
                     "(narrow it, add LIMIT, or start kg serve with a larger --timeout)")
    if "json" in kind:
        try:
            json.loads(answer)
        except ValueError:
            tail = answer[-300:].decode("utf-8", errors="replace").rsplit("[", 1)[-1].strip()
            return 500, f"the query failed while its results were written: {tail}"
    return None
