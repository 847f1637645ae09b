"""GraphML for Gephi and networkx users."""

import json
import re

import networkx as nx

# XML 1.0 forbids most control characters; an abstract carrying one would make the file unreadable.
_NOT_XML = re.compile("[\\x00-\\x08\\x0b\\x0c\\x0e-\\x1f\\ufffe\\uffff]")


def write_graphml(graph: nx.MultiDiGraph, path) -> dict:
    """Write graph as GraphML: every attribute a string, bool or number; dicts as JSON text."""
    safe = nx.MultiDiGraph()
    safe.add_nodes_from((str(n), _safe_attrs(d)) for n, d in graph.nodes(data=True))
    safe.add_edges_from((str(a), str(b), str(k), _safe_attrs(d)) for a, b, k, d in graph.edges(keys=True, data=True))
    from ..output import write_bytes

    write_bytes(path, "\n".join(nx.generate_graphml(safe, encoding="utf-8")).encode("utf-8"))
    return {"path": str(path), "nodes": safe.number_of_nodes(), "edges": safe.number_of_edges()}


def _safe_attrs(d: dict) -> dict:
    out = {}
    for k, v in d.items():
        if v is None:
            continue  # GraphML has no null; a missing value reads back as absent
        if isinstance(v, (dict, list, tuple, set)):
            v = json.dumps(sorted(v) if isinstance(v, set) else v, ensure_ascii=False, sort_keys=True)
        elif not isinstance(v, (bool, int, float)):
            v = str(v)
        out[str(k)] = _NOT_XML.sub("", v) if isinstance(v, str) else v
    return out
