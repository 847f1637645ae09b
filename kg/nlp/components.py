"""spaCy components kg adds to the pipeline; each takes and returns a Doc."""

from typing import NamedTuple

from spacy.language import Language
from spacy.matcher import PhraseMatcher
from spacy.tokens import Doc, Span
from spacy.util import filter_spans

from ..attributes import scale_in_text
from ..datasets import is_generic
from ..thesaurus import normalise

Doc.set_extension("kg_scale", default=None, force=True)
Doc.set_extension("kg_scale_words", default=None, force=True)

SPAN_KEY = "kg_concepts"
LABEL_KINDS = ("notation", "pref", "alt", "lay")


@Language.factory("kg_concepts")
def make_concept_matcher(nlp: Language, name: str):
    return ConceptMatcher(nlp, name)


class ConceptMatcher:
    """Marks every thesaurus label in the text as a span labelled with its concept.

    Labels match on lower-cased words and, with a trained pipeline, on lemmas too.
    A match inside a longer match of another concept is dropped, so
    "separate into different colors" outvotes "colors"; of overlapping matches
    of one concept ("is compressed", "compressed and") only the longest stays.
    """

    def __init__(self, nlp: Language, name: str):
        self.name = name
        # A label's words -> its keys, lower-cased and lemmatised. spaCy's PhraseMatcher would want a Doc for
        # each of 4,000 labels, and making them was a tenth of a second of every start; word tuples load
        # from the cache as they are, and a question or title is short enough to look up at every word.
        self.lower: dict[tuple[str, ...], list[str]] = {}
        self.lemma: dict[tuple[str, ...], list[str]] = {}
        self.lengths: dict[tuple[bool, str], set[int]] = {}  # (lemma?, first word) -> lengths of labels
        self.use_lemmas = False
        self.entries: dict[str, tuple[str, str, str]] = {}
        self.modal_keys: frozenset[str] = frozenset()
        self.data_words: frozenset[str] = frozenset()  # normalised labels of modalities and settings

    def add_concepts(self, thesaurus, nlp: Language, lemmas: bool) -> None:
        from .cache import label_words

        self.use_lemmas = lemmas
        by_key: dict[str, list[str]] = {}
        for concept in thesaurus.concepts.values():
            groups = (("notation", concept.notations), ("pref", [concept.pref_label]),
                      ("alt", concept.alt_labels), ("lay", concept.lay_labels))
            for kind, labels in groups:
                for label in labels:
                    if label and label.strip():
                        key = f"{concept.iri}\t{kind}"
                        self.entries[key] = (concept.iri, kind, concept.kind)
                        by_key.setdefault(key, []).append(label.strip())
        self.modal_keys = frozenset(
            k for k, (_, _, concept_kind) in self.entries.items() if concept_kind in ("modality", "setting"))
        self.data_words = frozenset(normalise(label) for key, labels in by_key.items() if key in self.modal_keys
                                    for label in labels)
        pairs = [(key, label) for key, labels in sorted(by_key.items()) for label in labels]
        for (key, _), (lower, lemma) in zip(pairs, label_words(nlp, [label for _, label in pairs], lemmas)):
            self._add(False, lower, key)
            if lemmas:
                self._add(True, lemma, key)

    def _add(self, lemma: bool, words: list[str], key: str) -> None:
        if not words:
            return
        table = self.lemma if lemma else self.lower
        keys = table.setdefault(tuple(words), [])
        if key not in keys:
            keys.append(key)
        self.lengths.setdefault((lemma, words[0]), set()).add(len(words))

    def _matches(self, doc: Doc):
        """(key, start, end) for every label in the text, as PhraseMatcher gives them."""
        seqs = [(False, self.lower, [t.lower_ for t in doc])]
        if self.use_lemmas:
            seqs.append((True, self.lemma, [t.lemma_ for t in doc]))
        for lemma, table, seq in seqs:
            for i, word in enumerate(seq):
                for n in self.lengths.get((lemma, word), ()):
                    if i + n > len(seq):
                        continue  # a shorter slice at the text's end must not pass for a shorter label
                    for key in table.get(tuple(seq[i:i + n]), ()):
                        yield key, i, i + n

    def __call__(self, doc: Doc) -> Doc:
        found = {}
        for key, start, end in self._matches(doc):
            iri, kind, _ = self.entries[key]
            prev = found.get((iri, start, end))
            if prev is None or LABEL_KINDS.index(kind) < LABEL_KINDS.index(prev):
                found[(iri, start, end)] = kind
        spans = [Span(doc, s, e, label=iri, span_id=kind) for (iri, s, e), kind in found.items()]
        # Modalities and settings describe the data, not the request, so they neither hide nor are hidden
        # by other phrases ("video" stays a setting inside "video super-resolution").
        modal = [s for s in spans if f"{s.label_}\t{s.id_}" in self.modal_keys]
        rest = [s for s in spans if f"{s.label_}\t{s.id_}" not in self.modal_keys]
        doc.spans[SPAN_KEY] = sorted(_drop_nested(rest) + modal, key=lambda s: (s.start, s.end, s.label_))
        return doc


def _drop_nested(spans: list[Span]) -> list[Span]:
    def hidden(span):
        return any(_hides(o, span) for o in spans if o is not span)

    return [s for s in spans if not hidden(s)]


def _hides(o: Span, span: Span) -> bool:
    """A longer phrase hides what lies inside it; overlapping phrases of one concept count once."""
    if o.label_ != span.label_:
        return o.start <= span.start and span.end <= o.end and len(o) > len(span)
    overlap = o.start < span.end and span.start < o.end
    return overlap and (len(o), -o.start) > (len(span), -span.start)


@Language.component("kg_attributes")
def read_attributes(doc: Doc) -> Doc:
    """Reads the scale factor a question asks for ("2x", "twice", "7.5 times")."""
    doc._.kg_scale, doc._.kg_scale_words = scale_in_text(doc.text)
    return doc


Doc.set_extension("kg_noun_concepts", default=[], force=True)
DATASET_KEY = "kg_datasets"
_DETERMINERS = {"DET", "PRON", "PUNCT", "NUM", "SYM", "CCONJ", "ADP", "PART"}


@Language.factory("kg_datasets")
def make_dataset_recogniser(nlp: Language, name: str):
    return DatasetRecogniser(nlp, name)


_DATASET_HEADS = ["dataset", "datasets", "benchmark", "benchmarks", "corpus"]


class DatasetRecogniser:
    """Marks dataset names: the ones catalogues list, and "<Name> dataset/benchmark" patterns.

    Each span's label is the dataset's canonical name (kg.datasets), whichever spelling the text uses.
    A name is a whole word: "COCO" in "COCO-Stuff" names another dataset. Names written with capitals
    inside ("COCO", "nuScenes") match in that case only, so "Glue" is not GLUE; a word for any dataset
    ("Benchmark") is never a name. In the pattern, a word the thesaurus knows as a task, method or data
    setting says what the data is about ("a LiDAR dataset"), not what it is called.
    """

    def __init__(self, nlp: Language, name: str):
        from spacy.matcher import Matcher

        self.name = name
        self.lower = PhraseMatcher(nlp.vocab, attr="LOWER")
        self.exact = PhraseMatcher(nlp.vocab, attr="ORTH")
        self.pattern = Matcher(nlp.vocab)
        self.pattern.add("NAMED_DATASET", [[
            {"TEXT": {"REGEX": r"^[A-Z][A-Za-z0-9-]*[A-Z0-9][A-Za-z0-9-]*$"}},
            {"LOWER": {"IN": _DATASET_HEADS}},
        ]])
        self.not_names: frozenset[str] = frozenset()

    def add_names(self, spellings: dict[str, str], nlp: Language, not_names=frozenset()) -> None:
        """`spellings`: each spelling to look for -> the dataset's canonical name (kg.datasets.DatasetNames)."""
        self.not_names = frozenset(not_names)
        for spelling, canonical in sorted(spellings.items()):
            if len(spelling) >= 3 and not is_generic(spelling):
                cased = any(c.isupper() for c in spelling[1:])
                (self.exact if cased else self.lower).add(canonical, [nlp.make_doc(spelling)])

    def __call__(self, doc: Doc) -> Doc:
        spans = [Span(doc, s, e, label=doc.vocab.strings[k]) for m in (self.exact, self.lower) for k, s, e in m(doc)]
        for _, s, e in self.pattern(doc):
            text = doc[s].text
            if len(text) >= 3 and not is_generic(text) and normalise(text) not in self.not_names:
                spans.append(Span(doc, s, s + 1, label=text))
        doc.spans[DATASET_KEY] = [s for s in filter_spans(spans) if not in_compound(s)]
        return doc


HYPHENS = frozenset("-\u2010\u2011\u2013")


def in_compound(span: Span) -> bool:
    """Whether the span is only part of a hyphenated word: "large" in "large-scale", "art" in
    "state-of-the-art", "COCO" in "COCO-Stuff"."""
    doc, start, end = span.doc, span.start, span.end
    left = (start >= 2 and doc[start - 1].text in HYPHENS and not doc[start - 2].whitespace_
            and not doc[start - 1].whitespace_)
    right = (end + 1 < len(doc) and doc[end].text in HYPHENS and not doc[end - 1].whitespace_
             and not doc[end].whitespace_)
    return left or right


@Language.component("kg_noun_concepts")
def noun_concepts(doc: Doc) -> Doc:
    """Noun chunks as normalised concepts ("the feature maps" -> "feature map"); needs a parser."""
    if not doc.has_annotation("DEP"):
        return doc
    found = []
    for chunk in doc.noun_chunks:
        words = [t for t in chunk if t.pos_ not in _DETERMINERS and not t.is_stop and t.is_alpha]
        if not words or len(words) > 4 or not any(t.pos_ in ("NOUN", "PROPN") for t in words):
            continue
        norm = " ".join(t.lemma_.lower() for t in words)
        head = chunk.root
        if len(norm) >= 3:
            # "superior performance": only adjectives before the head, so the head decides its worth.
            described = all(t.pos_ == "ADJ" for t in words if t.i != head.i) and len(words) > 1
            found.append(NounConcept(norm, chunk, "described" if described else "chunk", head.lemma_.lower(),
                                     len(words) == 1 and _named(words[0])))
        # The head noun alone ("SwinIR" in "SwinIR backbone") links a text to a concept it names inside a longer
        # phrase; it never makes a concept by itself (kg.extract counts only whole phrases).
        if head.pos_ == "NOUN" and head.is_alpha and not head.is_stop and head.lemma_.lower() != norm:
            found.append(NounConcept(head.lemma_.lower(), chunk, "head", head.lemma_.lower(), _named(head)))
    doc._.kg_noun_concepts = found
    return doc


class NounConcept(NamedTuple):
    norm: str
    chunk: Span
    role: str  # "chunk": the phrase itself; "described": adjectives + head; "head": the head noun of a longer one
    head: str
    named: bool  # one word written as a name is ("VLM", "CycleGAN"), not as a word ("superior", "Things")


def _named(token) -> bool:
    text = token.text
    if text.isupper():
        # An acronym ("VLM", "MCTS"), unless the whole sentence shouts ("GOAL: A GENERALIST ...").
        return len(text) <= 6 and any(c.islower() for c in token.sent.text)
    return not (text.islower() or text.istitle())
