// Small SVG charts drawn by hand (no charting dependency): vertical bars over days, lines for
// a few series, horizontal bars for ranked items. Each returns an <svg>, or an empty-state
// paragraph when there is nothing above zero to draw.

const NS = "http://www.w3.org/2000/svg";
const WIDTH = 320;
const HEIGHT = 160;
const PAD = { top: 10, right: 8, bottom: 22, left: 30 };
const COLORS = ["#3b6fd8", "#d8833b", "#3bab6f", "#a03bd8"];

function svg(tag, attrs = {}, ...children) {
  const node = document.createElementNS(NS, tag);
  for (const [key, value] of Object.entries(attrs)) node.setAttribute(key, String(value));
  node.append(...children);
  return node;
}

function emptyState() {
  const p = document.createElement("p");
  p.className = "empty";
  p.textContent = "No data in this range.";
  return p;
}

/** Axis frame, the top value on the left, and the first and last x labels. */
function frame(max, firstLabel, lastLabel, label) {
  const bottom = HEIGHT - PAD.bottom;
  return [
    svg("title", {}, label),
    svg("line", { class: "axis", x1: PAD.left, y1: bottom, x2: WIDTH - PAD.right, y2: bottom }),
    svg("line", { class: "axis", x1: PAD.left, y1: PAD.top, x2: PAD.left, y2: bottom }),
    svg("text", { x: PAD.left - 4, y: PAD.top + 8, "text-anchor": "end" }, String(max)),
    svg("text", { x: PAD.left - 4, y: bottom, "text-anchor": "end" }, "0"),
    svg("text", { x: PAD.left, y: HEIGHT - 6 }, firstLabel ?? ""),
    svg("text", { x: WIDTH - PAD.right, y: HEIGHT - 6, "text-anchor": "end" }, lastLabel ?? ""),
  ];
}

/** Bars of `{label, value}` points (e.g. one per day). */
export function barChart(points, label) {
  const max = Math.max(0, ...points.map((p) => p.value));
  if (max === 0) return emptyState();
  const innerW = WIDTH - PAD.left - PAD.right;
  const innerH = HEIGHT - PAD.top - PAD.bottom;
  const step = innerW / points.length;
  const bars = points.map((p, i) => {
    const height = (p.value / max) * innerH;
    return svg(
      "rect",
      {
        class: "bar",
        x: PAD.left + i * step + step * 0.1,
        y: PAD.top + innerH - height,
        width: Math.max(1, step * 0.8),
        height,
      },
      svg("title", {}, `${p.label}: ${p.value}`),
    );
  });
  return svg(
    "svg",
    { viewBox: `0 0 ${WIDTH} ${HEIGHT}`, role: "img", "aria-label": label },
    ...frame(max, points[0]?.label, points.at(-1)?.label, label),
    ...bars,
  );
}

/** Lines of a few series over the same labels: `series` is `[{name, values}]`. */
export function lineChart(labels, series, label) {
  const max = Math.max(0, ...series.flatMap((s) => s.values));
  if (max === 0) return emptyState();
  const innerW = WIDTH - PAD.left - PAD.right;
  const innerH = HEIGHT - PAD.top - PAD.bottom;
  const x = (i) => PAD.left + (labels.length === 1 ? innerW / 2 : (i / (labels.length - 1)) * innerW);
  const y = (v) => PAD.top + innerH - (v / max) * innerH;
  const lines = series.map((s, n) =>
    svg(
      "polyline",
      {
        class: "line",
        stroke: COLORS[n % COLORS.length],
        points: s.values.map((v, i) => `${x(i)},${y(v)}`).join(" "),
      },
      svg("title", {}, s.name),
    ),
  );
  const legend = series.map((s, n) =>
    svg("text", { x: PAD.left + 6 + n * 50, y: PAD.top + 8, fill: COLORS[n % COLORS.length] }, s.name),
  );
  return svg(
    "svg",
    { viewBox: `0 0 ${WIDTH} ${HEIGHT}`, role: "img", "aria-label": label },
    ...frame(max, labels[0], labels.at(-1), label),
    ...lines,
    ...legend,
  );
}

/** Horizontal bars of ranked `{label, value, note?}` items. */
export function rankChart(items, label) {
  const max = Math.max(0, ...items.map((i) => i.value));
  if (max === 0) return emptyState();
  const row = 18;
  const labelW = 120;
  const height = items.length * row + 4;
  const rows = items.flatMap((item, i) => [
    svg("text", { x: 0, y: i * row + 13 }, item.label.slice(0, 22)),
    svg(
      "rect",
      {
        class: "bar",
        x: labelW,
        y: i * row + 3,
        width: Math.max(1, ((WIDTH - labelW - 40) * item.value) / max),
        height: row - 6,
      },
      svg("title", {}, `${item.label}: ${item.value}`),
    ),
    svg("text", { x: WIDTH - 36, y: i * row + 13 }, item.note ?? String(item.value)),
  ]);
  return svg(
    "svg",
    { viewBox: `0 0 ${WIDTH} ${height}`, role: "img", "aria-label": label },
    svg("title", {}, label),
    ...rows,
  );
}
