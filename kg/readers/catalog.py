"""Model catalogues: JSON arrays of model cards, or the same columns as CSV."""

import csv
import io

from ..errors import InputError
from ..records import ModelCard
from .text import clean, json_records, require


def read(path, text: str) -> list[ModelCard]:
    if path.suffix.lower() == ".csv":
        rows = _csv_rows(path, text)
    else:
        rows = json_records(path, text)
    cards = []
    for record, line in rows:
        _check_types(path, record, line)
        name = require(path, record, "Model Unique Name", line)
        if "Category" not in record:
            raise InputError(path, 'record has no "Category" key', line=line, hint='add "Category" to every record')
        cards.append(
            ModelCard(
                name=name,
                line=line,
                category=clean(record.get("Category")),
                detailed_category=clean(record.get("Detailed Category")),
                datasets=_datasets(record.get("Dataset")),
                paper=clean(record.get("Paper")),
                github=clean(record.get("GitHub", record.get("Github"))),
                huggingface=clean(record.get("HuggingFace")),
                summary=clean(record.get("Summary")),
            )
        )
    if not cards:
        raise InputError(path, "catalogue has no model cards", hint="add at least one record")
    return cards


TEXT_FIELDS = ("Model Unique Name", "Category", "Detailed Category", "Paper", "GitHub", "Github", "HuggingFace",
               "Summary")


def _check_types(path, record: dict, line: int) -> None:
    """Every field is text or null; Dataset may also be a list of names. Anything else would be stored as
    Python's rendering of it ("['ImageNet'", "True")."""
    name = record.get("Model Unique Name")
    which = f'record "{name}"' if isinstance(name, str) and name.strip() else "record"
    for key in (*TEXT_FIELDS, "Dataset"):
        value = record.get(key)
        if value is None or isinstance(value, str):
            continue
        if key == "Dataset" and isinstance(value, list) and all(isinstance(v, str) for v in value):
            continue
        kind = {bool: "true/false", int: "a number", float: "a number", list: "a list", dict: "an object"}.get(
            type(value), type(value).__name__)
        expected = 'text or a list of names' if key == "Dataset" else "text"
        raise InputError(path, f'{which}: "{key}" is {kind}, expected {expected}', line=line,
                         hint=f'write "{key}" as a string, or null when unknown')


def _csv_rows(path, text):
    reader = csv.DictReader(io.StringIO(text))
    if not reader.fieldnames or "Model Unique Name" not in reader.fieldnames:
        raise InputError(path, 'CSV header has no "Model Unique Name" column', line=1,
                         hint="the first row must name the columns")
    for row in reader:
        yield row, reader.line_num


def _datasets(value) -> list[str]:
    if isinstance(value, list):
        value = ", ".join(value)
    value = clean(value)
    if not value:
        return []
    return [d for d in (clean(part) for part in value.split(",")) if d]
