/**
 * Guest calls under attack, on real `cli.ts serve` processes: a function
 * that calls itself (alone, in a tree, across two nodes), a client that
 * leaves, a callee slower than its caller. Each run counts what it caused
 * from the nodes' own metrics.
 */
import assert from "node:assert/strict";
import { join } from "node:path";
import { deployModules as deploy } from "../_helpers/deploy.ts";
import { selfCaller } from "../_helpers/guests.ts";
import {
  type NodeProcess,
  REPO_ROOT,
  startNode,
} from "../_helpers/node_process.ts";

const SPIN = await Deno.readFile(join(REPO_ROOT, "examples/spin/spin.wasm"));
const ECHO = await Deno.readFile(join(REPO_ROOT, "examples/echo/echo.wasm"));

/** A node that also removes its data dir when disposed. */
async function node(flags: string[] = []): Promise<NodeProcess> {
  const started = await startNode({ flags });
  return {
    ...started,
    [Symbol.asyncDispose]: async () => {
      await started.kill();
      await Deno.remove(started.dataDir, { recursive: true });
    },
  };
}

/** One figure of a node's `/metrics`; 0 when absent. */
async function metric(url: string, series: string): Promise<number> {
  const text = await (await fetch(`${url}/metrics`)).text();
  const line = text.split("\n").find((l) => l.startsWith(`${series} `));
  return line ? Number(line.slice(series.length + 1)) : 0;
}

/** Invocations running, sent to a worker or queued on the node. */
async function inFlight(url: string): Promise<number> {
  return await metric(url, "eddy_executor_running") +
    await metric(url, "eddy_executor_queued");
}

const invocations = (url: string, fn: string) =>
  metric(url, `eddy_invocations_total{function="${fn}"}`);

/** Polls `check` until it holds; fails after `ms`. Resolves with the time it took. */
async function within(
  ms: number,
  what: string,
  check: () => Promise<boolean>,
): Promise<number> {
  const started = performance.now();
  while (!(await check())) {
    if (performance.now() - started > ms) {
      assert.fail(`${what} still false after ${ms} ms`);
    }
    await new Promise((r) => setTimeout(r, 50));
  }
  return performance.now() - started;
}

const invoke = (url: string, fn: string, signal?: AbortSignal) =>
  fetch(`${url}/invoke/${fn}`, { method: "POST", body: "", signal });

Deno.test("a self-calling guest stops at its call depth and is gone soon after its 504", async () => {
  await using n = await node(["--workers", "2"]);
  // Refused at depth 9, the deepest spins: only the 1 s deadline ends it.
  await deploy(n.url, {
    self: {
      module: selfCaller("self", { spinOnFailure: true }),
      limits: "timeout: 1s",
    },
  });
  const started = performance.now();
  const res = await invoke(n.url, "self");
  const error = (await res.json()).error;
  assert.equal(res.status, 504);
  assert.equal(error.code, "timeout");
  assert.ok(performance.now() - started < 5000, "the client waited too long");
  await within(
    2000,
    "invocations in flight after the 504",
    async () => await inFlight(n.url) === 0,
  );
  // The default limit is 8: the chain is 9 invocations deep, no more (and
  // all 9 within the second, unless the machine is very busy).
  const count = await invocations(n.url, "self");
  assert.ok(count >= 2 && count <= 9, `${count} invocations`);
  await new Promise((r) => setTimeout(r, 500));
  assert.equal(
    await invocations(n.url, "self"),
    count,
    "invocations kept coming",
  );
  assert.equal(await inFlight(n.url), 0);
});

Deno.test("a guest calling itself twice per level makes its tree and no more; the refusal names function and depth", async () => {
  await using n = await node(["--workers", "2"]);
  await deploy(n.url, {
    tree: { module: selfCaller("tree", { fanOut: 2 }), limits: "callDepth: 3" },
  });
  const res = await invoke(n.url, "tree");
  const out = await res.text();
  assert.equal(res.status, 200, out);
  // Depths 0..3: 1 + 2 + 4 + 8 invocations; the 8 leaves' 16 calls refused.
  assert.equal(await invocations(n.url, "tree"), 15);
  assert.equal(out.match(/5:\{"error"/g)?.length, 16);
  const refusal = JSON.parse(
    out.slice(out.indexOf('5:{"error"') + 2).split(
      ";",
    )[0],
  ).error;
  assert.equal(refusal.code, "call_depth_exceeded");
  assert.equal(refusal.function, "tree");
  assert.equal(refusal.depth, 4);
  assert.equal(refusal.limit, 3);
  assert.match(refusal.message, /'tree'.*depth 4.*limit is 3/);
  assert.equal(await inFlight(n.url), 0);
});

for (const [mode, hostB] of [["unix", "ha"], ["http2", "hb"]]) {
  Deno.test(`a guest calling itself through a peer is bounded across both nodes (${mode})`, async () => {
    // ping runs on a, pong on b: each calls the other.
    await using b = await node(["--node-id", "b", "--host-id", hostB]);
    await using a = await node([
      "--node-id",
      "a",
      "--host-id",
      "ha",
      "--peer",
      b.url,
    ]);
    await deploy(a.url, {
      ping: {
        module: selfCaller("pong", { spinOnFailure: true }),
        limits: "timeout: 2s, callDepth: 6",
      },
    });
    await deploy(b.url, {
      pong: {
        module: selfCaller("ping", { spinOnFailure: true }),
        limits: "timeout: 30s",
      },
    });
    const knows = async (url: string, fn: string) => {
      const { peers } = await (await fetch(`${url}/v1/peers`)).json();
      return peers.some((p: { info?: { functions: string[] } }) =>
        p.info?.functions.includes(fn)
      );
    };
    await within(
      10_000,
      "the nodes know each other's functions",
      async () => await knows(a.url, "pong") && await knows(b.url, "ping"),
    );

    const started = performance.now();
    const res = await invoke(a.url, "ping");
    const error = (await res.json()).error;
    assert.equal(res.status, 504);
    assert.equal(error.function, "ping");
    assert.ok(performance.now() - started < 6000, "the client waited too long");
    await within(
      3000,
      "invocations in flight on both nodes",
      async () => await inFlight(a.url) + await inFlight(b.url) === 0,
    );
    // Depths 0..6 alternate a, b: ping at 0, 2, 4, 6 and pong at 1, 3, 5.
    const pings = await invocations(a.url, "ping");
    const pongs = await invocations(b.url, "pong");
    assert.ok(pings >= 1 && pings <= 4, `${pings} pings`);
    assert.ok(pongs >= 1 && pongs <= 3, `${pongs} pongs`);
    await new Promise((r) => setTimeout(r, 500));
    assert.equal(await invocations(a.url, "ping"), pings);
    assert.equal(await invocations(b.url, "pong"), pongs);
    // pong's own 30 s is not what ended it: its caller's deadline did.
    assert.ok(performance.now() - started < 10_000);
  });
}

Deno.test("a client that leaves cancels its invocation; a 1-worker node serves the next at once", async () => {
  await using n = await node(["--workers", "1"]);
  await deploy(n.url, {
    spin: { module: SPIN, limits: "timeout: 30s" },
    echo: { module: ECHO },
  });
  await leaveMidSpin(n.url, n.url);
  const errors = await metric(
    n.url,
    'eddy_invocation_errors_total{function="spin",reason="cancelled"}',
  );
  assert.equal(errors, 1);
  const started = performance.now();
  const echo = await fetch(`${n.url}/invoke/echo`, {
    method: "POST",
    body: "next",
  });
  assert.equal(await echo.text(), "next");
  assert.ok(performance.now() - started < 2000, "the next invocation waited");
});

Deno.test("a callee inherits its caller's deadline: a 1 s caller of a 10 s spinner ends in about 1 s", async () => {
  await using n = await node(["--workers", "2"]);
  await deploy(n.url, {
    slow: { module: SPIN, limits: "timeout: 10s" },
    impatient: { module: selfCaller("slow"), limits: "timeout: 1s" },
  });
  const started = performance.now();
  const res = await invoke(n.url, "impatient");
  assert.equal(res.status, 504);
  await res.body?.cancel();
  const ended = await within(
    3000,
    "the callee to end",
    async () => await inFlight(n.url) === 0,
  );
  assert.ok(
    performance.now() - started < 4000,
    `took ${performance.now() - started} ms with the callee`,
  );
  assert.ok(ended < 3000);
  assert.equal(
    await metric(
      n.url,
      'eddy_invocation_errors_total{function="slow",reason="timeout"}',
    ) +
      await metric(
        n.url,
        'eddy_invocation_errors_total{function="slow",reason="cancelled"}',
      ),
    1,
  );
});

for (const [mode, hostB] of [["unix", "ha"], ["http2", "hb"]]) {
  Deno.test(`a client that leaves cancels the invocation its node forwarded by ${mode}`, async () => {
    await using b = await node([
      "--node-id",
      "b",
      "--host-id",
      hostB,
      "--workers",
      "1",
    ]);
    await using a = await node([
      "--node-id",
      "a",
      "--host-id",
      "ha",
      "--peer",
      b.url,
    ]);
    await deploy(b.url, {
      spin: { module: SPIN, limits: "timeout: 30s" },
      echo: { module: ECHO },
    });
    await within(10_000, "a to know b's functions", async () => {
      const { peers } = await (await fetch(`${a.url}/v1/peers`)).json();
      return peers[0]?.info?.functions.includes("spin");
    });
    await leaveMidSpin(a.url, b.url);
    const echo = await fetch(`${a.url}/invoke/echo`, {
      method: "POST",
      body: "next",
    });
    assert.equal(echo.headers.get("x-eddy-via"), mode);
    assert.equal(await echo.text(), "next");
  });
}

/**
 * Invokes `spin` through `url`, waits until it runs on `runsOn`, leaves after
 * a second, and waits until `runsOn` has stopped it.
 */
async function leaveMidSpin(url: string, runsOn: string): Promise<void> {
  const client = new AbortController();
  const leaving = invoke(url, "spin", client.signal).catch((e) => e);
  await within(
    5000,
    "the spin to start",
    async () => await inFlight(runsOn) === 1,
  );
  await new Promise((r) => setTimeout(r, 1000));
  client.abort();
  assert.equal((await leaving).name, "AbortError");
  await within(
    3000,
    "the spin to be stopped",
    async () => await inFlight(runsOn) === 0,
  );
}
