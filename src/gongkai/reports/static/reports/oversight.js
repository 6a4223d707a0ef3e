/* 统计监督 dashboard: one stacked bar chart per figure (departments × states), drawn from the figures the
   page carries in #oversight-data (json_script; no inline script, as the CSP requires). Every number is
   also in the table under its chart, with links to the items behind it, so nothing depends on the
   pictures. */
(function () {
  "use strict";

  var TONES = {
    good: "#2e7d32",
    late: "#d46b08",
    bad: "#c41e1e",
    worst: "#6d0a0a",
    open: "#5b7fa6",
    neutral: "#8a8f98"
  };
  var FONT = '"Microsoft YaHei", "PingFang SC", "Noto Sans CJK SC", sans-serif';

  function option(figure) {
    return {
      aria: { enabled: true },
      animation: false,
      textStyle: { fontFamily: FONT },
      tooltip: { trigger: "axis", axisPointer: { type: "shadow" } },
      legend: { top: 0 },
      grid: { left: 110, right: 24, top: 40, bottom: 24, containLabel: false },
      xAxis: { type: "value", minInterval: 1 },
      yAxis: { type: "category", inverse: true, data: figure.departments },
      series: figure.buckets.map(function (b) {
        return {
          name: b.name,
          type: "bar",
          stack: figure.key,
          label: { show: true, formatter: function (p) { return p.value ? String(p.value) : ""; } },
          itemStyle: { color: TONES[b.tone] || TONES.neutral },
          data: b.counts
        };
      })
    };
  }

  function start() {
    var source = document.getElementById("oversight-data");
    if (!source || !window.echarts) {
      return;
    }
    var charts = [];
    JSON.parse(source.textContent).forEach(function (figure) {
      var el = document.getElementById("chart-" + figure.key);
      if (!el || !figure.departments.length) {
        return;
      }
      // room for every department's bar
      el.style.height = Math.max(180, 80 + figure.departments.length * 36) + "px";
      var chart = window.echarts.init(el, null, { renderer: "canvas", locale: "ZH" });
      chart.setOption(option(figure));
      el.setAttribute("data-chart-ready", "true");
      charts.push(chart);
    });
    window.addEventListener("resize", function () {
      charts.forEach(function (c) { c.resize(); });
    });
  }

  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", start);
  } else {
    start();
  }
})();
