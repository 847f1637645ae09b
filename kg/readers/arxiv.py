"""arXiv records (JSON array or JSON Lines): title, label, area and links."""

from ..errors import InputError
from ..iris import arxiv_id
from ..records import PaperRecord
from .text import clean, json_records, require


def read(path, text: str) -> list[PaperRecord]:
    papers = []
    for record, line in json_records(path, text):
        title = require(path, record, "Model Unique Name", line)
        url = clean(record.get("Paper"))
        papers.append(
            PaperRecord(
                title=title,
                line=line,
                label=clean(record.get("Detailed Category")),
                area=clean(record.get("Category")),
                url=url,
                github=clean(record.get("GitHub", record.get("Github"))),
                huggingface=clean(record.get("HuggingFace")),
                summary=clean(record.get("Summary")),
                arxiv_id=_arxiv(record.get("arxiv_id")) or arxiv_id(url),
            )
        )
    if not papers:
        raise InputError(path, "no arXiv records", hint="add at least one record")
    return papers


def _arxiv(value) -> str | None:
    # Some exports store the id as a float (2404.06587 -> 2404.06587, but 2404.0658 loses a zero).
    value = clean(value)
    return arxiv_id(f"arxiv.org/abs/{value}") if value else None
