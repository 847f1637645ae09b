"""Plain records that readers produce and the graph builder consumes."""

from dataclasses import dataclass, field
from pathlib import Path


@dataclass
class ModelCard:
    name: str
    line: int
    category: str | None = None
    detailed_category: str | None = None
    datasets: list[str] = field(default_factory=list)
    paper: str | None = None
    github: str | None = None
    huggingface: str | None = None
    summary: str | None = None

    @property
    def task_label(self) -> str | None:
        """The card's task: "Detailed Category", or "Category" where that is the task."""
        return self.detailed_category or self.category


@dataclass
class PaperRecord:
    title: str
    line: int
    label: str | None = None
    area: str | None = None
    url: str | None = None
    github: str | None = None
    huggingface: str | None = None
    summary: str | None = None
    arxiv_id: str | None = None


@dataclass
class TaskDef:
    task_id: str
    line: int
    description: str | None = None
    aliases: list[str] = field(default_factory=list)


@dataclass
class BundleModel:
    name: str
    line: int
    paper: str | None = None
    github: str | None = None
    huggingface: str | None = None
    summary: str | None = None


@dataclass
class BundlePaper:
    title: str
    line: int
    url: str | None = None
    github: str | None = None
    summary: str | None = None


@dataclass
class Bundle:
    name: str
    question: str
    line: int
    models: list[BundleModel] = field(default_factory=list)
    papers: list[BundlePaper] = field(default_factory=list)


@dataclass
class Source:
    """One input file, parsed: it becomes one named graph."""

    path: Path
    relpath: str
    format: str
    records: list
