/**
 * `limits.concurrency`: a function's invocations beyond it are refused at
 * once (503 `overloaded`, naming it, with Retry-After) while other
 * functions keep answering; waiting for a worker shows in metrics apart
 * from run time.
 */
import assert from "node:assert/strict";
import { join } from "node:path";
import { uploadModule } from "../_helpers/deploy.ts";
import { spinner } from "../_helpers/guests.ts";
import { REPO_ROOT, startNode } from "../_helpers/node_process.ts";

const apply = (url: string, yaml: string) =>
  fetch(`${url}/v1/manifests`, {
    method: "POST",
    headers: { "content-type": "application/yaml" },
    body: yaml,
  });

Deno.test("limits.concurrency refuses a function's excess at once; others keep answering", async () => {
  await using node = await startNode({ flags: ["--workers", "3"] });
  const echo = await uploadModule(
    node.url,
    await Deno.readFile(join(REPO_ROOT, "examples/echo/echo.wasm")),
  );
  const spin = await uploadModule(node.url, spinner());

  const bad = await apply(
    node.url,
    `functions: [{name: busy, module: "${spin}", limits: {concurrency: 0}}]`,
  );
  assert.equal(bad.status, 400);
  assert.match((await bad.json()).error.message, /limits\.concurrency/);

  const applied = await apply(
    node.url,
    `functions:
  - {name: echo, module: "${echo}"}
  - {name: busy, module: "${spin}", limits: {timeout: 1s, concurrency: 2}}
`,
  );
  assert.equal(applied.status, 200, await applied.clone().text());
  await applied.body?.cancel();
  const listed = await (await fetch(`${node.url}/v1/functions/busy`)).json();
  assert.equal(listed.limits.concurrency, 2);

  const invoke = (name: string, body = "") =>
    fetch(`${node.url}/invoke/${name}`, { method: "POST", body });
  const flood = Array.from({ length: 6 }, () => invoke("busy"));
  // The two admitted hold their places for a second: meanwhile echo runs.
  await new Promise((r) => setTimeout(r, 100));
  const echoes = await Promise.all(
    Array.from({ length: 10 }, (_, i) => invoke("echo", `echo ${i}`)),
  );
  for (const [i, res] of echoes.entries()) {
    assert.equal(res.status, 200);
    assert.equal(await res.text(), `echo ${i}`);
  }
  const statuses: number[] = [];
  for (const res of await Promise.all(flood)) {
    statuses.push(res.status);
    const { error } = await res.json();
    if (res.status === 503) {
      assert.equal(error.code, "overloaded");
      assert.equal(error.function, "busy");
      assert.match(error.message, /limits\.concurrency/);
      assert.equal(res.headers.get("retry-after"), "1");
    } else {
      assert.equal(error.reason, "timeout");
    }
  }
  assert.deepEqual(statuses.sort(), [503, 503, 503, 503, 504, 504]);

  // Once they ended, the function takes invocations again.
  const again = await invoke("busy");
  assert.equal(again.status, 504);
  await again.body?.cancel();

  const metrics = await (await fetch(`${node.url}/metrics`)).text();
  assert.match(
    metrics,
    /eddy_invocation_errors_total\{function="busy",reason="overloaded"\} 4/,
  );
  assert.match(
    metrics,
    /eddy_invocation_queue_seconds_count\{function="echo"\} 10/,
  );
});
