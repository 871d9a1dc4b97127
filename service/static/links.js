// Link graph of one document: a circle layout in plain SVG (no library, no network).
(function () {
  "use strict";
  var data = JSON.parse(document.getElementById("graph-data").textContent);
  var svg = document.getElementById("link-graph");
  if (!svg || !data.nodes.length) return;
  var NS = "http://www.w3.org/2000/svg";
  var W = +svg.getAttribute("width"), H = +svg.getAttribute("height");
  var colors = {implements: "#1f77b4", cites: "#7f7f7f", continues: "#9467bd", supersedes: "#d62728",
                related: "#2ca02c", reports_on: "#ff7f0e"};
  var others = data.nodes.filter(function (n) { return !n.center; });
  var pos = {};
  pos[data.center] = [W / 2, H / 2];
  others.forEach(function (n, i) {
    var a = 2 * Math.PI * i / Math.max(others.length, 1);
    pos[n.id] = [W / 2 + 0.38 * W * Math.cos(a), H / 2 + 0.40 * H * Math.sin(a)];
  });
  function el(name, attrs, text) {
    var e = document.createElementNS(NS, name);
    Object.keys(attrs).forEach(function (k) { e.setAttribute(k, attrs[k]); });
    if (text) e.textContent = text;
    return e;
  }
  data.edges.forEach(function (e) {
    var a = pos[e.source], b = pos[e.target];
    if (!a || !b) return;
    var line = el("line", {x1: a[0], y1: a[1], x2: b[0], y2: b[1], stroke: colors[e.type] || "#999",
                           "stroke-width": Math.min(1 + Math.log(e.count + 1), 6), opacity: 0.7});
    line.appendChild(el("title", {}, e.source + " → " + e.target + ": " + (e.label_vi || e.type) +
                                     " (" + e.count + ")"));
    svg.appendChild(line);
  });
  data.nodes.forEach(function (n) {
    var p = pos[n.id];
    // a document not ingested, or a task tracker, has no page of links
    var g = n.kind === "external" || n.kind === "tracker" ? el("g", {})
      : el("a", {href: "/links?doc=" + encodeURIComponent(n.id)});
    g.appendChild(el("circle", {cx: p[0], cy: p[1], r: n.center ? 16 : 10,
                                fill: n.center ? "#333" : (n.kind === "external" ? "#ccc" : "#69c")}));
    g.appendChild(el("text", {x: p[0] + 14, y: p[1] + 4, "font-size": 12},
                     (n.kind === "external" ? "↗ " : "") + (n.label || n.id)));
    g.appendChild(el("title", {}, n.title));
    svg.appendChild(g);
  });
  var y = 16, names = data.types_vi || {};
  Object.keys(colors).forEach(function (t) {
    if (!(t in names)) return;  // only the link types this graph has
    svg.appendChild(el("line", {x1: 8, y1: y - 4, x2: 28, y2: y - 4, stroke: colors[t], "stroke-width": 3}));
    svg.appendChild(el("text", {x: 32, y: y, "font-size": 11}, names[t]));
    y += 16;
  });
})();
