"""After the facts are in: read each bundle's question the way `kg ask` would and record its task.

This lets analysts compare, in SPARQL, what a bundle recommends with what its question asks for.
It reads the new database before it goes live, so it needs no copy of the graph.
"""

from rdflib import Literal, URIRef
from rdflib.namespace import XSD

from ..extract import GRAPH
from ..namespaces import KG

QUESTIONS = """SELECT ?q ?text WHERE { ?q a <https://w3id.org/cnaps-kg/ontology#Question> ;
                                       <https://schema.org/text> ?text } ORDER BY ?q"""


def question_tasks(db, add_quad) -> int:
    from ..answer import Answerer
    from ..store import Reader

    reader = Reader(db)
    questions = reader.select(QUESTIONS)
    if not questions:
        return 0
    answerer = Answerer(reader)
    for row in questions:
        u = answerer.understand(row["text"])
        if u.task:
            q = URIRef(row["q"])
            add_quad(q, KG.aboutTask, URIRef(u.task.iri), GRAPH)
            add_quad(q, KG.confidence, Literal(u.confidence, datatype=XSD.decimal), GRAPH)
    return len(questions)
