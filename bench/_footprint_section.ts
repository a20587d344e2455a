/**
 * The report's footprint section (bench/footprint.ts): a serving node's
 * RSS at rest and its start to a first invocation, from source and
 * bundled, against the targets the results carry.
 *
 * @module
 */
import { fmt, table } from "./_format.ts";
import type { FootprintMode, FootprintResults } from "./footprint.ts";
import type { Verdict } from "./_issue11.ts";
import { verdictRows } from "./_issue11.ts";
import type { Results } from "./_results.ts";

const MODES = ["source", "bundle"] as const;

/**
 * The footprint targets, judged for source and bundle as the results did.
 *
 * @example
 * ```ts
 * import { footprintTargets } from "./_footprint_section.ts";
 * console.log(footprintTargets(undefined)); // []
 * ```
 */
export function footprintTargets(f: FootprintResults | undefined): Verdict[] {
  if (!f) return [];
  return MODES.flatMap((mode) => [
    {
      target:
        `footprint (${mode}): idle RSS, no functions, ≤ ${f.targets.idleRssMB} MB`,
      measured: `${fmt(f[mode].idleRssMB.noFunctions)} MB`,
      ok: f.meetsTargets[mode].idleRss,
    },
    {
      target:
        `footprint (${mode}): start to first invocation p50 ≤ ${f.targets.startToFirstInvocationMs} ms`,
      measured: `p50 ${fmt(f[mode].startToFirstInvocationMs.p50)} ms (p99 ${
        fmt(f[mode].startToFirstInvocationMs.p99)
      })`,
      ok: f.meetsTargets[mode].startToFirstInvocation,
    },
  ]);
}

/** What redeploys did to RSS, when the results have it (older ones do not). */
function redeployLines(f: FootprintResults): string[] {
  const r = f.redeploys;
  if (!r) return [];
  const runs = (mb: number[]) => mb.map((x) => fmt(x)).join(", ");
  return [
    "",
    `Redeploys (from source): one function redeployed ${r.redeploys} times ` +
    `with a ${fmt(r.moduleKiB)} KiB module (a custom section unique to each ` +
    "revision), invoked on both workers after each; the rise of the RSS " +
    "floor (lowest of 40 samples) from after the first 60 to the end, one " +
    `figure per node: glibc's default mmap threshold ${
      runs(r.growthMB.glibcDefault)
    } MB; a fixed 128 KiB threshold (\`MALLOC_MMAP_THRESHOLD_\`) ${
      runs(r.growthMB.fixedMmapThreshold)
    } MB. The difference is the main arena's fragmentation by module-sized ` +
    "buffers, not modules eddy holds (tests/e2e/redeploy_memory_test.ts " +
    "checks that under the fixed threshold).",
  ];
}

/**
 * The report's footprint section, or nothing without its results.
 *
 * @example
 * ```ts
 * import { footprintSection } from "./_footprint_section.ts";
 * console.log(footprintSection({}) === ""); // true
 * ```
 */
export function footprintSection(r: Results): string {
  const f = r.footprint?.results;
  if (!f) return "";
  const row = (label: string, cell: (m: FootprintMode) => string) => [
    label,
    ...MODES.map((mode) => cell(f[mode])),
  ];
  const times = (t: { p50: number; p99: number; n: number }) =>
    `${fmt(t.p50)} / ${fmt(t.p99)} (n ${t.n})`;
  return [
    "## A node at rest and its start (footprint)",
    "",
    "Real `serve` processes, started from source (`cli.ts`) and from the " +
    "single-file bundle. Idle RSS (`VmRSS`, workers included, read 2 s " +
    "after each step): with no functions; with 100 distinct modules " +
    "deployed (echo with a unique custom section each); after invoking each " +
    "once; after a restart with the 100 in the data directory; with one " +
    "function and 1 or 4 workers (an empty node starts none). Start to " +
    "first invocation: spawn `serve` on a data directory holding echo and " +
    "poll `POST /invoke/echo` until it answers 200. Default workers: " +
    `${f.defaultWorkers}. Load average ${f.loadAverage.before} before, ` +
    `${f.loadAverage.after} after.`,
    "",
    table(["", "source", "bundle"], [
      row("idle RSS, no functions (MB)", (m) => fmt(m.idleRssMB.noFunctions)),
      row(
        "… 100 distinct functions deployed",
        (m) => fmt(m.idleRssMB.deployed100),
      ),
      row(
        "… after invoking each once",
        (m) => fmt(m.idleRssMB.deployed100InvokedOnce),
      ),
      row(
        "… restarted with the 100",
        (m) => fmt(m.idleRssMB.restartedWith100),
      ),
      row(
        "one function, `--workers` 1 / 4 (MB)",
        (m) =>
          `${fmt(m.idleRssOneFunctionByWorkersMB["1"])} / ${
            fmt(m.idleRssOneFunctionByWorkersMB["4"])
          }`,
      ),
      row("RSS per worker (MB)", (m) => fmt(m.rssPerWorkerMB)),
      row(
        "start to first invocation, p50 / p99 ms",
        (m) => times(m.startToFirstInvocationMs),
      ),
      row(
        "… with `--workers 1`",
        (m) => times(m.startToFirstInvocationOneWorkerMs),
      ),
    ]),
    "",
    "Floor: a bare `Deno.serve` starting two trivial workers and answering " +
    "through one (bench/_hello_server.ts), start to first answer the same " +
    `way: ${times(f.floorStartToFirstAnswerMs)} ms.`,
    ...redeployLines(f),
    "",
    table(["target", "measured", ""], verdictRows(footprintTargets(f))),
    "",
  ].join("\n");
}
