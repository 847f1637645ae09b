"""Extraction: what summaries, abstracts and titles say, as links with provenance.

Every text is read by the spaCy extraction pipeline (kg.nlp.load with datasets).
A link (subject, relation, object) found in several sources is one link whose
support counts those sources; each source keeps its own evidence sentence.
"""

import hashlib
from collections import Counter, defaultdict
from dataclasses import dataclass, field
from typing import NamedTuple

from rdflib import Literal, URIRef
from rdflib.namespace import PROV, RDF, RDFS, SKOS, XSD

from . import __version__, iris
from .namespaces import ID, KG, SCHEMA
from .thesaurus import normalise

REL_BY_KIND = {"task": KG.mentionsTask, "method": KG.mentionsMethod, "dataset": KG.mentionsDataset,
               "concept": KG.mentionsConcept, "trait": KG.mentionsTrait, "setting": KG.mentionsSetting}
EXTRACTORS = {
    "task": "thesaurus-ruler", "method": "thesaurus-ruler", "trait": "thesaurus-ruler", "setting": "thesaurus-ruler",
    "dataset": "dataset-recogniser", "concept": "noun-chunk-concepts",
}
GRAPH = ID["source/extracted"]
MIN_CONCEPT_SOURCES = 2  # a noun chunk becomes a concept once two documents use it


@dataclass
class Text:
    subject: URIRef
    source: URIRef  # the named graph the text came from
    text: str
    topic: str | None = None  # the catalogue's task or method label for it, where it has one
    key: int = 0  # its place in its source, so every way of building orders mentions alike


@dataclass
class Link:
    subject: URIRef
    kind: str
    obj: URIRef
    evidence: dict[URIRef, str] = field(default_factory=dict)  # source graph -> sentence
    label: str | None = None


class Found(NamedTuple):
    """A thesaurus label or dataset name one text names."""
    kind: str
    obj: URIRef
    label: str | None
    sentence: str


class Chunk(NamedTuple):
    """A noun chunk of one text that becomes a concept if the corpus agrees (see accepts)."""
    norm: str
    role: str  # see kg.nlp.components.NounConcept
    head: str | None  # for "described": the head the adjectives describe
    named: bool
    sentence: str


BATCH_CHARS = 16_000  # text per nlp.pipe batch: the tagger and parser pad a batch to its longest text, so
# 128 abstracts took 620 MB where 128 titles (about 10k characters) take a tenth of that


def batches(texts, most: int = 128, chars: int = BATCH_CHARS):
    """Consecutive runs of texts, each at most `most` texts and about `chars` characters."""
    run, size = [], 0
    for t in texts:
        if run and (len(run) >= most or size + len(t.text) > chars):
            yield run
            run, size = [], 0
        run.append(t)
        size += len(t.text)
    if run:
        yield run


def read_texts(texts, nlp, known_labels=frozenset()):
    """Per text: (text, what it names, its candidate concepts). Streams through nlp.pipe.

    Lay phrasings ("zoom in", "scale up") are for reading questions; in papers they
    mislead, so only technical labels count here. A noun chunk that is a thesaurus
    label is already a task or method link, not a new concept. Traits are read with
    their senses (see is_trait).
    """
    matcher = nlp.get_pipe("kg_concepts")
    for run in batches(texts):
        # The words a batch brings stay in the vocabulary for good unless read in a memory zone: a worker grew
        # by 70 MB over 7,500 titles without one. What leaves the zone is plain strings.
        with nlp.memory_zone():
            yield from _read_run(run, nlp, matcher, known_labels)


def _read_run(run, nlp, matcher, known_labels):
    from .nlp.components import DATASET_KEY, SPAN_KEY  # spaCy: a build that reads in workers never imports it

    for item, doc in zip(run, nlp.pipe((t.text for t in run), batch_size=len(run))):
        found = []
        datasets = list(doc.spans.get(DATASET_KEY, []))
        for span in doc.spans[SPAN_KEY]:
            kind = matcher.entries[f"{span.label_}\t{span.id_}"][2]
            if kind in REL_BY_KIND and span.id_ != "lay":
                if kind != "trait" or is_trait(span, matcher.data_words, datasets):
                    found.append(Found(kind, URIRef(span.label_), None, span.sent.text.strip()))
        for span in datasets:
            found.append(Found("dataset", iris.dataset(span.label_), span.label_, span.sent.text.strip()))
        chunks = [Chunk(nc.norm, nc.role, nc.head if nc.role == "described" else None, nc.named,
                        nc.chunk.sent.text.strip())
                  for nc in doc._.kg_noun_concepts if normalise(nc.norm) not in known_labels]
        yield item, found, chunks


def is_trait(span, data_words=frozenset(), datasets=()) -> bool:
    """Whether a trait label in a paper or a card's summary means the trait.

    A trait is a quality of a model variant or an image (lightweight, photorealistic); its words lose
    that sense inside a hyphenated word ("large" in "large-scale", "art" in "state-of-the-art"). A word
    that also names a kind of data ("video", "text") says, in a paper, what the data is: the setting
    link has it. A dataset's name ("COCO") is the dataset.
    """
    from .nlp.components import in_compound

    if in_compound(span):
        return False
    if normalise(span.text) in data_words or normalise(span.lemma_) in data_words:
        return False
    return not any(d.start < span.end and span.start < d.end for d in datasets)


def extract(texts: list[Text], nlp, known_labels=frozenset(), progress=None,
            min_sources: int = MIN_CONCEPT_SOURCES) -> list[Link]:
    """Links from each text to the tasks, methods, datasets and concepts it names, deciding
    concepts over these texts alone (a build decides them over the corpus: kg.build.mentions)."""
    links: dict[tuple, Link] = {}
    uses: dict[str, dict] = defaultdict(dict)  # concept -> distinct text -> its topic
    heads: dict[str, str] = {}  # "superior performance" -> "performance"
    names: set[str] = set()  # one-word concepts met at least once written as a name
    pending = []
    for item, found, chunks in read_texts(texts, nlp, known_labels):
        for f in found:
            _add(links, item, f.kind, f.obj, f.sentence, f.label)
        for c in chunks:
            # Sibling cards (the 2x, 3x and 4x of one model) share a summary: one text, one vote.
            # A head cut out of a longer phrase ("closure" of "loop closure") does not vote for itself.
            if c.role != "head":
                # A text under two topics (two cards, one summary) takes the greater, as a build does.
                uses[c.norm][item.text] = max(uses[c.norm].get(item.text) or "", item.topic or "") or None
            if c.head:
                heads[c.norm] = c.head
            if c.named:
                names.add(c.norm)
            pending.append((item, c))
        if progress:
            progress(item)
    spread = {norm for norm, texts_ in uses.items() if is_spread(Counter(t for t in texts_.values() if t))}
    generic = generic_of(spread)
    accepted = {norm for norm, texts_ in uses.items()
                if accepts(norm, len(texts_), norm in names, heads.get(norm), generic, min_sources)}
    for item, c in pending:
        if c.norm in accepted:
            _add(links, item, "concept", concept_iri(c.norm), c.sentence, c.norm)
    return list(links.values())


SPREAD_TOPICS = 4  # a concept met under this many catalogue topics ...
SPREAD_SHARE = 0.5  # ... none of which holds this share of its texts, is spread evenly


def is_spread(topics: Counter) -> bool:
    """Noun chunks that carry no meaning of their own ("approach", "detail", "model") are spread evenly
    over the catalogue's topics; one that stays under one or two ("residual block", "vehicle detection")
    is not, however often it occurs. `topics` counts the distinct texts under each topic; texts
    without a topic (bundles) do not vote."""
    return spread(len(topics), sum(topics.values()), max(topics.values(), default=0))


def spread(n_topics: int, n_texts: int, top: int) -> bool:
    """is_spread from counts: topics, texts with a topic, texts under the commonest topic."""
    return n_topics >= SPREAD_TOPICS and top < SPREAD_SHARE * n_texts


def generic_of(spread: set[str]) -> set[str]:
    """The spread concepts that are generic: one word, or made only of spread words ("performance
    evaluation")."""
    words = {c for c in spread if " " not in c}
    return {c for c in spread if " " not in c or all(w in words for w in c.split())}


def accepts(norm: str, texts: int, named: bool, head: str | None, generic: set[str],
            min_sources: int = MIN_CONCEPT_SOURCES) -> bool:
    """Whether a noun chunk becomes a concept, given how many distinct texts use it."""
    if texts < min_sources or norm in generic:
        return False
    # Adjectives do not make a generic head specific: "extensive experiment", "previous method".
    if head in generic:
        return False
    # One word alone is a concept only as a name ("VLM", "CycleGAN"): blind judges found 6 in 31 other
    # single words specific ("superior", "update", "closure" of "loop closure"), against 57 in 69 phrases.
    return " " in norm or named


class ThesaurusMatches:
    """What a noun-chunk concept is in the thesaurus, as SKOS mapping links.

    A concept whose words are a thesaurus label, singular or plural ("vision transformers"), is
    skos:closeMatch that entry; one that ends with a task or method label ("brain tumor segmentation")
    is skos:broadMatch the longest such label's entry. Close, not exact: a label can name a broader
    entry ("masked autoencoders" is filed under self-supervised learning). Traits are left out: their
    labels are single everyday words more often than not.
    """

    KINDS = ("task", "method", "setting", "area")

    def __init__(self, thesaurus):
        self.by_label: dict[str, set[str]] = defaultdict(set)
        self.kind = {c.iri: c.kind for c in thesaurus.concepts.values()}
        for c in thesaurus.concepts.values():
            if c.kind in self.KINDS:
                for label in (c.pref_label, *c.alt_labels, *c.notations):
                    if label and normalise(label):
                        self.by_label[normalise(label)].add(c.iri)

    def _named(self, words: list[str]) -> set[str]:
        return self.by_label.get(" ".join(words)) or self.by_label.get(" ".join(words[:-1] + [_singular(words[-1])]),
                                                                          set())

    def __call__(self, norm: str) -> list[tuple[URIRef, URIRef]]:
        words = normalise(norm).split()
        if not words:
            return []
        close = self._named(words)
        if close:
            return [(SKOS.closeMatch, URIRef(i)) for i in sorted(close)]
        for start in range(1, len(words)):
            broad = {i for i in self._named(words[start:]) if self.kind[i] in ("task", "method")}
            if broad:
                return [(SKOS.broadMatch, URIRef(i)) for i in sorted(broad)]
        return []


def _singular(word: str) -> str:
    if word.endswith("ies") and len(word) > 4:
        return word[:-3] + "y"
    if word.endswith("s") and not word.endswith(("ss", "us", "is")) and len(word) > 3:
        return word[:-1]
    return word


def concept_iri(norm: str) -> URIRef:
    return ID[f"concept/{iris._segment(norm)}"]


def _add(links, item: Text, kind: str, obj: URIRef, sentence: str, label: str | None = None) -> None:
    link = links.setdefault((item.subject, kind, obj), Link(item.subject, kind, obj, label=label))
    link.evidence.setdefault(item.source, sentence)


def write(sink, links, pipeline: str, matches=None) -> int:
    """Direct links plus one reified statement each, carrying support and evidence; with `matches`
    (a ThesaurusMatches), each concept's links to the thesaurus too."""
    g = sink
    g.add((GRAPH, RDF.type, PROV.Entity))
    for name in sorted(set(EXTRACTORS.values())):
        ex = ID[f"extractor/{name}"]
        g.add((ex, RDF.type, KG.Extractor))
        g.add((ex, SCHEMA.name, Literal(name)))
        g.add((ex, SCHEMA.softwareVersion, Literal(f"kg-{__version__}; {pipeline}")))
    n = 0
    for link in links:
        n += 1
        rel = REL_BY_KIND[link.kind]
        g.add((link.subject, rel, link.obj))
        if link.kind == "concept":
            g.add((link.obj, RDF.type, KG.Concept))
            g.add((link.obj, RDFS.label, Literal(link.label)))
            for prop, entry in matches(link.label) if matches else ():
                g.add((link.obj, prop, entry))
        elif link.kind == "dataset":
            g.add((link.obj, RDF.type, KG.Dataset))
            g.add((link.obj, RDFS.label, Literal(link.label)))
        stmt = ID[f"link/{_digest(link.subject, rel, link.obj)}"]
        g.add((stmt, RDF.type, KG.ExtractedLink))
        g.add((stmt, RDF.subject, link.subject))
        g.add((stmt, RDF.predicate, rel))
        g.add((stmt, RDF.object, link.obj))
        g.add((stmt, KG.support, Literal(len(link.evidence), datatype=XSD.integer)))
        g.add((stmt, PROV.wasGeneratedBy, ID[f"extractor/{EXTRACTORS[link.kind]}"]))
        for i, (source, sentence) in enumerate(sorted(link.evidence.items()), start=1):
            ev = ID[f"link/{_digest(link.subject, rel, link.obj)}/{i}"]
            g.add((stmt, KG.evidence, ev))
            g.add((ev, PROV.wasDerivedFrom, source))
            g.add((ev, KG.sentence, Literal(sentence)))
    return n


def _digest(*terms) -> str:
    return hashlib.sha256("\x1f".join(str(t) for t in terms).encode()).hexdigest()[:20]
