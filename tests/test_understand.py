"""How kg reads a question: phrases, magnifications, traits and wording, each pointing to tasks."""

import json

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


def test_a_named_trait_points_to_the_tasks_whose_cards_carry_it(answerer):
    index, th = answerer.index, answerer.index.thesaurus
    checked = 0
    for trait in th.of_kind("trait"):
        carriers = {t for t, ms in index.task_models.items() for m in ms if trait.iri in index.models[m].traits}
        if len(carriers) != 1 or not trait.lay_labels:
            continue
        u = answerer.understand(f"Something with {trait.lay_labels[0]}, please.")
        if set(u.traits) != {trait.iri}:
            continue  # a longer phrase of another concept hid it, or a second trait shares the credit
        (task,) = carriers
        # One trait carried by one task's cards gives that task one whole unit of trait evidence.
        assert {t.iri: t.units for t in u.tasks}[task]["traits"] == 1.0, trait.iri
        checked += 1
    assert checked >= 10


def test_overlaps_hide_only_what_they_should():
    import spacy
    from spacy.tokens import Span

    from kg.nlp.components import _drop_nested

    doc = spacy.blank("en").make_doc("one two three four five")
    a, b = Span(doc, 0, 2, label="A"), Span(doc, 1, 3, label="A")  # same concept, same length: the earlier stays
    c = Span(doc, 2, 4, label="C")  # another concept overlapping b, not inside it: both stay
    d = Span(doc, 4, 5, label="A")  # same concept, apart: stays
    e = Span(doc, 3, 4, label="E")  # inside the longer c of another concept: dropped
    assert [(s.start, s.label_) for s in _drop_nested([a, b, c, d, e])] == [(0, "A"), (2, "C"), (4, "A")]


def test_a_guessed_task_says_so(answerer):
    off_topic = answerer.ask("What's the weather like in Paris today?")
    assert any(w.startswith("no phrase in the question names a task") for w in off_topic.warnings)
    assert not answerer.ask("Please upscale this photo 4x").warnings


def test_words_no_phrase_covers_still_lean_to_the_task_they_describe(answerer):
    index, th = answerer.index, answerer.index.thesaurus
    tasks = [t for t in index.task_models if t in th.concepts]
    for t in tasks:
        words = answerer.understand(th.concepts[t].definition).task_words
        assert max(words, key=words.get) == t, t
    assert len(tasks) >= 40


def test_a_task_score_is_the_sum_of_its_signals_and_answers_show_them(answerer):
    a = answerer.ask("Please enlarge this blurry scan of a receipt 4x so the small text is readable.")
    task = a.task
    assert {"phrases", "scale"} <= set(task.signals)
    assert abs(sum(task.signals.values()) - task.score) < 0.01
    for alt in a.alternatives:
        assert abs(sum(alt.signals.values()) - alt.score) < 0.01


def test_scale_words_at_the_end_of_a_sentence():
    from kg.attributes import scale_in_text

    assert scale_in_text("Please upscale it x4.")[0] == 4.0
    assert scale_in_text("Please upscale it 4×.")[0] == 4.0
    assert scale_in_text("Blow it up x2.5, please")[0] == 2.5
    assert scale_in_text("The DF2K-trained box2 model")[0] is None


def test_number_words_joined_to_fold_state_a_scale():
    """Fresh wording found "eightfold" crashing the scale reader: no space to split at."""
    from kg.attributes import scale_in_text

    assert scale_in_text("make it eightfold larger") == (8.0, "eightfold")
    assert scale_in_text("a fourfold enlargement") == (4.0, "fourfold")
    assert scale_in_text("doubled the size") == (2.0, "doubled")


def test_the_tally_weighs_evidence_with_the_weights_learned_beside_the_reader(answerer):
    from kg.nlp.reader import READER_DIR, TALLY
    from kg.rank import HAND_SET

    learned = json.loads((READER_DIR / TALLY).read_text())
    assert answerer.weights == learned["weights"] != HAND_SET
    # Fitted on reader scores for questions the reader did not see, the weights beat the hand-set ones there.
    assert learned["out_of_fold_top1"]["learned"] > learned["out_of_fold_top1"]["hand_set"]
    u = answerer.understand("My old family photo is faded and scratched; can something fix the damage?")
    assert u.task and u.task.units
    for t in u.tasks:
        for signal, units in t.units.items():
            assert abs(t.signals.get(signal, 0.0) - answerer.weights[signal] * units) < 0.01, (t.label, signal)
