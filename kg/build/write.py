"""Facts into an Oxigraph store (or an N-Quads file) in bounded batches."""

import pyoxigraph as ox
from rdflib import BNode, Literal, URIRef

BATCH = 100_000  # quads held before they are written: bounds memory, and is large enough for bulk speed
_IRI_CACHE = 200_000  # IRIs repeat (predicates, classes, graphs, tasks): convert each once


class Terms:
    """rdflib terms as pyoxigraph terms, IRIs memoised."""

    def __init__(self):
        self.iris: dict[str, ox.NamedNode] = {}

    def __call__(self, t):
        if isinstance(t, URIRef):
            node = self.iris.get(t)
            if node is None:
                if len(self.iris) >= _IRI_CACHE:
                    self.iris.clear()
                node = self.iris[t] = ox.NamedNode(str(t))
            return node
        if isinstance(t, Literal):
            if t.language:
                return ox.Literal(str(t), language=t.language)
            if t.datatype:
                return ox.Literal(str(t), datatype=self(t.datatype))
            return ox.Literal(str(t))
        if isinstance(t, BNode):
            return ox.BlankNode(str(t))
        raise TypeError(f"not an RDF term: {t!r}")

    def quad(self, s, p, o, g) -> ox.Quad:
        return ox.Quad(self(s), self(p), self(o), self(g))


class StoreWriter:
    """Adds quads to a database; duplicates cost nothing, the store keeps a set."""

    def __init__(self, db, batch: int = BATCH):
        self.db = db
        self.batch = batch
        self.terms = Terms()
        self.pending: list[ox.Quad] = []

    def add(self, s, p, o, g) -> None:
        self.pending.append(self.terms.quad(s, p, o, g))
        if len(self.pending) >= self.batch:
            self.flush()

    def add_ox(self, quad: ox.Quad) -> None:
        self.pending.append(quad)
        if len(self.pending) >= self.batch:
            self.flush()

    def flush(self) -> None:
        if self.pending:
            self.db.bulk_extend(self.pending)
            self.pending = []


class NQuadsWriter(StoreWriter):
    """The same, into an open binary file as N-Quads (gzip it by opening it with gzip.open)."""

    def __init__(self, fh, batch: int = BATCH):
        super().__init__(None, batch)
        self.fh = fh

    def flush(self) -> None:
        if self.pending:
            self.fh.write(ox.serialize(self.pending, format=ox.RdfFormat.N_QUADS))
            self.pending = []
