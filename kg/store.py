"""The persistent RDF store: an embedded Oxigraph database on disk.

A build writes a fresh database beside the live one and then swaps a symlink,
so readers always see either the old graph or the new one, never half of one.
"""

import fcntl
import os
import shutil
import uuid
from contextlib import contextmanager
from decimal import Decimal
from pathlib import Path

from .errors import StoreError

CURRENT = "current"
MENTIONS = ".mentions.sqlite"  # beside each generation's database


SOURCES = ("SELECT ?name ?file WHERE { GRAPH ?g { ?g <http://purl.org/dc/terms/source> ?name ; "
           "<http://www.w3.org/ns/prov#wasDerivedFrom> ?file } }")


def sources_of(reader) -> dict[str, str]:
    """The source files a graph was built from: relative name -> file URI."""
    return {r["name"]: r["file"] for r in reader.select(SOURCES)}


class Generation:
    """A database being built, and where its mentions go."""

    def __init__(self, db, mentions: Path):
        self.db = db
        self.mentions = mentions


def _remove(path: Path) -> None:
    shutil.rmtree(path, ignore_errors=True)
    Path(str(path) + MENTIONS).unlink(missing_ok=True)
    if path.is_file():
        path.unlink(missing_ok=True)


def default_location() -> Path:
    from platformdirs import user_data_dir

    return Path(user_data_dir("kg")) / "store"


def resolve(location: str | None) -> Path:
    """--store, else $KG_STORE, else the per-user data directory."""
    chosen = location or os.environ.get("KG_STORE")
    return Path(chosen).expanduser() if chosen else default_location()


def open_store(location: str | None):
    """A LocalStore for a path (or the default), a RemoteStore for an http(s) SPARQL server."""
    from .remote import RemoteStore, is_remote

    # --store and $KG_STORE name a store the same way: a directory or a server's URL.
    chosen = location or os.environ.get("KG_STORE")
    if is_remote(chosen):
        return RemoteStore(str(chosen))
    return LocalStore(resolve(chosen))


class LocalStore:
    def __init__(self, root: Path):
        self.root = Path(root)

    def __str__(self) -> str:
        return str(self.root)

    def exists(self) -> bool:
        return (self.root / CURRENT).exists()

    @contextmanager
    def writing(self):
        """Hold the store for one build, from before the sources are read until the new graph is live:
        a second build fails at once instead of after minutes of work."""
        if getattr(self, "_held", False):
            yield
            return
        if self.root.exists() and not self.root.is_dir():
            raise StoreError(f"{self.root}: is a file, not a store directory", hint="give --store a directory")
        try:
            self.root.mkdir(parents=True, exist_ok=True)
            fh = open(self.root / ".lock", "w")
        except OSError as exc:
            raise StoreError(f"{self.root}: cannot write the store ({exc.strerror or exc})",
                             hint="choose a --store directory you can write to") from None
        with fh:
            try:
                fcntl.flock(fh, fcntl.LOCK_EX | fcntl.LOCK_NB)
            except BlockingIOError:
                raise StoreError(f"{self.root}: another build is writing this store",
                                 hint="wait for it to finish") from None
            self._held = True
            try:
                yield
            finally:
                self._held = False

    _lock = writing

    def sources(self) -> dict[str, str]:
        """The source files the live graph was built from: relative name -> file URI."""
        return sources_of(self.reader()) if self.exists() else {}

    @contextmanager
    def generation(self, base: bool = False):
        """A fresh writable database, live once the block ends without error; on error it is removed and
        the live graph stays. With `base`, it starts as a copy of the live one (Oxigraph's backup makes
        hard links, so this costs little even for a large store) with the live one's mentions, so a
        build can replace some sources and keep the rest."""
        import pyoxigraph as ox

        with self._lock():
            self._sweep()
            fresh = self.root / f"gen-{uuid.uuid4().hex}"
            try:
                if base:
                    ox.Store.read_only(self.live_path()).backup(str(fresh))
                    live_mentions = Path(self.live_path() + MENTIONS)
                    if live_mentions.exists():
                        shutil.copyfile(live_mentions, str(fresh) + MENTIONS)
                db = ox.Store(str(fresh))
                yield Generation(db, Path(str(fresh) + MENTIONS))
                db.flush()
                if not base:  # a copy changed in a few places is left to RocksDB's own compaction
                    db.optimize()
                del db
                link = self.root / f".{CURRENT}.{uuid.uuid4().hex}"
                os.symlink(fresh.name, link)
                os.replace(link, self.root / CURRENT)
            except OSError as exc:
                _remove(fresh)
                raise StoreError(f"{self.root}: cannot write the new graph ({exc.strerror or exc}); "
                                 "the previous graph is untouched", hint="free some space and build again") from None
            except BaseException:
                _remove(fresh)
                raise
            self._sweep()

    def mentions(self) -> Path | None:
        """What the live graph's texts name, kept for builds that replace one source (kg.build.mentions)."""
        if not self.exists():
            return None
        path = Path(self.live_path() + MENTIONS)
        return path if path.exists() else None

    def _sweep(self) -> None:
        """Remove databases a crashed or superseded build left behind."""
        live = os.readlink(self.root / CURRENT) if (self.root / CURRENT).is_symlink() else None
        for p in self.root.glob("gen-*"):
            if p.name not in (live, f"{live}{MENTIONS}"):
                _remove(p)
        for p in self.root.glob(f".{CURRENT}.*"):
            p.unlink(missing_ok=True)

    def live_path(self) -> str:
        """The database directory readers use now (the symlink resolved, so a rebuild cannot move it)."""
        if not self.exists():
            raise StoreError(f"{self.root}: no graph has been built here", hint="run `kg build` first")
        return os.path.realpath(self.root / CURRENT)

    def reader(self) -> "Reader":
        return Reader(self.open())

    def open(self):
        import pyoxigraph as ox

        try:
            return ox.Store.read_only(self.live_path())
        except OSError as exc:
            raise StoreError(f"{self.root}: cannot open the store: {exc}") from None


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

    def __init__(self, db):
        self.db = db

    def select(self, query: str, **bindings) -> list[dict]:
        import pyoxigraph as ox

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
    return term.value
