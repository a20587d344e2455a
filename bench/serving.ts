/**
 * Experiment 2b (Sledge, Middleware '20): serving a small function under a
 * ramp of concurrent load. `POST /invoke/echo` with 1 KB against one node,
 * at 1, 4, 16, 64 and 256 connections (wrk when installed, else a bounded
 * Deno client): throughput and p50/p99 latency at each step, and where
 * throughput stops growing (the first step within 10% of the peak).
 *
 * Then, side by side at 64 connections and in turn in the same run: eddy,
 * the bare `Deno.serve` floors (1 KB POST echo, and the same through one
 * worker postMessage round trip; bench/_hello_server.ts) and workerd
 * serving the same echo.wasm in three variants (bench/_workerd_echo.js:
 * fresh instance, recycled zeroed memory, one reused instance), with each
 * server's RSS after its load.
 *
 * @module
 */
import { byScale, type ExperimentContext } from "./_experiment.ts";
import { load, type LoadResult } from "./_load.ts";
import {
  type BenchProcess,
  deploy,
  request,
  ROOT,
  startDeno,
  startNode,
} from "./_nodes.ts";
import { findWorkerd, WORKERD_VERSION } from "./peers.ts";
import { round as roundTo } from "./_stats.ts";
import { startWorkerd, WORKERD_VARIANTS } from "./_workerd.ts";

/** Issue 9's serving targets, reported (not asserted) in REPORT.md. */
export const SERVING_TARGETS = {
  /** eddy's req/s over a bare Deno.serve POST echo's. */
  minVsDenoServe: 0.6,
  /** eddy's req/s over workerd reusing one instance. */
  minVsWorkerdReused: 1.5,
  /** The node's RSS after its load. */
  maxRssMB: 200,
} as const;

/** One step of the ramp. */
export interface ServingStep {
  connections: number;
  requestsPerSecond: number;
  latencyP50Ms: number;
  latencyP99Ms: number;
  errors: number;
}

/** One server's load run in the side-by-side comparison. */
export interface ServingPeer extends ServingStep {
  /** The server process' highest RSS right after one of its loads, MB. */
  rssMB: number;
}

/** The servers measured side by side, in running order. */
export const SIDE_BY_SIDE = [
  "eddy",
  "Deno.serve echo",
  "Deno.serve echo via a worker",
  "Deno.serve echo via a ring",
  ...WORKERD_VARIANTS.map((v) => `workerd ${v}` as const),
] as const;

/** Side by side at one connection count, in the same run. */
export interface SideBySide {
  connections: number;
  /** Per server per round. */
  seconds: number;
  /** Rounds, in alternating order: req/s and p50 are their mean, p99 the worst. */
  rounds: number;
  /** By {@linkcode SIDE_BY_SIDE} name; workerd's rows only when it ran. */
  rows: Partial<Record<typeof SIDE_BY_SIDE[number], ServingPeer>>;
  /** eddy's req/s over each other server's. */
  eddyRatio: Partial<Record<typeof SIDE_BY_SIDE[number], number>>;
  /** The workerd measured, or why it was not. */
  workerd: { version: string } | { missing: string };
}

/** What the serving experiment writes. */
export interface ServingResults {
  tool: LoadResult["tool"];
  function: string;
  secondsPerStep: number;
  steps: ServingStep[];
  peakRequestsPerSecond: number;
  /** The fewest connections that reach 90% of the peak. */
  saturatesAtConnections: number;
  /** The ramp's node's RSS after its last (heaviest) step, MB. */
  rssAfterRampMB?: number;
  sideBySide: SideBySide;
}

/**
 * Runs the serving ramp against a fresh node, then eddy (another fresh
 * node) beside its floors and workerd. `ctx.install` lets it install
 * workerd when missing.
 *
 * @example
 * ```ts ignore
 * const results = await runServing({ scale: "quick", install: true, log: console.error });
 * ```
 */
export async function runServing(
  ctx: ExperimentContext,
): Promise<ServingResults> {
  await using stack = new AsyncDisposableStack();
  const node = stack.use(await startNode({ id: "serving" }));
  const echo = await Deno.readFile(`${ROOT}examples/echo/echo.wasm`);
  await deploy(node, [{ name: "echo", wasm: echo }]);
  const body = crypto.getRandomValues(new Uint8Array(1024));
  const answer = await request(node, "POST", "/invoke/echo", body);
  if (answer.byteLength !== body.byteLength) throw new Error("echo is broken");
  const url = `${node.url}/invoke/echo`;
  const seconds = byScale(ctx.scale, { full: 8, quick: 2, tiny: 1 });
  const ramp = byScale(ctx.scale, {
    full: [1, 4, 16, 64, 256],
    quick: [1, 4, 16, 64, 256],
    tiny: [4],
  });
  // Warm up the JIT and the workers first.
  await load({ url, method: "POST", body, connections: 16, seconds: 1 });
  const steps: ServingStep[] = [];
  let tool: LoadResult["tool"] = "deno";
  for (const connections of ramp) {
    const r = await load({ url, method: "POST", body, connections, seconds });
    tool = r.tool;
    steps.push(step(connections, r));
    ctx.log(
      `serving ${connections} connections: ${
        Math.round(r.requestsPerSecond)
      } req/s, p50 ${roundTo(r.latencyP50Ms)} ms, p99 ${
        roundTo(r.latencyP99Ms)
      } ms`,
    );
  }
  const peak = Math.max(...steps.map((s) => s.requestsPerSecond));
  const rssAfterRampMB = roundTo(node.rss() / 2 ** 20, 1);
  // Done with: it must not hold memory or wake up beside the others.
  await node.stop();

  // A node of its own beside the others, which start fresh too: the
  // ramp's node keeps heap its heavier steps grew.
  const side = stack.use(await startNode({ id: "serving-side" }));
  await deploy(side, [{ name: "echo", wasm: echo }]);
  const hello = stack.use(
    await startDeno([`${ROOT}bench/_hello_server.ts`, "0"]),
  );
  const servers: [typeof SIDE_BY_SIDE[number], string, BenchProcess][] = [
    ["eddy", `${side.url}/invoke/echo`, side],
    ["Deno.serve echo", hello.url, hello],
    ["Deno.serve echo via a worker", `${hello.url}/worker`, hello],
    ["Deno.serve echo via a ring", `${hello.url}/ring`, hello],
  ];
  const found = await findWorkerd({ install: ctx.install });
  if ("path" in found) {
    const workerd = stack.use(await startWorkerd(found.path));
    for (const variant of WORKERD_VARIANTS) {
      servers.push([
        `workerd ${variant}`,
        `${workerd.url}/${variant}`,
        workerd,
      ]);
    }
  } else {
    ctx.log(`serving: workerd not measured: ${found.missing}`);
  }
  const sideBySide = await compare(
    ctx,
    servers,
    body,
    "path" in found ? { version: WORKERD_VERSION } : found,
  );
  return {
    tool,
    function: "echo (C), 1 KB in and out",
    secondsPerStep: seconds,
    steps,
    peakRequestsPerSecond: peak,
    saturatesAtConnections:
      steps.find((s) => s.requestsPerSecond >= 0.9 * peak)!.connections,
    rssAfterRampMB,
    sideBySide,
  };
}

/**
 * Each server in turn under the same load, for a few rounds in alternating
 * order (so that drift in the machine's other load does not favour the
 * first or the last); eddy's ratio to each.
 */
async function compare(
  ctx: ExperimentContext,
  servers: [typeof SIDE_BY_SIDE[number], string, BenchProcess][],
  body: Uint8Array,
  workerd: SideBySide["workerd"],
): Promise<SideBySide> {
  const connections = 64;
  const seconds = byScale(ctx.scale, { full: 8, quick: 2, tiny: 1 });
  const rounds = byScale(ctx.scale, { full: 3, quick: 2, tiny: 1 });
  for (const [name, url] of servers) {
    const check = await fetch(url, { method: "POST", body: body.slice() });
    const echoed = new Uint8Array(await check.arrayBuffer());
    if (!echoed.every((b, i) => b === body[i]) || echoed.length !== 1024) {
      throw new Error(`${name} does not echo 1 KB`);
    }
  }
  const runs = new Map<string, LoadResult[]>(servers.map(([n]) => [n, []]));
  const rows: SideBySide["rows"] = {};
  for (let pass = 0; pass < rounds; pass++) {
    const order = pass % 2 ? [...servers].reverse() : servers;
    for (const [name, url, server] of order) {
      if (ctx.scale !== "tiny") {
        await load({ url, method: "POST", body, connections, seconds: 1 });
      }
      const r = await load({
        url,
        method: "POST",
        body,
        connections,
        seconds,
      });
      runs.get(name)!.push(r);
      const rssMB = roundTo(server.rss() / 2 ** 20, 1);
      rows[name] = {
        ...combined(connections, runs.get(name)!),
        rssMB: Math.max(rssMB, rows[name]?.rssMB ?? 0),
      };
      ctx.log(
        `serving side by side, ${name}: ${
          Math.round(r.requestsPerSecond)
        } req/s, p50 ${roundTo(r.latencyP50Ms)} ms, p99 ${
          roundTo(r.latencyP99Ms)
        } ms, RSS ${rssMB} MB`,
      );
    }
  }
  const eddy = rows.eddy!.requestsPerSecond;
  const eddyRatio: SideBySide["eddyRatio"] = {};
  for (const [name] of servers.slice(1)) {
    eddyRatio[name] = roundTo(eddy / rows[name]!.requestsPerSecond, 3);
  }
  return { connections, seconds, rounds, rows, eddyRatio, workerd };
}

/** Rounds of one server: req/s and p50 averaged, p99 the worst round's. */
function combined(connections: number, runs: LoadResult[]): ServingStep {
  const mean = (f: (r: LoadResult) => number) =>
    runs.reduce((sum, r) => sum + f(r), 0) / runs.length;
  return {
    connections,
    requestsPerSecond: Math.round(mean((r) => r.requestsPerSecond)),
    latencyP50Ms: roundTo(mean((r) => r.latencyP50Ms), 3),
    latencyP99Ms: roundTo(Math.max(...runs.map((r) => r.latencyP99Ms)), 3),
    errors: runs.reduce((sum, r) => sum + r.errors, 0),
  };
}

function step(connections: number, r: LoadResult): ServingStep {
  return {
    connections,
    requestsPerSecond: Math.round(r.requestsPerSecond),
    latencyP50Ms: roundTo(r.latencyP50Ms, 3),
    latencyP99Ms: roundTo(r.latencyP99Ms, 3),
    errors: r.errors,
  };
}
