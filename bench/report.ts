/**
 * The report writer: reads `<dir>/<experiment>.json` (whichever exist),
 * writes `<dir>/REPORT.md` with tables, targets met or missed, where the
 * time goes, the machine each experiment ran on, and SVG plots beside it;
 * optionally refreshes the headline block of README.md.
 *
 * `deno run -A bench/report.ts [--readme] [DIR]` rewrites the report from
 * the results already in DIR (default bench/results); with `--readme`, the
 * README's headline too.
 *
 * @module
 */
import { analysis } from "./_analysis.ts";
import { fmt, lowerOrHigher, machineLine, table } from "./_format.ts";
import { ROOT } from "./_nodes.ts";
import { plotsOf } from "./_plots.ts";
import { NAMES, readResults, type Results } from "./_results.ts";
import { stateSection } from "./state.ts";
import {
  exchangeSection,
  floorsSection,
  sledgeSection,
  targetsSection,
  workflowsSection,
} from "./_sections.ts";
import { stateClusterSection } from "./state_cluster.ts";
import { footprintSection } from "./_footprint_section.ts";
import { admissionSection, preemptSection } from "./_scheduling_sections.ts";

const HEADLINE_START = "<!-- bench:headline:start -->";
const HEADLINE_END = "<!-- bench:headline:end -->";

/**
 * Reads the results in `dir`, writes REPORT.md and its SVG plots there
 * and, given `readme`, replaces the block between the headline markers in
 * it with the headline table.
 *
 * @example
 * ```ts ignore
 * await writeReport("bench/results");
 * ```
 */
export async function writeReport(dir: string, readme?: string): Promise<void> {
  const results = await readResults(dir);
  const plots = plotsOf(results);
  for (const [file, svg] of Object.entries(plots)) {
    await Deno.writeTextFile(`${dir}/${file}`, svg);
  }
  await Deno.writeTextFile(`${dir}/REPORT.md`, markdown(results, plots));
  if (readme) await writeHeadline(readme, results);
}

function markdown(r: Results, plots: Record<string, string>): string {
  const img = (file: string, alt: string) =>
    plots[file] ? `![${alt}](${file})\n` : "";
  const envelopes = NAMES.flatMap((n) => r[n] ? [[n, r[n]!] as const] : []);
  const total = envelopes.reduce((sum, [, e]) => sum + (e.seconds ?? 0), 0);
  const parts = [
    "# eddy benchmarks",
    "",
    "Written by `deno task bench` (full) or `deno task bench:quick` " +
    "(bench/run.ts); footprint, preempt and admission by their own scripts " +
    "(`deno run -A bench/<experiment>.ts`); every figure below comes from " +
    "the JSON files beside this report. Each experiment starts its own eddy " +
    "nodes (`cli.ts serve` processes), redis-server and helper servers on " +
    "loopback, and stops them.",
    "",
    "## Runs",
    "",
    table(
      ["experiment", "scale", "seconds", "machine"],
      envelopes.map(([name, e]) => [
        `[${name}](${name}.json)`,
        e.scale,
        e.seconds === undefined ? "–" : String(e.seconds),
        machineLine(e.machine),
      ]),
    ),
    "",
    `Total: ${Math.round(total)} s of measurement (the scripts run on their ` +
    "own record no wall time: –). These machines are shared " +
    "2-core VMs: the load average shows how much other work ran meanwhile, " +
    "and absolute figures move with it; ratios measured in the same run " +
    "(systems run in turn) move less.",
    "",
    targetsSection(r),
    exchangeSection(r, img),
    sledgeSection(r, img),
    footprintSection(r),
    workflowsSection(r, img),
    stateSection(r),
    preemptSection(r),
    admissionSection(r),
    floorsSection(r, img),
    stateClusterSection(r["state-cluster"]?.results),
    analysis(r),
  ];
  return parts.join("\n") + "\n";
}

/** The headline table the README shows between its markers. */
function headline(r: Results): string {
  const rows: string[][] = [];
  const x = r.exchange?.results;
  if (x?.rows.memory["1MB"]) {
    for (const s of ["memory", "unix"] as const) {
      const c = x.rows[s]["1MB"], q = x.ratiosToRedis[s]["1MB"];
      rows.push([
        `1 MB producer → consumer, eddy ${s} mode vs Redis`,
        `p50 ${fmt(c.latencyMs.p50)} ms vs ${
          fmt(x.rows.redis["1MB"].latencyMs.p50)
        } ms (${lowerOrHigher(q.latencyReductionPct)}); ${
          fmt(q.throughput)
        }x the chains/s`,
      ]);
    }
  }
  const s = r.startup?.results;
  if (s) {
    rows.push([
      "new instance (instantiate + run echo 1 KB)",
      `p50 ${s.invokeEcho1KB.p50} µs, p99 ${s.invokeEcho1KB.p99} µs`,
    ]);
    // Results written before the whole node's start was measured lack it.
    const p = s.process;
    if (p) {
      rows.push([
        "node start to first invocation (source / bundled; target 300 ms)",
        `p50 ${p.fromSource.p50} ms / ${p.bundled.p50} ms (floor: Deno.serve with two workers ${p.floorDenoServeTwoWorkers.p50} ms)`,
      ]);
    }
    const w = s.wasmtime;
    if (w && !("missing" in w)) {
      rows.push([
        "the same in wasmtime (pooling; its WASI / minimal host functions)",
        `p50 ${w.wasiPooling.p50} µs / ${w.minimalHostPooling.p50} µs`,
      ]);
    }
  }
  const v = r.serving?.results;
  if (v) {
    rows.push([
      "echo 1 KB over HTTP",
      `peak ${v.peakRequestsPerSecond} req/s from ${v.saturatesAtConnections} connections`,
    ]);
    const q = v.sideBySide?.eddyRatio;
    if (q?.["workerd reused"] !== undefined) {
      rows.push([
        `echo 1 KB over HTTP at ${v.sideBySide.connections} connections, eddy vs workerd`,
        `${fmt(q["workerd fresh"])}x workerd with a fresh instance, ${
          fmt(q["workerd recycled"])
        }x with a recycled memory, ${
          fmt(q["workerd reused"])
        }x reusing one instance`,
      ]);
    }
  }
  const d = r.density?.results;
  if (d) {
    rows.push([
      "RSS per deployed function / per in-flight invocation",
      `${d.deployed.perFunctionKB} KB / ${d.inFlight.perInstanceKB} KB`,
    ]);
  }
  const w = r.workflows?.results;
  if (w) {
    const i = w.rates.dataflow.findIndex((p) => p.rate === 100);
    const at = i >= 0 ? i : 0;
    rows.push([
      `4-step workflow at ${
        w.rates.dataflow[at].rate
      }/s: data flow vs control flow (Redis)`,
      `p99 ${fmt(w.rates.dataflow[at].latencyP99Ms)} vs ${
        fmt(w.rates.controlflow[at].latencyP99Ms)
      } ms; peak ${fmt(w.peak.dataflow.perSecond)} vs ${
        fmt(w.peak.controlflow.perSecond)
      } runs/s`,
    ]);
  }
  const runs =
    (["exchange", "startup", "serving", "density", "workflows"] as const)
      .flatMap((name) => {
        const e = r[name];
        return e
          ? [
            `${name}: ${e.scale}, load average ${
              e.machine.loadAverage?.[0] ?? "?"
            }, ${e.machine.date.slice(0, 10)}`,
          ]
          : [];
      });
  const m = r.exchange?.machine ?? r.startup?.machine;
  return [
    table(["", "latest figures"], rows),
    "",
    m
      ? `On ${m.cpu}, ${m.cores} cores, deno ${m.deno}; each row from its ` +
        `experiment's latest run (${runs.join("; ")}). Targets met and ` +
        "missed, plots, and where the time goes: " +
        "[bench/results/REPORT.md](bench/results/REPORT.md)."
      : "",
  ].join("\n");
}

async function writeHeadline(readme: string, r: Results): Promise<void> {
  const text = await Deno.readTextFile(readme);
  const start = text.indexOf(HEADLINE_START);
  const end = text.indexOf(HEADLINE_END);
  if (start < 0 || end < start) {
    throw new Error(`${readme} has no ${HEADLINE_START} … ${HEADLINE_END}`);
  }
  await Deno.writeTextFile(
    readme,
    text.slice(0, start + HEADLINE_START.length) + "\n\n" + headline(r) +
      "\n\n" + text.slice(end),
  );
  // The README is checked by `deno fmt`: pad the new table the way it does.
  const fmt = await new Deno.Command(Deno.execPath(), {
    args: ["fmt", "--quiet", readme],
    stdout: "inherit",
    stderr: "inherit",
  }).output();
  if (!fmt.success) throw new Error(`deno fmt ${readme} failed`);
}

if (import.meta.main) {
  const readme = Deno.args.includes("--readme")
    ? `${ROOT}README.md`
    : undefined;
  const dir = Deno.args.find((a) => !a.startsWith("--"));
  await writeReport(dir ?? `${ROOT}bench/results`, readme);
}
