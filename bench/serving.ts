/**
 * Experiment 2b (Sledge, Middleware '20): serving a small function under a
 * ramp of concurrent load. `POST /invoke/echo` with 1 KB against one node,
 * at 1, 4, 16, 64 and 256 connections (wrk when installed, else a bounded
 * Deno client): throughput and p50/p99 latency at each step, and where
 * throughput stops growing (the first step within 10% of the peak).
 *
 * @module
 */
import { byScale, type ExperimentContext } from "./_experiment.ts";
import { load, type LoadResult } from "./_load.ts";
import { deploy, request, ROOT, startNode } from "./_nodes.ts";
import { round } from "./_stats.ts";

/** One step of the ramp. */
export interface ServingStep {
  connections: number;
  requestsPerSecond: number;
  latencyP50Ms: number;
  latencyP99Ms: number;
  errors: number;
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
}

/**
 * Runs the serving ramp against a fresh node.
 *
 * @example
 * ```ts ignore
 * const results = await runServing({ scale: "quick", log: console.error });
 * ```
 */
export async function runServing(
  ctx: ExperimentContext,
): Promise<ServingResults> {
  await using node = await startNode({ id: "serving" });
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
    steps.push({
      connections,
      requestsPerSecond: Math.round(r.requestsPerSecond),
      latencyP50Ms: round(r.latencyP50Ms, 3),
      latencyP99Ms: round(r.latencyP99Ms, 3),
      errors: r.errors,
    });
    ctx.log(
      `serving ${connections} connections: ${
        Math.round(r.requestsPerSecond)
      } req/s, p50 ${round(r.latencyP50Ms)} ms, p99 ${
        round(r.latencyP99Ms)
      } ms`,
    );
  }
  const peak = Math.max(...steps.map((s) => s.requestsPerSecond));
  return {
    tool,
    function: "echo (C), 1 KB in and out",
    secondsPerStep: seconds,
    steps,
    peakRequestsPerSecond: peak,
    saturatesAtConnections:
      steps.find((s) => s.requestsPerSecond >= 0.9 * peak)!.connections,
  };
}
