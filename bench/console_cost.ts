/**
 * What the console costs a node nobody has opened it on (issue 12, item
 * 6): this tree beside a checkout of an earlier commit (the one before
 * the console landed), in turn and in the same run. Per tree: idle RSS of
 * an empty node and of one with echo deployed (settled, the footprint
 * benchmark's way), and throughput and latency of `POST /invoke/echo`
 * with 1 KB at 64 connections (the serving benchmark's side-by-side
 * load), over several alternating rounds.
 *
 * `deno run -A bench/console_cost.ts --before DIR [--rounds N] [--seconds S]`
 * where DIR holds the earlier tree (e.g. `git archive a2ef97d | tar -x -C DIR`);
 * writes bench/results/console_cost.json.
 *
 * @module
 */
import { loadavg } from "node:os";
import { parseArgs } from "node:util";
import { deploy, machine, rssBytes, startServe } from "../scripts/mod.ts";
import { load, type LoadResult } from "./_load.ts";
import { ROOT } from "./_nodes.ts";
import { round, summarize } from "./_stats.ts";

const { values } = parseArgs({
  args: Deno.args,
  options: {
    before: { type: "string" },
    rounds: { type: "string", default: "5" },
    seconds: { type: "string", default: "5" },
  },
});
if (!values.before) {
  throw new Error("--before DIR: a checkout of the commit to compare with");
}
const trees = { before: `${values.before.replace(/\/$/, "")}/`, after: ROOT };
const rounds = Number(values.rounds);
const seconds = Number(values.seconds);
const echo = await Deno.readFile(`${ROOT}examples/echo/echo.wasm`);
const input = crypto.getRandomValues(new Uint8Array(1024));
/** Long enough for the workers to have started and the heap to settle. */
const SETTLE_MS = 2000;
const MB = 1024 * 1024;
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** One round on one tree: idle RSS empty and with echo, then the load. */
async function round1(root: string) {
  const dataDir = await Deno.makeTempDir({ prefix: "eddy-cost-" });
  try {
    await using node = await startServe(Deno.execPath(), [
      "run",
      "-A",
      `${root}cli.ts`,
      "serve",
      "--port",
      "0",
      "--data-dir",
      dataDir,
    ], { cwd: root, timeoutMs: 60_000 });
    await sleep(SETTLE_MS);
    const idleEmpty = rssBytes(node.pid) / MB;
    await deploy(node.url, "echo", echo);
    await sleep(SETTLE_MS);
    const idleWithEcho = rssBytes(node.pid) / MB;
    const served = await load({
      url: `${node.url}/invoke/echo`,
      method: "POST",
      body: input,
      connections: 64,
      seconds,
    });
    await node.stop();
    return { idleEmpty, idleWithEcho, served };
  } finally {
    await Deno.remove(dataDir, { recursive: true });
  }
}

type Round = Awaited<ReturnType<typeof round1>>;
const samples: Record<keyof typeof trees, Round[]> = { before: [], after: [] };
const loadBefore = loadavg()[0];
for (let i = 0; i < rounds; i++) {
  // Alternate which tree goes first, so that neither always meets the
  // machine right after the other's load.
  const order = i % 2 === 0
    ? (["before", "after"] as const)
    : (["after", "before"] as const);
  for (const name of order) {
    const r = await round1(trees[name]);
    samples[name].push(r);
    console.log(
      `${name}: idle ${round(r.idleEmpty, 1)} MB, with echo ${
        round(r.idleWithEcho, 1)
      } MB, ${Math.round(r.served.requestsPerSecond)} req/s`,
    );
  }
}

const median = (xs: number[]) => round(summarize(xs).p50, 1);
const summary = (rs: Round[]) => ({
  idleRssMB: median(rs.map((r) => r.idleEmpty)),
  idleRssWithEchoMB: median(rs.map((r) => r.idleWithEcho)),
  requestsPerSecond: Math.round(
    summarize(rs.map((r) => r.served.requestsPerSecond)).p50,
  ),
  latencyP50Ms: median(rs.map((r) => r.served.latencyP50Ms)),
  latencyP99Ms: median(rs.map((r) => r.served.latencyP99Ms)),
  errors: rs.reduce((n, r) => n + r.served.errors, 0),
  tool: rs[0].served.tool as LoadResult["tool"],
});
const before = summary(samples.before);
const after = summary(samples.after);
const results = {
  benchmark: "console_cost",
  machine: machine(),
  loadAverage: { before: round(loadBefore), after: round(loadavg()[0]) },
  trees,
  rounds,
  secondsPerLoad: seconds,
  load: "POST /invoke/echo, 1 KB, 64 connections",
  before,
  after,
  ratio: {
    requestsPerSecond: round(
      after.requestsPerSecond / before.requestsPerSecond,
      3,
    ),
    idleRss: round(after.idleRssMB / before.idleRssMB, 3),
    idleRssWithEcho: round(
      after.idleRssWithEchoMB / before.idleRssWithEchoMB,
      3,
    ),
  },
  samples,
};
await Deno.writeTextFile(
  `${ROOT}bench/results/console_cost.json`,
  JSON.stringify(results, null, 2) + "\n",
);
console.log(JSON.stringify({ before, after, ratio: results.ratio }, null, 2));
