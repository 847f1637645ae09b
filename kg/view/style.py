"""How each kind of node looks: one colour and shape per type, and the legend's symbol for it.

Shapes with the label outside (dot, diamond, star, ...) keep long labels from bloating nodes;
the "+N more" marker is a box so its count reads at a glance.
"""

STYLE = {
    "question": {"shape": "star", "color": "#e45756", "border": "#a83232", "size": 26, "symbol": "\u2605"},
    "bundle": {"shape": "star", "color": "#b279a2", "border": "#7d4f71", "size": 20, "symbol": "\u2605"},
    "task": {"shape": "diamond", "color": "#f58518", "border": "#b05d0c", "size": 20, "symbol": "\u25c6"},
    "model": {"shape": "dot", "color": "#4c78a8", "border": "#2f4f73", "size": 14, "symbol": "\u25cf"},
    "paper": {"shape": "square", "color": "#54a24b", "border": "#356b2f", "size": 12, "symbol": "\u25a0"},
    "method": {"shape": "triangle", "color": "#9467bd", "border": "#634386", "size": 13, "symbol": "\u25b2"},
    "concept": {"shape": "triangleDown", "color": "#9d755d", "border": "#6b4f3e", "size": 12, "symbol": "\u25bc"},
    "dataset": {"shape": "hexagon", "color": "#72b7b2", "border": "#4a807c", "size": 12, "symbol": "\u2b22"},
    "trait": {"shape": "hexagon", "color": "#eeca3b", "border": "#a88c1f", "size": 12, "symbol": "\u2b22"},
    "area": {"shape": "diamond", "color": "#bab0ac", "border": "#7d7572", "size": 16, "symbol": "\u25c6"},
    "modality": {"shape": "triangleDown", "color": "#ff9da6", "border": "#c0646d", "size": 12, "symbol": "\u25bc"},
    "data": {"shape": "ellipse", "color": "#d5e8f7", "border": "#4c78a8", "size": 14, "symbol": "\u25ef"},
    "link": {"shape": "square", "color": "#d8d8d8", "border": "#8c8c8c", "size": 8, "symbol": "\u25a0"},
    "more": {"shape": "box", "color": "#fff3bf", "border": "#666666", "size": 14, "symbol": "+"},
    "node": {"shape": "dot", "color": "#cccccc", "border": "#888888", "size": 10, "symbol": "\u25cf"},
}

TYPE_NAMES = {
    "question": "question", "bundle": "prompt bundle", "task": "task", "model": "model", "paper": "paper",
    "method": "method", "concept": "concept", "dataset": "dataset", "trait": "trait", "area": "area",
    "modality": "modality", "data": "input or output", "link": "code or hub page", "more": "more, not shown", "node": "other",
}

LEGEND_ORDER = list(STYLE)

# Answer-path edges must stand out from context at a glance: colour and width both differ.
EDGE = {
    "highlight": {"color": "#d62728", "width": 4, "font": {"size": 11, "color": "#a31515", "strokeWidth": 3}},
    "plain": {"color": "#a0a0a0", "width": 1, "font": {"size": 9, "color": "#777777", "strokeWidth": 3}},
}
