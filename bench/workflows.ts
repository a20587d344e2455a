/**
 * Experiment 3 (DataFlower, ASPLOS '24): a four-step workflow with a
 * fan-out and a fan-in, A → {B, C} → D (uppercase → {sha256, wordcount} →
 * echo of both outputs), on 16 KB of text, under fixed arrival rates (open
 * loop, a few seconds per rate, bounded in flight and in drain time):
 *
 * - `dataflow`: eddy's workflow on one node (`POST /workflows/df`): each
 *   step starts when its inputs arrive, outputs are pushed in memory;
 * - `controlflow`: bench/_orchestrator.ts, a process that calls each step
 *   through eddy's `/invoke` after the previous finished, intermediates
 *   through a real redis-server (B and C in parallel).
 *
 * Both run on the same node with the same functions; every answer is
 * checked against the expected output. p50/p99 latency at each rate, and
 * peak throughput from a closed loop of 32 requests in flight.
 * Targets: data-flow p99 ≤ 60% of control-flow's at the same rate, and
 * peak throughput ≥ 2x.
 *
 * @module
 */
import { byScale, type ExperimentContext } from "./_experiment.ts";
import { closedLoop, type LoopResult, openLoop } from "./_loops.ts";
import {
  deploy,
  deployWorkflow,
  request,
  ROOT,
  startDeno,
  startNode,
} from "./_nodes.ts";
import { startRedis } from "./_redis.ts";
import { round, summarize } from "./_stats.ts";

const SYSTEMS = ["dataflow", "controlflow"] as const;
type System = typeof SYSTEMS[number];

const WORKFLOW = `name: df
steps:
  - { name: a, function: uppercase }
  - { name: b, function: sha256, after: [a] }
  - { name: c, function: wordcount, after: [a] }
  - { name: d, function: echo, after: [b, c] }
`;

/** 16 KB of lines of words: text for uppercase and wordcount to chew on. */
function textInput(bytes = 16 * 1024): Uint8Array<ArrayBuffer> {
  const words = ["edge", "wasm", "data", "flow", "node", "eddy", "byte"];
  let text = "";
  for (let i = 0; text.length < bytes; i++) {
    text += words[i % words.length] + (i % 12 === 11 ? "\n" : " ");
  }
  return new TextEncoder().encode(text.slice(0, bytes));
}

/** One rate's figures for one system. */
export interface RateStep {
  rate: number;
  sent: number;
  completed: number;
  errors: number;
  dropped: number;
  timedOut: number;
  achievedPerSecond: number;
  latencyP50Ms: number;
  latencyP99Ms: number;
}

/** What the workflow experiment writes. */
export interface WorkflowResults {
  workflow: string;
  inputBytes: number;
  secondsPerRate: number;
  systems: Record<System, string>;
  /** One run at a time: where a run's time goes. */
  unloaded: Unloaded;
  rates: Record<System, RateStep[]>;
  peak: Record<
    System,
    { concurrency: number; perSecond: number; p50Ms: number; p99Ms: number }
  >;
  targets: {
    p99RatioAtEachRate: { rate: number; ratio: number; met: boolean }[];
    p99MaxRatio: number;
    peakThroughputRatio: { min: number; value: number; met: boolean };
  };
}

/**
 * Runs the workflow experiment: one node, redis-server, the orchestrator.
 *
 * @example
 * ```ts ignore
 * const results = await runWorkflows({ scale: "quick", log: console.error });
 * ```
 */
export async function runWorkflows(
  ctx: ExperimentContext,
): Promise<WorkflowResults> {
  await using stack = new AsyncDisposableStack();
  const redis = stack.use(await startRedis());
  const node = stack.use(await startNode({ id: "wf" }));
  const example = (name: string) =>
    Deno.readFileSync(`${ROOT}examples/${name}/${name}.wasm`);
  await deploy(node, [
    { name: "uppercase", wasm: example("uppercase") },
    { name: "sha256", wasm: example("sha256") },
    { name: "wordcount", wasm: example("wordcount") },
    { name: "echo", wasm: example("echo") },
  ]);
  await deployWorkflow(node, WORKFLOW);
  const orchestrator = stack.use(
    await startDeno([
      `${ROOT}bench/_orchestrator.ts`,
      node.url,
      String(redis.port),
      "uppercase",
      "sha256",
      "wordcount",
      "echo",
    ]),
  );
  const input = textInput();
  const expected = await request(node, "POST", "/workflows/df", input);
  const urls: Record<System, string> = {
    dataflow: `${node.url}/workflows/df`,
    controlflow: `${orchestrator.url}/run`,
  };
  const call = async (system: System, signal?: AbortSignal) => {
    const res = await fetch(urls[system], {
      method: "POST",
      body: input,
      signal,
    });
    const output = new Uint8Array(await res.arrayBuffer());
    if (res.status !== 200 || !same(output, expected)) {
      throw new Error(
        `${system}: ${res.status} ${
          new TextDecoder().decode(output.subarray(0, 300))
        }`,
      );
    }
  };
  // Warm both paths (JIT, connections, workers) before measuring.
  for (const system of SYSTEMS) {
    await closedLoop({
      concurrency: 4,
      maxMs: 500,
      maxCount: 200,
      run: () => call(system),
    });
  }
  const unloaded = await profile(
    node.url,
    input,
    () => call("controlflow"),
    byScale(ctx.scale, { full: 100, quick: 30, tiny: 3 }),
  );
  const seconds = byScale(ctx.scale, { full: 5, quick: 2, tiny: 1 });
  const rates = byScale(ctx.scale, {
    full: [20, 50, 100, 200, 400],
    quick: [20, 50, 100, 200, 400],
    tiny: [20],
  });
  const steps: Record<System, RateStep[]> = { dataflow: [], controlflow: [] };
  for (const rate of rates) {
    for (const system of SYSTEMS) {
      const r = await openLoop({
        rate,
        durationMs: seconds * 1000,
        maxInFlight: 512,
        drainMs: 10_000,
        run: (signal) => call(system, signal),
      });
      if (r.errors > 0) throw new Error(`${system}: ${r.firstError}`);
      steps[system].push(rateStep(r));
      ctx.log(
        `workflows ${system} at ${rate}/s: p50 ${
          steps[system].at(-1)!.latencyP50Ms
        } ms, p99 ${steps[system].at(-1)!.latencyP99Ms} ms`,
      );
    }
  }
  const peak = {} as WorkflowResults["peak"];
  for (const system of SYSTEMS) {
    const r = await closedLoop({
      concurrency: 32,
      maxMs: byScale(ctx.scale, { full: 5000, quick: 2000, tiny: 500 }),
      maxCount: 100_000,
      run: () => call(system),
    });
    if (r.errors > 0) throw new Error(`${system}: ${r.firstError}`);
    peak[system] = peakOf(r);
    ctx.log(`workflows ${system} peak: ${peak[system].perSecond}/s`);
  }
  const p99RatioAtEachRate = rates.map((rate, i) => {
    const ratio = steps.dataflow[i].latencyP99Ms /
      steps.controlflow[i].latencyP99Ms;
    return { rate, ratio: round(ratio, 3), met: ratio <= 0.6 };
  });
  const peakRatio = peak.dataflow.perSecond / peak.controlflow.perSecond;
  return {
    workflow: WORKFLOW,
    inputBytes: input.byteLength,
    secondsPerRate: seconds,
    systems: {
      dataflow: "eddy data-flow workflow on one node (memory edges)",
      controlflow:
        "orchestrator process: /invoke per step after the previous, intermediates SET/GET in Redis, B and C in parallel",
    },
    unloaded,
    rates: steps,
    peak,
    targets: {
      p99RatioAtEachRate,
      p99MaxRatio: 0.6,
      peakThroughputRatio: {
        min: 2,
        value: round(peakRatio, 2),
        met: peakRatio >= 2,
      },
    },
  };
}

/** p50 figures of runs made one at a time, in ms. */
export interface Unloaded {
  dataflowMs: number;
  controlflowMs: number;
  /** Each data-flow step's duration in the trace (with executor dispatch). */
  dataflowStepMs: Record<string, number>;
  /** Each function's guest run time alone (`x-eddy-duration-ms` of /invoke). */
  guestMs: Record<string, number>;
}

/**
 * Runs each system `n` times one at a time, and each function once per
 * round through /invoke, for the unloaded latencies and the share of guest
 * compute in them.
 */
async function profile(
  url: string,
  input: Uint8Array<ArrayBuffer>,
  controlflow: () => Promise<void>,
  n: number,
): Promise<Unloaded> {
  const df: number[] = [], cf: number[] = [];
  const steps: Record<string, number[]> = {};
  const guest: Record<string, number[]> = {};
  const upper = new TextEncoder().encode(
    new TextDecoder().decode(input).toUpperCase(),
  );
  const inputs: Record<string, Uint8Array<ArrayBuffer>> = {
    uppercase: input,
    sha256: upper,
    wordcount: upper,
    echo: new TextEncoder().encode("0".repeat(64) + "\n0 0 0\n"),
  };
  for (let i = 0; i < n; i++) {
    let t = performance.now();
    const res = await fetch(`${url}/workflows/df`, {
      method: "POST",
      body: input,
    });
    await res.arrayBuffer();
    df.push(performance.now() - t);
    for (const e of JSON.parse(res.headers.get("x-eddy-trace")!)) {
      if (e.kind === "step") (steps[e.step] ??= []).push(e.durationMs);
    }
    t = performance.now();
    await controlflow();
    cf.push(performance.now() - t);
    for (const [fn, body] of Object.entries(inputs)) {
      const r = await fetch(`${url}/invoke/${fn}`, { method: "POST", body });
      await r.arrayBuffer();
      (guest[fn] ??= []).push(Number(r.headers.get("x-eddy-duration-ms")));
    }
  }
  const p50 = (x: number[]) => round(summarize(x).p50, 3);
  const p50s = (m: Record<string, number[]>) =>
    Object.fromEntries(Object.entries(m).map(([k, v]) => [k, p50(v)]));
  return {
    dataflowMs: p50(df),
    controlflowMs: p50(cf),
    dataflowStepMs: p50s(steps),
    guestMs: p50s(guest),
  };
}

function same(a: Uint8Array, b: Uint8Array): boolean {
  return a.byteLength === b.byteLength && a.every((x, i) => x === b[i]);
}

function rateStep(r: Awaited<ReturnType<typeof openLoop>>): RateStep {
  const s = summarize(r.latencies);
  return {
    rate: r.rate,
    sent: r.sent,
    completed: r.completed,
    errors: r.errors,
    dropped: r.dropped,
    timedOut: r.timedOut,
    achievedPerSecond: round(r.perSecond, 1),
    latencyP50Ms: round(s.p50, 3),
    latencyP99Ms: round(s.p99, 3),
  };
}

function peakOf(r: LoopResult) {
  const s = summarize(r.latencies);
  return {
    concurrency: 32,
    perSecond: round(r.perSecond, 1),
    p50Ms: round(s.p50, 3),
    p99Ms: round(s.p99, 3),
  };
}
