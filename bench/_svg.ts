/**
 * A tiny SVG line-plot generator for the benchmark report: log or linear
 * axes, one polyline with markers per series, a legend. No dependencies, so
 * the report renders anywhere that shows SVG (GitHub included).
 *
 * @module
 */

/** One line of a plot; points with a missing or non-positive y (on a log axis) are skipped. */
export interface Series {
  name: string;
  points: [x: number, y: number | undefined][];
  /** Drawn dashed: for floors and baselines. */
  dashed?: boolean;
  /** A CSS colour; by default the next of a fixed palette. */
  color?: string;
}

/** A tick with its label, for axes whose values are not round numbers. */
export interface Tick {
  value: number;
  label: string;
}

/** What to draw. */
export interface PlotOptions {
  title: string;
  xLabel: string;
  yLabel: string;
  series: Series[];
  xLog?: boolean;
  yLog?: boolean;
  /** Ticks on x; by default powers of ten (log) or five even steps. */
  xTicks?: Tick[];
}

const WIDTH = 720;
const HEIGHT = 420;
const MARGIN = { left: 70, right: 190, top: 36, bottom: 52 };
const COLORS = [
  "#1f77b4",
  "#d62728",
  "#2ca02c",
  "#9467bd",
  "#ff7f0e",
  "#8c564b",
  "#e377c2",
  "#7f7f7f",
];

/**
 * Renders a line plot as a standalone SVG document.
 *
 * @example
 * ```ts
 * import { linePlot } from "./_svg.ts";
 * const svg = linePlot({
 *   title: "latency", xLabel: "bytes", yLabel: "ms", xLog: true, yLog: true,
 *   series: [{ name: "memory", points: [[1024, 0.5], [1048576, 2]] }],
 * });
 * console.log(svg.startsWith("<svg")); // true
 * ```
 */
export function linePlot(options: PlotOptions): string {
  const usable = (x: number, y: number | undefined): y is number =>
    y !== undefined && Number.isFinite(y) &&
    (!options.yLog || y > 0) && (!options.xLog || x > 0);
  const series = options.series.map((s) => ({
    ...s,
    points: s.points.filter(([x, y]) => usable(x, y)) as [number, number][],
  }));
  const all = series.flatMap((s) => s.points);
  const xs = all.map(([x]) => x).concat(
    options.xTicks?.map((t) => t.value) ?? [],
  );
  const ys = all.map(([, y]) => y);
  const x = axis(xs, options.xLog ?? false, MARGIN.left, WIDTH - MARGIN.right);
  const y = axis(ys, options.yLog ?? false, HEIGHT - MARGIN.bottom, MARGIN.top);
  const xTicks = options.xTicks ?? x.ticks;
  const parts: string[] = [
    `<svg xmlns="http://www.w3.org/2000/svg" width="${WIDTH}" height="${HEIGHT}" viewBox="0 0 ${WIDTH} ${HEIGHT}" font-family="sans-serif" font-size="12">`,
    `<rect width="100%" height="100%" fill="white"/>`,
    `<text x="${
      WIDTH / 2 - MARGIN.right / 2
    }" y="20" text-anchor="middle" font-size="14" font-weight="bold">${
      escape(options.title)
    }</text>`,
  ];
  for (const t of xTicks) {
    const px = x.at(t.value);
    parts.push(
      `<line x1="${px}" y1="${MARGIN.top}" x2="${px}" y2="${
        HEIGHT - MARGIN.bottom
      }" stroke="#e5e5e5"/>`,
      `<text x="${px}" y="${
        HEIGHT - MARGIN.bottom + 16
      }" text-anchor="middle">${escape(t.label)}</text>`,
    );
  }
  for (const t of y.ticks) {
    const py = y.at(t.value);
    parts.push(
      `<line x1="${MARGIN.left}" y1="${py}" x2="${
        WIDTH - MARGIN.right
      }" y2="${py}" stroke="#e5e5e5"/>`,
      `<text x="${MARGIN.left - 6}" y="${py + 4}" text-anchor="end">${
        escape(t.label)
      }</text>`,
    );
  }
  parts.push(
    `<rect x="${MARGIN.left}" y="${MARGIN.top}" width="${
      WIDTH - MARGIN.left - MARGIN.right
    }" height="${
      HEIGHT - MARGIN.top - MARGIN.bottom
    }" fill="none" stroke="#333"/>`,
    `<text x="${(MARGIN.left + WIDTH - MARGIN.right) / 2}" y="${
      HEIGHT - 12
    }" text-anchor="middle">${escape(options.xLabel)}</text>`,
    `<text transform="translate(16 ${
      (MARGIN.top + HEIGHT - MARGIN.bottom) / 2
    }) rotate(-90)" text-anchor="middle">${escape(options.yLabel)}</text>`,
  );
  series.forEach((s, i) => {
    const color = s.color ?? COLORS[i % COLORS.length];
    const dash = s.dashed ? ` stroke-dasharray="6 4"` : "";
    const coords = s.points.map(([px, py]) => `${x.at(px)},${y.at(py)}`);
    if (coords.length > 1) {
      parts.push(
        `<polyline points="${
          coords.join(" ")
        }" fill="none" stroke="${color}" stroke-width="2"${dash}/>`,
      );
    }
    for (const c of coords) {
      const [cx, cy] = c.split(",");
      parts.push(`<circle cx="${cx}" cy="${cy}" r="3" fill="${color}"/>`);
    }
    const ly = MARGIN.top + 10 + i * 20;
    const lx = WIDTH - MARGIN.right + 12;
    parts.push(
      `<line x1="${lx}" y1="${ly}" x2="${
        lx + 22
      }" y2="${ly}" stroke="${color}" stroke-width="2"${dash}/>`,
      `<text x="${lx + 28}" y="${ly + 4}">${escape(s.name)}</text>`,
    );
  });
  parts.push("</svg>");
  return parts.join("\n") + "\n";
}

interface Axis {
  at(value: number): number;
  ticks: Tick[];
}

/** Maps data values onto pixels from `from` to `to`, with ticks. */
function axis(values: number[], log: boolean, from: number, to: number): Axis {
  const f = log ? Math.log10 : (v: number) => v;
  let lo = values.length ? Math.min(...values.map(f)) : 0;
  let hi = values.length ? Math.max(...values.map(f)) : 1;
  if (log) {
    lo = Math.floor(lo);
    hi = Math.ceil(hi);
  } else {
    lo = Math.min(0, lo);
  }
  if (hi <= lo) hi = lo + 1;
  const at = (v: number) =>
    Math.round((from + (f(v) - lo) / (hi - lo) * (to - from)) * 10) / 10;
  const ticks: Tick[] = [];
  if (log) {
    for (let e = lo; e <= hi; e++) {
      ticks.push({ value: 10 ** e, label: formatNumber(10 ** e) });
    }
  } else {
    const step = niceStep((hi - lo) / 5);
    for (let v = Math.ceil(lo / step) * step; v <= hi + 1e-9; v += step) {
      ticks.push({ value: v, label: formatNumber(v) });
    }
  }
  return { at, ticks };
}

function niceStep(raw: number): number {
  const magnitude = 10 ** Math.floor(Math.log10(raw));
  const scaled = raw / magnitude;
  return (scaled <= 1 ? 1 : scaled <= 2 ? 2 : scaled <= 5 ? 5 : 10) *
    magnitude;
}

/** 0.001, 0.01, 1, 10, 1k, 10k, 1M: short labels for tick values. */
function formatNumber(v: number): string {
  if (v >= 1e6) return `${+(v / 1e6).toPrecision(3)}M`;
  if (v >= 1e3) return `${+(v / 1e3).toPrecision(3)}k`;
  return `${+v.toPrecision(3)}`;
}

function escape(text: string): string {
  return text.replace(/&/g, "&amp;").replace(/</g, "&lt;").replace(
    />/g,
    "&gt;",
  );
}
