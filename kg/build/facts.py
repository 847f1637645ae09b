"""Records become RDF facts, one named graph per source file; texts go on to extraction."""

import hashlib
import re
from collections import defaultdict
from pathlib import Path

from rdflib import Literal, URIRef
from rdflib.namespace import DCTERMS, PROV, RDF, RDFS, SKOS, XSD

from .. import iris
from ..attributes import LabelSpotter, is_arbitrary_scale, model_scale
from ..namespaces import FABIO, KG, KGT, SCHEMA
from ..records import Bundle, ModelCard, PaperRecord, Source, TaskDef
from ..thesaurus import Thesaurus

_MODALITY_CODE = re.compile(r"^((?:[A-Z][a-z]+)+)2((?:[A-Z][a-z]+)+)$")
_MODALITIES = {"Img": KG.Image, "Txt": KG.Text, "Snd": KG.Audio, "Voice": KG.Audio, "Msk": KG.Mask,
               "Vid": KG.Video, "Video": KG.Video}
_SCHEMES = {"task": KGT.tasks, "method": KGT.methods, "area": KGT.areas}
_CLASSES = {"task": KG.Task, "method": KG.Method, "area": KG.Area}


class GraphOut:
    """Where the facts of one named graph go: `add((s, p, o))` passes them on as quads."""

    def __init__(self, identifier: URIRef, add_quad):
        self.identifier = identifier
        self._add = add_quad

    def add(self, triple) -> None:
        self._add(*triple, self.identifier)


def dataset_names(source: Source) -> set[str]:
    """The dataset names a catalogue's cards give, which extraction then recognises in any text."""
    return {name for card in source.records for name in card.datasets} if source.format == "catalog" else set()


def _duplicate_cards(source: Source, g: GraphOut) -> list[str]:
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
            g.add((g.identifier, KG.buildWarning, Literal(note)))
            notes.append(note)
    return notes


def file_digest(path: Path) -> str:
    return hashlib.sha256(Path(path).read_bytes()).hexdigest()


def _provenance(g: GraphOut, path: Path, relpath: str, fmt: str, digest: str | None = None) -> None:
    node = g.identifier
    digest = digest or file_digest(path)
    g.add((node, RDF.type, PROV.Entity))
    g.add((node, DCTERMS.source, Literal(relpath)))
    g.add((node, PROV.wasDerivedFrom, URIRef(Path(path).resolve().as_uri())))
    g.add((node, KG.sourceFormat, Literal(fmt)))
    g.add((node, KG.sha256, Literal(digest)))


class Facts:
    """Writes each source's facts through `add_quad(s, p, o, graph)`; each text worth extracting goes
    to `on_text(Text)`. Labels the thesaurus lacks are counted in `unmapped` over the whole build."""

    def __init__(self, thesaurus: Thesaurus, add_quad, on_text, datasets=None):
        from ..datasets import DatasetNames

        self.thesaurus = thesaurus
        self.datasets = datasets or DatasetNames(())  # the canonical name of each dataset the cards give
        self.traits = LabelSpotter({c.iri: c.technical_labels() for c in thesaurus.of_kind("trait")})
        self.unmapped: dict[str, int] = {}
        self.add_quad = add_quad
        self.on_text = on_text
        self.digests: dict[Path, str] = {}
        self.record = self.nth = 0

    def add_source(self, source: Source, start: int = 0, stop: int | None = None) -> list[str]:
        """One source's provenance, its records from `start` to `stop` and, with the first record, its
        notes on merged cards; returns those notes. Every slice writes the same provenance."""
        g = GraphOut(iris.source(source.relpath), self.add_quad)
        if source.path not in self.digests:
            self.digests[source.path] = file_digest(source.path)
        _provenance(g, source.path, source.relpath, source.format, self.digests[source.path])
        handler = {"catalog": self._card, "arxiv": self._paper, "tasks": self._task, "bundle": self._bundle}
        stop = len(source.records) if stop is None else min(stop, len(source.records))
        for self.record in range(start, stop):
            self.nth = 0
            handler[source.format](g, source.records[self.record])
        return _duplicate_cards(source, g) if start == 0 else []

    def text(self, g: GraphOut, subject, *parts, topic: str | None = None) -> None:
        from ..extract import Text

        body = ". ".join(p.strip().rstrip(".") for p in parts if p and p.strip())
        if body:
            # Its place: record, then text within the record (a bundle has several).
            self.on_text(Text(subject, g.identifier, body + ".", topic, key=self.record << 12 | self.nth))
            self.nth += 1

    # --- concepts ---------------------------------------------------------

    def concept(self, g: GraphOut, label: str, default_kind: str = "task") -> tuple[URIRef, str]:
        iri = self.thesaurus.lookup(label)
        if iri:
            return URIRef(iri), self.thesaurus.concepts[iri].kind
        # A label the thesaurus lacks still becomes a concept, so no fact is dropped.
        self.unmapped[label] = self.unmapped.get(label, 0) + 1
        node = iris.concept(label)
        g.add((node, RDF.type, _CLASSES[default_kind]))
        g.add((node, RDF.type, SKOS.Concept))
        g.add((node, SKOS.inScheme, _SCHEMES[default_kind]))
        g.add((node, SKOS.prefLabel, Literal(label, lang="en")))
        g.add((node, SKOS.notation, Literal(label)))
        return node, default_kind

    def link_label(self, g: GraphOut, subject: URIRef, label: str, default_kind: str) -> None:
        node, kind = self.concept(g, label, default_kind)
        prop = {"task": KG.addressesTask, "method": KG.usesMethod, "area": KG.inArea}.get(kind, KG.mentions)
        g.add((subject, prop, node))

    # --- shared pieces ----------------------------------------------------

    def paper_node(self, g: GraphOut, url: str | None, title: str | None = None) -> URIRef:
        p = iris.paper(url, title)
        g.add((p, RDF.type, KG.Paper))
        if url:
            g.add((p, SCHEMA.url, Literal(url, datatype=XSD.anyURI)))
            self.arxiv(g, p, iris.arxiv_id(url))
        if title:
            g.add((p, DCTERMS.title, Literal(title)))
        return p

    @staticmethod
    def arxiv(g: GraphOut, paper: URIRef, aid: str | None) -> None:
        """The arXiv id, and the month it says the paper was issued in: trend queries need no string functions."""
        if not aid:
            return
        g.add((paper, FABIO.hasArXivId, Literal(aid)))
        month = iris.arxiv_month(aid)
        if month:
            g.add((paper, DCTERMS.issued, Literal(month, datatype=XSD.gYearMonth)))

    def link(self, g: GraphOut, subject, prop, url: str | None, cls) -> None:
        if url:
            node = URIRef(url) if _is_iri(url) else Literal(url)
            g.add((subject, prop, node))
            if isinstance(node, URIRef):
                g.add((node, RDF.type, cls))

    def model_links(self, g: GraphOut, m: URIRef, rec) -> None:
        """A model's paper, code, hub page and summary, as a catalogue card or a bundle gives them."""
        if rec.paper:
            g.add((m, KG.describedBy, self.paper_node(g, rec.paper)))
        self.link(g, m, KG.hasCode, rec.github, KG.CodeRepository)
        self.link(g, m, KG.hasHubPage, rec.huggingface, KG.HubPage)
        if rec.summary:
            g.add((m, DCTERMS.description, Literal(rec.summary)))

    # --- records ----------------------------------------------------------

    def _card(self, g: GraphOut, card: ModelCard) -> None:
        m = iris.model(card.name)
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
            canonical = self.datasets.canonical(name)
            d = iris.dataset(canonical)
            g.add((m, KG.trainedOn, d))
            g.add((d, RDF.type, KG.Dataset))
            g.add((d, RDFS.label, Literal(canonical)))
            if name != canonical:  # the card's own spelling, which an update reads back (kg.build.modes)
                g.add((d, SKOS.altLabel, Literal(name)))
        self.model_links(g, m, card)

    def _paper(self, g: GraphOut, rec: PaperRecord) -> None:
        p = self.paper_node(g, rec.url, rec.title)
        if rec.arxiv_id and not iris.arxiv_id(rec.url):
            self.arxiv(g, p, rec.arxiv_id)
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

    def _task(self, g: GraphOut, task: TaskDef) -> None:
        node, _ = self.concept(g, task.task_id, "task")
        if task.description:
            g.add((node, SKOS.scopeNote, Literal(task.description, lang="en")))
        for alias in task.aliases:
            g.add((node, SKOS.altLabel, Literal(alias, lang="en")))

    def _bundle(self, g: GraphOut, bundle: Bundle) -> None:
        b = iris.bundle(bundle.name)
        q = iris.question(bundle.question)
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
            self.model_links(g, m, rec)
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
