/* 政务舆情 dashboard: draws the three charts from the figures the page carries in #dashboard-data
   (json_script; no inline script, as the CSP requires). The same figures are in the tables below each
   chart, so nothing depends on the pictures. */
(function () {
  "use strict";

  var SEVERITY_COLOURS = {
    especially_major: "#9b1111",
    major: "#d46b08",
    larger: "#b8860b",
    general: "#0b4f8a"
  };
  var BUCKET_COLOURS = {
    on_time: "#2e7d32",
    late: "#d46b08",
    breached: "#c41e1e",
    running: "#5b7fa6"
  };
  var CHANNEL_COLOURS = ["#0b4f8a", "#a01d1d", "#2e7d32", "#d46b08", "#6a3d9a", "#55606e"];
  var FONT = '"Microsoft YaHei", "PingFang SC", "Noto Sans CJK SC", sans-serif';

  function draw(id, option) {
    var el = document.getElementById(id);
    if (!el) {
      return null;
    }
    option.aria = { enabled: true };
    option.animation = false;
    option.textStyle = { fontFamily: FONT };
    var chart = window.echarts.init(el, null, { renderer: "canvas", locale: "ZH" });
    chart.setOption(option);
    el.setAttribute("data-chart-ready", "true");
    return chart;
  }

  function volume(data) {
    var dates = data.dates.map(function (d) { return d.slice(5); });
    var series = data.channels.map(function (c, i) {
      return {
        name: c.name,
        type: "bar",
        stack: "volume",
        data: c.counts,
        itemStyle: { color: CHANNEL_COLOURS[i % CHANNEL_COLOURS.length] }
      };
    });
    if (!series.length) {
      series = [{ name: "信息条数", type: "bar", data: data.total, itemStyle: { color: CHANNEL_COLOURS[0] } }];
    }
    return {
      tooltip: { trigger: "axis" },
      legend: { top: 0 },
      grid: { left: 40, right: 16, top: 40, bottom: 30 },
      xAxis: { type: "category", data: dates, name: "日期" },
      yAxis: { type: "value", minInterval: 1, name: "条" },
      series: series
    };
  }

  function severity(rows) {
    return {
      tooltip: { trigger: "axis" },
      grid: { left: 70, right: 40, top: 16, bottom: 30 },
      xAxis: { type: "value", minInterval: 1 },
      yAxis: { type: "category", inverse: true, data: rows.map(function (r) { return r.name; }) },
      series: [{
        name: "处置中的事件",
        type: "bar",
        label: { show: true, position: "right" },
        data: rows.map(function (r) {
          return { value: r.value, itemStyle: { color: SEVERITY_COLOURS[r.key] || "#55606e" } };
        })
      }]
    };
  }

  function compliance(data) {
    return {
      tooltip: { trigger: "axis", axisPointer: { type: "shadow" } },
      legend: { top: 0 },
      grid: { left: 110, right: 24, top: 40, bottom: 30 },
      xAxis: { type: "value", minInterval: 1 },
      yAxis: { type: "category", inverse: true, data: data.kinds },
      series: data.buckets.map(function (b) {
        return {
          name: b.name,
          type: "bar",
          stack: "clocks",
          label: { show: true, formatter: function (p) { return p.value ? String(p.value) : ""; } },
          itemStyle: { color: BUCKET_COLOURS[b.key] },
          data: b.counts
        };
      })
    };
  }

  function start() {
    var source = document.getElementById("dashboard-data");
    if (!source || !window.echarts) {
      return;
    }
    var data = JSON.parse(source.textContent);
    var charts = [
      draw("chart-volume", volume(data.volume)),
      draw("chart-severity", severity(data.severity)),
      draw("chart-compliance", compliance(data.compliance))
    ].filter(Boolean);
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
