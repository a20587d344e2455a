/**
 * Short work does not wait behind long work: when every worker has run a
 * guest for a while and invocations wait, an extra worker starts and takes
 * them; it ends once it has stayed idle.
 */
import assert from "node:assert/strict";
import { join } from "node:path";
import { deployModules } from "../_helpers/deploy.ts";
import { spinner } from "../_helpers/guests.ts";
import { REPO_ROOT, startNode } from "../_helpers/node_process.ts";

async function workers(url: string): Promise<number> {
  const text = await (await fetch(`${url}/metrics`)).text();
  return Number(/^eddy_executor_workers (\d+)$/m.exec(text)![1]);
}

Deno.test("an echo answers while the only worker runs a long guest; the extra worker ends once idle", async () => {
  await using node = await startNode({ flags: ["--workers", "1"] });
  await deployModules(node.url, {
    echo: {
      module: await Deno.readFile(join(REPO_ROOT, "examples/echo/echo.wasm")),
    },
    spin: { module: spinner(), limits: "timeout: 2s" },
  });
  const invoke = (name: string, body = "") =>
    fetch(`${node.url}/invoke/${name}`, { method: "POST", body });
  // One run tells the node a spin is long (and is not sent ahead of others).
  const first = await invoke("spin");
  assert.equal(first.status, 504);
  await first.body?.cancel();

  const order: string[] = [];
  const spinning = invoke("spin").then(async (res) => {
    order.push("spin");
    assert.equal(res.status, 504);
    await res.body?.cancel();
  });
  await new Promise((r) => setTimeout(r, 20));
  const res = await invoke("echo", "short");
  order.push("echo");
  assert.equal(res.status, 200);
  assert.equal(await res.text(), "short");
  assert.equal(await workers(node.url), 2);
  await spinning;
  assert.deepEqual(order, ["echo", "spin"]);

  // Idle again, the node goes back to its one worker.
  const until = Date.now() + 30_000;
  while (await workers(node.url) !== 1) {
    assert.ok(Date.now() < until, "the extra worker never ended");
    await new Promise((r) => setTimeout(r, 200));
  }
  const after = await invoke("echo", "after");
  assert.equal(await after.text(), "after");
});
