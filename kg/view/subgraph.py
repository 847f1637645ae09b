"""Which part of the graph a view shows: the answer's paths plus context, or a focus's neighbourhood.

kg decides what to show here; kg.view.page only draws what it is given. Every node
carries the same attributes (type, label, name, summary, links, evidence), so the
page and the GraphML file need no knowledge of the index.
"""

from collections import deque
from dataclasses import asdict

import networkx as nx

from .. import iris
from ..answer.types import Answer, Model, Paper, Path, Recommended
from ..errors import QueryError
from ..namespaces import ID, KGT

QUESTION = "question"
LABEL_CHARS = 26  # long names crowd the canvas; the full name is in the tooltip
HIGHLIGHT = "highlight"


# --- node descriptions -------------------------------------------------------


def short(text: str, n: int = LABEL_CHARS) -> str:
    text = " ".join(str(text).split())
    return text if len(text) <= n else text[: n - 1].rstrip() + "\u2026"


def node_type(index, iri: str, hint: str | None = None) -> str:
    """The kind of a node: what the index knows, else the answer's word, else the IRI's shape."""
    known = index.kind(iri)
    if known is not None:
        return known
    if hint and hint != "node":
        return hint
    for kind in ("model", "paper", "dataset", "concept", "bundle", "question"):
        if iri.startswith(f"{ID}{kind}/"):
            return kind
    if iri.startswith(str(KGT)):
        return "concept"
    if iri.startswith(("http://", "https://")) and not iri.startswith(str(ID)):
        return "link"  # a GitHub or Hugging Face page the graph points at
    return "node"


def describe(index, iri: str, hint: str | None = None, label: str | None = None) -> dict:
    """The attributes a view shows for one node of the index's graph."""
    kind = node_type(index, iri, hint)
    name = label or index.label(iri)
    summary, links = "", {}
    if kind == "model" and iri in index.models:
        summary = index.models[iri].summary or ""
        links = index.model_links(iri)
    elif kind == "paper" and iri in index.papers:
        p = index.papers[iri]
        links = {"paper": p.link, "github": p.github}
    elif iri in index.thesaurus.concepts:
        c = index.thesaurus.concepts[iri]
        summary = c.definition or ""
        # Catalogue labels (e.g. "SISR") are what readers know a task by: say them beside the name.
        extra = [n for n in c.notations if n.casefold() != name.casefold()]
        if extra:
            name = f"{name} ({', '.join(extra)})"
    elif kind == "link":
        links = {_link_kind(iri): iri}
    return {"type": kind, "label": _short_label(index, iri, name), "name": name, "summary": summary,
            "links": _clean_links(links), "evidence": ""}


def _short_label(index, iri: str, name: str) -> str:
    c = index.thesaurus.concepts.get(iri)
    if c is not None:
        # The readable name ("text-to-image generation"), not a catalogue code ("Txt2Img"): codes are in the tooltip.
        name = c.label
    return short(name)


def _link_kind(url: str) -> str:
    if "huggingface.co" in url:
        return "huggingface"
    if "github.com" in url:
        return "github"
    return "paper" if "arxiv.org" in url else "link"


def _clean_links(links: dict) -> dict:
    return {k: v for k, v in links.items() if v}


def _merge(g: nx.MultiDiGraph, node: str, attrs: dict) -> None:
    """Add a node, or fill in what an earlier sighting of it lacked."""
    if node not in g:
        g.add_node(node, **attrs)
        return
    have = g.nodes[node]
    for k, v in attrs.items():
        if k == "links":
            have["links"] = {**v, **have.get("links", {})}
        elif v and not have.get(k):
            have[k] = v


def _edge(g: nx.MultiDiGraph, a: str, b: str, rel: str, highlight: bool = False) -> None:
    """One edge per (a, b, relation); an answer path marks it highlighted."""
    if g.has_edge(a, b, key=rel):
        g.edges[a, b, rel][HIGHLIGHT] = g.edges[a, b, rel][HIGHLIGHT] or highlight
    else:
        g.add_edge(a, b, key=rel, rel=rel, highlight=highlight)


# --- the answer view ---------------------------------------------------------


ANSWER_CAP = 30  # an answer is a picture to read at a glance; the rest is a click away


def answer_subgraph(answer: Answer, index, cap: int = ANSWER_CAP) -> nx.MultiDiGraph:
    """The answer first: the question, its task, the workflow (input -> pre-step -> models -> output),
    the chosen models and the cited papers, on their paths. The task's other models fold into one
    "+N more" node, and so does whatever else passes the cap; each such node holds what it hides
    (graph.graph["collapsed"]), so the page can unfold it on a click.
    """
    if cap < 2:
        raise QueryError(f"a cap of {cap} leaves no room for the answer", hint="use a cap of at least 2")
    full = nx.MultiDiGraph()
    parent: dict[str, str | None] = {}  # node -> the node it was reached from, for "+N more"
    _merge(full, QUESTION, {"type": "question", "label": "question", "name": answer.question,
                            "summary": answer.question, "links": {}, "evidence": ""})
    parent[QUESTION] = None
    task = answer.task.id if answer.task else None
    if task:
        _merge(full, task, describe(index, task, "task"))
        parent.setdefault(task, QUESTION)
    if answer.mode == "bundle" and answer.bundle:
        _add_bundle(full, parent, answer, index)
    _add_workflow(full, parent, index, answer)
    for item in [*answer.models, *answer.papers]:
        _add_path(full, parent, index, item.path)
        _annotate(full, item)
    _add_task_papers_abstracts(full, index, task)
    answered = set(full)
    if task:
        _add_context(full, parent, index, task)
    # The task's other models are the crowd the answer was picked from: one click away, not in the picture.
    crowd = [n for n in full if n not in answered and full.nodes[n]["type"] == "model"]
    g = _collapse(full, parent, cap, crowd)
    _levels(g, answer)
    return g


def _add_workflow(g: nx.MultiDiGraph, parent: dict, index, answer: Answer) -> None:
    """input -> [pre-step model] -> main models -> output, each step's data named on its node."""
    wf = answer.workflow
    if not wf:
        return
    inp, out = "workflow:input", "workflow:output"
    _data_node(g, inp, "in", f"what goes in: {wf.input}", wf.input, "The workflow's input, as the question gives it.")
    parent.setdefault(inp, QUESTION)
    _edge(g, QUESTION, inp, "gives", highlight=True)
    main = next(s for s in wf.steps if s.id == "main")
    pre_models = []
    for s in wf.steps:
        if s.id == "main":
            continue
        for name in s.models[:1]:
            iri = index.iri_of(name)
            _merge(g, iri, describe(index, iri, "model", name))
            parent.setdefault(iri, inp)
            _edge(g, inp, iri, f"first {s.task}", highlight=True)
            pre_models.append(iri)
    main_models = [index.iri_of(name) for name in main.models]
    for iri, name in zip(main_models, main.models):
        _merge(g, iri, describe(index, iri, "model", name))
        parent.setdefault(iri, inp)
        _edge(g, inp, iri, "fed to", highlight=True)
        for p in pre_models:
            _edge(g, p, iri, "then", highlight=True)
    _data_node(g, out, "out", f"what comes out: {wf.output}", wf.output, "The workflow's output.")
    parent.setdefault(out, main_models[0] if main_models else inp)
    for iri in main_models:
        _edge(g, iri, out, "gives", highlight=True)
    if not main_models:
        _edge(g, inp, out, "no fitting model")


def _data_node(g: nx.MultiDiGraph, node: str, side: str, name: str, data: str, summary: str) -> None:
    _merge(g, node, {"type": "data", "label": short(f"{side}: {data}"), "name": name, "summary": summary,
                     "links": {}, "evidence": ""})


def _levels(g: nx.MultiDiGraph, answer: Answer) -> None:
    """Columns for a left-to-right drawing: question, task, input, pre-step, models, output, papers."""
    pre = bool(answer.workflow) and any(s.id != "main" and s.models for s in answer.workflow.steps)
    models = 4 if pre else 3
    by_type = {"question": 0, "bundle": 0, "task": 1, "area": 1, "data": 2, "model": models, "more": models,
               "paper": models + 2}
    pre_ids = {e[1] for e in g.out_edges("workflow:input", keys=True) if str(e[2]).startswith("first ")} \
        if "workflow:input" in g else set()

    def level(n, d):
        if n == "workflow:output":
            return models + 1
        if n in pre_ids:
            return 3
        return by_type.get(d.get("type"), models + 1)

    for n, d in g.nodes(data=True):
        d["level"] = level(n, d)
    for hidden in g.graph.get("collapsed", {}).values():
        for n, d in hidden["nodes"].items():
            d["level"] = level(n, d)


def _add_path(g: nx.MultiDiGraph, parent: dict, index, path: Path) -> None:
    nodes = path[0::2]
    hops = path[1::2]
    for step in nodes:
        attrs = describe(index, step.id, step.type, step.label) if step.id != QUESTION else {}
        _merge(g, step.id, attrs)
    for a, hop, b in zip(nodes, hops, nodes[1:]):
        parent.setdefault(b.id, a.id)
        _edge(g, a.id, b.id, hop.rel, highlight=True)


def _annotate(g: nx.MultiDiGraph, item: Model | Recommended | Paper) -> None:
    """What the answer knows about a cited model or paper: its links and evidence sentence."""
    if item.iri not in g:
        return
    if isinstance(item, Paper):
        links = {"paper": item.url, "github": item.github}
        _merge(g, item.iri, {"name": item.title or ""})
    else:
        links = asdict(item.links)
    _merge(g, item.iri, {"links": _clean_links(links), "evidence": getattr(item, "evidence", None) or ""})


def _add_task_papers_abstracts(g: nx.MultiDiGraph, index, task: str | None) -> None:
    """Papers filed under a shown task have abstracts in the store: use them as summaries."""
    tasks = {n for n, t in g.nodes(data="type") if t == "task"}
    if task:
        tasks.add(task)
    abstracts = {}
    for t in sorted(tasks):
        for p in index.papers_for_task(t):
            if p.abstract:
                abstracts.setdefault(p.iri, p.abstract)
    for n, d in g.nodes(data=True):
        if d.get("type") == "paper" and n in abstracts and not d.get("summary"):
            d["summary"] = abstracts[n]


def _add_bundle(g: nx.MultiDiGraph, parent: dict, answer: Answer, index) -> None:
    """A bundle answer shows the bundle that posed the question."""
    name = answer.bundle
    node = str(iris.bundle(name))
    _merge(g, node, {"type": "bundle", "label": short(name), "name": f"prompt bundle {name}",
                     "summary": "", "links": {}, "evidence": ""})
    parent.setdefault(node, QUESTION)
    _edge(g, node, QUESTION, "poses")


def _add_context(g: nx.MultiDiGraph, parent: dict, index, task: str) -> None:
    """One hop around the task in the index's graph: broader and narrower tasks, its models."""
    graph = index.graph
    if task not in graph:
        return
    ranked = sorted(
        [(b, task, d["rel"]) for _, b, d in graph.out_edges(task, data=True)]
        + [(a, a, d["rel"]) for a, _, d in graph.in_edges(task, data=True)],
        key=lambda t: (node_type(index, t[0]) == "model", index.label(t[0]).casefold(), t[0]),
    )
    for other, src, rel in ranked:
        _merge(g, other, describe(index, other))
        parent.setdefault(other, task)
        a, b = (src, other) if src == task else (other, task)
        _edge(g, a, b, rel)


def _collapse(full: nx.MultiDiGraph, parent: dict, cap: int, crowd: list[str]) -> nx.MultiDiGraph:
    """Keep the first nodes in insertion order (never the crowd), leaving room for one "+N more" node per
    node whose neighbours are folded; each "+N more" node's contents go in graph.graph["collapsed"]."""
    crowded = set(crowd)
    order = [n for n in full if n not in crowded]
    keep_n = min(len(order), cap)
    while True:
        kept = set(order[:keep_n])
        groups = _cut_by_anchor([*order[keep_n:], *crowd], kept, parent)
        if keep_n + len(groups) <= cap or keep_n <= 2:
            break
        keep_n -= 1
    g = full.subgraph(order[:keep_n]).copy()
    g.graph["collapsed"] = {}
    reachable = {m for members in groups.values() for m in members} | set(g)  # shown, or held by a "+N more"
    for anchor, members in groups.items():
        more = f"more:{anchor}"
        inside = set(members)
        kinds = {full.nodes[m]["type"] for m in members}
        what = f"{kinds.pop()}s" if len(kinds) == 1 else "neighbours"
        name = f"{len(members)} more {what} of {g.nodes[anchor]['name']}"
        g.add_node(more, type="more", label=f"+{len(members)} more", name=name,
                   summary="Click to show them here.", links={}, evidence="")
        _edge(g, anchor, more, "and more")
        # An edge to a node another "+N more" holds goes with both; the page adds it once both ends are shown.
        edges = [(a, b, k, dict(d)) for a, b, k, d in full.edges(keys=True, data=True)
                 if (a in inside or b in inside) and {a, b} <= reachable]
        g.graph["collapsed"][more] = {"nodes": {m: dict(full.nodes[m]) for m in members}, "edges": edges}
    return g


def _cut_by_anchor(cut_nodes: list[str], kept: set[str], parent: dict) -> dict[str, list[str]]:
    """For each kept node, the left-out nodes reached through it."""
    groups: dict[str, list[str]] = {}
    for n in cut_nodes:
        anchor = parent.get(n)
        while anchor is not None and anchor not in kept:
            anchor = parent.get(anchor)
        groups.setdefault(anchor or QUESTION, []).append(n)
    return groups


# --- exports -------------------------------------------------------------------


def export_subgraph(index, task: str | None = None, node: str | None = None, depth: int = 2,
                    cap: int | None = 300) -> nx.MultiDiGraph:
    """The neighbourhood of a task or node to `depth` hops, edges in either direction.

    Papers filed under a reached task hang from it ("studied by"), but only while there is
    room under the cap: they are many, and a view of the graph's own nodes matters more.
    With neither task nor node, the whole graph (only if it fits under the cap).
    cap=None means no cap (for GraphML files, which no browser has to lay out).
    """
    if depth < 0:
        raise QueryError(f"depth {depth} is negative", hint="use --depth 0 or more")
    focus = _focus(index, task, node)
    g = nx.MultiDiGraph()
    if focus is None:
        # Concepts without edges are part of the graph too (a new task nobody addresses yet).
        reached = {n: 0 for n in [*index.graph, *sorted(set(index.thesaurus.concepts) - set(index.graph))]}
        what = "the whole graph"
        hint = "use --task LABEL or --node IRI to export a neighbourhood, with --depth N (default 2)"
    else:
        reached = _reach(index.graph, focus, depth)
        what = f"the neighbourhood of {index.label(focus)} to depth {depth}"
        hint = (f"lower --depth (now {depth}), or focus on a narrower --task or a single --node IRI"
                if depth else "focus on another --task or --node")
    if cap is not None and len(reached) > cap:
        raise QueryError(f"{what} has {len(reached)} nodes, more than the cap of {cap}", hint=hint)
    for n in reached:
        _merge(g, n, describe(index, n))
    for a, b, d in index.graph.subgraph(reached).edges(data=True):
        _edge(g, a, b, d["rel"])
    _add_papers(g, index, reached, depth if focus is not None else 1, cap)
    return g


def _focus(index, task: str | None, node: str | None) -> str | None:
    th = index.thesaurus
    if task:
        iri = task if task in th.concepts else th.lookup(task, kind="task")
        if iri is None or th.concepts[iri].kind != "task":
            raise QueryError(f"no task is called {task!r}",
                             hint="give a task IRI, label or catalogue label, e.g. --task SISR")
        return iri
    if node:
        if node in index.graph or node in th.concepts:
            return node
        model = index.iri_of(node)  # a model's name, as the catalogue spells it
        iri = th.lookup(node) or (model if model in index.graph else None)
        if iri is None:
            raise QueryError(f"no node {node!r} in the graph", hint="give a node IRI, a concept label or a model name")
        return iri
    return None


def _reach(graph: nx.MultiDiGraph, focus: str, depth: int) -> dict[str, int]:
    """Breadth-first over edges in both directions: node -> hops from the focus."""
    seen = {focus: 0}
    queue = deque([focus])
    while queue:
        n = queue.popleft()
        if seen[n] >= depth or n not in graph:
            continue
        for m in sorted({*graph.successors(n), *graph.predecessors(n)}):
            if m not in seen:
                seen[m] = seen[n] + 1
                queue.append(m)
    return seen


def _add_papers(g: nx.MultiDiGraph, index, reached: dict[str, int], depth: int, cap: int | None) -> None:
    """Task papers one hop past the reached tasks, nearest tasks first, while the cap allows."""
    th = index.thesaurus
    tasks = sorted((hops, t) for t, hops in reached.items()
                   if hops < depth and t in th.concepts and th.concepts[t].kind == "task")
    # Papers whose text names the task come first: what they say is theirs, a listing's label is not.
    edges = [(t, p, rel) for _, t in tasks
             for p, rel in [*((p, "named in") for p, _ in index.papers_mentioning(t)),
                            *((p, "studied by") for p in index.papers_for_task(t))]]
    new: dict[str, tuple[str, object]] = {}  # paper IRI -> (first task, PaperInfo), in order
    for t, p, _ in edges:
        if p.iri not in g:
            new.setdefault(p.iri, (t, p))
    keep = _papers_that_fit(list(new.values()), None if cap is None else cap - g.number_of_nodes())
    left_out: dict[str, int] = {}
    for i, (t, p) in enumerate(new.values()):
        if i < keep:
            _merge(g, p.iri, {"type": "paper", "label": short(p.display), "name": p.display,
                              "summary": p.abstract or "", "evidence": "",
                              "links": _clean_links({"paper": p.link, "github": p.github})})
        else:
            left_out[t] = left_out.get(t, 0) + 1
    for t, p, rel in edges:
        if p.iri in g:
            _edge(g, t, p.iri, rel)
    for t, n in left_out.items():
        more = f"more:{t}"
        g.add_node(more, type="more", label=f"+{n} more", name=f"{n} more papers naming or studying {index.label(t)}",
                   summary=f"Not shown: the export is capped at {cap} nodes.", links={}, evidence="")
        _edge(g, t, more, "studied by")


def _papers_that_fit(new: list[tuple[str, object]], room: int | None) -> int:
    """How many of the new papers to keep so that they and one "+N more" node per cut task fit in room."""
    if room is None or len(new) <= room:
        return len(new)
    # distinct[i]: how many tasks the papers from i on belong to, i.e. the "+N more" nodes a cut at i needs.
    distinct, seen = [0] * (len(new) + 1), set()
    for i in range(len(new) - 1, -1, -1):
        seen.add(new[i][0])
        distinct[i] = len(seen)
    keep = max(room - 1, 0)
    while keep > 0 and keep + distinct[keep] > room:
        keep -= 1
    return keep
