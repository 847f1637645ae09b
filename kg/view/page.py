"""A self-contained HTML page of a view graph: pyvis builds the vis-network data, kg writes the page.

pyvis 0.3.2's own template links Bootstrap from a CDN even with cdn_resources='in_line',
puts the heading in unescaped and takes tooltips as HTML strings. So pyvis only collects
nodes, edges and options here, and a small template of kg's own inlines vis-network's JS
and CSS from pyvis's bundled copy: the page makes no request at all, which its
Content-Security-Policy also enforces (connect/img/font sources: none but data:).
"""

import base64
import hashlib
import json
from functools import lru_cache
from pathlib import Path

import jinja2
import networkx as nx
from markupsafe import Markup

from .style import EDGE, LEGEND_ORDER, STYLE, TYPE_NAMES
from .template import PAGE, SCRIPT

VIS_VERSION = "vis-9.1.2"
TIP_CHARS = 600  # the tooltip shows the start of a long abstract; the side panel shows all of it


@lru_cache(maxsize=1)
def _vis_assets() -> tuple[str, str]:
    """vis-network's JS and CSS as pyvis ships them (no download, no CDN)."""
    import pyvis

    lib = Path(pyvis.__file__).parent / "lib" / VIS_VERSION
    js = (lib / "vis-network.min.js").read_text(encoding="utf-8")
    css = (lib / "vis-network.css").read_text(encoding="utf-8")
    # Inlined, a "</script" or "</style" inside would end the element early; vis-network has none.
    if "</script" in js.lower() or "</style" in css.lower():
        raise RuntimeError(f"pyvis's {VIS_VERSION} cannot be inlined as it is")
    return js, css


def write_html(graph: nx.MultiDiGraph, path, title: str) -> dict:
    """Write graph as one HTML file that opens offline; returns its size and counts."""
    html = render_html(graph, title)
    from ..output import write_bytes

    write_bytes(path, html.encode("utf-8"))
    return {"path": str(path), "bytes": len(html.encode("utf-8")), "nodes": graph.number_of_nodes(),
            "edges": graph.number_of_edges()}


def render_html(graph: nx.MultiDiGraph, title: str) -> str:
    net = _pyvis_network(graph, title)
    nodes, edges, heading, _, _, options = net.get_network_data()
    js, css = _vis_assets()
    data = {"nodes": nodes, "edges": edges, "options": json.loads(options),
            "typeNames": TYPE_NAMES, "tipChars": TIP_CHARS, "collapsed": _collapsed(graph)}
    env = jinja2.Environment(autoescape=True, undefined=jinja2.StrictUndefined)
    return env.from_string(PAGE).render(
        title=heading,
        vis_js=_markup(js),
        vis_css=_markup(css),
        script=_markup(SCRIPT),
        data=data,
        csp=_csp(js, SCRIPT),
        legend=_legend(graph),
        highlight_colour=EDGE["highlight"]["color"],
        counts={"nodes": graph.number_of_nodes(), "edges": graph.number_of_edges(),
                "highlighted": sum(1 for *_, h in graph.edges(data="highlight") if h)},
    )


def _markup(text: str) -> Markup:
    """Trusted code (vis-network's and kg's own), inserted as it is."""
    return Markup(text)


def _csp(*scripts: str) -> str:
    """Only the page's own two scripts may run: an injected <script> would not, even unescaped."""
    hashes = " ".join(f"'sha256-{base64.b64encode(hashlib.sha256(s.encode('utf-8')).digest()).decode()}'"
                      for s in scripts)
    return (f"default-src 'none'; script-src {hashes}; style-src 'unsafe-inline'; img-src data:; "
            "font-src data:; connect-src 'none'; base-uri 'none'; form-action 'none'")


def _pyvis_network(graph: nx.MultiDiGraph, title: str, edge_prefix: str = "e"):
    from pyvis.network import Network

    net = Network(height="100%", width="100%", directed=True, heading=title, cdn_resources="in_line")
    for n, d in graph.nodes(data=True):
        kind = d.get("type") or "node"
        style = STYLE.get(kind, STYLE["node"])
        extra = {"level": int(d["level"])} if d.get("level") is not None else {}
        net.add_node(str(n), label=str(d.get("label") or n), shape=style["shape"],
                     color={"background": style["color"], "border": style["border"],
                            "highlight": {"background": style["color"], "border": "#000000"}},
                     size=style["size"], font={"size": 16 if kind == "more" else 12},
                     kgType=kind, kgName=str(d.get("name") or d.get("label") or n),
                     kgSummary=str(d.get("summary") or ""), kgLinks=_links(d.get("links")),
                     kgEvidence=str(d.get("evidence") or ""), **extra)
    for i, (a, b, key, d) in enumerate(graph.edges(keys=True, data=True)):
        rel = str(d.get("rel") or key)
        style = EDGE["highlight" if d.get("highlight") else "plain"]
        net.add_edge(str(a), str(b), id=f"{edge_prefix}{i}", label=rel, kgRel=rel,
                     kgHighlight=bool(d.get("highlight")),
                     color={"color": style["color"], "highlight": style["color"], "hover": style["color"]},
                     width=style["width"], font=style["font"], arrows="to")
    levels = graph.number_of_nodes() and all(d.get("level") is not None for _, d in graph.nodes(data=True))
    net.set_options(json.dumps(_options(graph.number_of_nodes(), left_to_right=bool(levels))))
    return net


def _collapsed(graph: nx.MultiDiGraph) -> dict:
    """What each "+N more" node hides, as vis-network nodes and edges the page adds on a click."""
    collapsed = graph.graph.get("collapsed", {})
    anywhere = {n: d for hidden in collapsed.values() for n, d in hidden["nodes"].items()}
    out = {}
    for k, (more, hidden) in enumerate(sorted(collapsed.items())):
        if more not in graph:
            continue
        part = nx.MultiDiGraph()
        part.add_nodes_from(hidden["nodes"].items())
        # pyvis needs both ends of an edge; ends shown already, or held by another "+N more", are not sent twice.
        for a, b, key, d in hidden["edges"]:
            for end in (a, b):
                if end not in part:
                    part.add_node(end, **(graph.nodes[end] if end in graph else anywhere[end]))
            part.add_edge(a, b, key=key, **d)
        nodes, edges, *_ = _pyvis_network(part, "", edge_prefix=f"h{k}e").get_network_data()
        out[str(more)] = {"nodes": [n for n in nodes if n["id"] in hidden["nodes"]], "edges": edges}
    return out


def _links(links) -> dict:
    if isinstance(links, str):  # a graph read back from GraphML keeps them as JSON text
        try:
            links = json.loads(links)
        except ValueError:
            return {}
    return {str(k): str(v) for k, v in (links or {}).items() if v}


def _options(n: int, left_to_right: bool = False) -> dict:
    """Physics lays the graph out once and then stops (the page turns it off when done).

    Kamada-Kawai's improved initial layout is quadratic: only for small graphs. Larger ones
    get fewer iterations and hide edges while dragging, so the page never stalls. A graph whose
    nodes carry levels (an answer) is drawn in columns, left to right, as its workflow runs.
    """
    small = n <= 100
    if left_to_right:
        return {
            "layout": {"randomSeed": 7, "hierarchical": {"enabled": True, "direction": "LR", "levelSeparation": 260,
                                                         "nodeSpacing": 70, "treeSpacing": 90,
                                                         "blockShifting": True, "edgeMinimization": True,
                                                         "parentCentralization": True}},
            "physics": {"enabled": True, "solver": "hierarchicalRepulsion",
                        "hierarchicalRepulsion": {"nodeDistance": 90, "avoidOverlap": 1},
                        "minVelocity": 1,
                        "stabilization": {"enabled": True, "iterations": 300, "updateInterval": 50, "fit": True}},
            "interaction": {"hover": True, "tooltipDelay": 120, "hideEdgesOnDrag": False,
                            "navigationButtons": False, "keyboard": False},
            "edges": {"smooth": {"enabled": True, "type": "cubicBezier", "forceDirection": "horizontal",
                                 "roundness": 0.4},
                      "arrows": {"to": {"enabled": True, "scaleFactor": 0.5}},
                      "font": {"size": 10, "align": "middle", "color": "#444444", "strokeWidth": 3}},
            "nodes": {"font": {"size": 12, "face": "sans-serif"}},
        }
    return {
        "layout": {"randomSeed": 7, "improvedLayout": small},
        "physics": {
            "enabled": True,
            "solver": "forceAtlas2Based",
            "forceAtlas2Based": {"gravitationalConstant": -70, "centralGravity": 0.01, "springLength": 120,
                                 "springConstant": 0.06, "avoidOverlap": 0.3},
            "minVelocity": 1,
            "stabilization": {"enabled": True, "iterations": 400 if small else 250, "updateInterval": 50,
                              "fit": True},
        },
        "interaction": {"hover": True, "tooltipDelay": 120, "hideEdgesOnDrag": not small,
                        "navigationButtons": False, "keyboard": False},
        "edges": {"smooth": {"enabled": True, "type": "continuous", "roundness": 0.3},
                  "arrows": {"to": {"enabled": True, "scaleFactor": 0.5}},
                  "font": {"size": 10, "align": "middle", "color": "#444444", "strokeWidth": 3}},
        "nodes": {"font": {"size": 12, "face": "sans-serif"}},
    }


def _legend(graph: nx.MultiDiGraph) -> list[dict]:
    present = {d.get("type") or "node" for _, d in graph.nodes(data=True)}
    # Pale fills (the "+N more" box) would vanish as text: the legend draws those in their border colour.
    return [{"type": t, "name": TYPE_NAMES[t], "symbol": STYLE[t]["symbol"],
             "color": STYLE[t]["border"] if t in ("more", "link") else STYLE[t]["color"]}
            for t in LEGEND_ORDER if t in present]
