/* The query editor: YASGUI (served from /static/vendor/yasgui) pointed at our endpoint,
 * with the saved queries as examples, our prefixes, and three extra result views
 * (chart, timeline, map) drawn by viz.js. Links with ?query=... open that query
 * (YASGUI's share links); /query?example=NAME opens a saved query. */
(function () {
  "use strict";
  var config = JSON.parse(document.getElementById("query-config").textContent);
  var root = document.getElementById("yasgui");
  if (!root || !window.Yasgui) return;
  var Yasgui = window.Yasgui;
  var data = { countries: null, atlas: null };

  function resultsOf(yasr) {
    if (!yasr.results || yasr.results.getType && yasr.results.getType() !== "json") return null;
    var json = yasr.results.getAsJson && yasr.results.getAsJson();
    return json && json.results ? json : null;
  }

  function icon(symbol) {
    var span = document.createElement("span");
    span.className = "mc-plugin-icon";
    span.textContent = symbol;
    return span;
  }

  function viewPlugin(name, label, symbol, priority, fits, draw) {
    function Plugin(yasr) { this.yasr = yasr; }
    Plugin.prototype.priority = priority;
    Plugin.prototype.label = label;
    Plugin.prototype.canHandleResults = function () {
      var results = resultsOf(this.yasr);
      return !!(results && fits(results));
    };
    Plugin.prototype.getIcon = function () { return icon(symbol); };
    Plugin.prototype.draw = function () {
      var container = document.createElement("div");
      container.className = "mc-viz mc-viz-" + name;
      this.yasr.resultsEl.appendChild(container);
      return Promise.resolve(draw(container, resultsOf(this.yasr))).then(function () {
        container.setAttribute("data-drawn", "true");
      });
    };
    return Plugin;
  }

  function loadAtlas() {
    if (data.atlas) return Promise.resolve(data.atlas);
    return fetch(config.worldAtlas).then(function (r) { return r.ok ? r.json() : null; })
      .catch(function () { return null; })
      .then(function (atlas) { data.atlas = atlas; return atlas; });
  }

  Yasgui.Yasr.registerPlugin("chart", viewPlugin("chart", "Chart", "▇", 8, McViz.chartShape, McViz.drawChart));
  Yasgui.Yasr.registerPlugin("timeline", viewPlugin("timeline", "Timeline", "⟷", 7, McViz.timelineShape, McViz.drawTimeline));
  Yasgui.Yasr.registerPlugin("map", viewPlugin("map", "Map", "◉", 6,
    function (results) { return McViz.mapShape(results, data.countries); },
    function (container, results) {
      return loadAtlas().then(function (atlas) { McViz.drawMap(container, results, data.countries, atlas); });
    }));

  /* Result tables link IRIs of ours to our own pages (on this server), not out to w3id.org. */
  function localPage(iri) {
    var ids = config.baseIri + "id/";
    if (iri.indexOf(ids) === 0 && iri.length > ids.length) return "/doc/" + iri.slice(ids.length) + ".html";
    if (iri.indexOf(config.baseIri + "ontology") === 0) {
      var hash = iri.indexOf("#");
      return "/ontology.html" + (hash >= 0 ? iri.slice(hash) : "");
    }
    return null;
  }
  new MutationObserver(function () {
    root.querySelectorAll(".yasr a[href^='" + config.baseIri + "']").forEach(function (a) {
      var page = localPage(a.getAttribute("href"));
      if (page) a.setAttribute("href", page);
    });
  }).observe(root, { childList: true, subtree: true });

  function start() {
    Yasgui.defaults.yasqe.value = config.defaultQuery;
    var yasgui = new Yasgui(root, {
      requestConfig: { endpoint: config.endpoint, method: "POST" },
      copyEndpointOnNewTab: true,
      endpointCatalogueOptions: { getData: function () { return [{ endpoint: config.endpoint }]; } },
      persistenceId: "migcoop-query",
      // Only completers that stay on this page: the class and property ones ask a remote service (LOV).
      yasqe: { value: config.defaultQuery, autocompleters: ["prefixes", "variables"] },
      yasr: {
        pluginOrder: ["table", "chart", "timeline", "map", "response"],
        defaultPlugin: "table",
        prefixes: config.prefixes,
      },
    });
    window.migcoopYasgui = yasgui;

    var buttons = document.querySelectorAll("button.example");
    function openExample(name) {
      var example = config.examples.filter(function (q) { return q.name === name; })[0];
      if (!example) return null;
      var tab = yasgui.addTab(true, { name: example.name, yasqe: { value: example.query } });
      buttons.forEach(function (b) { b.classList.toggle("active", b.getAttribute("data-name") === name); });
      return tab;
    }
    buttons.forEach(function (button) {
      button.addEventListener("click", function () { openExample(button.getAttribute("data-name")); });
    });
    window.migcoopOpenExample = openExample;

    var params = new URLSearchParams(window.location.search);
    if (params.get("example")) {
      openExample(params.get("example"));
      // Share links are built from the page's URL: do not let them carry the example too.
      params.delete("example");
      var rest = params.toString();
      window.history.replaceState(null, "", window.location.pathname + (rest ? "?" + rest : "") + window.location.hash);
    }
    root.setAttribute("data-state", "ready");
  }

  fetch(config.countries).then(function (r) { return r.ok ? r.json() : []; })
    .catch(function () { return []; })
    .then(function (countries) { data.countries = countries; start(); });
})();
