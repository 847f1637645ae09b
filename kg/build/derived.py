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


def label_checks(db, add_quad, graph: URIRef) -> int:
    """Check every catalogue label (a node's kg:catalogLabel, read as kg:addressesTask or kg:usesMethod in the
    same source) against the tasks or methods its own text names, in `graph`; earlier checks are replaced.

    The text agrees when it names the label's concept, a narrower or a broader one; it disagrees when it
    names concepts of that kind but none on the label's line of the hierarchy; it is silent otherwise.
    Returns how many labels were checked."""
    import hashlib

    import pyoxigraph as ox

    g = ox.NamedNode(str(graph))
    node = lambda iri: ox.NamedNode(str(iri))  # noqa: E731
    for q in list(db.quads_for_pattern(None, node(RDF.type), node(KG.LabelCheck), g)):
        for fact in list(db.quads_for_pattern(q.subject, None, None, g)):
            db.remove(fact)
    broader = nx.DiGraph()
    for q in db.quads_for_pattern(None, node(SKOS.broader), None, None):
        if isinstance(q.object, ox.NamedNode):
            broader.add_edge(q.subject.value, q.object.value)

    def line(concept: str) -> set[str]:
        if concept not in broader:
            return {concept}
        return {concept} | nx.descendants(broader, concept) | nx.ancestors(broader, concept)

    labelled = {q.subject.value for q in db.quads_for_pattern(None, node(KG.catalogLabel), None, None)
                if q.graph_name != g}
    n = 0
    for prop, mention in sorted(_LABEL_PROPS.items()):
        named: dict[str, set[str]] = {}
        for q in db.quads_for_pattern(None, node(mention), None, g):
            named.setdefault(q.subject.value, set()).add(q.object.value)
        seen = set()
        for q in db.quads_for_pattern(None, node(prop), None, None):
            subject, label = q.subject.value, q.object.value
            if subject not in labelled or q.graph_name == g or (subject, label) in seen:
                continue
            seen.add((subject, label))
            text = named.get(subject, set())
            agreeing = text & line(label)
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
