"""The ways a build reaches a store: in one go, by replacing changed sources, or in parts."""

import gzip
import hashlib
import json
import os
import urllib.parse
from dataclasses import dataclass
from pathlib import Path

from rdflib.namespace import RDF

from .. import __version__, iris
from ..errors import InputError, StoreError
from ..namespaces import ID
from ..namespaces import KG as KG_NS
from ..paths import KG_RULES
from .facts import file_digest
from .mentions import Mentions
from .ontologies import digest as ontology_digest
from .ontologies import load_ontologies
from .pipeline import Ingested, Plan, counts, finish, ingest, no_progress
from .write import NQuadsWriter, StoreWriter

STAGING = str(ID["source/part-mentions"])  # a part's mentions, never loaded as facts
KG = str(KG_NS)
RDF_JSON = str(RDF.JSON)


def build_store(paths: list[Path], store, fmt: str | None = None, progress=no_progress, extract: bool = True,
                add: bool = False, jobs: int = 1) -> dict:
    """Read every source, build the graph and make it the store's live one.

    The store is held from the start, so a second build fails at once. Every source is read once
    before anything is written, so bad input fails at once; a build that fails later leaves the
    previous graph as it was. With `add`, the store keeps its other sources: only the given ones
    that are new or changed are read and extracted, and the corpus-wide step runs again.
    """
    from ..readers import discover

    with store.writing():
        found = discover(paths)
        notes: list[str] = []
        if add and extract:
            update = _Update.plan(store, found, fmt)
            if update is not None:
                try:
                    return update.run(jobs, progress)
                except _Rebuild as why:
                    notes.append(f"{why}; every source is read again")
            elif store.exists():
                notes.append(f"{store} keeps no reusable extraction for this thesaurus and pipeline; "
                             "every source is read again")
        found = _with_previous(found, store, add, notes)
        plan = Plan.read(found, fmt)
        with store.generation() as gen:
            from ..thesaurus import Thesaurus

            writer = StoreWriter(gen.db)
            thesaurus = Thesaurus.from_graph(load_ontologies(writer.add))
            mentions = Mentions(gen.mentions)
            done = ingest(plan, thesaurus, writer, mentions, jobs, progress, extract)
            result = _finish(gen, writer, mentions, done, notes, extract, plan.datasets)
    result["store"] = str(store)
    return result


@dataclass
class Changes:
    """What an update replaced: the graphs, the nodes whose texts changed, the nodes of those graphs (before
    and after), and the types those graphs gave them before."""
    graphs: list[str]
    touched: set[str]
    nodes: set[str]
    types: dict[str, set[str]]
    # Whether bundle questions' tasks may have changed: reading a question looks at the thesaurus, the
    # models and the questions (kg.rank), never at arXiv listings, so new papers alone leave them as they are.
    questions: bool = True


def _finish(gen, writer, mentions, done, notes, extract, datasets, changes: Changes | None = None) -> dict:
    """The corpus-wide step, the counts and the contract check. After an update the check covers the nodes
    whose facts changed and those that point to a node whose type changed (sh:class looks there)."""
    from ..store import Reader
    from ..validate import build_check

    if done.degraded:
        notes.append(done.degraded + "; no noun-chunk concepts")
    extracted = finish(gen.db, writer, mentions, done.version, touched=changes.touched if changes else None,
                       nodes=changes.nodes if changes else frozenset(),
                       questions=extract and (changes is None or changes.questions))
    mentions.set_meta(**_meta(extract, datasets, done.version))
    mentions.close()
    gen.db.flush()
    c = counts(gen.db)
    focus = None
    if changes is not None:
        nodes, before = changes.nodes, changes.types
        now = _types(gen.db, nodes, changes.graphs)
        other = _types(gen.db, nodes, None, but=changes.graphs)
        retyped = {n for n in nodes
                   if before.get(n, set()) | other.get(n, set()) != now.get(n, set()) | other.get(n, set())}
        focus = nodes | extracted | _pointing_to(gen.db, retyped)
    build_check(notes, only=focus)(Reader(gen.db))
    if gen.snapshot is not None:
        from ..index import SNAPSHOT
        from ..store import snapshot

        snapshot.write(Reader(gen.db), gen.snapshot, SNAPSHOT)
    return {"counts": c, "unmapped": done.unmapped, "notes": done.notes + notes}


def _meta(extract: bool, datasets, version) -> dict:
    """What stored mentions depend on: a build reuses them only when all of it is the same."""
    return {"kg": __version__, "ontologies": ontology_digest(), "extract": str(int(extract)),
            "datasets": _names_digest(datasets), "pipeline": version or ""}


def _names_digest(datasets) -> str:
    from ..datasets import digest

    return digest(datasets)


def _with_previous(found, store, add: bool, notes: list[str]) -> list[tuple[Path, str]]:
    """The sources of a full build: with `add`, the store's other sources read again from their files."""
    previous = {name: uri for name, uri in store.sources().items() if not name.startswith("ontologies/")} \
        if store.exists() else {}
    others = sorted(set(previous) - {rel for _, rel in found})
    if add:
        for name in others:
            path = Path(urllib.parse.unquote(urllib.parse.urlparse(previous[name]).path))
            if not path.is_file():
                raise InputError(path, f"the store's source {name!r} is no longer there",
                                 hint="give its new location as a PATH, or build without --add")
            found.append((path, name))
    elif others:
        shown = ", ".join(others[:3]) + (f" and {len(others) - 3} more" if len(others) > 3 else "")
        notes.append(f"{store} held {len(others)} other source(s) ({shown}); this build replaced them "
                     "(kg build --add keeps them)")
    _no_twins(found)
    return found


def _no_twins(found) -> None:
    seen: dict[str, Path] = {}
    for path, rel in found:
        if rel in seen:
            raise InputError(path, f"two sources share the name {rel!r} (also {seen[rel]})",
                             hint="build them from one folder or rename one")
        seen[rel] = path


class _Update:
    """Replacing the changed sources of a store whose mentions were kept, without reading the others."""

    STORED = """SELECT ?g ?name ?file ?sha WHERE { GRAPH ?g { ?g <http://purl.org/dc/terms/source> ?name ;
        <http://www.w3.org/ns/prov#wasDerivedFrom> ?file ; <https://w3id.org/cnaps-kg/ontology#sha256> ?sha } }"""
    DATASETS = """SELECT DISTINCT ?g ?name WHERE { GRAPH ?g { ?m <https://w3id.org/cnaps-kg/ontology#trainedOn> ?d .
        ?d <http://www.w3.org/2000/01/rdf-schema#label>|<http://www.w3.org/2004/02/skos/core#altLabel> ?name } }"""

    def __init__(self, store, changed, kept_datasets, fmt, meta):
        self.store, self.changed, self.kept_datasets, self.fmt, self.meta = store, changed, kept_datasets, fmt, meta

    @classmethod
    def plan(cls, store, found, fmt) -> "_Update | None":
        path = store.mentions() if store.exists() else None
        if path is None:
            return None
        meta = Mentions.stored_meta(path)
        if meta.get("kg") != __version__ or meta.get("ontologies") != ontology_digest() or meta.get("extract") != "1":
            return None
        if meta.get("pipeline") and not meta["pipeline"].endswith(f"/{KG_RULES}"):
            return None  # read by other extraction rules: every text is read again
        reader = store.reader()
        stored = {r["name"]: r for r in reader.select(cls.STORED)}
        by_file = {r["file"]: name for name, r in stored.items()}
        given = [(p, by_file.get(Path(p).resolve().as_uri(), rel)) for p, rel in found]
        _no_twins(given)
        changed = [(p, name) for p, name in given
                   if name not in stored or stored[name]["sha"] != file_digest(p)]
        replaced = {str(iris.source(name)) for _, name in changed}
        kept = {r["name"] for r in reader.select(cls.DATASETS) if r["g"] not in replaced}
        return cls(store, changed, kept, fmt, meta)

    def run(self, jobs: int, progress) -> dict:
        import pyoxigraph as ox

        from ..thesaurus import Thesaurus

        if not self.changed:
            return {"counts": counts(self.store.open()), "unmapped": {}, "store": str(self.store),
                    "notes": [f"{self.store} already holds every given source as it is; nothing was rebuilt"]}
        plan = Plan.read(self.changed, self.fmt)
        plan.datasets |= self.kept_datasets
        if _names_digest(plan.datasets) != self.meta.get("datasets"):
            raise _Rebuild("the catalogues now name other datasets, which every text must be read for again")
        with self.store.generation(base=True) as gen:
            writer = StoreWriter(gen.db)
            mentions = Mentions(gen.mentions)
            graphs = [str(iris.source(name)) for _, name in self.changed]
            touched = mentions.subjects_of(graphs)
            changed = _nodes_in(gen.db, graphs)
            types = _types(gen.db, changed, graphs)
            for g in graphs:
                gen.db.clear_graph(ox.NamedNode(g))
                mentions.drop_source(g)
            thesaurus = Thesaurus.from_graph(load_ontologies())
            done = ingest(plan, thesaurus, writer, mentions, jobs, progress)
            touched |= mentions.subjects_of(graphs)
            changed |= _nodes_in(gen.db, graphs)
            if done.version and self.meta.get("pipeline") not in ("", done.version):
                raise StoreError(f"{self.store}: its texts were read by {self.meta['pipeline']}, this kg reads "
                                 f"with {done.version}", hint="build without --add to read every text again")
            result = _finish(gen, writer, mentions, done, [], True, plan.datasets,
                             Changes(graphs, touched, changed, types, questions=plan.formats != {"arxiv"}))
        result["store"] = str(self.store)
        result["notes"].append(f"replaced {len(self.changed)} source(s) and kept the rest as stored: "
                               + ", ".join(name for _, name in self.changed[:3])
                               + (f" and {len(self.changed) - 3} more" if len(self.changed) > 3 else ""))
        return result


class _Rebuild(Exception):
    pass


def _nodes_in(db, graphs: list[str]) -> set[str]:
    import pyoxigraph as ox

    from .pipeline import nodes_of

    out: set[str] = set()
    for g in graphs:
        out |= nodes_of(db.quads_for_pattern(None, None, None, ox.NamedNode(g)))
    return out


def _types(db, nodes: set[str], graphs: list[str] | None, but: list[str] = ()) -> dict[str, set[str]]:
    """Each node's types stated in `graphs` (None: in any graph but those in `but`)."""
    import pyoxigraph as ox

    rdf_type = ox.NamedNode("http://www.w3.org/1999/02/22-rdf-syntax-ns#type")
    inside, skip = set(graphs or ()), set(but)
    out = {}
    for n in nodes:
        found = {q.object.value for q in db.quads_for_pattern(ox.NamedNode(n), rdf_type, None)
                 if isinstance(q.graph_name, ox.NamedNode)
                 and (q.graph_name.value in inside if graphs is not None else q.graph_name.value not in skip)}
        if found:
            out[n] = found
    return out


def _pointing_to(db, nodes: set[str]) -> set[str]:
    import pyoxigraph as ox

    return {q.subject.value for n in nodes for q in db.quads_for_pattern(None, None, ox.NamedNode(n))
            if isinstance(q.subject, ox.NamedNode)}


# --- parts --------------------------------------------------------------------------------------


def export_part(paths: list[Path], out: Path, part: int, of: int, fmt: str | None = None, jobs: int = 1) -> dict:
    """Extract the part-th of `of` parts of a build into gzipped N-Quads: its facts, plus what its texts
    name in the graph STAGING, which `load_parts` turns back into mentions."""
    import pyoxigraph as ox

    from ..readers import discover
    from ..thesaurus import Thesaurus

    if not 1 <= part <= of:
        raise InputError(out, f"part {part} of {of} does not exist", hint=f"give a part from 1 to {of}")
    found = discover(paths)
    _no_twins(found)
    plan = Plan.read(found, fmt)
    out = Path(out)
    tmp = out.with_name(f".{out.name}.tmp")
    try:
        with gzip.open(tmp, "wb", compresslevel=3) as fh:
            writer = NQuadsWriter(fh)
            thesaurus = Thesaurus.from_graph(load_ontologies(writer.add if part == 1 else None))
            rows = _MentionQuads(writer)
            done = ingest(plan, thesaurus, writer, rows, jobs, part=(part, of))
            staging = ox.NamedNode(STAGING)
            info = {"part": part, "of": of, "plan": _plan_digest(plan), "version": done.version,
                    "degraded": done.degraded, "datasets": sorted(plan.datasets), "unmapped": done.unmapped}
            writer.add_ox(ox.Quad(ox.NamedNode(f"{STAGING}/{part}"), ox.NamedNode(KG + "partInfo"),
                                  ox.Literal(json.dumps(info), datatype=ox.NamedNode(RDF_JSON)), staging))
            writer.flush()
        os.replace(tmp, out)
    except OSError as exc:
        tmp.unlink(missing_ok=True)
        raise InputError(out, f"cannot write the part ({exc.strerror or exc})", hint="choose a writable path") from None
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise
    return {"part": part, "of": of, "records": plan.records, "out": str(out)}


def _plan_digest(plan: Plan) -> str:
    return hashlib.sha256("\n".join(f"{rel}\t{file_digest(p)}" for p, rel in plan.sources).encode()).hexdigest()[:16]


class _MentionQuads:
    """Mentions as quads of the graph STAGING, one per row, its columns a JSON array."""

    def __init__(self, writer):
        import pyoxigraph as ox

        self.ox, self.writer = ox, writer
        self.graph, self.json = ox.NamedNode(STAGING), ox.NamedNode(RDF_JSON)
        self.found, self.chunk = ox.NamedNode(KG + "foundRow"), ox.NamedNode(KG + "chunkRow")

    def add(self, found_rows, chunk_rows) -> None:
        ox = self.ox
        for rows, prop, table in ((found_rows, self.found, "found"), (chunk_rows, self.chunk, "chunk")):
            for row in rows:
                source, pos = (row[4], row[5]) if table == "found" else (row[1], row[2])
                where = hashlib.blake2b(source.encode(), digest_size=8).hexdigest()
                node = ox.NamedNode(f"{STAGING}/{table}/{where}/{pos}")
                self.writer.add_ox(ox.Quad(node, prop, ox.Literal(json.dumps(row), datatype=self.json), self.graph))


def load_parts(files: list[Path], store, progress=no_progress) -> dict:
    """Load the parts `export_part` wrote, all of one build, and run the corpus-wide step over them."""
    import pyoxigraph as ox

    if not files:
        raise InputError(".", "no parts given", hint="give every part file that kg extract wrote")
    with store.writing(), store.generation() as gen:
        writer = StoreWriter(gen.db)
        mentions = Mentions(gen.mentions)
        infos = {}
        staging = ox.NamedNode(STAGING)
        found_p, chunk_p, info_p = (ox.NamedNode(KG + n) for n in ("foundRow", "chunkRow", "partInfo"))
        with progress("loading", len(files)) as bar:
            for f in files:
                found, chunks = [], []
                try:
                    with gzip.open(f, "rb") as fh:
                        for q in ox.parse(fh, format=ox.RdfFormat.N_QUADS):
                            if q.graph_name != staging:
                                writer.add_ox(q)
                            elif q.predicate == found_p:
                                found.append(json.loads(q.object.value))
                            elif q.predicate == chunk_p:
                                chunks.append(json.loads(q.object.value))
                            elif q.predicate == info_p:
                                infos[f] = json.loads(q.object.value)
                            if len(found) + len(chunks) >= 50_000:
                                mentions.add(found, chunks)
                                found, chunks = [], []
                except (OSError, EOFError, SyntaxError, ValueError) as exc:
                    raise InputError(f, f"not a part kg extract wrote ({exc})".replace("\n", " "),
                                     hint="extract it again") from None
                mentions.add(found, chunks)
                if f not in infos:
                    raise InputError(f, "has no part information: it was cut short", hint="extract it again")
                bar.update(1)
        _complete(infos)
        versions = {i["version"] for i in infos.values()} - {None}
        if len(versions) > 1:
            raise InputError(files[0], f"the parts were read by different pipelines ({', '.join(sorted(versions))})",
                             hint="extract every part with one kg installation")
        unmapped: dict[str, int] = {}
        for info in infos.values():
            for label, n in info["unmapped"].items():
                unmapped[label] = unmapped.get(label, 0) + n
        first = next(iter(infos.values()))
        done = Ingested([], unmapped, next(iter(versions), None), first["degraded"])
        result = _finish(gen, writer, mentions, done, [], True, first["datasets"])
    result["store"] = str(store)
    return result


def _complete(infos: dict) -> None:
    """Every part of one build, each once."""
    ofs = {i["of"] for i in infos.values()}
    plans = {i["plan"] for i in infos.values()}
    f = next(iter(infos))
    if len(ofs) > 1 or len(plans) > 1:
        raise InputError(f, "the parts come from different builds (other sources or another split)",
                         hint="extract every part from the same PATHS with the same --parts")
    of = ofs.pop()
    have = sorted(i["part"] for i in infos.values())
    missing = sorted(set(range(1, of + 1)) - set(have))
    if missing or len(have) != of:
        raise InputError(f, f"parts {', '.join(map(str, missing)) or 'twice given'} of {of} are missing"
                         if missing else f"a part is given twice ({have})", hint=f"give each of the {of} parts once")
