"""Attributes that separate model cards: scale factor and traits.

The same readers serve model names (at build time) and questions (at answer
time), so a card and a question agree on what "2x" or "lightweight" means.
"""

import re

_NUM = r"(\d+(?:\.\d+)?)"
# "2x", "4×", "7.5x", "x4", "×2", "3.2 times"; the letter guards keep "DF2K" or "box2" out.
_SCALE_PATTERNS = [
    re.compile(rf"(?<![\w.]){_NUM}\s*(?:x|×)(?![a-z0-9])", re.I),
    re.compile(rf"(?<![a-z0-9])(?:x|×)\s?{_NUM}(?!\w|\.\d)", re.I),
    re.compile(rf"(?<![\w.]){_NUM}\s*-?\s*(?:times|fold)\b", re.I),
]
_WORDS = {
    "two": 2, "twice": 2, "double": 2, "doubled": 2, "doubling": 2, "doubles": 2,
    "three": 3, "triple": 3, "tripled": 3, "tripling": 3, "thrice": 3,
    "four": 4, "quadruple": 4, "quadrupled": 4,
    "five": 5, "six": 6, "seven": 7, "eight": 8, "ten": 10, "twelve": 12, "sixteen": 16,
}
_WORD_SCALE = re.compile(
    r"\b(twice|doubl(?:e|ed|es|ing)|tripl(?:e|ed|ing)|thrice|quadrupl(?:e|ed)|"
    r"(?:two|three|four|five|six|seven|eight|ten|twelve|sixteen)[\s-]*(?:times|fold))\b",
    re.I,
)
_ARBITRARY = re.compile(
    r"\b(?:arbitrary|any|continuous|flexible|non-integer)[- ](?:up)?"
    r"(?:scale|scaling|resolution|magnification|upsampling|factor)s?\b",
    re.I,
)


def scale_in_text(text: str) -> tuple[float | None, str | None]:
    """The first scale factor a text states, and the words that stated it."""
    best = None
    for pattern in _SCALE_PATTERNS:
        for m in pattern.finditer(text):
            value = float(m.group(1))
            if 1 < value <= 64 and (best is None or m.start() < best[0]):
                best = (m.start(), value, m.group(0).strip())
    m = _WORD_SCALE.search(text)
    if m and (best is None or m.start() < best[0]):
        said = m.group(1).lower()
        # "eightfold" has no space to split at: the longest number word it starts with
        first = max((w for w in _WORDS if said.startswith(w)), key=len)
        best = (m.start(), float(_WORDS[first]), m.group(0))
    if best is None:
        return None, None
    return best[1], best[2]


def model_scale(name: str) -> float | None:
    value, _ = scale_in_text(re.sub(r"[-_]", " ", name))
    return value


def is_arbitrary_scale(name: str, summary: str | None, task_label: str | None) -> bool:
    """A card without a fixed factor whose task label ("SISR Any") or summary says any scale."""
    if model_scale(name):
        return False
    label_words = set(re.split(r"[^a-z0-9]+", (task_label or "").lower()))
    return "any" in label_words or bool(_ARBITRARY.search(summary or ""))


def _label_pattern(label: str) -> re.Pattern:
    # A label matches between non-letters, so "Jpeg10" carries "jpeg" and "Realistic" does not carry "real".
    body = r"[\s_-]*".join(re.escape(part) for part in re.split(r"[\s_-]+", label.strip()))
    return re.compile(rf"(?<![a-z]){body}(?![a-z])", re.I)


class LabelSpotter:
    """Finds which concepts' labels occur in a short text such as a model name."""

    def __init__(self, labels_by_concept: dict[str, list[str]]):
        self._patterns = [
            (iri, _label_pattern(label))
            for iri, labels in sorted(labels_by_concept.items())
            for label in sorted(set(labels))
            if len(label.strip()) >= 2
        ]

    def spot(self, text: str) -> dict[str, str]:
        """concept IRI -> the label that matched."""
        found: dict[str, str] = {}
        if not text:
            return found
        for iri, pattern in self._patterns:
            if iri not in found:
                m = pattern.search(text)
                if m:
                    found[iri] = m.group(0)
        return found
