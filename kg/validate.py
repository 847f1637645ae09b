"""Validate stage: check a store against the graph's contract, the SHACL shapes in ontologies/shapes.ttl.

Each constraint of the shapes is compiled into one SPARQL query that the store itself runs, so the
bundled graph (half a million triples) is checked in seconds, locally or on a remote server.
pyshacl, the reference implementation, took over ten minutes on the same graph, in memory and on
Oxigraph alike; the tests check that this compiler reports what pyshacl reports on a broken store.
Only the SHACL Core features the shapes use are compiled; any other feature is refused by name,
so a shape is never skipped silently.
"""

import os
import re
import time
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path

from rdflib import BNode, Graph, Literal, URIRef
from rdflib.collection import Collection
from rdflib.namespace import RDF, RDFS, SH

from .errors import KgError
from .paths import ONTOLOGIES

SHAPES = ONTOLOGIES / "shapes.ttl"
_TYPE = f"<{RDF.type}>/<{RDFS.subClassOf}>*"
_DCT_SOURCE = "http://purl.org/dc/terms/source"
_SEVERITY = {SH.Violation: "violation", SH.Warning: "warning", SH.Info: "info"}
_NODE_KIND = {
    SH.IRI: "!isIRI(?value)", SH.Literal: "!isLiteral(?value)", SH.BlankNode: "!isBlank(?value)",
    SH.BlankNodeOrIRI: "isLiteral(?value)", SH.IRIOrLiteral: "isBlank(?value)", SH.BlankNodeOrLiteral: "isIRI(?value)",
}
_RANGE = {SH.minExclusive: ">", SH.minInclusive: ">=", SH.maxExclusive: "<", SH.maxInclusive: "<="}
# What a shape may say besides its constraints.
_DESCRIPTIVE = {RDF.type, SH.path, SH.message, SH.severity, SH.name, SH.description, SH.targetClass, SH.targetNode,
                SH.targetSubjectsOf, SH.targetObjectsOf, SH.property, RDFS.label, RDFS.comment, SH.deactivated}


class ShapesError(KgError):
    """The shapes file uses something the validator cannot check."""


@dataclass(frozen=True)
class Finding:
    severity: str          # violation, warning or info
    focus: str             # the node that breaks the contract
    message: str
    component: str         # the SHACL constraint component, e.g. MinCount
    shape: str
    path: str | None = None
    value: str | None = None
    source: str | None = None  # the source file the node was read from, when the store says

    def line(self) -> str:
        where = f"{self.source}: " if self.source else ""
        detail = f" [{_show(self.path)}" + (f" = {_show(self.value)}" if self.value is not None else "") + "]" \
            if self.path else (f" [{_show(self.value)}]" if self.value not in (None, self.focus) else "")
        return f"{self.severity}: {where}{_show(self.focus)}: {self.message}{detail}"


@dataclass
class Report:
    findings: list[Finding] = field(default_factory=list)
    constraints: int = 0
    seconds: float = 0.0

    def of(self, severity: str) -> list[Finding]:
        return [f for f in self.findings if f.severity == severity]

    @property
    def conforms(self) -> bool:
        return not self.of("violation")

    def summary(self) -> str:
        v, w = len(self.of("violation")), len(self.of("warning"))
        head = "conforms" if self.conforms else "does not conform"
        return (f"{head}: {v} violation{'s' * (v != 1)}, {w} warning{'s' * (w != 1)} "
                f"from {self.constraints} constraints ({self.seconds:.1f} s)")


@dataclass(frozen=True)
class Check:
    """One constraint of one shape, as a SPARQL SELECT that returns the nodes breaking it."""
    query: str
    component: str
    shape: str
    severity: str
    message: str
    path: str | None = None


def load_shapes(path: Path = SHAPES) -> Graph:
    try:
        return Graph().parse(path, format="turtle")
    except Exception as exc:  # noqa: BLE001 - rdflib raises many kinds for bad Turtle
        raise ShapesError(f"{path}: not valid Turtle ({str(exc).splitlines()[0]})") from None


def compile_shapes(shapes: Graph) -> list[Check]:
    checks = []
    for shape in sorted(set(shapes.subjects(RDF.type, SH.NodeShape)), key=str):
        if shapes.value(shape, SH.deactivated) == Literal(True):
            continue
        focus = _focus(shapes, shape)
        if not focus:
            raise ShapesError(f"shape {_name(shape)} has no target", hint="give it sh:targetClass or another target")
        checks += _node_checks(shapes, shape, focus)
        for prop in shapes.objects(shape, SH.property):
            checks += _property_checks(shapes, shape, prop, focus)
    return checks


FOCUS_BATCH = 4000  # nodes bound per query when only some are checked (fewer, larger queries were faster)


def validate(reader, shapes: Path = SHAPES, sources: bool = True, only: set[str] | None = None) -> Report:
    """Run every compiled constraint against the store behind `reader` (local or remote); with `only`,
    on those focus nodes alone (what a build that replaced some sources changed, kg.build.modes)."""
    start = time.monotonic()
    checks = compile_shapes(load_shapes(shapes))
    _check_union(reader)
    report = Report(constraints=len(checks))
    jobs = [(check, check.query) for check in checks]
    if only is not None:
        from .store.remote import SAFE_IRI

        nodes = sorted(n for n in only if SAFE_IRI.match(n))
        # Into every group, subqueries too: Oxigraph starts a join from VALUES only within its own group.
        jobs = [(check, check.query.replace("WHERE {", "WHERE { VALUES ?this { "
                                            + " ".join(f"<{n}>" for n in nodes[i:i + FOCUS_BATCH]) + " } "))
                for check in checks for i in range(0, len(nodes), FOCUS_BATCH)]
    # Oxigraph (and a server) answer queries without holding Python's lock: one thread per core halves
    # the time on two cores. map keeps the constraints' order.
    with ThreadPoolExecutor(max(1, min(8, os.cpu_count() or 1))) as pool:
        results = list(pool.map(lambda job: reader.select(job[1]), jobs))
    for (check, _), rows in zip(jobs, results):
        for row in rows:
            report.findings.append(Finding(
                severity=check.severity, focus=str(row["this"]), message=_message(check.message, row),
                component=check.component, shape=check.shape, path=check.path,
                value=None if row.get("value") is None else str(row["value"])))
    if sources and report.findings:
        report.findings = _with_sources(reader, report.findings)
    report.findings.sort(key=lambda f: (f.severity != "violation", f.source or "", f.focus, f.message))
    report.seconds = time.monotonic() - start
    return report


def _check_union(reader) -> None:
    """The checks read the default graph as the union of the source graphs; a server that does not would
    pass every check with nothing checked."""
    from .errors import StoreError

    if not reader.select("SELECT ?s WHERE { ?s ?p ?o } LIMIT 1") and \
            reader.select("SELECT ?s WHERE { GRAPH ?g { ?s ?p ?o } } LIMIT 1"):
        raise StoreError("the store's default graph is empty although its named graphs are not, so nothing "
                         "would be checked", hint="serve the union of named graphs as the default graph "
                                                  "(Oxigraph: --union-default-graph)")


# --- compiling ---------------------------------------------------------------

def _focus(shapes: Graph, shape) -> str:
    parts = [f"?this {_TYPE} {_iri(c)} ." for c in shapes.objects(shape, SH.targetClass)]
    parts += [f"VALUES ?this {{ {_term(n)} }}" for n in shapes.objects(shape, SH.targetNode)]
    parts += [f"?this {_iri(p)} [] ." for p in shapes.objects(shape, SH.targetSubjectsOf)]
    parts += [f"[] {_iri(p)} ?this ." for p in shapes.objects(shape, SH.targetObjectsOf)]
    return " UNION ".join(f"{{ {p} }}" for p in parts)


def _constraints(shapes: Graph, node) -> list[tuple]:
    return [(p, o) for p, o in shapes.predicate_objects(node) if p not in _DESCRIPTIVE]


def _meta(shapes: Graph, node) -> tuple[str, str]:
    return _SEVERITY.get(shapes.value(node, SH.severity), "violation"), str(shapes.value(node, SH.message) or "")


def _node_checks(shapes: Graph, shape, focus: str) -> list[Check]:
    severity, message = _meta(shapes, shape)
    checks = []
    for p, o in _constraints(shapes, shape):
        if p == SH.sparql:
            checks.append(_sparql_check(shapes, shape, o, focus, severity))
        elif p == SH["or"]:
            members = [_exists(shapes, m) for m in Collection(shapes, o)]
            checks.append(Check(f"SELECT DISTINCT ?this WHERE {{ {focus} FILTER (!({' || '.join(members)})) }}",
                                "Or", _name(shape), severity, message or "none of the alternatives holds"))
        else:
            checks.append(_value_check(shapes, p, o, "BIND(?this AS ?value)", focus, shape, severity, message, None))
    return checks


def _property_checks(shapes: Graph, shape, prop, focus: str) -> list[Check]:
    path = shapes.value(prop, SH.path)
    if not isinstance(path, URIRef):
        raise ShapesError(f"shape {_name(shape)}: only plain property paths are supported, not {path!r}")
    severity, message = _meta(shapes, prop)
    p = _iri(path)
    checks = []
    for key, o in _constraints(shapes, prop):
        if key == SH.minCount:
            n = int(o)
            q = (f"SELECT DISTINCT ?this WHERE {{ {focus} FILTER NOT EXISTS {{ ?this {p} ?value }} }}" if n == 1 else
                 f"SELECT ?this (COUNT(DISTINCT ?v) AS ?count) WHERE {{ {focus} OPTIONAL {{ ?this {p} ?v }} }} "
                 f"GROUP BY ?this HAVING (COUNT(DISTINCT ?v) < {n})")
            checks.append(Check(q, "MinCount", _name(shape), severity, message, str(path)))
        elif key == SH.maxCount:
            # At most one value is two different values, found without grouping: a GROUP BY over every
            # evidence node held 350 MB at 250k papers, this holds only the nodes that break it.
            q = (f"SELECT DISTINCT ?this WHERE {{ {focus} ?this {p} ?v . ?this {p} ?w . FILTER(!sameTerm(?v, ?w)) }}"
                 if int(o) == 1 else
                 f"SELECT ?this (COUNT(DISTINCT ?v) AS ?count) WHERE {{ {focus} ?this {p} ?v }} "
                 f"GROUP BY ?this HAVING (COUNT(DISTINCT ?v) > {int(o)})")
            checks.append(Check(q, "MaxCount", _name(shape), severity, message, str(path)))
        else:
            checks.append(_value_check(shapes, key, o, f"?this {p} ?value .", focus, shape, severity, message, str(path)))
    return checks


def _value_check(shapes: Graph, key, o, values: str, focus: str, shape, severity, message, path) -> Check:
    if key == SH.datatype:
        cond, name = f"!isLiteral(?value) || datatype(?value) != {_iri(o)}", "Datatype"
    elif key == SH.nodeKind:
        if o not in _NODE_KIND:
            raise ShapesError(f"shape {_name(shape)}: unknown sh:nodeKind {o}")
        cond, name = _NODE_KIND[o], "NodeKind"
    elif key == SH["class"]:
        cond, name = f"NOT EXISTS {{ ?value {_TYPE} {_iri(o)} }}", "Class"
    elif key == SH["in"]:
        allowed = [_term(t) for t in Collection(shapes, o)]
        cond, name = "!(" + " || ".join(f"sameTerm(?value, {t})" for t in allowed) + ")", "In"
    elif key == SH.pattern:
        cond, name = f"isBlank(?value) || !REGEX(STR(?value), {_term(Literal(str(o)))})", "Pattern"
    elif key in (SH.minLength, SH.maxLength):
        op = "<" if key == SH.minLength else ">"
        cond, name = f"isBlank(?value) || STRLEN(STR(?value)) {op} {int(o)}", _component(key)
    elif key in _RANGE:
        cond, name = f"COALESCE(!(?value {_RANGE[key]} {_term(o)}), true)", _component(key)
    else:
        raise ShapesError(f"shape {_name(shape)} uses {_name(key)}, which kg validate does not check",
                          hint="use minCount, maxCount, datatype, nodeKind, class, in, pattern, minLength, "
                               "maxLength, min/maxInclusive, min/maxExclusive, or, sparql")
    q = f"SELECT DISTINCT ?this ?value WHERE {{ {focus} {values} FILTER ({cond}) }}"
    return Check(q, name, _name(shape), severity, message, path)


def _exists(shapes: Graph, member) -> str:
    """A member of sh:or as a condition on ?this: only `[ sh:path P ; sh:minCount 1 ]` is compiled."""
    path, rest = shapes.value(member, SH.path), set(_constraints(shapes, member))
    if not isinstance(path, URIRef) or rest != {(SH.minCount, Literal(1))}:
        raise ShapesError("sh:or members must be [ sh:path P ; sh:minCount 1 ]")
    return f"EXISTS {{ ?this {_iri(path)} [] }}"


def _sparql_check(shapes: Graph, shape, node, focus: str, severity: str) -> Check:
    select = str(shapes.value(node, SH.select) or "")
    if not select:
        raise ShapesError(f"shape {_name(shape)}: sh:sparql needs sh:select")
    prologue = ""
    for decl_owner in shapes.objects(node, SH.prefixes):
        for decl in shapes.objects(decl_owner, SH.declare):
            prologue += f"PREFIX {shapes.value(decl, SH.prefix)}: <{shapes.value(decl, SH.namespace)}>\n"
    inner = select.replace("$this", "?this")
    query = f"{prologue}SELECT * WHERE {{ {{ SELECT DISTINCT ?this WHERE {{ {focus} }} }} {{ {inner} }} }}"
    message = str(shapes.value(node, SH.message) or shapes.value(shape, SH.message) or "")
    return Check(query, "SPARQL", _name(shape), severity, message)


# --- reporting ---------------------------------------------------------------

def _message(template: str, row: dict) -> str:
    return re.sub(r"\{[?$](\w+)\}", lambda m: _show(row.get(m.group(1), "")), template) or "constraint not met"


def _with_sources(reader, findings: list[Finding], batch: int = 200) -> list[Finding]:
    """Name the source file each offending node was read from (the first, if several)."""
    from .store.remote import SAFE_IRI

    nodes = sorted({f.focus for f in findings if SAFE_IRI.match(f.focus) and ":" in f.focus})
    found: dict[str, str] = {}
    for i in range(0, len(nodes), batch):
        values = " ".join(f"<{n}>" for n in nodes[i:i + batch])
        rows = reader.select(f"SELECT ?this (MIN(?name) AS ?source) WHERE {{ VALUES ?this {{ {values} }} "
                             f"GRAPH ?g {{ ?this ?p ?o . ?g <{_DCT_SOURCE}> ?name }} }} GROUP BY ?this")
        found.update({str(r["this"]): r["source"] for r in rows if r.get("source")})
    return [Finding(**{**f.__dict__, "source": found.get(f.focus)}) for f in findings]


def _show(value) -> str:
    from .namespaces import pasteable

    text = str(value)
    return pasteable(text) if re.match(r"^[a-z][a-z0-9+.-]*:", text) else text


def _name(term) -> str:
    return re.split(r"[#/]", str(term))[-1] if isinstance(term, URIRef) else "(a blank-node shape)"


def _component(key) -> str:
    local = _name(key)
    return local[:1].upper() + local[1:]


def _iri(term) -> str:
    if not isinstance(term, URIRef):
        raise ShapesError(f"expected an IRI in the shapes, found {term!r}")
    return term.n3()


def _term(term) -> str:
    if isinstance(term, BNode):
        raise ShapesError("blank nodes cannot be constraint values")
    return term.n3()


def build_check(notes: list[str], only: set[str] | None = None):
    """What a build runs on its new graph before the graph goes live: a violation stops the build (the
    previous graph stays), warnings become notes. With `only`, the check covers those nodes alone."""

    def check(reader) -> None:
        report = validate(reader, SHAPES, only=only)
        if not report.conforms:
            bad = report.of("violation")
            raise ContractError(f"the new graph breaks the contract in {SHAPES.name} {len(bad)} time(s), first: "
                                f"{bad[0].line()}; the previous graph is untouched",
                                hint="the sources hold something kg cannot represent; please report it")
        warnings = report.of("warning")
        if warnings:
            more = f" and {len(warnings) - 3} more" if len(warnings) > 3 else ""
            notes.append(f"{len(warnings)} warning(s) from {SHAPES.name}: "
                         + "; ".join(w.line().removeprefix("warning: ") for w in warnings[:3])
                         + more + " (kg validate lists them all)")

    return check


class ContractError(KgError):
    """A new graph that breaks the shapes; it never goes live."""
