// The dashboard chart: volume (bars) and outcomes per day (lines), drawn by uPlot from the
// JSON the page links to in data-source.
import uPlot from "./uplot.js";

const holder = document.getElementById("chart");
if (holder) {
  const response = await fetch(holder.dataset.source, { credentials: "same-origin" });
  const data = await response.json();
  const labels = JSON.parse(holder.dataset.labels);
  const days = data.days.map((day) => Date.parse(`${day.day}T00:00:00Z`) / 1000);
  const width = () => Math.max(280, holder.clientWidth);
  const chart = new uPlot(
    {
      width: width(),
      height: 300,
      scales: { x: { time: true }, volume: { auto: true }, count: { auto: true } },
      axes: [
        {},
        { scale: "volume", label: labels.volume },
        { scale: "count", side: 1, grid: { show: false } },
      ],
      series: [
        {},
        {
          label: labels.volume,
          scale: "volume",
          stroke: "#0b5cad",
          fill: "rgba(11,92,173,0.15)",
          paths: uPlot.paths.bars({ size: [0.6, 40] }),
          value: (_u, v) => (v == null ? "" : (v / 100).toFixed(2)),
        },
        { label: labels.succeeded, scale: "count", stroke: "#1e7b34", width: 2 },
        { label: labels.failed, scale: "count", stroke: "#b3261e", width: 2 },
        { label: labels.open, scale: "count", stroke: "#8a5a00", width: 2, dash: [4, 4] },
      ],
    },
    [
      days,
      data.days.map((day) => day.volume),
      data.days.map((day) => day.succeeded),
      data.days.map((day) => day.failed),
      data.days.map((day) => day.open),
    ],
    holder,
  );
  window.addEventListener("resize", () => chart.setSize({ width: width(), height: 300 }));
}
