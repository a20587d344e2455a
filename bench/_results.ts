/**
 * The results a report is written from: every experiment's envelope found
 * in a results directory.
 *
 * @module
 */
import type { DensityResults } from "./density.ts";
import type { ExchangeResults } from "./exchange.ts";
import type { ResultEnvelope } from "./_experiment.ts";
import type { FloorResults } from "./floors.ts";
import type { ServingResults } from "./serving.ts";
import type { StartupResults } from "./startup.ts";
import type { WorkflowResults } from "./workflows.ts";
import type { StateResults } from "./state.ts";
import type { StateClusterResults } from "./state_cluster.ts";

/** Every experiment's results that exist in a results directory. */
export interface Results {
  floors?: ResultEnvelope<FloorResults>;
  startup?: ResultEnvelope<StartupResults>;
  serving?: ResultEnvelope<ServingResults>;
  density?: ResultEnvelope<DensityResults>;
  exchange?: ResultEnvelope<ExchangeResults>;
  workflows?: ResultEnvelope<WorkflowResults>;
  state?: ResultEnvelope<StateResults>;
  "state-cluster"?: ResultEnvelope<StateClusterResults | { skipped: string }>;
}

/** The experiments a report knows, in the order it shows them. */
export const NAMES = [
  "floors",
  "startup",
  "serving",
  "density",
  "exchange",
  "workflows",
  "state",
  "state-cluster",
] as const;

/**
 * Reads `<dir>/<name>.json` for every experiment whose results are there.
 *
 * @example
 * ```ts ignore
 * const results = await readResults("bench/results");
 * ```
 */
export async function readResults(dir: string): Promise<Results> {
  const results: Record<string, unknown> = {};
  for (const name of NAMES) {
    try {
      results[name] = JSON.parse(
        await Deno.readTextFile(`${dir}/${name}.json`),
      );
    } catch (error) {
      if (!(error instanceof Deno.errors.NotFound)) throw error;
    }
  }
  return results as Results;
}
