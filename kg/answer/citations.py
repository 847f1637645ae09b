"""Which papers an answer cites beyond its models' own: the task's papers on the question's setting.

A paper fits when its text names the task (or a narrower or broader one), every setting it names
(video, point clouds, medical images, faces...) is one the question or the task itself names, it is
not filed under an unrelated task, and it shares a setting the question names: "GVTNet: Graph
Vision Transformer For Face Super-Resolution" for a blurry face. "Skeleton Cloud Colorization"
names colorization, but also skeletons, so it is not cited for a black-and-white photo. Among those
that fit, more shared settings and words come first; then one with code, then the newer one.
"""

import re
from collections import Counter
from dataclasses import dataclass, field

from ..index import Index, PaperInfo, is_title
from ..thesaurus import Thesaurus, normalise

# A few strong papers beat five weak ones: the models' own papers come first, these fill in.
TEXT_PAPERS = 2
_W = re.compile(r"[a-z]{4,}")


@dataclass
class Pick:
    paper: PaperInfo
    sentence: str | None  # the sentence of its text that names the task
    via: str | None = None  # the broader or narrower task it names, where not the question's own
    filed: bool = False  # the arXiv listing files it under the task (or a broader or narrower one)
    company: float = 0.0  # +0.5 when the other tasks it names are of the task's family, -1 when of another
    shared: list[str] = field(default_factory=list)  # settings it shares with the question
    words: list[str] = field(default_factory=list)  # question words its title or abstract uses


@dataclass
class Choice:
    picks: list[Pick]
    other_setting: Counter  # setting label -> papers naming the task left out for it
    other_task: int  # papers naming the task left out because they are filed under an unrelated one


def question_settings(u, th: Thesaurus) -> set[str]:
    said = {m.concept for m in u.matches if m.concept in th.concepts and th.concepts[m.concept].kind == "setting"}
    for s in th.of_kind("setting"):
        if set(s.inputs) & set(u.modalities):
            said.add(s.iri)
    return said


def task_settings(task: str, th: Thesaurus) -> set[str]:
    """The settings a task lives in by its own name or data: video super-resolution is about video."""
    concept = th.concepts.get(task)
    if concept is None:
        return set()
    data = set(concept.inputs) | set(concept.outputs)
    # Its own names only: a family's labels ("generative modelling": music, video) would let in everything.
    return named_settings([task], th) | {s.iri for s in th.of_kind("setting") if set(s.inputs) & data}


def named_settings(concepts, th: Thesaurus) -> set[str]:
    """The settings whose labels the concepts' own labels contain: the area "point cloud processing" is
    about point clouds."""
    key = tuple(sorted(concepts))
    memo = _memo(th, "named")
    if key not in memo:
        names = [n for c in key if c in th.concepts for n in th.concepts[c].technical_labels()]
        text = " " + " ".join(normalise(n) for n in names if n) + " "
        memo[key] = {iri for iri, terms in _setting_terms(th) if any(t in text for t in terms)}
    return set(memo[key])


def _setting_terms(th: Thesaurus) -> list[tuple[str, list[str]]]:
    memo = _memo(th, "terms")
    if not memo:
        memo["all"] = [(s.iri, [f" {normalise(lab)} " for lab in s.technical_labels() if lab])
                       for s in th.of_kind("setting")]
    return memo["all"]


def _memo(th: Thesaurus, name: str) -> dict:
    # The thesaurus never changes while an index lives; answers ask the same questions of it again and again.
    return th.memo.setdefault(f"citations.{name}", {})


def fits_setting(name: str, allowed: set[str], th: Thesaurus) -> bool:
    """Whether a name ("Video Depth Anything") names no setting beyond the allowed ones (the question's and
    its task's)."""
    text = f" {normalise(name)} "
    return not any(t in text for iri, terms in _setting_terms(th) if iri not in allowed for t in terms)


def neighbourhood(task: str, th: Thesaurus) -> list[str]:
    """The task, then its narrower tasks, then its broader one unless that is a whole family
    (fixed-scale super-resolution reaches super-resolution, not image enhancement and restoration)."""
    if task not in th.concepts:
        return [task]
    narrower = sorted(c.iri for c in th.of_kind("task") if task in c.broader)
    broader = sorted(b for b in th.concepts[task].broader if b in th.concepts and th.concepts[b].broader)
    return [task, *narrower, *broader]


def choose(u, index: Index, exclude: set[str], asked: set[str], allowed: set[str],
           limit: int = TEXT_PAPERS) -> Choice:
    """The papers to cite; `asked` are the settings the question names, `allowed` those and the task's."""
    th = index.thesaurus
    task = u.task.iri
    # Only papers whose text names the task: a listing's label alone is too often wrong to cite.
    candidates: dict[str, Pick] = {}
    for t in neighbourhood(task, th):
        via = None if t == task else t
        for p, sentence in index.papers_mentioning(t):
            candidates.setdefault(p.iri, Pick(p, sentence, via))
    other: Counter = Counter()
    elsewhere = 0
    family = _family(task, th)
    own_words = _own_words(task, th)
    fitting = []
    for iri, pick in candidates.items():
        if iri in exclude:
            continue
        foreign = (pick.paper.settings | named_settings(pick.paper.areas, th)) - allowed
        if foreign:
            other.update(th.concepts[s].label for s in foreign if s in th.concepts)
            continue
        # Filed under an unrelated task, the paper names ours in passing ("... through colorization").
        if pick.paper.tasks and not any(th.related(t, task) for t in pick.paper.tasks):
            elsewhere += 1
            continue
        pick.filed = any(th.related(t, task) for t in pick.paper.tasks)
        others = {t for t in pick.paper.named if t in th.concepts and not th.related(t, task)}
        if others:
            # A paper that also names tasks of the task's own family is about that field; one naming only
            # tasks of other families names ours in passing ("recommender systems by denoising").
            pick.company = 0.5 if any(_family(t, th) & family for t in others) else -1.0
        pick.shared = sorted(th.concepts[s].label for s in pick.paper.settings & asked)
        text = f"{pick.paper.title or ''} {pick.paper.abstract or ''}".lower()
        # The task's own words ("resolution", "noise") say nothing the task does not.
        pick.words = sorted((u.lemmas - own_words) & set(_W.findall(text)))
        # The models' own papers cover the task; a paper beyond them earns its place by covering the
        # question's own setting (faces, anime, video) too. Naming the task, or sharing a word, is not
        # enough: blind judges found such papers relevant one time in five (tests/data/README.md).
        if not pick.shared:
            continue
        fitting.append(pick)
    fitting.sort(key=lambda k: (-_strength(k), not k.paper.github, _newest_first(k.paper), k.paper.iri))
    return Choice(fitting[:limit], other, elsewhere)


def _own_words(task: str, th: Thesaurus) -> set[str]:
    """Words that every paper on the task, or any picture, would use: they say nothing about the fit."""
    memo = _memo(th, "own_words")
    if task not in memo:
        words = {w for t in neighbourhood(task, th) if t in th.concepts for lab in th.concepts[t].technical_labels()
                 for w in _W.findall(lab.lower())}
        words |= {w for m in th.of_kind("modality") for lab in (m.pref_label, *m.lay_labels)
                  for w in _W.findall(lab.lower())}
        # ... and a setting's words count once, as the setting ("face" is faces).
        words |= {w for c in th.of_kind("setting") for lab in c.technical_labels() for w in _W.findall(lab.lower())}
        memo[task] = words
    return memo[task]


def _family(task: str, th: Thesaurus) -> set[str]:
    """The top tasks above a task (image enhancement and restoration above denoising)."""
    chain = [task, *th.ancestors(task)]
    return {c for c in chain if c in th.concepts and not th.concepts[c].broader}


def _strength(pick: Pick) -> float:
    own = 0.0 if pick.via else 0.5
    return 2.0 * len(pick.shared) + len(pick.words) + 1.5 * pick.filed + own + pick.company


def _newest_first(p: PaperInfo) -> str:
    # arXiv ids sort by year and month; inverting the digits puts the newest first.
    return "".join(str(9 - int(c)) if c.isdigit() else c for c in (p.arxiv or "~"))


def evidence(pick: Pick, task_label: str) -> str:
    """Why the paper fits, from what the graph holds: its own sentence where one says more than its title."""
    p = pick.paper
    if pick.sentence and not is_title(pick.sentence, p.title):
        return pick.sentence
    because = [f"its title names {task_label}", f"it works on {', '.join(pick.shared)}, as the question does"]
    if pick.words:
        because.append(f"it shares the question's word{'s' * (len(pick.words) > 1)} "
                       + ", ".join(f"'{w}'" for w in pick.words[:3]))
    text = "; ".join(because)
    return text[0].upper() + text[1:] + "."
