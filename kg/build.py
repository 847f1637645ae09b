"""Build stage: parsed sources become RDF, one named graph per source file."""

import hashlib
import re
import urllib.parse
from collections import defaultdict
from dataclasses import dataclass, field
from pathlib import Path

from rdflib import Graph, Literal, URIRef
from rdflib.namespace import DCTERMS, PROV, RDF, RDFS, SKOS, XSD

from . import iris
from .attributes import LabelSpotter, is_arbitrary_scale, model_scale
from .namespaces import FABIO, KG, KGT, SCHEMA
from .paths import ONTOLOGIES
from .records import Bundle, ModelCard, PaperRecord, Source, TaskDef
from .thesaurus import Thesaurus

ONTOLOGY_FILES = ("kg.ttl", "thesaurus.ttl", "lay-phrasings.ttl")
_MODALITY_CODE = re.compile(r"^((?:[A-Z][a-z]+)+)2((?:[A-Z][a-z]+)+)$")
_MODALITIES = {"Img": KG.Image, "Txt": KG.Text, "Snd": KG.Audio, "Voice": KG.Audio, "Msk": KG.Mask,
               "Vid": KG.Video, "Video": KG.Video}
_SCHEMES = {"task": KGT.tasks, "method": KGT.methods, "area": KGT.areas}
_CLASSES = {"task": KG.Task, "method": KG.Method, "area": KG.Area}


class GraphSink:
    """The triples of one named graph, in insertion order, without duplicates.

    Plain rdflib terms in a dict: building 100k triples this way takes a fraction
    of the time an indexed rdflib graph would, and the store indexes them anyway.
    """

    def __init__(self, identifier: URIRef):
        self.identifier = identifier
        self.triples: dict[tuple, None] = {}

    def add(self, triple) -> None:
        self.triples[triple] = None

    def __len__(self) -> int:
        return len(self.triples)


@dataclass
class BuildResult:
    graphs: dict[URIRef, GraphSink]
    counts: dict
    unmapped: dict = field(default_factory=dict)  # label -> number of uses
    notes: list = field(default_factory=list)

    def quads(self):
        for name, sink in self.graphs.items():
            for s, p, o in sink.triples:
                yield s, p, o, name


class _Silent:
    def __enter__(self):
        return self

    def __exit__(self, *exc):
        return False

    def update(self, n: int) -> None:
        pass


def _no_progress(label: str, total: int):
    return _Silent()


def load_ontologies(graphs: dict, directory: Path = ONTOLOGIES) -> Graph:
    """Load each ontology file into its own named graph; return their union for lookups."""
    union = Graph()
    for name in ONTOLOGY_FILES:
        path = directory / name
        parsed = Graph().parse(path, format="turtle")
        sink = graphs.setdefault(iris.source(f"ontologies/{name}"), GraphSink(iris.source(f"ontologies/{name}")))
        for t in parsed:
            sink.add(t)
        _provenance(sink, path, f"ontologies/{name}", "turtle")
        union += parsed
    return union


def build(sources: list[Source], progress=_no_progress, extract: bool = True) -> BuildResult:
    graphs: dict[URIRef, GraphSink] = {}
    thesaurus = Thesaurus.from_graph(load_ontologies(graphs))
    builder = _Builder(thesaurus)
    with progress("reading", len(sources)) as bar:
        for source in sources:
            g = graphs.setdefault(iris.source(source.relpath), GraphSink(iris.source(source.relpath)))
            _provenance(g, source.path, source.relpath, source.format)
            builder.add(g, source)
            bar.update(1)
    notes = [note for source in sources for note in _duplicate_cards(source, graphs)]
    if extract and builder.texts:
        from . import nlp
        from .extract import GRAPH, extract as run_extraction, write

        pipeline = nlp.load(thesaurus, datasets=builder.dataset_names)
        if pipeline.meta.get("kg_degraded"):
            notes.append(pipeline.meta["kg_degraded"] + "; no noun-chunk concepts")
        with progress("extracting", len(builder.texts)) as bar:
            links = run_extraction(builder.texts, pipeline, thesaurus.normalised_labels(),
                                   progress=lambda _t: bar.update(1))
        sink = graphs.setdefault(GRAPH, GraphSink(GRAPH))
        write(sink, links, nlp.pipeline_version(pipeline))
        builder.counts["links"] = {(ln.subject, ln.kind, ln.obj) for ln in links}
        builder.counts["concepts"] = {ln.obj for ln in links if ln.kind == "concept"}
    for kind in ("task", "method"):
        builder.counts[f"{kind}s"] = {c.iri for c in thesaurus.of_kind(kind)} | builder.minted[kind]
    return BuildResult(graphs=graphs, counts=builder.counts, unmapped=dict(builder.unmapped), notes=notes)


def _duplicate_cards(source: Source, graphs) -> list[str]:
    """Cards of one catalogue that share a name become one model: say so, in the output and in the graph."""
    if source.format != "catalog":
        return []
    lines = defaultdict(list)
    for card in source.records:
        lines[card.name].append(card.line)
    notes = []
    for name, at in lines.items():
        if len(at) > 1:
            note = (f"{source.relpath}: lines {', '.join(map(str, at))} all name the model {name!r}; their cards are "
                    f"merged into one model (give each card its own \"Model Unique Name\" to keep them apart)")
            graphs[iris.source(source.relpath)].add((iris.source(source.relpath), KG.buildWarning, Literal(note)))
            notes.append(note)
    return notes


def _provenance(g: GraphSink, path: Path, relpath: str, fmt: str) -> None:
    node = g.identifier
    digest = hashlib.sha256(Path(path).read_bytes()).hexdigest()
    g.add((node, RDF.type, PROV.Entity))
    g.add((node, DCTERMS.source, Literal(relpath)))
    g.add((node, PROV.wasDerivedFrom, URIRef(Path(path).resolve().as_uri())))
    g.add((node, KG.sourceFormat, Literal(fmt)))
    g.add((node, KG.sha256, Literal(digest)))


class _Builder:
    def __init__(self, thesaurus: Thesaurus):
        self.thesaurus = thesaurus
        self.traits = LabelSpotter({c.iri: c.technical_labels() for c in thesaurus.of_kind("trait")})
        self.unmapped: dict[str, int] = {}
        self.minted: dict[str, set] = {"task": set(), "method": set(), "area": set()}
        self.texts: list = []  # what extraction will read
        self.dataset_names: set[str] = set()
        self.counts = {"models": set(), "papers": set(), "questions": set(), "bundles": set(), "datasets": set()}

    def text(self, g: GraphSink, subject, *parts, topic: str | None = None) -> None:
        from .extract import Text

        body = ". ".join(p.strip().rstrip(".") for p in parts if p and p.strip())
        if body:
            self.texts.append(Text(subject, g.identifier, body + ".", topic))

    def add(self, g: GraphSink, source: Source) -> None:
        handler = {"catalog": self._card, "arxiv": self._paper, "tasks": self._task, "bundle": self._bundle}
        for record in source.records:
            handler[source.format](g, record)

    # --- concepts ---------------------------------------------------------

    def concept(self, g: GraphSink, label: str, default_kind: str = "task") -> tuple[URIRef, str]:
        iri = self.thesaurus.lookup(label)
        if iri:
            return URIRef(iri), self.thesaurus.concepts[iri].kind
        # A label the thesaurus lacks still becomes a concept, so no fact is dropped.
        self.unmapped[label] = self.unmapped.get(label, 0) + 1
        node = iris.concept(label)
        self.minted[default_kind].add(str(node))
        g.add((node, RDF.type, _CLASSES[default_kind]))
        g.add((node, RDF.type, SKOS.Concept))
        g.add((node, SKOS.inScheme, _SCHEMES[default_kind]))
        g.add((node, SKOS.prefLabel, Literal(label, lang="en")))
        g.add((node, SKOS.notation, Literal(label)))
        return node, default_kind

    def link_label(self, g: GraphSink, subject: URIRef, label: str, default_kind: str) -> None:
        node, kind = self.concept(g, label, default_kind)
        prop = {"task": KG.addressesTask, "method": KG.usesMethod, "area": KG.inArea}.get(kind, KG.mentions)
        g.add((subject, prop, node))

    # --- shared pieces ----------------------------------------------------

    def paper_node(self, g: GraphSink, url: str | None, title: str | None = None) -> URIRef:
        p = iris.paper(url, title)
        g.add((p, RDF.type, KG.Paper))
        if url:
            g.add((p, SCHEMA.url, Literal(url, datatype=XSD.anyURI)))
            aid = iris.arxiv_id(url)
            if aid:
                g.add((p, FABIO.hasArXivId, Literal(aid)))
        if title:
            g.add((p, DCTERMS.title, Literal(title)))
        self.counts["papers"].add(p)
        return p

    def link(self, g: GraphSink, subject, prop, url: str | None, cls) -> None:
        if url:
            node = URIRef(url) if _is_iri(url) else Literal(url)
            g.add((subject, prop, node))
            if isinstance(node, URIRef):
                g.add((node, RDF.type, cls))

    # --- records ----------------------------------------------------------

    def _card(self, g: GraphSink, card: ModelCard) -> None:
        m = iris.model(card.name)
        self.counts["models"].add(m)
        g.add((m, RDF.type, KG.Model))
        g.add((m, SCHEMA.name, Literal(card.name)))
        g.add((m, RDFS.label, Literal(card.name)))
        code = _MODALITY_CODE.match(card.category or "")
        if code:
            g.add((m, KG.modalityCode, Literal(card.category)))
            for side, prop in ((code.group(1), KG.inputModality), (code.group(2), KG.outputModality)):
                for part in re.findall(r"[A-Z][a-z]+", side):
                    if part in _MODALITIES:
                        g.add((m, prop, _MODALITIES[part]))
        task_label = card.detailed_category or (None if code else card.category)
        if task_label:
            g.add((m, KG.catalogLabel, Literal(task_label)))
            self.link_label(g, m, task_label, "task")
        scale = model_scale(card.name)
        if scale:
            g.add((m, KG.scaleFactor, Literal(_decimal(scale), datatype=XSD.decimal)))
        if is_arbitrary_scale(card.name, card.summary, task_label):
            g.add((m, KG.arbitraryScale, Literal(True)))
        for trait in self.traits.spot(" ".join([card.name.replace("-", " "), *card.datasets])):
            g.add((m, KG.hasTrait, URIRef(trait)))
        for trait in self.traits.spot(card.summary or ""):
            g.add((m, KG.mentions, URIRef(trait)))
        self.text(g, m, card.summary, topic=task_label)
        for name in card.datasets:
            self.dataset_names.add(name)
            d = iris.dataset(name)
            self.counts["datasets"].add(d)
            g.add((m, KG.trainedOn, d))
            g.add((d, RDF.type, KG.Dataset))
            g.add((d, RDFS.label, Literal(name)))
        if card.paper:
            g.add((m, KG.describedBy, self.paper_node(g, card.paper)))
        self.link(g, m, KG.hasCode, card.github, KG.CodeRepository)
        self.link(g, m, KG.hasHubPage, card.huggingface, KG.HubPage)
        if card.summary:
            g.add((m, DCTERMS.description, Literal(card.summary)))

    def _paper(self, g: GraphSink, rec: PaperRecord) -> None:
        p = self.paper_node(g, rec.url, rec.title)
        if rec.arxiv_id and not iris.arxiv_id(rec.url):
            g.add((p, FABIO.hasArXivId, Literal(rec.arxiv_id)))
        if rec.label:
            g.add((p, KG.catalogLabel, Literal(rec.label)))
            self.link_label(g, p, rec.label, "task")
        if rec.area and rec.area != rec.label:
            self.link_label(g, p, rec.area, "area")
        self.link(g, p, KG.hasCode, rec.github, KG.CodeRepository)
        self.link(g, p, KG.hasHubPage, rec.huggingface, KG.HubPage)
        if rec.summary:
            g.add((p, DCTERMS.abstract, Literal(rec.summary)))
        self.text(g, p, rec.title, rec.summary, topic=rec.label)

    def _task(self, g: GraphSink, task: TaskDef) -> None:
        node, _ = self.concept(g, task.task_id, "task")
        if task.description:
            g.add((node, SKOS.scopeNote, Literal(task.description, lang="en")))
        for alias in task.aliases:
            g.add((node, SKOS.altLabel, Literal(alias, lang="en")))

    def _bundle(self, g: GraphSink, bundle: Bundle) -> None:
        b = iris.bundle(bundle.name)
        q = iris.question(bundle.question)
        self.counts["bundles"].add(b)
        self.counts["questions"].add(q)
        g.add((b, RDF.type, KG.Bundle))
        g.add((b, RDFS.label, Literal(bundle.name)))
        g.add((b, KG.asks, q))
        g.add((q, RDF.type, KG.Question))
        g.add((q, SCHEMA.text, Literal(bundle.question)))
        for rec in bundle.models:
            m = iris.model(rec.name)
            g.add((m, RDF.type, KG.Model))
            g.add((m, SCHEMA.name, Literal(rec.name)))
            g.add((b, KG.recommends, m))
            if rec.paper:
                g.add((m, KG.describedBy, self.paper_node(g, rec.paper)))
            self.link(g, m, KG.hasCode, rec.github, KG.CodeRepository)
            self.link(g, m, KG.hasHubPage, rec.huggingface, KG.HubPage)
            if rec.summary:
                g.add((m, DCTERMS.description, Literal(rec.summary)))
            self.text(g, m, rec.summary)
        for rec in bundle.papers:
            p = self.paper_node(g, rec.url, rec.title)
            g.add((b, KG.relatedPaper, p))
            self.link(g, p, KG.hasCode, rec.github, KG.CodeRepository)
            if rec.summary:
                g.add((p, DCTERMS.abstract, Literal(rec.summary)))
            self.text(g, p, rec.title, rec.summary)


def _is_iri(value: str) -> bool:
    return bool(re.match(r"^https?://[^\s<>\"{}|\\^`]+$", value))


def _decimal(value: float):
    from decimal import Decimal

    return Decimal(str(value)).normalize()


def build_store(paths: list[Path], store, fmt: str | None = None, progress=_no_progress, extract: bool = True,
                add: bool = False) -> dict:
    """Read every source, build the graph and swap it into the store.

    The store is held from the start, so a second build fails at once. Everything is parsed before the
    store is touched, so bad input leaves the previous graph as it was. With `add`, the sources the
    store was built from are read again beside the new ones, from the files they came from.
    """
    from contextlib import nullcontext

    from .errors import InputError
    from .readers import discover, read_source

    with getattr(store, "writing", nullcontext)():
        found = discover(paths)
        previous = {name: uri for name, uri in getattr(store, "sources", dict)().items()
                    if not name.startswith("ontologies/")}
        notes = []
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
        seen: dict[str, Path] = {}
        for path, rel in found:
            if rel in seen:
                raise InputError(path, f"two sources share the name {rel!r} (also {seen[rel]})",
                                 hint="build them from one folder or rename one")
            seen[rel] = path
        sources = [read_source(path, rel, fmt) for path, rel in found]
        result = build(sources, progress=progress, extract=extract)
        if extract:
            from .enrich import question_tasks

            question_tasks(result)
        from .validate import build_check

        triples = store.replace(result.quads(), check=build_check(notes))
    counts = {k: len(v) for k, v in result.counts.items()}
    counts["triples"] = triples
    counts["sources"] = len(sources)
    return {"counts": counts, "unmapped": result.unmapped, "notes": result.notes + notes, "store": str(store)}
