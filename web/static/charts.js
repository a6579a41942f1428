// Interactive charts (Apache ECharts, vendored): every axis, legend and tooltip in the page's language (the
// page gives the names), counts on integer axes, a colour scale shown, and a click on a heat-map cell lists
// exactly the complaints it counts.
(function () {
  "use strict";
  function data(id) { var el = document.getElementById(id); return el ? JSON.parse(el.textContent) : null; }
  function box(parent, title) {
    var fig = document.createElement("figure"), cap = document.createElement("figcaption"), div = document.createElement("div");
    cap.textContent = title; div.className = "chart"; div.setAttribute("role", "img"); div.setAttribute("aria-label", title);
    fig.appendChild(cap); fig.appendChild(div); parent.appendChild(fig); return div;
  }
  var names = data("chart-names") || {};
  function named(kind, key) { return (names[kind] && names[kind][key]) || key; }
  function heatmap(h, target) {
    var types = Array.from(new Set(h.cells.map(function (c) { return c.business_type; }))).sort();
    var natures = Array.from(new Set(h.cells.map(function (c) { return c.problem_nature; }))).sort();
    var max = Math.max.apply(null, [1].concat(h.cells.map(function (c) { return c.count; })));
    ["standard", "vip", "private"].forEach(function (tier) {
      var cells = h.cells.filter(function (c) { return c.tier === tier; });
      var total = cells.reduce(function (a, c) { return a + c.count; }, 0);
      var chart = echarts.init(box(target, named("tier", tier) + " · " + total));
      chart.setOption({
        animation: false,
        tooltip: { formatter: function (p) {
          return named("business_type", types[p.value[1]]) + " × " + named("problem_nature", natures[p.value[0]]) + ": " + p.value[2]; } },
        grid: { left: 150, bottom: 110, right: 20, top: 10 },
        xAxis: { type: "category", data: natures, name: named("figure", "problem_nature"), nameLocation: "middle", nameGap: 90,
                 axisLabel: { rotate: 40, formatter: function (v) { return named("problem_nature", v); } } },
        yAxis: { type: "category", data: types, axisLabel: { formatter: function (v) { return named("business_type", v); } } },
        visualMap: { min: 0, max: max, precision: 0, calculable: false, orient: "horizontal", left: "center", bottom: 0,
                     itemHeight: 120, text: [String(max), "0"], inRange: { color: ["#f3f6fb", "#e8a33d", "#b3261e"] } },
        series: [{ type: "heatmap", label: { show: true },
                   data: cells.map(function (c) { return [natures.indexOf(c.problem_nature), types.indexOf(c.business_type), c.count]; }) }]
      });
      chart.on("click", function (p) {
        location.href = "/ui/supervise?week=" + encodeURIComponent(target.dataset.week) + "&tier=" + tier +
          "&business_type=" + encodeURIComponent(types[p.value[1]]) + "&problem_nature=" + encodeURIComponent(natures[p.value[0]]);
      });
    });
  }
  function dashboard(d, dt) {
    var m = d.month, p = d.previous;
    function bars(title, keys, kind, now, before, opts) {
      opts = opts || {};
      var series = [{ name: m.month, type: "bar", data: now }, { name: p.month, type: "bar", data: before }];
      if (opts.target) {
        series[0].markLine = { symbol: "none", data: [{ yAxis: opts.target, name: opts.targetName }],
                               label: { formatter: opts.targetName }, lineStyle: { color: "#b3261e", type: "dashed" } };
      }
      echarts.init(box(dt, title)).setOption({
        animation: false, tooltip: {}, legend: { data: [m.month, p.month] }, grid: { left: 50, right: 30, bottom: 70 },
        xAxis: { type: "category", data: keys.map(function (k) { return kind ? named(kind, k) : k; }),
                 axisLabel: { rotate: keys.length > 4 ? 30 : 0 } },
        yAxis: opts.percent ? { type: "value", min: 0, max: 100, axisLabel: { formatter: "{value}%" } }
                            : { type: "value", minInterval: 1 },
        series: series
      });
    }
    var stars = ["1", "2", "3", "4", "5"];
    bars(named("figure", "csat_distribution"), stars, null, stars.map(function (k) { return m.csat_distribution[k] || 0; }),
         stars.map(function (k) { return p.csat_distribution[k] || 0; }));
    function satisfied(f) {
      var all = stars.reduce(function (a, k) { return a + (f.csat_distribution[k] || 0); }, 0);
      return all ? +(100 * ((f.csat_distribution["4"] || 0) + (f.csat_distribution["5"] || 0)) / all).toFixed(1) : 0;
    }
    bars(named("figure", "satisfied_share"), ["satisfied_share"], "figure", [satisfied(m)], [satisfied(p)],
         { percent: true, target: 90, targetName: named("figure", "satisfaction_target") });
    var levels = Object.keys(m.on_time);
    bars(named("figure", "on_time") + " (%)", levels, "level",
         levels.map(function (k) { return m.on_time[k].rate === null ? 0 : +(m.on_time[k].rate * 100).toFixed(1); }),
         levels.map(function (k) { return p.on_time[k].rate === null ? 0 : +(p.on_time[k].rate * 100).toFixed(1); }),
         { percent: true, target: 100 * d.commitment, targetName: String(Math.round(100 * d.commitment)) + "%" });
    var depts = Object.keys(Object.assign({}, m.by_department, p.by_department)).sort();
    bars(named("figure", "by_department"), depts, "department", depts.map(function (k) { return m.by_department[k] || 0; }),
         depts.map(function (k) { return p.by_department[k] || 0; }));
    var chans = Object.keys(Object.assign({}, m.by_channel, p.by_channel)).sort();
    bars(named("figure", "by_channel"), chans, "channel", chans.map(function (k) { return m.by_channel[k] || 0; }),
         chans.map(function (k) { return p.by_channel[k] || 0; }));
  }
  function incident(data, target) {
    echarts.init(box(target, data.label)).setOption({
      animation: false, tooltip: {}, grid: { left: 40, right: 20, bottom: 40, top: 10 },
      xAxis: { type: "category", data: data.bins.map(function (b) { return b[0]; }) },
      yAxis: { type: "value", minInterval: 1 },
      series: [{ type: "bar", data: data.bins.map(function (b) { return b[1]; }), barMaxWidth: 24 }]
    });
  }
  document.addEventListener("DOMContentLoaded", function () {
    var h = data("heatmap-data"), target = document.getElementById("heatmap-charts");
    if (h && target) heatmap(h, target);
    var d = data("dashboard-data"), dt = document.getElementById("dashboard-charts");
    if (d && dt) dashboard(d, dt);
    var inc = data("incident-data"), it = document.getElementById("incident-chart");
    if (inc && it) incident(inc, it);
  });
  document.addEventListener("htmx:afterSettle", function () {  // the incident's page redraws itself
    var inc = data("incident-data"), it = document.getElementById("incident-chart");
    if (inc && it && !it.children.length) incident(inc, it);
  });
})();
