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


def _csv_rows(path, text):
    reader = csv.DictReader(io.StringIO(text))
    if not reader.fieldnames or "Model Unique Name" not in reader.fieldnames:
        raise InputError(path, 'CSV header has no "Model Unique Name" column', line=1,
                         hint="the first row must name the columns")
    for row in reader:
        yield row, reader.line_num


def _datasets(value) -> list[str]:
    value = clean(value)
    if not value:
        return []
    return [d for d in (clean(part) for part in value.split(",")) if d]
