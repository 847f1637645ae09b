"""Turning a file into text, with errors that say where and how to fix it."""

import codecs
import json
from pathlib import Path

from ..errors import InputError


def read_text(path: Path) -> str:
    try:
        data = path.read_bytes()
    except OSError as exc:
        raise InputError(path, f"cannot read file: {exc.strerror}") from None
    if not data.strip():
        raise InputError(path, "file is empty", hint="remove it or give it content")
    return decode(data, path)


def decode(data: bytes, path) -> str:
    """UTF-8 (a byte-order mark allowed), with one line naming where it is not."""
    if data.startswith(codecs.BOM_UTF8):
        data = data[len(codecs.BOM_UTF8):]
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError as exc:
        line = data.count(b"\n", 0, exc.start) + 1
        raise InputError(
            path,
            f"not UTF-8 text (byte 0x{data[exc.start]:02x})",
            line=line,
            hint="re-save the file as UTF-8",
        ) from None
    return text.replace("\r\n", "\n").replace("\r", "\n")


NESTING_HINT = "records are flat objects of text fields"


def _line_at(text: str, pos: int) -> int:
    return text.count("\n", 0, pos) + 1


def json_records(path: Path, text: str):
    """Yield (record, line) from a JSON array or a JSON Lines file."""
    stripped = text.lstrip()
    if stripped.startswith("["):
        yield from _array_records(path, text)
    else:
        for n, raw in enumerate(text.split("\n"), start=1):
            if not raw.strip():
                continue
            try:
                obj = json.loads(raw)
            except json.JSONDecodeError as exc:
                raise InputError(
                    path, f"invalid JSON: {exc.msg}", line=n, hint="each line must be one JSON object"
                ) from None
            except RecursionError:
                raise InputError(path, "JSON nested too deeply", line=n, hint=NESTING_HINT) from None
            yield _object(path, obj, n), n


def _array_records(path: Path, text: str):
    # raw_decode element by element keeps each record's line number for error messages.
    decoder = json.JSONDecoder()
    pos = text.index("[") + 1
    end = len(text)
    expect_value = True
    while True:
        while pos < end and text[pos] in " \t\n":
            pos += 1
        if pos >= end:
            raise InputError(path, "JSON array is not closed (file truncated?)", line=_line_at(text, end),
                             hint="end the array with ]")
        ch = text[pos]
        if ch == "]":
            if text[pos + 1:].strip():
                raise InputError(path, "unexpected text after the JSON array", line=_line_at(text, pos + 1))
            return
        if ch == ",":
            if expect_value:
                raise InputError(path, "invalid JSON: unexpected ','", line=_line_at(text, pos))
            pos += 1
            expect_value = True
            continue
        if not expect_value:
            raise InputError(path, "invalid JSON: missing ',' between records", line=_line_at(text, pos))
        try:
            obj, pos_after = decoder.raw_decode(text, pos)
        except json.JSONDecodeError as exc:
            raise InputError(path, f"invalid JSON: {exc.msg}", line=_line_at(text, exc.pos),
                             hint="fix the JSON syntax there") from None
        except RecursionError:
            raise InputError(path, "JSON nested too deeply", line=_line_at(text, pos), hint=NESTING_HINT) from None
        line = _line_at(text, pos)
        yield _object(path, obj, line), line
        pos = pos_after
        expect_value = False


def _object(path, obj, line):
    if not isinstance(obj, dict):
        raise InputError(path, f"expected a JSON object, found {type(obj).__name__}", line=line)
    return obj


def clean(value) -> str | None:
    """Strip a field; empty strings and the literal "None"/"null" mean absent."""
    if value is None:
        return None
    if not isinstance(value, str):
        value = str(value)
    value = value.strip()
    if not value or value.lower() in {"none", "null", "n/a"}:
        return None
    return value


def require(path, record: dict, key: str, line: int, alternatives: tuple[str, ...] = ()) -> str:
    for k in (key, *alternatives):
        if k in record:
            value = clean(record[k])
            if value is None:
                raise InputError(path, f'record has an empty "{key}"', line=line, hint=f'give every record a "{key}"')
            return value
    raise InputError(path, f'record has no "{key}" key', line=line, hint=f'add "{key}" to every record')
