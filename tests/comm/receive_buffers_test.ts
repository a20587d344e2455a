import assert from "node:assert/strict";
import { ReceiveBuffers, serveUnix, UnixTransport } from "../../comm/mod.ts";
import { randomBytes, sha256 } from "../_helpers/comm.ts";
import { tempDir } from "../_helpers/temp.ts";

const KB = 1024;

Deno.test("ReceiveBuffers: a buffer given back serves the next payload of its size", () => {
  const buffers = new ReceiveBuffers({ maxIdleBytes: 1 << 20 });
  const first = buffers.take(256 * KB);
  assert.ok(first.buffer instanceof SharedArrayBuffer, "shared: not moved");
  assert.equal(first.buffer.byteLength, 256 * KB, "a whole buffer, exact size");
  assert.ok(buffers.give(first));
  assert.equal(buffers.idleBytes, 256 * KB);
  assert.equal(buffers.take(128 * KB).byteLength, 128 * KB, "other sizes: new");
  assert.equal(buffers.take(256 * KB), first);
  assert.equal(buffers.idleBytes, 0);
  const small = buffers.take(KB);
  assert.ok(small.buffer instanceof ArrayBuffer, "small payloads: plain");
});

Deno.test("ReceiveBuffers: refuses what could still be in use or is not worth keeping", () => {
  const buffers = new ReceiveBuffers({ maxIdleBytes: 512 * KB });
  const unasked = new ReceiveBuffers().take(300 * KB);
  assert.equal(buffers.give(unasked), false, "not one it handed out");
  assert.equal(
    buffers.give(new Uint8Array(new SharedArrayBuffer(300 * KB))),
    false,
    "shared, but not its own",
  );
  const small = buffers.take(KB);
  assert.equal(buffers.give(small), false, "small");
  const whole = buffers.take(300 * KB);
  assert.equal(
    buffers.give(whole.subarray(0, 200 * KB)),
    false,
    "a view of a bigger buffer",
  );
  assert.ok(buffers.give(whole));
  assert.equal(buffers.give(whole), false, "given back twice");
  const second = buffers.take(300 * KB);
  assert.equal(second, whole);
  const third = buffers.take(300 * KB);
  assert.ok(buffers.give(second));
  assert.equal(buffers.give(third), false, "over budget");
});

Deno.test("unix: a server reading into ReceiveBuffers reuses what its handler gave back, bytes intact", async () => {
  const dir = await tempDir({ prefix: "eddy-comm-" });
  const buffers = new ReceiveBuffers();
  const seen: ArrayBufferLike[] = [];
  const server = await serveUnix(`${dir}/peer.sock`, async (req) => {
    seen.push(req.payload.buffer);
    // WebCrypto takes no shared memory: hash a copy.
    const digest = new TextEncoder().encode(await sha256(req.payload.slice()));
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
