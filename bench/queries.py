"""How long each saved query takes on the bundled graph, against issue 14's 1 s target.

Builds the bundled data into a temporary store (or uses --store), then runs every saved query with the
example parameters bench/scale.py uses, each in its own query child as `kg queries run` does, and prints
the median of 3 and its ratio to 1 s.

Run: python bench/queries.py [--store DIR]
"""

import argparse
import sys
import tempfile
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
sys.path.insert(0, str(Path(__file__).resolve().parent))

from scale import saved_queries  # noqa: E402

TARGET = 1.0


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--store", type=Path, help="an existing store (default: build the bundled data)")
    args = ap.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        store = args.store
        if store is None:
            from kg.build import build_store
            from kg.paths import SEEDS
            from kg.store import LocalStore

            store = Path(tmp) / "store"
            build_store([SEEDS], LocalStore(store))
        medians = saved_queries(store)
    print(f"saved queries on {store}, median of 3 (ratio to {TARGET:g} s)")
    for name, secs in sorted(medians.items(), key=lambda kv: -kv[1]):
        print(f"  {name:<22} {secs * 1000:7.0f} ms   {secs / TARGET:5.2f}")


if __name__ == "__main__":
    main()
