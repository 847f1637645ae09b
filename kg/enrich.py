"""After a build: read each bundle's question the way `kg ask` would and record its task.

This lets analysts compare, in SPARQL, what a bundle recommends with what its
question asks for. It needs the whole graph, so it runs on an in-memory copy
before the store is swapped.
"""

from rdflib import Literal, URIRef
from rdflib.namespace import RDF, XSD

from .extract import GRAPH
from .namespaces import KG, SCHEMA


def question_tasks(result) -> int:
    import pyoxigraph as ox

    from .answer import Answerer
    from .build import GraphSink
    from .store import Reader, to_oxigraph

    questions = {}
    for sink in result.graphs.values():
        for s, p, o in sink.triples:
            if p == SCHEMA.text and (s, RDF.type, KG.Question) in sink.triples:
                questions[s] = str(o)
    if not questions:
        return 0
    memory = ox.Store()
    memory.bulk_extend(to_oxigraph(q) for q in result.quads())
    answerer = Answerer(Reader(memory))
    sink = result.graphs.setdefault(GRAPH, GraphSink(GRAPH))
    for q, text in sorted(questions.items()):
        u = answerer.understand(text)
        if u.task:
            sink.add((q, KG.aboutTask, URIRef(u.task.iri)))
            sink.add((q, KG.confidence, Literal(u.confidence, datatype=XSD.decimal)))
    return len(questions)
