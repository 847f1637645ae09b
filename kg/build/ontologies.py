"""The ontology files: each goes into its own named graph, and together they give the thesaurus."""

import hashlib
from pathlib import Path

from rdflib import Graph

from .. import iris
from ..paths import ONTOLOGIES, require
from .facts import GraphOut, _provenance

ONTOLOGY_FILES = ("kg.ttl", "thesaurus.ttl", "lay-phrasings.ttl", "datasets.ttl")


def load_ontologies(add_quad=None, directory: Path = ONTOLOGIES) -> Graph:
    """Their union, for lookups; with `add_quad(s, p, o, graph)`, each file's triples and provenance too."""
    union = Graph()
    for name in ONTOLOGY_FILES:
        path = require(directory / name, "ontologies")
        parsed = Graph().parse(path, format="turtle")
        if add_quad:
            g = GraphOut(iris.source(f"ontologies/{name}"), add_quad)
            for t in parsed:
                g.add(t)
            _provenance(g, path, f"ontologies/{name}", "turtle")
        union += parsed
    return union


def digest(directory: Path = ONTOLOGIES) -> str:
    """Changes whenever an ontology file does: stored mentions are reused only under the same thesaurus."""
    h = hashlib.sha256()
    for name in ONTOLOGY_FILES:
        h.update(require(directory / name, "ontologies").read_bytes())
    return h.hexdigest()[:16]
