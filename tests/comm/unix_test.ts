import assert from "node:assert/strict";
import {
  type CommRequest,
  PayloadTooLargeError,
  PeerError,
  serveUnix,
  UnixTransport,
} from "../../comm/mod.ts";
import { encodeHead } from "../../comm/wire.ts";
import {
  randomBytes,
  sha256,
  startPeer,
  testHandler,
} from "../_helpers/comm.ts";
import { tempDir } from "../_helpers/temp.ts";
import { statusOf } from "../../api/status.ts";

const request = (payload: Uint8Array, target = "echo"): CommRequest => ({
  target,
  headers: { "X-Step": "2", city: "Zürich" },
  payload,
});

async function tempSocket(): Promise<
  { path: string; dir: string } & AsyncDisposable
> {
  const dir = await tempDir({ prefix: "eddy-comm-" });
  return {
    path: `${dir}/peer.sock`,
    dir,
    [Symbol.asyncDispose]: () => Deno.remove(dir, { recursive: true }),
  };
}

function peerError(code: string, peer: string) {
  return (e: unknown) => {
    assert.ok(e instanceof PeerError, String(e));
    assert.equal(e.code, code, e.message);
    assert.equal(e.peer, peer);
    assert.ok(e.message.includes(peer), e.message);
    return true;
  };
}

Deno.test("unix: socket is 0600, concurrent calls are multiplexed and intact", async () => {
  await using tmp = await tempSocket();
  await using server = await serveUnix(tmp.path, testHandler);
  assert.equal((await Deno.stat(tmp.path)).mode! & 0o777, 0o600);
  // One connection: every call is multiplexed on it.
  await using comm = new UnixTransport({ connectionsPerPeer: 1 });
  const sizes = [0, 1024, 1 << 20, 32 << 20, 0, 1024, 1 << 20, 1024];
  const payloads = sizes.map(randomBytes);
  const responses = await Promise.all(
    payloads.map((p) => comm.call(server.path, request(p))),
  );
  for (const [i, res] of responses.entries()) {
    const digest = await sha256(payloads[i]);
    assert.equal(res.status, 200);
    assert.equal(res.headers.sha256, digest, `request ${i} arrived intact`);
    assert.equal(await sha256(res.payload), digest, `response ${i} intact`);
    assert.equal(res.headers.city, "Zürich");
    assert.equal(res.headers["X-Step"], "2");
  }
});

Deno.test("unix: many small concurrent calls over the pool each get their own answer", async () => {
  await using tmp = await tempSocket();
  await using server = await serveUnix(tmp.path, testHandler);
  await using comm = new UnixTransport({ connectionsPerPeer: 3 });
  const responses = await Promise.all(
    Array.from({ length: 200 }, (_, i) =>
      comm.call(server.path, {
        target: "echo",
        headers: { i: String(i) },
        payload: new TextEncoder().encode(`call ${i}`),
      })),
  );
  responses.forEach((res, i) => {
    assert.equal(res.headers.i, String(i));
    assert.equal(new TextDecoder().decode(res.payload), `call ${i}`);
  });
});

Deno.test("unix: handler failures come back as error responses", async () => {
  await using tmp = await tempSocket();
  await using server = await serveUnix(tmp.path, testHandler);
  await using comm = new UnixTransport();
  const res = await comm.call(server.path, request(new Uint8Array(), "fail"));
  assert.equal(res.status, 500);
  assert.match(new TextDecoder().decode(res.payload), /failed on purpose/);
});

Deno.test("unix: a server that never answers times out naming the peer", async () => {
  await using tmp = await tempSocket();
  await using server = await serveUnix(tmp.path, testHandler);
  await using comm = new UnixTransport({ timeoutMs: 150 });
  const started = performance.now();
  await assert.rejects(
    comm.call(server.path, request(new Uint8Array(10), "hang")),
    peerError("peer_timeout", tmp.path),
  );
  const waited = performance.now() - started;
  assert.ok(waited >= 140 && waited < 2500, `${waited} ms`);
  // The connection survives a timed-out call.
  const res = await comm.call(server.path, request(new Uint8Array(10)));
  assert.equal(res.status, 200);
});

Deno.test("unix: no server is peer_unreachable at once", async () => {
  await using tmp = await tempSocket();
  await using comm = new UnixTransport();
  await assert.rejects(
    comm.call(tmp.path, request(new Uint8Array(1))),
    peerError("peer_unreachable", tmp.path),
  );
});

Deno.test("unix: a server killed mid-call is peer_unreachable, and calls reconnect when it returns", async () => {
  await using tmp = await tempSocket();
  const peer = await startPeer(["unix", tmp.path]);
  await using comm = new UnixTransport({ timeoutMs: 10_000 });
  assert.equal(
    (await comm.call(tmp.path, request(new Uint8Array(3)))).status,
    200,
  );
  const hanging = assert.rejects(
    comm.call(tmp.path, request(new Uint8Array(3), "hang")),
    peerError("peer_unreachable", tmp.path),
  );
  await new Promise((r) => setTimeout(r, 50));
  const killedAt = performance.now();
  await peer.kill();
  await hanging;
  assert.ok(performance.now() - killedAt < 2500);
  // Its socket file is stale now; a new server replaces it.
  await assert.rejects(
    comm.call(tmp.path, request(new Uint8Array(3))),
    peerError("peer_unreachable", tmp.path),
  );
  await using server = await serveUnix(tmp.path, testHandler);
  const res = await comm.call(server.path, request(new Uint8Array(3)));
  assert.equal(res.status, 200);
});

Deno.test("unix: a peer that stops reading times out and its connection is dropped", async () => {
  await using tmp = await tempSocket();
  const listener = Deno.listen({ transport: "unix", path: tmp.path });
  const accepted: Deno.Conn[] = [];
  const accepting = (async () => {
    for await (const conn of listener) accepted.push(conn);
  })();
  await using comm = new UnixTransport({ timeoutMs: 200 });
  const started = performance.now();
  // 32 MB cannot fit in the socket buffers of a peer that never reads.
  await assert.rejects(
    comm.call(tmp.path, request(new Uint8Array(32 << 20))),
    peerError("peer_timeout", tmp.path),
  );
  assert.ok(performance.now() - started < 2500);
  // The stalled connection is gone: the next call opens a new one.
  await assert.rejects(
    comm.call(tmp.path, request(new Uint8Array(1))),
    peerError("peer_timeout", tmp.path),
  );
  assert.equal(accepted.length, 2);
  listener.close();
  await accepting.catch(() => {});
  for (const conn of accepted) conn.close();
});

Deno.test("unix: a live socket is not taken over, a file that is not a socket is not removed", async () => {
  await using tmp = await tempSocket();
  await using _server = await serveUnix(tmp.path, testHandler);
  await assert.rejects(serveUnix(tmp.path, testHandler), Deno.errors.AddrInUse);
  const file = `${tmp.dir}/plain`;
  await Deno.writeTextFile(file, "keep me");
  await assert.rejects(serveUnix(file, testHandler), Deno.errors.AlreadyExists);
  assert.equal(await Deno.readTextFile(file), "keep me");
});

Deno.test("unix: close removes the socket and fails calls in flight", async () => {
  await using tmp = await tempSocket();
  const server = await serveUnix(tmp.path, testHandler);
  await using comm = new UnixTransport();
  const hanging = assert.rejects(
    comm.call(tmp.path, request(new Uint8Array(1), "hang")),
    peerError("peer_unreachable", tmp.path),
  );
  await new Promise((r) => setTimeout(r, 50));
  await server.close();
  await hanging;
  await assert.rejects(Deno.lstat(tmp.path), Deno.errors.NotFound);
});

Deno.test("unix: payload limits hold on both ends", async () => {
  await using tmp = await tempSocket();
  const errors: unknown[] = [];
  await using server = await serveUnix(tmp.path, testHandler, {
    maxPayloadBytes: 1000,
    onConnectionError: (e) => errors.push(e),
  });
  await using small = new UnixTransport({ maxPayloadBytes: 100 });
  await assert.rejects(
    small.call(server.path, request(new Uint8Array(101))),
    (e) => e instanceof PayloadTooLargeError && statusOf(e) === 413,
  );
  // A client with a larger limit: the server drops the connection.
  await using large = new UnixTransport();
  await assert.rejects(
    large.call(server.path, request(new Uint8Array(1001))),
    peerError("peer_unreachable", tmp.path),
  );
  assert.ok(
    errors.some((e) => e instanceof PeerError && e.code === "peer_protocol"),
  );
});

Deno.test("unix: a server that answers garbage is peer_protocol", async () => {
  await using tmp = await tempSocket();
  const listener = Deno.listen({ transport: "unix", path: tmp.path });
  const serving = (async () => {
    const conn = await listener.accept();
    await conn.read(new Uint8Array(1024));
    const reply = encodeHead({
      kind: "request",
      id: 1,
      message: { target: "x", headers: {}, payload: new Uint8Array() },
    });
    await conn.write(reply);
    await conn.write(
      new TextEncoder().encode("HTTP/1.1 400 Bad Request\r\n\r\n"),
    );
    conn.close();
  })();
  await using comm = new UnixTransport();
  await assert.rejects(
    comm.call(tmp.path, request(new Uint8Array(1))),
    peerError("peer_protocol", tmp.path),
  );
  await serving;
  listener.close();
});
