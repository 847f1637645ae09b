"""Answer stage: from the question's task node out to models, papers, workflow, explanation and caveats."""

from .answerer import Answerer
from .types import Answer

__all__ = ["Answer", "Answerer"]
