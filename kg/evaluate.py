"""kg eval: rank models for each question over the whole graph and score the ranking."""

import json
import statistics
import time
from collections import defaultdict
from pathlib import Path

from .errors import InputError
from .rank import rank_all
from .readers.text import json_records, read_text
from .render import signals

METRICS = ("n", "task_at_1", "task_at_3", "exact_at_1", "exact_at_3", "mrr", "scale_at_1")


def load_questions(path: Path) -> list[dict]:
    items = []
    for record, line in json_records(path, read_text(path)):
        for key in ("question", "task"):
            if key not in record:
                raise InputError(path, f'line has no "{key}" key', line=line,
                                 hint='each line needs {question, task}, and may have id, style, model, also_ok')
        if not isinstance(record["question"], str) or not record["question"].strip():
            raise InputError(path, '"question" is empty', line=line, hint="give the question's text, or drop the line")
        also = record.get("also_ok") or []
        record["also_ok"] = also
        if not isinstance(also, list) or not all(isinstance(a, str) for a in also):
            raise InputError(path, '"also_ok" is not a list of task labels', line=line,
                             hint='write it as ["Task A", "Task B"] or leave it out')
        record.setdefault("id", f"line-{line}")
        record.setdefault("model", None)
        items.append(record)
    return items


def _same_task(a, b) -> bool:
    return (a or "").strip().casefold() == (b or "").strip().casefold()


def _right_task(labels: list[str], item: dict) -> bool:
    """Any of a model's task labels is the expected task, or one the question set also accepts."""
    wanted = [item["task"], *item.get("also_ok", [])]
    return any(_same_task(t, w) for t in labels or [None] for w in wanted)


def evaluate(answerer, items: list[dict], k: int = 10) -> tuple[dict, list[dict]]:
    index = answerer.index
    rows = []
    for item in items:
        t0 = time.perf_counter()
        u = answerer.understand(item["question"])
        ranked = rank_all(u, index, k)
        names = [m.name for m in ranked]
        labels = [index.models[m.iri].labels for m in ranked]
        rank = names.index(item["model"]) + 1 if item["model"] in names else None
        gold = index.models.get(index.iri_of(item["model"])) if item["model"] else None
        want_scale = gold.scale if gold else None
        rows.append({
            "id": item["id"],
            "style": item.get("style") or "unstyled",
            "question": item["question"],
            "expected_task": item["task"],
            "expected_model": item["model"],
            "task": labels[0][0] if labels and labels[0] else None,
            "models": names,
            "task_at_1": any(_right_task(ls, item) for ls in labels[:1]),
            "task_at_3": any(_right_task(ls, item) for ls in labels[:3]),
            # Task-only question sets name no model: their rows count for the task metrics alone.
            "exact_at_1": None if not item["model"] else rank == 1,
            "exact_at_3": None if not item["model"] else rank is not None and rank <= 3,
            "rr": None if not item["model"] else 1.0 / rank if rank else 0.0,
            # only questions whose answer is a fixed-scale model: is the top model's factor the same?
            "scale_at_1": None if not want_scale else bool(ranked) and index.models[ranked[0].iri].scale == want_scale,
            "matched": [m.as_dict() for m in (u.task.matched if u.task else [])],
            "signals": u.task.signals if u.task else {},
            "seconds": time.perf_counter() - t0,
        })
    report = _summary(rows)
    groups = defaultdict(list)
    for r in rows:
        groups[r["style"]].append(r)
    report["by_style"] = {s: _summary(rs) for s, rs in sorted(groups.items())}
    report["median_ms"] = round(1000 * statistics.median(r["seconds"] for r in rows), 2) if rows else 0.0
    return report, rows


def _summary(rows: list[dict]) -> dict:
    n = len(rows)
    if not n:
        return {m: None for m in METRICS} | {"n": 0, "n_exact": 0, "n_scaled": 0}
    return {"n": n, "task_at_1": _mean(rows, "task_at_1"), "task_at_3": _mean(rows, "task_at_3"),
            "exact_at_1": _mean(rows, "exact_at_1"), "exact_at_3": _mean(rows, "exact_at_3"), "mrr": _mean(rows, "rr"),
            "scale_at_1": _mean(rows, "scale_at_1"),
            "n_exact": sum(r["rr"] is not None for r in rows),
            "n_scaled": sum(r["scale_at_1"] is not None for r in rows)}


def _mean(rows: list[dict], key: str) -> float | None:
    """Over the rows the metric applies to; None when it applies to none."""
    values = [float(r[key]) for r in rows if r[key] is not None]
    return round(sum(values) / len(values), 4) if values else None


def write_predictions(rows: list[dict], path: Path) -> None:
    with open(path, "w", encoding="utf-8") as fh:
        for r in rows:
            fh.write(json.dumps({"id": r["id"], "task": r["task"], "models": r["models"]}, ensure_ascii=False) + "\n")


def format_report(report: dict) -> str:
    lines = [f"{'':10}" + "".join(f"{m:>12}" for m in METRICS)]
    lines.append(f"{'all':10}" + "".join(_cell(report[m]) for m in METRICS))
    for style, r in report["by_style"].items():
        lines.append(f"{style:10}" + "".join(_cell(r[m]) for m in METRICS))
    if 0 < report["n_exact"] < report["n"]:
        lines.append(f"exact@k and mrr: over the {report['n_exact']} questions that name a model")
    lines.append(f"median time per question: {report['median_ms']} ms")
    return "\n".join(lines)


def _cell(v) -> str:
    if v is None:
        return f"{'-':>12}"
    return f"{v:>12}" if isinstance(v, int) else f"{v:>12.3f}"


def format_errors(rows: list[dict]) -> str:
    out = []
    for r in rows:
        if r["task_at_1"] and r["exact_at_1"] is not False:
            continue
        matched = ", ".join(f"'{m['words']}'->{m['entry_label']}" for m in r["matched"]) or "nothing"
        out.append(
            f"[{r['id']}] {r['question']}\n"
            f"    expected: {r['expected_task']} / {r['expected_model'] or '-'}\n"
            f"    got:      {r['task']} / {r['models'][0] if r['models'] else '-'}"
            f"{'' if r['task_at_1'] else '   (task miss)'}\n"
            f"    matched:  {matched}\n"
            f"    from:     {signals(r['signals']) or '-'}"
        )
    return "\n".join(out)
