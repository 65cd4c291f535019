/* Result views for SPARQL SELECT results (application/sparql-results+json):
 * a bar chart, a timeline and a map of countries, drawn as plain SVG.
 * window.McViz.{chartShape, timelineShape, mapShape} say whether a result fits a view;
 * window.McViz.{drawChart, drawTimeline, drawMap} draw it into an element.
 * No library: the map's land comes from world-atlas (TopoJSON, served by us) via topojson-client. */
(function () {
  "use strict";
  var SVG = "http://www.w3.org/2000/svg";
  var XSD = "http://www.w3.org/2001/XMLSchema#";
  var NUMERIC = ["integer", "decimal", "double", "float", "int", "long", "short", "nonNegativeInteger", "positiveInteger"]
    .map(function (t) { return XSD + t; });
  var DATES = ["date", "dateTime", "gYear", "gYearMonth"].map(function (t) { return XSD + t; });
  var WIDTH = 760;

  function el(name, attrs, parent) {
    var node = document.createElementNS(SVG, name);
    Object.keys(attrs || {}).forEach(function (key) { node.setAttribute(key, attrs[key]); });
    if (parent) parent.appendChild(node);
    return node;
  }
  function text(parent, x, y, content, attrs) {
    var node = el("text", Object.assign({ x: x, y: y }, attrs || {}), parent);
    node.textContent = content;
    return node;
  }
  function title(parent, content) { el("title", {}, parent).textContent = content; }
  /* Room for row labels on the left, and a label cut to fit it (about 7 px a character at 12 px). */
  function labelWidth(labels) {
    var longest = Math.max.apply(null, labels.map(function (l) { return l.length; }).concat([4]));
    return Math.min(300, Math.max(80, longest * 7 + 24));
  }
  function fit(label, width) {
    var room = Math.floor((width - 16) / 7);
    return label.length > room ? label.slice(0, room - 1) + "…" : label;
  }

  function vars(results) { return (results && results.head && results.head.vars) || []; }
  function rows(results) { return (results && results.results && results.results.bindings) || []; }
  function isNumeric(b) { return b && b.type !== "uri" && NUMERIC.indexOf(b.datatype) >= 0 && !isNaN(parseFloat(b.value)); }
  function isDate(b) { return b && b.type !== "uri" && DATES.indexOf(b.datatype) >= 0; }
  function localName(iri) { return iri.replace(/[#/]$/, "").split(/[#/]/).pop(); }

  /* A variable every row of which satisfies `test` (rows may leave it unbound only if allowUnbound). */
  function columns(results, test, allowUnbound) {
    var data = rows(results);
    return vars(results).filter(function (v) {
      var bound = data.filter(function (row) { return row[v]; });
      if (!bound.length || (!allowUnbound && bound.length < data.length)) return false;
      return bound.every(function (row) { return test(row[v]); });
    });
  }

  /* How to name a row: a xLabel column, or any plain literal column, or an IRI's local name. */
  function labeller(results, exclude) {
    var names = vars(results).filter(function (v) { return exclude.indexOf(v) < 0; });
    var data = rows(results);
    var literal = function (v) {
      return data.every(function (row) { return !row[v] || (row[v].type !== "uri" && !isNumeric(row[v]) && !isDate(row[v])); });
    };
    var labelled = names.filter(function (v) { return /label$/i.test(v) && literal(v); });
    var plain = names.filter(literal);
    var iris = names.filter(function (v) { return data.every(function (row) { return !row[v] || row[v].type === "uri"; }); });
    var choice = labelled[0] || plain[0];
    if (choice) return { variable: choice, of: function (row) { return row[choice] ? row[choice].value : ""; } };
    if (iris[0]) return { variable: iris[0], of: function (row) { return row[iris[0]] ? localName(row[iris[0]].value) : ""; } };
    return null;
  }

  function niceTicks(max, count) {
    if (max <= 0) return [0];
    var step = Math.pow(10, Math.floor(Math.log10(max / count)));
    [1, 2, 5, 10].some(function (m) { if (max / (step * m) <= count) { step = step * m; return true; } return false; });
    var ticks = [];
    for (var t = 0; t <= max + 1e-9; t += step) ticks.push(Math.round(t * 1e6) / 1e6);
    return ticks;
  }

  /* --- bar chart ------------------------------------------------------------ */

  function chartShape(results) {
    var numbers = columns(results, isNumeric, false);
    if (!numbers.length || !rows(results).length) return null;
    var label = labeller(results, numbers);
    if (!label) return null;
    return { value: numbers[numbers.length - 1], label: label };
  }

  function drawChart(container, results) {
    var shape = chartShape(results);
    if (!shape) return null;
    var data = rows(results).slice(0, 60).map(function (row) {
      return { label: shape.label.of(row), value: parseFloat(row[shape.value].value), row: row };
    });
    var max = Math.max.apply(null, data.map(function (d) { return d.value; }).concat([0]));
    var left = labelWidth(data.map(function (d) { return d.label; }));
    var right = 50, top = 24, barHeight = 18, gap = 6;
    var height = top + data.length * (barHeight + gap) + 10;
    var inner = WIDTH - left - right;
    var scale = function (v) { return max > 0 ? (v / max) * inner : 0; };

    var caption = document.createElement("p");
    caption.className = "caption";
    caption.textContent = shape.value + " by " + shape.label.variable + (rows(results).length > data.length ? " (first " + data.length + " rows)" : "");
    container.appendChild(caption);
    var svg = el("svg", { class: "mc-chart", viewBox: "0 0 " + WIDTH + " " + height, width: WIDTH, height: height, role: "img",
      "aria-label": "Bar chart of " + shape.value + " by " + shape.label.variable }, container);
    var grid = el("g", { class: "mc-grid" }, svg);
    niceTicks(max, 6).forEach(function (t) {
      var x = left + scale(t);
      el("line", { x1: x, x2: x, y1: top - 6, y2: height - 6 }, grid);
      text(grid, x, top - 10, String(t), { "text-anchor": "middle" });
    });
    data.forEach(function (d, i) {
      var y = top + i * (barHeight + gap);
      var bar = el("g", { class: "mc-bar", "data-label": d.label, "data-value": String(d.value) }, svg);
      el("rect", { x: left, y: y, width: Math.max(1, scale(d.value)), height: barHeight, rx: 2 }, bar);
      text(bar, left - 8, y + barHeight - 5, fit(d.label, left), { class: "mc-axis-label", "text-anchor": "end" });
      text(bar, left + scale(d.value) + 5, y + barHeight - 5, String(d.value), { class: "value" });
      title(bar, d.label + ": " + d.value);
    });
    return svg;
  }

  /* --- timeline ------------------------------------------------------------- */

  function toTime(b, end) {
    if (!b) return null;
    var v = b.value;
    var m = /^(-?\d{4})(?:-(\d{2}))?(?:-(\d{2}))?/.exec(v);
    if (!m) return null;
    var year = +m[1], month = m[2] ? +m[2] - 1 : (end ? 11 : 0);
    var day = m[3] ? +m[3] : (end ? new Date(Date.UTC(year, month + 1, 0)).getUTCDate() : 1);
    return Date.UTC(year, month, day);
  }

  function timelineShape(results) {
    var dates = columns(results, isDate, true);
    if (!dates.length || !rows(results).length) return null;
    var start = dates.filter(function (v) { return /start|begin|from|date/i.test(v); })[0] || dates[0];
    var end = dates.filter(function (v) { return v !== start && /end|until|to$/i.test(v); })[0] || dates.filter(function (v) { return v !== start; })[0] || null;
    var label = labeller(results, dates);
    if (!label) return null;
    return { start: start, end: end, label: label };
  }

  function drawTimeline(container, results) {
    var shape = timelineShape(results);
    if (!shape) return null;
    var data = rows(results).filter(function (row) { return row[shape.start]; }).slice(0, 80).map(function (row) {
      var s = toTime(row[shape.start], false);
      var e = shape.end && row[shape.end] ? toTime(row[shape.end], true) : null;
      return { label: shape.label.of(row), start: s, end: e, row: row };
    });
    if (!data.length) return null;
    var min = Math.min.apply(null, data.map(function (d) { return d.start; }));
    var max = Math.max.apply(null, data.map(function (d) { return d.end || d.start; }));
    var minYear = new Date(min).getUTCFullYear(), maxYear = new Date(max).getUTCFullYear() + 1;
    var t0 = Date.UTC(minYear, 0, 1), t1 = Date.UTC(maxYear, 0, 1);
    var left = labelWidth(data.map(function (d) { return d.label; })), right = 20, top = 26, rowHeight = 20;
    var height = top + data.length * rowHeight + 12;
    var inner = WIDTH - left - right;
    var x = function (t) { return left + ((t - t0) / (t1 - t0)) * inner; };

    var caption = document.createElement("p");
    caption.className = "caption";
    caption.textContent = shape.label.variable + " from " + shape.start + (shape.end ? " to " + shape.end : "");
    container.appendChild(caption);
    var svg = el("svg", { class: "mc-timeline", viewBox: "0 0 " + WIDTH + " " + height, width: WIDTH, height: height, role: "img",
      "aria-label": "Timeline of " + shape.label.variable }, container);
    var grid = el("g", { class: "mc-grid" }, svg);
    var stepYears = Math.max(1, Math.ceil((maxYear - minYear) / 12));
    for (var year = minYear; year <= maxYear; year += stepYears) {
      var gx = x(Date.UTC(year, 0, 1));
      el("line", { x1: gx, x2: gx, y1: top - 6, y2: height - 6 }, grid);
      text(grid, gx, top - 10, String(year), { "text-anchor": "middle" });
    }
    data.forEach(function (d, i) {
      var y = top + i * rowHeight;
      var open = shape.end && !d.end;
      var span = el("g", { class: "mc-span" + (open ? " open" : ""), "data-label": d.label, "data-start": d.row[shape.start].value }, svg);
      var x0 = x(d.start), x1 = d.end ? x(d.end) : (open ? x(t1) : x0);
      if (x1 - x0 < 4) el("circle", { cx: x0 + 2, cy: y + rowHeight / 2 - 2, r: 4 }, span);
      else el("rect", { x: x0, y: y + 3, width: x1 - x0, height: rowHeight - 10, rx: 3 }, span);
      text(span, left - 8, y + rowHeight - 7, fit(d.label, left), { class: "mc-axis-label", "text-anchor": "end" });
      title(span, d.label + ": " + d.row[shape.start].value + (d.end ? " to " + d.row[shape.end].value : open ? " (no end)" : ""));
    });
    return svg;
  }

  /* --- map of countries ----------------------------------------------------- */

  function mapShape(results, countries) {
    if (!countries) return null;
    var byIri = {};
    countries.forEach(function (c) { byIri[c.iri] = c; });
    var data = rows(results);
    var candidates = vars(results).filter(function (v) {
      return data.some(function (row) { return row[v] && row[v].type === "uri" && byIri[row[v].value]; });
    });
    if (!candidates.length) return null;
    var numbers = columns(results, isNumeric, false);
    return { country: candidates[0], value: numbers.length ? numbers[numbers.length - 1] : null, byIri: byIri };
  }

  /* A ring as SVG path data; a ring that jumps across the antimeridian (Fiji, Chukotka) is not drawn
   * across the whole map but broken there. */
  function ringPath(ring, project) {
    var crossing = false;
    var d = ring.map(function (p, i) {
      var jump = i > 0 && Math.abs(p[0] - ring[i - 1][0]) > 180;
      crossing = crossing || jump;
      var xy = project(p[0], p[1]);
      return (i === 0 || jump ? "M" : "L") + xy[0].toFixed(1) + "," + xy[1].toFixed(1);
    }).join("");
    return crossing ? d : d + "Z";
  }

  function drawMap(container, results, countries, atlas) {
    var shape = mapShape(results, countries);
    if (!shape) return null;
    var totals = {}, labels = {};
    rows(results).forEach(function (row) {
      var b = row[shape.country];
      if (!b || !shape.byIri[b.value]) return;
      var value = shape.value && row[shape.value] ? parseFloat(row[shape.value].value) : 1;
      totals[b.value] = (totals[b.value] || 0) + value;
      var labelVar = shape.country + "Label";
      labels[b.value] = row[labelVar] ? row[labelVar].value : shape.byIri[b.value].label;
    });
    var points = Object.keys(totals).map(function (iri) {
      var c = shape.byIri[iri];
      return { iri: iri, iso3: c.iso3, numeric: c.numeric, label: labels[iri], value: totals[iri], lat: c.lat, lon: c.long };
    }).sort(function (a, b) { return b.value - a.value; });
    var lats = points.map(function (p) { return p.lat; }), lons = points.map(function (p) { return p.lon; });
    var latMin = Math.min.apply(null, lats) - 8, latMax = Math.max.apply(null, lats) + 8;
    var lonMin = Math.min.apply(null, lons) - 12, lonMax = Math.max.apply(null, lons) + 12;
    if (latMax - latMin < 40) { var cy = (latMax + latMin) / 2; latMin = cy - 20; latMax = cy + 20; }
    if (lonMax - lonMin < 50) { var cx = (lonMax + lonMin) / 2; lonMin = cx - 25; lonMax = cx + 25; }
    latMin = Math.max(-85, latMin); latMax = Math.min(85, latMax);
    var squash = Math.cos(((latMin + latMax) / 2) * Math.PI / 180);
    var k = WIDTH / ((lonMax - lonMin) * squash);
    var height = Math.round((latMax - latMin) * k);
    var project = function (lon, lat) { return [(lon - lonMin) * squash * k, (latMax - lat) * k]; };

    var caption = document.createElement("p");
    caption.className = "caption";
    caption.textContent = points.length + " countries" + (shape.value ? ", circles sized by " + shape.value : "") + " (country centre points)";
    container.appendChild(caption);
    var svg = el("svg", { class: "mc-map", viewBox: "0 0 " + WIDTH + " " + height, width: WIDTH, height: height, role: "img",
      "aria-label": "Map of " + points.length + " countries" }, container);
    el("rect", { class: "mc-map-frame", x: 0, y: 0, width: WIDTH, height: height }, svg);
    if (atlas && window.topojson) {
      var hit = {};
      points.forEach(function (p) { if (p.numeric) hit[String(+p.numeric)] = true; });
      var land = el("g", { class: "mc-land-layer" }, svg);
      window.topojson.feature(atlas, atlas.objects.countries).features.forEach(function (f) {
        if (!f.geometry) return;
        var polygons = f.geometry.type === "Polygon" ? [f.geometry.coordinates] : f.geometry.coordinates;
        var d = polygons.map(function (polygon) { return polygon.map(function (ring) { return ringPath(ring, project); }).join(""); }).join("");
        var path = el("path", { d: d, class: "mc-land" + (hit[String(+f.id)] ? " mc-hit" : "") }, land);
        title(path, (f.properties && f.properties.name) || "");
      });
    }
    var max = Math.max.apply(null, points.map(function (p) { return p.value; }));
    var placed = [];  // label boxes already drawn: a label that would overlap one is left to the tooltip
    var overlaps = function (box) {
      return placed.some(function (b) { return box.x < b.x + b.w && b.x < box.x + box.w && box.y < b.y + b.h && b.y < box.y + box.h; });
    };
    points.forEach(function (p) {
      var xy = project(p.lon, p.lat);
      var r = 4 + 14 * Math.sqrt(max > 0 ? p.value / max : 1);
      var g = el("g", { class: "mc-map-point", "data-iri": p.iri, "data-iso3": p.iso3, "data-label": p.label, "data-value": String(p.value) }, svg);
      el("circle", { cx: xy[0].toFixed(1), cy: xy[1].toFixed(1), r: r.toFixed(1) }, g);
      var box = { x: xy[0] + r + 3, y: xy[1] - 8, w: p.label.length * 6.2, h: 14 };
      if (!overlaps(box)) {
        placed.push(box);
        text(g, box.x.toFixed(1), (xy[1] + 4).toFixed(1), p.label);
      }
      title(g, p.label + (shape.value ? ": " + p.value : ""));
    });
    return svg;
  }

  window.McViz = {
    chartShape: chartShape, drawChart: drawChart,
    timelineShape: timelineShape, drawTimeline: drawTimeline,
    mapShape: mapShape, drawMap: drawMap,
  };
})();
