"""Query stage: what answering needs from the store, read once per process.

Models, their attributes and the thesaurus are small (hundreds of nodes), so
they are read into a networkx graph that answers traverse; the large paper
collection stays in the store and is queried per task, with the task bound.
"""

from collections import Counter, defaultdict
from dataclasses import dataclass, field

import networkx as nx

from .lexical import Bm25, words
from .namespaces import sparql_prologue
from .store import Iri, Reader
from .thesaurus import CONCEPT_QUERY, Thesaurus, normalise

_P = sparql_prologue()

MODELS = _P + """
SELECT ?m ?name ?label ?task ?scale ?arb ?summary ?code WHERE {
  ?m a kg:Model ; schema:name ?name .
  OPTIONAL { ?m kg:catalogLabel ?label }
  OPTIONAL { ?m kg:addressesTask ?task }
  OPTIONAL { ?m kg:scaleFactor ?scale }
  OPTIONAL { ?m kg:arbitraryScale ?arb }
  OPTIONAL { ?m dcterms:description ?summary }
  OPTIONAL { ?m kg:modalityCode ?code }
}"""

MODEL_LINKS = _P + """
SELECT ?m ?p ?o ?olabel WHERE {
  ?m a kg:Model ; ?p ?o .
  FILTER (?p IN (kg:hasTrait, kg:mentions, kg:trainedOn, kg:describedBy, kg:hasCode, kg:hasHubPage,
                 kg:inputModality, kg:outputModality))
  OPTIONAL { ?o rdfs:label ?olabel }
}"""
# A FILTER, not VALUES: with VALUES Oxigraph starts from each property, which papers use too (1.5 s at 250k
# papers); this way it starts from the models (0.05 s). TASK_MODEL_MENTIONS likewise (9 s -> 0.4 s).

PAPERS_OF_MODELS = _P + """
SELECT DISTINCT ?p ?title ?url ?arxiv WHERE {
  ?m kg:describedBy ?p .
  OPTIONAL { ?p dcterms:title ?title }
  OPTIONAL { ?p schema:url ?url }
  OPTIONAL { ?p fabio:hasArXivId ?arxiv }
}"""

PAPERS_FOR_TASK = _P + """
SELECT ?task ?p ?title ?url ?arxiv ?code ?abstract WHERE {
  ?p a kg:Paper ; kg:addressesTask ?task ; dcterms:title ?title .
  OPTIONAL { ?p schema:url ?url }
  OPTIONAL { ?p fabio:hasArXivId ?arxiv }
  OPTIONAL { ?p kg:hasCode ?code }
  OPTIONAL { ?p dcterms:abstract ?abstract }
}"""

PAPERS_MENTIONING = _P + """
SELECT ?task ?p ?title ?sentence (SAMPLE(?url_) AS ?url) (SAMPLE(?arxiv_) AS ?arxiv) (SAMPLE(?code_) AS ?code)
       (SAMPLE(?abstract_) AS ?abstract) (GROUP_CONCAT(DISTINCT STR(?setting); separator=" ") AS ?settings)
       (GROUP_CONCAT(DISTINCT STR(?filed); separator=" ") AS ?filed_)
       (GROUP_CONCAT(DISTINCT STR(?area); separator=" ") AS ?areas)
       (GROUP_CONCAT(DISTINCT STR(?other); separator=" ") AS ?others) WHERE {
  ?p kg:mentionsTask ?task .
  ?l rdf:object ?task ; rdf:subject ?p ; rdf:predicate kg:mentionsTask .
  ?p a kg:Paper ; dcterms:title ?title .
  ?l kg:evidence/kg:sentence ?sentence .
  OPTIONAL { ?p schema:url ?url_ }
  OPTIONAL { ?p fabio:hasArXivId ?arxiv_ }
  OPTIONAL { ?p kg:hasCode ?code_ }
  OPTIONAL { ?p dcterms:abstract ?abstract_ }
  OPTIONAL { ?p kg:mentionsSetting ?setting }
  OPTIONAL { ?p kg:addressesTask ?filed }
  OPTIONAL { ?p kg:inArea ?area }
  OPTIONAL { ?p kg:mentionsTask ?other }
} GROUP BY ?task ?p ?title ?sentence"""
# One row per paper and sentence: its settings, tasks and areas come joined by spaces (IRIs hold none), where
# one row per combination made this query 20 times as many rows, and their conversion most of its time.

TASK_MODEL_MENTIONS = _P + """
SELECT ?task ?m ?c ?label ?sentence WHERE {
  ?m a kg:Model ; kg:addressesTask ?task ; ?rel ?c .
  FILTER (?rel IN (kg:mentionsConcept, kg:mentionsMethod))
  ?l rdf:subject ?m ; rdf:predicate ?rel ; rdf:object ?c ; kg:evidence/kg:sentence ?sentence .
  OPTIONAL { ?c rdfs:label ?label }
  OPTIONAL { ?c skos:prefLabel ?label }
}"""

CONCEPT_SPREAD = _P + """
SELECT ?c (COUNT(DISTINCT ?s) AS ?n) WHERE { ?s kg:mentionsConcept|kg:mentionsMethod ?c } GROUP BY ?c"""

CONCEPTS_WITH_TASK = _P + """
SELECT ?task ?c ?p WHERE { ?p a kg:Paper ; kg:mentionsTask ?task ; kg:mentionsConcept|kg:mentionsMethod ?c . }"""

CONCEPT_PAPERS = _P + """
SELECT ?c (COUNT(DISTINCT ?p) AS ?n) WHERE { ?p a kg:Paper ; kg:mentionsConcept|kg:mentionsMethod ?c } GROUP BY ?c"""

CAVEATS = _P + """
SELECT ?task ?c ?label ?text ?trigger WHERE {
  ?task kg:caveat ?c . ?c skos:prefLabel ?label ; skos:definition ?text .
  OPTIONAL { ?c kg:triggeredBy ?trigger }
}"""


# What every answer reads at start (Index.__init__) and what its first question reads, each -> the variable a
# question binds it by. A build stores their rows with the generation (kg.store.snapshot). All but
# CONCEPT_SPREAD read the models and the thesaurus only, so storing them costs about the same at any corpus size.
SNAPSHOT = {CONCEPT_QUERY: None, MODELS: None, PAPERS_OF_MODELS: None, MODEL_LINKS: None, CAVEATS: None,
            TASK_MODEL_MENTIONS: "task", CONCEPT_SPREAD: None}


@dataclass
class Caveat:
    iri: str
    label: str
    text: str
    triggers: list[str] = field(default_factory=list)  # none: it holds for every question about the task


def is_title(sentence: str | None, title: str | None) -> bool:
    """Whether an evidence sentence only repeats the title it was read from."""
    return bool(sentence and title) and normalise(sentence) == normalise(title)


def _host(url: str | None) -> str | None:
    from urllib.parse import urlsplit

    return urlsplit(url).hostname if url else None


def label_key(label: str | None) -> str:
    """Catalogue labels compare case- and space-insensitively; a card with no label is an LLM (as the scorer reads it)."""
    return (label or "").strip().lower() or "llm reasoning"


REL = {"hasTrait": "has trait", "mentions": "mentions", "trainedOn": "trained on", "describedBy": "described by",
       "hasCode": "has code", "hasHubPage": "has hub page"}


@dataclass
class ModelInfo:
    iri: str
    name: str
    label: str | None = None
    labels: list[str] = field(default_factory=list)
    tasks: list[str] = field(default_factory=list)
    scale: float | None = None
    arbitrary: bool = False
    summary: str = ""
    modality_code: str | None = None
    traits: set[str] = field(default_factory=set)
    mentions: set[str] = field(default_factory=set)
    datasets: list[str] = field(default_factory=list)
    papers: list[str] = field(default_factory=list)
    github: str | None = None
    huggingface: str | None = None
    inputs: set[str] = field(default_factory=set)
    outputs: set[str] = field(default_factory=set)


@dataclass
class PaperInfo:
    iri: str
    title: str | None = None
    url: str | None = None
    arxiv: str | None = None
    github: str | None = None
    abstract: str | None = None
    # Read only for papers that name a task (Index.papers_mentioning), for kg.answer.citations:
    settings: set[str] = field(default_factory=set)  # the kg:Setting concepts its text names
    tasks: set[str] = field(default_factory=set)  # the tasks the arXiv listing files it under
    areas: set[str] = field(default_factory=set)  # ... the research areas
    named: set[str] = field(default_factory=set)  # the tasks its text names
    behind: list[str] = field(default_factory=list)  # the models it describes, by name
    about: str | None = None  # the task of the first of them

    @property
    def display(self) -> str:
        """A name a person can read: the title, else one built from what the graph knows, such as
        "the paper behind SISR-CARN-2x and 5 other models (single-image super-resolution, arXiv 1803.08664)"."""
        return self.display_for()

    def display_for(self, model: str | None = None, task: str | None = None) -> str:
        """The display name, led by the model (and its task) an answer reached the paper through."""
        if self.title:
            return self.title
        where = f"arXiv {self.arxiv}" if self.arxiv else _host(self.url)
        if self.behind:
            first = model if model in self.behind else self.behind[0]
            others = len(self.behind) - 1
            who = first + (f" and {others} other model{'s' * (others > 1)}" if others else "")
            detail = ", ".join(x for x in ((task if first == model and task else self.about), where) if x)
            return f"the paper behind {who}" + (f" ({detail})" if detail else "")
        return f"a paper on {where}" if where else "an untitled paper"

    @property
    def link(self) -> str | None:
        if self.arxiv:
            return f"https://arxiv.org/abs/{self.arxiv}"
        return self.url


class Index:
    def __init__(self, reader: Reader):
        self.reader = reader
        rows = reader.select(CONCEPT_QUERY)
        self.thesaurus = Thesaurus.from_rows((r["c"], r["type"], r["p"], r["v"]) for r in rows)
        self.models: dict[str, ModelInfo] = {}
        for r in reader.select(MODELS):
            m = self.models.setdefault(r["m"], ModelInfo(iri=r["m"], name=r["name"]))
            if r["label"] and r["label"] not in m.labels:
                m.labels.append(r["label"])
            if r["task"] and r["task"] not in m.tasks:
                m.tasks.append(r["task"])
            m.scale = m.scale or r["scale"]
            m.arbitrary = m.arbitrary or bool(r["arb"])
            m.summary = m.summary or r["summary"] or ""
            m.modality_code = m.modality_code or r["code"]
        for m in self.models.values():
            # One card merged from two catalogues has two labels: the one naming the model's task comes first.
            m.labels.sort(key=lambda lab: (self.thesaurus.lookup(lab, "task") not in m.tasks, lab))
            m.label = m.labels[0] if m.labels else None
        self.papers: dict[str, PaperInfo] = {}
        for r in reader.select(PAPERS_OF_MODELS):
            p = self.papers.setdefault(r["p"], PaperInfo(iri=r["p"]))
            p.title, p.url, p.arxiv = p.title or r["title"], p.url or r["url"], p.arxiv or r["arxiv"]
        self.graph = nx.MultiDiGraph()
        self.labels: dict[str, str] = {}
        for r in reader.select(MODEL_LINKS):
            self._link(r)
        self.task_models: dict[str, list[str]] = defaultdict(list)
        for m in sorted(self.models.values(), key=lambda m: m.name):
            for p in m.papers:
                if p in self.papers:
                    paper = self.papers[p]
                    paper.behind.append(m.name)
                    if paper.about is None and m.tasks and m.tasks[0] in self.thesaurus.concepts:
                        paper.about = self.thesaurus.concepts[m.tasks[0]].label
            for t in m.tasks:
                self.task_models[t].append(m.iri)
                self.graph.add_edge(t, m.iri, rel="addressed by")
        for c in self.thesaurus.concepts.values():
            for b in c.broader:
                self.graph.add_edge(b, c.iri, rel="narrower")
        self.caveats: dict[str, dict[str, Caveat]] = defaultdict(dict)  # task -> caveat IRI -> caveat
        for r in reader.select(CAVEATS):
            c = self.caveats[r["task"]].setdefault(r["c"], Caveat(r["c"], r["label"], r["text"]))
            if r["trigger"] and r["trigger"] not in c.triggers:
                c.triggers.append(r["trigger"])
        for by_iri in self.caveats.values():
            for c in by_iri.values():
                c.triggers.sort()  # so the word an answer cites does not depend on the store's order
        self._paper_cache: dict[str, list[PaperInfo]] = {}
        self._model_mention_cache: dict[str, dict[str, list]] = {}
        self._concept_papers: dict[str, int] | None = None
        self._mention_cache: dict[str, list[tuple[PaperInfo, str]]] = {}
        self.lexical = Bm25({
            m.iri: words(" ".join([m.name.replace("-", " "), m.summary, *m.datasets])) for m in self.models.values()
        })
        self.task_words = Bm25(self._task_wording())
        # catalogue label -> the tasks its cards are filed under, for what the trained reader predicts
        self.label_tasks: dict[str, set[str]] = defaultdict(set)
        for m in self.models.values():
            self.label_tasks[label_key(m.label)].update(m.tasks)
        # trait -> how many cards of each task carry it; ranking reads it for every trait a question names
        self.trait_tasks: dict[str, Counter] = defaultdict(Counter)
        for t, ms in self.task_models.items():
            for m in ms:
                for trait in self.models[m].traits:
                    self.trait_tasks[trait][t] += 1

    def _task_wording(self) -> dict[str, list[str]]:
        """Each task with models, as the words of every thesaurus task that counts fully for it."""
        th, candidates = self.thesaurus, set(self.task_models)
        docs: dict[str, list[str]] = {t: [] for t in candidates}
        for c in th.of_kind("task"):
            for t, share in th.targets(c.iri, candidates):
                if share == 1.0:
                    docs[t].extend(words(th.wording(c.iri)))
        return docs

    def _link(self, r) -> None:
        m = self.models.get(r["m"])
        if m is None:
            return
        p, o = r["p"].rsplit("#", 1)[-1], r["o"]
        if r["olabel"]:
            self.labels[o] = r["olabel"]
        if p == "hasTrait":
            m.traits.add(o)
        elif p == "mentions":
            m.mentions.add(o)
        elif p == "trainedOn":
            m.datasets.append(r["olabel"] or o)
        elif p == "describedBy":
            m.papers.append(o)
        elif p == "hasCode":
            m.github = m.github or o
        elif p == "hasHubPage":
            m.huggingface = m.huggingface or o
        elif p == "inputModality":
            m.inputs.add(o)
        elif p == "outputModality":
            m.outputs.add(o)
        if p in REL:
            self.graph.add_edge(m.iri, o, rel=REL[p])

    def datasets(self) -> set[str]:
        return {d for m in self.models.values() for d in m.datasets}

    def iri_of(self, name: str) -> str:
        from . import iris

        return str(iris.model(name))

    def kind(self, iri: str) -> str | None:
        """What the graph says a node is: model, paper, or a thesaurus kind (task, method, ...)."""
        if iri in self.models:
            return "model"
        if iri in self.papers:
            return "paper"
        concept = self.thesaurus.concepts.get(iri)
        return concept.kind if concept is not None else None

    def model_links(self, iri: str) -> dict[str, str | None]:
        """A model's paper (its first), code and Hugging Face page."""
        m = self.models[iri]
        paper = self.papers.get(m.papers[0]) if m.papers else None
        return {"paper": paper.link if paper else None, "github": m.github, "huggingface": m.huggingface}

    def label(self, iri: str) -> str:
        if iri in self.thesaurus.concepts:
            return self.thesaurus.concepts[iri].label
        if iri in self.models:
            return self.models[iri].name
        if iri in self.papers:
            p = self.papers[iri]
            return p.display
        return self.labels.get(iri) or iri.rsplit("/", 1)[-1].rsplit("#", 1)[-1]

    def papers_mentioning(self, task: str) -> list[tuple[PaperInfo, str]]:
        """Papers whose text names the task, each with the sentence that does."""
        if task not in self._mention_cache:
            found: dict[str, tuple[PaperInfo, str]] = {}
            for r in self.reader.select(PAPERS_MENTIONING, task=Iri(task)):
                if r["p"] not in found:
                    info = PaperInfo(iri=r["p"], title=r["title"], url=r["url"], arxiv=r["arxiv"], github=r["code"],
                                     abstract=r["abstract"])
                    found[r["p"]] = (info, r["sentence"])
                elif is_title(found[r["p"]][1], r["title"]) and not is_title(r["sentence"], r["title"]):
                    found[r["p"]] = (found[r["p"]][0], r["sentence"])  # a sentence of the abstract says more
                info = found[r["p"]][0]
                for key, into in (("settings", info.settings), ("filed_", info.tasks), ("areas", info.areas),
                                  ("others", info.named)):
                    into.update((r[key] or "").split())
            self._mention_cache[task] = sorted(found.values(), key=lambda pe: pe[0].iri)
        return self._mention_cache[task]

    def task_model_mentions(self, task: str) -> dict[str, list[tuple[str, str, str]]]:
        """Concepts and methods the task's models mention: concept -> [(model, label, sentence)]."""
        if task not in self._model_mention_cache:
            out: dict[str, list] = defaultdict(list)
            for r in self.reader.select(TASK_MODEL_MENTIONS, task=Iri(task)):
                out[r["c"]].append((r["m"], r["label"] or r["c"], r["sentence"]))
            # Sorted, so which sentence an answer quotes does not depend on the order the store returns rows in.
            self._model_mention_cache[task] = {c: sorted(uses) for c, uses in out.items()}
        return self._model_mention_cache[task]

    def concepts_of_task(self, tasks: list[str]) -> set[str]:
        """Concepts and methods used by at least two papers that name one of these tasks, and by a fifth
        of all the papers that use them: "residual block" speaks for super-resolution, "training
        iteration" and "convolutional neural network" do not."""
        with_task: dict[str, set] = defaultdict(set)  # concept -> the papers naming one of the tasks that use it
        for t in tasks:
            for r in self.reader.select(CONCEPTS_WITH_TASK, task=Iri(t)):
                with_task[r["c"]].add(r["p"])
        if self._concept_papers is None:
            self._concept_papers = {r["c"]: int(r["n"]) for r in self.reader.select(CONCEPT_PAPERS)}
        papers = self._concept_papers
        return {c for c, ps in with_task.items() if len(ps) >= 2 and len(ps) >= 0.2 * papers.get(c, len(ps))}

    def concept_spread(self) -> dict[str, int]:
        """How many subjects mention each concept or method (rarer ones explain more)."""
        if not hasattr(self, "_spread"):
            self._spread = {r["c"]: int(r["n"]) for r in self.reader.select(CONCEPT_SPREAD)}
        return self._spread

    def papers_for_task(self, task: str) -> list[PaperInfo]:
        if task not in self._paper_cache:
            found: dict[str, PaperInfo] = {}
            for r in self.reader.select(PAPERS_FOR_TASK, task=Iri(task)):
                p = found.setdefault(r["p"], PaperInfo(iri=r["p"]))
                p.title = p.title or r["title"]
                p.url, p.arxiv = p.url or r["url"], p.arxiv or r["arxiv"]
                p.github, p.abstract = p.github or r["code"], p.abstract or r["abstract"]
            self._paper_cache[task] = sorted(found.values(), key=lambda p: p.iri)
        return self._paper_cache[task]
