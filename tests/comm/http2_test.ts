import assert from "node:assert/strict";
import http2 from "node:http2";
import {
  type CommRequest,
  http2Handler,
  Http2Transport,
  PayloadTooLargeError,
  PeerError,
  serveHttp2,
} from "../../comm/mod.ts";
import {
  makeCerts,
  randomBytes,
  releaseHangs,
  sha256,
  startPeer,
  testHandler,
} from "../_helpers/comm.ts";
import { statusOf } from "../../api/status.ts";

const request = (payload: Uint8Array, target = "echo"): CommRequest => ({
  target,
  headers: { "X-Step": "2", city: "Zürich", quote: '"a"\n' },
  payload,
});

function peerError(code: string, peer: string) {
  return (e: unknown) => {
    assert.ok(e instanceof PeerError, String(e));
    assert.equal(e.code, code, e.message);
    assert.equal(e.peer, peer);
    assert.ok(e.message.includes(peer), e.message);
    return true;
  };
}

/** A node-like Deno.serve: comm mounted on /_eddy/comm, 404 elsewhere. */
function denoServe(options: { maxPayloadBytes?: number } = {}) {
  const comm = http2Handler(testHandler, options);
  const server = Deno.serve(
    { hostname: "127.0.0.1", port: 0, onListen() {} },
    (req) =>
      new URL(req.url).pathname === "/_eddy/comm"
        ? comm(req)
        : new Response("not here", { status: 404 }),
  );
  const base = `http://127.0.0.1:${server.addr.port}`;
  return {
    endpoint: `${base}/_eddy/comm`,
    base,
    [Symbol.asyncDispose]: () => {
      releaseHangs();
      return server.shutdown();
    },
  };
}

/**
 * Concurrent calls on one session; payloads up to 1 MB are echoed, the
 * 32 MB one only hashed by the server (to keep the suite fast).
 */
async function roundTrips(comm: Http2Transport, endpoint: string) {
  const sizes = [0, 1024, 1 << 20, 32 << 20, 1024, 0];
  const payloads = sizes.map(randomBytes);
  const responses = await Promise.all(
    payloads.map((p) =>
      comm.call(
        endpoint,
        request(p, p.byteLength > 1 << 20 ? "digest" : "echo"),
      )
    ),
  );
  for (const [i, res] of responses.entries()) {
    const digest = await sha256(payloads[i]);
    assert.equal(res.status, 200);
    assert.equal(res.headers.sha256, digest, `request ${i} arrived intact`);
    if (sizes[i] <= 1 << 20) {
      assert.equal(await sha256(res.payload), digest, `response ${i} intact`);
    }
    assert.deepEqual(
      [res.headers.city, res.headers["X-Step"], res.headers.quote],
      ["Zürich", "2", '"a"\n'],
    );
  }
}

Deno.test("http2 h2c: Deno.serve + http2Handler, concurrent calls intact", async () => {
  await using server = denoServe();
  await using comm = new Http2Transport();
  await roundTrips(comm, server.endpoint);
  const failed = await comm.call(
    server.endpoint,
    request(new Uint8Array(), "fail"),
  );
  assert.equal(failed.status, 500);
  assert.match(new TextDecoder().decode(failed.payload), /failed on purpose/);
});

Deno.test("http2 TLS: serveHttp2 with a CA-signed leaf, concurrent calls intact", async () => {
  const certs = await makeCerts();
  await using server = await serveHttp2(
    { tls: { cert: certs.cert, key: certs.key } },
    testHandler,
  );
  assert.match(server.url, /^https:\/\/127\.0\.0\.1:\d+$/);
  await using comm = new Http2Transport({ ca: certs.ca });
  await roundTrips(comm, server.url);
  // Without the CA the certificate is refused.
  await using untrusting = new Http2Transport({ timeoutMs: 5000 });
  await assert.rejects(
    untrusting.call(server.url, request(new Uint8Array(1))),
    peerError("peer_unreachable", server.url),
  );
});

Deno.test("http2 h2c: serveHttp2 standalone", async () => {
  await using server = await serveHttp2({}, testHandler);
  await using comm = new Http2Transport();
  const res = await comm.call(server.url, request(randomBytes(5000)));
  assert.equal(res.status, 200);
  assert.equal(res.payload.byteLength, 5000);
});

Deno.test("http2: a server that never answers times out naming the peer", async () => {
  await using server = denoServe();
  await using comm = new Http2Transport({ timeoutMs: 150 });
  const started = performance.now();
  await assert.rejects(
    comm.call(server.endpoint, request(new Uint8Array(10), "hang")),
    peerError("peer_timeout", server.endpoint),
  );
  const waited = performance.now() - started;
  assert.ok(waited >= 140 && waited < 2500, `${waited} ms`);
  assert.equal(
    (await comm.call(server.endpoint, request(new Uint8Array(1)))).status,
    200,
  );
});

Deno.test("http2: a server killed mid-call is peer_unreachable, and calls reconnect when it returns", async () => {
  const peer = await startPeer(["h2c"]);
  await using comm = new Http2Transport({ timeoutMs: 10_000 });
  assert.equal(
    (await comm.call(peer.endpoint, request(new Uint8Array(3)))).status,
    200,
  );
  const hanging = assert.rejects(
    comm.call(peer.endpoint, request(new Uint8Array(3), "hang")),
    peerError("peer_unreachable", peer.endpoint),
  );
  await new Promise((r) => setTimeout(r, 50));
  const killedAt = performance.now();
  await peer.kill();
  await hanging;
  assert.ok(performance.now() - killedAt < 2500);
  await assert.rejects(
    comm.call(peer.endpoint, request(new Uint8Array(3))),
    peerError("peer_unreachable", peer.endpoint),
  );
  // A new server on the same port: the next call opens a new session.
  const port = Number(new URL(peer.endpoint).port);
  const comeback = Deno.serve(
    { hostname: "127.0.0.1", port, onListen() {} },
    http2Handler(testHandler),
  );
  try {
    assert.equal(
      (await comm.call(peer.endpoint, request(new Uint8Array(3)))).status,
      200,
    );
  } finally {
    await comm.close();
    await comeback.shutdown();
  }
});

Deno.test("http2: an endpoint that is not eddy's is peer_protocol", async () => {
  await using server = denoServe();
  await using comm = new Http2Transport();
  const wrong = `${server.base}/elsewhere`;
  await assert.rejects(
    comm.call(wrong, request(new Uint8Array(1))),
    (e) =>
      peerError("peer_protocol", wrong)(e) &&
      /answered 404/.test((e as Error).message),
  );
});

Deno.test("http2: payload limits: the client refuses, the server answers 413", async () => {
  await using server = denoServe({ maxPayloadBytes: 1000 });
  await using small = new Http2Transport({ maxPayloadBytes: 100 });
  await assert.rejects(
    small.call(server.endpoint, request(new Uint8Array(101))),
    (e) => e instanceof PayloadTooLargeError && statusOf(e) === 413,
  );
  await using large = new Http2Transport();
  const res = await large.call(server.endpoint, request(new Uint8Array(1001)));
  assert.equal(res.status, 413);
  assert.equal(
    JSON.parse(new TextDecoder().decode(res.payload)).error.code,
    "payload_too_large",
  );
});

Deno.test("http2: a body without Content-Length is read and capped", async () => {
  await using server = denoServe({ maxPayloadBytes: 1000 });
  const session = http2.connect(server.base);
  const post = (bytes: number) =>
    new Promise<{ status: number; body: string }>((resolve, reject) => {
      const stream = session.request({
        ":method": "POST",
        ":path": "/_eddy/comm",
        "x-eddy-comm": JSON.stringify({ target: "echo", headers: {} }),
      });
      let status = 0;
      let body = "";
      stream.on("response", (head) => status = Number(head[":status"]));
      stream.setEncoding("latin1");
      stream.on("data", (chunk: string) => body += chunk);
      stream.on("end", () => resolve({ status, body }));
      stream.on("error", reject);
      // Two writes, so that the body arrives in chunks of unknown total.
      stream.write(new Uint8Array(bytes >> 1).fill(97));
      stream.end(new Uint8Array(bytes - (bytes >> 1)).fill(98));
    });
  try {
    const small = await post(900);
    assert.equal(small.status, 200);
    assert.equal(small.body, "a".repeat(450) + "b".repeat(450));
    const large = await post(3000);
    assert.equal(large.status, 413);
    assert.match(large.body, /payload_too_large/);
  } finally {
    await new Promise<void>((resolve) => session.close(() => resolve()));
  }
});
