"""Every namespace kg uses, in one place."""

import re

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


# A prefixed name's local part as SPARQL 1.1 reads it without escapes (PN_LOCAL, less its rarer characters):
# "id:model/SISR-CARN-2x" would not parse back, so such IRIs print whole.
_LOCAL = re.compile(r"[A-Za-z0-9_](?:[\w.-]*[\w-])?", re.ASCII)


def pasteable(iri: str) -> str:
    """An IRI as it can be pasted back into a query: a prefixed name where that parses, else <iri>."""
    for prefix, ns in sorted(PREFIXES.items(), key=lambda kv: -len(kv[1])):
        local = iri[len(ns):]
        if iri.startswith(ns) and (local == "" or _LOCAL.fullmatch(local)):
            return f"{prefix}:{local}"
    return f"<{iri}>"
