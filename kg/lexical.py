"""Word evidence from model cards: Okapi BM25 over each card's name, summary and datasets.

Thesaurus phrases decide most questions; this catches the words the thesaurus
does not list ("cinematic", "neon", "brush strokes") by what the cards say.
"""

import math
import re
from collections import Counter

_WORD = re.compile(r"[a-z][a-z0-9]+")
STOP = frozenset(
    "the a an and or of to in on for with by from at as is are was were be been it its this that these those "
    "how does do did can could would should what which who why when where my me i you your our we they them "
    "ai model models image images photo photos picture pictures make made get got use used using so such "
    "very even just still like into out up about than then there their has have had not no but also".split()
)


def words(text: str) -> list[str]:
    return [w for w in _WORD.findall(text.lower().replace("-", " ")) if w not in STOP]


class Bm25:
    def __init__(self, docs: dict[str, list[str]], k1: float = 1.2, b: float = 0.75):
        self.k1, self.b = k1, b
        self.tf = {key: Counter(tokens) for key, tokens in docs.items()}
        self.length = {key: len(tokens) for key, tokens in docs.items()}
        self.avg = sum(self.length.values()) / max(len(docs), 1)
        df = Counter(w for tf in self.tf.values() for w in tf)
        n = len(docs)
        self.idf = {w: math.log(1 + (n - f + 0.5) / (f + 0.5)) for w, f in df.items()}

    def scores(self, terms: set[str]) -> dict[str, float]:
        out = {}
        terms = [t for t in terms if t in self.idf]
        for key, tf in self.tf.items():
            s = 0.0
            norm = self.k1 * (1 - self.b + self.b * self.length[key] / self.avg)
            for t in terms:
                f = tf.get(t)
                if f:
                    s += self.idf[t] * f * (self.k1 + 1) / (f + norm)
            if s:
                out[key] = s
        return out
