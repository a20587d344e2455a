/**
 * Experiment 2a (Sledge, Middleware '20): new-instance start-up, in
 * process, the way an executor worker starts an invocation of a module it
 * cannot reset (`runtime/module/reset.ts`): the echo
 * example compiled with its memory imported (`withImportedMemory`), a
 * recycled memory from a `MemoryPool`, `runGuestSync` with 1 KB of stdin
 * (instantiate, run `_start`) writing stdout into the worker's kind of
 * `BudgetedOutput`, then copied out into a 16 KiB buffer (where a worker
 * copies a small output into its ring's slot). Floors, in turns with it: a
 * bare `new WebAssembly.Instance` of the module as uploaded (its own fresh
 * memory) and of the rewritten module given a recycled memory; and what
 * a worker does now for a resettable module: the same run in the
 * instance it keeps warm (`WarmInstances`), put back after each run.
 * Target: p50 ≤ 10 µs.
 *
 * Then the executors' throughput without HTTP (bench/_executor_throughput.ts),
 * and a whole node's start: spawn `serve` on a data directory holding
 * echo and time it to its first successful invocation, from source
 * (`cli.ts`) and from the single-file bundle, beside the floor of a bare
 * Deno.serve that starts two workers and answers through one
 * (bench/_hello_server.ts). Target: p50 ≤ 300 ms, both ways.
 *
 * @module
 */
import {
  MemoryPool,
  runGuestSync,
  WarmInstances,
} from "../runtime/executor/mod.ts";
import { BudgetedOutput } from "../runtime/executor/budgeted_output.ts";
import { MemoryBudget } from "../runtime/memory_budget.ts";
import {
  MEMORY_IMPORT,
  pagesWithin,
  prepare,
  withImportedMemory,
} from "../runtime/module/mod.ts";
import { WasiHost } from "../runtime/wasi/mod.ts";
import { byScale, type ExperimentContext } from "./_experiment.ts";
import { ROOT } from "./_nodes.ts";
import { findWasmtimeHarness, WASMTIME_VERSION } from "./peers.ts";
import { round, summarize, type Summary } from "./_stats.ts";
import { runWasmtimeHarness } from "./_wasmtime.ts";
import {
  type ExecutorThroughput,
  measureExecutorThroughput,
} from "./_executor_throughput.ts";
import { bundle } from "../scripts/mod.ts";
import {
  dataDirWithEcho,
  serveArgs,
  type StartTimes,
  startTimes,
} from "./_start.ts";

/** p50/p99 in µs of each way of starting an instance. */
export interface Instantiation {
  floorFresh: Summary;
  floorRecycled: Summary;
  invoke: Summary;
  /** The same run in a warm instance, put back after it (what a worker does). */
  warm: Summary;
}

/** Start-ups of one kind timed back to back before the next kind's turn. */
const BLOCK = 500;

/**
 * Times `iterations` instance start-ups of each kind (after `warmup`
 * unmeasured ones), in turns of {@link BLOCK} per kind so that every kind
 * sees the same machine. Not one of each in turn: a fresh memory's
 * page-table work evicts the caches the next start-up would find warm, as
 * it does in a worker, which starts invocation after invocation and never
 * makes a fresh memory between them (measured here: eddy's p50 7 µs in a
 * block, 13.5 µs right after each fresh-memory floor).
 *
 * @example
 * ```ts ignore
 * const { invoke } = measureInstantiation(5000, 1000);
 * console.log(invoke.p50); // µs
 * ```
 */
export function measureInstantiation(
  iterations: number,
  warmup: number,
): Instantiation {
  const echoBytes = Deno.readFileSync(`${ROOT}examples/echo/echo.wasm`);
  const input = crypto.getRandomValues(new Uint8Array(1024));
  const uploaded = new WebAssembly.Module(echoBytes);
  const pages = pagesWithin(128 << 20);
  const { bytes, memory: limits } = withImportedMemory(echoBytes, pages);
  const module = new WebAssembly.Module(bytes);
  // As a node prepares it: resettable, so that a worker keeps it warm; its
  // memory's shape is `limits`.
  const resettable = new WebAssembly.Module(prepare(echoBytes, pages).bytes);
  const memories = new MemoryPool();
  const warms = new WarmInstances({ memories });
  const budget = new MemoryBudget(64 << 20);
  const slot = new Uint8Array(16 << 10);
  const imports = new WasiHost().imports;
  const spec = {
    fn: "echo",
    args: ["echo"],
    env: {},
    preopens: [],
    timeoutMs: 1000,
    maxMemoryBytes: 128 << 20,
    maxOutputBytes: 1 << 20,
  };
  const kept = memories.acquire(limits);
  const withKept = {
    ...imports,
    [MEMORY_IMPORT.module]: { [MEMORY_IMPORT.name]: kept },
  };
  // Each kind returns what to do after its clock stops: a memory's release
  // (zeroing) is not timed, as wasmtime's store teardown is not.
  const kinds: Array<() => (() => void) | void> = [
    () => void new WebAssembly.Instance(uploaded, imports),
    () => void new WebAssembly.Instance(module, withKept),
    () => {
      const memory = memories.acquire(limits);
      const stdout = new BudgetedOutput(spec.maxOutputBytes, budget);
      const result = runGuestSync({ module, memory }, spec, {
        stdin: input,
        stdout,
      });
      slot.set(result.stdout);
      stdout.clear();
      budget.release(stdout.reserved);
      return () => {
        memories.release(memory, limits);
        if (result.stdout.byteLength !== input.byteLength) {
          throw new Error(`echo returned ${result.stdout.byteLength} bytes`);
        }
      };
    },
    () => {
      const warm = warms.take(resettable, limits);
      const stdout = new BudgetedOutput(spec.maxOutputBytes, budget);
      const result = runGuestSync(
        { module: resettable, memory: warm.memory, warm },
        spec,
        { stdin: input, stdout },
      );
      slot.set(result.stdout);
      stdout.clear();
      budget.release(stdout.reserved);
      return () => {
        // Putting it back (zeroing, rewriting) is not timed, as a
        // recycled memory's zeroing is not.
        warms.give(warm);
        if (result.stdout.byteLength !== input.byteLength) {
          throw new Error(`echo returned ${result.stdout.byteLength} bytes`);
        }
      };
    },
  ];
  const samples: number[][] = kinds.map(() => []);
  const turn = (count: number, record: boolean) =>
    kinds.forEach((startUp, kind) => {
      for (let i = 0; i < count; i++) {
        const t0 = performance.now();
        const after = startUp();
        const t1 = performance.now();
        after?.();
        if (record) samples[kind].push((t1 - t0) * 1000);
      }
    });
  turn(warmup, false);
  for (let done = 0; done < iterations; done += BLOCK) {
    turn(Math.min(BLOCK, iterations - done), true);
  }
  const [fresh, recycled, invoke, warm] = samples.map(summarize);
  return { floorFresh: fresh, floorRecycled: recycled, invoke, warm };
}

/** p50 and p99 of `n` samples, µs. */
export interface Brief {
  p50: number;
  p99: number;
  n: number;
}

/** wasmtime's figures beside eddy's, or why it was not measured. */
export type WasmtimeStartup =
  | {
    version: string;
    /** wasmtime's WASI preview1, pooling allocator. */
    wasiPooling: Brief;
    /** Host functions of ours (echo's five imports), pooling allocator. */
    minimalHostPooling: Brief;
    /** eddy's p50 over each wasmtime p50. */
    eddyRatio: { wasiPooling: number; minimalHostPooling: number };
  }
  | { missing: string };

/** A node's start to its first successful invocation, ms. */
export interface ProcessStartup {
  fromSource: StartTimes;
  bundled: StartTimes;
  /** Deno.serve starting two workers, to its first answer through one. */
  floorDenoServeTwoWorkers: StartTimes;
  target: { maxP50Ms: number; sourceMet: boolean; bundledMet: boolean };
}

/** What the start-up experiment writes (µs, and ms for `process`). */
export interface StartupResults {
  unit: "µs";
  invokeEcho1KB: Brief;
  /** Absent from results of runs before warm instances. */
  warmEcho1KB?: Brief;
  floorInstanceFreshMemory: Brief;
  floorInstanceRecycledMemory: Brief;
  wasmtime: WasmtimeStartup;
  target: { maxP50: number; value: number; met: boolean };
  process: ProcessStartup;
  /** Absent from results of runs before it was measured. */
  executors?: ExecutorThroughput;
}

/** Issue 9's start-up target: p50 of instantiate + run echo 1 KB, µs. */
const TARGET_P50_US = 10;
/** Issue 9's target for a node's start to its first invocation, ms. */
const TARGET_PROCESS_P50_MS = 300;

const brief = (s: Summary): Brief => ({
  p50: round(s.p50),
  p99: round(s.p99),
  n: s.n,
});

/**
 * Runs the start-up experiment in this process, then wasmtime's harness.
 * `ctx.install` lets it install the pip package when missing.
 *
 * @example
 * ```ts ignore
 * const results = await runStartup({ scale: "quick", install: true, log: console.error });
 * ```
 */
export async function runStartup(
  ctx: ExperimentContext,
): Promise<StartupResults> {
  const iterations = byScale(ctx.scale, {
    full: 50_000,
    quick: 5000,
    tiny: 200,
  });
  const warmup = byScale(ctx.scale, { full: 2000, quick: 1000, tiny: 50 });
  const m = measureInstantiation(iterations, warmup);
  ctx.log(
    `startup: p50 ${round(m.invoke.p50)} µs, p99 ${round(m.invoke.p99)} µs`,
  );
  const wasmtime = await measureWasmtime(
    ctx,
    iterations,
    warmup,
    m.invoke.p50,
  );
  ctx.log(
    "missing" in wasmtime
      ? `startup: wasmtime not measured: ${wasmtime.missing}`
      : `startup: wasmtime p50 ${wasmtime.wasiPooling.p50} µs (WASI), ${wasmtime.minimalHostPooling.p50} µs (minimal host functions)`,
  );
  const executors = await measureExecutorThroughput(
    byScale(ctx.scale, { full: 5000, quick: 2000, tiny: 300 }),
    byScale(ctx.scale, { full: 1000, quick: 500, tiny: 100 }),
  );
  ctx.log(
    `startup: executors ${executors.jobsPerS} jobs/s, ${executors.cpuUsPerJob} µs CPU a job`,
  );
  const process = await measureProcessStartup(ctx);
  ctx.log(
    `startup: start to first invocation p50 ${process.fromSource.p50} ms from source, ${process.bundled.p50} ms bundled (floor ${process.floorDenoServeTwoWorkers.p50} ms)`,
  );
  return {
    unit: "µs",
    process,
    invokeEcho1KB: brief(m.invoke),
    warmEcho1KB: brief(m.warm),
    floorInstanceFreshMemory: brief(m.floorFresh),
    floorInstanceRecycledMemory: brief(m.floorRecycled),
    executors,
    wasmtime,
    target: {
      maxP50: TARGET_P50_US,
      value: round(m.invoke.p50),
      met: m.invoke.p50 <= TARGET_P50_US,
    },
  };
}

async function measureWasmtime(
  ctx: ExperimentContext,
  iterations: number,
  warmup: number,
  eddyP50: number,
): Promise<WasmtimeStartup> {
  const harness = await findWasmtimeHarness({ install: ctx.install });
  if ("missing" in harness) return harness;
  const samples = await runWasmtimeHarness(harness.path, iterations, warmup);
  const wasi = summarize(samples.wasi);
  const minimal = summarize(samples.minimal);
  return {
    version: WASMTIME_VERSION,
    wasiPooling: brief(wasi),
    minimalHostPooling: brief(minimal),
    eddyRatio: {
      wasiPooling: round(eddyP50 / wasi.p50, 3),
      minimalHostPooling: round(eddyP50 / minimal.p50, 3),
    },
  };
}

/** A node's start to first invocation from source and bundled, and the floor. */
async function measureProcessStartup(
  ctx: ExperimentContext,
): Promise<ProcessStartup> {
  const starts = byScale(ctx.scale, { full: 9, quick: 5, tiny: 1 });
  const echo = Deno.readFileSync(`${ROOT}examples/echo/echo.wasm`);
  const tmp = await Deno.makeTempDir({ prefix: "eddy-startup-" });
  try {
    const bundled = `${tmp}/eddy.js`;
    await bundle(bundled);
    const times = async (run: string[]) => {
      const dataDir = await dataDirWithEcho(run, tmp, echo);
      return await startTimes(
        (port) => serveArgs(run, dataDir, [], port),
        "/invoke/echo",
        starts,
      );
    };
    const fromSource = await times(["run", "-A", `${ROOT}cli.ts`]);
    const fromBundle = await times(["run", "-A", bundled]);
    const floor = await startTimes(
      (port) => ["run", "-A", `${ROOT}bench/_hello_server.ts`, String(port)],
      "/worker",
      starts,
    );
    return {
      fromSource,
      bundled: fromBundle,
      floorDenoServeTwoWorkers: floor,
      target: {
        maxP50Ms: TARGET_PROCESS_P50_MS,
        sourceMet: fromSource.p50 <= TARGET_PROCESS_P50_MS,
        bundledMet: fromBundle.p50 <= TARGET_PROCESS_P50_MS,
      },
    };
  } finally {
    await Deno.remove(tmp, { recursive: true });
  }
}
