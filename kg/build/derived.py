"""Facts the build derives from the hierarchy, so analysts' queries need no property paths.

A SKOS property path (`skos:broader*`) inside a UNION can take Oxigraph tens of seconds where one
triple pattern takes milliseconds, and "papers of this task or a narrower one" is asked all the time.
The build states the closure once, in the extracted graph (the graph of what the build derives):
`skos:broaderTransitive` and `skos:narrowerTransitive` (SKOS's own transitive properties), and
`kg:includesTask`, each task to itself and to every narrower task.
"""

import networkx as nx
from rdflib import URIRef
from rdflib.namespace import RDF, SKOS

from ..namespaces import KG


def hierarchy(db, add_quad, graph: URIRef) -> int:
    """Write the closure of skos:broader among the store's concepts; returns how many facts it wrote."""
    import pyoxigraph as ox

    broader = nx.DiGraph()  # narrower -> broader
    for q in db.quads_for_pattern(None, ox.NamedNode(str(SKOS.broader)), None, None):
        if isinstance(q.object, ox.NamedNode):
            broader.add_edge(q.subject.value, q.object.value)
    tasks = {q.subject.value for q in db.quads_for_pattern(None, ox.NamedNode(str(RDF.type)),
                                                           ox.NamedNode(str(KG.Task)), None)}
    n = 0
    for narrow in sorted(broader):
        for broad in sorted(nx.descendants(broader, narrow)):
            add_quad(URIRef(narrow), SKOS.broaderTransitive, URIRef(broad), graph)
            add_quad(URIRef(broad), SKOS.narrowerTransitive, URIRef(narrow), graph)
            n += 2
    for task in sorted(tasks):
        below = nx.ancestors(broader, task) if task in broader else set()
        for t in sorted({task} | (below & tasks)):
            add_quad(URIRef(task), KG.includesTask, URIRef(t), graph)
            n += 1
    return n
