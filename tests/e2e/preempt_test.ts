/**
 * Guests stopped at their deadline without their worker, and guests asleep
 * in `poll_oneoff` that leave their worker to others, on real nodes.
 *
 * @module
 */
import assert from "node:assert/strict";
import { join } from "node:path";
import { recursor, sleeper, spinner } from "../_helpers/guests.ts";
import { deployModules } from "../_helpers/deploy.ts";
import { REPO_ROOT, startNode } from "../_helpers/node_process.ts";
import { gauge } from "../_helpers/probe.ts";

const invoke = (url: string, fn: string, signal?: AbortSignal) =>
  fetch(`${url}/invoke/${fn}`, { method: "POST", body: fn, signal });

/** The status and body of an answer. */
async function answer(res: Response): Promise<[number, string]> {
  return [res.status, await res.text()];
}

const echo = () => Deno.readFile(join(REPO_ROOT, "examples/echo/echo.wasm"));

Deno.test("runaway guests answer 504 with their stderr; their worker and the invocations beside them go on", async () => {
  await using node = await startNode({ flags: ["--workers", "1"] });
  await deployModules(node.url, {
    spin: { module: spinner(), limits: "timeout: 500ms" },
    recurse: { module: recursor(), limits: "timeout: 500ms" },
    nap: { module: sleeper(1500) },
    echo: { module: await echo() },
  });
  // Warm: the worker is up and holds the modules.
  assert.deepEqual(await answer(await invoke(node.url, "echo")), [200, "echo"]);
  // A sleeper parked in the only worker while the runaways are stopped:
  // had the worker been replaced, it would fail.
  const nap = invoke(node.url, "nap");
  await new Promise((r) => setTimeout(r, 200));
  const [spin, recurse, beside] = await Promise.all([
    invoke(node.url, "spin"),
    invoke(node.url, "recurse"),
    invoke(node.url, "echo"),
  ]);
  for (const [res, stderr] of [[spin, "spinning"], [recurse, "recursing"]]) {
    const [status, body] = await answer(res as Response);
    assert.equal(status, 504, body);
    const { error } = JSON.parse(body);
    assert.equal(error.reason, "timeout");
    assert.equal(error.stderr, stderr);
  }
  assert.deepEqual(await answer(beside), [200, "echo"]);
  assert.deepEqual(await answer(await nap), [200, "woke"]);
  assert.equal(await gauge(node.url, "eddy_executor_restarts"), 0);
});

Deno.test("sleeping guests leave their worker to others; deadlines and client disconnects still end them", async () => {
  await using node = await startNode({ flags: ["--workers", "1"] });
  await deployModules(node.url, {
    nap: { module: sleeper(2000) },
    late: { module: sleeper(10_000), limits: "timeout: 300ms" },
    long: { module: sleeper(10_000) },
    echo: { module: await echo() },
  });
  assert.deepEqual(await answer(await invoke(node.url, "echo")), [200, "echo"]);
  const answered: string[] = [];
  const naps = [1, 2].map((i) =>
    invoke(node.url, "nap").then(answer).then((a) => {
      answered.push(`nap ${i}`);
      return a;
    })
  );
  await new Promise((r) => setTimeout(r, 100));
  assert.deepEqual(await answer(await invoke(node.url, "echo")), [200, "echo"]);
  answered.push("echo");
  for (const nap of naps) assert.deepEqual(await nap, [200, "woke"]);
  assert.deepEqual([...answered].sort(), ["echo", "nap 1", "nap 2"]);
  assert.equal(answered[0], "echo", "the echo waited for the sleepers");

  const [status, body] = await answer(await invoke(node.url, "late"));
  assert.equal(status, 504, body);
  assert.equal(JSON.parse(body).error.reason, "timeout");
  assert.equal(JSON.parse(body).error.stderr, "going to sleep");

  const client = new AbortController();
  const leaving = invoke(node.url, "long", client.signal).catch((e) => e);
  const until = Date.now() + 5000;
  while (await gauge(node.url, "eddy_executor_running") === 0) {
    assert.ok(Date.now() < until, "the sleeper never started");
    await new Promise((r) => setTimeout(r, 20));
  }
  client.abort();
  assert.equal((await leaving).name, "AbortError");
  // Unwound at once, not after its 10 s sleep.
  while (await gauge(node.url, "eddy_executor_running") > 0) {
    assert.ok(Date.now() < until, "the sleeper was not cancelled");
    await new Promise((r) => setTimeout(r, 20));
  }
  assert.equal(await gauge(node.url, "eddy_executor_restarts"), 0);
});

Deno.test("a client that leaves at once still stops its guest: the request's signal, read late, has aborted", async () => {
  await using node = await startNode({ flags: ["--workers", "1"] });
  await deployModules(node.url, {
    spin: { module: spinner(), limits: "timeout: 60s" },
    echo: { module: await echo() },
  });
  assert.deepEqual(await answer(await invoke(node.url, "echo")), [200, "echo"]);
  const client = new AbortController();
  const leaving = invoke(node.url, "spin", client.signal).catch((e) => e);
  // Gone within a few milliseconds: before the node reads the request's
  // signal (at the job's second watchdog round, 5-10 ms; see JobSignal).
  await new Promise((r) => setTimeout(r, 3));
  client.abort();
  assert.equal((await leaving).name, "AbortError");
  const cancelled = async () =>
    /eddy_invocation_errors_total\{function="spin",reason="cancelled"\} 1$/m
      .test(await (await fetch(`${node.url}/metrics`)).text());
  const until = Date.now() + 10_000;
  while (!await cancelled() || await gauge(node.url, "eddy_executor_running")) {
    assert.ok(Date.now() < until, "the spin ran on after its client left");
    await new Promise((r) => setTimeout(r, 20));
  }
  assert.deepEqual(await answer(await invoke(node.url, "echo")), [200, "echo"]);
});
