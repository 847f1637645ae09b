"""Write stage: an answer as text, Markdown or JSON."""

import html
import json
import re
import urllib.parse
from dataclasses import asdict, fields, is_dataclass, replace

from .answer.types import Answer, Hop, Path, Workflow

FORMATS = ("text", "markdown", "json")
URL_KEYS = {"url", "github", "paper", "huggingface", "iri", "id"}
# C0 and C1 controls but newline and tab: a question or source file could otherwise move the cursor,
# retitle the terminal or hide text.
_CONTROL = re.compile(r"[\x00-\x08\x0b-\x1f\x7f-\x9f]")


def render(answer: Answer, fmt: str) -> str:
    if fmt == "json":
        return json.dumps(answer.to_json(), indent=2, ensure_ascii=False)
    md = fmt == "markdown"
    answer = _safe(answer, md)
    h = (lambda s: f"## {s}") if md else (lambda s: f"{s}\n{'-' * len(s)}")
    item = "- " if md else "  "
    out = []
    out.append(f"> {answer.question}" if md else f"Question: {answer.question}")
    out.append("")
    out.append(h("1. Task"))
    task = answer.task
    if task:
        out.append(f"{item}{task.label}  (confidence {task.confidence:.2f}; catalogue label "
                   f"{', '.join(task.catalog_labels) or '-'})")
        if task.matched:
            words = "; ".join(f"'{m['words']}' -> {m['entry_label']}" for m in task.matched)
            out.append(f"{item}matched: {words}")
        if task.signals:
            out.append(f"{item}score {task.score:g} from: {signals(task.signals)}")
    else:
        out.append(f"{item}no task found")
    attrs = answer.attributes or {}
    if attrs.get("scale"):
        out.append(f"{item}scale: x{attrs['scale']['value']:g} ('{attrs['scale']['words']}')")
    for t in attrs.get("traits", []):
        out.append(f"{item}trait: {t['trait']} ('{t['words']}')")
    if answer.alternatives:
        alts = ", ".join(f"{a.label} ({a.score:g})" for a in answer.alternatives)
        out.append(f"{item}other candidates: {alts}")
    out.append("")
    out.append(h("2. Workflow"))
    if answer.workflow:
        out.extend(_workflow_lines(answer.workflow, item))
    else:
        out.append(f"{item}no workflow: the task is unknown")
    out.append("")
    how = answer.how
    if how and how.facts:
        out.append(h("How it works" if how.kind == "explanation" else "Steps"))
        for i, f in enumerate(how.facts, start=1):
            lead = f"{i}. " if how.kind == "steps" else item
            out.append(f"{lead}{f.text}")
            out.append(f"    source: {f.source}")
        out.append("")
    out.append(h("Models"))
    for i, m in enumerate(answer.models, start=1):
        fit = "" if getattr(m, "fits", True) else "  [does not fit the task]"
        if getattr(m, "alternative", False):
            fit += f"  [alternative reading: {m.task}]"
        score = f"  score {m.score:g}" if m.score is not None else ""
        out.append(f"{i}. {m.name}  ({m.task}){score}{fit}")
        if getattr(m, "why", None):
            out.append(f"   why: {'; '.join(m.why)}")
        out.append(f"   path: {path_text(m.path)}")
        if getattr(m, "evidence", None):
            out.append(f"   evidence: \"{m.evidence}\"")
        for k, v in asdict(m.links).items():
            if v:
                out.append(f"   {k}: {v}")
    out.append("")
    out.append(h("3. Papers and tools"))
    if not answer.papers:
        out.append(f"{item}none in the graph")
    for p in answer.papers:
        out.append(f"{item}{p.title}" + (f" <{p.url}>" if p.url else ""))
        if p.github:
            out.append(f"    code: {p.github}")
        out.append(f"    path: {path_text(p.path)}")
        if p.evidence:
            out.append(f"    evidence: \"{p.evidence}\"")
    if answer.papers_note:
        out.append(f"{item}note: {answer.papers_note}")
    if answer.caveats:
        out.append("")
        out.append(h("Caveats"))
        for c in answer.caveats:
            why = f"because the question mentions '{c.because}'" if c.because else "for every question about it"
            out.append(f"{item}{c.text}")
            out.append(f"    source: {c.id} (a caveat of {c.task}, shown {why})")
    if answer.warnings:
        out.append("")
        out.append(h("Warnings"))
        out.extend(f"{item}{w}" for w in answer.warnings)
    if answer.notes:
        out.append("")
        out.extend(f"note: {n}" for n in answer.notes)
    return "\n".join(out)


def _safe(value, md: bool, key: str | None = None):
    """Every string of the answer made harmless for a terminal and, in Markdown, for an HTML renderer."""
    if is_dataclass(value):
        return replace(value, **{f.name: _safe(getattr(value, f.name), md, f.name) for f in fields(value)})
    if isinstance(value, dict):
        return {k: _safe(v, md, k) for k, v in value.items()}
    if isinstance(value, list):
        return [_safe(v, md, key) for v in value]
    if not isinstance(value, str):
        return value
    text = _CONTROL.sub(lambda m: f"\\x{ord(m.group()):02x}", value)
    if key in URL_KEYS:
        # A URL stays a URL: what could end an autolink or a line is percent-encoded instead.
        return urllib.parse.quote(text, safe=":/?#[]@!$&'()*+,;=%~")
    return html.escape(text, quote=False) if md else text


def _workflow_lines(wf: Workflow, item: str) -> list[str]:
    main = next(s for s in wf.steps if s.id == "main")
    main_txt = f"[{main.task}: {', '.join(main.models) or 'no fitting model'}]"
    lines = [f"{item}{wf.input} -> {main_txt} -> {wf.output}"]
    for s in wf.steps:
        if s.id != "main":
            model = ", ".join(s.models) or "no model"
            lines.append(f"{item}branch: {wf.input} -> [{s.task}: {model}] -> {s.output} -> "
                         f"{main_txt}   ({s.why or 'optional pre-step'})")
    return lines


def path_text(path: Path) -> str:
    return " ".join(f"-{step.rel}->" if isinstance(step, Hop) else step.label for step in path)


def signals(parts: dict[str, float]) -> str:
    """'phrases 4, scale 1.5, card words 0.8': the kinds of evidence behind a task's score, largest first."""
    return ", ".join(f"{name} {value:g}" for name, value in sorted(parts.items(), key=lambda kv: (-kv[1], kv[0])))
