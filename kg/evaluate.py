"""kg eval: rank models for each question exactly as `kg ask` does, and score the ranking.

The metrics are those of the project's reference scorer (shared/tools/score.py), computed the same way:
- accepted_at_1/3: a top-k model's catalogue task is one a blind reader accepts for the question
  (`acceptable`; without it the question's own `task`, plus any `also_ok`);
- exact_at_1/3 and mrr: the labelled model is in the top k, or its reciprocal rank in the top 10,
  over the questions that name a model whose label is a reading of the question (`label_ok`, default true);
- scale_at_1: over questions that state a magnification (`scale_stated`), the top model offers it;
- task_at_1/3: the original catalogue labels, noisy, kept for comparison with earlier numbers.
"""

import json
import statistics
import time
from collections import defaultdict
from pathlib import Path

from .errors import InputError
from .index import label_key
from .rank import rank_answer
from .readers.text import json_records, read_text
from .render import signals

METRICS = ("accepted_at_1", "accepted_at_3", "exact_at_1", "exact_at_3", "mrr", "scale_at_1", "task_at_1", "task_at_3")
SCALES = ("2", "3", "4", "8", "any")
MRR_DEPTH = 10


def load_questions(path: Path) -> list[dict]:
    items = []
    for record, line in json_records(path, read_text(path)):
        if "question" not in record or not ("task" in record or "acceptable" in record):
            missing = "question" if "question" not in record else "task"
            raise InputError(path, f'line has no "{missing}" key', line=line,
                             hint='each line needs {question, task or acceptable}, and may have id, style, model, '
                                  'also_ok, label_ok, scale_stated')
        if not isinstance(record["question"], str) or not record["question"].strip():
            raise InputError(path, '"question" is empty', line=line, hint="give the question's text, or drop the line")
        for key in ("also_ok", "acceptable"):
            value = record.get(key) or []
            if not isinstance(value, list) or not all(isinstance(a, str) for a in value):
                raise InputError(path, f'"{key}" is not a list of task labels', line=line,
                                 hint='write it as ["Task A", "Task B"] or leave it out')
        scale = record.get("scale_stated")
        if scale is not None and str(scale) not in SCALES:
            raise InputError(path, f'"scale_stated" is {scale!r}', line=line,
                             hint=f"use one of {', '.join(SCALES)}, or null when the question states no factor")
        record.setdefault("id", f"line-{line}")
        record.setdefault("model", None)
        record.setdefault("task", None)
        record["accept"] = {label_key(a) for a in record.get("acceptable") or
                            [record["task"], *(record.get("also_ok") or [])]}
        items.append(record)
    return items


def scale_key(model) -> str | None:
    if model.arbitrary:
        return "any"
    return f"{model.scale:g}" if model.scale else None


def evaluate(answerer, items: list[dict], k: int = 10) -> tuple[dict, list[dict]]:
    index = answerer.index
    rows = []
    for item in items:
        t0 = time.perf_counter()
        u = answerer.understand(item["question"])
        ranked = rank_answer(u, index, k)
        seconds = time.perf_counter() - t0
        names = [m.name for m in ranked]
        labels = [label_key(index.models[m.iri].label) for m in ranked]
        rank = names.index(item["model"]) + 1 if item["model"] in names else None
        # A model whose label the readers found is not a reading of the question is no target.
        exact = bool(item["model"]) and item.get("label_ok", True) is not False
        stated = item.get("scale_stated")
        rows.append({
            "id": item["id"],
            "style": item.get("style") or "unstyled",
            "question": item["question"],
            "expected_task": item["task"],
            "acceptable": sorted(item["accept"]),
            "expected_model": item["model"],
            "task": labels[0] if labels else None,
            "models": names,
            "accepted_at_1": labels[:1] != [] and labels[0] in item["accept"],
            "accepted_at_3": any(t in item["accept"] for t in labels[:3]),
            "task_at_1": labels[:1] == [label_key(item["task"])],
            "task_at_3": label_key(item["task"]) in labels[:3],
            # Task-only question sets name no model: their rows count for the task metrics alone.
            "exact_at_1": rank == 1 if exact else None,
            "exact_at_3": (rank is not None and rank <= 3) if exact else None,
            "rr": (1.0 / rank if rank and rank <= MRR_DEPTH else 0.0) if exact else None,
            "scale_at_1": (bool(ranked) and scale_key(index.models[ranked[0].iri]) == str(stated)) if stated else None,
            "matched": [m.as_dict() for m in (u.task.matched if u.task else [])],
            "signals": u.task.signals if u.task else {},
            "seconds": seconds,
        })
    report = summary(rows)
    groups = defaultdict(list)
    for r in rows:
        groups[r["style"]].append(r)
    report["by_style"] = {s: summary(rs) for s, rs in sorted(groups.items())}
    report["median_ms"] = round(1000 * statistics.median(r["seconds"] for r in rows), 2) if rows else 0.0
    return report, rows


def summary(rows: list[dict]) -> dict:
    out = {"n": len(rows), "n_label_ok": _count(rows, "rr"), "n_scale": _count(rows, "scale_at_1")}
    for m in METRICS:
        out[m] = _mean(rows, "rr" if m == "mrr" else m)
    return out


def _count(rows: list[dict], key: str) -> int:
    return sum(r[key] is not None for r in rows)


def _mean(rows: list[dict], key: str) -> float | None:
    """Over the rows the metric applies to, rounded as the reference scorer rounds; None when it applies to none."""
    values = [float(r[key]) for r in rows if r[key] is not None]
    return round(sum(values) / len(values), 3) if values else None


def write_predictions(rows: list[dict], path: Path) -> None:
    with open(path, "w", encoding="utf-8") as fh:
        for r in rows:
            fh.write(json.dumps({"id": r["id"], "task": r["task"], "models": r["models"]}, ensure_ascii=False) + "\n")


HEADERS = {"accepted_at_1": "accepted@1", "accepted_at_3": "accepted@3", "exact_at_1": "exact@1",
           "exact_at_3": "exact@3", "mrr": "mrr", "scale_at_1": "scale@1", "task_at_1": "task@1", "task_at_3": "task@3"}


def format_report(report: dict) -> str:
    lines = [f"{'':10}{'n':>6}" + "".join(f"{HEADERS[m]:>12}" for m in METRICS)]
    lines.append(_line("all", report))
    for style, r in report["by_style"].items():
        lines.append(_line(style, r))
    if report["n_label_ok"] < report["n"]:
        lines.append(f"exact@k and mrr: over the {report['n_label_ok']} questions that name a fitting model")
    if report["n_scale"]:
        lines.append(f"scale@1: over the {report['n_scale']} questions that state a magnification")
    lines.append(f"median time per question: {report['median_ms']} ms")
    return "\n".join(lines)


def _line(name: str, r: dict) -> str:
    return f"{name:10}{r['n']:>6}" + "".join(_cell(r[m]) for m in METRICS)


def _cell(v) -> str:
    return f"{'-':>12}" if v is None else f"{v:>12.3f}"


def format_errors(rows: list[dict]) -> str:
    out = []
    for r in rows:
        if r["accepted_at_1"] and r["exact_at_1"] is not False:
            continue
        matched = ", ".join(f"'{m['words']}'->{m['entry_label']}" for m in r["matched"]) or "nothing"
        out.append(
            f"[{r['id']}] {r['question']}\n"
            f"    expected: {' | '.join(r['acceptable'])} / {r['expected_model'] or '-'}\n"
            f"    got:      {r['task']} / {r['models'][0] if r['models'] else '-'}"
            f"{'' if r['accepted_at_1'] else '   (task miss)'}\n"
            f"    matched:  {matched}\n"
            f"    from:     {signals(r['signals']) or '-'}"
        )
    return "\n".join(out)
