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

from ..namespaces import ID, KG


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


# How far a catalogue's task or method label agrees with what the labelled text names, so that a query can
# prefer labels the text supports: the catalogues file some papers under plainly wrong tasks.
AGREES, SILENT, DISAGREES = KG.TextAgrees, KG.TextSilent, KG.TextDisagrees
_LABEL_PROPS = {str(KG.addressesTask): str(KG.mentionsTask), str(KG.usesMethod): str(KG.mentionsMethod)}


def label_checks(db, add_quad, graph: URIRef, thesaurus, subjects: set[str] | None = None) -> int:
    """Check every catalogue label (a node's kg:catalogLabel, read as kg:addressesTask or kg:usesMethod in the
    same source) against the tasks or methods its own text names, in `graph`; with `subjects`, only the
    labels of those nodes (an update: the nodes whose texts or sources changed). Earlier checks of the
    nodes checked are replaced; returns how many labels were checked.

    The text agrees when it names the label's concept, a narrower or a broader one; it disagrees when it
    names concepts of that kind but none on the label's line of the hierarchy (`thesaurus.related`); it is
    silent otherwise."""
    import hashlib

    import pyoxigraph as ox

    g = ox.NamedNode(str(graph))
    node = lambda iri: ox.NamedNode(str(iri))  # noqa: E731
    is_check = lambda c: any(db.quads_for_pattern(c, node(RDF.type), node(KG.LabelCheck), g))  # noqa: E731
    if subjects is None:
        old = [q.subject for q in db.quads_for_pattern(None, node(RDF.type), node(KG.LabelCheck), g)]
    else:
        old = [q.subject for s in sorted(subjects) for q in db.quads_for_pattern(None, node(RDF.subject), node(s), g)
               if is_check(q.subject)]
    for check in old:
        for fact in list(db.quads_for_pattern(check, None, None, g)):
            db.remove(fact)
    n = 0
    for prop, mention in sorted(_LABEL_PROPS.items()):
        # What each node is labelled and what its text names: by scanning the property when every node is
        # checked, by looking each node up when a few are.
        if subjects is None:
            labelled = {q.subject.value for q in db.quads_for_pattern(None, node(KG.catalogLabel), None, None)}
            pairs = {(q.subject.value, q.object.value) for q in db.quads_for_pattern(None, node(prop), None, None)
                     if q.graph_name != g and q.subject.value in labelled}
            named: dict[str, set[str]] = {}
            for q in db.quads_for_pattern(None, node(mention), None, g):
                named.setdefault(q.subject.value, set()).add(q.object.value)
        else:
            labelled = {s for s in subjects if any(db.quads_for_pattern(node(s), node(KG.catalogLabel), None, None))}
            pairs = {(s, q.object.value) for s in labelled for q in db.quads_for_pattern(node(s), node(prop), None, None)
                     if q.graph_name != g}
            named = {s: {q.object.value for q in db.quads_for_pattern(node(s), node(mention), None, g)} for s in labelled}
        for subject, label in sorted(pairs):
            text = named.get(subject, set())
            agreeing = {t for t in text if thesaurus.related(label, t)}
            verdict = AGREES if agreeing else DISAGREES if text else SILENT
            check = ID[f"check/{hashlib.sha256(f'{subject} {prop} {label}'.encode()).hexdigest()[:20]}"]
            add_quad(check, RDF.type, KG.LabelCheck, graph)
            add_quad(check, RDF.subject, URIRef(subject), graph)
            add_quad(check, RDF.predicate, URIRef(prop), graph)
            add_quad(check, RDF.object, URIRef(label), graph)
            add_quad(check, KG.textAgreement, verdict, graph)
            for t in sorted(agreeing or text):
                add_quad(check, KG.textNames, URIRef(t), graph)
            n += 1
    return n
