"""Which part of the graph a view shows: the answer's paths plus context, or a focus's neighbourhood.

kg decides what to show here; kg.view.page only draws what it is given. Every node
carries the same attributes (type, label, name, summary, links, evidence), so the
page and the GraphML file need no knowledge of the index.
"""

from collections import deque

import networkx as nx

from .. import iris
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
    if iri in index.models:
        return "model"
    if iri in index.papers:
        return "paper"
    concept = index.thesaurus.concepts.get(iri)
    if concept is not None:
        return concept.kind
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
        m = index.models[iri]
        summary = m.summary or ""
        paper = index.papers.get(m.papers[0]) if m.papers else None
        links = {"paper": paper.link if paper else None, "github": m.github, "huggingface": m.huggingface}
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
        # A concept's shortest technical label ("SISR") reads better than a cut-off long one.
        name = min([c.label, *c.notations], key=len)
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


def answer_subgraph(answer: dict, index, cap: int = 60) -> nx.MultiDiGraph:
    """The question, its task, every node on the answer's paths, and one hop around the task.

    Path nodes come first, so the cap cuts context before it cuts the answer; where it
    cuts, a "+N more" node hangs from the node whose neighbours were left out.
    """
    if cap < 2:
        raise QueryError(f"a cap of {cap} leaves no room for the answer", hint="use a cap of at least 2")
    full = nx.MultiDiGraph()
    parent: dict[str, str | None] = {}  # node -> the node it was reached from, for "+N more"
    _merge(full, QUESTION, {"type": "question", "label": "question", "name": answer.get("question", ""),
                            "summary": answer.get("question", ""), "links": {}, "evidence": ""})
    parent[QUESTION] = None
    task = (answer.get("task") or {}).get("id")
    if task:
        _merge(full, task, describe(index, task, "task"))
        parent.setdefault(task, QUESTION)
    if answer.get("mode") == "bundle" and answer.get("bundle"):
        _add_bundle(full, parent, answer, index)
    for item, kind in [*((m, "model") for m in answer.get("models", [])),
                       *((p, "paper") for p in answer.get("papers", []))]:
        _add_path(full, parent, index, item.get("path") or [])
        _annotate(full, item, kind)
    _add_task_papers_abstracts(full, index, task)
    if task:
        _add_context(full, parent, index, task)
    return _cap(full, parent, cap)


def _add_path(g: nx.MultiDiGraph, parent: dict, index, path: list[dict]) -> None:
    nodes = path[0::2]
    rels = path[1::2]
    for step in nodes:
        attrs = describe(index, step["id"], step.get("type"), step.get("label")) if step["id"] != QUESTION else {}
        _merge(g, step["id"], attrs)
    for a, rel, b in zip(nodes, rels, nodes[1:]):
        parent.setdefault(b["id"], a["id"])
        _edge(g, a["id"], b["id"], rel["rel"], highlight=True)


def _annotate(g: nx.MultiDiGraph, item: dict, kind: str) -> None:
    """What the answer knows about a cited model or paper: its links and evidence sentence."""
    iri = item.get("iri")
    if iri not in g:
        return
    links = dict(item.get("links") or {})
    if kind == "paper":
        links = {"paper": item.get("url"), "github": item.get("github"), **links}
        _merge(g, iri, {"name": item.get("title") or ""})
    _merge(g, iri, {"links": _clean_links(links), "evidence": item.get("evidence") or ""})


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


def _add_bundle(g: nx.MultiDiGraph, parent: dict, answer: dict, index) -> None:
    """A bundle answer shows the bundle that posed the question."""
    name = answer["bundle"]
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


def _cap(full: nx.MultiDiGraph, parent: dict, cap: int) -> nx.MultiDiGraph:
    """Keep the first nodes in insertion order, leaving room for the "+N more" nodes themselves."""
    order = list(full.nodes)
    if len(order) <= cap:
        return full
    keep_n = cap - 1
    while True:
        kept = set(order[:keep_n])
        cut = _cut_by_anchor(order[keep_n:], kept, parent)
        if keep_n + len(cut) <= cap or keep_n == 1:
            break
        keep_n -= 1
    g = full.subgraph(order[:keep_n]).copy()
    for anchor, n in cut.items():
        more = f"more:{anchor}"
        g.add_node(more, type="more", label=f"+{n} more", name=f"{n} more neighbours of {g.nodes[anchor]['name']}",
                   summary=f"Not shown: the view is capped at {cap} nodes.", links={}, evidence="")
        _edge(g, anchor, more, "and more")
    return g


def _cut_by_anchor(cut_nodes: list[str], kept: set[str], parent: dict) -> dict[str, int]:
    """For each kept node, how many left-out nodes were reached through it."""
    counts: dict[str, int] = {}
    for n in cut_nodes:
        anchor = parent.get(n)
        while anchor is not None and anchor not in kept:
            anchor = parent.get(anchor)
        anchor = anchor or QUESTION
        counts[anchor] = counts.get(anchor, 0) + 1
    return counts


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
    edges = [(t, p) for _, t in tasks for p in index.papers_for_task(t)]
    new: dict[str, tuple[str, object]] = {}  # paper IRI -> (first task, PaperInfo), in order
    for t, p in edges:
        if p.iri not in g:
            new.setdefault(p.iri, (t, p))
    keep = _papers_that_fit(list(new.values()), None if cap is None else cap - g.number_of_nodes())
    left_out: dict[str, int] = {}
    for i, (t, p) in enumerate(new.values()):
        if i < keep:
            _merge(g, p.iri, {"type": "paper", "label": short(p.title or p.iri), "name": p.title or p.iri,
                              "summary": p.abstract or "", "evidence": "",
                              "links": _clean_links({"paper": p.link, "github": p.github})})
        else:
            left_out[t] = left_out.get(t, 0) + 1
    for t, p in edges:
        if p.iri in g:
            _edge(g, t, p.iri, "studied by")
    for t, n in left_out.items():
        more = f"more:{t}"
        g.add_node(more, type="more", label=f"+{n} more", name=f"{n} more papers studying {index.label(t)}",
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
