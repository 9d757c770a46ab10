// Kanso: draws the chart of a reporting analysis with ECharts, from the
// JSON the page carries (#chart-data). Clicking a bar, point or slice opens
// the list of its records. Plain JS, no build step.
(function () {
  "use strict";

  function draw() {
    var el = document.getElementById("chart");
    var src = document.getElementById("chart-data");
    if (!el || !src || !window.echarts || el._chart) return;
    var d = JSON.parse(src.textContent);
    var locale = (document.body.dataset.lang || "en_US").replace("_", "-");
    var nf = new Intl.NumberFormat(locale, { maximumFractionDigits: d.decimals, minimumFractionDigits: d.decimals });
    var short = new Intl.NumberFormat(locale, { maximumFractionDigits: d.decimals });
    var fmt = function (v) { return v === null || v === undefined ? "–" : nf.format(v); };
    var option;
    if (d.type === "pie") {
      option = {
        tooltip: { trigger: "item", valueFormatter: fmt },
        legend: { type: "scroll", bottom: 0 },
        series: [{
          type: "pie", name: d.measure, radius: "65%", center: ["50%", "46%"],
          data: (d.pie || []).filter(function (p) { return p.value !== null; }),
          label: { formatter: "{b}: {d}%" },
        }],
      };
    } else {
      var rotate = d.categories.length > 8 ? 30 : 0;
      option = {
        tooltip: { trigger: "axis", valueFormatter: fmt },
        legend: { type: "scroll", top: 0 },
        grid: { top: 48, left: 24, right: 24, bottom: 24 },
        xAxis: { type: "category", data: d.categories, axisLabel: { interval: 0, rotate: rotate } },
        yAxis: { type: "value", name: d.measure, minInterval: d.decimals ? 0 : 1, axisLabel: { formatter: function (v) { return short.format(v); } } },
        series: d.series.map(function (s) {
          return {
            name: s.name, type: d.type, data: s.data, stack: d.stacked ? "total" : undefined,
            emphasis: { focus: "series" }, connectNulls: false, barMaxWidth: 80,
          };
        }),
      };
    }
    var chart = echarts.init(el);
    el._chart = chart;
    chart.setOption(option);
    chart.on("click", function (p) {
      if (p.data && p.data.url) window.location.href = p.data.url;
    });
    el.style.cursor = "pointer";
    window.addEventListener("resize", function () { chart.resize(); });
  }

  // the "add a level" lists apply at once
  function setupAxes() {
    document.querySelectorAll(".add-group select").forEach(function (s) {
      s.addEventListener("change", function () { if (s.value) s.form.submit(); });
    });
  }

  document.addEventListener("DOMContentLoaded", function () { draw(); setupAxes(); });
})();
