/**
 * The console's stylesheet: system fonts, light and dark from the user's
 * preference, one column at phone width.
 *
 * @module
 */

/**
 * The stylesheet served at `/console/assets/console.css`.
 *
 * @example
 * ```ts
 * import { STYLE } from "./style.ts";
 * console.log(STYLE.includes("prefers-color-scheme")); // true
 * ```
 */
export const STYLE = `
:root {
  color-scheme: light dark;
  --bg: #f6f7f9; --panel: #ffffff; --text: #1c2330; --muted: #5b6576;
  --line: #dde2ea; --accent: #0b6bcb; --accent-text: #ffffff;
  --ok: #1a7f37; --bad: #c62828; --warn: #9a6700;
  --memory: #1a7f37; --unix: #8250df; --http2: #0b6bcb;
  --code: #eef1f5;
  font: 15px/1.45 system-ui, -apple-system, "Segoe UI", Roboto, sans-serif;
}
@media (prefers-color-scheme: dark) {
  :root {
    --bg: #0f1419; --panel: #171d25; --text: #e6e9ef; --muted: #9aa5b5;
    --line: #2b3441; --accent: #4c9aff; --accent-text: #0f1419;
    --ok: #3fb950; --bad: #ff6b6b; --warn: #d29922;
    --memory: #3fb950; --unix: #b392f0; --http2: #4c9aff;
    --code: #0b1016;
  }
}
* { box-sizing: border-box; }
body { margin: 0; background: var(--bg); color: var(--text); }
a { color: var(--accent); }
a:focus-visible, button:focus-visible, input:focus-visible, textarea:focus-visible, select:focus-visible {
  outline: 3px solid var(--accent); outline-offset: 2px;
}
.skip { position: absolute; left: -999px; }
.skip:focus { left: 1rem; top: .5rem; background: var(--panel); padding: .4rem .8rem; z-index: 2; }
header.top {
  display: flex; align-items: center; gap: 1.5rem; flex-wrap: wrap;
  padding: .7rem 1.5rem; background: var(--panel); border-bottom: 1px solid var(--line);
}
.brand { font-weight: 700; font-size: 1.15rem; text-decoration: none; color: var(--text); display: flex; align-items: center; gap: .5rem; }
.brand svg { width: 26px; height: 26px; }
nav ul { list-style: none; display: flex; gap: .25rem; margin: 0; padding: 0; flex-wrap: wrap; }
nav a { display: block; padding: .35rem .75rem; border-radius: 6px; text-decoration: none; color: var(--muted); }
nav a[aria-current="page"] { background: var(--bg); color: var(--text); font-weight: 600; }
nav a:hover { color: var(--text); }
.who { margin-left: auto; display: flex; align-items: center; gap: .75rem; color: var(--muted); font-size: .9rem; }
.live-dot { width: .6rem; height: .6rem; border-radius: 50%; background: var(--muted); display: inline-block; }
.live-dot.on { background: var(--ok); }
main { max-width: 1180px; margin: 0 auto; padding: 1.5rem; }
h1 { font-size: 1.5rem; margin: 0 0 1rem; }
h2 { font-size: 1.1rem; margin: 0 0 .75rem; }
.muted { color: var(--muted); }
.panel { background: var(--panel); border: 1px solid var(--line); border-radius: 10px; padding: 1.1rem 1.2rem; margin-bottom: 1.25rem; }
.stats { display: grid; grid-template-columns: repeat(auto-fit, minmax(150px, 1fr)); gap: 1rem; margin-bottom: 1.25rem; }
.stat { background: var(--panel); border: 1px solid var(--line); border-radius: 10px; padding: .8rem 1rem; }
.stat .label { color: var(--muted); font-size: .8rem; text-transform: uppercase; letter-spacing: .04em; }
.stat .value { font-size: 1.45rem; font-weight: 650; font-variant-numeric: tabular-nums; }
table { width: 100%; border-collapse: collapse; }
th, td { text-align: left; padding: .55rem .5rem; border-bottom: 1px solid var(--line); vertical-align: middle; }
th { color: var(--muted); font-weight: 600; font-size: .85rem; }
td.num { font-variant-numeric: tabular-nums; text-align: right; }
th.num { text-align: right; }
code, pre, .mono { font-family: ui-monospace, SFMono-Regular, Menlo, Consolas, monospace; font-size: .85rem; }
pre { background: var(--code); border: 1px solid var(--line); border-radius: 8px; padding: .75rem; overflow: auto; max-height: 22rem; white-space: pre-wrap; word-break: break-word; }
.pill { display: inline-block; padding: .05rem .5rem; border-radius: 999px; font-size: .78rem; border: 1px solid var(--line); color: var(--muted); margin: 0 .2rem .2rem 0; }
.pill.up { color: var(--ok); border-color: var(--ok); }
.pill.down { color: var(--bad); border-color: var(--bad); }
.mode-memory { color: var(--memory); } .mode-unix { color: var(--unix); } .mode-http2 { color: var(--http2); }
form.stack { display: grid; gap: .75rem; }
.row { display: flex; gap: 1rem; flex-wrap: wrap; align-items: end; }
.row > * { flex: 1 1 12rem; }
label { display: grid; gap: .3rem; font-weight: 600; font-size: .9rem; }
input[type=text], input[type=password], input[type=file], textarea {
  font: inherit; padding: .5rem .6rem; border: 1px solid var(--line); border-radius: 6px;
  background: var(--bg); color: var(--text); width: 100%;
}
textarea { min-height: 6rem; font-family: ui-monospace, monospace; font-size: .85rem; }
button { font: inherit; font-weight: 600; padding: .5rem 1rem; border-radius: 6px; border: 1px solid var(--accent); background: var(--accent); color: var(--accent-text); cursor: pointer; }
button.quiet { background: transparent; color: var(--accent); }
button.danger { background: transparent; color: var(--bad); border-color: var(--bad); }
.notice { padding: .7rem 1rem; border-radius: 8px; margin-bottom: 1rem; border: 1px solid; }
.notice.ok { border-color: var(--ok); color: var(--ok); }
.notice.bad { border-color: var(--bad); color: var(--bad); }
.grid2 { display: grid; grid-template-columns: minmax(0, 1fr) minmax(0, 1fr); gap: 1.25rem; }
.panel, .stat { min-width: 0; }
.result dl { display: grid; grid-template-columns: max-content minmax(0, 1fr); gap: .3rem 1rem; margin: 0 0 .75rem; }
.result dt { color: var(--muted); }
.result dd { margin: 0; font-variant-numeric: tabular-nums; overflow-wrap: anywhere; }
svg.spark { width: 120px; height: 28px; display: block; }
svg.spark polyline { fill: none; stroke-width: 1.5; }
svg.spark .inv { stroke: var(--accent); } svg.spark .err { stroke: var(--bad); } svg.spark .lat { stroke: var(--warn); }
svg.drawing { width: 100%; height: auto; display: block; }
.drawing-wrap { overflow-x: auto; }
svg.drawing text { fill: var(--text); font: 12px system-ui, sans-serif; }
svg.drawing .box { fill: var(--panel); stroke: var(--line); stroke-width: 1.5; }
svg.drawing .group { fill: none; stroke: var(--line); stroke-dasharray: 4 3; }
svg.drawing .group-label { fill: var(--muted); font-size: 11px; }
svg.drawing .self { stroke: var(--accent); stroke-width: 2.5; }
svg.drawing .sub { fill: var(--muted); font-size: 11px; }
svg.drawing .edge { fill: none; stroke-width: 2; }
svg.drawing .edge.memory { stroke: var(--memory); } svg.drawing .edge.unix { stroke: var(--unix); } svg.drawing .edge.http2 { stroke: var(--http2); }
svg.drawing .edge-label { font-size: 11px; paint-order: stroke; stroke: var(--panel); stroke-width: 4px; }
svg.drawing .edge-label.memory { fill: var(--memory); } svg.drawing .edge-label.unix { fill: var(--unix); } svg.drawing .edge-label.http2 { fill: var(--http2); }
.legend { display: flex; gap: 1rem; font-size: .85rem; color: var(--muted); flex-wrap: wrap; }
.legend span::before { content: ""; display: inline-block; width: 1.2rem; height: 3px; vertical-align: middle; margin-right: .35rem; background: currentColor; }
.login { max-width: 24rem; margin: 10vh auto; }
.ref-op { border-top: 1px solid var(--line); padding: .8rem 0; }
.ref-op td:first-child { width: 4.5rem; }
.method { display: inline-block; min-width: 4.2rem; text-align: center; font-weight: 700; font-size: .75rem; padding: .15rem .4rem; border-radius: 4px; color: #fff; margin-right: .5rem; }
.method.get { background: #1a7f37; } .method.post { background: #0b6bcb; } .method.put { background: #9a6700; } .method.delete { background: #c62828; }
.table-wrap { overflow-x: auto; }
@media (max-width: 720px) {
  header.top { padding: .6rem 1rem; gap: .6rem; }
  .who { margin-left: 0; }
  main { padding: 1rem; }
  .grid2 { grid-template-columns: minmax(0, 1fr); }
  .hide-narrow { display: none; }
  /* Drawings keep a readable size and scroll inside their panel. */
  .drawing-wrap svg.drawing { min-width: calc(var(--natural) * 0.7); }
}
`;
