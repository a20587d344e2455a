/**
 * Experiment 2c (Sledge, Middleware '20): density, as resident memory
 * (`VmRSS`, workers included) of real nodes.
 *
 * - Per deployed function: a node with one function (so its executors have
 *   started) gets 1,000 more names of the same module in one manifest; the
 *   settled RSS difference divided by 1,000, before and after invoking each
 *   once.
 * - Per in-flight instance: a guest that sleeps in `poll_oneoff` blocks its
 *   executor worker (eddy's WASI sleep is `Atomics.wait`), so a node can
 *   only have as many sleeping instances as workers. Instances parked in a
 *   call do not hold a worker: N concurrent invocations of `park` on node a
 *   each call `hold` (a sleep) on node b, which has one worker, so all N
 *   stay in flight on a, parked (JSPI) with their memory, stack and HTTP
 *   request, until b is stopped. RSS delta of a over N.
 * - Floor, in a child process: N live instances of the same modules
 *   (`park`, and the C echo example) with a memory each, nothing else.
 *
 * @module
 */
import { fileURLToPath } from "node:url";
import { MemoryPool } from "../runtime/executor/mod.ts";
import {
  MEMORY_IMPORT,
  pagesWithin,
  withImportedMemory,
} from "../runtime/module/mod.ts";
import { WasiHost } from "../runtime/wasi/mod.ts";
import { rssBytes } from "../scripts/mod.ts";
import { byScale, type ExperimentContext } from "./_experiment.ts";
import { guest } from "./_guests.ts";
import { distinctModules, type DistinctResults } from "./_distinct.ts";
import {
  deploy,
  metric,
  request,
  ROOT,
  settledRss,
  startNode,
  waitForPeers,
} from "./_nodes.ts";
import { round } from "./_stats.ts";

const KB = 1024;
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** What the density experiment writes (KB are 1024 bytes). */
export interface DensityResults {
  deployed: {
    functions: number;
    rssBeforeMB: number;
    rssAfterMB: number;
    rssAfterInvokingEachMB: number;
    perFunctionKB: number;
    perFunctionInvokedKB: number;
  };
  inFlight: {
    instances: number;
    rssBeforeMB: number;
    rssInFlightMB: number;
    perInstanceKB: number;
    /** Invocations that answered 200 once the callee's node was stopped. */
    completed: number;
  };
  floorLiveInstanceKB: { park: number; echo: number };
  /** Distinct modules at scale (issue 11): see `_distinct.ts`. */
  distinct: DistinctResults;
  notes: string[];
}

/**
 * Runs the density experiment.
 *
 * @example
 * ```ts ignore
 * const results = await runDensity({ scale: "quick", log: console.error });
 * ```
 */
export async function runDensity(
  ctx: ExperimentContext,
): Promise<DensityResults> {
  const settleMs = byScale(ctx.scale, { full: 3000, quick: 2000, tiny: 300 });
  const deployed = await perDeployedFunction(
    byScale(ctx.scale, { full: 1000, quick: 1000, tiny: 10 }),
    settleMs,
  );
  ctx.log(`density: ${deployed.perFunctionKB} KB per deployed function`);
  const inFlight = await perInFlightInstance(
    byScale(ctx.scale, { full: 500, quick: 200, tiny: 10 }),
    settleMs,
  );
  ctx.log(`density: ${inFlight.perInstanceKB} KB per in-flight instance`);
  const floorCount = byScale(ctx.scale, { full: 2000, quick: 1000, tiny: 50 });
  const floorLiveInstanceKB = {
    park: await floorPerInstance("park", floorCount),
    echo: await floorPerInstance("echo", floorCount),
  };
  const distinct = await distinctModules({
    count: byScale(ctx.scale, { full: 10_000, quick: 2000, tiny: 20 }),
    samples: byScale(ctx.scale, { full: 200, quick: 100, tiny: 5 }),
    // The harness's tiny run checks that it runs, not its figures.
    settleMs: ctx.scale === "tiny" ? 0 : settleMs,
    budget: "16MiB",
    log: ctx.log,
  });
  return {
    deployed,
    inFlight,
    floorLiveInstanceKB,
    distinct,
    notes: [
      "A guest sleeping in poll_oneoff holds its executor worker (Atomics.wait), so sleeping invocations beyond the worker count queue rather than run: in-flight instances are measured with guests parked in a call (JSPI), which free their worker.",
      "The in-flight figure includes what each invocation holds besides its instance: its HTTP request and connection, its queued job and its pending call to the other node.",
      "distinct: every function its own module (a WAT guest of moduleBytes bytes with its number in a data segment). Nothing is compiled at upload, deploy or start; a module compiles on its first run. V8 cannot serialize a compiled WebAssembly.Module to disk from Deno (no API), so compiled code is not cached across restarts: the cold figures are what compiling on demand costs. Latencies are client-side over HTTP on loopback, one request at a time.",
      "distinct: compiled modules are kept per isolate (main and each worker) under --memory-budget, estimated at 20 KiB + 3 x module bytes each, least recently run dropped first; invokedOnceUnderBudget is the restarted node with --memory-budget 16MiB.",
    ],
  };
}

async function perDeployedFunction(count: number, settleMs: number) {
  await using node = await startNode({ id: "density" });
  const echo = await Deno.readFile(`${ROOT}examples/echo/echo.wasm`);
  await deploy(node, [{ name: "warm", wasm: echo }]);
  await request(node, "POST", "/invoke/warm", "hi");
  const before = await settledRss(node, settleMs);
  const names = Array.from({ length: count }, (_, i) => `f${i}`);
  await deploy(node, names.map((name) => ({ name, wasm: echo })));
  const after = await settledRss(node, settleMs);
  // Eight at a time: enough to keep both workers busy, bounded.
  for (let i = 0; i < names.length; i += 8) {
    await Promise.all(
      names.slice(i, i + 8).map((n) =>
        request(node, "POST", `/invoke/${n}`, "hi")
      ),
    );
  }
  const invoked = await settledRss(node, settleMs);
  return {
    functions: count,
    rssBeforeMB: round(before / 2 ** 20, 1),
    rssAfterMB: round(after / 2 ** 20, 1),
    rssAfterInvokingEachMB: round(invoked / 2 ** 20, 1),
    perFunctionKB: round((after - before) / count / KB, 1),
    perFunctionInvokedKB: round((invoked - before) / count / KB, 1),
  };
}

async function perInFlightInstance(count: number, settleMs: number) {
  const limits = { timeout: "120s" };
  await using b = await startNode({ id: "hold", workers: 1 });
  await using a = await startNode({ id: "park", peers: [b] });
  await deploy(b, [{ name: "hold", wasm: guest("sleep"), limits }]);
  await deploy(a, [{ name: "park", wasm: guest("park"), limits }]);
  await waitForPeers(a, ["hold"], ["hold"]);
  await request(a, "POST", "/invoke/park", "0");
  const before = await settledRss(a, settleMs);
  // Each hold sleeps 100 s: longer than the measurement, so b never frees
  // one before it is stopped.
  const calls = Array.from(
    { length: count },
    () => request(a, "POST", "/invoke/park", "100000").then(() => 1, () => 0),
  );
  const deadline = Date.now() + 60_000;
  while (await metric(a, "eddy_executor_running") < count) {
    if (Date.now() > deadline) {
      throw new Error(`fewer than ${count} invocations of park in flight`);
    }
    await sleep(100);
  }
  const during = await settledRss(a, settleMs);
  await b.stop();
  const completed = (await Promise.all(calls)).reduce<number>(
    (n, ok) => n + ok,
    0,
  );
  return {
    instances: count,
    rssBeforeMB: round(before / 2 ** 20, 1),
    rssInFlightMB: round(during / 2 ** 20, 1),
    perInstanceKB: round((during - before) / count / KB, 1),
    completed,
  };
}

/** KB of RSS per live instance, measured in a fresh child process. */
async function floorPerInstance(
  name: "park" | "echo",
  count: number,
): Promise<number> {
  const { stdout, success } = await new Deno.Command(Deno.execPath(), {
    args: [
      "run",
      "-A",
      fileURLToPath(import.meta.url),
      "--live-instances",
      name,
      String(count),
    ],
    stderr: "inherit",
  }).output();
  if (!success) throw new Error(`the ${name} instance probe failed`);
  return Number(new TextDecoder().decode(stdout).trim());
}

/**
 * The child's side: `count` live instances of `name` compiled as a worker
 * compiles it (memory imported, 128 MiB cap), each with its own memory,
 * all held at once; prints KB of RSS per instance.
 */
function liveInstances(name: "park" | "echo", count: number): void {
  const bytes = name === "park"
    ? guest("park")
    : Deno.readFileSync(`${ROOT}examples/echo/echo.wasm`);
  const { bytes: rewritten, memory: limits } = withImportedMemory(
    bytes,
    pagesWithin(128 << 20),
  );
  const module = new WebAssembly.Module(rewritten);
  const memories = new MemoryPool();
  const imports = {
    ...new WasiHost().imports,
    eddy: { call: () => 0, result: () => 0 },
  };
  const held: WebAssembly.Instance[] = [];
  const make = () =>
    new WebAssembly.Instance(module, {
      ...imports,
      [MEMORY_IMPORT.module]: {
        [MEMORY_IMPORT.name]: memories.acquire(limits),
      },
    });
  make(); // compiles lazily-tiered code before the baseline is read
  const before = rssBytes(Deno.pid);
  for (let i = 0; i < count; i++) held.push(make());
  const after = rssBytes(Deno.pid);
  console.log(round((after - before) / held.length / KB, 1));
}

if (import.meta.main && Deno.args[0] === "--live-instances") {
  liveInstances(Deno.args[1] as "park" | "echo", Number(Deno.args[2]));
}
