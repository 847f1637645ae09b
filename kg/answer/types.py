"""An answer as types: what `kg ask` found, read by the renderers, the graph view and the resident.

`to_json` gives the `--format json` shape: every field in order, except the optional ones a
class names in OMIT_NONE when they are None (a paper picked by name has no evidence sentence).
"""

from dataclasses import dataclass, field, fields, is_dataclass


@dataclass(frozen=True)
class Node:
    id: str
    label: str
    type: str


@dataclass(frozen=True)
class Hop:
    rel: str


Path = list[Node | Hop]  # question, hop, node, hop, ... : the graph path from the question to a source


@dataclass
class Task:
    id: str
    label: str
    catalog_labels: list[str]
    definition: str
    confidence: float
    score: float
    signals: dict[str, float]
    matched: list[dict]  # rank.Match.as_dict(): the words, the entry they matched, its concept


@dataclass
class Alternative:
    id: str
    label: str
    score: float
    signals: dict[str, float]


@dataclass
class Links:
    paper: str | None = None
    github: str | None = None
    huggingface: str | None = None


@dataclass
class Model:
    """A model the graph ranks for the question (open world)."""

    name: str
    iri: str
    task: str
    task_id: str
    alternative: bool  # a model of another task than the answer's: the runner-up reading of the question
    score: float
    scale: float | None
    arbitrary_scale: bool
    traits: list[str]
    datasets: list[str]
    why: list[str]
    evidence: str | None
    links: Links
    path: Path


@dataclass
class Recommended:
    """A model a prompt bundle recommended, and whether it does what the question asks (closed world)."""

    name: str
    iri: str
    task: str
    score: None
    fits: bool
    links: Links
    path: Path


@dataclass
class Paper:
    OMIT_NONE = ("evidence",)

    title: str
    iri: str
    url: str | None
    github: str | None
    path: Path
    evidence: str | None = None


@dataclass
class Step:
    OMIT_NONE = ("why",)

    id: str  # "pre1", "pre2", ... then "main"
    task: str
    models: list[str]
    input: str
    output: str
    why: str | None = None


@dataclass
class Workflow:
    input: str
    output: str
    steps: list[Step]
    edges: list[list[str]]  # [from, to] by step id, plus "input" and "output"


@dataclass
class Fact:
    text: str
    source: str  # the node the sentence comes from
    label: str


@dataclass
class How:
    kind: str  # "explanation" for how-questions, "steps" for requests
    facts: list[Fact]


@dataclass
class Caveat:
    id: str
    label: str
    text: str
    task: str
    task_id: str
    because: str | None  # the question's words that call for it; None: shown for every question on the task


@dataclass
class Answer:
    OMIT_NONE = ("bundle",)

    question: str
    mode: str  # "graph" or "bundle"
    task: Task | None
    alternatives: list[Alternative]
    attributes: dict
    models: list[Model | Recommended] = field(default_factory=list)
    papers: list[Paper] = field(default_factory=list)
    papers_note: str | None = None
    workflow: Workflow | None = None
    how: How | None = None
    caveats: list[Caveat] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    bundle: str | None = None

    def to_json(self) -> dict:
        return to_json(self)


def to_json(value):
    if is_dataclass(value):
        omit = getattr(value, "OMIT_NONE", ())
        return {f.name: to_json(getattr(value, f.name)) for f in fields(value)
                if not (f.name in omit and getattr(value, f.name) is None)}
    if isinstance(value, list):
        return [to_json(v) for v in value]
    if isinstance(value, dict):
        return {k: to_json(v) for k, v in value.items()}
    return value
