"""A corpus of bad input files, generated here: every one ends in one line naming the file, never a traceback.

Each case is (command, file name, content). Commands are those that read user files: kg build, kg ask --bundle,
kg eval and kg sparql -f. A case passes when kg exits 1 or 2 with a last line "Error: ..." that names the file
(or exits 0 where the input is odd but valid, such as a byte-order mark), and the store is left as it was.
"""

import json

import pytest
from click.testing import CliRunner

from cli import cli
from tests.conftest import SEED_BUNDLE

CARD = {"Model Unique Name": "Demo-Net-2x", "Category": "SISR", "Detailed Category": "SISR", "Dataset": "DIV2K",
        "Paper": "https://arxiv.org/pdf/1803.08664", "GitHub": None, "HuggingFace": None, "Summary": "Upscales 2x."}
DEEP = "[" * 100_000 + "]" * 100_000


def _card(**changes) -> str:
    return json.dumps([CARD | changes])


CATALOGS = {
    # wrong types where text belongs
    **{f"type-{key}-{kind}.json": _card(**{key: value})
       for key in ("Model Unique Name", "Category", "Paper", "GitHub", "HuggingFace", "Summary")
       for kind, value in (("list", ["a", "b"]), ("number", 3), ("bool", True))},
    "type-Dataset-dict.json": _card(Dataset={"name": "ImageNet"}),
    "type-Dataset-numbers.json": _card(Dataset=[1, 2]),
    "type-Detailed-dict.json": _card(**{"Detailed Category": {"a": 1}}),
    "no-name.json": json.dumps([{k: v for k, v in CARD.items() if k != "Model Unique Name"}]),
    "empty-name.json": _card(**{"Model Unique Name": "  "}),
    "no-category.json": json.dumps([{k: v for k, v in CARD.items() if k != "Category"}]),
    "not-objects.json": json.dumps(["Demo-Net-2x"]) ,
    "truncated.json": _card()[:-10],
    "trailing-garbage.json": _card() + " }",
    "missing-comma.json": "[" + json.dumps(CARD) + json.dumps(CARD) + "]",
    "deeply-nested.json": DEEP,
    "latin1.json": json.dumps([CARD | {"Summary": "Caf\u00e9"}], ensure_ascii=False).encode("latin-1"),
    "binary.json": bytes(range(256)) * 4,
    "empty.json": "",
    "whitespace.json": "   \n\n ",
    "no-header.csv": "Demo-Net-2x,SISR\n",
    "empty-array.json": "[]",
}
BUNDLES = {
    "bundle-empty.txt": "",
    "bundle-binary.txt": b"\x00\xff\xfe" * 100,
    "bundle-no-question.txt": "### Recommended AI Models:\nModel: Demo-Net-2x\n",
    "bundle-latin1.txt": "A user has asked the following question:\n\"Caf\u00e9?\"\n".encode("latin-1"),
}
QUESTIONS = {
    "q-invalid-json.jsonl": '{"question": "enlarge 2x", "task": "SISR"\n',
    "q-no-question.jsonl": json.dumps({"task": "SISR"}) + "\n",
    "q-empty-question.jsonl": json.dumps({"question": " ", "task": "SISR"}) + "\n",
    "q-question-number.jsonl": json.dumps({"question": 42, "task": "SISR"}) + "\n",
    "q-acceptable-string.jsonl": json.dumps({"question": "enlarge 2x", "acceptable": "SISR"}) + "\n",
    "q-bad-scale.jsonl": json.dumps({"question": "enlarge 2x", "task": "SISR", "scale_stated": "5"}) + "\n",
    "q-not-object.jsonl": "[1, 2]\n",
    "q-deeply-nested.jsonl": DEEP + "\n",
    "q-binary.jsonl": bytes(range(256)),
    "q-empty.jsonl": "",
}
QUERIES = {
    "binary.rq": bytes(range(256)),
    "latin1.rq": "SELECT * WHERE { ?s ?p \"caf\u00e9\" }".encode("latin-1"),
    "syntax.rq": "SELEC * WHERE { ?s ?p ?o }",
    "empty.rq": "",
    "update-after-comment.rq": "# tidy up\nDELETE WHERE { ?s ?p ?o }",
}
CASES = ([("build", n, c) for n, c in CATALOGS.items()] + [("bundle", n, c) for n, c in BUNDLES.items()]
         + [("eval", n, c) for n, c in QUESTIONS.items()] + [("sparql", n, c) for n, c in QUERIES.items()])


def test_the_corpus_is_big_enough():
    assert len(CASES) >= 40


@pytest.mark.parametrize("command,name,content", CASES, ids=[c[1] for c in CASES])
def test_bad_input_ends_in_one_line(seed_store, tmp_path, command, name, content):
    path = tmp_path / name
    path.write_bytes(content if isinstance(content, bytes) else content.encode())
    args = {"build": ["build", str(path), "--store", str(tmp_path / "store")],
            "bundle": ["ask", "--bundle", str(path), "--store", str(seed_store.root)],
            "eval": ["eval", str(path), "--store", str(seed_store.root)],
            "sparql": ["sparql", "-f", str(path), "--store", str(seed_store.root)]}[command]
    result = CliRunner().invoke(cli, args, catch_exceptions=False)  # an unexpected exception fails the test
    last = result.output.strip().splitlines()[-1] if result.output.strip() else ""
    assert result.exit_code in (1, 2), result.output
    assert "Traceback" not in result.output
    assert last.startswith("Error: ") and (name in last or command == "sparql"), last
    if command == "build":
        assert not (tmp_path / "store" / "current").exists()  # nothing half-written
