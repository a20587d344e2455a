import assert from "node:assert/strict";
import { join } from "node:path";
import { MemoryPool, runGuestSync } from "../../../runtime/executor/mod.ts";
import {
  pagesWithin,
  withImportedMemory,
} from "../../../runtime/module/mod.ts";
import { OutputBuffer } from "../../../runtime/wasi/mod.ts";
import { REPO_ROOT, sha256 } from "../../_helpers/node_process.ts";

const PAGE = 65536;

Deno.test("MemoryPool: a memory the guest grew comes back zeroed, at its grown size", () => {
  const pool = new MemoryPool();
  const limits = { initialPages: 2, maxPages: 8 };
  const memory = pool.acquire(limits);
  memory.grow(3);
  new Uint8Array(memory.buffer).fill(0xab);
  pool.release(memory, limits);
  assert.equal(pool.idleBytes, 5 * PAGE);
  const again = pool.acquire(limits);
  assert.equal(again, memory, "recycled, not a fresh memory");
  assert.equal(again.buffer.byteLength, 5 * PAGE);
  assert.ok(new Uint8Array(again.buffer).every((b) => b === 0), "zeroed");
  assert.equal(pool.idleBytes, 0);
  // Still bounded by its maximum.
  assert.throws(() => again.grow(4), RangeError);
});

Deno.test("MemoryPool: the idle budget still bounds what is kept", () => {
  const pool = new MemoryPool({ maxIdleBytes: 4 * PAGE });
  const limits = { initialPages: 1, maxPages: 8 };
  const grown = pool.acquire(limits);
  grown.grow(4);
  pool.release(grown, limits);
  assert.equal(pool.idleBytes, 0, "5 pages are over a 4-page budget");
  assert.notEqual(pool.acquire(limits), grown);
});

Deno.test("MemoryPool: a guest that grows its memory runs right on the memory it grew last time", async () => {
  const bytes = await Deno.readFile(
    join(REPO_ROOT, "examples/sha256/sha256.wasm"),
  );
  const { bytes: capped, memory: limits } = withImportedMemory(
    bytes,
    pagesWithin(64 << 20),
  );
  const module = new WebAssembly.Module(capped);
  const pool = new MemoryPool();
  const spec = {
    fn: "sha256",
    args: ["sha256"],
    env: {},
    preopens: [],
    timeoutMs: 10_000,
    maxMemoryBytes: 64 << 20,
    maxOutputBytes: 1 << 20,
  };
  const input = new Uint8Array(256 << 10).map((_, i) => i * 7);
  const expected = `${await sha256(input)}\n`;
  let first: WebAssembly.Memory | undefined;
  for (let run = 0; run < 3; run++) {
    const memory = pool.acquire(limits);
    first ??= memory;
    const result = runGuestSync({ module, memory }, spec, { stdin: input });
    assert.equal(result.failure, undefined, result.stderr);
    assert.equal(new TextDecoder().decode(result.stdout), expected);
    assert.ok(memory.buffer.byteLength > limits.initialPages * PAGE, "grew");
    pool.release(memory, limits);
  }
  assert.equal(pool.acquire(limits), first, "the grown memory was reused");
});

Deno.test("runGuestSync: the run's own stdout leaves taken; a caller's buffer keeps it, the result a view", async () => {
  const module = new WebAssembly.Module(
    await Deno.readFile(join(REPO_ROOT, "examples/echo/echo.wasm")),
  );
  const spec = {
    fn: "echo",
    args: ["echo"],
    env: {},
    preopens: [],
    timeoutMs: 1000,
    maxMemoryBytes: 1 << 26,
    maxOutputBytes: 1 << 20,
  };
  const input = crypto.getRandomValues(new Uint8Array(1000));
  const own = runGuestSync({ module }, spec, { stdin: input });
  assert.deepEqual(own.stdout, input);
  assert.equal(own.stdout.buffer.byteLength, 1000, "a buffer of its own");

  const stdout = new OutputBuffer(spec.maxOutputBytes);
  const kept = runGuestSync({ module }, spec, { stdin: input, stdout });
  assert.deepEqual(kept.stdout, input);
  assert.equal(stdout.size, 1000, "still in the caller's buffer");
  assert.equal(kept.stdout.buffer, stdout.bytes().buffer, "a view, no copy");
  assert.deepEqual(stdout.take(), input);
});
