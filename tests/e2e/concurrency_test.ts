/**
 * `limits.concurrency`: a function's invocations beyond it are refused
 * (503 `overloaded`, naming it, with Retry-After) instead of queued, within
 * a round of api/refusal_pace.ts, while other functions keep answering;
 * waiting for a worker shows in metrics apart from run time.
 */
import assert from "node:assert/strict";
import { join } from "node:path";
import { uploadModule } from "../_helpers/deploy.ts";
import { spinner } from "../_helpers/guests.ts";
import { REPO_ROOT, startNode } from "../_helpers/node_process.ts";
import { REFUSAL_ROUND_MS } from "../../api/refusal_pace.ts";

const apply = (url: string, yaml: string) =>
  fetch(`${url}/v1/manifests`, {
    method: "POST",
    headers: { "content-type": "application/yaml" },
    body: yaml,
  });

/**
 * Deploys `echo` and `busy` (a guest that spins until its 1 s timeout, at
 * most `concurrency` in flight) on the node at `url`; the spinner's digest.
 */
async function deployEchoAndBusy(
  url: string,
  concurrency: number,
): Promise<string> {
  const echo = await uploadModule(
    url,
    await Deno.readFile(join(REPO_ROOT, "examples/echo/echo.wasm")),
  );
  const spin = await uploadModule(url, spinner());
  const applied = await apply(
    url,
    `functions:
  - {name: echo, module: "${echo}"}
  - {name: busy, module: "${spin}", limits: {timeout: 1s, concurrency: ${concurrency}}}
`,
  );
  assert.equal(applied.status, 200, await applied.clone().text());
  await applied.body?.cancel();
  return spin;
}

Deno.test("limits.concurrency refuses a function's excess instead of queueing it; others keep answering", async () => {
  await using node = await startNode({ flags: ["--workers", "3"] });
  const spin = await deployEchoAndBusy(node.url, 2);

  const bad = await apply(
    node.url,
    `functions: [{name: busy, module: "${spin}", limits: {concurrency: 0}}]`,
  );
  assert.equal(bad.status, 400);
  assert.match((await bad.json()).error.message, /limits\.concurrency/);

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

Deno.test("an invocation past limits.concurrency is refused before its body is read", async () => {
  await using node = await startNode({ flags: ["--workers", "2"] });
  const spin = await uploadModule(node.url, spinner());
  const applied = await apply(
    node.url,
    `functions: [{name: busy, module: "${spin}", limits: {timeout: 2s, concurrency: 1}}]`,
  );
  assert.equal(applied.status, 200, await applied.clone().text());
  await applied.body?.cancel();
  const held = fetch(`${node.url}/invoke/busy`, { method: "POST" });
  await new Promise((r) => setTimeout(r, 200));

  // Headers and 5 of the 1,000,000 bytes they announce; the rest never
  // comes. The refusal must not wait for it.
  const { hostname, port } = new URL(node.url);
  const conn = await Deno.connect({ hostname, port: Number(port) });
  // A node that waits for the body answers nothing: fail, do not hang.
  const giveUp = setTimeout(() => conn.close(), 5000);
  try {
    await conn.write(new TextEncoder().encode(
      `POST /invoke/busy HTTP/1.1\r\nhost: ${hostname}\r\ncontent-length: 1000000\r\n\r\nhello`,
    ));
    const buffer = new Uint8Array(4096);
    const n = await conn.read(buffer);
    const head = new TextDecoder().decode(buffer.subarray(0, n ?? 0));
    assert.match(head, /^HTTP\/1\.1 503 /);
    assert.match(head, /retry-after: 1/i);
    assert.match(head, /"code":"overloaded"/);
  } finally {
    clearTimeout(giveUp);
    try {
      conn.close();
    } catch {
      // Closed by giveUp already.
    }
  }

  const res = await held;
  assert.equal(res.status, 504);
  await res.body?.cancel();
  const metrics = await (await fetch(`${node.url}/metrics`)).text();
  assert.match(
    metrics,
    /eddy_invocation_errors_total\{function="busy",reason="overloaded"\} 1/,
  );
});

Deno.test("clients that retry a function at its limits.concurrency at once get one refusal a round each, and others keep answering", async () => {
  await using node = await startNode({ flags: ["--workers", "2"] });
  await deployEchoAndBusy(node.url, 1);
  const held = fetch(`${node.url}/invoke/busy`, { method: "POST" });
  await new Promise((r) => setTimeout(r, 100));

  // 8 clients that ignore Retry-After, for 500 ms.
  const until = performance.now() + 500;
  const storm = Array.from({ length: 8 }, async () => {
    let refused = 0;
    while (performance.now() < until) {
      const res = await fetch(`${node.url}/invoke/busy`, { method: "POST" });
      assert.equal(res.status, 503);
      assert.equal(res.headers.get("retry-after"), "1");
      assert.equal((await res.json()).error.code, "overloaded");
      refused++;
    }
    return refused;
  });
  const echoes = [];
  while (performance.now() < until) {
    const res = await fetch(`${node.url}/invoke/echo`, {
      method: "POST",
      body: "beside",
    });
    echoes.push(await res.text());
  }
  // Answered at once, each client could send thousands; held for a round
  // (REFUSAL_ROUND_MS), one a round, and one more for the round under way.
  const most = Math.ceil(500 / REFUSAL_ROUND_MS) + 1;
  for (const refused of await Promise.all(storm)) {
    assert.ok(refused >= 1 && refused <= most, `${refused} refusals`);
  }
  assert.ok(echoes.length > 0);
  assert.ok(echoes.every((body) => body === "beside"));
  const res = await held;
  assert.equal(res.status, 504);
  await res.body?.cancel();
});
