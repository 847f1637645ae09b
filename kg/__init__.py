"""kg: answer lay questions about AI models and papers from a knowledge graph."""

__version__ = "0.1.0"
