"""SPARQL for analysts: run a query against the store, read-only unless asked, with a time limit.

The query runs in a forked child process so that --timeout can stop it for
real; values are bound through Oxigraph's substitutions, never pasted into text.
"""

import multiprocessing
import re
from dataclasses import dataclass

from .errors import QueryError
from .namespaces import PREFIXES

RESULT_FORMATS = ("table", "csv", "tsv", "json", "xml")
GRAPH_FORMATS = ("ttl", "nt")
_UPDATE = re.compile(
    r"^\s*(?:(?:PREFIX\s+\S*:\s*<[^>]*>|BASE\s*<[^>]*>)\s*)*(INSERT|DELETE|LOAD|CLEAR|CREATE|DROP|COPY|MOVE|ADD|WITH)\b",
    re.I,
)
_COMMENT = re.compile(r"^\s*#.*$", re.M)
_POSITION = re.compile(r"error at (\d+):(\d+)")


@dataclass
class Result:
    text: str
    rows: int | None = None


def is_update(query: str) -> bool:
    return bool(_UPDATE.match(_COMMENT.sub("", query)))


def calls_service(query: str, update: bool = False) -> list[str]:
    """The endpoints a query's SERVICE clauses would fetch from (rdflib's parser finds them in the syntax
    tree, so the word in a string or comment does not count). A query rdflib cannot parse counts as
    calling one if the keyword appears at all."""
    if "service" not in query.lower():
        return []
    from rdflib.plugins.sparql.parser import parseQuery, parseUpdate

    try:
        tree = (parseUpdate if update else parseQuery)(_prologue(query) + query)
    except Exception:  # noqa: BLE001 - any parse failure: rdflib's grammar is not oxigraph's
        return ["(unparsed)"] if re.search(r"\bSERVICE\b", _COMMENT.sub("", query), re.I) else []
    found = []

    def walk(node):
        if getattr(node, "name", None) == "ServiceGraphPattern":
            found.append(str(node.get("term")))
        if isinstance(node, str):  # rdflib's terms are strings too
            return
        children = node.values() if isinstance(node, dict) else node if hasattr(node, "__iter__") else ()
        for child in children:
            walk(child)

    walk(tree)
    return found


def _prologue(query: str) -> str:
    return "".join(f"PREFIX {p}: <{iri}>\n" for p, iri in PREFIXES.items()
                   if re.search(rf"\b{p}:", query) and not re.search(rf"PREFIX\s+{p}:", query, re.I))


def run(store, query: str, fmt: str = "table", limit: int | None = None, timeout: float = 30.0,
        allow_update: bool = False, bindings: dict | None = None, allow_service: bool = False) -> Result:
    query = query.lstrip("\ufeff")  # a byte-order mark pasted from an editor is not part of the query
    update = is_update(query)
    if update and not allow_update:
        raise QueryError("this is a SPARQL UPDATE and the store is read-only here",
                         hint="pass --allow-update to change the store")
    services = [] if allow_service else calls_service(query, update)
    if services:
        raise QueryError(f"the query calls SERVICE {', '.join(services)}: kg does not fetch from other servers "
                         "unless told to", hint="pass --allow-service to let it")
    from .store import RemoteStore

    if isinstance(store, RemoteStore):
        return _remote(store, query, fmt, limit, update, bindings)
    location = store.live_path()
    # A forked child starts at once, but one that opens the database for writing can hang on a lock that
    # another thread of this process held at the fork (seen when this process has a store open, as in
    # tests and library use): an update gets a fresh interpreter instead.
    ctx = multiprocessing.get_context("spawn" if update else "fork")
    parent, child = ctx.Pipe(duplex=False)
    proc = ctx.Process(target=_child, args=(child, str(location), query, fmt, limit, update, bindings or {}))
    proc.start()
    child.close()
    from .lifecycle import forward_signals

    with forward_signals(proc.kill):
        answered = parent.poll(timeout)
    if not answered:
        proc.kill()
        proc.join()
        raise QueryError(f"the query ran longer than {timeout:g} s and was stopped",
                         hint="narrow it, add LIMIT, or raise --timeout")
    try:
        kind, payload = parent.recv()
    except EOFError:
        kind, payload = "error", "the query process ended without an answer (out of memory?)"
    proc.join()
    if kind == "error":
        raise QueryError(payload)
    return payload


_ACCEPT = {"json": "application/sparql-results+json", "xml": "application/sparql-results+xml",
           "csv": "text/csv", "tsv": "text/tab-separated-values", "ttl": "text/turtle", "nt": "application/n-triples"}


def _remote(store, query, fmt, limit, update, bindings) -> Result:
    """The server runs the query (and enforces its own time limit); kg passes its answer through."""
    import json

    if bindings:
        raise QueryError("saved queries with parameters run against the embedded store only",
                         hint="the SPARQL protocol cannot bind values; use a local --store")
    if update:
        raise QueryError("kg does not send updates to a remote store; kg build --store URL replaces its graphs")
    from .namespaces import sparql_prologue

    text = sparql_prologue() + query
    if fmt in ("table", "json") or limit is not None:
        if fmt not in ("table", "json"):
            raise QueryError("--limit with a remote store needs --format json or table")
        try:
            data = json.loads(store.raw(text, _ACCEPT["json"]))
        except json.JSONDecodeError:
            raise QueryError("the server did not answer in SPARQL JSON (CONSTRUCT and DESCRIBE need --format ttl or nt)") from None
        if "results" in data and limit is not None:
            data["results"]["bindings"] = data["results"]["bindings"][:limit]
        if fmt == "json":
            return Result(json.dumps(data))
        if "boolean" in data:
            return Result("true" if data["boolean"] else "false")
        names = data["head"]["vars"]
        rows = [[_RemoteTerm(b.get(n)) for n in names] for b in data["results"]["bindings"]]
        return Result(_table(names, rows), len(rows))
    return Result(store.raw(text, _ACCEPT[fmt]).decode())


class _RemoteTerm:
    """Just enough of a pyoxigraph term for the table writer."""

    def __init__(self, binding):
        self.value = binding["value"] if binding else ""
        self.kind = binding["type"] if binding else "literal"


def _child(conn, location, query, fmt, limit, update, bindings):
    from .lifecycle import die_with_parent

    die_with_parent()  # a killed kg sparql takes its query with it, timeout or not
    try:
        conn.send(("ok", _execute(location, query, fmt, limit, update, bindings)))
    except QueryError as exc:
        conn.send(("error", exc.one_line()))
    except SyntaxError as exc:
        conn.send(("error", _syntax(exc)))
    except Exception as exc:  # anything the engine raises becomes one line, not a traceback
        conn.send(("error", f"query failed: {exc}"))
    finally:
        conn.close()


def _syntax(exc: SyntaxError) -> str:
    m = _POSITION.search(str(exc))
    where = f" at line {m.group(1)}, column {m.group(2)}" if m else ""
    detail = str(exc).split(": ", 1)[-1]
    return f"SPARQL syntax error{where}: {detail}"


def _execute(location, query, fmt, limit, update, bindings) -> Result:
    import pyoxigraph as ox

    if update:
        db = ox.Store(location)
        before = _sizes(db)
        db.update(query, prefixes=PREFIXES)
        db.flush()
        return Result(_changes(before, _sizes(db)))
    db = ox.Store.read_only(location)
    subs = {ox.Variable(k): v for k, v in bindings.items()} or None
    results = db.query(query, prefixes=PREFIXES, use_default_graph_as_union=True, substitutions=subs)
    if isinstance(results, ox.QueryBoolean):
        if fmt == "table":
            return Result("true" if bool(results) else "false")
        if fmt in GRAPH_FORMATS:
            raise QueryError(f"ASK gives a boolean; --format must be one of: {', '.join(RESULT_FORMATS)}")
        return Result(results.serialize(format=_result_format(fmt)).decode())
    if isinstance(results, ox.QueryTriples):
        if fmt not in GRAPH_FORMATS + ("table",):
            raise QueryError(f"CONSTRUCT and DESCRIBE give graphs; --format must be one of: {', '.join(GRAPH_FORMATS)}")
        triples = list(_take(results, limit))
        rdf = ox.RdfFormat.N_TRIPLES if fmt == "nt" else ox.RdfFormat.TURTLE
        return Result(ox.serialize(triples, format=rdf, prefixes=PREFIXES if rdf != ox.RdfFormat.N_TRIPLES else None)
                      .decode(), len(triples))
    if fmt in GRAPH_FORMATS:
        raise QueryError(f"SELECT gives a table; --format must be one of: {', '.join(RESULT_FORMATS)}")
    names = [v.value for v in results.variables]
    rows = [[row[n] for n in names] for row in _take(results, limit)]
    if fmt == "table":
        return Result(_table(names, rows), len(rows))
    return Result(_w3c(names, rows, fmt), len(rows))


def _sizes(db) -> dict:
    """Triples per graph; "" is the default graph."""
    rows = db.query("SELECT ?g (COUNT(*) AS ?n) WHERE { GRAPH ?g { ?s ?p ?o } } GROUP BY ?g")
    sizes = {row["g"].value: int(row["n"].value) for row in rows}
    sizes[""] = int(next(iter(db.query("SELECT (COUNT(*) AS ?n) WHERE { ?s ?p ?o }")))["n"].value)
    return sizes


def _changes(before: dict, after: dict) -> str:
    """Say which graphs an update changed: queries see the source graphs merged, an update does not."""
    changed = [(g, before.get(g, 0), after.get(g, 0)) for g in sorted(set(before) | set(after))
               if before.get(g, 0) != after.get(g, 0)]
    if not changed:
        return ("update applied, and it changed nothing. Outside GRAPH { ... } an update reads and writes only the "
                "default graph, and kg keeps every source in its own named graph (queries see them merged): "
                "put the pattern inside GRAPH ?g { ... } to change what a source says")
    lines = [f"{'the default graph' if g == '' else f'<{g}>'}: {a} -> {b} triples" for g, a, b in changed]
    return "update applied:\n" + "\n".join(lines) + "\n(kg build starts from the sources again and drops these changes)"


def _take(iterable, limit):
    for i, item in enumerate(iterable):
        if limit is not None and i >= limit:
            return
        yield item


def _result_format(fmt: str):
    import pyoxigraph as ox

    return {"json": ox.QueryResultsFormat.JSON, "xml": ox.QueryResultsFormat.XML,
            "csv": ox.QueryResultsFormat.CSV, "tsv": ox.QueryResultsFormat.TSV}[fmt]


def _w3c(names, rows, fmt) -> str:
    """The W3C SPARQL 1.1 results formats, written by rdflib's result serializers (rows may be cut by --limit)."""
    from rdflib import Variable
    from rdflib.query import Result as RdflibResult

    from .store import to_rdflib

    if fmt == "tsv":
        return _tsv(names, rows)
    result = RdflibResult("SELECT")
    result.vars = [Variable(n) for n in names]
    result.bindings = [{Variable(n): to_rdflib(t) for n, t in zip(names, row) if t is not None} for row in rows]
    out = result.serialize(format=fmt)
    return out.decode() if isinstance(out, bytes) else out


def _tsv(names, rows) -> str:
    """SPARQL 1.1 TSV: a ?var header, then terms in Turtle syntax (rdflib has no TSV writer)."""
    from .store import to_rdflib

    lines = ["\t".join(f"?{n}" for n in names)]
    lines += ["\t".join("" if t is None else to_rdflib(t).n3() for t in row) for row in rows]
    return "\n".join(lines) + "\n"


def _cell(term) -> str:
    if term is None:
        return ""
    short = term.value
    is_iri = type(term).__name__ == "NamedNode" or getattr(term, "kind", None) == "uri"
    for prefix, iri in PREFIXES.items():
        if is_iri and short.startswith(iri):
            return f"{prefix}:{short[len(iri):]}"
    return short


def _table(names, rows) -> str:
    cells = [[_cell(t) for t in row] for row in rows]
    widths = [min(max([len(n)] + [len(r[i]) for r in cells]), 60) for i, n in enumerate(names)]
    line = lambda vals: "  ".join(v[:60].ljust(w) for v, w in zip(vals, widths)).rstrip()  # noqa: E731
    out = [line(names), line(["-" * w for w in widths])]
    out += [line(r) for r in cells]
    out.append(f"({len(rows)} row{'s' if len(rows) != 1 else ''})")
    return "\n".join(out)
