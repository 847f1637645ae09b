"""Thesaurus labels as words and lemmas, kept on disk between runs.

Lemmatising every label through the trained pipeline took about 3 s of each `kg ask`, and even making
a Doc of each took a tenth of a second; the words depend only on the labels and the pipeline, so they
are stored as JSON under a key made of both, and read back in milliseconds. The cache is a
convenience: a directory kg cannot write, or a file it cannot read, means the labels are read again.
"""

import hashlib
import json
import os
from pathlib import Path

ENV = "KG_CACHE"  # where the cache lives; default: the per-user cache directory
FORMAT = 1


def cache_dir() -> Path:
    chosen = os.environ.get(ENV)
    if chosen:
        return Path(chosen).expanduser()
    from platformdirs import user_cache_dir

    return Path(user_cache_dir("kg"))


def label_words(nlp, labels: list[str], lemmas: bool) -> list[tuple[list[str], list[str]]]:
    """Each label's lower-cased words and (with `lemmas`, through the whole pipeline) their lemmas, from
    the cache when the same pipeline read the same labels before."""
    import spacy

    # Questions and extraction use two pipelines (with and without the parser): each keeps its own file.
    pipeline = _digest([spacy.__version__, nlp.meta.get("name"), nlp.meta.get("version"), list(nlp.pipe_names),
                        lemmas, FORMAT])
    path = cache_dir() / f"label-words-{pipeline[:12]}-{_digest(labels)[:16]}.json"
    try:
        stored = json.loads(path.read_text(encoding="utf-8"))
        if isinstance(stored, list) and len(stored) == len(labels):
            return [(lower, lemma) for lower, lemma in stored]
    except (OSError, ValueError, TypeError):
        pass  # no cache yet, or one from a broken write: read the labels again
    docs = nlp.pipe(labels) if lemmas else (nlp.make_doc(label) for label in labels)
    words = [([t.lower_ for t in doc], [t.lemma_ for t in doc] if lemmas else []) for doc in docs]
    _store(path, json.dumps(words, ensure_ascii=False))
    return words


def _digest(value) -> str:
    return hashlib.sha256(json.dumps(value).encode("utf-8")).hexdigest()


def _store(path: Path, text: str) -> None:
    tmp = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        tmp.write_text(text, encoding="utf-8")
        os.replace(tmp, path)  # whole or not at all: a reader never sees half a file
        prefix = path.name.rsplit("-", 1)[0]
        for old in path.parent.glob(f"{prefix}-*.json"):
            if old != path:
                old.unlink(missing_ok=True)  # one thesaurus per pipeline: older ones are dead weight
    except OSError:
        try:
            tmp.unlink(missing_ok=True)
        except OSError:
            pass
