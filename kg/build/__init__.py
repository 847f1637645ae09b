"""Build: sources become the graph in a store (read -> extract -> write, kg.build.pipeline).

`build_store` builds in one go, or with `add` replaces only the sources that changed; `export_part`
and `load_parts` split one build into parts that any batch system can run apart (kg extract, kg load).
"""

from .ontologies import ONTOLOGY_FILES, load_ontologies
from .modes import build_store, export_part, load_parts

__all__ = ["ONTOLOGY_FILES", "build_store", "export_part", "load_ontologies", "load_parts"]
