"""The library of saved, documented SPARQL queries in kg/queries/*.rq.

Each file opens with `# title:`, `# description:` and one `# param: NAME TYPE  help`
line per parameter; `kg queries run` binds each parameter as a value.
"""

import re
from dataclasses import dataclass, field

from .errors import QueryError
from .paths import QUERIES, require

PARAM_TYPES = ("literal", "iri", "integer")
_HEADER = re.compile(r"^#\s*(title|description|param):\s*(.*)$")


@dataclass
class Param:
    name: str
    type: str
    help: str


@dataclass
class SavedQuery:
    name: str
    title: str
    description: str
    params: list[Param] = field(default_factory=list)
    text: str = ""


def load_all() -> dict[str, SavedQuery]:
    return {q.name: q for q in (_parse(p) for p in sorted(require(QUERIES, "saved queries").glob("*.rq")))}


def _parse(path) -> SavedQuery:
    text = path.read_text(encoding="utf-8")
    q = SavedQuery(name=path.stem, title="", description="", text=text)
    for line in text.splitlines():
        m = _HEADER.match(line)
        if not m:
            continue
        key, value = m.groups()
        if key == "param":
            name, typ, *rest = value.split(None, 2) + [""]
            if typ not in PARAM_TYPES:
                raise QueryError(f"{path}: parameter {name!r} has type {typ!r}",
                                 hint=f"write '# param: NAME TYPE  help' with TYPE one of: {', '.join(PARAM_TYPES)}")
            q.params.append(Param(name, typ, rest[0].strip() if rest else ""))
        else:
            setattr(q, key, value.strip())
    return q


def get(name: str) -> SavedQuery:
    queries = load_all()
    if name not in queries:
        raise QueryError(f"no saved query named {name!r}", hint=f"choose one of: {', '.join(sorted(queries))}")
    return queries[name]


def bindings(query: SavedQuery, pairs: list[str]) -> dict:
    """KEY=VALUE pairs as typed RDF terms; every declared parameter must be given."""
    import pyoxigraph as ox

    given = {}
    for pair in pairs:
        if "=" not in pair:
            raise QueryError(f"--param {pair!r} is not KEY=VALUE", hint="for example --param label=SISR")
        key, value = pair.split("=", 1)
        given[key.strip()] = value
    declared = {p.name: p for p in query.params}
    unknown = sorted(set(given) - set(declared))
    if unknown:
        raise QueryError(f"{query.name} has no parameter {unknown[0]!r}",
                         hint=f"its parameters: {', '.join(declared) or 'none'}")
    missing = [p for p in declared if p not in given]
    if missing:
        raise QueryError(f"{query.name} needs --param {missing[0]}=...", hint=declared[missing[0]].help)
    out = {}
    for key, value in given.items():
        typ = declared[key].type
        if typ == "iri":
            try:
                out[key] = ox.NamedNode(value)
            except ValueError:
                raise QueryError(f"--param {key} must be an IRI, got {value!r}") from None
        elif typ == "integer":
            if not re.fullmatch(r"-?\d+", value.strip()):
                raise QueryError(f"--param {key} must be a whole number, got {value!r}")
            out[key] = ox.Literal(value.strip(), datatype=ox.NamedNode("http://www.w3.org/2001/XMLSchema#integer"))
        else:
            out[key] = ox.Literal(value)
    return out
