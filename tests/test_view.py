"""Graph views, checked in a real browser: Debian's Chromium driven headless by Playwright.

The pages must open offline, draw exactly the exported subgraph, highlight the answer
paths, never run text from the graph as code, and make no request. A missing browser
fails these tests (CI installs chromium), it never skips them.
"""

import json
import os
import re
import shutil
from html import unescape
from pathlib import Path

import networkx as nx
import pytest

from kg.answer import Answer
from kg.errors import QueryError
from kg.view import answer_subgraph, export_subgraph, render_html, write_graphml, write_html
from kg.view.subgraph import QUESTION

from tests.conftest import ROOT, SEED_BUNDLE, SEED_QUESTION

CHROMIUM = os.environ.get("KG_CHROMIUM", "/usr/bin/chromium")
CHROMIUM_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                 "--disable-background-networking", "--disable-component-update", "--disable-sync"]
ARTIFACTS = ROOT / "tests" / "artifacts"
STABILISE_MS = 60_000  # a generous bound for CI's two cores; the pages settle in about 0.5-3 s
XSS = '<script>window.__xss=1</script><img src=x onerror="window.__xss=1">'


# --- fixtures ------------------------------------------------------------------


@pytest.fixture(scope="session")
def browser():
    try:
        from playwright.sync_api import sync_playwright
    except ImportError:
        pytest.fail("Playwright's Python package is not installed: pip install -r requirements.lock", pytrace=False)
    if not (Path(CHROMIUM).exists() or shutil.which(CHROMIUM)):
        pytest.fail(f"no Chromium at {CHROMIUM}: install Debian's with `apt-get install -y chromium` "
                    "(.ci/run does), or point $KG_CHROMIUM at one", pytrace=False)
    with sync_playwright() as p:
        b = p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        yield b
        b.close()


@pytest.fixture(scope="module")
def seed_answer(answerer) -> Answer:
    return answerer.ask(SEED_QUESTION)


@pytest.fixture(scope="module")
def bundle_answer(answerer) -> Answer:
    from kg.readers import read_source

    bundle = read_source(SEED_BUNDLE, SEED_BUNDLE.name, "bundle").records[0]
    return answerer.ask_bundle(bundle)


@pytest.fixture(scope="module")
def metrics():
    """Page sizes and layout times, kept beside the screenshots for the record."""
    found: dict = {}
    yield found
    if found:
        ARTIFACTS.mkdir(parents=True, exist_ok=True)
        path = ARTIFACTS / "view_metrics.json"
        old = json.loads(path.read_text()) if path.exists() else {}
        path.write_text(json.dumps({**old, **found}, indent=2))


class Opened:
    """A page opened from a file, with what it logged and every request it tried to make."""

    def __init__(self, browser, html: Path, bypass_csp: bool = False):
        self.context = browser.new_context(viewport={"width": 1400, "height": 900}, bypass_csp=bypass_csp)
        self.errors: list[str] = []
        self.requests: list[str] = []
        self.outside: list[str] = []
        self.context.route("**/*", self._route)
        self.page = self.context.new_page()
        self.page.on("console", self._console)
        self.page.on("pageerror", lambda e: self.errors.append(f"page error: {e}"))
        self.page.on("request", self._request)
        self.page.goto(html.resolve().as_uri())

    def _console(self, message) -> None:
        if message.type == "error":
            self.errors.append(f"console error: {message.text}")

    def _request(self, request) -> None:
        self.requests.append(request.url)
        if not request.url.startswith(("file:", "data:")):
            self.outside.append(request.url)

    def _route(self, route) -> None:
        # Nothing may leave the page: anything but file: and data: is recorded and refused.
        if route.request.url.startswith(("file:", "data:")):
            route.continue_()
        else:
            self.outside.append(route.request.url)
            route.abort()

    def settle(self) -> dict:
        # A selector wait, not wait_for_function: the page's CSP forbids the eval that one polls with.
        self.page.wait_for_selector("#kg-graph[data-stabilized=true]", state="attached", timeout=STABILISE_MS)
        return self.page.evaluate("""() => {
            const v = window.kgView, edges = v.edgeSet;
            return {
                counts: v.counts(),
                ms: v.stabilizationMs,
                physics: v.network.physics.options.enabled,
                highlighted: edges.get(v.highlightedEdges).map(e => [e.from, e.to, e.kgRel, e.color.color, e.width]),
                plain: edges.get({filter: e => !e.kgHighlight}).map(e => [e.color.color, e.width]),
                labels: v.nodeSet.get().map(n => n.label),
            };
        }""")

    def close(self) -> None:
        self.context.close()


def _open(browser, graph: nx.MultiDiGraph, path: Path, title: str, **kw) -> tuple[Opened, dict]:
    written = write_html(graph, path, title)
    page = Opened(browser, path, **kw)
    state = page.settle()
    state["bytes"] = written["bytes"]
    return page, state


def _assert_faithful(page: Opened, state: dict, graph: nx.MultiDiGraph) -> None:
    assert state["counts"] == {"nodes": graph.number_of_nodes(), "edges": graph.number_of_edges()}
    assert state["physics"] is False, "physics must stop once the layout has settled"
    assert page.errors == []
    assert page.outside == [], f"requests left the page: {page.outside}"


def _path_edges(items) -> set[tuple[str, str, str]]:
    out = set()
    for item in items:
        steps = item.path
        for a, hop, b in zip(steps[0::2], steps[1::2], steps[2::2]):
            out.add((a.id, b.id, hop.rel))
    return out


def _assert_paths_highlighted(state: dict, answer) -> None:
    assert answer.papers, "the seed answer must cite papers for this check to mean anything"
    highlighted = {(a, b, rel) for a, b, rel, _, _ in state["highlighted"]}
    wanted = _path_edges(answer.papers) | _path_edges(answer.models)
    assert wanted <= highlighted, f"not highlighted: {sorted(wanted - highlighted)}"
    for paper in answer.papers:
        assert paper.path[0].id == QUESTION and paper.path[-1].id == paper.iri
    # Highlighted edges differ from context edges in colour and in width.
    hl_styles = {(c, w) for *_, c, w in state["highlighted"]}
    assert len(hl_styles) == 1 and not hl_styles & {tuple(p) for p in state["plain"]}


def _screenshot(page: Opened, name: str) -> None:
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    page.page.screenshot(path=str(ARTIFACTS / name))


# --- the answer views ----------------------------------------------------------------


def test_seed_answer_view(browser, seed_answer, answerer, tmp_path, metrics):
    graph = answer_subgraph(seed_answer, answerer.index)
    page, state = _open(browser, graph, tmp_path / "answer.html", f"kg: {seed_answer.question}")
    try:
        _assert_faithful(page, state, graph)
        _assert_paths_highlighted(state, seed_answer)
        # The screenshot shows the top model's details in the side panel, as a click would.
        assert page.page.evaluate("id => window.kgView.show(id)", seed_answer.models[0].iri) is True
        _screenshot(page, "answer_view.png")
        metrics["answer_view"] = {"bytes": state["bytes"], "stabilization_ms": state["ms"], **state["counts"]}
    finally:
        page.close()


def test_seed_bundle_view(browser, bundle_answer, answerer, tmp_path, metrics):
    graph = answer_subgraph(bundle_answer, answerer.index)
    assert any(t == "bundle" for _, t in graph.nodes(data="type"))
    page, state = _open(browser, graph, tmp_path / "bundle.html", f"kg bundle: {bundle_answer.bundle}")
    try:
        _assert_faithful(page, state, graph)
        _assert_paths_highlighted(state, bundle_answer)
        _screenshot(page, "bundle_view.png")
        metrics["bundle_view"] = {"bytes": state["bytes"], "stabilization_ms": state["ms"], **state["counts"]}
    finally:
        page.close()


def test_answer_nodes_carry_what_the_tooltips_show(seed_answer, answerer):
    graph = answer_subgraph(seed_answer, answerer.index)
    model = seed_answer.models[0]
    node = graph.nodes[model.iri]
    assert node["type"] == "model" and node["name"] == model.name
    assert node["summary"] == answerer.index.models[model.iri].summary
    assert {k: v for k, v in vars(model.links).items() if v} == node["links"]
    assert graph.nodes[QUESTION]["name"] == SEED_QUESTION
    task = graph.nodes[seed_answer.task.id]
    assert task["type"] == "task" and len(task["label"]) <= len(task["name"])


def _unfolded(g: nx.MultiDiGraph) -> set:
    """The nodes a view stands for: those drawn, and those its "+N more" nodes hold."""
    shown = {n for n, t in g.nodes(data="type") if t != "more"}
    return shown | {n for hidden in g.graph.get("collapsed", {}).values() for n in hidden["nodes"]}


def test_answer_view_cap_shows_how_many_more(browser, seed_answer, answerer, tmp_path):
    full = answer_subgraph(seed_answer, answerer.index, cap=10_000)
    capped = answer_subgraph(seed_answer, answerer.index, cap=8)
    assert capped.number_of_nodes() <= 8
    more = {n: d for n, d in capped.nodes(data=True) if d["type"] == "more"}
    assert more, "a cut view must say so"
    # Each "+N more" counts exactly the nodes it holds, and nothing is lost or held twice.
    for n, d in more.items():
        held = capped.graph["collapsed"][n]["nodes"]
        assert d["label"] == f"+{len(held)} more"
    held = [m for hidden in capped.graph["collapsed"].values() for m in hidden["nodes"]]
    assert len(held) == len(set(held))
    assert _unfolded(capped) == _unfolded(full)
    # Unfolding every "+N more" gives back every edge too, those between two of them included.
    edges = lambda g: {(a, b, k) for a, b, k in g.edges(keys=True) if k != "and more"} | {  # noqa: E731
        (a, b, k) for hidden in g.graph.get("collapsed", {}).values() for a, b, k, _ in hidden["edges"]}
    assert edges(capped) == edges(full)
    between = [e for e in edges(capped) if e[0] in held and e[1] in held and not any(
        e[0] in h["nodes"] and e[1] in h["nodes"] for h in capped.graph["collapsed"].values())]
    assert between, "with a cap of 8 some edges join nodes held by two different '+N more' nodes"
    assert QUESTION in capped and seed_answer.task.id in capped
    page, state = _open(browser, capped, tmp_path / "capped.html", "capped")
    try:
        _assert_faithful(page, state, capped)
        assert any(re.fullmatch(r"\+\d+ more", label) for label in state["labels"])
        # In the page, unfolding them all, in any order, draws the whole view: every node, every edge once.
        for n in sorted(more, reverse=True):
            assert page.page.evaluate("id => window.kgView.expand(id)", n) is True
        assert page.page.evaluate("() => window.kgView.counts()") == {
            "nodes": len(_unfolded(full)), "edges": len(edges(full))}
        assert page.errors == []
    finally:
        page.close()


def test_seed_answer_view_is_the_answer_first_and_unfolds_on_a_click(browser, seed_answer, answerer, tmp_path):
    graph = answer_subgraph(seed_answer, answerer.index)
    task = seed_answer.task.id
    crowd = f"more:{task}"
    others = set(answerer.index.task_models[task]) - {m.iri for m in seed_answer.models}
    assert graph.number_of_nodes() <= 30
    assert set(graph.graph["collapsed"][crowd]["nodes"]) == others and len(others) > 20
    main = [answerer.index.iri_of(n) for n in seed_answer.workflow.steps[-1].models]
    pre = [answerer.index.iri_of(n) for s in seed_answer.workflow.steps[:-1] for n in s.models]
    assert pre, "the seed question mentions blur, so its workflow has a deblurring step"
    page, state = _open(browser, graph, tmp_path / "answer.html", "answer first")
    try:
        _assert_faithful(page, state, graph)
        x = page.page.evaluate("""ids => { const p = window.kgView.network.getPositions(ids);
                                           return ids.map(i => p[i].x); }""",
                               ["workflow:input", *pre, *main, "workflow:output"])
        # Left to right as the workflow runs: input, the deblurring step, the upscalers, the output.
        x_in, x_pre, x_main, x_out = x[0], x[1:1 + len(pre)], x[1 + len(pre):-1], x[-1]
        assert x_in < min(x_pre) and max(x_pre) < min(x_main) and max(x_main) < x_out
        assert f"+{len(others)} more" in set(state["labels"])
        # A real click on the "+N more" node puts the models it holds in its place.
        at = page.page.evaluate("""id => { const v = window.kgView;
                                           return v.network.canvasToDOM(v.network.getPositions([id])[id]); }""", crowd)
        box = page.page.locator("#kg-network").bounding_box()
        page.page.mouse.click(box["x"] + at["x"], box["y"] + at["y"])
        after = page.page.evaluate("""() => ({counts: window.kgView.counts(),
                                            ids: window.kgView.nodeSet.getIds()})""")
        assert after["counts"]["nodes"] == graph.number_of_nodes() - 1 + len(others)
        assert others <= set(after["ids"]) and crowd not in after["ids"]
        assert page.errors == []
        _screenshot(page, "answer_view_unfolded.png")
    finally:
        page.close()


# --- exports ---------------------------------------------------------------------------


def test_task_export_view(browser, answerer, tmp_path, metrics):
    graph = export_subgraph(answerer.index, task="SISR", depth=1)
    task = answerer.index.thesaurus.lookup("SISR", kind="task")
    assert task in graph and all(nx.has_path(graph.to_undirected(as_view=True), task, n) for n in graph)
    page, state = _open(browser, graph, tmp_path / "export.html", "kg export: SISR, depth 1")
    try:
        _assert_faithful(page, state, graph)
        assert state["highlighted"] == []
        _screenshot(page, "export_SISR.png")
        metrics["export_SISR_depth1"] = {"bytes": state["bytes"], "stabilization_ms": state["ms"], **state["counts"]}
    finally:
        page.close()


def test_task_views_name_nodes_readably_and_show_the_papers_naming_the_task(answerer):
    index = answerer.index
    th = index.thesaurus
    graph = export_subgraph(index, task="colorization", depth=1)
    task = th.lookup("colorization", kind="task")
    named = {p.iri for p, _ in index.papers_mentioning(task)}
    shown = {b for a, b, rel in graph.edges(data="rel") if a == task and rel == "named in"}
    assert named and shown == named
    assert "Control Color: Multimodal Diffusion-based Interactive Image Colorization" in {
        d["label"] if len(d["label"]) < 26 else d["name"] for _, d in graph.nodes(data=True)}
    # Concepts go by their readable names; catalogue codes (Txt2Img, NST) stay in the tooltip.
    wide = export_subgraph(index, task="image synthesis and editing", depth=1)
    codes = {n for c in th.concepts.values() for n in c.notations if n != c.pref_label}
    concepts = [d for n, d in wide.nodes(data=True) if n in th.concepts]
    assert len(concepts) > 5
    assert not {d["label"] for d in concepts} & codes
    assert all(d["label"].rstrip("\u2026") in d["name"] for d in concepts)


def test_export_at_the_cap_renders(browser, answerer, tmp_path, metrics):
    """A task with more papers than the cap: papers fill the view up to it, then "+N more"."""
    index = answerer.index
    iri = index.thesaurus.lookup("Image Classification", kind="task")
    task = index.thesaurus.concepts[iri] if iri else max(  # the seeds' best-studied task, else look for one
        index.thesaurus.of_kind("task"), key=lambda t: len(index.papers_for_task(t.iri)))
    assert len(index.papers_for_task(task.iri)) > 300
    graph = export_subgraph(index, task=task.iri, depth=1, cap=300)
    assert graph.number_of_nodes() == 300
    assert any(d["type"] == "more" for _, d in graph.nodes(data=True))
    page, state = _open(browser, graph, tmp_path / "big.html", f"kg export: {task.label}, depth 1")
    try:
        _assert_faithful(page, state, graph)
        _screenshot(page, "export_at_cap.png")
        metrics["export_at_cap"] = {"task": task.label, "bytes": state["bytes"], "stabilization_ms": state["ms"],
                                    **state["counts"]}
    finally:
        page.close()


def test_export_over_the_cap_is_refused_with_a_way_to_narrow_it(answerer):
    with pytest.raises(QueryError) as exc:
        export_subgraph(answerer.index, task="SISR", depth=3, cap=50)
    msg = exc.value.one_line()
    assert "cap of 50" in msg and "--depth" in msg and "--node" in msg
    with pytest.raises(QueryError) as exc:
        export_subgraph(answerer.index, cap=50)
    assert "whole graph" in str(exc.value) and "--task" in exc.value.one_line()


def test_export_focus_must_exist(answerer):
    with pytest.raises(QueryError, match="no task"):
        export_subgraph(answerer.index, task="no such task at all")
    with pytest.raises(QueryError, match="no node"):
        export_subgraph(answerer.index, node="https://example.org/nothing")


def test_export_by_node(answerer):
    model = answerer.index.iri_of("SISR-CARN-2x")
    graph = export_subgraph(answerer.index, node=model, depth=1)
    assert set(graph) == {model, *answerer.index.graph.successors(model), *answerer.index.graph.predecessors(model)}


# --- safety ------------------------------------------------------------------------------


def _hostile_graph() -> nx.MultiDiGraph:
    g = nx.MultiDiGraph()
    g.add_node("question", type="question", label="question", name=XSS, summary=XSS, links={}, evidence="")
    g.add_node("evil", type="paper", label=XSS, name=XSS, summary=f"A summary. {XSS}", evidence=XSS,
               links={"paper": "javascript:window.__xss=1", "github": f"https://github.com/x/{XSS}"})
    g.add_edge("question", "evil", key="asks", rel=XSS, highlight=True)
    return g


@pytest.mark.parametrize("bypass_csp", [False, True], ids=["with-csp", "escaping-alone"])
def test_markup_in_the_graph_never_runs(browser, tmp_path, bypass_csp):
    graph = _hostile_graph()
    page, state = _open(browser, graph, tmp_path / "xss.html", XSS, bypass_csp=bypass_csp)
    try:
        _assert_faithful(page, state, graph)
        p = page.page
        assert p.evaluate("() => window.kgView.show('evil')") is True
        p.mouse.move(0, 0)
        pos = p.evaluate("() => { const n = kgView.network; return n.canvasToDOM(n.getPositions(['evil']).evil); }")
        box = p.locator("#kg-network").bounding_box()
        p.mouse.move(box["x"] + pos["x"], box["y"] + pos["y"])  # open the tooltip too
        tooltip = p.locator("div.vis-tooltip")
        tooltip.wait_for(state="visible", timeout=5000)
        assert "<script>window.__xss=1</script>" in tooltip.inner_text()
        assert p.evaluate("() => window.__xss") is None
        panel = p.locator("#kg-details").inner_text()
        assert "<script>window.__xss=1</script>" in panel, "markup must be shown as text"
        assert p.locator("#kg-details a").count() == 1, "only the https link may be clickable"
        assert p.title() == XSS
        assert p.locator("img, iframe, object, embed").count() == 0
    finally:
        page.close()


def test_page_is_self_contained(seed_answer, answerer):
    html = render_html(answer_subgraph(seed_answer, answerer.index), "kg")
    # Only the page's own markup: the inlined vis-network code and the graph's JSON are not tags.
    markup = re.sub(r"(<script[^>]*>|<style>).*?(</script>|</style>)", r"\1\2", html, flags=re.S | re.I)
    tags = re.findall(r"<(?:script|link|img|iframe|object|embed|source)\b[^>]*>", markup, re.I)
    assert tags and not [t for t in tags if re.search(r"\s(src|href)=", t, re.I) and "data:" not in t]
    assert "bootstrap" not in markup.lower() and "cdn" not in markup.lower()
    assert "Content-Security-Policy" in markup and "default-src 'none'" in unescape(markup)


def test_the_page_script_survives_html_parsing_as_it_is_hashed():
    from kg.view.template import SCRIPT

    # The HTML parser rewrites NUL and would change other controls' meaning: the CSP hash would then not match.
    assert not re.search(r"[\x00-\x08\x0b\x0c\x0e-\x1f]", SCRIPT)


def test_the_request_check_would_catch_a_leak(browser, tmp_path):
    """The no-request check is not vacuous: a page that reaches out is caught (and refused)."""
    leaky = tmp_path / "leaky.html"
    leaky.write_text('<html><body><img src="http://kg-test.invalid/pixel.png"></body></html>')
    page = Opened(browser, leaky)
    try:
        page.page.wait_for_timeout(300)
        assert page.outside and page.outside[0].startswith("http://kg-test.invalid/")
    finally:
        page.close()


# --- GraphML --------------------------------------------------------------------------------


def test_graphml_round_trip(seed_answer, answerer, tmp_path):
    graph = answer_subgraph(seed_answer, answerer.index)
    graph.nodes[QUESTION]["summary"] = "control \x0b character"
    path = tmp_path / "answer.graphml"
    write_graphml(graph, path)
    back = nx.read_graphml(path, force_multigraph=True)
    assert back.number_of_nodes() == graph.number_of_nodes()
    assert back.number_of_edges() == graph.number_of_edges()
    model = seed_answer.models[0].iri
    assert json.loads(back.nodes[model]["links"]) == graph.nodes[model]["links"]
    highlighted = [sum(1 for *_, h in g.edges(data="highlight") if h) for g in (back, graph)]
    assert highlighted[0] == highlighted[1] > 0
