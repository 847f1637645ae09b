"""kg command line: each command parses its options and calls one library function."""

import functools
import json
import sys
from pathlib import Path

import click

from kg.errors import KgError

STORE_HELP = "Store location (default: $KG_STORE, else the per-user data directory)."


def friendly(fn):
    """Turn kg's domain errors into one-line click errors."""

    @functools.wraps(fn)
    def wrapper(*args, **kwargs):
        try:
            return fn(*args, **kwargs)
        except KgError as exc:
            raise click.ClickException(exc.one_line()) from None

    return wrapper


def store_option(fn):
    return click.option("--store", "store_path", metavar="PATH", help=STORE_HELP)(fn)


def _store(store_path):
    from kg.store import LocalStore, resolve

    return LocalStore(resolve(store_path))


@click.group()
@click.version_option(package_name="kg")
def cli():
    """Answer lay questions about AI models and papers from a knowledge graph."""


@cli.command()
@click.argument("paths", nargs=-1, type=click.Path(path_type=Path))
@click.option("--format", "fmt", help="Reader for every PATH: bundle, catalog, arxiv or tasks (default: guess).")
@store_option
@friendly
def build(paths, fmt, store_path):
    """Build the graph from PATHS (default: the bundled seeds/) into the store."""
    from kg.build import build_store
    from kg.paths import SEEDS

    result = _build(build_store, list(paths) or [SEEDS], _store(store_path), fmt)
    c = result["counts"]
    click.echo(
        f"{c['models']} models, {c['papers']} papers, {c['tasks']} tasks, {c['methods']} methods, "
        f"{c['questions']} questions, {c.get('concepts', 0)} concepts, {c.get('links', 0)} extracted links, "
        f"{c['triples']} triples from {c['sources']} sources"
    )
    if result["unmapped"]:
        labels = ", ".join(sorted(result["unmapped"]))
        click.echo(f"labels not in the thesaurus (kept as new concepts): {labels}", err=True)
    click.echo(f"store: {result['store']}")


def _bar(label: str, total: int):
    return click.progressbar(length=total, label=label, file=sys.stderr)


def _build(build_store, paths, store, fmt):
    result = build_store(paths, store, fmt=fmt, progress=_bar)
    for note in result["notes"]:
        click.echo(f"note: {note}", err=True)
    return result


def _answerer(store_path):
    from kg.answer import Answerer
    from kg.build import build_store
    from kg.paths import SEEDS
    from kg.store import Reader

    store = _store(store_path)
    if not store.exists():
        click.echo(f"no graph at {store} yet: building it from {SEEDS} first", err=True)
        _build(build_store, [SEEDS], store, None)
    return Answerer(Reader(store.open()))


@cli.command()
@click.argument("question", required=False)
@click.option("--bundle", "bundle_path", type=click.Path(path_type=Path),
              help="Answer this prompt bundle, citing only its models and papers.")
@click.option("--format", "fmt", type=click.Choice(["text", "markdown", "json"]), default="text", show_default=True)
@click.option("-k", "k", type=click.IntRange(1, 50), default=5, show_default=True, help="How many models to list.")
@store_option
@friendly
def ask(question, bundle_path, fmt, k, store_path):
    """Answer QUESTION over the whole graph, or a prompt bundle with --bundle."""
    from kg.render import render

    if bool(question) == bool(bundle_path):
        raise click.UsageError("give either a QUESTION or --bundle FILE")
    answerer = _answerer(store_path)
    if bundle_path:
        from kg.readers import read_source

        bundle = read_source(bundle_path, bundle_path.name, "bundle").records[0]
        answer = answerer.ask_bundle(bundle)
    else:
        answer = answerer.ask(question, k=k)
    click.echo(render(answer, fmt))


@cli.command(name="eval")
@click.argument("questions", type=click.Path(path_type=Path))
@click.option("--json", "as_json", is_flag=True, help="Print one JSON object.")
@click.option("--k", "k", type=click.IntRange(1, 100), default=10, show_default=True, help="Models ranked per question.")
@click.option("--predictions", type=click.Path(path_type=Path), help="Write one JSON line per question here.")
@click.option("--errors", "show_errors", is_flag=True, help="List each miss with what matched.")
@store_option
@friendly
def eval_(questions, as_json, k, predictions, show_errors, store_path):
    """Score kg's model ranking on QUESTIONS (JSON Lines: id, question, model, task, style)."""
    from kg.evaluate import evaluate, format_errors, format_report, load_questions, write_predictions

    items = load_questions(questions)
    report, rows = evaluate(_answerer(store_path), items, k=k)
    if predictions:
        write_predictions(rows, predictions)
    if show_errors:
        click.echo(format_errors(rows))
    click.echo(json.dumps(report, indent=2) if as_json else format_report(report))


if __name__ == "__main__":
    cli()
