"""Prompt bundles: a quoted question, recommended models and related papers."""

import re

from ..errors import InputError
from ..records import Bundle, BundleModel, BundlePaper
from .text import clean

_MARKER = re.compile(r"^\s*a user has asked the following question\s*:?\s*(.*)$", re.I)
_SECTION = re.compile(r"^\s*#{2,}\s*(.+?)\s*:?\s*$")
_FIELD = re.compile(r"^\s*(Model|Paper|GitHub|Github|HuggingFace|Summary)\s*:\s*(.*)$")
_END = re.compile(r"^\s*Answer\s*:\s*$", re.I)
_QUOTES = {'"': '"', "\u201c": "\u201d", "'": "'", "\u2018": "\u2019"}


def read(path, text: str) -> list[Bundle]:
    lines = text.split("\n")
    question, qline = _question(path, lines)
    bundle = Bundle(name=path.stem, question=question, line=qline)
    section = None
    block = None
    last_key = None
    for n, raw in enumerate(lines, start=1):
        if n <= qline:
            continue
        if _END.match(raw):
            break
        sec = _SECTION.match(raw)
        if sec:
            title = sec.group(1).lower()
            section = "models" if "model" in title else "papers" if "paper" in title else None
            block, last_key = None, None
            continue
        if section is None:
            continue
        fld = _FIELD.match(raw)
        if fld:
            key, value = fld.group(1).lower(), fld.group(2).strip()
            if key == "model":
                if not value:
                    raise InputError(path, "a block has an empty Model: line", line=n,
                                     hint="give each Model: its name or title")
                block = BundleModel(name=value, line=n) if section == "models" else BundlePaper(title=value, line=n)
                getattr(bundle, section).append(block)
            elif block is None:
                raise InputError(path, f"{fld.group(1)}: comes before any Model: line", line=n,
                                 hint="start each block with Model:")
            else:
                _set(block, key, value)
            last_key = key
        elif raw.strip() and block is not None and last_key == "summary":
            block.summary = f"{block.summary or ''} {raw.strip()}".strip()
        elif not raw.strip():
            last_key = None
    return [bundle]


def _set(block, key, value):
    value = clean(value)
    if key == "paper":
        if isinstance(block, BundleModel):
            block.paper = value
        else:
            block.url = value
    elif key in ("github",):
        block.github = value
    elif key == "summary":
        block.summary = value
    # HuggingFace links in bundles are kept on models only.
    elif key == "huggingface" and isinstance(block, BundleModel):
        block.huggingface = value


def _question(path, lines) -> tuple[str, int]:
    for n, raw in enumerate(lines, start=1):
        m = _MARKER.match(raw)
        if not m:
            continue
        # The question is the next paragraph (or the rest of the marker line).
        para, start = [], None
        rest = m.group(1).strip()
        if rest:
            para, start = [rest], n
        else:
            for k in range(n, len(lines)):
                if lines[k].strip():
                    start = k + 1
                    break
            if start is None:
                break
            for k in range(start - 1, len(lines)):
                if not lines[k].strip():
                    break
                para.append(lines[k].strip())
        text = " ".join(para)
        opening = text[:1]
        if opening in _QUOTES:
            closing = _QUOTES[opening]
            end = text.rfind(closing, 1)
            if end <= 0:
                raise InputError(path, "the question's closing quote is missing (file truncated?)", line=start,
                                 hint=f"end the question with {closing}")
            text = text[1:end]
        text = text.strip()
        if not text:
            break
        return text, start
    raise InputError(path, "no question found", hint='put the question in quotes after "A user has asked the following question:"')
