"""Dataset names: one node per dataset however catalogues and papers spell it.

Spellings that differ only in case, spaces, hyphens or other punctuation ("MS COCO", "MS-COCO",
"NYU-v2", "NYUv2") are one dataset. Names that differ in letters ("MS-COCO" and "COCO") are one
dataset only where ontologies/datasets.ttl says so, with skos:altLabel (or skos:hiddenLabel for a
misspelling). Its skos:prefLabel is the name kg shows; otherwise the first spelling in sort order is.
"""

import re
from collections import defaultdict
from functools import cache

from rdflib.namespace import RDF, SKOS

from .namespaces import KG
from .thesaurus import normalise

# What a dataset is called when it is not named: "a benchmark", "our dataset", "a test suite".
GENERIC_HEADS = frozenset({
    "benchmark", "benchmarks", "dataset", "datasets", "data", "corpus", "corpora", "suite", "suites",
    "collection", "collections", "set", "sets", "testbed", "challenge", "database", "leaderboard",
    "test", "training", "validation", "evaluation",  # "test set", "training data"
})


@cache
def _curated():
    from rdflib import Graph

    from .paths import ONTOLOGIES, require

    return Graph().parse(require(ONTOLOGIES / "datasets.ttl", "ontologies"), format="turtle")


def digest(names) -> str:
    """Changes when the spellings to look for do: stored mentions are reused only under the same ones."""
    import hashlib

    spellings = DatasetNames(names).spellings()
    return hashlib.sha256("\n".join(f"{k}\t{v}" for k, v in sorted(spellings.items())).encode()).hexdigest()[:16]


def key(name: str) -> str:
    """What two spellings of one name share: "MS COCO" and "ms-coco" give "mscoco"."""
    return re.sub(r"[\W_]+", "", name.casefold())


def is_generic(name: str) -> bool:
    """A word for any dataset, not the name of one ("Benchmark", "Test Set")."""
    words = normalise(name).split()
    return bool(words) and all(w in GENERIC_HEADS for w in words)


class DatasetNames:
    """The canonical name of each dataset the catalogues give, and every spelling to recognise in texts."""

    def __init__(self, names, ontology=None):
        """`ontology`: the graph holding the curated entries (default: the bundled datasets.ttl)."""
        ontology = _curated() if ontology is None else ontology
        self._pref: dict[str, str] = {}  # key -> the preferred label the ontology gives
        self._alias: dict[str, str] = {}  # key of another label -> key of its preferred label
        self._labels: dict[str, list[str]] = defaultdict(list)  # key of a preferred label -> all its labels
        for d in sorted(ontology.subjects(RDF.type, KG.Dataset)):
            pref = ontology.value(d, SKOS.prefLabel)
            others = sorted(str(v) for p in (SKOS.altLabel, SKOS.hiddenLabel) for v in ontology.objects(d, p))
            if pref is not None:
                pref = str(pref)
                self._pref[key(pref)] = pref
                self._labels[key(pref)] = [pref, *others]
                self._alias.update((key(o), key(pref)) for o in others)
        groups: dict[str, set[str]] = defaultdict(set)
        for name in names:
            if key(name):
                groups[self._group(name)].add(name.strip())
        self._spellings = groups
        self._canonical = {k: self._pref.get(k) or sorted(v)[0] for k, v in groups.items()}

    def _group(self, name: str) -> str:
        k = key(name)
        return self._alias.get(k, k)

    def canonical(self, name: str) -> str:
        k = self._group(name)
        return self._canonical.get(k) or self._pref.get(k) or name.strip()

    def spellings(self) -> dict[str, str]:
        """Every spelling to recognise -> its canonical name: the catalogues' spellings and, for the datasets
        they name, the ontology's labels too (a paper may write "MS COCO" where a card wrote "COCO")."""
        out = {}
        for k, names in sorted(self._spellings.items()):
            for n in [*sorted(names), *self._labels.get(k, [])]:
                out.setdefault(n, self._canonical[k])
        return out
