/**
 * A guest past its deadline fails alone: the interrupt checks stop it in
 * its worker, without failing the invocations around it, whether they were
 * running, written to a worker's ring, or queued. A module the checks
 * cannot reach (an instruction the rewrite does not know) is refused, at
 * deploy and, if stored before deploys checked, when run: nothing else
 * stops a spinning guest (Deno's `Worker.terminate()` leaves it running),
 * so each run of one would hold a core for good.
 */
import assert from "node:assert/strict";
import { join } from "node:path";
import { deployModules } from "../_helpers/deploy.ts";
import { spinner } from "../_helpers/guests.ts";
import { REPO_ROOT, sha256, startNode } from "../_helpers/node_process.ts";
import { threads } from "../_helpers/probe.ts";

Deno.test("100 echoes while 4 runaway guests time out: every echo answers", async () => {
  await using node = await startNode({ flags: ["--workers", "2"] });
  await deployModules(node.url, {
    echo: {
      module: await Deno.readFile(join(REPO_ROOT, "examples/echo/echo.wasm")),
    },
    runaway: { module: spinner(), limits: "timeout: 300ms" },
  });

  const invoke = (name: string, body: Uint8Array) =>
    fetch(`${node.url}/invoke/${name}`, {
      method: "POST",
      body: body as Uint8Array<ArrayBuffer>,
    });
  // Two runaways per worker: each is interrupted while echoes are on its
  // worker's ring or queued behind it.
  const runaways = Array.from(
    { length: 4 },
    () => invoke("runaway", new Uint8Array()),
  );
  await new Promise((r) => setTimeout(r, 20));
  const inputs = Array.from({ length: 100 }, (_, i) => {
    const bytes = new Uint8Array(1024);
    for (let j = 0; j < bytes.length; j++) bytes[j] = (i * 31 + j) & 0xff;
    return bytes;
  });
  const echoes = inputs.map((input) => invoke("echo", input));

  const answers = await Promise.all(echoes);
  const failed: string[] = [];
  for (const [i, res] of answers.entries()) {
    const body = new Uint8Array(await res.arrayBuffer());
    if (res.status !== 200) {
      failed.push(`echo ${i}: ${res.status} ${new TextDecoder().decode(body)}`);
    } else if (
      !body.every((b, j) => b === inputs[i][j]) || body.length !== 1024
    ) {
      failed.push(`echo ${i}: wrong bytes`);
    }
  }
  assert.deepEqual(failed, []);
  for (const res of await Promise.all(runaways)) {
    assert.equal(res.status, 504);
    assert.equal((await res.json()).error.reason, "timeout");
  }
  const metrics = await (await fetch(`${node.url}/metrics`)).text();
  assert.match(
    metrics,
    /eddy_invocation_errors_total\{function="runaway",reason="timeout"\} 4/,
  );
  assert.match(metrics, /eddy_invocations_total\{function="echo"\} 100/);
  // Stopped in their workers: no worker was replaced.
  assert.match(metrics, /eddy_executor_restarts 0/);
  assert.deepEqual(await spinningWorkers(node.process.pid), []);
});

Deno.test("a module whose runs could not be stopped is refused at deploy; nothing is stored, nothing spins", async () => {
  await using node = await startNode({ flags: ["--workers", "2"] });
  const stuck = uninterruptible(spinner());
  for (
    const [path, method] of [
      ["/v1/modules", "PUT"],
      ["/v1/functions/stuck", "PUT"],
    ]
  ) {
    const res = await fetch(`${node.url}${path}`, {
      method,
      headers: { "content-type": "application/wasm" },
      body: stuck,
    });
    const { error } = await res.json();
    assert.equal(res.status, 400, `${method} ${path}`);
    assert.equal(error.code, "invalid_module");
    assert.match(error.message, /deadline checks \(unsupported opcode 0xfb/);
  }
  assert.deepEqual(await (await fetch(`${node.url}/v1/modules`)).json(), {
    modules: [],
  });
  const res = await fetch(`${node.url}/invoke/stuck`, { method: "POST" });
  assert.equal(res.status, 404, await res.text());
  assert.deepEqual(await spinningWorkers(node.process.pid), []);
});

Deno.test("one stored before deploys checked is refused when run; its neighbours run, nothing spins", async () => {
  const node = await startNode({ flags: ["--workers", "2"] });
  await deployModules(node.url, {
    runaway: { module: spinner(), limits: "timeout: 300ms" },
  });
  await node.stop();
  // What an older node would have stored: the module, and a function of it.
  const stuck = uninterruptible(spinner());
  const digest = await sha256(stuck);
  await Deno.writeFile(join(node.dataDir, "modules", `${digest}.wasm`), stuck);
  const deployments = JSON.parse(
    await Deno.readTextFile(join(node.dataDir, "deployments.json")),
  );
  deployments.functions.push({
    ...deployments.functions[0],
    name: "stuck",
    module: `sha256:${digest}`,
  });
  await Deno.writeTextFile(
    join(node.dataDir, "deployments.json"),
    JSON.stringify(deployments),
  );

  await using restarted = await startNode({
    dataDir: node.dataDir,
    flags: ["--workers", "2"],
  });
  const invoke = (name: string) =>
    fetch(`${restarted.url}/invoke/${name}`, { method: "POST" });
  const [stuckRes, runawayRes] = await Promise.all([
    invoke("stuck"),
    invoke("runaway"),
  ]);
  const { error } = await stuckRes.json();
  assert.equal(stuckRes.status, 400);
  assert.equal(error.code, "invalid_module");
  assert.match(error.message, /could not be stopped/);
  assert.equal(runawayRes.status, 504);
  assert.equal((await runawayRes.json()).error.reason, "timeout");
  assert.deepEqual(await spinningWorkers(restarted.process.pid), []);
});

/**
 * Threads of process `pid` still on a CPU a second after the invocations
 * ended: their names and the CPU time (ms) each used over that second.
 */
async function spinningWorkers(pid: number): Promise<string[]> {
  const cpu = () =>
    new Map(threads(pid).map((t) => [`${t.name} ${t.id}`, t.cpuMs]));
  await new Promise((r) => setTimeout(r, 1000));
  const before = cpu();
  await new Promise((r) => setTimeout(r, 1000));
  const spinning: string[] = [];
  for (const [thread, ms] of cpu()) {
    const spent = ms - (before.get(thread) ?? ms);
    if (spent > 500) spinning.push(`${thread}: ${spent} ms of CPU in 1 s`);
  }
  return spinning;
}

/**
 * `spin` with `(drop (ref.i31 (i32.const 0)))` in place of its leading
 * `(nop) (drop (i32.const 0)) (nop)` (see `spinner`): a GC instruction the interrupt
 * rewrite does not know, so the module runs without checks.
 */
function uninterruptible(
  spin: Uint8Array<ArrayBuffer>,
): Uint8Array<ArrayBuffer> {
  const bytes = spin.slice();
  const at = bytes.findIndex((_, i) =>
    [0x01, 0x41, 0x00, 0x1a, 0x01].every((b, j) => bytes[i + j] === b)
  );
  assert.ok(at > 0, "spin's leading nops");
  bytes.set([0x41, 0x00, 0xfb, 0x1c, 0x1a], at);
  return bytes;
}
