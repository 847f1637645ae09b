"""Deterministic, safe IRIs minted from names.

Percent-encoding keeps the mapping injective (two names never share an IRI)
and lets any character appear in a name while the IRI stays valid.
"""

import re
from urllib.parse import quote, unquote

from rdflib import URIRef

from .namespaces import ID, KGT

_ARXIV_ID = re.compile(r"(\d{4}\.\d{4,5})(v\d+)?")


def _segment(name: str) -> str:
    name = name.strip()
    if not name:
        raise ValueError("cannot mint an IRI from an empty name")
    return quote(name, safe="-._~")


def model(name: str) -> URIRef:
    return ID[f"model/{_segment(name)}"]


def dataset(name: str) -> URIRef:
    return ID[f"dataset/{_segment(name)}"]


def question(text: str) -> URIRef:
    import hashlib

    # Questions are long; a digest keeps the IRI short while staying deterministic.
    return ID[f"question/{hashlib.sha256(text.strip().encode()).hexdigest()[:16]}"]


def bundle(name: str) -> URIRef:
    return ID[f"bundle/{_segment(name)}"]


def source(relpath: str) -> URIRef:
    return ID[f"source/{_segment(relpath)}"]


def concept(label: str) -> URIRef:
    """A thesaurus concept minted for a label the thesaurus does not know yet."""
    return KGT[f"label/{_segment(label)}"]


def arxiv_id(url: str | None) -> str | None:
    """The bare arXiv identifier (no version) in an arXiv URL, if any."""
    if not url or "arxiv.org" not in url:
        return None
    m = _ARXIV_ID.search(url)
    return m.group(1) if m else None


_NEW_STYLE = re.compile(r"^(\d{2})(\d{2})\.\d{4,5}$")  # 0704.0001 (April 2007) to today
_OLD_STYLE = re.compile(r"^[a-z-]+(?:\.[A-Z]{2})?/(\d{2})(\d{2})\d{3}$")  # hep-th/9901001 (1991 to March 2007)


def arxiv_month(aid: str | None) -> str | None:
    """The year and month an arXiv identifier was issued in, as xsd:gYearMonth text ("2018-03"):
    arXiv numbers papers by the month they were submitted (arxiv.org/help/arxiv_identifier)."""
    new = _NEW_STYLE.match(aid or "")
    m = new or _OLD_STYLE.match(aid or "")
    if not m:
        return None
    yy, mm = int(m.group(1)), int(m.group(2))
    if new and (len(aid.split(".")[1]) == 5) != (yy * 100 + mm >= 1501):
        return None  # four digits after the dot until December 2014, five from January 2015
    if not 1 <= mm <= 12:
        return None
    year = 1900 + yy if yy >= 91 else 2000 + yy
    return f"{year:04d}-{mm:02d}"


def paper(url: str | None = None, title: str | None = None) -> URIRef:
    """Papers merge across sources by arXiv id, else by URL, else by title."""
    aid = arxiv_id(url)
    if aid:
        return ID[f"paper/arxiv/{aid}"]
    if url:
        return ID[f"paper/url/{_segment(url)}"]
    if title:
        return ID[f"paper/title/{_segment(title.casefold())}"]
    raise ValueError("a paper needs a URL or a title")


def label_of(iri: str) -> str:
    """The readable tail of an IRI kg minted (for display only)."""
    return unquote(str(iri).rstrip("/").rsplit("/", 1)[-1])
