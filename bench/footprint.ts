/**
 * Footprint benchmark: what a serving node costs at rest and how soon it is
 * useful, for real `serve` processes started from source (`cli.ts`) and from
 * the single-file bundle.
 *
 * - Idle RSS (`VmRSS` of the process, workers included): with no functions;
 *   with 100 functions deployed (100 distinct modules, echo with a unique
 *   custom section each); after invoking each once; after a restart with the
 *   100 in the data directory. Targets: ≤ 60 MB idle.
 * - Start to first invocation: spawn `serve` on a data directory holding a
 *   deployed echo and poll `POST /invoke/echo` until it answers 200.
 *   Target: ≤ 300 ms.
 * - Floor: the same start-to-first-answer for a bare Deno.serve that starts
 *   two trivial workers and answers `POST /worker` through one.
 * - Per-worker cost: idle RSS with one function and `--workers 1` and `4`
 *   (an empty node starts no workers), and start time with `--workers 1`.
 * - Redeploys: the rise of RSS over hundreds of redeploys of one function,
 *   under glibc's default mmap threshold and a fixed one (bench/_redeploys.ts),
 *   from source only (the bundle runs the same code).
 *
 * `deno task bench:footprint [--quick]`; writes bench/results/footprint.json.
 *
 * @module
 */
import { loadavg } from "node:os";
import { fileURLToPath } from "node:url";
import {
  bundle,
  deploy,
  invoke,
  machine,
  rssBytes,
  startServe,
} from "../scripts/mod.ts";
import {
  dataDirWithEcho,
  serveArgs,
  type StartTimes,
  startTimes,
} from "./_start.ts";
import type { Standalone } from "./_experiment.ts";
import { redeployGrowth, type RedeployResults } from "./_redeploys.ts";
import { round } from "./_stats.ts";

const quick = Deno.args.includes("--quick");
const root = fileURLToPath(new URL("../", import.meta.url));
const echo = await Deno.readFile(`${root}examples/echo/echo.wasm`);
/** Long enough for the workers to have started and the heap to settle. */
const SETTLE_MS = 2000;
const STARTS = quick ? 3 : 9;
const FUNCTIONS = 100;
const REDEPLOYS = quick ? 200 : 400;
const REDEPLOY_ROUNDS = quick ? 1 : 3;
const MB = 1024 * 1024;

/** A way to run `eddy`: the deno arguments before `serve`. */
interface Mode {
  name: string;
  args: string[];
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** Echo with a custom section named `eddy-footprint-<i>`: a distinct module. */
function distinctEcho(i: number): Uint8Array<ArrayBuffer> {
  const name = new TextEncoder().encode(`eddy-footprint-${i}`);
  // Section id 0, then sizes as one-byte LEB128s (both stay below 128).
  const section = [0, name.length + 1, name.length, ...name];
  const out = new Uint8Array(echo.length + section.length);
  out.set(echo);
  out.set(section, echo.length);
  return out;
}

async function settledRss(pid: number): Promise<number> {
  await sleep(SETTLE_MS);
  return round(rssBytes(pid) / MB, 1);
}

/** Idle RSS (MB) at each stage of a node's life with 100 functions. */
async function idleRss(mode: Mode, tmp: string) {
  const dataDir = await Deno.makeTempDir({ dir: tmp });
  const rss: Record<string, number> = {};
  {
    await using node = await startServe(
      Deno.execPath(),
      serveArgs(mode.args, dataDir),
    );
    rss.noFunctions = await settledRss(node.pid);
    for (let i = 0; i < FUNCTIONS; i++) {
      await deploy(node.url, `f${i}`, distinctEcho(i));
    }
    rss.deployed100 = await settledRss(node.pid);
    for (let i = 0; i < FUNCTIONS; i++) {
      await invoke(node.url, `f${i}`, new TextEncoder().encode("hi"));
    }
    rss.deployed100InvokedOnce = await settledRss(node.pid);
    await node.stop();
  }
  await using again = await startServe(
    Deno.execPath(),
    serveArgs(mode.args, dataDir),
  );
  rss.restartedWith100 = await settledRss(again.pid);
  return rss;
}

/**
 * Idle RSS (MB) with one function deployed (which starts the executors) and
 * `workers` of them.
 */
async function rssWithWorkers(mode: Mode, tmp: string, workers: number) {
  const dataDir = await Deno.makeTempDir({ dir: tmp });
  await using node = await startServe(
    Deno.execPath(),
    serveArgs(mode.args, dataDir, ["--workers", String(workers)]),
  );
  await deploy(node.url, "echo", echo);
  return await settledRss(node.pid);
}

/** Start to first invocation of echo on a node whose data dir holds it. */
function invocationStartTimes(mode: Mode, dataDir: string, flags: string[]) {
  return startTimes(
    (port) => serveArgs(mode.args, dataDir, flags, port),
    "/invoke/echo",
    STARTS,
  );
}

async function measure(mode: Mode, tmp: string) {
  // Its first run also warms Deno's code cache for this file, which the
  // first start of a new file lacks (that start is ~10 MB larger).
  const echoDir = await dataDirWithEcho(mode.args, tmp, echo);
  console.log(`${mode.name}: idle RSS`);
  const rss = await idleRss(mode, tmp);
  const workers1 = await rssWithWorkers(mode, tmp, 1);
  const workers4 = await rssWithWorkers(mode, tmp, 4);
  console.log(`${mode.name}: start to first invocation`);
  return {
    idleRssMB: rss,
    idleRssOneFunctionByWorkersMB: { "1": workers1, "4": workers4 },
    rssPerWorkerMB: round((workers4 - workers1) / 3, 1),
    startToFirstInvocationMs: await invocationStartTimes(mode, echoDir, []),
    startToFirstInvocationOneWorkerMs: await invocationStartTimes(
      mode,
      echoDir,
      ["--workers", "1"],
    ),
  };
}

/** One way of running eddy's figures (MB of RSS, ms of start). */
export type FootprintMode = Awaited<ReturnType<typeof measure>>;

/** What `bench/results/footprint.json` holds. */
export interface FootprintResults extends Standalone {
  benchmark: "footprint";
  defaultWorkers: number;
  targets: { idleRssMB: number; startToFirstInvocationMs: number };
  floorStartToFirstAnswerMs: StartTimes;
  source: FootprintMode;
  bundle: FootprintMode;
  redeploys?: RedeployResults;
  meetsTargets: Record<
    "source" | "bundle",
    { idleRss: boolean; startToFirstInvocation: boolean }
  >;
}

const loadBefore = loadavg();
const tmp = await Deno.makeTempDir({ prefix: "eddy-footprint-" });
try {
  const bundled = `${tmp}/eddy.js`;
  await bundle(bundled);
  console.log("floor: Deno.serve with two workers");
  const floor = await startTimes(
    (port) => ["run", "-A", `${root}bench/_hello_server.ts`, String(port)],
    "/worker",
    STARTS,
  );
  const source = await measure(
    { name: "source", args: ["run", "-A", `${root}cli.ts`] },
    tmp,
  );
  const single = await measure(
    { name: "bundle", args: ["run", "-A", bundled] },
    tmp,
  );
  console.log("source: redeploys");
  const redeploys = await redeployGrowth(
    ["run", "-A", `${root}cli.ts`],
    tmp,
    echo,
    REDEPLOYS,
    REDEPLOY_ROUNDS,
  );
  const targets = { idleRssMB: 60, startToFirstInvocationMs: 300 };
  const meets = (r: FootprintMode) => ({
    idleRss: r.idleRssMB.noFunctions <= targets.idleRssMB,
    startToFirstInvocation:
      r.startToFirstInvocationMs.p50 <= targets.startToFirstInvocationMs,
  });
  const results: FootprintResults = {
    benchmark: "footprint",
    quick,
    machine: machine(),
    // Other work on the machine slows process and worker start-up: the
    // 1-minute load average before and after the run.
    loadAverage: { before: round(loadBefore[0]), after: round(loadavg()[0]) },
    defaultWorkers: navigator.hardwareConcurrency,
    targets,
    // A bare Deno.serve that starts two trivial workers and answers through
    // one (bench/_hello_server.ts): start to its first answer, the same way.
    floorStartToFirstAnswerMs: floor,
    source,
    bundle: single,
    redeploys,
    meetsTargets: { source: meets(source), bundle: meets(single) },
  };
  await Deno.mkdir(`${root}bench/results`, { recursive: true });
  await Deno.writeTextFile(
    `${root}bench/results/footprint.json`,
    JSON.stringify(results, null, 2) + "\n",
  );
  const m = results.machine;
  console.log(
    `machine: ${m.cpu}, ${m.cores} cores, deno ${m.deno}, load ${results.loadAverage.before}`,
  );
  console.log(`floor: start to first answer p50 ${floor.p50} ms`);
  for (const [name, r] of [["source", source], ["bundle", single]] as const) {
    console.log(
      `${name}: idle RSS ${r.idleRssMB.noFunctions} MB (100 deployed ${r.idleRssMB.deployed100}, invoked ${r.idleRssMB.deployed100InvokedOnce}, restarted ${r.idleRssMB.restartedWith100}); ` +
        `${r.rssPerWorkerMB} MB per worker; start to first invocation p50 ${r.startToFirstInvocationMs.p50} ms (1 worker: ${r.startToFirstInvocationOneWorkerMs.p50} ms)`,
    );
  }
  console.log(
    `redeploys: RSS rise over ${redeploys.redeploys} (MB) glibc default ${
      redeploys.growthMB.glibcDefault.join(", ")
    }; fixed mmap threshold ${
      redeploys.growthMB.fixedMmapThreshold.join(", ")
    }`,
  );
} finally {
  await Deno.remove(tmp, { recursive: true });
}
