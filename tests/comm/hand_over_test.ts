import assert from "node:assert/strict";
import {
  handOver,
  MemoryTransport,
  type Mode,
  transferable,
} from "../../comm/mod.ts";

Deno.test("handOver: one memory consumer takes the payload; fan-out copies all but the last; sockets block it", () => {
  const cases: [Mode[], boolean[]][] = [
    [[], []],
    [["memory"], [true]],
    [["memory", "memory", "memory"], [false, false, true]],
    [["unix"], [false]],
    [["memory", "http2"], [false, false]],
    [["http2", "memory"], [false, false]],
  ];
  for (const [modes, expected] of cases) {
    assert.deepEqual(handOver(modes), expected, modes.join(","));
  }
});

Deno.test("memory transport with handOver: the lone consumer gets the producer's buffer, siblings a copy", async () => {
  const comm = new MemoryTransport();
  const got: Uint8Array[] = [];
  comm.register("n1", (req) => {
    got.push(req.payload);
    // A consumer owns what it gets: it may move it to a worker at once.
    structuredClone(req.payload.buffer, {
      transfer: [req.payload.buffer as ArrayBuffer],
    });
    return Promise.resolve({ status: 200, headers: {}, payload: req.payload });
  });
  const payload = new Uint8Array(1 << 20).fill(7);
  const buffer = payload.buffer;
  const owns = handOver(["memory", "memory"]);
  await Promise.all(
    owns.map((transfer) =>
      comm.call("n1", { target: "t", headers: {}, payload }, { transfer })
    ),
  );
  assert.notEqual(got[0].buffer, buffer, "the first consumer got a copy");
  assert.equal(got[1], payload, "the last consumer got the very view");
  assert.equal(buffer.byteLength, 0, "and moved its buffer on: detached");
  await comm.close();
});

Deno.test("transferable: a whole buffer moves as it is, a view of a bigger one is copied first", () => {
  const whole = new Uint8Array([1, 2, 3]);
  const [view, buffer] = transferable(whole);
  assert.equal(view, whole);
  assert.equal(buffer, whole.buffer);
  const moved = structuredClone(view, { transfer: [buffer] });
  assert.deepEqual(moved, new Uint8Array([1, 2, 3]));
  assert.equal(whole.byteLength, 0, "the source is detached, not cloned");

  const big = new Uint8Array([9, 8, 7, 6]);
  const [part, partBuffer] = transferable(big.subarray(1, 3));
  assert.deepEqual(part, new Uint8Array([8, 7]));
  assert.equal(partBuffer.byteLength, 2);
  structuredClone(part, { transfer: [partBuffer] });
  assert.deepEqual(big, new Uint8Array([9, 8, 7, 6]), "the bigger one stays");

  const growable = new Uint8Array(new ArrayBuffer(4, { maxByteLength: 8 }));
  assert.equal(transferable(growable)[1].resizable, false);
});
