"""Stores: where a graph lives. One interface (base.Store), two kinds: an embedded Oxigraph directory
(local.py) and a SPARQL 1.1 server (remote.py)."""

import os

from .base import Generation, Iri, Reader, Store, sources_of, to_rdflib
from .local import CURRENT, MENTIONS, LocalStore, default_location, resolve
from .remote import RemoteStore, is_remote

__all__ = ["CURRENT", "MENTIONS", "Generation", "Iri", "LocalStore", "Reader", "RemoteStore", "Store",
           "default_location", "is_remote", "open_store", "resolve", "sources_of", "to_rdflib"]


def open_store(location: str | None):
    """A LocalStore for a path (or the default), a RemoteStore for an http(s) SPARQL server."""
    # --store and $KG_STORE name a store the same way: a directory or a server's URL.
    chosen = location or os.environ.get("KG_STORE")
    if is_remote(chosen):
        return RemoteStore(str(chosen))
    return LocalStore(resolve(chosen))


