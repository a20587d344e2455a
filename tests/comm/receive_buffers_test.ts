import assert from "node:assert/strict";
import { ReceiveBuffers, serveUnix, UnixTransport } from "../../comm/mod.ts";
import { randomBytes, sha256 } from "../_helpers/comm.ts";
import { tempDir } from "../_helpers/temp.ts";

const KB = 1024;

Deno.test("ReceiveBuffers: a buffer given back serves the next payload of its size", () => {
  const buffers = new ReceiveBuffers({ maxIdleBytes: 1 << 20 });
  const first = buffers.take(256 * KB);
  assert.equal(first.buffer.byteLength, 256 * KB, "a whole buffer, exact size");
  assert.ok(buffers.give(first));
  assert.equal(buffers.idleBytes, 256 * KB);
  assert.equal(buffers.take(128 * KB).byteLength, 128 * KB, "other sizes: new");
  assert.equal(buffers.take(256 * KB), first);
  assert.equal(buffers.idleBytes, 0);
});

Deno.test("ReceiveBuffers: refuses what could still be in use or is not worth keeping", () => {
  const buffers = new ReceiveBuffers({ maxIdleBytes: 512 * KB });
  assert.equal(
    buffers.give(new Uint8Array(300 * KB)),
    false,
    "no payload of its size was read yet",
  );
  for (const size of [KB, 200 * KB, 300 * KB]) buffers.take(size);
  assert.equal(buffers.give(new Uint8Array(KB)), false, "small");
  assert.equal(
    buffers.give(new Uint8Array(300 * KB).subarray(0, 200 * KB)),
    false,
    "a view of a bigger buffer",
  );
  assert.equal(
    buffers.give(
      new Uint8Array(new ArrayBuffer(200 * KB, { maxByteLength: 400 * KB })),
    ),
    false,
    "resizable",
  );
  const moved = new Uint8Array(200 * KB);
  structuredClone(moved.buffer, { transfer: [moved.buffer] });
  assert.equal(buffers.give(moved), false, "detached");
  const kept = new Uint8Array(300 * KB);
  assert.ok(buffers.give(kept));
  assert.equal(buffers.give(kept), false, "given back twice");
  assert.equal(buffers.give(new Uint8Array(300 * KB)), false, "over budget");
});

Deno.test("unix: a server reading into ReceiveBuffers reuses what its handler gave back, bytes intact", async () => {
  const dir = await tempDir({ prefix: "eddy-comm-" });
  const buffers = new ReceiveBuffers();
  const seen: ArrayBufferLike[] = [];
  const server = await serveUnix(`${dir}/peer.sock`, async (req) => {
    seen.push(req.payload.buffer);
    const digest = new TextEncoder().encode(await sha256(req.payload));
    buffers.give(req.payload);
    return { status: 200, headers: {}, payload: digest };
  }, { allocate: buffers.take });
  const comm = new UnixTransport();
  try {
    for (let i = 0; i < 4; i++) {
      const payload = randomBytes(KB * KB);
      const expected = await sha256(payload);
      const res = await comm.call(server.path, {
        target: "hash",
        headers: {},
        payload,
      });
      assert.equal(
        new TextDecoder().decode(res.payload),
        expected,
        `call ${i}`,
      );
    }
    assert.equal(new Set(seen).size, 1, "one buffer served every payload");
  } finally {
    await comm.close();
    await server.close();
    await Deno.remove(dir, { recursive: true });
  }
});
