"""Source readers, chosen through one registry by file type and content.

Readers are imported lazily so that reading one kind of file costs only its reader.
"""

import importlib
import json
from pathlib import Path

from ..errors import InputError
from ..records import Source
from .text import read_text

READERS = {
    "bundle": "kg.readers.bundle",
    "catalog": "kg.readers.catalog",
    "arxiv": "kg.readers.arxiv",
    "tasks": "kg.readers.tasks",
}

CATALOG_KEYS = {"Model Unique Name", "Category", "Detailed Category", "Dataset", "Paper", "GitHub", "Github",
                "HuggingFace", "Summary"}
SUFFIXES = {".txt", ".json", ".jsonl", ".csv"}


def formats() -> list[str]:
    return sorted(READERS)


def get_reader(name: str):
    if name not in READERS:
        raise InputError(name, f"unknown format {name!r}", hint=f"choose one of: {', '.join(formats())}")
    return importlib.import_module(READERS[name]).read


def sniff(path: Path, text: str) -> str:
    """Guess a file's format from its suffix, then from its first record."""
    suffix = path.suffix.lower()
    if suffix == ".txt":
        return "bundle"
    if suffix == ".csv":
        return "catalog"
    if suffix == ".jsonl":
        return "arxiv"
    if suffix == ".json":
        first = _first_object(text)
        if first is not None:
            if "task_id" in first:
                return "tasks"
            if "arxiv_id" in first or "arxiv" in path.name.lower():
                return "arxiv"
            if first.keys() & CATALOG_KEYS:
                return "catalog"
    raise InputError(path, "cannot tell what kind of source this is",
                     hint=f"pass --format with one of: {', '.join(formats())}")


def _first_object(text: str):
    stripped = text.lstrip()
    if not stripped.startswith("["):
        return None
    try:
        obj, _ = json.JSONDecoder().raw_decode(stripped[1:].lstrip())
    except (json.JSONDecodeError, RecursionError):
        return None
    return obj if isinstance(obj, dict) else None


def read_source(path: Path, relpath: str, fmt: str | None = None) -> Source:
    text = read_text(path)
    fmt = fmt or sniff(path, text)
    records = get_reader(fmt)(path, text)
    return Source(path=path, relpath=relpath, format=fmt, records=records)


def discover(paths: list[Path]) -> list[tuple[Path, str]]:
    """Expand directories into their source files, each with a stable relative name."""
    found = []
    for root in paths:
        if not root.exists():
            raise InputError(root, "no such file or directory", hint="check the path")
        if root.is_file():
            found.append((root, root.name))
            continue
        for p in sorted(root.rglob("*")):
            if p.is_file() and p.suffix.lower() in SUFFIXES and not p.name.lower().startswith("readme"):
                found.append((p, p.relative_to(root).as_posix()))
    if not found:
        raise InputError(paths[0] if paths else ".", "no source files found",
                         hint=f"give files ending in {', '.join(sorted(SUFFIXES))}")
    return found
