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
