"""The page kg writes around vis-network. Rendered by Jinja2 with autoescape on.

Data reaches the script as JSON in a non-executed <script type="application/json">,
through Jinja's |tojson, which escapes <, >, & and ' so no text can close the element.
The script builds every tooltip and panel with textContent, never innerHTML, so a
summary is shown as the text it is.
"""

PAGE = """<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta http-equiv="Content-Security-Policy" content="{{ csp }}">
<meta name="viewport" content="width=device-width, initial-scale=1">
<link rel="icon" href="data:,">
<title>{{ title }}</title>
<style>{{ vis_css }}</style>
<style>
  html, body { margin: 0; height: 100%; font-family: sans-serif; font-size: 13px; color: #222; }
  body { display: flex; flex-direction: column; }
  header { padding: 6px 12px; border-bottom: 1px solid #ddd; }
  header h1 { font-size: 15px; margin: 0 0 2px 0; font-weight: 600; }
  #kg-status { color: #666; }
  main { flex: 1; display: flex; min-height: 0; }
  #kg-graph { flex: 1; position: relative; min-width: 0; }
  #kg-network { position: absolute; inset: 0; }
  #kg-legend { position: absolute; top: 8px; left: 8px; z-index: 5; background: rgba(255,255,255,0.9);
               border: 1px solid #ddd; border-radius: 4px; padding: 6px 8px; line-height: 1.5; }
  #kg-legend .sym { display: inline-block; width: 1.2em; text-align: center; }
  #kg-legend .edge { display: inline-block; width: 1.2em; height: 0; vertical-align: middle; }
  aside#kg-details { width: 330px; border-left: 1px solid #ddd; padding: 8px 12px; overflow-y: auto; }
  .kg-name { font-weight: 600; margin-bottom: 2px; overflow-wrap: anywhere; }
  .kg-type { color: #666; font-style: italic; margin-bottom: 6px; }
  .kg-summary { white-space: pre-wrap; margin-bottom: 6px; }
  .kg-evidence { margin: 4px 0 6px 0; padding-left: 8px; border-left: 3px solid #d62728; color: #333; }
  .kg-link { overflow-wrap: anywhere; }
  .kg-tip { max-width: 420px; white-space: normal; }
  div.vis-tooltip { white-space: normal; max-width: 440px; }
</style>
</head>
<body>
<header>
  <h1>{{ title }}</h1>
  <div id="kg-status">{{ counts.nodes }} nodes, {{ counts.edges }} edges{% if counts.highlighted %},
    {{ counts.highlighted }} on the answer paths (in colour){% endif %}; laying out…</div>
</header>
<main>
  <div id="kg-graph" data-nodes="{{ counts.nodes }}" data-edges="{{ counts.edges }}"
       data-highlighted="{{ counts.highlighted }}" data-stabilized="false">
    <div id="kg-legend" role="list" aria-label="legend">
      {% for item in legend %}<div role="listitem"><span class="sym"
        style="color: {{ item.color }}">{{ item.symbol }}</span> {{ item.name }}</div>
      {% endfor %}{% if counts.highlighted %}<div role="listitem"><span class="edge"
        style="border-top: 4px solid {{ highlight_colour }}"></span> answer path</div>{% endif %}
    </div>
    <div id="kg-network"></div>
  </div>
  <aside id="kg-details"><div class="kg-type">Hover over a node for its summary; click it to keep the details
    here, with its links.</div></aside>
</main>
<script type="application/json" id="kg-data">{{ data|tojson }}</script>
<script>{{ vis_js }}</script>
<script>{{ script }}</script>
</body>
</html>
"""

# Runs after vis-network. Exposes window.kgView for tests and curious readers.
SCRIPT = """
(function () {
  "use strict";
  var data = JSON.parse(document.getElementById("kg-data").textContent);
  var LINK_NAMES = {paper: "paper", github: "GitHub", huggingface: "Hugging Face", link: "link"};
  var SAFE_URL = /^https?:\\/\\//i;  // a "javascript:" link in the data must not become clickable

  function el(tag, cls, text) {
    var e = document.createElement(tag);
    if (cls) { e.className = cls; }
    if (text !== undefined && text !== null) { e.textContent = String(text); }
    return e;
  }

  function clip(text, n) {
    return n && text.length > n ? text.slice(0, n - 1) + "\\u2026" : text;
  }

  // Every string goes in as text: a summary holding markup shows the markup, it never runs.
  function nodeDetails(n, tip) {
    var box = el("div", "kg-tip");
    box.appendChild(el("div", "kg-name", n.kgName));
    box.appendChild(el("div", "kg-type", data.typeNames[n.kgType] || n.kgType));
    if (n.kgSummary) { box.appendChild(el("div", "kg-summary", clip(n.kgSummary, tip ? data.tipChars : 0))); }
    if (n.kgEvidence) { box.appendChild(el("blockquote", "kg-evidence", "\\u201c" + n.kgEvidence + "\\u201d")); }
    var links = n.kgLinks || {};
    Object.keys(links).forEach(function (k) {
      var url = String(links[k]);
      var row = el("div", "kg-link", (LINK_NAMES[k] || k) + ": ");
      if (SAFE_URL.test(url) && !tip) {
        var a = el("a", null, url);
        a.href = url;
        a.target = "_blank";
        a.rel = "noopener noreferrer";
        row.appendChild(a);
      } else {
        row.appendChild(el("span", null, url));
      }
      box.appendChild(row);
    });
    return box;
  }

  function edgeDetails(e) {
    var box = el("div", "kg-tip");
    var from = nodes.get(e.from), to = nodes.get(e.to);
    box.appendChild(el("div", "kg-name", (from ? from.kgName : e.from) + " \\u2192 " + e.kgRel + " \\u2192 " +
                                         (to ? to.kgName : e.to)));
    box.appendChild(el("div", "kg-type", e.kgHighlight ? "on the answer path" : "relation"));
    return box;
  }

  var nodes = new vis.DataSet(data.nodes.map(function (n) { n.title = nodeDetails(n, true); return n; }));
  var edges = new vis.DataSet(data.edges.map(function (e) { e.title = edgeDetails(e); return e; }));

  var panel = document.getElementById("kg-details");
  function show(id) {
    var n = nodes.get(id);
    if (!n) { return false; }
    panel.replaceChildren(nodeDetails(n, false));
    return true;
  }
  function showEdge(id) {
    var e = edges.get(id);
    if (!e) { return false; }
    panel.replaceChildren(edgeDetails(e));
    return true;
  }

  var container = document.getElementById("kg-network");
  var graphBox = document.getElementById("kg-graph");
  var status = document.getElementById("kg-status");
  var view = window.kgView = {
    nodeSet: nodes,
    edgeSet: edges,
    counts: function () { return {nodes: nodes.length, edges: edges.length}; },
    highlightedEdges: edges.getIds({filter: function (e) { return e.kgHighlight === true; }}),
    stabilized: false,
    stabilizationMs: null,
    show: show,
    showEdge: showEdge,
    network: null
  };

  var t0 = performance.now();
  var network = view.network = new vis.Network(container, {nodes: nodes, edges: edges}, data.options);
  network.once("stabilizationIterationsDone", function () {
    // Laid out: stop the simulation so the page stays still and idle.
    network.setOptions({physics: false});
    view.stabilizationMs = Math.round(performance.now() - t0);
    view.stabilized = true;
    graphBox.setAttribute("data-stabilized", "true");
    graphBox.setAttribute("data-stabilization-ms", String(view.stabilizationMs));
    status.textContent = status.textContent.replace("laying out\\u2026", "laid out in " + view.stabilizationMs + " ms");
  });
  // A "+N more" node holds what it folds away: a click puts those nodes in its place (the columns are
  // laid out again). An edge whose other end another "+N more" still holds waits until that one unfolds.
  var collapsed = data.collapsed || {};
  var waiting = [];
  function edgeKey(e) { return JSON.stringify([e.from, e.to, e.kgRel]); }
  view.expand = function (id) {
    var hidden = collapsed[id];
    if (!hidden) { return false; }
    delete collapsed[id];
    var n = hidden.nodes.length;
    nodes.add(hidden.nodes.map(function (h) { h.title = nodeDetails(h, true); return h; }));
    edges.remove(edges.getIds({filter: function (e) { return e.from === id || e.to === id; }}));
    nodes.remove(id);
    var have = {};
    edges.forEach(function (e) { have[edgeKey(e)] = true; });
    var still = [];
    waiting.concat(hidden.edges).forEach(function (e) {
      var key = edgeKey(e);
      if (have[key]) { return; }
      if (nodes.get(e.from) && nodes.get(e.to)) {
        e.title = edgeDetails(e);
        edges.add(e);
        have[key] = true;
      } else {
        still.push(e);
      }
    });
    waiting = still;
    status.textContent = nodes.length + " nodes, " + edges.length + " edges (" + n + " unfolded)";
    network.fit();
    return true;
  };
  network.on("click", function (params) {
    if (params.nodes.length) {
      var n = nodes.get(params.nodes[0]);
      if (n && n.kgType === "more" && view.expand(n.id)) { return; }
      show(params.nodes[0]);
    } else if (params.edges.length) { showEdge(params.edges[0]); }
  });
})();
"""
