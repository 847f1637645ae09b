"""How kg reads a question: phrases, magnifications, traits and wording, each pointing to tasks."""

from collections import Counter

import kg.rank
from kg.nlp.components import SPAN_KEY


def test_a_magnification_at_the_end_of_a_sentence_is_still_a_phrase(answerer):
    # spaCy's tokenizer keeps "4×." as one token; kg splits it so the label "4×" can match.
    u = answerer.understand("The catalogue picture is tiny. Please restore it to 4×.")
    assert u.scale == 4.0
    assert ("4×", "fixed-scale single-image super-resolution") in {(m.words, m.label) for m in u.matches}
    assert u.task.label == "fixed-scale single-image super-resolution"


def test_overlapping_phrases_of_one_concept_count_once(answerer):
    doc = answerer.nlp("The image is compressed and blocky.")
    spans = [s for s in doc.spans[SPAN_KEY] if s.label_.endswith("/image-restoration")]
    # "compressed" and "compressed and" are both restoration phrases: only the longer one counts.
    assert sorted(s.text for s in spans) == ["blocky", "compressed and"]


def test_a_named_trait_points_to_the_tasks_whose_cards_carry_it(answerer, monkeypatch):
    index, th = answerer.index, answerer.index.thesaurus
    checked = 0
    for trait in th.of_kind("trait"):
        carriers = Counter(t for t, ms in index.task_models.items() for m in ms if trait.iri in index.models[m].traits)
        if len(carriers) != 1 or not trait.lay_labels:
            continue
        (task, _), = carriers.items()
        question = f"Something with {trait.lay_labels[0]}, please."
        with_trait = {t.iri: t.score for t in answerer.understand(question).tasks}
        if trait.iri not in answerer.understand(question).traits:
            continue  # a longer phrase of another concept hid it
        monkeypatch.setattr(kg.rank, "TRAIT_TASK_WEIGHT", 0.0)
        without = {t.iri: t.score for t in answerer.understand(question).tasks}
        monkeypatch.undo()
        assert round(with_trait[task] - without.get(task, 0.0), 3) == kg.rank.TRAIT_TASK_WEIGHT, trait.iri
        checked += 1
    assert checked >= 10


def test_words_no_phrase_covers_still_lean_to_the_task_they_describe(answerer):
    index, th = answerer.index, answerer.index.thesaurus
    tasks = [t for t in index.task_models if t in th.concepts]
    for t in tasks:
        words = answerer.understand(th.concepts[t].definition).task_words
        assert max(words, key=words.get) == t, t
    assert len(tasks) >= 40


def test_a_task_score_is_the_sum_of_its_signals_and_answers_show_them(answerer):
    a = answerer.ask("Please enlarge this blurry scan of a receipt 4x so the small text is readable.")
    task = a["task"]
    assert {"phrases", "scale"} <= set(task["signals"])
    assert abs(sum(task["signals"].values()) - task["score"]) < 0.01
    for alt in a["alternatives"]:
        assert abs(sum(alt["signals"].values()) - alt["score"]) < 0.01
