/**
 * A guest past its deadline fails alone: the workers replaced under it do
 * not fail the invocations around it, whether they were running, written
 * to a worker's ring, or queued.
 */
import assert from "node:assert/strict";
import { join } from "node:path";
import { SPIN, uploadModule } from "../_helpers/guests.ts";
import { REPO_ROOT, startNode } from "../_helpers/node_process.ts";

Deno.test("100 echoes while 4 runaway guests time out: every echo answers", async () => {
  await using node = await startNode({ flags: ["--workers", "2"] });
  const echo = await uploadModule(
    node.url,
    await Deno.readFile(join(REPO_ROOT, "examples/echo/echo.wasm")),
  );
  const runaway = await uploadModule(node.url, SPIN);
  const applied = await fetch(`${node.url}/v1/manifests`, {
    method: "POST",
    headers: { "content-type": "application/yaml" },
    body: `functions:
  - {name: echo, module: "${echo}"}
  - {name: runaway, module: "${runaway}", limits: {timeout: 300ms}}
`,
  });
  assert.equal(applied.status, 200, await applied.clone().text());
  await applied.body?.cancel();

  const invoke = (name: string, body: Uint8Array) =>
    fetch(`${node.url}/invoke/${name}`, {
      method: "POST",
      body: body as Uint8Array<ArrayBuffer>,
    });
  // Two runaways per worker, so that each worker is replaced twice while
  // echoes are on its ring or queued behind it.
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
  assert.match(metrics, /eddy_executor_restarts 4/);
});
