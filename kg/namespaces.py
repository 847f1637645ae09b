"""Every namespace kg uses, in one place."""

from rdflib import Namespace
from rdflib.namespace import DCTERMS, OWL, PROV, RDF, RDFS, SKOS, XSD

KG = Namespace("https://w3id.org/cnaps-kg/ontology#")
KGT = Namespace("https://w3id.org/cnaps-kg/thesaurus/")
ID = Namespace("https://w3id.org/cnaps-kg/id/")
SCHEMA = Namespace("https://schema.org/")
FABIO = Namespace("http://purl.org/spar/fabio/")

PREFIXES = {
    "kg": str(KG),
    "kgt": str(KGT),
    "id": str(ID),
    "schema": str(SCHEMA),
    "fabio": str(FABIO),
    "dcterms": str(DCTERMS),
    "prov": str(PROV),
    "skos": str(SKOS),
    "rdf": str(RDF),
    "rdfs": str(RDFS),
    "owl": str(OWL),
    "xsd": str(XSD),
}


def sparql_prologue() -> str:
    return "".join(f"PREFIX {p}: <{iri}>\n" for p, iri in PREFIXES.items())


def bind_all(graph) -> None:
    for prefix, iri in PREFIXES.items():
        graph.bind(prefix, iri, override=True)
