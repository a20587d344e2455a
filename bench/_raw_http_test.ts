/**
 * The benchmarks' plain-TCP HTTP/1.1 client against real servers on
 * loopback: Deno.serve, and a raw socket that answers in pieces.
 */
import assert from "node:assert/strict";
import { RawHttpClient } from "./_raw_http.ts";

Deno.test("answers come back whole, in order, over kept-alive connections", async () => {
  const peers = new Set<number>();
  await using server = Deno.serve(
    { hostname: "127.0.0.1", port: 0, onListen() {} },
    async (request, info) => {
      peers.add(info.remoteAddr.port);
      const body = await request.text();
      if (body === "refuse") {
        return Response.json({ error: { code: "overloaded" } }, {
          status: 503,
        });
      }
      return new Response(body.repeat(3));
    },
  );
  using client = new RawHttpClient("127.0.0.1", server.addr.port);
  for (let i = 0; i < 20; i++) {
    const { status, body } = await client.post("/invoke/x", `n${i}`);
    assert.equal(status, 200);
    assert.equal(new TextDecoder().decode(body), `n${i}`.repeat(3));
  }
  assert.equal(peers.size, 1, "one request at a time reuses one connection");
  const refused = await client.post("/invoke/x", "refuse");
  assert.equal(refused.status, 503);
  assert.equal(
    JSON.parse(new TextDecoder().decode(refused.body)).error.code,
    "overloaded",
  );
  // Requests in flight at once each get a connection of their own.
  const big = "x".repeat(40_000);
  const answers = await Promise.all(
    Array.from({ length: 8 }, (_, i) => client.post("/", `${i}${big}`)),
  );
  answers.forEach(({ status, body }, i) => {
    assert.equal(status, 200);
    assert.equal(body.byteLength, 3 * (big.length + String(i).length));
  });
  assert.equal(client.connections, 8);
});

Deno.test("an answer split across reads is put together; one without content-length is an error", async () => {
  const listener = Deno.listen({ hostname: "127.0.0.1", port: 0 });
  const serving = (async () => {
    for await (const conn of listener) {
      const buf = new Uint8Array(1024);
      await conn.read(buf);
      const text = new TextDecoder().decode(buf);
      const pieces = text.includes("chunked")
        ? [
          "HTTP/1.1 200 OK\r\ntransfer-encoding: chunked\r\n\r\n2\r\nhi\r\n0\r\n\r\n",
        ]
        : ["HTTP/1.1 200 OK\r\nConte", "nt-Length: 5\r\n\r", "\nhe", "llo"];
      for (const piece of pieces) {
        await conn.write(new TextEncoder().encode(piece));
        await new Promise((r) => setTimeout(r, 5));
      }
      conn.close();
    }
  })();
  try {
    using client = new RawHttpClient("127.0.0.1", listener.addr.port);
    const { status, body } = await client.post("/", "x");
    assert.equal(status, 200);
    assert.equal(new TextDecoder().decode(body), "hello");
    using other = new RawHttpClient("127.0.0.1", listener.addr.port);
    await assert.rejects(other.post("/", "chunked"), /without content-length/);
    assert.equal(other.connections, 0, "a failed connection is not kept");
  } finally {
    listener.close();
    await serving.catch(() => {});
  }
});

Deno.test("a request on a connection the server closed while idle goes again on a new one; a new one closed unanswered is an error", async () => {
  const listener = Deno.listen({ hostname: "127.0.0.1", port: 0 });
  let accepted = 0;
  const serving = (async () => {
    for await (const conn of listener) {
      // The third connection closes without answering; the others answer
      // one request, then close.
      if (++accepted === 3) {
        conn.close();
        continue;
      }
      await conn.read(new Uint8Array(1024));
      await conn.write(
        new TextEncoder().encode(
          `HTTP/1.1 200 OK\r\ncontent-length: 1\r\n\r\n${accepted}`,
        ),
      );
      conn.close();
    }
  })();
  try {
    using client = new RawHttpClient("127.0.0.1", listener.addr.port);
    const first = await client.post("/", "a");
    await new Promise((r) => setTimeout(r, 20));
    const second = await client.post("/", "b");
    assert.equal(new TextDecoder().decode(first.body), "1");
    assert.equal(new TextDecoder().decode(second.body), "2");
    await new Promise((r) => setTimeout(r, 20));
    await assert.rejects(client.post("/", "c"), /before answering/);
    assert.equal(accepted, 3);
  } finally {
    listener.close();
    await serving.catch(() => {});
  }
});
