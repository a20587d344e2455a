/**
 * What every experiment shares: its scale, its log, and the envelope its
 * results are written in.
 *
 * @module
 */
import { type Machine, machine } from "../scripts/mod.ts";

/**
 * How big a run is: `full` for the report, `quick` for a run of a few
 * minutes, `tiny` for the harness test (one size, one rate, a handful of
 * iterations).
 */
export type Scale = "full" | "quick" | "tiny";

/** What the runner hands each experiment. */
export interface ExperimentContext {
  scale: Scale;
  /**
   * Whether a missing peer runtime (workerd, wasmtime) may be installed;
   * without it an experiment measures only the peers already there.
   */
  install: boolean;
  /** Progress lines (stderr), so stdout stays for summaries. */
  log(message: string): void;
}

/** The JSON written as `bench/results/<benchmark>.json`. */
export interface ResultEnvelope<T> {
  benchmark: string;
  scale: Scale;
  machine: Machine;
  /** Wall time of the experiment, seconds. */
  seconds: number;
  results: T;
}

/**
 * What a script run on its own (`deno run -A bench/<name>.ts`) writes
 * beside its figures, in place of an envelope.
 */
export interface Standalone {
  benchmark: string;
  quick: boolean;
  machine: Machine;
  /** The 1-minute load average before and after the run. */
  loadAverage: { before: number; after: number };
}

/**
 * Runs `body` and wraps what it returns with the machine it ran on and how
 * long it took.
 *
 * @example
 * ```ts ignore
 * const envelope = await measured("startup", ctx, () => runStartup(ctx));
 * ```
 */
export async function measured<T>(
  benchmark: string,
  ctx: ExperimentContext,
  body: () => Promise<T>,
): Promise<ResultEnvelope<T>> {
  const at = machine();
  const start = performance.now();
  const results = await body();
  return {
    benchmark,
    scale: ctx.scale,
    machine: at,
    seconds: Math.round((performance.now() - start) / 100) / 10,
    results,
  };
}

/**
 * The value for this scale.
 *
 * @example
 * ```ts
 * import { byScale } from "./_experiment.ts";
 * console.log(byScale("quick", { full: 10, quick: 3, tiny: 1 })); // 3
 * ```
 */
export function byScale<T>(scale: Scale, values: Record<Scale, T>): T {
  return values[scale];
}

/** Bytes as the benchmarks label payloads: 1KB, 64KB, 1MB, 256MB (powers of 1024). */
export function sizeLabel(bytes: number): string {
  if (bytes >= 1 << 20) return `${bytes / (1 << 20)}MB`;
  return `${bytes / 1024}KB`;
}

const KB = 1024;
const MB = 1024 * 1024;

/**
 * The payload sizes the data-movement experiments sweep: 1 KB to 64 MB,
 * and 256 MB in the full run.
 *
 * @example
 * ```ts
 * import { payloadSizes } from "./_experiment.ts";
 * console.log(payloadSizes("tiny")); // [1024]
 * ```
 */
export function payloadSizes(scale: Scale): number[] {
  return byScale(scale, {
    full: [KB, 64 * KB, MB, 16 * MB, 64 * MB, 256 * MB],
    quick: [KB, 64 * KB, MB, 16 * MB, 64 * MB],
    tiny: [KB],
  });
}

/**
 * How many times to measure a payload of `bytes`: `small` for up to 64 KB,
 * fewer as payloads grow; a fifth (at least 3) in a quick run, 5 when tiny.
 *
 * @example
 * ```ts
 * import { iterationsFor } from "./_experiment.ts";
 * console.log(iterationsFor("full", 1024 * 1024, 300)); // 100
 * ```
 */
export function iterationsFor(
  scale: Scale,
  bytes: number,
  small: number,
): number {
  if (scale === "tiny") return 5;
  const full = bytes <= 64 * KB
    ? small
    : bytes <= MB
    ? 100
    : bytes <= 16 * MB
    ? 20
    : bytes <= 64 * MB
    ? 8
    : 4;
  return scale === "full" ? full : Math.max(3, Math.ceil(full / 5));
}
