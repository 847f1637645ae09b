"""A build in parts, in parallel, or by replacing one source gives the graph a build in one go gives."""

import gzip
import shutil

import pytest
from click.testing import CliRunner

from cli import cli
from kg.build import build_store, export_part, load_parts
from kg.errors import InputError
from kg.store import MENTIONS, LocalStore
from kg.store.snapshot import SUFFIX
from tests.conftest import SEEDS, _graphs, assert_same_graphs, snapshot_of

LISTING = SEEDS / "arxiv" / "arxiv_2023_after.jsonl"


def _corpus(dest, listing: slice = slice(0, 1500)):
    """Catalogues, task definitions, the bundle, the abstracts and part of the listing: blocks of 1000
    records fall across several sources, and both concepts and datasets are decided over the corpus."""
    shutil.copytree(SEEDS, dest, ignore=shutil.ignore_patterns("arxiv_2023_after.jsonl", "README*"))
    lines = LISTING.read_text(encoding="utf-8").splitlines()[listing]
    (dest / "arxiv" / "listing.jsonl").write_text("\n".join(lines) + "\n", encoding="utf-8")
    return dest


@pytest.fixture(scope="module")
def corpus(tmp_path_factory):
    return _corpus(tmp_path_factory.mktemp("corpus") / "src")


@pytest.fixture(scope="module")
def whole(corpus, tmp_path_factory):
    """The corpus built in one go, in one process."""
    store = LocalStore(tmp_path_factory.mktemp("whole") / "store")
    result = build_store([corpus], store)
    assert result["counts"]["concepts"] > 100 and result["counts"]["links"] > 3000
    return store


def test_four_parts_extracted_apart_and_loaded_make_the_same_graph(corpus, whole, tmp_path):
    runner = CliRunner()
    parts = []
    for k in range(1, 5):
        out = tmp_path / f"part-{k}.nq.gz"
        result = runner.invoke(cli, ["extract", str(corpus), "--part", f"{k}/4", "-o", str(out)],
                               catch_exceptions=False)
        assert result.output == f"part {k} of 4 of 1835 records: {out}\n"
        parts.append(out)
    with gzip.open(parts[0], "rt") as fh:  # a standard dump any SPARQL 1.1 store can read
        assert fh.readline().endswith("> .\n")
    store = LocalStore(tmp_path / "store")
    result = runner.invoke(cli, ["load", *map(str, reversed(parts)), "--store", str(store.root)],
                           catch_exceptions=False)
    assert result.exit_code == 0, result.output
    assert result.output.splitlines()[-2].endswith("from 6 sources")
    assert_same_graphs(_graphs(whole), _graphs(store))
    assert snapshot_of(store) == snapshot_of(whole) != {}


def test_a_missing_or_foreign_part_is_named_and_nothing_is_loaded(corpus, tmp_path):
    parts = [tmp_path / f"p{k}.nq.gz" for k in (1, 2, 3)]
    for k, out in enumerate(parts, start=1):
        export_part([corpus], out, k, 3 if k < 3 else 4)
    store = LocalStore(tmp_path / "store")
    with pytest.raises(InputError, match="the parts come from different builds"):
        load_parts(parts, store)
    with pytest.raises(InputError, match=r"parts 3 of 3 are missing"):
        load_parts(parts[:2], store)
    cut = tmp_path / "cut.nq.gz"
    cut.write_bytes(gzip.compress(gzip.decompress(parts[0].read_bytes())[:5000]))
    with pytest.raises(InputError, match="cut.nq.gz"):
        load_parts([cut, parts[1]], store)
    assert not store.exists()


def test_replacing_a_changed_source_gives_the_graph_a_full_build_gives(corpus, tmp_path):
    src = tmp_path / "src"
    shutil.copytree(corpus, src)
    store = LocalStore(tmp_path / "store")
    before = build_store([src], store)["counts"]
    # A new month: 300 papers go, 400 others come.
    lines = LISTING.read_text(encoding="utf-8").splitlines()
    (src / "arxiv" / "listing.jsonl").write_text("\n".join(lines[300:1500] + lines[5000:5400]) + "\n", encoding="utf-8")
    result = CliRunner().invoke(cli, ["build", "--add", str(src), "--store", str(store.root)], catch_exceptions=False)
    assert "note: replaced 1 source(s) and kept the rest as stored: arxiv/listing.jsonl" in result.output
    fresh = LocalStore(tmp_path / "fresh")
    after = build_store([src], fresh)["counts"]
    assert before["concepts"] != after["concepts"]  # some noun chunks became concepts or stopped being ones
    assert_same_graphs(_graphs(fresh), _graphs(store))
    # The rows answers start from are the new graph's, and the old generation's went with it.
    assert snapshot_of(store) == snapshot_of(fresh) != {}
    live = store.live_path().rsplit("/", 1)[-1]
    assert sorted(p.name for p in store.root.glob("*gen-*")) == sorted(f"{live}{s}" for s in ("", MENTIONS, SUFFIX))

    again = CliRunner().invoke(cli, ["build", "--add", str(src), "--store", str(store.root)], catch_exceptions=False)
    assert f"note: {store.root} already holds every given source as it is; nothing was rebuilt" in again.output


def test_workers_give_the_graph_one_process_gives(corpus, whole, tmp_path):
    store = LocalStore(tmp_path / "store")
    build_store([corpus], store, jobs=2)
    assert_same_graphs(_graphs(whole), _graphs(store))


def test_long_texts_are_read_in_smaller_batches():
    from kg.extract import Text, batches

    texts = [Text("s", "g", "x" * n) for n in (100,) * 300 + (2000,) * 20]
    runs = [len(r) for r in batches(texts)]
    assert runs == [128, 128, 49, 8, 7]  # titles 128 at a time; abstracts 8 to a 16k-character batch


def test_an_update_checks_the_contract_on_what_it_changed(tmp_path, monkeypatch):
    import json

    from kg.errors import KgError
    from kg.validate import SHAPES

    cards = json.loads((SEEDS / "catalogs" / "models.json").read_text(encoding="utf-8"))
    src = tmp_path / "src"
    src.mkdir()
    shutil.copy(SEEDS / "tasks.json", src)
    bare = {**cards[0], "Model Unique Name": "Bare-Net-2x", "Dataset": None, "Summary": None}  # no text: no links
    (src / "a.json").write_text(json.dumps(cards[:5] + [bare]))
    (src / "b.json").write_text(json.dumps(cards[5:8]))
    store = LocalStore(tmp_path / "store")
    build_store([src], store)
    before, live = store.reader().count(), store.live_path()
    strict = tmp_path / "strict.ttl"
    strict.write_text(SHAPES.read_text() + "\nkgs:Strict a sh:NodeShape ; sh:targetClass kg:Model ;\n"
                      "  sh:property [ sh:path kg:trainedOn ; sh:minCount 1 ; sh:message \"names no dataset\" ] .\n")
    monkeypatch.setattr("kg.validate.SHAPES", strict)

    (src / "b.json").write_text(json.dumps(cards[5:8] + [{**bare, "Model Unique Name": "Bare-Net-4x"}]))
    with pytest.raises(KgError, match=r"breaks the contract in strict.ttl 1 time\(s\), first: violation: b.json: "
                                      r".*Bare-Net-4x>: names no dataset"):
        build_store([src], store, add=True)
    assert (store.reader().count(), store.live_path()) == (before, live)
    # Bare-Net-2x breaks the strict shape too, but a.json did not change: only kg validate looks at it again.
    reworded = {**cards[5], "Summary": "A reworded summary of a super-resolution model."}
    (src / "b.json").write_text(json.dumps([reworded] + cards[6:8]))
    result = build_store([src], store, add=True)
    assert result["notes"][-1] == "replaced 1 source(s) and kept the rest as stored: b.json"
    assert store.live_path() != live


def test_mentions_read_by_other_extraction_rules_are_read_again(tmp_path, monkeypatch):
    import kg.build.modes

    src = tmp_path / "src"
    src.mkdir()
    shutil.copy(SEEDS / "tasks.json", src)
    shutil.copytree(SEEDS / "catalogs", src / "catalogs")
    store = LocalStore(tmp_path / "store")
    build_store([src], store)
    (src / "tasks.json").write_text((SEEDS / "tasks.json").read_text(encoding="utf-8") + "\n", encoding="utf-8")
    monkeypatch.setattr(kg.build.modes, "KG_RULES", "kg-rules-next")  # as a later kg would read texts
    result = build_store([src], store, add=True)
    assert f"{store} keeps no reusable extraction for this thesaurus and pipeline; every source is read again" \
        in result["notes"]
