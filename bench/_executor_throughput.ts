/**
 * The executors' own throughput, without HTTP: an `ExecutorPool` of 2
 * workers kept busy by 64 echo jobs of 1 KB in flight, the module prepared
 * as a node prepares it (memory imported, interrupt checks) and its spec
 * frozen as a deployment's is, so that each job travels in the ring.
 *
 * @module
 */
import { cpuUsage } from "node:process";
import { ExecutorPool } from "../runtime/executor/mod.ts";
import { prepare } from "../runtime/module/mod.ts";
import { ROOT } from "./_nodes.ts";
import { round } from "./_stats.ts";

/** Jobs a pool completed per second, and this process's CPU per job. */
export interface ExecutorThroughput {
  workers: number;
  inFlight: number;
  jobsPerS: number;
  /** This process's CPU time (all its threads) per job, µs. */
  cpuUsPerJob: number;
  jobs: number;
}

const WORKERS = 2;
const IN_FLIGHT = 64;

/**
 * Keeps {@linkcode IN_FLIGHT} jobs in flight on a fresh pool for `warmupMs`
 * uncounted, then for `ms` counted; every output must be its input.
 *
 * @example
 * ```ts ignore
 * const { jobsPerS } = await measureExecutorThroughput(4000, 1000);
 * ```
 */
export async function measureExecutorThroughput(
  ms: number,
  warmupMs: number,
): Promise<ExecutorThroughput> {
  const echo = Deno.readFileSync(`${ROOT}examples/echo/echo.wasm`);
  const { bytes, memory } = prepare(echo, 256);
  const compiled = { module: new WebAssembly.Module(bytes), memory };
  const spec = Object.freeze({
    fn: "echo",
    args: ["echo"],
    env: {},
    preopens: [],
    timeoutMs: 5000,
    maxMemoryBytes: 16 << 20,
    maxOutputBytes: 1 << 20,
  });
  const input = crypto.getRandomValues(new Uint8Array(1024));
  await using stack = new AsyncDisposableStack();
  const pool = stack.adopt(
    new ExecutorPool({ workers: WORKERS }),
    (p) => p.close(),
  );
  const run = async (forMs: number) => {
    let jobs = 0;
    const end = performance.now() + forMs;
    await Promise.all(Array.from({ length: IN_FLIGHT }, async () => {
      while (performance.now() < end) {
        const r = await pool.run(compiled, "echo", spec, input.slice());
        if (r.failure || r.stdout.byteLength !== input.byteLength) {
          throw new Error(`echo: ${r.failure?.message ?? "wrong output"}`);
        }
        jobs++;
      }
    }));
    return jobs;
  };
  await run(warmupMs);
  const cpu = cpuUsage();
  const start = performance.now();
  const jobs = await run(ms);
  const seconds = (performance.now() - start) / 1000;
  const used = cpuUsage(cpu);
  return {
    workers: WORKERS,
    inFlight: IN_FLIGHT,
    jobsPerS: Math.round(jobs / seconds),
    cpuUsPerJob: round((used.user + used.system) / jobs, 1),
    jobs,
  };
}
