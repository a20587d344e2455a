/**
 * Experiment 1 (CWASI, SEC '23): inter-function data exchange. A producer
 * (`gen`: writes N bytes) chained to a consumer (`sink`: reads them and
 * answers their count), so that compute is negligible and moving the N
 * bytes from one function to the other dominates. Systems:
 *
 * - eddy `memory`, `unix`, `http2`: a two-step workflow invoked on node a
 *   whose steps are pinned (`on:`) to one node, to two nodes with the same
 *   `--host-id`, or to two nodes with different host ids; each run's
 *   `x-eddy-trace` must show the producer→consumer edge in that mode, and
 *   its `transferMs` is the edge transfer time;
 * - `redis`, the remote-store baseline CWASI compares against: a
 *   client-side orchestrator (this process) invokes the producer through
 *   eddy's HTTP API, SETs its output into a real redis-server, GETs it back
 *   on the consumer's behalf and invokes the consumer with it (eddy's guests
 *   have no sockets, so the store calls cannot live inside them; the
 *   orchestrator does what each function's runtime would);
 * - `http1`: plain HTTP/1.1 through the invocation API, the orchestrating
 *   client carrying the payload from the producer's answer to the
 *   consumer's request.
 *
 * Latency: one chain at a time, systems in turn (p50/p99). Throughput: a
 * closed loop of 4 chains in flight (2 from 16 MB, 1 at 256 MB), in chains/s
 * and MB/s, 3 rounds of 2 s per system, the systems taking turns in
 * alternating order. All functions run on node a for the baselines.
 *
 * @module
 */
import {
  eddyChain,
  httpChain,
  redisChain,
  type Sample,
  SEGMENTS,
  workflow,
} from "./_chains.ts";
import {
  byScale,
  type ExperimentContext,
  iterationsFor,
  payloadSizes,
  sizeLabel,
} from "./_experiment.ts";
import { guest } from "./_guests.ts";
import { closedLoopsInTurns, type LoopResult, roundRobin } from "./_loops.ts";
import { deploy, deployWorkflow, startNode, waitForPeers } from "./_nodes.ts";
import { connectRedis, startRedis } from "./_redis.ts";
import { round, summarize } from "./_stats.ts";

const MB = 1024 * 1024;

/** The systems compared, eddy's modes first. */
export const SYSTEMS = ["memory", "unix", "http2", "redis", "http1"] as const;
/** One of {@linkcode SYSTEMS}. */
export type System = typeof SYSTEMS[number];

/** Payloads up to 256 MiB: above the default 64 MiB limits. */
const LIMITS = {
  maxInput: "300MiB",
  maxOutput: "300MiB",
  memory: "1GiB",
  timeout: "120s",
};

function concurrency(bytes: number): number {
  return bytes <= MB ? 4 : bytes <= 64 * MB ? 2 : 1;
}

/** The figures of one system at one payload size. */
export interface ExchangeCell {
  latencyMs: { p50: number; p99: number; mean: number; n: number };
  transferMs: { p50: number; p99: number } | null;
  stepsMsP50: number;
  /** eddy modes: p50 ms of each segment of the chain, by name. */
  breakdownMsP50: Record<string, number> | null;
  throughput: {
    concurrency: number;
    chainsPerS: number;
    mbPerS: number;
    completed: number;
    errors: number;
  };
}

/** A system's figures over the Redis baseline's at one size. */
export interface RatioToRedis {
  /** p50 latency over Redis's p50 latency. */
  latencyP50: number;
  /** How much lower the p50 latency is, in percent. */
  latencyReductionPct: number;
  /** Chains/s over Redis's chains/s. */
  throughput: number;
}

/** What the exchange experiment writes. */
export interface ExchangeResults {
  sizes: string[];
  systems: Record<System, string>;
  rows: Record<System, Record<string, ExchangeCell>>;
  ratiosToRedis: Record<System, Record<string, RatioToRedis>>;
  targets: {
    memory1MBThroughputVsRedis: { min: number; value: number; met: boolean };
    memory1MBLatencyReductionPct: { min: number; value: number; met: boolean };
    unix1MBThroughputVsRedis: { min: number; value: number; met: boolean };
  } | null;
}

/**
 * Runs the exchange experiment: starts redis-server and three nodes, runs
 * every system at every size, stops them all.
 *
 * @example
 * ```ts ignore
 * const results = await runExchange({ scale: "quick", log: console.error });
 * ```
 */
export async function runExchange(
  ctx: ExperimentContext,
): Promise<ExchangeResults> {
  await using stack = new AsyncDisposableStack();
  const redis = stack.use(await startRedis());
  const client = await connectRedis(redis.port);
  stack.defer(async () => {
    await client.quit();
  });
  const a = stack.use(await startNode({ id: "a", hostId: "h1" }));
  const b = stack.use(await startNode({ id: "b", hostId: "h1", peers: [a] }));
  const c = stack.use(await startNode({ id: "c", hostId: "h2", peers: [a] }));
  const functions = [
    { name: "gen", wasm: guest("gen"), limits: LIMITS },
    { name: "sink", wasm: guest("sink"), limits: LIMITS },
  ];
  await Promise.all([a, b, c].map((n) => deploy(n, functions)));
  await waitForPeers(a, ["b", "c"], ["gen", "sink"]);
  for (const mode of ["memory", "unix", "http2"] as const) {
    await deployWorkflow(a, workflow(mode));
  }
  const chains: Record<System, (bytes: number) => Promise<Sample>> = {
    memory: (n) => eddyChain(a, "memory", n),
    unix: (n) => eddyChain(a, "unix", n),
    http2: (n) => eddyChain(a, "http2", n),
    redis: (n) => redisChain(a, client, n),
    http1: (n) => httpChain(a, n),
  };
  const rows = Object.fromEntries(SYSTEMS.map((s) => [s, {}])) as Record<
    System,
    Record<string, ExchangeCell>
  >;
  for (const bytes of payloadSizes(ctx.scale)) {
    const label = sizeLabel(bytes);
    const n = iterationsFor(ctx.scale, bytes, 300);
    const samples = await roundRobin(
      SYSTEMS.map((s) => () => chains[s](bytes)),
      {
        iterations: n,
        warmup: ctx.scale === "tiny" ? 1 : Math.max(1, Math.ceil(n / 10)),
        maxMs: byScale(ctx.scale, { full: 60_000, quick: 8000, tiny: 1000 }),
        minIterations: ctx.scale === "tiny" ? 3 : 2,
      },
    );
    const k = concurrency(bytes);
    const loops = await closedLoopsInTurns(
      SYSTEMS.map((s) => () => chains[s](bytes)),
      {
        concurrency: k,
        maxMs: byScale(ctx.scale, { full: 6000, quick: 1500, tiny: 300 }),
        maxCount: 20_000,
        rounds: byScale(ctx.scale, { full: 3, quick: 1, tiny: 1 }),
      },
    );
    for (const [i, system] of SYSTEMS.entries()) {
      const loop = loops[i];
      if (loop.errors > 0) {
        throw new Error(`exchange ${system} ${label}: ${loop.firstError}`);
      }
      rows[system][label] = cell(samples[i], loop, k, bytes);
    }
    ctx.log(
      `exchange ${label}: ` +
        SYSTEMS.map((s) =>
          `${s} p50 ${rows[s][label].latencyMs.p50} ms, ${
            rows[s][label].throughput.chainsPerS
          }/s`
        ).join("; "),
    );
  }
  const ratiosToRedis = ratios(rows);
  return {
    sizes: payloadSizes(ctx.scale).map(sizeLabel),
    systems: {
      memory:
        "eddy workflow, both steps on one node (memory edge: one job, the consumer in the producer's worker)",
      unix:
        "eddy workflow, steps on two nodes with one host id (Unix socket edge)",
      http2:
        "eddy workflow, steps on two nodes with different host ids (HTTP/2 edge)",
      redis:
        "client-side orchestrator: invoke producer over HTTP, SET into Redis, GET, invoke consumer",
      http1:
        "client-side orchestrator: invoke producer over HTTP/1.1, POST its output to the consumer",
    },
    rows,
    ratiosToRedis,
    targets: ratiosToRedis.memory["1MB"]
      ? {
        memory1MBThroughputVsRedis: atLeast(
          40,
          ratiosToRedis.memory["1MB"].throughput,
        ),
        memory1MBLatencyReductionPct: atLeast(
          97,
          ratiosToRedis.memory["1MB"].latencyReductionPct,
        ),
        unix1MBThroughputVsRedis: atLeast(
          3,
          ratiosToRedis.unix["1MB"].throughput,
        ),
      }
      : null,
  };
}

function atLeast(min: number, value: number) {
  return { min, value, met: value >= min };
}

function cell(
  samples: Sample[],
  loop: LoopResult,
  k: number,
  bytes: number,
): ExchangeCell {
  const latency = summarize(samples.map((s) => s.ms));
  const transfers = samples.flatMap((s) =>
    s.transferMs === undefined ? [] : [s.transferMs]
  );
  const transfer = transfers.length ? summarize(transfers) : undefined;
  return {
    latencyMs: {
      p50: round(latency.p50, 3),
      p99: round(latency.p99, 3),
      mean: round(latency.mean, 3),
      n: latency.n,
    },
    transferMs: transfer
      ? { p50: round(transfer.p50, 4), p99: round(transfer.p99, 4) }
      : null,
    stepsMsP50: round(summarize(samples.map((s) => s.stepsMs)).p50, 3),
    breakdownMsP50: samples[0].segments
      ? Object.fromEntries(SEGMENTS.map((name, i) => [
        name,
        round(summarize(samples.map((s) => s.segments![i])).p50, 3),
      ]))
      : null,
    throughput: {
      concurrency: k,
      // Large payloads make a few chains per second or fewer: keep digits.
      chainsPerS: round(loop.perSecond, loop.perSecond < 10 ? 3 : 1),
      mbPerS: round(loop.perSecond * bytes / 1e6, 1),
      completed: loop.completed,
      errors: loop.errors,
    },
  };
}

function ratios(
  rows: Record<System, Record<string, ExchangeCell>>,
): Record<System, Record<string, RatioToRedis>> {
  return Object.fromEntries(SYSTEMS.map((system) => [
    system,
    Object.fromEntries(
      Object.entries(rows[system]).map(([label, cell]) => {
        const redis = rows.redis[label];
        const latencyP50 = cell.latencyMs.p50 / redis.latencyMs.p50;
        return [label, {
          latencyP50: round(latencyP50, 3),
          latencyReductionPct: round((1 - latencyP50) * 100, 1),
          throughput: round(
            cell.throughput.chainsPerS / redis.throughput.chainsPerS,
            2,
          ),
        }];
      }),
    ),
  ])) as Record<System, Record<string, RatioToRedis>>;
}
