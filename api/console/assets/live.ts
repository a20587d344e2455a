/**
 * The console's only script: live figures over Server-Sent Events. Pages
 * work without it; it updates numbers and sparklines in place.
 *
 * @module
 */

/**
 * The script served at `/console/assets/live.js`. Elements with
 * `data-live="node.<field>"` show node figures, elements with `data-fn`
 * and `data-field` a function's, and `svg[data-spark]` sparklines are
 * redrawn from the function's series.
 *
 * @example
 * ```ts
 * import { LIVE_SCRIPT } from "./live.ts";
 * console.log(LIVE_SCRIPT.includes("EventSource")); // true
 * ```
 */
export const LIVE_SCRIPT = `"use strict";
(() => {
  const dot = document.querySelector(".live-dot");
  const formats = {
    bytes: (v) => (v / 1048576).toFixed(1) + " MiB",
    duration: (v) => {
      const s = Math.floor(v), d = Math.floor(s / 86400), h = Math.floor(s % 86400 / 3600), m = Math.floor(s % 3600 / 60);
      return d ? d + "d " + h + "h" : h ? h + "h " + m + "m" : m ? m + "m " + (s % 60) + "s" : s + "s";
    },
    count: (v) => String(v),
  };
  const show = (el, v) => {
    const text = (formats[el.dataset.format] || formats.count)(v);
    if (el.textContent !== text) el.textContent = text;
  };
  const points = (values, w, h) => {
    const max = Math.max(1, ...values.map((v) => v || 0));
    return values.map((v, i) => (i * w / (values.length - 1)).toFixed(1) + "," + (h - 1 - (v || 0) / max * (h - 2)).toFixed(1)).join(" ");
  };
  let source;
  const open = () => {
    source = new EventSource("/console/events");
    source.onopen = () => dot && dot.classList.add("on");
    source.onerror = () => dot && dot.classList.remove("on");
    source.addEventListener("figures", update);
  };
  // A page left open in the back-forward cache would hold its stream (and
  // one of the browser's few connections to the node) for nothing.
  addEventListener("pagehide", () => source.close());
  addEventListener("pageshow", (event) => event.persisted && open());
  const update = (event) => {
    const data = JSON.parse(event.data);
    const started = Date.parse(data.node.startedAt);
    data.node.uptimeSeconds = (Date.now() - started) / 1000;
    for (const el of document.querySelectorAll("[data-live]")) {
      const v = data.node[el.dataset.live.slice(5)];
      if (v !== undefined) show(el, v);
    }
    for (const el of document.querySelectorAll("[data-fn][data-field]")) {
      const f = data.functions[el.dataset.fn];
      if (f && f[el.dataset.field] !== undefined) show(el, f[el.dataset.field]);
    }
    for (const svg of document.querySelectorAll("svg[data-spark]")) {
      const f = data.functions[svg.dataset.spark];
      if (!f) continue;
      const [w, h] = svg.getAttribute("viewBox").split(" ").slice(2).map(Number);
      for (const line of svg.querySelectorAll("polyline[data-series]")) {
        line.setAttribute("points", points(f.series[line.dataset.series], w, h));
      }
    }
  };
  open();
})();
`;
