/**
 * This tree beside a checkout of an earlier commit, in turn and in the
 * same run, for what a change costs or saves a serving node:
 *
 * - start to first invocation (spawn `serve` on a data dir holding echo,
 *   poll `POST /invoke/echo` until it answers), from source and from the
 *   single-file bundle, the footprint benchmark's way;
 * - idle RSS of an empty node (settled), from source and bundled, and from
 *   source with echo deployed through the API;
 * - throughput and latency of `POST /invoke/echo` with 1 KB at 64
 *   connections (the serving benchmark's side-by-side load), from source.
 *
 * Rounds alternate which tree goes first. Issue 9's start-up target and
 * issue 12's "the console costs nothing when closed" (against the commit
 * before the console landed) are both read off this.
 *
 * `deno run -A bench/compare.ts --before DIR --name NAME [--rounds N] [--seconds S]`
 * where DIR holds the earlier tree (`git archive COMMIT | tar -x -C DIR`,
 * with `../shared` beside it); writes bench/results/compare_NAME.json.
 *
 * @module
 */
import { loadavg } from "node:os";
import { parseArgs } from "node:util";
import {
  bundle,
  deploy,
  machine,
  rssBytes,
  startServe,
} from "../scripts/mod.ts";
import { load } from "./_load.ts";
import { dataDirWithEcho, serveArgs, startToFirstAnswer } from "./_start.ts";
import { ROOT } from "./_nodes.ts";
import { round, summarize } from "./_stats.ts";

const { values } = parseArgs({
  args: Deno.args,
  options: {
    before: { type: "string" },
    name: { type: "string", default: "before_after" },
    rounds: { type: "string", default: "5" },
    starts: { type: "string", default: "3" },
    seconds: { type: "string", default: "5" },
  },
});
if (!values.before) {
  throw new Error("--before DIR: a checkout of the commit to compare with");
}
const rounds = Number(values.rounds);
const starts = Number(values.starts);
const seconds = Number(values.seconds);
const echo = await Deno.readFile(`${ROOT}examples/echo/echo.wasm`);
const input = crypto.getRandomValues(new Uint8Array(1024));
/** Long enough for the workers to have started and the heap to settle. */
const SETTLE_MS = 2000;
const MB = 1024 * 1024;
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** A tree and the deno arguments that run it from source and bundled. */
interface Tree {
  root: string;
  source: string[];
  bundle: string[];
}

const tmp = await Deno.makeTempDir({ prefix: "eddy-compare-" });

/** Builds `root`'s bundle with its own scripts/bundle.ts. */
async function treeAt(root: string, name: string): Promise<Tree> {
  const output = `${tmp}/${name}.js`;
  if (root === ROOT) {
    await bundle(output);
  } else {
    const { code, stderr } = await new Deno.Command(Deno.execPath(), {
      args: ["run", "-A", `${root}scripts/bundle.ts`, output],
      cwd: root,
      stdout: "null",
      stderr: "piped",
    }).output();
    if (code !== 0) throw new Error(new TextDecoder().decode(stderr));
  }
  return {
    root,
    source: ["run", "-A", `${root}cli.ts`],
    bundle: ["run", "-A", output],
  };
}

/** Milliseconds from spawning `serve` to echo's first 200. */
function startToFirstInvocation(run: string[], dataDir: string) {
  return startToFirstAnswer(
    (port) => serveArgs(run, dataDir, [], port),
    "/invoke/echo",
  );
}

/** Settled RSS of an empty node, then with echo deployed, and its load. */
async function idleAndLoad(run: string[], withLoad: boolean) {
  const dataDir = await Deno.makeTempDir({ dir: tmp });
  await using node = await startServe(Deno.execPath(), serveArgs(run, dataDir));
  await sleep(SETTLE_MS);
  const idle = rssBytes(node.pid) / MB;
  if (!withLoad) return { idle };
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
  return { idle, idleWithEcho, served };
}

type Side = "before" | "after";
/** What each round adds to, per side. */
const SERIES = [
  "startSource",
  "startBundle",
  "idleSource",
  "idleBundle",
  "idleWithEcho",
  "rps",
  "p50",
  "p99",
  "errors",
];
const series = () =>
  Object.fromEntries(SERIES.map((name) => [name, [] as number[]]));
const samples: Record<Side, Record<string, number[]>> = {
  before: series(),
  after: series(),
};

const loadBefore = loadavg()[0];
try {
  const trees: Record<Side, Tree> = {
    before: await treeAt(`${values.before.replace(/\/$/, "")}/`, "before"),
    after: await treeAt(ROOT, "after"),
  };
  const dirs = {} as Record<Side, { source: string; bundle: string }>;
  for (const side of ["before", "after"] as const) {
    dirs[side] = {
      source: await dataDirWithEcho(trees[side].source, tmp, echo),
      bundle: await dataDirWithEcho(trees[side].bundle, tmp, echo),
    };
    // One start of each, not counted: it fills Deno's caches.
    await startToFirstInvocation(trees[side].source, dirs[side].source);
    await startToFirstInvocation(trees[side].bundle, dirs[side].bundle);
  }
  for (let i = 0; i < rounds; i++) {
    const order: Side[] = i % 2 === 0
      ? ["before", "after"]
      : ["after", "before"];
    for (const side of order) {
      const t = trees[side];
      const s = samples[side];
      for (let j = 0; j < starts; j++) {
        s.startSource.push(
          await startToFirstInvocation(t.source, dirs[side].source),
        );
        s.startBundle.push(
          await startToFirstInvocation(t.bundle, dirs[side].bundle),
        );
      }
      const fromSource = await idleAndLoad(t.source, true);
      const bundled = await idleAndLoad(t.bundle, false);
      s.idleSource.push(fromSource.idle);
      s.idleBundle.push(bundled.idle);
      s.idleWithEcho.push(fromSource.idleWithEcho!);
      s.rps.push(fromSource.served!.requestsPerSecond);
      s.p50.push(fromSource.served!.latencyP50Ms);
      s.p99.push(fromSource.served!.latencyP99Ms);
      s.errors.push(fromSource.served!.errors);
      console.log(
        `${side}: start ${round(summarize(s.startSource).p50)} ms (bundle ${
          round(summarize(s.startBundle).p50)
        }), idle ${round(fromSource.idle, 1)} MB (bundle ${
          round(bundled.idle, 1)
        }), with echo ${round(fromSource.idleWithEcho!, 1)} MB, ${
          Math.round(fromSource.served!.requestsPerSecond)
        } req/s`,
      );
    }
  }
} finally {
  await Deno.remove(tmp, { recursive: true });
}

const p50 = (xs: number[], digits = 1) => round(summarize(xs).p50, digits);
const summary = (s: Record<string, number[]>) => ({
  startToFirstInvocationMs: {
    source: {
      p50: p50(s.startSource),
      p99: round(summarize(s.startSource).p99, 1),
      n: s.startSource.length,
    },
    bundle: {
      p50: p50(s.startBundle),
      p99: round(summarize(s.startBundle).p99, 1),
      n: s.startBundle.length,
    },
  },
  idleRssMB: {
    source: p50(s.idleSource),
    bundle: p50(s.idleBundle),
    sourceWithEcho: p50(s.idleWithEcho),
  },
  echo1KB64: {
    requestsPerSecond: Math.round(summarize(s.rps).p50),
    latencyP50Ms: p50(s.p50, 2),
    latencyP99Ms: p50(s.p99, 2),
    errors: s.errors.reduce((a, b) => a + b, 0),
  },
});
const before = summary(samples.before);
const after = summary(samples.after);
const ratio = (a: number, b: number) => round(a / b, 3);
const results = {
  benchmark: "compare",
  name: values.name,
  machine: machine(),
  loadAverage: { before: round(loadBefore), after: round(loadavg()[0]) },
  before: { tree: values.before, ...before },
  after: { tree: ROOT, ...after },
  afterOverBefore: {
    startSource: ratio(
      after.startToFirstInvocationMs.source.p50,
      before.startToFirstInvocationMs.source.p50,
    ),
    startBundle: ratio(
      after.startToFirstInvocationMs.bundle.p50,
      before.startToFirstInvocationMs.bundle.p50,
    ),
    idleRssSource: ratio(after.idleRssMB.source, before.idleRssMB.source),
    idleRssBundle: ratio(after.idleRssMB.bundle, before.idleRssMB.bundle),
    idleRssWithEcho: ratio(
      after.idleRssMB.sourceWithEcho,
      before.idleRssMB.sourceWithEcho,
    ),
    requestsPerSecond: ratio(
      after.echo1KB64.requestsPerSecond,
      before.echo1KB64.requestsPerSecond,
    ),
  },
  samples,
};
await Deno.writeTextFile(
  `${ROOT}bench/results/compare_${values.name}.json`,
  JSON.stringify(results, null, 2) + "\n",
);
console.log(
  JSON.stringify(
    { before, after, afterOverBefore: results.afterOverBefore },
    null,
    2,
  ),
);
