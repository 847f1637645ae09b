import json
from pathlib import Path

import pytest

from kg.errors import InputError
from kg.readers import discover, read_source, sniff
from tests.conftest import SEED_BUNDLE, SEED_QUESTION, SEEDS


def write(tmp_path: Path, name: str, content) -> Path:
    p = tmp_path / name
    p.write_bytes(content if isinstance(content, bytes) else content.encode("utf-8"))
    return p


def test_seed_bundle_gives_question_models_and_papers():
    bundle = read_source(SEED_BUNDLE, SEED_BUNDLE.name).records[0]
    assert bundle.question == SEED_QUESTION
    assert [m.name for m in bundle.models] == ["Txt2Img-StableDiffusionV1-QGO-PromptingReal"]
    assert bundle.models[0].paper is None  # "Paper: None" means absent
    assert bundle.models[0].github == "https://github.com/Kameronski/stable-diffusion-1.5"
    assert [p.url for p in bundle.papers] == [
        "http://arxiv.org/pdf/2308.15462v1.pdf",
        "http://arxiv.org/pdf/2502.16025v1.pdf",
        "http://arxiv.org/pdf/2309.04502v1.pdf",
    ]
    assert bundle.papers[1].title == "FeatSharp: Your Vision Model Features, Sharper"
    assert bundle.papers[2].summary.startswith("Multi-scale resolution training")


def test_bundle_tolerates_crlf_bom_blank_lines_and_missing_sections(tmp_path):
    text = SEED_BUNDLE.read_text()
    messy = "\ufeff" + text.replace("\n", "\n\n").replace("\n", "\r\n")
    bundle = read_source(write(tmp_path, "messy.txt", messy), "messy.txt").records[0]
    assert bundle.question == SEED_QUESTION
    assert len(bundle.papers) == 3 and len(bundle.models) == 1

    no_sections = text.split("### Recommended AI Models:")[0]
    bundle = read_source(write(tmp_path, "bare.txt", no_sections), "bare.txt").records[0]
    assert bundle.question == SEED_QUESTION
    assert bundle.models == [] and bundle.papers == []


def test_bundle_hugging_face_links_stay_apart_from_github(tmp_path):
    text = SEED_BUNDLE.read_text().replace(
        "GitHub: https://github.com/Kameronski/stable-diffusion-1.5",
        "GitHub: https://github.com/Kameronski/stable-diffusion-1.5\nHuggingFace: https://huggingface.co/x/y")
    model = read_source(write(tmp_path, "hf.txt", text), "hf.txt").records[0].models[0]
    assert model.github == "https://github.com/Kameronski/stable-diffusion-1.5"
    assert model.huggingface == "https://huggingface.co/x/y"


def test_truncated_bundle_names_file_and_line(tmp_path):
    text = SEED_BUNDLE.read_text()
    cut = text[: text.index("face became")]
    path = write(tmp_path, "cut.txt", cut)
    with pytest.raises(InputError) as err:
        read_source(path, "cut.txt")
    assert str(err.value) == f"{path}:4: the question's closing quote is missing (file truncated?)"


def test_catalogue_json_and_csv_agree(tmp_path):
    cards = read_source(SEEDS / "catalogs" / "models.json", "models.json").records
    assert len(cards) == 158
    first = cards[0]
    header = "Model Unique Name,Category,Detailed Category,Dataset,Paper,Github,HuggingFace,Summary\n"
    row = f'{first.name},Img2Txt,Classification,"ImageNet-21k",{first.paper},,{first.huggingface},"{first.summary}"\n'
    csv_cards = read_source(write(tmp_path, "cat.csv", header + row), "cat.csv").records
    assert csv_cards[0].name == first.name
    assert csv_cards[0].datasets == ["ImageNet-21k"]
    assert csv_cards[0].github is None and csv_cards[0].huggingface == first.huggingface
    assert csv_cards[0].line == 2


def test_new_models_keep_task_in_category():
    cards = read_source(SEEDS / "catalogs" / "new_models.json", "new_models.json").records
    assert len(cards) == 55
    assert all(c.detailed_category is None for c in cards)
    assert {"segmentation", "Object Tracking"} <= {c.task_label for c in cards}


def test_arxiv_jsonl_and_json_records():
    jsonl = read_source(SEEDS / "arxiv" / "arxiv_2023_after.jsonl", "a.jsonl")
    assert jsonl.format == "arxiv" and len(jsonl.records) == 15269
    sample = read_source(SEEDS / "arxiv" / "arxiv_sample_100.json", "s.json")
    assert sample.format == "arxiv" and len(sample.records) == 100
    assert sample.records[0].arxiv_id == "2404.06587" and sample.records[0].summary


@pytest.mark.parametrize(
    "name, content, fmt",
    [
        ("tasks.json", '[{"task_id": "x"}]', "tasks"),
        ("cards.json", '[{"Model Unique Name": "m", "Category": "Img2Img"}]', "catalog"),
        ("papers.jsonl", '{"Model Unique Name": "t"}\n', "arxiv"),
        ("b.txt", "anything", "bundle"),
    ],
)
def test_sniff_by_suffix_and_content(tmp_path, name, content, fmt):
    assert sniff(tmp_path / name, content) == fmt


def test_unknown_json_asks_for_format(tmp_path):
    path = write(tmp_path, "odd.json", '[{"foo": 1}]')
    with pytest.raises(InputError) as err:
        read_source(path, "odd.json")
    assert "pass --format with one of: arxiv, bundle, catalog, tasks" in err.value.one_line()


@pytest.mark.parametrize(
    "name, content, message",
    [
        ("empty.json", b"", "{path}: file is empty (remove it or give it content)"),
        ("latin1.json", '[{"Model Unique Name": "caf\u00e9"}]'.encode("latin-1"),
         "{path}:1: not UTF-8 text (byte 0xe9) (re-save the file as UTF-8)"),
        ("cards.json", json.dumps([{"Model Unique Name": "a", "Category": "Img2Img"}, {"Category": "Img2Img"}], indent=1),
         '{path}:6: record has no "Model Unique Name" key (add "Model Unique Name" to every record)'),
        ("cut.json", '[{"Model Unique Name": "a", "Category": "x"},\n {"Model Uni', "{path}:2: invalid JSON: Unterminated string starting at (fix the JSON syntax there)"),
        ("bad.jsonl", '{"Model Unique Name": "a"}\n{oops}\n', "{path}:2: invalid JSON: Expecting property name enclosed in double quotes (each line must be one JSON object)"),
    ],
)
def test_bad_input_gives_one_line_with_file_and_line(tmp_path, name, content, message):
    path = write(tmp_path, name, content)
    with pytest.raises(InputError) as err:
        read_source(path, name, "catalog" if name.startswith("c") else None)
    assert err.value.one_line() == message.format(path=path)


def test_discover_skips_readmes_and_keeps_relative_names():
    found = [rel for _, rel in discover([SEEDS])]
    assert "README.md" not in found
    assert found == sorted(found)
    assert "catalogs/models.json" in found and "bundles/000_275fda37b4ddce02.txt" in found
