/**
 * The results a report is written from: every experiment's envelope found
 * in a results directory. Scripts run on their own (footprint, preempt,
 * admission) write their results whole, without an envelope: they are read
 * into one, with no wall time.
 *
 * @module
 */
import type { AdmissionResults } from "./admission.ts";
import type { DensityResults } from "./density.ts";
import type { ExchangeResults } from "./exchange.ts";
import type { ResultEnvelope, Standalone } from "./_experiment.ts";
import type { FloorResults } from "./floors.ts";
import type { FootprintResults } from "./footprint.ts";
import type { PreemptResults } from "./preempt.ts";
import type { ServingResults } from "./serving.ts";
import type { StartupResults } from "./startup.ts";
import type { WorkflowResults } from "./workflows.ts";
import type { StateResults } from "./state.ts";
import type { StateClusterResults } from "./state_cluster.ts";

/** A standalone script's results in an envelope: its wall time is unknown. */
export type Unenveloped<T> = Omit<ResultEnvelope<T>, "seconds"> & {
  seconds?: undefined;
};

/** Every experiment's results that exist in a results directory. */
export interface Results {
  floors?: ResultEnvelope<FloorResults>;
  startup?: ResultEnvelope<StartupResults>;
  footprint?: Unenveloped<FootprintResults>;
  serving?: ResultEnvelope<ServingResults>;
  density?: ResultEnvelope<DensityResults>;
  preempt?: Unenveloped<PreemptResults>;
  admission?: Unenveloped<AdmissionResults>;
  exchange?: ResultEnvelope<ExchangeResults>;
  workflows?: ResultEnvelope<WorkflowResults>;
  state?: ResultEnvelope<StateResults>;
  "state-cluster"?: ResultEnvelope<StateClusterResults | { skipped: string }>;
}

/** The experiments a report knows, in the order it shows them. */
export const NAMES = [
  "floors",
  "startup",
  "footprint",
  "serving",
  "density",
  "preempt",
  "admission",
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
      results[name] = enveloped(
        JSON.parse(await Deno.readTextFile(`${dir}/${name}.json`)),
      );
    } catch (error) {
      if (!(error instanceof Deno.errors.NotFound)) throw error;
    }
  }
  return results as Results;
}

/**
 * A result file as an envelope: an envelope as it is; a standalone
 * script's results (`quick`, `machine` and its figures) wrapped whole.
 */
function enveloped(
  json: ResultEnvelope<unknown> | Standalone,
): ResultEnvelope<unknown> | Unenveloped<unknown> {
  if ("results" in json) return json;
  return {
    benchmark: json.benchmark,
    scale: json.quick ? "quick" : "full",
    machine: json.machine,
    results: json,
  };
}
