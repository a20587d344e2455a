/**
 * Invocation metrics in Prometheus text exposition format: counts, errors
 * by reason and a latency histogram, per function.
 *
 * @module
 */

import type { ExecutorStats } from "../runtime/executor/mod.ts";
import type { ModuleStore } from "../runtime/module/mod.ts";
import { History } from "./history.ts";

/** Upper bounds (seconds) of the latency histogram's buckets. */
const BUCKETS = [
  0.0001,
  0.00025,
  0.0005,
  0.001,
  0.0025,
  0.005,
  0.01,
  0.025,
  0.05,
  0.1,
  0.25,
  0.5,
  1,
  2.5,
  5,
  10,
];

/** Counts of observations per bucket of {@linkcode BUCKETS}, their sum and count. */
interface Histogram {
  buckets: number[];
  sumSeconds: number;
  count: number;
}

interface FunctionFigures extends Histogram {
  /** Made at the first failure: most functions never fail (density). */
  errors?: Map<string, number>;
}

function histogramOf(): Histogram {
  return {
    buckets: new Array(BUCKETS.length).fill(0),
    sumSeconds: 0,
    count: 0,
  };
}

function observe(h: Histogram, seconds: number): void {
  h.count++;
  h.sumSeconds += seconds;
  for (let i = 0; i < BUCKETS.length; i++) {
    if (seconds <= BUCKETS[i]) h.buckets[i]++;
  }
}

/** Node-level gauges sampled when metrics are scraped. */
export type GaugeSource = () => Record<
  string,
  { help: string; value: number; type?: "gauge" | "counter" }
>;

/**
 * Collects per-function invocation figures and renders them for `/metrics`.
 *
 * @example
 * ```ts
 * import { Metrics } from "./metrics.ts";
 * const metrics = new Metrics();
 * metrics.record("echo", 0.00004);
 * metrics.record("echo", 0.002, "trap");
 * console.log(metrics.render().includes('eddy_invocations_total{function="echo"} 2'));
 * ```
 */
export class Metrics {
  readonly #functions = new Map<string, FunctionFigures>();
  /** Time invocations waited for a worker, per function (a histogram). */
  readonly #waits = new Map<string, Histogram>();
  readonly #gauges: GaugeSource[] = [];
  /** Recent figures per function, for the console. */
  readonly history: History = new History();

  /** Adds gauges (name → help and value) sampled at each render. */
  addGauges(source: GaugeSource): void {
    this.#gauges.push(source);
  }

  /**
   * Records one invocation of `fn` that took `seconds`; `error` is its
   * failure reason, `failure` what the console shows of it.
   */
  record(
    fn: string,
    seconds: number,
    error?: string,
    failure?: { message: string; stderr: string },
  ): void {
    this.history.record(
      fn,
      seconds,
      error
        ? {
          reason: error,
          message: failure?.message ?? error,
          stderr: failure?.stderr ?? "",
        }
        : undefined,
    );
    let f = this.#functions.get(fn);
    if (!f) {
      f = histogramOf();
      this.#functions.set(fn, f);
    }
    observe(f, seconds);
    if (error) {
      const errors = f.errors ??= new Map();
      errors.set(error, (errors.get(error) ?? 0) + 1);
    }
  }

  /**
   * Records that an invocation of `fn` waited `seconds` for a worker
   * before it ran (its run time is {@linkcode Metrics.record}'s).
   */
  recordWait(fn: string, seconds: number): void {
    let w = this.#waits.get(fn);
    if (!w) this.#waits.set(fn, w = histogramOf());
    observe(w, seconds);
  }

  /** Invocations and failed invocations of `fn` since the node started. */
  count(fn: string): { invocations: number; errors: number } {
    const f = this.#functions.get(fn);
    let errors = 0;
    for (const n of f?.errors?.values() ?? []) errors += n;
    return { invocations: f?.count ?? 0, errors };
  }

  /** The gauges' current values by name. */
  gauges(): Record<string, number> {
    const values: Record<string, number> = {};
    for (const source of this.#gauges) {
      for (const [name, { value }] of Object.entries(source())) {
        values[name] = value;
      }
    }
    return values;
  }

  /** The Prometheus text exposition of every figure. */
  render(): string {
    const lines: string[] = [];
    const family = (name: string, type: string, help: string) =>
      lines.push(`# HELP ${name} ${help}`, `# TYPE ${name} ${type}`);

    family("eddy_invocations_total", "counter", "Invocations by function.");
    for (const [fn, f] of this.#functions) {
      lines.push(
        `eddy_invocations_total{function="${label(fn)}"} ${f.count}`,
      );
    }
    family(
      "eddy_invocation_errors_total",
      "counter",
      "Failed invocations by function and reason.",
    );
    for (const [fn, f] of this.#functions) {
      for (const [reason, n] of f.errors ?? []) {
        lines.push(
          `eddy_invocation_errors_total{function="${
            label(fn)
          }",reason="${reason}"} ${n}`,
        );
      }
    }
    family(
      "eddy_invocation_duration_seconds",
      "histogram",
      "Invocation duration by function.",
    );
    for (const [fn, f] of this.#functions) {
      histogram(lines, "eddy_invocation_duration_seconds", fn, f);
    }
    family(
      "eddy_invocation_queue_seconds",
      "histogram",
      "Time invocations waited for an executor before they ran, by function.",
    );
    for (const [fn, w] of this.#waits) {
      histogram(lines, "eddy_invocation_queue_seconds", fn, w);
    }
    for (const source of this.#gauges) {
      for (const [name, { help, value, type }] of Object.entries(source())) {
        family(name, type ?? "gauge", help);
        lines.push(`${name} ${value}`);
      }
    }
    return lines.join("\n") + "\n";
  }
}

/**
 * Density gauges: the compile cache's estimated bytes against its budget
 * (`--memory-budget`), and the compiled modules dropped to stay within it,
 * in the main isolate and in the executor workers.
 *
 * @example
 * ```ts
 * import { compiledModuleGauges, Metrics } from "./metrics.ts";
 * import { ModuleStore } from "../runtime/module/mod.ts";
 * const tmp = await Deno.makeTempDir();
 * const store = await ModuleStore.open(tmp);
 * const metrics = new Metrics();
 * metrics.addGauges(compiledModuleGauges(store, () => ({ evictions: 0 })));
 * console.log(metrics.gauges().eddy_modules_evicted_total); // 0
 * await Deno.remove(tmp, { recursive: true });
 * ```
 */
export function compiledModuleGauges(
  store: ModuleStore,
  executors: () => Pick<ExecutorStats, "evictions">,
): GaugeSource {
  return () => {
    const cache = store.compileCache;
    return {
      eddy_modules_compiled_bytes: {
        help:
          "Estimated bytes of compiled modules cached in the main isolate (20 KiB + 3 x module size each).",
        value: cache.bytes,
      },
      eddy_memory_budget_bytes: {
        help:
          "Budget for compiled modules per isolate, main and each worker (--memory-budget).",
        value: cache.budgetBytes,
      },
      eddy_modules_evicted_total: {
        help:
          "Compiled modules dropped from the main isolate's cache to stay within --memory-budget.",
        value: cache.evictions,
        type: "counter",
      },
      eddy_executor_modules_evicted_total: {
        help:
          "Compiled modules executor workers dropped to stay within --memory-budget.",
        value: executors().evictions,
        type: "counter",
      },
    };
  };
}

/** The lines of one function's histogram `name`. */
function histogram(
  lines: string[],
  name: string,
  fn: string,
  h: Histogram,
): void {
  const l = `function="${label(fn)}"`;
  BUCKETS.forEach((le, i) =>
    lines.push(`${name}_bucket{${l},le="${le}"} ${h.buckets[i]}`)
  );
  lines.push(
    `${name}_bucket{${l},le="+Inf"} ${h.count}`,
    `${name}_sum{${l}} ${h.sumSeconds}`,
    `${name}_count{${l}} ${h.count}`,
  );
}

function label(value: string): string {
  return value.replace(/[\\"\n]/g, (c) => c === "\n" ? "\\n" : `\\${c}`);
}
