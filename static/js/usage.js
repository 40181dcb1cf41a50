// Charts of the usage reports (Chart.js, vendored). Each chart reads the figures that its
// page also shows as a table, from a json_script element; without this file the tables remain.
(function () {
  "use strict";
  const PALETTE = ["#1d4ed8", "#059669", "#d97706", "#7c3aed", "#dc2626", "#0891b2", "#65a30d",
    "#db2777", "#6b7280"];
  const charts = new Map();

  function draw(canvas) {
    if (typeof window.Chart === "undefined") return;
    const source = document.getElementById(canvas.dataset.source);
    if (!source) return;
    const data = JSON.parse(source.textContent);
    const stacked = canvas.dataset.chart === "stacked";
    const line = canvas.dataset.chart === "line";
    const old = charts.get(canvas);
    if (old) old.destroy();
    charts.set(canvas, new window.Chart(canvas, {
      type: line ? "line" : "bar",
      data: {
        labels: data.labels,
        datasets: data.series.map((series, i) => ({
          label: series.label,
          data: series.values,
          backgroundColor: PALETTE[i % PALETTE.length],
          borderColor: PALETTE[i % PALETTE.length],
          borderDash: series.dashed ? [6, 4] : [],
          pointRadius: 0,
          spanGaps: false,
        })),
      },
      options: {
        responsive: true,
        maintainAspectRatio: false,
        animation: false,
        scales: {
          x: { stacked: stacked, ticks: { autoSkip: true, maxRotation: 60 } },
          y: { stacked: stacked, beginAtZero: true },
        },
        plugins: {
          legend: { display: (stacked || line) && data.series.length > 1, position: "bottom" },
        },
      },
    }));
  }

  function drawAll(root) {
    for (const canvas of (root || document).querySelectorAll("canvas[data-chart]")) draw(canvas);
    for (const canvas of charts.keys()) if (!canvas.isConnected) charts.delete(canvas);
  }

  document.addEventListener("DOMContentLoaded", () => drawAll(document));
  document.addEventListener("htmx:afterSwap", (event) => drawAll(event.detail.target));
})();
