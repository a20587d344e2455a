/**
 * Density at scale (issue 11): N functions of N distinct small modules on
 * one node (default 10,000). One node, default `--memory-budget`:
 *
 * 1. deploy: every module uploaded (8 at a time), then deployed in
 *    manifests of 1,000 functions; wall time and settled RSS before and
 *    after;
 * 2. cold first invocations: a sample of functions spread over the range,
 *    one at a time, each its module's first run (compile on demand), then
 *    the same ones again (warm); client-side latency over HTTP;
 * 3. every other function invoked once (8 at a time), RSS read every
 *    tenth of the way.
 *
 * Then the node is stopped and restarted on the same data dir with a small
 * `--memory-budget`: time to listening and to a first answer, the cold
 * sample again (nothing is compiled at start; measured after 50 warm
 * invocations of the first function, so that it is the modules that are
 * cold, not the process's code paths), and every function invoked
 * once more, RSS every tenth: under the budget it stays flat however many
 * distinct functions have run.
 *
 * @module
 */
import { numberedGuest } from "../tests/_helpers/numbered.ts";
import {
  type BenchNode,
  metric,
  request,
  ROOT,
  settledRss,
  startNode,
} from "./_nodes.ts";
import { round, summarize } from "./_stats.ts";

const MB = 2 ** 20;
const KB = 1024;
/** Uploads and invocations in flight at once. */
const CONCURRENCY = 8;
/** Invocations of an already compiled function before a restart's cold sample. */
const WARM_UP = 50;
/** Functions per manifest: well within the 1 MiB manifest bound. */
const PER_MANIFEST = 1000;

/** Latency percentiles in ms. */
export interface LatencyMs {
  n: number;
  p50: number;
  p99: number;
}

/** What one pass invoking every function once shows. */
export interface InvokedAll {
  /** `--memory-budget` of the node, MiB (per isolate). */
  budgetMB: number;
  /** RSS after each tenth of the functions had run once, MiB. */
  rssSeriesMB: number[];
  rssStartMB: number;
  rssEndMB: number;
  /** RSS growth per function run once, KiB. */
  perInvokedKB: number;
  /** Compiled modules held at the end: main isolate, workers (all). */
  compiledMain: number;
  compiledWorkers: number;
  /** Evictions in the main isolate and in the workers during the pass. */
  evictedMain: number;
  evictedWorkers: number;
}

/** What {@linkcode distinctModules} measures. */
export interface DistinctResults {
  modules: number;
  moduleBytes: number;
  workers: number;
  deploy: {
    seconds: number;
    /** Of which uploading the modules (8 at a time)... */
    uploadSeconds: number;
    /** ... and applying manifests of 1,000 functions. */
    manifestSeconds: number;
    uploadsPerSecond: number;
    rssBeforeMB: number;
    rssAfterMB: number;
    perFunctionKB: number;
  };
  coldFirstInvocationMs: LatencyMs;
  warmInvocationMs: LatencyMs;
  /**
   * The same for a module of realistic size: variants of the Rust sha256
   * example (71 KB), each its own digest (a custom section naming it),
   * deployed beside the others.
   */
  larger: { moduleBytes: number; cold: LatencyMs; warm: LatencyMs };
  invokedOnce: InvokedAll;
  restart: {
    /** From spawning `cli.ts serve` to its "listening" line. */
    listeningSeconds: number;
    /** From spawning to the first invocation answered (one cold compile). */
    servingSeconds: number;
    rssMB: number;
    coldFirstInvocationMs: LatencyMs;
    /** The sha256 variants cold again: their rewritten bytes come from disk. */
    largerColdMs: LatencyMs;
  };
  invokedOnceUnderBudget: InvokedAll;
}

/**
 * Runs the distinct-modules density experiment.
 *
 * @example
 * ```ts ignore
 * const results = await distinctModules({ count: 10_000, samples: 200, settleMs: 3000, budget: "16MiB" });
 * ```
 */
export async function distinctModules(options: {
  count: number;
  samples: number;
  settleMs: number;
  /** `--memory-budget` of the restarted node. */
  budget: string;
  log: (line: string) => void;
}): Promise<DistinctResults> {
  const { count, settleMs, log } = options;
  const modules = Array.from({ length: count }, (_, n) => numberedGuest(n));
  const names = modules.map((_, n) => `d${n}`);
  const step = Math.max(1, Math.floor(count / options.samples));
  const sample = names.filter((_, n) => n % step === 0).slice(
    0,
    options.samples,
  );
  const dataDir = await Deno.makeTempDir({ prefix: "eddy-bench-distinct-" });
  try {
    const node = await startNode({ id: "distinct", dataDir });
    let deployed: DistinctResults["deploy"];
    let cold: LatencyMs, warm: LatencyMs, invokedOnce: InvokedAll;
    let larger: DistinctResults["larger"];
    let workers: number;
    try {
      const rssBefore = await settledRss(node, settleMs);
      const started = performance.now();
      const uploadSeconds = await deployAll(node, names, modules);
      const seconds = (performance.now() - started) / 1000;
      const rssAfter = await settledRss(node, settleMs);
      deployed = {
        seconds: round(seconds, 1),
        uploadSeconds: round(uploadSeconds, 1),
        manifestSeconds: round(seconds - uploadSeconds, 1),
        uploadsPerSecond: Math.round(count / seconds),
        rssBeforeMB: round(rssBefore / MB, 1),
        rssAfterMB: round(rssAfter / MB, 1),
        perFunctionKB: round((rssAfter - rssBefore) / count / KB, 2),
      };
      log(`density: ${count} distinct modules deployed in ${seconds} s`);
      cold = await latencies(node, sample);
      warm = await latencies(node, sample);
      larger = await largerModules(node, options.samples);
      log(`density: cold first invocation p50 ${cold.p50} ms`);
      workers = await metric(node, "eddy_executor_workers");
      invokedOnce = await invokeAll(node, names, settleMs);
    } finally {
      await node.stop();
    }
    const spawned = performance.now();
    const restarted = await startNode({
      id: "distinct",
      dataDir,
      flags: ["--memory-budget", options.budget],
    });
    try {
      const listeningSeconds = (performance.now() - spawned) / 1000;
      await request(restarted, "POST", `/invoke/${sample[0]}`, "x");
      const servingSeconds = (performance.now() - spawned) / 1000;
      const rss = await settledRss(restarted, settleMs);
      // The process's own code paths warm up on one function, so that the
      // sample measures modules compiled cold, not a fresh isolate's JIT.
      await latencies(restarted, Array(WARM_UP).fill(sample[0]));
      const restartCold = await latencies(restarted, sample.slice(1));
      const largerCold = await latencies(restarted, largerNames(larger));
      log(`density: restart to serving ${round(servingSeconds, 2)} s`);
      return {
        modules: count,
        moduleBytes: modules[0].length,
        workers,
        deploy: deployed,
        coldFirstInvocationMs: cold,
        warmInvocationMs: warm,
        larger,
        invokedOnce,
        restart: {
          listeningSeconds: round(listeningSeconds, 2),
          servingSeconds: round(servingSeconds, 2),
          rssMB: round(rss / MB, 1),
          coldFirstInvocationMs: restartCold,
          largerColdMs: largerCold,
        },
        invokedOnceUnderBudget: await invokeAll(restarted, names, settleMs),
      };
    } finally {
      await restarted.stop();
    }
  } finally {
    await Deno.remove(dataDir, { recursive: true });
  }
}

/**
 * Uploads every module, then deploys them in manifests of 1,000; says how
 * long the uploads took (s).
 */
async function deployAll(
  node: BenchNode,
  names: string[],
  modules: Uint8Array<ArrayBuffer>[],
): Promise<number> {
  const started = performance.now();
  const digests: string[] = [];
  await inBatches(modules.length, async (n) => {
    const info = await request(node, "PUT", "/v1/modules", modules[n]);
    digests[n] = JSON.parse(new TextDecoder().decode(info)).digest;
  });
  const uploaded = performance.now();
  for (let i = 0; i < names.length; i += PER_MANIFEST) {
    const functions = names.slice(i, i + PER_MANIFEST).map((name, j) => ({
      name,
      module: digests[i + j],
    }));
    await request(node, "POST", "/v1/manifests", JSON.stringify({ functions }));
  }
  return (uploaded - started) / 1000;
}

/** Cold and warm latency of `count` variants of the sha256 example. */
async function largerModules(
  node: BenchNode,
  count: number,
): Promise<DistinctResults["larger"]> {
  const sha256 = await Deno.readFile(`${ROOT}examples/sha256/sha256.wasm`);
  const variants = Array.from({ length: count }, (_, n) => variant(sha256, n));
  const names = largerNames({ cold: { n: count } });
  await deployAll(node, names, variants);
  const cold = await latencies(node, names);
  return {
    moduleBytes: variants[0].length,
    cold,
    warm: await latencies(node, names),
  };
}

/** The functions {@linkcode largerModules} deployed. */
function largerNames(larger: { cold: { n: number } }): string[] {
  return Array.from({ length: larger.cold.n }, (_, n) => `sha${n}`);
}

/** `bytes` with a custom section named after `n`: the same code, its own digest. */
function variant(bytes: Uint8Array, n: number): Uint8Array<ArrayBuffer> {
  const name = new TextEncoder().encode(`v${String(n).padStart(8, "0")}`);
  const out = new Uint8Array(bytes.length + 3 + name.length);
  out.set(bytes);
  out.set([0, 1 + name.length, name.length, ...name], bytes.length);
  return out;
}

/** Client-side latency of one invocation of each of `names`, one at a time. */
async function latencies(node: BenchNode, names: string[]) {
  const ms: number[] = [];
  for (const name of names) {
    const started = performance.now();
    await request(node, "POST", `/invoke/${name}`, "x");
    ms.push(performance.now() - started);
  }
  const { n, p50, p99 } = summarize(ms);
  return { n, p50: round(p50), p99: round(p99) };
}

/** Invokes every function once, reading RSS every tenth of the way. */
async function invokeAll(
  node: BenchNode,
  names: string[],
  settleMs: number,
): Promise<InvokedAll> {
  const evicted = () =>
    Promise.all([
      metric(node, "eddy_modules_evicted_total"),
      metric(node, "eddy_executor_modules_evicted_total"),
    ]);
  const [mainBefore, workersBefore] = await evicted();
  const start = await settledRss(node, settleMs);
  const series: number[] = [];
  const tenth = Math.max(1, Math.ceil(names.length / 10));
  for (let i = 0; i < names.length; i += tenth) {
    const part = names.slice(i, i + tenth);
    await inBatches(
      part.length,
      (j) => request(node, "POST", `/invoke/${part[j]}`, "x"),
    );
    series.push(round(node.rss() / MB, 1));
  }
  const end = await settledRss(node, settleMs);
  const [mainAfter, workersAfter] = await evicted();
  return {
    budgetMB: round(await metric(node, "eddy_memory_budget_bytes") / MB, 1),
    rssSeriesMB: series,
    rssStartMB: round(start / MB, 1),
    rssEndMB: round(end / MB, 1),
    perInvokedKB: round((end - start) / names.length / KB, 2),
    compiledMain: await metric(node, "eddy_modules_compiled"),
    compiledWorkers: await metric(node, "eddy_executor_modules"),
    evictedMain: mainAfter - mainBefore,
    evictedWorkers: workersAfter - workersBefore,
  };
}

/** Runs `task(0..count-1)`, `CONCURRENCY` at a time. */
async function inBatches(
  count: number,
  task: (i: number) => Promise<unknown>,
): Promise<void> {
  let next = 0;
  await Promise.all(
    Array.from({ length: CONCURRENCY }, async () => {
      while (next < count) await task(next++);
    }),
  );
}
