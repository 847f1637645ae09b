"""`kg describe` and `kg schema`: what a node is, with every fact and its source; what the graph holds.

Names are values bound into the queries (kg.store's Reader), never pasted into their text.
"""

import difflib
import re
from dataclasses import dataclass, field

from .errors import QueryError
from .namespaces import PREFIXES, pasteable, sparql_prologue

# Exact names first: a bound object is an index lookup, where the case-blind FILTER reads every name.
_EXACT = """SELECT DISTINCT ?text ?node WHERE {
  ?node rdfs:label|schema:name|skos:notation|fabio:hasArXivId ?text .
}"""
_NAMED = """SELECT DISTINCT ?text ?node WHERE {
  ?node rdfs:label|schema:name|skos:prefLabel|skos:altLabel|skos:notation|fabio:hasArXivId ?name .
  FILTER(LCASE(STR(?name)) = LCASE(STR(?text)))
}"""
_INCOMING = """SELECT ?node ?predicate (COUNT(DISTINCT ?s) AS ?n) (MIN(STR(?s)) AS ?example) WHERE {
  ?s ?predicate ?node .
} GROUP BY ?node ?predicate ORDER BY DESC(?n) ?predicate"""
_CHECKS = """SELECT ?node ?predicate ?object ?agreement (GROUP_CONCAT(STR(?named); separator=" ") AS ?names) WHERE {
  ?check a kg:LabelCheck ; rdf:subject ?node ; rdf:predicate ?predicate ; rdf:object ?object ;
         kg:textAgreement ?agreement .
  OPTIONAL { ?check kg:textNames ?named }
} GROUP BY ?node ?predicate ?object ?agreement ORDER BY ?predicate ?object"""
_KNOWN = """SELECT ?node WHERE {
  { ?node ?p ?o } UNION { ?s ?node ?o } UNION { ?s ?p ?node }
} LIMIT 1"""


@dataclass
class Fact:
    predicate: str
    object: str
    how: str  # "stated" in a source file, "read" in a text of it, or "derived" by kg build
    source: str
    sentence: str | None = None


@dataclass
class Description:
    node: str
    facts: list[Fact] = field(default_factory=list)
    incoming: list[tuple[str, int, str]] = field(default_factory=list)  # predicate, nodes, one of them
    checks: list[tuple[str, str, str, list[str]]] = field(default_factory=list)  # a catalogue label's kg:LabelCheck


def resolve(reader, text: str) -> str:
    """The node a user means: an IRI (bare or in <...>), a prefixed name, or a name or label of one node."""
    text = text.strip()
    m = re.fullmatch(r"<([^<>\s]+)>", text)
    if m or re.match(r"^https?://", text):
        return m.group(1) if m else text
    prefix, _, local = text.partition(":")
    if prefix in PREFIXES and local and " " not in text:
        return PREFIXES[prefix] + local
    nodes = sorted({str(r["node"]) for r in reader.select(sparql_prologue() + _EXACT, text=text)})
    if not nodes:
        nodes = sorted({str(r["node"]) for r in reader.select(sparql_prologue() + _NAMED, text=text)})
    if not nodes:
        raise QueryError(f"nothing in the graph is named {text!r}",
                         hint="give a model name, a label, an arXiv id or an IRI (kg sparql can search)")
    if len(nodes) > 1:
        shown = ", ".join(pasteable(n) for n in nodes[:6]) + (", ..." if len(nodes) > 6 else "")
        raise QueryError(f"{text!r} names {len(nodes)} nodes: {shown}", hint="give one of them")
    return nodes[0]


def describe(reader, text: str) -> Description:
    from .saved import get
    from .store import Iri

    node = resolve(reader, text)
    if not reader.select(_KNOWN, node=Iri(node)):
        raise QueryError(f"{pasteable(node)} is not in the graph", hint="check the IRI, or give a name")
    rows = reader.select(sparql_prologue() + get("provenance").text, subject=Iri(node))
    facts = [Fact(r["predicate"], r["object"], r["how"], r["source"], r.get("sentence")) for r in rows]
    incoming = [(str(r["predicate"]), int(r["n"]), r["example"]) for r in reader.select(sparql_prologue() + _INCOMING, node=Iri(node))]
    checks = [(str(r["predicate"]), str(r["object"]), str(r["agreement"]), (r["names"] or "").split())
              for r in reader.select(sparql_prologue() + _CHECKS, node=Iri(node))]
    return Description(node, facts, incoming, checks)


def show(d: Description) -> str:
    """Text for a terminal: IRIs as they paste back into a query, literals in quotes."""
    from .store import Iri

    out = [pasteable(d.node)]
    stated = [f for f in d.facts if f.how == "stated"]
    read = [f for f in d.facts if f.how == "read"]
    derived = [f for f in d.facts if f.how == "derived"]
    value = lambda f: pasteable(f.object) if isinstance(f.object, Iri) else _quote(f.object)  # noqa: E731
    out.append(f"  {len(stated)} facts stated in source files, {len({(f.predicate, f.object) for f in read})} "
               f"read in texts, {len(derived)} derived by kg build")
    width = max([len(pasteable(f.predicate)) for f in d.facts] + [0])
    for f in stated:
        out.append(f"  {pasteable(f.predicate):<{width}}  {value(f)}   [stated in {f.source}]")
    for f in read:
        out.append(f"  {pasteable(f.predicate):<{width}}  {value(f)}   [read in {f.source}: {_quote(f.sentence)}]")
    for f in derived:
        out.append(f"  {pasteable(f.predicate):<{width}}  {value(f)}   [derived by kg build]")
    if d.checks:
        out.append("  catalogue labels checked against the text:")
        for p, o, agreement, names in d.checks:
            verdict = _AGREEMENT.get(agreement.rsplit("#", 1)[-1], agreement)
            named = f" (it names {', '.join(pasteable(n) for n in names)})" if names else ""
            out.append(f"    {pasteable(p)} {pasteable(o)}: {verdict}{named}")
    if d.incoming:
        out.append("  pointed to by:")
        for p, n, example in d.incoming:
            out.append(f"    {pasteable(p)} from {n} node{'s' if n != 1 else ''}, e.g. {pasteable(example)}")
    return "\n".join(out)


_AGREEMENT = {"TextAgrees": "the text agrees", "TextSilent": "the text names no such concept",
              "TextDisagrees": "the text names others"}


def _quote(text: str | None, n: int = 100) -> str:
    text = " ".join(str(text or "").split())
    return f'"{text if len(text) <= n else text[: n - 1] + chr(0x2026)}"'


# --- kg schema -----------------------------------------------------------------

_CLASSES = """SELECT ?term (COUNT(DISTINCT ?s) AS ?n) (MIN(STR(?s)) AS ?example) WHERE { ?s a ?term }
GROUP BY ?term ORDER BY DESC(?n) ?term"""
_PROPERTIES = """SELECT ?term (COUNT(*) AS ?n) (MIN(STR(?s)) AS ?example) WHERE { ?s ?term ?o }
GROUP BY ?term ORDER BY DESC(?n) ?term"""
_LABELS = """SELECT ?term (MIN(STR(?l)) AS ?label) WHERE { ?term rdfs:label|skos:prefLabel ?l .
  FILTER(STRSTARTS(STR(?term), STR(kg:)) || LANG(?l) = "en" || LANG(?l) = "") } GROUP BY ?term"""


@dataclass
class Term:
    kind: str  # "class" or "property"
    iri: str
    count: int  # instances of a class; statements of a property (the union view: a fact in two sources twice)
    example: str
    label: str = ""


def schema(reader) -> list[Term]:
    labels = {str(r["term"]): r["label"] for r in reader.select(sparql_prologue() + _LABELS)}
    out = []
    for kind, query in (("class", _CLASSES), ("property", _PROPERTIES)):
        for r in reader.select(sparql_prologue() + query):
            iri = str(r["term"])
            out.append(Term(kind, iri, int(r["n"]), r["example"], labels.get(iri, "")))
    return out


def schema_table(terms: list[Term]) -> str:
    rows = [(t.kind, pasteable(t.iri), str(t.count), t.label, pasteable(t.example) if "://" in t.example else t.example)
            for t in terms]
    head = ("kind", "term", "count", "label", "example")
    widths = [max(len(r[i]) for r in [head, *rows]) for i in range(len(head))]
    return "\n".join("  ".join(v.rjust(w) if i == 2 else v.ljust(w) for i, (v, w) in enumerate(zip(r, widths))).rstrip()
                     for r in [head, tuple("-" * w for w in widths), *rows])


def closest(term: str, known: list[str], n: int = 3) -> list[str]:
    """Known terms spelled most like `term`, by their local names."""
    local = lambda iri: re.split(r"[#/:]", iri)[-1]  # noqa: E731
    by_local: dict[str, list[str]] = {}
    for k in known:
        by_local.setdefault(local(k).lower(), []).append(k)
    picks = difflib.get_close_matches(local(term).lower(), list(by_local), n=n, cutoff=0.5)
    return [k for p in picks for k in by_local[p]][:n]
