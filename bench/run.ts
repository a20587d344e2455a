/**
 * The benchmark runner. `deno task bench` (full) and `deno task
 * bench:quick` (`--quick`, a few minutes) run every experiment, each of
 * which starts what it needs (eddy nodes as `cli.ts serve` processes,
 * redis-server, helper servers) and stops it; then write
 * `bench/results/<name>.json` per experiment and `bench/results/REPORT.md`
 * with its plots. A full run also refreshes the headline figures in
 * README.md.
 *
 * `deno run -A bench/run.ts [--quick] [--only=floors,exchange,...]`
 *
 * @module
 */
import { parseArgs } from "node:util";
import { runDensity } from "./density.ts";
import { runExchange } from "./exchange.ts";
import { type ExperimentContext, measured, type Scale } from "./_experiment.ts";
import { runFloors } from "./floors.ts";
import { killTracked, ROOT } from "./_nodes.ts";
import { ensureRedisServer } from "./_redis.ts";
import { writeReport } from "./report.ts";
import { runServing } from "./serving.ts";
import { runStartup } from "./startup.ts";
import { runStateCluster } from "./state_cluster.ts";
import { runWorkflows } from "./workflows.ts";
import { runState } from "./state.ts";

export { ensureRedisServer };

/** Every experiment by the name of its results file, in running order. */
export const EXPERIMENTS: Record<
  string,
  (ctx: ExperimentContext) => Promise<unknown>
> = {
  floors: runFloors,
  startup: runStartup,
  serving: runServing,
  density: runDensity,
  exchange: runExchange,
  workflows: runWorkflows,
  state: runState,
  "state-cluster": runStateCluster,
};

/** Options of {@linkcode runBenchmarks}. */
export interface RunOptions {
  /**
   * Install what is missing: redis-server (apt, as root), workerd (npm)
   * and wasmtime (pip) into the peer cache. Without it, a missing
   * redis-server fails the run and missing peers are left out.
   */
  install: boolean;
  /** A README whose headline block to refresh. */
  readme?: string;
}

/**
 * Runs the chosen experiments at `scale` and writes their results and the
 * report into `outDir`; resolves with the wall time in seconds.
 *
 * @example
 * ```ts ignore
 * await runBenchmarks("quick", Object.keys(EXPERIMENTS), "bench/results", { install: true });
 * ```
 */
export async function runBenchmarks(
  scale: Scale,
  names: string[],
  outDir: string,
  options: RunOptions,
): Promise<number> {
  const start = performance.now();
  const missing = await ensureRedisServer(options);
  if (missing) throw new Error(`the Redis baselines need it: ${missing}`);
  await Deno.mkdir(outDir, { recursive: true });
  const ctx: ExperimentContext = {
    scale,
    install: options.install,
    log: (message) => console.error(message),
  };
  for (const name of names) {
    console.error(`== ${name} (${scale})`);
    const envelope = await measured(name, ctx, () => EXPERIMENTS[name](ctx));
    await Deno.writeTextFile(
      `${outDir}/${name}.json`,
      JSON.stringify(envelope, null, 2) + "\n",
    );
  }
  await writeReport(outDir, options.readme);
  return Math.round((performance.now() - start) / 1000);
}

if (import.meta.main) {
  const { values } = parseArgs({
    args: Deno.args,
    options: { quick: { type: "boolean" }, only: { type: "string" } },
  });
  const names = values.only?.split(",") ?? Object.keys(EXPERIMENTS);
  const unknown = names.filter((n) => !(n in EXPERIMENTS));
  if (unknown.length) {
    console.error(
      `unknown experiment ${unknown.join(", ")}; known: ${
        Object.keys(EXPERIMENTS).join(", ")
      }`,
    );
    Deno.exit(2);
  }
  // An interrupted run must not leave nodes or redis-server behind.
  for (const signal of ["SIGINT", "SIGTERM"] as const) {
    Deno.addSignalListener(signal, () => {
      killTracked();
      Deno.exit(130);
    });
  }
  const scale: Scale = values.quick ? "quick" : "full";
  // Only a full run of everything speaks for the README's headline.
  const readme = scale === "full" && !values.only
    ? `${ROOT}README.md`
    : undefined;
  try {
    const seconds = await runBenchmarks(
      scale,
      names,
      `${ROOT}bench/results`,
      { install: true, readme },
    );
    console.log(
      `bench (${scale}) took ${seconds} s; see bench/results/REPORT.md`,
    );
  } finally {
    killTracked();
  }
}
