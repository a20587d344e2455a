/**
 * Invocation benchmark.
 *
 * (a) In-process: instantiate + run + collect stdout of the echo example
 *     with 1 KB input, beside a bare `new WebAssembly.Instance` of the same
 *     module (the floor). Target p50 ≤ 40 µs.
 * (b) HTTP: `POST /invoke/echo` with 1 KB bodies against a real
 *     `cli.ts serve` on loopback under wrk (or a bounded Deno client), beside
 *     a bare Deno.serve hello world, a bare Deno.serve POST echo and the
 *     same echo through one worker postMessage round trip, in the same run.
 *     Target ≥ 25,000 req/s on 2 cores.
 *
 * `deno run -A bench/invoke.ts [--quick]`; writes bench/results/invoke.json.
 */
import { fileURLToPath } from "node:url";
import { load, type LoadResult } from "./_load.ts";
import { machine } from "../scripts/mod.ts";
import { round, type Summary } from "./_stats.ts";
import { measureInstantiation } from "./startup.ts";

const quick = Deno.args.includes("--quick");
const root = fileURLToPath(new URL("../", import.meta.url));
const echoBytes = await Deno.readFile(`${root}examples/echo/echo.wasm`);
const input = crypto.getRandomValues(new Uint8Array(1024));

async function spawnServer(args: string[]) {
  const child = new Deno.Command(Deno.execPath(), {
    args: ["run", "-A", ...args],
    cwd: root,
    stdout: "piped",
    stderr: "inherit",
  }).spawn();
  const reader = child.stdout.pipeThrough(new TextDecoderStream()).getReader();
  let seen = "";
  while (!/listening on (http:\/\/\S+)/.test(seen)) {
    const { done, value } = await reader.read();
    if (done) throw new Error(`server exited: ${seen}`);
    seen += value;
  }
  (async () => {
    while (!(await reader.read()).done) { /* drain */ }
  })();
  return {
    url: /listening on (http:\/\/\S+)/.exec(seen)![1],
    async stop() {
      child.kill("SIGKILL");
      await child.status;
    },
  };
}

async function overHttp(): Promise<Record<string, LoadResult>> {
  const seconds = quick ? 3 : 10;
  const connections = 50;
  const dataDir = await Deno.makeTempDir();
  const eddy = await spawnServer([
    "cli.ts",
    "serve",
    "--port",
    "0",
    "--data-dir",
    dataDir,
  ]);
  const floors = await spawnServer(["bench/_hello_server.ts", "0"]);
  try {
    const put = await fetch(`${eddy.url}/v1/functions/echo`, {
      method: "PUT",
      headers: { "content-type": "application/wasm" },
      body: echoBytes,
    });
    if (!put.ok) throw new Error(await put.text());
    await put.body?.cancel();
    const check = await fetch(`${eddy.url}/invoke/echo`, {
      method: "POST",
      body: input,
    });
    if ((await check.arrayBuffer()).byteLength !== input.byteLength) {
      throw new Error("echo broken");
    }
    // Warm up both servers (JIT, workers) before measuring.
    await load({
      url: `${eddy.url}/invoke/echo`,
      method: "POST",
      body: input,
      connections,
      seconds: 1,
    });
    await load({ url: floors.url, method: "GET", connections, seconds: 1 });
    return {
      hello: await load({
        url: floors.url,
        method: "GET",
        connections,
        seconds,
      }),
      postEcho: await load({
        url: floors.url,
        method: "POST",
        body: input,
        connections,
        seconds,
      }),
      workerHop: await load({
        url: `${floors.url}/worker`,
        method: "POST",
        body: input,
        connections,
        seconds,
      }),
      eddy: await load({
        url: `${eddy.url}/invoke/echo`,
        method: "POST",
        body: input,
        connections,
        seconds,
      }),
    };
  } finally {
    await eddy.stop();
    await floors.stop();
    await Deno.remove(dataDir, { recursive: true });
  }
}

// The worker's own path (see bench/startup.ts), beside bare instances.
const a = measureInstantiation(quick ? 5_000 : 50_000, 1000);
const b = await overHttp();
const results = {
  benchmark: "invoke",
  quick,
  machine: machine(),
  inProcess: {
    unit: "µs",
    floorInstanceFreshMemory: {
      p50: round(a.floorFresh.p50),
      p99: round(a.floorFresh.p99),
      n: a.floorFresh.n,
    },
    floorInstanceRecycledMemory: {
      p50: round(a.floorRecycled.p50),
      p99: round(a.floorRecycled.p99),
      n: a.floorRecycled.n,
    },
    invokeEcho1KB: {
      p50: round(a.invoke.p50),
      p99: round(a.invoke.p99),
      n: a.invoke.n,
    },
    ratioP50ToFreshInstance: round(a.invoke.p50 / a.floorFresh.p50),
    ratioP50ToRecycledInstance: round(a.invoke.p50 / a.floorRecycled.p50),
    targetP50: 40,
    meetsTarget: a.invoke.p50 <= 40,
  },
  http: {
    tool: b.eddy.tool,
    connections: 50,
    helloWorld: b.hello,
    postEcho1KB: b.postEcho,
    postEchoThroughWorker1KB: b.workerHop,
    eddyInvokeEcho1KB: b.eddy,
    ratioToHelloWorld: round(
      b.eddy.requestsPerSecond / b.hello.requestsPerSecond,
    ),
    ratioToPostEcho: round(
      b.eddy.requestsPerSecond / b.postEcho.requestsPerSecond,
    ),
    targetRequestsPerSecond: 25_000,
    meetsTarget: b.eddy.requestsPerSecond >= 25_000,
  },
};
await Deno.mkdir(`${root}bench/results`, { recursive: true });
await Deno.writeTextFile(
  `${root}bench/results/invoke.json`,
  JSON.stringify(results, null, 2) + "\n",
);

const rps = (r: LoadResult) =>
  `${Math.round(r.requestsPerSecond)} req/s (p50 ${
    round(r.latencyP50Ms)
  } ms, p99 ${round(r.latencyP99Ms)} ms)`;
console.log(
  `machine: ${results.machine.cpu}, ${results.machine.cores} cores, deno ${results.machine.deno}`,
);
console.log(`(a) in-process, µs                   p50      p99`);
const row = (label: string, x: Summary) =>
  console.log(
    `    ${label.padEnd(28)}${round(x.p50).toString().padStart(8)} ${
      round(x.p99).toString().padStart(8)
    }`,
  );
row("bare Instance, fresh memory", a.floorFresh);
row("bare Instance, recycled mem", a.floorRecycled);
row("eddy echo 1 KB", a.invoke);
console.log(
  `    ratio to fresh ${results.inProcess.ratioP50ToFreshInstance}x, to recycled ${results.inProcess.ratioP50ToRecycledInstance}x; target p50 ≤ 40 µs: ${
    results.inProcess.meetsTarget ? "met" : "MISSED"
  }`,
);
console.log(`(b) HTTP, ${b.eddy.tool}, 50 connections`);
console.log(`    Deno.serve hello    ${rps(b.hello)}`);
console.log(`    Deno.serve echo 1KB ${rps(b.postEcho)}`);
console.log(`    + worker hop        ${rps(b.workerHop)}`);
console.log(`    eddy invoke echo    ${rps(b.eddy)}`);
console.log(
  `    ratio to hello ${results.http.ratioToHelloWorld}, to raw echo ${results.http.ratioToPostEcho}; target ≥ 25000 req/s: ${
    results.http.meetsTarget ? "met" : "MISSED"
  }`,
);
