"""Graph views of answers and of parts of the graph: HTML pages that open offline, and GraphML.

subgraph decides what to show; page draws it with pyvis/vis-network; graphml writes it for other tools.
"""

from .graphml import write_graphml
from .page import render_html, write_html
from .subgraph import answer_subgraph, export_subgraph

__all__ = ["answer_subgraph", "export_subgraph", "render_html", "write_html", "write_graphml"]
