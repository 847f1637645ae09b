"""Ranking: tasks from the thesaurus phrases a question matched, then models within a task."""

import math
from collections import Counter, defaultdict
from dataclasses import dataclass, field

from .lexical import words
from .nlp.components import SPAN_KEY

# How much one matched label counts, by the kind of label it is.
KIND_WEIGHT = {"notation": 3.0, "pref": 3.0, "alt": 2.5, "lay": 2.0}
PRE_STEP_DISCOUNT = 0.4  # a problem named as the input's condition, not the goal
# What one unit of each kind of evidence adds to a task's score. These hand-set values serve when the
# trained reader is missing; with it, kg uses the weights `kg train` learned for it (kg-tally.json).
# A unit is: a matched phrase at its kind's weight; the best card's word overlap (0..1); the share of the
# thesaurus words (0..1); the reader's probability; a named trait, shared among the tasks whose cards carry
# it; a stated scale the task's models offer (+1, +2 for any-scale models, -1 when they cannot); the share
# of the question's modalities the task takes in or gives out; -1 when a scale is stated and none of the
# task's models resizes.
HAND_SET = {"phrases": 1.0, "card words": 1.0, "thesaurus words": 0.5, "reader": 3.0, "traits": 1.0,
            "scale": 1.5, "no resizing": 0.0, "modalities": 1.0}
SIGNALS = tuple(HAND_SET)
READER_FLOOR = 0.01  # below this the reader has no opinion worth a tally entry
LEX_MODEL_WEIGHT = 1.0  # card word overlap again, between the cards of one task
RUNNER_UP_RATIO = 0.5  # a second task this close to the first keeps a place in the top three
USUAL_SCALE_BONUS = 0.2  # no scale asked: the task's most common factor, as a tie-breaker
TRAIT_BONUS = 1.0  # a trait the question names and the card's name or datasets carry
MENTION_BONUS = 0.5  # the same trait only mentioned in the card's summary
UNASKED_PENALTY = 0.3  # per specialisation the card has and the question did not ask for


@dataclass
class Match:
    words: str
    concept: str
    label: str
    kind: str
    weight: float

    def as_dict(self) -> dict:
        return {"words": self.words, "entry": self.concept, "entry_label": self.label, "label_kind": self.kind}


@dataclass
class TaskScore:
    iri: str
    label: str
    score: float
    matched: list[Match] = field(default_factory=list)
    signals: dict[str, float] = field(default_factory=dict)  # what each kind of evidence added
    units: dict[str, float] = field(default_factory=dict)  # the same evidence before weighting


class Tally:
    """Each task's evidence in units, kept apart by kind, so an answer can say what each kind added."""

    def __init__(self, weights: dict[str, float]):
        self.weights = weights
        self.parts: dict[str, dict[str, float]] = defaultdict(lambda: defaultdict(float))

    def add(self, task: str, signal: str, units: float) -> None:
        self.parts[task][signal] += units

    def added(self, task: str) -> dict[str, float]:
        return {k: self.weights[k] * v for k, v in self.parts[task].items()}

    def total(self, task: str) -> float:
        return sum(self.added(task).values()) if task in self.parts else 0.0

    def __contains__(self, task: str) -> bool:
        return task in self.parts

    def __iter__(self):
        # A copy: the evidence passes add to tasks while they walk the tally.
        return iter(list(self.parts))


@dataclass
class Understanding:
    """What kg read in a question."""

    text: str
    tasks: list[TaskScore]
    matches: list[Match]
    scale: float | None
    scale_words: str | None
    traits: dict[str, str]  # trait IRI -> words
    modalities: dict[str, str]  # modality IRI -> words
    lemmas: set[str]
    lexical: dict[str, float] = field(default_factory=dict)  # model IRI -> 0..1 word evidence
    task_words: dict[str, float] = field(default_factory=dict)  # task IRI -> 0..1 word evidence
    reader: dict[str, float] = field(default_factory=dict)  # task IRI -> the trained reader's probability

    @property
    def task(self) -> TaskScore | None:
        return self.tasks[0] if self.tasks and self.tasks[0].score > 0 else None

    @property
    def confidence(self) -> float:
        if not self.task:
            return 0.0
        second = max(self.tasks[1].score, 0.0) if len(self.tasks) > 1 else 0.0
        return round(self.task.score / (self.task.score + second), 3)

    def attributes(self, index) -> dict:
        out = {}
        if self.scale:
            out["scale"] = {"value": self.scale, "words": self.scale_words}
        if self.modalities:
            out["modalities"] = [{"modality": index.label(m), "words": w} for m, w in sorted(self.modalities.items())]
        if self.traits:
            out["traits"] = [{"trait": index.label(t), "iri": t, "words": w} for t, w in sorted(self.traits.items())]
        return out


def understand(doc, index, weights: dict[str, float] | None = None) -> Understanding:
    th = index.thesaurus
    spans = list(doc.spans[SPAN_KEY])
    # A phrase shared by several concepts is weaker evidence for each.
    sharing = defaultdict(set)
    for s in spans:
        # A setting ("faces", "video") says where, not what: it shares no phrase's weight.
        if th.concepts[s.label_].kind != "setting":
            sharing[s.text.lower()].add(s.label_)
    matches, traits, modalities = [], {}, {}
    for s in spans:
        c = th.concepts[s.label_]
        weight = KIND_WEIGHT[s.id_] * (1 + 0.5 * (len(s) - 1)) / max(len(sharing[s.text.lower()]), 1)
        matches.append(Match(s.text, c.iri, c.label, s.id_, weight))
        if c.kind == "trait":
            traits.setdefault(c.iri, s.text)
        elif c.kind == "modality":
            modalities.setdefault(c.iri, s.text)
    lemmas = {t.lemma_.lower() or t.lower_ for t in doc if t.is_alpha and not t.is_stop}
    terms = set(words(doc.text)) | {w for lemma in lemmas for w in words(lemma)}
    u = Understanding(doc.text, [], matches, doc._.kg_scale, doc._.kg_scale_words, traits, modalities, lemmas,
                      _relative(index.lexical.scores(terms)), _relative(index.task_words.scores(terms)),
                      _reader_scores(doc.cats, index))
    u.tasks = _rank_tasks(u, index, weights or HAND_SET)
    return u


def _reader_scores(cats: dict[str, float], index) -> dict[str, float]:
    """The reader speaks in catalogue labels; each passes its probability to the tasks its cards are filed under."""
    out: dict[str, float] = defaultdict(float)
    for label, p in cats.items():
        for t in index.label_tasks.get(label, ()):
            out[t] += p
    return {t: p for t, p in out.items() if p >= READER_FLOOR}


def _relative(scores: dict[str, float]) -> dict[str, float]:
    top = max(scores.values(), default=0.0)
    return {k: v / top for k, v in scores.items()} if top else {}


def _rank_tasks(u: Understanding, index, weights: dict[str, float]) -> list[TaskScore]:
    th = index.thesaurus
    candidates = set(index.task_models)
    tally = Tally(weights)
    evidence: dict[str, list[Match]] = defaultdict(list)
    seen_spans = defaultdict(set)  # one phrase counts once per task
    for m in u.matches:
        c = th.concepts[m.concept]
        if c.kind != "task":
            continue
        for target, share in th.targets(m.concept, candidates):
            key = (m.words.lower(), target)
            if key in seen_spans[target]:
                continue
            seen_spans[target].add(key)
            tally.add(target, "phrases", m.weight * share)
            evidence[target].append(m)
    # Where a matched task is a pre-step of another matched task, the question names
    # a condition of its input ("blurry", "noisy"), not what it wants done.
    # A stated scale that a task's models offer makes that task present too ("blurry ... restore it to 8x").
    present = {t for t in tally if tally.total(t) > 0} | _offering_scale(u, index)
    for t in present:
        for pre in th.concepts[t].pre_steps if t in th.concepts else []:
            if pre in tally:
                tally.parts[pre]["phrases"] *= PRE_STEP_DISCOUNT
    for t, ms in index.task_models.items():
        best = max((u.lexical.get(m, 0.0) for m in ms), default=0.0)
        if best:
            tally.add(t, "card words", best)
    # Every word of the question, matched or not, leans towards the task whose thesaurus wording shares it:
    # this is what reaches tasks when no phrase matches ("colour it in"); on top of a phrase it only adds.
    for t, share in u.task_words.items():
        tally.add(t, "thesaurus words", share)
    # How people describe each task, as learned from questions written for the cards: it reaches
    # questions that describe an effect in words no phrase lists.
    for t, p in u.reader.items():
        tally.add(t, "reader", p)
    # Traits first: a task they bring in is then judged on scale and modalities like any other.
    _trait_evidence(u, index, tally)
    _scale_agreement(u, index, tally)
    _modality_agreement(u, th, tally)
    ranked = [TaskScore(t, th.concepts[t].label if t in th.concepts else index.label(t), round(tally.total(t), 3),
                        evidence[t], {k: round(v, 3) for k, v in sorted(tally.added(t).items()) if round(v, 3)},
                        {k: round(v, 3) for k, v in sorted(tally.parts[t].items()) if round(v, 3)})
              for t in tally]
    ranked.sort(key=lambda ts: (-ts.score, ts.label))
    return ranked


def _modality_agreement(u: Understanding, th, tally: Tally) -> None:
    """Tasks that take in or give out what the question talks about ("typed" ... "video") fit it better."""
    if not u.modalities:
        return
    said = set(u.modalities)
    for t in tally:
        c = th.concepts.get(t)
        if c and (c.inputs or c.outputs):
            tally.add(t, "modalities", len(said & {*c.inputs, *c.outputs}) / len(said))


def _trait_evidence(u: Understanding, index, tally: Tally) -> None:
    """A trait the question names ("cartoon", "same character") points, through the cards that carry it, to their tasks."""
    for trait in u.traits:
        carriers = index.trait_tasks.get(trait, {})
        total = sum(carriers.values())
        for t, n in carriers.items():
            tally.add(t, "traits", n / total)


def _offering_scale(u: Understanding, index) -> set[str]:
    if not u.scale:
        return set()
    return {t for t, ms in index.task_models.items() if any(index.models[m].scale == u.scale for m in ms)}


def _scale_agreement(u: Understanding, index, tally: Tally) -> None:
    """A stated scale favours tasks whose models offer it, and counts against tasks whose models cannot."""
    if not u.scale:
        return
    fixed = {m.scale for m in index.models.values() if m.scale}
    scored = any(tally.total(t) for t in tally)
    for t, ms in index.task_models.items():
        if t not in tally and not (scored and _near(t, tally, index)):
            continue
        models = [index.models[m] for m in ms]
        if any(m.scale == u.scale for m in models):
            tally.add(t, "scale", 1.0)
        elif u.scale not in fixed and any(m.arbitrary for m in models):
            tally.add(t, "scale", 2.0)
        elif any(m.scale for m in models) and not any(m.arbitrary for m in models):
            tally.add(t, "scale", -1.0)
        elif t in tally and not any(m.scale or m.arbitrary for m in models):
            # Models that do not resize at all ("restore it to 4x" read as restoration alone).
            tally.add(t, "no resizing", -1.0)


def _near(task: str, tally: Tally, index) -> bool:
    th = index.thesaurus
    return any(th.related(task, t) or set(th.ancestors(task)) & set(th.ancestors(t)) for t in tally if tally.total(t) > 0)


@dataclass
class ModelScore:
    iri: str
    name: str
    task: str
    score: float
    reasons: list[str]


def rank_models(u: Understanding, index, task: str, task_score: float = 0.0) -> list[ModelScore]:
    fixed = {m.scale for m in index.models.values() if m.scale}
    # With no scale stated, the factor most of the task's cards offer is the likeliest ask.
    scales = Counter(index.models[i].scale for i in index.task_models.get(task, []) if index.models[i].scale)
    usual = scales.most_common(1)[0][0] if scales and not u.scale else None
    out = []
    # Word evidence is relative to the task's best-matching card: it separates cards of one task.
    best_words = max((u.lexical.get(i, 0.0) for i in index.task_models.get(task, [])), default=0.0) or 1.0
    for iri in index.task_models.get(task, []):
        m = index.models[iri]
        score, reasons = task_score, []
        if u.scale:
            if m.scale == u.scale:
                score += 3.0
                reasons.append(f"scale {_fmt(m.scale)}x matches '{u.scale_words}'")
            elif m.scale:
                score -= 1.0 + abs(math.log2(m.scale / u.scale))
            if m.arbitrary and u.scale not in fixed:
                score += 3.0
                reasons.append(f"any scale, and '{u.scale_words}' is not a fixed factor")
        if usual and m.scale == usual:
            score += USUAL_SCALE_BONUS
        for t, said in u.traits.items():
            if t in m.traits:
                score += TRAIT_BONUS
                reasons.append(f"{index.label(t)} ('{said}')")
            elif t in m.mentions:
                score += MENTION_BONUS
                reasons.append(f"summary mentions {index.label(t)} ('{said}')")
        # Unasked-for specialisations (a "real-world" or "JPEG" variant) fit a plain question worse.
        score -= UNASKED_PENALTY * len(m.traits - set(u.traits))
        score += LEX_MODEL_WEIGHT * u.lexical.get(iri, 0.0) / best_words
        out.append(ModelScore(iri, m.name, task, round(score, 3), reasons))
    out.sort(key=lambda s: (-s.score, s.name))
    return out


def _fmt(x: float) -> str:
    return f"{x:g}"


def rank_answer(u: Understanding, index, k: int = 10) -> list[ModelScore]:
    """The models an answer lists, best first: the best task's top models, with the runner-up task's best
    kept in sight as an alternative. `kg ask` shows exactly this list and `kg eval` scores it."""
    per_task = [rank_models(u, index, t.iri, t.score) for t in u.tasks if t.score > 0]
    per_task = [ms for ms in per_task if ms]
    ranked: list[ModelScore] = []
    if per_task:
        first = per_task[0]
        # When the runner-up task is close, its best model takes the third place.
        close = len(per_task) > 1 and u.tasks[1].score >= RUNNER_UP_RATIO * u.tasks[0].score
        ranked.extend(first[:2] if close else first[:3])
        if close:
            ranked.append(per_task[1][0])
        ranked.extend(first[2:])
        for ms in per_task[1:]:
            ranked.extend(ms)
    seen = {m.iri for m in ranked}
    out = []
    for m in ranked:
        if m.iri in seen:
            out.append(m)
            seen.discard(m.iri)
        if len(out) >= k:
            return out
    # Too few matched tasks: fill by word overlap with the cards, so every question gets k models.
    rest = [ModelScore(m.iri, m.name, (m.tasks or [""])[0], round(u.lexical.get(m.iri, 0.0), 3), [])
            for m in index.models.values() if m.iri not in {o.iri for o in out}]
    rest.sort(key=lambda s: (-s.score, s.name))
    return (out + rest)[:k]
