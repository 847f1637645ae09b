"""What every store offers, local or remote: the Store interface, the generation a build fills, and a
read-only SPARQL reader that binds user values, never pastes them."""

from decimal import Decimal
from pathlib import Path
from typing import Protocol


class Store(Protocol):
    """A place a graph lives. LocalStore (an Oxigraph directory) and RemoteStore (a SPARQL server) implement it."""

    def exists(self) -> bool: ...

    def writing(self):
        """Held for one build, from before the sources are read until the new graph is live."""

    def generation(self, base: bool = False):
        """A fresh writable database that becomes the live graph when the block ends without error."""

    def sources(self) -> dict[str, str]: ...

    def mentions(self) -> Path | None:
        """What the live graph's texts name, kept for builds that replace one source, if the store keeps it."""

    def reader(self): ...


SOURCES = ("SELECT ?name ?file WHERE { GRAPH ?g { ?g <http://purl.org/dc/terms/source> ?name ; "
           "<http://www.w3.org/ns/prov#wasDerivedFrom> ?file } }")


def sources_of(reader) -> dict[str, str]:
    """The source files a graph was built from: relative name -> file URI."""
    return {r["name"]: r["file"] for r in reader.select(SOURCES)}


class Generation:
    """A database being built, and where its mentions go."""

    def __init__(self, db, mentions: Path, snapshot: Path | None = None):
        self.db = db
        self.mentions = mentions
        self.snapshot = snapshot  # where the build stores the rows answers read first, if the store keeps them


_IRI_CACHE = 200_000  # IRIs repeat (predicates, classes, graphs, tasks): convert each once


class Terms:
    """rdflib terms as pyoxigraph terms, IRIs memoised (a build converts millions)."""

    def __init__(self):
        import pyoxigraph
        import rdflib

        self.ox, self.rdf = pyoxigraph, rdflib
        self.iris: dict = {}

    def __call__(self, t):
        ox, rdf = self.ox, self.rdf
        if isinstance(t, rdf.URIRef):
            node = self.iris.get(t)
            if node is None:
                if len(self.iris) >= _IRI_CACHE:
                    self.iris.clear()
                node = self.iris[t] = ox.NamedNode(str(t))
            return node
        if isinstance(t, rdf.Literal):
            if t.language:
                return ox.Literal(str(t), language=t.language)
            if t.datatype:
                return ox.Literal(str(t), datatype=self(t.datatype))
            return ox.Literal(str(t))
        if isinstance(t, rdf.BNode):
            return ox.BlankNode(str(t))
        raise TypeError(f"not an RDF term: {t!r}")

    def quad(self, s, p, o, g):
        return self.ox.Quad(self(s), self(p), self(o), self(g))


def to_rdflib(t):
    """A pyoxigraph term as an rdflib term."""
    import pyoxigraph as ox
    from rdflib import BNode, Literal, URIRef

    if isinstance(t, ox.NamedNode):
        return URIRef(t.value)
    if isinstance(t, ox.BlankNode):
        return BNode(t.value)
    if t.language:
        return Literal(t.value, lang=t.language)
    plain = not t.datatype or t.datatype.value == "http://www.w3.org/2001/XMLSchema#string"
    return Literal(t.value, datatype=None if plain else URIRef(t.datatype.value))


class Reader:
    """Read-only SPARQL over a store, with user values bound, never pasted."""

    def __init__(self, db, snapshot=None):
        self.db = db
        self.snapshot = snapshot  # kg.store.snapshot.Snapshot: rows the build stored with this generation

    def select(self, query: str, **bindings) -> list[dict]:
        import pyoxigraph as ox

        if self.snapshot is not None:
            stored = self.snapshot.rows(query, bindings)
            if stored is not None:
                return stored
        subs = {ox.Variable(k): _term(v) for k, v in bindings.items()}
        results = self.db.query(query, use_default_graph_as_union=True, substitutions=subs or None)
        names = [v.value for v in results.variables]
        return [{n: _py(row[n]) for n in names} for row in results]

    def count(self) -> int:
        return len(self.db)


def _term(value):
    import pyoxigraph as ox

    if isinstance(value, (ox.NamedNode, ox.Literal, ox.BlankNode)):
        return value
    if isinstance(value, Iri):
        return ox.NamedNode(str(value))
    return ox.Literal(str(value))


class Iri(str):
    """Marks a binding as an IRI rather than a plain string."""


_NUMERIC = {
    "http://www.w3.org/2001/XMLSchema#integer": int,
    "http://www.w3.org/2001/XMLSchema#decimal": Decimal,
    "http://www.w3.org/2001/XMLSchema#double": float,
}


def _py(term):
    import pyoxigraph as ox

    if term is None:
        return None
    if isinstance(term, ox.Literal):
        dt = term.datatype.value if term.datatype else ""
        if dt in _NUMERIC:
            return float(_NUMERIC[dt](term.value))
        if dt.endswith("#boolean"):
            return term.value == "true"
        return term.value
    return Iri(term.value) if isinstance(term, ox.NamedNode) else term.value
