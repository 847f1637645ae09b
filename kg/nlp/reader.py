"""The trained task reader: a spaCy text classifier from a question's wording to catalogue task labels.

It learns how people describe each task from questions written for the catalogue's cards and tasks
(`training/`), and its scores join the other evidence in the task tally. Its weights are a spaCy
pipeline folder shipped in the repository (`kg train` rewrites it); kg answers without it, degraded.
"""

import json
from pathlib import Path

from ..paths import TASK_READER

READER_DIR = TASK_READER
PIPE = "kg_task_reader"
TALLY = "kg-tally.json"  # the tally weights learned beside this reader (kg train)
MISSING = "the trained task reader is missing ({path}); tasks are read from thesaurus phrases and word overlap only (run kg train)"


def add_reader(nlp, directory: Path | None = None) -> str | None:
    """Copies the trained classifier into the question pipeline; returns a note when it cannot.

    The tally weights learned with it go to nlp.meta["kg_tally_weights"]: they are calibrated to this
    reader's probabilities, so they serve only where it does.
    """
    from spacy.util import load_config

    directory = directory or READER_DIR
    if not (directory / "meta.json").exists():
        return MISSING.format(path=directory)
    # Only the classifier is read, into the question pipeline: loading the saved pipeline whole would build
    # a second tokenizer (a tenth of a second of every cold start) just to throw it away.
    try:
        config = dict(load_config(directory / "config.cfg", interpolate=True)["components"][PIPE])
        factory = config.pop("factory")
        nlp.add_pipe(factory, name=PIPE, config=config).from_disk(directory / PIPE, exclude=["vocab"])
    except (OSError, ValueError, KeyError) as exc:
        if PIPE in nlp.pipe_names:
            nlp.remove_pipe(PIPE)
        return f"the trained task reader at {directory} cannot be loaded ({exc}); run kg train"
    tally = directory / TALLY
    if tally.exists():
        nlp.meta["kg_tally_weights"] = json.loads(tally.read_text())["weights"]
    return None

