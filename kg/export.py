"""Exports of the store in the standard RDF formats, whole or one named graph.

One registry maps format names to writers: Oxigraph's serializer where it has the
format (fast on half a million triples), rdflib's for JSON-LD.
"""

from .errors import QueryError
from .namespaces import PREFIXES

FORMATS = {
    "ttl": ("oxigraph", "TURTLE", False),
    "nt": ("oxigraph", "N_TRIPLES", False),
    "nq": ("oxigraph", "N_QUADS", True),
    "trig": ("oxigraph", "TRIG", True),
    "jsonld": ("rdflib", "json-ld", True),
}


def export(db, fmt: str, graph: str | None = None) -> bytes:
    import pyoxigraph as ox

    if fmt not in FORMATS:
        raise QueryError(f"unknown export format {fmt!r}", hint=f"choose one of: {', '.join(FORMATS)}")
    writer, name, keeps_graphs = FORMATS[fmt]
    if graph is not None:
        try:
            node = ox.NamedNode(graph)
        except ValueError as exc:
            raise QueryError(f"--graph {graph!r} is not an IRI ({exc})",
                             hint="give a graph's full IRI, e.g. from kg sparql 'SELECT DISTINCT ?g WHERE { GRAPH ?g {} }'") from None
        if not db.contains_named_graph(node):
            names = sorted(g.value for g in db.named_graphs())
            raise QueryError(f"no named graph {graph}", hint=f"choose one of: {', '.join(names)}")
        quads = db.quads_for_pattern(None, None, None, node)
    else:
        quads = db.quads_for_pattern(None, None, None)
    if writer == "oxigraph":
        rdf_format = getattr(ox.RdfFormat, name)
        items = quads if keeps_graphs else _triples(quads)
        prefixes = PREFIXES if rdf_format in (ox.RdfFormat.TURTLE, ox.RdfFormat.TRIG) else None
        return ox.serialize(items, format=rdf_format, prefixes=prefixes)
    from rdflib import Dataset

    from .namespaces import bind_all
    from .store import to_rdflib

    ds = Dataset()
    bind_all(ds)
    for q in quads:
        ds.graph(to_rdflib(q.graph_name)).add((to_rdflib(q.subject), to_rdflib(q.predicate), to_rdflib(q.object)))
    out = ds.serialize(format=name, encoding="utf-8")
    return out


def _triples(quads):
    seen = set()
    for q in quads:
        t = q.triple
        if t not in seen:
            seen.add(t)
            yield t
