/**
 * Large outputs leave in the buffer they were written to, and inputs a run
 * consumed become the buffers later outputs are written to. One test, in
 * order, in a file of its own: the spares are the isolate's.
 */
import assert from "node:assert/strict";
import { OutputBuffer, recycleBuffer } from "../../../runtime/wasi/mod.ts";

const MiB = 1 << 20;

Deno.test("outputs from 128 KiB leave in place, zero past their end; consumed inputs are written into next", () => {
  // Another tenant's input, consumed: its bytes must never leave.
  const input = new ArrayBuffer(MiB);
  new Uint8Array(input).fill(9);
  recycleBuffer(input);
  assert.equal(input.detached, false, "kept, not freed");

  const out = new OutputBuffer();
  for (let i = 0; i < 15; i++) out.write(new Uint8Array(64 << 10).fill(1));
  out.write(new Uint8Array(1000).fill(1));
  const taken = out.take();
  assert.equal(taken.buffer, input, "written into the consumed input");
  assert.equal(taken.length, 15 * (64 << 10) + 1000);
  assert.ok(taken.every((b) => b === 1));
  assert.ok(
    new Uint8Array(taken.buffer).subarray(taken.length).every((b) => b === 0),
    "the old bytes past the output are zeroed",
  );

  // The next output of that size goes straight to 1 MiB, no doubling.
  const next = new OutputBuffer();
  next.write(new Uint8Array(100 << 10));
  next.write(new Uint8Array(100 << 10));
  assert.equal(next.bytes().buffer.byteLength, MiB);

  // Small outputs are copied out at their size.
  const small = new OutputBuffer();
  small.write(new Uint8Array(1000).fill(2));
  const copy = small.take();
  assert.equal(copy.buffer.byteLength, 1000);

  // Not worth keeping: freed at once.
  const tiny = new ArrayBuffer(1000);
  recycleBuffer(tiny);
  assert.equal(tiny.detached, true);
  const resizable = new ArrayBuffer(MiB, { maxByteLength: 2 * MiB });
  recycleBuffer(resizable);
  assert.equal(resizable.detached, true);
});
