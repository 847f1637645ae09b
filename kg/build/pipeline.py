"""read -> extract -> write, over bounded blocks of records, into a new generation of the store.

Memory depends on a block and an extraction batch, not on the corpus: facts go to the database as
they are made, what texts name goes to an on-disk table (kg.build.mentions), and the corpus-wide
step (which noun chunks are concepts) runs there once every source is in.
"""

from dataclasses import dataclass, field
from pathlib import Path

from rdflib.namespace import RDF

from ..extract import GRAPH, REL_BY_KIND
from ..namespaces import KG
from ..readers import read_source
from .extraction import BATCH, Extraction
from .facts import Facts, dataset_names
from .mentions import Mentions

BLOCK = 1000  # records per block: the unit a part takes (kg extract --part)


class _Silent:
    def __enter__(self):
        return self

    def __exit__(self, *exc):
        return False

    def update(self, n: int) -> None:
        pass


def no_progress(label: str, total: int):
    return _Silent()


@dataclass
class Plan:
    """The sources of a build, each read once up front so that bad input fails before anything is written."""
    sources: list[tuple[Path, str]]
    fmt: str | None
    records: int = 0
    datasets: set[str] = field(default_factory=set)
    formats: set[str] = field(default_factory=set)

    @classmethod
    def read(cls, found: list[tuple[Path, str]], fmt: str | None, context: list[tuple[Path, str]] = ()) -> "Plan":
        """`context`: catalogues kept from an earlier build, whose dataset names extraction still needs."""
        plan = cls(list(found), fmt)
        for path, rel in found:
            source = read_source(path, rel, fmt)
            plan.records += len(source.records)
            plan.datasets |= dataset_names(source)
            plan.formats.add(source.format)
        for path, rel in context:
            plan.datasets |= dataset_names(read_source(path, rel, None))
        return plan


@dataclass
class Ingested:
    notes: list[str]
    unmapped: dict
    version: str | None  # the pipeline that read the texts; None when there were none
    degraded: str | None


def ingest(plan: Plan, thesaurus, writer, mentions, jobs: int = 1, progress=no_progress, extract: bool = True,
           part: tuple[int, int] | None = None) -> Ingested:
    """Every source's facts to `writer`, what its texts name to `mentions`. With part=(k, n), only the
    k-th of every n blocks (numbered across all sources), so that n parts together make one build."""
    from ..datasets import DatasetNames

    # A worker costs seconds to start (it loads the pipeline): no more workers than batches to read.
    jobs = max(1, min(jobs, plan.records // BATCH))
    names = DatasetNames(plan.datasets)
    extraction = Extraction(names.spellings(), mentions.add, thesaurus, jobs=jobs)
    facts = Facts(thesaurus, writer.add, extraction.add if extract else (lambda text: None), datasets=names)
    notes = []
    block = 0
    with progress("reading", plan.records) as bar:
        for path, rel in plan.sources:
            source = read_source(path, rel, plan.fmt)
            for start in range(0, max(len(source.records), 1), BLOCK):
                if part is None or block % part[1] == part[0] - 1:
                    notes += facts.add_source(source, start, start + BLOCK)
                block += 1
                bar.update(min(BLOCK, len(source.records) - start))
        extraction.finish()
    writer.flush()
    return Ingested(notes, facts.unmapped, extraction.version, extraction.degraded)


def finish(db, writer, mentions: Mentions, version: str | None, questions: bool = True,
           touched: set[str] | None = None, nodes: set[str] = frozenset()) -> set[str]:
    """The corpus-wide step: concepts decided over every mention and the extracted graph written from them,
    then each bundle question's task. With `touched` (the nodes whose texts changed), only the links of
    those nodes and of the concepts whose verdict changed are taken out and written again, and the catalogue
    labels of those nodes and of `nodes` (the replaced sources' nodes) checked again; then it returns the
    nodes whose facts changed."""
    import pyoxigraph as ox

    from ..extract import ThesaurusMatches, concept_iri, write
    from ..thesaurus import Thesaurus
    from .facts import GraphOut
    from .questions import question_tasks

    graph = ox.NamedNode(str(GRAPH))
    flipped = mentions.decide()
    changed: set[str] = set()
    if touched is None:
        db.clear_graph(graph)
        links = mentions.links()
    else:
        if questions:  # read again below
            for q in list(db.quads_for_pattern(None, ox.NamedNode(str(KG.aboutTask)), None, graph)):
                for fact in list(db.quads_for_pattern(q.subject, None, None, graph)):
                    changed |= nodes_of([fact])
                    db.remove(fact)
        objects = {str(concept_iri(n)) for n in flipped}
        gone = _retract(db, graph, touched, objects)
        changed |= nodes_of(gone)
        links = mentions.links(subjects=touched, norms=flipped)
    if version is not None:
        thesaurus = Thesaurus.from_oxigraph(db)  # the label checks below use it too
        write(GraphOut(GRAPH, writer.add), links, version, ThesaurusMatches(thesaurus))
    if touched is None:  # the hierarchy comes from the ontologies, and a change to them rebuilds in full
        from .derived import hierarchy

        hierarchy(db, writer.add, GRAPH)
    writer.flush()
    if touched is not None:
        _drop_orphans(db, graph, {q.object for q in gone if q.predicate.value in _RELS})
        changed |= nodes_of(_links_of(db, graph, touched, objects)) | touched | objects
    if version is not None:  # a label is checked again where its text or its source changed (`nodes`)
        from .derived import label_checks

        label_checks(db, writer.add, GRAPH, thesaurus, None if touched is None else touched | set(nodes))
        writer.flush()
    if questions:
        question_tasks(db, writer.add)
        writer.flush()
        if touched is not None:
            changed |= nodes_of(db.quads_for_pattern(None, ox.NamedNode(str(KG.aboutTask)), None, graph))
    return changed


def nodes_of(quads) -> set[str]:
    """The IRIs a set of quads is about: subjects and IRI objects (their constraints may have changed)."""
    import pyoxigraph as ox

    out = set()
    for q in quads:
        out.add(q.subject.value)
        if isinstance(q.object, ox.NamedNode):
            out.add(q.object.value)
    return out


_RELS = {str(r) for r in REL_BY_KIND.values()}


def _links_of(db, graph, subjects: set[str], objects: set[str]) -> list:
    """The extracted facts of these subjects and to these objects: direct links, statements and evidence."""
    import pyoxigraph as ox

    rdf_subject, rdf_object = (ox.NamedNode(str(RDF.subject)), ox.NamedNode(str(RDF.object)))
    evidence = ox.NamedNode(str(KG.evidence))
    found, statements = [], set()
    for s in subjects:
        node = ox.NamedNode(s)
        found += [q for q in db.quads_for_pattern(node, None, None, graph) if q.predicate.value in _RELS]
        statements |= {q.subject for q in db.quads_for_pattern(None, rdf_subject, node, graph)}
    for o in objects:
        node = ox.NamedNode(o)
        found += [q for q in db.quads_for_pattern(None, None, node, graph) if q.predicate.value in _RELS]
        statements |= {q.subject for q in db.quads_for_pattern(None, rdf_object, node, graph)}
    for st in statements:
        facts = list(db.quads_for_pattern(st, None, None, graph))
        found += facts
        for ev in (q.object for q in facts if q.predicate == evidence):
            found += list(db.quads_for_pattern(ev, None, None, graph))
    return found


def _retract(db, graph, subjects: set[str], objects: set[str]) -> list:
    """Take out every extracted link of these subjects and to these objects, with its statement and evidence;
    returns what was taken out."""
    gone = _links_of(db, graph, subjects, objects)
    for q in gone:
        db.remove(q)
    return gone


def _drop_orphans(db, graph, objects) -> None:
    """A concept or dataset no link points to any more loses its type and label, as a full build would."""
    for o in objects:
        if not any(q.predicate.value in _RELS for q in db.quads_for_pattern(None, None, o, graph)):
            for q in list(db.quads_for_pattern(o, None, None, graph)):
                db.remove(q)


COUNTS = {
    "models": "?x a kg:Model", "papers": "?x a kg:Paper", "tasks": "?x a kg:Task", "methods": "?x a kg:Method",
    "questions": "?x a kg:Question", "bundles": "?x a kg:Bundle", "datasets": "?m kg:trainedOn ?x",
    "concepts": "?s kg:mentionsConcept ?x", "links": "?x a kg:ExtractedLink",
}


def counts(db) -> dict:
    """What the new graph holds, counted in the graph itself (so a build in parts counts the same)."""
    from ..store import Reader

    from concurrent.futures import ThreadPoolExecutor

    reader = Reader(db)

    def count(pattern: str) -> int:
        return int(reader.select("PREFIX kg: <https://w3id.org/cnaps-kg/ontology#> "
                                 f"SELECT (COUNT(DISTINCT ?x) AS ?n) WHERE {{ {pattern} }}")[0]["n"])

    with ThreadPoolExecutor(2) as pool:  # Oxigraph counts without holding Python's lock
        result = dict(zip(COUNTS, pool.map(count, COUNTS.values())))
    result["triples"] = len(db)
    result["sources"] = int(reader.select(
        "SELECT (COUNT(DISTINCT ?g) AS ?n) WHERE { GRAPH ?g { ?g <http://purl.org/dc/terms/source> ?name } "
        "FILTER(!STRSTARTS(STR(?name), 'ontologies/')) }")[0]["n"])
    return result
