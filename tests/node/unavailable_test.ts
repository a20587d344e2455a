import assert from "node:assert/strict";
import { NodeUnavailableError, whyFailed } from "../../node/unavailable.ts";
import { statusOf } from "../../api/status.ts";

/** A refused connection, a TLS handshake to a plain port, a timeout: real ones. */
Deno.test("whyFailed names what an operator looks for", async () => {
  const listener = Deno.listen({ hostname: "127.0.0.1", port: 0 });
  const { port } = listener.addr as Deno.NetAddr;
  listener.close();
  const refused = await fetch(`http://127.0.0.1:${port}/`).catch((e) => e);
  assert.match(whyFailed(refused, 1000), /^ECONNREFUSED: connection refused$/);

  const server = Deno.serve(
    { hostname: "127.0.0.1", port: 0, onListen() {} },
    () => new Response("plain"),
  );
  const tls = await fetch(`https://127.0.0.1:${server.addr.port}/`).catch((
    e,
  ) => e);
  assert.match(whyFailed(tls, 1000), /^TLS: /);

  const silent = Deno.listen({ hostname: "127.0.0.1", port: 0 });
  const held: Deno.Conn[] = [];
  (async () => {
    for await (const conn of silent) held.push(conn);
  })();
  const timeout = await fetch(
    `http://127.0.0.1:${(silent.addr as Deno.NetAddr).port}/`,
    { signal: AbortSignal.timeout(100) },
  ).catch((e) => e);
  assert.equal(whyFailed(timeout, 100), "timeout: no answer within 100 ms");
  silent.close();
  for (const conn of held) conn.close();
  await server.shutdown();
});

Deno.test("NodeUnavailableError is a 503 naming the nodes and why", () => {
  const one = new NodeUnavailableError("function 'up'", [
    { id: "b", lastError: "ECONNREFUSED: connection refused" },
  ]);
  assert.equal(statusOf(one), 503);
  assert.equal(one.code, "node_unavailable");
  assert.equal(
    one.message,
    "function 'up' runs only on node 'b' (ECONNREFUSED: connection refused), which is down",
  );
  const two = new NodeUnavailableError("workflow 'w'", [{ id: "b" }, {
    id: "c",
  }]);
  assert.deepEqual(two.details.nodes, ["b", "c"]);
  assert.match(two.message, /needs nodes 'b', 'c', which are down/);
});
