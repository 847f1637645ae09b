"""The SKOS thesaurus of tasks, methods, traits and areas, as kg reads it.

The same SPARQL query feeds it from an rdflib graph (while building) or from
the store (while answering), so both see one thesaurus.
"""

import re
from collections import defaultdict
from dataclasses import dataclass, field

from .namespaces import KG, sparql_prologue

KINDS = {str(KG.Task): "task", str(KG.Method): "method", str(KG.Trait): "trait", str(KG.Area): "area",
         str(KG.Modality): "modality", str(KG.Setting): "setting"}

CONCEPT_QUERY = sparql_prologue() + """
SELECT ?c ?type ?p ?v WHERE {
  ?c a ?type .
  VALUES ?type { kg:Task kg:Method kg:Trait kg:Area kg:Modality kg:Setting }
  OPTIONAL {
    ?c ?p ?v .
    VALUES ?p { skos:prefLabel skos:altLabel kg:layLabel skos:notation skos:definition
                skos:broader kg:preStep kg:inputModality kg:outputModality kg:settingModality }
  }
}
"""


def normalise(label: str) -> str:
    """Labels compare by letters and digits only: "Object Detection" == "object-detection"."""
    return re.sub(r"[^0-9a-z]+", " ", label.casefold()).strip()


@dataclass
class Concept:
    iri: str
    kind: str
    pref_label: str = ""
    definition: str = ""
    alt_labels: list[str] = field(default_factory=list)
    lay_labels: list[str] = field(default_factory=list)
    notations: list[str] = field(default_factory=list)
    broader: list[str] = field(default_factory=list)
    pre_steps: list[str] = field(default_factory=list)
    inputs: list[str] = field(default_factory=list)
    outputs: list[str] = field(default_factory=list)

    @property
    def label(self) -> str:
        return self.pref_label or (self.notations[0] if self.notations else self.iri.rsplit("/", 1)[-1])

    def technical_labels(self) -> list[str]:
        return [self.pref_label, *self.alt_labels, *self.notations]


class Thesaurus:
    def __init__(self, concepts: dict[str, Concept]):
        self.concepts = concepts
        self.memo: dict[str, dict] = {}  # facts derived from the thesaurus by answers (kg.answer.citations), kept
        self._ancestors: dict[str, list[str]] = {}
        self._by_notation: dict[str, str] = {}
        self._by_label: dict[str, set[str]] = defaultdict(set)
        for c in concepts.values():
            for n in c.notations:
                self._by_notation[n] = c.iri
                self._by_label[normalise(n)].add(c.iri)
            for lab in (c.pref_label, *c.alt_labels):
                if lab:
                    self._by_label[normalise(lab)].add(c.iri)

    @classmethod
    def from_rows(cls, rows) -> "Thesaurus":
        """Rows of (concept, type, property, value) strings, as CONCEPT_QUERY returns them."""
        concepts: dict[str, Concept] = {}
        props = {
            "prefLabel": "pref_label", "definition": "definition", "altLabel": "alt_labels",
            "layLabel": "lay_labels", "notation": "notations", "broader": "broader",
            "preStep": "pre_steps", "inputModality": "inputs", "outputModality": "outputs",
            "settingModality": "inputs",  # a setting's data: what a question's modality words bring in
        }
        for c, typ, p, v in rows:
            concept = concepts.setdefault(c, Concept(iri=c, kind=KINDS[typ]))
            if p is None or v is None:
                continue
            attr = props[re.split(r"[#/]", p)[-1]]
            current = getattr(concept, attr)
            if isinstance(current, list):
                if v not in current:
                    current.append(v)
            elif not current:
                setattr(concept, attr, v)
        for concept in concepts.values():
            for attr in ("alt_labels", "lay_labels", "notations", "broader", "pre_steps", "inputs", "outputs"):
                getattr(concept, attr).sort()
        return cls(concepts)

    @classmethod
    def from_graph(cls, graph) -> "Thesaurus":
        """From an rdflib graph. The query runs in Oxigraph: rdflib's own engine took 2 s over the thesaurus."""
        import pyoxigraph as ox

        from .store.base import Terms

        terms, db = Terms(), ox.Store()
        db.bulk_extend(ox.Quad(terms(s), terms(p), terms(o)) for s, p, o in graph)
        return cls.from_oxigraph(db)

    @classmethod
    def from_oxigraph(cls, db) -> "Thesaurus":
        """From an Oxigraph store (a build's new database): the union of its graphs."""
        return cls.from_rows(tuple(None if r[k] is None else r[k].value for k in ("c", "type", "p", "v"))
                             for r in db.query(CONCEPT_QUERY, use_default_graph_as_union=True))

    def lookup(self, label: str, kind: str | None = None) -> str | None:
        """The concept a catalogue label means: by exact notation, then by normalised label."""
        iri = self._by_notation.get(label.strip())
        if iri and (kind is None or self.concepts[iri].kind == kind):
            return iri
        matches = sorted(
            i for i in self._by_label.get(normalise(label), ()) if kind is None or self.concepts[i].kind == kind
        )
        return matches[0] if len(matches) == 1 else None

    def normalised_labels(self) -> frozenset[str]:
        return frozenset(self._by_label)

    def of_kind(self, kind: str) -> list[Concept]:
        return sorted((c for c in self.concepts.values() if c.kind == kind), key=lambda c: c.iri)

    def ancestors(self, iri: str) -> list[str]:
        # Ranking asks this inside loops over matches and tasks; the hierarchy never changes.
        if iri not in self._ancestors:
            seen, stack = [], list(self.concepts[iri].broader) if iri in self.concepts else []
            while stack:
                b = stack.pop()
                if b not in seen and b in self.concepts:
                    seen.append(b)
                    stack.extend(self.concepts[b].broader)
            self._ancestors[iri] = seen
        return self._ancestors[iri]

    def targets(self, concept: str, candidates: set[str]) -> list[tuple[str, float]]:
        """The candidate tasks a concept speaks for, with the share of its weight each gets."""
        if concept in candidates:
            return [(concept, 1.0)]
        # A narrower concept counts fully for its nearest ancestor among the candidates.
        for anc in self.ancestors(concept):
            if anc in candidates:
                return [(anc, 1.0)]
        # A broader concept counts, halved, for each of its narrower candidates.
        return [(t, 0.5) for t in sorted(candidates) if concept in self.ancestors(t)]

    def wording(self, concept: str) -> str:
        """Everything the thesaurus says a concept is called or is."""
        c = self.concepts[concept]
        return " ".join([c.pref_label, *c.alt_labels, *c.lay_labels, c.definition])

    def related(self, a: str, b: str) -> bool:
        """Same concept, or one is broader than the other."""
        return a == b or a in self.ancestors(b) or b in self.ancestors(a)
