/**
 * Cluster membership with `--peer` alone, as a new user meets it: restarts,
 * nodes that share one peer, nodes that are down, workflows seen from every
 * node, and why a peer is down.
 */
import assert from "node:assert/strict";
import { until } from "../_helpers/data.ts";
import { deployExample, peersOf, sees } from "../_helpers/peers.ts";
import {
  type NodeProcess,
  sha256,
  startNode,
} from "../_helpers/node_process.ts";

async function deployWorkflow(url: string, spec: string): Promise<Response> {
  return await fetch(`${url}/v1/workflows`, {
    method: "POST",
    headers: { "content-type": "application/yaml" },
    body: spec,
  });
}

/** A port nothing listens on now, for a node that must come back on it. */
function freePort(): number {
  const listener = Deno.listen({ hostname: "127.0.0.1", port: 0 });
  const { port } = listener.addr as Deno.NetAddr;
  listener.close();
  return port;
}

const UP_THEN_HASH = `
name: up-then-hash
steps:
  - { name: up, function: up }
  - { name: hash, function: hash, after: [up] }
`;

async function runWorkflow(url: string, name: string, input: string) {
  const res = await fetch(`${url}/workflows/${name}`, {
    method: "POST",
    body: input,
  });
  return { status: res.status, body: new Uint8Array(await res.arrayBuffer()) };
}

const FAST = ["--host-id", "h1"];

Deno.test("a node killed and restarted with the same flags is seen and used again", async () => {
  const port = freePort();
  const bFlags = ["--node-id", "b", ...FAST, "--port", String(port)];
  let b: NodeProcess = await startNode({ flags: bFlags });
  await using a = await startNode({
    flags: ["--node-id", "a", ...FAST, "--peer", b.url],
  });
  try {
    await deployExample(b.url, "up", "uppercase");
    await deployExample(a.url, "hash", "sha256");
    await until(
      "b is seen with 'up'",
      async () =>
        (await peersOf(a.url)).some((p) => p.info?.functions.includes("up")),
    );
    assert.equal(
      (await deployWorkflow(a.url, UP_THEN_HASH)).status,
      201,
    );
    const first = await runWorkflow(a.url, "up-then-hash", "hello");
    assert.equal(first.status, 200);

    await b.kill();
    await until("a sees b down", () => sees(a.url, "b", false));
    const down = (await peersOf(a.url)).find((p) => p.info?.id === "b")!;
    assert.match(down.lastError ?? "", /^ECONNREFUSED/);

    b = await startNode({ dataDir: b.dataDir, flags: bFlags });
    await until("a sees b up again", () => sees(a.url, "b"));
    await until("b knows a again", () => sees(b.url, "a"));
    const again = await runWorkflow(a.url, "up-then-hash", "hello");
    assert.equal(again.status, 200, new TextDecoder().decode(again.body));
    assert.deepEqual(again.body, first.body);
    assert.equal(
      new TextDecoder().decode(again.body).trim(),
      await sha256(new TextEncoder().encode("HELLO")),
    );
  } finally {
    await b.kill();
  }
});

Deno.test("nodes that share one peer learn of each other", async () => {
  await using a = await startNode({ flags: ["--node-id", "a", ...FAST] });
  await using b = await startNode({
    flags: ["--node-id", "b", ...FAST, "--peer", a.url],
  });
  await using c = await startNode({
    flags: ["--node-id", "c", "--host-id", "h2", "--peer", a.url],
  });
  await deployExample(b.url, "up", "uppercase");
  await deployExample(c.url, "hash", "sha256");
  await until("b knows c", () => sees(b.url, "c"));
  await until("c knows b", () => sees(c.url, "b"));
  await until("a sees both functions", async () => {
    const fns = (await peersOf(a.url)).flatMap((p) => p.info?.functions ?? []);
    return fns.includes("up") && fns.includes("hash");
  });
  assert.equal((await deployWorkflow(a.url, UP_THEN_HASH)).status, 201);
  const run = await runWorkflow(a.url, "up-then-hash", "spread");
  assert.equal(run.status, 200, new TextDecoder().decode(run.body));
  assert.equal(
    new TextDecoder().decode(run.body).trim(),
    await sha256(new TextEncoder().encode("SPREAD")),
  );
});

Deno.test("a function or workflow whose only node is down answers 503 naming it", async () => {
  await using b = await startNode({ flags: ["--node-id", "b", ...FAST] });
  await using a = await startNode({
    flags: ["--node-id", "a", ...FAST, "--peer", b.url],
  });
  await deployExample(b.url, "up", "uppercase");
  await deployExample(a.url, "hash", "sha256");
  await until(
    "a sees 'up'",
    async () =>
      (await peersOf(a.url)).some((p) => p.info?.functions.includes("up")),
  );
  assert.equal((await deployWorkflow(a.url, UP_THEN_HASH)).status, 201);
  await b.kill();
  await until("a sees b down", () => sees(a.url, "b", false));

  const invoke = await fetch(`${a.url}/invoke/up`, { method: "POST" });
  const invokeError = (await invoke.json()).error;
  assert.equal(invoke.status, 503);
  assert.equal(invokeError.code, "node_unavailable");
  assert.match(invokeError.message, /only on node 'b'.*ECONNREFUSED/);

  const run = await runWorkflow(a.url, "up-then-hash", "x");
  const runError = JSON.parse(new TextDecoder().decode(run.body)).error;
  assert.equal(run.status, 503);
  assert.equal(runError.code, "node_unavailable");
  assert.deepEqual(runError.nodes, ["b"]);

  const redeploy = await deployWorkflow(a.url, UP_THEN_HASH);
  assert.equal(redeploy.status, 503);
  assert.equal((await redeploy.json()).error.code, "node_unavailable");

  const unknown = await fetch(`${a.url}/invoke/nowhere`, { method: "POST" });
  assert.equal(unknown.status, 404);
  await unknown.body?.cancel();
});

Deno.test("a workflow deployed on one node is listed and run from any node", async () => {
  await using a = await startNode({ flags: ["--node-id", "a", ...FAST] });
  await using c = await startNode({
    flags: ["--node-id", "c", "--host-id", "h2", "--peer", a.url],
  });
  await deployExample(a.url, "up", "uppercase");
  await deployExample(c.url, "hash", "sha256");
  await until(
    "a sees 'hash'",
    async () =>
      (await peersOf(a.url)).some((p) => p.info?.functions.includes("hash")),
  );
  assert.equal((await deployWorkflow(a.url, UP_THEN_HASH)).status, 201);
  await until("c lists it", async () => {
    const { workflows } = await (await fetch(`${c.url}/v1/workflows`)).json();
    return workflows.some((w: { name: string }) => w.name === "up-then-hash");
  });
  const got = await fetch(`${c.url}/v1/workflows/up-then-hash`);
  assert.equal(got.status, 200);
  assert.equal((await got.json()).source, UP_THEN_HASH);
  const run = await runWorkflow(c.url, "up-then-hash", "anywhere");
  assert.equal(run.status, 200, new TextDecoder().decode(run.body));
  assert.equal(
    new TextDecoder().decode(run.body).trim(),
    await sha256(new TextEncoder().encode("ANYWHERE")),
  );
  const elsewhere = await fetch(`${c.url}/v1/workflows/up-then-hash`, {
    method: "DELETE",
  });
  assert.equal(elsewhere.status, 409);
  assert.match((await elsewhere.json()).error.message, /node 'a'/);
});
