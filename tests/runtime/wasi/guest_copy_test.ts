import assert from "node:assert/strict";
import {
  copyFromGuest,
  copyToGuest,
} from "../../../runtime/wasi/guest_copy.ts";
import { randomBytes } from "../../_helpers/data.ts";

/** Whether `a` and `b` hold the same bytes (assert's deepEqual is slow). */
function same(a: Uint8Array, b: Uint8Array): boolean {
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
  return true;
}

// Each copy is made three times: timed, then as its verdict says (whole,
// or in pieces where this machine's memmove was slow at that offset), then
// again; every way must give the same bytes.
const SIZES = [1000, 8 << 10, (64 << 10) + 5, 300 << 10];
const OFFSETS = [0, 4, 16, 28, 32, 100, 4080];

Deno.test("copies out of a guest's memory are exact at every size and offset", () => {
  const memory = new Uint8Array(new WebAssembly.Memory({ initial: 8 }).buffer);
  memory.set(randomBytes(memory.length));
  const host = new Uint8Array(1 << 20);
  for (const size of SIZES) {
    for (const offset of OFFSETS) {
      for (let round = 0; round < 3; round++) {
        host.fill(0);
        const start = 4096 + round * 8;
        copyFromGuest(memory, start, start + size, host, offset);
        assert.ok(
          same(
            host.subarray(offset, offset + size),
            memory.subarray(start, start + size),
          ),
          `size ${size} offset ${offset} round ${round}`,
        );
        assert.equal(host[offset + size], 0, "nothing past the end");
        if (offset > 0) assert.equal(host[offset - 1], 0, "nothing before");
      }
    }
  }
});

Deno.test("copies into a guest's memory are exact at every size and offset", () => {
  const memory = new Uint8Array(new WebAssembly.Memory({ initial: 8 }).buffer);
  const host = randomBytes(1 << 20);
  for (const size of SIZES) {
    for (const offset of OFFSETS) {
      for (let round = 0; round < 3; round++) {
        memory.fill(0);
        const ptr = 4096 + offset;
        const start = round * 24;
        copyToGuest(host, start, start + size, memory, ptr);
        assert.ok(
          same(
            memory.subarray(ptr, ptr + size),
            host.subarray(start, start + size),
          ),
          `size ${size} offset ${offset} round ${round}`,
        );
        assert.equal(memory[ptr + size], 0);
        assert.equal(memory[ptr - 1], 0);
      }
    }
  }
});
