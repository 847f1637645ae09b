"""A store that is a SPARQL server elsewhere: for graphs that outgrow one machine.

`--store http(s)://HOST/PATH/` names a server with Oxigraph's layout: PATH/query
(SPARQL 1.1 Protocol), PATH/update (SPARQL 1.1 Update) and PATH/store (Graph
Store Protocol). Fuseki, GraphDB, Virtuoso and QLever expose the same protocols
under their own paths; give those with KG_QUERY_URL / KG_UPDATE_URL / KG_GSP_URL.

A build PUTs each named graph whole, so the server replaces each graph
atomically, then drops the graphs an earlier kg build wrote and this one no
longer has. Which graphs kg wrote is recorded on the server, in the manifest
graph MANIFEST; graphs of other applications are never touched.
"""

import os
import re
import urllib.parse
from contextlib import contextmanager
from pathlib import Path

from ..errors import StoreError
from .base import Generation, sources_of

SAFE_IRI = re.compile(r'^[^\x00-\x20<>"{}|^`\\]+$')
MANIFEST = "https://w3id.org/cnaps-kg/id/kg-manifest"
OWNS = "https://w3id.org/cnaps-kg/ontology#ownsGraph"
# Builds before the manifest named every graph they wrote under this prefix.
LEGACY = "https://w3id.org/cnaps-kg/id/source/"


def is_remote(location: str | None) -> bool:
    return bool(location) and str(location).startswith(("http://", "https://"))


class RemoteStore:
    def __init__(self, url: str):
        try:
            parts = urllib.parse.urlsplit(url)
            ok = bool(parts.hostname) and (parts.port is None or parts.port > 0)
        except ValueError:
            ok = False
        if not ok:
            raise StoreError(f"{url}: not a server URL", hint="write it as http://HOST:PORT/ or https://HOST/PATH/")
        base = url if url.endswith("/") else url + "/"
        self.url = url
        self.query_url = os.environ.get("KG_QUERY_URL") or base + "query"
        self.update_url = os.environ.get("KG_UPDATE_URL") or base + "update"
        self.gsp_url = os.environ.get("KG_GSP_URL") or base + "store"

    def __str__(self) -> str:
        return self.url

    def exists(self) -> bool:
        """Whether a kg build wrote here; an unreachable server is an error, not an empty store."""
        return bool(self.owned())

    @contextmanager
    def generation(self, base: bool = False):
        """A database in a temporary directory; once the block ends without error, each of its graphs is
        PUT whole, then the graphs an earlier build wrote that this one lacks are dropped."""
        import tempfile

        import pyoxigraph as ox

        if base:
            raise StoreError(f"{self.url}: a remote store is rebuilt whole", hint="build without --add")
        with tempfile.TemporaryDirectory(prefix="kg-remote-") as tmp:
            db = ox.Store(str(Path(tmp) / "db"))
            yield Generation(db, Path(tmp) / "mentions.sqlite")
            self._push(db)
            del db

    def _push(self, db) -> None:
        import pyoxigraph as ox

        old = self.owned()
        graphs = sorted(g.value for g in db.named_graphs())
        for name in graphs:
            self._put(name, (q.triple for q in db.quads_for_pattern(None, None, None, ox.NamedNode(name))))
        # The manifest goes up before anything is dropped: a build stopped in between still owns what it wrote.
        self._put(MANIFEST, [ox.Triple(ox.NamedNode(MANIFEST), ox.NamedNode(OWNS), ox.NamedNode(g))
                             for g in graphs])
        for name in sorted(old - set(graphs) - {MANIFEST}):
            self._request("POST", self.update_url, urllib.parse.urlencode({"update": f"DROP SILENT GRAPH <{iri(name)}>"}).encode(),
                          "application/x-www-form-urlencoded")

    def mentions(self):
        return None  # kept only beside a local store: a remote one is rebuilt whole

    @contextmanager
    def writing(self):
        # A server offers no lock kg could hold; the manifest records which graphs a build owns.
        yield

    def sources(self) -> dict[str, str]:
        return sources_of(self.reader()) if self.exists() else {}

    def owned(self) -> set[str]:
        """The graphs earlier kg builds wrote on this server, and nothing else."""
        listed = self._select(f"SELECT ?g WHERE {{ GRAPH <{MANIFEST}> {{ ?m <{OWNS}> ?g }} }}")["results"]["bindings"]
        if listed:
            return {b["g"]["value"] for b in listed if "g" in b}
        graphs = self._select("SELECT DISTINCT ?g WHERE { GRAPH ?g { } }")["results"]["bindings"]
        return {b["g"]["value"] for b in graphs if b.get("g", {}).get("value", "").startswith(LEGACY)}

    def _put(self, name: str, triples) -> None:
        import pyoxigraph as ox

        body = ox.serialize(triples, format=ox.RdfFormat.N_TRIPLES)
        self._request("PUT", f"{self.gsp_url}?{urllib.parse.urlencode({'graph': name})}", body,
                      "application/n-triples")

    def live_path(self) -> str:
        return self.query_url

    def open(self):
        return self.reader()

    def reader(self) -> "RemoteReader":
        return RemoteReader(self)

    def _select(self, query: str) -> dict:
        import json

        try:
            data = json.loads(self.raw(query, "application/sparql-results+json"))
        except (json.JSONDecodeError, UnicodeDecodeError):
            data = None
        bindings = data.get("results", {}).get("bindings") if isinstance(data, dict) else None
        if not (isinstance(data, dict) and ("boolean" in data or (isinstance(bindings, list)
                                                                   and all(isinstance(b, dict) for b in bindings)))):
            raise StoreError(f"{self.url}: the server did not answer in SPARQL JSON results",
                             hint="check that the URL is a SPARQL endpoint's base")
        return data

    def raw(self, query: str, accept: str) -> bytes:
        return self._request("POST", self.query_url, urllib.parse.urlencode({"query": query}).encode(),
                             "application/x-www-form-urlencoded", accept=accept)

    def _request(self, method, url, body, content_type, accept=None) -> bytes:
        import urllib.error
        import urllib.request  # here: every kg command imports this module, few talk to a server

        req = urllib.request.Request(url, data=body, method=method, headers={"Content-Type": content_type})
        if accept:
            req.add_header("Accept", accept)
        try:
            with urllib.request.urlopen(req, timeout=300) as resp:
                return resp.read()
        except urllib.error.HTTPError as exc:
            detail = exc.read().decode(errors="replace").strip().splitlines()[:1]
            raise StoreError(f"{self.url}: the server answered {exc.code} to {method} {url}"
                             + (f": {detail[0]}" if detail else "")) from None
        except (urllib.error.URLError, OSError) as exc:
            raise StoreError(f"{self.url}: cannot reach the SPARQL server ({getattr(exc, 'reason', exc)})",
                             hint="check the URL and that the server runs") from None


def iri(value: str) -> str:
    """An IRI kg itself minted, checked before it goes into a query over HTTP.

    The protocol has no parameter binding, so only IRIs from kg's own graph go
    in, and only when they cannot break out of <...>. Users' text never does.
    """
    if not SAFE_IRI.match(value):
        raise StoreError(f"refusing to send an unsafe IRI to the server: {value!r}")
    return value


class RemoteReader:
    """The same select() as the local Reader, over the SPARQL protocol."""

    def __init__(self, store: RemoteStore):
        self.store = store

    def select(self, query: str, **bindings) -> list[dict]:
        from ..namespaces import sparql_prologue
        from .base import Iri

        if bindings:
            values = []
            for name, value in bindings.items():
                if not isinstance(value, Iri):
                    raise StoreError("remote stores take only IRIs from kg's own graph as bound values")
                values.append(f"VALUES ?{name} {{ <{iri(value)}> }}")
            # Bind by adding VALUES at the start of the outermost WHERE group.
            where = re.search(r"WHERE\s*\{", query, re.I)
            query = query[: where.end()] + " " + " ".join(values) + " " + query[where.end():]
        if not query.lstrip().upper().startswith("PREFIX"):
            query = sparql_prologue() + query
        data = self.store._select(query)
        names = data["head"]["vars"]
        return [{n: _py(b.get(n)) for n in names} for b in data["results"]["bindings"]]

    def count(self) -> int:
        rows = self.select("SELECT (COUNT(*) AS ?n) WHERE { GRAPH ?g { ?s ?p ?o } }")
        return int(rows[0]["n"])


_NUMERIC = ("#integer", "#decimal", "#double", "#float", "#int", "#long")


def _py(binding):
    if binding is None:
        return None
    value, dt = binding["value"], binding.get("datatype", "")
    if binding["type"] == "literal" or binding["type"] == "typed-literal":
        if dt.endswith(_NUMERIC):
            return float(value)
        if dt.endswith("#boolean"):
            return value == "true"
    if binding["type"] == "uri":
        from .base import Iri

        return Iri(value)
    return value
