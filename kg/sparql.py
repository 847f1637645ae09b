"""SPARQL for analysts: run a query against the store, read-only unless asked, with a time limit.

The query runs in a forked child process so that --timeout can stop it for
real; values are bound through Oxigraph's substitutions, never pasted into text.
"""

import multiprocessing
import re
from dataclasses import dataclass, field

from .errors import QueryError
from .namespaces import PREFIXES

WIDTH = 60  # characters of a literal a table cell shows by default; IRIs are never cut, so they paste back

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
    warnings: list[str] = field(default_factory=list)


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
        allow_update: bool = False, bindings: dict | None = None, allow_service: bool = False,
        width: int | None = None) -> Result:
    width = WIDTH if width is None else width
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
        return _remote(store, query, fmt, limit, update, bindings, width)
    location = store.live_path()
    # A forked child starts at once, but one that opens the database for writing can hang on a lock that
    # another thread of this process held at the fork (seen when this process has a store open, as in
    # tests and library use): an update gets a fresh interpreter instead.
    ctx = multiprocessing.get_context("spawn" if update else "fork")
    parent, child = ctx.Pipe(duplex=False)
    args = (child, str(location), query, fmt, limit, update, bindings or {}, width)
    proc = ctx.Process(target=_child, args=args)
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


def _remote(store, query, fmt, limit, update, bindings, width) -> Result:
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
        return Result(_table(names, rows, width), len(rows))
    return Result(store.raw(text, _ACCEPT[fmt]).decode())


class _RemoteTerm:
    """Just enough of a pyoxigraph term for the table writer."""

    def __init__(self, binding):
        self.value = binding["value"] if binding else ""
        self.kind = binding["type"] if binding else "literal"


def _child(conn, location, query, fmt, limit, update, bindings, width):
    from .lifecycle import die_with_parent

    die_with_parent()  # a killed kg sparql takes its query with it, timeout or not
    try:
        conn.send(("ok", _execute(location, query, fmt, limit, update, bindings, width)))
    except QueryError as exc:
        conn.send(("error", exc.one_line()))
    except SyntaxError as exc:
        conn.send(("error", _syntax(exc, query)))
    except Exception as exc:  # anything the engine raises becomes one line, not a traceback
        conn.send(("error", f"query failed: {exc}"))
    finally:
        conn.close()


# Oxigraph lists what it expected, grammar character classes included; kg keeps its sentences and tokens
# ("Prefix not found" is said with the prefix's name, in _syntax).
_SENTENCES = {
    "The SELECT contains a variable that is unbound": (
        "SELECT names a variable the query does not bind (with GROUP BY, a selected variable must be grouped "
        "or inside an aggregate such as SAMPLE())"),
}
_PART = re.compile(r'"(?:[^"\\]|\\.)*"|\[[^\]]*\]|[^,\s][^,]*')


def _tokens(expected: str) -> list[str]:
    """What the parser expected, as a reader would type it: keywords, and punctuation in quotes."""
    import json

    out = []
    for part in _PART.findall(expected):
        part = part.strip()
        if part.startswith("["):
            continue  # a character class such as ['0'..='9']
        if part.startswith('"'):
            try:
                part = json.loads(part)
            except ValueError:
                part = part.strip('"')
            part = f"'{part}'"
        if part not in out:
            out.append(part)
    return out


def _syntax(exc: SyntaxError, query: str = "") -> str:
    """The cause first, in plain words; then where, and what the parser expected there."""
    text = str(exc)
    m = _POSITION.search(text)
    line, col = (int(m.group(1)), int(m.group(2))) if m else (None, None)
    where = f" at line {line}, column {col}" if m else ""
    expected = re.sub(r"^expected (one of )?", "", text.split(": ", 1)[-1])
    if "Prefix not found" in expected:
        prefix = _prefix_at(query, line, col)
        known = ", ".join(PREFIXES)
        return (f"SPARQL syntax error{where}: unknown prefix {prefix + ':' if prefix else ''} (kg declares {known}; "
                f"add PREFIX name: <iri> for others, or write the IRI in <...>)")
    for sentence, plain in _SENTENCES.items():
        if sentence in expected:
            return f"SPARQL syntax error{where}: {plain}"
    tokens = _tokens(expected)
    if "expected" in text and tokens:
        more = ", ..." if len(tokens) > 8 else ""
        shown = ", ".join(tokens[:8])
        return f"SPARQL syntax error{where}: expected {'one of ' if len(tokens) > 1 else ''}{shown}{more}"
    return f"SPARQL syntax error{where}: {text.split(': ', 1)[-1]}"


def _prefix_at(query: str, line: int | None, col: int | None) -> str:
    """The prefix of the prefixed name the parser stopped in: the word before the colon at or before col."""
    lines = query.splitlines()
    if line is None or not 1 <= line <= len(lines):
        return ""
    head = lines[line - 1][: max(col - 1, 0)]
    m = re.search(r"([A-Za-z][\w.-]*)?:[\w.-]*$", head)
    return (m.group(1) or "") if m else ""


def _execute(location, query, fmt, limit, update, bindings, width=WIDTH) -> Result:
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
    result = _answer(results, fmt, limit, width)
    result.warnings = unknown_terms(db, query)
    return result


def _answer(results, fmt, limit, width) -> Result:
    import pyoxigraph as ox

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
        return Result(_table(names, rows, width), len(rows))
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


def _cell(term, width: int) -> str:
    from .namespaces import pasteable

    if term is None:
        return ""
    if type(term).__name__ == "NamedNode" or getattr(term, "kind", None) == "uri":
        return pasteable(term.value)
    text = " ".join(term.value.split())  # a newline inside a literal would break the table's lines
    return text if not width or len(text) <= width else text[: width - 1] + "\u2026"


def _table(names, rows, width: int = WIDTH) -> str:
    cells = [[_cell(t, width) for t in row] for row in rows]
    widths = [max([len(n)] + [len(r[i]) for r in cells]) for i, n in enumerate(names)]
    line = lambda vals: "  ".join(v.ljust(w) for v, w in zip(vals, widths)).rstrip()  # noqa: E731
    out = [line(names), line(["-" * w for w in widths])]
    out += [line(r) for r in cells]
    out.append(f"({len(rows)} row{'s' if len(rows) != 1 else ''})")
    return "\n".join(out)


# IRIs and prefixed names in a query's text, once its strings and comments are gone.
_STRINGS = re.compile(r'"""[\s\S]*?"""|\'\'\'[\s\S]*?\'\'\'|"(?:[^"\\\n]|\\.)*"|\'(?:[^\'\\\n]|\\.)*\'')
_IRI = re.compile(r"<([^<>\"{}|^`\\\s]+)>")
_LINE_COMMENT = re.compile(r"#[^\n]*")
_ESC = r"\\[_~.\-!$&'()*+,;=/?#@%]"  # PN_LOCAL_ESC: id:model\/SISR-CARN-2x
_PREFIXED = re.compile(rf"(?<![\w?$:/.-])([A-Za-z][\w-]*):((?:[A-Za-z0-9_]|{_ESC})(?:(?:[\w.-]|{_ESC})*(?:[\w-]|{_ESC}))?)")


def terms_in(query: str) -> list[str]:
    """The IRIs a query names in kg's namespaces, in order; `a` is rdf:type and is always known."""
    text = _STRINGS.sub('""', query)
    iris = _IRI.findall(text)  # before comments go: an IRI may hold a "#"
    text = _LINE_COMMENT.sub("", _IRI.sub(" ", text))
    declared = set(re.findall(r"PREFIX\s+([\w-]*):", text, re.I))  # the query's own say what they mean
    for prefix, local in _PREFIXED.findall(text):
        if prefix in PREFIXES and prefix not in declared:
            iris.append(PREFIXES[prefix] + re.sub(r"\\(.)", r"\1", local))
    ours = tuple(PREFIXES.values())
    return list(dict.fromkeys(i for i in iris if i.startswith(ours) and i not in ours))


def unknown_terms(db, query: str) -> list[str]:
    """A warning for each IRI of kg's namespaces that the query names and the graph holds nowhere."""
    import pyoxigraph as ox

    from .namespaces import pasteable

    out = []
    for iri in terms_in(query):
        node = ox.NamedNode(iri)
        if any(next(iter(db.quads_for_pattern(*pattern)), None) is not None
               for pattern in ((None, node, None, None), (node, None, None, None), (None, None, node, None))):
            continue
        near = _closest(db, iri)
        hint = f"; did you mean {' or '.join(pasteable(n) for n in near)}?" if near else ""
        out.append(f"{pasteable(iri)} appears nowhere in the graph{hint} (kg schema lists what it holds)")
    return out


def _closest(db, iri: str) -> list[str]:
    """Terms of the same namespace that the ontology or thesaurus declares, spelled most like `iri`."""
    import pyoxigraph as ox

    from .describe import closest

    ns = next(ns for ns in sorted(PREFIXES.values(), key=len, reverse=True) if iri.startswith(ns))
    rdf_type = ox.NamedNode("http://www.w3.org/1999/02/22-rdf-syntax-ns#type")
    kinds = ["http://www.w3.org/2002/07/owl#" + k for k in ("Class", "ObjectProperty", "DatatypeProperty",
                                                            "AnnotationProperty")]
    kinds += ["http://www.w3.org/2000/01/rdf-schema#Class", "http://www.w3.org/1999/02/22-rdf-syntax-ns#Property",
              "http://www.w3.org/2004/02/skos/core#Concept"]
    known = {q.subject.value for k in kinds for q in db.quads_for_pattern(None, rdf_type, ox.NamedNode(k), None)
             if isinstance(q.subject, ox.NamedNode) and q.subject.value.startswith(ns)}
    return closest(iri, sorted(known))
