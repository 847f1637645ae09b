"""Where kg's bundled files live."""

from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
ONTOLOGIES = ROOT / "ontologies"
SEEDS = ROOT / "seeds"
QUERIES = ROOT / "kg" / "queries"
