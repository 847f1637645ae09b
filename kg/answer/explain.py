"""'How it works', assembled from graph facts only, each sentence with the node it comes from.

A "how" question gets the task's definition, the chosen models' sentences that name a method,
and what those methods do (their thesaurus definitions). A request gets the concrete steps:
which model, what it takes, the scale to set and what comes out.
"""

import re

from ..index import Index
from .types import Fact, How, Workflow

_ASKS_HOW = re.compile(r"\b(how|why|what (kind|sort|type)s? of|principles?|explain|what makes)\b", re.I)
MODELS = 2
METHODS = 3


def asks_how(question: str) -> bool:
    return bool(_ASKS_HOW.search(question))




def explanation(u, index: Index, models: list[str]) -> list[Fact]:
    th = index.thesaurus
    task = th.concepts.get(u.task.iri)
    out = []
    if task and task.definition:
        out.append(Fact(f"{task.label[0].upper()}{task.label[1:]}: {task.definition}", task.iri, task.label))
    mentions = index.task_model_mentions(u.task.iri)
    spread = index.concept_spread()
    # model -> [(method, sentence)], the rarest method first: "channel attention" says more than "network".
    by_model: dict[str, list[tuple[str, str]]] = {}
    for c, uses in mentions.items():
        if c in th.concepts and th.concepts[c].kind == "method":
            for m, _, sentence in uses:
                by_model.setdefault(m, []).append((c, sentence))
    methods: list[str] = []
    said = set()
    for m in models:
        options = sorted(by_model.get(m, []), key=lambda cs: (spread.get(cs[0], 0), cs[0]))
        if not options:
            continue
        method, sentence = options[0]
        if sentence in said:  # sibling cards (2x, 4x) share a summary
            continue
        said.add(sentence)
        out.append(Fact(f"{index.models[m].name}: {sentence}", m, index.models[m].name))
        for c, _ in options:
            if c not in methods:
                methods.append(c)
        if len(said) >= MODELS:
            break
    for c in methods[:METHODS]:
        concept = th.concepts[c]
        if concept.definition:
            out.append(Fact(f"{concept.label[0].upper()}{concept.label[1:]}: {concept.definition}", c, concept.label))
    return out


def steps(u, index: Index, workflow: Workflow | None, models: list[str]) -> list[Fact]:
    if not workflow or not models:
        return []
    out = []
    for s in workflow.steps:
        if s.id == "main" or not s.models:
            continue
        pre = index.iri_of(s.models[0])
        why = f" ({s.why})" if s.why else ""
        out.append(Fact(f"First run {s.models[0]} ({s.task}) on the {s.input}{why}.", pre, s.models[0]))
    best = index.models[models[0]]
    out.append(Fact(f"Give the {workflow.input} to {best.name}, a {index.label(u.task.iri)} model.",
                     best.iri, best.name))
    if u.scale:
        if best.arbitrary:
            how = f"Set the scale to x{u.scale:g}, as asked ('{u.scale_words}'); this card takes any factor."
        elif best.scale and best.scale != u.scale:
            how = (f"The question asks for x{u.scale:g} ('{u.scale_words}'), but this card only enlarges "
                   f"x{best.scale:g}: resize its output, or pick a x{u.scale:g} card from the list below.")
        elif best.scale:
            how = f"Set the scale to x{u.scale:g}, as asked ('{u.scale_words}'); this card enlarges x{best.scale:g}."
        else:
            how = f"The question asks for x{u.scale:g} ('{u.scale_words}'); this card states no scale."
        out.append(Fact(how, best.iri, best.name))
    out.append(Fact(f"It returns the {workflow.output}.", best.iri, best.name))
    return out


def how_it_works(u, index: Index, workflow: Workflow | None, models: list[str]) -> How | None:
    if not u.task:
        return None
    if asks_how(u.text):
        return How("explanation", explanation(u, index, models))
    return How("steps", steps(u, index, workflow, models))
