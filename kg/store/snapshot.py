"""Query results kept with a generation: what every answer reads first, computed when the build writes it.

Answering starts by reading the models, the thesaurus and a few tables from the store, and its first
question reads its task's model mentions: about half a second of SPARQL at 15k papers, for results that
depend only on the generation. So a build runs those queries once and writes their rows beside the
database (one JSON file per query), and a reader returns them without querying. A generation never
changes once it is live, so the rows cannot go stale; a query the snapshot does not hold (another
version of kg, a remote store, other bindings) is run as before.
"""

import hashlib
import json
import os
import shutil
from pathlib import Path

SUFFIX = ".snapshot"  # a directory beside each generation's database
FORMAT = 1


def key(query: str) -> str:
    return hashlib.sha256(query.encode("utf-8")).hexdigest()[:32]


def write(reader, directory: Path, queries: dict[str, str | None]) -> None:
    """Runs each query (its text -> None, or the IRI variable questions bind it by) and stores its rows.

    A query bound by a variable is run once unbound and its rows are kept grouped by that variable's
    value: for a plain pattern, the rows a binding selects are the rows the bound query gives.
    """
    from .base import Iri

    tmp = directory.with_name(f".{directory.name}.{os.getpid()}.tmp")
    shutil.rmtree(tmp, ignore_errors=True)
    tmp.mkdir(parents=True)
    for query, by in queries.items():
        rows = reader.select(query)
        names = list(rows[0]) if rows else []
        encoded = [[[v] if isinstance(v, Iri) else v for v in r.values()] for r in rows]
        k = key(query)
        if by is None:
            _dump(tmp / f"{k}.json", {"format": FORMAT, "vars": names, "rows": encoded})
            continue
        groups: dict[str, list] = {}
        for r, row in zip(rows, encoded):
            if isinstance(r[by], Iri):
                groups.setdefault(r[by], []).append(row)
        for value, group in groups.items():  # a question reads one group: each is a file of its own
            _dump(tmp / f"{k}-{key(value)}.json", group)
        _dump(tmp / f"{k}.json", {"format": FORMAT, "vars": names, "by": by})
    shutil.rmtree(directory, ignore_errors=True)
    os.replace(tmp, directory)


class Snapshot:
    """The stored rows of one generation, each query's file read when it is first asked for."""

    def __init__(self, directory: Path):
        self.directory = Path(directory)
        self._files: dict[str, dict | None] = {}

    def rows(self, query: str, bindings: dict) -> list[dict] | None:
        """The rows `query` gives with `bindings`, or None when the snapshot does not hold them."""
        from .base import Iri

        k = key(query)
        if k not in self._files:
            self._files[k] = self._read(k)
        data = self._files[k]
        if data is None:
            return None
        by = data.get("by")
        if by is None:
            if bindings:
                return None
            found = data["rows"]
        else:
            value = bindings.get(by)
            if set(bindings) != {by} or not isinstance(value, Iri):
                return None
            found = self._group(k, str(value))
            if found is None:
                return None
        names = data["vars"]
        return [{n: Iri(v[0]) if type(v) is list else v for n, v in zip(names, row)} for row in found]

    def _read(self, k: str) -> dict | None:
        data = _load(self.directory / f"{k}.json")  # None: not written (an older build, another kg): the query runs
        if not (isinstance(data, dict) and data.get("format") == FORMAT and isinstance(data.get("vars"), list)):
            return None
        return data if isinstance(data.get("rows"), list) or isinstance(data.get("by"), str) else None

    def _group(self, k: str, value: str) -> list | None:
        path = self.directory / f"{k}-{key(value)}.json"
        if not path.exists():
            return []  # the query was stored, and gave no rows for this value
        rows = _load(path)
        return rows if isinstance(rows, list) else None


def _dump(path: Path, value) -> None:
    path.write_text(json.dumps(value, ensure_ascii=False), encoding="utf-8")


def _load(path: Path):
    try:
        return json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
