"""Facts into an Oxigraph store (or an N-Quads file) in bounded batches."""

import pyoxigraph as ox

from ..store.base import Terms

BATCH = 25_000  # quads held before they are written: 100k took the main process 60 MB more at no gain in speed


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
