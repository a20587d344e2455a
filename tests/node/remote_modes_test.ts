import assert from "node:assert/strict";
import { join } from "node:path";
import { UnixTransport } from "../../comm/mod.ts";
import { serveNode } from "../../mod.ts";
import { REPO_ROOT } from "../_helpers/node_process.ts";
import { tempDir } from "../_helpers/temp.ts";

const text = (s: string) => new TextEncoder().encode(s);
const decode = (b: Uint8Array) => new TextDecoder().decode(b);

/** Nodes a (serving echo) and b (peered with a), one process, one host. */
async function nodesWithEcho() {
  const echo = await Deno.readFile(join(REPO_ROOT, "examples/echo/echo.wasm"));
  const a = await serveNode({
    dataDir: await tempDir(),
    nodeId: "a",
    workers: 1,
  });
  const b = await serveNode({
    dataDir: await tempDir(),
    nodeId: "b",
    workers: 1,
    peers: [a.url],
  });
  await a.node.deployModule("echo", echo);
  return {
    a,
    b,
    [Symbol.asyncDispose]: async () => {
      await b[Symbol.asyncDispose]();
      await a[Symbol.asyncDispose]();
    },
  };
}

Deno.test("a node sends to itself in memory and refuses memory to another node", async () => {
  await using pair = await nodesWithEcho();
  const { a, b } = pair;
  const request = () => ({
    target: "echo",
    headers: { args: "[]" },
    payload: text("hello"),
  });

  const here = await a.node.remote.send("a", "memory", request());
  assert.equal(here.status, 200);
  assert.equal(decode(here.payload), "hello");

  // Same host: unix is the cheapest mode b may use to reach a...
  const unix = await b.node.remote.send("a", undefined, request());
  assert.equal(decode(unix.payload), "hello");
  // ...and memory, which needs one process, is refused, not sent over a socket.
  await assert.rejects(
    b.node.remote.send("a", "memory", request()),
    (e: Error & { code?: string }) =>
      e.code === "mode_unavailable" && /one node/.test(e.message),
  );
});

Deno.test("an invocation a peer sends over unix gives its receive buffer back once it ran", async () => {
  await using pair = await nodesWithEcho();
  const { a, b } = pair;
  const buffers = a.node.remote.receiveBuffers;
  for (let i = 0; i < 3; i++) {
    const payload = new Uint8Array(1 << 20).fill(i + 1);
    const res = await b.node.remote.send("a", "unix", {
      target: "echo",
      headers: { args: "[]" },
      payload,
    });
    assert.equal(res.status, 200);
    assert.equal(res.payload.byteLength, 1 << 20);
    assert.ok(
      res.payload.every((x) => x === i + 1),
      `call ${i}: its own bytes`,
    );
    assert.equal(buffers.idleBytes, 1 << 20, `call ${i}: given back`);
  }
  const missing = await b.node.remote.send("a", "unix", {
    target: "nowhere",
    headers: { args: "[]" },
    payload: new Uint8Array(1 << 20),
  });
  assert.equal(missing.status, 404);
  // A failed run (a timeout, say) may still hold its input: not given back.
  assert.equal(buffers.idleBytes, 0, "a failed call does not give it back");
});

Deno.test("with a token, a caller on the node's unix socket without it runs nothing", async () => {
  const echo = await Deno.readFile(join(REPO_ROOT, "examples/echo/echo.wasm"));
  await using a = await serveNode({
    dataDir: await tempDir(),
    nodeId: "a",
    workers: 1,
    token: "s3cret",
  });
  await a.node.deployModule("echo", echo);
  await using attacker = new UnixTransport({ timeoutMs: 5_000 });
  const call = (headers: Record<string, string>) =>
    attacker.call(a.node.endpoints.unix!, {
      target: "echo",
      headers: { args: "[]", ...headers },
      payload: text("hello"),
    });
  const forged: Record<string, string>[] = [{}, { token: "wrong" }, {
    token: "s3cre",
  }];
  for (const headers of forged) {
    const refused = await call(headers);
    assert.equal(refused.status, 401, JSON.stringify(headers));
    assert.match(decode(refused.payload), /unauthorized/);
  }
  assert.equal(a.node.metrics.count("echo").invocations, 0);
  const allowed = await call({ token: "s3cret" });
  assert.equal(allowed.status, 200);
  assert.equal(decode(allowed.payload), "hello");
  assert.equal(a.node.metrics.count("echo").invocations, 1);
});
