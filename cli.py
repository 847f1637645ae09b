"""kg command line: each command parses its options and calls one library function."""

import functools
import json
import sys
from pathlib import Path

import click

from kg.errors import KgError

STORE_HELP = ("Store: a directory, or an http(s) SPARQL server URL "
              "(default: $KG_STORE, else the per-user data directory).")


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


def jobs_option(fn):
    return click.option("--jobs", "-j", type=click.IntRange(1, 64), default=_cores,
                        show_default="the usable cores, at most 4",
                        help="Processes that read texts at once (each loads the spaCy pipeline, about 250 MB).")(fn)


def width_option(fn):
    # No default here: kg.sparql.WIDTH holds it, and importing kg.sparql for it would slow every command.
    return click.option("--width", type=click.IntRange(min=0), metavar="N",
                        help="Longest text a table cell shows (default 60; 0: never cut). IRIs are never cut.")(fn)


def _cores() -> int:
    import os

    # More than a few workers mostly buys memory: the main process writes what they read.
    return max(1, min(4, len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count() or 1))


def _store(store_path):
    from kg.store import open_store

    return open_store(store_path)


@click.group()
@click.version_option(package_name="kg")
def cli():
    """Answer lay questions about AI models and papers from a knowledge graph."""


@cli.command()
@click.argument("paths", nargs=-1, type=click.Path(path_type=Path))
@click.option("--format", "fmt", help="Reader for every PATH: bundle, catalog, arxiv or tasks (default: guess).")
@click.option("--add", is_flag=True,
              help="Keep the store's other sources; read only those of PATHS that are new or changed.")
@jobs_option
@store_option
@friendly
def build(paths, fmt, add, jobs, store_path):
    """Build the graph from PATHS (default: the bundled seeds/) into the store."""
    from kg.build import build_store
    from kg.paths import SEEDS

    _report(_build(build_store, list(paths) or [SEEDS], _store(store_path), fmt, add=add, jobs=jobs))


def _report(result) -> None:
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


def _part(ctx, param, value):
    k, sep, n = (value or "").partition("/")
    if not (sep and k.isdigit() and n.isdigit() and 1 <= int(k) <= int(n)):
        raise click.BadParameter(f"{value!r} is not K/N with 1 <= K <= N (for example 2/4)")
    return int(k), int(n)


@cli.command()
@click.argument("paths", nargs=-1, required=True, type=click.Path(path_type=Path))
@click.option("--part", "part", required=True, callback=_part, metavar="K/N",
              help="Which part of N to extract: every Nth block of 1000 records, from the K-th.")
@click.option("-o", "--output", "out", required=True, type=click.Path(path_type=Path, dir_okay=False),
              help="Where to write the part (gzipped N-Quads).")
@click.option("--format", "fmt", help="Reader for every PATH: bundle, catalog, arxiv or tasks (default: guess).")
@jobs_option
@friendly
def extract(paths, part, out, fmt, jobs):
    """Extract one part of a build of PATHS, to load later with `kg load` (see README: builds in parts)."""
    from kg.build import export_part

    done = export_part(list(paths), out, part[0], part[1], fmt=fmt, jobs=jobs)
    click.echo(f"part {done['part']} of {done['of']} of {done['records']} records: {done['out']}")


@cli.command()
@click.argument("parts", nargs=-1, required=True, type=click.Path(exists=True, dir_okay=False, path_type=Path))
@store_option
@friendly
def load(parts, store_path):
    """Load every part `kg extract` wrote for one build into the store, replacing its graph."""
    from kg.build import load_parts

    result = load_parts(list(parts), _store(store_path), progress=_bar)
    for note in result["notes"]:
        click.echo(f"note: {note}", err=True)
    _report(result)


def _local(store_path):
    """Commands that need the embedded store itself (serve, RDF export)."""
    from kg.store import LocalStore

    store = _store(store_path)
    if not isinstance(store, LocalStore):
        raise click.UsageError("this command works on an embedded store; give --store a directory")
    return store


def _bar(label: str, total: int):
    return click.progressbar(length=total, label=label, file=sys.stderr)


def _build(build_store, paths, store, fmt, add=False, jobs=1):
    result = build_store(paths, store, fmt=fmt, progress=_bar, add=add, jobs=jobs)
    for note in result["notes"]:
        click.echo(f"note: {note}", err=True)
    return result


def _answerer(store_path=None, store=None):
    from kg.answer import Answerer

    return Answerer(_built(store or _store(store_path)).reader())


def _built(store):
    """The store, built from the bundled seeds first when it holds no graph yet."""
    if not store.exists():
        from kg.build import build_store
        from kg.paths import SEEDS
        from kg.store import LocalStore

        if not isinstance(store, LocalStore):
            # A read command never writes to a server that other applications may share.
            raise click.ClickException(f"{store}: the server holds no graph from kg build "
                                       f"(run `kg build --store {store}` first)")
        click.echo(f"no graph at {store} yet: building it from {SEEDS} first", err=True)
        _build(build_store, [SEEDS], store, None, jobs=_cores())
    return store


@cli.command()
@click.argument("question", required=False)
@click.option("--bundle", "bundle_path", type=click.Path(path_type=Path),
              help="Answer this prompt bundle, citing only its models and papers.")
@click.option("--format", "fmt", type=click.Choice(["text", "markdown", "json"]), default="text", show_default=True)
@click.option("-k", "k", type=click.IntRange(1, 50), default=5, show_default=True, help="How many models to list.")
@click.option("--html", "html_path", type=click.Path(path_type=Path, dir_okay=False),
              help="Also write the answer as a graph: one HTML file that opens offline.")
@store_option
@friendly
def ask(question, bundle_path, fmt, k, html_path, store_path):
    """Answer QUESTION over the whole graph, or a prompt bundle with --bundle.

    An embedded store's answers come from a resident answerer when one is running (see
    `kg resident --help`); the first `kg ask` starts it. KG_RESIDENT=0 answers in-process only."""
    global _QUICK_EXIT
    import os

    from kg import resident
    from kg.reply import Request, reply

    if bool(question) == bool(bundle_path):
        raise click.UsageError("give either a QUESTION or --bundle FILE")
    if question is not None and not question.strip():
        raise click.UsageError("the QUESTION is blank: give its words")
    request = Request(question, bundle_path and str(bundle_path), fmt, k, html_path and str(html_path), os.getcwd())
    store = _store(store_path)
    local = getattr(store, "root", None)  # a SPARQL server's graph can change under a resident unseen
    built = store.exists()
    got = resident.ask(local, request) if local and built else None
    if got is None:
        got = reply(_answerer(store=store), request)
        _QUICK_EXIT = built  # else this process wrote the store first: let it close as usual
        if local:
            resident.start(local)
    for line in got.err:
        click.echo(line, err=True)
    if got.error:
        raise click.ClickException(got.error)
    click.echo(got.out)


@cli.group()
def resident():
    """The background answerer that keeps a store's pipeline loaded, so `kg ask` answers at once."""


@resident.command(name="status")
@store_option
def resident_status(store_path):
    """Say whether a resident serves the store, and which generation it holds."""
    from kg import resident as r

    root = _local(store_path).root
    got = r.status(root)
    if got is None:
        click.echo(f"no resident for {root}" + ("" if r.enabled() else f" ({r.ENV}=0)"))
    else:
        click.echo(f"resident {got['pid']} serves {got['store']} (generation {got['generation']})")


@resident.command(name="stop")
@store_option
def resident_stop(store_path):
    """Stop the store's resident; the next `kg ask` answers in-process and starts a new one."""
    from kg import resident as r

    root = _local(store_path).root
    click.echo(f"stopped the resident for {root}" if r.stop(root) else f"no resident for {root}")


@cli.command(name="eval")
@click.argument("questions", type=click.Path(path_type=Path))
@click.option("--json", "as_json", is_flag=True, help="Print one JSON object.")
@click.option("--k", "k", type=click.IntRange(1, 100), default=10, show_default=True, help="Models ranked per question.")
@click.option("--predictions", type=click.Path(path_type=Path), help="Write one JSON line per question here.")
@click.option("--errors", "show_errors", is_flag=True, help="List each miss with what matched.")
@store_option
@friendly
def eval_(questions, as_json, k, predictions, show_errors, store_path):
    """Score kg's model ranking on QUESTIONS.

    QUESTIONS is JSON Lines with "question" and "task" on each line, and optionally "id", "style",
    "model" (without it only the task metrics count) and "also_ok" (other task labels that count as right).
    """
    from kg.evaluate import evaluate, format_errors, format_report, load_questions, write_predictions

    items = load_questions(questions)
    report, rows = evaluate(_answerer(store_path), items, k=k)
    if predictions:
        write_predictions(rows, predictions)
    misses = format_errors(rows) if show_errors else ""
    if misses:
        # With --json the misses go to stderr, so stdout stays one JSON document.
        click.echo(misses, err=as_json)
    click.echo(json.dumps(report, indent=2) if as_json else format_report(report))


@cli.command()
@click.option("--data", "data", type=click.Path(path_type=Path, dir_okay=False),
              help="Training questions, JSON Lines of {text, label} (default: the bundled training/questions.jsonl).")
@click.option("--seed", type=int, default=0, show_default=True, help="Random seed: same data and seed, same weights.")
@store_option
@friendly
def train(data, seed, store_path):
    """Train the task reader on questions written for the catalogue's cards, plus the thesaurus's phrasings,
    and learn how much each kind of evidence counts in the task tally."""
    from kg.train import TRAINING, train_reader

    answerer = _answerer(store_path)
    meta = train_reader(answerer, data or TRAINING, seed=seed)
    click.echo(f"trained on {sum(meta['examples'].values())} examples ({meta['labels']} labels), seed {meta['seed']}: "
               f"{meta['path']}")
    fit = meta["tally"]["out_of_fold_top1"]
    click.echo(f"tally weights from {meta['tally']['questions']} held-out readings: top-1 {fit['learned']} "
               f"(hand-set {fit['hand_set']})")


@cli.command()
@click.argument("query", required=False)
@click.option("-f", "--file", "query_file", type=click.Path(path_type=Path, dir_okay=False),
              help="Read the query from this .rq file (UTF-8).")
@click.option("--format", "fmt", type=click.Choice(["table", "csv", "tsv", "json", "xml", "ttl", "nt"]),
              help="Results format (default: table on a terminal, json otherwise; ttl for CONSTRUCT/DESCRIBE).")
@click.option("--limit", type=click.IntRange(min=0), help="Stop after this many results.")
@click.option("--timeout", type=click.FloatRange(min=0.1), default=30.0, show_default=True, help="Seconds before the query is stopped.")
@click.option("--allow-update", is_flag=True, help="Allow SPARQL UPDATE (the store is read-only otherwise).")
@click.option("--allow-service", is_flag=True, help="Allow SERVICE clauses, which fetch from other servers.")
@width_option
@store_option
@friendly
def sparql(query, query_file, fmt, limit, timeout, allow_update, allow_service, width, store_path):
    """Run a SPARQL QUERY (or -f FILE, or - for stdin) against the store; kg's prefixes are predeclared."""
    from kg.sparql import run

    from kg.readers.text import decode, read_text

    if query == "-":
        query = decode(sys.stdin.buffer.read(), "<stdin>")
    elif query_file is not None:
        query = read_text(query_file)
    if not query:
        raise click.UsageError("give a QUERY, -f FILE, or - to read standard input")
    result = run(_store(store_path), query, _default_format(fmt), limit, timeout, allow_update,
                 allow_service=allow_service, width=width)
    _warn(result.warnings)
    click.echo(result.text)


def _warn(warnings) -> None:
    for w in warnings:
        click.echo(f"warning: {w}", err=True)


def _default_format(fmt):
    return fmt or ("table" if sys.stdout.isatty() else "json")


@cli.group(invoke_without_command=True)
@click.pass_context
def queries(ctx):
    """List kg's saved SPARQL queries; `kg queries run NAME` runs one."""
    if ctx.invoked_subcommand is None:
        from kg.saved import load_all

        for q in load_all().values():
            params = " ".join(f"--param {p.name}=<{p.type}>" for p in q.params)
            click.echo(f"{q.name}: {q.title}" + (f"   [{params}]" if params else ""))


@queries.command(name="run")
@click.argument("name")
@click.option("--param", "params", multiple=True, metavar="KEY=VALUE", help="A parameter, bound as a value.")
@click.option("--format", "fmt", type=click.Choice(["table", "csv", "tsv", "json", "xml", "ttl", "nt"]))
@click.option("--limit", type=click.IntRange(min=0), help="Stop after this many results.")
@click.option("--timeout", type=click.FloatRange(min=0.1), default=30.0, show_default=True)
@width_option
@store_option
@friendly
def queries_run(name, params, fmt, limit, timeout, width, store_path):
    """Run the saved query NAME with --param KEY=VALUE for each of its parameters."""
    from kg.saved import bindings, get
    from kg.sparql import run

    q = get(name)
    result = run(_store(store_path), q.text, _default_format(fmt), limit, timeout,
                 bindings=bindings(q, list(params)), width=width)
    _warn(result.warnings)
    click.echo(result.text)


@cli.command()
@click.argument("name")
@click.option("--format", "fmt", type=click.Choice(["text", "json"]), default="text", show_default=True)
@store_option
@friendly
def describe(name, fmt, store_path):
    """What NAME is (an IRI, prefixed name, model name, label or arXiv id): its facts, where each came from
    (stated in a source file, read in a text with the sentence, or derived by kg build), and what points to it."""
    from dataclasses import asdict

    from kg.describe import describe as describe_node, show

    d = describe_node(_store(store_path).reader(), name)
    click.echo(json.dumps(asdict(d), indent=2, ensure_ascii=False) if fmt == "json" else show(d))


@cli.command()
@click.option("--format", "fmt", type=click.Choice(["table", "json"]), default="table", show_default=True)
@store_option
@friendly
def schema(fmt, store_path):
    """The classes and properties the graph uses, with counts, labels and an example node of each."""
    from dataclasses import asdict

    from kg.describe import schema as terms, schema_table

    found = terms(_store(store_path).reader())
    click.echo(json.dumps([asdict(t) for t in found], indent=2, ensure_ascii=False) if fmt == "json"
               else schema_table(found))


@cli.command()
@click.option("--host", default="127.0.0.1", show_default=True, help="Address to listen on.")
@click.option("--port", type=click.IntRange(1, 65535), default=7878, show_default=True)
@click.option("--timeout", type=click.IntRange(min=1), default=30, show_default=True, help="Seconds per query.")
@click.option("--allow-service", is_flag=True, help="Allow SERVICE clauses, which fetch from other servers.")
@store_option
@friendly
def serve(host, port, timeout, allow_service, store_path):
    """Serve the store read-only as a SPARQL 1.1 Protocol endpoint at http://HOST:PORT/query."""
    from kg.serve import serve as run_server

    store = _local(store_path)
    click.echo(f"serving {store} read-only at http://{host}:{port}/query (Ctrl-C stops)", err=True)
    run_server(store, host, port, timeout, say=lambda message: click.echo(message, err=True),
               allow_service=allow_service)


@cli.command()
@click.option("--shapes", type=click.Path(path_type=Path, dir_okay=False, exists=True),
              help="SHACL shapes to check (default: ontologies/shapes.ttl).")
@click.option("--all", "show_all", is_flag=True, help="List every finding, not the first 20 of each rule.")
@store_option
@friendly
def validate(shapes, show_all, store_path):
    """Check the store against the graph's SHACL shapes; exit 1 if a rule is broken."""
    from kg.validate import SHAPES, validate as check

    store = _store(store_path)
    report = check(store.reader(), shapes or SHAPES)
    shown: dict = {}
    for finding in report.findings:
        rule = (finding.shape, finding.component, finding.path)
        shown[rule] = shown.get(rule, 0) + 1
        if show_all or shown[rule] <= 20:
            click.echo(finding.line())
    hidden = sum(max(0, n - 20) for n in shown.values()) if not show_all else 0
    if hidden:
        click.echo(f"... and {hidden} more like these (--all lists them)")
    click.echo(f"{store}: {report.summary()}", err=True)
    if not report.conforms:
        sys.exit(1)


@cli.command()
@click.option("--format", "fmt", type=click.Choice(["ttl", "nt", "nq", "trig", "jsonld"]),
              help="Export RDF in this format (to -o FILE or standard output).")
@click.option("--graph", "graph", metavar="IRI", help="With --format: only this named graph.")
@click.option("-o", "--output", type=click.Path(dir_okay=False, path_type=Path), help="With --format: write here.")
@click.option("--html", "html_path", type=click.Path(path_type=Path, dir_okay=False),
              help="Write the focus's neighbourhood as one HTML file that opens offline.")
@click.option("--graphml", "graphml_path", type=click.Path(path_type=Path, dir_okay=False),
              help="Write it as GraphML (Gephi, networkx); with no focus, the whole graph.")
@click.option("--task", help="Focus on this task: IRI, label or catalogue label (e.g. SISR).")
@click.option("--node", metavar="IRI", help="Focus on this node: IRI, concept label or model name.")
@click.option("--depth", type=click.IntRange(0, 10), default=2, show_default=True, help="Hops around the focus.")
@store_option
@friendly
def export(fmt, graph, output, html_path, graphml_path, task, node, depth, store_path):
    """Export RDF (--format), or part of the graph as an HTML view (--html) or GraphML (--graphml)."""
    if not (fmt or html_path or graphml_path):
        raise click.UsageError("give --format FORMAT, --html FILE or --graphml FILE")
    if task and node:
        raise click.UsageError("give --task or --node, not both")
    if fmt:
        from kg.export import export as export_rdf

        data = export_rdf(_local(store_path).open(), fmt, graph)
        if output:
            from kg.output import write_bytes

            write_bytes(output, data)
            click.echo(f"wrote {len(data)} bytes to {output}", err=True)
        else:
            sys.stdout.buffer.write(data)
    if not (html_path or graphml_path):
        return
    from kg.view import export_subgraph, write_graphml, write_html

    index = _answerer(store_path).index
    what = task or node or "the whole graph"
    if html_path:  # capped: a browser must lay it out
        w = write_html(export_subgraph(index, task=task, node=node, depth=depth), html_path,
                       f"kg: {what}, depth {depth}")
        click.echo(f"{w['path']}: {w['nodes']} nodes, {w['edges']} edges")
    if graphml_path:  # no browser involved: no cap
        w = write_graphml(export_subgraph(index, task=task, node=node, depth=depth, cap=None), graphml_path)
        click.echo(f"{w['path']}: {w['nodes']} nodes, {w['edges']} edges")


_QUICK_EXIT = False  # set once `kg ask` has answered in-process


def main():
    """The `kg` command. After an in-process `kg ask` the process ends without freeing spaCy's and the
    index's objects one by one, which took a third of a second of a cold ask (mypy ends the same way).
    Nothing is left to close: the store was opened read-only, files are written whole before they are
    renamed, and the output is flushed here. Click's CliRunner calls `cli`, so tests end normally."""
    import os

    try:
        cli()
    except SystemExit as end:
        if not _QUICK_EXIT:
            raise
        code = end.code if isinstance(end.code, int) else int(end.code is not None)
        sys.stdout.flush()
        sys.stderr.flush()
        os._exit(code)


if __name__ == "__main__":
    main()
