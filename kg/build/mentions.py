"""What every text names, kept on disk, so that corpus-wide decisions need not hold the corpus in memory.

Extraction adds, per text, the thesaurus labels and dataset names it names (links as they are) and
its noun chunks (concepts only if the corpus agrees, kg.extract.accepts). Once every source is in,
`links()` decides the concepts over the whole corpus and yields each link with one evidence
sentence per source. A build that replaces one source deletes that source's rows and adds its new
ones, without reading the other texts again. Rows are ordered by (source, place in the source),
never by arrival, so a build in parts, in parallel or in steps gives the same graph as one in one go.
"""

import hashlib
import sqlite3
from contextlib import closing
from pathlib import Path

from rdflib import URIRef

from ..errors import StoreError
from ..extract import MIN_CONCEPT_SOURCES, SPREAD_TOPICS, Link, accepts, concept_iri, generic_of, spread

_SCHEMA = """
CREATE TABLE IF NOT EXISTS meta(key TEXT PRIMARY KEY, value TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS found(subject TEXT NOT NULL, kind TEXT NOT NULL, obj TEXT NOT NULL, label TEXT,
                                 source TEXT NOT NULL, pos INTEGER NOT NULL, sentence TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS chunks(subject TEXT NOT NULL, source TEXT NOT NULL, pos INTEGER NOT NULL,
                                  norm TEXT NOT NULL, obj TEXT NOT NULL, text_key INTEGER NOT NULL, topic TEXT,
                                  role TEXT NOT NULL, head TEXT, named INTEGER NOT NULL, sentence TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS accepted(norm TEXT PRIMARY KEY);  -- the concepts of the last decision
CREATE INDEX IF NOT EXISTS found_source ON found(source);
CREATE INDEX IF NOT EXISTS chunks_source ON chunks(source);
"""
ROW_BITS = 12  # a text's rows are numbered within its place: pos = text.key << ROW_BITS | row


def rows_of(item, found, chunks) -> tuple[list, list]:
    """One text's reading (kg.extract.read_texts) as table rows; workers send these back."""
    base = item.key << ROW_BITS
    source, subject = str(item.source), str(item.subject)
    text_key = int.from_bytes(hashlib.blake2b(item.text.encode(), digest_size=8).digest(), "big", signed=True)
    f = [(subject, x.kind, str(x.obj), x.label, source, base + i, x.sentence) for i, x in enumerate(found)]
    c = [(subject, source, base + len(found) + i, x.norm, str(concept_iri(x.norm)), text_key, item.topic, x.role,
          x.head, int(x.named), x.sentence) for i, x in enumerate(chunks)]
    return f, c


class Mentions:
    def __init__(self, path: Path):
        self.path = Path(path)
        try:
            self.db = sqlite3.connect(self.path)
            # The file belongs to a generation that is thrown away whole if the build fails: no journal needed.
            self.db.executescript("PRAGMA journal_mode=OFF; PRAGMA synchronous=OFF; PRAGMA temp_store=FILE;"
                                  + _SCHEMA)
        except sqlite3.Error as exc:
            raise StoreError(f"{self.path}: cannot keep the extraction's mentions ({exc})",
                             hint="free some space, or build into another --store") from None

    def close(self) -> None:
        self.db.commit()
        self.db.close()

    @staticmethod
    def stored_meta(path: Path) -> dict[str, str]:
        """What a live generation's mentions were made with, read without touching the file."""
        try:
            with closing(sqlite3.connect(f"{Path(path).resolve().as_uri()}?mode=ro", uri=True)) as db:
                return dict(db.execute("SELECT key, value FROM meta"))
        except sqlite3.Error:
            return {}  # unreadable or from an older kg: the build reads every source again

    def set_meta(self, **values: str) -> None:
        self.db.executemany("INSERT OR REPLACE INTO meta VALUES (?, ?)", values.items())

    def add(self, found_rows, chunk_rows) -> None:
        self.db.executemany("INSERT INTO found VALUES (?, ?, ?, ?, ?, ?, ?)", found_rows)
        self.db.executemany("INSERT INTO chunks VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)", chunk_rows)

    def drop_source(self, source: str) -> None:
        self.db.execute("DELETE FROM found WHERE source = ?", (source,))
        self.db.execute("DELETE FROM chunks WHERE source = ?", (source,))

    def concepts(self, min_sources: int = MIN_CONCEPT_SOURCES) -> set[str]:
        """The noun chunks that are concepts over everything added so far."""
        db = self.db
        db.execute("CREATE INDEX IF NOT EXISTS chunks_norm ON chunks(norm)")
        db.execute("DROP TABLE IF EXISTS temp.uses")
        # Sibling cards share a summary: one text, one vote; a head cut out of a longer phrase does not vote.
        db.execute("CREATE TEMP TABLE uses AS SELECT norm, text_key, MAX(topic) AS topic FROM chunks "
                   "WHERE role != 'head' GROUP BY norm, text_key")
        spread_ = {norm for norm, n_topics, n, top in db.execute(
            "SELECT norm, COUNT(*), SUM(c), MAX(c) FROM (SELECT norm, topic, COUNT(*) AS c FROM uses "
            "WHERE topic IS NOT NULL GROUP BY norm, topic) GROUP BY norm HAVING COUNT(*) >= ?", (SPREAD_TOPICS,))
            if spread(n_topics, n, top)}
        generic = generic_of(spread_)
        rows = db.execute(
            "SELECT u.norm, u.n, (SELECT MAX(named) FROM chunks c WHERE c.norm = u.norm), "
            "(SELECT MAX(head) FROM chunks c WHERE c.norm = u.norm AND c.role = 'described') "
            "FROM (SELECT norm, COUNT(*) AS n FROM uses GROUP BY norm HAVING COUNT(*) >= ?) u", (min_sources,))
        return {norm for norm, n, named, head in rows if accepts(norm, n, bool(named), head, generic, min_sources)}

    def subjects_of(self, sources: list[str]) -> set[str]:
        """The nodes whose texts came from these sources."""
        marks = ",".join("?" * len(sources))
        return {r for (r,) in self.db.execute(
            f"SELECT subject FROM found WHERE source IN ({marks}) "
            f"UNION SELECT subject FROM chunks WHERE source IN ({marks})",
            [*sources, *sources])}

    def decide(self, min_sources: int = MIN_CONCEPT_SOURCES) -> set[str]:
        """Decide the concepts again and keep the decision; returns the noun chunks whose verdict changed."""
        new = self.concepts(min_sources)
        old = {n for (n,) in self.db.execute("SELECT norm FROM accepted")}
        self.db.execute("DELETE FROM accepted")
        self.db.executemany("INSERT INTO accepted VALUES (?)", ((c,) for c in sorted(new)))
        return new ^ old

    def links(self, subjects: set[str] | None = None, norms: set[str] | None = None):
        """Every link of the last decision in a stable order, each with its first sentence in each source; with
        `subjects` and `norms`, only the links of those subjects and the concept links of those chunks."""
        db = self.db
        where_found, where_chunk = "", "WHERE norm IN (SELECT norm FROM accepted)"
        if subjects is not None or norms is not None:
            db.execute("DROP TABLE IF EXISTS temp.subjects")
            db.execute("DROP TABLE IF EXISTS temp.norms")
            db.execute("CREATE TEMP TABLE subjects(subject TEXT PRIMARY KEY)")
            db.execute("CREATE TEMP TABLE norms(norm TEXT PRIMARY KEY)")
            db.executemany("INSERT INTO subjects VALUES (?)", ((x,) for x in sorted(subjects or ())))
            db.executemany("INSERT INTO norms VALUES (?)", ((x,) for x in sorted(norms or ())))
            where_found = "WHERE subject IN (SELECT subject FROM temp.subjects)"
            where_chunk += (" AND (subject IN (SELECT subject FROM temp.subjects) "
                            "OR norm IN (SELECT norm FROM temp.norms))")
        # SQLite takes a bare column (sentence) from the row that gives MIN(pos): the source's first sentence.
        rows = db.execute(
            f"SELECT subject, kind, obj, MIN(label), source, sentence, MIN(pos) FROM found {where_found} "
            "GROUP BY subject, kind, obj, source "
            "UNION ALL "
            f"SELECT subject, 'concept', obj, MIN(norm), source, sentence, MIN(pos) FROM chunks {where_chunk} "
            "GROUP BY subject, obj, source "
            "ORDER BY 1, 2, 3, 5")
        link, key = None, None
        for subject, kind, obj, label, source, sentence, _ in rows:
            if key != (subject, kind, obj):
                if link is not None:
                    yield link
                key = (subject, kind, obj)
                link = Link(URIRef(subject), kind, URIRef(obj), label=label)
            elif label is not None and (link.label is None or label < link.label):
                link.label = label
            link.evidence[URIRef(source)] = sentence
        if link is not None:
            yield link
