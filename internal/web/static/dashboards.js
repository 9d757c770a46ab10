// Draws the dashboards' charts with ECharts from the JSON the server
// embeds; clicking a point opens the list of its records.
(function () {
  "use strict";
  var charts = [];
  function draw() {
    charts.forEach(function (c) { c.dispose(); });
    charts = [];
    var el = document.getElementById("dashboard-data");
    if (!el || !window.echarts) return;
    var data = JSON.parse(el.textContent || "[]");
    data.forEach(function (c) {
      var node = document.getElementById("chart-" + c.id);
      if (!node) return;
      var chart = echarts.init(node, null, { renderer: "svg" });
      var option;
      if (c.kind === "gauge") {
        option = { series: [{ type: "gauge", min: 0, max: c.max || 1, progress: { show: true },
          detail: { valueAnimation: false, formatter: function (v) { return Math.round(v).toLocaleString(document.documentElement.lang); } },
          data: [{ value: c.series[0].data[0], name: c.series[0].name }] }] };
      } else if (c.kind === "pie") {
        option = { tooltip: { trigger: "item" }, legend: { bottom: 0 },
          series: [{ type: "pie", radius: ["35%", "65%"], data: (c.labels || []).map(function (l, i) { return { name: l, value: c.series[0].data[i] }; }) }] };
      } else {
        option = { tooltip: { trigger: "axis" }, legend: { bottom: 0 }, grid: { left: 60, right: 20, top: 20, bottom: 50 },
          xAxis: { type: "category", data: c.labels || [], axisLabel: { interval: 0, rotate: (c.labels || []).length > 6 ? 30 : 0 } },
          yAxis: { type: "value" },
          series: c.series.map(function (s) { return { name: s.name, type: c.kind, data: s.data, stack: c.stack ? "all" : undefined }; }) };
      }
      chart.setOption(option);
      if (c.kind === "gauge") {
        // a gauge is one figure: a click anywhere on it opens it (at zero
        // there is no arc to click)
        var url = c.series[0] && c.series[0].urls && c.series[0].urls[0];
        if (url) {
          chart.getZr().on("click", function () { location.href = url; });
          node.style.cursor = "pointer";
        }
      } else {
        chart.on("click", function (p) {
          var s = c.series[p.seriesIndex || 0];
          var url = s && s.urls && s.urls[p.dataIndex];
          if (url) location.href = url;
        });
      }
      charts.push(chart);
    });
  }
  document.addEventListener("DOMContentLoaded", draw);
  document.addEventListener("htmx:afterSettle", draw);
  // the live refresh replaces the dashboard's content
  new MutationObserver(function () { draw(); }).observe(document.documentElement, { attributes: true, subtree: true, attributeFilter: ["data-refreshed"] });
  window.addEventListener("resize", function () { charts.forEach(function (c) { c.resize(); }); });
})();
