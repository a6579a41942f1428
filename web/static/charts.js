// Interactive charts (Apache ECharts, vendored): hover for counts, click a cell to list its complaints.
(function () {
  "use strict";
  function data(id) { var el = document.getElementById(id); return el ? JSON.parse(el.textContent) : null; }
  function box(parent, title) {
    var fig = document.createElement("figure"), cap = document.createElement("figcaption"), div = document.createElement("div");
    cap.textContent = title; div.className = "chart"; div.setAttribute("role", "img"); div.setAttribute("aria-label", title);
    fig.appendChild(cap); fig.appendChild(div); parent.appendChild(fig); return div;
  }
  document.addEventListener("DOMContentLoaded", function () {
    var h = data("heatmap-data"), target = document.getElementById("heatmap-charts");
    if (h && target) {
      var types = Array.from(new Set(h.cells.map(function (c) { return c.business_type; }))).sort();
      var natures = Array.from(new Set(h.cells.map(function (c) { return c.problem_nature; }))).sort();
      var max = Math.max.apply(null, [1].concat(h.cells.map(function (c) { return c.count; })));
      ["standard", "vip", "private"].forEach(function (tier) {
        var cells = h.cells.filter(function (c) { return c.tier === tier; });
        var chart = echarts.init(box(target, tier + " · " + cells.reduce(function (a, c) { return a + c.count; }, 0)));
        chart.setOption({
          tooltip: { formatter: function (p) { return types[p.value[1]] + " × " + natures[p.value[0]] + ": " + p.value[2]; } },
          grid: { left: 140, bottom: 90, right: 20, top: 10 },
          xAxis: { type: "category", data: natures, axisLabel: { rotate: 40 } },
          yAxis: { type: "category", data: types },
          visualMap: { min: 0, max: max, show: false, inRange: { color: ["#f3f6fb", "#e8a33d", "#b3261e"] } },
          series: [{ type: "heatmap", label: { show: true },
                     data: cells.map(function (c) { return [natures.indexOf(c.problem_nature), types.indexOf(c.business_type), c.count]; }) }]
        });
        chart.on("click", function (p) {
          location.href = "/ui/supervise?business_type=" + encodeURIComponent(types[p.value[1]]) +
            "&problem_nature=" + encodeURIComponent(natures[p.value[0]]);
        });
      });
    }
    var d = data("dashboard-data"), dt = document.getElementById("dashboard-charts");
    if (d && dt) {
      var m = d.month, p = d.previous;
      function bars(title, labels, now, before) {
        echarts.init(box(dt, title)).setOption({
          tooltip: {}, legend: { data: [m.month, p.month] }, grid: { left: 50, right: 20, bottom: 60 },
          xAxis: { type: "category", data: labels, axisLabel: { rotate: labels.length > 5 ? 30 : 0 } }, yAxis: { type: "value" },
          series: [{ name: m.month, type: "bar", data: now }, { name: p.month, type: "bar", data: before }]
        });
      }
      var stars = ["1", "2", "3", "4", "5"];
      bars("满意度分布 CSAT", stars, stars.map(function (k) { return m.csat_distribution[k] || 0; }),
           stars.map(function (k) { return p.csat_distribution[k] || 0; }));
      var levels = Object.keys(m.on_time);
      bars("按时率 on time (%)", levels, levels.map(function (k) { return m.on_time[k].rate === null ? 0 : +(m.on_time[k].rate * 100).toFixed(1); }),
           levels.map(function (k) { return p.on_time[k].rate === null ? 0 : +(p.on_time[k].rate * 100).toFixed(1); }));
      var depts = Object.keys(Object.assign({}, m.by_department, p.by_department)).sort();
      bars("各部门投诉量 by department", depts, depts.map(function (k) { return m.by_department[k] || 0; }),
           depts.map(function (k) { return p.by_department[k] || 0; }));
    }
  });
})();
