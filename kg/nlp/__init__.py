"""spaCy pipeline for reading questions: thesaurus phrases, lemmas, attributes.

The trained English pipeline gives lemmas ("enlarged" -> "enlarge"); without it
kg falls back to a blank pipeline that matches surface words only, and says so.
"""

import spacy

from ..paths import KG_RULES, TRAINED_PIPELINE
from . import components  # noqa: F401  (registers the kg_* factories)

TRAINED = TRAINED_PIPELINE
QUESTION_EXCLUDE = ["ner", "parser", "senter"]  # the parts of the trained pipeline questions do without
EXTRACTION_EXCLUDE = ["ner", "senter"]  # extraction keeps the parser for noun chunks
DEGRADED = (
    "the trained spaCy pipeline {name} is not installed; "
    "matching surface words only (install it: see README)"
)


def load(thesaurus, datasets=None):
    """The question pipeline; with `datasets` (names to recognise, or each spelling -> its canonical
    name, kg.datasets.DatasetNames.spellings), the extraction pipeline.

    Extraction keeps the parser for noun-chunk concepts; questions do not need it. The question
    pipeline ends with the trained task reader, where it is installed.
    """
    extract = datasets is not None
    try:
        nlp = spacy.load(TRAINED, exclude=EXTRACTION_EXCLUDE if extract else QUESTION_EXCLUDE)
        nlp.meta["kg_degraded"] = None
    except (OSError, ImportError):
        nlp = spacy.blank("en")
        nlp.meta["kg_degraded"] = DEGRADED.format(name=TRAINED)
    split_magnifications(nlp)
    base = list(nlp.pipe_names)
    if "parser" not in base:
        nlp.add_pipe("sentencizer")
    nlp.add_pipe("kg_concepts")
    nlp.add_pipe("kg_attributes")
    if extract:
        nlp.add_pipe("kg_datasets")
        nlp.add_pipe("kg_noun_concepts")
        spellings = dict(datasets) if isinstance(datasets, dict) else {d: d for d in datasets}
        nlp.get_pipe("kg_datasets").add_names(spellings, nlp, not_names=_data_words(thesaurus))
    with nlp.select_pipes(enable=base):
        nlp.get_pipe("kg_concepts").add_concepts(thesaurus, nlp, lemmas=bool(base))
    if not extract:
        from .reader import add_reader

        nlp.meta["kg_reader_missing"] = add_reader(nlp)
    return nlp


def _data_words(thesaurus) -> frozenset[str]:
    """Labels that say what data is about, not what it is called ("LiDAR", "SLAM", "medical")."""
    from ..thesaurus import normalise

    return frozenset(normalise(label) for c in thesaurus.concepts.values() if c.kind != "trait"
                     for label in (c.pref_label, *c.alt_labels, *c.notations) if label)


# spaCy keeps "4×." and "4×)" as one token, so the label "4×" would miss at a sentence's end.
_MAGNIFICATION_SUFFIX = r"(?<=[0-9][×xX])[.,;:!?)\]”\"']"


def split_magnifications(nlp) -> None:
    from spacy.util import compile_suffix_regex

    suffixes = [_MAGNIFICATION_SUFFIX, *nlp.Defaults.suffixes]
    nlp.tokenizer.suffix_search = compile_suffix_regex(suffixes).search




def pipeline_version(nlp) -> str:
    """Names the pipeline an extraction came from, for provenance."""
    if nlp.meta.get("kg_degraded"):
        return f"spacy-{spacy.__version__}/blank-en/{KG_RULES}"
    return f"spacy-{spacy.__version__}/{nlp.meta.get('name', TRAINED)}-{nlp.meta.get('version', '')}/{KG_RULES}"
