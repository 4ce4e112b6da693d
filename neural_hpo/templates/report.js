// The report's own script (allowed by the page's CSP nonce; it loads nothing). REPORT holds the
// trials of the table and of the drawn points. Every study-supplied string goes into the page
// as textContent, never as markup.
"use strict";
const SVG = "http://www.w3.org/2000/svg";
const trials = new Map(REPORT.trials.map((t) => [t.number, t]));
const fmt = (v) => (v === null || v === undefined ? "—" : typeof v === "number" ? String(Number(v.toPrecision(6))) : String(v));
const el = (tag, text, ns) => {
  const e = ns ? document.createElementNS(SVG, tag) : document.createElement(tag);
  if (text !== undefined) e.textContent = text;
  return e;
};
const attrs = (e, a) => { for (const [k, v] of Object.entries(a)) e.setAttribute(k, v); return e; };

// Tooltip: the trial number, its value and parameters (the <title> is the static fallback).
const tip = el("div");
tip.id = "hpo-tip";
tip.setAttribute("role", "tooltip");
tip.hidden = true;
document.body.append(tip);
for (const t of document.querySelectorAll(".hpo-points title")) t.remove();
function tipLines(n) {
  const t = trials.get(n);
  if (t === undefined) return [`trial ${n}`];
  const lines = [`trial ${n}`, `${REPORT.metric} = ${fmt(t.metrics[0])}`];
  REPORT.params.forEach((p, i) => lines.push(`${p} = ${fmt(t.params[i])}`));
  return lines;
}
document.addEventListener("mouseover", (e) => {
  const c = e.target.closest && e.target.closest("circle[data-n]");
  if (!c) return;
  tip.replaceChildren(...tipLines(Number(c.dataset.n)).map((line) => el("div", line)));
  tip.hidden = false;
});
document.addEventListener("mousemove", (e) => {
  if (tip.hidden) return;
  tip.style.left = `${Math.min(e.clientX + 12, window.innerWidth - tip.offsetWidth - 4)}px`;
  tip.style.top = `${e.clientY + 12}px`;
});
document.addEventListener("mouseout", (e) => {
  if (e.target.closest && e.target.closest("circle[data-n]")) tip.hidden = true;
});

// A small SVG chart: points as circles (with data-n) or as a line.
function chart(pts, { line = false, ids = null, w = 420, h = 180, xlabel = "" } = {}) {
  const svg = attrs(el("svg", undefined, true), { viewBox: `0 0 ${w} ${h}`, width: w, height: h });
  const m = { l: 48, r: 8, t: 8, b: 28 };
  const xs = pts.map((p) => p[0]), ys = pts.map((p) => p[1]);
  const [x0, x1] = [Math.min(...xs), Math.max(...xs)], [y0, y1] = [Math.min(...ys), Math.max(...ys)];
  const sx = (x) => m.l + (x1 === x0 ? 0.5 : (x - x0) / (x1 - x0)) * (w - m.l - m.r);
  const sy = (y) => h - m.b - (y1 === y0 ? 0.5 : (y - y0) / (y1 - y0)) * (h - m.t - m.b);
  svg.append(attrs(el("rect", undefined, true), { x: m.l, y: m.t, width: w - m.l - m.r, height: h - m.t - m.b, fill: "none", stroke: "#999" }));
  const label = (x, y, text, anchor) => svg.append(attrs(el("text", text, true), { x, y, "font-size": 10, "text-anchor": anchor }));
  label(m.l - 4, m.t + 8, fmt(y1), "end");
  label(m.l - 4, h - m.b, fmt(y0), "end");
  label(m.l, h - m.b + 12, fmt(x0), "start");
  label(w - m.r, h - m.b + 12, fmt(x1), "end");
  label((w + m.l) / 2, h - 4, xlabel, "middle");
  if (line) {
    svg.append(attrs(el("polyline", undefined, true), { points: pts.map((p) => `${sx(p[0])},${sy(p[1])}`).join(" "), fill: "none", stroke: "#1f77b4", "stroke-width": 2 }));
  }
  pts.forEach((p, i) => {
    const c = attrs(el("circle", undefined, true), { cx: sx(p[0]), cy: sy(p[1]), r: line ? 2.5 : 3.5, fill: "#1f77b4", "fill-opacity": line ? 1 : 0.7 });
    if (ids) c.dataset.n = ids[i];
    svg.append(c);
  });
  return svg;
}

// Click a point or a table row: that trial's learning curve (its intermediate values).
const curve = el("div");
curve.id = "hpo-curve";
curve.hidden = true;
document.body.append(curve);
function showCurve(n) {
  const t = trials.get(n);
  const close = el("button", "×");
  close.addEventListener("click", () => { curve.hidden = true; });
  const head = el("div", `trial ${n} — learning curve (${REPORT.metric} ${fmt(t ? t.metrics[0] : null)})`);
  const pts = t ? t.curve : [];
  curve.replaceChildren(close, head, pts.length ? chart(pts, { line: true, xlabel: "step" }) : el("p", "no intermediate values recorded"));
  curve.hidden = false;
  for (const e of document.querySelectorAll(".sel")) e.classList.remove("sel");
  for (const e of document.querySelectorAll(`[data-n="${n}"]`)) e.classList.add("sel");
}
document.addEventListener("click", (e) => {
  const hit = e.target.closest && e.target.closest("circle[data-n], table.trials tbody tr[data-n]");
  if (hit) showCurve(Number(hit.dataset.n));
});

// Sort a trials table by the clicked column; numbers numerically, blanks last.
const cellKey = (tr, col) => { const t = tr.cells[col].textContent; const n = Number(t); return t === "—" ? null : Number.isNaN(n) ? t : n; };
function sortBy(th) {
  const body = th.closest("table").tBodies[0], col = th.cellIndex, asc = th.dataset.dir === "asc";
  const rows = Array.from(body.rows).sort((a, b) => {
    const x = cellKey(a, col), y = cellKey(b, col);
    if (x === null || y === null) return (x === null) - (y === null);
    return (x < y ? -1 : x > y ? 1 : 0) * (asc ? 1 : -1);
  });
  body.append(...rows);
}
for (const th of document.querySelectorAll("table.trials th")) {
  th.addEventListener("click", () => { th.dataset.dir = th.dataset.dir !== "asc" ? "asc" : "desc"; sortBy(th); });
}

// Filter: words the row must contain, or column comparisons such as "dropout<0.3 state=COMPLETE".
const COMPARE = /^([^<>=]+)(<=|>=|<|>|=)(.+)$/;
function matches(tr, heads, words) {
  return words.every((w) => {
    const m = COMPARE.exec(w);
    const col = m ? heads.indexOf(m[1].toLowerCase()) : -1;
    if (col < 0) return tr.textContent.toLowerCase().includes(w.toLowerCase());
    const [a, b] = [cellKey(tr, col), Number.isNaN(Number(m[3])) ? m[3] : Number(m[3])];
    if (a === null) return false;
    return { "<": a < b, ">": a > b, "<=": a <= b, ">=": a >= b, "=": String(a).toLowerCase() === String(b).toLowerCase() }[m[2]];
  });
}
function applyFilter() {
  const words = filter.value.trim().split(/\s+/).filter(Boolean);
  for (const table of document.querySelectorAll("table.trials")) {
    const heads = Array.from(table.tHead.rows[0].cells, (c) => c.textContent.toLowerCase());
    for (const tr of table.tBodies[0].rows) tr.hidden = !matches(tr, heads, words);
  }
}
const filter = el("input");
Object.assign(filter, { type: "search", className: "hpo-filter", placeholder: "filter trials: words, or e.g. dropout<0.3 state=COMPLETE" });
filter.setAttribute("aria-label", "filter trials");
filter.addEventListener("input", applyFilter);
const trialsHeading = document.getElementById("trials");
if (trialsHeading) trialsHeading.after(filter);

// Live trials, posted by the editor while a study runs: rows appended, a live history redrawn.
function rowOf(t) {
  const tr = el("tr");
  tr.className = t.state.toLowerCase();
  tr.dataset.n = t.number;
  const cells = [[t.number], [t.state], ...t.metrics.map((v) => [fmt(v), "n"]), ...t.params.map((v) => [fmt(v)]), [fmt(t.seconds), "n"], [t.note]];
  for (const [text, cls] of cells) { const td = el("td", String(text)); if (cls) td.className = cls; tr.append(td); }
  return tr;
}
function liveChart() {
  let box = document.getElementById("hpo-live");
  const before = box ? 0 : document.documentElement.scrollHeight;
  if (!box) {
    box = el("section");
    box.id = "hpo-live";
    (document.getElementById("plots") || trialsHeading).before(box);
  }
  const done = [...trials.values()].filter((t) => t.state === "COMPLETE" && typeof t.metrics[0] === "number").sort((a, b) => a.number - b.number);
  const head = el("h2", `Live: ${done.length} complete trials (${trials.size} in all)`);
  box.replaceChildren(head, done.length ? chart(done.map((t) => [t.number, t.metrics[0]]), { ids: done.map((t) => t.number), w: 700, h: 220, xlabel: "trial" }) : el("p", "no complete trial yet"));
  if (before && window.scrollY > 0) window.scrollBy(0, document.documentElement.scrollHeight - before);
}
// a pushed row names its columns ({metric: value}, {param: value}); the report's are lists
const asColumns = (t) => Array.isArray(t.metrics) ? t : { ...t, metrics: REPORT.metrics.map((m) => t.metrics[m] ?? null), params: REPORT.params.map((p) => t.params[p] ?? null) };
function addTrials(rows) {
  for (const pushed of rows) {
    const t = asColumns(pushed);
    if (trials.has(t.number)) continue;
    trials.set(t.number, t);
    for (const table of document.querySelectorAll("table.trials")) table.tBodies[0].append(rowOf(t));
  }
  applyFilter();
  liveChart();
}
window.addEventListener("message", (e) => {
  const msg = e.data;
  if (msg && msg.type === "neural.trials" && Array.isArray(msg.trials)) addTrials(msg.trials);
});

// In a VS Code webview the scroll position survives the final reload of the report.
if (typeof acquireVsCodeApi === "function") {
  const vscode = acquireVsCodeApi();
  const saved = vscode.getState();
  if (saved && saved.scrollY) window.scrollTo(0, saved.scrollY);
  let pending = false;
  window.addEventListener("scroll", () => {
    if (pending) return;
    pending = true;
    setTimeout(() => { pending = false; vscode.setState({ scrollY: window.scrollY }); }, 200);
  });
}
