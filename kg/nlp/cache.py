"""Thesaurus labels as lemmatised Docs, kept on disk between runs.

Lemmatising every label through the trained pipeline took about 3 s of each `kg ask`; the result
depends only on the labels and the pipeline, so it is stored as a spaCy DocBin under a key made
of both, and read back in milliseconds. The cache is a convenience: a directory kg cannot write,
or a file it cannot read, means the labels are lemmatised as before.
"""

import hashlib
import json
import os
from pathlib import Path

ENV = "KG_CACHE"  # where the cache lives; default: the per-user cache directory


def cache_dir() -> Path:
    chosen = os.environ.get(ENV)
    if chosen:
        return Path(chosen).expanduser()
    from platformdirs import user_cache_dir

    return Path(user_cache_dir("kg"))


def lemmatised(nlp, labels: list[str]) -> list:
    """`list(nlp.pipe(labels))`, from the cache when the same pipeline lemmatised the same labels before."""
    import spacy
    from spacy.tokens import DocBin

    # Questions and extraction use two pipelines (with and without the parser): each keeps its own file.
    pipeline = _digest([spacy.__version__, nlp.meta.get("name"), nlp.meta.get("version"), list(nlp.pipe_names)])
    path = cache_dir() / f"label-lemmas-{pipeline[:12]}-{_digest(labels)[:16]}.spacy"
    try:
        docs = list(DocBin().from_disk(path).get_docs(nlp.vocab))
        if [d.text for d in docs] == labels:
            return docs
    except (OSError, ValueError, KeyError):
        pass  # no cache yet, or one from a broken write: lemmatise again
    docs = list(nlp.pipe(labels))
    _store(path, DocBin(attrs=["ORTH", "LEMMA", "POS", "TAG", "MORPH"], docs=docs))
    return docs


def _digest(value) -> str:
    return hashlib.sha256(json.dumps(value).encode("utf-8")).hexdigest()


def _store(path: Path, docbin) -> None:
    tmp = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        docbin.to_disk(tmp)
        os.replace(tmp, path)  # whole or not at all: a reader never sees half a file
        prefix = path.name.rsplit("-", 1)[0]
        for old in path.parent.glob(f"{prefix}-*.spacy"):
            if old != path:
                old.unlink(missing_ok=True)  # one thesaurus per pipeline: older ones are dead weight
    except OSError:
        try:
            tmp.unlink(missing_ok=True)
        except OSError:
            pass
