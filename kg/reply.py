"""What `kg ask` prints for one request: the same code runs in the command and in the resident answerer."""

from dataclasses import asdict, dataclass, field


@dataclass(frozen=True)
class Request:
    question: str | None = None
    bundle: str | None = None
    fmt: str = "text"
    k: int = 5
    html: str | None = None
    cwd: str | None = None  # where relative paths start: a resident works for askers in any directory

    def to_json(self) -> dict:
        return asdict(self)

    @classmethod
    def from_json(cls, data: dict) -> "Request":
        return cls(**{k: data[k] for k in cls.__dataclass_fields__ if k in data})


@dataclass
class Reply:
    out: str = ""
    err: list[str] = field(default_factory=list)  # lines for standard error
    error: str | None = None  # a KgError's one line: the command exits with it

    def to_json(self) -> dict:
        return asdict(self)


def reply(answerer, request: Request) -> Reply:
    from pathlib import Path

    from .errors import KgError
    from .render import render

    try:
        if request.bundle:
            from .readers import read_source

            bundle = Path(request.bundle)
            answer = answerer.ask_bundle(read_source(bundle, bundle.name, "bundle").records[0])
        else:
            answer = answerer.ask(request.question, k=request.k)
        err = []
        if request.html:
            from .view import answer_subgraph, write_html

            written = write_html(answer_subgraph(answer, answerer.index), Path(request.html), f"kg: {answer.question}")
            err.append(f"graph view: {written['path']} ({written['nodes']} nodes, {written['edges']} edges)")
        return Reply(render(answer, request.fmt), err)
    except KgError as exc:
        return Reply(error=exc.one_line())
