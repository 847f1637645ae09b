"""Answers: from the question's task node out to models and papers, with the path to each."""

import re

import networkx as nx

from .. import iris
from ..index import Index, PaperInfo
from ..nlp.components import SPAN_KEY
from ..rank import HAND_SET, Understanding, rank_answer, rank_models, understand
from ..records import Bundle
from . import citations
from .explain import how_it_works
from .types import (Alternative, Answer, Caveat, Hop, Links, Model, Node, Paper, Path, Recommended, Step, Task,
                    Workflow)

MODALITY_WORDS = {"Image": "image", "Text": "text", "Audio": "audio", "Video": "video", "Mask": "mask"}
QUESTION = "question"
QUESTION_NODE = Node(QUESTION, "question", "question")


class Answerer:
    def __init__(self, reader):
        from .. import nlp

        self.index = Index(reader)
        self.nlp = nlp.load(self.index.thesaurus)
        self.notes = [n for n in (self.nlp.meta.get("kg_degraded"), self.nlp.meta.get("kg_reader_missing")) if n]
        self.weights = self.nlp.meta.get("kg_tally_weights") or HAND_SET

    def understand(self, text: str) -> Understanding:
        u = understand(self.nlp(_plain(text)), self.index, self.weights)
        u.text = text
        return u

    # --- open world ------------------------------------------------------

    def ask(self, question: str, k: int = 5, n_papers: int = 5) -> Answer:
        u = self.understand(question)
        answer = self._skeleton(u)
        ranked = rank_answer(u, self.index, k)
        answer.models = [self._model(m, u) for m in ranked]
        if not u.task:
            answer.warnings.append("no task in the graph matches the question's words; showing the closest cards")
            return answer
        if not u.task.matched and u.task.signals.get("scale", 0) <= 0:
            answer.warnings.append(
                f"no phrase in the question names a task: {u.task.label} rests on shared words, the trained "
                "reader, traits and modalities only, so treat it as a guess")
        main = [m for m in ranked if m.task == u.task.iri]
        answer.papers, answer.papers_note = self._papers(u, [m.iri for m in main], n_papers)
        answer.workflow = self._workflow(u, [m.name for m in main[:3]])
        answer.how = how_it_works(u, self.index, answer.workflow, [m.iri for m in main])
        answer.caveats = self._caveats(u)
        return answer

    def _caveats(self, u: Understanding) -> list[Caveat]:
        """The caveats of the task and its broader tasks whose setting the question names (or that hold always)."""
        if not u.task:
            return []
        said = " " + " ".join(_TOKENS.findall(u.text.lower())) + " "
        out, seen = [], set()
        for task in [u.task.iri, *self.index.thesaurus.ancestors(u.task.iri)]:
            for c in self.index.caveats.get(task, {}).values():
                if c.iri in seen:
                    continue
                because = next((t for t in c.triggers if _names(said, u.lemmas, t)), None)
                if c.triggers and not because:
                    continue
                seen.add(c.iri)
                out.append(Caveat(c.iri, c.label, c.text, self.index.label(task), task, because))
        return out

    def _skeleton(self, u: Understanding) -> Answer:
        return Answer(
            question=u.text,
            mode="graph",
            task=self._task(u),
            alternatives=[Alternative(t.iri, t.label, t.score, t.signals) for t in u.tasks[1:4]],
            attributes=u.attributes(self.index),
            notes=list(self.notes),
        )

    def _task(self, u: Understanding) -> Task | None:
        if not u.task:
            return None
        c = self.index.thesaurus.concepts.get(u.task.iri)
        return Task(id=u.task.iri, label=u.task.label, catalog_labels=c.notations if c else [],
                    definition=c.definition if c else "", confidence=u.confidence, score=u.task.score,
                    signals=u.task.signals, matched=[m.as_dict() for m in u.task.matched])

    def _path(self, u: Understanding, target: str, via: str | None = None) -> Path:
        """Question -> task -> ... -> target, along the graph's edges."""
        start = via or (u.task.iri if u.task else None)
        steps: Path = [QUESTION_NODE]
        if start is None:
            return steps + [Hop("closest card"), self._node(target)]
        steps += [Hop("asks about"), self._node(start)]
        if start == target:
            return steps
        try:
            nodes = nx.shortest_path(self.index.graph, start, target)
        except (nx.NetworkXNoPath, nx.NodeNotFound):
            return steps + [Hop("addressed by"), self._node(target)]
        for a, b in zip(nodes, nodes[1:]):
            rel = next(iter(self.index.graph.get_edge_data(a, b).values()))["rel"]
            steps += [Hop(rel), self._node(b)]
        return steps

    def _node(self, iri: str, label: str | None = None) -> Node:
        return Node(iri, label or self.index.label(iri), self.index.kind(iri) or "node")

    def _model(self, ms, u: Understanding) -> Model:
        m = self.index.models[ms.iri]
        return Model(
            name=m.name, iri=m.iri, task=m.label, task_id=ms.task,
            alternative=bool(u.task) and ms.task != u.task.iri,
            score=ms.score, scale=m.scale, arbitrary_scale=m.arbitrary,
            traits=sorted(self.index.label(t) for t in m.traits), datasets=m.datasets, why=ms.reasons,
            evidence=self._evidence(m.summary, u, ms.task),
            links=Links(**self.index.model_links(m.iri)),
            path=self._path(u, m.iri, via=ms.task),
        )

    def _papers(self, u: Understanding, model_iris: list[str], n: int) -> tuple[list[Paper], str | None]:
        """The top models' papers, then the task's papers that fit the question's setting (kg.answer.citations)."""
        th = self.index.thesaurus
        asked = citations.question_settings(u, th)
        allowed = asked | citations.task_settings(u.task.iri, th)
        out, seen = [], set()
        for iri in model_iris:
            # A model for another setting ("Video Depth Anything" for a photo) still ranks; its paper is not cited.
            if not citations.fits_setting(self.index.models[iri].name, allowed, th):
                continue
            m = self.index.models[iri]
            for p in m.papers:
                if p not in seen and p in self.index.papers:
                    seen.add(p)
                    name = self.index.papers[p].display_for(m.name, self.index.label(u.task.iri))
                    path = self._path(u, iri) + [Hop("described by"), self._node(p, label=name)]
                    out.append(self._paper(self.index.papers[p], path, name=name))
        room = max(0, min(n - len(out), citations.TEXT_PAPERS))
        if not room:
            return out, None
        choice = citations.choose(u, self.index, seen, asked, allowed, room)
        for pick in choice.picks:
            node = Node(pick.paper.iri, pick.paper.display, "paper")
            path = self._path(u, u.task.iri)
            if pick.via:
                rel = "broader task" if pick.via in th.ancestors(u.task.iri) else "narrower task"
                path += [Hop(rel), self._node(pick.via)]
            path += [Hop("named in"), node]
            named = self.index.label(pick.via or u.task.iri)
            out.append(self._paper(pick.paper, path, citations.evidence(pick, named)))
        note = None
        if not choice.picks:
            names = sorted(self.index.label(x) for x in asked)
            where = f"on {', '.join(names)}" if asked else "in the question's setting"
            note = f"no paper in the graph beyond the models' own names {u.task.label} {where}"
        if choice.other_setting:
            # Ties by name: most_common keeps the order settings were counted in, which follows set order and
            # so changed from one run to the next.
            top = ", ".join(f"{label} {k}" for label, k in sorted(choice.other_setting.items(),
                                                                  key=lambda lk: (-lk[1], lk[0]))[:3])
            left = f"papers on {u.task.label} in other settings were left out ({top}, and so on)"
            note = f"{note}; {left}" if note else left
        return out, note

    def _evidence(self, text: str | None, u: Understanding, task: str | None) -> str | None:
        """The sentence of a card that best supports its link: one naming the task, else the closest in words."""
        if not text:
            return None
        th = self.index.thesaurus
        doc = self.nlp(_plain(text))
        best, best_score = None, -1.0
        for sent in doc.sents:
            names_task = any(
                task and s.start >= sent.start and s.end <= sent.end and th.related(s.label_, task)
                for s in doc.spans[SPAN_KEY]
            )
            score = 10.0 * names_task + _word_overlap(u.lemmas, sent.text)
            if score > best_score:
                best, best_score = sent.text.strip(), score
        return best

    @staticmethod
    def _paper(p: PaperInfo, path: Path, evidence: str | None = None, name: str | None = None) -> Paper:
        return Paper(name or p.display, p.iri, p.link, p.github, path, evidence)

    def _workflow(self, u: Understanding, models: list[str], pre: list[tuple[str, str]] | None = None) -> Workflow:
        th = self.index.thesaurus
        task = th.concepts.get(u.task.iri)
        inputs = _modalities(task.inputs if task else [])
        outputs = _modalities(task.outputs if task else [])
        out_desc = outputs
        if u.scale:
            out_desc = f"{outputs} (x{u.scale:g})"
        if pre is None:
            pre = self._pre_steps(u)
        steps, edges = [], []
        for i, (p_iri, p_model) in enumerate(pre, start=1):
            steps.append(Step(f"pre{i}", th.concepts[p_iri].label, [p_model] if p_model else [], inputs, inputs,
                              _why_pre(u, p_iri, th)))
        steps.append(Step("main", u.task.label, models, inputs, out_desc))
        edges.append(["input", "main"])
        for s in steps[:-1]:
            edges += [["input", s.id], [s.id, "main"]]
        edges.append(["main", "output"])
        return Workflow(inputs, out_desc, steps, edges)

    def _pre_steps(self, u: Understanding) -> list[tuple[str, str | None]]:
        th = self.index.thesaurus
        task = th.concepts.get(u.task.iri)
        matched = {m.concept for m in u.matches}
        out = []
        for p in task.pre_steps if task else []:
            if any(th.related(p, c) for c in matched):
                best = rank_models(u, self.index, p)
                out.append((p, best[0].name if best else None))
        return out

    # --- closed world: a prompt bundle -----------------------------------

    def ask_bundle(self, bundle: Bundle) -> Answer:
        u = self.understand(bundle.question)
        answer = self._skeleton(u)
        answer.mode = "bundle"
        answer.bundle = bundle.name
        th = self.index.thesaurus
        fitting = []
        for rec in bundle.models:
            iri = str(iris.model(rec.name))
            known = self.index.models.get(iri)
            tasks = known.tasks if known else self._tasks_from_name(rec.name)
            fits = bool(u.task) and any(th.related(t, u.task.iri) for t in tasks)
            what = ", ".join(self.index.label(t) for t in tasks) or "an unknown task"
            links = Links(rec.paper, rec.github or (known.github if known else None),
                          rec.huggingface or (known.huggingface if known else None))
            path = [QUESTION_NODE, Hop("recommended"), Node(iri, rec.name, "model")]
            answer.models.append(Recommended(rec.name, iri, known.label if known else what, None, fits, links, path))
            if fits:
                fitting.append(rec.name)
            elif u.task:
                answer.warnings.append(
                    f"{rec.name} does not perform {u.task.label}: it is a {what} model, so it is not used in the workflow"
                )
        answer.papers = self._bundle_papers(u, bundle)
        answer.caveats = self._caveats(u)
        if u.task:
            answer.workflow = self._workflow(u, fitting, pre=[])
            known = [iri for iri in (str(iris.model(n)) for n in fitting) if iri in self.index.models]
            answer.how = how_it_works(u, self.index, answer.workflow, known)
            if not fitting:
                answer.warnings.append(
                    f"no recommended model performs {u.task.label}; the graph has "
                    f"{len(self.index.task_models.get(u.task.iri, []))} that do (run kg ask without --bundle)"
                )
        return answer

    def _tasks_from_name(self, name: str) -> list[str]:
        from ..attributes import LabelSpotter

        th = self.index.thesaurus
        spotter = LabelSpotter({c.iri: c.notations for c in th.of_kind("task")})
        return sorted(spotter.spot(name.replace("-", " ")))

    def _bundle_papers(self, u: Understanding, bundle: Bundle) -> list[Paper]:
        """Rank the bundle's papers by how they connect to the question's task, and say how.

        The papers are read with the extraction pipeline; each link they make is tried in
        order of strength: naming the task (or a broader, narrower or sibling task), naming a
        concept or method the task's models also name, naming something the question named.
        """
        from ..extract import Text, extract

        if not bundle.papers:
            return []
        th = self.index.thesaurus
        texts = [Text(iris.paper(r.url, r.title), iris.bundle(bundle.name), f"{r.title}. {r.summary or ''}")
                 for r in bundle.papers]
        links = extract(texts, self._extractor(), th.normalised_labels(), min_sources=1)
        by_paper: dict[str, list] = {}
        for link in links:
            by_paper.setdefault(str(link.subject), []).append(link)
        task = u.task.iri if u.task else None
        shared = self.index.task_model_mentions(task) if task else {}
        spread = self.index.concept_spread()
        # A concept or method links a paper to the task only where the corpus ties the two together.
        of_task = self.index.concepts_of_task(citations.neighbourhood(task, th)) if task else set()
        asked = {m.concept: m.words for m in u.matches}
        ranked = []
        for rec, text in zip(bundle.papers, texts):
            info = PaperInfo(iri=str(text.subject), title=rec.title, url=rec.url, arxiv=iris.arxiv_id(rec.url),
                             github=rec.github)
            best = None
            for link in by_paper.get(str(text.subject), []):
                obj = str(link.obj)
                sentence = next(iter(link.evidence.values()))
                if task and link.kind == "task" and th.related(obj, task):
                    cand = (3.0, [self._node(task), Hop("named in")], sentence)
                elif task and link.kind == "task" and set(th.ancestors(obj)) & set(th.ancestors(task)):
                    sib = self._node(obj)
                    cand = (2.0, [self._node(task), Hop("sibling task"), sib, Hop("named in")], sentence)
                elif obj in shared and link.kind in ("concept", "method") and obj in of_task:
                    model, label, _ = sorted(shared[obj])[0]
                    # A concept that many of the task's models name, and little else does, speaks for the task;
                    # sibling cards that share one summary count once.
                    users = len({s for _, _, s in shared[obj]})
                    specific = users / max(spread.get(obj, users), users)
                    typical = (users / max(len(self.index.task_models.get(task, [])), 1)) ** 0.5
                    weight = 1.0 + specific * typical
                    node = Node(obj, label, link.kind)
                    cand = (weight, [self._node(task), Hop("addressed by"), self._node(model),
                                     Hop(f"mentions {link.kind}"), node, Hop("also in")], sentence)
                elif obj in asked:
                    node = self._node(obj) if obj in th.concepts else Node(obj, asked[obj], "concept")
                    cand = (0.5, [self._node(task), Hop("question also names"), node, Hop("named in")]
                            if task else [node, Hop("named in")], sentence)
                else:
                    continue
                if best is None or cand[0] > best[0]:
                    best = cand
            head = [QUESTION_NODE, Hop("asks about")]
            paper_node = Node(info.iri, rec.title, "paper")
            if best:
                path, evidence, score = head + best[1] + [paper_node], best[2], best[0]
            else:
                path = [QUESTION_NODE, Hop("bundle's related paper"), paper_node]
                evidence, score = self._evidence(rec.summary or rec.title, u, task), 0.0
            ranked.append((-score, rec.line, self._paper(info, path, evidence)))
        ranked.sort(key=lambda t: (t[0], t[1]))
        return [p for _, _, p in ranked]

    def _extractor(self):
        if not hasattr(self, "_extract_nlp"):
            from .. import nlp

            self._extract_nlp = nlp.load(self.index.thesaurus, datasets=list(self.index.datasets()))
        return self._extract_nlp


_DASHES = str.maketrans({c: "-" for c in "\u2010\u2011\u2012\u2013\u2212"})


def _plain(text: str) -> str:
    """Typographic hyphens read as "-", so "real\u2011time" matches "real-time"."""
    return text.translate(_DASHES)


def _why_pre(u: Understanding, pre: str, th) -> str:
    words = [m.words for m in u.matches if th.related(pre, m.concept)]
    return f"the question mentions '{words[0]}'" if words else ""


def _modalities(iris_: list[str]) -> str:
    names = [MODALITY_WORDS.get(i.rsplit("#", 1)[-1], i.rsplit("#", 1)[-1].lower()) for i in iris_]
    return " + ".join(names) if names else "input"


_W = re.compile(r"[a-z]{4,}")
_TOKENS = re.compile(r"[a-z0-9]+")


def _names(said: str, lemmas: set[str], trigger: str) -> bool:
    """Whether the question names a trigger: as a phrase in its words, or a single word as a lemma (faces: face)."""
    words = " ".join(_TOKENS.findall(trigger.lower()))
    return f" {words} " in said or (" " not in words and words in lemmas)


def _word_overlap(lemmas: set[str], text: str) -> int:
    return len(lemmas & set(_W.findall(text.lower())))
